//! The typed syntax tree. Every node carries the byte span it was parsed from.

use aimsc_diagnostics::Span;
use serde::Serialize;

/// A plain name: a type, field, enum member, def or binding.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Ident {
    /// The name as written.
    pub name: String,
    /// Where it was written.
    pub span: Span,
}

/// A namespaced id such as `iso42001::A.5.2`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct QualId {
    /// The whole id as written.
    pub text: String,
    /// The part before `::` (the framework).
    pub namespace: String,
    /// Where it was written.
    pub span: Span,
}

/// A string literal with escapes resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct StrLit {
    /// The text after escape processing.
    pub value: String,
    /// Span including the quotes.
    pub span: Span,
}

/// One parsed `.aims` file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceFile {
    /// Every item that parsed, in source order.
    pub items: Vec<Item>,
}

/// A top-level item.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "item", rename_all = "snake_case")]
pub enum Item {
    /// `framework iso42001 "title"`
    Framework(Framework),
    /// `enum RiskTier { minimal, high }`
    Enum(EnumDecl),
    /// `record AiSystem { id: string }`
    Record(RecordDecl),
    /// `facts { ai_systems: [AiSystem] }`
    Facts(FactsDecl),
    /// `def high_risk(s: AiSystem) = s.risk_tier == high`
    Def(DefDecl),
    /// `control` or `rule`
    Check(CheckDecl),
    /// `map a::x -> b::y subset`
    Map(MapDecl),
    /// `exclude a::x "why"`
    Exclude(ExcludeDecl),
    /// `waive a::x until 2027-01-01 owner "ciso" "why"`
    Waive(WaiveDecl),
    /// `entry iso27001::A.5.1 "Policies for information security"`
    Entry(EntryDecl),
    /// `param policy_review_period: duration = 12 months "doc"`
    Param(ParamDecl),
    /// `set policy_review_period = 6 months`
    Set(SetDecl),
    /// `assign iso42001::A.2.2 to "Head of AI governance"`
    Assign(AssignDecl),
}

impl Item {
    /// The span of the whole item.
    pub fn span(&self) -> Span {
        match self {
            Item::Framework(i) => i.span,
            Item::Enum(i) => i.span,
            Item::Record(i) => i.span,
            Item::Facts(i) => i.span,
            Item::Def(i) => i.span,
            Item::Check(i) => i.span,
            Item::Map(i) => i.span,
            Item::Exclude(i) => i.span,
            Item::Waive(i) => i.span,
            Item::Entry(i) => i.span,
            Item::Param(i) => i.span,
            Item::Set(i) => i.span,
            Item::Assign(i) => i.span,
        }
    }
}

/// A framework declaration: the namespace of its controls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Framework {
    /// Short name used as id prefix.
    pub name: Ident,
    /// Full title.
    pub title: Option<StrLit>,
    /// `excludable …`: which controls may be excluded; `None` when not declared.
    pub excludable: Option<ScopePolicy>,
    /// `waivable …`: which controls may be waived; `None` when not declared.
    pub waivable: Option<ScopePolicy>,
    /// Span of the item.
    pub span: Span,
}

/// `excludable "A.*", "B.*"` or `excludable none`: id patterns (after `::`), empty for none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScopePolicy {
    /// Patterns of local ids, `*` matching any run of characters.
    pub patterns: Vec<StrLit>,
    /// Span of the clause.
    pub span: Span,
}

/// An enumeration type of the fact schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnumDecl {
    /// Type name.
    pub name: Ident,
    /// Members in order.
    pub members: Vec<Ident>,
    /// Span of the item.
    pub span: Span,
}

/// A record type of the fact schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordDecl {
    /// Type name.
    pub name: Ident,
    /// Fields in order.
    pub fields: Vec<FieldDecl>,
    /// Span of the item.
    pub span: Span,
}

/// The root of the fact schema; several `facts` blocks merge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FactsDecl {
    /// Root fields.
    pub fields: Vec<FieldDecl>,
    /// Span of the item.
    pub span: Span,
}

/// `name: Type`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldDecl {
    /// Field name.
    pub name: Ident,
    /// Declared type.
    pub ty: TypeExpr,
    /// Where `past` follows the type: a date of something done, never after the as-of date.
    /// Serialised as `true`: where it stands is layout, not meaning.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "marked")]
    pub past: Option<Span>,
    /// What the field holds, in one sentence: shown by `aimsc explain --schema`, in hover and
    /// where a control reports the fact missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doc: Option<StrLit>,
}

fn marked<S: serde::Serializer>(at: &Option<Span>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_bool(at.is_some())
}

/// A type as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypeExpr {
    /// The shape.
    pub kind: TypeKind,
    /// Whether `?` follows.
    pub optional: bool,
    /// Span of the type.
    pub span: Span,
}

/// The shape of a written type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TypeKind {
    /// A builtin (`string`, `int`, …) or a declared enum or record.
    Named(Ident),
    /// `[T]`
    List(Box<TypeExpr>),
    /// `ref Record`
    Ref(Ident),
}

/// A named predicate or function.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DefDecl {
    /// Its name.
    pub name: Ident,
    /// Parameters.
    pub params: Vec<Param>,
    /// Its body.
    pub body: Expr,
    /// Span of the item.
    pub span: Span,
}

/// A def parameter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Param {
    /// Name.
    pub name: Ident,
    /// Declared type.
    pub ty: TypeExpr,
}

/// Whether a check is a standard's control or an organisation's own rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// `control`
    Control,
    /// `rule`
    Rule,
}

/// A `control` or a `rule`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckDecl {
    /// Control or rule.
    pub kind: CheckKind,
    /// Its id.
    pub id: QualId,
    /// Its title.
    pub title: StrLit,
    /// `domain A.5`
    pub domain: Option<StrLit>,
    /// `intent "..."`
    pub intent: Option<StrLit>,
    /// `applies when <expr>`
    pub applies: Option<Expr>,
    /// Named requirements.
    pub requires: Vec<Require>,
    /// Controls a rule supports.
    pub supports: Vec<QualId>,
    /// `mandatory` (`Some(false)`) or `excludable` (`Some(true)`), over the framework's policy.
    pub excludable: Option<bool>,
    /// Span of the item.
    pub span: Span,
}

/// `require "name" { ... }`, or `require attested "name"`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Require {
    /// What the requirement asks, in words.
    pub name: StrLit,
    /// The condition; none for an attested requirement, whose condition aimsc writes.
    pub body: Option<Expr>,
    /// Where `attested` follows `require`: the requirement is met by an attestation in the
    /// facts, not by a condition. Serialised as `true`.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "marked")]
    pub attested: Option<Span>,
    /// Where `practice` follows `require`: the requirement states a recommended practice,
    /// beyond what the standard or the law asks. Serialised as `true`.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "marked")]
    pub practice: Option<Span>,
    /// Span of the clause.
    pub span: Span,
}

/// `map a -> b relation`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MapDecl {
    /// Source item.
    pub source: QualId,
    /// Target item.
    pub target: QualId,
    /// Relation kind as written.
    pub relation: Ident,
    /// Provenance as written.
    pub provenance: Option<Ident>,
    /// Note.
    pub note: Option<StrLit>,
    /// Span of the item.
    pub span: Span,
}

/// `exclude a::x "why"`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExcludeDecl {
    /// Excluded control.
    pub target: QualId,
    /// Justification (required; checked later).
    pub justification: Option<StrLit>,
    /// Span of the item.
    pub span: Span,
}

/// `waive a::x until DATE owner "who" "why"`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaiveDecl {
    /// Waived control.
    pub target: QualId,
    /// Expiry date as written (`YYYY-MM-DD`).
    pub until: Option<(String, Span)>,
    /// Accountable owner.
    pub owner: Option<StrLit>,
    /// Justification.
    pub justification: Option<StrLit>,
    /// Span of the item.
    pub span: Span,
}

/// A catalog entry: an item of a framework that mappings can point at, without requirements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryDecl {
    /// Its id.
    pub id: QualId,
    /// Its title.
    pub title: StrLit,
    /// `domain A.5`
    pub domain: Option<StrLit>,
    /// Span of the item.
    pub span: Span,
}

/// A named constant with a default that an organisation may override with `set`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParamDecl {
    /// Its name.
    pub name: Ident,
    /// Declared type.
    pub ty: TypeExpr,
    /// Default value.
    pub default: Expr,
    /// `min …`: the least value a `set` may give.
    pub min: Option<Expr>,
    /// `max …`: the greatest value a `set` may give.
    pub max: Option<Expr>,
    /// What it controls.
    pub doc: Option<StrLit>,
    /// Span of the item.
    pub span: Span,
}

/// `set name = value`: an organisation's value for a `param`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SetDecl {
    /// The param.
    pub name: Ident,
    /// The value.
    pub value: Expr,
    /// Span of the item.
    pub span: Span,
}

/// `assign a::x to "owner"`: who owns a control (shown in the Statement of Applicability).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssignDecl {
    /// The control.
    pub target: QualId,
    /// The owner.
    pub owner: StrLit,
    /// Span of the item.
    pub span: Span,
}

/// An expression with its span.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is.
    pub span: Span,
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// String operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum TextOp {
    /// `contains`
    Contains,
    /// `starts with`
    StartsWith,
    /// `ends with`
    EndsWith,
    /// `matches` (a `*`/`?` wildcard pattern)
    Matches,
}

impl TextOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            TextOp::Contains => "contains",
            TextOp::StartsWith => "starts with",
            TextOp::EndsWith => "ends with",
            TextOp::Matches => "matches",
        }
    }
}

/// Quantifier kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Quant {
    /// every element satisfies the body
    All,
    /// at least one does
    Any,
    /// no element does
    None,
}

impl Quant {
    /// The keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Quant::All => "all",
            Quant::Any => "any",
            Quant::None => "none",
        }
    }
}

/// Duration units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DurationUnit {
    /// days
    Days,
    /// weeks (7 days)
    Weeks,
    /// calendar months
    Months,
    /// calendar years
    Years,
}

/// Expression forms.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExprKind {
    /// `true` / `false`
    Bool(bool),
    /// `42`
    Int(i64),
    /// `0.95`, kept as written so the tree stays `Eq`-comparable
    Decimal(String),
    /// `"text"`
    Str(String),
    /// `2025-03-31`
    Date(String),
    /// `90 days`
    Duration(i64, DurationUnit),
    /// `today`: the as-of date
    Today,
    /// A name: binding, fact root, enum member or def without parameters.
    Name(String),
    /// `e.field`
    Field(Box<Expr>, Ident),
    /// `not e`
    Not(Box<Expr>),
    /// `a and b and …`
    And(Vec<Expr>),
    /// `a or b or …`
    Or(Vec<Expr>),
    /// `a == b`
    Compare(Box<Expr>, CmpOp, Box<Expr>),
    /// `a in b` / `a not in b`
    In {
        /// The element.
        elem: Box<Expr>,
        /// The list.
        list: Box<Expr>,
        /// `not in`
        negated: bool,
    },
    /// `e is set` / `e is missing` / `e is not set`
    IsSet(Box<Expr>, bool),
    /// `a contains b` and friends
    Text(Box<Expr>, TextOp, Box<Expr>),
    /// `a + b` / `a - b`
    Arith(Box<Expr>, bool, Box<Expr>),
    /// `all s in xs where c: body`
    Quant {
        /// all / any / none
        kind: Quant,
        /// The bound name.
        var: Ident,
        /// The collection.
        coll: Box<Expr>,
        /// The `where` filter.
        filter: Option<Box<Expr>>,
        /// The condition.
        body: Box<Expr>,
    },
    /// `count(xs)` or `count(s in xs where c)`
    Count {
        /// The bound name, with a binder.
        var: Option<Ident>,
        /// The collection.
        coll: Box<Expr>,
        /// The `where` filter.
        filter: Option<Box<Expr>>,
    },
    /// `name(args)`
    Call(Ident, Vec<Expr>),
    /// `[a, b]`
    List(Vec<Expr>),
    /// `{ let x = e  body }`
    Block(Vec<(Ident, Expr)>, Box<Expr>),
}
