//! The only place that holds a connection. A [`Session`] owns a small runtime and one
//! driver connection (the [`Connection`] trait), so that the lock, the transaction and every
//! statement of an apply run on it; [`apply::apply`] is the one orchestrator. Async stays
//! inside this module.

pub mod apply;
pub mod connection;
pub mod journal;
mod mysql;
pub mod postgres;
pub mod preflight;
pub mod proof;
pub mod scratch;
mod sqlite;

use std::path::Path;
use std::time::Duration;

pub use connection::Connection;

use crate::dialect::Dialect;
use crate::environment::Environment;
use crate::error::{DriverError, Error};
use crate::plan::Plan;
use crate::redact::SecretUrl;
use crate::schema::Schema;

/// What a command will do with the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// Read the catalog and count rows (`plan`): opened read-only, never created.
    Read,
    /// Read the catalog of a database that must exist (`inspect`).
    Inspect,
    /// Change it (`apply`): created if missing.
    Write,
}

/// A connection to one environment's database.
pub struct Session {
    runtime: tokio::runtime::Runtime,
    driver: Driver,
    environment: String,
}

/// The drivers; the only "which database is this" in the crate outside the dialects.
enum Driver {
    Sqlite(sqlite::SqliteDb),
    Mysql(mysql::MysqlDb),
    Postgres(postgres::PgDb),
}

/// Runs `$body` with `$conn` bound to the session's driver connection.
macro_rules! on_driver {
    ($session:expr, $conn:ident => $body:expr) => {
        match &mut $session.driver {
            Driver::Sqlite($conn) => $session.runtime.block_on($body),
            Driver::Mysql($conn) => $session.runtime.block_on($body),
            Driver::Postgres($conn) => $session.runtime.block_on($body),
        }
    };
}

impl Session {
    /// Connects to the environment's database (`sqlite://` paths are relative to `root`);
    /// [`Intent::Write`] creates a missing database only when the environment says
    /// `create-database` ([`Error::WontCreate`] otherwise).
    pub fn open(env: &Environment, root: &Path, intent: Intent) -> Result<Session, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Connect {
                url: env.url.to_string(),
                source: DriverError::new(e, ""),
            })?;
        let wait = Duration::from_secs(env.lock_timeout);
        let statement_lock_timeout = Duration::from_secs(env.statement_lock_timeout);
        let url = env.url.expose();
        let create = env.create_database;
        let scratch_url = env.scratch_url.as_ref().map(SecretUrl::expose);
        let driver = match env.dialect {
            Dialect::Sqlite => runtime
                .block_on(sqlite::SqliteDb::open(url, root, intent, wait, create))
                .map(Driver::Sqlite),
            Dialect::Mysql => runtime
                .block_on(within_connect_timeout(
                    env,
                    mysql::MysqlDb::open(url, intent, statement_lock_timeout, create),
                ))
                .map(|mut db| {
                    db.use_scratch_url(scratch_url);
                    Driver::Mysql(db)
                }),
            Dialect::Postgres => runtime
                .block_on(within_connect_timeout(
                    env,
                    postgres::PgDb::open(
                        url,
                        intent,
                        postgres::Settings {
                            statement_lock_timeout,
                            concurrent_indexes: env.concurrent_indexes,
                        },
                        create,
                    ),
                ))
                .map(|mut db| {
                    db.use_scratch_url(scratch_url);
                    Driver::Postgres(db)
                }),
        };
        // A refusal to create names the file that would allow it.
        let driver = driver.map_err(|e| match e {
            Error::WontCreate { what, .. } => Error::WontCreate {
                what,
                file: env.file(),
            },
            other => other,
        })?;
        Ok(Session {
            runtime,
            driver,
            environment: env.name.clone(),
        })
    }

    /// The database's schema in the portable model, as the catalog holds it.
    pub fn introspect(&mut self) -> Result<Schema, Error> {
        on_driver!(self, conn => conn.introspect())
    }

    /// The plan that makes the database match `schema`, with what preflight finds.
    pub fn plan(&mut self, schema: &Schema) -> Result<Plan, Error> {
        let environment = self.environment.clone();
        on_driver!(self, conn => live_plan(conn, &environment, schema))
    }

    /// The plan, and where DDL is not transactional (MySQL, MariaDB) the proof of it on a
    /// copy in a scratch ([`proof`]), as `apply` would run it first (`plan --prove`);
    /// `None` with nothing to prove. Fails with the statement the server refuses.
    pub fn prove(&mut self, schema: &Schema) -> Result<(Plan, Option<proof::Outcome>), Error> {
        let environment = self.environment.clone();
        on_driver!(self, conn => async {
            let plan = live_plan(conn, &environment, schema).await?;
            if plan.is_empty() || conn.dialect().transactional_ddl() {
                return Ok((plan, None));
            }
            let outcome = proof::prove(conn, &environment, schema, &plan).await?;
            Ok((plan, Some(outcome)))
        })
    }

    /// Makes the database match `schema` through the one orchestrator; returns the plan
    /// that ran.
    pub fn apply(
        &mut self,
        schema: &Schema,
        options: &apply::Options<'_>,
        progress: &mut dyn apply::Progress,
    ) -> Result<Plan, Error> {
        on_driver!(self, conn => apply::apply(conn, schema, options, progress))
    }

    /// Whether opening the session created the database (`create-database`).
    pub fn created(&self) -> bool {
        match &self.driver {
            Driver::Sqlite(db) => db.created(),
            Driver::Mysql(db) => db.created(),
            Driver::Postgres(db) => db.created(),
        }
    }

    /// How many queries the connection has run so far (introspection runs a fixed number,
    /// whatever the number of tables).
    pub fn queries(&self) -> usize {
        match &self.driver {
            Driver::Sqlite(db) => db.queries(),
            Driver::Mysql(db) => db.queries(),
            Driver::Postgres(db) => db.queries(),
        }
    }
}

/// The note above a plan for a database that does not exist: whether apply would create
/// it (`create-database #true`, or `apply --create-database`).
pub(crate) fn missing_note(what: &str, create: bool) -> String {
    if create {
        format!("{what} does not exist yet; `reconcile apply` creates it (`create-database`)")
    } else {
        format!(
            "{what} does not exist yet; `reconcile apply` creates it only with `--create-database` or `create-database #true` in the environment file"
        )
    }
}

/// Runs `open` (connecting to a server and setting the session up), failing with
/// [`Error::ConnectTimeout`] once the environment's `connect-timeout` has passed: a server
/// that accepts the connection and never answers must not hang the command.
async fn within_connect_timeout<T>(
    env: &Environment,
    open: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    let limit = Duration::from_secs(env.connect_timeout);
    match tokio::time::timeout(limit, open).await {
        Ok(result) => result,
        Err(_) => {
            let url = env.url.expose();
            let host = url::Url::parse(url)
                .ok()
                .and_then(|u| {
                    let host = u.host_str()?.to_string();
                    Some(match u.port() {
                        Some(port) => format!("{host}:{port}"),
                        None => host,
                    })
                })
                .unwrap_or_else(|| "the server".into());
            Err(Error::ConnectTimeout {
                url: crate::redact::redact_url(url),
                host: crate::redact::scrub(&host, url),
                seconds: env.connect_timeout,
            })
        }
    }
}

/// Introspects, plans (leaving ignored tables out) and runs the plan's data checks.
pub(crate) async fn live_plan<C: Connection>(
    conn: &mut C,
    environment: &str,
    schema: &Schema,
) -> Result<Plan, Error> {
    let mut plan = plan_uncounted(conn, environment, schema).await?;
    plan.findings = preflight::run(conn, &plan.checks).await?;
    if !plan.is_empty() {
        let mut tables: Vec<&str> = plan
            .steps
            .iter()
            .flat_map(|s| s.statements.iter().filter_map(|q| q.table.as_deref()))
            .collect();
        tables.sort_unstable();
        tables.dedup();
        let estimates = conn.estimates(&tables).await?;
        for step in &mut plan.steps {
            for statement in &mut step.statements {
                let table = statement.table.as_deref();
                statement.estimate = table.and_then(|t| estimates.get(t)).copied();
            }
        }
    }
    plan.notes.extend(conn.note());
    Ok(plan)
}

/// Moves the live views that `schema` ignores among the objects the tool leaves alone, with
/// the statement that makes each (a SQLite rebuild of a table it reads makes it again).
fn leave_ignored_views(actual: &mut Schema, schema: &Schema, d: &dyn crate::dialect::SqlDialect) {
    let (ignored, kept) = std::mem::take(&mut actual.views)
        .into_iter()
        .partition(|v| schema.is_ignored(&v.name));
    actual.views = kept;
    for view in ignored {
        let create = crate::change::Change::CreateView {
            view: view.clone(),
            replaces: None,
        };
        let sql = d.statements(&create).into_iter().map(|s| s.sql).collect();
        actual.unmanaged.push(crate::schema::Unmanaged {
            kind: "view".into(),
            table: view.name.clone(),
            name: view.name,
            sql,
        });
    }
}

/// Introspects and plans (leaving ignored tables out), without running the data checks.
pub(crate) async fn plan_uncounted<C: Connection>(
    conn: &mut C,
    environment: &str,
    schema: &Schema,
) -> Result<Plan, Error> {
    let start = std::time::Instant::now();
    let mut actual = conn.introspect().await?;
    crate::timings::record("introspect", start.elapsed());
    actual.tables.retain(|t| !schema.is_ignored(&t.name));
    leave_ignored_views(&mut actual, schema, conn.dialect());
    let desired = crate::timings::stage("diff", || crate::dialect::resolve(schema, conn.dialect()));
    let fast = crate::timings::stage("diff", || {
        crate::diff::diff(&actual, &desired, conn.dialect())
    })?;
    let start = std::time::Instant::now();
    let (changes, spelled, note) = match scratch::spell(conn, &fast, &desired).await? {
        scratch::Spelling::NotNeeded => (fast, Vec::new(), None),
        scratch::Spelling::Read(readings) => {
            crate::timings::record("scratch", start.elapsed());
            let changes = crate::diff::diff_spelled(&actual, &desired, &readings, conn.dialect())?;
            let names = readings
                .into_iter()
                .next()
                .map(|s| s.tables.into_iter().map(|t| t.name).collect())
                .unwrap_or_default();
            (changes, names, None)
        }
        scratch::Spelling::Unavailable(why) => {
            // A server's spelling of a query is beyond reconcile's own rules: without a
            // scratch, a view that is on both sides stands as it is (unless what it reads
            // changes), else it would be made again on every apply.
            let views = Schema {
                views: actual.views.clone(),
                ..Schema::default()
            };
            let changes = crate::diff::diff_spelled(&actual, &desired, &[views], conn.dialect())?;
            let note = format!(
                "the server gave no scratch to spell the changed checks, defaults, types and view queries in ({why}); they are compared by reconcile's own rules, which may see a difference the server would not, and a view's query is not compared"
            );
            (changes, Vec::new(), Some(note))
        }
    };
    let mut plan =
        crate::plan::from_changes(environment, &actual, &desired, changes, conn.dialect())?;
    plan.notes.extend(note);
    plan.spelled = spelled;
    plan.target = Some(conn.target());
    Ok(plan)
}
