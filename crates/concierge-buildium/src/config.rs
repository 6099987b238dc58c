//! The adapter's configuration: connection settings plus every mapping choice the vendor
//! reference marks as an assumption.

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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
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
#[derive(Clone)]
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

    /// Checks the values `BuildiumPms::new` cannot work with.
    pub(crate) fn problems(&self) -> Option<String> {
        if self.client_id.trim().is_empty() {
            return Some("the client id is empty".into());
        }
        if self.client_secret.expose_secret().is_empty() {
            return Some("the client secret is empty".into());
        }
        if !(1..=MAX_PAGE_SIZE).contains(&self.page_size) {
            return Some(format!(
                "the page size must be between 1 and {MAX_PAGE_SIZE}, not {}",
                self.page_size
            ));
        }
        if self.max_query_len < MIN_QUERY_LEN {
            return Some(format!(
                "the longest query string must be at least {MIN_QUERY_LEN} characters"
            ));
        }
        None
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
}
