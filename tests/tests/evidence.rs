#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]
//! Evidence through the library: each state of an evidence item, and the same verdicts from
//! the incremental database as from a fresh one after a document changes.

use aimsc::{Engine, Options, Outcome};
use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cli/evidence_states")
}

fn engine() -> Engine {
    let mut e = Engine::builder()
        .shipped_rulesets()
        .rules_path(fixture().join("rules"))
        .build()
        .unwrap();
    e.set_facts_path(fixture().join("facts")).unwrap();
    e
}

#[test]
fn every_state_of_an_evidence_item() {
    let mut e = engine();
    let ev = e
        .evaluate(&Options::new("2026-11-01".parse().unwrap()))
        .unwrap();
    let states: Vec<(String, &'static str)> = e
        .evidence_states()
        .iter()
        .map(|(i, s)| (i.id.to_string(), s.as_str()))
        .collect();
    let want = [
        ("EV-1", "ok"),
        ("EV-2", "unverifiable"),
        ("EV-3", "missing"),
        ("EV-4", "altered"),
        ("EV-5", "stale"),
        ("EV-6", "outside"),
        ("EV-7", "outside"),
        ("EV-8", "outside"),
        ("EV-9", "no_digest"),
    ];
    let want: Vec<(String, &str)> = want.iter().map(|(a, b)| (a.to_string(), *b)).collect();
    assert_eq!(states, want);
    // Only the rules over usable evidence pass; the others are errors naming the evidence.
    for r in ev.results.iter().filter(|r| r.id.starts_with("ev::")) {
        let usable = r.id.ends_with("::ok") || r.id.ends_with("::url");
        let want = if usable {
            Outcome::Pass
        } else {
            Outcome::Error
        };
        assert_eq!(r.outcome, want, "{}: {}", r.id, r.message);
        if !usable {
            assert!(r.message.contains("evidence EV-"), "{}", r.message);
        }
    }
    // One warning per evidence item that cannot be relied on, at its record.
    let codes: Vec<&str> = ev
        .diagnostics
        .iter()
        .filter(|d| d.code.starts_with("aimsc::evidence::"))
        .map(|d| d.code)
        .collect();
    assert_eq!(codes.len(), 8, "{codes:?}");
}

#[test]
fn a_url_is_checked_for_validity_only() {
    let mut e = engine();
    // The notice was collected 2026-06-01 and a URL stays valid 12 months by default.
    let ev = e
        .evaluate(&Options::new("2027-07-01".parse().unwrap()))
        .unwrap();
    let url = ev.results.iter().find(|r| &*r.id == "ev::url").unwrap();
    assert_eq!(url.outcome, Outcome::Error, "{}", url.message);
    assert!(
        url.message.contains("evidence EV-2 expired on 2027-06-01"),
        "{}",
        url.message
    );
}

/// A file under `evidence/` that no record names, and a reference to an id no record has: the
/// library lists both (as `aimsc evidence verify` does), and the requirement that reads the
/// dangling reference does not pass.
#[test]
fn an_unreferenced_file_and_a_dangling_id() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cli/evidence_verify");
    let mut e = Engine::builder()
        .shipped_rulesets()
        .rules_path(dir.join("rules"))
        .build()
        .unwrap();
    e.set_facts_path(dir.join("facts")).unwrap();
    let ev = e
        .evaluate(&Options::new(jiff::civil::date(2026, 11, 1)))
        .unwrap();
    assert_eq!(
        aimsc::evidence::unreferenced(e.project(), &dir),
        ["evidence/unrecorded-scan.md"]
    );
    let dangling: Vec<&str> = aimsc::evidence::dangling(&ev.diagnostics)
        .into_iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(dangling.len(), 1, "{dangling:?}");
    assert!(dangling[0].contains("EV-99"), "{dangling:?}");
    let r = ev.result("ev::dangling").unwrap();
    assert_ne!(r.outcome, Outcome::Pass, "{}", r.message);
    // The other records are judged as ever.
    let ok = ev.result("ev::ok").unwrap();
    assert_eq!(ok.outcome, Outcome::Pass, "{}", ok.message);
}
