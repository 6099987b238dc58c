//! Concierge's intercom adapter for **ButterflyMX** (API v4): the [`IntercomProvider`] over the
//! shared transport [`concierge_http`] (retries honouring `Retry-After`, a client-side rate
//! limit, typed errors that never hold a secret), with the OAuth2 tokens of a building admin's
//! one-time consent kept in a [`SecretVault`].
//!
//! ```no_run
//! use concierge_butterflymx::{ButterflyMx, ButterflyMxConfig};
//! use concierge_core::{AuthorizeIntercomRequest, IntercomProvider, MemoryVault};
//! use concierge_http::SecretString;
//! use std::sync::Arc;
//!
//! # async fn run() -> Result<(), concierge_core::ProviderError> {
//! let config = ButterflyMxConfig::new("client-id", SecretString::from("client-secret"));
//! let intercom = ButterflyMx::new(config, Arc::new(MemoryVault::default()))?;
//! // Once: the building admin opens this page, consents, and is shown a code.
//! println!("{}", intercom.consent_url().unwrap());
//! intercom.authorize(AuthorizeIntercomRequest { code: SecretString::from("the code") }).await?;
//! let buildings = intercom.list_buildings(None).await?;
//! # drop(buildings);
//! # Ok(())
//! # }
//! ```
//!
//! # Mapping
//!
//! | `IntercomProvider` | ButterflyMX requests |
//! | --- | --- |
//! | `consent_url` | none: `{accounts_url}/oauth/authorize?client_id=…&redirect_uri=…&response_type=code` |
//! | `authorize` | `POST {accounts_url}/oauth/token` form `grant_type=authorization_code, code, client_id, client_secret, redirect_uri` |
//! | `list_buildings` | `GET /v4/buildings?page=&per=`; the cursor is `page_info.next_page` |
//! | `get_building` | `GET /v4/buildings/{id}` (`time_zone` kept) |
//! | `ensure_placeholder` | `GET /v4/units?q[building_id_eq]=B&q[label_eq]=L`, else `POST /v4/buildings/B/units {"unit":{label,floor}}`; then `GET /v4/tenants?q[unit_id_eq]=U` (every page, email matched here), else `POST /v4/tenants {"tenant":{unit_id,active_at,user_attributes:{first_name,last_name,email}}}` |
//! | `preflight` | the token, `GET /v4/buildings/{id}`, `GET /v4/units/{unit}`, `GET /v4/tenants/{tenant}`, `GET /v4/access_points?q[building_id_eq]=B` |
//! | `list_tenants` | `GET /v4/tenants?q[building_id_eq]=B&page=&per=`; the cursor is `page_info.next_page` |
//! | `create_visitor_pass` | (`GET /v4/access_points?q[building_id_eq]=B` unless cached), `POST /v4/keychains/custom {"keychain":{name,starts_at,ends_at,tenant_id,access_point_ids}}`, `POST /v4/virtual_keys {keychain_id,name}`; on a retry first `GET /v4/keychains?q[name_eq]=…&q[tenant_id_eq]=T` and `GET /v4/virtual_keys?q[keychain_id_eq]=K` |
//! | `revoke_visitor_pass` | `DELETE /v4/keychains/{id}` (204; 404 is `NotFound`) |
//!
//! Every API request carries `Authorization: Bearer <access token>`; bodies are JSON wrapped in
//! the resource's name except the flat virtual key body; instants are RFC 3339 UTC with `Z`, in
//! whole seconds. A tenant's name is `full_name`, else first and last name; its
//! `contact_preference` `phone_call` or `mobile_app` (absent: `phone_call`, the vendor's
//! default); a tenant that cannot be read is an `Err` item of its page, never a failed page.
//!
//! **Passes.** A keychain is named `"{visitor_name} [{idempotency_key}]"`
//! ([`keychain_name`]): our pass id in the name is what a retry finds it by, as the vendor has
//! no idempotency key. A first attempt (`retry == false`) creates directly; a retry looks the
//! keychain up first, then its key, and creates only what is missing, so one idempotency key
//! never makes two keychains. The key is minted with neither email nor SMS (nothing is sent);
//! its `qr_code_url` and `instructions_url` are returned and its `pin_code` is never read or
//! kept. The window returned is the one the keychain recorded.
//!
//! # Token lifecycle
//!
//! 1. The building admin opens [`consent_url`](IntercomProvider::consent_url), consents, and
//!    is shown a code; [`authorize`](IntercomProvider::authorize) exchanges it for an access
//!    token (24 h) and a refresh token, and stores the pair in the vault under
//!    `butterflymx/<client_id>` as JSON (access token, refresh token, expiry).
//! 2. A call uses the pair in memory (loaded from the vault the first time; no entry is
//!    `Unauthorized`: consent is needed). When the access token has expired or expires within
//!    5 minutes, or after the API answered 401 (then the request is sent once more), the pair is
//!    refreshed: form `grant_type=refresh_token, refresh_token, client_id, client_secret`.
//! 3. Both tokens rotate on every refresh and the old refresh token dies, so the **new pair is
//!    stored before it is used**; if the vault fails, the pair stays in memory and is stored
//!    before any use.
//! 4. One refresh at a time per adapter (a lock); callers waiting get the new pair. Processes
//!    sharing a vault: before refreshing, the vault is read again and another process's newer
//!    pair is used instead; a refresh refused (400/401) reads the vault once more and uses a
//!    pair that differs; otherwise it is `Unauthorized`, saying the building admin must give
//!    consent again. A refresh that fails in passing keeps using an unexpired token.
//! 5. The client secret, the code and both tokens are never in `Debug`, an error or a log: the
//!    transport scrubs them (in every encoding) from what the vendor echoes.
//!
//! # Requests per operation
//!
//! | operation | requests |
//! | --- | --- |
//! | `create_visitor_pass`, first attempt | 2 (`POST` keychain, `POST` key), +1 access point lookup when the building's doors are not cached (5 minutes) |
//! | `create_visitor_pass`, retry | 2 when the pass is complete (`GET` keychains, `GET` keys); +1 when its key is missing; 1 + the first attempt's when no keychain was made |
//! | `ensure_placeholder` | 2 when both exist (the unit by label; the unit's tenants, one page per `page_size`); 3 when one is missing (on a fresh building the tenant look-up is skipped: a unit just created has no tenants); a create whose answer was lost, or refused as `taken`, costs one look-up more, and the record is adopted |
//! | `preflight` | 4 (building, unit, tenant, access points) |
//! | `list_buildings`, `list_tenants` | 1 per page of `page_size` (default 100) |
//! | `get_building`, `revoke_visitor_pass` | 1 |
//! | any call | +1 token request when the pair is due; +1 token request and +1 replay after a 401 |
//!
//! # Errors and retries
//!
//! The error body `{"errors":[{"field","code","message"}]}` gives the vendor code (the first
//! error's `code`) and the message (every `field: message`; `messages` on a 401); the
//! `x-request-id` header the request id. 422 is `Rejected` with the vendor code, 401
//! `Unauthorized`, 404 `NotFound`. Reads and deletes are retried by the transport on timeouts,
//! 429 (after `Retry-After`) and 5xx. Creates are never sent twice blindly: a create whose answer
//! was lost (a timeout, a 5xx) is `RetryClass::UnknownOutcome`; `ensure_placeholder` then looks
//! the record up and adopts it, or creates again; a pass is completed by the caller's retry.
//!
//! # Assumed (configurable)
//!
//! Facts the vendor's documents leave unknown or that we read from examples, and what covers
//! each:
//!
//! | element | assumed value | setting |
//! | --- | --- | --- |
//! | API host | `https://api.butterflymx.com` (sandbox `https://api.na.sandbox.butterflymx.com`) | `api_base_url` |
//! | OAuth host | `https://accounts.butterflymx.com`; the sandbox's is disputed (`accountssandbox.butterflymx.com` or `accounts.na.sandbox.butterflymx.com`) | `accounts_url` |
//! | redirect | `urn:ietf:wg:oauth:2.0:oob` (the code is shown to the admin) | `redirect_uri` |
//! | refresh form | `client_secret` sent with the refresh grant (the v3 doc does; v4 lists only `client_id`) | fixed |
//! | token rotation | both tokens rotate on every refresh; a refused refresh (400/401) means re-consent | fixed |
//! | token reply | `expires_in` seconds (absent: 24 h); a reply without `refresh_token` keeps the old one | fixed |
//! | rate limit | none published: 5 requests/s | `rate_limit_per_second` |
//! | retries of 429/5xx | none documented; done anyway, honouring `Retry-After` | `retry`, `timeout_seconds` |
//! | first page | `page=1` (the spec allows 0; its examples start at 1) | fixed |
//! | page size | `per` 1–100; the default (unknown) is never relied on: `per` is always sent | `page_size` (default 100) |
//! | duplicate unit label | 422 with code `taken`, then looked up and adopted | fixed |
//! | duplicate tenant email | 422 with code `taken`, then looked up in the unit and adopted | fixed |
//! | `_eq` filters | case-insensitive, so names and labels are compared exactly here too | fixed |
//! | tenant body | names and email under `user_attributes` (the examples), not at the top level (the schema's `required`) | fixed |
//! | contact preference | absent or null reads as `phone_call`, the vendor's default | fixed |
//! | keys of a keychain | a keychain without `recipients` has no key; one is minted with `POST /v4/virtual_keys` | fixed |
//! | keychain window | `starts_at`/`ends_at` as UTC `Z` instants, recorded as sent | fixed |
//! | longest window | unknown (the app allows a year): not checked here; the vendor's 422 is passed on | fixed |
//! | invitation email | a tenant created through the API is `invited`, so ButterflyMX emails the placeholder address; whether that can be suppressed is unknown | fixed (the address is the caller's) |
//! | other grants | `client_credentials`, `password` and PKCE are listed by discovery but unconfirmed for v4: not used | fixed |
//! | integration not enabled | the building answers 404 (or 401) | fixed |
//! | access points | one request lists a building's doors; cached | `access_point_cache_seconds` (default 300) |

#![warn(missing_docs)]

mod auth;
mod client;
mod config;
#[cfg(test)]
mod fuzz_tests;
mod map;
mod passes;
mod placeholder;
mod preflight;
mod wire;

pub use auth::REFRESH_MARGIN;
pub use config::{
    ButterflyMxConfig, DEFAULT_ACCESS_POINT_CACHE, DEFAULT_ACCOUNTS_URL, DEFAULT_API_BASE_URL,
    DEFAULT_PAGE_SIZE, DEFAULT_RATE_LIMIT_PER_SECOND, DEFAULT_REDIRECT_URI, DEFAULT_TIMEOUT,
    MAX_PAGE_SIZE,
};
pub use map::{PROVIDER, keychain_name};

use async_trait::async_trait;
use concierge_core::{
    AuthorizeIntercomRequest, CreateVisitorPassRequest, CreateVisitorPassResponse, Cursor,
    EnsurePlaceholderRequest, EnsurePlaceholderResponse, GetIntercomBuildingRequest,
    IntercomBuilding, IntercomProvider, IntercomTenant, ListIntercomTenantsRequest, Page,
    PreflightRequest, PreflightResponse, ProviderError, ProviderResult, RevokeVisitorPassRequest,
    SecretVault,
};
use concierge_http::HttpClient;
use serde_json::Value;
use std::fmt;
use std::sync::Arc;

/// The ButterflyMX adapter for one integration (one OAuth2 client). Cheap to clone; clones
/// share the connection pool, the tokens and the access point cache. `Debug` prints
/// `<redacted>` for the secret and never shows a token.
#[derive(Clone)]
pub struct ButterflyMx {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    config: ButterflyMxConfig,
    pub(crate) api: client::Api,
    pub(crate) doors: passes::Doors,
}

impl Inner {
    pub(crate) fn consent_url(&self) -> String {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", self.config.client_id.trim())
            .append_pair("redirect_uri", self.config.redirect_uri.trim())
            .append_pair("response_type", "code")
            .finish();
        format!(
            "{}/oauth/authorize?{query}",
            self.config.accounts_url.trim().trim_end_matches('/')
        )
    }
}

impl fmt::Debug for ButterflyMx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ButterflyMx")
            .field("config", &self.inner.config)
            .field("http", &self.inner.api.http)
            .finish_non_exhaustive()
    }
}

impl ButterflyMx {
    /// An adapter for the integration `config` describes, keeping its tokens in `vault`. Fails
    /// (a configuration error, never holding the secret) on an empty client id or secret, a
    /// page size outside 1–100, a zero rate limit or timeout, or an invalid URL.
    pub fn new(
        config: ButterflyMxConfig,
        vault: Arc<dyn SecretVault>,
    ) -> Result<Self, ProviderError> {
        if let Some(problem) = config.problems() {
            return Err(ProviderError::configuration(PROVIDER, "new", problem));
        }
        let agent = concat!("concierge-butterflymx/", env!("CARGO_PKG_VERSION"));
        let mut api = HttpClient::builder(PROVIDER, config.api_base_url.trim())
            .retry(config.retry)
            .timeout(config.timeout)
            .error_body(wire::error_body)
            .user_agent(agent);
        if let Some(per_second) = config.rate_limit_per_second {
            api = api.rate_limit(per_second);
        }
        let accounts = HttpClient::builder(PROVIDER, config.accounts_url.trim())
            .retry(config.retry)
            .timeout(config.timeout)
            .error_body(wire::error_body)
            .user_agent(agent)
            .build()?;
        let keeper = auth::Keeper::new(
            vault,
            config.vault_name(),
            accounts,
            config.client_id.trim().to_owned(),
            config.client_secret.clone(),
            config.redirect_uri.trim().to_owned(),
        );
        Ok(Self {
            inner: Arc::new(Inner {
                api: client::Api {
                    http: api.build()?,
                    keeper,
                    page_size: config.page_size,
                },
                doors: passes::Doors::new(config.access_point_cache),
                config,
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ButterflyMxConfig {
        &self.inner.config
    }
}

/// The page a cursor names (pages start at 1).
fn page_of(operation: &str, cursor: Option<&Cursor>) -> ProviderResult<u64> {
    match cursor {
        None => Ok(1),
        Some(c) => c
            .0
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|p| *p >= 1)
            .ok_or_else(|| map::rejected(operation, "the cursor is not one this provider issued")),
    }
}

#[async_trait]
impl IntercomProvider for ButterflyMx {
    fn name(&self) -> &str {
        PROVIDER
    }

    fn consent_url(&self) -> Option<String> {
        Some(self.inner.consent_url())
    }

    async fn authorize(&self, req: AuthorizeIntercomRequest) -> ProviderResult<()> {
        self.inner
            .api
            .keeper
            .authorize("authorize", &req.code)
            .await
    }

    async fn list_buildings(
        &self,
        cursor: Option<Cursor>,
    ) -> ProviderResult<Page<IntercomBuilding>> {
        const OP: &str = "list_buildings";
        let page = page_of(OP, cursor.as_ref())?;
        let reply = self.inner.api.page(OP, "/v4/buildings", &[], page).await?;
        let next = reply
            .next_page()
            .filter(|n| *n > page)
            .map(|n| Cursor(n.to_string()));
        Ok(Page {
            items: reply.data.into_iter().map(map::building).collect(),
            next,
        })
    }

    async fn get_building(
        &self,
        req: GetIntercomBuildingRequest,
    ) -> ProviderResult<IntercomBuilding> {
        const OP: &str = "get_building";
        let id = map::id_of(OP, "building", &req.building)?;
        let reply: wire::One<Value> = self
            .inner
            .api
            .get(OP, &format!("/v4/buildings/{id}"), &[])
            .await?;
        map::building(reply.data).map_err(|e| map::invalid(OP, e.message))
    }

    async fn ensure_placeholder(
        &self,
        req: EnsurePlaceholderRequest,
    ) -> ProviderResult<EnsurePlaceholderResponse> {
        placeholder::ensure(&self.inner.api, &self.inner.config.retry, req).await
    }

    async fn preflight(&self, req: PreflightRequest) -> ProviderResult<PreflightResponse> {
        preflight::run(&self.inner, req).await
    }

    async fn list_tenants(
        &self,
        req: ListIntercomTenantsRequest,
    ) -> ProviderResult<Page<IntercomTenant>> {
        const OP: &str = "list_tenants";
        let building = map::id_of(OP, "building", &req.building)?;
        let page = page_of(OP, req.cursor.as_ref())?;
        let filters = [("q[building_id_eq]", building.to_string())];
        let reply = self
            .inner
            .api
            .page(OP, "/v4/tenants", &filters, page)
            .await?;
        let next = reply
            .next_page()
            .filter(|n| *n > page)
            .map(|n| Cursor(n.to_string()));
        Ok(Page {
            items: reply.data.into_iter().map(map::tenant).collect(),
            next,
        })
    }

    async fn create_visitor_pass(
        &self,
        req: CreateVisitorPassRequest,
    ) -> ProviderResult<CreateVisitorPassResponse> {
        passes::create(&self.inner, req).await
    }

    async fn revoke_visitor_pass(&self, req: RevokeVisitorPassRequest) -> ProviderResult<()> {
        passes::revoke(&self.inner.api, req).await
    }
}
