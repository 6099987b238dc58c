//! The requests and results of the strata operations (R-STRATA-1..7), declared once: the
//! bindings' classes and types are generated from them.

use concierge_core::*;
use serde::{Deserialize, Serialize};

/// Links a strata building to a property.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkStrataBuilding {
    /// The property whose invitation settings the building's welcome emails use.
    pub property_id: PropertyId,
    /// The strata system's id of the building (from `strata_provider_buildings`).
    pub strata_building_id: String,
}

/// Names a linked strata building.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RollArgs {
    /// The linked building.
    pub roll_id: StrataRollId,
}

/// Which linked strata buildings to list.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StrataBuildingFilter {
    /// Only this property's; every property's when left out.
    #[serde(default)]
    pub property_id: Option<PropertyId>,
}

/// Which users of a linked building to list.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StrataUserFilter {
    /// The linked building.
    pub roll_id: StrataRollId,
    /// Users in this state: `pending` (the Pending Import tab, the default), `imported` (the
    /// Imported tab) or `departed`.
    #[serde(default = "pending")]
    pub state: MemberState,
}

fn pending() -> MemberState {
    MemberState::Pending
}

/// Imports a selection of a building's pending users, or one (R-STRATA-2).
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportStrataUsers {
    /// The linked building.
    pub roll_id: StrataRollId,
    /// The users to import (from `list_strata_users`); at least one.
    pub member_ids: Vec<StrataMemberId>,
}

/// A user an import or Go Live could not import, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct MemberFailure {
    /// The user.
    pub member_id: StrataMemberId,
    /// Why, typed like a sync's errors.
    pub error: SyncError,
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct StrataImportReport {
    /// The residents created, each Pending Activation with a welcome email queued.
    pub residents: Vec<ResidentId>,
    /// Users that were already imported (a retried call): nothing was done for them.
    pub already_imported: u32,
    /// Users that could not be imported.
    pub failed: Vec<MemberFailure>,
    /// Whether this import turned the building's automatic import on (no one left pending,
    /// R-STRATA-6).
    pub auto_import_enabled: bool,
}

/// Go Live for one building or many (R-STRATA-4): the user types to import.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GoLive {
    /// The linked buildings; at least one.
    pub roll_ids: Vec<StrataRollId>,
    /// The user types to import, from `owner_occupier`, `tenant`, `owner_investor` and
    /// `committee`; at least one. Property Manager and Other are not delivered by the strata
    /// systems and are refused.
    pub user_types: Vec<StrataUserType>,
}

/// Performs a previewed Go Live.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmGoLive {
    /// The linked buildings, as previewed.
    pub roll_ids: Vec<StrataRollId>,
    /// The user types, as previewed.
    pub user_types: Vec<StrataUserType>,
    /// The preview's `plan`: the confirmation is refused (`CONFLICT`, `plan_changed`) if the
    /// rolls changed since.
    pub plan: String,
}

/// One building of a Go Live preview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct GoLiveBuilding {
    /// The linked building.
    pub roll_id: StrataRollId,
    /// Its name.
    pub name: String,
    /// Users that will be imported, each sent a welcome email.
    pub welcome_emails: u32,
    /// Pending users of the chosen types that cannot be imported as they are (no email, a
    /// shared email); listed by `strata_errors`.
    pub not_importable: u32,
    /// Pending users of other types, left pending.
    pub other_types: u32,
}

/// What a Go Live will do: nothing has changed yet (R-STRATA-5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct GoLivePreview {
    /// Pass this to `confirm_go_live` to perform exactly this.
    pub plan: String,
    /// Per building.
    pub buildings: Vec<GoLiveBuilding>,
    /// The estimated number of welcome emails in all.
    pub welcome_emails: u32,
}

/// One building of a performed Go Live.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct GoLiveResult {
    /// The linked building.
    pub roll_id: StrataRollId,
    /// What was imported.
    pub report: StrataImportReport,
}

/// What a Go Live did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct GoLiveReport {
    /// Per building.
    pub buildings: Vec<GoLiveResult>,
    /// Welcome emails queued in all; the outbox dispatcher sends them.
    pub welcome_emails: u32,
}

/// Invites every resident matching a status, in bulk (R-STRATA-7): "filter by Not Invited,
/// select all, resend invitation".
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteAll {
    /// Residents in this status now: `not_invited` or `activation_expired`.
    pub status: AccountStatus,
    /// Only this property's; every property's when left out.
    #[serde(default)]
    pub property_id: Option<PropertyId>,
    /// Only from this source (e.g. `strata`).
    #[serde(default)]
    pub source: Option<ResidentSource>,
}

/// A resident a bulk invitation could not invite, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct InviteFailure {
    /// The resident.
    pub resident_id: ResidentId,
    /// The error's code (as the error classes have it), e.g. `VALIDATION`.
    pub code: String,
    /// What is wrong.
    pub message: String,
}

/// What a bulk invitation did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct BulkInviteReport {
    /// Residents now Pending Activation, their welcome email queued.
    pub invited: u32,
    /// Residents that could not be invited.
    pub failed: Vec<InviteFailure>,
}

/// What a strata sync of one building did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct StrataSyncReport {
    /// The linked building.
    pub roll_id: StrataRollId,
    /// The run.
    pub run: StrataSyncRun,
}
