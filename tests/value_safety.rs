//! Value safety as one table: type pair × database × the values that must be refused (the
//! plan counts exactly them, names one as a sample, and apply refuses with nothing changed,
//! `--allow-destructive` or not) and the values that must pass (apply succeeds, and each
//! reads back as the server prints the value in the new type). Every database gets its own
//! throwaway database; the MariaDB and PostgreSQL suites need their URLs, MySQL 9 is
//! optional (tests/common/mod.rs).

mod common;

use common::Server;
use common::values::{Column, blocked_rows};

/// The databases of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Db {
    Sqlite,
    Mariadb,
    Postgres,
    Mysql9,
}

use Db::*;

const ALL: &[Db] = &[Sqlite, Mariadb, Postgres, Mysql9];
const SERVERS: &[Db] = &[Mariadb, Postgres, Mysql9];
const MYSQL: &[Db] = &[Mariadb, Mysql9];
const NOT_PG: &[Db] = &[Sqlite, Mariadb, Mysql9];
const SQLITE: &[Db] = &[Sqlite];
const PG: &[Db] = &[Postgres];

/// One type change on some databases: stored values (SQL literals) that must be refused,
/// and values that must pass with what they read back as afterwards.
struct Case {
    from: &'static str,
    to: &'static str,
    on: &'static [Db],
    refused: &'static [&'static str],
    kept: &'static [(&'static str, &'static str)],
}

const fn case(
    from: &'static str,
    to: &'static str,
    on: &'static [Db],
    refused: &'static [&'static str],
    kept: &'static [(&'static str, &'static str)],
) -> Case {
    Case {
        from,
        to,
        on,
        refused,
        kept,
    }
}

const S50: &str = "string length=50";
const S5: &str = "string length=5";
const UUID_40: &str = "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11xxxx'";
const UUID: (&str, &str) = (
    "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'",
    "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
);

/// The table. A NULL row is added to every case: NULL always survives.
const CASES: &[Case] = &[
    // Strings cut, trailing spaces too.
    case(
        S50,
        S5,
        ALL,
        &["'abcdefgh'", "'abcde   '"],
        &[("'abcde'", "abcde"), ("'ab'", "ab")],
    ),
    case(
        "text",
        S5,
        ALL,
        &["'abcdefgh'", "'abcde   '"],
        &[("'abcde'", "abcde")],
    ),
    // Numbers rounded or out of range.
    case(
        "decimal precision=5 scale=2",
        "decimal precision=5 scale=1",
        ALL,
        &["1.25", "-0.05"],
        &[("1.20", "1.2"), ("-3.10", "-3.1")],
    ),
    case(
        "decimal precision=6 scale=2",
        "int",
        ALL,
        &["1.50", "-0.01"],
        &[("2.00", "2"), ("-7.00", "-7")],
    ),
    case(
        "double",
        "int",
        ALL,
        &["1.5", "-0.25"],
        &[("3", "3"), ("-4", "-4")],
    ),
    case(
        "double",
        "decimal precision=6 scale=2",
        SERVERS,
        &["1.234", "123456.7"],
        &[("0.5", "0.50"), ("-1.25", "-1.25")],
    ),
    case(
        "double",
        "decimal precision=6 scale=2",
        SQLITE,
        &["1.234", "123456.7"],
        &[("0.5", "0.5"), ("-1.25", "-1.25")],
    ),
    // A float keeps 24 bits; 1e300 is out of its range (PostgreSQL raises, MySQL 9 too).
    case(
        "double",
        "float",
        SERVERS,
        &["0.1", "1e300"],
        &[("0.5", "0.5"), ("-2.25", "-2.25")],
    ),
    // SQLite stores both as 8-byte REAL: nothing changes.
    case(
        "double",
        "float",
        SQLITE,
        &[],
        &[("0.1", "0.1"), ("0.5", "0.5")],
    ),
    case(
        "bigint",
        "int",
        ALL,
        &["3000000000", "-3000000000"],
        &[("5", "5"), ("-5", "-5")],
    ),
    case("bigint", "smallint", ALL, &["40000"], &[("32767", "32767")]),
    case(
        "int",
        "decimal precision=3 scale=0",
        ALL,
        &["1000", "-1000"],
        &[("999", "999")],
    ),
    // Only 0 and 1 are booleans.
    case(
        "int",
        "bool",
        PG,
        &["5", "-1"],
        &[("0", "false"), ("1", "true")],
    ),
    case(
        "int",
        "bool",
        NOT_PG,
        &["5", "-1"],
        &[("0", "0"), ("1", "1")],
    ),
    // The time of day, or the date, dropped.
    case(
        "datetime",
        "date",
        SERVERS,
        &["'2024-01-02 03:04:05'"],
        &[("'2024-01-02 00:00:00'", "2024-01-02")],
    ),
    case(
        "timestamp",
        "date",
        SERVERS,
        &["'2024-01-02 03:04:05'"],
        &[("'2024-01-02 00:00:00'", "2024-01-02")],
    ),
    // SQLite keeps the text: a datetime's text is not a date.
    case(
        "datetime",
        "date",
        SQLITE,
        &["'2024-01-02 03:04:05'", "'2024-01-02 00:00:00'"],
        &[("'2024-01-02'", "2024-01-02")],
    ),
    case(
        "datetime",
        "time",
        ALL,
        &["'2024-01-02 03:04:05'", "'2024-01-02 00:00:00'"],
        &[],
    ),
    case(
        "timestamp",
        "time",
        SERVERS,
        &["'2024-01-02 03:04:05'"],
        &[],
    ),
    // Text into other types: what the server cannot read, or reads as another value.
    case("string length=40", "uuid", ALL, &[UUID_40], &[UUID]),
    case("string length=40", "uuid", PG, &["'not-a-uuid'"], &[UUID]),
    case(
        "string length=40",
        "json",
        ALL,
        &["'{\"a\":'"],
        &[("'{\"a\": 1}'", "{\"a\": 1}")],
    ),
    // JSON respelled (whitespace) is the same JSON value: kept.
    case(
        "text",
        "json",
        &[Postgres, Mysql9],
        &[],
        &[("'{\"a\":1}'", "{\"a\": 1}")],
    ),
    case(
        "text",
        "json",
        &[Sqlite, Mariadb],
        &[],
        &[("'{\"a\":1}'", "{\"a\":1}")],
    ),
    // Text into a number is compared as a number: '1.50' is 1.5, '1.55' would be 1.6.
    case(
        "text",
        "decimal precision=5 scale=1",
        ALL,
        &["'1.55'", "'abc'"],
        &[("'1.50'", "1.5"), ("'-2.5'", "-2.5")],
    ),
    case(
        "text",
        "int",
        ALL,
        &["'abc'", "'1.5'"],
        &[("'12'", "12"), ("'-3'", "-3")],
    ),
    case(
        "text",
        "date",
        ALL,
        &["'2024-01-02 10:00:00'", "'nope'"],
        &[("'2024-01-02'", "2024-01-02")],
    ),
    case(
        "text",
        "double",
        MYSQL,
        &["'abc'"],
        &[("'1.50'", "1.5"), ("'-0.25'", "-0.25")],
    ),
];

/// Checks one case on `col`: the count, the sample, the refusal that changes nothing, then
/// the values that fit, applied and read back.
fn check(col: &Column, case: &Case) -> Result<(), String> {
    let mut values: Vec<String> = case.refused.iter().map(|s| s.to_string()).collect();
    values.extend(case.kept.iter().map(|(v, _)| v.to_string()));
    values.push("NULL".into());
    col.start(case.from, &values);
    let before = col.values();
    let plan = col.plan(case.to);
    let text = plan.text();
    let blocked = blocked_rows(&plan);
    if blocked != case.refused.len() as i64 {
        return Err(format!(
            "the plan counts {blocked} value(s) that would not survive, expected {} ({:?}):\n{text}",
            case.refused.len(),
            case.refused
        ));
    }
    if !case.refused.is_empty() {
        let named = before[..case.refused.len()]
            .iter()
            .any(|v| text.contains(&format!("e.g. '{}'", v.replace('\'', "''"))));
        if !named {
            return Err(format!(
                "the finding names none of {:?} as its sample:\n{text}",
                &before[..case.refused.len()]
            ));
        }
        match col.apply(case.to) {
            Err(reconcile::Error::DataWouldBeLost { .. }) => {}
            Ok(_) => {
                return Err(format!(
                    "apply converted values it should have refused: {before:?} became {:?}",
                    col.values()
                ));
            }
            Err(e) => return Err(format!("apply failed instead of refusing: {e}")),
        }
        if col.values() != before {
            return Err(format!(
                "a refused apply changed values: {before:?} became {:?}",
                col.values()
            ));
        }
        col.delete(&(1..=case.refused.len()).collect::<Vec<_>>());
    }
    if let Err(e) = col.apply(case.to) {
        return Err(format!("apply of the values that fit failed: {e}"));
    }
    let after = col.values();
    let expected: Vec<String> = case
        .kept
        .iter()
        .map(|(_, back)| back.to_string())
        .chain(std::iter::once("NULL".to_string()))
        .collect();
    if after != expected {
        return Err(format!(
            "values read back as {after:?}, expected {expected:?}"
        ));
    }
    let left = col.plan(case.to);
    if !left.is_empty() {
        return Err(format!("not converged:\n{}", left.text()));
    }
    Ok(())
}

/// Runs every case of `db` on `server` (`None`: SQLite); every failing case is reported.
fn run(db: Db, server: Option<Server>) {
    let Some(col) = Column::open(server) else {
        return;
    };
    let cases: Vec<&Case> = CASES.iter().filter(|c| c.on.contains(&db)).collect();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| {
            check(&col, c)
                .err()
                .map(|e| format!("{} -> {}: {e}", c.from, c.to))
        })
        .collect();
    let name = col.name;
    col.close();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed on {name}:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[test]
fn value_safety_on_sqlite() {
    run(Sqlite, None);
}

#[test]
fn value_safety_on_mariadb() {
    run(Mariadb, Some(Server::Mysql));
}

#[test]
fn value_safety_on_postgres() {
    run(Postgres, Some(Server::Postgres));
}

#[test]
fn value_safety_on_mysql9() {
    run(Mysql9, Some(Server::Mysql8));
}

/// PostgreSQL: a cast that raises inside the plan's transaction is counted row by row under
/// a savepoint, and the transaction goes on; in `plan`'s read-only session the same count
/// runs too (the table's cases above plan read-only).
#[test]
fn a_failing_cast_inside_the_transaction_is_counted_and_the_transaction_goes_on() {
    use reconcile::database::Connection;
    use reconcile::database::Intent;
    use reconcile::database::postgres::{PgDb, Settings};
    use reconcile::dialect::Lossy;

    let Some(col) = Column::open(Some(Server::Postgres)) else {
        return;
    };
    col.start(
        "bigint",
        &["5".into(), "3000000000".into(), "-3000000000".into()],
    );
    let url = col.db.environment_url(col.dir.path());
    let lossy = Lossy {
        table: "\"t\"".into(),
        condition: "\"v\" IS NOT NULL AND (\"v\"::INTEGER)::BIGINT IS DISTINCT FROM \"v\"".into(),
        text: "\"v\"::text".into(),
    };
    let settings = || Settings {
        statement_lock_timeout: std::time::Duration::from_secs(5),
        concurrent_indexes: true,
    };
    common::live::block_on(async {
        for intent in [Intent::Write, Intent::Read] {
            let mut db = PgDb::open(&url, intent, settings(), true).await.unwrap();
            let transaction = intent == Intent::Write;
            if transaction {
                db.begin().await.unwrap();
            }
            let (rows, sample) = db.count_lossy(&lossy).await.unwrap();
            assert_eq!(rows, 2, "{intent:?}");
            assert!(
                matches!(sample.as_deref(), Some("3000000000" | "-3000000000")),
                "{sample:?}"
            );
            assert_eq!(db.count("SELECT COUNT(*) FROM t").await.unwrap(), 3);
            if transaction {
                db.execute("DELETE FROM t WHERE id = 1").await.unwrap();
                db.rollback().await.unwrap();
            }
        }
    });
    assert_eq!(col.values(), ["5", "3000000000", "-3000000000"]);
    col.close();
}
