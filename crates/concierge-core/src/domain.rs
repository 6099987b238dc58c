//! Domain records for every flow of the spec. Records that came from a provider keep their
//! [`ExternalRef`]; every stored record has a `version` the store uses for optimistic
//! concurrency (a write names the version it read; a concurrent change makes it fail).

use crate::account::{Account, AccountStatus};
use crate::ids::*;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// The default interval between automatic PMS syncs (R-PMS-6): 4 hours.
pub const DEFAULT_SYNC_INTERVAL: Duration = Duration::hours(4);

/// How often the strata sync runs by default: nightly, once a day (R-STRATA-6).
pub const DEFAULT_STRATA_SYNC_INTERVAL: Duration = Duration::days(1);

/// A managed residential property (a site).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Property {
    /// Our id.
    pub id: PropertyId,
    /// Display name, e.g. "Harbour View".
    pub name: String,
    /// The site name: used in the intercom placeholder's email (`butterflymx+<site name>`) and
    /// in emails to residents. Lower-case letters, digits and dashes.
    pub site_name: String,
    /// The property's settings.
    pub settings: PropertySettings,
    /// The property's id in its PMS, when it has one.
    pub external: Option<ExternalRef>,
    /// The property's IANA time zone: move-in and move-out dates, activation expiry shown to
    /// people and visit windows are judged in it. `None` (data from before zones): UTC.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub time_zone: Option<Zone>,
    /// The property's site on the door intercom, once linked (R-VISIT-1, R-VISIT-2).
    #[serde(default)]
    pub intercom: Option<IntercomSite>,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// Store version.
    pub version: u64,
}

impl Property {
    /// The zone dates and times are judged in: the property's, or UTC when it has none.
    pub fn zone(&self) -> Zone {
        self.time_zone.unwrap_or(Zone::UTC)
    }

    /// The property's calendar date at `now`.
    pub fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        self.zone().date_at(now)
    }
}

/// An IANA time zone, e.g. `Australia/Sydney`, from the compiled-in IANA database. Written and
/// read as its name; an unknown name is refused (VALIDATION).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Zone(chrono_tz::Tz);

impl Zone {
    /// Coordinated Universal Time.
    pub const UTC: Zone = Zone(chrono_tz::Tz::UTC);

    /// The zone named `name` (exact IANA spelling).
    pub fn parse(name: &str) -> Result<Self, String> {
        name.parse::<chrono_tz::Tz>().map(Zone).map_err(|_| {
            format!("{name:?} is not an IANA time zone name (for example Australia/Sydney)")
        })
    }

    /// The IANA name.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// The calendar date in this zone at `at`.
    pub fn date_at(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.0).date_naive()
    }

    /// `at` as this zone's wall clock, e.g. `2026-12-07 14:00 AEDT`.
    pub fn format(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.0)
            .format("%Y-%m-%d %H:%M %Z")
            .to_string()
    }

    /// The instant of wall-clock `local` in this zone. A time skipped by a daylight-saving
    /// change does not exist and is refused; a repeated one (clocks going back) is its first
    /// occurrence.
    pub fn instant(&self, local: chrono::NaiveDateTime) -> Result<DateTime<Utc>, String> {
        use chrono::TimeZone as _;
        match self.0.from_local_datetime(&local) {
            chrono::LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
            chrono::LocalResult::Ambiguous(first, _) => Ok(first.with_timezone(&Utc)),
            chrono::LocalResult::None => Err(format!(
                "{} does not exist in {}: the clocks skip it for daylight saving",
                local.format("%Y-%m-%d %H:%M"),
                self.name()
            )),
        }
    }
}

impl std::fmt::Debug for Zone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Zone({})", self.name())
    }
}

impl std::fmt::Display for Zone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl TryFrom<String> for Zone {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        Zone::parse(&name)
    }
}

impl From<Zone> for String {
    fn from(zone: Zone) -> String {
        zone.name().to_owned()
    }
}

impl std::str::FromStr for Zone {
    type Err = String;
    fn from_str(name: &str) -> Result<Self, String> {
        Zone::parse(name)
    }
}

/// A property's settings, as an admin sets them on the integrations screen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PropertySettings {
    /// Import residents whose move-in date is ahead as *future* residents (R-PMS-2).
    pub future_resident_sync: bool,
    /// Grant mobile-key access automatically at move-in, rather than leaving it to an admin
    /// (R-PMS-3).
    pub auto_grant_mobile_access: bool,
    /// How often the PMS sync runs (R-PMS-6); 4 hours by default.
    #[serde(with = "duration_secs")]
    #[schemars(with = "i64")]
    pub sync_interval: Duration,
    /// How often the strata sync of the property's linked strata buildings runs (R-STRATA-6);
    /// once a day by default.
    #[serde(with = "duration_secs")]
    #[schemars(with = "i64")]
    pub strata_sync_interval: Duration,
    /// The property's amenities (R-MOVE-3); empty when it has none.
    pub amenities: Vec<Amenity>,
    /// The welcome and activation emails (R-STRATA-3).
    pub invitation_email: InvitationEmailSettings,
    /// Visitor access through the intercom (R-VISIT-1).
    pub visitors: VisitorSettings,
}

impl Default for PropertySettings {
    fn default() -> Self {
        Self {
            future_resident_sync: false,
            auto_grant_mobile_access: false,
            sync_interval: DEFAULT_SYNC_INTERVAL,
            strata_sync_interval: DEFAULT_STRATA_SYNC_INTERVAL,
            amenities: Vec::new(),
            invitation_email: InvitationEmailSettings::default(),
            visitors: VisitorSettings::default(),
        }
    }
}

/// The default name of a site's placeholder tenant on the intercom (R-VISIT-1).
pub const DEFAULT_PLACEHOLDER_NAME: &str = "STRATIS User";

/// How a property's site is set up on the intercom (R-VISIT-1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct VisitorSettings {
    /// The placeholder tenant's name. Visitors see it in the texts and emails the intercom
    /// sends them, so it must be appropriate; "STRATIS User" by default.
    pub placeholder_name: String,
    /// The placeholder unit's label on the intercom.
    pub placeholder_unit_label: String,
    /// The mailbox whose plus-address is the placeholder tenant's email: with
    /// `butterflymx@example.com`, the tenant of site `harbour-view` is
    /// `butterflymx+harbour-view@example.com`. Required to provision a site.
    pub placeholder_mailbox: Option<String>,
}

impl Default for VisitorSettings {
    fn default() -> Self {
        Self {
            placeholder_name: DEFAULT_PLACEHOLDER_NAME.into(),
            placeholder_unit_label: "STRATIS".into(),
            placeholder_mailbox: None,
        }
    }
}

impl VisitorSettings {
    /// The placeholder tenant's email for `site_name`: the mailbox plus-addressed with it.
    pub fn placeholder_email(&self, site_name: &str) -> Option<String> {
        let mailbox = self.placeholder_mailbox.as_deref()?;
        let (local, domain) = mailbox.split_once('@')?;
        Some(format!("{local}+{site_name}@{domain}"))
    }
}

/// A property's site on the door intercom: the intercom's building, the placeholder unit and
/// tenant once provisioned (R-VISIT-1), and the last preflight (R-VISIT-2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IntercomSite {
    /// The intercom's building.
    pub building: ExternalRef,
    /// Its name on the intercom.
    pub building_name: String,
    /// The placeholder unit, once provisioned.
    pub placeholder_unit: Option<ExternalRef>,
    /// The placeholder tenant, once provisioned.
    pub placeholder_tenant: Option<ExternalRef>,
    /// When provisioning last completed.
    pub provisioned_at: Option<DateTime<Utc>>,
    /// When the last preflight ran.
    pub preflight_at: Option<DateTime<Utc>>,
    /// The checks that failed at the last preflight (empty: it passed).
    #[serde(default)]
    pub preflight_failed: Vec<crate::PreflightCheckName>,
}

impl IntercomSite {
    /// Whether visitor passes may be created: provisioned, and the last preflight passed.
    pub fn ready(&self) -> bool {
        self.placeholder_tenant.is_some()
            && self.preflight_at.is_some()
            && self.preflight_failed.is_empty()
    }
}

/// An amenity of a property.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Amenity {
    /// Its id; a new one when a caller leaves it out.
    #[serde(default)]
    pub id: AmenityId,
    /// Its name, e.g. "Pool".
    pub name: String,
}

impl Amenity {
    /// A new amenity called `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            id: AmenityId::new(),
            name: name.into(),
        }
    }
}

/// The templates of the welcome / activation email, in MiniJinja (Jinja2) syntax. Variables:
/// `first_name`, `last_name`, `display_name`, `property_name`, `activation_link` and
/// `expires_at` (e.g. `{{ activation_link }}`). The HTML body is auto-escaped; the subject and
/// the text body are not. The body must use `activation_link`; a template that does not compile
/// or uses another variable is refused when the settings are saved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct InvitationEmailSettings {
    /// The sender shown to residents.
    #[serde(alias = "from")]
    pub sender: String,
    /// The subject line (template).
    pub subject: String,
    /// The plain-text body (template); must use `{{ activation_link }}`.
    pub body: String,
    /// The HTML body (template, auto-escaped), sent as the alternative to the text body; none:
    /// text only.
    pub html_body: Option<String>,
    /// The link residents follow; the token is appended.
    pub activation_url: String,
}

impl Default for InvitationEmailSettings {
    fn default() -> Self {
        Self {
            sender: "Concierge <no-reply@concierge.invalid>".into(),
            subject: "Welcome to {{ property_name }}: activate your account".into(),
            body:
                "Hello {{ first_name }},\n\nYour account at {{ property_name }} is ready. Activate \
                   it within 7 days:\n\n{{ activation_link }}\n\nThe link works until \
                   {{ expires_at }}.\n"
                    .into(),
            html_body: Some(
                "<p>Hello {{ first_name }},</p>\n<p>Your account at {{ property_name }} is ready. \
                 <a href=\"{{ activation_link }}\">Activate it</a> within 7 days.</p>\n\
                 <p>The link works until {{ expires_at }}.</p>\n"
                    .into(),
            ),
            activation_url: "https://concierge.invalid/activate?token=".into(),
        }
    }
}

/// A building of a property (strata: a community, a plan).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Building {
    /// Our id.
    pub id: BuildingId,
    /// Its property.
    pub property_id: PropertyId,
    /// Its name, e.g. "Tower A".
    pub name: String,
    /// Its id in a provider, when it came from one.
    pub external: Option<ExternalRef>,
    /// Store version.
    pub version: u64,
}

/// One home (strata: a lot).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Unit {
    /// Our id.
    pub id: UnitId,
    /// Its property.
    pub property_id: PropertyId,
    /// Its building.
    pub building_id: BuildingId,
    /// Its floor, when the building has floors.
    pub floor: Option<String>,
    /// Its number or name, e.g. "1204".
    pub number: String,
    /// Its id in a provider, when it came from one.
    pub external: Option<ExternalRef>,
    /// Store version.
    pub version: u64,
}

/// Where a resident came from. Only PMS residents are ever moved out by a PMS sync (R-PMS-7).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ResidentSource {
    /// Synced from the property management system.
    Pms,
    /// Imported from a strata system.
    Strata,
    /// Moved in by an admin.
    Manual,
}

impl ResidentSource {
    /// Every source.
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Parses a snake_case name.
    pub fn parse(name: &str) -> Option<Self> {
        name.parse().ok()
    }
}

impl fmt::Display for ResidentSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A resident's role in their unit.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum OccupancyRole {
    /// The lease holder or owner.
    #[default]
    Primary,
    /// A co-tenant.
    Secondary,
    /// Lives there without being on the lease (a minor, a family member).
    Occupant,
}

impl OccupancyRole {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Parses a snake_case name.
    pub fn parse(name: &str) -> Option<Self> {
        name.parse().ok()
    }
}

/// One resident's occupancy of one unit. A person in two units is two residents (R-KEY-3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Occupancy {
    /// The unit.
    pub unit_id: UnitId,
    /// The role.
    pub role: OccupancyRole,
    /// The move-in date, in the property's local calendar.
    pub move_in: Option<NaiveDate>,
    /// The move-out date, when known.
    pub move_out: Option<NaiveDate>,
}

/// Where a resident stands in time relative to their unit.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum OccupancyPhase {
    /// Move-in date ahead: listed as a future resident, not yet in the unit (R-PMS-2).
    Future,
    /// Living there.
    Current,
    /// Moved out.
    Past,
}

impl OccupancyPhase {
    /// Every phase.
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Parses a snake_case name.
    pub fn parse(name: &str) -> Option<Self> {
        name.parse().ok()
    }
}

impl Occupancy {
    /// The phase on `today` (the property's local date): derived, never stored, so a future
    /// resident becomes current on the move-in date with nothing having to run.
    pub fn phase(&self, today: NaiveDate) -> OccupancyPhase {
        match (self.move_in, self.move_out) {
            (_, Some(out)) if out <= today => OccupancyPhase::Past,
            (Some(inn), _) if inn > today => OccupancyPhase::Future,
            _ => OccupancyPhase::Current,
        }
    }
}

/// Whether the resident has mobile-key access (R-PMS-3).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum MobileAccess {
    /// Not granted; an admin may grant it.
    #[default]
    NotGranted,
    /// Granted.
    Granted {
        /// When.
        at: DateTime<Utc>,
    },
}

/// The strata user types (R-STRATA-4). Property Manager and Other are not delivered by the
/// strata APIs, so they are not in this set.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    schemars::JsonSchema,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum StrataUserType {
    /// Owner who lives in the lot.
    OwnerOccupier,
    /// Tenant.
    Tenant,
    /// Owner who lets the lot.
    OwnerInvestor,
    /// Member of the strata committee.
    Committee,
}

impl StrataUserType {
    /// Every type an admin can choose at Go Live.
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Parses a snake_case name.
    pub fn parse(name: &str) -> Option<Self> {
        name.parse().ok()
    }
}

/// Read from its snake_case name. `property_manager` and `other`, the two types the strata
/// systems never deliver, are refused with a message saying so (R-STRATA-4).
impl<'de> Deserialize<'de> for StrataUserType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        if let Some(t) = Self::parse(&name) {
            return Ok(t);
        }
        let normalised = name.to_ascii_lowercase().replace([' ', '-'], "_");
        if matches!(normalised.as_str(), "property_manager" | "other") {
            // No quote of the value: the message is shown as it is.
            let expected = Self::ALL
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(serde::de::Error::custom(format!(
                "Property Manager and Other are not delivered by the strata systems and \
                 can't be chosen; choose from {expected}"
            )));
        }
        Err(serde::de::Error::unknown_variant(
            &name,
            <Self as strum::VariantNames>::VARIANTS,
        ))
    }
}

/// A set of strata user types.
pub type StrataUserTypes = BTreeSet<StrataUserType>;

/// A resident: one person's occupancy of one unit, with their account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Resident {
    /// Our id.
    pub id: ResidentId,
    /// The property.
    pub property_id: PropertyId,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email, needed to invite.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// The occupancy.
    pub occupancy: Occupancy,
    /// Where the record came from.
    pub source: ResidentSource,
    /// The record in its provider, for PMS and strata residents.
    pub external: Option<ExternalRef>,
    /// The account and its status.
    pub account: Account,
    /// Mobile-key access.
    pub mobile_access: MobileAccess,
    /// Amenities given at move-in (R-MOVE-3).
    pub amenities: Vec<AmenityId>,
    /// Strata user types, for strata residents.
    pub user_types: StrataUserTypes,
    /// When the record was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Store version.
    pub version: u64,
}

impl Resident {
    /// The account status at `now`.
    pub fn status(&self, now: DateTime<Utc>) -> AccountStatus {
        self.account.status(now)
    }

    /// "First Last".
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// A named spare-key holder of a unit (R-PMS-7): first-class, never a fake person, and never
/// moved out by a sync.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SpareHolder {
    /// Its id.
    pub id: SpareHolderId,
    /// The unit.
    pub unit_id: UnitId,
    /// A label, e.g. "Spare: cleaner".
    pub label: String,
    /// Store version.
    pub version: u64,
}

/// Who holds a smart key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum KeyHolder {
    /// A resident.
    Resident(ResidentId),
    /// A spare holder of the unit.
    Spare(SpareHolderId),
}

impl fmt::Display for KeyHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyHolder::Resident(id) => write!(f, "{id}"),
            KeyHolder::Spare(id) => write!(f, "{id}"),
        }
    }
}

/// A smart key's life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum KeyState {
    /// Being written on a card.
    Encoding,
    /// Written and working.
    Active,
    /// Cancelled (moved out, or cancelled by an admin).
    Cancelled,
    /// Replaced by a new key (lost card).
    Replaced,
}

impl KeyState {
    /// Whether the key counts as the holder's one key for the unit (R-KEY-2).
    pub fn is_live(self) -> bool {
        matches!(self, KeyState::Encoding | KeyState::Active)
    }
}

/// A smart key: one per holder per unit (R-KEY-2, R-KEY-3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SmartKey {
    /// Our id.
    pub id: KeyId,
    /// Who holds it.
    pub holder: KeyHolder,
    /// The one unit it opens.
    pub unit_id: UnitId,
    /// The encoder it was written on.
    pub encoder: ExternalRef,
    /// Its state.
    pub state: KeyState,
    /// The key in the lock system.
    pub external: Option<ExternalRef>,
    /// When it was requested.
    pub created_at: DateTime<Utc>,
    /// Store version.
    pub version: u64,
}

/// A time window, start inclusive and end exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TimeWindow {
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
}

impl TimeWindow {
    /// Whether `at` falls in the window.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.starts_at <= at && at < self.ends_at
    }
}

/// Where a visitor pass stands.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum VisitorPassState {
    /// Recorded, and asked of the intercom; its answer is not known yet (a lost reply, a
    /// crash). Reconciling finds the pass on the intercom by our id, or creates it once.
    Requested,
    /// Issued: the QR code works for the window.
    Active,
    /// The intercom refused it for good; `failure` says why.
    Failed,
    /// Revoked (by staff, or at the end of its resident's occupancy).
    Revoked,
}

impl VisitorPassState {
    /// Every state.
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A visitor's QR pass for the visit's window (R-VISIT-3): a durable record, created once per
/// request even when the intercom's reply is lost.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct VisitorPass {
    /// Our id (also the pass's name on the intercom).
    pub id: VisitorPassId,
    /// The property.
    pub property_id: PropertyId,
    /// The visitor's name.
    pub visitor_name: String,
    /// The resident being visited, if any: the pass is revoked when their occupancy ends.
    pub resident_id: Option<ResidentId>,
    /// When the pass works, as instants.
    pub window: TimeWindow,
    /// The zone the window was given in (the property's at the time).
    #[schemars(with = "String")]
    pub time_zone: Zone,
    /// Where it stands.
    pub state: VisitorPassState,
    /// The pass on the intercom (a keychain on ButterflyMX), once known.
    pub external: Option<ExternalRef>,
    /// The visitor's credential on it (a virtual key on ButterflyMX), once known.
    pub key: Option<ExternalRef>,
    /// The QR code's URL (an image), as the intercom returned it. It opens the door for the
    /// window: left out of a record's repr.
    #[schemars(extend("x-sensitive" = true))]
    pub qr_code_url: Option<String>,
    /// The pass's public page for the visitor, as the intercom returned it (it carries the
    /// pass's token): left out of a record's repr.
    #[schemars(extend("x-sensitive" = true))]
    pub instructions_url: Option<String>,
    /// Why the intercom refused it, for a failed pass.
    pub failure: Option<String>,
    /// The caller's key that makes a repeated request return this pass.
    pub request_key: Option<String>,
    /// Who created it.
    pub created_by: AdminId,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Store version.
    pub version: u64,
}

/// Why a provider record could not be applied (R-PMS-5). Stable snake_case codes.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum SyncErrorKind {
    /// The record names a unit we do not know.
    UnitNotFound,
    /// First or last name missing or unusable.
    InvalidName,
    /// Email missing where it is needed, or malformed.
    InvalidEmail,
    /// Dates missing, malformed or inconsistent (move-out before move-in).
    InvalidDates,
    /// Two records for the same resident.
    DuplicateResident,
    /// Two people of a building with one email address: neither can be told apart at login.
    DuplicateEmail,
    /// The occupancy conflicts with another one.
    ConflictingOccupancy,
    /// The provider's record could not be read.
    UnreadableRecord,
}

impl SyncErrorKind {
    /// Every kind.
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;

    /// The snake_case code.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One record a sync could not apply (R-PMS-5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SyncError {
    /// The type, for the admin to act on.
    pub kind: SyncErrorKind,
    /// The record in the provider.
    pub external: Option<ExternalRef>,
    /// The field at fault, when one is.
    pub field: Option<String>,
    /// What is wrong, without the record's personal data.
    pub message: String,
}

/// What a sync run did.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct SyncCounts {
    /// Records read.
    pub seen: u64,
    /// Residents created.
    pub created: u64,
    /// Residents updated.
    pub updated: u64,
    /// Residents moved out.
    pub moved_out: u64,
    /// Records that needed no change.
    pub unchanged: u64,
    /// Records that became sync errors.
    pub failed: u64,
    /// Future residents not imported because future-resident sync is off (R-PMS-2).
    #[serde(default)]
    pub deferred: u64,
    /// Pages read from the provider.
    #[serde(default)]
    pub pages: u64,
}

impl std::ops::AddAssign for SyncCounts {
    /// Adds another run's counts, field by field (a run over many properties reports their sum).
    fn add_assign(&mut self, other: Self) {
        self.seen += other.seen;
        self.created += other.created;
        self.updated += other.updated;
        self.moved_out += other.moved_out;
        self.unchanged += other.unchanged;
        self.failed += other.failed;
        self.deferred += other.deferred;
        self.pages += other.pages;
    }
}

/// One run of a sync of one property.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SyncRun {
    /// Its id.
    pub id: SyncRunId,
    /// The property.
    pub property_id: PropertyId,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it finished; `None` while running.
    pub finished_at: Option<DateTime<Utc>>,
    /// What it did.
    pub counts: SyncCounts,
    /// The records it could not apply; the next run's list replaces this one.
    pub errors: Vec<SyncError>,
    /// A full listing (which may move residents out) or an incremental pull (which never does).
    #[serde(default)]
    pub mode: SyncMode,
    /// Why the run stopped before the end, if it did (a provider kept failing). What it applied
    /// before stopping stays applied; nobody is moved out by an incomplete listing.
    #[serde(default)]
    pub aborted: Option<String>,
    /// Store version.
    pub version: u64,
}

/// How much of the PMS a sync reads.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum SyncMode {
    /// Every resident of the property. Residents the PMS no longer lists are moved out.
    #[default]
    Full,
    /// Only residents changed since the last run (with a few minutes of overlap). Never moves
    /// anyone out: a resident missing from an incremental page may simply be unchanged.
    Incremental,
}

impl SyncMode {
    /// Every mode.
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Parses a snake_case name.
    pub fn parse(name: &str) -> Option<Self> {
        name.parse().ok()
    }
}

mod duration_secs {
    use chrono::Duration;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(d.num_seconds())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let seconds = i64::deserialize(d)?;
        Duration::try_seconds(seconds)
            .ok_or_else(|| serde::de::Error::custom("must be a number of seconds a clock can hold"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    // R-PMS-2
    #[test]
    fn occupancy_phase_follows_the_dates() {
        let occ = Occupancy {
            unit_id: UnitId::new(),
            role: OccupancyRole::Primary,
            move_in: Some(date("2026-03-01")),
            move_out: Some(date("2027-02-28")),
        };
        assert_eq!(occ.phase(date("2026-02-28")), OccupancyPhase::Future);
        assert_eq!(occ.phase(date("2026-03-01")), OccupancyPhase::Current);
        assert_eq!(occ.phase(date("2027-02-28")), OccupancyPhase::Past);
    }

    // R-PMS-6
    #[test]
    fn property_settings_default_to_a_four_hour_sync() {
        assert_eq!(
            PropertySettings::default().sync_interval,
            Duration::hours(4)
        );
    }
}
