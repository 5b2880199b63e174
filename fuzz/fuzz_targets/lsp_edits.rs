//! A sequence of editor edits to a rule file, as the language server applies them: the
//! input is the initial text, a NUL byte, then the edit script. Positions may be past line
//! ends, past the last line or inside surrogate pairs; ranges may be reversed. After every
//! few edits the editor's features run; at the end, the project edited incrementally must
//! show exactly what a fresh project opened on the final text shows.
#![no_main]

use aimsc_db::Project;
use aimsc_ide::edit::{Utf16Pos, apply, offset_at};
use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

const PATH: &str = "rules.aims";

/// Pieces of the language, so that edits often make or break real constructs.
const SNIPPETS: &[&str] = &[
    "control ",
    "rule ",
    "require ",
    "def ",
    "record ",
    "enum ",
    "facts ",
    "framework ",
    "exclude ",
    "waive ",
    "until 2026-01-01 ",
    "owner \"x\" ",
    "map ",
    "->",
    "all ",
    "any ",
    "none ",
    " in ",
    " where ",
    ": ",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "\"",
    "\"t\"",
    " and ",
    " or ",
    "not ",
    " is set",
    " == ",
    " >= ",
    "1",
    "2026-11-01",
    "30d",
    "acme::a",
    "x.y",
    "\n",
    "\r\n",
    " ",
    "//c\n",
    "é",
    "\u{1F600}",
    "\t",
];

fn pos(u: &mut Unstructured<'_>) -> arbitrary::Result<Utf16Pos> {
    // Mostly near the text; sometimes far past it.
    let far = u.ratio(1, 16)?;
    let line = if far {
        u32::arbitrary(u)?
    } else {
        u32::from(u8::arbitrary(u)? % 40)
    };
    let character = if far {
        u32::arbitrary(u)?
    } else {
        u32::from(u8::arbitrary(u)? % 90)
    };
    Ok(Utf16Pos { line, character })
}

fn line_index(text: &str) -> aimsc_diagnostics::LineIndex {
    aimsc_diagnostics::LineIndex::new(text)
}

fn project(text: &str) -> Project {
    Project::new(
        vec![(Arc::from(PATH), text.to_string())],
        Vec::new(),
        aimsc::Date::constant(2026, 11, 1),
    )
}

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|b| *b == 0).unwrap_or(data.len());
    let mut text = String::from_utf8_lossy(&data[..split]).into_owned();
    let mut u = Unstructured::new(data.get(split + 1..).unwrap_or_default());
    let mut edited = project(&text);
    let mut n = 0;
    while !u.is_empty() && n < 64 {
        n += 1;
        let Ok(whole) = u.ratio(1, 32) else { break };
        let new_text = match u.choose(SNIPPETS) {
            Ok(s) if u.ratio(3, 4).unwrap_or(true) => (*s).to_string(),
            _ => String::arbitrary(&mut u).unwrap_or_default(),
        };
        let range = if whole {
            None
        } else {
            match (pos(&mut u), pos(&mut u)) {
                (Ok(a), Ok(b)) => Some((a, b)),
                _ => break,
            }
        };
        apply(&mut text, range, &new_text);
        edited.set_rule_text(PATH, text.clone());
        if n % 4 == 0 {
            let _ = aimsc_tests::editor_state(&edited, PATH);
            let analysis = aimsc_ide::Analysis::new(&edited);
            // Offsets come from protocol positions, as in the server.
            let Ok(p) = pos(&mut u) else { break };
            let at = offset_at(&text, &line_index(&text), p);
            let _ = analysis.hover(PATH, at);
            let _ = analysis.completions(PATH, at);
            let _ = analysis.definition(PATH, at);
        }
    }
    let fresh = project(&text);
    assert_eq!(
        aimsc_tests::editor_state(&edited, PATH),
        aimsc_tests::editor_state(&fresh, PATH),
        "the edited project differs from a fresh open of the same text"
    );
});
