//! The rulesets shipped with aimsc, compiled into the binary so that `rules = ["@aimsc"]` in
//! `aims.toml` works wherever aimsc is installed. The files are the ones under `rulesets/` in the
//! repository; a test keeps this list and that folder in step.

/// The name that stands for the shipped rulesets in `aims.toml` and on the command line.
pub const PREFIX: &str = "@aimsc";

/// Every shipped rule file: (display path, text), sorted by path.
pub const FILES: &[(&str, &str)] = &[
    (
        "@aimsc/crosswalks/eu_ai_act.aims",
        include_str!("../../../rulesets/crosswalks/eu_ai_act.aims"),
    ),
    (
        "@aimsc/crosswalks/iso27001.aims",
        include_str!("../../../rulesets/crosswalks/iso27001.aims"),
    ),
    (
        "@aimsc/crosswalks/iso27701.aims",
        include_str!("../../../rulesets/crosswalks/iso27701.aims"),
    ),
    (
        "@aimsc/crosswalks/nist_ai_rmf.aims",
        include_str!("../../../rulesets/crosswalks/nist_ai_rmf.aims"),
    ),
    (
        "@aimsc/eu_ai_act/articles.aims",
        include_str!("../../../rulesets/eu_ai_act/articles.aims"),
    ),
    (
        "@aimsc/eu_ai_act/catalog.aims",
        include_str!("../../../rulesets/eu_ai_act/catalog.aims"),
    ),
    (
        "@aimsc/evidence/evidence.aims",
        include_str!("../../../rulesets/evidence/evidence.aims"),
    ),
    (
        "@aimsc/iso27001/catalog.aims",
        include_str!("../../../rulesets/iso27001/catalog.aims"),
    ),
    (
        "@aimsc/iso27701/catalog.aims",
        include_str!("../../../rulesets/iso27701/catalog.aims"),
    ),
    (
        "@aimsc/iso42001/annex_a.aims",
        include_str!("../../../rulesets/iso42001/annex_a.aims"),
    ),
    (
        "@aimsc/iso42001/clauses.aims",
        include_str!("../../../rulesets/iso42001/clauses.aims"),
    ),
    (
        "@aimsc/iso42001/defs.aims",
        include_str!("../../../rulesets/iso42001/defs.aims"),
    ),
    (
        "@aimsc/iso42001/params.aims",
        include_str!("../../../rulesets/iso42001/params.aims"),
    ),
    (
        "@aimsc/iso42001/schema.aims",
        include_str!("../../../rulesets/iso42001/schema.aims"),
    ),
    (
        "@aimsc/nist_ai_rmf/catalog.aims",
        include_str!("../../../rulesets/nist_ai_rmf/catalog.aims"),
    ),
];

/// The shipped files whose display path is `name` or lies under it (`@aimsc`, `@aimsc/iso42001`).
pub fn select(name: &str) -> Vec<(&'static str, &'static str)> {
    let name = name.trim_end_matches('/');
    let under = |path: &str, name: &str| {
        path == name
            || path
                .strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    let mut out: Vec<(&'static str, &'static str)> = FILES
        .iter()
        .filter(|(path, _)| under(path, name))
        .copied()
        .collect();
    // The shipped schema refers to the standard evidence record: it comes along.
    if out.iter().any(|(p, _)| *p == SCHEMA) && !out.iter().any(|(p, _)| *p == EVIDENCE) {
        out.extend(FILES.iter().filter(|(p, _)| *p == EVIDENCE).copied());
        out.sort_by(|a, b| a.0.cmp(b.0));
    }
    out
}

/// The shipped fact schema.
const SCHEMA: &str = "@aimsc/iso42001/schema.aims";
/// The standard evidence record, which the schema refers to.
const EVIDENCE: &str = "@aimsc/evidence/evidence.aims";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_list_matches_the_rulesets_folder() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rulesets");
        let mut on_disk = Vec::new();
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "aims") {
                    let rel = path
                        .strip_prefix(&root)
                        .map(|p| p.to_string_lossy().into_owned());
                    on_disk.push(format!("{PREFIX}/{}", rel.unwrap_or_default()));
                }
            }
        }
        on_disk.sort();
        let embedded: Vec<String> = FILES.iter().map(|(p, _)| p.to_string()).collect();
        assert_eq!(
            embedded, on_disk,
            "regenerate the FILES list in crates/aimsc-rulesets"
        );
    }

    #[test]
    fn select_takes_whole_path_segments() {
        assert_eq!(select("@aimsc").len(), FILES.len());
        assert!(
            select("@aimsc/iso42001")
                .iter()
                .all(|(p, _)| p.starts_with("@aimsc/iso42001/") || *p == EVIDENCE),
            "the schema brings the evidence record along, and nothing else"
        );
        assert_eq!(select("@aimsc/evidence").len(), 1);
        assert!(!select("@aimsc/iso42001").is_empty());
        assert!(select("@aimsc/iso4200").is_empty());
    }
}
