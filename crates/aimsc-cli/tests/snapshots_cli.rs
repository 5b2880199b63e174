#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]
//! Fixture-driven snapshot tests of the real `aimsc` binary. Adding a fixture adds a test:
//! - `tests/fixtures/check/*.aims`: `aimsc check FILE`, snapshot of source, exit code and diagnostics;
//! - `tests/fixtures/facts/*/`: `aimsc check ../schema.aims --facts <the facts file>`;
//! - `tests/fixtures/eval/*/`: `aimsc eval` in text and JSON;
//! - `tests/fixtures/cli/*/args`: `aimsc ARGS` in a scratch copy of the folder (over a minimal
//!   organisation, `cli/_org`), snapshot of exit code, stdout and stderr (cli/README.md).
//!
//! A facts or eval fixture folder may hold an `args` file: more arguments, one per line (how
//! the limit fixtures lower a limit to a size a fixture can show).

mod common;

use common::{code, copy, repo, run, stderr, stdout};
use std::path::Path;

/// The fixture folder's extra arguments (its `args` file, one per line).
fn extra_args(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("args"))
        .map(|t| {
            t.lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn aimsc(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = run(dir, args);
    (code(&out), stdout(&out), stderr(&out))
}

fn shorten(source: &str) -> String {
    // Generated fixtures (10,000-deep nesting) would swamp the snapshot.
    if source.len() > 2000 {
        format!("{}… ({} bytes)", &source[..300], source.len())
    } else {
        source.to_string()
    }
}

#[test]
fn check_fixtures() {
    insta::glob!("../../../tests/fixtures/check", "*.aims", |path| {
        let dir = path.parent().unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        let source = std::fs::read_to_string(path).unwrap();
        let (code, _, stderr) = aimsc(dir, &["check", name, "--as-of", "2026-11-01"]);
        insta::assert_snapshot!(format!(
            "--- source\n{}\n--- exit code: {code}\n--- stderr\n{stderr}",
            shorten(&source)
        ));
    });
}

#[test]
fn facts_fixtures() {
    insta::glob!("../../../tests/fixtures/facts", "*/facts.*", |path| {
        let dir = path.parent().unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        let source = std::fs::read_to_string(path).unwrap();
        let extra = extra_args(dir);
        let mut args = vec![
            "check",
            "../schema.aims",
            "--facts",
            name,
            "--as-of",
            "2026-11-01",
        ];
        args.extend(extra.iter().map(String::as_str));
        let (code, _, stderr) = aimsc(dir, &args);
        insta::assert_snapshot!(format!(
            "--- {name}\n{}\n--- exit code: {code}\n--- stderr\n{stderr}",
            shorten(&source)
        ));
    });
}

#[test]
fn eval_fixtures() {
    insta::glob!("../../../tests/fixtures/eval", "*/rules.aims", |path| {
        let dir = path.parent().unwrap();
        let extra = extra_args(dir);
        let base = [
            "eval",
            "--rules",
            "rules.aims",
            "--facts",
            "facts.yaml",
            "--as-of",
            "2026-11-01",
        ];
        let with = |more: &[&'static str]| -> Vec<String> {
            base.iter()
                .chain(more)
                .map(|s| (*s).to_string())
                .chain(extra.iter().cloned())
                .collect()
        };
        let run_with = |more: &[&'static str]| {
            let args = with(more);
            aimsc(dir, &args.iter().map(String::as_str).collect::<Vec<_>>())
        };
        let (code, stdout, stderr) = run_with(&["--verbose"]);
        let (jcode, json, _) = run_with(&["--format", "json"]);
        assert_eq!(jcode, code, "text and JSON runs agree on the exit code");
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        let json = serde_json::to_string_pretty(&value).unwrap();
        insta::assert_snapshot!(format!(
            "--- exit code: {code}\n--- stdout\n{stdout}--- stderr\n{stderr}--- json\n{json}"
        ));
    });
}

#[test]
fn example_organisation_report() {
    let dir = repo().join("tests/orgs/acme");
    let (code, json, stderr) = aimsc(&dir, &["eval", "--as-of", "2026-11-01", "--format", "json"]);
    assert_eq!(code, 1, "A.5.2 fails in the example: {stderr}");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    insta::assert_json_snapshot!("acme_json", value);
    let (_, text, _) = aimsc(&dir, &["eval", "--as-of", "2026-11-01"]);
    insta::assert_snapshot!("acme_text", text);
}

#[test]
fn cli_fixtures() {
    insta::glob!("../../../tests/fixtures/cli", "*/args", |path| {
        let dir = path.parent().unwrap();
        let name = dir.file_name().unwrap().to_str().unwrap();
        let scratch =
            std::env::temp_dir().join(format!("aimsc-cli-fixture-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&scratch);
        std::fs::create_dir_all(&scratch).unwrap();
        if !dir.join("no-base-org").exists() {
            copy(&dir.join("../_org"), &scratch);
        }
        copy(dir, &scratch);
        let args = extra_args(dir);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, stdout, stderr) = aimsc(&scratch, &args);
        let _ = std::fs::remove_dir_all(&scratch);
        insta::assert_snapshot!(format!(
            "--- aimsc {}\n--- exit code: {code}\n--- stdout\n{stdout}--- stderr\n{stderr}",
            args.join(" ")
        ));
    });
}
