//! Nebula's JSON messages (proto field names; lowerCamelCase accepted too) and gRPC status
//! codes: how an operation's `error` and an HTTP error body become a [`ProviderError`].

use concierge_core::{ProviderError, ProviderErrorKind};
use concierge_http::VendorError;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// `salto.nebula.user.v1.User`, the fields the adapter reads. proto3 JSON leaves out fields at
/// their default, so every field has one.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct User {
    pub(crate) name: String,
    #[serde(alias = "cardKey")]
    pub(crate) card_key: Option<CardKey>,
    pub(crate) blocked: bool,
}

/// `CardKey`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CardKey {
    pub(crate) name: String,
    pub(crate) uid: String,
    pub(crate) state: CardKeyState,
    pub(crate) outdated: bool,
}

/// `CardKey.State`, from its name or its number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum CardKeyState {
    /// `STATE_UNSPECIFIED` (0), absent, or a value this adapter does not know.
    #[default]
    Unspecified,
    /// `NOT_ASSIGNED` (1): no card, or an assignment in progress.
    NotAssigned,
    /// `PENDING` (2): the UID is known; waiting for first use at an online lock.
    Pending,
    /// `ACTIVE` (3).
    Active,
}

impl<'de> Deserialize<'de> for CardKeyState {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) => match s.as_str() {
                "NOT_ASSIGNED" => CardKeyState::NotAssigned,
                "PENDING" => CardKeyState::Pending,
                "ACTIVE" => CardKeyState::Active,
                _ => CardKeyState::Unspecified,
            },
            Value::Number(n) => match n.as_i64() {
                Some(1) => CardKeyState::NotAssigned,
                Some(2) => CardKeyState::Pending,
                Some(3) => CardKeyState::Active,
                _ => CardKeyState::Unspecified,
            },
            _ => CardKeyState::Unspecified,
        })
    }
}

impl CardKeyState {
    /// Whether a key is on a card (or about to be): encoding again would replace it.
    pub(crate) fn holds_a_key(self) -> bool {
        matches!(self, CardKeyState::Pending | CardKeyState::Active)
    }
}

/// `salto.nebula.encoder.v1.Encoder`, the fields the adapter reads.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Encoder {
    pub(crate) name: String,
    #[serde(alias = "displayName")]
    pub(crate) display_name: String,
    pub(crate) connected: bool,
    pub(crate) initialized: bool,
}

/// `ListEncodersResponse`; encoders are read one by one, so one odd entry is skipped alone.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct EncoderList {
    pub(crate) encoders: Vec<Value>,
    #[serde(alias = "nextPageToken")]
    pub(crate) next_page_token: String,
}

/// `salto.longrunning.v1.Operation`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Operation {
    pub(crate) name: String,
    pub(crate) done: bool,
    pub(crate) error: Option<Status>,
    #[allow(dead_code)] // EncodeCardKeyResponse has no fields; kept for the record.
    pub(crate) response: Option<Value>,
}

impl Operation {
    /// Finished: `done`, or an `error` (which only a finished operation has).
    pub(crate) fn finished(&self) -> bool {
        self.done || self.error.is_some()
    }
}

/// `google.rpc.Status`: `code` as a number (proto3 JSON) or, leniently, a name or numeric string.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Status {
    pub(crate) code: Value,
    pub(crate) message: String,
    /// The HTTP/JSON error form's status name (`{"error": {"status": "NOT_FOUND"}}`).
    pub(crate) status: String,
}

impl Status {
    /// The gRPC code: from `status` when it names one, else from `code` when it is a gRPC code
    /// (0-16) or a code name. An HTTP status in `code` (Google's `{"error": {"code": 404}}`) is
    /// not a gRPC code.
    pub(crate) fn grpc_code(&self) -> Option<i64> {
        if let Some(code) = code_of_name(self.status.trim()) {
            return Some(code);
        }
        match &self.code {
            Value::Number(n) => n.as_i64().filter(|c| (0..=16).contains(c)),
            Value::String(s) => match s.trim().parse::<i64>() {
                Ok(c) => Some(c).filter(|c| (0..=16).contains(c)),
                Err(_) => code_of_name(s.trim()),
            },
            _ => None,
        }
    }
}

/// The gRPC status codes (google.rpc.Code).
const CODES: [&str; 17] = [
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
];

/// `NOT_FOUND` for 5.
pub(crate) fn code_name(code: i64) -> Option<&'static str> {
    usize::try_from(code)
        .ok()
        .and_then(|i| CODES.get(i).copied())
}

fn code_of_name(name: &str) -> Option<i64> {
    CODES.iter().position(|n| *n == name).map(|i| i as i64)
}

pub(crate) const NOT_FOUND: i64 = 5;
pub(crate) const DEADLINE_EXCEEDED: i64 = 4;
pub(crate) const ALREADY_EXISTS: i64 = 6;
pub(crate) const FAILED_PRECONDITION: i64 = 9;
pub(crate) const ABORTED: i64 = 10;

/// The kind, retryability and explanation of a gRPC code.
pub(crate) fn classify(code: i64) -> (ProviderErrorKind, bool, &'static str) {
    use ProviderErrorKind as K;
    let (kind, why) = match code {
        1 => (K::Timeout, "the encoding was cancelled"),
        3 => (
            K::Rejected,
            "the lock system refused the request as invalid",
        ),
        4 => (K::Timeout, "no card on the encoder in time"),
        5 => (
            K::NotFound,
            "the lock system has no such user, key or encoder",
        ),
        6 => (K::Rejected, "the card holds another key"),
        7 => (
            K::Forbidden,
            "the credentials lack a right on the installation",
        ),
        8 => (K::RateLimited, "the lock system throttled the request"),
        9 => (K::Rejected, "rejected by the lock system"),
        10 => (K::Other, "a concurrent change conflicted"),
        13 => (K::Unavailable, "the lock system failed"),
        14 => (
            K::DeviceBusy,
            "the encoder or the lock system is busy; try again",
        ),
        16 => (K::Unauthorized, "the credentials were refused"),
        _ => (K::Other, "the lock system failed the request"),
    };
    // ABORTED is a concurrency conflict: the change was not made, so trying again is safe.
    let retryable = kind.default_retryable() || code == ABORTED;
    (kind, retryable, why)
}

/// The error of a finished operation that carries `status`. An encoding that ran out of time
/// waiting for a card (`DEADLINE_EXCEEDED`) wrote nothing and needs a card placed: `NoCard`, not
/// retried by itself. (An HTTP 504 body naming the same code stays a retryable timeout.)
pub(crate) fn operation_error(
    operation: &str,
    status: &Status,
    secret: &concierge_http::SecretString,
) -> ProviderError {
    let code = status.grpc_code().unwrap_or(2);
    let (kind, retryable, why) = match classify(code) {
        (_, _, why) if code == DEADLINE_EXCEEDED => (ProviderErrorKind::NoCard, false, why),
        classified => classified,
    };
    let name = code_name(code).unwrap_or("UNKNOWN");
    let vendor = concierge_http::redact(status.message.trim(), [secret]);
    let message = if vendor.is_empty() {
        format!("{why} ({name}, code {code})")
    } else {
        format!("{why} ({name}, code {code}): {vendor}")
    };
    ProviderError::new(crate::PROVIDER, operation, kind, message).with_retryable(retryable)
}

/// The transport's error-body hook: a gRPC-JSON error (`{"error": {"code", "message",
/// "status"}}`, or a `google.rpc.Status` at the top level) gives its status name as the vendor's
/// code (`ALREADY_EXISTS`) and its message. Other bodies fall back to the transport's reading.
pub(crate) fn error_body(body: &[u8]) -> Option<VendorError> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let obj = value.as_object()?;
    let status_value = match obj.get("error") {
        Some(inner @ Value::Object(_)) => inner.clone(),
        _ => value.clone(),
    };
    let status: Status = serde_json::from_value(status_value).ok()?;
    let name = code_name(status.grpc_code()?)?;
    let message = status.message.trim();
    Some(VendorError {
        code: Some(name.to_string()),
        message: Some(if message.is_empty() {
            name.to_string()
        } else {
            format!("{name}: {message}")
        }),
    })
}

/// The gRPC code of a transport error, from the vendor's code [`error_body`] read.
pub(crate) fn code_of(e: &ProviderError) -> Option<i64> {
    e.vendor_code.as_deref().and_then(code_of_name)
}

/// A transport error with the kind and retryability of the gRPC code its body named, if any.
pub(crate) fn remap(mut e: ProviderError) -> ProviderError {
    if let Some(code) = code_of(&e) {
        let (kind, retryable, _) = classify(code);
        e.kind = kind;
        e = e.with_retryable(retryable);
    }
    e
}

/// Whether a transport error is a concurrency conflict the adapter retries: `ABORTED`, or an
/// HTTP 409 without a gRPC status (a third-party client retries 409 "ETag mismatch").
pub(crate) fn is_conflict(e: &ProviderError) -> bool {
    match code_of(e) {
        Some(code) => code == ABORTED,
        None => e.http_status == Some(409),
    }
}

/// Whether a transport error is `ALREADY_EXISTS` (or a 409 that named no status).
pub(crate) fn is_already_exists(e: &ProviderError) -> bool {
    match code_of(e) {
        Some(code) => code == ALREADY_EXISTS,
        None => e.http_status == Some(409),
    }
}

/// Whether a transport error named the gRPC `code`.
pub(crate) fn has_code(e: &ProviderError, code: i64) -> bool {
    code_of(e) == Some(code)
        || (code == NOT_FOUND && code_of(e).is_none() && e.kind == ProviderErrorKind::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_error_body_shapes_give_the_status_name_as_the_vendors_code() {
        let read = |body: &[u8]| error_body(body).map(|e| (e.code.unwrap(), e.message.unwrap()));
        let google = br#"{"error":{"code":409,"message":"user exists","status":"ALREADY_EXISTS"}}"#;
        assert_eq!(
            read(google),
            Some((
                "ALREADY_EXISTS".into(),
                "ALREADY_EXISTS: user exists".into()
            ))
        );
        let rpc = br#"{"code":14,"message":"locked by another process","details":[]}"#;
        assert_eq!(read(rpc).unwrap().0, "UNAVAILABLE");
        let nested_rpc = br#"{"error":{"code":5,"message":"no user"}}"#;
        assert_eq!(read(nested_rpc).unwrap().0, "NOT_FOUND");
        assert_eq!(
            read(br#"{"code":"FAILED_PRECONDITION"}"#).unwrap().1,
            "FAILED_PRECONDITION"
        );
        // Not gRPC: the transport's own reading applies.
        assert_eq!(error_body(br#"{"error":{"code":404,"message":"x"}}"#), None);
        assert_eq!(error_body(br#"{"error":"invalid_client"}"#), None);
        assert_eq!(error_body(b"<html>"), None);
    }

    #[test]
    fn the_code_is_read_from_the_vendor_code_never_from_the_message() {
        let e = |code: Option<&str>, status: u16, message: &str| {
            let mut e = ProviderError::new("salto", "op", ProviderErrorKind::Rejected, message)
                .from_response(status);
            e.vendor_code = code.map(str::to_owned);
            e
        };
        assert_eq!(
            code_of(&e(Some("ALREADY_EXISTS"), 409, "x")),
            Some(ALREADY_EXISTS)
        );
        // A vendor message naming a status does not count.
        assert_eq!(code_of(&e(None, 400, "HTTP 400: ALREADY_EXISTS: no")), None);
        assert!(is_already_exists(&e(None, 409, "etag mismatch")));
        assert!(is_conflict(&e(Some("ABORTED"), 409, "x")));
        assert!(!is_conflict(&e(Some("ALREADY_EXISTS"), 409, "x")));
        assert!(!remap(e(Some("INVALID_ARGUMENT"), 400, "x")).retryable());
    }

    #[test]
    fn card_key_states_are_read_from_names_or_numbers() {
        let k: CardKey = serde_json::from_str(r#"{"state":"ACTIVE"}"#).unwrap();
        assert_eq!(k.state, CardKeyState::Active);
        let k: CardKey = serde_json::from_str(r#"{"state":2,"outdated":true}"#).unwrap();
        assert_eq!(k.state, CardKeyState::Pending);
        assert!(k.outdated);
        let k: CardKey = serde_json::from_str(r#"{"state":"SOMETHING_NEW"}"#).unwrap();
        assert_eq!(k.state, CardKeyState::Unspecified);
        let u: User =
            serde_json::from_str(r#"{"name":"n","cardKey":{"state":"NOT_ASSIGNED"}}"#).unwrap();
        assert_eq!(u.card_key.unwrap().state, CardKeyState::NotAssigned);
    }
}
