//! End-to-end tests of the `aimsc` binary: exit codes, project discovery and bad input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

mod common;

use common::{code, repo, run, stderr, stdout};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A scratch folder under the target dir, emptied first.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const RULES: &str = r#"
framework demo "Demo"
record Org { name: string, staff: int }
facts { org: Org }
control demo::named "Named" { require "has a name" { org.name != "" } }
control demo::big "Big" { require "at least 10 staff" { org.staff >= 10 } }
"#;

fn project(name: &str, facts: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::write(dir.join("rules.aims"), RULES).unwrap();
    std::fs::write(dir.join("facts.yaml"), facts).unwrap();
    std::fs::write(
        dir.join("aims.toml"),
        "rules = [\"rules.aims\"]\nfacts = \"facts.yaml\"\n",
    )
    .unwrap();
    dir
}

#[test]
fn exit_code_0_when_nothing_fails() {
    let dir = project("exit0", "org: {name: Acme, staff: 12}\n");
    let o = run(&dir, &["eval", "--as-of", "2026-11-01"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("2 pass, 0 fail"));
}

#[test]
fn exit_code_1_when_a_control_fails() {
    let dir = project("exit1", "org: {name: Acme, staff: 3}\n");
    let o = run(&dir, &["eval", "--as-of", "2026-11-01"]);
    assert_eq!(code(&o), 1);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("FAIL      demo::big"), "{out}");
    assert!(
        out.contains("[3 < 10]"),
        "a failed comparison shows both operands and what holds instead: {out}"
    );
}

#[test]
fn exit_code_2_on_invalid_facts_and_still_reports() {
    let dir = project("exit2", "org: {name: Acme, staff: lots}\n");
    let o = run(&dir, &["eval", "--as-of", "2026-11-01"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("facts.yaml:1:"), "{}", stderr(&o));
    // Nothing is lost: the control that reads valid facts is still evaluated.
    assert!(String::from_utf8_lossy(&o.stdout).contains("PASS      demo::named"));
}

#[test]
fn aims_toml_is_found_from_a_subfolder() {
    let dir = project("discovery", "org: {name: Acme, staff: 12}\n");
    let sub = dir.join("deep/er");
    std::fs::create_dir_all(&sub).unwrap();
    let o = run(&sub, &["eval", "--as-of", "2026-11-01", "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let json = String::from_utf8_lossy(&o.stdout);
    assert!(
        json.contains("\"path\": \"facts.yaml\""),
        "paths are relative to the project: {json}"
    );
}

#[test]
fn json_report_is_byte_identical_across_runs() {
    let dir = repo().join("tests/orgs/acme");
    let a = run(&dir, &["eval", "--as-of", "2026-11-01", "--format", "json"]);
    let b = run(&dir, &["eval", "--as-of", "2026-11-01", "--format", "json"]);
    assert_eq!(a.stdout, b.stdout);
    let text = String::from_utf8_lossy(&a.stdout);
    assert!(text.contains("\"schema_version\": 1"));
    assert!(text.contains("\"rules_digest\""));
}

#[test]
fn output_file_and_control_filter() {
    let dir = project("output", "org: {name: Acme, staff: 3}\n");
    let o = run(
        &dir,
        &[
            "eval",
            "--as-of",
            "2026-11-01",
            "--control",
            "demo::named",
            "-o",
            "report.txt",
        ],
    );
    assert_eq!(
        code(&o),
        0,
        "only the passing control was selected: {}",
        stderr(&o)
    );
    let report = std::fs::read_to_string(dir.join("report.txt")).unwrap();
    assert!(report.contains("demo::named") && !report.contains("demo::big"));
    let o = run(
        &dir,
        &["eval", "--as-of", "2026-11-01", "--control", "demo::nmed"],
    );
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("did you mean `demo::named`?"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_usage_exits_2() {
    let dir = project("usage", "org: {name: Acme, staff: 3}\n");
    for args in [
        &["eval", "--as-of", "31/12/2026"][..],
        &["eval", "--format", "xml"],
        &["frobnicate"],
    ] {
        let o = run(&dir, args);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn missing_paths_exit_2() {
    let dir = scratch("missing");
    let o = run(&dir, &["eval", "--rules", "nope", "--facts", "nope.yaml"]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("rules path `nope` does not exist"), "{err}");
    assert!(
        err.contains("facts path `nope.yaml` does not exist"),
        "{err}"
    );
}

#[test]
fn rules_folder_without_aims_files_exits_2() {
    let dir = scratch("no_aims");
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    std::fs::write(dir.join("rules/readme.md"), "not rules").unwrap();
    let o = run(&dir, &["check", "rules"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("holds no .aims files"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn non_utf8_files_exit_2() {
    let dir = scratch("non_utf8");
    std::fs::write(dir.join("bad.aims"), b"framework demo \"D\xff\"\n").unwrap();
    let o = run(&dir, &["check", "bad.aims"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("not UTF-8"), "{}", stderr(&o));

    let dir = project("non_utf8_facts", "");
    std::fs::write(
        dir.join("facts.yaml"),
        b"org: {name: \"A\xfe\", staff: 1}\n",
    )
    .unwrap();
    let o = run(&dir, &["eval", "--as-of", "2026-11-01"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("not UTF-8"), "{}", stderr(&o));
}

#[test]
fn empty_facts_file_exits_2() {
    let dir = project("empty_facts", "");
    let o = run(&dir, &["eval", "--as-of", "2026-11-01"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("facts file is empty"), "{}", stderr(&o));
}

#[test]
fn fifty_megabyte_facts_file_is_handled() {
    let dir = scratch("big");
    std::fs::write(
        dir.join("rules.aims"),
        r#"
framework demo "Demo"
record System { id: string, name: string, notes: string }
facts { systems: [System] }
control demo::named "Named" { require "every system has a name" { all s in systems: s.name != "" } }
"#,
    )
    .unwrap();
    let mut facts = String::from("systems:\n");
    let notes = "x".repeat(400);
    let mut i = 0;
    while facts.len() < 50_000_000 {
        facts.push_str(&format!(
            "  - id: s{i}\n    name: System {i}\n    notes: {notes}\n"
        ));
        i += 1;
    }
    std::fs::write(dir.join("facts.yaml"), &facts).unwrap();
    let start = Instant::now();
    let o = run(
        &dir,
        &[
            "eval",
            "--rules",
            "rules.aims",
            "--facts",
            "facts.yaml",
            "--as-of",
            "2026-11-01",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains(&format!("{i} of {i} systems checked")),
        "{out}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(120),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn facts_folder_merges_one_record_per_file() {
    let dir = repo().join("tests/orgs/acme");
    let o = run(
        &dir,
        &[
            "eval",
            "--as-of",
            "2026-11-01",
            "--control",
            "iso42001::A.5.2",
        ],
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains(
            "ai_systems[id=support-chatbot] → false at facts/ai_systems/support-chatbot.yaml:1:1"
        ),
        "{out}"
    );
}

#[test]
fn fmt_check_then_write_then_check_again() {
    let dir = scratch("fmt");
    let messy = "framework acme \"Acme\"\nrecord Org{name:string}\n\n\n\nfacts { org : Org }\n";
    let broken = "framework acme \"Acme\"\ncontrol acme::x \"X\" {\n  require\n}\n";
    std::fs::write(dir.join("messy.aims"), messy).unwrap();
    std::fs::write(dir.join("broken.aims"), broken).unwrap();

    // --check on a messy file: exit 1, a diff, nothing written.
    let out = run(&dir, &["fmt", "--check", "messy.aims"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stdout(&out).contains("-record Org{name:string}\n+record Org { name: string }"));
    assert_eq!(
        std::fs::read_to_string(dir.join("messy.aims")).unwrap(),
        messy
    );

    // fmt writes it; then --check passes and a second fmt changes nothing.
    let out = run(&dir, &["fmt", "messy.aims"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let formatted = std::fs::read_to_string(dir.join("messy.aims")).unwrap();
    assert_eq!(
        formatted,
        "framework acme \"Acme\"\nrecord Org { name: string }\n\nfacts { org: Org }\n"
    );
    assert_eq!(code(&run(&dir, &["fmt", "--check", "messy.aims"])), 0);

    // A folder with a broken file: exit 2, the broken file untouched, its error shown.
    let out = run(&dir, &["fmt", "."]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("[broken.aims:4:1]"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("broken.aims")).unwrap(),
        broken
    );
}

#[test]
fn fmt_reads_standard_input() {
    use std::io::Write as _;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_aimsc"))
        .args(["fmt", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"enum  T {a,b}   // two\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), 0);
    assert_eq!(stdout(&out), "enum T { a, b } // two\n");
}
