//! The rules: each file parsed apart, the model checked, and the parts of it that facts
//! validation and evaluation share, without locations, so that unrelated edits compare equal.

use crate::inputs::*;
use aimsc_diagnostics::{Diagnostic, LineIndex, Location};
use aimsc_eval::check::{Input, build_model};
use aimsc_eval::model::Model;
use aimsc_syntax::ast::SourceFile;
use std::sync::Arc;

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

pub(crate) fn nowhere() -> Location {
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
    // The evaluator reads no params but the default ages of evidence (their values are
    // inlined everywhere else); kept without places, so that moving a line re-runs nothing.
    let params = m
        .params
        .iter()
        .filter(|(name, _)| name.starts_with("evidence_") && name.ends_with("_max_age"))
        .map(|(name, p)| {
            (
                name.clone(),
                aimsc_eval::model::Param {
                    location: nowhere(),
                    set_at: None,
                    doc: None,
                    ..p.clone()
                },
            )
        })
        .collect();
    Arc::new(Model {
        defs,
        params,
        ..(**schema).clone()
    })
}

#[salsa::tracked(returns(ref))]
pub fn rule_lines(db: &dyn salsa::Database, file: RuleFile) -> LineIndex {
    LineIndex::new(file.text(db))
}
