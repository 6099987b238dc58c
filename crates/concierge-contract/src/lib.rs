//! Contract tests against a vendor's own OpenAPI description: every request an adapter sends
//! (method, path, path and query parameter values, JSON body) and every response a simulator
//! answers (status, body) is checked against the spec, and the checks are counted.
//!
//! ```
//! use concierge_contract::{Contract, ViolationKind};
//! use serde_json::json;
//!
//! let contract = Contract::buildium();
//! // A request: the template is matched, each query value parsed as its schema's type.
//! let op = contract
//!     .check_request("GET", "/v1/leases?propertyids=1&propertyids=2&limit=100&offset=0", None)
//!     .expect("a valid request");
//! assert_eq!(op.to_string(), "GET /v1/leases");
//! // A value out of the documented range is a violation, as is an unknown parameter.
//! let found = contract
//!     .check_request("GET", "/v1/leases?limit=5000&colour=red", None)
//!     .unwrap_err();
//! assert_eq!(found[0].kind, ViolationKind::QueryValue);
//! assert_eq!(found[1].kind, ViolationKind::UnknownQueryParameter);
//! // A response: the status must be declared and the body fit its schema.
//! contract.check_response("GET", "/v1/leases", 200, Some(&json!([]))).unwrap();
//! assert!(contract.check_response("GET", "/v1/leases", 200, Some(&json!({}))).is_err());
//! assert_eq!(
//!     contract.summary(),
//!     "Buildium: 2 requests and 2 responses checked against the spec, 3 violations"
//! );
//! ```
//!
//! The two vendor documents ship with the crate: [`Contract::buildium`] (the subset extracted in
//! `crates/concierge-buildium-sim/spec/`) and [`Contract::butterflymx`] (the whole ButterflyMX
//! v4 document, prepared by `spec/prepare_butterflymx.py`; see `spec/README.md`). Schemas are
//! JSON Schema 2020-12 (OpenAPI 3.1), formats asserted.
//!
//! What is not checked: headers, cookies and security schemes; request bodies that are not JSON
//! (a form body cannot be passed); `int32`/`int64` ranges inside JSON bodies (they are checked in
//! path and query values); path templates whose segments mix a parameter with literal text.

mod document;
pub mod fuzz;
mod params;
mod report;
pub mod schema_gen;
mod schemas;
mod shapes;

pub use report::{OperationRef, ResponseCheck, Tally, Violation, ViolationKind};

use document::{Candidate, Index, Operation};
use report::Counters;
use schemas::Schemas;
use serde_json::Value;
use shapes::Shape;
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

/// Why a document cannot be used as a contract.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ContractError {
    /// The text is not JSON.
    #[error("the document is not JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The document uses something this crate does not read (a remote `$ref`, no `paths`).
    #[error("unsupported OpenAPI document: {0}")]
    Unsupported(String),
    /// A schema does not compile.
    #[error("{0}")]
    Schema(String),
}

/// A vendor's OpenAPI document, ready to check requests and responses against, with a running
/// [`Tally`]. Checks take `&self` and the type is `Send + Sync`: one contract can serve every
/// task of a test.
pub struct Contract {
    name: String,
    doc: Value,
    index: Index,
    schemas: Schemas,
    shapes: Mutex<HashMap<(usize, String), Arc<Shape>>>,
    example_shapes: bool,
    counters: Counters,
    seen: Mutex<BTreeSet<OperationRef>>,
}

impl fmt::Debug for Contract {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Contract")
            .field("name", &self.name)
            .field("operations", &self.index.operations.len())
            .field("tally", &self.tally())
            .finish_non_exhaustive()
    }
}

/// A path split from its query (and from a scheme and host, if given a whole URL).
fn split(path_and_query: &str) -> (&str, &str) {
    let mut rest = path_and_query;
    for scheme in ["http://", "https://"] {
        if let Some(after) = rest.strip_prefix(scheme) {
            rest = after.find('/').map_or("/", |i| &after[i..]);
        }
    }
    let rest = rest.split('#').next().unwrap_or("");
    rest.split_once('?').unwrap_or((rest, ""))
}

impl Contract {
    /// A contract from an OpenAPI 3.1 document (JSON), named after its `info.title`.
    ///
    /// Schemas must be JSON Schema 2020-12: convert an OpenAPI 3.0 document first (`nullable`
    /// and friends; `spec/prepare_butterflymx.py` shows how). Only local `$ref`s are followed.
    pub fn from_json(text: &str) -> Result<Self, ContractError> {
        let doc: Value = serde_json::from_str(text)?;
        let index = Index::build(&doc)?;
        let name = doc
            .pointer("/info/title")
            .and_then(Value::as_str)
            .unwrap_or("OpenAPI")
            .to_owned();
        Ok(Self {
            name,
            schemas: Schemas::new(&doc),
            doc,
            index,
            shapes: Mutex::new(HashMap::new()),
            example_shapes: true,
            counters: Counters::default(),
            seen: Mutex::new(BTreeSet::new()),
        })
    }

    /// Buildium's Open API v1, the GET operations the simulator and adapter use
    /// (`crates/concierge-buildium-sim/spec/buildium-subset.json`), named `Buildium`.
    pub fn buildium() -> Self {
        Self::from_json(include_str!(
            "../../concierge-buildium-sim/spec/buildium-subset.json"
        ))
        .expect("the Buildium subset is a usable OpenAPI document")
        .named("Buildium")
    }

    /// ButterflyMX's API v4, all 43 paths (`spec/butterflymx-openapi.json`), named `ButterflyMX`.
    /// Its responses declare examples but no schema: bodies are checked by
    /// [`ResponseCheck::Examples`].
    pub fn butterflymx() -> Self {
        Self::from_json(include_str!("../spec/butterflymx-openapi.json"))
            .expect("the prepared ButterflyMX document is a usable OpenAPI document")
            .named("ButterflyMX")
    }

    /// The same contract under another name (used in [`Contract::summary`]).
    #[must_use]
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Whether responses described only by examples are checked against the examples' shape
    /// (default `true`); with `false` they count as [`ResponseCheck::Status`].
    #[must_use]
    pub fn with_example_shapes(mut self, on: bool) -> Self {
        self.example_shapes = on;
        self
    }

    /// The name the summary uses.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The document, as prepared.
    pub fn document(&self) -> &Value {
        &self.doc
    }

    /// Every operation the document declares, in path then method order.
    pub fn operations(&self) -> Vec<OperationRef> {
        let mut all: Vec<OperationRef> = self
            .index
            .operation_refs()
            .map(|(method, template)| OperationRef {
                method: method.to_owned(),
                template: template.to_owned(),
            })
            .collect();
        all.sort();
        all
    }

    /// The operations requests were matched to so far.
    pub fn operations_checked(&self) -> BTreeSet<OperationRef> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// What has been checked so far.
    pub fn tally(&self) -> Tally {
        self.counters.snapshot()
    }

    /// `"<name>: N requests and M responses checked against the spec, V violations"`.
    pub fn summary(&self) -> String {
        let t = self.tally();
        format!(
            "{}: {} requests and {} responses checked against the spec, {} violations",
            self.name, t.requests, t.responses, t.violations
        )
    }

    /// Compiles every request-body, response and parameter schema of the document; the number
    /// compiled, or the first that does not compile.
    pub fn compile_all(&self) -> Result<usize, ContractError> {
        for op in &self.index.operations {
            let params = op.params.iter().filter_map(|p| p.schema.as_deref());
            let body = op.body.iter().filter_map(|b| b.json_schema.as_deref());
            let responses = op
                .responses
                .values()
                .filter_map(|r| r.json_schema.as_deref());
            for pointer in params.chain(body).chain(responses) {
                self.schemas
                    .validator(pointer)
                    .map_err(ContractError::Schema)?;
            }
        }
        Ok(self.schemas.compiled())
    }

    /// Checks a request: the path matches a template (path parameter values fit their
    /// schemas), the template declares `method`, every query parameter is declared and its
    /// value fits its schema, required ones are present, and `body` (JSON) validates against
    /// the `requestBody` schema (present when required; absent when none is declared).
    ///
    /// `path_and_query` is `/path?query` as sent (percent-encoded; `+` reads as a space); a
    /// whole URL is accepted and its scheme and host ignored. The method is case-insensitive.
    pub fn check_request(
        &self,
        method: &str,
        path_and_query: &str,
        body: Option<&Value>,
    ) -> Result<OperationRef, Vec<Violation>> {
        let outcome = self.request(method, path_and_query, body);
        self.counters
            .request(outcome.as_ref().err().map_or(0, Vec::len));
        outcome
    }

    fn request(
        &self,
        method: &str,
        path_and_query: &str,
        body: Option<&Value>,
    ) -> Result<OperationRef, Vec<Violation>> {
        let (path, query) = split(path_and_query);
        let op = self.route(method, path)?;
        let reference = OperationRef {
            method: op.method.clone(),
            template: op.template.clone(),
        };
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(reference.clone());
        let mut found = params::check_query(&self.schemas, op, query);
        found.extend(self.check_request_body(op, body));
        if found.is_empty() {
            Ok(reference)
        } else {
            Err(found)
        }
    }

    fn check_request_body(&self, op: &Operation, body: Option<&Value>) -> Vec<Violation> {
        let at = "body";
        match (&op.body, body) {
            (None, None) => Vec::new(),
            (None, Some(_)) => vec![Violation::new(
                ViolationKind::UnexpectedBody,
                at,
                format!("{} {} declares no request body", op.method, op.template),
            )],
            (Some(spec), None) if spec.required => vec![Violation::new(
                ViolationKind::MissingBody,
                at,
                "the request body is required",
            )],
            (Some(_), None) => Vec::new(),
            (Some(spec), Some(_)) if !spec.json => vec![Violation::new(
                ViolationKind::UnsupportedMediaType,
                at,
                format!(
                    "a JSON body where the operation takes {}",
                    spec.media_types.join(", ")
                ),
            )],
            (Some(spec), Some(value)) => match &spec.json_schema {
                Some(pointer) => self.validate(pointer, value, "body", ViolationKind::RequestBody),
                None => Vec::new(),
            },
        }
    }

    /// Checks a response to `method path` (a query, if given, is ignored): `status` is declared
    /// for the operation (exactly, as `2XX`, or as `default`), and `body` validates against its
    /// JSON schema, or, where the spec gives examples only, fits their shape
    /// ([`ResponseCheck::Examples`]). A declared JSON body must be present; a `204` has none.
    pub fn check_response(
        &self,
        method: &str,
        path: &str,
        status: u16,
        body: Option<&Value>,
    ) -> Result<ResponseCheck, Vec<Violation>> {
        let outcome = self.response(method, path, status, body);
        self.counters.response(&outcome);
        outcome
    }

    fn response(
        &self,
        method: &str,
        path: &str,
        status: u16,
        body: Option<&Value>,
    ) -> Result<ResponseCheck, Vec<Violation>> {
        let (path, _) = split(path);
        let op = self.index_of(method, path)?;
        let operation = &self.index.operations[op];
        let code = status.to_string();
        let range = format!("{}XX", status / 100);
        let declared = operation
            .responses
            .iter()
            .find(|(k, _)| **k == code)
            .or_else(|| {
                operation
                    .responses
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(&range))
            })
            .or_else(|| operation.responses.iter().find(|(k, _)| *k == "default"));
        let Some((key, response)) = declared else {
            let known: Vec<&str> = operation.responses.keys().map(String::as_str).collect();
            return Err(vec![Violation::new(
                ViolationKind::UndeclaredStatus,
                "status",
                format!(
                    "{status} is not declared for {} {} (declared: {})",
                    operation.method,
                    operation.template,
                    known.join(", ")
                ),
            )]);
        };
        let at = "response body";
        if let Some(pointer) = &response.json_schema {
            let Some(value) = body else {
                return Err(vec![Violation::new(
                    ViolationKind::MissingBody,
                    at,
                    format!("{status} declares a JSON body"),
                )]);
            };
            let found = self.validate(pointer, value, at, ViolationKind::ResponseBody);
            return if found.is_empty() {
                Ok(ResponseCheck::Schema)
            } else {
                Err(found)
            };
        }
        if status == 204 || status == 304 {
            return match body {
                Some(_) => Err(vec![Violation::new(
                    ViolationKind::UnexpectedBody,
                    at,
                    format!("a {status} response has no body"),
                )]),
                None => Ok(ResponseCheck::Status),
            };
        }
        if !self.example_shapes || response.examples.is_empty() {
            return Ok(ResponseCheck::Status);
        }
        let Some(value) = body else {
            return Err(vec![Violation::new(
                ViolationKind::MissingBody,
                at,
                format!("{status} declares a JSON body"),
            )]);
        };
        let shape = self.shape(op, key, &response.examples);
        let mut found = Vec::new();
        shape.check(value, "", &mut found, 20);
        if found.is_empty() {
            Ok(ResponseCheck::Examples)
        } else {
            Err(found)
        }
    }

    fn shape(&self, op: usize, status: &str, examples: &[String]) -> Arc<Shape> {
        let mut cache = self.shapes.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = cache.entry((op, status.to_owned())).or_insert_with(|| {
            Arc::new(Shape::of(
                examples.iter().filter_map(|p| self.doc.pointer(p)),
            ))
        });
        Arc::clone(entry)
    }

    /// The violations of `value` against the schema at `pointer`, reported as `kind` at
    /// `<prefix> <instance path>`.
    fn validate(
        &self,
        pointer: &str,
        value: &Value,
        prefix: &str,
        kind: ViolationKind,
    ) -> Vec<Violation> {
        match self.schemas.errors(pointer, value) {
            Ok(errors) => errors
                .into_iter()
                .map(|(path, message)| {
                    let path = if path.is_empty() {
                        "/".to_owned()
                    } else {
                        path
                    };
                    Violation::new(kind, format!("{prefix} {path}"), message)
                })
                .collect(),
            Err(message) => vec![Violation::new(ViolationKind::InvalidSpec, prefix, message)],
        }
    }

    fn route(&self, method: &str, path: &str) -> Result<&Operation, Vec<Violation>> {
        self.index_of(method, path)
            .map(|i| &self.index.operations[i])
    }

    /// The operation `method path` matches: the most literal template whose parameter values
    /// fit their schemas and that declares the method.
    fn index_of(&self, method: &str, path: &str) -> Result<usize, Vec<Violation>> {
        let method = method.to_ascii_uppercase();
        let candidates = self.index.candidates(path);
        let mut first_failure: Option<Vec<Violation>> = None;
        for Candidate {
            template,
            values,
            methods,
        } in &candidates
        {
            // Parameter types come from the operation for `method`, else from any operation.
            let Some(&op) = methods.get(&method).or_else(|| methods.values().next()) else {
                continue;
            };
            let found = params::check_path(&self.schemas, &self.index.operations[op], values);
            if !found.is_empty() {
                first_failure.get_or_insert(found);
                continue;
            }
            return match methods.get(&method) {
                Some(&op) => Ok(op),
                None => Err(vec![Violation::new(
                    ViolationKind::MethodNotAllowed,
                    "method",
                    format!(
                        "{template} declares {}, not {method}",
                        methods.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                )]),
            };
        }
        Err(first_failure.unwrap_or_else(|| {
            vec![Violation::new(
                ViolationKind::UnknownPath,
                "path",
                format!("{path} matches no path template of the spec"),
            )]
        }))
    }
}
