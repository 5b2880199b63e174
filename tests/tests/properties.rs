#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]
//! Property tests: generated rules and facts, and what must hold for all of them.
//! - `fmt` is idempotent and keeps the syntax tree, however the input is laid out;
//! - a verdict does not depend on the order of facts files or of records;
//! - the JSON report reads back into the library's types and writes the same bytes.

use aimsc::{Date, Engine, FactInput, Format, Options, RenderOptions, ReportData};
use aimsc_tests::tree_without_spans;
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::sync::Arc;

const SCHEMA: &str = r#"framework demo "Demo"
enum Tier { minimal, limited, high }
record Person { id: string, name: string, email: string }
record Assessment { date: date, score: decimal? }
record System {
  id: string
  tier: Tier
  owner: ref Person
  assessment: Assessment?
  monitored: bool?
  tags: [string]
}
facts {
  people: [Person]
  systems: [System]
}
def risky(s: System) = s.tier >= high
"#;

/// Whitespace and comments the formatter must lay out without changing the meaning.
fn gap() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        " ",
        " ",
        " ",
        "  ",
        "\n",
        "\n\n",
        "\t",
        " // note\n",
        "\r\n",
        "\n    ",
    ])
}

/// A condition on the system `s`.
fn body() -> impl Strategy<Value = String> {
    let atom = prop::sample::select(vec![
        "s.monitored == true",
        "s.monitored != false",
        "s.tier >= high",
        "s.tier == minimal",
        "s.owner.email ends with \"@acme.example\"",
        "\"gdpr\" in s.tags",
        "s.assessment.date >= today - 6 months",
        "s.assessment.score > 0.5",
        "risky(s)",
        "s.monitored is set",
    ])
    .prop_map(str::to_string);
    atom.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (inner.clone(), gap(), gap(), inner.clone())
                .prop_map(|(a, g, h, b)| format!("{a}{g}and{h}{b}")),
            (inner.clone(), gap(), gap(), inner.clone())
                .prop_map(|(a, g, h, b)| format!("{a}{g}or{h}{b}")),
            (gap(), inner.clone()).prop_map(|(g, a)| format!("not{g}({a})")),
            (gap(), inner).prop_map(|(g, a)| format!("({g}{a}{g})")),
        ]
    })
}

/// A requirement's condition over the collections.
fn condition() -> impl Strategy<Value = String> {
    let quantified = (
        prop::sample::select(vec!["all", "any", "none"]),
        prop::option::of(Just("where risky(s)")),
        gap(),
        body(),
    )
        .prop_map(|(q, filter, g, b)| {
            let filter = filter.map(|f| format!(" {f}")).unwrap_or_default();
            format!("{q} s in systems{filter}:{g}{b}")
        });
    let counted = (0u8..4).prop_map(|n| format!("count(systems) >= {n}"));
    let one = prop_oneof![4 => quantified, 1 => counted];
    one.prop_recursive(2, 4, 2, |inner| {
        (
            inner.clone(),
            gap(),
            prop::sample::select(vec!["and", "or"]),
            inner,
        )
            .prop_map(|(a, g, op, b)| format!("({a}){g}{op} ({b})"))
    })
}

/// A rule file: the schema, then controls of generated requirements, laid out at random.
fn rules() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::collection::vec((condition(), gap()), 1..4), 1..4).prop_map(
        |controls| {
            let mut out = SCHEMA.to_string();
            for (i, reqs) in controls.iter().enumerate() {
                out.push_str(&format!("control demo::c{i} \"Control {i}\" {{"));
                for (j, (cond, g)) in reqs.iter().enumerate() {
                    out.push_str(&format!("{g}require \"r{j}\"{g}{{{g}{cond}{g}}}"));
                }
                out.push_str("\n}\n");
            }
            out
        },
    )
}

/// A system record as YAML, owned by one of `people` people.
fn system(people: usize) -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["minimal", "limited", "high"]),
        0..people,
        prop::option::of(any::<bool>()),
        prop::option::of((1u8..=12, prop::option::of(0u8..=10))),
        prop::collection::vec(prop::sample::select(vec!["gdpr", "hr", "x"]), 0..3),
    )
        .prop_map(|(tier, owner, monitored, assessment, tags)| {
            let mut s = format!("    tier: {tier}\n    owner: p{owner}\n");
            if let Some(m) = monitored {
                s.push_str(&format!("    monitored: {m}\n"));
            }
            if let Some((month, score)) = assessment {
                s.push_str(&format!(
                    "    assessment:\n      date: 2026-{month:02}-01\n"
                ));
                if let Some(score) = score {
                    s.push_str(&format!("      score: {}\n", f64::from(score) / 10.0));
                }
            }
            s.push_str(&format!("    tags: [{}]\n", tags.join(", ")));
            s
        })
}

/// People and systems (ids assigned in order), each list a YAML list of items.
fn records() -> impl Strategy<Value = (Vec<String>, Vec<String>)> {
    (1usize..4).prop_flat_map(|people| {
        let persons: Vec<String> = (0..people)
            .map(|i| {
                let domain = if i % 2 == 0 {
                    "acme.example"
                } else {
                    "mail.example"
                };
                format!("  - id: p{i}\n    name: P{i}\n    email: p{i}@{domain}\n")
            })
            .collect();
        prop::collection::vec(system(people), 0..8).prop_map(move |systems| {
            let systems = systems
                .iter()
                .enumerate()
                .map(|(i, body)| format!("  - id: s{i}\n{body}"))
                .collect();
            (persons.clone(), systems)
        })
    })
}

/// Two root facts files: people in one, systems in the other.
fn facts_files(people: &[String], systems: &[String], people_first: bool) -> Vec<FactInput> {
    let people = FactInput::root("people.yaml", &format!("people:\n{}", people.concat()));
    let systems = FactInput::root(
        "systems.yaml",
        &if systems.is_empty() {
            "systems: []\n".to_string()
        } else {
            format!("systems:\n{}", systems.concat())
        },
    );
    if people_first {
        vec![people, systems]
    } else {
        vec![systems, people]
    }
}

/// What a verdict is, apart from the order it was found in: per control and requirement,
/// the outcome, and for requirements that do not pass, the records that fail them.
type Verdicts = BTreeMap<(String, String), (aimsc::Outcome, Vec<String>)>;

fn verdicts(results: &[aimsc::CheckResult]) -> Verdicts {
    fn failing(ex: &aimsc::Explanation, out: &mut Vec<String>) {
        if let Some(r) = &ex.records {
            for f in &r.findings {
                out.push(format!("{} {:?}", f.record, f.result));
                failing(&f.explanation, out);
            }
        }
        for c in &ex.children {
            failing(c, out);
        }
    }
    let mut out = Verdicts::new();
    for r in results {
        out.insert((r.id.to_string(), String::new()), (r.outcome, Vec::new()));
        for q in &r.requirements {
            let mut records = Vec::new();
            if q.outcome != aimsc::Outcome::Pass {
                failing(&q.explanation, &mut records);
            }
            records.sort();
            records.dedup();
            out.insert((r.id.to_string(), q.name.to_string()), (q.outcome, records));
        }
    }
    out
}

fn as_of() -> Date {
    Date::constant(2026, 11, 1)
}

fn evaluate(engine: &mut Engine, facts: Vec<FactInput>) -> aimsc::Evaluation {
    engine.set_facts(facts);
    engine.evaluate(&Options::new(as_of())).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn fmt_is_idempotent_and_keeps_the_tree(text in rules()) {
        let path: Arc<str> = Arc::from("gen.aims");
        let once = aimsc_syntax::format::format_source(&path, &text)
            .map_err(|d| TestCaseError::fail(format!("generated rules do not parse: {d:?}\n{text}")))?;
        prop_assert_eq!(&aimsc_syntax::format::format(&once), &once, "formatting again changed it");
        prop_assert_eq!(tree_without_spans(&path, &text), tree_without_spans(&path, &once));
    }

    #[test]
    fn verdicts_do_not_depend_on_file_or_record_order(
        text in rules(),
        (people, systems) in records(),
        seed in any::<u64>(),
    ) {
        let mut engine = Engine::builder().rules_source("gen.aims", &text).build().unwrap();
        let first = evaluate(&mut engine, facts_files(&people, &systems, true));
        prop_assert!(!first.has_errors(), "{:?}", first.diagnostics);
        // The same records in another order, and the files the other way round.
        let mut people2 = people.clone();
        let mut systems2 = systems.clone();
        shuffle(&mut people2, seed);
        shuffle(&mut systems2, seed.rotate_left(17));
        let second = evaluate(&mut engine, facts_files(&people2, &systems2, false));
        prop_assert_eq!(verdicts(&first.results), verdicts(&second.results));
        // A fresh engine on the first order gives the first report, byte for byte.
        let mut fresh = Engine::builder().rules_source("gen.aims", &text).build().unwrap();
        let again = evaluate(&mut fresh, facts_files(&people, &systems, true));
        let options = RenderOptions::default();
        prop_assert_eq!(first.render(Format::Json, &options), again.render(Format::Json, &options));
    }

    #[test]
    fn the_json_report_round_trips_through_the_library_types(
        text in rules(),
        (people, systems) in records(),
    ) {
        let mut engine = Engine::builder().rules_source("gen.aims", &text).build().unwrap();
        let evaluation = evaluate(&mut engine, facts_files(&people, &systems, true));
        let json = evaluation.render(Format::Json, &RenderOptions::default());
        let read = ReportData::from_json(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&read.results, &evaluation.results);
        prop_assert_eq!(read.to_json(), json);
    }
}

proptest! {
    // The shipped rulesets over synthetic organisations: fewer cases, each is larger.
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn shipped_verdicts_do_not_depend_on_the_order_of_record_files(
        seed in any::<u64>(),
        systems in 2usize..10,
        shuffle_seed in any::<u64>(),
    ) {
        let org = aimsc_synth::Org::generate(&aimsc_synth::Config { systems, seed });
        let mut files = vec![FactInput::root(
            "facts/aims.yaml",
            &aimsc_synth::yaml(&serde_json::Value::Object(org.root.clone())),
        )];
        for (collection, list) in &org.records {
            for rec in list {
                let path = format!("{collection}/{}.yaml", aimsc_synth::record_id(rec));
                let mut input = aimsc::fact_input(&path, aimsc_synth::yaml(rec)).unwrap();
                input.path = Arc::from(format!("facts/{path}"));
                files.push(input);
            }
        }
        let mut engine = Engine::builder().shipped_rulesets().build().unwrap();
        let first = evaluate(&mut engine, files.clone());
        let mut shuffled = files;
        shuffle(&mut shuffled, shuffle_seed);
        let second = evaluate(&mut engine, shuffled);
        prop_assert_eq!(verdicts(&first.results), verdicts(&second.results));
        let json = first.render(Format::Json, &RenderOptions::default());
        prop_assert_eq!(ReportData::from_json(&json).unwrap().to_json(), json);
    }
}

/// A deterministic shuffle (Fisher–Yates over a xorshift sequence), so that a failing case
/// replays from its seed.
fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut x = seed | 1;
    for i in (1..items.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let j = (x % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}
