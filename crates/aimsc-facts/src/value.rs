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

/// The entries and elements of the mappings and sequences being read, in buffers reused from
/// one to the next: a reader fills one per open mapping or sequence and then allocates the
/// finished map or list once, at its size, instead of growing it step by step (the regrowth
/// was a seventh of loading a large file).
#[derive(Default)]
pub(crate) struct Scratch {
    maps: Vec<Vec<(String, Entry)>>,
    lists: Vec<Vec<Value>>,
}

/// Mappings up to this size find a duplicate key by comparing with each key before it; a
/// larger one is hashed.
const SMALL_MAP: usize = 16;

/// A mapping being read: its entries in a reused buffer while it is small, then a map.
pub(crate) struct MapBuilder {
    pairs: Vec<(String, Entry)>,
    map: Option<IndexMap<String, Entry>>,
}

impl Scratch {
    pub(crate) fn map(&mut self) -> MapBuilder {
        MapBuilder {
            pairs: self.maps.pop().unwrap_or_default(),
            map: None,
        }
    }

    pub(crate) fn list(&mut self) -> Vec<Value> {
        self.lists.pop().unwrap_or_default()
    }

    /// The finished list, allocated at its size; the buffer goes back for the next.
    pub(crate) fn finish_list(&mut self, mut items: Vec<Value>) -> Vec<Value> {
        let mut out = Vec::with_capacity(items.len());
        out.append(&mut items);
        self.lists.push(items);
        out
    }

    /// The finished mapping; the buffer goes back for the next.
    pub(crate) fn finish_map(&mut self, mut b: MapBuilder) -> IndexMap<String, Entry> {
        let map = match b.map.take() {
            Some(map) => map,
            None => {
                let mut map = IndexMap::with_capacity(b.pairs.len());
                map.extend(b.pairs.drain(..));
                map
            }
        };
        b.pairs.clear();
        self.maps.push(b.pairs);
        map
    }
}

impl MapBuilder {
    /// Adds an entry; a key already there gives back the span of its first definition.
    pub(crate) fn insert(&mut self, key: String, entry: Entry) -> Result<(), (String, Span)> {
        if let Some(map) = &mut self.map {
            return match map.entry(key) {
                indexmap::map::Entry::Occupied(o) => Err((o.key().clone(), o.get().key_span)),
                indexmap::map::Entry::Vacant(slot) => {
                    slot.insert(entry);
                    Ok(())
                }
            };
        }
        if let Some((k, first)) = self.pairs.iter().find(|(k, _)| *k == key) {
            return Err((k.clone(), first.key_span));
        }
        self.pairs.push((key, entry));
        if self.pairs.len() > SMALL_MAP {
            let mut map = IndexMap::with_capacity(self.pairs.len() * 2);
            map.extend(self.pairs.drain(..));
            self.map = Some(map);
        }
        Ok(())
    }
}
