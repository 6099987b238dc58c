//! The generated files of the bindings are committed; this fails when one is stale.

#[test]
fn generated_files_are_current() {
    let mut stale = Vec::new();
    for (path, text) in concierge_codegen::files() {
        let committed =
            std::fs::read_to_string(concierge_codegen::root().join(&path)).unwrap_or_default();
        if committed != text {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files (run `cargo run -p concierge-codegen` and commit): {stale:?}"
    );
}
