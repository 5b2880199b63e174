//! `aimsc`: check and evaluate AI management system rules against an organisation's facts.

mod cli;
mod commands;
mod git;
mod progress;
mod project;
mod render;
mod watch;
mod write;

use aimsc::diagnostics::Diagnostic;
use clap::Parser;
use cli::{Cli, Command, CrosswalkFormat, Inputs, SoaFormat};
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The stack every command runs on: checking and evaluating recurse over the rules' trees,
/// whose depth the parser and the checker bound; this leaves ample room within those bounds.
const STACK_BYTES: usize = 64 * 1024 * 1024;

fn main() -> ExitCode {
    // No transparent huge pages: mimalloc returns freed memory to the kernel and asks for it
    // again, and each fault of a huge page zeroes 2 MiB. On the shipped rulesets over 10,000
    // systems that zeroing was a third of the run (20 GB zeroed for a peak of 1.5 GB).
    #[cfg(target_os = "linux")]
    let _ = nix::sys::prctl::set_thp_disable(true);
    let cli = Cli::parse();
    let work = std::thread::Builder::new()
        .name("aimsc".into())
        .stack_size(STACK_BYTES)
        .spawn(move || run(cli));
    let outcome = match work {
        Ok(handle) => handle.join().unwrap_or(Ok(2)),
        Err(e) => Err(vec![Diagnostic::error(
            aimsc::diagnostics::codes::IO_THREAD,
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
                    aimsc::diagnostics::codes::USAGE_AS_OF,
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
        Command::Check(args) => commands::check::run(args),
        Command::Eval(args) => commands::eval::run(args),
        Command::Soa(args) => commands::soa::run(args),
        Command::Crosswalk(args) => commands::crosswalk::run(args),
        Command::Explain(args) => commands::explain::run(args),
        Command::Serve(args) => commands::serve::run(args),
        Command::Test(args) => commands::test::run(args),
        Command::Lsp(args) => commands::lsp::run(args),
        Command::Fmt(args) => commands::fmt::run(args),
        Command::Init(args) => commands::init::run(args),
        Command::Evidence(args) => commands::evidence::run(args),
        Command::History(args) => commands::history::run(args),
    }
}

/// Rules for commands that need no facts (see [`project::load_rules_or_shipped`]), checked;
/// `None` after printing their errors.
fn checked_rules(
    rules: &[PathBuf],
    as_of: jiff::civil::Date,
) -> Result<Option<aimsc::Engine>, Vec<Diagnostic>> {
    let loaded = project::load_rules_or_shipped(rules)?;
    let engine = loaded.into_engine(as_of);
    let errors = engine.rule_errors();
    if errors.is_empty() {
        return Ok(Some(engine));
    }
    render::print_diagnostics(
        &errors,
        &render::Sources::for_diagnostics(engine.project(), &errors),
    );
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
    let mut engine = loaded.into_engine(as_of);
    let evaluation = engine
        .evaluate(&aimsc::Options::new(as_of))
        .map_err(aimsc::Error::into_diagnostics)?;
    render::print_diagnostics(
        &evaluation.diagnostics,
        &render::Sources::for_diagnostics(engine.project(), &evaluation.diagnostics),
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
            aimsc::diagnostics::codes::USAGE_FORMAT_OUTPUT,
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
            aimsc::diagnostics::codes::IO_READ,
            format!("cannot read the baseline `{}`: {e}", write::shown(path)),
            None,
        )]
    })?;
    aimsc::Baseline::from_json(&text).map_err(|e| {
        vec![Diagnostic::error(
            aimsc::diagnostics::codes::USAGE_BASELINE,
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
    let (rules, facts) = project.input_texts();
    let mut out: Vec<PathBuf> = rules
        .iter()
        .chain(&facts)
        .map(|(p, _)| PathBuf::from(&**p))
        .filter(|p| !p.starts_with(aimsc::rulesets::PREFIX))
        .collect();
    out.extend(project::find_aims_toml());
    out
}

/// `-o` paths are relative to where the user ran aimsc, even after moving to aims.toml's folder.
fn absolute(output: Option<PathBuf>) -> Option<PathBuf> {
    output.map(|o| std::env::current_dir().map(|d| d.join(&o)).unwrap_or(o))
}

/// Writes what `fill` writes to `output`, through a temporary file renamed over it, or to
/// stdout; a closed stdout (`aimsc eval | head`) ends the output there.
fn emit_streamed(
    output: Option<&std::path::Path>,
    fill: &mut dyn FnMut(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<(), Vec<Diagnostic>> {
    match output {
        Some(path) => write::streamed_atomically(path, fill).map_err(|e| {
            vec![Diagnostic::error(
                aimsc::diagnostics::codes::IO_WRITE,
                format!("cannot write `{}`: {e}", write::shown(path)),
                None,
            )]
        }),
        None => {
            let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            let _ = fill(&mut stdout).and_then(|()| stdout.flush());
            Ok(())
        }
    }
}

/// [`emit_streamed`] for a text already whole.
fn emit(text: &str, output: Option<&std::path::Path>) -> Result<(), Vec<Diagnostic>> {
    emit_streamed(output, &mut |w| w.write_all(text.as_bytes()))
}
