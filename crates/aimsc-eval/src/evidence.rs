//! Evidence: whether the document behind an evidence record can be relied on.
//!
//! The standard record `Evidence` (declared in `@aimsc/evidence/evidence.aims`) says where a
//! document is, its SHA-256 digest when it was recorded, when it was issued and how long it
//! stays valid. The shell looks at the files ([`FileCheck`], with no network and nothing
//! outside the project); this module judges a record against what was found and the as-of
//! date. A reference to evidence that is not [`State::Ok`] reads as invalid in the evaluator.

use crate::dates;
use crate::model::{Model, Ty};
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
    /// Not looked at: the evaluation reads no files (a shared server judging posted facts).
    NotRead,
}

/// The state of one evidence record at the as-of date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// The file is there, unchanged, and the evidence is still valid.
    Ok,
    /// Valid by date, but its content is not verified: a URL (never fetched), or a file where
    /// the evaluation reads no files (`aimsc serve`).
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
    let l = location.trim_start().as_bytes();
    let has = |scheme: &[u8]| {
        l.get(..scheme.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(scheme))
    };
    has(b"https://") || has(b"http://")
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
        Some(FactValue::Str(s) | FactValue::Enum(s, _)) => Some(s.clone()),
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
    let not_read = matches!(file, Some(FileCheck::NotRead));
    // A file recorded without a digest can be told without reading it.
    if not_read && item.sha256.is_none() {
        return State::NoDigest;
    }
    if !is_url(&item.location) && !not_read {
        match file {
            None | Some(FileCheck::Missing) => return State::Missing,
            Some(FileCheck::Outside(why) | FileCheck::Unreadable(why)) => {
                return State::Outside(why.clone());
            }
            Some(FileCheck::NotRead) => {}
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
        _ if is_url(&item.location) || not_read => State::Unverifiable,
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

/// The name of the standard attestation record.
pub const ATTESTATION_RECORD: &str = "Attestation";

/// An attestation that no requirement can rely on: it names no control with a `require
/// attested` requirement, or a requirement that control does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmatched {
    /// The attestation's id.
    pub id: Arc<str>,
    /// Why nothing relies on it, in one sentence.
    pub why: String,
    /// Where it is in the facts: file index and span.
    pub at: (u32, aimsc_diagnostics::Span),
}

/// Every attestation in `records` (those of type `Attestation`) that no attested requirement
/// of `model` reads, in the order given, so that none is dropped silently.
pub fn unmatched_attestations<'r>(
    model: &Model,
    records: impl IntoIterator<Item = &'r Record>,
) -> Vec<Unmatched> {
    let declared = model
        .records
        .get(ATTESTATION_RECORD)
        .filter(|r| &*r.location.file == EVIDENCE_FILE);
    let Some(rt) = declared else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for r in records {
        if &*r.ty != ATTESTATION_RECORD {
            continue;
        }
        let get = |name: &str| match rt.fields.get_index_of(name).and_then(|i| r.fields.get(i)) {
            Some(FactValue::Str(s)) => Some(s.clone()),
            _ => None,
        };
        // A record that does not validate is diagnosed already; it is not matched here.
        let (Some(raw_id), Some(control)) = (r.id.clone(), get("control")) else {
            continue;
        };
        let id = aimsc_diagnostics::printable(clip(&raw_id)).into_owned();
        let shown = aimsc_diagnostics::printable(clip(&control)).into_owned();
        let why = match model.checks.get(&*control) {
            None => format!("attestation {id} names `{shown}`, which is no control or rule"),
            Some(c) if !c.requires.iter().any(|q| q.attested) => format!(
                "attestation {id} names `{shown}`, which has no attested requirement: its requirements are shown by the facts"
            ),
            Some(c) => match get("requirement") {
                Some(want) if !c.requires.iter().any(|q| q.attested && q.name == want) => {
                    let names: Vec<String> = c
                        .requires
                        .iter()
                        .filter(|q| q.attested)
                        .map(|q| format!("\"{}\"", q.name))
                        .collect();
                    format!(
                        "attestation {id} names the requirement \"{}\", which `{shown}` does not attest; it attests {}",
                        aimsc_diagnostics::printable(clip(&want)),
                        names.join(", ")
                    )
                }
                _ => continue,
            },
        };
        out.push(Unmatched {
            id: raw_id,
            why,
            at: (r.file, r.span),
        });
    }
    out
}

/// At most 120 characters of a text from the facts, for a message: input is never echoed
/// unbounded.
pub fn clip(s: &str) -> &str {
    match s.char_indices().nth(120) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Whether a fact path (as [`crate::reads`] writes it, `policies[].evidence.issued`) passes
/// through evidence: a `ref Evidence` field, or the root `evidence` records themselves.
pub fn path_reads_evidence(model: &Model, path: &str) -> bool {
    fn elem(t: &Ty) -> &Ty {
        match t {
            Ty::List(x) => elem(x),
            t => t,
        }
    }
    let mut segs = path.split('.').map(|s| s.trim_end_matches("[]"));
    let Some(first) = segs.next() else {
        return false;
    };
    let Some(mut ty) = model.root.get(first).map(|f| elem(&f.ty)) else {
        return false;
    };
    loop {
        let name = match ty {
            Ty::Ref(n) | Ty::Record(n) if &**n == EVIDENCE_RECORD => return true,
            Ty::Ref(n) | Ty::Record(n) => n,
            _ => return false,
        };
        let Some(seg) = segs.next() else {
            return false;
        };
        match model.records.get(name).and_then(|r| r.fields.get(seg)) {
            Some(f) => ty = elem(&f.ty),
            None => return false,
        }
    }
}

/// The ids of the evidence records found on fact paths `reads` (those that pass through
/// evidence, see [`path_reads_evidence`]), in id order: the evidence a requirement relies on.
/// `cache` keeps each path's ids across the requirements of one evaluation, so that a path
/// many requirements read is walked once.
pub fn evidence_on_paths(
    model: &Model,
    facts: &crate::validate::Facts,
    reads: &[String],
    cache: &mut std::collections::HashMap<String, Vec<Arc<str>>>,
) -> Vec<Arc<str>> {
    let mut out = std::collections::BTreeSet::new();
    for path in reads.iter().filter(|p| path_reads_evidence(model, p)) {
        if let Some(ids) = cache.get(path.as_str()) {
            out.extend(ids.iter().cloned());
            continue;
        }
        let mut found = std::collections::BTreeSet::new();
        let segs: Vec<&str> = path.split('.').map(|s| s.trim_end_matches("[]")).collect();
        if let Some((first, rest)) = segs.split_first()
            && let Some(i) = model.root.get_index_of(*first)
        {
            match facts.collections.get(i).and_then(|c| c.as_ref()) {
                Some(c) => c
                    .iter()
                    .for_each(|v| walk(model, facts, v, rest, &mut found)),
                None => {
                    if let Some(v) = facts.root.fields.get(i) {
                        walk(model, facts, v, rest, &mut found);
                    }
                }
            }
        }
        out.extend(found.iter().cloned());
        cache.insert(path.clone(), found.into_iter().collect());
    }
    let mut out: Vec<Arc<str>> = out.into_iter().collect();
    out.sort_by(|a, b| crate::order::natural_cmp(a, b));
    out
}

fn walk(
    model: &Model,
    facts: &crate::validate::Facts,
    v: &FactValue,
    rest: &[&str],
    out: &mut std::collections::BTreeSet<Arc<str>>,
) {
    let rec = match v {
        FactValue::List(xs) => {
            for x in xs {
                walk(model, facts, x, rest, out);
            }
            return;
        }
        FactValue::Ref(r) if &*r.ty == EVIDENCE_RECORD => {
            out.insert(r.id.clone());
            return;
        }
        FactValue::Ref(r) => match facts.by_id.get(&(r.ty.clone(), r.id.clone())) {
            Some(r) => r.clone(),
            None => return,
        },
        FactValue::Rec(r) if &*r.ty == EVIDENCE_RECORD => {
            if let Some(id) = &r.id {
                out.insert(id.clone());
            }
            return;
        }
        FactValue::Rec(r) => r.clone(),
        _ => return,
    };
    let Some((seg, more)) = rest.split_first() else {
        return;
    };
    let field = model
        .records
        .get(&rec.ty)
        .and_then(|rt| rt.fields.get_index_of(*seg))
        .and_then(|i| rec.fields.get(i));
    if let Some(v) = field {
        walk(model, facts, v, more, out);
    }
}
