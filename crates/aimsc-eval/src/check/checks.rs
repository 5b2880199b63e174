//! Controls, rules and catalog entries: their clauses checked, and references to them resolved.

use super::*;

impl ModelBuilder {
    pub(super) fn check_checks(&mut self, inputs: &[Input<'_>]) {
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
                let mut cx = ExprChecker::new(
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
                    let Some(body) = &r.body else {
                        let (expr, slots, broken) =
                            attested_condition(&mut cx, &c.id.text, &r.name.value, r.span);
                        requires.push(Requirement {
                            name: Arc::from(r.name.value.as_str()),
                            expr,
                            slots,
                            location: loc(input.path, r.span),
                            broken,
                            practice: r.practice.is_some(),
                            attested: true,
                        });
                        continue;
                    };
                    let before = cx.diags.len();
                    let expr = cx.condition(body, "a requirement");
                    let broken = first_error(&cx.diags[before..])
                        .or_else(|| calls_broken(&expr, &|j| defs.get(j)));
                    let slots = cx.take_slots();
                    if broken.is_none()
                        && crate::reads::expr_reads(cx.model, &expr, slots).is_empty()
                    {
                        cx.diags.push(
                            Diagnostic::warning(
                                aimsc_diagnostics::codes::CHECK_READS_NO_FACT,
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
                        practice: r.practice.is_some(),
                        attested: false,
                    });
                }
                if requires.is_empty() {
                    self.diags.push(
                        Diagnostic::error(
                            aimsc_diagnostics::codes::CHECK_NO_REQUIREMENT,
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
                            aimsc_diagnostics::codes::RESOLVE_SUPPORTS_RULE,
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
    pub(super) fn framework_declared(&mut self, id: &ast::QualId, path: &Arc<str>, what: &str) {
        if self.model.frameworks.contains_key(id.namespace.as_str()) {
            return;
        }
        let mut d = Diagnostic::error(
            aimsc_diagnostics::codes::RESOLVE_UNKNOWN_FRAMEWORK,
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
    pub(super) fn check_entries(&mut self, inputs: &[Input<'_>]) {
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
    pub(super) fn known_check(&mut self, id: &ast::QualId, path: &Arc<str>, what: &str) -> bool {
        if self.entry_ids.contains(&id.text) {
            self.diags.push(
                Diagnostic::error(
                    aimsc_diagnostics::codes::RESOLVE_ENTRY_NOT_CHECK,
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
    pub(super) fn known_item(&mut self, id: &ast::QualId, path: &Arc<str>, what: &str) -> bool {
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
            aimsc_diagnostics::codes::RESOLVE_UNKNOWN_ID,
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
}

/// The condition of `require attested "name"` in control `id`, which aimsc writes: an
/// attestation of that control (and that requirement, or of every attested requirement of the
/// control when it names none) that names a person and a justification, has not expired, was
/// given for no longer than `attestation_max_validity`, and whose evidence, if it names any,
/// can be relied on. Checked like any condition, over the attestation record of
/// `@aimsc/evidence`; without it, the requirement is broken with one diagnostic at `span`.
fn attested_condition(
    cx: &mut ExprChecker<'_>,
    id: &str,
    name: &str,
    span: Span,
) -> (TypedExpr, usize, Option<Broken>) {
    let quoted = |s: &str| {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' | '\\' => {
                    out.push('\\');
                    out.push(c);
                }
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                _ => out.push(c),
            }
        }
        out.push('"');
        out
    };
    let text = format!(
        "any a in attestations where a.control == {} and (a.requirement is not set or a.requirement == {}): \
         a.attested_by != \"\" and a.statement != \"\" and a.justification != \"\" and a.valid_until >= today \
         and a.valid_until <= a.attested_on + attestation_max_validity \
         and (a.evidence is not set or a.evidence.issued <= today)",
        quoted(id),
        quoted(name)
    );
    let path = cx.path.clone();
    let mut scratch = Vec::new();
    let checked = aimsc_syntax::parse_expr(&path, &text).map(|e| {
        let mut inner = ExprChecker::new(cx.model, cx.sigs, &mut scratch, &path, &text);
        let x = inner.condition(&e, "a requirement");
        (x, inner.take_slots())
    });
    // Only the standard record: an own `Attestation` could drop what makes one count (a
    // `past` date, a required justification).
    let standard = cx
        .model
        .records
        .get(crate::evidence::ATTESTATION_RECORD)
        .is_some_and(|r| &*r.location.file == crate::evidence::EVIDENCE_FILE);
    match checked {
        Some((expr, slots)) if standard && first_error(&scratch).is_none() => (expr, slots, None),
        other => {
            let at = loc(&path, span);
            // With the standard record loaded, what broke is something else the condition
            // reads (an own `attestations` root, a `set` of the param to another type).
            let message = match first_error(&scratch) {
                Some(b) if standard => format!(
                    "an attested requirement cannot be checked over the attestations of `@aimsc/evidence`: {}",
                    b.message
                ),
                _ => "an attested requirement needs the attestation record of `@aimsc/evidence`"
                    .to_string(),
            };
            let d = Diagnostic::error(
                aimsc_diagnostics::codes::CHECK_ATTESTED_SCHEMA,
                message,
                Some(at.clone()),
            )
            .with_label("met by an attestation in the facts")
            .with_help("load `@aimsc/evidence` (or `@aimsc`) in aims.toml's `rules`");
            let broken = Broken {
                code: d.code,
                message: Arc::from(d.message.as_str()),
                location: Some(at),
            };
            cx.diags.push(d);
            let expr = other.map(|(e, _)| e).unwrap_or_else(|| TypedExpr {
                kind: TypedKind::Lit(Lit::Bool(false)),
                ty: Ty::Bool,
                text: Arc::from(text.as_str()),
            });
            (expr, 0, Some(broken))
        }
    }
}
