//! `aimsc test`: unit tests for rules, written by governance authors next to their rules.
//!
//! A test file (`*.test.yaml`) holds cases; each gives facts (a path to a facts file or folder,
//! or the root mapping inline) and the outcomes it expects of controls and rules, optionally
//! of their requirements and of the records that fail them. The rules are checked once; each
//! case sets its facts in the same database, so only fact-dependent work re-runs.
//!
//! A case may instead start from another case of its file (`from`) and change or remove facts
//! by path; it runs at its base's as-of date unless it gives its own.
//!
//! Coverage (see [`coverage`]): a `require` block is exercised when a case evaluated it, and
//! proven when two cases one fact apart assert that it passes in one and fails in the other.

mod coverage;
mod facts;

use crate::cli::TestArgs;
use aimsc::diagnostics::did_you_mean;
use aimsc::{CheckResult, Diagnostic, Engine, Location, Options, Outcome, Span};
use indexmap::IndexMap;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
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
    /// A path (relative to the test file) or the root facts inline; or none, with `from`.
    #[serde(default)]
    facts: Option<FactsSpec>,
    /// The name of a case in the same file whose facts this one starts from.
    #[serde(default)]
    from: Option<String>,
    /// Values set in the base's facts, by path (`ai_systems[id=x].field`).
    #[serde(default)]
    change: IndexMap<String, serde_json::Value>,
    /// Values removed from the base's facts, by path.
    #[serde(default)]
    remove: Vec<String>,
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
    /// The control's outcome; left out, only the requirements and failing records are checked.
    #[serde(default)]
    outcome: Option<Outcome>,
    /// Outcomes of requirements, by name.
    #[serde(default)]
    requirements: IndexMap<String, Outcome>,
    /// Exactly the records failing its requirements, e.g. `ai_systems[id=chatbot]`.
    #[serde(default)]
    failing: Option<Vec<String>>,
}

impl Expect {
    fn outcome(&self) -> Option<Outcome> {
        match self {
            Expect::Outcome(o) => Some(*o),
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

/// Where a case's facts come from, once its base and changes are applied.
enum Resolved {
    Path(PathBuf),
    /// Facts as JSON, and the folder their evidence locations are relative to.
    Json(serde_json::Value, PathBuf),
}

/// The facts of a case: its own, or its base's (`from`) with its changes applied.
fn resolve(case: &Case, file: &Loaded, engine: &Engine, depth: usize) -> Result<Resolved, String> {
    let dir = Path::new(&*file.display).parent().unwrap_or(Path::new(""));
    let own = match (&case.facts, &case.from) {
        (Some(FactsSpec::Path(p)), _) => Resolved::Path(normalize(&dir.join(p))),
        (Some(FactsSpec::Inline(v)), _) => Resolved::Json(v.clone(), dir.to_path_buf()),
        (None, Some(from)) => {
            let base = file
                .file
                .tests
                .iter()
                .find(|c| &c.name.value == from)
                .ok_or_else(|| format!("no case is named \"{}\"", facts::short(from)))?;
            if depth > 32 {
                return Err(format!(
                    "`from: {}` leads round in a circle",
                    facts::short(from)
                ));
            }
            resolve(base, file, engine, depth + 1)?
        }
        (None, None) => return Err("the case gives neither `facts` nor `from`".into()),
    };
    if case.change.is_empty() && case.remove.is_empty() {
        return Ok(own);
    }
    // A derived case reads its base's evidence files where the base's facts are.
    let (mut json, root) = match own {
        Resolved::Json(v, root) => (v, root),
        Resolved::Path(p) => (
            facts::load(&p, &engine.project().limits().facts())
                .map_err(|e| format!("`{}`: {e}", p.display()))?,
            evidence_root(&p),
        ),
    };
    for path in &case.remove {
        facts::remove(&mut json, path)
            .map_err(|e| format!("remove `{}`: {e}", facts::short(path)))?;
    }
    for (path, value) in &case.change {
        facts::set(&mut json, path, value.clone())
            .map_err(|e| format!("change `{}`: {e}", facts::short(path)))?;
    }
    Ok(Resolved::Json(json, root))
}

/// The folder a facts path's evidence is relative to: the folder holding it.
fn evidence_root(facts: &Path) -> PathBuf {
    match facts.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A case's own as-of date, or its base's (a derived case runs on its base's date).
fn effective_as_of<'a>(case: &'a Case, file: &'a Loaded, depth: usize) -> Option<&'a str> {
    if let Some(d) = case.as_of.as_deref() {
        return Some(d);
    }
    let from = case.from.as_ref()?;
    let base = file.file.tests.iter().find(|c| &c.name.value == from)?;
    if depth > 32 {
        return None;
    }
    effective_as_of(base, file, depth + 1)
}

/// Pairs of cases one fact apart, on the same date: (file, base name, derived name).
fn pairs(files: &[Loaded]) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    for (fi, f) in files.iter().enumerate() {
        for c in &f.file.tests {
            let Some(from) = &c.from else { continue };
            let Some(base) = f.file.tests.iter().find(|b| &b.name.value == from) else {
                continue;
            };
            let same_date = effective_as_of(c, f, 0) == effective_as_of(base, f, 0);
            if same_date && c.change.len() + c.remove.len() == 1 {
                out.push((fi, from.clone(), c.name.value.clone()));
            }
        }
    }
    out
}

/// What a passing case asserted of controls and of their require blocks.
#[derive(Default)]
struct Asserted {
    /// Whether each control applied: `false` for not applicable, `true` when its `applies
    /// when` held (an unknown applicability is neither).
    applied: BTreeMap<Arc<str>, bool>,
    /// Outcomes of require blocks, by control id and requirement name.
    blocks: BTreeMap<(Arc<str>, Arc<str>), Outcome>,
}

/// Reads what a case's expectations say of each require block: a requirement's outcome when it
/// is named; every evaluated requirement when the control is expected to pass; the only
/// requirement of a control expected to fail.
fn asserted(case: &Case, results: &BTreeMap<&str, &CheckResult>) -> Asserted {
    let mut out = Asserted::default();
    for (id, expect) in &case.expect {
        let Some(r) = results.get(id.as_str()) else {
            continue;
        };
        let held = r
            .applies
            .as_ref()
            .is_none_or(|a| a.result == aimsc::Truth::True);
        match expect.outcome() {
            Some(Outcome::NotApplicable) => {
                out.applied.insert(r.id.clone(), false);
            }
            Some(Outcome::Pass | Outcome::Attested | Outcome::Fail) if held => {
                out.applied.insert(r.id.clone(), true);
            }
            _ => {}
        }
        let evaluated = || {
            r.requirements
                .iter()
                .filter(|q| q.outcome != Outcome::NotApplicable)
        };
        match expect.outcome() {
            Some(Outcome::Pass | Outcome::Attested) => {
                for q in evaluated() {
                    out.blocks.insert((r.id.clone(), q.name.clone()), q.outcome);
                }
            }
            // A control may also fail by a supporting rule: its one requirement is asserted
            // to fail only when it did.
            Some(Outcome::Fail) if r.requirements.len() == 1 => {
                for q in r.requirements.iter().filter(|q| q.outcome == Outcome::Fail) {
                    out.blocks
                        .insert((r.id.clone(), q.name.clone()), Outcome::Fail);
                }
            }
            _ => {}
        }
        if let Expect::Detailed(d) = expect {
            for (name, want) in &d.requirements {
                if let Some(q) = r.requirements.iter().find(|q| &*q.name == name.as_str()) {
                    out.blocks.insert((r.id.clone(), q.name.clone()), *want);
                }
            }
        }
    }
    out
}

/// Checks that every expectation names a control that exists, before anything runs.
fn check_ids(files: &[Loaded], engine: &Engine) -> Vec<Diagnostic> {
    let ids: BTreeSet<Arc<str>> = engine.controls().into_iter().map(|c| c.id).collect();
    let mut out = Vec::new();
    for f in files {
        let names: Vec<&str> = f.file.tests.iter().map(|c| c.name.value.as_str()).collect();
        for (i, case) in f.file.tests.iter().enumerate() {
            let start = case_offset(case, &f.text);
            let at = Some(Location::new(
                &f.display,
                Span::new(start, start + case.name.value.len()),
            ));
            if names[..i].contains(&case.name.value.as_str()) {
                out.push(
                    Diagnostic::error(
                        aimsc::diagnostics::codes::TEST_INVALID,
                        format!(
                            "two cases of this file are named \"{}\"",
                            facts::short(&case.name.value)
                        ),
                        at.clone(),
                    )
                    .with_label("named again here")
                    .with_help(
                        "give each case its own name: `from` and the report find cases by name",
                    ),
                );
            }
            match (&case.facts, &case.from) {
                (Some(_), Some(_)) => out.push(
                    Diagnostic::error(
                        aimsc::diagnostics::codes::TEST_INVALID,
                        "this case gives both `facts` and `from`",
                        at.clone(),
                    )
                    .with_label("this case")
                    .with_help("a case starts from its own facts or from another case's, not both"),
                ),
                (None, None) => out.push(
                    Diagnostic::error(
                        aimsc::diagnostics::codes::TEST_INVALID,
                        "this case has no facts",
                        at.clone(),
                    )
                    .with_label("this case")
                    .with_help("give `facts` (a path or the facts inline) or `from` (the name of another case in this file) with a `change`"),
                ),
                (None, Some(from)) if !names.contains(&from.as_str()) => {
                    let mut d = Diagnostic::error(
                        aimsc::diagnostics::codes::TEST_INVALID,
                        format!(
                            "`from` names no case of this file: \"{}\"",
                            facts::short(from)
                        ),
                        at.clone(),
                    )
                    .with_label("this case");
                    if let Some(s) = did_you_mean(from, names.iter().copied()) {
                        d = d.with_help(format!("did you mean \"{s}\"?"));
                    }
                    out.push(d);
                }
                _ => {}
            }
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
            diffs.push(format!("{id}: expected a result, not evaluated"));
            continue;
        };
        if let Some(want) = expect.outcome()
            && r.outcome != want
        {
            diffs.push(format!(
                "{id}: expected {}, got {} ({})",
                want.as_str(),
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
    fail_under: Option<f64>,
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
    // What each passing case asserted, by (file, case name).
    let mut seen: BTreeMap<(usize, String), Asserted> = BTreeMap::new();
    for (fi, f) in files.iter().enumerate() {
        let default_as_of = f.file.as_of.as_deref();
        for case in &f.file.tests {
            let name = &case.name.value;
            if filter.is_some_and(|s| !name.contains(s)) {
                filtered += 1;
                continue;
            }
            let offset = case_offset(case, &f.text);
            let as_of_text = effective_as_of(case, f, 0).or(default_as_of).unwrap_or("");
            let as_of = match date(as_of_text, f, offset) {
                Ok(d) => d,
                Err(e) => {
                    crate::render::print_diagnostics(&[e.with_help("give the case or the file an `as_of: YYYY-MM-DD`: tests never read the clock")], &sources);
                    return Ok(2);
                }
            };
            let mut problems: Vec<String> = Vec::new();
            match resolve(case, f, engine, 0) {
                Err(e) => problems.push(format!("facts: {e}")),
                Ok(Resolved::Path(p)) => {
                    engine.set_evidence_root(evidence_root(&p));
                    if let Err(e) = engine.set_facts_path(p) {
                        problems.push(format!("facts: {e}"));
                    }
                }
                Ok(Resolved::Json(v, root)) => {
                    engine.set_evidence_root(root);
                    if let Err(e) = engine.set_facts_json(&v) {
                        problems.push(format!("facts: {e}"));
                    }
                }
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
                        if problems.is_empty() {
                            seen.insert((fi, name.clone()), asserted(case, &results));
                        }
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
    let mut code = if failed > 0 { 1 } else { 0 };
    if filter.is_none() {
        let pairs = pairs(&files);
        let below = coverage::print(
            engine,
            &coverage::Seen {
                exercised: &exercised,
                cases: &seen,
                pairs: &pairs,
            },
            list_shipped,
            fail_under,
        );
        if below {
            code = 1;
        }
    }
    Ok(code)
}

/// Runs the command with its parsed arguments.
pub(crate) fn run(args: TestArgs) -> Result<u8, Vec<Diagnostic>> {
    let TestArgs {
        paths,
        rules,
        filter,
        coverage_shipped,
        fail_under,
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
        fail_under,
    )
}
