//! `aimsc explain`.

use crate::cli::ExplainArgs;
use crate::*;

pub(crate) fn run(args: ExplainArgs) -> Result<u8, Vec<Diagnostic>> {
    let ExplainArgs {
        id,
        schema,
        params,
        rulesets,
        ruleset,
        code,
        codes,
        rules,
    } = args;
    if rulesets {
        emit(&aimsc::explain::rulesets(), None)?;
        return Ok(0);
    }
    if let Some(name) = ruleset {
        emit(aimsc::explain::ruleset(&name)?, None)?;
        return Ok(0);
    }
    if codes {
        emit(&aimsc::diagnostics::codes::list(), None)?;
        return Ok(0);
    }
    // An id that is a code is explained as one: `aimsc explain aimsc::facts::blank`.
    let code = code.or_else(|| {
        id.as_deref()
            .filter(|i| aimsc::diagnostics::codes::find(i).is_some())
            .map(str::to_string)
    });
    if let Some(code) = code {
        emit(&aimsc::explain::code(&code)?, None)?;
        return Ok(0);
    }
    let loaded = project::load_rules_or_shipped(&rules)?;
    let project = loaded.into_project(parse_as_of(None)?);
    // Problems are reported, but whatever checked is still explained.
    let sources = render::Sources::new(&project);
    render::print_diagnostics(&project.diagnostics(), &sources);
    let model = project.model();
    let text = if schema {
        aimsc::explain::schema(&model)
    } else if params {
        aimsc::explain::params(&model, &|l| sources.line_col(l))
    } else if let Some(id) = id {
        aimsc::explain::item(&model, &id)?
    } else {
        return Err(vec![Diagnostic::error(
                aimsc::diagnostics::codes::USAGE_EXPLAIN,
                "nothing to explain",
                None,
            )
            .with_help("give an id (`aimsc explain iso42001::A.5.2`), or --schema, --params, --rulesets, --code CODE, --codes")]);
    };
    emit(&text, None)?;
    Ok(0)
}
