//! The facts to add: every fact a failing control found missing, with its type, its
//! description and the controls waiting for it, grouped by where it goes. A new organisation's
//! first run fails mostly for want of facts; this turns that list of failures into a to-do list.

use aimsc_eval::model::Model;
use aimsc_eval::outcome::{CheckResult, Explanation, Outcome, Truth};
use aimsc_eval::validate::FactLoc;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// One missing fact, by its place in the schema (`ai_systems[].resources`).
#[derive(Debug, Clone, PartialEq)]
pub struct FactToAdd {
    /// The schema path, record selectors written `[]`.
    pub path: String,
    /// Its type as the schema writes it (`date? past`).
    pub ty: String,
    /// Its one-line description, when the schema gives one.
    pub doc: Option<Arc<str>>,
    /// The failing controls and rules that found it missing, by id.
    pub controls: BTreeSet<Arc<str>>,
    /// Where the first record lacking it is (the facts file to add it to).
    pub at: Option<FactLoc>,
}

/// The facts to add, for one part of the facts (`organisation`, `ai_systems[]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The root field the facts belong under.
    pub root: String,
    /// Its facts, the ones most controls wait for first.
    pub facts: Vec<FactToAdd>,
    /// Every failing control that waits for one of them.
    pub controls: BTreeSet<Arc<str>>,
}

/// `ai_systems[id=chatbot].resources` → `ai_systems[].resources`.
fn schema_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut depth = 0usize;
    for c in path.chars() {
        match c {
            '[' => {
                if depth == 0 {
                    out.push_str("[]");
                }
                depth += 1;
            }
            ']' => depth = depth.saturating_sub(1),
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The list a `count(LIST) > 0` (or `>= 1`) asks to be non-empty: an empty list is a list
/// left out, a fact to add like any other.
fn emptied_list(ex: &Explanation) -> Option<&str> {
    if ex.result != Truth::False {
        return None;
    }
    let inner = ex.expr.strip_prefix("count(")?;
    let inner = inner
        .strip_suffix(") > 0")
        .or_else(|| inner.strip_suffix(") >= 1"))?;
    inner
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        .then_some(inner)
}

/// The facts missing where they decided the result: a `false` is decided by the parts that
/// are false, an `unknown` by those unknown (three-valued logic), so a missing fact in a part
/// that did not decide (`false and unknown`) is not what holds the control back.
fn walk(
    ex: &Explanation,
    bound: &mut Vec<(String, Arc<str>)>,
    found: &mut Vec<(String, Option<FactLoc>)>,
) {
    if ex.result == Truth::True {
        return;
    }
    if let Some(m) = &ex.missing {
        found.push((m.clone(), ex.at.clone()));
    } else if let Some(list) = emptied_list(ex) {
        found.push((in_facts(list, bound), ex.at.clone()));
    }
    if let Some(r) = &ex.records {
        // `all s in ai_systems …`: inside, `s.risks` is the finding's record's.
        let binder = ex
            .expr
            .split_whitespace()
            .nth(1)
            .map(str::to_string)
            .unwrap_or_default();
        for f in r.findings.iter().filter(|f| f.result == ex.result) {
            bound.push((binder.clone(), f.record.clone()));
            walk(&f.explanation, bound, found);
            bound.pop();
        }
    }
    for c in ex.children.iter().filter(|c| c.result == ex.result) {
        walk(c, bound, found);
    }
}

/// A path as the expression wrote it (`s.risks`) as a path in the facts
/// (`ai_systems[id=x].risks`), through the quantifiers' bindings, innermost first.
fn in_facts(path: &str, bound: &[(String, Arc<str>)]) -> String {
    let (head, rest) = path.split_once('.').unwrap_or((path, ""));
    match bound.iter().rev().find(|(b, _)| b == head) {
        Some((_, record)) if rest.is_empty() => record.to_string(),
        Some((_, record)) => format!("{record}.{rest}"),
        None => path.to_string(),
    }
}

/// The missing facts of the failing results, grouped by their root field; groups waited for by
/// the most controls first.
pub fn collect(model: &Model, results: &[CheckResult]) -> Vec<Group> {
    let mut facts: BTreeMap<String, FactToAdd> = BTreeMap::new();
    for r in results.iter().filter(|r| r.outcome == Outcome::Fail) {
        let mut found = Vec::new();
        if let Some(a) = &r.applies {
            walk(a, &mut Vec::new(), &mut found);
        }
        for req in r.requirements.iter().filter(|q| q.outcome == Outcome::Fail) {
            walk(&req.explanation, &mut Vec::new(), &mut found);
        }
        for (path, at) in found {
            let Some(field) = model.field_at(&path) else {
                continue;
            };
            let key = schema_path(&path);
            let entry = facts.entry(key.clone()).or_insert_with(|| FactToAdd {
                path: key,
                ty: field.written_type(),
                doc: field.doc.clone(),
                controls: BTreeSet::new(),
                at: None,
            });
            entry.controls.insert(r.id.clone());
            if entry.at.is_none() {
                entry.at = at;
            }
        }
    }
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for (_, f) in facts {
        let root = f
            .path
            .split(['.', '['])
            .next()
            .unwrap_or_default()
            .to_string();
        let root = if f.path[root.len()..].starts_with("[]") {
            format!("{root}[]")
        } else {
            root
        };
        let g = groups.entry(root.clone()).or_insert_with(|| Group {
            root,
            facts: Vec::new(),
            controls: BTreeSet::new(),
        });
        g.controls.extend(f.controls.iter().cloned());
        g.facts.push(f);
    }
    // Lists left out altogether (`roles`, `risks`) are one group: each is a whole file to
    // start, not a field to fill in.
    let mut lists = Group {
        root: "lists left empty".to_string(),
        facts: Vec::new(),
        controls: BTreeSet::new(),
    };
    let mut kept: Vec<Group> = Vec::new();
    for g in groups.into_values() {
        if g.facts.len() == 1 && g.facts[0].path == g.root && g.facts[0].ty.starts_with('[') {
            lists.controls.extend(g.controls.iter().cloned());
            lists.facts.extend(g.facts);
        } else {
            kept.push(g);
        }
    }
    if !lists.facts.is_empty() {
        kept.push(lists);
    }
    let mut groups = kept;
    for g in &mut groups {
        g.facts.sort_by(|a, b| {
            b.controls
                .len()
                .cmp(&a.controls.len())
                .then(a.path.cmp(&b.path))
        });
    }
    groups.sort_by(|a, b| {
        b.controls
            .len()
            .cmp(&a.controls.len())
            .then(a.root.cmp(&b.root))
    });
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_binder_is_read_as_the_record_it_is_bound_to() {
        let bound = vec![
            ("s".to_string(), Arc::from("ai_systems[id=a]")),
            (
                "p".to_string(),
                Arc::from("ai_systems[id=a].resources.people[id=x]"),
            ),
        ];
        assert_eq!(in_facts("s.risks", &bound), "ai_systems[id=a].risks");
        assert_eq!(
            in_facts("p.trainings", &bound),
            "ai_systems[id=a].resources.people[id=x].trainings"
        );
        assert_eq!(in_facts("risks", &bound), "risks");
        assert_eq!(in_facts("q.x", &bound), "q.x");
    }

    #[test]
    fn record_selectors_become_brackets() {
        assert_eq!(
            schema_path("ai_systems[id=a.b].resources.people"),
            "ai_systems[].resources.people"
        );
        assert_eq!(
            schema_path("organisation.aims_scope"),
            "organisation.aims_scope"
        );
        assert_eq!(schema_path("a[id=[x]].b"), "a[].b");
    }
}
