//! Tests as data × dialects: every folder of `tests/cases/` (format in its README) runs
//!
//! - offline, with no server: the plan from `current.kdl` to `desired.kdl` on every dialect
//!   the case names, snapshotted as `case_<name>@<dialect>`;
//! - as SQL on a real database: the offline plan of `current.kdl` creates it, the rows go
//!   in, the preflight checks and the statements of that plan run, and the rows are as
//!   expected (SQLite always; MariaDB and PostgreSQL when their URLs are set);
//! - live, through the real binary: build the current database, load rows, `plan`
//!   (snapshotted as `case_<name>_live@<dialect>`), `apply`, then convergence, idempotence,
//!   foreign keys, rows, and `inspect` printed back as `schema.kdl` plans empty. SQLite
//!   always; [`live_on_server`] runs the same steps on MariaDB and PostgreSQL as soon as
//!   `reconcile plan` works on their URLs.
//!
//! A check that a case's `KNOWN_BUG` names is reported loudly instead of failing.

mod common;

use std::path::Path;

use common::case::{Case, LIVE_STEPS, Report, cases, cases_dir};
use common::live::LiveDb;
use common::{Server, reconcile, settings, shout};
use reconcile::dialect::Dialect;
use reconcile::plan::Plan;
use reconcile::project::schema_from_source;
use reconcile::schema::Schema;

// ---------------------------------------------------------------------------------------
// Offline plans

/// `source` parsed and validated for `d`.
fn schema(source: &str, d: Dialect) -> Result<Schema, String> {
    schema_from_source(source, &[d]).map_err(|e| format!("{e:?}"))
}

/// The schema the case starts from on `d`, when it is written in KDL (or empty).
fn current_schema(case: &Case, d: Dialect) -> Option<Result<Schema, String>> {
    match case.current_kdl() {
        Some(source) => Some(schema(&source, d)),
        None if case.current_sql(d).is_none() => Some(Ok(Schema::default())),
        None => None,
    }
}

/// The offline plan of the case on `d`: from its current schema to its desired one.
fn between(case: &Case, d: Dialect) -> Option<Result<(Schema, Plan), String>> {
    let current = current_schema(case, d)?;
    Some((|| {
        let current = current?;
        let desired = schema(&case.desired(), d)?;
        let plan = Plan::between(&current, &desired, d).map_err(|e| format!("{e:?}"))?;
        Ok((current, plan))
    })())
}

/// A plan in all three formats, as one snapshot.
fn rendered(text: &str, sql: &str, json: &str) -> String {
    format!("--- text\n{text}--- sql\n{sql}--- json\n{json}")
}

/// Asserts the snapshot `name`; a mismatch is returned, not raised, so that every case runs.
fn snapshot(name: &str, value: &str) -> Result<(), String> {
    let name = name.to_string();
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        settings().bind(|| insta::assert_snapshot!(name, value))
    }))
    .map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "snapshot assertion failed".into())
    })
}

#[test]
fn offline_plans() {
    let mut report = Report::default();
    for case in cases() {
        for &d in &case.dialects {
            let Some(planned) = between(&case, d) else {
                continue;
            };
            let label = format!("offline@{d}");
            let result = planned.and_then(|(_, plan)| {
                if case.known(&label) {
                    // Never record a plan that a known bug makes wrong.
                    return Err("not snapshotted: the plan is wrong (KNOWN_BUG)".into());
                }
                snapshot(
                    &format!("case_{}@{d}", case.name),
                    &rendered(&plan.text(), &plan.sql(), &plan.json()),
                )
            });
            report.check(&case, &label, result);
        }
    }
    report.finish("offline plans");
}

/// A plan is a pure function of its inputs: the same bytes on every run.
#[test]
fn offline_plans_are_deterministic() {
    for case in cases() {
        for &d in &case.dialects {
            let Some(Ok((_, first))) = between(&case, d) else {
                continue;
            };
            for _ in 0..3 {
                let (_, again) = between(&case, d).unwrap().unwrap();
                assert_eq!(first.sql(), again.sql(), "{} on {d}", case.name);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The offline SQL on real databases

/// Runs the statements of `plan` on `db` one by one; on SQLite as apply does (and as the
/// `--format sql` script's wrapper says): foreign keys off, one transaction, committed only
/// when the foreign-key check finds nothing. (The script itself shows what
/// `PRAGMA foreign_key_check` finds, then commits regardless.)
fn run_plan(db: &LiveDb, plan: &Plan) -> Result<(), String> {
    let statements: Vec<String> = plan.statements().map(|(_, s)| s.sql.clone()).collect();
    match db.dialect() {
        Dialect::Sqlite => db.sqlite_checked(&statements),
        Dialect::Mysql | Dialect::Postgres => db.run(&statements),
    }
}

/// Compares the rows of the case's expect query on `db` with the expected ones.
fn expected_rows(case: &Case, d: Dialect, db: &LiveDb) -> Result<(), String> {
    let expect = case.expect(d)?;
    let got = db.rows(&expect.query)?;
    if got == expect.rows {
        Ok(())
    } else {
        Err(format!(
            "rows of `{}`:\n  expected {:?}\n  got      {:?}",
            expect.query, expect.rows, got
        ))
    }
}

/// SQLite only: `PRAGMA foreign_key_check` finds nothing.
fn foreign_keys_hold(db: &LiveDb) -> Result<(), String> {
    if db.dialect() != Dialect::Sqlite {
        return Ok(()); // the servers enforce their keys on every statement
    }
    let broken = db.rows("SELECT \"table\", parent FROM pragma_foreign_key_check")?;
    if broken.is_empty() {
        Ok(())
    } else {
        Err(format!("foreign keys broken: {broken:?}"))
    }
}

/// The offline plans of the case on `db`: create the current schema, load the rows, count
/// what the preflight checks count, run the plan, check the rows.
fn offline_sql(case: &Case, db: &LiveDb) -> Result<(), String> {
    let d = db.dialect();
    let (current, plan) = between(case, d).expect("a KDL case")?;
    run_plan(
        db,
        &Plan::offline(&current, d).map_err(|e| format!("{e:?}"))?,
    )
    .map_err(|e| format!("creating the current schema: {e}"))?;
    if let Some(rows) = case.rows(d) {
        db.run_script(&rows)
            .map_err(|e| format!("loading rows: {e}"))?;
    }
    let mut found = Vec::new();
    for check in &plan.checks {
        let rows = match (db.count(&check.sql), &check.lossy) {
            (Ok(rows), _) => rows,
            // PostgreSQL's casts raise on a value they cannot take; the driver then counts
            // row by row, with the same block as here.
            (Err(_), Some(lossy)) if d == Dialect::Postgres => {
                let sql = format!(
                    "{}; {}",
                    reconcile::dialect::postgres::values::per_row(lossy),
                    reconcile::dialect::postgres::values::PER_ROW_RESULT
                );
                let row = db.rows(&sql)?;
                let count = row.first().and_then(|r| r.split('|').next()?.parse().ok());
                count.ok_or_else(|| format!("row by row: {row:?}"))?
            }
            (Err(e), _) => return Err(format!("preflight check `{}`: {e}", check.describe())),
        };
        // A drop's count informs; only a blocking check refuses.
        if rows > 0 && check.blocks() {
            found.push(format!("{}: {rows} row(s)", check.describe()));
        }
    }
    match (&case.refused, found.is_empty()) {
        // Refused by preflight: nothing runs, the rows stay as they are.
        (Some(_), false) => {}
        // No check can see it coming: the database itself must refuse a statement.
        (Some(_), true) => {
            if run_plan(db, &plan).is_ok() {
                return Err("a refused case ran: no preflight check found a row and every statement succeeded".into());
            }
        }
        (None, false) => return Err(format!("preflight would refuse: {}", found.join("; "))),
        (None, true) => run_plan(db, &plan)?,
    }
    foreign_keys_hold(db)?;
    expected_rows(case, d, db)
}

/// Runs a check on a fresh, empty database and returns what it found.
type Fresh<'a> = &'a dyn Fn(&dyn Fn(&LiveDb) -> Result<(), String>) -> Result<(), String>;

/// Every KDL case of dialect `d`, each on a fresh database from `fresh`.
fn offline_sql_on(d: Dialect, what: &str, fresh: Fresh) {
    let mut report = Report::default();
    for case in cases().iter().filter(|c| c.dialects.contains(&d)) {
        if between(case, d).is_none() {
            continue;
        }
        let result = fresh(&|db| offline_sql(case, db));
        report.check(case, &format!("sql@{d}"), result);
    }
    report.finish(what);
}

#[test]
fn offline_sql_runs_on_sqlite() {
    offline_sql_on(Dialect::Sqlite, "offline SQL on SQLite", &|run| {
        let dir = tempfile::tempdir().unwrap();
        run(&LiveDb::Sqlite(dir.path().join("t.db")))
    });
}

fn offline_sql_on_server(server: Server, d: Dialect) {
    let Some(base) = server.url() else { return };
    let what = format!("offline SQL on {server:?}");
    match server {
        Server::Mysql | Server::Mysql8 => offline_sql_on(d, &what, &|run| {
            let db = LiveDb::on_server(server, &base);
            let result = run(&db);
            db.close();
            result
        }),
        // CREATE DATABASE costs over a second on PostgreSQL: one database, whose `public`
        // schema is made anew for each case.
        Server::Postgres => {
            let db = LiveDb::on_server(server, &base);
            let reset = [
                "DROP SCHEMA public CASCADE".to_string(),
                "CREATE SCHEMA public".to_string(),
            ];
            offline_sql_on(d, &what, &|run| {
                db.run(&reset)?;
                run(&db)
            });
            db.close();
        }
    }
}

#[test]
fn offline_sql_runs_on_mariadb() {
    offline_sql_on_server(Server::Mysql, Dialect::Mysql);
}

/// Optional, as [`live_mysql8`]: the offline plans (written for MySQL 8.0.19+) on MySQL 9.
#[test]
fn offline_sql_runs_on_mysql8() {
    offline_sql_on_server(Server::Mysql8, Dialect::Mysql);
}

#[test]
fn offline_sql_runs_on_postgres() {
    offline_sql_on_server(Server::Postgres, Dialect::Postgres);
}

// ---------------------------------------------------------------------------------------
// Live, through the binary

/// Writes the project's `schema.kdl`.
fn write_schema(dir: &Path, text: &str) {
    std::fs::write(dir.join("schema.kdl"), text).unwrap();
}

/// `reconcile args` must exit with `status`; returns (stdout, stderr).
fn expect_status(dir: &Path, args: &[&str], status: i32) -> Result<(String, String), String> {
    let (got, stdout, stderr) = reconcile(dir, args);
    if got == status {
        Ok((stdout, stderr))
    } else {
        Err(format!(
            "`reconcile {}` exited {got}, expected {status}\n{stdout}{stderr}",
            args.join(" ")
        ))
    }
}

/// The database's schema, to show that a refused apply changed nothing.
fn schema_dump(db: &LiveDb, dir: &Path) -> Result<Vec<String>, String> {
    match db.dialect() {
        Dialect::Sqlite => {
            db.rows("SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name")
        }
        Dialect::Mysql | Dialect::Postgres => {
            let (stdout, _) = expect_status(dir, &["inspect"], 0)?;
            Ok(stdout.lines().map(str::to_string).collect())
        }
    }
}

/// The current database and its rows, then `desired.kdl` as the project's schema.
fn build(case: &Case, d: Dialect, dir: &Path, db: &LiveDb) -> Result<(), String> {
    if let Some(current) = case.current_kdl() {
        write_schema(dir, &current);
        expect_status(dir, &["apply", "--yes"], 0)?;
    } else if let Some(sql) = case.current_sql(d) {
        db.run_script(&sql)?;
    }
    if let Some(rows) = case.rows(d) {
        db.run_script(&rows)?;
    }
    write_schema(dir, &case.desired());
    Ok(())
}

/// The name of the live plan snapshot of `case` on `d`: `case_<name>_live@<dialect>`, which
/// MySQL 9 shares with MariaDB unless the case has its own `case_<name>_live@mysql8` (where
/// the two servers' plans truly differ).
fn live_snapshot(case: &Case, d: Dialect, server: Option<Server>) -> String {
    if server == Some(Server::Mysql8) {
        let own = format!("case_{}_live@mysql8", case.name);
        if snapshots_dir().join(format!("{own}.snap")).is_file() {
            return own;
        }
    }
    format!("case_{}_live@{d}", case.name)
}

fn snapshots_dir() -> std::path::PathBuf {
    common::project_root().join("snapshots")
}

/// `plan` in every format, snapshotted as `snapshot`. A plan that apply will refuse says so,
/// unless the case states that no preflight check can see it coming.
fn live_plan(case: &Case, dir: &Path, snapshot_name: &str) -> Result<(), String> {
    let mut out = Vec::new();
    for format in ["text", "sql", "json"] {
        out.push(expect_status(dir, &["plan", "--format", format], 0)?.0);
    }
    let warns = out[0].contains("apply will refuse");
    if case.refused.is_some() && case.preflight && !warns {
        return Err(format!(
            "apply will refuse, but the plan does not say so:\n{}",
            out[0]
        ));
    }
    if warns && !(case.refused.is_some() && case.preflight) {
        return Err(format!("the plan says apply will refuse:\n{}", out[0]));
    }
    snapshot(snapshot_name, &rendered(&out[0], &out[1], &out[2]))
}

/// `apply`, as the case's flags say it must go.
fn live_apply(case: &Case, d: Dialect, dir: &Path, db: &LiveDb) -> Result<(), String> {
    if let Some(needle) = &case.refused {
        let query = case.expect(d)?.query;
        let before = (schema_dump(db, dir)?, db.rows(&query)?);
        let (_, stderr) = expect_status(dir, &["apply", "--yes", "--allow-destructive"], 1)?;
        if !stderr.contains(needle.as_str()) {
            return Err(format!("refused, but stderr lacks `{needle}`:\n{stderr}"));
        }
        let after = (schema_dump(db, dir)?, db.rows(&query)?);
        if after != before {
            return Err(format!(
                "a refused apply changed the database:\n  before {before:?}\n  after  {after:?}"
            ));
        }
        return Ok(());
    }
    if case.destructive {
        let (_, stderr) = expect_status(dir, &["apply", "--yes"], 1)
            .map_err(|e| format!("a destructive plan ran without the flag: {e}"))?;
        if !stderr.contains("destructive") {
            return Err(format!("refused without saying why:\n{stderr}"));
        }
        expect_status(dir, &["apply", "--yes", "--allow-destructive"], 0)?;
    } else {
        expect_status(dir, &["apply", "--yes"], 0)?;
    }
    Ok(())
}

/// A second apply finds nothing to do.
fn idempotent(dir: &Path) -> Result<(), String> {
    let (_, stderr) = expect_status(dir, &["apply", "--yes"], 0)?;
    if stderr.contains("No changes") {
        Ok(())
    } else {
        Err(format!("the second apply did something:\n{stderr}"))
    }
}

/// `inspect` printed back as `schema.kdl` plans empty.
fn inspect_round_trip(dir: &Path) -> Result<(), String> {
    let (inspected, _) = expect_status(dir, &["inspect"], 0)?;
    write_schema(dir, &inspected);
    expect_status(dir, &["plan", "--exit-code"], 0)
        .map(|_| ())
        .map_err(|e| format!("{e}\ninspected schema:\n{inspected}"))
}

/// The live steps of `case` on `d` (on `server`, or SQLite), in a fresh project whose
/// database `open` makes.
fn live(
    case: &Case,
    d: Dialect,
    server: Option<Server>,
    open: &dyn Fn(&Path) -> LiveDb,
    report: &mut Report,
) {
    let project = tempfile::tempdir().unwrap();
    let dir = project.path();
    let db = open(dir);
    std::fs::create_dir(dir.join("environments")).unwrap();
    std::fs::write(
        dir.join("environments/development.kdl"),
        format!(
            "url \"{}\"\ncreate-database #true\n",
            db.environment_url(dir)
        ),
    )
    .unwrap();
    // A refused apply leaves the database as it was: nothing to converge.
    let refused = case.refused.is_some();
    for step in LIVE_STEPS {
        let result = match step {
            "build" => build(case, d, dir, &db),
            "plan" => live_plan(case, dir, &live_snapshot(case, d, server)),
            "apply" => live_apply(case, d, dir, &db),
            "converged" if refused => Ok(()),
            "converged" => expect_status(dir, &["plan", "--exit-code"], 0).map(|_| ()),
            "idempotent" if refused => Ok(()),
            "idempotent" => idempotent(dir),
            "foreign_keys" => foreign_keys_hold(&db),
            "rows" => expected_rows(case, d, &db),
            "inspect" => inspect_round_trip(dir),
            other => unreachable!("live step `{other}`"),
        };
        if !report.check(case, &format!("live@{d}:{step}"), result) {
            break;
        }
    }
    db.close();
}

#[test]
fn live_sqlite() {
    let mut report = Report::default();
    for case in cases()
        .iter()
        .filter(|c| c.dialects.contains(&Dialect::Sqlite))
    {
        live(
            case,
            Dialect::Sqlite,
            None,
            &|dir| LiveDb::Sqlite(dir.join("dev.db")),
            &mut report,
        );
    }
    report.finish("live cases on SQLite");
}

/// The hook for MariaDB and PostgreSQL: the same live steps as SQLite, on a fresh database
/// of `server` per case. Until the driver exists (`reconcile plan` on the URL stops with
/// "not available yet"), it announces the skip and returns.
fn live_on_server(server: Server, d: Dialect) {
    let Some(base) = server.url() else { return };
    let probe = tempfile::tempdir().unwrap();
    let db = LiveDb::on_server(server, &base);
    std::fs::create_dir(probe.path().join("environments")).unwrap();
    std::fs::write(
        probe.path().join("environments/development.kdl"),
        format!("url \"{}\"\n", db.environment_url(probe.path())),
    )
    .unwrap();
    write_schema(probe.path(), "");
    let (_, _, stderr) = reconcile(probe.path(), &["plan"]);
    db.close();
    if stderr.contains("not available yet") {
        shout(&format!(
            "SKIPPED: live cases on {server:?}: `reconcile plan` says live {d} is not available yet"
        ));
        return;
    }
    let mut report = Report::default();
    for case in cases().iter().filter(|c| c.dialects.contains(&d)) {
        live(
            case,
            d,
            Some(server),
            &|_| LiveDb::on_server(server, &base),
            &mut report,
        );
    }
    report.finish(&format!("live cases on {server:?}"));
}

#[test]
fn live_mariadb() {
    live_on_server(Server::Mysql, Dialect::Mysql);
}

/// Optional: a real MySQL 9.7 (the 8.x family) when `RECONCILE_TEST_MYSQL8_URL` names one
/// (`.ci/mysql9 start`). The same cases and steps as MariaDB, and the same snapshots.
#[test]
fn live_mysql8() {
    live_on_server(Server::Mysql8, Dialect::Mysql);
}

#[test]
fn live_postgres() {
    live_on_server(Server::Postgres, Dialect::Postgres);
}

// ---------------------------------------------------------------------------------------
// The cases themselves

/// Every case loads (a malformed folder panics naming it), and every `case_*` snapshot
/// belongs to a case and a dialect it names: a removed or renamed case leaves no orphan.
/// A MySQL 9 plan of its own (`_live@mysql8`) must differ from the shared one.
#[test]
fn cases_are_well_formed_and_own_their_snapshots() {
    let cases = cases();
    assert!(!cases.is_empty(), "no case in {}", cases_dir().display());
    let mut expected = std::collections::BTreeSet::new();
    for case in &cases {
        for &d in &case.dialects {
            if current_schema(case, d).is_some() {
                expected.insert(format!("case_{}@{d}.snap", case.name));
            }
            // Live snapshots exist for SQLite today, for the servers once their drivers do.
            expected.insert(format!("case_{}_live@{d}.snap", case.name));
        }
        let own = snapshots_dir().join(format!("case_{}_live@mysql8.snap", case.name));
        if case.dialects.contains(&Dialect::Mysql) && own.is_file() {
            let shared = own.with_file_name(format!("case_{}_live@mysql.snap", case.name));
            assert_ne!(
                std::fs::read_to_string(&own).ok(),
                std::fs::read_to_string(&shared).ok(),
                "{}: the same plan as MariaDB's; remove it",
                own.display()
            );
            expected.insert(format!("case_{}_live@mysql8.snap", case.name));
        }
    }
    let snapshots = snapshots_dir();
    let orphans: Vec<String> = std::fs::read_dir(&snapshots)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|f| f.starts_with("case_") && f.ends_with(".snap"))
        .filter(|f| !expected.contains(f))
        .collect();
    assert!(orphans.is_empty(), "snapshots without a case: {orphans:?}");
}
