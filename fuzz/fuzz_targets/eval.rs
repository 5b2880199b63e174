//! Check and evaluate: rules and facts (YAML) from the input, split at the first NUL byte.
//! Seeded with the repository's rules-and-facts pairs, mutations are rules and facts that
//! mostly parse. No panic; every diagnostic inside its file; and a second, fresh project on
//! the same input renders the same JSON and SARIF (evaluation is deterministic).
#![no_main]

use aimsc::{Date, Engine, FactInput, Format, Limits, Options, Project, RenderOptions};
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fn run(rules: &str, facts: &str) -> (String, String) {
    // A small step budget keeps each run short; going over it is an outcome under test too.
    let limits = Limits {
        max_steps: 20_000,
        ..Limits::default()
    };
    let project = Project::with_limits(
        aimsc_db::Database::default(),
        vec![(Arc::from("rules.aims"), rules.to_string())],
        vec![FactInput::root("facts.yaml", facts)],
        Date::constant(2026, 11, 1),
        limits,
    );
    aimsc_tests::assert_spans_inside(&project.diagnostics(), |p| match p {
        "rules.aims" => Some(rules),
        "facts.yaml" => Some(facts),
        _ => None,
    });
    let mut engine = Engine::from_project(project);
    let Ok(evaluation) = engine.evaluate(&Options::new(Date::constant(2026, 11, 1))) else {
        return Default::default();
    };
    let options = RenderOptions::default();
    (
        evaluation.render(Format::Json, &options),
        evaluation.render(Format::Sarif, &options),
    )
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (rules, facts) = text.split_once('\0').unwrap_or((text, "{}"));
    let first = run(rules, facts);
    let second = run(rules, facts);
    assert!(first == second, "two evaluations of the same input differ");
});
