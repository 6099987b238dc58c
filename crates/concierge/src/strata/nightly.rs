//! The nightly strata sync (R-STRATA-6): for each linked building, a full read of its users
//! (neither strata system has a change feed), compared with what Concierge knows.
//!
//! - A new user is pending import; once the building's automatic import is on, a new owner or
//!   tenant is added at once as a resident, Not Invited, and no email is sent.
//! - A known user's changed record is kept (and an imported user's resident gets the new name,
//!   email, phone and types; the account is never touched).
//! - A user no longer listed leaves pending import (departed); an imported one keeps their
//!   resident: a strata system's silence never deletes anyone.
//! - A building gone Inactive (or no longer shared with us) stops syncing; nothing is deleted,
//!   and it syncs again if it comes back.
//! - A record that cannot be read, a user with no email or with another user's email, is a
//!   typed error of the run; the rest carries on.
//!
//! Each page of users is committed in one batch with the building's counts. Memory holds one
//! building's members at a time, never the portfolio.

use super::*;
use std::collections::HashSet;

/// How often a page fetch that failed with a retryable error is tried again by the sync (on
/// top of the transport's own retries).
const PAGE_ATTEMPTS: u32 = 3;

impl Concierge {
    /// Syncs one linked building with its strata system now (Integrations, full).
    pub async fn sync_strata_building(
        &self,
        admin: &Admin,
        roll_id: &StrataRollId,
    ) -> Result<StrataSyncReport> {
        self.authorize(
            admin,
            Permission::Integrations,
            AccessLevel::Full,
            "sync_strata_building",
        )?;
        self.sync_roll(roll_id).await
    }

    /// Syncs every linked building whose property's strata interval (a day by default) has
    /// passed since its last sync. The scheduler calls this; call it yourself from a job runner
    /// if you prefer. Acts as the system, not as an admin. A building whose sync failed is
    /// reported with its run, whose `aborted` says why.
    pub async fn run_due_strata_syncs(&self) -> Result<Vec<StrataSyncReport>> {
        self.ensure_open()?;
        if self.inner.strata.is_none() {
            return Ok(Vec::new());
        }
        let now = self.now();
        let mut intervals = HashMap::new();
        let mut reports = Vec::new();
        for roll in self.inner.store.list_strata_rolls().await? {
            let interval = match intervals.get(&roll.property_id) {
                Some(i) => *i,
                None => {
                    let property: Property =
                        self.inner.store.load(roll.property_id.as_str()).await?;
                    let i = property.settings.strata_sync_interval;
                    intervals.insert(roll.property_id.clone(), i);
                    i
                }
            };
            let due = roll
                .last_sync
                .as_ref()
                .and_then(|r| r.started_at)
                .is_none_or(|at| at + interval <= now);
            if !due {
                continue;
            }
            match self.sync_roll(&roll.id).await {
                Ok(report) => reports.push(report),
                Err(e) => {
                    tracing::warn!(roll = %roll.id, error = %e, "scheduled strata sync failed");
                    let roll: StrataRoll = self.inner.store.load(roll.id.as_str()).await?;
                    if let Some(run) = roll.last_sync {
                        reports.push(StrataSyncReport {
                            roll_id: roll.id,
                            run,
                        });
                    }
                }
            }
        }
        Ok(reports)
    }

    /// The sync of one roll, without the permission check.
    pub(crate) async fn sync_roll(&self, roll_id: &StrataRollId) -> Result<StrataSyncReport> {
        self.sync_roll_knowing(roll_id, None).await
    }

    /// The sync of one roll, with the building as the strata system just gave it, if the
    /// caller has it (linking), which saves reading it again.
    pub(crate) async fn sync_roll_knowing(
        &self,
        roll_id: &StrataRollId,
        building: Option<StrataBuilding>,
    ) -> Result<StrataSyncReport> {
        self.ensure_open()?;
        let strata = self.strata_provider()?;
        let roll: StrataRoll = self.inner.store.load(roll_id.as_str()).await?;
        let mut run = StrataSyncRun {
            started_at: Some(self.now()),
            ..StrataSyncRun::default()
        };
        let outcome = self
            .sync_roll_inner(strata.as_ref(), roll, building, &mut run)
            .await;
        if let Err(e) = &outcome {
            run.aborted = Some(e.to_string());
        }
        run.finished_at = Some(self.now());
        // The run is recorded on the roll, whatever happened.
        self.retry_concurrent(|| async {
            let mut roll: StrataRoll = self.inner.store.load(roll_id.as_str()).await?;
            roll.last_sync = Some(run.clone());
            let mut batch = Batch::new();
            batch.put(&mut roll);
            self.inner.store.commit(batch).await?;
            Ok(())
        })
        .await?;
        tracing::info!(roll = %roll_id, listed = run.listed, pending = run.added_pending,
            not_invited = run.added_not_invited, departed = run.departed,
            errors = run.errors.len(), "strata sync finished");
        outcome.map(|()| StrataSyncReport {
            roll_id: roll_id.clone(),
            run,
        })
    }

    async fn sync_roll_inner(
        &self,
        strata: &dyn StrataProvider,
        mut roll: StrataRoll,
        known: Option<StrataBuilding>,
        run: &mut StrataSyncRun,
    ) -> Result<()> {
        let building = match known {
            Some(b) => Ok(b),
            None => {
                strata
                    .get_building(GetStrataBuildingRequest {
                        building: Some(roll.external.clone()),
                    })
                    .await
            }
        };
        let status = match building {
            Ok(b) => {
                roll.name = b.name;
                roll.plan_number = b.plan_number;
                b.status
            }
            // No longer shared with us: as good as inactive. Nothing is deleted.
            Err(e)
                if matches!(
                    e.kind,
                    ProviderErrorKind::NotFound | ProviderErrorKind::Forbidden
                ) =>
            {
                StrataBuildingStatus::Inactive
            }
            Err(e) => return Err(e.into()),
        };
        roll.status = status;
        if status == StrataBuildingStatus::Inactive {
            run.skipped_inactive = true;
            let mut batch = Batch::new();
            batch.put(&mut roll);
            self.inner.store.commit(batch).await?;
            return Ok(());
        }

        let mut members: HashMap<ExternalRef, StrataMember> = self
            .roll_members(&roll.id, None)
            .await?
            .into_iter()
            .map(|m| (m.user.external.clone(), m))
            .collect();
        // Who holds which email: imported users keep theirs (their resident logs in with it);
        // among the others, the first the strata system lists. Deterministic, whatever order
        // the store or a retried page gives.
        let mut emails: HashMap<String, ExternalRef> = HashMap::new();
        let mut imported: Vec<&StrataMember> = members
            .values()
            .filter(|m| m.listed && m.state == MemberState::Imported)
            .collect();
        imported.sort_by(|a, b| a.user.external.cmp(&b.user.external));
        for m in imported {
            if let Some(email) = &m.user.email {
                emails
                    .entry(email.to_lowercase())
                    .or_insert(m.user.external.clone());
            }
        }
        let mut seen: HashSet<ExternalRef> = HashSet::new();
        let mut units = self.roll_units(&roll).await?;
        let mut cursor = None;
        loop {
            let page = self.users_page(strata, &roll.external, cursor).await?;
            let now = self.now();
            let mut batch = Batch::new();
            let mut new_units = Vec::new();
            for item in page.items {
                let user = match item {
                    Ok(user) => user,
                    Err(e) => {
                        run.errors.push(SyncError {
                            kind: SyncErrorKind::UnreadableRecord,
                            external: e.external,
                            field: None,
                            message: e.message,
                        });
                        continue;
                    }
                };
                run.listed += 1;
                if !seen.insert(user.external.clone()) {
                    run.errors.push(SyncError {
                        kind: SyncErrorKind::DuplicateResident,
                        external: Some(user.external.clone()),
                        field: None,
                        message: "the strata system listed this user twice; the first is kept"
                            .into(),
                    });
                    continue;
                }
                let problem = problem_of(&user, &mut emails);
                if let Some(p) = &problem {
                    run.errors.push(p.clone());
                }
                match members.get_mut(&user.external) {
                    Some(member) => {
                        self.update_member(member, user, problem, run, &mut batch)
                            .await?;
                    }
                    None => {
                        let mut member = StrataMember {
                            id: StrataMemberId::new(),
                            property_id: roll.property_id.clone(),
                            roll_id: roll.id.clone(),
                            user,
                            state: MemberState::Pending,
                            problem,
                            resident_id: None,
                            listed: true,
                            first_seen_at: now,
                            imported_at: None,
                            version: 0,
                        };
                        if roll.auto_import && member.problem.is_none() {
                            // R-STRATA-6: a newcomer after automatic import is a Not Invited
                            // resident at once, and no email is sent.
                            let unit = unit_for(&roll, &member.user, &units, &mut new_units);
                            let mut resident = resident_from(&roll, &member.user, &unit, now);
                            member.state = MemberState::Imported;
                            member.resident_id = Some(resident.id.clone());
                            member.imported_at = Some(now);
                            batch.put(&mut resident);
                            run.added_not_invited += 1;
                        } else {
                            run.added_pending += 1;
                        }
                        batch.put(&mut member);
                        members.insert(member.user.external.clone(), member);
                    }
                }
            }
            for unit in &mut new_units {
                batch.put(unit);
            }
            count(&mut roll, &members);
            batch.put(&mut roll);
            self.inner.store.commit(batch).await?;
            for unit in new_units {
                units.insert(unit.number.to_lowercase(), unit);
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }

        // Users no longer listed: pending ones depart; imported ones keep their resident.
        let mut batch = Batch::new();
        for member in members.values_mut() {
            if member.listed && !seen.contains(&member.user.external) {
                member.listed = false;
                if member.state == MemberState::Pending {
                    member.state = MemberState::Departed;
                }
                run.departed += 1;
                batch.put(member);
            }
        }
        count(&mut roll, &members);
        roll.settle_auto_import(self.now());
        batch.put(&mut roll);
        self.inner.store.commit(batch).await?;
        Ok(())
    }

    /// One page of the building's users, the fetch retried on a retryable failure.
    async fn users_page(
        &self,
        strata: &dyn StrataProvider,
        building: &ExternalRef,
        cursor: Option<Cursor>,
    ) -> Result<Page<StrataUser>> {
        let mut attempt = 1;
        loop {
            let request = ListStrataUsersRequest {
                building: Some(building.clone()),
                cursor: cursor.clone(),
            };
            match strata.list_users(request).await {
                Ok(page) => return Ok(page),
                Err(e) if e.retryable() && attempt < PAGE_ATTEMPTS => {
                    let wait = e
                        .retry_after
                        .unwrap_or(std::time::Duration::from_millis(200));
                    tracing::warn!(error = %e, attempt, "strata page failed; trying again");
                    tokio::time::sleep(wait.min(std::time::Duration::from_secs(30))).await;
                    attempt += 1;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Applies a known user's new record to their member (and resident, if imported).
    async fn update_member(
        &self,
        member: &mut StrataMember,
        user: StrataUser,
        problem: Option<SyncError>,
        run: &mut StrataSyncRun,
        batch: &mut Batch,
    ) -> Result<()> {
        let changed = member.user != user;
        let relisted = !member.listed;
        if !changed && !relisted && member.problem == problem {
            return Ok(());
        }
        if changed {
            run.updated += 1;
        }
        if member.state == MemberState::Departed {
            member.state = MemberState::Pending;
        }
        member.listed = true;
        member.problem = problem;
        if changed
            && member.state == MemberState::Imported
            && let Some(id) = &member.resident_id
        {
            let mut resident: Resident = self.inner.store.load(id.as_str()).await?;
            let fresh = resident_from_update(&resident, &user);
            if fresh != resident {
                resident = fresh;
                resident.updated_at = self.now();
                batch.put(&mut resident);
            }
        }
        member.user = user;
        batch.put(member);
        Ok(())
    }
}

/// `resident` with the names, email, phone and types of the strata system's new record.
fn resident_from_update(resident: &Resident, user: &StrataUser) -> Resident {
    let mut r = resident.clone();
    (r.first_name, r.last_name) = resident_names(user);
    if user.email.is_some() {
        r.email = user.email.clone();
    }
    r.phone = user
        .mobile
        .clone()
        .or_else(|| user.phone.clone())
        .or(r.phone);
    r.user_types = user.user_types.clone();
    r
}

/// Why a listed user cannot be imported as they are: no email (the welcome email cannot be
/// sent), or an email another user of the building holds (R-STRATA-3).
fn problem_of(user: &StrataUser, emails: &mut HashMap<String, ExternalRef>) -> Option<SyncError> {
    let Some(email) = &user.email else {
        return Some(SyncError {
            kind: SyncErrorKind::InvalidEmail,
            external: Some(user.external.clone()),
            field: Some("email".into()),
            message: "no email address: the welcome email cannot be sent".into(),
        });
    };
    let holder = emails
        .entry(email.to_lowercase())
        .or_insert(user.external.clone());
    if *holder != user.external {
        return Some(SyncError {
            kind: SyncErrorKind::DuplicateEmail,
            external: Some(user.external.clone()),
            field: Some("email".into()),
            message: format!(
                "another user of this building ({}) has the same email address",
                holder.id
            ),
        });
    }
    None
}

/// Recounts the roll's pending and imported users from its members.
fn count(roll: &mut StrataRoll, members: &HashMap<ExternalRef, StrataMember>) {
    roll.pending = members
        .values()
        .filter(|m| m.state == MemberState::Pending)
        .count() as u32;
    roll.imported = members
        .values()
        .filter(|m| m.state == MemberState::Imported)
        .count() as u32;
}
