//! What the tests prove of the rules.
//!
//! A `require` block is *exercised* when a case evaluated it, and *proven* when two cases one
//! fact apart (one derives from the other with a single `change` or `remove`) assert that it
//! passes in one and fails in the other: the pair shows that the block reads that fact and
//! can fail. An `applies when` is proven by such a pair with the control not applicable in one
//! case and applicable in the other.

use super::Asserted;
use aimsc::{Engine, Outcome};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::Arc;

/// What the run saw.
pub(super) struct Seen<'a> {
    /// Blocks evaluated, by control id and requirement name.
    pub(super) exercised: &'a BTreeSet<(Arc<str>, Arc<str>)>,
    /// What each passing case asserted, by (file, case name).
    pub(super) cases: &'a BTreeMap<(usize, String), Asserted>,
    /// Cases one fact apart: (file, base, derived).
    pub(super) pairs: &'a [(usize, String, String)],
}

/// The outcomes a block or a control was asserted to have in the two cases of each pair.
fn pair_outcomes<'a>(
    seen: &'a Seen<'_>,
    get: impl Fn(&'a Asserted) -> Option<Outcome> + 'a,
) -> impl Iterator<Item = (Option<Outcome>, Option<Outcome>)> + 'a {
    let get = std::rc::Rc::new(get);
    seen.pairs.iter().filter_map(move |(fi, base, derived)| {
        let a = seen.cases.get(&(*fi, base.clone()))?;
        let b = seen.cases.get(&(*fi, derived.clone()))?;
        Some((get(a), get(b)))
    })
}

/// Counts for one group of rules, and the lines that list what is not proven.
#[derive(Default)]
struct Group {
    blocks: usize,
    exercised: usize,
    proven: usize,
    applies: usize,
    applies_proven: usize,
    missed: Vec<String>,
}

impl Group {
    fn percent(&self) -> f64 {
        let all = self.blocks + self.applies;
        if all == 0 {
            return 100.0;
        }
        (self.proven + self.applies_proven) as f64 * 100.0 / all as f64
    }
}

/// Prints the coverage of the organisation's own rules (listed) and of the shipped rulesets
/// (listed when asked). Returns whether a listed group is under `fail_under` percent.
pub(super) fn print(
    engine: &Engine,
    seen: &Seen<'_>,
    list_shipped: bool,
    fail_under: Option<f64>,
) -> bool {
    let model = engine.project().model();
    let mut groups: [Group; 2] = [Group::default(), Group::default()];
    let at = |loc: &aimsc::Location| {
        engine
            .line_col(loc)
            .map(|(l, _)| format!("{}:{l}", loc.file))
            .unwrap_or_else(|| loc.file.to_string())
    };
    for c in engine.controls() {
        let Some(check) = model.checks.get(&*c.id) else {
            continue;
        };
        let shipped = check.location.file.starts_with(aimsc::rulesets::PREFIX);
        let g = &mut groups[usize::from(shipped)];
        for req in &check.requires {
            g.blocks += 1;
            let key = (c.id.clone(), req.name.clone());
            let outcomes: BTreeSet<Outcome> = seen
                .cases
                .values()
                .filter_map(|a| a.blocks.get(&key).copied())
                .collect();
            let proven = pair_outcomes(seen, |a| a.blocks.get(&key).copied()).any(|p| {
                matches!(
                    p,
                    (Some(Outcome::Pass | Outcome::Attested), Some(Outcome::Fail))
                        | (Some(Outcome::Fail), Some(Outcome::Pass | Outcome::Attested))
                )
            });
            if seen.exercised.contains(&key) {
                g.exercised += 1;
            }
            if proven {
                g.proven += 1;
                continue;
            }
            let why = match (
                outcomes.contains(&Outcome::Pass) || outcomes.contains(&Outcome::Attested),
                outcomes.contains(&Outcome::Fail),
            ) {
                (false, false) => "no case asserts its outcome",
                (true, false) => "no case asserts that it fails",
                (false, true) => "no case asserts that it passes",
                (true, true) => "it passes and fails, but in no two cases one fact apart",
            };
            g.missed.push(format!(
                "  {} \"{}\": {why}  ({})",
                c.id,
                req.name,
                at(&req.location)
            ));
        }
        if check.applies.is_some() {
            g.applies += 1;
            let id = c.id.clone();
            let proven = pair_outcomes(seen, move |a| {
                a.applied.get(&id).map(|&held| {
                    if held {
                        Outcome::Pass
                    } else {
                        Outcome::NotApplicable
                    }
                })
            })
            .any(|p| matches!(p, (Some(a), Some(b)) if a != b));
            if proven {
                g.applies_proven += 1;
            } else {
                g.missed.push(format!(
                    "  {} `applies when`: no two cases one fact apart show it applying and not  ({})",
                    c.id,
                    at(&check.location)
                ));
            }
        }
    }
    let mut out = String::new();
    let mut below = false;
    for (i, g) in groups.iter().enumerate() {
        if g.blocks + g.applies == 0 {
            continue;
        }
        let what = if i == 0 {
            "your rules"
        } else {
            "shipped rulesets"
        };
        let pct = |n: usize, all: usize| {
            if all == 0 {
                100.0
            } else {
                n as f64 * 100.0 / all as f64
            }
        };
        let _ = writeln!(
            out,
            "coverage of {what}: {} of {} require blocks exercised ({:.1}%)",
            g.exercised,
            g.blocks,
            pct(g.exercised, g.blocks)
        );
        let _ = writeln!(
            out,
            "  proven to pass and to fail by cases one fact apart: {} of {} ({:.1}%)",
            g.proven,
            g.blocks,
            pct(g.proven, g.blocks)
        );
        let _ = writeln!(
            out,
            "  `applies when` proven by cases one fact apart: {} of {} ({:.1}%)",
            g.applies_proven,
            g.applies,
            pct(g.applies_proven, g.applies)
        );
        let listed = i == 0 || list_shipped;
        if let Some(min) = fail_under
            && listed
            && g.percent() < min
        {
            below = true;
            let _ = writeln!(
                out,
                "  {:.1}% proven, under --fail-under {min}%",
                g.percent()
            );
        }
        if g.missed.is_empty() || !listed {
            continue;
        }
        let _ = writeln!(out, "not proven:");
        for m in &g.missed {
            let _ = writeln!(out, "{m}");
        }
    }
    print!("{out}");
    below
}
