use aimsc_diagnostics::Span;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

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
    /// Any string, including unquoted dates such as `2025-03-01`. Shared: the typed facts
    /// hold the same text, and a reader gives one allocation to the keys and short texts that
    /// repeat.
    Str(Arc<str>),
    /// A sequence.
    List(Box<[Value]>),
    /// A mapping, in file order.
    Map(Map),
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

/// A mapping of the facts: its entries in file order, keys unique.
///
/// A boxed slice rather than a hash map: a value tree holds millions of small mappings,
/// read in order by the validator and looked up by key only a few times per record, and an
/// index per mapping had been more than half of a loaded file's memory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Map {
    entries: Box<[(Arc<str>, Entry)]>,
}

impl Map {
    /// A mapping of these entries; the caller has made the keys unique.
    pub(crate) fn from_unique(entries: Vec<(Arc<str>, Entry)>) -> Map {
        Map {
            entries: entries.into_boxed_slice(),
        }
    }

    /// The entry at `key`.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|(k, _)| **k == *key)
            .map(|(_, e)| e)
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The keys and entries in file order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&Arc<str>, &Entry)> {
        self.entries.iter().map(|(k, e)| (k, e))
    }

    /// The keys in file order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &Arc<str>> {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The entries, for a merge that rebuilds the mapping.
    pub(crate) fn into_entries(self) -> Vec<(Arc<str>, Entry)> {
        self.entries.into_vec()
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a Arc<str>, &'a Entry);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (Arc<str>, Entry)>,
        fn(&'a (Arc<str>, Entry)) -> (&'a Arc<str>, &'a Entry),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, e)| (k, e))
    }
}

/// The entries and elements of the mappings and sequences being read, in buffers reused from
/// one to the next: a reader fills one per open mapping or sequence and then allocates the
/// finished map or list once, at its size, instead of growing it step by step (the regrowth
/// was a seventh of loading a large file). It also gives every key, and every short text, one
/// allocation however often it repeats: a file of 10,000 systems repeats the same forty keys
/// and a few hundred enum members, dates and references.
#[derive(Default)]
pub(crate) struct Scratch {
    maps: Vec<Vec<(Arc<str>, Entry)>>,
    lists: Vec<Vec<Value>>,
    texts: HashSet<Arc<str>>,
}

/// Mappings up to this size find a duplicate key by comparing with each key before it; a
/// larger one is indexed.
const SMALL_MAP: usize = 16;

/// Texts up to this many bytes are shared: keys, enum members, dates and references repeat;
/// longer texts (names, descriptions) rarely do.
const SHORT_TEXT: usize = 24;

/// At most this many distinct texts are shared per file, so that a file of unique short texts
/// does not grow the table without bound (each text is then allocated on its own).
const MAX_SHARED: usize = 1 << 16;

/// A mapping being read: its entries in a reused buffer, and past [`SMALL_MAP`] entries an
/// index of its keys.
pub(crate) struct MapBuilder {
    pairs: Vec<(Arc<str>, Entry)>,
    index: Option<HashMap<Arc<str>, usize>>,
}

impl Scratch {
    pub(crate) fn map(&mut self) -> MapBuilder {
        MapBuilder {
            pairs: self.maps.pop().unwrap_or_default(),
            index: None,
        }
    }

    pub(crate) fn list(&mut self) -> Vec<Value> {
        self.lists.pop().unwrap_or_default()
    }

    /// A text of the file: shared with its earlier occurrences when it is short.
    pub(crate) fn text(&mut self, s: &str) -> Arc<str> {
        if s.len() > SHORT_TEXT {
            return Arc::from(s);
        }
        if let Some(shared) = self.texts.get(s) {
            return shared.clone();
        }
        let text: Arc<str> = Arc::from(s);
        if self.texts.len() < MAX_SHARED {
            self.texts.insert(text.clone());
        }
        text
    }

    /// The finished list, allocated at its size; the buffer goes back for the next.
    pub(crate) fn finish_list(&mut self, mut items: Vec<Value>) -> Box<[Value]> {
        let out: Box<[Value]> = items.drain(..).collect();
        self.lists.push(items);
        out
    }

    /// The finished mapping; the buffer goes back for the next.
    pub(crate) fn finish_map(&mut self, mut b: MapBuilder) -> Map {
        let map = Map {
            entries: b.pairs.drain(..).collect(),
        };
        self.maps.push(b.pairs);
        map
    }
}

impl MapBuilder {
    /// Adds an entry; a key already there gives back the span of its first definition.
    pub(crate) fn insert(&mut self, key: Arc<str>, entry: Entry) -> Result<(), (Arc<str>, Span)> {
        let first = match &self.index {
            Some(index) => index.get(&key).and_then(|&i| self.pairs.get(i)),
            None => self.pairs.iter().find(|(k, _)| *k == key),
        };
        if let Some((k, first)) = first {
            return Err((k.clone(), first.key_span));
        }
        if let Some(index) = &mut self.index {
            index.insert(key.clone(), self.pairs.len());
        }
        self.pairs.push((key, entry));
        if self.index.is_none() && self.pairs.len() > SMALL_MAP {
            self.index = Some(
                self.pairs
                    .iter()
                    .enumerate()
                    .map(|(i, (k, _))| (k.clone(), i))
                    .collect(),
            );
        }
        Ok(())
    }
}
