//! The live engine on real SQLite files, where tools break: databases made by other tools
//! (SQLAlchemy's `create_all`, hand-written DDL with inline constraints), spellings that mean
//! the same thing, conversions that keep or lose values, what a rebuild must never drop, and
//! files that do not exist yet. Each test pins one fault seen before the engine was rebuilt.

mod common;

use std::path::Path;

use common::sqlite::{exec, rows, schema};
use common::{reconcile, sqlite_project};

/// A project on `dev.db` holding `before`, with `desired` as its schema.kdl.
fn project(before: &str, desired: &str) -> tempfile::TempDir {
    let dir = sqlite_project(desired);
    if !before.is_empty() {
        exec(&dir.path().join("dev.db"), before);
    }
    dir
}

fn db(dir: &tempfile::TempDir) -> std::path::PathBuf {
    dir.path().join("dev.db")
}

/// `plan --exit-code` in `dir`: (status, stdout, stderr).
fn plan(dir: &Path) -> (i32, String, String) {
    reconcile(dir, &["plan", "--exit-code"])
}

/// Writes `inspect`'s output as the project's schema.kdl; then the plan must be empty.
fn assert_inspect_plans_empty(dir: &Path) {
    let (status, kdl, stderr) = reconcile(dir, &["inspect"]);
    assert_eq!(status, 0, "inspect: {stderr}");
    assert!(
        !kdl.contains("sqlite_autoindex"),
        "internal names shown:\n{kdl}"
    );
    std::fs::write(dir.join("schema.kdl"), &kdl).unwrap();
    let (status, stdout, stderr) = plan(dir);
    assert_eq!(
        status, 0,
        "inspect does not plan empty:\n{kdl}\n{stdout}{stderr}"
    );
}

const SQLALCHEMY: &str = include_str!("fixtures/sqlalchemy/create_all.sqlite.sql");

#[test]
fn a_sqlalchemy_database_reads_back_as_its_schema() {
    let example = std::fs::read_to_string(common::project_root().join("schema.kdl")).unwrap();
    let dir = project(SQLALCHEMY, &example);
    exec(
        &db(&dir),
        "INSERT INTO alembic_version VALUES ('4f2e1c');
         INSERT INTO users (email, hashed_password) VALUES ('a@x', 'h1'), ('b@x', 'h2');
         INSERT INTO items (title, owner_id) VALUES ('one', 1), ('two', 2), ('three', NULL);",
    );
    // Against the example schema only what truly differs shows: `owner_id` is an INTEGER
    // there and a `bigint` here, and SQLAlchemy's `Enum` is a bare VARCHAR(6) on SQLite,
    // which the example's enum turns into a check (a change that could lose values, so
    // destructive; preflight counts the values outside the enum: none). Types and defaults
    // spelled the SQLAlchemy way do not show.
    let (status, stdout, _) = plan(dir.path());
    assert_eq!(status, 2, "{stdout}");
    let changes: Vec<&str> = stdout.lines().filter(|l| l.starts_with("    ")).collect();
    assert_eq!(
        changes,
        [
            "    ~ alter column `owner_id`: type int -> bigint",
            "    runs: write lock: recreates the table (about 3 rows, 4.1 kB), writes blocked (5 statements)",
            "    ~ alter column `role`: type string(6) -> enum(admin, member)",
            "    runs: write lock: recreates the table (about 2 rows, 4.1 kB), writes blocked (6 statements)",
            "    checked, none found: `users.role` (string(6) -> enum(admin, member)) would change stored values",
        ],
        "{stdout}"
    );
    assert!(stdout.contains("1 destructive"), "{stdout}");
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes", "--allow-destructive"]);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(
        rows(
            &db(&dir),
            "SELECT i.title, u.email, u.is_active, u.created_at IS NOT NULL FROM items i LEFT JOIN users u ON u.id = i.owner_id ORDER BY i.id"
        ),
        ["one|a@x|1|1", "two|b@x|1|1", "three|NULL|NULL|0"]
    );
    assert_eq!(rows(&db(&dir), "SELECT * FROM alembic_version"), ["4f2e1c"]);
    // `Computed` is the example's generated column; the rebuilds computed it again.
    assert_eq!(
        rows(&db(&dir), "SELECT title_key FROM items ORDER BY id"),
        ["one", "two", "three"]
    );

    // Adopting the database as it is: inspect prints a schema that plans empty.
    let dir = project(SQLALCHEMY, "");
    let (_, kdl, _) = reconcile(dir.path(), &["inspect"]);
    assert!(kdl.contains("ignore alembic_version"), "{kdl}");
    // The functional index, its expression as written.
    assert!(
        kdl.contains("index (sql)\"lower(email)\" name=\"ix_users_email_lower\""),
        "{kdl}"
    );
    assert_inspect_plans_empty(dir.path());
}

#[test]
fn spellings_that_mean_the_same_plan_nothing() {
    let dir = project(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, price DECIMAL(12, 2) NOT NULL, qty INT NOT NULL,
           ratio FLOAT, flag BOOLEAN NOT NULL DEFAULT 1, off BOOLEAN NOT NULL DEFAULT '0',
           n numeric(5,0) DEFAULT '7', s varchar( 20 ) NOT NULL DEFAULT 'x');",
        "table t {
           column id int primary-key=#true
           column price decimal precision=12 scale=2
           column qty int
           column ratio float nullable=#true
           column flag bool default=#true
           column off bool default=#false
           column n decimal precision=5 nullable=#true default=7
           column s string length=20 default=x
         }",
    );
    let (status, stdout, stderr) = plan(dir.path());
    assert_eq!(status, 0, "{stdout}{stderr}");
    assert_inspect_plans_empty(dir.path());
}

#[test]
fn an_inline_unique_is_matched_by_definition_and_dropped_by_a_rebuild() {
    let before = "CREATE TABLE u (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL, UNIQUE (name, email));
                  INSERT INTO u VALUES (1, 'a', 'x'), (2, 'b', 'x');";
    let kept = "table u {
      column id int primary-key=#true
      column email text unique=#true
      column name text
      index name email unique=#true
    }";
    let dir = project(before, kept);
    assert_eq!(
        plan(dir.path()).0,
        0,
        "an inline UNIQUE satisfies unique=#true"
    );
    assert_inspect_plans_empty(dir.path());

    // Dropping one and changing the other: a rebuild, never `DROP INDEX sqlite_autoindex_*`.
    let dir = project(
        before,
        "table u {
          column id int primary-key=#true
          column email text
          column name text
          index email name unique=#true
        }",
    );
    let (_, sql, _) = reconcile(dir.path(), &["plan", "--format", "sql"]);
    assert!(!sql.contains("DROP INDEX"), "{sql}");
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(plan(dir.path()).0, 0);
    assert_eq!(
        rows(
            &db(&dir),
            "SELECT name FROM pragma_index_list('u') ORDER BY name"
        ),
        ["uq_u_email_name"]
    );
    assert_eq!(
        rows(&db(&dir), "SELECT id, email FROM u ORDER BY id"),
        ["1|a", "2|b"]
    );
}

#[test]
fn a_rebuild_keeps_what_the_model_does_not_describe() {
    let dir = project(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(5) NOT NULL COLLATE NOCASE,
           n INTEGER NOT NULL CHECK (n >= 0), CHECK (length(name) > 0));
         CREATE TABLE log (msg TEXT);
         CREATE INDEX ix_t_lower ON t (lower(name));
         CREATE VIEW v AS SELECT name FROM t;
         CREATE TRIGGER t_log AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.name); END;
         INSERT INTO t VALUES (1, 'Ann', 3);",
        "",
    );
    // Adopt it as inspect prints it, then widen `name`: a rebuild.
    assert_inspect_plans_empty(dir.path());
    let kdl = std::fs::read_to_string(dir.path().join("schema.kdl")).unwrap();
    assert!(kdl.contains("collate=\"NOCASE\""), "{kdl}");
    // The index over an expression is the schema's, read from its statement.
    assert!(
        kdl.contains("index (sql)\"lower(name)\" name=\"ix_t_lower\""),
        "{kdl}"
    );
    std::fs::write(
        dir.path().join("schema.kdl"),
        kdl.replace("string length=5", "string length=50"),
    )
    .unwrap();
    let (status, stdout, _) = plan(dir.path());
    assert_eq!(status, 2);
    assert!(stdout.contains("(rebuilt)"), "{stdout}");
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(plan(dir.path()).0, 0);
    let sql = rows(&db(&dir), "SELECT sql FROM sqlite_schema WHERE name = 't'").join("");
    assert!(sql.contains("COLLATE \"NOCASE\""), "{sql}");
    assert!(sql.contains("CHECK (n >= 0)"), "{sql}");
    assert!(sql.contains("CHECK (length(name) > 0)"), "{sql}");
    assert_eq!(
        rows(
            &db(&dir),
            "SELECT type, name FROM sqlite_schema WHERE type IN ('index', 'view', 'trigger') ORDER BY name"
        ),
        ["index|ix_t_lower", "trigger|t_log", "view|v"]
    );
    exec(&db(&dir), "INSERT INTO t VALUES (2, 'bob', 1)");
    assert_eq!(
        rows(&db(&dir), "SELECT name FROM v WHERE name = 'ANN'"),
        ["Ann"]
    );
    assert_eq!(rows(&db(&dir), "SELECT msg FROM log"), ["Ann", "bob"]);
}

/// A table holding what the model cannot describe is never rebuilt: plan and apply refuse,
/// naming it, and nothing changes.
#[test]
fn a_rebuild_that_would_lose_what_the_model_does_not_hold_is_refused_by_name() {
    let dir = project(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a VARCHAR(5) NOT NULL) WITHOUT ROWID;
         INSERT INTO t (id, a) VALUES (1, 'x');",
        "table t {\n  column id int primary-key=#true\n  column a string length=50\n}\n",
    );
    let before = schema(&db(&dir));
    for args in [&["plan"][..], &["apply", "--yes"][..]] {
        let (status, _, stderr) = reconcile(dir.path(), args);
        assert_eq!(status, 1, "{stderr}");
        assert!(stderr.contains("WITHOUT ROWID"), "{stderr}");
    }
    assert_eq!(schema(&db(&dir)), before);
    assert_eq!(rows(&db(&dir), "SELECT a FROM t"), ["x"]);
}

/// A generated column made by another tool is read with its expression: a rebuild for
/// another column's change creates it again from that expression (it takes no copied
/// value), and dropping it from the schema loses nothing stored.
#[test]
fn a_rebuild_keeps_a_generated_column_made_by_another_tool() {
    let dir = project(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a VARCHAR(5) NOT NULL, b TEXT GENERATED ALWAYS AS (upper(a)) VIRTUAL);
         INSERT INTO t (id, a) VALUES (1, 'x');",
        "table t {\n  column id int primary-key=#true\n  column a string length=50\n  column b text nullable=#true generated=(sql)\"upper(a)\"\n}\n",
    );
    let (_, planned, _) = reconcile(dir.path(), &["plan"]);
    assert!(planned.contains("(rebuilt)"), "{planned}");
    let (status, stdout, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 0, "{stdout}{stderr}");
    assert_eq!(plan(dir.path()).0, 0);
    exec(&db(&dir), "INSERT INTO t (id, a) VALUES (2, 'yz')");
    assert_eq!(rows(&db(&dir), "SELECT b FROM t ORDER BY id"), ["X", "YZ"]);
    std::fs::write(
        dir.path().join("schema.kdl"),
        "table t {\n  column id int primary-key=#true\n  column a string length=50\n}\n",
    )
    .unwrap();
    let (status, stdout, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(
        status, 0,
        "dropping a generated column is not destructive: {stdout}{stderr}"
    );
    assert_eq!(rows(&db(&dir), "SELECT a FROM t ORDER BY id"), ["x", "yz"]);
}

#[test]
fn the_collate_hint_converges() {
    let dir = sqlite_project(
        "table t {\n  column id int primary-key=#true\n  column name string length=20 {\n    sqlite collate=NOCASE\n  }\n}\n",
    );
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(plan(dir.path()).0, 0);
}

#[test]
fn a_missing_column_is_an_error_never_a_string() {
    // With SQLite's double-quoted-string fallback, "nope" would be the string 'nope'.
    let dir = sqlite_project(
        "table t {\n  column id int primary-key=#true\n  column a int\n  check c \"\\\"nope\\\" <> ''\"\n}\n",
    );
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 1, "{stderr}");
    assert!(stderr.contains("no such column: \"nope\""), "{stderr}");
    assert!(rows(&db(&dir), "SELECT name FROM sqlite_schema").is_empty());
}

#[test]
fn declared_type_changes_that_keep_every_value_are_not_destructive() {
    // TIMESTAMP -> DATETIME stores the same values; an INT key becomes the rowid.
    let dir = project(
        "CREATE TABLE t (id INT PRIMARY KEY NOT NULL, at TIMESTAMP NOT NULL);
         INSERT INTO t VALUES (5, '2024-01-02 03:04:05'), (9, '2024-02-03 04:05:06');",
        "table t {\n  column id int primary-key=#true\n  column at datetime\n}\n",
    );
    let (status, stdout, _) = plan(dir.path());
    assert_eq!(status, 2);
    assert!(stdout.contains("0 destructive"), "{stdout}");
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(
        rows(&db(&dir), "SELECT rowid, id, at FROM t ORDER BY id"),
        ["5|5|2024-01-02 03:04:05", "9|9|2024-02-03 04:05:06"]
    );
    exec(&db(&dir), "INSERT INTO t (at) VALUES ('x')");
    assert_eq!(rows(&db(&dir), "SELECT max(id) FROM t"), ["10"]);
}

#[test]
fn a_string_becomes_an_int_where_every_value_survives() {
    let desired =
        "table t {\n  column id int primary-key=#true\n  column n bigint nullable=#true\n}\n";
    let dir = project(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, n VARCHAR(30));
         INSERT INTO t VALUES (1, '12'), (2, '9007199254740993'), (3, '-9223372036854775808'), (4, NULL), (5, 7);",
        desired,
    );
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 1, "a converting change needs the flag: {stderr}");
    assert!(stderr.contains("destructive"), "{stderr}");
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes", "--allow-destructive"]);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(
        rows(&db(&dir), "SELECT id, typeof(n), n FROM t ORDER BY id"),
        [
            "1|integer|12",
            "2|integer|9007199254740993",
            "3|integer|-9223372036854775808",
            "4|null|NULL",
            "5|integer|7"
        ]
    );

    // Values that would not survive are counted, and nothing changes, flag or not.
    let dir = project(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, n VARCHAR(30));
         INSERT INTO t VALUES (1, '12'), (2, 'abc'), (3, '12.5'), (4, '9223372036854775808');",
        desired,
    );
    let before = rows(&db(&dir), "SELECT * FROM t ORDER BY id");
    let (status, stdout, _) = reconcile(dir.path(), &["plan"]);
    assert_eq!(status, 0);
    assert!(
        stdout.contains("would change stored values: 3 row(s)"),
        "{stdout}"
    );
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes", "--allow-destructive"]);
    assert_eq!(status, 1);
    assert!(
        stderr.contains("would change stored values: 3 row(s)"),
        "{stderr}"
    );
    assert_eq!(rows(&db(&dir), "SELECT * FROM t ORDER BY id"), before);
}

#[test]
fn a_renamed_table_that_is_rebuilt_is_checked_under_its_old_name() {
    let before = "CREATE TABLE members (id INTEGER PRIMARY KEY, role VARCHAR(5));
                  INSERT INTO members VALUES (1, 'admin'), (2, NULL);";
    let dir = project(
        before,
        "table memberships renamed-from=members {\n  column id int primary-key=#true\n  column role string length=50\n}\n",
    );
    let (status, stdout, stderr) = reconcile(dir.path(), &["plan"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(stdout.contains("holds NULLs: 1 row(s)"), "{stdout}");
    assert!(!stderr.contains("no such table"), "{stderr}");
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 1);
    assert!(
        stderr.contains(
            "`memberships.role` becomes NOT NULL without a default but holds NULLs: 1 row(s)"
        ),
        "{stderr}"
    );

    let dir = project(
        before,
        "table memberships renamed-from=members {\n  column id int primary-key=#true\n  column role string length=50 default=guest\n}\n",
    );
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(
        rows(&db(&dir), "SELECT id, role FROM memberships ORDER BY id"),
        ["1|admin", "2|guest"]
    );
    assert_eq!(plan(dir.path()).0, 0);
}

#[test]
fn plan_and_inspect_never_create_the_file() {
    let dir = sqlite_project("table t {\n  column id int primary-key=#true\n}\n");
    let (status, stdout, stderr) = reconcile(dir.path(), &["plan"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(stderr.contains("does not exist yet"), "{stderr}");
    assert!(stdout.contains("+ create table `t`"), "{stdout}");
    let (status, _, stderr) = reconcile(dir.path(), &["inspect"]);
    assert_eq!(status, 1);
    assert!(stderr.contains("does not exist"), "{stderr}");
    assert!(!db(&dir).exists(), "a read-only command created the file");
}

#[test]
fn urls_that_cannot_be_applied_or_escape_the_folder() {
    let dir = sqlite_project("table t {\n  column id int primary-key=#true\n}\n");
    let env = dir.path().join("environments/development.kdl");
    std::fs::write(&env, "url \"sqlite://:memory:\"\n").unwrap();
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 1);
    assert!(stderr.contains(":memory:"), "{stderr}");

    // Percent-encoding is a file name here, never a way out of the project folder.
    std::fs::write(
        &env,
        "url \"sqlite://..%2Fescaped.db\"\ncreate-database #true\n",
    )
    .unwrap();
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(dir.path().join("..%2Fescaped.db").exists());
    assert!(!dir.path().parent().unwrap().join("escaped.db").exists());
}

#[test]
fn the_sql_script_runs_as_is_in_sqlite3_with_foreign_keys_on() {
    if std::process::Command::new("sqlite3")
        .arg("-version")
        .output()
        .is_err()
    {
        common::shout("SKIPPED: the sqlite3 client is not installed");
        return;
    }
    let dir = project(
        "CREATE TABLE p (id INTEGER PRIMARY KEY, name VARCHAR(5) NOT NULL);
         CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p (id) ON DELETE CASCADE);
         INSERT INTO p VALUES (1, 'a'), (2, 'b');
         INSERT INTO c VALUES (10, 1), (11, 2);",
        "table p {\n  column id int primary-key=#true\n  column name string length=50\n}\ntable c {\n  column id int primary-key=#true\n  column p_id int nullable=#true references=p.id on-delete=cascade\n}\n",
    );
    let (_, sql, _) = reconcile(dir.path(), &["plan", "--format", "sql"]);
    assert!(
        sql.starts_with("PRAGMA foreign_keys = OFF;\nBEGIN;\n"),
        "{sql}"
    );
    let out = std::process::Command::new("sqlite3")
        .arg("-bail")
        .arg("-cmd")
        .arg("PRAGMA foreign_keys = ON")
        .arg(db(&dir))
        .stdin(
            std::fs::File::open({
                let path = dir.path().join("plan.sql");
                std::fs::write(&path, &sql).unwrap();
                path
            })
            .unwrap(),
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(plan(dir.path()).0, 0);
    assert_eq!(
        rows(
            &db(&dir),
            "SELECT c.id, p.name FROM c JOIN p ON p.id = c.p_id ORDER BY c.id"
        ),
        ["10|a", "11|b"],
        "the parent's rebuild cascaded into its children"
    );
}

#[test]
fn only_new_foreign_key_violations_fail_an_apply() {
    // Rows written with foreign keys off: an orphan the database already had.
    let before = "PRAGMA foreign_keys = OFF;
                  CREATE TABLE p (id INTEGER PRIMARY KEY);
                  CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p (id));
                  CREATE TABLE d (id INTEGER PRIMARY KEY, p_id INTEGER);
                  INSERT INTO p VALUES (1); INSERT INTO c VALUES (1, 99); INSERT INTO d VALUES (1, 42);";
    let tables = |d_key: &str| {
        format!(
            "table p {{\n  column id int primary-key=#true\n}}\ntable c {{\n  column id int primary-key=#true\n  column p_id int nullable=#true references=p.id\n  column note text nullable=#true\n}}\ntable d {{\n  column id int primary-key=#true\n  column p_id int nullable=#true{d_key}\n}}\n"
        )
    };
    let dir = project(before, &tables(""));
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(
        status, 0,
        "an old orphan blocked an unrelated change: {stderr}"
    );

    // A key over stored values: preflight counts the orphan, in plan and apply.
    std::fs::write(dir.path().join("schema.kdl"), tables(" references=p.id")).unwrap();
    let before = schema(&db(&dir));
    let (_, stdout, _) = reconcile(dir.path(), &["plan"]);
    assert!(
        stdout
            .contains("the new foreign key `fk_d_p_id_p` on `d` finds no parent in `p`: 1 row(s)"),
        "{stdout}"
    );
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 1);
    assert!(
        stderr.contains("finds no parent in `p`: 1 row(s)"),
        "{stderr}"
    );
    assert_eq!(schema(&db(&dir)), before);

    // A key over a new column's default: only the check before commit can see it.
    std::fs::write(
        dir.path().join("schema.kdl"),
        tables("\n  column q_id int default=42 references=p.id"),
    )
    .unwrap();
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 1);
    assert!(
        stderr.contains(
            "1 row(s) would break foreign keys (first: rowid 1 of `d` has no parent in `p`)"
        ),
        "{stderr}"
    );
    assert_eq!(schema(&db(&dir)), before);
}
