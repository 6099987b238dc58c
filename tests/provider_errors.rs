//! A provider failure says where it happened (R-SDK-2): the transport (no answer came back) or
//! the vendor's response, with the HTTP status, the vendor's error code and the retry class, for
//! Buildium and SALTO alike, through the facade; Python and Node check the same fields.

use concierge::{Admin, Concierge, Error, FailureSource, RetryClass, Settings};
use serde_json::json;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn desk() -> Admin {
    Admin::full_access("desk-1", "Front desk")
}

async fn serving(status: u16, body: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    server
}

fn closed_url() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}")
}

async fn open(vendor: &str, url: &str) -> Concierge {
    let once = json!({ "max_attempts": 1, "initial_backoff_ms": 1, "max_backoff_ms": 1 });
    let config = match vendor {
        "buildium" => json!({ "buildium": {
            "client_id": "desk", "client_secret": "s3cret-value", "base_url": url,
            "timeout_seconds": 0.5, "retry": once } }),
        _ => json!({ "salto": {
            "installation": "inst-1", "client_id": "desk", "client_secret": "s3cret-value",
            "base_url": url, "token_url": format!("{url}/token"), "timeout_seconds": 0.5,
            "retry": once } }),
    };
    let mut settings: Settings = serde_json::from_value(config).unwrap();
    settings.hold_email = Some(true);
    Concierge::open(settings).await.unwrap()
}

type Seen = (
    String,
    FailureSource,
    Option<u16>,
    Option<String>,
    RetryClass,
);

async fn failure(c: &Concierge, vendor: &str) -> Seen {
    let err = match vendor {
        "buildium" => c.list_pms_properties(&desk()).await.map(|_| ()),
        _ => c.list_encoders(&desk()).await.map(|_| ()),
    }
    .unwrap_err();
    let Error::Provider(p) = err else {
        panic!("not a provider error: {err}")
    };
    (
        p.provider.clone(),
        p.source_of_failure,
        p.http_status,
        p.vendor_code.clone(),
        p.retry,
    )
}

// R-SDK-2
#[tokio::test]
async fn a_vendor_refusal_is_its_response_with_status_code_and_retry_class() {
    let buildium = serving(
        400,
        json!({ "UserMessage": "Unable to process the request.", "ErrorCode": "BadRequest" }),
    )
    .await;
    let c = open("buildium", &buildium.uri()).await;
    assert_eq!(
        failure(&c, "buildium").await,
        (
            "buildium".into(),
            FailureSource::Response,
            Some(400),
            Some("BadRequest".into()),
            RetryClass::Permanent
        )
    );

    let salto = serving(401, json!({ "error": "invalid_client" })).await;
    let c = open("salto", &salto.uri()).await;
    assert_eq!(
        failure(&c, "salto").await,
        (
            "salto".into(),
            FailureSource::Response,
            Some(401),
            Some("invalid_client".into()),
            RetryClass::Permanent
        )
    );
}

#[tokio::test]
async fn an_unreachable_vendor_is_a_transport_failure_without_a_status() {
    for vendor in ["buildium", "salto"] {
        let c = open(vendor, &closed_url()).await;
        assert_eq!(
            failure(&c, vendor).await,
            (
                vendor.into(),
                FailureSource::Transport,
                None,
                None,
                RetryClass::Transient
            )
        );
    }
}

// The Buildium OpenAPI declares property ids int32: a bigger or non-numeric one is refused when
// it is linked, before any request, as a validation error on its field.
#[tokio::test]
async fn a_buildium_property_id_beyond_int32_is_refused_when_linked() {
    let c = open("buildium", &closed_url()).await;
    let property = c
        .register_property(&desk(), concierge::NewProperty::new("P", "p"))
        .await
        .unwrap();
    for id in ["9999999999", "0", "-4", "abc"] {
        let err = c
            .link_pms_property(&desk(), &property.id, id)
            .await
            .unwrap_err();
        assert_eq!(err.code(), concierge::ErrorCode::Validation, "{id}: {err}");
        assert_eq!(err.fields()["issues"][0]["field"], "pms_property_id");
        assert!(
            !err.to_string().contains(id),
            "the rule, not the value: {err}"
        );
    }
    c.link_pms_property(&desk(), &property.id, "2147483647")
        .await
        .unwrap();
}
