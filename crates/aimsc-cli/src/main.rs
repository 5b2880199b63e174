//! `aimsc`: check and evaluate AI management system rules against an organisation's facts.

mod project;
mod render;

use aimsc_diagnostics::{Diagnostic, did_you_mean};
use aimsc_eval::outcome::Outcome;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "aimsc",
    version,
    about = "Policy engine for AI management systems (ISO/IEC 42001)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse and type-check rule files (and facts, when given or configured).
    Check {
        /// Rule files or folders; default: `rules` from aims.toml.
        paths: Vec<PathBuf>,
        /// Facts file or folder to validate against the schema.
        #[arg(long)]
        facts: Option<PathBuf>,
        /// Date used for `today` and waiver expiry (YYYY-MM-DD); default: the current date.
        #[arg(long = "as-of", value_name = "DATE")]
        as_of: Option<String>,
    },
    /// Evaluate controls and rules against the facts.
    Eval {
        /// Rule file or folder (repeatable); default: `rules` from aims.toml.
        #[arg(long)]
        rules: Vec<PathBuf>,
        /// Facts file or folder; default: `facts` from aims.toml.
        #[arg(long)]
        facts: Option<PathBuf>,
        /// Date used for `today` and waiver expiry (YYYY-MM-DD); default: the current date.
        #[arg(long = "as-of", value_name = "DATE")]
        as_of: Option<String>,
        /// Only these controls or rules (repeatable).
        #[arg(long = "control", value_name = "ID")]
        controls: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Write the report to FILE instead of standard output.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
        /// Explain passing requirements too (text format).
        #[arg(short, long)]
        verbose: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
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
        Some(s) => aimsc_eval::dates::parse_date(s).ok_or_else(|| {
            vec![
                Diagnostic::error(
                    "aimsc::usage::as_of",
                    format!("`--as-of {s}` is not a date"),
                    None,
                )
                .with_help("write it as YYYY-MM-DD, e.g. --as-of 2026-01-31"),
            ]
        }),
    }
}

fn run(cli: Cli) -> Result<u8, Vec<Diagnostic>> {
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
            format,
            output,
            verbose,
        } => {
            let as_of = parse_as_of(as_of.as_deref())?;
            let output = output.map(|o| std::env::current_dir().map(|d| d.join(&o)).unwrap_or(o));
            let loaded = project::load(&rules, facts.as_deref(), true)?;
            let project = loaded.into_project(as_of);
            let diags = project.diagnostics();
            let mut results = project.results();
            if !controls.is_empty() {
                let model = project.model();
                let mut unknown = Vec::new();
                for c in &controls {
                    if !model.checks.contains_key(c.as_str()) {
                        let mut d = Diagnostic::error(
                            "aimsc::usage::unknown_control",
                            format!("`--control {c}`: no control or rule has this id"),
                            None,
                        );
                        if let Some(s) = did_you_mean(c, model.checks.keys().map(|k| &**k)) {
                            d = d.with_help(format!("did you mean `{s}`?"));
                        }
                        unknown.push(d);
                    }
                }
                if !unknown.is_empty() {
                    return Err(unknown);
                }
                results.retain(|r| controls.iter().any(|c| **c == *r.id));
            }
            let sources = render::Sources::new(&project);
            let text = match format {
                Format::Text => aimsc_report::render_text(&results, verbose),
                Format::Json => {
                    let (r, f) = project.inputs();
                    let inputs = aimsc_report::Inputs::new(&r, &f);
                    let locate = |loc: &aimsc_diagnostics::Location| sources.line_col(loc);
                    aimsc_report::json_report(&as_of.to_string(), inputs, &results, &diags, &locate)
                }
            };
            // Diagnostics go to stderr in every format, so stdout stays a clean report.
            render::print_diagnostics(&diags, &sources);
            match output {
                Some(path) => std::fs::write(&path, text).map_err(|e| {
                    vec![Diagnostic::error(
                        "aimsc::io::write",
                        format!("cannot write `{}`: {e}", path.display()),
                        None,
                    )]
                })?,
                None => {
                    let mut stdout = std::io::stdout().lock();
                    let _ = stdout.write_all(text.as_bytes());
                }
            }
            if diags.iter().any(Diagnostic::is_error) {
                return Ok(2);
            }
            Ok(
                if results
                    .iter()
                    .any(|r| matches!(r.outcome, Outcome::Fail | Outcome::Error))
                {
                    1
                } else {
                    0
                },
            )
        }
    }
}
