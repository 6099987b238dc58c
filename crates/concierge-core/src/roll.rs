//! The strata roll as Concierge keeps it (R-STRATA-2..6): a [`StrataRoll`] per strata building
//! linked to a property, and a [`StrataMember`] per strata user of that building, pending import
//! or imported, with the user as the strata system last listed them.
//!
//! The nightly strata sync rewrites members from a full listing (neither vendor has a change
//! feed); imports and Go Live move members from pending to imported in the same batch as the
//! residents and welcome emails they create, so a member is imported exactly once.

use crate::domain::{StrataUserType, SyncError};
use crate::ids::*;
use crate::providers::{StrataBuildingStatus, StrataUser};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A strata building linked to a property: what Concierge knows of its roll.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StrataRoll {
    /// Our id.
    pub id: StrataRollId,
    /// The property whose invitation settings its users' welcome emails use.
    pub property_id: PropertyId,
    /// Our building for it; its lots become units of this building.
    pub building_id: BuildingId,
    /// The building in the strata system.
    pub external: ExternalRef,
    /// The plan (scheme) number.
    pub plan_number: String,
    /// Its name.
    pub name: String,
    /// Active, or inactive (not synced any more; nothing is deleted).
    pub status: StrataBuildingStatus,
    /// Whether automatic import is on (R-STRATA-6): new owners and tenants the nightly sync
    /// finds are added as Not Invited, without an email.
    pub auto_import: bool,
    /// When automatic import turned on.
    pub auto_import_since: Option<DateTime<Utc>>,
    /// Users pending import now.
    pub pending: u32,
    /// Users imported so far.
    pub imported: u32,
    /// The last strata sync of this building.
    pub last_sync: Option<StrataSyncRun>,
    /// When it was linked.
    pub created_at: DateTime<Utc>,
    /// Store version.
    pub version: u64,
}

impl StrataRoll {
    /// Turns automatic import on when no one is left pending and someone was imported
    /// (R-STRATA-6). Returns whether this call turned it on.
    pub fn settle_auto_import(&mut self, now: DateTime<Utc>) -> bool {
        if !self.auto_import && self.pending == 0 && self.imported > 0 {
            self.auto_import = true;
            self.auto_import_since = Some(now);
            return true;
        }
        false
    }
}

/// What one strata sync of a building did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StrataSyncRun {
    /// When it started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// Users the strata system listed.
    pub listed: u32,
    /// New users found, added as pending import.
    pub added_pending: u32,
    /// New users found after automatic import turned on, added as Not Invited residents.
    pub added_not_invited: u32,
    /// Known users whose record changed.
    pub updated: u32,
    /// Users no longer listed (their residents are kept).
    pub departed: u32,
    /// Whether the building was inactive, so nothing was synced.
    pub skipped_inactive: bool,
    /// Records that could not be applied, each typed (like the PMS sync's).
    pub errors: Vec<SyncError>,
    /// Why the run stopped early, if it did.
    pub aborted: Option<String>,
}

/// Where a strata user stands in Concierge.
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
pub enum MemberState {
    /// Listed by the strata system, not imported yet (R-STRATA-2).
    Pending,
    /// Imported: a resident exists (R-STRATA-3).
    Imported,
    /// Was pending, and the strata system no longer lists them.
    Departed,
}

impl MemberState {
    /// Every state.
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One strata user of a linked building.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StrataMember {
    /// Our id.
    pub id: StrataMemberId,
    /// The property.
    pub property_id: PropertyId,
    /// The roll (linked building).
    pub roll_id: StrataRollId,
    /// The user as the strata system last listed them.
    pub user: StrataUser,
    /// Pending, imported or departed.
    pub state: MemberState,
    /// Why the user cannot be imported as they are (no email, an email another user of the
    /// building has); cleared when the strata system's record is fixed.
    pub problem: Option<SyncError>,
    /// The resident, once imported.
    pub resident_id: Option<ResidentId>,
    /// Whether the strata system still lists the user.
    pub listed: bool,
    /// When the user was first seen.
    pub first_seen_at: DateTime<Utc>,
    /// When the user was imported.
    pub imported_at: Option<DateTime<Utc>>,
    /// Store version.
    pub version: u64,
}

impl StrataMember {
    /// Whether the user has any of `types` (Go Live's selection, R-STRATA-4).
    pub fn has_any_type(&self, types: &[StrataUserType]) -> bool {
        types.iter().any(|t| self.user.user_types.contains(t))
    }

    /// Whether the user can be imported now: pending, listed, and without a problem.
    pub fn importable(&self) -> bool {
        self.state == MemberState::Pending && self.listed && self.problem.is_none()
    }
}

/// Which members of a roll to list, a keyset page at a time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberQuery {
    /// The roll.
    pub roll_id: StrataRollId,
    /// Only members in this state.
    pub state: Option<MemberState>,
    /// Start after this id.
    pub after: Option<StrataMemberId>,
    /// At most this many.
    pub limit: Option<usize>,
}

impl MemberQuery {
    /// Every member of `roll_id`.
    pub fn roll(roll_id: &StrataRollId) -> Self {
        Self {
            roll_id: roll_id.clone(),
            state: None,
            after: None,
            limit: None,
        }
    }

    /// Whether `m` matches (the memory store's filter).
    pub fn matches(&self, m: &StrataMember) -> bool {
        m.roll_id == self.roll_id && self.state.is_none_or(|s| s == m.state)
    }
}
