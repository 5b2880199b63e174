use aimsc_eval::outcome::{CheckResult, Explanation, Outcome, Truth};
use std::fmt::Write as _;

use crate::Summary;
use std::sync::Arc;

/// Every text a report takes from rules or facts passes through this: no control character
/// or bidirectional override reaches the terminal.
fn p(s: &str) -> std::borrow::Cow<'_, str> {
    aimsc_diagnostics::printable(s)
}

fn badge(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "PASS    ",
        Outcome::Attested => "ATTESTED",
        Outcome::Fail => "FAIL    ",
        Outcome::NotApplicable => "N/A     ",
        Outcome::Excluded => "EXCLUDED",
        Outcome::Waived => "WAIVED  ",
        Outcome::Error => "ERROR   ",
    }
}

fn truth(t: Truth) -> &'static str {
    match t {
        Truth::True => "true",
        Truth::False => "false",
        Truth::Unknown => "unknown",
    }
}

/// Renders results as plain text: one line per control, and the explanation of every
/// requirement that did not pass. `verbose` also explains passing requirements.
pub fn render_text(results: &[CheckResult], verbose: bool) -> String {
    let mut out = String::new();
    for r in results {
        render_check(&mut out, r, verbose);
    }
    out.push('\n');
    summary_line(&mut out, results);
    out
}

/// How the text report is laid out for people.
pub(crate) struct Layout<'a> {
    /// Explain passing requirements too.
    pub verbose: bool,
    /// ANSI colours (a terminal that wants them).
    pub colour: bool,
    /// The as-of date.
    pub as_of: &'a str,
    /// Framework titles.
    pub catalog: &'a crate::Catalog,
    /// The facts the failing controls found missing.
    pub to_add: &'a [crate::to_add::Group],
}

/// Past this many failing controls, each is told in brief (its requirements and why, no
/// explanation tree) unless asked for verbose: a first run should read as a to-do list.
const BRIEF_PAST: usize = 20;

/// Facts listed per group, the ones most controls wait for first.
const FACTS_SHOWN: usize = 8;

fn paint(colour: bool, o: Outcome, text: &str) -> String {
    if !colour {
        return text.to_string();
    }
    let code = match o {
        Outcome::Pass => "32",
        Outcome::Attested => "34",
        Outcome::Fail | Outcome::Error => "1;31",
        Outcome::Waived => "33",
        Outcome::Excluded => "35",
        Outcome::NotApplicable => "2",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

fn failing(o: Outcome) -> bool {
    matches!(o, Outcome::Fail | Outcome::Error)
}

/// The eval text report, for people: the summary first, then what fails, grouped by
/// framework, then every other result a line each, the overrides, and what to do next.
pub(crate) fn render_with(
    results: &[CheckResult],
    overrides: &crate::Overrides,
    layout: &Layout<'_>,
) -> String {
    let mut out = String::new();
    let s = Summary::of(results);
    let failing_n = s.fail + s.error;
    let head = if failing_n == 0 {
        format!("aimsc: nothing fails, as of {}", layout.as_of)
    } else {
        format!(
            "aimsc: {failing_n} of {} controls and rules failing, as of {}",
            results.len(),
            layout.as_of
        )
    };
    let worst = if failing_n > 0 {
        Outcome::Fail
    } else {
        Outcome::Pass
    };
    let _ = writeln!(out, "{}", paint(layout.colour, worst, &head));
    summary_line(&mut out, results);
    let mut frameworks: Vec<&Arc<str>> = results.iter().map(|r| &r.framework).collect();
    frameworks.sort();
    frameworks.dedup();
    for f in &frameworks {
        let rs: Vec<CheckResult> = results
            .iter()
            .filter(|r| r.framework == **f)
            .cloned()
            .collect();
        let fs = Summary::of(&rs);
        let parts: Vec<String> = [
            (fs.pass, "pass"),
            (fs.attested, "attested"),
            (fs.fail, "fail"),
            (fs.error, "error"),
            (fs.waived, "waived"),
            (fs.excluded, "excluded"),
            (fs.not_applicable, "not applicable"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, w)| format!("{n} {w}"))
        .collect();
        let _ = writeln!(out, "  {:<12} {}", p(f), parts.join(", "));
    }
    let brief = !layout.verbose && failing_n > BRIEF_PAST;
    facts_to_add(&mut out, layout.to_add);
    for f in &frameworks {
        let bad: Vec<&CheckResult> = results
            .iter()
            .filter(|r| r.framework == **f && failing(r.outcome))
            .collect();
        if bad.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "\n── failing in {} ({}) ──",
            p(&layout.catalog.framework_title(f)),
            p(f)
        );
        for r in bad {
            if brief {
                render_brief(&mut out, r, layout.colour);
            } else {
                render_check_painted(&mut out, r, layout.verbose, layout.colour);
            }
        }
    }
    if brief {
        let _ = writeln!(
            out,
            "\n({failing_n} failing: each told in brief; `aimsc eval -v` explains every requirement, `aimsc explain ID` what a control asks)"
        );
    }
    let rest: Vec<&CheckResult> = results.iter().filter(|r| !failing(r.outcome)).collect();
    if !rest.is_empty() {
        out.push_str("\n── the others ──\n");
    }
    for r in rest {
        render_check_painted(&mut out, r, layout.verbose, layout.colour);
    }
    if !overrides.is_empty() {
        let _ = writeln!(out, "\noverrides:");
        for line in overrides.lines() {
            let _ = writeln!(out, "  {}", p(&line));
        }
    }
    let next = match results.iter().find(|r| failing(r.outcome)) {
        Some(r) => format!(
            "\nnext: `aimsc explain {}` for what a failing control asks; `aimsc eval --format html -o report.html` for the auditor's report",
            p(&r.id)
        ),
        None => "\nnext: `aimsc eval --format html -o report.html` for the auditor's report; `aimsc soa` for the Statement of Applicability".to_string(),
    };
    let _ = writeln!(out, "{next}");
    out
}

/// The facts to add, by where they go: the to-do list of a new organisation.
fn facts_to_add(out: &mut String, groups: &[crate::to_add::Group]) {
    if groups.is_empty() {
        return;
    }
    let facts: usize = groups.iter().map(|g| g.facts.len()).sum();
    let mut controls: Vec<&Arc<str>> = groups.iter().flat_map(|g| &g.controls).collect();
    controls.sort();
    controls.dedup();
    let _ = writeln!(
        out,
        "\n── facts to add: {facts} missing fact(s) hold back {} failing control(s) ──",
        controls.len()
    );
    for g in groups {
        let file = g
            .facts
            .iter()
            .find_map(|f| f.at.as_ref())
            .map(|at| format!("  (e.g. {}:{})", p(&at.file), at.line))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{}: {} fact(s) for {} control(s){file}",
            p(&g.root),
            g.facts.len(),
            g.controls.len()
        );
        for f in g.facts.iter().take(FACTS_SHOWN) {
            let ids: Vec<String> = f
                .controls
                .iter()
                .take(3)
                .map(|c| p(c).into_owned())
                .collect();
            let more = if f.controls.len() > 3 {
                format!(" +{}", f.controls.len() - 3)
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "  {}  {}{}  → {}{more}",
                p(&f.path),
                p(&f.ty),
                f.doc
                    .as_ref()
                    .map(|d| format!("  {}", p(d)))
                    .unwrap_or_default(),
                ids.join(", ")
            );
        }
        if g.facts.len() > FACTS_SHOWN {
            let _ = writeln!(
                out,
                "  … and {} more (`aimsc explain --schema` lists every field)",
                g.facts.len() - FACTS_SHOWN
            );
        }
    }
}

/// A failing control in brief: its verdict, and each requirement that did not pass with why.
fn render_brief(out: &mut String, r: &CheckResult, colour: bool) {
    let _ = writeln!(
        out,
        "{}  {}  {}",
        paint(colour, r.outcome, badge(r.outcome)),
        p(&r.id),
        p(&r.title)
    );
    let failed: Vec<_> = r
        .requirements
        .iter()
        .filter(|q| !q.outcome.is_met())
        .collect();
    if failed.is_empty() {
        let _ = writeln!(out, "          {}", p(&r.message));
    }
    for req in failed {
        let _ = writeln!(out, "          ✗ {}: {}", p(&req.name), p(&req.message));
    }
}

fn render_check_painted(out: &mut String, r: &CheckResult, verbose: bool, colour: bool) {
    if !colour {
        render_check(out, r, verbose);
        return;
    }
    let mut one = String::new();
    render_check(&mut one, r, verbose);
    let b = badge(r.outcome);
    if let Some(rest) = one.strip_prefix(b) {
        out.push_str(&paint(true, r.outcome, b));
        out.push_str(rest);
    } else {
        out.push_str(&one);
    }
}

/// One control's lines: its verdict, and the explanation of what did not pass.
pub(crate) fn render_check(out: &mut String, r: &CheckResult, verbose: bool) {
    {
        let _ = writeln!(out, "{}  {}  {}", badge(r.outcome), p(&r.id), p(&r.title));
        let _ = writeln!(out, "          {}", p(&r.message));
        if let Some(w) = &r.waiver {
            let _ = writeln!(
                out,
                "          waiver: until {} · owner {} · {}{}",
                w.until,
                p(&w.owner),
                p(&w.justification),
                if w.expired { " (EXPIRED)" } else { "" }
            );
        }
        for req in &r.requirements {
            // An attested requirement is always listed: the reader sees who declared it.
            if req.outcome == Outcome::Pass && !verbose {
                continue;
            }
            let mark = match req.outcome {
                Outcome::Pass => "✓",
                Outcome::Attested => "✓ [attested]",
                _ => "✗",
            };
            let at = req
                .location
                .as_ref()
                .map(|l| format!("  ({}:{})", p(&l.file), l.line))
                .unwrap_or_default();
            let practice = if req.practice {
                "  [recommended practice]"
            } else {
                ""
            };
            let _ = writeln!(out, "          {mark} {}{practice}{at}", p(&req.name));
            let _ = writeln!(out, "            {}", p(&req.message));
            if !req.outcome.is_met() || verbose {
                explain(out, &req.explanation, 12);
            }
        }
        for s in &r.supported_by {
            let _ = writeln!(
                out,
                "          supported by rule {}: {}",
                p(&s.rule),
                s.outcome.as_str()
            );
        }
    }
}

fn summary_line(out: &mut String, results: &[CheckResult]) {
    let s = Summary::of(results);
    let empty = results.iter().filter(|r| r.nothing_checked).count();
    let _ = writeln!(
        out,
        "{} controls and rules: {} pass{}{}, {} fail, {} not applicable, {} excluded, {} waived, {} error",
        results.len(),
        s.pass,
        if empty > 0 {
            format!(" ({empty} with nothing to check)")
        } else {
            String::new()
        },
        if s.attested > 0 {
            format!(", {} attested (self-declared)", s.attested)
        } else {
            String::new()
        },
        s.fail,
        s.not_applicable,
        s.excluded,
        s.waived,
        s.error
    );
}

fn explain(out: &mut String, ex: &Explanation, indent: usize) {
    let pad = " ".repeat(indent);
    let mut line = format!("{pad}{} → {}", p(&ex.expr), truth(ex.result));
    if let Some(d) = &ex.detail {
        let _ = write!(line, "  [{}]", p(d));
    }
    if let Some(m) = &ex.missing {
        let _ = write!(line, "  (missing: {})", p(m));
    }
    if let Some(at) = &ex.at {
        let _ = write!(line, "  at {}:{}:{}", p(&at.file), at.line, at.column);
    }
    let _ = writeln!(out, "{line}");
    if let Some(r) = &ex.records {
        let _ = writeln!(
            out,
            "{pad}  {} in scope of {} in {}, {} satisfied",
            r.in_scope,
            r.total,
            p(&r.collection),
            r.satisfied
        );
        for f in r.findings.iter().take(20) {
            finding(out, f, indent);
        }
        if r.findings.len() > 20 {
            let _ = writeln!(out, "{pad}  … and {} more", r.findings.len() - 20);
        }
        if !r.nearest.is_empty() {
            let _ = writeln!(out, "{pad}  nearest:");
        }
        for f in &r.nearest {
            finding(out, f, indent);
        }
    }
    for c in &ex.children {
        explain(out, c, indent + 2);
    }
}

/// One record of a quantifier, with where it is and why it decided.
fn finding(out: &mut String, f: &aimsc_eval::outcome::Finding, indent: usize) {
    let pad = " ".repeat(indent);
    let at =
        f.at.as_ref()
            .map(|a| format!(" at {}:{}:{}", p(&a.file), a.line, a.column))
            .unwrap_or_default();
    let _ = writeln!(out, "{pad}  - {} → {}{at}", p(&f.record), truth(f.result));
    explain(out, &f.explanation, indent + 4);
}
