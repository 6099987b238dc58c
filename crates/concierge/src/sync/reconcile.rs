//! A property's sync proper (R-PMS-1..5, R-PMS-8): units, then residents page by page, each
//! record validated and applied or turned into a typed error, each page committed in one batch;
//! a full listing moves out the PMS residents it no longer lists.

use super::*;

impl Concierge {
    /// The sync proper. Holds the lease.
    pub(super) async fn reconcile(
        &self,
        property: &Property,
        options: SyncOptions,
    ) -> Result<SyncRun> {
        let pms = self
            .inner
            .pms
            .clone()
            .ok_or_else(|| Error::invalid("pms", "no PMS provider is configured"))?;
        let external = property.external.clone().ok_or_else(|| {
            Error::invalid("property", "the property is not linked to a PMS property")
        })?;
        let previous = self.inner.store.latest_sync_run(&property.id).await?;
        // Runs of a property are ordered by their start, strictly, even when the clock stands
        // still (a test clock, or two runs within a microsecond).
        let started_at = match &previous {
            Some(p) => self.now().max(p.started_at + Duration::microseconds(1)),
            None => self.now(),
        };
        let mut run = SyncRun {
            id: SyncRunId::new(),
            property_id: property.id.clone(),
            started_at,
            finished_at: None,
            counts: SyncCounts::default(),
            errors: Vec::new(),
            mode: options.mode,
            aborted: None,
            version: 0,
        };
        let mut ctx = SyncContext::load(self, property, pms.as_ref(), previous.as_ref()).await?;
        let outcome = async {
            ctx.sync_units(self, &external).await?;
            let updated_since = match options.mode {
                SyncMode::Full => None,
                SyncMode::Incremental => previous
                    .as_ref()
                    .filter(|r| r.aborted.is_none())
                    .map(|r| r.started_at - INCREMENTAL_OVERLAP),
            };
            ctx.sync_residents(self, &external, updated_since, &mut run, &options)
                .await?;
            // Residents whose dates alone changed their phase (R-PMS-2, R-PMS-8).
            ctx.apply_dates(self).await?;
            if options.mode == SyncMode::Full {
                ctx.move_out_unlisted(self, &mut run).await?;
            }
            Ok::<(), Error>(())
        }
        .await;
        if let Err(e) = &outcome {
            run.aborted = Some(e.to_string());
        }
        run.finished_at = Some(self.now());
        let mut batch = Batch::new();
        batch.put(&mut run);
        self.inner.store.commit(batch).await?;
        for entry in std::mem::take(&mut ctx.queued) {
            self.deliver_inline(entry).await;
        }
        tracing::info!(property = %property.id, created = run.counts.created, updated = run.counts.updated,
            moved_out = run.counts.moved_out, failed = run.counts.failed, "sync finished");
        outcome.map(|()| run)
    }
}

/// One property's state during a sync: its units by external id, its residents by external id,
/// and what the listing has shown so far. Memory is bounded by the property, not the portfolio.
struct SyncContext<'a> {
    property: &'a Property,
    pms: &'a dyn PmsProvider,
    today: NaiveDate,
    /// The day the previous run started, if there was one.
    previous_day: Option<NaiveDate>,
    buildings: HashMap<String, Building>,
    units: HashMap<String, Unit>,
    residents: HashMap<ExternalRef, Resident>,
    seen: HashSet<ExternalRef>,
    /// (unit, email) of the residents this listing placed so far.
    claims: HashMap<(UnitId, String), ExternalRef>,
    listing_complete: bool,
    queued: Vec<OutboxEntry>,
}

impl<'a> SyncContext<'a> {
    async fn load(
        c: &Concierge,
        property: &'a Property,
        pms: &'a dyn PmsProvider,
        previous: Option<&SyncRun>,
    ) -> Result<Self> {
        let store = &c.inner.store;
        let buildings = store
            .list_buildings(&property.id)
            .await?
            .into_iter()
            .map(|b| (b.name.to_lowercase(), b))
            .collect();
        let units = store
            .list_units(&property.id)
            .await?
            .into_iter()
            .filter_map(|u| u.external.clone().map(|e| (e.id, u)))
            .collect();
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
            property,
            pms,
            today: property.today(c.now()),
            previous_day: previous.map(|r| property.today(r.started_at)),
            buildings,
            units,
            residents,
            seen: HashSet::new(),
            claims: HashMap::new(),
            listing_complete: false,
            queued: Vec::new(),
        })
    }

    /// Fetches one page, retrying a retryable failure a few times.
    async fn page<T, F, Fut>(&self, fetch: F) -> Result<Page<T>>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = ProviderResult<Page<T>>>,
    {
        let mut attempt = 1;
        loop {
            match fetch().await {
                Ok(page) => return Ok(page),
                // One retry policy: a provider that retried itself (the HTTP transport) is not
                // retried again here; one that does not (the sandbox, an adapter of one's own) is.
                Err(e) if e.retryable() && e.attempts <= 1 && attempt < PAGE_ATTEMPTS => {
                    tracing::debug!(error = %e, attempt, "page fetch failed, trying again");
                    tokio::time::sleep(std::time::Duration::from_millis(100 * u64::from(attempt)))
                        .await;
                    attempt += 1;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    async fn sync_units(&mut self, c: &Concierge, external: &ExternalRef) -> Result<()> {
        let mut cursor = None;
        loop {
            let page = self
                .page(|| {
                    self.pms.list_units(ListPmsUnitsRequest {
                        property: Some(external.clone()),
                        cursor: cursor.clone(),
                    })
                })
                .await?;
            let mut batch = Batch::new();
            for unit in page.items.into_iter().flatten() {
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
            }
            if !batch.is_empty() {
                c.inner.store.commit(batch).await?;
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => return Ok(()),
            }
        }
    }

    async fn sync_residents(
        &mut self,
        c: &Concierge,
        external: &ExternalRef,
        updated_since: Option<chrono::DateTime<chrono::Utc>>,
        run: &mut SyncRun,
        options: &SyncOptions,
    ) -> Result<()> {
        let holder = c.inner.instance_id.as_str();
        let mut renewed = std::time::Instant::now();
        let mut cursor = None;
        loop {
            let page = self
                .page(|| {
                    self.pms.list_residents(ListPmsResidentsRequest {
                        property: Some(external.clone()),
                        updated_since,
                        cursor: cursor.clone(),
                    })
                })
                .await?;
            run.counts.pages += 1;
            let mut changes: Vec<(Resident, Decision)> = Vec::new();
            for item in page.items {
                run.counts.seen += 1;
                match item {
                    Err(e) => fail(
                        run,
                        SyncErrorKind::UnreadableRecord,
                        e.external,
                        None,
                        e.message,
                    ),
                    Ok(record) => {
                        if let Some(change) = self.apply_record(c, record, run) {
                            changes.push(change);
                        }
                    }
                }
            }
            self.commit_changes(c, changes, run).await?;
            if let Some(progress) = &options.progress {
                progress(&SyncProgress { counts: run.counts });
            }
            // Keep the lease while the sync runs: renewed once a third of it has passed (each
            // renewal is a durable write).
            if renewed.elapsed() > LEASE_RENEW_AFTER {
                if !c
                    .inner
                    .store
                    .try_acquire_lease(&self.property.id, holder, c.now(), LEASE_TTL)
                    .await?
                {
                    return Err(Error::conflict(
                        ConflictKind::LeaseHeld,
                        "the sync lost its lease to another process",
                    ));
                }
                renewed = std::time::Instant::now();
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => {
                    self.listing_complete = true;
                    return Ok(());
                }
            }
        }
    }

    /// Decides what one PMS record means. Returns the resident to write and the decision, if
    /// anything changed; the decision is counted once its write is committed.
    fn apply_record(
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
        if let (Some(inn), Some(out)) = (record.move_in, record.move_out)
            && out < inn
        {
            fail(
                run,
                SyncErrorKind::InvalidDates,
                Some(ext),
                Some("move_out"),
                "the move-out date is before the move-in date".into(),
            );
            return None;
        }
        let Some(unit) = self.units.get(&record.unit.id) else {
            fail(
                run,
                SyncErrorKind::UnitNotFound,
                Some(ext),
                Some("unit"),
                format!("unit {} is not one of the property's units", record.unit.id),
            );
            return None;
        };
        let occupancy = Occupancy {
            unit_id: unit.id.clone(),
            role: record.role,
            move_in: record.move_in,
            move_out: record.move_out,
        };
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
                let decision = if phase == OccupancyPhase::Past && !was_past {
                    Decision::MoveOut
                } else {
                    Decision::Update
                };
                Some((existing, decision))
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
                    let r = Resident::from_pms(self.property, who, ext, self.today, now);
                    Some((r, Decision::Create))
                }
            },
        }
    }

    /// Commits a page's changes in one batch; if the batch is refused, record by record, so one
    /// bad record becomes a sync error and the others land.
    async fn commit_changes(
        &mut self,
        c: &Concierge,
        changes: Vec<(Resident, Decision)>,
        run: &mut SyncRun,
    ) -> Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        let mut batch = Batch::new();
        let mut staged = Vec::with_capacity(changes.len());
        let mut entries = Vec::new();
        for (mut r, decision) in changes.iter().cloned() {
            if r.occupancy.phase(self.today) == OccupancyPhase::Past {
                entries.extend(c.withdraw_access(&mut r, &mut batch).await?);
            }
            batch.put(&mut r);
            staged.push((r, decision));
        }
        match c.inner.store.commit(batch).await {
            Ok(()) => {
                for (r, decision) in staged {
                    decision.count(run);
                    self.residents
                        .insert(r.external.clone().expect("pms resident"), r);
                }
                self.queued.extend(entries);
                Ok(())
            }
            Err(StoreError::Unavailable { message }) => {
                Err(Error::Store(StoreError::Unavailable { message }))
            }
            Err(_) => {
                for (mut r, decision) in changes {
                    let mut batch = Batch::new();
                    let mut entries = Vec::new();
                    if r.occupancy.phase(self.today) == OccupancyPhase::Past {
                        entries = c.withdraw_access(&mut r, &mut batch).await?;
                    }
                    batch.put(&mut r);
                    match c.inner.store.commit(batch).await {
                        Ok(()) => {
                            decision.count(run);
                            self.queued.extend(entries);
                            self.residents
                                .insert(r.external.clone().expect("pms resident"), r);
                        }
                        Err(e @ StoreError::Unavailable { .. }) => return Err(e.into()),
                        Err(e) => {
                            let kind = match &e {
                                StoreError::Constraint {
                                    constraint: concierge_core::Constraint::ResidentExternalRef,
                                    ..
                                } => SyncErrorKind::DuplicateResident,
                                _ => SyncErrorKind::ConflictingOccupancy,
                            };
                            // Not written, so not counted as created, updated or moved out.
                            fail(run, kind, r.external.clone(), None, e.to_string());
                        }
                    }
                }
                Ok(())
            }
        }
    }

    /// Applies what the date alone changed since the last run: a future resident whose move-in
    /// date arrived gets mobile access if the property grants it automatically (R-PMS-2, R-PMS-3);
    /// a resident whose move-out date passed loses access and keys (R-PMS-8).
    async fn apply_dates(&mut self, c: &Concierge) -> Result<()> {
        let mut batch = Batch::new();
        let mut touched = Vec::new();
        let auto_grant = self.property.settings.auto_grant_mobile_access;
        for r in self.residents.values() {
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
            } else {
                self.queued
                    .extend(c.withdraw_access(&mut r, &mut batch).await?);
            }
            batch.put(&mut r);
            self.residents
                .insert(r.external.clone().expect("pms resident"), r);
        }
        if !batch.is_empty() {
            c.inner.store.commit(batch).await?;
        }
        Ok(())
    }

    /// After a complete full listing: PMS residents it did not list are moved out (R-PMS-1).
    /// Manual and strata residents, and spare holders, are not PMS residents and stay (R-PMS-7).
    async fn move_out_unlisted(&mut self, c: &Concierge, run: &mut SyncRun) -> Result<()> {
        if !self.listing_complete {
            return Ok(());
        }
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
        for chunk in gone.chunks(200) {
            let mut batch = Batch::new();
            for r in chunk {
                let mut r = r.clone();
                if r.occupancy.phase(self.today) == OccupancyPhase::Future {
                    // A lease cancelled before the move-in: they never move in.
                    r.occupancy.move_in = Some(self.today);
                }
                r.occupancy.move_out = Some(self.today);
                if r.occupancy.phase(self.today) == OccupancyPhase::Past {
                    self.queued
                        .extend(c.withdraw_access(&mut r, &mut batch).await?);
                }
                r.updated_at = c.now();
                batch.put(&mut r);
                run.counts.moved_out += 1;
                self.residents
                    .insert(r.external.clone().expect("pms resident"), r);
            }
            c.inner.store.commit(batch).await?;
        }
        Ok(())
    }
}

/// What a PMS record means for its resident, counted once the write is committed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Decision {
    /// A new resident.
    Create,
    /// A changed resident who still lives there (or will).
    Update,
    /// A resident the PMS now shows as gone.
    MoveOut,
}

impl Decision {
    fn count(self, run: &mut SyncRun) {
        match self {
            Decision::Create => run.counts.created += 1,
            Decision::Update => run.counts.updated += 1,
            Decision::MoveOut => run.counts.moved_out += 1,
        }
    }
}

fn fail(
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
