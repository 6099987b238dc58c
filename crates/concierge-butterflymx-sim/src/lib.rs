//! An in-process simulator of **ButterflyMX API v4** and its OAuth2 server, speaking the
//! vendor's wire format, for adapter tests, demos and benchmarks.
//!
//! ```
//! use concierge_butterflymx_sim::{ButterflyMxSim, FaultPlan, SimConfig, routes};
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     let sim = ButterflyMxSim::start(SimConfig::default()).await?;
//!     // API:   {base_url}/v4/buildings?page=1&per=100   Authorization: Bearer <access token>
//!     // OAuth: {base_url}/oauth/authorize, POST {base_url}/oauth/token
//!     assert!(sim.base_url().starts_with("http://127.0.0.1:"));
//!     let code = sim.issue_consent_code(); // what the building admin would be shown
//!     assert!(code.starts_with("sim-code-"));
//!     let sydney = sim.world().buildings[0].clone();
//!     assert_eq!(sydney.time_zone, "Australia/Sydney");
//!     sim.set_faults(FaultPlan::new(0.2, 7)); // a fifth of API replies fail, reproducibly
//!     assert_eq!(sim.stats().route_count(routes::BUILDINGS), 0);
//!     sim.stop().await;
//!     Ok(())
//! }
//! ```
//!
//! What is simulated (details in `README.md`):
//!
//! - **OAuth2, authorization code**: `GET /oauth/authorize` (the admin consents at once; the
//!   out-of-band redirect shows the code), [`SimHandle::issue_consent_code`] for tests, and
//!   `POST /oauth/token` with the `authorization_code` and `refresh_token` grants. A reply is
//!   `{access_token, token_type, expires_in, refresh_token, scope, created_at}`; every refresh
//!   rotates both tokens and ends the refresh token used (and, by default, the access token
//!   issued with it). Access tokens expire ([`SimConfig::access_token_lifetime`],
//!   [`SimHandle::expire_access_tokens`]); a wrong or old token is `401`
//!   `{"errors":[{"field":"base","code":"unauthorized","messages":"Unauthorized"}]}`; a refused
//!   grant is `401 invalid_grant`, a wrong client `401 invalid_client`.
//! - **API**: buildings (with IANA `time_zone`), units, tenants (with `contact_preference`),
//!   access points, custom keychains and virtual keys, with the spec's wrapping
//!   (`{"unit":{…}}`, `{"tenant":{…}}`, `{"keychain":{…}}`, the flat virtual key body),
//!   replies `{"data":…}` and `{"data":[…],"page_info":{…}}`, Ransack filters, paging (`page`
//!   from 1, `per` 1–100, default 50 \[assumed\]), 201 on create, 204 on delete, and the 422
//!   codes the adapter meets (`blank`, `taken` for a unit label or a tenant email,
//!   `start_time_must_be_before_the_end_time`, `must_have_an_associated_unit_or_tenant`,
//!   `unknown_attribute` for a key an `additionalProperties: false` body does not allow).
//! - **Scripting** through [`SimHandle`]: add buildings, units, tenants and access points, set a
//!   tenant's preference, take a building away from our application (it then answers 404),
//!   remove records, revoke the consent.
//! - **Faults** ([`FaultPlan`], [`SimHandle::inject_faults`]): 429 with `Retry-After`, 500, 503,
//!   held replies, and lost replies (a write is done, then answered 502). An **echo mode** puts
//!   what a request carried into its error body (and optionally `x-request-id`) for secret-leak
//!   tests. Every reply has an `x-request-id`.
//! - **Counters** per route template ([`routes`]) and an **exchange journal**
//!   ([`SimHandle::exchanges`]) of every request and reply, secrets redacted.

#![warn(missing_docs)]

mod api;
mod config;
mod control;
mod journal;
mod listing;
mod oauth;
mod reply;
mod server;
mod world;
mod writes;

pub use config::{FaultKind, FaultPlan, OOB_REDIRECT, SimConfig};
pub use control::{ControlError, Counts, NewTenant, RequestStats};
pub use journal::{Exchange, REDACTED};
pub use server::routes;
pub use world::{
    AccessPoint, Building, Keychain, Preference, Tenant, Unit, VirtualKey, World, timestamp,
};

use oauth::OAuth;
use server::{Faults, Shared};
use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Starts simulators.
#[derive(Debug)]
pub struct ButterflyMxSim;

impl ButterflyMxSim {
    /// Generates the world `config` describes and serves it, API and OAuth on the same origin,
    /// on `127.0.0.1` at a free port.
    pub async fn start(config: SimConfig) -> std::io::Result<SimHandle> {
        let mut rng = world::rng(config.seed);
        let world = world::World::generate(&config, &mut rng);
        let shared = Arc::new(Shared {
            oauth: Mutex::new(OAuth::new(config.access_token_lifetime)),
            journal_on: AtomicBool::new(config.journal),
            config,
            world: Mutex::new(world),
            rng: Mutex::new(rng),
            faults: Mutex::new(Faults::new()),
            echo: Mutex::new(None),
            echo_request_id: AtomicBool::new(false),
            refuse_api: AtomicBool::new(false),
            arrivals: Mutex::new(BTreeMap::new()),
            answers: Mutex::new(BTreeMap::new()),
            journal: Mutex::new(Vec::new()),
            sequence: AtomicU64::new(0),
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
                tracing::warn!(%error, "butterflymx simulator stopped with an error");
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

/// A running simulator: its address and client credentials, and the control API
/// (`control.rs`). Dropping it stops the server.
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
            .field("config", &self.shared.config)
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

impl SimHandle {
    /// `http://127.0.0.1:<port>`, without a trailing slash: the API base URL and the OAuth
    /// (accounts) URL at once.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The OAuth2 client id.
    pub fn client_id(&self) -> &str {
        &self.shared.config.client_id
    }

    /// The OAuth2 client secret.
    pub fn client_secret(&self) -> &str {
        &self.shared.config.client_secret
    }

    /// The registered redirect URI.
    pub fn redirect_uri(&self) -> &str {
        &self.shared.config.redirect_uri
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
}
