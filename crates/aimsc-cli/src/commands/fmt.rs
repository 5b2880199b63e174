//! `aimsc fmt`: lays out `.aims` files in the one canonical style (see `aimsc::syntax::format`).

use crate::cli::FmtArgs;
use crate::render;
use aimsc::diagnostics::Diagnostic;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Formats the given files and folders (default: the rule folders of aims.toml, else `.`).
/// `-` formats standard input to standard output.
fn format_paths(paths: &[PathBuf], check: bool) -> Result<u8, Vec<Diagnostic>> {
    if paths.len() == 1 && paths[0].as_os_str() == "-" {
        return stdin(check);
    }
    let roots = if paths.is_empty() {
        crate::project::configured_rule_dirs().unwrap_or_else(|| vec![PathBuf::from(".")])
    } else {
        paths.to_vec()
    };
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for root in &roots {
        if let Err(e) = collect(root, &mut files) {
            errors.push(e);
        }
    }
    files.sort();
    files.dedup();
    let mut changed = 0usize;
    let mut broken = 0usize;
    for file in &files {
        let shown = file.strip_prefix(".").unwrap_or(file);
        let display: Arc<str> = Arc::from(shown.to_string_lossy().as_ref());
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => {
                errors.push(io_error(&display, &e.to_string()));
                continue;
            }
        };
        match aimsc::syntax::format::format_source(&display, &text) {
            Ok(formatted) if formatted == text => {}
            Ok(formatted) => {
                if check {
                    changed += 1;
                    print_diff(&display, &text, &formatted);
                } else if let Err(e) = crate::write::atomically(file, &formatted) {
                    errors.push(
                        Diagnostic::error(
                            aimsc::diagnostics::codes::IO_WRITE,
                            format!("cannot write `{display}`: {e}; the file is unchanged"),
                            None,
                        )
                        .with_help("free space or fix the permissions, then run `aimsc fmt` again"),
                    );
                } else {
                    changed += 1;
                    eprintln!("formatted {display}");
                }
            }
            Err(diags) => {
                broken += 1;
                let sources = render::Sources::from_texts([(display.clone(), text)]);
                render::print_diagnostics(&diags, &sources);
            }
        }
    }
    if !errors.is_empty() {
        render::print_diagnostics(&errors, &render::Sources::default());
    }
    let verb = if check {
        "would reformat"
    } else {
        "reformatted"
    };
    eprintln!(
        "{} file(s): {changed} {verb}, {broken} not formatted because of syntax errors",
        files.len()
    );
    Ok(if broken > 0 || !errors.is_empty() {
        2
    } else if check && changed > 0 {
        1
    } else {
        0
    })
}

fn stdin(check: bool) -> Result<u8, Vec<Diagnostic>> {
    let display: Arc<str> = Arc::from("<stdin>");
    let mut text = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut text) {
        return Err(vec![io_error(&display, &e.to_string())]);
    }
    match aimsc::syntax::format::format_source(&display, &text) {
        Ok(formatted) => {
            if check {
                if formatted == text {
                    return Ok(0);
                }
                print_diff(&display, &text, &formatted);
                return Ok(1);
            }
            let _ = std::io::stdout().lock().write_all(formatted.as_bytes());
            Ok(0)
        }
        Err(diags) => {
            render::print_diagnostics(&diags, &render::Sources::from_texts([(display, text)]));
            Ok(2)
        }
    }
}

fn io_error(path: &str, e: &str) -> Diagnostic {
    Diagnostic::error(
        aimsc::diagnostics::codes::IO_READ,
        format!("cannot format `{path}`: {e}"),
        None,
    )
}

/// `.aims` files under a path, skipping hidden folders and build output.
fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), Diagnostic> {
    let meta = std::fs::metadata(path).map_err(|e| {
        io_error(&path.to_string_lossy(), &e.to_string())
            .with_help("give `.aims` files or folders that hold them")
    })?;
    if meta.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let entries =
        std::fs::read_dir(path).map_err(|e| io_error(&path.to_string_lossy(), &e.to_string()))?;
    for entry in entries.flatten() {
        let p = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if p.is_dir() {
            if !(name.starts_with('.') || name == "target" || name == "node_modules") {
                collect(&p, out)?;
            }
        } else if name.ends_with(".aims") {
            out.push(p);
        }
    }
    Ok(())
}

/// The changed lines, as `diff -u` would show them, without a diff dependency: the formatter
/// keeps line breaks, so old and new lines pair up one to one except for blank lines.
fn print_diff(path: &str, old: &str, new: &str) {
    let mut out = format!("--- {path}\n+++ {path} (formatted)\n");
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let (mut i, mut j) = (0, 0);
    let mut shown = 0;
    while (i < old_lines.len() || j < new_lines.len()) && shown < 40 {
        match (old_lines.get(i), new_lines.get(j)) {
            (Some(a), Some(b)) if a == b => {
                i += 1;
                j += 1;
            }
            (Some(a), _) if a.trim().is_empty() => {
                out.push_str(&format!("@@ line {} @@\n-{a}\n", i + 1));
                i += 1;
                shown += 1;
            }
            (_, Some(b)) if b.trim().is_empty() => {
                out.push_str(&format!("@@ line {} @@\n+{b}\n", i + 1));
                j += 1;
                shown += 1;
            }
            (a, b) => {
                out.push_str(&format!("@@ line {} @@\n", i + 1));
                if let Some(a) = a {
                    out.push_str(&format!("-{a}\n"));
                }
                if let Some(b) = b {
                    out.push_str(&format!("+{b}\n"));
                }
                i += 1;
                j += 1;
                shown += 1;
            }
        }
    }
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
}

/// Runs the command with its parsed arguments.
pub(crate) fn run(args: FmtArgs) -> Result<u8, Vec<Diagnostic>> {
    let FmtArgs { paths, check } = args;
    format_paths(&paths, check)
}
