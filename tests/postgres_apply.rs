//! Apply on a real PostgreSQL server, where it must not leave half a change behind: a
//! statement that fails in the middle of a plan, a process killed while its transaction is
//! open, a table that application traffic holds, an index built concurrently that fails and
//! is rebuilt, and a database made by SQLAlchemy's `create_all`. Each test makes its own
//! database (`RECONCILE_TEST_POSTGRES_URL`; skipped loudly without it).

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::live::LiveDb;
use common::{Server, reconcile};
use sqlx::{AssertSqlSafe, Connection, Executor};

/// A fresh database, or `None` (announced) without a server.
fn database() -> Option<LiveDb> {
    let base = Server::Postgres.url()?;
    Some(LiveDb::on_server(Server::Postgres, &base))
}

/// A project on `db` with `schema` and extra environment settings.
fn project(db: &LiveDb, schema: &str, settings: &str) -> tempfile::TempDir {
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

/// Everything the catalog says about the `public` schema, and every row of `tables`.
fn dump(db: &LiveDb, tables: &[&str]) -> Vec<String> {
    let mut out = db
        .rows(
            "SELECT c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, \
             pg_get_expr(d.adbin, d.adrelid), a.attidentity FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid \
             LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum \
             WHERE n.nspname = 'public' AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1, 2",
        )
        .unwrap();
    out.extend(
        db.rows(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2",
        )
        .unwrap(),
    );
    out.extend(
        db.rows(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
        )
        .unwrap(),
    );
    out.extend(
        db.rows("SELECT c.relname, obj_description(c.oid, 'pg_class') FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace ORDER BY 1")
            .unwrap(),
    );
    for t in tables {
        out.extend(
            db.rows(&format!("SELECT '{t}', * FROM {t} ORDER BY 2"))
                .unwrap(),
        );
    }
    out
}

const BEFORE: &str =
    "CREATE TABLE members (id int PRIMARY KEY, name varchar(20) NOT NULL, born text);
CREATE TABLE busy (id int PRIMARY KEY, n int NOT NULL);
INSERT INTO members VALUES (1, 'ada', '1815-12-10'), (2, 'bob', 'unknown');
INSERT INTO busy VALUES (1, 10), (2, 20);";

/// New tables, a widening, a comment, and a change to `busy`.
fn desired(born: &str) -> String {
    let mut s: String = (0..20)
        .map(|i| format!("table new_{i:02} {{\n  column id int primary-key=#true\n  column a string length=10\n  index a\n}}\n"))
        .collect();
    s.push_str(&format!(
        "table members {{\n  comment \"people\"\n  column id int primary-key=#true\n  column name string length=50\n  column born {born} nullable=#true\n}}\n\
         table busy {{\n  column id int primary-key=#true\n  column n int\n  column extra int nullable=#true\n}}\n"
    ));
    s
}

#[test]
fn a_failing_statement_mid_plan_leaves_schema_and_rows_as_they_were() {
    let Some(db) = database() else { return };
    db.run_script(BEFORE).unwrap();
    // `born` as a `string(20)`: every stored value fits (preflight counts none), but a view
    // reads the column, and PostgreSQL refuses to change its type when the statement runs,
    // after other statements of the plan have run. (Before preflight asked the server,
    // 'unknown' into a date did this; now preflight refuses that one first.) The view is
    // ignored, so it is the database's own: the plan leaves it alone (a declared view would
    // be dropped and made again around the change).
    db.run(&["CREATE VIEW born_view AS SELECT born FROM members".to_string()])
        .unwrap();
    let schema = format!("ignore born_view\n{}", desired("string length=20"));
    let dir = project(&db, &schema, "");
    let (_, sql, _) = reconcile(dir.path(), &["plan", "--format", "sql"]);
    let position = |needle: &str| {
        sql.find(needle)
            .unwrap_or_else(|| panic!("{needle}:\n{sql}"))
    };
    assert!(
        position("CREATE TABLE \"new_00\"") < position("TYPE VARCHAR(20)"),
        "{sql}"
    );
    let before = dump(&db, &["members", "busy"]);
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes", "--allow-destructive"]);
    assert_eq!(status, 1, "{stderr}");
    assert!(stderr.contains("failed"), "{stderr}");
    assert!(
        stderr.contains("TYPE VARCHAR(20)"),
        "the failing statement is named:\n{stderr}"
    );
    assert!(
        stderr.contains("nothing was changed: the transaction was rolled back"),
        "{stderr}"
    );
    assert!(
        stderr.contains("cannot alter type of a column used by a view or rule"),
        "{stderr}"
    );
    assert_eq!(dump(&db, &["members", "busy"]), before);
    db.close();
}

/// The backend of the `reconcile` process waiting for a lock, if any.
fn waiting_apply(db: &LiveDb) -> Vec<String> {
    db.rows(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
         AND wait_event_type = 'Lock' AND query LIKE 'ALTER TABLE \"busy\"%'",
    )
    .unwrap()
}

/// A session that holds `ACCESS SHARE` on `busy`, as a long read by the application does;
/// it ends when dropped.
struct Holder {
    runtime: tokio::runtime::Runtime,
    conn: Option<sqlx::PgConnection>,
}

impl Holder {
    fn new(db: &LiveDb, sql: &str) -> Holder {
        let LiveDb::Server(server) = db else {
            unreachable!()
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let conn = runtime.block_on(async {
            let mut c = sqlx::PgConnection::connect(&server.url).await.unwrap();
            c.execute(AssertSqlSafe(sql.to_string())).await.unwrap();
            c
        });
        Holder {
            runtime,
            conn: Some(conn),
        }
    }

    fn release(mut self) {
        if let Some(c) = self.conn.take() {
            self.runtime.block_on(c.close()).unwrap();
        }
    }
}

fn hold_busy(db: &LiveDb) -> Holder {
    Holder::new(db, "BEGIN; LOCK TABLE busy IN ACCESS SHARE MODE")
}

#[test]
fn a_killed_apply_leaves_schema_and_rows_as_they_were() {
    let Some(db) = database() else { return };
    db.run_script(BEFORE).unwrap();
    let dir = project(&db, &desired("text"), "statement-lock-timeout 600\n");
    let before = dump(&db, &["members", "busy"]);
    // The application holds `busy`: the apply blocks on its statement, halfway through its
    // transaction, and is killed there.
    let holder = hold_busy(&db);
    let mut child = Command::new(env!("CARGO_BIN_EXE_reconcile"))
        .args(["apply", "--yes"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    while waiting_apply(&db).is_empty() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "apply ended before it blocked"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    holder.release();
    // The server ends the dead client's session (and its transaction) once it runs again.
    while !db
        .rows(
            "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .unwrap()
        .is_empty()
    {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(dump(&db, &["members", "busy"]), before);
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 0, "the next apply does the work: {stderr}");
    assert_eq!(reconcile(dir.path(), &["plan", "--exit-code"]).0, 0);
    db.close();
}

#[test]
fn a_busy_table_fails_the_apply_within_the_statement_lock_timeout() {
    let Some(db) = database() else { return };
    db.run_script(BEFORE).unwrap();
    let dir = project(&db, &desired("text"), "statement-lock-timeout 1\n");
    let before = dump(&db, &["members", "busy"]);
    let holder = hold_busy(&db);
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    holder.release();
    assert_eq!(status, 1, "{stderr}");
    assert!(stderr.contains("ALTER TABLE \"busy\""), "{stderr}");
    assert!(stderr.contains("lock timeout"), "{stderr}");
    assert!(
        stderr.contains("another session holds a lock on the table"),
        "{stderr}"
    );
    assert!(
        stderr.contains("`statement-lock-timeout` (1000 ms)"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was changed"), "{stderr}");
    assert_eq!(dump(&db, &["members", "busy"]), before);
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 0, "once the table is free: {stderr}");
    db.close();
}

#[test]
fn an_advisory_lock_held_elsewhere_times_out_with_its_name() {
    let Some(db) = database() else { return };
    db.run_script(BEFORE).unwrap();
    let dir = project(&db, &desired("text"), "lock-timeout 1\n");
    let LiveDb::Server(server) = &db else {
        unreachable!()
    };
    let holder = Holder::new(
        &db,
        "SELECT pg_advisory_lock(hashtextextended('reconcile:' || current_database() || '.public', 0))",
    );
    let before = dump(&db, &["members", "busy"]);
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    holder.release();
    assert_eq!(status, 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "another apply holds the lock `reconcile:{}.public",
            server.name
        )),
        "{stderr}"
    );
    assert!(stderr.contains("waited 1 s"), "{stderr}");
    assert_eq!(dump(&db, &["members", "busy"]), before);
    db.close();
}

#[test]
fn eight_applies_started_together_each_succeed_or_name_the_lock() {
    let Some(db) = database() else { return };
    db.run_script(BEFORE).unwrap();
    let dir = project(&db, &desired("text"), "");
    let applied = common::race_applies(dir.path(), 8);
    assert_eq!(applied, 1, "exactly one apply makes the changes");
    assert_eq!(
        db.rows(
            "SELECT m.id, m.name, m.born, b.n FROM members m JOIN busy b ON b.id = m.id ORDER BY 1"
        )
        .unwrap(),
        ["1|ada|1815-12-10|10", "2|bob|unknown|20"]
    );
    assert_eq!(reconcile(dir.path(), &["plan", "--exit-code"]).0, 0);
    db.close();
}

/// `inspect` printed back as schema.kdl plans empty.
fn assert_inspect_plans_empty(dir: &Path) {
    let (status, kdl, stderr) = reconcile(dir, &["inspect"]);
    assert_eq!(status, 0, "inspect: {stderr}");
    std::fs::write(dir.join("schema.kdl"), &kdl).unwrap();
    let (status, stdout, stderr) = reconcile(dir, &["plan", "--exit-code"]);
    assert_eq!(
        status, 0,
        "inspect does not plan empty:\n{kdl}\n{stdout}{stderr}"
    );
}

const SQLALCHEMY: &str = include_str!("fixtures/sqlalchemy/create_all.postgres.sql");

#[test]
fn a_sqlalchemy_database_reads_back_as_its_schema() {
    let Some(db) = database() else { return };
    db.run_script(SQLALCHEMY).unwrap();
    db.run_script(
        "INSERT INTO alembic_version VALUES ('4f2e1c');
         INSERT INTO users (email, hashed_password) VALUES ('a@x', 'h1'), ('b@x', 'h2');
         INSERT INTO items (title, owner_id) VALUES ('one', 1), ('two', 2), ('three', NULL);",
    )
    .unwrap();
    let example = std::fs::read_to_string(common::project_root().join("schema.kdl")).unwrap();
    let dir = project(&db, &example, "");
    let (status, stdout, stderr) = reconcile(dir.path(), &["plan", "--exit-code"]);
    let rows = |db: &LiveDb| {
        db.rows("SELECT i.id, i.title, u.email, u.is_active, u.created_at IS NOT NULL FROM items i LEFT JOIN users u ON u.id = i.owner_id ORDER BY i.id")
            .unwrap()
    };
    let before = rows(&db);
    // Only what truly differs: the example's keys are bigint and its names its own. Serial
    // keys read as auto-increment, `now()` as CURRENT_TIMESTAMP, the UNIQUE constraint as
    // the example's unique index, VARCHAR(200) as string(200): none of them shows.
    let changes: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("    ") && !l.starts_with("    runs"))
        .collect();
    assert_eq!(status, 2, "{stdout}{stderr}");
    assert_eq!(
        changes,
        [
            "    > rename foreign key `items_owner_id_fkey` to `fk_items_owner_id_users`",
            "    ~ alter column `id`: type int -> bigint",
            "    ~ alter column `owner_id`: type int -> bigint",
            "    > rename index `users_email_key` to `uq_users_email`",
            "    ~ alter column `id`: type int -> bigint",
        ],
        "{stdout}"
    );
    assert!(stdout.contains("0 destructive"), "{stdout}");
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(rows(&db), before);
    assert_eq!(
        db.rows("SELECT * FROM alembic_version").unwrap(),
        ["4f2e1c"]
    );
    // `Computed` reads back as the example's generated column: the server's
    // `lower((title)::text)` is the example's `lower(title)`, so it does not show above.
    assert_eq!(
        db.rows("SELECT title_key FROM items ORDER BY id").unwrap(),
        ["one", "two", "three"]
    );
    // A new row takes the next id of the serial sequence.
    db.run_script("INSERT INTO items (title) VALUES ('four');")
        .unwrap();
    assert_eq!(
        db.rows("SELECT id FROM items WHERE title = 'four'")
            .unwrap(),
        ["4"]
    );
    db.close();
}

#[test]
fn a_sqlalchemy_database_inspects_to_a_schema_that_plans_empty() {
    let Some(db) = database() else { return };
    db.run_script(SQLALCHEMY).unwrap();
    let dir = project(&db, "", "");
    assert_inspect_plans_empty(dir.path());
    let (_, kdl, _) = reconcile(dir.path(), &["inspect"]);
    assert!(kdl.contains("ignore alembic_version"), "{kdl}");
    assert!(kdl.contains("enum \"role\" {"), "{kdl}");
    assert!(
        kdl.contains("column \"role\" \"role\" default=\"member\""),
        "{kdl}"
    );
    assert!(
        kdl.contains("column \"title_key\" string length=200 nullable=#true generated=(sql)\"lower((title)::text)\" stored=#true"),
        "{kdl}"
    );
    // The functional index, as PostgreSQL spells its expression.
    assert!(
        kdl.contains("index (sql)\"lower(email::text)\" name=\"ix_users_email_lower\""),
        "{kdl}"
    );
    db.close();
}

#[test]
fn indexes_and_primary_keys_of_existing_tables_are_built_concurrently_unless_the_environment_says_not()
 {
    let Some(db) = database() else { return };
    db.run_script(
        "CREATE TABLE t (id int NOT NULL, a int NOT NULL, b int NOT NULL, PRIMARY KEY (id));
         CREATE INDEX ix_t_a ON t (a);
         INSERT INTO t VALUES (1, 1, 1), (2, 2, 1);",
    )
    .unwrap();
    let schema = "table t {\n  column id int\n  column a int\n  column b int\n  primary-key id b\n  index b name=ix_t_b\n}\n";
    let in_order = project(&db, schema, "concurrent-indexes #false\n");
    let (_, sql, _) = reconcile(in_order.path(), &["plan", "--format", "sql"]);
    assert!(!sql.contains("CONCURRENTLY"), "{sql}");
    assert!(sql.contains("DROP INDEX \"ix_t_a\";"), "{sql}");
    assert!(sql.contains("ADD PRIMARY KEY (\"id\", \"b\")"), "{sql}");
    // The default: every index statement after the commit, the old key kept until the new
    // one takes its place.
    let dir = project(&db, schema, "");
    let (_, sql, _) = reconcile(dir.path(), &["plan", "--format", "sql"]);
    let after = sql.split("-- after the commit").nth(1).unwrap_or_default();
    for expected in [
        "DROP INDEX CONCURRENTLY \"ix_t_a\";",
        "CREATE INDEX CONCURRENTLY \"ix_t_b\" ON \"t\" (\"b\");",
        "CREATE UNIQUE INDEX CONCURRENTLY \"reconcile_pkey_t\" ON \"t\" (\"id\", \"b\");",
        "ALTER TABLE \"t\" DROP CONSTRAINT \"t_pkey\", ADD CONSTRAINT \"t_pkey\" PRIMARY KEY USING INDEX \"reconcile_pkey_t\";",
    ] {
        assert!(after.contains(expected), "{expected}\n{sql}");
    }
    let (status, out, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 0, "{out}{stderr}");
    assert_eq!(
        db.rows(
            "SELECT indexrelid::regclass::text, indisprimary, indisvalid FROM pg_index \
             WHERE indrelid = 't'::regclass ORDER BY 1"
        )
        .unwrap(),
        ["ix_t_b|f|t", "t_pkey|t|t"]
    );
    assert_eq!(
        db.rows("SELECT id, a, b FROM t ORDER BY id").unwrap(),
        ["1|1|1", "2|2|1"]
    );
    let (status, _, _) = reconcile(dir.path(), &["plan", "--exit-code"]);
    assert_eq!(status, 0, "apply then plan is empty");
    db.close();
}

#[test]
fn a_failed_concurrent_index_build_is_rebuilt_by_the_next_apply() {
    let Some(db) = database() else { return };
    db.run_script(
        "CREATE TABLE t (id int PRIMARY KEY, code int NOT NULL);
         INSERT INTO t VALUES (1, 1), (2, 2), (3, 2);",
    )
    .unwrap();
    let schema = "table t {\n  column id int primary-key=#true\n  column code int\n  index code unique=#true name=uq_t_code\n}\n";
    let dir = project(&db, schema, "concurrent-indexes #true\n");
    let (_, text, notes) = reconcile(dir.path(), &["plan"]);
    assert!(
        text.contains("runs after the commit: SHARE UPDATE EXCLUSIVE: reads the table"),
        "{text}"
    );
    assert!(notes.contains("INDEX CONCURRENTLY"), "{notes}");
    let (_, sql, _) = reconcile(dir.path(), &["plan", "--format", "sql"]);
    assert!(
        sql.contains("CREATE UNIQUE INDEX CONCURRENTLY \"uq_t_code\" ON \"t\" (\"code\");"),
        "{sql}"
    );
    // Preflight sees the duplicates: nothing runs.
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 1, "{stderr}");
    // An earlier concurrent build that failed halfway left an invalid index behind.
    db.run_script("UPDATE t SET code = 3 WHERE id = 3;")
        .unwrap();
    db.run_script("INSERT INTO t VALUES (4, 4), (5, 4);")
        .unwrap();
    let failed = db.run(&["CREATE UNIQUE INDEX CONCURRENTLY uq_t_code ON t (code)".to_string()]);
    assert!(failed.is_err(), "the build must fail on the duplicates");
    assert_eq!(
        db.rows("SELECT indisvalid FROM pg_index WHERE indexrelid = 'uq_t_code'::regclass")
            .unwrap(),
        ["f"]
    );
    db.run_script("DELETE FROM t WHERE id = 5;").unwrap();
    let (_, text, _) = reconcile(dir.path(), &["plan"]);
    assert!(
        text.contains("- drop unique index `uq_t_code` (code)"),
        "{text}"
    );
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(
        db.rows(
            "SELECT indisvalid, indisunique FROM pg_index WHERE indexrelid = 'uq_t_code'::regclass"
        )
        .unwrap(),
        ["t|t"]
    );
    assert_eq!(reconcile(dir.path(), &["plan", "--exit-code"]).0, 0);
    db.close();
}

#[test]
fn introspection_runs_the_same_number_of_queries_for_1_and_1000_tables() {
    use reconcile::database::{Intent, Session};
    let Some(base) = Server::Postgres.url() else {
        return;
    };
    let mut counts = Vec::new();
    for n in [1, 1000] {
        let db = LiveDb::on_server(Server::Postgres, &base);
        let ddl: String = (0..n)
            .map(|i| {
                let parent = if i == 0 { "" } else { ", p int REFERENCES t0 (id)" };
                format!(
                    "CREATE TABLE t{i} (id int PRIMARY KEY, a text NOT NULL, b int DEFAULT 1 UNIQUE{parent});
                     CREATE INDEX ix_t{i}_a ON t{i} (a);\n"
                )
            })
            .collect();
        db.run(&[format!("BEGIN;\n{ddl}COMMIT")]).unwrap();
        let dir = project(&db, "", "");
        let env = reconcile::environment::load(dir.path(), "development", &|_| None).unwrap();
        let mut session = Session::open(&env, dir.path(), Intent::Read).unwrap();
        let before = session.queries();
        let schema = session.introspect().unwrap();
        counts.push(session.queries() - before);
        assert_eq!(schema.tables.len(), n);
        assert!(
            schema
                .tables
                .iter()
                .all(|t| t.indexes.len() == 2 && t.columns.len() >= 3 && t.primary_key == ["id"])
        );
        assert_eq!(
            schema
                .tables
                .iter()
                .filter(|t| t.foreign_keys.len() == 1)
                .count(),
            n - 1
        );
        drop(session);
        db.close();
    }
    assert_eq!(
        counts[0], counts[1],
        "queries for 1 and 1000 tables: {counts:?}"
    );
}

/// `bench/catalog.postgres.sql` holds exactly the catalog queries introspection runs, so that
/// the benchmark's `psql` floor does the same catalog work (`BENCH_WRITE_CATALOG=1` writes it).
#[test]
fn the_benchmark_runs_the_catalog_queries_of_introspection() {
    let queries = reconcile::database::postgres::CATALOG_QUERIES;
    assert_eq!(
        queries.len(),
        reconcile::database::postgres::CATALOG_QUERY_COUNT
    );
    let expected = format!(
        "-- The catalog queries `reconcile` runs to introspect a PostgreSQL schema (written by\n\
         -- `BENCH_WRITE_CATALOG=1 cargo test --test postgres_apply the_benchmark`).\n\n{};\n",
        queries.join(";\n\n")
    );
    let path = common::project_root().join("bench/catalog.postgres.sql");
    if std::env::var("BENCH_WRITE_CATALOG").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &expected).unwrap();
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap_or_default(), expected);
}

#[test]
fn the_url_search_path_names_the_schema_managed() {
    let Some(db) = database() else { return };
    db.run_script(
        "CREATE SCHEMA billing;
         CREATE TABLE public.elsewhere (id int PRIMARY KEY);
         CREATE TABLE billing.invoices (id int PRIMARY KEY);",
    )
    .unwrap();
    let schema = "table invoices {\n  column id int primary-key=#true\n  column total decimal precision=10 scale=2 nullable=#true\n}\ntable payments {\n  column id int primary-key=#true\n}\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("schema.kdl"), schema).unwrap();
    std::fs::create_dir(dir.path().join("environments")).unwrap();
    let url = format!(
        "{}?options=-csearch_path%3Dbilling",
        db.environment_url(dir.path())
    );
    std::fs::write(
        dir.path().join("environments/development.kdl"),
        format!("url \"{url}\"\n"),
    )
    .unwrap();
    // `public.elsewhere` is not in the managed schema: nothing drops it.
    let (status, stdout, stderr) = reconcile(dir.path(), &["plan"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(!stdout.contains("elsewhere"), "{stdout}");
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(
        db.rows("SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN ('public', 'billing') ORDER BY 1, 2")
            .unwrap(),
        ["billing|invoices", "billing|payments", "public|elsewhere"]
    );
    assert_eq!(reconcile(dir.path(), &["plan", "--exit-code"]).0, 0);
    db.close();
}

/// Functions, procedures and aggregates the user made are listed by `inspect` and `plan`
/// (those an extension owns are not), and an apply around them leaves them, and the
/// trigger that calls one, working.
#[test]
fn routines_are_listed_and_left_alone() {
    let Some(db) = database() else { return };
    let statements = [
        "CREATE TABLE t (id int PRIMARY KEY, at timestamp)",
        "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.at = '2030-01-01'; RETURN NEW; END $$",
        "CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch()",
        "CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql AS 'SELECT a + b'",
        "CREATE PROCEDURE noop() LANGUAGE sql AS 'SELECT 1'",
        "CREATE AGGREGATE total(int) (sfunc = int4pl, stype = int)",
        "INSERT INTO t VALUES (1, NULL)",
    ];
    db.run(&statements.map(String::from)).unwrap();
    let schema = "table t {
        column id int primary-key=#true
        column at datetime nullable=#true
        column note text nullable=#true
    }";
    let dir = project(&db, schema, "");
    let (status, stdout, stderr) = reconcile(dir.path(), &["plan"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(
        stdout.contains(
            "Left alone (not described by schema.kdl): trigger `t_touch`, function `add(a integer, b integer)`, procedure `noop()`, aggregate `total(integer)`, function `touch()`"
        ),
        "{stdout}"
    );
    let (_, kdl, _) = reconcile(dir.path(), &["inspect"]);
    for line in [
        "left alone: function \"add(a integer, b integer)\"",
        "left alone: procedure \"noop()\"",
        "left alone: aggregate \"total(integer)\"",
    ] {
        assert!(kdl.contains(line), "{line}\n{kdl}");
    }
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 0, "{stderr}");
    db.run(&["UPDATE t SET note = 'x'".to_string()]).unwrap();
    assert_eq!(
        db.rows("SELECT at, public.add(1, 2), (SELECT public.total(id) FROM t) FROM t")
            .unwrap(),
        ["2030-01-01 00:00:00|3|1"]
    );
    db.close();
}
