//! Python binding of Concierge: the native module `concierge._native`. It only moves JSON
//! between Python and the facade's one door (`concierge::api`): `open` a handle from its
//! settings (and adapters written in Python, see `adapter`), `call` an operation by name. The
//! classes Python users see (`Concierge`, `AsyncConcierge`, records, errors) are generated from
//! the facade's declaration into `concierge/_generated.py`.

mod adapter;
mod error;
mod runtime;

use concierge::Concierge;
use concierge::foreign::{ForeignAdapter, ForeignAdapters};
use pyo3::prelude::*;
use runtime::{block_on, run_async};
use serde_json::Value;
use std::collections::HashMap;

fn parse(py: Python<'_>, field: &str, text: &str) -> PyResult<Value> {
    serde_json::from_str(text)
        .map_err(|_| error::to_py_err(py, concierge::Error::invalid(field, "is not valid JSON")))
}

/// An open handle of the facade.
#[pyclass(frozen, module = "concierge._native")]
pub struct NativeHandle {
    inner: Concierge,
}

impl NativeHandle {
    /// The operation `op` with its arguments read from JSON, ready to run: its result as JSON.
    fn operation(
        &self,
        py: Python<'_>,
        op: &str,
        admin: Option<&str>,
        positional: &str,
        options: &str,
    ) -> PyResult<impl std::future::Future<Output = concierge::Result<String>> + Send + 'static>
    {
        let admin = admin.map(|a| parse(py, "admin", a)).transpose()?;
        let (positional, options) = (parse(py, "", positional)?, parse(py, "options", options)?);
        let (c, op) = (self.inner.clone(), op.to_owned());
        Ok(async move {
            let out = c.call(&op, admin, positional, options).await?;
            Ok(out.to_string())
        })
    }
}

#[pymethods]
impl NativeHandle {
    /// Runs an operation and waits (the GIL released); its result as JSON.
    fn call(
        &self,
        py: Python<'_>,
        op: &str,
        admin: Option<&str>,
        positional: &str,
        options: &str,
    ) -> PyResult<String> {
        block_on(py, self.operation(py, op, admin, positional, options)?)
    }

    /// Runs an operation; an awaitable of its result as JSON.
    fn call_async<'py>(
        &self,
        py: Python<'py>,
        op: &str,
        admin: Option<&str>,
        positional: &str,
        options: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        run_async(py, self.operation(py, op, admin, positional, options)?)
    }

    /// Closes the handle and its store.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let c = self.inner.clone();
        block_on(py, async move {
            c.close().await;
            Ok(())
        })
    }

    /// Closes the handle and its store; an awaitable.
    fn close_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        run_async(py, async move {
            c.close().await;
            Ok(None::<()>)
        })
    }

    /// What the handle was opened on, without secrets.
    fn summary(&self) -> String {
        self.inner.settings_summary().to_owned()
    }

    /// Whether the handle is on the sandbox.
    fn is_sandbox(&self) -> bool {
        self.inner.sandbox().is_some()
    }
}

/// An adapter written in Python, of any kind, as `concierge._adapters.native_adapter` gives
/// it: its `name`, its `properties_per_listing` and its `consent_url` (each None when the object
/// has no such attribute), and its `dispatch(method, args_json) -> answer_json`.
type PyAdapter = (Option<String>, Option<usize>, Option<String>, Py<PyAny>);

/// One adapter of `open`'s arguments, for the engine: what it declares, as given.
fn foreign_adapter(
    (name, properties_per_listing, consent_url, dispatch): PyAdapter,
) -> ForeignAdapter {
    ForeignAdapter {
        name,
        properties_per_listing,
        consent_url,
        call: adapter::calls(dispatch),
    }
}

/// The adapters of `open`'s `adapters` argument, by kind as the engine names them (`pms`,
/// `key_encoder`…), for the engine; an unknown kind is refused by it.
fn adapters_of(given: Option<HashMap<String, PyAdapter>>) -> concierge::Result<ForeignAdapters> {
    let mut adapters = ForeignAdapters::default();
    for (kind, adapter) in given.into_iter().flatten() {
        adapters.set(&kind, foreign_adapter(adapter))?;
    }
    Ok(adapters)
}

/// Opens a handle from its settings (JSON) and waits; `adapters` are written in Python, by
/// kind, each in place of the settings' adapter of its kind.
#[pyfunction]
#[pyo3(signature = (settings, adapters=None))]
fn open(
    py: Python<'_>,
    settings: &str,
    adapters: Option<HashMap<String, PyAdapter>>,
) -> PyResult<NativeHandle> {
    let settings = parse(py, "settings", settings)?;
    let adapters = adapters_of(adapters);
    block_on(py, async move {
        concierge::api::open_with(settings, adapters?).await
    })
    .map(|inner| NativeHandle { inner })
}

/// Opens a handle from its settings (JSON), with adapters written in Python as `open`; an
/// awaitable.
#[pyfunction]
#[pyo3(signature = (settings, adapters=None))]
fn open_async<'py>(
    py: Python<'py>,
    settings: &str,
    adapters: Option<HashMap<String, PyAdapter>>,
) -> PyResult<Bound<'py, PyAny>> {
    let settings = parse(py, "settings", settings)?;
    let adapters = adapters_of(adapters);
    run_async(py, async move {
        concierge::api::open_with(settings, adapters?)
            .await
            .map(|inner| NativeHandle { inner })
    })
}

#[pymodule]
#[pyo3(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<NativeHandle>()?;
    m.add_function(wrap_pyfunction!(open, m)?)?;
    m.add_function(wrap_pyfunction!(open_async, m)?)?;
    // Not an attribute of the module: only `atexit` holds it.
    let wait = wrap_pyfunction!(runtime::wait_at_exit, m)?;
    m.py().import("atexit")?.call_method1("register", (wait,))?;
    Ok(())
}
