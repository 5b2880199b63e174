//! Every diagnostic code aimsc emits, in one catalogue.
//!
//! Codes are a public contract: SARIF notification ids, the `code` of the JSON report's
//! diagnostics, the LSP's diagnostic codes and HTTP error bodies. A [`Code`] can only be one
//! of the constants below, so no code is emitted that is not documented here, and
//! `aimsc explain --code CODE` prints its entry. The `id` of a code never changes once
//! released; a code that is no longer emitted stays listed.

/// A diagnostic code: its stable id, what it means, and how to resolve it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Code {
    /// The stable id, e.g. `aimsc::facts::future_date`.
    pub id: &'static str,
    /// What it means, in one sentence.
    pub summary: &'static str,
    /// How to resolve it, in general (a diagnostic's own help is more specific).
    pub help: &'static str,
}

impl Code {
    /// The area of the id: `facts` for `aimsc::facts::future_date`.
    pub fn area(&self) -> &'static str {
        self.id.split("::").nth(1).unwrap_or("")
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id)
    }
}

impl PartialEq<Code> for &str {
    fn eq(&self, other: &Code) -> bool {
        *self == other.id
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.id == *other
    }
}

/// The code with id `id`.
pub fn find(id: &str) -> Option<Code> {
    ALL.iter().copied().find(|c| c.id == id)
}

/// What the area of a code holds.
fn area_text(area: &str) -> &'static str {
    AREAS
        .iter()
        .find(|(a, _)| *a == area)
        .map_or("", |(_, t)| *t)
}

impl Code {
    /// The entry as `aimsc explain --code` prints it.
    pub fn explain(&self) -> String {
        format!(
            "{}\n  area  {} ({})\n\n{}\n\nTo resolve it: {}\n",
            self.id,
            self.area(),
            area_text(self.area()).trim_end_matches('.'),
            self.summary,
            self.help
        )
    }
}

/// Every code, one line each, as `aimsc explain --codes` prints them.
pub fn list() -> String {
    let width = ALL.iter().map(|c| c.id.len()).max().unwrap_or(0);
    ALL.iter()
        .map(|c| format!("{:width$}  {}\n", c.id, c.summary))
        .collect()
}

/// The catalogue as a Markdown page (CODES.md in the repository).
pub fn markdown() -> String {
    let mut out = String::from(
        "# Diagnostic codes\n\nEvery code aimsc emits, by area: in diagnostics (text, JSON, SARIF \
         notifications, the language server) and in the error bodies of `aimsc serve`. An id never \
         changes once released. `aimsc explain --code CODE` prints one entry; this page is \
         generated from `crates/aimsc-diagnostics/src/codes.rs`, and a test keeps it in step.\n",
    );
    for (area, text) in AREAS {
        out.push_str(&format!(
            "\n## `{area}`: {text}\n\n| code | what it means | to resolve it |\n|---|---|---|\n"
        ));
        for c in ALL.iter().filter(|c| c.area() == *area) {
            out.push_str(&format!(
                "| <a id=\"{}\"></a>`{}` | {} | {} |\n",
                anchor(c.id),
                c.id,
                c.summary.replace('|', "\\|"),
                c.help.replace('|', "\\|")
            ));
        }
    }
    out
}

/// The anchor of a code on the Markdown page: `aimsc-facts-future_date`.
pub fn anchor(id: &str) -> String {
    id.replace("::", "-")
}

/// What each area of the ids holds: (area, description).
pub const AREAS: &[(&str, &str)] = &[
    (
        "check",
        "Checks that the rules can fail: a requirement that no facts can make fail.",
    ),
    ("config", "aims.toml."),
    (
        "evidence",
        "The documents behind the facts (the `Evidence` record of `@aimsc/evidence`).",
    ),
    ("facts", "Loading and validating the facts."),
    ("init", "`aimsc init`."),
    ("internal", "Bugs in aimsc, reported rather than hidden."),
    ("io", "Files and folders."),
    (
        "limit",
        "Resource limits (SECURITY.md lists them with their defaults).",
    ),
    ("parse", "Reading rule files."),
    ("resolve", "Names in the rules."),
    ("rules", "Finding rule files."),
    (
        "scope",
        "What an organisation sets: params, exclusions, waivers, maps.",
    ),
    ("serve", "`aimsc serve` (error codes of HTTP responses)."),
    ("test", "`aimsc test` files."),
    ("type", "Types in the rules."),
    ("usage", "The command line and the library's options."),
];

macro_rules! catalogue {
    ($($name:ident $id:literal $summary:literal $help:literal;)*) => {
        $(
            #[doc = $summary]
            pub const $name: Code = Code { id: $id, summary: $summary, help: $help };
        )*
        /// Every code, in id order.
        pub const ALL: &[Code] = &[$($name),*];
    };
}

catalogue! {
    // check: Checks that the rules can fail: a requirement that no facts can make fail.
    CHECK_ATTESTED_SCHEMA "aimsc::check::attested_schema"
        "A `require attested` requirement needs the attestation record of `@aimsc/evidence`, which the rules do not load."
        "Load `@aimsc/evidence` (or `@aimsc`) in aims.toml's `rules`; it declares `attestations` in the facts.";
    CHECK_NO_REQUIREMENT "aimsc::check::no_requirement"
        "A control or rule has no `require` block, so it could never fail."
        "Add a `require \"…\" { … }` block that states what the facts must show.";
    CHECK_READS_NO_FACT "aimsc::check::reads_no_fact"
        "A requirement reads no fact, so no facts can make it fail."
        "Write the condition over facts (`all s in ai_systems: …`); a constant such as `{ true }` passes for every organisation.";
    // config: aims.toml.
    CONFIG_INVALID "aimsc::config::invalid"
        "aims.toml cannot be read."
        "aims.toml holds `rules = [\"path\", …]`, `facts = \"path\"`, an optional `[limits]` table and an optional `[evidence]` table (framework = \"required\" or \"reported\"), with paths relative to the file.";
    // evidence: The documents behind the facts (the `Evidence` record of `@aimsc/evidence`).
    EVIDENCE_ALTERED "aimsc::evidence::altered"
        "An evidence file's SHA-256 digest differs from the one recorded: the document changed since it was recorded."
        "Review the new version, then record it again with `aimsc evidence add PATH --id ID`; until then no requirement relies on it.";
    EVIDENCE_MISSING "aimsc::evidence::missing"
        "No file is at an evidence record's location."
        "Put the document at the location (relative to the project root), or correct `location`.";
    EVIDENCE_NO_DIGEST "aimsc::evidence::no_digest"
        "An evidence file has no recorded SHA-256 digest, so nobody can tell it is the one reviewed."
        "Record it with `aimsc evidence add PATH`, which writes the digest; nobody computes hashes by hand.";
    EVIDENCE_OUTSIDE "aimsc::evidence::outside"
        "An evidence location leads outside the project (an absolute path, `..`, or a symlink), or cannot be read as a file."
        "Keep evidence inside the project, for example under `evidence/`; aimsc reads nothing outside it.";
    EVIDENCE_STALE "aimsc::evidence::stale"
        "Evidence is past its validity: its `valid_until`, or `issued` plus its `max_age` or its kind's default age."
        "Collect a current version and record it, or set `valid_until` / `max_age` if the document says it lasts longer.";
    EVIDENCE_UNVERIFIABLE "aimsc::evidence::unverifiable"
        "Evidence at a URL: aimsc never fetches it, so its content is not verified, only its validity by date."
        "Keep a copy inside the project and record its digest, if an auditor should rely on it.";
    // facts: Loading and validating the facts.
    FACTS_ATTESTATION_UNMATCHED "aimsc::facts::attestation_unmatched"
        "An attestation names no attested requirement of the rules, so nothing relies on it."
        "Name a control that has a `require attested` requirement by its full id (`iso42001::5.1`), and the requirement as written, or leave `requirement` out.";
    FACTS_BLANK "aimsc::facts::blank"
        "A string fact is empty or blank, and counts as missing."
        "Write the value, or leave the field out; a blank string is no evidence of anything.";
    FACTS_DUPLICATE_ID "aimsc::facts::duplicate_id"
        "Two records of one type have the same id."
        "Give each record its own id: refs name records by id.";
    FACTS_DUPLICATE_KEY "aimsc::facts::duplicate_key"
        "A key appears twice in one mapping, or a collection is both a folder and a key of a root file."
        "Remove or rename one of them; aimsc never keeps one silently.";
    FACTS_EMPTY "aimsc::facts::empty"
        "A facts file is empty."
        "Write the facts, or remove the file.";
    FACTS_FUTURE_DATE "aimsc::facts::future_date"
        "A date declared `past` (something done) lies after the as-of date."
        "Correct the date, or evaluate with a later `--as-of`; until then every requirement that reads it is an error.";
    FACTS_INVALID "aimsc::facts::invalid"
        "(HTTP) The facts of a request have errors, so nothing was evaluated."
        "The response lists the facts diagnostics; correct them and send the request again.";
    FACTS_JSON "aimsc::facts::json"
        "The facts cannot be written as JSON."
        "Facts given to the library as a JSON value must be representable in JSON.";
    FACTS_LINK_OUTSIDE "aimsc::facts::link_outside"
        "A link in the facts folder points outside it, and is not read."
        "Copy the file into the facts folder; aimsc never follows a link out of the project.";
    FACTS_MISSING_FIELD "aimsc::facts::missing_field"
        "A record lacks a required field."
        "Add the field, or declare it optional with `?` in the schema if it may be absent.";
    FACTS_NO_FILES "aimsc::facts::no_files"
        "A facts folder holds no facts files."
        "Put `.yaml`, `.yml`, `.json` or `.toml` files in it, or point `facts` at another path.";
    FACTS_PATH "aimsc::facts::path"
        "A facts path given to the library is not a file or folder aimsc can read."
        "Give the path of a facts file or of a facts folder.";
    FACTS_ROOT_NOT_MAPPING "aimsc::facts::root_not_mapping"
        "The facts root is not a mapping."
        "A facts file is a mapping of root fields (`organisation:`, `ai_systems:` …) to their values.";
    FACTS_SKIPPED "aimsc::facts::skipped"
        "A file under the facts folder is not loaded (its kind, its name, or its place)."
        "Rename or move it if it holds facts; `--strict` makes this an error.";
    FACTS_SYNTAX "aimsc::facts::syntax"
        "A facts file is not valid YAML, JSON or TOML."
        "Correct the syntax at the place shown.";
    FACTS_UNKNOWN_FIELD "aimsc::facts::unknown_field"
        "A field or collection is not in the schema."
        "Check the spelling against `aimsc explain --schema`, or add the field to your own schema.";
    FACTS_UNRESOLVED_REF "aimsc::facts::unresolved_ref"
        "A `ref` names an id that no record has."
        "Add the record, or correct the id.";
    FACTS_WRONG_TYPE "aimsc::facts::wrong_type"
        "A fact has the wrong type for its field."
        "Write the value as the schema declares it (`aimsc explain --schema`); dates as YYYY-MM-DD, booleans as `true`/`false`.";
    // init: `aimsc init`.
    INIT_EXISTS "aimsc::init::exists"
        "`aimsc init` would overwrite a file that exists."
        "Run it in an empty folder, or move the file.";
    // internal: Bugs in aimsc, reported rather than hidden.
    INTERNAL_PARSE "aimsc::internal::parse"
        "A rule file parsed, but aimsc could not read part of it: a bug in aimsc."
        "Please report it with the file; the item is reported rather than dropped, so no control silently goes unevaluated.";
    // io: Files and folders.
    IO_MISSING "aimsc::io::missing"
        "A file or folder given to aimsc does not exist."
        "Check the path.";
    IO_NO_RULES "aimsc::io::no_rules"
        "A rules folder holds no `.aims` files."
        "Point `rules` at the folder that holds your `.aims` files.";
    IO_NOT_UTF8 "aimsc::io::not_utf8"
        "A file is not UTF-8 text."
        "Save it as UTF-8.";
    IO_READ "aimsc::io::read"
        "A file or folder cannot be read."
        "Check that it exists and that aimsc may read it.";
    IO_THREAD "aimsc::io::thread"
        "aimsc cannot start a worker thread."
        "The machine is out of threads or memory; try again with fewer processes running.";
    IO_WRITE "aimsc::io::write"
        "A file cannot be written; the original, if any, is unchanged."
        "Check the folder's permissions and free space.";
    // limit: Resource limits (SECURITY.md lists them with their defaults).
    LIMIT_DEF_DEPTH "aimsc::limit::def_depth"
        "A chain of def calls is deeper than the limit (64)."
        "Flatten the chain: a def may call another, but not 64 deep.";
    LIMIT_DEPTH "aimsc::limit::depth"
        "Facts nest deeper than the limit (64 levels)."
        "Facts are records of records a few levels deep; flatten the structure.";
    LIMIT_FACTS "aimsc::limit::facts"
        "(HTTP) The facts of a request are over a limit, so nothing was evaluated."
        "The response lists which limit; send smaller facts, or raise the limit on the server.";
    LIMIT_FILE_SIZE "aimsc::limit::file_size"
        "A rule or facts file is larger than the limit."
        "Split the file (a facts folder holds one file per record), or raise `max-file-bytes`.";
    LIMIT_NESTING "aimsc::limit::nesting"
        "An expression nests deeper than the limit (200 levels)."
        "Split the expression into `def`s or `let` bindings.";
    LIMIT_RECORDS "aimsc::limit::records"
        "A list or a collection folder holds more records than the limit."
        "Raise `max-records` if the organisation is that large.";
    LIMIT_RUN_STEPS "aimsc::limit::run_steps"
        "The whole evaluation took more steps than `max-run-steps`; the checks after that point were not evaluated."
        "Narrow the nested quantifiers of the checks before it (`where`, a join on an id), or raise `max-run-steps`.";
    LIMIT_STEPS "aimsc::limit::steps"
        "A requirement took more steps than `max-steps`, and its verdict is unknown."
        "Narrow a nested quantifier (`where`, a join on an id), or raise `max-steps`.";
    LIMIT_STRING "aimsc::limit::string"
        "A string or key in the facts is longer than the limit."
        "Facts hold values, not documents; refer to long texts by path, or raise `max-string-bytes`.";
    LIMIT_YAML "aimsc::limit::yaml"
        "A YAML file expands too many aliases (an alias bomb)."
        "Write the values out, or raise `max-yaml-aliases`.";
    // parse: Reading rule files.
    PARSE_BAD_ESCAPE "aimsc::parse::bad_escape"
        "A string in a rule file has an escape the language does not know."
        "Strings know `\\n`, `\\t`, `\\r`, `\\\\` and `\\\"`; write other characters as they are.";
    PARSE_EMPTY "aimsc::parse::empty"
        "A rule file is empty."
        "Write rules in it, or remove it.";
    PARSE_INVISIBLE "aimsc::parse::invisible"
        "A rule file holds an invisible or text-direction character, which can make code read differently than it runs."
        "Remove the character; write it as an escape if a string needs it.";
    PARSE_LONE_CR "aimsc::parse::lone_cr"
        "A carriage return without a line feed ends a line in a rule file."
        "Save the file with `\\n` or `\\r\\n` line ends; `aimsc fmt` does it.";
    PARSE_NUMBER "aimsc::parse::number"
        "A number does not fit in a 64-bit integer."
        "Use a smaller number.";
    PARSE_SYNTAX "aimsc::parse::syntax"
        "A rule file does not parse; the item stops parsing at the place shown."
        "Correct the syntax there; other items are still checked.";
    // resolve: Names in the rules.
    RESOLVE_AMBIGUOUS_MEMBER "aimsc::resolve::ambiguous_member"
        "A name is a member of several enums."
        "Qualify it with its enum: `RiskTier.high`.";
    RESOLVE_DEF_CYCLE "aimsc::resolve::def_cycle"
        "A def calls itself, directly or through other defs."
        "Defs are not recursive; write the condition with a quantifier instead.";
    RESOLVE_DUPLICATE "aimsc::resolve::duplicate"
        "A name (control, rule, def, param, record, enum, field …) is declared twice."
        "Rename or remove one declaration.";
    RESOLVE_ENTRY_NOT_CHECK "aimsc::resolve::entry_not_check"
        "A rule or waiver names a catalog entry, which has no rules of its own."
        "Name a control or rule; entries are mapped to, not evaluated.";
    RESOLVE_SUPPORTS_RULE "aimsc::resolve::supports_rule"
        "A rule `supports` another rule."
        "A rule supports a control: name the control.";
    RESOLVE_UNKNOWN_DEF "aimsc::resolve::unknown_def"
        "A call names no def."
        "Check the spelling, or declare the def.";
    RESOLVE_UNKNOWN_FIELD "aimsc::resolve::unknown_field"
        "A record type has no field of that name."
        "Check the spelling against the schema (`aimsc explain --schema`).";
    RESOLVE_UNKNOWN_FRAMEWORK "aimsc::resolve::unknown_framework"
        "An id names a framework that is not declared."
        "Declare it with `framework NAME \"Title\"`, or correct the namespace.";
    RESOLVE_UNKNOWN_ID "aimsc::resolve::unknown_id"
        "An `exclude`, `waive`, `map` or `assign` names no control."
        "Check the id against the controls the rules declare; the message suggests the nearest.";
    RESOLVE_UNKNOWN_MEMBER "aimsc::resolve::unknown_member"
        "An enum has no member of that name."
        "Check the spelling against the enum's declaration.";
    RESOLVE_UNKNOWN_NAME "aimsc::resolve::unknown_name"
        "A name is not a fact, a local, a param, a def or an enum member."
        "Check the spelling, or declare it.";
    RESOLVE_UNKNOWN_PARAM "aimsc::resolve::unknown_param"
        "`set` names no param."
        "Check the spelling; `aimsc explain --params` lists them.";
    RESOLVE_UNKNOWN_TYPE "aimsc::resolve::unknown_type"
        "A type name is not declared."
        "Declare the record or enum, or use a built-in type (`string`, `int`, `decimal`, `bool`, `date`, `duration`).";
    // rules: Finding rule files.
    RULES_LINK_OUTSIDE "aimsc::rules::link_outside"
        "A link in a rules folder points outside it, and is not read."
        "Copy the file into the rules folder; aimsc never follows a link out of the project.";
    // scope: What an organisation sets: params, exclusions, waivers, maps.
    SCOPE_BAD_PROVENANCE "aimsc::scope::bad_provenance"
        "A `map` has a provenance aimsc does not know."
        "Use `published`, `structural` or `analyst`.";
    SCOPE_BAD_RELATION "aimsc::scope::bad_relation"
        "A `map` has a relation aimsc does not know."
        "Use `equal`, `subset`, `superset`, `intersect` or `related`.";
    SCOPE_DUPLICATE "aimsc::scope::duplicate"
        "A param is set twice, or a control excluded or waived twice."
        "Keep one of them.";
    SCOPE_LONG_WAIVER "aimsc::scope::long_waiver"
        "A waiver runs longer past the as-of date than `max-waiver-months`."
        "End it sooner and renew it if the risk is still accepted: a waiver accepts a risk for a time, not for good.";
    SCOPE_MISSING_JUSTIFICATION "aimsc::scope::missing_justification"
        "An `exclude` or `waive` gives no justification."
        "End the line with a quoted reason; the Statement of Applicability shows it.";
    SCOPE_MISSING_OWNER "aimsc::scope::missing_owner"
        "A waiver names no owner."
        "Add `owner \"…\"`: someone must answer for an accepted risk.";
    SCOPE_MISSING_UNTIL "aimsc::scope::missing_until"
        "A waiver has no end date."
        "Add `until YYYY-MM-DD`.";
    SCOPE_NOT_EXCLUDABLE "aimsc::scope::not_excludable"
        "An organisation excludes a control its framework (or the control) does not let it exclude."
        "Remove the exclusion; the help lists what the framework allows.";
    SCOPE_NOT_WAIVABLE "aimsc::scope::not_waivable"
        "An organisation waives a control its framework (or the control) does not let it waive."
        "Remove the waiver; the help lists what the framework allows.";
    SCOPE_PARAM_OUT_OF_BOUNDS "aimsc::scope::param_out_of_bounds"
        "A param is set outside its `min`/`max` bounds."
        "Set a value within the bounds the param declares.";
    SCOPE_PARAM_WEAKENED "aimsc::scope::param_weakened"
        "A `set` weakens a param's default (a longer period, a lower bar)."
        "Keep the default, or record why the organisation accepts less.";
    SCOPE_RESERVED_PROVENANCE "aimsc::scope::reserved_provenance"
        "An organisation's own `map` claims provenance `published`, which is reserved for the shipped crosswalks."
        "Mark your own mappings `analyst` (your judgement) or `structural`.";
    SCOPE_WAIVER_EXPIRED "aimsc::scope::waiver_expired"
        "A waiver's end date has passed; the control is judged as if it had none."
        "Renew the waiver with a new date, or fix the control.";
    // serve: `aimsc serve` (error codes of HTTP responses).
    SERVE_BAD_REQUEST "aimsc::serve::bad_request"
        "(HTTP) The request cannot be read."
        "See the message; the request was not evaluated.";
    SERVE_BIND "aimsc::serve::bind"
        "`aimsc serve` cannot listen on the address given."
        "Choose a free port, or an address of this machine.";
    SERVE_FACTS "aimsc::serve::facts"
        "(HTTP) A request gives neither or both of `facts` and `files`."
        "Give the facts as `facts` (one JSON value) or as `files` (paths and texts), one of the two.";
    SERVE_INTERNAL "aimsc::serve::internal"
        "(HTTP) The evaluation stopped unexpectedly; the server goes on."
        "Please report it with the request.";
    SERVE_JSON "aimsc::serve::json"
        "(HTTP) The request body is not a valid eval request."
        "See the message and the API in the README.";
    SERVE_METHOD "aimsc::serve::method"
        "(HTTP) The method is not allowed on this endpoint."
        "See the API in the README.";
    SERVE_NOT_FOUND "aimsc::serve::not_found"
        "(HTTP) No endpoint has this path."
        "The endpoints are listed in the message; GET /v1/openapi.json describes each.";
    SERVE_TIMEOUT "aimsc::serve::timeout"
        "(HTTP) The evaluation took longer than the server's time limit, and was stopped."
        "Send less work, or raise `--timeout` on the server.";
    SERVE_TOKEN "aimsc::serve::token"
        "`aimsc serve --token-file` names a file that cannot be read, or holds no token, or a token too short to be safe."
        "Write one token per line (at least 16 characters) in a file only the server's user can read (chmod 600).";
    SERVE_TOO_LARGE "aimsc::serve::too_large"
        "(HTTP) The request body is larger than the server's limit."
        "Send less, or raise `--max-body` on the server.";
    SERVE_UNAUTHORIZED "aimsc::serve::unauthorized"
        "(HTTP) The server was started with `--token-file`, and the request has no valid bearer token."
        "Send `Authorization: Bearer TOKEN` with one of the server's tokens.";
    // test: `aimsc test` files.
    TEST_AS_OF "aimsc::test::as_of"
        "A rule test file has no valid `as_of` date."
        "Give each test file `as_of: YYYY-MM-DD`: tests never read the clock.";
    TEST_INVALID "aimsc::test::invalid"
        "A rule test file is not in the test format."
        "See `aimsc test --help` for the format.";
    TEST_UNKNOWN_CONTROL "aimsc::test::unknown_control"
        "A rule test names no control or rule."
        "Check the id against the rules the test loads.";
    // type: Types in the rules.
    TYPE_ARITY "aimsc::type::arity"
        "A def is called with the wrong number of arguments."
        "Pass one argument per parameter.";
    TYPE_BAD_DATE "aimsc::type::bad_date"
        "A date in a rule file is not a valid date."
        "Write dates as YYYY-MM-DD, without quotes.";
    TYPE_FIELD_OF_LIST "aimsc::type::field_of_list"
        "A field is read from a list."
        "Range over the list with a quantifier (`all x in …: x.field`).";
    TYPE_MISMATCH "aimsc::type::mismatch"
        "An operator or comparison is given values of the wrong types."
        "Compare like with like; the message says which types meet.";
    TYPE_NO_FIELDS "aimsc::type::no_fields"
        "A field is read from a value that has no fields."
        "Read fields of records only.";
    TYPE_NOT_A_CONDITION "aimsc::type::not_a_condition"
        "A requirement, filter or applicability is not a condition (bool)."
        "Compare the value (`x >= 3`, `x is set`) to make a condition.";
    TYPE_NOT_A_LIST "aimsc::type::not_a_list"
        "A quantifier or `in` ranges over something that is not a list."
        "Range over a collection or a list field.";
    TYPE_PAST_NOT_DATE "aimsc::type::past_not_date"
        "`past` marks a field that is not a date."
        "Remove `past`, or declare the field `date`.";
    TYPE_REF_WITHOUT_ID "aimsc::type::ref_without_id"
        "`ref R` names a record type that has no `id: string` field."
        "Add `id: string` to the record.";
    // usage: The command line and the library's options.
    USAGE_AS_OF "aimsc::usage::as_of"
        "`--as-of` is not a date."
        "Write it as YYYY-MM-DD.";
    USAGE_BASELINE "aimsc::usage::baseline"
        "The `--baseline` is neither an aimsc JSON report nor a revision of the project's repository."
        "Give a report written by `aimsc eval --format json`, or a branch, tag or commit (`--baseline origin/main`).";
    USAGE_EVIDENCE "aimsc::usage::evidence"
        "`aimsc evidence` cannot do what was asked: the file is outside the project, there is no facts folder, or an option is malformed."
        "Evidence is recorded from a file inside the project into a facts folder (one file per item); see `aimsc evidence add --help`.";
    USAGE_EXPLAIN "aimsc::usage::explain"
        "`aimsc explain` was given nothing to explain."
        "Give an id, or one of its options: `--schema`, `--params`, `--rulesets`, `--code CODE`, `--codes`.";
    USAGE_FORMAT_OUTPUT "aimsc::usage::format_output"
        "`--format` and `-o` are not given in pairs."
        "Give one `-o` per `--format`, in the same order.";
    USAGE_HISTORY "aimsc::usage::history"
        "`aimsc history` cannot read the history asked for: no git repository holds the project, a revision does not resolve, or the range is too long."
        "Run it in a clone of the project's repository, with a range such as `main`, `v1..HEAD` or `--since 2026-01-01`.";
    USAGE_LIMIT "aimsc::usage::limit"
        "A `--limit` is not NAME=VALUE with a known name and a positive number."
        "E.g. `--limit max-steps=1000000`; SECURITY.md lists the limits.";
    USAGE_NO_FACTS "aimsc::usage::no_facts"
        "No facts were given and aims.toml names none."
        "Pass `--facts PATH`, or add `facts = \"facts\"` to aims.toml.";
    USAGE_NO_RULES "aimsc::usage::no_rules"
        "No rules were given and no aims.toml was found."
        "Pass rule paths (`--rules DIR`), or create aims.toml with `rules = [\"rules\"]`.";
    USAGE_OUTPUT_IS_INPUT "aimsc::usage::output_is_input"
        "`-o` names one of the run's own inputs, which the report would overwrite."
        "Write the report somewhere else.";
    USAGE_OUTPUT_TWICE "aimsc::usage::output_twice"
        "Two reports are to be written to the same file."
        "Give each `--format` its own `-o`.";
    USAGE_UNKNOWN_CODE "aimsc::usage::unknown_code"
        "`aimsc explain --code` was given a code that aimsc does not have."
        "Check the spelling; `aimsc explain --codes` lists every code.";
    USAGE_UNKNOWN_CONTROL "aimsc::usage::unknown_control"
        "A selected control or rule does not exist."
        "Check the id; the message suggests the nearest, and the JSON report lists every id.";
    USAGE_UNKNOWN_FRAMEWORK "aimsc::usage::unknown_framework"
        "A selected framework does not exist."
        "Check the name; the message lists the frameworks the rules declare.";
    USAGE_UNKNOWN_ID "aimsc::usage::unknown_id"
        "`aimsc explain` was given an id that no control, rule or entry has."
        "Check the id; the message suggests the nearest.";
    USAGE_UNKNOWN_RULESET "aimsc::usage::unknown_ruleset"
        "`aimsc explain --ruleset` was given a name that no shipped rule file has."
        "`aimsc explain --rulesets` lists the shipped rule files.";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_sorted_and_in_a_known_area() {
        for pair in ALL.windows(2) {
            assert!(pair[0].id < pair[1].id, "{} / {}", pair[0].id, pair[1].id);
        }
        for c in ALL {
            assert!(c.id.starts_with("aimsc::"), "{}", c.id);
            assert!(AREAS.iter().any(|(a, _)| *a == c.area()), "{}", c.id);
            assert!(
                c.summary.ends_with('.') && c.help.ends_with('.'),
                "{}",
                c.id
            );
        }
        assert_eq!(find("aimsc::facts::future_date"), Some(FACTS_FUTURE_DATE));
        assert_eq!(find("aimsc::nope::nothing"), None);
    }
}
