//! MySQL's and MariaDB's scratch: a database of its own on the same server, with the
//! target database's character set and collation (what its tables inherit) and the session
//! settings of every connection, dropped when it is closed.
//!
//! A run killed midway leaves its scratch behind. Each scratch is held by a named lock of
//! its own name, taken before the database is created and freed by the server when the
//! connection ends; a later scratch drops every leftover whose lock is free, and never one
//! that another run is using.

use sqlx::mysql::MySqlConnection;
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
    /// A second connection, to a new, empty database.
    pub(super) async fn scratch(&mut self) -> Result<MysqlDb, Error> {
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
        let mut db = MysqlDb {
            conn: Some(conn),
            target: format!("{} (scratch `{name}`)", self.target),
            options: Box::new(self.options.clone().database(&name)),
            dialect: Mysql::OFFLINE,
            lock: lock_name(&name),
            shown: format!("the scratch database `{name}`"),
            database: name,
            locked: false,
            statement_lock_timeout: self.statement_lock_timeout,
            queries: 0,
            created: false,
            create: false,
        };
        if let Err(e) = db.start_session("").await {
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

    /// Drops the scratch database and disconnects (which frees its lock).
    pub(super) async fn close(mut self) {
        if let Some(mut conn) = self.conn.take() {
            let drop = format!("DROP DATABASE IF EXISTS `{}`", self.database);
            let _ = conn.execute(AssertSqlSafe(drop)).await;
            let _ = conn.close().await;
        }
    }
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
