//! Transport failures, undecodable replies, and secrets kept out of errors, `Debug` and spans.

use crate::support::{CANARY, builder, fast_retry, mount_catch_all};
use concierge_http::{
    Auth, ClientCredentials, HttpClient, ProviderErrorKind, RetryPolicy, SecretString,
};
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn a_slow_reply_is_a_retryable_timeout_after_every_attempt() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(500)))
        .expect(2)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let client = builder(&server)
        .retry(fast_retry(2))
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();

    // Act
    let err = client
        .get("list_units", "/v1/units")
        .send()
        .await
        .unwrap_err();

    // Assert
    assert_eq!(err.kind, ProviderErrorKind::Timeout);
    assert!(err.retryable());
    assert_eq!(err.message, "no reply within 100ms (after 2 attempts)");
}

#[tokio::test]
async fn a_refused_connection_is_a_retryable_connection_error() {
    // Arrange: a port nobody listens on.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = HttpClient::builder("acme", &format!("http://127.0.0.1:{port}"))
        .retry(fast_retry(2))
        .build()
        .unwrap();

    // Act
    let err = client
        .get("list_units", "/v1/units")
        .send()
        .await
        .unwrap_err();

    // Assert
    assert_eq!(err.kind, ProviderErrorKind::Connection);
    assert!(err.retryable());
    assert!(
        err.message.starts_with("connection failed"),
        "{}",
        err.message
    );
    assert!(
        err.message.ends_with("(after 2 attempts)"),
        "{}",
        err.message
    );
    assert!(!err.message.contains("/v1/units"), "{}", err.message);
}

#[tokio::test]
async fn an_undecodable_body_is_an_invalid_response_without_its_values() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-request-id", "req-json")
                .set_body_json(json!({"id": "jane@example.com"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let client = builder(&server).build().unwrap();

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Unit {
        id: u32,
    }

    // Act
    let err = client
        .get("get_unit", "/v1/units/1")
        .send_json::<Unit>()
        .await
        .unwrap_err();

    // Assert
    assert_eq!(err.kind, ProviderErrorKind::InvalidResponse);
    assert!(!err.retryable());
    assert_eq!(err.request_id.as_deref(), Some("req-json"));
    assert!(
        err.message
            .contains("invalid type: string <value>, expected u32"),
        "{}",
        err.message
    );
    assert!(!format!("{err} {err:?}").contains("jane"));
}

#[tokio::test]
async fn a_canary_secret_never_appears_in_debug_output_or_errors() {
    // Arrange: the provider echoes the secret in its error bodies.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/units"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "message": format!("key {CANARY} is not valid"),
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client",
            "error_description": format!("secret {CANARY} refused"),
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/echo"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": CANARY})))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;

    let header_auth = Auth::headers([
        ("x-client-id", SecretString::from("client-id-1")),
        ("x-client-secret", SecretString::from(CANARY)),
    ]);
    let oauth = Auth::client_credentials(ClientCredentials {
        token_url: format!("{}/oauth/token", server.uri()),
        client_id: "client-1".into(),
        client_secret: SecretString::from(CANARY),
        scope: None,
    });
    let mut outputs = vec![format!("{header_auth:?}"), format!("{oauth:?}")];
    let with_headers = builder(&server).auth(header_auth).build().unwrap();
    let with_oauth = builder(&server).auth(oauth).build().unwrap();
    outputs.push(format!("{with_headers:?}"));
    outputs.push(format!("{with_oauth:?}"));

    // Act
    let rejected = with_headers
        .get("list_units", "/v1/units")
        .send()
        .await
        .unwrap_err();
    let token_refused = with_oauth
        .get("list_units", "/v1/units")
        .send()
        .await
        .unwrap_err();
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Echo {
        id: u32,
    }
    let undecodable = with_headers
        .get("echo", "/v1/echo")
        .send_json::<Echo>()
        .await
        .unwrap_err();

    // Assert
    assert_eq!(rejected.kind, ProviderErrorKind::Rejected);
    assert_eq!(token_refused.kind, ProviderErrorKind::Unauthorized);
    assert_eq!(undecodable.kind, ProviderErrorKind::InvalidResponse);
    assert!(rejected.message.contains("key <redacted> is not valid"));
    for err in [&rejected, &token_refused, &undecodable] {
        outputs.push(err.to_string());
        outputs.push(format!("{err:?}"));
    }
    assert!(outputs[2].contains("x-client-secret"));
    for output in outputs {
        assert!(!output.contains(CANARY), "secret leaked: {output}");
    }
}

#[tokio::test]
async fn the_span_names_the_call_without_query_values_or_secrets() {
    // Arrange
    let logs = Logs::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/residents"))
        .and(query_param("email", "jane@example.com"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/residents"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let client = builder(&server)
        .auth(Auth::headers([("x-api-key", SecretString::from(CANARY))]))
        .build()
        .unwrap();

    // Act
    client
        .get("find_resident", "/v1/residents")
        .query(&[("email", "jane@example.com")])
        .send()
        .await
        .unwrap();

    // Assert
    let text = logs.text();
    let call = "http_request{provider=acme operation=find_resident method=GET path=/v1/residents \
                attempt=2 status=200}";
    assert!(text.contains(call), "{text}");
    assert!(
        text.contains("http_attempt{attempt=1 status=503}"),
        "{text}"
    );
    assert!(
        text.contains("http_attempt{attempt=2 status=200}"),
        "{text}"
    );
    assert!(!text.contains("jane"), "{text}");
    assert!(!text.contains(CANARY), "{text}");
}

#[tokio::test]
async fn a_client_with_an_invalid_configuration_is_refused_without_its_secret() {
    // Arrange
    let builders = [
        HttpClient::builder("acme", "not a url"),
        HttpClient::builder("acme", "https://api.example").rate_limit(0),
        HttpClient::builder("acme", "https://api.example").auth(Auth::headers([(
            "x-key",
            SecretString::from(format!("{CANARY}\n")),
        )])),
        HttpClient::builder("acme", "https://api.example")
            .retry(RetryPolicy::disabled())
            .request_id_headers(["bad header"]),
    ];

    for b in builders {
        // Act
        let err = b.build().unwrap_err();

        // Assert
        assert_eq!(err.kind, ProviderErrorKind::Other);
        assert_eq!(err.operation, "build_client");
        assert!(!format!("{err:?}").contains(CANARY));
    }
}

/// Captured log output.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
