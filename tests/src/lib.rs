//! Helpers shared by the end-to-end tests in `tests/`, the property tests and the fuzz
//! targets in `fuzz/`: each states one way two runs must agree.

use aimsc_db::Project;
use std::sync::Arc;

/// A rule file's syntax tree as JSON without spans: what the file means, not where it says
/// it; with the number of syntax errors.
pub fn tree_without_spans(path: &Arc<str>, text: &str) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                m.remove("span");
                m.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => {
                // `until` is a (date, span) pair: drop the span half.
                if a.len() == 2 && a[1].get("start").is_some() && a[1].get("end").is_some() {
                    a.pop();
                }
                a.iter_mut().for_each(strip);
            }
            _ => {}
        }
    }
    let (ast, diags) = aimsc_syntax::parse(path, text);
    let mut v = serde_json::to_value(&ast).unwrap_or_default();
    strip(&mut v);
    // Errors are part of the meaning; warnings about the text's form (a lone CR, which the
    // formatter turns into a line feed) are not.
    let errors = diags.iter().filter(|d| d.is_error()).count();
    serde_json::json!({ "tree": v, "errors": errors })
}

/// Everything an editor shows for one rule file of a project: diagnostics, outline,
/// semantic tokens, folding ranges, code lenses and the formatted text. Two projects holding
/// the same text must give the same state, however they came to hold it.
pub fn editor_state(project: &Project, path: &str) -> String {
    let analysis = aimsc_ide::Analysis::new(project);
    let diagnostics: Vec<String> = project
        .diagnostics()
        .iter()
        .map(|d| format!("{} {} {:?}", d.code, d.message, d.location))
        .collect();
    format!(
        "diagnostics: {diagnostics:#?}\nsymbols: {:#?}\ntokens: {:?}\nfolds: {:?}\nlenses: {:?}\nformat: {:?}",
        analysis.document_symbols(path),
        analysis.semantic_tokens(path),
        analysis.folding(path),
        analysis.lenses(path),
        analysis.format(path),
    )
}

/// Panics unless every location of every diagnostic lies inside its file's text, on
/// character boundaries: the renderers slice the text there. `text_of` gives a file's text
/// by path (`None` for files it does not know, which are skipped).
pub fn assert_spans_inside<'a>(
    diags: &[aimsc_diagnostics::Diagnostic],
    text_of: impl Fn(&str) -> Option<&'a str>,
) {
    for d in diags {
        let related = d.related.iter().map(|r| &r.location);
        for loc in d.location.iter().chain(related) {
            let Some(text) = text_of(&loc.file) else {
                continue;
            };
            let (s, e) = (loc.span.start(), loc.span.end());
            assert!(
                s <= e && e <= text.len() && text.is_char_boundary(s) && text.is_char_boundary(e),
                "{}: span {s}..{e} is not inside `{}` ({} bytes)",
                d.code,
                loc.file,
                text.len()
            );
        }
    }
}

/// The facts files of an example organisation of `tests/orgs`, as (path in its facts folder,
/// text), sorted by path.
pub fn org_facts(org: &str) -> std::io::Result<Vec<(String, String)>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("orgs")
        .join(org)
        .join("facts");
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(&root) {
                let text = std::fs::read_to_string(&path)?;
                out.push((rel.to_string_lossy().into_owned(), text));
            }
        }
    }
    out.sort();
    Ok(out)
}
