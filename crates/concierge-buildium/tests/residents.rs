//! The adapter against a mock Buildium: how leases and tenants become residents (dates by
//! tenant status, contact details, per-record errors) and when tenants are looked up (by unit
//! listing, by id, not at all).

mod common;

use chrono::{TimeZone, Utc};
use common::*;
use concierge_buildium::{BuildiumPms, ResidentKey};
use concierge_core::{ExternalRef, OccupancyRole, PmsProvider};
use serde_json::json;
use std::collections::BTreeMap;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn a_bad_lease_is_an_error_item_while_the_other_leases_map() {
    // Arrange: lease 600031 has no UnitId; a fourth lease is not even a LeaseMessage.
    let server = MockServer::start().await;
    let mut body = fixture("leases_with_bad.json");
    body.as_array_mut()
        .unwrap()
        .push(json!({"Id": 600033, "UnitId": "one-oh-one", "Tenants": "everyone"}));
    Mock::given(method("GET"))
        .and(path("/v1/leases"))
        .respond_with(listing(body, 4))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;

    // Act: every tenant is embedded with its leases, so no look-up is needed.
    let page = pms(&server).list_residents(full_listing()).await.unwrap();

    // Assert
    assert_eq!(page.items.len(), 4);
    let ok: Vec<String> = page
        .items
        .iter()
        .filter_map(|i| i.as_ref().ok())
        .map(|r| format!("{}@{}", r.external.id, r.unit.id))
        .collect();
    assert_eq!(ok, ["2000030@100001", "2000032@100002"]);
    let errors: Vec<&str> = page
        .items
        .iter()
        .filter_map(|i| i.as_ref().err())
        .map(|e| e.message.as_str())
        .collect();
    assert_eq!(errors[0], "lease 600031: has no `UnitId`");
    assert!(
        errors[1].starts_with("lease 600033: cannot be read: invalid type: string <value>"),
        "{}",
        errors[1]
    );
    assert!(!errors[1].contains("one-oh-one"));
    assert!(page.next.is_none());

    // Every request sent follows the vendor spec, values included.
    assert_requests_follow_the_spec(&server).await;
}

#[tokio::test]
async fn future_current_and_moved_out_tenants_get_their_move_in_and_move_out_dates() {
    // Arrange: the leases embed current tenants without their leases; a full listing keys them
    // by its own order, so only the future tenants the leases do not embed are looked up, in
    // one tenant listing for their units. Tenants who left are listed by id and dates.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/leases"))
        .and(query_param("propertyids", "1001"))
        .respond_with(listing(fixture("leases.json"), 4))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/leases/tenants"))
        .and(query_param("unitids", "100001"))
        .and(query_param("unitids", "100002"))
        .and(query_param("orderby", "Id"))
        .and(query_param("offset", "0"))
        .respond_with(listing(fixture("tenants_by_units.json"), 7))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;

    // Act
    let page = pms(&server).list_residents(full_listing()).await.unwrap();

    // Assert
    let all = residents(page);
    let without_contact: Vec<&str> = all
        .iter()
        .filter(|r| !r.contact_listed)
        .map(|r| r.external.id.as_str())
        .collect();
    assert_eq!(without_contact, ["2000002", "2000005", "2000006"]);
    let got: Vec<_> = all
        .into_iter()
        .map(|r| (r.external.id, r.unit.id, r.role, r.move_in, r.move_out))
        .collect();
    let p = OccupancyRole::Primary;
    let s = OccupancyRole::Secondary;
    let expected = vec![
        // Active lease: current, moved out (MoveOutData), future (own MoveInDate).
        (
            "2000001".to_string(),
            "100001".to_string(),
            p,
            Some(d(2025, 1, 1)),
            None,
        ),
        (
            "2000002".into(),
            "100001".into(),
            s,
            Some(d(2025, 1, 1)),
            Some(d(2025, 6, 30)),
        ),
        (
            "2000003".into(),
            "100001".into(),
            s,
            Some(d(2026, 2, 1)),
            None,
        ),
        // Future lease with automatic move-out: lease start and end.
        (
            "2000004".into(),
            "100002".into(),
            p,
            Some(d(2026, 3, 1)),
            Some(d(2027, 2, 28)),
        ),
        // Past lease: MoveOutData, else the lease end.
        (
            "2000005".into(),
            "100003".into(),
            p,
            Some(d(2023, 1, 15)),
            Some(d(2024, 11, 30)),
        ),
        (
            "2000006".into(),
            "100003".into(),
            s,
            Some(d(2023, 1, 1)),
            Some(d(2024, 12, 31)),
        ),
        // The same tenant's second lease in the property, on another unit (R-KEY-3).
        (
            "2000001:600004".into(),
            "100003".into(),
            p,
            Some(d(2025, 6, 1)),
            None,
        ),
    ];
    assert_eq!(got, expected);

    // Every request sent follows the vendor spec, values included.
    assert_requests_follow_the_spec(&server).await;
}

#[tokio::test]
async fn contact_details_and_timestamps_come_from_the_tenant_and_the_lease() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(path("/v1/leases"))
        .respond_with(listing(fixture("leases.json"), 4))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/v1/leases/tenants"))
        .respond_with(listing(fixture("tenants_by_units.json"), 7))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;

    // Act
    let all = residents(pms(&server).list_residents(full_listing()).await.unwrap());

    // Assert
    let by_id: BTreeMap<&str, _> = all.iter().map(|r| (r.external.id.as_str(), r)).collect();
    let ada = by_id["2000001"];
    assert_eq!(
        (ada.first_name.as_str(), ada.last_name.as_str()),
        ("Ada", "Lovelace")
    );
    assert_eq!(ada.email.as_deref(), Some("ada.lovelace@example.com"));
    assert_eq!(ada.phone.as_deref(), Some("(617) 555-0101"));
    assert_eq!(
        ada.updated_at,
        Some(Utc.with_ymd_and_hms(2025, 11, 2, 10, 15, 0).unwrap())
    );
    assert_eq!(by_id["2000002"].phone, None);
    assert_eq!(
        by_id["2000003"].phone.as_deref(),
        Some("(617) 555-0303"),
        "the first non-empty number"
    );
    assert_eq!(by_id["2000006"].email, None);

    // Every request sent follows the vendor spec, values included.
    assert_requests_follow_the_spec(&server).await;
}

#[tokio::test]
async fn a_single_tenant_missing_from_current_tenants_is_fetched_by_id() {
    // Arrange: 2000008 is embedded with its leases; the future co-tenant 2000009 is not.
    let server = MockServer::start().await;
    Mock::given(path("/v1/leases"))
        .respond_with(listing(fixture("leases_incremental.json"), 1))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/leases/tenants/2000009"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("tenant_2000009.json")))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;

    // Act
    let all = residents(pms(&server).list_residents(full_listing()).await.unwrap());

    // Assert
    let got: Vec<_> = all
        .iter()
        .map(|r| (r.external.id.as_str(), r.first_name.as_str(), r.move_in))
        .collect();
    assert_eq!(
        got,
        [
            ("2000008", "Linus", Some(d(2025, 9, 1))),
            ("2000009", "Margaret", Some(d(2026, 2, 15))),
        ]
    );

    // Every request sent follows the vendor spec, values included.
    assert_requests_follow_the_spec(&server).await;
}

#[tokio::test]
async fn a_tenant_deleted_before_its_look_up_fails_only_its_own_resident() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(path("/v1/leases"))
        .respond_with(listing(fixture("leases_incremental.json"), 1))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/v1/leases/tenants/2000009"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "UserMessage": "Resource not found.", "ErrorCode": "NotFound", "Errors": []
        })))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;

    // Act
    let page = pms(&server).list_residents(full_listing()).await.unwrap();

    // Assert
    assert!(page.items[0].is_ok());
    let e = page.items[1].as_ref().unwrap_err();
    assert_eq!(e.external, Some(ExternalRef::new("buildium", "2000009")));
    assert!(
        e.message.starts_with("tenant 2000009 of lease 600010:"),
        "{}",
        e.message
    );

    // Every request sent follows the vendor spec, values included.
    assert_requests_follow_the_spec(&server).await;
}

#[tokio::test]
async fn always_lease_qualified_ids_need_no_look_up_for_embedded_tenants() {
    // Arrange: the same page; the embedded tenant is not looked up, the others are.
    let server = MockServer::start().await;
    Mock::given(path("/v1/leases"))
        .respond_with(listing(fixture("leases.json"), 4))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/v1/leases/tenants"))
        .respond_with(listing(fixture("tenants_by_units.json"), 7))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let mut config = config(&server);
    config.resident_key = ResidentKey::TenantAndLease;

    // Act: 5 tenants to fetch on 3 units: one listing beats 5 look-ups.
    let all = residents(
        BuildiumPms::new(config)
            .unwrap()
            .list_residents(full_listing())
            .await
            .unwrap(),
    );

    // Assert
    let ids: Vec<&str> = all.iter().map(|r| r.external.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "2000001:600001",
            "2000002:600001",
            "2000003:600001",
            "2000004:600002",
            "2000005:600003",
            "2000006:600003",
            "2000001:600004"
        ]
    );

    // Every request sent follows the vendor spec, values included.
    assert_requests_follow_the_spec(&server).await;
}
