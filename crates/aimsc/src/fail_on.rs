//! Which outcomes fail a build: `--fail-on` of `aimsc eval`.

use aimsc_eval::outcome::{CheckResult, Outcome};
use std::fmt;
use std::str::FromStr;

/// The conditions under which an evaluation fails a build. The default fails on `fail` and
/// `error` outcomes; a failing control under an expired waiver is a `fail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailOn {
    /// A requirement does not hold.
    pub fail: bool,
    /// The facts a control reads are invalid.
    pub error: bool,
    /// A control fails under an unexpired waiver.
    pub waived: bool,
    /// A control has an expired waiver, whatever its outcome.
    pub expired_waiver: bool,
    /// A control passes with nothing to check: no record of what it is about.
    pub nothing_checked: bool,
    /// A control is met with a requirement by attestation: self-declared, not shown by facts.
    pub attested: bool,
    /// A control met at the baseline (`--baseline`) now fails, errs or is waived
    /// ([`crate::history::is_regression`]); judged against a baseline, not by [`FailOn::fails`].
    pub regression: bool,
}

impl Default for FailOn {
    fn default() -> Self {
        FailOn {
            fail: true,
            error: true,
            waived: false,
            expired_waiver: false,
            nothing_checked: false,
            attested: false,
            regression: false,
        }
    }
}

impl FailOn {
    /// The names `--fail-on` accepts.
    pub const NAMES: [&'static str; 8] = [
        "fail",
        "error",
        "waived",
        "expired-waiver",
        "nothing-checked",
        "attested",
        "regression",
        "none",
    ];

    /// Nothing fails the build.
    pub fn none() -> FailOn {
        FailOn {
            fail: false,
            error: false,
            waived: false,
            expired_waiver: false,
            nothing_checked: false,
            attested: false,
            regression: false,
        }
    }

    /// Whether this result fails the build.
    pub fn fails(&self, r: &CheckResult) -> bool {
        let expired = r.waiver.as_ref().is_some_and(|w| w.expired);
        (self.fail && r.outcome == Outcome::Fail)
            || (self.error && r.outcome == Outcome::Error)
            || (self.waived && r.outcome == Outcome::Waived)
            || (self.expired_waiver && expired)
            || (self.nothing_checked && r.nothing_checked)
            || (self.attested && r.outcome == Outcome::Attested)
    }
}

/// A `--fail-on` value that names no condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailOnParseError(pub String);

impl fmt::Display for FailOnParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a condition; use a comma-separated list of {}",
            self.0,
            FailOn::NAMES.join(", ")
        )
    }
}

impl std::error::Error for FailOnParseError {}

impl FromStr for FailOn {
    type Err = FailOnParseError;

    /// A comma-separated list, e.g. `error` or `fail,error,expired-waiver`.
    fn from_str(s: &str) -> Result<FailOn, FailOnParseError> {
        let mut f = FailOn::none();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "fail" => f.fail = true,
                "error" => f.error = true,
                "waived" => f.waived = true,
                "expired-waiver" | "expired_waiver" => f.expired_waiver = true,
                "nothing-checked" | "nothing_checked" => f.nothing_checked = true,
                "attested" => f.attested = true,
                "regression" => f.regression = true,
                "none" => {}
                other => return Err(FailOnParseError(other.to_string())),
            }
        }
        Ok(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists() {
        assert_eq!("fail,error".parse(), Ok(FailOn::default()));
        assert_eq!("none".parse(), Ok(FailOn::none()));
        let only_error: FailOn = "error".parse().unwrap_or_default();
        assert!(only_error.error && !only_error.fail);
        assert!("fail,typo".parse::<FailOn>().is_err());
    }
}
