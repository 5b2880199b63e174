//! Scale: the shipped rulesets on synthetic organisations of 1,000 to 100,000 AI systems.
//!
//! - `load`: reading, parsing and validating the facts (folder of one file per record);
//! - `evaluate`: evaluating every control and rule on loaded facts, cold (no cache);
//! - `evaluate_in_database`: the same in the salsa database, cold;
//! - `reevaluate_after_one_record_edit`: the salsa database after one AI system's file changes;
//! - `parse_and_check_rulesets`: parsing and checking the shipped rulesets.
//!
//! Peak memory of the loaded facts, as a multiple of their size on disk, is printed once per
//! size (it is not a timing), measured by the `facts-memory` binary in a fresh process.
//!
//! `cargo bench -p aimsc-bench --bench scale`

// A benchmark whose workload cannot be built or whose engines disagree must stop the run.
#![allow(clippy::panic)]

use aimsc_bench::{evaluate_all, org_on_disk, project, read_facts, shipped_rules, sizes};
use aimsc_synth::Layout;

fn main() {
    divan::main();
}

fn scale_sizes() -> Vec<usize> {
    sizes(&[1_000, 10_000, 100_000], 50)
}

fn edit_sizes() -> Vec<usize> {
    sizes(&[1_000, 10_000], 50)
}

fn on_disk(n: usize) -> std::path::PathBuf {
    match org_on_disk(n, Layout::Folder) {
        Ok((path, _)) => path,
        Err(e) => panic!("cannot write the n={n} organisation: {e}"),
    }
}

/// Reads, parses and validates the facts (every diagnostic computed); prints their peak memory
/// once.
#[divan::bench(args = scale_sizes(), sample_count = 5)]
fn load(bencher: divan::Bencher, n: usize) {
    let path = on_disk(n);
    // Peak memory is measured in a fresh process: this one's peak is already set by others.
    match std::process::Command::new(env!("CARGO_BIN_EXE_facts-memory"))
        .arg(n.to_string())
        .output()
    {
        Ok(out) if out.status.success() => eprint!("{}", String::from_utf8_lossy(&out.stdout)),
        Ok(out) => panic!(
            "facts-memory failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => panic!("cannot run facts-memory: {e}"),
    }
    bencher.bench_local(|| {
        let p = project(read_facts(&path));
        p.diagnostics().len()
    });
}

/// Evaluates every shipped control and rule on loaded facts, without caching.
#[divan::bench(args = scale_sizes(), sample_count = 5)]
fn evaluate(bencher: divan::Bencher, n: usize) {
    let p = project(read_facts(&on_disk(n)));
    p.facts();
    bencher.bench_local(|| evaluate_all(&p));
}

/// Evaluates every shipped control and rule in the database (per-chunk queries), facts
/// loaded and validated before timing: the cold start of `aimsc eval` and of the editor.
#[divan::bench(args = edit_sizes(), sample_count = 5)]
fn evaluate_in_database(bencher: divan::Bencher, n: usize) {
    let facts = read_facts(&on_disk(n));
    bencher
        .with_inputs(|| {
            let p = project(facts.clone());
            p.diagnostics();
            p
        })
        .bench_local_values(|p| p.results_shared().len());
}

/// One AI system's facts file changes (it is retired, then put back into operation); the
/// database re-validates and re-evaluates. The first evaluation happens before timing.
#[divan::bench(args = edit_sizes(), sample_count = 20)]
fn reevaluate_after_one_record_edit(bencher: divan::Bencher, n: usize) {
    let dir = on_disk(n);
    let facts = read_facts(&dir);
    let target = facts
        .iter()
        .find(|f| f.path.ends_with("sys-1.yaml"))
        .map(|f| (f.path.clone(), f.text.clone()));
    let Some((path, text)) = target else {
        panic!("no sys-1.yaml among the facts")
    };
    // Retiring the system (or putting it back) changes what many checks count.
    let flipped = match text.lines().find(|l| l.starts_with("lifecycle: ")) {
        Some("lifecycle: retired") => {
            text.replacen("lifecycle: retired", "lifecycle: operation", 1)
        }
        Some(line) => text.replacen(line, "lifecycle: retired", 1),
        None => panic!("sys-1 has no lifecycle"),
    };
    let mut p = project(facts);
    p.results_shared();
    let mut toggle = false;
    bencher.bench_local(|| {
        toggle = !toggle;
        p.set_fact_text(
            &path,
            if toggle {
                flipped.clone()
            } else {
                text.clone()
            },
        );
        p.results_shared().len() + p.diagnostics().len()
    });
}

/// Parses and checks the shipped rulesets (no facts).
#[divan::bench(sample_count = 20)]
fn parse_and_check_rulesets(bencher: divan::Bencher) {
    let rules = shipped_rules();
    bencher.bench_local(|| {
        let p = aimsc_db::Project::new(rules.clone(), Vec::new(), aimsc_bench::as_of());
        p.diagnostics().len()
    });
}
