//! An in-process HTTP simulator of SALTO Nebula (the API behind Homelok), speaking the routes
//! and JSON the `concierge-salto` adapter uses, so the adapter can be tested end to end.
//!
//! ```
//! use concierge_nebula_sim::{Card, NebulaSimulator, SimConfig};
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     let sim = NebulaSimulator::start(SimConfig::default()).await?;
//!     // Point the adapter at it: SaltoConfig { base_url: sim.base_url(), token_url: sim.token_url(), .. }
//!     assert!(sim.base_url().ends_with("/v1"));
//!     assert_eq!(sim.encoder_names().len(), 2);
//!     sim.place_card("enc-1", Card::Blank); // staff put a blank card on the NCoder
//!     assert_eq!(sim.keys_written(), 0);
//!     sim.stop().await;
//!     Ok(())
//! }
//! ```
//!
//! What is simulated:
//!
//! - `POST /oauth2/token` (form-encoded client credentials; `invalid_client` 401 on a wrong id
//!   or secret) issuing `access_token` + `expires_in`; every other route needs
//!   `Authorization: Bearer <token>` (else 401 `UNAUTHENTICATED`);
//! - under `/v1`: `GET installations/{i}/encoders` (`page_size`, `page_token`,
//!   `next_page_token`), `GET installations/{i}/encoders/{e}`, `POST installations/{i}/users?user_id=`
//!   (`ALREADY_EXISTS` on a repeat), `GET installations/{i}/users/{u}` (with its `card_key`:
//!   `NOT_ASSIGNED`/`PENDING`/`ACTIVE`, `uid`), `POST …/users/{u}/card-key:encode`
//!   (`{"encoder": name}` → an unfinished operation), `POST …/users/{u}/card-key:cancel`
//!   (back to `NOT_ASSIGNED`, `uid` kept), `GET operations/{o}` and `POST operations/{o}:cancel`;
//! - errors as Google's HTTP/JSON error body `{"error": {"code": <http>, "message", "status"}}`;
//! - an encoding finishes [`SimConfig::write_time`] after a blank card is on the encoder; no
//!   card within [`SimConfig::card_wait`] fails it with `DEADLINE_EXCEEDED`, a foreign card with
//!   `FAILED_PRECONDITION`; a second encoding on a busy encoder is refused with `UNAVAILABLE`,
//!   and one on a disconnected encoder with `FAILED_PRECONDITION` (`connected: false` on `GET`);
//! - injected faults on authorised `/v1` requests (never the token endpoint), queued
//!   ([`SimHandle::inject_faults`]) or drawn from a seeded [`FaultPlan`]
//!   ([`SimHandle::set_faults`]): `429` `RESOURCE_EXHAUSTED` with `Retry-After`, `503`
//!   `UNAVAILABLE` and `500` `INTERNAL` (nothing done), a lost reply (the request is carried out,
//!   the client gets a plain `502`) and a hang (the reply held for [`FaultPlan::hang`]); see
//!   [`FaultKind`].
//!
//! JSON is written with proto field names (snake_case), leaving out fields at their default.

mod faults;
mod server;
mod world;

pub use faults::{DEFAULT_HANG, FaultKind, FaultPlan};

use faults::Faults;
use server::{Shared, lock};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use world::{EncoderSim, World};

/// The token endpoint's path.
pub const TOKEN_PATH: &str = "/oauth2/token";

/// A card put on an encoder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Card {
    /// A blank card of this installation: it is written, then taken off.
    Blank,
    /// A card that cannot be written (another system's): the encoding fails with
    /// `FAILED_PRECONDITION`.
    Foreign,
}

/// A card key's state (`CardKey.State`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardKeyState {
    /// `NOT_ASSIGNED`: no key, a write in progress, or cancelled.
    NotAssigned,
    /// `PENDING`: written, waiting for first use at an online lock.
    Pending,
    /// `ACTIVE`.
    Active,
}

impl CardKeyState {
    /// The proto enum name.
    pub fn wire_name(self) -> &'static str {
        match self {
            CardKeyState::NotAssigned => "NOT_ASSIGNED",
            CardKeyState::Pending => "PENDING",
            CardKeyState::Active => "ACTIVE",
        }
    }
}

/// What became of an encoding operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OperationStatus {
    /// Waiting for a card, or writing.
    Running,
    /// The key was written.
    Done,
    /// Finished with an error (`CANCELLED` when cancelled).
    Failed {
        /// The gRPC code.
        code: i64,
        /// Its name, e.g. `DEADLINE_EXCEEDED`.
        status: &'static str,
        /// The message.
        message: String,
    },
}

/// A user as the simulator holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimUser {
    /// The user id.
    pub id: String,
    /// `given_name`.
    pub given_name: String,
    /// `family_name`.
    pub family_name: String,
    /// The card key's state.
    pub card_key_state: CardKeyState,
    /// The card's UID, once a key was written.
    pub uid: String,
    /// Blocked.
    pub blocked: bool,
}

/// An encoder at start.
#[derive(Clone, Debug)]
pub struct EncoderSpec {
    /// The encoder id (the `{e}` of `installations/{i}/encoders/{e}`).
    pub id: String,
    /// `display_name`.
    pub display_name: String,
    /// `connected`.
    pub connected: bool,
    /// `initialized`.
    pub initialized: bool,
}

impl EncoderSpec {
    /// A connected, initialised encoder.
    pub fn new(id: &str, display_name: &str) -> Self {
        Self {
            id: id.into(),
            display_name: display_name.into(),
            connected: true,
            initialized: true,
        }
    }
}

/// The simulator's settings.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// The installation id. Default `inst-1`.
    pub installation: String,
    /// The OAuth2 client id accepted. Default `nebula-sim-client`.
    pub client_id: String,
    /// The OAuth2 client secret accepted. Default `nebula-sim-secret`.
    pub client_secret: String,
    /// An access token's lifetime (`expires_in`). Default 3600 s.
    pub token_lifetime: Duration,
    /// How long writing a card takes once it is on the encoder (a real NCoder: several
    /// seconds). Default 300 ms.
    pub write_time: Duration,
    /// How long the server waits for a card before failing the operation with
    /// `DEADLINE_EXCEEDED`. Default 2 s.
    pub card_wait: Duration,
    /// A written key is `ACTIVE` (else `PENDING` until [`SimHandle::activate`]). Default true.
    pub activate_on_write: bool,
    /// The encoders. Default `enc-1` ("NCoder Lobby") and `enc-2` ("NCoder Back office"),
    /// both connected and initialised, no card on them.
    pub encoders: Vec<EncoderSpec>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            installation: "inst-1".into(),
            client_id: "nebula-sim-client".into(),
            client_secret: "nebula-sim-secret".into(),
            token_lifetime: Duration::from_secs(3600),
            write_time: Duration::from_millis(300),
            card_wait: Duration::from_secs(2),
            activate_on_write: true,
            encoders: vec![
                EncoderSpec::new("enc-1", "NCoder Lobby"),
                EncoderSpec::new("enc-2", "NCoder Back office"),
            ],
        }
    }
}

/// The simulator.
pub struct NebulaSimulator;

impl NebulaSimulator {
    /// Serves an installation as `config` describes on `127.0.0.1` at a free port, in a tokio
    /// task.
    pub async fn start(config: SimConfig) -> std::io::Result<SimHandle> {
        let world = World {
            installation: config.installation,
            write_time: config.write_time,
            card_wait: config.card_wait,
            activate_on_write: config.activate_on_write,
            encoders: config
                .encoders
                .into_iter()
                .map(|e| EncoderSim {
                    id: e.id,
                    display_name: e.display_name,
                    connected: e.connected,
                    initialized: e.initialized,
                    card: None,
                    auto_card: false,
                })
                .collect(),
            users: BTreeMap::new(),
            ops: BTreeMap::new(),
            next_op: 0,
            next_uid: 0,
            tokens: HashMap::new(),
            tokens_issued: 0,
            keys_written: 0,
            written_per_user: BTreeMap::new(),
            encode_requests: 0,
            cancelled_keys: 0,
        };
        let shared = Arc::new(Shared {
            client_id: config.client_id,
            client_secret: config.client_secret,
            token_lifetime: config.token_lifetime,
            world: Mutex::new(world),
            requests: Mutex::new(BTreeMap::new()),
            faults: Mutex::new(Faults::new()),
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
                tracing::warn!(%error, "nebula simulator stopped with an error");
            }
        });
        tracing::info!(%addr, "nebula simulator serving");
        Ok(SimHandle {
            shared,
            addr,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }
}

/// A running simulator: its URLs and credentials, and the control API. Dropping it stops the
/// server.
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

impl SimHandle {
    /// Nebula's base URL, version included: `http://127.0.0.1:{port}/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// The token endpoint: `http://127.0.0.1:{port}/oauth2/token`.
    pub fn token_url(&self) -> String {
        format!("http://{}{TOKEN_PATH}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The accepted client id.
    pub fn client_id(&self) -> &str {
        &self.shared.client_id
    }

    /// The accepted client secret.
    pub fn client_secret(&self) -> &str {
        &self.shared.client_secret
    }

    /// Stops the server and waits (up to 1 s) for it to finish.
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

    // ----- encoders -----

    /// The encoders' resource names, in listing order.
    pub fn encoder_names(&self) -> Vec<String> {
        let w = self.shared.world();
        w.encoders.iter().map(|e| w.encoder_name(&e.id)).collect()
    }

    fn with_encoder(&self, id: &str, f: impl FnOnce(&mut EncoderSim)) {
        let mut w = self.shared.world();
        match w.encoder_mut(id) {
            Some(e) => f(e),
            None => panic!("no encoder {id} in the simulator"),
        }
    }

    /// Sets whether the encoder `id` is connected (`false`: offline, encodings refused).
    pub fn set_connected(&self, id: &str, connected: bool) {
        self.with_encoder(id, |e| e.connected = connected);
    }

    /// Sets whether the encoder `id` is initialised.
    pub fn set_initialized(&self, id: &str, initialized: bool) {
        self.with_encoder(id, |e| e.initialized = initialized);
    }

    /// Puts `card` on the encoder `id` (replacing any card there).
    pub fn place_card(&self, id: &str, card: Card) {
        self.with_encoder(id, |e| e.card = Some((card, std::time::Instant::now())));
    }

    /// Takes the card off the encoder `id`.
    pub fn remove_card(&self, id: &str) {
        self.with_encoder(id, |e| e.card = None);
    }

    /// Whether a card is on the encoder `id` (a written card is taken off).
    pub fn card_present(&self, id: &str) -> bool {
        let w = self.shared.world();
        w.encoder(id)
            .is_some_and(|e| e.card.is_some() || e.auto_card)
    }

    /// Keeps a fresh blank card on the encoder `id` for every encoding (`false`: cards only as
    /// placed).
    pub fn set_auto_card(&self, id: &str, auto: bool) {
        self.with_encoder(id, |e| e.auto_card = auto);
    }

    // ----- users and keys -----

    /// The user `id`.
    pub fn user(&self, id: &str) -> Option<SimUser> {
        let w = self.shared.world();
        w.users.get(id).map(|u| SimUser {
            id: id.into(),
            given_name: u.given_name.clone(),
            family_name: u.family_name.clone(),
            card_key_state: u.state,
            uid: u.uid.clone(),
            blocked: u.blocked,
        })
    }

    /// The ids of every user.
    pub fn user_ids(&self) -> Vec<String> {
        self.shared.world().users.keys().cloned().collect()
    }

    /// Moves a `PENDING` card key of the user `id` to `ACTIVE` (first use at an online lock).
    pub fn activate(&self, id: &str) {
        let mut w = self.shared.world();
        if let Some(u) = w.users.get_mut(id)
            && u.state == CardKeyState::Pending
        {
            u.state = CardKeyState::Active;
        }
    }

    /// Blocks or unblocks the user `id`.
    pub fn set_blocked(&self, id: &str, blocked: bool) {
        let mut w = self.shared.world();
        if let Some(u) = w.users.get_mut(id) {
            u.blocked = blocked;
        }
    }

    /// Deletes the user `id` (Homelok's move-out).
    pub fn delete_user(&self, id: &str) {
        self.shared.world().users.remove(id);
    }

    // ----- operations -----

    /// The status of the operation `name` (`operations/op-1` or `op-1`).
    pub fn operation(&self, name: &str) -> Option<OperationStatus> {
        let id = name.strip_prefix("operations/").unwrap_or(name);
        let w = self.shared.world();
        w.ops.get(id).map(World::op_status)
    }

    /// Every operation's name and status, oldest first.
    pub fn operations(&self) -> Vec<(String, OperationStatus)> {
        let w = self.shared.world();
        let mut ops: Vec<(u64, String, OperationStatus)> = w
            .ops
            .iter()
            .map(|(id, op)| {
                let n = id.trim_start_matches("op-").parse().unwrap_or(0);
                (n, format!("operations/{id}"), World::op_status(op))
            })
            .collect();
        ops.sort_by_key(|(n, _, _)| *n);
        ops.into_iter().map(|(_, name, s)| (name, s)).collect()
    }

    // ----- tokens and counters -----

    /// Invalidates every issued token (the next call gets a 401 and must fetch a new one).
    pub fn revoke_tokens(&self) {
        lock(&self.shared.world).tokens.clear();
    }

    /// Tokens issued so far.
    pub fn tokens_issued(&self) -> u64 {
        lock(&self.shared.world).tokens_issued
    }

    /// Keys written, in total.
    pub fn keys_written(&self) -> u64 {
        self.shared.world().keys_written
    }

    /// Keys written for the user `id`.
    pub fn keys_written_for(&self, id: &str) -> u64 {
        self.shared
            .world()
            .written_per_user
            .get(id)
            .copied()
            .unwrap_or(0)
    }

    /// `:encode` requests received (refused ones included).
    pub fn encode_requests(&self) -> u64 {
        self.shared.world().encode_requests
    }

    /// Card keys cancelled.
    pub fn keys_cancelled(&self) -> u64 {
        self.shared.world().cancelled_keys
    }

    /// Requests per `METHOD /path-template` (ids replaced by placeholders).
    pub fn requests(&self) -> BTreeMap<String, u64> {
        lock(&self.shared.requests).clone()
    }

    // ----- faults -----

    /// Draws faults for authorised API requests from `plan` from now on (its generator starts
    /// from its seed), replacing any plan set before. Queued faults
    /// ([`inject_faults`](Self::inject_faults)) are still served first; the plan's `hang` and
    /// `retry_after_secs` apply to them too.
    ///
    /// ```
    /// # use concierge_nebula_sim::{FaultKind, FaultPlan, NebulaSimulator, SimConfig};
    /// # use std::time::Duration;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = NebulaSimulator::start(SimConfig::default()).await?;
    /// // 30 % of API requests fail, reproducibly; hangs last 300 ms.
    /// sim.set_faults(FaultPlan::new(0.3, 42).with_hang(Duration::from_millis(300)));
    /// sim.clear_faults();
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_faults(&self, plan: FaultPlan) {
        lock(&self.shared.faults).set_plan(plan);
    }

    /// The next authorised API requests get these faults, one each, in order, before any plan is
    /// drawn from; several calls queue up. Without a plan, a queued hang lasts
    /// [`DEFAULT_HANG`] and a queued 429 says `Retry-After: 0`.
    pub fn inject_faults(&self, kinds: impl IntoIterator<Item = FaultKind>) {
        lock(&self.shared.faults).inject(kinds);
    }

    /// No more faults: the plan and the queued faults are dropped (a hang already under way
    /// still runs its course). [`faults_injected`](Self::faults_injected) keeps counting.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// How many requests got a fault so far, queued or drawn, of any kind.
    pub fn faults_injected(&self) -> u64 {
        lock(&self.shared.faults).injected()
    }
}
