//! Every command of the README's "The command line" block runs, in order, as written (with the
//! built `concierge` binary in place of `cargo run -p concierge-cli --`), in a fresh folder.

use std::process::Command;

#[test]
fn every_readme_command_runs() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md");
    let section = readme
        .split("## The command line")
        .nth(1)
        .expect("a command line section");
    let block = section
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a sh block");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut ran = 0;
    for line in block.lines().filter(|l| !l.trim().is_empty()) {
        let command = line.split(" #").next().unwrap_or(line).trim();
        let args = command
            .strip_prefix("cargo run -p concierge-cli -- ")
            .unwrap_or_else(|| panic!("not a concierge command: {line}"));
        let out = Command::new(env!("CARGO_BIN_EXE_concierge"))
            .args(args.split_whitespace())
            .current_dir(dir.path())
            .env_remove("CONCIERGE_STORE")
            .env_remove("DATABASE_URL")
            .output()
            .expect("run concierge");
        assert!(
            out.status.success(),
            "{command}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        ran += 1;
    }
    assert!(ran >= 4, "only {ran} commands in the block");
}
