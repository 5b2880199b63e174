//! The Statement of Applicability: every Annex A control of a framework, applicable or not and
//! why, its implementation status from the evaluation, the facts it relied on and its owner.

use aimsc_eval::crosswalk::natural_cmp;
use aimsc_eval::model::{CheckKind, Lit, Model, TypedExpr, TypedKind};
use aimsc_eval::model::{CmpOp, Quant};
use aimsc_eval::outcome::{CheckResult, Explanation, Outcome};
use aimsc_eval::reads::check_reads;
use serde::Serialize;
use std::fmt::Write as _;
use std::sync::Arc;

/// One row of the Statement of Applicability.
#[derive(Debug, Clone, Serialize)]
pub struct SoaRow {
    /// Control id.
    pub id: Arc<str>,
    /// Title.
    pub title: Arc<str>,
    /// Domain (e.g. `A.5`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<Arc<str>>,
    /// Whether the control applies to the organisation.
    pub applicable: bool,
    /// Why it is included or excluded.
    pub justification: String,
    /// Implementation status derived from the outcome.
    pub status: &'static str,
    /// The evaluation outcome.
    pub outcome: Outcome,
    /// The outcome's one-line reason.
    pub reason: String,
    /// Fact paths the control's rules read.
    pub facts: Vec<String>,
    /// Control owner from `assign`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<Arc<str>>,
    /// The evidence the control's requirements read, in id order, with its state.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<SoaEvidence>,
}

/// An evidence item behind a control in the SoA.
#[derive(Debug, Clone, Serialize)]
pub struct SoaEvidence {
    /// Its id.
    pub id: Arc<str>,
    /// Where it is.
    pub location: Arc<str>,
    /// `ok`, `unverifiable`, `missing`, `altered`, `no_digest`, `stale` or `outside`.
    pub state: Arc<str>,
}

/// The Statement of Applicability of one framework.
#[derive(Debug, Clone, Serialize)]
pub struct Soa {
    /// Framework name.
    pub framework: Arc<str>,
    /// Framework title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<Arc<str>>,
    /// As-of date of the evaluation.
    pub as_of: String,
    /// Rows in control order.
    pub controls: Vec<SoaRow>,
    /// Params set away from their defaults, exclusions and waivers.
    pub overrides: crate::Overrides,
}

fn status(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "implemented",
        Outcome::Attested => "implemented (attested)",
        Outcome::Fail => "not implemented",
        Outcome::Waived => "not implemented (risk accepted)",
        Outcome::Error => "cannot be assessed (invalid facts)",
        Outcome::Excluded | Outcome::NotApplicable => "not applicable",
    }
}

/// Builds the SoA of `framework`: its controls whose id starts with `A.` (Annex A, the ISO
/// convention for reference controls), or all its controls when it has none such.
pub fn build(
    model: &Model,
    results: &[CheckResult],
    framework: &str,
    as_of: &str,
    overrides: &crate::Overrides,
    evidence: &[crate::EvidenceEntry],
) -> Soa {
    let by_id: std::collections::HashMap<&str, &crate::EvidenceEntry> =
        evidence.iter().map(|e| (&*e.id, e)).collect();
    let mine: Vec<&CheckResult> = results
        .iter()
        .filter(|r| &*r.framework == framework)
        .filter(|r| r.kind == CheckKind::Control)
        .collect();
    let annex = |r: &&CheckResult| local(&r.id).starts_with("A.");
    let has_annex = mine.iter().any(annex);
    let mut controls: Vec<SoaRow> = mine
        .into_iter()
        .filter(|r| !has_annex || annex(r))
        .map(|r| row(model, r, &by_id))
        .collect();
    controls.sort_by(|a, b| natural_cmp(&a.id, &b.id));
    Soa {
        framework: Arc::from(framework),
        title: model
            .frameworks
            .get(framework)
            .and_then(|f| f.title.clone()),
        as_of: as_of.to_string(),
        controls,
        overrides: overrides.clone(),
    }
}

fn local(id: &str) -> &str {
    id.split_once("::").map_or(id, |(_, l)| l)
}

/// Why a control applies or not, in words: `2 ai_systems are recorded`, `none of the 3
/// ai_systems is developed in house`; the condition as written only when it has no simpler
/// reading.
fn applicability(expr: &TypedExpr, ex: Option<&Explanation>, holds: bool) -> String {
    let words = |s: &str| s.replace('_', " ");
    match &expr.kind {
        TypedKind::Compare(count, CmpOp::Gt, zero)
            if matches!(zero.kind, TypedKind::Lit(Lit::Int(0))) =>
        {
            if let TypedKind::Count {
                coll, filter: None, ..
            } = &count.kind
            {
                let n = ex
                    .and_then(|e| e.detail.as_deref())
                    .and_then(|d| d.split_whitespace().next())
                    .unwrap_or("some");
                return if holds {
                    format!("{}: {n} recorded", coll.text)
                } else {
                    format!("no {} recorded", coll.text)
                };
            }
        }
        TypedKind::Quant {
            kind: Quant::Any,
            slot,
            coll,
            filter: None,
            body,
            ..
        } => {
            let what = match &body.kind {
                TypedKind::Call(_, args) if args.len() == 1 => {
                    words(body.text.split('(').next().unwrap_or(""))
                }
                TypedKind::Field(base, f) if matches!(base.kind, TypedKind::Local(s, _) if s == *slot) => {
                    words(f)
                }
                _ => String::new(),
            };
            let records = ex.and_then(|e| e.records.as_ref());
            if !what.is_empty()
                && let Some(r) = records
            {
                return match (holds, r.findings.first()) {
                    (true, Some(f)) => format!("{} is {what}", f.record),
                    (true, None) => format!("one of the {} is {what}", coll.text),
                    (false, _) if r.total == 0 => format!("no {} recorded", coll.text),
                    (false, _) => format!("none of the {} {} is {what}", r.total, coll.text),
                };
            }
        }
        TypedKind::Field(_, f) if expr.ty == aimsc_eval::model::Ty::Bool => {
            return format!("{} is {}", words(f), if holds { "true" } else { "false" });
        }
        _ => {}
    }
    format!(
        "the condition `{}` {}",
        expr.text,
        if holds { "holds" } else { "does not hold" }
    )
}

fn row(
    model: &Model,
    r: &CheckResult,
    evidence: &std::collections::HashMap<&str, &crate::EvidenceEntry>,
) -> SoaRow {
    let mut ids: Vec<&Arc<str>> = r.requirements.iter().flat_map(|q| &q.evidence).collect();
    ids.sort_by(|a, b| aimsc_eval::order::natural_cmp(a, b));
    ids.dedup();
    let evidence = ids
        .into_iter()
        .map(|id| {
            let e = evidence.get(&**id);
            SoaEvidence {
                id: id.clone(),
                location: e.map_or_else(|| Arc::from(""), |e| e.location.clone()),
                state: e.map_or_else(|| Arc::from("missing"), |e| e.state.clone()),
            }
        })
        .collect();
    let check = model.checks.get(&r.id);
    let applies = check.and_then(|c| c.applies.as_ref()).map(|(e, _)| e);
    let (applicable, justification) = match r.outcome {
        Outcome::Excluded => (
            false,
            format!("Excluded: {}", r.justification.as_deref().unwrap_or("")),
        ),
        Outcome::NotApplicable => (
            false,
            format!(
                "Not applicable: {}",
                applies
                    .map(|e| applicability(e, r.applies.as_ref(), false))
                    .unwrap_or_default()
            ),
        ),
        _ => (
            true,
            match applies {
                Some(e) => format!("Applicable: {}", applicability(e, r.applies.as_ref(), true)),
                None => "Applicable to every organisation in scope".to_string(),
            },
        ),
    };
    let reason = match &r.waiver {
        Some(w) => format!(
            "waived until {} by {}: {}{}",
            w.until,
            w.owner,
            w.justification,
            if w.expired { " (expired)" } else { "" }
        ),
        None => r.message.clone(),
    };
    SoaRow {
        id: r.id.clone(),
        title: r.title.clone(),
        domain: check.and_then(|c| c.domain.clone()),
        applicable,
        justification,
        status: if r.nothing_checked {
            "not evidenced (nothing to check)"
        } else {
            status(r.outcome)
        },
        outcome: r.outcome,
        reason,
        facts: check.map(|c| check_reads(model, c)).unwrap_or_default(),
        owner: model.owners.get(&r.id).map(|o| o.owner.clone()),
        evidence,
    }
}

/// Markdown: a heading, totals and one table row per control.
pub fn markdown(soa: &Soa) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Statement of Applicability — {}",
        soa.title.as_deref().unwrap_or(&soa.framework)
    );
    let _ = writeln!(out);
    let applicable = soa.controls.iter().filter(|r| r.applicable).count();
    let implemented = soa
        .controls
        .iter()
        .filter(|r| r.outcome == Outcome::Pass && r.status == status(Outcome::Pass))
        .count();
    let attested = soa
        .controls
        .iter()
        .filter(|r| r.outcome == Outcome::Attested)
        .count();
    let _ = writeln!(
        out,
        "As of {}: {} controls, {applicable} applicable, {implemented} implemented{}.",
        soa.as_of,
        soa.controls.len(),
        if attested > 0 {
            format!(", {attested} implemented by attestation (self-declared)")
        } else {
            String::new()
        }
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| Control | Title | Applicable | Justification | Status | Owner | Facts relied on | Evidence |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
    for r in &soa.controls {
        let facts: Vec<String> = r.facts.iter().map(|f| format!("`{f}`")).collect();
        let evidence: Vec<String> = r
            .evidence
            .iter()
            .map(|e| format!("{} `{}` ({})", e.id, e.location, e.state))
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(&r.id),
            cell(&r.title),
            if r.applicable { "yes" } else { "no" },
            cell(&r.justification),
            cell(&if r.applicable {
                format!("{} — {}", r.status, r.reason)
            } else {
                r.status.to_string()
            }),
            cell(r.owner.as_deref().unwrap_or("—")),
            facts.join(", ").replace('|', "\\|"),
            if evidence.is_empty() {
                "—".to_string()
            } else {
                cell(&evidence.join(", "))
            }
        );
    }
    let overrides = crate::markdown::overrides(&soa.overrides, "##");
    if !overrides.is_empty() {
        out.push('\n');
        out.push_str(overrides.trim_end());
        out.push('\n');
    }
    out
}

fn cell(s: &str) -> String {
    crate::markdown::cell(s)
}

/// CSV (RFC 4180): a header and one line per control; fact paths joined by `; `.
pub fn csv(soa: &Soa) -> String {
    let mut out = String::from(
        "control,title,domain,applicable,justification,status,outcome,reason,owner,facts,evidence\r\n",
    );
    for r in &soa.controls {
        let fields = [
            r.id.to_string(),
            r.title.to_string(),
            r.domain.as_deref().unwrap_or("").to_string(),
            if r.applicable { "yes" } else { "no" }.to_string(),
            r.justification.clone(),
            r.status.to_string(),
            r.outcome.as_str().to_string(),
            r.reason.clone(),
            r.owner.as_deref().unwrap_or("").to_string(),
            r.facts.join("; "),
            r.evidence
                .iter()
                .map(|e| format!("{} {}", e.id, e.state))
                .collect::<Vec<_>>()
                .join("; "),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// JSON, pretty-printed, with a trailing newline.
pub fn json(soa: &Soa) -> String {
    let mut s =
        serde_json::to_string_pretty(soa).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
