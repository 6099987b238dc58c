//! Turning HTTP replies and transport failures into [`ProviderError`]s without leaking secrets
//! or record data.

use concierge_core::ProviderErrorKind;
use percent_encoding::{AsciiSet, CONTROLS, NON_ALPHANUMERIC, utf8_percent_encode};
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

/// Cuts a message to a bounded length on a character boundary. Redact before cutting (see
/// [`vendor_message`]): a secret across the cut would survive in part.
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

/// What a secret is replaced with.
const REDACTED: &str = "<redacted>";

/// The longest text scrubbed: a vendor body is cut to this many bytes first (so scrubbing stays
/// cheap), far more than [`MAX_VENDOR_MESSAGE`], so any secret cut in part here is cut off again
/// by [`truncate`].
const MAX_SCRUBBED: usize = 16 * 1024;

/// Percent-encoding's "path-safe" set: what a URL path segment or userinfo encodes (RFC 3986
/// unreserved and sub-delims stay as they are).
const PATH_SAFE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// The forms `secret` may take when a vendor echoes it back: raw, form-urlencoded (`+` for a
/// space), percent-encoded (strict and path-safe sets, upper- and lower-case hex), and
/// JSON-escaped (with and without `\/` and `\uXXXX` escapes).
fn secret_forms(secret: &str) -> Vec<String> {
    let mut forms = vec![secret.to_string()];
    forms.push(form_urlencoded::byte_serialize(secret.as_bytes()).collect());
    for set in [NON_ALPHANUMERIC, PATH_SAFE] {
        let encoded = utf8_percent_encode(secret, set).to_string();
        forms.push(lower_hex(&encoded));
        forms.push(encoded);
    }
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json = json[1..json.len() - 1].to_string();
    forms.push(json.replace('/', "\\/"));
    let mut ascii = String::with_capacity(json.len());
    for c in json.chars() {
        if c.is_ascii() {
            ascii.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                ascii.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    forms.push(ascii.replace('/', "\\/"));
    forms.push(ascii);
    forms.push(json);
    forms
}

/// `%2F` as `%2f`.
fn lower_hex(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut rest = encoded;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let escape = rest.get(at..at + 3).unwrap_or(&rest[at..]);
        out.push_str(&escape.to_ascii_lowercase());
        rest = &rest[at + escape.len()..];
    }
    out.push_str(rest);
    out
}

/// Replaces every occurrence of a secret, in any of the forms a vendor may echo it in (raw,
/// form-urlencoded, percent-encoded, JSON-escaped), with `<redacted>`, longest first, so a
/// secret containing another is redacted whole. Secrets shorter than 4 characters are skipped
/// (they would mangle ordinary words and are no real secrets).
///
/// The one scrubber of every adapter: the transport applies it to every error it builds, and
/// adapters use it through [`redact`] for vendor text they turn into errors themselves.
pub(crate) fn scrub<'a>(
    message: String,
    secrets: impl IntoIterator<Item = &'a SecretString>,
) -> String {
    let mut forms: Vec<String> = secrets
        .into_iter()
        .map(|s| s.expose_secret())
        .filter(|s| s.chars().count() >= 4)
        .flat_map(secret_forms)
        .filter(|f| !f.is_empty())
        .collect();
    forms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    forms.dedup();
    let mut message = message;
    for form in &forms {
        if message.contains(form.as_str()) {
            message = message.replace(form.as_str(), REDACTED);
        }
    }
    message
}

/// A vendor's text (an error body's message, an operation's status message) made fit for an
/// error: `secrets` redacted in every form, URL user info stripped, then cut to 500 characters.
/// Redacting comes first, so a secret across the cut never survives in part.
pub fn redact<'a>(text: &str, secrets: impl IntoIterator<Item = &'a SecretString>) -> String {
    let mut end = text.len().min(MAX_SCRUBBED);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    truncate(strip_userinfo_in(scrub(text[..end].to_string(), secrets)))
}

/// `url` without its user info (`user:password@`), for errors and `Debug`: the password is
/// never shown, nor the user name. Works on unparsable text too (everything up to the last `@`
/// of the authority is dropped).
///
/// ```
/// use concierge_http::redact_url;
/// assert_eq!(redact_url("https://user:pa55word@host/v1"), "https://host/v1");
/// assert_eq!(redact_url("https://user:pa55word@"), "https://");
/// assert_eq!(redact_url("https://api.buildium.com"), "https://api.buildium.com");
/// ```
pub fn redact_url(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(at) => url.split_at(at + 3),
        None => ("", url),
    };
    // The authority ends at a `/`, `?` or `#`; a password may hold a `/` though, so look for
    // the user info's `@` up to the query or fragment.
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) if !scheme.is_empty() || rest[..at].contains(':') => {
            format!("{scheme}{}", &rest[at + 1..])
        }
        _ => url.to_string(),
    }
}

/// Strips the user info of every `scheme://user:pass@` URL in a message.
fn strip_userinfo_in(message: String) -> String {
    if !message.contains("://") || !message.contains('@') {
        return message;
    }
    let mut out = String::with_capacity(message.len());
    let mut rest = message.as_str();
    while let Some(at) = rest.find("://") {
        out.push_str(&rest[..at + 3]);
        rest = &rest[at + 3..];
        let end = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '/' | '?' | '#' | '"' | '\'' | '>'))
            .unwrap_or(rest.len());
        if let Some(user) = rest[..end].rfind('@') {
            rest = &rest[user + 1..];
        }
    }
    out.push_str(rest);
    out
}

/// The password of a URL's user info, decoded, to be scrubbed from errors.
pub(crate) fn url_password(url: &reqwest::Url) -> Option<SecretString> {
    let password = url.password()?;
    let decoded = percent_encoding::percent_decode_str(password).decode_utf8_lossy();
    Some(SecretString::from(decoded.into_owned()))
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
