//! Go Live (R-STRATA-4, R-STRATA-5): for one linked building or many, import every pending user
//! of the chosen types. A preview changes nothing and says how many welcome emails it will
//! send; only a confirmation carrying the preview's `plan` performs it, and exactly it: if any
//! chosen building's pending users changed since the preview, the confirmation is refused
//! (`CONFLICT`, `plan_changed`) and nothing is done.
//!
//! The plan is a digest of the buildings, the types and every user it would import with the
//! version the store holds, so any change to those users (a sync, an import, an edit) shows.
//! Go Live queues the welcome emails; the outbox dispatcher sends them, at the mailer's pace.

use super::*;
use sha2::{Digest, Sha256};

/// One building's part of a plan: what will be imported (the users' ids; their records are
/// read again building by building, so memory follows one building, not the portfolio) and
/// what will not.
struct BuildingPlan {
    roll: StrataRoll,
    to_import: Vec<StrataMemberId>,
    not_importable: u32,
    other_types: u32,
}

impl Concierge {
    /// What a Go Live of `req` would do, changing nothing (R-STRATA-5): per building, the
    /// number of welcome emails it will send. Integrations and Residence, full.
    pub async fn preview_go_live(&self, admin: &Admin, req: GoLive) -> Result<GoLivePreview> {
        self.authorize_go_live(admin, "preview_go_live")?;
        let (plans, plan) = self.plan_go_live(&req.roll_ids, &req.user_types).await?;
        let buildings: Vec<GoLiveBuilding> = plans
            .iter()
            .map(|p| GoLiveBuilding {
                roll_id: p.roll.id.clone(),
                name: p.roll.name.clone(),
                welcome_emails: p.to_import.len() as u32,
                not_importable: p.not_importable,
                other_types: p.other_types,
            })
            .collect();
        Ok(GoLivePreview {
            plan,
            welcome_emails: buildings.iter().map(|b| b.welcome_emails).sum(),
            buildings,
        })
    }

    /// Performs the Go Live a preview showed (R-STRATA-4, R-STRATA-5): every previewed user is
    /// imported, Pending Activation, their welcome email queued; a building left with no one
    /// pending switches to automatic import (R-STRATA-6). Refused with `CONFLICT`
    /// (`plan_changed`), doing nothing, if the buildings' pending users changed since the
    /// preview. Integrations and Residence, full.
    pub async fn confirm_go_live(&self, admin: &Admin, req: ConfirmGoLive) -> Result<GoLiveReport> {
        self.authorize_go_live(admin, "confirm_go_live")?;
        let (plans, plan) = self.plan_go_live(&req.roll_ids, &req.user_types).await?;
        if plan != req.plan.trim() {
            return Err(Error::conflict(
                ConflictKind::PlanChanged,
                "the pending users of these buildings changed since the preview: preview again",
            ));
        }
        let mut report = GoLiveReport {
            buildings: Vec::with_capacity(plans.len()),
            welcome_emails: 0,
        };
        for p in plans {
            let roll_id = p.roll.id.clone();
            let planned: std::collections::HashSet<StrataMemberId> =
                p.to_import.into_iter().collect();
            let members: Vec<StrataMember> = self
                .roll_members(&roll_id, Some(MemberState::Pending))
                .await?
                .into_iter()
                .filter(|m| planned.contains(&m.id))
                .collect();
            let (imported, queued) = self.import_members(p.roll, members).await?;
            report.welcome_emails += queued.len() as u32;
            report.buildings.push(GoLiveResult {
                roll_id,
                report: imported,
            });
        }
        tracing::info!(
            buildings = report.buildings.len(),
            emails = report.welcome_emails,
            "go live performed"
        );
        Ok(report)
    }

    fn authorize_go_live(&self, admin: &Admin, action: &str) -> Result<()> {
        self.authorize(admin, Permission::Integrations, AccessLevel::Full, action)?;
        self.authorize(admin, Permission::Residence, AccessLevel::Full, action)
    }

    /// The plan of a Go Live and its digest.
    async fn plan_go_live(
        &self,
        roll_ids: &[StrataRollId],
        user_types: &[StrataUserType],
    ) -> Result<(Vec<BuildingPlan>, String)> {
        let mut checks = concierge_core::validate::Checks::new();
        if roll_ids.is_empty() {
            checks.fail("roll_ids", "choose at least one building");
        }
        if user_types.is_empty() {
            checks.fail("user_types", "choose at least one user type");
        }
        checks.finish()?;
        let mut types = user_types.to_vec();
        types.sort();
        types.dedup();
        let mut ids = roll_ids.to_vec();
        ids.sort();
        ids.dedup();
        let mut digest = Sha256::new();
        for t in &types {
            digest.update(t.as_str().as_bytes());
            digest.update([0]);
        }
        let mut plans = Vec::with_capacity(ids.len());
        for id in &ids {
            let roll: StrataRoll = self.inner.store.load(id.as_str()).await?;
            if roll.status == StrataBuildingStatus::Inactive {
                return Err(Error::conflict_with(
                    ConflictKind::WrongState,
                    format!(
                        "strata building {} is inactive in the strata system",
                        roll.name
                    ),
                    &roll.id,
                ));
            }
            digest.update(roll.id.as_str().as_bytes());
            digest.update([1]);
            let pending = self
                .roll_members(&roll.id, Some(MemberState::Pending))
                .await?;
            let mut plan = BuildingPlan {
                roll,
                to_import: Vec::new(),
                not_importable: 0,
                other_types: 0,
            };
            for member in pending {
                if !member.has_any_type(&types) {
                    plan.other_types += 1;
                } else if !member.importable() {
                    plan.not_importable += 1;
                } else {
                    digest.update(member.id.as_str().as_bytes());
                    digest.update(member.version.to_be_bytes());
                    plan.to_import.push(member.id);
                }
            }
            digest.update([2]);
            plans.push(plan);
        }
        let hash = digest.finalize();
        let plan = hash[..16].iter().map(|b| format!("{b:02x}")).collect();
        Ok((plans, plan))
    }
}
