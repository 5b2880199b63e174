//! The server's edge: JSON-RPC messages framed by `Content-Length` headers, read from the
//! client and checked before the protocol library sees them. An editor plugin with a bug, or
//! bytes that are not LSP at all, must not stop the server: a message that is not JSON is
//! answered with the protocol's parse error (-32700), one over [`MAX_MESSAGE_BYTES`] with an
//! invalid-request error (-32600, its body skipped unread), and garbage between messages is
//! skipped to the next header. What passes reaches the server whole; what the server writes
//! reaches the client whole, one message at a time, never interleaved with these answers.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

/// The largest message accepted: far above any real document or request.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// The longest header line read before the input is taken to be garbage.
const MAX_HEADER_LINE: usize = 1024;

/// One framed message.
fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// A JSON-RPC error response with no id (the request could not be read, so its id is
/// unknown, as the protocol says).
fn error_response(code: i64, message: &str) -> Vec<u8> {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": { "code": code, "message": message },
    });
    frame(body.to_string().as_bytes())
}

/// What reading the next message gave.
enum Read {
    Message(Vec<u8>),
    /// Answer this and go on.
    Reject(Vec<u8>),
    End,
}

/// Reads one header line, at most [`MAX_HEADER_LINE`] bytes; `None` at the end of input.
async fn header_line(r: &mut (impl AsyncRead + Unpin)) -> Option<Result<String, ()>> {
    let mut line = Vec::new();
    loop {
        let mut byte = [0u8; 1];
        match r.read(&mut byte).await {
            Ok(0) | Err(_) => return if line.is_empty() { None } else { Some(Err(())) },
            Ok(_) => {}
        }
        if byte[0] == b'\n' {
            let text = String::from_utf8(line).map_err(|_| ());
            return Some(text.map(|t| t.trim_end_matches('\r').to_string()));
        }
        line.push(byte[0]);
        if line.len() > MAX_HEADER_LINE {
            return Some(Err(()));
        }
    }
}

async fn next_message(r: &mut (impl AsyncRead + Unpin)) -> Read {
    let mut length: Option<usize> = None;
    let mut garbage = false;
    loop {
        match header_line(r).await {
            None => return Read::End,
            Some(Err(())) => garbage = true,
            Some(Ok(line)) if line.is_empty() => {
                if length.is_some() || garbage {
                    break;
                }
                // Blank lines between messages are tolerated.
            }
            Some(Ok(line)) => match line.split_once(':') {
                Some((name, value)) if name.eq_ignore_ascii_case("content-length") => {
                    match value.trim().parse::<usize>() {
                        Ok(n) => length = Some(n),
                        Err(_) => garbage = true,
                    }
                }
                Some((name, _)) if name.eq_ignore_ascii_case("content-type") => {}
                _ => garbage = true,
            },
        }
    }
    let Some(length) = length.filter(|_| !garbage) else {
        return Read::Reject(error_response(
            -32700,
            "Parse error: expected a `Content-Length` header and a blank line before each message",
        ));
    };
    if length > MAX_MESSAGE_BYTES {
        // Skipped unread, a chunk at a time: the declared size is never allocated.
        let mut left = length as u64;
        let mut sink = tokio::io::sink();
        let copied = tokio::io::copy(&mut (&mut *r).take(left), &mut sink).await;
        left = left.saturating_sub(copied.unwrap_or(0));
        if left > 0 {
            return Read::End;
        }
        return Read::Reject(error_response(
            -32600,
            &format!(
                "Invalid request: a message of {length} bytes is over the limit of {MAX_MESSAGE_BYTES}"
            ),
        ));
    }
    let mut body = vec![0u8; length];
    if r.read_exact(&mut body).await.is_err() {
        return Read::End;
    }
    if serde_json::from_slice::<serde_json::Value>(&body).is_err() {
        return Read::Reject(error_response(
            -32700,
            "Parse error: the message is not JSON",
        ));
    }
    Read::Message(body)
}

/// Copies checked messages from `input` to `server`, sending the answers to rejected ones to
/// `answers`, until the input ends.
pub async fn guard_input(
    input: impl AsyncRead + Unpin,
    mut server: impl AsyncWrite + Unpin,
    answers: mpsc::Sender<Vec<u8>>,
) {
    let mut input = BufReader::new(input);
    loop {
        match next_message(&mut input).await {
            Read::End => break,
            Read::Reject(answer) => {
                if answers.send(answer).await.is_err() {
                    break;
                }
            }
            Read::Message(body) => {
                if server.write_all(&frame(&body)).await.is_err() || server.flush().await.is_err() {
                    break;
                }
            }
        }
    }
    let _ = server.shutdown().await;
}

/// Sends each message the server writes, whole, to `out`, until the server's output ends.
pub async fn forward_server(server: impl AsyncRead + Unpin, out: mpsc::Sender<Vec<u8>>) {
    let mut server = BufReader::new(server);
    loop {
        match next_message(&mut server).await {
            Read::Message(body) => {
                if out.send(frame(&body)).await.is_err() {
                    break;
                }
            }
            Read::Reject(_) => {}
            Read::End => break,
        }
    }
}

/// Writes the messages of `messages` to `output`, one whole message at a time: the server's
/// and the answers to rejected input never interleave.
pub async fn write_out(mut messages: mpsc::Receiver<Vec<u8>>, mut output: impl AsyncWrite + Unpin) {
    while let Some(m) = messages.recv().await {
        if output.write_all(&m).await.is_err() || output.flush().await.is_err() {
            break;
        }
    }
}
