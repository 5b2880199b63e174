//! The one salsa database of aimsc, and the library API for tools that embed it.
//!
//! Inputs are the rule files, the facts files and the as-of date; every stage (parse, check,
//! load facts, validate, evaluate) is a tracked query, so after an edit only what read the
//! changed input re-runs. The CLI, the language server and the HTTP server are shells over
//! [`Project`].
//!
//! ```
//! use aimsc_db::Project;
//! let rules = vec![("rules.aims".into(), r#"
//!     framework acme "Acme"
//!     record Org { name: string }
//!     facts { org: Org }
//!     control acme::named "The organisation is named" {
//!       require "it has a name" { org.name != "" }
//!     }
//! "#.to_string())];
//! let facts = vec![aimsc_db::FactInput::root("facts.yaml", "org:\n  name: Acme\n")];
//! let as_of = jiff::civil::date(2026, 1, 1);
//! let project = Project::new(rules, facts, as_of);
//! let results = project.results();
//! assert_eq!(results[0].outcome, aimsc_eval::outcome::Outcome::Pass);
//! ```

// The pipeline, one stage a file: inputs → rules → facts → evaluation.
#[allow(missing_docs)]
mod evaluation;
#[allow(missing_docs)]
mod facts;
#[allow(missing_docs)] // salsa macros generate undocumented accessors
mod inputs;
#[allow(missing_docs)]
mod rules;

pub mod config;
mod limits;

/// For a long-lived shell that parses files again after each edit (the language server):
/// see [`aimsc_syntax::remember_items`].
pub use aimsc_syntax::remember_items;
pub use inputs::{Database, FactFile, RuleFile, Workspace};
pub use limits::{LIMIT_NAMES, Limits};

/// A query on a [`Project`] snapshot was cancelled because the project changed meanwhile;
/// the caller should drop the snapshot and answer "content modified".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

/// Runs `f` (queries on a snapshot), turning salsa's cancellation unwind into [`Cancelled`].
pub fn catch_cancelled<T>(f: impl FnOnce() -> T + std::panic::UnwindSafe) -> Result<T, Cancelled> {
    salsa::Cancelled::catch(f).map_err(|_| Cancelled)
}

use aimsc_diagnostics::Diagnostic;
use aimsc_eval::outcome::CheckResult;
use aimsc_facts::SourceRole;
use jiff::civil::Date;
use salsa::Setter;
use std::sync::Arc;

/// Files as `(path, text)` pairs.
pub type Texts = Vec<(Arc<str>, String)>;

/// Paths and texts of input files, borrowed from the project.
pub type TextRefs<'a> = Vec<(Arc<str>, &'a str)>;

/// A facts file handed to the engine.
#[derive(Debug, Clone)]
pub struct FactInput {
    /// Path as displayed.
    pub path: Arc<str>,
    /// How it merges (root mapping, or one record of a collection).
    pub role: SourceRole,
    /// Contents.
    pub text: String,
}

impl FactInput {
    /// A root facts file.
    pub fn root(path: &str, text: &str) -> FactInput {
        FactInput {
            path: Arc::from(path),
            role: SourceRole::Root,
            text: text.to_string(),
        }
    }
}

impl From<aimsc_facts::FactSource> for FactInput {
    fn from(s: aimsc_facts::FactSource) -> Self {
        FactInput {
            path: s.path,
            role: s.role,
            text: s.text,
        }
    }
}

/// Facts files in the folder rule's order, whatever order they were given in: root files by
/// path, then each collection's record files by path. Merging and record order follow it, so
/// the same files give the same facts and byte-identical reports.
fn canonical_order(mut facts: Vec<FactInput>) -> Vec<FactInput> {
    facts.sort_by(|a, b| {
        let key = |f: &FactInput| match &f.role {
            SourceRole::Root => (false, String::new(), f.path.clone()),
            SourceRole::Record(c) => (true, c.clone(), f.path.clone()),
        };
        key(a).cmp(&key(b))
    });
    facts
}

/// At most this many threads evaluate checks at once (see [`Project::evaluate_ahead`]).
const MAX_WORKERS: usize = 8;

/// The stack of a thread that evaluates: as deep as the command line's own, since checking
/// and evaluating recurse over trees whose depth the parser and the checker bound.
const WORKER_STACK_BYTES: usize = 64 * 1024 * 1024;

/// A ruleset, an organisation's facts and an as-of date, loaded into the database.
///
/// Cloning is cheap and gives a snapshot for a reader on another thread. A write (`set_*`,
/// `upsert_*`, `remove_*`) cancels queries running on snapshots and waits until every snapshot
/// is dropped; run snapshot queries inside [`catch_cancelled`] and never keep a snapshot
/// What the shell found at each evidence location, by location as written in the facts.
pub type EvidenceFiles = Arc<std::collections::BTreeMap<Arc<str>, aimsc_eval::evidence::FileCheck>>;

/// across an `.await`.
#[derive(Clone)]
pub struct Project {
    db: Database,
    ws: Workspace,
    /// What loading the inputs found before they reached the database: files of the facts
    /// folder that were skipped, and why.
    load: Arc<Vec<Diagnostic>>,
}

impl Project {
    /// Loads rule files `(path, text)` and facts files.
    pub fn new(rules: Vec<(Arc<str>, String)>, facts: Vec<FactInput>, as_of: Date) -> Project {
        Project::new_in(Database::default(), rules, facts, as_of)
    }

    /// Loads rule files and facts files into `db`, e.g. one made by
    /// [`Database::with_execution_log`].
    pub fn new_in(
        db: Database,
        rules: Vec<(Arc<str>, String)>,
        facts: Vec<FactInput>,
        as_of: Date,
    ) -> Project {
        Project::with_limits(db, rules, facts, as_of, Limits::default())
    }

    /// Loads rule files and facts files into `db`, within `limits`.
    pub fn with_limits(
        db: Database,
        rules: Vec<(Arc<str>, String)>,
        facts: Vec<FactInput>,
        as_of: Date,
        limits: Limits,
    ) -> Project {
        let facts = canonical_order(facts);
        let rule_files = rules
            .into_iter()
            .map(|(p, t)| RuleFile::new(&db, p, t))
            .collect();
        let fact_files = facts
            .into_iter()
            .enumerate()
            .map(|(i, f)| {
                FactFile::new(
                    &db,
                    f.path,
                    f.role,
                    f.text,
                    u32::try_from(i).unwrap_or(u32::MAX),
                    limits.facts(),
                )
            })
            .collect();
        let ws = Workspace::new(
            &db,
            rule_files,
            fact_files,
            as_of,
            limits,
            EvidenceFiles::default(),
            Vec::new(),
        );
        Project {
            db,
            ws,
            load: Arc::new(Vec::new()),
        }
    }

    /// The database, for queries not wrapped here.
    pub fn db(&self) -> &Database {
        &self.db
    }

    /// The workspace input.
    pub fn workspace(&self) -> Workspace {
        self.ws
    }

    /// Every diagnostic of rules and facts, sorted, with those of loading them.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut out = evaluation::all_diagnostics(&self.db, self.ws).clone();
        if !self.load.is_empty() {
            out.extend(self.load.iter().cloned());
            aimsc_diagnostics::sort(&mut out);
        }
        out
    }

    /// Sets what loading the inputs found (skipped files of a facts folder): they are
    /// reported with the project's own diagnostics.
    pub fn set_load_diagnostics(&mut self, diagnostics: Vec<Diagnostic>) {
        self.load = Arc::new(diagnostics);
    }

    /// Every control and rule result, sorted by id.
    pub fn results(&self) -> Vec<CheckResult> {
        self.evaluate_ahead(None);
        evaluation::all_results(&self.db, self.ws)
            .iter()
            .map(|r| (**r).clone())
            .collect()
    }

    /// The checked model.
    pub fn model(&self) -> Arc<aimsc_eval::model::Model> {
        rules::checked_model(&self.db, self.ws).model.clone()
    }

    /// The text of a rule or facts file by path, for rendering diagnostics.
    pub fn source_text(&self, path: &str) -> Option<String> {
        match self.rule_file(path) {
            Some(f) => Some(f.text(&self.db).clone()),
            None => self.fact_file(path).map(|f| f.text(&self.db).clone()),
        }
    }

    /// Paths and texts of all inputs: (rules, facts).
    pub fn inputs(&self) -> (Texts, Texts) {
        let (rules, facts) = self.input_texts();
        let owned =
            |files: TextRefs<'_>| files.into_iter().map(|(p, t)| (p, t.to_string())).collect();
        (owned(rules), owned(facts))
    }

    /// [`Project::inputs`], borrowed: the texts are not copied.
    pub fn input_texts(&self) -> (TextRefs<'_>, TextRefs<'_>) {
        let rules = self
            .ws
            .rules(&self.db)
            .iter()
            .map(|f| (f.path(&self.db).clone(), f.text(&self.db).as_str()))
            .collect();
        let facts = self
            .ws
            .facts(&self.db)
            .iter()
            .map(|f| (f.path(&self.db).clone(), f.text(&self.db).as_str()))
            .collect();
        (rules, facts)
    }

    /// Replaces the text of a rule file; only queries that read it re-run.
    pub fn set_rule_text(&mut self, path: &str, text: String) -> bool {
        let Some(f) = self.rule_file(path) else {
            return false;
        };
        f.set_text(&mut self.db).to(text);
        true
    }

    /// Replaces the text of a facts file.
    pub fn set_fact_text(&mut self, path: &str, text: String) -> bool {
        let Some(f) = self.fact_file(path) else {
            return false;
        };
        f.set_text(&mut self.db).to(text);
        true
    }

    /// The syntax tree of a rule file (items that parsed, in order).
    pub fn parsed(&self, path: &str) -> Option<Arc<aimsc_syntax::ast::SourceFile>> {
        let file = self.rule_file(path)?;
        Some(rules::parse_rule_file(&self.db, file).ast.clone())
    }

    /// Paths of the rule files, in load order.
    pub fn rule_paths(&self) -> Vec<Arc<str>> {
        let rules = self.ws.rules(&self.db);
        rules.iter().map(|f| f.path(&self.db).clone()).collect()
    }

    /// Paths of the facts files, in load order.
    pub fn fact_paths(&self) -> Vec<Arc<str>> {
        let facts = self.ws.facts(&self.db);
        facts.iter().map(|f| f.path(&self.db).clone()).collect()
    }

    /// Paths of the root facts files (not records of a collection), in load order.
    pub fn root_fact_paths(&self) -> Vec<Arc<str>> {
        let facts = self.ws.facts(&self.db);
        facts
            .iter()
            .filter(|f| *f.role(&self.db) == SourceRole::Root)
            .map(|f| f.path(&self.db).clone())
            .collect()
    }

    /// The records of type `ty` that have an id (each id once, the first), as the whole
    /// facts index them: what a reader of one kind of record needs, without assembling the
    /// whole facts (which copies every file's text and indexes every record, on every edit).
    pub fn records_of(&self, ty: &str) -> Vec<Arc<aimsc_eval::validate::Record>> {
        self.validate_ahead();
        facts::records_with_type(&self.db, self.ws, ty)
    }

    /// The path of facts file number `file` (the number records and values carry).
    pub fn fact_path(&self, file: u32) -> Option<Arc<str>> {
        let f = self.ws.facts(&self.db).get(file as usize)?;
        Some(f.path(&self.db).clone())
    }

    /// The validated facts.
    pub fn facts(&self) -> Arc<aimsc_eval::validate::Facts> {
        self.validate_ahead();
        facts::whole_facts(&self.db, self.ws).clone()
    }

    /// The results of the checks `select` keeps, in id order; the run's step budget is spent
    /// over them alone, so a selection is not cut short by the checks left out.
    pub fn results_selected(
        &self,
        select: &dyn Fn(&aimsc_eval::model::Check) -> bool,
    ) -> Vec<CheckResult> {
        let model = rules::checked_model(&self.db, self.ws).model.clone();
        let ids: Vec<Arc<str>> = model
            .checks
            .iter()
            .filter(|(_, c)| select(c))
            .map(|(id, _)| id.clone())
            .collect();
        self.evaluate_ahead(Some(&ids));
        evaluation::results_of(&self.db, self.ws, ids.iter())
            .iter()
            .map(|r| (**r).clone())
            .collect()
    }

    /// The results, shared: cheaper than [`Project::results`] for callers that only read.
    pub fn results_shared(&self) -> Vec<Arc<CheckResult>> {
        self.evaluate_ahead(None);
        evaluation::all_results(&self.db, self.ws).clone()
    }

    /// Evaluates checks `ids` (every check: `None`) on the machine's cores, each on a snapshot
    /// of the database, so that the gathering in check order that follows finds them cached.
    /// Checks share the work below them (facts parsed and validated once, by whichever thread
    /// gets there first; salsa makes the other wait).
    fn evaluate_ahead(&self, ids: Option<&[Arc<str>]>) {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let model = rules::checked_model(&self.db, self.ws).model.clone();
        let all: Vec<Arc<str>>;
        let ids = match ids {
            Some(ids) => ids,
            None => {
                all = model.checks.keys().cloned().collect();
                &all
            }
        };
        if ids.len() < 2 {
            return;
        }
        let next = AtomicUsize::new(0);
        let ws = self.ws;
        self.on_cores(&|db| {
            while let Some(id) = ids.get(next.fetch_add(1, Ordering::Relaxed)) {
                evaluation::ahead(db, ws, id);
            }
        });
    }

    /// Loads and validates every chunk of records on the machine's cores, so that a reader
    /// of the whole facts (the evidence refresh before evaluating, hover) does not do it on
    /// one.
    fn validate_ahead(&self) {
        let next = std::sync::atomic::AtomicUsize::new(0);
        let ws = self.ws;
        self.on_cores(&|db| facts::validate_chunks(db, ws, &next));
    }

    /// Runs `job` on this thread and on one snapshot of the database per other core (at most
    /// [`MAX_WORKERS`] in all); the jobs share their work through what they compute. The
    /// threads end before this returns, so no write can meet them; they run under this
    /// thread's interrupt, with the command line's stack.
    fn on_cores(&self, job: &(dyn Fn(&Database) + Sync)) {
        let workers = std::thread::available_parallelism()
            .map_or(1, std::num::NonZero::get)
            .min(MAX_WORKERS);
        if workers < 2 {
            job(&self.db);
            return;
        }
        let interrupt = aimsc_eval::evaluate::current_interrupt();
        std::thread::scope(|scope| {
            let handles: Vec<_> = (1..workers)
                .filter_map(|_| {
                    let db = self.db.clone();
                    let interrupt = interrupt.clone();
                    std::thread::Builder::new()
                        .name("aimsc-eval".into())
                        .stack_size(WORKER_STACK_BYTES)
                        .spawn_scoped(scope, move || match interrupt {
                            Some(flag) => aimsc_eval::evaluate::with_interrupt(flag, || job(&db)),
                            None => job(&db),
                        })
                        .ok()
                })
                .collect();
            job(&self.db);
            // A worker that failed left its share to whoever reads next, which computes it.
            for h in handles {
                let _ = h.join();
            }
        });
    }

    /// The as-of date.
    pub fn as_of(&self) -> Date {
        self.ws.as_of(&self.db)
    }

    fn rule_file(&self, path: &str) -> Option<RuleFile> {
        match inputs::files_by_path(&self.db, self.ws).get(path)? {
            inputs::FileRef::Rule(f) => Some(*f),
            inputs::FileRef::Fact(_) => None,
        }
    }

    fn fact_file(&self, path: &str) -> Option<FactFile> {
        match inputs::files_by_path(&self.db, self.ws).get(path)? {
            inputs::FileRef::Fact(f) => Some(*f),
            inputs::FileRef::Rule(_) => None,
        }
    }

    /// The text of a rule or facts file, by its path.
    pub fn text_of(&self, path: &str) -> Option<&str> {
        Some(match inputs::files_by_path(&self.db, self.ws).get(path)? {
            inputs::FileRef::Rule(f) => f.text(&self.db).as_str(),
            inputs::FileRef::Fact(f) => f.text(&self.db).as_str(),
        })
    }

    /// 1-based line and column of a place in a rule or facts file, from the file's cached
    /// line index.
    pub fn line_col(&self, loc: &aimsc_diagnostics::Location) -> Option<(usize, usize)> {
        let at = loc.span.start();
        Some(
            match inputs::files_by_path(&self.db, self.ws).get(&loc.file)? {
                inputs::FileRef::Rule(f) => {
                    rules::rule_lines(&self.db, *f).line_col(f.text(&self.db), at)
                }
                inputs::FileRef::Fact(f) => {
                    facts::fact_lines(&self.db, *f).line_col(f.text(&self.db), at)
                }
            },
        )
    }

    /// Sets the text of a rule file, adding the file when it is new.
    pub fn upsert_rule(&mut self, path: &str, text: String) {
        if let Some(f) = self.rule_file(path) {
            if *f.text(&self.db) != text {
                f.set_text(&mut self.db).to(text);
            }
            return;
        }
        let file = RuleFile::new(&self.db, Arc::from(path), text);
        let mut rules = self.ws.rules(&self.db).clone();
        rules.push(file);
        rules.sort_by(|a, b| a.path(&self.db).cmp(b.path(&self.db)));
        self.ws.set_rules(&mut self.db).to(rules);
    }

    /// Removes a rule file; false when it was not loaded.
    pub fn remove_rule(&mut self, path: &str) -> bool {
        let mut rules = self.ws.rules(&self.db).clone();
        let before = rules.len();
        rules.retain(|f| &**f.path(&self.db) != path);
        if rules.len() == before {
            return false;
        }
        self.ws.set_rules(&mut self.db).to(rules);
        true
    }

    /// Replaces the whole set of facts files, keeping the inputs (and their cached work) of
    /// files whose path, role and text did not change. Returns whether anything changed.
    pub fn replace_facts(&mut self, facts: Vec<FactInput>) -> bool {
        let facts = canonical_order(facts);
        let old = self.ws.facts(&self.db).clone();
        let mut files = Vec::with_capacity(facts.len());
        let mut changed_text = false;
        for (i, f) in facts.into_iter().enumerate() {
            let index = u32::try_from(i).unwrap_or(u32::MAX);
            let reuse = old.iter().copied().find(|o| {
                *o.path(&self.db) == f.path
                    && *o.role(&self.db) == f.role
                    && o.index(&self.db) == index
            });
            match reuse {
                Some(o) => {
                    if *o.text(&self.db) != f.text {
                        o.set_text(&mut self.db).to(f.text);
                        changed_text = true;
                    }
                    files.push(o);
                }
                None => files.push(FactFile::new(
                    &self.db,
                    f.path,
                    f.role,
                    f.text,
                    index,
                    self.limits().facts(),
                )),
            }
        }
        let changed = files != old || changed_text;
        if files != old {
            self.ws.set_facts(&mut self.db).to(files);
        }
        changed
    }

    /// Replaces what was found at the evidence locations (see [`aimsc_eval::evidence`]); only
    /// the checks that read evidence re-run, and only when something changed.
    pub fn set_evidence_files(&mut self, files: EvidenceFiles) {
        if *self.ws.evidence(&self.db) != files {
            self.ws.set_evidence(&mut self.db).to(files);
        }
    }

    /// Sets the frameworks whose checks only report unusable evidence, as `[evidence]
    /// name = "reported"` in aims.toml does; every other framework's checks read it as invalid.
    pub fn set_evidence_reported(&mut self, mut frameworks: Vec<Arc<str>>) {
        frameworks.sort();
        frameworks.dedup();
        if *self.ws.evidence_reported(&self.db) != frameworks {
            self.ws.set_evidence_reported(&mut self.db).to(frameworks);
        }
    }

    /// What was found at the evidence locations, as last set.
    pub fn evidence_files(&self) -> &EvidenceFiles {
        self.ws.evidence(&self.db)
    }

    /// Changes the as-of date.
    pub fn set_as_of(&mut self, as_of: Date) {
        self.ws.set_as_of(&mut self.db).to(as_of);
    }

    /// The resource limits in force.
    pub fn limits(&self) -> Limits {
        self.ws.limits(&self.db)
    }

    /// Changes the resource limits; facts are parsed again only when their limits changed.
    pub fn set_limits(&mut self, limits: Limits) {
        if self.limits() == limits {
            return;
        }
        for f in self.ws.facts(&self.db).clone() {
            if f.limits(&self.db) != limits.facts() {
                f.set_limits(&mut self.db).to(limits.facts());
            }
        }
        self.ws.set_limits(&mut self.db).to(limits);
    }
}
