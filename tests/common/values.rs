//! One column, changed from one type to another on a live database, with the values it
//! held before and after: what `tests/value_safety.rs` and `tests/value_properties.rs`
//! share. A test makes a [`Column`] database per server, then per case: table `t` with
//! `id` and a nullable `v` of the old type (created by reconcile itself, so the type is
//! what the tool makes of it), rows inserted, the change planned and applied through the
//! library, the values read back as the server prints them.

use reconcile::database::{Intent, Session};
use reconcile::dialect::Dialect;
use reconcile::environment::Environment;
use reconcile::plan::Plan;
use reconcile::project::schema_from_source;
use reconcile::redact::SecretUrl;
use reconcile::schema::Schema;

use super::Server;
use super::live::LiveDb;

/// A database a value test runs on, with the folder its SQLite file lives in.
pub struct Column {
    pub db: LiveDb,
    pub dir: tempfile::TempDir,
    pub name: &'static str,
}

impl Column {
    /// A fresh database on `server`, or on SQLite for `None`; `None` when the server's URL
    /// is not set (announced loudly by [`Server::url`]).
    pub fn open(server: Option<Server>) -> Option<Column> {
        let dir = tempfile::tempdir().unwrap();
        let (db, name) = match server {
            None => (LiveDb::Sqlite(dir.path().join("dev.db")), "sqlite"),
            Some(s) => {
                let base = s.url()?;
                let name = match s {
                    Server::Mysql => "mariadb",
                    Server::Mysql8 => "mysql9",
                    Server::Postgres => "postgres",
                };
                (LiveDb::on_server(s, &base), name)
            }
        };
        Some(Column { db, dir, name })
    }

    pub fn dialect(&self) -> Dialect {
        self.db.dialect()
    }

    fn environment(&self) -> Environment {
        Environment {
            connect_timeout: 10,
            name: "test".into(),
            url: SecretUrl::new(self.db.environment_url(self.dir.path())),
            dialect: self.dialect(),
            allow_destructive: true,
            lock_timeout: 5,
            statement_lock_timeout: 5,
            statement_lock_retries: 3,
            concurrent_indexes: true,
            max_blocking_rows: None,
            lints: Default::default(),
            online_schema_change: None,
            create_database: true,
            scratch_url: None,
            notes: Vec::new(),
        }
    }

    /// A session for one command, as the CLI opens one.
    pub fn session(&self, intent: Intent) -> Session {
        Session::open(&self.environment(), self.dir.path(), intent).unwrap()
    }

    /// The schema of table `t` with `v` of type `ty` (schema.kdl spelling).
    pub fn schema(&self, ty: &str) -> Schema {
        let kdl = format!(
            "table t {{\n    column id int primary-key=#true\n    column v {ty} nullable=#true\n}}\n"
        );
        schema_from_source(&kdl, &[self.dialect()]).unwrap_or_else(|e| panic!("{ty}: {e:?}"))
    }

    /// Drops `t`, then creates it with `v` of type `ty` and one row per value (SQL
    /// literals; ids from 1).
    pub fn start(&self, ty: &str, values: &[String]) {
        self.db
            .run(&["DROP TABLE IF EXISTS t".to_string()])
            .unwrap();
        let mut session = self.session(Intent::Write);
        super::arbitrary::apply(&mut session, &self.schema(ty)).unwrap();
        drop(session);
        let rows: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("INSERT INTO t (id, v) VALUES ({}, {v})", i + 1))
            .collect();
        self.db.run(&rows).unwrap_or_else(|e| panic!("{ty}: {e}"));
    }

    /// `v` of every row as the server prints it as text, in id order (`NULL` for NULL).
    pub fn values(&self) -> Vec<String> {
        let text = match self.dialect() {
            Dialect::Sqlite => "CAST(v AS TEXT)",
            Dialect::Mysql => "CAST(v AS CHAR)",
            Dialect::Postgres => "v::text",
        };
        self.db
            .rows(&format!(
                "SELECT coalesce({text}, 'NULL') FROM t ORDER BY id"
            ))
            .unwrap()
    }

    /// The plan to type `ty`, read-only, as `reconcile plan` makes it.
    pub fn plan(&self, ty: &str) -> Plan {
        self.session(Intent::Read).plan(&self.schema(ty)).unwrap()
    }

    /// Applies type `ty`, destructive changes allowed.
    pub fn apply(&self, ty: &str) -> Result<Plan, reconcile::Error> {
        let mut session = self.session(Intent::Write);
        super::arbitrary::apply(&mut session, &self.schema(ty))
    }

    /// Deletes the rows of `ids`.
    pub fn delete(&self, ids: &[usize]) {
        if ids.is_empty() {
            return;
        }
        let list: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        self.db
            .run(&[format!("DELETE FROM t WHERE id IN ({})", list.join(", "))])
            .unwrap();
    }

    pub fn close(self) {
        self.db.close();
    }
}

/// The rows the plan's findings say would be lost or rejected.
pub fn blocked_rows(plan: &Plan) -> i64 {
    plan.blocking_findings().map(|f| f.rows).sum()
}
