//! SQLite's scratch: a database in memory, with the session settings of every connection.

use sqlx::Connection as _;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

use super::{SqliteDb, strict_identifiers};
use crate::error::{DriverError, Error};

impl SqliteDb {
    /// A new, empty database in memory, gone when it is closed.
    pub(super) async fn scratch() -> Result<SqliteDb, Error> {
        let failed = |e: sqlx::Error| Error::Database {
            what: "cannot open a scratch database in memory".into(),
            source: DriverError::new(e, ""),
        };
        let options = SqliteConnectOptions::new()
            .in_memory(true)
            .foreign_keys(true);
        let mut conn = SqliteConnection::connect_with(&options)
            .await
            .map_err(failed)?;
        strict_identifiers(&mut conn).await.map_err(failed)?;
        Ok(SqliteDb {
            conn: Some(conn),
            shown: "the scratch database in memory".into(),
            locked: false,
            queries: 0,
            violations_before: Vec::new(),
            created: false,
            create: false,
        })
    }

    pub(super) async fn close(self) {
        if let Some(conn) = self.conn {
            let _ = conn.close().await;
        }
    }
}
