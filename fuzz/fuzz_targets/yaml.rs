//! The direct reader of YAML's common shape against serde-saphyr on any text: whenever the
//! direct reader reads a file, serde-saphyr reads it too, to the same values with the same
//! spans; what the direct reader leaves, serde-saphyr decides alone.
#![no_main]

use aimsc_facts::Limits;
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path: Arc<str> = Arc::from("f.yaml");
    let (fast, slow) = aimsc_facts::yaml_both(&path, text, &Limits::default());
    if let Some(fast) = fast {
        match slow {
            Ok(slow) => assert!(fast == slow, "{text:?}: {fast:?} != {slow:?}"),
            Err(d) => panic!(
                "{text:?}: read directly, refused by serde-saphyr: {}",
                d.message
            ),
        }
    }
});
