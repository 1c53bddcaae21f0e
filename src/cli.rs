//! The command line, as clap parses it. Nothing here does work: [`crate::run`] resolves these
//! raw arguments once into what each command needs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::dialect::Dialect;
use crate::plan::Format;

/// Declarative schema reconciler: makes a SQLite, MySQL/MariaDB or PostgreSQL database match
/// `schema.kdl`, with no revision files.
#[derive(Debug, Parser)]
#[command(name = "reconcile", version, propagate_version = true)]
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
    /// Print the changes that would make the database match schema.kdl
    Plan(PlanArgs),
    /// Plan, show the plan, and execute it in one transaction where the database allows
    Apply(ApplyArgs),
    /// Print the live database as a schema.kdl document
    Inspect(InspectArgs),
    /// Validate schema.kdl without connecting to any database
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Plan offline for this database, from an empty database (no connection)
    #[arg(long, value_enum, value_name = "DIALECT")]
    pub dialect: Option<DialectArg>,

    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,

    /// Exit 0 when there is nothing to do and 2 when changes are pending
    #[arg(long)]
    pub exit_code: bool,

    /// Write the plan to FILE instead of standard output
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Permit destructive changes (dropping tables or columns, narrowing types)
    #[arg(long)]
    pub allow_destructive: bool,
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
