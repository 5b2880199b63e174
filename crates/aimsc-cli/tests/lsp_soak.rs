#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]
//! A soak of the language server: thousands of random edits sent to the real `aimsc lsp`, many
//! with positions that do not exist (past a line's end, past the last line, inside a
//! surrogate pair) or ranges the wrong way round, with requests in between that edits cancel.
//! The server must answer throughout, and at the end show exactly what a second server shows
//! when it opens the final text fresh.
//!
//! The test keeps its own copy of the text, applying each edit by the documented clamping
//! rule (written again here, independently of the server's code): the final text is that
//! copy, so a server that applied an edit differently would show a different document.

mod common;

use common::lsp_client::Client;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const EDITS: usize = 3000;
const RULES: &str = "rules/rules.aims";

/// Text to insert: pieces of the language, line ends of both kinds, and characters of two
/// and four UTF-8 bytes (the four-byte ones are surrogate pairs in UTF-16).
const SNIPPETS: &[&str] = &[
    "control demo::x \"X\" { require \"r\" { all s in systems: s.monitored == true } }\n",
    "require \"new\" { count(systems) >= 1 }",
    "all s in systems: ",
    " and ",
    " or not ",
    "risky(s)",
    "{",
    "}",
    "(",
    ")",
    "\"",
    "\n",
    "\r\n",
    "// note\n",
    "é",
    "\u{1F600}",
    "\u{1F9EA}x",
    "s.tier >= high",
    "",
];

/// xorshift64: a fixed sequence from a fixed seed, so that a failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The byte offset of a (line, UTF-16 column) position by the documented clamping: a line
/// past the last is the end; a column past the line's end is the line's end, before `\r\n`;
/// a column inside a surrogate pair is after the pair.
fn offset(text: &str, line: u32, character: u32) -> usize {
    let mut start = 0;
    for _ in 0..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let line_text = text[start..].split('\n').next().unwrap();
    let line_text = line_text.strip_suffix('\r').unwrap_or(line_text);
    let mut units = 0u32;
    for (i, c) in line_text.char_indices() {
        if units >= character {
            return start + i;
        }
        units += c.len_utf16() as u32;
    }
    start + line_text.len()
}

/// The UTF-16 length of each line, for choosing positions inside surrogate pairs.
fn line_units(text: &str, line: usize) -> u32 {
    text.split('\n')
        .nth(line)
        .map_or(0, |l| l.encode_utf16().count() as u32)
}

/// Whether a position falls between the two halves of a surrogate pair.
fn inside_pair(text: &str, (line, character): (u32, u32)) -> bool {
    let Some(l) = text.split('\n').nth(line as usize) else {
        return false;
    };
    let mut units = 0u32;
    for c in l.chars() {
        let next = units + c.len_utf16() as u32;
        if units < character && character < next {
            return true;
        }
        units = next;
    }
    false
}

/// A random position: mostly real, sometimes past the line's end, past the last line, or
/// far out of range.
fn position(rng: &mut Rng, text: &str) -> (u32, u32) {
    let lines = text.split('\n').count() as u64;
    let line = match rng.below(20) {
        0 => lines as u32 + rng.below(5) as u32,
        1 => u32::MAX - rng.below(3) as u32,
        _ => rng.below(lines) as u32,
    };
    let units = line_units(text, line as usize);
    let character = match rng.below(20) {
        0 => units + 1 + rng.below(50) as u32,
        1 => u32::MAX,
        _ => rng.below(u64::from(units) + 1) as u32,
    };
    (line, character)
}

fn workspace(name: &str, rules: &str) -> PathBuf {
    let src = common::repo().join("tests/fixtures/eval/three_valued");
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("rules")).unwrap();
    std::fs::write(
        root.join("aims.toml"),
        "rules = [\"rules\"]\nfacts = \"facts.yaml\"\n",
    )
    .unwrap();
    std::fs::copy(src.join("facts.yaml"), root.join("facts.yaml")).unwrap();
    std::fs::write(root.join(RULES), rules).unwrap();
    root.canonicalize().unwrap()
}

fn open(c: &mut Client, text: &str) {
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": c.uri(RULES), "languageId": "aims", "version": 1, "text": text}}),
    );
}

/// What an editor shows of the document, from requests answered on the server's text, with
/// the workspace's URIs taken out.
fn shown(c: &mut Client) -> String {
    let doc = json!({"textDocument": {"uri": c.uri(RULES)}});
    let mut out = Vec::new();
    for method in [
        "textDocument/documentSymbol",
        "textDocument/semanticTokens/full",
        "textDocument/foldingRange",
        "textDocument/codeLens",
    ] {
        let answer = c.request(method, doc.clone());
        assert!(answer.get("error").is_none(), "{method}: {answer}");
        out.push((method, answer));
    }
    let formatting = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": c.uri(RULES)}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    out.push(("textDocument/formatting", formatting));
    let root = c.uri(".");
    serde_json::to_string_pretty(&out)
        .unwrap()
        .replace(&format!("{root}/"), "")
}

fn is_cancelled(v: &Value) -> bool {
    v.get("error").is_some_and(|e| e["code"] == json!(-32801))
}

#[test]
fn thousands_of_random_edits_end_where_a_fresh_open_starts() {
    let initial =
        std::fs::read_to_string(common::repo().join("tests/fixtures/eval/three_valued/rules.aims"))
            .unwrap();
    let root = workspace("lsp-soak-edited", &initial);
    let mut c = Client::start(env!("CARGO_BIN_EXE_aimsc"), &root, "2026-11-01");
    c.wait_outcomes();
    open(&mut c, &initial);
    c.wait_outcomes();

    let mut text = initial.clone();
    let mut rng = Rng(0x5eed_1234_abcd_0042);
    let (mut odd_positions, mut reversed, mut in_pairs) = (0, 0, 0);
    let (mut answered, mut cancelled) = (0, 0);
    for version in 2..EDITS + 2 {
        // One to three changes per notification, applied in order.
        let mut changes = Vec::new();
        for _ in 0..=rng.below(3) / 2 {
            // Mostly insertions and short replacements, so the text grows; sometimes a range
            // to anywhere, which may run backwards.
            let a = position(&mut rng, &text);
            let b = match rng.below(50) {
                0 => position(&mut rng, &text),
                1..=25 => a,
                _ => (a.0, a.1.saturating_add(rng.below(8) as u32)),
            };
            let new_text = SNIPPETS[rng.below(SNIPPETS.len() as u64) as usize];
            let (s, e) = (offset(&text, a.0, a.1), offset(&text, b.0, b.1));
            if (b.0, b.1) < (a.0, a.1) {
                reversed += 1;
            }
            let exists = |(l, ch): (u32, u32)| {
                (l as usize) < text.split('\n').count() && ch <= line_units(&text, l as usize)
            };
            if !exists(a) || !exists(b) {
                odd_positions += 1;
            }
            if inside_pair(&text, a) || inside_pair(&text, b) {
                in_pairs += 1;
            }
            text.replace_range(s..e.max(s), new_text);
            changes.push(json!({
                "range": {"start": {"line": a.0, "character": a.1}, "end": {"line": b.0, "character": b.1}},
                "text": new_text,
            }));
        }
        // Now and then the whole text at once, as some editors send it.
        if rng.below(200) == 0 {
            changes.push(json!({"text": text}));
        }
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": c.uri(RULES), "version": version}, "contentChanges": changes}),
        );
        // Requests between edits: answered, or cancelled by the next edit; never a crash.
        if version % 25 == 0 {
            let (l, ch) = position(&mut rng, &text);
            let at = json!({"textDocument": {"uri": c.uri(RULES)}, "position": {"line": l, "character": ch}});
            let method = [
                "textDocument/hover",
                "textDocument/completion",
                "textDocument/definition",
            ][rng.below(3) as usize];
            let answer = c.request(method, at);
            if is_cancelled(&answer) {
                cancelled += 1;
            } else {
                assert!(answer.get("error").is_none(), "{method}: {answer}");
                answered += 1;
            }
        }
    }
    // The script reached what it is meant to test.
    assert!(
        odd_positions > EDITS / 10,
        "only {odd_positions} edits had positions that do not exist"
    );
    assert!(reversed > EDITS / 200, "only {reversed} reversed ranges");
    assert!(
        in_pairs > 10,
        "only {in_pairs} positions inside a surrogate pair"
    );
    assert!(
        answered > 0,
        "no request was answered ({cancelled} cancelled)"
    );
    let edited = shown(&mut c);
    eprintln!(
        "soak: {odd_positions} odd positions, {reversed} reversed, {in_pairs} in pairs, {answered} answered, {cancelled} cancelled; final text {} bytes; shown {} bytes",
        text.len(),
        edited.len()
    );
    c.shutdown();

    // A second server, opening the final text from nothing.
    let fresh_root = workspace("lsp-soak-fresh", &text);
    let mut f = Client::start(env!("CARGO_BIN_EXE_aimsc"), &fresh_root, "2026-11-01");
    f.wait_outcomes();
    open(&mut f, &text);
    f.wait_outcomes();
    let fresh = shown(&mut f);
    f.shutdown();
    assert!(
        edited == fresh,
        "the edited document differs from a fresh open of the same text\n--- edited\n{edited}\n--- fresh\n{fresh}"
    );
}
