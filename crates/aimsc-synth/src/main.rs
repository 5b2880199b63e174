//! `aimsc-synth`: writes a synthetic organisation to a folder.

use aimsc_synth::{Config, Layout, Org};
use clap::{Parser, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, ValueEnum)]
enum LayoutArg {
    /// Everything in `facts.yaml`.
    File,
    /// `facts/aims.yaml` and one file per record under `facts/<collection>/`.
    Folder,
}

/// Writes a seeded, deterministic synthetic organisation (facts in the shipped schema and an
/// `aims.toml`) for benchmarks and scale tests. Evaluate it with `--as-of 2026-09-01`.
#[derive(Parser)]
#[command(name = "aimsc-synth", version)]
struct Args {
    /// Number of AI systems (datasets, suppliers, incidents, risks and people in proportion).
    #[arg(long, default_value_t = 1000)]
    systems: usize,
    /// Seed; the same seed and size give byte-identical files.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// How the facts are laid out.
    #[arg(long, value_enum, default_value = "folder")]
    layout: LayoutArg,
    /// Folder to write (created if missing).
    out: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let org = Org::generate(&Config {
        systems: args.systems,
        seed: args.seed,
    });
    let layout = match args.layout {
        LayoutArg::File => Layout::OneFile,
        LayoutArg::Folder => Layout::Folder,
    };
    match org.write(&args.out, layout) {
        Ok(toml) => {
            println!("wrote {}", toml.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", args.out.display());
            ExitCode::from(2)
        }
    }
}
