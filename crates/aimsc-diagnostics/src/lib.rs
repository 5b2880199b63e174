#![deny(clippy::indexing_slicing)]
//! Spans, line indexes and diagnostics as plain data.
//!
//! Every stage of aimsc reports problems as [`Diagnostic`] values that point into a
//! file by path and byte span. Rendering (miette, LSP, SARIF) happens in the shells,
//! so this crate depends on nothing but serde.

pub mod codes;
mod line_index;

pub use codes::Code;
pub use line_index::LineIndex;

use serde::Serialize;
use std::sync::Arc;

/// A half-open byte range `start..end` inside one source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct Span {
    /// First byte of the range.
    pub start: u32,
    /// One past the last byte of the range.
    pub end: u32,
}

impl Span {
    /// A span from byte offsets; offsets past `u32::MAX` saturate.
    pub fn new(start: usize, end: usize) -> Self {
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Span {
            start: clamp(start),
            end: clamp(end.max(start)),
        }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// Start offset as `usize`.
    pub fn start(self) -> usize {
        self.start as usize
    }

    /// End offset as `usize`.
    pub fn end(self) -> usize {
        self.end as usize
    }

    /// Length in bytes.
    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    /// Whether the span covers no bytes.
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

/// A span inside a named file: the unit every diagnostic and explanation points at.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Location {
    /// The file's path as the user named it (relative paths stay relative).
    pub file: Arc<str>,
    /// Byte span inside that file.
    pub span: Span,
}

impl Location {
    /// A location from a file path and a span.
    pub fn new(file: &Arc<str>, span: Span) -> Self {
        Location {
            file: file.clone(),
            span,
        }
    }
}

/// How serious a diagnostic is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Makes the run invalid (exit code 2).
    Error,
    /// Worth attention; does not change the exit code.
    Warning,
}

/// A secondary location with its own message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Related {
    /// Where.
    pub location: Location,
    /// What is there.
    pub message: String,
}

/// One problem found in a rule file, a facts file or the command line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Diagnostic {
    /// Stable code, e.g. `aimsc::parse::syntax`.
    pub code: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// One-line statement of the problem.
    pub message: String,
    /// Primary location; `None` only for problems with no file (e.g. a missing path).
    pub location: Option<Location>,
    /// Text of the primary label.
    pub label: String,
    /// How to fix it, when we can tell.
    pub help: Option<String>,
    /// Other places involved.
    pub related: Vec<Related>,
}

impl Diagnostic {
    /// An error at a location.
    pub fn error(code: Code, message: impl Into<String>, location: Option<Location>) -> Self {
        Diagnostic {
            code: code.id,
            severity: Severity::Error,
            message: message.into(),
            location,
            label: String::new(),
            help: None,
            related: Vec::new(),
        }
    }

    /// A warning at a location.
    pub fn warning(code: Code, message: impl Into<String>, location: Option<Location>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message, location)
        }
    }

    /// "SUBJECT is VERB twice" (declared, set, excluded …): the second place, with the first
    /// as a related location when it is known. One constructor for every kind of duplicate.
    pub fn twice(
        code: Code,
        subject: &str,
        verb: &str,
        second: Location,
        first: Option<Location>,
    ) -> Self {
        let d = Diagnostic::error(code, format!("{subject} is {verb} twice"), Some(second))
            .with_label(format!("{verb} again here"));
        match first {
            Some(first) => d.with_related(first, format!("first {verb} here")),
            None => d,
        }
    }

    /// Sets the label shown under the primary span.
    #[must_use]
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Sets the help text.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a related location.
    #[must_use]
    pub fn with_related(mut self, location: Location, message: impl Into<String>) -> Self {
        self.related.push(Related {
            location,
            message: message.into(),
        });
        self
    }

    /// Whether this is an error (as opposed to a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl std::fmt::Display for Diagnostic {
    /// A plain form for logs and other tools' messages: `error[CODE]: message`, then where
    /// (as a byte range: the text is not at hand here; [`Diagnostic::at`] takes the line and
    /// column), the related places and the help, a line each.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.at(None).fmt(f)
    }
}

/// A diagnostic shown with the line and column of its location (see [`Diagnostic::at`]).
pub struct Placed<'a> {
    diagnostic: &'a Diagnostic,
    line_col: Option<(usize, usize)>,
}

impl Diagnostic {
    /// Displays the diagnostic with its location as `file:line:column` (1-based, as an
    /// engine's `line_col` gives it) instead of a byte range.
    pub fn at(&self, line_col: Option<(usize, usize)>) -> Placed<'_> {
        Placed {
            diagnostic: self,
            line_col,
        }
    }
}

impl std::fmt::Display for Placed<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = self.diagnostic;
        let severity = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{severity}[{}]: {}", d.code, d.message)?;
        if let Some(l) = &d.location {
            match self.line_col {
                Some((line, col)) => write!(f, "\n  --> {}:{line}:{col}", l.file)?,
                None => write!(
                    f,
                    "\n  --> {} (bytes {}..{})",
                    l.file,
                    l.span.start(),
                    l.span.end()
                )?,
            }
            if !d.label.is_empty() {
                write!(f, ": {}", d.label)?;
            }
        }
        for r in &d.related {
            write!(
                f,
                "\n  = note: {} ({} bytes {}..{})",
                r.message,
                r.location.file,
                r.location.span.start(),
                r.location.span.end()
            )?;
        }
        if let Some(h) = &d.help {
            write!(f, "\n  = help: {h}")?;
        }
        Ok(())
    }
}

/// Sorts diagnostics by file, position and code so output is deterministic.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        let ka = a.location.as_ref().map(|l| (l.file.clone(), l.span));
        let kb = b.location.as_ref().map(|l| (l.file.clone(), l.span));
        ka.cmp(&kb)
            .then_with(|| a.code.cmp(b.code))
            .then_with(|| a.message.cmp(&b.message))
    });
}

/// Returns the candidate closest to `name`, if any is close enough to suggest.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for cand in candidates {
        let d = strsim::levenshtein(&name.to_lowercase(), &cand.to_lowercase());
        let limit = (name.chars().count().max(3)) / 3 + 1;
        if d <= limit && best.is_none_or(|(bd, bc)| d < bd || (d == bd && cand < bc)) {
            best = Some((d, cand));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_diagnostic_displays_its_code_place_and_help() {
        let file: std::sync::Arc<str> = "facts/aims.yaml".into();
        let d = super::Diagnostic::error(
            crate::codes::FACTS_BLANK,
            "`ai_systems[0].risk` should be text",
            Some(super::Location::new(&file, super::Span::new(10, 14))),
        )
        .with_label("a number")
        .with_help("quote it");
        assert_eq!(
            d.to_string(),
            "error[aimsc::facts::blank]: `ai_systems[0].risk` should be text\n  --> facts/aims.yaml (bytes 10..14): a number\n  = help: quote it"
        );
        assert_eq!(
            d.at(Some((3, 7))).to_string(),
            "error[aimsc::facts::blank]: `ai_systems[0].risk` should be text\n  --> facts/aims.yaml:3:7: a number\n  = help: quote it"
        );
    }

    use super::*;

    #[test]
    fn suggests_near_misses_only() {
        let names = ["ai_systems", "people", "datasets"];
        assert_eq!(did_you_mean("ai_sytems", names), Some("ai_systems"));
        assert_eq!(did_you_mean("peple", names), Some("people"));
        assert_eq!(did_you_mean("suppliers", names), None);
    }
}

/// Whether a character must not reach a terminal or a rendered document as it is: control
/// characters (tab aside), bidirectional controls and invisible format characters. A fact
/// value or a file name holding one could move the cursor, clear the screen, forge a report
/// line or make text read other than it is.
pub fn is_unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(
            c,
            '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
                | '\u{061C}'
                | '\u{FEFF}'
        )
}

/// Text as a terminal or a Markdown reader may safely show it: every character of
/// [`is_unsafe_char`] written as `\u{…}` (a newline as `\n`), the rest unchanged.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(is_unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if is_unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod printable_tests {
    use super::printable;

    #[test]
    fn escapes_what_a_terminal_would_act_on() {
        assert_eq!(printable("plain text"), "plain text");
        assert_eq!(printable("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(printable("x\ny\0"), "x\\ny\\u{0}");
        assert_eq!(printable("\u{202E}evil"), "\\u{202e}evil");
        assert_eq!(printable("tab\tkept"), "tab\tkept");
    }
}
