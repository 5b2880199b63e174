//! The server's view of the workspace: the projects in it (one per `aims.toml`, found as
//! rust-analyzer finds `Cargo.toml`s, and one per folder of `.aims` files outside them), which
//! rule and facts files make up each, and the editor's unsaved text laid over what is on disk.

use aimsc_db::config::{find_upward, read_config, rule_files};
use aimsc_db::{FactInput, Project};
use jiff::civil::Date;
use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};

use crate::convert::{aimsc_rulesets_prefix, utf16};

/// What a project of the workspace is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A folder with `aims.toml`: its rules and facts.
    Config,
    /// A folder of `.aims` files with no `aims.toml`: those files (and its subfolders'), one
    /// ruleset, no facts.
    Ruleset,
    /// Open `.aims` files that belong to no project.
    Loose,
}

/// Everything the server knows between requests about one project.
pub struct State {
    /// What the project is.
    pub kind: Kind,
    /// Folders inside a ruleset's that are projects of their own.
    pub exclude: Vec<PathBuf>,
    /// A ruleset of the workspace folder itself takes only its own files, not every folder
    /// below (which may hold anything).
    pub shallow: bool,
    /// The facts folder or file aims.toml names.
    pub facts_root: Option<PathBuf>,
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
            kind: Kind::Loose,
            exclude: Vec::new(),
            shallow: false,
            facts_root: None,
            project: Project::new(Vec::new(), Vec::new(), today()),
            root: None,
            open: HashMap::new(),
            fact_paths: HashSet::new(),
            config_rules: HashSet::new(),
            generation: 0,
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
/// A path without `.` and `..` components (resolved in the text, not on disk), so that the
/// paths of aims.toml (`rules = ["../shared"]`) and of the editor name a file the same way.
fn clean(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// The project path of a document: a shipped rule file the server wrote out for reading is
/// known by its `@aimsc/…` name again.
pub fn path_of(uri: &Uri) -> String {
    match uri.to_file_path() {
        Some(p) => {
            crate::shipped::name_of(&p).unwrap_or_else(|| clean(&p).to_string_lossy().into_owned())
        }
        None => uri.as_str().to_string(),
    }
}

impl State {
    /// Reloads rules and facts from disk (aims.toml may have changed), keeping open documents'
    /// text.
    pub fn reload(&mut self) {
        self.generation += 1;
        let mut rules: Vec<(Arc<str>, String)> = Vec::new();
        let mut facts: Vec<FactInput> = Vec::new();
        let mut problems = Vec::new();
        if let (Kind::Ruleset, Some(root)) = (self.kind, &self.root) {
            if self.shallow {
                // The workspace folder's own rule files only: below it may be anything.
                let mut own: Vec<PathBuf> = std::fs::read_dir(root)
                    .map(|d| {
                        d.flatten()
                            .map(|e| e.path())
                            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "aims"))
                            .collect()
                    })
                    .unwrap_or_default();
                own.sort();
                for p in own {
                    match std::fs::read_to_string(&p) {
                        Ok(text) => rules.push((Arc::from(p.to_string_lossy().as_ref()), text)),
                        Err(e) => problems.push(format!("cannot read {}: {e}", p.display())),
                    }
                }
            } else {
                match rule_files(root) {
                    Ok(found) => rules.extend(found.into_iter().filter(|(p, _)| {
                        !self.exclude.iter().any(|x| Path::new(&**p).starts_with(x))
                    })),
                    Err(d) => problems.push(d.message),
                }
            }
        } else if let Some(root) = &self.root {
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
                    self.facts_root = cfg.facts.as_ref().map(|f| clean(&root.join(f)));
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
            if path.ends_with(".aims")
                && !self.config_rules.contains(path)
                && !crate::shipped::is_shipped(path)
            {
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
        if crate::shipped::is_shipped(path) {
            return false;
        }
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
        // The shipped rules are read-only: what the editor shows of them changes nothing.
        if crate::shipped::is_shipped(path) {
            return false;
        }
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

/// Folders not searched for projects: build output, dependencies, version control.
const SKIPPED: [&str; 4] = ["target", "node_modules", "dist", "out"];

/// The most folders searched for projects, so that a huge workspace opens at once.
const MAX_FOLDERS: usize = 20_000;

/// The folders under `root` (itself included) holding `aims.toml`, and those holding `.aims`
/// files, in path order. Hidden folders and [`SKIPPED`] ones are not searched.
fn scan(root: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let (mut configs, mut rule_dirs) = (Vec::new(), Vec::new());
    let mut queue = std::collections::VecDeque::from([root.to_path_buf()]);
    let mut seen = 0usize;
    while let Some(dir) = queue.pop_front() {
        seen += 1;
        if seen > MAX_FOLDERS {
            break;
        }
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut has_rules = false;
        let mut subdirs = Vec::new();
        for e in entries.flatten() {
            let name = e.file_name();
            let name = name.to_string_lossy();
            let Ok(ty) = e.file_type() else { continue };
            if ty.is_dir() {
                if !name.starts_with('.') && !SKIPPED.contains(&name.as_ref()) {
                    subdirs.push(e.path());
                }
            } else if name == "aims.toml" {
                configs.push(dir.clone());
            } else if name.ends_with(".aims") {
                has_rules = true;
            }
        }
        if has_rules {
            rule_dirs.push(dir.clone());
        }
        subdirs.sort();
        queue.extend(subdirs);
    }
    configs.sort();
    rule_dirs.sort();
    (configs, rule_dirs)
}

/// The folder a ruleset of `dir`'s `.aims` files starts at: `dir`, or an ancestor below the
/// workspace root that is itself a ruleset folder or groups several (`rulesets/` over
/// `rulesets/iso42001/` and `rulesets/eu_ai_act/`), which is how rulesets that read each
/// other are laid out.
fn ruleset_root(dir: &Path, root: &Path, rule_dirs: &[PathBuf], configs: &[PathBuf]) -> PathBuf {
    let mut at = dir.to_path_buf();
    while let Some(parent) = at.parent() {
        if parent == root || !parent.starts_with(root) || configs.iter().any(|c| c == parent) {
            break;
        }
        let holds_rules = rule_dirs.iter().any(|d| d == parent);
        let groups = rule_dirs
            .iter()
            .any(|d| d.starts_with(parent) && !d.starts_with(&at));
        if !(holds_rules || groups) {
            break;
        }
        at = parent.to_path_buf();
    }
    at
}

/// Every project of the workspace: the server's state, one [`State`] each.
pub struct Workspace {
    /// The projects; the last is the [`Kind::Loose`] one.
    pub units: Vec<State>,
    /// Bumped by every change; a publish for an older generation is dropped.
    pub generation: u64,
    /// Whether the client refreshes code lenses when asked.
    pub lens_refresh: bool,
    /// The as-of date (default: today).
    pub as_of: Option<Date>,
    /// Whether the client takes file watchers from the server.
    pub dynamic_watch: bool,
    /// The workspace folder, to look for projects again when an `aims.toml` comes or goes.
    pub root: Option<PathBuf>,
    /// The watchers last registered, so that they are registered again only when they change.
    pub registered: Vec<String>,
}

impl Default for Workspace {
    fn default() -> Self {
        Workspace {
            units: vec![State::default()],
            generation: 0,
            lens_refresh: false,
            as_of: None,
            dynamic_watch: false,
            root: None,
            registered: Vec::new(),
        }
    }
}

impl Workspace {
    /// Finds the projects of the workspace folder `root`: the `aims.toml` at or above it, every
    /// `aims.toml` below it, and the folders of `.aims` files outside them; loads each.
    pub fn open_root(&mut self, root: Option<PathBuf>) {
        let mut units = Vec::new();
        if let Some(root) = root.as_deref().map(clean) {
            let above = find_upward(&root).and_then(|cfg| cfg.parent().map(clean));
            let (mut configs, rule_dirs) = scan(&root);
            configs = configs.iter().map(|c| clean(c)).collect();
            if let Some(a) = &above
                && !configs.contains(a)
            {
                configs.insert(0, a.clone());
            }
            let inside_config = |d: &Path| configs.iter().any(|c| d.starts_with(c));
            let loose_dirs: Vec<PathBuf> = rule_dirs
                .iter()
                .map(|d| clean(d))
                .filter(|d| !inside_config(d))
                .collect();
            let mut ruleset_roots: Vec<PathBuf> = loose_dirs
                .iter()
                .map(|d| ruleset_root(d, &root, &loose_dirs, &configs))
                .collect();
            ruleset_roots.sort();
            ruleset_roots.dedup();
            // A root inside another is part of it.
            let outer: Vec<PathBuf> = ruleset_roots
                .iter()
                .filter(|r| !ruleset_roots.iter().any(|o| o != *r && r.starts_with(o)))
                .cloned()
                .collect();
            for c in configs {
                units.push(State {
                    kind: Kind::Config,
                    root: Some(c),
                    ..State::default()
                });
            }
            for r in outer {
                let shallow = r == root;
                let exclude = units
                    .iter()
                    .filter_map(|u: &State| u.root.clone())
                    .filter(|c| c.starts_with(&r))
                    .collect();
                units.push(State {
                    kind: Kind::Ruleset,
                    root: Some(r),
                    exclude,
                    shallow,
                    ..State::default()
                });
            }
        }
        self.root = root;
        units.push(State::default());
        for u in &mut units {
            u.lens_refresh = self.lens_refresh;
            u.as_of = self.as_of;
            if let Some(d) = self.as_of {
                u.project.set_as_of(d);
            }
            u.reload();
        }
        self.units = units;
        self.generation += 1;
    }

    /// The index of the project a path belongs to: the one whose folder holds it most
    /// closely; a shipped rule file, the first project that loads it; else the loose one.
    pub fn index_of(&self, path: &str) -> usize {
        let loose = self.units.len().saturating_sub(1);
        if crate::shipped::is_shipped(path) {
            return self
                .units
                .iter()
                .position(|u| u.project.source_text(path).is_some())
                .unwrap_or(loose);
        }
        let p = Path::new(path);
        self.units
            .iter()
            .enumerate()
            .filter_map(|(i, u)| {
                let root = u.root.as_ref()?;
                let inside = p.starts_with(root) && !u.exclude.iter().any(|x| p.starts_with(x));
                inside.then_some((root.components().count(), i))
            })
            .max()
            .map_or(loose, |(_, i)| i)
    }

    /// The project a path belongs to.
    pub fn unit(&self, path: &str) -> &State {
        &self.units[self.index_of(path).min(self.units.len() - 1)]
    }

    fn unit_mut(&mut self, path: &str) -> &mut State {
        let i = self.index_of(path).min(self.units.len() - 1);
        &mut self.units[i]
    }

    /// The project that answers questions about no document (workspace symbols, the
    /// summary): the first with an `aims.toml`, else the first.
    pub fn primary(&self) -> &State {
        self.units
            .iter()
            .find(|u| u.kind == Kind::Config)
            .unwrap_or(&self.units[0])
    }

    /// A document was opened; true when its project changed.
    pub fn open(&mut self, path: &str, text: String) -> bool {
        self.generation += 1;
        self.unit_mut(path).open(path, text)
    }

    /// Edits arrived for an open document; true when its project changed.
    pub fn change(&mut self, path: &str, changes: &[TextDocumentContentChangeEvent]) -> bool {
        self.generation += 1;
        self.unit_mut(path).change(path, changes)
    }

    /// A document was closed.
    pub fn close(&mut self, path: &str) -> bool {
        self.generation += 1;
        self.unit_mut(path).close(path)
    }

    /// A document was saved: its project looks at its evidence again.
    pub fn refresh_evidence(&mut self, path: &str) {
        self.unit_mut(path).refresh_evidence();
    }

    /// Files changed on disk: every project reloads.
    pub fn reload(&mut self) {
        self.generation += 1;
        for u in &mut self.units {
            u.reload();
        }
    }

    /// The problems loading the projects, once.
    pub fn take_load_problems(&mut self) -> Vec<String> {
        self.units
            .iter_mut()
            .filter_map(|u| u.load_problem.take())
            .collect()
    }

    /// What the client should watch: each project's `aims.toml`, rule folders and facts.
    pub fn watched(&self) -> Vec<String> {
        let mut globs = Vec::new();
        for u in &self.units {
            let Some(root) = &u.root else { continue };
            let r = root.to_string_lossy();
            globs.push(format!("{r}/**/*.aims"));
            if u.kind == Kind::Config {
                globs.push(format!("{r}/aims.toml"));
                let mut facts: Vec<String> = u
                    .fact_paths
                    .iter()
                    .filter_map(|f| {
                        Path::new(f)
                            .parent()
                            .map(|p| p.to_string_lossy().into_owned())
                    })
                    .collect();
                facts.sort();
                facts.dedup();
                // The folders holding facts now, with every extension a facts file may have:
                // a new record file in one of them is seen.
                for f in facts {
                    globs.push(format!("{f}/**/*.{{yaml,yml,json,toml}}"));
                }
            }
        }
        globs.sort();
        globs.dedup();
        globs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> PathBuf {
        PathBuf::from(s)
    }

    #[test]
    fn sibling_rule_folders_are_one_ruleset_and_a_lone_folder_its_own() {
        let root = p("/w");
        let dirs = vec![
            p("/w/rulesets/eu_ai_act"),
            p("/w/rulesets/iso42001"),
            p("/w/tests/fixtures/check"),
            p("/w/tests/fixtures/fmt"),
            p("/w/top"),
        ];
        let configs = vec![p("/w/tests/orgs/acme")];
        assert_eq!(
            ruleset_root(&dirs[0], &root, &dirs, &configs),
            p("/w/rulesets")
        );
        assert_eq!(
            ruleset_root(&dirs[1], &root, &dirs, &configs),
            p("/w/rulesets")
        );
        assert_eq!(
            ruleset_root(&dirs[2], &root, &dirs, &configs),
            p("/w/tests/fixtures")
        );
        assert_eq!(ruleset_root(&dirs[4], &root, &dirs, &configs), p("/w/top"));
    }
}
