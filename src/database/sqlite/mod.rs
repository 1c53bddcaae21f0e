//! SQLite, live: one connection to a file. The apply lock is SQLite's write lock
//! (`BEGIN IMMEDIATE`, waiting `busy_timeout`), taken with foreign keys off so that a table
//! rebuild keeps its children (<https://www.sqlite.org/lang_altertable.html#otheralter>);
//! the plan's statements run in a savepoint inside it, and `PRAGMA foreign_key_check` must
//! pass before the commit.

mod create_sql;
mod inspect;
mod scratch;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{AssertSqlSafe, Connection as _, Executor};

use super::Intent;
use super::connection::Connection;
use crate::dialect::sqlite::Sqlite;
use crate::dialect::{Estimate, SqlDialect};
use crate::error::{DriverError, Error};
use crate::schema::Schema;
use crate::target::SqliteFile;

/// One SQLite database file, or one that does not exist yet.
pub struct SqliteDb {
    /// `None` when a read-only command found no file: the database is empty.
    conn: Option<SqliteConnection>,
    /// The file's absolute path (or `:memory:`), for messages and saved plans.
    shown: String,
    locked: bool,
    queries: usize,
    /// Rows that broke foreign keys before the apply began: only new ones fail it.
    violations_before: Vec<Violation>,
    /// Whether opening it created the file, and whether apply may.
    created: bool,
    create: bool,
}

/// One row of `PRAGMA foreign_key_check`: the table, the row, the parent it lacks.
type Violation = (String, Option<i64>, String);

const FOREIGN_KEY_CHECK: &str = "SELECT \"table\", rowid, parent FROM pragma_foreign_key_check";

/// The file a `sqlite://` URL names ([`crate::target::sqlite_file`]), or `None` for a
/// database in memory.
fn file_of(url: &str, root: &Path) -> Result<Option<PathBuf>, Error> {
    match crate::target::sqlite_file(url, root) {
        Ok(SqliteFile::Path(path)) => Ok(Some(path)),
        Ok(SqliteFile::Memory) => Ok(None),
        Err(what) => Err(Error::Unsupported {
            what,
            help: "write `url \"sqlite:///dev.db\"` (relative to the project folder) or `url \"sqlite:////srv/app/dev.db\"` (absolute)".into(),
        }),
    }
}

impl SqliteDb {
    /// Opens the file of `url`: read-only for [`Intent::Read`] (a missing file is an empty
    /// database), created if missing for [`Intent::Write`] when `create` allows
    /// ([`Error::WontCreate`] otherwise). Messages show the file's absolute path.
    pub async fn open(
        url: &str,
        root: &Path,
        intent: Intent,
        busy: Duration,
        create: bool,
    ) -> Result<SqliteDb, Error> {
        let Some(path) = file_of(url, root)? else {
            if intent == Intent::Write {
                return Err(Error::Unsupported {
                    what: "`sqlite://:memory:` is a database that ends with the command".into(),
                    help: "apply to a file: `url \"sqlite:///dev.db\"`".into(),
                });
            }
            return Self::connect(Path::new(":memory:"), ":memory:".into(), intent, busy, true)
                .await;
        };
        let shown = SqliteFile::Path(path.clone()).shown();
        let exists = path.exists();
        match intent {
            Intent::Inspect if !exists => Err(Error::NoDatabase { path: shown }),
            Intent::Read if !exists => Ok(SqliteDb {
                conn: None,
                shown,
                locked: false,
                queries: 0,
                violations_before: Vec::new(),
                created: false,
                create,
            }),
            Intent::Write if !exists && !create => Err(Error::WontCreate {
                what: format!("the SQLite file {shown}"),
                file: String::new(),
            }),
            _ => {
                let mut db = Self::connect(&path, shown, intent, busy, false).await?;
                db.created = !exists;
                db.create = create;
                Ok(db)
            }
        }
    }

    /// Connects to the file at `path` (created for [`Intent::Write`]).
    async fn connect(
        path: &Path,
        shown: String,
        intent: Intent,
        busy: Duration,
        memory: bool,
    ) -> Result<SqliteDb, Error> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(intent == Intent::Write)
            .read_only(intent != Intent::Write && !memory)
            .foreign_keys(true)
            .busy_timeout(busy);
        let connect = |e: sqlx::Error| Error::Connect {
            url: shown.clone(),
            source: DriverError::new(e, ""),
        };
        let mut conn = SqliteConnection::connect_with(&options)
            .await
            .map_err(connect)?;
        strict_identifiers(&mut conn).await.map_err(connect)?;
        Ok(SqliteDb {
            conn: Some(conn),
            shown,
            locked: false,
            queries: 0,
            violations_before: Vec::new(),
            created: false,
            create: false,
        })
    }

    /// How many queries this connection has run (introspection runs a fixed number).
    pub fn queries(&self) -> usize {
        self.queries
    }

    fn conn(&mut self) -> Result<&mut SqliteConnection, Error> {
        self.queries += 1;
        self.conn.as_mut().ok_or_else(|| Error::NoDatabase {
            path: self.shown.clone(),
        })
    }

    async fn violations(&mut self) -> Result<Vec<Violation>, Error> {
        let conn = self.conn()?;
        sqlx::query_as(FOREIGN_KEY_CHECK)
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| Error::Database {
                what: "cannot check foreign keys".into(),
                source: DriverError::new(e, ""),
            })
    }

    async fn run(&mut self, what: &str, sql: &'static str) -> Result<(), Error> {
        let conn = self.conn()?;
        conn.execute(sql)
            .await
            .map(|_| ())
            .map_err(|e| Error::Database {
                what: what.to_string(),
                source: DriverError::new(e, ""),
            })
    }
}

/// Turns off SQLite's double-quoted string fallback on `conn`, so that a name that is not a
/// column is an error, never the string it spells
/// (<https://www.sqlite.org/quirks.html#dblquote>).
async fn strict_identifiers(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    use libsqlite3_sys::{SQLITE_DBCONFIG_DQS_DDL, SQLITE_DBCONFIG_DQS_DML, SQLITE_OK};
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    for option in [SQLITE_DBCONFIG_DQS_DML, SQLITE_DBCONFIG_DQS_DDL] {
        // SAFETY: `db` is the open handle, locked for this call; the option takes an int
        // (0: off) and a nullable pointer for the previous value.
        let rc = unsafe {
            libsqlite3_sys::sqlite3_db_config(
                db,
                option,
                0 as std::ffi::c_int,
                std::ptr::null_mut::<std::ffi::c_int>(),
            )
        };
        if rc != SQLITE_OK {
            return Err(sqlx::Error::Protocol(format!(
                "sqlite3_db_config({option}) returned {rc}"
            )));
        }
    }
    Ok(())
}

impl Connection for SqliteDb {
    fn dialect(&self) -> &dyn SqlDialect {
        &Sqlite
    }

    fn lock_name(&self) -> String {
        format!("the write lock of {}", self.shown)
    }

    fn target(&self) -> String {
        self.shown.clone()
    }

    fn created(&self) -> bool {
        self.created
    }

    fn note(&self) -> Option<String> {
        self.conn
            .is_none()
            .then(|| super::missing_note(&format!("the SQLite file {}", self.shown), self.create))
    }

    async fn open_scratch(&mut self) -> Result<Self, Error> {
        SqliteDb::scratch().await
    }

    async fn close_scratch(self) {
        self.close().await
    }

    async fn introspect(&mut self) -> Result<Schema, Error> {
        if self.conn.is_none() {
            return Ok(Schema::default());
        }
        let mut rows: [Vec<sqlx::sqlite::SqliteRow>; 5] = Default::default();
        for (i, query) in inspect::QUERIES.iter().enumerate() {
            let conn = self.conn()?;
            rows[i] = sqlx::query(*query)
                .fetch_all(&mut *conn)
                .await
                .map_err(|e| Error::Database {
                    what: "cannot read the database schema".into(),
                    source: DriverError::new(e, ""),
                })?;
        }
        Ok(inspect::read(rows))
    }

    async fn lock(&mut self, timeout: Duration) -> Result<(), Error> {
        self.run(
            "cannot turn foreign keys off for the apply",
            "PRAGMA foreign_keys = OFF",
        )
        .await?;
        let lock = self.lock_name();
        let conn = self.conn()?;
        match conn.execute("BEGIN IMMEDIATE").await {
            Ok(_) => {
                self.locked = true;
                self.violations_before = self.violations().await?;
                Ok(())
            }
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("5") => {
                let _ = conn.execute("PRAGMA foreign_keys = ON").await;
                Err(Error::Locked {
                    lock,
                    seconds: timeout.as_secs(),
                })
            }
            Err(e) => Err(Error::Database {
                what: "cannot start the apply".into(),
                source: DriverError::new(e, ""),
            }),
        }
    }

    async fn unlock(&mut self) -> Result<(), Error> {
        if self.conn.is_none() {
            return Ok(());
        }
        if self.locked {
            self.locked = false;
            self.run("cannot end the apply", "ROLLBACK").await?;
        }
        self.run(
            "cannot turn foreign keys back on",
            "PRAGMA foreign_keys = ON",
        )
        .await
    }

    async fn begin(&mut self) -> Result<(), Error> {
        self.run("cannot start the apply", "SAVEPOINT reconcile_apply")
            .await
    }

    async fn commit(&mut self) -> Result<(), Error> {
        let mut violations = self.violations().await?;
        violations.retain(|v| !self.violations_before.contains(v));
        if let Some((table, rowid, parent)) = violations.first() {
            let row = rowid.map_or_else(|| "a row".to_string(), |r| format!("rowid {r}"));
            return Err(Error::ForeignKeyViolations {
                count: violations.len(),
                first: format!("{row} of `{table}` has no parent in `{parent}`"),
            });
        }
        self.run("cannot commit", "RELEASE reconcile_apply").await?;
        self.run("cannot commit", "COMMIT").await?;
        self.locked = false;
        Ok(())
    }

    async fn rollback(&mut self) -> Result<(), Error> {
        self.run("cannot roll back", "ROLLBACK TO reconcile_apply")
            .await?;
        self.run("cannot roll back", "RELEASE reconcile_apply")
            .await
    }

    async fn execute(&mut self, sql: &str) -> Result<(), DriverError> {
        let conn = self.conn().map_err(|e| DriverError::new(e, ""))?;
        // Not prepared and cached: a plan's statements run once each.
        sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
            .execute(&mut *conn)
            .await
            .map(|_| ())
            .map_err(|e| DriverError::new(e, ""))
    }

    /// One script for the batch, inside a savepoint; when it fails, the batch is rolled back
    /// and run again one statement at a time to name the one that fails.
    async fn execute_all(&mut self, statements: &[&str]) -> Result<(), (usize, DriverError)> {
        let script = format!(
            "SAVEPOINT reconcile_batch;\n{};\nRELEASE reconcile_batch",
            statements.join(";\n")
        );
        let conn = self.conn().map_err(|e| (0, DriverError::new(e, "")))?;
        if sqlx::raw_sql(AssertSqlSafe(script))
            .execute(&mut *conn)
            .await
            .is_ok()
        {
            return Ok(());
        }
        let undo = "ROLLBACK TO reconcile_batch; RELEASE reconcile_batch";
        if let Err(e) = sqlx::raw_sql(undo).execute(&mut *conn).await {
            return Err((0, DriverError::new(e, "")));
        }
        for (i, sql) in statements.iter().enumerate() {
            self.execute(sql).await.map_err(|e| (i, e))?;
        }
        Ok(())
    }

    async fn count(&mut self, sql: &str) -> Result<i64, Error> {
        let conn = self.conn()?;
        sqlx::query_scalar(AssertSqlSafe(sql.to_string()))
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| Error::Database {
                what: format!("cannot count rows with `{sql}`"),
                source: DriverError::new(e, ""),
            })
    }

    async fn estimates(&mut self, tables: &[&str]) -> Result<HashMap<String, Estimate>, Error> {
        // A file on this machine: the rows are counted, the bytes read from `dbstat` where
        // the library has it.
        let mut out = HashMap::new();
        for table in tables {
            let quoted = self.dialect().quote(table);
            let conn = self.conn()?;
            let rows: Result<i64, _> =
                sqlx::query_scalar(AssertSqlSafe(format!("SELECT count(*) FROM {quoted}")))
                    .fetch_one(&mut *conn)
                    .await;
            let Ok(rows) = rows else {
                continue;
            };
            let bytes: Option<i64> =
                sqlx::query_scalar("SELECT sum(pgsize) FROM dbstat WHERE name = ?1")
                    .bind(*table)
                    .fetch_one(&mut *conn)
                    .await
                    .ok()
                    .flatten();
            out.insert(table.to_string(), Estimate::from_catalog(Some(rows), bytes));
        }
        Ok(out)
    }

    async fn text(&mut self, sql: &str) -> Result<Option<String>, Error> {
        let conn = self.conn()?;
        sqlx::query_scalar::<_, Option<String>>(AssertSqlSafe(sql.to_string()))
            .fetch_optional(&mut *conn)
            .await
            .map(Option::flatten)
            .map_err(|e| Error::Database {
                what: format!("cannot read a sample with `{sql}`"),
                source: DriverError::new(e, ""),
            })
    }
}
