//! Applies that run at the same time on one SQLite file, and the apply lock: every run
//! succeeds or fails naming the lock, and no row is ever lost or overwritten. Also: the
//! catalog is read in a fixed number of queries, whatever the number of tables.

mod common;

use std::process::{Command, Stdio};

use common::sqlite::{exec, rows};
use common::sqlite_project;
use reconcile::database::{Intent, Session};
use reconcile::dialect::Dialect;
use reconcile::environment::Environment;
use reconcile::redact::SecretUrl;

const BEFORE: &str = "CREATE TABLE members (id INTEGER PRIMARY KEY, kind VARCHAR(5) NOT NULL, note VARCHAR(5));
CREATE TABLE logins (id INTEGER PRIMARY KEY, member_id INTEGER REFERENCES members (id) ON DELETE CASCADE);
INSERT INTO members VALUES (1, 'admin', 'a'), (2, 'guest', NULL), (3, 'guest', 'c');
INSERT INTO logins VALUES (10, 1), (11, 2), (12, 3);";

/// A rename of the table and of a column, and a widening that rebuilds it over its rows.
const DESIRED: &str = "table memberships renamed-from=members {
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
fn eight_applies_started_together_keep_every_row() {
    for round in 0..3 {
        let dir = sqlite_project(DESIRED);
        let db = dir.path().join("dev.db");
        exec(&db, BEFORE);
        let applied = common::race_applies(dir.path(), 8);
        assert_eq!(
            applied, 1,
            "round {round}: exactly one apply makes the changes"
        );
        assert_eq!(
            rows(
                &db,
                "SELECT m.id, m.role, m.note, l.id FROM memberships m JOIN logins l ON l.member_id = m.id ORDER BY m.id"
            ),
            ["1|admin|a|10", "2|guest|NULL|11", "3|guest|c|12"],
            "round {round}"
        );
        let (status, stdout, _) = common::reconcile(dir.path(), &["plan", "--exit-code"]);
        assert_eq!(status, 0, "round {round}: {stdout}");
    }
}

#[test]
fn a_held_lock_times_out_with_its_name_and_changes_nothing() {
    let dir = sqlite_project(DESIRED);
    let db = dir.path().join("dev.db");
    exec(&db, BEFORE);
    std::fs::write(
        dir.path().join("environments/development.kdl"),
        "url \"sqlite://dev.db\"\nlock-timeout 1\ncreate-database #true\n",
    )
    .unwrap();
    // Another writer holds SQLite's write lock while apply waits for it.
    let holder = Command::new("sqlite3")
        .arg(&db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn();
    let Ok(mut holder) = holder else {
        common::shout("SKIPPED: the sqlite3 client is not installed");
        return;
    };
    {
        use std::io::Write;
        let stdin = holder.stdin.as_mut().unwrap();
        writeln!(stdin, "BEGIN IMMEDIATE; SELECT 1;").unwrap();
        stdin.flush().unwrap();
    }
    // The `1` comes back once BEGIN IMMEDIATE holds the lock: no guessing how long it takes.
    {
        use std::io::BufRead;
        let mut line = String::new();
        std::io::BufReader::new(holder.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "1", "sqlite3 did not take the lock");
    }
    let (status, _, stderr) = common::reconcile(dir.path(), &["apply", "--yes"]);
    drop(holder.stdin.take());
    let _ = holder.wait();
    assert_eq!(status, 1, "{stderr}");
    let file = dir.path().join("dev.db");
    assert!(
        stderr.contains(&format!(
            "another apply holds the lock `the write lock of {}`; waited 1 s",
            file.display()
        )),
        "{stderr}"
    );
    assert_eq!(
        rows(&db, "SELECT name FROM sqlite_schema WHERE name = 'members'"),
        ["members"]
    );
    let (status, _, stderr) = common::reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 0, "once the lock is free: {stderr}");
}

fn environment(url: String) -> Environment {
    Environment {
        connect_timeout: 10,
        name: "test".into(),
        url: SecretUrl::new(url),
        dialect: Dialect::Sqlite,
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

/// Tables with columns, two indexes and a foreign key each.
fn tables(n: usize) -> String {
    (0..n)
        .map(|i| {
            let parent = if i == 0 { "" } else { ", p INTEGER REFERENCES t0 (id)" };
            format!(
                "CREATE TABLE t{i} (id INTEGER PRIMARY KEY, a TEXT NOT NULL, b INTEGER DEFAULT 1{parent});
                 CREATE INDEX ix_t{i}_a ON t{i} (a); CREATE UNIQUE INDEX uq_t{i}_b ON t{i} (b);\n"
            )
        })
        .collect()
}

#[test]
fn introspection_runs_the_same_number_of_queries_for_1_and_1000_tables() {
    let mut counts = Vec::new();
    for n in [1, 1000] {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("dev.db");
        exec(&db, &format!("BEGIN;\n{}COMMIT;", tables(n)));
        let env = environment(format!("sqlite:///{}", db.display()));
        let mut session = Session::open(&env, dir.path(), Intent::Read).unwrap();
        let before = session.queries();
        let schema = session.introspect().unwrap();
        assert_eq!(schema.tables.len(), n);
        assert!(
            schema
                .tables
                .iter()
                .all(|t| t.indexes.len() == 2 && t.columns.len() >= 3)
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
    }
    assert_eq!(
        counts[0], counts[1],
        "queries for 1 and 1000 tables: {counts:?}"
    );
}
