//! One property's part of a sync (R-PMS-1..5, R-PMS-8): its buildings and units, then each PMS
//! record validated and decided (create, update, move out, defer, unchanged); when the listing
//! has passed the property, the residents whose dates alone changed their phase and, after a
//! full listing, those it no longer lists.
//!
//! Nothing here writes: every decision becomes a staged [`Change`], which the run (`run.rs`)
//! commits with the rest of its page and counts once committed. A property's state is kept
//! while the listing is on it and dropped after, so memory is bounded by the largest property,
//! not the portfolio.

use super::*;

/// One staged write and what it means: committed with its page, or alone if the page's batch is
/// refused.
pub(super) struct Change {
    /// The property's place in the run.
    pub slot: usize,
    /// The record and what goes with it (keys cancelled, passes revoked, outbox entries).
    pub batch: Batch,
    /// What to count once it is committed (`None` for units and date-only changes).
    pub decision: Option<Decision>,
    /// Outbox entries to deliver once it is committed.
    pub entries: Vec<OutboxEntry>,
    /// The PMS record, for the sync error if it is refused.
    pub external: Option<ExternalRef>,
}

/// A property's buildings and units while the listing of units is on it.
pub(super) struct UnitsContext {
    pub slot: usize,
    property: Property,
    buildings: HashMap<String, Building>,
    units: HashMap<String, Unit>,
}

impl UnitsContext {
    pub(super) async fn load(c: &Concierge, slot: usize, property: &PropertyId) -> Result<Self> {
        let store = &c.inner.store;
        let property: Property = store.load(property.as_str()).await?;
        let buildings = store
            .list_buildings(&property.id)
            .await?
            .into_iter()
            .map(|b| (b.name.to_lowercase(), b))
            .collect();
        let units = units_by_external(c, &property).await?;
        Ok(Self {
            slot,
            property,
            buildings,
            units,
        })
    }

    /// Stages a new or changed unit (and its building, if new); an unchanged one stages nothing.
    pub(super) fn apply(&mut self, unit: PmsUnit, out: &mut Vec<Change>) {
        let mut batch = Batch::new();
        let building_name = unit
            .building_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| self.property.name.clone());
        let building_id = match self.buildings.get(&building_name.to_lowercase()) {
            Some(b) => b.id.clone(),
            None => {
                let mut b = Building {
                    id: BuildingId::new(),
                    property_id: self.property.id.clone(),
                    name: building_name.clone(),
                    external: None,
                    version: 0,
                };
                batch.put(&mut b);
                let id = b.id.clone();
                self.buildings.insert(building_name.to_lowercase(), b);
                id
            }
        };
        match self.units.get_mut(&unit.external.id) {
            Some(existing) => {
                if existing.number != unit.number
                    || existing.floor != unit.floor
                    || existing.building_id != building_id
                {
                    existing.number = unit.number.clone();
                    existing.floor = unit.floor.clone();
                    existing.building_id = building_id;
                    batch.put(existing);
                }
            }
            None => {
                let mut u = Unit {
                    id: UnitId::new(),
                    property_id: self.property.id.clone(),
                    building_id,
                    floor: unit.floor.clone(),
                    number: unit.number.clone(),
                    external: Some(unit.external.clone()),
                    version: 0,
                };
                batch.put(&mut u);
                self.units.insert(unit.external.id.clone(), u);
            }
        }
        if !batch.is_empty() {
            out.push(Change {
                slot: self.slot,
                batch,
                decision: None,
                entries: Vec::new(),
                external: Some(unit.external),
            });
        }
    }
}

/// A property's residents while the listing of residents is on it: its units by external id,
/// its PMS residents by external id, and what the listing has shown of it so far. The residents
/// are kept as staged, so what is decided later in the listing builds on what was decided
/// before.
pub(super) struct SyncContext {
    pub slot: usize,
    property: Property,
    today: NaiveDate,
    /// The day the previous run started, if there was one.
    previous_day: Option<NaiveDate>,
    units: HashMap<String, Unit>,
    residents: HashMap<ExternalRef, Resident>,
    seen: HashSet<ExternalRef>,
    /// (unit, email) of the residents this listing placed so far.
    claims: HashMap<(UnitId, String), ExternalRef>,
    /// Residents whose access a staged change already withdraws.
    withdrawn: HashSet<ResidentId>,
}

impl SyncContext {
    pub(super) async fn load(
        c: &Concierge,
        slot: usize,
        property: &PropertyId,
        previous: Option<super::run::Previous>,
    ) -> Result<Self> {
        let store = &c.inner.store;
        let property: Property = store.load(property.as_str()).await?;
        let units = units_by_external(c, &property).await?;
        let mut query = ResidentQuery::at(c.now());
        query.today = property.today(c.now());
        query.property_id = Some(property.id.clone());
        query.source = Some(ResidentSource::Pms);
        let residents = store
            .list_residents(&query)
            .await?
            .into_iter()
            .filter_map(|r| r.external.clone().map(|e| (e, r)))
            .collect();
        Ok(Self {
            slot,
            property: property.clone(),
            today: property.today(c.now()),
            previous_day: previous.map(|r| property.today(r.started_at)),
            units,
            residents,
            seen: HashSet::new(),
            claims: HashMap::new(),
            withdrawn: HashSet::new(),
        })
    }

    /// Validates and decides one record, and stages what it changes.
    pub(super) async fn apply(
        &mut self,
        c: &Concierge,
        record: PmsResident,
        run: &mut SyncRun,
        out: &mut Vec<Change>,
    ) -> Result<()> {
        if let Some((resident, decision)) = self.decide(c, record, run) {
            self.stage(c, resident, Some(decision), out).await?;
        }
        Ok(())
    }

    /// Stages a resident's write (with what a move-out withdraws) and keeps it as staged.
    async fn stage(
        &mut self,
        c: &Concierge,
        mut r: Resident,
        decision: Option<Decision>,
        out: &mut Vec<Change>,
    ) -> Result<()> {
        let mut batch = Batch::new();
        let mut entries = Vec::new();
        if r.occupancy.phase(self.today) == OccupancyPhase::Past
            && self.withdrawn.insert(r.id.clone())
        {
            entries = c.withdraw_access(&mut r, &mut batch).await?;
        }
        batch.put(&mut r);
        let external = r.external.clone();
        self.residents
            .insert(external.clone().expect("pms resident"), r);
        out.push(Change {
            slot: self.slot,
            batch,
            decision,
            entries,
            external,
        });
        Ok(())
    }

    /// Once the listing has passed the property: what the dates alone changed and, after a
    /// complete full listing, the residents it no longer lists.
    pub(super) async fn finish(
        mut self,
        c: &Concierge,
        full_listing: bool,
        out: &mut Vec<Change>,
    ) -> Result<()> {
        if full_listing {
            self.move_out_unlisted(c, out).await?;
        }
        self.apply_dates(c, out).await
    }

    /// Decides what one PMS record means. Returns the resident to write and the decision, if
    /// anything changed; the decision is counted once its write is committed.
    fn decide(
        &mut self,
        c: &Concierge,
        record: PmsResident,
        run: &mut SyncRun,
    ) -> Option<(Resident, Decision)> {
        let ext = record.external.clone();
        if !self.seen.insert(ext.clone()) {
            fail(
                run,
                SyncErrorKind::DuplicateResident,
                Some(ext),
                None,
                "the PMS lists this resident twice".into(),
            );
            return None;
        }
        if !record.contact_listed {
            return self.decide_dates_only(c, record, run);
        }
        let mut checks = Checks::new();
        let first_name = checks.name("first_name", &record.first_name);
        let last_name = checks.name("last_name", &record.last_name);
        if checks.finish().is_err() {
            fail(
                run,
                SyncErrorKind::InvalidName,
                Some(ext),
                Some("name"),
                "first or last name is missing or invalid".into(),
            );
            return None;
        }
        let mut checks = Checks::new();
        let email = checks.email("email", record.email.as_deref());
        if checks.finish().is_err() {
            fail(
                run,
                SyncErrorKind::InvalidEmail,
                Some(ext),
                Some("email"),
                "the email address is not valid".into(),
            );
            return None;
        }
        let occupancy = self.occupancy(&record, run)?;
        let phase = occupancy.phase(self.today);
        // Another record of this listing already holds this person (same email) in this unit.
        if let Some(email) = &email
            && phase != OccupancyPhase::Past
        {
            let claim = (occupancy.unit_id.clone(), email.clone());
            match self.claims.get(&claim) {
                Some(other) if other != &ext => {
                    let message =
                        format!("the same person is already listed as {other} in this unit");
                    fail(
                        run,
                        SyncErrorKind::ConflictingOccupancy,
                        Some(ext),
                        Some("email"),
                        message,
                    );
                    return None;
                }
                _ => {
                    self.claims.insert(claim, ext.clone());
                }
            }
        }
        let now = c.now();
        match self.residents.get(&ext).cloned() {
            Some(mut existing) => {
                let was_past = existing.occupancy.phase(self.today) == OccupancyPhase::Past;
                let changed = existing.first_name != first_name
                    || existing.last_name != last_name
                    || existing.email != email
                    || existing.phone != record.phone
                    || existing.occupancy != occupancy;
                if !changed {
                    run.counts.unchanged += 1;
                    return None;
                }
                existing.first_name = first_name;
                existing.last_name = last_name;
                existing.email = email;
                existing.phone = record.phone;
                existing.occupancy = occupancy;
                existing.updated_at = now;
                Some((existing, Decision::of_change(was_past, phase)))
            }
            None => match phase {
                // Someone who already left: nothing to import.
                OccupancyPhase::Past => {
                    run.counts.unchanged += 1;
                    None
                }
                OccupancyPhase::Future if !self.property.settings.future_resident_sync => {
                    run.counts.deferred += 1;
                    None
                }
                _ => {
                    let who = Arrival {
                        first_name,
                        last_name,
                        email,
                        phone: record.phone,
                        occupancy,
                    };
                    let r = Resident::from_pms(&self.property, who, ext, self.today, now);
                    Some((r, Decision::Create))
                }
            },
        }
    }

    /// A record listed without names or contact details: only its unit, role and dates count,
    /// for a resident already known; nobody is created from it.
    fn decide_dates_only(
        &mut self,
        c: &Concierge,
        record: PmsResident,
        run: &mut SyncRun,
    ) -> Option<(Resident, Decision)> {
        let ext = record.external.clone();
        let occupancy = self.occupancy(&record, run)?;
        let phase = occupancy.phase(self.today);
        let Some(mut existing) = self.residents.get(&ext).cloned() else {
            if phase == OccupancyPhase::Past {
                // Someone who already left: nothing to import.
                run.counts.unchanged += 1;
            } else {
                fail(
                    run,
                    SyncErrorKind::InvalidName,
                    Some(ext),
                    Some("name"),
                    "the PMS listed this resident without their names".into(),
                );
            }
            return None;
        };
        if existing.occupancy == occupancy {
            run.counts.unchanged += 1;
            return None;
        }
        let was_past = existing.occupancy.phase(self.today) == OccupancyPhase::Past;
        existing.occupancy = occupancy;
        existing.updated_at = c.now();
        Some((existing, Decision::of_change(was_past, phase)))
    }

    /// The occupancy a record describes, or `None` (a sync error) when its dates or unit are
    /// wrong.
    fn occupancy(&self, record: &PmsResident, run: &mut SyncRun) -> Option<Occupancy> {
        let ext = &record.external;
        if let (Some(inn), Some(out)) = (record.move_in, record.move_out)
            && out < inn
        {
            fail(
                run,
                SyncErrorKind::InvalidDates,
                Some(ext.clone()),
                Some("move_out"),
                "the move-out date is before the move-in date".into(),
            );
            return None;
        }
        let Some(unit) = self.units.get(&record.unit.id) else {
            fail(
                run,
                SyncErrorKind::UnitNotFound,
                Some(ext.clone()),
                Some("unit"),
                format!("unit {} is not one of the property's units", record.unit.id),
            );
            return None;
        };
        Some(Occupancy {
            unit_id: unit.id.clone(),
            role: record.role,
            move_in: record.move_in,
            move_out: record.move_out,
        })
    }

    /// Applies what the date alone changed since the last run: a future resident whose move-in
    /// date arrived gets mobile access if the property grants it automatically (R-PMS-2, R-PMS-3);
    /// a resident whose move-out date passed loses access and keys (R-PMS-8).
    async fn apply_dates(&mut self, c: &Concierge, out: &mut Vec<Change>) -> Result<()> {
        let auto_grant = self.property.settings.auto_grant_mobile_access;
        let mut touched = Vec::new();
        for r in self.residents.values() {
            if self.withdrawn.contains(&r.id) {
                continue;
            }
            let phase = r.occupancy.phase(self.today);
            let granted = matches!(r.mobile_access, MobileAccess::Granted { .. });
            let needs_grant = phase == OccupancyPhase::Current && auto_grant && !granted;
            // Only residents whose move-out date passed since the previous run can still hold
            // keys the sync has not cancelled.
            let recently_past = phase == OccupancyPhase::Past
                && self
                    .previous_day
                    .is_none_or(|d| r.occupancy.move_out.is_some_and(|out| out >= d));
            let live_keys = recently_past
                && !c
                    .inner
                    .store
                    .list_keys(&KeyQuery::new(
                        Some(&KeyHolder::Resident(r.id.clone())),
                        Some(&r.occupancy.unit_id),
                    ))
                    .await?
                    .iter()
                    .all(|k| !k.state.is_live());
            let needs_withdraw = phase == OccupancyPhase::Past && (granted || live_keys);
            if needs_grant || needs_withdraw {
                touched.push((r.clone(), needs_grant));
            }
        }
        for (mut r, grant) in touched {
            if grant {
                r.mobile_access = MobileAccess::Granted { at: c.now() };
            }
            // A past resident's access is withdrawn as the change is staged.
            self.stage(c, r, None, out).await?;
        }
        Ok(())
    }

    /// After a complete full listing: PMS residents it did not list are moved out (R-PMS-1).
    /// Manual and strata residents, and spare holders, are not PMS residents and stay (R-PMS-7).
    async fn move_out_unlisted(&mut self, c: &Concierge, out: &mut Vec<Change>) -> Result<()> {
        let gone: Vec<Resident> = self
            .residents
            .values()
            .filter(|r| {
                !self
                    .seen
                    .contains(r.external.as_ref().expect("pms resident"))
                    && r.occupancy.phase(self.today) != OccupancyPhase::Past
            })
            .cloned()
            .collect();
        for mut r in gone {
            if r.occupancy.phase(self.today) == OccupancyPhase::Future {
                // A lease cancelled before the move-in: they never move in.
                r.occupancy.move_in = Some(self.today);
            }
            r.occupancy.move_out = Some(self.today);
            r.updated_at = c.now();
            self.stage(c, r, Some(Decision::MoveOut), out).await?;
        }
        Ok(())
    }
}

/// What a PMS record means for its resident, counted once the write is committed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Decision {
    /// A new resident.
    Create,
    /// A changed resident who still lives there (or will).
    Update,
    /// A resident the PMS now shows as gone.
    MoveOut,
}

impl Decision {
    /// A known resident's change: a move-out if it takes them from living there (or about to)
    /// to gone, else an update.
    fn of_change(was_past: bool, phase: OccupancyPhase) -> Self {
        if phase == OccupancyPhase::Past && !was_past {
            Decision::MoveOut
        } else {
            Decision::Update
        }
    }

    pub(super) fn count(self, run: &mut SyncRun) {
        match self {
            Decision::Create => run.counts.created += 1,
            Decision::Update => run.counts.updated += 1,
            Decision::MoveOut => run.counts.moved_out += 1,
        }
    }
}

/// A property's units from the PMS, by their id there.
async fn units_by_external(c: &Concierge, property: &Property) -> Result<HashMap<String, Unit>> {
    Ok(c.inner
        .store
        .list_units(&property.id)
        .await?
        .into_iter()
        .filter_map(|u| u.external.clone().map(|e| (e.id, u)))
        .collect())
}

/// Records a sync error on the run.
pub(super) fn fail(
    run: &mut SyncRun,
    kind: SyncErrorKind,
    external: Option<ExternalRef>,
    field: Option<&str>,
    message: String,
) {
    run.counts.failed += 1;
    run.errors.push(SyncError {
        kind,
        external,
        field: field.map(str::to_owned),
        message,
    });
}
