#![deny(clippy::indexing_slicing)]
//! The aimsc language: a parser derived from `grammar/aimsc.pest` and a typed syntax tree
//! with spans.
//!
//! Parsing recovers at item level: each top-level item is parsed on its own, and after a
//! broken item the parser resumes at the next line that starts with an item keyword, so a
//! file with three broken items yields three errors and every intact item.

pub mod ast;
pub mod format;
mod parser;
mod shift;

pub use parser::{MAX_NESTING, MAX_RULE_FILE_BYTES, parse, parse_expr, remember_items};

/// Words that cannot name anything (they are operators or literals in expressions).
pub const RESERVED: &[&str] = &[
    "and", "or", "not", "in", "is", "all", "any", "none", "count", "let", "where", "true", "false",
    "today",
];

/// Words that start a top-level item.
pub const ITEM_KEYWORDS: &[&str] = &[
    "framework",
    "enum",
    "record",
    "facts",
    "def",
    "control",
    "rule",
    "map",
    "exclude",
    "waive",
    "entry",
    "param",
    "set",
    "assign",
];
