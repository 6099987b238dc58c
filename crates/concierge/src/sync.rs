//! The PMS resident sync (R-PMS-1..8), manual move-out and spare key holders.
//!
//! A sync reconciles one property with its PMS: units first (a building per `building_name`),
//! then residents, page by page, each page committed in one batch. Every record that cannot be
//! applied becomes a typed [`SyncError`] and the rest carries on (R-PMS-5). Future residents are
//! imported as future (phase derived from the dates) when the property asks for it, and not
//! before their move-in date otherwise (R-PMS-2). A full listing moves out the PMS residents it no
//! longer lists; an incremental pull never does. Manual residents and spare holders are never
//! touched (R-PMS-7). A moved-out resident loses mobile access and their keys are cancelled
//! through the outbox (R-PMS-8).
//!
//! One sync of a property at a time (R-PMS-6): a trigger while one runs in this process joins
//! it; across processes sharing PostgreSQL, the per-property lease decides and a second trigger
//! waits for the running sync's result.

use crate::{Concierge, Listing, PageRequest};
use chrono::{Duration, NaiveDate};
use concierge_core::validate::Checks;
use concierge_core::*;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use tokio::sync::watch;

/// How long a sync's lease lasts without renewal; it is renewed after every page.
const LEASE_TTL: Duration = Duration::minutes(5);
/// How long a sync goes between renewals of its lease (a third of its life).
const LEASE_RENEW_AFTER: std::time::Duration = std::time::Duration::from_secs(100);
/// How far an incremental pull reaches back before the previous run's start.
const INCREMENTAL_OVERLAP: Duration = Duration::minutes(5);
/// How often a page fetch that failed with a retryable error is tried again by the engine
/// (on top of the transport's own retries).
const PAGE_ATTEMPTS: u32 = 3;

/// What a sync reports as it goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncProgress {
    /// Counts so far.
    pub counts: SyncCounts,
}

/// Called after every page of a sync.
pub type ProgressFn = Arc<dyn Fn(&SyncProgress) + Send + Sync>;

/// How to sync.
#[derive(Clone, Default)]
pub struct SyncOptions {
    /// Full listing (the default) or incremental pull.
    pub mode: SyncMode,
    /// Progress callback.
    pub progress: Option<ProgressFn>,
}

impl std::fmt::Debug for SyncOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncOptions")
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

/// The result of a sync trigger.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct SyncReport {
    /// The run: counts and errors.
    pub run: SyncRun,
    /// Whether this trigger joined a sync that was already running instead of starting one.
    pub joined: bool,
}

/// What a running sync hands to the triggers that joined it.
type Outcome = Option<Result<SyncRun, Arc<Error>>>;

/// Syncs running in this process, by property: later triggers wait on the channel.
pub(crate) type Running = std::sync::Mutex<HashMap<PropertyId, watch::Receiver<Outcome>>>;

enum Start {
    Run(watch::Sender<Outcome>),
    Join(watch::Receiver<Outcome>),
}

/// A property's in-process join entry, held by the sync that made it: dropping it (the sync's
/// future dropped mid-way) or finishing it removes the entry, so no later trigger joins a sync
/// that is gone.
struct RunningEntry<'a> {
    concierge: &'a Concierge,
    property: &'a PropertyId,
    /// The sender of the entry's channel, until [`RunningEntry::finish`] takes it.
    tx: Option<watch::Sender<Outcome>>,
}

impl RunningEntry<'_> {
    /// Removes the entry and hands back the sender, for the result.
    fn finish(mut self) -> watch::Sender<Outcome> {
        self.remove();
        self.tx.take().expect("an entry is finished once")
    }

    /// Removes the entry if it is still this sync's.
    fn remove(&self) {
        let Some(tx) = &self.tx else { return };
        let mut running = self
            .concierge
            .inner
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if running
            .get(self.property)
            .is_some_and(|rx| rx.same_channel(&tx.subscribe()))
        {
            running.remove(self.property);
        }
    }
}

impl Drop for RunningEntry<'_> {
    fn drop(&mut self) {
        self.remove();
    }
}

impl Concierge {
    /// The properties the configured PMS has, to link ours to (Integrations, read).
    pub async fn list_pms_properties(&self, admin: &Admin) -> Result<Vec<PmsProperty>> {
        self.authorize(
            admin,
            Permission::Integrations,
            AccessLevel::Read,
            "list_pms_properties",
        )?;
        let pms = self
            .inner
            .pms
            .clone()
            .ok_or_else(|| Error::invalid("pms", "no PMS provider is configured"))?;
        let mut out = Vec::new();
        let mut cursor = None;
        loop {
            let page = pms
                .list_properties(ListPmsPropertiesRequest { cursor })
                .await?;
            out.extend(page.items.into_iter().flatten());
            match page.next {
                Some(next) => cursor = Some(next),
                None => return Ok(out),
            }
        }
    }

    /// Links a property to its record in the configured PMS, so syncs can run (R-PMS-1).
    /// Integrations, full.
    pub async fn link_pms_property(
        &self,
        admin: &Admin,
        property_id: &PropertyId,
        pms_property_id: &str,
    ) -> Result<Property> {
        self.authorize(
            admin,
            Permission::Integrations,
            AccessLevel::Full,
            "link_pms_property",
        )?;
        let mut checks = Checks::new();
        let pms_property_id = checks.label("pms_property_id", pms_property_id);
        checks.finish()?;
        let pms = self
            .inner
            .pms
            .clone()
            .ok_or_else(|| Error::invalid("pms", "no PMS provider is configured"))?;
        pms.check_property_id(&pms_property_id)
            .map_err(|rule| Error::invalid("pms_property_id", rule))?;
        let external = ExternalRef::new(pms.name(), pms_property_id);
        let others = self.inner.store.list_properties().await?;
        if let Some(other) = others
            .iter()
            .find(|p| p.external.as_ref() == Some(&external) && &p.id != property_id)
        {
            return Err(Error::conflict_with(
                ConflictKind::AlreadyExists,
                format!("PMS property {external} is already linked to {}", other.id),
                &other.id,
            ));
        }
        self.retry_concurrent(|| async {
            let mut property: Property = self.inner.store.load(property_id.as_str()).await?;
            property.external = Some(external.clone());
            let mut batch = Batch::new();
            batch.put(&mut property);
            self.inner.store.commit(batch).await?;
            Ok(property)
        })
        .await
    }

    /// Syncs a property with its PMS now: a full listing (R-PMS-6). Integrations, full.
    /// Joins the sync of that property already running, if any.
    pub async fn sync_now(&self, admin: &Admin, property_id: &PropertyId) -> Result<SyncReport> {
        self.sync_property(admin, property_id, SyncOptions::default())
            .await
    }

    /// Syncs a property with its PMS with `options`. Integrations, full.
    pub async fn sync_property(
        &self,
        admin: &Admin,
        property_id: &PropertyId,
        options: SyncOptions,
    ) -> Result<SyncReport> {
        self.authorize(
            admin,
            Permission::Integrations,
            AccessLevel::Full,
            "sync_now",
        )?;
        self.sync_unchecked(property_id, options).await
    }

    /// One page of the typed errors of the property's latest sync (R-PMS-5), in the order the
    /// sync found them. Residence, read.
    ///
    /// The errors live inside the sync run record, which is read whole, so this pages in memory
    /// (a run holds at most one error per PMS record). The cursor names the run it belongs to:
    /// once a newer run replaced the list, an old cursor is refused on `cursor`.
    pub async fn sync_errors(
        &self,
        admin: &Admin,
        property_id: &PropertyId,
        page: PageRequest,
    ) -> Result<Listing<SyncError>> {
        self.authorize(
            admin,
            Permission::Residence,
            AccessLevel::Read,
            "sync_errors",
        )?;
        match self.latest_run(property_id).await? {
            Some(run) => page.page_in_memory(run.errors, run.id.as_str()),
            None => page.page_in_memory(Vec::new(), SyncRunId::PREFIX),
        }
    }

    /// The property's latest sync run. Residence, read.
    pub async fn last_sync(
        &self,
        admin: &Admin,
        property_id: &PropertyId,
    ) -> Result<Option<SyncRun>> {
        self.authorize(admin, Permission::Residence, AccessLevel::Read, "last_sync")?;
        self.latest_run(property_id).await
    }

    async fn latest_run(&self, property_id: &PropertyId) -> Result<Option<SyncRun>> {
        let property: Property = self.inner.store.load(property_id.as_str()).await?;
        Ok(self.inner.store.latest_sync_run(&property.id).await?)
    }

    /// Runs the sync of every PMS-linked property whose interval has passed since its last run
    /// (4 hours by default, per property). The scheduler calls this; call it yourself from a
    /// job runner if you prefer. Acts as the system, not as an admin. A property whose sync
    /// failed is reported with its run, whose `aborted` says why.
    pub async fn run_due_syncs(&self) -> Result<Vec<SyncReport>> {
        self.ensure_open()?;
        let now = self.now();
        let mut reports = Vec::new();
        for property in self.inner.store.list_properties().await? {
            if property.external.is_none() {
                continue;
            }
            let due = match self.inner.store.latest_sync_run(&property.id).await? {
                None => true,
                Some(run) => run.started_at + property.settings.sync_interval <= now,
            };
            if due {
                match self
                    .sync_unchecked(&property.id, SyncOptions::default())
                    .await
                {
                    Ok(report) => reports.push(report),
                    Err(e) => {
                        tracing::warn!(property = %property.id, error = %e, "scheduled sync failed");
                        if let Some(run) = self.inner.store.latest_sync_run(&property.id).await?
                            && run.aborted.is_some()
                        {
                            reports.push(SyncReport { run, joined: false });
                        }
                    }
                }
            }
        }
        Ok(reports)
    }

    /// Starts a background task that calls [`Concierge::run_due_syncs`],
    /// [`Concierge::run_due_strata_syncs`] and (with an intercom)
    /// [`Concierge::reconcile_visitor_passes`] every `every` of real
    /// time until the handle is closed or the returned handle is dropped or stopped.
    pub fn spawn_scheduler(&self, every: std::time::Duration) -> SchedulerHandle {
        let concierge = self.clone();
        let task = tokio::spawn(async move {
            let mut ticker = tokio::time::interval(every);
            loop {
                ticker.tick().await;
                if concierge.is_closed() {
                    break;
                }
                if let Err(e) = concierge.run_due_syncs().await {
                    tracing::warn!(error = %e, "scheduler tick failed");
                }
                if let Err(e) = concierge.run_due_strata_syncs().await {
                    tracing::warn!(error = %e, "scheduler tick failed (strata)");
                }
                if concierge.inner.intercom.is_some()
                    && let Err(e) = concierge.reconcile_visitor_passes().await
                {
                    tracing::warn!(error = %e, "scheduler tick failed (visitor passes)");
                }
            }
        });
        SchedulerHandle { task }
    }

    /// Moves a resident out on `on` (today when `None`): their occupancy ends, mobile access is
    /// withdrawn and their keys for the unit are cancelled through the outbox (R-PMS-8).
    /// Residence, full.
    pub async fn move_out(
        &self,
        admin: &Admin,
        resident_id: &ResidentId,
        on: Option<NaiveDate>,
    ) -> Result<Resident> {
        self.authorize(admin, Permission::Residence, AccessLevel::Full, "move_out")?;
        let (resident, entries) = self
            .retry_concurrent(|| async {
                let mut resident: Resident = self.inner.store.load(resident_id.as_str()).await?;
                let today = self.property_today(&resident.property_id).await?;
                let date = on.unwrap_or(today);
                if let Some(move_in) = resident.occupancy.move_in
                    && date < move_in
                {
                    return Err(Error::invalid(
                        "move_out",
                        "must not be before the move-in date",
                    ));
                }
                if resident.occupancy.move_out.is_some_and(|d| d <= today) {
                    return Err(Error::conflict(
                        ConflictKind::WrongState,
                        format!("{} already moved out", resident.full_name()),
                    ));
                }
                let mut batch = Batch::new();
                resident.occupancy.move_out = Some(date);
                let entries = if date <= today {
                    self.withdraw_access(&mut resident, &mut batch).await?
                } else {
                    vec![]
                };
                resident.updated_at = self.now();
                batch.put(&mut resident);
                self.inner.store.commit(batch).await?;
                Ok((resident, entries))
            })
            .await?;
        for entry in entries {
            self.deliver_inline(entry).await;
        }
        Ok(resident)
    }

    /// Adds a named spare key holder to a unit (R-PMS-7): a first-class holder of the unit's
    /// spare key, never a fake resident, never moved out by a sync. Residence, full.
    pub async fn add_spare_holder(
        &self,
        admin: &Admin,
        unit_id: &UnitId,
        label: &str,
    ) -> Result<SpareHolder> {
        self.authorize(
            admin,
            Permission::Residence,
            AccessLevel::Full,
            "add_spare_holder",
        )?;
        let mut checks = Checks::new();
        let label = checks.label("label", label);
        checks.finish()?;
        let unit: Unit = self.inner.store.load(unit_id.as_str()).await?;
        let mut spare = SpareHolder {
            id: SpareHolderId::new(),
            unit_id: unit.id,
            label,
            version: 0,
        };
        let mut batch = Batch::new();
        batch.put(&mut spare);
        self.inner.store.commit(batch).await?;
        Ok(spare)
    }

    /// One page of a unit's spare key holders, ordered by id. Residence, read. A unit has a
    /// handful, so the store reads them all and this pages in memory, by id.
    pub async fn list_spare_holders(
        &self,
        admin: &Admin,
        unit_id: &UnitId,
        page: PageRequest,
    ) -> Result<Listing<SpareHolder>> {
        self.authorize(
            admin,
            Permission::Residence,
            AccessLevel::Read,
            "list_spare_holders",
        )?;
        let (limit, after) = page.keyset::<SpareHolderId>(SpareHolderId::PREFIX)?;
        let unit: Unit = self.inner.store.load(unit_id.as_str()).await?;
        let spares: Vec<SpareHolder> = self
            .inner
            .store
            .list_spare_holders(&unit.id)
            .await?
            .into_iter()
            .filter(|s| after.as_ref().is_none_or(|a| &s.id > a))
            .take(limit + 1)
            .collect();
        Ok(Listing::keyset(spares, limit, |s| s.id.to_string()))
    }

    /// Ends mobile access and queues the cancellation of the resident's live keys for their
    /// unit and the revocation of the visitor passes for visits to them; returns the outbox entries added to `batch`.
    async fn withdraw_access(
        &self,
        resident: &mut Resident,
        batch: &mut Batch,
    ) -> Result<Vec<OutboxEntry>> {
        resident.mobile_access = MobileAccess::NotGranted;
        let holder = KeyHolder::Resident(resident.id.clone());
        let mut entries = Vec::new();
        for mut key in self
            .inner
            .store
            .list_keys(&KeyQuery::new(
                Some(&holder),
                Some(&resident.occupancy.unit_id),
            ))
            .await?
        {
            if !key.state.is_live() {
                continue;
            }
            key.state = KeyState::Cancelled;
            batch.put(&mut key);
            if let Some(mut entry) =
                crate::keys::cancel_key_entry(&resident.property_id, &key, self.now())
            {
                batch.put(&mut entry);
                entries.push(entry);
            }
        }
        // Visitor passes for visits to the resident end with the occupancy.
        let (passes, revocations) = self.revoke_passes_of(resident, self.now()).await?;
        for mut pass in passes {
            batch.put(&mut pass);
        }
        for mut entry in revocations {
            batch.put(&mut entry);
            entries.push(entry);
        }
        Ok(entries)
    }

    /// Decides whether this trigger runs the sync or joins the one running in this process.
    fn start_or_join(&self, property: &PropertyId) -> Start {
        let mut running = self.inner.running.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(rx) = running.get(property) {
            return Start::Join(rx.clone());
        }
        let (tx, rx) = watch::channel(None);
        running.insert(property.clone(), rx);
        Start::Run(tx)
    }

    /// The sync without the permission check: used by `sync_now` and the scheduler.
    pub(crate) async fn sync_unchecked(
        &self,
        property_id: &PropertyId,
        options: SyncOptions,
    ) -> Result<SyncReport> {
        self.ensure_open()?;
        let tx = match self.start_or_join(property_id) {
            Start::Join(mut rx) => {
                let outcome = rx.wait_for(Option::is_some).await.map_err(|_| {
                    Error::conflict(
                        ConflictKind::SyncInterrupted,
                        "the running sync this trigger joined stopped without a result",
                    )
                })?;
                // The joined sync's result is this trigger's result, failure included.
                return match outcome.as_ref() {
                    Some(Ok(run)) => Ok(SyncReport {
                        run: run.clone(),
                        joined: true,
                    }),
                    Some(Err(e)) => Err(Error::clone(e)),
                    None => Err(Error::conflict(
                        ConflictKind::SyncInterrupted,
                        "the joined sync left no result",
                    )),
                };
            }
            Start::Run(tx) => tx,
        };
        // Removed when this sync ends however it ends: with a result, or with its caller giving
        // up on the future (a timeout, an aborted task, a stopped scheduler). Joiners of a
        // dropped sync are told it stopped without a result; later triggers start afresh.
        let entry = RunningEntry {
            concierge: self,
            property: property_id,
            tx: Some(tx),
        };
        let result = self.sync_leased(property_id, options).await;
        let tx = entry.finish();
        match result {
            Ok(report) => {
                tx.send_replace(Some(Ok(report.run.clone())));
                Ok(report)
            }
            Err(e) => {
                tx.send_replace(Some(Err(Arc::new(e.clone()))));
                Err(e)
            }
        }
    }

    /// Takes the property's lease (across processes), or waits for the holder's run.
    async fn sync_leased(
        &self,
        property_id: &PropertyId,
        options: SyncOptions,
    ) -> Result<SyncReport> {
        let property: Property = self.inner.store.load(property_id.as_str()).await?;
        let holder = self.inner.instance_id.as_str();
        let before = self
            .inner
            .store
            .latest_sync_run(&property.id)
            .await?
            .map(|r| r.id);
        let deadline = std::time::Instant::now() + LEASE_TTL.to_std().unwrap_or_default();
        loop {
            // Another process finished a run since this trigger: that run answers it. Checked
            // before the lease, which the other process frees only after committing its run.
            if let Some(run) = self.inner.store.latest_sync_run(&property.id).await?
                && Some(&run.id) != before.as_ref()
                && run.finished_at.is_some()
            {
                return Ok(SyncReport { run, joined: true });
            }
            if self
                .inner
                .store
                .try_acquire_lease(&property.id, holder, self.now(), LEASE_TTL)
                .await?
            {
                break;
            }
            if std::time::Instant::now() > deadline {
                let held = self.inner.store.lease_holder(&property.id).await?;
                let message = format!(
                    "property {} is being synced by another process{}",
                    property.id,
                    held.as_ref()
                        .map(|(holder, until)| format!(" ({holder}, lease until {until})"))
                        .unwrap_or_default()
                );
                return Err(Error::Conflict {
                    kind: ConflictKind::LeaseHeld,
                    message,
                    existing_id: held.as_ref().map(|(holder, _)| holder.clone()),
                    until: held.map(|(_, until)| until),
                });
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let result = self.reconcile(&property, options).await;
        let _ = self.inner.store.release_lease(&property.id, holder).await;
        result.map(|run| SyncReport { run, joined: false })
    }

    /// The sync proper. Holds the lease.
    async fn reconcile(&self, property: &Property, options: SyncOptions) -> Result<SyncRun> {
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

/// A handle on the scheduler task; dropping it stops the scheduler.
#[derive(Debug)]
pub struct SchedulerHandle {
    task: tokio::task::JoinHandle<()>,
}

impl SchedulerHandle {
    /// Stops the scheduler.
    pub fn stop(self) {
        self.task.abort();
    }
}

impl Drop for SchedulerHandle {
    fn drop(&mut self) {
        self.task.abort();
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
                Err(e) if e.retryable() && attempt < PAGE_ATTEMPTS => {
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
            let mut changes: Vec<Resident> = Vec::new();
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
                        if let Some(resident) = self.apply_record(c, record, run) {
                            changes.push(resident);
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

    /// Decides what one PMS record means. Returns the resident to write, if anything changed.
    fn apply_record(
        &mut self,
        c: &Concierge,
        record: PmsResident,
        run: &mut SyncRun,
    ) -> Option<Resident> {
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
                if phase == OccupancyPhase::Past && !was_past {
                    run.counts.moved_out += 1;
                } else {
                    run.counts.updated += 1;
                }
                Some(existing)
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
                    run.counts.created += 1;
                    let grant = phase == OccupancyPhase::Current
                        && self.property.settings.auto_grant_mobile_access;
                    Some(Resident {
                        id: ResidentId::new(),
                        property_id: self.property.id.clone(),
                        first_name,
                        last_name,
                        email,
                        phone: record.phone,
                        occupancy,
                        source: ResidentSource::Pms,
                        external: Some(ext),
                        account: Account::new(),
                        mobile_access: if grant {
                            MobileAccess::Granted { at: now }
                        } else {
                            MobileAccess::NotGranted
                        },
                        amenities: Vec::new(),
                        user_types: Default::default(),
                        created_at: now,
                        updated_at: now,
                        version: 0,
                    })
                }
            },
        }
    }

    /// Commits a page's changes in one batch; if the batch is refused, record by record, so one
    /// bad record becomes a sync error and the others land.
    async fn commit_changes(
        &mut self,
        c: &Concierge,
        changes: Vec<Resident>,
        run: &mut SyncRun,
    ) -> Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        let mut batch = Batch::new();
        let mut staged = Vec::with_capacity(changes.len());
        let mut entries = Vec::new();
        for mut r in changes.iter().cloned() {
            if r.occupancy.phase(self.today) == OccupancyPhase::Past {
                entries.extend(c.withdraw_access(&mut r, &mut batch).await?);
            }
            batch.put(&mut r);
            staged.push(r);
        }
        match c.inner.store.commit(batch).await {
            Ok(()) => {
                for r in staged {
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
                for mut r in changes {
                    let mut batch = Batch::new();
                    let mut entries = Vec::new();
                    if r.occupancy.phase(self.today) == OccupancyPhase::Past {
                        entries = c.withdraw_access(&mut r, &mut batch).await?;
                    }
                    batch.put(&mut r);
                    match c.inner.store.commit(batch).await {
                        Ok(()) => {
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
                            if r.version == 1 {
                                run.counts.created = run.counts.created.saturating_sub(1);
                            } else {
                                run.counts.updated = run.counts.updated.saturating_sub(1);
                            }
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
