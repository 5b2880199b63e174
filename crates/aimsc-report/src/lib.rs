//! Renderers for evaluation results. Every format is computed from the same data:
//! the [`CheckResult`]s, the diagnostics and the inputs' digests.

pub mod crosswalk;
pub mod findings;
pub mod history;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod oscal;
pub mod overrides;
pub mod sarif;
pub mod soa;
pub(crate) mod text;
pub mod to_add;

pub use findings::Catalog;
pub use markdown::Baseline;
pub use overrides::Overrides;
pub use text::render_text;

use aimsc_diagnostics::{Diagnostic, Severity};
use aimsc_eval::outcome::{CheckResult, Outcome};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Version of the JSON report's schema; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// One input file and the SHA-256 of its contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputDigest {
    /// Path as displayed.
    pub path: Arc<str>,
    /// Lower-case hex SHA-256.
    pub sha256: String,
}

/// Digests of every input, and one over all of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inputs {
    /// Rule files.
    pub rules: Vec<InputDigest>,
    /// Facts files.
    pub facts: Vec<InputDigest>,
    /// SHA-256 over the rule digests.
    pub rules_digest: String,
    /// SHA-256 over the facts digests.
    pub facts_digest: String,
    /// Files under the facts folder that were not loaded (each with a warning saying why).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Arc<str>>,
    /// Every evidence item of the facts, in id order, with what was found at its location.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceEntry>,
}

/// One evidence item as a report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceEntry {
    /// Its id.
    pub id: Arc<str>,
    /// Its kind.
    pub kind: Arc<str>,
    /// Where it is: a path inside the project, or a URL.
    pub location: Arc<str>,
    /// The digest recorded in the facts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<Arc<str>>,
    /// The digest of the file found at the location, when one was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found_sha256: Option<Arc<str>>,
    /// `ok`, `unverifiable`, `missing`, `altered`, `no_digest`, `stale` or `outside`.
    pub state: Arc<str>,
    /// Its last valid day, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// What is wrong, in one sentence, when it cannot be relied on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn digests<T: AsRef<str>>(files: &[(Arc<str>, T)]) -> (Vec<InputDigest>, String) {
    let mut list: Vec<InputDigest> = files
        .iter()
        .map(|(p, t)| InputDigest {
            path: p.clone(),
            sha256: hex(&Sha256::digest(t.as_ref().as_bytes())),
        })
        .collect();
    list.sort_by(|a, b| a.path.cmp(&b.path));
    let mut all = Sha256::new();
    for d in &list {
        all.update(d.path.as_bytes());
        all.update([0]);
        all.update(d.sha256.as_bytes());
        all.update([b'\n']);
    }
    (list, hex(&all.finalize()))
}

impl Inputs {
    /// Digests of rule and facts files given as `(path, text)`.
    pub fn new<T: AsRef<str>>(rules: &[(Arc<str>, T)], facts: &[(Arc<str>, T)]) -> Inputs {
        let (rules, rules_digest) = digests(rules);
        let (facts, facts_digest) = digests(facts);
        Inputs {
            rules,
            facts,
            rules_digest,
            facts_digest,
            skipped: Vec::new(),
            evidence: Vec::new(),
        }
    }
}

/// Counts of outcomes.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// Passing, shown by the facts.
    pub pass: usize,
    /// Met with at least one requirement by attestation: self-declared, counted apart.
    /// Reports written before attestations existed have none.
    #[serde(default)]
    pub attested: usize,
    /// Failing.
    pub fail: usize,
    /// Not applicable.
    pub not_applicable: usize,
    /// Excluded.
    pub excluded: usize,
    /// Waived.
    pub waived: usize,
    /// Errors.
    pub error: usize,
}

impl Summary {
    /// Counts the outcomes of `results`.
    pub fn of(results: &[CheckResult]) -> Summary {
        let mut s = Summary::default();
        for r in results {
            *match r.outcome {
                Outcome::Pass => &mut s.pass,
                Outcome::Attested => &mut s.attested,
                Outcome::Fail => &mut s.fail,
                Outcome::NotApplicable => &mut s.not_applicable,
                Outcome::Excluded => &mut s.excluded,
                Outcome::Waived => &mut s.waived,
                Outcome::Error => &mut s.error,
            } += 1;
        }
        s
    }
}

/// A diagnostic as the JSON report carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportDiagnostic {
    /// Stable code.
    pub code: std::borrow::Cow<'static, str>,
    /// error / warning.
    pub severity: Severity,
    /// Message.
    pub message: String,
    /// File path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<Arc<str>>,
    /// 1-based line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// 1-based column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// Help.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// The JSON report.
#[derive(Debug, Clone, Serialize)]
pub struct Report<'a> {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The tool that wrote it.
    pub tool: &'static str,
    /// The as-of date of the evaluation.
    pub as_of: String,
    /// Digests of the inputs.
    pub inputs: Inputs,
    /// Outcome counts.
    pub summary: Summary,
    /// Per control and rule, sorted by id.
    pub results: &'a [CheckResult],
    /// Params set away from their defaults, exclusions and waivers.
    pub overrides: &'a Overrides,
    /// Problems found in rules and facts.
    pub diagnostics: Vec<ReportDiagnostic>,
}

/// A JSON report read back ([`Format::Json`]): the same fields as [`Report`], owned.
/// Reading a report and writing it again gives the same bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportData {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The tool that wrote it.
    pub tool: String,
    /// The as-of date of the evaluation.
    pub as_of: String,
    /// Digests of the inputs.
    pub inputs: Inputs,
    /// Outcome counts.
    pub summary: Summary,
    /// Per control and rule, sorted by id.
    pub results: Vec<CheckResult>,
    /// Params set away from their defaults, exclusions and waivers.
    #[serde(default)]
    pub overrides: Overrides,
    /// Problems found in rules and facts.
    pub diagnostics: Vec<ReportDiagnostic>,
}

impl ReportData {
    /// Reads a JSON report.
    pub fn from_json(text: &str) -> Result<ReportData, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Writes it as `aimsc eval --format json` does.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

fn write_json(
    out: &mut dyn std::io::Write,
    as_of: &str,
    inputs: Inputs,
    results: &[CheckResult],
    overrides: &Overrides,
    diagnostics: Vec<ReportDiagnostic>,
) -> std::io::Result<()> {
    let mut report = Report {
        schema_version: SCHEMA_VERSION,
        tool: concat!("aimsc ", env!("CARGO_PKG_VERSION")),
        as_of: as_of.to_string(),
        inputs,
        summary: Summary::of(results),
        results: &[],
        overrides,
        diagnostics,
    };
    let pretty = |r: &Report<'_>| {
        serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    };
    // The results are most of a large report: they are written a batch at a time, each result
    // of a batch on a core of its own, and put in the place the empty list holds, indented as
    // the whole document would indent it. The document is never whole in memory: for the
    // shipped rulesets over 10,000 systems it is 217 MB, and held twice (the parts and the
    // whole) it had been 40 % of the run's peak memory.
    let frame = pretty(&report);
    match frame.split_once(RESULTS_SLOT) {
        Some((before, after)) if !results.is_empty() => {
            out.write_all(before.as_bytes())?;
            out.write_all(b"\n  \"results\": [")?;
            let mut first = true;
            for batch in results.chunks(RESULTS_BATCH) {
                for part in pretty_each(batch) {
                    if !first {
                        out.write_all(b",")?;
                    }
                    first = false;
                    for line in part.split('\n') {
                        out.write_all(b"\n    ")?;
                        out.write_all(line.as_bytes())?;
                    }
                }
            }
            out.write_all(b"\n  ]")?;
            out.write_all(after.as_bytes())?;
        }
        _ => {
            report.results = results;
            out.write_all(pretty(&report).as_bytes())?;
        }
    }
    out.write_all(b"\n")
}

/// How many results are rendered before they are written: enough to keep two cores busy, few
/// enough that a batch is a small part of a large report (the shipped rulesets give about 200
/// results, some of them explaining every system in megabytes of JSON).
const RESULTS_BATCH: usize = 4;

/// Where the results go in the pretty document written with none: the top-level key is the
/// only one indented by two spaces (a string holds no raw line break).
const RESULTS_SLOT: &str = "\n  \"results\": []";

/// Each result as pretty JSON, on as many threads as there are cores.
fn pretty_each(results: &[CheckResult]) -> Vec<String> {
    let one = |r: &CheckResult| serde_json::to_string_pretty(r).unwrap_or_default();
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .clamp(1, 8);
    if workers < 2 || results.len() < 2 {
        return results.iter().map(one).collect();
    }
    let per = results.len().div_ceil(workers);
    std::thread::scope(|scope| {
        let handles: Vec<_> = results
            .chunks(per)
            .map(|chunk| {
                // Explanations nest as deep as the rules do: the stack of the command line's.
                std::thread::Builder::new()
                    .stack_size(64 * 1024 * 1024)
                    .spawn_scoped(scope, move || chunk.iter().map(one).collect::<Vec<_>>())
                    .ok()
            })
            .collect();
        let mut out = Vec::with_capacity(results.len());
        for (h, chunk) in handles.into_iter().zip(results.chunks(per)) {
            // A thread that could not start or failed leaves its share to this one.
            match h.map(|h| h.join()) {
                Some(Ok(parts)) => out.extend(parts),
                _ => out.extend(chunk.iter().map(one)),
            }
        }
        out
    })
}

/// Pretty JSON with a final newline. Serialising a `serde_json::Value` cannot fail.
pub(crate) fn pretty(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

/// A path as a URI reference: `/` separators, and what a URI cannot hold percent-encoded.
pub(crate) fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/@".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A link to a line of a facts file, e.g. `facts/ai_systems/x.yaml#L3`.
pub(crate) fn findings_href(at: &aimsc_eval::validate::FactLoc) -> String {
    format!("{}#L{}", uri(&at.file), at.line)
}

/// The report formats of `aimsc eval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// One line per control, explanations of what failed.
    Text,
    /// The versioned JSON report (see `schemas/report.schema.json`).
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// JUnit XML.
    Junit,
    /// A Markdown summary for pull requests.
    Markdown,
    /// OSCAL assessment results (JSON).
    Oscal,
    /// One self-contained HTML page: summary, controls table, details.
    Html,
}

impl Format {
    /// Every format, in the order help texts list them.
    pub const ALL: [Format; 7] = [
        Format::Text,
        Format::Json,
        Format::Sarif,
        Format::Junit,
        Format::Markdown,
        Format::Oscal,
        Format::Html,
    ];

    /// The name used on the command line and in the API.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Markdown => "markdown",
            Format::Oscal => "oscal",
            Format::Html => "html",
        }
    }

    /// The format of a name.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// Everything a report is made from. Every format renders from this, so they agree.
pub struct ReportInput<'a> {
    /// The as-of date, `YYYY-MM-DD`.
    pub as_of: &'a str,
    /// Digests of the inputs.
    pub inputs: &'a Inputs,
    /// Results, sorted by id.
    pub results: &'a [CheckResult],
    /// Params set away from their defaults, exclusions and waivers.
    pub overrides: &'a Overrides,
    /// Diagnostics, already placed at line and column.
    pub diagnostics: &'a [ReportDiagnostic],
    /// Intents and framework titles.
    pub catalog: &'a Catalog,
    /// Explain passing requirements too (text).
    pub verbose: bool,
    /// ANSI colours in the text report (for a terminal).
    pub colour: bool,
    /// An earlier run's outcomes, for the Markdown summary's changes.
    pub baseline: Option<&'a Baseline>,
    /// The root facts file, where a missing root fact belongs.
    pub root_facts: Option<&'a str>,
    /// Coverage of each crosswalk target derived from the results (HTML).
    pub crosswalks: &'a [crosswalk::CrosswalkReport],
    /// The facts the failing controls found missing (text).
    pub to_add: &'a [to_add::Group],
}

/// Renders one format.
pub fn render(format: Format, input: &ReportInput<'_>) -> String {
    let mut out = Vec::new();
    // Writing to memory cannot fail.
    let _ = write(format, input, &mut out);
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Writes one format to `out` as it is rendered: the JSON report a batch of results at a
/// time, so that a large report is never whole in memory; the others whole.
pub fn write(
    format: Format,
    input: &ReportInput<'_>,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let text = match format {
        Format::Text => text::render_with(
            input.results,
            input.overrides,
            &text::Layout {
                verbose: input.verbose,
                colour: input.colour,
                as_of: input.as_of,
                catalog: input.catalog,
                to_add: input.to_add,
            },
        ),
        Format::Json => {
            return write_json(
                out,
                input.as_of,
                input.inputs.clone(),
                input.results,
                input.overrides,
                input.diagnostics.to_vec(),
            );
        }
        Format::Sarif => sarif::render(
            input.results,
            input.overrides,
            input.diagnostics,
            input.catalog,
            input.root_facts,
            &input.inputs.evidence,
        ),
        Format::Junit => junit::render(input.results, input.as_of, input.catalog),
        Format::Markdown => markdown::render_with(
            input.results,
            input.overrides,
            input.as_of,
            input.baseline,
            &input.inputs.evidence,
        ),
        Format::Oscal => oscal::render(
            input.results,
            input.overrides,
            input.as_of,
            input.inputs,
            input.catalog,
        ),
        Format::Html => html::render(input),
    };
    out.write_all(text.as_bytes())
}

/// Places diagnostics at line and column for reports. `locate` turns a location into
/// (line, column).
pub fn report_diagnostics(
    diags: &[Diagnostic],
    locate: &dyn Fn(&aimsc_diagnostics::Location) -> Option<(usize, usize)>,
) -> Vec<ReportDiagnostic> {
    diags
        .iter()
        .map(|d| {
            let lc = d.location.as_ref().and_then(locate);
            ReportDiagnostic {
                code: std::borrow::Cow::Borrowed(d.code),
                severity: d.severity,
                message: d.message.clone(),
                file: d.location.as_ref().map(|l| l.file.clone()),
                line: lc.map(|x| x.0),
                column: lc.map(|x| x.1),
                help: d.help.clone(),
            }
        })
        .collect()
}
