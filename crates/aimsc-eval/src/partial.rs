//! A quantifier's verdict over a run of its elements, as a chunk of a site yields it and the
//! facts view hands it back: counts, the deciding records, and how to join two runs.

use crate::outcome::Finding;
use aimsc_syntax::ast::Quant;
use std::sync::Arc;

/// Keeps `f` among the [`NEAR_MISSES`] failing records of an `any` that come first by record.
pub(crate) fn near_miss(findings: &mut Vec<Finding>, f: Finding) {
    let at = findings.partition_point(|x| x.record <= f.record);
    if at < NEAR_MISSES {
        findings.insert(at, f);
        findings.truncate(NEAR_MISSES);
    }
}

/// How many records that failed it a false `any` reports: why the nearest candidates did not
/// satisfy it.
pub const NEAR_MISSES: usize = 3;

/// A quantifier's verdict over some of its elements: counts and the deciding records.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Partial {
    pub(crate) total: usize,
    pub(crate) in_scope: usize,
    pub(crate) satisfied: usize,
    pub(crate) any_unknown: bool,
    pub(crate) findings: Vec<Finding>,
    pub(crate) nearest: Vec<Finding>,
    /// The first invalid fact read, when computed over chunks.
    pub(crate) invalid: Option<Arc<str>>,
    /// Elements the innermost quantifiers nested in the site ranged over.
    pub(crate) leaf_seen: usize,
    /// Evaluation steps taken.
    pub(crate) steps: u64,
}

impl Partial {
    /// Adds the verdict over the elements that follow.
    pub(crate) fn absorb(&mut self, kind: Quant, next: Partial) {
        let proved_before = self.satisfied > 0;
        self.total += next.total;
        self.in_scope += next.in_scope;
        self.satisfied += next.satisfied;
        self.any_unknown |= next.any_unknown;
        self.leaf_seen += next.leaf_seen;
        self.steps = self.steps.saturating_add(next.steps);
        if self.invalid.is_none() {
            self.invalid = next.invalid;
        }
        if kind != Quant::Any {
            self.findings.extend(next.findings);
        } else if proved_before {
            // `any` reports only the first record that proves it...
        } else if next.satisfied > 0 {
            self.findings = next.findings;
            self.nearest.clear();
        } else {
            // ... or, unproved, the first few that failed it.
            for f in next.nearest {
                near_miss(&mut self.nearest, f);
            }
        }
    }
}
