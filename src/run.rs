//! The commands. Flags, the environment file and the dotenv file are resolved once into what
//! each command needs before any work starts; database work goes through [`crate::database`].

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use std::time::Duration;

use crate::cli::{ApplyArgs, CheckArgs, Cli, Command, InspectArgs, PlanArgs};
use crate::database::apply::{Options, Progress};
use crate::database::{Intent, Session};
use crate::dialect::Dialect;
use crate::environment::{self, DEFAULT_ENVIRONMENT};
use crate::error::Error;
use crate::plan::Plan;
use crate::project;

/// Runs the command; returns the exit status (0, or 2 for `plan --exit-code` with changes).
pub fn run(cli: Cli, vars: &dyn Fn(&str) -> Option<String>) -> Result<u8, Error> {
    let root = cli.project.clone().unwrap_or_else(|| PathBuf::from("."));
    let env_name = cli
        .env
        .clone()
        .or_else(|| vars("RECONCILE_ENV"))
        .unwrap_or_else(|| DEFAULT_ENVIRONMENT.into());
    match cli.command {
        Command::Check(args) => check(&root, args),
        Command::Plan(args) => plan(&root, &env_name, vars, args),
        Command::Apply(args) => apply(&root, &env_name, vars, args),
        Command::Inspect(args) => inspect(&root, &env_name, vars, args),
    }
}

fn check(root: &Path, args: CheckArgs) -> Result<u8, Error> {
    let dialects = match args.dialect {
        Some(d) => vec![Dialect::from(d)],
        None => project::environment_dialects(root),
    };
    let schema = project::load_schema(root, &dialects)?;
    let names: Vec<&str> = dialects.iter().map(|d| d.name()).collect();
    eprintln!(
        "schema.kdl is valid for {} ({} tables)",
        names.join(", "),
        schema.tables.len()
    );
    Ok(0)
}

fn plan(
    root: &Path,
    env_name: &str,
    vars: &dyn Fn(&str) -> Option<String>,
    args: PlanArgs,
) -> Result<u8, Error> {
    let plan = match args.dialect {
        Some(d) => {
            let dialect = Dialect::from(d);
            Plan::offline(&project::load_schema(root, &[dialect])?, dialect)?
        }
        None => {
            let env = environment::load(root, env_name, vars)?;
            let schema = project::load_schema(root, &[env.dialect])?;
            Session::open(&env, root, Intent::Read)?.plan(&schema)?
        }
    };
    write_output(args.out.as_deref(), &plan.render(args.format))?;
    Ok(if args.exit_code && !plan.is_empty() {
        2
    } else {
        0
    })
}

fn apply(
    root: &Path,
    env_name: &str,
    vars: &dyn Fn(&str) -> Option<String>,
    args: ApplyArgs,
) -> Result<u8, Error> {
    let env = environment::load(root, env_name, vars)?;
    let schema = project::load_schema(root, &[env.dialect])?;
    let mut session = Session::open(&env, root, Intent::Write)?;
    let allow_destructive = args.allow_destructive || env.allow_destructive;
    let interactive = !args.yes && std::io::stdin().is_terminal();
    // Asked, the user approves the plan they saw; apply then refuses any other.
    let approved = if interactive {
        let preview = session.plan(&schema)?;
        eprint!("{}", preview.text());
        if preview.is_empty() {
            return Ok(0);
        }
        if !confirm(preview.steps.len())? {
            return Err(Error::NotConfirmed);
        }
        Some(preview)
    } else {
        None
    };
    let options = Options {
        environment: &env.name,
        allow_destructive,
        lock_timeout: Duration::from_secs(env.lock_timeout),
        approved: approved.as_ref(),
    };
    let mut progress = Stderr {
        shown: approved.is_some(),
    };
    let plan = session.apply(&schema, &options, &mut progress)?;
    if !plan.is_empty() {
        eprintln!(
            "Applied {} change{} to `{}`.",
            plan.steps.len(),
            if plan.steps.len() == 1 { "" } else { "s" },
            env.name
        );
    }
    Ok(0)
}

/// Apply's progress on standard error: the plan made under the lock (unless the user has
/// just seen it), and the statements of long plans.
struct Stderr {
    shown: bool,
}

impl Progress for Stderr {
    fn planned(&mut self, plan: &Plan) {
        if !self.shown || plan.is_empty() {
            eprint!("{}", plan.text());
        }
    }

    fn statement(&mut self, index: usize, total: usize, _sql: &str) {
        if total >= 50 && (index + 1).is_multiple_of(50) {
            eprintln!("  ... statement {} of {total}", index + 1);
        }
    }
}

fn confirm(n: usize) -> Result<bool, Error> {
    eprint!("Apply {n} change{}? [y/N] ", if n == 1 { "" } else { "s" });
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|source| Error::Read {
            path: "<stdin>".into(),
            source,
        })?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

fn inspect(
    root: &Path,
    env_name: &str,
    vars: &dyn Fn(&str) -> Option<String>,
    args: InspectArgs,
) -> Result<u8, Error> {
    let env = environment::load(root, env_name, vars)?;
    let schema = Session::open(&env, root, Intent::Inspect)?.introspect()?;
    write_output(
        args.out.as_deref(),
        &crate::inspect::to_kdl(&schema, env.dialect),
    )?;
    Ok(0)
}

fn write_output(out: Option<&Path>, text: &str) -> Result<(), Error> {
    match out {
        Some(path) => std::fs::write(path, text).map_err(|source| Error::Write {
            path: path.to_path_buf(),
            source,
        }),
        None => {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(text.as_bytes());
            let _ = stdout.flush();
            Ok(())
        }
    }
}
