//! Offline plans (from an empty database) for the example and every fixture, on every
//! dialect: snapshotted, and executed on real fresh databases.

mod common;

use common::{Server, TempDb, fixture_dialects, fixtures, project_root, settings};
use reconcile::dialect::Dialect;
use reconcile::plan::{Format, Plan};
use reconcile::project::{load_schema, schema_from_source};

fn offline(source: &str, dialect: Dialect) -> Plan {
    let schema =
        schema_from_source(source, &[dialect]).unwrap_or_else(|e| panic!("{dialect}: {e:?}"));
    Plan::offline(&schema, dialect).unwrap()
}

#[test]
fn example_plans_in_every_format() {
    for dialect in Dialect::ALL {
        let schema = load_schema(&project_root(), &[dialect]).unwrap();
        let plan = Plan::offline(&schema, dialect).unwrap();
        for (format, name) in [
            (Format::Text, "text"),
            (Format::Sql, "sql"),
            (Format::Json, "json"),
        ] {
            settings().bind(|| {
                insta::assert_snapshot!(format!("example_{name}@{dialect}"), plan.render(format))
            });
        }
    }
}

#[test]
fn fixture_plans() {
    for (name, source) in fixtures("offline") {
        for dialect in fixture_dialects(&source) {
            let plan = offline(&source, dialect);
            settings()
                .bind(|| insta::assert_snapshot!(format!("offline_{name}@{dialect}"), plan.sql()));
        }
    }
}

#[test]
fn plans_are_identical_across_runs() {
    for (name, source) in fixtures("offline") {
        for dialect in fixture_dialects(&source) {
            let first = offline(&source, dialect).sql();
            for _ in 0..5 {
                assert_eq!(
                    first,
                    offline(&source, dialect).sql(),
                    "{name} on {dialect}"
                );
            }
        }
    }
}

/// Every statement of every offline plan runs on a fresh database of each kind.
fn all_plans(dialect: Dialect) -> Vec<(String, Vec<String>)> {
    let mut sources = vec![(
        "example".to_string(),
        std::fs::read_to_string(project_root().join("schema.kdl")).unwrap(),
    )];
    sources.extend(fixtures("offline"));
    sources
        .into_iter()
        .filter(|(name, source)| name == "example" || fixture_dialects(source).contains(&dialect))
        .map(|(name, source)| {
            let plan = offline(&source, dialect);
            (
                name,
                plan.statements().map(|(_, s)| s.sql.clone()).collect(),
            )
        })
        .collect()
}

#[tokio::test]
async fn offline_sql_runs_on_sqlite() {
    use sqlx::{AssertSqlSafe, Connection, Executor};
    for (name, statements) in all_plans(Dialect::Sqlite) {
        let mut conn = sqlx::SqliteConnection::connect("sqlite::memory:")
            .await
            .unwrap();
        for s in &statements {
            conn.execute(AssertSqlSafe(s.clone()))
                .await
                .unwrap_or_else(|e| panic!("{name}: {e}\n{s}"));
        }
        let (tables,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table'")
                .fetch_one(&mut conn)
                .await
                .unwrap();
        assert!(tables > 0, "{name} created no table");
    }
}

async fn runs_on(server: Server, dialect: Dialect) {
    let Some(base) = server.url() else { return };
    for (name, statements) in all_plans(dialect) {
        let db = TempDb::create(server, &base).await;
        let result = db.execute_all(&statements).await;
        db.drop_now().await;
        if let Err(e) = result {
            panic!("{name} on {dialect}: {e}");
        }
    }
}

#[tokio::test]
async fn offline_sql_runs_on_mariadb() {
    runs_on(Server::Mysql, Dialect::Mysql).await;
}

#[tokio::test]
async fn offline_sql_runs_on_postgres() {
    runs_on(Server::Postgres, Dialect::Postgres).await;
}
