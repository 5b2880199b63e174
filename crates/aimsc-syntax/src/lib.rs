//! The aimsc language: a parser derived from `grammar/aimsc.pest` and a typed syntax tree
//! with spans.
//!
//! Parsing recovers at item level: each top-level item is parsed on its own, and after a
//! broken item the parser resumes at the next line that starts with an item keyword, so a
//! file with three broken items yields three errors and every intact item.

pub mod ast;
pub mod format;
mod parser;

pub use parser::{MAX_NESTING, parse};
