//! `SaltoConfig`: how to reach a SALTO Nebula (Homelok) installation, the lock system a
//! production handle writes smart keys with. The client secret goes straight into a
//! `SecretString` and never comes back out: there is no getter for it, `toJSON()` shows only
//! `hasClientSecret`, and `util.inspect` shows no fields at all (they live on the Rust side).

use crate::error::throw;
use concierge::salto::SaltoConfig as Config;
use concierge::validate::Checks;
use napi::Env;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

/// Connection settings of a SALTO installation; every one has a default.
#[napi(object, object_to_js = false)]
pub struct SaltoOptions {
    /// Nebula's HTTP/JSON base URL, version included. Default:
    /// `https://nebula.saltoapis.com/v1`.
    pub base_url: Option<String>,
    /// The OAuth2 token endpoint. Default: `https://account.saltosystems.com/oauth2/token`.
    pub token_url: Option<String>,
    /// How long one attempt may take, in seconds. Default: 30.
    pub timeout_seconds: Option<f64>,
}

/// What `JSON.stringify(config)` shows: everything but the client secret.
#[napi(object, object_from_js = false)]
pub struct SaltoConfigJson {
    /// The installation's id.
    pub installation: String,
    /// The OAuth2 client id.
    pub client_id: String,
    /// Whether a client secret is set.
    pub has_client_secret: bool,
    /// Nebula's base URL.
    pub base_url: String,
    /// The OAuth2 token endpoint.
    pub token_url: String,
    /// How long one attempt may take, in seconds.
    pub timeout_seconds: f64,
}

/// A SALTO installation: `new SaltoConfig(installation, clientId, clientSecret, { baseUrl,
/// tokenUrl, timeoutSeconds })`. Pass it as `salto` to `new Concierge`, `Concierge.open` or
/// `Concierge.connect`.
#[napi]
pub struct SaltoConfig {
    pub(crate) inner: Config,
}

#[napi]
impl SaltoConfig {
    /// The installation `installation`, reached with `clientId` and `clientSecret`. A
    /// `timeoutSeconds` that is not a positive number throws an `Error` with code
    /// `VALIDATION`; the remaining checks happen when a handle is built with it (see
    /// `new Concierge`).
    #[napi(constructor)]
    pub fn new(
        env: Env,
        installation: String,
        client_id: String,
        client_secret: String,
        options: Option<SaltoOptions>,
    ) -> Result<Self> {
        let mut checks = Checks::new();
        let mut inner = Config::new(installation, client_id, SecretString::from(client_secret));
        if let Some(o) = options {
            if let Some(url) = o.base_url {
                inner.base_url = url;
            }
            if let Some(url) = o.token_url {
                inner.token_url = url;
            }
            if let Some(secs) = o.timeout_seconds {
                match Duration::try_from_secs_f64(secs) {
                    Ok(t) if !t.is_zero() => inner.timeout = t,
                    _ => checks.fail("salto.timeout", "must be a positive number of seconds"),
                }
            }
        }
        if let Err(e) = checks.finish() {
            return throw(&env, e.into());
        }
        Ok(Self { inner })
    }

    /// The installation's id.
    #[napi(getter)]
    pub fn installation(&self) -> String {
        self.inner.installation.clone()
    }

    /// The OAuth2 client id.
    #[napi(getter)]
    pub fn client_id(&self) -> String {
        self.inner.client_id.clone()
    }

    /// Nebula's base URL.
    #[napi(getter)]
    pub fn base_url(&self) -> String {
        self.inner.base_url.clone()
    }

    /// The OAuth2 token endpoint.
    #[napi(getter)]
    pub fn token_url(&self) -> String {
        self.inner.token_url.clone()
    }

    /// How long one attempt may take, in seconds.
    #[napi(getter)]
    pub fn timeout_seconds(&self) -> f64 {
        self.inner.timeout.as_secs_f64()
    }

    /// Everything but the client secret, for `JSON.stringify`.
    #[napi(js_name = "toJSON")]
    pub fn to_json(&self) -> SaltoConfigJson {
        SaltoConfigJson {
            installation: self.inner.installation.clone(),
            client_id: self.inner.client_id.clone(),
            has_client_secret: !self.inner.client_secret.expose_secret().is_empty(),
            base_url: self.inner.base_url.clone(),
            token_url: self.inner.token_url.clone(),
            timeout_seconds: self.inner.timeout.as_secs_f64(),
        }
    }
}
