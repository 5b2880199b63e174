#![allow(clippy::panic, reason = "tests fail by panicking")]

//! Fine-grained incrementality: after an edit to one AI system's file, the database re-runs a
//! number of queries that does not grow with the organisation, and its answer is the one a
//! fresh load gives.

use aimsc_db::{Database, FactInput, Project};
use aimsc_facts::SourceRole;
use aimsc_synth::{Config, Org, record_id, yaml};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Executions per query name.
type Counts = Arc<Mutex<BTreeMap<String, usize>>>;

/// A folder-layout organisation of `n` systems, as the CLI would load it.
fn org(n: usize) -> Vec<FactInput> {
    let org = Org::generate(&Config {
        systems: n,
        seed: 7,
    });
    let mut out = vec![FactInput::root(
        "facts/aims.yaml",
        &yaml(&serde_json::Value::Object(org.root.clone())),
    )];
    for (coll, records) in &org.records {
        for rec in records {
            out.push(FactInput {
                path: Arc::from(format!("facts/{coll}/{}.yaml", record_id(rec))),
                role: SourceRole::Record((*coll).to_string()),
                text: yaml(rec),
            });
        }
    }
    out
}

fn rules() -> Vec<(Arc<str>, String)> {
    aimsc_rulesets::select(aimsc_rulesets::PREFIX)
        .into_iter()
        .map(|(p, t)| (Arc::from(p), t.to_string()))
        .collect()
}

fn as_of() -> jiff::civil::Date {
    jiff::civil::date(2026, 9, 1)
}

/// Retires `sys-1` (or puts it back into operation), which changes what many checks count.
fn edited(text: &str) -> String {
    match text.lines().find(|l| l.starts_with("lifecycle: ")) {
        Some("lifecycle: retired") => {
            text.replacen("lifecycle: retired", "lifecycle: operation", 1)
        }
        Some(line) => text.replacen(line, "lifecycle: retired", 1),
        None => panic!("sys-1 has no lifecycle"),
    }
}

/// Loads, evaluates, edits `sys-1`, re-evaluates; returns the queries the re-evaluation ran.
fn reruns_after_one_edit(n: usize) -> BTreeMap<String, usize> {
    let counts: Counts = Arc::default();
    let sink = counts.clone();
    let db = Database::with_execution_log(move |name| {
        if let Ok(mut c) = sink.lock() {
            *c.entry(name.to_string()).or_default() += 1;
        }
    });
    let facts = org(n);
    let path = "facts/ai_systems/sys-1.yaml";
    let Some(text) = facts
        .iter()
        .find(|f| &*f.path == path)
        .map(|f| f.text.clone())
    else {
        panic!("the generated organisation has no {path}");
    };
    let mut project = Project::new_in(db, rules(), facts.clone(), as_of());
    let before = project.results();
    project.diagnostics();
    if let Ok(mut c) = counts.lock() {
        c.clear();
    }

    let new_text = edited(&text);
    assert!(project.set_fact_text(path, new_text.clone()));
    let after = project.results();
    let diags = project.diagnostics();
    let reran = counts.lock().map(|c| c.clone()).unwrap_or_default();

    // The incremental answer is the fresh one.
    let fresh_facts: Vec<FactInput> = facts
        .into_iter()
        .map(|mut f| {
            if &*f.path == path {
                f.text = new_text.clone();
            }
            f
        })
        .collect();
    let fresh = Project::new(rules(), fresh_facts, as_of());
    // (Compared with `==`, not `assert_eq!`: a failure would print every result.)
    assert!(
        after == fresh.results(),
        "n={n}: incremental results differ"
    );
    assert!(
        diags == fresh.diagnostics(),
        "n={n}: incremental diagnostics differ"
    );
    assert!(diags.is_empty(), "n={n}: the generated facts have errors");
    // The edit mattered: some verdict changed.
    assert!(before != after, "n={n}: the edit changed no result");
    reran
}

#[test]
fn a_one_record_edit_reruns_work_bounded_independently_of_the_organisation_size() {
    let small = reruns_after_one_edit(100);
    let large = reruns_after_one_edit(1_000);
    // Per-record work: the chunk of records holding the edited file (which it parses again),
    // and for each quantifier over the systems, its verdict on that chunk.
    assert_eq!(small.get("chunk"), Some(&1));
    // The same queries re-run, as many times, for ten times the records; but for the sites.
    // A site over a chunk re-runs when a def verdict it read changed (`def_chunk`), and
    // whether the edited system changes a verdict on a record that refers to it (an
    // incident's `reportable(i)`) depends on which records refer to it, so the count of sites
    // may differ by a few between the two organisations, never with their size.
    let without_sites = |m: &BTreeMap<String, usize>| {
        let mut m = m.clone();
        m.remove("site_chunk");
        m
    };
    assert_eq!(without_sites(&small), without_sites(&large));
    let (s, l) = (small["site_chunk"], large["site_chunk"]);
    assert!(
        s.abs_diff(l) * 20 <= s,
        "sites re-run: {s} at 100, {l} at 1,000"
    );
    let table: String = small
        .iter()
        .map(|(name, n)| format!("{name}: {n}\n"))
        .collect();
    insta::assert_snapshot!(table);
}

/// A `set` of a param re-runs the checks that read it and no other: params are zero-argument
/// defs, and each check evaluates with only the defs it reaches.
#[test]
fn a_set_of_a_param_reruns_only_the_checks_that_read_it() {
    let counts: Counts = Arc::default();
    let sink = counts.clone();
    let db = Database::with_execution_log(move |name| {
        if let Ok(mut c) = sink.lock() {
            *c.entry(name.to_string()).or_default() += 1;
        }
    });
    let set = |months: u32| format!("set impact_reassessment_period = {months} months\n");
    let mut rules = rules();
    rules.push((Arc::from("org.aims"), set(12)));
    let facts = org(200);
    let mut project = Project::new_in(db, rules.clone(), facts.clone(), as_of());
    let before = project.results();
    if let Ok(mut c) = counts.lock() {
        c.clear();
    }
    assert!(project.set_rule_text("org.aims", set(1)));
    let after = project.results();
    let reran = counts.lock().map(|c| c.clone()).unwrap_or_default();
    // The four checks that read `impact_reassessment_period` (rulesets/README.md: A.5.2,
    // A.5.3, 8.4 and Art. 27); the 95 others keep their results without evaluating.
    assert_eq!(reran.get("check_result"), Some(&4), "{reran:?}");
    assert_eq!(reran.get("def_chunk"), None, "{reran:?}");
    // Nor is the model of any other check narrowed again.
    assert_eq!(reran.get("check_model"), Some(&4), "{reran:?}");
    if let Some(r) = rules.last_mut() {
        r.1 = set(1);
    }
    let fresh = Project::new(rules, facts, as_of());
    assert!(after == fresh.results(), "incremental results differ");
    // One month makes impact assessments stale: the verdicts of those checks moved.
    assert!(before != after, "the set changed no result");
}

/// Rewording a rule (its title) re-runs the rule's result and none of its records: a check's
/// sites read its conditions alone.
#[test]
fn rewording_a_rule_evaluates_none_of_its_records_again() {
    let counts: Counts = Arc::default();
    let sink = counts.clone();
    let db = Database::with_execution_log(move |name| {
        if let Ok(mut c) = sink.lock() {
            *c.entry(name.to_string()).or_default() += 1;
        }
    });
    let rule = |title: &str| {
        format!(
            "framework acme \"Acme\"\n\
             rule acme::owned \"{title}\" supports iso42001::A.6.2.4 {{\n  \
             all s in ai_systems where s.risk_tier == high:\n    s.owner != \"nobody\"\n}}\n"
        )
    };
    let mut rules = rules();
    rules.push((Arc::from("org.aims"), rule("Owned systems")));
    let facts = org(200);
    let mut project = Project::new_in(db, rules.clone(), facts.clone(), as_of());
    let before = project.results();
    if let Ok(mut c) = counts.lock() {
        c.clear();
    }
    assert!(project.set_rule_text("org.aims", rule("Systems with owners")));
    let after = project.results();
    let reran = counts.lock().map(|c| c.clone()).unwrap_or_default();
    assert_eq!(reran.get("site_chunk"), None, "{reran:?}");
    assert_eq!(reran.get("check_result"), Some(&1), "{reran:?}");
    let title = |rs: &[aimsc_eval::outcome::CheckResult]| {
        rs.iter()
            .find(|r| &*r.id == "acme::owned")
            .map(|r| r.title.to_string())
    };
    assert_eq!(title(&before).as_deref(), Some("Owned systems"));
    assert_eq!(title(&after).as_deref(), Some("Systems with owners"));
    if let Some(r) = rules.last_mut() {
        r.1 = rule("Systems with owners");
    }
    let fresh = Project::new(rules, facts, as_of());
    assert!(after == fresh.results(), "incremental results differ");
}
