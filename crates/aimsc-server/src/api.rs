//! The endpoints, their request type and their JSON errors.

use crate::State;
use aimsc::{Date, Diagnostic, Engine, Error, Format, Options, RenderOptions};
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State as Shared};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;

/// The body of `POST /v1/eval`. Give the facts either as one JSON value (`facts`) or as files
/// laid out like a facts folder (`files`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvalRequest {
    /// The root mapping of the fact schema, collections inline.
    #[serde(default)]
    pub facts: Option<serde_json::Value>,
    /// Facts files: `aims.yaml` holds root facts, `ai_systems/chatbot.yaml` one record.
    #[serde(default)]
    pub files: Option<Vec<FactFile>>,
    /// `YYYY-MM-DD`; default: today (UTC).
    #[serde(default)]
    pub as_of: Option<String>,
    /// Only these controls or rules.
    #[serde(default)]
    pub controls: Vec<String>,
    /// Only these frameworks.
    #[serde(default)]
    pub frameworks: Vec<String>,
    /// Report format: json (default), sarif, junit, markdown, oscal, html or text.
    #[serde(default)]
    pub format: Option<Format>,
}

/// The body of `POST /v1/soa`: the facts as for `POST /v1/eval`, and the framework and form of
/// the Statement of Applicability.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SoaRequest {
    /// The root mapping of the fact schema, collections inline.
    #[serde(default)]
    pub facts: Option<serde_json::Value>,
    /// Facts files, as for `POST /v1/eval`.
    #[serde(default)]
    pub files: Option<Vec<FactFile>>,
    /// `YYYY-MM-DD`; default: today (UTC).
    #[serde(default)]
    pub as_of: Option<String>,
    /// The framework; default `iso42001`.
    #[serde(default)]
    pub framework: Option<String>,
    /// json (default), markdown or csv.
    #[serde(default)]
    pub format: Option<SoaFormat>,
}

/// The forms of a Statement of Applicability.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SoaFormat {
    /// As `aimsc soa --format json`.
    Json,
    /// As `aimsc soa --format markdown`.
    Markdown,
    /// As `aimsc soa --format csv`.
    Csv,
}

/// The body of `POST /v1/crosswalk/{target}`: the facts as for `POST /v1/eval`; the answer is the
/// coverage of the target framework derived from their outcomes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrosswalkRequest {
    /// The root mapping of the fact schema, collections inline.
    #[serde(default)]
    pub facts: Option<serde_json::Value>,
    /// Facts files, as for `POST /v1/eval`.
    #[serde(default)]
    pub files: Option<Vec<FactFile>>,
    /// `YYYY-MM-DD`; default: today (UTC).
    #[serde(default)]
    pub as_of: Option<String>,
    /// json (default), markdown or text.
    #[serde(default)]
    pub format: Option<CrosswalkFormat>,
}

/// The forms of a crosswalk report.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CrosswalkFormat {
    /// As `aimsc crosswalk --format json`.
    Json,
    /// As `aimsc crosswalk --format markdown`.
    Markdown,
    /// As `aimsc crosswalk --format text`.
    Text,
}

/// What a request asks of its evaluation.
enum Job {
    Eval(Format),
    Soa(String, SoaFormat),
    Crosswalk(String, CrosswalkFormat),
}

/// One facts file in a request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactFile {
    /// Path relative to the facts folder.
    pub path: String,
    /// Contents: YAML, JSON or TOML by the path's extension.
    pub text: String,
}

pub(crate) fn to_json(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

fn json_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        Body::from(body),
    )
        .into_response()
}

/// A JSON error.
fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    error_with(status, code, message.into(), None)
}

fn error_with(
    status: StatusCode,
    code: &str,
    message: String,
    diagnostics: Option<serde_json::Value>,
) -> Response {
    let mut e = serde_json::json!({
        "status": status.as_u16(),
        "code": code,
        "message": message,
    });
    if let Some(d) = diagnostics {
        e["diagnostics"] = d;
    }
    json_response(status, to_json(&serde_json::json!({ "error": e })))
}

fn diagnostics_json(err: &Error) -> serde_json::Value {
    serde_json::Value::Array(
        err.located()
            .map(|(d, lc)| diagnostic_json(d, lc))
            .collect(),
    )
}

fn diagnostic_json(d: &Diagnostic, lc: Option<(usize, usize)>) -> serde_json::Value {
    let mut v = serde_json::json!({
        "code": d.code,
        "severity": d.severity,
        "message": d.message,
    });
    if let Some(l) = &d.location {
        v["file"] = serde_json::json!(&*l.file);
    }
    if let Some((line, column)) = lc {
        v["line"] = line.into();
        v["column"] = column.into();
    }
    if let Some(h) = &d.help {
        v["help"] = serde_json::json!(h);
    }
    v
}

fn bad_request(err: &Error) -> Response {
    let first = err
        .diagnostics()
        .first()
        .map_or(aimsc::codes::SERVE_BAD_REQUEST.id, |d| d.code);
    error_with(
        StatusCode::BAD_REQUEST,
        first,
        err.to_string(),
        Some(diagnostics_json(err)),
    )
}

pub(crate) async fn healthz() -> Response {
    json_response(StatusCode::OK, "{\"status\": \"ok\"}\n".to_string())
}

pub(crate) async fn controls(Shared(state): Shared<Arc<State>>) -> Response {
    json_response(StatusCode::OK, state.controls.clone())
}

pub(crate) async fn frameworks(Shared(state): Shared<Arc<State>>) -> Response {
    json_response(StatusCode::OK, state.frameworks.clone())
}

pub(crate) async fn crosswalk(
    Shared(state): Shared<Arc<State>>,
    Path(target): Path<String>,
) -> Response {
    let Some(catalog) = state.catalog.lock().ok().map(|c| c.clone()) else {
        return internal();
    };
    let answer = tokio::task::spawn_blocking(move || catalog.crosswalk_json(&target, None)).await;
    match answer {
        Ok(Ok(body)) => json_response(StatusCode::OK, body),
        Ok(Err(e)) => unknown_framework(&e),
        Err(_) => internal(),
    }
}

fn internal() -> Response {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        aimsc::codes::SERVE_INTERNAL.id,
        "the evaluation stopped unexpectedly; the server goes on",
    )
}

/// Every endpoint, for the 404's message.
const ENDPOINTS: &str = "POST /v1/eval, POST /v1/soa, POST /v1/crosswalk/{target}, GET /v1/crosswalk/{target}, GET /v1/controls, GET /v1/frameworks, GET /v1/openapi.json, GET /metrics and GET /healthz";

pub(crate) async fn not_found(req: Request) -> Response {
    error(
        StatusCode::NOT_FOUND,
        aimsc::codes::SERVE_NOT_FOUND.id,
        format!(
            "no endpoint `{}`; there are {ENDPOINTS} (GET /v1/openapi.json describes them)",
            crate::http::loggable(req.uri().path())
        ),
    )
}

pub(crate) async fn method_not_allowed(req: Request) -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        aimsc::codes::SERVE_METHOD.id,
        format!(
            "`{}` is not allowed on `{}`",
            crate::http::loggable(req.method().as_str()),
            crate::http::loggable(req.uri().path())
        ),
    )
}

/// Reads the body up to the limit: a declared length over it is refused before reading.
async fn body(state: &State, req: Request) -> Result<Bytes, Response> {
    let limit = state.config.max_body_bytes;
    let too_large = || {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            aimsc::codes::SERVE_TOO_LARGE.id,
            format!("the request body is over the limit of {limit} bytes"),
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    // A body that trickles in is cut off like slow headers: it would hold a connection (and,
    // on stopping, the grace period) for as long as the client liked.
    let wait = state.config.header_timeout.max(state.config.timeout);
    match tokio::time::timeout(wait, axum::body::to_bytes(req.into_body(), limit)).await {
        Ok(read) => read.map_err(|_| too_large()),
        Err(_) => Err(error(
            StatusCode::REQUEST_TIMEOUT,
            aimsc::codes::SERVE_BAD_REQUEST.id,
            format!(
                "the request body did not arrive within {} s",
                wait.as_secs_f64()
            ),
        )),
    }
}

fn parse_request<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, Response> {
    serde_json::from_slice(bytes).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            aimsc::codes::SERVE_JSON.id,
            format!("the request is not a valid {what} request: {e}"),
        )
    })
}

/// The server's own clock, only when the request names no date.
fn today() -> Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

/// The request's date, or a 400.
fn as_of(given: Option<&str>) -> Result<Date, Response> {
    match given {
        Some(s) => s.parse::<Date>().map_err(|_| {
            error(
                StatusCode::BAD_REQUEST,
                aimsc::codes::USAGE_AS_OF.id,
                format!(
                    "`as_of` must be a date written YYYY-MM-DD, not `{}`",
                    aimsc::diagnostics::printable(&s.chars().take(40).collect::<String>())
                ),
            )
        }),
        None => Ok(today()),
    }
}

/// A request's facts as engine inputs, or a 400.
fn facts_of(
    facts: Option<&serde_json::Value>,
    files: Option<&[FactFile]>,
) -> Result<Vec<aimsc::FactInput>, Response> {
    match (facts, files) {
        (Some(v), None) => {
            let text = aimsc::canonical_json(v).map_err(|e| bad_request(&e))?;
            Ok(vec![aimsc::FactInput::root(aimsc::JSON_FACTS_PATH, &text)])
        }
        (None, Some(files)) => {
            let mut out = Vec::with_capacity(files.len());
            for f in files {
                out.push(aimsc::fact_input(&f.path, f.text.clone()).map_err(|e| bad_request(&e))?);
            }
            Ok(out)
        }
        _ => Err(error(
            StatusCode::BAD_REQUEST,
            aimsc::codes::SERVE_FACTS.id,
            "give the facts as `facts` (one JSON value) or as `files` (path and text), one of the two",
        )),
    }
}

/// Turns an eval request into engine inputs, or a 400.
fn prepare(req: &EvalRequest) -> Result<(Vec<aimsc::FactInput>, Options, Format), Response> {
    let as_of = as_of(req.as_of.as_deref())?;
    let facts = facts_of(req.facts.as_ref(), req.files.as_deref())?;
    let options = Options {
        as_of,
        controls: req.controls.clone(),
        frameworks: req.frameworks.clone(),
    };
    Ok((facts, options, req.format.unwrap_or(Format::Json)))
}

fn content_type(format: Format) -> &'static str {
    match format {
        Format::Json | Format::Oscal => "application/json",
        Format::Sarif => "application/sarif+json",
        Format::Junit => "application/xml",
        Format::Markdown => "text/markdown; charset=utf-8",
        Format::Text => "text/plain; charset=utf-8",
        Format::Html => "text/html; charset=utf-8",
    }
}

/// The work of one request, on a worker's engine.
fn evaluate(
    state: &State,
    engine: &mut Engine,
    facts: Vec<aimsc::FactInput>,
    options: &Options,
    job: &Job,
) -> Response {
    // A shared server reads no files (posted facts have no root): their file evidence is
    // unverifiable and judged by its dates alone; `aimsc evidence verify` in the project
    // checks the files.
    let counter = if engine.set_facts(facts) {
        &state.metrics.cache_misses
    } else {
        &state.metrics.cache_hits
    };
    counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    state
        .metrics
        .evaluations
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let evaluation = match engine.evaluate(options) {
        Ok(e) => e,
        Err(e) => return bad_request(&e),
    };
    if evaluation.has_errors() {
        let diags: Vec<serde_json::Value> = evaluation
            .diagnostics
            .iter()
            .map(|d| diagnostic_json(d, d.location.as_ref().and_then(|l| engine.line_col(l))))
            .collect();
        let errors = evaluation
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .count();
        let steps = aimsc::codes::LIMIT_STEPS.id;
        let run_steps = aimsc::codes::LIMIT_RUN_STEPS.id;
        let input_errors: Vec<&str> = evaluation
            .diagnostics
            .iter()
            .filter(|d| d.is_error() && d.code != steps && d.code != run_steps)
            .map(|d| d.code)
            .collect();
        let run_out = evaluation.diagnostics.iter().any(|d| d.code == run_steps);
        // Bad or oversized facts are bad input (400), and come first: nothing was evaluated on
        // them. Well-formed input over the step budget is work the server will not finish (422).
        let (status, code, message) = if input_errors
            .iter()
            .any(|c| c.starts_with("aimsc::limit::"))
        {
            (
                StatusCode::BAD_REQUEST,
                aimsc::codes::LIMIT_FACTS.id,
                format!("the facts are over a limit ({errors} error(s)); nothing was evaluated"),
            )
        } else if !input_errors.is_empty() {
            (
                StatusCode::BAD_REQUEST,
                aimsc::codes::FACTS_INVALID.id,
                format!("the facts have {errors} error(s); nothing was evaluated"),
            )
        } else if run_out {
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                run_steps,
                format!(
                    "the evaluation needs more than the limit of {} steps in all",
                    engine.project().limits().max_run_steps
                ),
            )
        } else {
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                steps,
                format!(
                    "the evaluation needs more than the limit of {} steps per requirement",
                    engine.project().limits().max_steps
                ),
            )
        };
        return error_with(status, code, message, Some(serde_json::Value::Array(diags)));
    }
    let (body, content_type) = match job {
        Job::Eval(format) => (
            evaluation.render(*format, &RenderOptions::default()),
            content_type(*format),
        ),
        Job::Soa(framework, format) => {
            let soa = match engine.soa(framework, &evaluation) {
                Ok(s) => s,
                Err(e) => return unknown_framework(&e),
            };
            match format {
                SoaFormat::Json => (aimsc::soa::json(&soa), "application/json"),
                SoaFormat::Markdown => (aimsc::soa::markdown(&soa), "text/markdown; charset=utf-8"),
                SoaFormat::Csv => (aimsc::soa::csv(&soa), "text/csv; charset=utf-8"),
            }
        }
        Job::Crosswalk(target, format) => {
            let report = match engine.crosswalk(target, Some(&evaluation)) {
                Ok(r) => r,
                Err(e) => return unknown_framework(&e),
            };
            match format {
                CrosswalkFormat::Json => (aimsc::crosswalk::json(&report), "application/json"),
                CrosswalkFormat::Markdown => (
                    aimsc::crosswalk::markdown(&report),
                    "text/markdown; charset=utf-8",
                ),
                CrosswalkFormat::Text => {
                    (aimsc::crosswalk::text(&report), "text/plain; charset=utf-8")
                }
            }
        }
    };
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, content_type)],
        Body::from(body),
    )
        .into_response()
}

fn unknown_framework(e: &Error) -> Response {
    error_with(
        StatusCode::NOT_FOUND,
        aimsc::codes::USAGE_UNKNOWN_FRAMEWORK.id,
        e.to_string(),
        Some(diagnostics_json(e)),
    )
}

pub(crate) async fn eval(Shared(state): Shared<Arc<State>>, req: Request) -> Response {
    let bytes = match body(&state, req).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let prepared = parse_request::<EvalRequest>(&bytes, "eval").and_then(|r| prepare(&r));
    let (facts, options, format) = match prepared {
        Ok(x) => x,
        Err(r) => return r,
    };
    on_a_worker(state, facts, options, Job::Eval(format)).await
}

pub(crate) async fn soa(Shared(state): Shared<Arc<State>>, req: Request) -> Response {
    let bytes = match body(&state, req).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let prepared = parse_request::<SoaRequest>(&bytes, "soa").and_then(|r| {
        let options = Options::new(as_of(r.as_of.as_deref())?);
        let facts = facts_of(r.facts.as_ref(), r.files.as_deref())?;
        let framework = r.framework.unwrap_or_else(|| "iso42001".to_string());
        Ok((
            facts,
            options,
            Job::Soa(framework, r.format.unwrap_or(SoaFormat::Json)),
        ))
    });
    match prepared {
        Ok((facts, options, job)) => on_a_worker(state, facts, options, job).await,
        Err(r) => r,
    }
}

pub(crate) async fn crosswalk_assessed(
    Shared(state): Shared<Arc<State>>,
    Path(target): Path<String>,
    req: Request,
) -> Response {
    let bytes = match body(&state, req).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let prepared = parse_request::<CrosswalkRequest>(&bytes, "crosswalk").and_then(|r| {
        let options = Options::new(as_of(r.as_of.as_deref())?);
        let facts = facts_of(r.facts.as_ref(), r.files.as_deref())?;
        let format = r.format.unwrap_or(CrosswalkFormat::Json);
        Ok((facts, options, Job::Crosswalk(target, format)))
    });
    match prepared {
        Ok((facts, options, job)) => on_a_worker(state, facts, options, job).await,
        Err(r) => r,
    }
}

pub(crate) async fn metrics(Shared(state): Shared<Arc<State>>) -> Response {
    let idle = state.pool.lock().map_or(0, |p| p.len());
    let body = state.metrics.render(state.config.workers.max(1), idle);
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        Body::from(body),
    )
        .into_response()
}

pub(crate) async fn openapi() -> Response {
    json_response(StatusCode::OK, crate::OPENAPI.to_string())
}

/// 401, with the scheme the client should use.
pub(crate) fn unauthorized() -> Response {
    let mut r = error(
        StatusCode::UNAUTHORIZED,
        aimsc::codes::SERVE_UNAUTHORIZED.id,
        "this server asks for a bearer token: send `Authorization: Bearer TOKEN`",
    );
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        axum::http::HeaderValue::from_static("Bearer realm=\"aimsc\""),
    );
    r
}

/// Runs a job on an idle worker's engine, within the request time limit.
async fn on_a_worker(
    state: Arc<State>,
    facts: Vec<aimsc::FactInput>,
    options: Options,
    job: Job,
) -> Response {
    let deadline = state.config.timeout;
    // Set at the deadline: the evaluation stops within a few thousand steps, and its engine,
    // whose results it cut short, is replaced by a fresh one.
    let interrupt = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = interrupt.clone();
    let work = async {
        let Ok(permit) = state.permits.acquire().await else {
            return internal();
        };
        let engine = state.pool.lock().ok().and_then(|mut p| p.pop());
        let Some(mut engine) = engine else {
            return internal();
        };
        permit.forget();
        let shared = state.clone();
        // The engine goes back to the pool when the work ends, even after a timeout has
        // answered the client, so a slow request never loses a worker.
        let task = tokio::task::spawn_blocking(move || {
            let response = aimsc::with_interrupt(flag.clone(), || {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    evaluate(&shared, &mut engine, facts, &options, &job)
                }))
            });
            // An engine whose evaluation was cut short or panicked may hold half-done results.
            if flag.load(std::sync::atomic::Ordering::Relaxed) || response.is_err() {
                engine = crate::worker(&shared.rules, shared.config.limits);
                shared
                    .metrics
                    .workers_replaced
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            if let Ok(mut pool) = shared.pool.lock() {
                pool.push(engine);
            }
            shared.permits.add_permits(1);
            response.unwrap_or_else(|_| internal())
        });
        task.await.unwrap_or_else(|_| internal())
    };
    match tokio::time::timeout(deadline, work).await {
        Ok(r) => r,
        Err(_) => {
            interrupt.store(true, std::sync::atomic::Ordering::Relaxed);
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                aimsc::codes::SERVE_TIMEOUT.id,
                format!(
                    "the evaluation took longer than the limit of {} s",
                    deadline.as_secs_f64()
                ),
            )
        }
    }
}
