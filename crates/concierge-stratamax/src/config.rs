//! The adapter's configuration, declared once: connection settings and every element of the
//! assumed wire model that may turn out different.

use concierge_core::validate::Checks;
use concierge_http::{ExposeSecret, RetryPolicy, SecretString};
use std::fmt;
use std::time::Duration;

/// StrataMax's API host \[assumed\].
pub const DEFAULT_BASE_URL: &str = "https://ds.stratamax.com.au";
/// The header the API key is sent in \[assumed\].
pub const DEFAULT_API_KEY_HEADER: &str = "X-Api-Key";
/// The path every endpoint starts with \[assumed\].
pub const DEFAULT_API_PREFIX: &str = "/api/v1";
/// Records per page: the largest `pageSize` StrataMax serves \[assumed\].
pub const DEFAULT_PAGE_SIZE: u32 = 500;
/// Requests per second \[assumed\].
pub const DEFAULT_RATE_LIMIT_PER_SECOND: u32 = 5;
/// The per-attempt timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How to reach one StrataMax company, and the assumed wire model's values.
///
/// ```
/// use concierge_stratamax::StrataMaxConfig;
/// use concierge_http::SecretString;
///
/// let config = StrataMaxConfig::new(SecretString::from("key-6f1c"));
/// assert_eq!(config.page_size, 500);
/// assert!(!format!("{config:?}").contains("6f1c"));
/// ```
///
/// Deserialises from the shape of its JSON schema: `api_key` required, every other field
/// optional with the default of [`StrataMaxConfig::new`], the timeout as `timeout_seconds`,
/// unknown keys refused.
#[derive(Clone, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    description = "How to reach one StrataMax company: `api_key` required, every other field \
    optional with its default, unknown keys refused."
)]
#[non_exhaustive]
pub struct StrataMaxConfig {
    /// The API's base URL, without a trailing slash. Default `https://ds.stratamax.com.au`.
    #[serde(default = "defaults::base_url")]
    pub base_url: String,
    /// The company's API key. Never logged, printed or put in an error.
    #[schemars(with = "String", extend("x-sensitive" = true))]
    pub api_key: SecretString,
    /// The header the key is sent in. Default `X-Api-Key`. \[assumed\]
    #[serde(default = "defaults::api_key_header")]
    pub api_key_header: String,
    /// The path every endpoint starts with. Default `/api/v1`. \[assumed\]
    #[serde(default = "defaults::api_prefix")]
    pub api_prefix: String,
    /// Records per request (`pageSize`), at least 1. Default 500, the largest StrataMax is
    /// assumed to serve: the fewest requests. \[assumed\]
    #[serde(default = "defaults::page_size")]
    pub page_size: u32,
    /// The `status` sent with the building listing; `None` (default) lists every status, so a
    /// building that turns Lost is seen as inactive. \[assumed\]
    #[serde(default)]
    pub building_status_filter: Option<String>,
    /// Building statuses read as inactive, compared case-insensitively. Default `Lost`,
    /// `Inactive`. \[assumed\]
    #[serde(default = "defaults::inactive_statuses")]
    pub inactive_statuses: Vec<String>,
    /// Contact roles read as owners. Default `Owner`. \[assumed\]
    #[serde(default = "defaults::owner_roles")]
    pub owner_roles: Vec<String>,
    /// Contact roles read as tenants. Default `Tenant`. Any other role (Agent, Mortgagee, ...)
    /// is ignored. \[assumed\]
    #[serde(default = "defaults::tenant_roles")]
    pub tenant_roles: Vec<String>,
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

    pub(super) fn base_url() -> String {
        DEFAULT_BASE_URL.to_owned()
    }
    pub(super) fn api_key_header() -> String {
        DEFAULT_API_KEY_HEADER.to_owned()
    }
    pub(super) fn api_prefix() -> String {
        DEFAULT_API_PREFIX.to_owned()
    }
    pub(super) fn page_size() -> u32 {
        DEFAULT_PAGE_SIZE
    }
    pub(super) fn inactive_statuses() -> Vec<String> {
        vec!["Lost".to_owned(), "Inactive".to_owned()]
    }
    pub(super) fn owner_roles() -> Vec<String> {
        vec!["Owner".to_owned()]
    }
    pub(super) fn tenant_roles() -> Vec<String> {
        vec!["Tenant".to_owned()]
    }
    pub(super) fn rate_limit_per_second() -> Option<u32> {
        Some(DEFAULT_RATE_LIMIT_PER_SECOND)
    }
    pub(super) fn timeout() -> Duration {
        DEFAULT_TIMEOUT
    }
}

impl StrataMaxConfig {
    /// A configuration for the default host with every default.
    pub fn new(api_key: SecretString) -> Self {
        Self {
            base_url: defaults::base_url(),
            api_key,
            api_key_header: defaults::api_key_header(),
            api_prefix: defaults::api_prefix(),
            page_size: defaults::page_size(),
            building_status_filter: None,
            inactive_statuses: defaults::inactive_statuses(),
            owner_roles: defaults::owner_roles(),
            tenant_roles: defaults::tenant_roles(),
            rate_limit_per_second: defaults::rate_limit_per_second(),
            timeout: defaults::timeout(),
            retry: RetryPolicy::default(),
        }
    }

    /// Records every value the adapter cannot work with, each under `prefix` and the field's
    /// name. Messages name the rule, never the value.
    pub fn check(&self, prefix: &str, checks: &mut Checks) {
        let field = |name: &str| format!("{prefix}{name}");
        if self.api_key.expose_secret().trim().is_empty() {
            checks.fail(&field("api_key"), "must not be empty");
        }
        if self.api_key_header.trim().is_empty() {
            checks.fail(&field("api_key_header"), "must not be empty");
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

impl fmt::Debug for StrataMaxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StrataMaxConfig")
            .field("base_url", &concierge_http::redact_url(&self.base_url))
            .field("api_key", &"<redacted>")
            .field("api_key_header", &self.api_key_header)
            .field("api_prefix", &self.api_prefix)
            .field("page_size", &self.page_size)
            .field("building_status_filter", &self.building_status_filter)
            .field("inactive_statuses", &self.inactive_statuses)
            .field("owner_roles", &self.owner_roles)
            .field("tenant_roles", &self.tenant_roles)
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
    fn deserialises_with_the_defaults_of_new_and_refuses_unknown_keys() {
        let c: StrataMaxConfig = serde_json::from_value(serde_json::json!({
            "api_key": "k-canary", "timeout_seconds": 2.5, "rate_limit_per_second": null,
        }))
        .unwrap();
        assert_eq!(c.timeout, Duration::from_millis(2500));
        assert_eq!(c.rate_limit_per_second, None);
        assert_eq!(c.page_size, 500);
        assert_eq!(c.api_key_header, "X-Api-Key");
        assert!(c.problems().is_none());
        let err = serde_json::from_value::<StrataMaxConfig>(serde_json::json!({
            "api_key": "k-canary", "page_sise": 5,
        }))
        .err()
        .unwrap();
        assert!(err.to_string().contains("page_sise"), "{err}");
    }

    #[test]
    fn the_schema_marks_the_key_sensitive_and_requires_only_it() {
        let schema = serde_json::to_value(schemars::schema_for!(StrataMaxConfig)).unwrap();
        assert_eq!(schema["required"], serde_json::json!(["api_key"]));
        assert_eq!(schema["properties"]["api_key"]["x-sensitive"], true);
        assert_eq!(schema["additionalProperties"], false);
        assert_eq!(schema["properties"]["page_size"]["default"], 500);
    }

    #[test]
    fn unusable_values_are_named_without_the_key() {
        let mut c = StrataMaxConfig::new(SecretString::from("k-canary"));
        c.page_size = 0;
        c.rate_limit_per_second = Some(0);
        c.api_prefix = "api".into();
        let problems = c.problems().unwrap();
        for field in ["page_size", "rate_limit_per_second", "api_prefix"] {
            assert!(problems.contains(field), "{problems}");
        }
        assert!(!problems.contains("canary"));
    }
}
