//! Errors. One enum for everything an operation can refuse or fail with, with a stable
//! [`ErrorCode`] that the Python and Node bindings expose unchanged (R-SDK-5).
//!
//! Errors never carry secrets, and validation errors never echo the rejected input (it may be a
//! resident's personal data): they name the field and the rule.

use crate::account::{AccountAction, AccountStatus};
use crate::permissions::{AccessLevel, Permission};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything a Concierge operation can fail with. `Clone`, so one failure can be handed to
/// several waiters (a sync joined by other triggers).
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The admin lacks the permission the operation needs (R-PERM-1, R-PERM-2). Raised before
    /// any provider or the store is touched.
    #[error(
        "permission denied: {action} needs {permission} {required}, admin {admin_name} ({admin}) has {held}"
    )]
    PermissionDenied {
        /// Who tried: the host application's id of the admin.
        admin: String,
        /// The admin's display name.
        admin_name: String,
        /// The operation that was refused.
        action: String,
        /// The permission it needs.
        permission: Permission,
        /// The level it needs.
        required: AccessLevel,
        /// The level the admin has.
        held: AccessLevel,
    },

    /// The account is not in a status from which the action is allowed (R-STATUS-5).
    #[error("cannot {action} an account that is {from}")]
    InvalidTransition {
        /// The account's status when the action was tried.
        from: AccountStatus,
        /// The action that was refused.
        action: AccountAction,
    },

    /// An activation token was refused (R-STATUS-5).
    #[error("activation token refused: {reason}")]
    TokenRejected {
        /// Why it was refused.
        reason: TokenRejection,
    },

    /// A webhook delivery was refused: not signed by the vendor, too old, seen before, or not
    /// a webhook.
    #[error("webhook refused: {reason}")]
    WebhookRejected {
        /// Why it was refused.
        reason: WebhookRejection,
    },

    /// A record the operation needs does not exist.
    #[error("{entity} {id} not found")]
    NotFound {
        /// What kind of record.
        entity: EntityKind,
        /// The id that was asked for.
        id: String,
    },

    /// The input is invalid. Nothing was changed.
    #[error(transparent)]
    Validation(#[from] ValidationError),

    /// The operation conflicts with existing state: what kind of conflict, and the existing
    /// record when there is one.
    #[error("conflict: {message}")]
    Conflict {
        /// The kind of conflict.
        kind: ConflictKind,
        /// What conflicts, in words.
        message: String,
        /// The existing record it conflicts with, when there is one (a live key's id, the
        /// process holding a sync lease).
        existing_id: Option<String>,
        /// Until when the conflict lasts, when that is known (a sync lease's expiry).
        until: Option<chrono::DateTime<chrono::Utc>>,
    },

    /// An outside system (PMS, strata, intercom, lock system, mail) failed. Boxed: it carries
    /// the vendor's answer, and every `Result` of the crate would otherwise be as large.
    #[error(transparent)]
    Provider(Box<ProviderError>),

    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),

    /// The handle was closed.
    #[error("this Concierge handle is closed")]
    Closed,
}

impl From<ProviderError> for Error {
    fn from(e: ProviderError) -> Self {
        Error::Provider(Box::new(e))
    }
}

/// Stable, language-neutral error codes: the Node `err.code` and the Python exception's
/// `code` attribute.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[non_exhaustive]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// [`Error::PermissionDenied`]
    PermissionDenied,
    /// [`Error::InvalidTransition`]
    InvalidTransition,
    /// [`Error::TokenRejected`]
    TokenRejected,
    /// [`Error::WebhookRejected`]
    WebhookRejected,
    /// [`Error::NotFound`]
    NotFound,
    /// [`Error::Validation`]
    Validation,
    /// [`Error::Conflict`]
    Conflict,
    /// [`Error::Provider`]
    Provider,
    /// [`Error::Store`]
    Store,
    /// [`Error::Closed`]
    Closed,
}

impl ErrorCode {
    /// The code as an upper-snake string, e.g. `PERMISSION_DENIED`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl AsRef<str> for ErrorCode {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Error {
    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::PermissionDenied { .. } => ErrorCode::PermissionDenied,
            Error::InvalidTransition { .. } => ErrorCode::InvalidTransition,
            Error::TokenRejected { .. } => ErrorCode::TokenRejected,
            Error::WebhookRejected { .. } => ErrorCode::WebhookRejected,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::Validation(_) => ErrorCode::Validation,
            Error::Conflict { .. } => ErrorCode::Conflict,
            Error::Provider(_) => ErrorCode::Provider,
            Error::Store(_) => ErrorCode::Store,
            Error::Closed => ErrorCode::Closed,
        }
    }

    /// Whether trying the same call again later can succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Provider(e) => e.retryable(),
            Error::Store(e) => e.is_retryable(),
            Error::Conflict { kind, .. } => kind.is_retryable(),
            _ => false,
        }
    }

    /// A [`Error::NotFound`] for `entity` with `id`.
    pub fn not_found(entity: EntityKind, id: impl fmt::Display) -> Self {
        Error::NotFound {
            entity,
            id: id.to_string(),
        }
    }

    /// A conflict of `kind`.
    pub fn conflict(kind: ConflictKind, message: impl Into<String>) -> Self {
        Error::Conflict {
            kind,
            message: message.into(),
            existing_id: None,
            until: None,
        }
    }

    /// A conflict with an existing record.
    pub fn conflict_with(
        kind: ConflictKind,
        message: impl Into<String>,
        existing_id: impl fmt::Display,
    ) -> Self {
        Error::Conflict {
            kind,
            message: message.into(),
            existing_id: Some(existing_id.to_string()),
            until: None,
        }
    }

    /// A validation error on one field.
    pub fn invalid(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Error::Validation(ValidationError::single(field, rule))
    }
}

impl Error {
    /// The error's fields besides its code and message: the same names in every language
    /// (Python exception attributes; Node `Error` properties, in camelCase). Every error has
    /// `retryable`; the others are listed by [`ErrorCode::fields`].
    pub fn fields(&self) -> serde_json::Map<String, serde_json::Value> {
        use serde_json::json;
        let value = match self {
            Error::PermissionDenied {
                admin,
                admin_name,
                action,
                permission,
                required,
                held,
            } => json!({
                "admin": admin, "admin_name": admin_name, "action": action, "permission": permission,
                "required": required, "held": held,
            }),
            Error::InvalidTransition { from, action } => {
                json!({ "from_status": from, "action": action })
            }
            Error::TokenRejected { reason } => json!({ "reason": reason }),
            Error::WebhookRejected { reason } => json!({ "reason": reason }),
            Error::NotFound { entity, id } => json!({ "entity": entity, "id": id }),
            Error::Validation(v) => json!({ "issues": v.issues }),
            Error::Conflict {
                kind,
                existing_id,
                until,
                ..
            } => json!({ "conflict": kind, "existing_id": existing_id, "until": until }),
            Error::Closed => json!({}),
            Error::Provider(p) => json!({
                "provider": p.provider, "operation": p.operation, "kind": p.kind,
                "failure": p.source_of_failure, "retry_class": p.retry,
                "http_status": p.http_status, "vendor_code": p.vendor_code,
                "request_id": p.request_id,
                "retry_after_seconds": p.retry_after.map(|d| d.as_secs_f64()),
            }),
            Error::Store(StoreError::Incompatible {
                location,
                found,
                supported,
                ..
            }) => json!({ "location": location, "found": found, "supported": supported }),
            Error::Store(_) => json!({}),
        };
        let mut fields = match value {
            serde_json::Value::Object(map) => map,
            _ => unreachable!("every arm builds an object"),
        };
        fields.insert("retryable".into(), self.is_retryable().into());
        // Every field the code declares is there, null when this error has no value for it.
        for field in self.code().fields() {
            fields.entry(field.name).or_insert(serde_json::Value::Null);
        }
        fields
    }

    /// The error's text followed by its causes (`…: caused by …`), each shown once: what the
    /// bindings put in a Python exception's or a JS `Error`'s message.
    pub fn full_message(&self) -> String {
        let mut text = self.to_string();
        let mut source = std::error::Error::source(self);
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
}

/// One field an error carries, for the bindings' generated exception classes and types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ErrorField {
    /// The field's name (snake_case).
    pub name: &'static str,
    /// Its type, as a JSON Schema type name or the name of an enum of this crate; `?` at the
    /// end when it may be null or absent.
    pub ty: &'static str,
    /// What it says.
    pub doc: &'static str,
}

macro_rules! field {
    ($name:literal, $ty:literal, $doc:literal) => {
        ErrorField {
            name: $name,
            ty: $ty,
            doc: $doc,
        }
    };
}

impl ErrorCode {
    /// Every code.
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;

    /// The fields [`Error::fields`] gives for an error of this code (`retryable` is on all).
    pub fn fields(self) -> &'static [ErrorField] {
        const RETRYABLE: ErrorField = field!(
            "retryable",
            "boolean",
            "Whether trying the same call again later can succeed."
        );
        match self {
            ErrorCode::PermissionDenied => &[
                field!(
                    "admin",
                    "string",
                    "The admin's id, as the host application gave it."
                ),
                field!("admin_name", "string", "The admin's display name."),
                field!("action", "string", "The refused operation."),
                field!("permission", "Permission", "The area it needs."),
                field!("required", "AccessLevel", "The level it needs."),
                field!("held", "AccessLevel", "The level the admin holds."),
                RETRYABLE,
            ],
            ErrorCode::InvalidTransition => &[
                field!("from_status", "AccountStatus", "The account's status."),
                field!("action", "AccountAction", "The refused action."),
                RETRYABLE,
            ],
            ErrorCode::TokenRejected => &[
                field!("reason", "TokenRejection", "Why the token was refused."),
                RETRYABLE,
            ],
            ErrorCode::WebhookRejected => &[
                field!(
                    "reason",
                    "WebhookRejection",
                    "Why the delivery was refused."
                ),
                RETRYABLE,
            ],
            ErrorCode::NotFound => &[
                field!("entity", "EntityKind", "The kind of record."),
                field!("id", "string", "The id asked for."),
                RETRYABLE,
            ],
            ErrorCode::Validation => &[
                field!(
                    "issues",
                    "FieldIssue[]",
                    "Every problem, in the order the fields were checked."
                ),
                RETRYABLE,
            ],
            ErrorCode::Provider => &[
                field!("provider", "string", "The provider's stable name."),
                field!("operation", "string", "The provider operation."),
                field!("kind", "ProviderErrorKind", "The class of failure."),
                field!(
                    "failure",
                    "FailureSource",
                    "Where it happened: transport, response, configuration or other."
                ),
                field!(
                    "retry_class",
                    "RetryClass",
                    "Whether and how a retry can help."
                ),
                field!(
                    "http_status",
                    "integer?",
                    "The HTTP status of the vendor's answer, when there was one."
                ),
                field!(
                    "vendor_code",
                    "string?",
                    "The vendor's own error code, when it sent one."
                ),
                field!(
                    "request_id",
                    "string?",
                    "The vendor's request id, where it sent one."
                ),
                field!(
                    "retry_after_seconds",
                    "number?",
                    "How long the vendor asked to wait before a retry, in seconds."
                ),
                RETRYABLE,
            ],
            ErrorCode::Store => &[
                field!(
                    "location",
                    "string?",
                    "For a database this version cannot use: the file, or host and database."
                ),
                field!(
                    "found",
                    "integer?",
                    "For a database this version cannot use: the schema version found."
                ),
                field!(
                    "supported",
                    "integer?",
                    "For a database this version cannot use: the newest schema version known."
                ),
                RETRYABLE,
            ],
            ErrorCode::Conflict => &[
                field!("conflict", "ConflictKind", "The kind of conflict."),
                field!(
                    "existing_id",
                    "string?",
                    "The existing record it conflicts with, when there is one (a live key, the process holding a sync lease)."
                ),
                field!(
                    "until",
                    "date-time?",
                    "Until when the conflict lasts, when that is known (a sync lease's expiry)."
                ),
                RETRYABLE,
            ],
            ErrorCode::Closed => &[RETRYABLE],
        }
    }

    /// The name of the error class in the bindings, e.g. `PermissionDeniedError`.
    pub fn class_name(self) -> &'static str {
        match self {
            ErrorCode::PermissionDenied => "PermissionDeniedError",
            ErrorCode::InvalidTransition => "InvalidTransitionError",
            ErrorCode::TokenRejected => "TokenRejectedError",
            ErrorCode::WebhookRejected => "WebhookRejectedError",
            ErrorCode::NotFound => "NotFoundError",
            ErrorCode::Validation => "ValidationError",
            ErrorCode::Conflict => "ConflictError",
            ErrorCode::Provider => "ProviderError",
            ErrorCode::Store => "StoreError",
            ErrorCode::Closed => "ClosedError",
        }
    }
}

impl ValidationError {
    /// The validation error for input that did not deserialise: the field's path (`settings.
    /// invitation_email.subject`, `status`, `limit`) and the rule, never the rejected value.
    pub fn from_deserialize(err: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let path = err.path().to_string();
        let inner = err.inner().to_string();
        let (field, message) = describe_serde_error(&path, &inner);
        Self::single(field, message)
    }
}

/// The field and rule of a serde error message, without the value it quotes.
fn describe_serde_error(path: &str, inner: &str) -> (String, String) {
    let join = |name: &str| {
        if path.is_empty() || path == "." {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    let field = if path == "." {
        String::new()
    } else {
        path.to_owned()
    };
    let ticked = |text: &str| text.split('`').nth(1).map(str::to_owned);
    let expected = |text: &str| {
        let raw = text
            .split_once("expected ")
            .map(|(_, rest)| rest.trim_start_matches("one of ").replace('`', ""))
            .unwrap_or_default();
        match raw.as_str() {
            "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number, 0 or more".to_owned(),
            "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".to_owned(),
            "f32" | "f64" => "a number".to_owned(),
            "a boolean" => "true or false".to_owned(),
            // Two variants read "`a` or `b`"; more, "one of `a`, `b`, `c`": one form for both.
            other => other.replace(" or ", ", "),
        }
    };
    if let Some(rest) = inner.strip_prefix("unknown field ") {
        let name = ticked(rest).unwrap_or_default();
        let known = expected(rest);
        let message = if known.is_empty() {
            "is not a known field".to_owned()
        } else {
            format!("is not a known field (known: {known})")
        };
        // The path already ends at the unknown key when the deserializer saw it.
        let field = if field.ends_with(&name) {
            field
        } else {
            join(&name)
        };
        return (field, message);
    }
    if let Some(rest) = inner.strip_prefix("missing field ") {
        return (
            join(&ticked(rest).unwrap_or_default()),
            "is required".into(),
        );
    }
    if inner.starts_with("unknown variant ") {
        return (field, format!("must be one of: {}", expected(inner)));
    }
    if inner.starts_with("invalid type")
        || inner.starts_with("invalid value")
        || inner.starts_with("invalid length")
    {
        return (field, format!("must be {}", expected(inner)));
    }
    // chrono's own messages, for a date or date-time that does not parse.
    const CHRONO: [&str; 7] = [
        "input contains invalid characters",
        "input is out of range",
        "premature end of input",
        "trailing input",
        "input is not enough for unique date and time",
        "no possible date and time matching input",
        "bad or unsupported format string",
    ];
    let message = if CHRONO.contains(&inner) {
        "must be an ISO 8601 date (YYYY-MM-DD) or date-time".to_owned()
    } else if inner.contains('`') || inner.contains('"') {
        "is not valid".to_owned()
    } else {
        inner.to_owned()
    };
    (field, message)
}

/// The kinds of record an error can name.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
#[strum(serialize_all = "snake_case")]
pub enum EntityKind {
    /// A property.
    Property,
    /// A building.
    Building,
    /// A unit.
    Unit,
    /// A resident.
    Resident,
    /// A spare key holder.
    SpareHolder,
    /// A smart key.
    Key,
    /// A visitor pass.
    VisitorPass,
    /// An admin.
    Admin,
    /// A sync run.
    SyncRun,
    /// An outbox entry.
    OutboxEntry,
    /// An intent of the idempotency ledger.
    Intent,
    /// A strata building linked to a property.
    StrataRoll,
    /// A strata user of a linked building.
    StrataMember,
    /// A sealed secret an adapter keeps between runs.
    Secret,
}

impl EntityKind {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an activation token was refused.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
#[strum(serialize_all = "snake_case")]
pub enum TokenRejection {
    /// Not a token this SDK issued, or malformed.
    Invalid,
    /// The 7-day activation window has passed; the invitation must be sent again (R-STATUS-4).
    Expired,
    /// The token was already used to activate the account.
    AlreadyUsed,
    /// A newer invitation replaced this token.
    Superseded,
}

impl TokenRejection {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl fmt::Display for TokenRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            TokenRejection::Invalid => "not a valid activation token",
            TokenRejection::Expired => "the activation link has expired; send the invitation again",
            TokenRejection::AlreadyUsed => "the activation link was already used",
            TokenRejection::Superseded => "a newer invitation replaced this activation link",
        };
        f.write_str(text)
    }
}

/// Why a webhook delivery was refused. Stable snake_case names.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
#[strum(serialize_all = "snake_case")]
pub enum WebhookRejection {
    /// A header the vendor always sends is missing.
    MissingHeader,
    /// The signature is not the one the subscription's secret gives: not from the vendor, or
    /// changed on the way.
    BadSignature,
    /// The timestamp is further from now than the tolerance: an old delivery replayed, or a
    /// clock far off.
    Stale,
    /// This delivery was already received (the same timestamp and body).
    Replayed,
    /// Signed, but not a webhook the SDK can read.
    Malformed,
}

impl WebhookRejection {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl fmt::Display for WebhookRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            WebhookRejection::MissingHeader => "a webhook header is missing",
            WebhookRejection::BadSignature => {
                "the signature does not match the subscription's secret"
            }
            WebhookRejection::Stale => "the timestamp is outside the tolerance",
            WebhookRejection::Replayed => "this delivery was already received",
            WebhookRejection::Malformed => "the body is not a webhook event",
        };
        f.write_str(text)
    }
}

/// One problem with one input field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FieldIssue {
    /// The field, e.g. `first_name`.
    pub field: String,
    /// The rule it breaks, in words. Never contains the rejected value.
    pub message: String,
}

/// Invalid input: every problem found, not only the first.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ValidationError {
    /// The problems, in the order the fields were checked.
    pub issues: Vec<FieldIssue>,
}

impl ValidationError {
    /// A validation error with one issue.
    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            issues: vec![FieldIssue {
                field: field.into(),
                message: message.into(),
            }],
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid input: ")?;
        for (i, issue) in self.issues.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", issue.field, issue.message)?;
        }
        Ok(())
    }
}

/// What went wrong in an outside system, in classes a caller can act on.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
#[strum(serialize_all = "snake_case")]
pub enum ProviderErrorKind {
    /// The call did not complete in time.
    Timeout,
    /// The connection failed or was reset.
    Connection,
    /// The provider throttled us (HTTP 429).
    RateLimited,
    /// The provider is down or failing (HTTP 5xx).
    Unavailable,
    /// Credentials were refused (HTTP 401).
    Unauthorized,
    /// The credentials lack a right (HTTP 403).
    Forbidden,
    /// The provider has no such record (HTTP 404).
    NotFound,
    /// The provider refused the request as invalid (HTTP 400/409/422).
    Rejected,
    /// The response could not be read.
    InvalidResponse,
    /// A device (key encoder, intercom) is busy.
    DeviceBusy,
    /// A device is offline.
    DeviceOffline,
    /// No card (or no readable card) was on the key encoder in time.
    NoCard,
    /// Anything else.
    Other,
}

impl ProviderErrorKind {
    /// Whether a retry of the same call can help, for this kind by default.
    pub fn default_retryable(self) -> bool {
        RetryClass::of(self, false).is_retryable()
    }

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Parses a snake_case name, as the bindings pass it.
    pub fn parse(name: &str) -> Option<Self> {
        name.parse().ok()
    }

    /// Every kind.
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;
}

impl fmt::Display for ProviderErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an outside system's failure happened, as smithy-rs splits it: the request never got
/// an answer (transport), the vendor answered with an error (response), the adapter was set up
/// wrong and sent nothing (configuration), or anything else (a device, a mailer, a fake).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[non_exhaustive]
pub enum FailureSource {
    /// Connect, TLS, reset or timeout: no answer came back.
    Transport,
    /// The vendor answered with an error: see `http_status`, `vendor_code`.
    Response,
    /// The adapter's configuration is unusable; nothing was sent.
    Configuration,
    /// Neither: a device, a mailer or a fake failed.
    Other,
}

/// Whether trying the same call again can help, and how: derived in one place
/// ([`RetryClass::of`]) from the kind of failure and whether the call may have changed
/// something.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[non_exhaustive]
pub enum RetryClass {
    /// A passing failure (a timeout of a read, a 5xx, a busy device): try again later.
    Transient,
    /// The vendor throttled the call (HTTP 429): try again after `retry_after`, or later.
    Throttled,
    /// A write whose answer was lost: it may have been done. Ask the vendor (or use the
    /// idempotency key) before trying again.
    UnknownOutcome,
    /// Trying the same call again cannot help.
    Permanent,
}

impl RetryClass {
    /// The retry class of a failure of `kind`; `write` when the call may have changed
    /// something at the vendor (a write that is not idempotent).
    pub fn of(kind: ProviderErrorKind, write: bool) -> Self {
        match kind {
            ProviderErrorKind::RateLimited => RetryClass::Throttled,
            ProviderErrorKind::Timeout | ProviderErrorKind::Connection if write => {
                RetryClass::UnknownOutcome
            }
            ProviderErrorKind::Timeout
            | ProviderErrorKind::Connection
            | ProviderErrorKind::Unavailable
            | ProviderErrorKind::DeviceBusy => RetryClass::Transient,
            _ => RetryClass::Permanent,
        }
    }

    /// Whether trying again later can succeed without asking first.
    pub fn is_retryable(self) -> bool {
        matches!(self, RetryClass::Transient | RetryClass::Throttled)
    }

    /// Whether the vendor refused for good: the call changed nothing and will not succeed.
    /// Every other class leaves a write to be tried again, after asking what became of it when
    /// its outcome is unknown.
    pub fn is_refusal(self) -> bool {
        matches!(self, RetryClass::Permanent)
    }

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A failure of an outside system (R-SDK-2): which provider, which operation, what kind, where
/// it happened (transport or the vendor's response, with the HTTP status, the vendor's error
/// code and request id and a retry-after hint), and whether a retry can help. Adapters build
/// it; it never holds a credential.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{provider} {operation} failed ({kind}, {retry}): {message}{rid}",
    retry = .retry.as_str(),
    rid = .request_id.as_deref().map(|r| format!(" [request id {r}]")).unwrap_or_default())]
#[non_exhaustive]
pub struct ProviderError {
    /// The provider's stable name, e.g. `buildium`, `salto`, `sandbox-mailer`.
    pub provider: String,
    /// The operation, e.g. `list_residents`.
    pub operation: String,
    /// The class of failure.
    pub kind: ProviderErrorKind,
    /// Where it happened.
    pub source_of_failure: FailureSource,
    /// Whether a retry can help: [`RetryClass::of`] the kind unless the adapter knows better.
    pub retry: RetryClass,
    /// The HTTP status of the vendor's answer, when there was one.
    pub http_status: Option<u16>,
    /// The vendor's own error code (`ALREADY_EXISTS`, `ValidationError`, …), when it sent one.
    pub vendor_code: Option<String>,
    /// The vendor's request id, where it sent one.
    pub request_id: Option<String>,
    /// How long the vendor asked us to wait before trying again (`Retry-After`).
    pub retry_after: Option<std::time::Duration>,
    /// What happened, in words, without secrets.
    pub message: String,
    /// How many attempts the provider made, its own retries included: 1 unless it retries
    /// itself (the shared HTTP transport does). A caller does not stack retries on top of them.
    pub attempts: u32,
    /// The underlying error, if any.
    #[source]
    pub source: Option<std::sync::Arc<dyn std::error::Error + Send + Sync>>,
}

impl ProviderError {
    /// A provider error whose retry class follows from its kind (for a read), from neither the
    /// transport nor a response.
    pub fn new(
        provider: impl Into<String>,
        operation: impl Into<String>,
        kind: ProviderErrorKind,
        message: impl Into<String>,
    ) -> Self {
        Self {
            provider: provider.into(),
            operation: operation.into(),
            kind,
            source_of_failure: FailureSource::Other,
            retry: RetryClass::of(kind, false),
            http_status: None,
            vendor_code: None,
            request_id: None,
            retry_after: None,
            message: message.into(),
            attempts: 1,
            source: None,
        }
    }

    /// An adapter whose configuration cannot work: refused before any request, never retried.
    pub fn configuration(
        provider: impl Into<String>,
        operation: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let mut e = Self::new(provider, operation, ProviderErrorKind::Other, message);
        e.source_of_failure = FailureSource::Configuration;
        e.retry = RetryClass::Permanent;
        e
    }

    /// Marks a failure of the transport (no answer came back); `write` when the request may
    /// have changed something at the vendor, which makes a lost answer an unknown outcome.
    pub fn from_transport(mut self, write: bool) -> Self {
        self.source_of_failure = FailureSource::Transport;
        self.retry = RetryClass::of(self.kind, write);
        self
    }

    /// Marks the vendor's error answer: its HTTP status.
    pub fn from_response(mut self, http_status: u16) -> Self {
        self.source_of_failure = FailureSource::Response;
        self.http_status = Some(http_status);
        self
    }

    /// Sets the vendor's error code.
    pub fn with_vendor_code(mut self, code: impl Into<String>) -> Self {
        self.vendor_code = Some(code.into());
        self
    }

    /// Sets the vendor's request id.
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    /// Sets the vendor's retry-after hint.
    pub fn with_retry_after(mut self, after: std::time::Duration) -> Self {
        self.retry_after = Some(after);
        self
    }

    /// Sets the retry class, where the adapter knows better than the kind.
    pub fn with_retry(mut self, retry: RetryClass) -> Self {
        self.retry = retry;
        self
    }

    /// Overrides whether a retry can help: transient or permanent.
    pub fn with_retryable(self, retryable: bool) -> Self {
        self.with_retry(if retryable {
            RetryClass::Transient
        } else {
            RetryClass::Permanent
        })
    }

    /// Whether trying the same call again later can succeed without asking first.
    pub fn retryable(&self) -> bool {
        self.retry.is_retryable()
    }

    /// Attaches the underlying error.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(std::sync::Arc::new(source));
        self
    }
}

/// A uniqueness or reference rule of the store.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    strum::IntoStaticStr,
    strum::Display,
    strum::VariantArray,
)]
#[strum(serialize_all = "snake_case")]
#[non_exhaustive]
pub enum Constraint {
    /// A record refers to one that does not exist (a unit's building, a resident's unit).
    ParentExists,
    /// One resident per external reference within a property.
    ResidentExternalRef,
    /// One live key per holder and unit (R-KEY-2).
    OneLiveKeyPerHolderAndUnit,
    /// One outbox entry per idempotency key.
    OutboxIdempotencyKey,
}

/// What an operation conflicts with, so a caller can act on it without reading the message.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[non_exhaustive]
pub enum ConflictKind {
    /// A record of that name or reference exists (`existing_id` names it when known).
    AlreadyExists,
    /// The holder already has a live key for the unit (`existing_id` is that key, R-KEY-2).
    KeyAlreadyLive,
    /// The record is not in a state that allows the operation (a cancelled key, a resident who
    /// moved out, an outbox entry that is not parked).
    WrongState,
    /// Another process holds the property's sync lease: waiting helps.
    LeaseHeld,
    /// What a preview showed has changed since (Go Live's roll): preview again.
    PlanChanged,
    /// Anything else.
    Other,
}

impl ConflictKind {
    /// Whether waiting and trying again can help.
    pub fn is_retryable(self) -> bool {
        matches!(self, ConflictKind::LeaseHeld)
    }

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A failure of the store.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A record changed since it was read (optimistic concurrency); reading again and retrying
    /// can succeed.
    #[error("{entity} {id} was changed concurrently")]
    Concurrent {
        /// What kind of record.
        entity: EntityKind,
        /// Its id.
        id: String,
    },
    /// A uniqueness rule of the store would be broken.
    #[error("constraint {constraint} violated: {message}")]
    Constraint {
        /// The rule.
        constraint: Constraint,
        /// What collided.
        message: String,
    },
    /// The store cannot be reached or is failing.
    #[error("store unavailable: {message}")]
    Unavailable {
        /// What happened.
        message: String,
    },
    /// The stored data could not be read.
    #[error("stored data unreadable: {message}")]
    Corrupt {
        /// What happened.
        message: String,
    },
    /// The database cannot be used by this version of Concierge: not a Concierge database,
    /// damaged, or written by a newer version. Nothing was changed.
    #[error("{location}: {message} (schema version found: {found}, supported: {supported})",
        found = .found.map(|v| v.to_string()).unwrap_or_else(|| "none".into()))]
    Incompatible {
        /// The file, or the host and database (never a password).
        location: String,
        /// The schema version found, if one could be read.
        found: Option<i64>,
        /// The newest schema version this Concierge knows.
        supported: i64,
        /// What is wrong.
        message: String,
    },
}

impl StoreError {
    /// Whether retrying can help.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            StoreError::Concurrent { .. } | StoreError::Unavailable { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_error_says_provider_operation_kind_retry_and_request_id() {
        let e = ProviderError::new(
            "buildium",
            "list_residents",
            ProviderErrorKind::RateLimited,
            "HTTP 429",
        )
        .with_request_id("req-42");
        assert_eq!(
            e.to_string(),
            "buildium list_residents failed (rate_limited, throttled): HTTP 429 [request id req-42]"
        );
        let e: Error = e.into();
        assert!(e.is_retryable());
        assert_eq!(e.code().as_str(), "PROVIDER");
    }

    #[test]
    fn a_conflict_says_its_kind_and_is_retryable_only_where_waiting_helps() {
        let lease = Error::conflict(ConflictKind::LeaseHeld, "another process syncs it");
        assert!(lease.is_retryable());
        assert_eq!(lease.fields()["conflict"], "lease_held");
        assert_eq!(lease.fields()["existing_id"], serde_json::Value::Null);
        let key = Error::conflict_with(ConflictKind::KeyAlreadyLive, "one key", "key_1");
        assert!(!key.is_retryable());
        assert_eq!(key.fields()["existing_id"], "key_1");
        for &kind in <ConflictKind as strum::VariantArray>::VARIANTS {
            assert_eq!(kind.is_retryable(), matches!(kind, ConflictKind::LeaseHeld));
        }
    }

    #[test]
    fn validation_error_lists_every_field_without_values() {
        let e = ValidationError {
            issues: vec![
                FieldIssue {
                    field: "first_name".into(),
                    message: "must not be empty".into(),
                },
                FieldIssue {
                    field: "email".into(),
                    message: "is not a valid email address".into(),
                },
            ],
        };
        assert_eq!(
            e.to_string(),
            "invalid input: first_name: must not be empty; email: is not a valid email address"
        );
    }

    #[test]
    fn every_provider_error_kind_parses_from_its_name() {
        for &kind in ProviderErrorKind::ALL {
            assert_eq!(ProviderErrorKind::parse(kind.as_str()), Some(kind));
        }
    }
}
