//! `aimsc eval --watch`: re-evaluates when a rule or facts file changes, and prints what
//! changed in the outcome.
//!
//! It polls the files' sizes and modification times (and the names in their folders) rather
//! than subscribing to file-system events: polling behaves the same on every platform, over
//! network file systems and inside containers, and a scan of metadata costs little next to an
//! evaluation. A changed file is read again and set in the salsa database, so only the work
//! that depends on it re-runs; a file added or removed reloads the project.

use crate::render;
use aimsc::db::Project;
use aimsc::diagnostics::Diagnostic;
use aimsc::eval::outcome::CheckResult;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// How often the files are looked at.
const INTERVAL: Duration = Duration::from_millis(300);

/// What a file looked like at the last scan.
type Stamp = Option<(SystemTime, u64)>;

struct Scan {
    files: BTreeMap<PathBuf, Stamp>,
    folders: BTreeMap<PathBuf, BTreeSet<std::ffi::OsString>>,
}

fn stamp(p: &Path) -> Stamp {
    let m = std::fs::metadata(p).ok()?;
    Some((m.modified().ok()?, m.len()))
}

/// The names in a file's folder (`""` is the working folder).
fn names(dir: &Path) -> BTreeSet<std::ffi::OsString> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.file_name()).collect())
        .unwrap_or_default()
}

/// The files a project was loaded from (the shipped rulesets left out: they cannot change).
fn scan(project: &Project) -> Scan {
    let (rules, facts) = project.input_texts();
    let files: BTreeMap<PathBuf, Stamp> = rules
        .iter()
        .chain(facts.iter())
        .filter(|(p, _)| !p.starts_with(aimsc::rulesets::PREFIX))
        .map(|(p, _)| {
            let path = PathBuf::from(&**p);
            let s = stamp(&path);
            (path, s)
        })
        .collect();
    let folders = files
        .keys()
        .filter_map(|p| p.parent().map(Path::to_path_buf))
        .map(|d| {
            let n = names(&d);
            (d, n)
        })
        .collect();
    Scan { files, folders }
}

/// Each check's outcome and message, by id.
fn outcomes(results: &[CheckResult]) -> BTreeMap<String, (String, String)> {
    results
        .iter()
        .map(|r| {
            (
                r.id.to_string(),
                (r.outcome.as_str().to_string(), r.message.clone()),
            )
        })
        .collect()
}

/// Watches until interrupted. `reload` loads the project afresh; `select` keeps the checks
/// the command line asked for.
pub fn run(
    mut project: Project,
    reload: &dyn Fn() -> Result<Project, Vec<Diagnostic>>,
    select: &dyn Fn(&CheckResult) -> bool,
) -> Result<u8, Vec<Diagnostic>> {
    let mut seen = scan(&project);
    let select_all = |p: &Project| -> Vec<CheckResult> {
        p.results().into_iter().filter(|r| select(r)).collect()
    };
    let mut before = outcomes(&select_all(&project));
    eprintln!(
        "watching {} file(s) for changes; press Ctrl-C to stop",
        seen.files.len()
    );
    loop {
        std::thread::sleep(INTERVAL);
        let changed: Vec<PathBuf> = seen
            .files
            .iter()
            .filter(|(p, s)| stamp(p) != **s)
            .map(|(p, _)| p.clone())
            .collect();
        let moved = seen.folders.iter().any(|(d, n)| names(d) != *n);
        if changed.is_empty() && !moved {
            continue;
        }
        let started = Instant::now();
        if moved {
            println!("files were added or removed: reloading");
            match reload() {
                Ok(p) => project = p,
                Err(diags) => {
                    render::print_diagnostics(
                        &diags,
                        &render::Sources::for_diagnostics(&project, &diags),
                    );
                    seen = scan(&project);
                    continue;
                }
            }
        } else {
            for path in &changed {
                println!("changed: {}", path.display());
                let Ok(text) = std::fs::read_to_string(path) else {
                    continue;
                };
                let key = path.to_string_lossy();
                if !project.set_fact_text(&key, text.clone()) {
                    project.set_rule_text(&key, text);
                }
            }
        }
        seen = scan(&project);
        let diags = project.diagnostics();
        let errors: Vec<Diagnostic> = diags.into_iter().filter(|d| d.is_error()).collect();
        render::print_diagnostics(
            &errors,
            &render::Sources::for_diagnostics(&project, &errors),
        );
        let results = select_all(&project);
        let after = outcomes(&results);
        let elapsed = started.elapsed();
        let mut flips = 0;
        for (id, (outcome, message)) in &after {
            match before.get(id) {
                Some((was, _)) if was == outcome => {}
                Some((was, _)) => {
                    flips += 1;
                    println!("  {id}: {was} -> {outcome}  {message}");
                }
                None => {
                    flips += 1;
                    println!("  {id}: new, {outcome}  {message}");
                }
            }
        }
        for id in before.keys().filter(|id| !after.contains_key(*id)) {
            flips += 1;
            println!("  {id}: removed");
        }
        if flips == 0 {
            println!("  no outcome changed");
        }
        let count = |o: &str| after.values().filter(|(x, _)| x == o).count();
        println!(
            "{} controls and rules: {} pass, {} attested, {} fail, {} error ({} error diagnostic(s); evaluated in {} ms)",
            after.len(),
            count("pass"),
            count("attested"),
            count("fail"),
            count("error"),
            errors.len(),
            elapsed.as_millis()
        );
        use std::io::Write as _;
        let _ = std::io::stdout().flush();
        before = after;
    }
}
