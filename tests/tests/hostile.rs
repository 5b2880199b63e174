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

/// A scratch folder of this test's own.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const SYSTEM_RULES: &str = r#"
framework demo "Demo"
record System { id: string, monitored: bool }
facts { systems: [System] }
rule demo::monitored "Systems are monitored" { all s in systems: s.monitored == true }
"#;

#[test]
fn a_link_out_of_the_facts_folder_is_refused_and_never_read() {
    let dir = scratch("link-outside");
    let secret = dir.join("secret.env");
    std::fs::write(&secret, "AWS_SECRET_ACCESS_KEY=hunter2\n").unwrap();
    let facts = dir.join("facts");
    std::fs::create_dir_all(facts.join("systems")).unwrap();
    std::fs::write(facts.join("systems/a.yaml"), "id: a\nmonitored: true\n").unwrap();
    std::os::unix::fs::symlink(&secret, facts.join("systems/b.yaml")).unwrap();
    let err = aimsc_facts::discover(&facts, &Default::default()).unwrap_err();
    assert!(
        err.iter().any(|d| d.code == "aimsc::facts::link_outside"),
        "{err:?}"
    );
    let shown = format!("{err:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    // The same through the library: an error, and the secret nowhere.
    let mut engine = Engine::builder()
        .rules_source("rules.aims", SYSTEM_RULES)
        .build()
        .unwrap();
    let e = engine.set_facts_path(&facts).unwrap_err();
    assert!(!format!("{e:?}").contains("hunter2"));
    // A link that stays inside the folder is followed.
    std::fs::remove_file(facts.join("systems/b.yaml")).unwrap();
    std::fs::create_dir_all(facts.join("kept")).unwrap();
    std::fs::write(facts.join("kept/c.yaml"), "id: c\nmonitored: false\n").unwrap();
    std::os::unix::fs::symlink(facts.join("kept/c.yaml"), facts.join("systems/c.yaml")).unwrap();
    let found = aimsc_facts::discover(&facts, &Default::default()).unwrap();
    let paths: Vec<&str> = found.sources.iter().map(|s| &*s.path).collect();
    assert!(
        paths.iter().any(|p| p.ends_with("systems/c.yaml")),
        "{paths:?}"
    );
}

#[test]
fn every_file_a_facts_folder_does_not_load_is_reported() {
    use std::os::unix::ffi::OsStrExt;
    let dir = scratch("skipped");
    let facts = dir.join("facts");
    std::fs::create_dir_all(facts.join("systems/nested")).unwrap();
    std::fs::write(facts.join("systems/a.yaml"), "id: a\nmonitored: true\n").unwrap();
    // Each of these holds a record that fails the rule, if it were read.
    let failing = "id: x\nmonitored: false\n";
    std::fs::write(facts.join("systems/b.yaml.bak"), failing).unwrap();
    std::fs::write(facts.join("systems/.hidden.yaml"), failing).unwrap();
    std::fs::write(facts.join("systems/nested/c.yaml"), failing).unwrap();
    std::fs::write(facts.join("notes.md"), "# notes\n").unwrap();
    std::fs::write(
        facts
            .join("systems")
            .join(std::ffi::OsStr::from_bytes(b"bad\xff.yaml")),
        failing,
    )
    .unwrap();
    std::os::unix::fs::symlink(facts.join("gone.yaml"), facts.join("systems/dangling.yaml"))
        .unwrap();
    let fifo = facts.join("systems/pipe.yaml");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let mut engine = Engine::builder()
        .rules_source("rules.aims", SYSTEM_RULES)
        .build()
        .unwrap();
    engine.set_facts_path(&facts).unwrap();
    let ev = engine.evaluate(&Options::new(as_of())).unwrap();
    let skipped: Vec<&str> = ev
        .diagnostics
        .iter()
        .filter(|d| d.code == "aimsc::facts::skipped")
        .map(|d| d.message.as_str())
        .collect();
    for name in [
        "b.yaml.bak",
        ".hidden.yaml",
        "nested",
        "notes.md",
        "bad",
        "dangling.yaml",
        "pipe.yaml",
    ] {
        assert!(
            skipped.iter().any(|m| m.contains(name)),
            "{name} is not reported: {skipped:#?}"
        );
    }
    // The report carries them too, and its inputs list them.
    let json = ev.render(Format::Json, &RenderOptions::default());
    assert!(json.contains("aimsc::facts::skipped"));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let listed = v["inputs"]["skipped"].as_array().unwrap();
    assert_eq!(listed.len(), skipped.len(), "{listed:?}");
    assert!(
        listed
            .iter()
            .any(|p| p.as_str().unwrap().ends_with("b.yaml.bak"))
    );
}

#[test]
fn a_link_out_of_a_rules_folder_is_refused() {
    let dir = scratch("rules-link");
    std::fs::write(
        dir.join("secret.aims"),
        "framework stolen \"AWS_SECRET=hunter2\"\n",
    )
    .unwrap();
    let rules = dir.join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(rules.join("own.aims"), "framework own \"Own\"\n").unwrap();
    std::os::unix::fs::symlink(dir.join("secret.aims"), rules.join("linked.aims")).unwrap();
    let e = aimsc_db::config::rule_files(&rules).unwrap_err();
    assert_eq!(e.code, "aimsc::rules::link_outside");
    // A folder linked into itself is read once, not forever.
    std::fs::remove_file(rules.join("linked.aims")).unwrap();
    std::os::unix::fs::symlink(&rules, rules.join("loop")).unwrap();
    let found = aimsc_db::config::rule_files(&rules).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
}

fn parsed(text: &str) -> (aimsc_syntax::ast::SourceFile, Vec<aimsc::Diagnostic>) {
    aimsc_syntax::parse(&std::sync::Arc::from("rules.aims"), text)
}

fn codes(diags: &[aimsc::Diagnostic]) -> Vec<&'static str> {
    diags.iter().map(|d| d.code).collect()
}

#[test]
fn a_lone_carriage_return_ends_a_comment_as_it_ends_the_line_in_an_editor() {
    let text = "framework demo \"Demo\"\nrecord Org { ok: bool, hidden: bool }\nfacts { org: Org }\ncontrol demo::c \"C\" {\n  require \"seen\" { org.ok == true } // note\r  require \"hidden\" { org.hidden == true }\n}\n";
    let (file, diags) = parsed(text);
    assert_eq!(codes(&diags), vec!["aimsc::parse::lone_cr"], "{diags:?}");
    let aimsc_syntax::ast::Item::Check(c) = &file.items[3] else {
        panic!("{:?}", file.items[3]);
    };
    let names: Vec<&str> = c.requires.iter().map(|r| r.name.value.as_str()).collect();
    assert_eq!(
        names,
        ["seen", "hidden"],
        "the requirement after the CR is real"
    );
    // The line index agrees: the second requirement is on line 6.
    let at = text.find("require \"hidden\"").unwrap();
    let idx = aimsc_diagnostics::LineIndex::new(text);
    assert_eq!(idx.line_col(text, at).0, 6);
    // The formatter keeps it on a line of its own.
    let formatted = aimsc_syntax::format::format_source(&"r.aims".into(), text).unwrap();
    assert!(formatted.contains("\n  require \"hidden\""), "{formatted}");
}

#[test]
fn a_byte_order_mark_is_accepted_and_unknown_escapes_and_hidden_characters_are_not() {
    let (file, diags) = parsed("\u{feff}framework demo \"Demo\"\nframework other \"Other\"\n");
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(file.items.len(), 2, "recovery keeps the next items");
    let (_, diags) = parsed("framework demo \"a \\d b \\u0000 c\"\n");
    assert_eq!(
        codes(&diags),
        vec!["aimsc::parse::bad_escape", "aimsc::parse::bad_escape"],
        "{diags:?}"
    );
    let (_, diags) =
        parsed("framework demo \"Demo\"\n// \u{202e}evil\nframework other \"a\u{200b}b\"\n");
    assert_eq!(
        codes(&diags),
        vec!["aimsc::parse::invisible", "aimsc::parse::invisible"],
        "{diags:?}"
    );
    let (_, diags) = parsed("framework demo \"tab\\there \\\"quoted\\\" back\\\\slash\"\n");
    assert!(diags.is_empty(), "{diags:?}");
}

#[test]
fn invisible_owners_and_justifications_do_not_pass() {
    let base = "framework demo \"Demo\"\nrecord Org { name: string }\nfacts { org: Org }\ncontrol demo::a \"A\" { require \"named\" { org.name != \"x\" } }\n";
    let codes_of = |extra: &str| {
        let project = aimsc::Project::new(
            vec![("r.aims".into(), format!("{base}{extra}"))],
            Vec::new(),
            as_of(),
        );
        project
            .diagnostics()
            .into_iter()
            .filter(|d| d.is_error() && d.code.starts_with("aimsc::scope"))
            .map(|d| d.code)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        codes_of("waive demo::a until 2027-01-01 owner \"\u{200b}\" \"Real reason.\"\n"),
        ["aimsc::scope::missing_owner"]
    );
    assert_eq!(
        codes_of("waive demo::a until 2027-01-01 owner \"ciso\" \"\u{a0}.\"\n"),
        ["aimsc::scope::missing_justification"]
    );
    assert_eq!(
        codes_of("exclude demo::a \"\u{200b}\u{200b}\"\n"),
        ["aimsc::scope::missing_justification"]
    );
    assert!(codes_of("waive demo::a until 2027-01-01 owner \"ciso\" \"Booked.\"\n").is_empty());
}

/// Northbank under the shipped rulesets, with `change` applied to each facts file's text and
/// the `extra` files added.
fn northbank_with(
    change: &dyn Fn(&str, String) -> String,
    extra: &[(&str, &str)],
) -> aimsc::Evaluation {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/orgs/northbank");
    let mut engine = Engine::builder()
        .shipped_rulesets()
        .rules_path(root.join("rules"))
        .build()
        .unwrap();
    let files = aimsc_tests::org_facts("northbank")
        .unwrap()
        .into_iter()
        .map(|(rel, text)| {
            let text = change(&rel, text);
            aimsc::fact_input(&rel, text).unwrap()
        })
        .chain(extra.iter().map(|(p, t)| aimsc::fact_input(p, *t).unwrap()))
        .collect();
    engine.set_facts(files);
    engine.evaluate(&Options::new(as_of())).unwrap()
}

#[test]
fn a_blank_string_is_no_evidence() {
    let outcome = |ev: &aimsc::Evaluation| ev.result("eu_ai_act::Art.49").unwrap().outcome;
    assert_eq!(
        outcome(&northbank_with(&|_, t| t, &[])),
        aimsc::Outcome::Pass
    );
    let ev = northbank_with(
        &|rel, t| {
            if rel.ends_with("credit-score.yaml") {
                t.replace(
                    "eu_database_registration: EU-DB-2026-000481",
                    "eu_database_registration: \"  \"",
                )
            } else {
                t
            }
        },
        &[],
    );
    assert!(
        ev.diagnostics
            .iter()
            .any(|d| d.code == "aimsc::facts::blank")
    );
    assert_eq!(outcome(&ev), aimsc::Outcome::Fail);
}

#[test]
fn evidence_dated_after_the_as_of_date_is_not_current() {
    let requirement = |ev: &aimsc::Evaluation| {
        ev.result("iso42001::5.1")
            .unwrap()
            .requirements
            .iter()
            .find(|r| r.name.contains("commitment"))
            .unwrap()
            .outcome
    };
    assert_eq!(
        requirement(&northbank_with(&|_, t| t, &[])),
        aimsc::Outcome::Pass
    );
    let ev = northbank_with(
        &|rel, t| {
            if rel == "aims.yaml" {
                let line = t
                    .lines()
                    .find(|l| l.trim_start().starts_with("leadership_commitment:"))
                    .unwrap()
                    .to_string();
                let indent = &line[..line.len() - line.trim_start().len()];
                t.replace(&line, &format!("{indent}leadership_commitment: 2027-06-01"))
            } else {
                t
            }
        },
        &[],
    );
    assert_eq!(
        requirement(&ev),
        aimsc::Outcome::Error,
        "a commitment dated next year is not current: it is a mistake in the facts"
    );
    let future: Vec<_> = ev
        .diagnostics
        .iter()
        .filter(|d| d.code == "aimsc::facts::future_date")
        .collect();
    assert_eq!(future.len(), 1, "{future:?}");
    assert!(
        future[0].message.contains(
            "`organisation.leadership_commitment` is 2027-06-01, after the as-of date 2026-11-01"
        ),
        "{}",
        future[0].message
    );
    assert_eq!(
        future[0].location.as_ref().map(|l| &*l.file),
        Some("aims.yaml")
    );
}

/// The organisation's own `rules` (one file) evaluated over one facts file.
fn own_rules_over(rules: &str, facts: String) -> aimsc::Evaluation {
    let mut engine = Engine::builder()
        .rules_source("own.aims", rules)
        .build()
        .unwrap();
    engine.set_facts(vec![aimsc::fact_input("facts.yaml", facts).unwrap()]);
    engine.evaluate(&Options::new(as_of())).unwrap()
}

/// A rule of the organisation's own that reads a `past` date with a plain comparison, not
/// through `current`, cannot pass on a date after the as-of date either; a deadline field (not
/// `past`) may lie ahead.
#[test]
fn a_past_date_after_the_as_of_date_is_invalid_whatever_reads_it() {
    let rules = r#"framework own "Own"
record Review { id: string, held: date past, next: date }
facts { reviews: [Review] }
rule own::held "reviews held this year" {
  require "held within 12 months" { all r in reviews: r.held >= today - 12 months }
}
rule own::next "next review planned" {
  require "a next review is planned" { all r in reviews: r.next > r.held }
}
"#;
    let run = |held: &str| {
        let facts = format!(
            "reviews:
  - id: R1
    held: {held}
    next: 2027-05-01
"
        );
        own_rules_over(rules, facts)
    };
    let ok = run("2026-05-01");
    assert_eq!(
        ok.result("own::held").unwrap().outcome,
        aimsc::Outcome::Pass
    );
    assert_eq!(
        ok.result("own::next").unwrap().outcome,
        aimsc::Outcome::Pass
    );
    assert!(ok.diagnostics.is_empty(), "{:?}", ok.diagnostics);
    let late = run("2027-01-10");
    assert_eq!(
        late.result("own::held").unwrap().outcome,
        aimsc::Outcome::Error
    );
    assert_eq!(
        late.result("own::next").unwrap().outcome,
        aimsc::Outcome::Error
    );
    let codes: Vec<_> = late.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["aimsc::facts::future_date"]);
    let at = late.diagnostics[0].location.as_ref().unwrap();
    assert_eq!((&*at.file, at.span.start()), ("facts.yaml", 30));
}

#[test]
fn an_organisation_cannot_claim_a_published_mapping() {
    let errors = |own: &str| -> Vec<&'static str> {
        match Engine::builder()
            .shipped_rulesets()
            .rules_source("own.aims", own)
            .build()
        {
            Ok(_) => Vec::new(),
            Err(e) => e
                .diagnostics()
                .iter()
                .filter(|d| d.is_error())
                .map(|d| d.code)
                .collect(),
        }
    };
    let rule = "framework own \"Own\"\nrule own::always \"Always\" { true }\n";
    assert_eq!(
        errors(&format!(
            "{rule}map own::always -> iso27001::A.5.1 equal provenance published\n"
        )),
        ["aimsc::scope::reserved_provenance"]
    );
    assert!(
        errors(&format!(
            "{rule}map own::always -> iso27001::A.5.1 intersect provenance analyst\n"
        ))
        .is_empty()
    );
}

#[test]
fn a_requirement_that_reads_no_fact_is_warned() {
    let project = aimsc::Project::new(
        vec![(
            "r.aims".into(),
            "framework own \"Own\"\nrecord Org { ok: bool }\nfacts { org: Org }\nrule own::always \"Always\" { true }\nrule own::real \"Real\" { org.ok == true }\n".to_string(),
        )],
        Vec::new(),
        as_of(),
    );
    let warned: Vec<String> = project
        .diagnostics()
        .into_iter()
        .filter(|d| d.code == "aimsc::check::reads_no_fact")
        .map(|d| d.message)
        .collect();
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].contains("Always"), "{warned:?}");
}

#[test]
fn a_fact_an_unreadable_file_may_hold_is_unknown_not_absent() {
    let outcome = |ev: &aimsc::Evaluation, id: &str| ev.result(id).unwrap().outcome;
    let ev = northbank_with(&|_, t| t, &[]);
    assert_eq!(outcome(&ev, "iso42001::A.10.2"), aimsc::Outcome::Pass);
    // A second root file that cannot be read: it may have held customers.
    let ev = northbank_with(
        &|_, t| t,
        &[("more.yaml", "customers:\n  - id: C-1\n    name: [Bank\n")],
    );
    assert!(ev.has_errors(), "the unreadable file is diagnosed");
    let r = ev.result("iso42001::A.10.2").unwrap();
    assert_eq!(r.outcome, aimsc::Outcome::Error, "{}", r.message);
    assert!(r.message.contains("more.yaml"), "{}", r.message);
    // Facts the readable root files hold are still judged; a collection kept in a folder
    // may have had more records inline in the unreadable file, so it is unknown too.
    assert_eq!(outcome(&ev, "iso42001::5.1"), aimsc::Outcome::Attested);
    assert_eq!(outcome(&ev, "eu_ai_act::Art.15"), aimsc::Outcome::Error);
    let json = ev.render(Format::Json, &RenderOptions::default());
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let in_json = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "iso42001::A.10.2")
        .unwrap();
    assert_eq!(in_json["outcome"], "error");
}

/// YAML 1.1 read `no`, `n`, `on` and `yes` as booleans, so a country code `NO` became `false`
/// and a field named `n` the key "false". Facts follow YAML 1.2: only `true` and `false` are
/// booleans, and `yes` in a bool field is an error that says so.
#[test]
fn yaml_words_are_text_and_only_true_and_false_are_booleans() {
    let rules = r#"framework own "Own"
record Site { id: string, country: string, n: int, documented: bool }
facts { sites: [Site] }
rule own::documented "sites are documented" {
  require "every site is documented" { all s in sites: s.documented }
}
rule own::norway "a site in Norway" {
  require "one site is in Norway" { any s in sites: s.country == "NO" and s.n == 3 }
}
"#;
    let run = |documented: &str| {
        let facts = format!(
            "sites:\n  - id: oslo\n    country: NO\n    n: 3\n    documented: {documented}\n"
        );
        own_rules_over(rules, facts)
    };
    let ok = run("true");
    assert!(ok.diagnostics.is_empty(), "{:?}", ok.diagnostics);
    assert_eq!(
        ok.result("own::norway").unwrap().outcome,
        aimsc::Outcome::Pass
    );
    assert_eq!(
        ok.result("own::documented").unwrap().outcome,
        aimsc::Outcome::Pass
    );
    let yes = run("yes");
    let wrong: Vec<_> = yes
        .diagnostics
        .iter()
        .filter(|d| d.code == "aimsc::facts::wrong_type")
        .collect();
    assert_eq!(wrong.len(), 1, "{:?}", yes.diagnostics);
    assert!(
        wrong[0]
            .help
            .as_deref()
            .unwrap_or("")
            .contains("write `true` or `false`"),
        "{:?}",
        wrong[0].help
    );
    assert_eq!(
        yes.result("own::documented").unwrap().outcome,
        aimsc::Outcome::Error
    );
    // A key YAML reads as null is a key like any other: one unknown field, not a broken file.
    let null_key = own_rules_over(
        rules,
        "sites:\n  - id: oslo\n    country: NO\n    n: 3\n    documented: true\n    ~: 1\n".into(),
    );
    let codes: Vec<_> = null_key.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        ["aimsc::facts::unknown_field"],
        "{:?}",
        null_key.diagnostics
    );
}

/// The run's step budget (`max-run-steps`) bounds a whole evaluation, not one requirement: the
/// checks after it ran out are errors. It is spent in check order and is part of each check's
/// key, so an engine that evaluated other facts before gives the verdicts a fresh one does.
#[test]
fn the_run_budget_bounds_the_whole_evaluation_and_caching_does_not_change_it() {
    let mut rules = String::from(
        "framework demo \"Demo\"\nrecord System { id: string, group: string }\nfacts { systems: [System] }\n",
    );
    for i in 0..6 {
        rules.push_str(&format!(
            "control demo::pairs_{i} \"pairs {i}\" {{\n  require \"unique\" {{ all a in systems: all b in systems: a.id != b.id or a.group == b.group }}\n}}\n"
        ));
    }
    let facts = |n: usize| {
        let mut t = String::from("systems:\n");
        for i in 0..n {
            t.push_str(&format!("  - {{id: s{i}, group: g{i}}}\n"));
        }
        t
    };
    let limits = aimsc::Limits {
        max_steps: 10_000,
        max_run_steps: 20_000,
        ..Default::default()
    };
    let engine = || {
        Engine::builder()
            .rules_source("rules.aims", rules.clone())
            .limits(limits)
            .build()
            .unwrap()
    };
    let outcomes = |e: &mut Engine, n: usize| -> Vec<aimsc::Outcome> {
        e.set_facts(vec![aimsc::fact_input("facts.yaml", facts(n)).unwrap()]);
        let ev = e.evaluate(&Options::new(as_of())).unwrap();
        ev.results.iter().map(|r| r.outcome).collect()
    };
    use aimsc::Outcome::{Error, Pass};
    // 30 systems: 900 pairs a check, a few thousand steps; the budget covers some checks only.
    let big = outcomes(&mut engine(), 30);
    assert_eq!(big.first(), Some(&Pass), "{big:?}");
    assert_eq!(big.last(), Some(&Error), "{big:?}");
    // 5 systems: every check fits.
    assert_eq!(outcomes(&mut engine(), 5), [Pass; 6]);
    // One engine through 5, 30 and 5 systems agrees with fresh engines each time.
    let mut reused = engine();
    assert_eq!(outcomes(&mut reused, 5), [Pass; 6]);
    assert_eq!(outcomes(&mut reused, 30), big);
    assert_eq!(outcomes(&mut reused, 5), [Pass; 6]);
    let ev = {
        let mut e = engine();
        e.set_facts(vec![aimsc::fact_input("facts.yaml", facts(30)).unwrap()]);
        e.evaluate(&Options::new(as_of())).unwrap()
    };
    let run: Vec<_> = ev
        .diagnostics
        .iter()
        .filter(|d| d.code == "aimsc::limit::run_steps")
        .collect();
    assert_eq!(run.len(), 1, "{:?}", ev.diagnostics);
    // A selection spends the budget on what it selects: the last check, cut in the whole run,
    // is evaluated when asked for alone.
    let mut e = engine();
    e.set_facts(vec![aimsc::fact_input("facts.yaml", facts(30)).unwrap()]);
    let alone = e
        .evaluate(&Options::new(as_of()).control("demo::pairs_5"))
        .unwrap();
    assert_eq!(alone.results.len(), 1);
    assert_eq!(
        alone.results[0].outcome, Pass,
        "{:?}",
        alone.results[0].message
    );
}
