//! aimsc as a library: the policy engine behind the `aimsc` command, for programs that embed
//! it as their rules backend.
//!
//! An [`Engine`] holds checked rulesets in an incremental database. Give it an organisation's
//! facts, evaluate, and read typed [`CheckResult`]s with their explanation trees, or render
//! any report format. Setting new facts keeps the rules' work: only what reads the facts runs
//! again.
//!
//! ```
//! use aimsc::{Engine, Format, Options, RenderOptions};
//!
//! let mut engine = Engine::builder().shipped_rulesets().build()?;
//! engine.set_facts_json(&serde_json::json!({
//!     "organisation": { "name": "Example Ltd" },
//! }))?;
//! let options = Options::new("2026-06-01".parse()?).framework("iso42001");
//! let evaluation = engine.evaluate(&options)?;
//! assert!(evaluation.summary().fail > 0, "an organisation with no facts evidences nothing");
//! let sarif = evaluation.render(Format::Sarif, &RenderOptions::default());
//! assert!(sarif.contains("\"version\": \"2.1.0\""));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
pub mod evidence;
pub mod explain;
mod fail_on;
pub mod pack;

pub use aimsc_db::{FactInput, LIMIT_NAMES, Limits, Project};

/// The layers under the library, for the tools built on it (the `aimsc` command line among
/// them) that need more than the [`Engine`]: diagnostics and their codes, the syntax and its
/// layout, facts files, the checker and evaluator, the database, the shipped rulesets.
pub use aimsc_db as db;
#[doc(no_inline)]
pub use aimsc_diagnostics as diagnostics;
pub use aimsc_diagnostics::{Code, Diagnostic, Location, Severity, Span, codes};
#[doc(no_inline)]
pub use aimsc_eval as eval;
pub use aimsc_eval::dates::parse_date;
pub use aimsc_eval::evaluate::with_interrupt;
pub use aimsc_eval::outcome::{
    CheckResult, Explanation, Finding, Outcome, Records, RequirementResult, SupportResult, Truth,
    WaiverInfo,
};
pub use aimsc_eval::validate::FactLoc;
#[doc(no_inline)]
pub use aimsc_facts as facts;
pub use aimsc_facts::SourceRole;
pub use aimsc_report::{
    Baseline, Format, Overrides, ReportData, Summary, crosswalk, findings, history, render_text,
    soa,
};
#[doc(no_inline)]
pub use aimsc_rulesets as rulesets;
#[doc(no_inline)]
pub use aimsc_syntax as syntax;
pub use error::Error;
pub use fail_on::{FailOn, FailOnParseError};
pub use jiff::civil::Date;

use aimsc_diagnostics::did_you_mean;
use aimsc_report::{Catalog, Inputs, ReportDiagnostic, ReportInput};
use std::path::Path;
use std::sync::Arc;

/// The path facts given as a JSON value are shown under in diagnostics and reports.
pub const JSON_FACTS_PATH: &str = "facts.json";

/// A facts file given by its path relative to a facts folder, laid out as on disk: a file at
/// the top holds root facts, a file in a folder named after a collection is one record of it
/// (`ai_systems/chatbot.yaml`). Fails on any other shape, and on paths that leave the folder.
pub fn fact_input(path: &str, text: impl Into<String>) -> Result<FactInput, Error> {
    let bad = |why: &str| {
        Error::new(vec![
            Diagnostic::error(
                crate::codes::FACTS_PATH,
                format!("`{path}` is not a facts path: {why}"),
                None,
            )
            .with_help("use `NAME.yaml` for root facts, or `COLLECTION/ID.yaml` for a record (also .json, .toml)"),
        ])
    };
    let parts: Vec<&str> = path.split('/').collect();
    if path.starts_with('/')
        || path.contains('\\')
        || parts.iter().any(|p| p.is_empty() || p.starts_with('.'))
    {
        return Err(bad(
            "it must be relative, with no empty, hidden or `..` parts",
        ));
    }
    if aimsc_facts::Format::from_path(path).is_none() {
        return Err(bad("the extension must be .yaml, .yml, .json or .toml"));
    }
    let role = match parts.as_slice() {
        [_] => aimsc_facts::SourceRole::Root,
        [collection, _] => aimsc_facts::SourceRole::Record((*collection).to_string()),
        _ => return Err(bad("records sit one folder deep")),
    };
    Ok(FactInput {
        path: Arc::from(path),
        role,
        text: text.into(),
    })
}

/// Collects rule sources for an [`Engine`].
#[derive(Debug, Default)]
pub struct EngineBuilder {
    rules: Vec<(Arc<str>, String)>,
    errors: Vec<Diagnostic>,
    limits: Limits,
}

impl EngineBuilder {
    /// Adds every ruleset shipped with aimsc: ISO/IEC 42001, the EU AI Act, the ISO/IEC
    /// 27001/27701 catalogs and the crosswalks.
    pub fn shipped_rulesets(self) -> Self {
        self.rules_path(aimsc_rulesets::PREFIX)
    }

    /// Adds a rule file, a folder of `.aims` files (searched recursively), or a shipped
    /// ruleset by name, e.g. `@aimsc/iso42001`. A path that cannot be read is reported by
    /// [`EngineBuilder::build`].
    pub fn rules_path(mut self, path: impl AsRef<Path>) -> Self {
        match aimsc_db::config::rule_files(path.as_ref()) {
            Ok(files) => self.rules.extend(files),
            Err(e) => self.errors.push(e),
        }
        self
    }

    /// Adds a rule file from a string; `name` is the path diagnostics show.
    pub fn rules_source(mut self, name: &str, text: impl Into<String>) -> Self {
        self.rules.push((Arc::from(name), text.into()));
        self
    }

    /// Sets the resource limits (default: [`Limits::default`]).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Parses and checks the rules. Fails with every error found; warnings are kept and
    /// reported with each evaluation's diagnostics.
    pub fn build(mut self) -> Result<Engine, Error> {
        if !self.errors.is_empty() {
            return Err(Error::new(self.errors));
        }
        if self.rules.is_empty() {
            return Err(Error::new(vec![
                Diagnostic::error(crate::codes::USAGE_NO_RULES, "no rules were given", None).with_help(
                    "add rules with `shipped_rulesets()`, `rules_path(..)` or `rules_source(..)`",
                ),
            ]));
        }
        self.rules.sort_by(|a, b| a.0.cmp(&b.0));
        self.rules.dedup_by(|a, b| a.0 == b.0);
        let project = Project::with_limits(
            aimsc_db::Database::default(),
            self.rules,
            Vec::new(),
            Date::constant(2000, 1, 1),
            self.limits,
        );
        let engine = Engine::from_project(project);
        let errors = engine.rule_errors();
        if errors.is_empty() {
            Ok(engine)
        } else {
            Err(engine.error(errors))
        }
    }
}

/// A control, rule or other check the loaded rules declare.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ControlInfo {
    /// Id, e.g. `iso42001::A.5.2`.
    pub id: Arc<str>,
    /// `control` or `rule`.
    pub kind: &'static str,
    /// Framework (the id's namespace).
    pub framework: Arc<str>,
    /// Title.
    pub title: Arc<str>,
    /// What it is for, in one sentence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intent: Option<Arc<str>>,
    /// How many requirements it has.
    pub requirements: usize,
}

/// A framework the loaded rules declare.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FrameworkInfo {
    /// Short name, e.g. `iso42001`.
    pub name: Arc<str>,
    /// Title.
    pub title: Arc<str>,
    /// How many controls and rules it has.
    pub checks: usize,
    /// How many catalog entries (items without requirements of their own) it has.
    pub entries: usize,
}

/// Which controls to evaluate, and on what date.
#[derive(Debug, Clone)]
pub struct Options {
    /// The date for `today` and waiver expiry.
    pub as_of: Date,
    /// Only these controls or rules (all when empty).
    pub controls: Vec<String>,
    /// Only the checks of these frameworks (all when empty). Dashes may stand for
    /// underscores: `eu-ai-act` is `eu_ai_act`.
    pub frameworks: Vec<String>,
}

impl Options {
    /// Every control, on `as_of`.
    pub fn new(as_of: Date) -> Options {
        Options {
            as_of,
            controls: Vec::new(),
            frameworks: Vec::new(),
        }
    }

    /// Adds a control or rule id to the selection.
    pub fn control(mut self, id: impl Into<String>) -> Options {
        self.controls.push(id.into());
        self
    }

    /// Adds a framework to the selection.
    pub fn framework(mut self, name: impl Into<String>) -> Options {
        self.frameworks.push(name.into());
        self
    }
}

/// How to render a report.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// Explain passing requirements too (text).
    pub verbose: bool,
    /// ANSI colours in the text report, for a terminal.
    pub colour: bool,
    /// An earlier run's outcomes, for the Markdown summary's changes.
    pub baseline: Option<Baseline>,
}

/// The engine: checked rules in an incremental database, and the facts last set.
///
/// Cloning is cheap and shares the database: a clone is a snapshot for a reader on another
/// thread. Setting facts on one clone waits until other clones are dropped; give each thread
/// that sets facts an engine of its own.
#[derive(Clone)]
pub struct Engine {
    project: Project,
    /// The folder evidence locations are relative to: the project root.
    evidence_root: Option<std::path::PathBuf>,
    /// Digests of evidence files already read.
    digests: evidence::DigestCache,
}

impl Engine {
    /// Starts collecting rules.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// Wraps a project loaded elsewhere (e.g. from an aims.toml).
    pub fn from_project(project: Project) -> Engine {
        Engine {
            project,
            evidence_root: None,
            digests: evidence::DigestCache::default(),
        }
    }

    /// The underlying project, for incremental edits and queries not wrapped here.
    pub fn project(&self) -> &Project {
        &self.project
    }

    /// The underlying project, mutably.
    pub fn project_mut(&mut self) -> &mut Project {
        &mut self.project
    }

    /// Problems in the rules alone.
    pub fn rule_diagnostics(&self) -> Vec<Diagnostic> {
        let rules: Vec<Arc<str>> = self.project.rule_paths();
        self.project
            .diagnostics()
            .into_iter()
            .filter(|d| d.location.as_ref().is_none_or(|l| rules.contains(&l.file)))
            .collect()
    }

    /// Every diagnostic of the rules and the facts, found without evaluating: what
    /// `aimsc check` reports.
    pub fn check(&self) -> Vec<Diagnostic> {
        self.project.diagnostics()
    }

    /// The errors of the rules alone (no facts): an engine with any cannot evaluate them.
    pub fn rule_errors(&self) -> Vec<Diagnostic> {
        self.rule_diagnostics()
            .into_iter()
            .filter(Diagnostic::is_error)
            .collect()
    }

    /// The controls and rules the loaded rules declare, by id.
    pub fn controls(&self) -> Vec<ControlInfo> {
        let model = self.project.model();
        let mut out: Vec<ControlInfo> = model
            .checks
            .values()
            .map(|c| ControlInfo {
                id: c.id.clone(),
                kind: match c.kind {
                    aimsc_syntax::ast::CheckKind::Control => "control",
                    aimsc_syntax::ast::CheckKind::Rule => "rule",
                },
                framework: c.framework.clone(),
                title: c.title.clone(),
                intent: c.intent.clone(),
                requirements: c.requires.len(),
            })
            .collect();
        out.sort_by(|a, b| aimsc_eval::crosswalk::natural_cmp(&a.id, &b.id));
        out
    }

    /// The frameworks the loaded rules declare, by name.
    pub fn frameworks(&self) -> Vec<FrameworkInfo> {
        let model = self.project.model();
        model
            .frameworks
            .values()
            .map(|f| FrameworkInfo {
                name: f.name.clone(),
                title: f.title.clone().unwrap_or_else(|| f.name.clone()),
                checks: model
                    .checks
                    .values()
                    .filter(|c| c.framework == f.name)
                    .count(),
                entries: model
                    .entries
                    .values()
                    .filter(|e| e.framework == f.name)
                    .count(),
            })
            .collect()
    }

    /// Replaces the facts with the file or folder at `path` (a folder is laid out as
    /// `aimsc init` makes it: a root file and one file per record).
    pub fn set_facts_path(&mut self, path: impl AsRef<Path>) -> Result<(), Error> {
        // Evidence lives beside the facts (`evidence/` next to `facts/`), unless a root is set.
        if self.evidence_root.is_none() {
            let p = path.as_ref();
            let parent = p.parent().unwrap_or(Path::new(""));
            self.evidence_root = Some(if parent.as_os_str().is_empty() {
                std::path::PathBuf::from(".")
            } else {
                parent.to_path_buf()
            });
        }
        let limits = self.project.limits().facts();
        let found = aimsc_facts::discover(path.as_ref(), &limits).map_err(Error::new)?;
        self.set_facts(found.sources.into_iter().map(FactInput::from).collect());
        self.project.set_load_diagnostics(found.skipped);
        Ok(())
    }

    /// Replaces the facts with a JSON value: the root mapping of the fact schema, with
    /// collections inline. A value has no lines of its own: the lines and columns of
    /// diagnostics and explanations (file [`JSON_FACTS_PATH`]) are those of its canonical text,
    /// [`canonical_json`], which the caller can show or store beside the report.
    pub fn set_facts_json(&mut self, facts: &serde_json::Value) -> Result<(), Error> {
        let text = canonical_json(facts)?;
        self.set_facts(vec![FactInput::root(JSON_FACTS_PATH, &text)]);
        Ok(())
    }

    /// Sets the folder evidence locations are relative to (the project root, where
    /// `aims.toml` is). Without one, it is the folder holding the facts path last set; facts
    /// given as JSON or text have none, and their file evidence is unverifiable (no file read).
    pub fn set_evidence_root(&mut self, root: impl AsRef<Path>) {
        self.evidence_root = Some(root.as_ref().to_path_buf());
    }

    /// Forgets the digests of these files (paths as the evidence root makes them), so that
    /// the next evaluation reads them again: their size and modification time are not enough
    /// when files are rewritten faster than the clock's resolution, as `aimsc history` does.
    pub fn forget_evidence_digests<P: AsRef<Path>>(&mut self, files: impl IntoIterator<Item = P>) {
        for f in files {
            self.digests.forget(f.as_ref());
        }
    }

    /// Looks again at every evidence file the facts name (a file unchanged in size and time is
    /// not read again), so that the next evaluation judges the files as they are now.
    pub fn refresh_evidence(&mut self) {
        evidence::refresh(
            &mut self.project,
            &mut self.digests,
            self.evidence_root.as_deref(),
        );
    }

    /// The state of every evidence record at the as-of date, in id order, with what was found
    /// at its location.
    pub fn evidence_states(
        &self,
    ) -> Vec<(aimsc_eval::evidence::Item, aimsc_eval::evidence::State)> {
        evidence::states(&self.project)
    }

    /// Results with, per requirement, the evidence it reads (see
    /// [`aimsc_eval::evidence::evidence_on_paths`]). Only a model that declares evidence pays.
    fn with_evidence_relied_on(&self, mut results: Vec<CheckResult>) -> Vec<CheckResult> {
        let model = self.project.model();
        if !aimsc_eval::evidence::declared(&model) {
            return results;
        }
        let facts = self.project.facts();
        let mut cache = std::collections::HashMap::new();
        for r in &mut results {
            let Some(check) = model.checks.get(&r.id) else {
                continue;
            };
            for (req, def) in r.requirements.iter_mut().zip(&check.requires) {
                let reads = aimsc_eval::reads::expr_reads(&model, &def.expr, def.slots);
                req.evidence =
                    aimsc_eval::evidence::evidence_on_paths(&model, &facts, &reads, &mut cache);
            }
        }
        results
    }

    /// Replaces the facts with the given files. Returns whether they differ from the facts
    /// held: when they do not, the next evaluation reuses every result that reads them.
    pub fn set_facts(&mut self, facts: Vec<FactInput>) -> bool {
        self.project.replace_facts(facts)
    }

    /// Evaluates the selected controls against the facts last set. Fails on a selection of
    /// unknown controls or frameworks; invalid facts are not an error here but diagnostics of
    /// the evaluation (see [`Evaluation::has_errors`]), so that every result is still reported.
    pub fn evaluate(&mut self, options: &Options) -> Result<Evaluation, Error> {
        if self.project.as_of() != options.as_of {
            self.project.set_as_of(options.as_of);
        }
        self.refresh_evidence();
        let model = self.project.model();
        let mut unknown = Vec::new();
        for c in &options.controls {
            if !model.checks.contains_key(c.as_str()) {
                let mut d = Diagnostic::error(
                    crate::codes::USAGE_UNKNOWN_CONTROL,
                    format!("no control or rule has the id `{c}`"),
                    None,
                );
                if let Some(s) = did_you_mean(c, model.checks.keys().map(|k| &**k)) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                unknown.push(d);
            }
        }
        let frameworks: Vec<String> = options
            .frameworks
            .iter()
            .map(|f| f.replace('-', "_"))
            .collect();
        for n in &frameworks {
            if let Some(d) = unknown_framework(&model, n) {
                unknown.push(d);
            }
        }
        if !unknown.is_empty() {
            return Err(Error::new(unknown));
        }
        // Only what was asked for is evaluated, so the run's step budget is spent on it alone.
        let results = if options.controls.is_empty() && frameworks.is_empty() {
            self.project.results()
        } else {
            self.project.results_selected(&|c| {
                (options.controls.is_empty() || options.controls.iter().any(|x| **x == *c.id))
                    && (frameworks.is_empty() || frameworks.iter().any(|f| **f == *c.framework))
            })
        };
        let results = self.with_evidence_relied_on(results);
        let mut diagnostics = self.project.diagnostics();
        diagnostics.extend(evidence::diagnostics(&self.project));
        diagnostics.extend(step_limit_diagnostics(
            &model,
            &results,
            self.project.limits(),
        ));
        let (rules, facts) = self.project.input_texts();
        let report_diagnostics =
            aimsc_report::report_diagnostics(&diagnostics, &|l| self.line_col(l));
        let overrides = Overrides::of(&model, options.as_of, &|l| self.line_col(l));
        let mut inputs = Inputs::new(&rules, &facts);
        inputs.evidence = evidence::entries(&self.project);
        inputs.skipped = diagnostics
            .iter()
            .filter(|d| d.code == crate::codes::FACTS_SKIPPED)
            .filter_map(|d| d.location.as_ref().map(|l| l.file.clone()))
            .collect();
        let crosswalks = crosswalk_targets(&model)
            .iter()
            .map(|t| {
                let outcomes = results.iter().map(|r| (r.id.clone(), r.outcome)).collect();
                crosswalk::CrosswalkReport::derive(&model, &outcomes, t, &options.as_of.to_string())
            })
            .collect();
        Ok(Evaluation {
            as_of: options.as_of,
            crosswalks,
            to_add: std::sync::OnceLock::new(),
            results,
            diagnostics,
            report_diagnostics,
            overrides,
            inputs,
            catalog: Catalog::of(&model),
            model,
            root_facts: self.project.root_fact_paths().into_iter().next(),
        })
    }

    /// Coverage of another framework derived through the crosswalks, as the JSON of
    /// `aimsc crosswalk --format json`. Without an evaluation, the mapping alone: every item
    /// is `not_assessed`.
    pub fn crosswalk_json(
        &self,
        target: &str,
        evaluation: Option<&Evaluation>,
    ) -> Result<String, Error> {
        Ok(crosswalk::json(&self.crosswalk(target, evaluation)?))
    }

    /// Coverage of framework `target` (`eu-ai-act` or `eu_ai_act`) derived through the
    /// crosswalks from an evaluation's outcomes; without one, the mapping alone.
    pub fn crosswalk(
        &self,
        target: &str,
        evaluation: Option<&Evaluation>,
    ) -> Result<crosswalk::CrosswalkReport, Error> {
        let model = self.project.model();
        let name = target.replace('-', "_");
        if let Some(d) = unknown_framework(&model, &name) {
            return Err(Error::new(vec![d]));
        }
        let outcomes = evaluation
            .map(|e| {
                e.results
                    .iter()
                    .map(|r| (r.id.clone(), r.outcome))
                    .collect()
            })
            .unwrap_or_default();
        let as_of = evaluation.map(|e| e.as_of.to_string()).unwrap_or_default();
        Ok(crosswalk::CrosswalkReport::derive(
            &model, &outcomes, &name, &as_of,
        ))
    }

    /// The Statement of Applicability of `framework` (`iso42001`) from an evaluation: every
    /// control, applicable or excluded and why, its status, the facts it relied on, its owner,
    /// and the overrides in force.
    pub fn soa(&self, framework: &str, evaluation: &Evaluation) -> Result<soa::Soa, Error> {
        let model = self.project.model();
        let name = framework.replace('-', "_");
        if let Some(d) = unknown_framework(&model, &name) {
            return Err(Error::new(vec![d]));
        }
        Ok(soa::build(
            &model,
            &evaluation.results,
            &name,
            &evaluation.as_of.to_string(),
            &evaluation.overrides,
            &evaluation.inputs.evidence,
        ))
    }

    /// A diagnostic as plain text with its `file:line:column`, for a log or another tool's
    /// message (the CLI draws its own, with the source excerpt).
    pub fn describe(&self, diagnostic: &Diagnostic) -> String {
        let line_col = diagnostic.location.as_ref().and_then(|l| self.line_col(l));
        diagnostic.at(line_col).to_string()
    }

    /// 1-based line and column of a location in a loaded file.
    pub fn line_col(&self, loc: &Location) -> Option<(usize, usize)> {
        self.project.line_col(loc)
    }

    fn error(&self, diagnostics: Vec<Diagnostic>) -> Error {
        let placed = diagnostics
            .iter()
            .map(|d| d.location.as_ref().and_then(|l| self.line_col(l)))
            .collect();
        Error::placed(diagnostics, placed)
    }
}

/// The canonical text of facts given as a JSON value: pretty-printed with two spaces, keys in
/// the value's order, a line per key. [`Engine::set_facts_json`] evaluates this text, so every
/// `line:column` it reports for [`JSON_FACTS_PATH`] is a place in it.
pub fn canonical_json(facts: &serde_json::Value) -> Result<String, Error> {
    serde_json::to_string_pretty(facts).map_err(|e| {
        Error::new(vec![Diagnostic::error(
            crate::codes::FACTS_JSON,
            format!("the facts cannot be written as JSON: {e}"),
            None,
        )])
    })
}

/// The frameworks crosswalk lines map into, in name order.
fn crosswalk_targets(model: &aimsc_eval::model::Model) -> Vec<Arc<str>> {
    let mut targets: Vec<Arc<str>> = model
        .mappings
        .iter()
        .filter_map(|m| model.framework_of(&m.target).cloned())
        .collect();
    targets.sort();
    targets.dedup();
    targets
}

/// The diagnostic for a framework name the rules do not declare (dashes already read as
/// underscores); `None` when they do.
pub fn unknown_framework(model: &aimsc_eval::model::Model, name: &str) -> Option<Diagnostic> {
    if model.frameworks.contains_key(name) {
        return None;
    }
    let known: Vec<&str> = model.frameworks.keys().map(|k| &**k).collect();
    let d = Diagnostic::error(
        crate::codes::USAGE_UNKNOWN_FRAMEWORK,
        format!("no framework `{name}` is declared in the loaded rules"),
        None,
    );
    Some(match did_you_mean(name, known.iter().copied()) {
        Some(s) => d.with_help(format!("did you mean `{s}`?")),
        None => d.with_help(format!("declared frameworks: {}", known.join(", "))),
    })
}

/// An error for each requirement stopped by the step budget, at the requirement.
fn step_limit_diagnostics(
    model: &aimsc_eval::model::Model,
    results: &[CheckResult],
    limits: Limits,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for r in results
        .iter()
        .filter(|r| aimsc_eval::evaluate::hit_step_limit(r))
    {
        let check = model.checks.get(&r.id);
        let stopped = r.requirements.iter().position(|q| {
            q.message
                .starts_with(aimsc_eval::evaluate::STEP_LIMIT_MESSAGE)
        });
        let location = match (check, stopped) {
            (Some(c), Some(i)) => c.requires.get(i).map(|q| q.location.clone()),
            (Some(c), None) => Some(c.location.clone()),
            _ => None,
        };
        let what = match stopped.and_then(|i| r.requirements.get(i)) {
            Some(q) => format!("requirement \"{}\" of `{}`", q.name, r.id),
            None => format!("the applicability of `{}`", r.id),
        };
        out.push(
            Diagnostic::error(
                crate::codes::LIMIT_STEPS,
                format!(
                    "{what} took more than {} evaluation steps; its verdict is unknown",
                    limits.max_steps
                ),
                location,
            )
            .with_label("stopped here")
            .with_help("narrow a nested quantifier (`where`, a join on an id), or raise `max-steps` (see the limits in SECURITY.md)"),
        );
    }
    let cut: Vec<&CheckResult> = results
        .iter()
        .filter(|r| aimsc_eval::evaluate::hit_run_limit(r))
        .collect();
    if let Some(first) = cut.first() {
        out.push(
            Diagnostic::error(
                crate::codes::LIMIT_RUN_STEPS,
                format!(
                    "the evaluation took more than {} steps in all; {} control(s) and rule(s) from `{}` on were not evaluated, and their verdicts are unknown",
                    limits.max_run_steps,
                    cut.len(),
                    first.id
                ),
                model.checks.get(&first.id).map(|c| c.location.clone()),
            )
            .with_label("the run's budget ran out here")
            .with_help("narrow the nested quantifiers of the checks before it (`where`, a join on an id), or raise `max-run-steps` (see the limits in SECURITY.md)"),
        );
    }
    out
}

/// The results of one evaluation, and everything its reports need.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// The as-of date.
    pub as_of: Date,
    /// Results of the selected controls and rules, sorted by id.
    pub results: Vec<CheckResult>,
    /// Problems found in the rules and facts.
    pub diagnostics: Vec<Diagnostic>,
    report_diagnostics: Vec<ReportDiagnostic>,
    overrides: Overrides,
    inputs: Inputs,
    catalog: Catalog,
    root_facts: Option<Arc<str>>,
    crosswalks: Vec<crosswalk::CrosswalkReport>,
    /// Computed when first asked for: only the text report shows it.
    to_add: std::sync::OnceLock<Vec<aimsc_report::to_add::Group>>,
    model: Arc<aimsc_eval::model::Model>,
}

impl Evaluation {
    /// The facts the failing controls found missing, grouped by where they go, with their
    /// types and descriptions: a new organisation's to-do list.
    pub fn facts_to_add(&self) -> &[aimsc_report::to_add::Group] {
        self.to_add
            .get_or_init(|| aimsc_report::to_add::collect(&self.model, &self.results))
    }

    /// Counts of outcomes.
    pub fn summary(&self) -> Summary {
        Summary::of(&self.results)
    }

    /// Whether the rules or facts have errors (the CLI exits with 2 on them).
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Whether any result meets a condition of `fail_on` (the CLI exits with 1 on it).
    pub fn fails(&self, fail_on: &FailOn) -> bool {
        self.results.iter().any(|r| fail_on.fails(r))
    }

    /// The result of one control or rule.
    pub fn result(&self, id: &str) -> Option<&CheckResult> {
        self.results.iter().find(|r| &*r.id == id)
    }

    /// What the organisation changed about the rules: params set, exclusions, waivers.
    pub fn overrides(&self) -> &Overrides {
        &self.overrides
    }

    /// SHA-256 digests of the rules and facts evaluated.
    pub fn inputs(&self) -> &Inputs {
        &self.inputs
    }

    /// Renders a report.
    pub fn render(&self, format: Format, options: &RenderOptions) -> String {
        let as_of = self.as_of.to_string();
        aimsc_report::render(format, &self.report_input(format, &as_of, options))
    }

    /// Writes a report to `out` as it is rendered: a large JSON report is never whole in
    /// memory. Gives back the writer's first error.
    pub fn write(
        &self,
        format: Format,
        options: &RenderOptions,
        out: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        let as_of = self.as_of.to_string();
        aimsc_report::write(format, &self.report_input(format, &as_of, options), out)
    }

    fn report_input<'a>(
        &'a self,
        format: Format,
        as_of: &'a str,
        options: &'a RenderOptions,
    ) -> ReportInput<'a> {
        ReportInput {
            as_of,
            inputs: &self.inputs,
            results: &self.results,
            overrides: &self.overrides,
            diagnostics: &self.report_diagnostics,
            catalog: &self.catalog,
            verbose: options.verbose,
            colour: options.colour,
            baseline: options.baseline.as_ref(),
            root_facts: self.root_facts.as_deref(),
            crosswalks: &self.crosswalks,
            to_add: if format == Format::Text {
                self.facts_to_add()
            } else {
                &[]
            },
        }
    }
}
