//! The adapter against a mock Buildium: headers, paging, ordering, incremental pulls, error
//! bodies, retries and chunking (how leases and tenants map is in `residents.rs`).

mod common;

use chrono::{TimeZone, Utc};
use common::*;
use concierge_buildium::BuildiumPms;
use concierge_core::{
    Cursor, ExternalRef, ListPmsPropertiesRequest, ListPmsResidentsRequest, ListPmsUnitsRequest,
    PmsProvider, ProviderErrorKind,
};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

#[tokio::test]
async fn every_request_sends_both_credential_headers_and_asks_for_json() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/rentals"))
        .and(header("x-buildium-client-id", CLIENT_ID))
        .and(header("x-buildium-client-secret", CANARY))
        .and(header("accept", "application/json"))
        .respond_with(listing(fixture("rentals_page2.json"), 1))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;

    // Act
    let page = pms(&server)
        .list_properties(ListPmsPropertiesRequest::default())
        .await
        .unwrap();

    // Assert: a property without a name is named by its address.
    let property = page.items[0].as_ref().unwrap();
    assert_eq!(property.external, ExternalRef::new("buildium", "1003"));
    assert_eq!(property.name, "40 Elm Row");
    assert!(page.next.is_none());

    // Every request sent follows the vendor spec, values included.
    assert_requests_follow_the_spec(&server).await;
}

#[tokio::test]
async fn properties_are_paged_with_limit_and_offset_until_x_total_count() {
    // Arrange: three rentals, two per page.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/rentals"))
        .and(query_param("orderby", "Id"))
        .and(query_param("limit", "2"))
        .and(query_param("offset", "0"))
        .respond_with(listing(fixture("rentals_page1.json"), 3))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/rentals"))
        .and(query_param("orderby", "Id"))
        .and(query_param("limit", "2"))
        .and(query_param("offset", "2"))
        .respond_with(listing(fixture("rentals_page2.json"), 3))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let mut config = config(&server);
    config.page_size = 2;
    let pms = BuildiumPms::new(config).unwrap();

    // Act
    let first = pms
        .list_properties(ListPmsPropertiesRequest::default())
        .await
        .unwrap();
    let second = pms
        .list_properties(ListPmsPropertiesRequest {
            cursor: first.next.clone(),
        })
        .await
        .unwrap();

    // Assert
    assert_eq!(first.next, Some(Cursor("2".into())));
    assert_eq!(second.next, None);
    let names: Vec<String> = first
        .items
        .into_iter()
        .chain(second.items)
        .map(|p| p.unwrap().name)
        .collect();
    assert_eq!(names, ["Maple Court", "Birch House", "40 Elm Row"]);

    // Every request sent follows the vendor spec, values included.
    assert_requests_follow_the_spec(&server).await;
}

#[tokio::test]
async fn units_are_listed_per_property_by_id_and_an_empty_building_name_means_the_property() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/rentals/units"))
        .and(query_param("propertyids", "1001"))
        .and(query_param("orderby", "PropertyId,Id"))
        .and(query_param("limit", "1000"))
        .and(query_param("offset", "0"))
        .respond_with(listing(fixture("units.json"), 3))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;

    // Act
    let page = pms(&server)
        .list_units(ListPmsUnitsRequest {
            properties: properties(),
            cursor: None,
        })
        .await
        .unwrap();

    // Assert
    let units: Vec<(String, Option<String>, String)> = page
        .items
        .into_iter()
        .map(|u| u.unwrap())
        .map(|u| (u.external.id, u.building_name, u.number))
        .collect();
    assert_eq!(
        units,
        [
            ("100001".into(), Some("North".into()), "101".into()),
            ("100002".into(), None, "102".into()),
            ("100003".into(), None, "103".into()),
        ]
    );
    assert!(page.next.is_none());

    // Every request sent follows the vendor spec, values included.
    assert_requests_follow_the_spec(&server).await;
}

#[tokio::test]
async fn a_full_listing_sends_no_lastupdatedfrom_and_orders_by_id() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/leases"))
        .and(query_param("propertyids", "1001"))
        .and(query_param("orderby", "PropertyId,Id"))
        .and(query_param_is_missing("lastupdatedfrom"))
        .and(query_param_is_missing("leasestatuses"))
        .respond_with(listing(fixture("leases_with_bad.json"), 3))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;

    // Act
    let page = pms(&server).list_residents(full_listing()).await.unwrap();

    // Assert
    assert_eq!(page.items.len(), 3);

    // Every request sent follows the vendor spec, values included.
    assert_requests_follow_the_spec(&server).await;
}

#[tokio::test]
async fn an_incremental_pull_sends_lastupdatedfrom_in_utc_seconds_and_still_orders_by_id() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/leases"))
        .and(query_param("propertyids", "1001"))
        .and(query_param("lastupdatedfrom", "2026-01-04T21:55:09Z"))
        .and(query_param("orderby", "PropertyId,Id"))
        .respond_with(listing(fixture("leases_with_bad.json"), 3))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/leases"))
        .and(query_param("lastupdatedfrom", "2026-01-04T21:55:09Z"))
        .and(query_param(
            "orderby",
            "PropertyId,LastUpdatedDateTime asc,Id asc",
        ))
        .respond_with(listing(fixture("leases_with_bad.json"), 3))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let since = Utc.with_ymd_and_hms(2026, 1, 4, 21, 55, 9).unwrap()
        + chrono::Duration::microseconds(123_456);
    let request = ListPmsResidentsRequest {
        properties: properties(),
        updated_since: Some(since),
        cursor: None,
    };
    let mut by_last_update = config(&server);
    by_last_update.incremental_order = concierge_buildium::LeaseOrder::LastUpdatedThenId;

    // Act
    let default_order = pms(&server).list_residents(request.clone()).await.unwrap();
    let other_order = BuildiumPms::new(by_last_update)
        .unwrap()
        .list_residents(request)
        .await
        .unwrap();

    // Assert: both orders end in Id (checked by the mocks' matchers).
    assert_eq!(default_order.items.len(), 3);
    assert_eq!(other_order.items.len(), 3);

    // Every request sent follows the vendor spec, values included.
    assert_requests_follow_the_spec(&server).await;
}

#[tokio::test]
async fn a_full_listing_without_past_leases_asks_for_active_and_future_leases_only() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/leases"))
        .and(query_param("leasestatuses", "Active"))
        .and(query_param("leasestatuses", "Future"))
        .and(query_param_is_missing("lastupdatedfrom"))
        .respond_with(listing(fixture("leases_with_bad.json"), 3))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let mut config = config(&server);
    config.include_past_leases = false;

    // Act
    let page = BuildiumPms::new(config)
        .unwrap()
        .list_residents(full_listing())
        .await
        .unwrap();

    // Assert
    assert_eq!(page.items.len(), 3);

    // Every request sent follows the vendor spec, values included.
    assert_requests_follow_the_spec(&server).await;
}

#[tokio::test]
async fn the_api_error_response_message_surfaces_in_the_provider_error() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(path("/v1/rentals/units"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(fixture("api_error_bad_request.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;

    // Act
    let e = pms(&server)
        .list_units(ListPmsUnitsRequest {
            properties: properties(),
            cursor: None,
        })
        .await
        .unwrap_err();

    // Assert: a 400 is permanent, so it is sent once.
    assert_eq!(e.provider, "buildium");
    assert_eq!(e.operation, "list_units");
    assert_eq!(e.kind, ProviderErrorKind::Rejected);
    assert!(!e.retryable());
    assert_eq!(
        e.message,
        "HTTP 400 Bad Request: Unable to process the request due to malformed request syntax or \
         invalid parameters. (BadRequest) [propertyids: The value 'abc' is not valid.]"
    );

    // Every request sent follows the vendor spec, values included.
    assert_requests_follow_the_spec(&server).await;
}

#[tokio::test]
async fn a_refused_key_is_unauthorized_and_the_client_secret_never_shows() {
    // Arrange: the error body even echoes the secret.
    let server = MockServer::start().await;
    Mock::given(path("/v1/rentals"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(fixture("api_error_unauthorized.json"))
                .insert_header("x-request-id", "req-401"),
        )
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let pms = pms(&server);

    // Act
    let e = pms
        .list_properties(ListPmsPropertiesRequest::default())
        .await
        .unwrap_err();

    // Assert
    assert_eq!(e.kind, ProviderErrorKind::Unauthorized);
    assert!(!e.retryable());
    assert_eq!(e.request_id.as_deref(), Some("req-401"));
    assert!(
        e.message
            .contains("The client credentials are missing or invalid. (Unauthorized)"),
        "{}",
        e.message
    );
    assert!(
        e.message.contains("[x-buildium-client-secret: <redacted>]"),
        "{}",
        e.message
    );
    for shown in [
        e.to_string(),
        format!("{e:?}"),
        format!("{pms:?}"),
        format!("{:?}", pms.config()),
    ] {
        assert!(!shown.contains(CANARY), "the secret leaked: {shown}");
    }

    // Every request sent follows the vendor spec, values included.
    assert_requests_follow_the_spec(&server).await;
}

#[tokio::test]
async fn throttling_and_server_errors_are_retried_without_retry_after() {
    // Arrange: a 429 and a 503 (neither with Retry-After), then the page.
    let server = MockServer::start().await;
    Mock::given(path("/v1/rentals"))
        .respond_with(
            ResponseTemplate::new(429).set_body_json(json!({"UserMessage": "Too many requests."})),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/v1/rentals"))
        .respond_with(
            ResponseTemplate::new(503).set_body_json(json!({"UserMessage": "Maintenance."})),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/v1/rentals"))
        .respond_with(listing(fixture("rentals_page1.json"), 2))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;

    // Act
    let page = pms(&server)
        .list_properties(ListPmsPropertiesRequest::default())
        .await
        .unwrap();

    // Assert
    assert_eq!(page.items.len(), 2);

    // Every request sent follows the vendor spec, values included.
    assert_requests_follow_the_spec(&server).await;
}

#[tokio::test]
async fn a_foreign_cursor_or_property_is_refused_before_any_request() {
    // Arrange
    let server = MockServer::start().await;
    mount_catch_all(&server).await;
    let pms = pms(&server);

    // Act
    let bad_cursor = pms
        .list_residents(ListPmsResidentsRequest {
            cursor: Some(Cursor("page-2".into())),
            ..full_listing()
        })
        .await
        .unwrap_err();
    let bad_property = pms
        .list_units(ListPmsUnitsRequest {
            properties: vec![ExternalRef::new("buildium", "../leases")],
            cursor: None,
        })
        .await
        .unwrap_err();

    // Assert
    assert_eq!(bad_cursor.kind, ProviderErrorKind::Rejected);
    assert_eq!(bad_property.kind, ProviderErrorKind::Rejected);

    // Every request sent follows the vendor spec, values included.
    assert_requests_follow_the_spec(&server).await;
}

/// Answers `/v1/leases/tenants?unitids=...` with one tenant per requested unit (tenant id =
/// unit id + 3,000,000, on lease unit id + 500,000), and records each query string.
struct TenantsOfUnits {
    template: Value,
}

impl Respond for TenantsOfUnits {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let tenants: Vec<Value> = request
            .url
            .query_pairs()
            .filter(|(k, _)| k == "unitids")
            .map(|(_, v)| v.parse::<i64>().unwrap())
            .map(|unit| {
                let mut t = self.template.clone();
                t["Id"] = json!(unit + 3_000_000);
                t["Leases"] = json!([{ "Id": unit + 500_000, "PropertyId": 1001, "UnitId": unit }]);
                t
            })
            .collect();
        let total = tenants.len();
        listing(Value::Array(tenants), total)
    }
}

#[tokio::test]
async fn unit_id_lists_are_chunked_so_no_query_string_exceeds_4096_characters() {
    // Arrange: 700 leases on 700 units, each with a future tenant that is not embedded.
    let server = MockServer::start().await;
    let lease = fixture("leases_incremental.json")[0].clone();
    let leases: Vec<Value> = (0..700)
        .map(|i| {
            let unit = 100_000 + i;
            let mut l = lease.clone();
            l["Id"] = json!(unit + 500_000);
            l["UnitId"] = json!(unit);
            l["CurrentTenants"] = json!([]);
            l["Tenants"] =
                json!([{ "Id": unit + 3_000_000, "Status": "Future", "MoveInDate": "2026-02-15" }]);
            l
        })
        .collect();
    Mock::given(path("/v1/leases"))
        .respond_with(listing(Value::Array(leases), 700))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/v1/leases/tenants"))
        .respond_with(TenantsOfUnits {
            template: fixture("tenant_2000009.json"),
        })
        .expect(3)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;

    // Act
    let all = residents(pms(&server).list_residents(full_listing()).await.unwrap());

    // Assert: every resident, every unit asked for once, every query within the limit.
    assert_eq!(all.len(), 700);
    assert!(all.iter().all(|r| r.first_name == "Margaret"));
    let requests = server.received_requests().await.unwrap();
    let mut asked: Vec<i64> = Vec::new();
    for r in requests
        .iter()
        .filter(|r| r.url.path() == "/v1/leases/tenants")
    {
        let query = r.url.query().unwrap_or_default();
        assert!(
            query.len() <= 4096,
            "a query string of {} characters",
            query.len()
        );
        asked.extend(
            r.url
                .query_pairs()
                .filter(|(k, _)| k == "unitids")
                .map(|(_, v)| v.parse::<i64>().unwrap()),
        );
    }
    assert_eq!(asked, (100_000..100_700).collect::<Vec<i64>>());

    // Every request sent follows the vendor spec, values included.
    assert_requests_follow_the_spec(&server).await;
}

// R-PMS-1: the sync moves out whom a property's listing did not show once the listing moves past
// it, so a listing Buildium did not order by property must never reach it.
#[tokio::test]
async fn a_listing_not_ordered_by_property_is_refused_not_passed_on() {
    // Arrange: a units page and a leases page where property 1002 comes before 1001.
    let server = MockServer::start().await;
    let out_of_order = |path_: &str| {
        let body = json!([
            {"Id": 7, "PropertyId": 1002, "UnitId": 70, "UnitNumber": "1"},
            {"Id": 8, "PropertyId": 1001, "UnitId": 71, "UnitNumber": "2"}
        ]);
        Mock::given(method("GET"))
            .and(path(path_.to_string()))
            .and(query_param("orderby", "PropertyId,Id"))
            .respond_with(listing(body, 2))
    };
    out_of_order("/v1/rentals/units").mount(&server).await;
    out_of_order("/v1/leases").mount(&server).await;
    mount_catch_all(&server).await;
    let properties = vec![
        ExternalRef::new("buildium", "1001"),
        ExternalRef::new("buildium", "1002"),
    ];

    // Act
    let units = pms(&server)
        .list_units(ListPmsUnitsRequest {
            properties: properties.clone(),
            cursor: None,
        })
        .await
        .unwrap_err();
    let residents = pms(&server)
        .list_residents(ListPmsResidentsRequest {
            properties,
            updated_since: None,
            cursor: None,
        })
        .await
        .unwrap_err();

    // Assert
    for e in [units, residents] {
        assert_eq!(e.kind, ProviderErrorKind::Other, "{e}");
        assert!(!e.retryable(), "{e}");
        assert!(
            e.message
                .contains("did not order the listing by PropertyId"),
            "{e}"
        );
    }
}
