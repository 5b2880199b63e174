//! Which checks cost most: each shipped control and rule evaluated alone with the plain
//! evaluator on a generated organisation, slowest first. A profiling aid.
//!
//! `cargo build --release -p aimsc-bench && target/release/check-times 1000 15`

use aimsc_bench::{org_on_disk, project, read_facts};
use aimsc_eval::evaluate::{DEFAULT_MAX_STEPS, Env, evaluate_check};
use std::time::Instant;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut args = std::env::args().skip(1);
    let n = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let top = args.next().and_then(|a| a.parse().ok()).unwrap_or(15);
    let Ok((path, _)) = org_on_disk(n, aimsc_synth::Layout::OneFile) else {
        eprintln!("cannot write the organisation");
        return;
    };
    let p = project(read_facts(&path));
    let model = p.model();
    let facts = p.facts();
    let locate = |_: &aimsc_diagnostics::Location| None;
    let env = Env {
        model: &model,
        facts: &*facts,
        today: p.as_of(),
        locate_rule: &locate,
        max_steps: DEFAULT_MAX_STEPS,
        evidence_required: true,
    };
    let mut times: Vec<(f64, String)> = model
        .checks
        .keys()
        .map(|id| {
            let start = Instant::now();
            let _ = evaluate_check(&env, id);
            (start.elapsed().as_secs_f64() * 1e3, id.to_string())
        })
        .collect();
    let total: f64 = times.iter().map(|(t, _)| t).sum();
    times.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("{} checks, {total:.1} ms in all", times.len());
    for (t, id) in times.iter().take(top) {
        println!("{t:9.1} ms  {:4.1}%  {id}", 100.0 * t / total);
    }
}
