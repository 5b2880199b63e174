//! What happens around every request: its id, authentication, the request log and the
//! metrics; and the signals that stop the server.

use crate::State;
use axum::extract::{Request, State as Shared};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// The request log's form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// `aimsc serve: request id=… method=… path=… status=… ms=…`, a line each.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
    /// No request log.
    Off,
}

/// The header a request's id travels in, both ways.
const REQUEST_ID: &str = "x-request-id";

/// Requests numbered since the start, for ids the server makes.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A client's own id is kept when it is short and plain (it is echoed into logs and headers).
fn client_id(req: &Request) -> Option<String> {
    let v = req.headers().get(REQUEST_ID)?.to_str().ok()?;
    let plain = !v.is_empty()
        && v.len() <= 64
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    plain.then(|| v.to_string())
}

/// Ids unique to this process: its start time, then a count.
fn server_id() -> String {
    static START: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let start = *START.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    });
    format!("{start:x}-{}", NEXT_ID.fetch_add(1, Ordering::Relaxed))
}

/// The route a path belongs to, for metrics labels: a fixed set, never the path itself.
fn endpoint(path: &str) -> &'static str {
    match path {
        "/healthz" => "/healthz",
        "/metrics" => "/metrics",
        "/v1/openapi.json" => "/v1/openapi.json",
        "/v1/eval" => "/v1/eval",
        "/v1/soa" => "/v1/soa",
        "/v1/controls" => "/v1/controls",
        "/v1/frameworks" => "/v1/frameworks",
        p if p.starts_with("/v1/crosswalk/") && !p["/v1/crosswalk/".len()..].contains('/') => {
            "/v1/crosswalk/{target}"
        }
        _ => "other",
    }
}

/// At most this much of a request's path goes into the log, its unsafe characters escaped.
const LOGGED_PATH_CHARS: usize = 120;

pub(crate) fn loggable(path: &str) -> String {
    let mut out: String = path
        .chars()
        .take(LOGGED_PATH_CHARS)
        .flat_map(|c| {
            if c.is_ascii_graphic() {
                vec![c]
            } else {
                c.escape_default().collect()
            }
        })
        .collect();
    if path.chars().count() > LOGGED_PATH_CHARS {
        out.push('…');
    }
    out
}

/// Whether the request carries one of the tokens. Each comparison takes the same time
/// whatever the bytes, so the answer's timing says nothing about how much of a token matched.
fn authorized(req: &Request, tokens: &[String]) -> bool {
    let Some(value) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    // The scheme is case-insensitive (RFC 9110).
    let Some(given) = value
        .get(..7)
        .filter(|s| s.eq_ignore_ascii_case("bearer "))
        .and_then(|_| value.get(7..))
    else {
        return false;
    };
    let mut ok = false;
    for t in tokens {
        ok |= same(given.trim().as_bytes(), t.as_bytes());
    }
    ok
}

/// Compares every byte given with the token's (cycled), so the time taken depends on the
/// length sent alone, never on the token's length or on how much of it matched.
fn same(given: &[u8], token: &[u8]) -> bool {
    if token.is_empty() {
        return false;
    }
    let mut diff = u8::from(given.len() != token.len());
    for (i, g) in given.iter().enumerate() {
        diff |= g ^ token.get(i % token.len()).copied().unwrap_or(0);
    }
    diff == 0 && !given.is_empty()
}

/// Gives the request an id, refuses it without a token when tokens are set, and logs and
/// counts its answer.
pub(crate) async fn around(
    Shared(state): Shared<Arc<State>>,
    req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let id = client_id(&req).unwrap_or_else(server_id);
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let endpoint = endpoint(&path);
    let tokens = &state.config.tokens;
    let mut response = if !tokens.is_empty() && endpoint != "/healthz" && !authorized(&req, tokens)
    {
        state.metrics.unauthorized.fetch_add(1, Ordering::Relaxed);
        crate::api::unauthorized()
    } else {
        next.run(req).await
    };
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, v);
    }
    let status = response.status().as_u16();
    let took = started.elapsed();
    state.metrics.observe(endpoint, status, took);
    let ms = took.as_secs_f64() * 1000.0;
    match state.config.log {
        LogFormat::Off => {}
        LogFormat::Text => eprintln!(
            "aimsc serve: request id={id} method={} path={} status={status} ms={ms:.1}",
            loggable(method.as_str()),
            loggable(&path)
        ),
        LogFormat::Json => eprintln!(
            "{}",
            serde_json::json!({
                "request_id": id,
                "method": loggable(method.as_str()),
                "path": loggable(&path),
                "endpoint": endpoint,
                "status": status,
                "ms": (ms * 10.0).round() / 10.0,
            })
        ),
    }
    response
}

/// Resolves on SIGTERM (what container runtimes and service managers send) or Ctrl-C. The
/// SIGTERM handler is in place from this call on, not from the first poll, so a signal sent
/// while the server warms up is not lost.
pub(crate) fn stop_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    async move {
        #[cfg(unix)]
        if let Some(mut term) = term {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_labels_are_routes_never_the_path_sent() {
        assert_eq!(
            endpoint("/v1/crosswalk/eu-ai-act"),
            "/v1/crosswalk/{target}"
        );
        assert_eq!(endpoint("/v1/crosswalk/a/b"), "other");
        assert_eq!(endpoint("/v1/eval/"), "other");
        assert_eq!(endpoint(&"x".repeat(10_000)), "other");
    }

    #[test]
    fn a_logged_path_is_cut_and_escaped() {
        let long = format!("/{}", "a".repeat(500));
        let shown = loggable(&long);
        assert_eq!(shown.chars().count(), LOGGED_PATH_CHARS + 1);
        assert!(shown.ends_with('…'));
        assert_eq!(loggable("/a\nb"), "/a\\nb");
        assert_eq!(loggable("/é"), "/\\u{e9}");
    }

    #[test]
    fn tokens_are_compared_whole() {
        assert!(same(b"secret", b"secret"));
        assert!(!same(b"secret", b"secreT"));
        assert!(!same(b"secret", b"secret2"));
        assert!(!same(b"", b"x"));
    }
}
