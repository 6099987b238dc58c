//! `SmtpConfig`: where and how production mail is sent. The password goes straight into a
//! `SecretString` and never comes back out: there is no getter for it, `toJSON()` leaves it
//! out, and `util.inspect` shows no fields at all (they live on the Rust side).

use crate::error::throw;
use concierge::validate::Checks;
use napi::Env;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use secrecy::SecretString;

/// Login and connection security of an SMTP server.
#[napi(object, object_to_js = false)]
pub struct SmtpOptions {
    /// The user to log in as; goes with `password`.
    pub username: Option<String>,
    /// The password; goes with `username`. Never readable again.
    pub password: Option<String>,
    /// `"none"`, `"starttls"` (the default) or `"tls"`.
    #[napi(ts_type = "SmtpTls")]
    pub tls: Option<String>,
    /// How long one send may take, in seconds. Default: 30.
    pub timeout_seconds: Option<f64>,
}

/// What `JSON.stringify(config)` shows: everything but the password.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct SmtpConfigJson {
    /// The server's host name.
    pub host: String,
    /// The port.
    pub port: u32,
    /// The login, if any.
    pub username: Option<String>,
    /// Whether a password is set.
    pub has_password: bool,
    /// Connection security.
    #[napi(ts_type = "SmtpTls")]
    pub tls: String,
    /// How long one send may take, in seconds.
    pub timeout_seconds: f64,
}

/// Where and how to send email: `new SmtpConfig(host, port, { username, password, tls })`.
#[napi]
pub struct SmtpConfig {
    pub(crate) inner: concierge::SmtpConfig,
}

#[napi]
impl SmtpConfig {
    /// A server at `host:port`. An unknown `tls` or an out-of-range port or timeout throws an
    /// `Error` with code `VALIDATION`; the remaining checks happen in `new Concierge(...)`.
    #[napi(constructor)]
    pub fn new(env: Env, host: String, port: u32, options: Option<SmtpOptions>) -> Result<Self> {
        let mut checks = Checks::new();
        let port = u16::try_from(port).unwrap_or_else(|_| {
            checks.fail("smtp.port", "must be at most 65535");
            0
        });
        let mut inner = concierge::SmtpConfig::new(host, port);
        if let Some(o) = options {
            inner.username = o.username;
            inner.password = o.password.map(SecretString::from);
            if let Some(tls) = o.tls.as_deref() {
                match concierge::SmtpTls::parse(tls) {
                    Some(tls) => inner.tls = tls,
                    None => checks.fail("smtp.tls", "must be one of none, starttls, tls"),
                }
            }
            if let Some(secs) = o.timeout_seconds {
                match std::time::Duration::try_from_secs_f64(secs) {
                    Ok(t) => inner.timeout = t,
                    Err(_) => checks.fail("smtp.timeout", "must be a positive number of seconds"),
                }
            }
        }
        if let Err(e) = checks.finish() {
            return throw(&env, e.into());
        }
        Ok(Self { inner })
    }

    /// The server's host name.
    #[napi(getter)]
    pub fn host(&self) -> String {
        self.inner.host.clone()
    }

    /// The port.
    #[napi(getter)]
    pub fn port(&self) -> u32 {
        self.inner.port.into()
    }

    /// The login, if any.
    #[napi(getter)]
    pub fn username(&self) -> Option<String> {
        self.inner.username.clone()
    }

    /// Connection security.
    #[napi(getter, ts_return_type = "SmtpTls")]
    pub fn tls(&self) -> &'static str {
        self.inner.tls.as_str()
    }

    /// How long one send may take, in seconds.
    #[napi(getter)]
    pub fn timeout_seconds(&self) -> f64 {
        self.inner.timeout.as_secs_f64()
    }

    /// Everything but the password, for `JSON.stringify`.
    #[napi(js_name = "toJSON")]
    pub fn to_json(&self) -> SmtpConfigJson {
        SmtpConfigJson {
            host: self.inner.host.clone(),
            port: self.inner.port.into(),
            username: self.inner.username.clone(),
            has_password: self.inner.password.is_some(),
            tls: self.inner.tls.as_str().to_owned(),
            timeout_seconds: self.inner.timeout.as_secs_f64(),
        }
    }
}
