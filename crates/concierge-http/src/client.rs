//! The client, its builder, and the attempt loop (auth, rate limit, retries, errors, tracing).

use crate::auth::{Auth, AuthState, IssuedToken, bearer_value};
use crate::error::{self, ErrorBodyFn, scrub, status_is_transient, status_kind};
use crate::request::RequestBuilder;
use crate::retry::{RetryPolicy, parse_retry_after};
use bytes::Bytes;
use concierge_core::{FailureSource, ProviderError, ProviderErrorKind, RetryClass};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::num::NonZeroU32;
use std::sync::{Arc, Once};
use std::time::{Duration, SystemTime};
use tracing::Instrument;

/// The per-request timeout used unless [`HttpClientBuilder::timeout`] sets another: 30 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The headers a vendor request id is read from unless
/// [`HttpClientBuilder::request_id_headers`] names others, first found wins.
pub const DEFAULT_REQUEST_ID_HEADERS: [&str; 4] = [
    "x-request-id",
    "x-amzn-requestid",
    "request-id",
    "x-correlation-id",
];

/// The header an idempotency key is sent in unless [`HttpClientBuilder::idempotency_header`]
/// names another.
pub const DEFAULT_IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

/// The operation name of errors raised by [`HttpClientBuilder::build`].
const BUILD_OPERATION: &str = "build_client";

/// An HTTP client for one provider: base URL, auth, retries, rate limit, timeouts and error
/// mapping. Cheap to clone; clones share the connection pool, the token cache and the rate
/// limiter.
///
/// `Debug` names the provider, base URL and settings, and prints `<redacted>` for every secret.
#[derive(Clone)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

struct Inner {
    provider: String,
    /// Without a trailing slash.
    base_url: String,
    http: reqwest::Client,
    auth: AuthState,
    /// Every configured secret, scrubbed from error messages.
    secrets: Vec<SecretString>,
    retry: RetryPolicy,
    rate_limit: Option<(u32, DefaultDirectRateLimiter)>,
    timeout: Duration,
    request_id_headers: Vec<HeaderName>,
    error_body: Option<ErrorBodyFn>,
    idempotency_header: HeaderName,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        let request_id_headers: Vec<&str> = inner
            .request_id_headers
            .iter()
            .map(|h| h.as_str())
            .collect();
        f.debug_struct("HttpClient")
            .field("provider", &inner.provider)
            .field("base_url", &error::redact_url(&inner.base_url))
            .field("auth", &inner.auth)
            .field("retry", &inner.retry)
            .field("rate_limit", &inner.rate_limit.as_ref().map(|(n, _)| *n))
            .field("timeout", &inner.timeout)
            .field("request_id_headers", &request_id_headers)
            .field("idempotency_header", &inner.idempotency_header.as_str())
            .field("error_body", &inner.error_body.as_ref().map(|_| "<hook>"))
            .finish()
    }
}

/// Builds an [`HttpClient`]. Holds secrets, so it has no `Debug`.
pub struct HttpClientBuilder {
    provider: String,
    base_url: String,
    auth: Auth,
    retry: RetryPolicy,
    rate_limit: Option<u32>,
    timeout: Duration,
    request_id_headers: Vec<String>,
    error_body: Option<ErrorBodyFn>,
    idempotency_header: String,
    user_agent: String,
}

impl HttpClient {
    /// A builder for a client of `provider` (its stable name, e.g. `buildium`, used in errors and
    /// spans) at `base_url` (e.g. `https://api.buildium.com`; request paths are appended to it).
    pub fn builder(provider: &str, base_url: &str) -> HttpClientBuilder {
        HttpClientBuilder {
            provider: provider.to_string(),
            base_url: base_url.to_string(),
            auth: Auth::None,
            retry: RetryPolicy::default(),
            rate_limit: None,
            timeout: DEFAULT_TIMEOUT,
            request_id_headers: DEFAULT_REQUEST_ID_HEADERS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            error_body: None,
            idempotency_header: DEFAULT_IDEMPOTENCY_HEADER.to_string(),
            user_agent: concat!("concierge-http/", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }

    /// The provider's name.
    pub fn provider(&self) -> &str {
        &self.inner.provider
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// A request of `method` to `path` (appended to the base URL), for `operation` (e.g.
    /// `list_residents`, used in errors and spans).
    pub fn request(
        &self,
        method: Method,
        operation: impl Into<String>,
        path: impl Into<String>,
    ) -> RequestBuilder {
        RequestBuilder::new(self.clone(), method, operation.into(), path.into())
    }

    /// A `GET` request. Retried on transient failures.
    pub fn get(&self, operation: impl Into<String>, path: impl Into<String>) -> RequestBuilder {
        self.request(Method::GET, operation, path)
    }

    /// A `POST` request. Retried only when marked idempotent or given an idempotency key.
    pub fn post(&self, operation: impl Into<String>, path: impl Into<String>) -> RequestBuilder {
        self.request(Method::POST, operation, path)
    }

    /// A `PUT` request. Retried on transient failures.
    pub fn put(&self, operation: impl Into<String>, path: impl Into<String>) -> RequestBuilder {
        self.request(Method::PUT, operation, path)
    }

    /// A `PATCH` request. Retried only when marked idempotent or given an idempotency key.
    pub fn patch(&self, operation: impl Into<String>, path: impl Into<String>) -> RequestBuilder {
        self.request(Method::PATCH, operation, path)
    }

    /// A `DELETE` request. Retried on transient failures.
    pub fn delete(&self, operation: impl Into<String>, path: impl Into<String>) -> RequestBuilder {
        self.request(Method::DELETE, operation, path)
    }

    pub(crate) fn idempotency_header(&self) -> &HeaderName {
        &self.inner.idempotency_header
    }

    /// A non-retryable error of `kind` for `operation`, with secrets scrubbed from `message`.
    pub(crate) fn error(
        &self,
        operation: &str,
        kind: ProviderErrorKind,
        message: String,
        request_id: Option<String>,
    ) -> ProviderError {
        let message = scrub(message, &self.inner.secrets);
        let mut e = ProviderError::new(&self.inner.provider, operation, kind, message);
        e.request_id = request_id.map(|r| scrub(r, &self.inner.secrets));
        e
    }

    fn request_id(&self, headers: &HeaderMap) -> Option<String> {
        self.inner.request_id_headers.iter().find_map(|name| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        })
    }

    /// Sends a request, with auth, rate limit and retries, in its own span.
    pub(crate) async fn execute(
        &self,
        operation: &str,
        req: Prepared,
    ) -> Result<Raw, ProviderError> {
        let span = tracing::info_span!(
            "http_request",
            provider = %self.inner.provider,
            operation = %operation,
            method = %req.method,
            path = %req.path,
            status = tracing::field::Empty,
            attempt = tracing::field::Empty,
        );
        let mut progress = Progress::default();
        let result = self
            .attempts(operation, req, &mut progress)
            .instrument(span.clone())
            .await;
        span.record("attempt", progress.attempt);
        if let Some(status) = progress.status {
            span.record("status", status);
        }
        // The caller learns that this transport already retried, so it does not retry again.
        result.map_err(|mut e| {
            e.attempts = progress.attempt.max(1);
            e
        })
    }

    async fn attempts(
        &self,
        operation: &str,
        req: Prepared,
        progress: &mut Progress,
    ) -> Result<Raw, ProviderError> {
        let inner = &*self.inner;
        let policy = if req.idempotent {
            inner.retry
        } else {
            RetryPolicy::disabled()
        };
        let max = policy.attempts();
        let timeout = req.timeout.unwrap_or(inner.timeout);
        let mut attempt = 0u32;
        let mut failures = 0u32;
        let mut replayed_after_401 = false;

        loop {
            attempt += 1;
            progress.attempt = attempt;
            let attempt_span =
                tracing::debug_span!("http_attempt", attempt, status = tracing::field::Empty);

            let mut headers = req.headers.clone();
            let mut token: Option<IssuedToken> = None;
            if req.api_call {
                token = self.authenticate(operation, &mut headers).await?;
                if let Some((_, limiter)) = &inner.rate_limit {
                    limiter.until_ready().await;
                }
            }

            let mut builder = inner
                .http
                .request(req.method.clone(), &req.url)
                .headers(headers)
                .timeout(timeout);
            if let Some(body) = &req.body {
                builder = builder.body(body.clone());
            }
            let outcome = async {
                let resp = builder.send().await?;
                let status = resp.status();
                tracing::Span::current().record("status", status.as_u16());
                let headers = resp.headers().clone();
                resp.bytes().await.map(|body| (status, headers, body))
            }
            .instrument(attempt_span)
            .await;

            let (status, headers, body) = match outcome {
                Ok(reply) => reply,
                Err(e) => {
                    let kind = error::transport_kind(&e);
                    let transient = matches!(
                        kind,
                        ProviderErrorKind::Timeout | ProviderErrorKind::Connection
                    );
                    if transient {
                        failures += 1;
                        if failures < max {
                            let delay = policy.backoff(failures);
                            tracing::warn!(%kind, attempt, delay_ms = delay.as_millis() as u64, "transport failure; retrying");
                            tokio::time::sleep(delay).await;
                            continue;
                        }
                    }
                    return Err(self
                        .transport_error(operation, e, kind, timeout, attempt, &req, &token)
                        .await);
                }
            };

            progress.status = Some(status.as_u16());
            let request_id = self.request_id(&headers);
            if status.is_success() {
                tracing::debug!(status = status.as_u16(), "reply received");
                return Ok(Raw {
                    status,
                    headers,
                    body,
                    request_id,
                });
            }

            if status == StatusCode::UNAUTHORIZED
                && !replayed_after_401
                && let (Some(t), AuthState::OAuth(cache)) = (&token, &inner.auth)
            {
                // The token may have been revoked or expired early: fetch one and replay once.
                replayed_after_401 = true;
                cache.invalidate(t.generation).await;
                tracing::debug!("401 with a cached token; replaying once with a new token");
                continue;
            }

            let mut refused_retry_after = None;
            if status_is_transient(status) {
                failures += 1;
                if failures < max {
                    let retry_after = headers
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, SystemTime::now()));
                    let delay = match retry_after {
                        Some(d) if d <= policy.max_backoff => Some(d),
                        Some(d) => {
                            refused_retry_after = Some(d);
                            None
                        }
                        None if status == StatusCode::TOO_MANY_REQUESTS => Some(
                            policy
                                .backoff(failures)
                                .max(policy.initial_backoff.min(policy.max_backoff)),
                        ),
                        None => Some(policy.backoff(failures)),
                    };
                    if let Some(delay) = delay {
                        tracing::warn!(
                            status = status.as_u16(),
                            attempt,
                            delay_ms = delay.as_millis() as u64,
                            "transient reply; retrying"
                        );
                        tokio::time::sleep(delay).await;
                        continue;
                    }
                }
            }

            return Err(self
                .status_error(
                    operation,
                    status,
                    &body,
                    request_id,
                    attempt,
                    refused_retry_after,
                    &req,
                    &token,
                )
                .await);
        }
    }

    /// Adds the auth headers; returns the OAuth token used, if any.
    async fn authenticate(
        &self,
        operation: &str,
        headers: &mut HeaderMap,
    ) -> Result<Option<IssuedToken>, ProviderError> {
        match &self.inner.auth {
            AuthState::None => Ok(None),
            AuthState::Headers(secret_headers) => {
                for (name, value) in secret_headers {
                    // Validated by the builder.
                    if let Ok(mut v) = HeaderValue::from_str(value.expose_secret()) {
                        v.set_sensitive(true);
                        headers.insert(name.clone(), v);
                    }
                }
                Ok(None)
            }
            AuthState::Bearer(token) => {
                if let Ok(v) = bearer_value(token) {
                    headers.insert(AUTHORIZATION, v);
                }
                Ok(None)
            }
            AuthState::OAuth(cache) => {
                let token = cache.token(self, operation).await?;
                let value = bearer_value(&token.access).map_err(|_| {
                    self.error(
                        operation,
                        ProviderErrorKind::InvalidResponse,
                        "the token endpoint returned an access token that is not a valid header value"
                            .into(),
                        None,
                    )
                })?;
                headers.insert(AUTHORIZATION, value);
                Ok(Some(token))
            }
        }
    }

    /// The secrets of one request, besides the configured ones.
    async fn request_secrets(
        &self,
        req: &Prepared,
        token: &Option<IssuedToken>,
    ) -> Vec<SecretString> {
        let mut secrets = req.secrets.clone();
        if let Some(t) = token {
            secrets.push(t.access.clone());
        }
        // Not for token requests: they run while the token cache is locked.
        if req.api_call
            && let AuthState::OAuth(cache) = &self.inner.auth
            && let Some(rt) = cache.current_refresh_token().await
        {
            secrets.push(rt);
        }
        secrets
    }

    #[allow(clippy::too_many_arguments)]
    async fn status_error(
        &self,
        operation: &str,
        status: StatusCode,
        body: &[u8],
        request_id: Option<String>,
        attempts: u32,
        refused_retry_after: Option<Duration>,
        req: &Prepared,
        token: &Option<IssuedToken>,
    ) -> ProviderError {
        let mut message = format!("HTTP {}", status.as_u16());
        if let Some(reason) = status.canonical_reason() {
            message.push(' ');
            message.push_str(reason);
        }
        let secrets = self.request_secrets(req, token).await;
        let vendor = self
            .inner
            .error_body
            .as_ref()
            .and_then(|hook| hook(body))
            .unwrap_or_else(|| error::default_vendor_error(body));
        if let Some(text) = vendor.message {
            message.push_str(": ");
            message.push_str(&error::redact(
                &text,
                self.inner.secrets.iter().chain(&secrets),
            ));
        }
        if status.is_redirection() {
            message.push_str(" (redirects are not followed)");
        }
        if let Some(d) = refused_retry_after {
            message.push_str(&format!(
                " (the provider asked to retry after {} s)",
                d.as_secs()
            ));
        }
        if attempts > 1 {
            message.push_str(&format!(" (after {attempts} attempts)"));
        }
        let message = scrub(message, &secrets);
        // A vendor may echo a request header (the bearer token) into its request id.
        let request_id = request_id.map(|r| scrub(r, &secrets));
        let mut e = self
            .error(operation, status_kind(status), message, request_id)
            .from_response(status.as_u16());
        if let Some(code) = vendor.code {
            e = e.with_vendor_code(error::redact(
                &code,
                self.inner.secrets.iter().chain(&secrets),
            ));
        }
        if let Some(after) = refused_retry_after {
            e = e.with_retry_after(after);
        }
        e
    }

    #[allow(clippy::too_many_arguments)]
    async fn transport_error(
        &self,
        operation: &str,
        e: reqwest::Error,
        kind: ProviderErrorKind,
        timeout: Duration,
        attempts: u32,
        req: &Prepared,
        token: &Option<IssuedToken>,
    ) -> ProviderError {
        let e = e.without_url();
        let mut message = match kind {
            ProviderErrorKind::Timeout => format!("no reply within {timeout:?}"),
            ProviderErrorKind::Other => {
                format!("the request could not be built: {}", error::chain(&e))
            }
            _ => format!("connection failed: {}", error::chain(&e)),
        };
        if !req.idempotent && !e.is_connect() && kind != ProviderErrorKind::Other {
            message.push_str(
                " (the request may have been processed; not retried as it is not idempotent)",
            );
        }
        if attempts > 1 {
            message.push_str(&format!(" (after {attempts} attempts)"));
        }
        let secrets = self.request_secrets(req, token).await;
        let message = scrub(message, &secrets);
        let failure = self.error(operation, kind, message, None);
        let failure = if kind == ProviderErrorKind::Other {
            // The request could not even be built: nothing was sent.
            let mut f = failure.with_retry(RetryClass::Permanent);
            f.source_of_failure = FailureSource::Configuration;
            f
        } else {
            failure.from_transport(!req.idempotent && !e.is_connect())
        };
        failure.with_source(e)
    }
}

impl HttpClientBuilder {
    /// How requests are authenticated. Default [`Auth::None`].
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    /// The retry policy. Default [`RetryPolicy::default`].
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sends at most `per_second` requests per second, evenly spaced, across this client and
    /// its clones (a client-side limit, e.g. Buildium's 10 per second). Token requests are not
    /// counted. Default: no limit. `0` is refused by [`build`](Self::build).
    pub fn rate_limit(mut self, per_second: u32) -> Self {
        self.rate_limit = Some(per_second);
        self
    }

    /// The time one attempt may take, from connecting to the end of the body. Default
    /// [`DEFAULT_TIMEOUT`] (30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The response headers the vendor's request id is read from, first found wins. Default
    /// [`DEFAULT_REQUEST_ID_HEADERS`].
    pub fn request_id_headers<I, S>(mut self, headers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.request_id_headers = headers
            .into_iter()
            .map(|s| s.as_ref().to_string())
            .collect();
        self
    }

    /// A vendor hook turning an error reply's body into a human message for the error. When it
    /// is not set or returns `None`, common JSON error fields (`message`, `error_description`,
    /// ...) are used. The message is cut to 500 characters and scrubbed of configured secrets.
    pub fn error_body<F>(mut self, hook: F) -> Self
    where
        F: Fn(&[u8]) -> Option<error::VendorError> + Send + Sync + 'static,
    {
        self.error_body = Some(Arc::new(hook));
        self
    }

    /// The header [`RequestBuilder::idempotency_key`] sends. Default
    /// [`DEFAULT_IDEMPOTENCY_HEADER`].
    pub fn idempotency_header(mut self, name: &str) -> Self {
        self.idempotency_header = name.to_string();
        self
    }

    /// The `User-Agent`. Default `concierge-http/<version>`.
    pub fn user_agent(mut self, user_agent: &str) -> Self {
        self.user_agent = user_agent.to_string();
        self
    }

    /// Builds the client. Fails (kind `Other`, operation `build_client`) on an invalid base
    /// URL, header name or auth value, or a zero rate limit; the error never contains a secret.
    pub fn build(self) -> Result<HttpClient, ProviderError> {
        let provider = self.provider;
        let fail = |message: String| {
            ProviderError::configuration(provider.clone(), BUILD_OPERATION, message)
        };

        let base = reqwest::Url::parse(&self.base_url).map_err(|_| {
            fail(format!(
                "invalid base URL {:?}",
                error::redact_url(&self.base_url)
            ))
        })?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(fail(format!(
                "base URL {:?} is not http or https",
                error::redact_url(&self.base_url)
            )));
        }
        if base.query().is_some() || base.fragment().is_some() {
            return Err(fail(format!(
                "base URL {:?} must not have a query or fragment",
                error::redact_url(&self.base_url)
            )));
        }
        let base_url = base.as_str().trim_end_matches('/').to_string();

        let auth = AuthState::new(self.auth).map_err(fail)?;
        let secrets: Vec<_> = auth
            .static_secrets()
            .into_iter()
            .chain(error::url_password(&base))
            .collect();

        let request_id_headers = self
            .request_id_headers
            .iter()
            .map(|h| {
                HeaderName::from_bytes(h.as_bytes())
                    .map_err(|_| fail(format!("invalid request id header name {h:?}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let idempotency_header = HeaderName::from_bytes(self.idempotency_header.as_bytes())
            .map_err(|_| {
                fail(format!(
                    "invalid idempotency header name {:?}",
                    self.idempotency_header
                ))
            })?;

        let rate_limit = match self.rate_limit {
            None => None,
            Some(n) => {
                let per_second = NonZeroU32::new(n)
                    .ok_or_else(|| fail("the rate limit must be at least 1 per second".into()))?;
                let quota = Quota::per_second(per_second).allow_burst(NonZeroU32::MIN);
                Some((n, RateLimiter::direct(quota)))
            }
        };

        install_crypto_provider();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(self.user_agent)
            .build()
            .map_err(|e| {
                fail(format!(
                    "the HTTP client could not be built: {}",
                    error::chain(&e)
                ))
            })?;

        Ok(HttpClient {
            inner: Arc::new(Inner {
                provider,
                base_url,
                http,
                auth,
                secrets,
                retry: self.retry,
                rate_limit,
                timeout: self.timeout,
                request_id_headers,
                error_body: self.error_body,
                idempotency_header,
            }),
        })
    }
}

/// reqwest is built with `rustls-no-provider`: install rustls' ring provider (the one `lettre`
/// already uses) as the process default, unless the application installed one.
fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            // Losing a race with another installer is fine: a provider is installed either way.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
    });
}

/// How far a call got, for its span.
#[derive(Default)]
struct Progress {
    attempt: u32,
    status: Option<u16>,
}

/// A request ready to send: everything but the auth headers.
pub(crate) struct Prepared {
    pub(crate) method: Method,
    pub(crate) url: String,
    /// The URL path without the query, for spans.
    pub(crate) path: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Bytes>,
    pub(crate) idempotent: bool,
    pub(crate) timeout: Option<Duration>,
    /// A call to the provider's API (auth and rate limit apply), not a token request.
    pub(crate) api_call: bool,
    /// Secrets in this request's body, scrubbed from its errors.
    pub(crate) secrets: Vec<SecretString>,
}

/// A successful reply.
pub(crate) struct Raw {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) request_id: Option<String>,
}
