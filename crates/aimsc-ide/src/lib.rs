#![deny(clippy::indexing_slicing)]
//! Editor features of aimsc over a [`Project`] snapshot: hover, go to definition, references,
//! rename, completion, symbols, semantic tokens, folding, formatting and live outcomes.
//!
//! Positions are byte offsets into the file's text and results carry byte [`Span`]s; the
//! language server converts them to and from the editor's UTF-16 positions. Nothing here knows
//! about LSP types, so every feature is tested as plain Rust and the server stays a thin shell.

mod complete;
pub mod edit;
mod facts_view;
mod hover;
pub mod index;
mod nav;
mod outcomes;
mod symbols;

pub use complete::{Completion, CompletionKind};
pub use nav::{RenameError, Target};
pub use outcomes::{Lens, LensOutcome};
pub use symbols::{DocSymbol, Fold, FoldKind, SemKind, SemToken, SymbolKind, WorkspaceSymbol};

use aimsc_db::Project;
use aimsc_diagnostics::Span;
use aimsc_eval::model::Model;
use index::FileIndex;
use std::sync::Arc;

/// Answers editor questions about one snapshot of a project.
pub struct Analysis<'a> {
    project: &'a Project,
    model: Arc<Model>,
}

/// Hover text (Markdown) and the span it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hover {
    /// Markdown.
    pub markdown: String,
    /// The name hovered.
    pub span: Span,
}

impl<'a> Analysis<'a> {
    /// Analysis of a snapshot.
    pub fn new(project: &'a Project) -> Self {
        Analysis {
            project,
            model: project.model(),
        }
    }

    fn text(&self, path: &str) -> Option<String> {
        self.project.source_text(path)
    }

    fn index(&self, path: &str) -> Option<FileIndex> {
        let file = self.project.parsed(path)?;
        Some(index::index_file(&self.model, &file))
    }

    fn all_indexes(&self) -> Vec<(Arc<str>, FileIndex)> {
        self.project
            .rule_paths()
            .into_iter()
            .filter_map(|p| self.index(&p).map(|i| (p, i)))
            .collect()
    }

    /// Whether `path` is one of the project's rule files.
    pub fn is_rule_file(&self, path: &str) -> bool {
        self.project.rule_paths().iter().any(|p| &**p == path)
    }

    /// The file formatted, or `None` when it has syntax errors or is already formatted.
    pub fn format(&self, path: &str) -> Option<String> {
        let text = self.text(path)?;
        let formatted = aimsc_syntax::format::format_source(&Arc::from(path), &text).ok()?;
        (formatted != text).then_some(formatted)
    }
}
