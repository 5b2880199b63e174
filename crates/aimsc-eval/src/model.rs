//! The checked model: schema, checks, defs and scope decisions with every name resolved.

use aimsc_diagnostics::Location;
pub use aimsc_syntax::ast::CheckKind;
pub use aimsc_syntax::ast::{CmpOp, Quant, TextOp};
use indexmap::IndexMap;
use jiff::civil::Date;
use serde::Serialize;
use std::sync::Arc;

use crate::dates::Duration;

/// A type of the fact schema or of an expression.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ty {
    /// `bool`
    Bool,
    /// `int`
    Int,
    /// `decimal`
    Decimal,
    /// `string`
    Str,
    /// `date`
    Date,
    /// `duration`
    Duration,
    /// A declared enum.
    Enum(Arc<str>),
    /// A declared record.
    Record(Arc<str>),
    /// `ref R`: an id naming a record of type R.
    Ref(Arc<str>),
    /// `[T]`
    List(Box<Ty>),
    /// The type of an expression that already failed to check; agrees with everything.
    Error,
}

/// Names of the built-in types.
pub const BUILTIN_TYPES: &[&str] = &["bool", "int", "decimal", "string", "date", "duration"];

impl Ty {
    /// The built-in type of this name (`bool`, `int`, `decimal`, `string`, `date`, `duration`).
    pub fn builtin(name: &str) -> Option<Ty> {
        Some(match name {
            "bool" => Ty::Bool,
            "int" => Ty::Int,
            "decimal" => Ty::Decimal,
            "string" => Ty::Str,
            "date" => Ty::Date,
            "duration" => Ty::Duration,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Ty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ty::Bool => f.write_str("bool"),
            Ty::Int => f.write_str("int"),
            Ty::Decimal => f.write_str("decimal"),
            Ty::Str => f.write_str("string"),
            Ty::Date => f.write_str("date"),
            Ty::Duration => f.write_str("duration"),
            Ty::Enum(n) | Ty::Record(n) => f.write_str(n),
            Ty::Ref(n) => write!(f, "ref {n}"),
            Ty::List(t) => write!(f, "[{t}]"),
            Ty::Error => f.write_str("<error>"),
        }
    }
}

/// A field of a record or of the facts root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Name.
    pub name: Arc<str>,
    /// Type.
    pub ty: Ty,
    /// Whether the facts may leave it out.
    pub optional: bool,
    /// Whether it is a date of something done (`past`): a value after the as-of date is
    /// invalid, never current evidence.
    pub past: bool,
    /// What it holds, in one sentence, as the schema's author wrote it.
    pub doc: Option<Arc<str>>,
    /// Where it is declared.
    pub location: Location,
}

/// A record type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordType {
    /// Name.
    pub name: Arc<str>,
    /// Fields by name, in declaration order.
    pub fields: IndexMap<Arc<str>, Field>,
    /// Where it is declared.
    pub location: Location,
}

impl Field {
    /// The type as an author writes it: `date? past`, `[ref Person]`.
    pub fn written_type(&self) -> String {
        format!(
            "{}{}{}",
            self.ty,
            if self.optional { "?" } else { "" },
            if self.past { " past" } else { "" }
        )
    }
}

impl Model {
    /// The field a fact path ends at (`ai_systems[id=x].event_logging.retention`), read
    /// through the schema; `None` when the path does not start at a root fact.
    pub fn field_at(&self, path: &str) -> Option<&Field> {
        // Selectors may hold dots (`[id=v1.2]`): drop them before splitting.
        let mut plain = String::with_capacity(path.len());
        let mut depth = 0usize;
        for c in path.chars() {
            match c {
                '[' => depth += 1,
                ']' => depth = depth.saturating_sub(1),
                c if depth == 0 => plain.push(c),
                _ => {}
            }
        }
        let mut field: Option<&Field> = None;
        for (i, name) in plain.split('.').enumerate() {
            let next = if i == 0 {
                self.root.get(name)?
            } else {
                let record = match &field?.ty {
                    Ty::Record(r) | Ty::Ref(r) => r,
                    Ty::List(inner) => match &**inner {
                        Ty::Record(r) | Ty::Ref(r) => r,
                        _ => return None,
                    },
                    _ => return None,
                };
                self.records.get(record)?.fields.get(name)?
            };
            field = Some(next);
        }
        field
    }
}

impl RecordType {
    /// Whether records of this type are identified by an `id: string` field.
    pub fn has_id(&self) -> bool {
        self.fields.get("id").is_some_and(|f| f.ty == Ty::Str)
    }
}

/// An enum type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumType {
    /// Name.
    pub name: Arc<str>,
    /// Members in declaration order (which is also their order for `<` and `>`).
    pub members: Vec<Arc<str>>,
    /// Where it is declared.
    pub location: Location,
}

/// A literal value in a checked expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    /// bool
    Bool(bool),
    /// int
    Int(i64),
    /// decimal
    Decimal(f64),
    /// string
    Str(Arc<str>),
    /// date
    Date(Date),
    /// duration
    Duration(Duration),
    /// enum member: (enum, member)
    Enum(Arc<str>, Arc<str>),
}

/// A checked expression: names resolved, types known.
#[derive(Debug, Clone, PartialEq)]
pub struct TypedExpr {
    /// What it does.
    pub kind: TypedKind,
    /// Its type.
    pub ty: Ty,
    /// Source text, for explanations.
    pub text: Arc<str>,
}

impl TypedExpr {
    /// Calls `f` on this expression and every expression inside it, outer first. Def bodies
    /// are not entered: a call is one node.
    pub fn visit(&self, f: &mut dyn FnMut(&TypedExpr)) {
        f(self);
        match &self.kind {
            TypedKind::Lit(_) | TypedKind::Today | TypedKind::Local(..) | TypedKind::Root(_) => {}
            TypedKind::Field(x, _) | TypedKind::Not(x) | TypedKind::IsSet(x, _) => x.visit(f),
            TypedKind::And(xs)
            | TypedKind::Or(xs)
            | TypedKind::List(xs)
            | TypedKind::Call(_, xs) => {
                for x in xs {
                    x.visit(f);
                }
            }
            TypedKind::Compare(a, _, b)
            | TypedKind::In(a, b, _)
            | TypedKind::Text(a, _, b)
            | TypedKind::Arith(a, _, b)
            | TypedKind::Let(_, _, a, b) => {
                a.visit(f);
                b.visit(f);
            }
            TypedKind::Quant {
                coll, filter, body, ..
            } => {
                coll.visit(f);
                if let Some(x) = filter {
                    x.visit(f);
                }
                body.visit(f);
            }
            TypedKind::Count { coll, filter, .. } => {
                coll.visit(f);
                if let Some(x) = filter {
                    x.visit(f);
                }
            }
        }
    }
}

/// `+` or `-`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    /// `+`
    Add,
    /// `-`
    Sub,
}

impl ArithOp {
    /// The operator as explanations print it (a true minus sign).
    pub fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "−",
        }
    }
}

/// `in` or `not in`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    /// `x in list`
    In,
    /// `x not in list`
    NotIn,
}

/// `is set` or `is missing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// `x is set`
    Set,
    /// `x is missing`
    Missing,
}

/// Checked expression forms.
#[derive(Debug, Clone, PartialEq)]
pub enum TypedKind {
    /// A constant.
    Lit(Lit),
    /// The as-of date.
    Today,
    /// A local binding by slot (quantifier variable, `let`, def parameter).
    Local(usize, Arc<str>),
    /// A root fact.
    Root(Arc<str>),
    /// Field access; follows a `ref` to its record.
    Field(Box<TypedExpr>, Arc<str>),
    /// `not`
    Not(Box<TypedExpr>),
    /// `and`
    And(Vec<TypedExpr>),
    /// `or`
    Or(Vec<TypedExpr>),
    /// Comparison.
    Compare(Box<TypedExpr>, CmpOp, Box<TypedExpr>),
    /// `in` or `not in` a list.
    In(Box<TypedExpr>, Box<TypedExpr>, Membership),
    /// `is set` or `is missing`.
    IsSet(Box<TypedExpr>, Presence),
    /// String operators.
    Text(Box<TypedExpr>, TextOp, Box<TypedExpr>),
    /// `+` or `-`.
    Arith(Box<TypedExpr>, ArithOp, Box<TypedExpr>),
    /// Quantifier over a list, binding `slot`.
    Quant {
        /// all / any / none
        kind: Quant,
        /// Slot of the bound variable.
        slot: usize,
        /// The list.
        coll: Box<TypedExpr>,
        /// Filter.
        filter: Option<Box<TypedExpr>>,
        /// Condition.
        body: Box<TypedExpr>,
        /// Its number within its check or def (given as the checker builds them), which
        /// identifies it while evaluating: the sites and innermost quantifiers of a part.
        id: u32,
    },
    /// Count of a list, optionally filtered with a binding.
    Count {
        /// Slot of the bound variable.
        slot: Option<usize>,
        /// The list.
        coll: Box<TypedExpr>,
        /// Filter.
        filter: Option<Box<TypedExpr>>,
    },
    /// Call of a def by index, arguments bound to slots `base..base+n`.
    Call(usize, Vec<TypedExpr>),
    /// A list literal.
    List(Vec<TypedExpr>),
    /// `let`: bind slot (named as written), then body.
    Let(usize, Arc<str>, Box<TypedExpr>, Box<TypedExpr>),
}

/// Why a rule cannot be evaluated: the first error diagnostic of its expression, or of a def
/// it calls. A check with one is `error`, never a fact gap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// The diagnostic's code, e.g. `aimsc::resolve::unknown_field`.
    pub code: &'static str,
    /// Its message.
    pub message: Arc<str>,
    /// Where it is.
    pub location: Option<Location>,
}

/// A def after checking.
#[derive(Debug, Clone, PartialEq)]
pub struct Def {
    /// Name.
    pub name: Arc<str>,
    /// Parameter types.
    pub params: Vec<(Arc<str>, Ty)>,
    /// Body; parameters are slots `0..params.len()`.
    pub body: TypedExpr,
    /// Number of local slots the body needs.
    pub slots: usize,
    /// Where it is declared.
    pub location: Location,
    /// Set when the body, or a def it calls, does not check.
    pub broken: Option<Broken>,
}

/// A requirement of a check.
#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    /// What it asks.
    pub name: Arc<str>,
    /// The condition (bool).
    pub expr: TypedExpr,
    /// Local slots needed.
    pub slots: usize,
    /// Where it is.
    pub location: Location,
    /// Set when the condition, or a def it calls, does not check.
    pub broken: Option<Broken>,
    /// A recommended practice (`require practice`), beyond the text of the standard or law.
    pub practice: bool,
    /// Met by an attestation in the facts (`require attested`), not by a condition over them:
    /// a pass is reported as attested.
    pub attested: bool,
}

/// A control or rule after checking.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// Control or rule.
    pub kind: CheckKind,
    /// Id, e.g. `iso42001::A.5.2`.
    pub id: Arc<str>,
    /// Framework (id namespace).
    pub framework: Arc<str>,
    /// Title.
    pub title: Arc<str>,
    /// Domain.
    pub domain: Option<Arc<str>>,
    /// Intent.
    pub intent: Option<Arc<str>>,
    /// Applicability condition and its slot count.
    pub applies: Option<(TypedExpr, usize)>,
    /// Set when the applicability condition, or a def it calls, does not check.
    pub applies_broken: Option<Broken>,
    /// Requirements.
    pub requires: Vec<Requirement>,
    /// Controls this rule supports.
    pub supports: Vec<Arc<str>>,
    /// `mandatory` (`Some(false)`) or `excludable` (`Some(true)`), over the framework's policy.
    pub excludable: Option<bool>,
    /// Where it is declared.
    pub location: Location,
}

/// Relation kinds of a crosswalk line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Same scope.
    Equal,
    /// Source covers part of the target.
    Subset,
    /// Source covers the target and more.
    Superset,
    /// Overlap.
    Intersect,
    /// Related, no coverage claim.
    Related,
}

impl Relation {
    /// As written in rule files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Equal => "equal",
            Relation::Subset => "subset",
            Relation::Superset => "superset",
            Relation::Intersect => "intersect",
            Relation::Related => "related",
        }
    }
}

/// A crosswalk line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mapping {
    /// Source id.
    pub source: Arc<str>,
    /// Target id.
    pub target: Arc<str>,
    /// Relation.
    pub relation: Relation,
    /// `published`, `structural` or `analyst`.
    pub provenance: Option<Arc<str>>,
    /// Note.
    pub note: Option<Arc<str>>,
    /// Where it is declared.
    pub location: Location,
}

/// A justified exclusion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exclusion {
    /// Excluded control.
    pub target: Arc<str>,
    /// Why.
    pub justification: Arc<str>,
    /// Where it is declared.
    pub location: Location,
}

/// A waiver with expiry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waiver {
    /// Waived control.
    pub target: Arc<str>,
    /// Last day it holds.
    pub until: Date,
    /// Who is accountable.
    pub owner: Arc<str>,
    /// Why.
    pub justification: Arc<str>,
    /// Where it is declared.
    pub location: Location,
}

/// A declared framework.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Framework {
    /// Short name.
    pub name: Arc<str>,
    /// Title.
    pub title: Option<Arc<str>>,
    /// Patterns of the local ids an organisation may exclude (empty: none); `None`: any.
    pub excludable: Option<Vec<Arc<str>>>,
    /// Patterns of the local ids an organisation may waive (empty: none); `None`: any.
    pub waivable: Option<Vec<Arc<str>>>,
}

/// Why a control cannot be excluded or waived, for the diagnostic's help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotAllowed {
    /// The control itself is declared `mandatory`.
    Mandatory,
    /// Its framework allows none.
    FrameworkNone,
    /// Its framework allows only ids matching these patterns.
    FrameworkOnly(Vec<Arc<str>>),
}

/// A catalog entry: an item of a framework without requirements of its own, that mappings
/// can point at (e.g. an ISO/IEC 27001 Annex A control).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Id, e.g. `iso27001::A.5.1`.
    pub id: Arc<str>,
    /// Framework (id namespace).
    pub framework: Arc<str>,
    /// Title.
    pub title: Arc<str>,
    /// Domain or group.
    pub domain: Option<Arc<str>>,
    /// Where it is declared.
    pub location: Location,
}

/// A `param`: a named constant with a default that an organisation may `set`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Param {
    /// Name.
    pub name: Arc<str>,
    /// Declared type, as written.
    pub ty: Arc<str>,
    /// The default, as written.
    pub default: Arc<str>,
    /// The value in force, as written (the default unless `set`).
    pub value: Arc<str>,
    /// What it controls.
    pub doc: Option<Arc<str>>,
    /// Where it is declared.
    pub location: Location,
    /// Where the organisation overrode it, if it did.
    pub set_at: Option<Location>,
    /// The least value a `set` may give, as written.
    pub min: Option<Arc<str>>,
    /// The greatest value a `set` may give, as written.
    pub max: Option<Arc<str>>,
    /// Whether the value in force is weaker than the default: moved toward a declared bound
    /// (longer, when the param has a `max`; shorter, when it has a `min`).
    pub weakened: bool,
}

/// An `assign`: who owns a control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Owner {
    /// The control.
    pub target: Arc<str>,
    /// The owner.
    pub owner: Arc<str>,
    /// Where it is declared.
    pub location: Location,
}

/// Everything a ruleset declares, checked.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Model {
    /// Frameworks by name.
    pub frameworks: IndexMap<Arc<str>, Framework>,
    /// Enums by name.
    pub enums: IndexMap<Arc<str>, EnumType>,
    /// Records by name.
    pub records: IndexMap<Arc<str>, RecordType>,
    /// Root fact fields.
    pub root: IndexMap<Arc<str>, Field>,
    /// Defs, in index order used by [`TypedKind::Call`].
    pub defs: Vec<Def>,
    /// Controls and rules by id, sorted by id.
    pub checks: IndexMap<Arc<str>, Check>,
    /// Crosswalk lines.
    pub mappings: Vec<Mapping>,
    /// Exclusions by target.
    pub exclusions: IndexMap<Arc<str>, Exclusion>,
    /// Waivers by target.
    pub waivers: IndexMap<Arc<str>, Waiver>,
    /// Catalog entries by id, sorted by id.
    pub entries: IndexMap<Arc<str>, Entry>,
    /// Params by name, in declaration order.
    pub params: IndexMap<Arc<str>, Param>,
    /// Control owners by control id.
    pub owners: IndexMap<Arc<str>, Owner>,
    /// The rules that support each control, by control id, in id order.
    pub supporters: IndexMap<Arc<str>, Vec<Arc<str>>>,
}

impl Model {
    /// The title of a check or catalog entry.
    pub fn title_of(&self, id: &str) -> Option<&Arc<str>> {
        self.checks
            .get(id)
            .map(|c| &c.title)
            .or_else(|| self.entries.get(id).map(|e| &e.title))
    }

    /// Whether check `id` may be excluded: its own `mandatory`/`excludable`, else its
    /// framework's `excludable` patterns, else yes.
    pub fn may_exclude(&self, id: &str) -> Result<(), NotAllowed> {
        let check = self.checks.get(id);
        match check.and_then(|c| c.excludable) {
            Some(true) => return Ok(()),
            Some(false) => return Err(NotAllowed::Mandatory),
            None => {}
        }
        let policy = check
            .and_then(|c| self.frameworks.get(&c.framework))
            .and_then(|f| f.excludable.as_ref());
        allowed(policy, id)
    }

    /// Whether check `id` may be waived: its framework's `waivable` patterns, else yes.
    pub fn may_waive(&self, id: &str) -> Result<(), NotAllowed> {
        let policy = self
            .checks
            .get(id)
            .and_then(|c| self.frameworks.get(&c.framework))
            .and_then(|f| f.waivable.as_ref());
        allowed(policy, id)
    }

    /// The framework of a check or catalog entry.
    pub fn framework_of(&self, id: &str) -> Option<&Arc<str>> {
        self.checks
            .get(id)
            .map(|c| &c.framework)
            .or_else(|| self.entries.get(id).map(|e| &e.framework))
    }
}

fn allowed(policy: Option<&Vec<Arc<str>>>, id: &str) -> Result<(), NotAllowed> {
    let Some(patterns) = policy else {
        return Ok(());
    };
    let local = id.split_once("::").map_or(id, |(_, l)| l);
    if patterns.iter().any(|p| matches_pattern(local, p)) {
        return Ok(());
    }
    if patterns.is_empty() {
        Err(NotAllowed::FrameworkNone)
    } else {
        Err(NotAllowed::FrameworkOnly(patterns.clone()))
    }
}

/// `*` matches any run of characters; everything else matches itself.
fn matches_pattern(s: &str, p: &str) -> bool {
    match p.split_once('*') {
        None => s == p,
        Some((head, rest)) => {
            let Some(tail) = s.strip_prefix(head) else {
                return false;
            };
            (0..=tail.len())
                .filter(|i| tail.is_char_boundary(*i))
                .any(|i| matches_pattern(&tail[i..], rest))
        }
    }
}

impl Model {
    /// This model with only the defs `exprs` reach through calls, transitively; every other
    /// def keeps its name and parameters and gets an empty body, so that def numbers hold. A
    /// query that evaluates with it then compares equal after an edit to a def (or a `set` of
    /// a param) it never calls, and is not re-run for it.
    pub fn narrowed<'e>(&'e self, exprs: impl IntoIterator<Item = &'e TypedExpr>) -> Model {
        let reached = reached_defs(self.defs.len(), exprs, |i| {
            self.defs.get(i).map(|d| &d.body)
        });
        let defs = self
            .defs
            .iter()
            .zip(&reached)
            .map(|(d, reached)| if *reached { d.clone() } else { d.stub() })
            .collect();
        Model {
            defs,
            ..self.clone()
        }
    }
}

impl Def {
    /// This def with an empty body: what a model keeps of a def its evaluation never calls,
    /// so that def numbers hold.
    pub fn stub(&self) -> Def {
        Def {
            name: self.name.clone(),
            params: self.params.clone(),
            body: TypedExpr {
                kind: TypedKind::Lit(Lit::Bool(false)),
                ty: Ty::Bool,
                text: Arc::from(""),
            },
            slots: 0,
            location: self.location.clone(),
            broken: None,
        }
    }
}

/// Which of `count` defs `exprs` call, transitively; `body(i)` is def `i`'s body, asked for
/// only of the defs reached.
pub fn reached_defs<'e>(
    count: usize,
    exprs: impl IntoIterator<Item = &'e TypedExpr>,
    body: impl Fn(usize) -> Option<&'e TypedExpr>,
) -> Vec<bool> {
    let mut reached = vec![false; count];
    let mut todo: Vec<usize> = Vec::new();
    let note = |e: &TypedExpr, todo: &mut Vec<usize>| {
        e.visit(&mut |x| {
            if let TypedKind::Call(i, _) = &x.kind {
                todo.push(*i);
            }
        });
    };
    for e in exprs {
        note(e, &mut todo);
    }
    while let Some(i) = todo.pop() {
        match reached.get_mut(i) {
            Some(r) if !*r => *r = true,
            _ => continue,
        }
        if let Some(b) = body(i) {
            note(b, &mut todo);
        }
    }
    reached
}

#[cfg(test)]
mod tests {
    use super::matches_pattern;

    #[test]
    fn patterns_match_runs() {
        assert!(matches_pattern("A.10.4", "A.*"));
        assert!(!matches_pattern("9.2", "A.*"));
        assert!(matches_pattern("9.2", "9.2"));
        assert!(matches_pattern("Art.50", "*"));
        assert!(!matches_pattern("Art.50", "Art.5"));
    }
}
