//! The inputs: rule files, facts files, and the workspace that holds them with the as-of date
//! and the limits. Every query reads from here.

use aimsc_facts::SourceRole;
use jiff::civil::Date;
use std::sync::Arc;

/// The salsa database.
#[salsa::db]
#[derive(Clone, Default)]
pub struct Database {
    storage: salsa::Storage<Self>,
}

#[salsa::db]
impl salsa::Database for Database {}

impl Database {
    /// A database that calls `log` with the name of each query it is about to execute (not
    /// of those whose cached answer it reuses): how tests and tools see what an edit re-ran.
    pub fn with_execution_log(log: impl Fn(&str) + Send + Sync + 'static) -> Database {
        let hook = move |event: salsa::Event| {
            if let salsa::EventKind::WillExecute { database_key } = event.kind {
                let name = format!("{database_key:?}");
                log(name.split('(').next().unwrap_or(&name));
            }
        };
        Database {
            storage: salsa::Storage::new(Some(Box::new(hook))),
        }
    }
}

/// A `.aims` file.
#[salsa::input]
pub struct RuleFile {
    /// Path as displayed.
    #[returns(ref)]
    pub path: Arc<str>,
    /// Contents.
    #[returns(ref)]
    pub text: String,
}

/// A facts file.
#[salsa::input]
pub struct FactFile {
    /// Path as displayed.
    #[returns(ref)]
    pub path: Arc<str>,
    /// How it merges.
    #[returns(ref)]
    pub role: SourceRole,
    /// Contents.
    #[returns(ref)]
    pub text: String,
    /// Index recorded in every value it yields.
    #[returns(copy)]
    pub index: u32,
    /// The limits it is parsed within.
    #[returns(copy)]
    pub limits: aimsc_facts::Limits,
}

/// All inputs of one evaluation.
#[salsa::input]
pub struct Workspace {
    /// Rule files.
    #[returns(ref)]
    pub rules: Vec<RuleFile>,
    /// Facts files.
    #[returns(ref)]
    pub facts: Vec<FactFile>,
    /// The as-of date.
    #[returns(copy)]
    pub as_of: Date,
    /// The resource limits.
    #[returns(copy)]
    pub limits: crate::Limits,
    /// What the shell found at each evidence location (digests, or why there is none).
    #[returns(ref)]
    pub evidence: crate::EvidenceFiles,
    /// The frameworks whose checks only report unusable evidence (`[evidence]` of aims.toml).
    #[returns(ref)]
    pub evidence_reported: Vec<Arc<str>>,
}

/// A rule or facts file of a workspace.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileRef {
    /// A rule file.
    Rule(crate::RuleFile),
    /// A facts file.
    Fact(crate::FactFile),
}

/// Every file of the workspace by path, so that placing a diagnostic or finding a file to edit
/// is a lookup, not a scan: a facts folder may hold hundreds of thousands of record files.
#[salsa::tracked(returns(ref))]
pub fn files_by_path(
    db: &dyn salsa::Database,
    ws: Workspace,
) -> std::collections::HashMap<Arc<str>, FileRef> {
    let mut out = std::collections::HashMap::new();
    for f in ws.facts(db) {
        out.insert(f.path(db).clone(), FileRef::Fact(*f));
    }
    for f in ws.rules(db) {
        out.insert(f.path(db).clone(), FileRef::Rule(*f));
    }
    out
}
