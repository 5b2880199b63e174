#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]
//! What `aimsc lsp` does with input that is not LSP: it answers with the protocol's errors
//! and goes on serving, whatever the bytes.

mod common;

use common::lsp_client::Client;
use common::repo;
use serde_json::json;

#[test]
fn malformed_and_oversized_messages_are_answered_and_the_server_keeps_serving() {
    let root = repo().join("tests/orgs/northbank");
    let mut c = Client::start(env!("CARGO_BIN_EXE_aimsc"), &root, "2026-11-01");
    // A request whose answer proves the server evaluates: the text report of the project.
    let serving = |c: &mut Client| {
        let r = c.request("aimsc/evalSummary", json!({}));
        r["text"]
            .as_str()
            .is_some_and(|t| t.contains("eu_ai_act::Art.73"))
    };
    assert!(serving(&mut c));

    // A framed message that is not JSON.
    c.send_raw(b"Content-Length: 9\r\n\r\nnot json!");
    assert_eq!(c.next_unaddressed_error()["code"], -32700);
    // Bytes that are no message at all, then a message again.
    c.send_raw(b"\x00\xff\xfe random bytes\r\n\r\n");
    assert_eq!(c.next_unaddressed_error()["code"], -32700);
    assert!(c.alive(), "the server is still up");
    assert!(serving(&mut c));

    // A message declared larger than the limit: answered, its body skipped unread.
    let size = 80 * 1024 * 1024;
    c.send_raw(format!("Content-Length: {size}\r\n\r\n").as_bytes());
    let chunk = vec![b' '; 1024 * 1024];
    for _ in 0..80 {
        c.send_raw(&chunk);
    }
    assert_eq!(c.next_unaddressed_error()["code"], -32600);
    assert!(serving(&mut c));
    c.shutdown();
}

/// Input that ends without a `shutdown` request is an abnormal stop: exit code 1, with a
/// word on stderr; after `shutdown` and `exit`, 0 (checked by every `Client::shutdown`).
#[test]
fn input_ending_without_shutdown_exits_non_zero() {
    use std::io::Write as _;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_aimsc"))
        .arg("lsp")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"\x00\x01 some bytes")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("without a shutdown request"));
}
