//! Nothing written in `schema.kdl` or an environment file runs as more than the statement
//! the plan shows, nothing waits forever, and no secret is printed (issue 13, points 3 to 7
//! and 9). Each test drives the real binary; the live ones run on every server present.

mod common;

use std::path::Path;

use common::live::{LiveDb, block_on};
use common::{Server, reconcile, reconcile_with, sqlite_project};

/// A schema that keeps `other` (ignored, with rows) and declares `target` with `hostile`
/// spliced into the place `place` names.
fn hostile_schema(place: &str, hostile: &str) -> String {
    let column = |hint: &str| {
        format!(
            "table target {{\n    column id int primary-key=#true\n    column v int {{\n        {hint}\n    }}\n}}\n"
        )
    };
    let body = match place {
        "engine" | "charset" | "collate" => format!(
            "table target {{\n    column id int primary-key=#true\n    mysql {place}=\"{hostile}\"\n}}\n"
        ),
        "type" => column(&format!("mysql type=\"{hostile}\"")),
        "column charset" => column(&format!("mysql charset=\"{hostile}\"")),
        "column collate" => column(&format!("mysql collate=\"{hostile}\"")),
        "check" => format!(
            "table target {{\n    column id int primary-key=#true\n    check c \"{hostile}\"\n}}\n"
        ),
        "default" => format!(
            "table target {{\n    column id int primary-key=#true\n    column v int default=(sql)\"{hostile}\"\n}}\n"
        ),
        "where" => format!(
            "table target {{\n    column id int primary-key=#true\n    column v int\n    index v where=\"{hostile}\"\n}}\n"
        ),
        other => panic!("no place {other}"),
    };
    format!("ignore other\n\n{body}")
}

/// Every place where schema text reaches SQL, with text that would add statements.
const HOSTILE: [(&str, &str); 9] = [
    (
        "engine",
        "InnoDB; DROP TABLE other; CREATE TABLE zz (a INT)",
    ),
    ("charset", "utf8mb4; DROP TABLE other"),
    ("collate", "utf8mb4_bin; DROP TABLE other"),
    ("type", "INT; DROP TABLE other"),
    ("column charset", "latin1; DROP TABLE other"),
    ("column collate", "latin1_bin, DROP COLUMN id"),
    ("check", "id > 0); DROP TABLE other; CREATE TABLE zz (a INT"),
    ("default", "1); DROP TABLE other; --"),
    ("where", "v > 0; DROP TABLE other"),
];

#[test]
fn hostile_text_is_refused_by_check_at_its_place() {
    for (place, hostile) in HOSTILE {
        let dir = sqlite_project(&hostile_schema(place, hostile));
        let (status, _, stderr) = reconcile(dir.path(), &["check", "--dialect", "mysql"]);
        assert_eq!(status, 1, "{place}: check passed\n{stderr}");
        assert!(
            stderr.contains("schema.kdl:"),
            "{place}: no file:line:col\n{stderr}"
        );
        // Portable fragments are refused on every dialect they run on.
        if ["check", "default", "where"].contains(&place) {
            for d in ["sqlite", "postgres"] {
                let (status, _, stderr) = reconcile(dir.path(), &["check", "--dialect", d]);
                assert_eq!(status, 1, "{place} on {d}: check passed\n{stderr}");
            }
        }
    }
}

#[test]
fn text_of_an_ordinary_schema_still_passes() {
    let schema = "table t {\n    column id int primary-key=#true\n    column qty int default=(sql)\"(1 + 2)\"\n    column email string length=100 {\n        mysql type=\"VARCHAR(100)\" charset=utf8mb4 collate=utf8mb4_bin\n    }\n    check qty_ok \"qty >= -100 AND qty <= 1000\"\n    mysql engine=InnoDB charset=utf8mb4 collate=utf8mb4_unicode_ci\n}\n";
    let dir = sqlite_project(schema);
    let (status, _, stderr) = reconcile(dir.path(), &["check", "--dialect", "mysql"]);
    assert_eq!(status, 0, "{stderr}");
    // Every hint appears in the text plan.
    let (status, stdout, stderr) = reconcile(dir.path(), &["plan", "--dialect", "mysql"]);
    assert_eq!(status, 0, "{stderr}");
    for shown in [
        "options engine InnoDB, charset utf8mb4, collate utf8mb4_unicode_ci",
        "collation utf8mb4_bin",
        "character set utf8mb4",
    ] {
        assert!(
            stdout.contains(shown),
            "`{shown}` not in the plan:\n{stdout}"
        );
    }
}

/// Names MySQL cannot store are refused by `check`, with their place.
#[test]
fn names_mysql_cannot_store_are_refused() {
    for (name, why) in [
        ("\"tab🙂le\"", "Basic Multilingual Plane"),
        ("\"trailing \"", "ends with a space"),
    ] {
        let schema =
            format!("table t {{\n    column id int primary-key=#true\n    column {name} int\n}}\n");
        let dir = sqlite_project(&schema);
        let (status, _, stderr) = reconcile(dir.path(), &["check", "--dialect", "mysql"]);
        assert_eq!(status, 1, "{name}: {stderr}");
        assert!(
            stderr.contains(why) && stderr.contains("schema.kdl:3:"),
            "{name}: {stderr}"
        );
        // SQLite stores them.
        let (status, _, stderr) = reconcile(dir.path(), &["check", "--dialect", "sqlite"]);
        assert_eq!(status, 0, "{name} on sqlite: {stderr}");
    }
}

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

/// The live databases of this run: SQLite always, each server whose URL is set.
fn live_databases(base: &Path) -> Vec<LiveDb> {
    let mut out = vec![LiveDb::Sqlite(base.join("dev.db"))];
    for server in [Server::Mysql, Server::Postgres, Server::Mysql8] {
        if let Some(url) = server.url() {
            out.push(LiveDb::on_server(server, &url));
        }
    }
    out
}

#[test]
fn hostile_text_never_touches_the_database() {
    let base = tempfile::tempdir().unwrap();
    for db in live_databases(base.path()) {
        db.run_script("CREATE TABLE other (id INT PRIMARY KEY);\nINSERT INTO other VALUES (1);\nINSERT INTO other VALUES (2);")
            .unwrap();
        for (place, hostile) in HOSTILE {
            let dir = project(&db, &hostile_schema(place, hostile), "");
            for args in [&["plan"][..], &["apply", "--yes", "--allow-destructive"]] {
                let (status, stdout, stderr) = reconcile(dir.path(), args);
                assert_eq!(
                    status,
                    1,
                    "{:?} {place} {args:?}: {stdout}{stderr}",
                    db.dialect()
                );
            }
            assert_eq!(
                db.count("SELECT COUNT(*) FROM other").unwrap(),
                2,
                "{place}"
            );
        }
        let tables = db
            .rows(match db.dialect() {
                reconcile::dialect::Dialect::Sqlite => "SELECT name FROM sqlite_schema WHERE type = 'table'",
                reconcile::dialect::Dialect::Mysql => "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()",
                reconcile::dialect::Dialect::Postgres => "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()",
            })
            .unwrap();
        assert_eq!(tables, vec!["other".to_string()], "{:?}", db.dialect());
        db.close();
    }
}

/// A server that accepts connections and never says a word.
fn silent_server() -> (u16, std::thread::JoinHandle<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().take(2) {
            held.push(stream);
        }
        std::thread::sleep(std::time::Duration::from_secs(30));
    });
    (port, handle)
}

#[test]
fn a_server_that_never_answers_fails_within_connect_timeout() {
    let (port, _server) = silent_server();
    for scheme in ["mysql", "postgres"] {
        let dir = sqlite_project("table t {\n    column id int primary-key=#true\n}\n");
        std::fs::write(
            dir.path().join("environments/development.kdl"),
            format!("url \"{scheme}://app:s3cret-pw@127.0.0.1:{port}/app\"\nconnect-timeout 1\n"),
        )
        .unwrap();
        let (status, _, stderr) = reconcile(dir.path(), &["plan"]);
        assert_eq!(status, 1, "{scheme}: {stderr}");
        assert!(
            stderr.contains(&format!("127.0.0.1:{port} did not answer within 1 s")),
            "{scheme}: {stderr}"
        );
        assert!(!stderr.contains("s3cret-pw"), "{stderr}");
    }
}

/// An apply queued behind an application's open transaction gives up after
/// `statement-lock-timeout` with a message that says so, instead of blocking the table's
/// readers for the server's own limit (a day on MariaDB, a year on MySQL).
#[test]
fn mysql_apply_behind_an_open_transaction_fails_fast() {
    for server in [Server::Mysql, Server::Mysql8] {
        let Some(url) = server.url() else { continue };
        let db = LiveDb::on_server(server, &url);
        db.run_script(
            "CREATE TABLE t (id INT PRIMARY KEY, v INT NULL);\nINSERT INTO t VALUES (1, 1);",
        )
        .unwrap();
        let LiveDb::Server(temp) = &db else {
            unreachable!()
        };
        let dir = project(
            &db,
            "table t {\n    column id int primary-key=#true\n    column v int nullable=#true\n    column w int nullable=#true\n}\n",
            "statement-lock-timeout 1\n",
        );
        let (status, stderr) = block_on(async {
            use sqlx::{Connection, Executor};
            let mut app = sqlx::MySqlConnection::connect(&temp.url).await.unwrap();
            app.execute("BEGIN").await.unwrap();
            app.execute("SELECT * FROM t").await.unwrap();
            let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
            app.execute("ROLLBACK").await.unwrap();
            (status, stderr)
        });
        assert_eq!(status, 1, "{server:?}: {stderr}");
        assert!(
            stderr.contains("statement-lock-timeout"),
            "{server:?}: {stderr}"
        );
        assert_eq!(db.count("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't'").unwrap(), 2);
        // Once the transaction is over, the same apply goes through.
        let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
        assert_eq!(status, 0, "{server:?}: {stderr}");
        db.close();
    }
}

/// `plan` against a table another session holds in `ACCESS EXCLUSIVE` fails with the lock
/// message after `statement-lock-timeout`, not with "canceling statement ... at line 3312".
#[test]
fn postgres_plan_behind_an_exclusive_lock_names_the_lock() {
    let Some(url) = Server::Postgres.url() else {
        return;
    };
    let db = LiveDb::on_server(Server::Postgres, &url);
    // `v` becomes NOT NULL: preflight counts its NULLs, which needs the table.
    db.run_script("CREATE TABLE t (id INT PRIMARY KEY, v INT);")
        .unwrap();
    let LiveDb::Server(temp) = &db else {
        unreachable!()
    };
    let dir = project(
        &db,
        "table t {\n    column id int primary-key=#true\n    column v int\n}\n",
        "statement-lock-timeout 1\n",
    );
    let (status, stderr) = block_on(async {
        use sqlx::{Connection, Executor};
        let mut app = sqlx::PgConnection::connect(&temp.url).await.unwrap();
        app.execute("BEGIN").await.unwrap();
        app.execute("LOCK TABLE t IN ACCESS EXCLUSIVE MODE")
            .await
            .unwrap();
        let (status, _, stderr) = reconcile(dir.path(), &["plan"]);
        app.execute("ROLLBACK").await.unwrap();
        (status, stderr)
    });
    assert_eq!(status, 1, "{stderr}");
    assert!(
        stderr.contains("another session holds a lock on the table")
            && stderr.contains("statement-lock-timeout"),
        "{stderr}"
    );
    let (status, stdout, stderr) = reconcile(dir.path(), &["plan"]);
    assert_eq!(status, 0, "{stdout}{stderr}");
    assert!(stdout.contains("checked, none found"), "{stdout}");
    db.close();
}

/// A password is masked wherever it appears once it is known: in a comment next to the
/// error line, on a `password` line, percent-encoded or not.
#[test]
fn a_known_password_is_masked_everywhere() {
    const PW: &str = "Pa:ss@w0rd/Secret";
    let encoded = "Pa%3Ass%40w0rd%2FSecret";
    for environment in [
        format!(
            "url \"mysql://app:{encoded}@127.0.0.1:1/app\"\n// the password is {PW}, also {encoded}\nlock-timout 5\n"
        ),
        format!("url \"mysql://app@127.0.0.1:1/app\"\npassword \"{PW}\"\n"),
        format!("url \"mysql://app:${{DB_PASSWORD}}@127.0.0.1:1/app\"\n// {PW}\nbogus 1\n"),
    ] {
        let dir = sqlite_project("table t {\n    column id int primary-key=#true\n}\n");
        std::fs::write(
            dir.path().join("environments/development.kdl"),
            &environment,
        )
        .unwrap();
        std::fs::write(
            dir.path().join("config.env"),
            format!("DB_PASSWORD={encoded}\n"),
        )
        .unwrap();
        for args in [&["plan"][..], &["check"], &["apply", "--yes"], &["inspect"]] {
            let (_, stdout, stderr) = reconcile_with(dir.path(), args, &[]);
            for secret in [PW, encoded, "w0rd/Secret", "w0rd%2FSecret"] {
                assert!(
                    !stdout.contains(secret) && !stderr.contains(secret),
                    "{args:?} printed {secret}:\n{environment}\n{stdout}{stderr}"
                );
            }
        }
    }
}

/// `?password=` on a MySQL URL is the password (the driver alone ignores it).
#[test]
fn mysql_query_password_is_used() {
    for server in [Server::Mysql, Server::Mysql8] {
        let Some(url) = server.url() else { continue };
        let db = LiveDb::on_server(server, &url);
        let LiveDb::Server(temp) = &db else {
            unreachable!()
        };
        let user = common::unique_name("qp");
        block_on(common::exec_on_server(
            server,
            &url,
            &[
                format!("CREATE USER '{user}'@'%' IDENTIFIED BY 'Qp-s3cret-9'"),
                format!("GRANT ALL ON `{}`.* TO '{user}'@'%'", temp.name),
            ],
        ))
        .unwrap();
        let authority = url
            .split_once("://")
            .unwrap()
            .1
            .split_once('@')
            .map_or(url.split_once("://").unwrap().1, |(_, h)| h);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("schema.kdl"),
            "table t {\n    column id int primary-key=#true\n}\n",
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("environments")).unwrap();
        std::fs::write(
            dir.path().join("environments/development.kdl"),
            format!(
                "url \"mysql://{user}@{authority}/{}?password=Qp-s3cret-9\"\n",
                temp.name
            ),
        )
        .unwrap();
        let (status, stdout, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
        assert_eq!(status, 0, "{server:?}: {stdout}{stderr}");
        assert!(!format!("{stdout}{stderr}").contains("Qp-s3cret-9"));
        block_on(common::exec_on_server(
            server,
            &url,
            &[format!("DROP USER '{user}'@'%'")],
        ))
        .unwrap();
        db.close();
    }
}

/// A saved plan is bound to the database it was made against, not only to the
/// environment's name.
#[test]
fn a_saved_plan_is_refused_on_another_database() {
    let dir = sqlite_project("table t {\n    column id int primary-key=#true\n}\n");
    let (status, _, stderr) = reconcile(dir.path(), &["plan", "--out", "plan.json"]);
    assert_eq!(status, 0, "{stderr}");
    let saved = std::fs::read_to_string(dir.path().join("plan.json")).unwrap();
    assert!(saved.contains("\"target\""), "{saved}");
    std::fs::write(
        dir.path().join("environments/development.kdl"),
        "url \"sqlite://other.db\"\n",
    )
    .unwrap();
    // A missing database is not created for a plan that was made elsewhere.
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--plan", "plan.json", "--yes"]);
    assert_eq!(status, 1, "{stderr}");
    assert!(stderr.contains("other.db does not exist"), "{stderr}");
    assert!(!dir.path().join("other.db").exists());
    // An existing one (an empty file is an empty SQLite database) refuses the plan by name.
    std::fs::write(dir.path().join("other.db"), "").unwrap();
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--plan", "plan.json", "--yes"]);
    assert_eq!(status, 1, "{stderr}");
    assert!(
        stderr.contains("the saved plan is for") && stderr.contains("dev.db"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(dir.path().join("other.db")).unwrap().len(), 0);
    // On the database it was made against, it applies.
    std::fs::write(
        dir.path().join("environments/development.kdl"),
        "url \"sqlite://dev.db\"\ncreate-database #true\n",
    )
    .unwrap();
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--plan", "plan.json", "--yes"]);
    assert_eq!(status, 0, "{stderr}");
}
