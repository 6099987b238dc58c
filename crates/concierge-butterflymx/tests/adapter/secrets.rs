//! The client secret, the consent code and both tokens never show in `Debug`, in an error
//! (`Display`, `Debug`, message, request id) or in the logs, even when the vendor echoes every
//! request back, on the API and on the token endpoint.

use crate::support::*;
use concierge_butterflymx::{ButterflyMx, ButterflyMxConfig};
use concierge_butterflymx_sim::SimConfig;
use concierge_core::{AuthorizeIntercomRequest, IntercomProvider, MemoryVault, ProviderError};
use concierge_http::SecretString;
use std::io::Write;
use std::sync::{Arc, Mutex};

/// The client secret: characters that change under every encoding.
const CANARY: &str = "canary-S3cret+/=&%{x}";
/// What every issued code and token starts with.
const TOKEN_CANARY: &str = "canary-tok+/=";

fn assert_clean(e: &ProviderError, what: &str) {
    let full = concierge_core::Error::from(e.clone()).full_message();
    for text in [
        e.to_string(),
        format!("{e:?}"),
        e.message.clone(),
        format!("{:?}", e.request_id),
        full,
    ] {
        assert!(!text.contains("canary"), "{what}: {text}");
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
async fn no_secret_or_token_shows_in_debug_errors_or_logs_even_when_echoed() {
    let logs = Logs::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::TRACE)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sim = sim_with(SimConfig {
        client_secret: CANARY.to_owned(),
        token_prefix: TOKEN_CANARY.to_owned(),
        ..SimConfig::default()
    })
    .await;
    let c = config(&sim);
    assert!(!format!("{c:?}").contains("canary"));
    let bmx = adapter(&sim).await;
    assert!(!format!("{bmx:?}").contains("canary"));
    bmx.list_buildings(None).await.unwrap();

    // API errors echo the bearer token, in the body and in the request id.
    sim.set_echo_in_request_id(true);
    for status in [400, 404, 422, 500, 503] {
        sim.set_echo(Some(status));
        let e = bmx.list_buildings(None).await.unwrap_err();
        assert!(e.message.contains("you sent"), "the echo came back: {e}");
        assert!(
            e.request_id
                .as_deref()
                .unwrap_or_default()
                .contains("you sent")
        );
        assert_clean(&e, &format!("api echo {status}"));
    }
    // A 401 makes the adapter refresh: the token request's form (secret, refresh token) is
    // echoed too, and the refused refresh becomes the error.
    sim.set_echo(Some(401));
    let e = bmx.list_buildings(None).await.unwrap_err();
    assert_clean(&e, "api and token echo 401");
    // The consent code's exchange, echoed.
    for status in [400, 401, 500] {
        sim.set_echo(Some(status));
        let fresh = adapter_on(&sim, Arc::new(MemoryVault::default()));
        let code = SecretString::from(sim.issue_consent_code());
        let e = fresh
            .authorize(AuthorizeIntercomRequest { code })
            .await
            .unwrap_err();
        assert_clean(&e, &format!("authorize echo {status}"));
        assert!(!format!("{fresh:?}").contains("canary"));
    }
    sim.set_echo(None);

    let mut bad = ButterflyMxConfig::new("client", SecretString::from(CANARY));
    bad.page_size = 0;
    assert_clean(
        &ButterflyMx::new(bad, Arc::new(MemoryVault::default())).unwrap_err(),
        "config error",
    );

    let logged = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(logged.contains("butterflymx"), "the logs were captured");
    assert!(!logged.contains("canary"), "a secret in the logs: {logged}");
}
