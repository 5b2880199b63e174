//! SARIF 2.1.0, for code-scanning views: a result per failing requirement, or per failing record
//! where a quantifier failed, placed at the facts line that caused it.

use crate::findings::{Catalog, Failure, failures};
use crate::{ReportDiagnostic, hex};
use aimsc_eval::outcome::{CheckResult, Outcome};
use aimsc_eval::validate::FactLoc;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The base every artifact URI is relative to: the project root (where aims.toml is).
const SRCROOT: &str = "SRCROOT";
/// The base of the rulesets shipped inside aimsc (`@aimsc/...`), which are not in the project.
const RULESETS: &str = "AIMSC_RULESETS";

fn location(at: &FactLoc) -> Value {
    let (base, path) = match at.file.strip_prefix(aimsc_rulesets_prefix()) {
        Some(rest) => (RULESETS, rest.trim_start_matches('/')),
        None => (SRCROOT, &*at.file),
    };
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": crate::uri(path), "uriBaseId": base },
            "region": { "startLine": at.line.max(1), "startColumn": at.column.max(1) }
        }
    })
}

fn aimsc_rulesets_prefix() -> &'static str {
    "@aimsc"
}

fn rule(r: &CheckResult, catalog: &Catalog) -> Value {
    let intent = catalog.intents.get(&r.id);
    let framework = catalog.framework_title(&r.framework);
    let help = match intent {
        Some(i) => format!("{i} Run `aimsc explain {}` for its requirements.", r.id),
        None => format!("Run `aimsc explain {}` for its requirements.", r.id),
    };
    let mut rule = json!({
        "id": &*r.id,
        "name": pascal(&r.title),
        "shortDescription": { "text": format!("{} {}", r.id, r.title) },
        "help": { "text": help },
        "defaultConfiguration": { "level": "error" },
        "properties": {
            "framework": &*r.framework,
            "frameworkTitle": &*framework,
            "kind": r.kind,
            "tags": [&*r.framework, "compliance"],
        }
    });
    if let Some(i) = intent {
        rule["fullDescription"] = json!({ "text": &**i });
    }
    rule
}

/// SARIF rule names are PascalCase identifiers.
fn pascal(title: &str) -> String {
    title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            // `AI` → `Ai`: a Pascal identifier has no run of capitals.
            let mut cs = w.chars();
            cs.next()
                .map(|c| {
                    c.to_uppercase()
                        .chain(cs.flat_map(char::to_lowercase))
                        .collect::<String>()
                })
                .unwrap_or_default()
        })
        .collect()
}

fn fingerprint(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    hex(&h.finalize()[..16])
}

fn suppressions(r: &CheckResult) -> Option<Value> {
    let w = r.waiver.as_ref()?;
    let status = if w.expired { "rejected" } else { "accepted" };
    let mut just = format!(
        "waived until {} (owner {}): {}",
        w.until, w.owner, w.justification
    );
    if w.expired {
        just.push_str(" — the waiver has expired");
    }
    Some(json!([{ "kind": "inSource", "status": status, "justification": just }]))
}

fn failure_result(
    r: &CheckResult,
    index: usize,
    f: &Failure<'_>,
    root_facts: Option<&str>,
) -> Value {
    let record = f.record.map(|x| &*x.record).unwrap_or("");
    let mut res = json!({
        "ruleId": &*r.id,
        "ruleIndex": index,
        "kind": "fail",
        "level": "error",
        "message": { "text": format!("{} {}: {}", r.id, r.title, f.message) },
        "partialFingerprints": {
            "aimscFinding/v1": fingerprint(&[&r.id, &f.requirement.name, record])
        },
        "properties": { "outcome": r.outcome.as_str(), "requirement": &*f.requirement.name },
    });
    let mut related = Vec::new();
    if let Some(loc) = &f.requirement.location {
        let mut l = location(loc);
        l["id"] = json!(related.len());
        l["message"] = json!({ "text": "the requirement, in the rules" });
        related.push(l);
    }
    // Without a facts line (a missing root fact), the result sits at the top of the root
    // facts file, where the fact belongs; failing that, on the requirement itself.
    let root = root_facts.map(|file| FactLoc {
        file: file.into(),
        line: 1,
        column: 1,
    });
    let primary =
        f.at.or(root.as_ref())
            .or(f.requirement.location.as_ref())
            .or(r.location.as_ref());
    if let Some(at) = primary {
        res["locations"] = json!([location(at)]);
    }
    if !related.is_empty() {
        res["relatedLocations"] = Value::Array(related);
    }
    if let Some(s) = suppressions(r) {
        res["suppressions"] = s;
    }
    res
}

fn excluded_result(r: &CheckResult, index: usize) -> Value {
    let just = r.justification.as_deref().unwrap_or("excluded");
    let mut res = json!({
        "ruleId": &*r.id,
        "ruleIndex": index,
        "kind": "notApplicable",
        "level": "none",
        "message": { "text": format!("{} {}: excluded from the Statement of Applicability", r.id, r.title) },
        "partialFingerprints": { "aimscFinding/v1": fingerprint(&[&r.id, "excluded"]) },
        "suppressions": [{ "kind": "inSource", "status": "accepted", "justification": just }],
        "properties": { "outcome": "excluded" },
    });
    at_control(&mut res, r);
    res
}

/// Places a result about a whole control at the control's declaration.
fn at_control(res: &mut Value, r: &CheckResult) {
    if let Some(at) = &r.location {
        res["locations"] = json!([location(at)]);
    }
}

/// A pass that checked nothing, for review: no failure, and no evidence either.
fn nothing_checked_result(r: &CheckResult, index: usize) -> Value {
    let mut res = json!({
        "ruleId": &*r.id,
        "ruleIndex": index,
        "kind": "review",
        "level": "none",
        "message": { "text": format!("{} {}: {}", r.id, r.title, r.message) },
        "partialFingerprints": { "aimscFinding/v1": fingerprint(&[&r.id, "nothing-checked"]) },
        "properties": { "outcome": "pass", "nothingChecked": true },
    });
    at_control(&mut res, r);
    res
}

/// A control met by attestation, for review: it holds by a person's word, not by the facts.
/// At the attestation in the facts when there is one, else at the control.
fn attested_result(r: &CheckResult, index: usize) -> Value {
    let who: Vec<String> = r
        .requirements
        .iter()
        .filter_map(|q| q.attestation.as_ref())
        .map(|a| format!("{} by {} until {}", a.id, a.attested_by, a.valid_until))
        .collect();
    let mut res = json!({
        "ruleId": &*r.id,
        "ruleIndex": index,
        "kind": "review",
        "level": "none",
        "message": { "text": format!("{} {}: attested (manual), not shown by the facts: {}", r.id, r.title, who.join("; ")) },
        "partialFingerprints": { "aimscFinding/v1": fingerprint(&[&r.id, "attested"]) },
        "properties": { "outcome": "attested" },
    });
    let at = r
        .requirements
        .iter()
        .find_map(|q| q.attestation.as_ref().and_then(|a| a.at.as_ref()));
    match at {
        Some(at) => res["locations"] = json!([location(at)]),
        None => at_control(&mut res, r),
    }
    res
}

/// The descriptors of the diagnostic codes a run reports, from the catalogue, by id: what
/// each means and how to resolve it (`aimsc explain --code CODE` prints the same).
fn notification_descriptors(diagnostics: &[ReportDiagnostic]) -> Vec<&'static str> {
    let mut ids: Vec<&'static str> = diagnostics
        .iter()
        .filter_map(|d| aimsc_diagnostics::codes::find(&d.code).map(|c| c.id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn descriptor(id: &str) -> Value {
    match aimsc_diagnostics::codes::find(id) {
        Some(c) => json!({
            "id": c.id,
            "shortDescription": { "text": c.summary },
            "help": { "text": c.help },
            "properties": { "area": c.area() },
        }),
        None => json!({ "id": id }),
    }
}

fn notification(d: &ReportDiagnostic, descriptors: &[&str]) -> Value {
    let level = match d.severity {
        aimsc_diagnostics::Severity::Error => "error",
        aimsc_diagnostics::Severity::Warning => "warning",
    };
    let mut descriptor = json!({ "id": d.code });
    if let Some(i) = descriptors.iter().position(|id| *id == d.code) {
        descriptor["index"] = json!(i);
    }
    let mut n = json!({
        "descriptor": descriptor,
        "level": level,
        "message": { "text": &d.message },
    });
    if let (Some(file), Some(line)) = (&d.file, d.line) {
        n["locations"] = json!([location(&FactLoc {
            file: file.clone(),
            line,
            column: d.column.unwrap_or(1),
        })]);
    }
    n
}

/// A result for evidence that cannot be relied on: at its record in the facts, with the
/// document as a related location (a URL is not an artifact of the project, so it has none).
fn evidence_result(e: &crate::EvidenceEntry, at: Option<&ReportDiagnostic>, index: usize) -> Value {
    let problem = e.problem.clone().unwrap_or_default();
    let mut res = json!({
        "ruleId": format!("aimsc::evidence::{}", e.state),
        "ruleIndex": index,
        "level": "warning",
        "message": { "text": problem },
        "partialFingerprints": { "aimsc/v1": fingerprint(&["evidence", &e.id, &e.state]) },
    });
    if let Some(d) = at
        && let Some(file) = &d.file
    {
        res["locations"] = json!([location(&FactLoc {
            file: file.clone(),
            line: d.line.unwrap_or(1),
            column: d.column.unwrap_or(1),
        })]);
    }
    if e.state.as_ref() != "outside"
        && !e.location.starts_with("http://")
        && !e.location.starts_with("https://")
    {
        res["relatedLocations"] = json!([{
            "id": 1,
            "physicalLocation": { "artifactLocation": { "uri": crate::uri(&e.location), "uriBaseId": SRCROOT } },
            "message": { "text": format!("the document of evidence {}", e.id) },
        }]);
    }
    res
}

fn evidence_rule(state: &str) -> Value {
    let id = format!("aimsc::evidence::{state}");
    let text = aimsc_diagnostics::codes::find(&id).map_or("", |c| c.summary);
    json!({
        "id": id,
        "name": pascal(&format!("evidence {state}")),
        "shortDescription": { "text": text },
        "defaultConfiguration": { "level": "warning" },
    })
}

/// Renders the SARIF log. Rules are the controls and rules that have a result in it, and the
/// evidence states that do.
pub fn render(
    results: &[CheckResult],
    overrides: &crate::Overrides,
    diagnostics: &[ReportDiagnostic],
    catalog: &Catalog,
    root_facts: Option<&str>,
    evidence: &[crate::EvidenceEntry],
) -> String {
    let mut rules = Vec::new();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for r in results {
        let fails = failures(r);
        let excluded = r.outcome == Outcome::Excluded;
        let attested = r.outcome == Outcome::Attested;
        if fails.is_empty() && !excluded && !r.nothing_checked && !attested {
            continue;
        }
        let i = *index.entry(&r.id).or_insert_with(|| {
            rules.push(rule(r, catalog));
            rules.len() - 1
        });
        if excluded {
            out.push(excluded_result(r, i));
        }
        if r.nothing_checked {
            out.push(nothing_checked_result(r, i));
        }
        if attested {
            out.push(attested_result(r, i));
        }
        for f in &fails {
            out.push(failure_result(r, i, f, root_facts));
        }
    }
    for e in evidence.iter().filter(|e| e.problem.is_some()) {
        let key = format!("aimsc::evidence::{}", e.state);
        let i = match rules.iter().position(|r| r["id"] == key.as_str()) {
            Some(i) => i,
            None => {
                rules.push(evidence_rule(&e.state));
                rules.len() - 1
            }
        };
        let at = diagnostics
            .iter()
            .find(|d| Some(&d.message) == e.problem.as_ref());
        out.push(evidence_result(e, at, i));
    }
    let errors = diagnostics
        .iter()
        .any(|d| d.severity == aimsc_diagnostics::Severity::Error);
    let descriptors = notification_descriptors(diagnostics);
    let log = json!({
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "aimsc",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://example.invalid/aimsc",
                "rules": rules,
            }},
            "originalUriBaseIds": {
                SRCROOT: { "description": { "text": "The project root: the folder that holds aims.toml." } },
                RULESETS: { "description": { "text": "The rulesets shipped inside aimsc (`aimsc explain --rulesets`)." } },
            },
            "invocations": [{
                "executionSuccessful": !errors,
                "toolExecutionNotifications": diagnostics.iter().map(|d| notification(d, &descriptors)).collect::<Vec<_>>(),
            }],
            "results": out,
            "columnKind": "unicodeCodePoints",
            // What the organisation changed about the rules it is judged by.
            "properties": { "overrides": overrides },
        }]
    });
    let mut log = log;
    if !descriptors.is_empty() {
        log["runs"][0]["tool"]["driver"]["notifications"] = descriptors
            .iter()
            .map(|id| descriptor(id))
            .collect::<Value>();
    }
    crate::pretty(&log)
}
