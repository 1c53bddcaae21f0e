//! The commands. Flags, the environment file and the dotenv file are resolved once into what
//! each command needs before any work starts; database work goes through [`crate::database`].

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::cli::{
    ApplyArgs, CheckArgs, Cli, Command, CompletionsArgs, DiffArgs, InspectArgs, PlanArgs,
};
use crate::console;
use crate::database::apply::{Options, Progress};
use crate::database::proof::Outcome;
use crate::database::{Intent, Session};
use crate::dialect::{Dialect, Phase};
use crate::environment::{self, DEFAULT_ENVIRONMENT, Environment};
use crate::error::Error;
use crate::plan::{Format, Plan, SavedPlan};
use crate::project;

/// Runs the command; returns the exit status (0, or 2 for `plan --exit-code` with changes).
pub fn run(cli: Cli, vars: &dyn Fn(&str) -> Option<String>) -> Result<u8, Error> {
    let root = cli.project.clone().unwrap_or_else(|| PathBuf::from("."));
    let chosen = Chosen::new(cli.env.clone(), vars);
    match cli.command {
        Command::Init => init(&root),
        Command::Diff(args) => diff(args),
        Command::Completions(args) => completions(args),
        Command::Check(args) => in_project(&root).and_then(|()| check(&root, vars, args)),
        Command::Plan(args) => in_project(&root).and_then(|()| plan(&root, &chosen, vars, args)),
        Command::Apply(args) => in_project(&root).and_then(|()| apply(&root, &chosen, vars, args)),
        Command::Inspect(args) => {
            in_project(&root).and_then(|()| inspect(&root, &chosen, vars, args))
        }
    }
}

/// The environment a command runs against, and what named it.
struct Chosen {
    name: String,
    /// `--env`, `RECONCILE_ENV`, or nothing (the default).
    by: Option<&'static str>,
}

impl Chosen {
    fn new(flag: Option<String>, vars: &dyn Fn(&str) -> Option<String>) -> Chosen {
        match (flag, vars("RECONCILE_ENV")) {
            (Some(name), _) => Chosen {
                name,
                by: Some("--env"),
            },
            (None, Some(name)) => Chosen {
                name,
                by: Some("RECONCILE_ENV"),
            },
            (None, None) => Chosen {
                name: DEFAULT_ENVIRONMENT.into(),
                by: None,
            },
        }
    }

    /// " (from RECONCILE_ENV)" when the variable named it: a leftover one is worth saying.
    fn clause(&self) -> String {
        match self.by {
            Some(by @ "RECONCILE_ENV") => format!(" (from {by})"),
            _ => String::new(),
        }
    }

    /// Loads the environment, saying what named an unknown one; prints its notes.
    fn load(
        &self,
        root: &Path,
        vars: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Environment, Error> {
        let env = environment::load(root, &self.name, vars).map_err(|e| match e {
            Error::UnknownEnvironment { name, known, .. } => Error::UnknownEnvironment {
                name,
                known,
                chosen_by: self.clause(),
            },
            other => other,
        })?;
        for note in &env.notes {
            console::line(&format!("Note: {note}"));
        }
        Ok(env)
    }
}

/// Fails first, pointing at `init`, when `root` holds no project at all.
fn in_project(root: &Path) -> Result<(), Error> {
    if crate::init::is_project(root) {
        Ok(())
    } else {
        Err(Error::NoProject {
            path: root.to_path_buf(),
        })
    }
}

fn init(root: &Path) -> Result<u8, Error> {
    let report = crate::init::init(root)?;
    for file in &report.written {
        console::line(&format!("wrote {file}"));
    }
    for file in &report.kept {
        console::line(&format!(
            "kept {file} (it exists; init never overwrites a file)"
        ));
    }
    if !report.ignored.is_empty() {
        console::line(&format!(
            "added {} to .gitignore",
            report.ignored.join(", ")
        ));
    }
    console::line(
        "Next: edit schema.kdl, then `reconcile plan` and `reconcile apply` (the development SQLite database).",
    );
    Ok(0)
}

fn diff(args: DiffArgs) -> Result<u8, Error> {
    let dialect = Dialect::from(args.dialect);
    if args.old == Path::new("-") && args.new == Path::new("-") {
        return Err(Error::Usage(
            "only one of OLD and NEW can be `-` (standard input)".into(),
        ));
    }
    let old = project::load_schema_file(&args.old, &[dialect])?;
    let new = project::load_schema_file(&args.new, &[dialect])?;
    let plan = Plan::between(&old, &new, dialect)?;
    console::err(&plan.notes_text());
    write_output(None, &plan.render(args.format))?;
    Ok(if args.exit_code && !plan.is_empty() {
        2
    } else {
        0
    })
}

fn completions(args: CompletionsArgs) -> Result<u8, Error> {
    use clap::CommandFactory;
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "reconcile", &mut out);
    write_output(None, &String::from_utf8_lossy(&out))?;
    Ok(0)
}

fn check(root: &Path, vars: &dyn Fn(&str) -> Option<String>, args: CheckArgs) -> Result<u8, Error> {
    let dialects = match args.dialect {
        Some(d) => vec![Dialect::from(d)],
        None => project::environment_dialects(root),
    };
    let schema = project::load_schema(root, &dialects)?;
    let names: Vec<&str> = dialects.iter().map(|d| d.name()).collect();
    console::line(&format!(
        "schema.kdl is valid for {} ({} table{})",
        names.join(", "),
        schema.tables.len(),
        if schema.tables.len() == 1 { "" } else { "s" }
    ));
    // Every environment file, as a command would read it; a variable with no value here
    // takes its example value, since CI has no credentials.
    let example = example_vars(root);
    let lookup = |name: &str| vars(name).or_else(|| example.get(name).cloned());
    let mut failed = 0;
    for name in environment::list(root) {
        match environment::load(root, &name, &lookup) {
            Ok(env) => console::line(&format!(
                "environments/{name}.kdl is valid ({})",
                env.dialect.name()
            )),
            Err(e) => {
                failed += 1;
                console::line(&format!("{:?}", miette::Report::new(e)));
            }
        }
    }
    if failed > 0 {
        return Err(Error::Usage(format!(
            "{failed} environment file{} {} problems (above)",
            if failed == 1 { "" } else { "s" },
            if failed == 1 { "has" } else { "have" }
        )));
    }
    Ok(0)
}

/// The variables of `config.env.example` (init writes it), the values `check` falls back
/// on; empty when there is no such file.
fn example_vars(root: &Path) -> std::collections::HashMap<String, String> {
    crate::input::read_text(
        &root.join("config.env.example"),
        crate::dotenv::MAX_DOTENV_BYTES,
    )
    .map(|text| crate::dotenv::parse(&text).0)
    .unwrap_or_default()
}

fn plan(
    root: &Path,
    chosen: &Chosen,
    vars: &dyn Fn(&str) -> Option<String>,
    args: PlanArgs,
) -> Result<u8, Error> {
    let mut proved = None;
    let plan = match args.dialect {
        Some(d) => {
            let dialect = Dialect::from(d);
            Plan::offline(&project::load_schema(root, &[dialect])?, dialect)?
        }
        None => {
            let env = chosen.load(root, vars)?;
            let schema = project::load_schema(root, &[env.dialect])?;
            let mut session = Session::open(&env, root, Intent::Read)?;
            let mut plan = if args.prove {
                let (plan, outcome) = session.prove(&schema)?;
                proved = Some(outcome);
                plan
            } else {
                session.plan(&schema)?
            };
            plan.judge_lints(&env.lints);
            console::line(&format!("Plan for `{}` ({}):", env.name, env.shown(root)));
            warn_empty_schema(&schema, &plan);
            plan
        }
    };
    console::err(&plan.notes_text());
    let format = args.format.unwrap_or(match args.out {
        Some(_) => Format::Json,
        None => Format::Text,
    });
    write_output(args.out.as_deref(), &plan.render(format))?;
    match proved {
        Some(Some(outcome)) => console::line(&proof_line(&outcome)),
        Some(None) if !plan.is_empty() => console::line(&format!(
            "Note: {} runs the plan in one transaction and checks the result before it commits: there is nothing to prove first.",
            plan.dialect.name()
        )),
        _ => {}
    }
    if let Some(out) = &args.out {
        if format != Format::Text {
            console::err(&plan.text());
        }
        console::line(&format!("Wrote the plan to {}.", out.display()));
        if format == Format::Json && plan.fingerprint.is_some() {
            console::line(&format!(
                "Apply exactly this plan with `reconcile apply --env {} --plan {}`.",
                plan.environment,
                out.display()
            ));
        }
    }
    Ok(if args.exit_code && plan.denied_lints().next().is_some() {
        3
    } else if args.exit_code && !plan.is_empty() {
        2
    } else {
        0
    })
}

fn apply(
    root: &Path,
    chosen: &Chosen,
    vars: &dyn Fn(&str) -> Option<String>,
    args: ApplyArgs,
) -> Result<u8, Error> {
    let mut env = chosen.load(root, vars)?;
    env.create_database |= args.create_database;
    let shown = env.shown(root);
    let saved = args.plan.as_deref().map(SavedPlan::load).transpose()?;
    if let Some(saved) = &saved {
        saved.check_target(&env.name, env.dialect.name())?;
    }
    let schema = project::load_schema(root, &[env.dialect])?;
    let terminal = std::io::stdin().is_terminal();
    // A saved plan was reviewed already, and names its environment; --yes and a missing
    // terminal have no one to ask.
    let interactive = !args.yes && saved.is_none() && terminal;
    if !args.yes && saved.is_none() && !terminal {
        if env.name != DEFAULT_ENVIRONMENT {
            return Err(Error::NeedsYes {
                environment: env.name.clone(),
                chosen_by: chosen.clause(),
            });
        }
        console::line(
            "Standard input is not a terminal: applying to `development` without asking (as with --yes).",
        );
    }
    // Asked, the user approves the plan they saw (read on a connection that creates
    // nothing); apply then refuses any other.
    let approved = if interactive {
        let mut preview = Session::open(&env, root, Intent::Read)?.plan(&schema)?;
        preview.judge_lints(&env.lints);
        console::line(&format!("Plan for `{}` ({shown}):", env.name));
        console::err(&preview.notes_text());
        console::err(&preview.text());
        if preview.is_empty() {
            return Ok(0);
        }
        if !confirm(preview.steps.len(), &env.name, &shown)? {
            return Err(Error::NotConfirmed);
        }
        Some(preview)
    } else {
        console::line(&format!("Apply to `{}` ({shown}):", env.name));
        None
    };
    let mut session = Session::open(&env, root, Intent::Write)?;
    if session.created() {
        console::line(&format!(
            "Created {} (`create-database`), empty.",
            created_what(&env, &shown)
        ));
    }
    let allow_destructive = args.allow_destructive || env.allow_destructive;
    let options = Options {
        environment: &env.name,
        allow_destructive,
        max_blocking_rows: env.max_blocking_rows.filter(|_| !args.allow_blocking),
        lints: &env.lints,
        lock_timeout: Duration::from_secs(env.lock_timeout),
        lock_retries: env.statement_lock_retries,
        // Allowed to block, nothing is handed off either.
        online_schema_change: env
            .online_schema_change
            .as_deref()
            .filter(|_| !args.allow_blocking),
        approved: approved.as_ref(),
        saved: saved.as_ref(),
    };
    let mut progress = Reporter {
        shown: approved.is_some(),
        format: args.format,
        bar: None,
        json: None,
    };
    // Timed from here: the summary's elapsed time never counts the wait for an answer.
    let start = Instant::now();
    let plan = session.apply(&schema, &options, &mut progress);
    if let Some(bar) = progress.bar.take() {
        bar.finish_and_clear();
    }
    if args.format == Format::Json {
        // One JSON document: the plan that ran (if apply got that far) and how it ended.
        let mut report = progress
            .json
            .take()
            .unwrap_or_else(|| serde_json::json!({}));
        report["created_database"] = serde_json::json!(session.created());
        report["result"] = match &plan {
            Ok(_) => serde_json::json!({ "status": "applied" }),
            Err(e) => e.to_json(),
        };
        write_output(None, &format!("{report:#}\n"))?;
    }
    let plan = plan?;
    if !plan.is_empty() {
        let n = plan.steps.len();
        let statements = plan.statements().count();
        console::line(&format!(
            "Applied {n} change{} ({statements} statement{}) to `{}` in {:.2} s.",
            if n == 1 { "" } else { "s" },
            if statements == 1 { "" } else { "s" },
            env.name,
            start.elapsed().as_secs_f64()
        ));
    }
    Ok(0)
}

/// What a created database is called in the line that says so.
fn created_what(env: &Environment, shown: &str) -> String {
    match env.dialect {
        Dialect::Sqlite => format!("the SQLite file {shown}"),
        _ => format!("the database of {shown}"),
    }
}

/// A note when schema.kdl declares no table but the database has some: an empty file (a
/// failed `inspect --out`, say) would otherwise read as "drop everything".
fn warn_empty_schema(schema: &crate::schema::Schema, plan: &Plan) {
    if schema.tables.is_empty() && !plan.is_empty() {
        console::line(
            "Note: schema.kdl declares no tables, so the plan drops every table of the database; if the file was emptied by mistake (a failed `inspect --out`?), restore it",
        );
    }
}

/// Apply's progress: the plan made under the lock (unless the user has just seen it), in
/// the chosen format, and a progress bar on standard error when it is a terminal.
struct Reporter {
    shown: bool,
    format: Format,
    bar: Option<indicatif::ProgressBar>,
    /// The JSON plan, kept for the report written when apply ends.
    json: Option<serde_json::Value>,
}

/// The line that reports a proof on a copy (see [`crate::database::proof`]).
fn proof_line(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Proved(proof) => format!(
            "Proved on a copy in a scratch: {} statement(s) ran on a copy of {} existing table(s), and the copy matches schema.kdl.",
            proof.statements,
            proof.copied.len()
        ),
        Outcome::Unavailable(why) => {
            format!("Note: not proved on a copy first: the server gave no scratch ({why}).")
        }
    }
}

impl Progress for Reporter {
    fn proved(&mut self, outcome: &Outcome) {
        console::line(&proof_line(outcome));
    }

    fn planned(&mut self, plan: &Plan) {
        if !self.shown || plan.is_empty() {
            console::err(&plan.notes_text());
            console::err(&plan.text());
        }
        let record = match self.format {
            Format::Text => return,
            Format::Sql => exact_sql(plan),
            // Written with the outcome, once apply ends.
            Format::Json => {
                self.json = serde_json::from_str(&plan.render(Format::Json)).ok();
                return;
            }
            other => plan.render(other),
        };
        let _ = write_output(None, &record);
    }

    fn retrying(&mut self, sql: &str, retry: u32, of: u32, delay: Duration) {
        console::line(&format!(
            "The table is busy: `{}` gave up waiting for its lock (`statement-lock-timeout`); trying again in {} s (retry {retry} of {of}, `statement-lock-retries`).",
            first_line(sql),
            delay.as_secs()
        ));
    }

    fn handing_off(&mut self, sql: &str, tool: &str, table: &str, rows: u64) {
        console::line(&format!(
            "`{table}` holds more than {rows} rows: `{}` is carried out by `{tool}` (`online-schema-change`), which copies the table while writes go on.",
            first_line(sql)
        ));
    }

    fn tool_output(&mut self, line: &str) {
        console::line(&format!("  {line}"));
    }

    fn statement(&mut self, index: usize, total: usize, _sql: &str) {
        if total < 10 || !std::io::stderr().is_terminal() {
            return;
        }
        let bar = self.bar.get_or_insert_with(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} statements {elapsed}")
            {
                bar.set_style(style);
            }
            bar
        });
        bar.set_position(index as u64 + 1);
    }
}

/// The statements exactly as apply sends them, in order, each under the change it comes
/// from (no script wrapper: apply opens its own transaction where the database has one),
/// then those that run after the commit.
fn exact_sql(plan: &Plan) -> String {
    let mut out = String::new();
    if plan.is_empty() {
        return out;
    }
    if plan
        .statements()
        .any(|(_, s)| s.phase == Phase::BeforeTransaction)
    {
        out.push_str("-- before the transaction, one at a time\n");
        plan.phase_sql(Phase::BeforeTransaction, &mut out);
    }
    if plan.dialect.sql().transactional_ddl() {
        out.push_str(
            "-- in one transaction, committed after the check that the database matches\n",
        );
    } else {
        out.push_str("-- one by one (this database commits each DDL statement as it runs)\n");
    }
    plan.phase_sql(Phase::Main, &mut out);
    if plan
        .statements()
        .any(|(_, s)| s.phase == Phase::AfterCommit)
    {
        out.push_str("-- after the commit, one at a time\n");
        plan.phase_sql(Phase::AfterCommit, &mut out);
    }
    out
}

/// The first line of `sql`, at most 120 characters, for a progress line.
fn first_line(sql: &str) -> String {
    let line = sql.lines().next().unwrap_or_default();
    match line.char_indices().nth(120) {
        Some((at, _)) => format!("{}...", &line[..at]),
        None if line.len() < sql.len() => format!("{line} ..."),
        None => line.to_string(),
    }
}

/// Asks on the terminal, naming the environment and its database.
fn confirm(n: usize, environment: &str, shown: &str) -> Result<bool, Error> {
    console::err(&format!(
        "Apply {n} change{} to `{environment}` ({shown})? [y/N] ",
        if n == 1 { "" } else { "s" }
    ));
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
    chosen: &Chosen,
    vars: &dyn Fn(&str) -> Option<String>,
    args: InspectArgs,
) -> Result<u8, Error> {
    let env = chosen.load(root, vars)?;
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
            console::out(text);
            Ok(())
        }
    }
}
