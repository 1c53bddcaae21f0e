//! The command line, as clap parses it. Nothing here does work: [`crate::run`] resolves these
//! raw arguments once into what each command needs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::dialect::Dialect;
use crate::plan::Format;

const MAIN_AFTER: &str = "Examples:
  reconcile init                          start a project in this folder
  reconcile plan                          what would change on `development`
  reconcile apply                         make the database match schema.kdl
  reconcile plan --env production --out plan.json
  reconcile apply --env production --plan plan.json
  reconcile diff old.kdl schema.kdl --dialect mysql --format sql

Exit status:
  0  success
  2  `plan --exit-code` / `diff --exit-code`: changes are pending
  3  a lint rule the environment denies (`lint RULE deny`; docs/lints.md)
  1  every other error, including a refused apply (nothing was changed)

Environment: RECONCILE_ENV picks the environment; NO_COLOR turns colour off.
Docs: docs/language.md (schema.kdl, environments), docs/reference.md (commands, JSON),
docs/safety.md, docs/alembic.md, docs/ci.md.";

/// Declarative schema reconciler: makes a SQLite, MySQL/MariaDB or PostgreSQL database match
/// `schema.kdl`, with no revision files.
#[derive(Debug, Parser)]
#[command(name = "reconcile", version, propagate_version = true, after_help = MAIN_AFTER)]
pub struct Cli {
    /// The project folder holding schema.kdl and environments/ [default: the current folder]
    #[arg(long, global = true, value_name = "DIR")]
    pub project: Option<PathBuf>,

    /// The environment (environments/NAME.kdl) [default: $RECONCILE_ENV, else development]
    #[arg(long = "env", global = true, value_name = "NAME")]
    pub env: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a project: schema.kdl, environments/, config.env.example (never overwrites)
    #[command(after_help = concat!("Examples:
  reconcile init                 in the current folder
  reconcile --project db init    in ./db (created if missing)

Writes schema.kdl, environments/development.kdl (SQLite), environments/production.kdl
(MySQL, credentials from variables), config.env.example, and adds config.env to .gitignore.
A file that exists is kept as it is.

", "Exit status:
  0  success
  1  a file could not be written"))]
    Init,
    /// Print the changes that would make the database match schema.kdl
    #[command(after_help = concat!("Examples:
  reconcile plan                              the development database
  reconcile plan --env production --format sql
  reconcile plan --exit-code                  drift check for CI
  reconcile plan --out plan.json              save it for `apply --plan`
  reconcile plan --format dot | dot -Tsvg > plan.svg
  reconcile plan --dialect mysql --format sql the full DDL, no database

", "Exit status:
  0  success (with --exit-code: nothing to do)
  2  with --exit-code: changes are pending
  3  with --exit-code: the environment denies a lint of the plan
  1  an error"))]
    Plan(PlanArgs),
    /// Plan, show the plan, and execute it in one transaction where the database allows
    #[command(after_help = concat!("Examples:
  reconcile apply                         asks before changing anything (on a terminal)
  reconcile apply --yes --allow-destructive
  reconcile apply --env production --plan plan.json
  reconcile apply --format sql            show the exact SQL as it runs

Without a terminal on standard input, apply cannot ask: it proceeds on `development`, and
refuses any other environment unless given --yes (or a reviewed --plan FILE). It never
creates a database unless the environment says `create-database #true` or given
--create-database.

", "Exit status:
  0  success (also when there was nothing to do)
  3  refused: the environment denies a lint of the plan (nothing was changed)
  1  an error or another refusal; a refused apply changed nothing"))]
    Apply(ApplyArgs),
    /// Print the live database as a schema.kdl document
    #[command(after_help = concat!("Examples:
  reconcile inspect                       print it
  reconcile inspect --out schema.kdl      adopt an existing database

", "Exit status:
  0  success
  1  an error"))]
    Inspect(InspectArgs),
    /// Validate schema.kdl without connecting to any database
    #[command(after_help = concat!("Examples:
  reconcile check                 for every database the environments name
  reconcile check --dialect mysql

", "Exit status:
  0  schema.kdl is valid
  1  it is not (each problem with file:line:col)"))]
    Check(CheckArgs),
    /// Print the changes from one schema file to another, with no database
    #[command(after_help = concat!("Examples:
  reconcile diff old.kdl schema.kdl --dialect mysql
  reconcile diff old.kdl schema.kdl --dialect postgres --format sql > change.sql
  reconcile diff <(git show main:schema.kdl) schema.kdl --dialect sqlite
  git show main:schema.kdl | reconcile diff - schema.kdl --dialect mysql

OLD stands for the database it would create on DIALECT; the changes, their order, SQL and
destructive flags are those a live plan makes.

", "Exit status:
  0  success (with --exit-code: the schemas match)
  2  with --exit-code: they differ
  1  an error (each problem in a file with file:line:col)"))]
    Diff(DiffArgs),
    /// Print a shell completion script
    #[command(after_help = concat!("Examples:
  reconcile completions bash > ~/.local/share/bash-completion/completions/reconcile
  reconcile completions zsh > ~/.zfunc/_reconcile
  reconcile completions fish > ~/.config/fish/completions/reconcile.fish
  reconcile completions powershell >> $PROFILE

", "Exit status:
  0  success
  1  an unknown shell"))]
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The schema as it is: a schema.kdl file, `-` for standard input, or a pipe such as
    /// `<(git show main:schema.kdl)`
    pub old: PathBuf,

    /// The schema as it should be (a file, `-` or a pipe, as OLD; at most one `-`)
    pub new: PathBuf,

    /// The database the SQL is for
    #[arg(long, value_enum, value_name = "DIALECT")]
    pub dialect: DialectArg,

    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,

    /// Exit 0 when the schemas match and 2 when they differ
    #[arg(long)]
    pub exit_code: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Plan offline for this database, from an empty database (no connection)
    #[arg(long, value_enum, value_name = "DIALECT")]
    pub dialect: Option<DialectArg>,

    /// Output format [default: text; json with --out]
    #[arg(long, value_enum)]
    pub format: Option<Format>,

    /// Exit 0 when there is nothing to do and 2 when changes are pending
    #[arg(long)]
    pub exit_code: bool,

    /// Write the plan to FILE instead of standard output (JSON unless --format says
    /// otherwise: a saved plan for `apply --plan`); the text plan goes to standard error
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Also run the plan on a copy of its tables in a scratch database, as apply does first
    /// on MySQL and MariaDB, and fail if the server refuses a statement (nothing is changed)
    #[arg(long, conflicts_with = "dialect")]
    pub prove: bool,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Permit destructive changes (dropping tables or columns, narrowing types)
    #[arg(long)]
    pub allow_destructive: bool,

    /// Create the database (or SQLite file) when it does not exist
    #[arg(long)]
    pub create_database: bool,

    /// Run statements that block writes while they work through a big table, which the
    /// environment's `max-blocking-rows` refuses otherwise
    #[arg(long)]
    pub allow_blocking: bool,

    /// Run exactly this saved plan (`plan --out FILE`); refused, changing nothing, when the
    /// database changed since, or the plan is for another environment
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,

    /// How to show the plan before it runs: text on standard error, or the exact statements
    /// (sql) or the JSON plan on standard output
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Write the schema to FILE instead of standard output
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Check the rules of this database only [default: every database the environments name]
    #[arg(long, value_enum, value_name = "DIALECT")]
    pub dialect: Option<DialectArg>,
}

/// A dialect as spelled on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DialectArg {
    Sqlite,
    Mysql,
    Postgres,
}

impl From<DialectArg> for Dialect {
    fn from(d: DialectArg) -> Dialect {
        match d {
            DialectArg::Sqlite => Dialect::Sqlite,
            DialectArg::Mysql => Dialect::Mysql,
            DialectArg::Postgres => Dialect::Postgres,
        }
    }
}
