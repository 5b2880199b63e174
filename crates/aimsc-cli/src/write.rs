//! Writing files the user has: never in place. A report or a reformatted rule file is written
//! to a temporary file beside it and renamed over it, so that a full disk, a size limit or a
//! kill leaves the old file whole, never cut short.

use aimsc::diagnostics::Diagnostic;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Writes `text` to `path` by way of a temporary file in the same folder, renamed over it
/// once complete and flushed to disk; the old file's permissions are kept.
pub fn atomically(path: &Path, text: &str) -> std::io::Result<()> {
    bytes_atomically(path, text.as_bytes())
}

/// [`atomically`], for bytes (an evidence package).
pub fn bytes_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    streamed_atomically(path, &mut |w| w.write_all(bytes))
}

/// [`atomically`], for a text written piece by piece by `fill` (a large report, never whole
/// in memory).
pub fn streamed_atomically(
    path: &Path,
    fill: &mut dyn FnMut(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    write_through_temporary(path, fill).map_err(|e| {
        // The tempfile crate names its temporary file in its errors; say what went wrong
        // without it (the report's own path is in the diagnostic).
        if e.to_string().contains(" at path ") {
            std::io::Error::new(e.kind(), e.kind().to_string())
        } else {
            e
        }
    })
}

fn write_through_temporary(
    path: &Path,
    fill: &mut dyn FnMut(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    // Only a regular file is replaced: a device (`-o /dev/null`, `-o /dev/stdout`), a named
    // pipe or a socket is written to as it is. Renaming a temporary file over `/dev/null`
    // turned it, for a root user (a CI container), into a plain file that every later program
    // read back: cargo's compiler probe read other programs' errors from it as source.
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
        && !meta.is_dir()
    {
        let file = std::fs::OpenOptions::new().write(true).open(path)?;
        let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
        fill(&mut out)?;
        return out.flush();
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("there is no folder `{}`", crate::write::shown(dir)),
        ));
    }
    // A file replaced keeps its permissions (set below, once the text is in); a new one gets
    // those of any file the user creates (0666 less the umask), not the temporary file's
    // owner-only 0600, so that a report in a shared folder or a CI artifact can be read.
    let existing = std::fs::metadata(path).ok().map(|m| m.permissions());
    let mut builder = tempfile::Builder::new();
    builder.prefix(".aimsc-").suffix(".tmp");
    #[cfg(unix)]
    if existing.is_none() {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
        fill(&mut out)?;
        out.flush()?;
    }
    tmp.as_file().sync_all()?;
    if let Some(permissions) = existing {
        tmp.as_file().set_permissions(permissions)?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A path as the file system names it, whether or not it exists yet.
fn resolved(p: &Path) -> PathBuf {
    if let Ok(c) = std::fs::canonicalize(p) {
        return c;
    }
    match (p.parent(), p.file_name()) {
        (Some(dir), Some(name)) => {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            std::fs::canonicalize(dir)
                .map(|d| d.join(name))
                .unwrap_or_else(|_| p.to_path_buf())
        }
        _ => p.to_path_buf(),
    }
}

/// A path as a user would have written it: relative to the current folder when it is in it.
pub fn shown(p: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|d| p.strip_prefix(d).ok().map(|r| r.display().to_string()))
        .unwrap_or_else(|| p.display().to_string())
}

/// Refuses, before anything is written, an output that is one of the run's own inputs (it
/// would be destroyed by its own report) and two outputs to one file (one would silently
/// replace the other).
pub fn guard(outputs: &[&Path], inputs: &[PathBuf]) -> Result<(), Vec<Diagnostic>> {
    let inputs: Vec<PathBuf> = inputs.iter().map(|p| resolved(p)).collect();
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut errs = Vec::new();
    for out in outputs {
        let r = resolved(out);
        if inputs.contains(&r) {
            errs.push(
                Diagnostic::error(
                    aimsc::diagnostics::codes::USAGE_OUTPUT_IS_INPUT,
                    format!(
                        "`-o {}` is one of this run's inputs; it would be overwritten by the report",
                        shown(out)
                    ),
                    None,
                )
                .with_help("write the report to a new file, e.g. `-o aimsc-report.json`"),
            );
        } else if seen.contains(&r) {
            errs.push(
                Diagnostic::error(
                    aimsc::diagnostics::codes::USAGE_OUTPUT_TWICE,
                    format!("two reports are written to `{}`", shown(out)),
                    None,
                )
                .with_help("give each `--format` its own `-o FILE`"),
            );
        } else {
            seen.push(r);
        }
    }
    if errs.is_empty() { Ok(()) } else { Err(errs) }
}
