//! The one apply, for every database: lock → introspect and plan under the lock → refuse a
//! plan that differs from the approved one → destructive gate → preflight → transaction
//! (where DDL is transactional) → statements → verify → commit → unlock, on every path.

use std::time::Duration;

use super::connection::Connection;
use super::journal::Journal;
use crate::dialect::{Phase, Statement};
use crate::error::Error;
use crate::plan::{Plan, SavedPlan};
use crate::schema::Schema;

/// What the caller decided before apply started.
pub struct Options<'a> {
    /// The environment's name, for the plan.
    pub environment: &'a str,
    /// Destructive changes may run (flag or environment setting).
    pub allow_destructive: bool,
    /// Refuse a statement that blocks writes while it works through a table of more rows
    /// than this (`max-blocking-rows`, unless `--allow-blocking`); `None`: no limit.
    pub max_blocking_rows: Option<u64>,
    /// The online schema change tool (`online-schema-change`, MySQL and MariaDB): a
    /// statement that `max-blocking-rows` would refuse (every blocking one on a table with
    /// rows, without that setting) is carried out by it instead.
    pub online_schema_change: Option<&'a str>,
    /// The severities of the lint rules (the environment's `lint` settings): a denied one
    /// refuses the plan.
    pub lints: &'a crate::plan::lint::Levels,
    /// How long to wait for another apply's lock.
    pub lock_timeout: Duration,
    /// How many times a statement that gave up waiting for a table's lock is tried again,
    /// after 1 s, 2 s, 4 s ... (`statement-lock-retries`): a busy table delays apply.
    pub lock_retries: u32,
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
    /// Statement `index` ran (one at a time: it is committed; in a transaction: the batch
    /// it was sent in ran).
    fn ran(&mut self, _index: usize) {}
    /// `sql` gave up waiting for a table's lock; it runs again (retry `retry` of `of`)
    /// after `delay` (in a transaction, the whole transaction does).
    fn retrying(&mut self, _sql: &str, _retry: u32, _of: u32, _delay: Duration) {}
    /// `sql` is carried out by the online schema change tool `tool`, on `table` of more
    /// than `rows` rows.
    fn handing_off(&mut self, _sql: &str, _tool: &str, _table: &str, _rows: u64) {}
    /// A line the online schema change tool printed.
    fn tool_output(&mut self, _line: &str) {}
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
    plan.judge_lints(options.lints);
    progress.planned(&plan);
    if plan.is_empty() {
        return Ok(plan);
    }
    let denied: Vec<String> = plan.denied_lints().map(|l| l.text()).collect();
    if !denied.is_empty() {
        return Err(Error::LintDenied { lints: denied });
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
    // MySQL's statements run one at a time, so one of them can go to another tool.
    let tool = options
        .online_schema_change
        .filter(|_| !conn.dialect().transactional_ddl());
    let handed = match options.max_blocking_rows.or(tool.map(|_| 0)) {
        Some(limit) => refuse_blocking(conn, &plan, limit, options.environment, tool).await?,
        None => Vec::new(),
    };
    if !conn.dialect().transactional_ddl() {
        let outcome = super::proof::prove(conn, options.environment, schema, &plan).await?;
        progress.proved(&outcome);
    }
    execute(conn, schema, options, &plan, &handed, progress).await?;
    plan.findings.retain(|f| f.rows > 0);
    Ok(plan)
}

/// Refuses the first statement that blocks writes while it works through a table holding
/// more than `limit` rows, or with an online schema change `tool`, returns those statements
/// (their places in run order) and the table's size for the tool to carry out. The rows are
/// counted, up to `limit + 1`, rather than read from the catalog's statistics, which a server
/// may keep stale.
async fn refuse_blocking<C: Connection>(
    conn: &mut C,
    plan: &Plan,
    limit: u64,
    environment: &str,
    tool: Option<&str>,
) -> Result<Vec<(usize, u64)>, Error> {
    let mut counted: Vec<(String, bool)> = Vec::new();
    let mut handed = Vec::new();
    for (n, (step, statement)) in plan.statements().enumerate() {
        let Some(table) = statement.table.as_deref() else {
            continue;
        };
        if !statement.blocks_writes_while_working() {
            continue;
        }
        let over = match counted.iter().find(|(t, _)| t == table) {
            Some((_, over)) => *over,
            None => {
                let d = conn.dialect();
                let sql = format!(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM {} LIMIT {}) AS t",
                    d.quote(table),
                    limit.saturating_add(1)
                );
                let rows = conn.count(&sql).await?;
                let over = u64::try_from(rows).unwrap_or(0) > limit;
                counted.push((table.to_string(), over));
                over
            }
        };
        if !over {
            continue;
        }
        // The tool recreates a table's own foreign keys under new names.
        let keyed = matches!(&plan.steps[step].change,
            crate::change::Change::AlterTable { from, .. } if !from.foreign_keys.is_empty());
        let refusal = match tool {
            Some(_) if keyed => {
                Some("the table has foreign keys, which the tool would recreate under other names")
            }
            Some(_) if plan.referenced.iter().any(|t| t == table) => Some(
                "other tables' foreign keys reference it, which the tool would have to rebuild or point at the copy",
            ),
            Some(_) => conn.dialect().online_tool_refuses(&statement.sql),
            None => None,
        };
        if let (Some(_), None) = (tool, refusal) {
            handed.push((n, limit));
        } else {
            let cost = match (tool, refusal) {
                (Some(tool), Some(why)) => {
                    format!("{}; `{tool}` cannot carry it out: {why}", statement.cost())
                }
                _ => statement.cost(),
            };
            return Err(Error::BlocksWrites(Box::new(crate::error::Blocked {
                sql: statement.sql.clone(),
                change: plan.steps[step].change.describe(),
                cost,
                table: table.to_string(),
                limit,
                environment: environment.to_string(),
            })));
        }
    }
    Ok(handed)
}

/// Runs the plan's statements phase by phase, then checks that the plan is now empty. Where
/// DDL is transactional the main phase runs inside one transaction and the check comes before
/// the commit, so a bug of the tool changes nothing; elsewhere the statements run one by one
/// under the journal. Statements after the commit run one at a time, the check after them.
async fn execute<C: Connection>(
    conn: &mut C,
    schema: &Schema,
    options: &Options<'_>,
    plan: &Plan,
    handed: &[(usize, u64)],
    progress: &mut dyn Progress,
) -> Result<(), Error> {
    let transactional = conn.dialect().transactional_ddl();
    let all: Vec<(usize, &Statement)> = plan.statements().collect();
    let early = all
        .iter()
        .filter(|(_, s)| s.phase == Phase::BeforeTransaction)
        .count();
    let main = early + all.iter().filter(|(_, s)| s.phase == Phase::Main).count();
    let later = main < all.len();
    let start = std::time::Instant::now();
    let mut journal = Journal::default();
    // What the transaction needs committed first (an enum's new values) runs before it.
    one_by_one(
        conn,
        plan,
        &all,
        0..early,
        &mut journal,
        options,
        handed,
        progress,
    )
    .await?;
    // Where DDL commits as it goes, every statement runs one at a time; elsewhere the main
    // phase is one transaction, and what runs after the commit goes one at a time (`CREATE
    // INDEX CONCURRENTLY` cannot run in a transaction); a failure then reports what is
    // committed, and the next apply finds what is left (an unfinished index is invalid, an
    // unvalidated constraint not valid).
    let first = if transactional {
        transaction(
            conn,
            schema,
            options,
            plan,
            &all[early..main],
            later,
            progress,
        )
        .await?;
        for (_, s) in &all[early..main] {
            journal.ran(&s.sql);
        }
        main
    } else {
        early
    };
    let range = first..all.len();
    one_by_one(
        conn,
        plan,
        &all,
        range,
        &mut journal,
        options,
        handed,
        progress,
    )
    .await?;
    crate::timings::record("execute", start.elapsed());
    if later || !transactional {
        verify(conn, schema, options).await?;
    }
    Ok(())
}

/// Runs `main` in one transaction and commits, with the check that the plan is now empty
/// before the commit unless statements are `later` (after the commit). A statement that gave
/// up waiting for its lock rolls the transaction back, which then runs again whole, as
/// `options` allows.
async fn transaction<C: Connection>(
    conn: &mut C,
    schema: &Schema,
    options: &Options<'_>,
    plan: &Plan,
    main: &[(usize, &Statement)],
    later: bool,
    progress: &mut dyn Progress,
) -> Result<(), Error> {
    let mut retry = 0;
    loop {
        conn.begin().await?;
        let result = match in_transaction(conn, plan, main, progress).await {
            Ok(()) if later => Ok(()),
            Ok(()) => verify(conn, schema, options).await,
            Err(e) => Err(e),
        };
        let Err(mut e) = result else {
            return conn.commit().await;
        };
        let _ = conn.rollback().await;
        let Error::Statement { sql, source, .. } = &mut e else {
            return Err(e);
        };
        if !source.is_lock_timeout() || retry == options.lock_retries {
            *source = tried(source.clone(), retry);
            return Err(e);
        }
        retry += 1;
        let delay = backoff(retry);
        progress.retrying(sql, retry, options.lock_retries, delay);
        tokio::time::sleep(delay).await;
    }
}

/// Runs `range` of the plan's statements `all` one at a time, each committed as it runs; a
/// statement that gave up waiting for its table's lock (and so did not run) is tried again
/// as `options` allows; a failure reports what ran, failed and is pending.
#[allow(clippy::too_many_arguments)]
async fn one_by_one<C: Connection>(
    conn: &mut C,
    plan: &Plan,
    all: &[(usize, &Statement)],
    range: std::ops::Range<usize>,
    journal: &mut Journal,
    options: &Options<'_>,
    handed: &[(usize, u64)],
    progress: &mut dyn Progress,
) -> Result<(), Error> {
    for n in range {
        let sql = &all[n].1.sql;
        progress.statement(n, all.len(), sql);
        if let (Some(tool), Some((_, rows))) = (
            options.online_schema_change,
            handed.iter().find(|(i, _)| *i == n),
        ) {
            let table = all[n].1.table.as_deref().unwrap_or_default();
            progress.handing_off(sql, tool, table, *rows);
            let result = conn
                .hand_off(tool, sql, &mut |line| progress.tool_output(line))
                .await;
            match result {
                Ok(()) => {
                    journal.ran(sql);
                    progress.ran(n);
                    continue;
                }
                Err(source) => return Err(std::mem::take(journal).failed(plan, n, source)),
            }
        }
        let mut retry = 0;
        loop {
            match conn.execute(sql).await {
                Ok(()) => {
                    journal.ran(sql);
                    progress.ran(n);
                    break;
                }
                // Only in the main phase: after the commit, `CREATE INDEX CONCURRENTLY`
                // leaves an invalid index behind when it times out, and would collide.
                Err(source)
                    if source.is_lock_timeout()
                        && all[n].1.phase == Phase::Main
                        && retry < options.lock_retries =>
                {
                    retry += 1;
                    let delay = backoff(retry);
                    progress.retrying(sql, retry, options.lock_retries, delay);
                    tokio::time::sleep(delay).await;
                }
                Err(source) => {
                    let source = tried(source, retry);
                    return Err(std::mem::take(journal).failed(plan, n, source));
                }
            }
        }
    }
    Ok(())
}

/// How long apply waits before retry `retry` (1-based) of a statement that gave up waiting
/// for a lock: 1 s, 2 s, 4 s ..., at most 30 s.
pub fn backoff(retry: u32) -> Duration {
    Duration::from_secs((1u64 << retry.saturating_sub(1).min(5)).min(30))
}

/// `source`, saying how many times the statement was tried when it was more than once.
fn tried(source: crate::error::DriverError, retries: u32) -> crate::error::DriverError {
    if retries == 0 {
        return source;
    }
    source.with_note(&format!(
        " (tried {} times, waiting between tries as `statement-lock-retries` allows)",
        retries + 1
    ))
}

/// Statements sent to the database together inside a transaction.
const BATCH: usize = 500;

/// Runs `main`, the plan's statements of the main phase, in the open transaction, in
/// batches; a failure names the failing statement (the rollback undoes the rest).
async fn in_transaction<C: Connection>(
    conn: &mut C,
    plan: &Plan,
    main: &[(usize, &Statement)],
    progress: &mut dyn Progress,
) -> Result<(), Error> {
    let total = plan.statements().count();
    for (c, chunk) in main.chunks(BATCH).enumerate() {
        let sqls: Vec<&str> = chunk.iter().map(|(_, s)| s.sql.as_str()).collect();
        if let Err((i, source)) = conn.execute_all(&sqls).await {
            let (step, statement) = chunk[i];
            return Err(Error::Statement {
                index: c * BATCH + i + 1,
                total,
                change: plan.steps[step].change.describe(),
                sql: statement.sql.clone(),
                source,
            });
        }
        for (i, (_, s)) in chunk.iter().enumerate() {
            progress.statement(c * BATCH + i, total, &s.sql);
            progress.ran(c * BATCH + i);
        }
    }
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
