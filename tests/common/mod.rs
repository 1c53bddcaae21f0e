//! Shared test helpers: snapshot settings, fixtures, and throwaway databases on the real
//! MariaDB and PostgreSQL servers named by `RECONCILE_TEST_MYSQL_URL` and
//! `RECONCILE_TEST_POSTGRES_URL`. Without a URL a server's tests are skipped, loudly;
//! with `RECONCILE_TEST_REQUIRE_SERVERS=1` (as `.ci/run` sets) a missing server fails.
//! A real MySQL 9 (`RECONCILE_TEST_MYSQL8_URL`, started by `.ci/mysql9`) is optional always.
#![allow(dead_code)]

pub mod arbitrary;
pub mod case;
pub mod live;
pub mod sqlite;
pub mod users;
pub mod values;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::{AssertSqlSafe, Connection, Executor};

/// insta settings: snapshots in the top-level `snapshots/` folder, no module prefix.
pub fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots"));
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    // A live plan's fingerprint hashes the model's Debug rendering: any new model field
    // changes it, and no snapshot should depend on that.
    s.add_filter(
        r#""fingerprint": "fnv1a64:[0-9a-f]{16}""#,
        r#""fingerprint": "[fingerprint]""#,
    );
    // The database a live plan was made against: a per-test database name or file path.
    s.add_filter(r#""target": "[^"]*""#, r#""target": "[target]""#);
    // A table's size as the catalog estimates it: statistics the server updates when it
    // likes (InnoDB's, `reltuples`), so the figures are shown but not pinned.
    s.add_filter(r" \(about [^)]*\)", " (about [estimate])");
    s.add_filter(r#""estimate": \{[^}]*\}"#, r#""estimate": "[estimate]""#);
    // A test project's temporary folder, in messages that show a SQLite file's full path.
    s.add_filter(r"(/[^\s/\x22`]+)*/\.tmp[0-9A-Za-z]{6}", "[project]");
    s
}

/// The `.kdl` files of `tests/fixtures/<dir>`, sorted, as (stem, text).
pub fn fixtures(dir: &str) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir);
    let mut out: Vec<(String, String)> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "kdl"))
        .map(|p| {
            (
                p.file_stem().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Writes a message to the real standard error, past the test harness's capture, so that a
/// skipped suite is seen even when every test passes.
pub fn shout(message: &str) {
    let _ = writeln!(std::io::stderr(), "\n*** {message} ***\n");
}

/// A database server family for live tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    /// MariaDB, required in CI.
    Mysql,
    Postgres,
    /// A real MySQL of the 8.x family (9.7 here): optional, even where servers are required.
    Mysql8,
}

impl Server {
    fn variable(self) -> &'static str {
        match self {
            Server::Mysql => "RECONCILE_TEST_MYSQL_URL",
            Server::Postgres => "RECONCILE_TEST_POSTGRES_URL",
            Server::Mysql8 => "RECONCILE_TEST_MYSQL8_URL",
        }
    }

    /// The family of the server's databases (MySQL 9 and MariaDB are one dialect).
    pub fn dialect(self) -> reconcile::dialect::Dialect {
        use reconcile::dialect::Dialect;
        match self {
            Server::Mysql | Server::Mysql8 => Dialect::Mysql,
            Server::Postgres => Dialect::Postgres,
        }
    }

    /// The server's base URL (no database), or `None` after announcing the skip. Panics when
    /// servers are required and the URL is missing.
    pub fn url(self) -> Option<String> {
        match std::env::var(self.variable()) {
            Ok(url) if !url.is_empty() => Some(url.trim_end_matches('/').to_string()),
            _ if self == Server::Mysql8 => {
                shout(&format!(
                    "SKIPPED: MySQL 9 suite (optional): set {} (`.ci/mysql9 start` prints it)",
                    self.variable()
                ));
                None
            }
            _ if std::env::var("RECONCILE_TEST_REQUIRE_SERVERS").is_ok_and(|v| v == "1") => {
                panic!(
                    "{} is not set but RECONCILE_TEST_REQUIRE_SERVERS=1",
                    self.variable()
                )
            }
            _ => {
                shout(&format!(
                    "SKIPPED: {self:?} tests: set {} to run them",
                    self.variable()
                ));
                None
            }
        }
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A unique database name for this process and call.
pub fn unique_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

/// A database created for one test on a real server; [`TempDb::drop_now`] removes it.
pub struct TempDb {
    pub server: Server,
    admin: String,
    pub name: String,
    pub url: String,
}

impl TempDb {
    pub async fn create(server: Server, base: &str) -> TempDb {
        let name = unique_name("rt");
        let admin = match server {
            Server::Mysql | Server::Mysql8 => format!("{base}/mysql"),
            Server::Postgres => format!("{base}/postgres"),
        };
        exec_on(server, &admin, &[format!("CREATE DATABASE {name}")])
            .await
            .expect("create test database");
        TempDb {
            server,
            admin,
            url: format!("{base}/{name}"),
            name,
        }
    }

    pub async fn drop_now(self) {
        let sql = match self.server {
            Server::Mysql | Server::Mysql8 => format!("DROP DATABASE IF EXISTS {}", self.name),
            Server::Postgres => format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        };
        exec_on(self.server, &self.admin, &[sql])
            .await
            .expect("drop test database");
    }

    /// Runs each statement in order; the first failure is returned with the statement.
    pub async fn execute_all(&self, statements: &[String]) -> Result<(), String> {
        exec_on(self.server, &self.url, statements).await
    }
}

/// Runs `statements` in order on the server's administrative database (users, grants).
pub async fn exec_on_server(
    server: Server,
    base: &str,
    statements: &[String],
) -> Result<(), String> {
    let admin = match server {
        Server::Mysql | Server::Mysql8 => format!("{base}/mysql"),
        Server::Postgres => format!("{base}/postgres"),
    };
    exec_on(server, &admin, statements).await
}

/// Runs `statements` in order on one connection to `url`.
async fn exec_on(server: Server, url: &str, statements: &[String]) -> Result<(), String> {
    async fn run<C: Connection>(url: &str, statements: &[String]) -> Result<(), String>
    where
        for<'c> &'c mut C: Executor<'c>,
    {
        let mut c = C::connect(url).await.map_err(|e| e.to_string())?;
        for s in statements {
            c.execute(AssertSqlSafe(s.clone()))
                .await
                .map_err(|e| format!("{e}\n{s}"))?;
        }
        Ok(())
    }
    match server {
        Server::Mysql | Server::Mysql8 => run::<sqlx::MySqlConnection>(url, statements).await,
        Server::Postgres => run::<sqlx::PgConnection>(url, statements).await,
    }
}

/// A project folder with `schema` and a development environment on `dev.db`.
pub fn sqlite_project(schema: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("schema.kdl"), schema).unwrap();
    std::fs::create_dir(dir.path().join("environments")).unwrap();
    std::fs::write(
        dir.path().join("environments/development.kdl"),
        "url \"sqlite://dev.db\"\ncreate-database #true\n",
    )
    .unwrap();
    dir
}

/// Runs the `reconcile` binary in `dir` with `args`; returns (status, stdout, stderr).
pub fn reconcile(dir: &Path, args: &[&str]) -> (i32, String, String) {
    reconcile_with(dir, args, &[])
}

/// [`reconcile`] with extra process environment variables.
pub fn reconcile_with(dir: &Path, args: &[&str], vars: &[(&str, &str)]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_reconcile"))
        .args(args)
        .current_dir(dir)
        .env_remove("RECONCILE_ENV")
        .env("NO_COLOR", "1")
        .envs(vars.iter().copied())
        .output()
        .expect("run reconcile");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Starts `n` `reconcile apply --yes` processes in `dir` at once and waits for them all.
/// Each must apply, find nothing to do, or fail naming the lock; returns how many applied.
pub fn race_applies(dir: &Path, n: usize) -> usize {
    use std::process::{Command, Stdio};
    let children: Vec<_> = (0..n)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_reconcile"))
                .args(["apply", "--yes"])
                .current_dir(dir)
                .env_remove("RECONCILE_ENV")
                .env("NO_COLOR", "1")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start reconcile")
        })
        .collect();
    let mut applied = 0;
    for child in children {
        let out = child.wait_with_output().expect("wait for reconcile");
        let stderr = String::from_utf8_lossy(&out.stderr);
        match out.status.code() {
            Some(0) if stderr.contains("Applied") => applied += 1,
            Some(0) => assert!(stderr.contains("No changes"), "{stderr}"),
            _ => assert!(
                stderr.contains("another apply holds the lock"),
                "a concurrent apply failed without naming the lock:\n{stderr}"
            ),
        }
    }
    applied
}

/// The project's own root folder.
pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The dialects a fixture declares in a `// dialects: a b` first line (default: all).
pub fn fixture_dialects(text: &str) -> Vec<reconcile::dialect::Dialect> {
    use reconcile::dialect::Dialect;
    match text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("// dialects:"))
    {
        Some(list) => list
            .split_whitespace()
            .filter_map(Dialect::from_name)
            .collect(),
        None => Dialect::ALL.to_vec(),
    }
}
