//! Running the built `concierge` command in a test: a clean environment (no `CONCIERGE_*`
//! variable of the caller's leaks in), and its output checked for success.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs `concierge args…` in `dir` with only `envs` among the `CONCIERGE_*` variables.
pub fn concierge(dir: &Path, envs: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_concierge"));
    command.args(args).current_dir(dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("CONCIERGE_") {
            command.env_remove(key);
        }
    }
    command.envs(envs.iter().copied());
    command.output().expect("run concierge")
}

/// The standard output of a command that must have succeeded.
pub fn ok(out: Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}
