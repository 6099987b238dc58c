//! The SALTO Nebula adapter's parsers, fuzzed (`concierge_contract::fuzz`): encoder listings,
//! an encoder, users with their card key, long-running operations (running, done and failed)
//! and both gRPC-JSON error bodies as Nebula sends them, mutated, through what the adapter does
//! with each (encoder infos, key states, an operation's error, the gRPC code of an error body);
//! no input makes a parser panic. Nebula's replies have no per-record errors: an encoder entry
//! that cannot be read is skipped alone. The quick mode runs in the test suite; the long mode is
//! `CONCIERGE_FUZZ_ITERATIONS=10000000 cargo test --release -p concierge-salto fuzz`.

use crate::wire::{self, Encoder, EncoderList, Operation, User};
use crate::{PROVIDER, SaltoConfig, SaltoEncoder, encoder_info};
use concierge_contract::fuzz;
use concierge_core::{ProviderError, ProviderErrorKind};
use concierge_http::SecretString;
use serde::de::DeserializeOwned;

const ENCODERS: &str = r#"{"encoders":[{"name":"installations/inst-1/encoders/enc-1","display_name":"Front desk","connected":true,"initialized":true},{"name":"installations/inst-1/encoders/enc-2","displayName":"Back office","connected":false,"initialized":true},{"name":"installations/inst-1/encoders/enc-3","display_name":"","connected":true}],"next_page_token":"p2"}"#;
const ENCODER: &str = r#"{"name":"installations/inst-1/encoders/enc-1","display_name":"Front desk","connected":true,"initialized":true}"#;
const USER: &str = r#"{"name":"installations/inst-1/users/k-7f3a","card_key":{"name":"installations/inst-1/users/k-7f3a/card-key","state":"ACTIVE","uid":"04A1B2C3D4E5F6"},"given_name":"holder-42","family_name":"1204"}"#;
const USER_PENDING: &str = r#"{"name":"installations/inst-1/users/k-7f3a","cardKey":{"name":"installations/inst-1/users/k-7f3a/card-key","state":2,"uid":"04A1B2C3D4E5F6","outdated":true},"blocked":true}"#;
const USER_NEW: &str = r#"{"name":"installations/inst-1/users/k-7f3a","card_key":{"name":"installations/inst-1/users/k-7f3a/card-key","state":"NOT_ASSIGNED"},"given_name":"holder-42"}"#;
const RUNNING: &str = r#"{"name":"operations/op-1","metadata":{"@type":"type.googleapis.com/salto.nebula.user.v1.EncodeCardKeyMetadata"}}"#;
const DONE: &str = r#"{"name":"operations/op-1","done":true,"response":{"@type":"type.googleapis.com/salto.nebula.user.v1.EncodeCardKeyResponse"}}"#;
const FAILED: &str = r#"{"name":"operations/op-1","done":true,"error":{"code":4,"message":"no card was presented to the encoder"}}"#;
const ERROR: &str =
    r#"{"error":{"code":409,"message":"the user already exists","status":"ALREADY_EXISTS"}}"#;
const STATUS: &str =
    r#"{"code":14,"message":"the encoder is locked by another process","details":[]}"#;

/// A reply decoded as the transport decodes it (`send_json`): a blank body is `null`.
fn decode<T: DeserializeOwned>(input: &[u8]) -> Option<T> {
    let body: &[u8] = if input.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        input
    };
    serde_json::from_slice(body).ok()
}

fn encoder(outdated_flag_is_superseded: bool) -> SaltoEncoder {
    let mut config = SaltoConfig::new("inst-1", "id", SecretString::from("hunter2-secret"));
    config.base_url = "http://127.0.0.1:9/v1".into();
    config.token_url = "http://127.0.0.1:9/oauth2/token".into();
    config.outdated_flag_is_superseded = outdated_flag_is_superseded;
    SaltoEncoder::new(config).unwrap()
}

#[test]
fn no_reply_of_any_call_makes_the_adapter_panic() {
    let adapters = [encoder(true), encoder(false)];
    let secret = SecretString::from("hunter2-secret");
    let read_reply = |input: &[u8]| {
        // A page of `list_encoders`: each entry read alone, a nameless one skipped.
        if let Some(page) = decode::<EncoderList>(input) {
            for value in page.encoders {
                if let Ok(e) = serde_json::from_value::<Encoder>(value)
                    && !e.name.is_empty()
                {
                    let info = encoder_info(e);
                    assert_eq!(info.external.provider, PROVIDER);
                }
            }
            let _ = page.next_page_token.is_empty();
        }
        // The encoder `encode_key` checks.
        if let Some(device) = decode::<Encoder>(input) {
            let _ = (device.connected, device.initialized);
            let _ = encoder_info(device);
        }
        // A user: its key's state, by key and by intent.
        if let Some(user) = decode::<User>(input) {
            for adapter in &adapters {
                let _ = adapter.state_of(&user, true);
                let _ = adapter.state_of(&user, false);
            }
            let _ = user.card_key.as_ref().map(|c| c.state.holds_a_key());
        }
        // An operation, polled until finished; a failed one's error.
        if let Some(operation) = decode::<Operation>(input) {
            let _ = operation.finished();
            if let Some(status) = &operation.error {
                let e = wire::operation_error("encode_key", status, &secret);
                assert!(!e.message.is_empty(), "an error says why");
            }
        }
        // An error body, as the transport reads it and the adapter then classifies it.
        if let Some(vendor) = wire::error_body(input) {
            let mut e = ProviderError::new(PROVIDER, "op", ProviderErrorKind::Other, "HTTP 409")
                .from_response(409);
            e.vendor_code = vendor.code;
            let _ = (wire::is_conflict(&e), wire::is_already_exists(&e));
            let _ = wire::has_code(&e, wire::NOT_FOUND);
            let _ = wire::remap(e);
        }
    };
    let n = fuzz::iterations(20_000);
    let tried = fuzz::run(
        &[
            ENCODERS,
            ENCODER,
            USER,
            USER_PENDING,
            USER_NEW,
            RUNNING,
            DONE,
            FAILED,
            ERROR,
            STATUS,
        ],
        n,
        0x5A17,
        read_reply,
    );
    eprintln!("salto replies: {tried} inputs, no panic");
}
