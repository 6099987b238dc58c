//! From ButterflyMX's records to the neutral ones: buildings with their time zone, tenants
//! with their name, unit and contact preference; ids of [`ExternalRef`]s checked and read; the
//! keychain name that makes a pass findable again; instants as the vendor writes them.

use crate::wire;
use chrono::{DateTime, SecondsFormat, Utc};
use concierge_core::{
    ContactPreference, ExternalRef, IntercomBuilding, IntercomTenant, ProviderError,
    ProviderErrorKind, RecordError,
};
use serde_json::Value;

/// The provider's stable name, in every [`ExternalRef`] and error.
pub const PROVIDER: &str = "butterflymx";

/// A refusal before any request: the caller's input cannot work.
pub(crate) fn rejected(operation: &str, message: impl Into<String>) -> ProviderError {
    ProviderError::new(PROVIDER, operation, ProviderErrorKind::Rejected, message)
        .with_retryable(false)
}

/// A reply the adapter cannot read.
pub(crate) fn invalid(operation: &str, message: impl Into<String>) -> ProviderError {
    ProviderError::new(
        PROVIDER,
        operation,
        ProviderErrorKind::InvalidResponse,
        message,
    )
}

/// The vendor id of `what`, which must be a ButterflyMX reference holding a positive integer.
pub(crate) fn id_of(operation: &str, what: &str, r: &ExternalRef) -> Result<i64, ProviderError> {
    if r.provider != PROVIDER {
        return Err(rejected(
            operation,
            format!("the {what} {r} is not a ButterflyMX record"),
        ));
    }
    r.id.trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| {
            rejected(
                operation,
                format!("the {what} id must be a positive integer"),
            )
        })
}

/// A reference to ButterflyMX record `id`.
pub(crate) fn external(id: i64) -> ExternalRef {
    ExternalRef::new(PROVIDER, id.to_string())
}

/// The id of a record, for its error.
fn record_id(value: &Value) -> Option<ExternalRef> {
    value.get("id").and_then(Value::as_i64).map(external)
}

fn record_error(value: &Value, message: impl Into<String>) -> RecordError {
    RecordError {
        external: record_id(value),
        message: message.into(),
    }
}

/// A building: its name (else "Building <id>") and IANA time zone.
pub(crate) fn building(value: Value) -> Result<IntercomBuilding, RecordError> {
    let Some(id) = value.get("id").and_then(Value::as_i64) else {
        return Err(record_error(&value, "a building without an integer id"));
    };
    let text = |k: &str| {
        value
            .get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    Ok(IntercomBuilding {
        external: external(id),
        name: text("name").unwrap_or_else(|| format!("Building {id}")),
        time_zone: text("time_zone"),
    })
}

fn non_blank(value: Option<String>) -> Option<String> {
    value.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// A tenant: `full_name`, else first and last name; the email; the unit's label; the contact
/// preference (absent or null: `phone_call`, the vendor's default; any other value: a record
/// error).
pub(crate) fn tenant(value: Value) -> Result<IntercomTenant, RecordError> {
    let tenant: wire::Tenant = serde_json::from_value(value.clone())
        .map_err(|_| record_error(&value, "a tenant that cannot be read"))?;
    let name = non_blank(tenant.full_name).or_else(|| {
        let joined = format!(
            "{} {}",
            tenant.first_name.unwrap_or_default().trim(),
            tenant.last_name.unwrap_or_default().trim()
        );
        non_blank(Some(joined))
    });
    let Some(name) = name else {
        return Err(record_error(&value, "a tenant without a name"));
    };
    let contact_preference = match tenant.contact_preference.as_deref().map(str::trim) {
        None | Some("") | Some("phone_call") => ContactPreference::PhoneCall,
        Some("mobile_app") => ContactPreference::MobileApp,
        Some(_) => {
            return Err(record_error(&value, "an unknown contact preference"));
        }
    };
    Ok(IntercomTenant {
        external: external(tenant.id),
        name,
        email: non_blank(tenant.email),
        unit_label: non_blank(tenant.unit.and_then(|u| u.label)),
        contact_preference,
    })
}

/// The keychain name of a pass: `"{visitor_name} [{idempotency_key}]"`. Our pass id in it
/// makes a retried call find the keychain an earlier attempt created.
pub fn keychain_name(visitor_name: &str, idempotency_key: &str) -> String {
    format!("{} [{}]", visitor_name.trim(), idempotency_key.trim())
}

/// An instant as ButterflyMX takes it: RFC 3339, UTC, `Z`, whole seconds.
pub(crate) fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// An instant the vendor wrote.
pub(crate) fn parse_instant(text: Option<&str>) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text?.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_building_keeps_its_time_zone_and_a_nameless_one_gets_its_id() {
        let b =
            building(json!({"id": 7, "name": "Crimson", "time_zone": "America/New_York"})).unwrap();
        assert_eq!(b.external, ExternalRef::new("butterflymx", "7"));
        assert_eq!(b.time_zone.as_deref(), Some("America/New_York"));
        let b = building(json!({"id": 8, "name": " ", "time_zone": null})).unwrap();
        assert_eq!((b.name.as_str(), b.time_zone), ("Building 8", None));
        assert!(building(json!({"name": "x"})).is_err());
    }

    #[test]
    fn a_tenant_is_named_by_full_name_else_first_and_last() {
        let t = tenant(json!({"id": 1, "full_name": null, "first_name": "Alia", "last_name": "Atreides",
            "email": "alia@example.com", "contact_preference": "mobile_app", "unit": {"id": 3, "label": "A003"}}))
        .unwrap();
        assert_eq!(t.name, "Alia Atreides");
        assert_eq!(t.unit_label.as_deref(), Some("A003"));
        assert_eq!(t.contact_preference, ContactPreference::MobileApp);
        let t = tenant(json!({"id": 2, "full_name": "Duncan Idaho", "first_name": "D"})).unwrap();
        assert_eq!(t.name, "Duncan Idaho");
        assert_eq!(
            t.contact_preference,
            ContactPreference::PhoneCall,
            "the vendor's default"
        );
        assert_eq!((t.email, t.unit_label), (None, None));
    }

    #[test]
    fn an_unreadable_tenant_is_a_record_error_naming_it_without_its_data() {
        let e = tenant(json!({"id": 4, "first_name": "Secret", "contact_preference": "sms"}))
            .unwrap_err();
        assert_eq!(e.external, Some(ExternalRef::new("butterflymx", "4")));
        assert!(!e.message.contains("Secret"));
        let e = tenant(json!({"id": 5, "first_name": " ", "last_name": ""})).unwrap_err();
        assert!(e.message.contains("without a name"));
        let e = tenant(json!({"id": "x"})).unwrap_err();
        assert_eq!(e.external, None);
    }

    #[test]
    fn ids_must_be_butterflymx_positive_integers() {
        assert_eq!(
            id_of("op", "building", &ExternalRef::new("butterflymx", " 12 ")).unwrap(),
            12
        );
        for bad in [
            ExternalRef::new("buildium", "12"),
            ExternalRef::new("butterflymx", "12/../1"),
            ExternalRef::new("butterflymx", "-3"),
        ] {
            let e = id_of("op", "building", &bad).unwrap_err();
            assert_eq!(e.kind, ProviderErrorKind::Rejected);
        }
    }

    #[test]
    fn a_keychain_is_named_after_the_visitor_and_our_pass_id_and_instants_are_utc_seconds() {
        assert_eq!(keychain_name(" Paul ", "vp_123"), "Paul [vp_123]");
        let at = DateTime::parse_from_rfc3339("2026-03-10T22:00:00.750+10:00")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(instant(at), "2026-03-10T12:00:00Z");
        assert_eq!(
            parse_instant(Some("2026-03-10T12:00:00Z")),
            DateTime::parse_from_rfc3339("2026-03-10T12:00:00Z")
                .ok()
                .map(|t| t.with_timezone(&Utc))
        );
    }
}
