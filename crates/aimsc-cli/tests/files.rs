#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]
//! Nothing the user has is lost: `-o` never overwrites an input or another report, and a
//! rewrite (`aimsc fmt`, a report) is never left half written.

mod common;

use common::{code, copy, repo, run, stderr};
use std::path::{Path, PathBuf};

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("files-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    copy(&repo().join("tests/orgs/northbank"), &dir);
    dir
}

#[test]
fn an_output_that_is_an_input_is_refused_and_the_input_kept() {
    let dir = scratch("output-is-input");
    let facts = std::fs::read_to_string(dir.join("facts/aims.yaml")).unwrap();
    for target in [
        "facts/aims.yaml",
        "rules/northbank.aims",
        "aims.toml",
        "./facts/../facts/aims.yaml",
    ] {
        let out = run(
            &dir,
            &[
                "eval",
                "--as-of",
                "2026-11-01",
                "--format",
                "json",
                "-o",
                target,
            ],
        );
        assert_eq!(code(&out), 2, "{target}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("aimsc::usage::output_is_input"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("facts/aims.yaml")).unwrap(),
        facts
    );
    // The baseline is an input too.
    let out = run(
        &dir,
        &[
            "eval",
            "--as-of",
            "2026-11-01",
            "--format",
            "json",
            "-o",
            "base.json",
        ],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let out = run(
        &dir,
        &[
            "eval",
            "--as-of",
            "2026-11-01",
            "--baseline",
            "base.json",
            "--format",
            "markdown",
            "-o",
            "base.json",
        ],
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    // So are the SoA's and the crosswalk's.
    let out = run(
        &dir,
        &["soa", "--as-of", "2026-11-01", "-o", "rules/northbank.aims"],
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}

#[test]
fn two_reports_to_one_file_are_refused() {
    let dir = scratch("output-twice");
    let out = run(
        &dir,
        &[
            "eval",
            "--as-of",
            "2026-11-01",
            "--format",
            "json",
            "-o",
            "r.out",
            "--format",
            "sarif",
            "-o",
            "./r.out",
        ],
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("aimsc::usage::output_twice"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.join("r.out").exists(), "nothing is written");
}

/// `aimsc fmt` under a file-size limit (as on a full disk): the rewrite fails, and the file is
/// either as it was or wholly formatted, never cut short.
#[test]
fn a_failed_rewrite_leaves_the_file_whole() {
    let dir = scratch("fmt-limit");
    let mut messy = String::from(
        "framework   demo   \"Demo\"\nrecord Org { name: string }\nfacts { org: Org }\n",
    );
    for i in 0..600 {
        messy.push_str(&format!(
            "control   demo::c{i}   \"Control {i}\" {{ require \"named\" {{ org.name   !=   \"\" }} }}\n"
        ));
    }
    assert!(messy.len() > 40_000);
    let file = dir.join("messy.aims");
    std::fs::write(&file, &messy).unwrap();
    // `ulimit -f 16`: no file may grow past 16 KiB; the process gets SIGXFSZ if one would.
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "ulimit -f 16; exec '{}' fmt messy.aims",
            env!("CARGO_BIN_EXE_aimsc")
        ))
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "the rewrite cannot succeed under the limit"
    );
    let after = std::fs::read_to_string(&file).unwrap();
    assert_eq!(after, messy, "the original is kept whole");
    // Without the limit it is rewritten, and no temporary file is left behind.
    let out = run(&dir, &["fmt", "messy.aims"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_ne!(std::fs::read_to_string(&file).unwrap(), messy);
    let leftovers: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    // A killed run may leave its temporary file; a completed one leaves none of its own.
    assert!(leftovers.len() <= 1, "{leftovers:?}");
}

/// A report is written as it is rendered (a large one is never whole in memory), yet through
/// a temporary file: a run stopped while writing leaves the earlier report whole, and a
/// completed run's report is the same bytes as the report on stdout.
#[test]
fn a_report_cut_off_while_written_leaves_the_earlier_one_whole() {
    let dir = scratch("report-limit");
    let eval = |extra: &str| {
        std::process::Command::new("bash")
            .arg("-c")
            .arg(format!(
                "{extra}exec '{}' eval --as-of 2026-11-01 --format json -o report.json",
                env!("CARGO_BIN_EXE_aimsc")
            ))
            .current_dir(&dir)
            .output()
            .unwrap()
    };
    let earlier = "{\"an\": \"earlier report\"}\n";
    std::fs::write(dir.join("report.json"), earlier).unwrap();
    let out = eval("ulimit -f 16; ");
    assert!(
        !out.status.success(),
        "the report is larger than 16 KiB: writing it cannot succeed under the limit"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("report.json")).unwrap(),
        earlier,
        "the earlier report is kept whole"
    );
    let out = eval("");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let written = std::fs::read_to_string(dir.join("report.json")).unwrap();
    assert!(written.len() > 16 * 1024, "{}", written.len());
    let stdout = run(&dir, &["eval", "--as-of", "2026-11-01", "--format", "json"]);
    assert_eq!(written, String::from_utf8_lossy(&stdout.stdout));
}

/// A new report is readable as any file the user creates (0666 less the umask), not only by
/// its owner as the temporary file it is written through; a report replaced keeps its mode.
#[cfg(unix)]
#[test]
fn a_new_report_has_the_users_file_mode_and_a_replaced_one_keeps_its_own() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = scratch("report-mode");
    let eval = |umask: &str, output: &str| {
        std::process::Command::new("bash")
            .arg("-c")
            .arg(format!(
                "umask {umask}; exec '{}' eval --as-of 2026-11-01 --format json -o {output}",
                env!("CARGO_BIN_EXE_aimsc")
            ))
            .current_dir(&dir)
            .output()
            .unwrap()
    };
    let mode = |name: &str| {
        std::fs::metadata(dir.join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(code(&eval("022", "new.json")), 1);
    assert_eq!(mode("new.json"), 0o644);
    assert_eq!(code(&eval("077", "private.json")), 1);
    assert_eq!(
        mode("private.json"),
        0o600,
        "the umask is the user's to narrow"
    );
    std::fs::set_permissions(dir.join("new.json"), std::fs::Permissions::from_mode(0o640)).unwrap();
    assert_eq!(code(&eval("022", "new.json")), 1);
    assert_eq!(mode("new.json"), 0o640, "a replaced report keeps its mode");
}

/// A report written to something that is not a regular file (a named pipe here; `/dev/null`,
/// `/dev/stdout`) is written into it, never replaced: renaming the temporary file over
/// `/dev/null` had made it, for root, a plain file that later programs read back.
#[cfg(unix)]
#[test]
fn a_report_to_a_named_pipe_is_written_into_it_and_the_pipe_stays() {
    use std::os::unix::fs::FileTypeExt as _;
    let dir = scratch("report-fifo");
    let fifo = dir.join("report.pipe");
    let _ = std::fs::remove_file(&fifo);
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo failed");
    // The reader waits in `open` until a writer opens the pipe; were the pipe replaced, it
    // would wait for ever, so its text comes through a channel with a deadline.
    let (tx, rx) = std::sync::mpsc::channel();
    {
        let fifo = fifo.clone();
        std::thread::spawn(move || tx.send(std::fs::read_to_string(fifo)));
    }
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_aimsc"))
        .args(["eval", "--as-of", "2026-11-01", "--format", "json", "-o"])
        .arg(&fifo)
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(code(&o), 1, "{}", String::from_utf8_lossy(&o.stderr));
    let text = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("nothing was written into the pipe")
        .unwrap();
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(report["results"].as_array().is_some_and(|r| !r.is_empty()));
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "the pipe was replaced: {kind:?}");
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".aimsc-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

/// A diagnostic shows a bounded excerpt of its input: a long line is cut around the place, and
/// control characters in the source never reach the terminal.
#[test]
fn diagnostics_show_bounded_and_escaped_excerpts() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("files-excerpts");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("rules.aims"),
        "framework demo \"Demo\"\nrecord S { id: string, n: int }\nfacts { systems: [S] }\nrule demo::r \"R\" { all s in systems: s.n > 0 }\n",
    )
    .unwrap();
    // 5 MB on one line, one error at its end.
    let mut line = String::from("{\"systems\": [");
    for i in 0..60_000 {
        line.push_str(&format!("{{\"id\": \"s{i}\", \"n\": 1}}, "));
    }
    line.push_str("{\"id\": \"bad\", \"n\": \"\u{1b}[2Jnot a number\"}]}");
    assert!(line.len() > 1_500_000);
    std::fs::write(dir.join("facts.json"), &line).unwrap();
    let out = run(
        &dir,
        &[
            "check",
            "rules.aims",
            "--facts",
            "facts.json",
            "--as-of",
            "2026-11-01",
        ],
    );
    assert_eq!(
        code(&out),
        2,
        "{}",
        stderr(&out).chars().take(2000).collect::<String>()
    );
    let err = stderr(&out);
    // A raw ESC is no JSON: the error is a syntax error, its excerpt the end of the line.
    assert!(
        err.contains("aimsc::facts::syntax") && err.contains("not a number"),
        "{}",
        err.chars().take(2000).collect::<String>()
    );
    assert!(err.len() < 8_000, "stderr is {} bytes", err.len());
    assert!(!err.contains('\u{1b}'), "{err}");
}

/// Rules that nest without brackets (a long `+` chain, a long chain of defs, many `let`s) are
/// refused with a diagnostic, never a crash of the process.
#[test]
fn deep_rules_are_refused_not_a_stack_overflow() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("files-deep");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("o.json"), "{\"o\": {\"n\": 1}}").unwrap();
    let head = "framework d \"D\"\nrecord O { n: int }\nfacts { o: O }\n";
    let terms = vec!["1"; 20_000].join(" + ");
    let fields = vec!["n"; 20_000].join(".");
    let mut defs = String::from("def d0 = 1 > 0\n");
    for i in 1..3000 {
        defs.push_str(&format!("def d{i} = d{} and true\n", i - 1));
    }
    let mut lets = String::new();
    for i in 0..3000 {
        let value = if i == 0 {
            "o.n".to_string()
        } else {
            format!("x{} + 1", i - 1)
        };
        lets.push_str(&format!("  let x{i} = {value}\n"));
    }
    let cases = [
        (
            "chain",
            format!("{head}rule d::r \"R\" {{ o.n + {terms} > 0 }}\n"),
            "aimsc::limit::nesting",
        ),
        (
            "fields",
            format!("{head}rule d::r \"R\" {{ o.{fields} > 0 }}\n"),
            "aimsc::limit::nesting",
        ),
        (
            "defs",
            format!("{head}{defs}rule d::r \"R\" {{ d2999 and o.n > 0 }}\n"),
            "aimsc::limit::def_depth",
        ),
        (
            "lets",
            format!("{head}rule d::r \"R\" {{\n{lets}  x2999 > 0\n}}\n"),
            "aimsc::limit::nesting",
        ),
    ];
    for (name, text, want) in cases {
        let file = format!("{name}.aims");
        std::fs::write(dir.join(&file), text).unwrap();
        for args in [
            vec![
                "check",
                file.as_str(),
                "--facts",
                "o.json",
                "--as-of",
                "2026-11-01",
            ],
            vec![
                "eval",
                "--rules",
                file.as_str(),
                "--facts",
                "o.json",
                "--as-of",
                "2026-11-01",
            ],
        ] {
            let out = run(&dir, &args);
            let err: String = stderr(&out).chars().take(500).collect();
            assert_eq!(code(&out), 2, "{name} {args:?}: {err}");
            assert!(stderr(&out).contains(want), "{name} {args:?}: {err}");
        }
    }
}

/// A file the facts folder does not load is a warning, and with `--strict` an error (exit 2).
#[test]
fn strict_makes_a_skipped_facts_file_an_error() {
    let dir = scratch("strict");
    std::fs::write(dir.join("facts/ai_systems/notes.yaml.bak"), "id: x\n").unwrap();
    let out = run(&dir, &["eval", "--as-of", "2026-11-01"]);
    assert_eq!(
        code(&out),
        1,
        "northbank fails on purpose: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("aimsc::facts::skipped"),
        "{}",
        stderr(&out)
    );
    let out = run(&dir, &["eval", "--as-of", "2026-11-01", "--strict"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("aimsc::facts::skipped"),
        "{}",
        stderr(&out)
    );
}
