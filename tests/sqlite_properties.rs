//! The data property on real SQLite files: apply random schema A, insert random rows, apply
//! random schema B (destructive changes allowed). Either apply succeeds, the plan is then empty
//! and every value in a column kept with a widening type is unchanged; or preflight refuses
//! and nothing at all changed.

mod common;

use common::arbitrary::{self as gen_schema, Tab, apply, column_type};
use proptest::prelude::*;
use reconcile::database::{Intent, Session};
use reconcile::dialect::Dialect;
use reconcile::environment::Environment;
use reconcile::project::schema_from_source;
use reconcile::redact::SecretUrl;
use sqlx::{AssertSqlSafe, Connection, Row};

fn env() -> Environment {
    Environment {
        connect_timeout: 10,
        name: "test".into(),
        url: SecretUrl::new("sqlite://dev.db".into()),
        dialect: Dialect::Sqlite,
        allow_destructive: true,
        lock_timeout: 5,
        statement_lock_timeout: 5,
        statement_lock_retries: 3,
        concurrent_indexes: true,
        max_blocking_rows: None,
        lints: Default::default(),
        online_schema_change: None,
        create_database: true,
        scratch_url: None,
        notes: Vec::new(),
    }
}

fn q(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

use common::live::block_on as block;

/// Every value of every table as `table.column=quote(value)`, sorted by table and id.
fn snapshot(path: &std::path::Path, tables: &[Tab]) -> Vec<String> {
    block(async {
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        let mut out = Vec::new();
        for t in tables {
            for col in std::iter::once("id").chain(t.columns.iter().map(|c| c.name.as_str())) {
                let sql = format!(
                    "SELECT id, quote({}) FROM {} ORDER BY id",
                    q(col),
                    q(&t.name)
                );
                for row in sqlx::query(AssertSqlSafe(sql))
                    .fetch_all(&mut c)
                    .await
                    .unwrap()
                {
                    out.push(format!(
                        "{}#{}.{}={}",
                        t.name,
                        row.get::<i64, _>(0),
                        col,
                        row.get::<String, _>(1)
                    ));
                }
            }
        }
        out
    })
}

fn insert_rows(path: &std::path::Path, tables: &[Tab], seeds: &[u32]) {
    let value = |ty: &gen_schema::ColType, seed: u32| ty.value_sql(seed);
    let statements = gen_schema::inserts(tables, seeds, q, &value);
    block(async {
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        for sql in statements {
            sqlx::query(AssertSqlSafe(sql))
                .execute(&mut c)
                .await
                .unwrap();
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn apply_b_over_a_keeps_rows(a in gen_schema::schema(), b in gen_schema::schema(), seeds in prop::collection::vec(0u32..10_000, 0..4)) {
        let dir = common::sqlite_project("");
        let db = dir.path().join("dev.db");
        let schema_a = schema_from_source(&gen_schema::to_kdl(&a), &[Dialect::Sqlite]).unwrap();
        let schema_b = schema_from_source(&gen_schema::to_kdl(&b), &[Dialect::Sqlite]).unwrap();
        let mut session = Session::open(&env(), dir.path(), Intent::Write).unwrap();
        apply(&mut session, &schema_a).unwrap();
        prop_assert!(session.plan(&schema_a).unwrap().is_empty(), "A did not converge");
        // What inspect prints of the database reads back as the same database.
        let printed = reconcile::inspect::to_kdl(&session.introspect().unwrap(), Dialect::Sqlite);
        let inspected = schema_from_source(&printed, &[Dialect::Sqlite]);
        prop_assert!(inspected.is_ok(), "inspect printed an invalid schema:\n{printed}\n{:?}", inspected.err());
        let left = session.plan(&inspected.unwrap()).unwrap();
        prop_assert!(left.is_empty(), "inspect does not plan empty:\n{printed}\n{}", left.text());
        // Reference columns stay NULL: rows of every table are independent.
        insert_rows(&db, &a, &seeds);
        let before = snapshot(&db, &a);
        let plan_b = session.plan(&schema_b).unwrap();
        match apply(&mut session, &schema_b) {
            Ok(_) => {
                let left = session.plan(&schema_b).unwrap();
                prop_assert!(left.is_empty(), "not converged:\n{}\nafter:\n{}", left.sql(), plan_b.sql());
                let after = snapshot(&db, &b);
                for ta in &a {
                    let Some(tb) = b.iter().find(|t| t.name == ta.name) else { continue };
                    for ca in &ta.columns {
                        let Some(cb) = tb.columns.iter().find(|c| c.name == ca.name) else { continue };
                        let (ty_a, ty_b) = (column_type(&schema_a, &ta.name, &ca.name), column_type(&schema_b, &tb.name, &cb.name));
                        if !ty_a.widens_to(&ty_b) || (ca.nullable && !cb.nullable) {
                            continue;
                        }
                        let prefix = format!(".{}=", ca.name);
                        let kept: Vec<&String> = before.iter().filter(|v| v.starts_with(&format!("{}#", ta.name)) && v.contains(&prefix)).collect();
                        for v in kept {
                            prop_assert!(after.contains(v), "lost {v}\nplan:\n{}", plan_b.sql());
                        }
                    }
                }
            }
            Err(reconcile::Error::DataWouldBeLost { .. }) => {
                prop_assert_eq!(snapshot(&db, &a), before, "a refused apply changed data");
                prop_assert!(session.plan(&schema_a).unwrap().is_empty(), "a refused apply changed the schema");
            }
            Err(e) => prop_assert!(false, "apply failed: {e}\n{}", plan_b.sql()),
        }
    }
}
