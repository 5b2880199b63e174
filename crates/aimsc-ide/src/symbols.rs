//! Document and workspace symbols, folding ranges and semantic tokens.

use crate::Analysis;
use crate::index::Key;
use aimsc_diagnostics::Span;
use aimsc_syntax::ast::{CheckKind, Item};
use aimsc_syntax::format::TokenClass;
use std::sync::Arc;

/// What a symbol is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolKind {
    /// A framework.
    Framework,
    /// A control.
    Control,
    /// An organisation's rule.
    Rule,
    /// A catalog entry.
    Entry,
    /// A requirement of a control or rule.
    Requirement,
    /// A record type.
    Record,
    /// An enum type.
    Enum,
    /// An enum member.
    Member,
    /// A field.
    Field,
    /// A def.
    Def,
    /// A param, or a `set` of one.
    Param,
    /// A map, exclude, waive or assign.
    Statement,
}

/// A symbol of one file, with its children.
#[derive(Debug, Clone, PartialEq)]
pub struct DocSymbol {
    /// Name shown.
    pub name: String,
    /// Extra text (a title).
    pub detail: Option<String>,
    /// Kind.
    pub kind: SymbolKind,
    /// The whole item.
    pub span: Span,
    /// The name in it.
    pub selection: Span,
    /// Nested symbols.
    pub children: Vec<DocSymbol>,
}

/// A symbol found by a workspace search.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkspaceSymbol {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: SymbolKind,
    /// Where.
    pub path: Arc<str>,
    /// The name's span.
    pub span: Span,
    /// The title, for controls.
    pub container: Option<String>,
}

/// A foldable range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fold {
    /// The range, first to last byte.
    pub span: Span,
    /// Kind.
    pub kind: FoldKind,
}

/// What is folded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoldKind {
    /// An item or block.
    Region,
    /// A run of comment lines.
    Comment,
}

/// Semantic token kinds; the server's legend lists them in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SemKind {
    /// Keyword.
    Keyword,
    /// String.
    String,
    /// Comment.
    Comment,
    /// Number, date or duration amount.
    Number,
    /// Operator.
    Operator,
    /// Record or enum type.
    Type,
    /// Enum member.
    EnumMember,
    /// Field or root fact.
    Property,
    /// Def.
    Function,
    /// Local binding.
    Variable,
    /// Framework.
    Namespace,
    /// Control, rule or entry id.
    Class,
    /// Param.
    Parameter,
}

impl SemKind {
    /// All kinds in legend order.
    pub const ALL: [SemKind; 13] = [
        SemKind::Keyword,
        SemKind::String,
        SemKind::Comment,
        SemKind::Number,
        SemKind::Operator,
        SemKind::Type,
        SemKind::EnumMember,
        SemKind::Property,
        SemKind::Function,
        SemKind::Variable,
        SemKind::Namespace,
        SemKind::Class,
        SemKind::Parameter,
    ];

    /// The LSP token type name.
    pub fn lsp_name(self) -> &'static str {
        match self {
            SemKind::Keyword => "keyword",
            SemKind::String => "string",
            SemKind::Comment => "comment",
            SemKind::Number => "number",
            SemKind::Operator => "operator",
            SemKind::Type => "type",
            SemKind::EnumMember => "enumMember",
            SemKind::Property => "property",
            SemKind::Function => "function",
            SemKind::Variable => "variable",
            SemKind::Namespace => "namespace",
            SemKind::Class => "class",
            SemKind::Parameter => "parameter",
        }
    }
}

/// One semantic token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SemToken {
    /// Where (never spans lines).
    pub span: Span,
    /// Kind.
    pub kind: SemKind,
    /// Whether it declares the name.
    pub declaration: bool,
}

/// Keywords other than the item keywords (`aimsc_syntax::ITEM_KEYWORDS`).
const KEYWORDS: &[&str] = &[
    "to",
    "ref",
    "domain",
    "intent",
    "applies",
    "when",
    "require",
    "supports",
    "excludable",
    "waivable",
    "mandatory",
    "past",
    "practice",
    "attested",
    "until",
    "owner",
    "provenance",
    "let",
    "and",
    "or",
    "not",
    "in",
    "is",
    "where",
    "count",
    "all",
    "any",
    "none",
    "missing",
    "true",
    "false",
    "today",
    "contains",
    "starts",
    "ends",
    "with",
    "matches",
    "day",
    "days",
    "week",
    "weeks",
    "month",
    "months",
    "year",
    "years",
];

impl Analysis<'_> {
    /// The outline of a rule file.
    pub fn document_symbols(&self, path: &str) -> Vec<DocSymbol> {
        let (Some(file), Some(text)) = (self.project.parsed(path), self.text(path)) else {
            return Vec::new();
        };
        let mut symbols: Vec<DocSymbol> = file.items.iter().filter_map(item_symbol).collect();
        for s in &mut symbols {
            trim_symbol(s, &text);
        }
        symbols
    }

    /// Symbols of every rule file whose name contains `query` (case-insensitive).
    pub fn workspace_symbols(&self, query: &str) -> Vec<WorkspaceSymbol> {
        let q = query.to_lowercase();
        let mut out = Vec::new();
        for path in self.project.rule_paths() {
            for s in self.document_symbols(&path) {
                let title_match = s
                    .detail
                    .as_ref()
                    .is_some_and(|d| d.to_lowercase().contains(&q));
                if s.name.to_lowercase().contains(&q) || title_match {
                    out.push(WorkspaceSymbol {
                        name: s.name,
                        kind: s.kind,
                        path: path.clone(),
                        span: s.selection,
                        container: s.detail,
                    });
                }
            }
        }
        out
    }

    /// Foldable ranges: multi-line items and requirements, and runs of comment lines.
    pub fn folding(&self, path: &str) -> Vec<Fold> {
        let (Some(text), Some(file)) = (self.text(path), self.project.parsed(path)) else {
            return Vec::new();
        };
        let multi = |s: Span| {
            text.get(s.start()..s.end())
                .is_some_and(|t| t.contains('\n'))
        };
        let mut out = Vec::new();
        for item in &file.items {
            if multi(item.span()) {
                out.push(Fold {
                    span: item.span(),
                    kind: FoldKind::Region,
                });
            }
            if let Item::Check(c) = item {
                for r in c.requires.iter().filter(|r| multi(r.span)) {
                    out.push(Fold {
                        span: r.span,
                        kind: FoldKind::Region,
                    });
                }
            }
        }
        // Consecutive comment lines (nothing but a newline between them) fold together.
        let mut run: Option<Span> = None;
        for (span, class) in aimsc_syntax::format::tokens(&text) {
            let own_line = text[..span.start()]
                .rsplit('\n')
                .next()
                .is_some_and(|l| l.trim().is_empty());
            if class == TokenClass::Comment && own_line {
                let joins = run.is_some_and(|r| {
                    text[r.end()..span.start()]
                        .chars()
                        .filter(|c| *c == '\n')
                        .count()
                        == 1
                });
                run = Some(match run {
                    Some(r) if joins => r.to(span),
                    other => {
                        push_comment_fold(&text, other, &mut out);
                        span
                    }
                });
            } else {
                push_comment_fold(&text, run.take(), &mut out);
            }
        }
        push_comment_fold(&text, run, &mut out);
        out.sort_by_key(|f| (f.span.start(), f.span.end()));
        out
    }

    /// Semantic tokens of a rule file, in order.
    pub fn semantic_tokens(&self, path: &str) -> Vec<SemToken> {
        let Some(text) = self.text(path) else {
            return Vec::new();
        };
        let index = self.index(path).unwrap_or_default();
        let mut occ = index.occurrences.iter().peekable();
        let mut out = Vec::new();
        for (span, class) in aimsc_syntax::format::tokens(&text) {
            // Names the index resolved take its kind; the rest are classified by their text.
            while occ.peek().is_some_and(|o| o.span.start() < span.start()) {
                occ.next();
            }
            let word = &text[span.start()..span.end()];
            let resolved = occ.next_if(|o| o.span.start() == span.start()).map(|o| {
                let kind = match &o.key {
                    Key::Item(_) => SemKind::Class,
                    Key::Framework(_) => SemKind::Namespace,
                    Key::Type(_) => SemKind::Type,
                    Key::Member(..) => SemKind::EnumMember,
                    Key::Field(..) => SemKind::Property,
                    Key::Def(n) if self.model.params.contains_key(n.as_str()) => SemKind::Parameter,
                    Key::Def(_) => SemKind::Function,
                    Key::Local(_) => SemKind::Variable,
                };
                (kind, o.decl, o.span)
            });
            if let Some((kind, declaration, ospan)) = resolved {
                out.push(SemToken {
                    span: ospan,
                    kind,
                    declaration,
                });
                // A field chain `s.owner.role` is one word token: classify the rest of it too.
                let mut covered = ospan.end();
                while covered < span.end() {
                    let Some(o) = occ
                        .peek()
                        .filter(|o| o.span.start() >= covered && o.span.end() <= span.end())
                    else {
                        break;
                    };
                    let kind = match o.key {
                        Key::Local(_) => SemKind::Variable,
                        _ => SemKind::Property,
                    };
                    out.push(SemToken {
                        span: o.span,
                        kind,
                        declaration: o.decl,
                    });
                    covered = o.span.end();
                    occ.next();
                }
                continue;
            }
            let kind = match class {
                TokenClass::Str => SemKind::String,
                TokenClass::Comment => SemKind::Comment,
                TokenClass::Punct => SemKind::Operator,
                TokenClass::Word if word.starts_with(|c: char| c.is_ascii_digit()) => {
                    SemKind::Number
                }
                TokenClass::Word
                    if KEYWORDS.contains(&word) || aimsc_syntax::ITEM_KEYWORDS.contains(&word) =>
                {
                    SemKind::Keyword
                }
                TokenClass::Word if aimsc_eval::model::BUILTIN_TYPES.contains(&word) => {
                    SemKind::Type
                }
                TokenClass::Word => continue,
            };
            out.push(SemToken {
                span,
                kind,
                declaration: false,
            });
        }
        out.sort_by_key(|t| t.span.start());
        out.dedup_by_key(|t| t.span.start());
        out
    }
}

/// Item spans may end after the whitespace that follows them; symbols end at the last token.
fn trim_symbol(s: &mut DocSymbol, text: &str) {
    let end = s.span.end().min(text.len());
    let trimmed = text[s.span.start().min(end)..end].trim_end().len();
    s.span = Span::new(s.span.start(), s.span.start() + trimmed);
    for c in &mut s.children {
        trim_symbol(c, text);
    }
}

fn push_comment_fold(text: &str, run: Option<Span>, out: &mut Vec<Fold>) {
    if let Some(r) = run
        && text
            .get(r.start()..r.end())
            .is_some_and(|t| t.contains('\n'))
    {
        out.push(Fold {
            span: r,
            kind: FoldKind::Comment,
        });
    }
}

fn item_symbol(item: &Item) -> Option<DocSymbol> {
    let sym = |name: String, detail: Option<String>, kind, span, selection, children| DocSymbol {
        name,
        detail,
        kind,
        span,
        selection,
        children,
    };
    Some(match item {
        Item::Framework(f) => sym(
            f.name.name.clone(),
            f.title.as_ref().map(|t| t.value.clone()),
            SymbolKind::Framework,
            f.span,
            f.name.span,
            vec![],
        ),
        Item::Enum(e) => {
            let children = e
                .members
                .iter()
                .map(|m| {
                    sym(
                        m.name.clone(),
                        None,
                        SymbolKind::Member,
                        m.span,
                        m.span,
                        vec![],
                    )
                })
                .collect();
            sym(
                e.name.name.clone(),
                None,
                SymbolKind::Enum,
                e.span,
                e.name.span,
                children,
            )
        }
        Item::Record(r) => {
            let children = r
                .fields
                .iter()
                .map(|f| {
                    sym(
                        f.name.name.clone(),
                        None,
                        SymbolKind::Field,
                        f.name.span.to(f.ty.span),
                        f.name.span,
                        vec![],
                    )
                })
                .collect();
            sym(
                r.name.name.clone(),
                None,
                SymbolKind::Record,
                r.span,
                r.name.span,
                children,
            )
        }
        Item::Facts(f) => {
            let children = f
                .fields
                .iter()
                .map(|x| {
                    sym(
                        x.name.name.clone(),
                        None,
                        SymbolKind::Field,
                        x.name.span.to(x.ty.span),
                        x.name.span,
                        vec![],
                    )
                })
                .collect();
            sym(
                "facts".into(),
                None,
                SymbolKind::Record,
                f.span,
                Span::new(f.span.start(), f.span.start() + 5),
                children,
            )
        }
        Item::Def(d) => sym(
            d.name.name.clone(),
            None,
            SymbolKind::Def,
            d.span,
            d.name.span,
            vec![],
        ),
        Item::Check(c) => {
            let kind = match c.kind {
                CheckKind::Control => SymbolKind::Control,
                CheckKind::Rule => SymbolKind::Rule,
            };
            let children = c
                .requires
                .iter()
                .map(|r| {
                    sym(
                        r.name.value.clone(),
                        None,
                        SymbolKind::Requirement,
                        r.span,
                        r.name.span,
                        vec![],
                    )
                })
                .collect();
            sym(
                c.id.text.clone(),
                Some(c.title.value.clone()),
                kind,
                c.span,
                c.id.span,
                children,
            )
        }
        Item::Entry(e) => sym(
            e.id.text.clone(),
            Some(e.title.value.clone()),
            SymbolKind::Entry,
            e.span,
            e.id.span,
            vec![],
        ),
        Item::Param(p) => sym(
            p.name.name.clone(),
            p.doc.as_ref().map(|d| d.value.clone()),
            SymbolKind::Param,
            p.span,
            p.name.span,
            vec![],
        ),
        Item::Set(s) => sym(
            format!("set {}", s.name.name),
            None,
            SymbolKind::Param,
            s.span,
            s.name.span,
            vec![],
        ),
        Item::Map(m) => sym(
            format!("{} -> {}", m.source.text, m.target.text),
            Some(m.relation.name.clone()),
            SymbolKind::Statement,
            m.span,
            m.source.span,
            vec![],
        ),
        Item::Exclude(e) => sym(
            format!("exclude {}", e.target.text),
            None,
            SymbolKind::Statement,
            e.span,
            e.target.span,
            vec![],
        ),
        Item::Waive(w) => sym(
            format!("waive {}", w.target.text),
            None,
            SymbolKind::Statement,
            w.span,
            w.target.span,
            vec![],
        ),
        Item::Assign(a) => sym(
            format!("assign {}", a.target.text),
            Some(a.owner.value.clone()),
            SymbolKind::Statement,
            a.span,
            a.target.span,
            vec![],
        ),
    })
}
