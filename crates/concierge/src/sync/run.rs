//! A sync run over one property or many (their leases already held): each PMS resource read
//! once for all of them, in as few pages as the provider allows, with the next page fetched
//! while the current one is applied; records routed to their property, one property's state in
//! memory at a time; each page's changes committed in one transaction; every property's run
//! record written together at the end.
//!
//! Per-property semantics stay: each property has its own run, counts and errors, and moves out
//! only after its own complete full listing. A failed fetch aborts the properties the listing
//! had not finished; the others keep their results.

use super::reconcile::{Change, SyncContext, UnitsContext, fail};
use super::*;
use futures_util::future::try_join_all;
use tokio::sync::mpsc;

/// How many run records one transaction writes at the end of a run.
const RUNS_PER_COMMIT: usize = 500;

/// A property in a run.
struct Slot {
    /// The property's record in the PMS. A run over many properties holds no property's record
    /// (the id is the run's): each is read when the listing reaches it, so memory follows the
    /// properties being listed, not the portfolio.
    external: Option<ExternalRef>,
    previous: Option<Previous>,
    run: SyncRun,
    /// Where its listing stands.
    state: SlotState,
}

/// What a run needs of its property's previous run (not the run itself, with its errors).
#[derive(Clone, Copy, Debug)]
pub(super) struct Previous {
    pub(super) started_at: DateTime<Utc>,
    aborted: bool,
}

impl Slot {
    fn waiting(&self) -> bool {
        matches!(self.state, SlotState::Waiting)
    }
}

#[derive(Clone, Debug)]
enum SlotState {
    /// Not listed yet.
    Waiting,
    /// The listing passed it: its run is complete.
    Done,
    /// Its sync stopped: why.
    Aborted(Error),
}

impl Concierge {
    /// Syncs `properties`, whose leases this process holds, with the PMS: one result per
    /// property, in order, each run committed (an aborted run too, with why).
    pub(super) async fn run_sync(
        &self,
        properties: Vec<Property>,
        options: &SyncOptions,
    ) -> Result<Vec<Result<SyncRun>>> {
        let pms = self.configured_pms()?;
        let mut previous_runs: Vec<Option<SyncRun>> = Vec::with_capacity(properties.len());
        for some in properties.chunks(LOADS_AT_ONCE) {
            let reads = some.iter().map(|p| self.inner.store.latest_sync_run(&p.id));
            previous_runs.extend(try_join_all(reads).await?);
        }
        let mut slots = Vec::with_capacity(properties.len());
        for (property, previous) in properties.into_iter().zip(previous_runs) {
            // Runs of a property are ordered by their start, strictly, even when the clock
            // stands still (a test clock, or two runs within a microsecond).
            let started_at = match &previous {
                Some(p) => self.now().max(p.started_at + Duration::microseconds(1)),
                None => self.now(),
            };
            let run = SyncRun {
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
            let state = match property.external {
                Some(_) => SlotState::Waiting,
                None => SlotState::Aborted(Error::invalid(
                    "property",
                    "the property is not linked to a PMS property",
                )),
            };
            slots.push(Slot {
                external: property.external,
                previous: previous.map(|r| Previous {
                    started_at: r.started_at,
                    aborted: r.aborted.is_some(),
                }),
                run,
                state,
            });
        }
        // One listing per starting point: a full listing, or an incremental pull from the
        // earliest point its properties need (a later one for some only repeats records
        // they already have, which change nothing).
        let mut listings: Vec<(Option<DateTime<Utc>>, Vec<usize>)> = Vec::new();
        for (i, slot) in slots.iter().enumerate() {
            if !slot.waiting() {
                continue;
            }
            let since = match options.mode {
                SyncMode::Full => None,
                SyncMode::Incremental => slot
                    .previous
                    .filter(|r| !r.aborted)
                    .map(|r| r.started_at - INCREMENTAL_OVERLAP),
            };
            match listings
                .iter_mut()
                .find(|(s, _)| s.is_some() == since.is_some())
            {
                Some((s, members)) => {
                    *s = (*s).min(since);
                    members.push(i);
                }
                None => listings.push((since, vec![i])),
            }
        }
        let mut queued = Vec::new();
        let mut run = Run {
            concierge: self,
            pms,
            slots: &mut slots,
            options,
            queued: &mut queued,
            renewed: std::time::Instant::now(),
        };
        let per_listing = run.pms.properties_per_listing().max(1);
        for (since, members) in listings {
            for chunk in members.chunks(per_listing) {
                if let Err(e) = run.listing(chunk, since).await {
                    tracing::warn!(error = %e, "sync listing failed");
                    for &i in chunk {
                        if run.slots[i].waiting() {
                            run.slots[i].state = SlotState::Aborted(e.clone());
                        }
                    }
                }
            }
        }
        self.commit_runs(&mut slots).await?;
        for entry in queued {
            self.deliver_inline(entry).await;
        }
        Ok(slots
            .into_iter()
            .map(|slot| {
                let run = slot.run;
                tracing::info!(property = %run.property_id, created = run.counts.created,
                    updated = run.counts.updated, moved_out = run.counts.moved_out,
                    failed = run.counts.failed, "sync finished");
                match slot.state {
                    SlotState::Aborted(e) => Err(e),
                    _ => Ok(run),
                }
            })
            .collect())
    }

    /// Writes every run record, a few transactions for the whole run.
    async fn commit_runs(&self, slots: &mut [Slot]) -> Result<()> {
        let now = self.now();
        for chunk in slots.chunks_mut(RUNS_PER_COMMIT) {
            let mut batch = Batch::new();
            for slot in chunk {
                // A property refused before its sync began leaves no run.
                if slot.external.is_none() {
                    continue;
                }
                if let SlotState::Aborted(e) = &slot.state {
                    slot.run.aborted = Some(e.to_string());
                }
                slot.run.finished_at = Some(now);
                batch.put(&mut slot.run);
            }
            if !batch.is_empty() {
                self.inner.store.commit(batch).await?;
            }
        }
        Ok(())
    }
}

/// A run in progress.
struct Run<'a> {
    concierge: &'a Concierge,
    pms: Arc<dyn PmsProvider>,
    slots: &'a mut Vec<Slot>,
    options: &'a SyncOptions,
    /// Outbox entries committed by the run, delivered after it.
    queued: &'a mut Vec<OutboxEntry>,
    /// When the leases were last renewed.
    renewed: std::time::Instant,
}

impl Run<'_> {
    /// One listing of units then residents over `chunk` (slots), pulled from `since` if given.
    async fn listing(&mut self, chunk: &[usize], since: Option<DateTime<Utc>>) -> Result<()> {
        let c = self.concierge;
        let mut by_external: HashMap<ExternalRef, usize> = HashMap::new();
        let mut properties: Vec<ExternalRef> = Vec::new();
        for &i in chunk {
            if let Some(e) = &self.slots[i].external
                && by_external.insert(e.clone(), i).is_none()
            {
                properties.push(e.clone());
            }
        }

        // Units and buildings, one property at a time.
        let pms = self.pms.clone();
        let request = properties.clone();
        let infos = self.infos(chunk);
        let concierge = c.clone();
        let mut pages = Pages::spawn(
            move |cursor| {
                let pms = pms.clone();
                let properties = request.clone();
                async move {
                    pms.list_units(ListPmsUnitsRequest { properties, cursor })
                        .await
                }
            },
            |u: &PmsUnit| &u.property,
            by_external.clone(),
            move |slots| load_units(concierge.clone(), infos.clone(), slots),
        );
        let mut units: Option<UnitsContext> = None;
        while let Some((page, mut ready)) = pages.next().await? {
            let mut changes = Vec::new();
            for item in page.items {
                let slot = match &item {
                    Ok(unit) => by_external.get(&unit.property).copied(),
                    Err(_) => units.as_ref().map(|u| u.slot),
                }
                .unwrap_or(chunk[0]);
                match item {
                    Ok(unit) => {
                        if units.as_ref().is_none_or(|u| u.slot != slot) {
                            units = Some(match ready.remove(&slot) {
                                Some(ctx) => ctx,
                                None => {
                                    UnitsContext::load(c, slot, &self.slots[slot].run.property_id)
                                        .await?
                                }
                            });
                        }
                        if let Some(ctx) = units.as_mut() {
                            ctx.apply(unit, &mut changes);
                        }
                    }
                    Err(e) => fail(
                        &mut self.slots[slot].run,
                        SyncErrorKind::UnreadableRecord,
                        e.external,
                        Some("unit"),
                        e.message,
                    ),
                }
            }
            self.commit(changes).await?;
        }
        drop(units);

        // Residents, one property at a time: a property is finished when the listing moves on.
        let full = since.is_none() && self.options.mode == SyncMode::Full;
        let pms = self.pms.clone();
        let infos = self.infos(chunk);
        let concierge = c.clone();
        let mut pages = Pages::spawn(
            move |cursor| {
                let pms = pms.clone();
                let properties = properties.clone();
                async move {
                    pms.list_residents(ListPmsResidentsRequest {
                        properties,
                        updated_since: since,
                        cursor,
                    })
                    .await
                }
            },
            |r: &PmsResident| &r.property,
            by_external.clone(),
            {
                let infos = infos.clone();
                move |slots| load_residents(concierge.clone(), infos.clone(), slots)
            },
        );
        let mut open: Option<SyncContext> = None;
        while let Some((page, mut ready)) = pages.next().await? {
            let mut changes = Vec::new();
            let mut on_page: HashSet<usize> = HashSet::new();
            for item in page.items {
                let slot = match &item {
                    Ok(r) => by_external.get(&r.property).copied(),
                    Err(_) => open.as_ref().map(|o| o.slot),
                }
                .or_else(|| self.waiting(chunk))
                .unwrap_or(chunk[0]);
                if !self.slots[slot].waiting() {
                    // The provider listed the property again after moving on (or listed a
                    // property the run does not hold): not applied.
                    let run = &mut self.slots[slot].run;
                    run.counts.seen += 1;
                    let external = item.as_ref().ok().map(|r| r.external.clone());
                    fail(
                        run,
                        SyncErrorKind::UnreadableRecord,
                        external,
                        None,
                        "listed after the rest of its property's records; not applied".into(),
                    );
                    continue;
                }
                if open.as_ref().is_none_or(|o| o.slot != slot) {
                    if let Some(done) = open.take() {
                        self.finish(done, full, &mut changes).await?;
                    }
                    open = Some(match ready.remove(&slot) {
                        Some(ctx) => ctx,
                        None => {
                            let s = &self.slots[slot];
                            SyncContext::load(c, slot, &s.run.property_id, s.previous).await?
                        }
                    });
                }
                let ctx = open.as_mut().expect("opened above");
                on_page.insert(slot);
                let run = &mut self.slots[slot].run;
                run.counts.seen += 1;
                match item {
                    Err(e) => fail(
                        run,
                        SyncErrorKind::UnreadableRecord,
                        e.external,
                        None,
                        e.message,
                    ),
                    Ok(record) => ctx.apply(c, record, run, &mut changes).await?,
                }
            }
            for slot in on_page {
                self.slots[slot].run.counts.pages += 1;
            }
            self.commit(changes).await?;
            self.progress();
            self.renew_leases().await?;
        }
        let mut changes = Vec::new();
        if let Some(done) = open.take() {
            self.finish(done, full, &mut changes).await?;
        }
        // Properties the listing showed nothing of: every PMS resident they had is gone (after
        // a full listing), and dates may have moved.
        let unlisted: Vec<usize> = chunk
            .iter()
            .copied()
            .filter(|&slot| self.slots[slot].waiting())
            .collect();
        for some in unlisted.chunks(16) {
            let mut ready = load_residents(c.clone(), infos.clone(), some.to_vec()).await?;
            for slot in some {
                if let Some(ctx) = ready.remove(slot) {
                    self.finish(ctx, full, &mut changes).await?;
                }
            }
            if changes.len() >= 1000 {
                self.commit(std::mem::take(&mut changes)).await?;
            }
        }
        self.commit(changes).await?;
        self.progress();
        Ok(())
    }

    /// What loading the state of `chunk`'s properties needs, for a task of its own.
    fn infos(&self, chunk: &[usize]) -> Infos {
        Arc::new(
            chunk
                .iter()
                .map(|&i| {
                    let s = &self.slots[i];
                    (i, (s.run.property_id.clone(), s.previous))
                })
                .collect(),
        )
    }

    /// The first property of `chunk` the listing has not finished.
    fn waiting(&self, chunk: &[usize]) -> Option<usize> {
        chunk.iter().copied().find(|&i| self.slots[i].waiting())
    }

    /// Finishes a property whose records the listing has passed.
    async fn finish(
        &mut self,
        ctx: SyncContext,
        full: bool,
        changes: &mut Vec<Change>,
    ) -> Result<()> {
        let slot = ctx.slot;
        ctx.finish(self.concierge, full, changes).await?;
        self.slots[slot].state = SlotState::Done;
        Ok(())
    }

    /// Commits a page's changes in one transaction; if it is refused, change by change, so one
    /// bad record becomes a sync error and the others land. Each decision is counted once its
    /// write is committed.
    async fn commit(&mut self, changes: Vec<Change>) -> Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        let mut batch = Batch::new();
        for change in &changes {
            batch.puts.extend(change.batch.puts.iter().cloned());
        }
        match self.concierge.inner.store.commit(batch).await {
            Ok(()) => {
                for change in changes {
                    self.committed(change);
                }
                Ok(())
            }
            Err(e @ StoreError::Unavailable { .. }) => Err(e.into()),
            Err(_) => {
                for change in changes {
                    match self
                        .concierge
                        .inner
                        .store
                        .commit(change.batch.clone())
                        .await
                    {
                        Ok(()) => self.committed(change),
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
                            let run = &mut self.slots[change.slot].run;
                            fail(run, kind, change.external, None, e.to_string());
                        }
                    }
                }
                Ok(())
            }
        }
    }

    fn committed(&mut self, change: Change) {
        if let Some(decision) = change.decision {
            decision.count(&mut self.slots[change.slot].run);
        }
        self.queued.extend(change.entries);
    }

    /// Reports the run's counts so far, summed over its properties.
    fn progress(&self) {
        let Some(progress) = &self.options.progress else {
            return;
        };
        let mut counts = SyncCounts::default();
        let mut done = 0;
        for slot in self.slots.iter() {
            counts += slot.run.counts;
            done += usize::from(!slot.waiting());
        }
        progress(&SyncProgress {
            counts,
            properties_done: done,
            properties: self.slots.len(),
        });
    }

    /// Keeps the run's leases while it lasts: renewed together once a third of their life has
    /// passed (one transaction for the run).
    async fn renew_leases(&mut self) -> Result<()> {
        if self.renewed.elapsed() <= LEASE_RENEW_AFTER {
            return Ok(());
        }
        let c = self.concierge;
        let ids: Vec<PropertyId> = self
            .slots
            .iter()
            .filter(|s| s.waiting())
            .map(|s| s.run.property_id.clone())
            .collect();
        let held = c
            .inner
            .store
            .try_acquire_leases(&ids, c.inner.instance_id.as_str(), c.now(), LEASE_TTL)
            .await?;
        if held.iter().any(|h| !h) {
            return Err(Error::conflict(
                ConflictKind::LeaseHeld,
                "the sync lost its lease to another process",
            ));
        }
        self.renewed = std::time::Instant::now();
        Ok(())
    }
}

/// The properties a page's records belong to, in the order they first appear, once each.
fn page_slots<T>(
    items: &[std::result::Result<T, RecordError>],
    property: impl Fn(&T) -> &ExternalRef,
    by_external: &HashMap<ExternalRef, usize>,
) -> Vec<usize> {
    let mut seen = HashSet::new();
    items
        .iter()
        .filter_map(|item| item.as_ref().ok())
        .filter_map(|record| by_external.get(property(record)).copied())
        .filter(|slot| seen.insert(*slot))
        .collect()
}

/// A page and the state of the properties it starts, by slot.
type Prepared<T, C> = (Page<T>, HashMap<usize, C>);

/// What loading a property's state needs: its id and what is kept of its previous run, by slot.
type Infos = Arc<HashMap<usize, (PropertyId, Option<Previous>)>>;

/// The units state of `slots`, read from the store a few at a time.
async fn load_units(
    c: Concierge,
    infos: Infos,
    slots: Vec<usize>,
) -> Result<HashMap<usize, UnitsContext>> {
    load_each(slots, |slot| {
        infos
            .get(&slot)
            .map(|(p, _)| UnitsContext::load(&c, slot, p))
    })
    .await
}

/// The residents state of `slots`, read from the store a few at a time.
async fn load_residents(
    c: Concierge,
    infos: Infos,
    slots: Vec<usize>,
) -> Result<HashMap<usize, SyncContext>> {
    load_each(slots, |slot| {
        infos
            .get(&slot)
            .map(|(p, previous)| SyncContext::load(&c, slot, p, *previous))
    })
    .await
}

/// What `load` reads for each of `slots` it knows, [`LOADS_AT_ONCE`] at a time, by slot.
async fn load_each<C, Fut>(
    slots: Vec<usize>,
    load: impl Fn(usize) -> Option<Fut>,
) -> Result<HashMap<usize, C>>
where
    Fut: std::future::Future<Output = Result<C>>,
{
    let mut out = HashMap::new();
    for some in slots.chunks(LOADS_AT_ONCE) {
        let (found, loads): (Vec<usize>, Vec<Fut>) = some
            .iter()
            .filter_map(|&slot| load(slot).map(|f| (slot, f)))
            .unzip();
        out.extend(found.into_iter().zip(try_join_all(loads).await?));
    }
    Ok(out)
}

/// The pages of one listing, each with the state of the properties it starts, in a pipeline of
/// two tasks of their own (stopped when this is dropped): one fetches page N + 2 while the
/// other reads from the store the state of the properties page N + 1 starts, while the run
/// applies page N. A retryable fetch failure is tried again a few times if the provider did not
/// retry it itself.
struct Pages<T, C> {
    rx: mpsc::Receiver<Result<Prepared<T, C>>>,
    tasks: [tokio::task::JoinHandle<()>; 2],
}

impl<T: Send + 'static, C: Send + 'static> Pages<T, C> {
    fn spawn<F, Fut, P, PFut>(
        fetch: F,
        property: fn(&T) -> &ExternalRef,
        by_external: HashMap<ExternalRef, usize>,
        prepare: P,
    ) -> Self
    where
        F: Fn(Option<Cursor>) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = ProviderResult<Page<T>>> + Send,
        P: Fn(Vec<usize>) -> PFut + Send + Sync + 'static,
        PFut: std::future::Future<Output = Result<HashMap<usize, C>>> + Send,
    {
        let (page_tx, mut page_rx) = mpsc::channel::<Result<Page<T>>>(1);
        let fetcher = tokio::spawn(async move {
            let mut cursor = None;
            loop {
                let page = fetch_page(|| fetch(cursor.clone())).await;
                let next = page.as_ref().ok().and_then(|p| p.next.clone());
                let failed = page.is_err();
                if page_tx.send(page).await.is_err() || failed {
                    return;
                }
                match next {
                    Some(next) => cursor = Some(next),
                    None => return,
                }
            }
        });
        let (tx, rx) = mpsc::channel(1);
        let preparer = tokio::spawn(async move {
            // The property the previous page ended in goes on in the run's open state.
            let mut last: Option<usize> = None;
            while let Some(page) = page_rx.recv().await {
                let out = match page {
                    Err(e) => Err(e),
                    Ok(page) => {
                        let slots = page_slots(&page.items, property, &by_external);
                        let starts: Vec<usize> =
                            slots.iter().copied().filter(|&s| Some(s) != last).collect();
                        last = slots.last().copied().or(last);
                        prepare(starts).await.map(|ready| (page, ready))
                    }
                };
                let failed = out.is_err();
                if tx.send(out).await.is_err() || failed {
                    return;
                }
            }
        });
        Self {
            rx,
            tasks: [fetcher, preparer],
        }
    }

    /// The next page and the state of the properties it starts, `None` after the last.
    async fn next(&mut self) -> Result<Option<Prepared<T, C>>> {
        self.rx.recv().await.transpose()
    }
}

impl<T, C> Drop for Pages<T, C> {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Fetches one page, retrying a retryable failure a few times.
async fn fetch_page<T, F, Fut>(fetch: F) -> Result<Page<T>>
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
