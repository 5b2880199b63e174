//! aimsc's JSON facts reader against serde_json on any text: both accept the same texts (but
//! for an integer beyond 64 bits, which serde_json rounds and aimsc refuses) and read the same
//! values, and every diagnostic's span is inside the text.
#![no_main]

use aimsc_facts::{Limits, Value, ValueKind};
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

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

/// Equal values, decimals within a relative 1e-12: serde_json's default float parsing may be
/// one unit in the last place off, Rust's `parse` is exact.
fn same(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match (a, b) {
        (J::Number(x), J::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            x == y || (x - y).abs() <= 1e-12 * x.abs().max(y.abs())
        }
        (J::Array(x), J::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (J::Object(x), J::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// Whether serde_json's value holds a number that is not an `i64` and has no fraction or
/// exponent in the text (serde_json reads it as `u64` or rounds it to `f64`).
fn has_big_integer(text: &str) -> bool {
    text.split(|c: char| !(c.is_ascii_digit() || c == '-'))
        .any(|t| t.trim_start_matches('-').len() >= 19)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path: Arc<str> = Arc::from("facts.json");
    let ours = aimsc_facts::parse_file(&path, 0, text, &Limits::default());
    if let Err(d) = &ours {
        aimsc_tests::assert_spans_inside(std::slice::from_ref(d), |_| Some(text));
    }
    // Blank text is refused before reading; serde_json's depth limit (128) is above ours (64);
    // a byte-order mark is skipped by aimsc only.
    if text.trim().is_empty() || text.starts_with('\u{feff}') || has_big_integer(text) {
        return;
    }
    let theirs: Result<serde_json::Value, _> = serde_json::from_str(text);
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) => assert!(same(&plain(a), b), "different values for {text:?}"),
        (Err(d), Ok(_)) => assert!(
            d.code == aimsc_diagnostics::codes::LIMIT_DEPTH.id
                || d.code == aimsc_diagnostics::codes::FACTS_DUPLICATE_KEY.id,
            "aimsc refuses what serde_json reads: {text:?}: {}",
            d.message
        ),
        (Ok(_), Err(e)) => panic!("aimsc reads what serde_json refuses: {text:?}: {e}"),
        (Err(_), Err(_)) => {}
    }
});
