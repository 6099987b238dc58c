//! Against a Buildium that echoes what it receives (headers, in its `ApiErrorResponse` shape and
//! in a common JSON shape, at 400, 401 and 500): the client secret never shows up in an error's
//! `Display`, `Debug` or full message, nor in the logs; nor does a base URL's password.

mod common;

use common::assert_requests_follow_the_spec;
use concierge_buildium::{BuildiumConfig, BuildiumPms};
use concierge_core::{ListPmsPropertiesRequest, PmsProvider, ProviderError};
use concierge_http::{RetryPolicy, SecretString};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// A client secret whose characters change under encoding (header-safe: visible ASCII).
const CANARY: &str = "canary+/ S3cret=&%\"{}\\<x>";

/// Answers `status` with the request's headers, after `pad` characters.
struct Echo {
    status: u16,
    api_error: bool,
    pad: Arc<Mutex<usize>>,
}

impl Respond for Echo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut text = "x".repeat(*self.pad.lock().unwrap());
        for (name, value) in &request.headers {
            text.push_str(&format!(
                " {name}: {}",
                String::from_utf8_lossy(value.as_bytes())
            ));
        }
        let secret = request
            .headers
            .get("x-buildium-client-secret")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .unwrap_or_default();
        let body = if self.api_error {
            serde_json::json!({
                "UserMessage": text,
                "ErrorCode": "BadRequest",
                "Errors": [{ "Key": "x-buildium-client-secret", "Value": secret }],
            })
        } else {
            serde_json::json!({ "message": text })
        };
        ResponseTemplate::new(self.status)
            .insert_header("x-request-id", secret.as_str())
            .set_body_json(body)
    }
}

fn forms(secret: &str) -> Vec<String> {
    let json = serde_json::to_string(secret).unwrap();
    vec![
        secret.to_string(),
        utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string(),
        json[1..json.len() - 1].to_string(),
    ]
}

/// Fails if any 8-character window of any form of `secret` is in `text`.
fn assert_nothing_of(secret: &str, text: &str, what: &str) {
    for form in forms(secret) {
        let chars: Vec<char> = form.chars().collect();
        for window in chars.windows(8) {
            let window: String = window.iter().collect();
            assert!(
                !text.contains(&window),
                "{what} holds {window:?} of the secret: {text}"
            );
        }
    }
}

fn assert_clean(e: ProviderError, what: &str) {
    let display = e.to_string();
    let debug = format!("{e:?}");
    let full = concierge_core::Error::from(e).full_message();
    for (how, text) in [
        ("Display", display),
        ("Debug", debug),
        ("full_message", full),
    ] {
        assert_nothing_of(CANARY, &text, &format!("{what} {how}"));
    }
}

#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

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

#[tokio::test]
async fn an_echoing_buildium_never_gets_the_client_secret_into_an_error_or_the_logs() {
    // Arrange
    let logs = Logs::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    for status in [400, 401, 500] {
        for api_error in [true, false] {
            let server = MockServer::start().await;
            let pad = Arc::new(Mutex::new(0));
            Mock::given(wiremock::matchers::any())
                .respond_with(Echo {
                    status,
                    api_error,
                    pad: pad.clone(),
                })
                .mount(&server)
                .await;
            let mut config = BuildiumConfig::new("client-1", SecretString::from(CANARY));
            config.base_url = server.uri();
            config.rate_limit_per_sec = None;
            config.retry = RetryPolicy {
                max_attempts: 1,
                initial_backoff: Duration::from_millis(5),
                max_backoff: Duration::from_millis(5),
            };
            let pms = BuildiumPms::new(config).unwrap();

            for p in (0..1).chain((380..520).step_by(4)) {
                *pad.lock().unwrap() = p;

                // Act
                let e = pms
                    .list_properties(ListPmsPropertiesRequest::default())
                    .await
                    .unwrap_err();

                // Assert
                if p == 0 {
                    assert!(e.message.contains("<redacted>"), "{}", e.message);
                }
                assert_clean(e, &format!("HTTP {status}"));
            }
            assert_nothing_of(CANARY, &format!("{pms:?}"), "adapter Debug");
            assert_requests_follow_the_spec(&server).await;
        }
    }
    let logs = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert_nothing_of(CANARY, &logs, "logs");
}

#[test]
fn a_base_url_password_never_shows_in_a_build_error_or_debug() {
    for url in [
        "https://user:pa55word@api.buildium.com",
        "https://user:pa55word@api.buildium.com?x=1",
        "ftp://user:pa55word@api.buildium.com",
        "https://user:pa55word@",
    ] {
        let mut config = BuildiumConfig::new("client-1", SecretString::from(CANARY));
        config.base_url = url.into();
        let mut shown = format!("{config:?}");
        match BuildiumPms::new(config) {
            Ok(pms) => shown.push_str(&format!("{pms:?}")),
            Err(e) => shown.push_str(&format!("{e} {e:?}")),
        }
        assert!(!shown.contains("pa55word"), "{url}: {shown}");
        assert_nothing_of(CANARY, &shown, url);
    }
}
