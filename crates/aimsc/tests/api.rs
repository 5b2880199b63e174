#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]
//! The library API as an embedder uses it: rules from strings and the shipped rulesets, facts
//! from a path and from a `serde_json::Value`, selections, typed results, every format.

use aimsc::{Engine, Format, Options, Outcome, RenderOptions};

const RULES: &str = r#"
framework demo "Demo rules"
record System {
  id: string
  owner: string?
}
facts {
  systems: [System]
}
rule demo::owned "Every system has an owner" {
  all s in systems: s.owner is set
}
"#;

fn as_of() -> aimsc::Date {
    "2026-06-01".parse().unwrap()
}

#[test]
fn rules_from_a_string_and_facts_from_json() {
    let mut engine = Engine::builder()
        .rules_source("demo.aims", RULES)
        .build()
        .unwrap();
    assert_eq!(engine.controls().len(), 1);
    engine
        .set_facts_json(&serde_json::json!({
            "systems": [{"id": "a", "owner": "ann"}, {"id": "b"}]
        }))
        .unwrap();
    let ev = engine.evaluate(&Options::new(as_of())).unwrap();
    assert!(!ev.has_errors(), "{:?}", ev.diagnostics);
    let r = ev.result("demo::owned").unwrap();
    assert_eq!(r.outcome, Outcome::Fail);
    let findings = &r.requirements[0]
        .explanation
        .records
        .as_ref()
        .unwrap()
        .findings;
    assert_eq!(findings.len(), 1);
    assert_eq!(&*findings[0].record, "systems[id=b]");
    // The failing record is placed in the canonical text of the value, which the caller can
    // have: line 7 of it opens the record `b`.
    let at = findings[0].at.as_ref().unwrap();
    assert_eq!((&*at.file, at.line), (aimsc::JSON_FACTS_PATH, 7));
    let text = aimsc::canonical_json(&serde_json::json!({
        "systems": [{"id": "a", "owner": "ann"}, {"id": "b"}]
    }))
    .unwrap();
    let line = text.lines().nth(at.line - 1).unwrap();
    assert_eq!(line.trim(), "{", "{text}");
    assert_eq!(text.lines().nth(at.line).unwrap().trim(), r#""id": "b""#);
    // New facts: the same engine, the rules not checked again.
    engine
        .set_facts_json(&serde_json::json!({"systems": [{"id": "b", "owner": "bo"}]}))
        .unwrap();
    let ev = engine.evaluate(&Options::new(as_of())).unwrap();
    assert_eq!(ev.summary().pass, 1);
    assert!(!ev.fails(&aimsc::FailOn::default()));
}

#[test]
fn a_diagnostic_is_told_with_its_line_in_the_canonical_json() {
    let mut engine = Engine::builder()
        .rules_source("demo.aims", RULES)
        .build()
        .unwrap();
    let facts = serde_json::json!({"systems": [{"id": "a", "owner": 7}]});
    engine.set_facts_json(&facts).unwrap();
    let ev = engine.evaluate(&Options::new(as_of())).unwrap();
    let d = ev.diagnostics.iter().find(|d| d.is_error()).unwrap();
    let told = engine.describe(d);
    let first = told.lines().next().unwrap();
    assert!(first.starts_with(&format!("error[{}]: ", d.code)), "{told}");
    // Line 5 of the canonical text is `"owner": 7`; the place is its value.
    let text = aimsc::canonical_json(&facts).unwrap();
    assert_eq!(
        text.lines().nth(4).unwrap().trim(),
        r#""owner": 7"#,
        "{text}"
    );
    assert!(told.contains("--> facts.json:5:"), "{told}");
    // Without the text, a byte range; Display needs no engine.
    assert!(d.to_string().contains("--> facts.json (bytes "), "{d}");
}

#[test]
fn rule_errors_stop_the_build_with_located_diagnostics() {
    let err = Engine::builder()
        .rules_source("bad.aims", "rule demo::x \"X\" { all s in nowhere: true }")
        .build()
        .err()
        .expect("rules that do not check are an error");
    let text = err.to_string();
    assert!(text.contains("bad.aims:1:"), "{text}");
    assert!(
        err.diagnostics()
            .iter()
            .all(|d| d.code.starts_with("aimsc::"))
    );
    let missing = Engine::builder().rules_path("no/such/folder").build();
    assert!(missing.is_err());
}

#[test]
fn shipped_rulesets_with_a_facts_folder_and_every_format() {
    let root = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/orgs/northbank/facts"
    );
    let mut engine = Engine::builder().shipped_rulesets().build().unwrap();
    engine.set_facts_path(root).unwrap();
    let ev = engine
        .evaluate(&Options::new("2026-11-01".parse().unwrap()).framework("eu-ai-act"))
        .unwrap();
    assert!(ev.results.iter().all(|r| &*r.framework == "eu_ai_act"));
    assert_eq!(
        ev.result("eu_ai_act::Art.15").unwrap().outcome,
        Outcome::Fail
    );
    for format in Format::ALL {
        let text = ev.render(format, &RenderOptions::default());
        assert!(
            text.contains("Art.15"),
            "{} lacks the failing article",
            format.name()
        );
    }
    let json: serde_json::Value =
        serde_json::from_str(&ev.render(Format::Json, &RenderOptions::default())).unwrap();
    assert_eq!(json["summary"]["fail"], ev.summary().fail);
    let unknown = engine.evaluate(&Options::new(as_of()).control("iso42001::A.5.99"));
    let err = unknown.err().unwrap();
    assert_eq!(err.diagnostics()[0].code, "aimsc::usage::unknown_control");
    assert!(err.to_string().contains("A.5.99"), "{err}");
    let cw: serde_json::Value =
        serde_json::from_str(&engine.crosswalk_json("iso27001", Some(&ev)).unwrap()).unwrap();
    assert!(cw.to_string().contains("iso27001::"));
}

#[test]
fn facts_paths_are_laid_out_like_a_folder() {
    assert!(aimsc::fact_input("aims.yaml", "").is_ok());
    let rec = aimsc::fact_input("ai_systems/bot.yaml", "").unwrap();
    assert!(matches!(rec.role, aimsc_facts_role::Record(ref c) if c == "ai_systems"));
    for bad in [
        "../x.yaml",
        "/etc/x.yaml",
        "a/b/c.yaml",
        "x.txt",
        ".hidden.yaml",
    ] {
        assert!(aimsc::fact_input(bad, "").is_err(), "{bad}");
    }
}

mod aimsc_facts_role {
    pub use aimsc::SourceRole::*;
}
