//! `aimsc check`.

use crate::cli::CheckArgs;
use crate::*;

pub(crate) fn run(args: CheckArgs) -> Result<u8, Vec<Diagnostic>> {
    let CheckArgs {
        paths,
        facts,
        as_of,
    } = args;
    let as_of = parse_as_of(as_of.as_deref())?;
    let loaded = project::load(&paths, facts.as_deref(), false)?;
    let engine = loaded.into_engine(as_of);
    let diags = engine.check();
    let project = engine.project();
    render::print_diagnostics(&diags, &render::Sources::for_diagnostics(project, &diags));
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    let (rules, facts) = project.input_texts();
    eprintln!(
        "checked {} rule file(s) and {} facts file(s): {errors} error(s), {warnings} warning(s)",
        rules.len(),
        facts.len()
    );
    Ok(if errors > 0 { 2 } else { 0 })
}
