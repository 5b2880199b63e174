#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]
//! Verdicts an auditor can trust. Each test pairs a case that should fail (or be an error, or
//! be out of scope) with the case that passes, differing by one fact, so that a wrong verdict
//! on either side is caught; the shipped rulesets are evaluated on the example organisations
//! with one fact changed in memory.

use aimsc::{CheckResult, Engine, Evaluation, FactInput, Options, Outcome};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn as_of() -> aimsc::Date {
    "2026-11-01".parse().unwrap()
}

/// The facts files of an example organisation, as (path in the facts folder, text).
fn org_facts(org: &str) -> Vec<(String, String)> {
    aimsc_tests::org_facts(org).unwrap()
}

/// Replaces `from` by `to` in the facts file `file`; the text must occur exactly once.
fn edit(files: &mut [(String, String)], file: &str, from: &str, to: &str) {
    let (_, text) = files.iter_mut().find(|(p, _)| p == file).unwrap();
    assert_eq!(text.matches(from).count(), 1, "`{from}` in {file}");
    *text = text.replacen(from, to, 1);
}

/// The shipped rulesets, the organisation's own rules, and these facts, evaluated.
fn shipped(org: &str, files: &[(String, String)]) -> Evaluation {
    shipped_with(org, files, "")
}

/// [`shipped`], with more rules of the organisation's.
fn shipped_with(org: &str, files: &[(String, String)], extra: &str) -> Evaluation {
    let mut builder = Engine::builder()
        .shipped_rulesets()
        .rules_path(repo().join("tests/orgs").join(org).join("rules"));
    if !extra.is_empty() {
        builder = builder.rules_source("extra.aims", extra);
    }
    let mut engine = builder.build().unwrap();
    let facts: Vec<FactInput> = files
        .iter()
        .map(|(p, t)| aimsc::fact_input(p, t.clone()).unwrap())
        .collect();
    engine.set_facts(facts);
    engine.evaluate(&Options::new(as_of())).unwrap()
}

/// Rules from a string (which may not check: the engine evaluates what it can), facts from
/// JSON.
fn own(rules: &str, facts: serde_json::Value) -> Evaluation {
    let project = aimsc::Project::new(
        vec![("rules.aims".into(), rules.to_string())],
        Vec::new(),
        as_of(),
    );
    let mut engine = Engine::from_project(project);
    engine.set_facts_json(&facts).unwrap();
    engine.evaluate(&Options::new(as_of())).unwrap()
}

fn result<'e>(ev: &'e Evaluation, id: &str) -> &'e CheckResult {
    ev.result(id)
        .unwrap_or_else(|| panic!("no result for {id}"))
}

fn requirement<'e>(ev: &'e Evaluation, id: &str, name: &str) -> &'e aimsc::RequirementResult {
    result(ev, id)
        .requirements
        .iter()
        .find(|r| r.name.contains(name))
        .unwrap_or_else(|| panic!("{id} has no requirement `{name}`"))
}

// ---------------------------------------------------------------- 1: refs through defs

const REF_RULES: &str = r#"
framework demo "Demo"
enum Role { provider, deployer }
record AiSystem { id: string, eu_role: Role }
record Incident { id: string, system: ref AiSystem, late: bool }
facts { ai_systems: [AiSystem], incidents: [Incident] }
def provider_sys(s: AiSystem) = s.eu_role == provider
rule demo::through_def "Incidents of provided systems are on time" {
  all i in incidents where provider_sys(i.system): i.late == false
}
rule demo::direct "Incidents of provided systems are on time" {
  all i in incidents where i.system.eu_role == provider: i.late == false
}
"#;

fn ref_facts(role: &str, late: bool) -> serde_json::Value {
    serde_json::json!({
        "ai_systems": [{"id": "bot", "eu_role": role}],
        "incidents": [{"id": "INC-1", "system": "bot", "late": late}],
    })
}

#[test]
fn a_ref_passed_to_a_def_is_followed() {
    for (role, late, want) in [
        ("provider", true, Outcome::Fail),
        ("provider", false, Outcome::Pass),
        ("deployer", true, Outcome::Pass),
    ] {
        let ev = own(REF_RULES, ref_facts(role, late));
        for id in ["demo::through_def", "demo::direct"] {
            let r = result(&ev, id);
            assert_eq!(r.outcome, want, "{id}, {role}, late {late}: {}", r.message);
            assert!(!r.message.contains("missing"), "{id}: {}", r.message);
        }
    }
}

#[test]
fn northbank_article_73_is_explained_by_the_late_report() {
    let ev = shipped("northbank", &org_facts("northbank"));
    let r = requirement(&ev, "eu_ai_act::Art.73", "within 15 days");
    assert_eq!(r.outcome, Outcome::Fail, "{}", r.message);
    let json = serde_json::to_string(&r.explanation).unwrap();
    assert!(
        json.contains("20 days (2026-09-22 − 2026-09-02) > 15 days"),
        "{json}"
    );
    assert!(
        json.contains("limit = 15 days (serious_incident_deadline)"),
        "{json}"
    );
    assert!(!r.message.contains("missing"), "{}", r.message);
}

#[test]
fn article_73_passes_on_time_and_binds_only_high_risk_systems() {
    let mut on_time = org_facts("northbank");
    edit(
        &mut on_time,
        "aims.yaml",
        "reported_to_authority: 2026-09-22",
        "reported_to_authority: 2026-09-12",
    );
    let ev = shipped("northbank", &on_time);
    assert_eq!(result(&ev, "eu_ai_act::Art.73").outcome, Outcome::Pass);

    // The same late incident of a minimal-risk system: Art. 73 does not bind it.
    let mut minimal = org_facts("northbank");
    edit(
        &mut minimal,
        "ai_systems/credit-score.yaml",
        "risk_tier: high\nannex_iii_area: 5(b)\n",
        "risk_tier: minimal\n",
    );
    let ev = shipped("northbank", &minimal);
    let r = result(&ev, "eu_ai_act::Art.73");
    assert_eq!(r.outcome, Outcome::NotApplicable, "{}", r.message);

    // Labelled minimal but still an Annex III use without an Art. 6(3) assessment: high-risk by
    // the Act's trigger, so the late report fails.
    let mut mislabelled = org_facts("northbank");
    edit(
        &mut mislabelled,
        "ai_systems/credit-score.yaml",
        "risk_tier: high",
        "risk_tier: minimal",
    );
    let ev = shipped("northbank", &mislabelled);
    assert_eq!(result(&ev, "eu_ai_act::Art.73").outcome, Outcome::Fail);

    // Beside a high-risk system (so Art. 73 applies), a minimal-risk one with a late serious
    // incident: that incident is not reportable, and the on-time one of the high-risk system
    // passes.
    let mut both = on_time.clone();
    let (_, high) = both
        .iter()
        .find(|(p, _)| p == "ai_systems/credit-score.yaml")
        .unwrap()
        .clone();
    let helper = high.replacen("id: credit-score", "id: helper", 1).replacen(
        "risk_tier: high\nannex_iii_area: 5(b)\n",
        "risk_tier: minimal\n",
        1,
    );
    both.push(("ai_systems/helper.yaml".into(), helper));
    edit(
        &mut both,
        "aims.yaml",
        "incidents:\n",
        "incidents:\n  - {id: INC-9, system: helper, title: Wrong answer, occurred: 2026-09-01, became_aware: 2026-09-01, severity: major, serious: true, reported_to_authority: 2026-10-30}\n",
    );
    let ev = shipped("northbank", &both);
    let r = requirement(&ev, "eu_ai_act::Art.73", "within 15 days");
    assert_eq!(r.outcome, Outcome::Pass, "{}", r.message);
    let records = r.explanation.records.as_ref().unwrap();
    assert_eq!(
        (records.total, records.in_scope),
        (2, 1),
        "only INC-4 is reportable"
    );
}

#[test]
fn article_9_reads_the_risk_system_through_its_ref() {
    // A limited-risk system: its risks are not Art. 9's business.
    let mut limited = org_facts("northbank");
    edit(
        &mut limited,
        "ai_systems/credit-score.yaml",
        "risk_tier: high\nannex_iii_area: 5(b)\n",
        "risk_tier: limited\n",
    );
    let ev = shipped("northbank", &limited);
    assert_eq!(
        result(&ev, "eu_ai_act::Art.9").outcome,
        Outcome::NotApplicable
    );

    // A high-risk system's risk without a treatment fails Art. 9, through `r.system`.
    let mut untreated = org_facts("northbank");
    edit(
        &mut untreated,
        "aims.yaml",
        ", treatment: {option: mitigate, controls: [A.6.2.6], due: 2027-01-31, implemented: false}}",
        "}",
    );
    let ev = shipped("northbank", &untreated);
    let r = requirement(
        &ev,
        "eu_ai_act::Art.9",
        "every open risk of a high-risk system",
    );
    assert_eq!(r.outcome, Outcome::Fail, "{}", r.message);
    assert!(r.message.contains("risks[id=MR-7]"), "{}", r.message);
    let ev = shipped("northbank", &org_facts("northbank"));
    let r = requirement(
        &ev,
        "eu_ai_act::Art.9",
        "every open risk of a high-risk system",
    );
    assert_eq!(r.outcome, Outcome::Pass, "{}", r.message);
}

// ---------------------------------------------------------------- 3: invalid facts

#[test]
fn an_unresolved_ref_is_no_evidence() {
    let ev = shipped("northbank", &org_facts("northbank"));
    let named = requirement(&ev, "iso42001::5.1", "accountable executive");
    assert_eq!(named.outcome, Outcome::Pass, "{}", named.message);

    let mut files = org_facts("northbank");
    edit(
        &mut files,
        "aims.yaml",
        "accountable_executive: eva",
        "accountable_executive: alex",
    );
    let ev = shipped("northbank", &files);
    assert!(
        ev.diagnostics
            .iter()
            .any(|d| d.code == "aimsc::facts::unresolved_ref"),
        "the ref is diagnosed"
    );
    let r = requirement(&ev, "iso42001::5.1", "accountable executive");
    assert_eq!(r.outcome, Outcome::Error, "{}", r.message);
    assert!(r.message.contains("accountable_executive"), "{}", r.message);
    assert_eq!(result(&ev, "iso42001::5.1").outcome, Outcome::Error);
    assert!(ev.summary().error >= 1);
}

const TIER_RULES: &str = r#"
framework demo "Demo"
enum Tier { minimal, limited, high }
record System { id: string, risk_tier: Tier, assessed: bool }
facts { systems: [System] }
rule demo::high_assessed "High-risk systems are assessed" {
  all s in systems where s.risk_tier == high: s.assessed == true
}
rule demo::tiers_known "Every system's tier is minimal, limited or high" {
  all s in systems: s.risk_tier in [minimal, limited, high]
}
"#;

#[test]
fn an_invalid_enum_value_read_in_a_filter_is_an_error() {
    let facts = |tier: &str, assessed: bool| serde_json::json!({"systems": [{"id": "a", "risk_tier": tier, "assessed": assessed}]});
    let ev = own(TIER_RULES, facts("high", false));
    assert_eq!(result(&ev, "demo::high_assessed").outcome, Outcome::Fail);
    let ev = own(TIER_RULES, facts("high", true));
    assert_eq!(result(&ev, "demo::high_assessed").outcome, Outcome::Pass);
    // A typo in the tier: the record is neither in nor out of scope, and the rule says so.
    let ev = own(TIER_RULES, facts("hihg", true));
    for id in ["demo::high_assessed", "demo::tiers_known"] {
        let r = result(&ev, id);
        assert_eq!(r.outcome, Outcome::Error, "{id}: {}", r.message);
        assert!(r.message.contains("risk_tier"), "{id}: {}", r.message);
    }
}

// ---------------------------------------------------------------- 4: rules that do not check

#[test]
fn a_rule_that_does_not_check_is_an_error_not_a_fact_gap() {
    let rules = r#"
framework demo "Demo"
record Oversight { overseers: [string] }
record System { id: string, human_oversight: Oversight? }
facts { systems: [System] }
def overseen(s: System) = count(s.human_oversight.oversers) > 0
rule demo::typo "Systems have overseers" {
  all s in systems: count(s.human_oversight.oversers) > 0
}
rule demo::typo_in_def "Systems have overseers" {
  all s in systems: overseen(s)
}
rule demo::typo_in_scope "Systems have overseers" {
  applies when any s in systems: s.human_oversight.oversers is set
  require "none" { count(systems) >= 0 }
}
rule demo::fine "Systems have overseers" {
  all s in systems: count(s.human_oversight.overseers) > 0
}
"#;
    let ev = own(
        rules,
        serde_json::json!({"systems": [{"id": "a", "human_oversight": {"overseers": []}}]}),
    );
    assert!(
        ev.diagnostics
            .iter()
            .any(|d| d.code == "aimsc::resolve::unknown_field"),
        "the typo is diagnosed"
    );
    for id in ["demo::typo", "demo::typo_in_def", "demo::typo_in_scope"] {
        let r = result(&ev, id);
        assert_eq!(r.outcome, Outcome::Error, "{id}: {}", r.message);
        assert!(
            r.message.contains("the rule does not check"),
            "{id}: {}",
            r.message
        );
        assert!(r.message.contains("oversers"), "{id}: {}", r.message);
        assert!(r.message.contains("rules.aims"), "{id}: {}", r.message);
        assert!(!r.message.contains("missing"), "{id}: {}", r.message);
    }
    assert_eq!(result(&ev, "demo::fine").outcome, Outcome::Fail);
    assert_eq!(ev.summary().error, 3);
}

// ---------------------------------------------------------------- 5: what can be excluded

/// The codes of the errors the shipped rulesets plus `own` rules give.
fn shipped_rule_errors(own: &str) -> Vec<(String, String)> {
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
            .map(|d| (d.code.to_string(), d.help.clone().unwrap_or_default()))
            .collect(),
    }
}

#[test]
fn only_annex_a_controls_can_be_excluded_and_no_law() {
    assert_eq!(
        shipped_rule_errors("exclude iso42001::A.10.4 \"We supply no AI system.\"\n"),
        Vec::new()
    );
    let clause = shipped_rule_errors("exclude iso42001::9.2 \"Audits cost too much.\"\n");
    assert_eq!(clause.len(), 1, "{clause:?}");
    assert_eq!(clause[0].0, "aimsc::scope::not_excludable");
    assert!(clause[0].1.contains("`A.*`"), "{}", clause[0].1);
    let law = shipped_rule_errors("exclude eu_ai_act::Art.50 \"Not for us.\"\n");
    assert_eq!(law.len(), 1, "{law:?}");
    assert_eq!(law[0].0, "aimsc::scope::not_excludable");
    let waived = shipped_rule_errors(
        "waive eu_ai_act::Art.73 until 2027-01-01 owner \"cro\" \"Reporting later.\"\n",
    );
    assert_eq!(waived.len(), 1, "{waived:?}");
    assert_eq!(waived[0].0, "aimsc::scope::not_waivable");
    // A nonconformity with a clause may be accepted for a time.
    assert_eq!(
        shipped_rule_errors(
            "waive iso42001::9.2 until 2027-01-01 owner \"cro\" \"Audit booked.\"\n"
        ),
        Vec::new()
    );
}

// ---------------------------------------------------------------- 6: dates of application

#[test]
fn article_73_judges_an_incident_by_when_it_became_known() {
    // Learnt of in April 2026, before the high-risk duties applied (2026-08-02), reported 50
    // days later: not reportable under Art. 73, which does not apply.
    let mut before = org_facts("northbank");
    edit(
        &mut before,
        "aims.yaml",
        "became_aware: 2026-09-02",
        "became_aware: 2026-04-10",
    );
    edit(
        &mut before,
        "aims.yaml",
        "occurred: 2026-09-02",
        "occurred: 2026-04-10",
    );
    edit(
        &mut before,
        "aims.yaml",
        "reported_to_authority: 2026-09-22",
        "reported_to_authority: 2026-05-30",
    );
    let ev = shipped("northbank", &before);
    let r = result(&ev, "eu_ai_act::Art.73");
    assert_eq!(r.outcome, Outcome::NotApplicable, "{}", r.message);
    // The same delay after the date fails.
    let mut after = org_facts("northbank");
    edit(
        &mut after,
        "aims.yaml",
        "reported_to_authority: 2026-09-22",
        "reported_to_authority: 2026-10-22",
    );
    let ev = shipped("northbank", &after);
    assert_eq!(
        requirement(&ev, "eu_ai_act::Art.73", "within 15 days").outcome,
        Outcome::Fail
    );
}

#[test]
fn a_legacy_high_risk_system_is_bound_only_once_significantly_changed() {
    let with = |extra: &str| {
        let mut files = org_facts("northbank");
        edit(
            &mut files,
            "ai_systems/credit-score.yaml",
            "risk_tier: high\n",
            &format!("risk_tier: high\n{extra}"),
        );
        shipped("northbank", &files)
    };
    // Placed on the market before 2026-08-02 and unchanged since: Art. 111(2).
    let ev = with("placed_on_market: 2025-03-01\n");
    assert_eq!(
        result(&ev, "eu_ai_act::Art.15").outcome,
        Outcome::NotApplicable
    );
    // Significantly changed after the date: the provider duties apply.
    let ev = with("placed_on_market: 2025-03-01\nsignificant_change: 2026-09-15\n");
    assert_eq!(result(&ev, "eu_ai_act::Art.15").outcome, Outcome::Fail);
    // Placed on the market after the date: they apply.
    let ev = with("placed_on_market: 2026-09-01\n");
    assert_eq!(result(&ev, "eu_ai_act::Art.15").outcome, Outcome::Fail);
    // Intended for public authorities: they apply by 2030-08-02 at the latest.
    let ev = with("placed_on_market: 2025-03-01\nfor_public_authorities: true\n");
    assert_eq!(
        result(&ev, "eu_ai_act::Art.15").outcome,
        Outcome::NotApplicable
    );
}

// ---------------------------------------------------------------- 7: overrides

#[test]
fn a_set_outside_a_params_bounds_is_an_error_at_the_set() {
    let errors = shipped_rule_errors("set policy_review_period = 100 years\n");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "aimsc::scope::param_out_of_bounds");
    let errors = shipped_rule_errors("set serious_incident_deadline = 30 days\n");
    assert_eq!(
        errors.len(),
        1,
        "the Act's 15 days cannot be lengthened: {errors:?}"
    );
    assert_eq!(
        shipped_rule_errors("set serious_incident_deadline = 10 days\n"),
        Vec::new()
    );
}

#[test]
fn overrides_are_listed_in_every_report_and_weakening_is_warned() {
    let files = org_facts("northbank");
    let ev = shipped_with(
        "northbank",
        &files,
        "set policy_review_period = 24 months\nset min_log_retention = 1 month\n",
    );
    let warned: Vec<&str> = ev
        .diagnostics
        .iter()
        .filter(|d| d.code == "aimsc::scope::param_weakened")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(warned.len(), 2, "{warned:?}");
    let o = ev.overrides();
    let names: Vec<(&str, bool)> = o.params.iter().map(|p| (&*p.name, p.weakened)).collect();
    assert!(names.contains(&("policy_review_period", true)), "{names:?}");
    assert!(names.contains(&("min_log_retention", true)), "{names:?}");
    // northbank's own shorter periods are overrides too, not weakening.
    assert!(
        names.contains(&("risk_reassessment_period", false)),
        "{names:?}"
    );
    assert_eq!(o.exclusions.len(), 1);
    assert_eq!(o.waivers.len(), 1);
    assert_eq!(&*o.waivers[0].owner, "Head of Model Risk");

    let options = aimsc::RenderOptions::default();
    for format in aimsc::Format::ALL {
        let text = ev.render(format, &options);
        if format == aimsc::Format::Junit {
            continue;
        }
        for needle in [
            "policy_review_period",
            "iso42001::A.10.4",
            "Head of Model Risk",
        ] {
            assert!(text.contains(needle), "{format:?} lacks {needle}");
        }
    }
    let sarif: serde_json::Value =
        serde_json::from_str(&ev.render(aimsc::Format::Sarif, &options)).unwrap();
    let params = &sarif["runs"][0]["properties"]["overrides"]["params"];
    assert!(
        params
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "min_log_retention" && p["weakened"] == true),
        "{params}"
    );
}

#[test]
fn the_acts_log_minimum_holds_whatever_the_iso_param_says() {
    let mut files = org_facts("northbank");
    edit(
        &mut files,
        "ai_systems/credit-score.yaml",
        "retention: 10 years",
        "retention: 2 months",
    );
    let ev = shipped_with("northbank", &files, "set min_log_retention = 1 month\n");
    assert_eq!(
        requirement(&ev, "iso42001::A.6.2.8", "retention").outcome,
        Outcome::Pass,
        "the ISO control follows the organisation's own (weakened) retention"
    );
    let r = requirement(&ev, "eu_ai_act::Art.19", "six months");
    assert_eq!(r.outcome, Outcome::Fail, "{}", r.message);
    let ev = shipped("northbank", &org_facts("northbank"));
    assert_eq!(
        requirement(&ev, "eu_ai_act::Art.19", "six months").outcome,
        Outcome::Pass
    );
}

#[test]
fn a_waiver_longer_than_the_bound_is_warned() {
    let files = org_facts("northbank");
    let ev = shipped_with(
        "northbank",
        &files,
        "waive iso42001::A.7.4 until 9999-12-31 owner \"cdo\" \"Forever.\"\n",
    );
    let long: Vec<&str> = ev
        .diagnostics
        .iter()
        .filter(|d| d.code == "aimsc::scope::long_waiver")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(long.len(), 1, "{long:?}");
    assert!(long[0].contains("iso42001::A.7.4"), "{}", long[0]);
    // northbank's own waiver ends within a year of the as-of date.
    let ev = shipped("northbank", &files);
    assert!(
        !ev.diagnostics
            .iter()
            .any(|d| d.code == "aimsc::scope::long_waiver")
    );
}

// ---------------------------------------------------------------- 9: a pass that checked nothing

#[test]
fn a_pass_over_no_records_says_it_checked_nothing() {
    let ev = shipped("northbank", &org_facts("northbank"));
    let r = result(&ev, "iso42001::A.5.3");
    assert_eq!((r.outcome, r.nothing_checked), (Outcome::Pass, false));

    let mut files = org_facts("northbank");
    edit(
        &mut files,
        "ai_systems/credit-score.yaml",
        "impact_assessments:\n  - {id: IA-7, date: 2026-06-01, assessor: ola, covers_individuals: true, covers_society: true, fundamental_rights: true, notified_to_authority: 2026-06-15, findings_addressed: true, documented: true, evidence: EV-3}",
        "impact_assessments: []",
    );
    edit(
        &mut files,
        "ai_systems/credit-score.yaml",
        "datasets: [loan-history, bureau]",
        "datasets: []",
    );
    let ev = shipped("northbank", &files);
    let r = result(&ev, "iso42001::A.5.3");
    assert_eq!(r.outcome, Outcome::Pass);
    assert!(r.nothing_checked, "{}", r.message);
    assert_eq!(
        r.message,
        "nothing to check: no impact_assessments recorded"
    );
    let a43 = requirement(&ev, "iso42001::A.4.3", "every dataset");
    assert!(a43.nothing_checked, "{}", a43.message);
    assert_eq!(a43.message, "nothing to check: no datasets recorded");

    let options = aimsc::RenderOptions::default();
    let json: serde_json::Value =
        serde_json::from_str(&ev.render(aimsc::Format::Json, &options)).unwrap();
    let a53 = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "iso42001::A.5.3")
        .unwrap();
    assert_eq!(a53["nothing_checked"], true);
    let junit = ev.render(aimsc::Format::Junit, &options);
    let case = junit
        .split("<testcase ")
        .find(|c| c.contains("name=\"A.5.3 "))
        .unwrap();
    assert!(
        case.contains("<skipped message=\"nothing to check"),
        "{case}"
    );
    let markdown = ev.render(aimsc::Format::Markdown, &options);
    assert!(markdown.contains("nothing to check") && markdown.contains("`iso42001::A.5.3`"));
    let text = ev.render(aimsc::Format::Text, &options);
    assert!(text.contains("with nothing to check)"), "{text}");

    let fail_on: aimsc::FailOn = "nothing-checked".parse().unwrap();
    assert!(ev.fails(&fail_on));
    let default = aimsc::FailOn::default();
    assert!(!fail_on.fails(result(
        &shipped("northbank", &org_facts("northbank")),
        "iso42001::A.5.3"
    )));
    assert!(!default.fails(r));
}

// ---------------------------------------------------------------- 8: explanations with values

const EXPLAINED_RULES: &str = r#"
framework demo "Demo"
record Org { name: string, context_reviewed: date }
record Person { id: string }
record Training { person: ref Person, completed: date }
record Dataset { id: string, checked: bool }
record System { id: string, owner: ref Person, datasets: [ref Dataset] }
facts { organisation: Org, people: [Person], training: [Training], datasets: [Dataset], ai_systems: [System] }
param context_review_period: duration = 12 months
def current(d: date, period: duration) = d >= today - period
rule demo::context "Context reviewed" { current(organisation.context_reviewed, context_review_period) }
rule demo::cutoff "Recent training" {
  let cutoff = today - 11 months
  all s in ai_systems: any t in training where t.person == s.owner: t.completed >= cutoff
}
rule demo::trained "Owners trained" {
  any t in training: t.completed >= today - 6 months
}
rule demo::data "Datasets checked" { all s in ai_systems: all d in s.datasets: d.checked == true }
"#;

fn explained() -> Evaluation {
    let files = [
        (
            "aims.yaml",
            "organisation:\n  name: Demo\n  context_reviewed: 2025-08-20\npeople:\n  - id: ann\ntraining:\n  - person: ann\n    completed: 2025-01-10\n",
        ),
        (
            "ai_systems/bot.yaml",
            "id: bot\nowner: ann\ndatasets: [chats]\n",
        ),
        ("datasets/chats.yaml", "id: chats\nchecked: false\n"),
    ];
    let project = aimsc::Project::new(
        vec![("rules.aims".into(), EXPLAINED_RULES.to_string())],
        files
            .iter()
            .map(|(p, t)| aimsc::fact_input(p, *t).unwrap())
            .collect(),
        as_of(),
    );
    let mut engine = Engine::from_project(project);
    let ev = engine.evaluate(&Options::new(as_of())).unwrap();
    assert!(ev.diagnostics.is_empty(), "{:?}", ev.diagnostics);
    ev
}

fn tree(ev: &Evaluation, id: &str) -> String {
    serde_json::to_string(&result(ev, id).requirements[0].explanation).unwrap()
}

#[test]
fn a_failing_def_call_shows_its_arguments_and_the_comparison_inside() {
    let ev = explained();
    let t = tree(&ev, "demo::context");
    assert!(
        t.contains("d = 2025-08-20 (organisation.context_reviewed), period = 1 year (context_review_period)"),
        "{t}"
    );
    assert!(
        t.contains("2025-08-20 < 2025-11-01 (2026-11-01 − 1 year)"),
        "{t}"
    );
    // The organisation-level fact, at its own line (3) of aims.yaml.
    assert!(t.contains(r#""at":{"file":"aims.yaml","line":3"#), "{t}");
}

#[test]
fn let_bindings_keep_their_names_and_a_false_any_names_its_nearest_records() {
    let ev = explained();
    let r = &result(&ev, "demo::cutoff").requirements[0];
    assert_eq!(r.outcome, Outcome::Fail);
    let t = tree(&ev, "demo::cutoff");
    assert!(
        t.contains("with cutoff = 2025-12-01 (today - 11 months)"),
        "{t}"
    );
    assert!(!t.contains("with let ="), "{t}");
    // The one training record of the owner, completed before the cutoff, is shown.
    assert!(t.contains("2025-01-10 < 2025-12-01"), "{t}");
    let r = &result(&ev, "demo::trained").requirements[0];
    assert_eq!(r.outcome, Outcome::Fail);
    assert!(
        r.message
            .starts_with("none of 1 training satisfy it: training[0]"),
        "{}",
        r.message
    );
    assert!(
        r.message.contains("2025-01-10 < 2026-05-01"),
        "{}",
        r.message
    );
}

#[test]
fn a_record_reached_by_id_is_located_in_its_own_file() {
    let ev = explained();
    let r = &result(&ev, "demo::data").requirements[0];
    assert_eq!(r.outcome, Outcome::Fail);
    let inner = &r.explanation.records.as_ref().unwrap().findings[0].explanation;
    let dataset = &inner.records.as_ref().unwrap().findings[0];
    assert_eq!(&*dataset.record, "datasets[id=chats]");
    assert_eq!(&*dataset.at.as_ref().unwrap().file, "datasets/chats.yaml");
}
