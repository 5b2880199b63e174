//! The auditor's report: one self-contained HTML page (inline CSS, script and SVG; a content
//! security policy that forbids every request) at three levels: a summary, a table of every
//! control with filters, and each control's detail down to the facts' lines.
//!
//! Every text from rules or facts passes through one escaping function (`esc`); nothing is read
//! from the clock, so the same evaluation gives the same bytes.

use crate::crosswalk::CrosswalkReport;
use crate::findings::{failures, split_id};
use crate::{ReportInput, Summary};
use aimsc_eval::crosswalk::{Coverage, natural_cmp};
use aimsc_eval::outcome::{CheckResult, Explanation, Finding, Outcome, Truth};
use std::collections::BTreeMap;
use std::fmt::Write as _;

pub(crate) const STYLE: &str = include_str!("html/style.css");
const SCRIPT: &str = include_str!("html/script.js");

/// How many records of one quantifier a detail lists; the JSON report has them all.
const FINDINGS_SHOWN: usize = 20;
/// How many failing controls the summary ranks.
const TOP_FAILING: usize = 10;
/// How many diagnostics the summary lists.
const DIAGNOSTICS_SHOWN: usize = 50;

/// The outcomes in the order every table and chart gives them.
const OUTCOMES: [Outcome; 7] = [
    Outcome::Pass,
    Outcome::Attested,
    Outcome::Fail,
    Outcome::Error,
    Outcome::Waived,
    Outcome::Excluded,
    Outcome::NotApplicable,
];

/// Escapes text for an HTML element or a quoted attribute, after taking out control and
/// bidirectional characters as every report does.
pub(crate) fn esc(s: &str) -> String {
    let s = aimsc_diagnostics::printable(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A fragment id for a control: ids hold `::` and dots, which are valid in an id attribute
/// but awkward in selectors, so every character outside `[A-Za-z0-9_-]` is written as `.XX`.
fn anchor(id: &str) -> String {
    let mut out = String::from("c-");
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            out.push(char::from(b));
        } else {
            let _ = write!(out, ".{b:02x}");
        }
    }
    out
}

/// What a reader calls an outcome.
pub(crate) fn label(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "pass",
        Outcome::Attested => "attested",
        Outcome::Fail => "fail",
        Outcome::NotApplicable => "not applicable",
        Outcome::Excluded => "excluded",
        Outcome::Waived => "waived",
        Outcome::Error => "error",
    }
}

fn badge(o: Outcome) -> String {
    format!("<span class=\"badge o-{}\">{}</span>", o.as_str(), label(o))
}

fn count(s: &Summary, o: Outcome) -> usize {
    match o {
        Outcome::Pass => s.pass,
        Outcome::Attested => s.attested,
        Outcome::Fail => s.fail,
        Outcome::NotApplicable => s.not_applicable,
        Outcome::Excluded => s.excluded,
        Outcome::Waived => s.waived,
        Outcome::Error => s.error,
    }
}

/// The group a check belongs to within its framework: an Annex A objective (`A.6`), a clause
/// (`9`), or none.
pub(crate) fn domain(id: &str) -> Option<String> {
    let (_, local) = split_id(id);
    if let Some(rest) = local.strip_prefix("A.") {
        let first = rest.split('.').next().unwrap_or(rest);
        return Some(format!("A.{first}"));
    }
    let first = local.split('.').next().unwrap_or(local);
    (!first.is_empty() && first.bytes().all(|b| b.is_ascii_digit())).then(|| first.to_string())
}

/// Renders the page.
pub fn render(input: &ReportInput<'_>) -> String {
    let mut out = String::with_capacity(64 * 1024 + input.results.len() * 2048);
    head(&mut out, input);
    out.push_str("<main id=\"main\">\n");
    summary(&mut out, input);
    controls(&mut out, input);
    details(&mut out, input);
    out.push_str("</main>\n<script>");
    out.push_str(SCRIPT);
    out.push_str("</script>\n</body>\n</html>\n");
    out
}

fn head(out: &mut String, input: &ReportInput<'_>) {
    let frameworks: Vec<String> = present_frameworks(input.results)
        .iter()
        .map(|f| esc(&input.catalog.framework_title(&std::sync::Arc::from(*f))))
        .collect();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"{tool}\">\n\
         <title>AI management system report, as of {as_of}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <a class=\"skip\" href=\"#main\">Skip to the report</a>\n\
         <header class=\"page\">\n<h1>AI management system report</h1>\n\
         <p>As of <time datetime=\"{as_of}\">{as_of}</time> · {n} controls and rules · {fw}</p>\n\
         <p class=\"mono\">rules {rules} · facts {facts} · {tool}</p>\n</header>\n\
         <nav class=\"levels\" aria-label=\"Report levels\"><a href=\"#summary\">Summary</a>\
         <a href=\"#controls\">Controls</a><a href=\"#details\">Details</a></nav>\n",
        tool = concat!("aimsc ", env!("CARGO_PKG_VERSION")),
        as_of = esc(input.as_of),
        n = input.results.len(),
        fw = frameworks.join(", "),
        rules = short(&input.inputs.rules_digest),
        facts = short(&input.inputs.facts_digest),
    );
}

fn short(digest: &str) -> &str {
    digest.get(..12).unwrap_or(digest)
}

/// Frameworks with results, in name order.
fn present_frameworks(results: &[CheckResult]) -> Vec<&str> {
    let mut names: Vec<&str> = results.iter().map(|r| &*r.framework).collect();
    names.sort_unstable();
    names.dedup();
    names
}

fn summary(out: &mut String, input: &ReportInput<'_>) {
    let all = Summary::of(input.results);
    out.push_str("<section id=\"summary\" aria-labelledby=\"h-summary\">\n<h2 id=\"h-summary\">Summary</h2>\n<ul class=\"totals\" aria-label=\"Outcomes of every control and rule\">\n");
    for o in OUTCOMES {
        let _ = writeln!(
            out,
            "<li class=\"o-{k}\"><strong id=\"total-{k}\">{n}</strong>{l}</li>",
            k = o.as_str(),
            n = count(&all, o),
            l = label(o)
        );
    }
    out.push_str("</ul>\n");
    frameworks_table(out, input);
    heat_map(out, input);
    crosswalks(out, input);
    top_failing(out, input);
    overrides(out, input);
    evidence(out, input);
    diagnostics(out, input);
    out.push_str("</section>\n");
}

/// A horizontal stacked bar; the numbers are in the table beside it, so colour is never the
/// only signal.
fn stacked_bar(out: &mut String, parts: &[(String, usize, String)], label: &str) {
    let total: usize = parts.iter().map(|p| p.1).sum();
    let _ = write!(
        out,
        "<svg class=\"bar\" viewBox=\"0 0 400 18\" width=\"400\" height=\"18\" role=\"img\" aria-label=\"{}\">",
        esc(label)
    );
    if total > 0 {
        let mut x = 0.0_f64;
        for (class, n, name) in parts.iter().filter(|p| p.1 > 0) {
            // Widths in tenths of a unit: the same numbers give the same bytes on every machine.
            let w = (*n as f64) * 400.0 / (total as f64);
            let _ = write!(
                out,
                "<rect class=\"{class}\" x=\"{x:.1}\" y=\"0\" width=\"{w:.1}\" height=\"18\"><title>{} {}</title></rect>",
                n,
                esc(name)
            );
            x += w;
        }
    }
    out.push_str("</svg>");
}

fn frameworks_table(out: &mut String, input: &ReportInput<'_>) {
    out.push_str("<h3>By framework</h3>\n<table id=\"by-framework\">\n<thead><tr><th scope=\"col\">Framework</th>");
    for o in OUTCOMES {
        let _ = write!(out, "<th scope=\"col\" class=\"n\">{}</th>", label(o));
    }
    out.push_str("<th scope=\"col\">Status</th></tr></thead>\n<tbody>\n");
    for fw in present_frameworks(input.results) {
        let rs: Vec<CheckResult> = input
            .results
            .iter()
            .filter(|r| &*r.framework == fw)
            .cloned()
            .collect();
        let s = Summary::of(&rs);
        let title = input.catalog.framework_title(&std::sync::Arc::from(fw));
        let _ = write!(
            out,
            "<tr data-framework=\"{f}\"><th scope=\"row\">{t} <span class=\"muted mono\">{f}</span></th>",
            f = esc(fw),
            t = esc(&title)
        );
        for o in OUTCOMES {
            let _ = write!(out, "<td class=\"n\">{}</td>", count(&s, o));
        }
        out.push_str("<td>");
        let parts: Vec<(String, usize, String)> = OUTCOMES
            .iter()
            .map(|o| {
                (
                    format!("o-{}", o.as_str()),
                    count(&s, *o),
                    label(*o).to_string(),
                )
            })
            .collect();
        let words: Vec<String> = parts
            .iter()
            .filter(|p| p.1 > 0)
            .map(|p| format!("{} {}", p.1, p.2))
            .collect();
        stacked_bar(out, &parts, &format!("{fw}: {}", words.join(", ")));
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

/// Per Annex A objective and clause of ISO/IEC 42001: how many of its controls are met.
fn heat_map(out: &mut String, input: &ReportInput<'_>) {
    let mut groups: BTreeMap<String, Vec<&CheckResult>> = BTreeMap::new();
    for r in input.results.iter().filter(|r| &*r.framework == "iso42001") {
        if let Some(d) = domain(&r.id) {
            groups.entry(d).or_default().push(r);
        }
    }
    if groups.is_empty() {
        return;
    }
    let mut keys: Vec<&String> = groups.keys().collect();
    // Clauses before Annex A, each in natural order (A.2 before A.10).
    keys.sort_by(|a, b| {
        a.starts_with('A')
            .cmp(&b.starts_with('A'))
            .then_with(|| natural_cmp(a, b))
    });
    out.push_str("<h3>ISO/IEC 42001 clauses and Annex A objectives</h3>\n<p class=\"muted\">Each cell: the share of its applicable controls that are met. Excluded and not applicable controls are not counted.</p>\n<ul class=\"heat\" id=\"heat-map\">\n");
    for key in keys {
        let rs = &groups[key];
        let applicable: Vec<&&CheckResult> = rs
            .iter()
            .filter(|r| !matches!(r.outcome, Outcome::Excluded | Outcome::NotApplicable))
            .collect();
        let met = applicable.iter().filter(|r| r.outcome.is_met()).count();
        let failing = applicable
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Fail | Outcome::Error))
            .count();
        let waived = applicable
            .iter()
            .filter(|r| r.outcome == Outcome::Waived)
            .count();
        let waived = if waived > 0 {
            format!(" · {waived} waived")
        } else {
            String::new()
        };
        let title = input
            .catalog
            .entries
            .get(format!("iso42001::{key}").as_str())
            .map(|t| esc(t))
            .unwrap_or_default();
        let name = if key.starts_with('A') {
            key.clone()
        } else {
            format!("Clause {key}")
        };
        // Lightness from the share met: a pale red for none, a pale green for all; the text
        // gives the numbers, dark on light at every step.
        let (rate, style) = if applicable.is_empty() {
            ("–".to_string(), "background:#f6f8fa".to_string())
        } else {
            let share = met * 100 / applicable.len();
            let hue = share * 120 / 100;
            (
                format!("{share} %"),
                format!("background:hsl({hue},60%,88%)"),
            )
        };
        let _ = writeln!(
            out,
            "<li style=\"{style}\" data-domain=\"{k}\"><a href=\"#controls\" data-goto-domain=\"{k}\">{name}</a> {title}<span class=\"rate\">{rate}</span>{met} of {n} met · {failing} failing{waived}</li>",
            k = esc(key),
            n = applicable.len(),
        );
    }
    out.push_str("</ul>\n");
}

fn coverage_label(c: Coverage) -> &'static str {
    c.as_str()
}

fn coverage_class(c: Coverage) -> &'static str {
    match c {
        Coverage::Covered => "c-covered",
        Coverage::Partial => "c-partial",
        Coverage::Gap => "c-gap",
        Coverage::NotAssessed => "c-not_assessed",
    }
}

/// Coverage of every crosswalk target, and the EU AI Act's readiness by article.
fn crosswalks(out: &mut String, input: &ReportInput<'_>) {
    if input.crosswalks.is_empty() {
        return;
    }
    out.push_str("<h3>Crosswalk coverage</h3>\n<p class=\"muted\">What the evaluated controls show of each other framework, through the shipped mappings (see <code>aimsc crosswalk</code>).</p>\n<table id=\"crosswalk-coverage\">\n<thead><tr><th scope=\"col\">Target</th><th scope=\"col\" class=\"n\">covered</th><th scope=\"col\" class=\"n\">partial</th><th scope=\"col\" class=\"n\">gap</th><th scope=\"col\" class=\"n\">not assessed</th><th scope=\"col\">Status</th></tr></thead>\n<tbody>\n");
    for c in input.crosswalks {
        let s = &c.summary;
        let _ = write!(
            out,
            "<tr><th scope=\"row\">{t} <span class=\"muted mono\">{n}</span></th><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>",
            s.covered,
            s.partial,
            s.gap,
            s.not_assessed,
            t = esc(c.title.as_deref().unwrap_or(&c.target)),
            n = esc(&c.target),
        );
        let parts = [
            (Coverage::Covered, s.covered),
            (Coverage::Partial, s.partial),
            (Coverage::Gap, s.gap),
            (Coverage::NotAssessed, s.not_assessed),
        ]
        .map(|(k, n)| {
            (
                coverage_class(k).to_string(),
                n,
                coverage_label(k).to_string(),
            )
        });
        stacked_bar(
            out,
            &parts,
            &format!(
                "{}: {} covered, {} partial, {} gap, {} not assessed",
                c.target, s.covered, s.partial, s.gap, s.not_assessed
            ),
        );
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    if let Some(eu) = input.crosswalks.iter().find(|c| &*c.target == "eu_ai_act") {
        eu_readiness(out, eu);
    }
}

fn eu_readiness(out: &mut String, eu: &CrosswalkReport) {
    out.push_str("<h3>EU AI Act readiness by article</h3>\n<p class=\"muted\"><em>Checked directly</em>: the outcome of the article's own control in the shipped rules, evaluated on the facts, where it has one. <em>Through the crosswalk</em>: what the ISO/IEC 42001 controls mapped to it show. The two are independent: a gap through the crosswalk beside a direct pass means the mapped controls fail while the article's own requirements hold.</p>\n<table id=\"eu-ai-act\">\n<thead><tr><th scope=\"col\">Article</th><th scope=\"col\">Title</th><th scope=\"col\">Checked directly</th><th scope=\"col\">Through the crosswalk</th><th scope=\"col\" class=\"n\">Mapped controls</th></tr></thead>\n<tbody>\n");
    for item in &eu.items {
        let own = item
            .own_outcome
            .map(|o| format!("<a href=\"#{}\">{}</a>", anchor(&item.id), badge(o)))
            .unwrap_or_else(|| "<span class=\"muted\">none</span>".to_string());
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\" class=\"mono\">{id}</th><td>{t}</td><td>{own}</td><td><span class=\"badge {cc}\">{cl}</span></td><td class=\"n\">{n}</td></tr>",
            id = esc(split_id(&item.id).1),
            t = esc(&item.title),
            cc = coverage_class(item.status),
            cl = coverage_label(item.status),
            n = item.derivation.len(),
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

fn top_failing(out: &mut String, input: &ReportInput<'_>) {
    let mut failing: Vec<(&CheckResult, usize)> = input
        .results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Fail | Outcome::Error))
        .map(|r| (r, failures(r).len()))
        .collect();
    failing.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| natural_cmp(&a.0.id, &b.0.id)));
    out.push_str("<h3>Top failing controls</h3>\n");
    if failing.is_empty() {
        out.push_str("<p>No control fails.</p>\n");
        return;
    }
    let _ = writeln!(
        out,
        "<p class=\"muted\">{} failing in all, ranked by the number of failing records or requirements.</p>\n<ol id=\"top-failing\">",
        failing.len()
    );
    for (r, n) in failing.iter().take(TOP_FAILING) {
        let _ = writeln!(
            out,
            "<li><a href=\"#{a}\" class=\"mono\">{id}</a> {t} {b} · {n} failing {what}</li>",
            a = anchor(&r.id),
            id = esc(&r.id),
            t = esc(&r.title),
            b = badge(r.outcome),
            what = if *n == 1 { "item" } else { "items" },
        );
    }
    out.push_str("</ol>\n");
}

fn overrides(out: &mut String, input: &ReportInput<'_>) {
    let o = input.overrides;
    out.push_str("<h3>Overrides in force</h3>\n");
    if o.is_empty() {
        out.push_str("<p>None: every control is judged by the shipped rules and defaults.</p>\n");
        return;
    }
    if !o.params.is_empty() {
        out.push_str("<table id=\"params\"><caption>Params set away from their defaults</caption><thead><tr><th scope=\"col\">Param</th><th scope=\"col\">Default</th><th scope=\"col\">Value</th><th scope=\"col\">Weakens</th><th scope=\"col\">Set at</th></tr></thead><tbody>\n");
        for p in &o.params {
            let _ = writeln!(
                out,
                "<tr><th scope=\"row\" class=\"mono\">{}</th><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td>{}</td><td class=\"mono\">{}</td></tr>",
                esc(&p.name),
                esc(&p.default),
                esc(&p.value),
                if p.weakened { "yes" } else { "no" },
                esc(&p.at.to_string())
            );
        }
        out.push_str("</tbody></table>\n");
    }
    if !o.exclusions.is_empty() {
        out.push_str("<table id=\"exclusions\"><caption>Exclusions</caption><thead><tr><th scope=\"col\">Control</th><th scope=\"col\">Justification</th><th scope=\"col\">Declared at</th></tr></thead><tbody>\n");
        for e in &o.exclusions {
            let _ = writeln!(
                out,
                "<tr><th scope=\"row\"><a class=\"mono\" href=\"#{}\">{}</a></th><td>{}</td><td class=\"mono\">{}</td></tr>",
                anchor(&e.control),
                esc(&e.control),
                esc(&e.justification),
                esc(&e.at.to_string())
            );
        }
        out.push_str("</tbody></table>\n");
    }
    if !o.waivers.is_empty() {
        out.push_str("<table id=\"waivers\"><caption>Waivers</caption><thead><tr><th scope=\"col\">Control</th><th scope=\"col\">Until</th><th scope=\"col\">Owner</th><th scope=\"col\">Justification</th><th scope=\"col\">Declared at</th></tr></thead><tbody>\n");
        for w in &o.waivers {
            let _ = writeln!(
                out,
                "<tr><th scope=\"row\"><a class=\"mono\" href=\"#{}\">{}</a></th><td>{}{}</td><td>{}</td><td>{}</td><td class=\"mono\">{}</td></tr>",
                anchor(&w.control),
                esc(&w.control),
                esc(&w.until),
                if w.expired {
                    " <strong>(expired)</strong>"
                } else {
                    ""
                },
                esc(&w.owner),
                esc(&w.justification),
                esc(&w.at.to_string())
            );
        }
        out.push_str("</tbody></table>\n");
    }
}

fn evidence(out: &mut String, input: &ReportInput<'_>) {
    let bad: Vec<_> = input
        .inputs
        .evidence
        .iter()
        .filter(|e| &*e.state != "ok")
        .collect();
    out.push_str("<h3>Evidence that cannot be relied on</h3>\n");
    if bad.is_empty() {
        let _ = writeln!(
            out,
            "<p>None of the {} evidence items is stale, altered or missing.</p>",
            input.inputs.evidence.len()
        );
        return;
    }
    out.push_str("<table id=\"evidence\"><thead><tr><th scope=\"col\">Evidence</th><th scope=\"col\">State</th><th scope=\"col\">Location</th><th scope=\"col\">Problem</th></tr></thead><tbody>\n");
    for e in bad {
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\" class=\"mono\">{}</th><td>{}</td><td class=\"mono\">{}</td><td>{}</td></tr>",
            esc(&e.id),
            esc(&e.state),
            esc(&e.location),
            esc(e.problem.as_deref().unwrap_or(""))
        );
    }
    out.push_str("</tbody></table>\n");
}

fn diagnostics(out: &mut String, input: &ReportInput<'_>) {
    if input.diagnostics.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<h3>Problems in the rules and facts</h3>\n<table id=\"diagnostics\"><caption>{} in all{}</caption><thead><tr><th scope=\"col\">Severity</th><th scope=\"col\">Code</th><th scope=\"col\">Where</th><th scope=\"col\">Message</th></tr></thead><tbody>",
        input.diagnostics.len(),
        if input.diagnostics.len() > DIAGNOSTICS_SHOWN {
            format!("; the first {DIAGNOSTICS_SHOWN} here, every one in the JSON report")
        } else {
            String::new()
        }
    );
    for d in input.diagnostics.iter().take(DIAGNOSTICS_SHOWN) {
        let at = match (&d.file, d.line) {
            (Some(f), Some(l)) => format!("{f}:{l}"),
            (Some(f), None) => f.to_string(),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "<tr><td>{:?}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td>{}</td></tr>",
            d.severity,
            esc(&d.code),
            esc(&at),
            esc(&d.message)
        );
    }
    out.push_str("</tbody></table>\n");
}

/// Applicability as the Statement of Applicability gives it.
fn applicability(r: &CheckResult) -> String {
    match r.outcome {
        Outcome::Excluded => format!(
            "excluded: {}",
            esc(r.justification.as_deref().unwrap_or("no justification"))
        ),
        Outcome::NotApplicable => "not applicable".to_string(),
        _ => "applicable".to_string(),
    }
}

fn options(out: &mut String, id: &str, label: &str, values: &[(String, String)]) {
    let _ = write!(
        out,
        "<label for=\"f-{id}\">{label}<select id=\"f-{id}\"><option value=\"\">all</option>"
    );
    for (v, text) in values {
        let _ = write!(out, "<option value=\"{}\">{}</option>", esc(v), esc(text));
    }
    out.push_str("</select></label>");
}

fn controls(out: &mut String, input: &ReportInput<'_>) {
    let owner = |r: &CheckResult| input.catalog.owners.get(&r.id).cloned();
    let mut domains: Vec<String> = input.results.iter().filter_map(|r| domain(&r.id)).collect();
    domains.sort_by(|a, b| natural_cmp(a, b));
    domains.dedup();
    let mut owners: Vec<String> = input
        .results
        .iter()
        .filter_map(|r| owner(r).map(|o| o.to_string()))
        .collect();
    owners.sort();
    owners.dedup();
    out.push_str("<section id=\"controls\" aria-labelledby=\"h-controls\">\n<h2 id=\"h-controls\">Controls</h2>\n<div class=\"filters\" role=\"search\" aria-label=\"Filter the controls\">");
    let fws: Vec<(String, String)> = present_frameworks(input.results)
        .into_iter()
        .map(|f| (f.to_string(), f.to_string()))
        .collect();
    options(out, "framework", "Framework", &fws);
    let ds: Vec<(String, String)> = domains.iter().map(|d| (d.clone(), d.clone())).collect();
    options(out, "domain", "Domain or clause", &ds);
    let os: Vec<(String, String)> = OUTCOMES
        .iter()
        .map(|o| (o.as_str().to_string(), label(*o).to_string()))
        .collect();
    options(out, "outcome", "Outcome", &os);
    let ows: Vec<(String, String)> = owners.iter().map(|o| (o.clone(), o.clone())).collect();
    options(out, "owner", "Owner", &ows);
    out.push_str("<label for=\"f-search\">Search<input id=\"f-search\" type=\"search\" placeholder=\"id, title, owner…\"></label><button id=\"f-reset\" type=\"button\">Clear filters</button>");
    let _ = writeln!(
        out,
        "<p id=\"shown\" role=\"status\" aria-live=\"polite\">{n} of {n} shown</p></div>",
        n = input.results.len()
    );
    out.push_str("<table id=\"control-table\">\n<caption>Every control and rule evaluated, with its applicability as the Statement of Applicability gives it</caption>\n<thead><tr><th scope=\"col\">Id</th><th scope=\"col\">Title</th><th scope=\"col\">Framework</th><th scope=\"col\">Domain</th><th scope=\"col\">Outcome</th><th scope=\"col\">Applicability</th><th scope=\"col\">Owner</th></tr></thead>\n<tbody>\n");
    for r in input.results {
        let d = domain(&r.id).unwrap_or_default();
        let o = owner(r).map(|o| esc(&o)).unwrap_or_default();
        let _ = writeln!(
            out,
            "<tr data-framework=\"{fw}\" data-domain=\"{d}\" data-outcome=\"{oc}\" data-owner=\"{o}\"><th scope=\"row\"><a class=\"mono\" href=\"#{a}\">{id}</a></th><td>{t}</td><td>{fw}</td><td>{d}</td><td>{b}</td><td>{ap}</td><td>{o}</td></tr>",
            fw = esc(&r.framework),
            d = esc(&d),
            oc = r.outcome.as_str(),
            a = anchor(&r.id),
            id = esc(&r.id),
            t = esc(&r.title),
            b = badge(r.outcome),
            ap = applicability(r),
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

/// For each control, the targets it maps to and what reached them.
type Targets<'a> = BTreeMap<&'a str, Vec<(&'a str, &'static str, Coverage)>>;

fn mappings_by_source<'a>(input: &ReportInput<'a>) -> Targets<'a> {
    let mut out: Targets<'a> = BTreeMap::new();
    for c in input.crosswalks {
        for item in &c.items {
            for d in &item.derivation {
                out.entry(&*d.source).or_default().push((
                    &*item.id,
                    d.relation.as_str(),
                    item.status,
                ));
            }
        }
    }
    out
}

fn details(out: &mut String, input: &ReportInput<'_>) {
    let maps = mappings_by_source(input);
    out.push_str("<section id=\"details\" aria-labelledby=\"h-details\">\n<h2 id=\"h-details\">Details</h2>\n<p class=\"muted\">Every control's requirements and why each holds or not, with the place in the facts of each record that decided it. Open one, or print the page to open them all.</p>\n");
    for r in input.results {
        let _ = write!(
            out,
            "<details class=\"control\" id=\"{a}\"><summary>{b} <span class=\"mono\">{id}</span> {t}</summary><div>\n<p>{m}</p>\n",
            a = anchor(&r.id),
            b = badge(r.outcome),
            id = esc(&r.id),
            t = esc(&r.title),
            m = esc(&r.message),
        );
        if let Some(intent) = input.catalog.intents.get(&r.id) {
            let _ = writeln!(out, "<p><em>Intent:</em> {}</p>", esc(intent));
        }
        if let Some(l) = &r.location {
            let _ = writeln!(
                out,
                "<p class=\"muted\">Declared at <span class=\"mono\">{}:{}</span>{}</p>",
                esc(&l.file),
                l.line,
                input
                    .catalog
                    .owners
                    .get(&r.id)
                    .map(|o| format!(" · owner {}", esc(o)))
                    .unwrap_or_default()
            );
        }
        if let Some(j) = &r.justification {
            let _ = writeln!(out, "<p><strong>Excluded:</strong> {}</p>", esc(j));
        }
        if let Some(w) = &r.waiver {
            let _ = writeln!(
                out,
                "<p><strong>Waiver{}:</strong> until {} · owner {} · {}</p>",
                if w.expired { " (expired)" } else { "" },
                esc(&w.until),
                esc(&w.owner),
                esc(&w.justification)
            );
        }
        for q in &r.requirements {
            let _ = write!(
                out,
                "<div class=\"req\"><h4>{b} {n}{p}</h4><p>{m}</p>",
                b = badge(q.outcome),
                n = esc(&q.name),
                p = if q.practice {
                    " <span class=\"muted\">(recommended practice)</span>"
                } else {
                    ""
                },
                m = esc(&q.message),
            );
            if let Some(at) = &q.attestation {
                let _ = write!(
                    out,
                    "<p>Attested by {} on {}, valid until {}.</p>",
                    esc(&at.attested_by),
                    esc(&at.attested_on),
                    esc(&at.valid_until)
                );
            }
            if !q.evidence.is_empty() {
                let ids: Vec<String> = q.evidence.iter().map(|e| esc(e)).collect();
                let _ = write!(
                    out,
                    "<p>Evidence: <span class=\"mono\">{}</span></p>",
                    ids.join(", ")
                );
            }
            // What failed is open; why a requirement holds is a click away.
            let _ = write!(
                out,
                "<details{}><summary>Why</summary><ul class=\"tree\">",
                if q.outcome.is_met() { "" } else { " open" }
            );
            tree(out, &q.explanation);
            out.push_str("</ul></details></div>\n");
        }
        if let Some(a) = &r.applies {
            let _ = write!(
                out,
                "<details><summary>Applies when: {}</summary><ul class=\"tree\">",
                truth_word(a.result)
            );
            tree(out, a);
            out.push_str("</ul></details>\n");
        }
        if !r.supported_by.is_empty() {
            out.push_str("<p>Supported by: ");
            let parts: Vec<String> = r
                .supported_by
                .iter()
                .map(|s| {
                    format!(
                        "<a class=\"mono\" href=\"#{}\">{}</a> {}",
                        anchor(&s.rule),
                        esc(&s.rule),
                        badge(s.outcome)
                    )
                })
                .collect();
            out.push_str(&parts.join(", "));
            out.push_str("</p>\n");
        }
        if let Some(targets) = maps.get(&*r.id) {
            out.push_str("<p>Maps to: ");
            let parts: Vec<String> = targets
                .iter()
                .map(|(t, rel, c)| {
                    format!(
                        "<span class=\"mono\">{}</span> ({}, {})",
                        esc(t),
                        esc(rel),
                        coverage_label(*c)
                    )
                })
                .collect();
            out.push_str(&parts.join("; "));
            out.push_str("</p>\n");
        }
        out.push_str("</div></details>\n");
    }
    out.push_str("</section>\n");
}

fn truth_class(t: Truth) -> &'static str {
    match t {
        Truth::True => "t-true",
        Truth::False => "t-false",
        Truth::Unknown => "t-unknown",
    }
}

fn truth_word(t: Truth) -> &'static str {
    match t {
        Truth::True => "true",
        Truth::False => "false",
        Truth::Unknown => "unknown",
    }
}

/// One node of an explanation and what is below it.
fn tree(out: &mut String, ex: &Explanation) {
    let _ = write!(
        out,
        "<li class=\"{}\"><code>{}</code> → {}",
        truth_class(ex.result),
        esc(&ex.expr),
        truth_word(ex.result)
    );
    if let Some(d) = &ex.detail {
        let _ = write!(out, " <span class=\"muted\">[{}]</span>", esc(d));
    }
    if let Some(m) = &ex.missing {
        let _ = write!(out, " <strong>missing: <code>{}</code></strong>", esc(m));
    }
    if let Some(at) = &ex.at {
        let _ = write!(
            out,
            " <span class=\"mono muted\">at {}:{}:{}</span>",
            esc(&at.file),
            at.line,
            at.column
        );
    }
    if let Some(rs) = &ex.records {
        let _ = write!(
            out,
            "<p class=\"muted\">{} in scope of {} in <code>{}</code>, {} satisfied</p>",
            rs.in_scope,
            rs.total,
            esc(&rs.collection),
            rs.satisfied
        );
        if !rs.findings.is_empty() {
            out.push_str("<ul class=\"tree\">");
            for f in rs.findings.iter().take(FINDINGS_SHOWN) {
                finding(out, f);
            }
            if rs.findings.len() > FINDINGS_SHOWN {
                let _ = write!(
                    out,
                    "<li>… and {} more (every one in the JSON report)</li>",
                    rs.findings.len() - FINDINGS_SHOWN
                );
            }
            out.push_str("</ul>");
        }
        if !rs.nearest.is_empty() {
            out.push_str("<p class=\"muted\">Nearest:</p><ul class=\"tree\">");
            for f in &rs.nearest {
                finding(out, f);
            }
            out.push_str("</ul>");
        }
    }
    if !ex.children.is_empty() {
        out.push_str("<ul class=\"tree\">");
        for c in &ex.children {
            tree(out, c);
        }
        out.push_str("</ul>");
    }
    out.push_str("</li>");
}

fn finding(out: &mut String, f: &Finding) {
    let at =
        f.at.as_ref()
            .map(|a| {
                format!(
                    " <span class=\"mono\">at {}:{}:{}</span>",
                    esc(&a.file),
                    a.line,
                    a.column
                )
            })
            .unwrap_or_default();
    let _ = write!(
        out,
        "<li class=\"{}\"><code>{}</code> → {}{at}<ul class=\"tree\">",
        truth_class(f.result),
        esc(&f.record),
        truth_word(f.result)
    );
    tree(out, &f.explanation);
    out.push_str("</ul></li>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_the_rules_and_facts_cannot_open_a_tag() {
        assert_eq!(
            esc("<script>\"x\" & 'y'</script>"),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn anchors_keep_ids_apart() {
        assert_eq!(anchor("iso42001::A.6.2"), "c-iso42001.3a.3aA.2e6.2e2");
        assert_ne!(anchor("a::b.c"), anchor("a::b_c"));
    }

    #[test]
    fn domains_are_objectives_and_clauses() {
        assert_eq!(domain("iso42001::A.6.2.3").as_deref(), Some("A.6"));
        assert_eq!(domain("iso42001::A.10.2").as_deref(), Some("A.10"));
        assert_eq!(domain("iso42001::9.2").as_deref(), Some("9"));
        assert_eq!(domain("eu_ai_act::Art.9"), None);
        assert_eq!(domain("acme::retired"), None);
    }
}
