//! Every error the library reports. Problems in a source file (`schema.kdl`, an environment
//! file) are collected into [`Diagnostics`] so that all of them are shown at once, each with
//! its file, line, column and underlined span.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, Severity, SourceCode, SourceSpan};

use crate::excerpt::Excerpt;

/// The most problems shown for one file; a last line counts the others.
pub const MAX_SHOWN_PROBLEMS: usize = 50;

/// The longest message, label or help line shown, in characters.
pub const MAX_TEXT_CHARS: usize = 500;

/// One problem at one place in a source file.
#[derive(Debug, Clone)]
pub struct Problem {
    pub message: String,
    pub span: SourceSpan,
    pub label: Option<String>,
    pub help: Option<String>,
    source: Option<Arc<Excerpt>>,
}

impl Problem {
    /// A problem with `message` at `span`.
    pub fn new(message: impl Into<String>, span: SourceSpan) -> Self {
        Problem {
            message: message.into(),
            span,
            label: None,
            help: None,
            source: None,
        }
    }

    /// Adds the text printed under the underlined span.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Adds a help line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Places the problem in another file than the one its [`Diagnostics`] names (`span` is
    /// then into that file's text).
    pub fn in_source(mut self, source: Arc<Excerpt>) -> Self {
        self.source = Some(source);
        self
    }

    /// The name of the other file the problem is in ([`Problem::in_source`]), if any.
    pub fn elsewhere(&self) -> Option<&str> {
        self.source.as_deref().map(Excerpt::name)
    }

    /// The problem as shown: span inside its source and not too long, texts cut short.
    fn fitted(self, source: &Arc<Excerpt>) -> Problem {
        let source = self.source.unwrap_or_else(|| source.clone());
        Problem {
            message: shorten(self.message),
            span: source.fit(self.span),
            label: self.label.map(shorten),
            help: self.help.map(shorten),
            source: Some(source),
        }
    }
}

/// `text` cut to [`MAX_TEXT_CHARS`] characters.
fn shorten(text: String) -> String {
    match text.char_indices().nth(MAX_TEXT_CHARS) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text,
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Problem {}

impl Diagnostic for Problem {
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_deref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let label = LabeledSpan::new_with_span(self.label.clone(), self.span);
        Some(Box::new(std::iter::once(label)))
    }
}

/// All problems found in one source file.
#[derive(Debug, Clone)]
pub struct Diagnostics {
    file: String,
    problems: Vec<Problem>,
    omitted: Omitted,
}

impl Diagnostics {
    /// Attaches `source` (named `file`) to every problem that has no file of its own.
    pub fn new(file: impl Into<String>, source: &str, problems: Vec<Problem>) -> Self {
        let file = file.into();
        let named = Arc::new(Excerpt::new(&file, source.to_string()));
        let problems: Vec<Problem> = problems.into_iter().map(|p| p.fitted(&named)).collect();
        let omitted = Omitted {
            file: file.clone(),
            count: problems.len().saturating_sub(MAX_SHOWN_PROBLEMS),
        };
        Diagnostics {
            file,
            problems,
            omitted,
        }
    }

    /// Every problem, in file order (also those past [`MAX_SHOWN_PROBLEMS`]).
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// `file:line:col` of each problem (1-based), for plain-text logs and tests.
    pub fn locations(&self) -> Vec<String> {
        self.problems
            .iter()
            .map(|p| {
                let (line, col) = p
                    .source
                    .as_ref()
                    .and_then(|s| s.read_span(&p.span, 0, 0).ok())
                    .map(|c| (c.line() + 1, c.column() + 1))
                    .unwrap_or((0, 0));
                format!("{}:{line}:{col}", self.file)
            })
            .collect()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.len() {
            1 => write!(f, "{} has a problem", self.file),
            n => write!(f, "{} has {n} problems", self.file),
        }
    }
}

impl std::error::Error for Diagnostics {}

impl Diagnostic for Diagnostics {
    /// The first [`MAX_SHOWN_PROBLEMS`] problems, then a line that counts the rest.
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        let shown = self.problems.iter().take(MAX_SHOWN_PROBLEMS);
        let rest = (self.problems.len() > MAX_SHOWN_PROBLEMS).then_some(&self.omitted);
        Some(Box::new(
            shown
                .map(|p| p as &dyn Diagnostic)
                .chain(rest.map(|o| o as &dyn Diagnostic)),
        ))
    }
}

/// The last line of a long list of problems: how many were not shown.
#[derive(Debug, Clone)]
struct Omitted {
    file: String,
    count: usize,
}

impl fmt::Display for Omitted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} more problem{} in {} not shown (the first {MAX_SHOWN_PROBLEMS} are above)",
            self.count,
            if self.count == 1 { "" } else { "s" },
            self.file
        )
    }
}

impl std::error::Error for Omitted {}

impl Diagnostic for Omitted {
    fn severity(&self) -> Option<Severity> {
        Some(Severity::Advice)
    }
}

/// Everything that can go wrong; the binary maps each to exit status 1.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum Error {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Source(#[from] Diagnostics),

    #[error("cannot read `{path}`")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("`{path}` is larger than {limit}")]
    #[diagnostic(help("reconcile reads at most {limit} from this file"))]
    TooLarge { path: PathBuf, limit: String },

    #[error("`{path}` is not a regular file")]
    NotAFile { path: PathBuf },

    #[error("cannot write `{path}`")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("`{path}` has no `schema.kdl`")]
    #[diagnostic(help(
        "`reconcile init` writes one (it never overwrites a file), or point at a project with `--project DIR`"
    ))]
    NoSchema { path: PathBuf },

    #[error("`{path}` is not a reconcile project: it has no `schema.kdl` and no `environments/`")]
    #[diagnostic(help(
        "run `reconcile init` to start one here, or point at a project with `--project DIR`"
    ))]
    NoProject { path: PathBuf },

    #[error("unknown environment `{name}`{chosen_by}")]
    #[diagnostic(help("{}", known_environments(known)))]
    UnknownEnvironment {
        name: String,
        known: Vec<String>,
        /// What named it, as a clause (" (from RECONCILE_ENV)"), or empty for `--env`.
        chosen_by: String,
    },

    #[error("cannot connect to {url}")]
    Connect {
        url: String,
        #[source]
        source: DriverError,
    },

    #[error("cannot connect to {url}: {host} did not answer within {seconds} s")]
    #[diagnostic(help(
        "check that the server is up and that this machine can reach it; a slow network can raise `connect-timeout` (seconds) in the environment file"
    ))]
    ConnectTimeout {
        url: String,
        host: String,
        seconds: u64,
    },

    #[error("{path} does not exist")]
    #[diagnostic(help(
        "check the `url` of the environment; `reconcile apply --create-database` creates it"
    ))]
    NoDatabase { path: String },

    #[error("{what}")]
    Database {
        what: String,
        #[source]
        source: DriverError,
    },

    #[error("another apply holds the lock `{lock}`; waited {seconds} s")]
    #[diagnostic(help(
        "wait for it to finish and run again (nothing was changed), or raise `lock-timeout` in the environment file"
    ))]
    Locked { lock: String, seconds: u64 },

    #[error(
        "`{}` (from {}) blocks writes while it works through `{}` ({}), and `{}` holds more than {} rows (`max-blocking-rows {}` in environment `{}`); nothing was changed",
        .0.sql, .0.change, .0.table, .0.cost, .0.table, .0.limit, .0.limit, .0.environment
    )]
    #[diagnostic(help(
        "run it when the table is quiet with `apply --allow-blocking`, raise `max-blocking-rows`, or change the schema in steps that do not block (docs/safety.md, \"Production policy\")"
    ))]
    BlocksWrites(Box<Blocked>),

    #[error("the environment denies {} lint(s) of the plan; nothing was changed:\n{}", lints.len(), finding_lines(lints))]
    #[diagnostic(help(
        "change the schema so that the rule finds nothing (docs/lints.md says how, rule by rule), or set the rule to `warn` in the environment file"
    ))]
    LintDenied {
        /// Each denied lint, as the text plan prints it.
        lints: Vec<String>,
    },

    #[error("the plan holds {} destructive change(s); nothing was changed:\n{}", changes.len(), changes.join("\n"))]
    #[diagnostic(help("review them, then run again with `--allow-destructive`"))]
    Destructive { changes: Vec<String> },

    #[error(
        "stored data would be lost or rejected; nothing was changed:\n{}",
        finding_lines(findings)
    )]
    #[diagnostic(help(
        "fix the data first (or give the column a default); reconcile never decides to lose data"
    ))]
    DataWouldBeLost {
        /// Each blocking finding described, with its count and sample.
        findings: Vec<String>,
    },

    #[error("{count} row(s) would break foreign keys (first: {first}); nothing was changed")]
    #[diagnostic(help("delete or fix the orphan rows first"))]
    ForeignKeyViolations { count: usize, first: String },

    #[error("{what} `{new}` says `renamed-from={old}`, but both exist")]
    #[diagnostic(help(
        "if the rename is done, remove `renamed-from`; otherwise drop or rename one of them by hand: reconcile never guesses which holds the data"
    ))]
    AmbiguousRename {
        what: &'static str,
        old: String,
        new: String,
    },

    #[error("not confirmed; nothing was changed")]
    NotConfirmed,

    #[error(
        "standard input is not a terminal, so apply cannot ask before changing `{environment}`{chosen_by}; nothing was changed"
    )]
    #[diagnostic(help(
        "pass `--yes` to apply to `{environment}` from a script (or `--plan FILE` with a reviewed plan); only `development` is applied unasked"
    ))]
    NeedsYes {
        environment: String,
        chosen_by: String,
    },

    #[error("{what} does not exist; nothing was changed")]
    #[diagnostic(help(
        "apply creates a database only when told: add `create-database #true` to {file}, or pass `--create-database`; check the `url` first if the name is mistyped"
    ))]
    WontCreate {
        /// The database and where it is looked for (`the database `shop` on db:3306`).
        what: String,
        /// The environment file.
        file: String,
    },

    #[error("the database changed since the plan was shown; nothing was changed")]
    #[diagnostic(help("another apply or a person changed it; review the new plan and run again"))]
    PlanChanged,

    #[error("the saved plan is for {saved}, not {target}; nothing was changed")]
    #[diagnostic(help(
        "apply it with the environment it was made for (`--env`), or make a new one"
    ))]
    SavedPlanTarget { saved: String, target: String },

    #[error(
        "the database changed since the plan was saved (fingerprint {saved}, now {now}); nothing was changed"
    )]
    #[diagnostic(help(
        "someone changed it after the review: make the plan again with `reconcile plan --out FILE` and review it"
    ))]
    SavedPlanStale { saved: String, now: String },

    #[error(
        "the saved plan runs {saved} statement(s), but the plan made now runs {now} different ones; nothing was changed"
    )]
    #[diagnostic(help(
        "schema.kdl changed since the plan was saved: make the plan again and review it"
    ))]
    SavedPlanDiffers { saved: usize, now: usize },

    #[error("{what}")]
    #[diagnostic(help("{help}"))]
    Unsupported { what: String, help: String },

    #[error("the server refuses {kind} `{table}` as schema.kdl declares it:\n  {sql}")]
    #[diagnostic(help(
        "nothing was changed in the database: reconcile created the {kind} in a scratch first, to read how the server spells it; fix its declaration in schema.kdl"
    ))]
    ServerRefuses {
        /// `table` or `view`.
        kind: &'static str,
        table: String,
        sql: String,
        #[source]
        source: DriverError,
    },

    #[error("statement {index} of {total}, from {change}, failed:\n  {sql}")]
    #[diagnostic(help("nothing was changed: the transaction was rolled back"))]
    Statement {
        index: usize,
        total: usize,
        change: String,
        sql: String,
        #[source]
        source: DriverError,
    },

    #[error("apply stopped at statement {index} of {total}, from {change}:\n  {sql}", index = applied.len() + 1, total = applied.len() + 1 + pending.len())]
    #[diagnostic(help("{} statement(s) ran and are committed (they commit one by one: this database cannot roll DDL back, or they run after the transaction so as not to block writes), {} did not run; fix the cause and run `reconcile apply` again to finish", applied.len(), pending.len()))]
    PartiallyApplied {
        applied: Vec<String>,
        change: String,
        sql: String,
        pending: Vec<String>,
        #[source]
        source: DriverError,
    },

    #[error("statement {index} of {total}, from {change}, is refused by the server:\n  {sql}")]
    #[diagnostic(help(
        "nothing was changed in the database: the plan ran first on a copy of its tables in a scratch, where the server refused this statement; fix the declaration in schema.kdl that it comes from"
    ))]
    Refused {
        index: usize,
        total: usize,
        change: String,
        sql: String,
        #[source]
        source: DriverError,
    },

    #[error(
        "the plan ran on a copy of its tables, and the copy still differs from schema.kdl:\n{remaining}"
    )]
    #[diagnostic(help(
        "nothing was changed in the database; this is a bug in reconcile: please report it with the plan above"
    ))]
    ProofDiverged { remaining: String },

    #[error("the database still differs from schema.kdl after apply:\n{remaining}")]
    #[diagnostic(help("this is a bug in reconcile; please report it with the plan above"))]
    NotConverged { remaining: String },

    #[error("{0}")]
    Usage(String),
}

impl Error {
    /// The process's exit status for this error: 3 for a lint the environment denies (so
    /// that CI can tell a policy refusal from a failure), else 1.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::LintDenied { .. } => 3,
            _ => 1,
        }
    }

    /// The error as the `result` of a JSON apply report: a `status` (`partially_applied`,
    /// `failed`), the sentence the user reads, and for a statement that failed, which
    /// statements ran (committed), which failed with the server's error, and which did not.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            Error::PartiallyApplied {
                applied,
                change,
                sql,
                pending,
                source,
            } => json!({
                "status": "partially_applied",
                "message": self.to_string(),
                "applied": applied,
                "failed": { "change": change, "sql": sql, "error": source.to_string() },
                "pending": pending,
            }),
            Error::Statement {
                index,
                total,
                change,
                sql,
                source,
            } => json!({
                "status": "failed",
                "message": self.to_string(),
                "applied": [],
                "failed": {
                    "index": index, "total": total, "change": change, "sql": sql,
                    "error": source.to_string(),
                },
                "rolled_back": true,
            }),
            other => json!({ "status": "failed", "message": with_causes(other) }),
        }
    }
}

/// `e`'s sentence followed by its causes (`cannot read `x`: No such file or directory`), for
/// a report that has no room for miette's cause chain.
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

/// A statement the environment's `max-blocking-rows` refuses ([`Error::BlocksWrites`]).
#[derive(Debug)]
pub struct Blocked {
    pub sql: String,
    /// The change it comes from, described.
    pub change: String,
    /// How the statement runs, as the plan says it (`ALGORITHM=COPY, LOCK=SHARED: ...`).
    pub cost: String,
    pub table: String,
    pub limit: u64,
    pub environment: String,
}

/// One indented line per finding.
fn finding_lines(findings: &[String]) -> String {
    findings
        .iter()
        .map(|f| format!("  {f}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn known_environments(known: &[String]) -> String {
    if known.is_empty() {
        "there is no `environments/` folder with `NAME.kdl` files".to_string()
    } else {
        format!("environments in this project: {}", known.join(", "))
    }
}

/// What a database driver said, with every password of the connection masked; the driver's
/// own error is not kept, since its text may hold the connection string.
#[derive(Debug, Clone)]
pub struct DriverError {
    message: Box<str>,
    /// The statement waited its `statement-lock-timeout` for a lock and did not run.
    lock_timeout: bool,
}

impl DriverError {
    /// The driver's message with the password of `url` (if any) masked.
    pub fn new(message: impl fmt::Display, url: &str) -> Self {
        DriverError {
            message: crate::redact::scrub(&message.to_string(), url).into(),
            lock_timeout: false,
        }
    }

    /// [`DriverError::new`] for a statement that gave up waiting for a lock (it did not
    /// run): apply may try it again.
    pub fn lock_timeout(message: impl fmt::Display, url: &str) -> Self {
        DriverError {
            lock_timeout: true,
            ..DriverError::new(message, url)
        }
    }

    /// Whether the statement gave up waiting for a lock, and so did not run.
    pub fn is_lock_timeout(&self) -> bool {
        self.lock_timeout
    }

    /// The same error with `note` after its message.
    pub fn with_note(self, note: &str) -> Self {
        DriverError {
            message: format!("{}{note}", self.message).into(),
            ..self
        }
    }

    /// The masked message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for DriverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DriverError {}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
