//! `BuildiumConfig`: how a production handle reaches its Buildium account (the PMS). The client
//! secret goes straight into a `SecretString`; it is never readable back and never shown
//! (`client_secret=<redacted>`). The adapter's own checks (an empty id or secret, a page size
//! outside 1 to 1000, a bad base URL, a zero rate limit) run when the handle is built, and raise
//! the `ProviderError` the adapter gives (`provider == "buildium"`, `operation == "new"`).

use concierge::buildium::{BuildiumConfig, BuildiumPms};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use secrecy::SecretString;
use std::sync::Arc;
use std::time::Duration;

/// How to reach a Buildium account. No `Debug`: it holds a secret (the core's `Debug` redacts
/// it, but `repr` is written here to show only what Python set).
#[pyclass(frozen, name = "BuildiumConfig", module = "concierge._native")]
pub struct PyBuildiumConfig {
    pub inner: BuildiumConfig,
}

#[pymethods]
impl PyBuildiumConfig {
    #[new]
    #[pyo3(
        signature = (client_id, client_secret, *, base_url = None, page_size = 1000, rate_limit_per_sec = Some(10), timeout_seconds = 30.0),
        text_signature = "(client_id, client_secret, *, base_url=None, page_size=1000, rate_limit_per_sec=10, timeout_seconds=30.0)"
    )]
    fn new(
        client_id: String,
        client_secret: String,
        base_url: Option<String>,
        page_size: u32,
        rate_limit_per_sec: Option<u32>,
        timeout_seconds: f64,
    ) -> PyResult<Self> {
        let mut inner = BuildiumConfig::new(client_id, SecretString::from(client_secret));
        let timeout = Duration::try_from_secs_f64(timeout_seconds)
            .ok()
            .filter(|t| !t.is_zero())
            .ok_or_else(|| {
                PyValueError::new_err("timeout_seconds must be a positive number of seconds")
            })?;
        if let Some(base_url) = base_url {
            inner.base_url = base_url;
        }
        inner.page_size = page_size;
        inner.rate_limit_per_sec = rate_limit_per_sec;
        inner.timeout = timeout;
        Ok(Self { inner })
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
    fn page_size(&self) -> u32 {
        self.inner.page_size
    }

    #[getter]
    fn rate_limit_per_sec(&self) -> Option<u32> {
        self.inner.rate_limit_per_sec
    }

    #[getter]
    fn timeout_seconds(&self) -> f64 {
        self.inner.timeout.as_secs_f64()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        describe(py, &self.inner)
    }
}

/// `BuildiumConfig(client_id=…, client_secret=<redacted>, base_url=…, …)`.
pub fn describe(py: Python<'_>, cfg: &BuildiumConfig) -> PyResult<String> {
    use crate::records::repr_value;
    Ok(format!(
        "BuildiumConfig(client_id={}, client_secret=<redacted>, base_url={}, page_size={}, rate_limit_per_sec={}, timeout_seconds={})",
        repr_value(py, &cfg.client_id)?,
        repr_value(py, &cfg.base_url)?,
        cfg.page_size,
        repr_value(py, cfg.rate_limit_per_sec)?,
        repr_value(py, cfg.timeout.as_secs_f64())?,
    ))
}

/// The adapter for `cfg`, or the `ProviderError` it refuses the configuration with.
pub fn pms(cfg: &BuildiumConfig) -> concierge::Result<Arc<BuildiumPms>> {
    Ok(Arc::new(BuildiumPms::new(cfg.clone())?))
}
