//! PostgreSQL, live: one connection for the whole command. The apply lock is a session
//! advisory lock on the database and schema, waited for at most `lock-timeout`
//! (<https://www.postgresql.org/docs/15/explicit-locking.html#ADVISORY-LOCKS>); DDL is
//! transactional, so the plan's statements run in one transaction, each waiting at most
//! `statement-lock-timeout` for a table that application traffic holds
//! (<https://www.postgresql.org/docs/15/runtime-config-client.html#GUC-LOCK-TIMEOUT>).

mod inspect;
mod scratch;

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{AssertSqlSafe, Connection as _, Executor};

use super::Intent;
use super::connection::Connection;
use crate::dialect::Lossy;
use crate::dialect::postgres::{Postgres, values};
use crate::dialect::{Estimate, SqlDialect};
use crate::error::{DriverError, Error};
use crate::schema::Schema;

pub use inspect::{ALL as CATALOG_QUERIES, QUERIES as CATALOG_QUERY_COUNT};

/// PostgreSQL's code for a lock not granted within `lock_timeout`.
const LOCK_NOT_AVAILABLE: &str = "55P03";

/// The class of PostgreSQL's codes for a value a conversion cannot take (`22P02` invalid
/// text, `22003` out of range, `22007`/`22008` bad dates ...).
const DATA_EXCEPTION: &str = "22";

/// PostgreSQL's code for a database that does not exist.
const INVALID_CATALOG_NAME: &str = "3D000";

/// The advisory lock's key: one per database and schema.
const LOCK_KEY: &str =
    "hashtextextended('reconcile:' || current_database() || '.' || current_schema(), 0)";

/// What the environment says about applying on PostgreSQL.
pub struct Settings {
    /// How long each statement waits for a table lock (0: as long as it takes).
    pub statement_lock_timeout: Duration,
    /// Build indexes on existing tables with `CREATE INDEX CONCURRENTLY` after the commit.
    pub concurrent_indexes: bool,
}

/// One PostgreSQL database (schema), or one that does not exist yet.
pub struct PgDb {
    /// `None` when `plan` found no database: it is empty.
    conn: Option<PgConnection>,
    /// The URL as given, only to mask its password in driver messages; never shown.
    url: String,
    /// The URL with its password masked, for messages.
    shown: String,
    /// `database.schema`, for the lock's name.
    place: String,
    /// `host:port/database.schema`.
    target: String,
    dialect: Postgres,
    statement_lock_timeout: Duration,
    queries: usize,
    locked: bool,
    /// Whether the plan's transaction is open (a failing query would abort it).
    in_transaction: bool,
    /// Whether opening it created the database, and whether apply may.
    created: bool,
    create: bool,
    /// The environment's `scratch-url`: the database the scratch schema is opened in,
    /// instead of the target's ([`PgDb::scratch`]).
    scratch_url: Option<String>,
}

impl PgDb {
    /// Opens the scratch schema in the database `url` names (the environment's
    /// `scratch-url`) instead of in the target database.
    pub fn use_scratch_url(&mut self, url: Option<&str>) {
        self.scratch_url = url.map(str::to_string);
    }

    /// Connects to the database of `url`. A missing database is empty for [`Intent::Read`],
    /// an error for [`Intent::Inspect`], and created for [`Intent::Write`] when `create`
    /// allows ([`Error::WontCreate`] otherwise).
    pub async fn open(
        url: &str,
        intent: Intent,
        settings: Settings,
        create: bool,
    ) -> Result<PgDb, Error> {
        let shown = crate::redact::redact_url(url);
        let connect = |e: sqlx::Error| Error::Connect {
            url: shown.clone(),
            source: DriverError::new(e, url),
        };
        // Only the authority form: sqlx reads `postgres:/user:pw@host/db` as a database of
        // that name on localhost (which `apply` would create, name and all).
        let authority = ["postgres://", "postgresql://"]
            .iter()
            .find_map(|scheme| url.strip_prefix(scheme))
            .is_some_and(|rest| !rest.starts_with('/'));
        if !authority {
            return Err(Error::Unsupported {
                what: format!(
                    "the PostgreSQL url `{shown}` must start with `postgres://` or `postgresql://` and name a host"
                ),
                help: "write `url \"postgres://USER@HOST:5432/DATABASE\"`".into(),
            });
        }
        let options = PgConnectOptions::from_str(url).map_err(connect)?;
        let mut db = PgDb {
            conn: None,
            url: url.to_string(),
            shown: shown.clone(),
            place: options.get_database().unwrap_or("postgres").to_string(),
            target: target_of(url, &options),
            dialect: Postgres {
                concurrent_indexes: settings.concurrent_indexes,
            },
            statement_lock_timeout: settings.statement_lock_timeout,
            queries: 0,
            locked: false,
            in_transaction: false,
            created: false,
            create,
            scratch_url: None,
        };
        let conn = match PgConnection::connect_with(&options).await {
            Ok(conn) => conn,
            Err(e) if code(&e) == Some(INVALID_CATALOG_NAME) => match intent {
                Intent::Read => return Ok(db),
                Intent::Inspect => return Err(Error::NoDatabase { path: shown }),
                Intent::Write if !create => {
                    return Err(Error::WontCreate {
                        what: format!(
                            "the database `{}` on {}:{}",
                            options.get_database().unwrap_or("postgres"),
                            crate::redact::scrub(options.get_host(), url),
                            options.get_port()
                        ),
                        file: String::new(),
                    });
                }
                Intent::Write => {
                    db.created = true;
                    create_database(&options).await.map_err(connect)?;
                    PgConnection::connect_with(&options)
                        .await
                        .map_err(connect)?
                }
            },
            Err(e) => return Err(connect(e)),
        };
        db.conn = Some(conn);
        // Reading the catalog waits for a table another session holds (`ACCESS EXCLUSIVE`)
        // no longer than a statement of the plan would.
        db.run(
            "cannot set the lock timeout",
            timeout_sql(db.statement_lock_timeout),
        )
        .await?;
        if intent != Intent::Write {
            // `plan` and `inspect` only read: the server refuses anything else.
            db.run(
                "cannot open the database read-only",
                "SET default_transaction_read_only = on".into(),
            )
            .await?;
        }
        let (database, schema): (String, Option<String>) = db
            .query_scalar_pair("SELECT current_database()::text, current_schema()::text")
            .await?;
        let Some(schema) = schema else {
            return Err(Error::Unsupported {
                what: format!("no schema of the search path exists in {shown}"),
                help: "create the schema first, or name an existing one with `?options=-csearch_path=NAME` in the url".into(),
            });
        };
        db.place = format!("{database}.{schema}");
        Ok(db)
    }

    /// How many queries this connection has run (introspection runs a fixed number).
    pub fn queries(&self) -> usize {
        self.queries
    }

    fn conn(&mut self) -> Result<&mut PgConnection, Error> {
        self.queries += 1;
        self.conn.as_mut().ok_or_else(|| Error::NoDatabase {
            path: self.shown.clone(),
        })
    }

    /// The driver's error, with what a lock timeout means spelled out.
    fn driver_error(&self, e: sqlx::Error) -> DriverError {
        if code(&e) == Some(LOCK_NOT_AVAILABLE) {
            DriverError::lock_timeout(
                format!(
                    "{e}: another session holds a lock on the table, and reconcile waited `statement-lock-timeout` ({} ms) for it; the table is busy: run again when it is quieter, or raise `statement-lock-timeout` in the environment file",
                    self.statement_lock_timeout.as_millis()
                ),
                &self.url,
            )
        } else {
            DriverError::new(e, &self.url)
        }
    }

    fn error(&self, what: impl Into<String>, e: sqlx::Error) -> Error {
        Error::Database {
            what: what.into(),
            source: DriverError::new(e, &self.url),
        }
    }

    async fn query_scalar_pair(
        &mut self,
        sql: &'static str,
    ) -> Result<(String, Option<String>), Error> {
        let conn = self.conn()?;
        let result = sqlx::query_as(sql).fetch_one(&mut *conn).await;
        result.map_err(|e| self.error("cannot read the connection's schema", e))
    }

    /// Runs one statement of the driver's own (not of a plan).
    async fn run(&mut self, what: &str, sql: String) -> Result<(), Error> {
        let conn = self.conn()?;
        let result = conn.execute(AssertSqlSafe(sql)).await;
        result
            .map(|_| ())
            .map_err(|e| self.error(what.to_string(), e))
    }
}

/// `host:port/database`, and the search path when the URL sets one (a schema of the same
/// database is another target); known before connecting, so that a plan made before the
/// database exists is bound to the same target as the apply that creates it.
fn target_of(url: &str, options: &PgConnectOptions) -> String {
    let mut target = format!(
        "{}:{}/{}",
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("postgres")
    );
    if let Some(path) = url::Url::parse(url).ok().and_then(|u| {
        u.query_pairs()
            .find(|(k, _)| k == "options")
            .map(|(_, v)| v.into_owned())
    }) {
        target.push_str(&format!(" ({path})"));
    }
    crate::redact::scrub(&target, url)
}

/// The SQLSTATE of a database error.
fn code(e: &sqlx::Error) -> Option<&str> {
    match e {
        sqlx::Error::Database(d) => match d.code() {
            Some(std::borrow::Cow::Borrowed(c)) => Some(c),
            _ => None,
        },
        _ => None,
    }
}

/// Creates the database `options` name, connected to the `postgres` maintenance database;
/// one that another apply has just created is fine.
async fn create_database(options: &PgConnectOptions) -> Result<(), sqlx::Error> {
    let name = options.get_database().unwrap_or_default().to_string();
    let mut admin = PgConnection::connect_with(&options.clone().database("postgres")).await?;
    let sql = format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\""));
    match admin.execute(AssertSqlSafe(sql)).await {
        Ok(_) => Ok(()),
        // duplicate_database, or the catalog's unique index when two applies race.
        Err(e) if matches!(code(&e), Some("42P04" | "23505")) => Ok(()),
        Err(e) => Err(e),
    }
}

/// A lock timeout in PostgreSQL's syntax (`0`: no limit).
fn timeout_sql(t: Duration) -> String {
    format!("SET lock_timeout = '{}ms'", t.as_millis())
}

impl Connection for PgDb {
    fn dialect(&self) -> &dyn SqlDialect {
        &self.dialect
    }

    fn lock_name(&self) -> String {
        format!("reconcile:{} (advisory lock on {})", self.place, self.shown)
    }

    fn target(&self) -> String {
        self.target.clone()
    }

    fn created(&self) -> bool {
        self.created
    }

    fn note(&self) -> Option<String> {
        self.conn
            .is_none()
            .then(|| super::missing_note(&format!("the database of {}", self.shown), self.create))
    }

    async fn open_scratch(&mut self) -> Result<Self, Error> {
        self.scratch().await
    }

    async fn close_scratch(self) {
        self.close().await
    }

    async fn introspect(&mut self) -> Result<Schema, Error> {
        if self.conn.is_none() {
            return Ok(Schema::default());
        }
        self.queries += inspect::QUERIES - 1;
        let conn = self.conn()?;
        let rows = inspect::Rows::fetch(conn).await;
        let rows = rows.map_err(|e| Error::Database {
            what: "cannot read the database schema".into(),
            source: self.driver_error(e),
        })?;
        Ok(inspect::read(rows))
    }

    async fn lock(&mut self, timeout: Duration) -> Result<(), Error> {
        let lock = self.lock_name();
        let taken = if timeout.is_zero() {
            let conn = self.conn()?;
            let sql = format!("SELECT pg_try_advisory_lock({LOCK_KEY})");
            let got: Result<bool, _> = sqlx::query_scalar(AssertSqlSafe(sql))
                .fetch_one(&mut *conn)
                .await;
            got.map_err(|e| self.error("cannot take the apply lock", e))?
        } else {
            self.run("cannot take the apply lock", timeout_sql(timeout))
                .await?;
            let conn = self.conn()?;
            let sql = format!("SELECT pg_advisory_lock({LOCK_KEY})");
            match conn.execute(AssertSqlSafe(sql)).await {
                Ok(_) => true,
                Err(e) if code(&e) == Some(LOCK_NOT_AVAILABLE) => false,
                Err(e) => return Err(self.error("cannot take the apply lock", e)),
            }
        };
        if !taken {
            return Err(Error::Locked {
                lock,
                seconds: timeout.as_secs(),
            });
        }
        self.locked = true;
        self.run(
            "cannot set the statements' lock timeout",
            timeout_sql(self.statement_lock_timeout),
        )
        .await
    }

    async fn unlock(&mut self) -> Result<(), Error> {
        if !self.locked || self.conn.is_none() {
            return Ok(());
        }
        self.locked = false;
        self.run(
            "cannot release the apply lock",
            format!("SELECT pg_advisory_unlock({LOCK_KEY})"),
        )
        .await
    }

    async fn begin(&mut self) -> Result<(), Error> {
        self.run("cannot start the apply", "BEGIN".into()).await?;
        self.in_transaction = true;
        Ok(())
    }

    async fn commit(&mut self) -> Result<(), Error> {
        self.in_transaction = false;
        self.run("cannot commit", "COMMIT".into()).await
    }

    async fn rollback(&mut self) -> Result<(), Error> {
        self.in_transaction = false;
        self.run("cannot roll back", "ROLLBACK".into()).await
    }

    async fn execute(&mut self, sql: &str) -> Result<(), DriverError> {
        let conn = self.conn().map_err(|e| DriverError::new(e, ""))?;
        // Sent alone, through the extended protocol with an unnamed statement: the server
        // refuses a second command in it, so nothing can run but the statement shown.
        let result = sqlx::query(AssertSqlSafe(sql.to_string()))
            .persistent(false)
            .execute(&mut *conn)
            .await;
        result.map(|_| ()).map_err(|e| self.driver_error(e))
    }

    async fn count(&mut self, sql: &str) -> Result<i64, Error> {
        let conn = self.conn()?;
        let result = sqlx::query_scalar(AssertSqlSafe(sql.to_string()))
            .fetch_one(&mut *conn)
            .await;
        result.map_err(|e| Error::Database {
            what: format!("cannot count rows with `{sql}`"),
            source: self.driver_error(e),
        })
    }

    async fn estimates(&mut self, tables: &[&str]) -> Result<HashMap<String, Estimate>, Error> {
        let conn = self.conn()?;
        let rows: Vec<(String, Option<i64>, Option<i64>)> = sqlx::query_as(ESTIMATES)
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| Error::Database {
                what: "cannot read the tables' sizes from pg_class".into(),
                source: DriverError::new(e, ""),
            })?;
        Ok(rows
            .into_iter()
            .filter(|(name, ..)| tables.contains(&name.as_str()))
            // `reltuples` is -1 until the table is first vacuumed or analyzed: unknown.
            .map(|(name, rows, bytes)| (name, Estimate::from_catalog(rows, bytes)))
            .collect())
    }

    async fn text(&mut self, sql: &str) -> Result<Option<String>, Error> {
        let conn = self.conn()?;
        let result = sqlx::query_scalar::<_, Option<String>>(AssertSqlSafe(sql.to_string()))
            .fetch_optional(&mut *conn)
            .await;
        result
            .map(Option::flatten)
            .map_err(|e| self.error(format!("cannot read a sample with `{sql}`"), e))
    }

    /// The set-based count first; a cast that fails on some value raises a data exception
    /// (SQLSTATE class 22) and stops it, so then each row is checked on its own and a
    /// failing conversion counts as a lost value ([`values::per_row`]). Inside the plan's
    /// transaction both run under a savepoint, so that a failure does not abort it; `plan`'s
    /// read-only session allows both (a `DO` block that only reads, and `set_config`).
    async fn count_lossy(&mut self, lossy: &Lossy) -> Result<(i64, Option<String>), Error> {
        let guarded = self.in_transaction;
        if guarded {
            self.run(
                "cannot count lost values",
                "SAVEPOINT reconcile_values".into(),
            )
            .await?;
        }
        let result = self.count_lossy_unguarded(lossy).await;
        if guarded {
            let end = if result.is_ok() {
                "RELEASE SAVEPOINT reconcile_values"
            } else {
                "ROLLBACK TO SAVEPOINT reconcile_values"
            };
            self.run("cannot count lost values", end.into()).await?;
        }
        result
    }
}

impl PgDb {
    async fn count_lossy_unguarded(
        &mut self,
        lossy: &Lossy,
    ) -> Result<(i64, Option<String>), Error> {
        let sql = lossy.count_sql();
        let conn = self.conn()?;
        let set_based: Result<i64, sqlx::Error> = sqlx::query_scalar(AssertSqlSafe(sql.clone()))
            .fetch_one(&mut *conn)
            .await;
        match set_based {
            Ok(0) => return Ok((0, None)),
            Ok(rows) => {
                let sample = self.text(&lossy.sample_sql()).await?;
                return Ok((rows, sample));
            }
            Err(e) if !code(&e).is_some_and(|c| c.starts_with(DATA_EXCEPTION)) => {
                return Err(self.error(format!("cannot count rows with `{sql}`"), e));
            }
            Err(_) => {}
        }
        if self.in_transaction {
            // The failed count aborted the savepoint's work; start it again.
            self.run(
                "cannot count lost values",
                "ROLLBACK TO SAVEPOINT reconcile_values".into(),
            )
            .await?;
        }
        self.run(
            "cannot count lost values row by row",
            values::per_row(lossy),
        )
        .await?;
        let conn = self.conn()?;
        let result: Result<(String, String), sqlx::Error> = sqlx::query_as(values::PER_ROW_RESULT)
            .fetch_one(&mut *conn)
            .await;
        let (rows, sample) =
            result.map_err(|e| self.error("cannot read the row-by-row count", e))?;
        let rows = rows.parse().unwrap_or(0);
        Ok((rows, (rows > 0).then_some(sample)))
    }
}

/// Each table's estimated rows (`reltuples`, as of the last vacuum or analyze) and its size
/// with indexes and TOAST.
const ESTIMATES: &str = "SELECT c.relname::text, c.reltuples::bigint, pg_total_relation_size(c.oid) \
    FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')";

#[cfg(test)]
mod tests {
    use super::*;

    /// A statement of a plan that holds a second statement is refused by the server, and
    /// the second one never runs.
    #[test]
    fn a_second_statement_never_runs() {
        let Ok(base) = std::env::var("RECONCILE_TEST_POSTGRES_URL") else {
            eprintln!(
                "\n*** SKIPPED: PostgreSQL driver test: set RECONCILE_TEST_POSTGRES_URL ***\n"
            );
            return;
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let name = format!("rt_alone_{}", std::process::id());
        let url = format!("{}/{name}", base.trim_end_matches('/'));
        let settings = || Settings {
            statement_lock_timeout: Duration::from_secs(5),
            concurrent_indexes: false,
        };
        runtime.block_on(async {
            let mut db = PgDb::open(&url, Intent::Write, settings(), true)
                .await
                .unwrap();
            let two = "CREATE TABLE a (x INT); CREATE TABLE b (x INT)";
            assert!(db.execute(two).await.is_err(), "two statements ran");
            assert!(db.introspect().await.unwrap().tables.is_empty());
            db.execute("CREATE TABLE a (x INT)").await.unwrap();
            assert_eq!(db.introspect().await.unwrap().tables.len(), 1);
            let conn = db.conn.take();
            drop(conn);
            let admin = format!("{}/postgres", base.trim_end_matches('/'));
            let mut admin = PgDb::open(&admin, Intent::Write, settings(), true)
                .await
                .unwrap();
            admin
                .execute(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
                .await
                .unwrap();
        });
    }
}
