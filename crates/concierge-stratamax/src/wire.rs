//! StrataMax's assumed JSON shapes: pages, buildings, contacts and the error body. Every field
//! is optional here, so a record missing one becomes a record error, not a failed page.

use chrono::NaiveDate;
use concierge_http::VendorError;
use serde::Deserialize;
use serde_json::Value;

/// `{ "data": [...], "page": 1, "pageSize": 100, "totalCount": 0 }`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PageReply {
    #[serde(default)]
    pub data: Vec<Value>,
    pub page_size: Option<u64>,
    pub total_count: Option<u64>,
}

/// A building's address.
#[derive(Default, Deserialize)]
pub(crate) struct Address {
    pub line1: Option<String>,
    pub suburb: Option<String>,
    pub state: Option<String>,
    pub postcode: Option<String>,
}

/// A building.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Building {
    pub building_id: Option<String>,
    pub plan_number: Option<String>,
    pub name: Option<String>,
    pub status: Option<String>,
    pub address: Option<Address>,
}

/// A lot a contact holds; numbers may come as strings or numbers.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Lot {
    pub lot_number: Option<Value>,
    pub unit_number: Option<Value>,
}

/// The committee membership.
#[derive(Default, Deserialize)]
pub(crate) struct Committee {
    pub member: Option<bool>,
}

/// A tenant's lease dates.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Tenancy {
    pub move_in_date: Option<NaiveDate>,
    pub move_out_date: Option<NaiveDate>,
}

/// A contact of a building. No `Debug`: it holds personal data.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Contact {
    pub lots: Option<Vec<Lot>>,
    #[serde(default)]
    pub roles: Vec<String>,
    pub owner_occupied: Option<bool>,
    pub committee: Option<Committee>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub phone: Option<String>,
    pub tenancy: Option<Tenancy>,
}

/// `{"error":{"code":"invalid_api_key","message":"..."}}`; `None` for another shape.
pub(crate) fn error_body(body: &[u8]) -> Option<VendorError> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let error = value.get("error")?.as_object()?;
    let text = |k: &str| {
        error
            .get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    Some(VendorError {
        code: text("code"),
        message: text("message"),
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
    fn the_error_body_gives_the_code_and_message() {
        let e = error_body(br#"{"error":{"code":"invalid_api_key","message":"Bad key"}}"#).unwrap();
        assert_eq!(e.code.as_deref(), Some("invalid_api_key"));
        assert_eq!(e.message.as_deref(), Some("Bad key"));
        assert!(error_body(br#"{"message":"x"}"#).is_none());
    }
}
