//! Instances generated from a vendor's schemas (OpenAPI `components/schemas`), for the fuzzer:
//! property-based inputs shaped as the vendor documents its messages, which mutation then
//! bends. Understands `$ref` (`#/components/schemas/<name>`), `allOf`, `oneOf`/`anyOf`,
//! `nullable`, `enum`, `type` (object, array, string, integer, number, boolean) and the `date`
//! and `date-time` formats; an optional property is left out now and then, a nullable one is
//! sometimes `null`.

use rand::Rng as _;
use rand::rngs::StdRng;
use serde_json::{Map, Value, json};

/// How deep references are followed before an object is left empty (schemas may be recursive).
const MAX_DEPTH: usize = 6;

/// One instance of the schema named `name` in `schemas` (a map of name → schema).
pub fn instance(schemas: &Value, name: &str, rng: &mut StdRng) -> Value {
    match schemas.get(name) {
        Some(schema) => generate(schemas, schema, rng, 0),
        None => Value::Null,
    }
}

fn generate(schemas: &Value, schema: &Value, rng: &mut StdRng, depth: usize) -> Value {
    if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        let name = target.rsplit('/').next().unwrap_or_default();
        return match schemas.get(name) {
            Some(s) if depth < MAX_DEPTH => generate(schemas, s, rng, depth + 1),
            _ => json!({}),
        };
    }
    if schema.get("nullable").and_then(Value::as_bool) == Some(true) && rng.random_bool(0.1) {
        return Value::Null;
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array)
            && !options.is_empty()
        {
            let pick = &options[rng.random_range(0..options.len())];
            return generate(schemas, pick, rng, depth);
        }
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for part in parts {
            match generate(schemas, part, rng, depth) {
                Value::Object(map) => merged.extend(map),
                other if parts.len() == 1 => return other,
                _ => {}
            }
        }
        return Value::Object(merged);
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.is_empty()
    {
        return options[rng.random_range(0..options.len())].clone();
    }
    let kind = schema.get("type").and_then(Value::as_str).unwrap_or(
        if schema.get("properties").is_some() {
            "object"
        } else {
            "string"
        },
    );
    match kind {
        "object" => object(schemas, schema, rng, depth),
        "array" => {
            let items = schema.get("items").cloned().unwrap_or(json!({}));
            let n = rng.random_range(0..4);
            Value::Array(
                (0..n)
                    .map(|_| generate(schemas, &items, rng, depth + 1))
                    .collect(),
            )
        }
        "integer" => integer(schema, rng),
        "number" => json!(rng.random_range(-1.0e6..1.0e6_f64)),
        "boolean" => Value::Bool(rng.random_bool(0.5)),
        _ => string(schema, rng),
    }
}

fn object(schemas: &Value, schema: &Value, rng: &mut StdRng, depth: usize) -> Value {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut map = Map::new();
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            if required.contains(&name.as_str()) || rng.random_bool(0.9) {
                map.insert(name.clone(), generate(schemas, property, rng, depth + 1));
            }
        }
    }
    Value::Object(map)
}

fn integer(schema: &Value, rng: &mut StdRng) -> Value {
    let wide = schema.get("format").and_then(Value::as_str) == Some("int64");
    match rng.random_range(0..10) {
        0 => json!(0),
        1 => json!(-1),
        2 if wide => json!(i64::MAX),
        2 => json!(i32::MAX),
        _ => json!(rng.random_range(1..100_000)),
    }
}

fn date(rng: &mut StdRng) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        rng.random_range(1990..2040),
        rng.random_range(1..=12),
        rng.random_range(1..=28)
    )
}

fn string(schema: &Value, rng: &mut StdRng) -> Value {
    match schema.get("format").and_then(Value::as_str) {
        Some("date") => json!(date(rng)),
        Some("date-time") => {
            let day = date(rng);
            json!(format!(
                "{day}T{:02}:{:02}:{:02}Z",
                rng.random_range(0..24),
                rng.random_range(0..60),
                rng.random_range(0..60)
            ))
        }
        _ => {
            const WORDS: [&str; 8] = [
                "Harbour", "Ada", "Lovelace", "1204", "", "Zoë", "O'Brien", "Tower A",
            ];
            json!(WORDS[rng.random_range(0..WORDS.len())])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    const SCHEMAS: &str = r##"{
      "Lease": {"type": "object", "properties": {
        "Id": {"type": "integer", "format": "int32"},
        "From": {"type": "string", "format": "date"},
        "Status": {"type": "string", "enum": ["Active", "Past"]},
        "Tenants": {"type": "array", "items": {"$ref": "#/components/schemas/Tenant"}},
        "Note": {"type": "string", "nullable": true}}},
      "Tenant": {"allOf": [{"$ref": "#/components/schemas/Person"}]},
      "Person": {"type": "object", "required": ["Name"], "properties": {"Name": {"type": "string"}, "Boss": {"$ref": "#/components/schemas/Person"}}}
    }"##;

    #[test]
    fn instances_follow_their_schema_and_recursion_ends() {
        let schemas: Value = serde_json::from_str(SCHEMAS).unwrap();
        let mut rng = StdRng::seed_from_u64(3);
        let mut statuses = std::collections::BTreeSet::new();
        for _ in 0..500 {
            let lease = instance(&schemas, "Lease", &mut rng);
            let lease = lease.as_object().expect("an object");
            if let Some(status) = lease.get("Status") {
                statuses.insert(status.as_str().unwrap().to_owned());
            }
            if let Some(from) = lease.get("From") {
                let parts: Vec<u32> = from
                    .as_str()
                    .unwrap()
                    .split('-')
                    .map(|p| p.parse().unwrap())
                    .collect();
                assert!(parts.len() == 3 && (1..=12).contains(&parts[1]), "{from}");
            }
            for tenant in lease
                .get("Tenants")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                assert!(tenant.get("Name").is_some(), "required: {tenant}");
            }
        }
        assert_eq!(statuses.len(), 2, "both enum values occur");
        assert_eq!(instance(&schemas, "Nothing", &mut rng), Value::Null);
    }
}
