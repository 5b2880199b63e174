//! The parser on any text: no panic, and every diagnostic's span inside the text on
//! character boundaries (the renderer slices the text there).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path: Arc<str> = Arc::from("fuzz.aims");
    let (_, diags) = aimsc_syntax::parse(&path, text);
    aimsc_tests::assert_spans_inside(&diags, |_| Some(text));
});
