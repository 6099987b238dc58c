//! Adapters written in JavaScript (R-SDK-1): a PMS, a strata system, an intercom, a key encoder
//! or a mailer, given to `NativeHandle.open` as what it declares (`name`,
//! `propertiesPerListing`, `consentUrl`) and one `dispatch(method, argsJson)` function, which
//! `runtime.js` builds from the user's object. Here each call only crosses threads: the
//! engine's arguments go to `dispatch` as JSON text on the JS thread, and the text its Promise
//! resolves to (`{"ok": …}` or `{"raised": {…}}`) comes back as the result or what the adapter
//! raised. What the result means (a page, a key, an error's kind) and whether the adapter may
//! be used (a nameless one is refused) is read by `concierge::foreign`.

use concierge::foreign::{ForeignAdapter, ForeignAdapters, ForeignCall};
use napi::Status;
use napi::bindgen_prelude::*;
use napi::threadsafe_function::ThreadsafeFunction;
use napi_derive::napi;
use serde_json::{Value, json};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// `dispatch(method, argsJson)`, callable from any thread. Weak: a handle with adapters does
/// not keep the Node process alive (a pending operation does, while it runs).
type Dispatch = ThreadsafeFunction<
    FnArgs<(String, String)>,
    Promise<String>,
    FnArgs<(String, String)>,
    Status,
    false,
    true,
>;

/// An adapter as `runtime.js` passes it: what the user's object declares, and its calls.
#[napi(object, object_to_js = false)]
pub struct NativeAdapter {
    /// The provider's name, as errors and external references name it.
    pub name: Option<String>,
    /// A PMS's: how many properties one listing may name.
    pub properties_per_listing: Option<u32>,
    /// An intercom's: where a building admin gives the one-time consent.
    pub consent_url: Option<String>,
    /// Calls a method of the adapter: its arguments as JSON, its outcome as JSON.
    #[napi(ts_type = "(method: string, argsJson: string) => Promise<string>")]
    pub dispatch: Dispatch,
}

impl From<NativeAdapter> for ForeignAdapter {
    fn from(a: NativeAdapter) -> Self {
        let call: Arc<dyn ForeignCall> = Arc::new(JsAdapter {
            dispatch: a.dispatch,
        });
        ForeignAdapter {
            name: a.name,
            properties_per_listing: a.properties_per_listing.map(|n| n as usize),
            consent_url: a.consent_url,
            call,
        }
    }
}

/// The adapters of `NativeHandle.open`, by kind as the engine names them (`pms`,
/// `key_encoder`…), for `concierge::api::open_with`; an unknown kind is refused by the engine.
pub(crate) fn adapters(
    given: Option<std::collections::HashMap<String, NativeAdapter>>,
) -> concierge::Result<ForeignAdapters> {
    let mut adapters = ForeignAdapters::default();
    for (kind, adapter) in given.into_iter().flatten() {
        adapters.set(&kind, adapter.into())?;
    }
    Ok(adapters)
}

/// One JS adapter's `dispatch`.
struct JsAdapter {
    dispatch: Dispatch,
}

/// What a call that never gave an outcome raised: `dispatch` threw, its Promise was rejected,
/// or it answered something other than the JSON of an outcome.
fn failed(message: impl Into<String>) -> Value {
    json!({ "type": "Error", "message": message.into() })
}

impl JsAdapter {
    async fn outcome(
        &self,
        method: String,
        args: String,
    ) -> std::result::Result<Box<serde_json::value::RawValue>, Value> {
        let promise = self
            .dispatch
            .call_async_catch(FnArgs::from((method, args)))
            .await
            .map_err(|e| failed(e.reason))?;
        let text = promise.await.map_err(|e| failed(e.reason))?;
        concierge::foreign::outcome_of(&text)
    }
}

// `ForeignCall` is an `async_trait`: its method returns a boxed future.
impl ForeignCall for JsAdapter {
    fn call<'a, 'b, 'f>(
        &'a self,
        method: &'b str,
        args: Value,
    ) -> Pin<
        Box<
            dyn Future<Output = std::result::Result<Box<serde_json::value::RawValue>, Value>>
                + Send
                + 'f,
        >,
    >
    where
        'a: 'f,
        'b: 'f,
        Self: 'f,
    {
        Box::pin(self.outcome(method.to_owned(), args.to_string()))
    }
}
