//! The common shape of YAML facts, read straight from the parser's events.
//!
//! serde-saphyr reads YAML into our value tree through serde: a tree of its own spanned values
//! first, then ours, at about 15 MB/s; the event parser under it (granit-parser) runs at
//! about 45 MB/s. Most facts files use a small part of YAML: block and flow mappings and
//! sequences, plain and quoted scalars, comments. This module builds the value tree from the
//! events of such a file directly, with the spans serde-saphyr gives. Whenever a file leaves
//! that part — an anchor, an alias, a tag, a merge key, a directive, a second document, a
//! scalar whose type it does not decide as serde-saphyr would, a key that is not text, a
//! duplicate key, a limit passed, a syntax error — it gives up, and serde-saphyr reads the
//! whole file as before, with the same values or the same diagnostic. What serde-saphyr
//! decides is therefore the definition; `tests` and the `yaml` fuzz target compare the two.

use crate::limits::MAX_DEPTH;
use crate::parse::Ctx;
use crate::value::{Entry, Scratch, Value, ValueKind};
use aimsc_diagnostics::Span;
use granit_parser::{Event, Parser, ScalarStyle, StrInput};
use std::borrow::Cow;

/// The facts of `ctx.text`, when the file is in the common shape; `None` when serde-saphyr
/// must read it.
pub(crate) fn read(ctx: &Ctx<'_>) -> Option<Value> {
    let mut options = granit_parser::Options::default();
    options.emit_comments = false;
    let mut r = Reader {
        ctx,
        events: Parser::new_from_str_with_options(ctx.text, options),
        nodes: 0,
        scratch: Scratch::default(),
    };
    if !matches!(r.next()?.0, Event::StreamStart) {
        return None;
    }
    if !matches!(r.next()?.0, Event::DocumentStart(_, None)) {
        return None;
    }
    let (event, span) = r.next()?;
    let root = r.node(event, span, 1)?;
    if !matches!(r.next()?.0, Event::DocumentEnd) || !matches!(r.next()?.0, Event::StreamEnd) {
        return None;
    }
    Some(root)
}

/// More nodes than this and serde-saphyr's node budget decides.
const MAX_NODES: usize = 100_000_000;

struct Reader<'t, 'c> {
    ctx: &'c Ctx<'t>,
    events: Parser<'t, StrInput<'t>>,
    nodes: usize,
    scratch: Scratch,
}

impl<'t> Reader<'t, '_> {
    fn next(&mut self) -> Option<(Event<'t>, granit_parser::Span)> {
        self.events.next()?.ok()
    }

    fn span(&self, s: &granit_parser::Span) -> Option<Span> {
        let (start, end) = (s.start.byte_offset()?, s.end.byte_offset()?);
        (start <= end && end <= self.ctx.text.len()).then(|| Span::new(start, end))
    }

    fn node(&mut self, event: Event<'t>, at: granit_parser::Span, depth: usize) -> Option<Value> {
        self.nodes += 1;
        if self.nodes > MAX_NODES || depth >= MAX_DEPTH {
            return None;
        }
        let span = self.span(&at)?;
        let kind = match event {
            Event::Scalar(text, style, 0, None) => {
                let kind = scalar(text, style, &mut self.scratch)?;
                if let ValueKind::Str(s) = &kind {
                    self.ctx.check_str(s, span).ok()?;
                }
                kind
            }
            Event::SequenceStart(_, 0, None) => {
                let mut items = self.scratch.list();
                loop {
                    let (event, at) = self.next()?;
                    if matches!(event, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(event, at, depth + 1)?);
                }
                self.ctx.check_list(items.len(), span).ok()?;
                ValueKind::List(self.scratch.finish_list(items))
            }
            Event::MappingStart(_, 0, None) => {
                let mut map = self.scratch.map();
                loop {
                    let (event, at) = self.next()?;
                    let key = match event {
                        Event::MappingEnd => break,
                        Event::Scalar(text, style, 0, None) => {
                            match scalar(text, style, &mut self.scratch)? {
                                // A merge key, or a key that is not text: serde-saphyr's.
                                ValueKind::Str(k) if &*k != "<<" => k,
                                _ => return None,
                            }
                        }
                        _ => return None,
                    };
                    let key_span = self.span(&at)?;
                    self.ctx.check_str(&key, key_span).ok()?;
                    let (event, at) = self.next()?;
                    let value = self.node(event, at, depth + 1)?;
                    map.insert(key, Entry { key_span, value }).ok()?;
                }
                ValueKind::Map(self.scratch.finish_map(map))
            }
            _ => return None,
        };
        Some(Value {
            kind,
            file: self.ctx.file,
            span,
        })
    }
}

/// An untagged scalar's value as serde-saphyr's `deserialize_any` decides it (YAML 1.2 core
/// schema, strict booleans), for the spellings facts use; `None` for the rest.
fn scalar(text: Cow<'_, str>, style: ScalarStyle, scratch: &mut Scratch) -> Option<ValueKind> {
    if style != ScalarStyle::Plain {
        return Some(ValueKind::Str(scratch.text(&text)));
    }
    let s: &str = &text;
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Some(ValueKind::Null),
        "true" | "True" | "TRUE" => return Some(ValueKind::Bool(true)),
        "false" | "False" | "FALSE" => return Some(ValueKind::Bool(false)),
        _ => {}
    }
    // serde-saphyr trims these before typing; a plain scalar never has them at its ends.
    if s.starts_with([' ', '\t', '\r', '\n']) || s.ends_with([' ', '\t', '\r', '\n']) {
        return None;
    }
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    if unsigned.starts_with('.') {
        // `.5`, `.inf`, `-.nan`, and words after a point.
        return None;
    }
    if !unsigned.starts_with(|c: char| c.is_ascii_digit()) {
        // A word: never a number.
        return Some(ValueKind::Str(scratch.text(&text)));
    }
    if simple_integer(s) {
        // Past i64, serde-saphyr reports the integer as too large.
        return s.parse().ok().map(ValueKind::Int);
    }
    if simple_decimal(s) {
        return s
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(ValueKind::Float);
    }
    if date(s) {
        return Some(ValueKind::Str(scratch.text(&text)));
    }
    // Other spellings made of number characters (`+1`, `007`, `1_000`, `0x1F`, `1e3`, `1.2.3`)
    // are typed by rules this module does not repeat.
    let numeric = |b: u8| b.is_ascii_hexdigit() || b"+-._xXoO".contains(&b);
    if s.bytes().all(numeric) {
        return None;
    }
    Some(ValueKind::Str(scratch.text(&text)))
}

/// `0`, `-0`, `42`, `-17`: no sign `+`, no leading zero, no `_`.
fn simple_integer(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
}

/// `0.95`, `-12.5`: an integer part as [`simple_integer`], a point and digits.
fn simple_decimal(s: &str) -> bool {
    s.split_once('.').is_some_and(|(whole, fraction)| {
        simple_integer(whole)
            && !fraction.is_empty()
            && fraction.bytes().all(|b| b.is_ascii_digit())
    })
}

/// `2026-09-01`: text to YAML 1.2 (serde-saphyr types it as neither integer nor float).
fn date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;
    use std::sync::Arc;

    fn ctx(text: &str) -> Ctx<'_> {
        Ctx {
            path: Arc::from("f.yaml"),
            file: 3,
            text,
            limits: Limits::default(),
        }
    }

    /// What the common shape gives, when it reads `text`, must be what serde-saphyr gives.
    fn agrees(text: &str) -> Result<bool, String> {
        let c = ctx(text);
        let Some(fast) = read(&c) else {
            return Ok(false);
        };
        match crate::parse::saphyr(&c, text) {
            Ok(slow) if slow == fast => Ok(true),
            Ok(slow) => Err(format!("{text:?}:\n fast {fast:?}\n slow {slow:?}")),
            Err(d) => Err(format!("{text:?}: read, but serde-saphyr: {}", d.message)),
        }
    }

    #[test]
    fn the_common_shape_reads_as_serde_saphyr_reads() {
        let cases = [
            "org:\n  name: Acme\n  size: 12\n",
            "a: [1, -2, 0, -0, 0.5, -12.25, true, False, NULL, ~, '', \"x\"]\n",
            "a:\n  - b: 2026-09-01\n    c: 6 months\n  - {d: e, f: [g]}\n",
            "# comment\na: |\n  literal\n  text\nb: >\n  folded\n  text\n",
            "a: 'it''s'\nb: \"tab\\tquote\\\"\"\nc: multi\n  line plain\n",
            "a:\nc: -x\ne: é ü\nf: 2026-09-01T10:00:00Z\nh: 12 months\n",
            "---\na: 1\n...\n",
            "[1, 2, 3]\n",
            "plain\n",
            "a: 9223372036854775807\nb: -9223372036854775808\n",
        ];
        for text in cases {
            assert_eq!(agrees(text), Ok(true), "{text:?}");
        }
    }

    #[test]
    fn what_serde_saphyr_types_by_its_own_rules_is_left_to_it() {
        for text in [
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "base: &b {x: 1}\nc:\n  <<: *b\n",
            "a: 1\na: 2\n",
            "a: +1\n",
            "a: 007\n",
            "a: 1_000\n",
            "a: 0x1F\n",
            "a: 1e3\n",
            "a: .inf\n",
            "a: .5\n",
            "a: 1.2.3\n",
            "a: 1-2\n",
            "a: 9223372036854775808\n",
            "1: one\n",
            "true: yes\n",
            "? [complex]\n: key\n",
            "%YAML 1.2\n---\na: 1\n",
            "a: 1\n---\nb: 2\n",
            "a: [1, 2\n",
            "a: b: c\n",
        ] {
            assert_eq!(read(&ctx(text)), None, "{text:?}");
        }
    }

    /// A synthetic organisation as the benchmarks write it, and with every record's YAML as a
    /// file of its own: the direct path reads all of it, as serde-saphyr does.
    #[test]
    fn a_synthetic_organisation_reads_directly_and_the_same() {
        let org = aimsc_synth::Org::generate(&aimsc_synth::Config {
            systems: 300,
            seed: 7,
        });
        let text = org.to_yaml();
        assert_eq!(agrees(&text), Ok(true));
        for name in ["ai_systems", "datasets", "incidents", "people"] {
            for rec in org.collection(name) {
                assert_eq!(agrees(&aimsc_synth::yaml(rec)), Ok(true), "{name}");
            }
        }
    }

    /// Every YAML file of the repository read both ways: facts, tests, fixtures, workflows.
    #[test]
    fn every_yaml_file_in_the_repository_reads_the_same() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for e in entries.flatten() {
                let p = e.path();
                let name = e.file_name();
                if name == "target" || name == "node_modules" || name == ".git" {
                    continue;
                }
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                    out.push(p);
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = Vec::new();
        walk(&root, &mut files);
        let (mut fast, mut all) = (0, 0);
        for f in &files {
            let Ok(text) = std::fs::read_to_string(f) else {
                continue;
            };
            all += 1;
            match agrees(&text) {
                Ok(true) => fast += 1,
                Ok(false) => {}
                Err(e) => panic!("{}: {e}", f.display()),
            }
        }
        assert!(all > 100, "found {all} YAML files");
        // The shapes facts are written in: most files take the direct path.
        assert!(fast * 10 > all * 8, "{fast} of {all} read directly");
    }
}
