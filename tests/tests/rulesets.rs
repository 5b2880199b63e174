//! The shipped rulesets: complete, clean, non-vacuous, and in step with the reference data.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

use aimsc_db::{FactInput, Project};
use aimsc_eval::model::{CheckKind, Model, Relation};
use aimsc_eval::outcome::Outcome;
use aimsc_eval::reads::expr_reads;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn shipped() -> Project {
    let rules = aimsc_rulesets::FILES
        .iter()
        .map(|(p, t)| (Arc::from(*p), t.to_string()))
        .collect();
    Project::new(rules, Vec::new(), jiff::civil::date(2026, 11, 1))
}

fn model() -> Arc<Model> {
    shipped().model()
}

/// Clauses 4.1-10.2 with requirements (the level-2 and level-3 entries of the standard).
const CLAUSES: &[&str] = &[
    "4.1", "4.2", "4.3", "4.4", "5.1", "5.2", "5.3", "6.1", "6.1.1", "6.1.2", "6.1.3", "6.1.4",
    "6.2", "6.3", "7.1", "7.2", "7.3", "7.4", "7.5", "7.5.1", "7.5.2", "7.5.3", "8.1", "8.2",
    "8.3", "8.4", "9.1", "9.2", "9.2.1", "9.2.2", "9.3", "9.3.1", "9.3.2", "9.3.3", "10.1", "10.2",
];

/// The 38 Annex A controls.
const ANNEX_A: &[&str] = &[
    "A.2.2", "A.2.3", "A.2.4", "A.3.2", "A.3.3", "A.4.2", "A.4.3", "A.4.4", "A.4.5", "A.4.6",
    "A.5.2", "A.5.3", "A.5.4", "A.5.5", "A.6.1.2", "A.6.1.3", "A.6.2.2", "A.6.2.3", "A.6.2.4",
    "A.6.2.5", "A.6.2.6", "A.6.2.7", "A.6.2.8", "A.7.2", "A.7.3", "A.7.4", "A.7.5", "A.7.6",
    "A.8.2", "A.8.3", "A.8.4", "A.8.5", "A.9.2", "A.9.3", "A.9.4", "A.10.2", "A.10.3", "A.10.4",
];

const ARTICLES: &[u32] = &[
    4, 5, 6, 9, 10, 11, 12, 13, 14, 15, 16, 17, 19, 22, 23, 24, 26, 27, 43, 49, 50, 53, 55, 72, 73,
];

#[test]
fn the_shipped_rulesets_check_clean() {
    let p = shipped();
    assert!(p.diagnostics().is_empty(), "{:#?}", p.diagnostics());
}

#[test]
fn every_iso42001_clause_and_annex_a_control_is_a_control() {
    let m = model();
    assert_eq!(ANNEX_A.len(), 38);
    assert_eq!(CLAUSES.len(), 36);
    for id in CLAUSES.iter().chain(ANNEX_A) {
        let full = format!("iso42001::{id}");
        let c = m
            .checks
            .get(full.as_str())
            .unwrap_or_else(|| panic!("{full} is missing"));
        assert_eq!(c.kind, CheckKind::Control, "{full}");
        assert!(c.intent.is_some(), "{full} has no intent");
    }
    let annex: usize = m
        .checks
        .keys()
        .filter(|k| k.starts_with("iso42001::A."))
        .count();
    assert_eq!(annex, 38, "no Annex A control beyond the 38");
}

#[test]
fn every_requested_eu_ai_act_article_is_a_control() {
    let m = model();
    for a in ARTICLES {
        let id = format!("eu_ai_act::Art.{a}");
        assert_eq!(
            m.checks.get(id.as_str()).map(|c| c.kind),
            Some(CheckKind::Control),
            "{id}"
        );
    }
}

/// Every field of the shipped schema says what it holds, in one sentence that ends with a full
/// stop: `explain --schema`, hover and the missing-fact messages show it.
#[test]
fn every_shipped_field_is_documented_in_one_sentence() {
    let m = model();
    let mut undocumented = Vec::new();
    let fields = m.root.values().map(|f| ("facts", f)).chain(
        m.records
            .values()
            .flat_map(|r| r.fields.values().map(move |f| (&*r.name, f))),
    );
    for (record, f) in fields {
        let ok = f.doc.as_deref().is_some_and(|d| {
            d.ends_with('.') && d.chars().next().is_some_and(char::is_uppercase) && d.len() < 200
        });
        if !ok {
            undocumented.push(format!("{record}.{}", f.name));
        }
    }
    assert!(
        undocumented.is_empty(),
        "fields without a one-sentence doc: {undocumented:?}"
    );
}

#[test]
fn every_requirement_of_every_control_reads_facts() {
    let m = model();
    let mut checked = 0;
    for c in m.checks.values() {
        assert!(!c.requires.is_empty(), "{} has no requirement", c.id);
        for r in &c.requires {
            let reads = expr_reads(&m, &r.expr, r.slots);
            assert!(!reads.is_empty(), "{} / {:?} reads no facts", c.id, r.name);
            checked += 1;
        }
    }
    assert!(checked > 150, "only {checked} requirements");
}

/// With no facts at all (an organisation that has written nothing), no control passes through
/// anything but its applicability: each one that applies fails, naming what is missing.
#[test]
fn an_empty_organisation_passes_almost_nothing() {
    let rules = aimsc_rulesets::FILES
        .iter()
        .map(|(p, t)| (Arc::from(*p), t.to_string()))
        .collect();
    let facts =
        "organisation:\n  name: Empty\n  supplies_ai_to_customers: false\n  eu_market: true\n";
    let p = Project::new(
        rules,
        vec![FactInput::root("facts.yaml", facts)],
        jiff::civil::date(2026, 11, 1),
    );
    assert!(p.diagnostics().is_empty(), "{:#?}", p.diagnostics());
    let passing: Vec<String> = p
        .results()
        .iter()
        .filter(|r| r.outcome == Outcome::Pass)
        .map(|r| r.id.to_string())
        .collect();
    // Only "no nonconformity is left untreated" holds when there are no nonconformities.
    let expected: BTreeSet<&str> = ["iso42001::10.2"].into_iter().collect();
    let got: BTreeSet<&str> = passing.iter().map(String::as_str).collect();
    assert_eq!(got, expected);
}

#[test]
fn catalogs_hold_the_whole_standards() {
    let m = model();
    let count = |prefix: &str| m.entries.keys().filter(|k| k.starts_with(prefix)).count();
    assert_eq!(count("iso27001::A."), 93);
    assert_eq!(count("nist_ai_rmf::"), 72);
    assert!(count("iso27701::A.7.") > 20 && count("iso27701::B.8.") > 10);
}

#[test]
fn every_mapping_has_a_provenance() {
    let m = model();
    assert!(m.mappings.len() > 500);
    for map in &m.mappings {
        assert!(map.provenance.is_some(), "{} -> {}", map.source, map.target);
    }
}

/// `../shared/reference`, beside the repository (CI has it; a clone alone may not).
fn shared_reference() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference");
    p.is_dir().then_some(p)
}

/// The subset of the reference data these tests need, kept in the repository so that every
/// checkout checks the rulesets against it (see tests/reference/README.md).
fn subset(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("reference")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn relation(s: &str) -> Relation {
    match s {
        "equal" => Relation::Equal,
        "subset" => Relation::Subset,
        "superset" => Relation::Superset,
        "intersect" => Relation::Intersect,
        "related" => Relation::Related,
        other => panic!("`{other}` is not a relation"),
    }
}

fn relation_name(r: Relation) -> &'static str {
    match r {
        Relation::Equal => "equal",
        Relation::Subset => "subset",
        Relation::Superset => "superset",
        Relation::Intersect => "intersect",
        Relation::Related => "related",
    }
}

type Crosswalk = BTreeSet<(String, String, Relation)>;

/// Every crosswalk line of the reference data, as (ISO 42001 id, target, relation).
fn crosswalks_of(dir: &Path) -> Crosswalk {
    let text = std::fs::read_to_string(dir.join("crosswalks.yaml")).unwrap();
    let y: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    let mut expected = Crosswalk::new();
    let s = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    for m in y["iso42001_to_eu_ai_act"]["mappings"].as_array().unwrap() {
        for a in m["articles"].as_array().unwrap() {
            expected.insert((
                s(&m["iso42001"]),
                format!("eu_ai_act::Art.{a}"),
                relation(m["relation"].as_str().unwrap()),
            ));
        }
    }
    for (key, ns) in [
        ("iso42001_to_iso27001", "iso27001"),
        ("iso42001_to_iso27701", "iso27701"),
    ] {
        for part in ["clauses", "annex_a"] {
            for m in y[key][part]["mappings"].as_array().unwrap() {
                // A line without a relation records that nothing corresponds.
                let Some(rel) = m["relation"].as_str() else {
                    continue;
                };
                let targets: Vec<String> = match m.get("ids") {
                    Some(ids) => ids.as_array().unwrap().iter().map(s).collect(),
                    None => vec![s(m.get("iso27001").or(m.get("iso27701_2019")).unwrap())],
                };
                for t in targets {
                    expected.insert((s(&m["iso42001"]), format!("{ns}::{t}"), relation(rel)));
                }
            }
        }
    }
    for m in y["iso42001_to_nist_ai_rmf"]["pairs"].as_array().unwrap() {
        let t = s(&m["nist_ai_rmf"]).replace(' ', "-");
        expected.insert((
            s(&m["iso42001"]),
            format!("nist_ai_rmf::{t}"),
            relation(m["relation"].as_str().unwrap()),
        ));
    }
    expected
}

/// The Annex A controls of the reference data, as (id, official short title).
fn annex_a_of(dir: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(dir.join("iso42001-annex-a.yaml")).unwrap();
    let y: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    let mut out = Vec::new();
    for d in y["annex_a"]["domains"].as_array().unwrap() {
        for c in d["controls"].as_array().unwrap() {
            out.push((
                c["id"].as_str().unwrap().to_string(),
                c["title"].as_str().unwrap().to_string(),
            ));
        }
    }
    out
}

fn crosswalks_tsv(c: &Crosswalk) -> String {
    let mut out = String::from("# iso42001\ttarget\trelation\n");
    for (a, b, r) in c {
        out.push_str(&format!("{a}\t{b}\t{}\n", relation_name(*r)));
    }
    out
}

fn annex_a_tsv(rows: &[(String, String)]) -> String {
    let mut out = String::from("# id\ttitle\n");
    for (id, title) in rows {
        out.push_str(&format!("{id}\t{title}\n"));
    }
    out
}

fn rows(tsv: &str) -> Vec<Vec<&str>> {
    tsv.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split('\t').collect())
        .collect()
}

/// Every crosswalk line of the reference data is shipped, with its relation, and nothing else.
#[test]
fn crosswalks_agree_with_the_reference_data() {
    let text = subset("crosswalks.tsv");
    let expected: Crosswalk = rows(&text)
        .into_iter()
        .map(|r| {
            assert_eq!(r.len(), 3, "{r:?}");
            (r[0].to_string(), r[1].to_string(), relation(r[2]))
        })
        .collect();
    assert!(expected.len() > 300, "{} lines", expected.len());
    let model = model();
    let shipped: Crosswalk = model
        .mappings
        .iter()
        .map(|m| {
            (
                m.source.trim_start_matches("iso42001::").to_string(),
                m.target.to_string(),
                m.relation,
            )
        })
        .collect();
    let missing: Vec<_> = expected.difference(&shipped).collect();
    let extra: Vec<_> = shipped.difference(&expected).collect();
    assert!(missing.is_empty(), "not shipped: {missing:#?}");
    assert!(extra.is_empty(), "not in the reference: {extra:#?}");
}

/// Ids and titles of the Annex A controls match the reference data.
#[test]
fn annex_a_titles_agree_with_the_reference_data() {
    let m = model();
    let text = subset("annex_a.tsv");
    let rows = rows(&text);
    for r in &rows {
        let id = format!("iso42001::{}", r[0]);
        assert_eq!(m.title_of(&id).map(|t| &**t), Some(r[1]), "{id}");
    }
    assert_eq!(rows.len(), 38);
}

/// The repository's subset is what `../shared/reference` gives, when it is there (it is in CI).
/// `AIMSC_WRITE_REFERENCE=1` rewrites the subset from it.
#[test]
fn the_reference_subset_is_the_shared_reference_data() {
    let Some(dir) = shared_reference() else {
        eprintln!("../shared/reference is absent: the in-repository subset was checked alone");
        return;
    };
    let crosswalks = crosswalks_tsv(&crosswalks_of(&dir));
    let annex_a = annex_a_tsv(&annex_a_of(&dir));
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("reference");
    if std::env::var_os("AIMSC_WRITE_REFERENCE").is_some() {
        std::fs::write(here.join("crosswalks.tsv"), &crosswalks).unwrap();
        std::fs::write(here.join("annex_a.tsv"), &annex_a).unwrap();
    }
    assert_eq!(
        subset("crosswalks.tsv"),
        crosswalks,
        "run with AIMSC_WRITE_REFERENCE=1"
    );
    assert_eq!(
        subset("annex_a.tsv"),
        annex_a,
        "run with AIMSC_WRITE_REFERENCE=1"
    );
}
