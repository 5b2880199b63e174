//! The quiet evaluator: a condition's truth without its explanation.
//!
//! Most of the work of a run is deciding records no report shows: the elements of a quantifier
//! that pass, and everything under a def called in a `where` filter. `cond` built an
//! explanation tree for each of them and threw it away. `truth` takes the same steps in the
//! same order (the step budget, invalid facts and the elements the innermost quantifiers
//! ranged over come out equal) and keeps only the truth. The leaf decisions are the functions
//! `cond` uses (`compared`, `member`, `text_truth`), and `tests/tests/differential.rs` checks
//! that every record decided quietly is explained with the result it was decided with.

use super::*;

impl Eval<'_> {
    /// The truth `cond` gives `e`, taking the same steps, without the explanation.
    pub(super) fn truth(&mut self, e: &TypedExpr) -> Truth {
        if !self.tick() {
            return Truth::Unknown;
        }
        match &e.kind {
            TypedKind::Not(inner) => self.truth(inner).negate(),
            TypedKind::And(parts) | TypedKind::Or(parts) => {
                let (decisive, neutral) = if matches!(e.kind, TypedKind::And(_)) {
                    (Truth::False, Truth::True)
                } else {
                    (Truth::True, Truth::False)
                };
                let mut result = neutral;
                for p in parts {
                    match self.truth(p) {
                        t if t == decisive => return decisive,
                        Truth::Unknown => result = Truth::Unknown,
                        _ => {}
                    }
                }
                result
            }
            TypedKind::Compare(a, op, b) => {
                let (x, y) = (self.val(a), self.val(b));
                compared(&x, *op, &y)
            }
            TypedKind::In(elem, list, membership) => {
                let (x, l) = (self.val(elem), self.val(list));
                self.member(&x, &l, *membership)
            }
            TypedKind::IsSet(inner, presence) => match self.val(inner) {
                Value::Missing(..) => Truth::of(*presence == Presence::Missing),
                Value::Invalid(_) => Truth::Unknown,
                _ => Truth::of(*presence == Presence::Set),
            },
            TypedKind::Text(a, op, b) => {
                let (x, y) = (self.val(a), self.val(b));
                text_truth(&x, *op, &y)
            }
            TypedKind::Quant {
                kind,
                slot,
                coll,
                filter,
                body,
                ..
            } => self.quant_truth(e, *kind, *slot, coll, filter.as_deref(), body),
            TypedKind::Lit(Lit::Bool(b)) => Truth::of(*b),
            TypedKind::Let(slot, _, value, body) => {
                let v = self.val(value);
                self.set(*slot, v);
                self.truth(body)
            }
            TypedKind::Call(idx, args) => match self.env.model.defs.get(*idx) {
                Some(def) if def.body.ty == Ty::Bool => {
                    if let Some(t) = self.shared_verdict(*idx, args) {
                        return t;
                    }
                    let mut frame: Vec<Value> = args.iter().map(|a| self.val(a)).collect();
                    frame.resize(def.slots.max(frame.len()), self.blank());
                    let origins = self.callee_origins(args);
                    let saved = std::mem::replace(&mut self.frame, frame);
                    let saved_origins = std::mem::replace(&mut self.origins, origins);
                    let owner = self.owner.replace(*idx);
                    let t = self.truth(&def.body);
                    self.owner = owner;
                    self.frame = saved;
                    self.origins = saved_origins;
                    t
                }
                _ => self.value_truth(e),
            },
            _ => self.value_truth(e),
        }
    }

    fn value_truth(&mut self, e: &TypedExpr) -> Truth {
        match self.val(e) {
            Value::B(b) => Truth::of(b),
            _ => Truth::Unknown,
        }
    }

    /// A quantifier's truth, as `quant`, `step` and `finish` decide it quietly: a site is
    /// never gathered here (only an explained part gathers its sites).
    fn quant_truth(
        &mut self,
        e: &TypedExpr,
        kind: Quant,
        slot: usize,
        coll: &TypedExpr,
        filter: Option<&TypedExpr>,
        body: &TypedExpr,
    ) -> Truth {
        if self.run_capped && self.steps > self.max {
            return Truth::Unknown;
        }
        let (total, items, positions) = match self.indexed(kind, coll, slot, filter, body) {
            Some((total, _, items, positions)) => (total, items, positions),
            None => match self.val(coll) {
                Value::L(items) => (items.len(), items, Vec::new()),
                _ => return Truth::Unknown,
            },
        };
        let field = self.collection(coll);
        let (mut satisfied, mut unknown, mut refuted) = (0usize, false, false);
        for (i, item) in items.into_iter().enumerate() {
            self.note_invalid(&item);
            let at = field.map(|f| (f, positions.get(i).copied().unwrap_or(i)));
            self.bind(slot, item, at);
            let include = filter.map_or(Truth::True, |f| self.truth(f));
            if include == Truth::False {
                continue;
            }
            let bt = self.truth(body);
            // A record whose filter is unknown may or may not be in scope.
            let t = if include == Truth::Unknown && bt != Truth::True {
                Truth::Unknown
            } else {
                bt
            };
            match t {
                Truth::True => satisfied += 1,
                Truth::Unknown => unknown = true,
                Truth::False => {}
            }
            refuted |= match kind {
                Quant::All => t == Truth::False,
                Quant::None => t == Truth::True,
                Quant::Any => false,
            };
        }
        if quant_id(e).is_some_and(|id| self.leaves.contains(&(self.owner, id))) {
            self.leaf_seen += total;
        }
        match kind {
            Quant::All | Quant::None if refuted => Truth::False,
            Quant::Any if satisfied > 0 => Truth::True,
            _ if unknown => Truth::Unknown,
            Quant::Any => Truth::False,
            Quant::All | Quant::None => Truth::True,
        }
    }
}
