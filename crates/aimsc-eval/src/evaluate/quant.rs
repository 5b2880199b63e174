//! Quantifiers: elements decided quietly, deciding records explained, joins on an index.

use super::*;

impl<'a> Eval<'a> {
    pub(super) fn quant(
        &mut self,
        e: &TypedExpr,
        kind: Quant,
        slot: usize,
        coll: &TypedExpr,
        filter: Option<&TypedExpr>,
        body: &TypedExpr,
    ) -> (Truth, Explanation) {
        if let Some(p) = self.gathered(e, kind, coll) {
            return self.finish(e, kind, coll, p);
        }
        if self.run_capped && self.steps > self.max {
            // Gathering the site's chunks spent what the run had left.
            let mut ex = explain(e, Truth::Unknown);
            ex.detail = Some(RUN_LIMIT_MESSAGE.to_string());
            return (Truth::Unknown, ex);
        }
        let (total, passed_over, items, positions) =
            match self.indexed(kind, coll, slot, filter, body) {
                Some(found) => found,
                None => match self.val(coll) {
                    Value::L(items) => (items.len(), 0, items, Vec::new()),
                    other => {
                        let (t, mut ex) = self.leaf(e, Truth::Unknown, None, &[&other]);
                        ex.detail = Some(format!("{} is not available", coll.text));
                        return (t, ex);
                    }
                },
            };
        let mut partial = Partial {
            total,
            in_scope: passed_over,
            ..Partial::default()
        };
        let field = self.collection(coll);
        for (i, item) in items.into_iter().enumerate() {
            let at = field.map(|f| (f, positions.get(i).copied().unwrap_or(i)));
            self.step(&mut partial, kind, slot, filter, body, (item, at));
        }
        self.finish(e, kind, coll, partial)
    }

    /// The root collection `coll` names, by root field index.
    pub(super) fn collection(&self, coll: &TypedExpr) -> Option<usize> {
        match &coll.kind {
            TypedKind::Root(name) => collection_index(self.env.model, name),
            _ => None,
        }
    }

    /// A site's verdict gathered from its chunks, as the facts view computed (and cached)
    /// them apart; `None` when `e` is not a site or the view evaluates in place.
    pub(super) fn gathered(
        &mut self,
        e: &TypedExpr,
        kind: Quant,
        coll: &TypedExpr,
    ) -> Option<Partial> {
        if self.quiet {
            return None;
        }
        // Sites are in the part's own expression, never in a def body.
        if self.owner.is_some() {
            return None;
        }
        let id = quant_id(e)?;
        let site = self.sites.iter().position(|s| *s == id)?;
        let facts = self.env.facts;
        let field = self.collection(coll)?;
        if facts.unreadable(field).is_some() {
            return None;
        }
        let len = facts.len(field)?;
        let mut acc = Partial::default();
        for chunk in 0..len.div_ceil(CHUNK) {
            acc.absorb(kind, facts.site(self.part, site, chunk)?);
        }
        self.absorbed = self.absorbed.saturating_add(acc.steps);
        // The chunks ran within their share of the requirement's budget; under the run's,
        // what they took counts too, and past it the verdict is not given.
        if self.run_capped && self.spent() > self.max {
            self.steps = self.max.saturating_add(1);
            self.invalid = Some(Arc::from(OVER_RUN));
            return None;
        }
        if self.invalid.is_none() {
            self.invalid = acc.invalid.clone();
        }
        Some(acc)
    }

    /// Decides one element of a quantifier quietly, and explains it only when it decides
    /// the verdict. The element comes with its place in a root collection, when it has one.
    pub(super) fn step(
        &mut self,
        p: &mut Partial,
        kind: Quant,
        slot: usize,
        filter: Option<&TypedExpr>,
        body: &TypedExpr,
        (item, origin): (Value, Option<(usize, usize)>),
    ) {
        let loud = !std::mem::replace(&mut self.quiet, true);
        self.note_invalid(&item);
        self.bind(slot, item.clone(), origin);
        let include = filter.map_or(Truth::True, |f| self.truth(f));
        if include == Truth::False {
            self.quiet = !loud;
            return;
        }
        let bt = self.truth(body);
        self.quiet = !loud;
        p.in_scope += 1;
        // A record whose filter is unknown may or may not be in scope.
        let filter_decides = include == Truth::Unknown && bt != Truth::True;
        let t = if filter_decides { Truth::Unknown } else { bt };
        match t {
            Truth::True => p.satisfied += 1,
            Truth::Unknown => p.any_unknown = true,
            Truth::False => {}
        }
        let (record, at) = match &item {
            Value::Rec(r) => (r.path.clone(), None),
            Value::Ref(ty, id) => match self.env.facts.by_id(ty, id) {
                Some(r) => (r.path.clone(), None),
                None => (Arc::from(item.show()), None),
            },
            other => (Arc::from(other.show()), None::<FactLoc>),
        };
        // `any` reports the first record that proves it, or until one does, the few that
        // failed it first in record order (so whatever order the facts come in).
        let reported = match kind {
            Quant::All => t != Truth::True,
            Quant::None => t != Truth::False,
            Quant::Any if t == Truth::True => {
                if p.satisfied == 1 {
                    p.nearest.clear();
                }
                p.findings.is_empty()
            }
            // An `any` decided by a join on its body (`any x in c: x.f == e and ...`) may
            // never see the records that fail the join, so it reports none: what it reports
            // must not depend on whether the join was used.
            Quant::Any if filter.is_none() && join_key(body, slot).is_some() => false,
            Quant::Any => {
                p.satisfied == 0
                    && (p.nearest.len() < NEAR_MISSES
                        || p.nearest.last().is_some_and(|l| record < l.record))
            }
        };
        if !reported {
            return;
        }
        let explanation = if loud {
            self.bind(slot, item.clone(), origin);
            match (filter, filter_decides) {
                (Some(f), true) => self.cond(f).1,
                _ => self.cond(body).1,
            }
        } else {
            explain(body, t)
        };
        let at = match &item {
            Value::Rec(r) => self.at(Some((r.file, r.span))),
            // A record reached by id is placed in its own file.
            Value::Ref(ty, id) => self
                .env
                .facts
                .by_id(ty, id)
                .and_then(|r| self.at(Some((r.file, r.span)))),
            _ => at,
        };
        let finding = Finding {
            record,
            at,
            result: t,
            explanation: Arc::new(explanation),
        };
        if kind == Quant::Any && t != Truth::True {
            near_miss(&mut p.nearest, finding);
        } else {
            p.findings.push(finding);
        }
    }

    pub(super) fn finish(
        &mut self,
        e: &TypedExpr,
        kind: Quant,
        coll: &TypedExpr,
        p: Partial,
    ) -> (Truth, Explanation) {
        self.leaf_seen += p.leaf_seen;
        if quant_id(e).is_some_and(|id| self.leaves.contains(&(self.owner, id))) {
            self.leaf_seen += p.total;
        }
        let failing_definitely = p.findings.iter().any(|f| f.result != Truth::Unknown);
        // `all` and `none` are refuted by one definite counter-example; `any` is proved by one.
        let result = match kind {
            Quant::All | Quant::None if failing_definitely => Truth::False,
            Quant::Any if p.satisfied > 0 => Truth::True,
            _ if p.any_unknown => Truth::Unknown,
            Quant::Any => Truth::False,
            Quant::All | Quant::None => Truth::True,
        };
        let mut ex = explain(e, result);
        if result == Truth::Unknown {
            ex.missing = p
                .findings
                .iter()
                .chain(&p.nearest)
                .find_map(|f| first_missing(&f.explanation));
        }
        ex.records = Some(Records {
            collection: coll.text.clone(),
            total: p.total,
            in_scope: p.in_scope,
            satisfied: p.satisfied,
            findings: p.findings,
            nearest: p.nearest,
        });
        (result, ex)
    }

    /// The elements that can decide a quantifier with a join `x.f == e` (`e` not mentioning
    /// `x`), found through an index of the root collection by `f` instead of a scan: this turns
    /// a join between two collections from quadratic into linear. The join is the `where`
    /// filter (the others are out of scope), or for `any` and `none` without a filter, the
    /// body (the others are in scope and false, which decides neither). Returns the
    /// collection's size, how many in-scope elements were passed over, and the candidates.
    pub(super) fn indexed(
        &mut self,
        kind: Quant,
        coll: &TypedExpr,
        slot: usize,
        filter: Option<&TypedExpr>,
        body: &TypedExpr,
    ) -> Option<(usize, usize, Vec<Value>, Vec<usize>)> {
        let TypedKind::Root(name) = &coll.kind else {
            return None;
        };
        let (join, by_body) = match filter {
            Some(f) => (join_key(f, slot)?, false),
            None if kind != Quant::All => (join_key(body, slot)?, true),
            None => return None,
        };
        let facts = self.env.facts;
        let field = collection_index(self.env.model, name)?;
        if facts.unreadable(field).is_some() {
            return None;
        }
        let len = facts.len(field)?;
        if len == 0 {
            return None;
        }
        let want = self.val(join.1);
        let key = key_of(&want)?;
        let index = facts.index(self.env.model, field, join.0)?;
        let candidates = index.candidates(&key)?;
        let (mut items, mut positions) = (Vec::new(), Vec::new());
        for i in candidates {
            if let Some(t) = facts.item(field, i as usize) {
                items.push(self.item(&t, &|| name.clone(), i as usize, None));
                positions.push(i as usize);
            }
        }
        let passed_over = if by_body { len - items.len() } else { 0 };
        Some((len, passed_over, items, positions))
    }
}

/// `v` as an index key, when it has one.
pub(super) fn key_of(v: &Value) -> Option<Key> {
    match v {
        Value::S(s) | Value::Ref(_, s) => Some(Key::Str(s.clone())),
        Value::Rec(r) => r.id.clone().map(Key::Str),
        Value::E(m, _) => Some(Key::Enum(m.clone())),
        Value::I(n) => Some(Key::Int(*n)),
        Value::B(b) => Some(Key::Bool(*b)),
        Value::Date(d) => Some(Key::Date(*d)),
        _ => None,
    }
}
