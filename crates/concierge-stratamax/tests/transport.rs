//! StrataMax over the wire: paging and its request counts, retries (429 with Retry-After, 5xx,
//! timeouts), a revoked key, a building not shared, the rate limit, a 20 % fault rate, and the
//! key kept out of every error and `Debug` output.

mod common;

use common::*;
use concierge_core::{
    ExternalRef, ListStrataUsersRequest, ProviderError, ProviderErrorKind, StrataProvider,
};
use concierge_http::SecretString;
use concierge_strata_sim::{
    FaultKind, FaultPlan, StrataSimConfig, StrataSimulator, Vendor, routes,
};
use concierge_stratamax::{StrataMax, StrataMaxConfig};
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_full_read_costs_one_request_per_listing_with_the_default_page_size() {
    let sim = sim(3, 12, false).await;
    let read = read_all(&adapter(&sim)).await;
    let stats = sim.stats();
    // 1 buildings page + 1 contacts page per building: the minimum the data needs.
    assert_eq!(stats.route_count(routes::BUILDINGS), 1);
    assert_eq!(stats.route_count(routes::CONTACTS), 3);
    assert_eq!(stats.total(), 4);
    assert_eq!(read.0.len(), 3);
}

#[tokio::test]
async fn a_listing_exactly_one_page_long_ends_without_an_empty_page() {
    let sim = sim(3, 10, false).await;
    let building = &sim.world().buildings[1];
    let contacts = building.contacts.len() as u32;
    let whole = read_all(&adapter(&sim)).await;

    for (page_size, pages) in [(contacts, 1), (contacts - 1, 2), (1, contacts)] {
        sim.reset_stats();
        let mut c = config(&sim);
        c.page_size = page_size;
        let strata = StrataMax::new(c).unwrap();
        let mut cursor = None;
        let mut users = Vec::new();
        loop {
            let page = strata
                .list_users(ListStrataUsersRequest {
                    building: Some(ExternalRef::new("stratamax", format!("b-{}", building.id))),
                    cursor,
                })
                .await
                .unwrap();
            users.extend(page.items);
            match page.next {
                Some(n) => cursor = Some(n),
                None => break,
            }
        }
        assert_eq!(
            sim.stats().route_count(routes::CONTACTS),
            u64::from(pages),
            "{page_size}"
        );
        assert_eq!(users, whole.1[&format!("b-{}", building.id)], "{page_size}");
    }

    // Three buildings at one per page: three requests, no fourth empty page.
    sim.reset_stats();
    let mut c = config(&sim);
    c.page_size = 1;
    let read = read_all(&StrataMax::new(c).unwrap()).await;
    assert_eq!(read.0, whole.0);
    assert_eq!(sim.stats().route_count(routes::BUILDINGS), 3);
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_for_then_succeeds() {
    let sim = sim(1, 4, false).await;
    sim.inject_faults([FaultKind::RateLimited]);
    let started = Instant::now();
    let page = adapter(&sim)
        .list_buildings(Default::default())
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 honoured"
    );
    let stats = sim.stats();
    assert_eq!(stats.count(routes::BUILDINGS, 429), 1);
    assert_eq!(stats.count(routes::BUILDINGS, 200), 1);
}

#[tokio::test]
async fn a_500_and_a_503_are_retried_with_backoff() {
    let sim = sim(1, 4, false).await;
    sim.inject_faults([FaultKind::Unavailable, FaultKind::InternalError]);
    adapter(&sim)
        .list_buildings(Default::default())
        .await
        .unwrap();
    let stats = sim.stats();
    assert_eq!(
        (
            stats.status_count(503),
            stats.status_count(500),
            stats.status_count(200)
        ),
        (1, 1, 1)
    );
}

#[tokio::test]
async fn a_timeout_is_retried() {
    let sim = sim(1, 4, false).await;
    sim.inject_faults([FaultKind::Hang]);
    let mut c = config(&sim);
    c.timeout = Duration::from_millis(300);
    let started = Instant::now();
    StrataMax::new(c)
        .unwrap()
        .list_buildings(Default::default())
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the held reply was not waited for"
    );
    assert_eq!(sim.stats().route_count(routes::BUILDINGS), 2);
}

#[tokio::test]
async fn a_revoked_key_is_a_typed_permanent_error_naming_provider_operation_and_code() {
    let sim = sim(1, 4, false).await;
    let strata = adapter(&sim);
    strata.check_connection().await.unwrap();
    sim.revoke_credentials();
    sim.reset_stats();
    let e = strata.list_buildings(Default::default()).await.unwrap_err();
    assert_eq!(e.kind, ProviderErrorKind::Unauthorized);
    assert!(!e.retryable());
    assert_eq!(
        (e.provider.as_str(), e.operation.as_str()),
        ("stratamax", "list_buildings")
    );
    assert_eq!(e.vendor_code.as_deref(), Some("invalid_api_key"));
    assert_eq!(e.http_status, Some(401));
    let shown = e.to_string();
    assert!(
        shown.contains("stratamax") && shown.contains("list_buildings"),
        "{shown}"
    );
    assert_eq!(sim.stats().total(), 1, "a 401 is not retried");
    let e = strata.check_connection().await.unwrap_err();
    assert_eq!(e.kind, ProviderErrorKind::Unauthorized);
}

#[tokio::test]
async fn a_building_not_shared_is_forbidden_while_the_others_are_read() {
    let sim = sim(3, 6, false).await;
    let strata = adapter(&sim);
    let ids: Vec<String> = sim.world().buildings.iter().map(|b| b.id.clone()).collect();
    sim.set_forbidden(&ids[1], true).unwrap();
    for (i, id) in ids.iter().enumerate() {
        let result = strata
            .list_users(ListStrataUsersRequest {
                building: Some(ExternalRef::new("stratamax", format!("b-{id}"))),
                cursor: None,
            })
            .await;
        if i == 1 {
            let e = result.unwrap_err();
            assert_eq!(e.kind, ProviderErrorKind::Forbidden);
            assert_eq!(e.vendor_code.as_deref(), Some("building_not_authorised"));
            assert!(!e.retryable());
        } else {
            assert!(!result.unwrap().items.is_empty());
        }
    }
}

#[tokio::test]
async fn the_default_rate_limit_keeps_a_read_under_the_vendors_limit() {
    let sim = StrataSimulator::start(StrataSimConfig {
        buildings: 4,
        lots_per_building: 6,
        rate_limit_per_sec: Some(5),
        ..StrataSimConfig::new(Vendor::StrataMax)
    })
    .await
    .unwrap();
    let mut c = config(&sim);
    c.page_size = 4;
    c.rate_limit_per_second = Some(5);
    c.retry = fast_retry(1);
    let read = read_all(&StrataMax::new(c).unwrap()).await;
    assert_eq!(read.0.len(), 4);
    let stats = sim.stats();
    assert!(stats.total() >= 9, "{stats:?}");
    assert_eq!(stats.status_count(429), 0);
}

#[tokio::test]
async fn with_a_fifth_of_responses_failing_a_full_read_equals_a_fault_free_read() {
    let sim = sim(4, 12, true).await;
    let mut c = config(&sim);
    c.page_size = 5;
    c.timeout = Duration::from_millis(250);
    c.retry = fast_retry(12);
    let strata = StrataMax::new(c).unwrap();
    let clean = read_all(&strata).await;
    let mut plan = FaultPlan::new(0.2, 42);
    plan.hang = Duration::from_millis(600);
    sim.set_faults(plan);
    sim.reset_stats();
    let faulty = read_all(&strata).await;
    assert_eq!(clean, faulty);
    let stats = sim.stats();
    let failed = stats.status_count(429) + stats.status_count(500) + stats.status_count(503);
    assert!(failed > 0, "faults were injected: {stats:?}");
    assert!(stats.total() > stats.status_count(200), "{stats:?}");
}

/// A key whose characters change under encoding (header-safe).
const CANARY: &str = "canary-K3y+/=&%{x}";

fn assert_clean(e: &ProviderError, what: &str) {
    for text in [e.to_string(), format!("{e:?}"), e.message.clone()] {
        assert!(!text.contains("canary"), "{what}: {text}");
    }
    assert!(
        !e.request_id.clone().unwrap_or_default().contains("canary"),
        "{what}"
    );
}

#[tokio::test]
async fn the_key_never_shows_in_debug_or_errors_even_when_echoed() {
    let sim = StrataSimulator::start(StrataSimConfig {
        api_key: CANARY.to_owned(),
        rate_limit_per_sec: None,
        ..StrataSimConfig::new(Vendor::StrataMax)
    })
    .await
    .unwrap();
    let mut c = config(&sim);
    c.retry = fast_retry(2);
    assert!(!format!("{c:?}").contains("canary"));
    let strata = StrataMax::new(c).unwrap();
    assert!(!format!("{strata:?}").contains("canary"));
    strata.check_connection().await.unwrap();
    sim.set_echo_in_request_id(true);
    for status in [400, 401, 403, 500] {
        sim.set_echo(Some(status));
        let e = strata.list_buildings(Default::default()).await.unwrap_err();
        assert!(e.message.contains("you sent"), "the echo came back: {e}");
        assert_clean(&e, &format!("echo {status}"));
        let e = strata.check_connection().await.unwrap_err();
        assert_clean(&e, &format!("ping echo {status}"));
    }
    let mut bad = StrataMaxConfig::new(SecretString::from(CANARY));
    bad.page_size = 0;
    let e = StrataMax::new(bad).unwrap_err();
    assert_clean(&e, "config error");
}
