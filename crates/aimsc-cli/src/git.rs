//! The project's git history, read with gix: the commits of a range, and the project's files at
//! each of them written into a folder that the loader reads as it reads a checkout.
//!
//! A repository arrives from strangers like any input: tree entries that are not plain names,
//! links and submodules are not written out, and no blob larger than the facts' file limit is.

use aimsc::diagnostics::{Diagnostic, codes};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The largest file written out of a commit (the facts limit's default, 256 MiB).
const MAX_BLOB: usize = 256 << 20;

/// One commit of the range.
#[derive(Debug, Clone)]
pub struct CommitInfo {
    /// Full hex id.
    pub id: String,
    /// The first line of its message.
    pub subject: String,
    /// The committer's date, in the committer's own offset.
    pub date: jiff::civil::Date,
    /// Seconds since the epoch (for `--since`).
    pub seconds: i64,
    /// The id of the project's folder at this commit, or `None` when it has none.
    pub tree: Option<gix::ObjectId>,
}

/// An open repository and where the project sits in it.
pub struct Repo {
    repo: gix::Repository,
    /// The project's folder relative to the repository's root (empty for the root).
    project: PathBuf,
}

fn error(message: String) -> Vec<Diagnostic> {
    vec![Diagnostic::error(codes::IO_READ, message, None)]
}

fn usage(message: String, help: &str) -> Vec<Diagnostic> {
    vec![Diagnostic::error(codes::USAGE_HISTORY, message, None).with_help(help.to_string())]
}

impl Repo {
    /// The repository holding `project_root` (an absolute path).
    pub fn open(project_root: &Path) -> Result<Repo, Vec<Diagnostic>> {
        // gix's error names the absolute path searched: the sentence says enough without it.
        let repo = gix::discover(project_root).map_err(|_| {
            usage(
                "the project is not in a git repository (none in its folder or above)".into(),
                "run it in a clone of the repository that holds the organisation's aims.toml",
            )
        })?;
        let root = repo
            .workdir()
            .and_then(|w| std::fs::canonicalize(w).ok())
            .ok_or_else(|| error("the repository has no working tree".to_string()))?;
        let here = std::fs::canonicalize(project_root).map_err(|e| error(e.to_string()))?;
        let project = here
            .strip_prefix(&root)
            .map(Path::to_path_buf)
            .map_err(|_| error("the project is outside the repository's working tree".into()))?;
        Ok(Repo { repo, project })
    }

    /// The project's folder within the repository, `/`-separated (`.` for the root).
    pub fn project_path(&self) -> String {
        let p = self.project.to_string_lossy().replace('\\', "/");
        if p.is_empty() { ".".to_string() } else { p }
    }

    fn commit_info(
        &self,
        id: gix::ObjectId,
    ) -> Result<(CommitInfo, Option<gix::ObjectId>), String> {
        let commit = self.repo.find_commit(id).map_err(|e| e.to_string())?;
        let parent = commit.parent_ids().next().map(|p| p.detach());
        let subject = commit
            .message()
            .map(|m| m.summary().to_string())
            .unwrap_or_default();
        let time = commit.time().map_err(|e| e.to_string())?;
        let offset = jiff::tz::Offset::from_seconds(time.offset).unwrap_or(jiff::tz::Offset::UTC);
        let date = jiff::Timestamp::from_second(time.seconds)
            .map_err(|e| e.to_string())?
            .to_zoned(jiff::tz::TimeZone::fixed(offset))
            .date();
        let tree = commit.tree().map_err(|e| e.to_string())?;
        let folder = if self.project.as_os_str().is_empty() {
            Some(tree.id)
        } else {
            tree.lookup_entry_by_path(&self.project)
                .map_err(|e| e.to_string())?
                .filter(|e| e.mode().is_tree())
                .map(|e| e.object_id())
        };
        Ok((
            CommitInfo {
                id: id.to_string(),
                subject: aimsc::diagnostics::printable(&subject).into_owned(),
                date,
                seconds: time.seconds,
                tree: folder,
            },
            parent,
        ))
    }

    /// The id of the project's folder at commit `id`, or `None` when it has none there.
    pub fn tree_of(&self, id: gix::ObjectId) -> Result<Option<gix::ObjectId>, Vec<Diagnostic>> {
        self.commit_info(id)
            .map(|(info, _)| info.tree)
            .map_err(|e| error(format!("cannot read commit {id}: {e}")))
    }

    /// Resolves a revision (`HEAD`, `main`, `v1.2`, an id, `HEAD~3`).
    pub fn resolve(&self, rev: &str) -> Result<gix::ObjectId, Vec<Diagnostic>> {
        let id = self.repo.rev_parse_single(rev).map_err(|e| {
            usage(
                format!("`{rev}` names no revision of the repository: {e}"),
                "give a branch, a tag, a commit id or an expression such as `HEAD~10`",
            )
        })?;
        let commit = id
            .object()
            .and_then(|o| o.peel_to_commit())
            .map_err(|e| usage(format!("`{rev}` is not a commit: {e}"), "give a commit"))?;
        Ok(commit.id)
    }

    /// The commits of `range` (`REV`: its first-parent line; `FROM..TO`: the first-parent
    /// line of TO down to, not including, FROM), oldest first, stopping before `since`.
    pub fn commits(
        &self,
        range: &str,
        since: Option<i64>,
        limit: usize,
    ) -> Result<Vec<CommitInfo>, Vec<Diagnostic>> {
        let (from, to) = match range.split_once("..") {
            Some((a, b)) => (
                Some(self.resolve(if a.is_empty() { "HEAD" } else { a })?),
                self.resolve(if b.is_empty() { "HEAD" } else { b })?,
            ),
            None => (None, self.resolve(range)?),
        };
        let mut out = Vec::new();
        let mut next = Some(to);
        while let Some(id) = next {
            if Some(id) == from {
                break;
            }
            let (info, parent) = self
                .commit_info(id)
                .map_err(|e| error(format!("cannot read commit {id}: {e}")))?;
            if since.is_some_and(|s| info.seconds < s) {
                break;
            }
            if out.len() >= limit {
                return Err(usage(
                    format!("the range holds more than {limit} commits"),
                    "narrow it: `FROM..TO`, or `--since DATE`, or raise `--max-commits`",
                ));
            }
            out.push(info);
            next = parent;
        }
        out.reverse();
        Ok(out)
    }

    /// Every file of the folder `tree`, by `/`-separated path, with its blob id. Links,
    /// submodules and entries whose name is not a plain file name are left out, and said.
    pub fn files(
        &self,
        tree: gix::ObjectId,
        skipped: &mut Vec<String>,
    ) -> Result<BTreeMap<String, gix::ObjectId>, Vec<Diagnostic>> {
        let mut out = BTreeMap::new();
        let mut stack = vec![(String::new(), tree)];
        while let Some((prefix, id)) = stack.pop() {
            let t = self
                .repo
                .find_tree(id)
                .map_err(|e| error(format!("cannot read tree {id}: {e}")))?;
            for entry in t.iter() {
                let entry = entry.map_err(|e| error(format!("cannot read tree {id}: {e}")))?;
                let name = entry.filename().to_string();
                let path = format!("{prefix}{name}");
                let plain = !name.is_empty()
                    && name != "."
                    && name != ".."
                    && !name.eq_ignore_ascii_case(".git")
                    && !name.contains(['/', '\\', '\0', ':']);
                let mode = entry.mode();
                if !plain {
                    skipped.push(format!("`{}`: not a plain file name", path.escape_debug()));
                } else if mode.is_tree() {
                    stack.push((format!("{path}/"), entry.object_id()));
                } else if mode.is_blob() {
                    out.insert(path, entry.object_id());
                } else {
                    skipped.push(format!("`{path}`: a link or a submodule, not written out"));
                }
            }
        }
        Ok(out)
    }

    /// The bytes of a blob.
    pub fn blob(&self, id: gix::ObjectId) -> Result<Vec<u8>, Vec<Diagnostic>> {
        let blob = self
            .repo
            .find_blob(id)
            .map_err(|e| error(format!("cannot read blob {id}: {e}")))?;
        Ok(blob.data.clone())
    }
}

/// A folder that holds the project as it was at one commit, changed file by file from one
/// commit to the next, so that the paths the loader sees stay the same.
pub struct Checkout {
    _dir: tempfile::TempDir,
    root: PathBuf,
    written: BTreeMap<String, gix::ObjectId>,
}

impl Checkout {
    /// An empty folder. The project goes one level down, so that a rule path climbing out of
    /// it (`../x`) finds nothing rather than the machine's files.
    pub fn new() -> Result<Checkout, Vec<Diagnostic>> {
        let dir = tempfile::Builder::new()
            .prefix("aimsc-history-")
            .tempdir()
            .map_err(|e| error(format!("cannot make a temporary folder: {e}")))?;
        let root = dir.path().join("project");
        std::fs::create_dir_all(&root).map_err(|e| error(e.to_string()))?;
        Ok(Checkout {
            _dir: dir,
            root,
            written: BTreeMap::new(),
        })
    }

    /// The project's folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Makes the folder hold exactly `files`; writes only what changed. Gives back the paths
    /// that changed.
    pub fn sync(
        &mut self,
        repo: &Repo,
        files: &BTreeMap<String, gix::ObjectId>,
        skipped: &mut Vec<String>,
    ) -> Result<Vec<String>, Vec<Diagnostic>> {
        let mut changed = Vec::new();
        let io =
            |p: &Path, e: std::io::Error| error(format!("cannot write `{}`: {e}", p.display()));
        // `written` is kept true to the folder entry by entry, so that an error half-way
        // leaves it right for the next commit.
        let gone: Vec<String> = self
            .written
            .keys()
            .filter(|p| !files.contains_key(*p))
            .cloned()
            .collect();
        for path in gone {
            let _ = std::fs::remove_file(self.root.join(&path));
            self.written.remove(&path);
            changed.push(path);
        }
        for (path, id) in files {
            if self.written.get(path) == Some(id) {
                continue;
            }
            let p = self.root.join(path);
            // A folder of the last commit may be a file of this one.
            if p.is_dir() {
                std::fs::remove_dir_all(&p).map_err(|e| io(&p, e))?;
            }
            let data = repo.blob(*id)?;
            if data.len() > MAX_BLOB {
                skipped.push(format!("`{path}`: larger than 256 MiB, not written out"));
                let _ = std::fs::remove_file(&p);
                self.written.remove(path);
                changed.push(path.clone());
                continue;
            }
            if let Some(dir) = p.parent() {
                if dir.is_file() {
                    std::fs::remove_file(dir).map_err(|e| io(dir, e))?;
                }
                std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
            }
            self.written.remove(path);
            std::fs::write(&p, &data).map_err(|e| io(&p, e))?;
            self.written.insert(path.clone(), *id);
            changed.push(path.clone());
        }
        changed.sort();
        Ok(changed)
    }
}
