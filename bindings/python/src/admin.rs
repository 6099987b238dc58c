//! `Admin`: who acts. The host application authenticates its staff and builds one for each.

use crate::parse;
use crate::records::py_repr;
use pyo3::prelude::*;

/// An operator acting through the SDK, with an access level (`"none"`, `"read"`, `"full"`)
/// per area.
#[pyclass(frozen, name = "Admin", module = "concierge._native")]
#[derive(Clone)]
pub struct PyAdmin {
    pub inner: concierge::Admin,
}

#[pymethods]
impl PyAdmin {
    #[new]
    #[pyo3(signature = (name, *, integrations = "none", residence = "none"))]
    fn new(name: String, integrations: &str, residence: &str) -> PyResult<Self> {
        let integrations = parse::access_level("integrations", integrations)?;
        let residence = parse::access_level("residence", residence)?;
        Ok(Self {
            inner: concierge::Admin::new(name)
                .with_integrations(integrations)
                .with_residence(residence),
        })
    }

    /// An admin with full access to both areas.
    #[staticmethod]
    fn full_access(name: String) -> Self {
        Self {
            inner: concierge::Admin::full_access(name),
        }
    }

    #[getter]
    fn id(&self) -> String {
        self.inner.id.to_string()
    }

    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }

    #[getter]
    fn integrations(&self) -> &'static str {
        self.inner.permissions.integrations.as_str()
    }

    #[getter]
    fn residence(&self) -> &'static str {
        self.inner.permissions.residence.as_str()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "Admin",
            "id" = self.id(),
            "name" = &self.inner.name,
            "integrations" = self.integrations(),
            "residence" = self.residence(),
        )
    }
}
