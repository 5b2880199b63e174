//! Results and explanation trees: serde data, rendered by the shells.

use crate::validate::FactLoc;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The verdict of a control or rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every requirement holds.
    Pass,
    /// A requirement does not hold, or is not evidenced.
    Fail,
    /// `applies when` is false.
    NotApplicable,
    /// Excluded with a justification.
    Excluded,
    /// Failing, under an unexpired waiver.
    Waived,
    /// The facts it reads are invalid.
    Error,
    /// Holds, with at least one requirement met by an unexpired attestation of a named person
    /// (`require attested`) rather than shown by the facts: self-declared, and reported apart.
    Attested,
}

impl Outcome {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::NotApplicable => "not_applicable",
            Outcome::Excluded => "excluded",
            Outcome::Waived => "waived",
            Outcome::Error => "error",
            Outcome::Attested => "attested",
        }
    }

    /// Whether it counts as met: passed, or passed by attestation.
    pub fn is_met(self) -> bool {
        matches!(self, Outcome::Pass | Outcome::Attested)
    }
}

/// Three-valued truth: missing facts are unknown, never evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Truth {
    /// Holds.
    True,
    /// Does not hold.
    False,
    /// Cannot tell: a fact it needs is missing.
    Unknown,
}

impl Truth {
    /// From a bool.
    pub fn of(b: bool) -> Truth {
        if b { Truth::True } else { Truth::False }
    }

    /// Three-valued negation.
    pub fn negate(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }
}

/// One node of an explanation: an expression, its result, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Explanation {
    /// The expression as written.
    pub expr: Arc<str>,
    /// Its truth value.
    pub result: Truth,
    /// The values compared, e.g. `2024-03-01 >= 2024-11-21`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The fact path that was missing, when the result is unknown for that reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing: Option<String>,
    /// Where in the facts the deciding value (or the record lacking it) is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<FactLoc>,
    /// For quantifiers: the records checked and those that decided the result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records: Option<Records>,
    /// Sub-expressions that decided the result.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Explanation>,
}

/// What a quantifier looked at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Records {
    /// The collection as written (`ai_systems`).
    pub collection: Arc<str>,
    /// Elements in the collection.
    pub total: usize,
    /// Elements that passed the `where` filter.
    pub in_scope: usize,
    /// Elements in scope whose condition holds.
    pub satisfied: usize,
    /// Elements that decided the result (the failing ones for `all`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    /// For an `any` that no element satisfies: the first few in scope, by record, and why
    /// each fails it. They explain; they are not failing records of their own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nearest: Vec<Finding>,
}

/// One record that decided a quantifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// The record, e.g. `ai_systems[id=credit-scoring]`.
    pub record: Arc<str>,
    /// Where it is in the facts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<FactLoc>,
    /// Its condition's result.
    pub result: Truth,
    /// Why. Shared: a check gathers the findings of its chunks' verdicts, which the database
    /// keeps, and copying the trees was much of re-evaluating after an edit.
    pub explanation: Arc<Explanation>,
}

/// A place in a rule file.
pub type RuleLoc = FactLoc;

/// The result of one requirement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequirementResult {
    /// What it asks.
    pub name: Arc<str>,
    /// pass, fail or error.
    pub outcome: Outcome,
    /// One line: what was checked, or why it failed.
    pub message: String,
    /// Where the requirement is written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<RuleLoc>,
    /// A pass that checked nothing: the collections it is about hold no record (its
    /// innermost `all`/`none` ranged over none). Evidence is missing, not shown to hold.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub nothing_checked: bool,
    /// Asked by a recommended practice (`require practice`), not by the text of the standard
    /// or the law: reports keep the two apart.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub practice: bool,
    /// Met by attestation only (`require attested`): its outcome is `attested` when an
    /// attestation holds, and it is never shown by the facts alone.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub attested: bool,
    /// The attestation that met it, when its outcome is `attested`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestation: Option<AttestationInfo>,
    /// The evidence records the requirement reads (the ids of every `ref Evidence` on a fact
    /// path it reads), in natural id order (EV-2 before EV-10): what an auditor asks to see
    /// behind the verdict.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Arc<str>>,
    /// The explanation tree.
    pub explanation: Arc<Explanation>,
}

/// Who attested a requirement, and for how long.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttestationInfo {
    /// The attestation's id.
    pub id: Arc<str>,
    /// The person who attests.
    pub attested_by: Arc<str>,
    /// Their role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Arc<str>>,
    /// When.
    pub attested_on: String,
    /// The last day it holds.
    pub valid_until: String,
    /// The evidence behind it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Arc<str>>,
    /// Where it is in the facts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<FactLoc>,
}

/// A supporting rule's verdict, folded into the control it supports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportResult {
    /// The rule's id.
    pub rule: Arc<str>,
    /// Its outcome.
    pub outcome: Outcome,
}

/// A waiver as it applied to this evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaiverInfo {
    /// Last day it holds.
    pub until: String,
    /// Accountable owner.
    pub owner: Arc<str>,
    /// Why.
    pub justification: Arc<str>,
    /// Whether it had expired on the as-of date.
    pub expired: bool,
}

/// The result of one control or rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckResult {
    /// Its id.
    pub id: Arc<str>,
    /// `control` or `rule`.
    pub kind: aimsc_syntax::ast::CheckKind,
    /// Framework (id namespace).
    pub framework: Arc<str>,
    /// Title.
    pub title: Arc<str>,
    /// Verdict.
    pub outcome: Outcome,
    /// One-line summary.
    pub message: String,
    /// Where it is declared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<RuleLoc>,
    /// The applicability condition's explanation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applies: Option<Explanation>,
    /// Requirement results (empty when excluded or not applicable).
    pub requirements: Vec<RequirementResult>,
    /// A pass whose every requirement checked nothing (see
    /// [`RequirementResult::nothing_checked`]): the control is not evidenced.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub nothing_checked: bool,
    /// Rules that support this control.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supported_by: Vec<SupportResult>,
    /// The exclusion's justification, when excluded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<Arc<str>>,
    /// The waiver, when one exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<WaiverInfo>,
}
