//! An adapter "in another language" for the tests: a closure answering each call from its JSON
//! arguments, as a Python or Node adapter answers through its binding; the calls are kept.

use async_trait::async_trait;
use concierge::foreign::ForeignCall;
use serde_json::Value;
use serde_json::value::RawValue;
use std::sync::{Arc, Mutex};

type Answer = dyn Fn(&str, &Value) -> Result<Value, Value> + Send + Sync;

/// An adapter answering each call with `answer`, remembering the calls.
pub struct Json {
    answer: Box<Answer>,
    calls: Mutex<Vec<(String, Value)>>,
}

impl Json {
    pub fn new(
        answer: impl Fn(&str, &Value) -> Result<Value, Value> + Send + Sync + 'static,
    ) -> Arc<Self> {
        Arc::new(Self {
            answer: Box::new(answer),
            calls: Mutex::new(Vec::new()),
        })
    }

    /// The arguments of every call of `method`, in order.
    #[allow(dead_code)]
    pub fn calls(&self, method: &str) -> Vec<Value> {
        let calls = self.calls.lock().unwrap();
        calls
            .iter()
            .filter(|(m, _)| m == method)
            .map(|(_, a)| a.clone())
            .collect()
    }
}

#[async_trait]
impl ForeignCall for Json {
    async fn call(&self, method: &str, args: Value) -> Result<Box<RawValue>, Value> {
        self.calls
            .lock()
            .unwrap()
            .push((method.to_owned(), args.clone()));
        (self.answer)(method, &args).map(|v| serde_json::value::to_raw_value(&v).unwrap())
    }
}
