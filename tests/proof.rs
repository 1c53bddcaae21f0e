//! Proof before the target (issue 17, point 3): where DDL commits as it goes (MySQL,
//! MariaDB), a plan runs first on a copy of its tables in a scratch, so that a statement
//! the server refuses never reaches the target. Runs on MariaDB and MySQL 9.

mod common;

use common::Server;
use common::live::LiveDb;
use reconcile::database::apply::{Options, Progress};
use reconcile::database::proof::Outcome;
use reconcile::database::{Intent, Session};
use reconcile::project::schema_from_source;
use reconcile::schema::Schema;

/// Parsed without MySQL's own rules: each schema here stands for a limit or a refusal that
/// `check` cannot know (a newer server's, a function the database lacks).
fn unchecked(source: &str) -> Schema {
    schema_from_source(source, &[]).unwrap_or_else(|e| panic!("{e:?}\n{source}"))
}

/// Remembers how the proof ended.
#[derive(Default)]
struct Seen(Option<Outcome>);

impl Progress for Seen {
    fn proved(&mut self, outcome: &Outcome) {
        self.0 = Some(outcome.clone());
    }
}

fn apply(
    session: &mut Session,
    schema: &Schema,
    seen: &mut Seen,
) -> Result<reconcile::plan::Plan, reconcile::Error> {
    let options = Options {
        environment: "test",
        allow_destructive: true,
        max_blocking_rows: None,
        lints: &Default::default(),
        lock_timeout: std::time::Duration::from_secs(5),
        lock_retries: 3,
        online_schema_change: None,
        approved: None,
        saved: None,
    };
    session.apply(schema, &options, seen)
}

/// What the server refuses, one of each kind, in the second of two new tables (the first
/// would have been created and committed before the refusal).
const REFUSED: [(&str, &str); 3] = [
    (
        "a check that names no column",
        "column v int\n    check c \"nope > 0\"",
    ),
    (
        "a row over 65,535 bytes",
        "column a string length=10000\n    column b string length=10000",
    ),
    (
        "a default the server refuses",
        "column v int default=(sql)\"no_such_function()\"",
    ),
];

/// A project folder, a fresh database on `server` and a session on it.
fn fresh(server: Server, base: &str) -> (tempfile::TempDir, LiveDb, Session) {
    let dir = tempfile::tempdir().unwrap();
    let db = LiveDb::on_server(server, base);
    let session = Session::open(&db.environment(dir.path()), dir.path(), Intent::Write).unwrap();
    (dir, db, session)
}

fn tables_of(db: &LiveDb) -> Vec<String> {
    db.rows("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1")
        .unwrap()
}

#[test]
fn a_statement_the_server_refuses_never_reaches_the_target() {
    for server in [Server::Mysql, Server::Mysql8] {
        let Some(base) = server.url() else { continue };
        for (kind, body) in REFUSED {
            let (_dir, db, mut session) = fresh(server, &base);
            let source = format!(
                "table a_first {{\n    column id int primary-key=#true\n}}\ntable b_refused {{\n    column id int primary-key=#true\n    {body}\n}}\n"
            );
            let mut seen = Seen::default();
            match apply(&mut session, &unchecked(&source), &mut seen) {
                Err(reconcile::Error::Refused {
                    index,
                    total,
                    change,
                    ..
                }) => {
                    assert_eq!((index, total), (2, 2), "{server:?} {kind}");
                    assert_eq!(change, "create table `b_refused`", "{server:?} {kind}");
                }
                other => panic!("{server:?} {kind}: {other:?}"),
            }
            assert!(
                tables_of(&db).is_empty(),
                "{server:?} {kind}: {:?}",
                tables_of(&db)
            );
            drop(session);
            db.close();
        }
    }
}

/// Changes to two tables that hold rows: the first table's statement would run and commit
/// before the second's is refused; nothing changes and the rows stay.
#[test]
fn a_refused_alter_leaves_the_tables_and_their_rows() {
    for server in [Server::Mysql, Server::Mysql8] {
        let Some(base) = server.url() else { continue };
        let (_dir, db, mut session) = fresh(server, &base);
        let before = "table kept {\n    column id int primary-key=#true\n}\ntable later {\n    column id int primary-key=#true\n    column kept_id int nullable=#true references=\"kept.id\"\n}\n";
        apply(&mut session, &unchecked(before), &mut Seen::default()).unwrap();
        db.run(&[
            "INSERT INTO kept VALUES (1)".into(),
            "INSERT INTO later VALUES (1, 1), (2, NULL)".into(),
        ])
        .unwrap();
        let after = before
            .replace("table kept {\n    column id int primary-key=#true\n", "table kept {\n    column id int primary-key=#true\n    column good int nullable=#true\n")
            .replace("references=\"kept.id\"\n", "references=\"kept.id\"\n    column bad int nullable=#true default=(sql)\"no_such_function()\"\n");
        match apply(&mut session, &unchecked(&after), &mut Seen::default()) {
            Err(reconcile::Error::Refused {
                index,
                total,
                change,
                sql,
                ..
            }) => {
                assert_eq!(
                    (index, total, change.as_str()),
                    (2, 2, "alter table `later`"),
                    "{server:?}"
                );
                assert!(sql.contains("no_such_function"), "{server:?}: {sql}");
            }
            other => panic!("{server:?}: {other:?}"),
        }
        assert!(
            session.plan(&unchecked(before)).unwrap().is_empty(),
            "{server:?}: the target changed"
        );
        assert_eq!(
            db.rows("SELECT id, kept_id FROM later ORDER BY id")
                .unwrap(),
            ["1|1", "2|NULL"]
        );
        drop(session);
        db.close();
    }
}

/// The proof sees no rows, so what a new column's rows will hold is counted by preflight
/// before anything runs: a unique index over a new column with a default, and a check over
/// it, meet every existing row with that one value. The randomized pairs found the index
/// case on MariaDB: the new table `order` was created and committed, then the `ALTER` failed
/// on "Duplicate entry '1'".
#[test]
fn what_a_new_column_gives_the_existing_rows_is_counted_before_anything_runs() {
    for server in [Server::Mysql, Server::Mysql8] {
        let Some(base) = server.url() else { continue };
        for (kind, column) in [
            (
                "a unique index",
                "column \"order\" bool default=#true\n    index \"order\" name=\"ix_references_0\" unique=#true",
            ),
            (
                "a check",
                "column qty int default=-5\n    check qty_positive \"qty > 0\"",
            ),
        ] {
            let (_dir, db, mut session) = fresh(server, &base);
            let before = "table \"references\" {\n    column id int primary-key=#true\n}\n";
            apply(&mut session, &unchecked(before), &mut Seen::default()).unwrap();
            db.run(&["INSERT INTO `references` VALUES (1), (2)".into()])
                .unwrap();
            let after = format!(
                "table \"order\" {{\n    column id int primary-key=#true\n}}\ntable \"references\" {{\n    column id int primary-key=#true\n    {column}\n}}\n"
            );
            match apply(&mut session, &unchecked(&after), &mut Seen::default()) {
                Err(reconcile::Error::DataWouldBeLost { .. }) => {}
                other => panic!("{server:?} {kind}: {other:?}"),
            }
            assert_eq!(tables_of(&db), ["references"], "{server:?} {kind}");
            assert!(
                session.plan(&unchecked(before)).unwrap().is_empty(),
                "{server:?} {kind}: the target changed"
            );
            drop(session);
            db.close();
        }
    }
}

/// A new check over a column whose type changes (and keeps its values) is counted on the
/// live values before anything runs. Found by the randomized pairs on MariaDB: the other
/// table's `MODIFY COLUMN` committed, then the `ALTER` adding the check failed on the rows.
#[test]
fn a_check_over_a_column_that_changes_type_is_counted_before_anything_runs() {
    for server in [Server::Mysql, Server::Mysql8] {
        let Some(base) = server.url() else { continue };
        let (_dir, db, mut session) = fresh(server, &base);
        let before = "table \"desc\" {\n    column id int primary-key=#true\n    column \"order\" bool\n}\ntable \"index\" {\n    column id int primary-key=#true\n    column \"order\" uuid\n}\n";
        apply(&mut session, &unchecked(before), &mut Seen::default()).unwrap();
        db.run(&["INSERT INTO `index` VALUES (1, '0b5f7a7e-3d2c-4f7e-9a55-8c4b1e2d3f40')".into()])
            .unwrap();
        let after = "table \"desc\" {\n    column id int primary-key=#true\n    column \"order\" uuid\n}\ntable \"index\" {\n    column id int primary-key=#true\n    column \"order\" string length=37\n    check \"ck_index_0\" \"`order` IN ('a', 'b', 'it''s')\"\n}\n";
        match apply(&mut session, &unchecked(after), &mut Seen::default()) {
            Err(reconcile::Error::DataWouldBeLost { .. }) => {}
            other => panic!("{server:?}: {other:?}"),
        }
        assert!(
            session.plan(&unchecked(before)).unwrap().is_empty(),
            "{server:?}: the target changed"
        );
        // The count reads the values as the new type: MySQL 9 refuses to compare a date
        // with '' ("Incorrect DATE value"), which stopped the plan before the cast.
        let dated =
            "table d {\n    column id int primary-key=#true\n    column \"index\" date\n}\n";
        apply(&mut session, &unchecked(dated), &mut Seen::default()).unwrap();
        db.run(&["INSERT INTO d VALUES (1, '2024-02-29')".into()])
            .unwrap();
        let texted = "table d {\n    column id int primary-key=#true\n    column \"index\" string length=20\n    check d_set \"`index` <> ''\"\n}\n";
        apply(&mut session, &unchecked(texted), &mut Seen::default())
            .unwrap_or_else(|e| panic!("{server:?}: {e:?}"));
        assert_eq!(
            db.rows("SELECT `index` FROM d").unwrap(),
            ["2024-02-29"],
            "{server:?}"
        );
        drop(session);
        db.close();
    }
}

/// An ordinary plan is proved on a copy of the tables it touches and those they reference,
/// then runs; the scratch is gone afterwards.
#[test]
fn an_ordinary_plan_is_proved_then_runs() {
    for server in [Server::Mysql, Server::Mysql8] {
        let Some(base) = server.url() else { continue };
        let (_dir, db, mut session) = fresh(server, &base);
        let before = "table parent {\n    column id int primary-key=#true\n}\ntable child {\n    column id int primary-key=#true\n    column parent_id int references=\"parent.id\"\n}\ntable untouched {\n    column id int primary-key=#true\n}\n";
        let mut seen = Seen::default();
        apply(&mut session, &unchecked(before), &mut seen).unwrap();
        assert!(
            matches!(seen.0, Some(Outcome::Proved(_))),
            "{server:?}: {:?}",
            seen.0
        );
        let after = before.replace(
            "column parent_id int references",
            "column note string length=20 nullable=#true\n    column parent_id bigint references",
        );
        let after = after.replace(
            "table parent {\n    column id int",
            "table parent {\n    column id bigint",
        );
        let mut seen = Seen::default();
        let ran = apply(&mut session, &unchecked(&after), &mut seen).unwrap();
        let proof = match seen.0 {
            Some(Outcome::Proved(proof)) => proof,
            other => panic!("{server:?}: {other:?}"),
        };
        assert_eq!(proof.copied, ["child", "parent"], "{server:?}");
        assert_eq!(proof.statements, ran.statements().count(), "{server:?}");
        assert!(
            session.plan(&unchecked(&after)).unwrap().is_empty(),
            "{server:?}"
        );
        // The scratch (`host:port/db (scratch `name`)`) is dropped.
        let name = proof.scratch.rsplit('`').nth(1).unwrap().to_string();
        assert!(name.starts_with("reconcile_scratch_"), "{}", proof.scratch);
        let left = db
            .count(&format!(
                "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{name}'"
            ))
            .unwrap();
        assert_eq!(left, 0, "{server:?}: {name} left behind");
        drop(session);
        db.close();
    }
}
