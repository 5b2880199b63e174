//! A Markdown summary fit for a pull-request comment: totals, the failing controls with their
//! short explanation and facts location, and the changes since a baseline report.

use crate::Summary;
use crate::findings::failures;
use aimsc_eval::outcome::{CheckResult, Outcome};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Failing records listed per control before the rest are counted.
const RECORDS_SHOWN: usize = 5;

/// The outcomes of an earlier run, read from its JSON report (`aimsc eval --format json`).
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    /// Outcome by control or rule id.
    pub outcomes: BTreeMap<String, Outcome>,
}

#[derive(Deserialize)]
struct BaselineReport {
    results: Vec<BaselineResult>,
}

#[derive(Deserialize)]
struct BaselineResult {
    id: String,
    outcome: Outcome,
}

impl Baseline {
    /// Reads a JSON report. The error is serde's message, with its line and column.
    pub fn from_json(text: &str) -> Result<Baseline, serde_json::Error> {
        let report: BaselineReport = serde_json::from_str(text)?;
        Ok(Baseline {
            outcomes: report
                .results
                .into_iter()
                .map(|r| (r.id, r.outcome))
                .collect(),
        })
    }
}

fn failing(o: Outcome) -> bool {
    matches!(o, Outcome::Fail | Outcome::Error)
}

/// A table cell: pipes escaped, one line.
pub(crate) fn cell(s: &str) -> String {
    aimsc_diagnostics::printable(s)
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
}

pub(crate) fn code(s: &str) -> String {
    format!("`{}`", aimsc_diagnostics::printable(s).replace('`', "'"))
}

/// Renders the summary. With a baseline, adds what changed since it.
pub fn render(results: &[CheckResult], as_of: &str, baseline: Option<&Baseline>) -> String {
    render_with(results, &crate::Overrides::default(), as_of, baseline, &[])
}

/// [`render`], with sections listing the overrides and the evidence that cannot be relied on.
pub fn render_with(
    results: &[CheckResult],
    overrides: &crate::Overrides,
    as_of: &str,
    baseline: Option<&Baseline>,
    evidence: &[crate::EvidenceEntry],
) -> String {
    let s = Summary::of(results);
    let mut out = String::new();
    let headline = if s.fail + s.error == 0 {
        "✅ all controls hold".to_string()
    } else {
        format!(
            "❌ {} of {} controls and rules failing",
            s.fail + s.error,
            results.len()
        )
    };
    let _ = writeln!(out, "## aimsc: {headline}\n");
    let _ = writeln!(out, "As of {as_of}.\n");
    let _ = writeln!(
        out,
        "| pass | attested | fail | error | waived | excluded | not applicable |\n|---:|---:|---:|---:|---:|---:|---:|\n| {} | {} | {} | {} | {} | {} | {} |\n",
        s.pass, s.attested, s.fail, s.error, s.waived, s.excluded, s.not_applicable
    );
    if let Some(b) = baseline {
        changes(&mut out, results, b);
    }
    let failed: Vec<&CheckResult> = results.iter().filter(|r| failing(r.outcome)).collect();
    if !failed.is_empty() {
        let _ = writeln!(
            out,
            "### Failing\n\n| control | title | why | where |\n|---|---|---|---|"
        );
        for r in &failed {
            let fs = failures(r);
            let mut why: Vec<String> = Vec::new();
            let mut at: Vec<String> = Vec::new();
            for f in fs.iter().take(RECORDS_SHOWN) {
                why.push(cell(&f.message));
                if let Some(a) = f.at {
                    at.push(code(&format!("{}:{}", a.file, a.line)));
                }
            }
            if fs.len() > RECORDS_SHOWN {
                why.push(format!("… and {} more", fs.len() - RECORDS_SHOWN));
            }
            if why.is_empty() {
                why.push(cell(&r.message));
            }
            at.dedup();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                code(&r.id),
                cell(&r.title),
                why.join("<br>"),
                at.join("<br>")
            );
        }
        out.push('\n');
    }
    let waived: Vec<&CheckResult> = results
        .iter()
        .filter(|r| r.outcome == Outcome::Waived)
        .collect();
    if !waived.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>Waived ({})</summary>\n\n| control | until | owner | justification |\n|---|---|---|---|",
            waived.len()
        );
        for r in waived {
            if let Some(w) = &r.waiver {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    code(&r.id),
                    w.until,
                    cell(&w.owner),
                    cell(&w.justification)
                );
            }
        }
        out.push_str("\n</details>\n\n");
    }
    attested(&mut out, results);
    let expired: Vec<&CheckResult> = results
        .iter()
        .filter(|r| r.waiver.as_ref().is_some_and(|w| w.expired))
        .collect();
    if !expired.is_empty() {
        let _ = writeln!(out, "⚠️ Expired waivers: {}\n", {
            let ids: Vec<String> = expired
                .iter()
                .map(|r| {
                    let until = r.waiver.as_ref().map(|w| w.until.as_str()).unwrap_or("");
                    format!("{} (until {until})", code(&r.id))
                })
                .collect();
            ids.join(", ")
        });
    }
    let empty: Vec<String> = results
        .iter()
        .filter(|r| r.nothing_checked)
        .map(|r| code(&r.id))
        .collect();
    if !empty.is_empty() {
        let _ = writeln!(
            out,
            "ℹ️ Passing with nothing to check (no records of what they are about): {}\n",
            empty.join(", ")
        );
    }
    out.push_str(&self::overrides(overrides, "###"));
    let unusable: Vec<&crate::EvidenceEntry> = evidence
        .iter()
        .filter(|e| !matches!(&*e.state, "ok" | "unverifiable"))
        .collect();
    if !unusable.is_empty() {
        let _ = writeln!(
            out,
            "### Evidence that cannot be relied on

| evidence | location | state | why |\n|---|---|---|---|"
        );
        for e in unusable {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                code(&e.id),
                code(&e.location),
                e.state,
                cell(e.problem.as_deref().unwrap_or(""))
            );
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "<sub>Generated by aimsc {}. Run `aimsc eval` locally for full explanations.</sub>",
        env!("CARGO_PKG_VERSION")
    );
    out
}

/// Requirements met by attestation: self-declared, so listed with who declared them.
fn attested(out: &mut String, results: &[CheckResult]) {
    let rows: Vec<String> = results
        .iter()
        .flat_map(|r| r.requirements.iter().map(move |q| (r, q)))
        .filter_map(|(r, q)| {
            let a = q
                .attestation
                .as_ref()
                .filter(|_| q.outcome == Outcome::Attested)?;
            let by = match &a.role {
                Some(role) => format!("{} ({})", cell(&a.attested_by), cell(role)),
                None => cell(&a.attested_by),
            };
            Some(format!(
                "| {} | {} | {by} | {} | {} |",
                code(&r.id),
                cell(&q.name),
                a.attested_on,
                a.valid_until
            ))
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<details><summary>Attested, not shown by the facts ({})</summary>\n\n| control | requirement | attested by | on | until |\n|---|---|---|---|---|",
        rows.len()
    );
    for row in rows {
        let _ = writeln!(out, "{row}");
    }
    out.push_str("\n</details>\n\n");
}

fn changes(out: &mut String, results: &[CheckResult], b: &Baseline) {
    let mut newly_failing = Vec::new();
    let mut newly_passing = Vec::new();
    let mut other = Vec::new();
    let mut now: BTreeMap<&str, Outcome> = BTreeMap::new();
    for r in results {
        now.insert(&r.id, r.outcome);
        let before = b.outcomes.get(&*r.id).copied();
        match before {
            Some(o) if o == r.outcome => {}
            before => {
                let was = before.map(Outcome::as_str).unwrap_or("new");
                let line = format!(
                    "- {} {}: {was} → {}",
                    code(&r.id),
                    cell(&r.title),
                    r.outcome.as_str()
                );
                if failing(r.outcome) && before.is_none_or(|o| !failing(o)) {
                    newly_failing.push(line);
                } else if r.outcome.is_met() && before.is_some_and(failing) {
                    newly_passing.push(line);
                } else {
                    other.push(line);
                }
            }
        }
    }
    for (id, o) in &b.outcomes {
        if !now.contains_key(id.as_str()) {
            other.push(format!("- {}: {} → removed", code(id), o.as_str()));
        }
    }
    out.push_str("### Changes since the baseline\n\n");
    if newly_failing.is_empty() && newly_passing.is_empty() && other.is_empty() {
        out.push_str("No outcome changed.\n\n");
        return;
    }
    for (title, lines) in [
        ("Newly failing", &newly_failing),
        ("Newly passing", &newly_passing),
        ("Other changes", &other),
    ] {
        if !lines.is_empty() {
            let _ = writeln!(
                out,
                "**{title} ({})**\n\n{}\n",
                lines.len(),
                lines.join("\n")
            );
        }
    }
}

/// The overrides in force as a Markdown section, empty when there is nothing to list.
pub fn overrides(o: &crate::Overrides, heading: &str) -> String {
    let mut out = String::new();
    if o.is_empty() {
        return out;
    }
    let _ = writeln!(out, "{heading} Overrides\n");
    if !o.params.is_empty() {
        let _ = writeln!(out, "| param | default | in force | set at |");
        let _ = writeln!(out, "|---|---|---|---|");
        for p in &o.params {
            let _ = writeln!(
                out,
                "| {} | {} | {}{} | {} |",
                code(&p.name),
                cell(&p.default),
                cell(&p.value),
                if p.weakened {
                    " **(weakens the default)**"
                } else {
                    ""
                },
                code(&p.at.to_string())
            );
        }
        out.push('\n');
    }
    if !o.exclusions.is_empty() {
        let _ = writeln!(out, "| excluded | justification | at |");
        let _ = writeln!(out, "|---|---|---|");
        for x in &o.exclusions {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                code(&x.control),
                cell(&x.justification),
                code(&x.at.to_string())
            );
        }
        out.push('\n');
    }
    if !o.waivers.is_empty() {
        let _ = writeln!(out, "| waived | until | owner | justification | at |");
        let _ = writeln!(out, "|---|---|---|---|---|");
        for w in &o.waivers {
            let _ = writeln!(
                out,
                "| {} | {}{} | {} | {} | {} |",
                code(&w.control),
                w.until,
                if w.expired { " (expired)" } else { "" },
                cell(&w.owner),
                cell(&w.justification),
                code(&w.at.to_string())
            );
        }
        out.push('\n');
    }
    out
}
