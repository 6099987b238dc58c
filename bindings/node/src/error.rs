//! Facade errors as JS `Error` objects: the message with its causes, the stable `code`, and
//! the code's fields as JSON (`fieldsJson`), which `runtime.js` turns into properties.
//!
//! A plain `#[napi] async fn` can only reject with napi's built-in statuses, so every
//! operation runs its future with [`promise`], which builds the `Error` on the JS thread once
//! the future is done and rejects the Promise with that very object.

use concierge::Error;
use napi::bindgen_prelude::*;
use napi::{Env, JsValue};
use std::future::Future;

/// Runs `fut` on napi's tokio runtime and settles the returned Promise on the JS thread.
pub(crate) fn promise<'env, T, F>(env: &'env Env, fut: F) -> Result<PromiseRaw<'env, T>>
where
    T: ToNapiValue + Send + 'static,
    F: Future<Output = concierge::Result<T>> + Send + 'static,
{
    env.spawn_future_with_callback(async move { Ok(fut.await) }, |env, outcome| {
        outcome.map_err(|e| js_error(env, &e))
    })
}

fn js_error(env: &Env, err: &Error) -> napi::Error {
    let build = || -> Result<napi::Error> {
        let mut obj =
            env.create_error(napi::Error::new(Status::GenericFailure, err.full_message()))?;
        obj.set("code", err.code().as_str())?;
        obj.set(
            "fieldsJson",
            serde_json::Value::Object(err.fields()).to_string(),
        )?;
        Ok(napi::Error::from(obj.to_unknown()))
    };
    build().unwrap_or_else(|failed| failed)
}
