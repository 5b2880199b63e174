//! Between aimsc's byte spans and the protocol's UTF-16 line/character positions.

use aimsc_db::Project;
use aimsc_diagnostics::{LineIndex, Severity, Span};
use aimsc_ide::{CompletionKind, DocSymbol, Fold, FoldKind, SemToken, SymbolKind, Target};
use std::path::Path;
use tower_lsp_server::ls_types::{self as lsp, Position, Range, Uri};

/// A file's line starts.
pub struct LineMap(LineIndex);

impl LineMap {
    /// Indexes a text.
    pub fn new(text: &str) -> LineMap {
        LineMap(LineIndex::new(text))
    }
}

/// The byte offset of a protocol position, clamped as [`aimsc_ide::edit::offset_at`] says.
pub fn offset_at(text: &str, map: &LineMap, pos: Position) -> usize {
    aimsc_ide::edit::offset_at(text, &map.0, utf16(pos))
}

/// The protocol's position as the IDE layer's.
pub fn utf16(pos: Position) -> aimsc_ide::edit::Utf16Pos {
    aimsc_ide::edit::Utf16Pos {
        line: pos.line,
        character: pos.character,
    }
}

fn position(text: &str, map: &LineMap, offset: usize) -> Position {
    let (line, character) = map.0.utf16_position(text, offset);
    Position { line, character }
}

/// The protocol range of a span.
pub fn range_of(text: &str, map: &LineMap, span: Span) -> Range {
    Range {
        start: position(text, map, span.start()),
        end: position(text, map, span.end()),
    }
}

/// A diagnostic for the editor: code, severity, message, and the help as a second paragraph.
pub fn diagnostic(
    d: &aimsc_diagnostics::Diagnostic,
    text: &str,
    map: &LineMap,
    root: &str,
) -> lsp::Diagnostic {
    let span = d.location.as_ref().map_or(Span::default(), |l| l.span);
    let mut message = d.message.clone();
    if !d.label.is_empty() && d.label != d.message {
        message.push_str(&format!(" ({})", d.label));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    lsp::Diagnostic {
        range: range_of(text, map, span),
        severity: Some(match d.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        }),
        code: Some(lsp::NumberOrString::String(d.code.to_string())),
        source: Some("aimsc".into()),
        message: message.replace(root, ""),
        ..lsp::Diagnostic::default()
    }
}

/// Protocol locations of targets (a shipped rule file's is its read-only copy on disk).
pub fn locations(p: &Project, targets: &[Target]) -> Vec<lsp::Location> {
    targets
        .iter()
        .filter_map(|t| {
            let uri = uri_of(&t.path)?;
            let text = p.source_text(&t.path)?;
            let map = LineMap::new(&text);
            Some(lsp::Location {
                uri,
                range: range_of(&text, &map, t.span),
            })
        })
        .collect()
}

/// A completion item.
pub fn completion(c: aimsc_ide::Completion) -> lsp::CompletionItem {
    let kind = match c.kind {
        CompletionKind::Keyword => lsp::CompletionItemKind::KEYWORD,
        CompletionKind::Item => lsp::CompletionItemKind::CONSTANT,
        CompletionKind::Type => lsp::CompletionItemKind::STRUCT,
        CompletionKind::Member => lsp::CompletionItemKind::ENUM_MEMBER,
        CompletionKind::Field => lsp::CompletionItemKind::FIELD,
        CompletionKind::Def => lsp::CompletionItemKind::FUNCTION,
        CompletionKind::Local => lsp::CompletionItemKind::VARIABLE,
    };
    lsp::CompletionItem {
        label: c.label,
        kind: Some(kind),
        detail: (!c.detail.is_empty()).then_some(c.detail),
        ..lsp::CompletionItem::default()
    }
}

fn symbol_kind(k: SymbolKind) -> lsp::SymbolKind {
    match k {
        SymbolKind::Framework => lsp::SymbolKind::NAMESPACE,
        SymbolKind::Control | SymbolKind::Rule => lsp::SymbolKind::CLASS,
        SymbolKind::Entry => lsp::SymbolKind::CONSTANT,
        SymbolKind::Requirement => lsp::SymbolKind::METHOD,
        SymbolKind::Record => lsp::SymbolKind::STRUCT,
        SymbolKind::Enum => lsp::SymbolKind::ENUM,
        SymbolKind::Member => lsp::SymbolKind::ENUM_MEMBER,
        SymbolKind::Field => lsp::SymbolKind::FIELD,
        SymbolKind::Def => lsp::SymbolKind::FUNCTION,
        SymbolKind::Param => lsp::SymbolKind::VARIABLE,
        SymbolKind::Statement => lsp::SymbolKind::KEY,
    }
}

/// A nested document symbol.
#[allow(deprecated)] // `deprecated` is a required field of the protocol type
pub fn doc_symbol(s: DocSymbol, text: &str, map: &LineMap) -> lsp::DocumentSymbol {
    lsp::DocumentSymbol {
        name: s.name,
        detail: s.detail,
        kind: symbol_kind(s.kind),
        tags: None,
        deprecated: None,
        range: range_of(text, map, s.span),
        selection_range: range_of(text, map, s.selection),
        children: (!s.children.is_empty()).then(|| {
            s.children
                .into_iter()
                .map(|c| doc_symbol(c, text, map))
                .collect()
        }),
    }
}

/// Workspace symbols with locations.
#[allow(deprecated)] // `deprecated` is a required field of the protocol type
pub fn workspace_symbols(
    p: &Project,
    found: Vec<aimsc_ide::WorkspaceSymbol>,
) -> Vec<lsp::SymbolInformation> {
    found
        .into_iter()
        .filter_map(|s| {
            let target = Target {
                path: s.path.clone(),
                span: s.span,
            };
            let location = locations(p, std::slice::from_ref(&target)).pop()?;
            Some(lsp::SymbolInformation {
                name: s.name,
                kind: symbol_kind(s.kind),
                tags: None,
                deprecated: None,
                location,
                container_name: s.container,
            })
        })
        .collect()
}

/// Semantic tokens, delta-encoded as the protocol wants, lengths in UTF-16 units.
pub fn semantic_tokens(tokens: &[SemToken], text: &str, map: &LineMap) -> Vec<lsp::SemanticToken> {
    let mut out = Vec::with_capacity(tokens.len());
    let (mut last_line, mut last_col) = (0u32, 0u32);
    for t in tokens {
        let start = position(text, map, t.span.start());
        let end = position(text, map, t.span.end());
        if end.line != start.line {
            continue; // tokens never span lines; skip anything odd rather than mis-highlight
        }
        let delta_line = start.line - last_line;
        let delta_start = if delta_line == 0 {
            start.character - last_col
        } else {
            start.character
        };
        out.push(lsp::SemanticToken {
            delta_line,
            delta_start,
            length: end.character - start.character,
            token_type: t.kind as u32,
            token_modifiers_bitset: u32::from(t.declaration),
        });
        last_line = start.line;
        last_col = start.character;
    }
    out
}

/// A folding range by lines.
pub fn fold(f: Fold, text: &str, map: &LineMap) -> lsp::FoldingRange {
    let r = range_of(text, map, f.span);
    lsp::FoldingRange {
        start_line: r.start.line,
        start_character: None,
        end_line: r.end.line,
        end_character: None,
        kind: Some(match f.kind {
            FoldKind::Region => lsp::FoldingRangeKind::Region,
            FoldKind::Comment => lsp::FoldingRangeKind::Comment,
        }),
        collapsed_text: None,
    }
}

/// The document of a project path: a shipped rule file is its read-only copy on disk.
pub fn uri_of(path: &str) -> Option<Uri> {
    if path.starts_with(aimsc_rulesets_prefix()) {
        return Uri::from_file_path(crate::shipped::file_of(path)?);
    }
    if Path::new(path).is_absolute() {
        return Uri::from_file_path(path);
    }
    path.parse().ok()
}

/// How the paths of the shipped rulesets begin: they are embedded, not files.
pub(crate) fn aimsc_rulesets_prefix() -> &'static str {
    "@aimsc"
}
