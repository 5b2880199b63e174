//! The evaluator at library level, table-driven: one requirement over a small organisation per
//! row, with the outcome it must have. Each row that passes has a neighbour that differs by
//! one fact or one operator and does not, so a wrong verdict in either direction fails.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

use aimsc_eval::check::{Input, build_model};
use aimsc_eval::evaluate::{DEFAULT_MAX_STEPS, Env, evaluate_check};
use aimsc_eval::outcome::Outcome::{self, Error, Fail, NotApplicable, Pass};
use std::sync::Arc;

const SCHEMA: &str = r#"framework t "Tests"
enum Tier { low, mid, high }
record Person { id: string, trained: bool? }
record Review { held: date past, by: ref Person }
record System {
  id: string
  tier: Tier
  owner: ref Person
  review: Review?
  score: int?
  tags: [string]
  name: string
}
record Audit { id: string, held: date past }
facts { systems: [System], people: [Person], audits: [Audit], threshold: int?, certified: date? past }
def high(s: System) = s.tier >= mid
def trained(p: Person) = p.trained is set and p.trained
def recent(d: date) = d >= today - 12 months and d <= today
"#;

const FACTS: &str = "
people:
  - { id: ana, trained: true }
  - { id: ben, trained: false }
  - { id: cy }
systems:
  - { id: s1, tier: high, owner: ana, score: 7, tags: [eu, hr], name: Credit scoring,
      review: { held: 2026-06-01, by: ana } }
  - { id: s2, tier: low, owner: ben, tags: [], name: Chat assistant }
threshold: 5
";

/// Evaluates `requirement` (and `applies`, when given) over `facts` as of 2026-11-01.
fn outcome(applies: Option<&str>, requirement: &str, facts: &str) -> Outcome {
    let mut rules = String::from(SCHEMA);
    rules.push_str("control t::c \"C\" {\n");
    if let Some(a) = applies {
        rules.push_str(&format!("  applies when {a}\n"));
    }
    rules.push_str(&format!("  require \"r\" {{ {requirement} }}\n}}\n"));
    let path: Arc<str> = Arc::from("rules.aims");
    let (file, syntax) = aimsc_syntax::parse(&path, &rules);
    assert!(syntax.is_empty(), "{requirement}: {syntax:?}");
    let today = jiff::civil::date(2026, 11, 1);
    let (model, diags) = build_model(
        &[Input {
            path: &path,
            text: &rules,
            file: &file,
        }],
        today,
    );
    assert!(
        diags.iter().all(|d| !d.is_error()),
        "{requirement}: {diags:?}"
    );
    let fpath: Arc<str> = Arc::from("facts.yaml");
    let root = aimsc_facts::parse_file(&fpath, 0, facts, &aimsc_facts::Limits::default()).unwrap();
    let (facts, _) =
        aimsc_eval::validate::validate(&model, vec![(fpath, Arc::from(facts))], &root, today);
    let locate = |_: &aimsc_diagnostics::Location| None;
    let env = Env {
        model: &model,
        facts: &facts,
        today,
        locate_rule: &locate,
        max_steps: DEFAULT_MAX_STEPS,
        evidence_required: true,
    };
    evaluate_check(&env, "t::c").unwrap().outcome
}

#[test]
fn requirements_over_the_organisation() {
    let table: &[(&str, Outcome)] = &[
        // Comparisons, enums ordered as declared.
        ("all s in systems: s.tier >= low", Pass),
        ("all s in systems: s.tier >= mid", Fail),
        ("any s in systems: s.tier == high", Pass),
        ("none s in systems: s.tier == high", Fail),
        ("count(systems) == 2", Pass),
        ("count(s in systems where s.tier == high) == 2", Fail),
        // A ref is followed, directly and through a def parameter.
        (
            "all s in systems where s.tier == high: s.owner.trained == true",
            Pass,
        ),
        ("all s in systems: trained(s.owner)", Fail),
        ("all s in systems where high(s): trained(s.owner)", Pass),
        ("any p in people where p.id == \"ben\": trained(p)", Fail),
        // Missing optional facts are unknown: never a pass.
        ("all s in systems: s.score > 1", Fail),
        ("all s in systems where s.score is set: s.score > 1", Pass),
        ("all s in systems where s.score is set: s.score > 7", Fail),
        (
            "all s in systems: s.score is missing or s.score >= threshold",
            Pass,
        ),
        ("all s in systems: s.score is missing or s.score > 7", Fail),
        ("all p in people: p.trained is set", Fail),
        // Lists: membership, emptiness, nested quantifiers.
        ("any s in systems: \"eu\" in s.tags", Pass),
        ("all s in systems: \"eu\" in s.tags", Fail),
        ("all s in systems: \"us\" not in s.tags", Pass),
        ("any s in systems: \"hr\" not in s.tags", Pass),
        ("all s in systems: all t in s.tags: t != \"\"", Pass),
        ("all s in systems: any t in s.tags: t == \"eu\"", Fail),
        // Text operators.
        ("any s in systems: s.name contains \"scoring\"", Pass),
        ("all s in systems: s.name starts with \"Credit\"", Fail),
        ("any s in systems: s.name matches \"Chat*\"", Pass),
        ("any s in systems: s.name ends with \"bot\"", Fail),
        // Dates and durations, through a def and a let.
        (
            "all s in systems where s.review is set: recent(s.review.held)",
            Pass,
        ),
        (
            "all s in systems where s.review is set: s.review.held >= today - 3 months",
            Fail,
        ),
        (
            "let cutoff = today - 6 months\n all s in systems where s.review is set: s.review.held >= cutoff",
            Pass,
        ),
        (
            "all s in systems where s.review is set: today - s.review.held <= 30 days",
            Fail,
        ),
    ];
    let mut wrong = Vec::new();
    for (requirement, expected) in table {
        let got = outcome(None, requirement, FACTS);
        if got != *expected {
            wrong.push(format!("{requirement}: {got:?}, expected {expected:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn applicability_and_invalid_facts() {
    let table: &[(Option<&str>, &str, &str, Outcome)] = &[
        // Not applicable when the condition is false; judged when it is true.
        (
            Some("count(systems) > 5"),
            "count(systems) > 5",
            FACTS,
            NotApplicable,
        ),
        (
            Some("count(systems) > 1"),
            "count(systems) > 5",
            FACTS,
            Fail,
        ),
        (
            Some("any s in systems: s.tier == high"),
            "count(people) == 3",
            FACTS,
            Pass,
        ),
        // An empty organisation: `all` holds of nothing, `any` does not.
        (
            None,
            "all s in systems: s.tier == high",
            "people: []\n",
            Pass,
        ),
        (
            None,
            "any s in systems: s.tier == high",
            "people: []\n",
            Fail,
        ),
        // A value the schema refuses is no evidence either way: error, not pass or fail.
        (
            None,
            "all s in systems: s.tier >= low",
            "people: [{id: ana}]\nsystems: [{id: s1, tier: huge, owner: ana, tags: [], name: X}]\n",
            Error,
        ),
        (
            None,
            "all s in systems: s.owner.trained is missing",
            "people: [{id: ana}]\nsystems: [{id: s1, tier: low, owner: zed, tags: [], name: X}]\n",
            Error,
        ),
        // A `past` date after the as-of date is invalid, whatever reads it.
        (
            None,
            "all s in systems where s.review is set: s.review.held <= today + 5 years",
            "people: [{id: ana}]\nsystems: [{id: s1, tier: low, owner: ana, tags: [], name: X, review: {held: 2027-02-01, by: ana}}]\n",
            Error,
        ),
        (
            None,
            "all s in systems where s.review is set: s.review.held <= today + 5 years",
            "people: [{id: ana}]\nsystems: [{id: s1, tier: low, owner: ana, tags: [], name: X, review: {held: 2026-02-01, by: ana}}]\n",
            Pass,
        ),
        // … at the root of the facts too …
        (None, "certified <= today", "certified: 2027-02-01\n", Error),
        (None, "certified <= today", "certified: 2026-02-01\n", Pass),
        // … and when a join on the date looks records up by it instead of reading each.
        (
            None,
            "any a in audits where a.held == 2026-01-01: a.id != \"\"",
            "audits: [{id: a1, held: 2027-02-01}]\n",
            Error,
        ),
        (
            None,
            "any a in audits where a.held == 2026-01-01: a.id != \"\"",
            "audits: [{id: a1, held: 2026-02-01}]\n",
            Fail,
        ),
        (
            None,
            "any a in audits where a.held == 2026-02-01: a.id != \"\"",
            "audits: [{id: a1, held: 2026-02-01}]\n",
            Pass,
        ),
    ];
    let mut wrong = Vec::new();
    for (applies, requirement, facts, expected) in table {
        let got = outcome(*applies, requirement, facts);
        if got != *expected {
            wrong.push(format!(
                "{applies:?} / {requirement}: {got:?}, expected {expected:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
