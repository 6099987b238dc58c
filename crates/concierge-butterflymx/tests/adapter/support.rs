//! What the adapter tests share: a simulator, an adapter pointed at it (API and OAuth on the
//! same origin) with quick retries, the one-time consent, and request builders.

#![allow(dead_code)]

use chrono::{DateTime, Utc};
use concierge_butterflymx::{ButterflyMx, ButterflyMxConfig};
use concierge_butterflymx_sim::{ButterflyMxSim, SimConfig, SimHandle};
use concierge_core::{
    AuthorizeIntercomRequest, CreateVisitorPassRequest, EnsurePlaceholderRequest,
    EnsurePlaceholderResponse, ExternalRef, IntercomProvider, MemoryVault, SecretVault, TimeWindow,
};
use concierge_http::{RetryPolicy, SecretString};
use std::sync::Arc;
use std::time::Duration;

/// A simulator with the default world.
pub async fn sim() -> SimHandle {
    sim_with(SimConfig::default()).await
}

/// A simulator with `config`.
pub async fn sim_with(config: SimConfig) -> SimHandle {
    ButterflyMxSim::start(config)
        .await
        .expect("the simulator starts")
}

/// Quick retries: 5 ms backoff, `Retry-After` honoured up to 2 s.
pub fn fast_retry(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts: attempts,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_secs(2),
    }
}

/// The adapter's config for `sim`: both hosts on the simulator, no client rate limit, quick
/// retries, 2 s timeout.
pub fn config(sim: &SimHandle) -> ButterflyMxConfig {
    let mut c = ButterflyMxConfig::new(sim.client_id(), SecretString::from(sim.client_secret()));
    c.api_base_url = sim.base_url();
    c.accounts_url = sim.base_url();
    c.rate_limit_per_second = None;
    c.retry = fast_retry(5);
    c.timeout = Duration::from_secs(2);
    c
}

/// An adapter on `vault`, without consent.
pub fn adapter_on(sim: &SimHandle, vault: Arc<dyn SecretVault>) -> ButterflyMx {
    ButterflyMx::new(config(sim), vault).expect("a valid config")
}

/// Gives the one-time consent through `bmx`.
pub async fn consent(sim: &SimHandle, bmx: &ButterflyMx) {
    bmx.authorize(AuthorizeIntercomRequest {
        code: SecretString::from(sim.issue_consent_code()),
    })
    .await
    .expect("the consent code is exchanged");
}

/// An adapter with its own vault, consented.
pub async fn adapter(sim: &SimHandle) -> ButterflyMx {
    let bmx = adapter_on(sim, Arc::new(MemoryVault::default()));
    consent(sim, &bmx).await;
    bmx
}

/// A ButterflyMX reference.
pub fn bmx_ref(id: i64) -> ExternalRef {
    ExternalRef::new("butterflymx", id.to_string())
}

/// The id of a ButterflyMX reference.
pub fn id(r: &ExternalRef) -> i64 {
    assert_eq!(r.provider, "butterflymx");
    r.id.parse().unwrap()
}

/// The site placeholder of `building`.
pub fn placeholder(building: i64) -> EnsurePlaceholderRequest {
    EnsurePlaceholderRequest {
        building: bmx_ref(building),
        unit_label: "STRATIS".into(),
        unit_floor: "G".into(),
        tenant_first_name: "STRATIS".into(),
        tenant_last_name: "User".into(),
        tenant_email: "butterflymx+harbour-view@stratis.example".into(),
    }
}

/// Ensures the placeholder of `building`.
pub async fn provision(bmx: &ButterflyMx, building: i64) -> EnsurePlaceholderResponse {
    bmx.ensure_placeholder(placeholder(building))
        .await
        .expect("the placeholder is provisioned")
}

/// An instant from RFC 3339.
pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// An evening visit in Sydney (AEDT, +11:00), 18:30 to 23:00.
pub fn evening() -> TimeWindow {
    TimeWindow {
        starts_at: at("2026-03-10T18:30:00+11:00"),
        ends_at: at("2026-03-10T23:00:00+11:00"),
    }
}

/// A first-attempt pass for `visitor` through `tenant`.
pub fn pass(
    building: i64,
    tenant: &ExternalRef,
    visitor: &str,
    key: &str,
) -> CreateVisitorPassRequest {
    CreateVisitorPassRequest {
        building: bmx_ref(building),
        tenant: tenant.clone(),
        visitor_name: visitor.into(),
        window: evening(),
        idempotency_key: key.into(),
        retry: false,
    }
}

/// The id of the seeded building `index` (0: Sydney, 1: New York).
pub fn building(sim: &SimHandle, index: usize) -> i64 {
    sim.world().buildings[index].id
}
