//! Evaluation with explanations, under three-valued logic.

use crate::dates::{self, Duration};
use crate::join::Key;
use crate::model::{CExpr, CKind, Check, Lit, Model, Ty};
use crate::outcome::*;
use crate::validate::{FactLoc, Record, TV, collection_index};
use crate::view::{CHUNK, FactsView};
use aimsc_diagnostics::{Location, Span};
use aimsc_syntax::ast::{CheckKind, CmpOp, Quant, TextOp};
use jiff::civil::Date;
use std::cmp::Ordering;
use std::sync::Arc;

/// What evaluation needs besides the model and the facts.
pub struct Env<'a> {
    /// The checked rules.
    pub model: &'a Model,
    /// The validated facts.
    pub facts: &'a dyn FactsView,
    /// The as-of date (`today`).
    pub today: Date,
    /// Turns a rule-file location into line and column.
    pub locate_rule: &'a dyn Fn(&Location) -> Option<FactLoc>,
    /// The step budget of one requirement, and of one chunk of a quantifier evaluated apart
    /// (see [`DEFAULT_MAX_STEPS`]).
    pub max_steps: u64,
}

/// The default step budget: a step is one expression evaluated or one record visited, so
/// this is seconds of work, far more than any real requirement takes, and it stops the
/// combinatorial blow-up of nested quantifiers over large collections.
pub const DEFAULT_MAX_STEPS: u64 = 50_000_000;

/// The default step budget of a whole evaluation: a hundred requirements at their limit,
/// minutes of work. The shipped rulesets take 20 to 35 million steps over a synthetic
/// organisation of 10,000 systems (`aimsc-synth --systems 10000`), so this leaves room for
/// more than a million.
pub const DEFAULT_MAX_RUN_STEPS: u64 = 5_000_000_000;

thread_local! {
    /// The interrupt flag of the evaluation running on this thread (see [`with_interrupt`]).
    static INTERRUPT: std::cell::RefCell<Option<Arc<std::sync::atomic::AtomicBool>>> =
        const { std::cell::RefCell::new(None) };
}

/// How many steps pass between two looks at the interrupt flag.
const INTERRUPT_EVERY: u64 = 4096;

/// Runs `f` on this thread with `flag` as its interrupt: once another thread sets it, every
/// evaluation `f` runs stops within a few thousand steps, as if over its step budget. Results
/// computed after the flag is set are cut short: whoever sets it must discard them (and any
/// cache that holds them, such as the engine's database).
pub fn with_interrupt<T>(flag: Arc<std::sync::atomic::AtomicBool>, f: impl FnOnce() -> T) -> T {
    let previous = INTERRUPT.with(|i| i.replace(Some(flag)));
    let out = f();
    INTERRUPT.with(|i| *i.borrow_mut() = previous);
    out
}

fn interrupted() -> bool {
    INTERRUPT.with(|i| {
        i.borrow()
            .as_ref()
            .is_some_and(|f| f.load(std::sync::atomic::Ordering::Relaxed))
    })
}

/// How the message of a requirement stopped by the step budget begins.
pub const STEP_LIMIT_MESSAGE: &str = "evaluation stopped at the step limit";

/// The marker an exhausted evaluator records in place of an invalid fact's path.
const OVER_BUDGET: &str = "\u{0}max-steps";

/// The marker of an evaluator stopped because the run's budget (`max-run-steps`) is spent.
const OVER_RUN: &str = "\u{0}max-run-steps";

/// How the message of a requirement left unevaluated by the run's step budget begins.
pub const RUN_LIMIT_MESSAGE: &str = "not evaluated: the run's step budget is spent";

/// No bound from the run's budget (see [`evaluate_parts_within`]).
pub const UNBOUNDED: u64 = u64::MAX;

/// Whether a result is an error because the run's step budget was spent before or while it
/// was evaluated.
pub fn hit_run_limit(r: &CheckResult) -> bool {
    let stopped = |m: &str| m.contains(RUN_LIMIT_MESSAGE);
    r.requirements
        .iter()
        .any(|q| q.outcome == Outcome::Error && stopped(&q.message))
        || (r.outcome == Outcome::Error && stopped(&r.message))
}

/// Whether a result is an error because a requirement ran out of evaluation steps.
pub fn hit_step_limit(r: &CheckResult) -> bool {
    let stopped = |m: &str| m.starts_with(STEP_LIMIT_MESSAGE);
    r.requirements
        .iter()
        .any(|q| q.outcome == Outcome::Error && stopped(&q.message))
        || (r.outcome == Outcome::Error
            && r.message
                .strip_prefix("applicability: ")
                .is_some_and(stopped))
}

/// A runtime value.
#[derive(Debug, Clone)]
enum V {
    B(bool),
    I(i64),
    D(f64),
    S(Arc<str>),
    Date(Date),
    Dur(Duration),
    E(Arc<str>, usize),
    Rec(Arc<Record>),
    L(Vec<V>),
    /// A `ref` that resolves: the target record type and the id. It carries its type so that
    /// a field read follows it whatever the static type of the expression (a def parameter
    /// declared `AiSystem` may be passed a `ref AiSystem`).
    Ref(Arc<str>, Arc<str>),
    /// Absent: the fact path, and where the record lacking it is.
    Missing(Arc<str>, Option<(u32, Span)>),
    /// Present but invalid in the facts.
    Invalid(Arc<str>),
}

impl V {
    fn show(&self) -> String {
        match self {
            V::B(b) => b.to_string(),
            V::I(n) => n.to_string(),
            V::D(f) => f.to_string(),
            V::S(s) | V::Ref(_, s) => format!("\"{}\"", aimsc_diagnostics::printable(s)),
            V::Date(d) => d.to_string(),
            V::Dur(d) => d.to_string(),
            V::E(m, _) => m.to_string(),
            V::Rec(r) => r.path.to_string(),
            V::L(items) if items.len() <= 5 => format!(
                "[{}]",
                items.iter().map(V::show).collect::<Vec<_>>().join(", ")
            ),
            V::L(items) => format!("a list of {}", items.len()),
            V::Missing(p, _) => format!("<{p} missing>"),
            V::Invalid(p) => format!("<{p} invalid>"),
        }
    }
}

struct Eval<'a> {
    env: &'a Env<'a>,
    frame: Vec<V>,
    invalid: Option<Arc<str>>,
    /// Skips the text of explanations: a quantifier first decides each record quietly and
    /// explains only the records its verdict reports, which are few.
    quiet: bool,
    /// Which part of the check this evaluates (see [`FactsView::site`]).
    part: usize,
    /// The part's sites: quantifiers whose chunks the facts view may answer apart.
    sites: Vec<*const CExpr>,
    /// Steps taken; past `max` every expression is unknown, which three-valued logic turns
    /// into a verdict only where the steps taken already decide it.
    steps: u64,
    /// The budget: the requirement's (`max-steps`), or less when the run has less left.
    max: u64,
    /// Whether `max` is what the run has left rather than the requirement's budget.
    run_capped: bool,
    /// Steps the chunks of sites took apart (see [`Eval::gathered`]): they count towards the
    /// run's budget, not the requirement's, which each chunk already shares.
    absorbed: u64,
    /// The innermost `all` and `none` quantifiers of the part (see [`leaves`]).
    leaves: Vec<*const CExpr>,
    /// Elements the innermost quantifiers ranged over, summed over their evaluations: zero
    /// means a pass checked nothing.
    leaf_seen: usize,
}

fn explain(expr: &CExpr, result: Truth) -> Explanation {
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
    fn new(env: &'a Env<'a>, slots: usize) -> Eval<'a> {
        Eval {
            env,
            frame: Vec::with_capacity(slots),
            invalid: None,
            quiet: false,
            part: 0,
            sites: Vec::new(),
            steps: 0,
            max: env.max_steps,
            run_capped: false,
            absorbed: 0,
            leaves: Vec::new(),
            leaf_seen: 0,
        }
    }

    /// Counts a step; false once the budget is spent (and the requirement then an error).
    fn tick(&mut self) -> bool {
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
    fn within(&mut self, left: u64) {
        if left < self.max {
            self.max = left;
            self.run_capped = true;
        }
    }

    /// Steps taken here and in the chunks gathered, for the run's budget.
    fn spent(&self) -> u64 {
        self.steps.saturating_add(self.absorbed)
    }

    /// An evaluator of part `part` of a check, whose expression is `expr`.
    fn for_part(env: &'a Env<'a>, slots: usize, part: usize, expr: &CExpr) -> Eval<'a> {
        let mut ev = Eval::new(env, slots);
        ev.part = part;
        ev.sites = sites(env.model, expr)
            .iter()
            .map(|s| s.node as *const CExpr)
            .collect();
        ev.leaves = leaves(env.model, expr)
            .iter()
            .map(|l| *l as *const CExpr)
            .collect();
        ev
    }

    fn at(&self, loc: Option<(u32, Span)>) -> Option<FactLoc> {
        loc.and_then(|(f, s)| self.env.facts.locate(f, s))
    }

    fn tv(&self, tv: &TV, path: Arc<str>, owner: Option<(u32, Span)>) -> V {
        match tv {
            TV::Missing => V::Missing(path, owner),
            TV::Invalid => V::Invalid(path),
            TV::Bool(b) => V::B(*b),
            TV::Int(n) => V::I(*n),
            TV::Dec(f) => V::D(*f),
            TV::Str(s) => V::S(s.clone()),
            // A ref whose id names no record was diagnosed by validation: it is no evidence.
            TV::Ref(ty, id) => match self.env.facts.by_id(ty, id) {
                Some(_) => V::Ref(ty.clone(), id.clone()),
                None => V::Invalid(path),
            },
            TV::Date(d) => V::Date(*d),
            TV::Dur(d) => V::Dur(*d),
            TV::Enum(m) => V::E(m.clone(), self.member_index(m)),
            // An item's path is only shown when it is missing or invalid; records carry their
            // own, so most items never format one.
            TV::List(items) => self.list(items, &path, owner),
            TV::Rec(r) => V::Rec(r.clone()),
        }
    }

    fn list(&self, items: &[TV], path: &Arc<str>, owner: Option<(u32, Span)>) -> V {
        V::L(
            items
                .iter()
                .enumerate()
                .map(|(i, t)| self.item(t, path, i, owner))
                .collect(),
        )
    }

    fn item(&self, t: &TV, path: &Arc<str>, i: usize, owner: Option<(u32, Span)>) -> V {
        match t {
            TV::Rec(r) => V::Rec(r.clone()),
            TV::Missing | TV::Invalid | TV::List(_) | TV::Ref(..) => {
                self.tv(t, Arc::from(format!("{path}[{i}]")), owner)
            }
            _ => self.tv(t, path.clone(), owner),
        }
    }

    fn member_index(&self, m: &str) -> usize {
        self.env
            .model
            .enums
            .values()
            .find_map(|e| e.members.iter().position(|x| **x == *m))
            .unwrap_or(0)
    }

    fn note_invalid(&mut self, v: &V) {
        if let V::Invalid(p) = v
            && self.invalid.is_none()
        {
            self.invalid = Some(p.clone());
        }
    }

    /// Evaluates a value expression.
    fn val(&mut self, e: &CExpr) -> V {
        if !self.tick() {
            return V::Missing(e.text.clone(), None);
        }
        let v = self.val_inner(e);
        self.note_invalid(&v);
        v
    }

    fn val_inner(&mut self, e: &CExpr) -> V {
        match &e.kind {
            CKind::Lit(l) => match l {
                Lit::Bool(b) => V::B(*b),
                Lit::Int(n) => V::I(*n),
                Lit::Decimal(f) => V::D(*f),
                Lit::Str(s) => V::S(s.clone()),
                Lit::Date(d) => V::Date(*d),
                Lit::Duration(d) => V::Dur(*d),
                Lit::Enum(en, m) => {
                    let idx = self
                        .env
                        .model
                        .enums
                        .get(en)
                        .and_then(|e| e.members.iter().position(|x| x == m))
                        .unwrap_or(0);
                    V::E(m.clone(), idx)
                }
            },
            CKind::Today => V::Date(self.env.today),
            CKind::Local(slot, name) => self
                .frame
                .get(*slot)
                .cloned()
                .unwrap_or_else(|| V::Missing(name.clone(), None)),
            CKind::Root(name) => {
                let facts = self.env.facts;
                let Some(i) = self.env.model.root.get_index_of(name) else {
                    return V::Missing(name.clone(), None);
                };
                if let Some(file) = facts.unreadable(i) {
                    return V::Invalid(Arc::from(format!("{name} (`{file}` could not be read)")));
                }
                if let Some(items) = facts.items(i) {
                    return self.list(&items, name, None);
                }
                match facts.root_field(i) {
                    Some(tv) => self.tv(&tv, name.clone(), None),
                    None => V::Missing(name.clone(), None),
                }
            }
            CKind::Field(base, field) => {
                let b = self.val(base);
                self.field(b, base, field)
            }
            CKind::Arith(a, plus, b) => {
                let (x, y) = (self.val(a), self.val(b));
                arith(x, *plus, y)
            }
            CKind::Count {
                slot: None,
                coll,
                filter: None,
            } if self
                .collection(coll)
                .is_some_and(|i| self.env.facts.unreadable(i).is_none()) =>
            {
                let n = self.collection(coll).and_then(|i| self.env.facts.len(i));
                V::I(n.map_or(0, |n| i64::try_from(n).unwrap_or(i64::MAX)))
            }
            CKind::Count { slot, coll, filter } => {
                // Only the join's candidates can pass a `where x.f == e` filter.
                let joined = match (slot, filter) {
                    (Some(slot), Some(f)) => self
                        .indexed(Quant::All, coll, *slot, Some(f), f)
                        .map(|(_, _, items)| V::L(items)),
                    _ => None,
                };
                let c = match joined {
                    Some(c) => c,
                    None => self.val(coll),
                };
                match c {
                    V::L(items) => match (slot, filter) {
                        (Some(slot), Some(f)) => {
                            let mut n = 0i64;
                            for it in items {
                                self.set(*slot, it);
                                match self.cond(f).0 {
                                    Truth::True => n += 1,
                                    Truth::False => {}
                                    Truth::Unknown => {
                                        return V::Missing(
                                            Arc::from(format!("a `where` fact in {}", e.text)),
                                            None,
                                        );
                                    }
                                }
                            }
                            V::I(n)
                        }
                        _ => V::I(i64::try_from(items.len()).unwrap_or(i64::MAX)),
                    },
                    other => other,
                }
            }
            CKind::Call(idx, args) => {
                let vals: Vec<V> = args.iter().map(|a| self.val(a)).collect();
                let Some(def) = self.env.model.defs.get(*idx) else {
                    return V::Missing(e.text.clone(), None);
                };
                let mut frame = vals;
                frame.resize(def.slots.max(frame.len()), V::Missing(Arc::from(""), None));
                let saved = std::mem::replace(&mut self.frame, frame);
                let out = if def.body.ty == Ty::Bool {
                    self.truth_value(&def.body)
                } else {
                    self.val(&def.body)
                };
                self.frame = saved;
                out
            }
            CKind::List(items) => V::L(items.iter().map(|i| self.val(i)).collect()),
            CKind::Let(slot, _, value, body) => {
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
    fn truth_value(&mut self, e: &CExpr) -> V {
        let (t, ex) = self.cond(e);
        match t {
            Truth::True => V::B(true),
            Truth::False => V::B(false),
            Truth::Unknown => V::Missing(
                Arc::from(first_missing(&ex).unwrap_or_else(|| e.text.to_string())),
                None,
            ),
        }
    }

    fn set(&mut self, slot: usize, v: V) {
        if self.frame.len() <= slot {
            self.frame.resize(slot + 1, V::Missing(Arc::from(""), None));
        }
        self.frame[slot] = v;
    }

    fn field(&mut self, base: V, base_expr: &CExpr, field: &Arc<str>) -> V {
        let rec = match base {
            V::Rec(r) => r,
            V::Ref(ty, id) => match self.env.facts.by_id(&ty, &id) {
                Some(r) => r,
                None => return V::Invalid(Arc::from(format!("{}.{field}", base_expr.text))),
            },
            V::Missing(p, at) => return V::Missing(p, at),
            V::Invalid(p) => return V::Invalid(p),
            _ => return V::Missing(Arc::from(format!("{}.{field}", base_expr.text)), None),
        };
        let Some(rt) = self.env.model.records.get(&rec.ty) else {
            return V::Missing(field.clone(), None);
        };
        // The path is shown only for what is missing or invalid; most reads never format it.
        let path = || -> Arc<str> { Arc::from(format!("{}.{field}", rec.path)) };
        let index = rt.fields.get_index_of(field);
        match index.and_then(|i| rec.fields.get(i)) {
            // A date of something done that lies after the as-of date is a mistake in the
            // facts (diagnosed as `aimsc::facts::future_date`), never current evidence.
            Some(TV::Date(d))
                if *d > self.env.today
                    && index
                        .and_then(|i| rt.fields.get_index(i))
                        .is_some_and(|(_, f)| f.past) =>
            {
                V::Invalid(path())
            }
            Some(tv @ (TV::Missing | TV::Invalid | TV::List(_) | TV::Ref(..))) => {
                self.tv(tv, path(), Some((rec.file, rec.span)))
            }
            Some(tv) => self.tv(tv, rec.path.clone(), Some((rec.file, rec.span))),
            None => V::Missing(path(), Some((rec.file, rec.span))),
        }
    }

    /// Evaluates a condition with its explanation.
    fn cond(&mut self, e: &CExpr) -> (Truth, Explanation) {
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
            CKind::Not(inner) => {
                let (t, ex) = self.cond(inner);
                let mut out = explain(e, t.negate());
                out.children.push(ex);
                (t.negate(), out)
            }
            CKind::And(parts) | CKind::Or(parts) => {
                let is_and = matches!(e.kind, CKind::And(_));
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
            CKind::Compare(a, op, b) => {
                let (x, y) = (self.val(a), self.val(b));
                let t = match (&x, &y) {
                    (V::Missing(..) | V::Invalid(_), _) | (_, V::Missing(..) | V::Invalid(_)) => {
                        Truth::Unknown
                    }
                    _ => match compare(&x, &y) {
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
                };
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
            CKind::In(elem, list, negated) => {
                let (x, l) = (self.val(elem), self.val(list));
                let detail = (!self.quiet).then(|| {
                    format!(
                        "{} {}in {}",
                        x.show(),
                        if *negated { "not " } else { "" },
                        l.show()
                    )
                });
                let t = match (&x, &l) {
                    (V::Missing(..) | V::Invalid(_), _) | (_, V::Missing(..) | V::Invalid(_)) => {
                        Truth::Unknown
                    }
                    (_, V::L(items)) => {
                        for i in items {
                            self.note_invalid(i);
                        }
                        let found = items
                            .iter()
                            .any(|i| compare(&x, i) == Some(Ordering::Equal));
                        let unknown = items
                            .iter()
                            .any(|i| matches!(i, V::Missing(..) | V::Invalid(_)));
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
                let t = if *negated { t.negate() } else { t };
                let out = self.leaf(e, t, detail, &[&x, &l]);
                self.placed(out, &[elem, list])
            }
            CKind::IsSet(inner, want_set) => {
                let v = self.val(inner);
                let set = match &v {
                    V::Missing(..) => false,
                    V::Invalid(_) => return self.leaf(e, Truth::Unknown, None, &[&v]),
                    _ => true,
                };
                let mut ex = explain(e, Truth::of(set == *want_set));
                ex.detail = (!self.quiet).then(|| {
                    if set {
                        format!("{} is set", inner.text)
                    } else {
                        format!("{} is missing", inner.text)
                    }
                });
                if let V::Missing(p, at) = &v {
                    ex.missing = Some(p.to_string());
                    ex.at = self.at(*at);
                }
                self.placed((Truth::of(set == *want_set), ex), &[inner])
            }
            CKind::Text(a, op, b) => {
                let (x, y) = (self.val(a), self.val(b));
                let t = match (&x, &y) {
                    (V::S(s) | V::Ref(_, s), V::S(p) | V::Ref(_, p)) => Truth::of(match op {
                        TextOp::Contains => s.contains(&**p),
                        TextOp::StartsWith => s.starts_with(&**p),
                        TextOp::EndsWith => s.ends_with(&**p),
                        TextOp::Matches => wildcard(s, p),
                    }),
                    _ => Truth::Unknown,
                };
                let detail =
                    (!self.quiet).then(|| format!("{} {} {}", x.show(), op.as_str(), y.show()));
                let out = self.leaf(e, t, detail, &[&x, &y]);
                self.placed(out, &[a, b])
            }
            CKind::Quant {
                kind,
                slot,
                coll,
                filter,
                body,
            } => self.quant(e, *kind, *slot, coll, filter.as_deref(), body),
            CKind::Lit(Lit::Bool(b)) => (Truth::of(*b), explain(e, Truth::of(*b))),
            CKind::Let(slot, name, value, body) => {
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
            CKind::Call(idx, args)
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
                    V::B(b) => Truth::of(b),
                    _ => Truth::Unknown,
                };
                let detail = if self.quiet
                    || matches!(e.kind, CKind::Call(..) | CKind::Let(..) | CKind::Local(..))
                {
                    None
                } else {
                    Some(v.show())
                };
                let out = self.leaf(e, t, detail, &[&v]);
                self.placed(out, &[e])
            }
        }
    }

    /// A def call as a condition: its arguments bound to the def's parameters, and the
    /// explanation of the body under them, so a failing call shows what failed inside it.
    fn call_cond(&mut self, e: &CExpr, idx: usize, args: &[CExpr]) -> (Truth, Explanation) {
        let vals: Vec<V> = args.iter().map(|a| self.val(a)).collect();
        let Some(def) = self.env.model.defs.get(idx) else {
            return self.leaf(
                e,
                Truth::Unknown,
                None,
                &[&V::Missing(e.text.clone(), None)],
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
        frame.resize(def.slots.max(frame.len()), V::Missing(Arc::from(""), None));
        let saved = std::mem::replace(&mut self.frame, frame);
        let (t, inner) = self.cond(&def.body);
        self.frame = saved;
        let mut ex = explain(e, t);
        ex.detail = shown;
        if t == Truth::Unknown {
            ex.missing = first_missing(&inner);
        }
        if !self.quiet {
            ex.children.push(inner);
        }
        let args: Vec<&CExpr> = args.iter().collect();
        self.placed((t, ex), &args)
    }

    /// `name = value`, with the expression that gave the value when it says more than the
    /// value itself (a param, a fact path).
    fn binding(&self, name: &str, expr: &CExpr, v: &V) -> String {
        if let V::Missing(..) = v {
            return format!("{name}: {} is missing", expr.text);
        }
        let shown = v.show();
        match &expr.kind {
            CKind::Lit(_) | CKind::Local(..) => format!("{name} = {shown}"),
            _ if *expr.text == *name || *expr.text == *shown => format!("{name} = {shown}"),
            _ => format!("{name} = {shown} ({})", expr.text),
        }
    }

    /// A compared value as an explanation shows it: date and duration arithmetic with its
    /// operands (`2025-11-01 (2026-11-01 − 12 months)`), a param or local with its name.
    fn shown(&mut self, e: &CExpr, v: &V) -> String {
        let value = v.show();
        match &e.kind {
            CKind::Arith(a, plus, b) if cheap(a) && cheap(b) => {
                let quiet = std::mem::replace(&mut self.quiet, true);
                let (x, y) = (self.val(a), self.val(b));
                self.quiet = quiet;
                let (x, y) = (self.shown(a, &x), self.shown(b, &y));
                format!("{value} ({x} {} {y})", if *plus { "+" } else { "−" })
            }
            CKind::Call(_, args) if args.is_empty() => format!("{value} ({})", e.text),
            _ => value,
        }
    }

    /// Places an explanation that has no facts location yet at the fact it read: the key of
    /// the first operand that is a field of a record (its own line for the organisation's
    /// records, the record's for those of collections). Explained nodes only.
    fn placed(&mut self, out: (Truth, Explanation), operands: &[&CExpr]) -> (Truth, Explanation) {
        let (t, mut ex) = out;
        if self.quiet || ex.at.is_some() {
            return (t, ex);
        }
        for op in operands {
            let CKind::Field(base, field) = &op.kind else {
                continue;
            };
            if !cheap(base) {
                continue;
            }
            let quiet = std::mem::replace(&mut self.quiet, true);
            let b = self.val(base);
            self.quiet = quiet;
            let rec = match b {
                V::Rec(r) => r,
                V::Ref(ty, id) => match self.env.facts.by_id(&ty, &id) {
                    Some(r) => r,
                    None => continue,
                },
                _ => continue,
            };
            let Some(index) = self
                .env
                .model
                .records
                .get(&rec.ty)
                .and_then(|rt| rt.fields.get_index_of(field))
            else {
                continue;
            };
            ex.at = self.at(Some((rec.file, rec.field_span(index))));
            if ex.at.is_some() {
                break;
            }
        }
        (t, ex)
    }

    fn leaf(
        &mut self,
        e: &CExpr,
        t: Truth,
        detail: Option<String>,
        vals: &[&V],
    ) -> (Truth, Explanation) {
        let mut ex = explain(e, t);
        ex.detail = detail;
        if t == Truth::Unknown {
            for v in vals {
                match v {
                    V::Missing(p, at) => {
                        ex.missing = Some(p.to_string());
                        ex.at = self.at(*at);
                        break;
                    }
                    V::Invalid(p) => {
                        ex.missing = Some(format!("{p} (invalid in the facts)"));
                        break;
                    }
                    _ => {}
                }
            }
        }
        (t, ex)
    }

    fn quant(
        &mut self,
        e: &CExpr,
        kind: Quant,
        slot: usize,
        coll: &CExpr,
        filter: Option<&CExpr>,
        body: &CExpr,
    ) -> (Truth, Explanation) {
        if let Some(p) = self.gathered(e, kind, coll) {
            return self.finish(e, kind, coll, p);
        }
        let (total, passed_over, items) = match self.indexed(kind, coll, slot, filter, body) {
            Some(found) => found,
            None => match self.val(coll) {
                V::L(items) => (items.len(), 0, items),
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
        for item in items {
            self.step(&mut partial, kind, slot, filter, body, item);
        }
        self.finish(e, kind, coll, partial)
    }

    /// The root collection `coll` names, by root field index.
    fn collection(&self, coll: &CExpr) -> Option<usize> {
        match &coll.kind {
            CKind::Root(name) => collection_index(self.env.model, name),
            _ => None,
        }
    }

    /// A site's verdict gathered from its chunks, as the facts view computed (and cached)
    /// them apart; `None` when `e` is not a site or the view evaluates in place.
    fn gathered(&mut self, e: &CExpr, kind: Quant, coll: &CExpr) -> Option<Partial> {
        if self.quiet {
            return None;
        }
        let site = self.sites.iter().position(|s| std::ptr::eq(*s, e))?;
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
        if self.invalid.is_none() {
            self.invalid = acc.invalid.clone();
        }
        Some(acc)
    }

    /// Decides one element of a quantifier quietly, and explains it only when it decides
    /// the verdict.
    fn step(
        &mut self,
        p: &mut Partial,
        kind: Quant,
        slot: usize,
        filter: Option<&CExpr>,
        body: &CExpr,
        item: V,
    ) {
        let loud = !std::mem::replace(&mut self.quiet, true);
        self.note_invalid(&item);
        self.set(slot, item.clone());
        let include = filter.map_or(Truth::True, |f| self.cond(f).0);
        if include == Truth::False {
            self.quiet = !loud;
            return;
        }
        let bt = self.cond(body).0;
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
            V::Rec(r) => (r.path.clone(), None),
            V::Ref(ty, id) => match self.env.facts.by_id(ty, id) {
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
            self.set(slot, item.clone());
            match (filter, filter_decides) {
                (Some(f), true) => self.cond(f).1,
                _ => self.cond(body).1,
            }
        } else {
            explain(body, t)
        };
        let at = match &item {
            V::Rec(r) => self.at(Some((r.file, r.span))),
            // A record reached by id is placed in its own file.
            V::Ref(ty, id) => self
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
            explanation,
        };
        if kind == Quant::Any && t != Truth::True {
            near_miss(&mut p.nearest, finding);
        } else {
            p.findings.push(finding);
        }
    }

    fn finish(&mut self, e: &CExpr, kind: Quant, coll: &CExpr, p: Partial) -> (Truth, Explanation) {
        self.leaf_seen += p.leaf_seen;
        if self.leaves.contains(&(e as *const CExpr)) {
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
    fn indexed(
        &mut self,
        kind: Quant,
        coll: &CExpr,
        slot: usize,
        filter: Option<&CExpr>,
        body: &CExpr,
    ) -> Option<(usize, usize, Vec<V>)> {
        let CKind::Root(name) = &coll.kind else {
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
        let items: Vec<V> = candidates
            .into_iter()
            .filter_map(|i| {
                let t = facts.item(field, i as usize)?;
                Some(self.item(&t, name, i as usize, None))
            })
            .collect();
        let passed_over = if by_body { len - items.len() } else { 0 };
        Some((len, passed_over, items))
    }
}

/// `v` as an index key, when it has one.
fn key_of(v: &V) -> Option<Key> {
    match v {
        V::S(s) | V::Ref(_, s) => Some(Key::Str(s.clone())),
        V::Rec(r) => r.id.clone().map(Key::Str),
        V::E(m, _) => Some(Key::Enum(m.clone())),
        V::I(n) => Some(Key::Int(*n)),
        V::B(b) => Some(Key::Bool(*b)),
        V::Date(d) => Some(Key::Date(*d)),
        _ => None,
    }
}

/// Keeps `f` among the [`NEAR_MISSES`] failing records of an `any` that come first by record.
fn near_miss(findings: &mut Vec<Finding>, f: Finding) {
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
    total: usize,
    in_scope: usize,
    satisfied: usize,
    any_unknown: bool,
    findings: Vec<Finding>,
    nearest: Vec<Finding>,
    /// The first invalid fact read, when computed over chunks.
    invalid: Option<Arc<str>>,
    /// Elements the innermost quantifiers nested in the site ranged over.
    leaf_seen: usize,
    /// Evaluation steps taken.
    steps: u64,
}

impl Partial {
    /// Adds the verdict over the elements that follow.
    fn absorb(&mut self, kind: Quant, next: Partial) {
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

/// A quantifier over a root collection of records that can be evaluated chunk by chunk apart
/// from the rest of its check, with the `let`s it sits in (slot and value).
pub struct Site<'e> {
    /// The quantifier.
    pub node: &'e CExpr,
    /// The enclosing `let`s, outermost first.
    pub lets: Vec<(usize, &'e CExpr)>,
}

/// The sites of one part of a check, in a fixed order. A site is not inside another
/// quantifier, a count or a def call (it would be evaluated once per outer element), and its
/// `let`s bind values that read no collection, so that each chunk can evaluate them cheaply.
pub fn sites<'e>(model: &Model, expr: &'e CExpr) -> Vec<Site<'e>> {
    fn simple(e: &CExpr, model: &Model) -> bool {
        match &e.kind {
            CKind::Quant { .. } | CKind::Count { .. } | CKind::Call(..) => false,
            CKind::Root(n) => collection_index(model, n).is_none(),
            CKind::Lit(_) | CKind::Today | CKind::Local(..) => true,
            CKind::Field(x, _) | CKind::Not(x) | CKind::IsSet(x, _) => simple(x, model),
            CKind::And(xs) | CKind::Or(xs) | CKind::List(xs) => xs.iter().all(|x| simple(x, model)),
            CKind::Compare(a, _, b)
            | CKind::In(a, b, _)
            | CKind::Text(a, _, b)
            | CKind::Arith(a, _, b)
            | CKind::Let(_, _, a, b) => simple(a, model) && simple(b, model),
        }
    }
    fn walk<'e>(
        e: &'e CExpr,
        model: &Model,
        lets: &mut Vec<(usize, &'e CExpr)>,
        out: &mut Vec<Site<'e>>,
    ) {
        match &e.kind {
            CKind::Quant { coll, .. } => {
                if matches!(&coll.kind, CKind::Root(n) if collection_index(model, n).is_some()) {
                    out.push(Site {
                        node: e,
                        lets: lets.clone(),
                    });
                }
            }
            CKind::Count { .. } | CKind::Call(..) => {}
            CKind::Lit(_) | CKind::Today | CKind::Local(..) | CKind::Root(_) => {}
            CKind::Field(x, _) | CKind::Not(x) | CKind::IsSet(x, _) => walk(x, model, lets, out),
            CKind::And(xs) | CKind::Or(xs) | CKind::List(xs) => {
                for x in xs {
                    walk(x, model, lets, out);
                }
            }
            CKind::Compare(a, _, b)
            | CKind::In(a, b, _)
            | CKind::Text(a, _, b)
            | CKind::Arith(a, _, b) => {
                walk(a, model, lets, out);
                walk(b, model, lets, out);
            }
            CKind::Let(slot, _, value, body) => {
                walk(value, model, lets, out);
                if simple(value, model) {
                    lets.push((*slot, value));
                    walk(body, model, lets, out);
                    lets.pop();
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(expr, model, &mut Vec::new(), &mut out);
    out
}

/// Site `site` of part `part` of `check` (see [`FactsView::site`]) over chunk `chunk` of its
/// collection, with the records that decide it explained. `None` when there is no such site.
pub fn site_chunk(
    env: &Env<'_>,
    check: &Check,
    part: usize,
    site: usize,
    chunk: usize,
) -> Option<Partial> {
    let (expr, slots) = match part {
        0 => check.applies.as_ref().map(|(e, s)| (e, *s))?,
        n => check.requires.get(n - 1).map(|r| (&r.expr, r.slots))?,
    };
    let sites = sites(env.model, expr);
    let found = sites.get(site)?;
    let CKind::Quant {
        kind,
        slot,
        coll,
        filter,
        body,
    } = &found.node.kind
    else {
        return None;
    };
    let CKind::Root(name) = &coll.kind else {
        return None;
    };
    let field = collection_index(env.model, name)?;
    let len = env.facts.len(field)?;
    // A chunk gets its share of the requirement's budget, so that the chunks of a site
    // together take no more than the whole requirement may: a nested quantifier over a large
    // collection stops where it would in one piece.
    let chunks = len.div_ceil(CHUNK).max(1) as u64;
    let share = Env {
        model: env.model,
        facts: env.facts,
        today: env.today,
        locate_rule: env.locate_rule,
        max_steps: (env.max_steps / chunks).max(1),
    };
    let env = &share;
    let mut ev = Eval::new(env, slots);
    ev.leaves = leaves(env.model, expr)
        .iter()
        .map(|l| *l as *const CExpr)
        .collect();
    for (s, value) in &found.lets {
        let v = ev.val(value);
        ev.set(*s, v);
    }
    let start = chunk.saturating_mul(CHUNK).min(len);
    let end = start.saturating_add(CHUNK).min(len);
    let mut p = Partial {
        total: end - start,
        ..Partial::default()
    };
    for pos in start..end {
        let Some(t) = env.facts.item(field, pos) else {
            continue;
        };
        let item = ev.item(&t, name, pos, None);
        ev.step(&mut p, *kind, *slot, filter.as_deref(), body, item);
    }
    p.invalid = ev.invalid.take();
    p.leaf_seen = ev.leaf_seen;
    p.steps = ev.steps;
    Some(p)
}

/// `x.f == e` (either way round, possibly one conjunct of an `and`) where `x` is the
/// quantifier's variable and `e` does not mention it: the field and `e`.
fn join_key(filter: &CExpr, slot: usize) -> Option<(&Arc<str>, &CExpr)> {
    match &filter.kind {
        CKind::And(parts) => parts.first().and_then(|p| join_key(p, slot)),
        CKind::Compare(a, CmpOp::Eq, b) => {
            fn field_of(x: &CExpr, slot: usize) -> Option<&Arc<str>> {
                match &x.kind {
                    CKind::Field(base, f) if matches!(base.kind, CKind::Local(s, _) if s == slot) => {
                        Some(f)
                    }
                    _ => None,
                }
            }
            match (field_of(a, slot), field_of(b, slot)) {
                (Some(f), None) if !mentions(b, slot) => Some((f, &**b)),
                (None, Some(f)) if !mentions(a, slot) => Some((f, &**a)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The innermost universal quantifiers of an expression, the def bodies it calls included:
/// `all` and `none` with no quantifier in their filter or body. A requirement that passes
/// while these ranged over no element checked nothing. Looking into defs makes the answer the
/// same whether a def is called or its body written out.
pub fn leaves<'m>(model: &'m Model, expr: &'m CExpr) -> Vec<&'m CExpr> {
    fn has_quant(model: &Model, e: &CExpr, depth: usize) -> bool {
        let mut found = false;
        e.visit(&mut |x| match &x.kind {
            CKind::Quant { .. } => found = true,
            CKind::Call(i, _) if depth < 64 => {
                found |= model
                    .defs
                    .get(*i)
                    .is_some_and(|d| has_quant(model, &d.body, depth + 1));
            }
            _ => {}
        });
        found
    }
    let mut all: Vec<&CExpr> = Vec::new();
    fn collect<'e>(model: &'e Model, e: &'e CExpr, out: &mut Vec<&'e CExpr>, depth: usize) {
        if let CKind::Quant {
            kind: Quant::All | Quant::None,
            filter,
            body,
            ..
        } = &e.kind
            && !has_quant(model, body, 0)
            && !filter.as_deref().is_some_and(|f| has_quant(model, f, 0))
            && !out.iter().any(|x| std::ptr::eq(*x, e))
        {
            out.push(e);
        }
        let go = |x: &'e CExpr, out: &mut Vec<&'e CExpr>| collect(model, x, out, depth);
        match &e.kind {
            CKind::Lit(_) | CKind::Today | CKind::Local(..) | CKind::Root(_) => {}
            CKind::Field(x, _) | CKind::Not(x) | CKind::IsSet(x, _) => go(x, out),
            CKind::Call(i, xs) => {
                for x in xs {
                    go(x, out);
                }
                if depth < 64
                    && let Some(d) = model.defs.get(*i)
                {
                    collect(model, &d.body, out, depth + 1);
                }
            }
            CKind::And(xs) | CKind::Or(xs) | CKind::List(xs) => {
                for x in xs {
                    go(x, out);
                }
            }
            CKind::Compare(a, _, b)
            | CKind::In(a, b, _)
            | CKind::Text(a, _, b)
            | CKind::Arith(a, _, b)
            | CKind::Let(_, _, a, b) => {
                go(a, out);
                go(b, out);
            }
            CKind::Quant {
                coll, filter, body, ..
            } => {
                go(coll, out);
                if let Some(f) = filter {
                    go(f, out);
                }
                go(body, out);
            }
            CKind::Count { coll, filter, .. } => {
                go(coll, out);
                if let Some(f) = filter {
                    go(f, out);
                }
            }
        }
    }
    collect(model, expr, &mut all, 0);
    all
}

/// The collections the innermost quantifiers range over, by their last name (`datasets` for
/// `s.datasets`), for "nothing to check: no datasets recorded".
fn leaf_collections(model: &Model, expr: &CExpr) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in leaves(model, expr) {
        if let CKind::Quant { coll, .. } = &l.kind {
            let name = match &coll.kind {
                CKind::Field(_, f) => f.to_string(),
                _ => coll.text.to_string(),
            };
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

/// Whether an expression is cheap to evaluate again for an explanation: no quantifier, count
/// or call with arguments.
fn cheap(e: &CExpr) -> bool {
    match &e.kind {
        CKind::Lit(_) | CKind::Today | CKind::Local(..) | CKind::Root(_) => true,
        CKind::Call(_, args) => args.is_empty(),
        CKind::Field(x, _) => cheap(x),
        CKind::Arith(a, _, b) => cheap(a) && cheap(b),
        _ => false,
    }
}

/// Whether an expression reads local `slot`.
fn mentions(e: &CExpr, slot: usize) -> bool {
    match &e.kind {
        CKind::Local(s, _) => *s == slot,
        CKind::Lit(_) | CKind::Today | CKind::Root(_) => false,
        CKind::Field(x, _) | CKind::Not(x) | CKind::IsSet(x, _) => mentions(x, slot),
        CKind::And(xs) | CKind::Or(xs) | CKind::List(xs) | CKind::Call(_, xs) => {
            xs.iter().any(|x| mentions(x, slot))
        }
        CKind::Compare(a, _, b)
        | CKind::In(a, b, _)
        | CKind::Text(a, _, b)
        | CKind::Arith(a, _, b)
        | CKind::Let(_, _, a, b) => mentions(a, slot) || mentions(b, slot),
        CKind::Quant {
            coll, filter, body, ..
        } => {
            mentions(coll, slot)
                || filter.as_deref().is_some_and(|f| mentions(f, slot))
                || mentions(body, slot)
        }
        CKind::Count { coll, filter, .. } => {
            mentions(coll, slot) || filter.as_deref().is_some_and(|f| mentions(f, slot))
        }
    }
}

fn arith(x: V, plus: bool, y: V) -> V {
    let sign = |n: i64| if plus { n } else { -n };
    match (x, y) {
        (m @ (V::Missing(..) | V::Invalid(_)), _) | (_, m @ (V::Missing(..) | V::Invalid(_))) => m,
        (V::I(a), V::I(b)) => V::I(a.saturating_add(sign(b))),
        (V::I(a), V::D(b)) => V::D(a as f64 + if plus { b } else { -b }),
        (V::D(a), V::I(b)) => V::D(a + sign(b) as f64),
        (V::D(a), V::D(b)) => V::D(a + if plus { b } else { -b }),
        (V::Date(d), V::Dur(u)) => match dates::add(d, if plus { u } else { u.negated() }) {
            Some(r) => V::Date(r),
            None => V::Missing(Arc::from("a date outside the calendar range"), None),
        },
        (V::Dur(u), V::Date(d)) => match dates::add(d, u) {
            Some(r) => V::Date(r),
            None => V::Missing(Arc::from("a date outside the calendar range"), None),
        },
        (V::Date(a), V::Date(b)) => V::Dur(Duration {
            months: 0,
            days: dates::days_between(b, a),
        }),
        (V::Dur(a), V::Dur(b)) => {
            let b = if plus { b } else { b.negated() };
            V::Dur(Duration {
                months: a.months.saturating_add(b.months),
                days: a.days.saturating_add(b.days),
            })
        }
        _ => V::Missing(Arc::from("an arithmetic result"), None),
    }
}

fn compare(x: &V, y: &V) -> Option<Ordering> {
    match (x, y) {
        (V::B(a), V::B(b)) => Some(a.cmp(b)),
        (V::I(a), V::I(b)) => Some(a.cmp(b)),
        (V::I(a), V::D(b)) => (*a as f64).partial_cmp(b),
        (V::D(a), V::I(b)) => a.partial_cmp(&(*b as f64)),
        (V::D(a), V::D(b)) => a.partial_cmp(b),
        (V::S(a) | V::Ref(_, a), V::S(b) | V::Ref(_, b)) => Some(a.cmp(b)),
        (V::Date(a), V::Date(b)) => Some(a.cmp(b)),
        (V::Dur(a), V::Dur(b)) => Some(a.approx_days().cmp(&b.approx_days())),
        (V::E(_, a), V::E(_, b)) => Some(a.cmp(b)),
        (V::Rec(a), V::Rec(b)) => Some(a.id.cmp(&b.id)),
        (V::Rec(a), V::S(b) | V::Ref(_, b)) => Some(a.id.as_deref().unwrap_or("").cmp(b)),
        (V::S(a) | V::Ref(_, a), V::Rec(b)) => Some((**a).cmp(b.id.as_deref().unwrap_or(""))),
        _ => None,
    }
}

/// `*` matches any run of characters, `?` one character.
fn wildcard(s: &str, p: &str) -> bool {
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

/// A record and, in a few words, why it decided a quantifier: `incidents[id=INC-4] (20 days
/// (2026-09-22 − 2026-09-02) <= 15 days is false)`.
fn finding_reason(f: &Finding) -> String {
    fn first_leaf(ex: &Explanation) -> &Explanation {
        match ex.children.iter().find(|c| c.result == ex.result) {
            Some(c) => first_leaf(c),
            None => ex,
        }
    }
    let leaf = first_leaf(&f.explanation);
    let why = match (&leaf.missing, &leaf.detail, leaf.result) {
        (Some(m), _, _) => {
            let field = m
                .strip_prefix(&*f.record)
                .and_then(|x| x.strip_prefix('.'))
                .unwrap_or(m);
            format!("lacks `{field}`")
        }
        (None, Some(d), _) if only_truth_values(d) => {
            format!("`{}` is {}", leaf.expr, truth_word(leaf.result))
        }
        (None, Some(d), Truth::False) if leaf.records.is_none() => d.clone(),
        (None, Some(d), Truth::True) if leaf.records.is_none() => format!("{d} holds"),
        _ => return f.record.to_string(),
    };
    format!("{} ({why})", f.record)
}

/// The operator that holds when `op` does not.
fn negated_op(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => "!=",
        CmpOp::Ne => "==",
        CmpOp::Lt => ">=",
        CmpOp::Le => ">",
        CmpOp::Gt => "<=",
        CmpOp::Ge => "<",
    }
}

/// Whether a detail shows only `true`/`false` (e.g. `false == true`), which says less than
/// the expression it came from.
fn only_truth_values(detail: &str) -> bool {
    detail
        .split_whitespace()
        .all(|w| matches!(w, "true" | "false" | "==" | "!="))
}

fn truth_word(t: Truth) -> &'static str {
    match t {
        Truth::True => "true",
        Truth::False => "false",
        Truth::Unknown => "unknown",
    }
}

/// The deepest node of an explanation that alone decided its result: down through a child
/// that is the only one with its parent's result (an `and` to its false part, a def call to
/// its body); where several decided together (a true `and`), that node.
pub fn deciding(ex: &Explanation) -> &Explanation {
    let mut at = ex;
    loop {
        let mut same = at.children.iter().filter(|c| c.result == at.result);
        match (same.next(), same.next()) {
            (Some(only), None) => at = only,
            _ => return at,
        }
    }
}

/// The first missing fact path in an explanation, depth first.
pub fn first_missing(ex: &Explanation) -> Option<String> {
    if ex.result != Truth::Unknown {
        return None;
    }
    if let Some(m) = &ex.missing {
        return Some(m.clone());
    }
    ex.children.iter().find_map(first_missing).or_else(|| {
        ex.records.as_ref().and_then(|r| {
            r.findings
                .iter()
                .find_map(|f| first_missing(&f.explanation))
        })
    })
}

fn summary(
    ex: &Explanation,
    outcome: Outcome,
    invalid: Option<&Arc<str>>,
    max_steps: u64,
) -> String {
    if invalid.is_some_and(|p| &**p == OVER_RUN) {
        return format!(
            "{RUN_LIMIT_MESSAGE} (raise `max-run-steps`, or narrow the nested quantifiers of the checks before it)"
        );
    }
    if invalid.is_some_and(|p| &**p == OVER_BUDGET) {
        return format!(
            "{STEP_LIMIT_MESSAGE} of {max_steps} (raise `max-steps`, or narrow a nested quantifier)"
        );
    }
    if let Some(p) = invalid {
        return format!("facts invalid: `{p}` (see the facts diagnostics)");
    }
    if ex.result == Truth::Unknown {
        return match first_missing(ex) {
            Some(p) => format!("not evidenced: `{p}` is missing"),
            None => "not evidenced".to_string(),
        };
    }
    let ex = if ex.records.is_some() {
        ex
    } else {
        deciding(ex)
    };
    if let Some(r) = &ex.records {
        let scope = if r.in_scope == r.total {
            String::new()
        } else {
            format!(" (of {} in {})", r.total, r.collection)
        };
        return match (outcome, ex.expr.split_whitespace().next()) {
            (Outcome::Pass, Some("any")) => format!(
                "{} of {} {} satisfy it{scope}",
                r.satisfied, r.in_scope, r.collection
            ),
            (Outcome::Pass, Some("none")) => {
                format!("none of {} {} match{scope}", r.in_scope, r.collection)
            }
            (Outcome::Pass, _) => format!(
                "{} of {} {} checked{scope}",
                r.satisfied, r.in_scope, r.collection
            ),
            (_, Some("any")) => {
                let near: Vec<String> = r.nearest.iter().map(finding_reason).collect();
                let near = if near.is_empty() {
                    String::new()
                } else {
                    format!(": {}", near.join("; "))
                };
                format!(
                    "none of {} {} satisfy it{scope}{near}",
                    r.in_scope, r.collection
                )
            }
            _ => {
                let ids: Vec<String> = match r.findings.as_slice() {
                    [only] => vec![finding_reason(only)],
                    all => all.iter().take(5).map(|f| f.record.to_string()).collect(),
                };
                let more = if r.findings.len() > 5 {
                    format!(" and {} more", r.findings.len() - 5)
                } else {
                    String::new()
                };
                format!(
                    "{} of {} {} fail: {}{more}",
                    r.findings.len(),
                    r.in_scope,
                    r.collection,
                    ids.join(", ")
                )
            }
        };
    }
    let leaf = deciding(ex);
    let shown = match leaf.detail.as_ref().or(ex.detail.as_ref()) {
        Some(d) if only_truth_values(d) && outcome == Outcome::Pass => None,
        Some(d) if only_truth_values(d) => {
            Some(format!("`{}` is {}", leaf.expr, truth_word(leaf.result)))
        }
        other => other.cloned(),
    };
    match shown {
        Some(d) => format!(
            "{}: {d}",
            if outcome == Outcome::Pass {
                "holds"
            } else {
                "does not hold"
            }
        ),
        None => {
            if outcome == Outcome::Pass {
                "holds".into()
            } else {
                "does not hold".into()
            }
        }
    }
}

/// Evaluates one control or rule by id, folding in the rules that support it.
pub fn evaluate_check(env: &Env<'_>, id: &str) -> Option<CheckResult> {
    let parts = CheckParts::of(env.model, id)?;
    let supporting = |rule: &str| evaluate_check(env, rule).map(|r| r.outcome);
    Some(evaluate_parts(env, &parts, &supporting))
}

/// Everything one check's verdict reads from the model besides defs, params and the schema:
/// the check, its exclusion and waiver, and the rules that support it. An incremental engine
/// compares these to tell which checks an edit touched.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckParts {
    /// The check.
    pub check: Check,
    /// Its exclusion.
    pub exclusion: Option<crate::model::Exclusion>,
    /// Its waiver.
    pub waiver: Option<crate::model::Waiver>,
    /// Ids of the rules that support it (for a control).
    pub supporters: Vec<Arc<str>>,
}

impl CheckParts {
    /// The parts of check `id` of a model.
    pub fn of(model: &Model, id: &str) -> Option<CheckParts> {
        let check = model.checks.get(id)?.clone();
        let supporters = if check.kind == CheckKind::Control {
            model.supporters.get(id).cloned().unwrap_or_default()
        } else {
            Vec::new()
        };
        Some(CheckParts {
            exclusion: model.exclusions.get(id).cloned(),
            waiver: model.waivers.get(id).cloned(),
            check,
            supporters,
        })
    }
}

/// Evaluates one check from its parts; `supporting` gives the outcome of a supporting rule
/// (so an engine that caches results does not evaluate a rule once per control it supports).
pub fn evaluate_parts(
    env: &Env<'_>,
    parts: &CheckParts,
    supporting: &dyn Fn(&str) -> Option<Outcome>,
) -> CheckResult {
    evaluate_parts_within(env, parts, supporting, UNBOUNDED).0
}

/// As [`evaluate_parts`], within `allowance` steps over all the check's parts (what is left
/// of the run's budget, `max-run-steps`): a part that would go past it is an error. Returns
/// the steps taken too, so that the run can charge them.
pub fn evaluate_parts_within(
    env: &Env<'_>,
    parts: &CheckParts,
    supporting: &dyn Fn(&str) -> Option<Outcome>,
    allowance: u64,
) -> (CheckResult, u64) {
    let mut spent = 0u64;
    let result = evaluate_counted(env, parts, supporting, allowance, &mut spent);
    (result, spent)
}

fn evaluate_counted(
    env: &Env<'_>,
    parts: &CheckParts,
    supporting: &dyn Fn(&str) -> Option<Outcome>,
    allowance: u64,
    spent: &mut u64,
) -> CheckResult {
    let check = &parts.check;
    let mut result = CheckResult {
        id: check.id.clone(),
        kind: check.kind,
        framework: check.framework.clone(),
        title: check.title.clone(),
        outcome: Outcome::Pass,
        message: String::new(),
        location: (env.locate_rule)(&check.location),
        applies: None,
        requirements: Vec::new(),
        nothing_checked: false,
        supported_by: Vec::new(),
        justification: None,
        waiver: None,
    };
    if let Some(x) = &parts.exclusion {
        result.outcome = Outcome::Excluded;
        result.message = format!("excluded: {}", x.justification);
        result.justification = Some(x.justification.clone());
        return result;
    }
    if let Some(b) = &check.applies_broken {
        result.outcome = Outcome::Error;
        result.message = format!("applicability: {}", broken_message(env, b));
        return result;
    }
    if let Some((expr, slots)) = &check.applies {
        let mut ev = Eval::for_part(env, *slots, 0, expr);
        ev.within(allowance.saturating_sub(*spent));
        let (t, ex) = ev.cond(expr);
        *spent = spent.saturating_add(ev.spent());
        let invalid = ev.invalid.take();
        let msg = summary(&ex, Outcome::Fail, invalid.as_ref(), env.max_steps);
        result.applies = Some(ex);
        match (t, invalid) {
            (_, Some(_)) => {
                result.outcome = Outcome::Error;
                result.message = format!("applicability: {msg}");
                return result;
            }
            (Truth::False, None) => {
                result.outcome = Outcome::NotApplicable;
                result.message = format!("not applicable: `{}` is false", expr.text);
                return result;
            }
            (Truth::Unknown, None) => {
                result.outcome = Outcome::Fail;
                result.message = format!("applicability {msg}");
                return apply_waiver(env, parts, result);
            }
            (Truth::True, None) => {}
        }
    }
    for (i, req) in check.requires.iter().enumerate() {
        if let Some(b) = &req.broken {
            let message = broken_message(env, b);
            let mut explanation = explain(&req.expr, Truth::Unknown);
            explanation.detail = Some(message.clone());
            result.requirements.push(RequirementResult {
                name: req.name.clone(),
                outcome: Outcome::Error,
                message,
                location: (env.locate_rule)(&req.location),
                nothing_checked: false,
                explanation: Arc::new(explanation),
            });
            continue;
        }
        let mut ev = Eval::for_part(env, req.slots, i + 1, &req.expr);
        ev.within(allowance.saturating_sub(*spent));
        let (t, ex) = ev.cond(&req.expr);
        *spent = spent.saturating_add(ev.spent());
        // A value that failed validation is no evidence either way: whatever the rest
        // decided, a requirement that read one is an error.
        let outcome = match (&ev.invalid, t) {
            (Some(_), _) => Outcome::Error,
            (None, Truth::True) => Outcome::Pass,
            (None, _) => Outcome::Fail,
        };
        let mut message = summary(
            &ex,
            outcome,
            if outcome == Outcome::Error {
                ev.invalid.as_ref()
            } else {
                None
            },
            env.max_steps,
        );
        let nothing_checked =
            outcome == Outcome::Pass && !ev.leaves.is_empty() && ev.leaf_seen == 0;
        if nothing_checked {
            message = format!(
                "nothing to check: no {} recorded",
                leaf_collections(env.model, &req.expr).join(" or ")
            );
        }
        result.requirements.push(RequirementResult {
            name: req.name.clone(),
            outcome,
            message,
            location: (env.locate_rule)(&req.location),
            nothing_checked,
            explanation: Arc::new(ex),
        });
    }
    for rule in &parts.supporters {
        if let Some(outcome) = supporting(rule) {
            result.supported_by.push(SupportResult {
                rule: rule.clone(),
                outcome,
            });
        }
    }
    let outcomes =
        result
            .requirements
            .iter()
            .map(|r| r.outcome)
            .chain(result.supported_by.iter().map(|s| match s.outcome {
                Outcome::Fail => Outcome::Fail,
                Outcome::Error => Outcome::Error,
                _ => Outcome::Pass,
            }));
    result.outcome = outcomes.fold(Outcome::Pass, |acc, o| match (acc, o) {
        (Outcome::Error, _) | (_, Outcome::Error) => Outcome::Error,
        (Outcome::Fail, _) | (_, Outcome::Fail) => Outcome::Fail,
        _ => Outcome::Pass,
    });
    let failing: Vec<&RequirementResult> = result
        .requirements
        .iter()
        .filter(|r| r.outcome != Outcome::Pass)
        .collect();
    let failing_rules: Vec<&SupportResult> = result
        .supported_by
        .iter()
        .filter(|s| matches!(s.outcome, Outcome::Fail | Outcome::Error))
        .collect();
    result.nothing_checked = result.outcome == Outcome::Pass
        && !result.requirements.is_empty()
        && result.requirements.iter().all(|r| r.nothing_checked)
        && result.supported_by.is_empty();
    result.message = match (failing.first(), failing_rules.first()) {
        (Some(r), _) => format!("{}: {}", r.name, r.message),
        (None, Some(s)) => format!("supporting rule `{}` {}", s.rule, s.outcome.as_str()),
        (None, None) => {
            let n = result.requirements.len() + result.supported_by.len();
            match result.requirements.as_slice() {
                [only] if n == 1 => format!("{}: {}", only.name, only.message),
                _ => {
                    let empty = result
                        .requirements
                        .iter()
                        .filter(|r| r.nothing_checked)
                        .count();
                    match (empty, result.requirements.first()) {
                        (0, _) => format!("all {n} requirements hold"),
                        (e, Some(first)) if e == n => first.message.clone(),
                        (e, _) => format!("all {n} requirements hold ({e} with nothing to check)"),
                    }
                }
            }
        }
    };
    apply_waiver(env, parts, result)
}

/// How the message of a requirement whose rule does not check begins.
pub const BROKEN_RULE_MESSAGE: &str = "the rule does not check";

/// The message of a requirement (or applicability) whose rule does not check: the rule's
/// diagnostic and its file (the diagnostic itself, printed with the others, has the line). It
/// names no fact: the facts are not at fault.
fn broken_message(env: &Env<'_>, b: &crate::model::Broken) -> String {
    let at = match b.location.as_ref() {
        Some(l) => match (env.locate_rule)(l) {
            Some(l) => format!(" at {}:{}:{}", l.file, l.line, l.column),
            // The file's name alone: an editor's paths are absolute, and the diagnostic
            // itself carries the place.
            None => format!(
                " in {}",
                l.file.rsplit(['/', '\\']).next().unwrap_or(&l.file)
            ),
        },
        None => String::new(),
    };
    format!("{BROKEN_RULE_MESSAGE}: {} ({}{at})", b.message, b.code)
}

fn apply_waiver(env: &Env<'_>, parts: &CheckParts, mut result: CheckResult) -> CheckResult {
    if let Some(w) = &parts.waiver {
        let expired = w.until < env.today;
        result.waiver = Some(WaiverInfo {
            until: w.until.to_string(),
            owner: w.owner.clone(),
            justification: w.justification.clone(),
            expired,
        });
        if !expired && matches!(result.outcome, Outcome::Fail | Outcome::Error) {
            result.outcome = Outcome::Waived;
            result.message = format!(
                "waived until {} (owner {}): {}",
                w.until, w.owner, result.message
            );
        } else if expired && result.outcome == Outcome::Fail {
            result.message = format!("{} (waiver expired {})", result.message, w.until);
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::wildcard;

    #[test]
    fn wildcards_match_runs_and_single_chars() {
        assert!(wildcard("dpo@acme.com", "*@acme.com"));
        assert!(wildcard("A.5.2", "A.?.2"));
        assert!(!wildcard("A.5.2", "A.6.*"));
    }
}
