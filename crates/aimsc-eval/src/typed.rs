//! Facts after validation: typed values, and records that still know where they came from.

use aimsc_diagnostics::Span;
use jiff::civil::Date;
use std::sync::Arc;

use crate::dates::Duration;

/// A fact value after validation.
#[derive(Debug, Clone, PartialEq)]
pub enum FactValue {
    /// Absent (an optional field left out, or null).
    Missing,
    /// Present but invalid; a diagnostic was reported.
    Invalid,
    /// bool
    Bool(bool),
    /// int
    Int(i64),
    /// decimal
    Dec(f64),
    /// string
    Str(Arc<str>),
    /// date
    Date(Date),
    /// duration
    Dur(Duration),
    /// enum member, and its position in its enum (which orders members)
    Enum(Arc<str>, u32),
    /// id of a record of the named type
    Ref(Arc<RefTo>),
    /// list
    List(Box<[FactValue]>),
    /// record
    Rec(Arc<Record>),
}

/// A record of the facts.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Its type.
    pub ty: Arc<str>,
    /// Its id, when its type has one.
    pub id: Option<Arc<str>>,
    /// Its path in the facts, e.g. `ai_systems[id=credit-scoring]`.
    pub path: Arc<str>,
    /// Field values in schema order.
    pub fields: Vec<FactValue>,
    /// File index into [`Facts::files`](crate::validate::Facts::files).
    pub file: u32,
    /// Span of the record.
    pub span: Span,
    /// Where each field's key is, in schema order (an empty span for a field left out), for
    /// the organisation-level records outside collections, so that an explanation can point at
    /// the line of the fact itself; empty for records of collections (each has its own file or
    /// lines, and there can be millions).
    pub field_spans: Vec<Span>,
}

/// A reference: the type of the record referred to and its id. Behind an `Arc`, so that a
/// [`FactValue`] is 24 bytes: a record holds a value for every field of its type, most of them
/// absent, and at 40 bytes the values were the largest part of the typed facts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RefTo {
    /// The record type.
    pub ty: Arc<str>,
    /// The id.
    pub id: Arc<str>,
}

impl FactValue {
    /// A reference to the record of type `ty` with id `id`.
    pub fn reference(ty: Arc<str>, id: Arc<str>) -> FactValue {
        FactValue::Ref(Arc::new(RefTo { ty, id }))
    }
}

#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<FactValue>() == 24);

impl Record {
    /// Where field `index` is written: its key, or the record when it is not placed.
    pub fn field_span(&self, index: usize) -> Span {
        match self.field_spans.get(index) {
            Some(s) if !s.is_empty() => *s,
            _ => self.span,
        }
    }
}
