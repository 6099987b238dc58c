//! Buildium's ids are int32 (its OpenAPI file): a property id outside 1..=2^31-1, or not a
//! number, is refused before any request, as a non-retryable `Rejected` naming the field.

mod common;

use common::assert_requests_follow_the_spec;
use concierge_buildium::{BuildiumConfig, BuildiumPms};
use concierge_core::{
    ExternalRef, ListPmsResidentsRequest, ListPmsUnitsRequest, PmsProvider, ProviderErrorKind,
};
use concierge_http::SecretString;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn a_property_id_beyond_int32_or_not_a_number_is_refused_before_any_request() {
    // Arrange: a Buildium that must not be asked anything.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(418))
        .expect(0)
        .mount(&server)
        .await;
    let mut config = BuildiumConfig::new("client-1", SecretString::from("s3cret-value"));
    config.base_url = server.uri();
    let pms = BuildiumPms::new(config).unwrap();

    for id in [
        "9999999999",
        "2147483648",
        "-1",
        "0",
        "12a",
        "abc",
        "",
        "1e3",
        "99999999999999999999999",
    ] {
        let properties = vec![ExternalRef::new("buildium", id)];

        // Act
        let residents = pms
            .list_residents(ListPmsResidentsRequest {
                properties: properties.clone(),
                updated_since: None,
                cursor: None,
            })
            .await
            .unwrap_err();
        let units = pms
            .list_units(ListPmsUnitsRequest {
                properties,
                cursor: None,
            })
            .await
            .unwrap_err();

        // Assert
        for e in [residents, units] {
            assert_eq!(e.kind, ProviderErrorKind::Rejected, "{id}: {e}");
            assert!(!e.retryable(), "{id}: {e}");
            assert!(e.message.contains("pms_property_id"), "{id}: {}", e.message);
        }
    }

    // Every request sent follows the vendor spec, values included.
    assert_requests_follow_the_spec(&server).await;
}

#[tokio::test]
async fn the_largest_int32_property_id_is_asked_for() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::path("/v1/rentals/units"))
        .and(wiremock::matchers::query_param("propertyids", "2147483647"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("X-Total-Count", "0")
                .set_body_json(serde_json::json!([])),
        )
        .expect(1)
        .mount(&server)
        .await;
    let mut config = BuildiumConfig::new("client-1", SecretString::from("s3cret-value"));
    config.base_url = server.uri();
    let pms = BuildiumPms::new(config).unwrap();

    // Act
    let page = pms
        .list_units(ListPmsUnitsRequest {
            properties: vec![ExternalRef::new("buildium", " 2147483647 ")],
            cursor: None,
        })
        .await
        .unwrap();

    // Assert
    assert!(page.items.is_empty());

    // Every request sent follows the vendor spec, values included.
    assert_requests_follow_the_spec(&server).await;
}
