//! The third-party validators `tests/tools/setup` installs, run on the reports.

use super::repo;
use std::path::{Path, PathBuf};
use std::process::Command;

fn tools() -> PathBuf {
    repo().join("tests/tools")
}

fn need(path: &Path) -> PathBuf {
    assert!(
        path.exists(),
        "{} is missing: run `bash tests/tools/setup` once (the README's test command does)",
        path.display()
    );
    path.to_path_buf()
}

/// Runs Microsoft's SARIF validator on `file`; returns the (level, rule id, message) of every
/// problem it reports, notes included.
pub fn sarif(file: &Path) -> Vec<(String, String, String)> {
    let tool = need(&tools().join("node_modules/.bin/sarif-multitool"));
    let out_file = file.with_extension("validation.sarif");
    let out = Command::new(tool)
        .arg("validate")
        .arg(file)
        .arg("-o")
        .arg(&out_file)
        .args([
            "--log",
            "ForceOverwrite",
            "--level",
            "Error",
            "Warning",
            "Note",
        ])
        .output()
        .unwrap_or_else(|e| panic!("cannot run sarif-multitool: {e}"));
    assert!(
        out.status.success(),
        "sarif-multitool failed: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let log: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&out_file).unwrap_or_else(|e| panic!("no validation log: {e}")),
    )
    .unwrap_or_else(|e| panic!("validation log is not JSON: {e}"));
    log["runs"][0]["results"]
        .as_array()
        .unwrap_or_else(|| panic!("validation log has no results array: {log}"))
        .iter()
        .map(|r| {
            (
                r["level"].as_str().unwrap_or("warning").to_string(),
                r["ruleId"].as_str().unwrap_or("").to_string(),
                r["message"].to_string(),
            )
        })
        .collect()
}

/// Validates JSON documents against a JSON Schema with Ajv; returns the violations (empty
/// when valid).
pub fn json_schema(schema: &Path, documents: &[&Path]) -> Vec<String> {
    need(&tools().join("node_modules/ajv"));
    let out = Command::new("node")
        .arg(tools().join("validate-json.mjs"))
        .arg(need(schema))
        .args(documents)
        .output()
        .unwrap_or_else(|e| panic!("cannot run node: {e}"));
    let text = String::from_utf8_lossy(&out.stdout);
    let violations: Vec<String> = text
        .lines()
        .filter(|l| !l.ends_with(": valid"))
        .map(str::to_string)
        .collect();
    assert_eq!(
        out.status.success(),
        violations.is_empty(),
        "validator exit status disagrees with its output: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    violations
}

/// Checks an OpenAPI document with swagger-parser, and the answers listed in `cases` (a JSON
/// array of method, path, status, content_type and the file holding the body) against it
/// (`tests/tools/check-openapi.mjs`); returns the problems (empty when all is as documented).
pub fn openapi(spec: &Path, cases: &Path) -> Vec<String> {
    need(&tools().join("node_modules/@apidevtools/swagger-parser"));
    let out = Command::new("node")
        .arg(tools().join("check-openapi.mjs"))
        .arg(need(spec))
        .arg(cases)
        .output()
        .unwrap_or_else(|e| panic!("cannot run node: {e}"));
    let text = String::from_utf8_lossy(&out.stdout);
    let problems: Vec<String> = text
        .lines()
        .filter(|l| !l.ends_with(": as documented") && !l.contains(": valid OpenAPI"))
        .map(str::to_string)
        .collect();
    assert!(
        text.contains(": valid OpenAPI") || !problems.is_empty(),
        "the checker said nothing: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        out.status.success(),
        problems.is_empty(),
        "checker exit status disagrees with its output: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    problems
}

/// NIST's OSCAL assessment-results schema.
pub fn oscal_schema() -> PathBuf {
    need(&tools().join("oscal/oscal_assessment-results_schema.json"))
}

/// Runs a Python snippet with junitparser installed; returns its stdout.
pub fn python(script: &str, args: &[&Path]) -> String {
    let py = need(&tools().join(".venv/bin/python"));
    let out = Command::new(py)
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run python: {e}"));
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Opens an HTML report in Debian's chromium, headless and offline, through playwright-core
/// (`tests/tools/browse-html.mjs`); returns what the page showed, as JSON. With `shots`,
/// also saves a screenshot of each level there.
pub fn browse_html(report: &Path, shots: Option<&Path>) -> serde_json::Value {
    need(&tools().join("node_modules/playwright-core"));
    need(Path::new("/usr/bin/chromium"));
    let mut cmd = Command::new("node");
    cmd.arg(tools().join("browse-html.mjs")).arg(report);
    if let Some(dir) = shots {
        cmd.arg(dir);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run node: {e}"));
    assert!(
        out.status.success(),
        "browse-html.mjs failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "browse-html.mjs printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}
