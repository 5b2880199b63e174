//! One module a command; each takes its parsed arguments and returns the exit code.

pub(crate) mod check;
pub(crate) mod crosswalk;
pub(crate) mod eval;
pub(crate) mod evidence;
pub(crate) mod explain;
pub(crate) mod fmt;
pub(crate) mod history;
pub(crate) mod init;
pub(crate) mod lsp;
pub(crate) mod serve;
pub(crate) mod soa;
pub(crate) mod test;
