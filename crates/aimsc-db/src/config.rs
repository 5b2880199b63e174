//! The project file `aims.toml` and the rule files it names: shared by the CLI, the language
//! server and embedders, so that every shell finds the same inputs.

use aimsc_diagnostics::{Diagnostic, Location, Span};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The project file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AimsToml {
    /// Rule files or folders, relative to aims.toml.
    pub rules: Vec<PathBuf>,
    /// Facts file or folder, relative to aims.toml.
    pub facts: Option<PathBuf>,
    /// Resource limits (`[limits]`), over the defaults.
    #[serde(default)]
    pub limits: crate::Limits,
    /// How strictly evidence is judged (`[evidence]`): per framework, `required` (a reference
    /// to unusable evidence is invalid) or `reported` (a warning only). Frameworks left out
    /// are `required`.
    #[serde(default)]
    pub evidence: std::collections::BTreeMap<String, EvidenceMode>,
}

/// How strictly the evidence a framework's checks read is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceMode {
    /// A reference to missing, altered, stale or outside evidence is invalid: the requirement
    /// that reads it cannot pass. The default.
    #[default]
    Required,
    /// Such evidence is reported as a warning; the requirement is judged on the facts alone.
    Reported,
}

/// The nearest `aims.toml` in `dir` or a folder above it.
pub fn find_upward(dir: &Path) -> Option<PathBuf> {
    let mut dir = dir.to_path_buf();
    loop {
        let candidate = dir.join("aims.toml");
        if candidate.is_file() {
            return Some(candidate);
        }
        if !dir.pop() {
            return None;
        }
    }
}

/// Reads and parses an `aims.toml`.
pub fn read_config(path: &Path) -> Result<AimsToml, Vec<Diagnostic>> {
    let display: Arc<str> = Arc::from(path.to_string_lossy().as_ref());
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![Diagnostic::error(
            aimsc_diagnostics::codes::IO_READ,
            format!("cannot read `{display}`: {e}"),
            None,
        )]
    })?;
    toml::from_str(&text).map_err(|e| {
        let span = e.span().map_or(Span::default(), |r| Span::new(r.start, r.end));
        vec![Diagnostic::error(aimsc_diagnostics::codes::CONFIG_INVALID, format!("invalid aims.toml: {}", e.message()), Some(Location::new(&display, span)))
            .with_help("aims.toml holds `rules = [\"path\", ...]` and `facts = \"path\"`, relative to the file")]
    })
}

/// The rule files under a path (a file, a folder searched recursively, or a shipped ruleset
/// such as `@aimsc/iso42001`), as `(path, text)` pairs.
pub fn rule_files(path: &Path) -> Result<Vec<(Arc<str>, String)>, Diagnostic> {
    if let Some(name) = path.to_str()
        && name.starts_with(aimsc_rulesets::PREFIX)
    {
        let found = aimsc_rulesets::select(name);
        if found.is_empty() {
            return Err(Diagnostic::error(
                aimsc_diagnostics::codes::IO_MISSING,
                format!("`{name}` is not a shipped ruleset"),
                None,
            )
            .with_help(
                "`@aimsc` loads every shipped ruleset; `aimsc explain --rulesets` lists them",
            ));
        }
        return Ok(found
            .into_iter()
            .map(|(p, text)| (Arc::from(p), text.to_string()))
            .collect());
    }
    if !path.exists() {
        return Err(Diagnostic::error(
            aimsc_diagnostics::codes::IO_MISSING,
            format!("rules path `{}` does not exist", path.display()),
            None,
        )
        .with_help("check the path, or the `rules` list in aims.toml"));
    }
    let mut files = Vec::new();
    let io = |e: std::io::Error| {
        Diagnostic::error(
            aimsc_diagnostics::codes::IO_READ,
            format!("cannot read `{}`: {e}", path.display()),
            None,
        )
    };
    let root = std::fs::canonicalize(path).map_err(io)?;
    let mut seen = Vec::new();
    collect(path, &root, &mut seen, &mut files)?;
    if files.is_empty() {
        return Err(Diagnostic::error(
            aimsc_diagnostics::codes::IO_NO_RULES,
            format!("`{}` holds no .aims files", path.display()),
            None,
        )
        .with_help("rule files end in .aims"));
    }
    let mut out = Vec::new();
    for f in files {
        let display: Arc<str> = Arc::from(f.to_string_lossy().as_ref());
        let bytes = std::fs::read(&f).map_err(|e| {
            Diagnostic::error(
                aimsc_diagnostics::codes::IO_READ,
                format!("cannot read `{display}`: {e}"),
                None,
            )
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            Diagnostic::error(
                aimsc_diagnostics::codes::IO_NOT_UTF8,
                format!("`{display}` is not UTF-8 text (invalid byte at offset {at})"),
                None,
            )
            .with_help("save the file as UTF-8")
        })?;
        out.push((display, text));
    }
    Ok(out)
}

/// The `.aims` files under `path`, in order. A link is followed only when it resolves inside
/// `root` (the rules folder given): one that leaves it is an error and is never opened, so a
/// pull request cannot have a file from elsewhere on the machine read as rules.
fn collect(
    path: &Path,
    root: &Path,
    seen: &mut Vec<PathBuf>,
    out: &mut Vec<PathBuf>,
) -> Result<(), Diagnostic> {
    let io = |p: &Path, e: std::io::Error| {
        Diagnostic::error(
            aimsc_diagnostics::codes::IO_READ,
            format!("cannot read `{}`: {e}", p.display()),
            None,
        )
    };
    if path.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    // A folder linked into itself is read once.
    let here = std::fs::canonicalize(path).map_err(|e| io(path, e))?;
    if seen.contains(&here) {
        return Ok(());
    }
    seen.push(here);
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| io(path, e))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for e in entries {
        let hidden = e
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        let is_link = std::fs::symlink_metadata(&e).is_ok_and(|m| m.file_type().is_symlink());
        if is_link {
            match std::fs::canonicalize(&e) {
                Ok(t) if t.starts_with(root) => {}
                Ok(_) => {
                    return Err(Diagnostic::error(
                        aimsc_diagnostics::codes::RULES_LINK_OUTSIDE,
                        format!(
                            "`{}` is a link to a place outside the rules folder; it is not read",
                            e.display()
                        ),
                        None,
                    )
                    .with_help("rules come from files inside the folders aims.toml names: copy the file in, or remove the link"));
                }
                Err(_) => continue,
            }
        }
        if e.is_dir() {
            collect(&e, root, seen, out)?;
        } else if e.extension().is_some_and(|x| x == "aims") {
            out.push(e);
        }
    }
    Ok(())
}
