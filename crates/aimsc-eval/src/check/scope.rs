//! Scope decisions: maps, exclusions, waivers, owners and params set by the organisation.

use super::*;

impl ModelBuilder {
    pub(super) fn check_scope(&mut self, inputs: &[Input<'_>], as_of: Date) {
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
                                    aimsc_diagnostics::codes::SCOPE_BAD_RELATION,
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
                                    aimsc_diagnostics::codes::SCOPE_RESERVED_PROVENANCE,
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
                                    aimsc_diagnostics::codes::SCOPE_BAD_PROVENANCE,
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
                            self.diags.push(Diagnostic::twice(
                                aimsc_diagnostics::codes::SCOPE_DUPLICATE,
                                &format!("`{target}`"),
                                "excluded",
                                loc(path, x.span),
                                Some(prev),
                            ));
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
                                        aimsc_diagnostics::codes::SCOPE_MISSING_OWNER,
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
                                            aimsc_diagnostics::codes::TYPE_BAD_DATE,
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
                                        aimsc_diagnostics::codes::SCOPE_MISSING_UNTIL,
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
                                    aimsc_diagnostics::codes::SCOPE_WAIVER_EXPIRED,
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
                                    aimsc_diagnostics::codes::SCOPE_MISSING_OWNER,
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
                            self.diags.push(Diagnostic::twice(
                                aimsc_diagnostics::codes::SCOPE_DUPLICATE,
                                &format!("`{target}`"),
                                "assigned",
                                loc(path, a.span),
                                Some(prev),
                            ));
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

    pub(super) fn justification(
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
                    Diagnostic::error(aimsc_diagnostics::codes::SCOPE_MISSING_JUSTIFICATION, format!("`{what}` needs a justification"), Some(loc(path, span)))
                        .with_label("no justification given")
                        .with_help(format!("end the `{what}` line with a quoted reason, e.g. \"We supply no AI system to customers.\"")),
                );
                None
            }
        }
    }
}

/// Whether an owner or a justification says something: a letter or a digit, once spaces,
/// invisible characters (zero-width, no-break space) and punctuation alone are set aside.
pub fn says_something(s: &str) -> bool {
    s.chars().any(char::is_alphanumeric)
}

/// The error for an `exclude` or `waive` of a control its framework (or the control) does not
/// let an organisation exclude or waive, with what is allowed.
pub(super) fn not_allowed(
    what: &str,
    id: &ast::QualId,
    path: &Arc<str>,
    why: &NotAllowed,
) -> Diagnostic {
    let (code, verb) = match what {
        "exclude" => (aimsc_diagnostics::codes::SCOPE_NOT_EXCLUDABLE, "excluded"),
        _ => (aimsc_diagnostics::codes::SCOPE_NOT_WAIVABLE, "waived"),
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
                aimsc_diagnostics::codes::SCOPE_LONG_WAIVER,
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
