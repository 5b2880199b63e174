#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]
//! `aimsc serve`, tested as a client sees it: the real binary on a loopback port, and a real
//! HTTP client (ureq), with concurrent requests and bad ones.

mod common;

use common::{code, repo, run, stdout};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

const AS_OF: &str = "2026-11-01";

/// A running server, killed when dropped.
struct Server {
    child: Child,
    base: String,
    /// What it has written to stderr since it listened.
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// The log once it holds `n` lines that contain `needle` (it is read on another thread).
    fn log_with(&self, needle: &str, n: usize) -> Vec<String> {
        for _ in 0..100 {
            let log = self.log();
            if log.iter().filter(|l| l.contains(needle)).count() >= n {
                return log;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        self.log()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &Path, args: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_aimsc"))
        .arg("serve")
        .args(["--bind", "127.0.0.1:0"])
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let base = loop {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("the server exited before listening"))
            .unwrap();
        if let Some(addr) = line.strip_prefix("aimsc serve: listening on ") {
            break addr.to_string();
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = log.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            kept.lock().unwrap().push(line);
        }
    });
    Server { child, base, log }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

fn post(s: &Server, path: &str, body: &str) -> (u16, String, String) {
    let mut r = agent()
        .post(format!("{}{path}", s.base))
        .header("content-type", "application/json")
        .send(body)
        .unwrap();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = r
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_string()
        .unwrap();
    (r.status().as_u16(), ct, text)
}

fn get(s: &Server, path: &str) -> (u16, String) {
    let mut r = agent().get(format!("{}{path}", s.base)).call().unwrap();
    let text = r
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_string()
        .unwrap();
    (r.status().as_u16(), text)
}

/// An organisation's facts folder as the `files` of a request.
fn files(org: &str) -> Vec<Value> {
    let root = repo().join("tests/orgs").join(org).join("facts");
    let mut out = Vec::new();
    let mut walk = vec![root.clone()];
    while let Some(dir) = walk.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk.push(p);
            } else {
                let rel = p
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push(json!({ "path": rel, "text": std::fs::read_to_string(&p).unwrap() }));
            }
        }
    }
    out.sort_by(|a, b| a["path"].as_str().cmp(&b["path"].as_str()));
    out
}

fn eval_body(org: &str) -> String {
    json!({ "files": files(org), "as_of": AS_OF }).to_string()
}

fn outcomes(report: &Value) -> Vec<(String, String)> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn scratch() -> std::path::PathBuf {
    // No aims.toml above it: the server loads the shipped rulesets.
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("serve");
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn eval_gives_the_same_verdicts_as_the_command_line() {
    let org = repo().join("tests/orgs/chatly");
    let s = start(&org, &[]);
    let (status, ct, body) = post(&s, "/v1/eval", &eval_body("chatly"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(ct, "application/json");
    let served: Value = serde_json::from_str(&body).unwrap();
    let cli = run(&org, &["eval", "--as-of", AS_OF, "--format", "json"]);
    assert_eq!(code(&cli), 1, "chatly has failing controls");
    let local: Value = serde_json::from_str(&stdout(&cli)).unwrap();
    assert_eq!(served["summary"], local["summary"]);
    assert_eq!(outcomes(&served), outcomes(&local));
    // Other formats come from the same evaluation.
    let body = json!({ "files": files("chatly"), "as_of": AS_OF, "format": "sarif" }).to_string();
    let (status, ct, sarif) = post(&s, "/v1/eval", &body);
    assert_eq!((status, ct.as_str()), (200, "application/sarif+json"));
    assert!(sarif.contains("\"version\": \"2.1.0\""));
}

#[test]
fn catalog_endpoints() {
    let s = start(&scratch(), &[]);
    let (status, body) = get(&s, "/healthz");
    assert_eq!((status, body.trim()), (200, "{\"status\": \"ok\"}"));
    let (status, body) = get(&s, "/v1/controls");
    assert_eq!(status, 200);
    let controls: Value = serde_json::from_str(&body).unwrap();
    let ids: Vec<&str> = controls["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"iso42001::A.5.2") && ids.contains(&"eu_ai_act::Art.9"));
    assert_eq!(
        ids.iter().filter(|i| i.starts_with("iso42001::A.")).count(),
        38,
        "the 38 Annex A controls"
    );
    let (status, body) = get(&s, "/v1/frameworks");
    assert_eq!(status, 200);
    let names: Vec<String> = serde_json::from_str::<Value>(&body).unwrap()["frameworks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect();
    assert!(names.contains(&"iso42001".to_string()) && names.contains(&"eu_ai_act".to_string()));
    let (status, body) = get(&s, "/v1/crosswalk/iso27001");
    assert_eq!(status, 200, "{body}");
    let cw: Value = serde_json::from_str(&body).unwrap();
    assert!(cw.to_string().contains("iso27001::A.5.1"), "{body}");
    // Dashes stand for underscores, as on the command line.
    assert_eq!(get(&s, "/v1/crosswalk/eu-ai-act").0, 200);
}

#[test]
fn concurrent_requests_get_the_answers_they_would_get_alone() {
    let s = start(&scratch(), &["--workers", "2"]);
    let orgs = ["chatly", "northbank", "cityhall"];
    let alone: Vec<String> = orgs
        .iter()
        .map(|o| {
            let (status, _, body) = post(&s, "/v1/eval", &eval_body(o));
            assert_eq!(status, 200, "{o}: {body}");
            body
        })
        .collect();
    assert!(
        alone[0] != alone[1],
        "different organisations, different reports"
    );
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..12)
            .map(|i| {
                let s = &s;
                let alone = &alone;
                scope.spawn(move || {
                    for round in 0..3 {
                        let k = (i + round) % orgs.len();
                        let (status, _, body) = post(s, "/v1/eval", &eval_body(orgs[k]));
                        assert_eq!(status, 200);
                        assert!(body == alone[k], "{} differs under load", orgs[k]);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    });
    assert_eq!(get(&s, "/healthz").0, 200);
}

fn error_code(body: &str) -> String {
    let v: Value =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("not a JSON error ({e}): {body}"));
    v["error"]["code"].as_str().unwrap().to_string()
}

#[test]
fn bad_requests_get_clear_json_errors_and_the_server_goes_on() {
    let s = start(&scratch(), &["--max-body", "100000"]);
    let cases: Vec<(&str, String, u16, &str)> = vec![
        (
            "malformed JSON",
            "{\"facts\": ".into(),
            400,
            "aimsc::serve::json",
        ),
        (
            "unknown field",
            json!({"facts": {}, "fax": 1}).to_string(),
            400,
            "aimsc::serve::json",
        ),
        (
            "no facts",
            json!({"as_of": AS_OF}).to_string(),
            400,
            "aimsc::serve::facts",
        ),
        (
            "both kinds of facts",
            json!({"facts": {}, "files": []}).to_string(),
            400,
            "aimsc::serve::facts",
        ),
        (
            "bad date",
            json!({"facts": {}, "as_of": "31/01/2026"}).to_string(),
            400,
            "aimsc::usage::as_of",
        ),
        (
            "a path leaving the folder",
            json!({"files": [{"path": "../etc/passwd.yaml", "text": ""}]}).to_string(),
            400,
            "aimsc::facts::path",
        ),
        (
            "unknown control",
            json!({"files": files("chatly"), "as_of": AS_OF, "controls": ["iso42001::A.5.99"]})
                .to_string(),
            400,
            "aimsc::usage::unknown_control",
        ),
        (
            "unknown format",
            json!({"facts": {}, "format": "pdf"}).to_string(),
            400,
            "aimsc::serve::json",
        ),
        (
            "oversized",
            "x".repeat(100_001),
            413,
            "aimsc::serve::too_large",
        ),
    ];
    // Every error body, as a client reads it, for review (the codes' wording and help).
    let mut shown = String::new();
    let mut show = |what: &str, status: u16, text: &str| {
        let v: Value = serde_json::from_str(text).unwrap();
        shown.push_str(&format!(
            "--- {what}: {status}\n{}\n",
            serde_json::to_string_pretty(&v).unwrap()
        ));
    };
    for (what, body, status, expected) in cases {
        let (got, ct, text) = post(&s, "/v1/eval", &body);
        assert_eq!(got, status, "{what}: {text}");
        assert_eq!(ct, "application/json", "{what}");
        assert_eq!(error_code(&text), expected, "{what}: {text}");
        show(what, got, &text);
    }
    // Invalid facts: 400 with the diagnostics, placed in the request's file.
    let body = json!({"files": [{"path": "aims.yaml", "text": "organisation:\n  name: 3\n"}], "as_of": AS_OF});
    let (status, _, text) = post(&s, "/v1/eval", &body.to_string());
    assert_eq!(status, 400, "{text}");
    show("invalid facts", status, &text);
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["error"]["code"], "aimsc::facts::invalid");
    let wrong = v["error"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "aimsc::facts::wrong_type")
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(
        (&wrong["file"], &wrong["line"]),
        (&json!("aims.yaml"), &json!(2))
    );
    // Unknown paths and methods.
    let (status, text) = get(&s, "/v1/nothing");
    assert_eq!(
        (status, error_code(&text).as_str()),
        (404, "aimsc::serve::not_found")
    );
    show("GET /v1/nothing", status, &text);
    let (status, text) = get(&s, "/v1/eval");
    assert_eq!(
        (status, error_code(&text).as_str()),
        (405, "aimsc::serve::method")
    );
    show("GET /v1/eval", status, &text);
    let (status, text) = get(&s, "/v1/crosswalk/iso9001");
    assert_eq!(
        (status, error_code(&text).as_str()),
        (404, "aimsc::usage::unknown_framework")
    );
    show("GET /v1/crosswalk/iso9001", status, &text);
    insta::assert_snapshot!("serve_error_bodies", shown);
    // Still serving.
    let (status, _, _) = post(&s, "/v1/eval", &eval_body("chatly"));
    assert_eq!(status, 200);
}

#[test]
fn a_request_over_the_time_limit_is_answered_503_and_its_worker_returns() {
    // One worker and a 1 ms limit: evaluating an organisation takes longer than that.
    let s = start(&scratch(), &["--workers", "1", "--timeout-ms", "1"]);
    let (status, ct, text) = post(&s, "/v1/eval", &eval_body("cityhall"));
    assert_eq!((status, ct.as_str()), (503, "application/json"), "{text}");
    assert_eq!(error_code(&text), "aimsc::serve::timeout");
    // The worker finishes in the background and goes back to the pool: later requests are
    // served (and answered 503 again, not left hanging).
    for _ in 0..3 {
        let (status, _, text) = post(&s, "/v1/eval", &eval_body("cityhall"));
        assert_eq!(status, 503, "{text}");
    }
    assert_eq!(get(&s, "/healthz").0, 200);
}

#[test]
fn binds_to_loopback_unless_told_otherwise() {
    let o = run(&scratch(), &["serve", "--help"]);
    assert!(
        stdout(&o).contains("[default: 127.0.0.1:7071]"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_request_over_the_run_budget_gets_422_and_the_server_answers_the_next() {
    let s = start(&scratch(), &["--limit", "max-run-steps=2000"]);
    let (status, _, text) = post(&s, "/v1/eval", &eval_body("cityhall"));
    assert_eq!(status, 422, "{text}");
    assert_eq!(error_code(&text), "aimsc::limit::run_steps");
    assert!(text.contains("2000 steps in all"), "{text}");
    let (status, _) = get(&s, "/healthz");
    assert_eq!(status, 200);
}

#[test]
fn requests_over_a_limit_get_4xx_with_the_limit_named() {
    // A step budget too small for the shipped rulesets, and a tiny string limit.
    let s = start(
        &scratch(),
        &["--limit", "max-steps=5", "--limit", "max-string-bytes=4096"],
    );
    let (status, _, text) = post(&s, "/v1/eval", &eval_body("cityhall"));
    assert_eq!(status, 422, "{text}");
    assert_eq!(error_code(&text), "aimsc::limit::steps");
    let body: Value = serde_json::from_str(&text).unwrap();
    let diags = body["error"]["diagnostics"].as_array().unwrap();
    assert!(
        diags
            .iter()
            .any(|d| d["code"] == "aimsc::limit::steps" && d["line"].as_u64().is_some()),
        "each stopped requirement is located in the rules: {text}"
    );
    let long = "x".repeat(5000);
    let body = serde_json::json!({
        "facts": {"organisation": {"name": long}},
        "as_of": "2026-11-01",
    });
    let (status, _, text) = post(&s, "/v1/eval", &body.to_string());
    assert_eq!(status, 400, "{text}");
    assert_eq!(error_code(&text), "aimsc::limit::facts");
    assert!(text.contains("aimsc::limit::string"), "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    insta::assert_snapshot!(
        "serve_facts_over_a_limit",
        serde_json::to_string_pretty(&v).unwrap()
    );
    assert_eq!(get(&s, "/healthz").0, 200);
}

/// A request past the deadline stops evaluating: the one worker is free for the next
/// request at once, instead of grinding through the slow one for minutes.
#[test]
fn an_evaluation_past_the_deadline_stops_and_frees_its_worker() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("serve-interrupt");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("aims.toml"), "rules = [\"rules.aims\"]\n").unwrap();
    std::fs::write(
        dir.join("rules.aims"),
        "framework slow \"Slow\"\nrecord Item { n: int }\nfacts { items: [Item] }\n\
         rule slow::cubed \"Every triple sums to something\" {\n  \
         all a in items: all b in items: all c in items: a.n + b.n + c.n >= 0\n}\n",
    )
    .unwrap();
    let s = start(&dir, &["--workers", "1", "--timeout-ms", "500"]);
    // 400³ = 64 million triples: minutes of work, far past the deadline.
    let items: Vec<Value> = (0..400).map(|n| json!({ "n": n })).collect();
    let slow = json!({ "facts": { "items": items }, "as_of": AS_OF }).to_string();
    let fast = json!({ "facts": { "items": [{ "n": 1 }] }, "as_of": AS_OF }).to_string();
    let started = std::time::Instant::now();
    let (status, _, text) = post(&s, "/v1/eval", &slow);
    assert_eq!(status, 503, "{text}");
    assert_eq!(error_code(&text), "aimsc::serve::timeout");
    let v: Value = serde_json::from_str(&text).unwrap();
    insta::assert_snapshot!(
        "serve_past_the_deadline",
        serde_json::to_string_pretty(&v).unwrap()
    );
    // The next request gets the worker back, and a fresh engine: a correct answer.
    let (status, _, text) = post(&s, "/v1/eval", &fast);
    assert_eq!(status, 200, "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["summary"]["pass"], 1, "{text}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "the slow evaluation held the worker for {:?}",
        started.elapsed()
    );
}

/// Listening beyond loopback is said in a whole sentence, naming what to do.
#[test]
fn listening_beyond_loopback_is_warned_in_full() {
    let dir = scratch();
    let mut child = Command::new(env!("CARGO_BIN_EXE_aimsc"))
        .args(["serve", "--bind", "0.0.0.0:0"])
        .current_dir(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut warning = String::new();
    for line in BufReader::new(stderr).lines() {
        let line = line.unwrap();
        if line.starts_with("aimsc serve: listening on") {
            break;
        }
        warning.push_str(&line);
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(warning.contains("warning"), "{warning}");
    assert!(
        warning.trim_end().ends_with("authenticates them"),
        "{warning}"
    );
}

/// A connection that sends half its headers and waits.
fn slow_connection(s: &Server) -> std::net::TcpStream {
    use std::io::Write as _;
    let addr = s.base.trim_start_matches("http://");
    let mut c = std::net::TcpStream::connect(addr).unwrap();
    c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    c
}

/// Whether the server closed `c` within `wait` (anything it sends first is read past).
fn closed_within(c: &std::net::TcpStream, wait: std::time::Duration) -> bool {
    use std::io::Read as _;
    c.set_read_timeout(Some(wait)).unwrap();
    let mut r = c;
    let mut buf = [0u8; 256];
    loop {
        match r.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) => {
                return !matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                );
            }
        }
    }
}

/// Slow clients neither starve the server nor stay forever: `/healthz` answers while 800
/// connections dawdle over their headers, and each is closed at the header timeout.
#[test]
fn slow_connections_time_out_and_the_server_keeps_answering() {
    // Above the 800, so that what is tested is the timeout (the limit has its own test).
    let s = start(
        &scratch(),
        &["--header-timeout-ms", "1000", "--max-connections", "1000"],
    );
    let slow: Vec<std::net::TcpStream> = (0..800).map(|_| slow_connection(&s)).collect();
    let t = std::time::Instant::now();
    assert_eq!(get(&s, "/healthz").0, 200);
    assert!(
        t.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        t.elapsed()
    );
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let closed = slow
        .iter()
        .filter(|c| closed_within(c, std::time::Duration::from_millis(500)))
        .count();
    assert_eq!(
        closed, 800,
        "every slow connection is closed at the header timeout"
    );
    assert_eq!(get(&s, "/healthz").0, 200);
}

/// Past the connection limit a new connection is closed at once; the open ones are served.
#[test]
fn connections_past_the_limit_are_closed_at_once() {
    let s = start(
        &scratch(),
        &["--max-connections", "20", "--header-timeout-ms", "20000"],
    );
    let _held: Vec<std::net::TcpStream> = (0..20).map(|_| slow_connection(&s)).collect();
    // Time for the server to take all twenty on a loaded machine (other tests run beside
    // this one); the header timeout is far longer, so a close below is the limit's doing.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let extra = slow_connection(&s);
    assert!(
        closed_within(&extra, std::time::Duration::from_millis(5000)),
        "the 21st connection is closed, not left waiting"
    );
    drop(_held);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(
        get(&s, "/healthz").0,
        200,
        "freed connections make room again"
    );
}

/// Posts the fixture folder's one root facts file, as of the fixtures' date.
fn post_root_facts(s: &Server, dir: &Path) -> (u16, String, String) {
    let facts = std::fs::read_to_string(dir.join("facts/aims.yaml")).unwrap();
    let body = json!({
        "files": [{ "path": "aims.yaml", "text": facts }],
        "as_of": "2026-11-01",
    })
    .to_string();
    post(s, "/v1/eval", &body)
}

/// A shared server reads no files: the evidence of posted facts is judged by what can be told
/// without reading (its dates, a path that leads out of the project), and every file's content
/// is reported as not verified, never as checked.
#[test]
fn posted_evidence_is_judged_by_its_dates_and_never_read() {
    let dir = repo().join("tests/fixtures/cli/evidence_states");
    let s = start(&dir, &[]);
    let (status, _, text) = post_root_facts(&s, &dir);
    assert_eq!(status, 200, "{text}");
    let report: Value = serde_json::from_str(&text).unwrap();
    let states: BTreeMap<String, String> = report["inputs"]["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert!(e.get("found_sha256").is_none(), "no file is read: {e}");
            (
                e["id"].as_str().unwrap().to_string(),
                e["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: BTreeMap<String, String> = [
        ("EV-1", "unverifiable"),
        ("EV-2", "unverifiable"),
        ("EV-3", "unverifiable"),
        ("EV-4", "unverifiable"),
        ("EV-5", "stale"),
        ("EV-6", "outside"),
        ("EV-7", "outside"),
        ("EV-8", "unverifiable"),
        ("EV-9", "no_digest"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(states, want);
    // What relies on stale or outside evidence does not pass; the rest is judged on the facts.
    let out: BTreeMap<String, String> = outcomes(&report).into_iter().collect();
    assert_eq!(out["ev::ok"], "pass");
    assert_eq!(out["ev::stale"], "error");
    assert_eq!(out["ev::climbs"], "error");
    assert_eq!(out["ev::absolute"], "error");
    assert_eq!(out["ev::no_digest"], "error");
    assert_eq!(
        out["ev::altered"], "pass",
        "the server cannot see the file changed"
    );
}

/// Posted facts that refer to evidence no record has: the server refuses them with the facts
/// diagnostic naming the id, as the command line reports it, and keeps serving.
#[test]
fn posted_facts_with_a_dangling_evidence_id_are_refused_with_the_diagnostic() {
    let dir = repo().join("tests/fixtures/cli/evidence_verify");
    let s = start(&dir, &[]);
    let (status, _, text) = post_root_facts(&s, &dir);
    // Invalid facts are the client's error, as for every other facts diagnostic.
    assert_eq!(status, 400, "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["error"]["code"], "aimsc::facts::invalid");
    let diags = v["error"]["diagnostics"].as_array().unwrap();
    assert!(
        diags
            .iter()
            .any(|d| d["code"] == "aimsc::facts::unresolved_ref"
                && d["message"].as_str().unwrap().contains("EV-99")),
        "{text}"
    );
    assert_eq!(get(&s, "/healthz").0, 200);
}

/// A JSON body as a `facts` request; the others as `files`.
fn facts_body(org: &str, extra: &[(&str, Value)]) -> String {
    let mut body = json!({ "files": files(org), "as_of": AS_OF });
    for (k, v) in extra {
        body[*k] = v.clone();
    }
    body.to_string()
}

fn per_control(doc: &Value, list: &str, fields: &[&str]) -> Vec<Vec<String>> {
    doc[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| fields.iter().map(|f| c[*f].to_string()).collect())
        .collect()
}

#[test]
fn the_soa_and_the_crosswalk_of_posted_facts_agree_with_the_command_line() {
    let org = repo().join("tests/orgs/chatly");
    let s = start(&org, &[]);
    let cli = run(&org, &["soa", "--as-of", AS_OF, "--format", "json"]);
    let local: Value = serde_json::from_str(&stdout(&cli)).unwrap();
    let (status, ct, body) = post(&s, "/v1/soa", &facts_body("chatly", &[]));
    assert_eq!((status, ct.as_str()), (200, "application/json"), "{body}");
    let served: Value = serde_json::from_str(&body).unwrap();
    let fields = ["id", "applicable", "justification", "status", "outcome"];
    assert_eq!(
        per_control(&served, "controls", &fields),
        per_control(&local, "controls", &fields)
    );
    let annex_a = served["controls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"].as_str().unwrap().starts_with("iso42001::A."))
        .count();
    assert_eq!(annex_a, 38, "every Annex A control in the SoA");
    for (format, ct) in [
        ("markdown", "text/markdown; charset=utf-8"),
        ("csv", "text/csv; charset=utf-8"),
    ] {
        let (status, got, body) = post(
            &s,
            "/v1/soa",
            &facts_body("chatly", &[("format", json!(format))]),
        );
        assert_eq!((status, got.as_str()), (200, ct), "{body}");
        let cli = run(&org, &["soa", "--as-of", AS_OF, "--format", format]);
        assert_eq!(
            body.lines().count(),
            stdout(&cli).lines().count(),
            "{format}"
        );
    }
    // The crosswalk of the facts, not the mapping alone.
    let cli = run(
        &org,
        &[
            "crosswalk",
            "--to",
            "eu-ai-act",
            "--as-of",
            AS_OF,
            "--format",
            "json",
        ],
    );
    let local: Value = serde_json::from_str(&stdout(&cli)).unwrap();
    let (status, _, body) = post(&s, "/v1/crosswalk/eu-ai-act", &facts_body("chatly", &[]));
    assert_eq!(status, 200, "{body}");
    let served: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(served["summary"], local["summary"]);
    assert_eq!(
        per_control(&served, "items", &["id", "status"]),
        per_control(&local, "items", &["id", "status"])
    );
    let (_, mapping) = get(&s, "/v1/crosswalk/eu-ai-act");
    let mapping: Value = serde_json::from_str(&mapping).unwrap();
    assert_eq!(mapping["summary"]["covered"], 0);
    assert!(
        served["summary"]["covered"].as_u64().unwrap()
            + served["summary"]["partial"].as_u64().unwrap()
            > 0,
        "{}",
        served["summary"]
    );
    let (status, ct, text) = post(
        &s,
        "/v1/crosswalk/iso27001",
        &facts_body("chatly", &[("format", json!("text"))]),
    );
    assert_eq!(
        (status, ct.as_str()),
        (200, "text/plain; charset=utf-8"),
        "{text}"
    );
    // Unknown frameworks are named, in both.
    let (status, _, body) = post(
        &s,
        "/v1/soa",
        &facts_body("chatly", &[("framework", json!("iso9001"))]),
    );
    assert_eq!(status, 404, "{body}");
    assert_eq!(error_code(&body), "aimsc::usage::unknown_framework");
    let (status, _, body) = post(&s, "/v1/crosswalk/iso9001", &facts_body("chatly", &[]));
    assert_eq!(status, 404, "{body}");
    let (status, _, body) = post(&s, "/v1/soa", r#"{"facts": {}, "format": "pdf"}"#);
    assert_eq!(status, 400, "{body}");
    assert_eq!(error_code(&body), "aimsc::serve::json");
}

fn with_headers(
    s: &Server,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, BTreeMap<String, String>, String) {
    let url = format!("{}{path}", s.base);
    let mut r = match (method, body) {
        ("GET", _) => {
            let mut req = agent().get(&url);
            for (k, v) in headers {
                req = req.header(*k, *v);
            }
            req.call().unwrap()
        }
        (_, b) => {
            let mut req = agent()
                .post(&url)
                .header("content-type", "application/json");
            for (k, v) in headers {
                req = req.header(*k, *v);
            }
            req.send(b.unwrap_or("")).unwrap()
        }
    };
    let heads = r
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let text = r
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_string()
        .unwrap();
    (r.status().as_u16(), heads, text)
}

fn token_file(dir: &Path, text: &str) -> std::path::PathBuf {
    let p = dir.join("tokens.txt");
    std::fs::write(&p, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    p
}

const TOKEN: &str = "0123456789abcdef0123456789abcdef";
const OTHER: &str = "fedcba9876543210fedcba9876543210";

#[test]
fn a_token_file_guards_every_endpoint_but_the_health_check() {
    let dir = scratch().join("tokens");
    std::fs::create_dir_all(&dir).unwrap();
    let tokens = token_file(
        &dir,
        &format!("# rotation: the old and the new\n{OTHER}\n\n{TOKEN}\n"),
    );
    let s = start(&scratch(), &["--token-file", tokens.to_str().unwrap()]);
    let bearer = format!("Bearer {TOKEN}");
    let wrong = format!("Bearer {TOKEN}x");
    let old = format!("Bearer {OTHER}");
    for path in [
        "/v1/controls",
        "/v1/frameworks",
        "/v1/crosswalk/eu-ai-act",
        "/metrics",
        "/v1/openapi.json",
    ] {
        let (status, heads, body) = with_headers(&s, "GET", path, &[], None);
        assert_eq!(status, 401, "{path}: {body}");
        assert_eq!(
            heads.get("www-authenticate").map(String::as_str),
            Some("Bearer realm=\"aimsc\"")
        );
        assert_eq!(
            with_headers(&s, "GET", path, &[("authorization", &wrong)], None).0,
            401,
            "{path}"
        );
        assert_eq!(
            with_headers(&s, "GET", path, &[("authorization", &bearer)], None).0,
            200,
            "{path}"
        );
        assert_eq!(
            with_headers(&s, "GET", path, &[("authorization", &old)], None).0,
            200,
            "{path}"
        );
    }
    let (status, _, body) = with_headers(&s, "POST", "/v1/eval", &[], Some(&eval_body("chatly")));
    assert_eq!(status, 401);
    insta::assert_snapshot!("serve_unauthorized", body);
    let (status, _, _) = with_headers(
        &s,
        "POST",
        "/v1/eval",
        &[("authorization", &bearer)],
        Some(&eval_body("chatly")),
    );
    assert_eq!(status, 200);
    // The scheme's case does not matter (RFC 9110); the token's does.
    let lower = format!("bearer {TOKEN}");
    let upper = format!("Bearer {}", TOKEN.to_uppercase());
    assert_eq!(
        with_headers(
            &s,
            "GET",
            "/v1/controls",
            &[("authorization", &lower)],
            None
        )
        .0,
        200
    );
    assert_eq!(
        with_headers(
            &s,
            "GET",
            "/v1/controls",
            &[("authorization", &upper)],
            None
        )
        .0,
        401
    );
    // Load balancers probe without a token.
    assert_eq!(with_headers(&s, "GET", "/healthz", &[], None).0, 200);
    let (_, _, metrics) = with_headers(&s, "GET", "/metrics", &[("authorization", &bearer)], None);
    assert!(
        metrics.contains("aimsc_unauthorized_total 12\n"),
        "{metrics}"
    );
    // Beyond loopback with a token, no warning about authentication.
    let o = run(
        &scratch(),
        &[
            "serve",
            "--bind",
            "192.0.2.1:9",
            "--token-file",
            tokens.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&o), 2);
    assert!(
        !common::stderr(&o).contains("token"),
        "{}",
        common::stderr(&o)
    );
}

#[test]
fn request_ids_are_kept_or_made_and_every_request_is_logged_once() {
    let s = start(&scratch(), &[]);
    let (_, heads, _) = with_headers(
        &s,
        "GET",
        "/v1/frameworks",
        &[("x-request-id", "build-42.a:b_c")],
        None,
    );
    assert_eq!(heads["x-request-id"], "build-42.a:b_c");
    let long = "a".repeat(65);
    let mut made = Vec::new();
    for given in [None, Some(long.as_str()), Some("two words"), Some("")] {
        let h: Vec<(&str, &str)> = given.map(|g| ("x-request-id", g)).into_iter().collect();
        let (_, heads, _) = with_headers(&s, "GET", "/healthz", &h, None);
        let id = heads["x-request-id"].clone();
        let (start, n) = id.split_once('-').unwrap();
        assert!(
            u64::from_str_radix(start, 16).is_ok() && n.parse::<u64>().is_ok(),
            "{id}"
        );
        made.push(id);
    }
    made.sort();
    made.dedup();
    assert_eq!(made.len(), 4, "each request its own id: {made:?}");
    let path = format!("/{}\u{7}", "x".repeat(300));
    let (status, heads, _) = with_headers(&s, "GET", &path.replace('\u{7}', "%07"), &[], None);
    assert_eq!(status, 404);
    let id = heads["x-request-id"].clone();
    let log = s.log_with("request id=", 6);
    let lines: Vec<&String> = log.iter().filter(|l| l.contains("request id=")).collect();
    assert_eq!(lines.len(), 6, "{log:#?}");
    assert!(
        lines[0].starts_with(
            "aimsc serve: request id=build-42.a:b_c method=GET path=/v1/frameworks status=200 ms="
        ),
        "{}",
        lines[0]
    );
    let last = lines[5];
    assert!(
        last.contains(&format!("id={id} method=GET path=/xxx")),
        "{last}"
    );
    assert!(
        last.contains("…") && last.len() < 250,
        "a long path is cut: {last}"
    );
}

#[test]
fn the_request_log_can_be_json_lines_or_off() {
    let s = start(&scratch(), &["--log", "json"]);
    let (_, heads, _) = with_headers(&s, "GET", "/healthz", &[], None);
    let log = s.log_with("\"request_id\"", 1);
    let line = log.iter().find(|l| l.starts_with('{')).unwrap();
    let v: Value = serde_json::from_str(line).unwrap();
    assert_eq!(v["request_id"], heads["x-request-id"].as_str());
    assert_eq!(
        (
            v["method"].as_str(),
            v["path"].as_str(),
            v["status"].as_u64()
        ),
        (Some("GET"), Some("/healthz"), Some(200))
    );
    let s = start(&scratch(), &["--log", "off"]);
    assert_eq!(get(&s, "/healthz").0, 200);
    assert_eq!(get(&s, "/healthz").0, 200);
    assert!(
        s.log().iter().all(|l| !l.contains("/healthz")),
        "{:?}",
        s.log()
    );
}

#[test]
fn metrics_count_requests_evaluations_and_cache_hits_in_the_prometheus_format() {
    // One worker, so the second identical request meets the facts the first left.
    let s = start(&scratch(), &["--workers", "1"]);
    let same = eval_body("chatly");
    assert_eq!(post(&s, "/v1/eval", &same).0, 200);
    assert_eq!(post(&s, "/v1/eval", &same).0, 200);
    assert_eq!(post(&s, "/v1/eval", &eval_body("kestrel")).0, 200);
    assert_eq!(post(&s, "/v1/eval", "{").0, 400);
    assert_eq!(get(&s, "/nowhere").0, 404);
    let (status, ct, text) = {
        let (st, heads, text) = with_headers(&s, "GET", "/metrics", &[], None);
        (st, heads["content-type"].clone(), text)
    };
    assert_eq!(
        (status, ct.as_str()),
        (200, "text/plain; version=0.0.4; charset=utf-8")
    );
    let scratch = scratch().join("metrics.txt");
    std::fs::write(&scratch, &text).unwrap();
    // The Prometheus project's own parser reads every family and sample.
    let parsed = common::validators::python(
        r#"
import sys, json
from prometheus_client.parser import text_string_to_metric_families
out = {}
for fam in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in fam.samples:
        labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
        out[f"{s.name}{{{labels}}}"] = s.value
print(json.dumps(out, sort_keys=True))
"#,
        &[&scratch],
    );
    let m: BTreeMap<String, f64> = serde_json::from_str(&parsed).unwrap();
    let at = |k: &str| {
        *m.get(k)
            .unwrap_or_else(|| panic!("no sample {k} in {m:#?}"))
    };
    assert_eq!(
        at("aimsc_requests_total{endpoint=/v1/eval,status=200}"),
        3.0
    );
    assert_eq!(
        at("aimsc_requests_total{endpoint=/v1/eval,status=400}"),
        1.0
    );
    assert_eq!(at("aimsc_requests_total{endpoint=other,status=404}"), 1.0);
    assert_eq!(at("aimsc_evaluations_total{}"), 3.0);
    assert_eq!(at("aimsc_cache_hits_total{}"), 1.0);
    assert_eq!(at("aimsc_cache_misses_total{}"), 2.0);
    assert_eq!(
        at("aimsc_request_duration_seconds_count{endpoint=/v1/eval}"),
        4.0
    );
    assert_eq!(
        at("aimsc_request_duration_seconds_bucket{endpoint=/v1/eval,le=+Inf}"),
        4.0
    );
    assert!(at("aimsc_request_duration_seconds_sum{endpoint=/v1/eval}") > 0.0);
    assert_eq!(at("aimsc_workers{}"), 1.0);
    assert_eq!(at("aimsc_workers_idle{}"), 1.0);
}

#[test]
fn every_answer_is_as_the_openapi_description_says() {
    let dir = scratch().join("openapi");
    std::fs::create_dir_all(&dir).unwrap();
    let tokens = token_file(&dir, &format!("{TOKEN}\n"));
    let s = start(
        &repo().join("tests/orgs/chatly"),
        &[
            "--token-file",
            tokens.to_str().unwrap(),
            "--max-body",
            "4000000",
        ],
    );
    let auth = format!("Bearer {TOKEN}");
    let ok = [("authorization", auth.as_str())];
    let spec_file = repo().join("crates/aimsc-server/openapi.json");
    let (status, _, served) = with_headers(&s, "GET", "/v1/openapi.json", &ok, None);
    assert_eq!(status, 200);
    assert_eq!(
        served,
        std::fs::read_to_string(&spec_file).unwrap(),
        "the server serves the file in the repository"
    );
    let body = |extra: &[(&str, Value)]| facts_body("chatly", extra);
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], Option<String>);
    let cases: Vec<Case> = vec![
        ("GET", "/healthz", &[], None),
        ("GET", "/metrics", &ok, None),
        ("GET", "/metrics", &[], None),
        ("GET", "/v1/openapi.json", &ok, None),
        ("GET", "/v1/controls", &ok, None),
        ("GET", "/v1/frameworks", &ok, None),
        ("GET", "/v1/crosswalk/eu-ai-act", &ok, None),
        ("GET", "/v1/crosswalk/iso9001", &ok, None),
        ("POST", "/v1/eval", &ok, Some(body(&[]))),
        (
            "POST",
            "/v1/eval",
            &ok,
            Some(body(&[("format", json!("markdown"))])),
        ),
        (
            "POST",
            "/v1/eval",
            &ok,
            Some(body(&[("format", json!("sarif"))])),
        ),
        (
            "POST",
            "/v1/eval",
            &ok,
            Some(json!({"facts": {"organisation": {"name": 3}}, "as_of": AS_OF}).to_string()),
        ),
        ("POST", "/v1/eval", &ok, Some("{".to_string())),
        ("POST", "/v1/eval", &[], Some(body(&[]))),
        ("POST", "/v1/soa", &ok, Some(body(&[]))),
        (
            "POST",
            "/v1/soa",
            &ok,
            Some(body(&[("format", json!("csv"))])),
        ),
        (
            "POST",
            "/v1/soa",
            &ok,
            Some(body(&[("framework", json!("iso9001"))])),
        ),
        ("POST", "/v1/crosswalk/iso27001", &ok, Some(body(&[]))),
        (
            "POST",
            "/v1/crosswalk/eu-ai-act",
            &ok,
            Some(body(&[("format", json!("markdown"))])),
        ),
    ];
    let mut recorded = Vec::new();
    for (i, (method, path, headers, body)) in cases.iter().enumerate() {
        let (status, heads, text) = with_headers(&s, method, path, headers, body.as_deref());
        let file = dir.join(format!("answer-{i}"));
        std::fs::write(&file, &text).unwrap();
        recorded.push(json!({
            "method": method, "path": path, "status": status,
            "content_type": heads.get("content-type").cloned().unwrap_or_default(),
            "body": file,
        }));
    }
    // A body over the limit, declared: refused before it is sent.
    let addr = s.base.trim_start_matches("http://");
    let mut c = std::net::TcpStream::connect(addr).unwrap();
    {
        use std::io::{Read as _, Write as _};
        write!(c, "POST /v1/eval HTTP/1.1\r\nhost: x\r\nauthorization: {auth}\r\ncontent-type: application/json\r\ncontent-length: 4000001\r\nconnection: close\r\n\r\n").unwrap();
        let mut answer = String::new();
        c.read_to_string(&mut answer).unwrap();
        let (head, text) = answer.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 413"), "{head}");
        let file = dir.join("answer-413");
        std::fs::write(&file, text).unwrap();
        recorded.push(json!({
            "method": "POST", "path": "/v1/eval", "status": 413,
            "content_type": "application/json", "body": file,
        }));
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: application/json"),
            "{head}"
        );
    }
    let statuses: Vec<u64> = recorded
        .iter()
        .map(|c| c["status"].as_u64().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            200, 200, 401, 200, 200, 200, 200, 404, 200, 200, 200, 400, 400, 401, 200, 200, 404,
            200, 200, 413
        ]
    );
    let cases_file = dir.join("cases.json");
    std::fs::write(&cases_file, serde_json::to_string(&recorded).unwrap()).unwrap();
    let problems = common::validators::openapi(&spec_file, &cases_file);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[cfg(unix)]
#[test]
fn sigterm_lets_the_request_under_way_finish_then_stops() {
    use std::io::{Read as _, Write as _};
    let s = start(&scratch(), &[]);
    let addr = s.base.trim_start_matches("http://").to_string();
    // A request under way: its headers sent, half its body still to come.
    let body = eval_body("chatly");
    let (first, rest) = body.as_bytes().split_at(body.len() / 2);
    let mut c = std::net::TcpStream::connect(&addr).unwrap();
    write!(c, "POST /v1/eval HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n", body.len()).unwrap();
    c.write_all(first).unwrap();
    // An idle kept-alive connection is closed at once.
    let idle = std::net::TcpStream::connect(&addr).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    let killed = Command::new("kill")
        .args(["-TERM", &s.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        std::net::TcpStream::connect(&addr).is_err(),
        "no new connection once stopping"
    );
    c.write_all(rest).unwrap();
    let mut answer = String::new();
    c.read_to_string(&mut answer).unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 200 OK"),
        "{}",
        &answer[..answer.len().min(300)]
    );
    assert!(answer.contains("\"summary\""), "the whole report came");
    assert!(closed_within(&idle, std::time::Duration::from_secs(2)));
    let mut s = s;
    let status = s.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert!(
        s.log()
            .iter()
            .any(|l| l == "aimsc serve: stopped; every request under way was answered"),
        "{:#?}",
        s.log()
    );
}
