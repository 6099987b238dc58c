//! `AsyncConciergeOpening`: what `AsyncConcierge.open`, `open_sandbox` and `connect` return.
//! Await it for the handle (`c = await AsyncConcierge.open(…)`), or enter it to have the handle
//! closed on the way out (`async with AsyncConcierge.open(…) as c:`), like `aiosqlite.connect`.
//! Nothing is opened until then, and it opens once.

use crate::client::PyAsyncConcierge;
use crate::handle::Target;
use crate::runtime::run_async;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use std::sync::{Arc, Mutex};

/// An `AsyncConcierge` being opened: awaitable (the handle) and an async context manager (the
/// handle, closed on exit).
#[pyclass(frozen, name = "AsyncConciergeOpening", module = "concierge._native")]
pub struct PyAsyncOpening {
    /// What to open; taken by the first `await` or `async with`.
    target: Mutex<Option<Target>>,
    /// The facade `async with` opened, for `__aexit__` to close.
    entered: Arc<Mutex<Option<concierge::Concierge>>>,
    /// `AsyncConcierge.open(…)`, for messages and `repr`.
    call: String,
}

impl PyAsyncOpening {
    pub fn new(target: Target) -> Self {
        Self {
            call: target.call("AsyncConcierge"),
            target: Mutex::new(Some(target)),
            entered: Arc::default(),
        }
    }

    fn take(&self) -> PyResult<Target> {
        self.target
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .ok_or_else(|| {
                PyRuntimeError::new_err(format!(
                    "{} was already awaited or entered; it opens once",
                    self.call
                ))
            })
    }

    /// An asyncio awaitable of the opened handle; `keep` receives a clone of its facade.
    fn start<'py>(
        &self,
        py: Python<'py>,
        keep: Option<Arc<Mutex<Option<concierge::Concierge>>>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let target = self.take()?;
        run_async(py, async move {
            let core = target.open().await?;
            if let Some(keep) = keep {
                *keep.lock().unwrap_or_else(|p| p.into_inner()) = Some(core.facade.clone());
            }
            Ok(PyAsyncConcierge::from(core))
        })
    }
}

#[pymethods]
impl PyAsyncOpening {
    fn __await__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.start(py, None)?.call_method0("__await__")
    }

    fn __aenter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.start(py, Some(self.entered.clone()))
    }

    #[pyo3(signature = (_exc_type, _exc, _tb))]
    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        _exc_type: Option<Bound<'py, PyAny>>,
        _exc: Option<Bound<'py, PyAny>>,
        _tb: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let facade = self
            .entered
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        run_async(py, async move {
            if let Some(facade) = facade {
                facade.close().await;
            }
            // `None` (falsy): an exception raised in the block propagates.
            Ok(None::<()>)
        })
    }

    fn __repr__(&self) -> String {
        let state = if self
            .target
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
        {
            "not yet opened"
        } else {
            "opened"
        };
        format!("<{} {state}>", self.call)
    }
}
