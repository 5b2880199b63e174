#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]
//! `aimsc history` and `aimsc eval --baseline REV` on a repository the test makes: the example
//! bank in a subfolder, over thirty commits that break and fix controls, change a rule, let a
//! waiver expire and evidence go stale, alter an evidence file, and touch files outside the
//! project. Commit dates are fixed, so the output is too.

mod common;

use common::{code, copy, repo, run, stderr, stdout};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn git(dir: &Path, args: &[&str], date: &str) {
    let stamp = format!("{date}T12:00:00+00:00");
    let o = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.org")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.org")
        .env("GIT_AUTHOR_DATE", &stamp)
        .env("GIT_COMMITTER_DATE", &stamp)
        .env("GIT_CONFIG_GLOBAL", empty_config())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// An empty git configuration, so that no setting of the machine's (signing, hooks) applies.
fn empty_config() -> PathBuf {
    let p = Path::new(env!("CARGO_TARGET_TMPDIR")).join("history-gitconfig");
    if !p.exists() {
        std::fs::write(&p, "").unwrap();
    }
    p
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} holds no `{from}`", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

fn append(path: &Path, line: &str) {
    let mut text = std::fs::read_to_string(path).unwrap_or_default();
    text.push_str(line);
    text.push('\n');
    std::fs::write(path, text).unwrap();
}

/// The repository, and the ids of some of its commits by name.
struct Made {
    root: PathBuf,
    org: PathBuf,
    commits: Vec<(String, String)>,
}

impl Made {
    fn id(&self, name: &str) -> String {
        self.commits
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, id)| id.clone())
            .unwrap_or_else(|| panic!("no commit {name}"))
    }
}

fn head(dir: &Path) -> String {
    let o = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(dir)
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn make(name: &str) -> Made {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("history-{name}"));
    let _ = std::fs::remove_dir_all(&root);
    let org = root.join("orgs/northbank");
    copy(&repo().join("tests/orgs/northbank"), &org);
    std::fs::create_dir_all(root.join("notes")).unwrap();
    git(&root, &["init", "-q", "-b", "main"], "2026-09-01");
    let mut made = Made {
        root: root.clone(),
        org: org.clone(),
        commits: Vec::new(),
    };
    let step = |made: &mut Made, date: &str, name: &str, change: &dyn Fn()| {
        change();
        git(&root, &["add", "-A"], date);
        git(&root, &["commit", "-q", "--allow-empty", "-m", name], date);
        made.commits.push((name.to_string(), head(&root)));
    };
    let system = org.join("facts/ai_systems/credit-score.yaml");
    let rules = org.join("rules/northbank.aims");
    let notes = root.join("notes/log.md");
    let outside = |n: usize| {
        let notes = notes.clone();
        move || append(&notes, &format!("note {n}"))
    };
    step(&mut made, "2026-09-01", "import northbank", &|| {});
    for (i, day) in ["02", "03", "04"].iter().enumerate() {
        step(
            &mut made,
            &format!("2026-09-{day}"),
            "notes only",
            &outside(i),
        );
    }
    step(&mut made, "2026-09-07", "test cybersecurity", &|| {
        edit(
            &system,
            "cybersecurity_tested: false",
            "cybersecurity_tested: true",
        );
    });
    step(&mut made, "2026-09-08", "notes only", &outside(10));
    step(&mut made, "2026-09-10", "validation failed", &|| {
        edit(
            &system,
            "criteria_documented: true, passed: true",
            "criteria_documented: true, passed: false",
        );
    });
    step(&mut made, "2026-09-11", "notes only", &outside(11));
    step(&mut made, "2026-09-14", "validation passed again", &|| {
        edit(
            &system,
            "criteria_documented: true, passed: false",
            "criteria_documented: true, passed: true",
        );
    });
    step(&mut made, "2026-09-15", "notes only", &outside(12));
    step(
        &mut made,
        "2026-09-17",
        "re-assess impacts every 3 months",
        &|| {
            edit(
                &rules,
                "set impact_reassessment_period = 6 months",
                "set impact_reassessment_period = 3 months",
            );
        },
    );
    step(&mut made, "2026-09-21", "back to 6 months", &|| {
        edit(
            &rules,
            "set impact_reassessment_period = 3 months",
            "set impact_reassessment_period = 6 months",
        );
    });
    step(&mut made, "2026-09-24", "shorten the drift waiver", &|| {
        edit(&rules, "until 2027-01-31", "until 2026-10-15");
    });
    for (i, day) in ["28", "29", "30"].iter().enumerate() {
        step(
            &mut made,
            &format!("2026-09-{day}"),
            "notes only",
            &outside(20 + i),
        );
    }
    step(
        &mut made,
        "2026-10-01",
        "audit programme valid until mid-October",
        &|| {
            append(
                &org.join("facts/evidence/EV-7.yaml"),
                "valid_until: 2026-10-18",
            );
        },
    );
    step(&mut made, "2026-10-12", "a supplier note", &|| {
        edit(
            &system,
            "suppliers: [bureau-co]",
            "suppliers: [bureau-co] # reviewed",
        );
    });
    step(&mut made, "2026-10-20", "a second supplier note", &|| {
        edit(
            &system,
            "suppliers: [bureau-co] # reviewed",
            "suppliers: [bureau-co] # reviewed twice",
        );
    });
    step(&mut made, "2026-10-21", "notes only", &outside(30));
    step(
        &mut made,
        "2026-10-22",
        "edit the AI policy after its review",
        &|| {
            append(
                &org.join("evidence/ai-policy.md"),
                "\nAn unreviewed paragraph.",
            );
        },
    );
    step(&mut made, "2026-10-26", "a rule of our own", &|| {
        append(
            &rules,
            "\nrule northbank::two_suppliers \"Models have two suppliers\" {\n  all s in ai_systems: count(s.suppliers) >= 2\n}",
        );
    });
    step(&mut made, "2026-10-28", "drop that rule", &|| {
        let text = std::fs::read_to_string(&rules).unwrap();
        let cut = text.find("\nrule northbank::two_suppliers").unwrap();
        std::fs::write(&rules, &text[..cut]).unwrap();
    });
    for (i, day) in ["02", "03", "04", "05", "09", "10", "11"]
        .iter()
        .enumerate()
    {
        step(
            &mut made,
            &format!("2026-11-{day}"),
            "notes only",
            &outside(40 + i),
        );
    }
    made
}

fn changes(history: &Value, subject: &str) -> Vec<(String, String, Vec<String>)> {
    let point = history["points"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["subject"] == subject)
        .unwrap_or_else(|| panic!("no point `{subject}`"));
    point["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let reasons = c["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["kind"].as_str().unwrap().to_string())
                .collect();
            (
                c["id"].as_str().unwrap().to_string(),
                c["kind"].as_str().unwrap().to_string(),
                reasons,
            )
        })
        .collect()
}

fn has(list: &[(String, String, Vec<String>)], id: &str, kind: &str, reason: &str) -> bool {
    list.iter()
        .any(|(i, k, r)| i == id && k == kind && r.iter().any(|x| x == reason))
}

#[test]
fn history_of_a_repository_names_each_change_and_why() {
    let made = make("timeline");
    assert!(made.commits.len() >= 30, "{} commits", made.commits.len());
    let o = run(&made.org, &["history", "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let h: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(h["project"], "orgs/northbank");
    let points = h["points"].as_array().unwrap();
    let subjects: Vec<&str> = points
        .iter()
        .map(|p| p["subject"].as_str().unwrap())
        .collect();
    assert!(
        !subjects.contains(&"notes only"),
        "commits outside the project are left out"
    );
    assert_eq!(
        h["unchanged_commits"].as_u64().unwrap() as usize + points.len(),
        made.commits.len()
    );
    // Every check is new at the first point.
    assert!(
        points[0]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["kind"] == "new")
    );

    let fixed = changes(&h, "test cybersecurity");
    assert!(
        has(&fixed, "eu_ai_act::Art.15", "fixed", "fact_changed"),
        "{fixed:?}"
    );
    let broke = changes(&h, "validation failed");
    assert!(
        has(
            &broke,
            "northbank::independent_validation",
            "regressed",
            "fact_changed"
        ),
        "{broke:?}"
    );
    let back = changes(&h, "validation passed again");
    assert!(
        has(
            &back,
            "northbank::independent_validation",
            "fixed",
            "fact_changed"
        ),
        "{back:?}"
    );
    // The organisation's own `set` is a rule of another file than the control's.
    let stricter = changes(&h, "re-assess impacts every 3 months");
    assert!(
        stricter
            .iter()
            .any(|(_, k, r)| k == "regressed" && r.iter().any(|x| x == "rules_changed")),
        "{stricter:?}"
    );
    // The waiver ran out between two commits that changed nothing it reads: the date did it.
    let expired = changes(&h, "a second supplier note");
    assert!(
        has(&expired, "iso42001::A.6.2.6", "changed", "waiver_expired"),
        "{expired:?}"
    );
    assert!(
        !has(&expired, "iso42001::A.6.2.6", "changed", "fact_changed"),
        "the facts edit did not move it: {expired:?}"
    );
    assert!(
        has(&expired, "iso42001::9.2.2", "regressed", "evidence_stale"),
        "{expired:?}"
    );
    let altered = changes(&h, "edit the AI policy after its review");
    assert!(
        has(&altered, "iso42001::A.2.2", "regressed", "evidence_changed"),
        "{altered:?}"
    );
    assert!(has(
        &changes(&h, "a rule of our own"),
        "northbank::two_suppliers",
        "new",
        "rule_changed"
    ));
    assert!(has(
        &changes(&h, "drop that rule"),
        "northbank::two_suppliers",
        "removed",
        "rule_changed"
    ));
    // A check's timeline: each outcome from the commit that began it.
    let runs = h["checks"]["northbank::independent_validation"]["runs"]
        .as_array()
        .unwrap();
    let outcomes: Vec<&str> = runs
        .iter()
        .map(|r| r[1].as_str().unwrap_or("absent"))
        .collect();
    assert_eq!(outcomes, ["pass", "fail", "pass"]);

    // The same history as text, as a reader sees it.
    let text = run(&made.org, &["history"]);
    assert_eq!(code(&text), 0);
    let shown = stdout(&text);
    let ids: Vec<(String, String)> = made
        .commits
        .iter()
        .map(|(_, id)| (id[..10].to_string(), "[commit]".to_string()))
        .collect();
    let mut stable = shown.clone();
    for (id, with) in &ids {
        stable = stable.replace(id, with);
    }
    insta::assert_snapshot!("history_text", stable);
    // Markdown and HTML say the same, in their forms.
    let md = stdout(&run(&made.org, &["history", "--format", "markdown"]));
    assert!(md.contains("**regressed** `iso42001::A.2.2`"), "{md}");
    let html = stdout(&run(&made.org, &["history", "--format", "html"]));
    assert!(
        html.contains("<svg id=\"trend\"") && html.contains("<polyline"),
        "a trend chart"
    );
    assert!(html.contains("default-src 'none'"));
}

#[test]
fn since_and_ranges_narrow_the_history() {
    let made = make("ranges");
    let all = made.commits.len();
    let since = run(
        &made.org,
        &["history", "--since", "2026-10-01", "--format", "json"],
    );
    let h: Value = serde_json::from_str(&stdout(&since)).unwrap();
    let first = h["points"][0]["subject"].as_str().unwrap();
    assert_eq!(first, "audit programme valid until mid-October");
    let from = made.id("shorten the drift waiver");
    let range = format!("{from}..HEAD");
    let r = run(&made.org, &["history", &range, "--format", "json"]);
    let h: Value = serde_json::from_str(&stdout(&r)).unwrap();
    let n =
        h["points"].as_array().unwrap().len() + h["unchanged_commits"].as_u64().unwrap() as usize;
    let after = made.commits.iter().position(|(_, id)| *id == from).unwrap() + 1;
    assert_eq!(n, all - after);
    let bad = run(&made.org, &["history", "no-such-branch"]);
    assert_eq!(code(&bad), 2);
    assert!(
        stderr(&bad).contains("aimsc::usage::history"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn a_baseline_revision_gates_regressions() {
    let made = make("baseline");
    let org = &made.org;
    let as_of = [
        "--as-of",
        "2026-11-05",
        "--format",
        "json",
        "-o",
        "/dev/null",
    ];
    let gate = |baseline: &str, fail_on: &str| {
        let mut args = vec!["eval", "--baseline", baseline, "--fail-on", fail_on];
        args.extend(as_of);
        let o = run(org, &args);
        // The report went into the device, which is still one (it was once replaced by a
        // plain file, which every later program on the machine read back).
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt as _;
            let kind = std::fs::symlink_metadata("/dev/null").unwrap().file_type();
            assert!(kind.is_char_device(), "/dev/null was replaced: {kind:?}");
        }
        o
    };
    // At HEAD the AI policy's evidence is altered: A.2.2 passed at the import and no longer does.
    let start = made.id("import northbank");
    let o = gate(&start, "regression");
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("iso42001::A.2.2 (pass → error)"),
        "{}",
        stderr(&o)
    );
    // Against itself nothing regressed; `fail` alone would still fail the build.
    assert_eq!(code(&gate("HEAD", "regression")), 0);
    assert_eq!(code(&gate("HEAD", "fail")), 1);
    // Against the commit just before the policy edit, the edit is the regression.
    let before = made.id("a second supplier note");
    let o = gate(&before, "regression");
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("iso42001::A.2.2"));
    // The working folder is the project again after the baseline: the report is of HEAD.
    let md = run(
        org,
        &[
            "eval",
            "--as-of",
            "2026-11-05",
            "--baseline",
            &before,
            "--format",
            "markdown",
        ],
    );
    assert!(
        stdout(&md).contains("Changes since the baseline"),
        "{}",
        stdout(&md)
    );
    // Neither a file nor a revision; regression without a baseline.
    assert_eq!(code(&gate("nope", "regression")), 2);
    let o = run(org, &["eval", "--fail-on", "regression"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("needs a `--baseline`"));
    // Outside any repository: the system temporary folder, not the target folder of this one.
    let outside =
        std::env::temp_dir().join(format!("aimsc-history-no-repo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&outside);
    copy(&repo().join("tests/orgs/acme"), &outside);
    let o = run(&outside, &["history"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("not in a git repository"),
        "{}",
        stderr(&o)
    );
    let _ = made.root;
}

#[test]
fn a_commit_that_reaches_outside_its_folder_or_loses_it_is_a_point_that_says_why() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("history-confined");
    let _ = std::fs::remove_dir_all(&root);
    let org = root.join("org");
    copy(&repo().join("tests/orgs/acme"), &org);
    std::fs::create_dir_all(root.join("secret")).unwrap();
    std::fs::write(root.join("secret/x.aims"), "framework leak \"Leak\"\n").unwrap();
    let toml = org.join("aims.toml");
    let good = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        "rules = [\"rules\", \"../secret\"]\nfacts = \"facts\"\n",
    )
    .unwrap();
    git(&root, &["init", "-q", "-b", "main"], "2026-09-01");
    git(&root, &["add", "-A"], "2026-09-01");
    git(
        &root,
        &["commit", "-q", "-m", "rules from outside"],
        "2026-09-01",
    );
    std::fs::write(&toml, &good).unwrap();
    git(
        &root,
        &["commit", "-q", "-am", "own rules only"],
        "2026-09-02",
    );
    git(&root, &["rm", "-q", "-r", "org/facts"], "2026-09-03");
    git(&root, &["commit", "-q", "-m", "facts gone"], "2026-09-03");
    let o = run(&org, &["history", "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let h: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let points = h["points"].as_array().unwrap();
    assert_eq!(points.len(), 3, "{h:#}");
    let err = points[0]["error"].as_str().unwrap();
    assert!(err.contains("`../secret`, outside the project"), "{err}");
    // The first evaluated point is the start: its checks are new, and not counted as changes.
    assert!(points[1]["error"].is_null());
    assert!(h["checks"].as_object().unwrap().is_empty() || points[2]["error"].is_string());
    let missing = points[2]["error"].as_str().unwrap_or_default();
    assert!(
        !missing.contains(env!("CARGO_TARGET_TMPDIR")) && !missing.contains("aimsc-history-"),
        "{missing}"
    );
    let text = stdout(&run(&org, &["history"]));
    assert!(
        text.contains("0 regressed, 0 fixed, 0 new, 0 removed"),
        "{text}"
    );
}
