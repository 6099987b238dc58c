//! What a check reports: the operation a request matched, each violation of the spec, how a
//! response body was checked, and the running tally a test prints.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

/// The operation a request or response was matched to: its method and path template.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OperationRef {
    /// The HTTP method, upper case (`GET`).
    pub method: String,
    /// The path template as the spec writes it (`/v1/leases/{leaseId}`).
    pub template: String,
}

impl fmt::Display for OperationRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.template)
    }
}

/// What part of the spec a [`Violation`] breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ViolationKind {
    /// No path template of the spec matches the path.
    UnknownPath,
    /// The path matches a template that declares no operation for the method.
    MethodNotAllowed,
    /// A path parameter's value does not fit its schema (an id that is not an integer).
    PathParameter,
    /// A query parameter the operation does not declare.
    UnknownQueryParameter,
    /// A required query parameter is missing.
    MissingQueryParameter,
    /// A parameter that is not an exploded array was given more than once.
    RepeatedQueryParameter,
    /// A query parameter's value does not fit its schema (type, enum, format, range).
    QueryValue,
    /// A required request body is missing, or a declared response body is.
    MissingBody,
    /// A body where the operation (or a `204` response) declares none.
    UnexpectedBody,
    /// A JSON body where the operation declares only other media types.
    UnsupportedMediaType,
    /// The request body does not validate against the operation's `requestBody` schema.
    RequestBody,
    /// The response status is not declared for the operation.
    UndeclaredStatus,
    /// The response body does not validate against the response's schema.
    ResponseBody,
    /// The response body has a field or a type found in none of the vendor's examples (for
    /// responses the spec describes by examples only; see [`ResponseCheck::Examples`]).
    ResponseShape,
    /// The spec itself is unusable here (a schema that does not compile, an unresolvable
    /// `$ref`).
    InvalidSpec,
}

/// One way a request or response breaks the spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// What kind of rule is broken.
    pub kind: ViolationKind,
    /// Where: `path`, `method`, ``query `limit` ``, `body /tenant/unit_id`, `status`,
    /// `response body /data/0/id`.
    pub at: String,
    /// What is wrong, in words.
    pub message: String,
}

impl Violation {
    pub(crate) fn new(
        kind: ViolationKind,
        at: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            at: at.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} at {}: {}", self.kind, self.at, self.message)
    }
}

/// How a response body was checked, when it passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResponseCheck {
    /// Against the JSON schema the spec declares for the status.
    Schema,
    /// The spec declares no schema, only examples: every field and JSON type of the body was
    /// found at the same place in one of the vendor's examples for that status (ButterflyMX's
    /// responses are all of this kind). Weaker than a schema: fields missing from the body and
    /// nulls are not judged.
    Examples,
    /// The spec declares neither schema nor examples for the status (or its media type is not
    /// JSON): only the status was checked.
    Status,
}

/// Counts of what a [`Contract`](crate::Contract) has checked so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Requests checked (passing or not).
    pub requests: u64,
    /// Responses checked (passing or not).
    pub responses: u64,
    /// Responses whose body passed a schema ([`ResponseCheck::Schema`]).
    pub responses_by_schema: u64,
    /// Responses whose body passed the examples' shape ([`ResponseCheck::Examples`]).
    pub responses_by_examples: u64,
    /// Responses whose status only was checked ([`ResponseCheck::Status`]).
    pub responses_by_status: u64,
    /// Violations found, over requests and responses.
    pub violations: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    requests: AtomicU64,
    responses: AtomicU64,
    by_schema: AtomicU64,
    by_examples: AtomicU64,
    by_status: AtomicU64,
    violations: AtomicU64,
}

impl Counters {
    pub(crate) fn request(&self, violations: usize) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.violations
            .fetch_add(violations as u64, Ordering::Relaxed);
    }

    pub(crate) fn response(&self, outcome: &Result<ResponseCheck, Vec<Violation>>) {
        self.responses.fetch_add(1, Ordering::Relaxed);
        let counter = match outcome {
            Ok(ResponseCheck::Schema) => &self.by_schema,
            Ok(ResponseCheck::Examples) => &self.by_examples,
            Ok(ResponseCheck::Status) => &self.by_status,
            Err(found) => {
                self.violations
                    .fetch_add(found.len() as u64, Ordering::Relaxed);
                return;
            }
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> Tally {
        Tally {
            requests: self.requests.load(Ordering::Relaxed),
            responses: self.responses.load(Ordering::Relaxed),
            responses_by_schema: self.by_schema.load(Ordering::Relaxed),
            responses_by_examples: self.by_examples.load(Ordering::Relaxed),
            responses_by_status: self.by_status.load(Ordering::Relaxed),
            violations: self.violations.load(Ordering::Relaxed),
        }
    }
}
