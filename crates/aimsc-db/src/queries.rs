use crate::facts::{DbFacts, facts_diagnostics};
use aimsc_diagnostics::{Diagnostic, LineIndex, Location};
use aimsc_eval::check::{Input, build_model};
use aimsc_eval::evaluate::{CheckParts, Env, UNBOUNDED, evaluate_parts_within};
use aimsc_eval::model::Model;
use aimsc_eval::outcome::CheckResult;
use aimsc_eval::validate::FactLoc;
use aimsc_facts::SourceRole;
use aimsc_syntax::ast::SourceFile;
use jiff::civil::Date;
use std::sync::Arc;

/// The salsa database.
#[salsa::db]
#[derive(Clone, Default)]
pub struct Database {
    storage: salsa::Storage<Self>,
}

#[salsa::db]
impl salsa::Database for Database {}

impl Database {
    /// A database that calls `log` with the name of each query it is about to execute (not
    /// of those whose cached answer it reuses): how tests and tools see what an edit re-ran.
    pub fn with_execution_log(log: impl Fn(&str) + Send + Sync + 'static) -> Database {
        let hook = move |event: salsa::Event| {
            if let salsa::EventKind::WillExecute { database_key } = event.kind {
                let name = format!("{database_key:?}");
                log(name.split('(').next().unwrap_or(&name));
            }
        };
        Database {
            storage: salsa::Storage::new(Some(Box::new(hook))),
        }
    }
}

/// A `.aims` file.
#[salsa::input]
pub struct RuleFile {
    /// Path as displayed.
    #[returns(ref)]
    pub path: Arc<str>,
    /// Contents.
    #[returns(ref)]
    pub text: String,
}

/// A facts file.
#[salsa::input]
pub struct FactFile {
    /// Path as displayed.
    #[returns(ref)]
    pub path: Arc<str>,
    /// How it merges.
    #[returns(ref)]
    pub role: SourceRole,
    /// Contents.
    #[returns(ref)]
    pub text: String,
    /// Index recorded in every value it yields.
    #[returns(copy)]
    pub index: u32,
    /// The limits it is parsed within.
    #[returns(copy)]
    pub limits: aimsc_facts::Limits,
}

/// All inputs of one evaluation.
#[salsa::input]
pub struct Workspace {
    /// Rule files.
    #[returns(ref)]
    pub rules: Vec<RuleFile>,
    /// Facts files.
    #[returns(ref)]
    pub facts: Vec<FactFile>,
    /// The as-of date.
    #[returns(copy)]
    pub as_of: Date,
    /// The resource limits.
    #[returns(copy)]
    pub limits: crate::Limits,
}

/// A parsed rule file and its syntax errors.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The tree.
    pub ast: Arc<SourceFile>,
    /// Syntax errors.
    pub diags: Vec<Diagnostic>,
}

#[salsa::tracked(returns(ref))]
pub fn parse_rule_file(db: &dyn salsa::Database, file: RuleFile) -> Parsed {
    let (ast, diags) = aimsc_syntax::parse(file.path(db), file.text(db));
    Parsed {
        ast: Arc::new(ast),
        diags,
    }
}

/// The checked model and its diagnostics.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The model.
    pub model: Arc<Model>,
    /// Resolve and type errors.
    pub diags: Vec<Diagnostic>,
}

#[salsa::tracked(returns(ref))]
pub fn checked_model(db: &dyn salsa::Database, ws: Workspace) -> Checked {
    let files = ws.rules(db);
    let parsed: Vec<&Parsed> = files.iter().map(|f| parse_rule_file(db, *f)).collect();
    let inputs: Vec<Input<'_>> = files
        .iter()
        .zip(&parsed)
        .map(|(f, p)| Input {
            path: f.path(db),
            text: f.text(db),
            file: &p.ast,
        })
        .collect();
    let (model, diags) = build_model(&inputs, ws.as_of(db));
    Checked {
        model: Arc::new(model),
        diags,
    }
}

/// The fact schema alone (records, enums, root). Facts are validated against this, so a rule
/// edit that leaves the schema as it was does not re-validate the facts.
#[salsa::tracked(returns(ref))]
pub fn schema_model(db: &dyn salsa::Database, ws: Workspace) -> Arc<Model> {
    let m = &checked_model(db, ws).model;
    Arc::new(Model {
        enums: m.enums.clone(),
        records: m.records.clone(),
        root: m.root.clone(),
        ..Model::default()
    })
}

fn nowhere() -> Location {
    Location {
        file: Arc::from(""),
        span: aimsc_diagnostics::Span::default(),
    }
}

/// What every check's evaluation shares: the schema and the defs (params included), without
/// rule-file locations, so that an edit elsewhere compares equal and re-runs no check.
#[salsa::tracked(returns(ref))]
pub fn eval_shared(db: &dyn salsa::Database, ws: Workspace) -> Arc<Model> {
    let m = &checked_model(db, ws).model;
    let schema = schema_model(db, ws);
    let defs = m
        .defs
        .iter()
        .map(|d| aimsc_eval::model::Def {
            location: nowhere(),
            ..d.clone()
        })
        .collect();
    Arc::new(Model {
        defs,
        ..(**schema).clone()
    })
}

/// One check of a workspace, as a query key.
#[salsa::interned]
pub struct CheckKey<'db> {
    /// The workspace.
    pub ws: Workspace,
    /// The check's id.
    #[returns(ref)]
    pub id: Arc<str>,
    /// The most steps the check may take in all: what is left of the run's budget, rounded
    /// down to whole requirement budgets so that the key rarely changes, or
    /// [`UNBOUNDED`] when that is more than the check could take.
    #[returns(copy)]
    pub allowance: u64,
}

impl<'db> CheckKey<'db> {
    /// Check `id`, not bounded by the run's budget.
    pub fn unbounded(db: &'db dyn salsa::Database, ws: Workspace, id: Arc<str>) -> Self {
        CheckKey::new(db, ws, id, UNBOUNDED)
    }
}

/// A check's result and the steps it took.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluated {
    /// The result, without rule locations.
    pub result: Arc<CheckResult>,
    /// Evaluation steps taken, its sites' chunks included.
    pub steps: u64,
}

/// A check's parts without locations: equal across edits that do not touch the check.
#[salsa::tracked(returns(ref))]
pub fn check_parts<'db>(db: &'db dyn salsa::Database, key: CheckKey<'db>) -> Option<CheckParts> {
    let m = &checked_model(db, *key.ws(db)).model;
    let mut parts = CheckParts::of(m, key.id(db))?;
    parts.check.location = nowhere();
    for r in &mut parts.check.requires {
        r.location = nowhere();
    }
    if let Some(x) = &mut parts.exclusion {
        x.location = nowhere();
    }
    if let Some(w) = &mut parts.waiver {
        w.location = nowhere();
    }
    Some(parts)
}

/// One check's result, without rule locations (added by [`all_results`]). Re-runs only when
/// its parts, the shared defs and schema, the facts or the date change.
#[salsa::tracked(returns(ref))]
pub fn check_result<'db>(db: &'db dyn salsa::Database, key: CheckKey<'db>) -> Option<Evaluated> {
    let ws = *key.ws(db);
    let parts = check_parts(db, key).as_ref()?;
    let model = eval_shared(db, ws);
    let facts = DbFacts::new(db, ws, Some(key));
    let locate = |_: &Location| None;
    let env = Env {
        model,
        facts: &facts,
        today: ws.as_of(db),
        locate_rule: &locate,
        max_steps: ws.limits(db).max_steps,
    };
    let supporting = |rule: &str| check_outcome(db, CheckKey::unbounded(db, ws, Arc::from(rule)));
    let (result, steps) = evaluate_parts_within(&env, parts, &supporting, key.allowance(db));
    Some(Evaluated {
        result: Arc::new(result),
        steps,
    })
}

/// A check's outcome alone: a control reads its supporting rules through this, so a rule edit
/// that keeps the rule's outcome does not re-run the control.
#[salsa::tracked(returns(copy))]
pub fn check_outcome<'db>(
    db: &'db dyn salsa::Database,
    key: CheckKey<'db>,
) -> Option<aimsc_eval::outcome::Outcome> {
    check_result(db, key).as_ref().map(|r| r.result.outcome)
}

#[salsa::tracked(returns(ref))]
pub fn rule_lines(db: &dyn salsa::Database, file: RuleFile) -> LineIndex {
    LineIndex::new(file.text(db))
}

/// A check's result with its rule locations: re-runs when its result or the rule files
/// change, so that a facts edit copies only the results it changed.
#[salsa::tracked(returns(ref))]
pub fn located_result<'db>(
    db: &'db dyn salsa::Database,
    key: CheckKey<'db>,
) -> Option<Arc<CheckResult>> {
    let ws = *key.ws(db);
    let result = &check_result(db, key).as_ref()?.result;
    let check = checked_model(db, ws).model.checks.get(key.id(db))?;
    let locate = |loc: &Location| -> Option<FactLoc> {
        let file = ws.rules(db).iter().find(|f| *f.path(db) == loc.file)?;
        let (line, column) = rule_lines(db, *file).line_col(file.text(db), loc.span.start());
        Some(FactLoc {
            file: loc.file.clone(),
            line,
            column,
        })
    };
    // Results are cached without locations; put the current ones back.
    let mut r = (**result).clone();
    r.location = locate(&check.location);
    for (req, loc) in r.requirements.iter_mut().zip(&check.requires) {
        req.location = locate(&loc.location);
    }
    Some(Arc::new(r))
}

#[salsa::tracked(returns(ref))]
pub fn all_results(db: &dyn salsa::Database, ws: Workspace) -> Vec<Arc<CheckResult>> {
    let model = &checked_model(db, ws).model;
    let limits = ws.limits(db);
    let per_requirement = limits.max_steps.max(1);
    // The run's budget is spent in check order. A check is bounded by it only when less is
    // left than the check could take (each part its budget, and as much again in chunks), and
    // then by what is left in whole 1/64ths of the budget: far from the limit every key, and
    // so every cached result, stays the same.
    let quantum = (limits.max_run_steps / 64).clamp(1, per_requirement);
    let mut left = limits.max_run_steps;
    let mut out = Vec::with_capacity(model.checks.len());
    for (id, check) in &model.checks {
        let parts = check.requires.len() as u64 + 1;
        let most = parts.saturating_mul(per_requirement).saturating_mul(2);
        let allowance = if left >= most {
            UNBOUNDED
        } else {
            left / quantum * quantum
        };
        let key = CheckKey::new(db, ws, id.clone(), allowance);
        if let Some(e) = check_result(db, key) {
            left = left.saturating_sub(e.steps);
        }
        out.extend(located_result(db, key).clone());
    }
    out
}

#[salsa::tracked(returns(ref))]
pub fn all_diagnostics(db: &dyn salsa::Database, ws: Workspace) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::new();
    for f in ws.rules(db) {
        out.extend(parse_rule_file(db, *f).diags.iter().cloned());
    }
    out.extend(checked_model(db, ws).diags.iter().cloned());
    out.extend(aimsc_eval::check::long_waivers(
        &checked_model(db, ws).model,
        ws.as_of(db),
        ws.limits(db).max_waiver_months,
    ));
    out.extend(facts_diagnostics(db, ws).iter().cloned());
    aimsc_diagnostics::sort(&mut out);
    out
}

/// A rule or facts file of a workspace.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileRef {
    /// A rule file.
    Rule(crate::RuleFile),
    /// A facts file.
    Fact(crate::FactFile),
}

/// Every file of the workspace by path, so that placing a diagnostic or finding a file to edit
/// is a lookup, not a scan: a facts folder may hold hundreds of thousands of record files.
#[salsa::tracked(returns(ref))]
pub fn files_by_path(
    db: &dyn salsa::Database,
    ws: Workspace,
) -> std::collections::HashMap<Arc<str>, FileRef> {
    let mut out = std::collections::HashMap::new();
    for f in ws.facts(db) {
        out.insert(f.path(db).clone(), FileRef::Fact(*f));
    }
    for f in ws.rules(db) {
        out.insert(f.path(db).clone(), FileRef::Rule(*f));
    }
    out
}
