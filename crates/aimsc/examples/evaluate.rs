//! Evaluates an example organisation with the shipped rulesets and prints what failed, with
//! the facts line of each failing record; then writes a SARIF report.
//!
//! Run from the repository root:
//!
//! ```sh
//! cargo run -p aimsc --example evaluate -- tests/orgs/cityhall/facts 2026-11-01
//! ```

use aimsc::{Engine, Format, Options, Outcome, RenderOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let facts = args
        .next()
        .unwrap_or_else(|| "tests/orgs/cityhall/facts".to_string());
    let as_of = args.next().unwrap_or_else(|| "2026-11-01".to_string());

    // Rules are parsed and checked once; the engine keeps them warm for every evaluation.
    let mut engine = Engine::builder().shipped_rulesets().build()?;
    engine.set_facts_path(&facts)?;
    let evaluation = engine.evaluate(&Options::new(as_of.parse()?).framework("iso42001"))?;

    for d in evaluation.diagnostics.iter().filter(|d| d.is_error()) {
        eprintln!("{}: {}", d.code, d.message);
    }
    let s = evaluation.summary();
    println!(
        "{facts} as of {as_of}: {} pass, {} fail, {} not applicable",
        s.pass, s.fail, s.not_applicable
    );
    for r in evaluation
        .results
        .iter()
        .filter(|r| r.outcome == Outcome::Fail)
    {
        println!("{} {}", r.id, r.title);
        for req in r.requirements.iter().filter(|q| q.outcome == Outcome::Fail) {
            println!("  {}", req.message);
            for f in req.explanation.records.iter().flat_map(|rec| &rec.findings) {
                if let Some(at) = &f.at {
                    println!("    {} at {}:{}", f.record, at.file, at.line);
                }
            }
        }
    }

    let sarif = evaluation.render(Format::Sarif, &RenderOptions::default());
    let out = std::env::temp_dir().join("aimsc-example.sarif");
    std::fs::write(&out, sarif)?;
    println!("SARIF written to {}", out.display());
    Ok(())
}
