//! The server spells the desired schema (issue 17, point 2): where reconcile's own rules
//! read a check, a default or a type differently from the catalog, the desired table is
//! created in a scratch and the catalog's two readings are compared. Each test runs on a
//! SQLite file and on every server present.

mod common;

use std::path::Path;

use common::live::{LiveDb, block_on};
use common::{Server, exec_on_server};
use reconcile::database::{Intent, Session};
use reconcile::dialect::Dialect;
use reconcile::project::schema_from_source;
use reconcile::schema::Schema;

/// A SQLite file in `dir`, then a fresh database on each server whose URL is set.
fn databases(dir: &Path) -> Vec<LiveDb> {
    let mut dbs = vec![LiveDb::Sqlite(dir.join("scratch.db"))];
    for server in [Server::Mysql, Server::Postgres, Server::Mysql8] {
        if let Some(base) = server.url() {
            dbs.push(LiveDb::on_server(server, &base));
        }
    }
    dbs
}

fn schema(source: &str, dialect: Dialect) -> Schema {
    schema_from_source(source, &[dialect]).unwrap_or_else(|e| panic!("{e:?}\n{source}"))
}

fn apply(
    session: &mut Session,
    schema: &Schema,
) -> Result<reconcile::plan::Plan, reconcile::Error> {
    common::arbitrary::apply(session, schema)
}

/// Spellings that reconcile's own rules read differently from one catalog or another: a
/// `string` with no length (SQLite and PostgreSQL read `text`), a default with control
/// characters and a trailing space (MySQL's catalog escapes them), a double default of `0`
/// (MySQL's reads `0.0`... or `0`), a quoted column name in a check.
const SPELLINGS: &str = r#"
table spelled {
    column id bigint primary-key=#true
    column name string
    column note string length=20 default="a\nb\r\t x "
    column ratio double default=0
    column qty smallint default=-5
    check name_set "length(name) > 0 and qty >= -100"
    check qty_known "\"qty\" <> 7"
}
"#;

#[test]
fn a_schema_the_fast_rules_misread_converges() {
    let dir = tempfile::tempdir().unwrap();
    for db in databases(dir.path()) {
        let d = db.dialect();
        // MySQL needs a length for a string (`check` says so).
        let source = match d {
            // and reads `"qty"` as a string: its quoted name is `qty` in backticks.
            Dialect::Mysql => SPELLINGS
                .replace("column name string", "column name string length=50")
                .replace("\\\"qty\\\"", "`qty`"),
            _ => SPELLINGS.to_string(),
        };
        let desired = schema(&source, d);
        let env = db.environment(dir.path());
        let mut session = Session::open(&env, dir.path(), Intent::Write).unwrap();
        apply(&mut session, &desired).unwrap();
        db.run(&["INSERT INTO spelled (id, name) VALUES (1, 'kept')".to_string()])
            .unwrap();
        let left = session.plan(&desired).unwrap();
        assert!(left.is_empty(), "{d:?}: not converged:\n{}", left.text());
        // A second apply runs nothing and keeps the row.
        let again = apply(&mut session, &desired).unwrap();
        assert!(again.is_empty(), "{d:?}:\n{}", again.text());
        assert_eq!(db.rows("SELECT name FROM spelled").unwrap(), ["kept"]);
        drop(session);
        db.close();
    }
}

#[test]
fn a_no_op_plan_opens_no_scratch_and_a_disputed_one_does() {
    let plain = "table plain {\n    column id bigint primary-key=#true\n    column v int default=1\n    check v_positive \"v > 0\"\n}\n";
    let dir = tempfile::tempdir().unwrap();
    for db in databases(dir.path()) {
        let d = db.dialect();
        let env = db.environment(dir.path());
        let mut session = Session::open(&env, dir.path(), Intent::Write).unwrap();
        apply(&mut session, &schema(plain, d)).unwrap();
        let noop = session.plan(&schema(plain, d)).unwrap();
        assert!(
            noop.is_empty() && noop.spelled.is_empty(),
            "{d:?}: {:?}",
            noop.spelled
        );
        // The same check spelled otherwise: the fast rules see a change, the server none.
        let respelled = plain.replace("v > 0", "(((v)) > (0))");
        let plan = session.plan(&schema(&respelled, d)).unwrap();
        // SQLite keeps a check's text as written: its catalog would change. The servers
        // keep their own spelling of it, the same for both.
        let steps = if d == Dialect::Sqlite { 1 } else { 0 };
        assert_eq!(plan.steps.len(), steps, "{d:?}:\n{}", plan.text());
        // A real change is still one.
        let changed = plain.replace("v > 0", "v > 1");
        let plan = session.plan(&schema(&changed, d)).unwrap();
        assert_eq!(plan.spelled, ["plain"], "{d:?}");
        assert_eq!(plan.steps.len(), 1, "{d:?}:\n{}", plan.text());
        drop(session);
        db.close();
    }
}

/// A check that MySQL refuses (a non-deterministic function) replaces one that exists.
/// Before the scratch, apply dropped the old check (committed: MySQL has no transactional
/// DDL), then failed to add the new one; now the server refuses it in the scratch and the
/// target keeps its check.
#[test]
fn a_check_the_server_refuses_never_reaches_the_target() {
    for server in [Server::Mysql, Server::Mysql8, Server::Postgres] {
        let Some(base) = server.url() else { continue };
        let dir = tempfile::tempdir().unwrap();
        let db = LiveDb::on_server(server, &base);
        let d = db.dialect();
        let before = "table t {\n    column id bigint primary-key=#true\n    column v double\n    check c \"v > 0\"\n}\n";
        let env = db.environment(dir.path());
        let mut session = Session::open(&env, dir.path(), Intent::Write).unwrap();
        apply(&mut session, &schema(before, d)).unwrap();
        let refused = before.replace("v > 0", "v > rand()");
        match apply(&mut session, &schema(&refused, d)) {
            Err(reconcile::Error::ServerRefuses { table, sql, .. }) => {
                assert_eq!(table, "t");
                assert!(sql.contains("rand()"), "{sql}");
            }
            other => panic!("{server:?}: {other:?}"),
        }
        assert!(
            session.plan(&schema(before, d)).unwrap().is_empty(),
            "{server:?}: the target changed"
        );
        drop(session);
        db.close();
    }
}

/// A view's new query that the server refuses (it reads a column that is not there) is
/// refused in the scratch, named as a view, and the view on the target stays as it was.
#[test]
fn a_view_the_server_refuses_never_reaches_the_target() {
    for server in [Server::Mysql, Server::Mysql8, Server::Postgres] {
        let Some(base) = server.url() else { continue };
        let dir = tempfile::tempdir().unwrap();
        let db = LiveDb::on_server(server, &base);
        let d = db.dialect();
        let before = "table t {\n    column id bigint primary-key=#true\n}\nview v (sql)\"SELECT id FROM t\"\n";
        let env = db.environment(dir.path());
        let mut session = Session::open(&env, dir.path(), Intent::Write).unwrap();
        apply(&mut session, &schema(before, d)).unwrap();
        let refused = before.replace("SELECT id FROM t", "SELECT id, nope FROM t");
        match apply(&mut session, &schema(&refused, d)) {
            Err(e @ reconcile::Error::ServerRefuses { .. }) => {
                let text = e.to_string();
                assert!(text.contains("refuses view `v`"), "{text}");
                assert!(text.contains("nope"), "{text}");
            }
            other => panic!("{server:?}: {other:?}"),
        }
        assert!(
            session.plan(&schema(before, d)).unwrap().is_empty(),
            "{server:?}: the target changed"
        );
        assert_eq!(db.rows("SELECT count(*) FROM v").unwrap(), ["0"]);
        drop(session);
        db.close();
    }
}

/// A run killed midway leaves its scratch database behind: the next scratch drops it, but
/// never one that a running apply holds.
#[test]
fn a_leftover_scratch_is_dropped_and_one_in_use_is_kept() {
    for server in [Server::Mysql, Server::Mysql8] {
        let Some(base) = server.url() else { continue };
        let suffix = common::unique_name("x").replace(|c: char| !c.is_ascii_hexdigit(), "");
        let leftover = format!(
            "reconcile_scratch_dead{:0>12}",
            &suffix[suffix.len().saturating_sub(12)..]
        );
        let in_use = format!(
            "reconcile_scratch_beef{:0>12}",
            &suffix[suffix.len().saturating_sub(12)..]
        );
        let holder = LiveDb::on_server(server, &base);
        let dir = tempfile::tempdir().unwrap();
        let exists = |name: &str| {
            holder
                .count(&format!(
                    "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{name}'"
                ))
                .unwrap()
        };
        // Another run's scratch: its lock is held by a live connection.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut held = runtime.block_on(async {
            use sqlx::Connection;
            sqlx::MySqlConnection::connect(&format!("{base}/mysql"))
                .await
                .unwrap()
        });
        let got: Option<i64> = runtime
            .block_on(
                sqlx::query_scalar("SELECT GET_LOCK(?, 0)")
                    .bind(&in_use)
                    .fetch_one(&mut held),
            )
            .unwrap();
        assert_eq!(got, Some(1));
        // Created only once its lock is held: another test's scratch, running in parallel,
        // drops a scratch-named database whose lock is free, as it should.
        block_on(exec_on_server(
            server,
            &base,
            &[
                format!("CREATE DATABASE {leftover}"),
                format!("CREATE DATABASE {in_use}"),
            ],
        ))
        .unwrap();
        let db = LiveDb::on_server(server, &base);
        let d = db.dialect();
        let env = db.environment(dir.path());
        let mut session = Session::open(&env, dir.path(), Intent::Write).unwrap();
        let one = "table t {\n    column id bigint primary-key=#true\n    check c \"id > 0\"\n}\n";
        apply(&mut session, &schema(one, d)).unwrap();
        let plan = session
            .plan(&schema(&one.replace("id > 0", "id > 1"), d))
            .unwrap();
        assert_eq!(plan.spelled, ["t"]);
        drop(session);
        db.close();
        let kept = (exists(&leftover), exists(&in_use));
        // Once its lock is free, a scratch of another suite running in parallel may drop it
        // first: the clean-up below allows that.
        drop(held);
        assert_eq!(kept, (0, 1), "{server:?}: (leftover, in use)");
        block_on(exec_on_server(
            server,
            &base,
            &[format!("DROP DATABASE IF EXISTS {in_use}")],
        ))
        .unwrap();
        holder.close();
    }
}

/// A user with rights on their own database only (no `CREATE DATABASE` on MySQL, no
/// `CREATE` on the database for a schema on PostgreSQL) gets no scratch, and the plan says
/// so; with `scratch-url` naming a database they may use, the server spells and proves
/// there, and leaves that database as it found it. A `scratch-url` database that holds
/// tables is refused with their names, and keeps its rows.
#[test]
fn a_user_without_create_rights_spells_and_proves_in_the_scratch_url() {
    for server in [Server::Mysql, Server::Mysql8, Server::Postgres] {
        let Some(base) = server.url() else { continue };
        let (db, spare) = (
            LiveDb::on_server(server, &base),
            LiveDb::on_server(server, &base),
        );
        let (LiveDb::Server(target), LiveDb::Server(scratch)) = (&db, &spare) else {
            unreachable!()
        };
        let user = format!("u{}", &target.name[target.name.len().saturating_sub(14)..]);
        let password = "s3cret-scr@tch";
        let admin = |statements: Vec<String>| {
            block_on(exec_on_server(server, &base, &statements)).unwrap();
        };
        if server == Server::Postgres {
            admin(vec![
                format!("CREATE ROLE {user} LOGIN PASSWORD '{password}'"),
                format!("GRANT CREATE ON DATABASE {} TO {user}", scratch.name),
            ]);
            // The public schema of the target is theirs to create tables in; the database
            // is not theirs to create schemas in.
            db.run(&[format!("GRANT CREATE, USAGE ON SCHEMA public TO {user}")])
                .unwrap();
        } else {
            let mut grants = Vec::new();
            for host in ["%", "localhost"] {
                grants.push(format!(
                    "CREATE USER '{user}'@'{host}' IDENTIFIED BY '{password}'"
                ));
                for name in [&target.name, &scratch.name] {
                    grants.push(format!("GRANT ALL ON `{name}`.* TO '{user}'@'{host}'"));
                }
            }
            admin(grants);
        }
        let as_user = |url: &str| {
            let (scheme, rest) = url.split_once("://").unwrap();
            let at = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
            format!("{scheme}://{user}:{}@{at}", password.replace('@', "%40"))
        };
        let dir = tempfile::tempdir().unwrap();
        let mut env = db.environment(dir.path());
        env.url = reconcile::redact::SecretUrl::new(as_user(&target.url));
        env.create_database = false;
        let d = db.dialect();
        let before = "table t {\n    column id bigint primary-key=#true\n    column v int\n    check c \"v > 0\"\n}\n";
        let after = schema(&before.replace("v > 0", "v > 1"), d);
        let scratch_note = |plan: &reconcile::plan::Plan| {
            plan.notes
                .iter()
                .find(|n| n.contains("gave no scratch"))
                .cloned()
        };

        let mut session = Session::open(&env, dir.path(), Intent::Write).unwrap();
        apply(&mut session, &schema(before, d)).unwrap();
        let plan = session.plan(&after).unwrap();
        assert!(plan.spelled.is_empty(), "{server:?}: {:?}", plan.spelled);
        let note = scratch_note(&plan).unwrap_or_else(|| panic!("{server:?}: {:?}", plan.notes));
        assert!(!note.contains(password), "{note}");
        drop(session);

        env.scratch_url = Some(reconcile::redact::SecretUrl::new(as_user(&scratch.url)));
        let mut session = Session::open(&env, dir.path(), Intent::Write).unwrap();
        let (plan, proof) = session.prove(&after).unwrap();
        assert_eq!(plan.spelled, ["t"], "{server:?}: {:?}", plan.notes);
        assert_eq!(scratch_note(&plan), None, "{server:?}");
        match (server, proof) {
            (Server::Postgres, None) => {}
            (_, Some(reconcile::database::proof::Outcome::Proved(p))) => {
                assert_eq!(p.copied, ["t"], "{server:?}");
                assert!(p.scratch.contains(&scratch.name), "{}", p.scratch);
            }
            (_, other) => panic!("{server:?}: {other:?}"),
        }
        apply(&mut session, &after).unwrap();
        assert!(session.plan(&after).unwrap().is_empty());
        drop(session);
        let left = match server {
            Server::Postgres => spare
                .count("SELECT COUNT(*) FROM pg_namespace WHERE nspname LIKE 'reconcile_scratch_%'")
                .unwrap(),
            _ => spare
                .count(&format!(
                    "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{}'",
                    scratch.name
                ))
                .unwrap(),
        };
        assert_eq!(
            left, 0,
            "{server:?}: the scratch-url database was left changed"
        );

        if server != Server::Postgres {
            spare
                .run(&[
                    "CREATE TABLE keep (id INT PRIMARY KEY)".to_string(),
                    "INSERT INTO keep VALUES (1), (2)".to_string(),
                ])
                .unwrap();
            let mut session = Session::open(&env, dir.path(), Intent::Write).unwrap();
            let plan = session.plan(&schema(before, d)).unwrap();
            let note = scratch_note(&plan).unwrap_or_else(|| panic!("{:?}", plan.notes));
            assert!(
                note.contains("is not empty") && note.contains("`keep`"),
                "{note}"
            );
            drop(session);
            assert_eq!(spare.count("SELECT COUNT(*) FROM keep").unwrap(), 2);
        }
        db.close();
        spare.close();
        if server == Server::Postgres {
            admin(vec![format!("DROP ROLE {user}")]);
        } else {
            admin(vec![
                format!("DROP USER '{user}'@'%'"),
                format!("DROP USER '{user}'@'localhost'"),
            ]);
        }
    }
}

/// MySQL 9 spells a check once as it is created (`(a and ((b) and (c)))`) and again, from
/// its own text, whenever the table is altered later (`(a and (b) and (c))`). The soak found
/// a plan that added the check with an index in one `ALTER` (first spelling) proved against
/// a scratch that had created the index afterwards (second spelling): the proof stopped
/// apply. Both spellings are read in the scratch, and either matches.
#[test]
fn a_check_the_server_spells_again_after_a_rebuild_still_matches() {
    let before = "table \"order\" {\n    column id int primary-key=#true\n    column \"order\" smallint\n    column \"group\" bool\n    check \"ck_order_0\" \"NOT (`order` >= -100)\"\n}\n";
    let after = "table \"order\" {\n    column id int primary-key=#true\n    column \"order\" smallint\n    column \"group\" bool\n    column \"value\" float default=-2.25\n    check \"ck_order_0\" \"NOT (`order` >= -100) AND NOT ((`order` % 2 = 0 OR `order` < 0))\"\n    index \"order\" name=\"ix_order_0\"\n    index \"group\" name=\"ix_order_1\"\n}\n";
    for server in [Server::Mysql, Server::Mysql8] {
        let Some(base) = server.url() else { continue };
        let dir = tempfile::tempdir().unwrap();
        let db = LiveDb::on_server(server, &base);
        let d = db.dialect();
        let env = db.environment(dir.path());
        let mut session = Session::open(&env, dir.path(), Intent::Write).unwrap();
        apply(&mut session, &schema(before, d)).unwrap();
        apply(&mut session, &schema(after, d)).unwrap_or_else(|e| panic!("{server:?}: {e:?}"));
        assert!(
            session.plan(&schema(after, d)).unwrap().is_empty(),
            "{server:?}"
        );
        // Rebuilt by another tool: the server's second spelling.
        db.run(&["ALTER TABLE `order` FORCE".to_string()]).unwrap();
        let plan = session.plan(&schema(after, d)).unwrap();
        assert!(plan.is_empty(), "{server:?}:\n{}", plan.text());
        drop(session);
        db.close();
    }
}

/// An index over an expression (`lower(email)`) is created, read back equal through each
/// server's own spelling (PostgreSQL's `lower((email)::text)`, MySQL's functional key
/// part), changed under its name and dropped. MariaDB has no index over an expression:
/// the scratch refuses it before the target is touched.
#[test]
fn expression_indexes_converge_where_the_server_has_them() {
    let base = "table users {\n    column id bigint primary-key=#true\n    column email string length=200\n}\n";
    let with = |expr: &str| {
        base.replace(
            "}\n",
            &format!("    index (sql){expr:?} name=ix_users_email_key unique=#true\n}}\n"),
        )
    };
    let dir = tempfile::tempdir().unwrap();
    for db in databases(dir.path()) {
        let d = db.dialect();
        let mariadb =
            d == Dialect::Mysql && db.rows("SELECT VERSION()").unwrap()[0].contains("MariaDB");
        let env = db.environment(dir.path());
        let mut session = Session::open(&env, dir.path(), Intent::Write).unwrap();
        apply(&mut session, &schema(base, d)).unwrap();
        db.run(&["INSERT INTO users (id, email) VALUES (1, 'Ann@x')".to_string()])
            .unwrap();
        let lower = schema(&with("lower(email)"), d);
        if mariadb {
            match apply(&mut session, &lower) {
                Err(reconcile::Error::ServerRefuses { table, .. }) => assert_eq!(table, "users"),
                other => panic!("MariaDB: {other:?}"),
            }
            let left = session.plan(&schema(base, d)).unwrap();
            assert!(
                left.is_empty(),
                "MariaDB: the target changed:\n{}",
                left.text()
            );
        } else {
            let plan = apply(&mut session, &lower).unwrap();
            assert!(!plan.is_empty(), "{d:?}");
            let left = session.plan(&lower).unwrap();
            assert!(left.is_empty(), "{d:?}: not converged:\n{}", left.text());
            // The index holds: an address equal but for case is a duplicate.
            let duplicate =
                db.run(&["INSERT INTO users (id, email) VALUES (2, 'ann@X')".to_string()]);
            assert!(duplicate.is_err(), "{d:?}: lower(email) is not unique");
            // Another expression: the index is built again under its name.
            let upper = schema(&with("upper(email)"), d);
            let plan = apply(&mut session, &upper).unwrap();
            assert_eq!(plan.steps.len(), 1, "{d:?}:\n{}", plan.text());
            let left = session.plan(&upper).unwrap();
            assert!(left.is_empty(), "{d:?}: not converged:\n{}", left.text());
            apply(&mut session, &schema(base, d)).unwrap();
            let left = session.plan(&schema(base, d)).unwrap();
            assert!(left.is_empty(), "{d:?}: not dropped:\n{}", left.text());
        }
        assert_eq!(db.rows("SELECT email FROM users").unwrap(), ["Ann@x"]);
        drop(session);
        db.close();
    }
}
