//! The peer comparison: the same twelve-rule policy evaluated by aimsc and by regorus on the
//! same generated facts, in one run. Before timing, each workload checks that both engines
//! find exactly the same failing records for every rule.
//!
//! `cargo bench -p aimsc-bench --bench peer`

// A benchmark whose workload cannot be built or whose engines disagree must stop the run.
#![allow(clippy::panic)]

use aimsc_bench::{Peer, sizes};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

fn main() {
    divan::main();
}

thread_local! {
    static CACHE: RefCell<HashMap<usize, Rc<Peer>>> = RefCell::default();
}

fn workload(n: usize) -> Rc<Peer> {
    CACHE.with_borrow_mut(|cache| cache
        .entry(n)
        .or_insert_with(|| {
            let peer = match Peer::new(n) {
                Ok(p) => p,
                Err(e) => panic!("peer workload at n={n}: {e}"),
            };
            match peer.cross_check() {
                Ok(v) => {
                    let failing: usize = v.values().map(|s| s.len()).sum();
                    eprintln!("n={n}: aimsc and regorus agree on all 12 rules ({failing} failing records)");
                    assert!(failing > 0, "the workload should fail some rules");
                }
                Err(e) => panic!("n={n}: {e}"),
            }
            Rc::new(peer)
        })
        .clone())
}

fn peer_sizes() -> Vec<usize> {
    sizes(&[1_000, 10_000], 100)
}

/// aimsc: the twelve rules with explanations of every failing record.
#[divan::bench(args = peer_sizes(), sample_count = 10)]
fn aimsc(bencher: divan::Bencher, n: usize) {
    let peer = workload(n);
    bencher.bench_local(|| peer.aimsc());
}

/// regorus: the twelve rules as sets of failing ids, on a fresh copy of the engine per run
/// (the copy is made outside the timing).
#[divan::bench(args = peer_sizes(), sample_count = 10)]
fn regorus(bencher: divan::Bencher, n: usize) {
    let peer = workload(n);
    bencher
        .with_inputs(|| peer.engine.clone())
        .bench_local_values(|mut engine| engine.eval_rule("data.bench.violations".into()));
}
