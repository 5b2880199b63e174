use aimsc_diagnostics::Span;
use indexmap::IndexMap;

/// One value of the facts, with its origin.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    /// What it is.
    pub kind: ValueKind,
    /// Index of the file it came from in the owning fact set's file table.
    pub file: u32,
    /// Byte span in that file.
    pub span: Span,
}

/// A mapping entry: the key's span and the value.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Span of the key.
    pub key_span: Span,
    /// The value.
    pub value: Value,
}

/// The shapes a fact value can have before it is checked against the schema.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueKind {
    /// `null`, `~` or an empty value.
    Null,
    /// `true` / `false`
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A number with a fraction.
    Float(f64),
    /// Any string, including unquoted dates such as `2025-03-01`.
    Str(String),
    /// A sequence.
    List(Vec<Value>),
    /// A mapping, in file order.
    Map(IndexMap<String, Entry>),
}

impl ValueKind {
    /// A short name of the value's shape, for diagnostics ("a string", "a list").
    pub fn describe(&self) -> &'static str {
        match self {
            ValueKind::Null => "null",
            ValueKind::Bool(_) => "a boolean",
            ValueKind::Int(_) => "an integer",
            ValueKind::Float(_) => "a decimal number",
            ValueKind::Str(_) => "a string",
            ValueKind::List(_) => "a list",
            ValueKind::Map(_) => "a mapping",
        }
    }
}

impl Value {
    /// The value written out briefly, for diagnostics (`"high"`, `42`, `a list of 3`).
    pub fn preview(&self) -> String {
        match &self.kind {
            ValueKind::Null => "null".into(),
            ValueKind::Bool(b) => b.to_string(),
            ValueKind::Int(n) => n.to_string(),
            ValueKind::Float(f) => f.to_string(),
            ValueKind::Str(s) => {
                let short: String = s.chars().take(40).collect();
                let short = aimsc_diagnostics::printable(&short).into_owned();
                if s.chars().count() > 40 {
                    format!("\"{short}…\"")
                } else {
                    format!("\"{short}\"")
                }
            }
            ValueKind::List(l) => format!("a list of {}", l.len()),
            ValueKind::Map(m) => format!("a mapping with {} keys", m.len()),
        }
    }

    /// The value at `key` when this is a mapping.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match &self.kind {
            ValueKind::Map(m) => m.get(key).map(|e| &e.value),
            _ => None,
        }
    }
}
