//! Generates what the Python and Node bindings are made of, besides their thin native
//! modules: records, enums, errors and every operation's method, from the one declaration of
//! the API in the Rust facade (`concierge::api`). `cargo run -p concierge-codegen` writes the
//! files; the test `generated_files_are_current` fails when a committed copy is stale.

pub mod model;
pub mod node;
pub mod python;

use std::path::{Path, PathBuf};

/// The generated files, as (path from the workspace root, contents).
pub fn files() -> Vec<(PathBuf, String)> {
    let api = model::read(&concierge::api::describe());
    let (js, dts) = node::generate(&api);
    vec![
        (
            PathBuf::from("bindings/python/python/concierge/_generated.py"),
            python::generate(&api),
        ),
        (PathBuf::from("bindings/node/concierge.js"), js),
        (PathBuf::from("bindings/node/concierge.d.ts"), dts),
        (
            PathBuf::from("tests/fixtures/operations.json"),
            operations(&api),
        ),
    ]
}

/// The operation names by class, in snake_case, for the parity tests of every language: the
/// Rust table, Python's `Concierge`, `AsyncConcierge` and `SandboxControls`, Node's
/// `Concierge` and `SandboxControls` (camelCase) must all list exactly these.
fn operations(api: &model::Api) -> String {
    let names = |group: &str| -> Vec<&str> {
        api.operations
            .iter()
            .filter(|o| o.group == group)
            .map(|o| o.name.as_str())
            .collect()
    };
    let value = serde_json::json!({
        "concierge": names("concierge"),
        "sandbox": names("sandbox"),
        "lifecycle": ["open", "close", "sandbox_controls"],
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}
