//! The OAuth2 token exchange (RFC 6749 §4.4 and §6): a form POST to the token endpoint.
//!
//! Hand-written rather than taken from the `oauth2` crate: its reqwest integration is on
//! reqwest 0.12, which would put a second reqwest (and hyper stack) in the tree, and the two grants
//! needed here are a form POST and a three-field JSON reply.

use crate::auth::{ClientCredentials, RefreshToken};
use crate::client::{HttpClient, Prepared};
use concierge_core::{ProviderError, ProviderErrorKind};
use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::time::Duration;

/// The grant a token cache uses.
pub(crate) enum TokenGrant {
    ClientCredentials(ClientCredentials),
    RefreshToken(RefreshToken),
}

impl TokenGrant {
    fn token_url(&self) -> &str {
        match self {
            TokenGrant::ClientCredentials(c) => &c.token_url,
            TokenGrant::RefreshToken(r) => &r.token_url,
        }
    }
}

/// A successful token reply.
pub(crate) struct Token {
    pub(crate) access_token: SecretString,
    pub(crate) expires_in: Option<Duration>,
    pub(crate) refresh_token: Option<SecretString>,
}

/// The wire form of a token reply. No `Debug`: it holds tokens.
#[derive(Deserialize)]
struct TokenReply {
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
    #[serde(default)]
    refresh_token: Option<String>,
}

/// The form body of a token request.
fn form(grant: &TokenGrant, refresh_token: Option<&SecretString>) -> String {
    let mut form = form_urlencoded::Serializer::new(String::new());
    match grant {
        TokenGrant::ClientCredentials(c) => {
            form.append_pair("grant_type", "client_credentials")
                .append_pair("client_id", &c.client_id)
                .append_pair("client_secret", c.client_secret.expose_secret());
            if let Some(scope) = &c.scope {
                form.append_pair("scope", scope);
            }
        }
        TokenGrant::RefreshToken(r) => {
            let token = refresh_token.unwrap_or(&r.refresh_token);
            form.append_pair("grant_type", "refresh_token")
                .append_pair("refresh_token", token.expose_secret())
                .append_pair("client_id", &r.client_id)
                .append_pair("client_secret", r.client_secret.expose_secret());
        }
    }
    form.finish()
}

/// Fetches a token for `operation`. Transient failures are retried with the client's policy
/// (a token request is safe to repeat). A refused grant is `Unauthorized`, not retryable.
pub(crate) async fn exchange(
    client: &HttpClient,
    operation: &str,
    grant: &TokenGrant,
    refresh_token: Option<&SecretString>,
) -> Result<Token, ProviderError> {
    let url = grant.token_url();
    let path = reqwest::Url::parse(url)
        .map(|u| u.path().to_string())
        .unwrap_or_default();
    let mut headers = HeaderMap::new();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    let mut secrets = Vec::new();
    match grant {
        TokenGrant::ClientCredentials(c) => secrets.push(c.client_secret.clone()),
        TokenGrant::RefreshToken(r) => {
            secrets.push(r.client_secret.clone());
            secrets.push(refresh_token.unwrap_or(&r.refresh_token).clone());
        }
    }
    let prepared = Prepared {
        method: Method::POST,
        url: url.to_string(),
        path,
        headers,
        body: Some(form(grant, refresh_token).into()),
        idempotent: true,
        timeout: None,
        api_call: false,
        secrets,
    };

    let raw = Box::pin(client.execute(operation, prepared))
        .await
        .map_err(|mut e| {
            if matches!(
                e.kind,
                ProviderErrorKind::Rejected
                    | ProviderErrorKind::Unauthorized
                    | ProviderErrorKind::Forbidden
            ) {
                e.kind = ProviderErrorKind::Unauthorized;
                e.retry = concierge_core::RetryClass::Permanent;
                e.message = format!("token request refused: {}", e.message);
            } else {
                e.message = format!("token request failed: {}", e.message);
            }
            e
        })?;

    parse(&raw.body).ok_or_else(|| {
        let mut e = ProviderError::new(
            client.provider(),
            operation,
            ProviderErrorKind::InvalidResponse,
            "token request failed: the reply has no access_token",
        );
        e.request_id = raw.request_id.clone();
        e
    })
}

/// Reads a token reply. Never reports why it could not (the reply holds tokens).
fn parse(body: &[u8]) -> Option<Token> {
    let reply: TokenReply = serde_json::from_slice(body).ok()?;
    let access = reply.access_token.filter(|t| !t.is_empty())?;
    let expires_in = match reply.expires_in {
        Some(serde_json::Value::Number(n)) => n.as_f64(),
        Some(serde_json::Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|s| s.is_finite() && *s >= 0.0)
    .and_then(|s| Duration::try_from_secs_f64(s).ok());
    Some(Token {
        access_token: SecretString::from(access),
        expires_in,
        refresh_token: reply
            .refresh_token
            .filter(|t| !t.is_empty())
            .map(SecretString::from),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_client_credentials_form_carries_grant_id_secret_and_scope_encoded() {
        let grant = TokenGrant::ClientCredentials(ClientCredentials {
            token_url: "https://auth.example/token".into(),
            client_id: "id 1".into(),
            client_secret: SecretString::from("s&cret"),
            scope: Some("openid https://saltoapis.com/auth/nebula".into()),
        });
        assert_eq!(
            form(&grant, None),
            "grant_type=client_credentials&client_id=id+1&client_secret=s%26cret\
             &scope=openid+https%3A%2F%2Fsaltoapis.com%2Fauth%2Fnebula"
        );
    }

    #[test]
    fn a_refresh_form_uses_the_latest_rotated_refresh_token() {
        let grant = TokenGrant::RefreshToken(RefreshToken {
            token_url: "https://auth.example/token".into(),
            client_id: "id".into(),
            client_secret: SecretString::from("secret"),
            refresh_token: SecretString::from("rt-0"),
            on_rotate: Arc::new(|_| {}),
        });
        assert_eq!(
            form(&grant, None),
            "grant_type=refresh_token&refresh_token=rt-0&client_id=id&client_secret=secret"
        );
        let rotated = SecretString::from("rt-1");
        assert!(form(&grant, Some(&rotated)).contains("refresh_token=rt-1"));
    }

    #[test]
    fn a_token_reply_is_read_with_numeric_or_string_lifetimes() {
        let t = parse(br#"{"access_token":"a","token_type":"Bearer","expires_in":3600}"#).unwrap();
        assert_eq!(t.access_token.expose_secret(), "a");
        assert_eq!(t.expires_in, Some(Duration::from_secs(3600)));
        assert!(t.refresh_token.is_none());

        let t = parse(br#"{"access_token":"a","expires_in":"60","refresh_token":"r"}"#).unwrap();
        assert_eq!(t.expires_in, Some(Duration::from_secs(60)));
        assert_eq!(t.refresh_token.unwrap().expose_secret(), "r");

        let t = parse(br#"{"access_token":"a"}"#).unwrap();
        assert_eq!(t.expires_in, None);
    }

    #[test]
    fn a_token_reply_without_an_access_token_is_refused() {
        assert!(parse(br#"{"error":"invalid_client"}"#).is_none());
        assert!(parse(br#"{"access_token":""}"#).is_none());
        assert!(parse(b"<html>").is_none());
    }
}
