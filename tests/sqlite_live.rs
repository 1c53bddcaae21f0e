//! Live reconcile on real SQLite files: each case starts from SQL with rows, applies a desired
//! schema, and checks the plan, the rows, convergence (plan is empty after apply) and
//! idempotence (a second apply changes nothing).

mod common;

use common::{reconcile, settings, sqlite_project};
use sqlx::{AssertSqlSafe, Connection, Row};

struct Case {
    name: &'static str,
    before: &'static str,
    schema: &'static str,
    destructive: bool,
    /// A query whose rows (every column cast to text) are compared with `rows`.
    check: &'static str,
    rows: &'static [&'static str],
}

fn run_sql(path: &std::path::Path, sql: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut c =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", path.display()))
                .await
                .unwrap();
        sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
            .execute(&mut c)
            .await
            .unwrap();
    });
}

/// Every row of `query`, columns joined with `|`, NULL as `NULL`.
fn rows(path: &std::path::Path, query: &str) -> Vec<String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        let rows = sqlx::query(AssertSqlSafe(query.to_string()))
            .fetch_all(&mut c)
            .await
            .unwrap();
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| text(r, i))
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect()
    })
}

/// One value as text, whatever its storage class.
fn text(row: &sqlx::sqlite::SqliteRow, i: usize) -> String {
    if let Ok(v) = row.try_get::<Option<String>, _>(i) {
        return v.unwrap_or_else(|| "NULL".into());
    }
    if let Ok(v) = row.try_get::<i64, _>(i) {
        return v.to_string();
    }
    row.try_get::<f64, _>(i)
        .map_or_else(|_| "?".into(), |v| v.to_string())
}

fn run_case(case: &Case) {
    let dir = sqlite_project(case.schema);
    let db = dir.path().join("dev.db");
    if !case.before.is_empty() {
        run_sql(&db, case.before);
    }
    let mut plans = String::new();
    for format in ["text", "sql", "json"] {
        let (status, stdout, stderr) = reconcile(dir.path(), &["plan", "--format", format]);
        assert_eq!(status, 0, "{}: plan: {stderr}", case.name);
        plans.push_str(&format!("--- {format}\n{stdout}"));
    }
    settings().bind(|| insta::assert_snapshot!(format!("sqlite_{}", case.name), plans));
    let mut args = vec!["apply", "--yes"];
    if case.destructive {
        let (status, _, stderr) = reconcile(dir.path(), &args);
        assert_eq!(
            status, 1,
            "{}: a destructive plan was applied without the flag",
            case.name
        );
        assert!(stderr.contains("destructive"), "{}: {stderr}", case.name);
        args.push("--allow-destructive");
    }
    let (status, _, stderr) = reconcile(dir.path(), &args);
    assert_eq!(status, 0, "{}: apply: {stderr}", case.name);
    let (status, stdout, stderr) = reconcile(dir.path(), &["plan", "--exit-code"]);
    assert_eq!(status, 0, "{}: not converged:\n{stdout}{stderr}", case.name);
    assert_eq!(rows(&db, case.check), case.rows, "{}", case.name);
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 0, "{}: second apply: {stderr}", case.name);
    assert!(stderr.contains("No changes"), "{}: {stderr}", case.name);
    let fk: Vec<String> = rows(&db, "SELECT \"table\" FROM pragma_foreign_key_check");
    assert!(fk.is_empty(), "{}: foreign keys broken: {fk:?}", case.name);
}

const USERS: &str = r#"CREATE TABLE "users" ("id" INTEGER PRIMARY KEY, "email" VARCHAR(20) NOT NULL, "name" VARCHAR(10));
INSERT INTO users VALUES (1, 'a@x', 'ann'), (2, 'b@x', NULL);"#;

const CASES: &[Case] = &[
    Case {
        name: "create_tables",
        before: "",
        schema: "table users {\n  column id bigint primary-key=#true auto-increment=#true\n  column email string length=200 unique=#true\n}\ntable items {\n  column id bigint primary-key=#true auto-increment=#true\n  column owner_id bigint nullable=#true references=users.id on-delete=cascade\n  index owner_id\n}\n",
        destructive: false,
        check: "SELECT name FROM sqlite_schema WHERE type IN ('table', 'index') ORDER BY name",
        rows: &["items", "ix_items_owner_id", "uq_users_email", "users"],
    },
    Case {
        name: "add_nullable_column",
        before: USERS,
        schema: "table users {\n  column id int primary-key=#true\n  column email string length=20\n  column name string length=10 nullable=#true\n  column age int nullable=#true\n}\n",
        destructive: false,
        check: "SELECT id, email, name, age FROM users ORDER BY id",
        rows: &["1|a@x|ann|NULL", "2|b@x|NULL|NULL"],
    },
    Case {
        name: "add_column_with_expression_default",
        before: USERS,
        schema: "table users {\n  column id int primary-key=#true\n  column email string length=20\n  column name string length=10 nullable=#true\n  column created datetime default=(sql)CURRENT_TIMESTAMP\n  column active bool default=#true\n}\n",
        destructive: false,
        check: "SELECT id, email, created IS NOT NULL, active FROM users ORDER BY id",
        rows: &["1|a@x|1|1", "2|b@x|1|1"],
    },
    Case {
        name: "drop_column",
        before: USERS,
        schema: "table users {\n  column id int primary-key=#true\n  column email string length=20\n}\n",
        destructive: true,
        check: "SELECT * FROM users ORDER BY id",
        rows: &["1|a@x", "2|b@x"],
    },
    Case {
        name: "widen_and_fill_nulls",
        before: USERS,
        schema: "table users {\n  column id int primary-key=#true\n  column email string length=200\n  column name string length=10 default=anonymous\n}\n",
        destructive: false,
        check: "SELECT id, email, name FROM users ORDER BY id",
        rows: &["1|a@x|ann", "2|b@x|anonymous"],
    },
    Case {
        name: "change_default_and_make_nullable",
        before: r#"CREATE TABLE "t" ("id" INTEGER PRIMARY KEY, "state" VARCHAR(10) NOT NULL DEFAULT 'new');
INSERT INTO t VALUES (1, 'old');"#,
        schema: "table t {\n  column id int primary-key=#true\n  column state string length=10 nullable=#true default=fresh\n}\n",
        destructive: false,
        check: "SELECT id, state, (SELECT dflt_value FROM pragma_table_info('t') WHERE name = 'state') FROM t",
        rows: &["1|old|'fresh'"],
    },
    Case {
        name: "indexes_change",
        before: r#"CREATE TABLE "t" ("id" INTEGER PRIMARY KEY, "a" INTEGER NOT NULL, "b" INTEGER NOT NULL);
CREATE INDEX "ix_t_a" ON "t" ("a");
CREATE INDEX "old_index" ON "t" ("b");
CREATE UNIQUE INDEX "uq_t_b" ON "t" ("b");
INSERT INTO t VALUES (1, 1, 1), (2, 1, 2);"#,
        schema: "table t {\n  column id int primary-key=#true\n  column a int\n  column b int\n  index a b\n  index b unique=#true where=\"b > 0\" name=uq_t_b\n  index a name=ix_t_a where=\"a > 0\"\n}\n",
        destructive: false,
        check: "SELECT name, sql FROM sqlite_schema WHERE type = 'index' ORDER BY name",
        rows: &[
            "ix_t_a|CREATE INDEX \"ix_t_a\" ON \"t\" (\"a\") WHERE a > 0",
            "ix_t_a_b|CREATE INDEX \"ix_t_a_b\" ON \"t\" (\"a\", \"b\")",
            "uq_t_b|CREATE UNIQUE INDEX \"uq_t_b\" ON \"t\" (\"b\") WHERE b > 0",
        ],
    },
    Case {
        name: "foreign_key_and_check_changes",
        before: r#"CREATE TABLE "p" ("id" INTEGER PRIMARY KEY);
CREATE TABLE "c" ("id" INTEGER PRIMARY KEY, "p_id" INTEGER NOT NULL, "n" INTEGER NOT NULL,
  CONSTRAINT "n_small" CHECK (n < 100),
  CONSTRAINT "fk_c_p_id_p" FOREIGN KEY ("p_id") REFERENCES "p" ("id"));
INSERT INTO p VALUES (1), (2);
INSERT INTO c VALUES (10, 1, 5), (11, 2, 6);"#,
        schema: "table p {\n  column id int primary-key=#true\n}\ntable c {\n  column id int primary-key=#true\n  column p_id int references=p.id on-delete=cascade\n  column n int\n  check n_positive \"n > 0\"\n}\n",
        destructive: false,
        check: "SELECT c.id, c.p_id, c.n, (SELECT on_delete FROM pragma_foreign_key_list('c')) FROM c ORDER BY id",
        rows: &["10|1|5|CASCADE", "11|2|6|CASCADE"],
    },
    Case {
        name: "primary_key_change",
        before: r#"CREATE TABLE "m" ("tenant" INTEGER NOT NULL, "user" INTEGER NOT NULL, PRIMARY KEY ("tenant"));
INSERT INTO m VALUES (1, 7), (2, 7);"#,
        schema: "table m {\n  column tenant int\n  column user int\n  primary-key tenant user\n}\n",
        destructive: false,
        check: "SELECT tenant, user, (SELECT group_concat(name) FROM (SELECT name FROM pragma_table_info('m') WHERE pk > 0 ORDER BY pk)) FROM m ORDER BY tenant",
        rows: &["1|7|tenant,user", "2|7|tenant,user"],
    },
    Case {
        name: "renames_keep_data",
        before: r#"CREATE TABLE "members" ("id" INTEGER PRIMARY KEY, "kind" VARCHAR(20) NOT NULL);
CREATE INDEX "ix_members_kind" ON "members" ("kind");
INSERT INTO members VALUES (1, 'admin'), (2, 'guest');"#,
        schema: "table memberships renamed-from=members {\n  column id int primary-key=#true\n  column role string length=20 renamed-from=kind\n  index role\n}\n",
        destructive: false,
        check: "SELECT id, role FROM memberships ORDER BY id",
        rows: &["1|admin", "2|guest"],
    },
    Case {
        name: "ignore_and_drop_table",
        before: r#"CREATE TABLE "alembic_version" ("v" TEXT);
CREATE TABLE "tmp_scratch" ("x" INTEGER);
CREATE TABLE "old_stuff" ("x" INTEGER);
INSERT INTO alembic_version VALUES ('abc');"#,
        schema: "ignore alembic_version \"tmp_*\"\ntable t {\n  column id int primary-key=#true\n}\n",
        destructive: true,
        check: "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name",
        rows: &["alembic_version", "t", "tmp_scratch"],
    },
    Case {
        name: "cascade_children_survive_parent_rebuild",
        before: r#"CREATE TABLE "users" ("id" INTEGER PRIMARY KEY, "email" VARCHAR(20) NOT NULL);
CREATE TABLE "items" ("id" INTEGER PRIMARY KEY, "owner_id" INTEGER,
  CONSTRAINT "fk_items_owner_id_users" FOREIGN KEY ("owner_id") REFERENCES "users" ("id") ON DELETE CASCADE);
INSERT INTO users VALUES (1, 'a'), (2, 'b');
INSERT INTO items VALUES (10, 1), (11, 2), (12, 1);"#,
        schema: "table users {\n  column id int primary-key=#true\n  column email string length=100\n}\ntable items {\n  column id int primary-key=#true\n  column owner_id int nullable=#true references=users.id on-delete=cascade\n}\n",
        destructive: false,
        check: "SELECT i.id, i.owner_id, u.email FROM items i JOIN users u ON u.id = i.owner_id ORDER BY i.id",
        rows: &["10|1|a", "11|2|b", "12|1|a"],
    },
    Case {
        name: "views_and_triggers_survive_rebuild",
        before: r#"CREATE TABLE "t" ("id" INTEGER PRIMARY KEY, "a" VARCHAR(5) NOT NULL);
CREATE TABLE "log" ("id" INTEGER PRIMARY KEY, "msg" TEXT NOT NULL);
CREATE VIEW "v" AS SELECT id, a FROM t;
CREATE TRIGGER "t_log" AFTER INSERT ON t BEGIN INSERT INTO log (msg) VALUES (new.a); END;
INSERT INTO t VALUES (1, 'x');"#,
        schema: "table t {\n  column id int primary-key=#true\n  column a string length=50\n}\ntable log {\n  column id int primary-key=#true\n  column msg text\n}\n",
        destructive: false,
        check: "SELECT type, name FROM sqlite_schema WHERE type IN ('view', 'trigger') UNION ALL SELECT 'row', a FROM v ORDER BY 1, 2",
        rows: &["row|x", "trigger|t_log", "view|v"],
    },
];

#[test]
fn live_cases() {
    for case in CASES {
        run_case(case);
    }
}

#[test]
fn destructive_plan_refused_leaves_database_untouched() {
    let dir = sqlite_project("table users {\n  column id int primary-key=#true\n}\n");
    let db = dir.path().join("dev.db");
    run_sql(&db, USERS);
    let before = rows(&db, "SELECT sql FROM sqlite_schema ORDER BY name");
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 1);
    assert!(
        stderr.contains("drop column `email` of `users`"),
        "{stderr}"
    );
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
    assert!(stdout.contains("has duplicate values: 1 row(s)"), "plan must show what apply refuses: {stdout}");
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 1);
    assert!(stderr.contains("the new unique index `uq_users_email` on `users` has duplicate values: 1 row(s)"), "{stderr}");
    assert_eq!(rows(&db, "SELECT sql FROM sqlite_schema ORDER BY name"), before);
}

#[test]
fn failing_statement_rolls_back_everything() {
    // No preflight check reads CHECK expressions: the rebuild's copy fails on the row.
    let dir = sqlite_project(
        "table users {\n  column id int primary-key=#true\n  column email string length=20\n  column name string length=10 nullable=#true\n  column extra int nullable=#true\n  check short_names \"length(name) < 2\"\n}\n",
    );
    let db = dir.path().join("dev.db");
    run_sql(&db, USERS);
    let before = rows(&db, "SELECT sql FROM sqlite_schema ORDER BY name");
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 1);
    assert!(stderr.contains("from alter table `users`"), "{stderr}");
    assert!(stderr.contains("CHECK constraint failed"), "{stderr}");
    assert!(stderr.contains("nothing was changed"), "{stderr}");
    assert_eq!(
        rows(&db, "SELECT sql FROM sqlite_schema ORDER BY name"),
        before,
        "the rebuild was not rolled back"
    );
    assert_eq!(rows(&db, "SELECT id, name FROM users ORDER BY id"), ["1|ann", "2|NULL"]);
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
    assert!(stdout.contains("~ alter table `items` (rebuilt)"), "{stdout}");
}
