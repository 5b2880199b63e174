//! The command line: every command and option as clap parses them.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "aimsc",
    version,
    about = "Policy engine for AI management systems (ISO/IEC 42001)"
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
    /// Change a resource limit for this run (repeatable), over aims.toml's `[limits]`:
    /// max-file-bytes, max-records, max-string-bytes, max-yaml-aliases, max-steps, max-run-steps or
    /// max-waiver-months.
    #[arg(long = "limit", global = true, value_name = "NAME=VALUE")]
    pub(crate) limits: Vec<String>,
    /// Treat every file under the facts folder that is not loaded (another extension, hidden,
    /// nested, not a regular file) as an error instead of a warning.
    #[arg(long, global = true)]
    pub(crate) strict: bool,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Parse and type-check rule files (and facts, when given or configured).
    Check(CheckArgs),
    /// Evaluate controls and rules against the facts.
    Eval(EvalArgs),
    /// The Statement of Applicability: every Annex A control, applicable or excluded and why,
    /// its implementation status, the facts it relied on and its owner.
    Soa(SoaArgs),
    /// Crosswalk coverage of another framework, derived from the evaluated controls.
    Crosswalk(CrosswalkArgs),
    /// Describe a control, rule or catalog entry; or the fact schema, params or shipped rulesets.
    Explain(ExplainArgs),
    /// Lay out `.aims` files in the canonical style, keeping comments.
    Fmt(FmtArgs),
    /// Serve the engine over HTTP/JSON for other tools: POST /v1/eval, GET /v1/controls,
    /// /v1/frameworks, /v1/crosswalk/{target}, /healthz.
    Serve(ServeArgs),
    /// Run the unit tests of rules (`*.test.yaml`): expected outcomes of controls for given
    /// facts; report failures with a diff, and the `require` blocks no test exercised.
    Test(TestArgs),
    /// Run the language server over stdin/stdout (for editors).
    Lsp(LspArgs),
    /// Start a new organisation: aims.toml, a facts folder and an organisational rules file.
    Init(InitArgs),
    /// Evidence: record a document's digest in the facts, or verify every evidence item.
    Evidence(EvidenceArgs),
    /// The organisation's compliance over its git history: every commit that changed the
    /// project evaluated (on the commit's date), and each control's outcome over time with the
    /// commits where it changed and why.
    History(HistoryArgs),
}

/// The arguments of `aimsc history`.
#[derive(clap::Args)]
pub(crate) struct HistoryArgs {
    /// Commits to evaluate: `REV` (its first-parent line, default HEAD) or `FROM..TO`.
    #[arg(value_name = "REV_RANGE")]
    pub(crate) range: Option<String>,
    /// Only commits made on or after DATE (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub(crate) since: Option<String>,
    /// Evaluate every commit on DATE instead of on the commit's own date.
    #[arg(long = "as-of", value_name = "DATE")]
    pub(crate) as_of: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = HistoryFormat::Text)]
    pub(crate) format: HistoryFormat,
    /// Write to FILE instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// The most commits a range may hold.
    #[arg(long = "max-commits", value_name = "N", default_value_t = 10_000)]
    pub(crate) max_commits: usize,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum HistoryFormat {
    Text,
    Json,
    Markdown,
    Html,
}

/// `aimsc evidence`.
#[derive(clap::Args)]
pub(crate) struct EvidenceArgs {
    #[command(subcommand)]
    pub(crate) command: EvidenceCommand,
}

/// What `aimsc evidence` does.
#[derive(Subcommand)]
pub(crate) enum EvidenceCommand {
    /// Record a file inside the project as evidence: its digest, date and validity, written to
    /// `facts/evidence/ID.yaml` (nobody computes hashes by hand).
    Add(EvidenceAddArgs),
    /// List every evidence item with its state: ok, unverifiable (a URL), missing, altered,
    /// no_digest, stale, outside; and unreferenced files under evidence/ and dangling ids.
    /// Exits 1 when anything is not usable.
    Verify(EvidenceVerifyArgs),
    /// Write an evidence package for the auditor: the JSON report, the SoA, every evidence
    /// file the facts name and a manifest of digests, byte-identical for the same inputs.
    Pack(EvidencePackArgs),
}

/// `aimsc evidence pack`.
#[derive(clap::Args)]
pub(crate) struct EvidencePackArgs {
    #[command(flatten)]
    pub(crate) inputs: Inputs,
    /// The zip file to write.
    #[arg(short = 'o', long = "output", value_name = "FILE.zip")]
    pub(crate) output: PathBuf,
}

/// Kinds of evidence, as the `EvidenceKind` enum of `@aimsc/evidence`.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum EvidenceKindArg {
    Document,
    Record,
    Certificate,
    Report,
    Ticket,
}

impl EvidenceKindArg {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            EvidenceKindArg::Document => "document",
            EvidenceKindArg::Record => "record",
            EvidenceKindArg::Certificate => "certificate",
            EvidenceKindArg::Report => "report",
            EvidenceKindArg::Ticket => "ticket",
        }
    }
}

/// `aimsc evidence add`.
#[derive(clap::Args)]
pub(crate) struct EvidenceAddArgs {
    /// The file: inside the project.
    pub(crate) path: PathBuf,
    /// Its id; default: the next free `EV-N`. An id recorded by this command before is updated.
    #[arg(long)]
    pub(crate) id: Option<String>,
    /// What kind of evidence it is.
    #[arg(long, value_enum, default_value = "document")]
    pub(crate) kind: EvidenceKindArg,
    /// Its title; default: the file name.
    #[arg(long)]
    pub(crate) title: Option<String>,
    /// How long it stays valid after it was issued, e.g. `12 months`; default: its kind's.
    #[arg(long = "valid-for", value_name = "DURATION")]
    pub(crate) valid_for: Option<String>,
    /// The date it was issued (YYYY-MM-DD); default: the as-of date.
    #[arg(long, value_name = "DATE")]
    pub(crate) issued: Option<String>,
    #[command(flatten)]
    pub(crate) inputs: Inputs,
}

/// `aimsc evidence verify`.
#[derive(clap::Args)]
pub(crate) struct EvidenceVerifyArgs {
    #[command(flatten)]
    pub(crate) inputs: Inputs,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub(crate) json: bool,
}

/// Where rules and facts come from (default: aims.toml), and the as-of date.
#[derive(clap::Args)]
pub(crate) struct Inputs {
    /// Rule file or folder (repeatable); default: `rules` from aims.toml.
    #[arg(long)]
    pub(crate) rules: Vec<PathBuf>,
    /// Facts file or folder; default: `facts` from aims.toml.
    #[arg(long)]
    pub(crate) facts: Option<PathBuf>,
    /// Date used for `today` and waiver expiry (YYYY-MM-DD); default: the current date.
    #[arg(long = "as-of", value_name = "DATE")]
    pub(crate) as_of: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum SoaFormat {
    Markdown,
    Csv,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum CrosswalkFormat {
    Text,
    Markdown,
    Json,
}

pub(crate) fn parse_format(s: &str) -> Result<aimsc::Format, String> {
    aimsc::Format::from_name(s).ok_or_else(|| {
        let names: Vec<&str> = aimsc::Format::ALL.iter().map(|f| f.name()).collect();
        format!("possible values: {}", names.join(", "))
    })
}

pub(crate) fn parse_fail_on(s: &str) -> Result<aimsc::FailOn, String> {
    s.parse()
        .map_err(|e: aimsc::FailOnParseError| e.to_string())
}

/// The arguments of `aimsc check`.
#[derive(clap::Args)]
pub(crate) struct CheckArgs {
    /// Rule files or folders; default: `rules` from aims.toml.
    pub(crate) paths: Vec<PathBuf>,
    /// Facts file or folder to validate against the schema.
    #[arg(long)]
    pub(crate) facts: Option<PathBuf>,
    /// Date used for `today` and waiver expiry (YYYY-MM-DD); default: the current date.
    #[arg(long = "as-of", value_name = "DATE")]
    pub(crate) as_of: Option<String>,
}

/// The arguments of `aimsc eval`.
#[derive(clap::Args)]
pub(crate) struct EvalArgs {
    /// Rule file or folder (repeatable); default: `rules` from aims.toml.
    #[arg(long)]
    pub(crate) rules: Vec<PathBuf>,
    /// Facts file or folder; default: `facts` from aims.toml.
    #[arg(long)]
    pub(crate) facts: Option<PathBuf>,
    /// Date used for `today` and waiver expiry (YYYY-MM-DD); default: the current date.
    #[arg(long = "as-of", value_name = "DATE")]
    pub(crate) as_of: Option<String>,
    /// Only these controls or rules (repeatable).
    #[arg(long = "control", value_name = "ID")]
    pub(crate) controls: Vec<String>,
    /// Only the controls and rules of these frameworks (repeatable), e.g. `iso42001`.
    #[arg(long = "framework", value_name = "NAME")]
    pub(crate) frameworks: Vec<String>,
    /// Report format (repeatable: text, json, sarif, junit, markdown, oscal, html). Pair each
    /// with an `-o FILE`, in order; one format may go without, to standard output.
    #[arg(long = "format", value_name = "FORMAT", value_parser = parse_format)]
    pub(crate) formats: Vec<aimsc::Format>,
    /// Write the report of the format in the same position to FILE (repeatable).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub(crate) outputs: Vec<PathBuf>,
    /// Which outcomes fail the run with exit code 1: a comma-separated list of fail, error,
    /// waived, expired-waiver, nothing-checked (a pass with no record to check), attested (a
    /// control met by attestation: self-declared), regression (a control met at the
    /// `--baseline` now fails, errs or is waived), or none.
    #[arg(long = "fail-on", value_name = "LIST", default_value = "fail,error", value_parser = parse_fail_on)]
    pub(crate) fail_on: aimsc::FailOn,
    /// What to compare with: an earlier JSON report (`--format json`), or a revision of the
    /// project's git repository (`origin/main`, a tag, a commit), evaluated on the same date.
    /// The Markdown summary lists the controls newly failing and newly passing since it.
    #[arg(long, value_name = "FILE_OR_REV")]
    pub(crate) baseline: Option<String>,
    /// Explain passing requirements too (text format).
    #[arg(short, long)]
    pub(crate) verbose: bool,
    /// After the report, keep watching the rule and facts files; on each change,
    /// re-evaluate and print the controls whose outcome changed.
    #[arg(long)]
    pub(crate) watch: bool,
}

/// The arguments of `aimsc soa`.
#[derive(clap::Args)]
pub(crate) struct SoaArgs {
    #[command(flatten)]
    pub(crate) inputs: Inputs,
    /// Framework whose controls to list.
    #[arg(long, default_value = "iso42001")]
    pub(crate) framework: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SoaFormat::Markdown)]
    pub(crate) format: SoaFormat,
    /// Write to FILE instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

/// The arguments of `aimsc crosswalk`.
#[derive(clap::Args)]
pub(crate) struct CrosswalkArgs {
    #[command(flatten)]
    pub(crate) inputs: Inputs,
    /// Target framework: eu-ai-act, iso27001, iso27701, nist-ai-rmf (or any declared name).
    #[arg(long = "to", value_name = "FRAMEWORK")]
    pub(crate) to: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CrosswalkFormat::Text)]
    pub(crate) format: CrosswalkFormat,
    /// Write to FILE instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

/// The arguments of `aimsc explain`.
#[derive(clap::Args)]
pub(crate) struct ExplainArgs {
    /// Control, rule or entry id, e.g. `iso42001::A.5.2` or `eu_ai_act::Art.73`.
    pub(crate) id: Option<String>,
    /// Print the fact schema.
    #[arg(long, conflicts_with_all = ["id", "params", "rulesets"])]
    pub(crate) schema: bool,
    /// Print the params and the values in force.
    #[arg(long, conflicts_with_all = ["id", "rulesets"])]
    pub(crate) params: bool,
    /// List the shipped rulesets.
    #[arg(long, conflicts_with = "id")]
    pub(crate) rulesets: bool,
    /// Print a shipped rule file, e.g. `@aimsc/iso42001/annex_a.aims` (as `--rulesets` lists them).
    #[arg(long, value_name = "PATH", conflicts_with_all = ["id", "schema", "params", "rulesets"])]
    pub(crate) ruleset: Option<String>,
    /// Explain a diagnostic code, e.g. `aimsc::facts::future_date` (as rustc --explain).
    #[arg(long, value_name = "CODE", conflicts_with_all = ["id", "schema", "params", "rulesets", "codes"])]
    pub(crate) code: Option<String>,
    /// List every diagnostic code with its meaning.
    #[arg(long, conflicts_with_all = ["id", "schema", "params", "rulesets"])]
    pub(crate) codes: bool,
    /// Rule file or folder (repeatable); default: `rules` from aims.toml, else the shipped rulesets.
    #[arg(long)]
    pub(crate) rules: Vec<PathBuf>,
}

/// The arguments of `aimsc fmt`.
#[derive(clap::Args)]
pub(crate) struct FmtArgs {
    /// Files or folders (default: the rule folders of aims.toml, else `.`); `-` for stdin.
    pub(crate) paths: Vec<PathBuf>,
    /// Change nothing; print what would change and exit 1 if anything would.
    #[arg(long)]
    pub(crate) check: bool,
}

/// The arguments of `aimsc serve`.
#[derive(clap::Args)]
pub(crate) struct ServeArgs {
    /// Rule file or folder (repeatable); default: `rules` from aims.toml, else the shipped rulesets.
    #[arg(long)]
    pub(crate) rules: Vec<PathBuf>,
    /// Address to listen on. Loopback by default; name another interface to expose it.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7071")]
    pub(crate) bind: std::net::SocketAddr,
    /// Largest request body accepted, in bytes.
    #[arg(long = "max-body", value_name = "BYTES", default_value_t = 8 * 1024 * 1024)]
    pub(crate) max_body: usize,
    /// Seconds a request may take before it is answered 503.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub(crate) timeout: u64,
    /// The time limit in milliseconds, overriding --timeout (for tests of the limit).
    #[arg(long = "timeout-ms", hide = true)]
    pub(crate) timeout_ms: Option<u64>,
    /// Requests evaluated at once (default: the number of cores).
    #[arg(long)]
    pub(crate) workers: Option<usize>,
    /// Connections open at once; past it a new one is closed at once.
    #[arg(long = "max-connections", value_name = "N", default_value_t = 512)]
    pub(crate) max_connections: usize,
    /// Seconds a client may take to send a request's headers (or to start its next request
    /// on a kept-alive connection) before the connection is closed.
    #[arg(long = "header-timeout", value_name = "SECONDS", default_value_t = 10)]
    pub(crate) header_timeout: u64,
    /// The header timeout in milliseconds, overriding --header-timeout (for tests).
    #[arg(long = "header-timeout-ms", hide = true)]
    pub(crate) header_timeout_ms: Option<u64>,
    /// Ask every request but /healthz for `Authorization: Bearer TOKEN`, TOKEN one of the lines
    /// of FILE (blank lines and `#` comments skipped; several tokens allow a rotation). FILE
    /// should be readable by the server's user alone.
    #[arg(long = "token-file", value_name = "FILE")]
    pub(crate) token_file: Option<PathBuf>,
    /// The request log on stderr: a line per request with its id, status and time.
    #[arg(long, value_enum, default_value_t = ServeLog::Text)]
    pub(crate) log: ServeLog,
}

/// The forms of `aimsc serve`'s request log.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum ServeLog {
    /// `aimsc serve: request id=… method=… path=… status=… ms=…`.
    Text,
    /// A JSON object per line.
    Json,
    /// None.
    Off,
}

/// The arguments of `aimsc test`.
#[derive(clap::Args)]
pub(crate) struct TestArgs {
    /// Test files or folders; default: the rule folders of aims.toml, else `.`.
    pub(crate) paths: Vec<PathBuf>,
    /// Rule file or folder (repeatable); default: `rules` from aims.toml, else the shipped rulesets.
    #[arg(long)]
    pub(crate) rules: Vec<PathBuf>,
    /// Only the tests whose name contains this text.
    #[arg(long, value_name = "TEXT")]
    pub(crate) filter: Option<String>,
    /// Also list the shipped rulesets' require blocks and `applies when` that no test proves.
    #[arg(long = "coverage-shipped")]
    pub(crate) coverage_shipped: bool,
    /// Exit 1 when less than this share (percent) of the listed require blocks and `applies
    /// when` are proven by cases one fact apart.
    #[arg(long = "fail-under", value_name = "PERCENT")]
    pub(crate) fail_under: Option<f64>,
}

/// The arguments of `aimsc lsp`.
#[derive(clap::Args)]
pub(crate) struct LspArgs {
    /// Accepted for editors that pass it; stdio is the only transport.
    #[arg(long, hide = true)]
    pub(crate) stdio: bool,
}

/// The arguments of `aimsc init`.
#[derive(clap::Args)]
pub(crate) struct InitArgs {
    /// Folder to create it in; default: the current folder.
    pub(crate) dir: Option<PathBuf>,
}
