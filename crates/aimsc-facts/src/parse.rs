use crate::limits::{Limits, MAX_DEPTH, show_bytes};
use crate::value::{Entry, Map, Value, ValueKind};
use aimsc_diagnostics::{Diagnostic, Location, Span};
use indexmap::IndexMap;
use indexmap::map::Entry as MapEntry;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;
use std::sync::Arc;

/// The syntax of a facts file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// `.yaml` / `.yml`
    Yaml,
    /// `.json`
    Json,
    /// `.toml`
    Toml,
}

impl Format {
    /// The format for a file name, by extension.
    pub fn from_path(path: &str) -> Option<Format> {
        let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "yaml" | "yml" => Some(Format::Yaml),
            "json" => Some(Format::Json),
            "toml" => Some(Format::Toml),
            _ => None,
        }
    }
}

/// Parses one facts file within `limits`. `file` is the index recorded in every value.
pub fn parse_file(
    path: &Arc<str>,
    file: u32,
    text: &str,
    limits: &Limits,
) -> Result<Value, Diagnostic> {
    let loc = |span: Span| Some(Location::new(path, span));
    if text.len() > limits.max_file_bytes {
        return Err(too_large(path, text.len(), limits));
    }
    let format = Format::from_path(path).unwrap_or(Format::Yaml);
    if text.trim().is_empty() {
        return Err(Diagnostic::error(
            aimsc_diagnostics::codes::FACTS_EMPTY,
            "facts file is empty",
            loc(Span::new(0, 0)),
        )
        .with_label("no facts here")
        .with_help("write a mapping such as `organisation: {name: Acme}`"));
    }
    let ctx = Ctx {
        path: path.clone(),
        file,
        text,
        limits: *limits,
    };
    match format {
        Format::Toml => parse_toml(&ctx, text),
        Format::Json => crate::json::parse_json(&ctx),
        Format::Yaml => parse_yaml(&ctx, text),
    }
}

/// The diagnostic for a facts file of `len` bytes, over the size limit.
pub fn too_large(path: &Arc<str>, len: usize, limits: &Limits) -> Diagnostic {
    Diagnostic::error(
        aimsc_diagnostics::codes::LIMIT_FILE_SIZE,
        format!(
            "`{path}` is {}; the limit for a facts file is {}",
            show_bytes(len),
            show_bytes(limits.max_file_bytes)
        ),
        Some(Location::new(path, Span::new(0, 0))),
    )
    .with_help("split the facts into a folder with one file per record, or raise `max-file-bytes` (see the limits in SECURITY.md)")
}

fn parse_yaml(ctx: &Ctx<'_>, text: &str) -> Result<Value, Diagnostic> {
    if let Some(value) = crate::yaml::read(ctx) {
        return Ok(value);
    }
    saphyr(ctx, text)
}

/// The facts of a YAML file as serde-saphyr reads it: every file the common shape
/// (`yaml.rs`) does not cover, and the definition of what the common shape gives.
pub(crate) fn saphyr(ctx: &Ctx<'_>, text: &str) -> Result<Value, Diagnostic> {
    let path = &ctx.path;
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = MAX_DEPTH;
    budget.max_events = 200_000_000;
    budget.max_nodes = 100_000_000;
    budget.max_total_scalar_bytes = ctx.limits.max_file_bytes;
    budget.max_aliases = ctx.limits.max_yaml_aliases;
    budget.max_recorded_anchor_events = 100_000;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::PassThrough;
    // YAML 1.2: only `true`/`false` are booleans. YAML 1.1 also read `yes`, `no`, `on`, `off`,
    // `y` and `n` so, which silently turns a country code `NO` or a key `n` into `false`.
    options.strict_booleans = true;
    let raw: Result<Spanned<Raw>, _> = serde_saphyr::from_str_with_options(text, options);
    match raw {
        Ok(root) => ctx.node(root),
        Err(err) => {
            let (span, message) = match err.location() {
                Some(l) => {
                    let s = l.span();
                    let start = s
                        .byte_offset()
                        .map_or_else(|| char_to_byte(text, s.offset()), |b| b as usize);
                    (point(text, start), err.to_string())
                }
                None => (Span::new(0, 0), err.to_string()),
            };
            let message = saphyr_message(&first_line(&message), &ctx.limits);
            let code = if err.to_string().contains("budget breached") {
                aimsc_diagnostics::codes::LIMIT_YAML
            } else {
                aimsc_diagnostics::codes::FACTS_SYNTAX
            };
            Err(Diagnostic::error(code, format!("cannot read facts: {message}"), Some(Location::new(path, span)))
                .with_label("here")
                .with_help("facts files are YAML, JSON or TOML; aliases, nesting and size are bounded (see the limits in SECURITY.md)"))
        }
    }
}

/// serde-saphyr prefixes `error: line N column M: `; the span already says where. Its budget
/// breaches are named after its internals; say which limit they are.
fn saphyr_message(s: &str, limits: &Limits) -> String {
    let rest = s.strip_prefix("error: ").unwrap_or(s);
    let rest = match rest.find(": ") {
        Some(i) if rest.starts_with("line ") => &rest[i + 2..],
        _ => rest,
    };
    let Some(what) = rest.strip_prefix("budget breached: ") else {
        return rest.to_string();
    };
    if what.starts_with("Aliases") {
        format!(
            "more than {} YAML alias expansions (the `max-yaml-aliases` limit)",
            limits.max_yaml_aliases
        )
    } else if what.starts_with("RecordedAnchorEvents") {
        "anchored YAML nodes too large to repeat (the alias-bomb guard)".to_string()
    } else if what.starts_with("Depth") {
        format!("facts nest deeper than {MAX_DEPTH} levels")
    } else {
        format!("the YAML is too large to read ({what})")
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().trim().to_string()
}

fn char_to_byte(text: &str, chars: u64) -> usize {
    text.char_indices()
        .nth(usize::try_from(chars).unwrap_or(usize::MAX))
        .map_or(text.len(), |(i, _)| i)
}

/// The value tree as deserialized, before spans are turned into byte offsets and
/// duplicate keys are checked.
enum Raw {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Spanned<Raw>>),
    Map(Vec<(Spanned<String>, Spanned<Raw>)>),
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a facts value")
    }
    fn visit_unit<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_none<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        Raw::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Raw, E> {
        i64::try_from(v)
            .map(Raw::Int)
            .map_err(|_| E::custom(format!("integer {v} is too large")))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Raw, E> {
        i64::try_from(v)
            .map(Raw::Int)
            .map_err(|_| E::custom(format!("integer {v} is too large")))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Raw, E> {
        i64::try_from(v)
            .map(Raw::Int)
            .map_err(|_| E::custom(format!("integer {v} is too large")))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element::<Spanned<Raw>>()? {
            out.push(v);
        }
        Ok(Raw::List(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut out = Vec::new();
        while let Some(k) = map.next_key::<Spanned<KeyString>>()? {
            let v = map.next_value::<Spanned<Raw>>()?;
            out.push((Spanned::new(k.value.0, k.referenced, k.defined), v));
        }
        Ok(Raw::Map(out))
    }
}

/// A mapping key: a scalar of any kind, spelled as a string.
struct KeyString(String);

impl<'de> Deserialize<'de> for KeyString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = KeyString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a scalar mapping key")
            }
            fn visit_str<E>(self, v: &str) -> Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
            fn visit_bool<E>(self, v: bool) -> Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
            fn visit_unit<E>(self) -> Result<KeyString, E> {
                Ok(KeyString("null".into()))
            }
        }
        // Any scalar: with YAML 1.2 booleans (`strict_booleans`), `n` and `no` are text, and
        // `~`, `1` and `true` are the keys "null", "1" and "true".
        d.deserialize_any(V)
    }
}

/// A span for a point: the character at `at`, or an empty span at the end. Parsers report
/// errors at the end of the text and in the middle of characters; renderers slice there.
pub(crate) fn point(text: &str, at: usize) -> Span {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
    Span::new(at, end)
}

/// What building a file's values needs: where it is, how long, and the limits.
pub(crate) struct Ctx<'t> {
    pub(crate) path: Arc<str>,
    pub(crate) file: u32,
    pub(crate) text: &'t str,
    pub(crate) limits: Limits,
}

impl Ctx<'_> {
    /// The span of the character at `at` (see [`point`]).
    pub(crate) fn point(&self, at: usize) -> Span {
        point(self.text, at)
    }

    /// Refuses a list longer than the records limit.
    pub(crate) fn check_list(&self, len: usize, span: Span) -> Result<(), Diagnostic> {
        if len <= self.limits.max_records {
            return Ok(());
        }
        Err(Diagnostic::error(
            aimsc_diagnostics::codes::LIMIT_RECORDS,
            format!(
                "this list has {len} elements; the limit is {}",
                self.limits.max_records
            ),
            Some(Location::new(&self.path, self.point(span.start()))),
        )
        .with_label("list starts here")
        .with_help("raise `max-records` if this is real (see the limits in SECURITY.md)"))
    }

    /// Refuses a string or key longer than the string limit.
    pub(crate) fn check_str(&self, s: &str, span: Span) -> Result<(), Diagnostic> {
        if s.len() <= self.limits.max_string_bytes {
            return Ok(());
        }
        Err(Diagnostic::error(
            aimsc_diagnostics::codes::LIMIT_STRING,
            format!(
                "this string is {}; the limit is {}",
                show_bytes(s.len()),
                show_bytes(self.limits.max_string_bytes)
            ),
            Some(Location::new(&self.path, self.point(span.start()))),
        )
        .with_label("string starts here")
        .with_help("keep documents out of the facts and link to them; or raise `max-string-bytes` (see the limits in SECURITY.md)"))
    }

    fn span_of(&self, loc: &serde_saphyr::Location, fallback: usize) -> Span {
        let s = loc.span();
        match (s.byte_offset(), s.byte_len()) {
            (Some(b), Some(l)) => {
                let b = usize::try_from(b).unwrap_or(self.text.len());
                Span::new(b, b + usize::try_from(l).unwrap_or(0))
            }
            _ => Span::new(fallback, fallback),
        }
    }

    fn node(&self, raw: Spanned<Raw>) -> Result<Value, Diagnostic> {
        let span = self.span_of(&raw.referenced, 0);
        let kind = match raw.value {
            Raw::Null => ValueKind::Null,
            Raw::Bool(b) => ValueKind::Bool(b),
            Raw::Int(n) => ValueKind::Int(n),
            Raw::Float(f) => ValueKind::Float(f),
            Raw::Str(s) => {
                self.check_str(&s, span)?;
                ValueKind::Str(Arc::from(s))
            }
            Raw::List(items) => {
                self.check_list(items.len(), span)?;
                ValueKind::List(
                    items
                        .into_iter()
                        .map(|i| self.node(i))
                        .collect::<Result<_, _>>()?,
                )
            }
            Raw::Map(pairs) => {
                let mut map: IndexMap<Arc<str>, Entry> = IndexMap::with_capacity(pairs.len());
                for (k, v) in pairs {
                    let key_span = self.span_of(&k.referenced, span.start());
                    self.check_str(&k.value, key_span)?;
                    let value = self.node(v)?;
                    match map.entry(Arc::from(k.value)) {
                        MapEntry::Occupied(o) => {
                            let first: &Entry = o.get();
                            return Err(duplicate(&self.path, o.key(), first.key_span, key_span));
                        }
                        MapEntry::Vacant(slot) => {
                            slot.insert(Entry { key_span, value });
                        }
                    }
                }
                ValueKind::Map(Map::from_unique(map.into_iter().collect()))
            }
        };
        Ok(Value {
            kind,
            file: self.file,
            span,
        })
    }
}

pub(crate) fn duplicate(path: &Arc<str>, key: &str, first: Span, second: Span) -> Diagnostic {
    Diagnostic::error(
        aimsc_diagnostics::codes::FACTS_DUPLICATE_KEY,
        format!("duplicate key `{key}`"),
        Some(Location::new(path, second)),
    )
    .with_label("second definition")
    .with_related(Location::new(path, first), "first defined here")
    .with_help("a key may appear once per mapping; remove or rename one of them")
}

fn parse_toml(ctx: &Ctx<'_>, text: &str) -> Result<Value, Diagnostic> {
    let (path, file) = (&ctx.path, ctx.file);
    use toml::de::{DeTable, DeValue};
    let doc = DeTable::parse(text).map_err(|e| {
        let span = e.span().map_or(Span::new(0, 0), |r| {
            let p = point(text, r.start);
            Span::new(p.start(), r.end.clamp(p.end(), text.len()))
        });
        Diagnostic::error(
            aimsc_diagnostics::codes::FACTS_SYNTAX,
            format!("cannot read facts: {}", first_line(e.message())),
            Some(Location::new(path, span)),
        )
        .with_label("here")
    })?;
    fn conv(
        v: &toml::Spanned<DeValue<'_>>,
        ctx: &Ctx<'_>,
        depth: usize,
    ) -> Result<Value, Diagnostic> {
        let (path, file) = (&ctx.path, ctx.file);
        let r = v.span();
        let span = Span::new(r.start, r.end);
        if depth > MAX_DEPTH {
            return Err(Diagnostic::error(
                aimsc_diagnostics::codes::LIMIT_DEPTH,
                format!("facts nest deeper than {MAX_DEPTH} levels"),
                Some(Location::new(path, span)),
            ));
        }
        let kind = match v.get_ref() {
            DeValue::String(s) => {
                ctx.check_str(s, span)?;
                ValueKind::Str(Arc::from(&**s))
            }
            DeValue::Integer(i) => {
                let n =
                    i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).map_err(|_| {
                        Diagnostic::error(
                            aimsc_diagnostics::codes::FACTS_SYNTAX,
                            "integer out of range",
                            Some(Location::new(path, span)),
                        )
                    })?;
                ValueKind::Int(n)
            }
            DeValue::Float(f) => {
                ValueKind::Float(f.as_str().replace('_', "").parse().unwrap_or(f64::NAN))
            }
            DeValue::Boolean(b) => ValueKind::Bool(*b),
            DeValue::Datetime(d) => ValueKind::Str(Arc::from(d.to_string())),
            DeValue::Array(items) => {
                ctx.check_list(items.len(), span)?;
                ValueKind::List(
                    items
                        .iter()
                        .map(|i| conv(i, ctx, depth + 1))
                        .collect::<Result<_, _>>()?,
                )
            }
            DeValue::Table(t) => ValueKind::Map(table(t, ctx, depth + 1)?),
        };
        Ok(Value { kind, file, span })
    }
    fn table(t: &DeTable<'_>, ctx: &Ctx<'_>, depth: usize) -> Result<Map, Diagnostic> {
        // toml has already refused duplicate keys; a later key would replace an earlier one.
        let mut map: IndexMap<Arc<str>, Entry> = IndexMap::with_capacity(t.len());
        for (k, v) in t {
            let ks = k.span();
            let key_span = Span::new(ks.start, ks.end);
            ctx.check_str(k.get_ref(), key_span)?;
            map.insert(
                Arc::from(&**k.get_ref()),
                Entry {
                    key_span,
                    value: conv(v, ctx, depth)?,
                },
            );
        }
        Ok(Map::from_unique(map.into_iter().collect()))
    }
    let r = doc.span();
    let kind = ValueKind::Map(table(doc.get_ref(), ctx, 1)?);
    Ok(Value {
        kind,
        file,
        span: Span::new(r.start, r.end),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(name: &str, text: &str) -> Result<Value, Diagnostic> {
        parse_file(&Arc::from(name), 0, text, &Limits::default())
    }

    #[test]
    fn yaml_values_keep_byte_spans() {
        let text = "org:\n  name: Acme\n  size: 12\n";
        let v = p("f.yaml", text)
            .map_err(|d| d.message)
            .unwrap_or_else(|m| Value {
                kind: ValueKind::Str(m.into()),
                file: 0,
                span: Span::default(),
            });
        let name = v
            .get("org")
            .and_then(|o| o.get("name"))
            .map(|n| (n.kind.clone(), n.span));
        assert_eq!(
            name,
            Some((ValueKind::Str("Acme".into()), Span::new(13, 17)))
        );
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let err = p("f.yaml", "a: 1\na: 2\n").err().map(|d| d.code);
        assert_eq!(err, Some(aimsc_diagnostics::codes::FACTS_DUPLICATE_KEY.id));
    }

    #[test]
    fn error_spans_stay_inside_the_text_on_character_boundaries() {
        // Found by fuzzing: a TOML error at the very end had a span one byte past the text.
        for (name, text) in [
            ("f.toml", "[[people]]\nname ="),
            ("f.yaml", "a: [1, 2\n"),
            ("f.yaml", "a: \"é"),
            ("f.json", "{\"a\": é"),
        ] {
            let span = p(name, text).err().and_then(|d| d.location).map(|l| l.span);
            let ok = span.is_some_and(|s| {
                s.end() <= text.len()
                    && text.is_char_boundary(s.start())
                    && text.is_char_boundary(s.end())
            });
            assert!(ok, "{name} {text:?}: {span:?}");
        }
    }

    #[test]
    fn toml_values_keep_byte_spans() {
        let v = p("f.toml", "[org]\nname = \"Acme\"\n").ok();
        let span = v
            .as_ref()
            .and_then(|v| v.get("org"))
            .and_then(|o| o.get("name"))
            .map(|n| n.span);
        assert_eq!(span, Some(Span::new(13, 19)));
    }
}
