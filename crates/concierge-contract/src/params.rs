//! Parameter values: a raw string from the path or the query is parsed as its schema's type
//! (integer, number, boolean, string; arrays by the parameter's `style`/`explode`), range-checked
//! for the OpenAPI `int32`/`int64` formats, then validated against the parameter's schema (enum,
//! minimum/maximum, `date`/`date-time` formats, ...).

use crate::document::{In, Kind, Operation, Param};
use crate::report::{Violation, ViolationKind};
use crate::schemas::Schemas;
use serde_json::{Number, Value};

/// `raw` parsed as `kind`, or why it is not one.
fn typed(raw: &str, kind: &Kind, format: Option<&str>) -> Result<Value, String> {
    match kind {
        Kind::Integer => {
            let n: i128 = raw
                .parse()
                .map_err(|_| format!("`{raw}` is not an integer"))?;
            let (lo, hi) = match format {
                Some("int32") => (i128::from(i32::MIN), i128::from(i32::MAX)),
                Some("int64") => (i128::from(i64::MIN), i128::from(i64::MAX)),
                _ => (i128::from(i64::MIN), i128::from(u64::MAX)),
            };
            if n < lo || n > hi {
                return Err(format!(
                    "`{raw}` is out of range for {}",
                    format.unwrap_or("a JSON integer")
                ));
            }
            Ok(match i64::try_from(n) {
                Ok(n) => Value::from(n),
                Err(_) => Value::from(n as u64),
            })
        }
        Kind::Number => raw
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("`{raw}` is not a number")),
        Kind::Boolean => match raw {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("`{raw}` is not `true` or `false`")),
        },
        Kind::String | Kind::Other => Ok(Value::String(raw.to_owned())),
        Kind::Array(_) => Err("an array where a scalar is expected".to_owned()),
    }
}

/// `values` (the raw values of one parameter, in order) as the JSON value its schema validates.
fn value_of(param: &Param, values: &[String]) -> Result<Value, String> {
    match &param.kind {
        Kind::Array(item) => {
            // `check_query` has refused a repeated name unless the array is exploded.
            let raws: Vec<&str> = if param.explode {
                values.iter().map(String::as_str).collect()
            } else {
                let delimiter = match param.style.as_str() {
                    "spaceDelimited" => ' ',
                    "pipeDelimited" => '|',
                    _ => ',',
                };
                match values.first() {
                    Some(v) if v.is_empty() => Vec::new(),
                    Some(v) => v.split(delimiter).collect(),
                    None => Vec::new(),
                }
            };
            raws.iter()
                .map(|raw| typed(raw, item, param.format.as_deref()))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
        kind => typed(&values[0], kind, param.format.as_deref()),
    }
}

/// The violations of one parameter's `values`, reported at `at` as `kind`.
fn check_param(
    schemas: &Schemas,
    param: &Param,
    values: &[String],
    at: &str,
    kind: ViolationKind,
) -> Vec<Violation> {
    let value = match value_of(param, values) {
        Ok(value) => value,
        Err(message) => return vec![Violation::new(kind, at, message)],
    };
    let Some(pointer) = &param.schema else {
        return Vec::new();
    };
    match schemas.errors(pointer, &value) {
        Ok(errors) => errors
            .into_iter()
            .map(|(path, message)| {
                let at = if path.is_empty() {
                    at.to_owned()
                } else {
                    format!("{at} item {}", path.trim_start_matches('/'))
                };
                Violation::new(kind, at, message)
            })
            .collect(),
        Err(message) => vec![Violation::new(ViolationKind::InvalidSpec, at, message)],
    }
}

/// The violations of a path's parameter values (`name`, decoded value) against `op`.
pub(crate) fn check_path(
    schemas: &Schemas,
    op: &Operation,
    values: &[(String, String)],
) -> Vec<Violation> {
    let mut found = Vec::new();
    for (name, value) in values {
        let at = format!("path parameter `{name}`");
        match op
            .params
            .iter()
            .find(|p| p.location == In::Path && p.name == *name)
        {
            Some(param) => found.extend(check_param(
                schemas,
                param,
                std::slice::from_ref(value),
                &at,
                ViolationKind::PathParameter,
            )),
            None => found.push(Violation::new(
                ViolationKind::InvalidSpec,
                at,
                format!("{} {} does not declare it", op.method, op.template),
            )),
        }
    }
    found
}

/// The violations of a raw query string (without `?`) against `op`.
pub(crate) fn check_query(schemas: &Schemas, op: &Operation, query: &str) -> Vec<Violation> {
    // Names in order of first appearance, each with its values in order.
    let mut given: Vec<(String, Vec<String>)> = Vec::new();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        match given.iter_mut().find(|(n, _)| *n == name) {
            Some((_, values)) => values.push(value.into_owned()),
            None => given.push((name.into_owned(), vec![value.into_owned()])),
        }
    }
    let mut found = Vec::new();
    for (name, values) in &given {
        let at = format!("query `{name}`");
        let Some(param) = op
            .params
            .iter()
            .find(|p| p.location == In::Query && p.name == *name)
        else {
            found.push(Violation::new(
                ViolationKind::UnknownQueryParameter,
                at,
                format!("{} {} declares no such parameter", op.method, op.template),
            ));
            continue;
        };
        let exploded_array = matches!(param.kind, Kind::Array(_)) && param.explode;
        if values.len() > 1 && !exploded_array {
            found.push(Violation::new(
                ViolationKind::RepeatedQueryParameter,
                at,
                format!(
                    "given {} times, but it is not an exploded array",
                    values.len()
                ),
            ));
            continue;
        }
        found.extend(check_param(
            schemas,
            param,
            values,
            &at,
            ViolationKind::QueryValue,
        ));
    }
    for param in &op.params {
        if param.location == In::Query
            && param.required
            && !given.iter().any(|(n, _)| *n == param.name)
        {
            found.push(Violation::new(
                ViolationKind::MissingQueryParameter,
                format!("query `{}`", param.name),
                "required but not given",
            ));
        }
    }
    found
}
