//! A minimal LSP client for tests and benchmarks: it frames JSON-RPC over the stdio of a real
//! `aimsc lsp` process, answers the server's requests, and queues its notifications.
#![allow(dead_code, reason = "tests and benches use different parts")]

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(60);

/// A client speaking JSON-RPC to `aimsc lsp`.
pub struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    next_id: i64,
    /// Notifications received and not yet consumed.
    pending: Vec<Value>,
    /// The workspace folder.
    pub root: PathBuf,
    /// The `client/registerCapability` requests the server sent, in order.
    registrations: Vec<Value>,
}

fn read_message(r: &mut impl BufRead) -> Option<Value> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length: ") {
            len = v.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; len?];
    r.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

impl Client {
    /// Starts the server and initializes it on `root`, with a fixed as-of date.
    pub fn start(bin: &str, root: &Path, as_of: &str) -> Client {
        let mut child = Command::new(bin)
            .arg("lsp")
            // The read-only copies of the shipped rules go inside the test's own folder.
            .env("AIMSC_CACHE_DIR", root.join(".cache"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            while let Some(msg) = read_message(&mut r) {
                if tx.send(msg).is_err() {
                    break;
                }
            }
        });
        let mut c = Client {
            child,
            stdin,
            incoming: rx,
            next_id: 1,
            pending: Vec::new(),
            root: root.to_path_buf(),
            registrations: Vec::new(),
        };
        let root_uri = c.uri(".");
        let result = c.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": root_uri,
                "workspaceFolders": [{"uri": root_uri, "name": "ws"}],
                "capabilities": {"workspace": {
                    "codeLens": {"refreshSupport": true},
                    "didChangeWatchedFiles": {"dynamicRegistration": true}
                }},
                "initializationOptions": {"asOf": as_of}
            }),
        );
        assert!(
            result["capabilities"]["hoverProvider"]
                .as_bool()
                .unwrap_or(false)
        );
        c.notify("initialized", json!({}));
        c
    }

    /// The URI of a workspace-relative path.
    pub fn uri(&self, rel: &str) -> String {
        let p = if rel == "." {
            self.root.clone()
        } else {
            self.root.join(rel)
        };
        format!("file://{}", p.display())
    }

    fn send(&mut self, msg: &Value) {
        let body = msg.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    /// Writes bytes as they are, framed or not: for tests of what the server makes of them.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    /// Waits for the next error response that answers no request (its id is null).
    pub fn next_unaddressed_error(&mut self) -> Value {
        loop {
            let msg = self.recv();
            if msg.get("method").is_none() && msg["id"].is_null() && msg.get("error").is_some() {
                return msg["error"].clone();
            }
            if msg.get("id").is_none() {
                self.pending.push(msg);
            }
        }
    }

    /// Whether the server process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Sends a notification.
    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn recv(&mut self) -> Value {
        let msg = self
            .incoming
            .recv_timeout(TIMEOUT)
            .unwrap_or_else(|_| panic!("no message from the server within {TIMEOUT:?}"));
        // Requests from the server (code lens refresh, file watchers) get an empty success.
        if msg.get("method").is_some() && msg.get("id").is_some() {
            if msg["method"] == "client/registerCapability" {
                self.registrations.push(msg["params"].clone());
            }
            let id = msg["id"].clone();
            self.send(&json!({"jsonrpc": "2.0", "id": id, "result": null}));
        }
        msg
    }

    /// Sends a request and waits for its response, keeping notifications that arrive meanwhile.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let msg = self.recv();
            if msg.get("method").is_none() && msg["id"] == json!(id) {
                if let Some(err) = msg.get("error") {
                    return json!({ "error": err });
                }
                return msg["result"].clone();
            }
            if msg.get("id").is_none() {
                self.pending.push(msg);
            }
        }
    }

    /// The file watchers the server registered last, waiting for a registration if none came.
    pub fn watchers(&mut self) -> Vec<String> {
        while self.registrations.is_empty() {
            let msg = self.recv();
            if msg.get("id").is_none() {
                self.pending.push(msg);
            }
        }
        let last = self.registrations.last().cloned().unwrap_or_default();
        last["registrations"][0]["registerOptions"]["watchers"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|w| w["globPattern"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// Waits for the `aimsc/outcomes` notification that follows a change, returning it with
    /// the diagnostics published before it.
    pub fn wait_outcomes(&mut self) -> (BTreeMap<String, Value>, Value) {
        let mut diags = BTreeMap::new();
        let mut queue: Vec<Value> = std::mem::take(&mut self.pending);
        loop {
            for msg in queue.drain(..) {
                match msg["method"].as_str() {
                    Some("textDocument/publishDiagnostics") => {
                        let uri = msg["params"]["uri"].as_str().unwrap().to_string();
                        diags.insert(uri, msg["params"]["diagnostics"].clone());
                    }
                    Some("aimsc/outcomes") => return (diags, msg["params"].clone()),
                    _ => {}
                }
            }
            let msg = self.recv();
            if msg.get("id").is_none() {
                queue.push(msg);
            }
        }
    }

    /// Shuts the server down as an editor does, and checks it exits cleanly.
    pub fn shutdown(mut self) {
        let r = self.request("shutdown", Value::Null);
        assert_eq!(r, Value::Null);
        self.notify("exit", Value::Null);
        drop(self.stdin);
        let status = self.child.wait().unwrap();
        assert!(status.success(), "server exited with {status}");
    }
}
