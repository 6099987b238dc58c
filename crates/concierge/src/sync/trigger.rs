//! One sync of a property at a time (R-PMS-6): a trigger while one runs in this process joins
//! it (an entry removed however the sync ends, its caller giving up included); across processes,
//! the per-property lease decides and a second trigger waits for the running sync's result. A
//! trigger for many properties takes their leases together and syncs them as one run.

use super::*;

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

    /// The sync of one property without the permission check.
    pub(crate) async fn sync_unchecked(
        &self,
        property_id: &PropertyId,
        options: SyncOptions,
    ) -> Result<SyncReport> {
        self.sync_many_unchecked(std::slice::from_ref(property_id), options, false)
            .await?
            .pop()
            .expect("one result per property")
    }

    /// The syncs of many properties without the permission check, as one run: one result per
    /// property, in order. A property syncing in this process is joined; the leases of the
    /// others are taken together, and those another process holds are waited for one by one.
    pub(crate) async fn sync_many_unchecked(
        &self,
        ids: &[PropertyId],
        options: SyncOptions,
        due_only: bool,
    ) -> Result<Vec<Result<SyncReport>>> {
        self.ensure_open()?;
        let mut results: Vec<Option<Result<SyncReport>>> = vec![None; ids.len()];
        let mut entries = Vec::new();
        let mut joins = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            match self.start_or_join(id) {
                // Removed when this sync ends however it ends: with a result, or with its
                // caller giving up on the future (a timeout, an aborted task, a stopped
                // scheduler). Joiners of a dropped sync are told it stopped without a result;
                // later triggers start afresh.
                Start::Run(tx) => entries.push((
                    i,
                    RunningEntry {
                        concierge: self,
                        property: id,
                        tx: Some(tx),
                    },
                )),
                Start::Join(rx) => joins.push((i, rx)),
            }
        }
        let mut loaded = Vec::new();
        for some in entries.chunks(LOADS_AT_ONCE) {
            let reads = some
                .iter()
                .map(|(i, _)| self.inner.store.load::<Property>(ids[*i].as_str()));
            for ((i, _), read) in some.iter().zip(futures_util::future::join_all(reads).await) {
                match read {
                    Ok(p) => loaded.push((*i, p)),
                    Err(e) => results[*i] = Some(Err(e)),
                }
            }
        }
        let holder = self.inner.instance_id.as_str();
        let leased_ids: Vec<PropertyId> = loaded.iter().map(|(_, p)| p.id.clone()).collect();
        let held = self
            .inner
            .store
            .try_acquire_leases(&leased_ids, holder, self.now(), LEASE_TTL)
            .await?;
        let mut leased = Vec::new();
        let mut elsewhere = Vec::new();
        let mut synced_meanwhile = Vec::new();
        for ((i, property), held) in loaded.into_iter().zip(held) {
            if !held {
                elsewhere.push(i);
                continue;
            }
            // The scheduler found it due before taking its lease: another process may have
            // synced it in between. Its run is then this trigger's answer, and it runs once.
            if due_only && let Some(run) = self.run_not_yet_due(&property).await? {
                synced_meanwhile.push(property.id.clone());
                results[i] = Some(Ok(SyncReport { run, joined: true }));
                continue;
            }
            leased.push((i, property));
        }
        if !synced_meanwhile.is_empty() {
            let _ = self
                .inner
                .store
                .release_leases(&synced_meanwhile, holder)
                .await;
        }
        let (slots, properties): (Vec<usize>, Vec<Property>) = leased.into_iter().unzip();
        let ran = self.run_sync(properties, &options).await;
        let taken: Vec<PropertyId> = slots.iter().map(|&i| ids[i].clone()).collect();
        let _ = self.inner.store.release_leases(&taken, holder).await;
        match ran {
            Ok(outcomes) => {
                for (i, outcome) in slots.into_iter().zip(outcomes) {
                    results[i] = Some(outcome.map(|run| SyncReport { run, joined: false }));
                }
            }
            Err(e) => {
                for i in slots {
                    results[i] = Some(Err(e.clone()));
                }
            }
        }
        for i in elsewhere {
            results[i] = Some(self.sync_leased(&ids[i], options.clone(), due_only).await);
        }
        for (i, entry) in entries {
            let tx = entry.finish();
            let outcome = match results[i].as_ref().expect("every run answered") {
                Ok(report) => Ok(report.run.clone()),
                Err(e) => Err(Arc::new(e.clone())),
            };
            tx.send_replace(Some(outcome));
        }
        // A joined sync that was dropped before its result (its caller gave up, its scheduler
        // stopped) answers nothing: those properties are synced afresh.
        let mut afresh = Vec::new();
        for (i, rx) in joins {
            match joined(rx).await {
                Some(result) => results[i] = Some(result),
                None => afresh.push(i),
            }
        }
        if !afresh.is_empty() {
            let again: Vec<PropertyId> = afresh.iter().map(|&i| ids[i].clone()).collect();
            let redone = Box::pin(self.sync_many_unchecked(&again, options, due_only)).await?;
            for (i, result) in afresh.into_iter().zip(redone) {
                results[i] = Some(result);
            }
        }
        Ok(results
            .into_iter()
            .map(|r| r.expect("every property answered"))
            .collect())
    }

    /// Takes the property's lease (across processes), or waits for the holder's run.
    async fn sync_leased(
        &self,
        property_id: &PropertyId,
        options: SyncOptions,
        due_only: bool,
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
        // For the scheduler: a run that ended before this trigger began (while its holder still
        // held the lease) leaves the property not due; it is not synced twice.
        if due_only && let Some(run) = self.run_not_yet_due(&property).await? {
            let _ = self.inner.store.release_lease(&property.id, holder).await;
            return Ok(SyncReport { run, joined: true });
        }
        let result = self.run_sync(vec![property.clone()], &options).await;
        let _ = self.inner.store.release_lease(&property.id, holder).await;
        let run = result?.pop().expect("one result per property")?;
        Ok(SyncReport { run, joined: false })
    }
}

/// The result of the sync a trigger joined: its result, failure included; `None` if that sync
/// was dropped before it had one.
async fn joined(mut rx: watch::Receiver<Outcome>) -> Option<Result<SyncReport>> {
    let outcome = rx.wait_for(Option::is_some).await.ok()?;
    match outcome.as_ref() {
        Some(Ok(run)) => Some(Ok(SyncReport {
            run: run.clone(),
            joined: true,
        })),
        Some(Err(e)) => Some(Err(Error::clone(e))),
        None => None,
    }
}
