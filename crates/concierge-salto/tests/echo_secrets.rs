//! Against a SALTO that echoes what it receives: a token endpoint answering 400, 401 or 500 with
//! the form it got (client secret form-encoded), and an API answering with the headers it got
//! (the bearer token), in the gRPC-JSON and a common JSON shape. No secret shows up in an
//! error's `Display`, `Debug` or full message, nor in the logs; nor does a URL's password.

use concierge_core::{KeyEncoder, ListEncodersRequest, ProviderError};
use concierge_http::{RetryPolicy, SecretString};
use concierge_salto::{SaltoConfig, SaltoEncoder};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// A client secret whose characters change under every encoding.
const CANARY: &str = "canary+/ Sécret=&%\"{}\\<x>";
/// The access token the token endpoint issues: header-safe, and containing the ASCII part of
/// the client secret.
const TOKEN: &str = "tok~canary+/ S3cret=&%\"{}\\<x>~9q";
const TOKEN_PATH: &str = "/oauth2/token";

/// Answers `status` with the request's body and headers, after `pad` characters.
struct Echo {
    status: u16,
    grpc: bool,
    pad: Arc<Mutex<usize>>,
}

impl Respond for Echo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut text = "x".repeat(*self.pad.lock().unwrap());
        text.push_str(&String::from_utf8_lossy(&request.body));
        for (name, value) in &request.headers {
            text.push_str(&format!(
                " {name}: {}",
                String::from_utf8_lossy(value.as_bytes())
            ));
        }
        let body = if self.grpc {
            serde_json::json!({
                "error": { "code": self.status, "message": text, "status": "INVALID_ARGUMENT" },
            })
        } else {
            serde_json::json!({ "error": "invalid_client", "error_description": text })
        };
        ResponseTemplate::new(self.status).set_body_json(body)
    }
}

fn forms(secret: &str) -> Vec<String> {
    let json = serde_json::to_string(secret).unwrap();
    vec![
        secret.to_string(),
        form_urlencoded(secret),
        utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string(),
        json[1..json.len() - 1].to_string(),
    ]
}

fn form_urlencoded(secret: &str) -> String {
    utf8_percent_encode(secret, NON_ALPHANUMERIC)
        .to_string()
        .replace("%20", "+")
}

/// Fails if any 8-character window of any form of a secret is in `text`.
fn assert_nothing_of(secrets: &[&str], text: &str, what: &str) {
    for secret in secrets {
        for form in forms(secret) {
            let chars: Vec<char> = form.chars().collect();
            for window in chars.windows(8) {
                let window: String = window.iter().collect();
                assert!(
                    !text.contains(&window),
                    "{what} holds {window:?} of a secret: {text}"
                );
            }
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
        assert_nothing_of(&[CANARY, TOKEN], &text, &format!("{what} {how}"));
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

fn config(server: &MockServer) -> SaltoConfig {
    let mut config = SaltoConfig::new("inst-1", "client 1", SecretString::from(CANARY));
    config.base_url = format!("{}/v1", server.uri());
    config.token_url = format!("{}{TOKEN_PATH}", server.uri());
    config.retry = RetryPolicy {
        max_attempts: 1,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(5),
    };
    config.timeout = Duration::from_secs(5);
    config
}

fn pads() -> impl Iterator<Item = usize> {
    (0..1).chain((300..520).step_by(4))
}

#[tokio::test]
async fn an_echoing_salto_never_gets_a_secret_into_an_error_or_the_logs() {
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
        for grpc in [true, false] {
            // The token endpoint echoes the form.
            let server = MockServer::start().await;
            let pad = Arc::new(Mutex::new(0));
            Mock::given(method("POST"))
                .and(path(TOKEN_PATH))
                .respond_with(Echo {
                    status,
                    grpc,
                    pad: pad.clone(),
                })
                .mount(&server)
                .await;
            let salto = SaltoEncoder::new(config(&server)).unwrap();
            for p in pads() {
                *pad.lock().unwrap() = p;

                // Act
                let e = salto
                    .list_encoders(ListEncodersRequest::default())
                    .await
                    .unwrap_err();

                // Assert
                assert!(e.message.contains("token request"), "{}", e.message);
                if p == 0 {
                    assert!(e.message.contains("<redacted>"), "{}", e.message);
                }
                assert_clean(e, &format!("token HTTP {status}"));
            }

            // The API echoes the headers (the bearer token).
            let server = MockServer::start().await;
            let pad = Arc::new(Mutex::new(0));
            Mock::given(method("POST"))
                .and(path(TOKEN_PATH))
                .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                    "access_token": TOKEN,
                    "token_type": "bearer",
                    "expires_in": 3599,
                })))
                .mount(&server)
                .await;
            Mock::given(wiremock::matchers::any())
                .respond_with(Echo {
                    status,
                    grpc,
                    pad: pad.clone(),
                })
                .mount(&server)
                .await;
            let salto = SaltoEncoder::new(config(&server)).unwrap();
            for p in pads() {
                *pad.lock().unwrap() = p;

                // Act
                let e = salto
                    .list_encoders(ListEncodersRequest::default())
                    .await
                    .unwrap_err();

                // Assert
                if p == 0 {
                    assert!(e.message.contains("<redacted>"), "{}", e.message);
                }
                assert_clean(e, &format!("API HTTP {status}"));
            }
            assert_nothing_of(&[CANARY, TOKEN], &format!("{salto:?}"), "adapter Debug");
        }
    }
    let logs = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert_nothing_of(&[CANARY, TOKEN], &logs, "logs");
}

#[test]
fn url_passwords_never_show_in_a_build_error_or_debug() {
    for (base, token) in [
        (
            "https://user:pa55word@nebula.example/v1",
            "https://user:pa55word@auth.example/token",
        ),
        ("https://user:pa55word@", "https://auth.example/token"),
        (
            "https://nebula.example/v1",
            "ftp://user:pa55word@auth.example/token",
        ),
    ] {
        let mut config = SaltoConfig::new("inst-1", "client 1", SecretString::from(CANARY));
        config.base_url = base.into();
        config.token_url = token.into();
        let mut shown = format!("{config:?}");
        match SaltoEncoder::new(config) {
            Ok(salto) => shown.push_str(&format!("{salto:?}")),
            Err(e) => shown.push_str(&format!("{e} {e:?}")),
        }
        assert!(!shown.contains("pa55word"), "{base} {token}: {shown}");
        assert_nothing_of(&[CANARY], &shown, base);
    }
}
