//! Helpers shared by the binary's test files.
#![allow(dead_code, reason = "each test file uses a subset")]

pub mod lsp_client;
pub mod validators;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs the real `aimsc` binary in `dir`, without colour.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aimsc"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run aimsc: {e}"))
}

/// The exit code (-1 when killed by a signal).
pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Copies a folder, recursively; symbolic links are copied as links (a fixture may hold a
/// link that leads out of its project).
pub fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        let kind = e.file_type().unwrap();
        if kind.is_symlink() {
            let link = std::fs::read_link(e.path()).unwrap();
            // Relative links keep pointing at the same place from the copy.
            let link = if link.is_relative() {
                std::fs::canonicalize(from).unwrap().join(&link)
            } else {
                link
            };
            #[cfg(unix)]
            std::os::unix::fs::symlink(link, target).unwrap();
        } else if kind.is_dir() {
            copy(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}
