//! `aimsc evidence`: record a document's digest in the facts, and verify every evidence item.

use crate::cli::{
    EvidenceAddArgs, EvidenceArgs, EvidenceCommand, EvidencePackArgs, EvidenceVerifyArgs,
};
use crate::project;
use aimsc::Diagnostic;
use aimsc::diagnostics::codes;
use aimsc::eval::evidence::State;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Component, Path};

/// Runs the command with its parsed arguments.
pub(crate) fn run(args: EvidenceArgs) -> Result<u8, Vec<Diagnostic>> {
    match args.command {
        EvidenceCommand::Add(a) => add(a),
        EvidenceCommand::Verify(a) => verify(a),
        EvidenceCommand::Pack(a) => pack(a),
    }
}

fn pack(args: EvidencePackArgs) -> Result<u8, Vec<Diagnostic>> {
    let EvidencePackArgs { inputs, output } = args;
    // The output is named relative to where aimsc runs, before it moves to aims.toml's folder.
    let output = std::path::absolute(&output).unwrap_or(output);
    let as_of = crate::parse_as_of(inputs.as_of.as_deref())?;
    let working = crate::progress::spinner("loading and hashing the evidence");
    let loaded = project::load(&inputs.rules, inputs.facts.as_deref(), true)?;
    let root = loaded.evidence_root().to_path_buf();
    let mut engine = loaded.into_engine(as_of);
    let evaluation = engine
        .evaluate(&aimsc::Options::new(as_of))
        .map_err(aimsc::Error::into_diagnostics)?;
    working.finish_and_clear();
    let bytes = aimsc::pack::pack(&engine, &evaluation, &root)
        .map_err(|e| write_failed(format!("cannot build the package: {e}")))?;
    crate::write::bytes_atomically(&output, &bytes)
        .map_err(|e| write_failed(format!("cannot write `{}`: {e}", output.display())))?;
    let states = engine.evidence_states();
    let unusable = states.iter().filter(|(_, s)| !s.usable()).count();
    println!(
        "wrote {} ({} bytes): report, SoA, {} evidence item(s){}",
        output.display(),
        bytes.len(),
        states.len(),
        if unusable > 0 {
            format!(", {unusable} of them not usable (see manifest.json)")
        } else {
            String::new()
        }
    );
    Ok(if unusable > 0 { 1 } else { 0 })
}

fn usage(message: String, help: &str) -> Vec<Diagnostic> {
    vec![Diagnostic::error(codes::USAGE_EVIDENCE, message, None).with_help(help.to_string())]
}

/// `path` relative to `root`, with `/` separators, when it lies inside it.
fn relative_inside(root: &Path, path: &Path) -> Option<String> {
    let root = root.canonicalize().ok()?;
    let real = path.canonicalize().ok()?;
    let rel = real.strip_prefix(&root).ok()?;
    let parts: Vec<String> = rel
        .components()
        .map(|c| match c {
            Component::Normal(p) => Some(p.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Option<_>>()?;
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// A YAML scalar in double quotes, so that a digest of digits stays a string.
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn add(args: EvidenceAddArgs) -> Result<u8, Vec<Diagnostic>> {
    let EvidenceAddArgs {
        path,
        id,
        kind,
        title,
        valid_for,
        issued,
        inputs,
    } = args;
    // Paths given here are relative to where aimsc runs, before it moves to aims.toml's folder.
    let path = std::path::absolute(&path).unwrap_or(path);
    let as_of = crate::parse_as_of(issued.as_deref().or(inputs.as_of.as_deref()))?;
    let loaded = project::load(&inputs.rules, inputs.facts.as_deref(), true)?;
    let root = loaded.evidence_root().to_path_buf();
    let Some(facts) = loaded.facts_path().map(Path::to_path_buf) else {
        return Err(usage(
            "no facts folder to record the evidence in".into(),
            "set `facts = \"facts\"` in aims.toml, or pass --facts FOLDER",
        ));
    };
    if !facts.is_dir() {
        return Err(usage(
            format!(
                "`{}` is a file; evidence is recorded in a facts folder, one file per item",
                facts.display()
            ),
            "lay the facts out as a folder (a root file plus one subfolder per collection), then run this again",
        ));
    }
    if let Some(v) = &valid_for
        && aimsc::eval::dates::parse_duration(v).is_none()
    {
        return Err(usage(
            format!(
                "`--valid-for {}` is not a duration",
                aimsc::diagnostics::printable(v)
            ),
            "write it as a number and a unit: 12 months, 2 years, 90 days",
        ));
    }
    let Some(location) = relative_inside(&root, &path) else {
        return Err(usage(
            format!("`{}` is not a file inside the project", path.display()),
            "keep evidence inside the project (the folder of aims.toml), for example under evidence/",
        ));
    };
    if !path.is_file() {
        return Err(usage(
            format!("`{location}` is not a file"),
            "name a document file",
        ));
    }
    let digest = aimsc::evidence::hash(&path).map_err(|e| {
        vec![Diagnostic::error(
            codes::IO_READ,
            format!("cannot read `{location}`: {e}"),
            None,
        )]
    })?;
    // The id: given, else the next free EV-<n> among the evidence already recorded.
    let mut engine = loaded.into_engine(as_of);
    let _ = engine.evaluate(&aimsc::Options::new(as_of));
    let known: BTreeSet<String> = engine
        .evidence_states()
        .iter()
        .map(|(i, _)| i.id.to_string())
        .collect();
    let id = match id {
        Some(id) => id,
        None => (1..)
            .map(|n| format!("EV-{n}"))
            .find(|c| !known.contains(c))
            .unwrap_or_else(|| "EV-1".into()),
    };
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(usage(
            format!(
                "`{}` is not an evidence id",
                aimsc::diagnostics::printable(&id)
            ),
            "use letters, digits, `-`, `_` and `.`, e.g. EV-12",
        ));
    }
    let file = facts.join("evidence").join(format!("{id}.yaml"));
    if known.contains(&id) && !file.exists() {
        return Err(usage(
            format!("evidence `{id}` is already recorded elsewhere in the facts"),
            "update that record, or choose another --id",
        ));
    }
    let title = title.unwrap_or_else(|| {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| location.clone())
    });
    let mut text = String::new();
    let _ = writeln!(
        text,
        "# Recorded by `aimsc evidence add`; the digest is the file's as reviewed."
    );
    let _ = writeln!(text, "id: {}", quoted(&id));
    let _ = writeln!(text, "title: {}", quoted(&title));
    let _ = writeln!(text, "kind: {}", kind.as_str());
    let _ = writeln!(text, "location: {}", quoted(&location));
    let _ = writeln!(text, "sha256: {}", quoted(&digest));
    let _ = writeln!(text, "issued: {as_of}");
    if let Some(v) = &valid_for {
        let _ = writeln!(text, "max_age: {v}");
    }
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| write_failed(format!("cannot create `{}`: {e}", dir.display())))?;
    }
    crate::write::atomically(&file, &text)
        .map_err(|e| write_failed(format!("cannot write `{}`: {e}", file.display())))?;
    println!(
        "recorded {id}: {location} (sha256 {}…, issued {as_of}) in {}",
        digest.get(..12).unwrap_or(&digest),
        file.display()
    );
    println!("refer to it from a fact with `evidence: {id}`");
    Ok(0)
}

/// Files under the project's `evidence/` folder, relative to the root, sorted.
fn verify(args: EvidenceVerifyArgs) -> Result<u8, Vec<Diagnostic>> {
    let EvidenceVerifyArgs { inputs, json } = args;
    let as_of = crate::parse_as_of(inputs.as_of.as_deref())?;
    let working = crate::progress::spinner("loading and hashing the evidence");
    let loaded = project::load(&inputs.rules, inputs.facts.as_deref(), true)?;
    let root = loaded.evidence_root().to_path_buf();
    let mut engine = loaded.into_engine(as_of);
    let evaluation = engine
        .evaluate(&aimsc::Options::new(as_of))
        .map_err(aimsc::Error::into_diagnostics)?;
    working.finish_and_clear();
    let states = engine.evidence_states();
    let dangling: Vec<&str> = aimsc::evidence::dangling(&evaluation.diagnostics)
        .into_iter()
        .map(|d| d.message.as_str())
        .collect();
    let unreferenced = aimsc::evidence::unreferenced(engine.project(), &root);
    let mut bad = !dangling.is_empty();
    let mut rows = Vec::new();
    for (item, state) in &states {
        bad |= !state.usable();
        let detail = match state {
            State::Ok | State::Unverifiable => {
                aimsc::eval::evidence::valid_until(engine.project().model().as_ref(), item)
                    .map(|d| format!("valid until {d}"))
                    .unwrap_or_else(|| "no end of validity".into())
            }
            State::Altered { found } => format!(
                "recorded {}…, found {}…",
                item.sha256
                    .as_deref()
                    .and_then(|s| s.get(..12))
                    .unwrap_or("?"),
                found.get(..12).unwrap_or(found)
            ),
            other => aimsc::eval::evidence::problem(item, other).unwrap_or_default(),
        };
        rows.push((
            state.as_str(),
            item.id.to_string(),
            item.location.to_string(),
            detail,
        ));
    }
    for f in &unreferenced {
        rows.push((
            "unreferenced",
            "-".into(),
            f.clone(),
            "no evidence record names this file".into(),
        ));
    }
    for d in &dangling {
        rows.push(("dangling", "-".into(), "-".into(), (*d).to_string()));
    }
    if json {
        let items: Vec<serde_json::Value> = rows
            .iter()
            .map(|(s, id, loc, detail)| serde_json::json!({"state": s, "id": id, "location": loc, "detail": detail}))
            .collect();
        let text = serde_json::to_string_pretty(
            &serde_json::json!({"as_of": as_of.to_string(), "evidence": items}),
        )
        .unwrap_or_default();
        println!("{text}");
    } else {
        let w = rows.iter().map(|r| r.1.len()).max().unwrap_or(2);
        let l = rows.iter().map(|r| r.2.len()).max().unwrap_or(8);
        for (s, id, loc, detail) in &rows {
            println!(
                "{s:<13} {id:<w$}  {loc:<l$}  {}",
                aimsc::diagnostics::printable(detail)
            );
        }
        let ok = states.iter().filter(|(_, s)| s.usable()).count();
        println!(
            "\n{} evidence item(s): {ok} usable, {} not; {} unreferenced file(s), {} dangling id(s)",
            states.len(),
            states.len() - ok,
            unreferenced.len(),
            dangling.len()
        );
    }
    Ok(if bad { 1 } else { 0 })
}

/// A write that failed, as the diagnostic every evidence command reports.
fn write_failed(message: String) -> Vec<Diagnostic> {
    vec![Diagnostic::error(codes::IO_WRITE, message, None)]
}
