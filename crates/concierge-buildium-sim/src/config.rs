//! Configuration of a simulated Buildium account and of injected faults.

use chrono::NaiveDate;
use std::fmt;
use std::time::Duration;

/// The shape and behaviour of a simulated Buildium account.
///
/// Build it with struct update syntax so that new fields break no caller:
///
/// ```
/// use concierge_buildium_sim::SimConfig;
/// let config = SimConfig { seed: 42, properties: 10, units_per_property: 20, ..SimConfig::default() };
/// assert_eq!(config.rate_limit_per_sec, Some(10));
/// ```
#[derive(Clone)]
pub struct SimConfig {
    /// Seed of the portfolio generator: the same seed and sizes give the same portfolio, byte for
    /// byte. Default `1`.
    pub seed: u64,
    /// Number of rental properties. Default `3`.
    pub properties: usize,
    /// Units per property. Default `8`.
    pub units_per_property: usize,
    /// Average number of tenants per unit. The total is exactly
    /// `floor(properties * units_per_property * tenants_per_unit)`; about one unit in ten is
    /// vacant and its tenant sits in the next unit instead. Default `1.0`.
    pub tenants_per_unit: f64,
    /// Probability that a unit's lease is a future lease (starting 1 to 90 days after `today`).
    /// Default `0.10`.
    pub future_share: f64,
    /// Probability that a unit's lease is a past lease (every tenant moved out). Clamped so that
    /// `future_share + past_share <= 1`. Default `0.15`.
    pub past_share: f64,
    /// Probability that a tenant is generated as a bad record (see [`BadRecordKind`]).
    /// Default `0.01`.
    ///
    /// [`BadRecordKind`]: crate::BadRecordKind
    pub bad_record_share: f64,
    /// The simulator's "today": lease and tenant statuses are derived from it when a request is
    /// served. The simulator's clock starts at 12:00:00 UTC on this date; every generated
    /// timestamp is before its midnight. Default 2026-01-05.
    pub today: NaiveDate,
    /// Token-bucket rate limit per client id (capacity and refill per second); `None` disables
    /// it. Default `Some(10)`, Buildium's documented "10 concurrent requests per second".
    pub rate_limit_per_sec: Option<u32>,
    /// The client id requests must send in `x-buildium-client-id`. Default `"sim-client-id"`.
    pub client_id: String,
    /// The secret requests must send in `x-buildium-client-secret`. Default
    /// `"sim-client-secret"`. Redacted from `Debug`.
    pub client_secret: String,
    /// How long a [`FaultKind::Hang`] request is held before it is answered. Default 30 s.
    pub hang_delay: Duration,
    /// Answer `400` to query parameters the endpoint does not define. Default `false`: like the
    /// real API (an ASP.NET service), unknown parameters are ignored, and misspelt `limit` or
    /// `offset` names answer `404`.
    pub reject_unknown_params: bool,
    /// When `orderby` lacks a unique key (`Id`), break ties in an order that changes from page to
    /// page, so paging without a unique key can skip or repeat records, as Buildium warns.
    /// Default `true`. With `false` ties keep `Id` order.
    pub unstable_ties: bool,
    /// Whether [`SimHandle::update_tenant`](crate::SimHandle::update_tenant) also bumps the
    /// `LastUpdatedDateTime` of the tenant's leases (the tenant's own last-updated time, used by
    /// `lastupdatedfrom` on `/v1/leases/tenants`, is always bumped). Default `true`.
    pub tenant_update_touches_leases: bool,
    /// Record every exchange (request and response, bodies included) for
    /// [`SimHandle::exchanges`](crate::SimHandle::exchanges), for contract tests. Default
    /// `false`: the journal keeps every response body, which a benchmark or a long demo does not
    /// want in memory.
    pub journal: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            properties: 3,
            units_per_property: 8,
            tenants_per_unit: 1.0,
            future_share: 0.10,
            past_share: 0.15,
            bad_record_share: 0.01,
            today: NaiveDate::from_ymd_opt(2026, 1, 5).expect("a valid date"),
            rate_limit_per_sec: Some(10),
            client_id: "sim-client-id".to_owned(),
            client_secret: "sim-client-secret".to_owned(),
            hang_delay: Duration::from_secs(30),
            reject_unknown_params: false,
            unstable_ties: true,
            tenant_update_touches_leases: true,
            journal: false,
        }
    }
}

impl fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimConfig")
            .field("seed", &self.seed)
            .field("properties", &self.properties)
            .field("units_per_property", &self.units_per_property)
            .field("tenants_per_unit", &self.tenants_per_unit)
            .field("future_share", &self.future_share)
            .field("past_share", &self.past_share)
            .field("bad_record_share", &self.bad_record_share)
            .field("today", &self.today)
            .field("rate_limit_per_sec", &self.rate_limit_per_sec)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("hang_delay", &self.hang_delay)
            .field("reject_unknown_params", &self.reject_unknown_params)
            .field("unstable_ties", &self.unstable_ties)
            .field(
                "tenant_update_touches_leases",
                &self.tenant_update_touches_leases,
            )
            .field("journal", &self.journal)
            .finish()
    }
}

/// How an injected fault answers a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// `500 Internal Server Error` with an `ApiErrorResponse` body.
    InternalError,
    /// `503 Service Unavailable` (Buildium's maintenance answer) with an `ApiErrorResponse` body.
    Unavailable,
    /// `429 Too Many Requests` without `Retry-After`, as the rate limiter answers.
    RateLimited,
    /// The request is held for the plan's `hang` delay, then answered normally; a client with a
    /// shorter timeout sees a timeout.
    Hang,
}

impl FaultKind {
    /// Every kind, in the order [`FaultPlan::new`] uses.
    pub const ALL: [FaultKind; 4] = [
        FaultKind::InternalError,
        FaultKind::Unavailable,
        FaultKind::RateLimited,
        FaultKind::Hang,
    ];
}

/// Random faults: each authorised request on a known path is hit with probability `rate`, and a
/// hit takes one of `kinds` uniformly. Decisions come from an RNG seeded with `seed` and drawn
/// once per request in arrival order, so a sequential client sees the same faults every run.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultPlan {
    /// Share of requests that fail, from 0 to 1.
    pub rate: f64,
    /// Seed of the fault RNG.
    pub seed: u64,
    /// The kinds a fault is drawn from (empty means no faults).
    pub kinds: Vec<FaultKind>,
    /// How long a [`FaultKind::Hang`] holds its request.
    pub hang: Duration,
}

impl FaultPlan {
    /// A plan failing `rate` of requests with any [`FaultKind`], hanging for `hang`.
    pub fn new(rate: f64, seed: u64, hang: Duration) -> Self {
        Self {
            rate,
            seed,
            kinds: FaultKind::ALL.to_vec(),
            hang,
        }
    }

    /// The same plan restricted to `kinds`.
    pub fn with_kinds(mut self, kinds: impl IntoIterator<Item = FaultKind>) -> Self {
        self.kinds = kinds.into_iter().collect();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_a_config_does_not_show_the_secret() {
        let config = SimConfig {
            client_secret: "hunter2-very-secret".into(),
            ..SimConfig::default()
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2-very-secret"));
        assert!(shown.contains("<redacted>"));
    }
}
