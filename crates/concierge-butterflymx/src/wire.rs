//! ButterflyMX's JSON shapes as the adapter reads them (replies `{"data": …}` and
//! `{"data": […], "page_info": {…}}`, units, tenants, access points, keychains, virtual keys,
//! the token reply) and its error body `{"errors": [{"field", "code", "message"}]}` (`messages`
//! on a 401). Fields the adapter does not need are left out: a virtual key's `pin_code` is
//! never read.

use concierge_http::VendorError;
use serde::Deserialize;
use serde_json::Value;

/// `{"data": obj}`.
#[derive(Deserialize)]
pub(crate) struct One<T> {
    pub data: T,
}

/// `{"data": [...], "page_info": {...}}`. Items stay JSON so one unreadable record is an error
/// of its own.
#[derive(Deserialize)]
pub(crate) struct List {
    #[serde(default)]
    pub data: Vec<Value>,
    pub page_info: Option<PageInfo>,
}

/// The part of `page_info` the adapter follows.
#[derive(Deserialize)]
pub(crate) struct PageInfo {
    pub next_page: Option<u64>,
}

impl List {
    /// The next page, if any.
    pub fn next_page(&self) -> Option<u64> {
        self.page_info.as_ref().and_then(|p| p.next_page)
    }
}

/// A unit.
#[derive(Deserialize)]
pub(crate) struct Unit {
    pub id: i64,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub building_id: Option<i64>,
}

/// The unit a tenant embeds.
#[derive(Deserialize)]
pub(crate) struct TenantUnit {
    #[serde(default)]
    pub id: Option<i64>,
    #[serde(default)]
    pub label: Option<String>,
}

/// A tenant. No `Debug`: it holds personal data.
#[derive(Deserialize)]
pub(crate) struct Tenant {
    pub id: i64,
    #[serde(default)]
    pub building_id: Option<i64>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub full_name: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub contact_preference: Option<String>,
    #[serde(default)]
    pub unit: Option<TenantUnit>,
}

/// An access point.
#[derive(Deserialize)]
pub(crate) struct AccessPoint {
    pub id: i64,
}

/// A keychain.
#[derive(Deserialize)]
pub(crate) struct Keychain {
    pub id: i64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub starts_at: Option<String>,
    #[serde(default)]
    pub ends_at: Option<String>,
}

/// A virtual key, without its PIN.
#[derive(Deserialize)]
pub(crate) struct VirtualKey {
    pub id: i64,
    #[serde(default)]
    pub qr_code_url: Option<String>,
    #[serde(default)]
    pub instructions_url: Option<String>,
}

/// The token endpoint's reply. No `Debug`: it holds tokens.
#[derive(Deserialize)]
pub(crate) struct TokenReply {
    pub access_token: String,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub expires_in: Option<Value>,
}

impl TokenReply {
    /// `expires_in` in seconds, as a number or a numeric string.
    pub fn lifetime_seconds(&self) -> Option<i64> {
        match self.expires_in.as_ref()? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

/// The vendor's error body: the first error's `code`, and every error as `field: message`
/// (`messages` on a 401; the field left out when it is `base`). `None` for another shape (the
/// token endpoint's OAuth2 errors are read by the transport's default).
pub(crate) fn error_body(body: &[u8]) -> Option<VendorError> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let errors = value.get("errors")?.as_array()?;
    let text = |e: &Value, k: &str| {
        e.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let code = errors.first().and_then(|e| text(e, "code"));
    let parts: Vec<String> = errors
        .iter()
        .filter_map(|e| {
            let message = text(e, "message").or_else(|| text(e, "messages"))?;
            Some(match text(e, "field").filter(|f| f != "base") {
                Some(field) => format!("{field}: {message}"),
                None => message,
            })
        })
        .collect();
    if code.is_none() && parts.is_empty() {
        return None;
    }
    Some(VendorError {
        code,
        message: (!parts.is_empty()).then(|| parts.join("; ")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_code_and_every_field_message_are_read() {
        let e = error_body(
            br#"{"errors":[{"field":"starts_at","message":"Start time must be before the end time","code":"start_time_must_be_before_the_end_time"},{"field":"ends_at","message":"End time must be after the start time","code":"end_time_must_be_after_the_start_time"}]}"#,
        )
        .unwrap();
        assert_eq!(
            e.code.as_deref(),
            Some("start_time_must_be_before_the_end_time")
        );
        assert_eq!(
            e.message.as_deref(),
            Some(
                "starts_at: Start time must be before the end time; ends_at: End time must be after the start time"
            )
        );
    }

    #[test]
    fn a_401_s_plural_messages_is_read() {
        let e = error_body(
            br#"{"errors":[{"field":"base","code":"unauthorized","messages":"Unauthorized"}]}"#,
        )
        .unwrap();
        assert_eq!(e.code.as_deref(), Some("unauthorized"));
        assert_eq!(e.message.as_deref(), Some("Unauthorized"));
    }

    #[test]
    fn another_shape_falls_back_to_the_transport() {
        assert!(error_body(br#"{"error":"invalid_grant","error_description":"no"}"#).is_none());
        assert!(error_body(b"<html>Bad gateway</html>").is_none());
        assert!(error_body(br#"{"errors":[]}"#).is_none());
    }

    #[test]
    fn a_lifetime_is_read_as_a_number_or_a_string() {
        let reply: TokenReply =
            serde_json::from_str(r#"{"access_token":"a","expires_in":"7200"}"#).unwrap();
        assert_eq!(reply.lifetime_seconds(), Some(7200));
        let reply: TokenReply = serde_json::from_str(r#"{"access_token":"a"}"#).unwrap();
        assert_eq!(reply.lifetime_seconds(), None);
    }
}
