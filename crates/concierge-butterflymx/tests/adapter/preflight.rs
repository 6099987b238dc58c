//! R-VISIT-2: the preflight passes on a provisioned, enabled building, and each check fails,
//! saying what to do, when its condition is broken; checks that cannot run say "not checked".

use crate::support::*;
use concierge_butterflymx_sim::routes;
use concierge_core::{
    IntercomProvider, MemoryVault, PreflightCheck, PreflightCheckName as Name, PreflightRequest,
};
use std::sync::Arc;

const ORDER: [Name; 5] = [
    Name::ManagerAccountActive,
    Name::IntegrationEnabled,
    Name::PlaceholderUnit,
    Name::PlaceholderTenant,
    Name::AccessPoints,
];

fn request(building: i64, made: &concierge_core::EnsurePlaceholderResponse) -> PreflightRequest {
    PreflightRequest {
        building: bmx_ref(building),
        unit: Some(made.unit.clone()),
        tenant: Some(made.tenant.clone()),
    }
}

fn check(checks: &[PreflightCheck], name: Name) -> &PreflightCheck {
    checks.iter().find(|c| c.name == name).unwrap()
}

fn assert_order(checks: &[PreflightCheck]) {
    assert_eq!(checks.iter().map(|c| c.name).collect::<Vec<_>>(), ORDER);
}

#[tokio::test]
async fn a_provisioned_enabled_building_passes_every_check_in_four_requests() {
    // R-VISIT-2
    let sim = sim().await;
    let bmx = adapter(&sim).await;
    let b = building(&sim, 0);
    let made = provision(&bmx, b).await;
    sim.reset_stats();
    let checks = bmx.preflight(request(b, &made)).await.unwrap().checks;
    assert_order(&checks);
    for c in &checks {
        assert!(c.passed, "{c:?}");
    }
    assert!(
        check(&checks, Name::IntegrationEnabled)
            .detail
            .contains("Australia/Sydney")
    );
    assert!(
        check(&checks, Name::AccessPoints)
            .detail
            .starts_with("2 access point")
    );
    assert_eq!(sim.stats().api_total(), 4);
}

#[tokio::test]
async fn without_consent_in_the_vault_the_account_check_fails_and_nothing_else_is_checked() {
    // R-VISIT-2
    let sim = sim().await;
    let bmx = adapter_on(&sim, Arc::new(MemoryVault::default()));
    let checks = bmx
        .preflight(PreflightRequest {
            building: bmx_ref(building(&sim, 0)),
            unit: None,
            tenant: None,
        })
        .await
        .unwrap()
        .checks;
    assert_order(&checks);
    let account = check(&checks, Name::ManagerAccountActive);
    assert!(!account.passed);
    assert!(
        account.detail.contains("must give consent"),
        "{}",
        account.detail
    );
    assert!(
        account.detail.contains("/oauth/authorize?client_id="),
        "{}",
        account.detail
    );
    for c in &checks[1..] {
        assert!(!c.passed && c.detail.starts_with("not checked: "), "{c:?}");
    }
    assert_eq!(sim.stats().total(), 0, "no request without consent");
}

#[tokio::test]
async fn a_building_not_enabled_for_our_application_fails_the_integration_check() {
    // R-VISIT-2
    let sim = sim().await;
    let bmx = adapter(&sim).await;
    let b = building(&sim, 1);
    let made = provision(&bmx, b).await;
    sim.set_enabled(b, false).unwrap();
    let checks = bmx.preflight(request(b, &made)).await.unwrap().checks;
    assert_order(&checks);
    assert!(checks[0].passed);
    let enabled = check(&checks, Name::IntegrationEnabled);
    assert!(!enabled.passed);
    assert!(
        enabled
            .detail
            .contains("ask ButterflyMX to enable the integration"),
        "{}",
        enabled.detail
    );
    for c in &checks[2..] {
        assert!(!c.passed && c.detail.starts_with("not checked: "), "{c:?}");
    }
}

#[tokio::test]
async fn a_missing_placeholder_fails_its_check_and_the_tenant_check_depends_on_the_unit() {
    // R-VISIT-2
    let sim = sim().await;
    let bmx = adapter(&sim).await;
    let b = building(&sim, 0);

    let checks = bmx
        .preflight(PreflightRequest {
            building: bmx_ref(b),
            unit: None,
            tenant: None,
        })
        .await
        .unwrap()
        .checks;
    assert_order(&checks);
    assert!(!check(&checks, Name::PlaceholderUnit).passed);
    assert!(
        check(&checks, Name::PlaceholderUnit)
            .detail
            .contains("provision")
    );
    assert!(
        check(&checks, Name::PlaceholderTenant)
            .detail
            .starts_with("not checked")
    );
    assert!(
        check(&checks, Name::AccessPoints).passed,
        "doors are checked anyway"
    );

    let made = provision(&bmx, b).await;
    sim.remove_tenant(id(&made.tenant)).unwrap();
    let checks = bmx.preflight(request(b, &made)).await.unwrap().checks;
    assert!(check(&checks, Name::PlaceholderUnit).passed);
    let tenant = check(&checks, Name::PlaceholderTenant);
    assert!(
        !tenant.passed && tenant.detail.contains("no longer exists"),
        "{tenant:?}"
    );

    let moved = provision(&bmx, b).await;
    let other_unit = sim.units(b)[0].id;
    let mut wrong = request(b, &moved);
    wrong.unit = Some(bmx_ref(other_unit));
    let checks = bmx.preflight(wrong).await.unwrap().checks;
    let tenant = check(&checks, Name::PlaceholderTenant);
    assert!(
        !tenant.passed && tenant.detail.contains("is not in placeholder unit"),
        "{tenant:?}"
    );

    sim.remove_unit(id(&moved.unit)).unwrap();
    let checks = bmx.preflight(request(b, &moved)).await.unwrap().checks;
    let unit = check(&checks, Name::PlaceholderUnit);
    assert!(
        !unit.passed && unit.detail.contains("no longer exists"),
        "{unit:?}"
    );
    assert!(
        check(&checks, Name::PlaceholderTenant)
            .detail
            .starts_with("not checked")
    );
}

#[tokio::test]
async fn a_building_without_doors_fails_the_access_point_check() {
    // R-VISIT-2
    let sim = sim().await;
    let bmx = adapter(&sim).await;
    let b = building(&sim, 2);
    let made = provision(&bmx, b).await;
    assert_eq!(sim.remove_access_points(b).unwrap(), 2);
    let checks = bmx.preflight(request(b, &made)).await.unwrap().checks;
    assert_order(&checks);
    let doors = check(&checks, Name::AccessPoints);
    assert!(
        !doors.passed && doors.detail.contains("no access points"),
        "{doors:?}"
    );
    assert!(checks[..4].iter().all(|c| c.passed));
    assert_eq!(sim.stats().route_count(routes::ACCESS_POINTS), 1);
}
