//! Compliance over time: the outcome of every control at each commit that changed the
//! project, the commits where it changed and why, and the pass rate of each framework.
//!
//! The comparison is made here, from what each evaluation's reports already carry (outcomes,
//! waivers, evidence states and the digests of every input), so that `aimsc history` and
//! `aimsc eval --baseline REV` say the same thing about the same two evaluations.

use crate::html::esc;
use crate::{Inputs, Summary};
use aimsc_eval::crosswalk::natural_cmp;
use aimsc_eval::outcome::{CheckResult, Outcome};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::Arc;

/// What one evaluation says, kept for comparing it with the next.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Per control or rule.
    pub checks: BTreeMap<Arc<str>, CheckState>,
    /// Digest of each rule file, by path.
    pub rules: BTreeMap<Arc<str>, String>,
    /// Digest of each facts file, by path.
    pub facts: BTreeMap<Arc<str>, String>,
    /// Per evidence item: its state and the digest found at its location.
    pub evidence: BTreeMap<Arc<str>, EvidenceSeen>,
}

/// An evidence item's state (`ok`, `stale`, …) and the digest found at its location.
pub type EvidenceSeen = (Arc<str>, Option<Arc<str>>);

/// One check in a [`Snapshot`].
#[derive(Debug, Clone, PartialEq)]
pub struct CheckState {
    /// Its title.
    pub title: Arc<str>,
    /// Its framework.
    pub framework: Arc<str>,
    /// Its outcome.
    pub outcome: Outcome,
    /// The rule file it is declared in.
    pub file: Option<Arc<str>>,
    /// Whether its waiver had expired.
    pub waiver_expired: bool,
    /// The evidence its requirements read.
    pub evidence: BTreeSet<Arc<str>>,
}

impl Snapshot {
    /// The snapshot of one evaluation.
    pub fn of(results: &[CheckResult], inputs: &Inputs) -> Snapshot {
        let checks = results
            .iter()
            .map(|r| {
                (
                    r.id.clone(),
                    CheckState {
                        title: r.title.clone(),
                        framework: r.framework.clone(),
                        outcome: r.outcome,
                        file: r.location.as_ref().map(|l| l.file.clone()),
                        waiver_expired: r.waiver.as_ref().is_some_and(|w| w.expired),
                        evidence: r
                            .requirements
                            .iter()
                            .flat_map(|q| q.evidence.iter().cloned())
                            .collect(),
                    },
                )
            })
            .collect();
        Snapshot {
            checks,
            rules: inputs
                .rules
                .iter()
                .map(|d| (d.path.clone(), d.sha256.clone()))
                .collect(),
            facts: inputs
                .facts
                .iter()
                .map(|d| (d.path.clone(), d.sha256.clone()))
                .collect(),
            evidence: inputs
                .evidence
                .iter()
                .map(|e| (e.id.clone(), (e.state.clone(), e.found_sha256.clone())))
                .collect(),
        }
    }

    /// Whether the two evaluations read the same rules, facts and evidence files.
    pub fn same_inputs(&self, other: &Snapshot) -> bool {
        self.rules == other.rules && self.facts == other.facts && self.evidence == other.evidence
    }

    /// Counts of outcomes per framework, and over all.
    pub fn summaries(&self) -> (Summary, BTreeMap<Arc<str>, Summary>) {
        let mut all = Summary::default();
        let mut per: BTreeMap<Arc<str>, Summary> = BTreeMap::new();
        for c in self.checks.values() {
            add(&mut all, c.outcome);
            add(per.entry(c.framework.clone()).or_default(), c.outcome);
        }
        (all, per)
    }
}

fn add(s: &mut Summary, o: Outcome) {
    *match o {
        Outcome::Pass => &mut s.pass,
        Outcome::Attested => &mut s.attested,
        Outcome::Fail => &mut s.fail,
        Outcome::NotApplicable => &mut s.not_applicable,
        Outcome::Excluded => &mut s.excluded,
        Outcome::Waived => &mut s.waived,
        Outcome::Error => &mut s.error,
    } += 1;
}

/// The share of applicable checks that are met, in whole percent; `None` with none applicable.
pub fn pass_rate(s: &Summary) -> Option<u32> {
    let applicable = s.pass + s.attested + s.fail + s.waived + s.error;
    let met = s.pass + s.attested;
    (applicable > 0).then(|| u32::try_from(met * 100 / applicable).unwrap_or(100))
}

/// How a check's outcome moved between two evaluations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// It was not met and now is.
    Fixed,
    /// It was met and now fails, errs or is waived.
    Regressed,
    /// It did not exist before.
    New,
    /// It no longer exists.
    Removed,
    /// Any other move (into or out of scope, an exclusion, a waiver over a failure).
    Changed,
}

impl ChangeKind {
    /// As written in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Fixed => "fixed",
            ChangeKind::Regressed => "regressed",
            ChangeKind::New => "new",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
        }
    }
}

/// Whether moving from `from` to `to` is a regression: met before, and now failing, in error or
/// failing under a waiver. A control moved out of scope or excluded is a change of scope, which
/// the overrides and the applicability show, not a regression.
pub fn is_regression(from: Outcome, to: Outcome) -> bool {
    from.is_met() && matches!(to, Outcome::Fail | Outcome::Error | Outcome::Waived)
}

/// Why a check's outcome moved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// The rule file that declares it changed.
    RuleChanged {
        /// The file.
        file: Arc<str>,
    },
    /// Other rule files changed (params, defs, exclusions, waivers, shared rules).
    RulesChanged {
        /// The files, at most five.
        files: Vec<Arc<str>>,
    },
    /// Facts files changed.
    FactChanged {
        /// The files, at most five.
        files: Vec<Arc<str>>,
    },
    /// A file its evidence points at changed.
    EvidenceChanged {
        /// The evidence items.
        ids: Vec<Arc<str>>,
    },
    /// Its waiver expired.
    WaiverExpired,
    /// Evidence it reads went stale, by date alone.
    EvidenceStale {
        /// The evidence items.
        ids: Vec<Arc<str>>,
    },
    /// Nothing in the project changed: the date moved past a deadline or a period.
    DateOnly,
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = |v: &[Arc<str>]| {
            v.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Reason::RuleChanged { file } => write!(f, "its rule changed ({file})"),
            Reason::RulesChanged { files } => write!(f, "the rules changed ({})", list(files)),
            Reason::FactChanged { files } => write!(f, "a fact changed ({})", list(files)),
            Reason::EvidenceChanged { ids } => write!(f, "evidence changed ({})", list(ids)),
            Reason::WaiverExpired => f.write_str("its waiver expired"),
            Reason::EvidenceStale { ids } => {
                write!(f, "evidence went stale by date alone ({})", list(ids))
            }
            Reason::DateOnly => f.write_str("the date moved past a deadline or period"),
        }
    }
}

/// One check whose outcome moved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The check.
    pub id: Arc<str>,
    /// Its title.
    pub title: Arc<str>,
    /// Its framework.
    pub framework: Arc<str>,
    /// How it moved.
    pub kind: ChangeKind,
    /// Before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Outcome>,
    /// After.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<Outcome>,
    /// Why, most specific first.
    pub reasons: Vec<Reason>,
}

fn changed_keys<V: PartialEq>(
    a: &BTreeMap<Arc<str>, V>,
    b: &BTreeMap<Arc<str>, V>,
) -> Vec<Arc<str>> {
    let mut out: Vec<Arc<str>> = a
        .iter()
        .filter(|(k, v)| b.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .chain(b.keys().filter(|k| !a.contains_key(*k)).cloned())
        .collect();
    out.sort();
    out.dedup();
    out
}

fn first_five(mut v: Vec<Arc<str>>) -> Vec<Arc<str>> {
    v.truncate(5);
    v
}

/// Every check whose outcome differs between `before` and `after`, in id order, with why.
pub fn compare(before: &Snapshot, after: &Snapshot) -> Vec<Change> {
    let rules = changed_keys(&before.rules, &after.rules);
    let facts = changed_keys(&before.facts, &after.facts);
    let found = |s: &Snapshot, id: &Arc<str>| s.evidence.get(id).map(|e| e.1.clone());
    let state = |s: &Snapshot, id: &Arc<str>| s.evidence.get(id).map(|e| e.0.clone());
    // A set first: natural order holds ids equal that are not (`a1`, `a01`), and a sort by it
    // would leave such duplicates apart.
    let set: BTreeSet<&Arc<str>> = before.checks.keys().chain(after.checks.keys()).collect();
    let mut ids: Vec<&Arc<str>> = set.into_iter().collect();
    ids.sort_by(|a, b| natural_cmp(a, b).then_with(|| a.cmp(b)));
    let mut out = Vec::new();
    for id in ids {
        let (b, a) = (before.checks.get(id), after.checks.get(id));
        let (from, to) = (b.map(|c| c.outcome), a.map(|c| c.outcome));
        if from == to {
            continue;
        }
        let kind = match (from, to) {
            (None, _) => ChangeKind::New,
            (_, None) => ChangeKind::Removed,
            (Some(f), Some(t)) if is_regression(f, t) => ChangeKind::Regressed,
            (Some(f), Some(t))
                if matches!(f, Outcome::Fail | Outcome::Error | Outcome::Waived) && t.is_met() =>
            {
                ChangeKind::Fixed
            }
            _ => ChangeKind::Changed,
        };
        let Some(c) = a.or(b) else { continue };
        let mut reasons = Vec::new();
        let own = c.file.as_ref().filter(|f| rules.contains(f));
        if let Some(file) = own {
            reasons.push(Reason::RuleChanged { file: file.clone() });
        }
        let others: Vec<Arc<str>> = rules.iter().filter(|f| Some(*f) != own).cloned().collect();
        if !others.is_empty() {
            reasons.push(Reason::RulesChanged {
                files: first_five(others),
            });
        }
        if !facts.is_empty() {
            reasons.push(Reason::FactChanged {
                files: first_five(facts.clone()),
            });
        }
        let evidence: Vec<Arc<str>> = c.evidence.iter().cloned().collect();
        let altered: Vec<Arc<str>> = evidence
            .iter()
            .filter(|e| found(before, e) != found(after, e))
            .cloned()
            .collect();
        if !altered.is_empty() {
            reasons.push(Reason::EvidenceChanged { ids: altered });
        }
        if a.is_some_and(|x| x.waiver_expired) && !b.is_some_and(|x| x.waiver_expired) {
            reasons.push(Reason::WaiverExpired);
        }
        let stale: Vec<Arc<str>> = evidence
            .iter()
            .filter(|e| {
                state(after, e).as_deref() == Some("stale")
                    && state(before, e).as_deref() != Some("stale")
                    && found(before, e) == found(after, e)
            })
            .cloned()
            .collect();
        if !stale.is_empty() {
            reasons.push(Reason::EvidenceStale { ids: stale });
        }
        if reasons.is_empty() {
            reasons.push(Reason::DateOnly);
        }
        out.push(Change {
            id: id.clone(),
            title: c.title.clone(),
            framework: c.framework.clone(),
            kind,
            from,
            to,
            reasons,
        });
    }
    out
}

impl Reason {
    /// Whether the reason is a change of the project's files (rather than of the date).
    fn is_input(&self) -> bool {
        matches!(
            self,
            Reason::RuleChanged { .. }
                | Reason::RulesChanged { .. }
                | Reason::FactChanged { .. }
                | Reason::EvidenceChanged { .. }
        )
    }
}

/// Tells apart, for each change, whether the files or the date moved it, from the outcomes
/// the new files give at the earlier date (`at_earlier_date`, by id; checks missing there are
/// left as they are). The same outcome as before: the date did it, and the file reasons go;
/// the new outcome already: the files did it, and the date reasons go.
pub fn refine(changes: &mut [Change], at_earlier_date: &BTreeMap<Arc<str>, Outcome>) {
    for c in changes {
        let Some(&o) = at_earlier_date.get(&c.id) else {
            continue;
        };
        if Some(o) == c.from {
            c.reasons.retain(|r| !r.is_input());
            if c.reasons.is_empty() {
                c.reasons.push(Reason::DateOnly);
            }
        } else if Some(o) == c.to {
            let files: Vec<Reason> = c.reasons.iter().filter(|r| r.is_input()).cloned().collect();
            if !files.is_empty() {
                c.reasons = files;
            }
        }
    }
}

/// One evaluated commit.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    /// The commit's id.
    pub commit: String,
    /// Its first line.
    pub subject: String,
    /// The as-of date it was evaluated on (the commit's date, unless `--as-of` fixed one).
    pub as_of: String,
    /// Outcome counts.
    pub summary: Summary,
    /// Outcome counts per framework.
    pub frameworks: BTreeMap<Arc<str>, Summary>,
    /// What moved since the point before (every check is `new` at the first).
    pub changes: Vec<Change>,
    /// Why the commit could not be evaluated, when it could not (its outcomes are then the
    /// point's before it, and no change is counted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One check's outcome over time: each run of equal outcomes, from the commit that began it.
#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    /// Its title.
    pub title: Arc<str>,
    /// Its framework.
    pub framework: Arc<str>,
    /// `(commit, outcome)` where the outcome began; `None` while it did not exist.
    pub runs: Vec<(String, Option<Outcome>)>,
}

/// The history of a project over a range of commits.
#[derive(Debug, Clone, Serialize)]
pub struct History {
    /// The tool that wrote it.
    pub tool: &'static str,
    /// The project's folder in the repository.
    pub project: String,
    /// The range asked for.
    pub range: String,
    /// Commits of the range that did not change the project, left out.
    pub unchanged_commits: usize,
    /// Every commit evaluated, oldest first.
    pub points: Vec<Point>,
    /// Every check that ever changed after the first point, by id.
    pub checks: BTreeMap<Arc<str>, Timeline>,
}

impl History {
    /// An empty history.
    pub fn new(project: String, range: String) -> History {
        History {
            tool: concat!("aimsc ", env!("CARGO_PKG_VERSION")),
            project,
            range,
            unchanged_commits: 0,
            points: Vec::new(),
            checks: BTreeMap::new(),
        }
    }

    /// Adds a commit's evaluation `after`, with its `changes` since the last point added
    /// ([`compare`], perhaps [`refine`]d; at the first point, every check is new).
    pub fn push(
        &mut self,
        commit: String,
        subject: String,
        as_of: String,
        changes: Vec<Change>,
        after: &Snapshot,
    ) {
        if let Some(first) = self.first_evaluated() {
            let start = self.points[first].commit.clone();
            for ch in &changes {
                let t = self
                    .checks
                    .entry(ch.id.clone())
                    .or_insert_with(|| Timeline {
                        title: ch.title.clone(),
                        framework: ch.framework.clone(),
                        runs: vec![(start.clone(), ch.from)],
                    });
                t.runs.push((commit.clone(), ch.to));
            }
        }
        let (summary, frameworks) = after.summaries();
        self.points.push(Point {
            commit,
            subject,
            as_of,
            summary,
            frameworks,
            changes,
            error: None,
        });
    }

    /// Adds a commit that could not be evaluated.
    pub fn push_error(&mut self, commit: String, subject: String, as_of: String, error: String) {
        let (summary, frameworks) = self
            .points
            .last()
            .map(|p| (p.summary.clone(), p.frameworks.clone()))
            .unwrap_or_default();
        self.points.push(Point {
            commit,
            subject,
            as_of,
            summary,
            frameworks,
            changes: Vec::new(),
            error: Some(error),
        });
    }

    /// The first point that could be evaluated: its changes are the start, every check new.
    pub fn first_evaluated(&self) -> Option<usize> {
        self.points.iter().position(|p| p.error.is_none())
    }

    /// The changes after the first evaluated point, of one kind.
    pub fn count(&self, kind: ChangeKind) -> usize {
        let start = self.first_evaluated().map_or(usize::MAX, |i| i + 1);
        self.points
            .iter()
            .skip(start)
            .flat_map(|p| &p.changes)
            .filter(|c| c.kind == kind)
            .count()
    }
}

fn short(commit: &str) -> &str {
    commit.get(..10).unwrap_or(commit)
}

fn outcome_str(o: Option<Outcome>) -> &'static str {
    o.map_or("absent", Outcome::as_str)
}

fn rates(p: &Point) -> String {
    p.frameworks
        .iter()
        .map(|(f, s)| match pass_rate(s) {
            Some(r) => format!("{f} {r}%"),
            None => format!("{f} –"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The history as text: a line per commit with its pass rates, then what moved.
pub fn text(h: &History) -> String {
    let mut out = String::new();
    let p = |s: &str| aimsc_diagnostics::printable(s).into_owned();
    let _ = writeln!(
        out,
        "history of {} over {}: {} commits evaluated, {} that did not change the project left out",
        p(&h.project),
        p(&h.range),
        h.points.len(),
        h.unchanged_commits
    );
    let _ = writeln!(
        out,
        "{} regressed, {} fixed, {} new, {} removed, {} other changes\n",
        h.count(ChangeKind::Regressed),
        h.count(ChangeKind::Fixed),
        h.count(ChangeKind::New),
        h.count(ChangeKind::Removed),
        h.count(ChangeKind::Changed)
    );
    for (i, pt) in h.points.iter().enumerate() {
        let _ = writeln!(
            out,
            "{} {}  {}  [{}]",
            pt.as_of,
            short(&pt.commit),
            p(&pt.subject),
            rates(pt)
        );
        if let Some(e) = &pt.error {
            let _ = writeln!(out, "    not evaluated: {}", p(e));
            continue;
        }
        if Some(i) == h.first_evaluated() {
            let _ = writeln!(out, "    {} controls and rules", pt.changes.len());
            continue;
        }
        for c in &pt.changes {
            let reasons: Vec<String> = c.reasons.iter().map(|r| p(&r.to_string())).collect();
            let _ = writeln!(
                out,
                "    {:<9} {}  {} → {}  ({})",
                c.kind.as_str(),
                p(&c.id),
                outcome_str(c.from),
                outcome_str(c.to),
                reasons.join("; ")
            );
        }
    }
    out
}

/// The history as pretty JSON.
pub fn json(h: &History) -> String {
    let mut s = serde_json::to_string_pretty(h).unwrap_or_default();
    s.push('\n');
    s
}

/// The history as Markdown: the trend per commit, and the changes.
pub fn markdown(h: &History) -> String {
    let md = |s: &str| crate::markdown::cell(s);
    let mut out = String::new();
    let _ = writeln!(out, "## Compliance history of `{}`\n", md(&h.project));
    let _ = writeln!(
        out,
        "{} commits evaluated over `{}`: **{} regressed**, {} fixed, {} new, {} removed.\n",
        h.points.len(),
        md(&h.range),
        h.count(ChangeKind::Regressed),
        h.count(ChangeKind::Fixed),
        h.count(ChangeKind::New),
        h.count(ChangeKind::Removed)
    );
    let frameworks: BTreeSet<&Arc<str>> =
        h.points.iter().flat_map(|p| p.frameworks.keys()).collect();
    out.push_str("| as of | commit | subject |");
    for f in &frameworks {
        let _ = write!(out, " {} |", md(f));
    }
    out.push_str(" changes |\n|---|---|---|");
    for _ in &frameworks {
        out.push_str("---:|");
    }
    out.push_str("---|\n");
    for (i, pt) in h.points.iter().enumerate() {
        let _ = write!(
            out,
            "| {} | `{}` | {} |",
            pt.as_of,
            short(&pt.commit),
            md(&pt.subject)
        );
        for f in &frameworks {
            let r = pt.frameworks.get(*f).and_then(pass_rate);
            let _ = write!(
                out,
                " {} |",
                r.map_or("–".to_string(), |r| format!("{r} %"))
            );
        }
        let what = if let Some(e) = &pt.error {
            format!("not evaluated: {}", md(e))
        } else if Some(i) == h.first_evaluated() {
            "start".to_string()
        } else {
            let n = |k| pt.changes.iter().filter(|c| c.kind == k).count();
            [
                ChangeKind::Regressed,
                ChangeKind::Fixed,
                ChangeKind::New,
                ChangeKind::Removed,
                ChangeKind::Changed,
            ]
            .iter()
            .filter(|k| n(**k) > 0)
            .map(|k| format!("{} {}", n(*k), k.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
        };
        let _ = writeln!(out, " {what} |");
    }
    out.push_str("\n### Changes\n\n");
    let mut any = false;
    let start = h.first_evaluated().map_or(usize::MAX, |i| i + 1);
    for pt in h.points.iter().skip(start) {
        for c in &pt.changes {
            any = true;
            let reasons: Vec<String> = c.reasons.iter().map(|r| md(&r.to_string())).collect();
            let _ = writeln!(
                out,
                "- {} `{}` **{}** `{}`: {} → {} ({})",
                pt.as_of,
                short(&pt.commit),
                c.kind.as_str(),
                md(&c.id),
                outcome_str(c.from),
                outcome_str(c.to),
                reasons.join("; ")
            );
        }
    }
    if !any {
        out.push_str("No control changed.\n");
    }
    out
}

/// The history as one self-contained HTML page: the pass rate of each framework over time as
/// a chart, the commits, and the checks that changed.
pub fn html(h: &History) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <title>Compliance history of {p}</title>\n<style>{css}</style>\n</head>\n<body>\n\
         <header class=\"page\"><h1>Compliance history</h1><p>{p} · {r} · {n} commits evaluated · {tool}</p></header>\n<main id=\"main\">\n",
        p = esc(&h.project),
        r = esc(&h.range),
        n = h.points.len(),
        css = crate::html::STYLE,
        tool = h.tool,
    );
    trend_chart(&mut out, h);
    out.push_str("<h2>Commits</h2>\n<table id=\"commits\"><thead><tr><th scope=\"col\">As of</th><th scope=\"col\">Commit</th><th scope=\"col\">Subject</th><th scope=\"col\">Pass rate</th><th scope=\"col\">Changes</th></tr></thead><tbody>\n");
    for (i, pt) in h.points.iter().enumerate() {
        let changes = if let Some(e) = &pt.error {
            format!("not evaluated: {}", esc(e))
        } else if Some(i) == h.first_evaluated() {
            "start".to_string()
        } else {
            pt.changes
                .iter()
                .map(|c| {
                    format!(
                        "<strong>{}</strong> <span class=\"mono\">{}</span> {} → {} <span class=\"muted\">({})</span>",
                        c.kind.as_str(),
                        esc(&c.id),
                        outcome_str(c.from),
                        outcome_str(c.to),
                        esc(&c.reasons.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
                    )
                })
                .collect::<Vec<_>>()
                .join("<br>")
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&pt.as_of),
            esc(short(&pt.commit)),
            esc(&pt.subject),
            esc(&rates(pt)),
            changes
        );
    }
    out.push_str("</tbody></table>\n</main>\n</body>\n</html>\n");
    out
}

/// Colours for the framework lines, each also told apart by its label at the line's end.
const LINE_COLOURS: [&str; 6] = [
    "#0969da", "#1a7f37", "#8250df", "#9a6700", "#cf222e", "#59636e",
];

fn trend_chart(out: &mut String, h: &History) {
    let frameworks: BTreeSet<&Arc<str>> =
        h.points.iter().flat_map(|p| p.frameworks.keys()).collect();
    let (w, ht, left, top, right) = (760.0_f64, 260.0_f64, 40.0_f64, 10.0_f64, 150.0_f64);
    let plot_w = w - left - right;
    let plot_h = ht - top - 30.0;
    let n = h.points.len().max(2) - 1;
    let x = |i: usize| left + plot_w * (i as f64) / (n as f64);
    let y = |r: u32| top + plot_h * (1.0 - f64::from(r) / 100.0);
    out.push_str("<h2>Pass rate per framework</h2>\n<p class=\"muted\">The share of applicable controls met at each commit; the table below has every number.</p>\n");
    let _ = write!(
        out,
        "<svg id=\"trend\" viewBox=\"0 0 {w} {ht}\" width=\"{w}\" height=\"{ht}\" role=\"img\" aria-label=\"Pass rate per framework over {} commits\" style=\"max-width:100%;height:auto\">",
        h.points.len()
    );
    for r in [0, 50, 100] {
        let _ = write!(
            out,
            "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#d1d9e0\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#59636e\">{r}%</text>",
            left + plot_w,
            left - 4.0,
            y(r) + 4.0,
            yy = y(r)
        );
    }
    for (k, f) in frameworks.iter().enumerate() {
        let colour = LINE_COLOURS[k % LINE_COLOURS.len()];
        let pts: Vec<String> = h
            .points
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                p.frameworks
                    .get(*f)
                    .and_then(pass_rate)
                    .map(|r| format!("{:.1},{:.1}", x(i), y(r)))
            })
            .collect();
        if pts.is_empty() {
            continue;
        }
        let _ = write!(
            out,
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"><title>{}</title></polyline>",
            pts.join(" "),
            esc(f)
        );
        if let Some(last) = pts.last() {
            let (lx, ly) = last.split_once(',').unwrap_or(("0", "0"));
            let _ = write!(
                out,
                "<text x=\"{:.1}\" y=\"{}\" font-size=\"12\" fill=\"{colour}\">{}</text>",
                lx.parse::<f64>().unwrap_or(0.0) + 6.0,
                ly,
                esc(f)
            );
        }
    }
    out.push_str("</svg>\n");
}
