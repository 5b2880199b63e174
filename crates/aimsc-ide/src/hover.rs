//! Hover: what a name is, and for controls and fact paths what the facts make of it.

use crate::index::{Key, Occurrence};
use crate::{Analysis, Hover, facts_view};
use aimsc_eval::model::Ty;
use aimsc_eval::outcome::Outcome;
use std::fmt::Write as _;

/// How many fact values a hover lists.
const VALUES_SHOWN: usize = 5;

impl Analysis<'_> {
    /// Hover for the name at `offset` in a rule file.
    pub fn hover(&self, path: &str, offset: usize) -> Option<Hover> {
        let index = self.index(path)?;
        let occ = index.at(offset)?;
        let markdown = match &occ.key {
            Key::Item(id) => self.hover_item(id)?,
            Key::Framework(name) => {
                let fw = self.model.frameworks.get(name.as_str())?;
                let checks = self
                    .model
                    .checks
                    .values()
                    .filter(|c| *c.framework == **name)
                    .count();
                let entries = self
                    .model
                    .entries
                    .values()
                    .filter(|e| *e.framework == **name)
                    .count();
                format!(
                    "**framework `{name}`**: {}\n\n{checks} controls and rules, {entries} catalog entries",
                    fw.title.as_deref().unwrap_or("")
                )
            }
            Key::Type(name) => self.hover_type(name)?,
            Key::Member(e, m) => format!("`{m}`: member of enum `{e}`"),
            Key::Field(record, field) => self.hover_field(occ, record, field),
            Key::Def(name) => self.hover_def(name)?,
            Key::Local(_) => {
                let ty = occ.ty.as_ref().map_or("?".into(), Ty::to_string);
                let mut s = format!("local binding: `{ty}`");
                if let Some(p) = &occ.path {
                    let _ = write!(s, "\n\neach of `{}`", p.trim_end_matches("[]"));
                }
                s
            }
        };
        Some(Hover {
            markdown,
            span: occ.span,
        })
    }

    fn hover_item(&self, id: &str) -> Option<String> {
        let m = &self.model;
        let mut s = String::new();
        if let Some(c) = m.checks.get(id) {
            let kind = match c.kind {
                aimsc_eval::model::CheckKind::Control => "control",
                aimsc_eval::model::CheckKind::Rule => "rule",
            };
            let _ = writeln!(s, "**{kind} `{id}`**: {}", c.title);
            if let Some(d) = &c.domain {
                let _ = writeln!(s, "\ndomain {d}");
            }
            if let Some(i) = &c.intent {
                let _ = writeln!(s, "\n{i}");
            }
            if let Some(o) = m.owners.get(id) {
                let _ = writeln!(s, "\nowner: {}", o.owner);
            }
            let results = self.project.results_shared();
            if let Some(r) = results.iter().find(|r| *r.id == *id) {
                let _ = writeln!(
                    s,
                    "\n---\n\n**{}** — {}",
                    outcome_badge(r.outcome),
                    r.message
                );
                for req in &r.requirements {
                    let _ = writeln!(s, "- {} {}", outcome_badge(req.outcome), req.name);
                }
                if let Some(j) = &r.justification {
                    let _ = writeln!(s, "\nexcluded: {j}");
                }
                if let Some(w) = &r.waiver {
                    let _ = writeln!(
                        s,
                        "\nwaived until {} (owner {}){}: {}",
                        w.until,
                        w.owner,
                        if w.expired { ", EXPIRED" } else { "" },
                        w.justification
                    );
                }
                if matches!(r.outcome, Outcome::Fail | Outcome::Error | Outcome::Waived) {
                    let text = aimsc_report::render_text(std::slice::from_ref(&**r), false);
                    let _ = writeln!(s, "\n```text\n{}```", text);
                }
            }
        } else if let Some(e) = m.entries.get(id) {
            let _ = writeln!(s, "**entry `{id}`**: {}", e.title);
            if let Some(d) = &e.domain {
                let _ = writeln!(s, "\ndomain {d}");
            }
        } else {
            return None;
        }
        let outgoing: Vec<_> = m.mappings.iter().filter(|x| *x.source == *id).collect();
        let incoming: Vec<_> = m.mappings.iter().filter(|x| *x.target == *id).collect();
        if !outgoing.is_empty() || !incoming.is_empty() {
            let _ = writeln!(s, "\n---\n\nmappings:");
            for x in outgoing {
                let title = m
                    .title_of(&x.target)
                    .map(|t| format!(" {t}"))
                    .unwrap_or_default();
                let _ = writeln!(s, "- → `{}`{title} ({})", x.target, x.relation.as_str());
            }
            for x in incoming {
                let title = m
                    .title_of(&x.source)
                    .map(|t| format!(" {t}"))
                    .unwrap_or_default();
                let _ = writeln!(s, "- ← `{}`{title} ({})", x.source, x.relation.as_str());
            }
        }
        Some(s)
    }

    fn hover_type(&self, name: &str) -> Option<String> {
        if let Some(e) = self.model.enums.get(name) {
            let members: Vec<&str> = e.members.iter().map(|m| &**m).collect();
            return Some(format!(
                "```aims\nenum {name} {{ {} }}\n```",
                members.join(", ")
            ));
        }
        let r = self.model.records.get(name)?;
        let mut s = format!("```aims\nrecord {name} {{\n");
        for f in r.fields.values() {
            let _ = writeln!(s, "  {}: {}", f.name, f.written_type());
        }
        s.push_str("}\n```");
        Some(s)
    }

    fn hover_field(&self, occ: &Occurrence, record: &str, field: &str) -> String {
        let decl = if record == "facts" {
            self.model.root.get(field)
        } else {
            self.model
                .records
                .get(record)
                .and_then(|r| r.fields.get(field))
        };
        let mut s = match decl {
            Some(f) => match &f.doc {
                Some(d) => format!("`{record}.{field}`: `{}`\n\n{d}", f.written_type()),
                None => format!("`{record}.{field}`: `{}`", f.written_type()),
            },
            None => format!("`{record}.{field}`"),
        };
        let Some(path) = &occ.path else {
            return s;
        };
        let _ = write!(s, "\n\nfact path `{path}`");
        let facts = self.project.facts();
        let found = facts_view::values_at(&self.model, &facts, path, VALUES_SHOWN + 1);
        if found.is_empty() {
            s.push_str("\n\nno value in the facts");
            return s;
        }
        s.push_str("\n\ncurrent value:\n");
        for f in found.iter().take(VALUES_SHOWN) {
            let _ = writeln!(s, "- `{}` = {}", f.shown, facts_view::show(&f.value));
        }
        if found.len() > VALUES_SHOWN {
            s.push_str("- …\n");
        }
        s
    }

    fn hover_def(&self, name: &str) -> Option<String> {
        if let Some(p) = self.model.params.get(name) {
            let mut s = format!("**param `{name}`**: `{}`", p.ty);
            if let Some(d) = &p.doc {
                let _ = write!(s, "\n\n{d}");
            }
            let _ = write!(s, "\n\ndefault `{}`", p.default);
            if p.set_at.is_some() {
                let _ = write!(s, "; set to `{}` by the organisation", p.value);
            }
            return Some(s);
        }
        let d = self.model.defs.iter().find(|d| *d.name == *name)?;
        let text = self.text(&d.location.file)?;
        let src = text.get(d.location.span.start()..d.location.span.end())?;
        let lines: Vec<&str> = src.lines().take(12).collect();
        Some(format!(
            "```aims\n{}\n```\n\nreturns `{}`",
            lines.join("\n"),
            d.body.ty
        ))
    }
}

/// A short badge for an outcome.
pub fn outcome_badge(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "✓ pass",
        Outcome::Attested => "✓ attested",
        Outcome::Fail => "✗ fail",
        Outcome::NotApplicable => "– n/a",
        Outcome::Excluded => "⊘ excluded",
        Outcome::Waived => "≈ waived",
        Outcome::Error => "! error",
    }
}
