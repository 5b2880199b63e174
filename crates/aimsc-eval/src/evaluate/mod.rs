//! Evaluation with explanations, under three-valued logic: the interpreter (`interp`), its
//! quantifiers (`quant`) and the sites evaluated per chunk of records (`sites`), the
//! explanation text (`explain`), the step budgets (`budget`), and a check's result with its
//! waiver (`assemble`).

use crate::dates::{self, Duration};
use crate::join::Key;
use crate::model::{ArithOp, Check, Lit, Membership, Model, Presence, Ty, TypedExpr, TypedKind};
use crate::outcome::*;
use crate::validate::{FactLoc, FactValue, Record, collection_index};
use crate::view::{CHUNK, FactsView};
use aimsc_diagnostics::{Location, Span};
use aimsc_syntax::ast::{CheckKind, CmpOp, Quant, TextOp};
use jiff::civil::Date;
use std::cmp::Ordering;
use std::sync::Arc;

mod assemble;
mod budget;
mod explain;
mod interp;
mod memo;
mod quant;
mod quiet;
mod sites;

pub use assemble::*;
pub use budget::*;
pub use explain::*;
use interp::*;
pub use memo::{DefVerdict, def_chunk, shared_defs};

use crate::partial::near_miss;
pub use crate::partial::{NEAR_MISSES, Partial};
pub use sites::*;

/// What evaluation needs besides the model and the facts.
pub struct Env<'a> {
    /// The checked rules.
    pub model: &'a Model,
    /// The validated facts.
    pub facts: &'a dyn FactsView,
    /// The as-of date (`today`).
    pub today: Date,
    /// Turns a rule-file location into line and column.
    pub locate_rule: &'a dyn Fn(&Location) -> Option<FactLoc>,
    /// The step budget of one requirement, and of one chunk of a quantifier evaluated apart
    /// (see [`DEFAULT_MAX_STEPS`]).
    pub max_steps: u64,
    /// Whether a reference to unusable evidence reads as invalid (`required`, the default), or
    /// is only reported (`[evidence] framework = "reported"` in aims.toml) for the check run.
    pub evidence_required: bool,
}

/// The default step budget: a step is one expression evaluated or one record visited, so
/// this is seconds of work, far more than any real requirement takes, and it stops the
/// combinatorial blow-up of nested quantifiers over large collections.
pub const DEFAULT_MAX_STEPS: u64 = 50_000_000;

/// The default step budget of a whole evaluation: a hundred requirements at their limit,
/// minutes of work. The shipped rulesets take 20 to 35 million steps over a synthetic
/// organisation of 10,000 systems (`aimsc-synth --systems 10000`), so this leaves room for
/// more than a million.
pub const DEFAULT_MAX_RUN_STEPS: u64 = 5_000_000_000;
