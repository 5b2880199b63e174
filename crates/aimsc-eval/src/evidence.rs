//! Evidence: whether the document behind an evidence record can be relied on.
//!
//! The standard record `Evidence` (declared in `@aimsc/evidence/evidence.aims`) says where a
//! document is, its SHA-256 digest when it was recorded, when it was issued and how long it
//! stays valid. The shell looks at the files ([`FileCheck`], with no network and nothing
//! outside the project); this module judges a record against what was found and the as-of
//! date. A reference to evidence that is not [`State::Ok`] reads as invalid in the evaluator.

use crate::dates;
use crate::model::Model;
use crate::typed::{FactValue, Record};
use jiff::civil::Date;
use std::sync::Arc;

/// The display path of the file that declares the standard `Evidence` record.
pub const EVIDENCE_FILE: &str = "@aimsc/evidence/evidence.aims";

/// The name of the standard evidence record.
pub const EVIDENCE_RECORD: &str = "Evidence";

/// What the shell found at an evidence location.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileCheck {
    /// A regular file inside the project, with its SHA-256 digest (lower-case hex).
    Digest(Arc<str>),
    /// Nothing is there.
    Missing,
    /// The location leads outside the project (why: `..`, an absolute path, a symlink).
    Outside(Arc<str>),
    /// Something is there but cannot be read as a file.
    Unreadable(Arc<str>),
}

/// The state of one evidence record at the as-of date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// The file is there, unchanged, and the evidence is still valid.
    Ok,
    /// A URL, valid by date: it is never fetched, so its content is not verified.
    Unverifiable,
    /// No file at the location.
    Missing,
    /// The file's digest differs from the one recorded.
    Altered {
        /// The digest found now.
        found: Arc<str>,
    },
    /// A file recorded without a digest.
    NoDigest,
    /// No longer valid: its last valid day.
    Stale {
        /// The last day it was valid.
        until: Date,
    },
    /// The location leads outside the project, or cannot be read.
    Outside(Arc<str>),
}

impl State {
    /// Whether a requirement may rely on the evidence.
    pub fn usable(&self) -> bool {
        matches!(self, State::Ok | State::Unverifiable)
    }

    /// A short name: `ok`, `unverifiable`, `missing`, `altered`, `no_digest`, `stale`, `outside`.
    pub fn as_str(&self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::Unverifiable => "unverifiable",
            State::Missing => "missing",
            State::Altered { .. } => "altered",
            State::NoDigest => "no_digest",
            State::Stale { .. } => "stale",
            State::Outside(_) => "outside",
        }
    }
}

/// The fields of an evidence record, read by name.
#[derive(Debug, Clone)]
pub struct Item {
    /// Its id.
    pub id: Arc<str>,
    /// Where it is.
    pub location: Arc<str>,
    /// Its kind, as written.
    pub kind: Arc<str>,
    /// The digest recorded.
    pub sha256: Option<Arc<str>>,
    /// When it was issued.
    pub issued: Option<Date>,
    /// Its last valid day, when it says so.
    pub valid_until: Option<Date>,
    /// How long after `issued` it stays valid.
    pub max_age: Option<dates::Duration>,
}

/// Whether a location is a URL (never fetched) rather than a path in the project.
pub fn is_url(location: &str) -> bool {
    let l = location.trim_start();
    l.starts_with("https://") || l.starts_with("http://")
}

/// Whether `model` declares the standard evidence record (and so checks evidence).
pub fn declared(model: &Model) -> bool {
    model
        .records
        .get(EVIDENCE_RECORD)
        .is_some_and(|r| &*r.location.file == EVIDENCE_FILE)
}

/// Reads an evidence record's fields; `None` when it is not one.
pub fn item(model: &Model, r: &Record) -> Option<Item> {
    if &*r.ty != EVIDENCE_RECORD || !declared(model) {
        return None;
    }
    let rt = model.records.get(EVIDENCE_RECORD)?;
    let get = |name: &str| rt.fields.get_index_of(name).and_then(|i| r.fields.get(i));
    let text = |name: &str| match get(name) {
        Some(FactValue::Str(s) | FactValue::Enum(s)) => Some(s.clone()),
        _ => None,
    };
    let date = |name: &str| match get(name) {
        Some(FactValue::Date(d)) => Some(*d),
        _ => None,
    };
    Some(Item {
        id: r.id.clone()?,
        location: text("location")?,
        kind: text("kind").unwrap_or_else(|| Arc::from("document")),
        sha256: text("sha256"),
        issued: date("issued"),
        valid_until: date("valid_until"),
        max_age: match get("max_age") {
            Some(FactValue::Dur(d)) => Some(*d),
            _ => None,
        },
    })
}

/// The last day an item is valid: `valid_until`, else `issued` plus its `max_age`, else plus
/// the default age of its kind (the `evidence_<kind>_max_age` param in force).
pub fn valid_until(model: &Model, item: &Item) -> Option<Date> {
    if let Some(d) = item.valid_until {
        return Some(d);
    }
    let age = item.max_age.or_else(|| {
        let param = model
            .params
            .get(format!("evidence_{}_max_age", item.kind).as_str())?;
        dates::parse_duration(&param.value)
    })?;
    dates::add(item.issued?, age)
}

/// Judges an item against the file found at its location and the as-of date. Integrity comes
/// first: an altered document is reported as altered even when it is also out of date.
pub fn state(model: &Model, item: &Item, file: Option<&FileCheck>, today: Date) -> State {
    if !is_url(&item.location) {
        match file {
            None | Some(FileCheck::Missing) => return State::Missing,
            Some(FileCheck::Outside(why) | FileCheck::Unreadable(why)) => {
                return State::Outside(why.clone());
            }
            Some(FileCheck::Digest(found)) => match &item.sha256 {
                None => return State::NoDigest,
                Some(want) if !want.trim().eq_ignore_ascii_case(found) => {
                    return State::Altered {
                        found: found.clone(),
                    };
                }
                Some(_) => {}
            },
        }
    }
    match valid_until(model, item) {
        Some(until) if until < today => State::Stale { until },
        _ if is_url(&item.location) => State::Unverifiable,
        _ => State::Ok,
    }
}

/// What is wrong with an item, in one sentence naming it and its file; `None` when usable.
pub fn problem(item: &Item, state: &State) -> Option<String> {
    let id = aimsc_diagnostics::printable(&item.id).into_owned();
    let at = aimsc_diagnostics::printable(&item.location).into_owned();
    let recorded = item.issued.map(|d| format!(" on {d}")).unwrap_or_default();
    Some(match state {
        State::Ok | State::Unverifiable => return None,
        State::Missing => format!("evidence {id}: no file at `{at}`"),
        State::Altered { .. } => {
            format!("evidence {id} changed since it was recorded{recorded} (`{at}`)")
        }
        State::NoDigest => format!("evidence {id}: `{at}` has no recorded sha256"),
        State::Stale { until } => format!("evidence {id} expired on {until} (`{at}`)"),
        State::Outside(why) => format!("evidence {id}: `{at}` {why}"),
    })
}
