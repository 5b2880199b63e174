//! What the benchmarks share: generated organisations on disk, projects over the shipped
//! rulesets, the peer workload (the same policy in aimsc and in Rego), and an allocator that
//! measures peak memory.
//!
//! Run every benchmark with `cargo bench -p aimsc-bench`; `cargo test -p aimsc-bench
//! --benches` runs each once at a small size (the CI smoke run).

use aimsc_db::{FactInput, Project};
use aimsc_eval::evaluate::{Env, evaluate_check};
use aimsc_synth::{Config, Layout, Org};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The seed of every benchmark organisation.
pub const SEED: u64 = 42;

/// The as-of date of every benchmark evaluation ([`aimsc_synth::BASE_DATE`]).
pub fn as_of() -> jiff::civil::Date {
    aimsc_synth::BASE_DATE
        .parse()
        .unwrap_or(jiff::civil::Date::constant(2026, 9, 1))
}

/// Whether this run measures (`cargo bench`) rather than smoke-tests (`cargo test`): cargo
/// passes `--bench` only to the former.
pub fn measuring() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// `full` when measuring, else `[smoke]`.
///
/// `AIMSC_BENCH_MAX_N` caps the sizes measured (for a quicker run).
pub fn sizes(full: &[usize], smoke: usize) -> Vec<usize> {
    if measuring() {
        let max = std::env::var("AIMSC_BENCH_MAX_N")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(usize::MAX);
        full.iter().copied().filter(|n| *n <= max).collect()
    } else {
        vec![smoke]
    }
}

/// The folder of generated organisations, under the workspace's `target`.
fn cache_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/aimsc-bench")
}

/// An organisation of `n` systems on disk (generated once, then reused), and its facts size
/// in bytes.
pub fn org_on_disk(n: usize, layout: Layout) -> std::io::Result<(PathBuf, u64)> {
    let name = match layout {
        Layout::OneFile => "file",
        Layout::Folder => "folder",
    };
    let dir = cache_root().join(format!("{name}-{n}-{SEED}"));
    let done = dir.join(".complete");
    if !done.exists() {
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        Org::generate(&Config {
            systems: n,
            seed: SEED,
        })
        .write(&dir, layout)?;
        std::fs::write(&done, "")?;
    }
    let facts = match layout {
        Layout::OneFile => dir.join("facts.yaml"),
        Layout::Folder => dir.join("facts"),
    };
    Ok((facts.clone(), bytes_under(&facts)))
}

fn bytes_under(p: &Path) -> u64 {
    if p.is_dir() {
        std::fs::read_dir(p)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| bytes_under(&e.path()))
                    .sum()
            })
            .unwrap_or(0)
    } else {
        std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
    }
}

/// Reads the facts under `path` (a file or a folder) as the CLI does.
pub fn read_facts(path: &Path) -> Vec<FactInput> {
    if path.is_dir() {
        aimsc_facts::discover(path, &aimsc_facts::Limits::default())
            .map(|found| found.sources.into_iter().map(FactInput::from).collect())
            .unwrap_or_default()
    } else {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        vec![FactInput::root(&path.to_string_lossy(), &text)]
    }
}

/// The shipped rulesets as `(path, text)`.
pub fn shipped_rules() -> Vec<(Arc<str>, String)> {
    aimsc_rulesets::select(aimsc_rulesets::PREFIX)
        .into_iter()
        .map(|(p, t)| (Arc::from(p), t.to_string()))
        .collect()
}

/// A project over the shipped rulesets and the given facts.
pub fn project(facts: Vec<FactInput>) -> Project {
    Project::new(shipped_rules(), facts, as_of())
}

/// Evaluates every check of a loaded project with the plain evaluator (no caching), and
/// returns how many failed: the cost of a cold evaluation, facts already validated.
pub fn evaluate_all(project: &Project) -> usize {
    with_env(project, |env| {
        env.model
            .checks
            .keys()
            .filter_map(|id| evaluate_check(env, id))
            .filter(|r| r.outcome == aimsc_eval::outcome::Outcome::Fail)
            .count()
    })
}

/// Runs `f` with an evaluation environment over a project's model and validated facts.
fn with_env<T>(project: &Project, f: impl FnOnce(&Env<'_>) -> T) -> T {
    let model = project.model();
    let facts = project.facts();
    let locate = |_: &aimsc_diagnostics::Location| None;
    f(&Env {
        model: &model,
        facts: &*facts,
        today: project.as_of(),
        locate_rule: &locate,
        max_steps: aimsc_eval::evaluate::DEFAULT_MAX_STEPS,
        evidence_required: true,
    })
}

/// The peer workload: one generated organisation, the benchmark policy loaded in aimsc and in
/// regorus, with the facts validated (aimsc) and set as `input` (regorus).
pub struct Peer {
    /// The aimsc project: schema, benchmark policy and facts.
    pub project: Project,
    /// A regorus engine with the Rego policy and the facts as input.
    pub engine: regorus::Engine,
}

/// The benchmark policy in aimsc.
pub const POLICY_AIMS: &str = include_str!("../peer/policy.aims");
/// The benchmark policy in Rego.
pub const POLICY_REGO: &str = include_str!("../peer/policy.rego");
/// The benchmark's rule names, as both policies spell them.
pub const PEER_RULES: [&str; 12] = [
    "r01", "r02", "r03", "r04", "r05", "r06", "r07", "r08", "r09", "r10", "r11", "r12",
];

/// Failing record ids per rule.
pub type Verdicts = BTreeMap<String, BTreeSet<String>>;

impl Peer {
    /// Builds the workload for `n` systems.
    pub fn new(n: usize) -> Result<Peer, String> {
        let org = Org::generate(&Config {
            systems: n,
            seed: SEED,
        });
        let schema = aimsc_rulesets::select("@aimsc/iso42001/schema.aims");
        let mut rules: Vec<(Arc<str>, String)> = schema
            .into_iter()
            .map(|(p, t)| (Arc::from(p), t.to_string()))
            .collect();
        rules.push((Arc::from("peer/policy.aims"), POLICY_AIMS.to_string()));
        let facts = vec![FactInput::root("facts.yaml", &org.to_yaml())];
        let project = Project::new(rules, facts, as_of());
        let errors: Vec<String> = project
            .diagnostics()
            .iter()
            .filter(|d| d.severity == aimsc_diagnostics::Severity::Error)
            .map(|d| d.message.clone())
            .collect();
        if !errors.is_empty() {
            return Err(format!("the aimsc workload has errors: {errors:?}"));
        }
        project.facts();

        let mut input = org.to_value();
        if let serde_json::Value::Object(m) = &mut input {
            m.insert("as_of".into(), aimsc_synth::BASE_DATE.into());
        }
        let mut engine = regorus::Engine::new();
        engine
            .add_policy("peer/policy.rego".into(), POLICY_REGO.into())
            .map_err(|e| format!("regorus rejects the policy: {e}"))?;
        let input = regorus::Value::from_json_str(&input.to_string())
            .map_err(|e| format!("regorus rejects the input: {e}"))?;
        engine.set_input(input);
        Ok(Peer { project, engine })
    }

    /// Evaluates the policy with aimsc: failing record ids per rule.
    pub fn aimsc(&self) -> Verdicts {
        with_env(&self.project, verdicts)
    }

    /// Evaluates the policy with regorus (on a fresh copy of the engine, so that nothing is
    /// cached between runs): failing record ids per rule.
    pub fn regorus(&self) -> Result<Verdicts, String> {
        let mut engine = self.engine.clone();
        let v = engine
            .eval_rule("data.bench.violations".into())
            .map_err(|e| format!("regorus: {e}"))?;
        let json: serde_json::Value = serde_json::from_str(
            &v.to_json_str()
                .map_err(|e| format!("regorus result: {e}"))?,
        )
        .map_err(|e| format!("regorus result: {e}"))?;
        let mut out = Verdicts::new();
        for rule in PEER_RULES {
            let ids = json
                .get(rule)
                .and_then(serde_json::Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            out.insert(rule.to_string(), ids);
        }
        Ok(out)
    }

    /// Both engines' verdicts, or the first rule on which they disagree.
    pub fn cross_check(&self) -> Result<Verdicts, String> {
        let ours = self.aimsc();
        let theirs = self.regorus()?;
        for rule in PEER_RULES {
            if ours.get(rule) != theirs.get(rule) {
                let (a, b) = (&ours[rule], &theirs[rule]);
                return Err(format!(
                    "{rule}: aimsc and regorus disagree; only aimsc: {:?}; only regorus: {:?}",
                    a.difference(b).take(5).collect::<Vec<_>>(),
                    b.difference(a).take(5).collect::<Vec<_>>()
                ));
            }
        }
        Ok(ours)
    }
}

/// Failing record ids per benchmark rule, from aimsc.
fn verdicts(env: &Env<'_>) -> Verdicts {
    let mut out = Verdicts::new();
    for rule in PEER_RULES {
        let mut ids = BTreeSet::new();
        if let Some(r) = evaluate_check(env, &format!("bench::{rule}")) {
            for req in &r.requirements {
                if let Some(records) = &req.explanation.records {
                    for f in &records.findings {
                        ids.insert(record_id(&f.record));
                    }
                }
            }
        }
        out.insert(rule.to_string(), ids);
    }
    out
}

/// `sys-3` from `ai_systems[id=sys-3]`.
fn record_id(path: &str) -> String {
    path.rsplit_once("[id=")
        .and_then(|(_, rest)| rest.strip_suffix(']'))
        .unwrap_or(path)
        .to_string()
}

/// Peak resident memory of this process, from Linux's `/proc/self/status`: a measure that
/// includes allocator overhead and fragmentation, as the operating system sees it.
pub mod rss {
    fn status_kb(key: &str) -> Option<u64> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find(|l| l.starts_with(key))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    /// Peak resident size of this process so far, in bytes.
    pub fn peak() -> Option<u64> {
        status_kb("VmHWM:").map(|k| k * 1024)
    }
}
