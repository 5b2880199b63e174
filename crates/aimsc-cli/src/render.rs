//! Diagnostics rendered with miette: colour and Unicode only on a terminal.

use aimsc_diagnostics::{Diagnostic, Severity};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use std::fmt;
use std::io::IsTerminal as _;

/// A diagnostic bound to its source text, as miette wants it.
struct Rendered<'a> {
    diag: &'a Diagnostic,
    source: Option<NamedSource<String>>,
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

/// Prints diagnostics to stderr. `source` returns the text of a file by path.
pub fn print_diagnostics(diags: &[Diagnostic], source: &dyn Fn(&str) -> Option<String>) {
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
            .and_then(|l| source(&l.file).map(|t| NamedSource::new(&l.file, t)));
        // Related places in other files have no label to hang on; name them in the help.
        let mut help = d.help.clone();
        if let Some(loc) = &d.location {
            for r in d.related.iter().filter(|r| r.location.file != loc.file) {
                let text = source(&r.location.file).unwrap_or_default();
                let (line, col) = aimsc_diagnostics::LineIndex::new(&text)
                    .line_col(&text, r.location.span.start());
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
