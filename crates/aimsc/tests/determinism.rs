#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]
//! The same inputs and as-of date give byte-identical JSON, SARIF, OSCAL and Statement of
//! Applicability output: across runs, across threads evaluating at once, and across the order
//! the facts files are given in. Checked on every example organisation in `tests/orgs`.

use aimsc::{Date, Engine, FactInput, Format, Options, RenderOptions};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn orgs() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/orgs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("aims.toml").is_file())
        .collect();
    out.sort();
    assert!(
        out.len() >= 4,
        "the example organisations are missing: {out:?}"
    );
    out
}

/// An organisation's rules (its own and the shipped rulesets) and facts files, as aims.toml
/// names them, in the order the folder rule gives.
fn load(org: &Path) -> (Vec<(String, String)>, Vec<FactInput>) {
    let cfg = aimsc_db::config::read_config(&org.join("aims.toml")).unwrap();
    let mut rules = Vec::new();
    for p in &cfg.rules {
        let full = if p.to_string_lossy().starts_with('@') {
            p.clone()
        } else {
            org.join(p)
        };
        for (path, text) in aimsc_db::config::rule_files(&full).unwrap() {
            rules.push((path.to_string(), text));
        }
    }
    let facts = aimsc_facts::discover(&org.join(cfg.facts.unwrap()), &Default::default())
        .unwrap()
        .sources
        .into_iter()
        .map(|mut f| {
            // Paths relative to the organisation, so that reports do not name this machine.
            f.path = f.path.replace(&format!("{}/", org.display()), "").into();
            FactInput::from(f)
        })
        .collect();
    (rules, facts)
}

fn as_of() -> Date {
    Date::constant(2026, 11, 1)
}

/// Every deterministic output of one fresh evaluation.
fn outputs(rules: &[(String, String)], facts: Vec<FactInput>) -> Vec<(String, String)> {
    let mut builder = Engine::builder();
    for (path, text) in rules {
        builder = builder.rules_source(path, text.clone());
    }
    let mut engine = builder.build().unwrap();
    engine.set_facts(facts);
    let evaluation = engine.evaluate(&Options::new(as_of())).unwrap();
    let options = RenderOptions::default();
    let mut out: Vec<(String, String)> = [Format::Json, Format::Sarif, Format::Oscal]
        .into_iter()
        .map(|f| (format!("{f:?}"), evaluation.render(f, &options)))
        .collect();
    let project = engine.project();
    let soa = aimsc_report::soa::build(
        &project.model(),
        &project.results(),
        "iso42001",
        &as_of().to_string(),
        evaluation.overrides(),
        &evaluation.inputs().evidence,
    );
    out.push(("soa.json".into(), aimsc_report::soa::json(&soa)));
    out.push(("soa.md".into(), aimsc_report::soa::markdown(&soa)));
    out.push(("soa.csv".into(), aimsc_report::soa::csv(&soa)));
    out
}

fn assert_same(what: &str, a: &[(String, String)], b: &[(String, String)]) {
    assert_eq!(a.len(), b.len());
    for ((fa, xa), (fb, xb)) in a.iter().zip(b) {
        assert_eq!(fa, fb);
        assert!(xa == xb, "{what}: the {fa} output differs");
    }
}

/// A fixed permutation that moves every element (reversal, then a rotation).
fn scrambled<T: Clone>(items: &[T]) -> Vec<T> {
    let mut v: Vec<T> = items.iter().rev().cloned().collect();
    let n = v.len();
    if n > 2 {
        v.rotate_left(n / 3);
    }
    v
}

#[test]
fn the_same_inputs_give_the_same_bytes_across_runs_and_file_orders() {
    for org in orgs() {
        let name = org.file_name().unwrap().to_string_lossy().into_owned();
        let (rules, facts) = load(&org);
        assert!(
            facts.len() > 1 || name == "acme",
            "{name}: one facts file only"
        );
        let first = outputs(&rules, facts.clone());
        assert!(
            first.iter().all(|(_, text)| text.len() > 100),
            "{name}: an output is empty"
        );
        assert_same(
            &format!("{name}, second run"),
            &first,
            &outputs(&rules, facts.clone()),
        );
        assert_same(
            &format!("{name}, facts files in another order"),
            &first,
            &outputs(&rules, scrambled(&facts)),
        );
        assert_same(
            &format!("{name}, rule files in another order"),
            &first,
            &outputs(&scrambled(&rules), facts),
        );
    }
}

#[test]
fn record_files_in_any_order_give_the_same_bytes() {
    // A synthetic organisation large enough that requirements fail on many records, whose
    // order in the reports would show any dependence on the order of the files.
    let org = aimsc_synth::Org::generate(&aimsc_synth::Config {
        systems: 40,
        seed: 11,
    });
    let mut facts = vec![FactInput::root(
        "facts/aims.yaml",
        &aimsc_synth::yaml(&serde_json::Value::Object(org.root.clone())),
    )];
    for (collection, list) in &org.records {
        for rec in list {
            let path = format!("{collection}/{}.yaml", aimsc_synth::record_id(rec));
            let mut f = aimsc::fact_input(&path, aimsc_synth::yaml(rec)).unwrap();
            f.path = format!("facts/{path}").into();
            facts.push(f);
        }
    }
    let rules = load(&repo().join("tests/orgs/acme")).0;
    let first = outputs(&rules, facts.clone());
    let json = &first[0].1;
    assert!(
        json.matches("\"record\"").count() > 20,
        "too few failing records to show an order"
    );
    assert_same(
        "synthetic, files reversed and rotated",
        &first,
        &outputs(&rules, scrambled(&facts)),
    );
}

#[test]
fn threads_evaluating_at_once_give_the_bytes_of_one_thread() {
    type Loaded = (String, Vec<(String, String)>, Vec<FactInput>);
    let loaded: Vec<Loaded> = orgs()
        .iter()
        .map(|o| {
            let (r, f) = load(o);
            (o.display().to_string(), r, f)
        })
        .collect();
    let alone: Vec<Vec<(String, String)>> = loaded
        .iter()
        .map(|(_, r, f)| outputs(r, f.clone()))
        .collect();
    for threads in [2, 4, 8] {
        let together: Vec<Vec<(String, String)>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|i| {
                    let (_, r, f) = &loaded[i % loaded.len()];
                    s.spawn(move || outputs(r, f.clone()))
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (i, out) in together.iter().enumerate() {
            let org = &loaded[i % loaded.len()].0;
            assert_same(
                &format!("{org}, one of {threads} threads"),
                &alone[i % loaded.len()],
                out,
            );
        }
    }
}
