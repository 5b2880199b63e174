//! No cliff: the whole pipeline a user runs (facts text parsed, validated, evaluated, and the
//! JSON report with every explanation rendered) at N and at 10·N systems, for facts as
//! single-line JSON, pretty JSON and YAML. Each tenfold may cost at most 15 times as much:
//! linear work with fixed costs stays well under that, and anything quadratic (such as
//! counting characters from the start of a 30 MB line for every located record) far over it.
//!
//! `cargo test -p aimsc-bench --bench scaling` runs it at 200 and 2,000 systems (the smoke
//! run); `cargo bench -p aimsc-bench --bench scaling` at 1,000 and 10,000.

// A scaling test that finds a cliff must fail the run.
#![allow(clippy::panic)]

use aimsc_bench::{POLICY_AIMS, SEED, measuring};
use aimsc_synth::{Config, Org};
use std::time::{Duration, Instant};

/// The most a tenfold increase of the facts may multiply the time by.
const MAX_RATIO: f64 = 15.0;

fn facts(n: usize, encoding: &str) -> (&'static str, String) {
    let org = Org::generate(&Config {
        systems: n,
        seed: SEED,
    });
    match encoding {
        "json-line" => ("facts.json", org.to_value().to_string()),
        "json-pretty" => (
            "facts.json",
            serde_json::to_string_pretty(&org.to_value()).unwrap_or_default(),
        ),
        _ => ("facts.yaml", org.to_yaml()),
    }
}

/// One whole run: a fresh engine over the schema and the peer policy, the facts set from
/// text, every check evaluated and the JSON report rendered. Returns the report's length.
fn pipeline(name: &str, text: &str) -> usize {
    let schema = aimsc_rulesets::select("@aimsc/iso42001/schema.aims");
    let mut builder = aimsc::Engine::builder();
    for (path, source) in schema {
        builder = builder.rules_source(path, source.to_string());
    }
    let Ok(mut engine) = builder.rules_source("policy.aims", POLICY_AIMS).build() else {
        panic!("the peer policy does not build");
    };
    let Ok(input) = aimsc::fact_input(name, text) else {
        panic!("{name} is not a facts path");
    };
    engine.set_facts(vec![input]);
    let Ok(evaluation) = engine.evaluate(&aimsc::Options::new(aimsc_bench::as_of())) else {
        panic!("the evaluation failed");
    };
    evaluation
        .render(aimsc::Format::Json, &aimsc::RenderOptions::default())
        .len()
}

/// The fastest of three runs: the least disturbed by the machine.
fn time(name: &str, text: &str) -> Duration {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(pipeline(name, text));
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let (n, big) = if measuring() {
        (1_000, 10_000)
    } else {
        (200, 2_000)
    };
    let mut cliffs = Vec::new();
    for encoding in ["json-line", "json-pretty", "yaml"] {
        let (name, empty_text) = facts(0, encoding);
        let (_, small_text) = facts(n, encoding);
        let (_, big_text) = facts(big, encoding);
        // What does not grow with the facts (checking the rules, the report's frame) is
        // taken off both, so that the ratio is that of the work per record.
        let fixed = time(name, &empty_text).as_secs_f64();
        let (a, b) = (time(name, &small_text), time(name, &big_text));
        let ratio = (b.as_secs_f64() - fixed) / (a.as_secs_f64() - fixed).max(1e-6);
        eprintln!(
            "scaling {encoding}: fixed {:.1} ms, {n} systems {:.1} ms, {big} systems {:.1} ms: {ratio:.1}× per tenfold",
            fixed * 1e3,
            a.as_secs_f64() * 1e3,
            b.as_secs_f64() * 1e3
        );
        if ratio > MAX_RATIO {
            cliffs.push(format!("{encoding}: {ratio:.1}×"));
        }
    }
    assert!(
        cliffs.is_empty(),
        "cost grows faster than linearly (limit {MAX_RATIO}× per tenfold): {cliffs:?}"
    );
}
