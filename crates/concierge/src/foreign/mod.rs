//! Providers written in another language (R-SDK-1): a Python class or a Node object that
//! implements a provider trait (the PMS, the strata system, the intercom, the key encoder or the
//! mailer), called by the engine exactly like a Rust adapter.
//!
//! A binding hands the engine one [`ForeignCall`] per adapter: "call method `m` with these
//! arguments (JSON), and give me its result (JSON) or what it raised". Everything else is here,
//! declared once for every language: the arguments are the provider trait's request structs as
//! JSON, the results are decoded into the trait's response types (a page item by item, so one
//! bad record is a [`RecordError`] and never fails its page), a result of the wrong shape is a
//! `PROVIDER` error of kind `invalid_response` naming the field, and what the adapter raised
//! becomes a typed [`ProviderError`] naming the provider and the operation, with the kind and
//! retry class the adapter gave it (see [`Raised`]).
//!
//! This module owns the call and its decoding, and the adapters' declaration
//! ([`ForeignAdapters`], [`ADAPTERS`]); `providers` the trait implementations; `checks`
//! the facade's conformance-kit operations.

mod checks;
mod providers;

pub use providers::{ForeignIntercom, ForeignKeyEncoder, ForeignMailer, ForeignPms, ForeignStrata};

use async_trait::async_trait;
use concierge_core::*;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json::value::RawValue;
use std::fmt;
use std::sync::Arc;

/// One method of an adapter kind: its name (snake_case; camelCase in JavaScript), what it is
/// given and what it gives back, for the bindings' generated protocols and interfaces.
pub struct AdapterMethod {
    /// The method's name.
    pub name: &'static str,
    /// What it does, in words.
    pub doc: &'static str,
    /// The schema of its request.
    pub request: fn(&mut SchemaGenerator) -> Schema,
    /// The schema of its result (of each item, for a listing); `None`: it returns nothing.
    pub result: Option<fn(&mut SchemaGenerator) -> Schema>,
    /// Whether it returns a page of results (`{"items": [...], "next": cursor}`).
    pub page: bool,
    /// Whether an adapter may leave it out.
    pub optional: bool,
}

/// A plain attribute an adapter may declare, read once when the handle opens.
pub struct AdapterAttribute {
    /// Its name (snake_case; camelCase in JavaScript).
    pub name: &'static str,
    /// `integer` or `string`.
    pub ty: &'static str,
    /// What it says, in words.
    pub doc: &'static str,
}

/// One kind of adapter another language may write.
pub struct AdapterKind {
    /// The kind (`pms`, `strata`…): its keyword in Python's `open`, its key in Node's.
    pub kind: &'static str,
    /// What it is, in words.
    pub doc: &'static str,
    /// The attributes it may declare beside `name`.
    pub attributes: &'static [AdapterAttribute],
    /// The methods the engine calls on it.
    pub methods: &'static [AdapterMethod],
}

fn schema<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

const fn method(
    name: &'static str,
    doc: &'static str,
    request: fn(&mut SchemaGenerator) -> Schema,
    result: Option<fn(&mut SchemaGenerator) -> Schema>,
    page: bool,
) -> AdapterMethod {
    AdapterMethod {
        name,
        doc,
        request,
        result,
        page,
        optional: false,
    }
}

/// Every kind of adapter another language may write, with the methods the engine calls on it:
/// Python's protocols and keywords of `open`, and Node's interfaces, are generated from this.
pub const ADAPTERS: &[AdapterKind] = &[
    AdapterKind {
        kind: "pms",
        doc: "A property management system: its properties, units and residents.",
        attributes: &[AdapterAttribute {
            name: "properties_per_listing",
            ty: "integer",
            doc: "How many properties one `list_units` or `list_residents` request may name; one when not given.",
        }],
        methods: &[
            method(
                "list_properties",
                "One page of the PMS's properties.",
                schema::<ListPmsPropertiesRequest>,
                Some(schema::<PmsProperty>),
                true,
            ),
            method(
                "list_units",
                "One page of the units of the properties asked for.",
                schema::<ListPmsUnitsRequest>,
                Some(schema::<PmsUnit>),
                true,
            ),
            method(
                "list_residents",
                "One page of the residents of the properties asked for (changed since `updated_since`, when given).",
                schema::<ListPmsResidentsRequest>,
                Some(schema::<PmsResident>),
                true,
            ),
        ],
    },
    AdapterKind {
        kind: "strata",
        doc: "A strata system: its buildings and their owners and tenants.",
        attributes: &[],
        methods: &[
            method(
                "list_buildings",
                "One page of the buildings, active and inactive.",
                schema::<ListStrataBuildingsRequest>,
                Some(schema::<StrataBuilding>),
                true,
            ),
            method(
                "get_building",
                "One building; `not_found` or `forbidden` when it is no longer shared.",
                schema::<GetStrataBuildingRequest>,
                Some(schema::<StrataBuilding>),
                false,
            ),
            method(
                "list_users",
                "One page of a building's users: one per contact, each with its lots.",
                schema::<ListStrataUsersRequest>,
                Some(schema::<StrataUser>),
                true,
            ),
        ],
    },
    AdapterKind {
        kind: "intercom",
        doc: "A door intercom: its buildings, the site's placeholder tenant, and visitor passes.",
        attributes: &[AdapterAttribute {
            name: "consent_url",
            ty: "string",
            doc: "Where a building admin gives the one-time consent, when the intercom needs one.",
        }],
        methods: &[
            AdapterMethod {
                optional: true,
                ..method(
                    "authorize",
                    "Exchanges the consent's code for the intercom's tokens, which the adapter keeps; only for an intercom with a `consent_url`.",
                    schema::<providers::AuthorizeArgs>,
                    None,
                    false,
                )
            },
            method(
                "list_buildings",
                "One page of the buildings the integration can see.",
                schema::<providers::ListIntercomBuildingsRequest>,
                Some(schema::<IntercomBuilding>),
                true,
            ),
            method(
                "get_building",
                "One building; `not_found` when it cannot be seen.",
                schema::<GetIntercomBuildingRequest>,
                Some(schema::<IntercomBuilding>),
                false,
            ),
            method(
                "ensure_placeholder",
                "Finds the site's placeholder unit and tenant, creating what is missing (never twice).",
                schema::<EnsurePlaceholderRequest>,
                Some(schema::<EnsurePlaceholderResponse>),
                false,
            ),
            method(
                "preflight",
                "The checks the intercom can answer about a site.",
                schema::<PreflightRequest>,
                Some(schema::<PreflightResponse>),
                false,
            ),
            method(
                "list_tenants",
                "One page of a building's tenants.",
                schema::<ListIntercomTenantsRequest>,
                Some(schema::<IntercomTenant>),
                true,
            ),
            method(
                "create_visitor_pass",
                "Makes a visitor pass for exactly its window; on a retry, finds the pass an earlier attempt made.",
                schema::<CreateVisitorPassRequest>,
                Some(schema::<CreateVisitorPassResponse>),
                false,
            ),
            method(
                "revoke_visitor_pass",
                "Revokes a visitor pass; `not_found` when the intercom no longer has it.",
                schema::<RevokeVisitorPassRequest>,
                None,
                false,
            ),
        ],
    },
    AdapterKind {
        kind: "key_encoder",
        doc: "A lock system's key encoder: writes and cancels smart keys, one per intent.",
        attributes: &[],
        methods: &[
            method(
                "list_encoders",
                "The encoders and their state.",
                schema::<ListEncodersRequest>,
                Some(schema::<ListEncodersResponse>),
                false,
            ),
            method(
                "encode_key",
                "Writes a key; the same idempotency key twice makes one key.",
                schema::<EncodeKeyRequest>,
                Some(schema::<EncodeKeyResponse>),
                false,
            ),
            method(
                "key_state",
                "What became of a key, or of an intent by its idempotency key.",
                schema::<KeyStateRequest>,
                Some(schema::<KeyStateResponse>),
                false,
            ),
            method(
                "cancel_key",
                "Cancels a key; cancelling twice is harmless.",
                schema::<CancelKeyRequest>,
                None,
                false,
            ),
        ],
    },
    AdapterKind {
        kind: "mailer",
        doc: "A mailer: sends one email per idempotency key.",
        attributes: &[],
        methods: &[method(
            "send",
            "Sends one email; the same idempotency key twice delivers it once.",
            schema::<providers::SendEmailArgs>,
            Some(schema::<SendEmailResponse>),
            false,
        )],
    },
];

/// What [`ADAPTERS`] says, as JSON for the bindings' generator: by kind, its doc, attributes
/// and methods (each naming its request's and result's definitions), and every definition.
pub fn describe_adapters() -> Value {
    use schemars::generate::SchemaSettings;
    let mut generator = SchemaSettings::draft2020_12()
        .for_deserialize()
        .into_generator();
    let name_of = |schema: Schema| -> Value {
        schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.rsplit('/').next())
            .map_or(Value::Null, |n| Value::String(n.to_owned()))
    };
    let mut kinds = serde_json::Map::new();
    for kind in ADAPTERS {
        let methods: Vec<Value> = kind
            .methods
            .iter()
            .map(|m| {
                serde_json::json!({
                    "name": m.name,
                    "doc": m.doc,
                    "request": name_of((m.request)(&mut generator)),
                    "result": m.result.map_or(Value::Null, |r| name_of(r(&mut generator))),
                    "page": m.page,
                    "optional": m.optional,
                })
            })
            .collect();
        let attributes: Vec<Value> = kind
            .attributes
            .iter()
            .map(|a| serde_json::json!({"name": a.name, "type": a.ty, "doc": a.doc}))
            .collect();
        kinds.insert(
            kind.kind.to_owned(),
            serde_json::json!({"doc": kind.doc, "attributes": attributes, "methods": methods}),
        );
    }
    serde_json::json!({
        "kinds": kinds,
        "definitions": generator.take_definitions(true),
    })
}

/// One method call into an adapter written in another language. Implemented by the bindings.
#[async_trait]
pub trait ForeignCall: Send + Sync + 'static {
    /// Calls `method` of the adapter with `args` (one JSON object) and waits for its result,
    /// as JSON text (`null` for none): the engine decodes it record by record, without a JSON
    /// tree of the whole page. `Err` holds what the adapter raised, described as a [`Raised`]
    /// in JSON, or any other JSON (then taken as its message).
    async fn call(&self, method: &str, args: Value) -> Result<Box<RawValue>, Value>;
}

/// The outcome of a call as a binding's dispatcher writes it, in JSON text: `{"ok": result}`
/// or `{"raised": what}` (see [`Raised`]). Anything else is a failure saying so.
pub fn outcome_of(text: &str) -> Result<Box<RawValue>, Value> {
    let mut answer = serde_json::from_str::<std::collections::HashMap<String, Box<RawValue>>>(text)
        .unwrap_or_default();
    if let Some(raised) = answer.remove("raised") {
        return Err(serde_json::from_str(raised.get()).unwrap_or(Value::Null));
    }
    answer.remove("ok").ok_or_else(|| {
        serde_json::json!({
            "message": "the adapter's dispatcher answered neither {\"ok\": …} nor {\"raised\": …} in JSON",
        })
    })
}

/// What an adapter raised, as a binding describes it. Every field is optional: an exception
/// that is not one of Concierge's `ProviderError`s gives only its `message` (and `type`), and
/// is a failure of kind `other` that a retry cannot help.
#[derive(Debug, Default, Deserialize)]
pub struct Raised {
    /// The kind of failure (`timeout`, `rate_limited`, `unavailable`, `rejected`…).
    pub kind: Option<ProviderErrorKind>,
    /// The retry class, when the adapter knows better than its kind.
    pub retry_class: Option<RetryClass>,
    /// Whether a retry can help, when the adapter says so but gives no retry class.
    pub retryable: Option<bool>,
    /// The vendor's HTTP status.
    pub http_status: Option<u16>,
    /// The vendor's own error code.
    pub vendor_code: Option<String>,
    /// The vendor's request id.
    pub request_id: Option<String>,
    /// How long the vendor asked to wait, in seconds.
    pub retry_after_seconds: Option<f64>,
    /// The exception's class name (`ValueError`, `TypeError`…).
    #[serde(rename = "type")]
    pub type_name: Option<String>,
    /// What happened, in words.
    pub message: Option<String>,
}

impl Raised {
    /// The provider error this describes, for `operation` of `provider`; `write` when the
    /// call may have changed something at the vendor.
    fn into_error(self, provider: &str, operation: &str, write: bool) -> ProviderError {
        let kind = self.kind.unwrap_or(ProviderErrorKind::Other);
        let message = match (self.type_name, self.message) {
            (Some(t), Some(m)) if self.kind.is_none() => format!("{t}: {m}"),
            (_, Some(m)) => m,
            (Some(t), None) => t,
            (None, None) => "the adapter failed without a message".into(),
        };
        let mut e = ProviderError::new(provider, operation, kind, message)
            .with_retry(RetryClass::of(kind, write));
        if let Some(retry) = self.retry_class {
            e = e.with_retry(retry);
        } else if let Some(retryable) = self.retryable {
            e = e.with_retryable(retryable);
        }
        if let Some(status) = self.http_status {
            e = e.from_response(status);
        }
        if let Some(code) = self.vendor_code {
            e = e.with_vendor_code(code);
        }
        if let Some(id) = self.request_id {
            e = e.with_request_id(id);
        }
        if let Some(after) = self
            .retry_after_seconds
            .filter(|s| s.is_finite() && *s >= 0.0)
        {
            e = e.with_retry_after(std::time::Duration::from_secs_f64(after));
        }
        e
    }
}

/// Calls of one adapter, named `name`: the arguments encoded, the result decoded, what it
/// raised typed.
#[derive(Clone)]
struct Caller {
    name: String,
    call: Arc<dyn ForeignCall>,
}

impl Caller {
    fn new(name: String, call: Arc<dyn ForeignCall>) -> Self {
        Self { name, call }
    }
}

impl fmt::Debug for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ForeignAdapter")
            .field("name", &self.name)
            .finish()
    }
}

impl Caller {
    /// Calls `method` with `args`; its raw result.
    async fn raw(
        &self,
        method: &str,
        args: &impl serde::Serialize,
        write: bool,
    ) -> ProviderResult<Box<RawValue>> {
        let args = serde_json::to_value(args).map_err(|e| {
            ProviderError::new(&self.name, method, ProviderErrorKind::Other, e.to_string())
        })?;
        self.call.call(method, args).await.map_err(|raised| {
            let raised = match raised {
                Value::Object(_) => Raised::deserialize(&raised).unwrap_or_else(|_| Raised {
                    message: Some(raised.to_string()),
                    ..Raised::default()
                }),
                Value::String(message) => Raised {
                    message: Some(message),
                    ..Raised::default()
                },
                other => Raised {
                    message: Some(other.to_string()),
                    ..Raised::default()
                },
            };
            raised.into_error(&self.name, method, write)
        })
    }

    /// Calls `method` with `args`; its result decoded as `T`.
    async fn decoded<T: DeserializeOwned>(
        &self,
        method: &str,
        args: &impl serde::Serialize,
        write: bool,
    ) -> ProviderResult<T> {
        let raw = self.raw(method, args, write).await?;
        decode(&raw).map_err(|why| self.shape(method, why))
    }

    /// Calls `method` with `args`; its result read as a page whose items are `T`s.
    async fn page<T: DeserializeOwned>(
        &self,
        method: &str,
        args: &impl serde::Serialize,
    ) -> ProviderResult<Page<T>> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct RawPage {
            items: Vec<Box<RawValue>>,
            #[serde(default)]
            next: Option<String>,
        }
        let raw = self.raw(method, args, false).await?;
        let page: RawPage = decode(&raw).map_err(|why| self.shape(method, why))?;
        Ok(Page {
            items: page.items.iter().map(|raw| item(raw)).collect(),
            next: page.next.map(Cursor),
        })
    }

    /// The error of a result that does not have the shape the trait needs.
    fn shape(&self, method: &str, why: String) -> ProviderError {
        ProviderError::new(
            &self.name,
            method,
            ProviderErrorKind::InvalidResponse,
            format!("the adapter's result cannot be read: {why}"),
        )
        .with_retryable(false)
    }
}

/// `raw` as a `T`, or why not: the field's path and the rule, never the value.
fn decode<T: DeserializeOwned>(raw: &RawValue) -> Result<T, String> {
    let mut json = serde_json::Deserializer::from_str(raw.get());
    serde_path_to_error::deserialize(&mut json)
        .map_err(|e| ValidationError::from_deserialize(e).to_string())
}

/// One item of a page: a record, or the adapter's own report of one it could not read
/// (`{"unreadable": {"external": …, "message": …}}`), or a record of the wrong shape, which is
/// reported the same way, naming the field.
fn item<T: DeserializeOwned>(raw: &RawValue) -> Result<T, RecordError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Unreadable {
        unreadable: RecordError,
    }
    #[derive(Deserialize)]
    struct Named {
        external: Option<ExternalRef>,
    }
    // A record is read once; only one that is not is read again, as the adapter's own report
    // or for the reference to name.
    decode(raw).map_err(|why| {
        if let Ok(Unreadable { unreadable }) = serde_json::from_str(raw.get()) {
            return unreadable;
        }
        RecordError {
            external: serde_json::from_str::<Named>(raw.get())
                .ok()
                .and_then(|n| n.external),
            message: format!("the record cannot be read: {why}"),
        }
    })
}

/// An adapter written in another language, as a binding hands it over: what the object
/// declares (read once, when the handle opens) and its calls.
#[derive(Clone)]
pub struct ForeignAdapter {
    /// Its `name`: the provider's name in every reference it makes and every error. `None`
    /// (the object has none) is refused when the handle opens.
    pub name: Option<String>,
    /// A PMS's `properties_per_listing`: how many properties one listing may name (see
    /// [`PmsProvider::properties_per_listing`]); `None`: one.
    pub properties_per_listing: Option<usize>,
    /// An intercom's `consent_url`: where a building admin gives the one-time consent; `None`:
    /// the intercom needs none.
    pub consent_url: Option<String>,
    /// Its methods.
    pub call: Arc<dyn ForeignCall>,
}

impl ForeignAdapter {
    /// The adapter `name` reached through `call`, declaring nothing else.
    pub fn new(name: impl Into<String>, call: Arc<dyn ForeignCall>) -> Self {
        Self {
            name: Some(name.into()),
            properties_per_listing: None,
            consent_url: None,
            call,
        }
    }

    /// Its name, or the `VALIDATION` error naming `field` when it has none.
    fn named(&self, field: &str) -> crate::Result<String> {
        self.name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| {
                crate::Error::invalid(
                    field,
                    "is required: the adapter's name, used in its records' references and its errors",
                )
            })
    }
}

impl fmt::Debug for ForeignAdapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ForeignAdapter")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Adapters written in another language, for [`Concierge::open_with`](crate::Concierge::open_with):
/// each takes the place of the settings' adapter of its kind (and of the sandbox's fake).
#[derive(Clone, Debug, Default)]
pub struct ForeignAdapters {
    /// The PMS.
    pub pms: Option<ForeignAdapter>,
    /// The strata system.
    pub strata: Option<ForeignAdapter>,
    /// The intercom.
    pub intercom: Option<ForeignAdapter>,
    /// The key encoder.
    pub key_encoder: Option<ForeignAdapter>,
    /// The mailer.
    pub mailer: Option<ForeignAdapter>,
}

impl ForeignAdapters {
    /// Puts `adapter` in the place of kind `kind` (`pms`, `strata`, `intercom`, `key_encoder`,
    /// `mailer`: see [`ADAPTERS`]), for a binding that receives adapters by kind; another kind
    /// is a `VALIDATION` error naming it.
    pub fn set(&mut self, kind: &str, adapter: ForeignAdapter) -> crate::Result<()> {
        let place = match kind {
            "pms" => &mut self.pms,
            "strata" => &mut self.strata,
            "intercom" => &mut self.intercom,
            "key_encoder" => &mut self.key_encoder,
            "mailer" => &mut self.mailer,
            _ => {
                let kinds: Vec<&str> = ADAPTERS.iter().map(|k| k.kind).collect();
                return Err(crate::Error::invalid(
                    format!("adapters.{kind}"),
                    format!("is not a kind of adapter: {}", kinds.join(", ")),
                ));
            }
        };
        *place = Some(adapter);
        Ok(())
    }

    /// Hands each adapter to `builder` as the provider of its kind; a nameless one is a
    /// `VALIDATION` error naming it (`pms.name`…).
    pub(crate) fn install(
        self,
        mut builder: crate::ConciergeBuilder,
    ) -> crate::Result<crate::ConciergeBuilder> {
        if let Some(a) = self.pms {
            let pms = ForeignPms::new(a.named("pms.name")?, a.properties_per_listing, a.call);
            builder = builder.pms(Arc::new(pms));
        }
        if let Some(a) = self.strata {
            builder = builder.strata(Arc::new(ForeignStrata::new(
                a.named("strata.name")?,
                a.call,
            )));
        }
        if let Some(a) = self.intercom {
            let intercom = ForeignIntercom::new(a.named("intercom.name")?, a.consent_url, a.call);
            builder = builder.intercom(Arc::new(intercom));
        }
        if let Some(a) = self.key_encoder {
            let encoder = ForeignKeyEncoder::new(a.named("key_encoder.name")?, a.call);
            builder = builder.key_encoder(Arc::new(encoder));
        }
        if let Some(a) = self.mailer {
            builder = builder.mailer(ForeignMailer::new(a.named("mailer.name")?, a.call));
        }
        Ok(builder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Never;

    #[async_trait]
    impl ForeignCall for Never {
        async fn call(&self, _: &str, _: Value) -> Result<Box<RawValue>, Value> {
            Err(Value::Null)
        }
    }

    #[test]
    fn every_declared_kind_has_its_place_and_no_other_kind_does() {
        let adapter = || ForeignAdapter::new("x", Arc::new(Never));
        let mut adapters = ForeignAdapters::default();
        for kind in ADAPTERS {
            adapters.set(kind.kind, adapter()).unwrap();
        }
        assert!(adapters.pms.is_some() && adapters.strata.is_some());
        assert!(adapters.intercom.is_some() && adapters.key_encoder.is_some());
        assert!(adapters.mailer.is_some());
        let err = adapters.set("fax", adapter()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Validation);
        assert!(err.to_string().contains("adapters.fax"), "{err}");
    }
}
