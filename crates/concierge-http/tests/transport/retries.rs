//! What is retried, how long it waits, and what is not retried.

use crate::support::{builder, fast_retry, mount_catch_all};
use concierge_http::{ProviderErrorKind, RetryPolicy};
use serde_json::json;
use std::time::{Duration, Instant};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn a_500_and_a_503_are_retried_until_success() {
    // Arrange
    let server = MockServer::start().await;
    for status in [500, 503] {
        Mock::given(method("GET"))
            .and(path("/v1/units"))
            .respond_with(ResponseTemplate::new(status))
            .up_to_n_times(1)
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/v1/units"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"Id": 1}])))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let client = builder(&server).build().unwrap();

    // Act
    let reply = client
        .get("list_units", "/v1/units")
        .send_json::<serde_json::Value>()
        .await
        .unwrap();

    // Assert
    assert_eq!(reply.body[0]["Id"], 1);
}

#[tokio::test]
async fn a_429_waits_for_its_retry_after_seconds() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let client = builder(&server).build().unwrap();

    // Act
    let started = Instant::now();
    client.get("list_units", "/v1/units").send().await.unwrap();

    // Assert: the retry waited the second the provider asked for, not the 5 ms backoff.
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn a_429_without_retry_after_backs_off_on_its_own() {
    // Arrange: Buildium sends no Retry-After; a 429 waits at least the initial backoff.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let client = builder(&server)
        .retry(RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
        })
        .build()
        .unwrap();

    // Act
    let started = Instant::now();
    client.get("list_units", "/v1/units").send().await.unwrap();

    // Assert
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn a_retry_after_beyond_the_max_backoff_is_left_to_the_caller() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let client = builder(&server).build().unwrap();

    // Act
    let err = client
        .get("list_units", "/v1/units")
        .send()
        .await
        .unwrap_err();

    // Assert
    assert_eq!(err.kind, ProviderErrorKind::RateLimited);
    assert!(err.retryable());
    assert!(
        err.message.contains("retry after 3600 s"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn client_errors_are_not_retried_and_carry_the_vendor_message() {
    for (status, kind) in [
        (400, ProviderErrorKind::Rejected),
        (404, ProviderErrorKind::NotFound),
        (422, ProviderErrorKind::Rejected),
    ] {
        // Arrange
        let server = MockServer::start().await;
        Mock::given(method("PUT"))
            .and(path("/v1/tenants/7"))
            .respond_with(ResponseTemplate::new(status).set_body_json(json!({
                "UserMessage": "The tenant could not be updated.",
                "ErrorCode": "ValidationError",
                "Errors": [{"Key": "Email", "Value": "is not a valid address"}],
            })))
            .expect(1)
            .mount(&server)
            .await;
        mount_catch_all(&server).await;
        let client = builder(&server)
            .error_body(buildium_error_body)
            .build()
            .unwrap();

        // Act
        let err = client
            .put("update_tenant", "/v1/tenants/7")
            .json(&json!({"Email": "x"}))
            .send()
            .await
            .unwrap_err();

        // Assert: the vendor's answer, split from the transport: status and code as fields.
        assert_eq!(err.kind, kind, "{status}");
        assert!(!err.retryable());
        assert_eq!(
            err.source_of_failure,
            concierge_core::FailureSource::Response
        );
        assert_eq!(err.http_status, Some(status));
        assert_eq!(err.vendor_code.as_deref(), Some("ValidationError"));
        assert_eq!(err.retry, concierge_core::RetryClass::Permanent);
        assert_eq!(
            err.message,
            format!(
                "HTTP {status} {}: The tenant could not be updated. (ValidationError): \
                 Email: is not a valid address",
                concierge_http::StatusCode::from_u16(status)
                    .unwrap()
                    .canonical_reason()
                    .unwrap()
            )
        );
    }
}

/// Buildium's `ApiErrorResponse`, as its adapter will read it.
fn buildium_error_body(body: &[u8]) -> Option<concierge_http::VendorError> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let code = v
        .get("ErrorCode")
        .and_then(|c| c.as_str())
        .map(str::to_owned);
    let mut message = v.get("UserMessage")?.as_str()?.to_string();
    if let Some(code) = v.get("ErrorCode").and_then(|c| c.as_str()) {
        message.push_str(&format!(" ({code})"));
    }
    for e in v
        .get("Errors")
        .and_then(|e| e.as_array())
        .into_iter()
        .flatten()
    {
        if let (Some(k), Some(val)) = (e["Key"].as_str(), e["Value"].as_str()) {
            message.push_str(&format!(": {k}: {val}"));
        }
    }
    Some(concierge_http::VendorError {
        code,
        message: Some(message),
    })
}

#[tokio::test]
async fn attempts_are_bounded_and_the_last_error_names_provider_operation_and_request_id() {
    for (status, kind, text) in [
        (
            503,
            ProviderErrorKind::Unavailable,
            "unavailable, transient",
        ),
        (
            429,
            ProviderErrorKind::RateLimited,
            "rate_limited, throttled",
        ),
    ] {
        // Arrange
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/v1/units"))
            .respond_with(
                ResponseTemplate::new(status)
                    .insert_header("x-request-id", "req-42")
                    .set_body_json(json!({"message": "try later"})),
            )
            .expect(3)
            .mount(&server)
            .await;
        mount_catch_all(&server).await;
        let client = builder(&server).retry(fast_retry(3)).build().unwrap();

        // Act
        let err = client
            .get("list_units", "/v1/units")
            .send()
            .await
            .unwrap_err();

        // Assert
        assert_eq!(err.kind, kind);
        assert!(err.retryable());
        assert_eq!(err.provider, "acme");
        assert_eq!(err.operation, "list_units");
        assert_eq!(err.request_id.as_deref(), Some("req-42"));
        let reason = concierge_http::StatusCode::from_u16(status)
            .unwrap()
            .canonical_reason()
            .unwrap();
        assert_eq!(
            err.to_string(),
            format!(
                "acme list_units failed ({text}): HTTP {status} {reason}: \
                 try later (after 3 attempts) [request id req-42]"
            )
        );
    }
}

#[tokio::test]
async fn a_post_without_idempotency_key_is_not_retried() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let client = builder(&server).build().unwrap();

    // Act
    let err = client
        .post("create_pass", "/v1/passes")
        .json(&json!({"name": "guest"}))
        .send()
        .await
        .unwrap_err();

    // Assert
    assert_eq!(err.kind, ProviderErrorKind::Unavailable);
}

#[tokio::test]
async fn a_post_with_an_idempotency_key_is_retried_with_the_same_key() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("idempotency-key", "intent-42"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(header("idempotency-key", "intent-42"))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let client = builder(&server).build().unwrap();

    // Act
    let reply = client
        .post("create_pass", "/v1/passes")
        .idempotency_key("intent-42")
        .json(&json!({"name": "guest"}))
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(reply.status.as_u16(), 201);
}

#[tokio::test]
async fn a_disabled_policy_sends_once() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let client = builder(&server)
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();

    // Act
    let err = client
        .get("list_units", "/v1/units")
        .send()
        .await
        .unwrap_err();

    // Assert
    assert_eq!(err.kind, ProviderErrorKind::Unavailable);
    assert!(err.retryable());
}
