//! A bounded load run against `aimsc serve`: POST /v1/eval with organisations' facts (several
//! folders, comma-separated, are sent in turn, so each request's facts differ from the last
//! one its worker saw), from C client threads, N requests in all after a warm-up. Prints
//! requests per second and latency percentiles; every response must be 200 and identical to
//! the reference for its facts.
//!
//! ```sh
//! aimsc serve --bind 127.0.0.1:7071 &
//! cargo run --release -p aimsc-bench --bin serve-load -- http://127.0.0.1:7071 \
//!     tests/orgs/cityhall/facts,tests/orgs/northbank/facts,tests/orgs/chatly/facts 4 2000
//! ```
#![allow(clippy::print_stdout, reason = "a command-line tool")]

use std::path::Path;
use std::time::{Duration, Instant};

fn files(root: &Path) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    let mut walk = vec![root.to_path_buf()];
    while let Some(dir) = walk.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                walk.push(p);
            } else if let (Ok(rel), Ok(text)) = (p.strip_prefix(root), std::fs::read_to_string(&p))
            {
                let path = rel.to_string_lossy().replace('\\', "/");
                out.push(serde_json::json!({ "path": path, "text": text }));
            }
        }
    }
    out
}

/// Threads start at different organisations (by how far they got, which is zero at first).
fn t_index(lat: &[Duration]) -> usize {
    lat.len()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let base = args
        .first()
        .ok_or("usage: serve-load URL FACTS_DIR [CONCURRENCY] [REQUESTS]")?;
    let dirs: Vec<&str> = args.get(1).ok_or("missing FACTS_DIR")?.split(',').collect();
    let concurrency: usize = args.get(2).map_or(Ok(4), |s| s.parse())?;
    let requests: usize = args.get(3).map_or(Ok(2000), |s| s.parse())?;
    let bodies: Vec<String> = dirs
        .iter()
        .map(|d| {
            serde_json::json!({ "files": files(Path::new(d)), "as_of": "2026-11-01" }).to_string()
        })
        .collect();
    let url = format!("{base}/v1/eval");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let send = |agent: &ureq::Agent, body: &str| -> Result<(u16, String), ureq::Error> {
        let mut r = agent
            .post(&url)
            .header("content-type", "application/json")
            .send(body)?;
        let text = r
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_string()?;
        Ok((r.status().as_u16(), text))
    };
    // References, and a warm-up so that every worker engine has checked the rules.
    let mut references = Vec::new();
    for b in &bodies {
        let (status, text) = send(&agent, b)?;
        if status != 200 {
            return Err(format!("warm-up answered {status}: {text}").into());
        }
        references.push(text);
    }
    for i in 0..concurrency * 2 {
        send(&agent, &bodies[i % bodies.len()])?;
    }
    let per_thread = requests.div_ceil(concurrency);
    let start = Instant::now();
    let results: Vec<Result<Vec<Duration>, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..concurrency)
            .map(|_| {
                let agent = agent.clone();
                let references = &references;
                let bodies = &bodies;
                let send = &send;
                s.spawn(move || {
                    let mut lat = Vec::with_capacity(per_thread);
                    for i in 0..per_thread {
                        let k = (i + t_index(&lat)) % bodies.len();
                        let t = Instant::now();
                        let (status, text) = send(&agent, &bodies[k]).map_err(|e| e.to_string())?;
                        lat.push(t.elapsed());
                        if status != 200 || text != references[k] {
                            return Err(format!("status {status}, or a different report"));
                        }
                    }
                    Ok(lat)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("a client thread panicked".into()))
            })
            .collect()
    });
    let elapsed = start.elapsed();
    let mut all = Vec::new();
    for r in results {
        all.extend(r?);
    }
    all.sort();
    let n = all.len();
    println!(
        "POST /v1/eval, facts of {} in turn ({} KB bodies in all): {n} requests from {concurrency} clients in {:.2} s",
        dirs.join(", "),
        bodies.iter().map(String::len).sum::<usize>() / 1024,
        elapsed.as_secs_f64()
    );
    println!(
        "throughput {:.1} requests/s; latency p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms; every response 200 and identical",
        n as f64 / elapsed.as_secs_f64(),
        percentile(&all, 0.50).as_secs_f64() * 1e3,
        percentile(&all, 0.90).as_secs_f64() * 1e3,
        percentile(&all, 0.99).as_secs_f64() * 1e3,
        all.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    Ok(())
}
