//! `aimsc soa`.

use crate::cli::SoaArgs;
use crate::*;

pub(crate) fn run(args: SoaArgs) -> Result<u8, Vec<Diagnostic>> {
    let SoaArgs {
        inputs,
        framework,
        format,
        output,
    } = args;
    let output = absolute(output);
    let (engine, evaluation) = evaluated(&inputs)?;
    write::guard(output.as_deref().as_slice(), &input_paths(engine.project()))?;
    let soa = engine
        .soa(&framework, &evaluation)
        .map_err(aimsc::Error::into_diagnostics)?;
    let text = match format {
        SoaFormat::Markdown => aimsc::soa::markdown(&soa),
        SoaFormat::Csv => aimsc::soa::csv(&soa),
        SoaFormat::Json => aimsc::soa::json(&soa),
    };
    emit(&text, output.as_deref())?;
    Ok(if evaluation.has_errors() { 2 } else { 0 })
}
