//! `aimsc init`: a new organisation that evaluates at once, whose failures say what to fill in.

use crate::cli::InitArgs;
use aimsc::diagnostics::Diagnostic;
use std::path::{Path, PathBuf};

const AIMS_TOML: &str = r#"# aimsc project: the shipped rulesets plus your own, and your facts.
rules = ["@aimsc", "rules"]
facts = "facts"
"#;

const RULES: &str = r#"// Your organisation's own rules, evaluated together with the shipped rulesets (`@aimsc`).
// `aimsc explain iso42001::A.2.2` shows what a control checks; `aimsc explain --schema` the facts.

framework org "Our own AI governance rules"

// Name the owner of a control; the Statement of Applicability shows it.
assign iso42001::A.2.2 to "Head of AI governance"

// A rule of your own that supports an ISO/IEC 42001 control: the control fails if it fails.
rule org::systems_have_owner_roles "Every AI system's owner has a role" supports iso42001::A.3.2 {
  all s in ai_systems: s.owner.role is set
}

// Tighten a review cycle (`aimsc explain --params` lists them all):
// set policy_review_period = 6 months

// Exclude an Annex A control that does not apply, with the justification auditors will read:
// exclude iso42001::A.10.4 "We supply no AI systems to customers."

// Waive a control until a date, with an accountable owner and a reason:
// waive iso42001::A.6.2.8 until 2027-03-31 owner "CISO" "Event logging is being rolled out."
"#;

const ORGANISATION: &str = r#"# The organisation and its people. Fill in what `aimsc eval` reports as missing.
organisation:
  name: Example Ltd
  supplies_ai_to_customers: false
  eu_market: true

people:
  - id: owner
    name: Alex Example
    role: Head of AI governance
    top_management: true

# A policy whose approved text is kept as evidence (facts/evidence/EV-1.yaml names the file
# and its digest). Edit evidence/ai-policy.md, then record it again:
#   aimsc evidence add evidence/ai-policy.md --id EV-1 --issued YYYY-MM-DD
policies:
  - id: ai-policy
    title: AI policy
    kind: ai_policy
    owner: owner
    evidence: EV-1

# What no record shows (leadership commitment, 5.1; awareness, 7.3) is attested by a named
# person, with a justification, for at most 12 months. Reports count it apart, as attested.
# attestations:
#   - id: AT-1
#     control: "iso42001::5.1"
#     statement: Top management leads the AIMS and funds it.
#     attested_by: Alex Example
#     role: Head of AI governance
#     attested_on: YYYY-MM-DD
#     valid_until: YYYY-MM-DD
#     justification: What you saw, did or decided that lets you say so.
"#;

const POLICY_DOCUMENT: &str = r#"# AI policy (example)

Replace this text with your approved AI policy, then record it with `aimsc evidence add`.
"#;

/// The example evidence record: the policy document and its digest.
fn evidence_record() -> String {
    let digest = aimsc::evidence::digest(POLICY_DOCUMENT.as_bytes());
    format!(
        "# Recorded as `aimsc evidence add` does; the digest is the file's as reviewed.\n\
         id: \"EV-1\"\ntitle: \"AI policy\"\nkind: document\nlocation: \"evidence/ai-policy.md\"\n\
         sha256: \"{digest}\"\n# The day the policy was approved: replace it.\nissued: 2026-01-01\n"
    )
}

const AI_SYSTEM: &str = r#"# One AI system per file in this folder; the file holds one record of `ai_systems`.
id: assistant
name: Internal assistant
purpose: Drafts answers to staff questions from the intranet
lifecycle: operation
owner: owner
developed_in_house: false
eu_role: deployer
risk_tier: limited
"#;

const RULE_TEST: &str = r#"# Unit tests of your own rules: `aimsc test` runs every *.test.yaml in the rule folders.
# Each case gives facts and the outcomes it expects. Keep a failing case beside each passing
# one, one fact apart: it proves the rule can fail, and catches the day it cannot.
as_of: 2026-11-01
tests:
  - name: every AI system's owner has a role
    facts: ../facts
    expect:
      org::systems_have_owner_roles: pass

  - name: an owner without a role fails the rule
    from: every AI system's owner has a role
    remove: ["people[id=owner].role"]
    expect:
      org::systems_have_owner_roles:
        outcome: fail
        failing: ["ai_systems[id=assistant]"]
"#;

const GITIGNORE: &str = r#"# What aimsc writes and can write again: keep the facts, rules and evidence in git, not these.
/reports/
report.html
*.sarif
evidence-pack*.zip
"#;

/// Writes the files; never overwrites one.
fn init_in(dir: Option<&Path>) -> Result<u8, Vec<Diagnostic>> {
    let root = dir.map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let record = evidence_record();
    let files: [(&str, &str); 8] = [
        ("aims.toml", AIMS_TOML),
        (".gitignore", GITIGNORE),
        ("rules/organisation.aims", RULES),
        ("rules/organisation.test.yaml", RULE_TEST),
        ("facts/organisation.yaml", ORGANISATION),
        ("facts/ai_systems/assistant.yaml", AI_SYSTEM),
        ("facts/evidence/EV-1.yaml", &record),
        ("evidence/ai-policy.md", POLICY_DOCUMENT),
    ];
    let existing: Vec<Diagnostic> = files
        .iter()
        .map(|(rel, _)| root.join(rel))
        .filter(|p| p.exists())
        .map(|p| {
            Diagnostic::error(
                aimsc::diagnostics::codes::INIT_EXISTS,
                format!("`{}` already exists", p.display()),
                None,
            )
            .with_help(
                "aimsc init never overwrites files; choose an empty folder: `aimsc init DIR`",
            )
        })
        .collect();
    if !existing.is_empty() {
        return Err(existing);
    }
    for (rel, text) in files {
        let path = root.join(rel);
        let write = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| crate::write::atomically(&path, text));
        if let Err(e) = write {
            return Err(vec![Diagnostic::error(
                aimsc::diagnostics::codes::IO_WRITE,
                format!("cannot write `{}`: {e}", path.display()),
                None,
            )]);
        }
        eprintln!("created {}", path.display());
    }
    let cd = dir
        .map(|d| format!("cd {} && ", d.display()))
        .unwrap_or_default();
    eprintln!(
        "\nnext: {cd}aimsc eval   (it lists the facts to add, and the controls each one holds back)\n      {cd}aimsc test   (the sample test of your own rule, in rules/organisation.test.yaml)"
    );
    Ok(0)
}

/// Runs the command with its parsed arguments.
pub(crate) fn run(args: InitArgs) -> Result<u8, Vec<Diagnostic>> {
    let InitArgs { dir } = args;
    init_in(dir.as_deref())
}
