//! `aimsc crosswalk`.

use crate::cli::CrosswalkArgs;
use crate::*;

pub(crate) fn run(args: CrosswalkArgs) -> Result<u8, Vec<Diagnostic>> {
    let CrosswalkArgs {
        inputs,
        to,
        format,
        output,
    } = args;
    let output = absolute(output);
    let (engine, evaluation) = evaluated(&inputs)?;
    write::guard(output.as_deref().as_slice(), &input_paths(engine.project()))?;
    let report = engine
        .crosswalk(&to, Some(&evaluation))
        .map_err(aimsc::Error::into_diagnostics)?;
    let text = match format {
        CrosswalkFormat::Text => aimsc::crosswalk::text(&report),
        CrosswalkFormat::Markdown => aimsc::crosswalk::markdown(&report),
        CrosswalkFormat::Json => aimsc::crosswalk::json(&report),
    };
    emit(&text, output.as_deref())?;
    Ok(if evaluation.has_errors() { 2 } else { 0 })
}
