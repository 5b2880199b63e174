#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]
//! What ships besides the binary: the release workflow, the GitHub Action and the container
//! image definition, checked by `tests/tools/check-distribution` with real tools (the
//! SchemaStore schemas through check-jsonschema, shellcheck, hadolint) and the Action's scripts
//! run end to end on a release folder built from this binary, as the workflow builds one.

mod common;

use common::repo;
use std::process::Command;

fn check(args: &[&str]) -> String {
    let out = Command::new("bash")
        .arg(repo().join("tests/tools/check-distribution"))
        .args(args)
        .env("AIMSC_BIN", env!("CARGO_BIN_EXE_aimsc"))
        .current_dir(repo())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    text
}

#[test]
fn the_workflow_the_action_and_the_image_pass_their_checks() {
    let text = check(&[]);
    assert!(text.contains(" 0 failed"), "{text}");
}

/// Each check, fed a broken input, fails for the reason it exists: none of them cannot fail.
#[test]
fn every_distribution_check_fails_on_a_broken_input() {
    let text = check(&["--self-test"]);
    assert!(text.contains(" 0 failed"), "{text}");
}
