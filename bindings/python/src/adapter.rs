//! Adapters written in Python (R-SDK-1): a [`ForeignCall`] over one Python callable,
//! `dispatch(method, args_json) -> result_json`, made by `concierge._adapters` from the user's
//! object. It only converts: the arguments to JSON text, the answer `{"ok": result}` or
//! `{"raised": {...}}` back to the engine's `Ok`/`Err`; `concierge::foreign` reads the rest.
//!
//! Python runs on a blocking thread of the runtime (`spawn_blocking`), which takes the GIL
//! only for the call: no runtime worker waits on Python, and no Python thread waits on the
//! runtime with the GIL held.

use concierge::foreign::ForeignCall;
use pyo3::prelude::*;
use pyo3::types::PyTypeMethods;
use serde_json::{Value, json};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// One adapter's `dispatch` callable.
struct Dispatch(Arc<Py<PyAny>>);

/// The engine's calls into an adapter through its `dispatch` callable.
pub fn calls(dispatch: Py<PyAny>) -> Arc<dyn ForeignCall> {
    Arc::new(Dispatch(Arc::new(dispatch)))
}

/// What the callable raised itself: its class name and its text.
fn raised(py: Python<'_>, err: &PyErr) -> Value {
    let type_name = err
        .get_type(py)
        .name()
        .map(|n| n.to_string())
        .unwrap_or_default();
    let message = err
        .value(py)
        .str()
        .map(|s| s.to_string())
        .unwrap_or_default();
    json!({"type": type_name, "message": message})
}

// `ForeignCall` is an `#[async_trait]`: this is the signature the macro gives its method.
impl ForeignCall for Dispatch {
    fn call<'a, 'b, 'r>(
        &'a self,
        method: &'b str,
        args: Value,
    ) -> Pin<Box<dyn Future<Output = Result<Box<serde_json::value::RawValue>, Value>> + Send + 'r>>
    where
        'a: 'r,
        'b: 'r,
        Self: 'r,
    {
        let dispatch = Arc::clone(&self.0);
        let method = method.to_owned();
        let args = args.to_string();
        Box::pin(async move {
            let text = tokio::task::spawn_blocking(move || {
                Python::attach(|py| {
                    dispatch
                        .call1(py, (method, args))
                        .and_then(|out| out.extract::<String>(py))
                        .map_err(|e| raised(py, &e))
                })
            })
            .await
            .map_err(|e| json!({"message": format!("the adapter's call did not finish: {e}")}))??;
            concierge::foreign::outcome_of(&text)
        })
    }
}
