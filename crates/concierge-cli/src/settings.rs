//! The command line's [`Settings`]: an optional TOML file (`--config`), then environment
//! variables, then flags, each layer over the one before, mapped one to one onto the fields of
//! [`concierge::Settings`] (the same names, the same refusal of unknown keys).
//!
//! - File: the JSON shape of `Settings` in TOML, e.g. `store = "concierge.db"` and an `[smtp]`
//!   table with `host = "mail.example.org"`.
//! - Environment: `CONCIERGE_` and the field's path in upper case, joined by `_`:
//!   `CONCIERGE_STORE`, `CONCIERGE_SMTP_HOST`, `CONCIERGE_SMTP_PASSWORD`,
//!   `CONCIERGE_BUILDIUM_CLIENT_SECRET`, `CONCIERGE_SALTO_ROUTES_GET_USER`, …
//! - Flags: `--store` (alias `--db`), the commands' own flags (`--smtp-host`, …), and
//!   `--set path=value` for any field (`--set outbox_max_attempts=3`), except secrets, which
//!   other users of the machine could read on a command line.
//!
//! The leaves (their paths and types) come from `Settings`' JSON schema, so a field added there
//! is at once a key of the file, an environment variable and a `--set` path.

use concierge::{Error, Result, Settings};
use serde_json::{Map, Value};
use std::path::PathBuf;

/// The prefix of every environment variable that sets a [`Settings`] field.
pub const ENV_PREFIX: &str = "CONCIERGE_";

/// The type of a leaf, to read a string (from the environment or a flag) as it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    String,
    Integer,
    Number,
    Boolean,
}

/// A settable field: its path (`["smtp", "port"]`) and type.
#[derive(Clone, Debug)]
struct Leaf {
    path: Vec<String>,
    kind: Kind,
    /// Whether the setting may be `null` (an `Option` whose default is not `None`, such as a
    /// rate limit): the text `null` then sets it to none.
    nullable: bool,
}

impl Leaf {
    fn dotted(&self) -> String {
        self.path.join(".")
    }

    fn env_name(&self) -> String {
        format!("{ENV_PREFIX}{}", self.path.join("_").to_uppercase())
    }

    fn is_secret(&self) -> bool {
        matches!(
            self.path.last().map(String::as_str),
            Some("password" | "client_secret")
        )
    }
}

/// Every leaf of `Settings`, from its JSON schema.
fn leaves() -> Vec<Leaf> {
    let schema = serde_json::to_value(schemars::schema_for!(Settings)).unwrap_or_default();
    let defs = schema.get("$defs").cloned().unwrap_or_default();
    let mut out = Vec::new();
    walk(&schema, &defs, &mut Vec::new(), &mut out);
    out
}

fn walk(schema: &Value, defs: &Value, path: &mut Vec<String>, out: &mut Vec<Leaf>) {
    let nullable = is_nullable(schema);
    let schema = resolve(schema, defs);
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, sub) in props {
            path.push(name.clone());
            walk(sub, defs, path, out);
            path.pop();
        }
        return;
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        // An enum of strings (`oneOf` of `const`s).
        _ => vec!["string"],
    };
    let kind = if types.contains(&"boolean") {
        Kind::Boolean
    } else if types.contains(&"integer") {
        Kind::Integer
    } else if types.contains(&"number") {
        Kind::Number
    } else {
        Kind::String
    };
    out.push(Leaf {
        path: path.clone(),
        kind,
        nullable: nullable || types.contains(&"null"),
    });
}

/// Whether `schema` admits `null`: a type list with `null`, or an `anyOf`/`oneOf` alternative.
fn is_nullable(schema: &Value) -> bool {
    let null = |s: &Value| s.get("type").and_then(Value::as_str) == Some("null");
    ["anyOf", "oneOf"].iter().any(|key| {
        schema
            .get(*key)
            .and_then(Value::as_array)
            .is_some_and(|options| options.iter().any(null))
    })
}

/// `schema` with `$ref`s followed and `null` alternatives (of an `Option`) dropped.
fn resolve<'a>(schema: &'a Value, defs: &'a Value) -> &'a Value {
    if let Some(name) = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
    {
        return defs.get(name).map_or(schema, |s| resolve(s, defs));
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            let non_null: Vec<&Value> = options
                .iter()
                .filter(|o| o.get("type").and_then(Value::as_str) != Some("null"))
                .collect();
            if let [only] = non_null.as_slice()
                && only.get("const").is_none()
            {
                return resolve(only, defs);
            }
        }
    }
    schema
}

/// Reads `raw` as a `kind`; `source` names where it came from, for the error (which never
/// repeats the value).
fn parse(leaf: &Leaf, raw: &str, source: &str) -> Result<Value> {
    let raw = raw.trim();
    let bad = |rule: &str| Error::invalid(source, rule);
    let kind = leaf.kind;
    if leaf.nullable && kind != Kind::String && raw.eq_ignore_ascii_case("null") {
        return Ok(Value::Null);
    }
    Ok(match kind {
        Kind::String => Value::String(raw.to_owned()),
        Kind::Integer => raw
            .parse::<u64>()
            .map(Value::from)
            .or_else(|_| raw.parse::<i64>().map(Value::from))
            .map_err(|_| bad("must be a whole number"))?,
        Kind::Number => raw
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| bad("must be a number"))?,
        Kind::Boolean => match raw.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Value::Bool(true),
            "false" | "0" | "no" | "off" => Value::Bool(false),
            _ => return Err(bad("must be true or false")),
        },
    })
}

fn set(root: &mut Value, path: &[String], value: Value) {
    let mut node = root;
    for segment in &path[..path.len() - 1] {
        if !node.is_object() {
            *node = Value::Object(Map::new());
        }
        node = node
            .as_object_mut()
            .expect("an object")
            .entry(segment.clone())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    if !node.is_object() {
        *node = Value::Object(Map::new());
    }
    if let Some(map) = node.as_object_mut() {
        map.insert(path[path.len() - 1].clone(), value);
    }
}

/// Where the settings come from, before a command adds its own flags.
#[derive(Debug, Clone, Default)]
pub struct Layers {
    /// `--config`: a TOML file.
    pub config: Option<PathBuf>,
    /// Flags, as `(path, value)`: `--store`, the commands' flags and `--set`.
    pub flags: Vec<(String, String)>,
}

impl Layers {
    /// The settings: the file, then the environment, then the flags (and `extra`, a command's
    /// own flags, last), deserialised into [`Settings`]. Not yet validated: the command may
    /// still add what it needs, then [`concierge::Concierge::open`] validates.
    pub fn load(&self, extra: &[(&str, String)]) -> Result<Settings> {
        self.load_with_env(extra, |name| std::env::var(name).ok())
    }

    fn load_with_env(
        &self,
        extra: &[(&str, String)],
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings> {
        let leaves = leaves();
        let mut root = Value::Object(Map::new());
        if let Some(path) = &self.config {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Error::invalid("config", format!("cannot read the file: {e}")))?;
            let table: toml::Table = toml::from_str(&text).map_err(|e| {
                Error::invalid("config", format!("is not valid TOML ({})", e.message()))
            })?;
            root = serde_json::to_value(table)
                .map_err(|_| Error::invalid("config", "cannot be read as settings"))?;
        }
        for leaf in &leaves {
            let name = leaf.env_name();
            if let Some(raw) = env(&name) {
                set(&mut root, &leaf.path, parse(leaf, &raw, &name)?);
            }
        }
        let flags = self
            .flags
            .iter()
            .map(|(p, v)| (p.as_str(), v.clone()))
            .chain(extra.iter().cloned());
        for (path, raw) in flags {
            let leaf = leaves
                .iter()
                .find(|l| l.dotted() == path)
                .ok_or_else(|| Error::invalid(path, "is not a setting"))?;
            set(&mut root, &leaf.path, parse(leaf, &raw, path)?);
        }
        serde_path_to_error::deserialize::<_, Settings>(root).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner().to_string();
            // Keep what names a key; drop what could repeat a value.
            let rule = if inner.starts_with("unknown field") || inner.starts_with("missing field") {
                inner
            } else {
                "has the wrong type or an invalid value".to_owned()
            };
            Error::invalid(if path == "." { "settings".into() } else { path }, rule)
        })
    }

    /// Parses a `--set path=value` flag into a flag layer entry. Secrets are refused: they
    /// belong in the environment or the config file.
    pub fn set_flag(spec: &str) -> Result<(String, String)> {
        let (path, value) = spec
            .split_once('=')
            .ok_or_else(|| Error::invalid("set", "must be path=value"))?;
        let path = path.trim();
        let Some(leaf) = leaves().into_iter().find(|l| l.dotted() == path) else {
            return Err(Error::invalid(path, "is not a setting"));
        };
        if leaf.is_secret() {
            return Err(Error::invalid(
                path,
                format!(
                    "is a secret: set it in {} or the config file, not on the command line",
                    leaf.env_name()
                ),
            ));
        }
        Ok((path.to_owned(), value.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(layers: &Layers, env: &[(&str, &str)]) -> Result<Settings> {
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        layers.load_with_env(&[], |name| env.get(name).cloned())
    }

    #[test]
    fn a_limit_that_may_be_none_is_set_to_none_with_null_from_a_flag_or_the_environment() {
        let secret = [
            ("CONCIERGE_BUILDIUM_CLIENT_ID", "id"),
            ("CONCIERGE_BUILDIUM_CLIENT_SECRET", "secret"),
        ];
        let layers = Layers {
            config: None,
            flags: vec![Layers::set_flag("buildium.rate_limit_per_sec=null").unwrap()],
        };
        let settings = load(&layers, &secret).unwrap();
        assert_eq!(settings.buildium.unwrap().rate_limit_per_sec, None);
        let layers = Layers {
            config: None,
            flags: vec![Layers::set_flag("buildium.rate_limit_per_sec=25").unwrap()],
        };
        let settings = load(&layers, &secret).unwrap();
        assert_eq!(settings.buildium.unwrap().rate_limit_per_sec, Some(25));
        let mut env = secret.to_vec();
        env.push(("CONCIERGE_BUILDIUM_RATE_LIMIT_PER_SEC", "null"));
        let settings = load(&Layers::default(), &env).unwrap();
        assert_eq!(settings.buildium.unwrap().rate_limit_per_sec, None);
        // Without it, Buildium's documented 10 requests a second.
        let settings = load(&Layers::default(), &secret).unwrap();
        assert_eq!(settings.buildium.unwrap().rate_limit_per_sec, Some(10));
    }

    #[test]
    fn leaves_cover_nested_fields_with_their_types() {
        let leaves = leaves();
        let find = |p: &str| leaves.iter().find(|l| l.dotted() == p).map(|l| l.kind);
        assert_eq!(find("store"), Some(Kind::String));
        assert_eq!(find("smtp.port"), Some(Kind::Integer));
        assert_eq!(find("smtp.tls"), Some(Kind::String));
        assert_eq!(find("key_write_deadline_seconds"), Some(Kind::Number));
        assert_eq!(find("dispatch_inline"), Some(Kind::Boolean));
        assert_eq!(find("sandbox.seed"), Some(Kind::Integer));
        assert_eq!(find("buildium.retry.max_attempts"), Some(Kind::Integer));
        assert_eq!(find("salto.routes.get_user"), Some(Kind::String));
        assert_eq!(find("buildium.resident_key"), Some(Kind::String));
    }

    #[test]
    fn file_then_environment_then_flags() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("concierge.toml");
        std::fs::write(
            &file,
            "store = \"file.db\"\noutbox_max_attempts = 2\nkey_write_deadline_seconds = 10\n[smtp]\nhost = \"file.example.org\"\nport = 25\n",
        )
        .unwrap();
        let layers = Layers {
            config: Some(file),
            flags: vec![("store".into(), "flag.db".into())],
        };
        let s = load(
            &layers,
            &[
                ("CONCIERGE_STORE", "env.db"),
                ("CONCIERGE_SMTP_PORT", "2525"),
                ("CONCIERGE_SMTP_PASSWORD", "pw"),
                ("CONCIERGE_SMTP_USERNAME", "desk"),
                ("CONCIERGE_DISPATCH_INLINE", "false"),
            ],
        )
        .unwrap();
        assert_eq!(s.store.as_deref(), Some("flag.db"));
        let smtp = s.smtp.as_ref().unwrap();
        assert_eq!(smtp.host, "file.example.org");
        assert_eq!(smtp.port, 2525);
        assert!(smtp.password.is_some());
        assert_eq!(s.outbox_max_attempts, Some(2));
        assert_eq!(s.key_write_deadline_seconds, Some(10.0));
        assert_eq!(s.dispatch_inline, Some(false));
        s.validate().unwrap();
    }

    #[test]
    fn unknown_keys_in_the_file_are_refused_with_their_path() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("concierge.toml");
        std::fs::write(&file, "[smtp]\nhost = \"h\"\nprot = 25\n").unwrap();
        let layers = Layers {
            config: Some(file),
            flags: vec![],
        };
        let err = load(&layers, &[]).unwrap_err();
        let shown = err.to_string();
        assert!(shown.contains("smtp") && shown.contains("prot"), "{shown}");
    }

    #[test]
    fn bad_values_are_refused_without_repeating_them() {
        let err = load(
            &Layers::default(),
            &[("CONCIERGE_SMTP_PORT", "twenty-five")],
        )
        .unwrap_err();
        assert!(err.to_string().contains("CONCIERGE_SMTP_PORT"));
        assert!(!err.to_string().contains("twenty-five"));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("concierge.toml");
        std::fs::write(&file, "[smtp]\nhost = \"h\"\npassword = 31337\n").unwrap();
        let layers = Layers {
            config: Some(file),
            flags: vec![],
        };
        let err = load(&layers, &[]).unwrap_err();
        assert!(err.to_string().contains("smtp.password"), "{err}");
        assert!(!err.to_string().contains("31337"), "{err}");
    }

    #[test]
    fn set_flags_name_fields_and_refuse_secrets() {
        assert_eq!(
            Layers::set_flag("outbox_max_attempts=3").unwrap(),
            ("outbox_max_attempts".to_owned(), "3".to_owned())
        );
        assert!(Layers::set_flag("outbox_max_atempts=3").is_err());
        let err = Layers::set_flag("smtp.password=hunter2").unwrap_err();
        assert!(err.to_string().contains("CONCIERGE_SMTP_PASSWORD"));
        assert!(!err.to_string().contains("hunter2"));
    }
}
