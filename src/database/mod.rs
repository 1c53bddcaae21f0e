//! The only place that holds a connection. A [`Session`] owns a small runtime and one
//! connection, so that the lock, the transaction and every statement of an apply run on it.
//! Async stays inside this module.

mod sqlite;

use std::path::Path;

use crate::dialect::{self, Dialect};
use crate::environment::Environment;
use crate::error::Error;
use crate::plan::Plan;
use crate::redact::redact_url;
use crate::schema::Schema;

/// A connection to one environment's database.
pub struct Session {
    runtime: tokio::runtime::Runtime,
    db: Db,
    environment: String,
}

enum Db {
    Sqlite(sqlite::Sqlite),
}

impl Session {
    /// Connects to the environment's database (`sqlite://` paths are relative to `root`).
    pub fn open(env: &Environment, root: &Path) -> Result<Session, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Connect {
                url: env.url.to_string(),
                message: e.to_string(),
            })?;
        let db = match env.dialect {
            Dialect::Sqlite => Db::Sqlite(runtime.block_on(sqlite::Sqlite::open(
                env.url.expose(),
                root,
                env.lock_timeout,
            ))?),
            Dialect::Mysql | Dialect::Postgres => {
                return Err(Error::Usage(format!(
                    "live plans on {} are not available yet (environment `{}`, {}); `reconcile plan --dialect {}` prints the full DDL offline",
                    env.dialect,
                    env.name,
                    redact_url(env.url.expose()),
                    env.dialect
                )));
            }
        };
        Ok(Session {
            runtime,
            db,
            environment: env.name.clone(),
        })
    }

    /// The database's schema in the portable model, leaving out tables matched by `ignore`.
    pub fn introspect(&mut self, ignore: &[String]) -> Result<Schema, Error> {
        let mut schema = match &mut self.db {
            Db::Sqlite(db) => self.runtime.block_on(db.introspect())?,
        };
        schema
            .tables
            .retain(|t| !ignore.iter().any(|p| crate::schema::glob_match(p, &t.name)));
        Ok(schema)
    }

    /// The plan that makes the database match `schema`.
    pub fn plan(&mut self, schema: &Schema) -> Result<Plan, Error> {
        let dialect = self.dialect();
        let desired = dialect::resolve(schema, dialect);
        let actual = self.introspect(&schema.ignore)?;
        let changes = crate::diff::diff(&actual, &desired, dialect)?;
        let mut plan = Plan::new(&self.environment, dialect, changes, &desired)?;
        plan.unmanaged = actual
            .unmanaged
            .iter()
            .map(|u| format!("{} `{}`", u.kind, u.name))
            .collect();
        Ok(plan)
    }

    /// Runs `plan`: lock, one transaction, preflight checks, every statement, commit.
    pub fn apply(&mut self, plan: &Plan, lock_timeout: u64) -> Result<(), Error> {
        match &mut self.db {
            Db::Sqlite(db) => self.runtime.block_on(db.apply(plan, lock_timeout)),
        }
    }

    fn dialect(&self) -> Dialect {
        match self.db {
            Db::Sqlite(_) => Dialect::Sqlite,
        }
    }
}
