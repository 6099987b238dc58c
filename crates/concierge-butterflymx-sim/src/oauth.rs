//! The OAuth2 server: one-time consent codes, the authorization page, and the token endpoint
//! (`authorization_code` and `refresh_token` grants; every refresh rotates both tokens and ends
//! the refresh token used), and the bearer check of every API request.

use crate::config::{OOB_REDIRECT, SimConfig};
use crate::reply::Reply;
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

/// An issued access token.
struct Access {
    expires_at: Instant,
    /// The refresh token issued with it.
    refresh: String,
}

/// Issued codes and tokens.
pub(crate) struct OAuth {
    codes: HashSet<String>,
    access: HashMap<String, Access>,
    refresh: HashSet<String>,
    /// Token pairs issued (by either grant).
    pub issued: u64,
    /// Refresh grants honoured.
    pub refreshes: u64,
    /// The lifetime of the next access tokens.
    pub lifetime: Duration,
}

impl OAuth {
    pub(crate) fn new(lifetime: Duration) -> Self {
        Self {
            codes: HashSet::new(),
            access: HashMap::new(),
            refresh: HashSet::new(),
            issued: 0,
            refreshes: 0,
            lifetime,
        }
    }

    /// A new one-time consent code.
    pub(crate) fn issue_code(&mut self, prefix: &str, rng: &mut StdRng) -> String {
        let code = format!("{prefix}-code-{}", hex(rng));
        self.codes.insert(code.clone());
        code
    }

    /// Whether `bearer` is a live access token.
    pub(crate) fn check(&self, bearer: &str) -> bool {
        self.access
            .get(bearer)
            .is_some_and(|a| Instant::now() < a.expires_at)
    }

    /// Every access token issued so far expires now.
    pub(crate) fn expire_access(&mut self) {
        let now = Instant::now();
        for a in self.access.values_mut() {
            a.expires_at = now;
        }
    }

    /// The consent is withdrawn: every code and token stops working.
    pub(crate) fn revoke(&mut self) {
        self.codes.clear();
        self.access.clear();
        self.refresh.clear();
    }

    fn issue(&mut self, prefix: &str, rng: &mut StdRng) -> Reply {
        self.issued += 1;
        let n = self.issued;
        let access = format!("{prefix}-access-{n}-{}", hex(rng));
        let refresh = format!("{prefix}-refresh-{n}-{}", hex(rng));
        self.access.insert(
            access.clone(),
            Access {
                expires_at: Instant::now() + self.lifetime,
                refresh: refresh.clone(),
            },
        );
        self.refresh.insert(refresh.clone());
        let created_at = chrono::Utc::now().timestamp();
        let mut reply = Reply::json(
            200,
            json!({
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": self.lifetime.as_secs(),
                "refresh_token": refresh,
                "scope": "public",
                "created_at": created_at,
            }),
        );
        reply.journal_body = Some(json!({
            "access_token": "<redacted>",
            "token_type": "Bearer",
            "expires_in": self.lifetime.as_secs(),
            "refresh_token": "<redacted>",
            "scope": "public",
            "created_at": created_at,
        }));
        reply
    }

    /// `POST /oauth/token` with the form `form`.
    pub(crate) fn token(
        &mut self,
        config: &SimConfig,
        form: &[(String, String)],
        rng: &mut StdRng,
    ) -> Reply {
        let field = |k: &str| {
            form.iter()
                .find(|(name, _)| name == k)
                .map(|(_, v)| v.as_str())
        };
        if field("client_id") != Some(config.client_id.as_str())
            || field("client_secret") != Some(config.client_secret.as_str())
        {
            return oauth_error(
                401,
                "invalid_client",
                "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
            );
        }
        let invalid_grant = || {
            oauth_error(
                401,
                "invalid_grant",
                "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
            )
        };
        match field("grant_type") {
            Some("authorization_code") => {
                let code = field("code").unwrap_or_default();
                if field("redirect_uri") != Some(config.redirect_uri.as_str())
                    || !self.codes.remove(code)
                {
                    return invalid_grant();
                }
                self.issue(&config.token_prefix, rng)
            }
            Some("refresh_token") => {
                let used = field("refresh_token").unwrap_or_default();
                if !self.refresh.remove(used) {
                    return invalid_grant();
                }
                if config.revoke_access_on_refresh {
                    self.access.retain(|_, a| a.refresh != used);
                }
                self.refreshes += 1;
                self.issue(&config.token_prefix, rng)
            }
            _ => oauth_error(
                400,
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server.",
            ),
        }
    }

    /// `GET /oauth/authorize`: the building admin consents at once. The out-of-band redirect
    /// shows the code on a page; another redirect sends the browser there with `?code=`.
    pub(crate) fn authorize(
        &mut self,
        config: &SimConfig,
        query: &[(String, String)],
        rng: &mut StdRng,
    ) -> Reply {
        let field = |k: &str| {
            query
                .iter()
                .find(|(name, _)| name == k)
                .map(|(_, v)| v.as_str())
        };
        if field("client_id") != Some(config.client_id.as_str()) {
            return oauth_error(401, "invalid_client", "Client authentication failed.");
        }
        if field("response_type") != Some("code") {
            return oauth_error(
                400,
                "unsupported_response_type",
                "The authorization server does not support this response type.",
            );
        }
        if field("redirect_uri") != Some(config.redirect_uri.as_str()) {
            return oauth_error(
                400,
                "invalid_redirect_uri",
                "The requested redirect uri is malformed or doesn't match client redirect URI.",
            );
        }
        let code = self.issue_code(&config.token_prefix, rng);
        if config.redirect_uri == OOB_REDIRECT {
            let mut reply = Reply::json(200, json!({}));
            reply.body = None;
            reply.html = Some(format!(
                "<!doctype html><title>Authorization code</title><p>Authorization code:</p><code id=\"authorization_code\">{code}</code>"
            ));
            return reply;
        }
        let separator = if config.redirect_uri.contains('?') {
            '&'
        } else {
            '?'
        };
        let location = format!("{}{separator}code={code}", config.redirect_uri);
        let mut reply = Reply::no_content().header("location", location);
        reply.status = 302;
        reply
    }
}

/// An OAuth2 error body.
fn oauth_error(status: u16, error: &str, description: &str) -> Reply {
    Reply::json(
        status,
        json!({ "error": error, "error_description": description }),
    )
}

fn hex(rng: &mut StdRng) -> String {
    format!("{:016x}{:016x}", rng.random::<u64>(), rng.random::<u64>())
}
