//! `aimsc serve`: the engine as an HTTP/JSON rules backend.
//!
//! Endpoints: `POST /v1/eval`, `POST /v1/soa`, `POST /v1/crosswalk/{target}`,
//! `GET /v1/controls`, `GET /v1/frameworks`, `GET /v1/crosswalk/{target}`, `GET /v1/openapi.json`,
//! `GET /metrics`, `GET /healthz` (the OpenAPI description, [`OPENAPI`], is the reference).
//! Every error is JSON: `{"error": {"status", "code", "message", "diagnostics"?}}`.
//!
//! Each request gets an id (the client's `x-request-id` when it is short and plain, else one of
//! the server's), sent back in `x-request-id` and written in the request log on stderr. With
//! [`Config::tokens`] every endpoint but `/healthz` asks for `Authorization: Bearer TOKEN`.
//! SIGTERM or Ctrl-C stops taking connections, lets the requests under way finish, and returns.
//!
//! The rules are loaded and checked once. Each worker owns an [`Engine`] (its own salsa
//! database), so requests evaluate in parallel without cancelling each other, and each
//! worker's rules stay warm: setting a request's facts re-runs only what reads facts.
//! No endpoint reads a path: facts arrive in the body, and the rules are fixed at start.

mod api;
mod http;
mod metrics;

pub use api::{CrosswalkRequest, EvalRequest, FactFile, SoaRequest};
pub use http::LogFormat;

use aimsc::Engine;
use axum::Router;
use axum::routing::{get, post};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

/// The stack of the server's threads, evaluation's included.
pub const STACK_BYTES: usize = 64 * 1024 * 1024;

/// Server settings; [`Config::default`] gives the documented defaults.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen. Default `127.0.0.1:7071`: loopback only.
    pub addr: SocketAddr,
    /// Largest request body accepted, in bytes. Default 8 MiB.
    pub max_body_bytes: usize,
    /// Longest a request may take before it is answered 503. Default 30 s.
    pub timeout: Duration,
    /// Requests evaluated at once; more wait their turn. Default: the number of cores.
    pub workers: usize,
    /// Limits on each request's facts and evaluation; over one, the answer is a 4xx.
    pub limits: aimsc::Limits,
    /// Longest a client may take to send a request's headers, and to start its next request
    /// on a kept-alive connection, before the connection is closed. Default 10 s.
    pub header_timeout: Duration,
    /// Connections open at once; past it a new connection is closed at once. Default 512.
    pub max_connections: usize,
    /// Bearer tokens a request may present; empty (the default): no authentication.
    pub tokens: Vec<String>,
    /// The request log on stderr: a line per request. Default text.
    pub log: LogFormat,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 7071)),
            max_body_bytes: 8 * 1024 * 1024,
            timeout: Duration::from_secs(30),
            workers: std::thread::available_parallelism().map_or(2, usize::from),
            limits: aimsc::Limits::default(),
            header_timeout: Duration::from_secs(10),
            max_connections: 512,
            tokens: Vec::new(),
            log: LogFormat::Text,
        }
    }
}

/// What the handlers share.
pub(crate) struct State {
    /// Idle worker engines.
    pub pool: Mutex<Vec<Engine>>,
    /// One permit per idle engine.
    pub permits: Semaphore,
    /// An engine that only answers read-only questions about the rules; each request reads
    /// a clone of it (a database handle is `Send` but not `Sync`, hence the lock).
    pub catalog: Mutex<Engine>,
    /// `GET /v1/controls`, rendered once.
    pub controls: String,
    /// `GET /v1/frameworks`, rendered once.
    pub frameworks: String,
    /// The settings.
    pub config: Config,
    /// The rules, to build a fresh worker engine in place of one whose evaluation was
    /// interrupted (its database may hold results cut short).
    pub rules: Vec<(Arc<str>, String)>,
    /// What `/metrics` reports.
    pub metrics: metrics::Metrics,
}

/// The OpenAPI 3.1 description of the API, as served at `GET /v1/openapi.json`.
pub const OPENAPI: &str = include_str!("../openapi.json");

/// A worker engine over `rules`, its rules checked now rather than on the first request.
pub(crate) fn worker(rules: &[(Arc<str>, String)], limits: aimsc::Limits) -> Engine {
    let mut project = aimsc_db_project(rules.to_vec());
    project.set_limits(limits);
    let e = Engine::from_project(project);
    let _ = e.controls();
    e
}

/// Builds the router over `engine`'s rules: one engine per worker, each warmed up.
pub fn router(engine: &Engine, config: Config) -> Router {
    let (rules, _) = engine.project().inputs();
    let workers = config.workers.max(1);
    let pool: Vec<Engine> = (0..workers)
        .map(|_| worker(&rules, config.limits))
        .collect();
    let catalog = Engine::from_project(aimsc_db_project(rules.clone()));
    let controls = api::to_json(&serde_json::json!({ "controls": catalog.controls() }));
    let frameworks = api::to_json(&serde_json::json!({ "frameworks": catalog.frameworks() }));
    let state = Arc::new(State {
        pool: Mutex::new(pool),
        permits: Semaphore::new(workers),
        catalog: Mutex::new(catalog),
        controls,
        frameworks,
        config,
        rules,
        metrics: metrics::Metrics::default(),
    });
    Router::new()
        .route("/healthz", get(api::healthz))
        .route("/metrics", get(api::metrics))
        .route("/v1/openapi.json", get(api::openapi))
        .route("/v1/eval", post(api::eval))
        .route("/v1/soa", post(api::soa))
        .route("/v1/controls", get(api::controls))
        .route("/v1/frameworks", get(api::frameworks))
        .route(
            "/v1/crosswalk/{target}",
            get(api::crosswalk).post(api::crosswalk_assessed),
        )
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http::around,
        ))
        .with_state(state)
}

fn aimsc_db_project(rules: Vec<(Arc<str>, String)>) -> aimsc::Project {
    aimsc::Project::new(rules, Vec::new(), aimsc::Date::constant(2000, 1, 1))
}

/// Serves until SIGTERM or Ctrl-C, then stops taking connections and lets the requests under
/// way finish (up to the request time limit and 5 s more). `ready` is called with the bound
/// address (useful with port 0).
pub async fn serve(
    engine: &Engine,
    config: Config,
    ready: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let stop = http::stop_signal();
    tokio::pin!(stop);
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    let (header_timeout, max_connections) = (config.header_timeout, config.max_connections);
    let grace = config.timeout + Duration::from_secs(5);
    let log = config.log;
    let local = listener.local_addr()?;
    // Ready once the workers are warm: a client told the address is answered at once.
    let app = router(engine, config);
    ready(local);
    let max_connections = u32::try_from(max_connections.max(1)).unwrap_or(u32::MAX);
    let connections = Arc::new(Semaphore::new(max_connections as usize));
    let (stopping, stopped) = tokio::sync::watch::channel(false);
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = &mut stop => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            // Out of file descriptors or a connection reset before it was accepted: the
            // listener itself is fine; take a breath and go on.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        // At the limit a new connection is closed at once, so the open ones keep working.
        let Ok(permit) = connections.clone().try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(header_timeout);
            let io = hyper_util::rt::TokioIo::new(stream);
            let connection = http.serve_connection(io, service);
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = async { stopped.wait_for(|s| *s).await.map(|_| ()) } => {
                    // Finish the request under way, then close instead of keeping alive.
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
            drop(permit);
        });
    }
    drop(listener);
    let _ = stopping.send(true);
    // Every connection gives its permit back when it has closed.
    let drained = tokio::time::timeout(grace, connections.acquire_many(max_connections)).await;
    if log != LogFormat::Off {
        eprintln!(
            "aimsc serve: {}",
            if drained.is_ok() {
                "stopped; every request under way was answered"
            } else {
                "stopped; some requests were still under way after the grace period"
            }
        );
    }
    Ok(())
}

/// [`serve`] on a runtime of its own, for a command-line shell. Prints the address it
/// listens on to stderr.
pub fn run(engine: &Engine, config: Config) -> std::io::Result<()> {
    // Evaluation recurses over the rules' trees: its threads get a known, ample stack.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.workers.clamp(1, 4))
        .thread_stack_size(STACK_BYTES)
        .enable_all()
        .build()?;
    let served = runtime.block_on(serve(engine, config, |addr| {
        eprintln!("aimsc serve: listening on http://{addr}");
    }));
    // An evaluation cut short by the deadline may still be winding down on a blocking thread.
    runtime.shutdown_timeout(Duration::from_secs(5));
    served
}
