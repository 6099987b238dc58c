//! The requests and results of the visitor operations (R-VISIT-1..4), declared once: the
//! bindings' classes and types are generated from them.

use chrono::{DateTime, NaiveDateTime, Utc};
use concierge_core::*;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// Links a property to a building of the intercom.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkIntercomBuilding {
    /// The property.
    pub property_id: PropertyId,
    /// The intercom's id of the building (from `intercom_buildings`).
    pub intercom_building_id: String,
}

/// Completes the intercom's one-time consent.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectIntercom {
    /// The code the building admin was shown after giving consent. Secret: never shown.
    #[schemars(with = "String", extend("x-sensitive" = true))]
    pub code: SecretString,
}

impl std::fmt::Debug for ConnectIntercom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConnectIntercom { code: <redacted> }")
    }
}

/// A visit's start or end: a wall-clock time in the property's zone (`2026-12-08T14:00`), or
/// an instant with its offset (`2026-12-08T03:00:00Z`, `2026-12-08T14:00:00+11:00`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VisitTime {
    /// A wall-clock time, judged in the property's zone.
    Local(NaiveDateTime),
    /// An instant.
    Instant(DateTime<Utc>),
}

impl VisitTime {
    /// Reads `2026-12-08T14:00[:00]` (or with a space) as local, RFC 3339 with an offset as an
    /// instant.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let text = text.trim();
        if let Ok(t) = DateTime::parse_from_rfc3339(text) {
            return Ok(VisitTime::Instant(t.with_timezone(&Utc)));
        }
        for format in [
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%d %H:%M",
        ] {
            if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
                return Ok(VisitTime::Local(t));
            }
        }
        Err(format!(
            "{text:?} is neither a local time (2026-12-08T14:00) nor an instant with an offset \
             (2026-12-08T03:00:00Z)"
        ))
    }

    /// The instant, a local time being judged in `zone`.
    pub fn instant_in(self, zone: Zone) -> std::result::Result<DateTime<Utc>, String> {
        match self {
            VisitTime::Instant(t) => Ok(t),
            VisitTime::Local(t) => zone.instant(t),
        }
    }
}

impl<'de> Deserialize<'de> for VisitTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        VisitTime::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for VisitTime {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "VisitTime".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A wall-clock time in the property's zone (2026-12-08T14:00), or an instant with its offset (2026-12-08T03:00:00Z)."
        })
    }
}

/// Creates a visitor pass for a window (R-VISIT-3).
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateVisitorPass {
    /// The property visited.
    pub property_id: PropertyId,
    /// The visitor's name.
    pub visitor_name: String,
    /// When the visit starts (in the property's zone unless it has an offset).
    pub starts_at: VisitTime,
    /// When the visit ends (in the property's zone unless it has an offset).
    pub ends_at: VisitTime,
    /// The resident being visited: the pass is revoked when their occupancy ends.
    #[serde(default)]
    pub resident_id: Option<ResidentId>,
    /// The caller's key for this request: the same key again returns the same pass, never a
    /// second one (a retried call after a timeout).
    #[serde(default)]
    pub request_key: Option<String>,
}

/// Names a visitor pass.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PassArgs {
    /// The pass.
    pub pass_id: VisitorPassId,
}

/// Which visitor passes to list.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitorPassFilter {
    /// The property.
    pub property_id: PropertyId,
    /// Only passes in this state.
    #[serde(default)]
    pub state: Option<VisitorPassState>,
    /// Only the passes for visits to this resident.
    #[serde(default)]
    pub resident_id: Option<ResidentId>,
}

/// A visitor pass as staff see it: the record, with its window in the property's local time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct VisitorPassView {
    /// The pass.
    #[serde(flatten)]
    pub pass: VisitorPass,
    /// The start as the building's wall clock, e.g. `2026-12-08 14:00 AEDT`.
    pub starts_local: String,
    /// The end as the building's wall clock.
    pub ends_local: String,
}

impl VisitorPassView {
    /// The view of `pass`.
    pub fn of(pass: VisitorPass) -> Self {
        Self {
            starts_local: pass.time_zone.format(pass.window.starts_at),
            ends_local: pass.time_zone.format(pass.window.ends_at),
            pass,
        }
    }
}

/// What provisioning a site did (R-VISIT-1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct VisitorSiteReport {
    /// The property.
    pub property_id: PropertyId,
    /// The intercom's building.
    pub building: ExternalRef,
    /// The placeholder unit.
    pub placeholder_unit: ExternalRef,
    /// The placeholder tenant.
    pub placeholder_tenant: ExternalRef,
    /// The placeholder tenant's name.
    pub tenant_name: String,
    /// The placeholder tenant's email.
    pub tenant_email: String,
    /// Whether this call created the unit (false: it existed and was adopted).
    pub created_unit: bool,
    /// Whether this call created the tenant (false: it existed and was adopted).
    pub created_tenant: bool,
}

/// A site's preflight (R-VISIT-2, R-VISIT-4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct VisitorPreflight {
    /// The property.
    pub property_id: PropertyId,
    /// Whether every check passed: visitor passes can be created.
    pub passed: bool,
    /// Each check, passed or failed with the reason.
    pub checks: Vec<PreflightCheck>,
    /// The tenants whose contact preference is Phone Calls: they cannot take video calls
    /// until they switch to Mobile App in the intercom's app (R-VISIT-4).
    pub phone_call_tenants: Vec<IntercomTenant>,
}

/// The contact preferences of a site's tenants (R-VISIT-4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ContactReport {
    /// The property.
    pub property_id: PropertyId,
    /// How many tenants the intercom lists, the placeholder left out.
    pub tenants: usize,
    /// Those on Phone Calls, who cannot take video calls.
    pub phone_call_tenants: Vec<IntercomTenant>,
    /// Tenants the intercom returned that could not be read.
    pub unreadable: usize,
}
