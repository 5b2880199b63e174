//! A def's verdicts per record, shared by every requirement that calls it on the records of a
//! collection.
//!
//! The EU AI Act's controls scope nearly every requirement with a def of the system
//! (`all s in ai_systems where hr_deployer(s): …`), so the same def over the same record was
//! decided once per requirement: ten times per system in Art. 26 alone, and again in every
//! article of the same scope. A facts view may compute a def's verdict for each record of a
//! chunk once ([`def_chunk`]; the database does, as a query that records what it read) and
//! hand it to every call `d(x)` whose argument is a record of that chunk bound by a
//! quantifier. The verdict carries the steps and the first invalid fact the evaluation took,
//! and is used only where the caller's budget has room for those steps, so a call answered
//! from it is indistinguishable from one evaluated: the same truth, the same steps, the same
//! invalid fact. Only defs without quantifiers qualify (a quantifier inside would count the
//! records it ranged over for the caller's "checked nothing"), and only large ones (asking
//! costs more than evaluating a small one).

use super::*;

/// A def's quiet verdict on one record, as a call would have reached it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefVerdict {
    /// The truth of the body.
    pub truth: Truth,
    /// Steps the body took.
    pub steps: u64,
    /// The first invalid fact the body read.
    pub invalid: Option<Arc<str>>,
}

/// Below this many nodes, a def (with what it calls) is evaluated in place.
const WORTH_SHARING: usize = 12;

/// Which defs may be answered from verdicts per record: boolean, of one parameter, checked,
/// without a quantifier in their bodies or in the defs they call, and large enough.
pub fn shared_defs(model: &Model) -> Vec<bool> {
    fn size(model: &Model, d: usize, memo: &mut Vec<Option<Option<usize>>>) -> Option<usize> {
        if let Some(known) = memo.get(d).copied().flatten() {
            return known;
        }
        // A cycle is a checking error; its defs are broken and never shared.
        if let Some(slot) = memo.get_mut(d) {
            *slot = Some(None);
        }
        let def = model.defs.get(d)?;
        let mut total = Some(0usize);
        let mut calls = Vec::new();
        def.body.visit(&mut |e| {
            match &e.kind {
                TypedKind::Quant { .. } => total = None,
                TypedKind::Call(j, _) => calls.push(*j),
                _ => {}
            }
            if let Some(t) = &mut total {
                *t += 1;
            }
        });
        for j in calls {
            total = match (total, size(model, j, memo)) {
                (Some(t), Some(s)) => Some(t + s),
                _ => None,
            };
        }
        if let Some(slot) = memo.get_mut(d) {
            *slot = Some(total);
        }
        total
    }
    let mut memo = vec![None; model.defs.len()];
    (0..model.defs.len())
        .map(|d| {
            let Some(def) = model.defs.get(d) else {
                return false;
            };
            def.broken.is_none()
                && def.params.len() == 1
                && def.body.ty == Ty::Bool
                && size(model, d, &mut memo).is_some_and(|n| n >= WORTH_SHARING)
        })
        .collect()
}

/// The verdicts of def `def` on the records `chunk * CHUNK ..` of collection `field`, each
/// decided as a call would decide it; `None` for a record whose evaluation ran out of steps
/// (the call then evaluates in place, where the budget decides).
pub fn def_chunk(env: &Env<'_>, def: usize, field: usize, chunk: usize) -> Vec<Option<DefVerdict>> {
    let Some(d) = env.model.defs.get(def) else {
        return Vec::new();
    };
    let Some(len) = env.facts.len(field) else {
        return Vec::new();
    };
    let name = env
        .model
        .root
        .get_index(field)
        .map_or_else(|| Arc::from(""), |(n, _)| n.clone());
    let start = chunk.saturating_mul(CHUNK).min(len);
    let end = start.saturating_add(CHUNK).min(len);
    let mut ev = Eval::new(env, d.slots);
    ev.owner = Some(def);
    (start..end)
        .map(|pos| {
            let item = env.facts.item(field, pos)?;
            let value = ev.item(&item, &|| name.clone(), pos, None);
            ev.frame.clear();
            ev.origins.clear();
            ev.bind(0, value, Some((field, pos)));
            ev.frame.resize(d.slots.max(1), ev.blank());
            (ev.steps, ev.invalid) = (0, None);
            let truth = ev.truth(&d.body);
            (ev.steps <= ev.max).then(|| DefVerdict {
                truth,
                steps: ev.steps,
                invalid: ev.invalid.take(),
            })
        })
        .collect()
}

impl Eval<'_> {
    /// The verdict of def `idx` called on `args`, from the facts view's verdicts per record,
    /// when the call qualifies and the budget has room for the steps it stands for.
    pub(super) fn shared_verdict(&mut self, idx: usize, args: &[TypedExpr]) -> Option<Truth> {
        let [arg] = args else {
            return None;
        };
        let TypedKind::Local(slot, _) = arg.kind else {
            return None;
        };
        let (field, pos) = self.origins.get(slot).copied().flatten()?;
        if !self.shared.get(idx).copied().unwrap_or(false) {
            return None;
        }
        let verdicts =
            self.env
                .facts
                .def_verdicts(idx, field, pos / CHUNK, self.env.evidence_required)?;
        let v = verdicts.get(pos % CHUNK)?.as_ref()?;
        // The call's node was counted; its argument is one step more, as in place.
        let after = self.steps.saturating_add(1).saturating_add(v.steps);
        if after > self.max
            || after / INTERRUPT_EVERY != self.steps / INTERRUPT_EVERY && interrupted()
        {
            return None;
        }
        self.steps = after;
        if self.invalid.is_none() {
            self.invalid = v.invalid.clone();
        }
        Some(v.truth)
    }
}
