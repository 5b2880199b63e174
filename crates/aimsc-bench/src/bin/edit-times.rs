//! What the editor's server does after each edit, in process and phase by phase: the same
//! workspace as `cargo bench -p aimsc-cli --bench lsp_latency` (northbank, its rules and 260
//! generated ones, N copies of its AI system), the same three edits, and after each the same
//! work as the server's publication (the diagnostics, the evidence warnings, every result).
//! A profiling aid: run it under `perf record` to see where an edit's time goes.
//!
//! `cargo build --profile profiling -p aimsc-bench && target/profiling/edit-times 1000 31 [rule|set|facts]`

use aimsc_bench::read_facts;
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

// The workspace of the editor benchmark, written by its own code.
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]
#[path = "../../../aimsc-cli/benches/common/editor_workspace.rs"]
mod editor_workspace;

/// One edit, made and unmade by turns: `from` ↔ `to` in the file at `path`.
struct Series {
    what: &'static str,
    path: String,
    from: &'static str,
    to: &'static str,
}

fn main() {
    let mut args = std::env::args().skip(1);
    let systems: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let samples: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(31);
    // `rule`, `set` or `facts`: that edit alone (all three when absent).
    let only = args.next();
    let root = std::env::temp_dir().join(format!("aimsc-edit-times-{systems}"));
    editor_workspace::write_workspace(&root, systems);
    let mut rules = aimsc_bench::shipped_rules();
    rules.extend(aimsc_db::config::rule_files(&root.join("rules")).unwrap_or_default());
    let facts = read_facts(&root.join("facts"));
    let as_of = jiff::civil::date(2026, 11, 1);
    // As the language server does (`AIMSC_PARSE_AFRESH=1`: parse every item again, to compare).
    aimsc_db::remember_items(std::env::var_os("AIMSC_PARSE_AFRESH").is_none());
    let started = Instant::now();
    let mut p = aimsc_db::Project::new(rules, facts, as_of);
    let mut digests = aimsc::evidence::DigestCache::default();
    aimsc::evidence::refresh(&mut p, &mut digests, Some(&root));
    let cold = publish(&p);
    println!(
        "{systems} AI systems: cold start to the first publication {:.1} ms ({} diagnostics, {} results)",
        ms(started.elapsed()),
        cold.0,
        cold.1
    );
    let rules_file = root.join("rules/org.aims").to_string_lossy().into_owned();
    let northbank_file = root
        .join("rules/northbank.aims")
        .to_string_lossy()
        .into_owned();
    // The editor bench's file at 1,000 systems; the middle one at other sizes.
    let middle = format!("model-{:05}.yaml", (systems / 2).max(1));
    let fact_file = p
        .fact_paths()
        .iter()
        .find(|f| f.ends_with(&middle))
        .map(|f| f.to_string())
        .unwrap_or_default();
    let series = [
        Series {
            what: "a rule's title",
            path: rules_file,
            from: "\"Benchmark rule 0\"",
            to: "\"Benchmark rule 1\"",
        },
        Series {
            what: "a `set` the shipped controls read",
            path: northbank_file,
            from: "impact_reassessment_period = 6 months",
            to: "impact_reassessment_period = 7 months",
        },
        Series {
            what: "one AI system's facts file",
            path: fact_file,
            from: "lifecycle: deployment",
            to: "lifecycle: operation",
        },
    ];
    for (s, name) in series.iter().zip(["rule", "set", "facts"]) {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        let Some(original) = p.source_text(&s.path) else {
            eprintln!("no file {}", s.path);
            continue;
        };
        let (a, b) = if original.contains(s.from) {
            (s.from, s.to)
        } else {
            (s.to, s.from)
        };
        let edited = original.replacen(a, b, 1);
        if edited == original {
            eprintln!("{}: {:?} is not in {}", s.what, s.from, s.path);
            continue;
        }
        let mut phases: [Vec<Duration>; 4] = Default::default();
        for i in 0..samples {
            let text = if i % 2 == 0 { &edited } else { &original };
            let [t, t1, t2, t3, t4] = edit_and_publish(&mut p, &s.path, text);
            phases[0].push(t1 - t);
            phases[1].push(t2 - t1);
            phases[2].push(t3 - t2);
            phases[3].push(t4 - t3);
        }
        let total: Vec<Duration> = (0..samples)
            .map(|i| phases.iter().map(|p| p[i]).sum())
            .collect();
        println!(
            "{}: median {:.2} ms (set {:.2}, diagnostics {:.2}, evidence {:.2}, results {:.2})",
            s.what,
            median(total),
            median(phases[0].clone()),
            median(phases[1].clone()),
            median(phases[2].clone()),
            median(phases[3].clone()),
        );
    }
}

/// One edit and the publication after it, timed phase by phase. Not inlined, so that
/// `valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*edit_and_publish*'`
/// counts the edits' instructions alone.
#[inline(never)]
fn edit_and_publish(p: &mut aimsc_db::Project, path: &str, text: &str) -> [Instant; 5] {
    let t = Instant::now();
    if path.ends_with(".aims") {
        p.upsert_rule(path, text.to_string());
    } else {
        p.set_fact_text(path, text.to_string());
    }
    let t1 = Instant::now();
    let d = p.diagnostics().len();
    let t2 = Instant::now();
    let e = aimsc::evidence::diagnostics(p).len();
    let t3 = Instant::now();
    let r = p.results_shared().len();
    let t4 = Instant::now();
    std::hint::black_box((d, e, r));
    [t, t1, t2, t3, t4]
}

fn publish(p: &aimsc_db::Project) -> (usize, usize) {
    let d = p.diagnostics().len() + aimsc::evidence::diagnostics(p).len();
    (d, p.results_shared().len())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v.get(v.len() / 2).map_or(0.0, |d| ms(*d))
}
