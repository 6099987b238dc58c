//! `cargo run -p concierge-codegen`: writes the bindings' generated files.
//! `cargo run -p concierge-codegen -- --describe`: prints the API description.

fn main() -> std::io::Result<()> {
    if std::env::args().any(|a| a == "--describe") {
        let text = serde_json::to_string_pretty(&concierge::api::describe())?;
        println!("{text}");
        return Ok(());
    }
    for (path, text) in concierge_codegen::files() {
        let full = concierge_codegen::root().join(&path);
        std::fs::write(&full, text)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
