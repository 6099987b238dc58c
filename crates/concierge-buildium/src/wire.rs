//! Buildium's wire messages, as far as the adapter reads them (field names as in the vendor's
//! OpenAPI file). Every field is optional here, as it is in the vendor file; what the mapping
//! needs is checked there, so that a record missing it becomes a per-record error.
//!
//! List items, and nested tenants and move-outs, are kept as [`Raw`] text (checked to be JSON,
//! not parsed into a tree) and each decoded straight into its message, so one unreadable record
//! never fails its page and a page is parsed about once. Unknown fields are ignored.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json::value::RawValue;

/// One record of a reply, as its JSON text.
pub(crate) type Raw = Box<RawValue>;

/// `RentalMessage`: a rental property.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RentalMessage {
    pub id: i64,
    pub name: Option<String>,
    pub address: Option<AddressMessage>,
}

/// `AddressMessage`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AddressMessage {
    pub address_line1: Option<String>,
}

/// `RentalUnitMessage`: a rental unit.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RentalUnitMessage {
    pub id: i64,
    pub property_id: Option<i64>,
    pub building_name: Option<String>,
    pub unit_number: Option<String>,
}

/// `LeaseMessage`. `CurrentTenants`, `Tenants` and `MoveOutData` items are decoded one by one.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct LeaseMessage {
    pub id: i64,
    pub property_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub lease_from_date: Option<String>,
    pub lease_to_date: Option<String>,
    pub lease_status: Option<String>,
    pub automatically_move_out_tenants: Option<bool>,
    pub last_updated_date_time: Option<String>,
    pub current_tenants: Option<Vec<Raw>>,
    pub tenants: Option<Vec<Raw>>,
    pub move_out_data: Option<Vec<Raw>>,
}

/// `LeaseTenantMessage`: `{Id, Status: MovedOut|Current|Future, MoveInDate}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct LeaseTenantMessage {
    pub id: i64,
    pub status: Option<String>,
    pub move_in_date: Option<String>,
}

/// `LeaseMoveOutDataMessage`: `{TenantId, MoveOutDate, NoticeGivenDate}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct LeaseMoveOutDataMessage {
    pub tenant_id: i64,
    pub move_out_date: Option<String>,
}

/// `TenantMessage`: a person. `Leases` (full `LeaseMessage`s) is read for `Id` and `PropertyId`
/// only.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct TenantMessage {
    pub id: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone_numbers: Option<Vec<Raw>>,
    pub leases: Option<Vec<Raw>>,
}

/// `PhoneNumberMessage`, for its `Number`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PhoneNumberMessage {
    pub number: Option<Value>,
}

/// An entry of `TenantMessage.Leases`, for its `Id` and `PropertyId`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct LeaseIdMessage {
    pub id: Option<Value>,
    pub property_id: Option<Value>,
}

/// `ApiErrorResponse`: Buildium's error body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ApiErrorResponse {
    pub user_message: Option<String>,
    pub error_code: Option<String>,
    pub errors: Option<Vec<ApiError>>,
}

/// `ApiError`: one `{Key, Value}` detail of an [`ApiErrorResponse`].
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ApiError {
    pub key: Option<String>,
    pub value: Option<String>,
}

/// The `Id` of a record, when it has a readable one (read apart, for the records that cannot be
/// decoded whole).
pub(crate) fn raw_id(raw: &RawValue) -> Option<i64> {
    #[derive(Deserialize)]
    struct Id {
        #[serde(rename = "Id")]
        id: Option<Value>,
    }
    serde_json::from_str::<Id>(raw.get())
        .ok()
        .and_then(|i| i.id)
        .and_then(|i| i.as_i64())
}

/// Decodes one record. The error says what is wrong without quoting the record's values.
pub(crate) fn decode<T: DeserializeOwned>(raw: &RawValue) -> Result<T, String> {
    serde_json::from_str(raw.get()).map_err(|e| redact_quoted(&e.to_string()))
}

/// Blanks double-quoted strings in a serde message, which may quote record data
/// (`invalid type: string "jane@example.com", expected i64`).
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

/// A `date` field: `YYYY-MM-DD` (a date-time's date part is accepted too).
pub(crate) fn parse_date(field: &str, text: &str) -> Result<NaiveDate, String> {
    let t = text.trim();
    let day = match t.as_bytes().get(10) {
        Some(b'T' | b' ') => &t[..10],
        _ => t,
    };
    NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| format!("`{field}` is not a date"))
}

/// An optional `date` field; an empty string counts as absent.
pub(crate) fn parse_opt_date(field: &str, text: Option<&str>) -> Result<Option<NaiveDate>, String> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => parse_date(field, t).map(Some),
    }
}

/// A `date-time` field: RFC 3339, or without an offset (read as UTC, as Buildium documents its
/// date-times to be).
pub(crate) fn parse_timestamp(field: &str, text: &str) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(t) {
        return Ok(at.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(at) = NaiveDateTime::parse_from_str(t, format) {
            return Ok(at.and_utc());
        }
    }
    Err(format!("`{field}` is not a date-time"))
}

/// Formats a UTC instant the way Buildium's `lastupdatedfrom` wants it: `YYYY-MM-DDTHH:MM:SSZ`
/// (whole seconds, truncated, so nothing at the boundary is missed).
pub(crate) fn format_timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// An `ApiErrorResponse` body: its `ErrorCode` as the vendor's code, and the message
/// `UserMessage (ErrorCode) [Key: Value; ...]`; `None` when the body is not one (the transport
/// then falls back to common fields).
pub(crate) fn api_error(body: &[u8]) -> Option<concierge_http::VendorError> {
    let e: ApiErrorResponse = serde_json::from_slice(body).ok()?;
    let text = |s: Option<String>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let code = text(e.error_code.clone());
    let message = api_error_text(e);
    (code.is_some() || message.is_some()).then_some(concierge_http::VendorError { code, message })
}

/// The message of an `ApiErrorResponse`: `UserMessage (ErrorCode) [Key: Value; ...]`.
fn api_error_text(e: ApiErrorResponse) -> Option<String> {
    let text = |s: Option<String>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let mut message = text(e.user_message).unwrap_or_default();
    if let Some(code) = text(e.error_code) {
        if message.is_empty() {
            message = code;
        } else {
            message = format!("{message} ({code})");
        }
    }
    let details: Vec<String> = e
        .errors
        .unwrap_or_default()
        .into_iter()
        .filter_map(|d| match (text(d.key), text(d.value)) {
            (Some(k), Some(v)) => Some(format!("{k}: {v}")),
            (Some(one), None) | (None, Some(one)) => Some(one),
            (None, None) => None,
        })
        .collect();
    if !details.is_empty() {
        if !message.is_empty() {
            message.push(' ');
        }
        message.push_str(&format!("[{}]", details.join("; ")));
    }
    (!message.is_empty()).then_some(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn dates_are_read_as_days_and_date_times_as_utc() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(parse_date("f", "2026-01-05").unwrap(), d(2026, 1, 5));
        assert_eq!(
            parse_date("f", "2026-01-05T00:00:00").unwrap(),
            d(2026, 1, 5)
        );
        assert!(parse_date("f", "05/01/2026").is_err());
        assert_eq!(parse_opt_date("f", Some(" ")).unwrap(), None);
        let at = Utc.with_ymd_and_hms(2025, 11, 2, 10, 15, 0).unwrap();
        assert_eq!(parse_timestamp("f", "2025-11-02T10:15:00Z").unwrap(), at);
        assert_eq!(parse_timestamp("f", "2025-11-02T10:15:00").unwrap(), at);
        assert_eq!(
            parse_timestamp("f", "2025-11-02T12:15:00+02:00").unwrap(),
            at
        );
        assert!(parse_timestamp("f", "yesterday").is_err());
    }

    #[test]
    fn lastupdatedfrom_is_formatted_in_whole_utc_seconds_with_a_z() {
        let at = Utc.with_ymd_and_hms(2026, 1, 5, 7, 8, 9).unwrap()
            + chrono::Duration::milliseconds(750);
        assert_eq!(format_timestamp(at), "2026-01-05T07:08:09Z");
    }

    #[test]
    fn an_api_error_response_becomes_one_line_and_its_code_the_vendors() {
        let body = br#"{"UserMessage":"Unable to process the request.","ErrorCode":"BadRequest","Errors":[{"Key":"orderby","Value":"'Colour' is not a sortable field."}]}"#;
        assert_eq!(api_error(body).unwrap().code.as_deref(), Some("BadRequest"));
        assert_eq!(
            api_error(body).and_then(|e| e.message).as_deref(),
            Some(
                "Unable to process the request. (BadRequest) [orderby: 'Colour' is not a sortable field.]"
            )
        );
        assert_eq!(
            api_error(br#"{"ErrorCode":"NotFound","Errors":null}"#)
                .and_then(|e| e.message)
                .as_deref(),
            Some("NotFound")
        );
        assert_eq!(api_error(br#"{}"#), None);
        assert_eq!(api_error(b"<html>down</html>"), None);
    }

    #[test]
    fn decode_errors_do_not_quote_record_values() {
        let raw = RawValue::from_string(r#"{"Id": "jane@example.com"}"#.into()).unwrap();
        let err = decode::<TenantMessage>(&raw).unwrap_err();
        assert!(!err.contains("jane"), "{err}");
        assert!(err.contains("<value>"), "{err}");
    }
}
