//! Against a vendor that echoes what it receives: the secrets it sends back (raw, form-encoded,
//! percent-encoded, JSON-escaped, cut at the message limit, one inside another) never show up in
//! an error's `Display`, `Debug` or full message, nor in the logs; nor does a URL's password.

use crate::support::{fast_retry, mount_catch_all};
use concierge_http::{
    Auth, ClientCredentials, HttpClient, ProviderError, RefreshToken, SecretString,
};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use std::io::Write;
use std::sync::{Arc, Mutex};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// A secret whose characters change under every encoding.
const CANARY: &str = "canary+/ Sécret=&%\"{}\\<x>";
/// A second secret containing the first.
fn canary2() -> String {
    format!("outer~{CANARY}~tail-9q")
}

/// How the echo is wrapped.
#[derive(Clone, Copy)]
enum Shape {
    /// `{"error": "invalid_client", "error_description": <echo>}` (OAuth2).
    OAuth,
    /// `{"message": <echo>}`.
    Message,
}

/// Answers `status` with everything the request carried (headers, then body), after `pad`
/// characters, so that the secrets land anywhere, across the 500-character cut too.
struct Echo {
    status: u16,
    shape: Shape,
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
        let body = match self.shape {
            Shape::OAuth => serde_json::json!({
                "error": "invalid_client",
                "error_description": text,
            }),
            Shape::Message => serde_json::json!({ "message": text }),
        };
        ResponseTemplate::new(self.status).set_body_json(body)
    }
}

/// The forms a secret may be echoed in.
fn forms(secret: &str) -> Vec<String> {
    let json = serde_json::to_string(secret).unwrap();
    vec![
        secret.to_string(),
        form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
        utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string(),
        json[1..json.len() - 1].to_string(),
    ]
}

/// Fails if any 8-character window of any form of a secret is in `text`.
pub fn assert_nothing_of(secrets: &[&str], text: &str, what: &str) {
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

/// Every rendering of an error.
fn renderings(e: &ProviderError) -> Vec<(&'static str, String)> {
    let full = concierge_core::Error::from(e.clone()).full_message();
    let mut chain = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        chain.push_str(&format!(": {s} / {s:?}"));
        source = s.source();
    }
    vec![
        ("Display", e.to_string()),
        ("Debug", format!("{e:?}")),
        ("full_message", full),
        ("source chain", chain),
        ("request_id", format!("{:?}", e.request_id)),
    ]
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

fn capture() -> (Logs, tracing::subscriber::DefaultGuard) {
    let logs = Logs::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .finish();
    (logs, tracing::subscriber::set_default(subscriber))
}

/// Pads from no padding to well past the 500-character cut, so each secret is cut somewhere.
fn pads() -> impl Iterator<Item = usize> {
    (0..1).chain((300..520).step_by(3))
}

#[tokio::test]
async fn a_token_endpoint_echoing_the_form_leaks_no_client_secret() {
    // Arrange: a token endpoint answering 400, 401 and 500 with the form it received.
    let (logs, _guard) = capture();
    for (status, shape) in [
        (400, Shape::OAuth),
        (401, Shape::Message),
        (500, Shape::OAuth),
    ] {
        let server = MockServer::start().await;
        let pad = Arc::new(Mutex::new(0));
        Mock::given(method("POST"))
            .and(path("/oauth2/token"))
            .respond_with(Echo {
                status,
                shape,
                pad: pad.clone(),
            })
            .mount(&server)
            .await;
        mount_catch_all(&server).await;
        let client = HttpClient::builder("acme", &server.uri())
            .retry(fast_retry(1))
            .auth(Auth::client_credentials(ClientCredentials {
                token_url: format!("{}/oauth2/token", server.uri()),
                client_id: "client 1".into(),
                client_secret: SecretString::from(CANARY),
                scope: Some("read write".into()),
            }))
            .build()
            .unwrap();

        for p in pads() {
            *pad.lock().unwrap() = p;

            // Act
            let err = client
                .get("list_units", "/v1/units")
                .send()
                .await
                .unwrap_err();

            // Assert
            assert!(err.message.contains("token request"), "{}", err.message);
            if p == 0 {
                assert!(err.message.contains("<redacted>"), "{}", err.message);
            }
            for (what, text) in renderings(&err) {
                assert_nothing_of(&[CANARY], &text, what);
            }
        }
        assert_nothing_of(&[CANARY], &format!("{client:?}"), "client Debug");
    }
    assert_nothing_of(&[CANARY], &logs_text(&logs), "logs");
}

#[tokio::test]
async fn a_refresh_token_containing_the_client_secret_is_redacted_whole() {
    // Arrange: the refresh token contains the client secret.
    let (logs, _guard) = capture();
    let server = MockServer::start().await;
    let pad = Arc::new(Mutex::new(0));
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(Echo {
            status: 400,
            shape: Shape::OAuth,
            pad: pad.clone(),
        })
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let outer = canary2();
    let client = HttpClient::builder("acme", &server.uri())
        .retry(fast_retry(1))
        .auth(Auth::refresh_token(RefreshToken {
            token_url: format!("{}/oauth2/token", server.uri()),
            client_id: "client 1".into(),
            client_secret: SecretString::from(CANARY),
            refresh_token: SecretString::from(outer.clone()),
            on_rotate: Arc::new(|_| {}),
        }))
        .build()
        .unwrap();

    for p in pads() {
        *pad.lock().unwrap() = p;

        // Act
        let err = client
            .get("list_units", "/v1/units")
            .send()
            .await
            .unwrap_err();

        // Assert
        for (what, text) in renderings(&err) {
            assert_nothing_of(&[CANARY, &outer], &text, what);
        }
    }
    assert_nothing_of(&[CANARY, &outer], &logs_text(&logs), "logs");
}

#[tokio::test]
async fn an_api_echoing_secret_headers_and_a_json_body_leaks_neither() {
    // Arrange: an API answering 400, 401 and 500 with the headers and JSON body it received.
    let (logs, _guard) = capture();
    let header_safe = "canary+/ S3cret=&%\"{}\\<x>";
    let outer = format!("outer~{header_safe}~tail-9q");
    for status in [400, 401, 500] {
        let server = MockServer::start().await;
        let pad = Arc::new(Mutex::new(0));
        Mock::given(method("POST"))
            .and(path("/v1/keys"))
            .respond_with(Echo {
                status,
                shape: Shape::Message,
                pad: pad.clone(),
            })
            .mount(&server)
            .await;
        mount_catch_all(&server).await;
        let client = HttpClient::builder("acme", &server.uri())
            .retry(fast_retry(1))
            .auth(Auth::headers([
                ("x-client-secret", SecretString::from(header_safe)),
                ("x-other-secret", SecretString::from(outer.clone())),
            ]))
            .build()
            .unwrap();

        for p in pads() {
            *pad.lock().unwrap() = p;

            // Act
            let err = client
                .post("create_key", "/v1/keys")
                .json(&serde_json::json!({ "secret": header_safe, "other": outer }))
                .send()
                .await
                .unwrap_err();

            // Assert
            for (what, text) in renderings(&err) {
                assert_nothing_of(&[header_safe, &outer], &text, what);
            }
        }
    }
    assert_nothing_of(&[header_safe, &outer], &logs_text(&logs), "logs");
}

#[tokio::test]
async fn a_request_s_own_bearer_token_and_form_secrets_are_scrubbed_when_echoed() {
    // Arrange: an endpoint answering 400, 401 and 500 with the headers and form it received,
    // and a client without credentials: the request carries its own.
    let (logs, _guard) = capture();
    let token = "canary-bearer+/ S3cret=&%{}<x>";
    let outer = canary2();
    for status in [400, 401, 500] {
        let server = MockServer::start().await;
        let pad = Arc::new(Mutex::new(0));
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            .respond_with(Echo {
                status,
                shape: Shape::OAuth,
                pad: pad.clone(),
            })
            .mount(&server)
            .await;
        mount_catch_all(&server).await;
        let client = HttpClient::builder("acme", &server.uri())
            .retry(fast_retry(1))
            .build()
            .unwrap();

        for p in pads() {
            *pad.lock().unwrap() = p;

            // Act
            let err = client
                .post("refresh", "/oauth/token")
                .bearer_auth(&SecretString::from(token))
                .form(&[("client_secret", CANARY), ("refresh_token", outer.as_str())])
                .secret(SecretString::from(CANARY))
                .secret(SecretString::from(outer.clone()))
                .send()
                .await
                .unwrap_err();

            // Assert
            if p == 0 {
                assert!(err.message.contains("<redacted>"), "{}", err.message);
            }
            for (what, text) in renderings(&err) {
                assert_nothing_of(&[token, CANARY, &outer], &text, what);
            }
        }
    }
    assert_nothing_of(&[token, CANARY, &outer], &logs_text(&logs), "logs");
}

#[test]
fn a_base_url_password_never_shows_in_a_build_error_or_debug() {
    for url in [
        "https://user:pa55word@host",
        "https://user:pa55word@host/v1/",
        "https://user:pa55word@host/v1?x=1",
        "https://user:pa55word@host#frag",
        "ftp://user:pa55word@host",
        "https://user:pa55word@",
        "https://user:pa55word@ho st",
    ] {
        let shown = match HttpClient::builder("acme", url).build() {
            Ok(client) => format!("{client:?} {:?}", client.provider()),
            Err(e) => {
                assert!(e.message.contains("base URL"), "{}", e.message);
                format!("{e} {e:?}")
            }
        };
        assert!(!shown.contains("pa55word"), "{url}: {shown}");
        assert!(!shown.contains("user:"), "{url}: {shown}");
    }

    // Token URLs too, in Debug and in a build error.
    let credentials = ClientCredentials {
        token_url: "https://user:pa55word@auth.example/token".into(),
        client_id: "id".into(),
        client_secret: SecretString::from("s3cret-value"),
        scope: None,
    };
    assert!(!format!("{credentials:?}").contains("pa55word"));
    let client = HttpClient::builder("acme", "https://api.example")
        .auth(Auth::client_credentials(credentials))
        .build()
        .unwrap();
    assert!(!format!("{client:?}").contains("pa55word"));
    let e = HttpClient::builder("acme", "https://api.example")
        .auth(Auth::client_credentials(ClientCredentials {
            token_url: "ftp://user:pa55word@auth.example/token".into(),
            client_id: "id".into(),
            client_secret: SecretString::from("s3cret-value"),
            scope: None,
        }))
        .build()
        .unwrap_err();
    assert!(e.message.contains("token URL"), "{}", e.message);
    assert!(!format!("{e} {e:?}").contains("pa55word"));
}

#[test]
fn redact_url_drops_the_user_info_only() {
    use concierge_http::redact_url;
    assert_eq!(
        redact_url("https://u:p@host:8443/v1?q=1"),
        "https://host:8443/v1?q=1"
    );
    assert_eq!(redact_url("https://u:p/w@host/v1"), "https://host/v1");
    assert_eq!(redact_url("https://host/users/a"), "https://host/users/a");
    assert_eq!(redact_url("u:p@host"), "host");
    assert_eq!(redact_url("not a url"), "not a url");
}

#[test]
fn redact_removes_a_secret_in_every_form_before_cutting() {
    use concierge_http::redact;
    let inner = SecretString::from(CANARY);
    let outer = SecretString::from(canary2());
    let json = serde_json::to_string(CANARY).unwrap();
    let forms = [
        CANARY.to_string(),
        form_urlencoded::byte_serialize(CANARY.as_bytes()).collect(),
        utf8_percent_encode(CANARY, NON_ALPHANUMERIC).to_string(),
        lower_hex(&utf8_percent_encode(CANARY, NON_ALPHANUMERIC).to_string()),
        json[1..json.len() - 1].to_string(),
        canary2(),
    ];
    for form in &forms {
        for pad in [0, 480, 490, 495, 499] {
            let text = format!("{}{form} and https://u:pa55word@h/x", "x".repeat(pad));
            let out = redact(&text, [&inner, &outer]);
            assert_nothing_of(&[CANARY, &canary2()], &out, "redact");
            assert!(out.chars().count() <= 501, "{}", out.len());
            if pad == 0 {
                assert!(out.starts_with("<redacted> and https://h/x"), "{out}");
            }
        }
    }
}

fn logs_text(logs: &Logs) -> String {
    String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned()
}

/// Every `%XX` escape in lower-case hex.
fn lower_hex(encoded: &str) -> String {
    encoded
        .split('%')
        .enumerate()
        .map(|(i, part)| match (i, part.get(..2)) {
            (0, _) | (_, None) => part.to_string(),
            (_, Some(hex)) => format!("%{}{}", hex.to_ascii_lowercase(), &part[2..]),
        })
        .collect()
}
