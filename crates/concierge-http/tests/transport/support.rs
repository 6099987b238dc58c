//! Shared test helpers.

use concierge_http::{HttpClient, HttpClientBuilder, RetryPolicy};
use std::time::Duration;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A secret that must never show up in output.
pub const CANARY: &str = "canary-7f3a9c1e-secret";

/// A retry policy with tiny backoffs, so tests stay fast.
pub fn fast_retry(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_secs(2),
    }
}

/// A builder for `server` with fast retries.
pub fn builder(server: &MockServer) -> HttpClientBuilder {
    HttpClient::builder("acme", &server.uri()).retry(fast_retry(3))
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

/// A token endpoint reply.
pub fn token_reply(access: &str, expires_in: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(serde_json::json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": expires_in,
    }))
}
