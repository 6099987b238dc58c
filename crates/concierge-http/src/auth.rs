//! How a client authenticates: static secret headers, a static bearer token, or OAuth2 (client
//! credentials, or a rotating refresh token), with a shared token cache.

use crate::client::HttpClient;
use crate::oauth::{self, TokenGrant};
use concierge_core::ProviderError;
use reqwest::header::{HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

const REDACTED: &str = "<redacted>";

/// How requests are authenticated.
///
/// Every credential is a [`SecretString`]; `Debug` prints `<redacted>` in its place, and error
/// messages never contain it.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum Auth {
    /// No authentication.
    #[default]
    None,
    /// Headers sent on every request, e.g. Buildium's `x-buildium-client-id` and
    /// `x-buildium-client-secret`. Build with [`Auth::headers`].
    Headers(Vec<(String, SecretString)>),
    /// A static `Authorization: Bearer <token>`. Build with [`Auth::bearer`].
    Bearer(SecretString),
    /// OAuth2 client credentials grant. Build with [`Auth::client_credentials`].
    ClientCredentials(ClientCredentials),
    /// OAuth2 refresh token grant, for tokens obtained by an authorization code flow. Build with
    /// [`Auth::refresh_token`].
    RefreshToken(RefreshToken),
}

impl Auth {
    /// Secret headers sent on every request.
    ///
    /// ```
    /// use concierge_http::{Auth, SecretString};
    /// let auth = Auth::headers([
    ///     ("x-buildium-client-id", SecretString::from("id-6f1c")),
    ///     ("x-buildium-client-secret", SecretString::from("s3cr3t-6f1c")),
    /// ]);
    /// assert!(!format!("{auth:?}").contains("6f1c"));
    /// ```
    pub fn headers<I, K>(headers: I) -> Self
    where
        I: IntoIterator<Item = (K, SecretString)>,
        K: Into<String>,
    {
        Auth::Headers(
            headers
                .into_iter()
                .map(|(name, value)| (name.into(), value))
                .collect(),
        )
    }

    /// A static bearer token (`Authorization: Bearer <token>`).
    pub fn bearer(token: SecretString) -> Self {
        Auth::Bearer(token)
    }

    /// OAuth2 client credentials: a token is fetched from `token_url`, cached until shortly
    /// before it expires, and fetched again once when a request gets a 401. A token whose reply
    /// has no `expires_in` is kept until a 401.
    pub fn client_credentials(credentials: ClientCredentials) -> Self {
        Auth::ClientCredentials(credentials)
    }

    /// OAuth2 refresh token: access tokens are obtained with `grant_type=refresh_token`; when the
    /// provider rotates the refresh token, the new one is kept and handed to `on_rotate`.
    pub fn refresh_token(refresh: RefreshToken) -> Self {
        Auth::RefreshToken(refresh)
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::Headers(headers) => {
                let mut map = f.debug_map();
                for (name, _) in headers {
                    map.entry(name, &REDACTED);
                }
                map.finish()
            }
            Auth::Bearer(_) => f.debug_tuple("Bearer").field(&REDACTED).finish(),
            Auth::ClientCredentials(c) => c.fmt(f),
            Auth::RefreshToken(r) => r.fmt(f),
        }
    }
}

/// OAuth2 client credentials (RFC 6749 §4.4), sent as form fields to the token endpoint.
#[derive(Clone)]
pub struct ClientCredentials {
    /// The token endpoint, e.g. `https://account.saltosystems.com/oauth2/token`.
    pub token_url: String,
    /// The client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: SecretString,
    /// The scope to ask for, space separated, if any.
    pub scope: Option<String>,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("token_url", &crate::error::redact_url(&self.token_url))
            .field("client_id", &self.client_id)
            .field("client_secret", &REDACTED)
            .field("scope", &self.scope)
            .finish()
    }
}

/// Called with each new refresh token a provider hands out; store it, as the old one may no
/// longer work. Called while the token cache is locked: keep it quick and never call the client
/// from it.
pub type OnRotate = Arc<dyn Fn(SecretString) + Send + Sync>;

/// An OAuth2 refresh token (RFC 6749 §6), sent with the client's id and secret as form fields.
#[derive(Clone)]
pub struct RefreshToken {
    /// The token endpoint, e.g. `https://accountsv2.butterflymx.com/oauth/token`.
    pub token_url: String,
    /// The client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: SecretString,
    /// The refresh token obtained by the authorization code flow (or the last one stored).
    pub refresh_token: SecretString,
    /// Receives each new refresh token when the provider rotates it.
    pub on_rotate: OnRotate,
}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshToken")
            .field("token_url", &crate::error::redact_url(&self.token_url))
            .field("client_id", &self.client_id)
            .field("client_secret", &REDACTED)
            .field("refresh_token", &REDACTED)
            .field("on_rotate", &"<callback>")
            .finish()
    }
}

/// The validated form of [`Auth`] held by a client.
pub(crate) enum AuthState {
    None,
    Headers(Vec<(HeaderName, SecretString)>),
    Bearer(SecretString),
    OAuth(TokenCache),
}

impl AuthState {
    /// Validates header names and values; the error names the header, never its value.
    pub(crate) fn new(auth: Auth) -> Result<Self, String> {
        Ok(match auth {
            Auth::None => AuthState::None,
            Auth::Headers(headers) => {
                let mut out = Vec::with_capacity(headers.len());
                for (name, value) in headers {
                    let parsed = HeaderName::from_bytes(name.as_bytes())
                        .map_err(|_| format!("invalid auth header name {name:?}"))?;
                    HeaderValue::from_str(value.expose_secret())
                        .map_err(|_| format!("invalid value for auth header {name:?}"))?;
                    out.push((parsed, value));
                }
                AuthState::Headers(out)
            }
            Auth::Bearer(token) => {
                bearer_value(&token).map_err(|_| "invalid bearer token".to_string())?;
                AuthState::Bearer(token)
            }
            Auth::ClientCredentials(c) => {
                check_url(&c.token_url)?;
                AuthState::OAuth(TokenCache::new(TokenGrant::ClientCredentials(c)))
            }
            Auth::RefreshToken(r) => {
                check_url(&r.token_url)?;
                AuthState::OAuth(TokenCache::new(TokenGrant::RefreshToken(r)))
            }
        })
    }

    /// The configured secrets, for scrubbing error messages.
    pub(crate) fn static_secrets(&self) -> Vec<SecretString> {
        match self {
            AuthState::None => Vec::new(),
            AuthState::Headers(h) => h.iter().map(|(_, v)| v.clone()).collect(),
            AuthState::Bearer(t) => vec![t.clone()],
            AuthState::OAuth(cache) => match &cache.grant {
                TokenGrant::ClientCredentials(c) => vec![c.client_secret.clone()],
                TokenGrant::RefreshToken(r) => {
                    vec![r.client_secret.clone(), r.refresh_token.clone()]
                }
            },
        }
    }
}

impl fmt::Debug for AuthState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthState::None => f.write_str("None"),
            AuthState::Headers(headers) => {
                let mut map = f.debug_map();
                for (name, _) in headers {
                    map.entry(&name.as_str(), &REDACTED);
                }
                map.finish()
            }
            AuthState::Bearer(_) => f.debug_tuple("Bearer").field(&REDACTED).finish(),
            AuthState::OAuth(cache) => match &cache.grant {
                TokenGrant::ClientCredentials(c) => c.fmt(f),
                TokenGrant::RefreshToken(r) => r.fmt(f),
            },
        }
    }
}

fn check_url(url: &str) -> Result<(), String> {
    match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(()),
        _ => Err(format!(
            "invalid token URL {:?}",
            crate::error::redact_url(url)
        )),
    }
}

/// `Bearer <token>`, marked sensitive.
pub(crate) fn bearer_value(token: &SecretString) -> Result<HeaderValue, ()> {
    let mut value =
        HeaderValue::from_str(&format!("Bearer {}", token.expose_secret())).map_err(|_| ())?;
    value.set_sensitive(true);
    Ok(value)
}

/// An access token and when to replace it.
struct CachedToken {
    access: SecretString,
    /// When to fetch a new one (shortly before expiry); `None` if the provider gave no lifetime.
    refresh_at: Option<Instant>,
    /// When it expires; until then it may still be used if fetching a new one fails.
    expires_at: Option<Instant>,
    generation: u64,
}

struct TokenState {
    token: Option<CachedToken>,
    generation: u64,
    /// The refresh token to use next (rotated ones replace the configured one).
    refresh_token: Option<SecretString>,
}

/// The OAuth2 token cache of a client, shared by its clones. One async mutex guards it and is
/// held while a token is fetched, so concurrent callers share one fetch.
pub(crate) struct TokenCache {
    pub(crate) grant: TokenGrant,
    state: tokio::sync::Mutex<TokenState>,
}

/// A token handed to a request: its value and its generation, to invalidate exactly it on a 401.
pub(crate) struct IssuedToken {
    pub(crate) access: SecretString,
    pub(crate) generation: u64,
}

impl TokenCache {
    fn new(grant: TokenGrant) -> Self {
        let refresh_token = match &grant {
            TokenGrant::RefreshToken(r) => Some(r.refresh_token.clone()),
            TokenGrant::ClientCredentials(_) => None,
        };
        Self {
            grant,
            state: tokio::sync::Mutex::new(TokenState {
                token: None,
                generation: 0,
                refresh_token,
            }),
        }
    }

    /// A valid access token: the cached one, or a new one fetched for `operation`.
    pub(crate) async fn token(
        &self,
        client: &HttpClient,
        operation: &str,
    ) -> Result<IssuedToken, ProviderError> {
        let mut state = self.state.lock().await;
        let now = Instant::now();
        if let Some(t) = &state.token
            && t.refresh_at.is_none_or(|at| now < at)
        {
            return Ok(IssuedToken {
                access: t.access.clone(),
                generation: t.generation,
            });
        }

        let fetched =
            oauth::exchange(client, operation, &self.grant, state.refresh_token.as_ref()).await;
        let fetched = match fetched {
            Ok(f) => f,
            Err(e) => {
                // A token due for early refresh is still good until it expires.
                if let Some(t) = &state.token
                    && e.retryable()
                    && t.expires_at.is_some_and(|at| Instant::now() < at)
                {
                    tracing::warn!(kind = %e.kind, "token refresh failed; using the current token until it expires");
                    return Ok(IssuedToken {
                        access: t.access.clone(),
                        generation: t.generation,
                    });
                }
                return Err(e);
            }
        };

        if let (TokenGrant::RefreshToken(r), Some(new)) = (&self.grant, fetched.refresh_token) {
            let changed = state
                .refresh_token
                .as_ref()
                .is_none_or(|old| old.expose_secret() != new.expose_secret());
            if changed {
                state.refresh_token = Some(new.clone());
                (r.on_rotate)(new);
            }
        }

        state.generation += 1;
        let lifetime = fetched.expires_in;
        let token = CachedToken {
            access: fetched.access_token,
            refresh_at: lifetime.map(|l| now + refresh_after(l)),
            expires_at: lifetime.map(|l| now + l),
            generation: state.generation,
        };
        let issued = IssuedToken {
            access: token.access.clone(),
            generation: token.generation,
        };
        state.token = Some(token);
        Ok(issued)
    }

    /// Drops the cached token if it is still the one of `generation` (a 401 proved it bad), so
    /// the next caller fetches a new one. Concurrent 401s of one token cause one fetch.
    pub(crate) async fn invalidate(&self, generation: u64) {
        let mut state = self.state.lock().await;
        if state
            .token
            .as_ref()
            .is_some_and(|t| t.generation == generation)
        {
            state.token = None;
        }
    }

    /// The current refresh token, for scrubbing error messages.
    pub(crate) async fn current_refresh_token(&self) -> Option<SecretString> {
        self.state.lock().await.refresh_token.clone()
    }
}

/// How long to use a token of `lifetime` before fetching a new one: 60 s before expiry, or at
/// 90% of its lifetime for tokens shorter than 10 minutes.
pub(crate) fn refresh_after(lifetime: Duration) -> Duration {
    lifetime - (lifetime / 10).min(Duration::from_secs(60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_refreshed_a_minute_early_or_at_ninety_percent_of_a_short_lifetime() {
        assert_eq!(
            refresh_after(Duration::from_secs(86_400)),
            Duration::from_secs(86_340)
        );
        assert_eq!(
            refresh_after(Duration::from_secs(3_600)),
            Duration::from_secs(3_540)
        );
        assert_eq!(
            refresh_after(Duration::from_secs(100)),
            Duration::from_secs(90)
        );
        assert_eq!(
            refresh_after(Duration::from_secs(1)),
            Duration::from_millis(900)
        );
        assert_eq!(refresh_after(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn auth_debug_names_headers_but_never_their_values() {
        let auth = Auth::headers([
            ("x-buildium-client-id", SecretString::from("canary-id-123")),
            (
                "x-buildium-client-secret",
                SecretString::from("canary-secret-456"),
            ),
        ]);
        let text = format!("{auth:?}");
        assert!(text.contains("x-buildium-client-secret"));
        assert!(!text.contains("canary"));
        let state = AuthState::new(auth).unwrap();
        let text = format!("{state:?}");
        assert!(text.contains("x-buildium-client-id"));
        assert!(!text.contains("canary"));
    }

    #[test]
    fn an_invalid_auth_header_is_named_without_its_value() {
        let err = AuthState::new(Auth::headers([(
            "x-key",
            SecretString::from("canary\nsecret"),
        )]))
        .unwrap_err();
        assert!(err.contains("x-key"));
        assert!(!err.contains("canary"));
    }
}
