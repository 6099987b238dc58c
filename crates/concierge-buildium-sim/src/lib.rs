//! An in-process simulator of Buildium's Open API v1, speaking its real wire format, for testing
//! and benchmarking the Buildium adapter and the sync engine.
//!
//! ```
//! use concierge_buildium_sim::{BuildiumSimulator, LeaseStatus, SimConfig};
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     // A seeded portfolio: 2 properties of 10 units, about one tenant per unit.
//!     let config = SimConfig { seed: 7, properties: 2, units_per_property: 10, ..SimConfig::default() };
//!     let sim = BuildiumSimulator::start(config).await?;
//!
//!     // Point the adapter at the simulator; it must send both credential headers.
//!     let base_url = sim.base_url(); // e.g. "http://127.0.0.1:41234"
//!     let (client_id, client_secret) = (sim.client_id(), sim.client_secret());
//!     assert!(base_url.starts_with("http://127.0.0.1:"));
//!     assert!(!client_id.is_empty() && !client_secret.is_empty());
//!     // GET {base_url}/v1/leases?leasestatuses=Active&orderby=LastUpdatedDateTime%20asc,Id%20asc&limit=1000
//!
//!     // Script the world between two syncs.
//!     let future = sim.leases().into_iter().find(|l| l.status == LeaseStatus::Future);
//!     if let Some(lease) = future {
//!         sim.set_today(lease.from); // the lease is now Active; LastUpdatedDateTime unchanged
//!     }
//!     sim.stop().await;
//!     Ok(())
//! }
//! ```
//!
//! What is simulated (details in the crate's `README.md`):
//!
//! - `GET /v1/rentals`, `/v1/rentals/{propertyId}`, `/v1/rentals/units`,
//!   `/v1/rentals/units/{unitId}`, `/v1/leases`, `/v1/leases/{leaseId}`, `/v1/leases/tenants`,
//!   `/v1/leases/tenants/{tenantId}` and `/v1/leases/{leaseId}/moveouts`, with the filters listed
//!   in [`ROUTES`], `orderby`, `limit` (default 50, silently capped at 1000), `offset` and
//!   `X-Total-Count`;
//! - `401` without the `x-buildium-client-id`/`x-buildium-client-secret` headers, `404` for
//!   wrong-case paths and misspelt `limit`/`offset` names, `429` without `Retry-After` over the
//!   per-client rate limit, `500` for query strings over 4,096 characters, `400` for malformed
//!   parameters, each with an `ApiErrorResponse` body;
//! - statuses derived from dates against a settable "today" (a future lease turns active on its
//!   start date without a new `LastUpdatedDateTime`), mutations, deletions, injected faults,
//!   request counters and an exchange journal ([`SimConfig::journal`], [`SimHandle::exchanges`]),
//!   all through [`SimHandle`].
//!
//! Every response body validates against the vendor's schemas; see `spec/` and
//! `tests/contract.rs`.

mod api;
mod config;
mod error;
mod generate;
mod journal;
mod model;
mod server;
mod wire;

pub use api::{DEFAULT_LIMIT, MAX_LIMIT, MAX_QUERY_LEN, ROUTES, RouteInfo};
pub use config::{FaultKind, FaultPlan, SimConfig};
pub use error::ControlError;
pub use journal::Exchange;
pub use model::{BadRecord, BadRecordKind, LeaseStatus, LeaseType, TenantStatus};
pub use server::UNMATCHED;

use chrono::{DateTime, Days, NaiveDate, Utc};
use model::{LeaseTenant, MoveOut, Portfolio, Tenant, datetime_of, start_of, ts_of};
use server::{Faults, Limiter, Shared, lock};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A generated portfolio, ready to serve. [`BuildiumSimulator::start`] generates and serves in
/// one step.
pub struct BuildiumSimulator {
    shared: Arc<Shared>,
}

impl fmt::Debug for BuildiumSimulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BuildiumSimulator")
            .field("counts", &counts_of(&self.shared))
            .finish_non_exhaustive()
    }
}

impl BuildiumSimulator {
    /// Generates the portfolio `config` describes (deterministic for its seed and sizes).
    pub fn new(config: SimConfig) -> Self {
        let portfolio = generate::generate(&config);
        Self {
            shared: Arc::new(Shared {
                client_id: config.client_id,
                client_secret: config.client_secret,
                reject_unknown_params: config.reject_unknown_params,
                unstable_ties: config.unstable_ties,
                tenant_update_touches_leases: config.tenant_update_touches_leases,
                default_hang: config.hang_delay,
                data: RwLock::new(portfolio),
                limiter: Mutex::new(Limiter::new(config.rate_limit_per_sec)),
                faults: Mutex::new(Faults::new()),
                stats: Mutex::new(BTreeMap::new()),
                journal_on: config.journal,
                journal: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Generates the portfolio and serves it on `127.0.0.1` at a free port.
    pub async fn start(config: SimConfig) -> std::io::Result<SimHandle> {
        Self::new(config).serve().await
    }

    /// Record counts of the generated portfolio.
    pub fn counts(&self) -> PortfolioCounts {
        counts_of(&self.shared)
    }

    /// Serves this portfolio on `127.0.0.1` at a free port, in a tokio task.
    pub async fn serve(self) -> std::io::Result<SimHandle> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let app = axum::Router::new()
            .fallback(server::handle)
            .with_state(Arc::clone(&self.shared));
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
            if let Err(error) = served {
                tracing::warn!(%error, "buildium simulator stopped with an error");
            }
        });
        tracing::info!(%addr, counts = ?counts_of(&self.shared), "buildium simulator serving");
        Ok(SimHandle {
            shared: self.shared,
            addr,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }
}

/// A running simulator: its address and credentials, and the control API. Dropping it stops
/// the server.
pub struct SimHandle {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimHandle")
            .field("addr", &self.addr)
            .field("client_id", &self.shared.client_id)
            .field("client_secret", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Record counts, with lease statuses as of the simulator's today.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PortfolioCounts {
    /// Rental properties.
    pub properties: usize,
    /// Rental units.
    pub units: usize,
    /// Leases not deleted.
    pub leases: usize,
    /// Active leases.
    pub active_leases: usize,
    /// Future leases.
    pub future_leases: usize,
    /// Past leases.
    pub past_leases: usize,
    /// Deleted leases.
    pub deleted_leases: usize,
    /// Tenants still on a lease that is not deleted (what `/v1/leases/tenants` lists).
    pub tenants: usize,
}

fn counts_of(shared: &Shared) -> PortfolioCounts {
    let p = shared.read();
    let today = p.today();
    let mut c = PortfolioCounts {
        properties: p.properties.len(),
        units: p.units.len(),
        ..PortfolioCounts::default()
    };
    for lease in &p.leases {
        if lease.deleted {
            c.deleted_leases += 1;
            continue;
        }
        c.leases += 1;
        match lease.status(today) {
            LeaseStatus::Active => c.active_leases += 1,
            LeaseStatus::Future => c.future_leases += 1,
            LeaseStatus::Past => c.past_leases += 1,
        }
    }
    c.tenants = p.tenants.iter().filter(|t| p.tenant_visible(t)).count();
    c
}

/// A lease as the simulator sees it now (for scripting tests; not a wire message).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseSummary {
    /// `Id`.
    pub id: i32,
    /// `PropertyId`.
    pub property_id: i32,
    /// `UnitId` (possibly a unit that is not listed).
    pub unit_id: i32,
    /// `LeaseFromDate`.
    pub from: NaiveDate,
    /// `LeaseToDate`.
    pub to: Option<NaiveDate>,
    /// `LeaseType`.
    pub lease_type: LeaseType,
    /// `LeaseStatus` as of today.
    pub status: LeaseStatus,
    /// `AutomaticallyMoveOutTenants`.
    pub automatically_move_out_tenants: bool,
    /// `LastUpdatedDateTime`.
    pub last_updated: DateTime<Utc>,
    /// `Tenants[]`: id, status as of today, move-in date.
    pub tenants: Vec<(i32, TenantStatus, Option<NaiveDate>)>,
    /// `MoveOutData[]`: tenant id, move-out date, notice date.
    pub move_outs: Vec<(i32, NaiveDate, Option<NaiveDate>)>,
}

/// A new lease for [`SimHandle::add_tenant_lease`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewLease {
    /// A listed unit.
    pub unit_id: i32,
    /// `LeaseFromDate`.
    pub from: NaiveDate,
    /// `LeaseToDate`.
    pub to: Option<NaiveDate>,
    /// `LeaseType`.
    pub lease_type: LeaseType,
    /// `AutomaticallyMoveOutTenants`.
    pub automatically_move_out_tenants: bool,
    /// Market rent when `None`.
    pub rent: Option<u32>,
    /// The tenants, in order.
    pub tenants: Vec<NewTenant>,
}

impl NewLease {
    /// A one-year fixed lease on `unit_id` from `from`.
    pub fn new(unit_id: i32, from: NaiveDate, tenants: Vec<NewTenant>) -> Self {
        let to = from.checked_add_days(Days::new(364)).unwrap_or(from);
        Self {
            unit_id,
            from,
            to: Some(to),
            lease_type: LeaseType::Fixed,
            automatically_move_out_tenants: false,
            rent: None,
            tenants,
        }
    }
}

/// A new tenant for [`SimHandle::add_tenant_lease`] and [`SimHandle::add_tenant`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewTenant {
    /// `FirstName` (`None` sends null).
    pub first_name: Option<String>,
    /// `LastName`.
    pub last_name: String,
    /// `Email`.
    pub email: Option<String>,
    /// The cell number in `PhoneNumbers`.
    pub phone: Option<String>,
    /// `Tenants[].MoveInDate` (`None` sends null: the lease start applies).
    pub move_in: Option<NaiveDate>,
}

impl NewTenant {
    /// A tenant with a name and an email.
    pub fn new(first: &str, last: &str, email: &str) -> Self {
        Self {
            first_name: Some(first.to_owned()),
            last_name: last.to_owned(),
            email: Some(email.to_owned()),
            ..Self::default()
        }
    }
}

/// What [`SimHandle::add_tenant_lease`] created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddedLease {
    /// The new lease's id.
    pub lease_id: i32,
    /// The new tenants' ids, in the order given.
    pub tenant_ids: Vec<i32>,
}

/// Changes for [`SimHandle::update_tenant`]; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TenantUpdate {
    /// New `FirstName`.
    pub first_name: Option<String>,
    /// New `LastName`.
    pub last_name: Option<String>,
    /// New `Email`.
    pub email: Option<String>,
    /// New phone number.
    pub phone: Option<String>,
}

/// Requests served, by route template (or [`UNMATCHED`]) and status.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestStats {
    /// `(route template, status) -> count`.
    pub by_route_and_status: BTreeMap<(String, u16), u64>,
}

impl RequestStats {
    /// Requests answered on `route` with `status`.
    pub fn count(&self, route: &str, status: u16) -> u64 {
        self.by_route_and_status
            .get(&(route.to_owned(), status))
            .copied()
            .unwrap_or(0)
    }

    /// Requests answered with `status`, on any route.
    pub fn status_count(&self, status: u16) -> u64 {
        self.by_route_and_status
            .iter()
            .filter(|((_, s), _)| *s == status)
            .map(|(_, n)| n)
            .sum()
    }

    /// Requests on `route`, with any status.
    pub fn route_count(&self, route: &str) -> u64 {
        self.by_route_and_status
            .iter()
            .filter(|((r, _), _)| r == route)
            .map(|(_, n)| n)
            .sum()
    }

    /// Every request counted.
    pub fn total(&self) -> u64 {
        self.by_route_and_status.values().sum()
    }
}

impl SimHandle {
    /// `http://127.0.0.1:<port>`, without a trailing slash; paths start with `/v1/`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The value for the `x-buildium-client-id` header.
    pub fn client_id(&self) -> &str {
        &self.shared.client_id
    }

    /// The value for the `x-buildium-client-secret` header.
    pub fn client_secret(&self) -> &str {
        &self.shared.client_secret
    }

    /// Stops the server: stops accepting, lets requests in flight finish for up to a second,
    /// then aborts.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(1), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }

    // ----- clock -----

    /// The simulator's clock (`LastUpdatedDateTime` of mutations).
    pub fn now(&self) -> DateTime<Utc> {
        datetime_of(self.shared.read().now)
    }

    /// The simulator's today: statuses are derived from it per request.
    pub fn today(&self) -> NaiveDate {
        self.shared.read().today()
    }

    /// Sets the clock to 12:00:00 UTC on `today`. Statuses follow; no record is touched.
    pub fn set_today(&self, today: NaiveDate) {
        self.shared.write().now = start_of(today) + 12 * 3_600;
    }

    /// Sets the clock.
    pub fn set_now(&self, now: DateTime<Utc>) {
        self.shared.write().now = ts_of(now);
    }

    /// Moves the clock forward (or back, for a negative duration).
    pub fn advance(&self, by: chrono::Duration) {
        self.shared.write().now += by.num_seconds();
    }

    // ----- inspection -----

    /// Record counts as of today.
    pub fn counts(&self) -> PortfolioCounts {
        counts_of(&self.shared)
    }

    /// The bad records the generator planted.
    pub fn bad_records(&self) -> Vec<BadRecord> {
        self.shared.read().bad.clone()
    }

    /// Every lease not deleted, in id order, as of today.
    pub fn leases(&self) -> Vec<LeaseSummary> {
        let p = self.shared.read();
        p.leases
            .iter()
            .filter(|l| !l.deleted)
            .map(|l| summary(&p, l))
            .collect()
    }

    /// One lease, unless unknown or deleted.
    pub fn lease(&self, id: i32) -> Option<LeaseSummary> {
        let p = self.shared.read();
        p.lease_index(id).map(|i| summary(&p, &p.leases[i]))
    }

    /// Ids of every listed unit, in id order.
    pub fn unit_ids(&self) -> Vec<i32> {
        self.shared.read().units.iter().map(|u| u.id).collect()
    }

    /// Ids of every listed tenant, in id order.
    pub fn tenant_ids(&self) -> Vec<i32> {
        let p = self.shared.read();
        p.tenants
            .iter()
            .filter(|t| p.tenant_visible(t))
            .map(|t| t.id)
            .collect()
    }

    // ----- mutations -----

    /// Adds a lease with new tenants on a listed unit. Created and last-updated times are the
    /// simulator's now.
    pub fn add_tenant_lease(&self, lease: NewLease) -> Result<AddedLease, ControlError> {
        let mut p = self.shared.write();
        let unit = p
            .unit_index(lease.unit_id)
            .ok_or(ControlError::UnknownUnit {
                unit_id: lease.unit_id,
            })?;
        let now = p.now;
        let lease_index = p.leases.len() as u32;
        let lease_id = p.next_lease_id;
        p.next_lease_id += 1;
        let (property, unit_number, market_rent) = {
            let u = &p.units[unit];
            (u.property, u.number, u.rent)
        };
        let mut tenants = Vec::with_capacity(lease.tenants.len());
        let mut tenant_ids = Vec::with_capacity(lease.tenants.len());
        for new in lease.tenants {
            let (index, id) = push_tenant(&mut p, new.clone(), lease_index);
            tenant_ids.push(id);
            tenants.push(LeaseTenant {
                tenant: index,
                move_in: new.move_in,
            });
        }
        p.leases.push(model::Lease {
            id: lease_id,
            property,
            unit_id: lease.unit_id,
            unit: Some(unit as u32),
            unit_number,
            from: lease.from,
            to: lease.to,
            lease_type: lease.lease_type,
            auto_move_out: lease.automatically_move_out_tenants,
            created: now,
            updated: now,
            rent: lease.rent.unwrap_or(market_rent),
            eviction_pending: false,
            deleted: false,
            tenants,
            move_outs: Vec::new(),
            cosigner: None,
        });
        p.unit_leases[unit].push(lease_index);
        p.index_lease(lease_index);
        Ok(AddedLease {
            lease_id,
            tenant_ids,
        })
    }

    /// Adds a new tenant to an existing lease; bumps the lease's `LastUpdatedDateTime`.
    pub fn add_tenant(&self, lease_id: i32, tenant: NewTenant) -> Result<i32, ControlError> {
        let mut p = self.shared.write();
        let lease = p
            .lease_index(lease_id)
            .ok_or(ControlError::UnknownLease { lease_id })?;
        let move_in = tenant.move_in;
        let (index, id) = push_tenant(&mut p, tenant, lease as u32);
        let now = p.now;
        let l = &mut p.leases[lease];
        l.tenants.push(LeaseTenant {
            tenant: index,
            move_in,
        });
        l.updated = now;
        Ok(id)
    }

    /// Records that the tenant moves out on `date` (notice given today) on their most recent
    /// lease: adds or replaces their `MoveOutData` entry and bumps the lease's
    /// `LastUpdatedDateTime` and the tenant's last-updated time. The lease stays `Active` until
    /// every tenant's date has passed.
    pub fn move_out(&self, tenant_id: i32, date: NaiveDate) -> Result<(), ControlError> {
        let mut p = self.shared.write();
        let tenant = p
            .tenant_index(tenant_id)
            .ok_or(ControlError::UnknownTenant { tenant_id })?;
        let (now, today) = (p.now, p.today());
        let lease = {
            let t = &p.tenants[tenant];
            t.leases
                .iter()
                .rev()
                .copied()
                .find(|&l| !p.leases[l as usize].deleted)
                .ok_or(ControlError::UnknownTenant { tenant_id })?
        };
        let l = &mut p.leases[lease as usize];
        l.move_outs.retain(|m| m.tenant != tenant as u32);
        l.move_outs.push(MoveOut {
            tenant: tenant as u32,
            date,
            notice: Some(today),
        });
        l.updated = now;
        p.tenants[tenant].updated = now;
        Ok(())
    }

    /// Deletes a lease: it disappears from listings and answers `404`; tenants on no other lease
    /// disappear with it. Deletions never show through `lastupdatedfrom`.
    pub fn delete_lease(&self, lease_id: i32) -> Result<(), ControlError> {
        let mut p = self.shared.write();
        let lease = p
            .lease_index(lease_id)
            .ok_or(ControlError::UnknownLease { lease_id })?;
        p.leases[lease].deleted = true;
        p.unindex_lease(lease as u32);
        Ok(())
    }

    /// Changes a tenant's contact details and bumps their last-updated time (and, with
    /// [`SimConfig::tenant_update_touches_leases`], their leases' `LastUpdatedDateTime`) to now.
    pub fn update_tenant(&self, tenant_id: i32, update: TenantUpdate) -> Result<(), ControlError> {
        let touch_leases = self.shared.tenant_update_touches_leases;
        let mut p = self.shared.write();
        let index = p
            .tenant_index(tenant_id)
            .ok_or(ControlError::UnknownTenant { tenant_id })?;
        let now = p.now;
        let t = &mut p.tenants[index];
        if let Some(first) = update.first_name {
            t.first = Some(Cow::Owned(first));
        }
        if let Some(last) = update.last_name {
            t.last = Cow::Owned(last);
        }
        if let Some(email) = update.email {
            t.email = Some(email.into_boxed_str());
        }
        if let Some(phone) = update.phone {
            t.phone = Some(phone.into_boxed_str());
        }
        t.updated = now;
        if touch_leases {
            let leases = p.tenants[index].leases.clone();
            for l in leases {
                let lease = &mut p.leases[l as usize];
                if !lease.deleted {
                    lease.updated = now;
                }
            }
        }
        Ok(())
    }

    // ----- faults, rate limit, counters -----

    /// Fails `fraction` of requests with 500, 503, 429 or a hang of
    /// [`SimConfig::hang_delay`], drawn from an RNG seeded with `seed`.
    pub fn set_fault_rate(&self, fraction: f64, seed: u64) {
        self.set_faults(FaultPlan::new(fraction, seed, self.shared.default_hang));
    }

    /// Installs a fault plan (and reseeds its RNG).
    pub fn set_faults(&self, plan: FaultPlan) {
        lock(&self.shared.faults).set_plan(Some(plan));
    }

    /// Answers the next requests with these faults, one each, before any plan applies.
    pub fn inject_faults(&self, kinds: impl IntoIterator<Item = FaultKind>) {
        lock(&self.shared.faults).push(kinds);
    }

    /// Removes the plan and any queued faults.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Changes the rate limit (`None` disables it) and refills every bucket.
    pub fn set_rate_limit(&self, per_sec: Option<u32>) {
        lock(&self.shared.limiter).set_rate(per_sec);
    }

    /// Requests served so far.
    pub fn stats(&self) -> RequestStats {
        RequestStats {
            by_route_and_status: lock(&self.shared.stats)
                .iter()
                .map(|((route, status), n)| (((*route).to_owned(), *status), *n))
                .collect(),
        }
    }

    /// Resets the request counters.
    pub fn reset_stats(&self) {
        lock(&self.shared.stats).clear();
    }
}

fn push_tenant(p: &mut Portfolio, new: NewTenant, lease: u32) -> (u32, i32) {
    let index = p.tenants.len() as u32;
    let id = p.next_tenant_id;
    p.next_tenant_id += 1;
    let now = p.now;
    p.tenants.push(Tenant {
        id,
        first: new.first_name.map(Cow::Owned),
        last: Cow::Owned(new.last_name),
        email: new.email.map(String::into_boxed_str),
        phone: new.phone.map(String::into_boxed_str),
        created: now,
        updated: now,
        leases: vec![lease],
    });
    (index, id)
}

fn summary(p: &Portfolio, l: &model::Lease) -> LeaseSummary {
    let today = p.today();
    LeaseSummary {
        id: l.id,
        property_id: p.properties[l.property as usize].id,
        unit_id: l.unit_id,
        from: l.from,
        to: l.to,
        lease_type: l.lease_type,
        status: l.status(today),
        automatically_move_out_tenants: l.auto_move_out,
        last_updated: datetime_of(l.updated),
        tenants: l
            .tenants
            .iter()
            .map(|t| {
                (
                    p.tenants[t.tenant as usize].id,
                    l.tenant_status(t, today),
                    t.move_in,
                )
            })
            .collect(),
        move_outs: l
            .move_outs
            .iter()
            .map(|m| (p.tenants[m.tenant as usize].id, m.date, m.notice))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_per_property_lease_index_stays_current_through_additions_and_deletions() {
        // Arrange
        let sim = BuildiumSimulator::start(SimConfig {
            properties: 6,
            units_per_property: 8,
            rate_limit_per_sec: None,
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let leases = sim.leases();
        let (unit, today) = (sim.unit_ids()[10], sim.today());
        let tenant = || NewTenant::new("Grace", "Hopper", "grace@example.com");

        // Act
        sim.delete_lease(leases[3].id).unwrap();
        sim.delete_lease(leases[20].id).unwrap();
        let kept = sim
            .add_tenant_lease(NewLease::new(unit, today, vec![tenant()]))
            .unwrap();
        let dropped = sim
            .add_tenant_lease(NewLease::new(unit, today, vec![tenant()]))
            .unwrap();
        sim.add_tenant(kept.lease_id, tenant()).unwrap();
        sim.delete_lease(dropped.lease_id).unwrap();

        // Assert: the index is what a rebuild from the records gives.
        let p = sim.shared.read();
        let mut rebuilt = vec![Vec::new(); p.properties.len()];
        for (i, lease) in p.leases.iter().enumerate() {
            if !lease.deleted {
                rebuilt[lease.property as usize].push(i as u32);
            }
        }
        assert_eq!(p.leases.iter().filter(|l| l.deleted).count(), 3);
        assert_eq!(p.property_leases, rebuilt);
    }
}
