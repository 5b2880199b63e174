//! How evaluation reads the facts. [`Facts`] answers from one validated tree; `aimsc-db`
//! answers through queries, so that each check depends only on the records it read and an
//! edit to one record re-runs only the work that read it.

use crate::join::JoinIndex;
use crate::model::Model;
use crate::partial::Partial;
use crate::validate::{FactLoc, FactValue, Facts, Record};
use aimsc_diagnostics::Span;
use std::sync::Arc;

/// How many records of a collection one unit of incremental work covers. Small enough that an
/// edit re-runs little, large enough that the engine tracks few units per collection.
pub const CHUNK: usize = 64;

/// Read access to validated facts. Root fields are addressed by their index in the schema's
/// `facts` block.
pub trait FactsView {
    /// Root field `field`; collections of records are read through [`FactsView::items`].
    fn root_field(&self, field: usize) -> Option<FactValue>;
    /// All records of collection `field`, when it is a root collection of records.
    fn items(&self, field: usize) -> Option<Arc<[FactValue]>>;
    /// How many records collection `field` holds.
    fn len(&self, field: usize) -> Option<usize>;
    /// The record at `pos` of collection `field`.
    fn item(&self, field: usize, pos: usize) -> Option<FactValue>;
    /// Collection `field` indexed by the record field `by`.
    fn index(&self, model: &Model, field: usize, by: &Arc<str>) -> Option<Arc<JoinIndex>>;
    /// The record of type `ty` with id `id`.
    fn by_id(&self, ty: &Arc<str>, id: &Arc<str>) -> Option<Arc<Record>>;
    /// Whether a record of type `ty` has id `id`: what a ref's validity needs, without
    /// reaching the record.
    fn has_id(&self, ty: &Arc<str>, id: &Arc<str>) -> bool {
        self.by_id(ty, id).is_some()
    }
    /// Line and column of a span in a facts file.
    fn locate(&self, file: u32, span: Span) -> Option<FactLoc>;
    /// What the shell found at an evidence location (see [`crate::evidence`]); `None` when it
    /// looked at no file there.
    fn evidence_file(&self, location: &str) -> Option<crate::evidence::FileCheck> {
        let _ = location;
        None
    }
    /// The unreadable facts file root field `field` may have been in, when no readable file
    /// holds it: the field is then unknown, not absent or empty.
    fn unreadable(&self, field: usize) -> Option<Arc<str>> {
        let _ = field;
        None
    }
    /// A quantifier's verdict over one chunk of its collection, computed (and cached) apart:
    /// `part` is 0 for the check's applicability and `1 + i` for requirement `i`, `site` the
    /// quantifier's number in [`crate::evaluate::sites`] order. `None` evaluates in place.
    fn site(&self, part: usize, site: usize, chunk: usize) -> Option<Partial> {
        let _ = (part, site, chunk);
        None
    }
    /// Which defs [`FactsView::def_verdicts`] answers (see [`crate::evaluate::shared_defs`]);
    /// `None`: none, every call evaluates in place.
    fn shared_defs(&self) -> Option<Arc<[bool]>> {
        None
    }
    /// Def `def`'s verdicts on the records of chunk `chunk` of collection `field`, computed
    /// (and cached) apart with `evidence_required` as given (see [`crate::evaluate::def_chunk`]).
    fn def_verdicts(
        &self,
        def: usize,
        field: usize,
        chunk: usize,
        evidence_required: bool,
    ) -> Option<Arc<[Option<crate::evaluate::DefVerdict>]>> {
        let _ = (def, field, chunk, evidence_required);
        None
    }
}

impl FactsView for Facts {
    fn root_field(&self, field: usize) -> Option<FactValue> {
        self.root.fields.get(field).cloned()
    }

    fn items(&self, field: usize) -> Option<Arc<[FactValue]>> {
        self.collections.get(field)?.clone()
    }

    fn len(&self, field: usize) -> Option<usize> {
        Some(self.collections.get(field)?.as_ref()?.len())
    }

    fn item(&self, field: usize, pos: usize) -> Option<FactValue> {
        self.collections.get(field)?.as_ref()?.get(pos).cloned()
    }

    fn index(&self, model: &Model, field: usize, by: &Arc<str>) -> Option<Arc<JoinIndex>> {
        let items = self.collections.get(field)?.as_ref()?;
        self.indexes.get(model, field, by, items)
    }

    fn by_id(&self, ty: &Arc<str>, id: &Arc<str>) -> Option<Arc<Record>> {
        self.by_id.get(&(ty.clone(), id.clone())).cloned()
    }

    fn locate(&self, file: u32, span: Span) -> Option<FactLoc> {
        Facts::locate(self, file, span)
    }

    fn unreadable(&self, field: usize) -> Option<Arc<str>> {
        self.unreadable.get(field).cloned().flatten()
    }

    fn evidence_file(&self, location: &str) -> Option<crate::evidence::FileCheck> {
        self.evidence_files.get(location).cloned()
    }
}
