//! Name resolution and type checking: parsed files to a [`Model`], in passes that
//! [`build_model`] runs in order:
//!
//! 1. `schema`: every name the rules declare, and the types of the fact schema;
//! 2. `defs`: params, then defs in dependency order;
//! 3. `checks`: controls, rules and catalog entries;
//! 4. `scope`: maps, exclusions, waivers, owners and the organisation's `set`s.
//!
//! Each expression goes through the checker in `expr`.

use crate::dates::{self, Duration};
use crate::model::*;
use aimsc_diagnostics::{Diagnostic, Location, Span, did_you_mean};
use aimsc_syntax::ast::{
    self, CheckKind, CmpOp, DurationUnit, Expr, ExprKind, Item, TypeExpr, TypeKind,
};
use indexmap::IndexMap;
use jiff::civil::Date;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

mod checks;
mod defs;
mod expr;
mod schema;
mod scope;

use expr::{ExprChecker, compatible, error_expr};
pub use scope::{long_waivers, says_something};

/// One parsed rule file as the checker sees it.
pub struct Input<'a> {
    /// Path as displayed.
    pub path: &'a Arc<str>,
    /// Source text (for expression snippets).
    pub text: &'a str,
    /// Parsed items.
    pub file: &'a ast::SourceFile,
}

use crate::model::BUILTIN_TYPES;
const RELATIONS: &[&str] = &["equal", "subset", "superset", "intersect", "related"];
const PROVENANCES: &[&str] = &["published", "structural", "analyst"];

/// Resolves and checks every item of a ruleset. `as_of` is used only to warn about waivers
/// that have already expired. All problems are reported; intact items still make the model.
pub fn build_model(inputs: &[Input<'_>], as_of: Date) -> (Model, Vec<Diagnostic>) {
    let mut b = ModelBuilder {
        model: Model::default(),
        diags: Vec::new(),
        seen: HashMap::new(),
        sigs: IndexMap::new(),
        entry_ids: HashSet::new(),
    };
    b.declare(inputs);
    b.resolve_types(inputs);
    b.check_defs(inputs);
    b.check_checks(inputs);
    b.check_entries(inputs);
    b.check_scope(inputs, as_of);
    b.model
        .checks
        .sort_by(|a, _, b, _| crate::order::natural_cmp(a, b));
    b.model
        .entries
        .sort_by(|a, _, b, _| crate::order::natural_cmp(a, b));
    for rules in b.model.supporters.values_mut() {
        rules.sort_by(|a, b| crate::order::natural_cmp(a, b));
    }
    (b.model, b.diags)
}

struct ModelBuilder {
    model: Model,
    diags: Vec<Diagnostic>,
    /// First declaration of each (namespace, name), for duplicate reports.
    seen: HashMap<(&'static str, String), Location>,
    /// Checked def signatures by name.
    sigs: IndexMap<Arc<str>, DefSig>,
    /// Ids declared by `entry` (they share the id namespace with checks).
    entry_ids: HashSet<String>,
}

/// What a call site needs to know about a def.
#[derive(Debug, Clone)]
struct DefSig {
    index: usize,
    params: Vec<Ty>,
    ret: Ty,
}

fn loc(path: &Arc<str>, span: Span) -> Location {
    Location::new(path, span)
}

impl ModelBuilder {
    fn first(&mut self, ns: &'static str, name: &str, at: Location, what: &str) -> bool {
        if let Some(prev) = self.seen.get(&(ns, name.to_string())) {
            self.diags.push(
                Diagnostic::twice(
                    aimsc_diagnostics::codes::RESOLVE_DUPLICATE,
                    &format!("{what} `{name}`"),
                    "declared",
                    at,
                    Some(prev.clone()),
                )
                .with_help("ids and names must be unique across all rule files"),
            );
            return false;
        }
        self.seen.insert((ns, name.to_string()), at);
        true
    }
}

/// How deep a chain of def calls may go: evaluation recurses once per call.
pub const MAX_DEF_DEPTH: usize = 64;

/// The first error among diagnostics, as the reason a rule cannot be evaluated.
fn first_error(diags: &[Diagnostic]) -> Option<Broken> {
    diags.iter().find(|d| d.is_error()).map(|d| Broken {
        code: d.code,
        message: Arc::from(d.message.as_str()),
        location: d.location.clone(),
    })
}

/// Why a def that `e` calls, directly or through other defs, cannot be evaluated.
fn calls_broken<'d>(e: &TypedExpr, def: &dyn Fn(usize) -> Option<&'d Def>) -> Option<Broken> {
    let mut found = None;
    e.visit(&mut |x| {
        if found.is_none()
            && let TypedKind::Call(i, _) = &x.kind
            && let Some(d) = def(*i)
        {
            found = d.broken.clone();
        }
    });
    found
}
