//! Randomized convergence (issue 17, point 6): random schema pairs as users write them
//! ([`common::users`]), applied one after the other on a real database. Each pair must
//! either converge (apply, then plan, is empty; `inspect` reads back a schema that plans
//! empty; the rows survive) or be refused with nothing changed (by `check`, preflight or the
//! server). One test per database; `RECONCILE_SOAK_PAIRS=N` runs N pairs each (default 12).

mod common;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;

use common::Server;
use common::live::LiveDb;
use common::users::{self, Tab, quote};
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use reconcile::database::{Intent, Session};
use reconcile::dialect::Dialect;
use reconcile::project::schema_from_source;
use reconcile::schema::Schema;

/// How the pairs ended.
#[derive(Debug, Default)]
struct Tally {
    converged: usize,
    refused_by_check: usize,
    refused_with_nothing_changed: usize,
    /// The refusals, by the first words of their message.
    reasons: BTreeMap<String, usize>,
}

fn pairs() -> u32 {
    std::env::var("RECONCILE_SOAK_PAIRS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12)
}

/// Whether `e` is a refusal that leaves the database as it was: preflight's, the server's
/// in a scratch, or (where DDL is transactional) a statement rolled back.
fn refusal(e: &reconcile::Error, d: Dialect) -> bool {
    use reconcile::Error as E;
    matches!(e, E::DataWouldBeLost { .. } | E::ServerRefuses { .. } | E::Refused { .. } | E::ForeignKeyViolations { .. })
        || (d != Dialect::Mysql && matches!(e, E::Statement { .. }))
        // The first statement refused for the rows it met (a structure-only proof cannot
        // see them): one `ALTER` fails whole, so nothing ran.
        || matches!(e, E::PartiallyApplied { applied, .. } if applied.is_empty())
}

/// The first words of a refusal; for a statement the server refused, the first words of
/// the server's own message, so that the tally says why.
fn reason(e: &reconcile::Error) -> String {
    let words = |text: &str, n: usize| {
        text.split_whitespace()
            .take(n)
            .collect::<Vec<_>>()
            .join(" ")
    };
    match (e, std::error::Error::source(e)) {
        (
            reconcile::Error::Statement { .. } | reconcile::Error::PartiallyApplied { .. },
            Some(cause),
        ) => format!("server: {}", words(&cause.to_string(), 8)),
        _ => words(&e.to_string(), 6),
    }
}

/// Every value of every column of `tables`, by table and column: `id|value` lines.
fn snapshot(db: &LiveDb, tables: &[Tab], d: Dialect) -> BTreeMap<(String, String), Vec<String>> {
    let mut out = BTreeMap::new();
    for t in tables {
        let ids = format!(
            "SELECT {} FROM {} ORDER BY 1",
            quote("id", d),
            quote(&t.name, d)
        );
        out.insert(
            (t.name.clone(), "id".into()),
            db.rows(&ids).unwrap_or_default(),
        );
        for c in &t.columns {
            let sql = format!(
                "SELECT {}, {} FROM {} ORDER BY 1",
                quote("id", d),
                quote(&c.name, d),
                quote(&t.name, d)
            );
            out.insert(
                (t.name.clone(), c.name.clone()),
                db.rows(&sql).unwrap_or_default(),
            );
        }
    }
    out
}

fn fail(message: String) -> Result<(), TestCaseError> {
    Err(TestCaseError::fail(message))
}

struct Run<'a> {
    db: &'a LiveDb,
    session: Session,
    d: Dialect,
    tally: Tally,
}

impl Run<'_> {
    fn apply(&mut self, schema: &Schema) -> Result<reconcile::plan::Plan, reconcile::Error> {
        common::arbitrary::apply(&mut self.session, schema)
    }

    fn refused_by_check(&mut self, e: &reconcile::Error) {
        self.tally.refused_by_check += 1;
        let why = match e {
            reconcile::Error::Source(d) => d
                .problems()
                .first()
                .map_or_else(String::new, |p| p.message.clone()),
            other => other.to_string(),
        };
        // The message without the names in it.
        let words: Vec<&str> = why.split('`').step_by(2).collect();
        *self
            .tally
            .reasons
            .entry(format!("check: {}", words.join("_")))
            .or_default() += 1;
    }

    /// Drops every table (an apply of the empty schema), so that each pair starts empty.
    fn reset(&mut self) -> Result<(), TestCaseError> {
        self.apply(&Schema::default())
            .map_err(|e| TestCaseError::fail(format!("reset failed: {e:?}")))?;
        let left = self.session.introspect().unwrap().tables.len();
        if left > 0 {
            return fail(format!("reset left {left} tables"));
        }
        Ok(())
    }

    fn pair(
        &mut self,
        a: &[Tab],
        edits: &[users::Edit],
        seeds: &[u32],
    ) -> Result<(), TestCaseError> {
        let d = self.d;
        self.reset()?;
        let source_a = users::to_kdl(a, d);
        let schema_a = match schema_from_source(&source_a, &[d]) {
            Ok(schema) => schema,
            Err(e) => {
                self.refused_by_check(&e);
                return Ok(());
            }
        };
        match self.apply(&schema_a) {
            Ok(_) => {}
            Err(e) if refusal(&e, d) => {
                if !self.session.introspect().unwrap().tables.is_empty() {
                    return fail(format!("a refused apply of A left tables: {e}\n{source_a}"));
                }
                if std::env::var_os("RECONCILE_SOAK_SHOW_REFUSALS").is_some() {
                    eprintln!("refused: {e}\nA:\n{source_a}");
                }
                *self.tally.reasons.entry(reason(&e)).or_default() += 1;
                self.tally.refused_with_nothing_changed += 1;
                return Ok(());
            }
            Err(e) => return fail(format!("apply A failed: {e:?}\n{source_a}")),
        }
        let left = self
            .session
            .plan(&schema_a)
            .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        if !left.is_empty() {
            return fail(format!("A did not converge:\n{}\n{source_a}", left.text()));
        }
        let printed = reconcile::inspect::to_kdl(&self.session.introspect().unwrap(), d);
        let inspected = match schema_from_source(&printed, &[d]) {
            Ok(s) => s,
            Err(e) => {
                return fail(format!(
                    "inspect printed an invalid schema: {e:?}\n{printed}\nfrom\n{source_a}"
                ));
            }
        };
        let left = self
            .session
            .plan(&inspected)
            .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        if !left.is_empty() {
            return fail(format!(
                "inspect does not plan empty:\n{}\n{printed}\nfrom\n{source_a}",
                left.text()
            ));
        }
        for t in a {
            for (i, seed) in seeds.iter().enumerate() {
                // A row a check refuses is left out: the rows are whatever the table took.
                let _ = self.db.run(&[users::insert(t, i as u32 + 1, *seed, d)]);
            }
        }
        let before = snapshot(self.db, a, d);
        let b = users::edited(a, edits);
        let source_b = users::to_kdl(&b, d);
        let schema_b = match schema_from_source(&source_b, &[d]) {
            Ok(schema) => schema,
            Err(e) => {
                self.refused_by_check(&e);
                return Ok(());
            }
        };
        match self.apply(&schema_b) {
            Ok(ran) => {
                let left = self
                    .session
                    .plan(&schema_b)
                    .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
                if !left.is_empty() {
                    return fail(format!(
                        "B did not converge:\n{}\nafter\n{}\nA:\n{source_a}\nB:\n{source_b}",
                        left.text(),
                        ran.sql()
                    ));
                }
                let after = snapshot(self.db, &b, d);
                for ((table, column), values) in &before {
                    let kept_as_is = b.iter().find(|t| &t.name == table).is_some_and(|tb| {
                        column == "id"
                            || a.iter().find(|t| &t.name == table).is_some_and(|ta| {
                                let was = ta.columns.iter().find(|c| &c.name == column);
                                let now = tb.columns.iter().find(|c| &c.name == column);
                                // A generated column's values are its expression's, which
                                // change with the columns it reads.
                                matches!((was, now), (Some(x), Some(y)) if x.ty == y.ty && x.nullable == y.nullable && x.generated.is_none() && y.generated.is_none())
                            })
                    });
                    if kept_as_is && after.get(&(table.clone(), column.clone())) != Some(values) {
                        return fail(format!(
                            "`{table}.{column}` changed: {values:?} -> {:?}\nplan:\n{}\nA:\n{source_a}\nB:\n{source_b}",
                            after.get(&(table.clone(), column.clone())),
                            ran.sql()
                        ));
                    }
                }
                self.tally.converged += 1;
            }
            Err(e) if refusal(&e, d) => {
                if snapshot(self.db, a, d) != before {
                    return fail(format!(
                        "a refused apply changed data: {e}\nA:\n{source_a}\nB:\n{source_b}"
                    ));
                }
                let left = self
                    .session
                    .plan(&schema_a)
                    .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
                if !left.is_empty() {
                    return fail(format!(
                        "a refused apply changed the schema: {e}\n{}\nA:\n{source_a}\nB:\n{source_b}",
                        left.text()
                    ));
                }
                if std::env::var_os("RECONCILE_SOAK_SHOW_REFUSALS").is_some() {
                    eprintln!("refused: {e}\nA:\n{source_a}\nB:\n{source_b}");
                }
                if std::env::var_os("RECONCILE_SOAK_SHOW_REFUSALS").is_some() {
                    eprintln!("refused: {e}\nA:\n{source_a}\nB:\n{source_b}");
                }
                *self.tally.reasons.entry(reason(&e)).or_default() += 1;
                self.tally.refused_with_nothing_changed += 1;
            }
            Err(e) => {
                return fail(format!(
                    "apply B failed: {e:?}\nA:\n{source_a}\nB:\n{source_b}"
                ));
            }
        }
        Ok(())
    }
}

fn converge_on(label: &str, db: LiveDb, dir: &Path) {
    let d = db.dialect();
    let session = Session::open(&db.environment(dir), dir, Intent::Write).unwrap();
    let run = RefCell::new(Run {
        db: &db,
        session,
        d,
        tally: Tally::default(),
    });
    let mut runner = TestRunner::new(Config {
        cases: pairs(),
        failure_persistence: None,
        max_shrink_iters: 64,
        ..Config::default()
    });
    let strategy = (
        users::schema(),
        users::edits(),
        proptest::collection::vec(0u32..10_000, 0..4),
    );
    let result = runner.run(&strategy, |(a, edits, seeds)| {
        run.borrow_mut().pair(&a, &edits, &seeds)
    });
    let run = run.into_inner();
    let tally = &run.tally;
    eprintln!(
        "{label}: {} pairs: {} converged, {} refused by check, {} refused with nothing changed {:#?}",
        pairs(),
        tally.converged,
        tally.refused_by_check,
        tally.refused_with_nothing_changed,
        tally.reasons
    );
    if let Err(e) = result {
        panic!("{label}: {e}");
    }
    drop(run);
    db.close();
}

#[test]
fn random_pairs_converge_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    converge_on(
        "SQLite",
        LiveDb::Sqlite(dir.path().join("pairs.db")),
        dir.path(),
    );
}

fn on_server(server: Server, label: &str) {
    let Some(base) = server.url() else { return };
    let dir = tempfile::tempdir().unwrap();
    converge_on(label, LiveDb::on_server(server, &base), dir.path());
}

#[test]
fn random_pairs_converge_on_mariadb() {
    on_server(Server::Mysql, "MariaDB");
}

#[test]
fn random_pairs_converge_on_postgres() {
    on_server(Server::Postgres, "PostgreSQL");
}

#[test]
fn random_pairs_converge_on_mysql9() {
    on_server(Server::Mysql8, "MySQL 9");
}
