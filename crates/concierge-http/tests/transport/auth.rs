//! Static headers and OAuth2 tokens.

use crate::support::{builder, mount_catch_all, token_reply};
use concierge_http::{
    Auth, ClientCredentials, ExposeSecret, ProviderErrorKind, RefreshToken, SecretString,
};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client_credentials(server: &MockServer) -> Auth {
    Auth::client_credentials(ClientCredentials {
        token_url: format!("{}/oauth/token", server.uri()),
        client_id: "client-1".into(),
        client_secret: SecretString::from("client-secret-1"),
        scope: Some("nebula".into()),
    })
}

fn token_mock() -> wiremock::MockBuilder {
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains("client_id=client-1"))
        .and(body_string_contains("client_secret=client-secret-1"))
        .and(body_string_contains("scope=nebula"))
}

#[tokio::test]
async fn static_headers_are_sent_on_every_request() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/rentals"))
        .and(header("x-buildium-client-id", "id-1"))
        .and(header("x-buildium-client-secret", "secret-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(2)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let client = builder(&server)
        .auth(Auth::headers([
            ("x-buildium-client-id", SecretString::from("id-1")),
            ("x-buildium-client-secret", SecretString::from("secret-1")),
        ]))
        .build()
        .unwrap();

    // Act
    for _ in 0..2 {
        let reply = client
            .get("list_rentals", "/v1/rentals")
            .send_json::<Vec<serde_json::Value>>()
            .await
            .unwrap();
        // Assert
        assert!(reply.body.is_empty());
    }
}

#[tokio::test]
async fn a_client_credentials_token_is_fetched_once_and_reused() {
    // Arrange
    let server = MockServer::start().await;
    token_mock()
        .respond_with(token_reply("tok-1", 3600))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/sites"))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": []})))
        .expect(3)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let client = builder(&server)
        .auth(client_credentials(&server))
        .build()
        .unwrap();

    // Act
    for _ in 0..3 {
        client.get("list_sites", "/v1/sites").send().await.unwrap();
    }

    // Assert: the mocks' expectations are verified when the server drops.
}

#[tokio::test]
async fn a_token_is_refreshed_shortly_before_it_expires() {
    // Arrange: a token living 1 s is replaced at 90% of its lifetime.
    let server = MockServer::start().await;
    token_mock()
        .respond_with(token_reply("tok-1", 1))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    token_mock()
        .respond_with(token_reply("tok-2", 3600))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer tok-2"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let client = builder(&server)
        .auth(client_credentials(&server))
        .build()
        .unwrap();

    // Act
    client.get("list_sites", "/v1/sites").send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(950)).await;
    client.get("list_sites", "/v1/sites").send().await.unwrap();
}

#[tokio::test]
async fn a_401_refreshes_the_token_once_and_replays_the_request() {
    // Arrange
    let server = MockServer::start().await;
    token_mock()
        .respond_with(token_reply("tok-1", 3600))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    token_mock()
        .respond_with(token_reply("tok-2", 3600))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/keys"))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/keys"))
        .and(header("authorization", "Bearer tok-2"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "k-9"})))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let client = builder(&server)
        .auth(client_credentials(&server))
        .build()
        .unwrap();

    // Act: a POST without idempotency key is replayed too: a 401 means it was not processed.
    let reply = client
        .post("issue_key", "/v1/keys")
        .json(&json!({"unit": "4B"}))
        .send_json::<serde_json::Value>()
        .await
        .unwrap();

    // Assert
    assert_eq!(reply.status.as_u16(), 201);
    assert_eq!(reply.body["id"], "k-9");
}

#[tokio::test]
async fn a_second_401_is_unauthorized_and_not_retried_again() {
    // Arrange
    let server = MockServer::start().await;
    token_mock()
        .respond_with(token_reply("tok", 3600))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/sites"))
        .respond_with(ResponseTemplate::new(401).insert_header("x-request-id", "req-401"))
        .expect(2)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let client = builder(&server)
        .auth(client_credentials(&server))
        .build()
        .unwrap();

    // Act
    let err = client
        .get("list_sites", "/v1/sites")
        .send()
        .await
        .unwrap_err();

    // Assert
    assert_eq!(err.kind, ProviderErrorKind::Unauthorized);
    assert!(!err.retryable());
    assert_eq!(err.request_id.as_deref(), Some("req-401"));
}

#[tokio::test]
async fn a_rotated_refresh_token_is_handed_to_on_rotate_and_used_next() {
    // Arrange
    let server = MockServer::start().await;
    for (sent, access, next) in [("rt-0", "at-1", "rt-1"), ("rt-1", "at-2", "rt-2")] {
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            .and(body_string_contains("grant_type=refresh_token"))
            .and(body_string_contains(format!("refresh_token={sent}")))
            .and(body_string_contains("client_secret=bmx-secret"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": 86400,
                "refresh_token": next,
                "scope": "public",
            })))
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer at-1"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer at-2"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let rotated = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = rotated.clone();
    let client = builder(&server)
        .auth(Auth::refresh_token(RefreshToken {
            token_url: format!("{}/oauth/token", server.uri()),
            client_id: "bmx".into(),
            client_secret: SecretString::from("bmx-secret"),
            refresh_token: SecretString::from("rt-0"),
            on_rotate: Arc::new(move |token: SecretString| {
                sink.lock().unwrap().push(token.expose_secret().to_string());
            }),
        }))
        .build()
        .unwrap();

    // Act: the first token is refused, so a second exchange uses the rotated refresh token.
    client
        .get("list_buildings", "/v4/buildings")
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(*rotated.lock().unwrap(), ["rt-1", "rt-2"]);
}

#[tokio::test]
async fn concurrent_callers_share_one_token_fetch() {
    // Arrange
    let server = MockServer::start().await;
    token_mock()
        .respond_with(token_reply("tok-1", 3600).set_delay(Duration::from_millis(200)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(ResponseTemplate::new(200))
        .expect(10)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let client = builder(&server)
        .auth(client_credentials(&server))
        .build()
        .unwrap();

    // Act
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..10 {
        let client = client.clone();
        calls.spawn(async move {
            client
                .get("get_site", format!("/v1/sites/{i}"))
                .send()
                .await
        });
    }

    // Assert
    while let Some(result) = calls.join_next().await {
        result.unwrap().unwrap();
    }
}

#[tokio::test]
async fn a_refused_client_secret_is_an_unauthorized_error() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_client",
            "error_description": "client authentication failed",
        })))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let client = builder(&server)
        .auth(client_credentials(&server))
        .build()
        .unwrap();

    // Act
    let err = client
        .get("list_sites", "/v1/sites")
        .send()
        .await
        .unwrap_err();

    // Assert
    assert_eq!(err.kind, ProviderErrorKind::Unauthorized);
    assert!(!err.retryable());
    assert_eq!(err.operation, "list_sites");
    assert!(
        err.message
            .contains("invalid_client: client authentication failed"),
        "{}",
        err.message
    );
}
