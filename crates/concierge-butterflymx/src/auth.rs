//! The token lifecycle: the one-time consent's code exchanged for a token pair, the pair kept
//! in the [`SecretVault`] (stored before it is used), refreshed when it is due or refused, one
//! refresh at a time in a process, and shared safely with other processes on the same vault.

use crate::map::PROVIDER;
use crate::wire::TokenReply;
use chrono::{DateTime, Duration, Utc};
use concierge_core::{ProviderError, ProviderErrorKind, RetryClass, SecretVault};
use concierge_http::{ExposeSecret, HttpClient, SecretString};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A token pair is refreshed this long before it expires.
pub const REFRESH_MARGIN: Duration = Duration::minutes(5);

/// The access token's lifetime when the token reply gives none: the documented 24 h.
const DEFAULT_LIFETIME_SECONDS: i64 = 86_400;

/// An access and refresh token pair. No `Debug`: it holds tokens.
#[derive(Clone)]
pub(crate) struct Tokens {
    pub access: SecretString,
    pub refresh: SecretString,
    pub expires_at: DateTime<Utc>,
}

/// The vault's JSON of a pair.
#[derive(Serialize, Deserialize)]
struct Stored {
    access_token: String,
    refresh_token: String,
    expires_at: DateTime<Utc>,
}

impl Tokens {
    fn to_secret(&self) -> SecretString {
        let stored = Stored {
            access_token: self.access.expose_secret().to_owned(),
            refresh_token: self.refresh.expose_secret().to_owned(),
            expires_at: self.expires_at,
        };
        SecretString::from(serde_json::to_string(&stored).unwrap_or_default())
    }

    fn from_secret(value: &SecretString) -> Option<Self> {
        let stored: Stored = serde_json::from_str(value.expose_secret()).ok()?;
        Some(Self {
            access: SecretString::from(stored.access_token),
            refresh: SecretString::from(stored.refresh_token),
            expires_at: stored.expires_at,
        })
    }

    /// Whether the pair is another than `other` (another process rotated it).
    fn differs(&self, other: &Tokens) -> bool {
        self.refresh.expose_secret() != other.refresh.expose_secret()
            || self.access.expose_secret() != other.access.expose_secret()
    }

    /// Whether the access token is good for more than [`REFRESH_MARGIN`].
    fn fresh(&self, now: DateTime<Utc>) -> bool {
        now + REFRESH_MARGIN < self.expires_at
    }
}

/// The tokens held in memory.
#[derive(Default)]
struct State {
    tokens: Option<Tokens>,
    /// The pair was rotated but the vault did not take it: it is stored before any use.
    unsaved: bool,
}

/// Keeps the integration's tokens. Its lock is held for every refresh, so a process refreshes
/// one at a time and concurrent callers wait for the new pair.
pub(crate) struct Keeper {
    vault: Arc<dyn SecretVault>,
    name: String,
    accounts: HttpClient,
    client_id: String,
    client_secret: SecretString,
    redirect_uri: String,
    state: tokio::sync::Mutex<State>,
}

fn vault_error(operation: &str, e: impl std::fmt::Display, retryable: bool) -> ProviderError {
    ProviderError::new(
        PROVIDER,
        operation,
        ProviderErrorKind::Other,
        format!("the secret vault failed: {e}"),
    )
    .with_retryable(retryable)
}

/// No pair in the vault: the one-time consent was never given.
fn consent_needed(operation: &str) -> ProviderError {
    ProviderError::new(
        PROVIDER,
        operation,
        ProviderErrorKind::Unauthorized,
        "no ButterflyMX consent is stored for this client: a building admin must give consent \
         (open the consent URL, then authorize with the code shown)",
    )
    .with_retryable(false)
}

/// A refused token request: the consent is gone.
fn reconsent(mut e: ProviderError) -> ProviderError {
    e.kind = ProviderErrorKind::Unauthorized;
    e.retry = RetryClass::Permanent;
    e.message = format!(
        "the building admin must give consent again: ButterflyMX refused the stored refresh token ({})",
        e.message
    );
    e
}

/// Whether the token endpoint refused the grant (rather than failing).
fn refused(e: &ProviderError) -> bool {
    matches!(e.http_status, Some(400 | 401 | 403))
}

/// When a token requested at `requested_at` expires: after the reply's lifetime, else (none,
/// or one too large for a date) the documented 24 h.
pub(crate) fn expires_at(reply: &TokenReply, requested_at: DateTime<Utc>) -> DateTime<Utc> {
    reply
        .lifetime_seconds()
        .and_then(|lifetime| Duration::try_seconds(lifetime.max(0)))
        .and_then(|lifetime| requested_at.checked_add_signed(lifetime))
        .unwrap_or_else(|| requested_at + Duration::seconds(DEFAULT_LIFETIME_SECONDS))
}

impl Keeper {
    pub(crate) fn new(
        vault: Arc<dyn SecretVault>,
        name: String,
        accounts: HttpClient,
        client_id: String,
        client_secret: SecretString,
        redirect_uri: String,
    ) -> Self {
        Self {
            vault,
            name,
            accounts,
            client_id,
            client_secret,
            redirect_uri,
            state: tokio::sync::Mutex::new(State::default()),
        }
    }

    async fn load(&self, operation: &str) -> Result<Option<Tokens>, ProviderError> {
        let value = self
            .vault
            .load(&self.name)
            .await
            .map_err(|e| vault_error(operation, &e, e.is_retryable()))?;
        match value {
            None => Ok(None),
            Some(v) => Tokens::from_secret(&v).map(Some).ok_or_else(|| {
                vault_error(
                    operation,
                    "the stored ButterflyMX tokens cannot be read",
                    false,
                )
            }),
        }
    }

    /// Stores `tokens`, then makes them the ones in use; if the vault refuses them they are
    /// kept, marked unsaved, and stored before any use.
    async fn adopt_new(
        &self,
        operation: &str,
        state: &mut State,
        tokens: Tokens,
    ) -> Result<(), ProviderError> {
        state.tokens = Some(tokens);
        state.unsaved = true;
        self.save_unsaved(operation, state).await
    }

    async fn save_unsaved(&self, operation: &str, state: &mut State) -> Result<(), ProviderError> {
        let Some(tokens) = state.tokens.as_ref().filter(|_| state.unsaved) else {
            return Ok(());
        };
        self.vault
            .save(&self.name, tokens.to_secret())
            .await
            .map_err(|e| {
                vault_error(
                    operation,
                    format!("{e} (the rotated ButterflyMX tokens are kept in memory and stored before use)"),
                    true,
                )
            })?;
        state.unsaved = false;
        Ok(())
    }

    /// A token request with `form`; the secrets in it are scrubbed from its errors.
    async fn grant(
        &self,
        operation: &str,
        form: &[(&str, &str)],
        secret: &SecretString,
    ) -> Result<Tokens, ProviderError> {
        let requested_at = Utc::now();
        let reply = self
            .accounts
            .post(operation, "/oauth/token")
            .form(form)
            .secret(self.client_secret.clone())
            .secret(secret.clone())
            // A token request done twice is refused, never doubled: retry its transient failures.
            .idempotent(true)
            .send_json::<TokenReply>()
            .await?
            .body;
        if reply.access_token.trim().is_empty() {
            return Err(crate::map::invalid(
                operation,
                "the token reply has no access token",
            ));
        }
        let expires_at = expires_at(&reply, requested_at);
        let refresh = match reply.refresh_token.filter(|t| !t.trim().is_empty()) {
            Some(r) => SecretString::from(r),
            // Without a rotated refresh token the one used stays valid.
            None => secret.clone(),
        };
        Ok(Tokens {
            access: SecretString::from(reply.access_token),
            refresh,
            expires_at,
        })
    }

    async fn refresh_grant(
        &self,
        operation: &str,
        refresh: &SecretString,
    ) -> Result<Tokens, ProviderError> {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.expose_secret()),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose_secret()),
        ];
        self.grant(operation, &form, refresh).await
    }

    /// Exchanges the consent's `code` for a pair and stores it.
    pub(crate) async fn authorize(
        &self,
        operation: &str,
        code: &SecretString,
    ) -> Result<(), ProviderError> {
        let mut state = self.state.lock().await;
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code.expose_secret()),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose_secret()),
            ("redirect_uri", self.redirect_uri.as_str()),
        ];
        let tokens = self.grant(operation, &form, code).await.map_err(|mut e| {
            if refused(&e) {
                e.kind = ProviderErrorKind::Unauthorized;
                e.retry = RetryClass::Permanent;
                e.message = format!(
                    "ButterflyMX refused the consent code (used already, expired, or for another client or redirect): \
                     ask the building admin to consent again ({})",
                    e.message
                );
            }
            e
        })?;
        self.adopt_new(operation, &mut state, tokens).await
    }

    /// An access token good for more than [`REFRESH_MARGIN`], refreshing the pair if needed.
    pub(crate) async fn access(&self, operation: &str) -> Result<SecretString, ProviderError> {
        let mut state = self.state.lock().await;
        if state.tokens.is_none() {
            state.tokens = Some(
                self.load(operation)
                    .await?
                    .ok_or_else(|| consent_needed(operation))?,
            );
        }
        self.save_unsaved(operation, &mut state).await?;
        let tokens = state
            .tokens
            .clone()
            .ok_or_else(|| consent_needed(operation))?;
        if tokens.fresh(Utc::now()) {
            return Ok(tokens.access);
        }
        self.refresh_locked(operation, &mut state, false).await
    }

    /// After `used` was refused with a 401: another access token, from this process's latest
    /// pair, another process's, or a refresh.
    pub(crate) async fn after_unauthorized(
        &self,
        operation: &str,
        used: &SecretString,
    ) -> Result<SecretString, ProviderError> {
        let mut state = self.state.lock().await;
        self.save_unsaved(operation, &mut state).await?;
        if let Some(current) = &state.tokens
            && current.access.expose_secret() != used.expose_secret()
        {
            // Another caller of this process refreshed meanwhile.
            return Ok(current.access.clone());
        }
        self.refresh_locked(operation, &mut state, true).await
    }

    /// Refreshes the pair, holding the lock. `forced` after a 401: the current access token
    /// is known bad and is never handed out again.
    async fn refresh_locked(
        &self,
        operation: &str,
        state: &mut State,
        forced: bool,
    ) -> Result<SecretString, ProviderError> {
        // A rotated pair the vault has not taken yet is stored first: it must not be lost
        // to an older pair read back from the vault.
        self.save_unsaved(operation, state).await?;
        let Some(mut base) = state.tokens.clone() else {
            return Err(consent_needed(operation));
        };
        // Another process sharing the vault may have rotated the pair already: its pair is the
        // one to use (and our refresh token is spent).
        if let Some(stored) = self.load(operation).await?
            && stored.differs(&base)
        {
            state.tokens = Some(stored.clone());
            state.unsaved = false;
            if stored.fresh(Utc::now()) {
                return Ok(stored.access);
            }
            base = stored;
        }
        match self.refresh_grant(operation, &base.refresh).await {
            Ok(tokens) => {
                let access = tokens.access.clone();
                self.adopt_new(operation, state, tokens).await?;
                tracing::info!(provider = PROVIDER, "ButterflyMX tokens rotated and stored");
                Ok(access)
            }
            Err(e) if refused(&e) => {
                // Another process may have rotated between our read and our refresh.
                if let Some(stored) = self.load(operation).await?
                    && stored.differs(&base)
                {
                    state.tokens = Some(stored.clone());
                    state.unsaved = false;
                    return Ok(stored.access);
                }
                Err(reconsent(e))
            }
            Err(e) => {
                // A passing failure: the current token is still good until it expires.
                if !forced && Utc::now() < base.expires_at {
                    tracing::warn!(kind = %e.kind, "ButterflyMX token refresh failed; using the current token until it expires");
                    return Ok(base.access);
                }
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(access: &str, refresh: &str, minutes: i64) -> Tokens {
        Tokens {
            access: SecretString::from(access),
            refresh: SecretString::from(refresh),
            expires_at: Utc::now() + Duration::minutes(minutes),
        }
    }

    #[test]
    fn a_pair_round_trips_through_the_vault_s_json() {
        let p = pair("a-1", "r-1", 60);
        let back = Tokens::from_secret(&p.to_secret()).unwrap();
        assert!(!back.differs(&p));
        assert_eq!(back.expires_at, p.expires_at);
        assert!(Tokens::from_secret(&SecretString::from("not json")).is_none());
    }

    #[test]
    fn a_pair_is_due_five_minutes_before_it_expires() {
        let now = Utc::now();
        assert!(pair("a", "r", 6).fresh(now));
        assert!(!pair("a", "r", 4).fresh(now));
        assert!(!pair("a", "r", -1).fresh(now));
        assert!(pair("a", "r", 60).differs(&pair("a", "r2", 60)));
    }
}
