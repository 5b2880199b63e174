//! The canonical layout of `.aims` files, as `aimsc fmt` and the language server apply it.
//!
//! The formatter works on tokens, not on the tree: it keeps every token (comments included)
//! and every line break the author chose, and rewrites only the whitespace between them. That
//! makes it meaning-preserving by construction, as gofmt is, while still fixing everything a
//! reviewer would otherwise comment on:
//!
//! - indentation: two spaces per bracket opened on an earlier line, plus two for a line that
//!   continues an expression (after `:`, `=`, `and`, an operator, …, or starting with one);
//! - spacing: one space between tokens, none inside `()`/`[]`, before `,` `:` `?` `)` `]`,
//!   around `.`, or between a name and its call's `(`; `{ a }` on one line;
//! - blank lines: at most one in a row, none after `{` or before `}`, none at the start;
//! - no trailing whitespace, `\n` line ends, exactly one newline at the end.
//!
//! A file with syntax errors is not formatted: [`format_source`] returns its diagnostics.

use aimsc_diagnostics::Diagnostic;
use std::sync::Arc;

const INDENT: &str = "  ";

use crate::ITEM_KEYWORDS;

/// Words after which an expression continues on the next line.
const CONTINUING_WORDS: &[&str] = &["and", "or", "not", "in", "where", "when", "is"];

/// Operators after which (or before which) an expression continues on the next line.
const OPERATORS: &[&str] = &["=", "==", "!=", "<", "<=", ">", ">=", "+", "-", "->", ":"];

/// Words that take an expression: a `(` after them is a parenthesised expression, not a call.
const SPACED_BEFORE_PAREN: &[&str] = &["and", "or", "not", "in", "where", "when", "is"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok<'a> {
    Word(&'a str),
    Str(&'a str),
    Punct(&'a str),
    Comment(&'a str),
    Newline,
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn lex(text: &str) -> Vec<Tok<'_>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            // A lone `\r` ends a line, as the grammar and editors read it.
            b'\n' => {
                out.push(Tok::Newline);
                i += 1;
            }
            b'\r' if b.get(i + 1) != Some(&b'\n') => {
                out.push(Tok::Newline);
                i += 1;
            }
            b' ' | b'\t' | b'\r' => i += 1,
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = text[i..].find(['\n', '\r']).map_or(b.len(), |n| i + n);
                out.push(Tok::Comment(text[i..end].trim_end()));
                i = end;
            }
            b'"' => {
                let start = i;
                i += 1;
                while let Some(&s) = b.get(i).filter(|s| **s != b'"' && **s != b'\n') {
                    i += if s == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(b.len());
                out.push(Tok::Str(&text[start..i]));
            }
            c if is_ident_char(c) => {
                let start = i;
                let digit_start = c.is_ascii_digit();
                let mut in_id = false;
                i += 1;
                loop {
                    let next = b.get(i + 1).copied().is_some_and(is_ident_char);
                    match b.get(i) {
                        Some(&c) if is_ident_char(c) => i += 1,
                        Some(b':')
                            if b.get(i + 1) == Some(&b':')
                                && b.get(i + 2).copied().is_some_and(is_ident_char) =>
                        {
                            in_id = true;
                            i += 2;
                        }
                        Some(b'.') if next => i += 1,
                        Some(b'-') if next && (in_id || digit_start) => i += 1,
                        _ => break,
                    }
                }
                out.push(Tok::Word(&text[start..i]));
            }
            _ => {
                let two = text.get(i..i + 2).unwrap_or("");
                let len = if matches!(two, "->" | "==" | "!=" | "<=" | ">=") {
                    2
                } else {
                    text[i..].chars().next().map_or(1, char::len_utf8)
                };
                out.push(Tok::Punct(&text[i..i + len]));
                i += len;
            }
        }
    }
    out
}

fn is_opener(t: Tok<'_>) -> bool {
    matches!(t, Tok::Punct("(" | "[" | "{"))
}

fn is_closer(t: Tok<'_>) -> bool {
    matches!(t, Tok::Punct(")" | "]" | "}"))
}

fn continues_after(t: Tok<'_>) -> bool {
    match t {
        Tok::Word(w) => CONTINUING_WORDS.contains(&w),
        Tok::Punct(p) => OPERATORS.contains(&p),
        _ => false,
    }
}

fn continues_before(t: Tok<'_>) -> bool {
    match t {
        Tok::Word(w) => matches!(w, "and" | "or" | "where"),
        Tok::Punct(p) => OPERATORS.contains(&p),
        _ => false,
    }
}

fn space_between(prev: Tok<'_>, next: Tok<'_>) -> &'static str {
    match (prev, next) {
        (_, Tok::Comment(_)) => " ",
        (Tok::Punct("(" | "["), _) => "",
        (_, Tok::Punct(")" | "]" | "," | ":" | "?")) => "",
        (Tok::Punct("."), _) | (_, Tok::Punct(".")) => "",
        (Tok::Punct("{"), Tok::Punct("}")) => "",
        (Tok::Word(w), Tok::Punct("(")) if !SPACED_BEFORE_PAREN.contains(&w) => "",
        _ => " ",
    }
}

/// Lays out a file that parses. Text that does not parse is laid out too, token by token,
/// but only [`format_source`] guarantees the result means the same.
pub fn format(text: &str) -> String {
    let toks = lex(text);
    let lines: Vec<&[Tok<'_>]> = toks.split(|t| *t == Tok::Newline).collect();
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    // Each open bracket remembers the indent of the line that opened it.
    let mut stack: Vec<usize> = Vec::new();
    let mut prev_code: Option<Tok<'_>> = None;
    // The previous code line's base indent and continuation level: a quantifier body on its
    // own line goes one deeper than its `:` line, and what follows it stays there, because
    // the body extends as far as the expression does.
    let mut prev_base = usize::MAX;
    let mut prev_cont = 0usize;
    let mut pending_blank = false;
    let mut last_line_opened = true; // the file start behaves like a line after `{`
    for line in lines {
        let Some(&first) = line.first() else {
            pending_blank = true;
            continue;
        };
        let leading_closers = line.iter().take_while(|t| is_closer(**t)).count();
        let indent = if leading_closers > 0 {
            let mut indent = stack.last().copied().unwrap_or(0);
            for _ in 0..leading_closers {
                indent = stack.pop().unwrap_or(0);
            }
            prev_base = usize::MAX;
            indent
        } else {
            let base = stack.last().map_or(0, |i| i + 1);
            let is_comment = matches!(first, Tok::Comment(_));
            let starts_item = matches!(first, Tok::Word(w) if ITEM_KEYWORDS.contains(&w));
            let continuation = !is_comment
                && if stack.is_empty() {
                    !starts_item
                } else {
                    prev_code.is_some_and(continues_after) || continues_before(first)
                };
            let inherited = if base == prev_base { prev_cont } else { 0 };
            let cont = if !continuation {
                0
            } else if prev_code == Some(Tok::Punct(":")) {
                inherited + 1
            } else {
                inherited.max(1)
            };
            if !is_comment {
                prev_base = base;
                prev_cont = cont;
            }
            base + cont
        };
        if pending_blank && !last_line_opened && leading_closers == 0 {
            out.push('\n');
        }
        pending_blank = false;
        for _ in 0..indent {
            out.push_str(INDENT);
        }
        let mut prev: Option<Tok<'_>> = None;
        for (n, &t) in line.iter().enumerate() {
            if let Some(p) = prev {
                out.push_str(space_between(p, t));
            }
            out.push_str(tok_text(t));
            if n >= leading_closers {
                if is_opener(t) {
                    stack.push(indent);
                } else if is_closer(t) {
                    stack.pop();
                }
            }
            prev = Some(t);
        }
        out.push('\n');
        if let Some(last) = line.iter().rev().find(|t| !matches!(t, Tok::Comment(_))) {
            prev_code = Some(*last);
            last_line_opened = is_opener(*last);
        } else {
            last_line_opened = false;
        }
    }
    out
}

/// The lexical class of a token, for editors' highlighting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenClass {
    /// A name, keyword, number, date or id.
    Word,
    /// A string literal, quotes included.
    Str,
    /// An operator or bracket.
    Punct,
    /// A `//` comment.
    Comment,
}

/// The tokens of a text with their byte spans, newlines left out.
pub fn tokens(text: &str) -> Vec<(aimsc_diagnostics::Span, TokenClass)> {
    let base = text.as_ptr() as usize;
    lex(text)
        .into_iter()
        .filter_map(|t| {
            let (s, class) = match t {
                Tok::Word(s) => (s, TokenClass::Word),
                Tok::Str(s) => (s, TokenClass::Str),
                Tok::Punct(s) => (s, TokenClass::Punct),
                Tok::Comment(s) => (s, TokenClass::Comment),
                Tok::Newline => return None,
            };
            let start = s.as_ptr() as usize - base;
            Some((aimsc_diagnostics::Span::new(start, start + s.len()), class))
        })
        .collect()
}

fn tok_text<'a>(t: Tok<'a>) -> &'a str {
    match t {
        Tok::Word(s) | Tok::Str(s) | Tok::Punct(s) | Tok::Comment(s) => s,
        Tok::Newline => "\n",
    }
}

/// Formats a file, or returns its syntax errors: a file that does not parse is left alone.
pub fn format_source(path: &Arc<str>, text: &str) -> Result<String, Vec<Diagnostic>> {
    let (_, diags) = crate::parse(path, text);
    if diags.iter().any(Diagnostic::is_error) {
        Err(diags)
    } else {
        Ok(format(text.strip_prefix('\u{feff}').unwrap_or(text)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::format;

    #[test]
    fn lays_out_a_messy_control() {
        let src = "control  a::b   \"T\"{\n\n   require \"r\" {  all s in xs where s.x==1 :\nf( s , 2 )and s.y   is set}\n\n\n}\n\n\n// end   \n";
        let want = "control a::b \"T\" {\n  require \"r\" { all s in xs where s.x == 1:\n      f(s, 2) and s.y is set }\n}\n\n// end\n";
        assert_eq!(format(src), want);
        assert_eq!(format(want), want);
    }

    #[test]
    fn keeps_ids_dates_and_decimals_whole() {
        let src = "waive iso42001::A.6.2-x until 2027-03-31 owner \"o\" \"j\"\ndef d = 0.95 + 1\n";
        assert_eq!(format(src), src);
    }
}
