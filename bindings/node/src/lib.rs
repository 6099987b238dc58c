//! Node binding of Concierge (`@concierge/sdk`): the native `NativeHandle`. It only moves JSON
//! between JavaScript and the facade's one door (`concierge::api`): `open` a handle from its
//! settings, `call` an operation by name. The classes Node users see (`Concierge`, its
//! records, options and errors) are generated from the facade's declaration into
//! `concierge.js` and `concierge.d.ts`. Adapters written in JavaScript reach the engine
//! through `adapter`.

#![deny(clippy::all)]

mod adapter;
mod error;

use adapter::NativeAdapter;
use concierge::Concierge;
use error::promise;
use napi::Env;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::Value;
use std::collections::HashMap;

fn parse(field: &str, text: &str) -> concierge::Result<Value> {
    serde_json::from_str(text).map_err(|_| concierge::Error::invalid(field, "is not valid JSON"))
}

/// An open handle of the facade.
#[napi]
pub struct NativeHandle {
    inner: Concierge,
}

#[napi]
impl NativeHandle {
    /// Opens a handle from its settings (JSON), with the adapters written in JavaScript in
    /// place of the settings' ones of their kinds, when given: by kind as the engine names
    /// them (`pms`, `key_encoder`…).
    #[napi(ts_return_type = "Promise<NativeHandle>")]
    pub fn open<'env>(
        env: &'env Env,
        settings: String,
        adapters: Option<HashMap<String, NativeAdapter>>,
    ) -> Result<PromiseRaw<'env, NativeHandle>> {
        let adapters = adapter::adapters(adapters);
        promise(env, async move {
            let settings = parse("settings", &settings)?;
            let adapters = adapters?;
            let inner = concierge::api::open_with(settings, adapters).await?;
            Ok(NativeHandle { inner })
        })
    }

    /// Runs an operation; its result as JSON.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn call<'env>(
        &self,
        env: &'env Env,
        op: String,
        admin: Option<String>,
        positional: String,
        options: String,
    ) -> Result<PromiseRaw<'env, String>> {
        let c = self.inner.clone();
        promise(env, async move {
            let admin = admin.map(|a| parse("admin", &a)).transpose()?;
            let positional = parse("", &positional)?;
            let options = parse("options", &options)?;
            Ok(c.call(&op, admin, positional, options).await?.to_string())
        })
    }

    /// Closes the handle and its store.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn close<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, ()>> {
        let c = self.inner.clone();
        promise(env, async move {
            c.close().await;
            Ok(())
        })
    }

    /// What the handle was opened on, without secrets.
    #[napi]
    pub fn summary(&self) -> String {
        self.inner.settings_summary().to_owned()
    }

    /// Whether the handle is on the sandbox.
    #[napi]
    pub fn is_sandbox(&self) -> bool {
        self.inner.sandbox().is_some()
    }
}
