//! Defs and params: their bodies checked in dependency order, params as zero-argument defs.

use super::*;

impl ModelBuilder {
    pub(super) fn check_defs(&mut self, inputs: &[Input<'_>]) {
        // Gather def ASTs in a stable order.
        let mut asts: Vec<(&ast::DefDecl, &Arc<str>, &str)> = Vec::new();
        let mut index: HashMap<&str, usize> = HashMap::new();
        for input in inputs {
            for item in &input.file.items {
                if let Item::Def(d) = item {
                    if index.contains_key(d.name.name.as_str()) {
                        continue;
                    }
                    index.insert(d.name.name.as_str(), asts.len());
                    asts.push((d, input.path, input.text));
                }
            }
        }
        // Call graph (by name) and cycle detection.
        let edges: Vec<Vec<usize>> = asts
            .iter()
            .map(|(d, _, _)| {
                let locals: Vec<&str> = d.params.iter().map(|p| p.name.name.as_str()).collect();
                let mut out = Vec::new();
                calls_in(&d.body, &mut |n| {
                    if !locals.contains(&n)
                        && let Some(&i) = index.get(n)
                        && !out.contains(&i)
                    {
                        out.push(i);
                    }
                });
                out
            })
            .collect();
        let mut in_cycle = vec![false; asts.len()];
        let mut state = vec![0u8; asts.len()];
        let mut order = Vec::new();
        for start in 0..asts.len() {
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            if state[start] != 0 {
                continue;
            }
            state[start] = 1;
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                if let Some(&succ) = edges[node].get(*next) {
                    *next += 1;
                    match state[succ] {
                        0 => {
                            state[succ] = 1;
                            stack.push((succ, 0));
                        }
                        1 => {
                            let pos = stack.iter().position(|(n, _)| *n == succ).unwrap_or(0);
                            let cycle: Vec<usize> = stack[pos..].iter().map(|(n, _)| *n).collect();
                            if !in_cycle[succ] {
                                let names: Vec<String> = cycle
                                    .iter()
                                    .chain(std::iter::once(&succ))
                                    .map(|&i| format!("`{}`", asts[i].0.name.name))
                                    .collect();
                                let (d, path, _) = asts[succ];
                                self.diags.push(
                                    Diagnostic::error(
                                        aimsc_diagnostics::codes::RESOLVE_DEF_CYCLE,
                                        format!("def `{}` is recursive: {}", d.name.name, names.join(" → ")),
                                        Some(loc(path, d.name.span)),
                                    )
                                    .with_label("part of a cycle")
                                    .with_help("defs may not call themselves, directly or through other defs"),
                                );
                            }
                            for i in cycle {
                                in_cycle[i] = true;
                            }
                        }
                        _ => {}
                    }
                } else {
                    state[node] = 2;
                    order.push(node);
                    stack.pop();
                }
            }
        }
        let param_defs = self.check_params(inputs, asts.len(), &index);
        // Check bodies callees-first so return types are known.
        let mut checked: Vec<Option<Def>> = vec![None; asts.len()];
        // How deep a call of each def goes: evaluation recurses that deep.
        let mut call_depth = vec![0usize; asts.len()];
        for &i in &order {
            let (d, path, text) = asts[i];
            call_depth[i] = 1 + edges[i]
                .iter()
                .filter(|j| !in_cycle[**j])
                .map(|j| call_depth[*j])
                .max()
                .unwrap_or(0);
            let too_deep = call_depth[i] > MAX_DEF_DEPTH;
            if too_deep && call_depth[i] == MAX_DEF_DEPTH + 1 {
                self.diags.push(
                    Diagnostic::error(
                        aimsc_diagnostics::codes::LIMIT_DEF_DEPTH,
                        format!(
                            "def `{}` calls defs {} deep; the limit is {MAX_DEF_DEPTH}",
                            d.name.name, call_depth[i]
                        ),
                        Some(loc(path, d.name.span)),
                    )
                    .with_label("too deep a chain of defs")
                    .with_help("flatten the chain: a def may call defs that call defs, but not without end"),
                );
            }
            let params: Vec<(Arc<str>, Ty)> = d
                .params
                .iter()
                .map(|p| {
                    (
                        Arc::from(p.name.name.as_str()),
                        self.resolve_type(&p.ty, path),
                    )
                })
                .collect();
            let before = self.diags.len();
            let (body, slots) = if in_cycle[i] || too_deep {
                (error_expr(), 0)
            } else {
                let mut cx = ExprChecker::new(&self.model, &self.sigs, &mut self.diags, path, text);
                for (n, t) in &params {
                    cx.bind(n.clone(), t.clone());
                }
                let body = cx.expr(&d.body, None);
                (body, cx.max_slots)
            };
            let broken = if too_deep {
                Some(Broken {
                    code: aimsc_diagnostics::codes::LIMIT_DEF_DEPTH.id,
                    message: Arc::from(format!(
                        "def `{}` calls defs more than {MAX_DEF_DEPTH} deep",
                        d.name.name
                    )),
                    location: Some(loc(path, d.name.span)),
                })
            } else if in_cycle[i] {
                Some(Broken {
                    code: aimsc_diagnostics::codes::RESOLVE_DEF_CYCLE.id,
                    message: Arc::from(format!("def `{}` is recursive", d.name.name)),
                    location: Some(loc(path, d.name.span)),
                })
            } else {
                first_error(&self.diags[before..])
                    .or_else(|| calls_broken(&body, &|j| checked.get(j).and_then(|d| d.as_ref())))
            };
            let name: Arc<str> = Arc::from(d.name.name.as_str());
            self.sigs.insert(
                name.clone(),
                DefSig {
                    index: i,
                    params: params.iter().map(|(_, t)| t.clone()).collect(),
                    ret: body.ty.clone(),
                },
            );
            checked[i] = Some(Def {
                name,
                params,
                body,
                slots,
                location: loc(path, d.name.span),
                broken,
            });
        }
        self.model.defs = checked
            .into_iter()
            .map(|d| {
                d.unwrap_or_else(|| Def {
                    name: Arc::from(""),
                    params: Vec::new(),
                    body: error_expr(),
                    slots: 0,
                    location: Location::new(&Arc::from(""), Span::default()),
                    broken: None,
                })
            })
            .chain(param_defs)
            .collect();
    }

    /// Checks `param`s and the organisation's `set`s. Params become zero-argument defs (indexes
    /// from `base`) holding the value in force; they may not call defs, so they are checked first.
    pub(super) fn check_params(
        &mut self,
        inputs: &[Input<'_>],
        base: usize,
        defs: &HashMap<&str, usize>,
    ) -> Vec<Def> {
        let names: Vec<&str> = inputs
            .iter()
            .flat_map(|i| i.file.items.iter())
            .filter_map(|item| match item {
                Item::Param(p) => Some(p.name.name.as_str()),
                _ => None,
            })
            .collect();
        let mut sets: HashMap<&str, (&ast::SetDecl, &Arc<str>, &str)> = HashMap::new();
        for input in inputs {
            for item in &input.file.items {
                let Item::Set(st) = item else { continue };
                let n = st.name.name.as_str();
                let at = loc(input.path, st.name.span);
                if !names.contains(&n) {
                    let mut d = Diagnostic::error(
                        aimsc_diagnostics::codes::RESOLVE_UNKNOWN_PARAM,
                        format!("`set` names `{n}`, which is not a param"),
                        Some(at),
                    )
                    .with_label("unknown param");
                    d = if defs.contains_key(n) {
                        d.with_help(format!("`{n}` is a def; only a `param` can be set"))
                    } else if let Some(s) = did_you_mean(n, names.iter().copied()) {
                        d.with_help(format!("did you mean `{s}`?"))
                    } else {
                        d.with_help(
                            "`aimsc explain --params` lists the params of the loaded rulesets",
                        )
                    };
                    self.diags.push(d);
                    continue;
                }
                if let Some((prev, prev_path, _)) = sets.get(n) {
                    let prev = loc(prev_path, prev.span);
                    self.diags.push(Diagnostic::twice(
                        aimsc_diagnostics::codes::SCOPE_DUPLICATE,
                        &format!("param `{n}`"),
                        "set",
                        at,
                        Some(prev),
                    ));
                    continue;
                }
                sets.insert(n, (st, input.path, input.text));
            }
        }
        let none = IndexMap::new();
        let mut out = Vec::new();
        for input in inputs {
            for item in &input.file.items {
                let Item::Param(p) = item else { continue };
                let at = loc(input.path, p.name.span);
                if self.seen.get(&("def", p.name.name.clone())) != Some(&at) {
                    continue;
                }
                let ty = self.resolve_type(&p.ty, input.path);
                let ty_text = input
                    .text
                    .get(p.ty.span.start()..p.ty.span.end())
                    .unwrap_or_default()
                    .trim();
                let before = self.diags.len();
                let default = self.param_value(&p.default, &ty, input.path, input.text, &none);
                let default_text = default.0.text.clone();
                let min = p
                    .min
                    .as_ref()
                    .map(|e| self.param_value(e, &ty, input.path, input.text, &none).0);
                let max = p
                    .max
                    .as_ref()
                    .map(|e| self.param_value(e, &ty, input.path, input.text, &none).0);
                let mut weakened = false;
                let (body, slots, set_at) = match sets.get(p.name.name.as_str()) {
                    Some((st, spath, stext)) => {
                        let v = self.param_value(&st.value, &ty, spath, stext, &none);
                        let at = loc(spath, st.value.span);
                        let below = min.as_ref().and_then(|m| const_cmp(&v.0, m));
                        let above = max.as_ref().and_then(|m| const_cmp(&v.0, m));
                        let bound = match (below, above) {
                            (Some(std::cmp::Ordering::Less), _) => {
                                min.as_ref().map(|m| ("at least", m))
                            }
                            (_, Some(std::cmp::Ordering::Greater)) => {
                                max.as_ref().map(|m| ("at most", m))
                            }
                            _ => None,
                        };
                        if let Some((word, b)) = bound {
                            self.diags.push(
                                Diagnostic::error(
                                    aimsc_diagnostics::codes::SCOPE_PARAM_OUT_OF_BOUNDS,
                                    format!(
                                        "`{}` must be {word} {}, not {}",
                                        p.name.name, b.text, v.0.text
                                    ),
                                    Some(at),
                                )
                                .with_label(format!("outside the bound the param declares ({word} {})", b.text))
                                .with_related(loc(input.path, p.name.span), "declared here")
                                .with_help(format!(
                                    "the default {} is used instead; `aimsc explain --params` lists each param's bounds",
                                    default.0.text
                                )),
                            );
                            (default.0.clone(), default.1, Some(loc(spath, st.span)))
                        } else {
                            let order = const_cmp(&v.0, &default.0);
                            weakened = matches!(
                                (order, &min, &max),
                                (Some(std::cmp::Ordering::Greater), _, Some(_))
                                    | (Some(std::cmp::Ordering::Less), Some(_), None)
                            );
                            if weakened {
                                self.diags.push(
                                    Diagnostic::warning(
                                        aimsc_diagnostics::codes::SCOPE_PARAM_WEAKENED,
                                        format!(
                                            "`set {} = {}` weakens the default {}",
                                            p.name.name, v.0.text, default.0.text
                                        ),
                                        Some(at),
                                    )
                                    .with_label(if max.is_some() { "longer than the default" } else { "shorter than the default" })
                                    .with_related(loc(input.path, p.name.span), "declared here")
                                    .with_help("every report lists this override; keep it only if the organisation accepts the weaker check"),
                                );
                            }
                            (v.0, v.1, Some(loc(spath, st.span)))
                        }
                    }
                    None => (default.0, default.1, None),
                };
                let name: Arc<str> = Arc::from(p.name.name.as_str());
                self.sigs.insert(
                    name.clone(),
                    DefSig {
                        index: base + out.len(),
                        params: Vec::new(),
                        ret: ty,
                    },
                );
                self.model.params.insert(
                    name.clone(),
                    Param {
                        name: name.clone(),
                        ty: Arc::from(ty_text),
                        default: default_text,
                        value: body.text.clone(),
                        doc: p.doc.as_ref().map(|d| Arc::from(d.value.as_str())),
                        location: at.clone(),
                        set_at,
                        min: min.map(|m| m.text),
                        max: max.map(|m| m.text),
                        weakened,
                    },
                );
                out.push(Def {
                    name,
                    params: Vec::new(),
                    body,
                    slots,
                    location: at,
                    // A `set` out of bounds falls back to the default: it breaks nothing.
                    broken: first_error(
                        &self.diags[before..]
                            .iter()
                            .filter(|d| {
                                d.code != aimsc_diagnostics::codes::SCOPE_PARAM_OUT_OF_BOUNDS
                            })
                            .cloned()
                            .collect::<Vec<_>>(),
                    ),
                });
            }
        }
        out
    }

    pub(super) fn param_value(
        &mut self,
        e: &Expr,
        ty: &Ty,
        path: &Arc<str>,
        text: &str,
        sigs: &IndexMap<Arc<str>, DefSig>,
    ) -> (TypedExpr, usize) {
        let mut cx = ExprChecker::new(&self.model, sigs, &mut self.diags, path, text);
        let v = cx.expr(e, Some(ty));
        if !compatible(&v.ty, ty) {
            cx.mismatch(
                e.span,
                format!("this param is declared `{ty}`, but the value is `{}`", v.ty),
                format!("expected {ty}"),
            );
        }
        let slots = cx.max_slots;
        (v, slots)
    }
}

/// Orders two constant values of a param (literals of one type); `None` when either is not a
/// constant or they do not compare.
pub(super) fn const_cmp(a: &TypedExpr, b: &TypedExpr) -> Option<std::cmp::Ordering> {
    match (&a.kind, &b.kind) {
        (TypedKind::Lit(Lit::Int(x)), TypedKind::Lit(Lit::Int(y))) => Some(x.cmp(y)),
        (TypedKind::Lit(Lit::Decimal(x)), TypedKind::Lit(Lit::Decimal(y))) => x.partial_cmp(y),
        (TypedKind::Lit(Lit::Int(x)), TypedKind::Lit(Lit::Decimal(y))) => {
            (*x as f64).partial_cmp(y)
        }
        (TypedKind::Lit(Lit::Decimal(x)), TypedKind::Lit(Lit::Int(y))) => {
            x.partial_cmp(&(*y as f64))
        }
        (TypedKind::Lit(Lit::Date(x)), TypedKind::Lit(Lit::Date(y))) => Some(x.cmp(y)),
        (TypedKind::Lit(Lit::Duration(x)), TypedKind::Lit(Lit::Duration(y))) => {
            Some(x.approx_days().cmp(&y.approx_days()))
        }
        _ => None,
    }
}

/// Calls every name that may refer to a def (calls and bare names).
pub(super) fn calls_in(e: &Expr, f: &mut dyn FnMut(&str)) {
    match &e.kind {
        ExprKind::Name(n) => f(n),
        ExprKind::Call(n, args) => {
            f(&n.name);
            for a in args {
                calls_in(a, f);
            }
        }
        ExprKind::Field(b, _) | ExprKind::Not(b) | ExprKind::IsSet(b, _) => calls_in(b, f),
        ExprKind::And(v) | ExprKind::Or(v) | ExprKind::List(v) => {
            v.iter().for_each(|x| calls_in(x, f))
        }
        ExprKind::Compare(a, _, b) | ExprKind::Text(a, _, b) | ExprKind::Arith(a, _, b) => {
            calls_in(a, f);
            calls_in(b, f);
        }
        ExprKind::In { elem, list, .. } => {
            calls_in(elem, f);
            calls_in(list, f);
        }
        ExprKind::Quant {
            coll, filter, body, ..
        } => {
            calls_in(coll, f);
            if let Some(x) = filter {
                calls_in(x, f);
            }
            calls_in(body, f);
        }
        ExprKind::Count { coll, filter, .. } => {
            calls_in(coll, f);
            if let Some(x) = filter {
                calls_in(x, f);
            }
        }
        ExprKind::Block(lets, body) => {
            for (_, v) in lets {
                calls_in(v, f);
            }
            calls_in(body, f);
        }
        _ => {}
    }
}
