//! Live outcomes: each control's and requirement's verdict against the project's facts, shown
//! where it is written.

use crate::Analysis;
use crate::hover::outcome_badge;
use aimsc_diagnostics::Span;
use aimsc_eval::outcome::Outcome;
use aimsc_syntax::ast::Item;

/// The verdict a lens shows.
pub type LensOutcome = Outcome;

/// One live outcome, anchored on a control's id or a requirement's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lens {
    /// The id or requirement name it belongs to.
    pub span: Span,
    /// The verdict.
    pub outcome: Outcome,
    /// The text shown, e.g. `✗ fail — 1 of 2 requirements hold`.
    pub title: String,
    /// The control or rule it belongs to.
    pub check: String,
}

/// The badge of a pass that checked nothing: not evidenced, though nothing failed.
const NOTHING_CHECKED: &str = "○ pass, nothing to check";

impl Analysis<'_> {
    /// Live outcomes of every control, rule and requirement of a rule file.
    pub fn lenses(&self, path: &str) -> Vec<Lens> {
        let Some(file) = self.project.parsed(path) else {
            return Vec::new();
        };
        let results = self.project.results_shared();
        let mut out = Vec::new();
        for item in &file.items {
            let Item::Check(c) = item else { continue };
            let Some(r) = results.iter().find(|r| *r.id == *c.id.text) else {
                continue;
            };
            let badge = if r.nothing_checked {
                NOTHING_CHECKED
            } else {
                outcome_badge(r.outcome)
            };
            let mut title = format!("{badge} — {}", r.message);
            if let Some(w) = &r.waiver {
                title.push_str(&format!(" (waiver until {})", w.until));
            }
            out.push(Lens {
                span: c.id.span,
                outcome: r.outcome,
                title,
                check: c.id.text.clone(),
            });
            // Requirements are matched by position: names may repeat, order does not change.
            for (req, res) in c.requires.iter().zip(&r.requirements) {
                let title = if res.nothing_checked {
                    format!("{NOTHING_CHECKED} — {}", res.message)
                } else if res.outcome == Outcome::Pass {
                    outcome_badge(res.outcome).to_string()
                } else {
                    format!("{} — {}", outcome_badge(res.outcome), res.message)
                };
                out.push(Lens {
                    span: req.name.span,
                    outcome: res.outcome,
                    title,
                    check: c.id.text.clone(),
                });
            }
        }
        out
    }
}
