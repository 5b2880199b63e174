//! The library's error: the diagnostics that stopped an operation.

use aimsc_diagnostics::Diagnostic;
use std::fmt;

/// Diagnostics that stopped an operation: rules that do not check, a facts path that cannot be
/// read, a selection of unknown controls. Each has a stable code, a location where there is
/// one, and help where help is possible.
#[derive(Debug, Clone)]
pub struct Error {
    diagnostics: Vec<Diagnostic>,
    /// 1-based (line, column) of each diagnostic's location, where known.
    placed: Vec<Option<(usize, usize)>>,
}

impl Error {
    pub(crate) fn new(diagnostics: Vec<Diagnostic>) -> Error {
        let placed = vec![None; diagnostics.len()];
        Error {
            diagnostics,
            placed,
        }
    }

    pub(crate) fn placed(
        diagnostics: Vec<Diagnostic>,
        placed: Vec<Option<(usize, usize)>>,
    ) -> Error {
        Error {
            diagnostics,
            placed,
        }
    }

    /// The diagnostics.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The diagnostics, with the line and column of each where known.
    pub fn located(&self) -> impl Iterator<Item = (&Diagnostic, Option<(usize, usize)>)> {
        self.diagnostics
            .iter()
            .zip(self.placed.iter().copied().chain(std::iter::repeat(None)))
    }

    /// Consumes the error, giving its diagnostics.
    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (d, lc)) in self.located().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}: {}", d.code, d.message)?;
            if let Some(l) = &d.location {
                match lc {
                    Some((line, col)) => write!(f, " (at {}:{line}:{col})", l.file)?,
                    None => write!(f, " (in {})", l.file)?,
                }
            }
        }
        Ok(())
    }
}

impl std::error::Error for Error {}
