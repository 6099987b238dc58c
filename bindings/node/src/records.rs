//! Records as plain JS objects (`#[napi(object)]`), in camelCase. Dates are `"YYYY-MM-DD"`
//! strings, instants are JS `Date`s, absent values are `null`, enumerations are snake_case
//! strings.

use chrono::{DateTime, NaiveDate, Utc};
use concierge::validate::Checks;
use napi::bindgen_prelude::*;
use napi::{Env, JsValue};
use napi_derive::napi;

/// An instant, crossing into JS as a `Date`.
pub struct Instant(pub DateTime<Utc>);

impl TypeName for Instant {
    fn type_name() -> &'static str {
        "Date"
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ToNapiValue for Instant {
    unsafe fn to_napi_value(env: napi::sys::napi_env, val: Self) -> Result<napi::sys::napi_value> {
        let env = Env::from_raw(env);
        Ok(env.create_date(val.0.timestamp_millis() as f64)?.raw())
    }
}

fn instant(at: Option<DateTime<Utc>>) -> Option<Instant> {
    at.map(Instant)
}

pub(crate) fn date(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

/// A record's identity in an outside system.
#[napi(object, object_from_js = false)]
pub struct ExternalRef {
    /// The provider's stable name, e.g. `buildium`.
    pub provider: String,
    /// The id the provider gave the record.
    pub id: String,
}

pub(crate) fn external(r: Option<concierge::ExternalRef>) -> Option<ExternalRef> {
    r.map(|r| ExternalRef {
        provider: r.provider,
        id: r.id,
    })
}

/// An amenity of a property.
#[napi(object, object_from_js = false)]
pub struct Amenity {
    /// Its id.
    pub id: String,
    /// Its name, e.g. "Pool".
    pub name: String,
}

/// The welcome / activation email template.
#[napi(object, object_from_js = false)]
pub struct InvitationEmail {
    /// The sender shown to residents.
    pub from: String,
    /// The subject line.
    pub subject: String,
    /// The body; must contain `{activation_link}`.
    pub body: String,
    /// The link residents follow; the token is appended.
    pub activation_url: String,
}

/// A property's settings.
#[napi(object, object_from_js = false)]
pub struct PropertySettings {
    /// Import future residents from the PMS.
    pub future_resident_sync: bool,
    /// Grant mobile-key access automatically at move-in.
    pub auto_grant_mobile_access: bool,
    /// Seconds between PMS syncs (default 14400).
    pub sync_interval_seconds: i64,
    /// The property's amenities.
    pub amenities: Vec<Amenity>,
    /// The welcome / activation email.
    pub invitation_email: InvitationEmail,
}

impl From<concierge::PropertySettings> for PropertySettings {
    fn from(s: concierge::PropertySettings) -> Self {
        Self {
            future_resident_sync: s.future_resident_sync,
            auto_grant_mobile_access: s.auto_grant_mobile_access,
            sync_interval_seconds: s.sync_interval.num_seconds(),
            amenities: s
                .amenities
                .into_iter()
                .map(|a| Amenity {
                    id: a.id.to_string(),
                    name: a.name,
                })
                .collect(),
            invitation_email: InvitationEmail {
                from: s.invitation_email.from,
                subject: s.invitation_email.subject,
                body: s.invitation_email.body,
                activation_url: s.invitation_email.activation_url,
            },
        }
    }
}

/// An amenity to set: an existing one (with its `id`) or a new one (name only).
#[napi(object, object_to_js = false)]
pub struct AmenityInput {
    /// The id of an existing amenity; a new one gets an id.
    pub id: Option<String>,
    /// Its name.
    pub name: String,
}

/// Template fields to set; the others keep their defaults.
#[napi(object, object_to_js = false)]
pub struct InvitationEmailInput {
    /// The sender shown to residents.
    pub from: Option<String>,
    /// The subject line.
    pub subject: Option<String>,
    /// The body; must contain `{activation_link}`.
    pub body: Option<String>,
    /// The link residents follow; the token is appended.
    pub activation_url: Option<String>,
}

/// Settings to give a property. Fields left out take their defaults; a `PropertySettings`
/// read from a property can be passed back as is.
#[napi(object, object_to_js = false)]
pub struct PropertySettingsInput {
    /// Import future residents from the PMS. Default: false.
    pub future_resident_sync: Option<bool>,
    /// Grant mobile-key access automatically at move-in. Default: false.
    pub auto_grant_mobile_access: Option<bool>,
    /// Seconds between PMS syncs. Default: 14400 (4 hours).
    pub sync_interval_seconds: Option<i64>,
    /// The property's amenities. Default: none.
    pub amenities: Option<Vec<AmenityInput>>,
    /// The welcome / activation email. Default: the built-in template.
    pub invitation_email: Option<InvitationEmailInput>,
}

impl PropertySettingsInput {
    /// The facade's settings: the given fields over the defaults.
    pub(crate) fn into_settings(self, checks: &mut Checks) -> concierge::PropertySettings {
        let mut s = concierge::PropertySettings::default();
        if let Some(v) = self.future_resident_sync {
            s.future_resident_sync = v;
        }
        if let Some(v) = self.auto_grant_mobile_access {
            s.auto_grant_mobile_access = v;
        }
        if let Some(secs) = self.sync_interval_seconds {
            match chrono::Duration::try_seconds(secs) {
                Some(d) => s.sync_interval = d,
                None => checks.fail("settings.sync_interval", "is out of range"),
            }
        }
        if let Some(amenities) = self.amenities {
            s.amenities = amenities
                .into_iter()
                .map(|a| match a.id {
                    Some(id) => concierge::Amenity {
                        id: concierge::AmenityId::from_string(id),
                        name: a.name,
                    },
                    None => concierge::Amenity::new(a.name),
                })
                .collect();
        }
        if let Some(e) = self.invitation_email {
            let t = &mut s.invitation_email;
            if let Some(v) = e.from {
                t.from = v;
            }
            if let Some(v) = e.subject {
                t.subject = v;
            }
            if let Some(v) = e.body {
                t.body = v;
            }
            if let Some(v) = e.activation_url {
                t.activation_url = v;
            }
        }
        s
    }
}

/// A managed residential property.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct Property {
    /// Its id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Site name.
    pub site_name: String,
    /// Its settings.
    pub settings: PropertySettings,
    /// Its record in the PMS, if any.
    pub external_ref: Option<ExternalRef>,
    /// When it was registered.
    #[napi(ts_type = "Date")]
    pub created_at: Instant,
}

impl From<concierge::Property> for Property {
    fn from(p: concierge::Property) -> Self {
        Self {
            id: p.id.to_string(),
            name: p.name,
            site_name: p.site_name,
            settings: p.settings.into(),
            external_ref: external(p.external),
            created_at: Instant(p.created_at),
        }
    }
}

/// A building of a property.
#[napi(object, object_from_js = false)]
pub struct Building {
    /// Its id.
    pub id: String,
    /// Its property.
    pub property_id: String,
    /// Its name.
    pub name: String,
}

impl From<concierge::Building> for Building {
    fn from(b: concierge::Building) -> Self {
        Self {
            id: b.id.to_string(),
            property_id: b.property_id.to_string(),
            name: b.name,
        }
    }
}

/// One home in a building.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct Unit {
    /// Its id.
    pub id: String,
    /// Its property.
    pub property_id: String,
    /// Its building.
    pub building_id: String,
    /// Its floor, if the building has floors.
    pub floor: Option<String>,
    /// Its number or name.
    pub number: String,
}

impl From<concierge::Unit> for Unit {
    fn from(u: concierge::Unit) -> Self {
        Self {
            id: u.id.to_string(),
            property_id: u.property_id.to_string(),
            building_id: u.building_id.to_string(),
            floor: u.floor,
            number: u.number,
        }
    }
}

/// A resident: one person's occupancy of one unit, with their account. `status` is the
/// account status when the record was read.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct Resident {
    /// Its id.
    pub id: String,
    /// The property.
    pub property_id: String,
    /// The unit.
    pub unit_id: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Role in the unit.
    #[napi(ts_type = "OccupancyRole")]
    pub role: String,
    /// Move-in date, `YYYY-MM-DD`.
    pub move_in: Option<String>,
    /// Move-out date, `YYYY-MM-DD`.
    pub move_out: Option<String>,
    /// Where the record came from.
    #[napi(ts_type = "ResidentSource")]
    pub source: String,
    /// The account status when the record was read.
    #[napi(ts_type = "AccountStatus")]
    pub status: String,
    /// When the current invitation was sent.
    #[napi(ts_type = "Date")]
    pub invited_at: Option<Instant>,
    /// When the current activation link stops working.
    #[napi(ts_type = "Date")]
    pub activation_expires_at: Option<Instant>,
    /// When the account went live.
    #[napi(ts_type = "Date")]
    pub activated_at: Option<Instant>,
    /// How many welcome emails were sent.
    pub invitations_sent: u32,
    /// Whether the resident has mobile-key access.
    pub mobile_access_granted: bool,
    /// Ids of the amenities given at move-in.
    pub amenities: Vec<String>,
    /// The record in its provider, for PMS and strata residents.
    pub external_ref: Option<ExternalRef>,
}

impl Resident {
    /// The record, with its status at `now`.
    pub(crate) fn at(r: concierge::Resident, now: DateTime<Utc>) -> Self {
        Self {
            status: r.status(now).as_str().to_owned(),
            id: r.id.to_string(),
            property_id: r.property_id.to_string(),
            unit_id: r.occupancy.unit_id.to_string(),
            role: r.occupancy.role.as_str().to_owned(),
            move_in: date(r.occupancy.move_in),
            move_out: date(r.occupancy.move_out),
            source: r.source.as_str().to_owned(),
            invited_at: instant(r.account.invited_at()),
            activation_expires_at: instant(r.account.activation_expires_at()),
            activated_at: instant(r.account.activated_at()),
            invitations_sent: r.account.invitations_sent(),
            mobile_access_granted: matches!(
                r.mobile_access,
                concierge::MobileAccess::Granted { .. }
            ),
            amenities: r.amenities.iter().map(ToString::to_string).collect(),
            external_ref: external(r.external),
            first_name: r.first_name,
            last_name: r.last_name,
            email: r.email,
            phone: r.phone,
        }
    }
}

/// An entry of the side-effect outbox. Never holds the activation token.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct OutboxEntry {
    /// Its id.
    pub id: String,
    /// What it does: `activation_email`.
    pub kind: String,
    /// Where it stands.
    #[napi(ts_type = "OutboxStatus")]
    pub status: String,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// The last failure, in words.
    pub last_error: Option<String>,
    /// Not delivered before then.
    #[napi(ts_type = "Date")]
    pub next_attempt_at: Instant,
}

impl From<concierge::OutboxEntry> for OutboxEntry {
    fn from(e: concierge::OutboxEntry) -> Self {
        Self {
            id: e.id.to_string(),
            kind: e.message.kind().to_owned(),
            status: e.status.as_str().to_owned(),
            attempts: e.attempts,
            last_error: e.last_error,
            next_attempt_at: Instant(e.next_attempt_at),
        }
    }
}

/// What one `dispatchOutbox()` pass did.
#[napi(object, object_from_js = false)]
pub struct DispatchReport {
    /// Entries delivered.
    pub delivered: u32,
    /// Entries that failed and will be tried again.
    pub retrying: u32,
    /// Entries parked for an admin.
    pub parked: u32,
    /// Entries no longer needed.
    pub skipped: u32,
}

impl From<concierge::DispatchReport> for DispatchReport {
    fn from(r: concierge::DispatchReport) -> Self {
        Self {
            delivered: r.delivered,
            retrying: r.retrying,
            parked: r.parked,
            skipped: r.skipped,
        }
    }
}

/// A named holder of a unit's spare key (never a resident, never moved out by a sync).
#[napi(object, object_from_js = false)]
pub struct SpareHolder {
    /// Its id.
    pub id: String,
    /// The unit.
    pub unit_id: String,
    /// Its label, e.g. "Spare: cleaner".
    pub label: String,
}

impl From<concierge::SpareHolder> for SpareHolder {
    fn from(s: concierge::SpareHolder) -> Self {
        Self {
            id: s.id.to_string(),
            unit_id: s.unit_id.to_string(),
            label: s.label,
        }
    }
}

/// A property as the PMS has it; link one of ours to it with `linkPmsProperty`.
#[napi(object, object_from_js = false)]
pub struct PmsProperty {
    /// Its record in the PMS; `externalRef.id` is what `linkPmsProperty` takes.
    pub external_ref: ExternalRef,
    /// Its name in the PMS.
    pub name: String,
}

impl From<concierge::PmsProperty> for PmsProperty {
    fn from(p: concierge::PmsProperty) -> Self {
        Self {
            external_ref: ExternalRef {
                provider: p.external.provider,
                id: p.external.id,
            },
            name: p.name,
        }
    }
}

/// A count, as a JS number.
fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// What a sync run did.
#[napi(object, object_from_js = false)]
pub struct SyncCounts {
    /// Records read.
    pub seen: i64,
    /// Residents created.
    pub created: i64,
    /// Residents updated.
    pub updated: i64,
    /// Residents moved out.
    pub moved_out: i64,
    /// Records that needed no change.
    pub unchanged: i64,
    /// Records that became sync errors.
    pub failed: i64,
    /// Future residents not imported because future-resident sync is off.
    pub deferred: i64,
    /// Pages read from the PMS.
    pub pages: i64,
}

impl From<concierge::SyncCounts> for SyncCounts {
    fn from(c: concierge::SyncCounts) -> Self {
        Self {
            seen: count(c.seen),
            created: count(c.created),
            updated: count(c.updated),
            moved_out: count(c.moved_out),
            unchanged: count(c.unchanged),
            failed: count(c.failed),
            deferred: count(c.deferred),
            pages: count(c.pages),
        }
    }
}

/// One PMS record a sync could not apply. Never holds the record's personal data.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct SyncError {
    /// The type, for the admin to act on.
    #[napi(ts_type = "SyncErrorKind")]
    pub kind: String,
    /// The record in the PMS, when its id could be read.
    pub external_ref: Option<ExternalRef>,
    /// The field at fault, when one is.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl From<concierge::SyncError> for SyncError {
    fn from(e: concierge::SyncError) -> Self {
        Self {
            kind: e.kind.as_str().to_owned(),
            external_ref: external(e.external),
            field: e.field,
            message: e.message,
        }
    }
}

/// One run of a property's PMS sync.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct SyncRun {
    /// Its id.
    pub id: String,
    /// The property.
    pub property_id: String,
    /// A full listing (may move residents out) or an incremental pull (never does).
    #[napi(ts_type = "SyncMode")]
    pub mode: String,
    /// When it started.
    #[napi(ts_type = "Date")]
    pub started_at: Instant,
    /// When it finished; `null` while running.
    #[napi(ts_type = "Date")]
    pub finished_at: Option<Instant>,
    /// What it did.
    pub counts: SyncCounts,
    /// The records it could not apply; the next run's list replaces this one.
    pub errors: Vec<SyncError>,
    /// Why it stopped before the end, or `null`. What it applied stays applied; nobody is
    /// moved out by an incomplete listing.
    pub aborted: Option<String>,
}

impl From<concierge::SyncRun> for SyncRun {
    fn from(r: concierge::SyncRun) -> Self {
        Self {
            id: r.id.to_string(),
            property_id: r.property_id.to_string(),
            mode: r.mode.as_str().to_owned(),
            started_at: Instant(r.started_at),
            finished_at: instant(r.finished_at),
            counts: r.counts.into(),
            errors: r.errors.into_iter().map(SyncError::from).collect(),
            aborted: r.aborted,
        }
    }
}

/// The result of a sync trigger.
#[napi(object, object_from_js = false)]
pub struct SyncReport {
    /// The run: counts and errors.
    pub run: SyncRun,
    /// Whether this trigger joined a sync of the property already running.
    pub joined: bool,
}

impl From<concierge::SyncReport> for SyncReport {
    fn from(r: concierge::SyncReport) -> Self {
        Self {
            run: r.run.into(),
            joined: r.joined,
        }
    }
}

/// The snake_case names that cross the boundary, as TypeScript types.
#[allow(dead_code)]
mod names {
    use napi_derive::napi;

    /// A resident account's status.
    #[napi(string_enum = "snake_case")]
    pub enum AccountStatus {
        NotInvited,
        PendingActivation,
        Live,
        ActivationExpired,
    }

    /// Where a resident stands in time relative to their unit.
    #[napi(string_enum = "snake_case")]
    pub enum OccupancyPhase {
        Future,
        Current,
        Past,
    }

    /// Where a resident came from.
    #[napi(string_enum = "snake_case")]
    pub enum ResidentSource {
        Pms,
        Strata,
        Manual,
    }

    /// A resident's role in their unit.
    #[napi(string_enum = "snake_case")]
    pub enum OccupancyRole {
        Primary,
        Secondary,
        Occupant,
    }

    /// Where an outbox entry stands.
    #[napi(string_enum = "snake_case")]
    pub enum OutboxStatus {
        Pending,
        Done,
        Parked,
        Skipped,
    }

    /// How much of the PMS a sync reads.
    #[napi(string_enum = "snake_case")]
    pub enum SyncMode {
        Full,
        Incremental,
    }

    /// Why a PMS record could not be applied by a sync.
    #[napi(string_enum = "snake_case")]
    pub enum SyncErrorKind {
        UnitNotFound,
        InvalidName,
        InvalidEmail,
        InvalidDates,
        DuplicateResident,
        ConflictingOccupancy,
        UnreadableRecord,
    }

    /// How much of an area an admin may do.
    #[napi(string_enum = "snake_case")]
    pub enum AccessLevel {
        None,
        Read,
        Full,
    }

    /// The stable code of an error: `err.code`.
    #[napi(string_enum = "UPPER_SNAKE")]
    pub enum ErrorCode {
        PermissionDenied,
        InvalidTransition,
        TokenRejected,
        NotFound,
        Validation,
        Conflict,
        Provider,
        Store,
        Closed,
    }

    /// A permission area.
    #[napi(string_enum = "snake_case")]
    pub enum Permission {
        Integrations,
        Residence,
    }

    /// Why an activation token was refused.
    #[napi(string_enum = "snake_case")]
    pub enum TokenRejection {
        Invalid,
        Expired,
        AlreadyUsed,
        Superseded,
    }

    /// The class of a provider failure.
    #[napi(string_enum = "snake_case")]
    pub enum ProviderErrorKind {
        Timeout,
        Connection,
        RateLimited,
        Unavailable,
        Unauthorized,
        Forbidden,
        NotFound,
        Rejected,
        InvalidResponse,
        DeviceBusy,
        DeviceOffline,
        NoCard,
        Other,
    }

    /// How the connection to the SMTP server is secured.
    #[napi(string_enum = "snake_case")]
    pub enum SmtpTls {
        None,
        Starttls,
        Tls,
    }
}
