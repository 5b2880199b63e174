//! JUnit XML, for CI test tabs: a test suite per framework, a test case per control or rule.
//! Failing controls carry their explanation; excluded, not-applicable and waived ones are
//! skipped with the reason; controls whose facts are invalid are errors.

use crate::Summary;
use crate::findings::{Catalog, failures, split_id};
use crate::text::render_check;
use aimsc_eval::outcome::{CheckResult, Outcome};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Escapes text for XML content and attribute values. Characters XML 1.0 cannot hold at all
/// (most C0 controls) become U+FFFD, so a stray byte in a facts file cannot break the report.
pub(crate) fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Element text: newlines kept as they are.
fn text(s: &str) -> String {
    xml(s).replace("&#10;", "\n")
}

fn counts(results: &[&CheckResult]) -> (usize, usize, usize, usize) {
    let mut s = Summary::default();
    for r in results {
        match r.outcome {
            // A pass that checked nothing is reported as skipped: nothing was shown to hold.
            Outcome::Pass if r.nothing_checked => s.not_applicable += 1,
            Outcome::Pass | Outcome::Attested => s.pass += 1,
            Outcome::Fail => s.fail += 1,
            Outcome::NotApplicable => s.not_applicable += 1,
            Outcome::Excluded => s.excluded += 1,
            Outcome::Waived => s.waived += 1,
            Outcome::Error => s.error += 1,
        }
    }
    (
        results.len(),
        s.fail,
        s.error,
        s.not_applicable + s.excluded + s.waived,
    )
}

fn case(out: &mut String, r: &CheckResult) {
    let (framework, local) = split_id(&r.id);
    let mut attrs = format!(
        "name=\"{}\" classname=\"{}\" time=\"0\"",
        xml(&format!("{local} {}", r.title)),
        xml(if framework.is_empty() {
            &r.framework
        } else {
            framework
        }),
    );
    if let Some(l) = &r.location {
        let _ = write!(attrs, " file=\"{}\" line=\"{}\"", xml(&l.file), l.line);
    }
    let body = match r.outcome {
        Outcome::Pass if r.nothing_checked => {
            Some(format!("<skipped message=\"{}\"/>", xml(&r.message)))
        }
        Outcome::Pass => None,
        // Met, but self-declared: a passing case that says so, for a reader of the CI log.
        Outcome::Attested => Some(format!(
            "<system-out>{}</system-out>",
            text(&format!("attested (manual): {}", r.message))
        )),
        Outcome::Fail | Outcome::Error => {
            let tag = if r.outcome == Outcome::Fail {
                "failure"
            } else {
                "error"
            };
            let mut detail = String::new();
            for f in failures(r) {
                let at =
                    f.at.map(|a| format!(" ({}:{})", a.file, a.line))
                        .unwrap_or_default();
                let _ = writeln!(detail, "- {}{at}", f.message);
            }
            detail.push('\n');
            render_check(&mut detail, r, false);
            Some(format!(
                "<{tag} message=\"{}\" type=\"{}\">{}</{tag}>",
                xml(&r.message),
                r.outcome.as_str(),
                text(&detail)
            ))
        }
        Outcome::Excluded | Outcome::NotApplicable | Outcome::Waived => {
            Some(format!("<skipped message=\"{}\"/>", xml(&r.message)))
        }
    };
    match body {
        None => {
            let _ = writeln!(out, "    <testcase {attrs}/>");
        }
        Some(b) => {
            let _ = writeln!(out, "    <testcase {attrs}>\n      {b}\n    </testcase>");
        }
    }
}

/// Renders JUnit XML. Times are zero: verdicts, not durations, are the content, and the
/// report must be the same on every run.
pub fn render(results: &[CheckResult], as_of: &str, catalog: &Catalog) -> String {
    let mut by_framework: BTreeMap<&str, Vec<&CheckResult>> = BTreeMap::new();
    for r in results {
        by_framework.entry(&r.framework).or_default().push(r);
    }
    let all: Vec<&CheckResult> = results.iter().collect();
    let (tests, failures, errors, skipped) = counts(&all);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"aimsc\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"0\">"
    );
    for (framework, rs) in &by_framework {
        let (tests, failures, errors, skipped) = counts(rs);
        let title = catalog.framework_title(&std::sync::Arc::from(*framework));
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"0\" timestamp=\"{}T00:00:00\">",
            xml(framework),
            xml(as_of)
        );
        let _ = writeln!(
            out,
            "    <properties>\n      <property name=\"framework.title\" value=\"{}\"/>\n      <property name=\"as-of\" value=\"{}\"/>\n    </properties>",
            xml(&title),
            xml(as_of)
        );
        for r in rs {
            case(&mut out, r);
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
