//! One small interface over the databases a data-driven test writes to: a SQLite file, or a
//! throwaway database on a real MariaDB or PostgreSQL server ([`super::TempDb`]). Scripts
//! run statement by statement on the simple (text) protocol, exactly as each database's own
//! client would send them, and rows come back as text: columns joined with `|`, NULL as
//! `NULL`. Everything is blocking, each call on its own connection.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use reconcile::dialect::Dialect;
use sqlx::{AssertSqlSafe, Connection, Executor, Row};

use super::{Server, TempDb};

/// A database that a test builds, changes and reads.
pub enum LiveDb {
    /// A SQLite file (created on first use).
    Sqlite(PathBuf),
    /// A database created for this test on a real server; dropped by [`LiveDb::close`].
    Server(TempDb),
}

/// Runs `future` to completion on a fresh single-threaded runtime.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(future)
}

impl LiveDb {
    /// A fresh database on `server` (whose base URL is `base`).
    pub fn on_server(server: Server, base: &str) -> LiveDb {
        LiveDb::Server(block_on(TempDb::create(server, base)))
    }

    /// The family of the database.
    pub fn dialect(&self) -> Dialect {
        match self {
            LiveDb::Sqlite(_) => Dialect::Sqlite,
            LiveDb::Server(db) => db.server.dialect(),
        }
    }

    /// The URL an environment file names for this database (SQLite: relative to `project`).
    pub fn environment_url(&self, project: &Path) -> String {
        match self {
            // SQLAlchemy's forms: `sqlite://rel` in the project, `sqlite:////abs` elsewhere.
            LiveDb::Sqlite(path) => match path.strip_prefix(project) {
                Ok(relative) => format!("sqlite://{}", relative.display()),
                Err(_) => format!("sqlite:///{}", path.display()),
            },
            LiveDb::Server(db) => db.url.clone(),
        }
    }

    /// An environment named `test` for this database (SQLite: relative to `project`) that
    /// allows destructive changes and waits 5 s for locks, as the live suites use it.
    pub fn environment(&self, project: &Path) -> reconcile::environment::Environment {
        reconcile::environment::Environment {
            name: "test".into(),
            url: reconcile::redact::SecretUrl::new(self.environment_url(project)),
            dialect: self.dialect(),
            allow_destructive: true,
            lock_timeout: 5,
            statement_lock_timeout: 5,
            statement_lock_retries: 3,
            connect_timeout: 10,
            concurrent_indexes: true,
            max_blocking_rows: None,
            lints: Default::default(),
            online_schema_change: None,
            create_database: true,
            scratch_url: None,
            notes: Vec::new(),
        }
    }

    /// Runs an SQL script: SQLite takes it whole; servers get one statement at a time
    /// (see [`split_statements`]). The first failure is returned with its statement.
    pub fn run_script(&self, script: &str) -> Result<(), String> {
        match self {
            LiveDb::Sqlite(path) => block_on(async {
                let mut c = sqlite(path, true).await?;
                sqlx::raw_sql(AssertSqlSafe(script.to_string()))
                    .execute(&mut c)
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("{e}\n{script}"))
            }),
            LiveDb::Server(_) => self.run(&split_statements(script)),
        }
    }

    /// Runs `statements` in order on one connection; the first failure is returned with the
    /// statement and its position.
    pub fn run(&self, statements: &[String]) -> Result<(), String> {
        async fn each<C: Connection>(mut c: C, statements: &[String]) -> Result<(), String>
        where
            for<'c> &'c mut C: Executor<'c>,
        {
            for (n, s) in statements.iter().enumerate() {
                sqlx::raw_sql(AssertSqlSafe(s.clone()))
                    .execute(&mut c)
                    .await
                    .map_err(|e| {
                        format!("statement {} of {}: {e}\n{s}", n + 1, statements.len())
                    })?;
            }
            Ok(())
        }
        block_on(async {
            match self {
                LiveDb::Sqlite(path) => each(sqlite(path, true).await?, statements).await,
                LiveDb::Server(db) => match db.server {
                    Server::Mysql | Server::Mysql8 => each(mysql(&db.url).await?, statements).await,
                    Server::Postgres => each(postgres(&db.url).await?, statements).await,
                },
            }
        })
    }

    /// SQLite only: runs `statements` as apply does, with foreign keys off inside one
    /// transaction, then commits only when `PRAGMA foreign_key_check` finds nothing (else
    /// rolls back and fails, naming the broken keys).
    pub fn sqlite_checked(&self, statements: &[String]) -> Result<(), String> {
        let LiveDb::Sqlite(path) = self else {
            return Err("sqlite_checked on a server".into());
        };
        block_on(async {
            let mut c = sqlite(path, true).await?;
            let run = |sql: String| sqlx::raw_sql(AssertSqlSafe(sql));
            run("PRAGMA foreign_keys = OFF; BEGIN".into())
                .execute(&mut c)
                .await
                .map_err(|e| e.to_string())?;
            for (n, s) in statements.iter().enumerate() {
                if let Err(e) = run(s.clone()).execute(&mut c).await {
                    let _ = run("ROLLBACK".into()).execute(&mut c).await;
                    return Err(format!(
                        "statement {} of {}: {e}\n{s}",
                        n + 1,
                        statements.len()
                    ));
                }
            }
            let broken = sqlx::query(AssertSqlSafe(
                "SELECT \"table\", parent FROM pragma_foreign_key_check".to_string(),
            ))
            .fetch_all(&mut c)
            .await
            .map_err(|e| e.to_string())?;
            let end = if broken.is_empty() {
                "COMMIT"
            } else {
                "ROLLBACK"
            };
            run(format!("{end}; PRAGMA foreign_keys = ON"))
                .execute(&mut c)
                .await
                .map_err(|e| e.to_string())?;
            if broken.is_empty() {
                Ok(())
            } else {
                let tables: Vec<String> =
                    broken.iter().map(|r| super::sqlite::text(r, 0)).collect();
                Err(format!(
                    "foreign key check failed (rolled back): {tables:?}"
                ))
            }
        })
    }

    /// Every row of `query` as text, columns joined with `|`, NULL as `NULL`.
    pub fn rows(&self, query: &str) -> Result<Vec<String>, String> {
        let query = AssertSqlSafe(query.to_string());
        let join = |cells: Vec<String>| cells.join("|");
        block_on(async {
            match self {
                LiveDb::Sqlite(path) => {
                    let mut c = sqlite(path, false).await?;
                    let rows = sqlx::query(query)
                        .fetch_all(&mut c)
                        .await
                        .map_err(|e| e.to_string())?;
                    Ok(rows
                        .iter()
                        .map(|r| join((0..r.len()).map(|i| super::sqlite::text(r, i)).collect()))
                        .collect())
                }
                // The simple protocol sends every value as text, whatever its type.
                LiveDb::Server(db) => match db.server {
                    Server::Mysql | Server::Mysql8 => {
                        let mut c = mysql(&db.url).await?;
                        let rows = sqlx::raw_sql(query)
                            .fetch_all(&mut c)
                            .await
                            .map_err(|e| e.to_string())?;
                        Ok(rows.iter().map(|r| join(text_cells(r))).collect())
                    }
                    Server::Postgres => {
                        let mut c = postgres(&db.url).await?;
                        let rows = sqlx::raw_sql(query)
                            .fetch_all(&mut c)
                            .await
                            .map_err(|e| e.to_string())?;
                        Ok(rows.iter().map(|r| join(text_cells(r))).collect())
                    }
                },
            }
        })
    }

    /// The single number `query` returns (a `SELECT COUNT(*)`).
    pub fn count(&self, query: &str) -> Result<i64, String> {
        let rows = self.rows(query)?;
        rows.first()
            .and_then(|r| r.parse().ok())
            .ok_or_else(|| format!("not a count: {rows:?}\n{query}"))
    }

    /// Removes a server database; a SQLite file goes with its folder.
    pub fn close(self) {
        if let LiveDb::Server(db) = self {
            block_on(db.drop_now());
        }
    }
}

/// The statements of an SQL script: split after each `;` that ends a line, with `--` comment
/// lines and blank lines dropped. Enough for test data; a `;` at the end of a line inside a
/// string literal would split it.
pub fn split_statements(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in script.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with("--") {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        if trimmed.ends_with(';') {
            let text = current.trim().trim_end_matches(';').trim().to_string();
            if !text.is_empty() {
                out.push(text);
            }
            current.clear();
        }
    }
    let rest = current.trim();
    if !rest.is_empty() {
        out.push(rest.to_string());
    }
    out
}

async fn sqlite(path: &Path, create: bool) -> Result<sqlx::SqliteConnection, String> {
    let mode = if create { "?mode=rwc" } else { "" };
    sqlx::SqliteConnection::connect(&format!("sqlite://{}{mode}", path.display()))
        .await
        .map_err(|e| format!("{}: {e}", path.display()))
}

// The test servers are local: their connections go without TLS, whose setup costs about
// 0.1 s a connection in a debug build (measured), several times what the work costs.

async fn mysql(url: &str) -> Result<sqlx::MySqlConnection, String> {
    let options = sqlx::mysql::MySqlConnectOptions::from_str(url)
        .map_err(|e| e.to_string())?
        .ssl_mode(sqlx::mysql::MySqlSslMode::Disabled);
    sqlx::MySqlConnection::connect_with(&options)
        .await
        .map_err(|e| e.to_string())
}

async fn postgres(url: &str) -> Result<sqlx::PgConnection, String> {
    let options = sqlx::postgres::PgConnectOptions::from_str(url)
        .map_err(|e| e.to_string())?
        .ssl_mode(sqlx::postgres::PgSslMode::Disable);
    sqlx::PgConnection::connect_with(&options)
        .await
        .map_err(|e| e.to_string())
}

/// Every value of a row that came back on the text protocol, as sent.
fn text_cells<R: Row>(row: &R) -> Vec<String>
where
    for<'r> Option<String>: sqlx::Decode<'r, R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    (0..row.len())
        .map(|i| {
            row.try_get_unchecked::<Option<String>, _>(i)
                .map_or_else(|e| format!("?{e}"), |v| v.unwrap_or_else(|| "NULL".into()))
        })
        .collect()
}
