//! Error mapping: the vendor's 422 code and field messages, the 401's plural `messages`, 404,
//! request ids, retried 429 and 5xx reads, creates whose answer was lost, ids refused before
//! any request.

use crate::support::*;
use concierge_butterflymx_sim::{FaultKind, routes};
use concierge_core::{
    ExternalRef, GetIntercomBuildingRequest, IntercomProvider, ProviderErrorKind, RetryClass,
};

#[tokio::test]
async fn a_422_is_rejected_with_the_vendor_code_and_its_field_messages() {
    let sim = sim().await;
    let bmx = adapter(&sim).await;
    let b = building(&sim, 0);
    let ghost = bmx_ref(1);
    let e = bmx
        .create_visitor_pass(pass(b, &ghost, "Nobody", "vp_x"))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.http_status),
        (ProviderErrorKind::Rejected, Some(422))
    );
    assert_eq!(e.vendor_code.as_deref(), Some("blank"));
    assert!(e.message.contains("building: must exist"), "{e}");
    assert!(
        e.message.contains("must have an associated unit or tenant"),
        "{e}"
    );
    assert!(
        e.request_id
            .as_deref()
            .unwrap_or_default()
            .starts_with("sim-request-"),
        "{e:?}"
    );
    assert!(!e.retryable());
}

#[tokio::test]
async fn a_401_s_plural_messages_is_read_after_the_one_refresh() {
    let sim = sim().await;
    let bmx = adapter(&sim).await;
    sim.refuse_api_tokens(true);
    sim.reset_stats();
    let e = bmx.list_buildings(None).await.unwrap_err();
    assert_eq!(
        (e.kind, e.http_status),
        (ProviderErrorKind::Unauthorized, Some(401))
    );
    assert_eq!(e.vendor_code.as_deref(), Some("unauthorized"));
    assert!(
        e.message.contains("HTTP 401 Unauthorized: Unauthorized"),
        "{e}"
    );
    assert!(e.message.contains("freshly refreshed"), "{e}");
    let stats = sim.stats();
    assert_eq!(
        stats.count(routes::BUILDINGS, 401),
        2,
        "one replay, no loop"
    );
    assert_eq!(sim.refreshes(), 1);
}

#[tokio::test]
async fn an_unknown_building_is_not_found_and_a_foreign_id_is_refused_without_a_request() {
    let sim = sim().await;
    let bmx = adapter(&sim).await;
    let e = bmx
        .get_building(GetIntercomBuildingRequest {
            building: bmx_ref(42),
        })
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.vendor_code.as_deref()),
        (ProviderErrorKind::NotFound, Some("not_found"))
    );
    sim.reset_stats();
    for building in [
        ExternalRef::new("buildium", "42"),
        bmx_ref(0),
        ExternalRef::new("butterflymx", "../x"),
    ] {
        let e = bmx
            .get_building(GetIntercomBuildingRequest { building })
            .await
            .unwrap_err();
        assert_eq!(e.kind, ProviderErrorKind::Rejected);
    }
    assert_eq!(sim.stats().total(), 0);
}

#[tokio::test]
async fn a_503_and_a_429_on_a_read_are_retried() {
    let sim = sim().await;
    let bmx = adapter(&sim).await;
    sim.reset_stats();
    sim.inject_faults([
        FaultKind::Unavailable,
        FaultKind::RateLimited,
        FaultKind::InternalError,
    ]);
    let page = bmx.list_buildings(None).await.unwrap();
    assert_eq!(page.items.len(), 3);
    let stats = sim.stats();
    assert_eq!(
        (
            stats.count(routes::BUILDINGS, 503),
            stats.count(routes::BUILDINGS, 429),
            stats.count(routes::BUILDINGS, 500)
        ),
        (1, 1, 1)
    );
    assert_eq!(stats.count(routes::BUILDINGS, 200), 1);
}

#[tokio::test]
async fn a_5xx_on_a_create_is_an_unknown_outcome_and_a_429_a_throttle() {
    let sim = sim().await;
    let bmx = adapter(&sim).await;
    let b = building(&sim, 1);
    let tenant = provision(&bmx, b).await.tenant;
    sim.inject_fault_on(routes::CREATE_CUSTOM_KEYCHAIN, FaultKind::InternalError);
    let e = bmx
        .create_visitor_pass(pass(b, &tenant, "Alia", "vp_500"))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.retry),
        (ProviderErrorKind::Unavailable, RetryClass::UnknownOutcome)
    );
    assert!(e.message.contains("look it up"), "{e}");
    assert_eq!(
        sim.stats().route_count(routes::CREATE_CUSTOM_KEYCHAIN),
        1,
        "a create is not sent twice blindly"
    );
    sim.inject_fault_on(routes::CREATE_CUSTOM_KEYCHAIN, FaultKind::RateLimited);
    let e = bmx
        .create_visitor_pass(pass(b, &tenant, "Alia", "vp_429"))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.retry),
        (ProviderErrorKind::RateLimited, RetryClass::Throttled)
    );
}
