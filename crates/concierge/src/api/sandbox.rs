//! The sandbox's controls as operations (group `sandbox`): move its clock, read the emails its
//! mailer took, script faults, drive its key encoders and its PMS. Only a handle opened on the
//! sandbox has them; any other refuses with a `VALIDATION` error on `sandbox`.

use super::*;
use concierge_sandbox::Sandbox;

fn sandbox(c: &Concierge) -> Result<&Sandbox> {
    c.sandbox()
        .ok_or_else(|| Error::invalid("sandbox", "this handle is not on the sandbox"))
}

/// Moves the sandbox clock forward.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Advance {
    /// Days.
    #[serde(default)]
    pub days: u32,
    /// Hours.
    #[serde(default)]
    pub hours: u32,
    /// Minutes.
    #[serde(default)]
    pub minutes: u32,
    /// Seconds.
    #[serde(default)]
    pub seconds: u32,
}

/// A sandbox intercom tenant's contact preference.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IntercomPreference {
    /// The tenant's id on the intercom.
    pub tenant_id: String,
    /// The preference.
    pub preference: ContactPreference,
}

/// Whether the sandbox intercom's integration is enabled.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IntercomEnabled {
    /// Enabled or not.
    pub enabled: bool,
}

/// Names an email address.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailArgs {
    /// The address.
    pub email: String,
}

/// Makes the next call of a provider operation fail.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FailNext {
    /// The operation, e.g. `list_residents`, `send`, `encode_key`.
    pub operation: String,
    /// How it fails.
    pub kind: ProviderErrorKind,
}

/// Names a provider operation.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OperationArgs {
    /// The operation.
    pub operation: String,
}

/// Slows a provider operation down.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetLatency {
    /// The operation.
    pub operation: String,
    /// Its latency.
    pub milliseconds: u64,
}

/// Sets a sandbox encoder's state.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EncoderState {
    /// The encoder (`ncoder-1`, `ncoder-2`).
    pub encoder: String,
    /// Whether a card lies on it (when setting the card).
    #[serde(default)]
    pub card_present: Option<bool>,
    /// Whether it is online (when setting that).
    #[serde(default)]
    pub online: Option<bool>,
}

/// How long the sandbox encoders take to write a key.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteTime {
    /// The write time.
    pub milliseconds: u64,
}

/// Names a property of the sandbox PMS.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PmsPropertyArgs {
    /// The PMS's id of the property.
    pub pms_property_id: String,
}

/// Changes a resident of the sandbox PMS.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PmsUpdateResident {
    /// The PMS's id of the resident.
    pub external_id: String,
    /// A new first name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// A new last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// A new email.
    #[serde(default)]
    pub email: Option<String>,
    /// A move-out date.
    #[serde(default)]
    pub move_out: Option<chrono::NaiveDate>,
}

/// Names a resident of the sandbox PMS.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PmsResidentArgs {
    /// The PMS's id of the resident.
    pub external_id: String,
}

/// Adds a record the sandbox PMS cannot read to a property's listing.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PmsUnreadable {
    /// The PMS's id of the property.
    pub pms_property_id: String,
    /// What is wrong with it.
    pub message: String,
}

/// Adds a user to a building of the sandbox strata system.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StrataAddUser {
    /// The strata system's id of the building (`strata-bldg-1`…).
    pub strata_building_id: String,
    /// The new user's id.
    pub external_id: String,
    /// The name as the strata system holds it (a company name stays whole).
    pub display_name: String,
    /// The login email.
    #[serde(default)]
    pub email: Option<String>,
    /// The lots (unit numbers); one at least.
    pub lots: Vec<String>,
    /// The user's types.
    pub user_types: Vec<StrataUserType>,
}

/// Names a building of the sandbox strata system.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StrataBuildingArgs {
    /// The strata system's id of the building.
    pub strata_building_id: String,
}

/// Sets the status of a building of the sandbox strata system.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StrataSetStatus {
    /// The strata system's id of the building.
    pub strata_building_id: String,
    /// Active or inactive.
    pub status: StrataBuildingStatus,
}

/// Names a user of the sandbox strata system.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StrataUserArgs {
    /// The user's id.
    pub external_id: String,
}

fn strata_add_user(s: &Sandbox, r: StrataAddUser) -> Result<bool> {
    if r.lots.is_empty() {
        return Err(Error::invalid("lots", "give at least one lot"));
    }
    let lots: Vec<&str> = r.lots.iter().map(String::as_str).collect();
    let user = concierge_sandbox::SandboxStrata::new_user(
        &r.strata_building_id,
        &r.external_id,
        &r.display_name,
        r.email.as_deref(),
        &lots,
        &r.user_types,
    );
    Ok(s.strata().add_user(&r.strata_building_id, user))
}

fn advance(s: &Sandbox, r: Advance) -> Result<chrono::DateTime<chrono::Utc>> {
    let by = chrono::Duration::days(r.days.into())
        + chrono::Duration::hours(r.hours.into())
        + chrono::Duration::minutes(r.minutes.into())
        + chrono::Duration::seconds(r.seconds.into());
    if s.clock().now_utc().checked_add_signed(by).is_none() {
        return Err(Error::invalid("days", "moves the clock out of range"));
    }
    s.clock().advance(by);
    Ok(s.clock().now_utc())
}

fn encoder_state(s: &Sandbox, r: EncoderState) -> Result<bool> {
    let mut found = true;
    if let Some(present) = r.card_present {
        found &= s.encoder().set_card_present(&r.encoder, present);
    }
    if let Some(online) = r.online {
        found &= s.encoder().set_online(&r.encoder, online);
    }
    Ok(found)
}

operations! {
    group "sandbox", table OPERATIONS, dispatch dispatch;

    /// The sandbox clock's now.
    plain now[](NoArgs) -> chrono::DateTime<chrono::Utc> =
        |c, _admin, _r| sandbox(c)?.clock().now_utc();
    /// Moves the sandbox clock forward; its new now.
    plain advance[](Advance) -> chrono::DateTime<chrono::Utc> =
        |c, _admin, r| advance(sandbox(c)?, r)?;
    /// Every email the sandbox mailer took, oldest first.
    plain sent_emails[](NoArgs) -> Vec<concierge_sandbox::SentEmail> =
        |c, _admin, _r| sandbox(c)?.mailer().sent();
    /// The activation token of the last invitation sent to an address.
    plain last_activation_token["email"](EmailArgs) -> Option<String> =
        |c, _admin, r| sandbox(c)?.mailer().last_activation_token(&r.email);
    /// Makes the next call of a provider operation fail with a kind of error.
    plain fail_next["operation", "kind"](FailNext) -> () =
        |c, _admin, r| sandbox(c)?.faults().fail_next(&r.operation, r.kind);
    /// How often a provider operation was called.
    plain calls["operation"](OperationArgs) -> u64 =
        |c, _admin, r| sandbox(c)?.faults().calls(&r.operation);
    /// Slows a provider operation down.
    plain set_latency["operation", "milliseconds"](SetLatency) -> () =
        |c, _admin, r| sandbox(c)?.faults().set_latency(&r.operation, std::time::Duration::from_millis(r.milliseconds));
    /// Puts a card on (or takes it off) a sandbox encoder, or takes it on- or offline; whether
    /// the encoder exists.
    plain set_encoder["encoder"](EncoderState) -> bool =
        |c, _admin, r| encoder_state(sandbox(c)?, r)?;
    /// How long the sandbox encoders take to write a key.
    plain set_encoder_write_time["milliseconds"](WriteTime) -> () =
        |c, _admin, r| sandbox(c)?.encoder().set_write_time(std::time::Duration::from_millis(r.milliseconds));
    /// How many keys the sandbox encoders wrote.
    plain encoder_keys_written[](NoArgs) -> u64 =
        |c, _admin, _r| sandbox(c)?.encoder().keys_written();
    /// The sandbox PMS's properties.
    plain pms_properties[](NoArgs) -> Vec<PmsProperty> =
        |c, _admin, _r| sandbox(c)?.pms().properties();
    /// The residents the sandbox PMS lists for a property.
    plain pms_residents["pms_property_id"](PmsPropertyArgs) -> Vec<PmsResident> =
        |c, _admin, r| sandbox(c)?.pms().residents(&r.pms_property_id);
    /// Changes a resident of the sandbox PMS; whether it exists.
    plain pms_update_resident["external_id"](PmsUpdateResident) -> bool =
        |c, _admin, r| sandbox(c)?.pms().update_resident(&r.external_id, |p| {
            if let Some(v) = r.first_name { p.first_name = v; }
            if let Some(v) = r.last_name { p.last_name = v; }
            if r.email.is_some() { p.email = r.email; }
            if r.move_out.is_some() { p.move_out = r.move_out; }
        });
    /// The sandbox strata system's buildings.
    plain strata_buildings[](NoArgs) -> Vec<StrataBuilding> =
        |c, _admin, _r| sandbox(c)?.strata().buildings();
    /// The users the sandbox strata system lists for a building.
    plain strata_users["strata_building_id"](StrataBuildingArgs) -> Vec<StrataUser> =
        |c, _admin, r| sandbox(c)?.strata().users(&r.strata_building_id);
    /// Adds a user to a building of the sandbox strata system; whether the building exists.
    plain strata_add_user["strata_building_id", "external_id", "display_name", "lots", "user_types"](StrataAddUser) -> bool =
        |c, _admin, r| strata_add_user(sandbox(c)?, r)?;
    /// Removes a user from the sandbox strata system; whether it existed.
    plain strata_remove_user["external_id"](StrataUserArgs) -> bool =
        |c, _admin, r| sandbox(c)?.strata().remove_user(&r.external_id);
    /// Sets a sandbox strata building active or inactive; whether it exists.
    plain strata_set_status["strata_building_id", "status"](StrataSetStatus) -> bool =
        |c, _admin, r| sandbox(c)?.strata().set_status(&r.strata_building_id, r.status);
    /// The sandbox intercom's tenants, placeholders included.
    plain intercom_tenants[](NoArgs) -> Vec<IntercomTenant> =
        |c, _admin, _r| sandbox(c)?.intercom().tenants();
    /// Sets a sandbox intercom tenant's contact preference; whether the tenant exists.
    plain intercom_set_contact_preference["tenant_id", "preference"](IntercomPreference) -> bool =
        |c, _admin, r| sandbox(c)?.intercom().set_contact_preference(&r.tenant_id, r.preference);
    /// Turns the sandbox intercom's integration on or off for its building.
    plain intercom_set_integration_enabled[](IntercomEnabled) -> bool =
        |c, _admin, r| { sandbox(c)?.intercom().set_integration_enabled(r.enabled); r.enabled };
    /// The next call of an intercom write does its work, then its reply is lost.
    plain intercom_lose_next_reply["operation"](OperationArgs) -> bool =
        |c, _admin, r| { sandbox(c)?.intercom().lose_next_reply(&r.operation); true };
    /// How many visitor passes the sandbox intercom holds (revoked ones included).
    plain intercom_pass_count[](NoArgs) -> usize =
        |c, _admin, _r| sandbox(c)?.intercom().passes().len();
    /// Removes a resident from the sandbox PMS; whether it existed.
    plain pms_remove_resident["external_id"](PmsResidentArgs) -> bool =
        |c, _admin, r| sandbox(c)?.pms().remove_resident(&r.external_id);
    /// Adds a record the sandbox PMS cannot read to a property's listing; whether the
    /// property exists.
    plain pms_add_unreadable["pms_property_id", "message"](PmsUnreadable) -> bool =
        |c, _admin, r| sandbox(c)?.pms().inject_unreadable(&r.pms_property_id, RecordError { external: None, message: r.message });
}
