//! The exchange journal: with [`SimConfig::journal`](crate::SimConfig::journal) on, every request
//! served is recorded with its answer (method, path and query as sent, request body, status,
//! response body), so a contract test can check each against the vendor's OpenAPI document.

use crate::SimHandle;
use crate::server::lock;
use serde_json::Value;

/// One request and the response it got, as on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exchange {
    /// The request method, as sent (`GET`).
    pub method: String,
    /// The path and query as sent, percent-encoding kept (`/v1/leases?propertyids=1&limit=50`).
    pub path_and_query: String,
    /// The route template that served it ([`ROUTES`](crate::ROUTES)), or
    /// [`UNMATCHED`](crate::UNMATCHED).
    pub route: &'static str,
    /// The request body (empty for a GET without one).
    pub request_body: Vec<u8>,
    /// The response status.
    pub status: u16,
    /// The response body (an `ApiErrorResponse` for an error).
    pub response_body: Vec<u8>,
}

impl Exchange {
    /// The request body as JSON: `Ok(None)` when empty.
    pub fn request_json(&self) -> serde_json::Result<Option<Value>> {
        json(&self.request_body)
    }

    /// The response body as JSON: `Ok(None)` when empty.
    pub fn response_json(&self) -> serde_json::Result<Option<Value>> {
        json(&self.response_body)
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.path_and_query
            .split_once('?')
            .map_or(self.path_and_query.as_str(), |(path, _)| path)
    }
}

fn json(bytes: &[u8]) -> serde_json::Result<Option<Value>> {
    if bytes.is_empty() {
        Ok(None)
    } else {
        serde_json::from_slice(bytes).map(Some)
    }
}

impl SimHandle {
    /// Every exchange journalled so far, in the order the responses were completed; empty unless
    /// [`SimConfig::journal`](crate::SimConfig::journal) is on.
    pub fn exchanges(&self) -> Vec<Exchange> {
        lock(&self.shared.journal).clone()
    }

    /// Empties the journal (it keeps recording).
    pub fn clear_exchanges(&self) {
        lock(&self.shared.journal).clear();
    }
}
