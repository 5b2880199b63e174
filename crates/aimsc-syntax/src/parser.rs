use crate::ast::*;
use aimsc_diagnostics::{Diagnostic, Location, Span};
use pest::Parser as _;
use pest::iterators::Pair;
use std::sync::Arc;

#[derive(pest_derive::Parser)]
#[grammar = "../../grammar/aimsc.pest"]
struct AimsParser;

/// How deeply expressions and brackets may nest. Deeper input is refused with a
/// diagnostic instead of risking the stack.
pub const MAX_NESTING: usize = 200;

/// Largest rule file parsed, in bytes. The shipped rulesets together are well under 1 MiB;
/// a larger file is refused rather than parsed, formatted and indexed at length.
pub const MAX_RULE_FILE_BYTES: usize = 16 * 1024 * 1024;

use crate::ITEM_KEYWORDS;

/// Parses one `.aims` file. Returns every item that parsed and a diagnostic per broken item.
pub fn parse(path: &Arc<str>, text: &str) -> (SourceFile, Vec<Diagnostic>) {
    let mut items = Vec::new();
    let mut diags = Vec::new();
    if text.len() > MAX_RULE_FILE_BYTES {
        diags.push(
            Diagnostic::error(
                aimsc_diagnostics::codes::LIMIT_FILE_SIZE,
                format!(
                    "`{path}` is {} bytes; the limit for a rule file is {} MiB",
                    text.len(),
                    MAX_RULE_FILE_BYTES / (1024 * 1024)
                ),
                Some(Location::new(path, Span::new(0, 0))),
            )
            .with_help("split the rules into several files in one folder"),
        );
        return (SourceFile { items }, diags);
    }
    lint_text(path, text, &mut diags);
    let mut pos = skip_trivia(text, 0);
    if pos >= text.len() {
        diags.push(
            Diagnostic::error(
                aimsc_diagnostics::codes::PARSE_EMPTY,
                "rule file is empty",
                Some(Location::new(path, Span::new(0, 0))),
            )
            .with_label("no items here")
            .with_help(
                "write at least one item, e.g. `framework acme \"Acme rules\"`, or delete the file",
            ),
        );
    }
    while pos < text.len() {
        let rest = &text[pos..];
        let end_guess = next_item_start(text, pos + 1);
        if let Some((depth_at, _)) = too_deep(&text[pos..end_guess]) {
            diags.push(
                Diagnostic::error(
                    aimsc_diagnostics::codes::LIMIT_NESTING,
                    format!("this item nests deeper than {MAX_NESTING} levels"),
                    Some(Location::new(
                        path,
                        Span::new(pos + depth_at, pos + depth_at + 1),
                    )),
                )
                .with_label("nesting limit reached here")
                .with_help("split the expression into `def`s or `let` bindings"),
            );
            pos = skip_trivia(text, end_guess);
            continue;
        }
        let key = reuse::Key::at(text, pos, end_guess);
        if let Some((item, end)) = key.as_ref().and_then(|k| reuse::recall(k, pos)) {
            items.push(item);
            pos = skip_trivia(text, end);
            continue;
        }
        match AimsParser::parse(Rule::item_at, rest) {
            Ok(mut pairs) => {
                let Some(pair) = pairs.next() else { break };
                let end = pos + pair.as_span().end();
                let before = diags.len();
                let mut b = Builder {
                    path,
                    offset: pos,
                    diags: &mut diags,
                    depth: 0,
                };
                if let Some(item) = b.item_or_error(pair) {
                    if let Some(k) = key
                        && diags.len() == before
                        && end <= end_guess
                    {
                        reuse::remember(k, &item, pos, end);
                    }
                    items.push(item);
                }
                pos = skip_trivia(text, end);
            }
            Err(err) => {
                diags.push(syntax_error(path, pos, rest, &err));
                pos = skip_trivia(text, end_guess);
            }
        }
    }
    (SourceFile { items }, diags)
}

/// Items parsed before, found again after an edit elsewhere in their file (see
/// [`remember_items`]).
mod reuse {
    use crate::ast::Item;
    use crate::shift::Shift;
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{LazyLock, Mutex};

    static ON: AtomicBool = AtomicBool::new(false);

    /// Items remembered, by [`Key`]: each as parsed, where it was, and where it ended.
    static ITEMS: LazyLock<Mutex<Remembered>> = LazyLock::new(|| Mutex::new(Remembered::default()));

    #[derive(Default)]
    struct Remembered {
        items: HashMap<Key, (Item, usize, usize)>,
        bytes: usize,
    }

    /// Bytes remembered at most (an item's text, and its tree counted as three times that);
    /// past that, everything is forgotten at once.
    const MAX_BYTES: usize = 64 * 1024 * 1024;

    /// Bytes of text after an item's slice that are part of its key: what the parser looks
    /// at past the item's end (the next item keyword's first letters, as it tries whether an
    /// expression goes on), with room to spare.
    const LOOKAHEAD: usize = 16;

    /// What an item's parse depends on: the text from its start to the next line that starts
    /// an item, where that next line is, and the first bytes of that line.
    #[derive(Clone, PartialEq, Eq, Hash)]
    pub(super) struct Key {
        slice: usize,
        text: Box<str>,
    }

    impl Key {
        /// The key of the item at `pos`, whose slice ends at `end_guess`; `None` when items
        /// are not remembered.
        pub(super) fn at(text: &str, pos: usize, end_guess: usize) -> Option<Key> {
            if !ON.load(Ordering::Relaxed) {
                return None;
            }
            let mut end = end_guess.saturating_add(LOOKAHEAD).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            Some(Key {
                slice: end_guess.checked_sub(pos)?,
                text: Box::from(text.get(pos..end)?),
            })
        }
    }

    pub(super) fn remember(key: Key, item: &Item, at: usize, end: usize) {
        let Ok(mut r) = ITEMS.lock() else { return };
        let cost = key.text.len().saturating_mul(4);
        if r.bytes.saturating_add(cost) > MAX_BYTES {
            *r = Remembered::default();
        }
        if r.items.insert(key, (item.clone(), at, end)).is_none() {
            r.bytes += cost;
        }
    }

    /// The item remembered under `key`, moved to `pos`, and where it ends there.
    pub(super) fn recall(key: &Key, pos: usize) -> Option<(Item, usize)> {
        let r = ITEMS.lock().ok()?;
        let (item, at, end) = r.items.get(key)?;
        let by = i64::try_from(pos).ok()? - i64::try_from(*at).ok()?;
        let mut item = item.clone();
        item.shift(by);
        Some((item, end - at + pos))
    }

    pub(super) fn set(on: bool) {
        ON.store(on, Ordering::Relaxed);
        if !on && let Ok(mut r) = ITEMS.lock() {
            *r = Remembered::default();
        }
    }
}

/// Whether [`parse`] remembers the items it parses, so that parsing a file again after an
/// edit parses only the items the edit touched and moves the others into place: for an
/// editor, where one file is parsed again at every keystroke. The result is the same either
/// way; a command that parses each file once leaves it off and spends nothing on it.
///
/// An item is found again only when its own text, where the next item starts, and the first
/// bytes of that next item are all unchanged, and only items that parsed without a
/// diagnostic are remembered. Memory is bounded (about 64 MiB).
pub fn remember_items(on: bool) {
    reuse::set(on);
}

/// Parses `text` as one whole expression: the conditions aimsc writes itself (an attested
/// requirement's). Spans are offsets into `text`; `None` when it is not one expression.
pub fn parse_expr(path: &Arc<str>, text: &str) -> Option<Expr> {
    let mut pairs = AimsParser::parse(Rule::expr_only, text).ok()?;
    let pair = pairs.next()?;
    let mut diags = Vec::new();
    let mut b = Builder {
        path,
        offset: 0,
        diags: &mut diags,
        depth: 0,
    };
    let e = b.expr(pair)?;
    diags.is_empty().then_some(e)
}

/// Skips whitespace and comments (and a byte-order mark at the start of the file).
fn skip_trivia(text: &str, mut pos: usize) -> usize {
    if pos == 0 && text.starts_with('\u{feff}') {
        pos = '\u{feff}'.len_utf8();
    }
    let bytes = text.as_bytes();
    while let Some(&c) = bytes.get(pos) {
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => pos += 1,
            b'/' if bytes.get(pos + 1) == Some(&b'/') => {
                pos = text[pos..]
                    .find(['\n', '\r'])
                    .map_or(text.len(), |n| pos + n + 1);
            }
            _ => break,
        }
    }
    pos
}

/// How many of one kind of text problem a file reports before it stops counting.
const LINT_CAP: usize = 10;

/// Problems of the text itself, whatever it parses to: a lone carriage return (a line end
/// some tools see and others do not), bidirectional controls and invisible characters (text
/// that reads other than it is, as in "Trojan Source"), a byte-order mark past the start, and
/// string escapes the language does not have (`\\n`, `\\t`, `\\r`, `\\\\` and `\\"` are the only ones).
fn lint_text(path: &Arc<str>, text: &str, diags: &mut Vec<Diagnostic>) {
    let at = |start: usize, len: usize| Some(Location::new(path, Span::new(start, start + len)));
    let (mut crs, mut hidden, mut escapes) = (0, 0, 0);
    let (mut in_str, mut in_comment) = (false, false);
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|(_, n)| *n);
        if c == '\r' && next != Some('\n') && crs < LINT_CAP {
            crs += 1;
            diags.push(
                Diagnostic::warning(
                    aimsc_diagnostics::codes::PARSE_LONE_CR,
                    "a carriage return without a line feed",
                    at(i, 1),
                )
                .with_label("a line ends here")
                .with_help("aimsc, like editors, reads it as a line end; save the file with \\n or \\r\\n line ends"),
            );
        }
        let invisible = aimsc_diagnostics::is_unsafe_char(c)
            && !matches!(c, '\n' | '\r')
            && !(c == '\u{feff}' && i == 0);
        if invisible && hidden < LINT_CAP {
            hidden += 1;
            diags.push(
                Diagnostic::warning(
                    aimsc_diagnostics::codes::PARSE_INVISIBLE,
                    format!(
                        "an invisible or text-direction character (U+{:04X}) in a rule file",
                        u32::from(c)
                    ),
                    at(i, c.len_utf8()),
                )
                .with_label("the text may read other than it is")
                .with_help("remove it: rule files are reviewed by people, and this character changes what they see"),
            );
        }
        if in_comment {
            in_comment = !matches!(c, '\n' | '\r');
            continue;
        }
        if in_str {
            match c {
                '\\' => {
                    let Some((j, e)) = chars.next() else { break };
                    if !matches!(e, 'n' | 't' | 'r' | '\\' | '"') && escapes < LINT_CAP {
                        escapes += 1;
                        diags.push(
                            Diagnostic::error(
                                aimsc_diagnostics::codes::PARSE_BAD_ESCAPE,
                                format!("`\\{e}` is not an escape of the language"),
                                at(i, 1 + (j - i - 1) + e.len_utf8()),
                            )
                            .with_label("unknown escape")
                            .with_help("strings know `\\n`, `\\t`, `\\r`, `\\\\` and `\\\"`; write other characters as they are"),
                        );
                    }
                }
                '"' | '\n' => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '/' if next == Some('/') => in_comment = true,
            _ => {}
        }
    }
}

/// The start of the next line at or after `from` that begins with an item keyword.
fn next_item_start(text: &str, from: usize) -> usize {
    let mut line_start = match text.get(..from).and_then(|s| s.rfind(['\n', '\r'])) {
        Some(n) => n + 1,
        None => 0,
    };
    loop {
        if line_start >= from && starts_item(&text[line_start..]) {
            return line_start;
        }
        match text[line_start..].find(['\n', '\r']) {
            Some(n) => line_start += n + 1,
            None => return text.len(),
        }
    }
}

fn starts_item(line: &str) -> bool {
    ITEM_KEYWORDS.iter().any(|kw| {
        line.starts_with(kw)
            && line[kw.len()..]
                .chars()
                .next()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
    })
}

/// Finds the first place where brackets, or `not` chains, nest deeper than the limit.
fn too_deep(text: &str) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    let mut nots = 0usize;
    while let Some(&c) = bytes.get(i) {
        match c {
            b'"' => {
                i += 1;
                while let Some(&s) = bytes.get(i).filter(|s| **s != b'"') {
                    i += if s == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while bytes.get(i).is_some_and(|c| *c != b'\n') {
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth + nots > MAX_NESTING {
                    return Some((i, depth));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'n' if text[i..].starts_with("not ") || text[i..].starts_with("not(") => {
                nots += 1;
                if depth + nots > MAX_NESTING {
                    return Some((i, depth + nots));
                }
                i += 2;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' => {
                // Any other word ends a `not` chain; skip the whole word.
                let word_end = text[i..]
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .map_or(text.len(), |n| i + n);
                if &text[i..word_end] != "not" {
                    nots = 0;
                }
                i = word_end.max(i + 1);
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn rule_name(rule: &Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::ident | Rule::ident_raw => "a name",
        Rule::qid => "an id such as `iso42001::A.5.2`",
        Rule::string => "a string in double quotes",
        Rule::expr | Rule::or_expr | Rule::and_expr | Rule::not_expr | Rule::cmp_expr => {
            "an expression"
        }
        Rule::add_expr | Rule::postfix => "a value",
        Rule::type_expr => "a type",
        Rule::field_decl => "a field `name: Type`",
        Rule::date_lit => "a date `YYYY-MM-DD`",
        Rule::block => "`{`",
        Rule::clause_body | Rule::domain_clause => "`domain`",
        Rule::intent_clause => "`intent`",
        Rule::applies_clause => "`applies when`",
        Rule::require_clause => "`require`",
        Rule::supports => "`supports`",
        Rule::framework_item
        | Rule::enum_item
        | Rule::record_item
        | Rule::facts_item
        | Rule::def_item
        | Rule::control_item
        | Rule::rule_item
        | Rule::map_item
        | Rule::exclude_item
        | Rule::waive_item
        | Rule::entry_item
        | Rule::param_item
        | Rule::set_item
        | Rule::assign_item => {
            "an item (`control`, `rule`, `record`, `enum`, `facts`, `def`, `map`, `exclude`, `waive`, `framework`, `entry`, `param`, `set`, `assign`)"
        }
        Rule::cmp_op => "a comparison",
        Rule::add_op => "`+` or `-`",
        Rule::is_test => "`is set` or `is missing`",
        Rule::until => "`until DATE`",
        Rule::owner => "`owner \"name\"`",
        Rule::provenance => "`provenance`",
        Rule::let_stmt => "`let`",
        _ => return None,
    })
}

fn syntax_error(
    path: &Arc<str>,
    offset: usize,
    rest: &str,
    err: &pest::error::Error<Rule>,
) -> Diagnostic {
    let at = match err.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let mut expected: Vec<&str> = match &err.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => {
            positives.iter().filter_map(rule_name).collect()
        }
        pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
    };
    expected.sort_unstable();
    expected.dedup();
    let found = rest
        .get(at..)
        .and_then(|s| s.split_whitespace().next())
        .unwrap_or("end of file");
    let found: String = found.chars().take(24).collect();
    let message = if expected.is_empty() {
        format!("unexpected `{found}`")
    } else {
        format!("expected {}, found `{found}`", join_or(&expected))
    };
    let end = rest[at..].chars().next().map_or(at, |c| at + c.len_utf8());
    let (message, help) = match hint(&rest[..at.min(rest.len())], &found, &expected) {
        Some((message, help)) => (
            message,
            format!("{help}; the rest of this item was skipped"),
        ),
        None => (
            message,
            "the rest of this item was skipped; other items were still checked".to_string(),
        ),
    };
    Diagnostic::error(
        aimsc_diagnostics::codes::PARSE_SYNTAX,
        message,
        Some(Location::new(path, Span::new(offset + at, offset + end))),
    )
    .with_label("the item stops parsing here")
    .with_help(help)
}

/// What the writer most likely meant, for the mistakes people make most: `=` for `==`, and a
/// quantifier's `:` left out. `before` is the item's text up to the error.
fn hint(before: &str, found: &str, expected: &[&str]) -> Option<(String, String)> {
    // Only where a comparison could come: not in `param p = 5` or a field's type.
    if found.starts_with('=')
        && !found.starts_with("==")
        && !found.starts_with("=>")
        && expected.contains(&"a comparison")
    {
        return Some((
            "`=` is not a comparison here".to_string(),
            "compare with `==` (and `!=`); `=` only gives a value, in `set NAME = …` and `let`"
                .to_string(),
        ));
    }
    // The quantifier the error is in: `all s in ai_systems where …` with no `:` since.
    let words: Vec<&str> = before.split_whitespace().collect();
    let q = words
        .iter()
        .rposition(|w| matches!(w.trim_start_matches('('), "all" | "any" | "none" | "one"))?;
    let header = words.get(q..)?;
    let [first, binder, keyword, collection, ..] = header else {
        return None;
    };
    if *keyword != "in" || header.iter().any(|w| w.contains(':')) {
        return None;
    }
    let quantifier = first.trim_start_matches('(');
    // The usual slip: a complete condition, then the requirement on the same record (`s.x`),
    // with no `:` between. An error inside the condition itself is not this.
    let binder_word = found
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .next()
        .unwrap_or_default();
    if binder_word != *binder {
        return None;
    }
    if header.get(4) == Some(&"where") {
        Some((
            format!("expected `:` after the quantifier's `where` condition, found `{found}`"),
            format!(
                "write `{quantifier} {binder} in {collection} where CONDITION: REQUIREMENT`, with a `:` before what each {binder} must satisfy"
            ),
        ))
    } else if header.len() == 4 {
        // `all s in systems` and then the requirement, with neither `:` nor `where`.
        Some((
            format!(
                "expected `:` or `where` after `{quantifier} {binder} in {collection}`, found `{found}`"
            ),
            format!(
                "write `{quantifier} {binder} in {collection}: REQUIREMENT`, or `{quantifier} {binder} in {collection} where CONDITION: REQUIREMENT`"
            ),
        ))
    } else {
        None
    }
}

fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

struct Builder<'a> {
    path: &'a Arc<str>,
    offset: usize,
    diags: &'a mut Vec<Diagnostic>,
    depth: usize,
}

fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                // `\\` and `\"`; anything else was reported by `lint_text`, kept as written.
                Some(c @ ('\\' | '"')) => out.push(c),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

impl Builder<'_> {
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.offset + s.start(), self.offset + s.end())
    }

    fn ident(&self, pair: Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    fn qid(&self, pair: Pair<'_, Rule>) -> QualId {
        let text = pair.as_str().to_string();
        let namespace = text.split("::").next().unwrap_or_default().to_string();
        QualId {
            text,
            namespace,
            span: self.span(&pair),
        }
    }

    fn string(&self, pair: Pair<'_, Rule>) -> StrLit {
        let span = self.span(&pair);
        let raw = pair.into_inner().next().map_or("", |p| p.as_str());
        StrLit {
            value: unescape(raw),
            span,
        }
    }

    fn item(&mut self, pair: Pair<'_, Rule>) -> Option<Item> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut inner = pair.into_inner();
        Some(match rule {
            Rule::framework_item => {
                let name = self.ident(inner.next()?);
                let mut title = None;
                let (mut excludable, mut waivable) = (None, None);
                for p in inner {
                    match p.as_rule() {
                        Rule::scope_policy => {
                            let pspan = self.span(&p);
                            let mut pi = p.into_inner();
                            let which = pi.next()?.as_rule();
                            let patterns = pi
                                .filter(|x| x.as_rule() == Rule::string)
                                .map(|x| self.string(x))
                                .collect();
                            let policy = Some(ScopePolicy {
                                patterns,
                                span: pspan,
                            });
                            if which == Rule::excludable_kw {
                                excludable = policy;
                            } else {
                                waivable = policy;
                            }
                        }
                        _ => title = Some(self.string(p)),
                    }
                }
                Item::Framework(Framework {
                    name,
                    title,
                    excludable,
                    waivable,
                    span,
                })
            }
            Rule::enum_item => {
                let name = self.ident(inner.next()?);
                let members = inner.map(|p| self.ident(p)).collect();
                Item::Enum(EnumDecl {
                    name,
                    members,
                    span,
                })
            }
            Rule::record_item => {
                let name = self.ident(inner.next()?);
                let fields = inner.filter_map(|p| self.field(p)).collect();
                Item::Record(RecordDecl { name, fields, span })
            }
            Rule::facts_item => Item::Facts(FactsDecl {
                fields: inner.filter_map(|p| self.field(p)).collect(),
                span,
            }),
            Rule::def_item => {
                let name = self.ident(inner.next()?);
                let mut params = Vec::new();
                let mut next = inner.next()?;
                if next.as_rule() == Rule::params {
                    for param in next.into_inner() {
                        let mut pi = param.into_inner();
                        let pname = self.ident(pi.next()?);
                        let ty = self.type_expr(pi.next()?)?;
                        params.push(Param { name: pname, ty });
                    }
                    next = inner.next()?;
                }
                let body = self.expr_or_block(next)?;
                Item::Def(DefDecl {
                    name,
                    params,
                    body,
                    span,
                })
            }
            Rule::control_item | Rule::rule_item => self.check(rule, inner, span)?,
            Rule::map_item => {
                let source = self.qid(inner.next()?);
                let target = self.qid(inner.next()?);
                let relation = self.ident(inner.next()?);
                let mut provenance = None;
                let mut note = None;
                for p in inner {
                    match p.as_rule() {
                        Rule::provenance => {
                            provenance = p.into_inner().next().map(|i| self.ident(i))
                        }
                        _ => note = Some(self.string(p)),
                    }
                }
                Item::Map(MapDecl {
                    source,
                    target,
                    relation,
                    provenance,
                    note,
                    span,
                })
            }
            Rule::exclude_item => {
                let target = self.qid(inner.next()?);
                let justification = inner.next().map(|p| self.string(p));
                Item::Exclude(ExcludeDecl {
                    target,
                    justification,
                    span,
                })
            }
            Rule::waive_item => {
                let target = self.qid(inner.next()?);
                let (mut until, mut owner, mut justification) = (None, None, None);
                for p in inner {
                    match p.as_rule() {
                        Rule::until => {
                            until = p
                                .into_inner()
                                .next()
                                .map(|d| (d.as_str().to_string(), self.span(&d)));
                        }
                        Rule::owner => owner = p.into_inner().next().map(|s| self.string(s)),
                        _ => justification = Some(self.string(p)),
                    }
                }
                Item::Waive(WaiveDecl {
                    target,
                    until,
                    owner,
                    justification,
                    span,
                })
            }
            Rule::entry_item => {
                let id = self.qid(inner.next()?);
                let title = self.string(inner.next()?);
                let domain = inner
                    .next()
                    .and_then(|d| d.into_inner().next())
                    .map(|p| self.domain_text(p));
                Item::Entry(EntryDecl {
                    id,
                    title,
                    domain,
                    span,
                })
            }
            Rule::param_item => {
                let name = self.ident(inner.next()?);
                let ty = self.type_expr(inner.next()?)?;
                let default = self.expr(inner.next()?)?;
                let (mut min, mut max, mut doc) = (None, None, None);
                for p in inner {
                    match p.as_rule() {
                        Rule::param_bound => {
                            let mut bi = p.into_inner();
                            let is_min = bi.next()?.as_rule() == Rule::min_kw;
                            let value = self.expr(bi.next()?)?;
                            if is_min {
                                min = Some(value);
                            } else {
                                max = Some(value);
                            }
                        }
                        _ => doc = Some(self.string(p)),
                    }
                }
                Item::Param(ParamDecl {
                    name,
                    ty,
                    default,
                    min,
                    max,
                    doc,
                    span,
                })
            }
            Rule::set_item => {
                let name = self.ident(inner.next()?);
                let value = self.expr(inner.next()?)?;
                Item::Set(SetDecl { name, value, span })
            }
            Rule::assign_item => {
                let target = self.qid(inner.next()?);
                let owner = self.string(inner.next()?);
                Item::Assign(AssignDecl {
                    target,
                    owner,
                    span,
                })
            }
            _ => return None,
        })
    }

    /// The item `pair` holds; when the tree builder cannot read what the grammar took and has
    /// said nothing, an internal error rather than a silently missing item.
    fn item_or_error(&mut self, pair: Pair<'_, Rule>) -> Option<Item> {
        let before = self.diags.len();
        let span = self.span(&pair);
        let item = self.item(pair);
        if item.is_none() && self.diags.len() == before {
            self.internal(span, "this item");
        }
        item
    }

    /// Reports a construct the grammar accepts and the tree builder does not know: a bug in
    /// aimsc, reported rather than dropped so that no control silently goes unevaluated.
    fn internal(&mut self, span: Span, what: &str) {
        self.diags.push(
            Diagnostic::error(
                aimsc_diagnostics::codes::INTERNAL_PARSE,
                format!("{what} parsed, but aimsc could not read it"),
                Some(Location::new(self.path, span)),
            )
            .with_label("not read")
            .with_help("this is a bug in aimsc: please report it with this file"),
        );
    }

    /// `domain A.5` or `domain "A.5"`, as text.
    fn domain_text(&self, p: Pair<'_, Rule>) -> StrLit {
        if p.as_rule() == Rule::string {
            self.string(p)
        } else {
            StrLit {
                value: p.as_str().to_string(),
                span: self.span(&p),
            }
        }
    }

    fn check(
        &mut self,
        rule: Rule,
        mut inner: pest::iterators::Pairs<'_, Rule>,
        span: Span,
    ) -> Option<Item> {
        let kind = if rule == Rule::control_item {
            CheckKind::Control
        } else {
            CheckKind::Rule
        };
        let id = self.qid(inner.next()?);
        let title = self.string(inner.next()?);
        let mut check = CheckDecl {
            kind,
            id,
            title,
            domain: None,
            intent: None,
            applies: None,
            requires: Vec::new(),
            supports: Vec::new(),
            excludable: None,
            span,
        };
        for clause in inner {
            let cspan = self.span(&clause);
            match clause.as_rule() {
                Rule::supports => {
                    check.supports = clause.into_inner().map(|q| self.qid(q)).collect()
                }
                Rule::domain_clause => {
                    let p = clause.into_inner().next()?;
                    check.domain = Some(self.domain_text(p));
                }
                Rule::intent_clause => {
                    check.intent = clause.into_inner().next().map(|p| self.string(p))
                }
                Rule::scope_clause => {
                    let kw = clause.into_inner().next()?.as_rule();
                    check.excludable = Some(kw == Rule::excludable_kw);
                }
                Rule::applies_clause => {
                    check.applies = Some(self.expr(clause.into_inner().next()?)?)
                }
                Rule::require_clause => {
                    let mut ri = clause.into_inner().peekable();
                    let practice = ri
                        .next_if(|p| p.as_rule() == Rule::practice_mark)
                        .map(|p| self.span(&p));
                    let attested = ri
                        .next_if(|p| p.as_rule() == Rule::attested_mark)
                        .map(|p| self.span(&p));
                    let name = self.string(ri.next()?);
                    let body = match attested {
                        Some(_) => None,
                        None => Some(self.expr_or_block(ri.next()?)?),
                    };
                    check.requires.push(Require {
                        name,
                        body,
                        attested,
                        practice,
                        span: cspan,
                    });
                }
                Rule::block => {
                    // A rule written as a bare block is one requirement named by its title.
                    let body = self.expr_or_block(clause)?;
                    check.requires.push(Require {
                        name: check.title.clone(),
                        body: Some(body),
                        attested: None,
                        practice: None,
                        span: cspan,
                    });
                }
                _ => self.internal(cspan, "this clause"),
            }
        }
        Some(Item::Check(check))
    }

    fn field(&mut self, pair: Pair<'_, Rule>) -> Option<FieldDecl> {
        let mut inner = pair.into_inner();
        let name = self.ident(inner.next()?);
        let ty = self.type_expr(inner.next()?)?;
        let mut past = None;
        let mut doc = None;
        for p in inner {
            match p.as_rule() {
                Rule::past_mark => past = Some(self.span(&p)),
                Rule::string => doc = Some(self.string(p)),
                _ => {}
            }
        }
        Some(FieldDecl {
            name,
            ty,
            past,
            doc,
        })
    }

    fn type_expr(&mut self, pair: Pair<'_, Rule>) -> Option<TypeExpr> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let head = inner.next()?;
        let optional = inner.next().is_some();
        let kind = match head.as_rule() {
            Rule::list_type => TypeKind::List(Box::new(self.type_expr(head.into_inner().next()?)?)),
            Rule::ref_type => TypeKind::Ref(self.ident(head.into_inner().next()?)),
            _ => TypeKind::Named(self.ident(head)),
        };
        Some(TypeExpr {
            kind,
            optional,
            span,
        })
    }

    fn expr_or_block(&mut self, pair: Pair<'_, Rule>) -> Option<Expr> {
        if pair.as_rule() != Rule::block {
            return self.expr(pair);
        }
        let span = self.span(&pair);
        let mut lets = Vec::new();
        let mut body = None;
        for p in pair.into_inner() {
            if p.as_rule() == Rule::let_stmt {
                let mut li = p.into_inner();
                let name = self.ident(li.next()?);
                let value = self.expr(li.next()?)?;
                lets.push((name, value));
            } else {
                body = Some(self.expr(p)?);
            }
        }
        let body = body?;
        if lets.is_empty() {
            return Some(body);
        }
        // Each `let` nests the rest of the block one level deeper.
        if lets.len() > MAX_NESTING {
            self.diags.push(
                Diagnostic::error(
                    aimsc_diagnostics::codes::LIMIT_NESTING,
                    format!(
                        "this block has {} `let`s; the limit is {MAX_NESTING}",
                        lets.len()
                    ),
                    Some(Location::new(
                        self.path,
                        Span::new(span.start(), span.start() + 1),
                    )),
                )
                .with_help("split the block into `def`s"),
            );
            return None;
        }
        Some(Expr {
            kind: ExprKind::Block(lets, Box::new(body)),
            span,
        })
    }

    fn expr(&mut self, pair: Pair<'_, Rule>) -> Option<Expr> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            self.depth -= 1;
            let span = self.span(&pair);
            self.diags.push(
                Diagnostic::error(
                    aimsc_diagnostics::codes::LIMIT_NESTING,
                    format!("this expression nests deeper than {MAX_NESTING} levels"),
                    Some(Location::new(
                        self.path,
                        Span::new(span.start(), span.start() + 1),
                    )),
                )
                .with_help("split the expression into `def`s or `let` bindings"),
            );
            return None;
        }
        let out = self.expr_inner(pair);
        self.depth -= 1;
        out
    }

    /// A chain of `+`/`-` or of `.field`s builds a tree one level deeper per link, which the
    /// checker and the evaluator walk recursively: past [`MAX_NESTING`] links it is refused,
    /// as bracket nesting is.
    fn chain_too_long(&mut self, inner: &pest::iterators::Pairs<'_, Rule>, span: Span) -> bool {
        let links = inner.clone().count();
        if links <= MAX_NESTING {
            return false;
        }
        self.diags.push(
            Diagnostic::error(
                aimsc_diagnostics::codes::LIMIT_NESTING,
                format!("this expression is a chain of more than {MAX_NESTING} parts"),
                Some(Location::new(
                    self.path,
                    Span::new(span.start(), span.start() + 1),
                )),
            )
            .with_help("split the expression into `def`s or `let` bindings"),
        );
        true
    }

    fn boxed(&mut self, pair: Pair<'_, Rule>) -> Option<Box<Expr>> {
        self.expr(pair).map(Box::new)
    }

    fn expr_inner(&mut self, pair: Pair<'_, Rule>) -> Option<Expr> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let text = pair.as_str();
        let mut inner = pair.into_inner();
        let kind = match rule {
            Rule::expr | Rule::paren => return self.expr(inner.next()?),
            Rule::or_expr | Rule::and_expr => {
                let parts: Vec<Expr> = inner.map(|p| self.expr(p)).collect::<Option<_>>()?;
                if parts.len() == 1 {
                    return parts.into_iter().next();
                }
                if rule == Rule::or_expr {
                    ExprKind::Or(parts)
                } else {
                    ExprKind::And(parts)
                }
            }
            Rule::not_expr => {
                let first = inner.next()?;
                if first.as_rule() == Rule::not_op {
                    ExprKind::Not(self.boxed(inner.next()?)?)
                } else {
                    return self.expr(first);
                }
            }
            Rule::cmp_expr => {
                let lhs = inner.next()?;
                let Some(op) = inner.next() else {
                    return self.expr(lhs);
                };
                let lhs = self.boxed(lhs)?;
                match op.as_rule() {
                    Rule::is_test => {
                        let mut negated = false;
                        let mut set = true;
                        for p in op.into_inner() {
                            match p.as_rule() {
                                Rule::is_not_kw => negated = true,
                                Rule::missing_kw => set = false,
                                _ => {}
                            }
                        }
                        ExprKind::IsSet(lhs, set != negated)
                    }
                    Rule::not_in | Rule::in_op => {
                        let list = self.boxed(inner.next()?)?;
                        ExprKind::In {
                            elem: lhs,
                            list,
                            negated: op.as_rule() == Rule::not_in,
                        }
                    }
                    Rule::cmp_op => {
                        let cmp = match op.as_str() {
                            "==" => CmpOp::Eq,
                            "!=" => CmpOp::Ne,
                            "<" => CmpOp::Lt,
                            "<=" => CmpOp::Le,
                            ">" => CmpOp::Gt,
                            _ => CmpOp::Ge,
                        };
                        ExprKind::Compare(lhs, cmp, self.boxed(inner.next()?)?)
                    }
                    _ => {
                        let t = match op.as_str() {
                            "contains" => TextOp::Contains,
                            "starts with" => TextOp::StartsWith,
                            "ends with" => TextOp::EndsWith,
                            _ => TextOp::Matches,
                        };
                        ExprKind::Text(lhs, t, self.boxed(inner.next()?)?)
                    }
                }
            }
            Rule::add_expr => {
                if self.chain_too_long(&inner, span) {
                    return None;
                }
                let mut acc = self.expr(inner.next()?)?;
                while let Some(op) = inner.next() {
                    let rhs = self.expr(inner.next()?)?;
                    let span = acc.span.to(rhs.span);
                    acc = Expr {
                        kind: ExprKind::Arith(Box::new(acc), op.as_str() == "+", Box::new(rhs)),
                        span,
                    };
                }
                return Some(acc);
            }
            Rule::postfix => {
                if self.chain_too_long(&inner, span) {
                    return None;
                }
                let mut acc = self.expr(inner.next()?)?;
                for field in inner {
                    let f = self.ident(field);
                    let span = acc.span.to(f.span);
                    acc = Expr {
                        kind: ExprKind::Field(Box::new(acc), f),
                        span,
                    };
                }
                return Some(acc);
            }
            Rule::bool_lit => ExprKind::Bool(text == "true"),
            Rule::int_lit => match text.parse::<i64>() {
                Ok(n) => ExprKind::Int(n),
                Err(_) => {
                    self.diags.push(
                        Diagnostic::error(
                            aimsc_diagnostics::codes::PARSE_NUMBER,
                            format!("`{text}` does not fit in a 64-bit integer"),
                            Some(Location::new(self.path, span)),
                        )
                        .with_label("too large"),
                    );
                    return None;
                }
            },
            Rule::decimal_lit => ExprKind::Decimal(text.to_string()),
            Rule::string => {
                let raw = inner.next().map_or("", |p| p.as_str());
                ExprKind::Str(unescape(raw))
            }
            Rule::date_lit => ExprKind::Date(text.to_string()),
            Rule::duration_lit => {
                let amount = inner.next()?.as_str().parse::<i64>().unwrap_or(i64::MAX);
                let unit = match inner.next()?.as_str().trim_end_matches('s') {
                    "day" => DurationUnit::Days,
                    "week" => DurationUnit::Weeks,
                    "month" => DurationUnit::Months,
                    _ => DurationUnit::Years,
                };
                ExprKind::Duration(amount, unit)
            }
            Rule::today => ExprKind::Today,
            Rule::ident => ExprKind::Name(text.to_string()),
            Rule::quantifier => {
                let kind = match inner.next()?.as_str() {
                    "all" => Quant::All,
                    "any" => Quant::Any,
                    _ => Quant::None,
                };
                let var = self.ident(inner.next()?);
                let coll = self.boxed(inner.next()?)?;
                let mut rest: Vec<Pair<'_, Rule>> = inner.collect();
                let body = self.boxed(rest.pop()?)?;
                let filter = match rest.pop() {
                    Some(p) => Some(self.boxed(p)?),
                    None => None,
                };
                ExprKind::Quant {
                    kind,
                    var,
                    coll,
                    filter,
                    body,
                }
            }
            Rule::count_expr => {
                let arg = inner.next()?;
                if arg.as_rule() == Rule::count_binder {
                    let mut bi = arg.into_inner();
                    let var = self.ident(bi.next()?);
                    let coll = self.boxed(bi.next()?)?;
                    let filter = match bi.next() {
                        Some(p) => Some(self.boxed(p)?),
                        None => None,
                    };
                    ExprKind::Count {
                        var: Some(var),
                        coll,
                        filter,
                    }
                } else {
                    ExprKind::Count {
                        var: None,
                        coll: self.boxed(arg)?,
                        filter: None,
                    }
                }
            }
            Rule::call => {
                let name = self.ident(inner.next()?);
                let args = inner.map(|p| self.expr(p)).collect::<Option<_>>()?;
                ExprKind::Call(name, args)
            }
            Rule::list_lit => ExprKind::List(inner.map(|p| self.expr(p)).collect::<Option<_>>()?),
            _ => return None,
        };
        Some(Expr { kind, span })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pair the grammar produced but the tree builder does not take as an item (here a
    /// string, standing in for a grammar rule added without its builder) is an internal error,
    /// never a silently missing item.
    #[test]
    fn an_item_the_builder_cannot_read_is_an_error_not_a_gap() {
        let path: Arc<str> = Arc::from("x.aims");
        let mut diags = Vec::new();
        let mut b = Builder {
            path: &path,
            offset: 0,
            diags: &mut diags,
            depth: 0,
        };
        let Ok(mut pairs) = AimsParser::parse(Rule::string, "\"x\"") else {
            panic!("a string parses");
        };
        let Some(pair) = pairs.next() else {
            panic!("one pair");
        };
        assert!(b.item_or_error(pair).is_none());
        let codes: Vec<_> = diags.iter().map(|d| d.code).collect();
        assert_eq!(codes, [aimsc_diagnostics::codes::INTERNAL_PARSE]);
    }
}
