//! Explanation text: operands, bindings and the summary of a requirement.

use super::*;

impl<'a> Eval<'a> {
    /// `name = value`, with the expression that gave the value when it says more than the
    /// value itself (a param, a fact path).
    pub(super) fn binding(&self, name: &str, expr: &TypedExpr, v: &Value) -> String {
        if let Value::Missing(..) = v {
            return format!("{name}: {} is missing", expr.text);
        }
        let shown = v.show();
        match &expr.kind {
            TypedKind::Lit(_) | TypedKind::Local(..) => format!("{name} = {shown}"),
            _ if *expr.text == *name || *expr.text == *shown => format!("{name} = {shown}"),
            _ => format!("{name} = {shown} ({})", expr.text),
        }
    }

    /// A compared value as an explanation shows it: date and duration arithmetic with its
    /// operands (`2025-11-01 (2026-11-01 − 12 months)`), a param or local with its name.
    pub(super) fn shown(&mut self, e: &TypedExpr, v: &Value) -> String {
        let value = v.show();
        match &e.kind {
            TypedKind::Arith(a, op, b) if cheap(a) && cheap(b) => {
                let quiet = std::mem::replace(&mut self.quiet, true);
                let (x, y) = (self.val(a), self.val(b));
                self.quiet = quiet;
                let (x, y) = (self.shown(a, &x), self.shown(b, &y));
                format!("{value} ({x} {} {y})", op.symbol())
            }
            TypedKind::Call(_, args) if args.is_empty() => format!("{value} ({})", e.text),
            _ => value,
        }
    }

    /// Places an explanation that has no facts location yet at the fact it read: the key of
    /// the first operand that is a field of a record (its own line for the organisation's
    /// records, the record's for those of collections). Explained nodes only.
    pub(super) fn placed(
        &mut self,
        out: (Truth, Explanation),
        operands: &[&TypedExpr],
    ) -> (Truth, Explanation) {
        let (t, mut ex) = out;
        if self.quiet || ex.at.is_some() {
            return (t, ex);
        }
        for op in operands {
            let TypedKind::Field(base, field) = &op.kind else {
                continue;
            };
            if !cheap(base) {
                continue;
            }
            let quiet = std::mem::replace(&mut self.quiet, true);
            let b = self.val(base);
            self.quiet = quiet;
            let rec = match b {
                Value::Rec(r) => r,
                Value::Ref(ty, id) => match self.env.facts.by_id(&ty, &id) {
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

    pub(super) fn leaf(
        &mut self,
        e: &TypedExpr,
        t: Truth,
        detail: Option<String>,
        vals: &[&Value],
    ) -> (Truth, Explanation) {
        let mut ex = explain(e, t);
        ex.detail = detail;
        if t == Truth::Unknown {
            for v in vals {
                match v {
                    Value::Missing(p, at) => {
                        ex.missing = Some(p.to_string());
                        ex.at = self.at(*at);
                        break;
                    }
                    Value::Invalid(p) => {
                        ex.missing = Some(format!("{p} (invalid in the facts)"));
                        break;
                    }
                    _ => {}
                }
            }
        }
        (t, ex)
    }
}

/// A record and, in a few words, why it decided a quantifier: `incidents[id=INC-4] (20 days
/// (2026-09-22 − 2026-09-02) <= 15 days is false)`.
pub(super) fn finding_reason(f: &Finding) -> String {
    pub(super) fn first_leaf(ex: &Explanation) -> &Explanation {
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
pub(super) fn negated_op(op: CmpOp) -> &'static str {
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
pub(super) fn only_truth_values(detail: &str) -> bool {
    detail
        .split_whitespace()
        .all(|w| matches!(w, "true" | "false" | "==" | "!="))
}

pub(super) fn truth_word(t: Truth) -> &'static str {
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

pub(super) fn summary(
    model: &Model,
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
            Some(p) => match model.field_at(&p) {
                Some(f) => match &f.doc {
                    Some(d) => format!(
                        "not evidenced: `{p}` is missing ({}: {d})",
                        f.written_type()
                    ),
                    None => format!("not evidenced: `{p}` is missing ({})", f.written_type()),
                },
                None => format!("not evidenced: `{p}` is missing"),
            },
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
