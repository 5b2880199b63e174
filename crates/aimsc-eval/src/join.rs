//! Indexes of root collections by one field, so that `any r in risks where r.system == s`
//! finds its candidates by lookup instead of a scan of every record for every `s`.

use crate::model::Model;
use crate::typed::FactValue;
use jiff::civil::Date;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A field value as an index key. Values that compare equal under the evaluator's `==` have
/// equal keys: a record stands for its id, as a `ref` does.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// A string, a `ref`'s id or a record's id.
    Str(Arc<str>),
    /// An enum member.
    Enum(Arc<str>),
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A date.
    Date(Date),
}

impl Key {
    fn tag(&self) -> u8 {
        match self {
            Key::Str(_) => 1,
            Key::Enum(_) => 2,
            Key::Int(_) => 4,
            Key::Bool(_) => 8,
            Key::Date(_) => 16,
        }
    }

    fn of_tv(tv: &FactValue) -> Option<Key> {
        match tv {
            FactValue::Str(s) => Some(Key::Str(s.clone())),
            FactValue::Ref(r) => Some(Key::Str(r.id.clone())),
            FactValue::Rec(r) => r.id.clone().map(Key::Str),
            FactValue::Enum(m, _) => Some(Key::Enum(m.clone())),
            FactValue::Int(n) => Some(Key::Int(*n)),
            FactValue::Bool(b) => Some(Key::Bool(*b)),
            FactValue::Date(d) => Some(Key::Date(*d)),
            _ => None,
        }
    }
}

/// The positions of a root collection's records by the value of one field.
#[derive(Debug, Default, PartialEq)]
pub struct JoinIndex {
    by_key: HashMap<Key, Vec<u32>>,
    /// Records whose field is missing, invalid or of a shape that has no key: the filter is
    /// evaluated on them as on any candidate, so three-valued results stay as a scan gives.
    others: Vec<u32>,
    /// The kinds of key present.
    tags: u8,
}

impl JoinIndex {
    /// Indexes `items` (a root collection) by `field` of their record type.
    pub fn build(model: &Model, items: &[FactValue], field: &str) -> JoinIndex {
        let mut index = JoinIndex::default();
        for (i, item) in items.iter().enumerate() {
            let pos = u32::try_from(i).unwrap_or(u32::MAX);
            // A `past` date is invalid once after the as-of date, which an index built once
            // for every date cannot tell: such fields are not indexed, and every record stays
            // a candidate that the filter itself decides.
            let key = match item {
                FactValue::Rec(r) => model
                    .records
                    .get(&r.ty)
                    .and_then(|rt| rt.fields.get_full(field))
                    .filter(|(_, _, f)| !f.past)
                    .and_then(|(f, _, _)| r.fields.get(f))
                    .and_then(Key::of_tv),
                _ => None,
            };
            match key {
                Some(k) => {
                    index.tags |= k.tag();
                    index.by_key.entry(k).or_default().push(pos);
                }
                None => index.others.push(pos),
            }
        }
        index
    }

    /// The positions, in collection order, of the records whose field may equal `key`:
    /// those with that key and those without a key. `None` when the field holds keys of
    /// another kind, which compare as unknown rather than unequal; the caller then scans.
    pub fn candidates(&self, key: &Key) -> Option<Vec<u32>> {
        if self.tags & !key.tag() != 0 {
            return None;
        }
        let hits = self.by_key.get(key).map_or(&[][..], Vec::as_slice);
        let mut out = Vec::with_capacity(hits.len() + self.others.len());
        let (mut a, mut b) = (hits.iter().peekable(), self.others.iter().peekable());
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) if x <= y => a.next(),
                (Some(_), Some(_)) => b.next(),
                (Some(_), None) => a.next(),
                (None, _) => b.next(),
            };
            match next {
                Some(p) => out.push(*p),
                None => break,
            }
        }
        Some(out)
    }
}

/// Indexes built on demand for one set of facts, shared by every check evaluated on them.
/// It is a cache: two caches always compare equal, and a clone starts empty.
#[derive(Default)]
pub struct IndexCache(Mutex<HashMap<IndexKey, Arc<JoinIndex>>>);

/// A root collection (by root field index) and a field of its records.
type IndexKey = (usize, Arc<str>);

impl IndexCache {
    /// The index of `items` by `field`, built the first time it is asked for.
    pub fn get(
        &self,
        model: &Model,
        collection: usize,
        field: &Arc<str>,
        items: &[FactValue],
    ) -> Option<Arc<JoinIndex>> {
        // A poisoned lock only means another evaluation panicked; the map is still sound.
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let index = map
            .entry((collection, field.clone()))
            .or_insert_with(|| Arc::new(JoinIndex::build(model, items, field)));
        Some(index.clone())
    }
}

impl PartialEq for IndexCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Clone for IndexCache {
    fn clone(&self) -> Self {
        IndexCache::default()
    }
}

impl std::fmt::Debug for IndexCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IndexCache")
    }
}
