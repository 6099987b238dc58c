//! `BuildiumConfig`: how to reach a Buildium account, the PMS a production handle syncs from.
//! The client secret goes straight into a `SecretString` and never comes back out: there is no
//! getter for it, `toJSON()` shows only `hasClientSecret`, and `util.inspect` shows no fields
//! at all (they live on the Rust side).

use crate::error::throw;
use concierge::buildium::BuildiumConfig as Config;
use concierge::validate::Checks;
use napi::Env;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

/// Connection settings of a Buildium account; every one has a default.
#[napi(object, object_to_js = false)]
pub struct BuildiumOptions {
    /// The API's base URL, without `/v1`. Default: `https://api.buildium.com` (production);
    /// the sandbox is `https://apisandbox.buildium.com`.
    pub base_url: Option<String>,
    /// Records per request, 1 to 1000. Default: 1000.
    pub page_size: Option<f64>,
    /// Client-side rate limit in requests per second; `null` for none. Default: 10.
    #[napi(ts_type = "number | null")]
    pub rate_limit_per_sec: Option<Either<f64, Null>>,
    /// How long one attempt may take, in seconds. Default: 30.
    pub timeout_seconds: Option<f64>,
}

/// What `JSON.stringify(config)` shows: everything but the client secret.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct BuildiumConfigJson {
    /// The client id (sent in `x-buildium-client-id`).
    pub client_id: String,
    /// Whether a client secret is set.
    pub has_client_secret: bool,
    /// The API's base URL.
    pub base_url: String,
    /// Records per request.
    pub page_size: u32,
    /// Client-side rate limit in requests per second, or `null` for none.
    pub rate_limit_per_sec: Option<u32>,
    /// How long one attempt may take, in seconds.
    pub timeout_seconds: f64,
}

/// A Buildium account: `new BuildiumConfig(clientId, clientSecret, { baseUrl, pageSize,
/// rateLimitPerSec, timeoutSeconds })`. Pass it as `buildium` to `new Concierge`,
/// `Concierge.open` or `Concierge.connect`.
#[napi]
pub struct BuildiumConfig {
    pub(crate) inner: Config,
}

/// `value` as a whole number that fits a `u32`, or a VALIDATION issue for `field`.
fn whole(checks: &mut Checks, field: &str, value: f64) -> Option<u32> {
    if value.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&value) {
        Some(value as u32)
    } else {
        checks.fail(field, "must be a whole number");
        None
    }
}

#[napi]
impl BuildiumConfig {
    /// An account reached with `clientId` and `clientSecret`. A `pageSize` or
    /// `rateLimitPerSec` that is not a whole number, or a `timeoutSeconds` that is not a
    /// positive number, throws an `Error` with code `VALIDATION`; the remaining checks happen
    /// when a handle is built with it (see `new Concierge`).
    #[napi(constructor)]
    pub fn new(
        env: Env,
        client_id: String,
        client_secret: String,
        options: Option<BuildiumOptions>,
    ) -> Result<Self> {
        let mut checks = Checks::new();
        let mut inner = Config::new(client_id, SecretString::from(client_secret));
        if let Some(o) = options {
            if let Some(url) = o.base_url {
                inner.base_url = url;
            }
            if let Some(size) = o.page_size
                && let Some(size) = whole(&mut checks, "buildium.page_size", size)
            {
                inner.page_size = size;
            }
            match o.rate_limit_per_sec {
                None => {}
                Some(Either::B(Null)) => inner.rate_limit_per_sec = None,
                Some(Either::A(rate)) => {
                    if let Some(rate) = whole(&mut checks, "buildium.rate_limit_per_sec", rate) {
                        inner.rate_limit_per_sec = Some(rate);
                    }
                }
            }
            if let Some(secs) = o.timeout_seconds {
                match Duration::try_from_secs_f64(secs) {
                    Ok(t) if !t.is_zero() => inner.timeout = t,
                    _ => checks.fail("buildium.timeout", "must be a positive number of seconds"),
                }
            }
        }
        if let Err(e) = checks.finish() {
            return throw(&env, e.into());
        }
        Ok(Self { inner })
    }

    /// The client id.
    #[napi(getter)]
    pub fn client_id(&self) -> String {
        self.inner.client_id.clone()
    }

    /// The API's base URL.
    #[napi(getter)]
    pub fn base_url(&self) -> String {
        self.inner.base_url.clone()
    }

    /// Records per request.
    #[napi(getter)]
    pub fn page_size(&self) -> u32 {
        self.inner.page_size
    }

    /// Client-side rate limit in requests per second, or `null` for none.
    #[napi(getter, ts_return_type = "number | null")]
    pub fn rate_limit_per_sec(&self) -> Option<u32> {
        self.inner.rate_limit_per_sec
    }

    /// How long one attempt may take, in seconds.
    #[napi(getter)]
    pub fn timeout_seconds(&self) -> f64 {
        self.inner.timeout.as_secs_f64()
    }

    /// Everything but the client secret, for `JSON.stringify`.
    #[napi(js_name = "toJSON")]
    pub fn to_json(&self) -> BuildiumConfigJson {
        BuildiumConfigJson {
            client_id: self.inner.client_id.clone(),
            has_client_secret: !self.inner.client_secret.expose_secret().is_empty(),
            base_url: self.inner.base_url.clone(),
            page_size: self.inner.page_size,
            rate_limit_per_sec: self.inner.rate_limit_per_sec,
            timeout_seconds: self.inner.timeout.as_secs_f64(),
        }
    }
}
