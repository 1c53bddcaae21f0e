//! The one trait every database driver implements. The apply orchestrator
//! ([`super::apply`]) and the live plan are written once against it.

use std::collections::HashMap;
use std::time::Duration;

use crate::dialect::SqlDialect;
use crate::dialect::{Estimate, Lossy};
use crate::error::{DriverError, Error};
use crate::schema::Schema;

/// A live connection to one database, held for a whole command so that the lock, the
/// transaction and every statement run on it. Drivers run on one thread, so the futures
/// need not be `Send`.
#[allow(async_fn_in_trait)]
pub trait Connection {
    /// The dialect of the server this connection reached (with its flavor and version).
    fn dialect(&self) -> &dyn SqlDialect;

    /// The name of the lock `apply` takes, for messages.
    fn lock_name(&self) -> String;

    /// The database this connection reached, without user or password (`host:port/db`,
    /// a file's absolute path): what a saved plan is bound to.
    fn target(&self) -> String;

    /// A fact about the database worth a line above a plan (it does not exist yet).
    fn note(&self) -> Option<String> {
        None
    }

    /// Whether opening the connection created the database (`create-database`).
    fn created(&self) -> bool {
        false
    }

    /// Every table in the portable model, in the database's terms, plus what is left alone.
    async fn introspect(&mut self) -> Result<Schema, Error>;

    /// Opens a scratch: a connection of the same kind to an empty place on the same server
    /// with the same session settings (SQLite: a database in memory; PostgreSQL: a schema
    /// in a transaction that is rolled back; MySQL: a database of its own), where desired
    /// objects are created and read back through [`Connection::introspect`]. Fails when the
    /// server gives none (no right to create a database or a schema).
    async fn open_scratch(&mut self) -> Result<Self, Error>
    where
        Self: Sized;

    /// The statement that creates `table` as the database holds it, in the server's own
    /// words (MySQL's `SHOW CREATE TABLE`), or `None` when there is no such table: what
    /// the proof copies into a scratch ([`super::proof`]). Only needed where DDL is not
    /// transactional; elsewhere there is nothing to prove and this is `None`.
    async fn structure_sql(&mut self, _table: &str) -> Result<Option<String>, Error> {
        Ok(None)
    }

    /// Drops the scratch this connection holds, and disconnects.
    async fn close_scratch(self)
    where
        Self: Sized;

    /// Takes the apply lock, waiting at most `timeout`; [`Error::Locked`] on a timeout.
    async fn lock(&mut self, timeout: Duration) -> Result<(), Error>;

    /// Releases the apply lock (a no-op when it is not held).
    async fn unlock(&mut self) -> Result<(), Error>;

    /// Starts the transaction the plan's statements run in (transactional DDL only).
    async fn begin(&mut self) -> Result<(), Error>;

    /// Commits, after the checks the database needs (SQLite: foreign keys).
    async fn commit(&mut self) -> Result<(), Error>;

    /// Rolls the transaction back.
    async fn rollback(&mut self) -> Result<(), Error>;

    /// Runs one statement of a plan.
    async fn execute(&mut self, sql: &str) -> Result<(), DriverError>;

    /// Runs `statements` in order inside the open transaction; on a failure, the index of
    /// the statement that failed and the driver's error. One by one unless the driver can
    /// send them together (SQLite saves a round trip to its worker thread per statement).
    async fn execute_all(&mut self, statements: &[&str]) -> Result<(), (usize, DriverError)> {
        for (i, sql) in statements.iter().enumerate() {
            self.execute(sql).await.map_err(|e| (i, e))?;
        }
        Ok(())
    }

    /// The catalog's estimate of the size of each of `tables` it knows (statistics, which a
    /// server may keep stale: for showing, never for deciding).
    async fn estimates(&mut self, tables: &[&str]) -> Result<HashMap<String, Estimate>, Error>;

    /// Carries out `sql`, an `ALTER TABLE` that would copy its table under a lock, with the
    /// online schema change tool `tool` instead (`pt-online-schema-change`: a shadow table
    /// kept in step by triggers, then swapped), passing each line the tool prints to
    /// `report`. Only MySQL and MariaDB can; elsewhere an error.
    async fn hand_off(
        &mut self,
        tool: &str,
        _sql: &str,
        _report: &mut dyn FnMut(&str),
    ) -> Result<(), DriverError> {
        Err(DriverError::new(
            format!("`{tool}` works on MySQL and MariaDB only"),
            "",
        ))
    }

    /// Runs `SELECT COUNT(*) ...` and returns the count.
    async fn count(&mut self, sql: &str) -> Result<i64, Error>;

    /// Runs a query of one text column and returns its first value (`None` without rows).
    async fn text(&mut self, sql: &str) -> Result<Option<String>, Error>;

    /// Counts the values `lossy` finds, with one of them as text when there are any. A
    /// driver whose conversions can fail inside the condition counts such a value as lost
    /// instead of failing (PostgreSQL).
    async fn count_lossy(&mut self, lossy: &Lossy) -> Result<(i64, Option<String>), Error> {
        let rows = self.count(&lossy.count_sql()).await?;
        let sample = if rows > 0 {
            self.text(&lossy.sample_sql()).await?
        } else {
            None
        };
        Ok((rows, sample))
    }
}
