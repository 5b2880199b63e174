//! The editor benchmarks' workspace: the `northbank` example with generated rules and copies
//! of its AI system. Shared by `lsp_latency` (the real server) and `aimsc-bench`'s
//! `edit-times` (the same work in process).

use std::path::Path;

/// Generated organisation rules: `n` rules of ten lines each, reading the AI systems.
pub fn org_rules(n: usize) -> String {
    let mut s =
        String::from("// Generated benchmark rules.\nframework bench \"Benchmark rules\"\n\n");
    for i in 0..n {
        s.push_str(&format!(
            "rule bench::r{i} \"Benchmark rule {i}\" supports iso42001::A.6.2.4 {{\n  \
             all s in ai_systems where in_use(s) and s.risk_tier == high:\n    \
             s.verification.passed\n    \
             and s.owner != \"nobody-{i}\"\n    \
             and count(s.datasets) >= 1\n    \
             and (s.monitoring.last_review is set\n      \
             or s.lifecycle != operation)\n    \
             and s.id != \"\"\n\
             }}\n\n"
        ));
    }
    s
}

/// Copies the folder `from` into `to`, recursively.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The `northbank` example (shipped rulesets from `@aimsc`, its own rules, facts, evidence
/// documents) with the generated organisation rules beside its own and `systems` copies of its
/// AI system. Returns the lines of rules in the workspace.
pub fn write_workspace(root: &Path, systems: usize) -> usize {
    let _ = std::fs::remove_dir_all(root);
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let northbank = repo.join("tests/orgs/northbank");
    copy_tree(&northbank, root);
    let rules_dir = root.join("rules");
    let mut lines: usize = aimsc::rulesets::FILES
        .iter()
        .map(|(_, text)| text.lines().count())
        .sum();
    let own = org_rules(260);
    lines += own.lines().count();
    std::fs::write(rules_dir.join("org.aims"), &own).unwrap();
    lines += std::fs::read_to_string(rules_dir.join("northbank.aims"))
        .unwrap()
        .lines()
        .count();
    let facts = root.join("facts");
    let system =
        std::fs::read_to_string(northbank.join("facts/ai_systems/credit-score.yaml")).unwrap();
    for i in 1..systems {
        let id = format!("model-{i:05}");
        let text = system
            .replacen("id: credit-score", &format!("id: {id}"), 1)
            .replace("id: IA-7", &format!("id: IA-G{i}"));
        std::fs::write(facts.join(format!("ai_systems/{id}.yaml")), text).unwrap();
    }
    lines
}
