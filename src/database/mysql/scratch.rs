//! MySQL's and MariaDB's scratch: a database of its own on the same server, with the
//! target database's character set and collation (what its tables inherit) and the session
//! settings of every connection, dropped when it is closed.
//!
//! A run killed midway leaves its scratch behind. Each scratch is held by a named lock of
//! its own name, taken before the database is created and freed by the server when the
//! connection ends; a later scratch drops every leftover whose lock is free, and never one
//! that another run is using.
//!
//! A user without the right to create databases names one in the environment
//! (`scratch-url`). That database must be empty, as Atlas asks of its dev database: the
//! scratch creates its tables there under the same kind of lock (a second run waits for
//! it) and drops them when it closes. A database that holds tables is refused with their
//! names, so a `scratch-url` pointing at real data by mistake loses nothing.

use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sqlx::{AssertSqlSafe, Connection as _, Executor};

use super::{MysqlDb, lock_name};
use crate::dialect::mysql::Mysql;
use crate::error::{DriverError, Error};

/// The scratch databases on the server, whoever made them.
const SCRATCHES: &str = "SELECT CAST(SCHEMA_NAME AS CHAR) FROM information_schema.SCHEMATA \
    WHERE SCHEMA_NAME LIKE 'reconcile\\_scratch\\_%'";

/// ER_NO_SUCH_TABLE.
const NO_SUCH_TABLE: u16 = 1146;

impl MysqlDb {
    /// A second connection, to a new, empty database (or to the `scratch-url` one).
    pub(super) async fn scratch(&mut self) -> Result<MysqlDb, Error> {
        if let Some(url) = self.scratch_url.clone() {
            return self.borrowed_scratch(&url).await;
        }
        let name = crate::database::scratch::name();
        let failed = |e: sqlx::Error| Error::Database {
            what: format!("cannot create the scratch database `{name}`"),
            source: DriverError::new(e, ""),
        };
        let mut conn = MySqlConnection::connect_with(&self.options.as_ref().clone().database(""))
            .await
            .map_err(failed)?;
        let held: Option<i64> = sqlx::query_scalar("SELECT GET_LOCK(?, 0)")
            .bind(&name)
            .fetch_one(&mut conn)
            .await
            .map_err(failed)?;
        if held != Some(1) {
            return Err(failed(sqlx::Error::Protocol(format!(
                "the lock `{name}` is taken"
            ))));
        }
        drop_leftovers(&mut conn).await.map_err(failed)?;
        let mut create = format!("CREATE DATABASE `{name}`");
        if let Some(defaults) = &self.dialect.database {
            create.push_str(&format!(
                " CHARACTER SET {} COLLATE {}",
                defaults.charset, defaults.collation
            ));
        }
        conn.execute(AssertSqlSafe(create)).await.map_err(failed)?;
        conn.execute(AssertSqlSafe(format!("USE `{name}`")))
            .await
            .map_err(failed)?;
        let options = self.options.as_ref().clone().database(&name);
        let lock = lock_name(&name);
        self.session_on(conn, options, name, lock, false, "").await
    }

    /// The scratch in the empty database `url` names (`scratch-url`), held by a lock while
    /// it is in use.
    async fn borrowed_scratch(&mut self, url: &str) -> Result<MysqlDb, Error> {
        let (options, name) = super::connect_options(url)?;
        let failed = |e: sqlx::Error| Error::Database {
            what: format!("cannot use the scratch database `{name}` (scratch-url)"),
            source: DriverError::new(e, url),
        };
        let refused = |why: String| Error::Unsupported {
            what: format!("the scratch database `{name}` (scratch-url) {why}"),
            help: "point `scratch-url` at an empty database that only reconcile uses".into(),
        };
        if options.get_host() == self.options.get_host()
            && options.get_port() == self.options.get_port()
            && name == self.database
        {
            return Err(refused("is the target database itself".into()));
        }
        let mut conn = MySqlConnection::connect_with(&options)
            .await
            .map_err(failed)?;
        let lock = lock_name(&format!("scratch {name}"));
        let held: Option<i64> = sqlx::query_scalar("SELECT GET_LOCK(?, ?)")
            .bind(&lock)
            .bind(BORROWED_WAIT_SECONDS)
            .fetch_one(&mut conn)
            .await
            .map_err(failed)?;
        if held != Some(1) {
            let _ = conn.close().await;
            return Err(refused(format!(
                "is in use by another run (waited {BORROWED_WAIT_SECONDS} s for its lock)"
            )));
        }
        let tables: Vec<String> = objects(&mut conn)
            .await
            .map_err(failed)?
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        if !tables.is_empty() {
            let _ = conn.close().await;
            let mut names: Vec<String> = tables.iter().take(5).map(|t| format!("`{t}`")).collect();
            if tables.len() > 5 {
                names.push(format!("and {} more", tables.len() - 5));
            }
            return Err(refused(format!(
                "is not empty: it holds {} table(s) ({}); a run killed midway leaves its tables there, to be dropped by hand",
                tables.len(),
                names.join(", ")
            )));
        }
        // The target's character set and collation, which its tables inherit.
        if let Some(defaults) = &self.dialect.database {
            let alter = format!(
                "ALTER DATABASE `{}` CHARACTER SET {} COLLATE {}",
                name.replace('`', "``"),
                defaults.charset,
                defaults.collation
            );
            conn.execute(AssertSqlSafe(alter)).await.map_err(failed)?;
        }
        self.session_on(conn, options, name, lock, true, url).await
    }

    /// The scratch on `conn`, connected to the database `name` with `lock` held, its session
    /// set up as the target's; `borrowed` when the database is the `scratch-url` one.
    async fn session_on(
        &self,
        conn: MySqlConnection,
        options: MySqlConnectOptions,
        name: String,
        lock: String,
        borrowed: bool,
        url: &str,
    ) -> Result<MysqlDb, Error> {
        let mut db = MysqlDb {
            conn: Some(conn),
            target: format!("{} (scratch `{name}`)", self.target),
            options: Box::new(options),
            dialect: Mysql::OFFLINE,
            lock,
            shown: format!("the scratch database `{name}`"),
            database: name,
            locked: false,
            statement_lock_timeout: self.statement_lock_timeout,
            queries: 0,
            created: false,
            create: false,
            scratch_url: None,
            borrowed,
            url: crate::redact::SecretUrl::new(url.to_string()),
        };
        if let Err(e) = db.start_session(url).await {
            db.close().await;
            return Err(e);
        }
        Ok(db)
    }

    /// `SHOW CREATE TABLE` of `table`, or `None` when there is none.
    pub(super) async fn create_table_sql(&mut self, table: &str) -> Result<Option<String>, Error> {
        let sql = format!("SHOW CREATE TABLE `{}`", table.replace('`', "``"));
        let conn = self.conn()?;
        let row: Result<(String, String), _> = sqlx::query_as(AssertSqlSafe(sql))
            .fetch_one(&mut *conn)
            .await;
        match row {
            Ok((_, create)) => Ok(Some(create)),
            Err(e) if super::number(&e) == Some(NO_SUCH_TABLE) => Ok(None),
            Err(e) => Err(Error::Database {
                what: format!("cannot read how `{table}` is created"),
                source: DriverError::new(e, ""),
            }),
        }
    }

    /// Drops the scratch database (a borrowed one: the tables made in it) and disconnects,
    /// which frees its lock.
    pub(super) async fn close(mut self) {
        if let Some(mut conn) = self.conn.take() {
            if self.borrowed {
                let _ = empty(&mut conn).await;
            } else {
                let drop = format!("DROP DATABASE IF EXISTS `{}`", self.database);
                let _ = conn.execute(AssertSqlSafe(drop)).await;
            }
            let _ = conn.close().await;
        }
    }
}

/// Seconds a run waits for another run to finish with the `scratch-url` database.
const BORROWED_WAIT_SECONDS: i64 = 30;

/// The tables and views of the connection's database, by name, with their kind.
async fn objects(conn: &mut MySqlConnection) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT CAST(TABLE_NAME AS CHAR), CAST(TABLE_TYPE AS CHAR) FROM information_schema.TABLES \
         WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME",
    )
    .fetch_all(&mut *conn)
    .await
}

/// Drops the views and tables of the connection's database (a borrowed scratch, which was
/// empty when it was taken).
async fn empty(conn: &mut MySqlConnection) -> Result<(), sqlx::Error> {
    let objects = objects(conn).await?;
    conn.execute("SET SESSION FOREIGN_KEY_CHECKS = 0").await?;
    for (name, kind) in objects {
        let what = if kind == "VIEW" { "VIEW" } else { "TABLE" };
        let drop = format!("DROP {what} IF EXISTS `{}`", name.replace('`', "``"));
        conn.execute(AssertSqlSafe(drop)).await?;
    }
    Ok(())
}

/// Drops the scratch databases no connection holds: what killed runs left.
async fn drop_leftovers(conn: &mut MySqlConnection) -> Result<(), sqlx::Error> {
    let names: Vec<String> = sqlx::query_scalar(SCRATCHES).fetch_all(&mut *conn).await?;
    for name in names {
        let free: Option<i64> = sqlx::query_scalar("SELECT IS_FREE_LOCK(?)")
            .bind(&name)
            .fetch_one(&mut *conn)
            .await?;
        if free == Some(1) {
            let drop = format!("DROP DATABASE IF EXISTS `{}`", name.replace('`', "``"));
            conn.execute(AssertSqlSafe(drop)).await?;
        }
    }
    Ok(())
}
