//! The adapter's configuration: the OAuth2 client, the two hosts (API and accounts), paging,
//! the access point cache, and the transport settings every adapter has.

use concierge_core::validate::Checks;
use concierge_http::{ExposeSecret, RetryPolicy, SecretString};
use std::fmt;
use std::time::Duration;

/// The production API host.
pub const DEFAULT_API_BASE_URL: &str = "https://api.butterflymx.com";
/// The production OAuth (accounts) host. The sandbox's is disputed between sources
/// (`accountssandbox.butterflymx.com` or `accounts.na.sandbox.butterflymx.com`): set it.
pub const DEFAULT_ACCOUNTS_URL: &str = "https://accounts.butterflymx.com";
/// The out-of-band redirect: the consent page shows the code to the building admin.
pub const DEFAULT_REDIRECT_URI: &str = "urn:ietf:wg:oauth:2.0:oob";
/// Records per listing request (`per`): the spec's maximum, for the fewest requests.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// The largest `per` the spec allows.
pub const MAX_PAGE_SIZE: u32 = 100;
/// How long a building's access points are remembered: 5 minutes.
pub const DEFAULT_ACCESS_POINT_CACHE: Duration = Duration::from_secs(300);
/// Requests per second per adapter \[assumed: the vendor publishes no limit\].
pub const DEFAULT_RATE_LIMIT_PER_SECOND: u32 = 5;
/// The per-attempt timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How to reach ButterflyMX for one integration (one OAuth2 client).
///
/// ```
/// use concierge_butterflymx::ButterflyMxConfig;
/// use concierge_http::SecretString;
///
/// let config = ButterflyMxConfig::new("client-id", SecretString::from("s-6f1c"));
/// assert_eq!(config.api_base_url, "https://api.butterflymx.com");
/// assert_eq!(config.page_size, 100);
/// assert!(!format!("{config:?}").contains("6f1c"));
/// ```
///
/// Deserialises from the shape of its JSON schema: `client_id` and `client_secret` required,
/// every other field optional with the default of [`ButterflyMxConfig::new`], the timeout as
/// `timeout_seconds`, the cache as `access_point_cache_seconds`, unknown keys refused.
#[derive(Clone, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    description = "How to reach ButterflyMX for one integration: `client_id` and `client_secret` \
    required, every other field optional with its default, unknown keys refused."
)]
#[non_exhaustive]
pub struct ButterflyMxConfig {
    /// The OAuth2 client id ButterflyMX issued to the integration.
    pub client_id: String,
    /// The OAuth2 client secret. Never logged, printed or put in an error.
    #[schemars(with = "String", extend("x-sensitive" = true))]
    pub client_secret: SecretString,
    /// The API host. Default `https://api.butterflymx.com`; the sandbox is
    /// `https://api.na.sandbox.butterflymx.com`.
    #[serde(default = "defaults::api_base_url")]
    pub api_base_url: String,
    /// The OAuth2 host (`/oauth/authorize`, `/oauth/token`). Default
    /// `https://accounts.butterflymx.com`. \[assumed for the sandbox: sources disagree\]
    #[serde(default = "defaults::accounts_url")]
    pub accounts_url: String,
    /// The redirect URI registered for the client. Default `urn:ietf:wg:oauth:2.0:oob` (the
    /// code is shown to the admin, who pastes it into our application).
    #[serde(default = "defaults::redirect_uri")]
    pub redirect_uri: String,
    /// Records per listing request (`per`), 1 to 100. Default 100.
    #[serde(default = "defaults::page_size")]
    pub page_size: u32,
    /// How long a building's access points are remembered between passes, as
    /// `access_point_cache_seconds`; 0 looks them up for every pass. Default 300 s.
    #[serde(
        rename = "access_point_cache_seconds",
        default = "defaults::access_point_cache",
        with = "concierge_http::serde_duration::seconds"
    )]
    #[schemars(with = "f64")]
    pub access_point_cache: Duration,
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
    /// Retries of timeouts, connection failures, 429 (honouring `Retry-After`) and 5xx of
    /// reads and deletes; creates are never sent twice blindly (see the crate docs). Default
    /// `RetryPolicy::default()`.
    #[serde(default)]
    pub retry: RetryPolicy,
}

mod defaults {
    use super::*;

    pub(super) fn api_base_url() -> String {
        DEFAULT_API_BASE_URL.to_owned()
    }
    pub(super) fn accounts_url() -> String {
        DEFAULT_ACCOUNTS_URL.to_owned()
    }
    pub(super) fn redirect_uri() -> String {
        DEFAULT_REDIRECT_URI.to_owned()
    }
    pub(super) fn page_size() -> u32 {
        DEFAULT_PAGE_SIZE
    }
    pub(super) fn access_point_cache() -> Duration {
        DEFAULT_ACCESS_POINT_CACHE
    }
    pub(super) fn rate_limit_per_second() -> Option<u32> {
        Some(DEFAULT_RATE_LIMIT_PER_SECOND)
    }
    pub(super) fn timeout() -> Duration {
        DEFAULT_TIMEOUT
    }
}

impl ButterflyMxConfig {
    /// A configuration for the client `client_id` with every default (production hosts).
    pub fn new(client_id: impl Into<String>, client_secret: SecretString) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret,
            api_base_url: defaults::api_base_url(),
            accounts_url: defaults::accounts_url(),
            redirect_uri: defaults::redirect_uri(),
            page_size: defaults::page_size(),
            access_point_cache: defaults::access_point_cache(),
            rate_limit_per_second: defaults::rate_limit_per_second(),
            timeout: defaults::timeout(),
            retry: RetryPolicy::default(),
        }
    }

    /// Records every value the adapter cannot work with, each under `prefix` and the field's
    /// name. Messages name the rule, never the value.
    pub fn check(&self, prefix: &str, checks: &mut Checks) {
        let field = |name: &str| format!("{prefix}{name}");
        if self.client_id.trim().is_empty() {
            checks.fail(&field("client_id"), "must not be empty");
        }
        if self.client_secret.expose_secret().is_empty() {
            checks.fail(&field("client_secret"), "must not be empty");
        }
        for (name, url) in [
            ("api_base_url", &self.api_base_url),
            ("accounts_url", &self.accounts_url),
        ] {
            let url = url.trim();
            let plausible = (url.starts_with("https://") || url.starts_with("http://"))
                && !url.contains(['?', '#', ' ']);
            if !plausible {
                checks.fail(
                    &field(name),
                    "must be an http(s) URL without query or fragment",
                );
            }
        }
        if self.redirect_uri.trim().is_empty() {
            checks.fail(&field("redirect_uri"), "must not be empty");
        }
        if !(1..=MAX_PAGE_SIZE).contains(&self.page_size) {
            checks.fail(&field("page_size"), "must be from 1 to 100");
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

    /// Where the vault keeps this client's tokens: `butterflymx/<client_id>`.
    pub fn vault_name(&self) -> String {
        format!("butterflymx/{}", self.client_id.trim())
    }
}

impl fmt::Debug for ButterflyMxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ButterflyMxConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field(
                "api_base_url",
                &concierge_http::redact_url(&self.api_base_url),
            )
            .field(
                "accounts_url",
                &concierge_http::redact_url(&self.accounts_url),
            )
            .field("redirect_uri", &self.redirect_uri)
            .field("page_size", &self.page_size)
            .field("access_point_cache", &self.access_point_cache)
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
    fn the_client_is_required_and_unknown_keys_are_refused() {
        let err = serde_json::from_value::<ButterflyMxConfig>(serde_json::json!({
            "client_secret": "s-canary",
        }))
        .err()
        .unwrap();
        assert!(err.to_string().contains("client_id"), "{err}");
        let err = serde_json::from_value::<ButterflyMxConfig>(serde_json::json!({
            "client_id": "c", "client_secret": "s-canary", "per": 5,
        }))
        .err()
        .unwrap();
        assert!(err.to_string().contains("per"), "{err}");
        assert!(!err.to_string().contains("canary"), "{err}");
    }

    #[test]
    fn defaults_are_the_production_hosts_and_the_largest_page() {
        let c: ButterflyMxConfig = serde_json::from_value(serde_json::json!({
            "client_id": "c", "client_secret": "s", "accounts_url": "https://accountssandbox.butterflymx.com",
        }))
        .unwrap();
        assert_eq!(c.api_base_url, DEFAULT_API_BASE_URL);
        assert_eq!(c.accounts_url, "https://accountssandbox.butterflymx.com");
        assert_eq!(c.redirect_uri, DEFAULT_REDIRECT_URI);
        assert_eq!(c.page_size, 100);
        assert_eq!(c.access_point_cache, Duration::from_secs(300));
        assert_eq!(c.timeout, Duration::from_secs(30));
        assert!(c.problems().is_none());
        assert_eq!(c.vault_name(), "butterflymx/c");
    }

    #[test]
    fn out_of_range_values_are_named_without_the_secret() {
        let mut c = ButterflyMxConfig::new(" ", SecretString::from("s-canary"));
        c.page_size = 101;
        c.rate_limit_per_second = Some(0);
        c.timeout = Duration::ZERO;
        c.accounts_url = "accounts.example?x".into();
        let problems = c.problems().unwrap();
        for field in [
            "client_id",
            "page_size",
            "rate_limit_per_second",
            "timeout_seconds",
            "accounts_url",
        ] {
            assert!(problems.contains(field), "{field}: {problems}");
        }
        assert!(!problems.contains("canary"));
    }

    #[test]
    fn the_schema_marks_the_secret_sensitive_and_states_defaults() {
        let schema = serde_json::to_value(schemars::schema_for!(ButterflyMxConfig)).unwrap();
        assert_eq!(
            schema["required"],
            serde_json::json!(["client_id", "client_secret"])
        );
        assert_eq!(schema["properties"]["client_secret"]["x-sensitive"], true);
        assert_eq!(schema["properties"]["page_size"]["default"], 100);
        assert_eq!(
            schema["properties"]["accounts_url"]["default"],
            DEFAULT_ACCOUNTS_URL
        );
    }
}
