#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]
//! Hostile and careless input: facts and rules from a stranger's pull request must not take
//! over the terminal, forge report lines, or read outside the project.

use aimsc::{Engine, Format, Options, RenderOptions};

fn as_of() -> aimsc::Date {
    "2026-11-01".parse().unwrap()
}

const RULES: &str = r#"
framework demo "Demo"
record System { id: string, name: string, owner: string }
facts { systems: [System] }
rule demo::owned "Owners use company mail" {
  all s in systems: s.owner ends with "@acme.example"
}
"#;

#[test]
fn control_characters_in_facts_never_reach_a_human_readable_report() {
    let mut engine = Engine::builder()
        .rules_source("rules.aims", RULES)
        .build()
        .unwrap();
    let evil = "x\u{1b}[2J\u{1b}]0;owned\u{7}\nFAIL      demo::forged  \u{202e}gnirts\u{0}";
    engine
        .set_facts_json(&serde_json::json!({
            "systems": [{"id": "bot\u{1b}[31m", "name": evil, "owner": evil}]
        }))
        .unwrap();
    let ev = engine.evaluate(&Options::new(as_of())).unwrap();
    for format in [Format::Text, Format::Markdown] {
        let out = ev.render(format, &RenderOptions::default());
        for c in ['\u{1b}', '\u{0}', '\u{7}', '\u{202e}'] {
            assert!(!out.contains(c), "{format:?} holds {c:?}:\n{out}");
        }
        assert!(
            !out.lines().any(|l| l.starts_with("FAIL      demo::forged")),
            "{format:?} has a forged line:\n{out}"
        );
        assert!(
            out.contains("\\u{1b}"),
            "{format:?} shows the escape:\n{out}"
        );
    }
    // The machine-readable report keeps the value as it is: JSON escapes it.
    let json = ev.render(Format::Json, &RenderOptions::default());
    assert!(!json.contains('\u{1b}'));
}
