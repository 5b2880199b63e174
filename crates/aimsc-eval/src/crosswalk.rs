//! Crosswalk coverage: what the outcomes of one framework's checks say about another framework's
//! items, through the `map` lines between them.
//!
//! The propagation rule (documented for users in `rulesets/README.md`):
//!
//! 1. An item *with an outcome* contributes its outcome: `pass` is **covered**; `fail`, `error`
//!    and `waived` are a **gap** (a waiver accepts the risk, it does not implement the control);
//!    `not_applicable` and `excluded` contribute nothing.
//! 2. An item *without an outcome* (a catalog entry, or a check not evaluated) contributes its own
//!    derived status, computed by this rule from the maps into it. This is how coverage travels
//!    over several hops (42001 → catalog entry → another catalog). A cycle contributes nothing.
//! 3. A map carries a contribution to its target according to its relation: `equal` and
//!    `superset` (the source spans the whole target) carry **covered** as covered; `subset`,
//!    `intersect` and `related` weaken **covered** to **partial**. **partial** and **gap** are
//!    carried unchanged.
//! 4. A target combines what reaches it: covered if something covers it and nothing is a gap;
//!    partial if anything covers it at least in part; gap if only gaps reach it; not assessed if
//!    nothing reaches it.

use crate::model::{Model, Relation};
use crate::outcome::Outcome;
use indexmap::IndexMap;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Derived coverage of a target item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Coverage {
    /// Fully covered by passing sources.
    Covered,
    /// Covered in part.
    Partial,
    /// Only failing (or waived) sources reach it.
    Gap,
    /// Nothing assessed reaches it.
    NotAssessed,
}

impl Coverage {
    /// As written in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Coverage::Covered => "covered",
            Coverage::Partial => "partial",
            Coverage::Gap => "gap",
            Coverage::NotAssessed => "not assessed",
        }
    }
}

/// What one map line contributed to a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contribution {
    /// The source item.
    pub source: Arc<str>,
    /// Its title.
    pub source_title: Arc<str>,
    /// The source's outcome, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// The source's own derived coverage, when it has no outcome (multi-hop).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub derived: Option<Coverage>,
    /// The map's relation.
    pub relation: Relation,
    /// The map's provenance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Arc<str>>,
    /// What reached the target; `None` when the source contributed nothing.
    pub effect: Option<Coverage>,
}

/// The derived status of one target item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetStatus {
    /// Item id.
    pub id: Arc<str>,
    /// Title.
    pub title: Arc<str>,
    /// Derived coverage.
    pub status: Coverage,
    /// The outcome of the item's own control, when the rules also check the item directly
    /// (`eu_ai_act::Art.4` is a control of the shipped rules): a verdict independent of the
    /// derived status, shown as "checked directly".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub own_outcome: Option<Outcome>,
    /// Every map into it, in declaration order.
    pub derivation: Vec<Contribution>,
}

fn carried(c: Coverage, relation: Relation) -> Coverage {
    match (c, relation) {
        (Coverage::Covered, Relation::Equal | Relation::Superset) => Coverage::Covered,
        (Coverage::Covered, _) => Coverage::Partial,
        (other, _) => other,
    }
}

fn combine(effects: impl Iterator<Item = Coverage>) -> Coverage {
    let (mut covered, mut partial, mut gap) = (false, false, false);
    for e in effects {
        match e {
            Coverage::Covered => covered = true,
            Coverage::Partial => partial = true,
            Coverage::Gap => gap = true,
            Coverage::NotAssessed => {}
        }
    }
    match (covered, partial, gap) {
        (true, _, false) => Coverage::Covered,
        (true, _, true) | (false, true, _) => Coverage::Partial,
        (false, false, true) => Coverage::Gap,
        (false, false, false) => Coverage::NotAssessed,
    }
}

fn of_outcome(o: Outcome) -> Option<Coverage> {
    match o {
        Outcome::Pass | Outcome::Attested => Some(Coverage::Covered),
        Outcome::Fail | Outcome::Error | Outcome::Waived => Some(Coverage::Gap),
        Outcome::NotApplicable | Outcome::Excluded => None,
    }
}

struct Deriver<'a> {
    model: &'a Model,
    outcomes: &'a HashMap<Arc<str>, Outcome>,
    incoming: HashMap<&'a str, Vec<usize>>,
    memo: HashMap<Arc<str>, Coverage>,
    visiting: HashSet<Arc<str>>,
    /// Set when a derivation met an item already being derived: its result then depends on
    /// where the derivation started, so it is not remembered.
    cycle_hit: bool,
    /// Derivations left before the rest are taken as not assessed: cycles make the number of
    /// paths grow fast, and a rule file may hold many maps.
    budget: usize,
}

/// Derivations one crosswalk may take (see `Deriver::budget`).
const DERIVE_BUDGET: usize = 200_000;

impl Deriver<'_> {
    /// What `id` contributes as a source.
    fn as_source(
        &mut self,
        id: &Arc<str>,
    ) -> (Option<Outcome>, Option<Coverage>, Option<Coverage>) {
        if let Some(&o) = self.outcomes.get(id) {
            return (Some(o), None, of_outcome(o));
        }
        let d = self.derive(id);
        (None, Some(d), (d != Coverage::NotAssessed).then_some(d))
    }

    fn derive(&mut self, id: &Arc<str>) -> Coverage {
        if let Some(&c) = self.memo.get(id) {
            return c;
        }
        if self.budget == 0 {
            self.cycle_hit = true;
            return Coverage::NotAssessed;
        }
        self.budget -= 1;
        if !self.visiting.insert(id.clone()) {
            // A cycle contributes nothing back to an item on it.
            self.cycle_hit = true;
            return Coverage::NotAssessed;
        }
        let outer = std::mem::replace(&mut self.cycle_hit, false);
        let c = combine(self.sources(id).into_iter().filter_map(|s| s.effect));
        self.visiting.remove(id);
        if !self.cycle_hit {
            self.memo.insert(id.clone(), c);
        }
        self.cycle_hit |= outer;
        c
    }

    /// What each map into `id` contributes, with `id` being derived (on the visiting set):
    /// the status and the derivation a report shows are made of the same contributions.
    fn sources(&mut self, id: &Arc<str>) -> Vec<Source> {
        let lines = self.incoming.get(&**id).cloned().unwrap_or_default();
        let mut out = Vec::new();
        for i in lines {
            let Some(m) = self.model.mappings.get(i) else {
                continue;
            };
            let (outcome, derived, c) = self.as_source(&m.source);
            out.push(Source {
                line: i,
                outcome,
                derived,
                effect: c.map(|c| carried(c, m.relation)),
            });
        }
        out
    }
}

/// One map's contribution to its target.
struct Source {
    line: usize,
    outcome: Option<Outcome>,
    derived: Option<Coverage>,
    effect: Option<Coverage>,
}

impl Deriver<'_> {
    /// An item's status and its contributions, derived together.
    fn status(&mut self, id: &Arc<str>) -> (Coverage, Vec<Source>) {
        self.visiting.insert(id.clone());
        let sources = self.sources(id);
        self.visiting.remove(id);
        self.cycle_hit = false;
        let status = combine(sources.iter().filter_map(|s| s.effect));
        (status, sources)
    }
}

/// The derived status of every item of `target` that a map points at, or that the framework
/// declares, sorted by id. `outcomes` holds the evaluated checks' outcomes.
pub fn derive(
    model: &Model,
    outcomes: &HashMap<Arc<str>, Outcome>,
    target: &str,
) -> Vec<TargetStatus> {
    let mut incoming: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, m) in model.mappings.iter().enumerate() {
        incoming.entry(&*m.target).or_default().push(i);
    }
    let mut d = Deriver {
        model,
        outcomes,
        incoming,
        memo: HashMap::new(),
        visiting: HashSet::new(),
        cycle_hit: false,
        budget: DERIVE_BUDGET,
    };
    let mut items: IndexMap<Arc<str>, Arc<str>> = IndexMap::new();
    for c in model.checks.values().filter(|c| &*c.framework == target) {
        items.insert(c.id.clone(), c.title.clone());
    }
    for e in model.entries.values().filter(|e| &*e.framework == target) {
        items.insert(e.id.clone(), e.title.clone());
    }
    items.sort_by(|a, _, b, _| natural_cmp(a, b));
    let mut out = Vec::new();
    for (id, title) in items {
        let (status, sources) = d.status(&id);
        let mut derivation = Vec::new();
        for s in sources {
            let Some(m) = model.mappings.get(s.line) else {
                continue;
            };
            derivation.push(Contribution {
                source: m.source.clone(),
                source_title: model.title_of(&m.source).cloned().unwrap_or_default(),
                outcome: s.outcome,
                derived: s.derived,
                relation: m.relation,
                provenance: m.provenance.clone(),
                effect: s.effect,
            });
        }
        out.push(TargetStatus {
            own_outcome: outcomes.get(&id).copied(),
            id,
            title,
            status,
            derivation,
        });
    }
    out
}

pub use crate::order::natural_cmp;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Input, build_model};

    /// Frameworks `src` (controls a, b, c), `mid` (entries), `tgt` (entries) and the given maps.
    fn model(maps: &str) -> Model {
        let text = format!(
            "framework src \"S\"\nframework mid \"M\"\nframework tgt \"T\"\n\
             record O {{ n: int }}\nfacts {{ o: O }}\n\
             control src::a \"A\" {{ require \"r\" {{ o.n > 0 }} }}\n\
             control src::b \"B\" {{ require \"r\" {{ o.n > 0 }} }}\n\
             control src::c \"C\" {{ require \"r\" {{ o.n > 0 }} }}\n\
             entry mid::m \"M1\"\nentry mid::n \"N1\"\n\
             entry tgt::x \"X\"\nentry tgt::y \"Y\"\n{maps}\n"
        );
        let path: Arc<str> = Arc::from("t.aims");
        let (file, diags) = aimsc_syntax::parse(&path, &text);
        assert!(diags.is_empty(), "{diags:?}");
        let date = jiff::civil::date(2026, 1, 1);
        let (m, diags) = build_model(
            &[Input {
                path: &path,
                text: &text,
                file: &file,
            }],
            date,
        );
        assert!(diags.is_empty(), "{diags:?}");
        m
    }

    fn status(maps: &str, outcomes: &[(&str, Outcome)], item: &str) -> Coverage {
        let m = model(maps);
        let outcomes: HashMap<Arc<str>, Outcome> =
            outcomes.iter().map(|(k, o)| (Arc::from(*k), *o)).collect();
        let target = item.split("::").next().unwrap_or_default();
        derive(&m, &outcomes, target)
            .into_iter()
            .find(|t| &*t.id == item)
            .map(|t| t.status)
            .unwrap_or(Coverage::NotAssessed)
    }

    use Outcome::*;

    /// A cycle of maps between two entries: each item's status is what its own derivation
    /// lists, whichever item is derived first.
    #[test]
    fn a_cycle_gives_the_same_status_as_the_derivation_it_lists() {
        for maps in [
            "map src::a -> mid::m equal\nmap mid::m -> mid::n equal\nmap mid::n -> mid::m equal",
            "map mid::n -> mid::m equal\nmap mid::m -> mid::n equal\nmap src::a -> mid::m equal",
        ] {
            let m = model(maps);
            let outcomes: HashMap<Arc<str>, Outcome> = [(Arc::from("src::a"), Pass)].into();
            let items = derive(&m, &outcomes, "mid");
            for t in &items {
                let listed = combine(t.derivation.iter().filter_map(|c| c.effect));
                assert_eq!(t.status, listed, "{}: {maps}", t.id);
                assert_eq!(t.status, Coverage::Covered, "{}: {maps}", t.id);
                for c in &t.derivation {
                    if let Some(d) = c.derived {
                        let other = items.iter().find(|o| o.id == c.source).unwrap();
                        assert!(
                            d == other.status || d == Coverage::NotAssessed,
                            "{} reads {} as {d:?}, which is {:?}",
                            t.id,
                            c.source,
                            other.status
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_full_relation_carries_a_pass_as_covered() {
        assert_eq!(
            status("map src::a -> tgt::x equal", &[("src::a", Pass)], "tgt::x"),
            Coverage::Covered
        );
        assert_eq!(
            status(
                "map src::a -> tgt::x superset",
                &[("src::a", Pass)],
                "tgt::x"
            ),
            Coverage::Covered
        );
    }

    #[test]
    fn a_partial_relation_weakens_a_pass_to_partial() {
        for rel in ["subset", "intersect", "related"] {
            let maps = format!("map src::a -> tgt::x {rel}");
            assert_eq!(
                status(&maps, &[("src::a", Pass)], "tgt::x"),
                Coverage::Partial,
                "{rel}"
            );
        }
    }

    #[test]
    fn failing_errored_and_waived_sources_are_gaps() {
        for o in [Fail, Error, Waived] {
            assert_eq!(
                status("map src::a -> tgt::x equal", &[("src::a", o)], "tgt::x"),
                Coverage::Gap
            );
        }
    }

    #[test]
    fn excluded_not_applicable_and_unmapped_are_not_assessed() {
        for o in [Excluded, NotApplicable] {
            assert_eq!(
                status("map src::a -> tgt::x equal", &[("src::a", o)], "tgt::x"),
                Coverage::NotAssessed
            );
        }
        assert_eq!(
            status("map src::a -> tgt::x equal", &[("src::a", Pass)], "tgt::y"),
            Coverage::NotAssessed
        );
        // Mapped, but the source was not evaluated and has no derivation of its own.
        assert_eq!(
            status("map src::a -> tgt::x equal", &[], "tgt::x"),
            Coverage::NotAssessed
        );
    }

    #[test]
    fn a_covering_source_and_a_gap_combine_to_partial() {
        let maps = "map src::a -> tgt::x equal\nmap src::b -> tgt::x intersect";
        assert_eq!(
            status(maps, &[("src::a", Pass), ("src::b", Fail)], "tgt::x"),
            Coverage::Partial
        );
        assert_eq!(
            status(maps, &[("src::a", Pass), ("src::b", Pass)], "tgt::x"),
            Coverage::Covered
        );
        assert_eq!(
            status(maps, &[("src::a", Fail), ("src::b", Fail)], "tgt::x"),
            Coverage::Gap
        );
        assert_eq!(
            status(maps, &[("src::a", Excluded), ("src::b", Pass)], "tgt::x"),
            Coverage::Partial
        );
    }

    #[test]
    fn coverage_travels_over_several_hops() {
        let full = "map src::a -> mid::m equal\nmap mid::m -> tgt::x equal";
        assert_eq!(
            status(full, &[("src::a", Pass)], "tgt::x"),
            Coverage::Covered
        );
        assert_eq!(status(full, &[("src::a", Fail)], "tgt::x"), Coverage::Gap);
        // One partial hop anywhere on the path makes the end partial.
        let weak_first = "map src::a -> mid::m intersect\nmap mid::m -> tgt::x equal";
        assert_eq!(
            status(weak_first, &[("src::a", Pass)], "tgt::x"),
            Coverage::Partial
        );
        let weak_last = "map src::a -> mid::m equal\nmap mid::m -> tgt::x related";
        assert_eq!(
            status(weak_last, &[("src::a", Pass)], "tgt::x"),
            Coverage::Partial
        );
        // Three hops.
        let three =
            "map src::a -> mid::m equal\nmap mid::m -> mid::n superset\nmap mid::n -> tgt::x equal";
        assert_eq!(
            status(three, &[("src::a", Pass)], "tgt::x"),
            Coverage::Covered
        );
    }

    #[test]
    fn a_cycle_without_sources_is_not_assessed_and_terminates() {
        let cycle =
            "map mid::m -> mid::n equal\nmap mid::n -> mid::m equal\nmap mid::n -> tgt::x equal";
        assert_eq!(status(cycle, &[], "tgt::x"), Coverage::NotAssessed);
        let fed = format!("{cycle}\nmap src::c -> mid::m equal");
        assert_eq!(
            status(&fed, &[("src::c", Pass)], "tgt::x"),
            Coverage::Covered
        );
    }

    #[test]
    fn the_derivation_lists_every_map_with_its_effect() {
        let m =
            model("map src::a -> tgt::x equal provenance structural\nmap src::b -> tgt::x related");
        let outcomes: HashMap<Arc<str>, Outcome> =
            [(Arc::from("src::a"), Pass), (Arc::from("src::b"), Excluded)]
                .into_iter()
                .collect();
        let x = derive(&m, &outcomes, "tgt")
            .into_iter()
            .find(|t| &*t.id == "tgt::x")
            .unwrap();
        assert_eq!(x.derivation.len(), 2);
        assert_eq!(x.derivation[0].effect, Some(Coverage::Covered));
        assert_eq!(x.derivation[0].provenance.as_deref(), Some("structural"));
        assert_eq!(x.derivation[1].outcome, Some(Excluded));
        assert_eq!(x.derivation[1].effect, None);
    }

    #[test]
    fn ids_sort_naturally() {
        let mut ids = vec!["A.5.10", "A.5.9", "A.10.1", "Art.10", "Art.9", "4.1"];
        ids.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(ids, ["4.1", "A.5.9", "A.5.10", "A.10.1", "Art.9", "Art.10"]);
    }
}
