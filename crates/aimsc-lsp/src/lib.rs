//! The aimsc language server (`aimsc lsp`): tower-lsp-server over [`aimsc_ide`] and the salsa
//! database of [`aimsc_db`].
//!
//! The workspace holds a [`Project`] per project found in it: one per `aims.toml` (its rule
//! files and facts files), one per folder of `.aims` files outside them, and one for open rule
//! files that belong to none; the editor's unsaved text is laid over the disk's. Edits are applied to it in arrival order under a
//! short lock; every request runs on a snapshot (a cheap clone) on a blocking worker, and is
//! answered "content modified" when an edit cancels it. A snapshot never lives across an
//! `.await`.

mod convert;
mod shipped;
mod workspace;

use aimsc_db::Project;
use aimsc_ide::Analysis;
use convert::{LineMap, offset_at, range_of};
use std::collections::{BTreeMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard};
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::notification::Notification;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};
use workspace::Workspace;

mod framing;

/// Whether the client asked the server to shut down before it stopped.
static SHUT_DOWN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Runs the server on stdin/stdout until the client exits. Returns the process exit code: 0
/// after the client's `shutdown`, 1 when the input ended (or `exit` came) without one, as the
/// protocol says, so that a supervisor can tell a crash of the client from a clean stop.
pub fn run_stdio() -> u8 {
    // Each keystroke parses its file again: items the edit did not touch are moved into
    // place rather than parsed.
    aimsc_db::remember_items(true);
    // Evaluation recurses over the rules' trees: its threads get a known, ample stack.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_stack_size(64 * 1024 * 1024)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("aimsc lsp: cannot start the runtime: {e}");
            return 2;
        }
    };
    runtime.block_on(async {
        let (service, socket) = LspService::build(Backend::new)
            .custom_method("aimsc/evalSummary", Backend::eval_summary)
            .finish();
        // The protocol library reads and writes through pipes; `framing` stands between
        // them and the real stdio, so that no input can stop the server.
        let (server_in, guard_in) = tokio::io::duplex(1 << 20);
        let (guard_out, server_out) = tokio::io::duplex(1 << 20);
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        let input = tokio::spawn(framing::guard_input(
            tokio::io::stdin(),
            guard_in,
            tx.clone(),
        ));
        let output = tokio::spawn(framing::forward_server(server_out, tx));
        let writer = tokio::spawn(framing::write_out(rx, tokio::io::stdout()));
        Server::new(server_in, guard_out, socket)
            .serve(service)
            .await;
        input.abort();
        let _ = output.await;
        let _ = writer.await;
    });
    if SHUT_DOWN.load(std::sync::atomic::Ordering::SeqCst) {
        0
    } else {
        eprintln!("aimsc lsp: the input ended without a shutdown request");
        1
    }
}

/// The `aimsc/outcomes` notification: totals of the live outcomes after each change, for a
/// status bar (and for benchmarks: it is sent right after the diagnostics).
pub enum Outcomes {}

impl Notification for Outcomes {
    type Params = OutcomesParams;
    const METHOD: &'static str = "aimsc/outcomes";
}

/// Totals of one evaluation.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct OutcomesParams {
    /// How many controls and rules had each outcome (`pass`, `fail`, …).
    pub totals: BTreeMap<String, usize>,
    /// Ids of failing controls and rules.
    pub failing: Vec<String>,
    /// The change this evaluation reflects (counts every edit the server applied).
    pub generation: u64,
}

/// The command of every code lens: explain a control's live outcome. Its argument is the
/// control's id; the answer is the explanation as text, also shown to the user.
pub const EXPLAIN_COMMAND: &str = "aimsc.explainOutcome";

/// A request on one document: the snapshot, the document's path, text and line map.
type DocumentQuery<T> = Box<dyn FnOnce(&Project, &str, &str, &LineMap) -> Option<T> + Send>;

/// The language server.
pub struct Backend {
    client: Client,
    state: Arc<Mutex<Workspace>>,
    /// Files that currently have diagnostics in the editor.
    published: Arc<Mutex<HashSet<String>>>,
    /// Held while the file watchers are registered anew.
    watch_order: Arc<tokio::sync::Mutex<()>>,
}

fn lock(state: &Mutex<Workspace>) -> MutexGuard<'_, Workspace> {
    // A panic while holding the lock leaves plain data behind; keep serving.
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn internal(msg: impl std::fmt::Display) -> Error {
    Error {
        code: ErrorCode::InternalError,
        message: msg.to_string().into(),
        data: None,
    }
}

impl Backend {
    fn new(client: Client) -> Backend {
        Backend {
            client,
            state: Arc::new(Mutex::new(Workspace::default())),
            published: Arc::new(Mutex::new(HashSet::new())),
            watch_order: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// Runs `f` on a snapshot of the project `path` belongs to (the primary project without
    /// one), on a blocking worker, answering ContentModified when an edit cancels it.
    async fn on_snapshot<T: Send + 'static>(
        &self,
        path: Option<&str>,
        f: impl FnOnce(&Project) -> T + Send + 'static,
    ) -> Result<T> {
        let snapshot = {
            let ws = lock(&self.state);
            match path {
                Some(p) => ws.unit(p).project.clone(),
                None => ws.primary().project.clone(),
            }
        };
        let joined = tokio::task::spawn_blocking(move || {
            aimsc_db::catch_cancelled(AssertUnwindSafe(|| f(&snapshot)))
        })
        .await;
        match joined {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(aimsc_db::Cancelled)) => Err(Error::new(ErrorCode::ContentModified)),
            Err(e) => Err(internal(format!("request failed: {e}"))),
        }
    }

    /// Runs `f` on a snapshot with the document's text and line map; `None` when the project
    /// does not hold the document.
    async fn on_document<T: Send + 'static>(
        &self,
        uri: &Uri,
        f: DocumentQuery<T>,
    ) -> Result<Option<T>> {
        let path = self.path_of(uri);
        self.on_snapshot(Some(&path.clone()), move |p| {
            let text = p.source_text(&path)?;
            let map = LineMap::new(&text);
            f(p, &path, &text, &map)
        })
        .await
    }

    /// Re-checks and re-evaluates after a change, then publishes diagnostics for every file
    /// (clearing those that became clean), the outcome totals, and asks for fresh code lenses.
    /// `touched` is the document the change was made in: it always gets a publication, empty
    /// when it has no diagnostics, because clients wait for one after each change.
    async fn publish(&self, touched: Option<String>) {
        let (generation, units, outcomes_of) = {
            let ws = lock(&self.state);
            let units: Vec<(Project, String)> = ws
                .units
                .iter()
                .map(|u| {
                    let root = u
                        .root
                        .as_ref()
                        .map_or_else(|| "\u{0}".to_string(), |r| format!("{}/", r.display()));
                    (u.project.clone(), root)
                })
                .collect();
            let of = touched.as_deref().map_or_else(
                || {
                    ws.units
                        .iter()
                        .position(|u| u.kind == workspace::Kind::Config)
                        .unwrap_or(0)
                },
                |t| ws.index_of(t),
            );
            (ws.generation, units, of)
        };
        let previously = self.published.lock().map(|p| p.clone()).unwrap_or_default();
        let computed = tokio::task::spawn_blocking(move || {
            aimsc_db::catch_cancelled(AssertUnwindSafe(|| {
                let mut by_file: BTreeMap<String, Vec<Diagnostic>> = BTreeMap::new();
                let mut totals = BTreeMap::new();
                let mut failing = Vec::new();
                for (i, (p, root)) in units.iter().enumerate() {
                    let mut diags = p.diagnostics();
                    diags.extend(aimsc::evidence::diagnostics(p));
                    let mut maps: BTreeMap<String, (String, LineMap)> = BTreeMap::new();
                    for d in &diags {
                        let Some(loc) = &d.location else { continue };
                        let file = loc.file.to_string();
                        // The shipped rules are checked by their tests, and read-only here.
                        if shipped::is_shipped(&file) {
                            continue;
                        }
                        if !maps.contains_key(&file) {
                            let text = p.source_text(&file).unwrap_or_default();
                            let map = LineMap::new(&text);
                            maps.insert(file.clone(), (text, map));
                        }
                        let Some((text, map)) = maps.get(&file) else {
                            continue;
                        };
                        by_file
                            .entry(file)
                            .or_default()
                            .push(convert::diagnostic(d, text, map, root));
                    }
                    if i == outcomes_of {
                        for r in &p.results_shared() {
                            *totals.entry(r.outcome.as_str().to_string()).or_insert(0) += 1;
                            if r.outcome == aimsc_eval::outcome::Outcome::Fail {
                                failing.push(r.id.to_string());
                            }
                        }
                    }
                }
                (by_file, totals, failing)
            }))
        })
        .await;
        let Ok(Ok((by_file, totals, failing))) = computed else {
            return; // cancelled by a newer edit, which publishes in turn
        };
        {
            if lock(&self.state).generation != generation {
                return;
            }
            if let Ok(mut p) = self.published.lock() {
                *p = by_file.keys().cloned().collect();
            }
        }
        let mut cleared: Vec<String> = previously
            .into_iter()
            .filter(|p| !by_file.contains_key(p))
            .collect();
        if let Some(t) = touched
            && !by_file.contains_key(&t)
            && !cleared.contains(&t)
        {
            cleared.push(t);
        }
        for path in cleared {
            if let Some(uri) = convert::uri_of(&path) {
                self.client.publish_diagnostics(uri, Vec::new(), None).await;
            }
        }
        for (path, diags) in by_file {
            if let Some(uri) = convert::uri_of(&path) {
                self.client.publish_diagnostics(uri, diags, None).await;
            }
        }
        self.client
            .send_notification::<Outcomes>(OutcomesParams {
                totals,
                failing,
                generation,
            })
            .await;
        let refresh = lock(&self.state).lens_refresh;
        if refresh {
            let client = self.client.clone();
            // The client answers in its own time; do not hold up the next edit.
            tokio::spawn(async move {
                let _ = client.code_lens_refresh().await;
            });
        }
    }

    async fn eval_summary(&self, _: serde_json::Value) -> Result<serde_json::Value> {
        self.on_snapshot(None, |p| {
            let results = p.results_shared();
            serde_json::json!({
                "text": aimsc_report::render_text(
                    &results.iter().map(|r| (**r).clone()).collect::<Vec<_>>(),
                    false
                )
            })
        })
        .await
    }

    /// `root/` of the project `path` belongs to, for showing paths relative to it in text.
    fn root_prefix(&self, path: &str) -> String {
        lock(&self.state)
            .unit(path)
            .root
            .as_ref()
            .map_or_else(|| "\u{0}".to_string(), |r| format!("{}/", r.display()))
    }

    fn path_of(&self, uri: &Uri) -> String {
        workspace::path_of(uri)
    }

    /// Asks the client to watch each project's rule files, `aims.toml` and facts folders, and
    /// nothing else: a client that watched every YAML and JSON file of the workspace would
    /// wake the server for files no project reads.
    async fn watch(&self) {
        let (dynamic, globs) = {
            let mut ws = lock(&self.state);
            let globs = ws.watched();
            if globs == ws.registered {
                return;
            }
            ws.registered.clone_from(&globs);
            (ws.dynamic_watch, globs)
        };
        if !dynamic {
            return;
        }
        let watchers = globs
            .into_iter()
            .map(|g| FileSystemWatcher {
                glob_pattern: GlobPattern::String(g),
                kind: None,
            })
            .collect();
        let options = DidChangeWatchedFilesRegistrationOptions { watchers };
        let Ok(options) = serde_json::to_value(options) else {
            return;
        };
        let client = self.client.clone();
        let order = self.watch_order.clone();
        // The client answers in its own time; nothing waits on it, and registrations go out
        // one after another.
        tokio::spawn(async move {
            let _turn = order.lock().await;
            let _ = client
                .unregister_capability(vec![Unregistration {
                    id: "aimsc-watch".into(),
                    method: "workspace/didChangeWatchedFiles".into(),
                }])
                .await;
            let _ = client
                .register_capability(vec![Registration {
                    id: "aimsc-watch".into(),
                    method: "workspace/didChangeWatchedFiles".into(),
                    register_options: Some(options),
                }])
                .await;
        });
    }
}

fn position_params(p: &TextDocumentPositionParams) -> (&Uri, Position) {
    (&p.text_document.uri, p.position)
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let root = params
            .workspace_folders
            .as_ref()
            .and_then(|f| f.first())
            .and_then(|f| f.uri.to_file_path().map(|p| p.into_owned()));
        #[allow(deprecated)] // clients that predate workspace folders send only rootUri
        let root = root.or_else(|| {
            params
                .root_uri
                .as_ref()
                .and_then(|u| u.to_file_path().map(|p| p.into_owned()))
        });
        let lens_refresh = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.code_lens.as_ref())
            .and_then(|c| c.refresh_support)
            .unwrap_or(false);
        let dynamic_watch = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|c| c.dynamic_registration)
            .unwrap_or(false);
        let as_of = params
            .initialization_options
            .as_ref()
            .and_then(|o| o.get("asOf"))
            .and_then(|d| d.as_str())
            .and_then(aimsc_eval::dates::parse_date);
        {
            let mut ws = lock(&self.state);
            ws.lens_refresh = lens_refresh;
            ws.dynamic_watch = dynamic_watch;
            if let Some(d) = as_of {
                ws.as_of = Some(d);
            }
            ws.open_root(root);
        }
        let legend = SemanticTokensLegend {
            token_types: aimsc_ide::SemKind::ALL
                .iter()
                .map(|k| SemanticTokenType::new(k.lsp_name()))
                .collect(),
            token_modifiers: vec![SemanticTokenModifier::DECLARATION],
        };
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        // Saves look at the evidence files again.
                        save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                        ..TextDocumentSyncOptions::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                definition_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                rename_provider: Some(OneOf::Right(RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                })),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(vec![".".into(), ":".into()]),
                    ..CompletionOptions::default()
                }),
                document_symbol_provider: Some(OneOf::Left(true)),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                semantic_tokens_provider: Some(
                    SemanticTokensServerCapabilities::SemanticTokensOptions(
                        SemanticTokensOptions {
                            legend,
                            full: Some(SemanticTokensFullOptions::Bool(true)),
                            range: None,
                            work_done_progress_options: WorkDoneProgressOptions::default(),
                        },
                    ),
                ),
                folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
                document_formatting_provider: Some(OneOf::Left(true)),
                code_lens_provider: Some(CodeLensOptions {
                    resolve_provider: Some(false),
                }),
                // Clicking a lens runs this on the server: every client can, none needs a
                // command of its own.
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: vec![EXPLAIN_COMMAND.into()],
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                }),
                ..ServerCapabilities::default()
            },
            server_info: Some(ServerInfo {
                name: "aimsc".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        let problems = lock(&self.state).take_load_problems();
        for msg in problems {
            self.client.show_message(MessageType::WARNING, msg).await;
        }
        self.watch().await;
        self.publish(None).await;
    }

    async fn shutdown(&self) -> Result<()> {
        SHUT_DOWN.store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let path = self.path_of(&params.text_document.uri);
        lock(&self.state).open(&path, params.text_document.text);
        self.publish(Some(path)).await;
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let path = self.path_of(&params.text_document.uri);
        // Applied before the first `.await`, so edits land in the order they arrived.
        lock(&self.state).change(&path, &params.content_changes);
        self.publish(Some(path)).await;
    }

    /// A save may have changed what the evidence files are, or which the facts name: look at
    /// them again (a file unchanged in size and time is not read again). Not on every
    /// keystroke: hashing a newly named large file would hold up every request.
    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        let path = self.path_of(&params.text_document.uri);
        lock(&self.state).refresh_evidence(&path);
        self.publish(Some(path)).await;
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let path = self.path_of(&params.text_document.uri);
        if lock(&self.state).close(&path) {
            self.publish(None).await;
        }
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        // An aims.toml that came or went changes which projects there are.
        let projects_changed = params
            .changes
            .iter()
            .any(|c| c.uri.as_str().ends_with("/aims.toml") && c.typ != FileChangeType::CHANGED);
        let problems = {
            let mut ws = lock(&self.state);
            if projects_changed {
                let root = ws.root.clone();
                ws.open_root(root);
            } else {
                ws.reload();
            }
            ws.take_load_problems()
        };
        for msg in problems {
            self.client.show_message(MessageType::WARNING, msg).await;
        }
        self.watch().await;
        self.publish(None).await;
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let (uri, pos) = position_params(&params.text_document_position_params);
        let root = self.root_prefix(&self.path_of(uri));
        self.on_document(
            uri,
            Box::new(move |p, path, text, map| {
                let offset = offset_at(text, map, pos);
                let Some(h) = Analysis::new(p).hover(path, offset) else {
                    // In a facts file: an evidence id under the cursor.
                    let (span, word) = word_at(text, offset)?;
                    let markdown = aimsc::evidence::hover(p, word)?;
                    return Some(Hover {
                        contents: HoverContents::Markup(MarkupContent {
                            kind: MarkupKind::Markdown,
                            value: markdown,
                        }),
                        range: Some(range_of(text, map, span)),
                    });
                };
                Some(Hover {
                    contents: HoverContents::Markup(MarkupContent {
                        kind: MarkupKind::Markdown,
                        value: h.markdown.replace(&root, ""),
                    }),
                    range: Some(range_of(text, map, h.span)),
                })
            }),
        )
        .await
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let (uri, pos) = position_params(&params.text_document_position_params);
        let root = lock(&self.state).unit(&self.path_of(uri)).root.clone();
        self.on_document(
            uri,
            Box::new(move |p, path, text, map| {
                let offset = offset_at(text, map, pos);
                let targets = Analysis::new(p).definition(path, offset);
                let locs = convert::locations(p, &targets);
                if !locs.is_empty() {
                    return Some(GotoDefinitionResponse::Array(locs));
                }
                // In a facts file: an evidence id opens its document.
                let (_, word) = word_at(text, offset)?;
                let doc = aimsc::evidence::document(p, root.as_deref()?, word)?;
                let uri = Uri::from_file_path(&doc)?;
                Some(GotoDefinitionResponse::Array(vec![Location {
                    uri,
                    range: Range::default(),
                }]))
            }),
        )
        .await
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let (uri, pos) = position_params(&params.text_document_position);
        let include = params.context.include_declaration;
        self.on_document(
            uri,
            Box::new(move |p, path, text, map| {
                let targets = Analysis::new(p).references(path, offset_at(text, map, pos), include);
                Some(convert::locations(p, &targets))
            }),
        )
        .await
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        let (uri, pos) = position_params(&params);
        let path = self.path_of(uri);
        let answer = self
            .on_snapshot(Some(&path.clone()), move |p| {
                let text = p.source_text(&path).unwrap_or_default();
                let map = LineMap::new(&text);
                Analysis::new(p)
                    .prepare_rename(&path, offset_at(&text, &map, pos))
                    .map(
                        |(span, placeholder)| PrepareRenameResponse::RangeWithPlaceholder {
                            range: range_of(&text, &map, span),
                            placeholder,
                        },
                    )
            })
            .await?;
        answer.map(Some).map_err(|e| Error::invalid_params(e.0))
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let (uri, pos) = position_params(&params.text_document_position);
        let path = self.path_of(uri);
        let new_name = params.new_name;
        let answer = self
            .on_snapshot(Some(&path.clone()), move |p| {
                let text = p.source_text(&path).unwrap_or_default();
                let map = LineMap::new(&text);
                let edits =
                    Analysis::new(p).rename(&path, offset_at(&text, &map, pos), &new_name)?;
                if let Some((t, _)) = edits.iter().find(|(t, _)| shipped::is_shipped(&t.path)) {
                    return Err(aimsc_ide::RenameError(format!(
                        "cannot rename: the shipped rules use it ({}), and they are read-only",
                        t.path
                    )));
                }
                let mut changes: std::collections::HashMap<Uri, Vec<TextEdit>> =
                    std::collections::HashMap::new();
                let mut maps: BTreeMap<String, (String, LineMap)> = BTreeMap::new();
                for (target, new_text) in edits {
                    let Some(uri) = convert::uri_of(&target.path) else {
                        continue;
                    };
                    let (t, m) = maps.entry(target.path.to_string()).or_insert_with(|| {
                        let t = p.source_text(&target.path).unwrap_or_default();
                        let m = LineMap::new(&t);
                        (t, m)
                    });
                    changes.entry(uri).or_default().push(TextEdit {
                        range: range_of(t, m, target.span),
                        new_text,
                    });
                }
                Ok(WorkspaceEdit {
                    changes: Some(changes),
                    ..WorkspaceEdit::default()
                })
            })
            .await?;
        answer
            .map(Some)
            .map_err(|e: aimsc_ide::RenameError| Error::invalid_params(e.0))
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let (uri, pos) = position_params(&params.text_document_position);
        self.on_document(
            uri,
            Box::new(move |p, path, text, map| {
                let items = Analysis::new(p)
                    .completions(path, offset_at(text, map, pos))
                    .into_iter()
                    .map(convert::completion)
                    .collect();
                Some(CompletionResponse::Array(items))
            }),
        )
        .await
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        self.on_document(
            &params.text_document.uri,
            Box::new(move |p, path, text, map| {
                let symbols = Analysis::new(p).document_symbols(path);
                Some(DocumentSymbolResponse::Nested(
                    symbols
                        .into_iter()
                        .map(|s| convert::doc_symbol(s, text, map))
                        .collect(),
                ))
            }),
        )
        .await
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        self.on_snapshot(None, move |p| {
            let found = Analysis::new(p).workspace_symbols(&params.query);
            Some(WorkspaceSymbolResponse::Flat(convert::workspace_symbols(
                p, found,
            )))
        })
        .await
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        self.on_document(
            &params.text_document.uri,
            Box::new(move |p, path, text, map| {
                let tokens = Analysis::new(p).semantic_tokens(path);
                Some(SemanticTokensResult::Tokens(SemanticTokens {
                    result_id: None,
                    data: convert::semantic_tokens(&tokens, text, map),
                }))
            }),
        )
        .await
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        self.on_document(
            &params.text_document.uri,
            Box::new(move |p, path, text, map| {
                Some(
                    Analysis::new(p)
                        .folding(path)
                        .into_iter()
                        .map(|f| convert::fold(f, text, map))
                        .collect(),
                )
            }),
        )
        .await
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        self.on_document(
            &params.text_document.uri,
            Box::new(move |p, path, text, map| {
                let formatted = Analysis::new(p).format(path)?;
                let whole = aimsc_diagnostics::Span::new(0, text.len());
                Some(vec![TextEdit {
                    range: range_of(text, map, whole),
                    new_text: formatted,
                }])
            }),
        )
        .await
    }

    async fn execute_command(
        &self,
        params: ExecuteCommandParams,
    ) -> Result<Option<serde_json::Value>> {
        if params.command != EXPLAIN_COMMAND {
            return Err(Error::invalid_params(format!(
                "aimsc lsp has no command `{}`",
                aimsc_diagnostics::printable(&params.command.chars().take(80).collect::<String>())
            )));
        }
        let Some(id) = params
            .arguments
            .first()
            .and_then(|a| a.as_str())
            .map(str::to_string)
        else {
            return Err(Error::invalid_params(
                "aimsc.explainOutcome takes a control's id",
            ));
        };
        let wanted = id.clone();
        // The document the lens is in names the project; without one, the primary project.
        let path = params
            .arguments
            .get(1)
            .and_then(|u| u.as_str())
            .and_then(|u| u.parse::<Uri>().ok())
            .map(|u| self.path_of(&u));
        let root = {
            let ws = lock(&self.state);
            let unit = match &path {
                Some(p) => ws.unit(p),
                None => ws.primary(),
            };
            unit.root.as_ref().map(|r| format!("{}/", r.display()))
        };
        let text = self
            .on_snapshot(path.as_deref(), move |p| {
                let results = p.results_shared();
                results
                    .iter()
                    .find(|r| *r.id == *wanted)
                    .map(|r| aimsc_report::render_text(std::slice::from_ref(&**r), true))
            })
            .await?;
        // Paths as the project names them, not the machine's.
        let text = text.map(|t| match &root {
            Some(r) => t.replace(r.as_str(), ""),
            None => t,
        });
        let Some(text) = text else {
            return Err(Error::invalid_params(format!(
                "no control `{}` in this project",
                aimsc_diagnostics::printable(&id.chars().take(80).collect::<String>())
            )));
        };
        let first = text.lines().next().unwrap_or_default().to_string();
        self.client.show_message(MessageType::INFO, first).await;
        self.client
            .log_message(MessageType::INFO, text.clone())
            .await;
        Ok(Some(serde_json::json!({ "id": id, "text": text })))
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        let lens_uri = params.text_document.uri.clone();
        self.on_document(
            &params.text_document.uri,
            Box::new(move |p, path, text, map| {
                // One lens a line: a rule whose body is its one requirement would show its
                // verdict twice, and clients that run "the lens on this line" would ask which.
                let mut lines = HashSet::new();
                Some(
                    Analysis::new(p)
                        .lenses(path)
                        .into_iter()
                        .map(|l| (range_of(text, map, l.span), l))
                        .filter(|(r, _)| lines.insert(r.start.line))
                        .map(|(range, l)| CodeLens {
                            range,
                            command: Some(Command {
                                title: l.title,
                                command: EXPLAIN_COMMAND.into(),
                                // The document too: the control is explained in its project.
                                arguments: Some(vec![
                                    serde_json::json!(l.check),
                                    serde_json::json!(lens_uri.as_str()),
                                ]),
                            }),
                            data: None,
                        })
                        .collect(),
                )
            }),
        )
        .await
    }
}

/// Paths of every file the server has published diagnostics for (for tests of clearing).
pub type Published = HashSet<String>;

/// The id-like word (letters, digits, `-`, `_`, `.`) at `offset`, with its span.
fn word_at(text: &str, offset: usize) -> Option<(aimsc_diagnostics::Span, &str)> {
    let is_word = |c: char| c.is_alphanumeric() || matches!(c, '-' | '_' | '.');
    let offset = offset.min(text.len());
    let start = text
        .get(..offset)?
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map_or(offset, |(i, _)| i);
    let end = text
        .get(offset..)?
        .char_indices()
        .find(|(_, c)| !is_word(*c))
        .map_or(text.len(), |(i, _)| offset + i);
    let word = text.get(start..end)?.trim_end_matches('.');
    (!word.is_empty()).then(|| {
        (
            aimsc_diagnostics::Span::new(start, start + word.len()),
            word,
        )
    })
}
