//! Request builders and replies.

use crate::client::{HttpClient, Prepared};
use crate::error::redact_quoted;
use bytes::Bytes;
use concierge_core::{ProviderError, ProviderErrorKind};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;
use std::time::Duration;

/// A successful reply (2xx).
#[derive(Clone, Debug)]
pub struct Response<T> {
    /// The decoded body ([`Bytes`] from [`RequestBuilder::send`]).
    pub body: T,
    /// The status.
    pub status: StatusCode,
    /// The reply's headers.
    pub headers: HeaderMap,
    /// The vendor's request id, from the first configured request id header present.
    pub request_id: Option<String>,
}

impl<T> Response<T> {
    /// The same reply with its body transformed.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            body: f(self.body),
            status: self.status,
            headers: self.headers,
            request_id: self.request_id,
        }
    }
}

/// One request, built up and then sent with [`send`](Self::send) or
/// [`send_json`](Self::send_json).
///
/// `Debug` shows the method, operation and path only (the query and body may hold personal data).
pub struct RequestBuilder {
    client: HttpClient,
    operation: String,
    method: Method,
    path: String,
    query: String,
    headers: HeaderMap,
    body: Option<Bytes>,
    idempotent: Option<bool>,
    timeout: Option<Duration>,
    /// Secrets this request carries (a bearer token, a form's client secret), scrubbed from its
    /// errors.
    secrets: Vec<SecretString>,
    /// A problem found while building, reported by `send`.
    problem: Option<String>,
}

impl fmt::Debug for RequestBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestBuilder")
            .field("provider", &self.client.provider())
            .field("operation", &self.operation)
            .field("method", &self.method)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl RequestBuilder {
    pub(crate) fn new(client: HttpClient, method: Method, operation: String, path: String) -> Self {
        let problem = path
            .contains(['?', '#'])
            .then(|| "the path must not contain a query or fragment; use .query()".to_string());
        Self {
            client,
            operation,
            method,
            path,
            query: String::new(),
            headers: HeaderMap::new(),
            body: None,
            idempotent: None,
            timeout: None,
            secrets: Vec::new(),
            problem,
        }
    }

    /// Appends query pairs, percent-encoded (`application/x-www-form-urlencoded`). Keys may
    /// repeat (`propertyids=1&propertyids=2`).
    ///
    /// ```
    /// # let client = concierge_http::HttpClient::builder("demo", "https://api.example").build().unwrap();
    /// let req = client
    ///     .get("list_units", "/v1/rentals/units")
    ///     .query(&[("limit", "1000"), ("name", "Unit 4/B")]);
    /// assert_eq!(req.query_string(), "limit=1000&name=Unit+4%2FB");
    /// assert_eq!(req.query_string_len(), 26);
    /// ```
    pub fn query<K: AsRef<str>, V: AsRef<str>>(mut self, pairs: &[(K, V)]) -> Self {
        let mut serializer =
            form_urlencoded::Serializer::for_suffix(std::mem::take(&mut self.query), 0);
        for (k, v) in pairs {
            serializer.append_pair(k.as_ref(), v.as_ref());
        }
        self.query = serializer.finish();
        self
    }

    /// The encoded query string, without the leading `?`.
    pub fn query_string(&self) -> &str {
        &self.query
    }

    /// The length of the encoded query string, without the leading `?`, to check a vendor's
    /// limit (Buildium answers 500 beyond 4,096 characters) before sending.
    pub fn query_string_len(&self) -> usize {
        self.query.len()
    }

    /// The path, as given.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Sets a header (not a secret: secrets belong in [`Auth`](crate::Auth)).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(n), Ok(v)) => {
                self.headers.insert(n, v);
            }
            _ => self.problem = Some(format!("invalid header {name:?}")),
        }
        self
    }

    /// Sends `body` as JSON.
    pub fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => {
                self.headers
                    .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                self.body = Some(bytes.into());
            }
            Err(e) => {
                self.problem = Some(format!(
                    "the body could not be encoded as JSON: {}",
                    redact_quoted(&e.to_string())
                ))
            }
        }
        self
    }

    /// Sends `pairs` as an `application/x-www-form-urlencoded` body (an OAuth2 token request).
    /// A value that is a secret must also be given to [`secret`](Self::secret).
    ///
    /// ```
    /// # let client = concierge_http::HttpClient::builder("demo", "https://auth.example").build().unwrap();
    /// let req = client
    ///     .post("authorize", "/oauth/token")
    ///     .form(&[("grant_type", "authorization_code"), ("redirect_uri", "urn:ietf:wg:oauth:2.0:oob")]);
    /// # drop(req);
    /// ```
    pub fn form<K: AsRef<str>, V: AsRef<str>>(mut self, pairs: &[(K, V)]) -> Self {
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            serializer.append_pair(k.as_ref(), v.as_ref());
        }
        self.headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        self.body = Some(Bytes::from(serializer.finish()));
        self
    }

    /// Declares a secret this request carries in its body or query (a client secret, a refresh
    /// token, an authorization code): it is scrubbed, in every encoding, from the request's
    /// errors and request id, as the client's own credentials are.
    pub fn secret(mut self, secret: SecretString) -> Self {
        self.secrets.push(secret);
        self
    }

    /// Sends `Authorization: Bearer <token>`, marked sensitive, and scrubs the token from the
    /// request's errors: for an adapter that keeps its own tokens (rotating OAuth2 tokens held
    /// in a vault) rather than handing them to [`Auth`](crate::Auth).
    pub fn bearer_auth(mut self, token: &SecretString) -> Self {
        match HeaderValue::from_str(&format!("Bearer {}", token.expose_secret())) {
            Ok(mut v) => {
                v.set_sensitive(true);
                self.headers.insert(AUTHORIZATION, v);
            }
            Err(_) => self.problem = Some("the bearer token is not a valid header value".into()),
        }
        self.secrets.push(token.clone());
        self
    }

    /// Marks the request as safe to send more than once, so it is retried on transient
    /// failures, or (`false`) as unsafe, so it is not. By default `GET`, `HEAD`, `OPTIONS`, `PUT`
    /// and `DELETE` are idempotent and `POST` and `PATCH` are not.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = Some(idempotent);
        self
    }

    /// Sends `key` in the idempotency header (default `Idempotency-Key`) and marks the request
    /// idempotent, so a `POST` is retried too.
    pub fn idempotency_key(mut self, key: impl AsRef<str>) -> Self {
        match HeaderValue::from_str(key.as_ref()) {
            Ok(v) => {
                self.headers
                    .insert(self.client.idempotency_header().clone(), v);
                self.idempotent = Some(true);
            }
            Err(_) => self.problem = Some("invalid idempotency key".to_string()),
        }
        self
    }

    /// The time one attempt may take, instead of the client's.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sends the request; a non-2xx reply is an error.
    pub async fn send(self) -> Result<Response<Bytes>, ProviderError> {
        let client = self.client.clone();
        let operation = self.operation.clone();
        let prepared = self.prepare()?;
        let raw = client.execute(&operation, prepared).await?;
        Ok(Response {
            body: raw.body,
            status: raw.status,
            headers: raw.headers,
            request_id: raw.request_id,
        })
    }

    /// Sends the request with `Accept: application/json` and decodes the reply as `T`. An
    /// empty body decodes as JSON `null` (so `()` and `Option<_>` accept a 204). A body that does
    /// not decode is an `InvalidResponse` error whose message leaves out the body's values.
    pub async fn send_json<T: DeserializeOwned>(mut self) -> Result<Response<T>, ProviderError> {
        if !self.headers.contains_key(ACCEPT) {
            self.headers
                .insert(ACCEPT, HeaderValue::from_static("application/json"));
        }
        let client = self.client.clone();
        let operation = self.operation.clone();
        let reply = self.send().await?;
        let body: &[u8] = if reply.body.iter().all(u8::is_ascii_whitespace) {
            b"null"
        } else {
            &reply.body
        };
        match serde_json::from_slice::<T>(body) {
            Ok(decoded) => Ok(Response {
                body: decoded,
                status: reply.status,
                headers: reply.headers,
                request_id: reply.request_id,
            }),
            Err(e) => Err(client.error(
                &operation,
                ProviderErrorKind::InvalidResponse,
                format!(
                    "the reply (HTTP {}) is not a valid {}: {}",
                    reply.status.as_u16(),
                    std::any::type_name::<T>(),
                    redact_quoted(&e.to_string())
                ),
                reply.request_id,
            )),
        }
    }

    fn prepare(self) -> Result<Prepared, ProviderError> {
        if let Some(problem) = self.problem {
            return Err(self.client.error(
                &self.operation,
                ProviderErrorKind::Other,
                problem,
                None,
            ));
        }
        let path = if self.path.is_empty() || self.path.starts_with('/') {
            self.path
        } else {
            format!("/{}", self.path)
        };
        let mut url = format!("{}{}", self.client.base_url(), path);
        if !self.query.is_empty() {
            url.push('?');
            url.push_str(&self.query);
        }
        let idempotent = self.idempotent.unwrap_or(matches!(
            self.method,
            Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE
        ));
        Ok(Prepared {
            method: self.method,
            url,
            path,
            headers: self.headers,
            body: self.body,
            idempotent,
            timeout: self.timeout,
            api_call: true,
            secrets: self.secrets,
        })
    }
}

/// Characters kept as they are in a path segment: RFC 3986 unreserved.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment (an id from a vendor or a caller), so `/` or `?` in it cannot
/// change the path.
///
/// ```
/// assert_eq!(concierge_http::encode_path_segment("a/b c?"), "a%2Fb%20c%3F");
/// ```
pub fn encode_path_segment(segment: &str) -> String {
    utf8_percent_encode(segment, PATH_SEGMENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> HttpClient {
        HttpClient::builder("demo", "https://api.example/base/")
            .build()
            .unwrap()
    }

    #[test]
    fn paths_are_joined_to_the_base_url_and_queries_encoded_from_pairs() {
        let p = client()
            .get("op", "v1/units")
            .query(&[("limit", "1000")])
            .query(&[("email", "a+b@example.com"), ("email", "c d")])
            .prepare()
            .unwrap();
        assert_eq!(
            p.url,
            "https://api.example/base/v1/units?limit=1000&email=a%2Bb%40example.com&email=c+d"
        );
        assert_eq!(p.path, "/v1/units");
    }

    #[test]
    fn a_path_with_a_query_is_refused() {
        let Err(e) = client().get("op", "/v1/units?limit=1").prepare() else {
            panic!("a path with a query was accepted");
        };
        assert_eq!(e.kind, ProviderErrorKind::Other);
        assert!(!e.retryable());
    }

    #[test]
    fn only_safe_methods_or_keyed_requests_are_idempotent() {
        let c = client();
        assert!(c.get("op", "/x").prepare().unwrap().idempotent);
        assert!(c.put("op", "/x").prepare().unwrap().idempotent);
        assert!(c.delete("op", "/x").prepare().unwrap().idempotent);
        assert!(!c.post("op", "/x").prepare().unwrap().idempotent);
        assert!(!c.patch("op", "/x").prepare().unwrap().idempotent);
        let keyed = c.post("op", "/x").idempotency_key("k-1").prepare().unwrap();
        assert!(keyed.idempotent);
        assert_eq!(keyed.headers.get("idempotency-key").unwrap(), "k-1");
        assert!(
            c.post("op", "/x")
                .idempotent(true)
                .prepare()
                .unwrap()
                .idempotent
        );
        assert!(
            !c.get("op", "/x")
                .idempotent(false)
                .prepare()
                .unwrap()
                .idempotent
        );
    }

    #[test]
    fn a_form_body_is_url_encoded_with_its_content_type() {
        let p = client()
            .post("op", "/oauth/token")
            .form(&[("grant_type", "refresh_token"), ("refresh_token", "a+b c")])
            .prepare()
            .unwrap();
        assert_eq!(
            p.body.as_deref(),
            Some(&b"grant_type=refresh_token&refresh_token=a%2Bb+c"[..])
        );
        assert_eq!(
            p.headers.get(CONTENT_TYPE).unwrap(),
            "application/x-www-form-urlencoded"
        );
        assert!(!p.idempotent, "a form POST is not idempotent by default");
    }

    #[test]
    fn a_bearer_token_is_sent_sensitive_and_kept_as_a_secret_of_the_request() {
        let token = SecretString::from("tok-canary");
        let p = client()
            .get("op", "/v4/units")
            .bearer_auth(&token)
            .secret(SecretString::from("other-canary"))
            .prepare()
            .unwrap();
        let value = p.headers.get(AUTHORIZATION).unwrap();
        assert!(value.is_sensitive());
        assert_eq!(value, "Bearer tok-canary");
        let secrets: Vec<&str> = p.secrets.iter().map(|s| s.expose_secret()).collect();
        assert_eq!(secrets, ["tok-canary", "other-canary"]);
        let Err(e) = client()
            .get("op", "/x")
            .bearer_auth(&SecretString::from("bad\ntoken"))
            .prepare()
        else {
            panic!("an invalid bearer token was accepted");
        };
        assert!(!e.message.contains("bad"), "{e}");
    }

    #[test]
    fn the_query_string_length_counts_encoded_characters() {
        let ids: Vec<(&str, String)> = (0..600).map(|i| ("propertyids", i.to_string())).collect();
        let req = client().get("op", "/v1/rentals").query(&ids);
        assert_eq!(req.query_string_len(), req.query_string().len());
        assert!(req.query_string_len() > 4096);
    }
}
