//! What the machine-readable formats share: the failures of a result, each placed at the facts
//! line that caused it, and the catalog data (intents, framework titles) they describe rules with.

use aimsc_eval::model::Model;
use aimsc_eval::outcome::{CheckResult, Explanation, Finding, Outcome, RequirementResult, Truth};
use aimsc_eval::validate::FactLoc;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What reports say about the checks besides their results: intents and framework titles.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Intent of each control or rule, by id.
    pub intents: BTreeMap<Arc<str>, Arc<str>>,
    /// Title of each framework, by name.
    pub frameworks: BTreeMap<Arc<str>, Arc<str>>,
    /// Owner of each control that has one (`assign`), by id.
    pub owners: BTreeMap<Arc<str>, Arc<str>>,
    /// Title of each catalog entry (`entry`: clauses, Annex A objectives, articles), by id.
    pub entries: BTreeMap<Arc<str>, Arc<str>>,
}

impl Catalog {
    /// The catalog of a checked model.
    pub fn of(model: &Model) -> Catalog {
        let intents = model
            .checks
            .iter()
            .filter_map(|(id, c)| c.intent.clone().map(|i| (id.clone(), i)))
            .collect();
        let frameworks = model
            .frameworks
            .iter()
            .map(|(n, f)| (n.clone(), f.title.clone().unwrap_or_else(|| n.clone())))
            .collect();
        let owners = model
            .owners
            .iter()
            .map(|(id, o)| (id.clone(), o.owner.clone()))
            .collect();
        let entries = model
            .entries
            .iter()
            .map(|(id, e)| (id.clone(), e.title.clone()))
            .collect();
        Catalog {
            intents,
            frameworks,
            owners,
            entries,
        }
    }

    /// The framework's title, or its name.
    pub fn framework_title(&self, name: &Arc<str>) -> Arc<str> {
        self.frameworks
            .get(name)
            .cloned()
            .unwrap_or_else(|| name.clone())
    }
}

/// One thing that went wrong: a requirement, or one record of it when a quantifier failed.
#[derive(Debug, Clone)]
pub struct Failure<'a> {
    /// The requirement.
    pub requirement: &'a RequirementResult,
    /// The record, when the failure is one record of a quantifier.
    pub record: Option<&'a Finding>,
    /// The one-line reason.
    pub message: String,
    /// Where in the facts it is, when known.
    pub at: Option<&'a FactLoc>,
}

/// Whether an outcome is a failure of the requirement.
fn failed(o: Outcome) -> bool {
    matches!(o, Outcome::Fail | Outcome::Error)
}

/// The failures of one result: a failure per failing record where a quantifier decided it,
/// else one per failing requirement. Excluded and not-applicable results have none.
pub fn failures(r: &CheckResult) -> Vec<Failure<'_>> {
    let mut out = Vec::new();
    for req in r.requirements.iter().filter(|q| failed(q.outcome)) {
        let records = deciding_records(&req.explanation);
        if records.is_empty() {
            out.push(Failure {
                requirement: req,
                record: None,
                message: format!("{}: {}", req.name, req.message),
                at: first_at(&req.explanation),
            });
        }
        for f in records {
            out.push(Failure {
                requirement: req,
                record: Some(f),
                message: format!(
                    "{}: {} {}",
                    req.name,
                    f.record,
                    reason(&f.explanation, &f.record)
                ),
                at: f.at.as_ref().or_else(|| first_at(&f.explanation)),
            });
        }
    }
    out
}

/// The records that decided a failing quantifier, outside other records' explanations.
fn deciding_records(ex: &Explanation) -> Vec<&Finding> {
    let mut out = Vec::new();
    collect_records(ex, &mut out);
    out
}

fn collect_records<'a>(ex: &'a Explanation, out: &mut Vec<&'a Finding>) {
    if ex.result == Truth::True {
        return;
    }
    // Every finding of a quantifier that did not hold decided it: the failing records of an
    // `all`, and the records of a `none` that satisfy its body (true, and still failing).
    if let Some(r) = &ex.records {
        out.extend(r.findings.iter());
    }
    for c in &ex.children {
        collect_records(c, out);
    }
}

/// The first facts location in an explanation, depth first.
pub fn first_at(ex: &Explanation) -> Option<&FactLoc> {
    ex.at.as_ref().or_else(|| {
        ex.records
            .iter()
            .flat_map(|r| &r.findings)
            .find_map(|f| f.at.as_ref())
            .or_else(|| ex.children.iter().find_map(first_at))
    })
}

/// Why an explanation is not true, in a few words: the deepest detail or missing fact.
/// A missing fact of the record itself is named relative to it.
pub fn reason(ex: &Explanation, record: &str) -> String {
    if let Some(m) = &ex.missing {
        // An invalid value is not a missing one: say so (for evidence, the path carries why).
        let (m, invalid) = match m.strip_suffix(" (invalid in the facts)") {
            Some(v) => (v, true),
            None => (m.as_str(), false),
        };
        let field = m
            .strip_prefix(record)
            .and_then(|f| f.strip_prefix('.'))
            .unwrap_or(m);
        return if invalid {
            format!("has an invalid `{field}`")
        } else {
            format!("lacks `{field}`")
        };
    }
    // A def call explains itself by its body, in the def's own names: name the call, and
    // give the values that decided it.
    if ex.detail.is_some() && !ex.children.is_empty() {
        let leaf = aimsc_eval::evaluate::deciding(ex);
        if let Some(m) = &leaf.missing {
            let field = m
                .strip_prefix(record)
                .and_then(|f| f.strip_prefix('.'))
                .unwrap_or(m);
            return format!("lacks `{field}`");
        }
        return match &leaf.detail {
            Some(d) if !std::ptr::eq(leaf, ex) => format!("fails `{}` ({d})", ex.expr),
            _ => format!("fails `{}`", ex.expr),
        };
    }
    if let Some(c) = ex.children.iter().find(|c| c.result != Truth::True) {
        return reason(c, record);
    }
    match &ex.detail {
        Some(d) => format!("fails `{}` ({d})", ex.expr),
        None => format!("fails `{}`", ex.expr),
    }
}

/// `iso42001::A.5.2` → (`iso42001`, `A.5.2`).
pub fn split_id(id: &str) -> (&str, &str) {
    id.split_once("::").unwrap_or(("", id))
}
