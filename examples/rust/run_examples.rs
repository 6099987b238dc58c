//! Runs every Rust example (cargo builds them for `cargo test`), and checks the README's Rust
//! quick start is the example `quick_start.rs`, so neither can rot.

use std::path::PathBuf;
use std::process::Command;

fn examples_dir() -> PathBuf {
    // target/<profile>/deps/<this test> → target/<profile>/examples
    let exe = std::env::current_exe().expect("test executable");
    exe.parent()
        .and_then(|d| d.parent())
        .expect("target dir")
        .join("examples")
}

#[test]
fn every_example_runs_to_the_end() {
    for name in ["quick_start", "buildium_sync", "smart_keys"] {
        let path = examples_dir().join(name);
        let out = Command::new(&path)
            .output()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn the_readme_rust_quick_start_is_the_example() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).expect("README.md");
    let example =
        std::fs::read_to_string(format!("{root}/examples/rust/quick_start.rs")).expect("example");
    let block = readme
        .split("```rust\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a Rust block in README.md");
    assert_eq!(
        block, example,
        "README.md's Rust block differs from examples/rust/quick_start.rs"
    );
}
