//! The shape of a response the spec describes only by examples (ButterflyMX declares no response
//! schema at all): the fields and JSON types found at each place of the vendor's examples, and
//! the check that a body uses no other.
//!
//! The check is deliberately one-sided. A body may omit fields and may hold `null` anywhere (the
//! examples say nothing about optionality or nullability); a place where every example holds
//! `null` or an empty array accepts anything. What it catches: a field no example has, and a
//! value of another JSON type than every example's (an id sent as a string, an object where the
//! examples have an array). An integer passes where examples hold non-integral numbers.

use crate::report::{Violation, ViolationKind};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// JSON types, `Integer` apart from other numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Type {
    Null,
    Boolean,
    Integer,
    Number,
    String,
    Array,
    Object,
}

fn type_of(value: &Value) -> Type {
    match value {
        Value::Null => Type::Null,
        Value::Bool(_) => Type::Boolean,
        Value::Number(n) if n.is_i64() || n.is_u64() => Type::Integer,
        Value::Number(_) => Type::Number,
        Value::String(_) => Type::String,
        Value::Array(_) => Type::Array,
        Value::Object(_) => Type::Object,
    }
}

fn name(t: Type) -> &'static str {
    match t {
        Type::Null => "null",
        Type::Boolean => "boolean",
        Type::Integer => "integer",
        Type::Number => "number",
        Type::String => "string",
        Type::Array => "array",
        Type::Object => "object",
    }
}

/// What the examples hold at one place.
#[derive(Clone, Debug, Default)]
pub(crate) struct Shape {
    types: BTreeSet<Type>,
    fields: BTreeMap<String, Shape>,
    items: Option<Box<Shape>>,
}

impl Shape {
    /// The union of `examples`' shapes.
    pub(crate) fn of<'v>(examples: impl IntoIterator<Item = &'v Value>) -> Self {
        let mut shape = Shape::default();
        for example in examples {
            shape.add(example);
        }
        shape
    }

    fn add(&mut self, value: &Value) {
        self.types.insert(type_of(value));
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    self.fields.entry(key.clone()).or_default().add(v);
                }
            }
            Value::Array(items) => {
                for v in items {
                    self.items.get_or_insert_with(Box::default).add(v);
                }
            }
            _ => {}
        }
    }

    /// Whether the examples say nothing here: no example, or only nulls.
    fn unknown(&self) -> bool {
        self.types.iter().all(|t| *t == Type::Null)
    }

    /// The violations of `value` (at JSON pointer `at`) against this shape, at most `budget`.
    pub(crate) fn check(&self, value: &Value, at: &str, found: &mut Vec<Violation>, budget: usize) {
        if found.len() >= budget || self.unknown() || value.is_null() {
            return;
        }
        let actual = type_of(value);
        let fits = self.types.contains(&actual)
            || (actual == Type::Integer && self.types.contains(&Type::Number));
        if !fits {
            let expected: Vec<&str> = self
                .types
                .iter()
                .filter(|t| **t != Type::Null)
                .map(|t| name(*t))
                .collect();
            found.push(Violation::new(
                ViolationKind::ResponseShape,
                format!("response body {}", display(at)),
                format!(
                    "a {} where the vendor's examples hold {}",
                    name(actual),
                    expected.join(" or ")
                ),
            ));
            return;
        }
        match value {
            Value::Object(map) if self.types.contains(&Type::Object) => {
                for (key, v) in map {
                    let here = format!("{at}/{}", crate::document::escape(key));
                    match self.fields.get(key) {
                        Some(shape) => shape.check(v, &here, found, budget),
                        None => {
                            if found.len() < budget {
                                found.push(Violation::new(
                                    ViolationKind::ResponseShape,
                                    format!("response body {}", display(&here)),
                                    format!("field `{key}` is in none of the vendor's examples"),
                                ));
                            }
                        }
                    }
                }
            }
            Value::Array(items) => {
                if let Some(shape) = &self.items {
                    for (i, v) in items.iter().enumerate() {
                        shape.check(v, &format!("{at}/{i}"), found, budget);
                    }
                }
            }
            _ => {}
        }
    }
}

fn display(at: &str) -> &str {
    if at.is_empty() { "/" } else { at }
}
