//! The records the bindings return where a stored record is not fit to show as it is: a
//! resident with its account status at the handle's clock (derived, never stored), an outbox
//! entry without its message's secrets. Each is declared here once; Python classes and
//! TypeScript types are generated from these declarations.

use chrono::{DateTime, NaiveDate, Utc};
use concierge_core::*;
use schemars::JsonSchema;
use serde::Serialize;

/// A resident as an admin sees it: who, where, since when, and the account's status now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(rename = "Resident")]
pub struct ResidentView {
    /// The resident's id.
    pub id: ResidentId,
    /// The property.
    pub property_id: PropertyId,
    /// The unit.
    pub unit_id: UnitId,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email, if known. Personal data: left out of a record's repr.
    #[schemars(extend("x-sensitive" = true))]
    pub email: Option<String>,
    /// Phone, if known. Personal data: left out of a record's repr.
    #[schemars(extend("x-sensitive" = true))]
    pub phone: Option<String>,
    /// Role in the unit.
    pub role: OccupancyRole,
    /// Move-in date.
    pub move_in: Option<NaiveDate>,
    /// Move-out date, once known.
    pub move_out: Option<NaiveDate>,
    /// Where the resident came from.
    pub source: ResidentSource,
    /// The account's status at the handle's clock (R-STATUS-1..4).
    pub status: AccountStatus,
    /// When the last invitation was sent.
    pub invited_at: Option<DateTime<Utc>>,
    /// When the last invitation's link stops working.
    pub activation_expires_at: Option<DateTime<Utc>>,
    /// When the account went live.
    pub activated_at: Option<DateTime<Utc>>,
    /// How many invitations were sent.
    pub invitations_sent: u32,
    /// Whether mobile access was granted.
    pub mobile_access_granted: bool,
    /// The amenities given.
    pub amenities: Vec<AmenityId>,
    /// Its record in the PMS or strata system, if it came from one.
    pub external: Option<ExternalRef>,
    /// Its strata user types (owner-occupier, tenant, owner-investor, committee); empty for
    /// residents that did not come from the strata system.
    pub user_types: Vec<StrataUserType>,
}

impl ResidentView {
    /// `resident` with its status at `now`.
    pub fn at(r: Resident, now: DateTime<Utc>) -> Self {
        Self {
            status: r.status(now),
            invited_at: r.account.invited_at(),
            activation_expires_at: r.account.activation_expires_at(),
            activated_at: r.account.activated_at(),
            invitations_sent: r.account.invitations_sent(),
            mobile_access_granted: matches!(r.mobile_access, MobileAccess::Granted { .. }),
            id: r.id,
            property_id: r.property_id,
            unit_id: r.occupancy.unit_id,
            first_name: r.first_name,
            last_name: r.last_name,
            email: r.email,
            phone: r.phone,
            role: r.occupancy.role,
            move_in: r.occupancy.move_in,
            move_out: r.occupancy.move_out,
            source: r.source,
            amenities: r.amenities,
            external: r.external,
            user_types: r.user_types.into_iter().collect(),
        }
    }
}

/// What an outbox entry does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutboxKind {
    /// Send a resident's activation email.
    ActivationEmail,
    /// Cancel a key in the lock system.
    CancelKey,
    /// Revoke a visitor pass on the intercom.
    RevokeVisitorPass,
}

/// A side effect waiting in, or done by, the outbox. Never shows an activation link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(rename = "OutboxEntry")]
pub struct OutboxEntryView {
    /// The entry's id.
    pub id: OutboxId,
    /// The property it belongs to.
    pub property_id: PropertyId,
    /// What it does.
    pub kind: OutboxKind,
    /// The resident (activation email) or key (cancellation) it is about.
    pub subject_id: String,
    /// Where it stands.
    pub status: OutboxStatus,
    /// How often it was tried.
    pub attempts: u32,
    /// The last failure, if any.
    pub last_error: Option<String>,
    /// When it is tried next.
    pub next_attempt_at: DateTime<Utc>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
}

impl From<OutboxEntry> for OutboxEntryView {
    fn from(e: OutboxEntry) -> Self {
        let (kind, subject_id) = match &e.message {
            OutboxMessage::ActivationEmail { resident_id, .. } => {
                (OutboxKind::ActivationEmail, resident_id.to_string())
            }
            OutboxMessage::CancelKey { key_id, .. } => (OutboxKind::CancelKey, key_id.to_string()),
            OutboxMessage::RevokeVisitorPass { pass_id, .. } => {
                (OutboxKind::RevokeVisitorPass, pass_id.to_string())
            }
        };
        Self {
            id: e.id,
            property_id: e.property_id,
            kind,
            subject_id,
            status: e.status,
            attempts: e.attempts,
            last_error: e.last_error,
            next_attempt_at: e.next_attempt_at,
            created_at: e.created_at,
        }
    }
}
