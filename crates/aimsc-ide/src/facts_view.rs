//! Reading the current facts along a fact path (`ai_systems[].owner.role`): values for hover,
//! and the place in the facts file for go-to-definition.

use aimsc_diagnostics::Span;
use aimsc_eval::model::Model;
use aimsc_eval::validate::{FactValue, Facts, Record};
use std::sync::Arc;

/// A value found along a path, with the record and key that hold it.
pub struct Found {
    /// Where it is, e.g. `ai_systems[id=chatbot].owner`.
    pub shown: String,
    /// The value.
    pub value: FactValue,
    /// The record holding the last key, and the key.
    pub holder: Option<(Arc<Record>, String)>,
}

/// Values at `path`, at most `limit` of them, in facts order.
pub fn values_at(model: &Model, facts: &Facts, path: &str, limit: usize) -> Vec<Found> {
    let mut current = vec![Found {
        shown: String::new(),
        value: FactValue::Rec(facts.root.clone()),
        holder: None,
    }];
    for segment in path.split('.') {
        let (name, each) = match segment.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (segment, false),
        };
        let mut next = Vec::new();
        for f in current {
            let Some(rec) = as_record(facts, &f.value) else {
                continue;
            };
            let Some(v) = field(model, &rec, name) else {
                continue;
            };
            let shown = if rec.path.is_empty() {
                name.to_string()
            } else {
                format!("{}.{name}", rec.path)
            };
            let holder = Some((rec.clone(), name.to_string()));
            match (&v, each) {
                (FactValue::List(items), true) => {
                    for (i, item) in items.iter().enumerate() {
                        let shown = match item {
                            FactValue::Rec(r) => r.path.to_string(),
                            _ => format!("{shown}[{i}]"),
                        };
                        next.push(Found {
                            shown,
                            value: item.clone(),
                            holder: holder.clone(),
                        });
                    }
                }
                _ => next.push(Found {
                    shown,
                    value: v.clone(),
                    holder,
                }),
            }
            if next.len() >= limit * 4 {
                break;
            }
        }
        current = next;
    }
    current.truncate(limit);
    current
}

fn as_record(facts: &Facts, v: &FactValue) -> Option<Arc<Record>> {
    match v {
        FactValue::Rec(r) => Some(r.clone()),
        FactValue::Ref(r) => facts.by_id.get(&(r.ty.clone(), r.id.clone())).cloned(),
        _ => None,
    }
}

fn field(model: &Model, rec: &Record, name: &str) -> Option<FactValue> {
    let index = if rec.path.is_empty() {
        model.root.get_index_of(name)?
    } else {
        model.records.get(&*rec.ty)?.fields.get_index_of(name)?
    };
    rec.fields.get(index).cloned()
}

/// A value as hover shows it.
pub fn show(v: &FactValue) -> String {
    match v {
        FactValue::Missing => "(missing)".into(),
        FactValue::Invalid => "(invalid)".into(),
        FactValue::Bool(b) => b.to_string(),
        FactValue::Int(i) => i.to_string(),
        FactValue::Dec(d) => d.to_string(),
        FactValue::Str(s) => format!("{s:?}"),
        FactValue::Date(d) => d.to_string(),
        FactValue::Dur(d) => d.to_string(),
        FactValue::Enum(e, _) => e.to_string(),
        FactValue::Ref(r) => format!("→ {}", r.id),
        FactValue::List(items) => format!("[{} item(s)]", items.len()),
        FactValue::Rec(r) => {
            let set = r
                .fields
                .iter()
                .filter(|f| !matches!(f, FactValue::Missing))
                .count();
            format!(
                "a `{}` record, {set} of {} field(s) set",
                r.ty,
                r.fields.len()
            )
        }
    }
}

/// The span of `key` inside a record's text (YAML `key:`, JSON `"key":`, TOML `key =`), or
/// the record's own span when the key is not written there.
pub fn key_span(text: &str, record: Span, key: &str) -> Span {
    let start = record.start().min(text.len());
    // Loaders may record only where a mapping starts; then the key is the first one after it
    // (callers only ask for keys the record has).
    let end = if record.is_empty() {
        text.len()
    } else {
        record.end().clamp(start, text.len())
    };
    let Some(body) = text.get(start..end) else {
        return record;
    };
    let bytes = body.as_bytes();
    let mut from = 0;
    while let Some(n) = body.get(from..).and_then(|s| s.find(key)) {
        let at = from + n;
        let after = at + key.len();
        let before_ok = at
            .checked_sub(1)
            .and_then(|i| bytes.get(i))
            .is_none_or(|c| !is_name(*c));
        let rest = body[after..].trim_start_matches(['"', '\'', ' ', '\t']);
        if before_ok
            && !bytes.get(after).copied().is_some_and(is_name)
            && (rest.starts_with(':') || rest.starts_with('='))
        {
            return Span::new(start + at, start + after);
        }
        from = after;
    }
    record
}

fn is_name(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}
