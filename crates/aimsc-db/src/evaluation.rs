//! Evaluation: each check a query keyed by its id and its share of the run's budget, each
//! site of a check a query per chunk of records, read through the facts queries.

use crate::facts::*;
use crate::inputs::*;
use crate::rules::*;
use aimsc_diagnostics::{Diagnostic, Location, Span};
use aimsc_eval::evaluate::{
    CheckParts, DefVerdict, Env, Partial, UNBOUNDED, evaluate_parts_within,
};
use aimsc_eval::join::JoinIndex;
use aimsc_eval::model::{Def, Model};
use aimsc_eval::outcome::CheckResult;
use aimsc_eval::validate::{FactLoc, FactValue, Part, Record, collections};
use aimsc_eval::view::{CHUNK, FactsView};
use std::sync::Arc;

/// One check of a workspace, as a query key.
#[salsa::interned]
pub struct CheckKey<'db> {
    /// The workspace.
    pub ws: Workspace,
    /// The check's id.
    #[returns(ref)]
    pub id: Arc<str>,
    /// The most steps the check may take in all: what is left of the run's budget, rounded
    /// down to whole requirement budgets so that the key rarely changes, or
    /// [`UNBOUNDED`] when that is more than the check could take.
    #[returns(copy)]
    pub allowance: u64,
}

impl<'db> CheckKey<'db> {
    /// Check `id`, not bounded by the run's budget.
    pub fn unbounded(db: &'db dyn salsa::Database, ws: Workspace, id: Arc<str>) -> Self {
        CheckKey::new(db, ws, id, UNBOUNDED)
    }
}

/// A check's result and the steps it took.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluated {
    /// The result, without rule locations.
    pub result: Arc<CheckResult>,
    /// Evaluation steps taken, its sites' chunks included.
    pub steps: u64,
}

/// A check's parts without locations: equal across edits that do not touch the check.
#[salsa::tracked(returns(ref))]
pub fn check_parts<'db>(db: &'db dyn salsa::Database, key: CheckKey<'db>) -> Option<CheckParts> {
    let m = &checked_model(db, *key.ws(db)).model;
    let mut parts = CheckParts::of(m, key.id(db))?;
    parts.check.location = nowhere();
    for r in &mut parts.check.requires {
        r.location = nowhere();
    }
    if let Some(x) = &mut parts.exclusion {
        x.location = nowhere();
    }
    if let Some(w) = &mut parts.waiver {
        w.location = nowhere();
    }
    Some(parts)
}

/// What a check's sites evaluate: its conditions and framework, without the texts that only
/// a report shows (title, intent, domain, requirement names, supported controls), so that
/// rewording a check does not evaluate its records again.
#[salsa::tracked(returns(ref))]
pub fn check_logic<'db>(
    db: &'db dyn salsa::Database,
    key: CheckKey<'db>,
) -> Option<aimsc_eval::model::Check> {
    let mut check = check_parts(db, key).as_ref()?.check.clone();
    let none: Arc<str> = Arc::from("");
    check.title = none.clone();
    check.intent = None;
    check.domain = None;
    check.supports = Vec::new();
    for r in &mut check.requires {
        r.name = none.clone();
    }
    Some(check)
}

/// One check's result, without rule locations (added by [`all_results`]). Re-runs only when
/// its parts, the shared defs and schema, the facts or the date change.
#[salsa::tracked(returns(ref))]
pub fn check_result<'db>(db: &'db dyn salsa::Database, key: CheckKey<'db>) -> Option<Evaluated> {
    let ws = *key.ws(db);
    let parts = check_parts(db, key).as_ref()?;
    let model = check_model(db, key);
    let facts = DbFacts::new(db, ws, Some(key));
    let locate = |_: &Location| None;
    let env = Env {
        model,
        facts: &facts,
        today: ws.as_of(db),
        locate_rule: &locate,
        max_steps: ws.limits(db).max_steps,
        evidence_required: !ws.evidence_reported(db).contains(&parts.check.framework),
    };
    let supporting = |rule: &str| check_outcome(db, CheckKey::unbounded(db, ws, Arc::from(rule)));
    let (result, steps) = evaluate_parts_within(&env, parts, &supporting, key.allowance(db));
    Some(Evaluated {
        result: Arc::new(result),
        steps,
    })
}

/// A check's outcome alone: a control reads its supporting rules through this, so a rule edit
/// that keeps the rule's outcome does not re-run the control.
#[salsa::tracked(returns(copy))]
pub fn check_outcome<'db>(
    db: &'db dyn salsa::Database,
    key: CheckKey<'db>,
) -> Option<aimsc_eval::outcome::Outcome> {
    check_result(db, key).as_ref().map(|r| r.result.outcome)
}

/// A check's result with its rule locations: re-runs when its result or the rule files
/// change, so that a facts edit copies only the results it changed.
#[salsa::tracked(returns(ref))]
pub fn located_result<'db>(
    db: &'db dyn salsa::Database,
    key: CheckKey<'db>,
) -> Option<Arc<CheckResult>> {
    let result = &check_result(db, key).as_ref()?.result;
    let (location, requires) = check_locations(db, key).as_ref()?;
    // Results are cached without locations; put the current ones back.
    let mut r = (**result).clone();
    r.location = location.clone();
    for (req, loc) in r.requirements.iter_mut().zip(requires) {
        req.location = loc.clone();
    }
    Some(Arc::new(r))
}

/// Where check `key` and its requirements are written, as line and column: equal after an edit
/// that moves no part of it, so that [`located_result`] (which copies the whole result) does
/// not run again for every check after every edit of the rules.
#[salsa::tracked(returns(ref))]
pub fn check_locations<'db>(
    db: &'db dyn salsa::Database,
    key: CheckKey<'db>,
) -> Option<(Option<FactLoc>, Vec<Option<FactLoc>>)> {
    let ws = *key.ws(db);
    let check = checked_model(db, ws).model.checks.get(key.id(db))?;
    let locate = |loc: &Location| -> Option<FactLoc> {
        let file = ws.rules(db).iter().find(|f| *f.path(db) == loc.file)?;
        let (line, column) = rule_lines(db, *file).line_col(file.text(db), loc.span.start());
        Some(FactLoc {
            file: loc.file.clone(),
            line,
            column,
        })
    };
    Some((
        locate(&check.location),
        check.requires.iter().map(|r| locate(&r.location)).collect(),
    ))
}

#[salsa::tracked(returns(ref))]
pub fn all_results(db: &dyn salsa::Database, ws: Workspace) -> Vec<Arc<CheckResult>> {
    let model = &checked_model(db, ws).model;
    in_order(db, ws, model.checks.keys())
}

/// The results of checks `ids` (in the model's order), the run's step budget spent over them
/// alone: a selection is not cut by checks nobody asked for.
pub fn results_of<'a>(
    db: &dyn salsa::Database,
    ws: Workspace,
    ids: impl Iterator<Item = &'a Arc<str>>,
) -> Vec<Arc<CheckResult>> {
    in_order(db, ws, ids)
}

fn in_order<'a>(
    db: &dyn salsa::Database,
    ws: Workspace,
    ids: impl Iterator<Item = &'a Arc<str>>,
) -> Vec<Arc<CheckResult>> {
    let model = &checked_model(db, ws).model;
    let limits = ws.limits(db);
    let per_requirement = limits.max_steps.max(1);
    // The run's budget is spent in check order. A check is bounded by it only when less is
    // left than the check could take (each part its budget, and as much again in chunks), and
    // then by what is left in whole 1/64ths of the budget (or whole requirement budgets, if
    // smaller): far from the limit every key, and so every cached result, stays the same.
    let quantum = (limits.max_run_steps / 64).clamp(1, per_requirement);
    let mut left = limits.max_run_steps;
    let mut out = Vec::new();
    for id in ids {
        let Some(check) = model.checks.get(id) else {
            continue;
        };
        let most = most_steps(check, per_requirement);
        let allowance = if left >= most {
            UNBOUNDED
        } else {
            left / quantum * quantum
        };
        let key = CheckKey::new(db, ws, id.clone(), allowance);
        if let Some(e) = check_result(db, key) {
            left = left.saturating_sub(e.steps);
        }
        out.extend(located_result(db, key).clone());
    }
    out
}

/// The most steps `check` can take: each part its budget, and as much again in chunks.
fn most_steps(check: &aimsc_eval::model::Check, per_requirement: u64) -> u64 {
    let parts = check.requires.len() as u64 + 1;
    parts.saturating_mul(per_requirement).saturating_mul(2)
}

/// Evaluates check `id` ahead of [`in_order`], on another thread: with the key `in_order`
/// gives it unless the run's budget runs low before its turn (whole runs take a small part of
/// the budget; when one does not, `in_order` evaluates the check under its own key, and this
/// was work for nothing). A check that could take more than the whole budget is left to
/// `in_order`.
pub fn ahead(db: &dyn salsa::Database, ws: Workspace, id: &Arc<str>) {
    let model = &checked_model(db, ws).model;
    let limits = ws.limits(db);
    let Some(check) = model.checks.get(id) else {
        return;
    };
    if limits.max_run_steps >= most_steps(check, limits.max_steps.max(1)) {
        let _ = located_result(db, CheckKey::unbounded(db, ws, id.clone()));
    }
}

#[salsa::tracked(returns(ref))]
pub fn all_diagnostics(db: &dyn salsa::Database, ws: Workspace) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::new();
    for f in ws.rules(db) {
        out.extend(parse_rule_file(db, *f).diags.iter().cloned());
    }
    out.extend(checked_model(db, ws).diags.iter().cloned());
    out.extend(aimsc_eval::check::long_waivers(
        &checked_model(db, ws).model,
        ws.as_of(db),
        ws.limits(db).max_waiver_months,
    ));
    out.extend(facts_diagnostics(db, ws).iter().cloned());
    aimsc_diagnostics::sort(&mut out);
    out
}

/// The facts as evaluation reads them, through the facts queries, so that each query that
/// evaluates depends on the records it read and not on the rest.
pub struct DbFacts<'db> {
    db: &'db dyn salsa::Database,
    ws: Workspace,
    /// The check being evaluated, whose sites are answered by [`site_chunk`].
    check: Option<CheckKey<'db>>,
    /// The chunk read last: a quantifier reads its records in order, and interning the key
    /// and reading the query again for each (a lock, two hashes and a recorded read) was a
    /// tenth of re-evaluating a chunk. A view lives within one query's execution, which has
    /// recorded its read of the chunk the first time.
    last_chunk: std::cell::Cell<Option<(u32, u32, &'db Part)>>,
    /// Where each id is, once read (see `last_chunk`).
    homes: std::cell::OnceCell<&'db IdHomes>,
    /// The root fields that are collections of records, once read.
    collections: std::cell::OnceCell<Vec<usize>>,
}

impl<'db> DbFacts<'db> {
    /// A view for evaluating `check` (or a site's chunk, with `None`).
    pub fn new(db: &'db dyn salsa::Database, ws: Workspace, check: Option<CheckKey<'db>>) -> Self {
        DbFacts {
            db,
            ws,
            check,
            last_chunk: std::cell::Cell::new(None),
            homes: std::cell::OnceCell::new(),
            collections: std::cell::OnceCell::new(),
        }
    }

    /// Chunk `k` of collection `field`.
    fn chunk_part(&self, field: u32, k: u32) -> &'db Part {
        match self.last_chunk.get() {
            Some((f, c, part)) if f == field && c == k => part,
            _ => {
                let part = &chunk(self.db, ChunkKey::new(self.db, self.ws, field, k)).part;
                self.last_chunk.set(Some((field, k, part)));
                part
            }
        }
    }

    fn part(&self, home: Home) -> &'db Part {
        match home {
            Home::Root => &root_part(self.db, self.ws).part,
            Home::Chunk(field, k) => self.chunk_part(field, k),
        }
    }

    fn homes(&self) -> &'db IdHomes {
        self.homes.get_or_init(|| id_homes(self.db, self.ws))
    }

    fn collection(&self, field: usize) -> Option<u32> {
        let all = self.collections.get_or_init(|| {
            collections(schema_model(self.db, self.ws))
                .map(|(i, _, _)| i)
                .collect()
        });
        all.contains(&field)
            .then(|| u32::try_from(field).ok())
            .flatten()
    }
}

impl FactsView for DbFacts<'_> {
    fn root_field(&self, field: usize) -> Option<FactValue> {
        root_part(self.db, self.ws)
            .record
            .fields
            .get(field)
            .cloned()
    }

    fn items(&self, field: usize) -> Option<Arc<[FactValue]>> {
        let field = self.collection(field)?;
        Some(collection_items(self.db, CollKey::new(self.db, self.ws, field)).clone())
    }

    fn len(&self, field: usize) -> Option<usize> {
        self.collection(field)?;
        layout(self.db, self.ws)
            .collections
            .get(field)
            .map(Vec::len)
    }

    fn item(&self, field: usize, pos: usize) -> Option<FactValue> {
        let field = self.collection(field)?;
        let k = u32::try_from(pos / CHUNK).ok()?;
        self.chunk_part(field, k).items.get(pos % CHUNK).cloned()
    }

    fn index(&self, _: &Model, field: usize, by: &Arc<str>) -> Option<Arc<JoinIndex>> {
        let field = self.collection(field)?;
        let key = IndexKey::new(self.db, self.ws, field, by.clone());
        Some(join_index(self.db, key).clone())
    }

    fn by_id(&self, ty: &Arc<str>, id: &Arc<str>) -> Option<Arc<Record>> {
        let key = (ty.clone(), id.clone());
        let (home, place) = *self.homes().get(&key)?;
        let (k, r) = self.part(home).ids.get(place as usize)?;
        (*k == key).then(|| r.clone())
    }

    fn has_id(&self, ty: &Arc<str>, id: &Arc<str>) -> bool {
        self.homes().contains_key(&(ty.clone(), id.clone()))
    }

    fn evidence_file(&self, location: &str) -> Option<aimsc_eval::evidence::FileCheck> {
        self.ws.evidence(self.db).get(location).cloned()
    }

    fn unreadable(&self, field: usize) -> Option<Arc<str>> {
        unreadable_fields(self.db, self.ws)
            .get(field)
            .cloned()
            .flatten()
    }

    fn locate(&self, file: u32, span: Span) -> Option<FactLoc> {
        let f = *self.ws.facts(self.db).get(file as usize)?;
        let (line, column) = fact_lines(self.db, f).line_col(f.text(self.db), span.start());
        Some(FactLoc {
            file: f.path(self.db).clone(),
            line,
            column,
        })
    }

    fn shared_defs(&self) -> Option<Arc<[bool]>> {
        Some(shared_defs(self.db, self.ws).clone())
    }

    fn def_verdicts(
        &self,
        def: usize,
        field: usize,
        chunk: usize,
        evidence_required: bool,
    ) -> Option<Arc<[Option<DefVerdict>]>> {
        let key = DefChunkKey::new(
            self.db,
            self.ws,
            u32::try_from(def).ok()?,
            self.collection(field)?,
            u32::try_from(chunk).ok()?,
            evidence_required,
        );
        Some(def_chunk(self.db, key).clone())
    }

    fn site(&self, part: usize, site: usize, chunk: usize) -> Option<Partial> {
        let key = SiteKey::new(
            self.db,
            self.check?,
            u32::try_from(part).ok()?,
            u32::try_from(site).ok()?,
            u32::try_from(chunk).ok()?,
        );
        site_chunk(self.db, key).clone()
    }
}

/// One chunk of one site of one check, as a query key.
#[salsa::interned]
pub struct SiteKey<'db> {
    #[returns(copy)]
    pub check: CheckKey<'db>,
    #[returns(copy)]
    pub part: u32,
    #[returns(copy)]
    pub site: u32,
    #[returns(copy)]
    pub chunk: u32,
}

/// A quantifier's verdict over one chunk of records: after an edit to one record, only the
/// chunk holding it re-runs, and a verdict that did not change stops the re-run there.
#[salsa::tracked(returns(ref))]
pub fn site_chunk<'db>(db: &'db dyn salsa::Database, key: SiteKey<'db>) -> Option<Partial> {
    let check = key.check(db);
    let ws = *check.ws(db);
    let logic = check_logic(db, check).as_ref()?;
    let view = DbFacts::new(db, ws, None);
    let locate = |_: &Location| None;
    let env = Env {
        model: check_model(db, check),
        facts: &view,
        today: ws.as_of(db),
        locate_rule: &locate,
        max_steps: ws.limits(db).max_steps,
        evidence_required: !ws.evidence_reported(db).contains(&logic.framework),
    };
    aimsc_eval::evaluate::site_chunk(
        &env,
        logic,
        key.part(db) as usize,
        key.site(db) as usize,
        key.chunk(db) as usize,
    )
}

/// Which defs are answered per record (see [`aimsc_eval::evaluate::shared_defs`]): re-runs
/// when the defs change.
#[salsa::tracked(returns(ref))]
pub fn shared_defs(db: &dyn salsa::Database, ws: Workspace) -> Arc<[bool]> {
    Arc::from(aimsc_eval::evaluate::shared_defs(eval_shared(db, ws)))
}

/// One def over one chunk of a collection, as a query key.
#[salsa::interned]
pub struct DefChunkKey<'db> {
    #[returns(copy)]
    pub ws: Workspace,
    #[returns(copy)]
    pub def: u32,
    #[returns(copy)]
    pub field: u32,
    #[returns(copy)]
    pub chunk: u32,
    /// Whether unusable evidence reads as invalid for the calling check's framework.
    #[returns(copy)]
    pub evidence_required: bool,
}

/// A def's verdict on each record of one chunk, shared by every requirement of every check
/// that calls it on those records (see `aimsc_eval::evaluate::def_chunk`): it re-runs when a
/// record of the chunk, or anything else the def read, changes.
#[salsa::tracked(returns(ref))]
pub fn def_chunk<'db>(
    db: &'db dyn salsa::Database,
    key: DefChunkKey<'db>,
) -> Arc<[Option<DefVerdict>]> {
    let ws = key.ws(db);
    let view = DbFacts::new(db, ws, None);
    let locate = |_: &Location| None;
    let env = Env {
        model: def_model(db, DefKey::new(db, ws, key.def(db))),
        facts: &view,
        today: ws.as_of(db),
        locate_rule: &locate,
        max_steps: ws.limits(db).max_steps,
        evidence_required: key.evidence_required(db),
    };
    Arc::from(aimsc_eval::evaluate::def_chunk(
        &env,
        key.def(db) as usize,
        key.field(db) as usize,
        key.chunk(db) as usize,
    ))
}

/// The shared model as check `key` evaluates it: only the defs it calls, transitively, have
/// their bodies (see [`aimsc_eval::model::Model::narrowed`]), so that a `set` of a param, or an
/// edit to a def, re-runs the checks that read it and no other. It reads the bodies of the
/// defs it reaches one by one, so that it does not even re-run for an edit elsewhere (cloning
/// the model for each of 360 checks was most of the time of a `set` in the editor).
#[salsa::tracked(returns(ref))]
pub fn check_model<'db>(db: &'db dyn salsa::Database, key: CheckKey<'db>) -> Arc<Model> {
    let ws = *key.ws(db);
    let Some(check) = check_logic(db, key).as_ref() else {
        return eval_shared(db, ws).clone();
    };
    let exprs = check
        .applies
        .iter()
        .map(|(e, _)| e)
        .chain(check.requires.iter().map(|r| &r.expr));
    Arc::new(narrowed(db, ws, exprs, None))
}

/// One def, as a query key.
#[salsa::interned]
pub struct DefKey<'db> {
    #[returns(copy)]
    pub ws: Workspace,
    #[returns(copy)]
    pub def: u32,
}

/// Def `key` as evaluation reads it: equal after an edit elsewhere.
#[salsa::tracked(returns(ref))]
pub fn def_body<'db>(db: &'db dyn salsa::Database, key: DefKey<'db>) -> Option<Def> {
    eval_shared(db, key.ws(db))
        .defs
        .get(key.def(db) as usize)
        .cloned()
}

/// The shared model with every def's body left out: equal after an edit to a def's body or a
/// `set`.
#[salsa::tracked(returns(ref))]
pub fn eval_frame(db: &dyn salsa::Database, ws: Workspace) -> Arc<Model> {
    let shared = eval_shared(db, ws);
    Arc::new(Model {
        defs: shared.defs.iter().map(Def::stub).collect(),
        ..(**shared).clone()
    })
}

/// The frame with the bodies of the defs `exprs` reach (and of def `own`).
fn narrowed<'db>(
    db: &'db dyn salsa::Database,
    ws: Workspace,
    exprs: impl IntoIterator<Item = &'db aimsc_eval::model::TypedExpr>,
    own: Option<usize>,
) -> Model {
    let frame = eval_frame(db, ws);
    let body_of = |i: usize| -> Option<&'db Def> {
        def_body(db, DefKey::new(db, ws, u32::try_from(i).ok()?)).as_ref()
    };
    let reached =
        aimsc_eval::model::reached_defs(frame.defs.len(), exprs, |i| body_of(i).map(|d| &d.body));
    let mut model = (**frame).clone();
    for (i, slot) in model.defs.iter_mut().enumerate() {
        if (reached.get(i).copied().unwrap_or(false) || own == Some(i))
            && let Some(d) = body_of(i)
        {
            *slot = d.clone();
        }
    }
    model
}

/// The shared model as def `key` evaluates it: only the defs it calls keep their bodies.
#[salsa::tracked(returns(ref))]
pub fn def_model<'db>(db: &'db dyn salsa::Database, key: DefKey<'db>) -> Arc<Model> {
    let ws = key.ws(db);
    let own = key.def(db) as usize;
    let body = def_body(db, key).as_ref().map(|d| &d.body);
    Arc::new(narrowed(db, ws, body, Some(own)))
}
