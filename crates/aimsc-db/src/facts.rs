//! The facts as queries, split so that an edit to one record file re-runs little: each file is
//! parsed apart, each collection is validated in chunks of [`CHUNK`] records, and what relates
//! records across chunks (ids, refs, join indexes) is computed once per revision and compared,
//! so that an unchanged answer stops the re-run there.

use crate::inputs::*;
use crate::rules::*;
use aimsc_diagnostics::{Diagnostic, LineIndex, Location, Span};
use aimsc_eval::join::JoinIndex;
use aimsc_eval::validate::{
    self, FactValue, Facts, Part, Record, collection_index, collections, validate_items,
    validate_root,
};
use aimsc_eval::view::CHUNK;
use aimsc_facts::{SourceRole, Value, ValueKind};
use std::collections::HashMap;
use std::sync::Arc;

#[salsa::tracked(returns(ref))]
pub fn parse_fact_file(db: &dyn salsa::Database, file: FactFile) -> Result<Value, Diagnostic> {
    aimsc_facts::parse_file(
        file.path(db),
        file.index(db),
        file.text(db),
        &file.limits(db),
    )
}

/// The facts files' paths by file index, for diagnostics.
#[salsa::tracked(returns(ref))]
pub fn fact_paths(db: &dyn salsa::Database, ws: Workspace) -> Arc<[Arc<str>]> {
    ws.facts(db).iter().map(|f| f.path(db).clone()).collect()
}

#[salsa::tracked(returns(ref))]
pub fn fact_lines(db: &dyn salsa::Database, file: FactFile) -> LineIndex {
    LineIndex::new(file.text(db))
}

/// The root files merged, with the errors of reading and merging them.
#[derive(Debug, Clone, PartialEq)]
pub struct RootValue {
    /// The merged mapping.
    pub value: Value,
    /// Merge errors.
    pub diags: Vec<Diagnostic>,
    /// The errors of the root files that could not be read, in file order.
    pub load_errors: Vec<Diagnostic>,
    /// The first root file that could not be read: any root fact it may have held is unknown.
    pub unreadable: Option<Arc<str>>,
}

/// The root files parsed and merged. The query parses them itself rather than through
/// [`parse_fact_file`], so that each parsed tree moves into the merged one: through the
/// per-file query it was copied twice (out of that query's memo, then into the merge), which
/// was a third of the time and memory of loading one large facts file.
#[salsa::tracked(returns(ref))]
pub fn root_value(db: &dyn salsa::Database, ws: Workspace) -> RootValue {
    let mut load_errors = Vec::new();
    let mut unreadable = None;
    let mut parsed = Vec::new();
    for f in ws.facts(db) {
        if *f.role(db) != SourceRole::Root {
            continue;
        }
        match aimsc_facts::parse_file(f.path(db), f.index(db), f.text(db), &f.limits(db)) {
            Ok(v) => parsed.push((SourceRole::Root, f.path(db).clone(), v)),
            Err(d) => {
                unreadable.get_or_insert_with(|| f.path(db).clone());
                load_errors.push(d);
            }
        }
    }
    let (value, diags) = aimsc_facts::merge(parsed);
    RootValue {
        value,
        diags,
        load_errors,
        unreadable,
    }
}

/// By root field index: the unreadable root file a field may have been in, for the fields no
/// readable root file holds. Such a field is unknown, never empty or absent: a check that
/// reads it is an error, not a pass over nothing.
#[salsa::tracked(returns(ref))]
pub fn unreadable_fields(db: &dyn salsa::Database, ws: Workspace) -> Vec<Option<Arc<str>>> {
    let model = schema_model(db, ws);
    let root = root_value(db, ws);
    let Some(file) = &root.unreadable else {
        return Vec::new();
    };
    model
        .root
        .keys()
        .map(|k| root.value.get(k).is_none().then(|| file.clone()))
        .collect()
}

/// Where a collection's record comes from.
#[derive(Clone, Copy, PartialEq)]
pub enum Item {
    /// Element `n` of the list in the root files.
    Inline(u32),
    /// A file of its own.
    File(FactFile),
}

/// Each root collection's records, in order: the root files' elements, then the folder's files.
#[derive(Clone, PartialEq, Default)]
pub struct Layout {
    /// By root field index; empty for fields that are not collections of records.
    pub collections: Vec<Vec<Item>>,
    /// Record files that belong to no collection.
    pub diags: Vec<Diagnostic>,
}

#[salsa::tracked(returns(ref))]
pub fn layout(db: &dyn salsa::Database, ws: Workspace) -> Layout {
    let model = schema_model(db, ws);
    let mut out = Layout {
        collections: vec![Vec::new(); model.root.len()],
        diags: Vec::new(),
    };
    if ws.facts(db).is_empty() {
        return out;
    }
    let root = &root_value(db, ws).value;
    for (i, name, _) in collections(model) {
        if let Some(ValueKind::List(items)) = root.get(name).map(|v| &v.kind)
            && let Some(slot) = out.collections.get_mut(i)
        {
            let n = u32::try_from(items.len()).unwrap_or(u32::MAX);
            slot.extend((0..n).map(Item::Inline));
        }
    }
    for f in ws.facts(db) {
        let SourceRole::Record(coll) = f.role(db) else {
            continue;
        };
        let at = Some(Location::new(f.path(db), Span::default()));
        match (
            collection_index(model, coll),
            root.get(coll).map(|v| &v.kind),
        ) {
            (_, Some(other)) if !matches!(other, ValueKind::List(_)) => out.diags.push(
                Diagnostic::error(
                    aimsc_diagnostics::codes::FACTS_DUPLICATE_KEY,
                    format!(
                        "`{coll}` is both a folder of records and {} in a root file",
                        other.describe()
                    ),
                    at,
                )
                .with_help("make it a list in the root file, or keep only the folder"),
            ),
            (Some(i), _) => {
                if let Some(slot) = out.collections.get_mut(i) {
                    slot.push(Item::File(*f));
                }
            }
            (None, _) => {
                let fields: Vec<&str> = collections(model).map(|(_, n, _)| &**n).collect();
                let mut d = Diagnostic::error(
                    aimsc_diagnostics::codes::FACTS_UNKNOWN_FIELD,
                    format!("the facts schema has no collection `{coll}`"),
                    at,
                )
                .with_label("this file's folder names no collection of records");
                d = d.with_help(
                    match aimsc_diagnostics::did_you_mean(coll, fields.clone()) {
                        Some(s) => format!("did you mean the folder `{s}`?"),
                        None => format!("collections of the facts schema: {}", fields.join(", ")),
                    },
                );
                out.diags.push(d);
            }
        }
    }
    out
}

/// One chunk of one collection, as a query key.
#[salsa::interned]
pub struct ChunkKey<'db> {
    #[returns(copy)]
    pub ws: Workspace,
    #[returns(copy)]
    pub field: u32,
    #[returns(copy)]
    pub chunk: u32,
}

/// A chunk of records, validated, and the errors of its files that did not load.
#[derive(Clone, PartialEq, Default)]
pub struct Chunk {
    /// What validation found.
    pub part: Part,
    /// Load errors of the chunk's files.
    pub load_errors: Vec<Diagnostic>,
}

/// Records `chunk * CHUNK ..` of collection `field`, loaded and validated. The chunk parses its
/// files itself rather than through a query per file: an edit then re-parses the chunk's
/// files, and every other revision verifies one query per chunk instead of one per file, and
/// no parsed tree outlives its validation.
#[salsa::tracked(returns(ref))]
pub fn chunk<'db>(db: &'db dyn salsa::Database, key: ChunkKey<'db>) -> Chunk {
    let ws = key.ws(db);
    let field = key.field(db) as usize;
    let layout = layout(db, ws);
    let Some(all) = layout.collections.get(field) else {
        return Chunk::default();
    };
    let first = (key.chunk(db) as usize)
        .saturating_mul(CHUNK)
        .min(all.len());
    let items = &all[first..first.saturating_add(CHUNK).min(all.len())];
    let model = schema_model(db, ws);
    let name = model.root.get_index(field).map(|(n, _)| n.clone());
    let mut load_errors = Vec::new();
    // Records in files of their own are parsed here; records inline in a root file are read
    // where the merged root holds them, not copied.
    let parsed: Vec<Option<Value>> = items
        .iter()
        .map(|item| match item {
            Item::File(f) => {
                match aimsc_facts::parse_file(f.path(db), f.index(db), f.text(db), &f.limits(db)) {
                    Ok(v) => Some(v),
                    Err(d) => {
                        load_errors.push(d);
                        None
                    }
                }
            }
            Item::Inline(_) => None,
        })
        .collect();
    // Only a chunk with inline records reads the root: a chunk of record files must not
    // re-run on every edit of a root file.
    let inline: &[Value] = if items.iter().any(|i| matches!(i, Item::Inline(_))) {
        match root_value(db, ws)
            .value
            .get(name.as_deref().unwrap_or(""))
            .map(|v| &v.kind)
        {
            Some(ValueKind::List(list)) => &list[..],
            _ => &[],
        }
    } else {
        &[]
    };
    let values: Vec<Option<&Value>> = items
        .iter()
        .zip(&parsed)
        .map(|(item, own)| match item {
            Item::File(_) => own.as_ref(),
            Item::Inline(n) => inline.get(*n as usize),
        })
        .collect();
    Chunk {
        part: validate_items(model, fact_paths(db, ws), field, first, &values),
        load_errors,
    }
}

fn chunks_of(db: &dyn salsa::Database, ws: Workspace, field: usize) -> usize {
    layout(db, ws)
        .collections
        .get(field)
        .map_or(0, |c| c.len().div_ceil(CHUNK))
}

fn chunk_key(db: &dyn salsa::Database, ws: Workspace, field: usize, k: usize) -> ChunkKey<'_> {
    let index = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    ChunkKey::new(db, ws, index(field), index(k))
}

pub(crate) fn chunk_at(db: &dyn salsa::Database, ws: Workspace, field: usize, k: usize) -> &Part {
    &chunk(db, chunk_key(db, ws, field, k)).part
}

/// One collection of one workspace, as a query key.
#[salsa::interned]
pub struct CollKey<'db> {
    #[returns(copy)]
    pub ws: Workspace,
    #[returns(copy)]
    pub field: u32,
}

/// All records of a collection: read by what uses the collection whole.
#[salsa::tracked(returns(ref))]
pub fn collection_items<'db>(db: &'db dyn salsa::Database, key: CollKey<'db>) -> Arc<[FactValue]> {
    let (ws, field) = (key.ws(db), key.field(db) as usize);
    (0..chunks_of(db, ws, field))
        .flat_map(|k| chunk_at(db, ws, field, k).items.iter().cloned())
        .collect()
}

/// A collection and a field of its records, as a query key.
#[salsa::interned]
pub struct IndexKey<'db> {
    #[returns(copy)]
    pub ws: Workspace,
    #[returns(copy)]
    pub field: u32,
    #[returns(ref)]
    pub by: Arc<str>,
}

/// A join index: equal after an edit that left the indexed field's values as they were, so
/// the joins reading it do not re-run.
#[salsa::tracked(returns(ref))]
pub fn join_index<'db>(db: &'db dyn salsa::Database, key: IndexKey<'db>) -> Arc<JoinIndex> {
    let ws = key.ws(db);
    let items = collection_items(db, CollKey::new(db, ws, key.field(db)));
    Arc::new(JoinIndex::build(schema_model(db, ws), items, key.by(db)))
}

/// The root validated without its collections of records.
#[derive(Debug, Clone, PartialEq)]
pub struct RootPart {
    /// The root record.
    pub record: Arc<Record>,
    /// What validation found in it.
    pub part: Part,
}

#[salsa::tracked(returns(ref))]
pub fn root_part(db: &dyn salsa::Database, ws: Workspace) -> RootPart {
    let model = schema_model(db, ws);
    if ws.facts(db).is_empty() {
        return RootPart {
            record: Facts::empty(model).root,
            part: Part::default(),
        };
    }
    let (record, part) = validate_root(model, fact_paths(db, ws), &root_value(db, ws).value);
    RootPart {
        record: Arc::new(record),
        part,
    }
}

/// Where the record with an id is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Home {
    /// In the root's own fields.
    Root,
    /// In a chunk: (root field index, chunk).
    Chunk(u32, u32),
}

/// The ids a chunk holds: equal after an edit that changed no id, so [`id_homes`] does not
/// re-run.
#[salsa::tracked(returns(ref))]
pub fn chunk_ids<'db>(
    db: &'db dyn salsa::Database,
    key: ChunkKey<'db>,
) -> Vec<(Arc<str>, Arc<str>)> {
    chunk(db, key)
        .part
        .ids
        .iter()
        .map(|(k, _)| k.clone())
        .collect()
}

/// Where each record with an id is: see [`id_homes`].
pub type IdHomes = HashMap<(Arc<str>, Arc<str>), (Home, u32), foldhash::fast::RandomState>;

/// Where each record with an id is (the first, when ids repeat): its part, and its place in
/// that part's ids. The place changes only with the part's ids, which re-run this anyway.
#[salsa::tracked(returns(ref))]
pub fn id_homes(db: &dyn salsa::Database, ws: Workspace) -> IdHomes {
    let mut out = IdHomes::default();
    let place = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
    for (i, (key, _)) in root_part(db, ws).part.ids.iter().enumerate() {
        out.entry(key.clone()).or_insert((Home::Root, place(i)));
    }
    for chunk in all_chunks(db, ws) {
        let home = Home::Chunk(chunk.field(db), chunk.chunk(db));
        for (i, key) in chunk_ids(db, chunk).iter().enumerate() {
            out.entry(key.clone()).or_insert((home, place(i)));
        }
    }
    out
}

pub(crate) fn part_at(db: &dyn salsa::Database, ws: Workspace, home: Home) -> &Part {
    match home {
        Home::Root => &root_part(db, ws).part,
        Home::Chunk(field, k) => chunk_at(db, ws, field as usize, k as usize),
    }
}

/// The errors of one part of the facts: its own validation errors, then the ids it repeats
/// and the refs it makes that name no record.
fn relate(db: &dyn salsa::Database, ws: Workspace, home: Home) -> Vec<Diagnostic> {
    let part = part_at(db, ws, home);
    let paths = fact_paths(db, ws);
    let at = |file: u32, span: Span| paths.get(file as usize).map(|p| Location::new(p, span));
    let homes = id_homes(db, ws);
    let mut out = part.diags.clone();
    out.extend(validate::future_dates(part, ws.as_of(db), paths));
    for (i, (key, rec)) in part.ids.iter().enumerate() {
        // The first record with this id, when it is not this one.
        let first = match homes.get(key) {
            Some((h, _)) if *h != home => part_at(db, ws, *h).ids.iter().find(|(k, _)| k == key),
            _ => part.ids[..i].iter().find(|(k, _)| k == key),
        };
        if let Some((_, prev)) = first {
            out.push(validate::duplicate_id(
                key,
                at(rec.file, rec.span),
                at(prev.file, prev.span),
            ));
        }
    }
    for (ty, id, file, span) in &part.refs {
        if !homes.contains_key(&(ty.clone(), id.clone())) {
            let known = homes.keys().filter(|(t, _)| t == ty).map(|(_, i)| &**i);
            out.push(validate::unresolved_ref(ty, id, at(*file, *span), known));
        }
    }
    out
}

/// A chunk's errors (see [`relate`]).
#[salsa::tracked(returns(ref))]
pub fn chunk_diagnostics<'db>(db: &'db dyn salsa::Database, key: ChunkKey<'db>) -> Vec<Diagnostic> {
    relate(db, key.ws(db), Home::Chunk(key.field(db), key.chunk(db)))
}

/// The root's errors (see [`relate`]).
#[salsa::tracked(returns(ref))]
pub fn root_diagnostics(db: &dyn salsa::Database, ws: Workspace) -> Vec<Diagnostic> {
    relate(db, ws, Home::Root)
}

/// Every chunk of every collection, as keys.
fn all_chunks<'db>(db: &'db dyn salsa::Database, ws: Workspace) -> Vec<ChunkKey<'db>> {
    collections(schema_model(db, ws))
        .flat_map(|(field, _, _)| (0..chunks_of(db, ws, field)).map(move |k| (field, k)))
        .map(|(field, k)| chunk_key(db, ws, field, k))
        .collect()
}

/// Validates the chunks of records one by one, taking the next number from `next`: several
/// threads share the chunks this way (see `Project::validate_ahead`).
pub fn validate_chunks(
    db: &dyn salsa::Database,
    ws: Workspace,
    next: &std::sync::atomic::AtomicUsize,
) {
    let keys = all_chunks(db, ws);
    while let Some(k) = keys.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
        let _ = chunk(db, *k);
    }
}

/// Every load and validation error of the facts.
#[salsa::tracked(returns(ref))]
pub fn facts_diagnostics(db: &dyn salsa::Database, ws: Workspace) -> Vec<Diagnostic> {
    let files = ws.facts(db);
    if files.is_empty() {
        return Vec::new();
    }
    let chunks = all_chunks(db, ws);
    let mut diags: Vec<Diagnostic> = root_value(db, ws).load_errors.clone();
    // Record files that belong to no collection are in no chunk.
    diags.extend(files.iter().filter_map(|f| match f.role(db) {
        SourceRole::Record(c) if collection_index(schema_model(db, ws), c).is_none() => {
            parse_fact_file(db, *f).as_ref().err().cloned()
        }
        _ => None,
    }));
    diags.extend(
        chunks
            .iter()
            .flat_map(|k| chunk(db, *k).load_errors.iter().cloned()),
    );
    // A file that did not load already has its error; do not also report every field it lacked.
    let all_loaded = diags.is_empty();
    diags.extend(root_value(db, ws).diags.iter().cloned());
    diags.extend(layout(db, ws).diags.iter().cloned());
    if all_loaded {
        diags.extend(root_diagnostics(db, ws).iter().cloned());
        diags.extend(
            chunks
                .iter()
                .flat_map(|k| chunk_diagnostics(db, *k).iter().cloned()),
        );
    }
    diags
}

/// The records of type `ty` with an id, each id once (the first, in the order
/// [`whole_facts`] indexes them).
pub fn records_with_type(db: &dyn salsa::Database, ws: Workspace, ty: &str) -> Vec<Arc<Record>> {
    let mut seen = std::collections::HashSet::new();
    let keys = all_chunks(db, ws);
    std::iter::once(&root_part(db, ws).part)
        .chain(keys.iter().map(|k| &chunk(db, *k).part))
        .flat_map(|p| &p.ids)
        .filter(|((t, _), _)| &**t == ty)
        .filter(|(key, _)| seen.insert(key.clone()))
        .map(|(_, r)| r.clone())
        .collect()
}

/// The facts whole, for readers that browse them (hover, go to definition, the library).
#[salsa::tracked(returns(ref))]
pub fn whole_facts(db: &dyn salsa::Database, ws: Workspace) -> Arc<Facts> {
    let model = schema_model(db, ws);
    let files = ws
        .facts(db)
        .iter()
        .map(|f| validate::FactFile {
            path: f.path(db).clone(),
            lines: fact_lines(db, *f).clone(),
            text: Arc::from(f.text(db).as_str()),
        })
        .collect();
    let mut lists = vec![None; model.root.len()];
    for (field, _, _) in collections(model) {
        if let Some(slot) = lists.get_mut(field) {
            let key = CollKey::new(db, ws, u32::try_from(field).unwrap_or(u32::MAX));
            *slot = Some(collection_items(db, key).clone());
        }
    }
    let mut by_id = HashMap::new();
    let parts = std::iter::once(&root_part(db, ws).part)
        .chain(all_chunks(db, ws).into_iter().map(|k| &chunk(db, k).part));
    for (key, rec) in parts.flat_map(|p| &p.ids) {
        by_id.entry(key.clone()).or_insert_with(|| rec.clone());
    }
    let root = (*root_part(db, ws).record).clone();
    let mut facts = Facts::assemble(files, root, lists, by_id);
    facts.unreadable = unreadable_fields(db, ws).clone();
    facts.evidence_files = ws.evidence(db).clone();
    Arc::new(facts)
}
