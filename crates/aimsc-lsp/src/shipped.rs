//! The shipped rulesets as files an editor can open: go to definition into `@aimsc/…` lands in a
//! read-only copy the server writes once, under the user's cache folder, in a folder named for
//! the version and the digest of the rules (so a copy never changes once written). Every
//! client opens files; a custom URI scheme would need a plugin per editor.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const PREFIX: &str = "@aimsc/";

/// Whether a project path names a shipped rule file.
pub fn is_shipped(path: &str) -> bool {
    path.starts_with(PREFIX)
}

/// The folder the copies go in: `$AIMSC_CACHE_DIR`, else `$XDG_CACHE_HOME/aimsc`, else
/// `~/.cache/aimsc` (`%LOCALAPPDATA%\aimsc` on Windows), then `rulesets/VERSION-DIGEST`.
fn folder() -> Option<PathBuf> {
    static FOLDER: OnceLock<Option<PathBuf>> = OnceLock::new();
    FOLDER.get_or_init(find_folder).clone()
}

fn find_folder() -> Option<PathBuf> {
    let base = std::env::var_os("AIMSC_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("aimsc")))
        .or_else(|| std::env::var_os("LOCALAPPDATA").map(|d| PathBuf::from(d).join("aimsc")))
        .or_else(|| std::env::var_os("HOME").map(|d| PathBuf::from(d).join(".cache/aimsc")))?;
    // A relative folder would name different places as the server's folder changed.
    let base = std::path::absolute(&base).ok()?;
    let mut all = Vec::new();
    for (name, text) in aimsc_rulesets::FILES {
        all.extend_from_slice(name.as_bytes());
        all.push(0);
        all.extend_from_slice(text.as_bytes());
        all.push(0);
    }
    let digest = aimsc::evidence::digest(&all);
    let short = digest.get(..12).unwrap_or(&digest);
    Some(
        base.join("rulesets")
            .join(format!("{}-{short}", env!("CARGO_PKG_VERSION"))),
    )
}

/// Writes each copy that is not there yet: to a temporary file beside it, then renamed, so a
/// reader never sees half a file; read-only once written.
fn write_all(dir: &Path) -> std::io::Result<()> {
    for (name, text) in aimsc_rulesets::FILES {
        let Some(rel) = name.strip_prefix(PREFIX) else {
            continue;
        };
        let target = dir.join(rel);
        if std::fs::read(&target).is_ok_and(|b| b == text.as_bytes()) {
            continue;
        }
        let parent = target.parent().unwrap_or(dir);
        std::fs::create_dir_all(parent)?;
        let tmp = parent.join(format!(
            ".{}.{}.tmp",
            rel.replace('/', "_"),
            std::process::id()
        ));
        std::fs::write(&tmp, text)?;
        let mut perms = std::fs::metadata(&tmp)?.permissions();
        perms.set_readonly(true);
        std::fs::set_permissions(&tmp, perms)?;
        if let Err(e) = std::fs::rename(&tmp, &target) {
            let _ = std::fs::remove_file(&tmp);
            // Another server wrote the same copy first.
            if !std::fs::read(&target).is_ok_and(|b| b == text.as_bytes()) {
                return Err(e);
            }
        }
    }
    Ok(())
}

/// The folder of the copies, written on first use; `None` when there is nowhere to write.
fn written() -> Option<&'static Path> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = folder()?;
        write_all(&dir).ok()?;
        Some(dir)
    })
    .as_deref()
}

/// The read-only copy of a shipped rule file (`@aimsc/iso42001/annex_a.aims`).
pub fn file_of(name: &str) -> Option<PathBuf> {
    let rel = name.strip_prefix(PREFIX)?;
    if rel
        .split('/')
        .any(|c| c.is_empty() || c == "." || c == "..")
    {
        return None;
    }
    Some(written()?.join(rel))
}

/// The `@aimsc/…` name of a copy, when `path` is one.
pub fn name_of(path: &Path) -> Option<String> {
    let dir = folder()?;
    let rel = path.strip_prefix(&dir).ok()?;
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let name = format!("{PREFIX}{}", parts.join("/"));
    aimsc_rulesets::FILES
        .iter()
        .any(|(n, _)| *n == name)
        .then_some(name)
}
