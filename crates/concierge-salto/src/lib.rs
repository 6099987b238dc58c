//! Concierge's [`KeyEncoder`] for [SALTO Nebula](https://developer.saltosystems.com/nebula/)
//! (and Homelok, SALTO's residential product on it): resident card keys written on an NCoder
//! through Nebula's HTTP/JSON API, over the shared transport [`concierge_http`] (OAuth2 client
//! credentials with a cached token, retries with backoff, typed [`ProviderError`]s that never
//! contain the client secret).
//!
//! # Quick start
//!
//! ```no_run
//! use concierge_core::{EncodeKeyRequest, KeyEncoder, ProviderError};
//! use concierge_http::SecretString;
//! use concierge_salto::{SaltoConfig, SaltoEncoder};
//! use std::time::Duration;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), ProviderError> {
//!     let config = SaltoConfig::new(
//!         std::env::var("SALTO_INSTALLATION").unwrap_or_default(),
//!         std::env::var("SALTO_CLIENT_ID").unwrap_or_default(),
//!         SecretString::from(std::env::var("SALTO_CLIENT_SECRET").unwrap_or_default()),
//!     );
//!     let salto = SaltoEncoder::new(config)?;
//!
//!     // Pick a connected, initialised NCoder.
//!     let encoders = salto.list_encoders(Default::default()).await?.encoders;
//!     let Some(encoder) = encoders.into_iter().find(|e| e.online && e.initialized) else {
//!         return Ok(());
//!     };
//!
//!     // Staff put a blank card on it; this returns once the key is written.
//!     let written = salto
//!         .encode_key(EncodeKeyRequest {
//!             encoder: encoder.external,
//!             holder_ref: "res_0f3c".into(),
//!             unit_ref: "unit_12b".into(),
//!             idempotency_key: "intent-7d41".into(),
//!             deadline: Duration::from_secs(90),
//!         })
//!         .await?;
//!     println!("key {}", written.key.id); // installations/…/users/intent-7d41/card-key
//!     Ok(())
//! }
//! ```
//!
//! # Mapping
//!
//! **One Nebula user per key.** A Nebula user holds at most one card key (the `card-key`
//! singleton), so every encoding intent gets its own user, whose id is derived from
//! [`EncodeKeyRequest::idempotency_key`] ([`SaltoEncoder::user_id`]): a resident of two units, or
//! a replacement key, is always another user with another card key (R-KEY-3), and a retry of the
//! same intent always lands on the same user, so it can never write a second key (R-KEY-4). A
//! key's [`ExternalRef`] is `("salto", "installations/{i}/users/{u}/card-key")`; an encoder's is
//! `("salto", "installations/{i}/encoders/{e}")` (a bare encoder id is accepted too).
//!
//! | `KeyEncoder` | Nebula |
//! | --- | --- |
//! | `list_encoders` | `ListEncoders`, paged with `page_size`/`page_token` until `next_page_token` is empty; `name` is `display_name` (else the resource name), `online` is `connected`, `initialized` is `initialized` |
//! | `encode_key` | `GetUser`; if missing `CreateUser` (`user_id`, `given_name` = `holder_ref`, `family_name` = `unit_ref`; `ALREADY_EXISTS` is fine); a card key already `PENDING` or `ACTIVE` is returned without encoding; `GetEncoder` (`connected` false → `DeviceOffline`, not `initialized` → `Rejected`); `EncodeCardKey` (refused with `FAILED_PRECONDITION` or `ALREADY_EXISTS`: `GetUser` again, and a card key that now holds a key, written by an earlier attempt whose reply was lost, is returned; no reply at all: `UnknownOutcome`, see below) → operation, polled with `GetOperation` (waits double from `poll_initial` to `poll_max`) until `done` or the request's `deadline`; at the deadline `CancelOperation` (best effort) and a retryable `Timeout`; a done operation's `error` is mapped (below); then `GetUser` and the card key's name |
//! | `key_state` | `GetUser` of the key's user (by `key`), or of the intent's user (by `idempotency_key`; no user → `NotAssigned`); states below |
//! | `cancel_key` | `CancelCardKey`; `NOT_FOUND` (already gone) or `FAILED_PRECONDITION` (cancelled before) is success once `GetUser` confirms the user is gone or its card key holds no key (so a 404 from a wrong route is never taken for a cancelled key) |
//!
//! **Key states.** `PENDING` → `Pending`, `ACTIVE` → `Active`; a blocked user's key →
//! `Outdated`; `NOT_ASSIGNED` (or no card key) → `NotAssigned` when asked by idempotency key
//! (nothing was written, or the write is still running), but `Outdated` when asked by key or
//! when the card key still has a `uid` (a key was written and has since been cancelled); asked by
//! key, a user that no longer exists → `Outdated` (Homelok's `MoveOutUnit` deletes occupants and
//! blocks their keys). `outdated: true` (pending updates) keeps `Active`/`Pending` unless
//! [`SaltoConfig::outdated_flag_is_superseded`] is set.
//!
//! # Errors
//!
//! A finished operation's `error` (a `google.rpc.Status`) and an HTTP error body in gRPC-JSON
//! shape (`{"error": {"code", "message", "status"}}`, or a `google.rpc.Status` at the top level)
//! map alike; the vendor's message is kept:
//!
//! | gRPC code | kind | retryable | meaning |
//! | --- | --- | --- | --- |
//! | 1 `CANCELLED` | `Timeout` | yes | the operation was cancelled (by us at the deadline, or by staff) |
//! | 3 `INVALID_ARGUMENT` | `Rejected` | no | |
//! | 4 `DEADLINE_EXCEEDED` | `NoCard` for a finished encoding (`Timeout` in an HTTP body) | no (yes) | no card on the encoder in time |
//! | 5 `NOT_FOUND` | `NotFound` | no | |
//! | 6 `ALREADY_EXISTS` | `Rejected` | no | the card holds another key |
//! | 7 `PERMISSION_DENIED` | `Forbidden` | no | |
//! | 8 `RESOURCE_EXHAUSTED` | `RateLimited` | yes | |
//! | 9 `FAILED_PRECONDITION` | `Rejected` | no | rejected by the lock system |
//! | 10 `ABORTED` | `Other` | yes | concurrent change; the adapter retries it first |
//! | 13 `INTERNAL` | `Unavailable` | yes | |
//! | 14 `UNAVAILABLE` | `DeviceBusy` | yes | "resource locked by another process" |
//! | 16 `UNAUTHENTICATED` | `Unauthorized` | no | (the transport refreshes the token once first) |
//! | any other | `Other` | no | |
//!
//! An HTTP error without a gRPC body keeps the transport's mapping (401 `Unauthorized`, 403
//! `Forbidden`, 404 `NotFound`, 429 `RateLimited`, 5xx `Unavailable`, other 4xx `Rejected`). The
//! transport retries timeouts, connection failures, 408, 429 and 5xx of idempotent requests
//! (every `GET`, `CreateUser`, `CancelCardKey`, `CancelOperation`; not `EncodeCardKey`, which
//! could start a second write); the adapter retries `ABORTED` and a `409` without a gRPC status
//! (a concurrent-write "ETag mismatch") per [`SaltoConfig::retry`]. An `EncodeCardKey` left
//! without a reply (a timeout, a dropped connection) may have started the encoding: its error's
//! retry class is `UnknownOutcome`, and Concierge keeps the key's intent and asks `key_state` by
//! idempotency key before any new attempt (R-KEY-4).
//!
//! # Assumptions
//!
//! The vendor reference tags what it could not confirm: \[INF\] inferred from API conventions,
//! \[3P\] seen only in third-party code, \[UNK\] not found. This adapter assumes:
//!
//! - **Routes** ([`Routes`], each configurable): base `https://nebula.saltoapis.com/v1` \[3P\];
//!   `GET /{user}` (`GetUser`) \[INF; the list form is 3P\]; `POST /installations/{i}/users?user_id=…`
//!   with the `User` as body (`CreateUser`) \[INF\]; `POST /{card_key}:encode` with
//!   `{"encoder": name}` (`EncodeCardKey`) \[INF\]; `POST /{card_key}:cancel` (`CancelCardKey`)
//!   \[INF\]; `GET /{operation}` and `POST /{operation}:cancel` (`GetOperation`,
//!   `CancelOperation`) \[INF\]; `GET /installations/{i}/encoders` (`ListEncoders`) and
//!   `GET /{encoder}` (`GetEncoder`) \[INF\].
//! - **HTTP error body** \[UNK\]: read in both gRPC-JSON shapes above, status name preferred to
//!   the numeric code; the HTTP statuses follow the standard gRPC mapping \[INF\].
//! - **Codes** of a failed `EncodeCardKey` \[UNK\]: no card in time as `DEADLINE_EXCEEDED`
//!   \[INF\]; card holding another key as `ALREADY_EXISTS` \[INF\]; encoder busy as `UNAVAILABLE`
//!   \[DOC, generic\]; an unreadable or foreign card arrives as whatever code Nebula uses
//!   (likely `FAILED_PRECONDITION` or `INVALID_ARGUMENT`, so `Rejected`) \[UNK\]; an offline
//!   encoder is caught before encoding by `connected` \[SRC\], its call code being \[UNK\].
//! - **Server wait-for-card timeout** \[UNK\]: the request's own `deadline` bounds the wait; then
//!   `CancelOperation`, which can lose the race with a finished write (the `Timeout` says to ask
//!   `key_state` by idempotency key).
//! - **Encoding an already `PENDING`/`ACTIVE` card key** \[UNK\]: never done knowingly; the key
//!   is returned. When an earlier write finishes between `GetUser` and `EncodeCardKey`, the
//!   refusal is assumed to be `FAILED_PRECONDITION` or `ALREADY_EXISTS` \[INF\] and is followed
//!   by `GetUser`.
//! - **A retried `encode_key` while the first operation still runs** (reply lost, deadline not
//!   reached): the card key is `NOT_ASSIGNED` during a write \[SRC\], so a second
//!   `EncodeCardKey` is sent for the same user; whether Nebula aborts or queues it is \[UNK\].
//!   It still targets the same single card key, so at most one key exists for the intent.
//! - **A cancelled card key's state** \[UNK\]: read as above (back to `NOT_ASSIGNED`; a
//!   remaining `uid` marks it cancelled).
//! - **`CancelCardKey` twice** \[UNK\]: `NOT_FOUND` and `FAILED_PRECONDITION` are success when
//!   `GetUser` then shows no user or a card key holding no key.
//! - **Users**: `user_id` may be chosen by the client \[DOC\]; ids follow AIP-122
//!   (`[a-z][a-z0-9-]{0,61}[a-z0-9]`) \[INF\]; a new user carries only `given_name` =
//!   `holder_ref` and `family_name` = `unit_ref` (so Homelok staff can tell users apart; no
//!   personal data) \[adapter's choice\]. **Access rights are not granted by this adapter**: the
//!   key opens what the user's access rights allow, which Homelok manages (a unit's default
//!   access rights at move-in, or staff) \[adapter's choice\].
//! - **Token** \[DOC\]: client credentials, form-encoded, with `scope`
//!   `https://saltoapis.com/auth/nebula`; lifetime from `expires_in`; a 401 refreshes it once
//!   \[SRC pattern\].
//! - JSON keys in snake_case (proto names) or lowerCamelCase \[3P\]; fields at their default may
//!   be absent (proto3 JSON); enum values as names or numbers.
//! - Rate limits \[UNK\]: none applied on the client side; 429 and `RESOURCE_EXHAUSTED` are
//!   retried by the transport honouring `Retry-After`.

mod config;
#[cfg(test)]
mod fuzz_tests;
mod names;
mod wire;

pub use config::{
    DEFAULT_BASE_URL, DEFAULT_PAGE_SIZE, DEFAULT_POLL_INITIAL, DEFAULT_POLL_MAX, DEFAULT_SCOPE,
    DEFAULT_TIMEOUT, DEFAULT_TOKEN_URL, MAX_PAGE_SIZE, Routes, SaltoConfig,
};

use async_trait::async_trait;
use concierge_core::{
    CancelKeyRequest, EncodeKeyRequest, EncodeKeyResponse, EncoderInfo, EncoderKeyState,
    ExternalRef, KeyEncoder, KeyStateRequest, KeyStateResponse, ListEncodersRequest,
    ListEncodersResponse, ProviderError, ProviderErrorKind, ProviderResult,
};
use concierge_http::{
    Auth, ClientCredentials, ExposeSecret, HttpClient, RequestBuilder, SecretString,
};
use names::Values;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::fmt;
use std::time::Duration;
use tokio::time::Instant;
use wire::{Encoder, EncoderList, Operation, User};

/// The provider's stable name, in every [`ExternalRef`] and error of this adapter.
pub const PROVIDER: &str = "salto";

/// The most pages of encoders read before giving up (a provider looping its page tokens).
const MAX_PAGES: usize = 1000;

/// The SALTO Nebula key encoder. Cheap to clone; clones share the connection pool and the
/// token cache.
///
/// `Debug` prints the configuration with the client secret as `<redacted>`.
#[derive(Clone)]
pub struct SaltoEncoder {
    http: HttpClient,
    config: SaltoConfig,
}

impl fmt::Debug for SaltoEncoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SaltoEncoder")
            .field("http", &self.http)
            .field("config", &self.config)
            .finish()
    }
}

impl SaltoEncoder {
    /// An adapter for the installation `config` describes. Fails (kind `Other`) on an empty
    /// client id or secret, an installation that is not an id, a route template using a
    /// placeholder its route does not know, unusable poll intervals or page size, or an invalid
    /// URL; the error never contains the secret.
    pub fn new(config: SaltoConfig) -> Result<Self, ProviderError> {
        if let Some(problem) = config.problems() {
            return Err(ProviderError::new(
                PROVIDER,
                "new",
                ProviderErrorKind::Other,
                problem,
            ));
        }
        let scope = config.scope.trim();
        let http = HttpClient::builder(PROVIDER, &config.base_url)
            .auth(Auth::client_credentials(ClientCredentials {
                token_url: config.token_url.clone(),
                client_id: config.client_id.clone(),
                client_secret: SecretString::from(config.client_secret.expose_secret().to_string()),
                scope: (!scope.is_empty()).then(|| scope.to_string()),
            }))
            .retry(config.retry)
            .timeout(config.timeout)
            .error_body(wire::error_body)
            .user_agent(concat!("concierge-salto/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { http, config })
    }

    /// The configuration.
    pub fn config(&self) -> &SaltoConfig {
        &self.config
    }

    /// The Nebula user id of an encoding intent's idempotency key: the key itself when it is a
    /// valid resource id (lower-case letters, digits and dashes, starting with a letter, at most
    /// 63 characters), else a sanitised stem of it plus 16 hex digits of its SHA-256.
    ///
    /// ```
    /// use concierge_salto::SaltoEncoder;
    /// assert_eq!(SaltoEncoder::user_id("intent-1"), "intent-1");
    /// let hashed = SaltoEncoder::user_id("Intent_1");
    /// assert!(hashed.starts_with("intent-1-") && hashed.len() == 25);
    /// ```
    pub fn user_id(idempotency_key: &str) -> String {
        names::user_id(idempotency_key)
    }

    /// The key reference [`encode_key`](KeyEncoder::encode_key) returns for `idempotency_key`:
    /// `installations/{i}/users/{user_id}/card-key`.
    pub fn card_key_ref(&self, idempotency_key: &str) -> ExternalRef {
        let user = names::user_name(&self.config.installation, &Self::user_id(idempotency_key));
        ExternalRef::new(PROVIDER, names::card_key_name(&user))
    }

    fn error(
        operation: &str,
        kind: ProviderErrorKind,
        message: impl Into<String>,
    ) -> ProviderError {
        ProviderError::new(PROVIDER, operation, kind, message)
    }

    fn route<'a>(&'a self, template: &str, mut values: Values<'a>) -> String {
        values.installation = Some(&self.config.installation);
        names::render(template, &values)
    }

    /// Sends the request `make` builds and decodes the reply, with the gRPC code of an error
    /// body applied; a concurrency conflict (`ABORTED`, a bare 409) is sent again per the retry
    /// policy.
    async fn call<T: DeserializeOwned>(
        &self,
        make: impl Fn() -> RequestBuilder,
    ) -> ProviderResult<T> {
        let policy = self.config.retry;
        let max = policy.max_attempts.max(1);
        let mut attempt = 1;
        loop {
            match make().send_json::<T>().await {
                Ok(reply) => return Ok(reply.body),
                Err(e) => {
                    let conflict = wire::is_conflict(&e);
                    let mut e = wire::remap(e);
                    if conflict && attempt < max {
                        let factor = 2u32.saturating_pow(attempt - 1);
                        let delay = policy
                            .initial_backoff
                            .saturating_mul(factor)
                            .min(policy.max_backoff);
                        tracing::warn!(
                            operation = %e.operation,
                            attempt,
                            delay_ms = delay.as_millis() as u64,
                            "concurrent change; retrying"
                        );
                        tokio::time::sleep(delay).await;
                        attempt += 1;
                        continue;
                    }
                    if conflict && attempt > 1 {
                        e.message
                            .push_str(&format!(" (after {attempt} conflicting attempts)"));
                    }
                    return Err(e);
                }
            }
        }
    }

    /// The user `name`, or `None` when Nebula has none.
    async fn get_user(&self, operation: &str, name: &str) -> ProviderResult<Option<User>> {
        let path = self.route(
            &self.config.routes.get_user,
            Values {
                user: Some(name),
                ..Values::default()
            },
        );
        match self.call::<User>(|| self.http.get(operation, &path)).await {
            Ok(user) => Ok(Some(user)),
            Err(e) if wire::has_code(&e, wire::NOT_FOUND) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Reads the user `name` again after a refusal: whether it exists, and if so the user when
    /// its card key holds a key.
    async fn user_with_key(
        &self,
        operation: &str,
        name: &str,
    ) -> ProviderResult<Option<Option<User>>> {
        Ok(self.get_user(operation, name).await?.map(|user| {
            user.card_key
                .as_ref()
                .is_some_and(|c| c.state.holds_a_key())
                .then_some(user)
        }))
    }

    /// Creates the user `user_id` (a replay finds it existing, which is fine).
    async fn create_user(
        &self,
        operation: &str,
        user_id: &str,
        user_name: &str,
        req: &EncodeKeyRequest,
    ) -> ProviderResult<User> {
        let path = self.route(&self.config.routes.create_user, Values::default());
        let mut body = json!({ "given_name": req.holder_ref });
        if !req.unit_ref.trim().is_empty() {
            body["family_name"] = Value::String(req.unit_ref.clone());
        }
        let created = self
            .call::<User>(|| {
                self.http
                    .post(operation, &path)
                    .query(&[("user_id", user_id)])
                    .json(&body)
                    // The id is ours: a replayed create is ALREADY_EXISTS, never a second user.
                    .idempotent(true)
            })
            .await;
        match created {
            Ok(user) => {
                tracing::info!(user = user_name, "salto user created");
                Ok(user)
            }
            Err(e) if wire::is_already_exists(&e) => {
                self.get_user(operation, user_name).await?.ok_or_else(|| {
                    Self::error(
                        operation,
                        ProviderErrorKind::NotFound,
                        format!("the user {user_name} exists but cannot be read"),
                    )
                })
            }
            Err(e) => Err(e),
        }
    }

    /// Polls `operation` until it finishes or `deadline_at`; then cancels it (best effort) and
    /// returns a retryable `Timeout`.
    async fn wait(
        &self,
        op: &str,
        mut operation: Operation,
        deadline_at: Instant,
        deadline: Duration,
    ) -> ProviderResult<Operation> {
        let name = operation.name.clone();
        let path = self.route(
            &self.config.routes.get_operation,
            Values {
                operation: Some(&name),
                ..Values::default()
            },
        );
        let mut interval = self.config.poll_initial;
        let mut polls = 0u32;
        loop {
            if operation.finished() {
                tracing::debug!(operation = %name, polls, "salto operation finished");
                return Ok(operation);
            }
            let now = Instant::now();
            if now >= deadline_at {
                return Err(self.give_up(op, &name, deadline, polls).await);
            }
            tokio::time::sleep(interval.min(deadline_at - now)).await;
            interval = interval.saturating_mul(2).min(self.config.poll_max);
            let remaining = deadline_at.saturating_duration_since(Instant::now());
            let timeout = self
                .config
                .timeout
                .min(remaining.max(Duration::from_secs(1)));
            polls += 1;
            match self
                .call::<Operation>(|| self.http.get(op, &path).timeout(timeout))
                .await
            {
                Ok(polled) => operation = polled,
                Err(e) if e.retryable() => {
                    tracing::warn!(operation = %name, kind = %e.kind, "polling failed; polling on");
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn give_up(&self, op: &str, name: &str, deadline: Duration, polls: u32) -> ProviderError {
        let path = self.route(
            &self.config.routes.cancel_operation,
            Values {
                operation: Some(name),
                ..Values::default()
            },
        );
        let cancelled = self
            .call::<Value>(|| self.http.post(op, &path).json(&json!({})).idempotent(true))
            .await;
        let outcome = match cancelled {
            Ok(_) => "the operation was cancelled".to_string(),
            Err(e) => format!("cancelling the operation failed too ({})", e.message),
        };
        tracing::warn!(operation = %name, polls, "no card encoded in time; {outcome}");
        Self::error(
            op,
            ProviderErrorKind::Timeout,
            format!(
                "no card was encoded within {deadline:?}; {outcome}. The write may still have \
                 finished: ask key_state by idempotency key"
            ),
        )
        .with_retryable(true)
    }

    /// The key reference of a key, or why it is not one of this installation.
    fn user_of_key(&self, operation: &str, key: &ExternalRef) -> ProviderResult<String> {
        if key.provider != PROVIDER {
            return Err(Self::error(
                operation,
                ProviderErrorKind::Rejected,
                format!("{key} is not a SALTO key"),
            ));
        }
        names::user_of_card_key(&self.config.installation, &key.id)
            .map_err(|m| Self::error(operation, ProviderErrorKind::Rejected, m))
    }

    /// The state of `user`'s card key; `by_key` when the caller holds a key we wrote.
    fn state_of(&self, user: &User, by_key: bool) -> EncoderKeyState {
        let card = user.card_key.as_ref();
        let state = card.map(|c| c.state).unwrap_or_default();
        let has_uid = card.is_some_and(|c| !c.uid.is_empty());
        let outdated = card.is_some_and(|c| c.outdated) && self.config.outdated_flag_is_superseded;
        if state.holds_a_key() {
            if user.blocked || outdated {
                EncoderKeyState::Outdated
            } else if state == wire::CardKeyState::Pending {
                EncoderKeyState::Pending
            } else {
                EncoderKeyState::Active
            }
        } else if by_key || has_uid {
            EncoderKeyState::Outdated
        } else {
            EncoderKeyState::NotAssigned
        }
    }
}

fn encoder_info(encoder: Encoder) -> EncoderInfo {
    let name = if encoder.display_name.trim().is_empty() {
        encoder.name.clone()
    } else {
        encoder.display_name
    };
    EncoderInfo {
        external: ExternalRef::new(PROVIDER, encoder.name),
        name,
        online: encoder.connected,
        initialized: encoder.initialized,
    }
}

#[async_trait]
impl KeyEncoder for SaltoEncoder {
    fn name(&self) -> &str {
        PROVIDER
    }

    /// `ListEncoders`, every page. An entry without a name is skipped (and logged).
    async fn list_encoders(
        &self,
        _req: ListEncodersRequest,
    ) -> ProviderResult<ListEncodersResponse> {
        const OP: &str = "list_encoders";
        let path = self.route(&self.config.routes.list_encoders, Values::default());
        let page_size = self.config.page_size.to_string();
        let mut encoders = Vec::new();
        let mut token = String::new();
        let mut seen = HashSet::new();
        for _ in 0..MAX_PAGES {
            let page = self
                .call::<EncoderList>(|| {
                    let mut query = vec![("page_size", page_size.as_str())];
                    if !token.is_empty() {
                        query.push(("page_token", token.as_str()));
                    }
                    self.http.get(OP, &path).query(&query)
                })
                .await?;
            for (i, value) in page.encoders.into_iter().enumerate() {
                match serde_json::from_value::<Encoder>(value) {
                    Ok(e) if !e.name.is_empty() => encoders.push(encoder_info(e)),
                    _ => tracing::warn!(index = i, "salto encoder entry without a name skipped"),
                }
            }
            if page.next_page_token.is_empty() {
                return Ok(ListEncodersResponse { encoders });
            }
            if !seen.insert(page.next_page_token.clone()) {
                return Err(Self::error(
                    OP,
                    ProviderErrorKind::InvalidResponse,
                    "the encoder listing repeated a page token",
                ));
            }
            token = page.next_page_token;
        }
        Err(Self::error(
            OP,
            ProviderErrorKind::InvalidResponse,
            format!("the encoder listing did not end within {MAX_PAGES} pages"),
        ))
    }

    /// Writes the intent's card key, or returns it when it already holds one (a retry writes
    /// nothing). See the crate docs for the steps.
    async fn encode_key(&self, req: EncodeKeyRequest) -> ProviderResult<EncodeKeyResponse> {
        const OP: &str = "encode_key";
        let started = Instant::now();
        let reject = |m: String| Err(Self::error(OP, ProviderErrorKind::Rejected, m));
        if req.encoder.provider != PROVIDER {
            return reject(format!("{} is not a SALTO encoder", req.encoder));
        }
        if req.idempotency_key.is_empty() {
            return reject("an idempotency key is required".into());
        }
        if req.holder_ref.trim().is_empty() {
            return reject("a holder reference is required".into());
        }
        if req.deadline.is_zero() {
            return reject("the deadline must be positive".into());
        }
        let encoder = match names::encoder_name(&self.config.installation, &req.encoder.id) {
            Ok(name) => name,
            Err(m) => return reject(m),
        };
        let user_id = Self::user_id(&req.idempotency_key);
        let user_name = names::user_name(&self.config.installation, &user_id);
        let card_key = names::card_key_name(&user_name);
        let key_ref = |user: &User| {
            let name = user
                .card_key
                .as_ref()
                .map(|c| c.name.clone())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| card_key.clone());
            EncodeKeyResponse {
                key: ExternalRef::new(PROVIDER, name),
            }
        };

        // 1. The intent's user, created on first use.
        let user = match self.get_user(OP, &user_name).await? {
            Some(user) => user,
            None => self.create_user(OP, &user_id, &user_name, &req).await?,
        };

        // 2. A key already written (or assigned) for this intent: never a second one (R-KEY-4).
        if user
            .card_key
            .as_ref()
            .is_some_and(|c| c.state.holds_a_key())
        {
            tracing::info!(user = %user_name, "salto card key already written; not encoding again");
            return Ok(key_ref(&user));
        }

        // 3. The encoder must be able to write (R-KEY-1).
        let encoder_path = self.route(
            &self.config.routes.get_encoder,
            Values {
                encoder: Some(&encoder),
                ..Values::default()
            },
        );
        let device: Encoder = self.call(|| self.http.get(OP, &encoder_path)).await?;
        if !device.connected {
            return Err(Self::error(
                OP,
                ProviderErrorKind::DeviceOffline,
                format!(
                    "the encoder {encoder} is not connected (no contact in the last 10 minutes)"
                ),
            ));
        }
        if !device.initialized {
            return Err(Self::error(
                OP,
                ProviderErrorKind::Rejected,
                format!("encoder not initialized: {encoder} must be initialised in Nebula first"),
            ));
        }

        // 4. Encode and wait for the card.
        let deadline_at = started + req.deadline;
        if Instant::now() >= deadline_at {
            return Err(Self::error(
                OP,
                ProviderErrorKind::Timeout,
                format!(
                    "the deadline of {:?} passed before encoding started; nothing was written",
                    req.deadline
                ),
            ));
        }
        let encode_path = self.route(
            &self.config.routes.encode_card_key,
            Values {
                user: Some(&user_name),
                card_key: Some(&card_key),
                ..Values::default()
            },
        );
        let body = json!({ "encoder": encoder });
        // Not retried by the transport: a replay could start a second write.
        let encoded = self
            .call::<Operation>(|| self.http.post(OP, &encode_path).json(&body))
            .await;
        let operation = match encoded {
            Ok(operation) => operation,
            // Refused because the card key already holds a key: an earlier attempt whose reply
            // was lost finished writing it after we read the user (R-KEY-4).
            Err(e)
                if wire::has_code(&e, wire::FAILED_PRECONDITION)
                    || wire::has_code(&e, wire::ALREADY_EXISTS) =>
            {
                match self.user_with_key(OP, &user_name).await? {
                    Some(Some(user)) => {
                        tracing::info!(user = %user_name, "salto card key written by an earlier attempt; not encoding again");
                        return Ok(key_ref(&user));
                    }
                    _ => return Err(e),
                }
            }
            Err(e) => return Err(e),
        };
        if !operation.finished() && operation.name.is_empty() {
            return Err(Self::error(
                OP,
                ProviderErrorKind::InvalidResponse,
                "EncodeCardKey returned an unfinished operation without a name",
            ));
        }
        tracing::info!(user = %user_name, operation = %operation.name, "salto encoding started");
        let operation = self.wait(OP, operation, deadline_at, req.deadline).await?;
        if let Some(status) = &operation.error {
            return Err(wire::operation_error(
                OP,
                status,
                &self.config.client_secret,
            ));
        }

        // 5. The written key.
        let user = self.get_user(OP, &user_name).await?.ok_or_else(|| {
            Self::error(
                OP,
                ProviderErrorKind::NotFound,
                format!("the user {user_name} disappeared after encoding"),
            )
        })?;
        if !user
            .card_key
            .as_ref()
            .is_some_and(|c| c.state.holds_a_key())
        {
            tracing::warn!(user = %user_name, "salto encoding finished but the card key is not active yet");
        }
        Ok(key_ref(&user))
    }

    /// The state of a key (by `key`) or of an intent's key (by `idempotency_key`). See the
    /// crate docs for the states.
    async fn key_state(&self, req: KeyStateRequest) -> ProviderResult<KeyStateResponse> {
        const OP: &str = "key_state";
        match (&req.key, &req.idempotency_key) {
            (Some(key), _) => {
                let user_name = self.user_of_key(OP, key)?;
                let state = match self.get_user(OP, &user_name).await? {
                    Some(user) => self.state_of(&user, true),
                    None => EncoderKeyState::Outdated,
                };
                Ok(KeyStateResponse {
                    key: Some(key.clone()),
                    state,
                })
            }
            (None, Some(intent)) => {
                let key = self.card_key_ref(intent);
                let user_name = names::user_name(&self.config.installation, &Self::user_id(intent));
                let (key, state) = match self.get_user(OP, &user_name).await? {
                    None => (None, EncoderKeyState::NotAssigned),
                    Some(user) => match self.state_of(&user, false) {
                        EncoderKeyState::NotAssigned => (None, EncoderKeyState::NotAssigned),
                        state => {
                            let name = user
                                .card_key
                                .as_ref()
                                .map(|c| c.name.clone())
                                .filter(|n| !n.is_empty())
                                .unwrap_or(key.id);
                            (Some(ExternalRef::new(PROVIDER, name)), state)
                        }
                    },
                };
                Ok(KeyStateResponse { key, state })
            }
            (None, None) => Err(Self::error(
                OP,
                ProviderErrorKind::Rejected,
                "ask by key or by idempotency key",
            )),
        }
    }

    /// `CancelCardKey`; a key already gone (or already cancelled) is success.
    async fn cancel_key(&self, req: CancelKeyRequest) -> ProviderResult<()> {
        const OP: &str = "cancel_key";
        let user_name = self.user_of_key(OP, &req.key)?;
        let path = self.route(
            &self.config.routes.cancel_card_key,
            Values {
                user: Some(&user_name),
                card_key: Some(&req.key.id),
                ..Values::default()
            },
        );
        let cancelled = self
            .call::<Value>(|| {
                let builder = self.http.post(OP, &path).json(&json!({}));
                if req.idempotency_key.is_empty() {
                    builder.idempotent(true)
                } else {
                    builder.idempotency_key(&req.idempotency_key)
                }
            })
            .await;
        match cancelled {
            Ok(_) => {
                tracing::info!(key = %req.key.id, "salto card key cancelled");
                Ok(())
            }
            // Already gone, or cancelled before: success once GetUser confirms that no key is
            // left (a 404 from a wrong route template must not pass for a cancelled key).
            Err(e)
                if wire::has_code(&e, wire::NOT_FOUND)
                    || wire::has_code(&e, wire::FAILED_PRECONDITION) =>
            {
                match self.user_with_key(OP, &user_name).await? {
                    Some(Some(_)) => Err(e),
                    Some(None) => {
                        tracing::info!(key = %req.key.id, "salto card key holds no key; nothing to cancel");
                        Ok(())
                    }
                    None => {
                        tracing::info!(key = %req.key.id, "salto user gone; nothing to cancel");
                        Ok(())
                    }
                }
            }
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoder() -> SaltoEncoder {
        let mut config = SaltoConfig::new("inst-1", "id", SecretString::from("hunter2-secret"));
        config.base_url = "http://127.0.0.1:9/v1".into();
        config.token_url = "http://127.0.0.1:9/oauth2/token".into();
        SaltoEncoder::new(config).unwrap()
    }

    fn user(json: Value) -> User {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn card_key_states_map_to_key_states_by_key_and_by_intent() {
        let e = encoder();
        let cases = [
            (
                json!({"card_key": {"state": "ACTIVE"}}),
                EncoderKeyState::Active,
                EncoderKeyState::Active,
            ),
            (
                json!({"card_key": {"state": "PENDING"}}),
                EncoderKeyState::Pending,
                EncoderKeyState::Pending,
            ),
            (
                json!({"card_key": {"state": "ACTIVE", "outdated": true}}),
                EncoderKeyState::Active,
                EncoderKeyState::Active,
            ),
            (
                json!({"card_key": {"state": "ACTIVE"}, "blocked": true}),
                EncoderKeyState::Outdated,
                EncoderKeyState::Outdated,
            ),
            (
                json!({"card_key": {"state": "NOT_ASSIGNED"}}),
                EncoderKeyState::Outdated,
                EncoderKeyState::NotAssigned,
            ),
            (
                json!({"card_key": {"state": "NOT_ASSIGNED", "uid": "04A1B2C3D4E5F6"}}),
                EncoderKeyState::Outdated,
                EncoderKeyState::Outdated,
            ),
            (
                json!({}),
                EncoderKeyState::Outdated,
                EncoderKeyState::NotAssigned,
            ),
        ];
        for (body, by_key, by_intent) in cases {
            let u = user(body.clone());
            assert_eq!(e.state_of(&u, true), by_key, "{body}");
            assert_eq!(e.state_of(&u, false), by_intent, "{body}");
        }
    }

    #[test]
    fn the_outdated_flag_can_be_read_as_superseded() {
        let mut config = encoder().config.clone();
        config.outdated_flag_is_superseded = true;
        let e = SaltoEncoder::new(config).unwrap();
        let u = user(json!({"card_key": {"state": "ACTIVE", "outdated": true}}));
        assert_eq!(e.state_of(&u, true), EncoderKeyState::Outdated);
    }

    #[test]
    fn new_refuses_an_unusable_configuration_without_showing_the_secret() {
        let mut config = encoder().config.clone();
        config.routes.encode_card_key = "/{operation}:encode".into();
        let e = SaltoEncoder::new(config).unwrap_err();
        assert_eq!(e.kind, ProviderErrorKind::Other);
        assert!(e.message.contains("encode_card_key"), "{}", e.message);
        let mut config = encoder().config.clone();
        config.base_url = "not a url".into();
        let e = SaltoEncoder::new(config).unwrap_err();
        assert!(!e.to_string().contains("hunter2"));
        assert!(!format!("{:?}", encoder()).contains("hunter2"));
    }

    #[test]
    fn the_key_ref_of_an_intent_is_its_users_card_key() {
        assert_eq!(
            encoder().card_key_ref("intent-1"),
            ExternalRef::new("salto", "installations/inst-1/users/intent-1/card-key")
        );
    }
}
