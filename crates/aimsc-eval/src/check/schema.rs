//! Declarations: every name the rules declare, and the types of the fact schema.

use super::*;

impl ModelBuilder {
    pub(super) fn declare(&mut self, inputs: &[Input<'_>]) {
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
                                    self.diags.push(Diagnostic::twice(
                                        aimsc_diagnostics::codes::RESOLVE_DUPLICATE,
                                        &format!("enum member `{}`", m.name),
                                        "listed",
                                        loc(input.path, m.span),
                                        None,
                                    ));
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

    pub(super) fn type_name_ok(&mut self, name: &ast::Ident, path: &Arc<str>) -> bool {
        if BUILTIN_TYPES.contains(&name.name.as_str()) {
            self.diags.push(
                Diagnostic::error(
                    aimsc_diagnostics::codes::RESOLVE_DUPLICATE,
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

    pub(super) fn resolve_type(&mut self, t: &TypeExpr, path: &Arc<str>) -> Ty {
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

    pub(super) fn unknown_type(&mut self, name: &ast::Ident, path: &Arc<str>, record_only: bool) {
        let mut cands: Vec<&str> = self.model.records.keys().map(|k| &**k).collect();
        if !record_only {
            cands.extend(self.model.enums.keys().map(|k| &**k));
            cands.extend(BUILTIN_TYPES);
        }
        let mut d = Diagnostic::error(
            aimsc_diagnostics::codes::RESOLVE_UNKNOWN_TYPE,
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

    pub(super) fn resolve_types(&mut self, inputs: &[Input<'_>]) {
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
                        aimsc_diagnostics::codes::TYPE_REF_WITHOUT_ID,
                        format!("`ref {r}` needs records of `{r}` to have a field `id: string`"),
                        Some(at),
                    )
                    .with_help(format!("add `id: string` to `record {r}`")),
                );
            }
        }
    }

    pub(super) fn field(
        &mut self,
        into: &mut IndexMap<Arc<str>, Field>,
        f: &ast::FieldDecl,
        path: &Arc<str>,
        what: &str,
    ) {
        let at = loc(path, f.name.span);
        if let Some(prev) = into.get(f.name.name.as_str()) {
            self.diags.push(Diagnostic::twice(
                aimsc_diagnostics::codes::RESOLVE_DUPLICATE,
                &format!("{what} `{}`", f.name.name),
                "declared",
                at,
                Some(prev.location.clone()),
            ));
            return;
        }
        let ty = self.resolve_type(&f.ty, path);
        if let Some(span) = f.past
            && !matches!(ty, Ty::Date | Ty::Error)
        {
            self.diags.push(
                Diagnostic::error(
                    aimsc_diagnostics::codes::TYPE_PAST_NOT_DATE,
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
                doc: f.doc.as_ref().map(|d| Arc::from(d.value.as_str())),
                ty,
                location: at,
            },
        );
    }
}
