//! PropertyIQ's assumed JSON shapes: pages, schemes, lots with their owner and tenants, and the
//! RFC 7807 error body. Every field is optional here, so a record missing one becomes a record
//! error, not a failed page.

use chrono::NaiveDate;
use concierge_http::VendorError;
use serde::Deserialize;
use serde_json::Value;

/// `{ "items": [...], "offset": 0, "limit": 100, "total": 0 }`.
#[derive(Deserialize)]
pub(crate) struct PageReply {
    #[serde(default)]
    pub items: Vec<Value>,
    pub total: Option<u64>,
}

/// A scheme.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Scheme {
    pub scheme_id: Option<String>,
    pub scheme_number: Option<String>,
    pub name: Option<String>,
    pub short_address: Option<String>,
    pub long_address: Option<String>,
    pub active: Option<bool>,
}

/// A lot's owner. No `Debug`: it holds personal data.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Owner {
    pub owner_id: Option<String>,
    pub name: Option<String>,
    pub phone1: Option<String>,
    pub phone2: Option<String>,
    pub mobile: Option<String>,
    pub email: Option<String>,
    pub owner_occupier: Option<bool>,
    pub committee_member: Option<bool>,
}

/// A lot's tenant. No `Debug`: it holds personal data.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Tenant {
    pub tenant_id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub lease_start: Option<NaiveDate>,
    pub lease_end: Option<NaiveDate>,
}

/// A lot: the unit of PropertyIQ's data.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Lot {
    pub lot_number: Option<Value>,
    pub unit_number: Option<Value>,
    pub owner: Option<Owner>,
    #[serde(default)]
    pub tenants: Vec<Tenant>,
}

/// An RFC 7807 problem: the code is `type` unless it is `about:blank`, else `title`; the
/// message `detail`, else `title`. `None` for another shape (the token endpoint's OAuth2 error
/// is read by the transport's default).
pub(crate) fn error_body(body: &[u8]) -> Option<VendorError> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let text = |k: &str| {
        value
            .get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let (kind, title, detail) = (text("type"), text("title"), text("detail"));
    if kind.is_none() && title.is_none() && detail.is_none() {
        return None;
    }
    Some(VendorError {
        code: kind
            .filter(|t| t != "about:blank")
            .or_else(|| title.clone()),
        message: detail.or(title),
    })
}

/// A string or number as text, trimmed; `None` when absent or empty.
pub(crate) fn text_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_gives_its_title_as_code_and_its_detail_as_message() {
        let e = error_body(
            br#"{"type":"about:blank","title":"Forbidden","status":403,"detail":"Not shared"}"#,
        )
        .unwrap();
        assert_eq!(e.code.as_deref(), Some("Forbidden"));
        assert_eq!(e.message.as_deref(), Some("Not shared"));
        assert!(error_body(br#"{"error":"invalid_client"}"#).is_none());
    }
}
