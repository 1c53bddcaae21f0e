//! Production-safe apply (issue 16): each statement carries how it runs, the servers accept
//! the algorithm and lock it names, and an environment's `max-blocking-rows` refuses a
//! statement that would block writes on a bigger table, with nothing changed. Runs on
//! SQLite, MariaDB, PostgreSQL and, when present, MySQL 9.

mod common;

use common::Server;
use common::live::LiveDb;
use reconcile::database::apply::{Options, Quiet};
use reconcile::database::{Intent, Session};
use reconcile::dialect::{Dialect, Phase};
use reconcile::project::schema_from_source;
use reconcile::schema::Schema;

fn schema(source: &str) -> Schema {
    schema_from_source(source, &[]).unwrap_or_else(|e| panic!("{e:?}\n{source}"))
}

/// No lint set to `deny`: every rule warns.
static WARN_ONLY: reconcile::plan::lint::Levels = reconcile::plan::lint::Levels(Vec::new());

/// Apply's options as these tests vary them: the row limit, the retries, the tool.
fn options(
    limit: Option<u64>,
    lock_retries: u32,
    online_schema_change: Option<&'static str>,
) -> Options<'static> {
    Options {
        environment: "test",
        allow_destructive: true,
        max_blocking_rows: limit,
        lints: &WARN_ONLY,
        lock_timeout: std::time::Duration::from_secs(5),
        lock_retries,
        online_schema_change,
        approved: None,
        saved: None,
    }
}

fn apply(
    session: &mut Session,
    schema: &Schema,
    limit: Option<u64>,
) -> Result<(), reconcile::Error> {
    let options = options(limit, 3, None);
    session.apply(schema, &options, &mut Quiet).map(|_| ())
}

/// Every database this run has: SQLite always, the servers whose URLs are set.
fn databases(dir: &std::path::Path) -> Vec<LiveDb> {
    let mut out = vec![LiveDb::Sqlite(dir.join("dev.db"))];
    for server in [Server::Mysql, Server::Postgres, Server::Mysql8] {
        if let Some(base) = server.url() {
            out.push(LiveDb::on_server(server, &base));
        }
    }
    out
}

const BEFORE: &str = "table stock {\n    column id int primary-key=#true\n    column qty int\n}\n";
/// `qty` becomes a bigint: MySQL copies the table, PostgreSQL rewrites it, SQLite rebuilds it.
const RETYPED: &str =
    "table stock {\n    column id int primary-key=#true\n    column qty bigint\n}\n";
/// A new nullable column: instant on MySQL, a catalog change on PostgreSQL and SQLite.
const ADDED: &str = "table stock {\n    column id int primary-key=#true\n    column qty int\n    column note string length=20 nullable=#true\n}\n";

#[test]
fn the_policy_refuses_a_blocking_statement_on_a_bigger_table_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for db in databases(dir.path()) {
        let d = db.dialect();
        let mut session =
            Session::open(&db.environment(dir.path()), dir.path(), Intent::Write).unwrap();
        apply(&mut session, &schema(BEFORE), None).unwrap();
        let rows: Vec<String> = (1..=50).map(|i| format!("({i}, {i})")).collect();
        db.run_script(&format!(
            "INSERT INTO stock (id, qty) VALUES {};",
            rows.join(", ")
        ))
        .unwrap();
        // 50 rows, at most 10 allowed: refused, naming the statement, the table and the
        // setting, before anything runs.
        let err = apply(&mut session, &schema(RETYPED), Some(10)).unwrap_err();
        let message = err.to_string();
        assert!(
            matches!(err, reconcile::Error::BlocksWrites(_))
                && message.contains("max-blocking-rows 10")
                && message.contains("`stock` holds more than 10 rows")
                && message.contains("nothing was changed"),
            "{d}: {message}"
        );
        let plan = session.plan(&schema(RETYPED)).unwrap();
        assert_eq!(
            plan.steps.len(),
            1,
            "{d}: the refused change is still to do"
        );
        let blocking: Vec<_> = plan
            .statements()
            .filter(|(_, s)| s.blocks_writes_while_working())
            .collect();
        assert!(!blocking.is_empty(), "{d}: {}", plan.text());
        // A change that blocks nothing while it works passes the same limit.
        apply(&mut session, &schema(ADDED), Some(10)).unwrap();
        // Under a limit above the table's rows, the retyping runs; the rows stay.
        let mut both = schema(ADDED);
        both.tables[0].columns[1] = schema(RETYPED).tables[0].columns[1].clone();
        apply(&mut session, &both, Some(100)).unwrap();
        assert!(session.plan(&both).unwrap().is_empty(), "{d}");
        assert_eq!(
            db.count("SELECT COUNT(*) FROM stock WHERE qty = id")
                .unwrap(),
            50,
            "{d}"
        );
        drop(session);
        db.close();
    }
}

/// One table's changes on MySQL and MariaDB: the instant ones in an `ALTER` of their own,
/// the rest in one copy; each names its algorithm, and the server accepted it (else apply
/// would fail).
#[test]
fn instant_changes_are_not_folded_into_a_copy_and_the_server_accepts_each_algorithm() {
    let dir = tempfile::tempdir().unwrap();
    for server in [Server::Mysql, Server::Mysql8] {
        let Some(base) = server.url() else { continue };
        let db = LiveDb::on_server(server, &base);
        let mut session =
            Session::open(&db.environment(dir.path()), dir.path(), Intent::Write).unwrap();
        apply(&mut session, &schema(BEFORE), None).unwrap();
        db.run_script("INSERT INTO stock (id, qty) VALUES (1, 1), (2, 2);")
            .unwrap();
        let mut desired = schema(ADDED);
        desired.tables[0].columns[1] = schema(RETYPED).tables[0].columns[1].clone();
        let plan = session.plan(&desired).unwrap();
        let sql: Vec<&str> = plan.statements().map(|(_, s)| s.sql.as_str()).collect();
        assert_eq!(sql.len(), 2, "{server:?}: {sql:?}");
        assert!(
            sql[0].contains("ADD COLUMN `note`") && sql[0].ends_with("ALGORITHM=INSTANT"),
            "{server:?}: {sql:?}"
        );
        assert!(
            sql[1].contains("MODIFY COLUMN `qty` BIGINT")
                && sql[1].ends_with("ALGORITHM=COPY, LOCK=SHARED"),
            "{server:?}: {sql:?}"
        );
        let text = plan.text();
        assert!(
            text.contains("runs: ALGORITHM=INSTANT: catalog only, reads and writes allowed")
                && text.contains("runs: ALGORITHM=COPY, LOCK=SHARED: rewrites the table (about"),
            "{server:?}: {text}"
        );
        apply(&mut session, &desired, None).unwrap();
        assert!(session.plan(&desired).unwrap().is_empty(), "{server:?}");
        drop(session);
        db.close();
    }
}

/// PostgreSQL: a check and a foreign key on an existing table are added `NOT VALID` and
/// validated after the commit; one left unvalidated (by another tool, or a validation that
/// failed) is planned again, and its violating rows are counted first.
#[test]
fn postgres_validates_new_constraints_after_the_commit_and_finds_unvalidated_ones() {
    let Some(base) = Server::Postgres.url() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = LiveDb::on_server(Server::Postgres, &base);
    let mut session =
        Session::open(&db.environment(dir.path()), dir.path(), Intent::Write).unwrap();
    let before = "table owners {\n    column id int primary-key=#true\n}\ntable stock {\n    column id int primary-key=#true\n    column qty int\n    column owner_id int nullable=#true\n}\n";
    apply(&mut session, &schema(before), None).unwrap();
    db.run_script(
        "INSERT INTO owners VALUES (1); INSERT INTO stock VALUES (1, 5, 1), (2, -1, NULL);",
    )
    .unwrap();
    // Made by hand, the way another tool leaves it: declared, never validated.
    db.run_script("ALTER TABLE stock ADD CONSTRAINT qty_not_negative CHECK (qty >= 0) NOT VALID;")
        .unwrap();
    let desired = schema(&before.replace(
        "    column owner_id int nullable=#true\n}",
        "    column owner_id int nullable=#true\n    check qty_not_negative \"qty >= 0\"\n    foreign-key owner_id references=\"owners(id)\"\n}",
    ));
    let plan = session.plan(&desired).unwrap();
    let text = plan.text();
    assert!(text.contains("- drop check `qty_not_negative`"), "{text}");
    assert!(
        plan.blocking_findings().count() == 1,
        "the row with qty -1 is counted: {text}"
    );
    assert!(apply(&mut session, &desired, None).is_err());
    db.run_script("UPDATE stock SET qty = 0 WHERE qty < 0;")
        .unwrap();
    let plan = session.plan(&desired).unwrap();
    let later: Vec<&str> = plan
        .statements()
        .filter(|(_, s)| s.phase == Phase::AfterCommit)
        .map(|(_, s)| s.sql.as_str())
        .collect();
    assert_eq!(later.len(), 2, "{later:?}");
    assert!(
        later.iter().all(|s| s.contains("VALIDATE CONSTRAINT")),
        "{later:?}"
    );
    assert_eq!(plan.dialect, Dialect::Postgres);
    apply(&mut session, &desired, None).unwrap();
    assert!(session.plan(&desired).unwrap().is_empty());
    assert_eq!(
        db.count("SELECT COUNT(*) FROM pg_constraint WHERE conrelid = 'stock'::regclass AND contype IN ('c', 'f') AND convalidated").unwrap(),
        2
    );
    drop(session);
    db.close();
}

/// A denied lint: `plan --exit-code` exits 3 and shows it; `apply` refuses with exit status 3
/// and changes nothing; `warn` lets it through; a rule that does not exist is an error at
/// its place in the environment file.
#[test]
fn a_lint_the_environment_denies_stops_apply_with_its_own_exit_status() {
    let dir = common::sqlite_project(BEFORE);
    let (status, _, stderr) = common::reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 0, "{stderr}");
    std::fs::write(dir.path().join("schema.kdl"), RETYPED).unwrap();
    let env = dir.path().join("environments/development.kdl");
    let base = std::fs::read_to_string(&env).unwrap();
    std::fs::write(&env, format!("{base}lint table-rewrite deny\n")).unwrap();
    let (status, stdout, _) = common::reconcile(dir.path(), &["plan", "--exit-code"]);
    assert_eq!(status, 3, "{stdout}");
    assert!(
        stdout.contains("lint: deny RC102 table-rewrite: `stock`: write lock: recreates the table")
            && stdout.contains("apply will refuse: 1 lint denied by the environment"),
        "{stdout}"
    );
    let (status, _, stderr) = common::reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 3, "{stderr}");
    assert!(
        stderr.contains("the environment denies 1 lint(s) of the plan; nothing was changed"),
        "{stderr}"
    );
    let (status, stdout, _) = common::reconcile(dir.path(), &["plan", "--exit-code"]);
    assert_eq!(status, 3, "nothing changed: {stdout}");
    // Warned, it runs.
    std::fs::write(&env, format!("{base}lint RC102 warn\n")).unwrap();
    let (status, _, stderr) = common::reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 0, "{stderr}");
    std::fs::write(&env, format!("{base}lint table-rewrites deny\n")).unwrap();
    let (status, _, stderr) = common::reconcile(dir.path(), &["plan"]);
    assert_eq!(status, 1, "{stderr}");
    assert!(
        stderr.contains("unknown lint rule")
            && stderr.contains("did you mean `table-rewrite`?")
            && stderr.contains("development.kdl:3:6"),
        "{stderr}"
    );
}

/// RC112: a SQLite rebuild of a table with a trigger says that the trigger is dropped and
/// created again around the copy (made by hand, as another tool would).
#[test]
fn a_sqlite_rebuild_of_a_table_with_triggers_is_linted() {
    let dir = tempfile::tempdir().unwrap();
    let db = LiveDb::Sqlite(dir.path().join("dev.db"));
    let mut session =
        Session::open(&db.environment(dir.path()), dir.path(), Intent::Write).unwrap();
    apply(&mut session, &schema(BEFORE), None).unwrap();
    db.run_script(
        "CREATE TABLE audit (at TEXT); CREATE TRIGGER stock_audit AFTER UPDATE ON stock BEGIN INSERT INTO audit VALUES (datetime('now')); END;",
    )
    .unwrap();
    let mut desired = schema(RETYPED);
    desired.ignore.push("audit".into());
    let plan = session.plan(&desired).unwrap();
    let codes: Vec<&str> = plan.lints.iter().map(|l| l.code).collect();
    assert!(
        codes.contains(&"RC112") && codes.contains(&"RC102"),
        "{}",
        plan.text()
    );
    apply(&mut session, &desired, None).unwrap();
    assert!(session.plan(&desired).unwrap().is_empty());
}

/// Remembers when each statement started and finished, and the retries.
#[derive(Default)]
struct Timeline {
    started: Vec<(usize, std::time::Instant)>,
    ran: Vec<(usize, std::time::Instant)>,
    retries: u32,
}

impl reconcile::database::apply::Progress for Timeline {
    fn statement(&mut self, index: usize, _total: usize, _sql: &str) {
        self.started.push((index, std::time::Instant::now()));
    }
    fn ran(&mut self, index: usize) {
        self.ran.push((index, std::time::Instant::now()));
    }
    fn retrying(&mut self, _sql: &str, _retry: u32, _of: u32, _delay: std::time::Duration) {
        self.retries += 1;
    }
}

/// Holds a lock on `stock` from another session for `hold`: an open transaction that read
/// the table (PostgreSQL `ACCESS SHARE`, MySQL a shared metadata lock), as application
/// traffic does; `ready` is sent once the lock is held.
fn hold_lock(
    url: String,
    server: Server,
    hold: std::time::Duration,
) -> std::thread::JoinHandle<()> {
    let (ready, wait) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        common::live::block_on(async move {
            use sqlx::{Connection, Executor};
            async fn run<C: Connection>(
                url: &str,
                hold: std::time::Duration,
                ready: std::sync::mpsc::Sender<()>,
            ) where
                for<'c> &'c mut C: Executor<'c>,
            {
                let mut c = C::connect(url).await.unwrap();
                c.execute("BEGIN").await.unwrap();
                c.execute("SELECT COUNT(*) FROM stock").await.unwrap();
                ready.send(()).unwrap();
                tokio::time::sleep(hold).await;
                c.execute("COMMIT").await.unwrap();
            }
            match server {
                Server::Postgres => run::<sqlx::PgConnection>(&url, hold, ready).await,
                Server::Mysql | Server::Mysql8 => {
                    run::<sqlx::MySqlConnection>(&url, hold, ready).await
                }
            }
        })
    });
    wait.recv().unwrap();
    holder
}

/// A statement that gives up waiting for a lock application traffic holds is tried again
/// with back-off: the busy table delays apply instead of failing it; with no retries
/// allowed it fails, having changed nothing.
#[test]
fn a_statement_that_times_out_on_a_busy_table_is_tried_again() {
    let dir = tempfile::tempdir().unwrap();
    for server in [Server::Mysql, Server::Postgres, Server::Mysql8] {
        let Some(base) = server.url() else { continue };
        let db = LiveDb::on_server(server, &base);
        let mut env = db.environment(dir.path());
        env.statement_lock_timeout = 1;
        let url = env.url.expose().to_string();
        let mut session = Session::open(&env, dir.path(), Intent::Write).unwrap();
        apply(&mut session, &schema(BEFORE), None).unwrap();
        let options = |retries| options(None, retries, None);
        // No retries: the lock wins, the statement fails, nothing is changed.
        let holder = hold_lock(url.clone(), server, std::time::Duration::from_secs(3));
        let err = session
            .apply(&schema(ADDED), &options(0), &mut Timeline::default())
            .unwrap_err();
        assert!(
            err.to_string().contains("statement") || format!("{err:?}").contains("lock"),
            "{server:?}: {err:?}"
        );
        holder.join().unwrap();
        assert_eq!(
            session.plan(&schema(ADDED)).unwrap().steps.len(),
            1,
            "{server:?}"
        );
        // Three retries (1 s, 2 s, 4 s apart): the lock goes after 3 s, the change is made.
        let holder = hold_lock(url, server, std::time::Duration::from_secs(3));
        let mut timeline = Timeline::default();
        session
            .apply(&schema(ADDED), &options(3), &mut timeline)
            .unwrap();
        holder.join().unwrap();
        assert!(timeline.retries >= 1, "{server:?}: no retry");
        assert!(
            session.plan(&schema(ADDED)).unwrap().is_empty(),
            "{server:?}"
        );
        drop(session);
        db.close();
    }
}

/// A writer on its own connection: inserts a row and updates another, each committed,
/// until told to stop; returns when each commit happened.
fn writer(
    url: String,
    server: Server,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> std::thread::JoinHandle<Vec<std::time::Instant>> {
    std::thread::spawn(move || {
        common::live::block_on(async move {
            use sqlx::{Connection, Executor};
            async fn run<C: Connection>(
                url: &str,
                stop: &std::sync::atomic::AtomicBool,
            ) -> Vec<std::time::Instant>
            where
                for<'c> &'c mut C: Executor<'c>,
            {
                let mut c = C::connect(url).await.unwrap();
                let mut commits = Vec::new();
                let mut id = 1_000_000;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    id += 1;
                    let insert = format!("INSERT INTO stock (id, qty) VALUES ({id}, 1)");
                    let update = format!(
                        "UPDATE stock SET qty = qty + 1 WHERE id = {}",
                        id % 200_000 + 1
                    );
                    for sql in [insert, update] {
                        if c.execute(sqlx::AssertSqlSafe(sql)).await.is_ok() {
                            commits.push(std::time::Instant::now());
                        }
                    }
                }
                commits
            }
            match server {
                Server::Postgres => run::<sqlx::PgConnection>(&url, &stop).await,
                Server::Mysql | Server::Mysql8 => run::<sqlx::MySqlConnection>(&url, &stop).await,
            }
        })
    })
}

/// The proof: 200,000 rows, a writer committing in a loop, and each change kind the
/// docs call non-blocking applied while it writes. For every statement that lets reads and
/// writes go on and takes a while (100 ms or more), the writer's commits go on during it;
/// the longest stall of each is printed (docs/safety.md records them). A change that copies
/// the table is refused by `max-blocking-rows`, with nothing changed.
#[test]
fn writers_keep_committing_while_non_blocking_changes_run() {
    let dir = tempfile::tempdir().unwrap();
    for server in [Server::Mysql, Server::Postgres, Server::Mysql8] {
        let Some(base) = server.url() else { continue };
        let db = LiveDb::on_server(server, &base);
        // The defaults: on PostgreSQL, indexes and keys built CONCURRENTLY.
        let env = db.environment(dir.path());
        let url = env.url.expose().to_string();
        let mut session = Session::open(&env, dir.path(), Intent::Write).unwrap();
        let owners = "table owners {\n    column id int primary-key=#true\n}\n";
        let start = format!("{owners}{BEFORE}");
        apply(&mut session, &schema(&start), None).unwrap();
        db.run_script("INSERT INTO owners (id) VALUES (1);")
            .unwrap();
        for batch in 0..200 {
            let rows: Vec<String> = (1..=1000)
                .map(|i| {
                    let id = batch * 1000 + i;
                    format!("({id}, {})", id % 7)
                })
                .collect();
            db.run_script(&format!(
                "INSERT INTO stock (id, qty) VALUES {};",
                rows.join(", ")
            ))
            .unwrap();
        }
        // Each step adds to the last; the kinds the docs call non-blocking on this family.
        let steps: Vec<(&str, String)> = match server {
            Server::Postgres => vec![
                ("index built concurrently", "    index qty".into()),
                ("check added NOT VALID, validated after the commit", "    index qty\n    check qty_small \"qty < 1000000\"".into()),
                ("foreign key added NOT VALID, validated after the commit", "    index qty\n    check qty_small \"qty < 1000000\"\n    column owner_id int nullable=#true references=owners.id".into()),
                ("index dropped concurrently", "    check qty_small \"qty < 1000000\"\n    column owner_id int nullable=#true references=owners.id".into()),
                ("primary key through a unique index built concurrently", "    check qty_small \"qty < 1000000\"\n    column owner_id int nullable=#true references=owners.id\n    primary-key id qty".into()),
            ],
            _ => vec![
                ("column added instantly", "    column note string length=20 nullable=#true".into()),
                ("index built in place", "    column note string length=20 nullable=#true\n    index qty".into()),
                ("column renamed instantly", "    column remark string length=20 nullable=#true renamed-from=note\n    index qty".into()),
            ],
        };
        // `table` with the lines of `extra`, which may name another primary key.
        let with = |table: &str, extra: &str| {
            let mut table = table.replace("\n}\n", &format!("\n{extra}\n}}\n"));
            if extra.contains("primary-key ") {
                table = table.replace("column id int primary-key=#true", "column id int");
            }
            format!("{owners}{table}")
        };
        for (kind, extra) in &steps {
            let desired = schema(&with(BEFORE, extra));
            let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let writing = writer(url.clone(), server, stop.clone());
            std::thread::sleep(std::time::Duration::from_millis(300));
            let mut timeline = Timeline::default();
            let plan = {
                let options = options(Some(100_000), 3, None);
                session.apply(&desired, &options, &mut timeline).unwrap()
            };
            std::thread::sleep(std::time::Duration::from_millis(300));
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            let commits = writing.join().unwrap();
            let all: Vec<_> = plan.statements().collect();
            for (index, started) in &timeline.started {
                let Some((_, done)) = timeline.ran.iter().find(|(i, _)| i == index) else {
                    continue;
                };
                let statement = all[*index].1;
                // Inside PostgreSQL's transaction the statements run as one batch: only
                // those that run alone have their own window.
                if statement.lock.blocks != reconcile::dialect::Blocks::Nothing
                    || (server == Server::Postgres && statement.phase != Phase::AfterCommit)
                {
                    continue;
                }
                let during: Vec<&std::time::Instant> = commits
                    .iter()
                    .filter(|t| *t >= started && *t <= done)
                    .collect();
                let mut edges: Vec<std::time::Instant> = vec![*started];
                edges.extend(during.iter().copied().copied());
                edges.push(*done);
                let stall = edges
                    .windows(2)
                    .map(|w| w[1] - w[0])
                    .max()
                    .unwrap_or_default();
                let took = *done - *started;
                eprintln!(
                    "{server:?}, {kind}: `{}` took {} ms; the writer committed {} times meanwhile, longest stall {} ms",
                    statement.sql,
                    took.as_millis(),
                    during.len(),
                    stall.as_millis()
                );
                if took >= std::time::Duration::from_millis(100) {
                    assert!(
                        !during.is_empty(),
                        "{server:?}, {kind}: the writer stopped during `{}`",
                        statement.sql
                    );
                }
            }
            assert!(
                session.plan(&desired).unwrap().is_empty(),
                "{server:?}, {kind}"
            );
        }
        // A change that copies or rewrites the table: refused above 100,000 rows.
        let last = &steps.last().unwrap().1;
        let retyped = schema(&with(RETYPED, last).replace("renamed-from=note", ""));
        let err = apply(&mut session, &retyped, Some(100_000)).unwrap_err();
        assert!(
            matches!(err, reconcile::Error::BlocksWrites(_)),
            "{server:?}: {err:?}"
        );
        assert!(
            !session.plan(&retyped).unwrap().is_empty(),
            "{server:?}: nothing changed"
        );
        drop(session);
        db.close();
    }
}

/// `pt-online-schema-change`, or `None` after saying loudly why the test is skipped (a
/// failure where servers are required: `.ci/run` installs it).
fn online_tool() -> Option<&'static str> {
    const TOOL: &str = "pt-online-schema-change";
    let found = std::process::Command::new(TOOL)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return Some(TOOL);
    }
    if std::env::var("RECONCILE_TEST_REQUIRE_SERVERS").is_ok_and(|v| v == "1") {
        panic!(
            "{TOOL} is not installed but RECONCILE_TEST_REQUIRE_SERVERS=1 (`apt-get install percona-toolkit`)"
        );
    }
    common::shout(&format!(
        "SKIPPED: the {TOOL} hand-off: install percona-toolkit"
    ));
    None
}

/// A type change that would copy a big MariaDB table under a lock is handed to
/// `pt-online-schema-change` (`online-schema-change` in the environment), with a writer
/// inserting and updating rows meanwhile: the tool's progress is reported, the change is
/// made (the plan is empty after), and no row is lost, the writer's included.
#[test]
fn a_copy_of_a_big_table_is_handed_to_pt_online_schema_change_and_loses_no_row() {
    let Some(base) = Server::Mysql.url() else {
        return;
    };
    let Some(tool) = online_tool() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = LiveDb::on_server(Server::Mysql, &base);
    let env = db.environment(dir.path());
    let url = env.url.expose().to_string();
    let mut session = Session::open(&env, dir.path(), Intent::Write).unwrap();
    apply(&mut session, &schema(BEFORE), None).unwrap();
    for batch in 0..20 {
        let rows: Vec<String> = (1..=1000)
            .map(|i| format!("({}, {i})", batch * 1000 + i))
            .collect();
        db.run_script(&format!(
            "INSERT INTO stock (id, qty) VALUES {};",
            rows.join(", ")
        ))
        .unwrap();
    }
    #[derive(Default)]
    struct Seen {
        handed: Vec<String>,
        lines: Vec<String>,
    }
    impl reconcile::database::apply::Progress for Seen {
        fn handing_off(&mut self, sql: &str, _tool: &str, _table: &str, _rows: u64) {
            self.handed.push(sql.to_string());
        }
        fn tool_output(&mut self, line: &str) {
            self.lines.push(line.to_string());
        }
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writing = writer(url, Server::Mysql, stop.clone());
    std::thread::sleep(std::time::Duration::from_millis(300));
    let options = options(Some(1000), 3, Some(tool));
    let mut seen = Seen::default();
    session
        .apply(&schema(RETYPED), &options, &mut seen)
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let commits = writing.join().unwrap();
    assert_eq!(seen.handed.len(), 1, "{:?}", seen.handed);
    assert!(
        seen.lines
            .iter()
            .any(|l| l.contains("Successfully altered")),
        "{:#?}",
        seen.lines
    );
    assert!(session.plan(&schema(RETYPED)).unwrap().is_empty());
    // Every row is there: the 20,000 and each insert the writer committed (its updates
    // and inserts alternate, so about half of its commits are inserts).
    let rows = db.count("SELECT COUNT(*) FROM stock").unwrap();
    let inserted = db
        .count("SELECT COUNT(*) FROM stock WHERE id > 1000000")
        .unwrap();
    assert_eq!(rows, 20_000 + inserted);
    assert!(
        inserted > 0 && commits.len() as i64 >= inserted,
        "{inserted} / {}",
        commits.len()
    );
    let column = db
        .rows("SELECT DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'stock' AND COLUMN_NAME = 'qty'")
        .unwrap();
    assert_eq!(column, ["bigint"]);
    eprintln!(
        "pt-online-schema-change: {} lines of progress, the writer committed {} times",
        seen.lines.len(),
        commits.len()
    );
    drop(session);
    db.close();
}

/// A table that another table's foreign key references is not handed to the tool (it would
/// have to rebuild that key, or point it at the copy): refused with the reason before
/// anything runs, on MariaDB and MySQL 9.
#[test]
fn a_table_other_tables_reference_is_not_handed_to_the_online_schema_change_tool() {
    let dir = tempfile::tempdir().unwrap();
    let moves = "table moves {\n    column id int primary-key=#true\n    column stock_id int references=stock.id\n}\n";
    for server in [Server::Mysql, Server::Mysql8] {
        let Some(base) = server.url() else { continue };
        let db = LiveDb::on_server(server, &base);
        let env = db.environment(dir.path());
        let mut session = Session::open(&env, dir.path(), Intent::Write).unwrap();
        apply(&mut session, &schema(&format!("{BEFORE}{moves}")), None).unwrap();
        db.run_script("INSERT INTO stock (id, qty) VALUES (1, 1), (2, 2);")
            .unwrap();
        let retyped = schema(&format!("{RETYPED}{moves}"));
        let options = options(None, 3, Some("pt-online-schema-change"));
        let err = session.apply(&retyped, &options, &mut Quiet).unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(err, reconcile::Error::BlocksWrites(_))
                && text.contains("other tables' foreign keys reference it"),
            "{server:?}: {text}"
        );
        assert!(
            !session.plan(&retyped).unwrap().is_empty(),
            "{server:?}: nothing changed"
        );
        drop(session);
        db.close();
    }
}

/// MySQL caps the row versions that instant `ADD`/`DROP COLUMN`s leave on a table (255 on
/// 9.7, 64 on 8.0.29 to 9.0): at the cap, a new column is added in place, which rebuilds the
/// table and starts the count again, instead of an `ALGORITHM=INSTANT` the server refuses.
#[test]
fn a_table_at_mysqls_cap_on_instant_row_versions_gets_its_column_in_place() {
    let Some(base) = Server::Mysql8.url() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = LiveDb::on_server(Server::Mysql8, &base);
    let env = db.environment(dir.path());
    let mut session = Session::open(&env, dir.path(), Intent::Write).unwrap();
    apply(&mut session, &schema(BEFORE), None).unwrap();
    db.run_script("INSERT INTO stock (id, qty) VALUES (1, 1), (2, 2);")
        .unwrap();
    let versions = || {
        db.rows(
            "SELECT TOTAL_ROW_VERSIONS FROM information_schema.INNODB_TABLES \
             WHERE NAME = CONCAT(DATABASE(), '/stock')",
        )
        .unwrap()
    };
    // Instant changes up to the cap, each its own row version.
    let mut statements = Vec::new();
    loop {
        let n: u32 = versions()[0].parse().unwrap();
        if n >= 255 {
            break;
        }
        let sql = if n.is_multiple_of(2) {
            "ALTER TABLE stock ADD COLUMN spare INT NULL, ALGORITHM=INSTANT"
        } else {
            "ALTER TABLE stock DROP COLUMN spare, ALGORITHM=INSTANT"
        };
        db.run(&[sql.to_string()]).unwrap();
        statements.push(sql);
    }
    // At the cap the server refuses one more (what an instant plan would meet).
    let refused =
        db.run(&["ALTER TABLE stock ADD COLUMN spare INT NULL, ALGORITHM=INSTANT".to_string()]);
    assert!(refused.is_err(), "the server has a cap");
    let plan = session.plan(&schema(ADDED)).unwrap();
    let sql: Vec<&str> = plan.statements().map(|(_, s)| s.sql.as_str()).collect();
    assert_eq!(
        sql,
        // The 255th change added `spare`: the plan drops it, in place as well.
        [
            "ALTER TABLE `stock` ADD COLUMN `note` VARCHAR(20) NULL, DROP COLUMN `spare`, ALGORITHM=INPLACE, LOCK=NONE"
        ],
        "after {} instant ALTERs",
        statements.len()
    );
    apply(&mut session, &schema(ADDED), None).unwrap();
    assert!(session.plan(&schema(ADDED)).unwrap().is_empty());
    assert_eq!(versions(), ["0"], "the rebuild starts the count again");
    assert_eq!(db.count("SELECT COUNT(*) FROM stock").unwrap(), 2);
    drop(session);
    db.close();
}

/// PostgreSQL: a column made NOT NULL through a validated check, after the commit; an apply
/// that stopped halfway (the check added, the column still nullable) is finished by the
/// next one, which leaves no check behind.
#[test]
fn postgres_sets_not_null_through_a_validated_check_and_finishes_a_half_done_one() {
    let Some(base) = Server::Postgres.url() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = LiveDb::on_server(Server::Postgres, &base);
    let mut session =
        Session::open(&db.environment(dir.path()), dir.path(), Intent::Write).unwrap();
    let nullable = "table stock {\n    column id int primary-key=#true\n    column qty int nullable=#true\n}\n";
    apply(&mut session, &schema(nullable), None).unwrap();
    db.run_script("INSERT INTO stock VALUES (1, 1), (2, 2);")
        .unwrap();
    // Left as an apply that stopped after its commit leaves it.
    db.run_script(
        "ALTER TABLE stock ADD CONSTRAINT reconcile_not_null_stock_qty CHECK (qty IS NOT NULL) NOT VALID;",
    )
    .unwrap();
    let plan = session.plan(&schema(BEFORE)).unwrap();
    let later: Vec<&str> = plan
        .statements()
        .filter(|(_, s)| s.phase == Phase::AfterCommit)
        .map(|(_, s)| s.sql.as_str())
        .collect();
    assert_eq!(
        later,
        [
            "ALTER TABLE \"stock\" VALIDATE CONSTRAINT \"reconcile_not_null_stock_qty\"",
            "ALTER TABLE \"stock\" ALTER COLUMN \"qty\" SET NOT NULL",
            "ALTER TABLE \"stock\" DROP CONSTRAINT \"reconcile_not_null_stock_qty\"",
        ],
        "{}",
        plan.text()
    );
    apply(&mut session, &schema(BEFORE), None).unwrap();
    assert!(session.plan(&schema(BEFORE)).unwrap().is_empty());
    assert_eq!(
        db.count("SELECT COUNT(*) FROM pg_constraint WHERE conrelid = 'stock'::regclass AND contype = 'c'").unwrap(),
        0
    );
    assert_eq!(
        db.rows("SELECT is_nullable FROM information_schema.columns WHERE table_name = 'stock' AND column_name = 'qty'").unwrap(),
        ["NO"]
    );
    drop(session);
    db.close();
}

/// Tables the plan creates have no rows to count: a cycle of foreign keys between new
/// tables (added after both exist) passes `max-blocking-rows 0`.
#[test]
fn the_policy_counts_only_tables_that_exist() {
    let dir = tempfile::tempdir().unwrap();
    let cycle = "table a {\n    column id int primary-key=#true\n    column b_id int nullable=#true references=b.id\n}\ntable b {\n    column id int primary-key=#true\n    column a_id int nullable=#true references=a.id\n}\n";
    for server in [Server::Mysql, Server::Postgres, Server::Mysql8] {
        let Some(base) = server.url() else { continue };
        let db = LiveDb::on_server(server, &base);
        let mut session =
            Session::open(&db.environment(dir.path()), dir.path(), Intent::Write).unwrap();
        apply(&mut session, &schema(&format!("{BEFORE}{cycle}")), Some(0))
            .unwrap_or_else(|e| panic!("{server:?}: {e:?}"));
        assert!(
            session
                .plan(&schema(&format!("{BEFORE}{cycle}")))
                .unwrap()
                .is_empty()
        );
        drop(session);
        db.close();
    }
}
