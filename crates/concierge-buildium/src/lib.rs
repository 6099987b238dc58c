//! Concierge's PMS adapter for the [Buildium Open API v1](https://developer.buildium.com):
//! rental properties, their units, and the tenants of their leases as residents, over the shared
//! transport [`concierge_http`] (auth headers, retries with backoff, a 10 requests/s client-side
//! limit, typed [`ProviderError`]s that never contain the client secret).
//!
//! # Quick start
//!
//! ```no_run
//! use concierge_buildium::{BuildiumConfig, BuildiumPms, SANDBOX_BASE_URL};
//! use concierge_core::{ListPmsResidentsRequest, PmsProvider, ProviderError};
//! use concierge_http::SecretString;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), ProviderError> {
//!     let mut config = BuildiumConfig::new(
//!         std::env::var("BUILDIUM_CLIENT_ID").unwrap_or_default(),
//!         SecretString::from(std::env::var("BUILDIUM_CLIENT_SECRET").unwrap_or_default()),
//!     );
//!     config.base_url = SANDBOX_BASE_URL.to_string();
//!     let pms = BuildiumPms::new(config)?;
//!
//!     // Every resident of the first property, page by page.
//!     let properties = pms.list_properties(Default::default()).await?;
//!     let Some(Ok(property)) = properties.items.into_iter().next() else { return Ok(()) };
//!     let mut cursor = None;
//!     loop {
//!         let page = pms
//!             .list_residents(ListPmsResidentsRequest {
//!                 properties: vec![property.external.clone()],
//!                 updated_since: None,
//!                 cursor,
//!             })
//!             .await?;
//!         for item in page.items {
//!             match item {
//!                 Ok(r) => println!("{} {} in unit {}", r.first_name, r.last_name, r.unit.id),
//!                 Err(e) => eprintln!("unreadable: {}", e.message),
//!             }
//!         }
//!         match page.next {
//!             Some(next) => cursor = Some(next),
//!             None => break,
//!         }
//!     }
//!     Ok(())
//! }
//! ```
//!
//! # Mapping
//!
//! | `PmsProvider` | Buildium |
//! | --- | --- |
//! | `list_properties` | `GET /v1/rentals?orderby=Id` — a property is a rental property; its name is `Name` (else the address, else `Rental <Id>`) |
//! | `list_units(properties)` | `GET /v1/rentals/units?propertyids=<id>&propertyids=<id>…&orderby=PropertyId,Id` — `building_name` is `BuildingName`, `None` when empty (the sync then uses the property); no floor |
//! | `list_residents(properties, updated_since)` | `GET /v1/leases?propertyids=<id>…&orderby=PropertyId,Id` (+ `lastupdatedfrom=YYYY-MM-DDTHH:MM:SSZ` when incremental), plus tenant look-ups (below) |
//!
//! **Many properties at once.** A listing names any number of properties
//! ([`PmsProvider::properties_per_listing`]): their ids are sent as repeated `propertyids`, split
//! into chunks whose query string stays under the 4,096-character limit (about 200 ids each),
//! listed chunk after chunk. Ordering by `PropertyId,Id` keeps each property's records together,
//! as the sync requires. The cursor says the chunk, the offset, and (for a full listing of
//! leases) the tenants already shown of the property the previous page ended in.
//!
//! Every list is paged with `limit` (the configured page size, at most 1000) and `offset`; the
//! cursor carries the next offset, issued while it is below `X-Total-Count` (without that header,
//! while pages come back full). Every `orderby` ends in `Id`, Buildium's unique key, so pages are
//! stable.
//!
//! **Residents.** One resident per (tenant, lease), for every entry of the lease's `Tenants[]`
//! (future, current and moved-out tenants alike; the sync derives the phase from the dates):
//!
//! - **unit**: the lease's `UnitId`;
//! - **move-in**: the tenant's `Tenants[].MoveInDate`, else `LeaseFromDate`;
//! - **move-out**: the tenant's `MoveOutData[].MoveOutDate`; else `LeaseToDate` when the lease has
//!   `AutomaticallyMoveOutTenants` ([`LeaseEndMoveOut`]); else, for a tenant Buildium shows as
//!   moved out (`Status: MovedOut`, or a `Past` lease) but without a date, the earlier of
//!   `LeaseToDate` and the day of the lease's `LastUpdatedDateTime` (a tenant who left a running
//!   lease must not stay until its end); else none;
//! - **role**: `Primary` for the lease's first tenant, `Secondary` for the others (cosigners are
//!   guarantors and are not residents);
//! - **names, email, phone**: the tenant's `FirstName`, `LastName`, `Email` and the first
//!   `PhoneNumbers[].Number`, as sent (the sync validates them);
//! - **updated_at**: the lease's `LastUpdatedDateTime` (only leases carry one);
//! - **external id** ([`ResidentKey`]): the tenant's `Id` for their first lease in the property
//!   (lowest lease `Id`), and `TenantId:LeaseId` for any later lease of the same tenant in the
//!   property, whether on another unit (two residents, two keys: R-KEY-3) or on the same unit
//!   again. The first lease keeps the plain id so that renting a second unit never re-keys the
//!   resident already synced (a changed id would move them out and create a new resident). A full
//!   listing of every lease (past ones included) in property-then-`Id` order shows each tenant's
//!   first lease in a property before any later one, so it needs nothing else; an incremental pull
//!   reads the tenant's leases from `TenantMessage.Leases[]` and from the page itself;
//! - **contact details**: a tenant who left (`MovedOut`, or on a `Past` lease) and is not
//!   embedded in the lease is listed with `contact_listed: false` and no names: the sync only
//!   needs their dates, and keeps the details it has.
//!
//! **Tenant look-ups and request cost.** A lease embeds its `CurrentTenants` (contact details)
//! but only the ids of its other tenants, and an embedded tenant may come without its `Leases[]`.
//! Per page of leases the adapter therefore fetches the `TenantMessage` of every tenant it needs
//! and the page does not give: a tenant who has not left and is not embedded (their details are
//! needed to import them), and, in an incremental pull, a tenant whose leases the key needs. It
//! fetches them in the cheaper of two ways:
//!
//! - one `GET /v1/leases/tenants?unitids=…&orderby=Id` per chunk of their units (chunked so no
//!   query string passes 4,096 characters, about 250 unit ids per request; paged if a chunk's
//!   units have more than 1000 tenants in their history), then `GET /v1/leases/tenants/{id}` for
//!   any tenant that listing missed; or
//! - `GET /v1/leases/tenants/{id}` per tenant, when there are no more tenants to fetch than
//!   chunks (a small incremental pull).
//!
//! `leasetermstatuses` is not used: a tenant who moved out of a still-`Active` lease is under an
//! `Active` term, so no status filter selects exactly the tenants missing from `CurrentTenants`.
//!
//! So a full sync of a portfolio costs `ceil(units / 1000)` unit requests and `ceil(leases /
//! 1000)` lease requests per chunk of ~200 properties, and no tenant request when the leases
//! embed their current and future tenants (the simulator's tests check these counts): about 200
//! requests for 100,000 residents over 1,000 properties, 20 seconds at the default 10 requests
//! per second. An incremental pull costs one lease request per chunk plus, when some tenant of
//! the changed leases is not embedded with their leases, `min(tenants to fetch, unit chunks)`
//! tenant requests: usually one.
//!
//! An item that cannot be read or mapped is an `Err(RecordError)` inside its page, never a failed
//! page: a lease without `Id` or `UnitId`, or with unreadable dates, is one error naming the
//! lease; a tenant entry, tenant message or move-out date that cannot be read fails only that
//! resident. Messages name the record and the field, never the record's values.
//!
//! # Errors
//!
//! Buildium's `ApiErrorResponse` (`UserMessage`, `ErrorCode`, `Errors[{Key, Value}]`) becomes the
//! error message. The transport maps 401 to `Unauthorized`, 403 `Forbidden`, 404 `NotFound`, 429
//! `RateLimited`, 5xx `Unavailable` and other 4xx `Rejected`, and retries timeouts, connection
//! failures, 429 and 5xx with exponential backoff (Buildium sends no `Retry-After`). A tenant
//! look-up answering 404 (deleted meanwhile) fails only that tenant's residents.
//!
//! # Assumptions
//!
//! What the vendor reference marks \[assumed\], and this adapter's own choices, each
//! configurable on [`BuildiumConfig`] where a choice exists:
//!
//! - a site is a rental property, a building is a unit's `BuildingName`, or the property when it is
//!   empty ([`BuildiumConfig::use_building_name`]); Buildium has no floor;
//! - a resident is a lease tenant; move-in and move-out as above
//!   ([`BuildiumConfig::lease_end_move_out`]); the fallback move-out of a moved-out tenant without
//!   any date is the adapter's own;
//! - external ids as above ([`BuildiumConfig::resident_key`]);
//! - a full listing includes `Past` leases so that moved-out tenants come back with their real
//!   move-out dates ([`BuildiumConfig::include_past_leases`]);
//! - incremental pulls are ordered by `PropertyId,Id`, not `PropertyId,LastUpdatedDateTime
//!   asc,Id asc`, because an edit during the pull would move a lease across the offset
//!   ([`BuildiumConfig::incremental_order`]);
//! - `orderby=PropertyId,Id` is accepted on units and leases (the spec lets `orderby` name any
//!   field of the message; `PropertyId` is one) and keeps each property's records together;
//! - a lease's tenants who left, when not in `CurrentTenants`, need no contact details;
//! - the 4,096-character query limit counts everything after the `?`
//!   ([`BuildiumConfig::max_query_len`]);
//! - 10 requests per second, evenly spaced ([`BuildiumConfig::rate_limit_per_sec`]); retries per
//!   [`BuildiumConfig::retry`];
//! - date-times without an offset are UTC; a date-time where a date is expected counts by its
//!   date part;
//! - deletions never show in a listing's filters; the sync's full listing reconciles them. A lease
//!   deleted while a listing pages can shift one lease past the cursor until the next full
//!   listing, and deleting a tenant's first lease in a property moves the plain tenant id to
//!   their next lease there;
//! - a `Future` tenant entry without `MoveInDate` moves in on `LeaseFromDate`, even on a lease
//!   that already started (Buildium gives no other date).

mod config;
mod cursor;
#[cfg(test)]
mod fuzz_tests;
mod map;
pub mod webhook;
mod wire;

pub use config::{
    BuildiumConfig, DEFAULT_BASE_URL, DEFAULT_MAX_QUERY_LEN, DEFAULT_RATE_LIMIT_PER_SEC,
    DEFAULT_TIMEOUT, LeaseEndMoveOut, LeaseOrder, MAX_PAGE_SIZE, ResidentKey, SANDBOX_BASE_URL,
};

use async_trait::async_trait;
use concierge_core::{
    Cursor, ExternalRef, ListPmsPropertiesRequest, ListPmsResidentsRequest, ListPmsUnitsRequest,
    Page, PmsProperty, PmsProvider, PmsResident, PmsUnit, ProviderError, ProviderErrorKind,
    ProviderResult, RecordError,
};
use concierge_http::{Auth, ExposeSecret, HeaderMap, HttpClient, SecretString};
use cursor::Position;
use map::{Carry, FirstLease, Lease, PROVIDER, PageContext, Tenant};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

const RENTALS: &str = "/v1/rentals";
const UNITS: &str = "/v1/rentals/units";
const LEASES: &str = "/v1/leases";
const TENANTS: &str = "/v1/leases/tenants";

/// The Buildium PMS adapter. Cheap to clone; clones share the connection pool and the rate
/// limit.
#[derive(Clone)]
pub struct BuildiumPms {
    http: HttpClient,
    config: BuildiumConfig,
}

impl fmt::Debug for BuildiumPms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BuildiumPms")
            .field("http", &self.http)
            .field("config", &self.config)
            .finish()
    }
}

/// One page of a Buildium listing.
struct Listing {
    items: Vec<wire::Raw>,
    /// The offset of the next page, if there is one.
    next: Option<u64>,
}

/// The `orderby` of every listing over properties: each property's records together, in `Id`
/// order (Buildium's unique key, so pages are stable).
const BY_PROPERTY: &str = "PropertyId,Id";

/// A chunk's query (its `propertyids` and the rest), its property ids, and how many chunks the
/// listing has.
type ChunkQuery = (Vec<(&'static str, String)>, Vec<i64>, usize);

/// How many properties one listing names at most: the query-length limit, not this, is what
/// chunks `propertyids` in practice (about 200 ids per request).
const PROPERTIES_PER_LISTING: usize = 100_000;

impl BuildiumPms {
    /// An adapter for the account `config` describes. Fails (kind `Other`) on an empty client id
    /// or secret, a page size outside 1 to 1000, an invalid base URL or a zero rate limit; the
    /// error never contains the secret.
    pub fn new(config: BuildiumConfig) -> Result<Self, ProviderError> {
        if let Some(problem) = config.problems() {
            return Err(ProviderError::new(
                PROVIDER,
                "new",
                ProviderErrorKind::Other,
                problem,
            ));
        }
        let mut builder = HttpClient::builder(PROVIDER, &config.base_url)
            .auth(Auth::headers([
                (
                    "x-buildium-client-id",
                    SecretString::from(config.client_id.clone()),
                ),
                (
                    "x-buildium-client-secret",
                    SecretString::from(config.client_secret.expose_secret().to_string()),
                ),
            ]))
            .retry(config.retry)
            .timeout(config.timeout)
            .error_body(wire::api_error)
            .user_agent(concat!("concierge-buildium/", env!("CARGO_PKG_VERSION")));
        if let Some(per_second) = config.rate_limit_per_sec {
            builder = builder.rate_limit(per_second);
        }
        Ok(Self {
            http: builder.build()?,
            config,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &BuildiumConfig {
        &self.config
    }

    fn error(operation: &str, kind: ProviderErrorKind, message: String) -> ProviderError {
        ProviderError::new(PROVIDER, operation, kind, message)
    }

    /// The Buildium id of a property reference: a positive int32, as Buildium's ids are (its
    /// OpenAPI file declares them `int32`). Anything else is refused before any request, as a
    /// `Rejected`, not retryable error naming the field `pms_property_id`.
    fn property_id(operation: &str, property: &ExternalRef) -> ProviderResult<i64> {
        if property.provider != PROVIDER {
            return Err(Self::error(
                operation,
                ProviderErrorKind::Rejected,
                format!("{property} is not a Buildium property"),
            ));
        }
        property
            .id
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|id| *id > 0)
            .map(i64::from)
            .ok_or_else(|| {
                Self::error(
                    operation,
                    ProviderErrorKind::Rejected,
                    format!(
                        "pms_property_id: {property} is not a Buildium property id \
                         (a whole number from 1 to {})",
                        i32::MAX
                    ),
                )
                .with_retryable(false)
            })
    }

    /// The Buildium ids of the requested properties, ascending and once each (at least one).
    fn property_ids(operation: &str, properties: &[ExternalRef]) -> ProviderResult<Vec<i64>> {
        if properties.is_empty() {
            return Err(Self::error(
                operation,
                ProviderErrorKind::Rejected,
                "a property is required".into(),
            ));
        }
        let ids: BTreeSet<i64> = properties
            .iter()
            .map(|p| Self::property_id(operation, p))
            .collect::<ProviderResult<_>>()?;
        Ok(ids.into_iter().collect())
    }

    fn position(operation: &str, cursor: Option<&Cursor>) -> ProviderResult<Position> {
        Position::parse(cursor).ok_or_else(|| {
            Self::error(
                operation,
                ProviderErrorKind::Rejected,
                "the cursor is not one this provider issued".into(),
            )
        })
    }

    /// The offset of a listing without chunks (the properties listing).
    fn offset(operation: &str, cursor: Option<&Cursor>) -> ProviderResult<u64> {
        match Self::position(operation, cursor)? {
            Position {
                chunk: 0,
                offset,
                carry: None,
            } => Ok(offset),
            _ => Err(Self::error(
                operation,
                ProviderErrorKind::Rejected,
                "the cursor is not one this provider issued".into(),
            )),
        }
    }

    /// Checks that a page's readable records (`properties`: their `PropertyId`s, in order) keep
    /// the listing in ascending `PropertyId` order, from where the previous page ended; returns
    /// the property it ends in. A listing Buildium did not order by
    /// property is refused (not retryable): the sync finishes a property, moving out whom it did
    /// not list, when the listing moves past it, so records out of order must never reach it.
    fn check_order(
        operation: &str,
        properties: impl IntoIterator<Item = i64>,
        position: &Position,
    ) -> ProviderResult<Option<i64>> {
        let mut last = position.carry.as_ref().map(|c| c.property);
        for property in properties {
            if last.is_some_and(|l| property < l) {
                return Err(Self::error(
                    operation,
                    ProviderErrorKind::Other,
                    format!(
                        "Buildium did not order the listing by PropertyId (property {property} \
                         came after {}); refused rather than risk moving residents out",
                        last.unwrap_or_default()
                    ),
                )
                .with_retryable(false));
            }
            last = Some(property);
        }
        Ok(last)
    }

    /// The chunk of property ids a position pages, with the query that names them and `base`.
    fn chunk_query(
        &self,
        operation: &str,
        path: &str,
        base: &[(&'static str, String)],
        ids: &[i64],
        position: &Position,
    ) -> ProviderResult<ChunkQuery> {
        let chunks = self.chunk_ids(path, base, "propertyids", ids);
        let count = chunks.len();
        let chunk = chunks.into_iter().nth(position.chunk).ok_or_else(|| {
            Self::error(
                operation,
                ProviderErrorKind::Rejected,
                "the cursor is not one this provider issued".into(),
            )
        })?;
        let mut query: Vec<(&'static str, String)> = chunk
            .iter()
            .map(|id| ("propertyids", id.to_string()))
            .collect();
        query.extend(base.iter().cloned());
        Ok((query, chunk, count))
    }

    /// One page of `path` from `offset`, with `query` (which holds the `orderby`).
    async fn listing(
        &self,
        operation: &str,
        path: &str,
        mut query: Vec<(&'static str, String)>,
        offset: u64,
    ) -> ProviderResult<Listing> {
        let limit = self.config.page_size;
        query.push(("limit", limit.to_string()));
        query.push(("offset", offset.to_string()));
        let request = self.http.get(operation, path).query(&query);
        if request.query_string_len() > self.config.max_query_len {
            return Err(Self::error(
                operation,
                ProviderErrorKind::Other,
                format!(
                    "the query string of {path} would exceed {} characters",
                    self.config.max_query_len
                ),
            ));
        }
        let reply = request.send_json::<Vec<wire::Raw>>().await?;
        let end = offset + reply.body.len() as u64;
        let more = match total_count(&reply.headers) {
            Some(total) => !reply.body.is_empty() && end < total,
            None => reply.body.len() as u64 >= u64::from(limit),
        };
        Ok(Listing {
            items: reply.body,
            next: more.then_some(end),
        })
    }

    /// Splits `ids` (sent as repeated `name` parameters with `base`, which holds the `orderby`,
    /// and the paging parameters) into chunks whose query string stays within the configured
    /// limit, measured with the transport's own encoding.
    fn chunk_ids(
        &self,
        path: &str,
        base: &[(&'static str, String)],
        name: &'static str,
        ids: &[i64],
    ) -> Vec<Vec<i64>> {
        let fixed: Vec<(&str, String)> = base
            .iter()
            .cloned()
            .chain([
                ("limit", self.config.page_size.to_string()),
                // The widest offset a chunk's paging can send.
                ("offset", u64::from(u32::MAX).to_string()),
            ])
            .collect();
        let fresh = || self.http.get("measure", path).query(&fixed);
        let mut chunks = Vec::new();
        let mut current: Vec<i64> = Vec::new();
        let mut request = fresh();
        for &id in ids {
            request = request.query(&[(name, id.to_string())]);
            if request.query_string_len() > self.config.max_query_len && !current.is_empty() {
                chunks.push(std::mem::take(&mut current));
                request = fresh().query(&[(name, id.to_string())]);
            }
            current.push(id);
        }
        if !current.is_empty() {
            chunks.push(current);
        }
        chunks
    }

    /// The `TenantMessage`s of `needed` (tenant id to the units of their leases on the page).
    async fn look_up_tenants(
        &self,
        operation: &str,
        needed: &BTreeMap<i64, BTreeSet<i64>>,
    ) -> ProviderResult<HashMap<i64, Result<Tenant, String>>> {
        let mut found: HashMap<i64, Result<Tenant, String>> = HashMap::new();
        if needed.is_empty() {
            return Ok(found);
        }
        let units: Vec<i64> = needed
            .values()
            .flatten()
            .copied()
            .collect::<BTreeSet<i64>>()
            .into_iter()
            .collect();
        let chunks = self.chunk_ids(TENANTS, &[("orderby", "Id".into())], "unitids", &units);
        let by_units = needed.len() > chunks.len();
        if by_units {
            for chunk in &chunks {
                self.tenants_of_units(operation, chunk, needed, &mut found)
                    .await?;
            }
        }
        let mut by_id = 0usize;
        for &tenant_id in needed.keys() {
            if found.contains_key(&tenant_id) {
                continue;
            }
            by_id += 1;
            let path = format!("{TENANTS}/{tenant_id}");
            let tenant = match self
                .http
                .get(operation, path)
                .send_json::<wire::Raw>()
                .await
            {
                Ok(reply) => map::tenant(&reply.body),
                Err(e) if e.kind == ProviderErrorKind::NotFound => {
                    Err("Buildium has no such tenant (deleted?)".into())
                }
                Err(e) => return Err(e),
            };
            found.insert(tenant_id, tenant);
        }
        tracing::debug!(
            tenants = needed.len(),
            unit_chunks = if by_units { chunks.len() } else { 0 },
            by_id,
            "buildium tenant look-ups"
        );
        Ok(found)
    }

    /// Every tenant of `units` that is in `needed`, from the tenant listing, page by page.
    async fn tenants_of_units(
        &self,
        operation: &str,
        units: &[i64],
        needed: &BTreeMap<i64, BTreeSet<i64>>,
        found: &mut HashMap<i64, Result<Tenant, String>>,
    ) -> ProviderResult<()> {
        let mut offset = 0;
        loop {
            let mut query: Vec<(&'static str, String)> =
                units.iter().map(|id| ("unitids", id.to_string())).collect();
            query.push(("orderby", "Id".into()));
            let page = self.listing(operation, TENANTS, query, offset).await?;
            for raw in page.items {
                let tenant = map::tenant(&raw);
                let id = match &tenant {
                    Ok(t) => Some(t.id),
                    Err(_) => wire::raw_id(&raw),
                };
                if let Some(id) = id.filter(|id| needed.contains_key(id)) {
                    found.insert(id, tenant);
                }
            }
            match page.next {
                Some(next) => offset = next,
                None => return Ok(()),
            }
        }
    }
}

/// `X-Total-Count`, when present and numeric.
fn total_count(headers: &HeaderMap) -> Option<u64> {
    headers
        .get("x-total-count")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

#[async_trait]
impl PmsProvider for BuildiumPms {
    fn check_property_id(&self, id: &str) -> std::result::Result<(), String> {
        match id.trim().parse::<i32>() {
            Ok(id) if id > 0 => Ok(()),
            _ => Err(format!(
                "must be a Buildium property id: a whole number from 1 to {}",
                i32::MAX
            )),
        }
    }

    fn name(&self) -> &str {
        PROVIDER
    }

    /// `GET /v1/rentals?orderby=Id`.
    async fn list_properties(
        &self,
        req: ListPmsPropertiesRequest,
    ) -> ProviderResult<Page<PmsProperty>> {
        let operation = "list_properties";
        let offset = Self::offset(operation, req.cursor.as_ref())?;
        let query = vec![("orderby", "Id".to_string())];
        let page = self.listing(operation, RENTALS, query, offset).await?;
        Ok(Page {
            items: page.items.iter().map(|raw| map::property(raw)).collect(),
            next: page.next.map(|offset| Cursor(offset.to_string())),
        })
    }

    /// Many: `propertyids` takes as many as fit in a query string, and a listing ordered by
    /// `PropertyId,Id` keeps each property's records together.
    fn properties_per_listing(&self) -> usize {
        PROPERTIES_PER_LISTING
    }

    /// `GET /v1/rentals/units?propertyids=<id>&…&orderby=PropertyId,Id`, chunk by chunk.
    async fn list_units(&self, req: ListPmsUnitsRequest) -> ProviderResult<Page<PmsUnit>> {
        let operation = "list_units";
        let ids = Self::property_ids(operation, &req.properties)?;
        let position = Self::position(operation, req.cursor.as_ref())?;
        let base = [("orderby", BY_PROPERTY.to_string())];
        let (query, chunk, chunks) = self.chunk_query(operation, UNITS, &base, &ids, &position)?;
        let page = self
            .listing(operation, UNITS, query, position.offset)
            .await?;
        let listed = (chunk.len() == 1).then(|| chunk[0]);
        let items: Vec<Result<PmsUnit, RecordError>> = page
            .items
            .iter()
            .map(|raw| map::unit(raw, &self.config, listed))
            .collect();
        let properties = items
            .iter()
            .flatten()
            .filter_map(|u| u.property.id.parse().ok());
        let last = Self::check_order(operation, properties, &position)?;
        Ok(Page {
            items,
            next: position
                .next(page.next, chunks, last.map(Carry::of))
                .map(|p| p.cursor()),
        })
    }

    /// `GET /v1/leases?propertyids=<id>&…&orderby=PropertyId,Id` (`lastupdatedfrom` when
    /// incremental), chunk by chunk, and the tenants the leases do not embed.
    async fn list_residents(
        &self,
        req: ListPmsResidentsRequest,
    ) -> ProviderResult<Page<PmsResident>> {
        let operation = "list_residents";
        let ids = Self::property_ids(operation, &req.properties)?;
        let position = Self::position(operation, req.cursor.as_ref())?;
        let mut base: Vec<(&'static str, String)> = Vec::new();
        let orderby = match req.updated_since {
            Some(since) => {
                base.push(("lastupdatedfrom", wire::format_timestamp(since)));
                format!("PropertyId,{}", self.config.incremental_order.orderby())
            }
            None => {
                if !self.config.include_past_leases {
                    base.push(("leasestatuses", "Active".into()));
                    base.push(("leasestatuses", "Future".into()));
                }
                BY_PROPERTY.to_string()
            }
        };
        base.push(("orderby", orderby));
        // A full listing of every lease in property-then-Id order shows each tenant's first
        // lease in a property first: the key needs no look-up of the tenant's leases.
        let ordered = req.updated_since.is_none() && self.config.include_past_leases;
        let (query, chunk, chunks) = self.chunk_query(operation, LEASES, &base, &ids, &position)?;
        let page = self
            .listing(operation, LEASES, query, position.offset)
            .await?;

        let listed = (chunk.len() == 1).then(|| chunk[0]);
        let leases: Vec<Result<Lease, RecordError>> = page
            .items
            .iter()
            .map(|raw| map::lease(raw, listed))
            .collect();
        let properties = leases.iter().flatten().map(|l| l.property_id);
        let last = Self::check_order(operation, properties, &position)?;
        let (first, carry) = if ordered {
            let (firsts, carry) = map::firsts_in_listing(&leases, position.carry.clone());
            (FirstLease::Listed(firsts), carry)
        } else {
            (FirstLease::LookedUp, last.map(Carry::of))
        };
        let mut needed: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
        for lease in leases.iter().flatten() {
            for entry in lease.readable_entries() {
                if map::needs_lookup(lease, entry, &self.config, !ordered) {
                    needed
                        .entry(entry.tenant_id)
                        .or_default()
                        .insert(lease.unit_id);
                }
            }
        }
        let fetched = self.look_up_tenants(operation, &needed).await?;
        let ctx = PageContext::new(&self.config, &fetched, first, &leases);
        let mut items = Vec::new();
        for lease in &leases {
            match lease {
                Ok(lease) => items.extend(ctx.residents(lease)),
                Err(e) => items.push(Err(e.clone())),
            }
        }
        Ok(Page {
            items,
            next: position.next(page.next, chunks, carry).map(|p| p.cursor()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pms(max_query_len: usize) -> BuildiumPms {
        let mut config = BuildiumConfig::new("id", SecretString::from("hunter2-secret"));
        config.base_url = "http://127.0.0.1:9".into();
        config.max_query_len = max_query_len;
        BuildiumPms::new(config).unwrap()
    }

    #[test]
    fn id_chunks_keep_every_query_string_within_the_limit_and_every_id_once() {
        let pms = pms(4096);
        let ids: Vec<i64> = (100_000..101_000).collect();
        let chunks = pms.chunk_ids(TENANTS, &[("orderby", "Id".into())], "unitids", &ids);
        assert!(chunks.len() >= 4, "{}", chunks.len());
        let flat: Vec<i64> = chunks.iter().flatten().copied().collect();
        assert_eq!(flat, ids);
        for chunk in &chunks {
            let mut query: Vec<(&str, String)> =
                chunk.iter().map(|id| ("unitids", id.to_string())).collect();
            query.push(("orderby", "Id".into()));
            query.push(("limit", "1000".into()));
            query.push(("offset", u32::MAX.to_string()));
            let len = pms.http.get("t", TENANTS).query(&query).query_string_len();
            assert!(len <= 4096, "{len}");
        }
        assert!(
            pms.chunk_ids(TENANTS, &[("orderby", "Id".into())], "unitids", &[])
                .is_empty()
        );
    }

    #[test]
    fn property_references_must_be_buildium_integer_ids() {
        let op = "list_units";
        assert_eq!(
            BuildiumPms::property_id(op, &ExternalRef::new("buildium", "1001")).unwrap(),
            1001
        );
        for bad in [
            ExternalRef::new("buildium", "abc"),
            ExternalRef::new("buildium", "-4"),
            ExternalRef::new("yardi", "1001"),
        ] {
            let e = BuildiumPms::property_id(op, &bad).unwrap_err();
            assert_eq!(e.kind, ProviderErrorKind::Rejected);
        }
        let e = BuildiumPms::property_ids(op, &[]).unwrap_err();
        assert_eq!(e.kind, ProviderErrorKind::Rejected);
        let many = [
            ExternalRef::new("buildium", "9"),
            ExternalRef::new("buildium", "3"),
            ExternalRef::new("buildium", "9"),
        ];
        assert_eq!(BuildiumPms::property_ids(op, &many).unwrap(), [3, 9]);
    }

    #[test]
    fn new_refuses_an_unusable_configuration_without_showing_the_secret() {
        let mut config = BuildiumConfig::new("id", SecretString::from("hunter2-secret"));
        config.page_size = 5000;
        let e = BuildiumPms::new(config).unwrap_err();
        assert_eq!(e.kind, ProviderErrorKind::Other);
        assert!(e.message.contains("page_size"), "{}", e.message);
        let mut config = BuildiumConfig::new("id", SecretString::from("hunter2-secret"));
        config.base_url = "not a url".into();
        let e = BuildiumPms::new(config).unwrap_err();
        assert!(!e.to_string().contains("hunter2"));
        let pms = pms(4096);
        assert!(!format!("{pms:?}").contains("hunter2"));
    }
}
