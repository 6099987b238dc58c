//! The exchange journal: every request the simulator answered and its reply, in order, for
//! tests and for a contract validator that checks each one against the vendor's OpenAPI spec.
//! Secrets are kept out: the token endpoint's form and reply are redacted, the consent page's
//! code is not kept.

use crate::reply::Reply;
use serde::Serialize;
use serde_json::{Map, Value};

/// What the journal keeps in place of a secret.
pub const REDACTED: &str = "<redacted>";

/// The form fields of a token request that are not secret.
const PUBLIC_FORM_FIELDS: &[&str] = &["grant_type", "client_id", "redirect_uri"];

/// One request and its reply.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Exchange {
    /// The method, upper case.
    pub method: String,
    /// The route template it matched ([`crate::routes`]), e.g.
    /// `POST /v4/buildings/{building_id}/units`, or `<unmatched>`.
    pub route: String,
    /// The path, without the query.
    pub path: String,
    /// The path with the query as received (percent-encoded), e.g.
    /// `/v4/units?q%5Bbuilding_id_eq%5D=12&page=1`.
    pub target: String,
    /// The query's pairs, decoded, in order.
    pub query: Vec<(String, String)>,
    /// The request's `Content-Type`, if any.
    pub request_content_type: Option<String>,
    /// The request body: JSON as sent; a form as an object of its fields (the token endpoint's
    /// secrets redacted); other text as a string; `None` when empty.
    pub request_body: Option<Value>,
    /// The status answered.
    pub status: u16,
    /// The reply body, `None` when empty or not JSON (a 204, the consent page). The token
    /// endpoint's tokens are redacted.
    pub response_body: Option<Value>,
    /// The fault the simulator injected, if any (`rate_limited`, `unavailable`,
    /// `internal_error`, `lost_reply`, `hang`, or `echo`): the reply is the simulator's doing,
    /// not the vendor's contract.
    pub fault: Option<String>,
}

impl Exchange {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        method: &str,
        route: &str,
        path: &str,
        target: &str,
        query: Vec<(String, String)>,
        content_type: Option<String>,
        body: &[u8],
        reply: &Reply,
        fault: Option<&str>,
    ) -> Self {
        let is_form = content_type
            .as_deref()
            .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
        let request_body = if body.iter().all(u8::is_ascii_whitespace) {
            None
        } else if is_form || route == crate::routes::TOKEN {
            let mut fields = Map::new();
            for (k, v) in form_urlencoded::parse(body) {
                let value = if PUBLIC_FORM_FIELDS.contains(&k.as_ref()) {
                    v.into_owned()
                } else {
                    REDACTED.to_owned()
                };
                fields.insert(k.into_owned(), Value::String(value));
            }
            Some(Value::Object(fields))
        } else {
            Some(
                serde_json::from_slice(body)
                    .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned())),
            )
        };
        Self {
            method: method.to_owned(),
            route: route.to_owned(),
            path: path.to_owned(),
            target: target.to_owned(),
            query,
            request_content_type: content_type,
            request_body,
            status: reply.status,
            response_body: reply.journal(),
            fault: fault.map(str::to_owned),
        }
    }

    /// Whether the vendor's contract covers the exchange: an API request (`/v4/…`) answered by
    /// the simulated vendor, not by an injected fault or the echo mode.
    pub fn is_contractual(&self) -> bool {
        self.path.starts_with("/v4/") && self.fault.is_none()
    }
}
