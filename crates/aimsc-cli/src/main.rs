//! `aimsc`: check and evaluate AI management system rules against an organisation's facts.

mod cli;
mod fmt;
mod init;
mod project;
mod render;
mod test_cmd;
mod watch;
mod write;

use aimsc_diagnostics::Diagnostic;
use clap::Parser;
use cli::{Cli, Command, CrosswalkFormat, Inputs, SoaFormat};
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// The stack every command runs on: checking and evaluating recurse over the rules' trees,
/// whose depth the parser and the checker bound; this leaves ample room within those bounds.
const STACK_BYTES: usize = 64 * 1024 * 1024;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let work = std::thread::Builder::new()
        .name("aimsc".into())
        .stack_size(STACK_BYTES)
        .spawn(move || run(cli));
    let outcome = match work {
        Ok(handle) => handle.join().unwrap_or(Ok(2)),
        Err(e) => Err(vec![Diagnostic::error(
            aimsc_diagnostics::codes::IO_THREAD,
            format!("cannot start the worker thread: {e}"),
            None,
        )]),
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(diags) => {
            render::print_diagnostics(&diags, &render::Sources::default());
            ExitCode::from(2)
        }
    }
}

fn parse_as_of(s: Option<&str>) -> Result<jiff::civil::Date, Vec<Diagnostic>> {
    match s {
        None => Ok(jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()),
        Some(s) => aimsc::parse_date(s).ok_or_else(|| {
            vec![
                Diagnostic::error(
                    aimsc_diagnostics::codes::USAGE_AS_OF,
                    format!("`--as-of {s}` is not a date"),
                    None,
                )
                .with_help("write it as YYYY-MM-DD, e.g. --as-of 2026-01-31"),
            ]
        }),
    }
}

fn run(cli: Cli) -> Result<u8, Vec<Diagnostic>> {
    project::set_limit_settings(cli.limits)?;
    project::set_strict(cli.strict);
    match cli.command {
        Command::Check {
            paths,
            facts,
            as_of,
        } => {
            let as_of = parse_as_of(as_of.as_deref())?;
            let loaded = project::load(&paths, facts.as_deref(), false)?;
            let project = loaded.into_project(as_of);
            let diags = project.diagnostics();
            render::print_diagnostics(&diags, &render::Sources::new(&project));
            let errors = diags.iter().filter(|d| d.is_error()).count();
            let warnings = diags.len() - errors;
            let (rules, facts) = project.inputs();
            eprintln!(
                "checked {} rule file(s) and {} facts file(s): {errors} error(s), {warnings} warning(s)",
                rules.len(),
                facts.len()
            );
            Ok(if errors > 0 { 2 } else { 0 })
        }
        Command::Eval {
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
        } => {
            let as_of = parse_as_of(as_of.as_deref())?;
            let targets = report_targets(
                formats,
                outputs.into_iter().map(|o| absolute(Some(o))).collect(),
            )?;
            let baseline_path = baseline.map(|p| absolute(Some(p)).unwrap_or_default());
            let baseline = match &baseline_path {
                Some(path) => Some(read_baseline(path)?),
                None => None,
            };
            let loaded = project::load(&rules, facts.as_deref(), true)?;
            let mut engine = aimsc::Engine::from_project(loaded.into_project(as_of));
            let options = aimsc::Options {
                as_of,
                controls: controls.clone(),
                frameworks: frameworks.clone(),
            };
            let evaluation = engine
                .evaluate(&options)
                .map_err(aimsc::Error::into_diagnostics)?;
            let project = engine.project().clone();
            let sources = render::Sources::new(&project);
            let render_options = aimsc::RenderOptions { verbose, baseline };
            let mut texts = Vec::new();
            for (format, output) in &targets {
                texts.push((evaluation.render(*format, &render_options), output.clone()));
            }
            let outputs: Vec<&std::path::Path> =
                texts.iter().filter_map(|(_, o)| o.as_deref()).collect();
            let mut read = input_paths(&project);
            if let Some(b) = &baseline_path {
                read.push(b.clone());
            }
            write::guard(&outputs, &read)?;
            // Diagnostics go to stderr in every format, so stdout stays a clean report.
            render::print_diagnostics(&evaluation.diagnostics, &sources);
            for (text, output) in &texts {
                emit(text, output.as_deref())?;
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
            if evaluation.has_errors() {
                return Ok(2);
            }
            Ok(u8::from(evaluation.fails(&fail_on)))
        }
        Command::Soa {
            inputs,
            framework,
            format,
            output,
        } => {
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
        Command::Crosswalk {
            inputs,
            to,
            format,
            output,
        } => {
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
        Command::Explain {
            id,
            schema,
            params,
            rulesets,
            code,
            codes,
            rules,
        } => {
            if rulesets {
                emit(&aimsc::explain::rulesets(), None)?;
                return Ok(0);
            }
            if codes {
                emit(&aimsc_diagnostics::codes::list(), None)?;
                return Ok(0);
            }
            // An id that is a code is explained as one: `aimsc explain aimsc::facts::blank`.
            let code = code.or_else(|| {
                id.as_deref()
                    .filter(|i| aimsc_diagnostics::codes::find(i).is_some())
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
                    aimsc_diagnostics::codes::USAGE_EXPLAIN,
                    "nothing to explain",
                    None,
                )
                .with_help("give an id (`aimsc explain iso42001::A.5.2`), or --schema, --params, --rulesets, --code CODE, --codes")]);
            };
            emit(&text, None)?;
            Ok(0)
        }
        Command::Serve {
            rules,
            bind,
            max_body,
            timeout,
            timeout_ms,
            workers,
            max_connections,
            header_timeout,
            header_timeout_ms,
        } => {
            let Some(engine) = checked_rules(&rules, parse_as_of(None)?)? else {
                return Ok(2);
            };
            if !bind.ip().is_loopback() {
                eprintln!(
                    "aimsc serve: warning: listening on {bind}, which other machines can reach; aimsc serve has no authentication, so put it behind a proxy that authenticates its callers"
                );
            }
            let mut config = aimsc_server::Config {
                addr: bind,
                max_body_bytes: max_body,
                timeout: timeout_ms.map_or(
                    std::time::Duration::from_secs(timeout.max(1)),
                    std::time::Duration::from_millis,
                ),
                limits: engine.project().limits(),
                header_timeout: header_timeout_ms.map_or(
                    std::time::Duration::from_secs(header_timeout.max(1)),
                    std::time::Duration::from_millis,
                ),
                max_connections: max_connections.max(1),
                ..aimsc_server::Config::default()
            };
            if let Some(w) = workers {
                config.workers = w.max(1);
            }
            aimsc_server::run(&engine, config).map_err(|e| {
                vec![
                    Diagnostic::error(
                        aimsc_diagnostics::codes::SERVE_BIND,
                        format!("cannot serve on {bind}: {e}"),
                        None,
                    )
                    .with_help("choose a free port with --bind 127.0.0.1:PORT"),
                ]
            })?;
            Ok(0)
        }
        Command::Test {
            paths,
            rules,
            filter,
            coverage_shipped,
        } => {
            // Test paths are relative to where aimsc runs, even after moving to aims.toml's folder.
            let here = std::env::current_dir().unwrap_or_default();
            let paths: Vec<PathBuf> = if paths.is_empty() {
                project::configured_rule_dirs().unwrap_or_else(|| vec![PathBuf::from(".")])
            } else {
                paths
            };
            let paths: Vec<PathBuf> = paths.iter().map(|p| here.join(p)).collect();
            // Each test case gives its own date; this one is never used.
            let Some(mut engine) = checked_rules(&rules, parse_as_of(Some("2000-01-01"))?)? else {
                return Ok(2);
            };
            test_cmd::run(
                &mut engine,
                &paths,
                &here,
                filter.as_deref(),
                coverage_shipped,
            )
        }
        Command::Lsp { .. } => Ok(aimsc_lsp::run_stdio()),
        Command::Fmt { paths, check } => fmt::run(&paths, check),
        Command::Init { dir } => init::run(dir.as_deref()),
    }
}

/// Rules for commands that need no facts (see [`project::load_rules_or_shipped`]), checked;
/// `None` after printing their errors.
fn checked_rules(
    rules: &[PathBuf],
    as_of: jiff::civil::Date,
) -> Result<Option<aimsc::Engine>, Vec<Diagnostic>> {
    let loaded = project::load_rules_or_shipped(rules)?;
    let engine = aimsc::Engine::from_project(loaded.into_project(as_of));
    let errors: Vec<Diagnostic> = engine
        .rule_diagnostics()
        .into_iter()
        .filter(Diagnostic::is_error)
        .collect();
    if errors.is_empty() {
        return Ok(Some(engine));
    }
    render::print_diagnostics(&errors, &render::Sources::new(engine.project()));
    Ok(None)
}

/// `eu-ai-act` → `eu_ai_act`: framework names on the command line may use dashes.
fn framework_name(s: &str) -> String {
    s.replace('-', "_")
}

/// Loads and evaluates every control and rule through the library, for the reports built
/// from a whole evaluation (the SoA, the crosswalk); prints the evaluation's diagnostics.
fn evaluated(inputs: &Inputs) -> Result<(aimsc::Engine, aimsc::Evaluation), Vec<Diagnostic>> {
    let as_of = parse_as_of(inputs.as_of.as_deref())?;
    let loaded = project::load(&inputs.rules, inputs.facts.as_deref(), true)?;
    let mut engine = aimsc::Engine::from_project(loaded.into_project(as_of));
    let evaluation = engine
        .evaluate(&aimsc::Options::new(as_of))
        .map_err(aimsc::Error::into_diagnostics)?;
    render::print_diagnostics(
        &evaluation.diagnostics,
        &render::Sources::new(engine.project()),
    );
    Ok((engine, evaluation))
}

/// Pairs formats with outputs, in order. Without formats, text; one format may go to stdout.
fn report_targets(
    formats: Vec<aimsc::Format>,
    outputs: Vec<Option<PathBuf>>,
) -> Result<Vec<(aimsc::Format, Option<PathBuf>)>, Vec<Diagnostic>> {
    let mut formats = formats;
    if formats.is_empty() {
        formats.push(aimsc::Format::Text);
    }
    if outputs.len() > formats.len() || formats.len() > outputs.len() + 1 {
        return Err(vec![Diagnostic::error(
            aimsc_diagnostics::codes::USAGE_FORMAT_OUTPUT,
            format!(
                "{} `--format` and {} `-o` given: they go in pairs, in order",
                formats.len(),
                outputs.len()
            ),
            None,
        )
        .with_help("e.g. `--format sarif -o aimsc.sarif --format junit -o junit.xml --format markdown` (the last one to standard output)")]);
    }
    let mut targets: Vec<(aimsc::Format, Option<PathBuf>)> = formats
        .into_iter()
        .zip(outputs.into_iter().map(Some).chain(std::iter::once(None)))
        .map(|(f, o)| (f, o.flatten()))
        .collect();
    targets.dedup();
    Ok(targets)
}

fn read_baseline(path: &std::path::Path) -> Result<aimsc::Baseline, Vec<Diagnostic>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![Diagnostic::error(
            aimsc_diagnostics::codes::IO_READ,
            format!("cannot read the baseline `{}`: {e}", write::shown(path)),
            None,
        )]
    })?;
    aimsc::Baseline::from_json(&text).map_err(|e| {
        vec![Diagnostic::error(
            aimsc_diagnostics::codes::USAGE_BASELINE,
            format!(
                "`{}` is not an aimsc JSON report: {e}",
                write::shown(path)
            ),
            None,
        )
        .with_help("make the baseline with `aimsc eval --format json -o baseline.json` on the base branch")]
    })
}

/// The files a run read, as paths from the current folder: its rule and facts files, and the
/// nearest aims.toml. Shipped rulesets are not files.
fn input_paths(project: &aimsc::Project) -> Vec<PathBuf> {
    let (rules, facts) = project.inputs();
    let mut out: Vec<PathBuf> = rules
        .iter()
        .chain(&facts)
        .map(|(p, _)| PathBuf::from(&**p))
        .filter(|p| !p.starts_with(aimsc_rulesets::PREFIX))
        .collect();
    out.extend(project::find_aims_toml());
    out
}

/// `-o` paths are relative to where the user ran aimsc, even after moving to aims.toml's folder.
fn absolute(output: Option<PathBuf>) -> Option<PathBuf> {
    output.map(|o| std::env::current_dir().map(|d| d.join(&o)).unwrap_or(o))
}

fn emit(text: &str, output: Option<&std::path::Path>) -> Result<(), Vec<Diagnostic>> {
    match output {
        Some(path) => write::atomically(path, text).map_err(|e| {
            vec![Diagnostic::error(
                aimsc_diagnostics::codes::IO_WRITE,
                format!("cannot write `{}`: {e}", write::shown(path)),
                None,
            )]
        }),
        None => {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(text.as_bytes());
            Ok(())
        }
    }
}
