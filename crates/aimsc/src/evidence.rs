//! Evidence files: what is at each location the evidence records name, looked at on disk.
//!
//! A location is a path relative to the project root (the folder of `aims.toml`, or the one
//! holding the facts). It may not be absolute, climb out with `..`, or reach through a symlink
//! to a file outside the root; a URL is never fetched. Files are hashed with SHA-256, reading
//! in blocks, and a file whose size and modification time have not changed is not read again.

use crate::codes;
use aimsc_diagnostics::{Diagnostic, Location};
use aimsc_eval::evidence::{self, FileCheck, Item};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

/// The largest evidence file aimsc hashes (1 GiB): a larger one is reported, not read.
pub const MAX_EVIDENCE_BYTES: u64 = 1 << 30;

/// Digests of files already read, by path, with the size and modification time they had.
#[derive(Debug, Default, Clone)]
pub struct DigestCache {
    seen: HashMap<PathBuf, (u64, Option<SystemTime>, Arc<str>)>,
}

fn outside(why: &str) -> FileCheck {
    FileCheck::Outside(Arc::from(why))
}

/// The relative path a location names inside `root`, or why it may not be read.
fn inside(root: &Path, location: &str) -> Result<PathBuf, FileCheck> {
    let rel = Path::new(location.trim());
    let mut clean = PathBuf::new();
    for c in rel.components() {
        match c {
            Component::Normal(p) => clean.push(p),
            Component::CurDir => {}
            Component::ParentDir => return Err(outside("climbs out of the project (`..`)")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(outside("is an absolute path, not one inside the project"));
            }
        }
    }
    if clean.as_os_str().is_empty() {
        return Err(FileCheck::Missing);
    }
    Ok(root.join(clean))
}

/// What can be said of a location without reading anything (facts given as text, a shared
/// server): a path that leads out of the project is outside; any other is not read.
pub fn unread(location: &str) -> FileCheck {
    match inside(Path::new(""), location) {
        Ok(_) => FileCheck::NotRead,
        Err(why) => why,
    }
}

impl DigestCache {
    /// Forgets what was read of `path`, wherever it leads.
    pub fn forget(&mut self, path: &Path) {
        match path.canonicalize() {
            Ok(real) => {
                self.seen.remove(&real);
            }
            // A file gone cannot be canonicalised: forget every entry of that name.
            Err(_) => self.seen.retain(|k, _| k.file_name() != path.file_name()),
        }
    }

    /// What is at `location` under `root`.
    pub fn check(&mut self, root: &Path, location: &str) -> FileCheck {
        let path = match inside(root, location) {
            Ok(p) => p,
            Err(c) => return c,
        };
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(_) => return FileCheck::Missing,
        };
        // A symlink (or a folder on the way that is one) may lead anywhere: follow it, then
        // require the target to be inside the root.
        let (Ok(real), Ok(real_root)) = (path.canonicalize(), root.canonicalize()) else {
            return FileCheck::Missing;
        };
        if !real.starts_with(&real_root) {
            return outside("leads out of the project through a symlink");
        }
        let meta = if meta.file_type().is_symlink() {
            match std::fs::metadata(&real) {
                Ok(m) => m,
                Err(_) => return FileCheck::Missing,
            }
        } else {
            meta
        };
        if !meta.is_file() {
            return FileCheck::Unreadable(Arc::from("is not a file"));
        }
        if meta.len() > MAX_EVIDENCE_BYTES {
            return FileCheck::Unreadable(Arc::from("is larger than 1 GiB, the most aimsc hashes"));
        }
        let modified = meta.modified().ok();
        if let Some((len, m, digest)) = self.seen.get(&real)
            && *len == meta.len()
            && *m == modified
            && modified.is_some()
        {
            return FileCheck::Digest(digest.clone());
        }
        match hash(&real) {
            Ok(d) => {
                let d: Arc<str> = Arc::from(d);
                self.seen.insert(real, (meta.len(), modified, d.clone()));
                FileCheck::Digest(d)
            }
            Err(e) => FileCheck::Unreadable(Arc::from(format!("cannot be read: {}", e.kind()))),
        }
    }
}

/// The SHA-256 digest of a file, in lower-case hex.
pub fn hash(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(buf.get(..n).unwrap_or_default());
    }
    Ok(hex(&h.finalize()))
}

/// The SHA-256 digest of bytes, in lower-case hex.
pub fn digest(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Bytes as lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The evidence records of the facts, in id order.
pub fn items(project: &aimsc_db::Project) -> Vec<Item> {
    let model = project.model();
    let mut out: Vec<Item> = project
        .records_of(evidence::EVIDENCE_RECORD)
        .iter()
        .filter_map(|r| evidence::item(&model, r))
        .collect();
    // EV-2 before EV-10, as people number them.
    out.sort_by(|a, b| aimsc_eval::order::natural_cmp(&a.id, &b.id));
    out
}

/// What is at every file location of `items`, under `root`.
pub fn check_all(
    cache: &mut DigestCache,
    root: &Path,
    items: &[Item],
) -> BTreeMap<Arc<str>, FileCheck> {
    items
        .iter()
        .filter(|i| !evidence::is_url(&i.location))
        .map(|i| (i.location.clone(), cache.check(root, &i.location)))
        .collect()
}

/// Looks again at every evidence file the facts of `project` name, under `root`; without a
/// root (facts given as text) no file is read, and file evidence is unverifiable, judged by
/// its dates and its path alone.
pub fn refresh(project: &mut aimsc_db::Project, cache: &mut DigestCache, root: Option<&Path>) {
    let model = project.model();
    if !evidence::declared(&model) {
        return;
    }
    let items = items(project);
    let found = match root {
        Some(root) => check_all(cache, root, &items),
        None => items
            .iter()
            .filter(|i| !evidence::is_url(&i.location))
            .map(|i| (i.location.clone(), unread(&i.location)))
            .collect(),
    };
    project.set_evidence_files(Arc::new(found));
}

/// The state of every evidence record at the project's as-of date, in id order.
pub fn states(project: &aimsc_db::Project) -> Vec<(Item, evidence::State)> {
    let model = project.model();
    let files = project.evidence_files();
    items(project)
        .into_iter()
        .map(|i| {
            let state = evidence::state(&model, &i, files.get(&i.location), project.as_of());
            (i, state)
        })
        .collect()
}

/// The evidence items as reports show them.
pub fn entries(project: &aimsc_db::Project) -> Vec<aimsc_report::EvidenceEntry> {
    let model = project.model();
    let files = project.evidence_files();
    states(project)
        .into_iter()
        .map(|(item, state)| {
            let found = match files.get(&item.location) {
                Some(FileCheck::Digest(d)) => Some(d.clone()),
                _ => None,
            };
            aimsc_report::EvidenceEntry {
                kind: item.kind.clone(),
                location: item.location.clone(),
                sha256: item.sha256.clone(),
                found_sha256: found,
                state: Arc::from(state.as_str()),
                valid_until: evidence::valid_until(&model, &item).map(|d| d.to_string()),
                problem: evidence::problem(&item, &state),
                id: item.id,
            }
        })
        .collect()
}

/// Where an evidence record is in the facts.
fn record_at(
    project: &aimsc_db::Project,
    records: &[Arc<aimsc_eval::validate::Record>],
    id: &Arc<str>,
) -> Option<Location> {
    let r = records.iter().find(|r| r.id.as_ref() == Some(id))?;
    Some(Location::new(&project.fact_path(r.file)?, r.span))
}

/// A warning for every evidence record a requirement may not rely on, at the record, and
/// for every attestation no attested requirement relies on, at the attestation.
pub fn diagnostics(project: &aimsc_db::Project) -> Vec<Diagnostic> {
    use evidence::State;
    let evidence_records = project.records_of(evidence::EVIDENCE_RECORD);
    let mut out = Vec::new();
    for (item, state) in states(project) {
        let code = match state {
            State::Ok => continue,
            State::Unverifiable => codes::EVIDENCE_UNVERIFIABLE,
            State::Missing => codes::EVIDENCE_MISSING,
            State::Altered { .. } => codes::EVIDENCE_ALTERED,
            State::NoDigest => codes::EVIDENCE_NO_DIGEST,
            State::Stale { .. } => codes::EVIDENCE_STALE,
            State::Outside(_) => codes::EVIDENCE_OUTSIDE,
        };
        let message = evidence::problem(&item, &state).unwrap_or_else(|| {
            let id = aimsc_diagnostics::printable(evidence::clip(&item.id));
            if evidence::is_url(&item.location) {
                format!(
                    "evidence {id} is at a URL, which aimsc does not fetch: its content is not verified"
                )
            } else {
                format!(
                    "evidence {id} was not read (this evaluation reads no files): its content is not verified"
                )
            }
        });
        out.push(
            Diagnostic::warning(
                code,
                message,
                record_at(project, &evidence_records, &item.id),
            )
            .with_label("this evidence")
            .with_help(code.help),
        );
    }
    let model = project.model();
    let attestations = project.records_of(evidence::ATTESTATION_RECORD);
    let mut records: Vec<&aimsc_eval::validate::Record> =
        attestations.iter().map(|r| &**r).collect();
    records.sort_by_key(|r| (r.file, r.span.start()));
    for u in evidence::unmatched_attestations(&model, records) {
        let at = project
            .fact_path(u.at.0)
            .map(|path| Location::new(&path, u.at.1));
        let code = codes::FACTS_ATTESTATION_UNMATCHED;
        out.push(
            Diagnostic::warning(code, u.why, at)
                .with_label("nothing relies on this attestation")
                .with_help(code.help),
        );
    }
    out
}

/// What an editor shows on hovering an evidence id: the record's title, file, state, digests
/// and validity, in Markdown; `None` when no evidence record has the id.
pub fn hover(project: &aimsc_db::Project, id: &str) -> Option<String> {
    let (item, state) = states(project).into_iter().find(|(i, _)| &*i.id == id)?;
    let model = project.model();
    let files = project.evidence_files();
    // Text from the facts, clipped, without what would end a code span or start a link.
    let p = |s: &str| {
        aimsc_diagnostics::printable(evidence::clip(s)).replace(['`', '[', ']', '<', '>'], "'")
    };
    let mut md = format!(
        "**evidence {}** ({}) — `{}`\n\nstate: **{}**",
        p(&item.id),
        p(&item.kind),
        p(&item.location),
        state.as_str()
    );
    if let Some(problem) = evidence::problem(&item, &state) {
        md.push_str(&format!(": {}", p(&problem)));
    }
    if let Some(d) = &item.sha256 {
        md.push_str(&format!("\n\nsha256 recorded: `{}`", p(d)));
    }
    if let Some(FileCheck::Digest(d)) = files.get(&item.location) {
        md.push_str(&format!("\n\nsha256 found: `{d}`"));
    }
    let dates = [
        item.issued.map(|d| format!("issued {d}")),
        evidence::valid_until(&model, &item).map(|d| format!("valid until {d}")),
    ];
    let dates: Vec<String> = dates.into_iter().flatten().collect();
    if !dates.is_empty() {
        md.push_str(&format!("\n\n{}", dates.join(", ")));
    }
    Some(md)
}

/// The document an evidence id names, under `root`, when it is a file inside the project
/// that is there: what go-to-definition opens.
pub fn document(project: &aimsc_db::Project, root: &Path, id: &str) -> Option<PathBuf> {
    let (item, _) = states(project).into_iter().find(|(i, _)| &*i.id == id)?;
    if evidence::is_url(&item.location) {
        return None;
    }
    // Only a file the last refresh found inside the project, and still inside it now: the
    // path is resolved again (a symlink may have been swapped since).
    match project.evidence_files().get(&item.location) {
        Some(FileCheck::Digest(_)) => {
            let path = inside(root, &item.location).ok()?.canonicalize().ok()?;
            let base = root.canonicalize().ok()?;
            (path.starts_with(&base) && path.is_file()).then_some(path)
        }
        _ => None,
    }
}

/// Files under `root`'s `evidence/` folder that no evidence record names, as project paths
/// (`evidence/scan.md`), sorted: a document nobody recorded is not evidence of anything.
pub fn unreferenced(project: &aimsc_db::Project, root: &Path) -> Vec<String> {
    let named: std::collections::BTreeSet<Arc<str>> =
        items(project).into_iter().map(|i| i.location).collect();
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = vec![root.join("evidence")];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.filter_map(Result::ok) {
            let p = e.path();
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                stack.push(p);
            } else if let Ok(rel) = p.strip_prefix(root) {
                let parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                let rel = parts.join("/");
                if !named.contains(rel.as_str()) {
                    out.push(rel);
                }
            }
        }
    }
    out.sort();
    out
}

/// The references to evidence that no evidence record has (`no `Evidence` has id …`), from
/// an evaluation's diagnostics, in their order.
pub fn dangling(diagnostics: &[Diagnostic]) -> Vec<&Diagnostic> {
    diagnostics
        .iter()
        .filter(|d| {
            d.code == codes::FACTS_UNRESOLVED_REF.id
                && d.message.starts_with("no `Evidence` has id")
        })
        .collect()
}
