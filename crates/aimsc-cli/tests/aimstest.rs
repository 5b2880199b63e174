#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]
//! `aimsc test`: the shipped rulesets' own tests pass, an organisation's tests pass, and each
//! fixture under `tests/fixtures/aimstest/` (a new file is a new test) gives the output and exit
//! code in its snapshot.

mod common;

use common::{code, repo, run, stderr, stdout};

#[test]
fn shipped_rulesets_pass_their_tests_and_report_coverage() {
    let o = run(
        &repo(),
        &[
            "test",
            "rulesets/tests",
            "--coverage-shipped",
            "--fail-under",
            "100",
        ],
    );
    let out = stdout(&o);
    assert_eq!(code(&o), 0, "{out}{}", stderr(&o));
    assert!(out.contains(" 0 failed"), "{out}");
    // Every block and every `applies when` is proven by two cases one fact apart.
    let proven = out
        .lines()
        .find(|l| l.starts_with("  proven to pass and to fail by cases one fact apart: "))
        .unwrap_or_else(|| panic!("no proven line: {out}"));
    assert!(proven.ends_with("(100.0%)"), "{proven}");
    let applies = out
        .lines()
        .find(|l| l.starts_with("  `applies when` proven by cases one fact apart: "))
        .unwrap_or_else(|| panic!("no applies line: {out}"));
    assert!(applies.ends_with("(100.0%)"), "{applies}");
    assert!(!out.contains("not proven:"), "{out}");
    insta::assert_snapshot!("shipped_rulesets", out);
}

#[test]
fn an_organisation_tests_its_own_rules_from_its_folder() {
    let o = run(&repo().join("tests/orgs/chatly"), &["test"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("5 tests: 5 passed, 0 failed"), "{out}");
    assert!(
        out.contains("coverage of your rules: 1 of 1 require blocks exercised (100.0%)"),
        "{out}"
    );
    // The shipped rulesets' blocks are counted but not listed without --coverage-shipped.
    assert!(!out.contains("eu_ai_act::Art.4 "), "{out}");
}

#[test]
fn filter_runs_matching_tests_only() {
    let o = run(
        &repo().join("tests/orgs/chatly"),
        &["test", "--filter", "waiver"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("5 tests: 2 passed, 0 failed, 3 filtered out"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn fixtures() {
    let dir = repo().join("tests/fixtures/aimstest");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".test.yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 5);
    for f in files {
        let rel = f
            .strip_prefix(repo())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let o = run(&repo(), &["test", &rel]);
        let name = f
            .file_name()
            .unwrap()
            .to_string_lossy()
            .replace(".test.yaml", "");
        // Shipped coverage lines change with every new ruleset test; the rest is the point.
        let mut shipped = false;
        let out: String = stdout(&o)
            .lines()
            .filter(|l| {
                shipped = l.starts_with("coverage of shipped rulesets")
                    || (shipped && l.starts_with("  "));
                !shipped
            })
            .map(|l| format!("{l}\n"))
            .collect();
        insta::assert_snapshot!(
            format!("aimstest_{name}"),
            format!(
                "exit code: {}\n--- stdout\n{out}--- stderr\n{}",
                code(&o),
                stderr(&o)
            )
        );
    }
}
