//! What `GET /metrics` reports, in the Prometheus text format (version 0.0.4).
//!
//! Labels take only values the server chose (an endpoint's route, a status code), never a
//! request's own text, so a client cannot grow the series without bound.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Default)]
struct Histogram {
    /// Observations at or under each bound of [`BUCKETS`] (not cumulative).
    counts: [u64; BUCKETS.len()],
    /// Observations over the last bound.
    over: u64,
    sum: f64,
}

/// The server's counters.
#[derive(Default)]
pub(crate) struct Metrics {
    /// Requests answered, by endpoint and status.
    requests: Mutex<BTreeMap<(&'static str, u16), u64>>,
    /// Time to answer, by endpoint.
    latency: Mutex<BTreeMap<&'static str, Histogram>>,
    /// Evaluations run, by outcome.
    pub evaluations: AtomicU64,
    /// Evaluations whose facts were those the worker already held: the database's results
    /// for them were reused as they stood.
    pub cache_hits: AtomicU64,
    /// Evaluations on facts new to the worker.
    pub cache_misses: AtomicU64,
    /// Worker engines built afresh after an evaluation was cut short.
    pub workers_replaced: AtomicU64,
    /// Requests refused for want of a valid token.
    pub unauthorized: AtomicU64,
}

impl Metrics {
    /// Counts one answered request.
    pub(crate) fn observe(&self, endpoint: &'static str, status: u16, took: Duration) {
        if let Ok(mut r) = self.requests.lock() {
            *r.entry((endpoint, status)).or_default() += 1;
        }
        if let Ok(mut l) = self.latency.lock() {
            let h = l.entry(endpoint).or_default();
            let secs = took.as_secs_f64();
            match BUCKETS.iter().position(|b| secs <= *b) {
                Some(i) => h.counts[i] += 1,
                None => h.over += 1,
            }
            h.sum += secs;
        }
    }

    /// The exposition text.
    pub(crate) fn render(&self, workers: usize, idle: usize) -> String {
        let mut out = String::new();
        out.push_str("# HELP aimsc_requests_total Requests answered, by endpoint and status.\n");
        out.push_str("# TYPE aimsc_requests_total counter\n");
        if let Ok(r) = self.requests.lock() {
            for ((endpoint, status), n) in r.iter() {
                let _ = writeln!(
                    out,
                    "aimsc_requests_total{{endpoint=\"{endpoint}\",status=\"{status}\"}} {n}"
                );
            }
        }
        out.push_str(
            "# HELP aimsc_request_duration_seconds Time from a request's arrival to its answer.\n",
        );
        out.push_str("# TYPE aimsc_request_duration_seconds histogram\n");
        if let Ok(l) = self.latency.lock() {
            for (endpoint, h) in l.iter() {
                let mut cumulative = 0;
                for (bound, n) in BUCKETS.iter().zip(h.counts) {
                    cumulative += n;
                    let _ = writeln!(
                        out,
                        "aimsc_request_duration_seconds_bucket{{endpoint=\"{endpoint}\",le=\"{bound}\"}} {cumulative}"
                    );
                }
                cumulative += h.over;
                let _ = writeln!(
                    out,
                    "aimsc_request_duration_seconds_bucket{{endpoint=\"{endpoint}\",le=\"+Inf\"}} {cumulative}"
                );
                let _ = writeln!(
                    out,
                    "aimsc_request_duration_seconds_sum{{endpoint=\"{endpoint}\"}} {}",
                    h.sum
                );
                let _ = writeln!(
                    out,
                    "aimsc_request_duration_seconds_count{{endpoint=\"{endpoint}\"}} {cumulative}"
                );
            }
        }
        let counters = [
            (
                "aimsc_evaluations_total",
                "Evaluations run for eval, soa and crosswalk requests.",
                &self.evaluations,
            ),
            (
                "aimsc_cache_hits_total",
                "Evaluations on the facts the worker already held: every result reused.",
                &self.cache_hits,
            ),
            (
                "aimsc_cache_misses_total",
                "Evaluations on facts new to the worker: what reads facts re-run.",
                &self.cache_misses,
            ),
            (
                "aimsc_workers_replaced_total",
                "Worker engines built afresh after an evaluation was cut short.",
                &self.workers_replaced,
            ),
            (
                "aimsc_unauthorized_total",
                "Requests refused for want of a valid bearer token.",
                &self.unauthorized,
            ),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} counter");
            let _ = writeln!(out, "{name} {}", value.load(Ordering::Relaxed));
        }
        let gauges = [
            ("aimsc_workers", "Worker engines.", workers),
            (
                "aimsc_workers_idle",
                "Worker engines waiting for a request.",
                idle,
            ),
        ];
        for (name, help, value) in gauges {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} gauge");
            let _ = writeln!(out, "{name} {value}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative_and_the_count_holds_every_observation() {
        let m = Metrics::default();
        m.observe("/v1/eval", 200, Duration::from_millis(3));
        m.observe("/v1/eval", 200, Duration::from_millis(30));
        m.observe("/v1/eval", 400, Duration::from_secs(60));
        let text = m.render(2, 1);
        assert!(text.contains("aimsc_requests_total{endpoint=\"/v1/eval\",status=\"200\"} 2"));
        assert!(text.contains("aimsc_requests_total{endpoint=\"/v1/eval\",status=\"400\"} 1"));
        assert!(text.contains("le=\"0.005\"} 1\n"), "{text}");
        assert!(text.contains("le=\"0.05\"} 2\n"), "{text}");
        assert!(text.contains("le=\"30\"} 2\n"), "{text}");
        assert!(text.contains("le=\"+Inf\"} 3\n"), "{text}");
        assert!(text.contains("_count{endpoint=\"/v1/eval\"} 3\n"), "{text}");
        assert!(text.contains("aimsc_workers_idle 1\n"), "{text}");
    }
}
