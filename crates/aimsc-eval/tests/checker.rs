//! The checker at library level, table-driven: each row adds items to a small schema and
//! names the codes the checker must report (none for a row that is right), so that every
//! error has a neighbour that differs by one token and checks clean.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

use aimsc_eval::check::{Input, build_model};
use std::sync::Arc;

const SCHEMA: &str = r#"framework t "Tests" excludable "X.*" waivable "X.*"
enum Tier { low, high }
enum Level { low, top }
record Person { id: string, name: string }
record System { id: string, tier: Tier, owner: ref Person, tags: [string], score: int }
facts { systems: [System], people: [Person], label: string }
def is_high(s: System) = s.tier == high
control t::X.1 "A control" {
  require "r" { all s in systems: is_high(s) }
}
"#;

/// The codes the checker reports for the schema with `items` added, in order.
fn codes(items: &str) -> Vec<&'static str> {
    let rules = format!("{SCHEMA}{items}\n");
    let path: Arc<str> = Arc::from("rules.aims");
    let (file, syntax) = aimsc_syntax::parse(&path, &rules);
    assert!(syntax.is_empty(), "{items}: {syntax:?}");
    let as_of = jiff::civil::date(2026, 11, 1);
    let (model, mut diags) = build_model(
        &[Input {
            path: &path,
            text: &rules,
            file: &file,
        }],
        as_of,
    );
    // As the engine adds them: waivers longer than the default limit of 12 months.
    diags.extend(aimsc_eval::check::long_waivers(&model, as_of, 12));
    diags.iter().map(|d| d.code).collect()
}

fn control(body: &str) -> String {
    format!("control t::X.2 \"Another\" {{\n  require \"r\" {{ {body} }}\n}}")
}

#[test]
fn expressions() {
    let table: &[(&str, &[&str])] = &[
        ("all s in systems: s.tier == high", &[]),
        (
            "all s in systems: s.tier == Tier.highest",
            &["aimsc::resolve::unknown_member"],
        ),
        (
            "all s in systems: s.tier == highest",
            &["aimsc::resolve::unknown_name"],
        ),
        ("all s in systems: s.tier == Tier.high", &[]),
        ("all s in systems: s.owner.name != \"\"", &[]),
        (
            "all s in systems: s.owner.nam != \"\"",
            &["aimsc::resolve::unknown_field"],
        ),
        ("all s in systems: is_high(s)", &[]),
        (
            "all s in systems: is_hgh(s)",
            &["aimsc::resolve::unknown_def"],
        ),
        ("all s in systems: is_high(s, s)", &["aimsc::type::arity"]),
        (
            "all s in sytems: is_high(s)",
            &["aimsc::resolve::unknown_name"],
        ),
        ("all s in systems: s.score > 3", &[]),
        (
            "all s in systems: s.score > \"3\"",
            &["aimsc::type::mismatch"],
        ),
        (
            "all s in systems: s.score",
            &["aimsc::type::not_a_condition"],
        ),
        ("all s in systems: \"eu\" in s.tags", &[]),
        (
            "all s in systems: \"eu\" in s.score",
            &["aimsc::type::mismatch"],
        ),
        (
            "all s in systems: s.tags.name == \"x\"",
            &["aimsc::type::field_of_list"],
        ),
        (
            "all s in systems: s.score.value > 1",
            &["aimsc::type::no_fields"],
        ),
        ("all t in label: t == \"x\"", &["aimsc::type::not_a_list"]),
        ("all s in systems: low == s.tier", &[]),
        (
            "let x = low\n all s in systems: s.tier == x",
            &["aimsc::resolve::ambiguous_member"],
        ),
        ("let x = top\n x == top", &["aimsc::check::reads_no_fact"]),
    ];
    let mut wrong = Vec::new();
    for (body, expected) in table {
        let got = codes(&control(body));
        if got != *expected {
            wrong.push(format!("{body}: {got:?}, expected {expected:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn items_and_scope() {
    let table: &[(&str, &[&str])] = &[
        (
            "record System { id: string }",
            &["aimsc::resolve::duplicate"],
        ),
        (
            "def is_high(s: System) = true",
            &["aimsc::resolve::duplicate"],
        ),
        (
            "def loop(s: System) = loop(s)",
            &["aimsc::resolve::def_cycle"],
        ),
        (
            "record Vendor { name: string, kind: Kind }",
            &["aimsc::resolve::unknown_type"],
        ),
        (
            "record Deal { by: ref Vendor }\nrecord Vendor { name: string }",
            &["aimsc::type::ref_without_id"],
        ),
        ("record Deal { signed: date past }", &[]),
        (
            "record Deal { signed: string past }",
            &["aimsc::type::past_not_date"],
        ),
        ("exclude t::X.1 \"Not in scope.\"", &[]),
        ("exclude t::X.1", &["aimsc::scope::missing_justification"]),
        (
            "exclude t::Y.1 \"Not in scope.\"",
            &["aimsc::resolve::unknown_id"],
        ),
        (
            "waive t::X.1 until 2027-03-31 owner \"ciso\" \"Accepted for a quarter.\"",
            &[],
        ),
        (
            "waive t::X.1 until 2027-03-31 \"Accepted for a quarter.\"",
            &["aimsc::scope::missing_owner"],
        ),
        (
            "waive t::X.1 owner \"ciso\" \"Accepted.\"",
            &["aimsc::scope::missing_until"],
        ),
        (
            "waive t::X.1 until 2026-03-31 owner \"ciso\" \"Accepted.\"",
            &["aimsc::scope::waiver_expired"],
        ),
        (
            "waive t::X.1 until 2029-03-31 owner \"ciso\" \"Accepted.\"",
            &["aimsc::scope::long_waiver"],
        ),
        (
            "param period: duration = 12 months max 3 years \"how often\"\nset period = 2 years",
            &["aimsc::scope::param_weakened"],
        ),
        (
            "param period: duration = 12 months max 3 years \"how often\"\nset period = 6 months",
            &[],
        ),
        (
            "param period: duration = 12 months max 3 years \"how often\"\nset period = 5 years",
            &["aimsc::scope::param_out_of_bounds"],
        ),
        ("set periods = 6 months", &["aimsc::resolve::unknown_param"]),
        (
            "entry t::E.1 \"An entry\"\nmap t::X.1 -> t::E.1 related provenance analyst \"ours\"",
            &[],
        ),
        (
            "entry t::E.1 \"An entry\"\nmap t::X.1 -> t::E.1 related provenance published \"ours\"",
            &["aimsc::scope::reserved_provenance"],
        ),
        (
            "entry t::E.1 \"An entry\"\nmap t::X.1 -> t::E.1 similar provenance analyst \"ours\"",
            &["aimsc::scope::bad_relation"],
        ),
        (
            "rule t::r \"A rule\" supports t::X.1 { all s in systems: is_high(s) }",
            &[],
        ),
        (
            "rule t::r \"A rule\" supports t::X.9 { all s in systems: is_high(s) }",
            &["aimsc::resolve::unknown_id"],
        ),
    ];
    let mut wrong = Vec::new();
    for (items, expected) in table {
        let got = codes(items);
        if got != *expected {
            wrong.push(format!("{items}: {got:?}, expected {expected:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
