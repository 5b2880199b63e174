//! The interpreter: runtime values, fact reads and conditions under three-valued logic.

use super::*;

/// A runtime value.
#[derive(Debug, Clone)]
pub(super) enum Value {
    B(bool),
    I(i64),
    D(f64),
    S(Arc<str>),
    Date(Date),
    Dur(Duration),
    E(Arc<str>, usize),
    Rec(Arc<Record>),
    L(Vec<Value>),
    /// A `ref` that resolves: the target record type and the id. It carries its type so that
    /// a field read follows it whatever the static type of the expression (a def parameter
    /// declared `AiSystem` may be passed a `ref AiSystem`).
    Ref(Arc<str>, Arc<str>),
    /// Absent: the fact path, and where the record lacking it is.
    Missing(Arc<str>, Option<(u32, Span)>),
    /// Present but invalid in the facts.
    Invalid(Arc<str>),
}

impl Value {
    pub(super) fn show(&self) -> String {
        match self {
            Value::B(b) => b.to_string(),
            Value::I(n) => n.to_string(),
            Value::D(f) => f.to_string(),
            Value::S(s) | Value::Ref(_, s) => format!("\"{}\"", aimsc_diagnostics::printable(s)),
            Value::Date(d) => d.to_string(),
            Value::Dur(d) => d.to_string(),
            Value::E(m, _) => m.to_string(),
            Value::Rec(r) => r.path.to_string(),
            Value::L(items) if items.len() <= 5 => format!(
                "[{}]",
                items.iter().map(Value::show).collect::<Vec<_>>().join(", ")
            ),
            Value::L(items) => format!("a list of {}", items.len()),
            Value::Missing(p, _) => format!("<{p} missing>"),
            Value::Invalid(p) => format!("<{p} invalid>"),
        }
    }
}

pub(super) struct Eval<'a> {
    pub(super) env: &'a Env<'a>,
    pub(super) frame: Vec<Value>,
    /// For each slot of the frame bound to a record of a root collection by a quantifier, the
    /// collection and the record's position: a call on it may be answered from the def's
    /// verdicts per record (see `memo.rs`).
    pub(super) origins: Vec<Option<(usize, usize)>>,
    /// Which defs the facts view answers per record (`memo::shared_defs`); empty: none.
    pub(super) shared: Arc<[bool]>,
    pub(super) invalid: Option<Arc<str>>,
    /// Skips the text of explanations: a quantifier first decides each record quietly and
    /// explains only the records its verdict reports, which are few.
    pub(super) quiet: bool,
    /// Which part of the check this evaluates (see [`FactsView::site`]).
    pub(super) part: usize,
    /// The part's sites: quantifiers whose chunks the facts view may answer apart.
    pub(super) sites: Vec<u32>,
    /// Steps taken; past `max` every expression is unknown, which three-valued logic turns
    /// into a verdict only where the steps taken already decide it.
    pub(super) steps: u64,
    /// The empty path of an unbound slot, shared: a def call fills its frame with these.
    pub(super) empty: Arc<str>,
    /// The budget: the requirement's (`max-steps`), or less when the run has less left.
    pub(super) max: u64,
    /// Whether `max` is what the run has left rather than the requirement's budget.
    pub(super) run_capped: bool,
    /// Steps the chunks of sites took apart (see [`Eval::gathered`]): they count towards the
    /// run's budget, not the requirement's, which each chunk already shares.
    pub(super) absorbed: u64,
    /// The innermost `all` and `none` quantifiers of the part (see [`leaves`]).
    pub(super) leaves: Vec<QuantRef>,
    /// The def whose body is being evaluated (`None`: the part's own expression), which with
    /// a quantifier's number identifies it.
    pub(super) owner: Option<usize>,
    /// Elements the innermost quantifiers ranged over, summed over their evaluations: zero
    /// means a pass checked nothing.
    pub(super) leaf_seen: usize,
    /// Field reads resolved (see [`Eval::field_index`]).
    fields_seen: Seen<(Arc<str>, &'a crate::model::RecordType, Option<usize>)>,
    /// Enum literals resolved: the enum's name and the member's index.
    enums_seen: Seen<(Arc<str>, usize)>,
    /// Root fields resolved: their index in the schema's `facts` block.
    roots_seen: Seen<Option<usize>>,
}

/// Names the expressions hold, resolved against the model once per evaluation rather than
/// by a hashed lookup at every record: a quantifier asks the same few names for each of its
/// records, and those lookups were a sixth of evaluating one. Found by the address of the
/// name's text (a requirement reads a few dozen names at most, and comparing addresses is
/// cheaper than any hash); each entry keeps its name, so that the address cannot be reused
/// while it is remembered.
pub(super) struct Seen<V> {
    entries: Vec<(Arc<str>, V)>,
}

/// How many names a [`Seen`] remembers; past that, names are looked up in the model again.
const SEEN: usize = 64;

impl<V> Seen<V> {
    fn new() -> Self {
        Seen {
            entries: Vec::new(),
        }
    }

    fn get(&self, name: &Arc<str>) -> Option<&V> {
        self.entries
            .iter()
            .find(|(n, _)| Arc::ptr_eq(n, name))
            .map(|(_, v)| v)
    }

    fn put(&mut self, name: &Arc<str>, v: V) {
        if let Some((_, old)) = self.entries.iter_mut().find(|(n, _)| Arc::ptr_eq(n, name)) {
            *old = v;
        } else if self.entries.len() < SEEN {
            self.entries.push((name.clone(), v));
        }
    }
}

pub(super) fn explain(expr: &TypedExpr, result: Truth) -> Explanation {
    Explanation {
        expr: expr.text.clone(),
        result,
        detail: None,
        missing: None,
        at: None,
        records: None,
        children: Vec::new(),
    }
}

impl<'a> Eval<'a> {
    pub(super) fn new(env: &'a Env<'a>, slots: usize) -> Eval<'a> {
        Eval {
            env,
            frame: Vec::with_capacity(slots),
            origins: Vec::new(),
            shared: env.facts.shared_defs().unwrap_or_else(|| Arc::from([])),
            invalid: None,
            quiet: false,
            part: 0,
            sites: Vec::new(),
            steps: 0,
            empty: Arc::from(""),
            max: env.max_steps,
            run_capped: false,
            absorbed: 0,
            leaves: Vec::new(),
            owner: None,
            leaf_seen: 0,
            fields_seen: Seen::new(),
            enums_seen: Seen::new(),
            roots_seen: Seen::new(),
        }
    }

    /// The record type named `ty` and the index of `field` in it (see [`Seen`]).
    fn field_index(
        &mut self,
        ty: &Arc<str>,
        field: &Arc<str>,
    ) -> Option<(&'a crate::model::RecordType, Option<usize>)> {
        if let Some((t, rt, index)) = self.fields_seen.get(field)
            && (Arc::ptr_eq(t, ty) || **t == **ty)
        {
            return Some((rt, *index));
        }
        let rt = self.env.model.records.get(ty)?;
        let index = rt.fields.get_index_of(field);
        self.fields_seen.put(field, (ty.clone(), rt, index));
        Some((rt, index))
    }

    /// The index of member `member` of enum `en` (0 when the model has no such member, which
    /// the checker does not let through).
    fn enum_index(&mut self, en: &Arc<str>, member: &Arc<str>) -> usize {
        if let Some((e, i)) = self.enums_seen.get(member)
            && (Arc::ptr_eq(e, en) || **e == **en)
        {
            return *i;
        }
        let i = self
            .env
            .model
            .enums
            .get(en)
            .and_then(|e| e.members.iter().position(|x| x == member))
            .unwrap_or(0);
        self.enums_seen.put(member, (en.clone(), i));
        i
    }

    /// The index of root field `name` in the schema's `facts` block.
    fn root_index(&mut self, name: &Arc<str>) -> Option<usize> {
        if let Some(i) = self.roots_seen.get(name) {
            return *i;
        }
        let i = self.env.model.root.get_index_of(name);
        self.roots_seen.put(name, i);
        i
    }

    /// Counts a step; false once the budget is spent (and the requirement then an error).
    pub(super) fn tick(&mut self) -> bool {
        self.steps += 1;
        if self.steps.is_multiple_of(INTERRUPT_EVERY) && interrupted() {
            self.run_capped = false;
            self.steps = self.max.saturating_add(1);
        }
        if self.steps <= self.max {
            return true;
        }
        let marker = if self.run_capped {
            OVER_RUN
        } else {
            OVER_BUDGET
        };
        if self.invalid.as_deref() != Some(marker) {
            self.invalid = Some(Arc::from(marker));
        }
        false
    }

    /// Bounds this evaluator by what is left of a check's share of the run's budget.
    pub(super) fn within(&mut self, left: u64) {
        if left < self.max {
            self.max = left;
            self.run_capped = true;
        }
    }

    /// Steps taken here and in the chunks gathered, for the run's budget.
    pub(super) fn spent(&self) -> u64 {
        self.steps.saturating_add(self.absorbed)
    }

    /// An evaluator of part `part` of a check, whose expression is `expr`.
    pub(super) fn for_part(
        env: &'a Env<'a>,
        slots: usize,
        part: usize,
        expr: &TypedExpr,
    ) -> Eval<'a> {
        let mut ev = Eval::new(env, slots);
        ev.part = part;
        ev.sites = sites(env.model, expr)
            .iter()
            .filter_map(|s| quant_id(s.node))
            .collect();
        ev.leaves = leaf_refs(env.model, expr);
        ev
    }

    pub(super) fn at(&self, loc: Option<(u32, Span)>) -> Option<FactLoc> {
        loc.and_then(|(f, s)| self.env.facts.locate(f, s))
    }

    /// A fact value for evaluation. `path` writes the value's fact path, which only a
    /// missing or invalid value shows: formatting it for every read of a list or a ref was a
    /// large part of evaluating the shipped rulesets.
    pub(super) fn tv(
        &self,
        tv: &FactValue,
        path: &dyn Fn() -> Arc<str>,
        owner: Option<(u32, Span)>,
    ) -> Value {
        match tv {
            FactValue::Missing => Value::Missing(path(), owner),
            FactValue::Invalid => Value::Invalid(path()),
            FactValue::Bool(b) => Value::B(*b),
            FactValue::Int(n) => Value::I(*n),
            FactValue::Dec(f) => Value::D(*f),
            FactValue::Str(s) => Value::S(s.clone()),
            // A ref whose id names no record was diagnosed by validation: it is no evidence.
            FactValue::Ref(r) => {
                if self.env.facts.has_id(&r.ty, &r.id) {
                    Value::Ref(r.ty.clone(), r.id.clone())
                } else {
                    Value::Invalid(path())
                }
            }
            FactValue::Date(d) => Value::Date(*d),
            FactValue::Dur(d) => Value::Dur(*d),
            FactValue::Enum(m, i) => Value::E(m.clone(), *i as usize),
            FactValue::List(items) => self.list(items, path, owner),
            FactValue::Rec(r) => Value::Rec(r.clone()),
        }
    }

    pub(super) fn list(
        &self,
        items: &[FactValue],
        path: &dyn Fn() -> Arc<str>,
        owner: Option<(u32, Span)>,
    ) -> Value {
        Value::L(
            items
                .iter()
                .enumerate()
                .map(|(i, t)| self.item(t, path, i, owner))
                .collect(),
        )
    }

    pub(super) fn item(
        &self,
        t: &FactValue,
        path: &dyn Fn() -> Arc<str>,
        i: usize,
        owner: Option<(u32, Span)>,
    ) -> Value {
        match t {
            FactValue::Rec(r) => Value::Rec(r.clone()),
            _ => self.tv(t, &|| Arc::from(format!("{}[{i}]", path())), owner),
        }
    }

    pub(super) fn note_invalid(&mut self, v: &Value) {
        if let Value::Invalid(p) = v
            && self.invalid.is_none()
        {
            self.invalid = Some(p.clone());
        }
    }

    /// Evaluates a value expression.
    pub(super) fn val(&mut self, e: &TypedExpr) -> Value {
        if !self.tick() {
            return Value::Missing(e.text.clone(), None);
        }
        let v = self.val_inner(e);
        self.note_invalid(&v);
        v
    }

    pub(super) fn val_inner(&mut self, e: &TypedExpr) -> Value {
        match &e.kind {
            TypedKind::Lit(l) => match l {
                Lit::Bool(b) => Value::B(*b),
                Lit::Int(n) => Value::I(*n),
                Lit::Decimal(f) => Value::D(*f),
                Lit::Str(s) => Value::S(s.clone()),
                Lit::Date(d) => Value::Date(*d),
                Lit::Duration(d) => Value::Dur(*d),
                Lit::Enum(en, m) => {
                    let idx = self.enum_index(en, m);
                    Value::E(m.clone(), idx)
                }
            },
            TypedKind::Today => Value::Date(self.env.today),
            TypedKind::Local(slot, name) => self
                .frame
                .get(*slot)
                .cloned()
                .unwrap_or_else(|| Value::Missing(name.clone(), None)),
            TypedKind::Root(name) => {
                let facts = self.env.facts;
                let Some(i) = self.root_index(name) else {
                    return Value::Missing(name.clone(), None);
                };
                if let Some(file) = facts.unreadable(i) {
                    return Value::Invalid(Arc::from(format!(
                        "{name} (`{file}` could not be read)"
                    )));
                }
                if let Some(items) = facts.items(i) {
                    return self.list(&items, &|| name.clone(), None);
                }
                match facts.root_field(i) {
                    // A root date of something done after the as-of date, as for a record's.
                    Some(FactValue::Date(d))
                        if d > self.env.today
                            && self
                                .env
                                .model
                                .root
                                .get_index(i)
                                .is_some_and(|(_, f)| f.past) =>
                    {
                        Value::Invalid(name.clone())
                    }
                    Some(tv) => self.tv(&tv, &|| name.clone(), None),
                    None => Value::Missing(name.clone(), None),
                }
            }
            TypedKind::Field(base, field) => {
                let b = self.val(base);
                self.field(b, base, field)
            }
            TypedKind::Arith(a, op, b) => {
                let (x, y) = (self.val(a), self.val(b));
                arith(x, *op, y)
            }
            TypedKind::Count {
                slot: None,
                coll,
                filter: None,
            } if self
                .collection(coll)
                .is_some_and(|i| self.env.facts.unreadable(i).is_none()) =>
            {
                let n = self.collection(coll).and_then(|i| self.env.facts.len(i));
                Value::I(n.map_or(0, |n| i64::try_from(n).unwrap_or(i64::MAX)))
            }
            TypedKind::Count { slot, coll, filter } => {
                // Only the join's candidates can pass a `where x.f == e` filter.
                let joined = match (slot, filter) {
                    (Some(slot), Some(f)) => self
                        .indexed(Quant::All, coll, *slot, Some(f), f)
                        .map(|(_, _, items, _)| Value::L(items)),
                    _ => None,
                };
                let c = match joined {
                    Some(c) => c,
                    None => self.val(coll),
                };
                match c {
                    Value::L(items) => match (slot, filter) {
                        (Some(slot), Some(f)) => {
                            let mut n = 0i64;
                            for it in items {
                                self.set(*slot, it);
                                match self.cond(f).0 {
                                    Truth::True => n += 1,
                                    Truth::False => {}
                                    Truth::Unknown => {
                                        return Value::Missing(
                                            Arc::from(format!("a `where` fact in {}", e.text)),
                                            None,
                                        );
                                    }
                                }
                            }
                            Value::I(n)
                        }
                        _ => Value::I(i64::try_from(items.len()).unwrap_or(i64::MAX)),
                    },
                    other => other,
                }
            }
            TypedKind::Call(idx, args) => {
                let vals: Vec<Value> = args.iter().map(|a| self.val(a)).collect();
                let Some(def) = self.env.model.defs.get(*idx) else {
                    return Value::Missing(e.text.clone(), None);
                };
                let mut frame = vals;
                frame.resize(def.slots.max(frame.len()), self.blank());
                let origins = self.callee_origins(args);
                let saved = std::mem::replace(&mut self.frame, frame);
                let saved_origins = std::mem::replace(&mut self.origins, origins);
                let owner = self.owner.replace(*idx);
                let out = if def.body.ty == Ty::Bool {
                    self.truth_value(&def.body)
                } else {
                    self.val(&def.body)
                };
                self.owner = owner;
                self.frame = saved;
                self.origins = saved_origins;
                out
            }
            TypedKind::List(items) => Value::L(items.iter().map(|i| self.val(i)).collect()),
            TypedKind::Let(slot, _, value, body) => {
                let v = self.val(value);
                self.set(*slot, v);
                if body.ty == Ty::Bool {
                    self.truth_value(body)
                } else {
                    self.val(body)
                }
            }
            _ => self.truth_value(e),
        }
    }

    /// A condition used as a value: unknown becomes a missing value.
    pub(super) fn truth_value(&mut self, e: &TypedExpr) -> Value {
        if self.quiet {
            return match self.truth(e) {
                Truth::True => Value::B(true),
                Truth::False => Value::B(false),
                Truth::Unknown => Value::Missing(e.text.clone(), None),
            };
        }
        let (t, ex) = self.cond(e);
        match t {
            Truth::True => Value::B(true),
            Truth::False => Value::B(false),
            Truth::Unknown => Value::Missing(
                Arc::from(first_missing(&ex).unwrap_or_else(|| e.text.to_string())),
                None,
            ),
        }
    }

    /// The value of a slot nothing was bound to.
    pub(super) fn blank(&self) -> Value {
        Value::Missing(self.empty.clone(), None)
    }

    /// Binds `slot` to `v`, the record at `origin` of a root collection when it is one.
    pub(super) fn bind(&mut self, slot: usize, v: Value, origin: Option<(usize, usize)>) {
        self.set(slot, v);
        if let Some(at) = origin {
            if self.origins.len() <= slot {
                self.origins.resize(slot + 1, None);
            }
            self.origins[slot] = Some(at);
        }
    }

    /// The origins a def's parameters get from the arguments of a call: a record argument
    /// that is a bound variable keeps where it came from.
    pub(super) fn callee_origins(&self, args: &[TypedExpr]) -> Vec<Option<(usize, usize)>> {
        let of = |a: &TypedExpr| match a.kind {
            TypedKind::Local(slot, _) => self.origins.get(slot).copied().flatten(),
            _ => None,
        };
        if args.iter().all(|a| of(a).is_none()) {
            return Vec::new();
        }
        args.iter().map(of).collect()
    }

    pub(super) fn set(&mut self, slot: usize, v: Value) {
        if let Some(o) = self.origins.get_mut(slot) {
            *o = None;
        }
        if self.frame.len() <= slot {
            self.frame.resize(slot + 1, self.blank());
        }
        self.frame[slot] = v;
    }

    /// What is wrong with the evidence record `id`, when a requirement may not rely on it.
    /// `always`: the evidence behind an attestation, which a person's word rests on, is
    /// checked even where the framework only reports evidence.
    fn evidence_problem(&self, ty: &Arc<str>, id: &Arc<str>, always: bool) -> Option<String> {
        let model = self.env.model;
        if !(self.env.evidence_required || always) || !crate::evidence::declared(model) {
            return None;
        }
        let Some(rec) = self.env.facts.by_id(ty, id) else {
            // A dangling id is a facts error of its own; the value reads as missing.
            return None;
        };
        let item = crate::evidence::item(model, &rec)?;
        let file = self.env.facts.evidence_file(&item.location);
        let state = crate::evidence::state(model, &item, file.as_ref(), self.env.today);
        crate::evidence::problem(&item, &state)
    }

    pub(super) fn field(&mut self, base: Value, base_expr: &TypedExpr, field: &Arc<str>) -> Value {
        let rec = match base {
            Value::Rec(r) => r,
            Value::Ref(ty, id) => match self.env.facts.by_id(&ty, &id) {
                Some(r) => r,
                None => return Value::Invalid(Arc::from(format!("{}.{field}", base_expr.text))),
            },
            Value::Missing(p, at) => return Value::Missing(p, at),
            Value::Invalid(p) => return Value::Invalid(p),
            _ => return Value::Missing(Arc::from(format!("{}.{field}", base_expr.text)), None),
        };
        let Some((rt, index)) = self.field_index(&rec.ty, field) else {
            return Value::Missing(field.clone(), None);
        };
        // The path is shown only for what is missing or invalid; most reads never format it.
        let path = || -> Arc<str> { Arc::from(format!("{}.{field}", rec.path)) };
        match index.and_then(|i| rec.fields.get(i)) {
            // A date of something done that lies after the as-of date is a mistake in the
            // facts (diagnosed as `aimsc::facts::future_date`), never current evidence.
            Some(FactValue::Date(d))
                if *d > self.env.today
                    && index
                        .and_then(|i| rt.fields.get_index(i))
                        .is_some_and(|(_, f)| f.past) =>
            {
                Value::Invalid(path())
            }
            // Evidence that is missing, altered, stale or outside the project is no evidence:
            // the reference reads as invalid, naming the evidence and what is wrong.
            Some(tv @ FactValue::Ref(r)) if &*r.ty == crate::evidence::EVIDENCE_RECORD => {
                let always = &*rec.ty == crate::evidence::ATTESTATION_RECORD
                    && rt.location.file.as_ref() == crate::evidence::EVIDENCE_FILE;
                match self.evidence_problem(&r.ty, &r.id, always) {
                    Some(p) => Value::Invalid(Arc::from(format!("{}: {p}", path()))),
                    None => self.tv(tv, &path, Some((rec.file, rec.span))),
                }
            }
            Some(
                tv @ (FactValue::Missing
                | FactValue::Invalid
                | FactValue::List(_)
                | FactValue::Ref(..)),
            ) => self.tv(tv, &path, Some((rec.file, rec.span))),
            Some(tv) => self.tv(tv, &|| rec.path.clone(), Some((rec.file, rec.span))),
            None => Value::Missing(path(), Some((rec.file, rec.span))),
        }
    }

    /// Evaluates a condition with its explanation.
    pub(super) fn cond(&mut self, e: &TypedExpr) -> (Truth, Explanation) {
        if self.quiet {
            // Nothing of a quiet explanation is read: decide the truth alone.
            let t = self.truth(e);
            return (t, explain(e, t));
        }
        if !self.tick() {
            let mut ex = explain(e, Truth::Unknown);
            ex.detail = Some(if self.run_capped {
                RUN_LIMIT_MESSAGE.to_string()
            } else {
                format!(
                    "not evaluated: over the limit of {} steps",
                    self.env.max_steps
                )
            });
            return (Truth::Unknown, ex);
        }
        match &e.kind {
            TypedKind::Not(inner) => {
                let (t, ex) = self.cond(inner);
                let mut out = explain(e, t.negate());
                out.children.push(ex);
                (t.negate(), out)
            }
            TypedKind::And(parts) | TypedKind::Or(parts) => {
                let is_and = matches!(e.kind, TypedKind::And(_));
                let (decisive, neutral) = if is_and {
                    (Truth::False, Truth::True)
                } else {
                    (Truth::True, Truth::False)
                };
                let mut result = neutral;
                let mut children = Vec::new();
                for p in parts {
                    let (t, ex) = self.cond(p);
                    if t == decisive {
                        result = decisive;
                        children.clear();
                        children.push(ex);
                        break;
                    }
                    if t == Truth::Unknown {
                        result = Truth::Unknown;
                    }
                    if t != neutral || result == neutral {
                        children.push(ex);
                    }
                }
                let mut out = explain(e, result);
                if result != neutral {
                    children.retain(|c| c.result != neutral);
                }
                out.children = children;
                (result, out)
            }
            TypedKind::Compare(a, op, b) => {
                let (x, y) = (self.val(a), self.val(b));
                let t = compared(&x, *op, &y);
                // A false comparison is shown as what holds instead: `2025-08-20 < 2025-11-01`
                // for a failed `>=`.
                let shown_op = if t == Truth::False {
                    negated_op(*op)
                } else {
                    op.as_str()
                };
                let detail = (!self.quiet)
                    .then(|| format!("{} {shown_op} {}", self.shown(a, &x), self.shown(b, &y)));
                let out = self.leaf(e, t, detail, &[&x, &y]);
                self.placed(out, &[a, b])
            }
            TypedKind::In(elem, list, membership) => {
                let (x, l) = (self.val(elem), self.val(list));
                let detail = (!self.quiet).then(|| {
                    format!(
                        "{} {}in {}",
                        x.show(),
                        if *membership == Membership::NotIn {
                            "not "
                        } else {
                            ""
                        },
                        l.show()
                    )
                });
                let t = self.member(&x, &l, *membership);
                let out = self.leaf(e, t, detail, &[&x, &l]);
                self.placed(out, &[elem, list])
            }
            TypedKind::IsSet(inner, presence) => {
                let want_set = *presence == Presence::Set;
                let v = self.val(inner);
                let set = match &v {
                    Value::Missing(..) => false,
                    Value::Invalid(_) => return self.leaf(e, Truth::Unknown, None, &[&v]),
                    _ => true,
                };
                let mut ex = explain(e, Truth::of(set == want_set));
                ex.detail = (!self.quiet).then(|| {
                    if set {
                        format!("{} is set", inner.text)
                    } else {
                        let field = match &v {
                            Value::Missing(p, _) => self.env.model.field_at(p),
                            _ => None,
                        };
                        match field {
                            Some(f) => match &f.doc {
                                Some(d) => {
                                    format!("{} is missing ({}: {d})", inner.text, f.written_type())
                                }
                                None => {
                                    format!("{} is missing ({})", inner.text, f.written_type())
                                }
                            },
                            None => format!("{} is missing", inner.text),
                        }
                    }
                });
                if let Value::Missing(p, at) = &v {
                    ex.missing = Some(p.to_string());
                    ex.at = self.at(*at);
                }
                self.placed((Truth::of(set == want_set), ex), &[inner])
            }
            TypedKind::Text(a, op, b) => {
                let (x, y) = (self.val(a), self.val(b));
                let t = text_truth(&x, *op, &y);
                let detail =
                    (!self.quiet).then(|| format!("{} {} {}", x.show(), op.as_str(), y.show()));
                let out = self.leaf(e, t, detail, &[&x, &y]);
                self.placed(out, &[a, b])
            }
            TypedKind::Quant {
                kind,
                slot,
                coll,
                filter,
                body,
                ..
            } => self.quant(e, *kind, *slot, coll, filter.as_deref(), body),
            TypedKind::Lit(Lit::Bool(b)) => (Truth::of(*b), explain(e, Truth::of(*b))),
            TypedKind::Let(slot, name, value, body) => {
                let v = self.val(value);
                let shown = (!self.quiet).then(|| self.binding(name, value, &v));
                self.set(*slot, v);
                let (t, mut ex) = self.cond(body);
                if let Some(shown) = shown {
                    ex.detail = Some(match ex.detail.take() {
                        Some(d) => format!("{d}; with {shown}"),
                        None => format!("with {shown}"),
                    });
                }
                (t, ex)
            }
            TypedKind::Call(idx, args)
                if self
                    .env
                    .model
                    .defs
                    .get(*idx)
                    .is_some_and(|d| d.body.ty == Ty::Bool) =>
            {
                self.call_cond(e, *idx, args)
            }
            _ => {
                let v = self.val(e);
                let t = match v {
                    Value::B(b) => Truth::of(b),
                    _ => Truth::Unknown,
                };
                let detail = if self.quiet
                    || matches!(
                        e.kind,
                        TypedKind::Call(..) | TypedKind::Let(..) | TypedKind::Local(..)
                    ) {
                    None
                } else {
                    Some(v.show())
                };
                let out = self.leaf(e, t, detail, &[&v]);
                self.placed(out, &[e])
            }
        }
    }

    /// The truth of `x in l` (or `not in`); an invalid element of the list is noted.
    pub(super) fn member(&mut self, x: &Value, l: &Value, membership: Membership) -> Truth {
        let t = match (x, l) {
            (Value::Missing(..) | Value::Invalid(_), _)
            | (_, Value::Missing(..) | Value::Invalid(_)) => Truth::Unknown,
            (_, Value::L(items)) => {
                for i in items {
                    self.note_invalid(i);
                }
                let found = items.iter().any(|i| compare(x, i) == Some(Ordering::Equal));
                let unknown = items
                    .iter()
                    .any(|i| matches!(i, Value::Missing(..) | Value::Invalid(_)));
                if found {
                    Truth::True
                } else if unknown {
                    Truth::Unknown
                } else {
                    Truth::False
                }
            }
            _ => Truth::Unknown,
        };
        match membership {
            Membership::In => t,
            Membership::NotIn => t.negate(),
        }
    }

    /// A def call as a condition: its arguments bound to the def's parameters, and the
    /// explanation of the body under them, so a failing call shows what failed inside it.
    pub(super) fn call_cond(
        &mut self,
        e: &TypedExpr,
        idx: usize,
        args: &[TypedExpr],
    ) -> (Truth, Explanation) {
        let vals: Vec<Value> = args.iter().map(|a| self.val(a)).collect();
        let Some(def) = self.env.model.defs.get(idx) else {
            return self.leaf(
                e,
                Truth::Unknown,
                None,
                &[&Value::Missing(e.text.clone(), None)],
            );
        };
        let shown = if self.quiet {
            None
        } else {
            let parts: Vec<String> = def
                .params
                .iter()
                .zip(args)
                .zip(&vals)
                .map(|(((name, _), arg), v)| self.binding(name, arg, v))
                .collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        };
        let mut frame = vals;
        frame.resize(def.slots.max(frame.len()), self.blank());
        let origins = self.callee_origins(args);
        let saved = std::mem::replace(&mut self.frame, frame);
        let saved_origins = std::mem::replace(&mut self.origins, origins);
        let owner = self.owner.replace(idx);
        let (t, inner) = self.cond(&def.body);
        self.owner = owner;
        self.frame = saved;
        self.origins = saved_origins;
        let mut ex = explain(e, t);
        ex.detail = shown;
        if t == Truth::Unknown {
            ex.missing = first_missing(&inner);
        }
        if !self.quiet {
            ex.children.push(inner);
        }
        let args: Vec<&TypedExpr> = args.iter().collect();
        self.placed((t, ex), &args)
    }
}

pub(super) fn arith(x: Value, op: ArithOp, y: Value) -> Value {
    let plus = op == ArithOp::Add;
    let sign = |n: i64| if plus { n } else { -n };
    match (x, y) {
        (m @ (Value::Missing(..) | Value::Invalid(_)), _)
        | (_, m @ (Value::Missing(..) | Value::Invalid(_))) => m,
        (Value::I(a), Value::I(b)) => Value::I(a.saturating_add(sign(b))),
        (Value::I(a), Value::D(b)) => Value::D(a as f64 + if plus { b } else { -b }),
        (Value::D(a), Value::I(b)) => Value::D(a + sign(b) as f64),
        (Value::D(a), Value::D(b)) => Value::D(a + if plus { b } else { -b }),
        (Value::Date(d), Value::Dur(u)) => {
            match dates::add(d, if plus { u } else { u.negated() }) {
                Some(r) => Value::Date(r),
                None => Value::Missing(Arc::from("a date outside the calendar range"), None),
            }
        }
        (Value::Dur(u), Value::Date(d)) => match dates::add(d, u) {
            Some(r) => Value::Date(r),
            None => Value::Missing(Arc::from("a date outside the calendar range"), None),
        },
        (Value::Date(a), Value::Date(b)) => Value::Dur(Duration {
            months: 0,
            days: dates::days_between(b, a),
        }),
        (Value::Dur(a), Value::Dur(b)) => {
            let b = if plus { b } else { b.negated() };
            Value::Dur(Duration {
                months: a.months.saturating_add(b.months),
                days: a.days.saturating_add(b.days),
            })
        }
        _ => Value::Missing(Arc::from("an arithmetic result"), None),
    }
}

/// The truth of `x op y`: unknown when either is missing or invalid, or they do not compare.
pub(super) fn compared(x: &Value, op: CmpOp, y: &Value) -> Truth {
    match (x, y) {
        (Value::Missing(..) | Value::Invalid(_), _)
        | (_, Value::Missing(..) | Value::Invalid(_)) => Truth::Unknown,
        _ => match compare(x, y) {
            Some(ord) => Truth::of(match op {
                CmpOp::Eq => ord == Ordering::Equal,
                CmpOp::Ne => ord != Ordering::Equal,
                CmpOp::Lt => ord == Ordering::Less,
                CmpOp::Le => ord != Ordering::Greater,
                CmpOp::Gt => ord == Ordering::Greater,
                CmpOp::Ge => ord != Ordering::Less,
            }),
            None => Truth::Unknown,
        },
    }
}

/// The truth of a text test: unknown unless both sides are text.
pub(super) fn text_truth(x: &Value, op: TextOp, y: &Value) -> Truth {
    match (x, y) {
        (Value::S(s) | Value::Ref(_, s), Value::S(p) | Value::Ref(_, p)) => Truth::of(match op {
            TextOp::Contains => s.contains(&**p),
            TextOp::StartsWith => s.starts_with(&**p),
            TextOp::EndsWith => s.ends_with(&**p),
            TextOp::Matches => wildcard(s, p),
        }),
        _ => Truth::Unknown,
    }
}

pub(super) fn compare(x: &Value, y: &Value) -> Option<Ordering> {
    match (x, y) {
        (Value::B(a), Value::B(b)) => Some(a.cmp(b)),
        (Value::I(a), Value::I(b)) => Some(a.cmp(b)),
        (Value::I(a), Value::D(b)) => (*a as f64).partial_cmp(b),
        (Value::D(a), Value::I(b)) => a.partial_cmp(&(*b as f64)),
        (Value::D(a), Value::D(b)) => a.partial_cmp(b),
        (Value::S(a) | Value::Ref(_, a), Value::S(b) | Value::Ref(_, b)) => Some(a.cmp(b)),
        (Value::Date(a), Value::Date(b)) => Some(a.cmp(b)),
        (Value::Dur(a), Value::Dur(b)) => Some(a.approx_days().cmp(&b.approx_days())),
        (Value::E(_, a), Value::E(_, b)) => Some(a.cmp(b)),
        (Value::Rec(a), Value::Rec(b)) => Some(a.id.cmp(&b.id)),
        (Value::Rec(a), Value::S(b) | Value::Ref(_, b)) => {
            Some(a.id.as_deref().unwrap_or("").cmp(b))
        }
        (Value::S(a) | Value::Ref(_, a), Value::Rec(b)) => {
            Some((**a).cmp(b.id.as_deref().unwrap_or("")))
        }
        _ => None,
    }
}

/// `*` matches any run of characters, `?` one character.
pub(super) fn wildcard(s: &str, p: &str) -> bool {
    let (s, p): (Vec<char>, Vec<char>) = (s.chars().collect(), p.chars().collect());
    let (mut i, mut j, mut star, mut mark) = (0usize, 0usize, None::<usize>, 0usize);
    while i < s.len() {
        if j < p.len() && (p[j] == '?' || p[j] == s[i]) {
            i += 1;
            j += 1;
        } else if j < p.len() && p[j] == '*' {
            star = Some(j);
            mark = i;
            j += 1;
        } else if let Some(st) = star {
            j = st + 1;
            mark += 1;
            i = mark;
        } else {
            return false;
        }
    }
    p[j..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::wildcard;

    #[test]
    pub(super) fn wildcards_match_runs_and_single_chars() {
        assert!(wildcard("dpo@acme.com", "*@acme.com"));
        assert!(wildcard("A.5.2", "A.?.2"));
        assert!(!wildcard("A.5.2", "A.6.*"));
    }
}
