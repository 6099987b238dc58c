//! A reply before it becomes an HTTP response: its status, JSON body and headers, and what the
//! journal records of it.

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

/// A reply.
pub(crate) struct Reply {
    pub status: u16,
    /// The JSON body, if any.
    pub body: Option<Value>,
    /// An HTML body, if any (the consent page).
    pub html: Option<String>,
    pub headers: Vec<(&'static str, String)>,
    /// What the journal records instead of `body` (a token reply, redacted).
    pub journal_body: Option<Value>,
}

impl Reply {
    /// `status` with a JSON body.
    pub fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            body: Some(body),
            html: None,
            headers: Vec::new(),
            journal_body: None,
        }
    }

    /// `{"data": data}` with `status`.
    pub fn data(status: u16, data: Value) -> Self {
        Self::json(status, json!({ "data": data }))
    }

    /// `204 No Content`.
    pub fn no_content() -> Self {
        Self {
            status: 204,
            body: None,
            html: None,
            headers: Vec::new(),
            journal_body: None,
        }
    }

    /// The vendor's error body: `{"errors":[{"field","code","message"}]}`.
    pub fn errors(status: u16, errors: &[(&str, &str, &str)]) -> Self {
        let errors: Vec<Value> = errors
            .iter()
            .map(|(field, code, message)| json!({ "field": field, "code": code, "message": message }))
            .collect();
        Self::json(status, json!({ "errors": errors }))
    }

    /// One error.
    pub fn error(status: u16, field: &str, code: &str, message: &str) -> Self {
        Self::errors(status, &[(field, code, message)])
    }

    /// `404` `not_found`.
    pub fn not_found() -> Self {
        Self::error(404, "base", "not_found", "Resource not found")
    }

    /// `401`, with the plural `messages` key the vendor uses there.
    pub fn unauthorized() -> Self {
        Self::json(
            401,
            json!({ "errors": [{ "field": "base", "code": "unauthorized", "messages": "Unauthorized" }] }),
        )
    }

    /// Adds a header.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// What the journal keeps of the body.
    pub fn journal(&self) -> Option<Value> {
        self.journal_body.clone().or_else(|| self.body.clone())
    }

    /// The HTTP response.
    pub fn into_response(self) -> Response {
        let (body, content_type) = match (&self.body, self.html) {
            (Some(json), _) => (Body::from(json.to_string()), Some("application/json")),
            (None, Some(html)) => (Body::from(html), Some("text/html; charset=utf-8")),
            (None, None) => (Body::empty(), None),
        };
        let mut response = Response::new(body);
        *response.status_mut() =
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let Some(content_type) = content_type {
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                response
                    .headers_mut()
                    .insert(HeaderName::from_static(name), value);
            }
        }
        response
    }
}
