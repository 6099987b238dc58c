//! Strata import (R-STRATA-1..7): linking a strata building (StrataMax, PropertyIQ) to a
//! property, its users pending import, importing a selection or one, and inviting residents in
//! bulk. Go Live is in [`golive`], the nightly strata sync in [`nightly`].
//!
//! Every import commits, in one batch per chunk of users: the resident (Pending Activation), its
//! welcome email in the outbox, the member moved to imported and the building's counts. A user
//! is therefore imported once, whatever is retried or killed: a retried import finds the member
//! imported and reports it as such.

mod golive;
mod nightly;
mod types;

pub use types::*;

use crate::{Concierge, Listing, PageRequest};
use chrono::{DateTime, Utc};
use concierge_core::*;
use std::collections::HashMap;
use std::sync::Arc;

/// How many users one import batch commits (each is a member, a resident, a welcome email and
/// perhaps a unit).
const IMPORT_CHUNK: usize = 50;
/// How often an import chunk is read again and retried after a concurrent change.
const CONCURRENT_ATTEMPTS: usize = 3;
/// How many members a listing reads from the store at a time.
const MEMBER_PAGE: usize = 500;

impl Concierge {
    pub(crate) fn strata_provider(&self) -> Result<Arc<dyn StrataProvider>> {
        self.inner
            .strata
            .clone()
            .ok_or_else(|| Error::invalid("strata", "no strata provider is configured"))
    }

    /// The buildings the configured strata system shares with us, to link one (Integrations,
    /// read).
    pub async fn strata_provider_buildings(&self, admin: &Admin) -> Result<Vec<StrataBuilding>> {
        self.authorize(
            admin,
            Permission::Integrations,
            AccessLevel::Read,
            "strata_provider_buildings",
        )?;
        let strata = self.strata_provider()?;
        let mut out = Vec::new();
        let mut cursor = None;
        loop {
            let page = strata
                .list_buildings(ListStrataBuildingsRequest { cursor })
                .await?;
            out.extend(page.items.into_iter().flatten());
            match page.next {
                Some(next) => cursor = Some(next),
                None => return Ok(out),
            }
        }
    }

    /// Links a strata building to a property (Integrations, full): a building of the property
    /// is created for it, and its users are read at once, pending import (R-STRATA-2). If that
    /// first read fails, the link stands and `last_sync.aborted` says why; a later sync reads
    /// again.
    pub async fn link_strata_building(
        &self,
        admin: &Admin,
        req: LinkStrataBuilding,
    ) -> Result<StrataRoll> {
        self.authorize(
            admin,
            Permission::Integrations,
            AccessLevel::Full,
            "link_strata_building",
        )?;
        let id = req.strata_building_id.trim();
        if id.is_empty() {
            return Err(Error::invalid("strata_building_id", "must not be blank"));
        }
        let strata = self.strata_provider()?;
        let property: Property = self.inner.store.load(req.property_id.as_str()).await?;
        let external = ExternalRef::new(strata.name(), id);
        if let Some(existing) = self
            .inner
            .store
            .list_strata_rolls()
            .await?
            .into_iter()
            .find(|r| r.external == external)
        {
            return Err(Error::conflict_with(
                ConflictKind::AlreadyExists,
                format!(
                    "strata building {id} is already linked to property {}",
                    existing.property_id
                ),
                &existing.id,
            ));
        }
        let found = strata
            .get_building(GetStrataBuildingRequest {
                building: Some(external.clone()),
            })
            .await?;
        let now = self.now();
        let found_again = found.clone();
        let mut building = Building {
            id: BuildingId::new(),
            property_id: property.id.clone(),
            name: found.name.clone(),
            external: Some(external.clone()),
            version: 0,
        };
        let mut roll = StrataRoll {
            id: StrataRollId::new(),
            property_id: property.id.clone(),
            building_id: building.id.clone(),
            external,
            plan_number: found.plan_number,
            name: found.name,
            status: found.status,
            auto_import: false,
            auto_import_since: None,
            pending: 0,
            imported: 0,
            last_sync: None,
            created_at: now,
            version: 0,
        };
        let mut batch = Batch::new();
        batch.put(&mut building);
        batch.put(&mut roll);
        self.inner.store.commit(batch).await?;
        tracing::info!(roll = %roll.id, property = %property.id, "strata building linked");
        // The link stands even if this first read fails: the run records why, and
        // `sync_strata_building` (or the nightly sync) reads again.
        if let Err(e) = self.sync_roll_knowing(&roll.id, Some(found_again)).await {
            tracing::warn!(roll = %roll.id, error = %e, "first strata read failed");
        }
        self.inner.store.load(roll.id.as_str()).await
    }

    /// The linked strata buildings, with how many users are pending import and imported
    /// (Integrations, read).
    pub async fn list_strata_buildings(
        &self,
        admin: &Admin,
        filter: StrataBuildingFilter,
    ) -> Result<Vec<StrataRoll>> {
        self.authorize(
            admin,
            Permission::Integrations,
            AccessLevel::Read,
            "list_strata_buildings",
        )?;
        let rolls = self.inner.store.list_strata_rolls().await?;
        Ok(rolls
            .into_iter()
            .filter(|r| {
                filter
                    .property_id
                    .as_ref()
                    .is_none_or(|p| &r.property_id == p)
            })
            .collect())
    }

    /// One linked strata building (Integrations, read).
    pub async fn get_strata_building(
        &self,
        admin: &Admin,
        roll_id: &StrataRollId,
    ) -> Result<StrataRoll> {
        self.authorize(
            admin,
            Permission::Integrations,
            AccessLevel::Read,
            "get_strata_building",
        )?;
        self.inner.store.load(roll_id.as_str()).await
    }

    /// One page of a linked building's users in a state, ordered by id: `pending` is the
    /// Pending Import tab, `imported` the Imported tab (Integrations, read).
    pub async fn list_strata_users(
        &self,
        admin: &Admin,
        filter: StrataUserFilter,
        page: PageRequest,
    ) -> Result<Listing<StrataMember>> {
        self.authorize(
            admin,
            Permission::Integrations,
            AccessLevel::Read,
            "list_strata_users",
        )?;
        let (limit, after) = page.keyset(StrataMemberId::PREFIX)?;
        let roll: StrataRoll = self.inner.store.load(filter.roll_id.as_str()).await?;
        let query = MemberQuery {
            roll_id: roll.id,
            state: Some(filter.state),
            after,
            limit: Some(limit + 1),
        };
        let members = self.inner.store.list_strata_members(&query).await?;
        Ok(Listing::keyset(members, limit, |m| m.id.to_string()))
    }

    /// One page of the typed errors of a linked building's last strata sync: records that
    /// could not be read, users that cannot be imported as they are (Integrations, read).
    pub async fn strata_errors(
        &self,
        admin: &Admin,
        roll_id: &StrataRollId,
        page: PageRequest,
    ) -> Result<Listing<SyncError>> {
        self.authorize(
            admin,
            Permission::Integrations,
            AccessLevel::Read,
            "strata_errors",
        )?;
        let roll: StrataRoll = self.inner.store.load(roll_id.as_str()).await?;
        let tag = format!(
            "{}@{}",
            roll.id,
            roll.last_sync
                .as_ref()
                .and_then(|r| r.started_at)
                .map(|t| t.timestamp_micros())
                .unwrap_or_default()
        );
        let errors = roll.last_sync.map(|r| r.errors).unwrap_or_default();
        page.page_in_memory(errors, &tag)
    }

    /// Imports a selection of a linked building's pending users, or one (R-STRATA-2): each
    /// becomes a resident, Pending Activation, and is sent the welcome email of the property's
    /// invitation settings (R-STRATA-3). Integrations and Residence, full.
    ///
    /// Every id must be a user of the building (else `NOT_FOUND`, nothing done). A user already
    /// imported is counted in `already_imported`; one that cannot be imported (no email, a
    /// shared email, no longer listed) is in `failed`, and the others are imported.
    pub async fn import_strata_users(
        &self,
        admin: &Admin,
        req: ImportStrataUsers,
    ) -> Result<StrataImportReport> {
        self.authorize(
            admin,
            Permission::Integrations,
            AccessLevel::Full,
            "import_strata_users",
        )?;
        self.authorize(
            admin,
            Permission::Residence,
            AccessLevel::Full,
            "import_strata_users",
        )?;
        if req.member_ids.is_empty() {
            return Err(Error::invalid("member_ids", "choose at least one user"));
        }
        let roll: StrataRoll = self.inner.store.load(req.roll_id.as_str()).await?;
        let mut members = Vec::with_capacity(req.member_ids.len());
        for id in &req.member_ids {
            let member: StrataMember = self.inner.store.load(id.as_str()).await?;
            if member.roll_id != roll.id {
                return Err(Error::not_found(EntityKind::StrataMember, id));
            }
            if !members.iter().any(|m: &StrataMember| m.id == member.id) {
                members.push(member);
            }
        }
        let (report, queued) = self.import_members(roll, members).await?;
        for entry in queued {
            self.deliver_inline(entry).await;
        }
        Ok(report)
    }

    /// Invites, in bulk, every resident in `status` now, Not Invited or Activation Expired
    /// (R-STRATA-7): each becomes Pending Activation with a new 7-day link, their welcome
    /// email queued for the outbox dispatcher. A resident without an email is listed in
    /// `failed`. Residence, full.
    pub async fn invite_all(&self, admin: &Admin, req: InviteAll) -> Result<BulkInviteReport> {
        self.authorize(
            admin,
            Permission::Residence,
            AccessLevel::Full,
            "invite_all",
        )?;
        if !matches!(
            req.status,
            AccountStatus::NotInvited | AccountStatus::ActivationExpired
        ) {
            return Err(Error::invalid(
                "status",
                format!(
                    "only not_invited or activation_expired residents can be invited, not {}",
                    req.status
                ),
            ));
        }
        let mut report = BulkInviteReport::default();
        let mut after: Option<ResidentId> = None;
        loop {
            let now = self.now();
            let mut query = ResidentQuery::at(now);
            query.property_id = req.property_id.clone();
            query.status = Some(req.status);
            query.source = req.source;
            query.after = after.clone();
            query.limit = Some(IMPORT_CHUNK * 2);
            let page = self.inner.store.list_residents(&query).await?;
            let Some(last) = page.last() else {
                return Ok(report);
            };
            after = Some(last.id.clone());
            let mut batch = Batch::new();
            let mut invited = Vec::new();
            for mut resident in page {
                if resident.email.is_none() {
                    report.failed.push(InviteFailure {
                        resident_id: resident.id.clone(),
                        code: ErrorCode::Validation.as_str().to_owned(),
                        message: "the resident has no email address to send the invitation to"
                            .into(),
                    });
                    continue;
                }
                match self.invite_into(&mut resident, now, &mut batch) {
                    Ok(_) => {
                        resident.updated_at = now;
                        batch.put(&mut resident);
                        invited.push(resident.id);
                    }
                    Err(e) => report.failed.push(InviteFailure {
                        resident_id: resident.id.clone(),
                        code: e.code().as_str().to_owned(),
                        message: e.to_string(),
                    }),
                }
            }
            if !batch.is_empty() {
                self.inner.store.commit(batch).await?;
            }
            report.invited += invited.len() as u32;
            tracing::info!(invited = invited.len(), "bulk invitation page committed");
        }
    }

    // -----------------------------------------------------------------------------------------
    // Shared by import and Go Live

    /// Imports `members` of `roll`, a chunk per batch. Returns the report and the welcome
    /// emails queued.
    pub(crate) async fn import_members(
        &self,
        roll: StrataRoll,
        members: Vec<StrataMember>,
    ) -> Result<(StrataImportReport, Vec<OutboxEntry>)> {
        let mut roll = roll;
        let mut report = StrataImportReport::default();
        let mut queued = Vec::new();
        let mut units = self.roll_units(&roll).await?;
        for chunk in members.chunks(IMPORT_CHUNK) {
            let mut chunk = chunk.to_vec();
            let mut attempt = 0;
            loop {
                // Re-read the roll each time: a concurrent import or sync may have moved it on.
                roll = self.inner.store.load(roll.id.as_str()).await?;
                let now = self.now();
                let mut batch = Batch::new();
                let mut outcome = StrataImportReport::default();
                let mut entries = Vec::new();
                let mut new_units = Vec::new();
                for member in &chunk {
                    let mut member = member.clone();
                    if member.state == MemberState::Imported {
                        outcome.already_imported += 1;
                        continue;
                    }
                    if let Some(error) = not_importable(&member) {
                        outcome.failed.push(MemberFailure {
                            member_id: member.id.clone(),
                            error,
                        });
                        continue;
                    }
                    let unit = unit_for(&roll, &member.user, &units, &mut new_units);
                    let mut resident = resident_from(&roll, &member.user, &unit, now);
                    entries.push(self.invite_into(&mut resident, now, &mut batch)?);
                    member.state = MemberState::Imported;
                    member.resident_id = Some(resident.id.clone());
                    member.imported_at = Some(now);
                    batch.put(&mut resident);
                    batch.put(&mut member);
                    roll.pending = roll.pending.saturating_sub(1);
                    roll.imported += 1;
                    outcome.residents.push(resident.id.clone());
                }
                if !outcome.residents.is_empty() {
                    for unit in &mut new_units {
                        batch.put(unit);
                    }
                    outcome.auto_import_enabled = roll.settle_auto_import(now);
                    batch.put(&mut roll);
                    match self.inner.store.commit(batch).await {
                        Ok(()) => {}
                        Err(StoreError::Concurrent { .. }) if attempt < CONCURRENT_ATTEMPTS => {
                            // A concurrent change to these users or the building: read again.
                            attempt += 1;
                            chunk = self.reread(&chunk).await?;
                            units = self.roll_units(&roll).await?;
                            continue;
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                for unit in new_units {
                    units.insert(unit.number.to_lowercase(), unit);
                }
                merge(&mut report, outcome);
                queued.extend(entries);
                break;
            }
        }
        tracing::info!(roll = %roll.id, imported = report.residents.len(),
            failed = report.failed.len(), "strata users imported");
        Ok((report, queued))
    }

    async fn reread(&self, members: &[StrataMember]) -> Result<Vec<StrataMember>> {
        let mut out = Vec::with_capacity(members.len());
        for m in members {
            out.push(self.inner.store.load(m.id.as_str()).await?);
        }
        Ok(out)
    }

    /// The units of the roll's building, by lower-cased number.
    async fn roll_units(&self, roll: &StrataRoll) -> Result<HashMap<String, Unit>> {
        Ok(self
            .inner
            .store
            .list_units(&roll.property_id)
            .await?
            .into_iter()
            .filter(|u| u.building_id == roll.building_id)
            .map(|u| (u.number.to_lowercase(), u))
            .collect())
    }

    /// Every member of `roll` in `state`, read a page at a time.
    pub(crate) async fn roll_members(
        &self,
        roll: &StrataRollId,
        state: Option<MemberState>,
    ) -> Result<Vec<StrataMember>> {
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let query = MemberQuery {
                roll_id: roll.clone(),
                state,
                after,
                limit: Some(MEMBER_PAGE),
            };
            let page = self.inner.store.list_strata_members(&query).await?;
            let done = page.len() < MEMBER_PAGE;
            after = page.last().map(|m| m.id.clone());
            out.extend(page);
            if done {
                return Ok(out);
            }
        }
    }
}

fn merge(report: &mut StrataImportReport, more: StrataImportReport) {
    report.residents.extend(more.residents);
    report.already_imported += more.already_imported;
    report.failed.extend(more.failed);
    report.auto_import_enabled |= more.auto_import_enabled;
}

/// Why `member` cannot be imported now, if it cannot.
fn not_importable(member: &StrataMember) -> Option<SyncError> {
    if let Some(problem) = &member.problem {
        return Some(problem.clone());
    }
    match (member.state, member.listed) {
        (MemberState::Pending, true) => None,
        _ => Some(SyncError {
            kind: SyncErrorKind::UnreadableRecord,
            external: Some(member.user.external.clone()),
            field: None,
            message: "the strata system no longer lists this user".into(),
        }),
    }
}

/// The unit of the user's first lot in the roll's building, created (in `new_units`) if the
/// building has none of that number yet.
fn unit_for(
    roll: &StrataRoll,
    user: &StrataUser,
    units: &HashMap<String, Unit>,
    new_units: &mut Vec<Unit>,
) -> Unit {
    let lot = user.lots.first().cloned().unwrap_or(StrataLot {
        lot_number: "?".into(),
        unit_number: None,
    });
    let number = lot.label();
    let key = number.to_lowercase();
    if let Some(unit) = units.get(&key) {
        return unit.clone();
    }
    if let Some(unit) = new_units.iter().find(|u| u.number.to_lowercase() == key) {
        return unit.clone();
    }
    let unit = Unit {
        id: UnitId::new(),
        property_id: roll.property_id.clone(),
        building_id: roll.building_id.clone(),
        floor: None,
        number,
        external: Some(ExternalRef::new(
            roll.external.provider.clone(),
            format!("{}/lot/{}", roll.external.id, lot.lot_number),
        )),
        version: 0,
    };
    new_units.push(unit.clone());
    unit
}

/// A new resident for a strata user: Not Invited, in the unit of their first lot.
pub(crate) fn resident_from(
    roll: &StrataRoll,
    user: &StrataUser,
    unit: &Unit,
    now: DateTime<Utc>,
) -> Resident {
    let (first_name, last_name) = resident_names(user);
    let who = Arrival {
        first_name,
        last_name,
        email: user.email.clone(),
        phone: user.mobile.clone().or_else(|| user.phone.clone()),
        occupancy: Occupancy {
            unit_id: unit.id.clone(),
            role: OccupancyRole::Primary,
            move_in: user.tenancy.as_ref().and_then(|t| t.move_in),
            move_out: user.tenancy.as_ref().and_then(|t| t.move_out),
        },
    };
    Resident::from_strata(
        &roll.property_id,
        who,
        user.external.clone(),
        user.user_types.clone(),
        now,
    )
}

/// A resident's first and last name from a strata user: the greeting names, or the whole
/// display name as the first for an organisation (or a name that could not be split).
pub(crate) fn resident_names(user: &StrataUser) -> (String, String) {
    match (&user.first_name, &user.last_name) {
        (Some(first), Some(last)) => (first.clone(), last.clone()),
        (None, Some(last)) => (String::new(), last.clone()),
        _ => (user.display_name.clone(), String::new()),
    }
}
