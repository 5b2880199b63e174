use crate::limits::Limits;
use crate::parse::Format;
use crate::value::{Entry, Map, Value, ValueKind};
use aimsc_diagnostics::{Diagnostic, Location, Span};
use indexmap::IndexMap;
use std::path::Path;
use std::sync::Arc;

/// What part of the merged facts a file provides.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SourceRole {
    /// Its mapping's keys are root facts.
    Root,
    /// It is one record of the named collection.
    Record(String),
}

/// One facts file found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactSource {
    /// Path as displayed (relative to the working folder when given relative).
    pub path: Arc<str>,
    /// How it merges.
    pub role: SourceRole,
    /// File contents.
    pub text: String,
}

fn read(path: &Path, display: &str, limits: &Limits) -> Result<String, Diagnostic> {
    let cannot = |e: std::io::Error| {
        Diagnostic::error(
            aimsc_diagnostics::codes::IO_READ,
            format!("cannot read `{display}`: {e}"),
            None,
        )
        .with_help("check the path given to --facts or in aims.toml")
    };
    // Sized before it is read, so that an oversized file is refused without loading it.
    let len = std::fs::metadata(path).map_err(cannot)?.len();
    if len > limits.max_file_bytes as u64 {
        return Err(crate::too_large(
            &Arc::from(display),
            usize::try_from(len).unwrap_or(usize::MAX),
            limits,
        ));
    }
    let bytes = std::fs::read(path).map_err(cannot)?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        Diagnostic::error(
            aimsc_diagnostics::codes::IO_NOT_UTF8,
            format!("`{display}` is not UTF-8 text (invalid byte at offset {at})"),
            Some(Location::new(&Arc::from(display), Span::new(at, at))),
        )
        .with_help("save the file as UTF-8")
    })
}

fn sorted_entries(dir: &Path) -> Result<Vec<std::path::PathBuf>, Diagnostic> {
    let rd = std::fs::read_dir(dir).map_err(|e| {
        Diagnostic::error(
            aimsc_diagnostics::codes::IO_READ,
            format!("cannot read folder `{}`: {e}", dir.display()),
            None,
        )
    })?;
    let mut out: Vec<_> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
    out.sort();
    Ok(out)
}

/// The facts files found under a path, and what was left out, said aloud.
#[derive(Debug, Clone, Default)]
pub struct Discovered {
    /// The files to load, in a deterministic order.
    pub sources: Vec<FactSource>,
    /// A warning for every entry under the folder that is not loaded, and why.
    pub skipped: Vec<Diagnostic>,
}

/// What an entry of a facts folder is, after links are resolved within the folder.
enum Kind {
    /// A regular file, or a link to one inside the folder.
    File,
    /// A folder, or a link to one inside the folder.
    Dir,
    /// Anything else, with why it is not read.
    Other(&'static str),
}

/// Looks at an entry without following a link out of `root`: a link is followed only when
/// it resolves to a place inside the facts folder. A link that leaves it is an error, and its
/// target is never opened: a pull request must not get a file from elsewhere on the machine
/// (a process's environment, a key) read and echoed into the job log.
fn kind(entry: &Path, root: &Path) -> Result<Kind, Diagnostic> {
    let meta = std::fs::symlink_metadata(entry).map_err(|e| {
        Diagnostic::error(
            aimsc_diagnostics::codes::IO_READ,
            format!("cannot read `{}`: {e}", entry.display()),
            None,
        )
    })?;
    let meta = if meta.file_type().is_symlink() {
        let Ok(target) = std::fs::canonicalize(entry) else {
            return Ok(Kind::Other("a link to nothing"));
        };
        if !target.starts_with(root) {
            return Err(Diagnostic::error(
                aimsc_diagnostics::codes::FACTS_LINK_OUTSIDE,
                format!(
                    "`{}` is a link to a place outside the facts folder; it is not read",
                    entry.display()
                ),
                None,
            )
            .with_help(
                "facts come from files inside the facts folder: copy the file in, or remove the link",
            ));
        }
        match std::fs::metadata(&target) {
            Ok(m) => m,
            Err(_) => return Ok(Kind::Other("a link to nothing")),
        }
    } else {
        meta
    };
    Ok(if meta.is_file() {
        Kind::File
    } else if meta.is_dir() {
        Kind::Dir
    } else {
        Kind::Other("neither a file nor a folder (a pipe, socket or device)")
    })
}

fn skipped(entry: &Path, why: &str) -> Diagnostic {
    let path = aimsc_diagnostics::printable(&entry.to_string_lossy()).into_owned();
    Diagnostic::warning(
        aimsc_diagnostics::codes::FACTS_SKIPPED,
        format!("`{path}` is not loaded: {why}"),
        Some(Location::new(&Arc::from(path.as_str()), Span::new(0, 0))),
    )
    .with_help("facts are .yaml, .yml, .json or .toml files: root files at the top, one subfolder per collection with one file per record; move or rename it, or delete it")
}

/// Why a file of the folder is not a facts file, if it is not.
fn not_facts(p: &Path) -> Option<&'static str> {
    let Some(name) = p.file_name().and_then(|n| n.to_str()) else {
        return Some("its name is not UTF-8");
    };
    if name.starts_with('.') {
        return Some("it is hidden (its name starts with `.`)");
    }
    if p.to_str().and_then(Format::from_path).is_none() {
        return Some("it is not a .yaml, .yml, .json or .toml file");
    }
    None
}

/// Finds the facts files at `path`: the file itself, or a folder laid out by the folder
/// rule (see the crate docs), within `limits`. Files come back in a deterministic order;
/// every other entry under the folder is reported as skipped, and a link out of the folder
/// is an error.
pub fn discover(path: &Path, limits: &Limits) -> Result<Discovered, Vec<Diagnostic>> {
    let display = |p: &Path| -> Arc<str> { Arc::from(p.to_string_lossy().as_ref()) };
    if !path.exists() {
        return Err(vec![
            Diagnostic::error(
                aimsc_diagnostics::codes::IO_MISSING,
                format!("facts path `{}` does not exist", path.display()),
                None,
            )
            .with_help("pass --facts FILE_OR_FOLDER, or set `facts` in aims.toml"),
        ]);
    }
    if path.is_file() {
        let d = display(path);
        let text = read(path, &d, limits).map_err(|e| vec![e])?;
        return Ok(Discovered {
            sources: vec![FactSource {
                path: d,
                role: SourceRole::Root,
                text,
            }],
            skipped: Vec::new(),
        });
    }
    let root = std::fs::canonicalize(path).map_err(|e| {
        vec![Diagnostic::error(
            aimsc_diagnostics::codes::IO_READ,
            format!("cannot read folder `{}`: {e}", path.display()),
            None,
        )]
    })?;
    let mut out = Vec::new();
    let mut skips = Vec::new();
    let mut errs = Vec::new();
    let entries = sorted_entries(path).map_err(|e| vec![e])?;
    let mut folders = Vec::new();
    for entry in &entries {
        match kind(entry, &root) {
            Err(e) => errs.push(e),
            Ok(Kind::Other(why)) => skips.push(skipped(entry, why)),
            Ok(Kind::Dir) => match entry.file_name().and_then(|n| n.to_str()) {
                None => skips.push(skipped(entry, "its name is not UTF-8")),
                Some(n) if n.starts_with('.') => {
                    skips.push(skipped(entry, "it is a hidden folder"))
                }
                Some(n) => folders.push((entry, n.to_string())),
            },
            Ok(Kind::File) => match not_facts(entry) {
                Some(why) => skips.push(skipped(entry, why)),
                None => {
                    let d = display(entry);
                    match read(entry, &d, limits) {
                        Ok(text) => out.push(FactSource {
                            path: d,
                            role: SourceRole::Root,
                            text,
                        }),
                        Err(e) => errs.push(e),
                    }
                }
            },
        }
    }
    for (entry, name) in folders {
        let mut files = Vec::new();
        for f in sorted_entries(entry).map_err(|e| vec![e])? {
            match kind(&f, &root) {
                Err(e) => errs.push(e),
                Ok(Kind::Other(why)) => skips.push(skipped(&f, why)),
                Ok(Kind::Dir) => skips.push(skipped(
                    &f,
                    "collection folders hold record files, not folders",
                )),
                Ok(Kind::File) => match not_facts(&f) {
                    Some(why) => skips.push(skipped(&f, why)),
                    None => files.push(f),
                },
            }
        }
        if files.len() > limits.max_records {
            errs.push(
                Diagnostic::error(
                    aimsc_diagnostics::codes::LIMIT_RECORDS,
                    format!(
                        "collection folder `{}` holds {} record files; the limit is {}",
                        entry.display(),
                        files.len(),
                        limits.max_records
                    ),
                    None,
                )
                .with_help("raise `max-records` if this is real (see the limits in SECURITY.md)"),
            );
            continue;
        }
        for file in files {
            let d = display(&file);
            match read(&file, &d, limits) {
                Ok(text) => out.push(FactSource {
                    path: d,
                    role: SourceRole::Record(name.clone()),
                    text,
                }),
                Err(e) => errs.push(e),
            }
        }
    }
    if out.is_empty() && errs.is_empty() {
        errs.push(
            Diagnostic::error(
                aimsc_diagnostics::codes::FACTS_NO_FILES,
                format!(
                    "folder `{}` holds no .yaml, .yml, .json or .toml facts files",
                    path.display()
                ),
                None,
            )
            .with_help(
                "see the folder rule in the README: root files plus one subfolder per collection",
            ),
        );
    }
    if errs.is_empty() {
        Ok(Discovered {
            sources: out,
            skipped: skips,
        })
    } else {
        Err(errs)
    }
}

/// A root fact while the files merge: lists stay growable until the end.
struct Pending {
    key_span: Span,
    file: u32,
    span: Span,
    kind: PendingKind,
}

enum PendingKind {
    List(Vec<Value>),
    Other(ValueKind),
}

/// Merges parsed files by the folder rule into one root mapping.
/// `parsed` pairs each file's role and path with its parsed value.
pub fn merge(parsed: Vec<(SourceRole, Arc<str>, Value)>) -> (Value, Vec<Diagnostic>) {
    let mut root: IndexMap<Arc<str>, Pending> = IndexMap::new();
    let mut diags = Vec::new();
    let mut origin: IndexMap<Arc<str>, Arc<str>> = IndexMap::new();
    for (role, path, value) in parsed {
        match role {
            SourceRole::Root => {
                let ValueKind::Map(map) = value.kind else {
                    diags.push(
                        Diagnostic::error(
                            aimsc_diagnostics::codes::FACTS_ROOT_NOT_MAPPING,
                            format!(
                                "the facts root must be a mapping, found {}",
                                value.kind.describe()
                            ),
                            Some(Location::new(&path, value.span)),
                        )
                        .with_help("write `key: value` pairs at the top level"),
                    );
                    continue;
                };
                for (k, e) in map.into_entries() {
                    match root.get_mut(&k) {
                        None => {
                            origin.insert(k.clone(), path.clone());
                            let kind = match e.value.kind {
                                ValueKind::List(items) => PendingKind::List(items.into_vec()),
                                other => PendingKind::Other(other),
                            };
                            root.insert(
                                k,
                                Pending {
                                    key_span: e.key_span,
                                    file: e.value.file,
                                    span: e.value.span,
                                    kind,
                                },
                            );
                        }
                        Some(existing) => match (&mut existing.kind, e.value.kind) {
                            (PendingKind::List(a), ValueKind::List(b)) => a.extend(b.into_vec()),
                            _ => diags.push(
                                Diagnostic::error(
                                    aimsc_diagnostics::codes::FACTS_DUPLICATE_KEY,
                                    format!("root fact `{k}` is defined in two files"),
                                    Some(Location::new(&path, e.key_span)),
                                )
                                .with_related(
                                    Location::new(
                                        origin.get(&k).unwrap_or(&path),
                                        existing.key_span,
                                    ),
                                    "first defined here",
                                )
                                .with_help("only lists may be split across files"),
                            ),
                        },
                    }
                }
            }
            SourceRole::Record(coll) => {
                let entry = root
                    .entry(Arc::from(coll.as_str()))
                    .or_insert_with(|| Pending {
                        key_span: Span::default(),
                        file: value.file,
                        span: Span::default(),
                        kind: PendingKind::List(Vec::new()),
                    });
                match &mut entry.kind {
                    PendingKind::List(items) => items.push(value),
                    PendingKind::Other(other) => diags.push(
                        Diagnostic::error(
                            aimsc_diagnostics::codes::FACTS_DUPLICATE_KEY,
                            format!(
                                "`{coll}` is both a folder of records and {} in a root file",
                                other.describe()
                            ),
                            Some(Location::new(&path, value.span)),
                        )
                        .with_help("make it a list in the root file, or keep only the folder"),
                    ),
                }
            }
        }
    }
    let entries = root
        .into_iter()
        .map(|(k, p)| {
            let kind = match p.kind {
                PendingKind::List(items) => ValueKind::List(items.into_boxed_slice()),
                PendingKind::Other(kind) => kind,
            };
            let value = Value {
                kind,
                file: p.file,
                span: p.span,
            };
            (
                k,
                Entry {
                    key_span: p.key_span,
                    value,
                },
            )
        })
        .collect();
    (
        Value {
            kind: ValueKind::Map(Map::from_unique(entries)),
            file: 0,
            span: Span::default(),
        },
        diags,
    )
}
