//! `check`'s MySQL size rules against the servers themselves: for random tables (every
//! portable type, nullable or not, strings in several character sets, on the column or the
//! table), the server decides how long the last `VARCHAR` may be (a bisection on real
//! `CREATE TABLE`s), and `check` must accept every length the server accepts and refuse the
//! first length the server refuses for that limit: the row size ("The maximum row size ...
//! is 65535"), and the key length of an index over all the columns ("max key length is
//! 3072 bytes").
//! Runs on MariaDB (required in CI) and MySQL 9 (optional); skipped loudly without them.

mod common;

use common::Server;
use common::live::LiveDb;
use proptest::prelude::*;
use reconcile::dialect::Dialect;
use reconcile::plan::Plan;
use reconcile::project::schema_from_source;
use reconcile::schema::Schema;

/// The character sets a string column or a table may name (`None`: the server's default,
/// utf8mb4 on both servers here).
const CHARSETS: [Option<&str>; 5] = [
    None,
    Some("latin1"),
    Some("utf8mb3"),
    Some("utf8mb4"),
    Some("ascii"),
];

#[derive(Debug, Clone)]
struct Col {
    kdl: String,
    /// A string's character set, given as a `mysql charset=...` hint.
    charset: Option<&'static str>,
    nullable: bool,
}

/// `mysql charset=...` as a column's children, or nothing.
fn charset_hint(charset: Option<&str>) -> String {
    charset
        .map(|cs| format!(" {{ mysql charset={cs} }}"))
        .unwrap_or_default()
}

/// A column; strings up to `longest` characters.
fn column(longest: u32) -> impl Strategy<Value = Col> {
    let string = (1u32..longest, prop::sample::select(CHARSETS.to_vec()))
        .prop_map(|(n, cs)| (format!("string length={n}"), cs));
    let decimal = (1u32..=65, 0u32..=30)
        .prop_map(|(p, s)| (format!("decimal precision={p} scale={}", s.min(p)), None));
    let plain = prop::sample::select(vec![
        "bool",
        "smallint",
        "int",
        "bigint",
        "float",
        "double",
        "text",
        "bytes",
        "date",
        "time",
        "datetime",
        "timestamp",
        "uuid",
        "json",
    ])
    .prop_map(|ty| (ty.to_string(), None));
    (
        prop_oneof![3 => string, 1 => decimal, 2 => plain],
        any::<bool>(),
    )
        .prop_map(|((kdl, charset), nullable)| Col {
            kdl,
            charset,
            nullable,
        })
}

/// A table `t`: `columns`, then a last `VARCHAR(length)` named `last` in `charset`, and with
/// `indexed` an index over all of them.
fn table_kdl(
    table_charset: Option<&str>,
    columns: &[Col],
    last_nullable: bool,
    last_charset: Option<&str>,
    length: u32,
    indexed: Option<usize>,
) -> String {
    let mut kdl = String::from("table t {\n");
    if let Some(cs) = table_charset {
        kdl.push_str(&format!("    mysql charset={cs}\n"));
    }
    for (i, c) in columns.iter().enumerate() {
        kdl.push_str(&format!(
            "    column c{i} {} nullable=#{}{}\n",
            c.kdl,
            c.nullable,
            charset_hint(c.charset)
        ));
    }
    kdl.push_str(&format!(
        "    column last string length={length} nullable=#{last_nullable}{}\n",
        charset_hint(last_charset)
    ));
    if let Some(n) = indexed {
        let mut names: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
        names.push("last".into());
        kdl.push_str(&format!("    index {}\n", names.join(" ")));
    }
    kdl.push_str("}\n");
    kdl
}

/// What the server says of `kdl`'s table: `Ok` when it creates it as declared, else its
/// message. MariaDB creates an index whose key is too long with a prefix of the column
/// instead (a warning, not an error), which is not the index declared: that counts as
/// refused.
fn server_creates(db: &LiveDb, kdl: &str) -> Result<(), String> {
    let desired = schema_from_source(kdl, &[]).map_err(|e| format!("not a schema: {e:?}"))?;
    let plan = Plan::between(&Schema::default(), &desired, Dialect::Mysql)
        .map_err(|e| format!("no plan: {e:?}"))?;
    db.run(&["DROP TABLE IF EXISTS t".to_string()])?;
    db.run_script(&plan.sql())?;
    let shortened = db.count(
        "SELECT COUNT(*) FROM information_schema.STATISTICS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't' AND SUB_PART IS NOT NULL",
    )?;
    match shortened {
        0 => Ok(()),
        _ => Err("the server shortened the key to a prefix: max key length is 3072 bytes".into()),
    }
}

/// A server limit, as `check` and the server each word it.
#[derive(Debug, Clone, Copy)]
enum Limit {
    Row,
    Key,
}

impl Limit {
    fn check_says(self) -> &'static str {
        match self {
            Limit::Row => "MySQL allows at most 65,535",
            Limit::Key => "MySQL allows at most 3072",
        }
    }

    fn server_says(self, message: &str) -> bool {
        match self {
            Limit::Row => message.contains("Row size too large") && message.contains("65535"),
            Limit::Key => message.contains("max key length is 3072"),
        }
    }
}

/// What `check` (the MySQL rules) says is wrong with `kdl`: nothing, or its messages.
fn check_problems(kdl: &str) -> Vec<String> {
    match schema_from_source(kdl, &[Dialect::Mysql]) {
        Ok(_) => Vec::new(),
        Err(reconcile::Error::Source(d)) => {
            d.problems().iter().map(|p| p.message.clone()).collect()
        }
        Err(e) => panic!("check failed otherwise: {e:?}"),
    }
}

fn check_refuses(kdl: &str, limit: Limit) -> bool {
    check_problems(kdl)
        .iter()
        .any(|m| m.contains(limit.check_says()))
}

/// The longest length the server creates `last` with, and what it said of one more (`None`
/// when it creates every length up to 65,535).
fn longest_accepted(db: &LiveDb, kdl_of: &dyn Fn(u32) -> String) -> (u32, Option<String>) {
    let (mut ok, mut refused) = (0u32, 65_536u32);
    let mut refusal = None;
    while refused - ok > 1 {
        let mid = ok + (refused - ok) / 2;
        match server_creates(db, &kdl_of(mid)) {
            Ok(()) => ok = mid,
            Err(e) => {
                refused = mid;
                refusal = Some(e);
            }
        }
    }
    (ok, refusal)
}

/// Random table shapes bisected per server and limit.
const SHAPES: u32 = 48;

fn limit_matches_the_server(server: Server, limit: Limit) {
    let Some(base) = server.url() else { return };
    let db = LiveDb::on_server(server, &base);
    // An index key holds a few columns; a row, more.
    let (columns, longest) = match limit {
        Limit::Row => (0..6, 20_000),
        Limit::Key => (0..3, 800),
    };
    let strategy = (
        prop::sample::select(CHARSETS.to_vec()),
        prop::collection::vec(column(longest), columns),
        any::<bool>(),
        prop::sample::select(CHARSETS.to_vec()),
    );
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: SHAPES,
        ..ProptestConfig::default()
    });
    let exact = std::cell::Cell::new(0);
    let result = runner.run(&strategy, |(table_cs, columns, last_nullable, last_cs)| {
        let kdl_of = |n: u32| {
            let indexed = matches!(limit, Limit::Key).then_some(columns.len());
            table_kdl(table_cs, &columns, last_nullable, last_cs, n, indexed)
        };
        // A shape the server refuses at any length (other columns fill the row, or cannot
        // be a key): check must refuse it too, for whatever reason.
        if let Err(refusal) = server_creates(&db, &kdl_of(1)) {
            prop_assert!(
                !check_problems(&kdl_of(1)).is_empty(),
                "the server refuses ({refusal}), check accepts:\n{}",
                kdl_of(1)
            );
            return Ok(());
        }
        let (longest, past) = longest_accepted(&db, &kdl_of);
        let problems = check_problems(&kdl_of(longest));
        prop_assert!(
            problems.is_empty(),
            "check refuses what the server creates ({problems:?}):\n{}",
            kdl_of(longest)
        );
        if let Some(refusal) = past
            && limit.server_says(&refusal)
        {
            exact.set(exact.get() + 1);
            prop_assert!(
                check_refuses(&kdl_of(longest + 1), limit),
                "the server refuses the row ({refusal}), check accepts:\n{}",
                kdl_of(longest + 1)
            );
        }
        Ok(())
    });
    db.close();
    if let Err(e) = result {
        panic!("{server:?}: {e}");
    }
    // The bisection reached the limit itself (not only another limit) on a good share of
    // the shapes: on MariaDB about 45% of random shapes meet the row limit first, so 24
    // shapes fell short of 12 about one run in three.
    let exact = exact.get();
    assert!(
        exact >= 12,
        "{server:?}: only {exact} of {SHAPES} shapes met the {limit:?} limit"
    );
}

#[test]
fn row_limit_matches_mariadb() {
    limit_matches_the_server(Server::Mysql, Limit::Row);
}

#[test]
fn key_limit_matches_mariadb() {
    limit_matches_the_server(Server::Mysql, Limit::Key);
}

#[test]
fn key_limit_matches_mysql9() {
    limit_matches_the_server(Server::Mysql8, Limit::Key);
}

#[test]
fn row_limit_matches_mysql9() {
    limit_matches_the_server(Server::Mysql8, Limit::Row);
}

/// The rule names the table at its line and column, and the widest columns.
#[test]
fn a_wide_row_is_refused_at_its_table() {
    let kdl =
        "table wide {\n    column a string length=10000\n    column b string length=10000\n}\n";
    let Err(e) = schema_from_source(kdl, &[Dialect::Mysql]) else {
        panic!("a row of 80,004 bytes was accepted");
    };
    let mut report = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .render_report(&mut report, &e)
        .unwrap();
    assert!(
        report.contains("a row of `wide` is 80004 bytes; MySQL allows at most 65,535 (the widest: `a` 40002, `b` 40002)"),
        "{report}"
    );
    assert!(report.contains("schema.kdl:1:7"), "{report}");
    assert!(schema_from_source(kdl, &[Dialect::Sqlite, Dialect::Postgres]).is_ok());
}
