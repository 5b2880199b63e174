use aimsc_diagnostics::{Diagnostic, Location};
use aimsc_eval::check::{Input, build_model};
use aimsc_eval::evaluate::{Env, evaluate_check};
use aimsc_eval::model::Model;
use aimsc_eval::outcome::CheckResult;
use aimsc_eval::validate::{FactLoc, Facts, validate};
use aimsc_facts::{SourceRole, Value};
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

#[salsa::tracked(returns(ref))]
pub fn parse_fact_file(db: &dyn salsa::Database, file: FactFile) -> Result<Value, Diagnostic> {
    aimsc_facts::parse_file(file.path(db), file.index(db), file.text(db))
}

/// Validated facts and their diagnostics.
#[derive(Debug, Clone, PartialEq)]
pub struct Validated {
    /// The facts.
    pub facts: Arc<Facts>,
    /// Load and validation errors.
    pub diags: Vec<Diagnostic>,
}

#[salsa::tracked(returns(ref))]
pub fn validated_facts(db: &dyn salsa::Database, ws: Workspace) -> Validated {
    let model = &checked_model(db, ws).model;
    let files = ws.facts(db);
    let mut diags = Vec::new();
    let mut parsed = Vec::new();
    for f in files {
        match parse_fact_file(db, *f) {
            Ok(v) => parsed.push((f.role(db).clone(), f.path(db).clone(), v.clone())),
            Err(d) => diags.push(d.clone()),
        }
    }
    if files.is_empty() {
        return Validated {
            facts: Arc::new(Facts::empty(model)),
            diags,
        };
    }
    let (root, merge_diags) = aimsc_facts::merge(&parsed);
    diags.extend(merge_diags);
    let texts = files
        .iter()
        .map(|f| (f.path(db).clone(), Arc::<str>::from(f.text(db).as_str())))
        .collect();
    let (facts, vdiags) = validate(model, texts, &root);
    // A file that did not load already has its error; do not also report every field it lacked.
    if parsed.len() == files.len() {
        diags.extend(vdiags);
    }
    Validated {
        facts: Arc::new(facts),
        diags,
    }
}

#[salsa::tracked(returns(ref))]
pub fn all_results(db: &dyn salsa::Database, ws: Workspace) -> Vec<Arc<CheckResult>> {
    let model = &checked_model(db, ws).model;
    let facts = &validated_facts(db, ws).facts;
    let locate = |loc: &Location| locate_rule(db, ws, loc);
    let env = Env {
        model,
        facts,
        today: ws.as_of(db),
        locate_rule: &locate,
    };
    model
        .checks
        .keys()
        .filter_map(|id| evaluate_check(&env, id))
        .map(Arc::new)
        .collect()
}

fn locate_rule(db: &dyn salsa::Database, ws: Workspace, loc: &Location) -> Option<FactLoc> {
    let file = ws.rules(db).iter().find(|f| *f.path(db) == loc.file)?;
    let text = file.text(db);
    let idx = aimsc_diagnostics::LineIndex::new(text);
    let (line, column) = idx.line_col(text, loc.span.start());
    Some(FactLoc {
        file: loc.file.clone(),
        line,
        column,
    })
}

#[salsa::tracked(returns(ref))]
pub fn all_diagnostics(db: &dyn salsa::Database, ws: Workspace) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::new();
    for f in ws.rules(db) {
        out.extend(parse_rule_file(db, *f).diags.iter().cloned());
    }
    out.extend(checked_model(db, ws).diags.iter().cloned());
    out.extend(validated_facts(db, ws).diags.iter().cloned());
    aimsc_diagnostics::sort(&mut out);
    out
}
