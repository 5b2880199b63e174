//! Completion. It reads the text around the cursor rather than the tree, because the item
//! being typed is exactly the one that does not parse yet.

use crate::Analysis;
use aimsc_eval::model::{Model, Ty};

/// What a completion inserts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CompletionKind {
    /// A keyword.
    Keyword,
    /// A control, rule or entry id.
    Item,
    /// A record or enum, or a built-in type.
    Type,
    /// An enum member.
    Member,
    /// A record field or root fact.
    Field,
    /// A def or param.
    Def,
    /// A local binding.
    Local,
}

/// One completion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The text inserted.
    pub label: String,
    /// What it is.
    pub kind: CompletionKind,
    /// A one-line description (type, title).
    pub detail: String,
}

const ITEM_KW: &[&str] = aimsc_syntax::ITEM_KEYWORDS;
const CLAUSE_KW: &[&str] = &["domain", "intent", "applies when", "require"];
const EXPR_KW: &[&str] = &[
    "all",
    "any",
    "none",
    "count",
    "not",
    "and",
    "or",
    "in",
    "is set",
    "is missing",
    "where",
    "let",
    "today",
    "true",
    "false",
    "contains",
    "starts with",
    "ends with",
    "matches",
];
use aimsc_eval::model::BUILTIN_TYPES;

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl Analysis<'_> {
    /// Completions at `offset` in a rule file.
    pub fn completions(&self, path: &str, offset: usize) -> Vec<Completion> {
        let Some(text) = self.text(path) else {
            return Vec::new();
        };
        let offset = floor_char(&text, offset);
        let before = &text[..offset];
        let b = before.as_bytes();
        // The word being typed, with its `a.b.` or `ns::` prefix.
        let mut start = offset;
        while let Some(&c) = start.checked_sub(1).and_then(|i| b.get(i)) {
            if !(is_name_byte(c) || c == b'.' || c == b':') {
                break;
            }
            start -= 1;
        }
        let word = &before[start..];
        let item_start = current_item_start(before);
        let item_text = &before[item_start..];
        let prev_word = previous_word(&before[..start]);
        let prev_char = before[..start].trim_end().chars().last();
        let depth = depth(item_text);
        let mut out = Vec::new();

        if !word.contains("::") && word.contains('.') {
            // A fact path: complete the fields of what the chain before the last dot is.
            if let Some((chain, partial)) = word.rsplit_once('.') {
                if let Some(ty) = chain_type(&self.model, item_text, chain, 0) {
                    fields_of(&self.model, &ty, partial, &mut out);
                }
                return out;
            }
        }
        let id_context = word.contains("::")
            || matches!(
                prev_word,
                "map" | "exclude" | "waive" | "assign" | "supports" | "control" | "rule" | "entry"
            )
            || prev_char == Some('>')
            || (prev_char == Some(',') && item_text.contains("supports"));
        if id_context {
            for (id, c) in &self.model.checks {
                push(&mut out, word, id, CompletionKind::Item, &c.title);
            }
            for (id, e) in &self.model.entries {
                push(&mut out, word, id, CompletionKind::Item, &e.title);
            }
            return out;
        }
        let item_kw = first_word(item_text);
        let type_context = prev_word == "ref"
            || (matches!(prev_char, Some(':' | '['))
                && depth.1 == 0
                && (matches!(item_kw, "record" | "facts" | "param")
                    || (item_kw == "def" && depth.0 == 0 && !item_text.contains('='))));
        if type_context {
            for t in BUILTIN_TYPES {
                push(&mut out, word, t, CompletionKind::Type, "built-in");
            }
            for r in self.model.records.keys() {
                push(&mut out, word, r, CompletionKind::Type, "record");
            }
            for e in self.model.enums.keys() {
                push(&mut out, word, e, CompletionKind::Type, "enum");
            }
            return out;
        }
        let at_line_start = before[..start]
            .rsplit('\n')
            .next()
            .is_some_and(|l| l.trim().is_empty());
        if depth == (0, 0) && at_line_start && !continues(before[..start].trim_end()) {
            for k in ITEM_KW {
                push(&mut out, word, k, CompletionKind::Keyword, "item");
            }
            return out;
        }
        if matches!(item_kw, "control" | "rule") && depth == (1, 0) && at_line_start {
            for k in CLAUSE_KW {
                push(&mut out, word, k, CompletionKind::Keyword, "clause");
            }
        }
        // An expression.
        for l in locals(item_text) {
            let detail =
                chain_type(&self.model, item_text, &l, 0).map_or(String::new(), |t| t.to_string());
            push(&mut out, word, &l, CompletionKind::Local, &detail);
        }
        for k in EXPR_KW {
            push(&mut out, word, k, CompletionKind::Keyword, "");
        }
        for (name, f) in &self.model.root {
            push(
                &mut out,
                word,
                name,
                CompletionKind::Field,
                &f.ty.to_string(),
            );
        }
        for d in &self.model.defs {
            let kind = if self.model.params.contains_key(&d.name) {
                "param"
            } else {
                "def"
            };
            push(
                &mut out,
                word,
                &d.name,
                CompletionKind::Def,
                &format!("{kind}: {}", d.body.ty),
            );
        }
        for e in self.model.enums.values() {
            for m in &e.members {
                push(&mut out, word, m, CompletionKind::Member, &e.name);
            }
        }
        out
    }
}

fn floor_char(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn push(out: &mut Vec<Completion>, typed: &str, label: &str, kind: CompletionKind, detail: &str) {
    let typed = typed.rsplit(['.', ' ']).next().unwrap_or(typed);
    if label
        .to_ascii_lowercase()
        .starts_with(&typed.to_ascii_lowercase())
        && !out.iter().any(|c| c.label == label)
    {
        out.push(Completion {
            label: label.to_string(),
            kind,
            detail: detail.to_string(),
        });
    }
}

/// The offset of the line that starts the item the cursor is in.
fn current_item_start(before: &str) -> usize {
    let mut pos = before.len();
    loop {
        let line_start = before[..pos].rfind('\n').map_or(0, |n| n + 1);
        let line = &before[line_start..];
        if aimsc_syntax::ITEM_KEYWORDS.iter().any(|k| {
            line.starts_with(k)
                && !line
                    .as_bytes()
                    .get(k.len())
                    .copied()
                    .is_some_and(is_name_byte)
        }) || line_start == 0
        {
            return line_start;
        }
        pos = line_start - 1;
    }
}

fn first_word(s: &str) -> &str {
    let s = s.trim_start();
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

fn previous_word(s: &str) -> &str {
    let s = s.trim_end();
    // After the last character that cannot be in a name; that character may be wider than a
    // byte (found by fuzzing: `period:ꛊ`).
    let start = s
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_' || *c == ':' || *c == '.'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    &s[start..]
}

fn continues(s: &str) -> bool {
    s.ends_with(['=', ':', ',', '(', '[', '>', '<', '+', '-'])
        || ["and", "or", "not", "in", "where"]
            .iter()
            .any(|k| s.ends_with(k))
}

/// Open braces and open parens/brackets at the end of `s`, outside strings and comments.
fn depth(s: &str) -> (usize, usize) {
    let (mut braces, mut other) = (0usize, 0usize);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' | '\n' => break,
                        _ => {}
                    }
                }
            }
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '{' => braces += 1,
            '}' => braces = braces.saturating_sub(1),
            '(' | '[' => other += 1,
            ')' | ']' => other = other.saturating_sub(1),
            _ => {}
        }
    }
    (braces, other)
}

/// Names bound in the item so far: quantifier and count variables, `let`s, def parameters.
fn locals(item: &str) -> Vec<String> {
    let words: Vec<&str> = item
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .filter(|w| !w.is_empty())
        .collect();
    let mut out = Vec::new();
    for w in words.windows(3) {
        let bound = match w {
            ["all" | "any" | "none" | "count", v, "in"] => Some(*v),
            ["let", v, _] => Some(*v),
            _ => None,
        };
        if let Some(v) = bound {
            out.push(v.to_string());
        }
    }
    if first_word(item) == "def"
        && let (Some(open), Some(close)) = (item.find('('), item.find(')'))
        && open < close
    {
        for p in item[open + 1..close].split(',') {
            if let Some((name, _)) = p.split_once(':') {
                out.push(name.trim().to_string());
            }
        }
    }
    out
}

/// The type of `chain` (`s`, `s.owner`, `organisation.policies`) in the item's text: a local
/// is typed by what its binder ranges over.
fn chain_type(model: &Model, item: &str, chain: &str, hops: usize) -> Option<Ty> {
    if hops > 8 {
        return None;
    }
    let mut parts = chain.split('.');
    let head = parts.next()?;
    let mut ty = head_type(model, item, head, hops)?;
    for p in parts {
        let record = match &ty {
            Ty::Record(r) | Ty::Ref(r) => r.clone(),
            _ => return None,
        };
        ty = model.records.get(&record)?.fields.get(p)?.ty.clone();
    }
    Some(ty)
}

fn head_type(model: &Model, item: &str, head: &str, hops: usize) -> Option<Ty> {
    // The last binder of `head` before the cursor wins, as scoping would have it.
    let words: Vec<&str> = item
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .filter(|w| !w.is_empty())
        .collect();
    for w in words.windows(4).rev() {
        match w {
            ["all" | "any" | "none" | "count", v, "in", coll] if *v == head => {
                return match chain_type(model, item, coll, hops + 1)? {
                    Ty::List(t) => Some(*t),
                    _ => None,
                };
            }
            [_, "let", v, value] if *v == head => return chain_type(model, item, value, hops + 1),
            _ => {}
        }
    }
    if first_word(item) == "def"
        && let (Some(open), Some(close)) = (item.find('('), item.find(')'))
    {
        for p in item.get(open + 1..close).unwrap_or("").split(',') {
            if let Some((name, ty)) = p.split_once(':')
                && name.trim() == head
            {
                let ty = ty.trim().trim_end_matches('?');
                if model.records.contains_key(ty) {
                    return Some(Ty::Record(ty.into()));
                }
            }
        }
    }
    model.root.get(head).map(|f| f.ty.clone())
}

fn fields_of(model: &Model, ty: &Ty, partial: &str, out: &mut Vec<Completion>) {
    let record = match ty {
        Ty::Record(r) | Ty::Ref(r) => r,
        _ => return,
    };
    if let Some(r) = model.records.get(record) {
        for f in r.fields.values() {
            let detail = match &f.doc {
                Some(d) => format!("{} — {d}", f.written_type()),
                None => f.written_type(),
            };
            push(out, partial, &f.name, CompletionKind::Field, &detail);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::previous_word;

    #[test]
    fn the_previous_word_starts_after_a_wide_character() {
        // A fuzzing find: the byte after `ꛊ`'s first byte is not a character boundary.
        assert_eq!(previous_word("review_period:ꛊ"), "");
        assert_eq!(previous_word("x ꛊa.b"), "a.b");
        assert_eq!(previous_word("org.name"), "org.name");
    }

    #[test]
    fn completion_after_a_wide_character_answers() {
        let text = "record Organisation {\n  name: string\n  period:ꛊ";
        let project = aimsc_db::Project::new(
            vec![(std::sync::Arc::from("r.aims"), text.to_string())],
            Vec::new(),
            jiff::civil::Date::constant(2026, 11, 1),
        );
        let analysis = crate::Analysis::new(&project);
        // Every character boundary of the text, as the server's positions give them.
        let answers: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain([text.len()])
            .map(|at| analysis.completions("r.aims", at).len())
            .collect();
        // After `name: ` a field's type is expected: the type names are offered.
        let after_colon = text.find("string").unwrap_or(0);
        let labels: Vec<String> = analysis
            .completions("r.aims", after_colon)
            .into_iter()
            .map(|c| c.label)
            .collect();
        assert!(
            labels.iter().any(|l| l == "string"),
            "{labels:?} ({answers:?})"
        );
    }
}
