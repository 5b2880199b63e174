//! What `aimsc explain` prints: a control, rule or entry; the fact schema; the params; the
//! shipped rulesets; a diagnostic code. Plain text, for people.

use aimsc_diagnostics::{Diagnostic, Location, did_you_mean};
use aimsc_eval::crosswalk::natural_cmp;
use aimsc_eval::model::{CheckKind, Field, Model};
use aimsc_eval::reads::{check_reads, expr_reads};
use std::fmt::Write as _;

/// The framework (with its title) and domain lines shared by checks and entries.
fn header(out: &mut String, model: &Model, framework: &str, domain: Option<&str>) {
    let title = model
        .frameworks
        .get(framework)
        .and_then(|f| f.title.clone());
    let title = title.map(|t| format!(" — {t}")).unwrap_or_default();
    let _ = writeln!(out, "  framework  {framework}{title}");
    if let Some(d) = domain {
        let _ = writeln!(out, "  domain     {d}");
    }
}

/// Everything known about one id.
pub fn item(model: &Model, id: &str) -> Result<String, Vec<Diagnostic>> {
    let mut out = String::new();
    if let Some(c) = model.checks.get(id) {
        let kind = if c.kind == CheckKind::Control {
            "control"
        } else {
            "rule"
        };
        let _ = writeln!(out, "{kind} {}  {}", c.id, c.title);
        header(&mut out, model, &c.framework, c.domain.as_deref());
        if let Some(i) = &c.intent {
            let _ = writeln!(out, "  intent     {i}");
        }
        let _ = writeln!(out, "  declared   {}", c.location.file);
        if let Some(o) = model.owners.get(id) {
            let _ = writeln!(out, "  owner      {}", o.owner);
        }
        if let Some(x) = model.exclusions.get(id) {
            let _ = writeln!(out, "  excluded   {}", x.justification);
        }
        if let Some(w) = model.waivers.get(id) {
            let _ = writeln!(
                out,
                "  waived     until {} by {}: {}",
                w.until, w.owner, w.justification
            );
        }
        if let Some((e, _)) = &c.applies {
            let _ = writeln!(out, "  applies when {}", e.text);
        }
        for s in &c.supports {
            let _ = writeln!(out, "  supports   {s}");
        }
        for r in model
            .checks
            .values()
            .filter(|r| r.supports.iter().any(|s| &**s == id))
        {
            let _ = writeln!(out, "  supported by rule {}  {}", r.id, r.title);
        }
        let _ = writeln!(out, "\n  requirements:");
        for r in &c.requires {
            if r.practice {
                let _ = writeln!(
                    out,
                    "    - {}  [recommended practice: asks more than the text]",
                    r.name
                );
            } else {
                let _ = writeln!(out, "    - {}", r.name);
            }
            for line in r.expr.text.lines() {
                let _ = writeln!(out, "        {}", line.trim());
            }
            let reads = expr_reads(model, &r.expr, r.slots);
            let _ = writeln!(out, "      reads: {}", reads.join(", "));
        }
        let _ = writeln!(out, "\n  facts read: {}", check_reads(model, c).join(", "));
    } else if let Some(e) = model.entries.get(id) {
        let _ = writeln!(out, "entry {}  {}", e.id, e.title);
        header(&mut out, model, &e.framework, e.domain.as_deref());
        let _ = writeln!(
            out,
            "  catalog entry: no rules of its own; its coverage is derived through mappings"
        );
    } else {
        let mut d = Diagnostic::error(
            aimsc_diagnostics::codes::USAGE_UNKNOWN_ID,
            format!("no control, rule or entry has the id `{id}`"),
            None,
        );
        let ids = || {
            model
                .checks
                .keys()
                .chain(model.entries.keys())
                .map(|k| &**k)
        };
        // `A.9.2` is `iso42001::A.9.2` without its framework: every framework that has it.
        let mut same: Vec<&str> = ids()
            .filter(|k| {
                k.split_once("::")
                    .is_some_and(|(_, local)| local.eq_ignore_ascii_case(id))
            })
            .collect();
        same.sort_unstable();
        same.dedup();
        d = if !same.is_empty() {
            let shown: Vec<String> = same.iter().take(4).map(|s| format!("`{s}`")).collect();
            d.with_help(format!(
                "did you mean {}? ids are written with their framework",
                shown.join(" or ")
            ))
        } else {
            match did_you_mean(id, ids()) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help("ids are written with their framework, e.g. `iso42001::A.5.2`"),
            }
        };
        return Err(vec![d]);
    }
    let mut outgoing: Vec<_> = model.mappings.iter().filter(|m| &*m.source == id).collect();
    outgoing.sort_by(|a, b| natural_cmp(&a.target, &b.target));
    let mut incoming: Vec<_> = model.mappings.iter().filter(|m| &*m.target == id).collect();
    incoming.sort_by(|a, b| natural_cmp(&a.source, &b.source));
    if !outgoing.is_empty() || !incoming.is_empty() {
        let _ = writeln!(out, "\n  mappings:");
    }
    for (arrow, other, m) in outgoing
        .iter()
        .map(|m| ("→", &m.target, m))
        .chain(incoming.iter().map(|m| ("←", &m.source, m)))
    {
        let title = model
            .title_of(other)
            .map(|t| format!("  {t}"))
            .unwrap_or_default();
        let prov = m
            .provenance
            .as_deref()
            .map(|p| format!(", {p}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "    {arrow} {other}{title}  ({}{prov})",
            m.relation.as_str()
        );
    }
    Ok(out)
}

fn field_line(out: &mut String, f: &Field) {
    if let Some(d) = &f.doc {
        let _ = writeln!(out, "  // {d}");
    }
    let _ = writeln!(out, "  {}: {}", f.name, f.written_type());
}

/// The fact schema in the language's own syntax.
pub fn schema(model: &Model) -> String {
    let mut out = String::from(
        "// The fact schema of the loaded rules. `?` marks a field that may be left out;\n// a list left out is empty; `past` a date of something done, never after the as-of date.\n\nfacts {\n",
    );
    for f in model.root.values() {
        field_line(&mut out, f);
    }
    out.push_str("}\n");
    for r in model.records.values() {
        let _ = writeln!(out, "\nrecord {} {{", r.name);
        for f in r.fields.values() {
            field_line(&mut out, f);
        }
        out.push_str("}\n");
    }
    out.push('\n');
    for e in model.enums.values() {
        let members: Vec<&str> = e.members.iter().map(|m| &**m).collect();
        let _ = writeln!(out, "enum {} {{ {} }}", e.name, members.join(", "));
    }
    out
}

/// The params, their values in force and where they were set.
pub fn params(model: &Model, locate: &dyn Fn(&Location) -> Option<(usize, usize)>) -> String {
    let mut out = String::new();
    for p in model.params.values() {
        let _ = writeln!(out, "{}: {} = {}", p.name, p.ty, p.value);
        if let Some(d) = &p.doc {
            let _ = writeln!(out, "    {d}");
        }
        match &p.set_at {
            Some(at) => {
                let line = locate(at).map(|(l, _)| format!(":{l}")).unwrap_or_default();
                let _ = writeln!(out, "    set at {}{line} (default {})", at.file, p.default);
            }
            None => {
                let _ = writeln!(out, "    default; override with `set {} = …`", p.name);
            }
        }
    }
    if out.is_empty() {
        out.push_str("no params are declared\n");
    }
    out
}

/// The rule files compiled into aimsc.
pub fn rulesets() -> String {
    let mut out = String::from(
        "Shipped rulesets (load them all with `rules = [\"@aimsc\"]` in aims.toml):\n",
    );
    for (path, text) in aimsc_rulesets::FILES {
        let _ = writeln!(out, "  {path}  ({} lines)", text.lines().count());
    }
    out.push_str("\nPrint one with `aimsc explain --ruleset PATH`, e.g. `aimsc explain --ruleset @aimsc/iso42001/annex_a.aims`.\n");
    out
}

/// The text of a shipped rule file, named as `--rulesets` lists it (`@aimsc/` may be left
/// out).
pub fn ruleset(name: &str) -> Result<&'static str, Vec<Diagnostic>> {
    let wanted = name.strip_prefix("@aimsc/").unwrap_or(name);
    if let Some((_, text)) = aimsc_rulesets::FILES
        .iter()
        .find(|(path, _)| path.strip_prefix("@aimsc/") == Some(wanted))
    {
        return Ok(text);
    }
    let shown =
        aimsc_diagnostics::printable(&name.chars().take(80).collect::<String>()).into_owned();
    let d = Diagnostic::error(
        aimsc_diagnostics::codes::USAGE_UNKNOWN_RULESET,
        format!("aimsc ships no rule file `{shown}`"),
        None,
    );
    let names = aimsc_rulesets::FILES.iter().map(|(p, _)| *p);
    Err(vec![
        match did_you_mean(&format!("@aimsc/{wanted}"), names) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help("`aimsc explain --rulesets` lists the shipped rule files"),
        },
    ])
}

/// A diagnostic code's entry in the catalogue.
pub fn code(id: &str) -> Result<String, Vec<Diagnostic>> {
    use aimsc_diagnostics::codes;
    if let Some(c) = codes::find(id) {
        return Ok(c.explain());
    }
    let mut d = Diagnostic::error(
        codes::USAGE_UNKNOWN_CODE,
        format!(
            "aimsc has no diagnostic code `{}`",
            aimsc_diagnostics::printable(&id.chars().take(80).collect::<String>())
        ),
        None,
    );
    d = match did_you_mean(id, codes::ALL.iter().map(|c| c.id)) {
        Some(s) => d.with_help(format!("did you mean `{s}`?")),
        None => d.with_help("`aimsc explain --codes` lists every code"),
    };
    Err(vec![d])
}
