//! The due syncs (every PMS-linked property whose interval has passed) and the scheduler task
//! that runs them, the strata syncs and the visitor pass reconciliation.

use super::*;

impl Concierge {
    /// Runs the sync of every PMS-linked property whose interval has passed since its last run
    /// (4 hours by default, per property), as one run. The scheduler calls this; call it
    /// yourself from a job runner if you prefer. Acts as the system, not as an admin. A property whose sync
    /// failed is reported with its run, whose `aborted` says why.
    pub async fn run_due_syncs(&self) -> Result<Vec<SyncReport>> {
        self.ensure_open()?;
        let now = self.now();
        let mut due = Vec::new();
        for property in self.inner.store.list_properties().await? {
            if property.external.is_none() {
                continue;
            }
            let latest = self.inner.store.latest_sync_run(&property.id).await?;
            if is_due(&property, latest.as_ref(), now) {
                due.push(property.id);
            }
        }
        if due.is_empty() {
            return Ok(Vec::new());
        }
        // One run for all of them: each PMS resource read once for the due set.
        self.sync_many_reported(&due, SyncOptions::default(), Trigger::Scheduler)
            .await
    }

    /// Starts a background task that calls [`Concierge::process_webhook_events`],
    /// [`Concierge::run_due_syncs`],
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
                if let Err(e) = concierge.process_webhook_events().await {
                    tracing::warn!(error = %e, "scheduler tick failed (webhooks)");
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

    /// The latest run of `property` while it is not due (another process synced it since it was
    /// found due); `None` when it is due.
    pub(super) async fn run_not_yet_due(&self, property: &Property) -> Result<Option<SyncRun>> {
        let latest = self.inner.store.latest_sync_run(&property.id).await?;
        Ok(latest.filter(|run| !is_due(property, Some(run), self.now())))
    }
}

/// Whether `property`, whose latest run is `latest`, is due for a sync at `now`: it never ran,
/// or its interval has passed since its latest run started (R-PMS-6).
pub(super) fn is_due(property: &Property, latest: Option<&SyncRun>, now: DateTime<Utc>) -> bool {
    latest.is_none_or(|run| run.started_at + property.settings.sync_interval <= now)
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
