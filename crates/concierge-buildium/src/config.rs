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
/// field optional with the default of [`BuildiumConfig::new`], durations as plain numbers
/// (`timeout_seconds`), unknown keys refused.
#[derive(Clone, serde::Deserialize)]
#[serde(from = "BuildiumSettings")]
#[non_exhaustive]
pub struct BuildiumConfig {
    /// The API's base URL, without the `/v1` version. Default [`DEFAULT_BASE_URL`]; the
    /// sandbox is [`SANDBOX_BASE_URL`].
    pub base_url: String,
    /// Sent in `x-buildium-client-id`.
    pub client_id: String,
    /// Sent in `x-buildium-client-secret`. Never logged, printed or put in an error.
    pub client_secret: SecretString,
    /// Records per request (`limit`), 1 to 1000. Default 1000.
    pub page_size: u32,
    /// Client-side rate limit in requests per second; `None` for none. Default `Some(10)`.
    pub rate_limit_per_sec: Option<u32>,
    /// The time one attempt may take. Default 30 s.
    pub timeout: Duration,
    /// Retries of timeouts, connection failures, 429 and 5xx (Buildium sends no `Retry-After`,
    /// so the transport backs off on its own). Default [`RetryPolicy::default`].
    pub retry: RetryPolicy,
    /// The longest query string sent; id lists are split to stay within it. Default 4096.
    /// \[assumed: the limit is documented; whether it counts the `?` is not, so it is kept
    /// inclusive of everything after it.\]
    pub max_query_len: usize,
    /// Whether a full resident listing includes `Past` leases (their tenants come back with
    /// their real move-out dates). `false` sends `leasestatuses=Active&leasestatuses=Future`,
    /// cheaper for a long history. Incremental pulls always include every status. Default
    /// `true`. \[assumed\]
    pub include_past_leases: bool,
    /// The order of an incremental pull. Default [`LeaseOrder::Id`]. \[assumed\]
    pub incremental_order: LeaseOrder,
    /// Whether a unit's `BuildingName` is its building; `false` puts every unit in the property
    /// itself. Default `true`. \[assumed\]
    pub use_building_name: bool,
    /// When `LeaseToDate` is the move-out date of a tenant without `MoveOutData`. Default
    /// [`LeaseEndMoveOut::WhenAutomatic`]. \[assumed\]
    pub lease_end_move_out: LeaseEndMoveOut,
    /// How residents' external ids are made. Default [`ResidentKey::TenantFirstLease`].
    /// \[assumed\]
    pub resident_key: ResidentKey,
}

impl BuildiumConfig {
    /// A configuration for the production API with every default.
    pub fn new(client_id: impl Into<String>, client_secret: SecretString) -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_string(),
            client_id: client_id.into(),
            client_secret,
            page_size: MAX_PAGE_SIZE,
            rate_limit_per_sec: Some(DEFAULT_RATE_LIMIT_PER_SEC),
            timeout: DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
            max_query_len: DEFAULT_MAX_QUERY_LEN,
            include_past_leases: true,
            incremental_order: LeaseOrder::default(),
            use_building_name: true,
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
        if self.rate_limit_per_sec == Some(0) {
            checks.fail(
                &field("rate_limit_per_sec"),
                "must be at least 1 (or absent for no limit)",
            );
        }
        if self.timeout.is_zero() {
            checks.fail(&field("timeout_seconds"), "must be positive");
        }
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

/// The serialised form of a [`BuildiumConfig`]. Absent fields take the defaults of
/// [`BuildiumConfig::new`].
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "BuildiumConfig")]
struct BuildiumSettings {
    /// The API's base URL, without the `/v1` version. Default `https://api.buildium.com`; the
    /// sandbox is `https://apisandbox.buildium.com`.
    base_url: Option<String>,
    /// Sent in `x-buildium-client-id`.
    client_id: String,
    /// Sent in `x-buildium-client-secret`. Never logged, printed or put in an error.
    #[schemars(with = "String")]
    client_secret: SecretString,
    /// Records per request (`limit`), 1 to 1000. Default 1000.
    page_size: Option<u32>,
    /// Client-side rate limit in requests per second. Default 10. `rate_limit_disabled` turns
    /// it off.
    rate_limit_per_sec: Option<u32>,
    /// No client-side rate limit at all. Default false.
    rate_limit_disabled: Option<bool>,
    /// The time one attempt may take, in seconds. Default 30.
    timeout_seconds: Option<u64>,
    /// Retries of timeouts, connection failures, 429 and 5xx. Default: 5 attempts, 200 ms
    /// initial backoff, 10 s maximum.
    retry: Option<RetryPolicy>,
    /// The longest query string sent; id lists are split to stay within it. Default 4096.
    max_query_len: Option<usize>,
    /// Whether a full resident listing includes `Past` leases. Default true.
    include_past_leases: Option<bool>,
    /// The order of an incremental pull. Default `id`.
    incremental_order: Option<LeaseOrder>,
    /// Whether a unit's `BuildingName` is its building. Default true.
    use_building_name: Option<bool>,
    /// When `LeaseToDate` is the move-out date of a tenant without `MoveOutData`. Default
    /// `when_automatic`.
    lease_end_move_out: Option<LeaseEndMoveOut>,
    /// How residents' external ids are made. Default `tenant_first_lease`.
    resident_key: Option<ResidentKey>,
}

impl From<BuildiumSettings> for BuildiumConfig {
    fn from(s: BuildiumSettings) -> Self {
        let mut c = BuildiumConfig::new(s.client_id, s.client_secret);
        if let Some(v) = s.base_url {
            c.base_url = v;
        }
        if let Some(v) = s.page_size {
            c.page_size = v;
        }
        if let Some(v) = s.rate_limit_per_sec {
            c.rate_limit_per_sec = Some(v);
        }
        if s.rate_limit_disabled == Some(true) {
            c.rate_limit_per_sec = None;
        }
        if let Some(v) = s.timeout_seconds {
            c.timeout = Duration::from_secs(v);
        }
        if let Some(v) = s.retry {
            c.retry = v;
        }
        if let Some(v) = s.max_query_len {
            c.max_query_len = v;
        }
        if let Some(v) = s.include_past_leases {
            c.include_past_leases = v;
        }
        if let Some(v) = s.incremental_order {
            c.incremental_order = v;
        }
        if let Some(v) = s.use_building_name {
            c.use_building_name = v;
        }
        if let Some(v) = s.lease_end_move_out {
            c.lease_end_move_out = v;
        }
        if let Some(v) = s.resident_key {
            c.resident_key = v;
        }
        c
    }
}

impl schemars::JsonSchema for BuildiumConfig {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        BuildiumSettings::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        BuildiumSettings::json_schema(generator)
    }
}

/// Room for the paging parameters and one id list entry.
const MIN_QUERY_LEN: usize = 256;

impl fmt::Debug for BuildiumConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BuildiumConfig")
            .field("base_url", &self.base_url)
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
}
