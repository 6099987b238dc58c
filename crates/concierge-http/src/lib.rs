//! The HTTP transport shared by Concierge's vendor adapters.
//!
//! One [`HttpClient`] per provider account holds the base URL, the credentials ([`Auth`]: static
//! secret headers, a bearer token, or OAuth2 client credentials / rotating refresh tokens with a
//! shared token cache), a [`RetryPolicy`], an optional client-side rate limit and timeouts. Every
//! failure is a [`concierge_core::ProviderError`] naming the provider and operation, with a kind,
//! whether a retry can help, and the vendor's request id; no error, `Debug` output or tracing span
//! contains a secret.
//!
//! # Quick start
//!
//! ```no_run
//! use concierge_http::{Auth, HttpClient, RetryPolicy, SecretString};
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! #[serde(rename_all = "PascalCase")]
//! struct Unit {
//!     id: u64,
//!     unit_number: String,
//! }
//!
//! # async fn run() -> Result<(), concierge_core::ProviderError> {
//! let client = HttpClient::builder("buildium", "https://apisandbox.buildium.com")
//!     .auth(Auth::headers([
//!         ("x-buildium-client-id", SecretString::from("client-id")),
//!         ("x-buildium-client-secret", SecretString::from("client-secret")),
//!     ]))
//!     .retry(RetryPolicy::default())
//!     .rate_limit(10)
//!     .build()?;
//!
//! let units = client
//!     .get("list_units", "/v1/rentals/units")
//!     .query(&[("limit", "1000"), ("offset", "0")])
//!     .send_json::<Vec<Unit>>()
//!     .await?;
//! for unit in &units.body {
//!     println!("{} {}", unit.id, unit.unit_number);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Behaviour
//!
//! - **Retries** ([`RetryPolicy`]): timeouts, connection failures, 408, 429 and 5xx are retried
//!   with exponential backoff and full jitter, honouring `Retry-After`; other 4xx never are. Only
//!   idempotent requests are retried: `GET`/`PUT`/`DELETE`, and a `POST` only with
//!   [`RequestBuilder::idempotency_key`] or [`RequestBuilder::idempotent`].
//! - **OAuth2**: the token is cached until shortly before it expires (60 s, or 10% of a short
//!   lifetime); concurrent callers share one fetch; a 401 drops the token and replays the request
//!   once with a new one, and a second 401 is `Unauthorized`. Rotated refresh tokens are handed to
//!   [`RefreshToken::on_rotate`]. An adapter that keeps its tokens itself (in a vault, shared
//!   between processes) sends them with [`RequestBuilder::bearer_auth`], posts token requests
//!   with [`RequestBuilder::form`], and declares the secrets of a body with
//!   [`RequestBuilder::secret`]; all are scrubbed from errors like configured credentials.
//! - **Errors**: 401 `Unauthorized`, 403 `Forbidden`, 404 `NotFound`, 429 `RateLimited`, 5xx
//!   `Unavailable`, other 4xx `Rejected`, undecodable bodies `InvalidResponse`, and transport
//!   failures `Timeout` or `Connection`. A vendor hook ([`HttpClientBuilder::error_body`]) turns
//!   error bodies into messages. Redirects are not followed, so credentials never reach another
//!   host.
//! - **Tracing**: one `http_request` span per call with `provider`, `operation`, `method`, `path`
//!   (never the query), `status` and `attempt`.
//! - **TLS**: rustls with the ring provider, installed as the process default on first use unless
//!   the application installed one.

mod auth;
mod checks;
mod client;
mod error;
mod oauth;
mod request;
mod retry;
pub mod serde_duration;

pub use auth::{Auth, ClientCredentials, OnRotate, RefreshToken};
pub use bytes::Bytes;
pub use checks::check_transport;
pub use client::{
    DEFAULT_IDEMPOTENCY_HEADER, DEFAULT_REQUEST_ID_HEADERS, DEFAULT_TIMEOUT, HttpClient,
    HttpClientBuilder,
};
pub use concierge_core::{ProviderError, ProviderErrorKind};
pub use error::{ErrorBodyFn, VendorError, redact, redact_url};
pub use request::{RequestBuilder, Response, encode_path_segment};
pub use reqwest::header::HeaderMap;
pub use reqwest::{Method, StatusCode};
pub use retry::RetryPolicy;
pub use secrecy::{ExposeSecret, SecretString};
