//! The server's view of the workspace: which rule and facts files make up the project (from
//! `aims.toml`), and the editor's unsaved text laid over what is on disk.

use aimsc_db::config::{find_upward, read_config, rule_files};
use aimsc_db::{FactInput, Project};
use jiff::civil::Date;
use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};

use crate::convert::{aimsc_rulesets_prefix, utf16};

/// Everything the server knows between requests.
pub struct State {
    /// The rules and facts.
    pub project: Project,
    /// The folder of `aims.toml`, when there is one.
    pub root: Option<PathBuf>,
    /// Open documents: path → the editor's text.
    pub open: HashMap<String, String>,
    /// Paths of the facts files `aims.toml` names.
    pub fact_paths: HashSet<String>,
    /// Paths of the rule files `aims.toml` names.
    pub config_rules: HashSet<String>,
    /// Bumped by every change; a publish for an older generation is dropped.
    pub generation: u64,
    /// Files that currently have diagnostics in the editor.
    pub published: HashSet<String>,
    /// Whether the client refreshes code lenses when asked.
    pub lens_refresh: bool,
    /// The as-of date (default: today).
    pub as_of: Option<Date>,
    /// A problem loading the workspace, shown to the user once.
    pub load_problem: Option<String>,
    /// Digests of the evidence files already read (by size and modification time).
    pub digests: aimsc::evidence::DigestCache,
}

impl Default for State {
    fn default() -> Self {
        State {
            project: Project::new(Vec::new(), Vec::new(), today()),
            root: None,
            open: HashMap::new(),
            fact_paths: HashSet::new(),
            config_rules: HashSet::new(),
            generation: 0,
            published: HashSet::new(),
            lens_refresh: false,
            as_of: None,
            load_problem: None,
            digests: aimsc::evidence::DigestCache::default(),
        }
    }
}

fn today() -> Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

/// A path without `.` components, so that paths from aims.toml and from the editor agree.
fn clean(p: &Path) -> PathBuf {
    p.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

/// The project path of a document.
pub fn path_of(uri: &Uri) -> String {
    match uri.to_file_path() {
        Some(p) => clean(&p).to_string_lossy().into_owned(),
        None => uri.as_str().to_string(),
    }
}

impl State {
    /// Finds `aims.toml` at or above the workspace root and loads what it names.
    pub fn open_root(&mut self, root: Option<PathBuf>) {
        self.root = root
            .as_deref()
            .and_then(find_upward)
            .and_then(|cfg| cfg.parent().map(clean));
        if let Some(d) = self.as_of {
            self.project.set_as_of(d);
        }
        self.reload();
    }

    /// Reloads rules and facts from disk (aims.toml may have changed), keeping open documents'
    /// text.
    pub fn reload(&mut self) {
        self.generation += 1;
        let mut rules: Vec<(Arc<str>, String)> = Vec::new();
        let mut facts: Vec<FactInput> = Vec::new();
        let mut problems = Vec::new();
        if let Some(root) = &self.root {
            match read_config(&root.join("aims.toml")) {
                Ok(cfg) => {
                    self.project.set_limits(cfg.limits);
                    self.project.set_evidence_reported(
                        cfg.evidence
                            .iter()
                            .filter(|(_, m)| **m == aimsc_db::config::EvidenceMode::Reported)
                            .map(|(f, _)| Arc::from(f.replace('-', "_")))
                            .collect(),
                    );
                    for p in &cfg.rules {
                        let full = if p.to_string_lossy().starts_with(aimsc_rulesets_prefix()) {
                            p.clone()
                        } else {
                            clean(&root.join(p))
                        };
                        match rule_files(&full) {
                            Ok(found) => rules.extend(found),
                            Err(d) => problems.push(d.message),
                        }
                    }
                    if let Some(f) = &cfg.facts {
                        let limits = cfg.limits.facts();
                        match aimsc_facts::discover(&clean(&root.join(f)), &limits) {
                            Ok(found) => {
                                facts = found.sources.into_iter().map(FactInput::from).collect();
                                problems.extend(found.skipped.into_iter().map(|d| d.message));
                            }
                            Err(ds) => problems.extend(ds.into_iter().map(|d| d.message)),
                        }
                    }
                }
                Err(ds) => problems.extend(ds.into_iter().map(|d| d.message)),
            }
        }
        self.config_rules = rules.iter().map(|(p, _)| p.to_string()).collect();
        self.fact_paths = facts.iter().map(|f| f.path.to_string()).collect();
        // The editor's text wins over the disk's; open rule files outside aims.toml join too.
        for (path, text) in &mut rules {
            if let Some(open) = self.open.get(&**path) {
                text.clone_from(open);
            }
        }
        for (path, text) in &self.open {
            if path.ends_with(".aims") && !self.config_rules.contains(path) {
                rules.push((Arc::from(path.as_str()), text.clone()));
            }
        }
        for f in &mut facts {
            if let Some(open) = self.open.get(&*f.path) {
                f.text.clone_from(open);
            }
        }
        let wanted: HashSet<String> = rules.iter().map(|(p, _)| p.to_string()).collect();
        for old in self.project.rule_paths() {
            if !wanted.contains(&*old) {
                self.project.remove_rule(&old);
            }
        }
        for (path, text) in rules {
            self.project.upsert_rule(&path, text);
        }
        self.project.replace_facts(facts);
        self.refresh_evidence();
        if !problems.is_empty() {
            self.load_problem = Some(format!("aimsc: {}", problems.join("; ")));
        }
    }

    /// A document was opened; true when the project changed.
    pub fn open(&mut self, path: &str, text: String) -> bool {
        self.open.insert(path.to_string(), text.clone());
        self.apply(path, text)
    }

    /// Edits arrived for an open document; true when the project changed.
    pub fn change(&mut self, path: &str, changes: &[TextDocumentContentChangeEvent]) -> bool {
        let mut text = match self.open.get(path) {
            Some(t) => t.clone(),
            None => self.project.source_text(path).unwrap_or_default(),
        };
        for c in changes {
            let range = c.range.map(|r| (utf16(r.start), utf16(r.end)));
            aimsc_ide::edit::apply(&mut text, range, &c.text);
        }
        self.open.insert(path.to_string(), text.clone());
        self.apply(path, text)
    }

    /// A document was closed: back to the disk's text, or out of the project when aims.toml
    /// does not name it.
    pub fn close(&mut self, path: &str) -> bool {
        self.open.remove(path);
        if path.ends_with(".aims") && !self.config_rules.contains(path) {
            self.generation += 1;
            return self.project.remove_rule(path);
        }
        match std::fs::read_to_string(path) {
            Ok(text) => self.apply(path, text),
            Err(_) => false,
        }
    }

    /// Looks again at the evidence files the facts name, under the project root: the editor
    /// shows the states the command line would.
    pub fn refresh_evidence(&mut self) {
        aimsc::evidence::refresh(&mut self.project, &mut self.digests, self.root.as_deref());
    }

    fn apply(&mut self, path: &str, text: String) -> bool {
        if self.fact_paths.contains(path) {
            self.generation += 1;
            return self.project.set_fact_text(path, text);
        }
        if path.ends_with(".aims") {
            self.generation += 1;
            self.project.upsert_rule(path, text);
            return true;
        }
        false
    }
}
