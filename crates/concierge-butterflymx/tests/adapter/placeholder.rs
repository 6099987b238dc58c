//! R-VISIT-1: the placeholder unit and tenant are made once, whatever happens: a second call,
//! a fifth of replies failing or lost, two processes racing on one vault.

use crate::support::*;
use concierge_butterflymx_sim::{FaultKind, FaultPlan, SimHandle, routes};
use concierge_core::{IntercomProvider, MemoryVault};
use std::sync::Arc;

/// The units labelled like the placeholder, and the tenants with its email, in `building`.
fn placeholders(sim: &SimHandle, building: i64) -> (usize, usize) {
    let req = placeholder(building);
    let units = sim
        .units(building)
        .iter()
        .filter(|u| u.label.eq_ignore_ascii_case(&req.unit_label))
        .count();
    let tenants = sim
        .tenants(building)
        .iter()
        .filter(|t| t.email.eq_ignore_ascii_case(&req.tenant_email))
        .count();
    (units, tenants)
}

#[tokio::test]
async fn ensuring_the_placeholder_twice_makes_one_unit_and_one_tenant_and_the_second_call_adopts() {
    // R-VISIT-1
    let sim = sim().await;
    let bmx = adapter(&sim).await;
    let b = building(&sim, 0);
    sim.reset_stats();

    let first = provision(&bmx, b).await;
    assert!(first.created_unit && first.created_tenant);
    let stats = sim.stats();
    assert_eq!(
        stats.api_total(),
        3,
        "look up the unit, create it, create the tenant: {stats:?}"
    );
    assert_eq!(
        stats.route_count(routes::TENANTS),
        0,
        "a new unit has no tenants to look up"
    );

    sim.reset_stats();
    let second = provision(&bmx, b).await;
    assert_eq!(
        (second.unit.clone(), second.tenant.clone()),
        (first.unit.clone(), first.tenant.clone())
    );
    assert!(!second.created_unit && !second.created_tenant);
    assert_eq!(sim.stats().api_total(), 2, "two look-ups, no create");
    assert_eq!(placeholders(&sim, b), (1, 1));
    let tenant = sim
        .tenants(b)
        .into_iter()
        .find(|t| t.id == id(&first.tenant))
        .unwrap();
    assert_eq!(
        tenant.unit_id,
        id(&first.unit),
        "the tenant lives in the placeholder unit"
    );
}

#[tokio::test]
async fn an_email_differing_in_case_adopts_the_existing_tenant() {
    // R-VISIT-1
    let sim = sim().await;
    let bmx = adapter(&sim).await;
    let b = building(&sim, 1);
    let first = provision(&bmx, b).await;
    let mut shouted = placeholder(b);
    shouted.tenant_email = shouted.tenant_email.to_uppercase();
    shouted.unit_label = shouted.unit_label.to_lowercase();
    let again = bmx.ensure_placeholder(shouted).await.unwrap();
    assert_eq!((again.unit, again.tenant), (first.unit, first.tenant));
    assert_eq!(placeholders(&sim, b), (1, 1));
}

#[tokio::test]
async fn a_lost_reply_on_either_create_is_adopted_in_the_same_call() {
    // R-VISIT-1
    let sim = sim().await;
    let bmx = adapter(&sim).await;
    let b = building(&sim, 0);
    sim.inject_fault_on(routes::CREATE_UNIT, FaultKind::LostReply);
    sim.inject_fault_on(routes::CREATE_TENANT, FaultKind::LostReply);
    let made = provision(&bmx, b).await;
    assert!(
        !made.created_unit && !made.created_tenant,
        "both were found after their answers were lost"
    );
    assert_eq!(placeholders(&sim, b), (1, 1));
    let stats = sim.stats();
    assert_eq!(stats.count(routes::CREATE_UNIT, 502), 1);
    assert_eq!(stats.count(routes::CREATE_TENANT, 502), 1);
    assert_eq!(
        stats.route_count(routes::CREATE_UNIT),
        1,
        "the unit was not created again"
    );
}

#[tokio::test]
async fn with_a_fifth_of_replies_failing_or_lost_repeated_calls_leave_one_unit_and_one_tenant() {
    // R-VISIT-1
    let sim = sim_with(concierge_butterflymx_sim::SimConfig {
        buildings: 6,
        ..Default::default()
    })
    .await;
    let bmx = adapter(&sim).await;
    for (i, b) in sim.world().buildings.iter().map(|b| b.id).enumerate() {
        sim.set_faults(FaultPlan::new(0.2, 100 + i as u64));
        let mut calls = 0;
        let made = loop {
            calls += 1;
            assert!(calls <= 30, "no success after 30 calls");
            match bmx.ensure_placeholder(placeholder(b)).await {
                Ok(made) => break made,
                Err(e) => assert!(
                    e.retryable() || e.retry == concierge_core::RetryClass::UnknownOutcome,
                    "{e}"
                ),
            }
        };
        sim.clear_faults();
        assert_eq!(
            placeholders(&sim, b),
            (1, 1),
            "building {b} after {calls} call(s)"
        );
        let again = provision(&bmx, b).await;
        assert_eq!((again.unit, again.tenant), (made.unit, made.tenant));
    }
    let stats = sim.stats();
    let faults: u64 = [429, 500, 502, 503]
        .iter()
        .map(|s| stats.status_count(*s))
        .sum();
    assert!(faults > 0, "faults were injected: {stats:?}");
    assert!(
        stats.status_count(502) > 0,
        "lost replies were injected: {stats:?}"
    );
}

#[tokio::test]
async fn two_processes_racing_on_one_vault_leave_one_unit_and_one_tenant() {
    // R-VISIT-1
    let sim = sim_with(concierge_butterflymx_sim::SimConfig {
        buildings: 5,
        ..Default::default()
    })
    .await;
    let vault = Arc::new(MemoryVault::default());
    let a = adapter_on(&sim, vault.clone());
    consent(&sim, &a).await;
    let b_process = adapter_on(&sim, vault);
    for b in sim.world().buildings.iter().map(|b| b.id) {
        let (x, y) = tokio::join!(
            a.ensure_placeholder(placeholder(b)),
            b_process.ensure_placeholder(placeholder(b))
        );
        let (x, y) = (x.unwrap(), y.unwrap());
        assert_eq!(
            (&x.unit, &x.tenant),
            (&y.unit, &y.tenant),
            "both adopt the same records"
        );
        assert_eq!(placeholders(&sim, b), (1, 1));
        assert!(
            !(x.created_unit && y.created_unit),
            "only one made the unit"
        );
        assert!(
            !(x.created_tenant && y.created_tenant),
            "only one made the tenant"
        );
    }
}

#[tokio::test]
async fn a_placeholder_email_used_elsewhere_in_the_building_is_refused_with_the_vendor_code() {
    let sim = sim().await;
    let bmx = adapter(&sim).await;
    let b = building(&sim, 0);
    let mut elsewhere = concierge_butterflymx_sim::NewTenant::new("1A", "Someone", "Else", "");
    elsewhere.email = placeholder(b).tenant_email;
    sim.add_tenant(b, elsewhere).unwrap();
    let e = bmx.ensure_placeholder(placeholder(b)).await.unwrap_err();
    assert_eq!(e.kind, concierge_core::ProviderErrorKind::Rejected);
    assert_eq!(
        (e.http_status, e.vendor_code.as_deref()),
        (Some(422), Some("taken"))
    );
    assert!(e.message.contains("email: has already been taken"), "{e}");
    assert!(e.message.contains("another placeholder email"), "{e}");
    assert!(!e.retryable());
}
