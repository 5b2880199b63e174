//! Which facts a check reads: schema paths such as `ai_systems[].impact_assessments[].date`,
//! found from the checked expressions (through `let`, quantifiers and def calls). The Statement of
//! Applicability lists them, `aimsc explain` prints them, and the ruleset tests use them to prove
//! that no requirement is vacuous.

use crate::model::{Check, Model, TypedExpr, TypedKind};
use std::collections::BTreeSet;

/// How deep def calls are followed; defs are acyclic, this only bounds pathological rulesets.
const MAX_CALL_DEPTH: usize = 64;

/// The fact paths one expression reads, most specific only, sorted.
pub fn expr_reads(model: &Model, expr: &TypedExpr, slots: usize) -> Vec<String> {
    let mut out = BTreeSet::new();
    let mut env = vec![None; slots];
    walk(model, expr, &mut env, &mut out, 0);
    most_specific(out)
}

/// The fact paths a check's applicability condition and requirements read.
pub fn check_reads(model: &Model, check: &Check) -> Vec<String> {
    let mut out = BTreeSet::new();
    if let Some((e, slots)) = &check.applies {
        out.extend(expr_reads(model, e, *slots));
    }
    for r in &check.requires {
        out.extend(expr_reads(model, &r.expr, r.slots));
    }
    most_specific(out)
}

fn most_specific(all: BTreeSet<String>) -> Vec<String> {
    all.iter()
        .filter(|p| {
            !all.iter().any(|q| {
                q.len() > p.len()
                    && q.starts_with(p.as_str())
                    && matches!(q.as_bytes().get(p.len()), Some(b'.' | b'['))
            })
        })
        .cloned()
        .collect()
}

fn path_of(e: &TypedExpr, env: &[Option<String>]) -> Option<String> {
    match &e.kind {
        TypedKind::Root(n) => Some(n.to_string()),
        TypedKind::Local(slot, _) => env.get(*slot).cloned().flatten(),
        TypedKind::Field(base, f) => path_of(base, env).map(|p| format!("{p}.{f}")),
        _ => None,
    }
}

fn bind(env: &mut [Option<String>], slot: usize, path: Option<String>) {
    if let Some(s) = env.get_mut(slot) {
        *s = path;
    }
}

fn walk(
    model: &Model,
    e: &TypedExpr,
    env: &mut Vec<Option<String>>,
    out: &mut BTreeSet<String>,
    depth: usize,
) {
    if let Some(p) = path_of(e, env) {
        out.insert(p);
    }
    match &e.kind {
        TypedKind::Lit(_) | TypedKind::Today | TypedKind::Root(_) | TypedKind::Local(..) => {}
        TypedKind::Field(base, _) => walk(model, base, env, out, depth),
        TypedKind::Not(x) | TypedKind::IsSet(x, _) => walk(model, x, env, out, depth),
        TypedKind::And(xs) | TypedKind::Or(xs) | TypedKind::List(xs) => {
            for x in xs {
                walk(model, x, env, out, depth);
            }
        }
        TypedKind::Compare(a, _, b)
        | TypedKind::In(a, b, _)
        | TypedKind::Text(a, _, b)
        | TypedKind::Arith(a, _, b) => {
            walk(model, a, env, out, depth);
            walk(model, b, env, out, depth);
        }
        TypedKind::Quant {
            slot,
            coll,
            filter,
            body,
            ..
        } => {
            walk(model, coll, env, out, depth);
            let p = path_of(coll, env).map(|p| format!("{p}[]"));
            bind(env, *slot, p);
            if let Some(f) = filter {
                walk(model, f, env, out, depth);
            }
            walk(model, body, env, out, depth);
        }
        TypedKind::Count { slot, coll, filter } => {
            walk(model, coll, env, out, depth);
            if let Some(slot) = slot {
                let p = path_of(coll, env).map(|p| format!("{p}[]"));
                bind(env, *slot, p);
            }
            if let Some(f) = filter {
                walk(model, f, env, out, depth);
            }
        }
        TypedKind::Let(slot, _, value, body) => {
            walk(model, value, env, out, depth);
            let p = path_of(value, env);
            bind(env, *slot, p);
            walk(model, body, env, out, depth);
        }
        TypedKind::Call(index, args) => {
            for a in args {
                walk(model, a, env, out, depth);
            }
            let Some(def) = model.defs.get(*index) else {
                return;
            };
            if depth >= MAX_CALL_DEPTH {
                return;
            }
            let mut inner = vec![None; def.slots.max(args.len())];
            for (i, a) in args.iter().enumerate() {
                bind(&mut inner, i, path_of(a, env));
            }
            walk(model, &def.body, &mut inner, out, depth + 1);
        }
    }
}
