//! Compiled JSON Schema validators, one per schema pointer, built lazily and cached. Each is
//! compiled with the whole document as its root (and a root `$ref` to the pointer), so the
//! schema's `#/components/...` references resolve.

use jsonschema::{Draft, Validator};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// Characters a JSON pointer keeps verbatim in a URI fragment: unreserved ones, `/` and `~`.
const FRAGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'[')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}')
    .add(b'?')
    .add(b'\\');

/// How many errors of one body are reported.
const MAX_ERRORS: usize = 20;

pub(crate) struct Schemas {
    /// The document without the bulky parts no schema refers to (examples stay: a pointer may
    /// lead there), shared by every compilation.
    root: Value,
    cache: Mutex<HashMap<String, Arc<Validator>>>,
}

impl Schemas {
    pub(crate) fn new(doc: &Value) -> Self {
        let mut root = doc.clone();
        if let Some(map) = root.as_object_mut() {
            // Prose, not schema: the Buildium vendor file's guide alone is 128 KB.
            if let Some(info) = map.get_mut("info").and_then(Value::as_object_mut) {
                info.remove("description");
            }
        }
        Self {
            root,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The validator of the schema at `pointer`, compiled on first use.
    pub(crate) fn validator(&self, pointer: &str) -> Result<Arc<Validator>, String> {
        if let Some(found) = self
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(pointer)
        {
            return Ok(Arc::clone(found));
        }
        if self.root.pointer(pointer).is_none() {
            return Err(format!("no schema at {pointer}"));
        }
        let mut root = self.root.clone();
        root["$ref"] = Value::String(format!("#{}", utf8_percent_encode(pointer, FRAGMENT)));
        let validator = jsonschema::options()
            .with_draft(Draft::Draft202012)
            .should_validate_formats(true)
            .build(&root)
            .map_err(|e| format!("the schema at {pointer} does not compile: {e}"))?;
        let validator = Arc::new(validator);
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(pointer.to_owned(), Arc::clone(&validator));
        Ok(validator)
    }

    /// The errors of `instance` against the schema at `pointer`, as `(instance path, message)`;
    /// `Err` when the schema is unusable.
    pub(crate) fn errors(
        &self,
        pointer: &str,
        instance: &Value,
    ) -> Result<Vec<(String, String)>, String> {
        let validator = self.validator(pointer)?;
        Ok(validator
            .iter_errors(instance)
            .take(MAX_ERRORS)
            .map(|e| (e.instance_path().to_string(), e.to_string()))
            .collect())
    }

    /// How many validators are compiled.
    pub(crate) fn compiled(&self) -> usize {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}
