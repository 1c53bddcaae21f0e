//! MySQL and MariaDB, live: one connection for the whole command. The apply lock is a
//! named lock (`GET_LOCK`, tied to the session, freed on disconnect); every DDL statement
//! commits on its own, so there is no transaction and the orchestrator journals each
//! statement. The session runs with a strict `sql_mode`, so a value that does not fit a new
//! definition is an error, never a silent truncation.

mod inspect;
mod scratch;

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlDatabaseError};
use sqlx::{AssertSqlSafe, Connection as _, Executor};

use super::Intent;
use super::connection::Connection;
use crate::dialect::mysql::version::Server;
use crate::dialect::mysql::{DatabaseDefaults, Mysql};
use crate::dialect::{Estimate, SqlDialect};
use crate::error::{DriverError, Error};
use crate::schema::Schema;

/// The session settings every connection runs with: strict (a value that does not fit is
/// an error), no zero dates, no silent engine substitution, and `||` as OR as everywhere
/// else; explicit timestamp defaults, so that a `TIMESTAMP NOT NULL` column is not given
/// `DEFAULT CURRENT_TIMESTAMP ON UPDATE ...` behind the schema's back.
const SESSION: [&str; 2] = [
    "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,\
     ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'",
    "SET SESSION explicit_defaults_for_timestamp = 1",
];

/// MySQL 8 caches table statistics for a day by default; the catalog must be current.
const MYSQL_SESSION: &str = "SET SESSION information_schema_stats_expiry = 0";

/// The server, the database and what tables inherit from it.
const SERVER: &str = "SELECT CAST(VERSION() AS CHAR), CAST(DATABASE() AS CHAR), \
    (SELECT CAST(DEFAULT_CHARACTER_SET_NAME AS CHAR) FROM information_schema.SCHEMATA \
     WHERE SCHEMA_NAME = DATABASE()), \
    (SELECT CAST(DEFAULT_COLLATION_NAME AS CHAR) FROM information_schema.SCHEMATA \
     WHERE SCHEMA_NAME = DATABASE())";

/// The default collation of each character set.
const CHARSETS: &str = "SELECT CAST(CHARACTER_SET_NAME AS CHAR), CAST(DEFAULT_COLLATE_NAME AS CHAR) \
     FROM information_schema.CHARACTER_SETS";

/// ER_BAD_DB_ERROR: the URL names a database that does not exist.
const UNKNOWN_DATABASE: u16 = 1049;

/// ER_LOCK_WAIT_TIMEOUT: a metadata or row lock was not granted within the session's
/// `lock_wait_timeout` / `innodb_lock_wait_timeout`.
const LOCK_WAIT_TIMEOUT: u16 = 1205;

/// One database of a MySQL or MariaDB server, or one that does not exist yet.
pub struct MysqlDb {
    /// `None` when a read-only command found no database: it is empty.
    conn: Option<MySqlConnection>,
    dialect: Mysql,
    /// The URL, passwords removed, for messages.
    shown: String,
    /// The database the URL names.
    database: String,
    /// `host:port/database`.
    target: String,
    /// How to connect again (a scratch database on the same server).
    options: Box<MySqlConnectOptions>,
    lock: String,
    locked: bool,
    /// How long a statement waits for a table another session holds (0: the server's own
    /// limit, a day on MariaDB and a year on MySQL).
    statement_lock_timeout: Duration,
    queries: usize,
    /// Whether opening it created the database, and whether apply may.
    created: bool,
    create: bool,
    /// The environment's `scratch-url`: the database the scratch uses instead of one of
    /// its own ([`MysqlDb::scratch`]).
    scratch_url: Option<String>,
    /// Whether this is a scratch in a database it did not create: closing it empties the
    /// database instead of dropping it.
    borrowed: bool,
    /// The URL it connected with, for a tool that connects on its own
    /// ([`Connection::hand_off`]).
    url: crate::redact::SecretUrl,
}

impl MysqlDb {
    /// Connects to the database `url` names (`mysql://` or `mariadb://`). A missing database
    /// is empty for [`Intent::Read`], created for [`Intent::Write`] when `create` allows
    /// ([`Error::WontCreate`] otherwise), an error for [`Intent::Inspect`].
    pub async fn open(
        url: &str,
        intent: Intent,
        statement_lock_timeout: Duration,
        create: bool,
    ) -> Result<MysqlDb, Error> {
        let shown = crate::redact::redact_url(url);
        let connect_error = |e: sqlx::Error| Error::Connect {
            url: shown.clone(),
            source: DriverError::new(e, url),
        };
        let (options, database) = connect_options(url)?;
        let mut created = false;
        let conn = match MySqlConnection::connect_with(&options).await {
            Ok(conn) => Some(conn),
            Err(sqlx::Error::Database(e))
                if e.try_downcast_ref::<MySqlDatabaseError>()
                    .is_some_and(|e| e.number() == UNKNOWN_DATABASE) =>
            {
                match intent {
                    Intent::Inspect => return Err(Error::NoDatabase { path: shown }),
                    Intent::Read => None,
                    Intent::Write if !create => {
                        return Err(Error::WontCreate {
                            what: format!(
                                "the database `{database}` on {}:{}",
                                crate::redact::scrub(options.get_host(), url),
                                options.get_port()
                            ),
                            file: String::new(),
                        });
                    }
                    Intent::Write => {
                        created = true;
                        let server = options.clone().database("");
                        let mut admin = MySqlConnection::connect_with(&server)
                            .await
                            .map_err(connect_error)?;
                        let create = format!("CREATE DATABASE `{}`", database.replace('`', "``"));
                        admin.execute(AssertSqlSafe(create)).await.map_err(|e| {
                            Error::Database {
                                what: format!("cannot create the database `{database}`"),
                                source: DriverError::new(e, url),
                            }
                        })?;
                        let _ = admin.close().await;
                        Some(
                            MySqlConnection::connect_with(&options)
                                .await
                                .map_err(connect_error)?,
                        )
                    }
                }
            }
            Err(e) => return Err(connect_error(e)),
        };
        let target = format!(
            "{}:{}/{database}",
            crate::redact::scrub(options.get_host(), url),
            options.get_port()
        );
        let mut db = MysqlDb {
            conn,
            target,
            options: Box::new(options),
            dialect: Mysql::OFFLINE,
            lock: lock_name(&database),
            shown,
            database,
            locked: false,
            statement_lock_timeout,
            queries: 0,
            created,
            create,
            scratch_url: None,
            borrowed: false,
            url: crate::redact::SecretUrl::new(url.to_string()),
        };
        if db.conn.is_some() {
            db.start_session(url).await?;
        }
        Ok(db)
    }

    /// Makes the scratch in the database `url` names (the environment's `scratch-url`)
    /// instead of in a database of its own.
    pub fn use_scratch_url(&mut self, url: Option<&str>) {
        self.scratch_url = url.map(str::to_string);
    }

    /// Reads the server and sets the session up.
    async fn start_session(&mut self, url: &str) -> Result<(), Error> {
        let wait = self.statement_lock_timeout.as_secs();
        if wait > 0 {
            self.queries += 2;
        }
        let conn = self.conn()?;
        let fail = |e: sqlx::Error| Error::Database {
            what: "cannot set up the MySQL session".into(),
            source: DriverError::new(e, url),
        };
        let row: (String, Option<String>, Option<String>, Option<String>) = sqlx::query_as(SERVER)
            .fetch_one(&mut *conn)
            .await
            .map_err(fail)?;
        let server = Server::parse(&row.0).ok_or_else(|| Error::Unsupported {
            what: format!("cannot read the server version `{}`", row.0),
            help: "reconcile supports MySQL 8.0+ and MariaDB 10.5+".into(),
        })?;
        for sql in SESSION {
            conn.execute(sql).await.map_err(fail)?;
        }
        if server.flavor == crate::dialect::mysql::version::Flavor::Mysql {
            conn.execute(MYSQL_SESSION).await.map_err(fail)?;
        }
        if wait > 0 {
            // Metadata locks (a DDL statement queued behind an open transaction blocks every
            // new reader of the table) and row locks (the UPDATE that fills NULLs).
            for variable in ["lock_wait_timeout", "innodb_lock_wait_timeout"] {
                let sql = format!("SET SESSION {variable} = {wait}");
                conn.execute(AssertSqlSafe(sql)).await.map_err(fail)?;
            }
        }
        let collations: Vec<(String, String)> = sqlx::query_as(CHARSETS)
            .fetch_all(&mut *conn)
            .await
            .map_err(fail)?;
        self.queries += SESSION.len() + 2;
        self.dialect = Mysql {
            server,
            database: match (row.2, row.3) {
                (Some(charset), Some(collation)) => Some(DatabaseDefaults {
                    charset,
                    collation,
                    collations: collations.into_iter().collect(),
                }),
                _ => None,
            },
        };
        Ok(())
    }

    /// How many queries this connection has run (introspection runs a fixed number).
    pub fn queries(&self) -> usize {
        self.queries
    }

    fn conn(&mut self) -> Result<&mut MySqlConnection, Error> {
        self.queries += 1;
        self.conn.as_mut().ok_or_else(|| Error::NoDatabase {
            path: self.shown.clone(),
        })
    }
}

/// Each table's row and byte estimates (InnoDB's statistics; MySQL 8 caches them for
/// `information_schema_stats_expiry` seconds).
const ESTIMATES: &str = "SELECT CAST(TABLE_NAME AS CHAR), CAST(TABLE_ROWS AS SIGNED), \
    CAST(DATA_LENGTH + INDEX_LENGTH AS SIGNED) FROM information_schema.TABLES \
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'";

/// How a tool connects to the server on its own.
struct OnlineClient {
    user: String,
    password: String,
    host: String,
    port: u16,
}

/// Running `pt-online-schema-change` for one `ALTER TABLE`.
mod online_tool {
    use std::io::{BufRead, Write};
    use std::process::{Command, Stdio};

    use super::OnlineClient;

    /// Runs `tool` to carry out `alter` on `database`.`table`, the credentials in an
    /// options file only this user can read (never on the command line, where `ps` shows
    /// them), removed afterwards; each line it prints goes to `report`. The error is the
    /// tool's last lines.
    pub fn run(
        tool: &str,
        client: &OnlineClient,
        database: &str,
        table: &str,
        alter: &str,
        report: &mut dyn FnMut(&str),
    ) -> Result<(), String> {
        let file = options_file(client)
            .map_err(|e| format!("cannot write the options file for `{tool}`: {e}"))?;
        let dsn = format!(
            "F={},D={},t={}",
            file.path.display(),
            dsn_value(database),
            dsn_value(table)
        );
        let child = Command::new(tool)
            .args([
                "--alter",
                alter,
                "--execute",
                "--recursion-method",
                "none",
                "--alter-foreign-keys-method",
                "auto",
                "--progress",
                "time,5",
                &dsn,
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        let mut child = child.map_err(|e| {
            format!("cannot run `{tool}`: {e}; install it (Debian: `apt-get install percona-toolkit`) or remove `online-schema-change` from the environment file")
        })?;
        let (lines, received) = std::sync::mpsc::channel::<String>();
        let mut readers = Vec::new();
        let streams: [Box<dyn std::io::Read + Send>; 2] = [
            Box::new(child.stdout.take().expect("piped")),
            Box::new(child.stderr.take().expect("piped")),
        ];
        for stream in streams {
            let lines = lines.clone();
            readers.push(std::thread::spawn(move || {
                for line in std::io::BufReader::new(stream)
                    .lines()
                    .map_while(Result::ok)
                {
                    let _ = lines.send(line);
                }
            }));
        }
        drop(lines);
        let mut tail: Vec<String> = Vec::new();
        for line in received {
            report(&line);
            tail.push(line);
            if tail.len() > 8 {
                tail.remove(0);
            }
        }
        for reader in readers {
            let _ = reader.join();
        }
        let status = child
            .wait()
            .map_err(|e| format!("`{tool}` did not finish: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`{tool}` failed ({status}):\n{}", tail.join("\n")))
        }
    }

    /// A DSN value with its commas and equals signs escaped, as the tool reads them.
    fn dsn_value(s: &str) -> String {
        s.replace('\\', "\\\\")
            .replace(',', "\\,")
            .replace('=', "\\=")
    }

    /// A `[client]` options file in the temporary folder, readable by this user only, that
    /// is removed when dropped.
    struct OptionsFile {
        path: std::path::PathBuf,
    }

    impl Drop for OptionsFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.path);
        }
    }

    fn options_file(client: &OnlineClient) -> std::io::Result<OptionsFile> {
        use std::os::unix::fs::OpenOptionsExt;
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("reconcile-{}-{n}.cnf", std::process::id()));
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)?;
        let file = OptionsFile { path };
        let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
        writeln!(
            f,
            "[client]\nuser={}\npassword={}\nhost={}\nport={}",
            quote(&client.user),
            quote(&client.password),
            quote(&client.host),
            client.port
        )?;
        Ok(file)
    }
}

/// The server's error number of a database error.
fn number(e: &sqlx::Error) -> Option<u16> {
    match e {
        sqlx::Error::Database(d) => d
            .try_downcast_ref::<MySqlDatabaseError>()
            .map(|e| e.number()),
        _ => None,
    }
}

/// The driver's options for `url` (`mysql://` or `mariadb://`, the password also read from
/// a `?password=` query), and the database it names (an error when it names none).
pub(super) fn connect_options(url: &str) -> Result<(MySqlConnectOptions, String), Error> {
    let shown = crate::redact::redact_url(url);
    // Only the authority form: the driver would read `mysql:user:pw@host/db` as a
    // database of that name on localhost.
    let sqlx_url = match (url.strip_prefix("mysql://"), url.strip_prefix("mariadb://")) {
        (Some(rest), _) | (None, Some(rest)) => format!("mysql://{rest}"),
        (None, None) => {
            return Err(Error::Unsupported {
                what: format!("the MySQL url `{shown}` must start with `mysql://` or `mariadb://`"),
                help: "write `mysql://USER:${DB_PASSWORD}@HOST:3306/DATABASE`".into(),
            });
        }
    };
    let mut options = MySqlConnectOptions::from_str(&sqlx_url)
        .map_err(|e| Error::Connect {
            url: shown.clone(),
            source: DriverError::new(e, url),
        })?
        .pipes_as_concat(false);
    if let Some(password) = query_password(url)? {
        options = options.password(&password);
    }
    let Some(database) = options.get_database().map(|d| crate::redact::scrub(d, url)) else {
        return Err(Error::Unsupported {
            what: format!("the MySQL url `{shown}` names no database"),
            help: "end the url with the database: `mysql://user:${DB_PASSWORD}@host:3306/app`"
                .into(),
        });
    };
    Ok((options, database))
}

/// The password a `?password=` parameter of `url` gives, which the driver would ignore;
/// refused when the URL also has one before its `@`.
fn query_password(url: &str) -> Result<Option<String>, Error> {
    let Ok(parsed) = url::Url::parse(url) else {
        return Ok(None);
    };
    let Some((_, password)) = parsed
        .query_pairs()
        .find(|(k, _)| k.eq_ignore_ascii_case("password"))
    else {
        return Ok(None);
    };
    if parsed.password().is_some() {
        return Err(Error::Unsupported {
            what: format!(
                "the MySQL url `{}` gives a password twice (before `@` and as `?password=`)",
                crate::redact::redact_url(url)
            ),
            help: "keep one: `mysql://user:${DB_PASSWORD}@host:3306/app`".into(),
        });
    }
    Ok(Some(password.into_owned()))
}

/// The name of the apply lock of `database`. Lock names are at most 64 characters; a
/// longer one is shortened with a hash of the whole name
/// ([`crate::schema::stable_shorten`]), so two names never share a lock by being cut.
fn lock_name(database: &str) -> String {
    crate::schema::stable_shorten(&format!("reconcile:{database}"))
}

impl Connection for MysqlDb {
    fn dialect(&self) -> &dyn SqlDialect {
        &self.dialect
    }

    fn lock_name(&self) -> String {
        format!("{} (GET_LOCK on {})", self.lock, self.shown)
    }

    fn target(&self) -> String {
        self.target.clone()
    }

    fn created(&self) -> bool {
        self.created
    }

    fn note(&self) -> Option<String> {
        self.conn
            .is_none()
            .then(|| super::missing_note(&format!("the database `{}`", self.database), self.create))
    }

    async fn open_scratch(&mut self) -> Result<Self, Error> {
        self.scratch().await
    }

    async fn close_scratch(self) {
        self.close().await
    }

    async fn structure_sql(&mut self, table: &str) -> Result<Option<String>, Error> {
        self.create_table_sql(table).await
    }

    async fn introspect(&mut self) -> Result<Schema, Error> {
        if self.conn.is_none() {
            return Ok(Schema::default());
        }
        let server = self.dialect.server;
        let mut rows = Vec::new();
        for query in inspect::queries(&server) {
            let conn = self.conn()?;
            rows.push(
                sqlx::query(AssertSqlSafe(query))
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(|e| Error::Database {
                        what: "cannot read the database schema".into(),
                        source: DriverError::new(e, ""),
                    })?,
            );
        }
        let mut schema = inspect::read(&self.dialect, rows);
        if server.instant_row_versions_limit().is_some() {
            // Without the PROCESS privilege the server refuses: the caps go unseen.
            let conn = self.conn()?;
            if let Ok(rows) = sqlx::query(inspect::ROW_VERSIONS)
                .fetch_all(&mut *conn)
                .await
            {
                inspect::read_row_versions(&mut schema, &rows);
            }
        }
        Ok(schema)
    }

    async fn lock(&mut self, timeout: Duration) -> Result<(), Error> {
        let name = self.lock.clone();
        let lock = self.lock_name();
        let conn = self.conn()?;
        let got: Option<i64> = sqlx::query_scalar("SELECT GET_LOCK(?, ?)")
            .bind(&name)
            .bind(timeout.as_secs() as i64)
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| Error::Database {
                what: format!("cannot take the lock {lock}"),
                source: DriverError::new(e, ""),
            })?;
        match got {
            Some(1) => {
                self.locked = true;
                Ok(())
            }
            _ => Err(Error::Locked {
                lock,
                seconds: timeout.as_secs(),
            }),
        }
    }

    async fn unlock(&mut self) -> Result<(), Error> {
        if !self.locked {
            return Ok(());
        }
        self.locked = false;
        let name = self.lock.clone();
        let conn = self.conn()?;
        sqlx::query("SELECT RELEASE_LOCK(?)")
            .bind(name)
            .execute(&mut *conn)
            .await
            .map(|_| ())
            .map_err(|e| Error::Database {
                what: "cannot release the apply lock".into(),
                source: DriverError::new(e, ""),
            })
    }

    /// DDL commits as it goes: there is no transaction to begin (the orchestrator journals).
    async fn begin(&mut self) -> Result<(), Error> {
        Ok(())
    }

    async fn commit(&mut self) -> Result<(), Error> {
        Ok(())
    }

    async fn rollback(&mut self) -> Result<(), Error> {
        Ok(())
    }

    /// Sent alone, as a prepared statement that is not kept: the server refuses a second
    /// statement in it, so nothing in a plan can run more than the statement shown.
    async fn execute(&mut self, sql: &str) -> Result<(), DriverError> {
        let wait = self.statement_lock_timeout.as_secs();
        let conn = self.conn().map_err(|e| DriverError::new(e, ""))?;
        sqlx::query(AssertSqlSafe(sql.to_string()))
            .persistent(false)
            .execute(&mut *conn)
            .await
            .map(|_| ())
            .map_err(|e| {
                if number(&e) == Some(LOCK_WAIT_TIMEOUT) {
                    DriverError::lock_timeout(
                        format!(
                            "{e}: another session holds a lock on the table (an open transaction of the application), and the statement waited `statement-lock-timeout` ({wait} s) for it rather than block the table's readers; run again when it is quieter, or raise `statement-lock-timeout` in the environment file"
                        ),
                        "",
                    )
                } else {
                    DriverError::new(e, "")
                }
            })
    }

    async fn hand_off(
        &mut self,
        tool: &str,
        sql: &str,
        report: &mut dyn FnMut(&str),
    ) -> Result<(), DriverError> {
        let url = self.url.expose().to_string();
        let Some((table, alter)) = crate::dialect::mysql::online::split_alter(sql) else {
            return Err(DriverError::new(
                format!("`{sql}` is not an ALTER TABLE `{tool}` can carry out"),
                &url,
            ));
        };
        let password = url::Url::parse(&url)
            .ok()
            .and_then(|u| {
                u.password()
                    .map(crate::redact::percent_decode)
                    .or(query_password(&url).ok().flatten())
            })
            .unwrap_or_default();
        let client = OnlineClient {
            user: self.options.get_username().to_string(),
            password,
            host: self.options.get_host().to_string(),
            port: self.options.get_port(),
        };
        let mut scrubbed = |line: &str| report(&crate::redact::scrub(line, &url));
        online_tool::run(tool, &client, &self.database, &table, &alter, &mut scrubbed)
            .map_err(|message| DriverError::new(message, &url))
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
        let conn = self.conn()?;
        let rows: Vec<(String, Option<i64>, Option<i64>)> = sqlx::query_as(ESTIMATES)
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| Error::Database {
                what: "cannot read the tables' sizes from information_schema.TABLES".into(),
                source: DriverError::new(e, ""),
            })?;
        Ok(rows
            .into_iter()
            .filter(|(name, ..)| tables.contains(&name.as_str()))
            .map(|(name, rows, bytes)| (name, Estimate::from_catalog(rows, bytes)))
            .collect())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_names_fit_mysql_and_stay_distinct() {
        assert_eq!(lock_name("app"), "reconcile:app");
        let a = lock_name(&"a".repeat(60));
        let b = lock_name(&format!("{}b", "a".repeat(59)));
        assert!(a.chars().count() <= 64 && b.chars().count() <= 64);
        assert_ne!(a, b);
    }

    /// A statement of a plan that holds a second statement is refused by the server, and
    /// the second one never runs (on every MySQL-family server whose URL is set).
    #[test]
    fn a_second_statement_never_runs() {
        let servers = ["RECONCILE_TEST_MYSQL_URL", "RECONCILE_TEST_MYSQL8_URL"];
        let urls: Vec<String> = servers
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .collect();
        if urls.is_empty() {
            eprintln!("\n*** SKIPPED: MySQL driver test: set RECONCILE_TEST_MYSQL_URL ***\n");
            return;
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        for base in urls {
            let name = format!("rt_alone_{}", std::process::id());
            let url = format!("{}/{name}", base.trim_end_matches('/'));
            runtime.block_on(async {
                let mut db = MysqlDb::open(&url, Intent::Write, Duration::from_secs(5), true)
                    .await
                    .unwrap();
                let two = "CREATE TABLE a (x INT); CREATE TABLE b (x INT)";
                assert!(db.execute(two).await.is_err(), "{base}: two statements ran");
                assert!(db.introspect().await.unwrap().tables.is_empty(), "{base}");
                db.execute("CREATE TABLE a (x INT)").await.unwrap();
                assert_eq!(db.introspect().await.unwrap().tables.len(), 1, "{base}");
                db.execute(&format!("DROP DATABASE `{name}`"))
                    .await
                    .unwrap();
            });
        }
    }
}
