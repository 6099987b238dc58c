//! One sync of a property at a time (R-PMS-6): a trigger while one runs in this process joins
//! it (an entry removed however the sync ends, its caller giving up included); across processes,
//! the per-property lease decides and a second trigger waits for the running sync's result.

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
}
