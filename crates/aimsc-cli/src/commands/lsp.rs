//! `aimsc lsp`.

use crate::cli::LspArgs;
use crate::*;

pub(crate) fn run(args: LspArgs) -> Result<u8, Vec<Diagnostic>> {
    let LspArgs { .. } = args;
    Ok(aimsc_lsp::run_stdio())
}
