//! The apply orchestrator through the library, on real SQLite files: a plan approved before
//! the lock is refused when the database changed since; a process killed in the middle of
//! an apply leaves the database as it was, and the next apply finishes the work.

mod common;

use std::time::Duration;

use common::sqlite::{exec, rows, schema};
use reconcile::database::apply::{Options, Quiet};
use reconcile::database::{Intent, Session};
use reconcile::dialect::Dialect;
use reconcile::environment::Environment;
use reconcile::project::schema_from_source;
use reconcile::redact::SecretUrl;

fn environment() -> Environment {
    Environment {
        connect_timeout: 10,
        name: "test".into(),
        url: SecretUrl::new("sqlite://dev.db".into()),
        dialect: Dialect::Sqlite,
        allow_destructive: false,
        max_blocking_rows: None,
        lints: Default::default(),
        online_schema_change: None,
        lock_timeout: 5,
        statement_lock_timeout: 5,
        statement_lock_retries: 3,
        concurrent_indexes: true,
        create_database: true,
        scratch_url: None,
        notes: Vec::new(),
    }
}

#[test]
fn an_approved_plan_is_refused_when_the_database_changed_since() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("dev.db");
    exec(
        &db,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a VARCHAR(5) NOT NULL); INSERT INTO t VALUES (1, 'x');",
    );
    let desired = schema_from_source(
        "table t {\n  column id int primary-key=#true\n  column a string length=50\n  column b int nullable=#true\n}\n",
        &[Dialect::Sqlite],
    )
    .unwrap();
    let mut session = Session::open(&environment(), dir.path(), Intent::Write).unwrap();
    let approved = session.plan(&desired).unwrap();
    assert!(!approved.is_empty());
    // Someone adds the column between the review and the apply.
    exec(&db, "ALTER TABLE t ADD COLUMN b INTEGER");
    let before = schema(&db);
    let options = Options {
        environment: "test",
        allow_destructive: false,
        max_blocking_rows: None,
        lints: &Default::default(),
        lock_timeout: Duration::from_secs(5),
        lock_retries: 3,
        online_schema_change: None,
        approved: Some(&approved),
        saved: None,
    };
    match session.apply(&desired, &options, &mut Quiet) {
        Err(reconcile::Error::PlanChanged) => {}
        other => panic!("expected PlanChanged, got {other:?}"),
    }
    assert_eq!(schema(&db), before, "a refused apply changed the schema");

    // Without an approved plan, the plan made under the lock is applied.
    let options = Options {
        approved: None,
        saved: None,
        ..options
    };
    let applied = session.apply(&desired, &options, &mut Quiet).unwrap();
    assert_eq!(applied.steps.len(), 1);
    assert!(session.plan(&desired).unwrap().is_empty());
    assert_eq!(rows(&db, "SELECT id, a, b FROM t"), ["1|x|NULL"]);
}

#[test]
fn a_killed_apply_leaves_the_database_as_it_was() {
    let tables: String = (0..1000)
        .map(|i| format!("table t{i} {{\n  column id int primary-key=#true\n  column a string length=20 unique=#true\n  column b int nullable=#true\n  index b\n}}\n"))
        .collect();
    // How long a whole apply takes here; the kills land at points of it, most of them while
    // the statements run (the second half).
    let full = {
        let dir = common::sqlite_project(&tables);
        let start = std::time::Instant::now();
        assert_eq!(common::reconcile(dir.path(), &["apply", "--yes"]).0, 0);
        start.elapsed()
    };
    for fraction in [0.6, 0.8, 0.95] {
        let delay = full.mul_f64(fraction).as_millis();
        let dir = common::sqlite_project(&tables);
        let db = dir.path().join("dev.db");
        exec(
            &db,
            "CREATE TABLE keep (id INTEGER PRIMARY KEY); INSERT INTO keep VALUES (1), (2);",
        );
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_reconcile"))
            .args(["apply", "--yes", "--allow-destructive"])
            .current_dir(dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay as u64));
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(rows(&db, "PRAGMA integrity_check"), ["ok"]);
        let n: usize = rows(
            &db,
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name LIKE 't%'",
        )[0]
        .parse()
        .unwrap();
        let kept = rows(
            &db,
            "SELECT count(*) FROM sqlite_schema WHERE name = 'keep'",
        )[0]
        .clone();
        assert!(
            (n == 0 && kept == "1") || (n == 1000 && kept == "0"),
            "killed after {delay} ms: half an apply is visible ({n} tables, keep={kept})"
        );
        let (status, _, stderr) =
            common::reconcile(dir.path(), &["apply", "--yes", "--allow-destructive"]);
        assert_eq!(status, 0, "{stderr}");
        assert_eq!(common::reconcile(dir.path(), &["plan", "--exit-code"]).0, 0);
    }
}
