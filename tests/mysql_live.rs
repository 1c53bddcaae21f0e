//! MySQL and MariaDB, live, where the family differs from the others: DDL that commits as it
//! goes (a failure midway is reported as applied / failed / pending, and a second apply
//! finishes the job), the `GET_LOCK` apply lock under 8 concurrent applies, an apply killed
//! midway, a database made by SQLAlchemy's `create_all`, the production environment with a
//! real user and password, and introspection in a fixed number of queries. Runs on the
//! server `RECONCILE_TEST_MYSQL_URL` names; skipped loudly without it.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::live::LiveDb;
use common::{Server, reconcile, reconcile_with};
use reconcile::database::{Intent, Session};
use reconcile::dialect::Dialect;
use reconcile::environment::Environment;
use reconcile::redact::SecretUrl;

/// A fresh database on the MySQL-family server, or `None` (skipped loudly).
fn server_db() -> Option<LiveDb> {
    let base = Server::Mysql.url()?;
    Some(LiveDb::on_server(Server::Mysql, &base))
}

/// A project folder whose development environment is `db`, with `schema`.
fn project(db: &LiveDb, schema: &str) -> tempfile::TempDir {
    project_with(db, schema, "")
}

/// [`project`] with more lines in the environment file (`lock-timeout 1`).
fn project_with(db: &LiveDb, schema: &str, settings: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("schema.kdl"), schema).unwrap();
    std::fs::create_dir(dir.path().join("environments")).unwrap();
    std::fs::write(
        dir.path().join("environments/development.kdl"),
        format!("url \"{}\"\n{settings}", db.environment_url(dir.path())),
    )
    .unwrap();
    dir
}

fn write_schema(dir: &Path, schema: &str) {
    std::fs::write(dir.join("schema.kdl"), schema).unwrap();
}

const PARTIAL_BEFORE: &str = "CREATE TABLE a_first (id INT PRIMARY KEY);
CREATE TABLE b_fails (id INT PRIMARY KEY, flag INT NULL);
CREATE TABLE c_last (id INT PRIMARY KEY);
INSERT INTO a_first VALUES (1);
INSERT INTO b_fails VALUES (1, 1), (2, NULL);
INSERT INTO c_last VALUES (1);
CREATE TRIGGER b_frozen BEFORE UPDATE ON b_fails FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'b_fails rows are frozen';";

/// Three tables; `b_fails.flag` becomes NOT NULL with a default, so its NULLs are filled
/// first, and a trigger (made by another tool, which no preflight check can see) refuses
/// every UPDATE of that table: the second statement fails on the data, after the first is
/// committed.
const PARTIAL_DESIRED: &str = "table a_first {
  column id int primary-key=#true
  column note string length=10 nullable=#true
}
table b_fails {
  column id int primary-key=#true
  column flag int default=0
}
table c_last {
  column id int primary-key=#true
  column note string length=10 nullable=#true
}
";

#[test]
fn a_failure_midway_reports_what_ran_and_a_second_apply_finishes() {
    let Some(db) = server_db() else { return };
    db.run(&common::live::split_statements(PARTIAL_BEFORE))
        .unwrap();
    let dir = project(&db, PARTIAL_DESIRED);
    let (status, stdout, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 1, "{stdout}{stderr}");
    assert!(
        stderr.contains("apply stopped at statement 2 of 4"),
        "{stderr}"
    );
    assert!(stderr.contains("`b_fails`"), "names the change: {stderr}");
    assert!(
        stderr.contains("b_fails rows are frozen"),
        "the server's own error: {stderr}"
    );
    assert!(
        stderr.contains("1 statement(s) ran and are committed") && stderr.contains("2 did not run"),
        "{stderr}"
    );
    // What ran is committed; what failed and what is pending is not.
    let notes = "SELECT TABLE_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND COLUMN_NAME = 'note'";
    assert_eq!(db.rows(notes).unwrap(), ["a_first"]);
    assert_eq!(
        db.rows("SELECT id, flag FROM b_fails ORDER BY id").unwrap(),
        ["1|1", "2|NULL"],
        "the failed statement changed nothing"
    );
    // The JSON report says the same, statement by statement.
    let (status, stdout, stderr) = reconcile(dir.path(), &["apply", "--yes", "--format", "json"]);
    assert_eq!(status, 1, "{stdout}{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}\n{stderr}"));
    let result = &report["result"];
    assert_eq!(result["status"], "partially_applied", "{report:#}");
    assert_eq!(
        result["applied"].as_array().map(Vec::len),
        Some(0),
        "the first run committed it: {report:#}"
    );
    assert!(
        result["failed"]["sql"]
            .as_str()
            .unwrap()
            .starts_with("UPDATE `b_fails`"),
        "{report:#}"
    );
    assert!(
        result["failed"]["error"]
            .as_str()
            .unwrap()
            .contains("b_fails rows are frozen"),
        "{report:#}"
    );
    assert_eq!(
        result["pending"].as_array().map(Vec::len),
        Some(2),
        "{report:#}"
    );
    assert!(
        report["changes"].is_array(),
        "the plan that ran: {report:#}"
    );

    // Fix the cause; the next apply finishes from where the first stopped.
    db.run(&["DROP TRIGGER b_frozen".into()]).unwrap();
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 0, "{stderr}");
    let (status, stdout, _) = reconcile(dir.path(), &["plan", "--exit-code"]);
    assert_eq!(status, 0, "{stdout}");
    assert_eq!(db.rows(notes).unwrap(), ["a_first", "c_last"]);
    assert_eq!(
        db.rows("SELECT id, flag FROM b_fails ORDER BY id").unwrap(),
        ["1|1", "2|0"]
    );
    db.close();
}

const RACE_BEFORE: &str = "CREATE TABLE members (id INT PRIMARY KEY, kind VARCHAR(5) NOT NULL, note VARCHAR(5));
CREATE TABLE logins (id INT PRIMARY KEY, member_id INT, CONSTRAINT fk_l FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE);
INSERT INTO members VALUES (1, 'admin', 'a'), (2, 'guest', NULL), (3, 'guest', 'c');
INSERT INTO logins VALUES (10, 1), (11, 2), (12, 3);";

/// A table rename, a column rename and a widening, over rows.
const RACE_DESIRED: &str = "table memberships renamed-from=members {
  column id int primary-key=#true
  column role string length=50 renamed-from=kind
  column note string length=50 nullable=#true
}
table logins {
  column id int primary-key=#true
  column member_id int nullable=#true references=memberships.id on-delete=cascade
}
";

#[test]
fn eight_applies_started_together_apply_once_and_keep_every_row() {
    let Some(db) = server_db() else { return };
    db.run_script(RACE_BEFORE).unwrap();
    let dir = project_with(&db, RACE_DESIRED, "lock-timeout 60\n");
    let applied = common::race_applies(dir.path(), 8);
    assert_eq!(applied, 1, "exactly one apply does the work");
    assert_eq!(reconcile(dir.path(), &["plan", "--exit-code"]).0, 0);
    assert_eq!(
        db.rows("SELECT m.id, m.role, m.note, l.id FROM memberships m JOIN logins l ON l.member_id = m.id ORDER BY m.id")
            .unwrap(),
        ["1|admin|a|10", "2|guest|NULL|11", "3|guest|c|12"]
    );
    db.close();
}

#[test]
fn a_held_lock_times_out_naming_it_and_changes_nothing() {
    let Some(db) = server_db() else { return };
    db.run_script(RACE_BEFORE).unwrap();
    let dir = project_with(&db, RACE_DESIRED, "lock-timeout 1\n");
    let LiveDb::Server(temp) = &db else {
        unreachable!()
    };
    let name = format!("reconcile:{}", temp.name);
    common::live::block_on(async {
        use sqlx::Connection as _;
        let mut holder = sqlx::MySqlConnection::connect(&temp.url).await.unwrap();
        let got: Option<i64> = sqlx::query_scalar("SELECT GET_LOCK(?, 5)")
            .bind(&name)
            .fetch_one(&mut holder)
            .await
            .unwrap();
        assert_eq!(got, Some(1));
        let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
        assert_eq!(status, 1, "{stderr}");
        assert!(
            stderr.contains("another apply holds the lock `reconcile:")
                && stderr.contains("waited 1 s"),
            "{stderr}"
        );
        holder.close().await.unwrap();
    });
    assert_eq!(
        db.rows("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1")
            .unwrap(),
        ["logins", "members"],
        "nothing changed"
    );
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 0, "once the lock is free: {stderr}");
    db.close();
}

/// `n` tables, each with two indexes and (but the first) a foreign key, as one script.
fn tables_sql(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let parent = if i == 0 {
                String::new()
            } else {
                format!(", p INT, CONSTRAINT fk_t{i} FOREIGN KEY (p) REFERENCES t0 (id)")
            };
            format!(
                "CREATE TABLE t{i} (id INT PRIMARY KEY, a VARCHAR(20) NOT NULL, b INT DEFAULT 1, \
                 INDEX ix_t{i}_a (a), UNIQUE INDEX uq_t{i}_b (b){parent})"
            )
        })
        .collect()
}

fn environment(url: &str) -> Environment {
    Environment {
        connect_timeout: 10,
        name: "test".into(),
        url: SecretUrl::new(url.to_string()),
        dialect: Dialect::Mysql,
        allow_destructive: false,
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

#[test]
fn introspection_runs_the_same_number_of_queries_for_1_and_1000_tables() {
    let mut counts = Vec::new();
    for n in [1, 1000] {
        let Some(db) = server_db() else { return };
        db.run(&tables_sql(n)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let env = environment(&db.environment_url(dir.path()));
        let mut session = Session::open(&env, dir.path(), Intent::Read).unwrap();
        let before = session.queries();
        let schema = session.introspect().unwrap();
        assert_eq!(schema.tables.len(), n);
        assert!(
            schema
                .tables
                .iter()
                .all(|t| t.indexes.len() == 2 && t.columns.len() >= 3),
            "every table's indexes, the foreign key's own one left to the key"
        );
        assert_eq!(
            schema
                .tables
                .iter()
                .filter(|t| t.foreign_keys.len() == 1)
                .count(),
            n - 1
        );
        counts.push(session.queries() - before);
        drop(session);
        db.close();
    }
    assert_eq!(
        counts[0], counts[1],
        "queries for 1 and 1000 tables: {counts:?}"
    );
}

/// MariaDB answers a join of two `information_schema` tables by opening every database on
/// the server for the second one, so a plan's cost grew with the databases next to the
/// target (1,000 tables: 0.62 s with 1,115 tables on the server, 1.98 s with 7,115). Every
/// catalog query (bench/catalog.mysql.sql, which a unit test keeps equal to the code's) must
/// be planned on this database alone.
#[test]
fn every_catalog_query_reads_only_the_target_database() {
    let Some(db) = server_db() else { return };
    db.run(&tables_sql(3)).unwrap();
    db.run(&[
        "CREATE VIEW v_first AS SELECT * FROM t0".to_string(),
        "CREATE TRIGGER t0_touch BEFORE UPDATE ON t0 FOR EACH ROW SET NEW.id = NEW.id".to_string(),
        "CREATE FUNCTION twice(x int) RETURNS int DETERMINISTIC RETURN x * 2".to_string(),
    ])
    .unwrap();
    let file =
        std::fs::read_to_string(common::project_root().join("bench/catalog.mysql.sql")).unwrap();
    let sql: String = file
        .lines()
        .filter(|l| !l.starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n");
    let queries: Vec<&str> = sql
        .split(';')
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .collect();
    assert_eq!(queries.len(), 9, "{queries:?}");
    let mut scans = Vec::new();
    for query in &queries {
        let plan = db.rows(&format!("EXPLAIN {query}")).unwrap();
        assert!(!plan.is_empty(), "no plan for {query}");
        scans.extend(
            plan.iter()
                .filter(|row| row.contains("Scanned all databases"))
                .map(|row| format!("{query}\n  {row}")),
        );
    }
    db.close();
    assert!(
        scans.is_empty(),
        "queries that read every database:\n{}",
        scans.join("\n")
    );
}

#[test]
fn an_apply_killed_midway_is_finished_by_the_next() {
    let Some(db) = server_db() else { return };
    let schema: String = (0..300)
        .map(|i| {
            format!(
                "table t{i} {{\n  column id int primary-key=#true\n  column a string length=20 nullable=#true\n}}\n"
            )
        })
        .collect();
    let dir = project(&db, &schema);
    let mut child = Command::new(env!("CARGO_BIN_EXE_reconcile"))
        .args(["apply", "--yes"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let count = "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()";
    let start = Instant::now();
    let mut made = 0;
    while made == 0 && start.elapsed() < Duration::from_secs(120) {
        made = db.count(count).unwrap();
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let at_kill = db.count(count).unwrap();
    assert!(at_kill > 0, "the apply never started");
    if at_kill == 300 {
        common::shout("the apply finished before it could be killed: the kill tested nothing new");
    }
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(db.count(count).unwrap(), 300);
    assert_eq!(reconcile(dir.path(), &["plan", "--exit-code"]).0, 0);
    db.close();
}

const SQLALCHEMY: &str = include_str!("fixtures/sqlalchemy/create_all.mysql.sql");

const SQLALCHEMY_ROWS: &str = "INSERT INTO alembic_version VALUES ('4f2e1c');
INSERT INTO users (email, hashed_password) VALUES ('a@x', 'h1'), ('b@x', 'h2');
INSERT INTO items (title, owner_id) VALUES ('one', 1), ('two', 2), ('three', NULL);";

/// Adopts the SQLAlchemy database `db` holds as it is: `inspect` prints a schema that plans
/// empty there and makes an equivalent SQLite development database. The project, adopted.
fn adopt_sqlalchemy(db: &LiveDb) -> tempfile::TempDir {
    let dir = project(db, "");
    let (status, kdl, stderr) = reconcile(dir.path(), &["inspect"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(kdl.contains("ignore alembic_version"), "{kdl}");
    // SQLAlchemy's `Enum` is an enum, and the clause its app added after `create_all` is
    // the column's MySQL hint.
    assert!(kdl.contains("enum \"role\" {"), "{kdl}");
    assert!(
        kdl.contains("column \"role\" \"role\" default=\"member\""),
        "{kdl}"
    );
    assert!(
        kdl.contains("mysql on-update=(sql)\"CURRENT_TIMESTAMP\""),
        "{kdl}"
    );
    // `Computed` is a generated column, its expression as the server spells it.
    assert!(
        kdl.contains("column \"title_key\" string length=200 nullable=#true generated=(sql)"),
        "{kdl}"
    );
    write_schema(dir.path(), &kdl);
    let (status, stdout, stderr) = reconcile(dir.path(), &["plan", "--exit-code"]);
    assert_eq!(
        status, 0,
        "inspect does not plan empty:\n{kdl}\n{stdout}{stderr}"
    );

    // The same file, unchanged, makes an equivalent SQLite development database.
    let sqlite = common::sqlite_project(&kdl);
    let (status, _, stderr) = reconcile(sqlite.path(), &["apply", "--yes"]);
    assert_eq!(status, 0, "{kdl}\n{stderr}");
    let (status, stdout, _) = reconcile(sqlite.path(), &["plan", "--exit-code"]);
    assert_eq!(status, 0, "{stdout}");
    let (_, sqlite_kdl, _) = reconcile(sqlite.path(), &["inspect"]);
    for table in ["users", "items"] {
        assert!(
            sqlite_kdl.contains(&format!("table \"{table}\"")),
            "{sqlite_kdl}"
        );
    }
    dir
}

#[test]
fn a_sqlalchemy_database_is_adopted_and_moved_to_the_example_schema() {
    let Some(db) = server_db() else { return };
    db.run_script(SQLALCHEMY).unwrap();
    db.run_script(SQLALCHEMY_ROWS).unwrap();
    let dir = adopt_sqlalchemy(&db);

    // Against the example schema only what truly differs shows: the keys are `bigint`
    // there, and the unique index and the foreign key have reconcile's names, not those
    // SQLAlchemy and the server chose. The key is dropped around the type changes (MySQL
    // refuses to change a column a foreign key uses) and its index goes with it. The view
    // over `users` is given its query again once `users.id` is a `bigint`.
    let example = std::fs::read_to_string(common::project_root().join("schema.kdl")).unwrap();
    write_schema(dir.path(), &example);
    let (status, stdout, _) = reconcile(dir.path(), &["plan"]);
    assert_eq!(status, 0, "{stdout}");
    // How each statement runs is pinned elsewhere (tests/online_ddl.rs).
    assert_eq!(
        stdout
            .lines()
            .filter(|l| !l.starts_with("    runs") && !l.starts_with("lint: "))
            .collect::<Vec<_>>(),
        [
            "- drop foreign key `items_ibfk_1` on `items` (owner_id) -> `users`(id) on delete cascade",
            "~ alter table `items`",
            "    - drop index `owner_id` (owner_id)",
            "    ~ alter column `id`: type int -> bigint",
            "    ~ alter column `owner_id`: type int -> bigint",
            "~ alter table `users`",
            "    > rename index `email` to `uq_users_email`",
            "    ~ alter column `id`: type int -> bigint",
            "+ add foreign key `fk_items_owner_id_users` on `items` (owner_id) -> `users`(id) on delete cascade",
            "~ replace view `active_users`",
            "Plan: 5 changes, 0 destructive.",
        ],
        "{stdout}"
    );
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(reconcile(dir.path(), &["plan", "--exit-code"]).0, 0);
    assert_eq!(
        db.rows("SELECT i.title, u.email, u.is_active, u.created_at IS NOT NULL FROM items i LEFT JOIN users u ON u.id = i.owner_id ORDER BY i.id")
            .unwrap(),
        ["one|a@x|1|1", "two|b@x|1|1", "three|NULL|NULL|0"]
    );
    assert_eq!(
        db.rows("SELECT * FROM alembic_version").unwrap(),
        ["4f2e1c"]
    );
    // The server still sets `updated_at` when a row changes.
    db.run_script(
        "UPDATE items SET updated_at = '2000-01-01 00:00:00';
         UPDATE items SET title = 'uno' WHERE title = 'one';",
    )
    .unwrap();
    assert_eq!(
        db.rows("SELECT title, updated_at > '2000-01-01 00:00:00' FROM items ORDER BY id")
            .unwrap(),
        ["uno|1", "two|0", "three|0"]
    );
    // And computes `title_key` from the title.
    assert_eq!(
        db.rows("SELECT title_key FROM items ORDER BY id").unwrap(),
        ["uno", "two", "three"]
    );
    db.close();
}

/// The same app on MySQL 9.7 (optional: skipped loudly without its server).
#[test]
fn a_sqlalchemy_database_on_mysql_9_is_adopted() {
    let Some(base) = Server::Mysql8.url() else {
        return;
    };
    let db = LiveDb::on_server(Server::Mysql8, &base);
    db.run_script(SQLALCHEMY).unwrap();
    db.run_script(SQLALCHEMY_ROWS).unwrap();
    adopt_sqlalchemy(&db);
    db.close();
}

const PASSWORD: &str = "Pr0d-s3cret;pw@x";

#[test]
fn the_production_environment_connects_with_config_env_and_never_shows_the_password() {
    let Some(base) = Server::Mysql.url() else {
        return;
    };
    let db = LiveDb::on_server(Server::Mysql, &base);
    let LiveDb::Server(temp) = &db else {
        unreachable!()
    };
    let user = format!("u{}", &temp.name[temp.name.len().saturating_sub(12)..]);
    let host_port = base
        .rsplit('@')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .to_string();
    let (host, port) = host_port.split_once(':').unwrap_or((&host_port, "3306"));
    let admin = |statements: &[String]| {
        common::live::block_on(common::exec_on_server(Server::Mysql, &base, statements))
    };
    admin(&[
        format!(
            "CREATE USER '{user}'@'%' IDENTIFIED BY '{}'",
            PASSWORD.replace('\'', "''")
        ),
        format!(
            "CREATE USER '{user}'@'localhost' IDENTIFIED BY '{}'",
            PASSWORD.replace('\'', "''")
        ),
        format!("GRANT ALL ON `{}`.* TO '{user}'@'%'", temp.name),
        format!("GRANT ALL ON `{}`.* TO '{user}'@'localhost'", temp.name),
    ])
    .unwrap();

    // The example project as a user clones it, with the credentials in config.env.
    let dir = tempfile::tempdir().unwrap();
    let root = common::project_root();
    std::fs::copy(root.join("schema.kdl"), dir.path().join("schema.kdl")).unwrap();
    std::fs::create_dir(dir.path().join("environments")).unwrap();
    for file in ["development.kdl", "production.kdl"] {
        std::fs::copy(
            root.join("environments").join(file),
            dir.path().join("environments").join(file),
        )
        .unwrap();
    }
    std::fs::write(
        dir.path().join("config.env"),
        format!(
            "DB_USER={user}\nDB_PASSWORD='{PASSWORD}'\nDB_HOST={host}\nDB_PORT={port}\nDB_DATABASE={}\n",
            temp.name
        ),
    )
    .unwrap();
    let mut outputs = Vec::new();
    let mut run = |args: &[&str]| {
        let (status, stdout, stderr) = reconcile(dir.path(), args);
        outputs.push(format!("{args:?}\n{stdout}{stderr}"));
        (status, stdout, stderr)
    };
    let (status, stdout, stderr) = run(&["plan", "--env", "production"]);
    assert_eq!(status, 0, "{stdout}{stderr}");
    assert!(stdout.contains("create table `users`"), "{stdout}");
    for format in ["sql", "json"] {
        assert_eq!(
            run(&["plan", "--env", "production", "--format", format]).0,
            0
        );
    }
    let (status, _, stderr) = run(&["apply", "--env", "production", "--yes"]);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(run(&["plan", "--env", "production", "--exit-code"]).0, 0);
    assert_eq!(run(&["inspect", "--env", "production"]).0, 0);
    // A wrong password and an unreachable database fail; their errors hide the secret too.
    let (status, _, stderr) = reconcile_with(
        dir.path(),
        &["plan", "--env", "production"],
        &[("DB_PASSWORD", "wrong-Pr0d-s3cret")],
    );
    assert_eq!(status, 1);
    assert!(stderr.contains("cannot connect"), "{stderr}");
    outputs.push(stderr);
    let (status, _, stderr) = reconcile_with(
        dir.path(),
        &["apply", "--env", "production"],
        &[("DB_DATABASE", "no/such`db")],
    );
    assert_eq!(status, 1);
    outputs.push(stderr);
    for output in &outputs {
        for secret in [PASSWORD, "Pr0d-s3cret", "s3cret"] {
            assert!(!output.contains(secret), "the password shows:\n{output}");
        }
    }
    admin(&[
        format!("DROP USER '{user}'@'%'"),
        format!("DROP USER '{user}'@'localhost'"),
    ])
    .unwrap();
    db.close();
}

/// Stored functions and procedures are listed by `inspect` and `plan`, and an apply around
/// them leaves them working.
#[test]
fn routines_are_listed_and_left_alone() {
    let Some(db) = server_db() else { return };
    let statements = [
        "CREATE TABLE t (id int PRIMARY KEY)",
        "CREATE FUNCTION twice(x int) RETURNS int DETERMINISTIC RETURN x * 2",
        "CREATE PROCEDURE cleanup() DELETE FROM t WHERE id < 0",
        "INSERT INTO t VALUES (1)",
    ];
    db.run(&statements.map(String::from)).unwrap();
    let dir = project(
        &db,
        "table t {
            column id int primary-key=#true
            column note text nullable=#true
        }",
    );
    let (status, stdout, stderr) = reconcile(dir.path(), &["plan"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(
        stdout.contains(
            "Left alone (not described by schema.kdl): procedure `cleanup`, function `twice`"
        ),
        "{stdout}"
    );
    let (_, kdl, _) = reconcile(dir.path(), &["inspect"]);
    assert!(
        kdl.contains("left alone: procedure \"cleanup\"")
            && kdl.contains("left alone: function \"twice\""),
        "{kdl}"
    );
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 0, "{stderr}");
    db.run(&["CALL cleanup()".to_string()]).unwrap();
    assert_eq!(
        db.rows("SELECT twice(id), note FROM t").unwrap(),
        ["2|NULL"]
    );
    db.close();
}

/// A database made by hand on either MySQL-family server, with a check and a generated
/// column over string literals and a function MariaDB renames (`lower` is its `lcase`):
/// `inspect` prints them so that the same file plans empty there and creates the SQLite
/// development database (MySQL 9 keeps `_utf8mb4'...'` introducers in its catalog).
#[test]
fn an_inspected_check_and_generated_column_also_create_the_sqlite_database() {
    for server in [Server::Mysql, Server::Mysql8] {
        let Some(base) = server.url() else { continue };
        let db = LiveDb::on_server(server, &base);
        db.run_script(
            "CREATE TABLE tags (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, \
             slug VARCHAR(40) GENERATED ALWAYS AS (lower(concat(name, '-x'))) STORED, \
             CONSTRAINT ck_tags_name CHECK (name <> 'it''s'));
             INSERT INTO tags (id, name) VALUES (1, 'Ann');",
        )
        .unwrap();
        let dir = project(&db, "");
        let (status, kdl, stderr) = reconcile(dir.path(), &["inspect"]);
        assert_eq!(status, 0, "{server:?}: {stderr}");
        assert!(
            !kdl.contains("_utf8mb4") && !kdl.contains("lcase"),
            "{server:?}: {kdl}"
        );
        write_schema(dir.path(), &kdl);
        let (status, stdout, stderr) = reconcile(dir.path(), &["plan", "--exit-code"]);
        assert_eq!(status, 0, "{server:?}: {kdl}\n{stdout}{stderr}");
        let sqlite = common::sqlite_project(&kdl);
        let (status, _, stderr) = reconcile(sqlite.path(), &["apply", "--yes"]);
        assert_eq!(status, 0, "{server:?}: {kdl}\n{stderr}");
        let (status, stdout, _) = reconcile(sqlite.path(), &["plan", "--exit-code"]);
        assert_eq!(status, 0, "{server:?}: {stdout}");
        assert_eq!(db.rows("SELECT slug FROM tags").unwrap(), ["ann-x"]);
        db.close();
    }
}
