//! Facts checked against the schema, as typed values that still know where they came from.

use crate::dates;
use crate::join::IndexCache;
use crate::model::{Field, Model, Ty};
use aimsc_diagnostics::{Diagnostic, LineIndex, Location, Span, did_you_mean};
use aimsc_facts::{Value, ValueKind};
use indexmap::IndexMap;
use jiff::civil::Date;
use std::collections::HashMap;
use std::sync::Arc;

pub use crate::typed::{FactValue, Record};

/// A facts file's identity and text, for turning spans into lines.
#[derive(Debug, Clone, PartialEq)]
pub struct FactFile {
    /// Path as displayed.
    pub path: Arc<str>,
    /// Its line index.
    pub lines: LineIndex,
    /// Its text.
    pub text: Arc<str>,
}

/// A place in a facts file, as reports show it.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct FactLoc {
    /// File path.
    pub file: Arc<str>,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// The organisation's facts, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    /// Files in index order.
    pub files: Vec<FactFile>,
    /// The root record (fields of the `facts` schema).
    pub root: Arc<Record>,
    /// The root collections of records, by root field index (`None` for other fields).
    pub collections: Vec<Option<Arc<[FactValue]>>>,
    /// Records with ids, by (type, id).
    pub by_id: ById,
    /// Join indexes of the root collections, built as evaluation asks for them.
    pub indexes: IndexCache,
    /// By root field index, the unreadable facts file a field may have been in (see
    /// [`crate::view::FactsView::unreadable`]); empty when every file was read.
    pub unreadable: Vec<Option<Arc<str>>>,
    /// What the shell found at each evidence location (see [`crate::evidence`]).
    pub evidence_files: Arc<std::collections::BTreeMap<Arc<str>, crate::evidence::FileCheck>>,
}

impl Facts {
    /// Line and column of a span in a facts file.
    pub fn locate(&self, file: u32, span: Span) -> Option<FactLoc> {
        let f = self.files.get(file as usize)?;
        let (line, column) = f.lines.line_col(&f.text, span.start());
        Some(FactLoc {
            file: f.path.clone(),
            line,
            column,
        })
    }

    /// Empty facts for a model (every root field missing).
    pub fn empty(model: &Model) -> Facts {
        let root = Record {
            ty: Arc::from("facts"),
            id: None,
            path: Arc::from(""),
            fields: vec![FactValue::Missing; model.root.len()],
            file: 0,
            span: Span::default(),
            field_spans: Vec::new(),
        };
        Facts {
            files: Vec::new(),
            root: Arc::new(root),
            collections: vec![None; model.root.len()],
            by_id: HashMap::new(),
            indexes: IndexCache::default(),
            unreadable: Vec::new(),
            evidence_files: Arc::default(),
        }
    }

    /// Assembles facts from a validated root and its collections (by root field index).
    pub fn assemble(
        files: Vec<FactFile>,
        mut root: Record,
        collections: Vec<Option<Arc<[FactValue]>>>,
        by_id: ById,
    ) -> Facts {
        for (slot, items) in root.fields.iter_mut().zip(&collections) {
            if let Some(items) = items {
                *slot = FactValue::List(items.to_vec().into_boxed_slice());
            }
        }
        Facts {
            files,
            root: Arc::new(root),
            collections,
            by_id,
            indexes: IndexCache::default(),
            unreadable: Vec::new(),
            evidence_files: Arc::default(),
        }
    }
}

/// Records by (type, id).
pub type ById = HashMap<(Arc<str>, Arc<str>), Arc<Record>>;

/// A record with an id, keyed by (type, id).
pub type IdEntry = ((Arc<str>, Arc<str>), Arc<Record>);

/// A `ref` as written: the target type, the id, and where (file index, span).
pub type RefUse = (Arc<str>, Arc<str>, u32, Span);

/// What validating one part of the facts (the root, or a run of a collection's records)
/// yields. Parts are validated independently, so an edit to one record re-validates only its
/// part; [`cross_check`] then relates the parts (unique ids, resolvable refs).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Part {
    /// The collection's items, for a run of records.
    pub items: Vec<FactValue>,
    /// Records with ids, in facts order.
    pub ids: Vec<IdEntry>,
    /// Every `ref`, in facts order.
    pub refs: Vec<RefUse>,
    /// Validation errors.
    pub diags: Vec<Diagnostic>,
    /// Every `past` date, so that one after the as-of date can be reported (see
    /// [`future_dates`]) without validating again when the date changes.
    pub past_dates: Vec<PastDate>,
}

/// A value of a field declared `past` (a date of something done), where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct PastDate {
    /// The date.
    pub date: Date,
    /// The record's path, e.g. `policies[id=POL-1]` (empty for the facts root).
    pub record: Arc<str>,
    /// The field's name.
    pub field: Arc<str>,
    /// File index of the value.
    pub file: u32,
    /// Span of the value.
    pub span: Span,
}

/// The `past` dates of `part` after `today`, each an error: a review or an approval cannot have
/// happened after the as-of date, so the date is a mistake (or the as-of date is), and the
/// evaluator reads it as invalid rather than as current evidence.
pub fn future_dates(part: &Part, today: Date, paths: &[Arc<str>]) -> Vec<Diagnostic> {
    part.past_dates
        .iter()
        .filter(|p| p.date > today)
        .map(|p| {
            let path = if p.record.is_empty() {
                p.field.to_string()
            } else {
                format!("{}.{}", p.record, p.field)
            };
            Diagnostic::error(
                aimsc_diagnostics::codes::FACTS_FUTURE_DATE,
                format!("`{path}` is {}, after the as-of date {today}", p.date),
                paths.get(p.file as usize).map(|f| Location::new(f, p.span)),
            )
            .with_label("a date of something done, in the future")
            .with_help(format!(
                "`{}` is declared `past`: correct the date, or evaluate with a later `--as-of`; \
                 until then every requirement that reads it is an error",
                p.field
            ))
        })
        .collect()
}

/// The root fields that are collections of records (`ai_systems: [AiSystem]`), which are
/// validated and evaluated in runs of records: (root field index, name, record type).
pub fn collections(model: &Model) -> impl Iterator<Item = (usize, &Arc<str>, &Arc<str>)> {
    model
        .root
        .iter()
        .enumerate()
        .filter_map(|(i, (name, f))| match &f.ty {
            Ty::List(inner) => match &**inner {
                Ty::Record(r) => Some((i, name, r)),
                _ => None,
            },
            _ => None,
        })
}

/// The root field index of collection `name`, when it is a collection of records.
pub fn collection_index(model: &Model, name: &str) -> Option<usize> {
    collections(model)
        .find(|(_, n, _)| &***n == name)
        .map(|(i, _, _)| i)
}

/// Validates the facts root except the collections of records that it holds as lists: those
/// come through [`validate_items`]. Their fields are left as empty lists in the record.
pub fn validate_root(model: &Model, paths: &[Arc<str>], root: &Value) -> (Record, Part) {
    let mut v = Validator::new(model, paths);
    v.skip_collections = true;
    let record = v.record_fields(&Arc::from("facts"), &model.root, root, Arc::from(""));
    (record, v.into_part(Vec::new()))
}

/// Validates a run of collection `field`'s records, the first at position `first`. `None` is
/// a record whose file did not load: it is invalid, never silently absent.
pub fn validate_items(
    model: &Model,
    paths: &[Arc<str>],
    field: usize,
    first: usize,
    items: &[Option<&Value>],
) -> Part {
    let mut v = Validator::new(model, paths);
    let Some((name, ty)) = model.root.get_index(field).and_then(|(n, f)| match &f.ty {
        Ty::List(inner) => Some((n, &**inner)),
        _ => None,
    }) else {
        return Part::default();
    };
    let out = items
        .iter()
        .enumerate()
        .map(|(i, item)| match item {
            Some(value) => v.value(ty, value, At::Index(name, first + i)),
            None => FactValue::Invalid,
        })
        .collect();
    v.into_part(out)
}

/// Relates validated parts, in facts order: every id unique per record type, every `ref`
/// naming an existing record. Returns the records by id (the first of duplicates) and the
/// errors.
pub fn cross_check(parts: &[&Part], paths: &[Arc<str>]) -> (ById, Vec<Diagnostic>) {
    let at = |file: u32, span: Span| paths.get(file as usize).map(|p| Location::new(p, span));
    let mut by_id = ById::new();
    let mut diags = Vec::new();
    for (key, rec) in parts.iter().flat_map(|p| &p.ids) {
        if let Some(prev) = by_id.get(key) {
            diags.push(duplicate_id(
                key,
                at(rec.file, rec.span),
                at(prev.file, prev.span),
            ));
        } else {
            by_id.insert(key.clone(), rec.clone());
        }
    }
    for (ty, id, file, span) in parts.iter().flat_map(|p| &p.refs) {
        if !by_id.contains_key(&(ty.clone(), id.clone())) {
            let known = by_id.keys().filter(|(t, _)| t == ty).map(|(_, i)| &**i);
            diags.push(unresolved_ref(ty, id, at(*file, *span), known));
        }
    }
    (by_id, diags)
}

/// The error for a second record of a type with an id already taken.
pub fn duplicate_id(
    (ty, id): &(Arc<str>, Arc<str>),
    at: Option<Location>,
    first: Option<Location>,
) -> Diagnostic {
    let mut d = Diagnostic::error(
        aimsc_diagnostics::codes::FACTS_DUPLICATE_ID,
        format!("two `{ty}` records have id `{id}`"),
        at,
    )
    .with_label("second record")
    .with_help("ids must be unique per record type");
    if let Some(p) = first {
        d = d.with_related(p, "first record");
    }
    d
}

/// The error for a `ref` to an id that no record of its type has; `known` are the ids that
/// type has, for a suggestion.
pub fn unresolved_ref<'k>(
    ty: &str,
    id: &str,
    at: Option<Location>,
    known: impl IntoIterator<Item = &'k str>,
) -> Diagnostic {
    let mut d = Diagnostic::error(
        aimsc_diagnostics::codes::FACTS_UNRESOLVED_REF,
        format!("no `{ty}` has id `{id}`"),
        at,
    )
    .with_label(format!("expected the id of a {ty}"));
    if let Some(s) = did_you_mean(id, known) {
        d = d.with_help(format!("did you mean `{s}`?"));
    }
    d
}

/// Validates a merged fact tree against the model's schema.
/// `files` pairs each file index with its path and text; no `past` date may lie after `today`.
pub fn validate(
    model: &Model,
    files: Vec<(Arc<str>, Arc<str>)>,
    root: &Value,
    today: Date,
) -> (Facts, Vec<Diagnostic>) {
    let paths: Vec<Arc<str>> = files.iter().map(|(p, _)| p.clone()).collect();
    let files: Vec<FactFile> = files
        .into_iter()
        .map(|(path, text)| FactFile {
            lines: LineIndex::new(&text),
            path,
            text,
        })
        .collect();
    let (record, root_part) = validate_root(model, &paths, root);
    let mut parts = vec![root_part];
    let mut lists = vec![None; model.root.len()];
    for (i, name, _) in collections(model) {
        let items: Vec<Option<&Value>> = match root.get(name).map(|v| &v.kind) {
            Some(ValueKind::List(items)) => items.iter().map(Some).collect(),
            _ => Vec::new(),
        };
        let mut part = validate_items(model, &paths, i, 0, &items);
        if let Some(slot) = lists.get_mut(i) {
            *slot = Some(Arc::from(std::mem::take(&mut part.items)));
        }
        parts.push(part);
    }
    let (by_id, cross) = cross_check(&parts.iter().collect::<Vec<_>>(), &paths);
    let mut diags: Vec<Diagnostic> = Vec::new();
    for p in parts {
        diags.extend(future_dates(&p, today, &paths));
        diags.extend(p.diags);
    }
    diags.extend(cross);
    (Facts::assemble(files, record, lists, by_id), diags)
}

struct Validator<'a> {
    model: &'a Model,
    paths: &'a [Arc<str>],
    diags: Vec<Diagnostic>,
    ids: Vec<IdEntry>,
    refs: Vec<RefUse>,
    past_dates: Vec<PastDate>,
    /// Leaves the root's collections of records to [`validate_items`].
    skip_collections: bool,
}

impl<'a> Validator<'a> {
    fn new(model: &'a Model, paths: &'a [Arc<str>]) -> Validator<'a> {
        Validator {
            model,
            paths,
            diags: Vec::new(),
            ids: Vec::new(),
            refs: Vec::new(),
            past_dates: Vec::new(),
            skip_collections: false,
        }
    }

    fn into_part(self, items: Vec<FactValue>) -> Part {
        Part {
            items,
            ids: self.ids,
            refs: self.refs,
            diags: self.diags,
            past_dates: self.past_dates,
        }
    }

    fn at(&self, file: u32, span: Span) -> Option<Location> {
        self.paths
            .get(file as usize)
            .map(|p| Location::new(p, span))
    }

    fn wrong(
        &mut self,
        v: &Value,
        path: At<'_>,
        expected: &Ty,
        extra: Option<String>,
    ) -> FactValue {
        let mut d = Diagnostic::error(
            aimsc_diagnostics::codes::FACTS_WRONG_TYPE,
            format!(
                "`{path}` should be {}, found {}",
                describe(expected),
                v.preview()
            ),
            self.at(v.file, v.span),
        )
        .with_label(format!("expected {}", describe(expected)));
        if let Some(h) = extra {
            d = d.with_help(h);
        }
        self.diags.push(d);
        FactValue::Invalid
    }

    fn record_fields(
        &mut self,
        ty_name: &Arc<str>,
        schema: &IndexMap<Arc<str>, Field>,
        v: &Value,
        path: Arc<str>,
    ) -> Record {
        let mut fields = vec![FactValue::Missing; schema.len()];
        let ValueKind::Map(map) = &v.kind else {
            let shown = if path.is_empty() {
                "the facts root".to_string()
            } else {
                format!("`{path}`")
            };
            self.diags.push(
                Diagnostic::error(
                    aimsc_diagnostics::codes::FACTS_WRONG_TYPE,
                    format!(
                        "{shown} should be a {ty_name} record (a mapping), found {}",
                        v.preview()
                    ),
                    self.at(v.file, v.span),
                )
                .with_label("expected a mapping"),
            );
            return Record {
                ty: ty_name.clone(),
                id: None,
                path,
                fields: vec![FactValue::Invalid; schema.len()],
                file: v.file,
                span: v.span,
                field_spans: Vec::new(),
            };
        };
        // The id first, so nested paths can name this record by it.
        let id = match (schema.get("id").map(|f| &f.ty), map.get("id")) {
            (Some(Ty::Str), Some(e)) => match &e.value.kind {
                ValueKind::Str(s) => Some(s.clone()),
                ValueKind::Int(n) => Some(Arc::from(n.to_string())),
                _ => None,
            },
            _ => None,
        };
        let path: Arc<str> = match (&id, path.ends_with(']')) {
            (Some(id), true) => match path.rfind('[') {
                Some(i) => Arc::from(format!("{}[id={id}]", &path[..i])),
                None => path,
            },
            _ => path,
        };
        let placed = !path.contains('[');
        let mut field_spans = if placed {
            vec![Span::default(); schema.len()]
        } else {
            Vec::new()
        };
        // Which fields the mapping has, by schema position.
        let mut present = vec![false; schema.len()];
        for (key, entry) in map {
            let Some(idx) = schema.get_index_of(&**key) else {
                let hint = did_you_mean(key, schema.keys().map(|k| &**k)).map(str::to_string);
                let mut d = Diagnostic::error(
                    aimsc_diagnostics::codes::FACTS_UNKNOWN_FIELD,
                    format!(
                        "{} has no field `{key}`",
                        if &**ty_name == "facts" {
                            "the facts schema".to_string()
                        } else {
                            format!("`{ty_name}`")
                        }
                    ),
                    self.at(entry.value.file, entry.key_span),
                )
                .with_label("not in the schema");
                d = d.with_help(match hint {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "fields of `{ty_name}`: {}",
                        schema.keys().map(|k| &**k).collect::<Vec<_>>().join(", ")
                    ),
                });
                self.diags.push(d);
                continue;
            };
            let field = &schema[idx];
            if let Some(p) = present.get_mut(idx) {
                *p = true;
            }
            // The root merges several files; a key from another file than the record's is
            // left unplaced.
            if let Some(s) = field_spans.get_mut(idx)
                && entry.value.file == v.file
            {
                *s = entry.key_span;
            }
            if self.skip_collections
                && path.is_empty()
                && matches!(entry.value.kind, ValueKind::List(_))
                && collection_index(self.model, key).is_some()
            {
                fields[idx] = FactValue::List(Box::default());
                continue;
            }
            let child = At::Key(&path, key);
            fields[idx] = if matches!(entry.value.kind, ValueKind::Null) {
                if field.optional {
                    FactValue::Missing
                } else {
                    self.missing(ty_name, field, &path, entry.value.file, entry.key_span)
                }
            } else {
                self.value(&field.ty, &entry.value, child)
            };
            if field.past
                && let FactValue::Date(date) = fields[idx]
            {
                self.past_dates.push(PastDate {
                    date,
                    record: path.clone(),
                    field: field.name.clone(),
                    file: entry.value.file,
                    span: entry.value.span,
                });
            }
        }
        for (idx, field) in schema.values().enumerate() {
            if !field.optional && !present.get(idx).copied().unwrap_or(false) {
                // An absent list means "none of these": `incidents` left out is no incidents.
                fields[idx] = if matches!(field.ty, Ty::List(_)) {
                    FactValue::List(Box::default())
                } else {
                    self.missing(ty_name, field, &path, v.file, v.span)
                };
            }
        }
        Record {
            ty: ty_name.clone(),
            id,
            path,
            fields,
            file: v.file,
            span: v.span,
            field_spans,
        }
    }

    fn missing(
        &mut self,
        ty_name: &str,
        field: &Field,
        path: &str,
        file: u32,
        span: Span,
    ) -> FactValue {
        let whose = if path.is_empty() {
            "the facts".to_string()
        } else {
            format!("`{path}` ({ty_name})")
        };
        self.diags.push(
            Diagnostic::error(
                aimsc_diagnostics::codes::FACTS_MISSING_FIELD,
                format!(
                    "{whose} lacks required field `{}` ({})",
                    field.name, field.ty
                ),
                self.at(file, Span::new(span.start(), span.start())),
            )
            .with_label(format!("`{}` is required here", field.name))
            .with_related(field.location.clone(), "declared here")
            .with_help(format!(
                "add `{}`, or declare it optional with `?` if it may be absent",
                field.name
            )),
        );
        FactValue::Invalid
    }

    fn value(&mut self, ty: &Ty, v: &Value, path: At<'_>) -> FactValue {
        match (ty, &v.kind) {
            (Ty::Error, _) => FactValue::Invalid,
            (Ty::Bool, ValueKind::Bool(b)) => FactValue::Bool(*b),
            (Ty::Bool, ValueKind::Str(s))
                if ["yes", "no", "on", "off", "y", "n"]
                    .iter()
                    .any(|w| w.eq_ignore_ascii_case(s.trim())) =>
            {
                self.wrong(
                    v,
                    path,
                    ty,
                    Some("write `true` or `false`: since YAML 1.2, `yes`, `no`, `on` and `off` are text".into()),
                )
            }
            (Ty::Int, ValueKind::Int(n)) => FactValue::Int(*n),
            (Ty::Decimal, ValueKind::Int(n)) => FactValue::Dec(*n as f64),
            (Ty::Decimal, ValueKind::Float(f)) => FactValue::Dec(*f),
            // A blank string is no evidence of anything: "" as a registration number, " " as
            // a scope.
            (Ty::Str, ValueKind::Str(s)) if is_blank(s) => {
                self.diags.push(
                    Diagnostic::warning(
                        aimsc_diagnostics::codes::FACTS_BLANK,
                        format!("`{path}` is blank; it counts as missing"),
                        self.at(v.file, v.span),
                    )
                    .with_label("no text here")
                    .with_help("write the value, or leave the field out"),
                );
                FactValue::Missing
            }
            (Ty::Str, ValueKind::Str(s)) => FactValue::Str(s.clone()),
            (Ty::Date, ValueKind::Str(s)) => match dates::parse_date(
                s.get(..10)
                    .filter(|_| s.len() == 10 || s.as_bytes().get(10) == Some(&b'T'))
                    .unwrap_or(s),
            ) {
                Some(d) => FactValue::Date(d),
                None => self.wrong(
                    v,
                    path,
                    ty,
                    Some("write dates as YYYY-MM-DD, e.g. 2025-03-31".into()),
                ),
            },
            (Ty::Duration, ValueKind::Str(s)) => match dates::parse_duration(s) {
                Some(d) => FactValue::Dur(d),
                None => self.wrong(
                    v,
                    path,
                    ty,
                    Some("write durations like `90 days`, `12 months`, `1 year`".into()),
                ),
            },
            (Ty::Enum(name), ValueKind::Str(s)) => {
                let Some(et) = self.model.enums.get(name) else {
                    return FactValue::Invalid;
                };
                match et.members.iter().position(|m| **m == **s) {
                    Some(i) => FactValue::Enum(
                        et.members[i].clone(),
                        u32::try_from(i).unwrap_or(u32::MAX),
                    ),
                    None => {
                        let hint = did_you_mean(s, et.members.iter().map(|m| &**m))
                            .map(|h| format!("did you mean `{h}`?"));
                        let help =
                            hint.unwrap_or_else(|| format!("one of: {}", et.members.join(", ")));
                        self.wrong(v, path, ty, Some(help))
                    }
                }
            }
            (Ty::Ref(r), ValueKind::Str(s)) => {
                let id: Arc<str> = s.clone();
                self.refs.push((r.clone(), id.clone(), v.file, v.span));
                FactValue::reference(r.clone(), id)
            }
            (Ty::List(inner), ValueKind::List(items)) => {
                let base = path.render();
                FactValue::List(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, it)| self.value(inner, it, At::Index(&base, i)))
                        .collect(),
                )
            }
            (Ty::Record(name), ValueKind::Map(_)) => {
                let Some(rt) = self.model.records.get(name) else {
                    return FactValue::Invalid;
                };
                let rec = self.record_fields(name, &rt.fields, v, Arc::from(path.render()));
                let rec = Arc::new(rec);
                if let Some(id) = &rec.id {
                    self.ids.push(((name.clone(), id.clone()), rec.clone()));
                }
                FactValue::Rec(rec)
            }
            _ => self.wrong(v, path, ty, None),
        }
    }
}

/// Where a value is in the facts, written out only when something needs it (a diagnostic, a
/// record's path): formatting the path of every field of every record was a fifth of
/// validating a large organisation.
#[derive(Clone, Copy)]
enum At<'a> {
    /// `parent.key` (or `key` at the root).
    Key(&'a str, &'a str),
    /// `parent[i]`.
    Index(&'a str, usize),
}

impl At<'_> {
    fn render(self) -> String {
        match self {
            At::Key("", key) => key.to_string(),
            At::Key(parent, key) => format!("{parent}.{key}"),
            At::Index(parent, i) => format!("{parent}[{i}]"),
        }
    }
}

impl std::fmt::Display for At<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            At::Key("", key) => f.write_str(key),
            At::Key(parent, key) => write!(f, "{parent}.{key}"),
            At::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// Whether a string holds nothing but spaces and invisible characters.
fn is_blank(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_whitespace() || aimsc_diagnostics::is_unsafe_char(c))
}

fn describe(ty: &Ty) -> String {
    match ty {
        Ty::Bool => "a boolean (true/false)".into(),
        Ty::Int => "an integer".into(),
        Ty::Decimal => "a number".into(),
        Ty::Str => "a string".into(),
        Ty::Date => "a date (YYYY-MM-DD)".into(),
        Ty::Duration => "a duration (e.g. `90 days`)".into(),
        Ty::Enum(n) => format!("a `{n}` member"),
        Ty::Record(n) => format!("a `{n}` record"),
        Ty::Ref(n) => format!("the id of a `{n}`"),
        Ty::List(t) => format!("a list of {}", describe(t)),
        Ty::Error => "a valid value".into(),
    }
}
