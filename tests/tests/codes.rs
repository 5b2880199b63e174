//! The catalogue of diagnostic codes: published, used, and shown by fixtures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

use aimsc_diagnostics::codes;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if p.is_dir() && name != "target" && name != "node_modules" && !name.starts_with('.') {
            files(&p, ext, out);
        } else if name.ends_with(ext) {
            out.push(p);
        }
    }
}

/// CODES.md is the catalogue as `codes::markdown` renders it. `AIMSC_WRITE_CODES=1` rewrites it.
#[test]
fn the_published_catalogue_is_in_step() {
    let path = repo().join("CODES.md");
    let page = codes::markdown();
    if std::env::var_os("AIMSC_WRITE_CODES").is_some() {
        std::fs::write(&path, &page).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == page,
        "CODES.md is out of step with the catalogue: run AIMSC_WRITE_CODES=1 cargo test -p aimsc-tests --test codes"
    );
}

/// Codes are written only in the catalogue: anywhere else a string literal that looks like a
/// code would be a code no one registered (a `Code` cannot be made outside the catalogue).
#[test]
fn no_code_is_spelled_outside_the_catalogue() {
    let mut sources = Vec::new();
    files(&repo().join("crates"), ".rs", &mut sources);
    let catalogue = repo().join("crates/aimsc-diagnostics/src/codes.rs");
    let mut found = Vec::new();
    for f in sources {
        if f == catalogue || f.components().any(|c| c.as_os_str() == "tests") {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        for (i, line) in text.lines().enumerate() {
            let mut rest = line;
            while let Some(at) = rest.find("\"aimsc::") {
                let lit = &rest[at + 1..];
                let end = lit.find('"').unwrap_or(lit.len());
                let code = &lit[..end];
                if code.matches("::").count() == 2 && !code.ends_with("::") {
                    found.push(format!("{}:{}: {code}", f.display(), i + 1));
                }
                rest = &lit[end..];
            }
        }
    }
    assert!(
        found.is_empty(),
        "use the constants of aimsc_diagnostics::codes: {found:#?}"
    );
}

/// Codes no fixture can show, because no input reaches them: each guards against a failure of
/// aimsc or of the machine, not of what a user gives it, and is reported rather than hidden if
/// it ever happens. Any other code must be shown by a snapshot; a code here that a snapshot
/// shows fails too, so the list cannot go stale.
const UNREACHABLE_BY_INPUT: &[(&str, &str)] = &[
    (
        "aimsc::facts::json",
        "facts given as a serde_json::Value always serialise",
    ),
    (
        "aimsc::internal::parse",
        "the grammar and the tree builder agree; a bug, if not",
    ),
    ("aimsc::io::thread", "the machine cannot start a thread"),
    (
        "aimsc::serve::bad_request",
        "the fallback of an error that carries no diagnostic",
    ),
    (
        "aimsc::serve::internal",
        "an evaluation that panicked, which no input can make it do",
    ),
];

/// Every registered code is shown by the snapshot of some fixture (a new fixture file is a new
/// test), so that each diagnostic's wording, location and help are reviewed as users see them.
#[test]
fn every_code_is_shown_by_a_fixture_snapshot() {
    let mut snaps = Vec::new();
    files(&repo().join("crates"), ".snap", &mut snaps);
    files(&repo().join("tests"), ".snap", &mut snaps);
    let text: String = snaps
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    let shown = |id: &str| {
        text.match_indices(id).any(|(at, _)| {
            let next = text[at + id.len()..].chars().next();
            !next.is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
    };
    let exempt: BTreeSet<&str> = UNREACHABLE_BY_INPUT.iter().map(|(c, _)| *c).collect();
    let unshown: Vec<&str> = codes::ALL
        .iter()
        .map(|c| c.id)
        .filter(|id| !shown(id) && !exempt.contains(id))
        .collect();
    assert!(
        unshown.is_empty(),
        "no fixture snapshot shows: {unshown:#?}"
    );
    let stale: Vec<&&str> = exempt.iter().filter(|id| shown(id)).collect();
    assert!(
        stale.is_empty(),
        "shown now; remove from UNREACHABLE_BY_INPUT: {stale:#?}"
    );
    for (id, _) in UNREACHABLE_BY_INPUT {
        assert!(codes::find(id).is_some(), "{id} is not a code");
    }
}
