#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]
//! Neovim as a real client: Debian's `nvim` (0.7 on Debian stable), headless, set up by the very
//! file the editors README gives (`editors/neovim/aimsc.lua`), drives `aimsc lsp` through its
//! built-in client (`tests/tools/nvim-drive.lua`): diagnostics, hover, definition, code lenses
//! and running one (workspace/executeCommand), formatting.

mod common;

use common::repo;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const RULES: &str = r#"framework acme "Acme"
record System { id: string, owner: string? "Who answers for the system." }
facts { systems: [System] }

rule acme::owned "Every system has an owner" {
  all s in systems: s.owner is set
}

control acme::named "Systems are named" {
  require "always"   {   1 == 1 }
}
"#;

#[test]
fn neovim_gets_diagnostics_hover_definition_lenses_and_formatting_from_the_server() {
    let nvim = Path::new("/usr/bin/nvim");
    assert!(
        nvim.is_file(),
        "Debian's neovim is missing: run `bash tests/tools/setup`"
    );
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("neovim-org");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    std::fs::write(
        dir.join("aims.toml"),
        "rules = [\"rules\"]\nfacts = \"facts.yaml\"\n",
    )
    .unwrap();
    std::fs::write(dir.join("rules/acme.aims"), RULES).unwrap();
    std::fs::write(
        dir.join("facts.yaml"),
        "systems:\n  - id: chatbot\n    owner: Ann\n",
    )
    .unwrap();
    let out_file = dir.join("nvim-out.json");
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_aimsc")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = Command::new(nvim)
        .args(["--headless", "--clean", "-u"])
        .arg(repo().join("editors/neovim/aimsc.lua"))
        .arg("-c")
        .arg(format!(
            "luafile {}",
            repo().join("tests/tools/nvim-drive.lua").display()
        ))
        .arg("rules/acme.aims")
        .current_dir(&dir)
        .env("PATH", path)
        .env("AIMSC_CACHE_DIR", dir.join(".cache"))
        .env("AIMSC_NVIM_OUT", &out_file)
        .env("AIMSC_NVIM_HOVER", "6:23")
        .env("AIMSC_NVIM_DEFINITION", "6:12")
        .output()
        .unwrap();
    let text = std::fs::read_to_string(&out_file).unwrap_or_else(|e| {
        panic!(
            "neovim wrote nothing ({e}): {}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        )
    });
    let got: Value = serde_json::from_str(&text).unwrap();
    assert!(got.get("error").is_none(), "{got:#}");
    assert_eq!(got["filetype"], "aims", "{got:#}");
    assert_eq!(got["server"], "aimsc");
    // The requirement that reads no fact, at its line (a warning: the rest still evaluates).
    let diags = got["diagnostics"].as_array().unwrap();
    assert!(
        diags.iter().any(|d| d["line"] == 10
            && d["code"] == "aimsc::check::reads_no_fact"
            && d["message"].as_str().unwrap().contains("reads no fact")),
        "{got:#}"
    );
    assert!(
        got["hover"]
            .as_str()
            .unwrap()
            .contains("Who answers for the system."),
        "{got:#}"
    );
    // `systems` is declared in the facts block, and has its values in facts.yaml.
    let defs = got["definition"].as_array().unwrap();
    assert!(
        defs.iter()
            .any(|d| d["uri"].as_str().unwrap().ends_with("/rules/acme.aims") && d["line"] == 3),
        "{got:#}"
    );
    assert!(
        defs.iter()
            .any(|d| d["uri"].as_str().unwrap().ends_with("/facts.yaml") && d["line"] == 1),
        "{got:#}"
    );
    // A lens per control, never two on a line (Neovim would ask which to run).
    assert_eq!(got["most_lenses_on_a_line"], 1, "{got:#}");
    let lenses = got["lenses"].as_array().unwrap();
    assert!(
        lenses
            .iter()
            .any(|l| l["line"] == 5 && l["title"].as_str().unwrap().starts_with("✓ pass")),
        "{got:#}"
    );
    // Running the lens asks the server, which explains the outcome.
    let messages = got["messages"].as_array().unwrap();
    assert!(
        messages
            .iter()
            .any(|m| m.as_str().unwrap().starts_with("PASS      acme::owned")),
        "{got:#}"
    );
    assert!(got["formatting_edits"].as_u64().unwrap() > 0, "{got:#}");
}
