//! The exception tree and the one conversion from `concierge::Error` (R-SDK-5).
//!
//! Every exception carries `code` and `message`, plus the fields of its kind as attributes of the
//! instance. They live in the instance's `__dict__`, which `BaseException.__reduce__` pickles,
//! so they survive `pickle.dumps`/`loads`.

use concierge::{Error, StoreError as CoreStoreError};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{IntoPyDict, PyList};

create_exception!(
    concierge._native,
    ConciergeError,
    PyException,
    "Base of every Concierge error. Attributes: `code` (stable, e.g. \"NOT_FOUND\") and `message`."
);
create_exception!(
    concierge._native,
    PermissionDeniedError,
    ConciergeError,
    "The admin lacks the permission the operation needs. Attributes: admin, action, permission, required, held."
);
create_exception!(
    concierge._native,
    InvalidTransitionError,
    ConciergeError,
    "The account's status does not allow the action. Attributes: from_status, action."
);
create_exception!(
    concierge._native,
    TokenRejectedError,
    ConciergeError,
    "An activation token was refused. Attribute: reason (invalid, expired, already_used, superseded)."
);
create_exception!(
    concierge._native,
    NotFoundError,
    ConciergeError,
    "A record the operation needs does not exist. Attributes: entity, id."
);
create_exception!(
    concierge._native,
    ValidationError,
    ConciergeError,
    "The input is invalid; nothing changed. Attribute: issues, a list of FieldIssue(field, message)."
);
create_exception!(
    concierge._native,
    ConflictError,
    ConciergeError,
    "The operation conflicts with existing state."
);
create_exception!(
    concierge._native,
    ProviderError,
    ConciergeError,
    "An outside system failed. Attributes: provider, operation, kind, retryable, request_id."
);
create_exception!(
    concierge._native,
    StoreError,
    ConciergeError,
    "The store failed. Attributes: retryable; location, found, supported (the file or host, the schema version found and the newest one supported) when the database was refused, else None."
);
create_exception!(
    concierge._native,
    ClosedError,
    ConciergeError,
    "The handle was closed."
);

/// Adds the exception classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("ConciergeError", py.get_type::<ConciergeError>())?;
    m.add(
        "PermissionDeniedError",
        py.get_type::<PermissionDeniedError>(),
    )?;
    m.add(
        "InvalidTransitionError",
        py.get_type::<InvalidTransitionError>(),
    )?;
    m.add("TokenRejectedError", py.get_type::<TokenRejectedError>())?;
    m.add("NotFoundError", py.get_type::<NotFoundError>())?;
    m.add("ValidationError", py.get_type::<ValidationError>())?;
    m.add("ConflictError", py.get_type::<ConflictError>())?;
    m.add("ProviderError", py.get_type::<ProviderError>())?;
    m.add("StoreError", py.get_type::<StoreError>())?;
    m.add("ClosedError", py.get_type::<ClosedError>())?;
    // `ValidationError.issues` holds these: picklable, unpackable as `(field, message)`.
    let field_issue = py.import("collections")?.getattr("namedtuple")?.call(
        ("FieldIssue", ("field", "message")),
        Some(&[("module", "concierge._native")].into_py_dict(py)?),
    )?;
    m.add("FieldIssue", field_issue)?;
    Ok(())
}

/// The Python exception for `err`, with `code`, `message` and its kind's fields set.
pub fn to_py_err(py: Python<'_>, err: Error) -> PyErr {
    match build(py, &err) {
        Ok(e) => e,
        // Setting an attribute failed (out of memory…): still raise the right class.
        Err(_) => ConciergeError::new_err(err.to_string()),
    }
}

fn build(py: Python<'_>, err: &Error) -> PyResult<PyErr> {
    let message = err.to_string();
    let py_err = match err {
        Error::PermissionDenied { .. } => PermissionDeniedError::new_err(message.clone()),
        Error::InvalidTransition { .. } => InvalidTransitionError::new_err(message.clone()),
        Error::TokenRejected { .. } => TokenRejectedError::new_err(message.clone()),
        Error::NotFound { .. } => NotFoundError::new_err(message.clone()),
        Error::Validation(_) => ValidationError::new_err(message.clone()),
        Error::Conflict { .. } => ConflictError::new_err(message.clone()),
        Error::Provider(_) => ProviderError::new_err(message.clone()),
        Error::Store(_) => StoreError::new_err(message.clone()),
        Error::Closed => ClosedError::new_err(message.clone()),
        _ => ConciergeError::new_err(message.clone()),
    };
    let value = py_err.value(py);
    value.setattr("code", err.code().as_str())?;
    value.setattr("message", &message)?;
    match err {
        Error::PermissionDenied {
            admin,
            action,
            permission,
            required,
            held,
        } => {
            value.setattr("admin", admin)?;
            value.setattr("action", action)?;
            value.setattr("permission", permission.as_str())?;
            value.setattr("required", required.as_str())?;
            value.setattr("held", held.as_str())?;
        }
        Error::InvalidTransition { from, action } => {
            value.setattr("from_status", from.as_str())?;
            value.setattr("action", action.as_str())?;
        }
        Error::TokenRejected { reason } => {
            value.setattr("reason", reason.as_str())?;
        }
        Error::NotFound { entity, id } => {
            value.setattr("entity", entity.as_str())?;
            value.setattr("id", id)?;
        }
        Error::Validation(v) => {
            let field_issue = py.import("concierge._native")?.getattr("FieldIssue")?;
            let issues = PyList::empty(py);
            for issue in &v.issues {
                issues.append(field_issue.call1((&issue.field, &issue.message))?)?;
            }
            value.setattr("issues", issues)?;
        }
        Error::Provider(p) => {
            value.setattr("provider", &p.provider)?;
            value.setattr("operation", &p.operation)?;
            value.setattr("kind", p.kind.as_str())?;
            value.setattr("retryable", p.retryable)?;
            value.setattr("request_id", &p.request_id)?;
        }
        Error::Store(s) => {
            value.setattr("retryable", s.is_retryable())?;
            let (location, found, supported) = match s {
                CoreStoreError::Incompatible {
                    location,
                    found,
                    supported,
                    ..
                } => (Some(location.as_str()), *found, Some(*supported)),
                _ => (None, None, None),
            };
            value.setattr("location", location)?;
            value.setattr("found", found)?;
            value.setattr("supported", supported)?;
        }
        _ => {}
    }
    Ok(py_err)
}
