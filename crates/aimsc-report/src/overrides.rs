//! What the organisation changed about the rules it is judged by: params set away from their
//! defaults, exclusions and waivers. Every report lists them, so that no verdict rests on an
//! override a reader cannot see.

use aimsc_diagnostics::Location;
use aimsc_eval::crosswalk::natural_cmp;
use aimsc_eval::model::Model;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A place in a rule file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct At {
    /// File path.
    pub file: Arc<str>,
    /// 1-based line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

impl std::fmt::Display for At {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}", self.file),
            None => f.write_str(&self.file),
        }
    }
}

/// A param set away from its default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamOverride {
    /// The param.
    pub name: Arc<str>,
    /// Its declared default, as written.
    pub default: Arc<str>,
    /// The value in force, as written.
    pub value: Arc<str>,
    /// Whether the value weakens the default (toward a declared bound).
    pub weakened: bool,
    /// The `set`.
    pub at: At,
}

/// An excluded control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExclusionRecord {
    /// The control.
    pub control: Arc<str>,
    /// Why.
    pub justification: Arc<str>,
    /// The `exclude`.
    pub at: At,
}

/// A waived control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaiverRecord {
    /// The control.
    pub control: Arc<str>,
    /// Last day it holds.
    pub until: String,
    /// Who is accountable.
    pub owner: Arc<str>,
    /// Why.
    pub justification: Arc<str>,
    /// Whether it had ended by the as-of date.
    pub expired: bool,
    /// The `waive`.
    pub at: At,
}

/// Every override of an evaluation, in declaration order of params and by control id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overrides {
    /// Params set away from their defaults.
    pub params: Vec<ParamOverride>,
    /// Exclusions.
    pub exclusions: Vec<ExclusionRecord>,
    /// Waivers.
    pub waivers: Vec<WaiverRecord>,
}

impl Overrides {
    /// The overrides of a checked model as of `as_of`; `locate` gives a rule location's
    /// (line, column).
    pub fn of(
        model: &Model,
        as_of: Date,
        locate: &dyn Fn(&Location) -> Option<(usize, usize)>,
    ) -> Overrides {
        let at = |l: &Location| At {
            file: l.file.clone(),
            line: locate(l).map(|(line, _)| line),
        };
        let params = model
            .params
            .values()
            .filter_map(|p| {
                let set = p.set_at.as_ref()?;
                (p.value != p.default || p.weakened).then(|| ParamOverride {
                    name: p.name.clone(),
                    default: p.default.clone(),
                    value: p.value.clone(),
                    weakened: p.weakened,
                    at: at(set),
                })
            })
            .collect();
        let mut exclusions: Vec<ExclusionRecord> = model
            .exclusions
            .values()
            .map(|x| ExclusionRecord {
                control: x.target.clone(),
                justification: x.justification.clone(),
                at: at(&x.location),
            })
            .collect();
        exclusions.sort_by(|a, b| natural_cmp(&a.control, &b.control));
        let mut waivers: Vec<WaiverRecord> = model
            .waivers
            .values()
            .map(|w| WaiverRecord {
                control: w.target.clone(),
                until: w.until.to_string(),
                owner: w.owner.clone(),
                justification: w.justification.clone(),
                expired: w.until < as_of,
                at: at(&w.location),
            })
            .collect();
        waivers.sort_by(|a, b| natural_cmp(&a.control, &b.control));
        Overrides {
            params,
            exclusions,
            waivers,
        }
    }

    /// Whether there is nothing to list.
    pub fn is_empty(&self) -> bool {
        self.params.is_empty() && self.exclusions.is_empty() && self.waivers.is_empty()
    }

    /// One line per override, for the text report and the SoA.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for p in &self.params {
            out.push(format!(
                "set {} = {} (default {}){} at {}",
                p.name,
                p.value,
                p.default,
                if p.weakened {
                    " — weakens the default"
                } else {
                    ""
                },
                p.at
            ));
        }
        for x in &self.exclusions {
            out.push(format!(
                "exclude {} at {}: {}",
                x.control, x.at, x.justification
            ));
        }
        for w in &self.waivers {
            out.push(format!(
                "waive {} until {}{} (owner {}) at {}: {}",
                w.control,
                w.until,
                if w.expired { ", expired" } else { "" },
                w.owner,
                w.at,
                w.justification
            ));
        }
        out
    }
}
