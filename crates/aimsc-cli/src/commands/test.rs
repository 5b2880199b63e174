//! `aimsc test`: unit tests for rules, written by governance authors next to their rules.
//!
//! A test file (`*.test.yaml`) holds cases; each gives facts (a path to a facts file or folder,
//! or the root mapping inline) and the outcomes it expects of controls and rules, optionally
//! of their requirements and of the records that fail them. The rules are checked once; each
//! case sets its facts in the same database, so only fact-dependent work re-runs.
//!
//! Coverage: a `require` block counts as exercised when a case that expects something of its
//! control evaluated it (the control was neither excluded nor inapplicable there).

use crate::cli::TestArgs;
use aimsc::diagnostics::did_you_mean;
use aimsc::{CheckResult, Diagnostic, Engine, Location, Options, Outcome, Span};
use indexmap::IndexMap;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A test file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TestFile {
    /// Default as-of date of its cases.
    #[serde(default)]
    as_of: Option<String>,
    tests: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: serde_saphyr::Spanned<String>,
    /// A path (relative to the test file) or the root facts inline.
    facts: FactsSpec,
    #[serde(default)]
    as_of: Option<String>,
    expect: IndexMap<String, Expect>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum FactsSpec {
    Path(String),
    Inline(serde_json::Value),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Expect {
    Outcome(Outcome),
    Detailed(Detailed),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Detailed {
    outcome: Outcome,
    /// Outcomes of requirements, by name.
    #[serde(default)]
    requirements: IndexMap<String, Outcome>,
    /// Exactly the records failing its requirements, e.g. `ai_systems[id=chatbot]`.
    #[serde(default)]
    failing: Option<Vec<String>>,
}

impl Expect {
    fn outcome(&self) -> Outcome {
        match self {
            Expect::Outcome(o) => *o,
            Expect::Detailed(d) => d.outcome,
        }
    }
}

/// A loaded test file.
struct Loaded {
    display: Arc<str>,
    text: String,
    file: TestFile,
}

fn is_test_file(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".test.yaml") || n.ends_with(".test.yml"))
}

/// Test files under the given paths, sorted.
fn find(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Vec<Diagnostic>> {
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = paths.to_vec();
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            let rd = std::fs::read_dir(&p).map_err(|e| {
                vec![Diagnostic::error(
                    aimsc::diagnostics::codes::IO_READ,
                    format!("cannot read folder `{}`: {e}", p.display()),
                    None,
                )]
            })?;
            for e in rd.filter_map(Result::ok) {
                let path = e.path();
                let hidden = e.file_name().to_string_lossy().starts_with('.');
                if !hidden && (path.is_dir() || is_test_file(&path)) {
                    stack.push(path);
                }
            }
        } else if p.is_file() {
            out.push(p);
        } else {
            return Err(vec![Diagnostic::error(
                aimsc::diagnostics::codes::IO_MISSING,
                format!("`{}` does not exist", p.display()),
                None,
            )]);
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn load(path: &Path, base: &Path) -> Result<Loaded, Diagnostic> {
    let shown = path.strip_prefix(base).unwrap_or(path);
    let display: Arc<str> = Arc::from(shown.to_string_lossy().as_ref());
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostic::error(
            aimsc::diagnostics::codes::IO_READ,
            format!("cannot read `{display}`: {e}"),
            None,
        )
    })?;
    let file: TestFile = serde_saphyr::from_str(&text).map_err(|e| {
        let at = e.location().map_or(0, |l| offset_of(&text, l.line(), l.column()));
        let message = e.to_string();
        let message = message.lines().next().unwrap_or_default();
        // serde-saphyr starts with `error: line N column M: `; the label already says where.
        let message = message.strip_prefix("error: ").unwrap_or(message);
        let message = match message.find(": ") {
            Some(i) if message.starts_with("line ") => message[i + 2..].to_string(),
            _ => message.to_string(),
        };
        Diagnostic::error(
            aimsc::diagnostics::codes::TEST_INVALID,
            format!("not a test file: {message}"),
            Some(Location::new(&display, Span::new(at, at + 1))),
        )
        .with_label("here")
        .with_help("a test file has `tests:`, a list of cases with `name`, `facts` (a path or the facts inline) and `expect` (control id: outcome)")
    })?;
    Ok(Loaded {
        display,
        text,
        file,
    })
}

/// The byte offset of a 1-based line and column (in characters).
fn offset_of(text: &str, line: u64, column: u64) -> usize {
    let line = usize::try_from(line.max(1) - 1).unwrap_or(0);
    let column = usize::try_from(column.max(1) - 1).unwrap_or(0);
    let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let rest = text.get(start..).unwrap_or("");
    start
        + rest
            .char_indices()
            .nth(column)
            .map_or(rest.len(), |(i, _)| i)
}

/// `a/b/../../c` → `c`, without touching the file system, so reports show short paths.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir
                if out
                    .components()
                    .next_back()
                    .is_some_and(|l| matches!(l, std::path::Component::Normal(_))) =>
            {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

fn date(s: &str, file: &Loaded, offset: usize) -> Result<aimsc::Date, Diagnostic> {
    aimsc::eval::dates::parse_date(s).ok_or_else(|| {
        let message = if s.is_empty() {
            "this case has no as-of date".to_string()
        } else {
            format!("`{s}` is not a date")
        };
        Diagnostic::error(
            aimsc::diagnostics::codes::TEST_AS_OF,
            message,
            Some(Location::new(&file.display, Span::new(offset, offset + 1))),
        )
        .with_help("write it as YYYY-MM-DD")
    })
}

/// The byte offset of a case's name in its file.
fn case_offset(case: &Case, text: &str) -> usize {
    let l = &case.name.referenced;
    offset_of(text, l.line(), l.column())
}

/// Checks that every expectation names a control that exists, before anything runs.
fn check_ids(files: &[Loaded], engine: &Engine) -> Vec<Diagnostic> {
    let ids: BTreeSet<Arc<str>> = engine.controls().into_iter().map(|c| c.id).collect();
    let mut out = Vec::new();
    for f in files {
        for case in &f.file.tests {
            let start = case_offset(case, &f.text);
            for id in case.expect.keys() {
                if ids.contains(id.as_str()) {
                    continue;
                }
                let at = f.text[start..]
                    .find(id.as_str())
                    .map_or(start, |i| start + i);
                let mut d = Diagnostic::error(
                    aimsc::diagnostics::codes::TEST_UNKNOWN_CONTROL,
                    format!("no control or rule has the id `{id}`"),
                    Some(Location::new(&f.display, Span::new(at, at + id.len()))),
                )
                .with_label("expected here");
                if let Some(s) = did_you_mean(id, ids.iter().map(|k| &**k)) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                out.push(d);
            }
        }
    }
    out
}

/// What one case found wrong, one line each.
fn compare(case: &Case, results: &BTreeMap<&str, &CheckResult>) -> Vec<String> {
    let mut diffs = Vec::new();
    for (id, expect) in &case.expect {
        let Some(r) = results.get(id.as_str()) else {
            diffs.push(format!(
                "{id}: expected {}, not evaluated",
                expect.outcome().as_str()
            ));
            continue;
        };
        if r.outcome != expect.outcome() {
            diffs.push(format!(
                "{id}: expected {}, got {} ({})",
                expect.outcome().as_str(),
                r.outcome.as_str(),
                r.message
            ));
        }
        let Expect::Detailed(d) = expect else {
            continue;
        };
        for (name, want) in &d.requirements {
            match r.requirements.iter().find(|q| &*q.name == name.as_str()) {
                None => {
                    let names: Vec<&str> = r.requirements.iter().map(|q| &*q.name).collect();
                    diffs.push(format!(
                        "{id}: no evaluated requirement is named \"{name}\" (there are: {})",
                        names.join("; ")
                    ));
                }
                Some(q) if q.outcome != *want => diffs.push(format!(
                    "{id} / {name}: expected {}, got {} ({})",
                    want.as_str(),
                    q.outcome.as_str(),
                    q.message
                )),
                Some(_) => {}
            }
        }
        if let Some(want) = &d.failing {
            let got: BTreeSet<String> = aimsc::findings::failures(r)
                .iter()
                .filter_map(|f| f.record.map(|x| x.record.to_string()))
                .collect();
            let want: BTreeSet<String> = want.iter().cloned().collect();
            for missing in want.difference(&got) {
                diffs.push(format!(
                    "{id}: - expected failing record {missing}, which does not fail"
                ));
            }
            for extra in got.difference(&want) {
                diffs.push(format!("{id}: + unexpected failing record {extra}"));
            }
        }
    }
    diffs
}

/// Runs the tests; returns the exit code.
fn run_tests(
    engine: &mut Engine,
    paths: &[PathBuf],
    base: &Path,
    filter: Option<&str>,
    list_shipped: bool,
) -> Result<u8, Vec<Diagnostic>> {
    // Paths in the output are relative to where aimsc was run.
    let _ = std::env::set_current_dir(base);
    let found = find(paths)?;
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for p in &found {
        match load(p, base) {
            Ok(f) => files.push(f),
            Err(e) => errors.push(e),
        }
    }
    let sources = crate::render::Sources::from_texts(
        files
            .iter()
            .map(|f| (f.display.clone(), f.text.clone()))
            .chain(errors.iter().filter_map(|d| {
                let l = d.location.as_ref()?;
                Some((
                    l.file.clone(),
                    std::fs::read_to_string(base.join(&*l.file)).ok()?,
                ))
            })),
    );
    errors.extend(check_ids(&files, engine));
    if !errors.is_empty() {
        crate::render::print_diagnostics(&errors, &sources);
        return Ok(2);
    }
    let total: usize = files.iter().map(|f| f.file.tests.len()).sum();
    println!("running {total} tests from {} file(s)", files.len());
    let mut passed = 0;
    let mut failed = 0;
    let mut filtered = 0;
    // Requirements exercised, by control id and requirement name.
    let mut exercised: BTreeSet<(Arc<str>, Arc<str>)> = BTreeSet::new();
    for f in &files {
        let default_as_of = f.file.as_of.as_deref();
        for case in &f.file.tests {
            let name = &case.name.value;
            if filter.is_some_and(|s| !name.contains(s)) {
                filtered += 1;
                continue;
            }
            let offset = case_offset(case, &f.text);
            let as_of_text = case.as_of.as_deref().or(default_as_of).unwrap_or("");
            let as_of = match date(as_of_text, f, offset) {
                Ok(d) => d,
                Err(e) => {
                    crate::render::print_diagnostics(&[e.with_help("give the case or the file an `as_of: YYYY-MM-DD`: tests never read the clock")], &sources);
                    return Ok(2);
                }
            };
            let set = match &case.facts {
                FactsSpec::Path(p) => {
                    let dir = Path::new(&*f.display).parent().unwrap_or(Path::new(""));
                    engine.set_facts_path(normalize(&dir.join(p)))
                }
                FactsSpec::Inline(v) => engine.set_facts_json(v),
            };
            let mut problems: Vec<String> = Vec::new();
            if let Err(e) = set {
                problems.push(format!("facts: {e}"));
            }
            let mut report = String::new();
            if problems.is_empty() {
                let mut options = Options::new(as_of);
                options.controls = case.expect.keys().cloned().collect();
                match engine.evaluate(&options) {
                    Err(e) => problems.push(e.to_string()),
                    Ok(ev) => {
                        for d in ev.diagnostics.iter().filter(|d| d.is_error()) {
                            let at = d
                                .location
                                .as_ref()
                                .and_then(|l| {
                                    engine
                                        .line_col(l)
                                        .map(|(a, b)| format!(" at {}:{a}:{b}", l.file))
                                })
                                .unwrap_or_default();
                            problems.push(format!("facts: {}: {}{at}", d.code, d.message));
                        }
                        let results: BTreeMap<&str, &CheckResult> =
                            ev.results.iter().map(|r| (&*r.id, r)).collect();
                        problems.extend(compare(case, &results));
                        for r in &ev.results {
                            for q in &r.requirements {
                                exercised.insert((r.id.clone(), q.name.clone()));
                            }
                            if !problems.is_empty() && case.expect.contains_key(&*r.id) {
                                report
                                    .push_str(&aimsc::render_text(std::slice::from_ref(r), false));
                            }
                        }
                    }
                }
            }
            if problems.is_empty() {
                passed += 1;
                println!("  ok    {}: {name}", f.display);
            } else {
                failed += 1;
                let (line, _) = sources
                    .line_col(&Location::new(&f.display, Span::new(offset, offset)))
                    .unwrap_or((1, 1));
                println!("  FAIL  {}:{line}: {name}", f.display);
                for p in &problems {
                    println!("          {p}");
                }
                for l in report
                    .lines()
                    .filter(|l| !l.is_empty() && !l.contains(" controls and rules: "))
                {
                    println!("          | {l}");
                }
            }
        }
    }
    println!("\n{total} tests: {passed} passed, {failed} failed, {filtered} filtered out");
    if filter.is_none() {
        print_coverage(engine, &exercised, list_shipped);
    }
    Ok(if failed > 0 { 1 } else { 0 })
}

/// Coverage of the organisation's own rules, listed; and of the shipped rulesets, listed only
/// when asked (they have tests of their own in the aimsc repository).
fn print_coverage(engine: &Engine, exercised: &BTreeSet<(Arc<str>, Arc<str>)>, list_shipped: bool) {
    let model = engine.project().model();
    // (all, missed) for own rules and for shipped rulesets.
    let mut groups: [(usize, Vec<String>); 2] = [(0, Vec::new()), (0, Vec::new())];
    for c in engine.controls() {
        let Some(check) = model.checks.get(&*c.id) else {
            continue;
        };
        for req in &check.requires {
            let shipped = req.location.file.starts_with(aimsc::rulesets::PREFIX);
            let g = &mut groups[usize::from(shipped)];
            g.0 += 1;
            if !exercised.contains(&(c.id.clone(), req.name.clone())) {
                let at = engine
                    .line_col(&req.location)
                    .map(|(l, _)| format!("{}:{l}", req.location.file))
                    .unwrap_or_else(|| req.location.file.to_string());
                g.1.push(format!("  {} \"{}\"  ({at})", c.id, req.name));
            }
        }
    }
    let mut out = String::new();
    for (i, (all, missed)) in groups.iter().enumerate() {
        if *all == 0 {
            continue;
        }
        let covered = all - missed.len();
        let pct = covered as f64 * 100.0 / *all as f64;
        let what = if i == 0 {
            "your rules"
        } else {
            "shipped rulesets"
        };
        let _ = writeln!(
            out,
            "coverage of {what}: {covered} of {all} require blocks exercised ({pct:.1}%)"
        );
        if missed.is_empty() || (i == 1 && !list_shipped) {
            continue;
        }
        let _ = writeln!(out, "not exercised by any test:");
        for m in missed {
            let _ = writeln!(out, "{m}");
        }
    }
    print!("{out}");
}

/// Runs the command with its parsed arguments.
pub(crate) fn run(args: TestArgs) -> Result<u8, Vec<Diagnostic>> {
    let TestArgs {
        paths,
        rules,
        filter,
        coverage_shipped,
    } = args;
    // Test paths are relative to where aimsc runs, even after moving to aims.toml's folder.
    let here = std::env::current_dir().unwrap_or_default();
    let paths: Vec<PathBuf> = if paths.is_empty() {
        crate::project::configured_rule_dirs().unwrap_or_else(|| vec![PathBuf::from(".")])
    } else {
        paths
    };
    let paths: Vec<PathBuf> = paths.iter().map(|p| here.join(p)).collect();
    // Each test case gives its own date; this one is never used.
    let Some(mut engine) = crate::checked_rules(&rules, crate::parse_as_of(Some("2000-01-01"))?)?
    else {
        return Ok(2);
    };
    run_tests(
        &mut engine,
        &paths,
        &here,
        filter.as_deref(),
        coverage_shipped,
    )
}
