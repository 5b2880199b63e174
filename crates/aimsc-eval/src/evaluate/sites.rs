//! Sites: quantifiers over a root collection, evaluated one chunk of records at a time.

use super::*;

/// A quantifier over a root collection of records that can be evaluated chunk by chunk apart
/// from the rest of its check, with the `let`s it sits in (slot and value).
pub struct Site<'e> {
    /// The quantifier.
    pub node: &'e TypedExpr,
    /// The enclosing `let`s, outermost first.
    pub lets: Vec<(usize, &'e TypedExpr)>,
}

/// The sites of one part of a check, in a fixed order. A site is not inside another
/// quantifier, a count or a def call (it would be evaluated once per outer element), and its
/// `let`s bind values that read no collection, so that each chunk can evaluate them cheaply.
pub fn sites<'e>(model: &Model, expr: &'e TypedExpr) -> Vec<Site<'e>> {
    pub(super) fn simple(e: &TypedExpr, model: &Model) -> bool {
        match &e.kind {
            TypedKind::Quant { .. } | TypedKind::Count { .. } | TypedKind::Call(..) => false,
            TypedKind::Root(n) => collection_index(model, n).is_none(),
            TypedKind::Lit(_) | TypedKind::Today | TypedKind::Local(..) => true,
            TypedKind::Field(x, _) | TypedKind::Not(x) | TypedKind::IsSet(x, _) => simple(x, model),
            TypedKind::And(xs) | TypedKind::Or(xs) | TypedKind::List(xs) => {
                xs.iter().all(|x| simple(x, model))
            }
            TypedKind::Compare(a, _, b)
            | TypedKind::In(a, b, _)
            | TypedKind::Text(a, _, b)
            | TypedKind::Arith(a, _, b)
            | TypedKind::Let(_, _, a, b) => simple(a, model) && simple(b, model),
        }
    }
    pub(super) fn walk<'e>(
        e: &'e TypedExpr,
        model: &Model,
        lets: &mut Vec<(usize, &'e TypedExpr)>,
        out: &mut Vec<Site<'e>>,
    ) {
        match &e.kind {
            TypedKind::Quant { coll, .. } => {
                if matches!(&coll.kind, TypedKind::Root(n) if collection_index(model, n).is_some())
                {
                    out.push(Site {
                        node: e,
                        lets: lets.clone(),
                    });
                }
            }
            TypedKind::Count { .. } | TypedKind::Call(..) => {}
            TypedKind::Lit(_) | TypedKind::Today | TypedKind::Local(..) | TypedKind::Root(_) => {}
            TypedKind::Field(x, _) | TypedKind::Not(x) | TypedKind::IsSet(x, _) => {
                walk(x, model, lets, out)
            }
            TypedKind::And(xs) | TypedKind::Or(xs) | TypedKind::List(xs) => {
                for x in xs {
                    walk(x, model, lets, out);
                }
            }
            TypedKind::Compare(a, _, b)
            | TypedKind::In(a, b, _)
            | TypedKind::Text(a, _, b)
            | TypedKind::Arith(a, _, b) => {
                walk(a, model, lets, out);
                walk(b, model, lets, out);
            }
            TypedKind::Let(slot, _, value, body) => {
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
    let TypedKind::Quant {
        kind,
        slot,
        coll,
        filter,
        body,
        ..
    } = &found.node.kind
    else {
        return None;
    };
    let TypedKind::Root(name) = &coll.kind else {
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
        evidence_required: env.evidence_required,
    };
    let env = &share;
    let mut ev = Eval::new(env, slots);
    ev.leaves = leaf_refs(env.model, expr);
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
        let item = ev.item(&t, &|| name.clone(), pos, None);
        ev.step(
            &mut p,
            *kind,
            *slot,
            filter.as_deref(),
            body,
            (item, Some((field, pos))),
        );
    }
    p.invalid = ev.invalid.take();
    p.leaf_seen = ev.leaf_seen;
    p.steps = ev.steps;
    Some(p)
}

/// `x.f == e` (either way round, possibly one conjunct of an `and`) where `x` is the
/// quantifier's variable and `e` does not mention it: the field and `e`.
pub(super) fn join_key(filter: &TypedExpr, slot: usize) -> Option<(&Arc<str>, &TypedExpr)> {
    match &filter.kind {
        TypedKind::And(parts) => parts.first().and_then(|p| join_key(p, slot)),
        TypedKind::Compare(a, CmpOp::Eq, b) => {
            fn field_of(x: &TypedExpr, slot: usize) -> Option<&Arc<str>> {
                match &x.kind {
                    TypedKind::Field(base, f) if matches!(base.kind, TypedKind::Local(s, _) if s == slot) => {
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
pub fn leaves<'m>(model: &'m Model, expr: &'m TypedExpr) -> Vec<(Option<usize>, &'m TypedExpr)> {
    pub(super) fn has_quant(model: &Model, e: &TypedExpr, depth: usize) -> bool {
        let mut found = false;
        e.visit(&mut |x| match &x.kind {
            TypedKind::Quant { .. } => found = true,
            TypedKind::Call(i, _) if depth < 64 => {
                found |= model
                    .defs
                    .get(*i)
                    .is_some_and(|d| has_quant(model, &d.body, depth + 1));
            }
            _ => {}
        });
        found
    }
    let mut all: Vec<(Option<usize>, &TypedExpr)> = Vec::new();
    pub(super) fn collect<'e>(
        model: &'e Model,
        e: &'e TypedExpr,
        owner: Option<usize>,
        out: &mut Vec<(Option<usize>, &'e TypedExpr)>,
        depth: usize,
    ) {
        if let TypedKind::Quant {
            kind: Quant::All | Quant::None,
            filter,
            body,
            ..
        } = &e.kind
            && !has_quant(model, body, 0)
            && !filter.as_deref().is_some_and(|f| has_quant(model, f, 0))
            && !out
                .iter()
                .any(|(o, x)| *o == owner && quant_id(x) == quant_id(e))
        {
            out.push((owner, e));
        }
        let go = |x: &'e TypedExpr, out: &mut Vec<(Option<usize>, &'e TypedExpr)>| {
            collect(model, x, owner, out, depth)
        };
        match &e.kind {
            TypedKind::Lit(_) | TypedKind::Today | TypedKind::Local(..) | TypedKind::Root(_) => {}
            TypedKind::Field(x, _) | TypedKind::Not(x) | TypedKind::IsSet(x, _) => go(x, out),
            TypedKind::Call(i, xs) => {
                for x in xs {
                    go(x, out);
                }
                if depth < 64
                    && let Some(d) = model.defs.get(*i)
                {
                    collect(model, &d.body, Some(*i), out, depth + 1);
                }
            }
            TypedKind::And(xs) | TypedKind::Or(xs) | TypedKind::List(xs) => {
                for x in xs {
                    go(x, out);
                }
            }
            TypedKind::Compare(a, _, b)
            | TypedKind::In(a, b, _)
            | TypedKind::Text(a, _, b)
            | TypedKind::Arith(a, _, b)
            | TypedKind::Let(_, _, a, b) => {
                go(a, out);
                go(b, out);
            }
            TypedKind::Quant {
                coll, filter, body, ..
            } => {
                go(coll, out);
                if let Some(f) = filter {
                    go(f, out);
                }
                go(body, out);
            }
            TypedKind::Count { coll, filter, .. } => {
                go(coll, out);
                if let Some(f) = filter {
                    go(f, out);
                }
            }
        }
    }
    collect(model, expr, None, &mut all, 0);
    all
}

/// The innermost universal quantifiers of an expression, as the evaluator identifies them:
/// the def whose body holds each (`None`: the expression itself) and its number there.
pub(super) fn leaf_refs(model: &Model, expr: &TypedExpr) -> Vec<QuantRef> {
    leaves(model, expr)
        .into_iter()
        .filter_map(|(owner, e)| Some((owner, quant_id(e)?)))
        .collect()
}

/// A quantifier as the evaluator identifies it: the def whose body holds it, and its number.
pub(super) type QuantRef = (Option<usize>, u32);

/// A quantifier's number within its check or def.
pub(super) fn quant_id(e: &TypedExpr) -> Option<u32> {
    match &e.kind {
        TypedKind::Quant { id, .. } => Some(*id),
        _ => None,
    }
}

/// The collections the innermost quantifiers range over, by their last name (`datasets` for
/// `s.datasets`), for "nothing to check: no datasets recorded".
pub(super) fn leaf_collections(model: &Model, expr: &TypedExpr) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (_, l) in leaves(model, expr) {
        if let TypedKind::Quant { coll, .. } = &l.kind {
            let name = match &coll.kind {
                TypedKind::Field(_, f) => f.to_string(),
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
pub(super) fn cheap(e: &TypedExpr) -> bool {
    match &e.kind {
        TypedKind::Lit(_) | TypedKind::Today | TypedKind::Local(..) | TypedKind::Root(_) => true,
        TypedKind::Call(_, args) => args.is_empty(),
        TypedKind::Field(x, _) => cheap(x),
        TypedKind::Arith(a, _, b) => cheap(a) && cheap(b),
        _ => false,
    }
}

/// Whether an expression reads local `slot`.
pub(super) fn mentions(e: &TypedExpr, slot: usize) -> bool {
    match &e.kind {
        TypedKind::Local(s, _) => *s == slot,
        TypedKind::Lit(_) | TypedKind::Today | TypedKind::Root(_) => false,
        TypedKind::Field(x, _) | TypedKind::Not(x) | TypedKind::IsSet(x, _) => mentions(x, slot),
        TypedKind::And(xs) | TypedKind::Or(xs) | TypedKind::List(xs) | TypedKind::Call(_, xs) => {
            xs.iter().any(|x| mentions(x, slot))
        }
        TypedKind::Compare(a, _, b)
        | TypedKind::In(a, b, _)
        | TypedKind::Text(a, _, b)
        | TypedKind::Arith(a, _, b)
        | TypedKind::Let(_, _, a, b) => mentions(a, slot) || mentions(b, slot),
        TypedKind::Quant {
            coll, filter, body, ..
        } => {
            mentions(coll, slot)
                || filter.as_deref().is_some_and(|f| mentions(f, slot))
                || mentions(body, slot)
        }
        TypedKind::Count { coll, filter, .. } => {
            mentions(coll, slot) || filter.as_deref().is_some_and(|f| mentions(f, slot))
        }
    }
}
