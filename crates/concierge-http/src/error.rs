//! Turning HTTP replies and transport failures into [`ProviderError`]s without leaking secrets
//! or record data.

use concierge_core::ProviderErrorKind;
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use std::error::Error as _;
use std::sync::Arc;

/// What a vendor's error reply says: its own error code and its message, each when it has one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VendorError {
    /// The vendor's error code, e.g. `ALREADY_EXISTS`, Buildium's `ErrorCode`.
    pub code: Option<String>,
    /// The vendor's message, for people.
    pub message: Option<String>,
}

/// A vendor hook reading an error reply's body, e.g. Buildium's `ApiErrorResponse`
/// `{UserMessage, ErrorCode, Errors: [{Key, Value}]}`. Return `None` to fall back to the
/// built-in reading of common JSON error fields.
pub type ErrorBodyFn = Arc<dyn Fn(&[u8]) -> Option<VendorError> + Send + Sync>;

/// The longest vendor message kept in an error.
const MAX_VENDOR_MESSAGE: usize = 500;

/// The kind of an unsuccessful HTTP status.
pub(crate) fn status_kind(status: StatusCode) -> ProviderErrorKind {
    match status.as_u16() {
        401 => ProviderErrorKind::Unauthorized,
        403 => ProviderErrorKind::Forbidden,
        404 | 410 => ProviderErrorKind::NotFound,
        408 => ProviderErrorKind::Timeout,
        429 => ProviderErrorKind::RateLimited,
        500..=599 => ProviderErrorKind::Unavailable,
        300..=399 => ProviderErrorKind::InvalidResponse,
        _ => ProviderErrorKind::Rejected,
    }
}

/// Whether a status is worth another attempt.
pub(crate) fn status_is_transient(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429 | 500..=599)
}

/// A common JSON error body read without a vendor hook: its code (`error` when it is a string, as
/// OAuth 2.0 sends it, else `code` or `ErrorCode` when a string) and its message.
pub(crate) fn default_vendor_error(body: &[u8]) -> VendorError {
    let code = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            ["error", "code", "ErrorCode"].iter().find_map(|k| {
                v.get(*k)
                    .and_then(|c| c.as_str())
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned)
            })
        });
    VendorError {
        code,
        message: default_vendor_message(body),
    }
}

/// The message of a common JSON error body: `message`, `error_description`, `error`, `detail`,
/// `title`, `UserMessage` (first found, nested `error` objects too).
pub(crate) fn default_vendor_message(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    fn pick(v: &serde_json::Value, depth: u8) -> Option<String> {
        let obj = v.as_object()?;
        let text = |k: &str| {
            obj.get(k)
                .and_then(|v| v.as_str())
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        if let (Some(code), Some(desc)) = (text("error"), text("error_description")) {
            return Some(format!("{code}: {desc}"));
        }
        for key in [
            "message",
            "Message",
            "UserMessage",
            "error_description",
            "detail",
            "title",
            "error",
        ] {
            if let Some(t) = text(key) {
                return Some(t);
            }
        }
        if depth < 2 {
            return obj.get("error").and_then(|e| pick(e, depth + 1));
        }
        None
    }
    pick(&value, 0)
}

/// Cuts a message to a bounded length on a character boundary.
pub(crate) fn truncate(mut message: String) -> String {
    if message.len() > MAX_VENDOR_MESSAGE {
        let mut end = MAX_VENDOR_MESSAGE;
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        message.truncate(end);
        message.push('…');
    }
    message
}

/// Replaces every occurrence of a secret with `<redacted>`. Secrets shorter than 4 characters
/// are skipped (they would mangle ordinary words and are no real secrets).
pub(crate) fn scrub<'a>(
    message: String,
    secrets: impl IntoIterator<Item = &'a SecretString>,
) -> String {
    let mut message = message;
    for secret in secrets {
        let s = secret.expose_secret();
        if s.len() >= 4 && message.contains(s) {
            message = message.replace(s, "<redacted>");
        }
    }
    message
}

/// Blanks the contents of double-quoted strings in a serde message, which may quote record data
/// (`invalid type: string "jane@example.com", expected u32`).
pub(crate) fn redact_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            out.push(c);
            continue;
        }
        out.push_str("<value>");
        while let Some(inner) = chars.next() {
            match inner {
                '\\' => {
                    chars.next();
                }
                '"' => break,
                _ => {}
            }
        }
    }
    out
}

/// A transport failure's kind and description, without the URL (its query may carry PII).
pub(crate) fn transport_kind(error: &reqwest::Error) -> ProviderErrorKind {
    if error.is_timeout() {
        ProviderErrorKind::Timeout
    } else if error.is_builder() {
        ProviderErrorKind::Other
    } else {
        ProviderErrorKind::Connection
    }
}

/// The error and its causes, joined by `: `.
pub(crate) fn chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_kinds_and_only_transient_ones_are_retried() {
        let kind = |s: u16| status_kind(StatusCode::from_u16(s).unwrap());
        assert_eq!(kind(400), ProviderErrorKind::Rejected);
        assert_eq!(kind(401), ProviderErrorKind::Unauthorized);
        assert_eq!(kind(403), ProviderErrorKind::Forbidden);
        assert_eq!(kind(404), ProviderErrorKind::NotFound);
        assert_eq!(kind(409), ProviderErrorKind::Rejected);
        assert_eq!(kind(422), ProviderErrorKind::Rejected);
        assert_eq!(kind(429), ProviderErrorKind::RateLimited);
        assert_eq!(kind(503), ProviderErrorKind::Unavailable);
        assert_eq!(kind(302), ProviderErrorKind::InvalidResponse);
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(status_is_transient(StatusCode::from_u16(s).unwrap()), "{s}");
        }
        for s in [400, 401, 403, 404, 409, 422] {
            assert!(
                !status_is_transient(StatusCode::from_u16(s).unwrap()),
                "{s}"
            );
        }
    }

    #[test]
    fn a_common_json_error_code_becomes_the_vendor_code() {
        let code = |b: &[u8]| default_vendor_error(b).code;
        assert_eq!(
            code(br#"{"error":"invalid_client","error_description":"no"}"#).as_deref(),
            Some("invalid_client")
        );
        assert_eq!(
            code(br#"{"ErrorCode":"NotFound"}"#).as_deref(),
            Some("NotFound")
        );
        assert_eq!(code(br#"{"error":{"code":5}}"#), None);
        assert_eq!(code(b"<html>"), None);
    }

    #[test]
    fn common_json_error_fields_become_the_vendor_message() {
        assert_eq!(
            default_vendor_message(br#"{"message":"Unit not found"}"#).as_deref(),
            Some("Unit not found")
        );
        assert_eq!(
            default_vendor_message(br#"{"error":"invalid_grant","error_description":"expired"}"#)
                .as_deref(),
            Some("invalid_grant: expired")
        );
        assert_eq!(
            default_vendor_message(br#"{"error":{"code":5,"message":"not found"}}"#).as_deref(),
            Some("not found")
        );
        assert_eq!(default_vendor_message(b"<html>oops</html>"), None);
        assert_eq!(default_vendor_message(br#"{"x":1}"#), None);
    }

    #[test]
    fn secrets_are_scrubbed_from_messages() {
        let secrets = [SecretString::from("hunter22"), SecretString::from("ab")];
        assert_eq!(
            scrub("bad key hunter22 (hunter22)".into(), &secrets),
            "bad key <redacted> (<redacted>)"
        );
        assert_eq!(scrub("about".into(), &secrets), "about");
    }

    #[test]
    fn quoted_values_are_blanked_in_decode_messages() {
        assert_eq!(
            redact_quoted(r#"invalid type: string "jane \"j\" doe", expected u32 at line 1"#),
            "invalid type: string <value>, expected u32 at line 1"
        );
        assert_eq!(
            redact_quoted("missing field `Id` at line 1 column 2"),
            "missing field `Id` at line 1 column 2"
        );
    }

    #[test]
    fn long_vendor_messages_are_cut() {
        let long = "é".repeat(400);
        let cut = truncate(long);
        assert!(cut.len() <= MAX_VENDOR_MESSAGE + '…'.len_utf8());
        assert!(cut.ends_with('…'));
    }
}
