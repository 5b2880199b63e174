#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]
//! The language server, tested as an editor drives it: JSON-RPC over the real `aimsc lsp`
//! process's stdio. Each file in `tests/fixtures/lsp/` is one test: it holds the workspace's
//! files and a script of steps (open, incremental change, requests); the snapshot holds what
//! the server answered and published after each step.
//!
//! Fixture format:
//! ```text
//! ### file: aims.toml            (a file of the workspace, up to the next ###)
//! ### steps                      (one step per line)
//! open rules.aims
//! change rules.aims 3:5-3:9 "new text"     (1-based line:column; the text is a JSON string)
//! hover rules.aims 4:12
//! write evidence/a.md "text"               (rewrites a file on disk; the text is a JSON string)
//! save facts.yaml                          (the editor saved the document)
//! ```

mod common;

use common::lsp_client::Client;

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;

/// Parses `L:C` (1-based) into an LSP position.
fn pos(s: &str) -> Value {
    let (l, c) = s.split_once(':').unwrap();
    json!({"line": l.parse::<u32>().unwrap() - 1, "character": c.parse::<u32>().unwrap() - 1})
}

struct Fixture {
    files: Vec<(String, String)>,
    steps: Vec<String>,
}

fn parse_fixture(text: &str) -> Fixture {
    let mut files = Vec::new();
    let mut steps = Vec::new();
    let mut current: Option<(String, String)> = None;
    let mut in_steps = false;
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("### ") {
            if let Some(f) = current.take() {
                files.push(f);
            }
            let rest = rest.trim();
            if let Some(name) = rest.strip_prefix("file: ") {
                current = Some((name.to_string(), String::new()));
                in_steps = false;
            } else {
                assert_eq!(rest, "steps", "unknown fixture header `### {rest}`");
                in_steps = true;
            }
        } else if in_steps {
            let l = line.trim();
            if !l.is_empty() && !l.starts_with('#') {
                steps.push(l.to_string());
            }
        } else if let Some((_, body)) = &mut current {
            body.push_str(line);
        }
    }
    if let Some(f) = current.take() {
        files.push(f);
    }
    Fixture { files, steps }
}

/// Replaces the scratch folder's URIs and paths with workspace-relative ones.
fn relative(root_uri: &str, root: &Path, v: &Value) -> String {
    let s = serde_json::to_string_pretty(v).unwrap();
    without_ruleset_digest(
        &s.replace(&format!("{root_uri}/"), "")
            .replace(&format!("{}/", root.display()), ""),
    )
}

/// The shipped rules' read-only copies live in a folder named for the version and their
/// digest, which changes with every edit of a shipped rule: shown as `VERSION`.
fn without_ruleset_digest(s: &str) -> String {
    let marker = ".cache/rulesets/";
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(marker) {
        out.push_str(&rest[..i + marker.len()]);
        rest = &rest[i + marker.len()..];
        match rest.find('/') {
            Some(j) => {
                out.push_str("VERSION");
                rest = &rest[j..];
            }
            None => break,
        }
    }
    out.push_str(rest);
    out
}

fn show_range(r: &Value) -> String {
    format!(
        "{}:{}-{}:{}",
        r["start"]["line"].as_u64().unwrap() + 1,
        r["start"]["character"].as_u64().unwrap() + 1,
        r["end"]["line"].as_u64().unwrap() + 1,
        r["end"]["character"].as_u64().unwrap() + 1
    )
}

fn show_published(c: &Client, diags: &BTreeMap<String, Value>, outcomes: &Value) -> String {
    let root_uri = c.uri(".");
    let mut out = String::new();
    for (uri, list) in diags {
        let file = uri.replace(&format!("{root_uri}/"), "");
        let list = list.as_array().unwrap();
        out.push_str(&format!("  diagnostics {file}: {}\n", list.len()));
        for d in list {
            let msg = d["message"].as_str().unwrap().replace('\n', "\n      ");
            out.push_str(&format!(
                "    {} {} {}\n      {}\n",
                show_range(&d["range"]),
                if d["severity"] == json!(1) {
                    "error"
                } else {
                    "warning"
                },
                d["code"].as_str().unwrap_or(""),
                msg.replace(&format!("{}/", c.root.display()), "")
            ));
        }
    }
    let totals: Vec<String> = outcomes["totals"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    out.push_str(&format!(
        "  outcomes: {} failing: {}\n",
        totals.join(" "),
        outcomes["failing"]
    ));
    out
}

fn file_text(c: &Client, rel: &str) -> String {
    std::fs::read_to_string(c.root.join(rel)).unwrap()
}

fn line_of(text: &str, r: &Value) -> String {
    let line = r["start"]["line"].as_u64().unwrap() as usize;
    let (s, e) = (
        r["start"]["character"].as_u64().unwrap() as usize,
        r["end"]["character"].as_u64().unwrap() as usize,
    );
    let l = text.lines().nth(line).unwrap_or("");
    let chars: Vec<u16> = l.encode_utf16().collect();
    String::from_utf16_lossy(chars.get(s..e.min(chars.len())).unwrap_or(&[]))
}

/// Runs one step and renders what came back.
fn step(c: &mut Client, texts: &mut BTreeMap<String, String>, line: &str) -> String {
    let mut words = line.splitn(3, ' ');
    let verb = words.next().unwrap();
    let file = words.next().unwrap_or("");
    let rest = words.next().unwrap_or("");
    let doc = json!({"uri": c.uri(file)});
    let at = |rest: &str| -> Value {
        json!({"textDocument": {"uri": c.uri(file)}, "position": pos(rest.split(' ').next().unwrap())})
    };
    let root_uri = c.uri(".");
    let root = c.root.clone();
    match verb {
        "open" => {
            let text = texts
                .entry(file.to_string())
                .or_insert_with(|| file_text(c, file))
                .clone();
            let lang = if file.ends_with(".aims") {
                "aims"
            } else {
                "yaml"
            };
            c.notify(
                "textDocument/didOpen",
                json!({"textDocument": {"uri": c.uri(file), "languageId": lang, "version": 1, "text": text}}),
            );
            let (d, o) = c.wait_outcomes();
            show_published(c, &d, &o)
        }
        // A file rewritten on disk outside the editor (an evidence document), then a save in
        // the editor, which has the server look at the files again.
        "write" => {
            let new_text: String = serde_json::from_str(rest).unwrap();
            std::fs::write(root.join(file), new_text).unwrap();
            "  (written on disk)\n".to_string()
        }
        "save" => {
            c.notify("textDocument/didSave", json!({"textDocument": doc}));
            let (d, o) = c.wait_outcomes();
            show_published(c, &d, &o)
        }
        "change" => {
            let (range, new_text) = rest.split_once(' ').unwrap();
            let new_text: String = serde_json::from_str(new_text).unwrap();
            let (a, b) = range.split_once('-').unwrap();
            c.notify(
                "textDocument/didChange",
                json!({"textDocument": {"uri": c.uri(file), "version": 2},
                       "contentChanges": [{"range": {"start": pos(a), "end": pos(b)}, "text": new_text}]}),
            );
            let (d, o) = c.wait_outcomes();
            show_published(c, &d, &o)
        }
        "hover" => {
            let r = c.request("textDocument/hover", at(rest));
            if r.is_null() {
                return "  (no hover)\n".into();
            }
            format!(
                "  range {}\n{}\n",
                show_range(&r["range"]),
                r["contents"]["value"]
                    .as_str()
                    .unwrap()
                    .lines()
                    .map(|l| format!("  | {l}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        }
        "definition" | "references" => {
            let method = format!("textDocument/{verb}");
            let mut params = at(rest);
            params["context"] = json!({"includeDeclaration": true});
            let r = c.request(&method, params);
            let mut out = String::new();
            for loc in r.as_array().cloned().unwrap_or_default() {
                let f = loc["uri"]
                    .as_str()
                    .unwrap()
                    .replace(&format!("{root_uri}/"), "");
                let text = texts.get(&f).cloned().unwrap_or_else(|| file_text(c, &f));
                let f = without_ruleset_digest(&f);
                out.push_str(&format!(
                    "  {f}:{} `{}`\n",
                    show_range(&loc["range"]),
                    line_of(&text, &loc["range"])
                ));
            }
            if out.is_empty() {
                out = "  (none)\n".into();
            }
            out
        }
        "completion" => {
            let r = c.request("textDocument/completion", at(rest));
            let items = r.as_array().cloned().unwrap_or_default();
            let mut out = format!("  {} item(s)\n", items.len());
            for i in items.iter().take(40) {
                out.push_str(&format!(
                    "  {} ({}) {}\n",
                    i["label"].as_str().unwrap(),
                    i["kind"],
                    i["detail"].as_str().unwrap_or("")
                ));
            }
            out
        }
        "prepareRename" => {
            let r = c.request("textDocument/prepareRename", at(rest));
            format!(
                "  {}\n",
                relative(&root_uri, &root, &r).replace('\n', "\n  ")
            )
        }
        "rename" => {
            let mut params = at(rest);
            params["newName"] = json!(rest.split(' ').nth(1).unwrap());
            let r = c.request("textDocument/rename", params);
            if r.get("error").is_some() {
                return format!("  {}\n", r["error"]["message"]);
            }
            let mut out = String::new();
            let changes = r["changes"].as_object().unwrap();
            let mut files: Vec<_> = changes.keys().collect();
            files.sort();
            for uri in files {
                let f = uri.replace(&format!("{root_uri}/"), "");
                let mut edits: Vec<String> = changes[uri]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| format!("  {f}:{} -> {}", show_range(&e["range"]), e["newText"]))
                    .collect();
                edits.sort();
                out.push_str(&(edits.join("\n") + "\n"));
            }
            out
        }
        "symbols" => {
            let r = c.request("textDocument/documentSymbol", json!({"textDocument": doc}));
            let mut out = String::new();
            fn walk(out: &mut String, syms: &Value, depth: usize) {
                for s in syms.as_array().cloned().unwrap_or_default() {
                    out.push_str(&format!(
                        "  {}{} [kind {}] {} {}\n",
                        "  ".repeat(depth),
                        s["name"].as_str().unwrap(),
                        s["kind"],
                        show_range(&s["range"]),
                        s["detail"].as_str().unwrap_or("")
                    ));
                    walk(out, &s["children"], depth + 1);
                }
            }
            walk(&mut out, &r, 0);
            out
        }
        "workspaceSymbols" => {
            let r = c.request("workspace/symbol", json!({"query": file}));
            let mut out = String::new();
            for s in r.as_array().cloned().unwrap_or_default() {
                let f = s["location"]["uri"]
                    .as_str()
                    .unwrap()
                    .replace(&format!("{root_uri}/"), "");
                out.push_str(&format!(
                    "  {} [kind {}] {f}:{}\n",
                    s["name"].as_str().unwrap(),
                    s["kind"],
                    show_range(&s["location"]["range"])
                ));
            }
            out
        }
        "semanticTokens" => {
            let init_types = [
                "keyword",
                "string",
                "comment",
                "number",
                "operator",
                "type",
                "enumMember",
                "property",
                "function",
                "variable",
                "namespace",
                "class",
                "parameter",
            ];
            let r = c.request(
                "textDocument/semanticTokens/full",
                json!({"textDocument": doc}),
            );
            let data: Vec<u64> = r["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap())
                .collect();
            let text = texts
                .get(file)
                .cloned()
                .unwrap_or_else(|| file_text(c, file));
            let lines: Vec<Vec<u16>> = text.lines().map(|l| l.encode_utf16().collect()).collect();
            let (mut line, mut col) = (0usize, 0usize);
            let mut out = String::new();
            for t in data.chunks(5) {
                if t[0] > 0 {
                    line += t[0] as usize;
                    col = t[1] as usize;
                } else {
                    col += t[1] as usize;
                }
                let word = String::from_utf16_lossy(&lines[line][col..col + t[2] as usize]);
                out.push_str(&format!(
                    "  {}:{} {}{} `{word}`\n",
                    line + 1,
                    col + 1,
                    init_types[t[3] as usize],
                    if t[4] == 1 { " (decl)" } else { "" }
                ));
            }
            out
        }
        "folding" => {
            let r = c.request("textDocument/foldingRange", json!({"textDocument": doc}));
            let mut out = String::new();
            for f in r.as_array().cloned().unwrap_or_default() {
                out.push_str(&format!(
                    "  lines {}-{} {}\n",
                    f["startLine"].as_u64().unwrap() + 1,
                    f["endLine"].as_u64().unwrap() + 1,
                    f["kind"].as_str().unwrap_or("")
                ));
            }
            out
        }
        "format" => {
            let r = c.request(
                "textDocument/formatting",
                json!({"textDocument": doc, "options": {"tabSize": 2, "insertSpaces": true}}),
            );
            match r.as_array() {
                Some(edits) if !edits.is_empty() => format!(
                    "  replace {}:\n{}",
                    show_range(&edits[0]["range"]),
                    edits[0]["newText"]
                        .as_str()
                        .unwrap()
                        .lines()
                        .map(|l| format!("  | {l}\n"))
                        .collect::<String>()
                ),
                _ => "  (no edits)\n".into(),
            }
        }
        "codeLens" => {
            let r = c.request("textDocument/codeLens", json!({"textDocument": doc}));
            let text = texts
                .get(file)
                .cloned()
                .unwrap_or_else(|| file_text(c, file));
            let mut out = String::new();
            for l in r.as_array().cloned().unwrap_or_default() {
                out.push_str(&format!(
                    "  {} `{}` {}\n",
                    show_range(&l["range"]),
                    line_of(&text, &l["range"]),
                    l["command"]["title"].as_str().unwrap()
                ));
            }
            out
        }
        "watchers" => {
            let mut out = String::new();
            for g in c.watchers() {
                out.push_str(&format!(
                    "  {}\n",
                    g.replace(&format!("{}/", root.display()), "")
                ));
            }
            out
        }
        "execute" => {
            // `execute COMMAND ARG [FILE]`: the file slot holds the command; a FILE after the
            // argument is the document the lens was in.
            let arguments = match rest.split_once(' ') {
                Some((arg, doc)) => json!([arg, c.uri(doc)]),
                None => json!([rest]),
            };
            let r = c.request(
                "workspace/executeCommand",
                json!({"command": file, "arguments": arguments}),
            );
            let text = r["text"].as_str().unwrap_or("");
            let mut out = format!("  id {}\n", r["id"]);
            for l in text.lines().take(3) {
                out.push_str(&format!("  | {l}\n"));
            }
            if r.get("text").is_none() {
                out.push_str(&format!("  {}\n", relative(&root_uri, &root, &r)));
            }
            out
        }
        other => panic!("unknown step `{other}`"),
    }
}

/// Applies a fixture's `change` steps to the test's own copy of the text, so later steps can
/// show the words at returned ranges.
fn track_change(texts: &mut BTreeMap<String, String>, line: &str) {
    let mut words = line.splitn(4, ' ');
    let (_, file, range, new_text) = (
        words.next(),
        words.next().unwrap(),
        words.next().unwrap(),
        words.next().unwrap(),
    );
    let new_text: String = serde_json::from_str(new_text).unwrap();
    let Some(text) = texts.get_mut(file) else {
        return;
    };
    let (a, b) = range.split_once('-').unwrap();
    let offset = |t: &str, p: &str| -> usize {
        let (l, c) = p.split_once(':').unwrap();
        let (l, c) = (
            l.parse::<usize>().unwrap() - 1,
            c.parse::<usize>().unwrap() - 1,
        );
        let start: usize = t.split_inclusive('\n').take(l).map(str::len).sum();
        let line = t[start..].split('\n').next().unwrap();
        let mut units = 0;
        for (i, ch) in line.char_indices() {
            if units >= c {
                return start + i;
            }
            units += ch.len_utf16();
        }
        start + line.len()
    };
    let (s, e) = (offset(text, a), offset(text, b));
    text.replace_range(s..e, &new_text);
}

#[test]
fn lsp_fixtures() {
    insta::glob!("../../../tests/fixtures/lsp", "*.lsp", |path| {
        let fixture = parse_fixture(&std::fs::read_to_string(path).unwrap());
        let name = path.file_stem().unwrap().to_str().unwrap();
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("lsp-{name}"));
        let _ = std::fs::remove_dir_all(&root);
        for (rel, body) in &fixture.files {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, body).unwrap();
        }
        let root = root.canonicalize().unwrap();
        let mut c = Client::start(env!("CARGO_BIN_EXE_aimsc"), &root, "2026-11-01");
        let (d, o) = c.wait_outcomes();
        let mut out = format!(">>> initialized\n{}", show_published(&c, &d, &o));
        let mut texts = BTreeMap::new();
        for s in &fixture.steps {
            let answer = step(&mut c, &mut texts, s);
            if s.starts_with("change ") {
                track_change(&mut texts, s);
            }
            out.push_str(&format!(">>> {s}\n{answer}"));
        }
        c.shutdown();
        insta::assert_snapshot!(out);
    });
}

/// Clients wait for a publication after each change (Neovim's and Helix's diagnostics, test
/// harnesses): the changed document gets one even when it has no diagnostics before or after.
#[test]
fn every_change_publishes_for_the_changed_document_even_when_it_is_clean() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lsp-publish-clean");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(
        root.join("aims.toml"),
        "rules = [\"rules.aims\"]\nfacts = \"facts.yaml\"\n",
    )
    .unwrap();
    let rules = "framework acme \"Acme\"\nrecord S { id: string }\nfacts { systems: [S] }\nrule acme::one \"One\" { all s in systems: s.id is set }\n";
    std::fs::write(root.join("rules.aims"), rules).unwrap();
    std::fs::write(root.join("facts.yaml"), "systems:\n  - id: a\n").unwrap();
    let root = root.canonicalize().unwrap();
    let mut c = Client::start(env!("CARGO_BIN_EXE_aimsc"), &root, "2026-11-01");
    let (initial, _) = c.wait_outcomes();
    assert!(
        initial.is_empty(),
        "nothing to report at start: {initial:?}"
    );
    let uri = c.uri("rules.aims");
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "aims", "version": 1, "text": rules}}),
    );
    let (opened, _) = c.wait_outcomes();
    assert_eq!(opened.get(&uri), Some(&json!([])), "open: {opened:?}");
    // A comment added: still clean, still published.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2},
               "contentChanges": [{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "// note\n"}]}),
    );
    let (changed, _) = c.wait_outcomes();
    assert_eq!(changed.get(&uri), Some(&json!([])), "change: {changed:?}");
    // The facts document opened and edited: it too gets its (empty) publication.
    let facts = c.uri("facts.yaml");
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": facts, "languageId": "yaml", "version": 1, "text": "systems:\n  - id: a\n"}}),
    );
    let (opened, _) = c.wait_outcomes();
    assert_eq!(
        opened.get(&facts),
        Some(&json!([])),
        "facts open: {opened:?}"
    );
    c.shutdown();
}
