//! Diagnostics rendered with miette: colour and Unicode only on a terminal.

use aimsc::diagnostics::{Diagnostic, LineIndex, Location, Severity};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceSpan};
use std::collections::HashMap;
use std::fmt;
use std::io::IsTerminal as _;
use std::sync::Arc;

/// The text and line index of every input, built once per run: diagnostics and reports
/// look files up by path many times, and a facts file may be tens of megabytes.
#[derive(Default)]
pub struct Sources {
    files: HashMap<Arc<str>, (Arc<str>, LineIndex)>,
}

impl Sources {
    /// Indexes every rule and facts file of a project.
    pub fn new(project: &aimsc::db::Project) -> Sources {
        let (rules, facts) = project.input_texts();
        let files = rules
            .into_iter()
            .chain(facts)
            .map(|(path, text)| {
                let lines = LineIndex::new(text);
                (path, (Arc::from(text), lines))
            })
            .collect();
        Sources { files }
    }

    /// Indexes the files that `diags` point at, and only those: a run with few diagnostics
    /// does not copy and index tens of megabytes of facts to print them.
    pub fn for_diagnostics(project: &aimsc::db::Project, diags: &[Diagnostic]) -> Sources {
        let mut files = HashMap::new();
        let places = diags.iter().flat_map(|d| {
            d.location
                .iter()
                .chain(d.related.iter().map(|r| &r.location))
        });
        for loc in places {
            if files.contains_key(&loc.file) {
                continue;
            }
            if let Some(text) = project.text_of(&loc.file) {
                files.insert(loc.file.clone(), (Arc::from(text), LineIndex::new(text)));
            }
        }
        Sources { files }
    }

    /// Indexes the given files.
    pub fn from_texts(texts: impl IntoIterator<Item = (Arc<str>, String)>) -> Sources {
        let files = texts
            .into_iter()
            .map(|(path, text)| {
                let lines = LineIndex::new(&text);
                (path, (Arc::from(text), lines))
            })
            .collect();
        Sources { files }
    }

    /// 1-based line and column of a location.
    pub fn line_col(&self, loc: &Location) -> Option<(usize, usize)> {
        let (text, lines) = self.files.get(&loc.file)?;
        Some(lines.line_col(text, loc.span.start()))
    }
}

/// Lines of context around a diagnostic's place, and the longest stretch of one line shown.
const CONTEXT_LINES: usize = 2;
const MAX_LINES: usize = 12;
const MAX_COLUMNS: usize = 200;

/// The few lines around a diagnostic, each cut to [`MAX_COLUMNS`] characters around the place
/// and with control characters replaced, standing in for the file: an input can be a 250 MB
/// line, or hold escape sequences a terminal would obey. Line numbers and the column in the
/// header stay those of the file.
struct Excerpt {
    name: String,
    text: String,
    /// 0-based line of the file where the excerpt starts.
    first_line: usize,
    /// Excerpt offset of the primary place, and its 0-based column in the file.
    primary: (usize, usize),
    /// (file offset, excerpt offset) of every character kept, in order.
    map: Vec<(usize, usize)>,
}

impl Excerpt {
    fn new(
        name: &str,
        text: &str,
        lines: &LineIndex,
        primary: aimsc::diagnostics::Span,
    ) -> Excerpt {
        let line_of = |off: usize| lines.line_col(text, off).0 - 1;
        let (pl, pc) = {
            let (l, c) = lines.line_col(text, primary.start());
            (l - 1, c - 1)
        };
        let first = pl.saturating_sub(CONTEXT_LINES);
        let last = (line_of(primary.end()) + CONTEXT_LINES).min(first + MAX_LINES);
        let mut out = String::new();
        let mut map = Vec::new();
        for l in first..=last {
            let Some(start) = lines.line_start(l).filter(|s| *s < text.len()) else {
                break;
            };
            let end = lines
                .line_start(l + 1)
                .unwrap_or(text.len())
                .min(text.len());
            let line = text
                .get(start..end)
                .unwrap_or("")
                .trim_end_matches(['\n', '\r']);
            let long = line.chars().nth(MAX_COLUMNS).is_some();
            // A long line is shown from a few characters before the place, found by walking
            // back from the place: counting from the line's start cost the length of the line
            // for every diagnostic, minutes for thousands of them on one 27 MB line.
            let from = if l == pl && long {
                let mut at = primary.start().saturating_sub(start).min(line.len());
                while !line.is_char_boundary(at) {
                    at -= 1;
                }
                line.get(..at)
                    .and_then(|before| before.char_indices().rev().nth(MAX_COLUMNS / 4 - 1))
                    .map_or(0, |(i, _)| i)
            } else {
                0
            };
            if from > 0 {
                out.push('…');
            }
            let shown = line.get(from..).unwrap_or("");
            for (kept, (i, c)) in shown.char_indices().enumerate() {
                if kept == MAX_COLUMNS {
                    out.push('…');
                    break;
                }
                let i = from + i;
                map.push((start + i, out.len()));
                out.push(if aimsc::diagnostics::is_unsafe_char(c) {
                    '\u{fffd}'
                } else {
                    c
                });
            }
            map.push((start + line.len(), out.len()));
            out.push('\n');
        }
        let mut e = Excerpt {
            name: name.to_string(),
            text: out,
            first_line: first,
            primary: (0, pc),
            map,
        };
        e.primary.0 = e.offset(primary.start()).unwrap_or(0);
        e
    }

    /// The excerpt offset of a file offset: that of the nearest character kept before it, or
    /// `None` outside the excerpt's lines.
    fn offset(&self, file: usize) -> Option<usize> {
        let first = self.map.first()?;
        let last = self.map.last()?;
        if file < first.0 || file > last.0 {
            return None;
        }
        let i = self
            .map
            .partition_point(|(f, _)| *f <= file)
            .saturating_sub(1);
        self.map.get(i).map(|(_, e)| *e)
    }

    fn span(&self, s: aimsc::diagnostics::Span) -> Option<SourceSpan> {
        let start = self.offset(s.start())?;
        let end = self
            .offset(s.end())
            .unwrap_or_else(|| self.text.len().saturating_sub(1))
            .max(start);
        Some(SourceSpan::new(start.into(), end - start))
    }
}

impl miette::SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let inner = self.text.as_str().read_span(span, before, after)?;
        let column = if span.offset() == self.primary.0 && before == 0 {
            self.primary.1
        } else {
            inner.column()
        };
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line,
            column,
            inner.line_count(),
        )))
    }
}

/// A diagnostic bound to an excerpt of its source text, as miette wants it.
struct Rendered<'a> {
    diag: &'a Diagnostic,
    source: Option<Excerpt>,
    help: Option<String>,
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl std::error::Error for Rendered<'_> {}

impl miette::Diagnostic for Rendered<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diag.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let loc = self.diag.location.as_ref()?;
        let source = self.source.as_ref()?;
        let label = if self.diag.label.is_empty() {
            None
        } else {
            Some(self.diag.label.clone())
        };
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            label,
            source.span(loc.span)?,
        )];
        for r in &self.diag.related {
            if r.location.file == loc.file
                && let Some(s) = source.span(r.location.span)
            {
                labels.push(LabeledSpan::new_with_span(Some(r.message.clone()), s));
            }
        }
        Some(Box::new(labels.into_iter()))
    }
}

/// Prints diagnostics to stderr, with source snippets from `sources`.
pub fn print_diagnostics(diags: &[Diagnostic], sources: &Sources) {
    let tty = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let theme = if tty {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    for d in diags {
        let src = d.location.as_ref().and_then(|l| {
            let (text, lines) = sources.files.get(&l.file)?;
            Some(Excerpt::new(&l.file, text, lines, l.span))
        });
        // Related places in other files, or outside the excerpt, have no label to hang on;
        // name them in the help.
        let mut help = d.help.clone();
        if let Some(loc) = &d.location {
            let shown = |r: &&aimsc::diagnostics::Related| {
                r.location.file == loc.file
                    && src
                        .as_ref()
                        .is_some_and(|s| s.offset(r.location.span.start()).is_some())
            };
            for r in d.related.iter().filter(|r| !shown(r)) {
                let (line, col) = sources.line_col(&r.location).unwrap_or((1, 1));
                let note = format!("{}: {}:{line}:{col}", r.message, r.location.file);
                help = Some(match help {
                    Some(h) => format!("{h}\n{note}"),
                    None => note,
                });
            }
        }
        let rendered = Rendered {
            diag: d,
            source: src,
            help,
        };
        let mut out = String::new();
        if handler.render_report(&mut out, &rendered).is_err() {
            out = format!("{}: {}\n", d.code, d.message);
        }
        eprint!("{out}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aimsc::diagnostics::Span;

    /// On a long line the excerpt starts a quarter of [`MAX_COLUMNS`] characters before the
    /// place, counted in characters whatever their width, and maps the place back to it.
    #[test]
    fn a_long_line_is_shown_from_shortly_before_the_place() {
        for before in ["é", "a", "𝄞"] {
            let mut text = before.repeat(5_000);
            let at = text.len();
            text.push_str("MARK");
            text.push_str(&"b".repeat(5_000));
            text.push('\n');
            let lines = LineIndex::new(&text);
            let e = Excerpt::new("f.json", &text, &lines, Span::new(at, at + 4));
            let expected = format!(
                "…{}MARK{}…\n",
                before.repeat(MAX_COLUMNS / 4),
                "b".repeat(MAX_COLUMNS - MAX_COLUMNS / 4 - 4)
            );
            assert_eq!(e.text, expected, "{before}");
            assert_eq!(
                e.text.get(e.primary.0..e.primary.0 + 4),
                Some("MARK"),
                "{before}"
            );
            assert_eq!(e.primary.1, 5_000, "{before}: the column is the file's");
        }
    }

    /// A place near the start of a long line shows the line from its start, with no ellipsis.
    #[test]
    fn a_place_near_the_start_shows_the_line_from_its_start() {
        let text = format!("ab{}\n", "c".repeat(1_000));
        let lines = LineIndex::new(&text);
        let e = Excerpt::new("f.json", &text, &lines, Span::new(1, 2));
        assert!(e.text.starts_with("abc"), "{}", &e.text[..10]);
        assert_eq!(e.primary.0, 1);
    }
}
