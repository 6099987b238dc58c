//! The adapter's configuration, declared once: connection and OAuth2 settings and every
//! element of the assumed wire model that may turn out different.

use concierge_core::validate::Checks;
use concierge_http::{ExposeSecret, RetryPolicy, SecretString};
use std::fmt;
use std::time::Duration;

/// The token endpoint's path under the base URL \[assumed\].
pub const DEFAULT_TOKEN_PATH: &str = "/oauth/token";
/// The path every endpoint starts with \[assumed\].
pub const DEFAULT_API_PREFIX: &str = "/api/v1";
/// Records per page: the largest `limit` PropertyIQ serves \[assumed\].
pub const DEFAULT_PAGE_SIZE: u32 = 250;
/// Requests per second per client \[assumed\].
pub const DEFAULT_RATE_LIMIT_PER_SECOND: u32 = 5;
/// The per-attempt timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How to reach one PropertyIQ customer, and the assumed wire model's values.
///
/// ```
/// use concierge_propertyiq::PropertyIqConfig;
/// use concierge_http::SecretString;
///
/// let config = PropertyIqConfig::new("https://customer.example", "client", SecretString::from("s-6f1c"));
/// assert_eq!(config.page_size, 250);
/// assert!(!format!("{config:?}").contains("6f1c"));
/// ```
///
/// Deserialises from the shape of its JSON schema: `base_url`, `client_id` and `client_secret`
/// required, every other field optional with the default of [`PropertyIqConfig::new`], the
/// timeout as `timeout_seconds`, unknown keys refused.
#[derive(Clone, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    description = "How to reach one PropertyIQ customer: `base_url`, `client_id` and \
    `client_secret` required, every other field optional with its default, unknown keys refused."
)]
#[non_exhaustive]
pub struct PropertyIqConfig {
    /// The customer's API base URL (each customer has its own; no default).
    pub base_url: String,
    /// The OAuth2 client id.
    pub client_id: String,
    /// The OAuth2 client secret. Never logged, printed or put in an error.
    #[schemars(with = "String", extend("x-sensitive" = true))]
    pub client_secret: SecretString,
    /// The token endpoint: a path under `base_url`, or an absolute URL. Default
    /// `/oauth/token`. \[assumed\]
    #[serde(default = "defaults::token_path")]
    pub token_path: String,
    /// The OAuth2 scope to ask for, if any. Default none. \[assumed\]
    #[serde(default)]
    pub scope: Option<String>,
    /// The path every endpoint starts with. Default `/api/v1`. \[assumed\]
    #[serde(default = "defaults::api_prefix")]
    pub api_prefix: String,
    /// Records per request (`limit`), at least 1. Default 250, the largest PropertyIQ is
    /// assumed to serve: the fewest requests. \[assumed\]
    #[serde(default = "defaults::page_size")]
    pub page_size: u32,
    /// Client-side rate limit, requests per second, at least 1; `null` for none. Default 5.
    /// \[assumed\]
    #[serde(default = "defaults::rate_limit_per_second")]
    pub rate_limit_per_second: Option<u32>,
    /// The time one attempt may take, as `timeout_seconds`. Default 30 s.
    #[serde(
        rename = "timeout_seconds",
        default = "defaults::timeout",
        with = "concierge_http::serde_duration::seconds"
    )]
    #[schemars(with = "f64")]
    pub timeout: Duration,
    /// Retries of timeouts, connection failures, 429 (honouring `Retry-After`) and 5xx.
    /// Default `RetryPolicy::default()`.
    #[serde(default)]
    pub retry: RetryPolicy,
}

mod defaults {
    use super::*;

    pub(super) fn token_path() -> String {
        DEFAULT_TOKEN_PATH.to_owned()
    }
    pub(super) fn api_prefix() -> String {
        DEFAULT_API_PREFIX.to_owned()
    }
    pub(super) fn page_size() -> u32 {
        DEFAULT_PAGE_SIZE
    }
    pub(super) fn rate_limit_per_second() -> Option<u32> {
        Some(DEFAULT_RATE_LIMIT_PER_SECOND)
    }
    pub(super) fn timeout() -> Duration {
        DEFAULT_TIMEOUT
    }
}

impl PropertyIqConfig {
    /// A configuration for the customer at `base_url` with every default.
    pub fn new(
        base_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: SecretString,
    ) -> Self {
        Self {
            base_url: base_url.into(),
            client_id: client_id.into(),
            client_secret,
            token_path: defaults::token_path(),
            scope: None,
            api_prefix: defaults::api_prefix(),
            page_size: defaults::page_size(),
            rate_limit_per_second: defaults::rate_limit_per_second(),
            timeout: defaults::timeout(),
            retry: RetryPolicy::default(),
        }
    }

    /// The token endpoint's URL.
    pub fn token_url(&self) -> String {
        let path = self.token_path.trim();
        if path.starts_with("http://") || path.starts_with("https://") {
            return path.to_owned();
        }
        format!(
            "{}/{}",
            self.base_url.trim().trim_end_matches('/'),
            path.trim_start_matches('/')
        )
    }

    /// Records every value the adapter cannot work with, each under `prefix` and the field's
    /// name. Messages name the rule, never the value.
    pub fn check(&self, prefix: &str, checks: &mut Checks) {
        let field = |name: &str| format!("{prefix}{name}");
        if self.base_url.trim().is_empty() {
            checks.fail(&field("base_url"), "must not be empty");
        }
        if self.client_id.trim().is_empty() {
            checks.fail(&field("client_id"), "must not be empty");
        }
        if self.client_secret.expose_secret().is_empty() {
            checks.fail(&field("client_secret"), "must not be empty");
        }
        if self.token_path.trim().is_empty() {
            checks.fail(&field("token_path"), "must not be empty");
        }
        if !self.api_prefix.is_empty() && !self.api_prefix.starts_with('/') {
            checks.fail(&field("api_prefix"), "must be empty or start with /");
        }
        if self.page_size == 0 {
            checks.fail(&field("page_size"), "must be at least 1");
        }
        concierge_http::check_transport(
            checks,
            &field("rate_limit_per_second"),
            self.rate_limit_per_second,
            &field("timeout_seconds"),
            self.timeout,
        );
    }

    pub(crate) fn problems(&self) -> Option<String> {
        let mut checks = Checks::new();
        self.check("", &mut checks);
        checks.finish().err().map(|e| e.to_string())
    }
}

impl fmt::Debug for PropertyIqConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PropertyIqConfig")
            .field("base_url", &concierge_http::redact_url(&self.base_url))
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("token_path", &self.token_path)
            .field("scope", &self.scope)
            .field("api_prefix", &self.api_prefix)
            .field("page_size", &self.page_size)
            .field("rate_limit_per_second", &self.rate_limit_per_second)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_url_is_required_and_unknown_keys_are_refused() {
        let err = serde_json::from_value::<PropertyIqConfig>(serde_json::json!({
            "client_id": "c", "client_secret": "s-canary",
        }))
        .err()
        .unwrap();
        assert!(err.to_string().contains("base_url"), "{err}");
        let err = serde_json::from_value::<PropertyIqConfig>(serde_json::json!({
            "base_url": "https://x.example", "client_id": "c", "client_secret": "s-canary", "limit": 5,
        }))
        .err()
        .unwrap();
        assert!(err.to_string().contains("limit"), "{err}");
    }

    #[test]
    fn the_token_url_joins_the_path_or_takes_an_absolute_url() {
        let mut c = PropertyIqConfig::new("https://x.example/", "c", SecretString::from("s"));
        assert_eq!(c.token_url(), "https://x.example/oauth/token");
        c.token_path = "https://auth.example/token".into();
        assert_eq!(c.token_url(), "https://auth.example/token");
    }

    #[test]
    fn the_schema_marks_the_secret_sensitive_and_states_defaults() {
        let schema = serde_json::to_value(schemars::schema_for!(PropertyIqConfig)).unwrap();
        assert_eq!(
            schema["required"],
            serde_json::json!(["base_url", "client_id", "client_secret"])
        );
        assert_eq!(schema["properties"]["client_secret"]["x-sensitive"], true);
        assert_eq!(schema["properties"]["page_size"]["default"], 250);
        assert_eq!(
            schema["properties"]["token_path"]["default"],
            "/oauth/token"
        );
    }
}
