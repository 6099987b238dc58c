//! Reads the facade's API description (`concierge::api::describe()`, JSON Schema underneath)
//! into the few shapes the bindings need: records, string enums, aliases, and typed fields.

use serde_json::Value;
use std::collections::BTreeMap;

/// A field's type.
#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    Str,
    Int,
    Float,
    Bool,
    Date,
    DateTime,
    Any,
    /// Nothing (an operation that returns no value).
    Unit,
    /// A definition by name: a record, an enum or an alias.
    Named(String),
    List(Box<Ty>),
    Optional(Box<Ty>),
    /// One string of these (a const, or a tagged union's tag).
    Literal(Vec<String>),
}

/// One field of a record or a request.
#[derive(Clone, Debug)]
pub struct Field {
    /// Personal data or a secret (`x-sensitive`): left out of reprs and `inspect`.
    pub sensitive: bool,
    /// The default Rust fills in when the field is left out, if the schema states one.
    pub default: Option<Value>,
    pub name: String,
    pub ty: Ty,
    pub required: bool,
    pub doc: String,
}

/// A named definition.
#[derive(Clone, Debug)]
pub enum Def {
    Record {
        doc: String,
        fields: Vec<Field>,
    },
    Enum {
        doc: String,
        values: Vec<(String, String)>,
    },
    Alias {
        doc: String,
        ty: Ty,
    },
}

/// One operation.
#[derive(Clone, Debug)]
pub struct Operation {
    pub name: String,
    pub doc: String,
    pub group: String,
    pub admin: bool,
    pub paged: bool,
    pub positional: Vec<Field>,
    pub options: Vec<Field>,
    pub response: Ty,
}

/// One error class.
#[derive(Clone, Debug)]
pub struct ErrorClass {
    pub code: String,
    pub class: String,
    pub fields: Vec<Field>,
}

/// The whole API.
#[derive(Clone, Debug)]
pub struct Api {
    pub operations: Vec<Operation>,
    /// Definitions of what operations return (every field present).
    pub outputs: BTreeMap<String, Def>,
    /// Definitions of what callers pass (fields with defaults may be left out).
    pub inputs: BTreeMap<String, Def>,
    pub errors: Vec<ErrorClass>,
    /// The fields of the settings a handle is opened with.
    pub settings: Vec<Field>,
    /// The permissions of `Admin::full_access`, as JSON.
    pub full_access: Value,
    /// The methods of the adapters other languages may write, by kind (`pms`, `key_encoder`).
    pub adapters: Value,
    /// The kinds of adapter other languages may write, with their attributes and methods.
    pub adapter_kinds: Vec<AdapterKind>,
    /// The definitions of what adapters are given and give back.
    pub adapter_defs: BTreeMap<String, Def>,
}

/// One kind of adapter another language may write (`concierge::foreign::ADAPTERS`).
#[derive(Clone, Debug)]
pub struct AdapterKind {
    /// `pms`, `strata`…
    pub kind: String,
    pub doc: String,
    /// Attributes beside `name`: their name, type and doc.
    pub attributes: Vec<(String, Ty, String)>,
    pub methods: Vec<AdapterMethod>,
}

/// One method of an adapter kind.
#[derive(Clone, Debug)]
pub struct AdapterMethod {
    pub name: String,
    pub doc: String,
    /// The request's definition.
    pub request: String,
    /// The result's (each item's, for a page) definition; `None`: nothing.
    pub result: Option<String>,
    pub page: bool,
    pub optional: bool,
}

fn adapter_kinds(v: &Value) -> Vec<AdapterKind> {
    v.as_object()
        .into_iter()
        .flatten()
        .map(|(kind, k)| AdapterKind {
            kind: kind.clone(),
            doc: text(k, "doc"),
            attributes: k["attributes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|a| {
                    let t = match a["type"].as_str() {
                        Some("integer") => Ty::Int,
                        _ => Ty::Str,
                    };
                    (text(a, "name"), t, text(a, "doc"))
                })
                .collect(),
            methods: k["methods"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|m| AdapterMethod {
                    name: text(m, "name"),
                    doc: text(m, "doc"),
                    request: text(m, "request"),
                    result: m["result"].as_str().map(str::to_owned),
                    page: m["page"].as_bool().unwrap_or(false),
                    optional: m["optional"].as_bool().unwrap_or(false),
                })
                .collect(),
        })
        .collect()
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim()
        .to_owned()
}

fn ref_name(v: &Value) -> Option<String> {
    v.get("$ref")
        .and_then(Value::as_str)
        .map(|r| r.rsplit('/').next().unwrap_or(r).to_owned())
}

/// The type of a schema.
pub fn ty(v: &Value) -> Ty {
    if let Some(name) = ref_name(v) {
        return Ty::Named(name);
    }
    if let Some(any) = v.get("anyOf").and_then(Value::as_array) {
        let non_null: Vec<&Value> = any
            .iter()
            .filter(|s| s.get("type").and_then(Value::as_str) != Some("null"))
            .collect();
        if non_null.len() == 1 && any.len() == 2 {
            return Ty::Optional(Box::new(ty(non_null[0])));
        }
        return Ty::Any;
    }
    if let Some(c) = v.get("const").and_then(Value::as_str) {
        return Ty::Literal(vec![c.to_owned()]);
    }
    if let Some(values) = v.get("enum").and_then(Value::as_array) {
        return Ty::Literal(
            values
                .iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect(),
        );
    }
    let types: Vec<String> = match v.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
        _ => vec![],
    };
    let nullable = types.iter().any(|t| t == "null");
    let main = types
        .iter()
        .find(|t| *t != "null")
        .cloned()
        .unwrap_or_default();
    let base = match main.as_str() {
        "string" => match v.get("format").and_then(Value::as_str) {
            Some("date") => Ty::Date,
            Some("date-time") => Ty::DateTime,
            _ => Ty::Str,
        },
        "integer" => Ty::Int,
        "number" => Ty::Float,
        "boolean" => Ty::Bool,
        "array" => Ty::List(Box::new(v.get("items").map(ty).unwrap_or(Ty::Any))),
        "null" if types.len() == 1 => return Ty::Unit,
        _ => Ty::Any,
    };
    if nullable {
        Ty::Optional(Box::new(base))
    } else {
        base
    }
}

/// The fields of an object schema, required ones first in declaration order, then the rest
/// by name.
pub fn fields(v: &Value) -> Vec<Field> {
    let props = v.get("properties").and_then(Value::as_object);
    let required: Vec<String> = v
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let mut out = Vec::new();
    let Some(props) = props else { return out };
    for name in &required {
        if let Some(p) = props.get(name) {
            out.push(Field {
                sensitive: p.get("x-sensitive") == Some(&Value::Bool(true)),
                default: None,
                name: name.clone(),
                ty: ty(p),
                required: true,
                doc: text(p, "description"),
            });
        }
    }
    for (name, p) in props {
        if !required.contains(name) {
            out.push(Field {
                sensitive: p.get("x-sensitive") == Some(&Value::Bool(true)),
                default: p.get("default").cloned(),
                name: name.clone(),
                ty: ty(p),
                required: false,
                doc: text(p, "description"),
            });
        }
    }
    out
}

fn def(v: &Value) -> Def {
    let doc = text(v, "description");
    if v.get("properties").is_some() {
        return Def::Record {
            doc,
            fields: fields(v),
        };
    }
    if let Some(one_of) = v.get("oneOf").and_then(Value::as_array) {
        if one_of.iter().all(|s| s.get("const").is_some()) {
            let values = one_of
                .iter()
                .map(|s| {
                    (
                        s["const"].as_str().unwrap_or_default().to_owned(),
                        text(s, "description"),
                    )
                })
                .collect();
            return Def::Enum { doc, values };
        }
        if one_of.iter().all(|s| s.get("properties").is_some()) {
            // A tagged union whose variants share their field names: one record whose tag is
            // a literal of every variant's tag.
            let mut merged: Vec<Field> = Vec::new();
            for variant in one_of {
                for f in fields(variant) {
                    match merged.iter_mut().find(|m| m.name == f.name) {
                        Some(m) => {
                            if let (Ty::Literal(a), Ty::Literal(b)) = (&mut m.ty, &f.ty) {
                                a.extend(b.iter().cloned());
                            } else if m.ty != f.ty {
                                m.ty = Ty::Str;
                            }
                        }
                        None => merged.push(f),
                    }
                }
            }
            return Def::Record {
                doc,
                fields: merged,
            };
        }
    }
    if let Some(values) = v.get("enum").and_then(Value::as_array) {
        let values = values
            .iter()
            .filter_map(|x| x.as_str().map(|s| (s.to_owned(), String::new())))
            .collect();
        return Def::Enum { doc, values };
    }
    Def::Alias { doc, ty: ty(v) }
}

fn defs(v: &Value) -> BTreeMap<String, Def> {
    v.as_object()
        .map(|m| m.iter().map(|(k, s)| (k.clone(), def(s))).collect())
        .unwrap_or_default()
}

/// The API from `concierge::api::describe()`.
pub fn read(description: &Value) -> Api {
    let inputs = defs(&description["input_definitions"]);
    let outputs = defs(&description["output_definitions"]);
    let page = match &description["page_request"] {
        Value::Null => Vec::new(),
        v => match ref_name(v).and_then(|n| inputs.get(&n).cloned()) {
            Some(Def::Record { fields, .. }) => fields,
            _ => fields(v),
        },
    };
    let request_fields = |v: &Value| -> Vec<Field> {
        match ref_name(v).and_then(|n| inputs.get(&n).cloned()) {
            Some(Def::Record { fields, .. }) => fields,
            _ => fields(v),
        }
    };
    let operations = description["operations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|op| {
            let positional_names: Vec<String> = op["positional"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect();
            let mut all = request_fields(&op["request"]);
            let paged = op["paged"].as_bool().unwrap_or(false);
            if paged {
                all.extend(page.iter().cloned().map(|mut f| {
                    f.required = false;
                    f
                }));
            }
            let positional: Vec<Field> = positional_names
                .iter()
                .map(|n| {
                    all.iter()
                        .find(|f| &f.name == n)
                        .cloned()
                        .unwrap_or_else(|| panic!("{}: positional {n} is not a field", op["name"]))
                })
                .collect();
            for f in &positional {
                assert!(
                    f.ty != Ty::Bool,
                    "{}: {} is a boolean: booleans are never positional",
                    op["name"],
                    f.name
                );
            }
            for f in &all {
                assert!(
                    !f.required || f.ty == Ty::Bool || positional_names.contains(&f.name),
                    "{}: {} is required: required arguments are positional",
                    op["name"],
                    f.name
                );
            }
            let options = all
                .into_iter()
                .filter(|f| !positional_names.contains(&f.name))
                .collect();
            Operation {
                name: text(op, "name"),
                doc: text(op, "doc"),
                group: text(op, "group"),
                admin: op["admin"].as_bool().unwrap_or(false),
                paged,
                positional,
                options,
                response: ty(&op["response"]),
            }
        })
        .collect();
    let errors = description["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| ErrorClass {
            code: text(e, "code"),
            class: text(e, "class"),
            fields: e["fields"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|f| {
                    let raw = text(f, "ty");
                    let (base, optional) = match raw.strip_suffix('?') {
                        Some(b) => (b.to_owned(), true),
                        None => (raw.clone(), false),
                    };
                    let (base, list) = match base.strip_suffix("[]") {
                        Some(b) => (b.to_owned(), true),
                        None => (base, false),
                    };
                    let mut t = match base.as_str() {
                        "string" => Ty::Str,
                        "boolean" => Ty::Bool,
                        "integer" => Ty::Int,
                        "number" => Ty::Float,
                        "date-time" => Ty::DateTime,
                        other => Ty::Named(other.to_owned()),
                    };
                    if list {
                        t = Ty::List(Box::new(t));
                    }
                    if optional {
                        t = Ty::Optional(Box::new(t));
                    }
                    Field {
                        sensitive: false,
                        default: None,
                        name: text(f, "name"),
                        ty: t,
                        required: true,
                        doc: text(f, "doc"),
                    }
                })
                .collect(),
        })
        .collect();
    let settings = match &description["settings"] {
        Value::Null => Vec::new(),
        v => request_fields(v),
    };
    Api {
        operations,
        outputs,
        inputs,
        errors,
        settings,
        full_access: description["admin_full_access"].clone(),
        adapters: description["adapters"].clone(),
        adapter_kinds: adapter_kinds(&description["adapter_types"]["kinds"]),
        adapter_defs: defs(&description["adapter_types"]["definitions"]),
    }
}

impl Api {
    /// Every definition, inputs' and outputs' (an output's wins where both have a name).
    pub fn all_defs(&self) -> BTreeMap<String, Def> {
        let mut all = self.inputs.clone();
        all.extend(self.outputs.clone());
        all
    }
}

impl Operation {
    /// The name `Concierge::call` knows the operation by: `sandbox.now` for a sandbox control.
    pub fn wire_name(&self) -> String {
        if self.group == "concierge" {
            self.name.clone()
        } else {
            format!("{}.{}", self.group, self.name)
        }
    }
}

/// `snake_case` → `camelCase`.
pub fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `snake_case` → `PascalCase`.
pub fn pascal(name: &str) -> String {
    let c = camel(name);
    let mut chars = c.chars();
    match chars.next() {
        Some(f) => f.to_uppercase().chain(chars).collect(),
        None => c,
    }
}

/// The decoding tag of a type, read by the bindings' runtime: `s` (as is), `datetime`,
/// `date`, a record's name, `[T]` (a list) and `T?` (may be null).
pub fn tag(t: &Ty, outputs: &BTreeMap<String, Def>) -> String {
    match t {
        Ty::DateTime => "datetime".into(),
        Ty::Date => "date".into(),
        Ty::Named(n) => match outputs.get(n) {
            Some(Def::Record { .. }) => n.clone(),
            Some(Def::Alias { ty, .. }) => tag(ty, outputs),
            _ => "s".into(),
        },
        Ty::List(inner) => format!("[{}]", tag(inner, outputs)),
        Ty::Optional(inner) => format!("{}?", tag(inner, outputs)),
        _ => "s".into(),
    }
}

/// The item type of a paged operation's `Listing`.
pub fn listing_item(op: &Operation, api: &Api) -> Ty {
    if let Ty::Named(n) = &op.response
        && let Some(Def::Record { fields, .. }) = api.outputs.get(n)
        && let Some(Field {
            ty: Ty::List(inner),
            ..
        }) = fields.iter().find(|f| f.name == "items")
    {
        return (**inner).clone();
    }
    panic!("{}: a paged operation must return a Listing", op.name)
}
