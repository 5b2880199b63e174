//! `aimsc eval`.

use crate::cli::EvalArgs;
use crate::*;
use std::io::IsTerminal as _;

pub(crate) fn run(args: EvalArgs) -> Result<u8, Vec<Diagnostic>> {
    let EvalArgs {
        rules,
        facts,
        as_of,
        controls,
        frameworks,
        formats,
        outputs,
        fail_on,
        baseline,
        verbose,
        watch,
    } = args;
    let as_of = parse_as_of(as_of.as_deref())?;
    let targets = report_targets(
        formats,
        outputs.into_iter().map(|o| absolute(Some(o))).collect(),
    )?;
    if fail_on.regression && baseline.is_none() {
        return Err(vec![
            Diagnostic::error(
                aimsc::diagnostics::codes::USAGE_BASELINE,
                "`--fail-on regression` needs a `--baseline` to compare with",
                None,
            )
            .with_help("e.g. `--baseline origin/main --fail-on fail,error,regression`"),
        ]);
    }
    // A baseline that exists on disk is a JSON report; anything else names a revision.
    let baseline_file = baseline
        .as_deref()
        .map(|b| absolute(Some(PathBuf::from(b))).unwrap_or_default())
        .filter(|p| p.exists());
    let baseline = match (&baseline_file, baseline.as_deref()) {
        (Some(path), _) => Some(read_baseline(path)?),
        (None, Some(rev)) => Some(commands::history::baseline_at(rev, as_of)?),
        (None, None) => None,
    };
    let baseline_path = baseline_file;
    let working = crate::progress::spinner("loading and evaluating");
    let loaded = project::load(&rules, facts.as_deref(), true)?;
    let mut engine = loaded.into_engine(as_of);
    let options = aimsc::Options {
        as_of,
        controls: controls.clone(),
        frameworks: frameworks.clone(),
    };
    let evaluation = engine
        .evaluate(&options)
        .map_err(aimsc::Error::into_diagnostics)?;
    working.finish_and_clear();
    let project = engine.project().clone();
    // Colour only for text on a terminal that has not asked for none.
    let colour = targets
        .iter()
        .any(|(f, o)| *f == aimsc::Format::Text && o.is_none())
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    let render_options = aimsc::RenderOptions {
        verbose,
        colour,
        baseline,
    };
    let outputs: Vec<&std::path::Path> = targets.iter().filter_map(|(_, o)| o.as_deref()).collect();
    let mut read = input_paths(&project);
    if let Some(b) = &baseline_path {
        read.push(b.clone());
    }
    write::guard(&outputs, &read)?;
    // Diagnostics go to stderr in every format, so stdout stays a clean report.
    render::print_diagnostics(
        &evaluation.diagnostics,
        &render::Sources::for_diagnostics(&project, &evaluation.diagnostics),
    );
    let plain = aimsc::RenderOptions {
        colour: false,
        ..render_options.clone()
    };
    for (format, output) in &targets {
        let options = if output.is_none() {
            &render_options
        } else {
            &plain
        };
        emit_streamed(output.as_deref(), &mut |out| {
            evaluation.write(*format, options, out)
        })?;
    }
    if watch {
        let names: Vec<String> = frameworks.iter().map(|f| framework_name(f)).collect();
        let select = |r: &aimsc::CheckResult| {
            (controls.is_empty() || controls.iter().any(|c| **c == *r.id))
                && (names.is_empty() || names.iter().any(|f| **f == *r.framework))
        };
        drop(engine);
        let reload =
            || project::load(&rules, facts.as_deref(), true).map(|l| l.into_project(as_of));
        return watch::run(project, &reload, &select);
    }
    let regressed: Vec<String> = match &render_options.baseline {
        Some(b) if fail_on.regression => evaluation
            .results
            .iter()
            .filter_map(|r| {
                let before = *b.outcomes.get(&*r.id)?;
                aimsc::history::is_regression(before, r.outcome)
                    .then(|| format!("{} ({} → {})", r.id, before.as_str(), r.outcome.as_str()))
            })
            .collect(),
        _ => Vec::new(),
    };
    if !regressed.is_empty() {
        eprintln!(
            "regressed since the baseline: {}",
            aimsc::diagnostics::printable(&regressed.join(", "))
        );
    }
    let code = if evaluation.has_errors() {
        2
    } else {
        u8::from(evaluation.fails(&fail_on) || !regressed.is_empty())
    };
    // The process ends here: freeing the database, the facts and the reports value by value
    // took a tenth of `aimsc eval` on a large organisation, for memory the exit returns anyway.
    std::mem::forget((engine, project, evaluation));
    Ok(code)
}
