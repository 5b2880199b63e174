//! The library API as an embedder uses it: load, evaluate, edit an input, re-evaluate.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

use aimsc_db::{FactInput, Project};
use aimsc_eval::outcome::Outcome;

const RULES: &str = r#"
framework demo "Demo"
record System { id: string, reviewed: date? }
facts { systems: [System] }
control demo::reviewed "Systems are reviewed yearly" {
  require "reviewed in the last year" { all s in systems: s.reviewed >= today - 1 year }
}
"#;

fn outcome(p: &Project) -> Outcome {
    p.results()[0].outcome
}

#[test]
fn editing_facts_and_the_as_of_date_flips_the_outcome() {
    let facts = "systems:\n  - id: a\n    reviewed: 2026-01-10\n";
    let mut p = Project::new(
        vec![("rules.aims".into(), RULES.to_string())],
        vec![FactInput::root("facts.yaml", facts)],
        jiff::civil::date(2026, 6, 1),
    );
    assert!(p.diagnostics().is_empty(), "{:?}", p.diagnostics());
    assert_eq!(outcome(&p), Outcome::Pass);

    p.set_as_of(jiff::civil::date(2027, 6, 1));
    assert_eq!(
        outcome(&p),
        Outcome::Fail,
        "a year later the review is stale"
    );

    assert!(p.set_fact_text(
        "facts.yaml",
        "systems:\n  - id: a\n    reviewed: 2027-05-01\n".into()
    ));
    assert_eq!(outcome(&p), Outcome::Pass);

    assert!(p.set_fact_text("facts.yaml", "systems:\n  - id: a\n".into()));
    let r = &p.results()[0];
    assert_eq!(r.outcome, Outcome::Fail);
    assert_eq!(
        r.requirements[0].message,
        "not evidenced: `systems[id=a].reviewed` is missing (date?)"
    );
}

#[test]
fn editing_rules_reports_new_diagnostics_without_losing_other_items() {
    let mut p = Project::new(
        vec![("rules.aims".into(), RULES.to_string())],
        vec![FactInput::root("facts.yaml", "systems: []\n")],
        jiff::civil::date(2026, 6, 1),
    );
    let broken =
        format!("{RULES}\ncontrol demo::half \"Half typed\" {{\n  require \"x\" {{ all s in \n");
    assert!(p.set_rule_text("rules.aims", broken));
    let diags = p.diagnostics();
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0].code, "aimsc::parse::syntax");
    assert_eq!(p.results().len(), 1, "the intact control still evaluates");
    assert_eq!(outcome(&p), Outcome::Pass, "all of no systems are reviewed");
}

/// Every prefix of the example ruleset (as an author types it) parses, checks and evaluates
/// without panicking, and the complete file has no diagnostics.
#[test]
fn every_prefix_of_the_example_rules_is_handled() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let schema = std::fs::read_to_string(root.join("tests/orgs/acme/rules/schema.aims")).unwrap();
    let controls =
        std::fs::read_to_string(root.join("tests/orgs/acme/rules/controls.aims")).unwrap();
    let facts = "organisation: {name: A, ai_policy_review_period: 12 months, supplies_ai_to_customers: false}\npeople: []\nai_systems: []\n";
    let mut cuts = 0;
    for (i, _) in controls.char_indices().step_by(7) {
        let p = Project::new(
            vec![
                ("schema.aims".into(), schema.clone()),
                ("controls.aims".into(), controls[..i].to_string()),
            ],
            vec![FactInput::root("facts.yaml", facts)],
            jiff::civil::date(2026, 11, 1),
        );
        let _ = p.diagnostics();
        let _ = p.results();
        cuts += 1;
    }
    assert!(cuts > 100);
    let p = Project::new(
        vec![
            ("schema.aims".into(), schema),
            ("controls.aims".into(), controls),
        ],
        vec![FactInput::root("facts.yaml", facts)],
        jiff::civil::date(2026, 11, 1),
    );
    assert!(p.diagnostics().is_empty(), "{:?}", p.diagnostics());
}

/// Every prefix of an example facts file loads or fails with diagnostics, never a panic.
#[test]
fn every_prefix_of_an_example_facts_file_is_handled() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let schema = std::fs::read_to_string(root.join("tests/orgs/acme/rules/schema.aims")).unwrap();
    let controls =
        std::fs::read_to_string(root.join("tests/orgs/acme/rules/controls.aims")).unwrap();
    let org =
        std::fs::read_to_string(root.join("tests/orgs/acme/facts/organisation.yaml")).unwrap();
    for (i, _) in org.char_indices() {
        let p = Project::new(
            vec![
                ("schema.aims".into(), schema.clone()),
                ("controls.aims".into(), controls.clone()),
            ],
            vec![FactInput::root("organisation.yaml", &org[..i])],
            jiff::civil::date(2026, 11, 1),
        );
        let diags = p.diagnostics();
        if i == 0 {
            assert!(
                !diags.is_empty(),
                "an empty facts file lacks `organisation`"
            );
        }
        // Clean or not, every check gets a result (lists cut away are simply empty).
        assert_eq!(p.results().len(), p.model().checks.len(), "cut at {i}");
    }
}
