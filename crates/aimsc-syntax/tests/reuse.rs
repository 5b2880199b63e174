#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]
//! Parsing with remembered items gives what parsing afresh gives, spans and diagnostics
//! included: every rule file of the repository, parsed once to remember its items, then
//! edited at many places (a character typed, one deleted, a line added, an item keyword
//! written at a line's start) and parsed again.

use std::path::{Path, PathBuf};
use std::sync::Arc;

fn rule_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rule_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "aims") {
            out.push(p);
        }
    }
}

/// Edits of `text` at about `n` places spread over it.
fn edits(text: &str, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    let step = (text.len() / n).max(1);
    let mut at = 0;
    while at < text.len() {
        let pos = (at..text.len())
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(text.len());
        let (head, tail) = text.split_at(pos);
        out.push(format!("{head}x{tail}"));
        out.push(format!("{head}\n{tail}"));
        out.push(format!("{head}\nrule {tail}"));
        out.push(format!("{head}\"{tail}"));
        if let Some(c) = tail.chars().next() {
            out.push(format!("{head}{}", &tail[c.len_utf8()..]));
        }
        at += step;
    }
    out
}

#[test]
fn a_file_parsed_again_after_an_edit_parses_as_it_would_afresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    rule_files(&root.join("rulesets"), &mut files);
    rule_files(&root.join("tests/fixtures"), &mut files);
    rule_files(&root.join("tests/orgs"), &mut files);
    assert!(files.len() > 20, "rule files found: {}", files.len());
    let mut compared = 0;
    for file in &files {
        // Fixtures of broken encodings are not text.
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let path: Arc<str> = Arc::from(file.to_string_lossy().as_ref());
        for edited in std::iter::once(text.clone()).chain(edits(&text, 6)) {
            aimsc_syntax::remember_items(false);
            let fresh = aimsc_syntax::parse(&path, &edited);
            aimsc_syntax::remember_items(true);
            // The original first, so that the edited file finds its items remembered.
            let _ = aimsc_syntax::parse(&path, &text);
            let reused = aimsc_syntax::parse(&path, &edited);
            assert!(
                fresh == reused,
                "{}: parsing with remembered items differs after an edit",
                file.display()
            );
            compared += 1;
        }
    }
    aimsc_syntax::remember_items(false);
    assert!(compared > 300, "compared {compared} parses");
}
