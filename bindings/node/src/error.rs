//! Concierge errors as JS `Error` objects with a stable `code` and the error's fields.
//!
//! A plain `#[napi] async fn` can only reject with napi's built-in statuses, so every
//! operation runs its future with [`promise`], which builds the `Error` on the JS thread once
//! the future is done and rejects the Promise with that very object. Synchronous functions
//! throw the same kind of object ([`throw`]).

use concierge::{Error, ProviderError, StoreError};
use napi::bindgen_prelude::*;
use napi::{Env, JsValue};
use napi_derive::napi;
use std::future::Future;

/// One problem with one input field, as `err.issues[i]`.
#[napi(object, object_from_js = false)]
pub struct FieldIssue {
    /// The field, e.g. `first_name`.
    pub field: String,
    /// The rule it breaks. Never the rejected value.
    pub message: String,
}

/// The fields of the `Error` a Concierge operation rejects (or throws) with: always `code`,
/// the others by code, as in docs/api.md. In TypeScript:
/// `catch (e) { const err = e as Error & ConciergeErrorFields }`.
#[allow(dead_code)]
#[napi(object, object_from_js = false)]
pub struct ConciergeErrorFields {
    /// The stable code.
    #[napi(ts_type = "ErrorCode")]
    pub code: String,
    /// PERMISSION_DENIED: the admin's id.
    pub admin: Option<String>,
    /// PERMISSION_DENIED: the refused operation (`move_in`); INVALID_TRANSITION: the action
    /// (`invite`, `activate`).
    pub action: Option<String>,
    /// PERMISSION_DENIED: the area.
    #[napi(ts_type = "Permission")]
    pub permission: Option<String>,
    /// PERMISSION_DENIED: the level needed.
    #[napi(ts_type = "AccessLevel")]
    pub required: Option<String>,
    /// PERMISSION_DENIED: the level held.
    #[napi(ts_type = "AccessLevel")]
    pub held: Option<String>,
    /// INVALID_TRANSITION: the account's status.
    #[napi(ts_type = "AccountStatus")]
    pub from_status: Option<String>,
    /// TOKEN_REJECTED: why.
    #[napi(ts_type = "TokenRejection")]
    pub reason: Option<String>,
    /// NOT_FOUND: the kind of record (`unit`, `resident`, `outbox_entry`, …).
    pub entity: Option<String>,
    /// NOT_FOUND: the id asked for.
    pub id: Option<String>,
    /// VALIDATION: every problem, in the order the fields were checked.
    pub issues: Option<Vec<FieldIssue>>,
    /// PROVIDER: the provider's stable name (`smtp`, `sandbox-mailer`, …).
    pub provider: Option<String>,
    /// PROVIDER: the provider operation (`send`, …).
    pub operation: Option<String>,
    /// PROVIDER: the class of failure.
    #[napi(ts_type = "ProviderErrorKind")]
    pub kind: Option<String>,
    /// PROVIDER, STORE: whether trying again later can succeed.
    pub retryable: Option<bool>,
    /// PROVIDER: the vendor's request id, or `null`.
    #[napi(ts_type = "string | null")]
    pub request_id: Option<String>,
    /// STORE, for a database this version cannot use (damaged, not Concierge's, newer): the
    /// file, or the host and database (never a password).
    pub location: Option<String>,
    /// STORE, for a database this version cannot use: the schema version found, or `null`
    /// when none could be read.
    #[napi(ts_type = "number | null")]
    pub found: Option<i64>,
    /// STORE, for a database this version cannot use: the newest schema version this
    /// Concierge knows.
    pub supported: Option<i64>,
}

/// Runs `fut` on napi's tokio runtime and settles the returned Promise on the JS thread:
/// resolved with the value, or rejected with a Concierge `Error` (see [`js_error`]).
pub(crate) fn promise<'env, T, F>(env: &'env Env, fut: F) -> Result<PromiseRaw<'env, T>>
where
    T: ToNapiValue + Send + 'static,
    F: Future<Output = concierge::Result<T>> + Send + 'static,
{
    env.spawn_future_with_callback(async move { Ok(fut.await) }, |env, outcome| {
        outcome.map_err(|e| js_error(env, &e))
    })
}

/// A napi error holding a JS `Error` built from `err`: thrown as is from a synchronous
/// function, rejected as is from a Promise.
pub(crate) fn js_error(env: &Env, err: &Error) -> napi::Error {
    build(env, err).unwrap_or_else(|failed| failed)
}

/// Shorthand for a synchronous function's `Err`.
pub(crate) fn throw<T>(env: &Env, err: Error) -> Result<T> {
    Err(js_error(env, &err))
}

fn build(env: &Env, err: &Error) -> Result<napi::Error> {
    let mut obj = env.create_error(napi::Error::new(Status::GenericFailure, message(err)))?;
    obj.set("code", err.code().as_str())?;
    match err {
        Error::PermissionDenied {
            admin,
            action,
            permission,
            required,
            held,
        } => {
            obj.set("admin", admin.as_str())?;
            obj.set("action", action.as_str())?;
            obj.set("permission", permission.as_str())?;
            obj.set("required", required.as_str())?;
            obj.set("held", held.as_str())?;
        }
        Error::InvalidTransition { from, action } => {
            obj.set("fromStatus", from.as_str())?;
            obj.set("action", action.as_str())?;
        }
        Error::TokenRejected { reason } => obj.set("reason", reason.as_str())?,
        Error::NotFound { entity, id } => {
            obj.set("entity", entity.as_str())?;
            obj.set("id", id.as_str())?;
        }
        Error::Validation(v) => {
            let issues: Vec<FieldIssue> = v
                .issues
                .iter()
                .map(|i| FieldIssue {
                    field: i.field.clone(),
                    message: i.message.clone(),
                })
                .collect();
            obj.set("issues", issues)?;
        }
        Error::Provider(p) => set_provider(&mut obj, p)?,
        Error::Store(s) => {
            obj.set("retryable", s.is_retryable())?;
            if let StoreError::Incompatible {
                location,
                found,
                supported,
                ..
            } = s
            {
                obj.set("location", location.as_str())?;
                obj.set("found", *found)?;
                obj.set("supported", *supported)?;
            }
        }
        _ => {}
    }
    Ok(napi::Error::from(obj.to_unknown()))
}

fn set_provider(obj: &mut Object<'_>, p: &ProviderError) -> Result<()> {
    obj.set("provider", p.provider.as_str())?;
    obj.set("operation", p.operation.as_str())?;
    obj.set("kind", p.kind.as_str())?;
    obj.set("retryable", p.retryable)?;
    obj.set("requestId", p.request_id.as_deref())?;
    Ok(())
}

/// The error's text followed by its causes (`…: caused by …`), each shown once.
fn message(err: &Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let shown = cause.to_string();
        if !text.contains(&shown) {
            text.push_str(": ");
            text.push_str(&shown);
        }
        source = cause.source();
    }
    text
}
