//! Concierge's strata adapter for **StrataMax**: a company's buildings and each building's
//! contacts (owners, tenants, committee members) as neutral [`StrataBuilding`]s and
//! [`StrataUser`]s, over the shared transport [`concierge_http`] (API key header, retries
//! honouring `Retry-After`, a client-side rate limit, typed errors that never hold the key).
//!
//! StrataMax publishes no API: the wire model below is **assumed**, and every assumed element
//! is a setting of [`StrataMaxConfig`] or listed as fixed in the table.
//!
//! ```no_run
//! use concierge_core::{ListStrataBuildingsRequest, ListStrataUsersRequest, StrataProvider};
//! use concierge_http::SecretString;
//! use concierge_stratamax::{StrataMax, StrataMaxConfig};
//!
//! # async fn run() -> Result<(), concierge_core::ProviderError> {
//! let strata = StrataMax::new(StrataMaxConfig::new(SecretString::from("api-key")))?;
//! strata.check_connection().await?;
//! let buildings = strata.list_buildings(ListStrataBuildingsRequest::default()).await?;
//! for building in buildings.items.into_iter().flatten() {
//!     let users = strata
//!         .list_users(ListStrataUsersRequest { building: Some(building.external.clone()), cursor: None })
//!         .await?;
//!     println!("{}: {} users on the first page", building.name, users.items.len());
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Mapping
//!
//! | `StrataProvider` | StrataMax |
//! | --- | --- |
//! | `list_buildings` | `GET {prefix}/buildings?page=&pageSize=` (every status unless `building_status_filter`) |
//! | `get_building` | `GET {prefix}/buildings/{buildingId}` |
//! | `list_users` | `GET {prefix}/buildings/{buildingId}/contacts?page=&pageSize=` |
//! | [`StrataMax::check_connection`] | `GET {prefix}/ping` → `{"status":"ok"}` |
//!
//! Pages are 1-based; the cursor is the next page number. A listing ends at an empty `data`
//! array, or earlier, saving a request, once `(page - 1) * pageSize + data.len() >= totalCount`
//! (`pageSize` as the reply states it). A full read therefore costs `max(1, ceil(n / pageSize))`
//! requests per listing: with the default page size of 500, one request for the buildings and
//! one per building of up to 500 contacts.
//!
//! A building's name is `name`, else `planNumber`, else its id; its address
//! `line1, suburb STATE postcode`; `status` in `inactive_statuses` is inactive. A contact is one
//! user: `Owner` with `ownerOccupied: true` an owner-occupier, `false` an investor, `null` an
//! investor with the warning [`OCCUPANCY_UNKNOWN`]; `Tenant` a tenant with `tenancy`'s dates;
//! `committee.member: true` adds Committee. A contact with neither role is skipped; one without
//! `contactId`, lots or name is an `Err` item naming it without its data. Emails go through
//! [`concierge_core::strata::pick_emails`], names through
//! [`concierge_core::strata::split_display_name`].
//!
//! # Errors
//!
//! `{"error":{"code","message"}}` gives the vendor code and message. 401 (`invalid_api_key`) is
//! `Unauthorized` and never retried; 403 (`building_not_authorised`) `Forbidden`; 404
//! `NotFound`; 429 is retried after `Retry-After`; 500 and 503 with backoff; timeouts too.
//!
//! # Assumed (configurable)
//!
//! | element | assumed value | setting |
//! | --- | --- | --- |
//! | host | `https://ds.stratamax.com.au` | `base_url` |
//! | API key header | `X-Api-Key: <key>`, one key per company | `api_key_header` |
//! | path prefix | `/api/v1` | `api_prefix` |
//! | page size | at most 500 per page | `page_size` (default 500) |
//! | building filter | `status=Active` exists; we list all | `building_status_filter` |
//! | inactive statuses | `Lost`, `Inactive` | `inactive_statuses` |
//! | roles | `Owner`, `Tenant`; others ignored | `owner_roles`, `tenant_roles` |
//! | rate limit | 5 requests/s | `rate_limit_per_second` |
//! | timeouts, retries | 30 s; 5 attempts, `Retry-After` honoured | `timeout_seconds`, `retry` |
//! | paths, parameter and field names | as in the mapping above (`page`, `pageSize`, `data`, `totalCount`, `contactId`, ...) | fixed in `wire.rs` |
//! | error body | `{"error":{"code","message"}}` | fixed in `wire.rs` |
//! | end of listing | empty `data`, or `totalCount` reached | fixed |

mod config;
#[cfg(test)]
mod fuzz_tests;
mod map;
mod wire;

pub use config::{
    DEFAULT_API_KEY_HEADER, DEFAULT_API_PREFIX, DEFAULT_BASE_URL, DEFAULT_PAGE_SIZE,
    DEFAULT_RATE_LIMIT_PER_SECOND, DEFAULT_TIMEOUT, StrataMaxConfig,
};
pub use map::{OCCUPANCY_UNKNOWN, PROVIDER};

use async_trait::async_trait;
use concierge_core::{
    Cursor, ExternalRef, GetStrataBuildingRequest, ListStrataBuildingsRequest,
    ListStrataUsersRequest, Page, ProviderError, ProviderErrorKind, ProviderResult, StrataBuilding,
    StrataProvider, StrataUser,
};
use concierge_http::{Auth, ExposeSecret, HttpClient, SecretString, encode_path_segment};
use serde_json::Value;
use std::fmt;

/// The StrataMax adapter for one company. Cheap to clone; clones share the connection pool and
/// the rate limit. `Debug` prints `<redacted>` for the key.
#[derive(Clone)]
pub struct StrataMax {
    http: HttpClient,
    config: StrataMaxConfig,
}

impl fmt::Debug for StrataMax {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StrataMax")
            .field("http", &self.http)
            .field("config", &self.config)
            .finish()
    }
}

fn rejected(operation: &str, message: impl Into<String>) -> ProviderError {
    ProviderError::new(PROVIDER, operation, ProviderErrorKind::Rejected, message)
        .with_retryable(false)
}

impl StrataMax {
    /// An adapter for the company `config` describes. Fails (a configuration error, never
    /// holding the key) on an empty key, a zero page size or rate limit, or an invalid URL.
    pub fn new(config: StrataMaxConfig) -> Result<Self, ProviderError> {
        if let Some(problem) = config.problems() {
            return Err(ProviderError::configuration(PROVIDER, "new", problem));
        }
        let key = SecretString::from(config.api_key.expose_secret().to_owned());
        let mut builder = HttpClient::builder(PROVIDER, &config.base_url)
            .auth(Auth::headers([(config.api_key_header.trim(), key)]))
            .retry(config.retry)
            .timeout(config.timeout)
            .error_body(wire::error_body)
            .user_agent(concat!("concierge-stratamax/", env!("CARGO_PKG_VERSION")));
        if let Some(per_second) = config.rate_limit_per_second {
            builder = builder.rate_limit(per_second);
        }
        Ok(Self {
            http: builder.build()?,
            config,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &StrataMaxConfig {
        &self.config
    }

    fn path(&self, rest: &str) -> String {
        format!("{}{rest}", self.config.api_prefix.trim_end_matches('/'))
    }

    /// Test Connection: `GET {prefix}/ping` must answer `{"status":"ok"}`. A refused key is
    /// `Unauthorized`.
    pub async fn check_connection(&self) -> ProviderResult<()> {
        const OP: &str = "check_connection";
        let reply = self
            .http
            .get(OP, self.path("/ping"))
            .send_json::<Value>()
            .await?;
        match reply.body.get("status").and_then(Value::as_str) {
            Some(s) if s.eq_ignore_ascii_case("ok") => Ok(()),
            _ => Err(ProviderError::new(
                PROVIDER,
                OP,
                ProviderErrorKind::InvalidResponse,
                "the ping reply has no status \"ok\"",
            )),
        }
    }

    /// The building id of a reference of this provider.
    fn building_id<'a>(
        operation: &str,
        building: Option<&'a ExternalRef>,
    ) -> ProviderResult<&'a str> {
        let building = building.ok_or_else(|| rejected(operation, "a building is required"))?;
        if building.provider != PROVIDER || building.id.trim().is_empty() {
            return Err(rejected(
                operation,
                format!("{building} is not a StrataMax building"),
            ));
        }
        Ok(building.id.trim())
    }

    fn page_of(operation: &str, cursor: Option<&Cursor>) -> ProviderResult<u64> {
        match cursor {
            None => Ok(1),
            Some(c) => {
                c.0.parse::<u64>().ok().filter(|p| *p >= 1).ok_or_else(|| {
                    rejected(operation, "the cursor is not one this provider issued")
                })
            }
        }
    }

    /// One page of `path`: its records and the next page's cursor.
    async fn listing(
        &self,
        operation: &str,
        path: String,
        page: u64,
        filter: Option<(&str, &str)>,
    ) -> ProviderResult<(Vec<Value>, Option<Cursor>)> {
        let mut query = vec![
            ("page", page.to_string()),
            ("pageSize", self.config.page_size.to_string()),
        ];
        if let Some((name, value)) = filter {
            query.insert(0, (name, value.to_owned()));
        }
        let reply = self
            .http
            .get(operation, path)
            .query(&query)
            .send_json::<wire::PageReply>()
            .await?
            .body;
        let next = next_cursor(&reply, page, u64::from(self.config.page_size));
        Ok((reply.data, next))
    }
}

/// The cursor of the page after page `page` (from 1), whose reply is `reply`: none after an
/// empty page or once `totalCount` records are seen (pages of the reply's `pageSize`, else of
/// `default_size`).
pub(crate) fn next_cursor(reply: &wire::PageReply, page: u64, default_size: u64) -> Option<Cursor> {
    let size = reply.page_size.filter(|s| *s > 0).unwrap_or(default_size);
    let seen = (page - 1)
        .saturating_mul(size)
        .saturating_add(reply.data.len() as u64);
    let done = reply.data.is_empty() || reply.total_count.is_some_and(|total| seen >= total);
    // A page number at the end of the range (a forged cursor) has no next page.
    let next = page.checked_add(1)?;
    (!done).then(|| Cursor(next.to_string()))
}

#[async_trait]
impl StrataProvider for StrataMax {
    fn name(&self) -> &str {
        PROVIDER
    }

    async fn list_buildings(
        &self,
        req: ListStrataBuildingsRequest,
    ) -> ProviderResult<Page<StrataBuilding>> {
        const OP: &str = "list_buildings";
        let page = Self::page_of(OP, req.cursor.as_ref())?;
        let filter = self
            .config
            .building_status_filter
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| ("status", s));
        let (data, next) = self
            .listing(OP, self.path("/buildings"), page, filter)
            .await?;
        Ok(Page {
            items: data
                .into_iter()
                .map(|v| map::building(&self.config, v))
                .collect(),
            next,
        })
    }

    async fn get_building(&self, req: GetStrataBuildingRequest) -> ProviderResult<StrataBuilding> {
        const OP: &str = "get_building";
        let id = Self::building_id(OP, req.building.as_ref())?;
        let reply = self
            .http
            .get(
                OP,
                self.path(&format!("/buildings/{}", encode_path_segment(id))),
            )
            .send_json::<Value>()
            .await?;
        map::building(&self.config, reply.body).map_err(|e| {
            ProviderError::new(PROVIDER, OP, ProviderErrorKind::InvalidResponse, e.message)
        })
    }

    async fn list_users(&self, req: ListStrataUsersRequest) -> ProviderResult<Page<StrataUser>> {
        const OP: &str = "list_users";
        let id = Self::building_id(OP, req.building.as_ref())?;
        let building = ExternalRef::new(PROVIDER, id);
        let page = Self::page_of(OP, req.cursor.as_ref())?;
        let path = self.path(&format!("/buildings/{}/contacts", encode_path_segment(id)));
        let (data, next) = self.listing(OP, path, page, None).await?;
        Ok(Page {
            items: data
                .into_iter()
                .filter_map(|v| map::contact(&self.config, &building, v))
                .collect(),
            next,
        })
    }
}
