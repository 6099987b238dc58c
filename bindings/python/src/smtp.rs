//! `SmtpConfig`: where the production handle sends email. The password goes straight into a
//! `SecretString`; it is never readable back and never shown (`password=<redacted>`).

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use secrecy::SecretString;
use std::time::Duration;

/// Where and how to send email. No `Debug`: it holds a password.
#[pyclass(frozen, name = "SmtpConfig", module = "concierge._native")]
pub struct PySmtpConfig {
    pub inner: concierge::SmtpConfig,
}

#[pymethods]
impl PySmtpConfig {
    #[new]
    #[pyo3(signature = (host, port, *, username = None, password = None, tls = "starttls", timeout_seconds = 30.0))]
    fn new(
        host: String,
        port: u16,
        username: Option<String>,
        password: Option<String>,
        tls: &str,
        timeout_seconds: f64,
    ) -> PyResult<Self> {
        let tls = concierge::SmtpTls::parse(tls).ok_or_else(|| {
            PyValueError::new_err(format!(
                "tls must be one of \"none\", \"starttls\", \"tls\", not {tls:?}"
            ))
        })?;
        let timeout = Duration::try_from_secs_f64(timeout_seconds).map_err(|_| {
            PyValueError::new_err("timeout_seconds must be a non-negative number of seconds")
        })?;
        let mut inner = concierge::SmtpConfig::new(host, port)
            .tls(tls)
            .timeout(timeout);
        // Set apart, not through `credentials`, so a username without a password reaches the
        // core's check (a ValidationError when the handle is built).
        inner.username = username;
        inner.password = password.map(SecretString::from);
        Ok(Self { inner })
    }

    #[getter]
    fn host(&self) -> &str {
        &self.inner.host
    }

    #[getter]
    fn port(&self) -> u16 {
        self.inner.port
    }

    #[getter]
    fn username(&self) -> Option<&str> {
        self.inner.username.as_deref()
    }

    #[getter]
    fn tls(&self) -> &'static str {
        self.inner.tls.as_str()
    }

    #[getter]
    fn timeout_seconds(&self) -> f64 {
        self.inner.timeout.as_secs_f64()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        describe(py, &self.inner)
    }
}

/// `SmtpConfig(host=…, port=…, username=…, password=<redacted>, tls=…)`.
pub fn describe(py: Python<'_>, cfg: &concierge::SmtpConfig) -> PyResult<String> {
    use crate::records::repr_value;
    let password = if cfg.password.is_some() {
        "<redacted>"
    } else {
        "None"
    };
    Ok(format!(
        "SmtpConfig(host={}, port={}, username={}, password={password}, tls={}, timeout_seconds={})",
        repr_value(py, &cfg.host)?,
        cfg.port,
        repr_value(py, cfg.username.as_deref())?,
        repr_value(py, cfg.tls.as_str())?,
        repr_value(py, cfg.timeout.as_secs_f64())?,
    ))
}
