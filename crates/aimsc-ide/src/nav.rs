//! Go to definition, find references and rename.

use crate::index::Key;
use crate::{Analysis, facts_view};
use aimsc_diagnostics::Span;
use std::sync::Arc;

/// A place in a file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Target {
    /// The file's path, as the project knows it.
    pub path: Arc<str>,
    /// The span.
    pub span: Span,
}

/// Why a rename cannot be done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenameError(pub String);

impl Analysis<'_> {
    /// Where the name at `offset` is declared. For a fact path, the place in the facts that
    /// holds its first value comes first, then the schema field.
    pub fn definition(&self, path: &str, offset: usize) -> Vec<Target> {
        let Some(index) = self.index(path) else {
            return Vec::new();
        };
        let Some(occ) = index.at(offset) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if let (Key::Field(..), Some(fact_path)) = (&occ.key, &occ.path) {
            let facts = self.project.facts();
            let found = facts_view::values_at(&self.model, &facts, fact_path, 50);
            let present = found
                .iter()
                .find(|f| !matches!(f.value, aimsc_eval::validate::FactValue::Missing));
            if let Some((rec, key)) = present.and_then(|f| f.holder.clone())
                && let Some(file) = facts.files.get(rec.file as usize)
            {
                // The root record spans the whole file.
                let within = if rec.path.is_empty() {
                    Span::new(0, 0)
                } else {
                    rec.span
                };
                out.push(Target {
                    path: file.path.clone(),
                    span: facts_view::key_span(&file.text, within, &key),
                });
            }
        }
        if let Key::Local(decl) = occ.key {
            out.push(Target {
                path: Arc::from(path),
                span: decl,
            });
            return out;
        }
        for (p, ix) in self.all_indexes() {
            for o in ix.occurrences.iter().filter(|o| o.decl && o.key == occ.key) {
                out.push(Target {
                    path: p.clone(),
                    span: o.span,
                });
            }
        }
        out
    }

    /// Every occurrence of the name at `offset`, across the project's rule files.
    pub fn references(&self, path: &str, offset: usize, include_decl: bool) -> Vec<Target> {
        let Some(index) = self.index(path) else {
            return Vec::new();
        };
        let Some(occ) = index.at(offset) else {
            return Vec::new();
        };
        let key = occ.key.clone();
        let files = match key {
            // A local lives in one file; its span key is only unique there.
            Key::Local(_) => vec![(Arc::<str>::from(path), index.clone())],
            _ => self.all_indexes(),
        };
        let mut out = Vec::new();
        for (p, ix) in files {
            for o in ix.occurrences.iter().filter(|o| o.key == key) {
                if include_decl || !o.decl {
                    out.push(Target {
                        path: p.clone(),
                        span: o.span,
                    });
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// The span of a renameable name at `offset`, and its current text.
    pub fn prepare_rename(&self, path: &str, offset: usize) -> Result<(Span, String), RenameError> {
        let index = self
            .index(path)
            .ok_or_else(|| RenameError("this file is not part of the project".into()))?;
        let occ = index
            .at(offset)
            .ok_or_else(|| RenameError("there is no name here".into()))?;
        let text = match &occ.key {
            Key::Item(id) => id.clone(),
            Key::Type(n) | Key::Def(n) => n.clone(),
            Key::Local(_) => {
                let t = self.text(path).unwrap_or_default();
                t.get(occ.span.start()..occ.span.end())
                    .unwrap_or("")
                    .to_string()
            }
            _ => {
                return Err(RenameError(
                    "only controls, rules, entries, defs, params, types and local names can be renamed"
                        .into(),
                ));
            }
        };
        if matches!(&occ.key, Key::Type(n) if aimsc_eval::model::BUILTIN_TYPES.contains(&n.as_str()))
        {
            return Err(RenameError("built-in types cannot be renamed".into()));
        }
        Ok((occ.span, text))
    }

    /// The edits that rename the name at `offset` to `new_name` in every rule file.
    pub fn rename(
        &self,
        path: &str,
        offset: usize,
        new_name: &str,
    ) -> Result<Vec<(Target, String)>, RenameError> {
        let (_, old) = self.prepare_rename(path, offset)?;
        let index = self.index(path).unwrap_or_default();
        let key = index.at(offset).map(|o| o.key.clone());
        let valid = match key {
            Some(Key::Item(_)) => valid_id(new_name),
            _ => valid_name(new_name),
        };
        if !valid {
            return Err(RenameError(match key {
                Some(Key::Item(_)) => {
                    format!("`{new_name}` is not an id: write `framework::ID`, e.g. `acme::A.1`")
                }
                _ => format!("`{new_name}` is not a name: use letters, digits and `_`"),
            }));
        }
        let clash = match &key {
            Some(Key::Item(_)) => {
                self.model.checks.contains_key(new_name)
                    || self.model.entries.contains_key(new_name)
            }
            Some(Key::Type(_)) => {
                self.model.records.contains_key(new_name) || self.model.enums.contains_key(new_name)
            }
            Some(Key::Def(_)) => {
                self.model.params.contains_key(new_name)
                    || self.model.defs.iter().any(|d| *d.name == *new_name)
            }
            _ => false,
        };
        if clash && new_name != old {
            return Err(RenameError(format!("`{new_name}` already exists")));
        }
        Ok(self
            .references(path, offset, true)
            .into_iter()
            .map(|t| (t, new_name.to_string()))
            .collect())
    }
}

fn valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !aimsc_syntax::RESERVED.contains(&s)
}

fn valid_id(s: &str) -> bool {
    let Some((ns, rest)) = s.split_once("::") else {
        return false;
    };
    valid_name(ns)
        && !rest.is_empty()
        && rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
        && !rest.ends_with(['.', '-'])
}
