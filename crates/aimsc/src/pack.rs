//! The evidence package for an auditor: one zip with the JSON report, the Statement of
//! Applicability, every evidence file the facts name and a manifest of digests.
//!
//! The package is byte-identical for the same inputs: entries are sorted, stored without
//! compression (documents are often compressed already, and stored entries are the same bytes
//! everywhere), with a fixed date and permissions. The manifest lists each entry's SHA-256, so
//! the package verifies itself; evidence that cannot be relied on is packed too when its file is
//! there, and the manifest says what is wrong with it.

use crate::evidence::digest;
use crate::{Engine, Evaluation, Format, RenderOptions};
use std::io::Write as _;
use std::path::Path;

/// One file of the package: its path inside the zip and its bytes.
struct Entry {
    path: String,
    bytes: Vec<u8>,
}

/// Builds the package; fails only when the zip cannot be written.
pub fn pack(engine: &Engine, evaluation: &Evaluation, root: &Path) -> Result<Vec<u8>, String> {
    let mut entries = vec![Entry {
        path: "report.json".into(),
        bytes: evaluation
            .render(Format::Json, &RenderOptions::default())
            .into_bytes(),
    }];
    if let Ok(soa) = engine.soa("iso42001", evaluation) {
        entries.push(Entry {
            path: "soa.md".into(),
            bytes: aimsc_report::soa::markdown(&soa).into_bytes(),
        });
        entries.push(Entry {
            path: "soa.json".into(),
            bytes: aimsc_report::soa::json(&soa).into_bytes(),
        });
    }
    let states = engine.evidence_states();
    let files = engine.project().evidence_files();
    let mut evidence = Vec::new();
    for (item, state) in &states {
        let mut packed = None;
        if let Some(aimsc_eval::evidence::FileCheck::Digest(_)) = files.get(&item.location) {
            // Read again from inside the root: only what the check found inside it is packed.
            if let Ok(bytes) = std::fs::read(root.join(&*item.location)) {
                let path = format!("documents/{}", item.location);
                packed = Some(path.clone());
                entries.push(Entry { path, bytes });
            }
        }
        evidence.push(serde_json::json!({
            "id": item.id,
            "location": item.location,
            "state": state.as_str(),
            "recorded_sha256": item.sha256,
            "packed_as": packed,
            "problem": aimsc_eval::evidence::problem(item, state),
        }));
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    entries.dedup_by(|a, b| a.path == b.path);
    let listing: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| serde_json::json!({"path": e.path, "sha256": digest(&e.bytes), "bytes": e.bytes.len()}))
        .collect();
    let manifest = serde_json::json!({
        "tool": concat!("aimsc ", env!("CARGO_PKG_VERSION")),
        "as_of": evaluation.as_of.to_string(),
        "files": listing,
        "evidence": evidence,
    });
    let mut text = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
    text.push('\n');
    entries.insert(
        0,
        Entry {
            path: "manifest.json".into(),
            bytes: text.into_bytes(),
        },
    );
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(0o644);
        for e in &entries {
            zip.start_file(e.path.as_str(), options)
                .map_err(|e| e.to_string())?;
            zip.write_all(&e.bytes).map_err(|e| e.to_string())?;
        }
        zip.finish().map_err(|e| e.to_string())?;
    }
    Ok(out.into_inner())
}
