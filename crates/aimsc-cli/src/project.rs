//! Finding the inputs: command-line paths, or `aims.toml` found upward from the working folder.

use aimsc_db::{FactInput, Project};
use aimsc_diagnostics::{Diagnostic, Location, Span};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The project file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AimsToml {
    /// Rule files or folders, relative to aims.toml.
    rules: Vec<PathBuf>,
    /// Facts file or folder, relative to aims.toml.
    facts: Option<PathBuf>,
}

pub struct Loaded {
    rules: Vec<(Arc<str>, String)>,
    facts: Vec<FactInput>,
}

impl Loaded {
    pub fn into_project(self, as_of: jiff::civil::Date) -> Project {
        Project::new(self.rules, self.facts, as_of)
    }
}

fn find_aims_toml() -> Option<PathBuf> {
    let mut dir = std::env::current_dir().ok()?;
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

fn read_config(path: &Path) -> Result<AimsToml, Vec<Diagnostic>> {
    let display: Arc<str> = Arc::from(path.to_string_lossy().as_ref());
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![Diagnostic::error(
            "aimsc::io::read",
            format!("cannot read `{display}`: {e}"),
            None,
        )]
    })?;
    toml::from_str(&text).map_err(|e| {
        let span = e.span().map_or(Span::default(), |r| Span::new(r.start, r.end));
        vec![Diagnostic::error("aimsc::config::invalid", format!("invalid aims.toml: {}", e.message()), Some(Location::new(&display, span)))
            .with_help("aims.toml holds `rules = [\"path\", ...]` and `facts = \"path\"`, relative to the file")]
    })
}

/// The rule folders and files aims.toml names (shipped rulesets left out), relative to the
/// working folder; `None` without an aims.toml.
pub fn configured_rule_dirs() -> Option<Vec<PathBuf>> {
    let cfg_path = find_aims_toml()?;
    let cfg = read_config(&cfg_path).ok()?;
    let root = cfg_path.parent().map(Path::to_path_buf).unwrap_or_default();
    Some(
        cfg.rules
            .iter()
            .filter(|p| !p.to_string_lossy().starts_with(aimsc_rulesets::PREFIX))
            .map(|p| root.join(p))
            .collect(),
    )
}

/// Loads rules and facts from the given paths, falling back to aims.toml.
/// With `need_facts`, a missing facts setting is a usage error.
pub fn load(
    rule_paths: &[PathBuf],
    facts: Option<&Path>,
    need_facts: bool,
) -> Result<Loaded, Vec<Diagnostic>> {
    let mut rule_paths = rule_paths.to_vec();
    let mut facts = facts.map(Path::to_path_buf);
    if (rule_paths.is_empty() || (facts.is_none() && need_facts))
        && let Some(cfg_path) = find_aims_toml()
    {
        {
            let cfg = read_config(&cfg_path)?;
            let root = cfg_path.parent().map(Path::to_path_buf).unwrap_or_default();
            // Paths in reports are relative to the project root, whatever the working folder.
            let explicit: Vec<PathBuf> = rule_paths
                .iter()
                .chain(facts.iter())
                .filter_map(|p| std::path::absolute(p).ok())
                .collect();
            std::env::set_current_dir(&root).map_err(|e| {
                vec![Diagnostic::error(
                    "aimsc::io::read",
                    format!("cannot enter `{}`: {e}", root.display()),
                    None,
                )]
            })?;
            let rel = |p: PathBuf| p.strip_prefix(&root).map(Path::to_path_buf).unwrap_or(p);
            let mut explicit = explicit.into_iter().map(rel);
            if rule_paths.is_empty() {
                rule_paths = cfg.rules.clone();
            } else {
                rule_paths = explicit.by_ref().take(rule_paths.len()).collect();
            }
            facts = match facts {
                Some(_) => explicit.next(),
                None => cfg.facts.clone(),
            };
        }
    }
    if rule_paths.is_empty() {
        return Err(vec![Diagnostic::error("aimsc::usage::no_rules", "no rule files given and no aims.toml found", None)
            .with_help("pass rule paths (`--rules DIR` for eval), or create aims.toml with `rules = [\"rules\"]`")]);
    }
    if need_facts && facts.is_none() {
        return Err(vec![
            Diagnostic::error(
                "aimsc::usage::no_facts",
                "no facts given and aims.toml names none",
                None,
            )
            .with_help("pass `--facts FILE_OR_FOLDER`, or set `facts = \"facts\"` in aims.toml"),
        ]);
    }
    let mut errs = Vec::new();
    let mut rules = Vec::new();
    for p in &rule_paths {
        match rule_files(p) {
            Ok(found) => rules.extend(found),
            Err(e) => errs.push(e),
        }
    }
    let mut fact_inputs = Vec::new();
    if let Some(f) = &facts {
        match aimsc_facts::discover(f) {
            Ok(found) => fact_inputs = found.into_iter().map(FactInput::from).collect(),
            Err(e) => errs.extend(e),
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    rules.sort_by(|a, b| a.0.cmp(&b.0));
    rules.dedup_by(|a, b| a.0 == b.0);
    Ok(Loaded {
        rules,
        facts: fact_inputs,
    })
}

/// Rules for commands that need no facts: the given paths, else aims.toml's, else the shipped
/// rulesets.
pub fn load_rules_or_shipped(rule_paths: &[PathBuf]) -> Result<Loaded, Vec<Diagnostic>> {
    if rule_paths.is_empty() && find_aims_toml().is_none() {
        return load(&[PathBuf::from(aimsc_rulesets::PREFIX)], None, false);
    }
    load(rule_paths, None, false)
}

fn rule_files(path: &Path) -> Result<Vec<(Arc<str>, String)>, Diagnostic> {
    if let Some(name) = path.to_str()
        && name.starts_with(aimsc_rulesets::PREFIX)
    {
        let found = aimsc_rulesets::select(name);
        if found.is_empty() {
            return Err(Diagnostic::error(
                "aimsc::io::missing",
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
            "aimsc::io::missing",
            format!("rules path `{}` does not exist", path.display()),
            None,
        )
        .with_help("check the path, or the `rules` list in aims.toml"));
    }
    let mut files = Vec::new();
    collect(path, &mut files).map_err(|e| {
        Diagnostic::error(
            "aimsc::io::read",
            format!("cannot read `{}`: {e}", path.display()),
            None,
        )
    })?;
    if files.is_empty() {
        return Err(Diagnostic::error(
            "aimsc::io::no_rules",
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
                "aimsc::io::read",
                format!("cannot read `{display}`: {e}"),
                None,
            )
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            Diagnostic::error(
                "aimsc::io::not_utf8",
                format!("`{display}` is not UTF-8 text (invalid byte at offset {at})"),
                None,
            )
            .with_help("save the file as UTF-8")
        })?;
        out.push((display, text));
    }
    Ok(out)
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
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
        if e.is_dir() {
            collect(&e, out)?;
        } else if e.extension().is_some_and(|x| x == "aims") {
            out.push(e);
        }
    }
    Ok(())
}
