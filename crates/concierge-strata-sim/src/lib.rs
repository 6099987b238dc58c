//! In-process simulators of the two strata systems Concierge reads, StrataMax and PropertyIQ,
//! speaking the wire models the adapters assume (neither vendor publishes an API; see each
//! adapter's "Assumed (configurable)" table), for adapter and sync tests.
//!
//! Both render one vendor-neutral [`World`] (buildings, lots, contacts), so the same seed gives
//! the same people through either wire model, and a test can check that both adapters produce
//! the same neutral records.
//!
//! ```
//! use concierge_strata_sim::{FaultPlan, StrataSimConfig, StrataSimulator, Vendor, routes};
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     let config = StrataSimConfig { buildings: 2, lots_per_building: 10, ..StrataSimConfig::new(Vendor::StrataMax) };
//!     let sim = StrataSimulator::start(config).await?;
//!     // GET {base_url}/api/v1/buildings?page=1&pageSize=500 with header X-Api-Key: {api_key}
//!     assert!(sim.base_url().starts_with("http://127.0.0.1:"));
//!     assert_eq!(sim.api_key(), "sim-api-key");
//!
//!     // Script the world between two reads.
//!     let building = sim.world().buildings[0].id.clone();
//!     sim.set_building_status(&building, concierge_strata_sim::BuildingStatus::Inactive).unwrap();
//!     sim.set_faults(FaultPlan::new(0.2, 7)); // 20 % of requests fail, reproducibly
//!     assert_eq!(sim.stats().route_count(routes::BUILDINGS), 0);
//!     sim.stop().await;
//!     Ok(())
//! }
//! ```
//!
//! What is simulated (details in `README.md`):
//!
//! - StrataMax: `GET /api/v1/ping`, `/api/v1/buildings` (`status`, `page`, `pageSize`),
//!   `/api/v1/buildings/{id}`, `/api/v1/buildings/{id}/contacts` (`page`, `pageSize`), the API
//!   key header, `{"error":{"code","message"}}` errors;
//! - PropertyIQ: `POST /oauth/token` (client credentials, `expires_in`), `GET /api/v1/schemes`,
//!   `/api/v1/schemes/{id}`, `/api/v1/schemes/{id}/lots` (`offset`, `limit`), bearer tokens,
//!   RFC 7807 errors;
//! - a seeded world of N buildings of M lots with generated owners, tenants and committee
//!   members, plus the scripted scenarios ([`StrataSimConfig::scenarios`]) and vendor oddities
//!   ([`StrataSimConfig::quirks`]);
//! - scripting through [`SimHandle`]: add, remove and modify contacts, sell a lot, set a
//!   building's status, refuse a building (403), revoke the credentials (401), expire tokens
//!   (now or after N requests), echo request headers in error bodies;
//! - a seeded fault plan (429 with `Retry-After`, 500, 503, held replies), a rate limit
//!   answered with 429, and request counters per route.

mod config;
mod render;
mod server;
mod world;

pub use config::{FaultKind, FaultPlan, StrataSimConfig, Vendor};
pub use server::routes;
pub use world::{Address, Building, BuildingStatus, Contact, Lot, Role, World};

use server::{Faults, Limiter, Shared, Tokens, lock};
use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A control call named something the simulator does not have.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ControlError {
    /// No building has this world id.
    #[error("no building {0}")]
    UnknownBuilding(String),
    /// No contact has this world id.
    #[error("no contact {0}")]
    UnknownContact(String),
    /// The building has no such lot.
    #[error("no lot {0}")]
    UnknownLot(u32),
}

/// Starts simulators.
#[derive(Debug)]
pub struct StrataSimulator;

impl StrataSimulator {
    /// Generates the world `config` describes and serves it on `127.0.0.1` at a free port.
    pub async fn start(config: StrataSimConfig) -> std::io::Result<SimHandle> {
        let world = world::generate(&config);
        let shared = Arc::new(Shared {
            vendor: config.vendor,
            api_key: Mutex::new(config.api_key),
            api_key_header: config.api_key_header,
            client_id: config.client_id,
            client_secret: Mutex::new(config.client_secret),
            token_path: config.token_path,
            token_lifetime: config.token_lifetime,
            max_page_size: config.max_page_size.max(1),
            world: RwLock::new(world),
            limiter: Mutex::new(Limiter::new(config.rate_limit_per_sec)),
            faults: Mutex::new(Faults::new()),
            tokens: Mutex::new(Tokens::default()),
            echo: Mutex::new(None),
            echo_request_id: Mutex::new(false),
            arrivals: Mutex::new(BTreeMap::new()),
            answers: Mutex::new(BTreeMap::new()),
        });
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let app = axum::Router::new()
            .fallback(server::handle)
            .with_state(Arc::clone(&shared));
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
            if let Err(error) = served {
                tracing::warn!(%error, "strata simulator stopped with an error");
            }
        });
        Ok(SimHandle {
            shared,
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
            .field("vendor", &self.shared.vendor)
            .field("addr", &self.addr)
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

/// Requests counted by route template (see [`routes`]): on arrival, and by the status
/// answered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestStats {
    /// `route -> requests received` (a held request counts before it is answered).
    pub by_route: BTreeMap<String, u64>,
    /// `(route, status) -> requests answered`.
    pub by_route_and_status: BTreeMap<(String, u16), u64>,
}

impl RequestStats {
    /// Every request received.
    pub fn total(&self) -> u64 {
        self.by_route.values().sum()
    }

    /// Requests received on `route`.
    pub fn route_count(&self, route: &str) -> u64 {
        self.by_route.get(route).copied().unwrap_or(0)
    }

    /// Requests answered with `status`, on any route.
    pub fn status_count(&self, status: u16) -> u64 {
        self.by_route_and_status
            .iter()
            .filter(|((_, s), _)| *s == status)
            .map(|(_, n)| n)
            .sum()
    }

    /// Requests answered on `route` with `status`.
    pub fn count(&self, route: &str, status: u16) -> u64 {
        self.by_route_and_status
            .get(&(route.to_owned(), status))
            .copied()
            .unwrap_or(0)
    }
}

/// A contact to add: a person or company, its role and its lots.
#[derive(Clone, Debug)]
pub struct NewContact {
    /// The display name.
    pub name: String,
    /// The email field.
    pub email: Option<String>,
    /// Mobile.
    pub mobile: Option<String>,
    /// The role.
    pub role: Role,
    /// Committee position, for a committee member.
    pub committee: Option<String>,
    /// Lot numbers.
    pub lots: Vec<u32>,
}

impl NewContact {
    /// An owner-occupier of `lots` with `email`.
    pub fn owner(name: &str, email: &str, lots: Vec<u32>) -> Self {
        Self {
            name: name.to_owned(),
            email: Some(email.to_owned()),
            mobile: None,
            role: Role::Owner {
                occupier: Some(true),
            },
            committee: None,
            lots,
        }
    }
}

impl SimHandle {
    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The vendor served.
    pub fn vendor(&self) -> Vendor {
        self.shared.vendor
    }

    /// The StrataMax API key accepted now.
    pub fn api_key(&self) -> String {
        lock(&self.shared.api_key).clone()
    }

    /// The PropertyIQ client id.
    pub fn client_id(&self) -> &str {
        &self.shared.client_id
    }

    /// The PropertyIQ client secret accepted now.
    pub fn client_secret(&self) -> String {
        lock(&self.shared.client_secret).clone()
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// A copy of the world served.
    pub fn world(&self) -> World {
        self.shared.read().clone()
    }

    /// Adds a contact to building `building` (world id); returns its world id.
    pub fn add_contact(&self, building: &str, new: NewContact) -> Result<String, ControlError> {
        let mut world = self.shared.write();
        if world.building_mut(building).is_none() {
            return Err(ControlError::UnknownBuilding(building.to_owned()));
        }
        let id = world.contact_id();
        let b = world.building_mut(building).expect("checked above");
        b.contacts.push(Contact {
            id: id.clone(),
            name: new.name,
            email: new.email,
            mobile: new.mobile,
            phone: None,
            role: new.role,
            committee: new.committee,
            lots: new.lots,
        });
        Ok(id)
    }

    /// Removes contact `id` (world id).
    pub fn remove_contact(&self, id: &str) -> Result<(), ControlError> {
        let mut world = self.shared.write();
        for b in &mut world.buildings {
            if let Some(i) = b.contacts.iter().position(|c| c.id == id) {
                b.contacts.remove(i);
                return Ok(());
            }
        }
        Err(ControlError::UnknownContact(id.to_owned()))
    }

    /// Changes contact `id` (world id) in place.
    pub fn modify_contact(
        &self,
        id: &str,
        change: impl FnOnce(&mut Contact),
    ) -> Result<(), ControlError> {
        let mut world = self.shared.write();
        let contact = world
            .contact_mut(id)
            .ok_or_else(|| ControlError::UnknownContact(id.to_owned()))?;
        change(contact);
        Ok(())
    }

    /// Lot `lot` of `building` is sold to `buyer`: the lot leaves its owners (an owner left
    /// without lots disappears) and the buyer appears as a new contact, whose id is returned.
    pub fn sell_lot(
        &self,
        building: &str,
        lot: u32,
        buyer: NewContact,
    ) -> Result<String, ControlError> {
        {
            let mut world = self.shared.write();
            let b = world
                .building_mut(building)
                .ok_or_else(|| ControlError::UnknownBuilding(building.to_owned()))?;
            if !b.lots.iter().any(|l| l.number == lot) {
                return Err(ControlError::UnknownLot(lot));
            }
            for c in &mut b.contacts {
                if matches!(c.role, Role::Owner { .. }) {
                    c.lots.retain(|n| *n != lot);
                }
            }
            b.contacts
                .retain(|c| !(matches!(c.role, Role::Owner { .. }) && c.lots.is_empty()));
        }
        self.add_contact(
            building,
            NewContact {
                lots: vec![lot],
                ..buyer
            },
        )
    }

    /// Sets a building's status (Lost and Inactive both mean "no longer managed").
    pub fn set_building_status(
        &self,
        building: &str,
        status: BuildingStatus,
    ) -> Result<(), ControlError> {
        let mut world = self.shared.write();
        let b = world
            .building_mut(building)
            .ok_or_else(|| ControlError::UnknownBuilding(building.to_owned()))?;
        b.status = status;
        Ok(())
    }

    /// Answers 403 for `building` (not shared with this key or client) when `forbidden`.
    pub fn set_forbidden(&self, building: &str, forbidden: bool) -> Result<(), ControlError> {
        let mut world = self.shared.write();
        let b = world
            .building_mut(building)
            .ok_or_else(|| ControlError::UnknownBuilding(building.to_owned()))?;
        b.forbidden = forbidden;
        Ok(())
    }

    /// Revokes the credentials: the StrataMax key and the PropertyIQ secret change, and every
    /// issued token stops working, so requests answer 401.
    pub fn revoke_credentials(&self) {
        lock(&self.shared.api_key).push_str("-revoked");
        lock(&self.shared.client_secret).push_str("-revoked");
        lock(&self.shared.tokens).valid.clear();
    }

    /// Every PropertyIQ token issued so far stops working now.
    pub fn expire_tokens(&self) {
        lock(&self.shared.tokens).valid.clear();
    }

    /// Every PropertyIQ token issued so far stops working after `requests` more authenticated
    /// API requests (a token expiring in the middle of a sync).
    pub fn expire_tokens_after(&self, requests: u64) {
        lock(&self.shared.tokens).expire_after = Some(requests);
    }

    /// Refuse every token with 401, new ones too, when `reject` (a client whose tokens are
    /// never accepted: the adapter's one refresh must not loop).
    pub fn reject_tokens(&self, reject: bool) {
        lock(&self.shared.tokens).reject_all = reject;
    }

    /// Tokens issued so far.
    pub fn tokens_issued(&self) -> u64 {
        lock(&self.shared.tokens).issued
    }

    /// Answers every request with `status` and an error body echoing the request's headers
    /// and body; `None` turns the echo off.
    pub fn set_echo(&self, status: Option<u16>) {
        *lock(&self.shared.echo) = status;
    }

    /// While echoing, also echo the request in the `x-request-id` reply header (which the
    /// transport reads as the vendor's request id).
    pub fn set_echo_in_request_id(&self, on: bool) {
        *lock(&self.shared.echo_request_id) = on;
    }

    /// Draws faults from `plan` from now on.
    pub fn set_faults(&self, plan: FaultPlan) {
        lock(&self.shared.faults).set_plan(Some(plan));
    }

    /// The next requests get these faults, in order, before any plan is drawn from.
    pub fn inject_faults(&self, kinds: impl IntoIterator<Item = FaultKind>) {
        lock(&self.shared.faults).queue.extend(kinds);
    }

    /// No more faults.
    pub fn clear_faults(&self) {
        let mut faults = lock(&self.shared.faults);
        faults.set_plan(None);
        faults.queue.clear();
    }

    /// The rate limit answered with 429 (`None`: none).
    pub fn set_rate_limit(&self, per_sec: Option<u32>) {
        *lock(&self.shared.limiter) = Limiter::new(per_sec);
    }

    /// The request counters.
    pub fn stats(&self) -> RequestStats {
        RequestStats {
            by_route: lock(&self.shared.arrivals)
                .iter()
                .map(|(r, n)| ((*r).to_owned(), *n))
                .collect(),
            by_route_and_status: lock(&self.shared.answers)
                .iter()
                .map(|((r, s), n)| (((*r).to_owned(), *s), *n))
                .collect(),
        }
    }

    /// Zeroes the request counters.
    pub fn reset_stats(&self) {
        lock(&self.shared.arrivals).clear();
        lock(&self.shared.answers).clear();
    }
}
