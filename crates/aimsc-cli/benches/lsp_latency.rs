#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs,
    reason = "a benchmark fails by panicking"
)]
//! Time from a `didChange` to the published diagnostics and outcomes, measured against the real
//! `aimsc lsp` process over stdio, as an editor sees it.
//!
//! Workspace: the `northbank` example (the shipped rulesets from `@aimsc`, its own rules, facts
//! and evidence documents) plus generated organisation rules (over 5,000 lines of rules in
//! all), and facts for 1,000 AI systems (one file each, copied from northbank's with new ids). Each sample is a one-character edit inside a
//! requirement's name in the organisation's rules file; the clock stops when the server's
//! `aimsc/outcomes` notification for that edit arrives, which it sends after publishing the
//! diagnostics of every file.
//!
//! Run: `cargo bench -p aimsc-cli --bench lsp_latency` (`-- --systems N --samples K` to vary).

#[path = "../tests/common/lsp_client.rs"]
mod lsp_client;
mod common {
    pub mod editor_workspace;
}
use common::editor_workspace::write_workspace;

use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant};

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    // `cargo bench` passes `--bench`; the test harness's smoke run passes nothing we need.
    let systems = arg("--systems", 1000);
    let samples = arg("--samples", 31);
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lsp-latency");
    let lines = write_workspace(&root, systems);
    let root = root.canonicalize().unwrap();
    let started = Instant::now();
    let mut c = lsp_client::Client::start(env!("CARGO_BIN_EXE_aimsc"), &root, "2026-11-01");
    let (diags, first) = c.wait_outcomes();
    let cold = started.elapsed();
    let errors: usize = diags
        .values()
        .map(|d| d.as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(
        errors, 0,
        "the benchmark workspace should be clean: {diags:?}"
    );
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let totals = &first["totals"];
    println!(
        "lsp_latency: {lines} lines of rules, {systems} AI systems, outcomes {totals}\n\
         cold start to first outcomes: {:.1} ms",
        ms(cold)
    );
    // Line 4 of the generated rules is `rule bench::r0 "Benchmark rule 0" …`: toggle the digit
    // in its title.
    let rule = Series {
        path: "rules/org.aims",
        line: 3,
        character: 31,
        texts: ["1", "0"],
    };
    // The northbank rules' `set impact_reassessment_period = 6 months`, which the shipped
    // impact-assessment controls read: 6 months and 7 by turns.
    let set = Series {
        path: "rules/northbank.aims",
        line: 4,
        character: 33,
        texts: ["7", "6"],
    };
    // One AI system's file: `lifecycle: deployment` and `operation` by turns (both in use).
    let fact = Series {
        path: "facts/ai_systems/model-00500.yaml",
        line: 5,
        character: 11,
        texts: ["deployment", "operation"],
    };
    for (what, series) in [
        ("a rule's title in the organisation's rules", &rule),
        ("a `set` of a param the shipped controls read", &set),
        ("one AI system's facts file", &fact),
    ] {
        let mut times = series.run(&mut c, &root, samples);
        times.sort();
        println!(
            "didChange → diagnostics + outcomes, {what}, {samples} edits: \
             median {:.2} ms, p90 {:.2} ms, min {:.2} ms, max {:.2} ms",
            ms(times[times.len() / 2]),
            ms(times[times.len() * 9 / 10]),
            ms(times[0]),
            ms(times[times.len() - 1]),
        );
    }
    c.shutdown();
}

/// Edits of one document: the text at `line`, `character` replaced by each of `texts` in turn.
struct Series {
    path: &'static str,
    line: u32,
    character: u32,
    texts: [&'static str; 2],
}

impl Series {
    fn run(&self, c: &mut lsp_client::Client, root: &Path, samples: usize) -> Vec<Duration> {
        let uri = c.uri(self.path);
        let language = if self.path.ends_with(".aims") {
            "aims"
        } else {
            "yaml"
        };
        let text = std::fs::read_to_string(root.join(self.path)).unwrap();
        let line = text.lines().nth(self.line as usize).unwrap_or_default();
        let at = self.character as usize;
        // The first edit replaces what the file holds there, then the texts alternate.
        let mut current = line
            .get(at..)
            .and_then(|rest| {
                self.texts
                    .iter()
                    .rev()
                    .find(|t| rest.starts_with(**t))
                    .copied()
            })
            .unwrap_or_else(|| {
                panic!(
                    "{}:{}: {line:?} holds neither of {:?}",
                    self.path,
                    self.line + 1,
                    self.texts
                )
            });
        c.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}}),
        );
        c.wait_outcomes();
        let mut times = Vec::with_capacity(samples);
        for i in 0..samples {
            let next = if current == self.texts[0] {
                self.texts[1]
            } else {
                self.texts[0]
            };
            let t = Instant::now();
            c.notify(
                "textDocument/didChange",
                json!({"textDocument": {"uri": uri, "version": i + 2},
                       "contentChanges": [{"range": {"start": {"line": self.line, "character": self.character},
                                                     "end": {"line": self.line,
                                                             "character": self.character as usize + current.len()}},
                                           "text": next}]}),
            );
            let (_, outcomes) = c.wait_outcomes();
            times.push(t.elapsed());
            assert!(
                outcomes["totals"]
                    .as_object()
                    .is_some_and(|t| !t.is_empty())
            );
            current = next;
        }
        times
    }
}
