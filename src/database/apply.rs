//! The one apply, for every database: lock → introspect and plan under the lock → refuse a
//! plan that differs from the approved one → destructive gate → preflight → transaction
//! (where DDL is transactional) → statements → verify → commit → unlock, on every path.

use std::time::Duration;

use super::connection::Connection;
use super::journal::Journal;
use crate::error::Error;
use crate::plan::{Plan, SavedPlan};
use crate::schema::Schema;

/// What the caller decided before apply started.
pub struct Options<'a> {
    /// The environment's name, for the plan.
    pub environment: &'a str,
    /// Destructive changes may run (flag or environment setting).
    pub allow_destructive: bool,
    /// How long to wait for another apply's lock.
    pub lock_timeout: Duration,
    /// The plan the user saw and confirmed; the plan made under the lock must run the same
    /// statements (or be empty: someone else did the work).
    pub approved: Option<&'a Plan>,
    /// A saved plan (`apply --plan FILE`): the plan made under the lock must start from the
    /// same database schema (its fingerprint) and run exactly its statements.
    pub saved: Option<&'a SavedPlan>,
}

/// What apply reports as it goes.
pub trait Progress {
    /// The plan made under the lock, before anything runs.
    fn planned(&mut self, _plan: &Plan) {}
    /// The plan ran on a copy before the target (where DDL is not transactional), or could
    /// not.
    fn proved(&mut self, _outcome: &super::proof::Outcome) {}
    /// Statement `index` (0-based) of `total` is about to run.
    fn statement(&mut self, _index: usize, _total: usize, _sql: &str) {}
}

/// Progress that reports nothing.
pub struct Quiet;

impl Progress for Quiet {}

/// Makes the database behind `conn` match `schema`; returns the plan that ran (empty when
/// there was nothing to do). Fails, having changed nothing where the database allows it,
/// with the fact that stopped it.
pub async fn apply<C: Connection>(
    conn: &mut C,
    schema: &Schema,
    options: &Options<'_>,
    progress: &mut dyn Progress,
) -> Result<Plan, Error> {
    conn.lock(options.lock_timeout).await?;
    let result = locked(conn, schema, options, progress).await;
    let unlocked = conn.unlock().await;
    let plan = result?;
    unlocked?;
    Ok(plan)
}

async fn locked<C: Connection>(
    conn: &mut C,
    schema: &Schema,
    options: &Options<'_>,
    progress: &mut dyn Progress,
) -> Result<Plan, Error> {
    let mut plan = super::live_plan(conn, options.environment, schema).await?;
    // A saved plan that no longer fits is refused before anything is shown as the plan.
    if let Some(saved) = options.saved {
        saved.check(&plan)?;
    }
    progress.planned(&plan);
    if plan.is_empty() {
        return Ok(plan);
    }
    if let Some(approved) = options.approved
        && !plan.same_statements(approved)
    {
        return Err(Error::PlanChanged);
    }
    // Each destructive part, then what the step's drops discard (the rows they counted).
    let destructive: Vec<String> = plan
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.destructive)
        .flat_map(|(i, s)| {
            let parts = s.destructive_parts.iter().map(|p| format!("  {p}"));
            let lost = plan
                .findings
                .iter()
                .filter(move |f| f.check.step == i && f.rows > 0 && !f.check.blocks())
                .map(|f| format!("    {}", f.describe()));
            parts.chain(lost)
        })
        .collect();
    if !destructive.is_empty() && !options.allow_destructive {
        return Err(Error::Destructive {
            changes: destructive,
        });
    }
    let blocking: Vec<String> = plan.blocking_findings().map(|f| f.describe()).collect();
    if !blocking.is_empty() {
        return Err(Error::DataWouldBeLost { findings: blocking });
    }
    if !conn.dialect().transactional_ddl() {
        let outcome = super::proof::prove(conn, options.environment, schema, &plan).await?;
        progress.proved(&outcome);
    }
    execute(conn, schema, options, &plan, progress).await?;
    plan.findings.retain(|f| f.rows > 0);
    Ok(plan)
}

/// Runs the plan's statements, then checks that the plan is now empty. Where DDL is
/// transactional all of it happens before the commit, so a bug of the tool changes nothing;
/// elsewhere the statements run one by one under the journal.
async fn execute<C: Connection>(
    conn: &mut C,
    schema: &Schema,
    options: &Options<'_>,
    plan: &Plan,
    progress: &mut dyn Progress,
) -> Result<(), Error> {
    let transactional = conn.dialect().transactional_ddl();
    let mut journal = Journal::default();
    if transactional {
        conn.begin().await?;
    }
    let later = plan.steps.iter().any(|s| s.after_commit);
    let journal = (!transactional).then_some(&mut journal);
    let result = match statements(conn, plan, progress, journal).await {
        // With statements left for after the commit, the check waits for them.
        Ok(()) if later => Ok(()),
        Ok(()) => verify(conn, schema, options).await,
        Err(e) => Err(e),
    };
    match (transactional, result) {
        (true, Ok(())) => conn.commit().await?,
        (true, Err(e)) => {
            let _ = conn.rollback().await;
            return Err(e);
        }
        (false, result) => result?,
    }
    if later {
        after_commit(conn, plan, progress).await?;
        verify(conn, schema, options).await?;
    }
    Ok(())
}

/// Runs the statements of the steps that come after the commit, one at a time, each on its
/// own (`CREATE INDEX CONCURRENTLY` cannot run in a transaction). A failure reports what is
/// committed; the next apply finds what is left (an unfinished index is invalid, so it is
/// dropped and built again).
async fn after_commit<C: Connection>(
    conn: &mut C,
    plan: &Plan,
    progress: &mut dyn Progress,
) -> Result<(), Error> {
    let all: Vec<(usize, &str)> = plan.statements().collect();
    let total = all.len();
    let mut journal = Journal::default();
    for (n, (step, sql)) in all.iter().enumerate() {
        if !plan.steps[*step].after_commit {
            journal.ran(sql);
            continue;
        }
        progress.statement(n, total, sql);
        match conn.execute(sql).await {
            Ok(()) => journal.ran(sql),
            Err(source) => return Err(journal.failed(plan, n, source)),
        }
    }
    Ok(())
}

/// Statements sent to the database together inside a transaction.
const BATCH: usize = 500;

/// Runs the plan's statements in order. With a `journal` (DDL that commits as it goes) one
/// at a time, and a failure reports what ran, failed and is pending; without, in batches,
/// and a failure names the failing statement.
async fn statements<C: Connection>(
    conn: &mut C,
    plan: &Plan,
    progress: &mut dyn Progress,
    journal: Option<&mut Journal>,
) -> Result<(), Error> {
    let every: Vec<(usize, &str)> = plan.statements().collect();
    let total = every.len();
    let all: Vec<(usize, &str)> = every
        .into_iter()
        .filter(|(step, _)| !plan.steps[*step].after_commit)
        .collect();
    let start = std::time::Instant::now();
    match journal {
        Some(journal) => {
            for (n, (_, sql)) in all.iter().enumerate() {
                progress.statement(n, total, sql);
                match conn.execute(sql).await {
                    Ok(()) => journal.ran(sql),
                    Err(source) => return Err(std::mem::take(journal).failed(plan, n, source)),
                }
            }
        }
        None => {
            for (c, chunk) in all.chunks(BATCH).enumerate() {
                let sqls: Vec<&str> = chunk.iter().map(|(_, sql)| *sql).collect();
                if let Err((i, source)) = conn.execute_all(&sqls).await {
                    let (step, sql) = chunk[i];
                    return Err(Error::Statement {
                        index: c * BATCH + i + 1,
                        total,
                        change: plan.steps[step].change.describe(),
                        sql: sql.to_string(),
                        source,
                    });
                }
                for (i, (_, sql)) in chunk.iter().enumerate() {
                    progress.statement(c * BATCH + i, total, sql);
                }
            }
        }
    }
    crate::timings::record("execute", start.elapsed());
    Ok(())
}

/// Introspects again: the plan must now be empty, else the tool has a bug.
async fn verify<C: Connection>(
    conn: &mut C,
    schema: &Schema,
    options: &Options<'_>,
) -> Result<(), Error> {
    let start = std::time::Instant::now();
    // Only whether anything is left matters here: no data checks.
    let remaining = super::plan_uncounted(conn, options.environment, schema).await;
    crate::timings::record("verify", start.elapsed());
    let remaining = remaining?;
    if remaining.is_empty() {
        Ok(())
    } else {
        Err(Error::NotConverged {
            remaining: remaining.text(),
        })
    }
}
