//! Steps: the requirement's and the run's budgets, and the interrupt of a server's deadline.

use super::*;

thread_local! {
    /// The interrupt flag of the evaluation running on this thread (see [`with_interrupt`]).
    static INTERRUPT: std::cell::RefCell<Option<Arc<std::sync::atomic::AtomicBool>>> =
        const { std::cell::RefCell::new(None) };
}

/// How many steps pass between two looks at the interrupt flag.
pub(super) const INTERRUPT_EVERY: u64 = 4096;

/// Runs `f` on this thread with `flag` as its interrupt: once another thread sets it, every
/// evaluation `f` runs stops within a few thousand steps, as if over its step budget. Results
/// computed after the flag is set are cut short: whoever sets it must discard them (and any
/// cache that holds them, such as the engine's database).
pub fn with_interrupt<T>(flag: Arc<std::sync::atomic::AtomicBool>, f: impl FnOnce() -> T) -> T {
    let previous = INTERRUPT.with(|i| i.replace(Some(flag)));
    let out = f();
    INTERRUPT.with(|i| *i.borrow_mut() = previous);
    out
}

/// The interrupt flag this thread evaluates under, to hand to the threads it starts.
pub fn current_interrupt() -> Option<Arc<std::sync::atomic::AtomicBool>> {
    INTERRUPT.with(|i| i.borrow().clone())
}

pub(super) fn interrupted() -> bool {
    INTERRUPT.with(|i| {
        i.borrow()
            .as_ref()
            .is_some_and(|f| f.load(std::sync::atomic::Ordering::Relaxed))
    })
}

/// How the message of a requirement stopped by the step budget begins.
pub const STEP_LIMIT_MESSAGE: &str = "evaluation stopped at the step limit";

/// The marker an exhausted evaluator records in place of an invalid fact's path.
pub(super) const OVER_BUDGET: &str = "\u{0}max-steps";

/// The marker of an evaluator stopped because the run's budget (`max-run-steps`) is spent.
pub(super) const OVER_RUN: &str = "\u{0}max-run-steps";

/// How the message of a requirement left unevaluated by the run's step budget begins.
pub const RUN_LIMIT_MESSAGE: &str = "not evaluated: the run's step budget is spent";

/// No bound from the run's budget (see [`evaluate_parts_within`]).
pub const UNBOUNDED: u64 = u64::MAX;

/// Whether a result is an error because the run's step budget was spent before or while it
/// was evaluated.
pub fn hit_run_limit(r: &CheckResult) -> bool {
    let stopped = |m: &str| m.contains(RUN_LIMIT_MESSAGE);
    r.requirements
        .iter()
        .any(|q| q.outcome == Outcome::Error && stopped(&q.message))
        || (r.outcome == Outcome::Error && stopped(&r.message))
}

/// Whether a result is an error because a requirement ran out of evaluation steps.
pub fn hit_step_limit(r: &CheckResult) -> bool {
    let stopped = |m: &str| m.starts_with(STEP_LIMIT_MESSAGE);
    r.requirements
        .iter()
        .any(|q| q.outcome == Outcome::Error && stopped(&q.message))
        || (r.outcome == Outcome::Error
            && r.message
                .strip_prefix("applicability: ")
                .is_some_and(stopped))
}
