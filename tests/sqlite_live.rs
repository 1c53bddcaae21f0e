//! Live reconcile on real SQLite files: refusals, rollbacks and the other behaviours that a
//! case folder cannot state. The data-driven cases (apply a desired schema to a database
//! with rows, then check rows, convergence and idempotence) live in `tests/cases/`, run by
//! `tests/cases.rs`.

mod common;

use common::sqlite::{exec as run_sql, rows};
use common::{reconcile, sqlite_project};

const USERS: &str = r#"CREATE TABLE "users" ("id" INTEGER PRIMARY KEY, "email" VARCHAR(20) NOT NULL, "name" VARCHAR(10));
INSERT INTO users VALUES (1, 'a@x', 'ann'), (2, 'b@x', NULL);"#;

#[test]
fn destructive_plan_refused_leaves_database_untouched() {
    let dir = sqlite_project("table users {\n  column id int primary-key=#true\n}\n");
    let db = dir.path().join("dev.db");
    run_sql(&db, USERS);
    let before = rows(&db, "SELECT sql FROM sqlite_schema ORDER BY name");
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 1);
    assert!(stderr.contains("`users`: drop column `email`"), "{stderr}");
    assert_eq!(
        rows(&db, "SELECT sql FROM sqlite_schema ORDER BY name"),
        before
    );
    assert_eq!(
        rows(&db, "SELECT id, email FROM users ORDER BY id"),
        ["1|a@x", "2|b@x"]
    );
}

#[test]
fn environment_allow_destructive_permits_the_plan() {
    let dir = sqlite_project("table users {\n  column id int primary-key=#true\n}\n");
    run_sql(&dir.path().join("dev.db"), USERS);
    std::fs::write(
        dir.path().join("environments/development.kdl"),
        "url \"sqlite://dev.db\"\nallow-destructive #true\n",
    )
    .unwrap();
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 0, "{stderr}");
}

#[test]
fn duplicates_under_a_new_unique_index_are_refused_with_the_count() {
    let dir = sqlite_project(
        "table users {\n  column id int primary-key=#true\n  column email string length=20 unique=#true\n  column name string length=10 nullable=#true\n  column extra int nullable=#true\n}\n",
    );
    let db = dir.path().join("dev.db");
    run_sql(
        &db,
        "CREATE TABLE \"users\" (\"id\" INTEGER PRIMARY KEY, \"email\" VARCHAR(20) NOT NULL, \"name\" VARCHAR(10));\nINSERT INTO users VALUES (1, 'same', 'a'), (2, 'same', 'b'), (3, 'other', 'c');",
    );
    let before = rows(&db, "SELECT sql FROM sqlite_schema ORDER BY name");
    let (status, stdout, _) = reconcile(dir.path(), &["plan"]);
    assert_eq!(status, 0);
    assert!(
        stdout.contains("has duplicate values: 1 row(s)"),
        "plan must show what apply refuses: {stdout}"
    );
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 1);
    assert!(
        stderr.contains(
            "the new unique index `uq_users_email` on `users` has duplicate values: 1 row(s)"
        ),
        "{stderr}"
    );
    assert_eq!(
        rows(&db, "SELECT sql FROM sqlite_schema ORDER BY name"),
        before
    );
}

#[test]
fn failing_statement_rolls_back_everything() {
    // Preflight cannot count duplicates of a column whose value is an SQL expression before
    // it exists: the unique index over the new column fails, after the column was added.
    let dir = sqlite_project(
        "table users {\n  column id int primary-key=#true\n  column email string length=20\n  column name string length=10 nullable=#true\n  column code string length=5 default=(sql)\"lower('X')\" unique=#true\n}\n",
    );
    let db = dir.path().join("dev.db");
    run_sql(&db, USERS);
    let before = rows(&db, "SELECT sql FROM sqlite_schema ORDER BY name");
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 1);
    assert!(stderr.contains("from alter table `users`"), "{stderr}");
    assert!(stderr.contains("UNIQUE constraint failed"), "{stderr}");
    assert!(stderr.contains("nothing was changed"), "{stderr}");
    assert_eq!(
        rows(&db, "SELECT sql FROM sqlite_schema ORDER BY name"),
        before,
        "the added column was not rolled back"
    );
    assert_eq!(
        rows(&db, "SELECT id, name FROM users ORDER BY id"),
        ["1|ann", "2|NULL"]
    );
}

#[test]
fn not_null_without_default_on_rows_is_refused_with_the_count() {
    let dir = sqlite_project(
        "table users {\n  column id int primary-key=#true\n  column email string length=20\n  column name string length=10\n}\n",
    );
    let db = dir.path().join("dev.db");
    run_sql(&db, USERS);
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 1);
    assert!(stderr.contains("holds NULLs: 1 row(s)"), "{stderr}");
    assert_eq!(
        rows(&db, "SELECT id, name FROM users ORDER BY id"),
        ["1|ann", "2|NULL"]
    );
}

#[test]
fn narrowing_that_would_truncate_is_refused_even_with_the_flag() {
    let dir = sqlite_project(
        "table users {\n  column id int primary-key=#true\n  column email string length=2\n  column name string length=10 nullable=#true\n}\n",
    );
    let db = dir.path().join("dev.db");
    run_sql(&db, USERS);
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes", "--allow-destructive"]);
    assert_eq!(status, 1);
    assert!(
        stderr.contains("would change stored values: 2 row(s)"),
        "{stderr}"
    );
}

#[test]
fn ambiguous_rename_is_an_error() {
    let dir = sqlite_project("table b renamed-from=a {\n  column id int primary-key=#true\n}\n");
    run_sql(
        &dir.path().join("dev.db"),
        "CREATE TABLE a (id INTEGER PRIMARY KEY); CREATE TABLE b (id INTEGER PRIMARY KEY);",
    );
    let (status, _, stderr) = reconcile(dir.path(), &["plan"]);
    assert_eq!(status, 1);
    assert!(stderr.contains("renamed-from=a"), "{stderr}");
}

#[test]
fn readme_main_command_creates_the_example_database() {
    let dir = tempfile::tempdir().unwrap();
    let root = common::project_root();
    std::fs::copy(root.join("schema.kdl"), dir.path().join("schema.kdl")).unwrap();
    std::fs::create_dir(dir.path().join("environments")).unwrap();
    std::fs::copy(
        root.join("environments/development.kdl"),
        dir.path().join("environments/development.kdl"),
    )
    .unwrap();
    let (status, _, stderr) = reconcile(dir.path(), &["apply"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(dir.path().join("dev.db").exists());
    assert_eq!(reconcile(dir.path(), &["plan", "--exit-code"]).0, 0);
    std::fs::write(
        dir.path().join("schema.kdl"),
        std::fs::read_to_string(root.join("schema.kdl"))
            .unwrap()
            .replace("length=200 nullable=#true", "length=300 nullable=#true"),
    )
    .unwrap();
    let (status, stdout, _) = reconcile(dir.path(), &["plan", "--exit-code"]);
    assert_eq!(status, 2, "{stdout}");
    assert!(
        stdout.contains("~ alter table `items` (rebuilt)"),
        "{stdout}"
    );
}
