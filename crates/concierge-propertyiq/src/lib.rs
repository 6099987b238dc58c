//! Concierge's strata adapter for **PropertyIQ**: a customer's schemes and each scheme's lots
//! as neutral [`StrataBuilding`]s and [`StrataUser`]s, over the shared transport
//! [`concierge_http`] (OAuth2 client credentials with a cached token, retries honouring
//! `Retry-After`, a client-side rate limit, typed errors that never hold the secret or a token).
//!
//! PropertyIQ publishes no API: the wire model below is **assumed**, and every assumed element
//! is a setting of [`PropertyIqConfig`] or listed as fixed in the table.
//!
//! ```no_run
//! use concierge_core::{ListStrataBuildingsRequest, ListStrataUsersRequest, StrataProvider};
//! use concierge_http::SecretString;
//! use concierge_propertyiq::{PropertyIq, PropertyIqConfig};
//!
//! # async fn run() -> Result<(), concierge_core::ProviderError> {
//! let config = PropertyIqConfig::new("https://customer.example", "client-id", SecretString::from("secret"));
//! let strata = PropertyIq::new(config)?;
//! let schemes = strata.list_buildings(ListStrataBuildingsRequest::default()).await?;
//! for scheme in schemes.items.into_iter().flatten() {
//!     let users = strata
//!         .list_users(ListStrataUsersRequest { building: Some(scheme.external.clone()), cursor: None })
//!         .await?;
//!     println!("{}: {} users", scheme.name, users.items.len());
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Mapping
//!
//! | `StrataProvider` | PropertyIQ |
//! | --- | --- |
//! | `list_buildings` | `GET {prefix}/schemes?offset=&limit=` |
//! | `get_building` | `GET {prefix}/schemes/{schemeId}` |
//! | `list_users` | every page of `GET {prefix}/schemes/{schemeId}/lots?offset=&limit=`, merged |
//! | [`PropertyIq::check_connection`] | a token, then `GET {prefix}/schemes?offset=0&limit=1` |
//!
//! Listings page by `offset` and `limit` and end once `offset + items.len() >= total` (or at an
//! empty page); the scheme cursor is the next offset.
//!
//! **Users come from lots.** A lot carries its owner and its tenants, so an owner of three lots
//! appears three times. To give one user per owner, `list_users` reads **every lot page of the
//! scheme** and returns all merged users in **one page** (`next` is always `None`; a cursor is
//! refused). An owner is merged by `ownerId`, else by the scheme and the owner's normalised
//! login email (the user's id is then `<schemeId>:<email>`); a tenant is one user per
//! `tenantId`. `ownerOccupier` true gives OwnerOccupier, false OwnerInvestor (absent:
//! OwnerInvestor with the warning [`OCCUPANCY_UNKNOWN`]); `committeeMember` adds Committee;
//! tenants are Tenant with `leaseStart`/`leaseEnd` as tenancy. An owner occupier of a lot with a
//! current tenant is kept, with a warning. A lot without owner, an owner with neither id nor
//! email, or a tenant without `tenantId` is an `Err` item naming the lot, never its people's
//! data. Emails go through [`concierge_core::strata::pick_emails`] (the first plausible address
//! is the login, the others alternates), names through
//! [`concierge_core::strata::split_display_name`]; `phone` is `phone1`, else `phone2`.
//!
//! **Requests.** One token per token lifetime (cached until shortly before `expires_in`, shared
//! by clones), `max(1, ceil(schemes / limit))` for the schemes and `max(1, ceil(lots / limit))`
//! per scheme: with the default limit of 250, a full read of S schemes of up to 250 lots costs
//! `1 + 1 + S` requests.
//!
//! # Errors
//!
//! RFC 7807 problems give the message (`detail`) and vendor code (`type`, else `title`). 400
//! is `Rejected`; 401 drops the cached token and replays once with a new one, a second 401 is
//! `Unauthorized` and not retried, and a 401 from the token endpoint is refused client
//! credentials; 403 (scheme not shared) `Forbidden`; 404 `NotFound`; 429 is retried after
//! `Retry-After`; 500, 502, 503 and timeouts with backoff.
//!
//! # Assumed (configurable)
//!
//! | element | assumed value | setting |
//! | --- | --- | --- |
//! | host | one per customer, no default | `base_url` |
//! | token endpoint | `POST /oauth/token`, form `grant_type=client_credentials&client_id&client_secret` | `token_path`, `scope` |
//! | token reply | `access_token`, `expires_in` (seconds) | fixed (transport) |
//! | path prefix | `/api/v1` | `api_prefix` |
//! | page size | `limit` at most 250 | `page_size` (default 250) |
//! | rate limit | 5 requests/s per client | `rate_limit_per_second` |
//! | timeouts, retries | 30 s; 5 attempts, `Retry-After` honoured | `timeout_seconds`, `retry` |
//! | paths, parameter and field names | as in the mapping above (`offset`, `limit`, `items`, `total`, `ownerId`, `tenants`, ...) | fixed in `wire.rs` |
//! | error body | RFC 7807 problem | fixed in `wire.rs` |
//! | owner merge key | `ownerId`, else scheme + email | fixed |
//! | current tenant | `leaseStart <= today <= leaseEnd` (open ends allowed), by the system date | fixed |

mod config;
#[cfg(test)]
mod fuzz_tests;
mod map;
mod wire;

pub use config::{
    DEFAULT_API_PREFIX, DEFAULT_PAGE_SIZE, DEFAULT_RATE_LIMIT_PER_SECOND, DEFAULT_TIMEOUT,
    DEFAULT_TOKEN_PATH, PropertyIqConfig,
};
pub use map::{OCCUPANCY_UNKNOWN, PROVIDER};

use async_trait::async_trait;
use concierge_core::{
    Cursor, ExternalRef, GetStrataBuildingRequest, ListStrataBuildingsRequest,
    ListStrataUsersRequest, Page, ProviderError, ProviderErrorKind, ProviderResult, StrataBuilding,
    StrataProvider, StrataUser,
};
use concierge_http::{
    Auth, ClientCredentials, ExposeSecret, HttpClient, SecretString, encode_path_segment,
};
use serde_json::Value;
use std::fmt;

/// The most lot pages read for one scheme before giving up (a provider whose `total` never
/// comes in reach).
const MAX_PAGES: usize = 10_000;

/// The PropertyIQ adapter for one customer. Cheap to clone; clones share the connection pool,
/// the token cache and the rate limit. `Debug` prints `<redacted>` for the secret.
#[derive(Clone)]
pub struct PropertyIq {
    http: HttpClient,
    config: PropertyIqConfig,
}

impl fmt::Debug for PropertyIq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PropertyIq")
            .field("http", &self.http)
            .field("config", &self.config)
            .finish()
    }
}

fn rejected(operation: &str, message: impl Into<String>) -> ProviderError {
    ProviderError::new(PROVIDER, operation, ProviderErrorKind::Rejected, message)
        .with_retryable(false)
}

impl PropertyIq {
    /// An adapter for the customer `config` describes. Fails (a configuration error, never
    /// holding the secret) on an empty base URL, client id or secret, a zero page size or rate
    /// limit, or an invalid URL.
    pub fn new(config: PropertyIqConfig) -> Result<Self, ProviderError> {
        if let Some(problem) = config.problems() {
            return Err(ProviderError::configuration(PROVIDER, "new", problem));
        }
        let scope = config
            .scope
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let mut builder = HttpClient::builder(PROVIDER, config.base_url.trim())
            .auth(Auth::client_credentials(ClientCredentials {
                token_url: config.token_url(),
                client_id: config.client_id.trim().to_owned(),
                client_secret: SecretString::from(config.client_secret.expose_secret().to_owned()),
                scope: scope.map(str::to_owned),
            }))
            .retry(config.retry)
            .timeout(config.timeout)
            .error_body(wire::error_body)
            .user_agent(concat!("concierge-propertyiq/", env!("CARGO_PKG_VERSION")));
        if let Some(per_second) = config.rate_limit_per_second {
            builder = builder.rate_limit(per_second);
        }
        Ok(Self {
            http: builder.build()?,
            config,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &PropertyIqConfig {
        &self.config
    }

    fn path(&self, rest: &str) -> String {
        format!("{}{rest}", self.config.api_prefix.trim_end_matches('/'))
    }

    /// Test Connection: fetches a token and reads one scheme. Refused client credentials are
    /// `Unauthorized`.
    pub async fn check_connection(&self) -> ProviderResult<()> {
        self.http
            .get("check_connection", self.path("/schemes"))
            .query(&[("offset", "0"), ("limit", "1")])
            .send_json::<wire::PageReply>()
            .await
            .map(|_| ())
    }

    fn scheme_id<'a>(
        operation: &str,
        building: Option<&'a ExternalRef>,
    ) -> ProviderResult<&'a str> {
        let building = building.ok_or_else(|| rejected(operation, "a scheme is required"))?;
        if building.provider != PROVIDER || building.id.trim().is_empty() {
            return Err(rejected(
                operation,
                format!("{building} is not a PropertyIQ scheme"),
            ));
        }
        Ok(building.id.trim())
    }

    /// One page of `path` from `offset`: its items and the next offset, if any.
    async fn listing(
        &self,
        operation: &str,
        path: &str,
        offset: u64,
    ) -> ProviderResult<(Vec<Value>, Option<u64>)> {
        let query = [
            ("offset", offset.to_string()),
            ("limit", self.config.page_size.to_string()),
        ];
        let reply = self
            .http
            .get(operation, path)
            .query(&query)
            .send_json::<wire::PageReply>()
            .await?
            .body;
        // Saturating: an offset at the end of the range (a forged cursor) ends the listing.
        let end = offset.saturating_add(reply.items.len() as u64);
        let done = reply.items.is_empty() || reply.total.is_none_or(|total| end >= total);
        Ok((reply.items, (!done).then_some(end)))
    }
}

#[async_trait]
impl StrataProvider for PropertyIq {
    fn name(&self) -> &str {
        PROVIDER
    }

    async fn list_buildings(
        &self,
        req: ListStrataBuildingsRequest,
    ) -> ProviderResult<Page<StrataBuilding>> {
        const OP: &str = "list_buildings";
        let offset = match &req.cursor {
            None => 0,
            Some(c) => {
                c.0.parse::<u64>()
                    .map_err(|_| rejected(OP, "the cursor is not one this provider issued"))?
            }
        };
        let (items, next) = self.listing(OP, &self.path("/schemes"), offset).await?;
        Ok(Page {
            items: items.into_iter().map(map::scheme).collect(),
            next: next.map(|n| Cursor(n.to_string())),
        })
    }

    async fn get_building(&self, req: GetStrataBuildingRequest) -> ProviderResult<StrataBuilding> {
        const OP: &str = "get_building";
        let id = Self::scheme_id(OP, req.building.as_ref())?;
        let reply = self
            .http
            .get(
                OP,
                self.path(&format!("/schemes/{}", encode_path_segment(id))),
            )
            .send_json::<Value>()
            .await?;
        map::scheme(reply.body).map_err(|e| {
            ProviderError::new(PROVIDER, OP, ProviderErrorKind::InvalidResponse, e.message)
        })
    }

    /// Reads every lot page of the scheme and returns every merged user in one page.
    async fn list_users(&self, req: ListStrataUsersRequest) -> ProviderResult<Page<StrataUser>> {
        const OP: &str = "list_users";
        let id = Self::scheme_id(OP, req.building.as_ref())?;
        if req.cursor.is_some() {
            return Err(rejected(
                OP,
                "PropertyIQ users come in one page; the cursor is not one this provider issued",
            ));
        }
        let building = ExternalRef::new(PROVIDER, id);
        let path = self.path(&format!("/schemes/{}/lots", encode_path_segment(id)));
        let mut lots = Vec::new();
        let mut offset = Some(0);
        let mut pages = 0;
        while let Some(from) = offset {
            pages += 1;
            if pages > MAX_PAGES {
                return Err(ProviderError::new(
                    PROVIDER,
                    OP,
                    ProviderErrorKind::InvalidResponse,
                    format!("the lot listing did not end within {MAX_PAGES} pages"),
                ));
            }
            let (items, next) = self.listing(OP, &path, from).await?;
            lots.extend(items);
            offset = next;
        }
        let today = chrono::Utc::now().date_naive();
        Ok(Page {
            items: map::users(&building, lots, today),
            next: None,
        })
    }
}
