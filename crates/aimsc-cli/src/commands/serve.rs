//! `aimsc serve`.

use crate::cli::ServeArgs;
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
    } = args;
    let Some(engine) = checked_rules(&rules, parse_as_of(None)?)? else {
        return Ok(2);
    };
    if !bind.ip().is_loopback() {
        eprintln!(
            "aimsc serve: warning: listening on {bind}, which other machines can reach; aimsc serve has no authentication, so put it behind a proxy that authenticates its callers"
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
