//! Facts files to a value tree with spans.
//!
//! YAML is read with serde-saphyr (panic-free, with budgets against alias bombs and deep
//! nesting), its common shape straight from the events of serde-saphyr's parser (`yaml.rs`),
//! JSON with this crate's own strict reader (see `json.rs` for why), TOML with the
//! `toml` crate's spanned document API. Every
//! [`Value`] records which file it came from and its byte span there, so explanations and
//! reports can point at the exact line.
//!
//! # Folder rule
//!
//! `--facts DIR` merges a folder like this:
//! - every `*.yaml`, `*.yml`, `*.json` or `*.toml` file directly in `DIR` holds a mapping whose
//!   keys become root facts (the same key in two files is an error, except lists, which are
//!   concatenated in file-name order);
//! - every subfolder `DIR/<name>/` is the collection `<name>`: each file in it is one record,
//!   appended to the list `<name>` in file-name order (after any elements from root files).
//!
//! Other files (README.md, dotfiles) are ignored.

mod folder;
mod json;
mod limits;
mod parse;
mod value;
mod yaml;

pub use folder::{Discovered, FactSource, SourceRole, discover, merge};
pub use limits::{Limits, MAX_DEPTH, show_bytes};
pub use parse::{Format, parse_file, too_large};
pub use value::{Entry, Map, Value, ValueKind};

/// A YAML text read both ways: the direct reader of the common shape (`None` when it left
/// the file to serde-saphyr) and serde-saphyr. For the `yaml` fuzz target and the tests that
/// hold the two to the same values; not part of the API.
#[doc(hidden)]
pub fn yaml_both(
    path: &std::sync::Arc<str>,
    text: &str,
    limits: &Limits,
) -> (Option<Value>, Result<Value, aimsc_diagnostics::Diagnostic>) {
    let ctx = parse::Ctx {
        path: path.clone(),
        file: 0,
        text,
        limits: *limits,
    };
    (yaml::read(&ctx), parse::saphyr(&ctx, text))
}
