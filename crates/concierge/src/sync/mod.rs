//! The PMS resident sync (R-PMS-1..8), manual move-out and spare key holders.
//!
//! A sync reconciles properties with their PMS: units first (a building per `building_name`),
//! then residents, page by page, each page committed in one transaction. A run over many
//! properties (the scheduler's due set, `sync_properties`, `sync_all`) reads each PMS resource
//! once for all of them when the provider lists many properties at once. Every record that cannot be
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
//!
//! The engine's jobs, one module each: linking and the triggers' entry points here, `trigger`
//! (one sync per property: joins and leases), `schedule` (the due syncs and the scheduler),
//! `manual` (manual move-out and spare holders), `run` (a run over one property or many:
//! fetching, routing, committing) and `reconcile` (a property's part: validate, decide, stage).

mod manual;
mod reconcile;
mod run;
mod schedule;
mod trigger;
mod webhook;

pub use schedule::SchedulerHandle;
pub(crate) use trigger::Running;
pub use webhook::WebhookReceipt;

use crate::{Concierge, Listing, PageRequest};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use concierge_core::validate::Checks;
use concierge_core::*;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use tokio::sync::watch;

/// How many properties' records or state are read from the store at once (the SQLite store
/// reads on four connections).
const LOADS_AT_ONCE: usize = 4;
/// How long a sync's lease lasts without renewal; it is renewed after every page.
const LEASE_TTL: Duration = Duration::minutes(5);
/// How long a sync goes between renewals of its lease (a third of its life).
const LEASE_RENEW_AFTER: std::time::Duration = std::time::Duration::from_secs(100);
/// How far an incremental pull reaches back before the previous run's start.
const INCREMENTAL_OVERLAP: Duration = Duration::minutes(5);
/// How often the engine tries a page fetch that failed with a retryable error, for a provider
/// that does not retry itself ([`ProviderError::attempts`] is 1); one that does (the HTTP
/// transport, with its backoff and `Retry-After`) is not retried again.
const PAGE_ATTEMPTS: u32 = 3;

/// What a sync reports as it goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncProgress {
    /// Counts so far, summed over the run's properties.
    pub counts: SyncCounts,
    /// Properties whose sync is complete (or stopped).
    pub properties_done: usize,
    /// Properties in the run.
    pub properties: usize,
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

/// Who asked for a run over many properties, which decides what it does with a property that
/// is no longer due once its lease is held (another process synced it meanwhile) and with one
/// that failed without leaving a run (another process held it past the wait, say).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Trigger {
    /// The scheduler: a property synced since it was found due is not synced again (its latest
    /// run is reported, as joined); one that failed without a run is left out (it comes due
    /// again).
    Scheduler,
    /// A caller who named the properties: each is synced; a failure fails the call.
    Named,
}

/// The result of a sync trigger.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct SyncReport {
    /// The run: counts and errors.
    pub run: SyncRun,
    /// Whether this trigger joined a sync that was already running instead of starting one.
    pub joined: bool,
}

impl Concierge {
    /// The PMS, or the error that none is configured.
    pub(crate) fn configured_pms(&self) -> Result<Arc<dyn PmsProvider>> {
        self.inner
            .pms
            .clone()
            .ok_or_else(|| Error::invalid("pms", "no PMS provider is configured"))
    }

    /// The properties the configured PMS has, to link ours to (Integrations, read).
    pub async fn list_pms_properties(&self, admin: &Admin) -> Result<Vec<PmsProperty>> {
        self.authorize(
            admin,
            Permission::Integrations,
            AccessLevel::Read,
            "list_pms_properties",
        )?;
        let pms = self.configured_pms()?;
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
        let pms = self.configured_pms()?;
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

    /// Syncs several properties with their PMS as one run (each PMS resource read once for all
    /// of them, when the provider can), with `options`. Integrations, full. One report per
    /// property, in order; a property whose sync failed is reported with its run, whose
    /// `aborted` says why. Every id must name a property linked to the PMS, or nothing runs.
    pub async fn sync_properties(
        &self,
        admin: &Admin,
        property_ids: &[PropertyId],
        options: SyncOptions,
    ) -> Result<Vec<SyncReport>> {
        self.authorize(
            admin,
            Permission::Integrations,
            AccessLevel::Full,
            "sync_properties",
        )?;
        if property_ids.is_empty() {
            return Err(Error::invalid("property_ids", "name at least one property"));
        }
        for id in property_ids {
            let property: Property = self.inner.store.load(id.as_str()).await?;
            if property.external.is_none() {
                return Err(Error::invalid(
                    "property_ids",
                    format!("property {id} is not linked to a PMS property"),
                ));
            }
        }
        self.sync_many_reported(property_ids, options, Trigger::Named)
            .await
    }

    /// Syncs every property linked to the PMS as one run, with `options`. Integrations, full.
    /// One report per property; a failed one has its run's `aborted` set.
    pub async fn sync_all(&self, admin: &Admin, options: SyncOptions) -> Result<Vec<SyncReport>> {
        self.authorize(
            admin,
            Permission::Integrations,
            AccessLevel::Full,
            "sync_all",
        )?;
        let ids: Vec<PropertyId> = self
            .inner
            .store
            .list_properties()
            .await?
            .into_iter()
            .filter(|p| p.external.is_some())
            .map(|p| p.id)
            .collect();
        self.sync_many_reported(&ids, options, Trigger::Named).await
    }

    /// A run over many properties, each failure reported with its aborted run where it left one.
    pub(crate) async fn sync_many_reported(
        &self,
        ids: &[PropertyId],
        options: SyncOptions,
        trigger: Trigger,
    ) -> Result<Vec<SyncReport>> {
        let mut reports = Vec::with_capacity(ids.len());
        for (id, result) in ids.iter().zip(
            self.sync_many_unchecked(ids, options, trigger == Trigger::Scheduler)
                .await?,
        ) {
            match result {
                Ok(report) => reports.push(report),
                Err(e) => {
                    tracing::warn!(property = %id, error = %e, "sync failed");
                    match self.inner.store.latest_sync_run(id).await? {
                        Some(run) if run.aborted.is_some() => {
                            reports.push(SyncReport { run, joined: false })
                        }
                        _ if trigger == Trigger::Scheduler => {}
                        _ => return Err(e),
                    }
                }
            }
        }
        Ok(reports)
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
}
