//! Configuration of a simulated strata account: which wire model, the world's size and seed,
//! the credentials, and the fault plan.

use chrono::NaiveDate;
use std::fmt;
use std::time::Duration;

/// Which vendor's (assumed) wire model a simulator speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Vendor {
    /// StrataMax: API key header, page/pageSize paging, buildings and contacts.
    StrataMax,
    /// PropertyIQ: OAuth2 client credentials, offset/limit paging, schemes and lots.
    PropertyIq,
}

/// The shape and behaviour of a simulated strata account. Build it with struct update syntax:
///
/// ```
/// use concierge_strata_sim::{StrataSimConfig, Vendor};
/// let config = StrataSimConfig { buildings: 4, lots_per_building: 20, ..StrataSimConfig::new(Vendor::StrataMax) };
/// assert!(config.scenarios);
/// ```
#[derive(Clone)]
pub struct StrataSimConfig {
    /// The wire model served.
    pub vendor: Vendor,
    /// Seed of the world generator: the same seed, sizes and `today` give the same world.
    /// Default `1`.
    pub seed: u64,
    /// Number of buildings (StrataMax) or schemes (PropertyIQ). Default `3`.
    pub buildings: usize,
    /// Lots per building. Default `12`; the scripted scenarios need at least 8.
    pub lots_per_building: usize,
    /// Share of lots with a tenant. Default `0.3`.
    pub tenant_share: f64,
    /// Include the scripted scenarios that both wire models express alike (see the crate docs).
    /// Default `true`.
    pub scenarios: bool,
    /// Include the vendor-specific oddities (see the crate docs): records one wire model carries
    /// and the other cannot. Default `false`.
    pub quirks: bool,
    /// The day tenancy dates are generated around. Default: the system's date (UTC).
    pub today: NaiveDate,
    /// The API key StrataMax requests must carry. Default `"sim-api-key"`. Redacted in `Debug`.
    pub api_key: String,
    /// The header the API key is read from. Default `"X-Api-Key"`.
    pub api_key_header: String,
    /// The PropertyIQ client id. Default `"sim-client"`.
    pub client_id: String,
    /// The PropertyIQ client secret. Default `"sim-client-secret"`. Redacted in `Debug`.
    pub client_secret: String,
    /// The PropertyIQ token path. Default `"/oauth/token"`.
    pub token_path: String,
    /// The lifetime given in `expires_in`. Default 3600 s.
    pub token_lifetime: Duration,
    /// The largest page served (StrataMax `pageSize`, PropertyIQ `limit`); larger requests are
    /// capped and the reply says so. Default: 500 for StrataMax, 250 for PropertyIQ.
    pub max_page_size: u32,
    /// Token-bucket rate limit per second, answered with 429 and `Retry-After: 1`; `None`
    /// disables it. Default `Some(5)`.
    pub rate_limit_per_sec: Option<u32>,
}

impl StrataSimConfig {
    /// The defaults for `vendor`.
    pub fn new(vendor: Vendor) -> Self {
        Self {
            vendor,
            seed: 1,
            buildings: 3,
            lots_per_building: 12,
            tenant_share: 0.3,
            scenarios: true,
            quirks: false,
            today: chrono::Utc::now().date_naive(),
            api_key: "sim-api-key".to_owned(),
            api_key_header: "X-Api-Key".to_owned(),
            client_id: "sim-client".to_owned(),
            client_secret: "sim-client-secret".to_owned(),
            token_path: "/oauth/token".to_owned(),
            token_lifetime: Duration::from_secs(3600),
            max_page_size: match vendor {
                Vendor::StrataMax => 500,
                Vendor::PropertyIq => 250,
            },
            rate_limit_per_sec: Some(5),
        }
    }
}

impl fmt::Debug for StrataSimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StrataSimConfig")
            .field("vendor", &self.vendor)
            .field("seed", &self.seed)
            .field("buildings", &self.buildings)
            .field("lots_per_building", &self.lots_per_building)
            .field("scenarios", &self.scenarios)
            .field("quirks", &self.quirks)
            .field("today", &self.today)
            .field("api_key", &"<redacted>")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("rate_limit_per_sec", &self.rate_limit_per_sec)
            .finish_non_exhaustive()
    }
}

/// One kind of injected fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// `429` with `Retry-After` (the plan's `retry_after_secs`).
    RateLimited,
    /// `503`.
    Unavailable,
    /// `500`.
    InternalError,
    /// The reply is held for the plan's `hang` before it is served (a client timeout).
    Hang,
}

/// Random faults: each request, in arrival order, draws from a generator seeded with `seed`,
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
    /// `rate` of requests fail with any kind, seeded; hangs last 2 s, 429s ask for 0 s.
    pub fn new(rate: f64, seed: u64) -> Self {
        Self {
            rate,
            kinds: vec![
                FaultKind::RateLimited,
                FaultKind::Unavailable,
                FaultKind::InternalError,
                FaultKind::Hang,
            ],
            seed,
            hang: Duration::from_secs(2),
            retry_after_secs: 0,
        }
    }
}
