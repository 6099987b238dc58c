//! The adapter against a mock Nebula: the token exchange, the encoding flow (users, encoder
//! checks, operations, polling, the deadline), error mapping, retries, key states, cancelling,
//! encoder listing, and secrets.

mod common;

use common::*;
use concierge_core::{
    CancelKeyRequest, EncoderInfo, EncoderKeyState, ExternalRef, KeyEncoder, KeyStateRequest,
    KeyStateResponse, ListEncodersRequest, ProviderError, ProviderErrorKind, RetryClass,
};
use concierge_http::SecretString;
use concierge_salto::SaltoEncoder;
use serde_json::json;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Mounts `GET` of the test encoder answering `body`, expected `times` times.
async fn mount_encoder(server: &MockServer, body: serde_json::Value, times: u64) {
    Mock::given(method("GET"))
        .and(path(format!("/v1/{ENCODER}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .named("get encoder")
        .expect(times)
        .mount(server)
        .await;
}

/// Mounts the encode call of `user_id`, answering `body`, expected `times` times.
async fn mount_encode(server: &MockServer, user_id: &str, body: serde_json::Value, times: u64) {
    Mock::given(method("POST"))
        .and(path(format!("/v1/{}:encode", card_key(user_id))))
        .and(body_json(json!({ "encoder": ENCODER })))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .named("encode card key")
        .expect(times)
        .mount(server)
        .await;
}

/// Mounts `GET` of the user `user_id` answering `responses` in turn.
async fn mount_user(server: &MockServer, user_id: &str, responses: Vec<ResponseTemplate>) {
    let times = responses.len() as u64;
    Mock::given(method("GET"))
        .and(path(user_path(user_id)))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(Sequence::new(responses))
        .named("get user")
        .expect(times)
        .mount(server)
        .await;
}

fn ok(body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

// ---------------------------------------------------------------------------------------------
// Auth

#[tokio::test]
async fn the_token_is_fetched_once_with_client_credentials_and_scope_and_sent_as_a_bearer() {
    // Arrange
    let server = MockServer::start().await;
    let form: BTreeMap<String, String> = [
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT_ID),
        ("client_secret", CANARY),
        ("scope", "https://saltoapis.com/auth/nebula"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(FormIs(form))
        .respond_with(ok(json!({"access_token": TOKEN, "expires_in": 3599})))
        .named("token")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/installations/inst-1/encoders"))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(ok(json!({"encoders": [encoder(true, true)]})))
        .expect(2)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let salto = salto(&server);

    // Act: two calls share the cached token.
    let first = salto.list_encoders(ListEncodersRequest::default()).await;
    let second = salto.list_encoders(ListEncodersRequest::default()).await;

    // Assert
    assert_eq!(first.unwrap().encoders.len(), 1);
    assert_eq!(second.unwrap().encoders.len(), 1);
}

#[tokio::test]
async fn a_canary_client_secret_never_appears_in_debug_output_or_errors() {
    // Arrange: the token endpoint refuses and echoes the secret back.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client",
            "error_description": format!("client secret {CANARY} is not valid"),
        })))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let salto = salto(&server);

    // Act
    let err = salto
        .list_encoders(ListEncodersRequest::default())
        .await
        .unwrap_err();

    // Assert
    assert_eq!(err.kind, ProviderErrorKind::Unauthorized);
    assert!(!err.retryable());
    for shown in [
        err.to_string(),
        format!("{err:?}"),
        format!("{salto:?}"),
        format!("{:?}", salto.config()),
    ] {
        assert!(!shown.contains(CANARY), "{shown}");
    }
    assert!(err.message.contains("<redacted>"), "{}", err.message);
}

// ---------------------------------------------------------------------------------------------
// Encoding

#[tokio::test]
async fn an_encoding_polled_until_done_on_the_third_poll_returns_the_card_key() {
    // Arrange: a new intent: no user yet; the operation is done on the third poll.
    let server = MockServer::start().await;
    mount_token(&server).await;
    mount_user(
        &server,
        "intent-1",
        vec![
            grpc_error(404, "NOT_FOUND", "user not found"),
            ok(user("intent-1", Some("ACTIVE"))),
        ],
    )
    .await;
    Mock::given(method("POST"))
        .and(path("/v1/installations/inst-1/users"))
        .and(query_param("user_id", "intent-1"))
        .and(body_json(
            json!({"given_name": "res-1", "family_name": "unit-101"}),
        ))
        .respond_with(ok(user("intent-1", Some("NOT_ASSIGNED"))))
        .named("create user")
        .expect(1)
        .mount(&server)
        .await;
    mount_encoder(&server, encoder(true, true), 1).await;
    mount_encode(&server, "intent-1", pending_operation(), 1).await;
    Mock::given(method("GET"))
        .and(path("/v1/operations/op-1"))
        .respond_with(Sequence::new(vec![
            ok(pending_operation()),
            ok(pending_operation()),
            ok(done_operation()),
        ]))
        .named("get operation")
        .expect(3)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;

    // Act
    let written = salto(&server).encode_key(request("intent-1")).await;

    // Assert
    assert_eq!(written.unwrap().key, key_ref("intent-1"));
}

#[tokio::test]
async fn at_the_deadline_the_operation_is_cancelled_and_a_retryable_timeout_returned() {
    // Arrange: nobody puts a card on the encoder.
    let server = MockServer::start().await;
    mount_token(&server).await;
    mount_user(
        &server,
        "intent-1",
        vec![ok(user("intent-1", Some("NOT_ASSIGNED")))],
    )
    .await;
    mount_encoder(&server, encoder(true, true), 1).await;
    mount_encode(&server, "intent-1", pending_operation(), 1).await;
    Mock::given(method("GET"))
        .and(path("/v1/operations/op-1"))
        .respond_with(ok(pending_operation()))
        .named("get operation")
        .expect(2..)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/operations/op-1:cancel"))
        .respond_with(ok(json!({})))
        .named("cancel operation")
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let mut req = request("intent-1");
    req.deadline = Duration::from_millis(150);
    let started = Instant::now();

    // Act
    let err = salto(&server).encode_key(req).await.unwrap_err();

    // Assert
    assert_eq!(err.kind, ProviderErrorKind::Timeout);
    assert!(err.retryable());
    assert!(
        err.message.contains("the operation was cancelled"),
        "{}",
        err.message
    );
    assert!(err.message.contains("key_state"), "{}", err.message);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn an_already_active_card_key_is_returned_without_encoding_again() {
    // R-KEY-4: a retried request never writes a second key.
    // Arrange
    let server = MockServer::start().await;
    mount_token(&server).await;
    mount_user(
        &server,
        "intent-1",
        vec![ok(user("intent-1", Some("ACTIVE")))],
    )
    .await;
    mount_encoder(&server, encoder(true, true), 0).await;
    mount_encode(&server, "intent-1", pending_operation(), 0).await;
    mount_catch_all(&server).await;

    // Act
    let written = salto(&server).encode_key(request("intent-1")).await;

    // Assert
    assert_eq!(written.unwrap().key, key_ref("intent-1"));
}

#[tokio::test]
async fn a_user_created_concurrently_is_read_instead_and_its_pending_key_returned() {
    // R-KEY-4: ALREADY_EXISTS on create is fine; a PENDING key is never encoded again.
    // Arrange
    let server = MockServer::start().await;
    mount_token(&server).await;
    mount_user(
        &server,
        "intent-1",
        vec![
            grpc_error(404, "NOT_FOUND", "user not found"),
            ok(user("intent-1", Some("PENDING"))),
        ],
    )
    .await;
    Mock::given(method("POST"))
        .and(path("/v1/installations/inst-1/users"))
        .and(query_param("user_id", "intent-1"))
        .respond_with(grpc_error(409, "ALREADY_EXISTS", "user already exists"))
        .named("create user")
        .expect(1)
        .mount(&server)
        .await;
    mount_encode(&server, "intent-1", pending_operation(), 0).await;
    mount_catch_all(&server).await;

    // Act
    let written = salto(&server).encode_key(request("intent-1")).await;

    // Assert
    assert_eq!(written.unwrap().key, key_ref("intent-1"));
}

#[tokio::test]
async fn an_offline_encoder_is_refused_before_encoding() {
    // R-KEY-1
    // Arrange
    let server = MockServer::start().await;
    mount_token(&server).await;
    mount_user(&server, "intent-1", vec![ok(user("intent-1", None))]).await;
    // proto3 JSON leaves `connected: false` out.
    mount_encoder(
        &server,
        json!({"name": ENCODER, "display_name": "NCoder Lobby", "initialized": true}),
        1,
    )
    .await;
    mount_encode(&server, "intent-1", pending_operation(), 0).await;
    mount_catch_all(&server).await;

    // Act
    let err = salto(&server)
        .encode_key(request("intent-1"))
        .await
        .unwrap_err();

    // Assert
    assert_eq!(err.kind, ProviderErrorKind::DeviceOffline);
    assert!(!err.retryable());
    assert!(err.message.contains(ENCODER), "{}", err.message);
}

#[tokio::test]
async fn an_uninitialised_encoder_is_refused_before_encoding() {
    // R-KEY-1
    // Arrange
    let server = MockServer::start().await;
    mount_token(&server).await;
    mount_user(
        &server,
        "intent-1",
        vec![ok(user("intent-1", Some("NOT_ASSIGNED")))],
    )
    .await;
    mount_encoder(&server, encoder(true, false), 1).await;
    mount_encode(&server, "intent-1", pending_operation(), 0).await;
    mount_catch_all(&server).await;

    // Act
    let err = salto(&server)
        .encode_key(request("intent-1"))
        .await
        .unwrap_err();

    // Assert
    assert_eq!(err.kind, ProviderErrorKind::Rejected);
    assert!(
        err.message.contains("encoder not initialized"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn every_grpc_code_of_a_failed_operation_maps_to_its_kind_with_the_vendor_message() {
    // (code, kind, retryable, our explanation)
    let table = [
        (1, ProviderErrorKind::Timeout, true, "cancelled"),
        (3, ProviderErrorKind::Rejected, false, "invalid"),
        (
            4,
            ProviderErrorKind::NoCard,
            false,
            "no card on the encoder in time",
        ),
        (5, ProviderErrorKind::NotFound, false, "no such"),
        (
            6,
            ProviderErrorKind::Rejected,
            false,
            "the card holds another key",
        ),
        (7, ProviderErrorKind::Forbidden, false, "lack a right"),
        (
            9,
            ProviderErrorKind::Rejected,
            false,
            "rejected by the lock system",
        ),
        (13, ProviderErrorKind::Unavailable, true, "failed"),
        (14, ProviderErrorKind::DeviceBusy, true, "busy"),
        (16, ProviderErrorKind::Unauthorized, false, "refused"),
        (2, ProviderErrorKind::Other, false, "UNKNOWN"),
        (15, ProviderErrorKind::Other, false, "DATA_LOSS"),
    ];
    for (code, kind, retryable, explanation) in table {
        // Arrange: a server per row; the operation is done at once with the error.
        let server = MockServer::start().await;
        mount_token(&server).await;
        mount_user(
            &server,
            "intent-1",
            vec![ok(user("intent-1", Some("NOT_ASSIGNED")))],
        )
        .await;
        mount_encoder(&server, encoder(true, true), 1).await;
        let vendor = format!("vendor says {code}");
        mount_encode(&server, "intent-1", pending_operation(), 1).await;
        Mock::given(method("GET"))
            .and(path("/v1/operations/op-1"))
            .respond_with(ok(failed_operation(code, &vendor)))
            .expect(1)
            .mount(&server)
            .await;
        mount_catch_all(&server).await;

        // Act
        let err = salto(&server)
            .encode_key(request("intent-1"))
            .await
            .unwrap_err();

        // Assert
        assert_eq!(err.kind, kind, "code {code}: {err}");
        assert_eq!(err.retryable(), retryable, "code {code}: {err}");
        assert_eq!(err.provider, "salto");
        assert_eq!(err.operation, "encode_key");
        assert!(
            err.message.contains(&vendor),
            "code {code}: {}",
            err.message
        );
        assert!(
            err.message.contains(explanation),
            "code {code}: {}",
            err.message
        );
        server.verify().await;
    }
}

#[tokio::test]
async fn grpc_json_error_bodies_map_to_the_same_kinds_with_the_vendor_message() {
    // (HTTP status, body, kind, retryable, attempts the transport makes)
    let table = [
        (
            404,
            json!({"error": {"code": 404, "message": "no such installation", "status": "NOT_FOUND"}}),
            ProviderErrorKind::NotFound,
            false,
            1,
        ),
        (
            400,
            json!({"code": 9, "message": "installation not set up", "details": []}),
            ProviderErrorKind::Rejected,
            false,
            1,
        ),
        (
            403,
            json!({"error": {"code": 403, "message": "no IAM role", "status": "PERMISSION_DENIED"}}),
            ProviderErrorKind::Forbidden,
            false,
            1,
        ),
        (
            409,
            json!({"error": {"code": 409, "message": "exists", "status": "ALREADY_EXISTS"}}),
            ProviderErrorKind::Rejected,
            false,
            1,
        ),
        (
            503,
            json!({"code": 14, "message": "locked by another process"}),
            ProviderErrorKind::DeviceBusy,
            true,
            3,
        ),
        (
            500,
            json!({"error": {"code": 500, "message": "boom", "status": "INTERNAL"}}),
            ProviderErrorKind::Unavailable,
            true,
            3,
        ),
        (
            504,
            json!({"error": {"code": 504, "message": "slow", "status": "DEADLINE_EXCEEDED"}}),
            ProviderErrorKind::Timeout,
            true,
            3,
        ),
    ];
    for (status, body, kind, retryable, attempts) in table {
        // Arrange
        let server = MockServer::start().await;
        mount_token(&server).await;
        Mock::given(method("GET"))
            .and(path("/v1/installations/inst-1/encoders"))
            .respond_with(ResponseTemplate::new(status).set_body_json(body.clone()))
            .expect(attempts)
            .mount(&server)
            .await;
        mount_catch_all(&server).await;

        // Act
        let err = salto(&server)
            .list_encoders(ListEncodersRequest::default())
            .await
            .unwrap_err();

        // Assert
        let vendor = body
            .pointer("/error/message")
            .or_else(|| body.pointer("/message"))
            .and_then(|m| m.as_str())
            .unwrap();
        assert_eq!(err.kind, kind, "HTTP {status}: {err}");
        assert_eq!(err.retryable(), retryable, "HTTP {status}: {err}");
        assert!(
            err.message.contains(vendor),
            "HTTP {status}: {}",
            err.message
        );
        assert!(
            err.message.contains(&format!("HTTP {status}")),
            "{}",
            err.message
        );
        server.verify().await;
    }
}

#[tokio::test]
async fn a_503_is_retried_by_the_transport_and_a_409_conflict_by_the_adapter() {
    // Arrange: 503, then an ABORTED 409, then a bare 409 ("ETag mismatch"), then the page.
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path("/v1/installations/inst-1/encoders"))
        .respond_with(Sequence::new(vec![
            grpc_error(503, "UNAVAILABLE", "try later"),
            grpc_error(409, "ABORTED", "concurrent update"),
            ResponseTemplate::new(409).set_body_string("ETag mismatch"),
            ok(json!({"encoders": [encoder(true, true)]})),
        ]))
        .expect(4)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let mut config = config(&server);
    config.retry = fast_retry(5);
    let salto = SaltoEncoder::new(config).unwrap();

    // Act
    let listed = salto.list_encoders(ListEncodersRequest::default()).await;

    // Assert
    assert_eq!(listed.unwrap().encoders.len(), 1);
}

#[tokio::test]
async fn an_encode_call_answering_503_is_not_replayed_and_is_a_retryable_busy_device() {
    // A replayed EncodeCardKey could start a second write: the caller retries, re-reading first.
    // Arrange
    let server = MockServer::start().await;
    mount_token(&server).await;
    mount_user(
        &server,
        "intent-1",
        vec![ok(user("intent-1", Some("NOT_ASSIGNED")))],
    )
    .await;
    mount_encoder(&server, encoder(true, true), 1).await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/{}:encode", card_key("intent-1"))))
        .respond_with(grpc_error(
            503,
            "UNAVAILABLE",
            "encoder locked by another process",
        ))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;

    // Act
    let err = salto(&server)
        .encode_key(request("intent-1"))
        .await
        .unwrap_err();

    // Assert
    assert_eq!(err.kind, ProviderErrorKind::DeviceBusy);
    assert!(err.retryable());
    assert!(
        err.message.contains("locked by another process"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn an_encode_call_without_a_reply_is_not_replayed_and_its_outcome_is_unknown() {
    // R-KEY-4: the encoding may have started, so the error says the outcome is unknown (never
    // "nothing was written"), and the write is not sent a second time.
    // Arrange
    let server = MockServer::start().await;
    mount_token(&server).await;
    mount_user(
        &server,
        "intent-1",
        vec![ok(user("intent-1", Some("NOT_ASSIGNED")))],
    )
    .await;
    mount_encoder(&server, encoder(true, true), 1).await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/{}:encode", card_key("intent-1"))))
        .respond_with(ok(pending_operation()).set_delay(Duration::from_millis(500)))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let mut config = config(&server);
    config.timeout = Duration::from_millis(100);

    // Act
    let err = SaltoEncoder::new(config)
        .unwrap()
        .encode_key(request("intent-1"))
        .await
        .unwrap_err();

    // Assert
    assert_eq!(err.kind, ProviderErrorKind::Timeout);
    assert_eq!(err.retry, RetryClass::UnknownOutcome, "{err}");
}

/// An encode refused with `FAILED_PRECONDITION` (`message`), the user's card key read as
/// `NOT_ASSIGNED` before it and as `after` when read again.
async fn encode_refused(after: &str, message: &str) -> Result<ExternalRef, ProviderError> {
    let server = MockServer::start().await;
    mount_token(&server).await;
    mount_user(
        &server,
        "intent-1",
        vec![
            ok(user("intent-1", Some("NOT_ASSIGNED"))),
            ok(user("intent-1", Some(after))),
        ],
    )
    .await;
    mount_encoder(&server, encoder(true, true), 1).await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/{}:encode", card_key("intent-1"))))
        .respond_with(grpc_error(400, "FAILED_PRECONDITION", message))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    salto(&server)
        .encode_key(request("intent-1"))
        .await
        .map(|written| written.key)
}

#[tokio::test]
async fn an_encode_refused_because_an_earlier_attempt_wrote_the_key_returns_that_key() {
    // R-KEY-4: the reply of an earlier EncodeCardKey was lost and its write finished between
    // this attempt's GetUser and its EncodeCardKey: the key is there, not a refusal.
    let written = encode_refused(
        "ACTIVE",
        "the card key is already assigned; cancel it first",
    )
    .await;
    assert_eq!(written.unwrap(), key_ref("intent-1"));
}

#[tokio::test]
async fn an_encode_refused_while_no_key_is_written_stays_refused() {
    let err = encode_refused("NOT_ASSIGNED", "the encoder refused")
        .await
        .unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Rejected);
    assert!(!err.retryable());
    assert!(
        err.message.contains("the encoder refused"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn a_holder_in_two_units_is_two_nebula_users_with_two_card_keys() {
    // R-KEY-3: one intent per (holder, unit), so one user and one card key each.
    // Arrange
    let server = MockServer::start().await;
    mount_token(&server).await;
    mount_user(
        &server,
        "res-1-unit-101",
        vec![ok(user("res-1-unit-101", Some("ACTIVE")))],
    )
    .await;
    mount_user(
        &server,
        "res-1-unit-202",
        vec![ok(user("res-1-unit-202", Some("ACTIVE")))],
    )
    .await;
    mount_catch_all(&server).await;
    let salto = salto(&server);
    let mut second = request("res-1-unit-202");
    second.unit_ref = "unit-202".into();

    // Act
    let a = salto.encode_key(request("res-1-unit-101")).await.unwrap();
    let b = salto.encode_key(second).await.unwrap();

    // Assert
    assert_ne!(a.key, b.key);
    assert_eq!(a.key, key_ref("res-1-unit-101"));
    assert_eq!(b.key, key_ref("res-1-unit-202"));
    // Keys that are not resource ids are hashed, never merged.
    assert_ne!(
        SaltoEncoder::user_id("Res_1/Unit_101"),
        SaltoEncoder::user_id("res-1-unit-101")
    );
}

#[tokio::test]
async fn a_foreign_encoder_or_key_is_rejected_without_any_call() {
    // Arrange
    let server = MockServer::start().await;
    mount_catch_all(&server).await;
    let salto = salto(&server);
    let mut foreign = request("intent-1");
    foreign.encoder = ExternalRef::new("sandbox-salto", "ncoder-1");
    let mut other_installation = request("intent-1");
    other_installation.encoder = ExternalRef::new("salto", "installations/inst-2/encoders/enc-1");

    // Act
    let errors = [
        salto.encode_key(foreign).await.unwrap_err(),
        salto.encode_key(other_installation).await.unwrap_err(),
        salto
            .key_state(KeyStateRequest {
                key: Some(ExternalRef::new(
                    "salto",
                    "installations/inst-2/users/u/card-key",
                )),
                idempotency_key: None,
            })
            .await
            .unwrap_err(),
        salto
            .key_state(KeyStateRequest::default())
            .await
            .unwrap_err(),
        salto
            .cancel_key(CancelKeyRequest {
                key: ExternalRef::new("salto", "salto-key-1"),
                idempotency_key: "c-1".into(),
            })
            .await
            .unwrap_err(),
    ];

    // Assert
    for e in errors {
        assert_eq!(e.kind, ProviderErrorKind::Rejected, "{e}");
    }
}

// ---------------------------------------------------------------------------------------------
// Key state

#[tokio::test]
async fn key_state_by_key_reads_the_users_card_key_and_a_cancelled_key_is_outdated() {
    // Arrange: active, then cancelled (back to NOT_ASSIGNED), then the user deleted.
    let server = MockServer::start().await;
    mount_token(&server).await;
    mount_user(
        &server,
        "intent-1",
        vec![
            ok(user("intent-1", Some("ACTIVE"))),
            ok(user("intent-1", Some("NOT_ASSIGNED"))),
            grpc_error(404, "NOT_FOUND", "user not found"),
        ],
    )
    .await;
    mount_catch_all(&server).await;
    let salto = salto(&server);
    let by_key = || KeyStateRequest {
        key: Some(key_ref("intent-1")),
        idempotency_key: None,
    };

    // Act
    let active = salto.key_state(by_key()).await.unwrap();
    let cancelled = salto.key_state(by_key()).await.unwrap();
    let deleted = salto.key_state(by_key()).await.unwrap();

    // Assert
    assert_eq!(active.state, EncoderKeyState::Active);
    assert_eq!(active.key, Some(key_ref("intent-1")));
    assert_eq!(cancelled.state, EncoderKeyState::Outdated);
    assert_eq!(deleted.state, EncoderKeyState::Outdated);
}

#[tokio::test]
async fn key_state_by_idempotency_key_is_not_assigned_without_a_user_and_finds_a_written_key() {
    // R-KEY-4: after a lost reply, the intent tells what became of it.
    // Arrange
    let server = MockServer::start().await;
    mount_token(&server).await;
    mount_user(
        &server,
        "intent-2",
        vec![grpc_error(404, "NOT_FOUND", "user not found")],
    )
    .await;
    mount_user(
        &server,
        "intent-3",
        vec![ok(user("intent-3", Some("PENDING")))],
    )
    .await;
    mount_user(
        &server,
        "intent-4",
        vec![ok(user("intent-4", Some("NOT_ASSIGNED")))],
    )
    .await;
    mount_catch_all(&server).await;
    let salto = salto(&server);
    let by_intent = |k: &str| KeyStateRequest {
        key: None,
        idempotency_key: Some(k.into()),
    };

    // Act
    let missing = salto.key_state(by_intent("intent-2")).await.unwrap();
    let pending = salto.key_state(by_intent("intent-3")).await.unwrap();
    let unwritten = salto.key_state(by_intent("intent-4")).await.unwrap();

    // Assert
    assert_eq!(missing.state, EncoderKeyState::NotAssigned);
    assert_eq!(missing.key, None);
    assert_eq!(pending.state, EncoderKeyState::Pending);
    assert_eq!(pending.key, Some(key_ref("intent-3")));
    assert_eq!(unwritten.state, EncoderKeyState::NotAssigned);
    assert_eq!(unwritten.key, None);
}

// ---------------------------------------------------------------------------------------------
// Cancel

#[tokio::test]
async fn cancelling_a_key_posts_cancel_card_key_with_the_idempotency_key() {
    // Arrange
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/{}:cancel", card_key("intent-1"))))
        .and(header("idempotency-key", "cancel-1"))
        .respond_with(ok(
            json!({"name": card_key("intent-1"), "state": "NOT_ASSIGNED"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;

    // Act
    let cancelled = salto(&server)
        .cancel_key(CancelKeyRequest {
            key: key_ref("intent-1"),
            idempotency_key: "cancel-1".into(),
        })
        .await;

    // Assert
    assert!(cancelled.is_ok(), "{cancelled:?}");
}

#[tokio::test]
async fn cancelling_a_missing_key_succeeds() {
    // Arrange
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/{}:cancel", card_key("gone-1"))))
        .respond_with(grpc_error(404, "NOT_FOUND", "user not found"))
        .expect(1)
        .mount(&server)
        .await;
    mount_user(
        &server,
        "gone-1",
        vec![grpc_error(404, "NOT_FOUND", "user not found")],
    )
    .await;
    mount_catch_all(&server).await;

    // Act
    let cancelled = salto(&server)
        .cancel_key(CancelKeyRequest {
            key: key_ref("gone-1"),
            idempotency_key: "cancel-1".into(),
        })
        .await;

    // Assert
    assert!(cancelled.is_ok(), "{cancelled:?}");
}

#[tokio::test]
async fn cancelling_a_key_twice_succeeds_when_the_card_key_holds_no_key() {
    // Arrange: the second cancel is refused as FAILED_PRECONDITION; the card key is empty.
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/{}:cancel", card_key("intent-1"))))
        .respond_with(grpc_error(
            400,
            "FAILED_PRECONDITION",
            "card key not assigned",
        ))
        .expect(1)
        .mount(&server)
        .await;
    mount_user(
        &server,
        "intent-1",
        vec![ok(user("intent-1", Some("NOT_ASSIGNED")))],
    )
    .await;
    mount_catch_all(&server).await;

    // Act
    let cancelled = salto(&server)
        .cancel_key(CancelKeyRequest {
            key: key_ref("intent-1"),
            idempotency_key: "cancel-2".into(),
        })
        .await;

    // Assert
    assert!(cancelled.is_ok(), "{cancelled:?}");
}

#[tokio::test]
async fn a_cancel_answered_404_while_the_card_key_is_still_active_is_an_error() {
    // A wrong cancel route (404 without a gRPC body) must never pass for a cancelled key.
    // Arrange
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/{}:cancel", card_key("intent-1"))))
        .respond_with(ResponseTemplate::new(404).set_body_string("<html>no route</html>"))
        .expect(1)
        .mount(&server)
        .await;
    mount_user(
        &server,
        "intent-1",
        vec![ok(user("intent-1", Some("ACTIVE")))],
    )
    .await;
    mount_catch_all(&server).await;

    // Act
    let err = salto(&server)
        .cancel_key(CancelKeyRequest {
            key: key_ref("intent-1"),
            idempotency_key: "cancel-1".into(),
        })
        .await
        .unwrap_err();

    // Assert
    assert_eq!(err.kind, ProviderErrorKind::NotFound);
    assert_eq!(err.operation, "cancel_key");
}

// ---------------------------------------------------------------------------------------------
// Encoders

#[tokio::test]
async fn encoders_are_listed_across_two_pages() {
    // Arrange: the second page uses lowerCamelCase keys and leaves false booleans out.
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path("/v1/installations/inst-1/encoders"))
        .and(query_param("page_size", "100"))
        .and(query_param_is_missing("page_token"))
        .respond_with(ok(json!({
            "encoders": [encoder(true, true)],
            "next_page_token": "p2",
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/installations/inst-1/encoders"))
        .and(query_param("page_size", "100"))
        .and(query_param("page_token", "p2"))
        .respond_with(ok(json!({
            "encoders": [
                {"name": "installations/inst-1/encoders/enc-2", "displayName": "NCoder Office", "connected": true},
                {"display_name": "no name"},
            ],
            "nextPageToken": "",
        })))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;

    // Act
    let listed = salto(&server)
        .list_encoders(ListEncodersRequest::default())
        .await
        .unwrap();

    // Assert
    assert_eq!(
        listed.encoders,
        vec![
            EncoderInfo {
                external: ExternalRef::new("salto", ENCODER),
                name: "NCoder Lobby".into(),
                online: true,
                initialized: true,
            },
            EncoderInfo {
                external: ExternalRef::new("salto", "installations/inst-1/encoders/enc-2"),
                name: "NCoder Office".into(),
                online: true,
                initialized: false,
            },
        ]
    );
}

#[tokio::test]
async fn a_configuration_without_a_secret_is_refused() {
    // Arrange
    let server = MockServer::start().await;
    let mut config = config(&server);
    config.client_secret = SecretString::from("");

    // Act
    let err = SaltoEncoder::new(config).unwrap_err();

    // Assert
    assert_eq!(err.kind, ProviderErrorKind::Other);
    assert!(err.message.contains("secret"), "{}", err.message);
}

// ---------------------------------------------------------------------------------------------
// Against the Nebula simulator, with faults

#[tokio::test]
async fn under_thirty_percent_faults_retrying_an_intent_writes_exactly_one_key() {
    // R-KEY-4: 429s, 5xx, lost replies (a write done, its answer a 502) and hangs past the
    // client's timeout, on any call of the flow, never make a second key for one intent, and
    // never end the intent with an error that says nothing was written.
    use concierge_nebula_sim::{FaultPlan, NebulaSimulator, SimConfig};

    let sim = NebulaSimulator::start(SimConfig::default())
        .await
        .expect("the simulator starts");
    sim.set_auto_card("enc-1", true); // staff keep a blank card on the encoder
    let mut config = sim_config(&sim);
    config.timeout = Duration::from_millis(150);
    config.retry = fast_retry(10);
    let salto = SaltoEncoder::new(config).expect("a valid configuration");
    let hang = Duration::from_millis(300);

    for seed in 1..=6u64 {
        let intent = format!("intent-faults-{seed}");
        sim.set_faults(FaultPlan::new(0.3, seed).with_hang(hang));
        let started = Instant::now();
        let mut attempts = 0;
        // As Concierge finishes an intent: it asks the lock system what became of the intent and
        // writes only if no key is there; a retryable failure or an unknown outcome leaves it to
        // be tried again; any other failure is taken as "nothing was written".
        let key = loop {
            attempts += 1;
            let asked = salto
                .key_state(KeyStateRequest {
                    key: None,
                    idempotency_key: Some(intent.clone()),
                })
                .await;
            if let Ok(KeyStateResponse {
                state: EncoderKeyState::Active | EncoderKeyState::Pending,
                key: Some(key),
                ..
            }) = asked
            {
                break key;
            }
            match salto.encode_key(request(&intent)).await {
                Ok(done) => break done.key,
                Err(e)
                    if (e.retryable() || e.retry == RetryClass::UnknownOutcome)
                        && started.elapsed() < Duration::from_secs(60) =>
                {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(e) => panic!("seed {seed}, attempt {attempts}: {e}"),
            }
        };
        sim.clear_faults();
        tokio::time::sleep(hang + Duration::from_millis(100)).await; // hung requests land

        assert_eq!(key, key_ref(&intent), "seed {seed}");
        assert_eq!(sim.keys_written_for(&intent), 1, "seed {seed}");
        let state = salto
            .key_state(KeyStateRequest {
                key: None,
                idempotency_key: Some(intent.clone()),
            })
            .await
            .expect("key_state without faults");
        assert_eq!(state.state, EncoderKeyState::Active, "seed {seed}");
    }
    assert_eq!(sim.user_ids().len(), 6, "one user per intent");
    assert_eq!(sim.keys_written(), 6);
    assert!(sim.faults_injected() > 0);
}

#[tokio::test]
async fn a_key_finished_by_a_lost_attempt_during_a_retry_is_returned_not_refused() {
    // R-KEY-4, scripted: the first attempt's EncodeCardKey loses its reply (the encoding waits
    // for a card); while the retry is between GetUser (nothing written yet) and EncodeCardKey,
    // staff present the card and that write finishes. The retry must return the key.
    use concierge_nebula_sim::{Card, FaultKind, FaultPlan, NebulaSimulator, SimConfig};

    let sim = NebulaSimulator::start(SimConfig {
        write_time: Duration::from_millis(300),
        card_wait: Duration::from_secs(10),
        ..SimConfig::default()
    })
    .await
    .expect("the simulator starts");
    let salto = SaltoEncoder::new(sim_config(&sim)).expect("a valid configuration");
    let hang = Duration::from_millis(200);
    sim.set_faults(FaultPlan::new(0.0, 1).with_hang(hang));
    // Attempt 1: GetUser (404), CreateUser and GetEncoder are slow, EncodeCardKey's reply is lost.
    // Attempt 2: GetUser and GetEncoder are slow (200 ms each), the write takes 300 ms.
    sim.inject_faults([
        FaultKind::Hang,
        FaultKind::Hang,
        FaultKind::Hang,
        FaultKind::LostReply,
        FaultKind::Hang,
        FaultKind::Hang,
    ]);

    let lost = salto.encode_key(request("intent-1")).await.unwrap_err();
    assert!(lost.retryable(), "{lost}");
    assert_eq!(sim.encode_requests(), 1);
    assert_eq!(sim.keys_written_for("intent-1"), 0, "waiting for a card");

    sim.place_card("enc-1", Card::Blank);
    let written = salto.encode_key(request("intent-1")).await;

    assert_eq!(written.expect("the key").key, key_ref("intent-1"));
    assert_eq!(sim.encode_requests(), 2, "the retry's encode was refused");
    assert_eq!(sim.keys_written_for("intent-1"), 1);
    assert_eq!(sim.faults_injected(), 6);
}
