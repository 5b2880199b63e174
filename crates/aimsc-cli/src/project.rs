//! Finding the inputs: command-line paths, or `aims.toml` found upward from the working folder.

use aimsc::db::config::{self, read_config, rule_files};
use aimsc::db::{FactInput, Limits, Project};
use aimsc::diagnostics::Diagnostic;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

pub struct Loaded {
    rules: Vec<(Arc<str>, String)>,
    facts: Vec<FactInput>,
    limits: Limits,
    /// Files of the facts folder that were not loaded, as warnings.
    skipped: Vec<Diagnostic>,
    /// The folder evidence locations are relative to: the project root (aims.toml's folder,
    /// the working folder once found), else the folder holding the facts.
    evidence_root: PathBuf,
    /// The facts file or folder, relative to the working folder.
    facts_path: Option<PathBuf>,
    /// The frameworks whose evidence is only reported (`[evidence]` of aims.toml).
    evidence_reported: Vec<Arc<str>>,
}

impl Loaded {
    pub fn into_project(self, as_of: jiff::civil::Date) -> Project {
        let mut project = Project::with_limits(
            aimsc::db::Database::default(),
            self.rules,
            self.facts,
            as_of,
            self.limits,
        );
        project.set_load_diagnostics(self.skipped);
        project
    }

    /// The folder evidence locations are relative to.
    pub fn evidence_root(&self) -> &Path {
        &self.evidence_root
    }

    /// The facts file or folder.
    pub fn facts_path(&self) -> Option<&Path> {
        self.facts_path.as_deref()
    }

    /// The engine over these inputs, with evidence read under the project root.
    /// Makes `engine` hold these inputs instead of its own, keeping the cached work of every
    /// file that did not change: what `aimsc history` does from one commit to the next.
    pub fn update(self, engine: &mut aimsc::Engine) {
        let project = engine.project_mut();
        project.set_limits(self.limits);
        for old in project.rule_paths() {
            if !self.rules.iter().any(|(p, _)| *p == old) {
                project.remove_rule(&old);
            }
        }
        for (path, text) in self.rules {
            project.upsert_rule(&path, text);
        }
        project.replace_facts(self.facts);
        project.set_load_diagnostics(self.skipped);
        project.set_evidence_reported(self.evidence_reported);
        engine.set_evidence_root(self.evidence_root);
    }

    pub fn into_engine(self, as_of: jiff::civil::Date) -> aimsc::Engine {
        let root = self.evidence_root.clone();
        let reported = self.evidence_reported.clone();
        let mut engine = aimsc::Engine::from_project(self.into_project(as_of));
        engine.set_evidence_root(root);
        engine.project_mut().set_evidence_reported(reported);
        engine
    }
}

/// `--strict`: a file of the facts folder that is not loaded is an error.
static STRICT: OnceLock<bool> = OnceLock::new();

/// Records `--strict` for this run.
pub fn set_strict(strict: bool) {
    let _ = STRICT.set(strict);
}

/// The `--limit NAME=VALUE` settings of this run, applied over aims.toml's `[limits]`.
static LIMIT_SETTINGS: OnceLock<Vec<String>> = OnceLock::new();

/// Checks and records the `--limit` settings; an unknown name or a bad value is a usage
/// error.
pub fn set_limit_settings(settings: Vec<String>) -> Result<(), Vec<Diagnostic>> {
    let mut probe = Limits::default();
    let errs: Vec<Diagnostic> = settings
        .iter()
        .filter_map(|s| probe.set(s).err())
        .map(|e| {
            Diagnostic::error(
                aimsc::diagnostics::codes::USAGE_LIMIT,
                format!("--limit: {e}"),
                None,
            )
            .with_help("e.g. `--limit max-steps=1000000`; the limits are listed in SECURITY.md")
        })
        .collect();
    if !errs.is_empty() {
        return Err(errs);
    }
    let _ = LIMIT_SETTINGS.set(settings);
    Ok(())
}

/// `base` with this run's `--limit` settings applied.
pub fn limits_over(mut base: Limits) -> Limits {
    for s in LIMIT_SETTINGS.get().into_iter().flatten() {
        // Checked by `set_limit_settings`.
        let _ = base.set(s);
    }
    base
}

pub fn find_aims_toml() -> Option<PathBuf> {
    config::find_upward(&std::env::current_dir().ok()?)
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
            .filter(|p| !p.to_string_lossy().starts_with(aimsc::rulesets::PREFIX))
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
    let mut limits = Limits::default();
    let mut project_root: Option<PathBuf> = None;
    let mut evidence_reported: Vec<Arc<str>> = Vec::new();
    if (rule_paths.is_empty() || (facts.is_none() && need_facts))
        && let Some(cfg_path) = find_aims_toml()
    {
        {
            let cfg = read_config(&cfg_path)?;
            limits = cfg.limits;
            evidence_reported = cfg
                .evidence
                .iter()
                .filter(|(_, m)| **m == config::EvidenceMode::Reported)
                .map(|(f, _)| Arc::from(f.replace('-', "_")))
                .collect();
            let root = cfg_path.parent().map(Path::to_path_buf).unwrap_or_default();
            // Paths in reports are relative to the project root, whatever the working folder.
            let explicit: Vec<PathBuf> = rule_paths
                .iter()
                .chain(facts.iter())
                .filter_map(|p| std::path::absolute(p).ok())
                .collect();
            std::env::set_current_dir(&root).map_err(|e| {
                vec![Diagnostic::error(
                    aimsc::diagnostics::codes::IO_READ,
                    format!("cannot enter `{}`: {e}", root.display()),
                    None,
                )]
            })?;
            project_root = Some(PathBuf::from("."));
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
        return Err(vec![Diagnostic::error(aimsc::diagnostics::codes::USAGE_NO_RULES, "no rule files given and no aims.toml found", None)
            .with_help("pass rule paths (`--rules DIR` for eval), or create aims.toml with `rules = [\"rules\"]`")]);
    }
    if need_facts && facts.is_none() {
        return Err(vec![
            Diagnostic::error(
                aimsc::diagnostics::codes::USAGE_NO_FACTS,
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
    let limits = limits_over(limits);
    let mut fact_inputs = Vec::new();
    let mut skipped = Vec::new();
    if let Some(f) = &facts {
        match aimsc::facts::discover(f, &limits.facts()) {
            Ok(found) => {
                fact_inputs = found.sources.into_iter().map(FactInput::from).collect();
                skipped = found.skipped;
                if STRICT.get().copied().unwrap_or(false) {
                    for d in &mut skipped {
                        d.severity = aimsc::diagnostics::Severity::Error;
                        d.help = Some("`--strict` makes every file that is not loaded an error; move, rename or delete it".into());
                    }
                }
            }
            Err(e) => errs.extend(e),
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    rules.sort_by(|a, b| a.0.cmp(&b.0));
    rules.dedup_by(|a, b| a.0 == b.0);
    let evidence_root =
        project_root.unwrap_or_else(|| match facts.as_deref().and_then(Path::parent) {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        });
    Ok(Loaded {
        rules,
        facts: fact_inputs,
        limits,
        skipped,
        evidence_root,
        facts_path: facts,
        evidence_reported,
    })
}

/// Rules for commands that need no facts: the given paths, else aims.toml's, else the shipped
/// rulesets.
pub fn load_rules_or_shipped(rule_paths: &[PathBuf]) -> Result<Loaded, Vec<Diagnostic>> {
    if rule_paths.is_empty() && find_aims_toml().is_none() {
        return load(&[PathBuf::from(aimsc::rulesets::PREFIX)], None, false);
    }
    load(rule_paths, None, false)
}
