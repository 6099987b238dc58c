//! PropertyIQ over the wire: one token for a whole read, a refresh on a 401, refused
//! credentials, paging and its request counts, retries, a scheme not shared, a 20 % fault rate,
//! and the secret and tokens kept out of every error and `Debug` output.

mod common;

use common::*;
use concierge_core::{
    ExternalRef, ListStrataUsersRequest, ProviderError, ProviderErrorKind, StrataProvider,
};
use concierge_http::SecretString;
use concierge_propertyiq::{PropertyIq, PropertyIqConfig};
use concierge_strata_sim::{
    FaultKind, FaultPlan, StrataSimConfig, StrataSimulator, Vendor, routes,
};
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_full_read_costs_one_token_one_schemes_page_and_one_lots_page_per_scheme() {
    let sim = sim(3, 12, false).await;
    read_all(&adapter(&sim)).await;
    let stats = sim.stats();
    assert_eq!(stats.route_count(routes::TOKEN), 1);
    assert_eq!(stats.route_count(routes::SCHEMES), 1);
    assert_eq!(stats.route_count(routes::LOTS), 3);
    assert_eq!(stats.total(), 5);
    assert_eq!(sim.tokens_issued(), 1);
}

#[tokio::test]
async fn lots_exactly_a_page_long_end_without_an_empty_page_and_merge_across_pages() {
    let sim = sim(2, 12, false).await;
    let whole = read_all(&adapter(&sim)).await;
    for (page_size, pages) in [(12, 1), (6, 2), (5, 3), (1, 12)] {
        sim.reset_stats();
        let mut c = config(&sim);
        c.page_size = page_size;
        let read = read_all(&PropertyIq::new(c).unwrap()).await;
        assert_eq!(read, whole, "page size {page_size}");
        assert_eq!(
            sim.stats().route_count(routes::LOTS),
            2 * pages,
            "page size {page_size}"
        );
    }
    sim.reset_stats();
    let mut c = config(&sim);
    c.page_size = 1;
    let read = read_all(&PropertyIq::new(c).unwrap()).await;
    assert_eq!(read.0, whole.0);
    assert_eq!(sim.stats().route_count(routes::SCHEMES), 2);
}

#[tokio::test]
async fn a_token_expiring_mid_sync_is_refreshed_once_and_the_read_completes() {
    let sim = sim(3, 12, false).await;
    let clean = read_all(&adapter(&sim)).await;
    sim.reset_stats();
    let strata = adapter(&sim);
    sim.expire_tokens_after(2);
    let read = read_all(&strata).await;
    assert_eq!(read, clean);
    let stats = sim.stats();
    assert_eq!(stats.route_count(routes::TOKEN), 2, "{stats:?}");
    assert_eq!(stats.status_count(401), 1, "{stats:?}");
}

#[tokio::test]
async fn a_second_401_after_the_refresh_is_a_permanent_credential_error() {
    let sim = sim(1, 4, false).await;
    sim.reject_tokens(true);
    let e = adapter(&sim)
        .list_buildings(Default::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ProviderErrorKind::Unauthorized);
    assert!(!e.retryable());
    assert_eq!(
        (e.provider.as_str(), e.operation.as_str()),
        ("propertyiq", "list_buildings")
    );
    let stats = sim.stats();
    assert_eq!(stats.route_count(routes::TOKEN), 2, "one refresh, no loop");
    assert_eq!(stats.count(routes::SCHEMES, 401), 2);
}

#[tokio::test]
async fn refused_client_credentials_are_a_permanent_unauthorized_error() {
    let sim = sim(1, 4, false).await;
    let strata = adapter(&sim);
    strata.check_connection().await.unwrap();
    sim.revoke_credentials();
    sim.reset_stats();
    let e = strata.list_buildings(Default::default()).await.unwrap_err();
    assert_eq!(e.kind, ProviderErrorKind::Unauthorized);
    assert!(!e.retryable());
    assert!(e.message.contains("token request refused"), "{e}");
    assert_eq!(e.vendor_code.as_deref(), Some("invalid_client"));
    assert_eq!(sim.stats().route_count(routes::TOKEN), 1);
}

#[tokio::test]
async fn a_scheme_not_shared_is_forbidden_while_the_others_are_read() {
    let sim = sim(3, 6, false).await;
    let strata = adapter(&sim);
    let ids: Vec<String> = sim.world().buildings.iter().map(|b| b.id.clone()).collect();
    sim.set_forbidden(&ids[0], true).unwrap();
    for (i, id) in ids.iter().enumerate() {
        let result = strata
            .list_users(ListStrataUsersRequest {
                building: Some(ExternalRef::new("propertyiq", format!("s-{id}"))),
                cursor: None,
            })
            .await;
        if i == 0 {
            let e = result.unwrap_err();
            assert_eq!(e.kind, ProviderErrorKind::Forbidden);
            assert_eq!(e.http_status, Some(403));
            assert!(!e.retryable());
        } else {
            assert!(!result.unwrap().items.is_empty());
        }
    }
}

#[tokio::test]
async fn a_429_with_retry_after_a_503_and_a_timeout_are_retried() {
    let sim = sim(1, 4, false).await;
    let mut c = config(&sim);
    c.timeout = Duration::from_millis(300);
    let strata = PropertyIq::new(c).unwrap();
    strata.check_connection().await.unwrap();
    sim.reset_stats();
    sim.inject_faults([
        FaultKind::RateLimited,
        FaultKind::Unavailable,
        FaultKind::Hang,
    ]);
    let started = Instant::now();
    let page = strata.list_buildings(Default::default()).await.unwrap();
    assert_eq!(page.items.len(), 1);
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_secs(1),
        "Retry-After honoured: {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_secs(2),
        "the held reply was not waited for: {elapsed:?}"
    );
    let stats = sim.stats();
    assert_eq!(stats.count(routes::SCHEMES, 429), 1);
    assert_eq!(stats.count(routes::SCHEMES, 503), 1);
    assert_eq!(stats.count(routes::SCHEMES, 200), 1);
    assert_eq!(stats.route_count(routes::SCHEMES), 4);
}

#[tokio::test]
async fn with_a_fifth_of_responses_failing_a_full_read_equals_a_fault_free_read() {
    let sim = sim(4, 12, true).await;
    let mut c = config(&sim);
    c.page_size = 5;
    c.timeout = Duration::from_millis(250);
    c.retry = fast_retry(12);
    let strata = PropertyIq::new(c).unwrap();
    let clean = read_all(&strata).await;
    let mut plan = FaultPlan::new(0.2, 7);
    plan.hang = Duration::from_millis(600);
    sim.set_faults(plan);
    sim.reset_stats();
    let faulty = read_all(&strata).await;
    assert_eq!(clean, faulty);
    let stats = sim.stats();
    let failed = stats.status_count(429) + stats.status_count(500) + stats.status_count(503);
    assert!(failed > 0, "faults were injected: {stats:?}");
}

/// A secret whose characters change under encoding.
const CANARY: &str = "canary-S3cret+/=&%{x}";

fn assert_clean(e: &ProviderError, what: &str) {
    for text in [e.to_string(), format!("{e:?}"), e.message.clone()] {
        assert!(!text.contains("canary"), "{what}: {text}");
        assert!(!text.contains("sim-token-"), "{what}: a token in {text}");
    }
}

#[tokio::test]
async fn the_secret_and_tokens_never_show_in_debug_or_errors_even_when_echoed() {
    let sim = StrataSimulator::start(StrataSimConfig {
        client_secret: CANARY.to_owned(),
        rate_limit_per_sec: None,
        ..StrataSimConfig::new(Vendor::PropertyIq)
    })
    .await
    .unwrap();
    let mut c = config(&sim);
    c.retry = fast_retry(2);
    assert!(!format!("{c:?}").contains("canary"));
    let strata = PropertyIq::new(c).unwrap();
    assert!(!format!("{strata:?}").contains("canary"));
    // With a cached token, API errors echo the bearer token.
    strata.check_connection().await.unwrap();
    for status in [400, 403, 500] {
        sim.set_echo(Some(status));
        let e = strata.list_buildings(Default::default()).await.unwrap_err();
        assert!(e.message.contains("you sent"), "the echo came back: {e}");
        assert_clean(&e, &format!("api echo {status}"));
    }
    // A 401 drops the token: the token request's form (with the secret) is echoed.
    sim.set_echo(Some(401));
    let e = strata.list_buildings(Default::default()).await.unwrap_err();
    assert_clean(&e, "token echo 401");
    let fresh = PropertyIq::new(config(&sim)).unwrap();
    for status in [400, 500] {
        sim.set_echo(Some(status));
        let e = fresh.check_connection().await.unwrap_err();
        assert_clean(&e, &format!("token echo {status}"));
    }
    // Echoed into the request id header too: the secret and the request's access token are
    // scrubbed from it.
    sim.set_echo_in_request_id(true);
    for status in [400, 401, 500] {
        sim.set_echo(Some(status));
        let e = fresh.check_connection().await.unwrap_err();
        assert!(
            e.request_id
                .as_deref()
                .unwrap_or_default()
                .contains("you sent")
        );
        assert_clean(&e, &format!("request id echo {status}"));
    }
    sim.set_echo(None);
    strata.check_connection().await.unwrap();
    for status in [400, 403, 500] {
        sim.set_echo(Some(status));
        let e = strata.list_buildings(Default::default()).await.unwrap_err();
        let id = e.request_id.clone().unwrap_or_default();
        assert!(id.contains("you sent"), "the echo came back: {id}");
        assert!(
            !id.contains("sim-token-"),
            "a token in the request id: {id}"
        );
        assert_clean(&e, &format!("api request id echo {status}"));
    }
    let bad = PropertyIqConfig::new("", "c", SecretString::from(CANARY));
    assert_clean(&PropertyIq::new(bad).unwrap_err(), "config error");
}
