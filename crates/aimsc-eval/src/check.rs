//! Name resolution and type checking: parsed files to a [`Model`].

use crate::dates::{self, Duration};
use crate::model::*;
use aimsc_diagnostics::{Diagnostic, Location, Span, did_you_mean};
use aimsc_syntax::ast::{
    self, CheckKind, CmpOp, DurationUnit, Expr, ExprKind, Item, TypeExpr, TypeKind,
};
use indexmap::IndexMap;
use jiff::civil::Date;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// One parsed rule file as the checker sees it.
pub struct Input<'a> {
    /// Path as displayed.
    pub path: &'a Arc<str>,
    /// Source text (for expression snippets).
    pub text: &'a str,
    /// Parsed items.
    pub file: &'a ast::SourceFile,
}

use crate::model::BUILTIN_TYPES;
const RELATIONS: &[&str] = &["equal", "subset", "superset", "intersect", "related"];
const PROVENANCES: &[&str] = &["published", "structural", "analyst"];

/// Resolves and checks every item of a ruleset. `as_of` is used only to warn about waivers
/// that have already expired. All problems are reported; intact items still make the model.
pub fn build_model(inputs: &[Input<'_>], as_of: Date) -> (Model, Vec<Diagnostic>) {
    let mut b = ModelBuilder {
        model: Model::default(),
        diags: Vec::new(),
        seen: HashMap::new(),
        sigs: IndexMap::new(),
        entry_ids: HashSet::new(),
    };
    b.declare(inputs);
    b.resolve_types(inputs);
    b.check_defs(inputs);
    b.check_checks(inputs);
    b.check_entries(inputs);
    b.check_scope(inputs, as_of);
    b.model
        .checks
        .sort_by(|a, _, b, _| crate::crosswalk::natural_cmp(a, b));
    b.model
        .entries
        .sort_by(|a, _, b, _| crate::crosswalk::natural_cmp(a, b));
    for rules in b.model.supporters.values_mut() {
        rules.sort_by(|a, b| crate::crosswalk::natural_cmp(a, b));
    }
    (b.model, b.diags)
}

struct ModelBuilder {
    model: Model,
    diags: Vec<Diagnostic>,
    /// First declaration of each (namespace, name), for duplicate reports.
    seen: HashMap<(&'static str, String), Location>,
    /// Checked def signatures by name.
    sigs: IndexMap<Arc<str>, DefSig>,
    /// Ids declared by `entry` (they share the id namespace with checks).
    entry_ids: HashSet<String>,
}

/// What a call site needs to know about a def.
#[derive(Debug, Clone)]
struct DefSig {
    index: usize,
    params: Vec<Ty>,
    ret: Ty,
}

fn loc(path: &Arc<str>, span: Span) -> Location {
    Location::new(path, span)
}

impl ModelBuilder {
    fn first(&mut self, ns: &'static str, name: &str, at: Location, what: &str) -> bool {
        if let Some(prev) = self.seen.get(&(ns, name.to_string())) {
            self.diags.push(
                Diagnostic::error(
                    "aimsc::resolve::duplicate",
                    format!("{what} `{name}` is declared twice"),
                    Some(at),
                )
                .with_label("second declaration")
                .with_related(prev.clone(), "first declared here")
                .with_help("ids and names must be unique across all rule files"),
            );
            return false;
        }
        self.seen.insert((ns, name.to_string()), at);
        true
    }

    fn declare(&mut self, inputs: &[Input<'_>]) {
        for input in inputs {
            for item in &input.file.items {
                match item {
                    Item::Framework(f) => {
                        let at = loc(input.path, f.name.span);
                        if self.first("framework", &f.name.name, at, "framework") {
                            let name: Arc<str> = Arc::from(f.name.name.as_str());
                            let title = f.title.as_ref().map(|t| Arc::from(t.value.as_str()));
                            let policy = |p: &Option<ast::ScopePolicy>| {
                                p.as_ref().map(|p| {
                                    p.patterns
                                        .iter()
                                        .map(|s| Arc::from(s.value.as_str()))
                                        .collect()
                                })
                            };
                            let framework = Framework {
                                name: name.clone(),
                                title,
                                excludable: policy(&f.excludable),
                                waivable: policy(&f.waivable),
                            };
                            self.model.frameworks.insert(name, framework);
                        }
                    }
                    Item::Enum(e) => {
                        let at = loc(input.path, e.name.span);
                        if self.type_name_ok(&e.name, input.path)
                            && self.first("type", &e.name.name, at.clone(), "type")
                        {
                            let mut members: Vec<Arc<str>> = Vec::new();
                            for m in &e.members {
                                if members.iter().any(|x| **x == *m.name) {
                                    self.diags.push(
                                        Diagnostic::error(
                                            "aimsc::resolve::duplicate",
                                            format!("enum member `{}` is listed twice", m.name),
                                            Some(loc(input.path, m.span)),
                                        )
                                        .with_label("again here"),
                                    );
                                } else {
                                    members.push(Arc::from(m.name.as_str()));
                                }
                            }
                            let name: Arc<str> = Arc::from(e.name.name.as_str());
                            self.model.enums.insert(
                                name.clone(),
                                EnumType {
                                    name,
                                    members,
                                    location: at,
                                },
                            );
                        }
                    }
                    Item::Record(r) => {
                        let at = loc(input.path, r.name.span);
                        if self.type_name_ok(&r.name, input.path)
                            && self.first("type", &r.name.name, at.clone(), "type")
                        {
                            let name: Arc<str> = Arc::from(r.name.name.as_str());
                            self.model.records.insert(
                                name.clone(),
                                RecordType {
                                    name,
                                    fields: IndexMap::new(),
                                    location: at,
                                },
                            );
                        }
                    }
                    Item::Check(c) => {
                        let at = loc(input.path, c.id.span);
                        self.first(
                            "check",
                            &c.id.text,
                            at,
                            if c.kind == CheckKind::Control {
                                "control"
                            } else {
                                "rule"
                            },
                        );
                    }
                    Item::Def(d) => {
                        let at = loc(input.path, d.name.span);
                        self.first("def", &d.name.name, at, "def");
                    }
                    Item::Param(p) => {
                        let at = loc(input.path, p.name.span);
                        self.first("def", &p.name.name, at, "param");
                    }
                    Item::Entry(e) => {
                        let at = loc(input.path, e.id.span);
                        if self.first("check", &e.id.text, at, "entry") {
                            self.entry_ids.insert(e.id.text.clone());
                        }
                    }
                    Item::Facts(_)
                    | Item::Map(_)
                    | Item::Exclude(_)
                    | Item::Waive(_)
                    | Item::Set(_)
                    | Item::Assign(_) => {}
                }
            }
        }
    }

    fn type_name_ok(&mut self, name: &ast::Ident, path: &Arc<str>) -> bool {
        if BUILTIN_TYPES.contains(&name.name.as_str()) {
            self.diags.push(
                Diagnostic::error(
                    "aimsc::resolve::duplicate",
                    format!(
                        "`{}` is a built-in type and cannot be redeclared",
                        name.name
                    ),
                    Some(loc(path, name.span)),
                )
                .with_help("choose another name"),
            );
            return false;
        }
        true
    }

    fn resolve_type(&mut self, t: &TypeExpr, path: &Arc<str>) -> Ty {
        match &t.kind {
            TypeKind::List(inner) => Ty::List(Box::new(self.resolve_type(inner, path))),
            TypeKind::Ref(name) => {
                // Whether the target has an `id` is checked once all fields are resolved.
                if let Some((k, _)) = self.model.records.get_key_value(name.name.as_str()) {
                    Ty::Ref(k.clone())
                } else {
                    self.unknown_type(name, path, true);
                    Ty::Error
                }
            }
            TypeKind::Named(name) => match Ty::builtin(&name.name) {
                Some(t) => t,
                None => {
                    let n = name.name.as_str();
                    if let Some((k, _)) = self.model.enums.get_key_value(n) {
                        Ty::Enum(k.clone())
                    } else if let Some((k, _)) = self.model.records.get_key_value(n) {
                        Ty::Record(k.clone())
                    } else {
                        self.unknown_type(name, path, false);
                        Ty::Error
                    }
                }
            },
        }
    }

    fn unknown_type(&mut self, name: &ast::Ident, path: &Arc<str>, record_only: bool) {
        let mut cands: Vec<&str> = self.model.records.keys().map(|k| &**k).collect();
        if !record_only {
            cands.extend(self.model.enums.keys().map(|k| &**k));
            cands.extend(BUILTIN_TYPES);
        }
        let mut d = Diagnostic::error(
            "aimsc::resolve::unknown_type",
            format!(
                "unknown {} `{}`",
                if record_only { "record type" } else { "type" },
                name.name
            ),
            Some(loc(path, name.span)),
        )
        .with_label("not declared in any rule file");
        if let Some(s) = did_you_mean(&name.name, cands) {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        self.diags.push(d);
    }

    fn resolve_types(&mut self, inputs: &[Input<'_>]) {
        for input in inputs {
            for item in &input.file.items {
                match item {
                    Item::Record(r) => {
                        let Some(key) = self
                            .model
                            .records
                            .get_key_value(r.name.name.as_str())
                            .map(|(k, _)| k.clone())
                        else {
                            continue;
                        };
                        if self.model.records.get(&key).is_some_and(|rt| {
                            rt.location.span != r.name.span || rt.location.file != *input.path
                        }) {
                            continue;
                        }
                        let mut fields = IndexMap::new();
                        for f in &r.fields {
                            self.field(
                                &mut fields,
                                f,
                                input.path,
                                &format!("field of `{}`", r.name.name),
                            );
                        }
                        if let Some(rt) = self.model.records.get_mut(&key) {
                            rt.fields = fields;
                        }
                    }
                    Item::Facts(fd) => {
                        let mut root = std::mem::take(&mut self.model.root);
                        for f in &fd.fields {
                            self.field(&mut root, f, input.path, "root fact");
                        }
                        self.model.root = root;
                    }
                    _ => {}
                }
            }
        }
        // A `ref R` needs records of R to carry an `id: string`.
        let mut refs: Vec<(Arc<str>, Location)> = Vec::new();
        let mut collect = |ty: &Ty, at: &Location| {
            let mut t = ty;
            while let Ty::List(inner) = t {
                t = inner;
            }
            if let Ty::Ref(r) = t {
                refs.push((r.clone(), at.clone()));
            }
        };
        for rt in self.model.records.values() {
            for f in rt.fields.values() {
                collect(&f.ty, &f.location);
            }
        }
        for f in self.model.root.values() {
            collect(&f.ty, &f.location);
        }
        for (r, at) in refs {
            if !self.model.records.get(&r).is_some_and(RecordType::has_id) {
                self.diags.push(
                    Diagnostic::error(
                        "aimsc::type::ref_without_id",
                        format!("`ref {r}` needs records of `{r}` to have a field `id: string`"),
                        Some(at),
                    )
                    .with_help(format!("add `id: string` to `record {r}`")),
                );
            }
        }
    }

    fn field(
        &mut self,
        into: &mut IndexMap<Arc<str>, Field>,
        f: &ast::FieldDecl,
        path: &Arc<str>,
        what: &str,
    ) {
        let at = loc(path, f.name.span);
        if let Some(prev) = into.get(f.name.name.as_str()) {
            self.diags.push(
                Diagnostic::error(
                    "aimsc::resolve::duplicate",
                    format!("{what} `{}` is declared twice", f.name.name),
                    Some(at),
                )
                .with_label("second declaration")
                .with_related(prev.location.clone(), "first declared here"),
            );
            return;
        }
        let ty = self.resolve_type(&f.ty, path);
        if let Some(span) = f.past
            && !matches!(ty, Ty::Date | Ty::Error)
        {
            self.diags.push(
                Diagnostic::error(
                    "aimsc::type::past_not_date",
                    format!("`past` marks a date, and `{}` is not one", f.name.name),
                    Some(loc(path, span)),
                )
                .with_label("only a `date` field can be `past`")
                .with_help("remove `past`, or declare the field `date`"),
            );
        }
        let name: Arc<str> = Arc::from(f.name.name.as_str());
        into.insert(
            name.clone(),
            Field {
                name,
                optional: f.ty.optional,
                past: f.past.is_some() && ty == Ty::Date,
                ty,
                location: at,
            },
        );
    }

    fn check_defs(&mut self, inputs: &[Input<'_>]) {
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
                                        "aimsc::resolve::def_cycle",
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
                        "aimsc::limit::def_depth",
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
                let mut cx = Cx::new(&self.model, &self.sigs, &mut self.diags, path, text);
                for (n, t) in &params {
                    cx.bind(n.clone(), t.clone());
                }
                let body = cx.expr(&d.body, None);
                (body, cx.max_slots)
            };
            let broken = if too_deep {
                Some(Broken {
                    code: "aimsc::limit::def_depth",
                    message: Arc::from(format!(
                        "def `{}` calls defs more than {MAX_DEF_DEPTH} deep",
                        d.name.name
                    )),
                    location: Some(loc(path, d.name.span)),
                })
            } else if in_cycle[i] {
                Some(Broken {
                    code: "aimsc::resolve::def_cycle",
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
    fn check_params(
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
                        "aimsc::resolve::unknown_param",
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
                    self.diags.push(
                        Diagnostic::error(
                            "aimsc::scope::duplicate",
                            format!("param `{n}` is set twice"),
                            Some(at),
                        )
                        .with_label("second value")
                        .with_related(prev, "first set here"),
                    );
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
                                    "aimsc::scope::param_out_of_bounds",
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
                                        "aimsc::scope::param_weakened",
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
                            .filter(|d| d.code != "aimsc::scope::param_out_of_bounds")
                            .cloned()
                            .collect::<Vec<_>>(),
                    ),
                });
            }
        }
        out
    }

    fn param_value(
        &mut self,
        e: &Expr,
        ty: &Ty,
        path: &Arc<str>,
        text: &str,
        sigs: &IndexMap<Arc<str>, DefSig>,
    ) -> (CExpr, usize) {
        let mut cx = Cx::new(&self.model, sigs, &mut self.diags, path, text);
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

fn error_expr() -> CExpr {
    CExpr {
        kind: CKind::Lit(Lit::Bool(false)),
        ty: Ty::Error,
        text: Arc::from(""),
    }
}

/// Source text without its `//` comments (an expression's span can take in the comments
/// between its last token and the next item), strings kept whole.
fn without_comments(s: &str) -> std::borrow::Cow<'_, str> {
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

/// Whether an owner or a justification says something: a letter or a digit, once spaces,
/// invisible characters (zero-width, no-break space) and punctuation alone are set aside.
pub fn says_something(s: &str) -> bool {
    s.chars().any(char::is_alphanumeric)
}

/// The error for an `exclude` or `waive` of a control its framework (or the control) does not
/// let an organisation exclude or waive, with what is allowed.
fn not_allowed(what: &str, id: &ast::QualId, path: &Arc<str>, why: &NotAllowed) -> Diagnostic {
    let (code, verb) = match what {
        "exclude" => ("aimsc::scope::not_excludable", "excluded"),
        _ => ("aimsc::scope::not_waivable", "waived"),
    };
    let fw = &id.namespace;
    let help = match why {
        NotAllowed::Mandatory => format!(
            "`{}` is declared `mandatory`: it applies whenever its `applies when` holds; if it does not apply, the facts should show it",
            id.text
        ),
        NotAllowed::FrameworkNone => format!(
            "framework `{fw}` lets nothing be {verb}: its controls apply by the facts (a legal obligation binds whoever its conditions describe); correct the facts its `applies when` reads instead"
        ),
        NotAllowed::FrameworkOnly(p) => format!(
            "framework `{fw}` lets only controls matching {} be {verb}",
            p.iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Diagnostic::error(
        code,
        format!("`{}` cannot be {verb}", id.text),
        Some(loc(path, id.span)),
    )
    .with_label(if what == "exclude" {
        "not excludable"
    } else {
        "not waivable"
    })
    .with_help(help)
}

/// Warnings for waivers that run more than `max_months` past `as_of`: a waiver accepts a risk
/// for a time (`max-waiver-months` in aims.toml's `[limits]`, default 12).
pub fn long_waivers(model: &Model, as_of: Date, max_months: u64) -> Vec<Diagnostic> {
    let months = i64::try_from(max_months).unwrap_or(i64::MAX);
    let Some(bound) = dates::add(as_of, Duration { months, days: 0 }) else {
        return Vec::new();
    };
    model
        .waivers
        .values()
        .filter(|w| w.until > bound)
        .map(|w| {
            Diagnostic::warning(
                "aimsc::scope::long_waiver",
                format!(
                    "the waiver of `{}` runs until {}, more than {max_months} months past {as_of}",
                    w.target, w.until
                ),
                Some(w.location.clone()),
            )
            .with_label(format!("longer than {max_months} months"))
            .with_help(format!(
                "end it by {bound} and renew it if the risk is still accepted, or raise `max-waiver-months` in aims.toml's [limits]"
            ))
        })
        .collect()
}

/// Orders two constant values of a param (literals of one type); `None` when either is not a
/// constant or they do not compare.
fn const_cmp(a: &CExpr, b: &CExpr) -> Option<std::cmp::Ordering> {
    match (&a.kind, &b.kind) {
        (CKind::Lit(Lit::Int(x)), CKind::Lit(Lit::Int(y))) => Some(x.cmp(y)),
        (CKind::Lit(Lit::Decimal(x)), CKind::Lit(Lit::Decimal(y))) => x.partial_cmp(y),
        (CKind::Lit(Lit::Int(x)), CKind::Lit(Lit::Decimal(y))) => (*x as f64).partial_cmp(y),
        (CKind::Lit(Lit::Decimal(x)), CKind::Lit(Lit::Int(y))) => x.partial_cmp(&(*y as f64)),
        (CKind::Lit(Lit::Date(x)), CKind::Lit(Lit::Date(y))) => Some(x.cmp(y)),
        (CKind::Lit(Lit::Duration(x)), CKind::Lit(Lit::Duration(y))) => {
            Some(x.approx_days().cmp(&y.approx_days()))
        }
        _ => None,
    }
}

/// How deep a chain of def calls may go: evaluation recurses once per call.
pub const MAX_DEF_DEPTH: usize = 64;

/// The first error among diagnostics, as the reason a rule cannot be evaluated.
fn first_error(diags: &[Diagnostic]) -> Option<Broken> {
    diags.iter().find(|d| d.is_error()).map(|d| Broken {
        code: d.code,
        message: Arc::from(d.message.as_str()),
        location: d.location.clone(),
    })
}

/// Why a def that `e` calls, directly or through other defs, cannot be evaluated.
fn calls_broken<'d>(e: &CExpr, def: &dyn Fn(usize) -> Option<&'d Def>) -> Option<Broken> {
    let mut found = None;
    e.visit(&mut |x| {
        if found.is_none()
            && let CKind::Call(i, _) = &x.kind
            && let Some(d) = def(*i)
        {
            found = d.broken.clone();
        }
    });
    found
}

/// Calls every name that may refer to a def (calls and bare names).
fn calls_in(e: &Expr, f: &mut dyn FnMut(&str)) {
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

impl ModelBuilder {
    fn check_checks(&mut self, inputs: &[Input<'_>]) {
        for input in inputs {
            for item in &input.file.items {
                let Item::Check(c) = item else { continue };
                let at = loc(input.path, c.id.span);
                if self.seen.get(&("check", c.id.text.clone())) != Some(&at) {
                    continue;
                }
                if c.kind == CheckKind::Control {
                    self.framework_declared(&c.id, input.path, "control");
                }
                let mut cx = Cx::new(
                    &self.model,
                    &self.sigs,
                    &mut self.diags,
                    input.path,
                    input.text,
                );
                let before = cx.diags.len();
                let applies = c.applies.as_ref().map(|e| {
                    let x = cx.condition(e, "`applies when`");
                    (x, cx.take_slots())
                });
                let defs = &self.model.defs;
                let applies_broken = first_error(&cx.diags[before..]).or_else(|| {
                    applies
                        .as_ref()
                        .and_then(|(e, _)| calls_broken(e, &|j| defs.get(j)))
                });
                let mut requires = Vec::new();
                for r in &c.requires {
                    let before = cx.diags.len();
                    let expr = cx.condition(&r.body, "a requirement");
                    let broken = first_error(&cx.diags[before..])
                        .or_else(|| calls_broken(&expr, &|j| defs.get(j)));
                    let slots = cx.take_slots();
                    if broken.is_none()
                        && crate::reads::expr_reads(cx.model, &expr, slots).is_empty()
                    {
                        cx.diags.push(
                            Diagnostic::warning(
                                "aimsc::check::reads_no_fact",
                                format!(
                                    "requirement \"{}\" reads no fact: no facts can make it fail",
                                    r.name.value
                                ),
                                Some(loc(input.path, r.name.span)),
                            )
                            .with_label("constant whatever the facts say")
                            .with_help("a requirement states what the facts must show, e.g. `organisation.x is set`"),
                        );
                    }
                    requires.push(Requirement {
                        name: Arc::from(r.name.value.as_str()),
                        expr,
                        slots,
                        location: loc(input.path, r.span),
                        broken,
                    });
                }
                if requires.is_empty() {
                    self.diags.push(
                        Diagnostic::error(
                            "aimsc::check::no_requirement",
                            format!(
                                "`{}` has no `require` block, so it could never fail",
                                c.id.text
                            ),
                            Some(at.clone()),
                        )
                        .with_help("add `require \"what must hold\" { condition }`"),
                    );
                }
                let mut supports = Vec::new();
                for s in &c.supports {
                    if self.known_check(s, input.path, "supports") {
                        supports.push(Arc::from(s.text.as_str()));
                    }
                }
                let id: Arc<str> = Arc::from(c.id.text.as_str());
                self.model.checks.insert(
                    id.clone(),
                    Check {
                        kind: c.kind,
                        id,
                        framework: Arc::from(c.id.namespace.as_str()),
                        title: Arc::from(c.title.value.as_str()),
                        domain: c.domain.as_ref().map(|d| Arc::from(d.value.as_str())),
                        intent: c.intent.as_ref().map(|d| Arc::from(d.value.as_str())),
                        applies,
                        applies_broken,
                        requires,
                        supports,
                        excludable: c.excludable,
                        location: at,
                    },
                );
            }
        }
        // Each control's supporting rules, once, rather than a scan of every check per control.
        let mut supporters: IndexMap<Arc<str>, Vec<Arc<str>>> = IndexMap::new();
        for c in self
            .model
            .checks
            .values()
            .filter(|c| c.kind == CheckKind::Rule)
        {
            for t in &c.supports {
                supporters.entry(t.clone()).or_default().push(c.id.clone());
            }
        }
        self.model.supporters = supporters;
        // `supports` must name controls, not rules; checked once every check is known.
        let rules: Vec<(Arc<str>, Location)> = self
            .model
            .checks
            .values()
            .filter(|c| c.kind == CheckKind::Rule)
            .map(|c| (c.id.clone(), c.location.clone()))
            .collect();
        for (id, at) in rules {
            let targets = self
                .model
                .checks
                .get(&id)
                .map(|c| c.supports.clone())
                .unwrap_or_default();
            for t in targets {
                if self
                    .model
                    .checks
                    .get(&t)
                    .is_some_and(|c| c.kind == CheckKind::Rule)
                {
                    self.diags.push(
                        Diagnostic::error(
                            "aimsc::resolve::supports_rule",
                            format!("rule `{id}` supports `{t}`, which is a rule, not a control"),
                            Some(at.clone()),
                        )
                        .with_help("`supports` names a control"),
                    );
                }
            }
        }
    }

    /// Reports an id whose namespace is not a declared framework.
    fn framework_declared(&mut self, id: &ast::QualId, path: &Arc<str>, what: &str) {
        if self.model.frameworks.contains_key(id.namespace.as_str()) {
            return;
        }
        let mut d = Diagnostic::error(
            "aimsc::resolve::unknown_framework",
            format!(
                "{what} `{}` names framework `{}`, which is not declared",
                id.text, id.namespace
            ),
            Some(Location::new(
                path,
                Span::new(id.span.start(), id.span.start() + id.namespace.len()),
            )),
        )
        .with_label("unknown framework");
        d = match did_you_mean(&id.namespace, self.model.frameworks.keys().map(|k| &**k)) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(format!("declare it: framework {} \"Title\"", id.namespace)),
        };
        self.diags.push(d);
    }

    /// Catalog entries, once every framework is declared.
    fn check_entries(&mut self, inputs: &[Input<'_>]) {
        for input in inputs {
            for item in &input.file.items {
                let Item::Entry(e) = item else { continue };
                let at = loc(input.path, e.id.span);
                if self.seen.get(&("check", e.id.text.clone())) != Some(&at) {
                    continue;
                }
                self.framework_declared(&e.id, input.path, "entry");
                let id: Arc<str> = Arc::from(e.id.text.as_str());
                self.model.entries.insert(
                    id.clone(),
                    Entry {
                        id,
                        framework: Arc::from(e.id.namespace.as_str()),
                        title: Arc::from(e.title.value.as_str()),
                        domain: e.domain.as_ref().map(|d| Arc::from(d.value.as_str())),
                        location: at,
                    },
                );
            }
        }
    }

    /// Like [`Self::known_item`], but catalog entries are refused: they have no outcome.
    fn known_check(&mut self, id: &ast::QualId, path: &Arc<str>, what: &str) -> bool {
        if self.entry_ids.contains(&id.text) {
            self.diags.push(
                Diagnostic::error(
                    "aimsc::resolve::entry_not_check",
                    format!("`{what}` names `{}`, a catalog entry", id.text),
                    Some(loc(path, id.span)),
                )
                .with_label("entries have no requirements, so no outcome")
                .with_help(format!(
                    "`{what}` names a control or rule; entries can only be mapped"
                )),
            );
            return false;
        }
        self.known_item(id, path, what)
    }

    /// Whether `id` names a control, rule or catalog entry; reports it if not.
    fn known_item(&mut self, id: &ast::QualId, path: &Arc<str>, what: &str) -> bool {
        if self.seen.contains_key(&("check", id.text.clone())) {
            return true;
        }
        let cands: Vec<&str> = self
            .seen
            .keys()
            .filter(|(ns, _)| *ns == "check")
            .map(|(_, n)| n.as_str())
            .collect();
        let mut d = Diagnostic::error(
            "aimsc::resolve::unknown_id",
            format!(
                "`{what}` names `{}`, which is not a control{}",
                id.text,
                if what == "map" {
                    ", rule or entry"
                } else {
                    " or rule"
                }
            ),
            Some(loc(path, id.span)),
        )
        .with_label("unknown id");
        if let Some(s) = did_you_mean(&id.text, cands) {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        self.diags.push(d);
        false
    }

    fn check_scope(&mut self, inputs: &[Input<'_>], as_of: Date) {
        for input in inputs {
            let path = input.path;
            for item in &input.file.items {
                match item {
                    Item::Map(m) => {
                        let ok_s = self.known_item(&m.source, path, "map");
                        let ok_t = self.known_item(&m.target, path, "map");
                        let relation = match m.relation.name.as_str() {
                            "equal" => Some(Relation::Equal),
                            "subset" => Some(Relation::Subset),
                            "superset" => Some(Relation::Superset),
                            "intersect" => Some(Relation::Intersect),
                            "related" => Some(Relation::Related),
                            other => {
                                let mut d = Diagnostic::error(
                                    "aimsc::scope::bad_relation",
                                    format!("`{other}` is not a relation kind"),
                                    Some(loc(path, m.relation.span)),
                                )
                                .with_label(
                                    "expected equal, subset, superset, intersect or related",
                                );
                                if let Some(s) = did_you_mean(other, RELATIONS.iter().copied()) {
                                    d = d.with_help(format!("did you mean `{s}`?"));
                                }
                                self.diags.push(d);
                                None
                            }
                        };
                        // `published` says a standards body drew the line; only the crosswalks
                        // shipped with aimsc (transcribed from a publication) may say so, or an
                        // organisation could raise its own coverage with a claim of authority.
                        if let Some(p) = &m.provenance
                            && p.name == "published"
                            && !path.starts_with("@aimsc/")
                        {
                            self.diags.push(
                                Diagnostic::error(
                                    "aimsc::scope::reserved_provenance",
                                    "provenance `published` is reserved for the crosswalks shipped with aimsc",
                                    Some(loc(path, p.span)),
                                )
                                .with_label("an organisation's own map")
                                .with_help("mark your own mappings `provenance analyst` (your judgement) or `structural`"),
                            );
                            continue;
                        }
                        if let Some(p) = &m.provenance
                            && !PROVENANCES.contains(&p.name.as_str())
                        {
                            self.diags.push(
                                Diagnostic::error(
                                    "aimsc::scope::bad_provenance",
                                    format!("`{}` is not a provenance", p.name),
                                    Some(loc(path, p.span)),
                                )
                                .with_label("expected published, structural or analyst"),
                            );
                        }
                        if let (true, true, Some(relation)) = (ok_s, ok_t, relation) {
                            self.model.mappings.push(Mapping {
                                source: Arc::from(m.source.text.as_str()),
                                target: Arc::from(m.target.text.as_str()),
                                relation,
                                provenance: m
                                    .provenance
                                    .as_ref()
                                    .map(|p| Arc::from(p.name.as_str())),
                                note: m.note.as_ref().map(|n| Arc::from(n.value.as_str())),
                                location: loc(path, m.span),
                            });
                        }
                    }
                    Item::Exclude(x) => {
                        let ok = self.known_check(&x.target, path, "exclude");
                        let Some(j) =
                            self.justification(x.justification.as_ref(), path, x.span, "exclude")
                        else {
                            continue;
                        };
                        if !ok {
                            continue;
                        }
                        if let Err(why) = self.model.may_exclude(&x.target.text) {
                            self.diags
                                .push(not_allowed("exclude", &x.target, path, &why));
                            continue;
                        }
                        let target: Arc<str> = Arc::from(x.target.text.as_str());
                        if let Some(prev) = self.model.exclusions.get(&target) {
                            let prev = prev.location.clone();
                            self.diags.push(
                                Diagnostic::error(
                                    "aimsc::scope::duplicate",
                                    format!("`{target}` is excluded twice"),
                                    Some(loc(path, x.span)),
                                )
                                .with_related(prev, "first exclusion"),
                            );
                            continue;
                        }
                        self.model.exclusions.insert(
                            target.clone(),
                            Exclusion {
                                target,
                                justification: j,
                                location: loc(path, x.span),
                            },
                        );
                    }
                    Item::Waive(w) => {
                        let ok = self.known_check(&w.target, path, "waive");
                        let j = self.justification(w.justification.as_ref(), path, w.span, "waive");
                        let owner = match &w.owner {
                            Some(o) if says_something(&o.value) => {
                                Some(Arc::from(o.value.as_str()))
                            }
                            _ => {
                                self.diags.push(
                                    Diagnostic::error(
                                        "aimsc::scope::missing_owner",
                                        format!("the waiver of `{}` names no owner", w.target.text),
                                        Some(loc(path, w.span)),
                                    )
                                    .with_label("who is accountable?")
                                    .with_help("write `owner \"role or person\"` after the date"),
                                );
                                None
                            }
                        };
                        let until = match &w.until {
                            Some((text, span)) => match dates::parse_date(text) {
                                Some(d) => Some(d),
                                None => {
                                    self.diags.push(
                                        Diagnostic::error(
                                            "aimsc::type::bad_date",
                                            format!("`{text}` is not a valid date"),
                                            Some(loc(path, *span)),
                                        )
                                        .with_label("no such day"),
                                    );
                                    None
                                }
                            },
                            None => {
                                self.diags.push(
                                    Diagnostic::error(
                                        "aimsc::scope::missing_until",
                                        format!(
                                            "the waiver of `{}` has no end date",
                                            w.target.text
                                        ),
                                        Some(loc(path, w.span)),
                                    )
                                    .with_label("waivers must expire")
                                    .with_help("write `until YYYY-MM-DD` after the control id"),
                                );
                                None
                            }
                        };
                        let (true, Some(j), Some(owner), Some(until)) = (ok, j, owner, until)
                        else {
                            continue;
                        };
                        if let Err(why) = self.model.may_waive(&w.target.text) {
                            self.diags.push(not_allowed("waive", &w.target, path, &why));
                            continue;
                        }
                        if until < as_of {
                            self.diags.push(
                                Diagnostic::warning(
                                    "aimsc::scope::waiver_expired",
                                    format!("the waiver of `{}` expired on {until}", w.target.text),
                                    Some(loc(path, w.until.as_ref().map_or(w.span, |(_, s)| *s))),
                                )
                                .with_label(format!("before the as-of date {as_of}"))
                                .with_help("the control is evaluated as if not waived; renew or remove the waiver"),
                            );
                        }
                        let target: Arc<str> = Arc::from(w.target.text.as_str());
                        self.model.waivers.insert(
                            target.clone(),
                            Waiver {
                                target,
                                until,
                                owner,
                                justification: j,
                                location: loc(path, w.span),
                            },
                        );
                    }
                    Item::Assign(a) => {
                        if !self.known_check(&a.target, path, "assign") {
                            continue;
                        }
                        if !says_something(&a.owner.value) {
                            self.diags.push(
                                Diagnostic::error(
                                    "aimsc::scope::missing_owner",
                                    format!("`assign {}` names no owner", a.target.text),
                                    Some(loc(path, a.owner.span)),
                                )
                                .with_label("empty owner")
                                .with_help("name a role or person, e.g. \"Head of AI governance\""),
                            );
                            continue;
                        }
                        let target: Arc<str> = Arc::from(a.target.text.as_str());
                        if let Some(prev) = self.model.owners.get(&target) {
                            let prev = prev.location.clone();
                            self.diags.push(
                                Diagnostic::error(
                                    "aimsc::scope::duplicate",
                                    format!("`{target}` is assigned twice"),
                                    Some(loc(path, a.span)),
                                )
                                .with_related(prev, "first assignment"),
                            );
                            continue;
                        }
                        self.model.owners.insert(
                            target.clone(),
                            Owner {
                                target,
                                owner: Arc::from(a.owner.value.as_str()),
                                location: loc(path, a.span),
                            },
                        );
                    }
                    _ => {}
                }
            }
        }
    }

    fn justification(
        &mut self,
        j: Option<&ast::StrLit>,
        path: &Arc<str>,
        span: Span,
        what: &str,
    ) -> Option<Arc<str>> {
        match j {
            Some(s) if says_something(&s.value) => Some(Arc::from(s.value.as_str())),
            _ => {
                self.diags.push(
                    Diagnostic::error("aimsc::scope::missing_justification", format!("`{what}` needs a justification"), Some(loc(path, span)))
                        .with_label("no justification given")
                        .with_help(format!("end the `{what}` line with a quoted reason, e.g. \"We supply no AI system to customers.\"")),
                );
                None
            }
        }
    }
}

/// Expression checker: scopes, slots and the diagnostics sink.
struct Cx<'a> {
    model: &'a Model,
    sigs: &'a IndexMap<Arc<str>, DefSig>,
    diags: &'a mut Vec<Diagnostic>,
    path: &'a Arc<str>,
    text: &'a str,
    scopes: Vec<(Arc<str>, usize, Ty)>,
    next_slot: usize,
    max_slots: usize,
}

fn compatible(a: &Ty, b: &Ty) -> bool {
    match (a, b) {
        (Ty::Error, _) | (_, Ty::Error) => true,
        (Ty::Int | Ty::Decimal, Ty::Int | Ty::Decimal) => true,
        (Ty::Ref(_), Ty::Str) | (Ty::Str, Ty::Ref(_)) => true,
        (Ty::Ref(x) | Ty::Record(x), Ty::Ref(y) | Ty::Record(y)) => x == y,
        (Ty::List(x), Ty::List(y)) => compatible(x, y),
        _ => a == b,
    }
}

impl<'a> Cx<'a> {
    fn new(
        model: &'a Model,
        sigs: &'a IndexMap<Arc<str>, DefSig>,
        diags: &'a mut Vec<Diagnostic>,
        path: &'a Arc<str>,
        text: &'a str,
    ) -> Self {
        Cx {
            model,
            sigs,
            diags,
            path,
            text,
            scopes: Vec::new(),
            next_slot: 0,
            max_slots: 0,
        }
    }

    fn take_slots(&mut self) -> usize {
        let n = self.max_slots;
        self.max_slots = 0;
        self.next_slot = 0;
        self.scopes.clear();
        n
    }

    fn bind(&mut self, name: Arc<str>, ty: Ty) -> usize {
        let slot = self.next_slot;
        self.next_slot += 1;
        self.max_slots = self.max_slots.max(self.next_slot);
        self.scopes.push((name, slot, ty));
        slot
    }

    fn unbind(&mut self) {
        self.scopes.pop();
        self.next_slot -= 1;
    }

    fn at(&self, span: Span) -> Option<Location> {
        Some(Location::new(self.path, span))
    }

    fn snippet(&self, span: Span) -> Arc<str> {
        let s = self.text.get(span.start()..span.end()).unwrap_or("");
        let s = without_comments(s);
        Arc::from(s.split_whitespace().collect::<Vec<_>>().join(" "))
    }

    fn mismatch(&mut self, span: Span, message: String, label: String) {
        self.diags.push(
            Diagnostic::error("aimsc::type::mismatch", message, self.at(span)).with_label(label),
        );
    }

    fn condition(&mut self, e: &Expr, what: &str) -> CExpr {
        let c = self.expr(e, Some(&Ty::Bool));
        if !compatible(&c.ty, &Ty::Bool) {
            self.diags.push(
                Diagnostic::error(
                    "aimsc::type::not_a_condition",
                    format!("{what} must be a condition (bool), but this is `{}`", c.ty),
                    self.at(e.span),
                )
                .with_label(format!("this is `{}`", c.ty))
                .with_help("compare it, e.g. `x > 0`, or test it with `is set`"),
            );
        }
        c
    }

    fn local(&self, name: &str) -> Option<(usize, Ty)> {
        self.scopes
            .iter()
            .rev()
            .find(|(n, _, _)| **n == *name)
            .map(|(_, s, t)| (*s, t.clone()))
    }

    /// Whether a bare name would resolve without context (so it is not an enum member).
    fn resolves_plain(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Name(n) => {
                self.local(n).is_some()
                    || self.model.root.contains_key(n.as_str())
                    || self.sigs.contains_key(n.as_str())
            }
            _ => true,
        }
    }

    fn mk(&self, kind: CKind, ty: Ty, span: Span) -> CExpr {
        CExpr {
            kind,
            ty,
            text: self.snippet(span),
        }
    }

    fn expr(&mut self, e: &Expr, expected: Option<&Ty>) -> CExpr {
        let span = e.span;
        match &e.kind {
            ExprKind::Bool(b) => self.mk(CKind::Lit(Lit::Bool(*b)), Ty::Bool, span),
            ExprKind::Int(n) => self.mk(CKind::Lit(Lit::Int(*n)), Ty::Int, span),
            ExprKind::Decimal(s) => self.mk(
                CKind::Lit(Lit::Decimal(s.parse().unwrap_or(0.0))),
                Ty::Decimal,
                span,
            ),
            ExprKind::Str(s) => self.mk(CKind::Lit(Lit::Str(Arc::from(s.as_str()))), Ty::Str, span),
            ExprKind::Date(s) => match dates::parse_date(s) {
                Some(d) => self.mk(CKind::Lit(Lit::Date(d)), Ty::Date, span),
                None => {
                    self.diags.push(
                        Diagnostic::error(
                            "aimsc::type::bad_date",
                            format!("`{s}` is not a valid date"),
                            self.at(span),
                        )
                        .with_label("no such day"),
                    );
                    self.mk(CKind::Lit(Lit::Bool(false)), Ty::Error, span)
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
                self.mk(CKind::Lit(Lit::Duration(d)), Ty::Duration, span)
            }
            ExprKind::Today => self.mk(CKind::Today, Ty::Date, span),
            ExprKind::Name(n) => self.name(n, span, expected),
            ExprKind::Field(base, field) => self.field(base, field, span),
            ExprKind::Not(inner) => {
                let c = self.condition(inner, "the operand of `not`");
                self.mk(CKind::Not(Box::new(c)), Ty::Bool, span)
            }
            ExprKind::And(parts) | ExprKind::Or(parts) => {
                let what = if matches!(e.kind, ExprKind::And(_)) {
                    "an operand of `and`"
                } else {
                    "an operand of `or`"
                };
                let cs: Vec<CExpr> = parts.iter().map(|p| self.condition(p, what)).collect();
                let kind = if matches!(e.kind, ExprKind::And(_)) {
                    CKind::And(cs)
                } else {
                    CKind::Or(cs)
                };
                self.mk(kind, Ty::Bool, span)
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
                self.mk(
                    CKind::Compare(Box::new(ca), *op, Box::new(cb)),
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
                self.mk(
                    CKind::In(Box::new(ce), Box::new(cl), *negated),
                    Ty::Bool,
                    span,
                )
            }
            ExprKind::IsSet(inner, set) => {
                let c = self.expr(inner, None);
                self.mk(CKind::IsSet(Box::new(c), *set), Ty::Bool, span)
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
                self.mk(CKind::Text(Box::new(ca), *op, Box::new(cb)), Ty::Bool, span)
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
                self.mk(CKind::Arith(Box::new(ca), *plus, Box::new(cb)), ty, span)
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
                self.mk(
                    CKind::Quant {
                        kind: *kind,
                        slot,
                        coll: Box::new(cc),
                        filter: cf,
                        body: Box::new(cbody),
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
                self.mk(
                    CKind::Count {
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
                self.mk(CKind::List(cs), Ty::List(Box::new(elem_ty)), span)
            }
            ExprKind::Block(lets, body) => self.block(lets, body, expected, span),
        }
    }

    fn block(
        &mut self,
        lets: &[(ast::Ident, Expr)],
        body: &Expr,
        expected: Option<&Ty>,
        span: Span,
    ) -> CExpr {
        let Some(((name, value), rest)) = lets.split_first() else {
            return self.expr(body, expected);
        };
        let cv = self.expr(value, None);
        let name: Arc<str> = Arc::from(name.name.as_str());
        let slot = self.bind(name.clone(), cv.ty.clone());
        let inner = self.block(rest, body, expected, span);
        self.unbind();
        let ty = inner.ty.clone();
        self.mk(
            CKind::Let(slot, name, Box::new(cv), Box::new(inner)),
            ty,
            span,
        )
    }

    fn pair(&mut self, a: &Expr, b: &Expr) -> (CExpr, CExpr) {
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

    fn elem_type(&mut self, coll: &CExpr, span: Span) -> Ty {
        match &coll.ty {
            Ty::List(t) => (**t).clone(),
            Ty::Error => Ty::Error,
            other => {
                let other = other.clone();
                self.diags.push(
                    Diagnostic::error(
                        "aimsc::type::not_a_list",
                        format!("expected a list to range over, found `{other}`"),
                        self.at(span),
                    )
                    .with_label(format!("this is `{other}`")),
                );
                Ty::Error
            }
        }
    }

    fn name(&mut self, n: &str, span: Span, expected: Option<&Ty>) -> CExpr {
        if let Some((slot, ty)) = self.local(n) {
            return self.mk(CKind::Local(slot, Arc::from(n)), ty, span);
        }
        if let Some(sig) = self.sigs.get(n)
            && sig.params.is_empty()
        {
            let (idx, ret) = (sig.index, sig.ret.clone());
            return self.mk(CKind::Call(idx, Vec::new()), ret, span);
        }
        if let Some(f) = self.model.root.get(n) {
            return self.mk(CKind::Root(f.name.clone()), f.ty.clone(), span);
        }
        if let Some(Ty::Enum(en)) = expected.map(|t| if let Ty::List(i) = t { &**i } else { t })
            && let Some(et) = self.model.enums.get(en)
            && let Some(m) = et.members.iter().find(|m| ***m == *n)
        {
            return self.mk(
                CKind::Lit(Lit::Enum(et.name.clone(), m.clone())),
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
            return self.mk(CKind::Lit(Lit::Enum(en.clone(), m)), Ty::Enum(en), span);
        }
        if owners.len() > 1 {
            let names: Vec<String> = owners.iter().map(|e| format!("`{}.{n}`", e.name)).collect();
            self.diags.push(
                Diagnostic::error(
                    "aimsc::resolve::ambiguous_member",
                    format!("`{n}` is a member of several enums"),
                    self.at(span),
                )
                .with_label("which one?")
                .with_help(format!("write {}", names.join(" or "))),
            );
            return self.mk(CKind::Lit(Lit::Bool(false)), Ty::Error, span);
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
            "aimsc::resolve::unknown_name",
            format!("unknown name `{n}`"),
            self.at(span),
        )
        .with_label("not a binding, root fact, def or enum member");
        if let Some(s) = suggestion {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        self.diags.push(d);
        self.mk(CKind::Lit(Lit::Bool(false)), Ty::Error, span)
    }

    fn field(&mut self, base: &Expr, field: &ast::Ident, span: Span) -> CExpr {
        // `RiskTier.high`: a qualified enum member.
        if let ExprKind::Name(n) = &base.kind
            && !self.resolves_plain(base)
            && let Some(et) = self.model.enums.get(n.as_str())
        {
            if let Some(m) = et.members.iter().find(|m| ***m == *field.name) {
                return self.mk(
                    CKind::Lit(Lit::Enum(et.name.clone(), m.clone())),
                    Ty::Enum(et.name.clone()),
                    span,
                );
            }
            let hint =
                did_you_mean(&field.name, et.members.iter().map(|m| &**m)).map(str::to_string);
            let mut d = Diagnostic::error(
                "aimsc::resolve::unknown_member",
                format!("enum `{n}` has no member `{}`", field.name),
                self.at(field.span),
            )
            .with_label("unknown member");
            d = d.with_help(match hint {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("members: {}", et.members.join(", ")),
            });
            self.diags.push(d);
            return self.mk(CKind::Lit(Lit::Bool(false)), Ty::Error, span);
        }
        let cb = self.expr(base, None);
        let record = match &cb.ty {
            Ty::Record(r) | Ty::Ref(r) => r.clone(),
            Ty::Error => {
                return self.mk(
                    CKind::Field(Box::new(cb), Arc::from(field.name.as_str())),
                    Ty::Error,
                    span,
                );
            }
            Ty::List(_) => {
                let t = cb.ty.clone();
                self.diags.push(
                    Diagnostic::error(
                        "aimsc::type::field_of_list",
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
                return self.mk(
                    CKind::Field(Box::new(cb), Arc::from(field.name.as_str())),
                    Ty::Error,
                    span,
                );
            }
            other => {
                let other = other.clone();
                self.diags.push(
                    Diagnostic::error(
                        "aimsc::type::no_fields",
                        format!("`{}` is `{other}`, which has no fields", cb.text),
                        self.at(field.span),
                    )
                    .with_label("no such field"),
                );
                return self.mk(
                    CKind::Field(Box::new(cb), Arc::from(field.name.as_str())),
                    Ty::Error,
                    span,
                );
            }
        };
        let Some(rt) = self.model.records.get(&record) else {
            return self.mk(
                CKind::Field(Box::new(cb), Arc::from(field.name.as_str())),
                Ty::Error,
                span,
            );
        };
        match rt.fields.get(field.name.as_str()) {
            Some(f) => {
                let (name, ty) = (f.name.clone(), f.ty.clone());
                self.mk(CKind::Field(Box::new(cb), name), ty, span)
            }
            None => {
                let hint =
                    did_you_mean(&field.name, rt.fields.keys().map(|k| &**k)).map(str::to_string);
                let mut d = Diagnostic::error(
                    "aimsc::resolve::unknown_field",
                    format!("record `{record}` has no field `{}`", field.name),
                    self.at(field.span),
                )
                .with_label("not in the schema")
                .with_related(rt.location.clone(), format!("`{record}` is declared here"));
                if let Some(s) = hint {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                self.diags.push(d);
                self.mk(
                    CKind::Field(Box::new(cb), Arc::from(field.name.as_str())),
                    Ty::Error,
                    span,
                )
            }
        }
    }

    fn call(&mut self, name: &ast::Ident, args: &[Expr], span: Span) -> CExpr {
        let Some(sig) = self.sigs.get(name.name.as_str()).cloned() else {
            let hint = did_you_mean(&name.name, self.sigs.keys().map(|k| &**k)).map(str::to_string);
            let mut d = Diagnostic::error(
                "aimsc::resolve::unknown_def",
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
            return self.mk(CKind::Lit(Lit::Bool(false)), Ty::Error, span);
        };
        if sig.params.len() != args.len() {
            self.diags.push(
                Diagnostic::error(
                    "aimsc::type::arity",
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
        self.mk(CKind::Call(sig.index, cargs), sig.ret, span)
    }
}
