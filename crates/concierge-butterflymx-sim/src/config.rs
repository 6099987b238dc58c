//! Configuration of a simulated ButterflyMX account: the seeded world's size, the OAuth2 client
//! and token lifetimes, paging limits, and the fault plan.

use std::fmt;
use std::time::Duration;

/// The shape and behaviour of a simulated ButterflyMX account. Build it with struct update
/// syntax:
///
/// ```
/// use concierge_butterflymx_sim::SimConfig;
/// let config = SimConfig { tenants_per_building: 30, ..SimConfig::default() };
/// assert_eq!(config.buildings, 3);
/// assert_eq!(config.default_per_page, 50);
/// ```
#[derive(Clone)]
pub struct SimConfig {
    /// Seed of the world generator (names, PINs, URL tokens): the same seed and sizes give the
    /// same world. Default `1`.
    pub seed: u64,
    /// Seeded buildings, at least 2. The first is in `Australia/Sydney`, the second in
    /// `America/New_York`, the others cycle through more IANA zones. Default `3`.
    pub buildings: usize,
    /// Units per seeded building. Default `6`.
    pub units_per_building: usize,
    /// Tenants per seeded building, spread over its units; every fourth uses the mobile app,
    /// the others phone calls (the vendor's default). Default `8`.
    pub tenants_per_building: usize,
    /// Access points (doors) per seeded building, each with one device. Default `2`.
    pub access_points_per_building: usize,
    /// The OAuth2 client id. Default `"sim-client-id"`.
    pub client_id: String,
    /// The OAuth2 client secret. Default `"sim-client-secret"`. Redacted in `Debug`.
    pub client_secret: String,
    /// The redirect URI the client registered. Default `urn:ietf:wg:oauth:2.0:oob` (the code is
    /// shown to the admin).
    pub redirect_uri: String,
    /// What issued tokens and consent codes start with (`{prefix}-access-…`,
    /// `{prefix}-refresh-…`, `{prefix}-code-…`): a canary for leak tests. Default `"sim"`.
    pub token_prefix: String,
    /// The access token's lifetime (`expires_in`). Default 24 h, as the vendor documents.
    pub access_token_lifetime: Duration,
    /// Whether a refresh also ends the access token issued with the refresh token used.
    /// Default `true` (stricter than the vendor documents: its old access token may live on).
    pub revoke_access_on_refresh: bool,
    /// The page size when a listing has no `per`. Default `50` \[assumed: the vendor does not
    /// document it; its examples use 50\].
    pub default_per_page: u32,
    /// The largest `per` served; larger values are capped. Default `100` (the spec's maximum).
    pub max_per_page: u32,
    /// Whether exchanges are journalled ([`crate::SimHandle::exchanges`]). Default `true`;
    /// turn it off for long benchmarks.
    pub journal: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            buildings: 3,
            units_per_building: 6,
            tenants_per_building: 8,
            access_points_per_building: 2,
            client_id: "sim-client-id".to_owned(),
            client_secret: "sim-client-secret".to_owned(),
            redirect_uri: OOB_REDIRECT.to_owned(),
            token_prefix: "sim".to_owned(),
            access_token_lifetime: Duration::from_secs(86_400),
            revoke_access_on_refresh: true,
            default_per_page: 50,
            max_per_page: 100,
            journal: true,
        }
    }
}

/// The out-of-band redirect: the authorization page shows the code instead of redirecting.
pub const OOB_REDIRECT: &str = "urn:ietf:wg:oauth:2.0:oob";

impl fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimConfig")
            .field("seed", &self.seed)
            .field("buildings", &self.buildings)
            .field("units_per_building", &self.units_per_building)
            .field("tenants_per_building", &self.tenants_per_building)
            .field(
                "access_points_per_building",
                &self.access_points_per_building,
            )
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("redirect_uri", &self.redirect_uri)
            .field("access_token_lifetime", &self.access_token_lifetime)
            .field("revoke_access_on_refresh", &self.revoke_access_on_refresh)
            .field("default_per_page", &self.default_per_page)
            .field("max_per_page", &self.max_per_page)
            .field("journal", &self.journal)
            .finish_non_exhaustive()
    }
}

/// One kind of injected fault. Faults hit the API (`/v4/…`) only, never the OAuth endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// `429` with `Retry-After` (the plan's `retry_after_secs`); nothing is done.
    RateLimited,
    /// `503`; nothing is done.
    Unavailable,
    /// `500`; nothing is done.
    InternalError,
    /// The request is carried out, then its reply is replaced by a `502` (a gateway that gave
    /// up): the client cannot know a write happened. On a read it is a plain `502`.
    LostReply,
    /// The reply is held for the plan's `hang` before it is served (a client timeout).
    Hang,
}

impl FaultKind {
    /// The snake_case name, as the journal records it.
    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::RateLimited => "rate_limited",
            FaultKind::Unavailable => "unavailable",
            FaultKind::InternalError => "internal_error",
            FaultKind::LostReply => "lost_reply",
            FaultKind::Hang => "hang",
        }
    }
}

/// Random faults: each API request, in arrival order, draws from a generator seeded with `seed`,
/// so a sequential client sees the same faults on every run.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultPlan {
    /// Probability that a request gets a fault, 0 to 1.
    pub rate: f64,
    /// The kinds drawn from, uniformly.
    pub kinds: Vec<FaultKind>,
    /// The generator's seed.
    pub seed: u64,
    /// How long a [`FaultKind::Hang`] holds the reply.
    pub hang: Duration,
    /// The `Retry-After` of an injected 429, in seconds.
    pub retry_after_secs: u64,
}

impl FaultPlan {
    /// `rate` of API requests fail, seeded, with 429 (`Retry-After: 0`), 500, 503 or a lost
    /// reply; no hangs.
    pub fn new(rate: f64, seed: u64) -> Self {
        Self {
            rate,
            kinds: vec![
                FaultKind::RateLimited,
                FaultKind::Unavailable,
                FaultKind::InternalError,
                FaultKind::LostReply,
            ],
            seed,
            hang: Duration::from_secs(2),
            retry_after_secs: 0,
        }
    }
}
