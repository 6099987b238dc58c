//! Facade errors as the generated Python exceptions: the class of the error's code (from
//! `concierge._generated`), its message with causes, its code and its fields (as JSON, decoded
//! by the class).

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

/// The Python exception of `err`.
pub fn to_py_err(py: Python<'_>, err: concierge::Error) -> PyErr {
    let code = err.code();
    let fields = serde_json::Value::Object(err.fields()).to_string();
    let build = || -> PyResult<PyErr> {
        let class = py
            .import("concierge._generated")?
            .getattr(code.class_name())?;
        let exc = class.call1((err.full_message(), code.as_str(), fields.clone()))?;
        Ok(PyErr::from_value(exc))
    };
    build().unwrap_or_else(|e| PyRuntimeError::new_err(format!("{}: {e}", err.full_message())))
}
