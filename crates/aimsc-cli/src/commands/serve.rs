//! `aimsc serve`.

use crate::cli::{ServeArgs, ServeLog};
use crate::*;

pub(crate) fn run(args: ServeArgs) -> Result<u8, Vec<Diagnostic>> {
    let ServeArgs {
        rules,
        bind,
        max_body,
        timeout,
        timeout_ms,
        workers,
        max_connections,
        header_timeout,
        header_timeout_ms,
        token_file,
        log,
    } = args;
    let tokens = match &token_file {
        Some(path) => read_tokens(path)?,
        None => Vec::new(),
    };
    let Some(engine) = checked_rules(&rules, parse_as_of(None)?)? else {
        return Ok(2);
    };
    if !bind.ip().is_loopback() && tokens.is_empty() {
        eprintln!(
            "aimsc serve: warning: listening on {bind}, which other machines can reach; without --token-file it asks callers for no token, so give it one or put it behind a proxy that authenticates them"
        );
    }
    let mut config = aimsc_server::Config {
        addr: bind,
        max_body_bytes: max_body,
        timeout: timeout_ms.map_or(
            std::time::Duration::from_secs(timeout.max(1)),
            std::time::Duration::from_millis,
        ),
        limits: engine.project().limits(),
        header_timeout: header_timeout_ms.map_or(
            std::time::Duration::from_secs(header_timeout.max(1)),
            std::time::Duration::from_millis,
        ),
        max_connections: max_connections.max(1),
        tokens,
        log: match log {
            ServeLog::Text => aimsc_server::LogFormat::Text,
            ServeLog::Json => aimsc_server::LogFormat::Json,
            ServeLog::Off => aimsc_server::LogFormat::Off,
        },
        ..aimsc_server::Config::default()
    };
    if let Some(w) = workers {
        config.workers = w.max(1);
    }
    aimsc_server::run(&engine, config).map_err(|e| {
        vec![
            Diagnostic::error(
                aimsc::diagnostics::codes::SERVE_BIND,
                format!("cannot serve on {bind}: {e}"),
                None,
            )
            .with_help("choose a free port with --bind 127.0.0.1:PORT"),
        ]
    })?;
    Ok(0)
}

/// The most a token file may hold: a few tokens, not a file named by mistake.
const TOKEN_FILE_BYTES: u64 = 64 * 1024;

/// The shortest token accepted: shorter ones can be guessed.
const TOKEN_MIN_CHARS: usize = 16;

/// The tokens of `--token-file`, one per line.
fn read_tokens(path: &std::path::Path) -> Result<Vec<String>, Vec<Diagnostic>> {
    let shown = path.display().to_string();
    let refuse = |message: String, help: &str| {
        vec![
            Diagnostic::error(aimsc::diagnostics::codes::SERVE_TOKEN, message, None)
                .with_help(help.to_string()),
        ]
    };
    let meta = std::fs::metadata(path).map_err(|e| {
        refuse(
            format!("cannot read the token file {shown}: {e}"),
            "give --token-file a file holding one token per line",
        )
    })?;
    if !meta.is_file() || meta.len() > TOKEN_FILE_BYTES {
        return Err(refuse(
            format!("the token file {shown} is not a file of at most {TOKEN_FILE_BYTES} bytes"),
            "give --token-file a file holding one token per line",
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|e| {
        refuse(
            format!("cannot read the token file {shown}: {e}"),
            "write the tokens as UTF-8 text, one per line",
        )
    })?;
    let mut tokens = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if t.chars().count() < TOKEN_MIN_CHARS || !t.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(refuse(
                format!(
                    "line {} of the token file {shown} is not a token of at least {TOKEN_MIN_CHARS} printable ASCII characters",
                    n + 1
                ),
                "make tokens long and random, e.g. `openssl rand -hex 32`",
            ));
        }
        tokens.push(t.to_string());
    }
    if tokens.is_empty() {
        return Err(refuse(
            format!("the token file {shown} holds no token"),
            "write one token per line, e.g. the output of `openssl rand -hex 32`",
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // A warning, not a refusal: container runtimes mount secrets readable by all (0644)
        // where no other user exists.
        if meta.permissions().mode() & 0o077 != 0 {
            eprintln!(
                "aimsc serve: warning: the token file {shown} can be read by other users of this machine; make it readable by the server's user alone (chmod 600)"
            );
        }
    }
    Ok(tokens)
}
