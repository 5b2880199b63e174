//! OSCAL 1.2 assessment results (JSON): an observation per requirement checked, a finding per
//! control or rule. UUIDs are version 5, derived from the inputs' digests and the content, so
//! two runs on the same inputs give the same document. Times are the as-of date at midnight UTC:
//! the evaluation is about that date, and the wall clock would break reproducibility.

use crate::Inputs;
use crate::findings::{Catalog, failures, first_at, split_id};
use aimsc_eval::outcome::{CheckResult, Outcome};
use serde_json::{Value, json};
use uuid::Uuid;

/// The OSCAL version the document declares and is validated against.
pub const OSCAL_VERSION: &str = "1.2.3";

/// Namespace of aimsc's own OSCAL properties.
const NS: &str = "https://example.invalid/aimsc/ns/oscal";

/// Namespace for the document UUIDs (a fixed random v4 UUID, never to change).
const UUID_NS: Uuid = Uuid::from_u128(0x6f1c_2a7e_93b4_4d0e_8a51_2c7d_9e44_b013);

fn uuid(parent: &Uuid, name: &str) -> String {
    Uuid::new_v5(parent, name.as_bytes()).to_string()
}

/// An OSCAL token (letters, digits, `.`, `-`, `_`, starting with a letter or `_`) for an id:
/// `iso42001::A.5.2` → `iso42001_A.5.2`.
pub fn token(id: &str) -> String {
    let (framework, local) = split_id(id);
    let raw = if framework.is_empty() {
        local.to_string()
    } else {
        format!("{framework}_{local}")
    };
    let mut t: String = raw
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect();
    if !t.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        t.insert(0, '_');
    }
    t
}

/// The overrides as result properties: a param set (`param-set`, `name: default -> value`),
/// an exclusion and a waiver, each with where it is written.
fn override_props(o: &crate::Overrides) -> Vec<Value> {
    let with_remarks = |mut p: Value, remarks: String| {
        p["remarks"] = json!(remarks);
        p
    };
    let params = o.params.iter().map(|p| {
        let class = if p.weakened { "weakened" } else { "changed" };
        let mut v = with_remarks(
            prop(
                "param-set",
                &format!("{}: {} -> {}", p.name, p.default, p.value),
            ),
            format!("set at {}", p.at),
        );
        v["class"] = json!(class);
        v
    });
    let exclusions = o.exclusions.iter().map(|x| {
        with_remarks(
            prop("control-excluded", &x.control),
            format!("{} (at {})", x.justification, x.at),
        )
    });
    let waivers = o.waivers.iter().map(|w| {
        with_remarks(
            prop(
                "control-waived",
                &format!("{} until {} (owner {})", w.control, w.until, w.owner),
            ),
            format!("{} (at {})", w.justification, w.at),
        )
    });
    params.chain(exclusions).chain(waivers).collect()
}

fn prop(name: &str, value: &str) -> Value {
    json!({ "name": name, "ns": NS, "value": nonblank(value) })
}

/// OSCAL strings must not be blank.
fn nonblank(s: &str) -> String {
    if s.trim().is_empty() {
        "-".to_string()
    } else {
        s.to_string()
    }
}

fn state(o: Outcome) -> Option<(&'static str, &'static str)> {
    match o {
        Outcome::Pass => Some(("satisfied", "pass")),
        Outcome::Attested => Some(("satisfied", "attested")),
        Outcome::Fail => Some(("not-satisfied", "fail")),
        Outcome::Error => Some(("not-satisfied", "error")),
        Outcome::Waived => Some(("not-satisfied", "waived")),
        Outcome::Excluded | Outcome::NotApplicable => None,
    }
}

/// Renders the assessment results.
pub fn render(
    results: &[CheckResult],
    overrides: &crate::Overrides,
    as_of: &str,
    inputs: &Inputs,
    catalog: &Catalog,
) -> String {
    let when = format!("{as_of}T00:00:00Z");
    let doc = Uuid::new_v5(
        &UUID_NS,
        format!(
            "assessment-results\0{}\0{}\0{as_of}\0{}",
            inputs.rules_digest,
            inputs.facts_digest,
            results.iter().map(|r| &*r.id).collect::<Vec<_>>().join(",")
        )
        .as_bytes(),
    );
    let mut observations = Vec::new();
    let mut findings = Vec::new();
    let mut include = Vec::new();
    let mut exclude = Vec::new();
    let evidence_by_id: std::collections::HashMap<&str, &crate::EvidenceEntry> =
        inputs.evidence.iter().map(|e| (&*e.id, e)).collect();
    for r in results {
        let control = json!({ "control-id": token(&r.id) });
        let Some((state, reason)) = state(r.outcome) else {
            exclude.push(control);
            continue;
        };
        // A pass that checked nothing shows no objective satisfied: there was no evidence.
        let (state, reason) = if r.nothing_checked {
            ("not-satisfied", "other")
        } else {
            (state, reason)
        };
        include.push(control);
        let mut related = Vec::new();
        let fails = failures(r);
        for (i, req) in r.requirements.iter().enumerate() {
            let ouuid = uuid(&doc, &format!("observation\0{}\0{i}", r.id));
            let mut evidence = Vec::new();
            for f in fails.iter().filter(|f| std::ptr::eq(f.requirement, req)) {
                let mut e = json!({ "description": nonblank(&f.message) });
                if let Some(at) = f.at {
                    e["href"] = json!(crate::findings_href(at));
                }
                evidence.push(e);
            }
            // The documents behind the requirement: where each is, its digest as recorded and
            // as found, and whether it can be relied on.
            for id in &req.evidence {
                let Some(e) = evidence_by_id.get(&**id) else {
                    continue;
                };
                let mut props = vec![
                    prop("evidence-id", &e.id),
                    prop("evidence-kind", &e.kind),
                    prop("evidence-state", &e.state),
                ];
                if let Some(d) = &e.sha256 {
                    props.push(prop("sha256-recorded", d));
                }
                if let Some(d) = &e.found_sha256 {
                    props.push(prop("sha256-found", d));
                }
                if let Some(d) = &e.valid_until {
                    props.push(prop("valid-until", d));
                }
                evidence.push(json!({
                    "href": &*e.location,
                    "description": nonblank(&match &e.problem {
                        Some(p) => p.clone(),
                        None => format!("Evidence {} ({}), {}.", e.id, e.kind, e.state),
                    }),
                    "props": props,
                }));
            }
            if evidence.is_empty()
                && let Some(at) = first_at(&req.explanation)
            {
                evidence.push(json!({
                    "href": crate::findings_href(at),
                    "description": "The facts the requirement was checked against.",
                }));
            }
            let mut o = json!({
                "uuid": ouuid,
                "title": nonblank(&req.name),
                "description": nonblank(&req.message),
                "props": [
                    prop("result", req.outcome.as_str()),
                    prop("control", &r.id),
                    prop("evaluated-on", as_of),
                ],
                // An attestation is a person's statement, as an interview is; the rest is a
                // test of the facts.
                "methods": [if req.attested { "INTERVIEW" } else { "TEST" }],
                "types": ["control-objective"],
                "collected": when,
                "remarks": format!("{} → {:?}", req.explanation.expr, req.explanation.result).to_lowercase(),
            });
            if !evidence.is_empty() {
                o["relevant-evidence"] = Value::Array(evidence);
            }
            observations.push(o);
            related.push(json!({ "observation-uuid": ouuid }));
        }
        let mut status = json!({ "state": state, "reason": reason });
        if r.nothing_checked {
            status["remarks"] = json!(format!("not evidenced: {}", r.message));
        }
        if let Some(w) = &r.waiver {
            status["remarks"] = json!(format!(
                "waiver until {} (owner {}{}): {}",
                w.until,
                w.owner,
                if w.expired { ", expired" } else { "" },
                w.justification
            ));
        }
        let mut finding = json!({
            "uuid": uuid(&doc, &format!("finding\0{}", r.id)),
            "title": format!("{} {}", r.id, r.title),
            "description": nonblank(&r.message),
            "props": [
                prop("outcome", r.outcome.as_str()),
                prop("framework", &r.framework),
            ],
            "target": {
                "type": "objective-id",
                "target-id": token(&r.id),
                "title": format!("{}: {}", catalog.framework_title(&r.framework), r.title),
                "status": status,
            },
        });
        if !related.is_empty() {
            finding["related-observations"] = Value::Array(related);
        }
        findings.push(finding);
    }
    let mut selection = json!({ "description": "The controls and rules evaluated; exclusions and inapplicable ones left out." });
    if include.is_empty() {
        selection["include-all"] = json!({});
    } else {
        selection["include-controls"] = Value::Array(include);
    }
    if !exclude.is_empty() {
        selection["exclude-controls"] = Value::Array(exclude);
    }
    let mut result = json!({
        "uuid": uuid(&doc, "result"),
        "title": format!("aimsc evaluation as of {as_of}"),
        "description": format!(
            "Automated evaluation of {} controls and rules against the organisation's facts.",
            results.len()
        ),
        "start": when,
        "end": when,
        "props": std::iter::once(prop("rules-sha256", &inputs.rules_digest))
            .chain(std::iter::once(prop("facts-sha256", &inputs.facts_digest)))
            .chain(override_props(overrides))
            .collect::<Vec<_>>(),
        "reviewed-controls": { "control-selections": [selection] },
    });
    if !observations.is_empty() {
        result["observations"] = Value::Array(observations);
    }
    if !findings.is_empty() {
        result["findings"] = Value::Array(findings);
    }
    let document = json!({
        "assessment-results": {
            "uuid": doc.to_string(),
            "metadata": {
                "title": format!("aimsc assessment results as of {as_of}"),
                "last-modified": when,
                "version": env!("CARGO_PKG_VERSION"),
                "oscal-version": OSCAL_VERSION,
                "props": [prop("tool", concat!("aimsc ", env!("CARGO_PKG_VERSION")))],
            },
            "import-ap": { "href": format!("urn:aimsc:rules:sha256:{}", inputs.rules_digest) },
            "results": [result],
        }
    });
    crate::pretty(&document)
}
