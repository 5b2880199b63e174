#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]
//! Evidence through the real binary: every example organisation's AI policy is a recorded
//! document; editing it without recording it again turns A.2.2 from pass to error, naming the
//! evidence; `aimsc evidence verify` says so; recording it again restores the pass.

mod common;

use common::{code, copy, repo, run, stderr, stdout};
use std::path::{Path, PathBuf};

const AS_OF: &str = "2026-11-01";

fn scratch(org: &str, what: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("evidence-{org}-{what}"));
    let _ = std::fs::remove_dir_all(&dir);
    copy(&repo().join("tests/orgs").join(org), &dir);
    dir
}

/// The outcome of A.2.2 and its first requirement's message, from the JSON report.
fn a22(dir: &Path) -> (String, String) {
    let out = run(
        dir,
        &[
            "eval",
            "--format",
            "json",
            "--control",
            "iso42001::A.2.2",
            "--as-of",
            AS_OF,
        ],
    );
    assert!(matches!(code(&out), 0 | 1), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let r = &json["results"][0];
    let msg = r["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["name"] == "the approved AI policy is on record as evidence (7.5)")
        .map(|q| q["message"].as_str().unwrap().to_string())
        .unwrap();
    (r["outcome"].as_str().unwrap().to_string(), msg)
}

#[test]
fn editing_a_recorded_policy_document_stops_the_pass_in_every_example_organisation() {
    for org in ["chatly", "cityhall", "northbank", "kestrel"] {
        let dir = scratch(org, "edit");
        assert_eq!(a22(&dir).0, "pass", "{org}");
        let verify = run(&dir, &["evidence", "verify", "--as-of", AS_OF]);
        assert_eq!(code(&verify), 0, "{org}: {}", stdout(&verify));

        let doc = dir.join("evidence/ai-policy.md");
        let text = std::fs::read_to_string(&doc).unwrap();
        std::fs::write(&doc, format!("{text}An unreviewed paragraph.\n")).unwrap();
        let (outcome, msg) = a22(&dir);
        assert_eq!(outcome, "error", "{org}: {msg}");
        assert!(
            msg.contains("evidence EV-1 changed since it was recorded on"),
            "{org}: {msg}"
        );
        assert!(msg.contains("evidence/ai-policy.md"), "{org}: {msg}");
        let verify = run(&dir, &["evidence", "verify", "--as-of", AS_OF]);
        assert_eq!(code(&verify), 1, "{org}");
        assert!(
            stdout(&verify).starts_with("altered       EV-1"),
            "{org}: {}",
            stdout(&verify)
        );

        // Reviewed and recorded again: the new digest is the evidence.
        let add = run(
            &dir,
            &[
                "evidence",
                "add",
                "evidence/ai-policy.md",
                "--id",
                "EV-1",
                "--issued",
                "2026-10-01",
            ],
        );
        assert_eq!(code(&add), 0, "{org}: {}", stderr(&add));
        assert_eq!(a22(&dir).0, "pass", "{org}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn a_removed_or_stale_policy_document_is_no_evidence() {
    let dir = scratch("kestrel", "gone");
    std::fs::remove_file(dir.join("evidence/ai-policy.md")).unwrap();
    let (outcome, msg) = a22(&dir);
    assert_eq!(outcome, "error");
    assert!(
        msg.contains("evidence EV-1: no file at `evidence/ai-policy.md`"),
        "{msg}"
    );
    let _ = std::fs::remove_dir_all(&dir);

    // Issued 2026-02-10, a document stays valid 36 months by default: stale in 2029-03.
    let dir = scratch("kestrel", "stale");
    let out = run(&dir, &["evidence", "verify", "--as-of", "2029-03-01"]);
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out).contains("stale         EV-1   evidence/ai-policy.md"),
        "{}",
        stdout(&out)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The evidence records of a project folder, read from `facts/evidence/*.yaml` as written by
/// `aimsc evidence add`: (number of `EV-N`, location).
fn recorded(dir: &Path) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir.join("facts/evidence")).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        let field = |k: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(k))
                .map(|v| v.trim().trim_matches('"').to_string())
                .unwrap()
        };
        let id = field("id:");
        out.push((
            id.trim_start_matches("EV-").parse().unwrap(),
            field("location:"),
        ));
    }
    out.sort();
    out
}

#[test]
fn evidence_add_writes_a_record_that_verifies() {
    let dir = scratch("kestrel", "add");
    let before = recorded(&dir);
    let next = before.iter().map(|(n, _)| n).max().unwrap() + 1;
    std::fs::write(
        dir.join("evidence/supplier-agreement.md"),
        "Signed 2026-03-01.\n",
    )
    .unwrap();
    let out = run(
        &dir,
        &[
            "evidence",
            "add",
            "evidence/supplier-agreement.md",
            "--kind",
            "record",
            "--issued",
            "2026-03-01",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // The next free id after the organisation's own.
    let text = std::fs::read_to_string(dir.join(format!("facts/evidence/EV-{next}.yaml"))).unwrap();
    assert!(
        text.contains("location: \"evidence/supplier-agreement.md\""),
        "{text}"
    );
    assert!(text.contains("kind: record"), "{text}");
    let out = run(&dir, &["evidence", "verify", "--as-of", AS_OF, "--json"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let items = json["evidence"].as_array().unwrap();
    assert_eq!(items.len(), before.len() + 1);
    assert!(items.iter().all(|i| i["state"] == "ok"), "{items:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_evidence_package_is_byte_identical_and_its_manifest_verifies() {
    use sha2::{Digest, Sha256};
    use std::io::Read as _;
    let dir = scratch("kestrel", "pack");
    let write = |name: &str| {
        let out = run(&dir, &["evidence", "pack", "-o", name, "--as-of", AS_OF]);
        assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
        std::fs::read(dir.join(name)).unwrap()
    };
    let a = write("one.zip");
    let b = write("two.zip");
    assert!(
        a == b,
        "two runs over the same inputs give different packages"
    );

    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(a)).unwrap();
    let mut read = |name: &str| {
        let mut f = zip.by_name(name).unwrap();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        bytes
    };
    let manifest: serde_json::Value = serde_json::from_slice(&read("manifest.json")).unwrap();
    let files = manifest["files"].as_array().unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f["path"].as_str().unwrap()).collect();
    // Every document the records name, once, then the reports.
    let mut want: Vec<String> = recorded(&dir)
        .into_iter()
        .map(|(_, location)| format!("documents/{location}"))
        .collect();
    want.sort();
    want.dedup();
    want.extend(["report.json", "soa.json", "soa.md"].map(String::from));
    assert_eq!(paths, want);
    for f in files {
        let bytes = read(f["path"].as_str().unwrap());
        let digest: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(f["sha256"], digest.as_str(), "{}", f["path"]);
    }
    // The packed documents are the ones recorded.
    for e in manifest["evidence"].as_array().unwrap() {
        assert_eq!(e["state"], "ok", "{e}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
