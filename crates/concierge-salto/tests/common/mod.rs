//! Shared test helpers: a configuration pointing at a mock Nebula (or at the Nebula simulator),
//! the token mock, message builders, a responder answering a sequence, and the catch-all.

#![allow(dead_code)]

use concierge_core::{EncodeKeyRequest, ExternalRef};
use concierge_http::{RetryPolicy, SecretString};
use concierge_salto::{SaltoConfig, SaltoEncoder};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use wiremock::matchers::{any, method, path};
use wiremock::{Match, Mock, MockServer, Request, Respond, ResponseTemplate};

/// The installation every test uses.
pub const INSTALLATION: &str = "inst-1";
/// The client id every test sends.
pub const CLIENT_ID: &str = "concierge-test-client";
/// The client secret: it must never show up in `Debug` output or an error.
pub const CANARY: &str = "canary-5d2e8b17-salto-secret";
/// The access token the mock token endpoint issues.
pub const TOKEN: &str = "tok-1";
/// The token endpoint's path on the mock server.
pub const TOKEN_PATH: &str = "/oauth2/token";
/// The encoder every test writes on.
pub const ENCODER: &str = "installations/inst-1/encoders/enc-1";

/// A retry policy with tiny backoffs.
pub fn fast_retry(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
    }
}

/// A configuration for `server`: test credentials, fast retries, polls every few milliseconds.
pub fn config(server: &MockServer) -> SaltoConfig {
    let mut config = SaltoConfig::new(INSTALLATION, CLIENT_ID, SecretString::from(CANARY));
    config.base_url = format!("{}/v1", server.uri());
    config.token_url = format!("{}{TOKEN_PATH}", server.uri());
    config.retry = fast_retry(3);
    config.poll_initial = Duration::from_millis(5);
    config.poll_max = Duration::from_millis(20);
    config.timeout = Duration::from_secs(5);
    config
}

/// A configuration for the Nebula simulator `sim`: its credentials, fast retries, polls every
/// few milliseconds.
pub fn sim_config(sim: &concierge_nebula_sim::SimHandle) -> SaltoConfig {
    let mut config = SaltoConfig::new(
        INSTALLATION,
        sim.client_id(),
        SecretString::from(sim.client_secret().to_string()),
    );
    config.base_url = sim.base_url();
    config.token_url = sim.token_url();
    config.retry = fast_retry(3);
    config.poll_initial = Duration::from_millis(5);
    config.poll_max = Duration::from_millis(20);
    config.timeout = Duration::from_secs(5);
    config
}

/// The adapter for `server`.
pub fn salto(server: &MockServer) -> SaltoEncoder {
    SaltoEncoder::new(config(server)).expect("a valid configuration")
}

/// Mounts the token endpoint, expected to be asked once (the token is cached).
pub async fn mount_token(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": TOKEN,
            "token_type": "bearer",
            "expires_in": 3599,
        })))
        .named("token")
        .expect(1)
        .mount(server)
        .await;
}

/// Mounts, last, a mock answering any request nobody expected with 418, and expecting none.
pub async fn mount_catch_all(server: &MockServer) {
    Mock::given(any())
        .respond_with(ResponseTemplate::new(418).set_body_string("unexpected request"))
        .named("catch-all")
        .expect(0)
        .mount(server)
        .await;
}

/// The user name of `user_id`.
pub fn user_name(user_id: &str) -> String {
    format!("installations/{INSTALLATION}/users/{user_id}")
}

/// The URL path of the user `user_id`.
pub fn user_path(user_id: &str) -> String {
    format!("/v1/{}", user_name(user_id))
}

/// The card key name of the user `user_id`.
pub fn card_key(user_id: &str) -> String {
    format!("{}/card-key", user_name(user_id))
}

/// The key reference of the user `user_id`.
pub fn key_ref(user_id: &str) -> ExternalRef {
    ExternalRef::new("salto", card_key(user_id))
}

/// A user whose card key is in `state` (`None`: no card key at all).
pub fn user(user_id: &str, state: Option<&str>) -> Value {
    let mut user = json!({
        "name": user_name(user_id),
        "given_name": "res-1",
        "display_name": "res-1 unit-101",
    });
    if let Some(state) = state {
        user["card_key"] = json!({ "name": card_key(user_id), "state": state });
        if state == "ACTIVE" || state == "PENDING" {
            user["card_key"]["uid"] = json!("04A1B2C3D4E5F6");
        }
    }
    user
}

/// An encoder.
pub fn encoder(connected: bool, initialized: bool) -> Value {
    json!({
        "name": ENCODER,
        "display_name": "NCoder Lobby",
        "connected": connected,
        "initialized": initialized,
    })
}

/// An operation, unfinished.
pub fn pending_operation() -> Value {
    json!({
        "name": "operations/op-1",
        "metadata": { "@type": "type.googleapis.com/salto.nebula.user.v1.EncodeCardKeyMetadata" },
    })
}

/// An operation, finished with a response.
pub fn done_operation() -> Value {
    json!({
        "name": "operations/op-1",
        "done": true,
        "response": { "@type": "type.googleapis.com/salto.nebula.user.v1.EncodeCardKeyResponse" },
    })
}

/// An operation, finished with a `google.rpc.Status`.
pub fn failed_operation(code: i64, message: &str) -> Value {
    json!({
        "name": "operations/op-1",
        "done": true,
        "error": { "code": code, "message": message },
    })
}

/// A gRPC-JSON error body of HTTP status `http`, Google's shape.
pub fn grpc_error(http: u16, status: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(http).set_body_json(json!({
        "error": { "code": http, "message": message, "status": status },
    }))
}

/// An encoding request on the test encoder.
pub fn request(idempotency_key: &str) -> EncodeKeyRequest {
    EncodeKeyRequest {
        encoder: ExternalRef::new("salto", ENCODER),
        holder_ref: "res-1".into(),
        unit_ref: "unit-101".into(),
        idempotency_key: idempotency_key.into(),
        deadline: Duration::from_secs(5),
    }
}

/// Answers with each response in turn, then repeats the last.
pub struct Sequence {
    responses: Vec<ResponseTemplate>,
    next: AtomicUsize,
}

impl Sequence {
    pub fn new(responses: Vec<ResponseTemplate>) -> Self {
        assert!(!responses.is_empty());
        Self {
            responses,
            next: AtomicUsize::new(0),
        }
    }
}

impl Respond for Sequence {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        let i = self.next.fetch_add(1, Ordering::SeqCst);
        self.responses[i.min(self.responses.len() - 1)].clone()
    }
}

/// Matches a form-encoded body equal to `fields`.
pub struct FormIs(pub BTreeMap<String, String>);

impl Match for FormIs {
    fn matches(&self, request: &Request) -> bool {
        let body = String::from_utf8_lossy(&request.body);
        let form: BTreeMap<String, String> = body
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (decode(k), decode(v))
            })
            .collect();
        form == self.0
    }
}

/// Decodes one `application/x-www-form-urlencoded` component.
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
