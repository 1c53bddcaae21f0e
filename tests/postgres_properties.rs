//! The data property of `sqlite_properties.rs`, on a real PostgreSQL server: apply random
//! schema A, insert random rows, apply random schema B (destructive changes allowed). Either
//! apply succeeds, the plan is then empty and every value in a column kept with a widening
//! type is unchanged; or apply refuses (preflight) or fails (the database rejects a
//! conversion), and then nothing at all changed. Few cases: each one resets a database.

mod common;

use common::Server;
use common::arbitrary::{self as gen_schema, ColType, Tab, apply, column_type};
use common::live::LiveDb;
use proptest::prelude::*;
use reconcile::database::{Intent, Session};
use reconcile::dialect::Dialect;
use reconcile::environment::Environment;
use reconcile::project::schema_from_source;
use reconcile::redact::SecretUrl;

fn env(url: &str) -> Environment {
    Environment {
        connect_timeout: 10,
        name: "test".into(),
        url: SecretUrl::new(url.to_string()),
        dialect: Dialect::Postgres,
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

/// A column's value as text that a widening keeps: numbers without trailing zeros, dates
/// as timestamps.
fn value_sql(col: &str, ty: &ColType) -> String {
    match ty {
        ColType::Decimal(..) | ColType::Double => format!("trim_scale({}::numeric)::text", q(col)),
        ColType::Date | ColType::DateTime => format!("{}::timestamp::text", q(col)),
        _ => format!("{}::text", q(col)),
    }
}

/// Every value of every table as `table#id.column=value`.
fn snapshot(db: &LiveDb, tables: &[Tab]) -> Vec<String> {
    let mut out = Vec::new();
    for t in tables {
        for c in &t.columns {
            let sql = format!(
                "SELECT id, coalesce({}, 'NULL') FROM {} ORDER BY id",
                value_sql(&c.name, &c.ty),
                q(&t.name)
            );
            for row in db.rows(&sql).unwrap() {
                let (id, value) = row.split_once('|').unwrap();
                out.push(format!("{}#{id}.{}={value}", t.name, c.name));
            }
        }
    }
    out
}

fn insert_rows(db: &LiveDb, tables: &[Tab], seeds: &[u32]) {
    // PostgreSQL takes `'1'`, not `1`, as a boolean.
    let value = |ty: &ColType, seed: u32| match ty {
        ColType::Bool => format!("'{}'", ty.value_sql(seed)),
        _ => ty.value_sql(seed),
    };
    db.run(&gen_schema::inserts(tables, seeds, q, &value))
        .unwrap();
}

#[test]
fn apply_b_over_a_keeps_rows_on_postgres() {
    let Some(base) = Server::Postgres.url() else {
        return;
    };
    let db = LiveDb::on_server(Server::Postgres, &base);
    let LiveDb::Server(server) = &db else {
        unreachable!()
    };
    let url = server.url.clone();
    let reset = [
        "DROP SCHEMA public CASCADE".to_string(),
        "CREATE SCHEMA public".to_string(),
    ];
    let project = tempfile::tempdir().unwrap();
    let config = ProptestConfig {
        cases: 16,
        ..ProptestConfig::default()
    };
    let result = proptest::test_runner::TestRunner::new(config).run(
        &(
            gen_schema::schema(),
            gen_schema::schema(),
            prop::collection::vec(0u32..10_000, 0..4),
        ),
        |(a, b, seeds)| {
            db.run(&reset).unwrap();
            let d = [Dialect::Postgres];
            let schema_a = schema_from_source(&gen_schema::to_kdl(&a), &d).unwrap();
            let schema_b = schema_from_source(&gen_schema::to_kdl(&b), &d).unwrap();
            let mut session = Session::open(&env(&url), project.path(), Intent::Write).unwrap();
            apply(&mut session, &schema_a).unwrap();
            prop_assert!(
                session.plan(&schema_a).unwrap().is_empty(),
                "A did not converge"
            );
            let printed =
                reconcile::inspect::to_kdl(&session.introspect().unwrap(), Dialect::Postgres);
            let inspected = schema_from_source(&printed, &d);
            prop_assert!(
                inspected.is_ok(),
                "inspect printed an invalid schema:\n{printed}\n{:?}",
                inspected.err()
            );
            let left = session.plan(&inspected.unwrap()).unwrap();
            prop_assert!(
                left.is_empty(),
                "inspect does not plan empty:\n{printed}\n{}",
                left.text()
            );
            insert_rows(&db, &a, &seeds);
            let before = snapshot(&db, &a);
            let plan_b = session.plan(&schema_b).unwrap();
            match apply(&mut session, &schema_b) {
                Ok(_) => {
                    let left = session.plan(&schema_b).unwrap();
                    prop_assert!(
                        left.is_empty(),
                        "not converged:\n{}\nafter:\n{}",
                        left.sql(),
                        plan_b.sql()
                    );
                    let after = snapshot(&db, &b);
                    for ta in &a {
                        let Some(tb) = b.iter().find(|t| t.name == ta.name) else {
                            continue;
                        };
                        for ca in &ta.columns {
                            let Some(cb) = tb.columns.iter().find(|c| c.name == ca.name) else {
                                continue;
                            };
                            let ty_a = column_type(&schema_a, &ta.name, &ca.name);
                            let ty_b = column_type(&schema_b, &tb.name, &cb.name);
                            if !ty_a.widens_to(&ty_b) || (ca.nullable && !cb.nullable) {
                                continue;
                            }
                            let prefix = format!(".{}=", ca.name);
                            for v in before.iter().filter(|v| {
                                v.starts_with(&format!("{}#", ta.name)) && v.contains(&prefix)
                            }) {
                                prop_assert!(
                                    after.contains(v),
                                    "lost {v}\nplan:\n{}",
                                    plan_b.sql()
                                );
                            }
                        }
                    }
                }
                // Refused before any statement, or rolled back: nothing changed.
                Err(
                    reconcile::Error::DataWouldBeLost { .. } | reconcile::Error::Statement { .. },
                ) => {
                    prop_assert_eq!(snapshot(&db, &a), before, "a refused apply changed data");
                    prop_assert!(
                        session.plan(&schema_a).unwrap().is_empty(),
                        "a refused apply changed the schema"
                    );
                }
                Err(e) => prop_assert!(false, "apply failed: {e}\n{}", plan_b.sql()),
            }
            Ok(())
        },
    );
    db.close();
    if let Err(e) = result {
        panic!("{e}");
    }
}
