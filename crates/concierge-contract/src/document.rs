//! Reading an OpenAPI document into an index of operations: path templates, their parameters
//! (path-level merged with operation-level, local `$ref`s followed), request bodies and
//! responses, each schema kept as a JSON pointer into the document; and matching a concrete
//! path to a template.

use crate::ContractError;
use serde_json::Value;
use std::collections::BTreeMap;

/// The HTTP methods an OpenAPI path item can hold.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Where a parameter goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum In {
    Path,
    Query,
    Header,
    Cookie,
}

/// The JSON type a parameter value is parsed as before its schema validates it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Integer,
    Number,
    Boolean,
    String,
    Array(Box<Kind>),
    /// An object or a schema without a usable type: the raw string is validated.
    Other,
}

#[derive(Clone, Debug)]
pub(crate) struct Param {
    pub name: String,
    pub location: In,
    pub required: bool,
    /// `form`, `spaceDelimited`, `pipeDelimited`, `simple`, ...
    pub style: String,
    pub explode: bool,
    /// Pointer of the parameter's schema, if it has one.
    pub schema: Option<String>,
    pub kind: Kind,
    /// `format` of the scalar (or of the array's items): `int32`, `date-time`, ...
    pub format: Option<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct Body {
    pub required: bool,
    /// Pointer of the `application/json` schema, if that media type is declared with a schema.
    pub json_schema: Option<String>,
    /// Whether a JSON media type is declared at all.
    pub json: bool,
    pub media_types: Vec<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct Response {
    /// Pointer of the JSON schema, if declared.
    pub json_schema: Option<String>,
    /// Pointers of the JSON example values (`examples.*.value` and `example`).
    pub examples: Vec<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct Operation {
    pub method: String,
    pub template: String,
    pub params: Vec<Param>,
    pub body: Option<Body>,
    /// Status code (`200`, `2XX`, `default`) to response.
    pub responses: BTreeMap<String, Response>,
}

#[derive(Clone, Debug)]
enum Segment {
    Literal(String),
    Param(String),
}

#[derive(Clone, Debug)]
struct Template {
    text: String,
    segments: Vec<Segment>,
    literals: usize,
    /// Upper-case method to index into `Index::operations`.
    methods: BTreeMap<String, usize>,
}

/// Every operation of a document, and its path templates.
#[derive(Clone, Debug)]
pub(crate) struct Index {
    pub operations: Vec<Operation>,
    templates: Vec<Template>,
}

/// A path that matched a template structurally (same segment count, equal literal segments),
/// with its parameter values, decoded.
pub(crate) struct Candidate<'i> {
    pub template: &'i str,
    pub values: Vec<(String, String)>,
    pub methods: &'i BTreeMap<String, usize>,
}

pub(crate) fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Follows local `$ref`s from `node` (found at `pointer`): the final node and its pointer.
pub(crate) fn deref<'d>(
    doc: &'d Value,
    mut node: &'d Value,
    mut pointer: String,
) -> Result<(&'d Value, String), ContractError> {
    for _ in 0..16 {
        let Some(target) = node.get("$ref").and_then(Value::as_str) else {
            return Ok((node, pointer));
        };
        let Some(local) = target.strip_prefix('#') else {
            return Err(ContractError::Unsupported(format!(
                "{pointer}: only local $refs are supported, found {target}"
            )));
        };
        node = doc.pointer(local).ok_or_else(|| {
            ContractError::Unsupported(format!("{pointer}: $ref {target} resolves to nothing"))
        })?;
        pointer = local.to_owned();
    }
    Err(ContractError::Unsupported(format!(
        "{pointer}: $ref chain too long"
    )))
}

/// The parse type of a (dereferenced) schema.
fn kind_of(
    doc: &Value,
    schema: &Value,
    pointer: &str,
) -> Result<(Kind, Option<String>), ContractError> {
    let (schema, pointer) = deref(doc, schema, pointer.to_owned())?;
    let format = schema
        .get("format")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let declared = match schema.get("type") {
        Some(Value::String(t)) => Some(t.as_str()),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => None,
    };
    let inferred = declared.or_else(|| match schema.get("enum")?.as_array()?.first()? {
        Value::String(_) => Some("string"),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some("integer"),
        Value::Number(_) => Some("number"),
        Value::Bool(_) => Some("boolean"),
        _ => None,
    });
    let kind = match inferred {
        Some("integer") => Kind::Integer,
        Some("number") => Kind::Number,
        Some("boolean") => Kind::Boolean,
        Some("string") => Kind::String,
        Some("array") => {
            let items = schema.get("items").unwrap_or(&Value::Null);
            let (item, item_format) = kind_of(doc, items, &format!("{pointer}/items"))?;
            return Ok((Kind::Array(Box::new(item)), item_format));
        }
        _ => Kind::Other,
    };
    Ok((kind, format))
}

fn param(doc: &Value, node: &Value, pointer: String) -> Result<Param, ContractError> {
    let (node, pointer) = deref(doc, node, pointer)?;
    let name = node.get("name").and_then(Value::as_str).ok_or_else(|| {
        ContractError::Unsupported(format!("{pointer}: a parameter without a name"))
    })?;
    let location = match node.get("in").and_then(Value::as_str) {
        Some("path") => In::Path,
        Some("query") => In::Query,
        Some("header") => In::Header,
        Some("cookie") => In::Cookie,
        other => {
            return Err(ContractError::Unsupported(format!(
                "{pointer}: parameter location {other:?}"
            )));
        }
    };
    let style = node
        .get("style")
        .and_then(Value::as_str)
        .unwrap_or(match location {
            In::Query | In::Cookie => "form",
            In::Path | In::Header => "simple",
        })
        .to_owned();
    let explode = node
        .get("explode")
        .and_then(Value::as_bool)
        .unwrap_or(style == "form");
    let (schema, kind, format) = match node.get("schema") {
        Some(schema) => {
            let at = format!("{pointer}/schema");
            let (kind, format) = kind_of(doc, schema, &at)?;
            (Some(at), kind, format)
        }
        None => (None, Kind::Other, None),
    };
    Ok(Param {
        name: name.to_owned(),
        location,
        required: node
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false)
            || location == In::Path,
        style,
        explode,
        schema,
        kind,
        format,
    })
}

/// Whether `media` (a media type, parameters allowed) is JSON.
pub(crate) fn is_json(media: &str) -> bool {
    let essence = media
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json") || essence == "*/*"
}

fn json_media(content: &Value) -> Option<(&str, &Value)> {
    content
        .as_object()?
        .iter()
        .find(|(media, _)| is_json(media))
        .map(|(media, v)| (media.as_str(), v))
}

fn body(doc: &Value, node: &Value, pointer: String) -> Result<Body, ContractError> {
    let (node, pointer) = deref(doc, node, pointer)?;
    let content = node.get("content").unwrap_or(&Value::Null);
    let media_types = content
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let json = json_media(content);
    Ok(Body {
        required: node
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        json_schema: json
            .filter(|(_, v)| v.get("schema").is_some())
            .map(|(media, _)| format!("{pointer}/content/{}/schema", escape(media))),
        json: json.is_some(),
        media_types,
    })
}

fn response(doc: &Value, node: &Value, pointer: String) -> Result<Response, ContractError> {
    let (node, pointer) = deref(doc, node, pointer)?;
    let content = node.get("content").unwrap_or(&Value::Null);
    let Some((media, media_node)) = json_media(content) else {
        return Ok(Response {
            json_schema: None,
            examples: Vec::new(),
        });
    };
    let at = format!("{pointer}/content/{}", escape(media));
    let mut examples = Vec::new();
    if media_node.get("example").is_some() {
        examples.push(format!("{at}/example"));
    }
    if let Some(named) = media_node.get("examples").and_then(Value::as_object) {
        for (name, example) in named {
            let (example, example_at) =
                deref(doc, example, format!("{at}/examples/{}", escape(name)))?;
            if example.get("value").is_some() {
                examples.push(format!("{example_at}/value"));
            }
        }
    }
    Ok(Response {
        json_schema: media_node.get("schema").map(|_| format!("{at}/schema")),
        examples,
    })
}

impl Index {
    pub(crate) fn build(doc: &Value) -> Result<Self, ContractError> {
        let paths = doc
            .get("paths")
            .and_then(Value::as_object)
            .ok_or_else(|| ContractError::Unsupported("the document has no `paths`".into()))?;
        let mut operations = Vec::new();
        let mut templates = Vec::new();
        for (text, item) in paths {
            let item_at = format!("/paths/{}", escape(text));
            let (item, item_at) = deref(doc, item, item_at)?;
            let shared: Vec<Param> = match item.get("parameters").and_then(Value::as_array) {
                Some(list) => list
                    .iter()
                    .enumerate()
                    .map(|(i, p)| param(doc, p, format!("{item_at}/parameters/{i}")))
                    .collect::<Result<_, _>>()?,
                None => Vec::new(),
            };
            let mut methods = BTreeMap::new();
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                let op_at = format!("{item_at}/{method}");
                let mut params = shared.clone();
                if let Some(list) = op.get("parameters").and_then(Value::as_array) {
                    for (i, p) in list.iter().enumerate() {
                        let p = param(doc, p, format!("{op_at}/parameters/{i}"))?;
                        params.retain(|q| !(q.name == p.name && q.location == p.location));
                        params.push(p);
                    }
                }
                let body = match op.get("requestBody") {
                    Some(node) => Some(body(doc, node, format!("{op_at}/requestBody"))?),
                    None => None,
                };
                let mut responses = BTreeMap::new();
                if let Some(map) = op.get("responses").and_then(Value::as_object) {
                    for (status, node) in map {
                        let at = format!("{op_at}/responses/{}", escape(status));
                        responses.insert(status.clone(), response(doc, node, at)?);
                    }
                }
                methods.insert(method.to_ascii_uppercase(), operations.len());
                operations.push(Operation {
                    method: method.to_ascii_uppercase(),
                    template: text.clone(),
                    params,
                    body,
                    responses,
                });
            }
            let segments: Vec<Segment> = text
                .split('/')
                .map(
                    |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                        Some(name) if !name.contains(['{', '}']) => Segment::Param(name.to_owned()),
                        _ => Segment::Literal(s.to_owned()),
                    },
                )
                .collect();
            let literals = segments
                .iter()
                .filter(|s| matches!(s, Segment::Literal(_)))
                .count();
            templates.push(Template {
                text: text.clone(),
                segments,
                literals,
                methods,
            });
        }
        // The most literal templates first: `/v1/leases/tenants` before `/v1/leases/{leaseId}`.
        templates.sort_by(|a, b| b.literals.cmp(&a.literals).then(a.text.cmp(&b.text)));
        Ok(Self {
            operations,
            templates,
        })
    }

    /// The templates `path` is structurally an instance of, the most literal first. Segments are
    /// percent-decoded; a parameter segment must not be empty.
    pub(crate) fn candidates(&self, path: &str) -> Vec<Candidate<'_>> {
        let segments: Vec<String> = path
            .split('/')
            .map(|s| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .collect();
        let mut found = Vec::new();
        for template in &self.templates {
            if template.segments.len() != segments.len() {
                continue;
            }
            let mut values = Vec::new();
            let fits = template
                .segments
                .iter()
                .zip(&segments)
                .all(|(t, s)| match t {
                    Segment::Literal(l) => l == s,
                    Segment::Param(name) => {
                        values.push((name.clone(), s.clone()));
                        !s.is_empty()
                    }
                });
            if fits {
                found.push(Candidate {
                    template: &template.text,
                    values,
                    methods: &template.methods,
                });
            }
        }
        found
    }

    /// Every declared operation, as `(method, template)`.
    pub(crate) fn operation_refs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.operations
            .iter()
            .map(|o| (o.method.as_str(), o.template.as_str()))
    }
}
