//! The expression checker: names, types and slots of one expression.

use super::*;

/// Expression checker: scopes, slots and the diagnostics sink.
pub(super) struct ExprChecker<'a> {
    pub(super) model: &'a Model,
    pub(super) sigs: &'a IndexMap<Arc<str>, DefSig>,
    pub(super) diags: &'a mut Vec<Diagnostic>,
    pub(super) path: &'a Arc<str>,
    pub(super) text: &'a str,
    pub(super) scopes: Vec<(Arc<str>, usize, Ty)>,
    pub(super) next_slot: usize,
    pub(super) max_slots: usize,
    /// The number the next quantifier gets (see `TypedKind::Quant::id`).
    pub(super) next_quant: u32,
}

pub(super) fn compatible(a: &Ty, b: &Ty) -> bool {
    match (a, b) {
        (Ty::Error, _) | (_, Ty::Error) => true,
        (Ty::Int | Ty::Decimal, Ty::Int | Ty::Decimal) => true,
        (Ty::Ref(_), Ty::Str) | (Ty::Str, Ty::Ref(_)) => true,
        (Ty::Ref(x) | Ty::Record(x), Ty::Ref(y) | Ty::Record(y)) => x == y,
        (Ty::List(x), Ty::List(y)) => compatible(x, y),
        _ => a == b,
    }
}

impl<'a> ExprChecker<'a> {
    pub(super) fn new(
        model: &'a Model,
        sigs: &'a IndexMap<Arc<str>, DefSig>,
        diags: &'a mut Vec<Diagnostic>,
        path: &'a Arc<str>,
        text: &'a str,
    ) -> Self {
        ExprChecker {
            model,
            sigs,
            diags,
            path,
            text,
            scopes: Vec::new(),
            next_slot: 0,
            max_slots: 0,
            next_quant: 0,
        }
    }

    pub(super) fn take_slots(&mut self) -> usize {
        let n = self.max_slots;
        self.max_slots = 0;
        self.next_slot = 0;
        self.scopes.clear();
        n
    }

    pub(super) fn bind(&mut self, name: Arc<str>, ty: Ty) -> usize {
        let slot = self.next_slot;
        self.next_slot += 1;
        self.max_slots = self.max_slots.max(self.next_slot);
        self.scopes.push((name, slot, ty));
        slot
    }

    pub(super) fn unbind(&mut self) {
        self.scopes.pop();
        self.next_slot -= 1;
    }

    pub(super) fn at(&self, span: Span) -> Option<Location> {
        Some(Location::new(self.path, span))
    }

    pub(super) fn snippet(&self, span: Span) -> Arc<str> {
        let s = self.text.get(span.start()..span.end()).unwrap_or("");
        let s = without_comments(s);
        Arc::from(s.split_whitespace().collect::<Vec<_>>().join(" "))
    }

    pub(super) fn mismatch(&mut self, span: Span, message: String, label: String) {
        self.diags.push(
            Diagnostic::error(
                aimsc_diagnostics::codes::TYPE_MISMATCH,
                message,
                self.at(span),
            )
            .with_label(label),
        );
    }

    pub(super) fn condition(&mut self, e: &Expr, what: &str) -> TypedExpr {
        let c = self.expr(e, Some(&Ty::Bool));
        if !compatible(&c.ty, &Ty::Bool) {
            self.diags.push(
                Diagnostic::error(
                    aimsc_diagnostics::codes::TYPE_NOT_A_CONDITION,
                    format!("{what} must be a condition (bool), but this is `{}`", c.ty),
                    self.at(e.span),
                )
                .with_label(format!("this is `{}`", c.ty))
                .with_help("compare it, e.g. `x > 0`, or test it with `is set`"),
            );
        }
        c
    }

    pub(super) fn local(&self, name: &str) -> Option<(usize, Ty)> {
        self.scopes
            .iter()
            .rev()
            .find(|(n, _, _)| **n == *name)
            .map(|(_, s, t)| (*s, t.clone()))
    }

    /// Whether a bare name would resolve without context (so it is not an enum member).
    pub(super) fn resolves_plain(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Name(n) => {
                self.local(n).is_some()
                    || self.model.root.contains_key(n.as_str())
                    || self.sigs.contains_key(n.as_str())
            }
            _ => true,
        }
    }

    pub(super) fn node(&self, kind: TypedKind, ty: Ty, span: Span) -> TypedExpr {
        TypedExpr {
            kind,
            ty,
            text: self.snippet(span),
        }
    }

    pub(super) fn expr(&mut self, e: &Expr, expected: Option<&Ty>) -> TypedExpr {
        let span = e.span;
        match &e.kind {
            ExprKind::Bool(b) => self.node(TypedKind::Lit(Lit::Bool(*b)), Ty::Bool, span),
            ExprKind::Int(n) => self.node(TypedKind::Lit(Lit::Int(*n)), Ty::Int, span),
            ExprKind::Decimal(s) => self.node(
                TypedKind::Lit(Lit::Decimal(s.parse().unwrap_or(0.0))),
                Ty::Decimal,
                span,
            ),
            ExprKind::Str(s) => self.node(
                TypedKind::Lit(Lit::Str(Arc::from(s.as_str()))),
                Ty::Str,
                span,
            ),
            ExprKind::Date(s) => match dates::parse_date(s) {
                Some(d) => self.node(TypedKind::Lit(Lit::Date(d)), Ty::Date, span),
                None => {
                    self.diags.push(
                        Diagnostic::error(
                            aimsc_diagnostics::codes::TYPE_BAD_DATE,
                            format!("`{s}` is not a valid date"),
                            self.at(span),
                        )
                        .with_label("no such day"),
                    );
                    self.node(TypedKind::Lit(Lit::Bool(false)), Ty::Error, span)
                }
            },
            ExprKind::Duration(n, unit) => {
                let d = match unit {
                    DurationUnit::Days => Duration {
                        months: 0,
                        days: *n,
                    },
                    DurationUnit::Weeks => Duration {
                        months: 0,
                        days: n.saturating_mul(7),
                    },
                    DurationUnit::Months => Duration {
                        months: *n,
                        days: 0,
                    },
                    DurationUnit::Years => Duration {
                        months: n.saturating_mul(12),
                        days: 0,
                    },
                };
                self.node(TypedKind::Lit(Lit::Duration(d)), Ty::Duration, span)
            }
            ExprKind::Today => self.node(TypedKind::Today, Ty::Date, span),
            ExprKind::Name(n) => self.name(n, span, expected),
            ExprKind::Field(base, field) => self.field(base, field, span),
            ExprKind::Not(inner) => {
                let c = self.condition(inner, "the operand of `not`");
                self.node(TypedKind::Not(Box::new(c)), Ty::Bool, span)
            }
            ExprKind::And(parts) | ExprKind::Or(parts) => {
                let what = if matches!(e.kind, ExprKind::And(_)) {
                    "an operand of `and`"
                } else {
                    "an operand of `or`"
                };
                let cs: Vec<TypedExpr> = parts.iter().map(|p| self.condition(p, what)).collect();
                let kind = if matches!(e.kind, ExprKind::And(_)) {
                    TypedKind::And(cs)
                } else {
                    TypedKind::Or(cs)
                };
                self.node(kind, Ty::Bool, span)
            }
            ExprKind::Compare(a, op, b) => {
                let (ca, cb) = self.pair(a, b);
                let ordered = !matches!(op, CmpOp::Eq | CmpOp::Ne);
                if !compatible(&ca.ty, &cb.ty) {
                    self.mismatch(
                        span,
                        format!("cannot compare `{}` with `{}`", ca.ty, cb.ty),
                        format!("`{}` is {}, `{}` is {}", ca.text, ca.ty, cb.text, cb.ty),
                    );
                    // `d >= "2026-01-01"`: a date in quotes is a string.
                    let quoted_date = |t: &TypedExpr, other: &TypedExpr| {
                        matches!(other.ty, Ty::Date)
                            && matches!(t.ty, Ty::Str)
                            && t.text
                                .strip_prefix('"')
                                .and_then(|x| x.strip_suffix('"'))
                                .is_some_and(|x| crate::dates::parse_date(x).is_some())
                    };
                    if (quoted_date(&cb, &ca) || quoted_date(&ca, &cb))
                        && let Some(d) = self.diags.last_mut()
                    {
                        d.help = Some(
                            "write dates without quotes: `2026-01-01` is a date, `\"2026-01-01\"` a string"
                                .to_string(),
                        );
                    }
                } else if ordered
                    && !matches!(
                        ca.ty,
                        Ty::Int | Ty::Decimal | Ty::Date | Ty::Duration | Ty::Enum(_) | Ty::Error
                    )
                {
                    self.mismatch(
                        span,
                        format!("`{}` values have no order", ca.ty),
                        format!("`{}` needs numbers, dates, durations or enums", op.as_str()),
                    );
                }
                self.node(
                    TypedKind::Compare(Box::new(ca), *op, Box::new(cb)),
                    Ty::Bool,
                    span,
                )
            }
            ExprKind::In {
                elem,
                list,
                negated,
            } => {
                let ce = self.expr(elem, None);
                let cl = self.expr(list, Some(&Ty::List(Box::new(ce.ty.clone()))));
                match &cl.ty {
                    Ty::List(t) if !compatible(t, &ce.ty) => self.mismatch(
                        span,
                        format!("`{}` is {}, but the list holds {}", ce.text, ce.ty, t),
                        "element and list types differ".into(),
                    ),
                    Ty::List(_) | Ty::Error => {}
                    other => {
                        let other = other.clone();
                        self.mismatch(
                            list.span,
                            format!("`in` needs a list, found `{other}`"),
                            "not a list".into(),
                        );
                    }
                }
                self.node(
                    TypedKind::In(
                        Box::new(ce),
                        Box::new(cl),
                        if *negated {
                            Membership::NotIn
                        } else {
                            Membership::In
                        },
                    ),
                    Ty::Bool,
                    span,
                )
            }
            ExprKind::IsSet(inner, set) => {
                let c = self.expr(inner, None);
                let presence = if *set {
                    Presence::Set
                } else {
                    Presence::Missing
                };
                self.node(TypedKind::IsSet(Box::new(c), presence), Ty::Bool, span)
            }
            ExprKind::Text(a, op, b) => {
                let ca = self.expr(a, None);
                let cb = self.expr(b, None);
                for c in [&ca, &cb] {
                    if !compatible(&c.ty, &Ty::Str) {
                        let (t, ty) = (c.text.clone(), c.ty.clone());
                        self.mismatch(
                            span,
                            format!("`{}` works on strings, but `{t}` is {ty}", op.as_str()),
                            "not a string".into(),
                        );
                    }
                }
                self.node(
                    TypedKind::Text(Box::new(ca), *op, Box::new(cb)),
                    Ty::Bool,
                    span,
                )
            }
            ExprKind::Arith(a, plus, b) => {
                let ca = self.expr(a, None);
                let cb = self.expr(b, None);
                let ty = match (&ca.ty, &cb.ty) {
                    (Ty::Error, _) | (_, Ty::Error) => Ty::Error,
                    (Ty::Int, Ty::Int) => Ty::Int,
                    (Ty::Int | Ty::Decimal, Ty::Int | Ty::Decimal) => Ty::Decimal,
                    (Ty::Date, Ty::Duration) => Ty::Date,
                    (Ty::Duration, Ty::Date) if *plus => Ty::Date,
                    (Ty::Date, Ty::Date) if !*plus => Ty::Duration,
                    (Ty::Duration, Ty::Duration) => Ty::Duration,
                    (x, y) => {
                        let op = if *plus { "+" } else { "-" };
                        let (x, y) = (x.clone(), y.clone());
                        self.mismatch(
                            span,
                            format!("cannot compute `{x} {op} {y}`"),
                            format!("`{op}` works on numbers, date ± duration, date - date and durations"),
                        );
                        Ty::Error
                    }
                };
                self.node(
                    TypedKind::Arith(
                        Box::new(ca),
                        if *plus { ArithOp::Add } else { ArithOp::Sub },
                        Box::new(cb),
                    ),
                    ty,
                    span,
                )
            }
            ExprKind::Quant {
                kind,
                var,
                coll,
                filter,
                body,
            } => {
                let cc = self.expr(coll, None);
                let elem = self.elem_type(&cc, coll.span);
                let slot = self.bind(Arc::from(var.name.as_str()), elem);
                let cf = filter
                    .as_ref()
                    .map(|f| Box::new(self.condition(f, "a `where` filter")));
                let cbody = self.condition(body, "a quantifier's body");
                self.unbind();
                let id = self.next_quant;
                self.next_quant += 1;
                self.node(
                    TypedKind::Quant {
                        kind: *kind,
                        slot,
                        coll: Box::new(cc),
                        filter: cf,
                        body: Box::new(cbody),
                        id,
                    },
                    Ty::Bool,
                    span,
                )
            }
            ExprKind::Count { var, coll, filter } => {
                let cc = self.expr(coll, None);
                let elem = self.elem_type(&cc, coll.span);
                let (slot, cf) = match var {
                    Some(v) => {
                        let slot = self.bind(Arc::from(v.name.as_str()), elem);
                        let cf = filter
                            .as_ref()
                            .map(|f| Box::new(self.condition(f, "a `where` filter")));
                        self.unbind();
                        (Some(slot), cf)
                    }
                    None => (None, None),
                };
                self.node(
                    TypedKind::Count {
                        slot,
                        coll: Box::new(cc),
                        filter: cf,
                    },
                    Ty::Int,
                    span,
                )
            }
            ExprKind::Call(name, args) => self.call(name, args, span),
            ExprKind::List(items) => {
                let want = match expected {
                    Some(Ty::List(t)) => Some((**t).clone()),
                    _ => None,
                };
                let mut elem_ty = want.clone().unwrap_or(Ty::Error);
                let mut cs = Vec::new();
                for (i, it) in items.iter().enumerate() {
                    let c = self.expr(
                        it,
                        want.as_ref().or(if i > 0 { Some(&elem_ty) } else { None }),
                    );
                    if i == 0 && want.is_none() {
                        elem_ty = c.ty.clone();
                    } else if !compatible(&c.ty, &elem_ty) {
                        self.mismatch(it.span, format!("list elements must share a type: this is `{}`, expected `{elem_ty}`", c.ty), "different type".into());
                    }
                    cs.push(c);
                }
                self.node(TypedKind::List(cs), Ty::List(Box::new(elem_ty)), span)
            }
            ExprKind::Block(lets, body) => self.block(lets, body, expected, span),
        }
    }

    pub(super) fn block(
        &mut self,
        lets: &[(ast::Ident, Expr)],
        body: &Expr,
        expected: Option<&Ty>,
        span: Span,
    ) -> TypedExpr {
        let Some(((name, value), rest)) = lets.split_first() else {
            return self.expr(body, expected);
        };
        let cv = self.expr(value, None);
        let name: Arc<str> = Arc::from(name.name.as_str());
        let slot = self.bind(name.clone(), cv.ty.clone());
        let inner = self.block(rest, body, expected, span);
        self.unbind();
        let ty = inner.ty.clone();
        self.node(
            TypedKind::Let(slot, name, Box::new(cv), Box::new(inner)),
            ty,
            span,
        )
    }

    pub(super) fn pair(&mut self, a: &Expr, b: &Expr) -> (TypedExpr, TypedExpr) {
        if self.resolves_plain(a) || !self.resolves_plain(b) {
            let ca = self.expr(a, None);
            let cb = self.expr(b, Some(&ca.ty));
            (ca, cb)
        } else {
            let cb = self.expr(b, None);
            let ca = self.expr(a, Some(&cb.ty));
            (ca, cb)
        }
    }

    pub(super) fn elem_type(&mut self, coll: &TypedExpr, span: Span) -> Ty {
        match &coll.ty {
            Ty::List(t) => (**t).clone(),
            Ty::Error => Ty::Error,
            other => {
                let other = other.clone();
                self.diags.push(
                    Diagnostic::error(
                        aimsc_diagnostics::codes::TYPE_NOT_A_LIST,
                        format!("expected a list to range over, found `{other}`"),
                        self.at(span),
                    )
                    .with_label(format!("this is `{other}`")),
                );
                Ty::Error
            }
        }
    }

    pub(super) fn name(&mut self, n: &str, span: Span, expected: Option<&Ty>) -> TypedExpr {
        if let Some((slot, ty)) = self.local(n) {
            return self.node(TypedKind::Local(slot, Arc::from(n)), ty, span);
        }
        if let Some(sig) = self.sigs.get(n)
            && sig.params.is_empty()
        {
            let (idx, ret) = (sig.index, sig.ret.clone());
            return self.node(TypedKind::Call(idx, Vec::new()), ret, span);
        }
        if let Some(f) = self.model.root.get(n) {
            return self.node(TypedKind::Root(f.name.clone()), f.ty.clone(), span);
        }
        if let Some(Ty::Enum(en)) = expected.map(|t| if let Ty::List(i) = t { &**i } else { t })
            && let Some(et) = self.model.enums.get(en)
            && let Some(m) = et.members.iter().find(|m| ***m == *n)
        {
            return self.node(
                TypedKind::Lit(Lit::Enum(et.name.clone(), m.clone())),
                Ty::Enum(et.name.clone()),
                span,
            );
        }
        let owners: Vec<&EnumType> = self
            .model
            .enums
            .values()
            .filter(|e| e.members.iter().any(|m| **m == *n))
            .collect();
        if let [only] = owners.as_slice() {
            let (en, m) = (only.name.clone(), Arc::from(n));
            return self.node(TypedKind::Lit(Lit::Enum(en.clone(), m)), Ty::Enum(en), span);
        }
        if owners.len() > 1 {
            let names: Vec<String> = owners.iter().map(|e| format!("`{}.{n}`", e.name)).collect();
            self.diags.push(
                Diagnostic::error(
                    aimsc_diagnostics::codes::RESOLVE_AMBIGUOUS_MEMBER,
                    format!("`{n}` is a member of several enums"),
                    self.at(span),
                )
                .with_label("which one?")
                .with_help(format!("write {}", names.join(" or "))),
            );
            return self.node(TypedKind::Lit(Lit::Bool(false)), Ty::Error, span);
        }
        let mut cands: Vec<&str> = self.scopes.iter().map(|(n, _, _)| &**n).collect();
        cands.extend(self.model.root.keys().map(|k| &**k));
        cands.extend(self.sigs.keys().map(|k| &**k));
        cands.extend(
            self.model
                .enums
                .values()
                .flat_map(|e| e.members.iter().map(|m| &**m)),
        );
        let suggestion = did_you_mean(n, cands).map(str::to_string);
        let mut d = Diagnostic::error(
            aimsc_diagnostics::codes::RESOLVE_UNKNOWN_NAME,
            format!("unknown name `{n}`"),
            self.at(span),
        )
        .with_label("not a binding, root fact, def or enum member");
        if let Some(s) = suggestion {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        self.diags.push(d);
        self.node(TypedKind::Lit(Lit::Bool(false)), Ty::Error, span)
    }

    pub(super) fn field(&mut self, base: &Expr, field: &ast::Ident, span: Span) -> TypedExpr {
        // `RiskTier.high`: a qualified enum member.
        if let ExprKind::Name(n) = &base.kind
            && !self.resolves_plain(base)
            && let Some(et) = self.model.enums.get(n.as_str())
        {
            if let Some(m) = et.members.iter().find(|m| ***m == *field.name) {
                return self.node(
                    TypedKind::Lit(Lit::Enum(et.name.clone(), m.clone())),
                    Ty::Enum(et.name.clone()),
                    span,
                );
            }
            let hint =
                did_you_mean(&field.name, et.members.iter().map(|m| &**m)).map(str::to_string);
            let mut d = Diagnostic::error(
                aimsc_diagnostics::codes::RESOLVE_UNKNOWN_MEMBER,
                format!("enum `{n}` has no member `{}`", field.name),
                self.at(field.span),
            )
            .with_label("unknown member");
            d = d.with_help(match hint {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("members: {}", et.members.join(", ")),
            });
            self.diags.push(d);
            return self.node(TypedKind::Lit(Lit::Bool(false)), Ty::Error, span);
        }
        let cb = self.expr(base, None);
        let record = match &cb.ty {
            Ty::Record(r) | Ty::Ref(r) => r.clone(),
            Ty::Error => {
                return self.node(
                    TypedKind::Field(Box::new(cb), Arc::from(field.name.as_str())),
                    Ty::Error,
                    span,
                );
            }
            Ty::List(_) => {
                let t = cb.ty.clone();
                self.diags.push(
                    Diagnostic::error(
                        aimsc_diagnostics::codes::TYPE_FIELD_OF_LIST,
                        format!(
                            "`{}` is a list (`{t}`); it has no field `{}`",
                            cb.text, field.name
                        ),
                        self.at(field.span),
                    )
                    .with_label("field of a list")
                    .with_help(format!(
                        "range over it: `all x in {}: x.{} ...`",
                        cb.text, field.name
                    )),
                );
                return self.node(
                    TypedKind::Field(Box::new(cb), Arc::from(field.name.as_str())),
                    Ty::Error,
                    span,
                );
            }
            other => {
                let other = other.clone();
                self.diags.push(
                    Diagnostic::error(
                        aimsc_diagnostics::codes::TYPE_NO_FIELDS,
                        format!("`{}` is `{other}`, which has no fields", cb.text),
                        self.at(field.span),
                    )
                    .with_label("no such field"),
                );
                return self.node(
                    TypedKind::Field(Box::new(cb), Arc::from(field.name.as_str())),
                    Ty::Error,
                    span,
                );
            }
        };
        let Some(rt) = self.model.records.get(&record) else {
            return self.node(
                TypedKind::Field(Box::new(cb), Arc::from(field.name.as_str())),
                Ty::Error,
                span,
            );
        };
        match rt.fields.get(field.name.as_str()) {
            Some(f) => {
                let (name, ty) = (f.name.clone(), f.ty.clone());
                self.node(TypedKind::Field(Box::new(cb), name), ty, span)
            }
            None => {
                let hint =
                    did_you_mean(&field.name, rt.fields.keys().map(|k| &**k)).map(str::to_string);
                let mut d = Diagnostic::error(
                    aimsc_diagnostics::codes::RESOLVE_UNKNOWN_FIELD,
                    format!("record `{record}` has no field `{}`", field.name),
                    self.at(field.span),
                )
                .with_label("not in the schema")
                .with_related(rt.location.clone(), format!("`{record}` is declared here"));
                if let Some(s) = hint {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                self.diags.push(d);
                self.node(
                    TypedKind::Field(Box::new(cb), Arc::from(field.name.as_str())),
                    Ty::Error,
                    span,
                )
            }
        }
    }

    pub(super) fn call(&mut self, name: &ast::Ident, args: &[Expr], span: Span) -> TypedExpr {
        let Some(sig) = self.sigs.get(name.name.as_str()).cloned() else {
            let hint = did_you_mean(&name.name, self.sigs.keys().map(|k| &**k)).map(str::to_string);
            let mut d = Diagnostic::error(
                aimsc_diagnostics::codes::RESOLVE_UNKNOWN_DEF,
                format!("unknown def `{}`", name.name),
                self.at(name.span),
            )
            .with_label("no def of this name");
            if let Some(s) = hint {
                d = d.with_help(format!("did you mean `{s}`?"));
            }
            self.diags.push(d);
            for a in args {
                self.expr(a, None);
            }
            return self.node(TypedKind::Lit(Lit::Bool(false)), Ty::Error, span);
        };
        if sig.params.len() != args.len() {
            self.diags.push(
                Diagnostic::error(
                    aimsc_diagnostics::codes::TYPE_ARITY,
                    format!(
                        "`{}` takes {} argument(s), {} given",
                        name.name,
                        sig.params.len(),
                        args.len()
                    ),
                    self.at(span),
                )
                .with_label("wrong number of arguments"),
            );
        }
        let mut cargs = Vec::new();
        for (i, a) in args.iter().enumerate() {
            let want = sig.params.get(i);
            let c = self.expr(a, want);
            if let Some(w) = want
                && !compatible(&c.ty, w)
            {
                self.mismatch(
                    a.span,
                    format!(
                        "argument {} of `{}` must be `{w}`, found `{}`",
                        i + 1,
                        name.name,
                        c.ty
                    ),
                    format!("this is `{}`", c.ty),
                );
            }
            cargs.push(c);
        }
        self.node(TypedKind::Call(sig.index, cargs), sig.ret, span)
    }
}

pub(super) fn error_expr() -> TypedExpr {
    TypedExpr {
        kind: TypedKind::Lit(Lit::Bool(false)),
        ty: Ty::Error,
        text: Arc::from(""),
    }
}

/// Source text without its `//` comments (an expression's span can take in the comments
/// between its last token and the next item), strings kept whole.
pub(super) fn without_comments(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains("//") {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let (mut in_str, mut escaped, mut in_comment) = (false, false, false);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if in_comment {
            if c == '\n' || c == '\r' {
                in_comment = false;
                out.push(c);
            }
            continue;
        }
        if in_str {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
        } else if c == '"' {
            in_str = true;
        } else if c == '/' && chars.peek() == Some(&'/') {
            in_comment = true;
            continue;
        }
        out.push(c);
    }
    std::borrow::Cow::Owned(out)
}
