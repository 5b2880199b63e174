#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]
//! The CI report formats of `aimsc eval`, on every example organisation, checked by the tools
//! that read them: Microsoft's SARIF validator, NIST's OSCAL schema, a JUnit parser, and the
//! published schema of the JSON report. Run `bash tests/tools/setup` once to install them.

mod common;

use common::{code, repo, run, stderr, validators};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const AS_OF: &str = "2026-11-01";
const ORGS: &[&str] = &["acme", "chatly", "northbank", "cityhall"];
const FORMATS: &[(&str, &str)] = &[
    ("json", "json"),
    ("sarif", "sarif"),
    ("junit", "xml"),
    ("markdown", "md"),
    ("oscal", "oscal.json"),
    ("html", "html"),
];

fn org(name: &str) -> PathBuf {
    // The fixture with an evidence item in every state is a project too.
    if name == "evidence_states" {
        return repo().join("tests/fixtures/cli/evidence_states");
    }
    repo().join("tests/orgs").join(name)
}

#[test]
fn evidence_problems_pass_the_sarif_validator_and_the_report_schema() {
    let paths = reports("evidence_states", "evidence", &[]);
    let problems = validators::sarif(&paths["sarif"]);
    let serious: Vec<_> = problems.iter().filter(|p| p.0 != "note").collect();
    assert!(serious.is_empty(), "{serious:#?}");
    let sarif = json(&paths["sarif"]);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let altered = results
        .iter()
        .find(|r| r["ruleId"] == "aimsc::evidence::altered")
        .unwrap();
    assert_eq!(
        altered["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "facts/aims.yaml"
    );
    assert_eq!(
        altered["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "evidence/audit.md"
    );
    let violations = validators::json_schema(
        &repo().join("schemas/report.schema.json"),
        &[&paths["json"]],
    );
    assert!(violations.is_empty(), "{violations:#?}");
    let report = json(&paths["json"]);
    let states: Vec<&str> = report["inputs"]["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        [
            "ok",
            "unverifiable",
            "missing",
            "altered",
            "stale",
            "outside",
            "outside",
            "outside",
            "no_digest"
        ]
    );
    let violations = validators::json_schema(&validators::oscal_schema(), &[&paths["oscal"]]);
    assert!(violations.is_empty(), "{violations:#?}");
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("reports-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every format of one organisation's evaluation, written in one run; paths by format.
fn reports(name: &str, tag: &str, extra: &[&str]) -> BTreeMap<&'static str, PathBuf> {
    let out = scratch(&format!("{name}-{tag}"));
    let mut args: Vec<String> = vec!["eval".into(), "--as-of".into(), AS_OF.into()];
    let mut paths = BTreeMap::new();
    for (format, ext) in FORMATS {
        let path = out.join(format!("report.{ext}"));
        args.extend(["--format".into(), (*format).into(), "-o".into()]);
        args.push(path.to_string_lossy().into_owned());
        paths.insert(*format, path);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = run(&org(name), &argv);
    assert!(
        matches!(code(&o), 0 | 1),
        "aimsc {argv:?} in {name}: {}",
        stderr(&o)
    );
    assert!(o.stdout.is_empty(), "every report went to a file");
    paths
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Ids of the results with an outcome, from the JSON report.
fn ids_with(report: &Value, outcomes: &[&str]) -> Vec<String> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| outcomes.contains(&r["outcome"].as_str().unwrap()))
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn sarif_passes_microsofts_validator_and_places_failures_in_the_facts() {
    for name in ORGS {
        let paths = reports(name, "sarif", &[]);
        let problems = validators::sarif(&paths["sarif"]);
        let serious: Vec<_> = problems.iter().filter(|p| p.0 != "note").collect();
        assert!(serious.is_empty(), "{name}: {serious:#?}");
        let report = json(&paths["json"]);
        let sarif = json(&paths["sarif"]);
        let results = sarif["runs"][0]["results"].as_array().unwrap();
        // Every failing control has a result, located in a file of the organisation.
        for id in ids_with(&report, &["fail", "error"]) {
            let mine: Vec<&Value> = results.iter().filter(|r| r["ruleId"] == *id).collect();
            assert!(!mine.is_empty(), "{name}: no SARIF result for failing {id}");
            for r in mine {
                assert_eq!(r["kind"], "fail");
                assert!(r.get("suppressions").is_none(), "{id} fails unsuppressed");
                let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap();
                assert!(org(name).join(uri).is_file(), "{name}: {uri} is not a file");
            }
        }
        // Excluded and waived controls are there, suppressed with their justification.
        for id in ids_with(&report, &["excluded", "waived"]) {
            let r = results.iter().find(|r| r["ruleId"] == *id).unwrap();
            let s = &r["suppressions"][0];
            assert_eq!(s["status"], "accepted", "{name} {id}");
            assert!(!s["justification"].as_str().unwrap().is_empty());
        }
        // Passing controls are not results; a pass that checked nothing is one, for review.
        let empty: Vec<&str> = report["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["nothing_checked"] == true)
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        for id in ids_with(&report, &["pass"]) {
            let mine: Vec<&Value> = results.iter().filter(|r| r["ruleId"] == *id).collect();
            if empty.contains(&id.as_ref()) {
                assert_eq!(mine.len(), 1, "{name} {id}");
                assert_eq!(
                    (&mine[0]["kind"], &mine[0]["level"]),
                    (&json!("review"), &json!("none"))
                );
            } else {
                assert!(mine.is_empty(), "{name} {id}");
            }
        }
    }
}

/// The run's diagnostics are SARIF notifications whose descriptors carry the catalogue's entry
/// for each code, and the log still passes the validator.
#[test]
fn sarif_notifications_carry_the_catalogue_of_codes() {
    let dir = repo().join("tests/fixtures/eval/future_dates");
    let out = scratch("notifications").join("run.sarif");
    let o = run(
        &dir,
        &[
            "eval",
            "--rules",
            "rules.aims",
            "--facts",
            "facts.yaml",
            "--as-of",
            "2026-11-01",
            "--format",
            "sarif",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let problems = validators::sarif(&out);
    let serious: Vec<_> = problems.iter().filter(|p| p.0 != "note").collect();
    assert!(serious.is_empty(), "{serious:#?}");
    let sarif = json(&out);
    let run0 = &sarif["runs"][0];
    let descriptors = run0["tool"]["driver"]["notifications"].as_array().unwrap();
    assert_eq!(descriptors.len(), 1, "{descriptors:#?}");
    assert_eq!(descriptors[0]["id"], "aimsc::facts::future_date");
    assert_eq!(
        descriptors[0]["shortDescription"]["text"],
        aimsc::diagnostics::codes::FACTS_FUTURE_DATE.summary
    );
    let notes = run0["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(
        notes[0]["descriptor"],
        json!({"id": "aimsc::facts::future_date", "index": 0})
    );
}

#[test]
fn sarif_validator_reports_a_broken_log() {
    let paths = reports("acme", "sarif-broken", &[]);
    let mut log = json(&paths["sarif"]);
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        Value::from(0);
    let broken = paths["sarif"].with_file_name("broken.sarif");
    std::fs::write(&broken, log.to_string()).unwrap();
    let problems = validators::sarif(&broken);
    assert!(
        problems.iter().any(|p| p.0 == "error"),
        "the validator must catch line 0: {problems:#?}"
    );
}

#[test]
fn oscal_matches_nists_schema_with_a_finding_per_evaluated_control() {
    let schema = validators::oscal_schema();
    for name in ORGS {
        let paths = reports(name, "oscal", &[]);
        let violations = validators::json_schema(&schema, &[&paths["oscal"]]);
        assert!(violations.is_empty(), "{name}: {violations:#?}");
        let report = json(&paths["json"]);
        let oscal = json(&paths["oscal"]);
        let result = &oscal["assessment-results"]["results"][0];
        let findings = result["findings"].as_array().unwrap();
        let evaluated = ids_with(&report, &["pass", "attested", "fail", "error", "waived"]);
        assert_eq!(findings.len(), evaluated.len(), "{name}");
        for f in findings {
            let outcome = f["props"][0]["value"].as_str().unwrap();
            let state = f["target"]["status"]["state"].as_str().unwrap();
            // A pass that checked nothing satisfies no objective: it has no evidence.
            let evidenced = f["target"]["status"]["reason"] != "other";
            // An attested control is satisfied too, and says it was attested.
            assert_eq!(
                state == "satisfied",
                matches!(outcome, "pass" | "attested") && evidenced,
                "{name}: {f}"
            );
        }
        let excluded = ids_with(&report, &["excluded", "not_applicable"]).len();
        let listed = result["reviewed-controls"]["control-selections"][0]["exclude-controls"]
            .as_array()
            .map_or(0, Vec::len);
        assert_eq!(listed, excluded, "{name}");
    }
}

#[test]
fn oscal_schema_check_rejects_a_broken_document() {
    let paths = reports("acme", "oscal-broken", &[]);
    let mut doc = json(&paths["oscal"]);
    doc["assessment-results"]["results"][0]["findings"][0]["target"]["status"]["state"] =
        Value::from("fine");
    let broken = paths["oscal"].with_file_name("broken.json");
    std::fs::write(&broken, doc.to_string()).unwrap();
    let violations = validators::json_schema(&validators::oscal_schema(), &[&broken]);
    assert!(
        violations.iter().any(|v| v.contains("allowed values")),
        "{violations:#?}"
    );
}

#[test]
fn json_report_matches_the_published_schema() {
    let schema = repo().join("schemas/report.schema.json");
    for name in ORGS {
        let paths = reports(name, "json", &[]);
        let violations = validators::json_schema(&schema, &[&paths["json"]]);
        assert!(violations.is_empty(), "{name}: {violations:#?}");
    }
    // A report with a field the schema does not know is refused: the schema is closed.
    let paths = reports("acme", "json-broken", &[]);
    let mut doc = json(&paths["json"]);
    doc["results"][0]["surprise"] = Value::from(true);
    let broken = paths["json"].with_file_name("broken.json");
    std::fs::write(&broken, doc.to_string()).unwrap();
    assert!(!validators::json_schema(&schema, &[&broken]).is_empty());
}

const JUNIT: &str = r#"
import sys
from junitparser import JUnitXml, Failure, Error, Skipped
xml = JUnitXml.fromfile(sys.argv[1])
for suite in xml:
    print("suite", suite.name, suite.tests, suite.failures, suite.errors, suite.skipped)
    for case in suite:
        kinds = [type(r).__name__.lower() for r in case.result]
        print("case", case.classname, case.name.split(" ")[0], ",".join(kinds) or "pass")
        for r in case.result:
            if isinstance(r, Failure) and not (r.text or "").strip():
                print("empty failure", case.name)
"#;

#[test]
fn junit_parses_with_a_suite_per_framework_and_a_case_per_control() {
    for name in ORGS {
        let paths = reports(name, "junit", &[]);
        let parsed = validators::python(JUNIT, &[&paths["junit"]]);
        let report = json(&paths["json"]);
        // What the JSON report says, in the parser's terms.
        let mut expected_suites: BTreeMap<String, [usize; 4]> = BTreeMap::new();
        let mut expected_cases = Vec::new();
        for r in report["results"].as_array().unwrap() {
            let framework = r["framework"].as_str().unwrap().to_string();
            let id = r["id"].as_str().unwrap();
            let local = id.split_once("::").map_or(id, |x| x.1);
            let kind = match r["outcome"].as_str().unwrap() {
                // A pass that checked nothing is skipped: nothing was shown to hold.
                "pass" if r["nothing_checked"] == true => "skipped",
                // Attested is met: a passing case, which says so in its output.
                "pass" | "attested" => "pass",
                "fail" => "failure",
                "error" => "error",
                _ => "skipped",
            };
            let counts = expected_suites.entry(framework.clone()).or_default();
            counts[0] += 1;
            match kind {
                "failure" => counts[1] += 1,
                "error" => counts[2] += 1,
                "skipped" => counts[3] += 1,
                _ => {}
            }
            expected_cases.push(format!("case {framework} {local} {kind}"));
        }
        let suites: BTreeMap<String, [usize; 4]> = parsed
            .lines()
            .filter_map(|l| l.strip_prefix("suite "))
            .map(|l| {
                let f: Vec<&str> = l.split(' ').collect();
                let n = |i: usize| f[i].parse::<usize>().unwrap();
                (f[0].to_string(), [n(1), n(2), n(3), n(4)])
            })
            .collect();
        assert_eq!(suites, expected_suites, "{name}: {parsed}");
        let mut cases: Vec<&str> = parsed.lines().filter(|l| l.starts_with("case ")).collect();
        cases.sort_unstable();
        expected_cases.sort();
        assert_eq!(cases, expected_cases, "{name}");
        assert!(!parsed.contains("empty failure"), "{name}: {parsed}");
    }
}

#[test]
fn markdown_summaries() {
    for name in ORGS {
        let paths = reports(name, "markdown", &[]);
        let md = std::fs::read_to_string(&paths["markdown"]).unwrap();
        insta::assert_snapshot!(format!("markdown_{name}"), md);
    }
}

#[test]
fn markdown_lists_changes_since_a_baseline() {
    let paths = reports("acme", "baseline-make", &[]);
    // The base branch: A.5.2 passed, A.2.2 failed, and a control since removed existed.
    let mut base = json(&paths["json"]);
    for r in base["results"].as_array_mut().unwrap() {
        match r["id"].as_str().unwrap() {
            "iso42001::A.5.2" => r["outcome"] = Value::from("pass"),
            "iso42001::A.2.2" => r["outcome"] = Value::from("fail"),
            _ => {}
        }
    }
    base["results"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"id": "acme::retired", "outcome": "pass"}));
    let baseline = paths["json"].with_file_name("baseline.json");
    std::fs::write(&baseline, base.to_string()).unwrap();
    let o = run(
        &org("acme"),
        &[
            "eval",
            "--as-of",
            AS_OF,
            "--format",
            "markdown",
            "--baseline",
            baseline.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let md = common::stdout(&o);
    insta::assert_snapshot!("markdown_acme_baseline", md);
}

#[test]
fn every_format_is_byte_identical_across_runs() {
    let a = reports("northbank", "determinism-a", &[]);
    let b = reports("northbank", "determinism-b", &[]);
    for (format, _) in FORMATS {
        let x = std::fs::read(&a[format]).unwrap();
        let y = std::fs::read(&b[format]).unwrap();
        assert!(x == y, "{format} differs between runs");
    }
}

#[test]
fn fail_on_chooses_the_outcomes_that_fail_the_run() {
    // acme: one failing control and one waived; in 2027-06 the waiver has expired.
    let exit = |as_of: &str, fail_on: &str| {
        let o = run(
            &org("acme"),
            &[
                "eval",
                "--as-of",
                as_of,
                "--format",
                "json",
                "--fail-on",
                fail_on,
            ],
        );
        code(&o)
    };
    assert_eq!(exit(AS_OF, "fail,error"), 1);
    assert_eq!(exit(AS_OF, "none"), 0);
    assert_eq!(exit(AS_OF, "error"), 0, "no control is in error");
    assert_eq!(exit(AS_OF, "waived"), 1);
    assert_eq!(exit(AS_OF, "expired-waiver"), 0, "the waiver holds in 2026");
    assert_eq!(exit("2027-06-01", "expired-waiver"), 1);
    let o = run(&org("acme"), &["eval", "--fail-on", "fail,typo"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("`typo` is not a condition"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn formats_and_outputs_go_in_pairs() {
    let dir = scratch("pairs");
    let a = dir.join("a.json");
    let b = dir.join("b.json");
    let o = run(
        &org("acme"),
        &[
            "eval",
            "--format",
            "json",
            "-o",
            a.to_str().unwrap(),
            "-o",
            b.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("aimsc::usage::format_output"),
        "{}",
        stderr(&o)
    );
    assert!(
        !a.exists() && !b.exists(),
        "nothing is written on a usage error"
    );
    let o = run(
        &org("acme"),
        &["eval", "--format", "markdown", "--baseline", "no-such.json"],
    );
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("is neither a file nor a revision"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_html_report_in_a_real_browser_agrees_with_the_json_report_and_stays_offline() {
    for name in ["northbank", "acme"] {
        let paths = reports(name, "html", &[]);
        let report = json(&paths["json"]);
        let shots = (name == "northbank").then(|| paths["html"].with_file_name("shots"));
        if let Some(dir) = &shots {
            std::fs::create_dir_all(dir).unwrap();
        }
        let page = validators::browse_html(&paths["html"], shots.as_deref());
        // The totals the reader sees are the JSON report's.
        for (k, v) in report["summary"].as_object().unwrap() {
            assert_eq!(page["totals"][k], *v, "{name}: total {k}");
        }
        let ids = |v: &Value| -> Vec<String> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_str().unwrap().to_string())
                .collect()
        };
        let every = ids_with(
            &report,
            &[
                "pass",
                "attested",
                "fail",
                "not_applicable",
                "excluded",
                "waived",
                "error",
            ],
        );
        assert_eq!(ids(&page["all"]), every, "{name}: every result is a row");
        // The outcome filter leaves exactly the failing controls, and with a framework only
        // that framework's.
        let failing = ids_with(&report, &["fail"]);
        assert!(!failing.is_empty(), "{name} has failing controls to filter");
        assert_eq!(ids(&page["filters"]["fail"]["ids"]), failing, "{name}");
        assert_eq!(
            page["filters"]["fail"]["shown"],
            format!("{} of {} shown", failing.len(), every.len())
        );
        let iso: Vec<String> = failing
            .iter()
            .filter(|i| i.starts_with("iso42001::"))
            .cloned()
            .collect();
        assert_eq!(ids(&page["filters"]["fail_iso42001"]["ids"]), iso, "{name}");
        // The search matches what the row says, and clearing brings every row back.
        let found = ids(&page["filters"]["search_impact"]["ids"]);
        assert!(!found.is_empty() && found.len() < every.len(), "{found:?}");
        assert_eq!(page["after_reset"], every.len());
        assert_eq!(
            page["focused_after_tab"], "f-domain",
            "filters are reached by Tab"
        );
        // The table's link opens the first failing control's detail, with facts lines.
        assert_eq!(page["detail_opened"], failing[0].as_str());
        assert!(
            !page["detail_locations"].as_array().unwrap().is_empty(),
            "{name}: the detail places its records in the facts"
        );
        assert_eq!(page["errors"], serde_json::json!([]), "{name}: console");
        assert_eq!(page["requests"], serde_json::json!([]), "{name}: network");
        if let Some(dir) = &shots {
            for level in ["summary", "controls", "detail"] {
                let png = std::fs::read(dir.join(format!("html-{level}.png"))).unwrap();
                assert!(png.starts_with(b"\x89PNG"), "{level} screenshot");
            }
        }
    }
}

#[test]
fn the_html_report_is_one_file_that_asks_for_nothing_outside_it() {
    let paths = reports("acme", "html-offline", &[]);
    let html = std::fs::read_to_string(&paths["html"]).unwrap();
    assert!(html.contains("Content-Security-Policy\" content=\"default-src 'none';"));
    for attr in [
        "src=",
        "href=\"http",
        "href=\"//",
        "url(",
        "@import",
        "<link",
    ] {
        assert!(!html.contains(attr), "the page holds `{attr}`");
    }
    insta::assert_snapshot!("html_acme", html);
}
