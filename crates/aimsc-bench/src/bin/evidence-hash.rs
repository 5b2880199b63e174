//! The cost of evidence verification as a user runs it: whole `aimsc` processes on a project
//! whose facts name N evidence files of SIZE bytes (default 1,000 of 100 KB), and on the
//! example organisations. Prints the median of RUNS runs of `aimsc evidence verify` and of
//! `aimsc eval` (both hash every file: a process starts with no digests), beside the same
//! project with its evidence records removed. By hand, after `cargo build --release -p
//! aimsc-cli`: `cargo run --release -p aimsc-bench --bin evidence-hash -- [N] [SIZE] [RUNS]`.

use sha2::{Digest as _, Sha256};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

fn arg(i: usize, default: usize) -> usize {
    std::env::args()
        .nth(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn aimsc() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::env::var_os("AIMSC")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/release/aimsc"))
}

/// Median wall time of `runs` whole processes of `aimsc ARGS` in `dir`.
fn median(dir: &Path, args: &[&str], runs: usize) -> Result<Duration, String> {
    let mut times = Vec::new();
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let status = Command::new(aimsc())
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|e| format!("cannot run {}: {e}", aimsc().display()))?;
        let took = t.elapsed();
        // 0 or 1 are verdicts; 2 is bad input, which would make the timing meaningless.
        if status.code() == Some(2) {
            return Err(format!(
                "aimsc {} exited 2 in {}",
                args.join(" "),
                dir.display()
            ));
        }
        times.push(took);
    }
    times.sort();
    Ok(times[times.len() / 2])
}

fn write_project(dir: &Path, n: usize, size: usize, with_records: bool) -> std::io::Result<()> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("evidence"))?;
    std::fs::create_dir_all(dir.join("facts"))?;
    std::fs::write(
        dir.join("aims.toml"),
        "rules = [\"@aimsc/evidence\"]\nfacts = \"facts\"\n",
    )?;
    let mut facts = String::from("evidence:\n");
    for i in 0..n {
        // Distinct content per file, so that no layer below could share work between them.
        let mut body = format!("document {i}\n").into_bytes();
        body.resize(size, b'a' + (i % 26) as u8);
        let name = format!("evidence/doc-{i:05}.md");
        std::fs::write(dir.join(&name), &body)?;
        let digest: String = Sha256::digest(&body)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let _ = writeln!(
            facts,
            "  - {{id: EV-{i}, title: Document {i}, kind: record, location: {name}, sha256: {digest}, issued: 2026-06-01}}"
        );
    }
    if !with_records {
        facts = String::from("evidence: []\n");
    }
    std::fs::write(dir.join("facts/aims.yaml"), facts)
}

fn main() -> ExitCode {
    let (n, size, runs) = (arg(1, 1000), arg(2, 100 * 1024), arg(3, 5));
    if !aimsc().exists() {
        eprintln!(
            "{} is missing: build it with `cargo build --release -p aimsc-cli`, or set AIMSC",
            aimsc().display()
        );
        return ExitCode::from(2);
    }
    let base = std::env::temp_dir().join("aimsc-evidence-hash");
    let with = base.join("with");
    let without = base.join("without");
    for (dir, records) in [(&with, true), (&without, false)] {
        if let Err(e) = write_project(dir, n, size, records) {
            eprintln!("cannot write {}: {e}", dir.display());
            return ExitCode::from(2);
        }
    }
    let mb = (n * size) as f64 / 1e6;
    println!("{n} evidence files of {size} bytes ({mb:.1} MB), median of {runs} whole processes:");
    let verify = ["evidence", "verify", "--as-of", "2026-11-01"];
    let eval = ["eval", "--as-of", "2026-11-01"];
    for (what, args) in [("evidence verify", &verify[..]), ("eval", &eval[..])] {
        match (median(&with, args, runs), median(&without, args, runs)) {
            (Ok(a), Ok(b)) => {
                let hashing = a.saturating_sub(b);
                println!(
                    "  aimsc {what:<16} {:>8.1} ms   without the records {:>8.1} ms   difference {:>8.1} ms ({:.0} MB/s)",
                    a.as_secs_f64() * 1e3,
                    b.as_secs_f64() * 1e3,
                    hashing.as_secs_f64() * 1e3,
                    mb / hashing.as_secs_f64().max(1e-9)
                );
            }
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        }
    }
    let orgs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/orgs");
    println!("example organisations, median of {runs}:");
    for org in ["northbank", "chatly", "cityhall", "kestrel"] {
        match median(&orgs.join(org), &verify, runs) {
            Ok(t) => println!(
                "  {org:<10} aimsc evidence verify {:>8.1} ms",
                t.as_secs_f64() * 1e3
            ),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        }
    }
    ExitCode::SUCCESS
}
