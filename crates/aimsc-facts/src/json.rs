//! JSON facts (RFC 8259), read straight into the value tree with a byte span on every value and
//! every key.
//!
//! Why not a crate: serde_json is the fastest reader but tells a visitor nothing about where a
//! value is, and the span-keeping JSON readers on crates.io either build their own tree first
//! (which costs as much again) or are unmaintained. JSON's grammar is small; this reader is
//! checked against serde_json on every input of the fuzz corpus (`fuzz_targets/json.rs`) and in
//! the tests below: both accept the same texts and read the same values.
//!
//! Limits apply while reading: nesting deeper than [`MAX_DEPTH`], a list over `max_records`
//! elements or a string over `max_string_bytes` stop the read at that point.

use crate::limits::MAX_DEPTH;
use crate::parse::{Ctx, duplicate};
use crate::value::{Entry, Scratch, Value, ValueKind};
use aimsc_diagnostics::{Diagnostic, Location, Span};
use std::borrow::Cow;

/// Reads a whole JSON document.
pub(crate) fn parse_json(ctx: &Ctx<'_>) -> Result<Value, Diagnostic> {
    let bytes = ctx.text.as_bytes();
    // A byte-order mark is not JSON, but editors on Windows write one; skip it.
    let start = if bytes.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let mut r = Reader {
        ctx,
        bytes,
        pos: start,
        scratch: Scratch::default(),
    };
    r.skip_ws();
    let v = r.value(1)?;
    r.skip_ws();
    if r.pos < bytes.len() {
        return Err(r.error(r.pos, "unexpected text after the JSON value"));
    }
    Ok(v)
}

struct Reader<'c, 't> {
    ctx: &'c Ctx<'t>,
    bytes: &'t [u8],
    pos: usize,
    scratch: Scratch,
}

impl<'t> Reader<'_, 't> {
    fn error(&self, at: usize, message: &str) -> Diagnostic {
        Diagnostic::error(
            aimsc_diagnostics::codes::FACTS_SYNTAX,
            format!("cannot read facts: {message}"),
            Some(Location::new(&self.ctx.path, self.ctx.point(at))),
        )
        .with_label("here")
        .with_help("a `.json` facts file is strict JSON: keys and strings in double quotes, no comments, no trailing commas")
    }

    fn eof_or(&self, message: &str) -> Diagnostic {
        if self.pos >= self.bytes.len() {
            self.error(self.bytes.len(), "the file ends in the middle of a value")
        } else {
            self.error(self.pos, message)
        }
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn value(&mut self, depth: usize) -> Result<Value, Diagnostic> {
        let start = self.pos;
        let kind = match self.peek() {
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => {
                let s = self.string()?;
                self.ctx.check_str(&s, Span::new(start, self.pos))?;
                ValueKind::Str(self.scratch.text(&s))
            }
            Some(b't') => self.literal(b"true", ValueKind::Bool(true))?,
            Some(b'f') => self.literal(b"false", ValueKind::Bool(false))?,
            Some(b'n') => self.literal(b"null", ValueKind::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            _ => return Err(self.eof_or("expected a JSON value")),
        };
        Ok(Value {
            kind,
            file: self.ctx.file,
            span: Span::new(start, self.pos),
        })
    }

    fn too_deep(&self, depth: usize) -> Result<(), Diagnostic> {
        if depth <= MAX_DEPTH {
            return Ok(());
        }
        Err(Diagnostic::error(
            aimsc_diagnostics::codes::LIMIT_DEPTH,
            format!("facts nest deeper than {MAX_DEPTH} levels"),
            Some(Location::new(&self.ctx.path, self.ctx.point(self.pos))),
        )
        .with_label("too deep here"))
    }

    fn object(&mut self, depth: usize) -> Result<ValueKind, Diagnostic> {
        self.too_deep(depth)?;
        self.pos += 1;
        let mut map = self.scratch.map();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(ValueKind::Map(self.scratch.finish_map(map)));
        }
        loop {
            self.skip_ws();
            let key_start = self.pos;
            if self.peek() != Some(b'"') {
                return Err(self.eof_or("expected a key in double quotes"));
            }
            let key = self.string()?;
            let key_span = Span::new(key_start, self.pos);
            self.ctx.check_str(&key, key_span)?;
            let key = self.scratch.text(&key);
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.eof_or("expected `:` after the key"));
            }
            self.pos += 1;
            self.skip_ws();
            let value = self.value(depth + 1)?;
            if let Err((key, first)) = map.insert(key, Entry { key_span, value }) {
                return Err(duplicate(&self.ctx.path, &key, first, key_span));
            }
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(ValueKind::Map(self.scratch.finish_map(map)));
                }
                _ => return Err(self.eof_or("expected `,` or `}` after the value")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<ValueKind, Diagnostic> {
        self.too_deep(depth)?;
        let start = self.pos;
        self.pos += 1;
        let mut items = self.scratch.list();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(ValueKind::List(self.scratch.finish_list(items)));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth + 1)?);
            self.ctx
                .check_list(items.len(), Span::new(start, self.pos))?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(ValueKind::List(self.scratch.finish_list(items)));
                }
                _ => return Err(self.eof_or("expected `,` or `]` after the element")),
            }
        }
    }

    fn literal(&mut self, word: &[u8], kind: ValueKind) -> Result<ValueKind, Diagnostic> {
        if self.bytes.get(self.pos..self.pos + word.len()) == Some(word) {
            self.pos += word.len();
            Ok(kind)
        } else {
            Err(self.eof_or("expected a JSON value (`true`, `false` and `null` are lower case; text goes in double quotes)"))
        }
    }

    fn digits(&mut self) -> usize {
        let from = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - from
    }

    fn number(&mut self) -> Result<ValueKind, Diagnostic> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let int_start = self.pos;
        let n = self.digits();
        if n == 0 {
            return Err(self.eof_or("expected a digit"));
        }
        if n > 1 && self.bytes.get(int_start) == Some(&b'0') {
            return Err(self.error(int_start, "a number may not start with `0`"));
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            integer = false;
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.eof_or("expected a digit after `.`"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            integer = false;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.eof_or("expected a digit in the exponent"));
            }
        }
        // The bytes are ASCII digits and signs, so they are a `str`.
        let text = std::str::from_utf8(&self.bytes[start..self.pos]).unwrap_or_default();
        // A message never echoes an unbounded run of digits.
        let shown = || match text.get(..40) {
            Some(head) if text.len() > 40 => format!("{head}…"),
            _ => text.to_string(),
        };
        if integer {
            return text
                .parse::<i64>()
                .map(ValueKind::Int)
                .map_err(|_| self.error(start, &format!("integer {} is too large", shown())));
        }
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(ValueKind::Float(f)),
            _ => Err(self.error(start, &format!("number {} is out of range", shown()))),
        }
    }

    /// A string; `pos` is at its opening quote and ends after the closing one.
    fn string(&mut self) -> Result<Cow<'t, str>, Diagnostic> {
        let open = self.pos;
        self.pos += 1;
        let from = self.pos;
        // The common case: no escape, so the string is a slice of the text.
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b'"' => {
                    let s = &self.ctx.text[from..self.pos];
                    self.pos += 1;
                    return Ok(Cow::Borrowed(s));
                }
                b'\\' => break,
                0..=0x1F => return Err(self.control(open)),
                _ => self.pos += 1,
            }
        }
        let mut out = String::from(&self.ctx.text[from..self.pos]);
        loop {
            let Some(&b) = self.bytes.get(self.pos) else {
                return Err(self.unterminated(open));
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                b'\\' => {
                    let at = self.pos;
                    self.pos += 1;
                    let Some(e) = self.peek() else {
                        return Err(self.unterminated(open));
                    };
                    self.pos += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => out.push(self.unicode(at)?),
                        _ => return Err(self.error(at, "unknown escape in a string")),
                    }
                }
                0..=0x1F => return Err(self.control(open)),
                _ => {
                    // Copy up to the next quote, backslash or control character at once.
                    let run = self.pos;
                    while let Some(&c) = self.bytes.get(self.pos) {
                        if c == b'"' || c == b'\\' || c < 0x20 {
                            break;
                        }
                        self.pos += 1;
                    }
                    out.push_str(&self.ctx.text[run..self.pos]);
                }
            }
        }
    }

    fn control(&self, open: usize) -> Diagnostic {
        if self.pos >= self.bytes.len() {
            return self.unterminated(open);
        }
        self.error(
            self.pos,
            "a line break or control character inside a string (write it as an escape, such as `\\n`)",
        )
    }

    fn unterminated(&self, open: usize) -> Diagnostic {
        self.error(open, "this string has no closing `\"`")
    }

    fn hex4(&mut self, at: usize) -> Result<u32, Diagnostic> {
        let digits = self
            .bytes
            .get(self.pos..self.pos + 4)
            .and_then(|d| std::str::from_utf8(d).ok())
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|d| u32::from_str_radix(d, 16).ok());
        let Some(n) = digits else {
            return Err(self.error(at, "`\\u` must be followed by four hexadecimal digits"));
        };
        self.pos += 4;
        Ok(n)
    }

    /// The character of a `\uXXXX` escape (a surrogate pair takes two); `pos` is after `u`.
    fn unicode(&mut self, at: usize) -> Result<char, Diagnostic> {
        let first = self.hex4(at)?;
        let code = match first {
            0xD800..=0xDBFF => {
                if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                    return Err(self.error(at, "a lone UTF-16 surrogate in a `\\u` escape"));
                }
                self.pos += 2;
                let second = self.hex4(at)?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(self.error(at, "a lone UTF-16 surrogate in a `\\u` escape"));
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => {
                return Err(self.error(at, "a lone UTF-16 surrogate in a `\\u` escape"));
            }
            n => n,
        };
        char::from_u32(code).ok_or_else(|| self.error(at, "an invalid `\\u` escape"))
    }
}

#[cfg(test)]
mod tests {
    use crate::limits::Limits;
    use crate::value::{Value, ValueKind};
    use std::sync::Arc;

    fn read(text: &str) -> Result<Value, String> {
        crate::parse_file(&Arc::from("f.json"), 0, text, &Limits::default()).map_err(|d| d.message)
    }

    /// The value as serde_json would read it, for comparison.
    fn plain(v: &Value) -> serde_json::Value {
        match &v.kind {
            ValueKind::Null => serde_json::Value::Null,
            ValueKind::Bool(b) => (*b).into(),
            ValueKind::Int(n) => (*n).into(),
            ValueKind::Float(f) => (*f).into(),
            ValueKind::Str(s) => (**s).into(),
            ValueKind::List(l) => l.iter().map(plain).collect(),
            ValueKind::Map(m) => m
                .iter()
                .map(|(k, e)| (k.to_string(), plain(&e.value)))
                .collect::<serde_json::Map<_, _>>()
                .into(),
        }
    }

    #[test]
    fn agrees_with_serde_json_on_valid_and_invalid_texts() {
        let cases = [
            r#"{"a": [1, -2, 3.5, 1e3, -0.25E-2, true, false, null, "x\"y\\u00e9\ud83d\ude00\n"]}"#,
            r#"{"a": {"b": {"c": []}}, "d": {}}"#,
            "  {\"k\" : \"v\" }  \n",
            "[]",
            "\"text\"",
            "{\"a\": 01}",
            "{\"a\": 1,}",
            "{\"a\" 1}",
            "{a: 1}",
            "{\"a\": tru}",
            "{\"a\": \"x\ny\"}",
            "{\"a\": \"\\ud800\"}",
            "{\"a\": \"\\x\"}",
            "{\"a\": 1} {}",
            "{\"a\": -}",
            "{\"a\": 1.}",
            "{\"a\": 1e}",
            "{\"a\": \"open",
            "[1, 2",
        ];
        for text in cases {
            let ours = read(text).map(|v| plain(&v));
            let theirs: Result<serde_json::Value, _> = serde_json::from_str(text);
            match (&ours, &theirs) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{text}"),
                (Err(_), Err(_)) => {}
                _ => panic!("{text}: aimsc {ours:?}, serde_json {theirs:?}"),
            }
        }
    }

    /// serde_json reads an integer beyond 64 bits as an approximate decimal; facts refuse it
    /// rather than change the number.
    #[test]
    fn an_integer_beyond_64_bits_is_refused_not_rounded() {
        let err = read("{\"a\": 99999999999999999999}").err();
        assert_eq!(
            err.as_deref(),
            Some("cannot read facts: integer 99999999999999999999 is too large")
        );
    }

    #[test]
    fn a_long_number_is_not_echoed_whole() {
        let text = format!("[{}]", "9".repeat(10_000));
        let err = read(&text).err().unwrap_or_default();
        assert!(err.len() < 100, "{err}");
        assert!(err.ends_with("… is too large"), "{err}");
    }

    #[test]
    fn every_value_and_key_keeps_its_byte_span() {
        let text = "{\"org\": {\"name\": \"Acme\", \"size\": 12}, \"tags\": [true, null]}";
        let Ok(v) = read(text) else {
            panic!("valid JSON");
        };
        let span = |v: Option<&Value>| v.map(|v| &text[v.span.start()..v.span.end()]);
        let org = v.get("org");
        assert_eq!(span(org.and_then(|o| o.get("name"))), Some("\"Acme\""));
        assert_eq!(span(org.and_then(|o| o.get("size"))), Some("12"));
        assert_eq!(span(org), Some("{\"name\": \"Acme\", \"size\": 12}"));
        let key = match &v.kind {
            ValueKind::Map(m) => m
                .get("tags")
                .map(|e| &text[e.key_span.start()..e.key_span.end()]),
            _ => None,
        };
        assert_eq!(key, Some("\"tags\""));
    }

    #[test]
    fn limits_stop_the_read_where_they_are_crossed() {
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        let err = crate::parse_file(&Arc::from("f.json"), 0, &deep, &Limits::default()).err();
        assert_eq!(
            err.map(|d| d.code),
            Some(aimsc_diagnostics::codes::LIMIT_DEPTH.id)
        );
        let small = Limits {
            max_records: 2,
            max_string_bytes: 3,
            ..Limits::default()
        };
        let code = |t: &str| {
            crate::parse_file(&Arc::from("f.json"), 0, t, &small)
                .err()
                .map(|d| d.code)
        };
        assert_eq!(
            code("[1, 2, 3]"),
            Some(aimsc_diagnostics::codes::LIMIT_RECORDS.id)
        );
        assert_eq!(
            code("{\"abcd\": 1}"),
            Some(aimsc_diagnostics::codes::LIMIT_STRING.id)
        );
        assert_eq!(code("[1, 2]"), None);
    }
}
