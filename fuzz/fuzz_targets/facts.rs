//! The facts loader on any text as YAML, JSON or TOML (chosen by the first byte), within the
//! default limits and within small ones: no panic, no runaway memory, and every
//! diagnostic's span inside the text.
#![no_main]

use aimsc_facts::{Limits, SourceRole};
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let path: Arc<str> = Arc::from(match pick % 3 {
        0 => "facts.yaml",
        1 => "facts.json",
        _ => "facts.toml",
    });
    let small = Limits {
        max_file_bytes: 4096,
        max_records: 4,
        max_string_bytes: 16,
        max_yaml_aliases: 2,
    };
    for limits in [Limits::default(), small] {
        match aimsc_facts::parse_file(&path, 0, text, &limits) {
            Ok(value) => {
                let (_, diags) = aimsc_facts::merge(vec![(SourceRole::Root, path.clone(), value)]);
                aimsc_tests::assert_spans_inside(&diags, |_| Some(text));
            }
            Err(d) => aimsc_tests::assert_spans_inside(&[d], |_| Some(text)),
        }
    }
});
