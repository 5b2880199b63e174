//! Bounds on what facts may hold. A facts file over a bound is refused with a located
//! diagnostic instead of exhausting memory or time further down.

/// Deepest nesting of mappings and lists in a facts file. Fixed rather than configurable: it
/// guards the stack of every recursive walk of the facts, and real facts nest a few levels.
pub const MAX_DEPTH: usize = 64;

/// The configurable bounds on facts. The defaults are far above any real organisation's
/// facts; embedders taking facts from untrusted callers may lower them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limits {
    /// Largest facts file, in bytes.
    pub max_file_bytes: usize,
    /// Most elements in one list of a facts file, and most record files in one collection
    /// folder.
    pub max_records: usize,
    /// Longest string value or mapping key, in bytes.
    pub max_string_bytes: usize,
    /// Most YAML alias expansions (`*name`) in one file: the defence against alias bombs.
    pub max_yaml_aliases: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_file_bytes: 256 * 1024 * 1024,
            max_records: 1_000_000,
            max_string_bytes: 1024 * 1024,
            max_yaml_aliases: 10_000,
        }
    }
}

/// A byte count for messages: `12 MiB`, `3 KiB` or `17 bytes`.
pub fn show_bytes(n: usize) -> String {
    if n >= 1024 * 1024 && n.is_multiple_of(1024 * 1024) {
        format!("{} MiB", n / (1024 * 1024))
    } else if n >= 1024 * 1024 {
        format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0))
    } else if n >= 1024 && n.is_multiple_of(1024) {
        format!("{} KiB", n / 1024)
    } else {
        format!("{n} bytes")
    }
}
