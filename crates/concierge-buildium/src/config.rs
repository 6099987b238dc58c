//! The adapter's configuration: connection settings plus every mapping choice the vendor
//! reference marks as an assumption.

use concierge_core::validate::Checks;
use concierge_http::{ExposeSecret, RetryPolicy, SecretString};
use std::fmt;
use std::time::Duration;

/// Buildium's production API.
pub const DEFAULT_BASE_URL: &str = "https://api.buildium.com";
/// Buildium's sandbox API (sandbox keys only work there).
pub const SANDBOX_BASE_URL: &str = "https://apisandbox.buildium.com";
/// The largest `limit` Buildium serves (a larger value is silently capped).
pub const MAX_PAGE_SIZE: u32 = 1000;
/// Buildium answers `500` to a query string longer than this.
pub const DEFAULT_MAX_QUERY_LEN: usize = 4096;
/// Buildium's documented rate limit: 10 requests per second per client.
pub const DEFAULT_RATE_LIMIT_PER_SEC: u32 = 10;
/// The per-attempt timeout unless configured otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How leases are ordered in an incremental pull (`lastupdatedfrom`). A full listing is always
/// ordered by `Id`. Both orders end in `Id`, the unique key Buildium needs for stable paging.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LeaseOrder {
    /// `orderby=Id` (default): an edit during the pull does not move a lease between pages, so
    /// offset paging neither skips nor repeats it.
    #[default]
    Id,
    /// `orderby=LastUpdatedDateTime asc,Id asc`, as the vendor reference suggests. A lease edited
    /// while the pull pages moves to the end, which can shift another lease past the cursor.
    LastUpdatedThenId,
}

impl LeaseOrder {
    pub(crate) fn orderby(self) -> &'static str {
        match self {
            LeaseOrder::Id => "Id",
            LeaseOrder::LastUpdatedThenId => "LastUpdatedDateTime asc,Id asc",
        }
    }
}

/// When a lease's `LeaseToDate` is a tenant's move-out date, for a tenant without a
/// `MoveOutData` entry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LeaseEndMoveOut {
    /// Only when the lease has `AutomaticallyMoveOutTenants` (default, the vendor reference's
    /// rule).
    #[default]
    WhenAutomatic,
    /// Whenever the lease has a `LeaseToDate`.
    Always,
    /// Never (a tenant shown as moved out still gets the lease end; see the crate docs).
    Never,
}

/// How a resident's external id is made from a Buildium tenant and lease.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ResidentKey {
    /// `TenantId` for the tenant's first lease in the property (lowest lease `Id`), and
    /// `TenantId:LeaseId` for each later lease of the same tenant in the property (default).
    /// Renting a second unit gives a second resident (R-KEY-3) without re-keying the first.
    #[default]
    TenantFirstLease,
    /// Always `TenantId:LeaseId`. Needs no tenant look-up for tenants embedded in their lease, but
    /// a tenant who signs a new lease becomes a new resident.
    TenantAndLease,
}

/// How to reach a Buildium account, and the mapping choices.
///
/// Build it with [`BuildiumConfig::new`] and adjust the public fields. `Debug` prints the client
/// secret as `<redacted>`.
///
/// ```
/// use concierge_buildium::{BuildiumConfig, SANDBOX_BASE_URL};
/// use concierge_http::SecretString;
///
/// let mut config = BuildiumConfig::new("client-id", SecretString::from("client-secret"));
/// config.base_url = SANDBOX_BASE_URL.to_string();
/// config.page_size = 500;
/// assert!(!format!("{config:?}").contains("client-secret"));
/// ```
///
/// It deserialises (from JSON, TOML, or a binding's dictionary) from the shape of its JSON
/// schema ([`schemars::JsonSchema`]): `client_id` and `client_secret` required, every other
/// field optional with the default of [`BuildiumConfig::new`], the timeout as a number of
/// seconds (`timeout_seconds`), unknown keys refused.
#[derive(Clone, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    description = "How to reach a Buildium account, and the mapping choices: \
    `client_id` and `client_secret` required, every other field optional with its default, \
    unknown keys refused."
)]
#[non_exhaustive]
pub struct BuildiumConfig {
    /// The API's base URL, without the `/v1` version. Default `https://api.buildium.com`
    /// (`DEFAULT_BASE_URL`); the sandbox is `https://apisandbox.buildium.com`
    /// (`SANDBOX_BASE_URL`).
    #[serde(default = "defaults::base_url")]
    pub base_url: String,
    /// Sent in `x-buildium-client-id`.
    pub client_id: String,
    /// Sent in `x-buildium-client-secret`. Never logged, printed or put in an error.
    #[schemars(with = "String")]
    pub client_secret: SecretString,
    /// Records per request (`limit`), 1 to 1000. Default 1000.
    #[serde(default = "defaults::page_size")]
    pub page_size: u32,
    /// Client-side rate limit in requests per second, at least 1; `None` (`null`) for no limit.
    /// Default `Some(10)` (10, Buildium's documented limit).
    #[serde(default = "defaults::rate_limit_per_sec")]
    pub rate_limit_per_sec: Option<u32>,
    /// The time one attempt may take; serialised as `timeout_seconds`, a number of seconds
    /// (fractions allowed). Default 30 s.
    #[serde(
        rename = "timeout_seconds",
        default = "defaults::timeout",
        with = "concierge_http::serde_duration::seconds"
    )]
    #[schemars(with = "f64")]
    pub timeout: Duration,
    /// Retries of timeouts, connection failures, 429 and 5xx (Buildium sends no `Retry-After`,
    /// so the transport backs off on its own). Default `RetryPolicy::default()`: 5 attempts,
    /// 200 ms initial backoff, 10 s maximum.
    #[serde(default)]
    pub retry: RetryPolicy,
    /// The longest query string sent; id lists are split to stay within it. Default 4096.
    /// \[assumed: the limit is documented; whether it counts the `?` is not, so it is kept
    /// inclusive of everything after it.\]
    #[serde(default = "defaults::max_query_len")]
    pub max_query_len: usize,
    /// Whether a full resident listing includes `Past` leases (their tenants come back with
    /// their real move-out dates). `false` sends `leasestatuses=Active&leasestatuses=Future`,
    /// cheaper for a long history. Incremental pulls always include every status. Default
    /// `true`. \[assumed\]
    #[serde(default = "defaults::include_past_leases")]
    pub include_past_leases: bool,
    /// The order of an incremental pull. Default `LeaseOrder::Id` (`id`). \[assumed\]
    #[serde(default)]
    pub incremental_order: LeaseOrder,
    /// Whether a unit's `BuildingName` is its building; `false` puts every unit in the property
    /// itself. Default `true`. \[assumed\]
    #[serde(default = "defaults::use_building_name")]
    pub use_building_name: bool,
    /// When `LeaseToDate` is the move-out date of a tenant without `MoveOutData`. Default
    /// `LeaseEndMoveOut::WhenAutomatic` (`when_automatic`). \[assumed\]
    #[serde(default)]
    pub lease_end_move_out: LeaseEndMoveOut,
    /// How residents' external ids are made. Default `ResidentKey::TenantFirstLease`
    /// (`tenant_first_lease`). \[assumed\]
    #[serde(default)]
    pub resident_key: ResidentKey,
}

/// The default of each field [`BuildiumConfig::new`] does not take, used by `new` and by
/// deserialisation alike. Fields whose default is their type's `Default` (the retry policy and
/// the enums) use that instead.
mod defaults {
    use super::*;

    pub(super) fn base_url() -> String {
        DEFAULT_BASE_URL.to_string()
    }

    pub(super) fn page_size() -> u32 {
        MAX_PAGE_SIZE
    }

    pub(super) fn rate_limit_per_sec() -> Option<u32> {
        Some(DEFAULT_RATE_LIMIT_PER_SEC)
    }

    pub(super) fn timeout() -> Duration {
        DEFAULT_TIMEOUT
    }

    pub(super) fn max_query_len() -> usize {
        DEFAULT_MAX_QUERY_LEN
    }

    pub(super) fn include_past_leases() -> bool {
        true
    }

    pub(super) fn use_building_name() -> bool {
        true
    }
}

impl BuildiumConfig {
    /// A configuration for the production API with every default.
    pub fn new(client_id: impl Into<String>, client_secret: SecretString) -> Self {
        Self {
            base_url: defaults::base_url(),
            client_id: client_id.into(),
            client_secret,
            page_size: defaults::page_size(),
            rate_limit_per_sec: defaults::rate_limit_per_sec(),
            timeout: defaults::timeout(),
            retry: RetryPolicy::default(),
            max_query_len: defaults::max_query_len(),
            include_past_leases: defaults::include_past_leases(),
            incremental_order: LeaseOrder::default(),
            use_building_name: defaults::use_building_name(),
            lease_end_move_out: LeaseEndMoveOut::default(),
            resident_key: ResidentKey::default(),
        }
    }

    /// Records every value `BuildiumPms::new` cannot work with in `checks`, each under
    /// `prefix` and the field's name (e.g. `buildium.page_size`). Messages name the rule, never
    /// the value.
    pub fn check(&self, prefix: &str, checks: &mut Checks) {
        let field = |name: &str| format!("{prefix}{name}");
        if self.client_id.trim().is_empty() {
            checks.fail(&field("client_id"), "must not be empty");
        }
        if self.client_secret.expose_secret().is_empty() {
            checks.fail(&field("client_secret"), "must not be empty");
        }
        if !(1..=MAX_PAGE_SIZE).contains(&self.page_size) {
            checks.fail(
                &field("page_size"),
                format!("must be between 1 and {MAX_PAGE_SIZE}"),
            );
        }
        concierge_http::check_transport(
            checks,
            &field("rate_limit_per_sec"),
            self.rate_limit_per_sec,
            &field("timeout_seconds"),
            self.timeout,
        );
        if self.max_query_len < MIN_QUERY_LEN {
            checks.fail(
                &field("max_query_len"),
                format!("must be at least {MIN_QUERY_LEN} characters"),
            );
        }
    }

    /// The values `BuildiumPms::new` cannot work with, as one message.
    pub(crate) fn problems(&self) -> Option<String> {
        let mut checks = Checks::new();
        self.check("", &mut checks);
        checks.finish().err().map(|e| e.to_string())
    }
}

/// Room for the paging parameters and one id list entry.
const MIN_QUERY_LEN: usize = 256;

impl fmt::Debug for BuildiumConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BuildiumConfig")
            .field("base_url", &concierge_http::redact_url(&self.base_url))
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("page_size", &self.page_size)
            .field("rate_limit_per_sec", &self.rate_limit_per_sec)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("max_query_len", &self.max_query_len)
            .field("include_past_leases", &self.include_past_leases)
            .field("incremental_order", &self.incremental_order)
            .field("use_building_name", &self.use_building_name)
            .field("lease_end_move_out", &self.lease_end_move_out)
            .field("resident_key", &self.resident_key)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_vendor_reference() {
        let c = BuildiumConfig::new("id", SecretString::from("s3cret-value"));
        assert_eq!(c.base_url, "https://api.buildium.com");
        assert_eq!(c.page_size, 1000);
        assert_eq!(c.rate_limit_per_sec, Some(10));
        assert_eq!(c.max_query_len, 4096);
        assert_eq!(c.timeout, Duration::from_secs(30));
        assert!(c.problems().is_none());
    }

    #[test]
    fn debug_redacts_the_client_secret() {
        let c = BuildiumConfig::new("id", SecretString::from("s3cret-value"));
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cret-value"), "{shown}");
        assert!(shown.contains("<redacted>"));
        assert!(shown.contains("\"id\""));
    }

    #[test]
    fn page_sizes_outside_1_to_1000_are_refused() {
        let mut c = BuildiumConfig::new("id", SecretString::from("s3cret-value"));
        c.page_size = 0;
        assert!(c.problems().is_some());
        c.page_size = 1001;
        assert!(c.problems().is_some());
        c.page_size = 1;
        assert!(c.problems().is_none());
    }

    #[test]
    fn deserialises_with_the_defaults_of_new_and_refuses_unknown_keys() {
        let c: BuildiumConfig = serde_json::from_value(serde_json::json!({
            "client_id": "id", "client_secret": "s3cret-value", "timeout_seconds": 5,
            "retry": {"max_attempts": 2}, "resident_key": "tenant_and_lease",
        }))
        .unwrap();
        assert_eq!(c.timeout, Duration::from_secs(5));
        assert_eq!(c.retry.max_attempts, 2);
        assert_eq!(c.retry.max_backoff, RetryPolicy::default().max_backoff);
        assert_eq!(c.resident_key, ResidentKey::TenantAndLease);
        assert_eq!(c.page_size, 1000);
        assert_eq!(c.rate_limit_per_sec, Some(10));
        let err = serde_json::from_value::<BuildiumConfig>(serde_json::json!({
            "client_id": "id", "client_secret": "s3cret-value", "page_sise": 5,
        }))
        .err()
        .unwrap();
        assert!(err.to_string().contains("page_sise"), "{err}");
    }

    fn from_json(extra: serde_json::Value) -> Result<BuildiumConfig, serde_json::Error> {
        let mut value = serde_json::json!({"client_id": "id", "client_secret": "s3cret-value"});
        for (k, v) in extra.as_object().unwrap() {
            value[k] = v.clone();
        }
        serde_json::from_value(value)
    }

    #[test]
    fn the_required_fields_alone_give_the_config_of_new() {
        let c = from_json(serde_json::json!({})).unwrap();
        let expected = BuildiumConfig::new("id", SecretString::from("s3cret-value"));
        assert_eq!(format!("{c:?}"), format!("{expected:?}"));
        assert_eq!(c.client_secret.expose_secret(), "s3cret-value");
        // Absent, the rate limit is Buildium's; `null` turns it off.
        assert_eq!(c.rate_limit_per_sec, Some(DEFAULT_RATE_LIMIT_PER_SEC));
        let unlimited = from_json(serde_json::json!({"rate_limit_per_sec": null})).unwrap();
        assert_eq!(unlimited.rate_limit_per_sec, None);
        assert!(unlimited.problems().is_none());
        let five = from_json(serde_json::json!({"rate_limit_per_sec": 5})).unwrap();
        assert_eq!(five.rate_limit_per_sec, Some(5));
        // The option that was replaced by `null` is an unknown key now.
        let err = from_json(serde_json::json!({"rate_limit_disabled": true}))
            .err()
            .unwrap();
        assert!(err.to_string().contains("rate_limit_disabled"), "{err}");
        // A missing required field is named.
        let err = serde_json::from_value::<BuildiumConfig>(serde_json::json!({"client_id": "id"}))
            .err()
            .unwrap();
        assert!(err.to_string().contains("client_secret"), "{err}");
    }

    #[test]
    fn the_timeout_is_a_number_of_seconds_fractions_allowed() {
        let c = from_json(serde_json::json!({"timeout_seconds": 0.5})).unwrap();
        assert_eq!(c.timeout, Duration::from_millis(500));
        let c = from_json(serde_json::json!({"timeout_seconds": 0})).unwrap();
        assert!(c.problems().unwrap().contains("timeout_seconds"));
        for bad in [
            serde_json::json!(-1),
            serde_json::json!(-0.5),
            serde_json::json!("30"),
        ] {
            let err = from_json(serde_json::json!({"timeout_seconds": bad}))
                .err()
                .unwrap_or_else(|| panic!("{bad} accepted"));
            assert!(!err.to_string().contains("s3cret-value"), "{err}");
        }
        // The Rust field keeps its name; only the serialised one says its unit.
        let err = from_json(serde_json::json!({"timeout": 5})).err().unwrap();
        assert!(err.to_string().contains("unknown field `timeout`"), "{err}");
    }

    #[test]
    fn a_non_finite_timeout_is_an_error_not_a_panic() {
        use serde::de::IntoDeserializer;
        for secs in [f64::NAN, f64::INFINITY, -1.0, 1e30] {
            let d: serde::de::value::F64Deserializer<serde::de::value::Error> =
                secs.into_deserializer();
            assert!(
                concierge_http::serde_duration::seconds::deserialize(d).is_err(),
                "{secs}"
            );
        }
    }

    #[test]
    fn the_schema_states_the_defaults_and_the_required_fields() {
        let schema = serde_json::to_value(schemars::schema_for!(BuildiumConfig)).unwrap();
        let props = &schema["properties"];
        assert_eq!(
            schema["required"],
            serde_json::json!(["client_id", "client_secret"])
        );
        assert_eq!(schema["additionalProperties"], serde_json::json!(false));
        assert_eq!(props["timeout_seconds"]["type"], "number");
        assert_eq!(props["timeout_seconds"]["default"], 30.0);
        assert_eq!(props["rate_limit_per_sec"]["default"], 10);
        assert_eq!(props["page_size"]["default"], 1000);
        assert_eq!(props["base_url"]["default"], DEFAULT_BASE_URL);
        assert!(props.get("timeout").is_none() && props.get("rate_limit_disabled").is_none());
    }
}
