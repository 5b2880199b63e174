//! The facts of a case that derives from another: the base's facts as JSON, with one change.
//!
//! A path names a value in the facts the way reports name records: `organisation.eu_market`,
//! `ai_systems[id=credit-score].event_logging.retention`, `audits[0]`; `[+]` at the end appends
//! to a list. A case states the single fact that separates it from its base, so that a pair of
//! cases proves that this fact, and nothing else, decides the outcome.

use aimsc::facts::{Value, ValueKind};
use serde_json::Value as Json;
use std::path::Path;

/// A name from a test file as a message shows it: printable, and at most 60 characters.
pub(super) fn short(s: &str) -> String {
    let cut: String = s.chars().take(60).collect();
    let shown = aimsc::diagnostics::printable(&cut).into_owned();
    if s.chars().count() > 60 {
        format!("{shown}…")
    } else {
        shown
    }
}

/// One step of a path.
#[derive(Debug, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
    /// `[field=value]`: the element of a list whose `field` is `value`.
    Select(String, String),
    /// `[+]`: a new element at the end of a list.
    Append,
}

/// Splits a path into steps; `None` names what is malformed.
fn steps(path: &str) -> Result<Vec<Step>, String> {
    let mut out = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('[') {
            let Some(end) = r.find(']') else {
                return Err("a `[` is not closed".into());
            };
            let inner = &r[..end];
            out.push(if inner == "+" {
                Step::Append
            } else if let Ok(i) = inner.parse::<usize>() {
                Step::Index(i)
            } else if let Some((f, v)) = inner.split_once('=') {
                Step::Select(f.trim().to_string(), v.trim().to_string())
            } else {
                return Err(format!(
                    "`[{}]` is neither an index, `[field=value]` nor `[+]`",
                    short(inner)
                ));
            });
            rest = &r[end + 1..];
            rest = rest.strip_prefix('.').unwrap_or(rest);
            continue;
        }
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        let key = &rest[..end];
        if key.is_empty() {
            return Err("an empty name between dots".into());
        }
        out.push(Step::Key(key.to_string()));
        rest = &rest[end..];
        rest = rest.strip_prefix('.').unwrap_or(rest);
    }
    if out.is_empty() {
        return Err("the path is empty".into());
    }
    Ok(out)
}

fn matches(v: &Json, field: &str, want: &str) -> bool {
    match v.get(field) {
        Some(Json::String(s)) => s == want,
        Some(Json::Bool(b)) => want == if *b { "true" } else { "false" },
        Some(Json::Number(n)) => want.parse::<serde_json::Number>().is_ok_and(|w| w == *n),
        _ => false,
    }
}

/// The child of `v` at one step; maps gain the key when `create` is set.
fn child<'a>(v: &'a mut Json, step: &Step, create: bool) -> Result<&'a mut Json, String> {
    match step {
        Step::Key(k) => {
            let Json::Object(m) = v else {
                return Err(format!(
                    "`{}` is read from something that is not a mapping",
                    short(k)
                ));
            };
            if create && !m.contains_key(k) {
                m.insert(k.clone(), Json::Object(serde_json::Map::new()));
            }
            m.get_mut(k)
                .ok_or_else(|| format!("there is no `{}`", short(k)))
        }
        Step::Index(i) => {
            let Json::Array(l) = v else {
                return Err(format!("`[{i}]` is read from something that is not a list"));
            };
            let n = l.len();
            l.get_mut(*i)
                .ok_or_else(|| format!("`[{i}]` is past the end of a list of {n}"))
        }
        Step::Select(f, want) => {
            let Json::Array(l) = v else {
                return Err(format!(
                    "`[{}={}]` is read from something that is not a list",
                    short(f),
                    short(want)
                ));
            };
            l.iter_mut()
                .find(|e| matches(e, f, want))
                .ok_or_else(|| format!("no element has `{}` `{}`", short(f), short(want)))
        }
        Step::Append => Err("`[+]` may only end a path".into()),
    }
}

/// Sets the value at `path`, creating mappings on the way.
pub(super) fn set(root: &mut Json, path: &str, value: Json) -> Result<(), String> {
    let steps = steps(path)?;
    let (last, init) = steps.split_last().ok_or("the path is empty")?;
    let mut at = root;
    for s in init {
        // A list left out is empty, so `incidents[+]` needs no `incidents: []` in the base.
        let create = matches!(s, Step::Key(_));
        at = child(at, s, create)?;
    }
    match last {
        Step::Key(k) => {
            let Json::Object(m) = at else {
                return Err(format!(
                    "`{}` is set on something that is not a mapping",
                    short(k)
                ));
            };
            m.insert(k.clone(), value);
        }
        Step::Append => {
            // A list left out, or written with no value, is empty.
            if at.is_null() || at.as_object().is_some_and(serde_json::Map::is_empty) {
                *at = Json::Array(Vec::new());
            }
            let Json::Array(l) = at else {
                return Err("`[+]` appends to something that is not a list".into());
            };
            l.push(value);
        }
        other => *child(at, other, false)? = value,
    }
    Ok(())
}

/// Removes the value at `path`: a key of a mapping or an element of a list.
pub(super) fn remove(root: &mut Json, path: &str) -> Result<(), String> {
    let steps = steps(path)?;
    let (last, init) = steps.split_last().ok_or("the path is empty")?;
    let mut at = root;
    for s in init {
        at = child(at, s, false)?;
    }
    match (last, at) {
        (Step::Key(k), Json::Object(m)) => m
            .remove(k)
            .map(|_| ())
            .ok_or_else(|| format!("there is no `{}` to remove", short(k))),
        (Step::Index(i), Json::Array(l)) if *i < l.len() => {
            l.remove(*i);
            Ok(())
        }
        (Step::Select(f, want), Json::Array(l)) => {
            // The first match, as `set` changes the first: one path, one fact.
            let at = l
                .iter()
                .position(|e| matches(e, f, want))
                .ok_or_else(|| format!("no element has `{}` `{}`", short(f), short(want)))?;
            l.remove(at);
            Ok(())
        }
        _ => Err("nothing is there to remove".into()),
    }
}

/// A parsed fact value as JSON. Strings stay strings (dates and durations are strings in YAML
/// too), so the facts read the same once written back as JSON.
fn to_json(v: &Value) -> Json {
    match &v.kind {
        ValueKind::Null => Json::Null,
        ValueKind::Bool(b) => Json::Bool(*b),
        ValueKind::Int(n) => Json::from(*n),
        ValueKind::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        ValueKind::Str(s) => Json::String(s.to_string()),
        ValueKind::List(l) => Json::Array(l.iter().map(to_json).collect()),
        ValueKind::Map(m) => Json::Object(
            m.iter()
                .map(|(k, e)| (k.to_string(), to_json(&e.value)))
                .collect(),
        ),
    }
}

/// The facts file or folder at `path`, merged by the folder rule, as JSON.
pub(super) fn load(path: &Path, limits: &aimsc::facts::Limits) -> Result<Json, String> {
    let first = |d: Vec<aimsc::Diagnostic>| {
        d.first()
            .map_or_else(|| "cannot be read".to_string(), |d| d.message.clone())
    };
    let found = aimsc::facts::discover(path, limits).map_err(first)?;
    let mut parsed = Vec::new();
    for (i, s) in found.sources.iter().enumerate() {
        let v = aimsc::facts::parse_file(
            &s.path,
            u32::try_from(i).unwrap_or(u32::MAX),
            &s.text,
            limits,
        )
        .map_err(|d| format!("{}: {}", s.path, d.message))?;
        parsed.push((s.role.clone(), s.path.clone(), v));
    }
    let (root, diags) = aimsc::facts::merge(parsed);
    if let Some(d) = diags.iter().find(|d| d.is_error()) {
        return Err(d.message.clone());
    }
    Ok(to_json(&root))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_name_keys_selected_records_indexes_and_the_end_of_a_list() {
        let mut f = json!({"ai_systems": [{"id": "a", "x": 1}, {"id": "b", "x": 2}], "audits": []});
        set(&mut f, "ai_systems[id=b].x", json!(3)).unwrap();
        set(&mut f, "ai_systems[0].log.days", json!(9)).unwrap();
        set(&mut f, "audits[+]", json!({"id": "A1"})).unwrap();
        set(&mut f, "incidents[+]", json!({"id": "I1"})).unwrap();
        f["changes"] = Json::Null;
        set(&mut f, "changes[+]", json!({"id": "C1"})).unwrap();
        remove(&mut f, "ai_systems[id=a].x").unwrap();
        assert_eq!(
            f,
            json!({"ai_systems": [{"id": "a", "log": {"days": 9}}, {"id": "b", "x": 3}],
                   "audits": [{"id": "A1"}], "incidents": [{"id": "I1"}], "changes": [{"id": "C1"}]})
        );
        remove(&mut f, "ai_systems[id=b]").unwrap();
        assert_eq!(f["ai_systems"].as_array().map(Vec::len), Some(1));
        // Of two elements that match, the first goes, as `set` changes the first.
        let mut twins = json!({"l": [{"k": 1, "n": "a"}, {"k": 1, "n": "b"}]});
        remove(&mut twins, "l[k=1]").unwrap();
        assert_eq!(twins, json!({"l": [{"k": 1, "n": "b"}]}));
    }

    #[test]
    fn a_path_that_leads_nowhere_says_where() {
        let mut f = json!({"ai_systems": [{"id": "a"}]});
        assert_eq!(
            set(&mut f, "ai_systems[id=z].x", json!(1)).unwrap_err(),
            "no element has `id` `z`"
        );
        assert_eq!(
            remove(&mut f, "organisation").unwrap_err(),
            "there is no `organisation` to remove"
        );
        assert!(steps("a[").is_err());
        assert!(steps("a..b").is_err());
        assert!(set(&mut f, "ai_systems[+].x", json!(1)).is_err());
    }
}
