//! `aimsc history`: the organisation evaluated at each commit that changed its project, in one
//! database, so that each step re-runs only what the commit touched.

use crate::cli::{HistoryArgs, HistoryFormat};
use crate::git::{Checkout, CommitInfo, Repo};
use crate::*;
use aimsc::history::{self, History, Snapshot};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// The project's root (where aims.toml is) and the repository holding it.
pub(crate) fn open_project() -> Result<(PathBuf, Repo), Vec<Diagnostic>> {
    let cfg = project::find_aims_toml().ok_or_else(|| {
        vec![
            Diagnostic::error(
                aimsc::diagnostics::codes::USAGE_HISTORY,
                "no aims.toml here or above: history needs the project's folder",
                None,
            )
            .with_help("run it in the organisation's project (the folder with aims.toml)"),
        ]
    })?;
    let root = cfg
        .parent()
        .map(Path::to_path_buf)
        .and_then(|r| std::path::absolute(r).ok())
        .unwrap_or_default();
    let repo = Repo::open(&root)?;
    Ok((root, repo))
}

/// One commit's project, loaded into `engine` (made at the first), evaluated at `as_of`.
pub(crate) fn evaluate_at(
    repo: &Repo,
    checkout: &mut Checkout,
    engine: &mut Option<aimsc::Engine>,
    tree: gix::ObjectId,
    as_of: aimsc::Date,
) -> Result<aimsc::Evaluation, String> {
    let mut skipped = Vec::new();
    let files = repo.files(tree, &mut skipped).map_err(first)?;
    let root = checkout.root().to_path_buf();
    // Messages name files inside the project, never the temporary folder they are read from.
    let hide = |e: String| {
        let shown = format!("{}/", root.display());
        e.replace(&shown, "")
            .replace(&root.display().to_string(), ".")
    };
    let changed = checkout
        .sync(repo, &files, &mut skipped)
        .map_err(|d| hide(first(d)))?;
    confined(&root).map_err(&hide)?;
    std::env::set_current_dir(&root).map_err(|e| e.to_string())?;
    let loaded = project::load(&[], None, true).map_err(|d| hide(first(d)))?;
    let eng = match engine {
        Some(e) => {
            loaded.update(e);
            // A file rewritten at the same path may keep its size and modification time.
            e.forget_evidence_digests(changed.iter().map(|p| checkout.root().join(p)));
            e
        }
        None => engine.insert(loaded.into_engine(as_of)),
    };
    eng.evaluate(&aimsc::Options::new(as_of))
        .map_err(|e| hide(first(e.into_diagnostics())))
}

/// Whether the commit's aims.toml keeps the project inside its folder: it exists there (the
/// loader would otherwise look for one above, outside the commit), and its rule and facts
/// paths are relative ones that do not climb out.
fn confined(root: &Path) -> Result<(), String> {
    let toml = root.join("aims.toml");
    if !toml.is_file() {
        return Err("the project has no aims.toml at this commit".into());
    }
    let cfg = aimsc::db::config::read_config(&toml).map_err(first)?;
    let inside = |p: &Path| {
        p.to_string_lossy().starts_with(aimsc::rulesets::PREFIX)
            || p.components().all(|c| {
                matches!(
                    c,
                    std::path::Component::Normal(_) | std::path::Component::CurDir
                )
            })
    };
    for p in cfg.rules.iter().chain(cfg.facts.iter()) {
        if !inside(p) {
            return Err(format!(
                "aims.toml names `{}`, outside the project: history reads only the commit's own files",
                aimsc::diagnostics::printable(&p.to_string_lossy())
            ));
        }
    }
    Ok(())
}

/// The outcomes of the project at revision `rev`, evaluated on `as_of`: the baseline of
/// `aimsc eval --baseline REV`. The working folder is given back as it was.
pub(crate) fn baseline_at(
    rev: &str,
    as_of: aimsc::Date,
) -> Result<aimsc::Baseline, Vec<Diagnostic>> {
    let here = std::env::current_dir().map_err(|e| {
        vec![Diagnostic::error(
            aimsc::diagnostics::codes::IO_READ,
            format!("cannot read the working folder: {e}"),
            None,
        )]
    })?;
    let (_, repo) = open_project().map_err(|mut d| {
        if let Some(first) = d.first_mut() {
            first.message = format!("`--baseline {rev}` is no file, and {}", first.message);
        }
        d
    })?;
    let id = repo.resolve(rev).map_err(|_| {
        vec![Diagnostic::error(
            aimsc::diagnostics::codes::USAGE_BASELINE,
            format!("`--baseline {rev}` is neither a file nor a revision of the repository"),
            None,
        )
        .with_help("give a JSON report written by `aimsc eval --format json`, or a branch, tag or commit")]
    })?;
    let tree = repo.tree_of(id)?.ok_or_else(|| {
        vec![Diagnostic::error(
            aimsc::diagnostics::codes::USAGE_BASELINE,
            format!(
                "the project `{}` does not exist at `{rev}`",
                repo.project_path()
            ),
            None,
        )]
    })?;
    let mut checkout = Checkout::new()?;
    let mut engine = None;
    let result = evaluate_at(&repo, &mut checkout, &mut engine, tree, as_of);
    std::env::set_current_dir(&here).map_err(|e| {
        vec![Diagnostic::error(
            aimsc::diagnostics::codes::IO_READ,
            format!("cannot return to the working folder: {e}"),
            None,
        )]
    })?;
    let evaluation = result.map_err(|e| {
        vec![Diagnostic::error(
            aimsc::diagnostics::codes::USAGE_BASELINE,
            format!("the project at `{rev}` cannot be evaluated: {e}"),
            None,
        )]
    })?;
    Ok(aimsc::Baseline {
        outcomes: evaluation
            .results
            .iter()
            .map(|r| (r.id.to_string(), r.outcome))
            .collect(),
    })
}

fn first(diags: Vec<Diagnostic>) -> String {
    diags
        .first()
        .map(|d| format!("{} [{}]", d.message, d.code))
        .unwrap_or_else(|| "it could not be loaded".to_string())
}

pub(crate) fn run(args: HistoryArgs) -> Result<u8, Vec<Diagnostic>> {
    let HistoryArgs {
        range,
        since,
        as_of,
        format,
        output,
        max_commits,
    } = args;
    let output = absolute(output);
    let fixed_as_of = match as_of.as_deref() {
        Some(s) => Some(parse_as_of(Some(s))?),
        None => None,
    };
    let since = match since.as_deref() {
        Some(s) => {
            let d = parse_as_of(Some(s))?;
            Some(
                d.to_zoned(jiff::tz::TimeZone::UTC)
                    .map(|z| z.timestamp().as_second())
                    .unwrap_or(i64::MIN),
            )
        }
        None => None,
    };
    let (_, repo) = open_project()?;
    let range = range.unwrap_or_else(|| "HEAD".to_string());
    let commits = repo.commits(&range, since, max_commits)?;
    let mut history = History::new(repo.project_path(), range);
    let mut checkout = Checkout::new()?;
    let mut engine: Option<aimsc::Engine> = None;
    let mut last_tree = None;
    let mut last: Option<(Snapshot, aimsc::Date)> = None;
    let progress = crate::progress::bar(commits.len() as u64, "evaluating commits");
    for c in commits {
        progress.inc(1);
        let CommitInfo {
            id,
            subject,
            date,
            tree,
            ..
        } = c;
        let Some(tree) = tree else {
            // The folder went away: say so once; before it first existed, nothing to say.
            if last_tree.take().is_some() {
                history.push_error(
                    id,
                    subject,
                    fixed_as_of.unwrap_or(date).to_string(),
                    "the project's folder does not exist at this commit".into(),
                );
            } else {
                history.unchanged_commits += 1;
            }
            continue;
        };
        // A commit that did not touch the project's folder has nothing new to evaluate.
        if Some(tree) == last_tree {
            history.unchanged_commits += 1;
            continue;
        }
        last_tree = Some(tree);
        let as_of = fixed_as_of.unwrap_or(date);
        match evaluate_at(&repo, &mut checkout, &mut engine, tree, as_of) {
            Err(e) => history.push_error(id, subject, as_of.to_string(), e),
            Ok(evaluation) => {
                let snap = Snapshot::of(&evaluation.results, evaluation.inputs());
                // A commit that changed only files the project does not read (a README next
                // to aims.toml), and moved no outcome, is not a point of its own.
                if let Some((before, _)) = &last
                    && before.same_inputs(&snap)
                    && history::compare(before, &snap).is_empty()
                {
                    history.unchanged_commits += 1;
                    continue;
                }
                let mut changes = history::compare(
                    last.as_ref().map(|l| &l.0).unwrap_or(&Snapshot::default()),
                    &snap,
                );
                // Whether the files or the date moved each change: the changed checks again,
                // on the new files at the earlier date.
                if let (Some((_, before)), Some(eng)) = (&last, engine.as_mut())
                    && *before != as_of
                    && !changes.is_empty()
                {
                    let ids: Vec<String> = changes
                        .iter()
                        .filter(|ch| ch.to.is_some())
                        .map(|ch| ch.id.to_string())
                        .collect();
                    let mut options = aimsc::Options::new(*before);
                    options.controls = ids;
                    if let Ok(earlier) = eng.evaluate(&options) {
                        let at: BTreeMap<Arc<str>, aimsc::Outcome> = earlier
                            .results
                            .iter()
                            .map(|r| (r.id.clone(), r.outcome))
                            .collect();
                        history::refine(&mut changes, &at);
                    }
                }
                history.push(id, subject, as_of.to_string(), changes, &snap);
                last = Some((snap, as_of));
            }
        }
    }
    progress.finish_and_clear();
    let text = match format {
        HistoryFormat::Text => history::text(&history),
        HistoryFormat::Json => history::json(&history),
        HistoryFormat::Markdown => history::markdown(&history),
        HistoryFormat::Html => history::html(&history),
    };
    emit(&text, output.as_deref())?;
    drop(checkout);
    std::mem::forget(engine);
    Ok(0)
}
