//! Evidence files: what is at each location the evidence records name, looked at on disk.
//!
//! A location is a path relative to the project root (the folder of `aims.toml`, or the one
//! holding the facts). It may not be absolute, climb out with `..`, or reach through a symlink
//! to a file outside the root; a URL is never fetched. Files are hashed with SHA-256, reading
//! in blocks, and a file whose size and modification time have not changed is not read again.

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
pub fn items(model: &aimsc_eval::model::Model, facts: &aimsc_eval::validate::Facts) -> Vec<Item> {
    let mut out: Vec<Item> = facts
        .by_id
        .iter()
        .filter(|((ty, _), _)| &**ty == evidence::EVIDENCE_RECORD)
        .filter_map(|(_, r)| evidence::item(model, r))
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
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
