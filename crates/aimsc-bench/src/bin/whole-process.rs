//! Whole processes, as users run them: `aimsc eval` against the peer's command line
//! (`regorus-run`, a small regorus program in this crate) on the same facts files, side by side
//! in one run; and `aimsc eval` with the shipped rulesets on a synthetic organisation.
//!
//! ```sh
//! cargo build --release -p aimsc-cli -p aimsc-bench
//! target/release/whole-process peer 10000,100000 5     # both peer policies, three encodings
//! target/release/whole-process peer 100000 3 json-line # one encoding
//! target/release/whole-process shipped 10000,100000 3  # the shipped rulesets, both layouts
//! target/release/whole-process parse 10000 5            # facts parsing alone, MB/s
//! ```
//!
//! Each figure is the median wall time of the runs (the two programs alternate), with the peak
//! resident memory of the child process. Before timing, the peer mode checks that aimsc's JSON
//! report and regorus's output name exactly the same failing records for every rule.

use aimsc_synth::{Config, Layout, Org};

// The allocator of the `aimsc` binary, so that the in-process parse figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

/// A peer policy: its name, files and rules.
struct Policy {
    name: &'static str,
    aims: &'static str,
    rego: &'static str,
    /// The Rego package (`data.<package>.violations`).
    package: &'static str,
    rules: &'static [&'static str],
}

const POLICIES: [Policy; 2] = [
    Policy {
        name: "peer",
        aims: include_str!("../../peer/policy.aims"),
        rego: include_str!("../../peer/policy.rego"),
        package: "bench",
        rules: &aimsc_bench::PEER_RULES,
    },
    Policy {
        name: "supply",
        aims: include_str!("../../peer/supply.aims"),
        rego: include_str!("../../peer/supply.rego"),
        package: "supply",
        rules: &["r01", "r02"],
    },
];

/// How the facts are written for the peer runs.
const ENCODINGS: [(&str, &str); 3] = [
    ("json-line", "facts.json"),
    ("json-pretty", "facts.json"),
    ("yaml", "facts.yaml"),
];

fn bin(name: &str) -> PathBuf {
    let me = std::env::current_exe().unwrap_or_default();
    me.with_file_name(name)
}

/// Wall time, peak resident memory (bytes) of the command alone, its stdout and exit code.
///
/// The command runs under `whole-process measure`, a process of this program that starts it,
/// times it and reads its peak from the kernel's accounting of waited-for children, which for
/// a process with one child is that child's.
fn run(cmd: &mut Command) -> Result<(Duration, u64, Vec<u8>, i32), String> {
    let mut wrapped = Command::new(std::env::current_exe().map_err(|e| e.to_string())?);
    wrapped
        .arg("measure")
        .arg(cmd.get_program())
        .args(cmd.get_args());
    if let Some(dir) = cmd.get_current_dir() {
        wrapped.current_dir(dir);
    }
    let out = wrapped
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("{cmd:?}: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("measured "))
        .ok_or_else(|| format!("{cmd:?}: not measured: {stderr}"))?;
    let nums: Vec<i64> = line.split(' ').filter_map(|n| n.parse().ok()).collect();
    let [ns, kb, code] = nums[..] else {
        return Err(format!("{cmd:?}: bad measurement {line}"));
    };
    Ok((
        Duration::from_nanos(u64::try_from(ns).unwrap_or(0)),
        u64::try_from(kb).unwrap_or(0) * 1024,
        out.stdout,
        i32::try_from(code).unwrap_or(-1),
    ))
}

/// `whole-process measure PROGRAM ARGS…`: runs the program with this process's stdout and
/// prints `measured NANOSECONDS PEAK_KB EXIT_CODE` on stderr.
fn measure(args: &[String]) -> ExitCode {
    let Some((program, rest)) = args.split_first() else {
        return ExitCode::FAILURE;
    };
    let start = Instant::now();
    let status = Command::new(program)
        .args(rest)
        .stderr(std::process::Stdio::null())
        .status();
    let took = start.elapsed();
    let Ok(status) = status else {
        return ExitCode::FAILURE;
    };
    let peak = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)
        .map_or(0, |u| u.max_rss());
    eprintln!(
        "measured {} {peak} {}",
        took.as_nanos(),
        status.code().unwrap_or(-1)
    );
    ExitCode::SUCCESS
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else {
        format!("{ms:.0} ms")
    }
}

fn mb(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1e6)
}

type Verdicts = BTreeMap<String, BTreeSet<String>>;

/// Failing record ids per rule from aimsc's JSON report.
fn aimsc_verdicts(report: &[u8], policy: &Policy) -> Result<Verdicts, String> {
    let json: serde_json::Value =
        serde_json::from_slice(report).map_err(|e| format!("aimsc report: {e}"))?;
    let mut out = Verdicts::new();
    for rule in policy.rules {
        out.insert((*rule).to_string(), BTreeSet::new());
    }
    let checks = json
        .get("results")
        .and_then(|c| c.as_array())
        .ok_or("aimsc report: no results")?;
    for check in checks {
        let Some(id) = check.get("id").and_then(|i| i.as_str()) else {
            continue;
        };
        let Some(rule) = id.strip_prefix(&format!("{}::", policy.package)) else {
            continue;
        };
        let ids = out.entry(rule.to_string()).or_default();
        for req in check
            .get("requirements")
            .and_then(|r| r.as_array())
            .into_iter()
            .flatten()
        {
            let findings = req
                .pointer("/explanation/records/findings")
                .and_then(|f| f.as_array());
            for f in findings.into_iter().flatten() {
                if let Some(r) = f.get("record").and_then(|r| r.as_str()) {
                    let id = r
                        .rsplit_once("[id=")
                        .and_then(|(_, rest)| rest.strip_suffix(']'))
                        .unwrap_or(r);
                    ids.insert(id.to_string());
                }
            }
        }
    }
    Ok(out)
}

/// Failing ids per rule from regorus-run's output.
fn regorus_verdicts(out: &[u8], policy: &Policy) -> Result<Verdicts, String> {
    let json: serde_json::Value =
        serde_json::from_slice(out).map_err(|e| format!("regorus output: {e}"))?;
    let mut v = Verdicts::new();
    for rule in policy.rules {
        let ids = json
            .get(*rule)
            .and_then(|a| a.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        v.insert((*rule).to_string(), ids);
    }
    Ok(v)
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn work_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/aimsc-bench/whole-process")
}

/// Writes the peer projects for `n` systems: per encoding, a folder with `aims.toml`, both
/// policies and the facts file.
fn peer_projects(n: usize) -> Result<Vec<(&'static str, PathBuf, u64)>, String> {
    let org = Org::generate(&Config {
        systems: n,
        seed: aimsc_bench::SEED,
    });
    let value = org.to_value();
    let mut out = Vec::new();
    for (enc, file) in ENCODINGS {
        let dir = work_dir().join(format!("peer-{n}-{enc}"));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let text = match enc {
            "json-line" => serde_json::to_string(&value).map_err(|e| e.to_string())?,
            "json-pretty" => serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?,
            _ => org.to_yaml(),
        };
        write(&dir.join(file), &text)?;
        for p in &POLICIES {
            write(&dir.join(format!("{}.aims", p.name)), p.aims)?;
            write(&dir.join(format!("{}.rego", p.name)), p.rego)?;
        }
        out.push((enc, dir, text.len() as u64));
    }
    Ok(out)
}

fn aimsc_cmd(dir: &Path, policy: &str, facts: &str) -> Result<Command, String> {
    write(
        &dir.join("aims.toml"),
        &format!(
            "rules = [\"@aimsc/iso42001/schema.aims\", \"{policy}.aims\"]\nfacts = \"{facts}\"\n"
        ),
    )?;
    Ok(aimsc_eval(dir))
}

/// `aimsc eval` with a JSON report in `dir`, as both modes time it.
fn aimsc_eval(dir: &Path) -> Command {
    let mut c = Command::new(bin("aimsc"));
    c.current_dir(dir).args([
        "eval",
        "--as-of",
        aimsc_synth::BASE_DATE,
        "--format",
        "json",
        "--fail-on",
        "none",
        // 100,000 systems on one line are 257 MiB, over the default limit of 256 MiB.
        "--limit",
        "max-file-bytes=1073741824",
    ]);
    c
}

fn regorus_cmd(dir: &Path, policy: &Policy, facts: &str) -> Command {
    let mut c = Command::new(bin("regorus-run"));
    c.current_dir(dir).args([
        &format!("{}.rego", policy.name),
        facts,
        aimsc_synth::BASE_DATE,
        &format!("data.{}.violations", policy.package),
    ]);
    c
}

fn peer(sizes: &[usize], runs: usize, only: &[&str]) -> Result<(), String> {
    println!(
        "| policy | N systems | facts | size | aimsc | regorus | regorus / aimsc | aimsc peak | regorus peak |"
    );
    println!("|---|---:|---|---:|---:|---:|---:|---:|---:|");
    for &n in sizes {
        for (enc, dir, size) in peer_projects(n)? {
            if !only.is_empty() && !only.contains(&enc) {
                continue;
            }
            let facts = ENCODINGS
                .iter()
                .find(|(e, _)| *e == enc)
                .map_or("facts.json", |(_, f)| f);
            for policy in &POLICIES {
                let (_, _, report, code) = run(&mut aimsc_cmd(&dir, policy.name, facts)?)?;
                if code != 0 {
                    return Err(format!("aimsc eval exited {code} in {}", dir.display()));
                }
                let ours = aimsc_verdicts(&report, policy)?;
                let (_, _, out, code) = run(&mut regorus_cmd(&dir, policy, facts))?;
                if code != 0 {
                    return Err(format!("regorus-run exited {code} in {}", dir.display()));
                }
                let theirs = regorus_verdicts(&out, policy)?;
                if ours != theirs {
                    let rule = policy
                        .rules
                        .iter()
                        .find(|r| ours.get(**r) != theirs.get(**r))
                        .copied()
                        .unwrap_or("?");
                    return Err(format!(
                        "{} at n={n} ({enc}): aimsc and regorus disagree on {rule}",
                        policy.name
                    ));
                }
                let failing: usize = ours.values().map(BTreeSet::len).sum();
                eprintln!(
                    "{} n={n} {enc}: both find the same {failing} failing records",
                    policy.name
                );
                let (mut a, mut r, mut a_peak, mut r_peak) = (vec![], vec![], 0, 0);
                for _ in 0..runs {
                    let (t, p, _, _) = run(&mut aimsc_cmd(&dir, policy.name, facts)?)?;
                    a.push(t);
                    a_peak = a_peak.max(p);
                    let (t, p, _, _) = run(&mut regorus_cmd(&dir, policy, facts))?;
                    r.push(t);
                    r_peak = r_peak.max(p);
                }
                let (a, r) = (median(a), median(r));
                println!(
                    "| {} | {n} | {enc} | {} | {} | {} | {:.1}× | {} | {} |",
                    policy.name,
                    mb(size),
                    ms(a),
                    ms(r),
                    r.as_secs_f64() / a.as_secs_f64().max(1e-9),
                    mb(a_peak),
                    mb(r_peak)
                );
            }
        }
    }
    Ok(())
}

fn shipped(sizes: &[usize], runs: usize) -> Result<(), String> {
    println!("| N systems | layout | facts on disk | aimsc eval | peak memory | peak / facts |");
    println!("|---:|---|---:|---:|---:|---:|");
    for &n in sizes {
        for layout in [Layout::OneFile, Layout::Folder] {
            let (facts, size) = aimsc_bench::org_on_disk(n, layout).map_err(|e| e.to_string())?;
            let dir = facts.parent().ok_or("no folder")?.to_path_buf();
            let (mut times, mut peak) = (vec![], 0);
            for _ in 0..runs {
                let (t, p, _, code) = run(&mut aimsc_eval(&dir))?;
                if code != 0 {
                    return Err(format!("aimsc eval exited {code} in {}", dir.display()));
                }
                times.push(t);
                peak = peak.max(p);
            }
            let name = match layout {
                Layout::OneFile => "one file",
                Layout::Folder => "file per record",
            };
            println!(
                "| {n} | {name} | {} | {} | {} | {:.2}× |",
                mb(size),
                ms(median(times)),
                mb(peak),
                peak as f64 / size.max(1) as f64
            );
        }
    }
    Ok(())
}

/// Facts parsing alone, in this process on one core: each encoding's file read into the value
/// tree with every span and limit (`aimsc_facts::parse_file`), median of `runs`.
fn parse(sizes: &[usize], runs: usize) -> Result<(), String> {
    println!("| N systems | facts | size | parse (median) | throughput | YAML events alone |");
    println!("|---:|---|---:|---:|---:|---:|");
    for &n in sizes {
        for (enc, dir, size) in peer_projects(n)? {
            let file = ENCODINGS
                .iter()
                .find(|(e, _)| *e == enc)
                .map_or("facts.json", |(_, f)| f);
            let text = std::fs::read_to_string(dir.join(file)).map_err(|e| e.to_string())?;
            let path: std::sync::Arc<str> = std::sync::Arc::from(file);
            let limits = aimsc_facts::Limits::default();
            let mut times = Vec::new();
            for _ in 0..runs {
                let start = Instant::now();
                let v = aimsc_facts::parse_file(&path, 0, &text, &limits).map_err(|d| d.message)?;
                times.push(start.elapsed());
                drop(v);
            }
            let t = median(times);
            let events = if enc == "yaml" {
                let t = yaml_events(&text, runs)?;
                format!(
                    "{} ({:.0} MB/s)",
                    ms(t),
                    size as f64 / 1e6 / t.as_secs_f64().max(1e-9)
                )
            } else {
                "-".to_string()
            };
            println!(
                "| {n} | {enc} | {} | {} | {:.0} MB/s | {events} |",
                mb(size),
                ms(t),
                size as f64 / 1e6 / t.as_secs_f64().max(1e-9)
            );
        }
    }
    Ok(())
}

/// The median time of granit-parser's event stream over `text`, building nothing: how fast
/// YAML can be read at all with the parser serde-saphyr uses.
fn yaml_events(text: &str, runs: usize) -> Result<Duration, String> {
    let mut times = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let mut n = 0usize;
        for event in granit_parser::Parser::new_from_str(text) {
            event.map_err(|e| e.to_string())?;
            n += 1;
        }
        times.push(start.elapsed());
        std::hint::black_box(n);
    }
    Ok(median(times))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args.first().map_or("peer", String::as_str);
    let sizes: Vec<usize> = args
        .get(1)
        .map_or("10000", String::as_str)
        .split(',')
        .filter_map(|s| s.parse().ok())
        .collect();
    let runs = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(5);
    // Optionally, which encodings: `json-line,yaml`.
    let only: Vec<&str> = args
        .get(3)
        .map(|e| e.split(',').collect())
        .unwrap_or_default();
    if mode == "measure" {
        return measure(&args[1..]);
    }
    let result = match mode {
        "peer" => peer(&sizes, runs, &only),
        "shipped" => shipped(&sizes, runs),
        "parse" => parse(&sizes, runs),
        _ => Err("usage: whole-process peer|shipped|parse SIZES [RUNS] [ENCODINGS]".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("whole-process: {e}");
            ExitCode::FAILURE
        }
    }
}
