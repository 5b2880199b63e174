//! The resource limits of one project: the facts limits and the evaluation step budget, as
//! set in `aims.toml`'s `[limits]` table, by `--limit NAME=VALUE` or by an embedder.

use serde::Deserialize;

/// Every configurable limit. The defaults are far above real organisations' rules and facts;
/// `aimsc serve` and embedders taking input from untrusted callers may lower them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Limits {
    /// Largest facts file, in bytes.
    pub max_file_bytes: usize,
    /// Most elements in one list of a facts file, and most record files in one collection
    /// folder.
    pub max_records: usize,
    /// Longest string value or mapping key in the facts, in bytes.
    pub max_string_bytes: usize,
    /// Most YAML alias expansions in one facts file.
    pub max_yaml_aliases: usize,
    /// Most evaluation steps (expressions evaluated, records visited) for one requirement,
    /// and for one chunk of records of a quantifier evaluated apart. A requirement over the
    /// budget is an error, and the run exits 2.
    pub max_steps: u64,
    /// Most evaluation steps one whole evaluation (a CLI run, a server request) takes over
    /// all its checks: past it, the checks left are errors, and the run exits 2. The run stops
    /// within one requirement's budget of it.
    pub max_run_steps: u64,
    /// Longest a waiver may run past the as-of date, in months, before it is warned of:
    /// a waiver accepts a risk for a time, not for good.
    pub max_waiver_months: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        let facts = aimsc_facts::Limits::default();
        Limits {
            max_file_bytes: facts.max_file_bytes,
            max_records: facts.max_records,
            max_string_bytes: facts.max_string_bytes,
            max_yaml_aliases: facts.max_yaml_aliases,
            max_steps: aimsc_eval::evaluate::DEFAULT_MAX_STEPS,
            max_run_steps: aimsc_eval::evaluate::DEFAULT_MAX_RUN_STEPS,
            max_waiver_months: 12,
        }
    }
}

/// The names `--limit` and `[limits]` accept, for help and "did you mean".
pub const LIMIT_NAMES: [&str; 7] = [
    "max-file-bytes",
    "max-records",
    "max-string-bytes",
    "max-yaml-aliases",
    "max-steps",
    "max-run-steps",
    "max-waiver-months",
];

impl Limits {
    /// The facts loader's part.
    pub fn facts(&self) -> aimsc_facts::Limits {
        aimsc_facts::Limits {
            max_file_bytes: self.max_file_bytes,
            max_records: self.max_records,
            max_string_bytes: self.max_string_bytes,
            max_yaml_aliases: self.max_yaml_aliases,
        }
    }

    /// Sets one limit from `NAME=VALUE` (a name of [`LIMIT_NAMES`], a positive integer).
    pub fn set(&mut self, setting: &str) -> Result<(), String> {
        let (name, value) = setting
            .split_once('=')
            .ok_or_else(|| format!("`{setting}` is not NAME=VALUE"))?;
        let (name, value) = (name.trim(), value.trim().replace('_', ""));
        let n: u64 = value
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("`{value}` is not a positive whole number"))?;
        let size = usize::try_from(n).unwrap_or(usize::MAX);
        match name {
            "max-file-bytes" => self.max_file_bytes = size,
            "max-records" => self.max_records = size,
            "max-string-bytes" => self.max_string_bytes = size,
            "max-yaml-aliases" => self.max_yaml_aliases = size,
            "max-steps" => self.max_steps = n,
            "max-run-steps" => self.max_run_steps = n,
            "max-waiver-months" => self.max_waiver_months = n,
            _ => {
                let hint = aimsc_diagnostics::did_you_mean(name, LIMIT_NAMES.iter().copied())
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                return Err(format!(
                    "unknown limit `{name}`{hint} (limits: {})",
                    LIMIT_NAMES.join(", ")
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_change_one_limit_and_refuse_nonsense() {
        let mut l = Limits::default();
        assert_eq!(l.set("max-steps=1_000"), Ok(()));
        assert_eq!(l.max_steps, 1000);
        assert_eq!(l.max_records, Limits::default().max_records);
        assert!(l.set("max-steps=0").is_err());
        assert!(l.set("max-steps").is_err());
        let err = l.set("max-record=5").err().unwrap_or_default();
        assert!(err.contains("did you mean `max-records`"), "{err}");
    }
}
