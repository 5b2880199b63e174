//! Loads and validates the generated organisation of N systems (folder layout) in a fresh
//! process and prints the growth of its peak resident memory, beside the facts' size on disk.
//! A process of its own, because a peak cannot be reset reliably in one that already ran
//! other work. The `scale` benchmark runs it; by hand: `cargo run --release -p aimsc-bench
//! --bin facts-memory -- 100000`.

use aimsc_bench::{org_on_disk, project, read_facts, rss};
use aimsc_synth::Layout;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(n) = std::env::args()
        .nth(1)
        .and_then(|a| a.parse::<usize>().ok())
    else {
        eprintln!("usage: facts-memory N");
        return ExitCode::from(2);
    };
    let (path, disk) = match org_on_disk(n, Layout::Folder) {
        Ok(found) => found,
        Err(e) => {
            eprintln!("cannot write the n={n} organisation: {e}");
            return ExitCode::from(2);
        }
    };
    // The rulesets first, so that the growth measured is the facts'.
    let mut p = project(Vec::new());
    p.diagnostics();
    let before = rss::peak().unwrap_or(0);
    p.replace_facts(read_facts(&path));
    let errors = p.diagnostics().len();
    let grown = rss::peak().unwrap_or(0).saturating_sub(before);
    println!(
        "n={n}: facts {:.1} MB on disk, {errors} diagnostics; peak memory while loading and validating +{:.1} MB = {:.2}x",
        disk as f64 / 1e6,
        grown as f64 / 1e6,
        grown as f64 / disk.max(1) as f64
    );
    ExitCode::SUCCESS
}
