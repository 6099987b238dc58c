//! R-VISIT-3: a pass is a keychain for exactly the window, through the placeholder tenant,
//! with one key; a retry after a lost reply never makes a second; an empty window is refused
//! before any request; a first attempt costs two requests once the doors are cached.

use crate::support::*;
use concierge_butterflymx_sim::{FaultKind, SimHandle, routes};
use concierge_core::{
    IntercomProvider, ProviderErrorKind, RetryClass, RevokeVisitorPassRequest, TimeWindow,
};

async fn site(
    sim: &SimHandle,
    index: usize,
) -> (
    concierge_butterflymx::ButterflyMx,
    i64,
    concierge_core::ExternalRef,
) {
    let bmx = adapter(sim).await;
    let b = building(sim, index);
    let made = provision(&bmx, b).await;
    (bmx, b, made.tenant)
}

#[tokio::test]
async fn a_pass_is_a_keychain_for_exactly_the_window_through_the_placeholder_with_one_key() {
    // R-VISIT-3
    let sim = sim().await;
    let (bmx, b, tenant) = site(&sim, 0).await;
    let pass = bmx
        .create_visitor_pass(pass(b, &tenant, "Paul Atreides", "vp_1"))
        .await
        .unwrap();

    let keychains = sim.keychains(b);
    assert_eq!(keychains.len(), 1);
    let k = &keychains[0];
    assert_eq!(id(&pass.external), k.id);
    assert_eq!(
        (k.starts_at.as_str(), k.ends_at.as_str()),
        ("2026-03-10T07:30:00Z", "2026-03-10T12:00:00Z")
    );
    assert_eq!(
        k.tenant_id,
        Some(id(&tenant)),
        "issued through the placeholder tenant"
    );
    assert_eq!(k.name, "Paul Atreides [vp_1]");
    assert_eq!(k.access_point_ids.len(), 2, "every door of the building");
    assert_eq!(pass.window, evening(), "the window as recorded");
    let keys = sim.virtual_keys(b);
    assert_eq!(keys.len(), 1);
    assert_eq!(k.virtual_key_ids, [keys[0].id]);
    assert_eq!(pass.key.as_ref().map(id), Some(keys[0].id));
    assert_eq!(
        pass.qr_code_url.as_deref(),
        Some(keys[0].qr_code_url.as_str())
    );
    assert_eq!(
        pass.instructions_url.as_deref(),
        Some(keys[0].instructions_url.as_str())
    );
    assert_eq!(
        (keys[0].email.as_deref(), keys[0].sms_number.as_deref()),
        (None, None),
        "sent to nobody"
    );
    let sent = sim
        .exchanges()
        .into_iter()
        .find(|x| x.route == routes::CREATE_VIRTUAL_KEY)
        .unwrap();
    assert_eq!(
        sent.request_body,
        Some(serde_json::json!({"keychain_id": k.id, "name": "Paul Atreides"}))
    );
}

#[tokio::test]
async fn a_first_attempt_costs_two_requests_plus_one_door_lookup_when_not_cached() {
    // R-VISIT-3
    let sim = sim().await;
    let (bmx, b, tenant) = site(&sim, 1).await;
    sim.reset_stats();
    bmx.create_visitor_pass(pass(b, &tenant, "Gurney", "vp_a"))
        .await
        .unwrap();
    let stats = sim.stats();
    assert_eq!(stats.api_total(), 3, "{stats:?}");
    assert_eq!(stats.route_count(routes::ACCESS_POINTS), 1);
    sim.reset_stats();
    bmx.create_visitor_pass(pass(b, &tenant, "Thufir", "vp_b"))
        .await
        .unwrap();
    let stats = sim.stats();
    assert_eq!(
        stats.api_total(),
        2,
        "doors cached: keychain and key only: {stats:?}"
    );
    assert_eq!(stats.count(routes::CREATE_CUSTOM_KEYCHAIN, 201), 1);
    assert_eq!(stats.count(routes::CREATE_VIRTUAL_KEY, 201), 1);

    let mut uncached = config(&sim);
    uncached.access_point_cache = std::time::Duration::ZERO;
    let fresh = concierge_butterflymx::ButterflyMx::new(
        uncached,
        std::sync::Arc::new(concierge_core::MemoryVault::default()),
    )
    .unwrap();
    consent(&sim, &fresh).await;
    for key in ["vp_c", "vp_d"] {
        sim.reset_stats();
        fresh
            .create_visitor_pass(pass(b, &tenant, "Chani", key))
            .await
            .unwrap();
        assert_eq!(sim.stats().api_total(), 3, "no cache: the doors every time");
    }
}

#[tokio::test]
async fn a_lost_reply_on_the_keychain_then_a_retry_leaves_one_keychain_and_one_key() {
    // R-VISIT-3
    let sim = sim().await;
    let (bmx, b, tenant) = site(&sim, 0).await;
    sim.inject_fault_on(routes::CREATE_CUSTOM_KEYCHAIN, FaultKind::LostReply);
    let e = bmx
        .create_visitor_pass(pass(b, &tenant, "Irulan", "vp_lost"))
        .await
        .unwrap_err();
    assert_eq!(e.retry, RetryClass::UnknownOutcome, "{e}");
    assert_eq!(e.http_status, Some(502));
    assert_eq!(sim.keychains(b).len(), 1, "the keychain was made");
    assert_eq!(sim.virtual_keys(b).len(), 0);

    sim.reset_stats();
    let mut again = pass(b, &tenant, "Irulan", "vp_lost");
    again.retry = true;
    let made = bmx.create_visitor_pass(again.clone()).await.unwrap();
    assert_eq!((sim.keychains(b).len(), sim.virtual_keys(b).len()), (1, 1));
    assert_eq!(id(&made.external), sim.keychains(b)[0].id);
    let stats = sim.stats();
    assert_eq!(
        stats.route_count(routes::CREATE_CUSTOM_KEYCHAIN),
        0,
        "found, not made again"
    );
    assert_eq!(
        stats.api_total(),
        3,
        "find the keychain, find no key, mint one: {stats:?}"
    );

    sim.reset_stats();
    let same = bmx.create_visitor_pass(again).await.unwrap();
    assert_eq!((same.external, same.key), (made.external, made.key));
    assert_eq!(
        sim.stats().api_total(),
        2,
        "a complete pass is found in two requests"
    );
    assert_eq!((sim.keychains(b).len(), sim.virtual_keys(b).len()), (1, 1));
}

#[tokio::test]
async fn a_lost_reply_on_the_key_is_an_unknown_outcome_and_a_retry_finds_the_key() {
    // R-VISIT-3
    let sim = sim().await;
    let (bmx, b, tenant) = site(&sim, 1).await;
    sim.inject_fault_on(routes::CREATE_VIRTUAL_KEY, FaultKind::LostReply);
    let e = bmx
        .create_visitor_pass(pass(b, &tenant, "Liet", "vp_key"))
        .await
        .unwrap_err();
    assert_eq!(e.retry, RetryClass::UnknownOutcome);
    assert!(e.message.contains("retry"), "{e}");
    let mut again = pass(b, &tenant, "Liet", "vp_key");
    again.retry = true;
    let made = bmx.create_visitor_pass(again).await.unwrap();
    assert_eq!((sim.keychains(b).len(), sim.virtual_keys(b).len()), (1, 1));
    assert_eq!(made.key.as_ref().map(id), Some(sim.virtual_keys(b)[0].id));
}

#[tokio::test]
async fn a_retry_with_nothing_made_before_creates_the_pass_once() {
    // R-VISIT-3
    let sim = sim().await;
    let (bmx, b, tenant) = site(&sim, 0).await;
    let mut first = pass(b, &tenant, "Stilgar", "vp_r");
    first.retry = true;
    bmx.create_visitor_pass(first).await.unwrap();
    assert_eq!((sim.keychains(b).len(), sim.virtual_keys(b).len()), (1, 1));
    let stats = sim.stats();
    assert_eq!(stats.count(routes::KEYCHAINS, 200), 1, "looked up first");
    assert_eq!(stats.count(routes::CREATE_CUSTOM_KEYCHAIN, 201), 1);
}

#[tokio::test]
async fn an_empty_or_backwards_window_is_refused_before_any_request() {
    // R-VISIT-3
    let sim = sim().await;
    let (bmx, b, tenant) = site(&sim, 0).await;
    sim.reset_stats();
    let start = at("2026-03-10T07:30:00Z");
    for (starts_at, ends_at) in [(start, start), (start, at("2026-03-10T07:29:59Z"))] {
        let mut req = pass(b, &tenant, "Wensicia", "vp_empty");
        req.window = TimeWindow { starts_at, ends_at };
        for retry in [false, true] {
            req.retry = retry;
            let e = bmx.create_visitor_pass(req.clone()).await.unwrap_err();
            assert_eq!(e.kind, ProviderErrorKind::Rejected);
            assert!(!e.retryable());
        }
    }
    assert_eq!(sim.stats().total(), 0, "zero requests");
    assert_eq!(sim.keychains(b).len(), 0);
}

#[tokio::test]
async fn doors_changed_since_they_were_cached_are_read_again_once() {
    let sim = sim().await;
    let (bmx, b, tenant) = site(&sim, 0).await;
    bmx.create_visitor_pass(pass(b, &tenant, "A", "vp_1"))
        .await
        .unwrap();
    sim.remove_access_points(b).unwrap();
    let door = sim.add_access_point(b, "New gate").unwrap();
    let made = bmx
        .create_visitor_pass(pass(b, &tenant, "B", "vp_2"))
        .await
        .unwrap();
    let k = sim
        .keychains(b)
        .into_iter()
        .find(|k| k.id == id(&made.external))
        .unwrap();
    assert_eq!(k.access_point_ids, [door]);

    sim.remove_access_points(b).unwrap();
    let e = bmx
        .create_visitor_pass(pass(b, &tenant, "C", "vp_3"))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ProviderErrorKind::Rejected);
    assert!(e.message.contains("no access points"), "{e}");
}

#[tokio::test]
async fn revoking_deletes_the_keychain_and_a_second_revoke_is_not_found() {
    let sim = sim().await;
    let (bmx, b, tenant) = site(&sim, 0).await;
    let made = bmx
        .create_visitor_pass(pass(b, &tenant, "Jessica", "vp_rev"))
        .await
        .unwrap();
    let revoke = RevokeVisitorPassRequest {
        visitor_pass: made.external.clone(),
    };
    bmx.revoke_visitor_pass(revoke.clone()).await.unwrap();
    assert_eq!((sim.keychains(b).len(), sim.virtual_keys(b).len()), (0, 0));
    assert_eq!(sim.stats().count(routes::DELETE_KEYCHAIN, 204), 1);
    let e = bmx.revoke_visitor_pass(revoke).await.unwrap_err();
    assert_eq!(
        (e.kind, e.http_status, e.vendor_code.as_deref()),
        (ProviderErrorKind::NotFound, Some(404), Some("not_found"))
    );
}
