//! `SaltoConfig`: how a production handle reaches its SALTO Nebula (Homelok) installation, the
//! lock system it writes smart keys with. The client secret goes straight into a
//! `SecretString`; it is never readable back and never shown (`client_secret=<redacted>`). The
//! adapter's own checks (an empty client id or secret, an installation that is not an id, a bad
//! URL) run when the handle is built, and raise the `ProviderError` the adapter gives
//! (`provider == "salto"`).

use concierge::salto::{SaltoConfig, SaltoEncoder};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use secrecy::SecretString;
use std::sync::Arc;
use std::time::Duration;

/// How to reach a SALTO installation. No `Debug`: it holds a secret (the core's `Debug`
/// redacts it, but `repr` is written here to show only what Python set).
#[pyclass(frozen, name = "SaltoConfig", module = "concierge._native")]
pub struct PySaltoConfig {
    pub inner: SaltoConfig,
}

#[pymethods]
impl PySaltoConfig {
    #[new]
    #[pyo3(
        signature = (installation, client_id, client_secret, *, base_url = None, token_url = None, timeout_seconds = 30.0),
        text_signature = "(installation, client_id, client_secret, *, base_url=None, token_url=None, timeout_seconds=30.0)"
    )]
    fn new(
        installation: String,
        client_id: String,
        client_secret: String,
        base_url: Option<String>,
        token_url: Option<String>,
        timeout_seconds: f64,
    ) -> PyResult<Self> {
        let mut inner =
            SaltoConfig::new(installation, client_id, SecretString::from(client_secret));
        let timeout = Duration::try_from_secs_f64(timeout_seconds)
            .ok()
            .filter(|t| !t.is_zero())
            .ok_or_else(|| {
                PyValueError::new_err("timeout_seconds must be a positive number of seconds")
            })?;
        if let Some(base_url) = base_url {
            inner.base_url = base_url;
        }
        if let Some(token_url) = token_url {
            inner.token_url = token_url;
        }
        inner.timeout = timeout;
        Ok(Self { inner })
    }

    #[getter]
    fn installation(&self) -> &str {
        &self.inner.installation
    }

    #[getter]
    fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    #[getter]
    fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    #[getter]
    fn token_url(&self) -> &str {
        &self.inner.token_url
    }

    #[getter]
    fn timeout_seconds(&self) -> f64 {
        self.inner.timeout.as_secs_f64()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        describe(py, &self.inner)
    }
}

/// `SaltoConfig(installation=…, client_id=…, client_secret=<redacted>, …)`.
pub fn describe(py: Python<'_>, cfg: &SaltoConfig) -> PyResult<String> {
    use crate::records::repr_value;
    Ok(format!(
        "SaltoConfig(installation={}, client_id={}, client_secret=<redacted>, base_url={}, token_url={}, timeout_seconds={})",
        repr_value(py, &cfg.installation)?,
        repr_value(py, &cfg.client_id)?,
        repr_value(py, &cfg.base_url)?,
        repr_value(py, &cfg.token_url)?,
        repr_value(py, cfg.timeout.as_secs_f64())?,
    ))
}

/// The adapter for `cfg`, or the `ProviderError` it refuses the configuration with.
pub fn encoder(cfg: &SaltoConfig) -> concierge::Result<Arc<SaltoEncoder>> {
    Ok(Arc::new(SaltoEncoder::new(cfg.clone())?))
}
