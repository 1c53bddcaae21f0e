//! PostgreSQL's scratch: a schema of its own on a second connection to the same database,
//! created inside a transaction that is always rolled back, so that nothing of it is ever
//! committed (a killed run leaves nothing behind). It comes first on the search path, so
//! that the plan's unqualified statements create their objects there and `introspect`
//! (which reads `current_schema()`) reads them back; the rest of the path stays behind it,
//! for the types and functions the statements name. A user who may not create a schema in
//! the target database names another database (`scratch-url`); the scratch schema is then
//! opened there, the same way.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{AssertSqlSafe, Connection as _};

use super::{PgDb, timeout_sql};
use crate::error::{DriverError, Error};

impl PgDb {
    /// A second connection, in a transaction, whose current schema is a new, empty one.
    pub(super) async fn scratch(&mut self) -> Result<PgDb, Error> {
        let url = self.scratch_url.clone().unwrap_or_else(|| self.url.clone());
        let shown = crate::redact::redact_url(&url);
        let connect = |e: sqlx::Error| Error::Connect {
            url: shown.clone(),
            source: DriverError::new(e, &url),
        };
        let options = PgConnectOptions::from_str(&url).map_err(connect)?;
        let conn = PgConnection::connect_with(&options)
            .await
            .map_err(connect)?;
        let name = crate::database::scratch::name();
        let mut db = PgDb {
            conn: Some(conn),
            url: url.clone(),
            shown: format!("the scratch schema `{name}` of {shown}"),
            place: format!("{}:{name}", self.place),
            target: format!("{} ({name})", self.target),
            dialect: crate::dialect::postgres::Postgres {
                concurrent_indexes: self.dialect.concurrent_indexes,
            },
            statement_lock_timeout: self.statement_lock_timeout,
            queries: 0,
            locked: false,
            in_transaction: false,
            created: false,
            create: false,
            scratch_url: None,
        };
        let what = "cannot open a scratch schema";
        db.run(what, timeout_sql(self.statement_lock_timeout))
            .await?;
        let path = db
            .text_of("SHOW search_path")
            .await?
            .unwrap_or_else(|| "public".into());
        db.run(what, "BEGIN".into()).await?;
        db.in_transaction = true;
        db.run(what, format!("CREATE SCHEMA \"{name}\"")).await?;
        // The server's own text of the path, put back behind the scratch.
        db.run(what, format!("SET LOCAL search_path = \"{name}\", {path}"))
            .await?;
        Ok(db)
    }

    /// Rolls the scratch's transaction back (its schema with it) and disconnects.
    pub(super) async fn close(mut self) {
        if let Some(mut conn) = self.conn.take() {
            if self.in_transaction {
                let _ =
                    sqlx::Executor::execute(&mut conn, AssertSqlSafe("ROLLBACK".to_string())).await;
            }
            let _ = conn.close().await;
        }
    }

    async fn text_of(&mut self, sql: &'static str) -> Result<Option<String>, Error> {
        let conn = self.conn()?;
        let value: Result<Option<String>, _> =
            sqlx::query_scalar(sql).fetch_optional(&mut *conn).await;
        value.map_err(|e| self.error("cannot read the search path", e))
    }
}
