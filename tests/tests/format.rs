#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]
//! The formatter over every `.aims` file of the repository: idempotent, meaning-preserving, and
//! already applied to the shipped rulesets and example organisations. Each file under
//! `tests/fixtures/fmt/` is a snapshot test of the layout it gets.

use std::path::{Path, PathBuf};
use std::sync::Arc;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn aims_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            aims_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "aims") {
            out.push(p);
        }
    }
}

fn all_aims() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["rulesets", "tests/orgs", "tests/fixtures"] {
        aims_files(&repo().join(dir), &mut files);
    }
    files.sort();
    assert!(files.len() > 30, "found only {} .aims files", files.len());
    files
}

use aimsc_tests::tree_without_spans;

#[test]
fn formatting_is_idempotent_and_keeps_the_tree_of_every_file() {
    let mut formatted_count = 0;
    for file in all_aims() {
        // A fixture of a rule file that is not UTF-8 (`aimsc::io::not_utf8`) has no text to lay out.
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let path: Arc<str> = Arc::from(file.to_string_lossy().as_ref());
        let Ok(once) = aimsc_syntax::format::format_source(&path, &text) else {
            continue; // a fixture of syntax errors: fmt refuses it (tested below)
        };
        formatted_count += 1;
        let twice = aimsc_syntax::format::format(&once);
        assert_eq!(
            once,
            twice,
            "formatting {} twice changes it",
            file.display()
        );
        assert_eq!(
            tree_without_spans(&path, &text),
            tree_without_spans(&path, &once),
            "formatting {} changes its meaning",
            file.display()
        );
        // Comments survive: the same comment lines, in the same order.
        let comments = |t: &str| -> Vec<String> {
            t.lines()
                .filter_map(|l| l.find("//").map(|i| l[i..].trim_end().to_string()))
                .collect()
        };
        assert_eq!(comments(&text), comments(&once), "{}", file.display());
    }
    assert!(formatted_count > 25);
}

#[test]
fn shipped_rulesets_and_example_organisations_are_formatted() {
    for file in all_aims() {
        let rel = file
            .strip_prefix(repo())
            .unwrap()
            .to_string_lossy()
            .to_string();
        if rel.starts_with("tests/fixtures") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let formatted = aimsc_syntax::format::format_source(&Arc::from(rel.as_str()), &text)
            .unwrap_or_else(|d| panic!("{rel} does not parse: {d:?}"));
        assert!(
            formatted == text,
            "{rel} is not formatted: run `aimsc fmt {rel}`"
        );
    }
}

#[test]
fn a_file_with_syntax_errors_is_refused() {
    let path: Arc<str> = Arc::from("broken.aims");
    let diags = aimsc_syntax::format::format_source(&path, "control a::b \"T\" {\n  require\n}\n")
        .unwrap_err();
    assert_eq!(diags[0].code, "aimsc::parse::syntax");
}

#[test]
fn fmt_fixtures() {
    insta::glob!("../fixtures/fmt", "*.aims", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let p: Arc<str> = Arc::from("fixture.aims");
        let formatted = aimsc_syntax::format::format_source(&p, &text).unwrap();
        assert_eq!(
            tree_without_spans(&p, &text),
            tree_without_spans(&p, &formatted)
        );
        insta::assert_snapshot!(formatted);
    });
}

/// Where `past` stands is layout: moving it with the rest of a field keeps the tree the same
/// (the fuzzer found the tree comparing the marker's position).
#[test]
fn a_past_marker_moved_by_layout_keeps_the_tree() {
    let path: Arc<str> = Arc::from("m.aims");
    let text = "framework m \"M\"\nrecord R {\n  held:    date     past\n}\nfacts { rs: [R] }\n";
    let once = aimsc_syntax::format::format_source(&path, text).unwrap();
    assert!(once.contains("  held: date past\n"), "{once}");
    assert_eq!(
        tree_without_spans(&path, text),
        tree_without_spans(&path, &once)
    );
}
