//! Every operation the bindings offer, declared once: its name, which arguments are
//! positional, its request and response types. From this table come the dispatcher the Python
//! and Node bindings call ([`Concierge::call`]) and the description ([`describe`]) from which
//! their classes, stubs and TypeScript types are generated, so the three languages cannot
//! drift apart. A bad argument is refused here, with its field path, the same way for every
//! language.

mod views;

pub use views::{OutboxEntryView, OutboxKind, ResidentView};

use crate::{Concierge, KeyPreview, MakeKey, MoveIn, NewBuilding, NewProperty, NewUnit};
use crate::{DispatchReport, ResidentFilter, SyncOptions, SyncReport};
use concierge_core::*;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// One operation of the table.
#[derive(Clone, Copy, Debug)]
pub struct OperationInfo {
    /// Its name (snake_case; camelCase in Node).
    pub name: &'static str,
    /// What it does.
    pub doc: &'static str,
    /// `concierge` for the handle's operations, `sandbox` for the sandbox's controls.
    pub group: &'static str,
    /// Whether it acts for an admin (the first argument in every language).
    pub admin: bool,
    /// Whether it is a listing, paged with `cursor` and `limit`.
    pub paged: bool,
    /// The request fields passed positionally, in order; the rest are keyword-only (Python)
    /// or in an options object (Node).
    pub positional: &'static [&'static str],
    request: fn(&mut SchemaGenerator) -> Schema,
    response: fn(&mut SchemaGenerator) -> Schema,
}

fn schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// Reads an operation's request from JSON: unknown fields, bad values and missing fields are
/// one `VALIDATION` error naming the field's path.
fn read<T: DeserializeOwned>(value: Value) -> Result<T> {
    let value = if value.is_null() { json!({}) } else { value };
    serde_path_to_error::deserialize(value).map_err(|e| ValidationError::from_deserialize(e).into())
}

/// The admin an operation acts for, from JSON, with paths under `admin`.
fn read_admin(value: Option<Value>) -> Result<Admin> {
    let value = value.ok_or_else(|| Error::invalid("admin", "is required"))?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let mut v = ValidationError::from_deserialize(e);
        for issue in &mut v.issues {
            issue.field = if issue.field.is_empty() {
                "admin".into()
            } else {
                format!("admin.{}", issue.field)
            };
        }
        v.into()
    })
}

/// A listing's request and its page: `cursor` and `limit` are taken out, the rest is the
/// filter.
fn read_paged<T: DeserializeOwned>(value: Value) -> Result<(T, crate::PageRequest)> {
    let mut map = match value {
        Value::Object(map) => map,
        Value::Null => Map::new(),
        _ => return Err(Error::invalid("", "must be an object of named arguments")),
    };
    let mut page = Map::new();
    for key in ["cursor", "limit"] {
        if let Some(v) = map.remove(key) {
            page.insert(key.into(), v);
        }
    }
    Ok((read(Value::Object(map))?, read(Value::Object(page))?))
}

fn write<T: Serialize>(value: T) -> Result<Value> {
    serde_json::to_value(value)
        .map_err(|e| Error::invalid("", format!("the result could not be converted: {e}")))
}

/// Names a property.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PropertyArgs {
    /// The property.
    pub property_id: PropertyId,
}

/// Names a unit.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitArgs {
    /// The unit.
    pub unit_id: UnitId,
}

/// Names a resident.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResidentArgs {
    /// The resident.
    pub resident_id: ResidentId,
}

/// A property's new time zone.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetTimeZone {
    /// The property.
    pub property_id: PropertyId,
    /// An IANA time zone name, e.g. `Australia/Sydney`.
    #[schemars(with = "String")]
    pub time_zone: Zone,
}

/// No arguments.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

/// A property's new settings.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePropertySettings {
    /// The property.
    pub property_id: PropertyId,
    /// Its settings; fields left out take their defaults.
    pub settings: PropertySettings,
}

/// Links a property to its record in the PMS.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkPmsProperty {
    /// The property.
    pub property_id: PropertyId,
    /// The PMS's id of the property (from `list_pms_properties`).
    pub pms_property_id: String,
}

/// One webhook delivery, as a web framework hands it over.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookDelivery {
    /// The `buildium-webhook-timestamp` header; null when missing.
    pub timestamp: Option<String>,
    /// The `buildium-webhook-signature` header; null when missing.
    pub signature: Option<String>,
    /// The body exactly as received (the signature covers its bytes).
    pub body: String,
}

/// What the provider conformance kit is given beside the adapter.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KitArgs {
    /// The adapter's own secrets (its credentials), looked for in every error it gives; used
    /// for nothing else.
    #[serde(default)]
    #[schemars(with = "Vec<String>", extend("x-sensitive" = true))]
    pub secrets: Vec<SecretString>,
}

/// The intercom building the conformance kit writes on.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IntercomKitArgs {
    /// The building's id in the intercom (from `intercom_buildings`): a test building.
    pub building: String,
    /// The adapter's own secrets (its credentials), looked for in every error it gives; used
    /// for nothing else.
    #[serde(default)]
    #[schemars(with = "Vec<String>", extend("x-sensitive" = true))]
    pub secrets: Vec<SecretString>,
}

/// The encoder the conformance kit writes a test key on.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EncoderKitArgs {
    /// The encoder's id in the lock system (from `list_encoders`).
    pub encoder: String,
    /// The adapter's own secrets (its credentials), looked for in every error it gives; used
    /// for nothing else.
    #[serde(default)]
    #[schemars(with = "Vec<String>", extend("x-sensitive" = true))]
    pub secrets: Vec<SecretString>,
}

/// Where the conformance kit sends its test email.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MailerKitArgs {
    /// The recipient: an address of your own.
    pub to: String,
    /// The mailer's own secrets (its credentials), looked for in every error it gives; used
    /// for nothing else.
    #[serde(default)]
    #[schemars(with = "Vec<String>", extend("x-sensitive" = true))]
    pub secrets: Vec<SecretString>,
}

/// Syncs one property from the PMS.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncPropertyArgs {
    /// The property.
    pub property_id: PropertyId,
    /// `full` (may move out residents the PMS no longer lists) or `incremental`.
    #[serde(default)]
    pub mode: SyncMode,
}

/// Names properties to sync as one run.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncPropertiesArgs {
    /// The properties, each linked to the PMS.
    pub property_ids: Vec<PropertyId>,
    /// `full` (may move out residents the PMS no longer lists) or `incremental`.
    #[serde(default)]
    pub mode: SyncMode,
}

/// How to sync every linked property.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncAllArgs {
    /// `full` (may move out residents the PMS no longer lists) or `incremental`.
    #[serde(default)]
    pub mode: SyncMode,
}

/// Moves a resident out.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveOutArgs {
    /// The resident.
    pub resident_id: ResidentId,
    /// The move-out date; today when left out.
    #[serde(default)]
    pub on: Option<chrono::NaiveDate>,
}

/// Adds a spare key holder to a unit.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddSpareHolder {
    /// The unit.
    pub unit_id: UnitId,
    /// Its label, e.g. `Cleaner`.
    pub label: String,
}

/// Names an outbox entry.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutboxArgs {
    /// The entry.
    pub outbox_id: OutboxId,
}

/// Which outbox entries to list.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutboxFilter {
    /// Entries in this status.
    pub status: OutboxStatus,
}

/// Names a key.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyArgs {
    /// The key.
    pub key_id: KeyId,
}

macro_rules! admin_of {
    (admin, $v:expr) => {
        read_admin($v)?
    };
    (paged, $v:expr) => {
        read_admin($v)?
    };
    (plain, $v:expr) => {{
        let _ = $v;
    }};
}

macro_rules! args_of {
    (paged, $t:ty, $v:expr) => {
        read_paged::<$t>($v)?
    };
    ($kind:ident, $t:ty, $v:expr) => {
        read::<$t>($v)?
    };
}

macro_rules! operations {
    (group $group:literal, table $table:ident, dispatch $dispatch:ident; $(
        $(#[doc = $doc:literal])+
        $kind:ident $name:ident [$($pos:literal),*] ($req:ty) -> $resp:ty =
            |$c:ident, $admin:pat_param, $r:pat_param| $body:expr;
    )*) => {
        /// The operations of this group, in the order the bindings list them.
        pub const $table: &[OperationInfo] = &[$(
            OperationInfo {
                name: stringify!($name),
                doc: concat!($($doc, "\n"),+),
                group: $group,
                admin: !matches!(stringify!($kind).as_bytes(), b"plain"),
                paged: matches!(stringify!($kind).as_bytes(), b"paged"),
                positional: &[$($pos),*],
                request: schema_of::<$req>,
                response: schema_of::<$resp>,
            },
        )*];

        #[allow(clippy::let_unit_value)]
        pub(crate) async fn $dispatch(c: &Concierge, op: &str, admin: Option<Value>, args: Value) -> Result<Value> {
            match op {
                $(stringify!($name) => {
                    let $admin = admin_of!($kind, admin);
                    let $r = args_of!($kind, $req, args);
                    let $c = c;
                    let out: $resp = $body;
                    write(out)
                })*
                _ => Err(Error::invalid("operation", format!("{op:?} is not an operation of {}", $group))),
            }
        }
    };
}

// After the macros, which it uses.
#[cfg(feature = "sandbox")]
mod sandbox;

operations! {
    group "concierge", table OPERATIONS, dispatch dispatch;

    /// Registers a property.
    admin register_property["name", "site_name"](NewProperty) -> Property =
        |c, admin, r| c.register_property(&admin, r).await?;
    /// Replaces a property's settings.
    admin update_property_settings["property_id", "settings"](UpdatePropertySettings) -> Property =
        |c, admin, r| c.update_property_settings(&admin, &r.property_id, r.settings).await?;
    /// Sets a property's IANA time zone: dates and visit windows are judged in it.
    admin set_property_time_zone["property_id", "time_zone"](SetTimeZone) -> Property =
        |c, admin, r| c.set_property_time_zone(&admin, &r.property_id, r.time_zone).await?;
    /// A property.
    admin get_property["property_id"](PropertyArgs) -> Property =
        |c, admin, r| c.get_property(&admin, &r.property_id).await?;
    /// Every property.
    admin list_properties[](NoArgs) -> Vec<Property> =
        |c, admin, _r| c.list_properties(&admin).await?;
    /// Registers a building of a property.
    admin register_building["property_id", "name"](NewBuilding) -> Building =
        |c, admin, r| c.register_building(&admin, r).await?;
    /// Registers a unit of a building.
    admin register_unit["building_id", "number"](NewUnit) -> Unit =
        |c, admin, r| c.register_unit(&admin, r).await?;
    /// A property's buildings.
    admin list_buildings["property_id"](PropertyArgs) -> Vec<Building> =
        |c, admin, r| c.list_buildings(&admin, &r.property_id).await?;
    /// A property's units.
    admin list_units["property_id"](PropertyArgs) -> Vec<Unit> =
        |c, admin, r| c.list_units(&admin, &r.property_id).await?;
    /// Moves a resident into a unit by hand (R-MOVE-1..3).
    admin move_in["unit_id", "first_name", "last_name"](MoveIn) -> ResidentView =
        |c, admin, r| ResidentView::at(c.move_in(&admin, r).await?, c.now());
    /// Sends (or sends again) a resident's invitation (R-STATUS-2, R-STATUS-4).
    admin invite["resident_id"](ResidentArgs) -> ResidentView =
        |c, admin, r| ResidentView::at(c.invite(&admin, &r.resident_id).await?, c.now());
    /// Activates an account with the token of its activation link (R-STATUS-3, R-STATUS-5) and the
    /// resident's new password (10 to 256 characters, not their email; kept as an Argon2id hash).
    /// With `password_mode` external, no password is taken: the host's identity provider keeps
    /// it, and the verified resident is returned.
    plain activate["token"](crate::Activation) -> ResidentView =
        |c, _admin, r| ResidentView::at(c.activate(r).await?, c.now());
    /// A resident's account status now.
    admin account_status["resident_id"](ResidentArgs) -> AccountStatus =
        |c, admin, r| c.account_status(&admin, &r.resident_id).await?;
    /// A resident.
    admin get_resident["resident_id"](ResidentArgs) -> ResidentView =
        |c, admin, r| ResidentView::at(c.get_resident(&admin, &r.resident_id).await?, c.now());
    /// Residents, page by page, filtered by property, unit, status, phase or source.
    paged list_residents[](ResidentFilter) -> crate::Listing<ResidentView> =
        |c, admin, (filter, page)| {
            let now = c.now();
            c.list_residents(&admin, filter, page).await?.map(|r| ResidentView::at(r, now))
        };
    /// Delivers the outbox entries that are due; what it did.
    plain dispatch_outbox[](NoArgs) -> DispatchReport =
        |c, _admin, _r| c.dispatch_outbox().await?;
    /// Outbox entries in a status, page by page.
    paged list_outbox["status"](OutboxFilter) -> crate::Listing<OutboxEntryView> =
        |c, admin, (filter, page)| c.list_outbox(&admin, filter.status, page).await?.map(OutboxEntryView::from);
    /// Queues a parked outbox entry again.
    admin retry_outbox_entry["outbox_id"](OutboxArgs) -> OutboxEntryView =
        |c, admin, r| c.retry_outbox_entry(&admin, &r.outbox_id).await?.into();
    /// The PMS's properties, to link one.
    admin list_pms_properties[](NoArgs) -> Vec<PmsProperty> =
        |c, admin, _r| c.list_pms_properties(&admin).await?;
    /// Runs the provider conformance kit against the PMS adapter (it only reads); what it found.
    admin check_pms_adapter[](KitArgs) -> concierge_core::kit::AdapterReport =
        |c, admin, r| c.check_pms_adapter(&admin, &r.secrets).await?;
    /// Runs the provider conformance kit against the strata adapter (it only reads); what it found.
    admin check_strata_adapter[](KitArgs) -> concierge_core::kit::AdapterReport =
        |c, admin, r| c.check_strata_adapter(&admin, &r.secrets).await?;
    /// Runs the provider conformance kit against the intercom adapter, provisioning the kit's placeholder on `building` and making and revoking one visitor pass.
    admin check_intercom_adapter["building"](IntercomKitArgs) -> concierge_core::kit::AdapterReport =
        |c, admin, r| c.check_intercom_adapter(&admin, &r.building, &r.secrets).await?;
    /// Runs the provider conformance kit against the key encoder adapter, writing and cancelling one test key on `encoder`.
    admin check_key_encoder_adapter["encoder"](EncoderKitArgs) -> concierge_core::kit::AdapterReport =
        |c, admin, r| c.check_key_encoder_adapter(&admin, &r.encoder, &r.secrets).await?;
    /// Runs the provider conformance kit against the mailer, sending one test email to `to`.
    admin check_mailer_adapter["to"](MailerKitArgs) -> concierge_core::kit::AdapterReport =
        |c, admin, r| c.check_mailer_adapter(&admin, &r.to, &r.secrets).await?;
    /// Links a property to its record in the PMS.
    admin link_pms_property["property_id", "pms_property_id"](LinkPmsProperty) -> Property =
        |c, admin, r| c.link_pms_property(&admin, &r.property_id, &r.pms_property_id).await?;
    /// Syncs a property from the PMS now (a full sync).
    admin sync_now["property_id"](PropertyArgs) -> SyncReport =
        |c, admin, r| c.sync_now(&admin, &r.property_id).await?;
    /// Syncs a property from the PMS in the given mode.
    admin sync_property["property_id"](SyncPropertyArgs) -> SyncReport =
        |c, admin, r| c.sync_property(&admin, &r.property_id, SyncOptions { mode: r.mode, ..SyncOptions::default() }).await?;
    /// Syncs several properties from the PMS as one run, each resource read once for all; one report per property.
    admin sync_properties["property_ids"](SyncPropertiesArgs) -> Vec<SyncReport> =
        |c, admin, r| c.sync_properties(&admin, &r.property_ids, SyncOptions { mode: r.mode, ..SyncOptions::default() }).await?;
    /// Syncs every property linked to the PMS as one run; one report per property.
    admin sync_all[](SyncAllArgs) -> Vec<SyncReport> =
        |c, admin, r| c.sync_all(&admin, SyncOptions { mode: r.mode, ..SyncOptions::default() }).await?;
    /// The errors of a property's last sync, page by page (R-PMS-5).
    paged sync_errors["property_id"](PropertyArgs) -> crate::Listing<SyncError> =
        |c, admin, (r, page)| c.sync_errors(&admin, &r.property_id, page).await?;
    /// A property's last sync run, if any.
    admin last_sync["property_id"](PropertyArgs) -> Option<SyncRun> =
        |c, admin, r| c.last_sync(&admin, &r.property_id).await?;
    /// Syncs every property whose interval has passed; one report per property, failed ones
    /// included with their aborted run.
    plain run_due_syncs[](NoArgs) -> Vec<SyncReport> =
        |c, _admin, _r| c.run_due_syncs().await?;
    /// Receives a Buildium webhook delivery: its timestamp and signature headers and its raw body. Verified (WEBHOOK_REJECTED when not), recorded, answered at once; the property it concerns is synced again in the background.
    plain receive_buildium_webhook["timestamp", "signature", "body"](WebhookDelivery) -> crate::WebhookReceipt =
        |c, _admin, r| c.receive_buildium_webhook(r.timestamp.as_deref(), r.signature.as_deref(), r.body.as_bytes()).await?;
    /// Syncs again, once each, the properties named by webhook deliveries not yet acted on; how many.
    plain process_webhook_events[](NoArgs) -> usize =
        |c, _admin, _r| c.process_webhook_events().await?;
    /// Moves a resident out (R-MOVE-4); their keys are cancelled.
    admin move_out["resident_id"](MoveOutArgs) -> ResidentView =
        |c, admin, r| ResidentView::at(c.move_out(&admin, &r.resident_id, r.on).await?, c.now());
    /// Adds a spare key holder to a unit (R-KEY-4).
    admin add_spare_holder["unit_id", "label"](AddSpareHolder) -> SpareHolder =
        |c, admin, r| c.add_spare_holder(&admin, &r.unit_id, &r.label).await?;
    /// A unit's spare key holders, page by page.
    paged list_spare_holders["unit_id"](UnitArgs) -> crate::Listing<SpareHolder> =
        |c, admin, (r, page)| c.list_spare_holders(&admin, &r.unit_id, page).await?;
    /// The lock system's encoders and their state.
    admin list_encoders[](NoArgs) -> Vec<EncoderInfo> =
        |c, admin, _r| c.list_encoders(&admin).await?;
    /// What a key write would do, to confirm before writing (R-KEY-1).
    admin preview_key["holder", "encoder"](MakeKey) -> KeyPreview =
        |c, admin, r| c.preview_key(&admin, &r).await?;
    /// Writes a key on an encoder (R-KEY-1..3).
    admin make_key["holder", "encoder"](MakeKey) -> SmartKey =
        |c, admin, r| c.make_key(&admin, r).await?;
    /// Cancels a key.
    admin cancel_key["key_id"](KeyArgs) -> SmartKey =
        |c, admin, r| c.cancel_key(&admin, &r.key_id).await?;
    /// Keys, page by page, by holder or unit.
    paged list_keys[](crate::KeyFilter) -> crate::Listing<SmartKey> =
        |c, admin, (filter, page)| c.list_keys(&admin, filter, page).await?;
    /// Settles key writes whose outcome is unknown (a lost reply, a crash); how many.
    plain reconcile_keys[](NoArgs) -> usize =
        |c, _admin, _r| c.reconcile_keys().await?;
    /// The buildings the strata system (StrataMax, PropertyIQ) shares with us, to link one.
    admin strata_provider_buildings[](NoArgs) -> Vec<StrataBuilding> =
        |c, admin, _r| c.strata_provider_buildings(&admin).await?;
    /// Links a strata building to a property and reads its users, pending import (R-STRATA-2).
    admin link_strata_building["property_id", "strata_building_id"](crate::LinkStrataBuilding) -> StrataRoll =
        |c, admin, r| c.link_strata_building(&admin, r).await?;
    /// The linked strata buildings with their pending and imported counts.
    admin list_strata_buildings[](crate::StrataBuildingFilter) -> Vec<StrataRoll> =
        |c, admin, r| c.list_strata_buildings(&admin, r).await?;
    /// A linked strata building.
    admin get_strata_building["roll_id"](crate::RollArgs) -> StrataRoll =
        |c, admin, r| c.get_strata_building(&admin, &r.roll_id).await?;
    /// A linked building's users in a state (pending import by default), page by page.
    paged list_strata_users["roll_id"](crate::StrataUserFilter) -> crate::Listing<StrataMember> =
        |c, admin, (r, page)| c.list_strata_users(&admin, r, page).await?;
    /// The typed errors of a linked building's last strata sync, page by page.
    paged strata_errors["roll_id"](crate::RollArgs) -> crate::Listing<SyncError> =
        |c, admin, (r, page)| c.strata_errors(&admin, &r.roll_id, page).await?;
    /// Imports a selection of a building's pending users, or one: each Pending Activation with
    /// a welcome email (R-STRATA-2, R-STRATA-3).
    admin import_strata_users["roll_id", "member_ids"](crate::ImportStrataUsers) -> crate::StrataImportReport =
        |c, admin, r| c.import_strata_users(&admin, r).await?;
    /// What a Go Live would do, changing nothing: the welcome emails per building (R-STRATA-5).
    admin preview_go_live["roll_ids", "user_types"](crate::GoLive) -> crate::GoLivePreview =
        |c, admin, r| c.preview_go_live(&admin, r).await?;
    /// Performs a previewed Go Live, or refuses if the rolls changed (R-STRATA-4, R-STRATA-5).
    admin confirm_go_live["roll_ids", "user_types", "plan"](crate::ConfirmGoLive) -> crate::GoLiveReport =
        |c, admin, r| c.confirm_go_live(&admin, r).await?;
    /// Syncs a linked building with the strata system now (R-STRATA-6).
    admin sync_strata_building["roll_id"](crate::RollArgs) -> crate::StrataSyncReport =
        |c, admin, r| c.sync_strata_building(&admin, &r.roll_id).await?;
    /// Syncs every linked building whose strata interval has passed (the nightly sync).
    plain run_due_strata_syncs[](NoArgs) -> Vec<crate::StrataSyncReport> =
        |c, _admin, _r| c.run_due_strata_syncs().await?;
    /// Invites every resident in a status (Not Invited or Activation Expired) in bulk
    /// (R-STRATA-7).
    admin invite_all["status"](crate::InviteAll) -> crate::BulkInviteReport =
        |c, admin, r| c.invite_all(&admin, r).await?;
    /// Where the building admin gives the intercom's one-time consent, if it needs one.
    admin intercom_consent_url[](NoArgs) -> Option<String> =
        |c, admin, _r| c.intercom_consent_url(&admin).await?;
    /// Completes the intercom's consent with the code the admin was shown; whether connected.
    admin connect_intercom["code"](crate::ConnectIntercom) -> bool =
        |c, admin, r| { c.connect_intercom(&admin, r.code).await?; true };
    /// The buildings the intercom shares with us, to link one.
    admin intercom_buildings[](NoArgs) -> Vec<IntercomBuilding> =
        |c, admin, _r| c.intercom_buildings(&admin).await?;
    /// Links a property to an intercom building; a property without a time zone takes the building's.
    admin link_intercom_building["property_id", "intercom_building_id"](crate::LinkIntercomBuilding) -> Property =
        |c, admin, r| c.link_intercom_building(&admin, r).await?;
    /// Creates or adopts the site's placeholder unit and tenant on the intercom (R-VISIT-1).
    admin provision_visitor_site["property_id"](PropertyArgs) -> crate::VisitorSiteReport =
        |c, admin, r| c.provision_visitor_site(&admin, &r.property_id).await?;
    /// Checks that the site can take visitors and lists tenants on Phone Calls (R-VISIT-2, R-VISIT-4).
    admin visitor_preflight["property_id"](PropertyArgs) -> crate::VisitorPreflight =
        |c, admin, r| c.visitor_preflight(&admin, &r.property_id).await?;
    /// The site's tenants on Phone Calls, who cannot take video calls (R-VISIT-4).
    admin visitor_contact_report["property_id"](PropertyArgs) -> crate::ContactReport =
        |c, admin, r| c.visitor_contact_report(&admin, &r.property_id).await?;
    /// Creates a visitor pass (a QR code) for exactly the visit's window, once (R-VISIT-3).
    admin create_visitor_pass["property_id", "visitor_name", "starts_at", "ends_at"](crate::CreateVisitorPass) -> crate::VisitorPassView =
        |c, admin, r| c.create_visitor_pass(&admin, r).await?;
    /// A visitor pass.
    admin get_visitor_pass["pass_id"](crate::PassArgs) -> crate::VisitorPassView =
        |c, admin, r| c.get_visitor_pass(&admin, &r.pass_id).await?;
    /// A property's visitor passes, page by page.
    paged list_visitor_passes["property_id"](crate::VisitorPassFilter) -> crate::Listing<crate::VisitorPassView> =
        |c, admin, (r, page)| c.list_visitor_passes(&admin, r, page).await?;
    /// Revokes a visitor pass on the intercom.
    admin revoke_visitor_pass["pass_id"](crate::PassArgs) -> crate::VisitorPassView =
        |c, admin, r| c.revoke_visitor_pass(&admin, &r.pass_id).await?;
    /// Completes visitor passes whose creation was not answered for sure; how many settled.
    plain reconcile_visitor_passes[](NoArgs) -> usize =
        |c, _admin, _r| c.reconcile_visitor_passes().await?;
}

/// Opens a handle from its settings as JSON (the fields of [`crate::Settings`]): the one
/// door of the bindings. An unknown or bad setting is a `VALIDATION` error with its path.
pub async fn open(settings: Value) -> Result<Concierge> {
    Concierge::open(read(settings)?).await
}

/// [`open`], with adapters written in another language (see [`crate::foreign`]).
pub async fn open_with(
    settings: Value,
    adapters: crate::foreign::ForeignAdapters,
) -> Result<Concierge> {
    Concierge::open_with(read(settings)?, adapters).await
}

impl Concierge {
    /// Runs the operation `op` with its arguments as JSON (snake_case names), for the
    /// bindings: `admin` for the operations that act for one. The answer is the operation's
    /// result as JSON; an argument that cannot be read is a `VALIDATION` error with its path.
    ///
    /// `positional` holds the arguments the caller passed by position, `options` the others
    /// (Python keywords, a Node options object); an option that repeats a positional argument
    /// is refused.
    pub async fn call(
        &self,
        op: &str,
        admin: Option<Value>,
        positional: Value,
        options: Value,
    ) -> Result<Value> {
        self.ensure_open()?;
        let mut args = match positional {
            Value::Object(map) => map,
            Value::Null => Map::new(),
            _ => return Err(Error::invalid("", "positional arguments must be named")),
        };
        match options {
            Value::Object(map) => {
                for (key, value) in map {
                    if args.contains_key(&key) {
                        return Err(Error::invalid(
                            key,
                            "is given twice: by position and as an option",
                        ));
                    }
                    args.insert(key, value);
                }
            }
            Value::Null => {}
            _ => {
                return Err(Error::invalid(
                    "options",
                    "must be an object of named options",
                ));
            }
        }
        let args = Value::Object(args);
        #[cfg(feature = "sandbox")]
        if let Some(op) = op.strip_prefix("sandbox.") {
            return sandbox::dispatch(self, op, admin, args).await;
        }
        dispatch(self, op, admin, args).await
    }
}

/// The whole API as JSON, for the bindings' generators: every operation with its request
/// (as the caller writes it) and response (as it is returned) schemas, the settings, the
/// errors with their fields, and the definitions they refer to.
pub fn describe() -> Value {
    use schemars::generate::SchemaSettings;
    let mut input = SchemaSettings::draft2020_12()
        .for_deserialize()
        .into_generator();
    let mut output = SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    let page = schema_of::<crate::PageRequest>(&mut input);
    #[cfg(feature = "sandbox")]
    let all = OPERATIONS.iter().chain(sandbox::OPERATIONS);
    #[cfg(not(feature = "sandbox"))]
    let all = OPERATIONS.iter();
    let operations: Vec<Value> = all
        .map(|op| {
            json!({
                "name": op.name,
                // One line per `///` line in the table, each with its leading space: one text.
                "doc": op.doc.split_whitespace().collect::<Vec<_>>().join(" "),
                "group": op.group,
                "admin": op.admin,
                "paged": op.paged,
                "positional": op.positional,
                "request": (op.request)(&mut input),
                "response": (op.response)(&mut output),
            })
        })
        .collect();
    let admin = schema_of::<Admin>(&mut input);
    let settings = schema_of::<crate::Settings>(&mut input);
    // What the errors' fields are made of.
    schema_of::<FieldIssue>(&mut output);
    schema_of::<Permission>(&mut output);
    schema_of::<AccessLevel>(&mut output);
    schema_of::<AccountAction>(&mut output);
    schema_of::<TokenRejection>(&mut output);
    schema_of::<WebhookRejection>(&mut output);
    schema_of::<EntityKind>(&mut output);
    schema_of::<ProviderErrorKind>(&mut output);
    schema_of::<FailureSource>(&mut output);
    schema_of::<RetryClass>(&mut output);
    schema_of::<ConflictKind>(&mut output);
    let errors: Vec<Value> = ErrorCode::ALL
        .iter()
        .map(|code| json!({ "code": code.as_str(), "class": code.class_name(), "fields": code.fields() }))
        .collect();
    json!({
        "operations": operations,
        "page_request": page,
        "admin": admin,
        "admin_full_access": Admin::full_access("id", "name").permissions,
        "adapters": crate::foreign::ADAPTERS
            .iter()
            .map(|k| {
                let methods: Vec<&str> = k.methods.iter().map(|m| m.name).collect();
                (k.kind.to_string(), json!(methods))
            })
            .collect::<Map<String, Value>>(),
        "adapter_types": crate::foreign::describe_adapters(),
        "settings": settings,
        "errors": errors,
        "input_definitions": input.take_definitions(true),
        "output_definitions": output.take_definitions(true),
    })
}
