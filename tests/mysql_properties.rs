//! The data property on the real MySQL-family server: apply random schema A, insert random
//! rows, apply random schema B (destructive changes allowed). Either apply succeeds, the
//! plan is then empty and every value in a column kept with a widening type is unchanged;
//! or preflight refuses and nothing at all changed. Also: what `inspect` prints of A plans
//! empty. Runs where `RECONCILE_TEST_MYSQL_URL` names a server; skipped loudly without it.

mod common;

use common::Server;
use common::arbitrary::{self as gen_schema, Tab, apply, column_type};
use common::live::LiveDb;
use proptest::prelude::*;
use reconcile::database::{Intent, Session};
use reconcile::dialect::Dialect;
use reconcile::environment::Environment;
use reconcile::project::schema_from_source;
use reconcile::redact::SecretUrl;
use reconcile::schema::Schema;

fn q(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// Every value of every table as `table#id.column=QUOTE(value)`.
fn snapshot(db: &LiveDb, tables: &[Tab]) -> Vec<String> {
    let mut out = Vec::new();
    for t in tables {
        for col in std::iter::once("id").chain(t.columns.iter().map(|c| c.name.as_str())) {
            let sql = format!(
                "SELECT CONCAT(id, '.', {}, '=', QUOTE({})) FROM {} ORDER BY id",
                "'x'",
                q(col),
                q(&t.name)
            );
            for row in db.rows(&sql).unwrap() {
                out.push(format!(
                    "{}#{}",
                    t.name,
                    row.replacen(".x=", &format!(".{col}="), 1)
                ));
            }
        }
    }
    out
}

fn insert_rows(db: &LiveDb, tables: &[Tab], seeds: &[u32]) {
    let value = |ty: &common::arbitrary::ColType, seed: u32| ty.value_sql(seed);
    db.run(&gen_schema::inserts(tables, seeds, q, &value))
        .unwrap();
}

/// The schema of `tables` for MySQL, or `None` where MySQL refuses it (a TEXT column in an
/// index, an index key over its byte limit): the generator is portable, the language is not.
fn mysql_schema(tables: &[Tab]) -> Option<Schema> {
    schema_from_source(&gen_schema::to_kdl(tables), &[Dialect::Mysql]).ok()
}

/// Random schemas that MySQL accepts.
fn valid() -> impl Strategy<Value = Vec<Tab>> {
    gen_schema::schema().prop_filter("valid on MySQL", |t| mysql_schema(t).is_some())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn apply_b_over_a_keeps_rows(a in valid(), b in valid(), seeds in prop::collection::vec(0u32..10_000, 0..4)) {
        let Some(base) = Server::Mysql.url() else { return Ok(()) };
        let (schema_a, schema_b) = (mysql_schema(&a).unwrap(), mysql_schema(&b).unwrap());
        let db = LiveDb::on_server(Server::Mysql, &base);
        let dir = tempfile::tempdir().unwrap();
        let env = Environment {
            connect_timeout: 10,
            name: "test".into(),
            url: SecretUrl::new(db.environment_url(dir.path())),
            dialect: Dialect::Mysql,
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
        };
        let mut session = Session::open(&env, dir.path(), Intent::Write).unwrap();
        apply(&mut session, &schema_a).unwrap();
        prop_assert!(session.plan(&schema_a).unwrap().is_empty(), "A did not converge");
        let printed = reconcile::inspect::to_kdl(&session.introspect().unwrap(), Dialect::Mysql);
        let inspected = schema_from_source(&printed, &[Dialect::Mysql]);
        prop_assert!(inspected.is_ok(), "inspect printed an invalid schema:\n{printed}\n{:?}", inspected.err());
        let left = session.plan(&inspected.unwrap()).unwrap();
        prop_assert!(left.is_empty(), "inspect does not plan empty:\n{printed}\n{}", left.text());
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
                        if ty_a != ty_b && (!ty_a.widens_to(&ty_b) || (ca.nullable && !cb.nullable)) {
                            continue;
                        }
                        if ty_a != ty_b && !matches!((&ty_a, &ty_b), (reconcile::schema::Type::String { .. }, reconcile::schema::Type::String { .. } | reconcile::schema::Type::Text)) {
                            // A widened number or date is the same value spelled anew
                            // (`5` as `5.00`); the rows' survival is what counts here.
                            continue;
                        }
                        let prefix = format!(".{}=", ca.name);
                        // A NULL in a column that becomes NOT NULL takes the default (the
                        // fill is planned and shown); every other value stays.
                        let filled = |v: &str| ca.nullable && !cb.nullable && v.ends_with("=NULL");
                        let kept: Vec<&String> = before.iter().filter(|v| v.starts_with(&format!("{}#", ta.name)) && v.contains(&prefix) && !filled(v)).collect();
                        for v in kept {
                            prop_assert!(after.contains(v), "lost {v}\nplan:\n{}", plan_b.sql());
                        }
                    }
                }
                for ta in &a {
                    if let Some(tb) = b.iter().find(|t| t.name == ta.name) {
                        let rows = |tables: &[Tab], snap: &[String]| {
                            snap.iter().filter(|v| v.starts_with(&format!("{}#", tables.iter().find(|t| t.name == ta.name).unwrap().name)) && v.contains(".id=")).count()
                        };
                        prop_assert_eq!(rows(&a, &before), rows(std::slice::from_ref(tb), &after), "rows of `{}` lost\nplan:\n{}", ta.name, plan_b.sql());
                    }
                }
            }
            Err(reconcile::Error::DataWouldBeLost { .. }) => {
                prop_assert_eq!(snapshot(&db, &a), before, "a refused apply changed data");
                prop_assert!(session.plan(&schema_a).unwrap().is_empty(), "a refused apply changed the schema");
            }
            Err(e) => prop_assert!(false, "apply failed: {e}\n{}", plan_b.sql()),
        }
        drop(session);
        db.close();
    }
}
