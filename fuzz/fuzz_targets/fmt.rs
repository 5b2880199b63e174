//! The formatter on any text: no panic; and on text that parses, formatting again changes
//! nothing and the formatted text means the same (the same tree, spans aside).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path: Arc<str> = Arc::from("fuzz.aims");
    // Text that does not parse is still laid out (the editor formats as you type).
    let _ = aimsc_syntax::format::format(text);
    let Ok(once) = aimsc_syntax::format::format_source(&path, text) else {
        return;
    };
    assert_eq!(
        aimsc_syntax::format::format(&once),
        once,
        "formatting is not idempotent"
    );
    assert_eq!(
        aimsc_tests::tree_without_spans(&path, text),
        aimsc_tests::tree_without_spans(&path, &once),
        "formatting changed the meaning"
    );
});
