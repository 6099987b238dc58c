//! R-VISIT-4: a building's tenants, page by page, each exactly once with its contact
//! preference; an unreadable tenant is an error item, never a failed page. Buildings with their
//! time zones.

use crate::support::*;
use concierge_butterflymx_sim::{NewTenant, Preference, SimConfig, routes};
use concierge_core::{
    ContactPreference, GetIntercomBuildingRequest, IntercomProvider, ListIntercomTenantsRequest,
    ProviderErrorKind,
};
use std::collections::BTreeMap;

#[tokio::test]
async fn every_tenant_is_listed_once_across_pages_with_its_contact_preference() {
    // R-VISIT-4
    let sim = sim_with(SimConfig {
        tenants_per_building: 23,
        ..SimConfig::default()
    })
    .await;
    let mut c = config(&sim);
    c.page_size = 5;
    let bmx = concierge_butterflymx::ButterflyMx::new(
        c,
        std::sync::Arc::new(concierge_core::MemoryVault::default()),
    )
    .unwrap();
    consent(&sim, &bmx).await;
    let b = building(&sim, 1);
    let switched = sim.tenants(b)[0].id;
    sim.set_contact_preference(switched, Preference::MobileApp)
        .unwrap();
    sim.reset_stats();

    let mut seen = BTreeMap::new();
    let mut cursor = None;
    loop {
        let page = bmx
            .list_tenants(ListIntercomTenantsRequest {
                building: bmx_ref(b),
                cursor,
            })
            .await
            .unwrap();
        for t in page.items {
            let t = t.unwrap();
            assert!(
                seen.insert(id(&t.external), t).is_none(),
                "a tenant listed twice"
            );
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(
        sim.stats().route_count(routes::TENANTS),
        5,
        "23 tenants, 5 per page"
    );
    let expected = sim.tenants(b);
    assert_eq!(seen.len(), expected.len());
    for t in &expected {
        let listed = &seen[&t.id];
        let preference = match t.contact_preference {
            Preference::PhoneCall => ContactPreference::PhoneCall,
            Preference::MobileApp => ContactPreference::MobileApp,
        };
        assert_eq!(listed.contact_preference, preference, "tenant {}", t.id);
        assert_eq!(listed.name, format!("{} {}", t.first_name, t.last_name));
        assert_eq!(listed.email.as_deref(), Some(t.email.as_str()));
        let label = sim.world().unit(t.unit_id).unwrap().label.clone();
        assert_eq!(listed.unit_label.as_deref(), Some(label.as_str()));
    }
    assert_eq!(
        seen[&switched].contact_preference,
        ContactPreference::MobileApp
    );
    let on_phone = seen
        .values()
        .filter(|t| t.contact_preference == ContactPreference::PhoneCall)
        .count();
    assert!(
        on_phone > seen.len() / 2,
        "most are on phone calls, the vendor's default"
    );
}

#[tokio::test]
async fn a_tenant_without_a_name_is_an_error_item_and_the_page_is_kept() {
    // R-VISIT-4
    let sim = sim().await;
    let bmx = adapter(&sim).await;
    let b = building(&sim, 0);
    let nameless = sim
        .add_tenant(b, NewTenant::new("9Z", " ", "", "nameless@example.com"))
        .unwrap();
    let page = bmx
        .list_tenants(ListIntercomTenantsRequest {
            building: bmx_ref(b),
            cursor: None,
        })
        .await
        .unwrap();
    assert_eq!(page.items.len(), 9);
    let errors: Vec<_> = page.items.iter().filter_map(|i| i.as_ref().err()).collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].external, Some(bmx_ref(nameless)));
    assert!(
        !errors[0].message.contains("nameless@"),
        "{}",
        errors[0].message
    );
}

#[tokio::test]
async fn buildings_are_listed_and_read_with_their_time_zones() {
    let sim = sim().await;
    let bmx = adapter(&sim).await;
    let page = bmx.list_buildings(None).await.unwrap();
    assert!(page.next.is_none());
    let zones: Vec<Option<String>> = page
        .items
        .into_iter()
        .map(|b| b.unwrap().time_zone)
        .collect();
    assert_eq!(zones[0].as_deref(), Some("Australia/Sydney"));
    assert_eq!(zones[1].as_deref(), Some("America/New_York"));
    let b = building(&sim, 1);
    let one = bmx
        .get_building(GetIntercomBuildingRequest {
            building: bmx_ref(b),
        })
        .await
        .unwrap();
    assert_eq!(
        (one.name.as_str(), one.time_zone.as_deref()),
        ("Crimson", Some("America/New_York"))
    );
    sim.set_enabled(b, false).unwrap();
    let e = bmx
        .get_building(GetIntercomBuildingRequest {
            building: bmx_ref(b),
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind, ProviderErrorKind::NotFound);
}

#[tokio::test]
async fn buildings_page_by_the_vendor_s_next_page() {
    let sim = sim_with(SimConfig {
        buildings: 7,
        tenants_per_building: 0,
        ..SimConfig::default()
    })
    .await;
    let mut c = config(&sim);
    c.page_size = 3;
    let bmx = concierge_butterflymx::ButterflyMx::new(
        c,
        std::sync::Arc::new(concierge_core::MemoryVault::default()),
    )
    .unwrap();
    consent(&sim, &bmx).await;
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let page = bmx.list_buildings(cursor).await.unwrap();
        all.extend(page.items.into_iter().map(|b| id(&b.unwrap().external)));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let expected: Vec<i64> = sim.world().buildings.iter().map(|b| b.id).collect();
    assert_eq!(all, expected);
    let e = bmx
        .list_buildings(Some(concierge_core::Cursor("x".into())))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ProviderErrorKind::Rejected);
}
