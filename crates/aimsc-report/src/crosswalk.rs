//! The crosswalk coverage report: for each item of a target framework, its derived status and
//! the derivation (which sources, with which outcomes and relation kinds).

use aimsc_eval::crosswalk::{Coverage, TargetStatus};
use serde::Serialize;
use std::fmt::Write as _;
use std::sync::Arc;

/// Counts per status.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CoverageSummary {
    /// Covered items.
    pub covered: usize,
    /// Partially covered items.
    pub partial: usize,
    /// Gaps.
    pub gap: usize,
    /// Items nothing assessed reaches.
    pub not_assessed: usize,
}

/// The crosswalk report for one target framework.
#[derive(Debug, Clone, Serialize)]
pub struct CrosswalkReport {
    /// Target framework.
    pub target: Arc<str>,
    /// Its title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<Arc<str>>,
    /// As-of date.
    pub as_of: String,
    /// Counts.
    pub summary: CoverageSummary,
    /// Every item of the target framework.
    pub items: Vec<TargetStatus>,
}

impl CrosswalkReport {
    /// Derives the coverage of `target` from the evaluated checks' outcomes.
    pub fn derive(
        model: &aimsc_eval::model::Model,
        outcomes: &std::collections::HashMap<Arc<str>, aimsc_eval::outcome::Outcome>,
        target: &str,
        as_of: &str,
    ) -> Self {
        let items = aimsc_eval::crosswalk::derive(model, outcomes, target);
        let title = model.frameworks.get(target).and_then(|f| f.title.clone());
        CrosswalkReport::new(target, title, as_of, items)
    }

    /// Wraps derived statuses with their counts.
    pub fn new(
        target: &str,
        title: Option<Arc<str>>,
        as_of: &str,
        items: Vec<TargetStatus>,
    ) -> Self {
        let mut summary = CoverageSummary::default();
        for i in &items {
            *match i.status {
                Coverage::Covered => &mut summary.covered,
                Coverage::Partial => &mut summary.partial,
                Coverage::Gap => &mut summary.gap,
                Coverage::NotAssessed => &mut summary.not_assessed,
            } += 1;
        }
        CrosswalkReport {
            target: Arc::from(target),
            title,
            as_of: as_of.to_string(),
            summary,
            items,
        }
    }
}

fn source_state(c: &aimsc_eval::crosswalk::Contribution) -> String {
    match (c.outcome, c.derived) {
        (Some(o), _) => o.as_str().to_string(),
        (None, Some(d)) => format!("derived {}", d.as_str()),
        (None, None) => "not evaluated".to_string(),
    }
}

fn relation(c: &aimsc_eval::crosswalk::Contribution) -> String {
    let r = c.relation.as_str();
    match &c.provenance {
        Some(p) => format!("{r}, {p}"),
        None => r.to_string(),
    }
}

/// What the two verdicts of an item are, told once above the items: the derived status and the
/// item's own check read as contradictory without it ("GAP … pass").
const LEGEND: &str = "The status (COVERED, PARTIAL, GAP) is derived through the crosswalk from the outcomes of\nthe controls mapped to the item (the ← lines). `[checked directly: …]` is the outcome of the\nitem's own control in the shipped rules, evaluated on the facts, where it has one (e.g.\neu_ai_act::Art.4): a second, independent verdict. A derived GAP beside a direct pass means\nthe mapped controls fail while the item's own requirements hold.";

/// Plain text: one block per item with its derivation.
pub fn text(r: &CrosswalkReport) -> String {
    let mut out = String::new();
    if r.items.iter().any(|i| i.own_outcome.is_some()) {
        let _ = writeln!(out, "{LEGEND}\n");
    }
    for i in &r.items {
        let own = i
            .own_outcome
            .map(|o| format!("  [checked directly: {}]", o.as_str()))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{:<13} {}  {}{own}",
            i.status.as_str().to_uppercase(),
            i.id,
            i.title
        );
        for c in &i.derivation {
            let effect = c.effect.map_or("no effect", Coverage::as_str);
            let _ = writeln!(
                out,
                "              ← {} ({}) via {} → {effect}",
                c.source,
                source_state(c),
                relation(c)
            );
        }
    }
    let s = &r.summary;
    let _ = writeln!(
        out,
        "\n{} items of {}: {} covered, {} partial, {} gap, {} not assessed",
        r.items.len(),
        r.target,
        s.covered,
        s.partial,
        s.gap,
        s.not_assessed
    );
    out
}

/// Markdown: totals and a table.
pub fn markdown(r: &CrosswalkReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Crosswalk coverage — {}",
        r.title.as_deref().unwrap_or(&r.target)
    );
    let _ = writeln!(out);
    let s = &r.summary;
    let _ = writeln!(
        out,
        "As of {}: {} covered, {} partial, {} gap, {} not assessed.",
        r.as_of, s.covered, s.partial, s.gap, s.not_assessed
    );
    let _ = writeln!(out);
    if r.items.iter().any(|i| i.own_outcome.is_some()) {
        let _ = writeln!(
            out,
            "{}",
            LEGEND
                .replace('\n', " ")
                .replace("`[checked directly: …]`", "*Checked directly*")
                .replace(" (the ← lines)", " (*Derived from*)")
        );
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "| Item | Title | Status | Checked directly | Derived from |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|");
    for i in &r.items {
        let from: Vec<String> = i
            .derivation
            .iter()
            .map(|c| format!("{} ({}; {})", c.source, source_state(c), relation(c)))
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            i.id,
            i.title.replace('|', "\\|"),
            i.status.as_str(),
            i.own_outcome.map_or("—", |o| o.as_str()),
            if from.is_empty() {
                "—".to_string()
            } else {
                from.join("<br>")
            }
        );
    }
    out
}

/// JSON, pretty-printed, with a trailing newline.
pub fn json(r: &CrosswalkReport) -> String {
    let mut s =
        serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
