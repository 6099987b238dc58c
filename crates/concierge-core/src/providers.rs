//! The provider traits (R-SDK-1): one per kind of outside system, plus the mailer and the
//! clock. Third parties implement them in their own crates; the core never changes for that.
//!
//! Every method takes a request struct (with `Default`, `#[non_exhaustive]`-style growth:
//! construct with `..Default::default()`) and returns a response struct, so a field added later
//! breaks no adapter. Lists are [`Page`]s, and an item the adapter could not read is an `Err`
//! *inside* the page: one bad record never fails the page.

use crate::domain::{OccupancyRole, StrataUserTypes, TimeWindow};
use crate::error::ProviderError;
use crate::ids::ExternalRef;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt::Debug;
use std::time::Duration;

/// The result of a provider call.
pub type ProviderResult<T> = Result<T, ProviderError>;

/// An opaque position in a paged list, as the provider defines it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Cursor(pub String);

/// An item of a page the adapter could not read. It names the record when it can, and says why
/// without echoing the record's content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RecordError {
    /// The record, when its id could be read.
    pub external: Option<ExternalRef>,
    /// Why it could not be read.
    pub message: String,
}

/// One page of a list. `next` is `None` on the last page.
#[derive(Debug)]
pub struct Page<T> {
    /// The items; an unreadable one is an `Err`.
    pub items: Vec<Result<T, RecordError>>,
    /// Where the next page starts.
    pub next: Option<Cursor>,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            next: None,
        }
    }
}

/// What time it is. Injected everywhere time matters, so tests and the demo can move it.
pub trait Clock: Send + Sync + Debug + 'static {
    /// Now.
    fn now(&self) -> DateTime<Utc>;
}

/// The operating system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

// ---------------------------------------------------------------------------------------------
// PMS

/// A property as the PMS has it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PmsProperty {
    /// Its id in the PMS.
    pub external: ExternalRef,
    /// Its name.
    pub name: String,
}

/// A unit as the PMS has it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PmsUnit {
    /// Its id in the PMS.
    pub external: ExternalRef,
    /// The PMS property it belongs to (a listing may cover several).
    pub property: ExternalRef,
    /// The building's name (Buildium: `BuildingName`), or `None` for the property itself.
    pub building_name: Option<String>,
    /// Its floor.
    pub floor: Option<String>,
    /// Its number.
    pub number: String,
}

/// A resident as the PMS has it, provider-neutral.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PmsResident {
    /// The resident in the PMS.
    pub external: ExternalRef,
    /// The PMS property they live in (a listing may cover several).
    pub property: ExternalRef,
    /// The unit in the PMS.
    pub unit: ExternalRef,
    /// Whether the listing carried the resident's names and contact details. `false` for a
    /// resident the PMS lists by id and dates only (Buildium lists a lease's moved-out tenants
    /// that way): the sync then takes their unit, role and dates, keeps the names and contact
    /// details it already has, and never creates a resident from such a record. Default `true`.
    #[serde(default = "listed")]
    pub contact_listed: bool,
    /// First name, as sent (may be empty: the sync reports it).
    pub first_name: String,
    /// Last name, as sent.
    pub last_name: String,
    /// Email, as sent. Personal data: left out of a record's repr.
    #[schemars(extend("x-sensitive" = true))]
    pub email: Option<String>,
    /// Phone. Personal data: left out of a record's repr.
    #[schemars(extend("x-sensitive" = true))]
    pub phone: Option<String>,
    /// Role.
    pub role: OccupancyRole,
    /// Move-in date.
    pub move_in: Option<NaiveDate>,
    /// Move-out date.
    pub move_out: Option<NaiveDate>,
    /// When the PMS last changed the record.
    pub updated_at: Option<DateTime<Utc>>,
}

/// List the PMS's properties.
#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
pub struct ListPmsPropertiesRequest {
    /// Where to start; `None` for the first page.
    pub cursor: Option<Cursor>,
}

fn listed() -> bool {
    true
}

/// List the units of one PMS property, or of several at once (see
/// [`PmsProvider::properties_per_listing`]).
#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
pub struct ListPmsUnitsRequest {
    /// The properties in the PMS: at least one, at most
    /// [`PmsProvider::properties_per_listing`].
    pub properties: Vec<ExternalRef>,
    /// Where to start.
    pub cursor: Option<Cursor>,
}

/// List the residents of one PMS property, or of several at once (see
/// [`PmsProvider::properties_per_listing`]).
#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
pub struct ListPmsResidentsRequest {
    /// The properties in the PMS: at least one, at most
    /// [`PmsProvider::properties_per_listing`].
    pub properties: Vec<ExternalRef>,
    /// Only records changed since then (an incremental pull); `None` for a full listing.
    pub updated_since: Option<DateTime<Utc>>,
    /// Where to start.
    pub cursor: Option<Cursor>,
}

/// A property management system: the source of truth for residents (R-PMS-1).
#[async_trait]
pub trait PmsProvider: Send + Sync + Debug + 'static {
    /// The provider's stable name, used in [`ExternalRef`]s and errors.
    fn name(&self) -> &str;
    /// One page of properties.
    async fn list_properties(
        &self,
        req: ListPmsPropertiesRequest,
    ) -> ProviderResult<Page<PmsProperty>>;
    /// One page of the units of the requested properties, each naming its property.
    async fn list_units(&self, req: ListPmsUnitsRequest) -> ProviderResult<Page<PmsUnit>>;
    /// One page of the residents of the requested properties, each naming its property.
    async fn list_residents(
        &self,
        req: ListPmsResidentsRequest,
    ) -> ProviderResult<Page<PmsResident>>;

    /// How many properties one listing may name. The default, 1, has the sync list each
    /// property on its own. A provider that lists many properties in one request (Buildium's
    /// `propertyids`) says how many it takes, so a sync over a portfolio reads each resource once
    /// for all of them, in as few pages as the data needs. Such a listing must keep each
    /// property's records together, across pages: every unit (resident) of one property before
    /// those of the next. The sync relies on it to finish one property before the next (its
    /// move-outs, its memory); a record of a property already finished is reported as an error
    /// on that property's run and not applied.
    fn properties_per_listing(&self) -> usize {
        1
    }

    /// Refuses a property id this PMS can never have (Buildium's are positive int32s): the rule
    /// it breaks, in words, without the id. Checked before a property is linked, so a bad id is
    /// a validation error, not a failed sync later. By default every id is accepted.
    fn check_property_id(&self, id: &str) -> std::result::Result<(), String> {
        let _ = id;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Strata

/// Whether a strata building is still managed. A building the strata system sets to Lost or
/// Inactive means "stop syncing it", never "delete its residents".
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
pub enum StrataBuildingStatus {
    /// Managed: synced.
    #[default]
    Active,
    /// Lost, inactive or no longer shared with us: not synced any more.
    Inactive,
}

impl StrataBuildingStatus {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A building (plan, scheme, community) in a strata system.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StrataBuilding {
    /// Its id in the strata system.
    pub external: ExternalRef,
    /// The plan (scheme) number, e.g. "CTS 12345" or "SP 54321".
    pub plan_number: String,
    /// Its name; when the strata system has none, the best label it has (the plan number or a
    /// short address), never empty.
    pub name: String,
    /// Its address, when known.
    pub address: Option<String>,
    /// Active or inactive.
    pub status: StrataBuildingStatus,
}

/// A lot a strata user holds (owner) or rents (tenant).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StrataLot {
    /// The lot number on the plan, e.g. "12".
    pub lot_number: String,
    /// The unit (apartment) number, when the lot has one, e.g. "1203".
    pub unit_number: Option<String>,
}

impl StrataLot {
    /// The label of the home: the unit number when there is one, else "Lot <n>".
    pub fn label(&self) -> String {
        match &self.unit_number {
            Some(unit) if !unit.trim().is_empty() => unit.trim().to_owned(),
            _ => format!("Lot {}", self.lot_number.trim()),
        }
    }
}

/// A tenant's lease dates.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StrataTenancy {
    /// The move-in (lease start) date.
    pub move_in: Option<NaiveDate>,
    /// The move-out (lease end) date, when known.
    pub move_out: Option<NaiveDate>,
}

/// A user (owner, tenant, committee member) of a strata building: one per contact of the
/// strata system, however many lots the contact holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StrataUser {
    /// The contact in the strata system: the user's identity (never built from the name).
    pub external: ExternalRef,
    /// The building in the strata system.
    pub building: ExternalRef,
    /// The name exactly as the strata system holds it; a company name stays whole.
    pub display_name: String,
    /// First name, for greetings only ([`crate::strata::split_display_name`]); `None` for a
    /// company.
    pub first_name: Option<String>,
    /// Last name, for greetings only.
    pub last_name: Option<String>,
    /// The login email: the first valid address. Personal data: left out of a record's repr.
    #[schemars(extend("x-sensitive" = true))]
    pub email: Option<String>,
    /// Other addresses the record carries; kept as contacts, never invited.
    #[schemars(extend("x-sensitive" = true))]
    pub alt_emails: Vec<String>,
    /// Mobile number. Personal data.
    #[schemars(extend("x-sensitive" = true))]
    pub mobile: Option<String>,
    /// Other phone number. Personal data.
    #[schemars(extend("x-sensitive" = true))]
    pub phone: Option<String>,
    /// The lots the user holds or rents, in the strata system's order; never empty.
    pub lots: Vec<StrataLot>,
    /// The user's types: an ownership type or Tenant, plus Committee for committee members
    /// (R-STRATA-4).
    pub user_types: StrataUserTypes,
    /// Lease dates, for tenants.
    pub tenancy: Option<StrataTenancy>,
    /// Data-quality notes that did not stop the record (e.g. an owner with no occupancy flag,
    /// read as an investor).
    pub warnings: Vec<String>,
}

/// List a strata system's buildings.
#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
pub struct ListStrataBuildingsRequest {
    /// Where to start.
    pub cursor: Option<Cursor>,
}

/// Read one strata building.
#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
pub struct GetStrataBuildingRequest {
    /// The building in the strata system.
    pub building: Option<ExternalRef>,
}

/// List a strata building's users.
#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
pub struct ListStrataUsersRequest {
    /// The building in the strata system.
    pub building: Option<ExternalRef>,
    /// Where to start.
    pub cursor: Option<Cursor>,
}

/// A strata system (StrataMax, PropertyIQ): one model, one trait, two adapters (R-STRATA-1).
///
/// Neither vendor has a change feed: the nightly sync reads every building's users in full and
/// the core works out what is new. A record that cannot be read (no lot, no name) is an `Err`
/// item of its page; a record that can be read but not applied (no email, a duplicate email) is
/// the core's to report.
#[async_trait]
pub trait StrataProvider: Send + Sync + Debug + 'static {
    /// The provider's stable name, used in [`ExternalRef`]s and errors.
    fn name(&self) -> &str;
    /// One page of buildings, active and inactive.
    async fn list_buildings(
        &self,
        req: ListStrataBuildingsRequest,
    ) -> ProviderResult<Page<StrataBuilding>>;
    /// One building; a building the strata system no longer shares with us is
    /// [`crate::ProviderErrorKind::NotFound`] or [`crate::ProviderErrorKind::Forbidden`].
    async fn get_building(&self, req: GetStrataBuildingRequest) -> ProviderResult<StrataBuilding>;
    /// One page of a building's users.
    async fn list_users(&self, req: ListStrataUsersRequest) -> ProviderResult<Page<StrataUser>>;
}

// ---------------------------------------------------------------------------------------------
// Intercom

/// An intercom building, as the intercom reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IntercomBuilding {
    /// The building in the intercom.
    pub external: ExternalRef,
    /// Its name.
    pub name: String,
    /// Its IANA time zone (e.g. `Australia/Sydney`), when the intercom gives one.
    pub time_zone: Option<String>,
}

/// One intercom building, by its id.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct GetIntercomBuildingRequest {
    /// The building.
    pub building: ExternalRef,
}

/// Create the site's placeholder unit and tenant if missing (R-VISIT-1). Idempotent: an adapter
/// looks each one up before creating it and adopts what it finds (the vendor has no
/// idempotency key), so a retry, or a second process, never makes a second one.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct EnsurePlaceholderRequest {
    /// The intercom's building.
    pub building: ExternalRef,
    /// The placeholder unit's label.
    pub unit_label: String,
    /// The placeholder unit's floor (the vendor requires one).
    pub unit_floor: String,
    /// The placeholder tenant's first name (from the configured name, default "STRATIS User").
    pub tenant_first_name: String,
    /// The placeholder tenant's last name.
    pub tenant_last_name: String,
    /// The placeholder tenant's email (`butterflymx+<site name>@…`), matched case-insensitively.
    pub tenant_email: String,
}

/// The placeholder unit and tenant.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
pub struct EnsurePlaceholderResponse {
    /// The unit.
    pub unit: ExternalRef,
    /// The tenant.
    pub tenant: ExternalRef,
    /// Whether this call created the unit (false: an existing one was adopted).
    pub created_unit: bool,
    /// Whether this call created the tenant (false: an existing one was adopted).
    pub created_tenant: bool,
}

/// The intercom side of a site's preflight (R-VISIT-2).
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct PreflightRequest {
    /// The intercom's building.
    pub building: ExternalRef,
    /// The placeholder unit, when one was provisioned.
    pub unit: Option<ExternalRef>,
    /// The placeholder tenant, when one was provisioned.
    pub tenant: Option<ExternalRef>,
}

/// What a preflight check is about (R-VISIT-2). Stable snake_case names.
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
pub enum PreflightCheckName {
    /// Our side: the property is linked to an intercom building.
    BuildingLinked,
    /// The property manager's intercom account is active: the admin's consent gives a token.
    ManagerAccountActive,
    /// The intercom vendor has enabled the integration: our application sees the building.
    IntegrationEnabled,
    /// The placeholder unit exists on the intercom.
    PlaceholderUnit,
    /// The placeholder tenant exists on the intercom, in the placeholder unit.
    PlaceholderTenant,
    /// The building has doors (access points) a visitor pass can open.
    AccessPoints,
}

impl PreflightCheckName {
    /// Every check.
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One preflight check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PreflightCheck {
    /// What was checked.
    pub name: PreflightCheckName,
    /// Whether it passed.
    pub passed: bool,
    /// Why, for the admin: what was found, or what to do.
    pub detail: String,
}

impl PreflightCheck {
    /// A check with its outcome.
    pub fn new(name: PreflightCheckName, passed: bool, detail: impl Into<String>) -> Self {
        Self {
            name,
            passed,
            detail: detail.into(),
        }
    }
}

/// The intercom's checks.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
pub struct PreflightResponse {
    /// Each check the intercom can answer.
    pub checks: Vec<PreflightCheck>,
}

/// A tenant's contact preference on the intercom.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ContactPreference {
    /// Phone calls (the intercom's default): no video calls (R-VISIT-4).
    PhoneCall,
    /// The mobile app: video calls work.
    MobileApp,
}

/// An intercom tenant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IntercomTenant {
    /// The tenant.
    pub external: ExternalRef,
    /// Full name.
    pub name: String,
    /// Email, when the intercom gives one.
    pub email: Option<String>,
    /// The unit's label, when the tenant has a unit.
    pub unit_label: Option<String>,
    /// Contact preference.
    pub contact_preference: ContactPreference,
}

/// One page of a building's tenants.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct ListIntercomTenantsRequest {
    /// The intercom's building.
    pub building: ExternalRef,
    /// Where to start.
    pub cursor: Option<Cursor>,
}

/// Create a visitor pass valid for exactly `window` (R-VISIT-3), issued through the site's
/// placeholder tenant.
///
/// The vendor has no idempotency key: `idempotency_key` names the pass on the intercom, and when
/// `retry` is set (an earlier attempt may have reached the intercom) the adapter first looks the
/// pass up by that name and returns what it finds, so a lost reply never makes a second pass. On
/// a first attempt it creates directly, in the fewest requests.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct CreateVisitorPassRequest {
    /// The intercom's building.
    pub building: ExternalRef,
    /// The placeholder tenant it is issued through.
    pub tenant: ExternalRef,
    /// The visitor's name.
    pub visitor_name: String,
    /// When it works (instants; converted from the building's zone by the caller).
    pub window: TimeWindow,
    /// Our pass id: makes a retried call find the pass instead of making a second one.
    pub idempotency_key: String,
    /// Whether an earlier attempt may have reached the intercom.
    pub retry: bool,
}

/// The created (or found) pass.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
pub struct CreateVisitorPassResponse {
    /// The pass in the intercom (a keychain, on ButterflyMX).
    pub external: ExternalRef,
    /// The visitor's credential on it (a virtual key, on ButterflyMX), when one was issued.
    pub key: Option<ExternalRef>,
    /// The QR code's URL (an image), as the intercom returned it.
    pub qr_code_url: Option<String>,
    /// The pass's public page for the visitor, as the intercom returned it.
    pub instructions_url: Option<String>,
    /// The instants the intercom recorded.
    pub window: TimeWindow,
}

/// Revoke a visitor pass. Revoking one the intercom no longer has is
/// [`crate::ProviderErrorKind::NotFound`], which a caller may take as done.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct RevokeVisitorPassRequest {
    /// The pass.
    pub visitor_pass: ExternalRef,
}

/// Complete the intercom's one-time consent: exchange the code the building admin was shown.
#[derive(Clone, Debug)]
pub struct AuthorizeIntercomRequest {
    /// The authorization code. Secret.
    pub code: secrecy::SecretString,
}

/// A door intercom (ButterflyMX).
#[async_trait]
pub trait IntercomProvider: Send + Sync + Debug + 'static {
    /// The provider's stable name.
    fn name(&self) -> &str;
    /// Where a building admin gives the one-time consent, when the intercom needs one.
    fn consent_url(&self) -> Option<String> {
        None
    }
    /// Exchange a consent's code for the integration's tokens, kept durably by the adapter.
    async fn authorize(&self, _req: AuthorizeIntercomRequest) -> ProviderResult<()> {
        Err(ProviderError::new(
            self.name(),
            "authorize",
            crate::ProviderErrorKind::Other,
            "this intercom needs no consent",
        ))
    }
    /// Every building our application can see (one page at a time).
    async fn list_buildings(
        &self,
        cursor: Option<Cursor>,
    ) -> ProviderResult<Page<IntercomBuilding>>;
    /// One building; [`crate::ProviderErrorKind::NotFound`] when we cannot see it.
    async fn get_building(
        &self,
        req: GetIntercomBuildingRequest,
    ) -> ProviderResult<IntercomBuilding>;
    /// Create the placeholder unit and tenant if missing (R-VISIT-1).
    async fn ensure_placeholder(
        &self,
        req: EnsurePlaceholderRequest,
    ) -> ProviderResult<EnsurePlaceholderResponse>;
    /// The intercom's checks of a site (R-VISIT-2).
    async fn preflight(&self, req: PreflightRequest) -> ProviderResult<PreflightResponse>;
    /// One page of a building's tenants (R-VISIT-4).
    async fn list_tenants(
        &self,
        req: ListIntercomTenantsRequest,
    ) -> ProviderResult<Page<IntercomTenant>>;
    /// Create a visitor pass (R-VISIT-3).
    async fn create_visitor_pass(
        &self,
        req: CreateVisitorPassRequest,
    ) -> ProviderResult<CreateVisitorPassResponse>;
    /// Revoke a visitor pass.
    async fn revoke_visitor_pass(&self, req: RevokeVisitorPassRequest) -> ProviderResult<()>;
}

/// Durable, secret storage for what an adapter must keep between runs (an OAuth refresh token
/// that rotates on every refresh). The facade gives adapters one backed by its store, sealed
/// with the handle's secret; a value is never written in clear.
#[async_trait]
pub trait SecretVault: Send + Sync + Debug + 'static {
    /// The value saved under `name`, if any.
    async fn load(&self, name: &str) -> crate::StoreResult<Option<secrecy::SecretString>>;
    /// Saves `value` under `name`, durably, before returning.
    async fn save(&self, name: &str, value: secrecy::SecretString) -> crate::StoreResult<()>;
}

/// A [`SecretVault`] in memory, for tests and one-process use.
#[derive(Default)]
pub struct MemoryVault(std::sync::Mutex<std::collections::HashMap<String, secrecy::SecretString>>);

impl Debug for MemoryVault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MemoryVault(<redacted>)")
    }
}

#[async_trait]
impl SecretVault for MemoryVault {
    async fn load(&self, name: &str) -> crate::StoreResult<Option<secrecy::SecretString>> {
        Ok(self.0.lock().expect("vault lock").get(name).cloned())
    }
    async fn save(&self, name: &str, value: secrecy::SecretString) -> crate::StoreResult<()> {
        self.0
            .lock()
            .expect("vault lock")
            .insert(name.to_owned(), value);
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Key encoder

/// A key encoder (an NCoder) as the lock system reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EncoderInfo {
    /// The encoder.
    pub external: ExternalRef,
    /// Its name.
    pub name: String,
    /// Whether it is connected.
    pub online: bool,
    /// Whether it is initialised and can write keys.
    pub initialized: bool,
}

impl EncoderInfo {
    /// Whether an admin's `encoder` names this one: its id, the last segment of its id (SALTO
    /// ids are paths), or its name.
    pub fn answers_to(&self, encoder: &str) -> bool {
        self.external.id == encoder
            || self.external.id.rsplit('/').next() == Some(encoder)
            || self.name == encoder
    }
}

/// List encoders.
#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
pub struct ListEncodersRequest {}

/// The encoders.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct ListEncodersResponse {
    /// Each encoder.
    pub encoders: Vec<EncoderInfo>,
}

/// Write a key for one holder and one unit on an encoder (R-KEY-1, R-KEY-3).
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct EncodeKeyRequest {
    /// The encoder.
    pub encoder: ExternalRef,
    /// The holder's identity in the lock system (one per holder and unit).
    pub holder_ref: String,
    /// The unit's access in the lock system.
    pub unit_ref: String,
    /// Recorded before the call; asking about it later tells what became of it (R-KEY-4).
    pub idempotency_key: String,
    /// Our own deadline for the write (`deadline_seconds` in JSON).
    #[serde(rename = "deadline_seconds", serialize_with = "seconds")]
    #[schemars(rename = "deadline_seconds", with = "f64")]
    pub deadline: Duration,
}

fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// A written key.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
pub struct EncodeKeyResponse {
    /// The key in the lock system.
    pub key: ExternalRef,
}

/// The lock system's view of a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EncoderKeyState {
    /// No key was made for the intent.
    NotAssigned,
    /// Being written.
    Pending,
    /// Written.
    Active,
    /// Cancelled or superseded.
    Outdated,
}

/// Ask what became of a key or of an encoding intent.
#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
pub struct KeyStateRequest {
    /// The key, when known.
    pub key: Option<ExternalRef>,
    /// The intent's idempotency key, when the key is not known (after a crash).
    pub idempotency_key: Option<String>,
}

/// The state.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
pub struct KeyStateResponse {
    /// The key, when one exists.
    pub key: Option<ExternalRef>,
    /// Its state.
    pub state: EncoderKeyState,
}

/// Cancel a key.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct CancelKeyRequest {
    /// The key.
    pub key: ExternalRef,
    /// Makes a retried cancel harmless.
    pub idempotency_key: String,
}

/// A lock system's key encoding (SALTO Nebula driving an NCoder).
#[async_trait]
pub trait KeyEncoder: Send + Sync + Debug + 'static {
    /// The provider's stable name.
    fn name(&self) -> &str;
    /// The encoders and their state.
    async fn list_encoders(&self, req: ListEncodersRequest)
    -> ProviderResult<ListEncodersResponse>;
    /// Write a key; returns when it is written or failed.
    async fn encode_key(&self, req: EncodeKeyRequest) -> ProviderResult<EncodeKeyResponse>;
    /// What became of a key or an intent.
    async fn key_state(&self, req: KeyStateRequest) -> ProviderResult<KeyStateResponse>;
    /// Cancel a key.
    async fn cancel_key(&self, req: CancelKeyRequest) -> ProviderResult<()>;
}

// ---------------------------------------------------------------------------------------------
// Mail

/// One email.
#[derive(Clone)]
pub struct EmailMessage {
    /// Sender.
    pub from: String,
    /// Recipient.
    pub to: String,
    /// Subject.
    pub subject: String,
    /// Plain-text body. May hold an activation link: never logged.
    pub body: String,
    /// HTML body, sent as the alternative to `body` when given. May hold an activation link:
    /// never logged.
    pub html_body: Option<String>,
    /// The same key twice sends one email.
    pub idempotency_key: String,
}

impl Debug for EmailMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailMessage")
            .field("to", &self.to)
            .field("subject", &self.subject)
            .field("body", &"<redacted>")
            .field("html_body", &self.html_body.as_ref().map(|_| "<redacted>"))
            .field("idempotency_key", &self.idempotency_key)
            .finish()
    }
}

/// The mailer's receipt.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
pub struct SendEmailResponse {
    /// The mailer's message id.
    pub message_id: String,
}

/// Sends email: SMTP in production, an in-memory outbox in the sandbox.
#[async_trait]
pub trait Mailer: Send + Sync + Debug + 'static {
    /// The mailer's stable name.
    fn name(&self) -> &str;
    /// Send one email. Sending the same `idempotency_key` twice delivers it once.
    async fn send(&self, message: EmailMessage) -> ProviderResult<SendEmailResponse>;
}
