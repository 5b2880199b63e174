//! A check's result: applicability, requirements, supporting rules, exclusions and waivers.

use super::*;

/// Evaluates one control or rule by id, folding in the rules that support it.
pub fn evaluate_check(env: &Env<'_>, id: &str) -> Option<CheckResult> {
    let parts = CheckParts::of(env.model, id)?;
    let supporting = |rule: &str| evaluate_check(env, rule).map(|r| r.outcome);
    Some(evaluate_parts(env, &parts, &supporting))
}

/// Everything one check's verdict reads from the model besides defs, params and the schema:
/// the check, its exclusion and waiver, and the rules that support it. An incremental engine
/// compares these to tell which checks an edit touched.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckParts {
    /// The check.
    pub check: Check,
    /// Its exclusion.
    pub exclusion: Option<crate::model::Exclusion>,
    /// Its waiver.
    pub waiver: Option<crate::model::Waiver>,
    /// Ids of the rules that support it (for a control).
    pub supporters: Vec<Arc<str>>,
}

impl CheckParts {
    /// The parts of check `id` of a model.
    pub fn of(model: &Model, id: &str) -> Option<CheckParts> {
        let check = model.checks.get(id)?.clone();
        let supporters = if check.kind == CheckKind::Control {
            model.supporters.get(id).cloned().unwrap_or_default()
        } else {
            Vec::new()
        };
        Some(CheckParts {
            exclusion: model.exclusions.get(id).cloned(),
            waiver: model.waivers.get(id).cloned(),
            check,
            supporters,
        })
    }
}

/// Evaluates one check from its parts; `supporting` gives the outcome of a supporting rule
/// (so an engine that caches results does not evaluate a rule once per control it supports).
pub fn evaluate_parts(
    env: &Env<'_>,
    parts: &CheckParts,
    supporting: &dyn Fn(&str) -> Option<Outcome>,
) -> CheckResult {
    evaluate_parts_within(env, parts, supporting, UNBOUNDED).0
}

/// As [`evaluate_parts`], within `allowance` steps over all the check's parts (what is left
/// of the run's budget, `max-run-steps`): a part that would go past it is an error. Returns
/// the steps taken too, so that the run can charge them.
pub fn evaluate_parts_within(
    env: &Env<'_>,
    parts: &CheckParts,
    supporting: &dyn Fn(&str) -> Option<Outcome>,
    allowance: u64,
) -> (CheckResult, u64) {
    let mut spent = 0u64;
    let result = evaluate_counted(env, parts, supporting, allowance, &mut spent);
    (result, spent)
}

pub(super) fn evaluate_counted(
    env: &Env<'_>,
    parts: &CheckParts,
    supporting: &dyn Fn(&str) -> Option<Outcome>,
    allowance: u64,
    spent: &mut u64,
) -> CheckResult {
    let check = &parts.check;
    let mut result = CheckResult {
        id: check.id.clone(),
        kind: check.kind,
        framework: check.framework.clone(),
        title: check.title.clone(),
        outcome: Outcome::Pass,
        message: String::new(),
        location: (env.locate_rule)(&check.location),
        applies: None,
        requirements: Vec::new(),
        nothing_checked: false,
        supported_by: Vec::new(),
        justification: None,
        waiver: None,
    };
    if let Some(x) = &parts.exclusion {
        result.outcome = Outcome::Excluded;
        result.message = format!("excluded: {}", x.justification);
        result.justification = Some(x.justification.clone());
        return result;
    }
    if let Some(b) = &check.applies_broken {
        result.outcome = Outcome::Error;
        result.message = format!("applicability: {}", broken_message(env, b));
        return result;
    }
    if let Some((expr, slots)) = &check.applies {
        let mut ev = Eval::for_part(env, *slots, 0, expr);
        ev.within(allowance.saturating_sub(*spent));
        let (t, ex) = ev.cond(expr);
        *spent = spent.saturating_add(ev.spent());
        let invalid = ev.invalid.take();
        let msg = summary(
            env.model,
            &ex,
            Outcome::Fail,
            invalid.as_ref(),
            env.max_steps,
        );
        result.applies = Some(ex);
        match (t, invalid) {
            (_, Some(_)) => {
                result.outcome = Outcome::Error;
                result.message = format!("applicability: {msg}");
                return result;
            }
            (Truth::False, None) => {
                result.outcome = Outcome::NotApplicable;
                result.message = format!("not applicable: `{}` is false", expr.text);
                return result;
            }
            (Truth::Unknown, None) => {
                result.outcome = Outcome::Fail;
                result.message = format!("applicability {msg}");
                return apply_waiver(env, parts, result);
            }
            (Truth::True, None) => {}
        }
    }
    for (i, req) in check.requires.iter().enumerate() {
        if let Some(b) = &req.broken {
            let message = broken_message(env, b);
            let mut explanation = explain(&req.expr, Truth::Unknown);
            explanation.detail = Some(message.clone());
            result.requirements.push(RequirementResult {
                name: req.name.clone(),
                outcome: Outcome::Error,
                message,
                location: (env.locate_rule)(&req.location),
                nothing_checked: false,
                practice: req.practice,
                attested: req.attested,
                attestation: None,
                evidence: Vec::new(),
                explanation: Arc::new(explanation),
            });
            continue;
        }
        let mut ev = Eval::for_part(env, req.slots, i + 1, &req.expr);
        ev.within(allowance.saturating_sub(*spent));
        let (t, ex) = ev.cond(&req.expr);
        *spent = spent.saturating_add(ev.spent());
        // A value that failed validation is no evidence either way: whatever the rest
        // decided, a requirement that read one is an error.
        let outcome = match (&ev.invalid, t) {
            (Some(_), _) => Outcome::Error,
            (None, Truth::True) if req.attested => Outcome::Attested,
            (None, Truth::True) => Outcome::Pass,
            (None, _) => Outcome::Fail,
        };
        let mut message = summary(
            env.model,
            &ex,
            outcome,
            if outcome == Outcome::Error {
                ev.invalid.as_ref()
            } else {
                None
            },
            env.max_steps,
        );
        let nothing_checked =
            outcome == Outcome::Pass && !ev.leaves.is_empty() && ev.leaf_seen == 0;
        if req.attested {
            message = attested_message(&ex, outcome, message);
        } else if nothing_checked {
            message = format!(
                "nothing to check: no {} recorded",
                leaf_collections(env.model, &req.expr).join(" or ")
            );
        }
        let attestation = if outcome == Outcome::Attested {
            attestation_info(env, &ex)
        } else {
            None
        };
        if let Some(a) = &attestation {
            message = format!(
                "attested by {}{} on {}, until {} ({})",
                crate::evidence::clip(&a.attested_by),
                a.role
                    .as_ref()
                    .map(|r| format!(" ({})", crate::evidence::clip(r)))
                    .unwrap_or_default(),
                a.attested_on,
                a.valid_until,
                crate::evidence::clip(&a.id)
            );
        }
        result.requirements.push(RequirementResult {
            name: req.name.clone(),
            outcome,
            message,
            location: (env.locate_rule)(&req.location),
            nothing_checked,
            practice: req.practice,
            attested: req.attested,
            attestation,
            evidence: Vec::new(),
            explanation: Arc::new(ex),
        });
    }
    for rule in &parts.supporters {
        if let Some(outcome) = supporting(rule) {
            result.supported_by.push(SupportResult {
                rule: rule.clone(),
                outcome,
            });
        }
    }
    let outcomes =
        result
            .requirements
            .iter()
            .map(|r| r.outcome)
            .chain(result.supported_by.iter().map(|s| match s.outcome {
                Outcome::Fail => Outcome::Fail,
                Outcome::Error => Outcome::Error,
                // A rule met by attestation leaves its control self-declared too.
                Outcome::Attested => Outcome::Attested,
                _ => Outcome::Pass,
            }));
    result.outcome = outcomes.fold(Outcome::Pass, |acc, o| match (acc, o) {
        (Outcome::Error, _) | (_, Outcome::Error) => Outcome::Error,
        (Outcome::Fail, _) | (_, Outcome::Fail) => Outcome::Fail,
        (Outcome::Attested, _) | (_, Outcome::Attested) => Outcome::Attested,
        _ => Outcome::Pass,
    });
    let failing: Vec<&RequirementResult> = result
        .requirements
        .iter()
        .filter(|r| !r.outcome.is_met())
        .collect();
    let failing_rules: Vec<&SupportResult> = result
        .supported_by
        .iter()
        .filter(|s| matches!(s.outcome, Outcome::Fail | Outcome::Error))
        .collect();
    result.nothing_checked = result.outcome == Outcome::Pass
        && !result.requirements.is_empty()
        && result.requirements.iter().all(|r| r.nothing_checked)
        && result.supported_by.is_empty();
    result.message = match (failing.first(), failing_rules.first()) {
        (Some(r), _) => format!("{}: {}", r.name, r.message),
        (None, Some(s)) => format!("supporting rule `{}` {}", s.rule, s.outcome.as_str()),
        (None, None) => {
            let n = result.requirements.len() + result.supported_by.len();
            match result.requirements.as_slice() {
                [only] if n == 1 => format!("{}: {}", only.name, only.message),
                _ => {
                    let empty = result
                        .requirements
                        .iter()
                        .filter(|r| r.nothing_checked)
                        .count();
                    match (empty, result.requirements.first()) {
                        (0, _) => match result
                            .requirements
                            .iter()
                            .filter(|r| r.outcome == Outcome::Attested)
                            .count()
                        {
                            0 => format!("all {n} requirements hold"),
                            a => format!("all {n} requirements hold ({a} by attestation)"),
                        },
                        (e, Some(first)) if e == n => first.message.clone(),
                        (e, _) => format!("all {n} requirements hold ({e} with nothing to check)"),
                    }
                }
            }
        }
    };
    apply_waiver(env, parts, result)
}

/// The message of an attested requirement: who attested it and until when, or why no
/// attestation holds. The condition aimsc wrote is in the explanation, not repeated here.
fn attested_message(ex: &Explanation, outcome: Outcome, summary: String) -> String {
    let records = ex.records.as_ref();
    match outcome {
        Outcome::Attested => match records.and_then(|r| r.findings.first()) {
            Some(f) => format!("attested: {}", f.record),
            None => "attested".to_string(),
        },
        Outcome::Fail => match records {
            Some(r) if r.in_scope == 0 => {
                "no attestation on record: a named person attests it in `attestations`, with a justification and an end date".to_string()
            }
            Some(r) => match r.nearest.first() {
                Some(f) => format!("{} does not hold: {}", f.record, attestation_flaw(&f.explanation)),
                None => format!("no attestation holds ({} on record)", r.in_scope),
            },
            None => summary,
        },
        _ => summary,
    }
}

/// The attestation that decided an attested requirement: the first record its `any` found.
fn attestation_info(env: &Env<'_>, ex: &Explanation) -> Option<AttestationInfo> {
    let path = &ex.records.as_ref()?.findings.first()?.record;
    let id = path.strip_suffix(']')?.split_once("[id=")?.1;
    let rec = env.facts.by_id(
        &Arc::from(crate::evidence::ATTESTATION_RECORD),
        &Arc::from(id),
    )?;
    let rt = env.model.records.get(crate::evidence::ATTESTATION_RECORD)?;
    let get = |name: &str| rt.fields.get_index_of(name).and_then(|i| rec.fields.get(i));
    let text = |name: &str| match get(name) {
        Some(FactValue::Str(s)) => Some(s.clone()),
        Some(FactValue::Ref(r)) => Some(r.id.clone()),
        _ => None,
    };
    let date = |name: &str| match get(name) {
        Some(FactValue::Date(d)) => Some(d.to_string()),
        _ => None,
    };
    Some(AttestationInfo {
        id: rec.id.clone()?,
        attested_by: text("attested_by")?,
        role: text("role"),
        attested_on: date("attested_on")?,
        valid_until: date("valid_until")?,
        evidence: text("evidence"),
        at: env.facts.locate(rec.file, rec.span),
    })
}

/// Why an attestation does not hold, from the first part of its condition that failed.
fn attestation_flaw(ex: &Explanation) -> String {
    let mut leaf = ex;
    while let Some(c) = leaf.children.iter().find(|c| c.result != Truth::True) {
        leaf = c;
    }
    let detail = leaf.detail.as_deref().unwrap_or("");
    let e = &*leaf.expr;
    if e.starts_with("a.attested_by") {
        "it names no person (`attested_by`)".to_string()
    } else if e.starts_with("a.justification") {
        "it gives no justification".to_string()
    } else if e.starts_with("a.valid_until >= today") {
        format!("it has expired ({detail})")
    } else if e.starts_with("a.valid_until <=") {
        format!("it is given for longer than `attestation_max_validity` allows ({detail})")
    } else {
        format!(
            "`{e}` is {}",
            match leaf.result {
                Truth::False => "false",
                _ => "unknown",
            }
        )
    }
}

/// How the message of a requirement whose rule does not check begins.
pub const BROKEN_RULE_MESSAGE: &str = "the rule does not check";

/// The message of a requirement (or applicability) whose rule does not check: the rule's
/// diagnostic and its file (the diagnostic itself, printed with the others, has the line). It
/// names no fact: the facts are not at fault.
pub(super) fn broken_message(env: &Env<'_>, b: &crate::model::Broken) -> String {
    let at = match b.location.as_ref() {
        Some(l) => match (env.locate_rule)(l) {
            Some(l) => format!(" at {}:{}:{}", l.file, l.line, l.column),
            // The file's name alone: an editor's paths are absolute, and the diagnostic
            // itself carries the place.
            None => format!(
                " in {}",
                l.file.rsplit(['/', '\\']).next().unwrap_or(&l.file)
            ),
        },
        None => String::new(),
    };
    format!("{BROKEN_RULE_MESSAGE}: {} ({}{at})", b.message, b.code)
}

pub(super) fn apply_waiver(
    env: &Env<'_>,
    parts: &CheckParts,
    mut result: CheckResult,
) -> CheckResult {
    if let Some(w) = &parts.waiver {
        let expired = w.until < env.today;
        result.waiver = Some(WaiverInfo {
            until: w.until.to_string(),
            owner: w.owner.clone(),
            justification: w.justification.clone(),
            expired,
        });
        if !expired && matches!(result.outcome, Outcome::Fail | Outcome::Error) {
            result.outcome = Outcome::Waived;
            result.message = format!(
                "waived until {} (owner {}): {}",
                w.until, w.owner, result.message
            );
        } else if expired && result.outcome == Outcome::Fail {
            result.message = format!("{} (waiver expired {})", result.message, w.until);
        }
    }
    result
}
