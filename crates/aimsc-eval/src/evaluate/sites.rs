//! Sites: quantifiers over a root collection, evaluated one chunk of records at a time.

use super::*;

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
    pub(super) fn simple(e: &CExpr, model: &Model) -> bool {
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
    pub(super) fn walk<'e>(
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
pub(super) fn join_key(filter: &CExpr, slot: usize) -> Option<(&Arc<str>, &CExpr)> {
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
    pub(super) fn has_quant(model: &Model, e: &CExpr, depth: usize) -> bool {
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
    pub(super) fn collect<'e>(
        model: &'e Model,
        e: &'e CExpr,
        out: &mut Vec<&'e CExpr>,
        depth: usize,
    ) {
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
pub(super) fn leaf_collections(model: &Model, expr: &CExpr) -> Vec<String> {
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
pub(super) fn cheap(e: &CExpr) -> bool {
    match &e.kind {
        CKind::Lit(_) | CKind::Today | CKind::Local(..) | CKind::Root(_) => true,
        CKind::Call(_, args) => args.is_empty(),
        CKind::Field(x, _) => cheap(x),
        CKind::Arith(a, _, b) => cheap(a) && cheap(b),
        _ => false,
    }
}

/// Whether an expression reads local `slot`.
pub(super) fn mentions(e: &CExpr, slot: usize) -> bool {
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
