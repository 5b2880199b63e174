//! Diagnostics rendered with miette: colour and Unicode only on a terminal.

use aimsc_diagnostics::{Diagnostic, LineIndex, Location, Severity};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
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
    pub fn new(project: &aimsc_db::Project) -> Sources {
        let (rules, facts) = project.inputs();
        let files = rules
            .into_iter()
            .chain(facts)
            .map(|(path, text)| {
                let lines = LineIndex::new(&text);
                (path, (Arc::from(text), lines))
            })
            .collect();
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

    fn text(&self, path: &str) -> Option<Arc<str>> {
        self.files.get(path).map(|(t, _)| t.clone())
    }

    /// 1-based line and column of a location.
    pub fn line_col(&self, loc: &Location) -> Option<(usize, usize)> {
        let (text, lines) = self.files.get(&loc.file)?;
        Some(lines.line_col(text, loc.span.start()))
    }
}

/// A diagnostic bound to its source text, as miette wants it.
struct Rendered<'a> {
    diag: &'a Diagnostic,
    source: Option<NamedSource<Arc<str>>>,
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

fn span(s: aimsc_diagnostics::Span) -> SourceSpan {
    SourceSpan::new(s.start().into(), s.len())
}

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
        self.source.as_ref()?;
        let label = if self.diag.label.is_empty() {
            None
        } else {
            Some(self.diag.label.clone())
        };
        let mut labels = vec![LabeledSpan::new_primary_with_span(label, span(loc.span))];
        for r in &self.diag.related {
            if r.location.file == loc.file {
                labels.push(LabeledSpan::new_with_span(
                    Some(r.message.clone()),
                    span(r.location.span),
                ));
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
        let src = d
            .location
            .as_ref()
            .and_then(|l| sources.text(&l.file).map(|t| NamedSource::new(&l.file, t)));
        // Related places in other files have no label to hang on; name them in the help.
        let mut help = d.help.clone();
        if let Some(loc) = &d.location {
            for r in d.related.iter().filter(|r| r.location.file != loc.file) {
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
