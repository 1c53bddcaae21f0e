//! `reconcile diff OLD NEW --dialect D`, through the real binary, against the pipeline it
//! shares with `plan`: for every case of `tests/cases/` whose current schema is KDL, on every
//! dialect it names, the diff prints exactly the offline plan (text, SQL and JSON); and on a
//! real database built from the current schema, its statements are the live plan's (SQLite
//! always; MariaDB and PostgreSQL when their URLs are set and their drivers answer).

mod common;

use std::path::Path;

use common::case::{Case, Report, cases};
use common::live::LiveDb;
use common::{Server, reconcile, shout};
use reconcile::dialect::Dialect;
use reconcile::plan::Plan;
use reconcile::project::schema_from_source;

/// The statements of a JSON plan, in order.
fn statements(json: &str) -> Result<Vec<String>, String> {
    let v: serde_json::Value = serde_json::from_str(json).map_err(|e| format!("{e}: {json}"))?;
    Ok(v["statements"]
        .as_array()
        .ok_or("no statements")?
        .iter()
        .map(|s| s["sql"].as_str().unwrap_or_default().to_string())
        .collect())
}

/// What a JSON plan changes, one line per change and kind of table change, without its SQL
/// or the server's spelling of a check: on MySQL the statements name the algorithm of the
/// server they are for (the diff's is the offline MySQL 8.0.19, a live plan's the server's
/// own), so only the changes compare.
fn changes(json: &str) -> Result<Vec<String>, String> {
    let v: serde_json::Value = serde_json::from_str(json).map_err(|e| format!("{e}: {json}"))?;
    let mut out = Vec::new();
    for change in v["changes"].as_array().ok_or("no changes")? {
        out.push(
            change["description"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        );
        for c in change["changes"].as_array().into_iter().flatten() {
            out.push(format!("  {}", c["kind"].as_str().unwrap_or_default()));
        }
    }
    Ok(out)
}

/// The case's current schema as KDL (empty when it starts from nothing); `None` for a case
/// that starts from a hand-made database on `d`.
fn current(case: &Case, d: Dialect) -> Option<String> {
    match case.current_kdl() {
        Some(kdl) => Some(kdl),
        None if case.current_sql(d).is_none() => Some(String::new()),
        None => None,
    }
}

/// `reconcile diff old.kdl new.kdl --dialect d --format f` in `dir`.
fn diff(dir: &Path, d: Dialect, format: &str) -> Result<String, String> {
    let args = [
        "diff",
        "old.kdl",
        "new.kdl",
        "--dialect",
        d.name(),
        "--format",
        format,
    ];
    match reconcile(dir, &args) {
        (0, stdout, _) => Ok(stdout),
        (status, stdout, stderr) => Err(format!("diff exited {status}:\n{stdout}{stderr}")),
    }
}

fn write_pair(dir: &Path, old: &str, new: &str) {
    std::fs::write(dir.join("old.kdl"), old).unwrap();
    std::fs::write(dir.join("new.kdl"), new).unwrap();
}

/// The diff in every format equals `Plan::between` rendered the same way.
fn matches_offline(case: &Case, d: Dialect, old: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    write_pair(dir.path(), old, &case.desired());
    let parse = |s: &str| schema_from_source(s, &[d]).map_err(|e| format!("{e:?}"));
    let plan =
        Plan::between(&parse(old)?, &parse(&case.desired())?, d).map_err(|e| format!("{e:?}"))?;
    for (format, expected) in [
        ("text", plan.text()),
        ("sql", plan.sql()),
        ("json", plan.json()),
    ] {
        let got = diff(dir.path(), d, format)?;
        if got != expected {
            return Err(format!(
                "--format {format} differs from the plan:\n{got}\n---\n{expected}"
            ));
        }
    }
    Ok(())
}

#[test]
fn diff_prints_the_offline_plan_of_every_case() {
    let mut report = Report::default();
    let mut compared = 0;
    for case in cases() {
        for &d in &case.dialects {
            let Some(old) = current(&case, d) else {
                continue;
            };
            compared += 1;
            report.check(
                &case,
                &format!("offline@{d}"),
                matches_offline(&case, d, &old),
            );
        }
    }
    assert!(compared > 100, "only {compared} case pairs compared");
    report.finish("diff = offline plan");
}

/// On `db` (fresh, in the project at `dir`): build the current schema with `apply`, then the
/// live plan's statements must be the diff's.
fn matches_live(case: &Case, d: Dialect, old: &str, dir: &Path, db: &LiveDb) -> Result<(), String> {
    std::fs::create_dir_all(dir.join("environments")).unwrap();
    std::fs::write(
        dir.join("environments/development.kdl"),
        format!(
            "url \"{}\"\ncreate-database #true\n",
            db.environment_url(dir)
        ),
    )
    .unwrap();
    std::fs::write(dir.join("schema.kdl"), old).unwrap();
    if let (status @ 1.., out, err) = reconcile(dir, &["apply", "--yes"]) {
        return Err(format!(
            "building the current schema: exit {status}\n{out}{err}"
        ));
    }
    std::fs::write(dir.join("schema.kdl"), case.desired()).unwrap();
    let read = if d == Dialect::Mysql {
        changes
    } else {
        statements
    };
    let live = match reconcile(dir, &["plan", "--format", "json"]) {
        (0, stdout, _) => read(&stdout)?,
        (status, out, err) => return Err(format!("plan exited {status}\n{out}{err}")),
    };
    write_pair(dir, old, &case.desired());
    let offline = read(&diff(dir, d, "json")?)?;
    if live == offline {
        Ok(())
    } else {
        Err(format!(
            "the live plan and the diff differ:\n  live: {live:#?}\n  diff: {offline:#?}"
        ))
    }
}

/// Every KDL case of dialect `d` on a fresh database from `open`.
fn live_cases(d: Dialect, open: &dyn Fn(&Path) -> LiveDb) {
    let mut report = Report::default();
    for case in cases().iter().filter(|c| c.dialects.contains(&d)) {
        let Some(old) = current(case, d) else {
            continue;
        };
        let project = tempfile::tempdir().unwrap();
        let db = open(project.path());
        let result = matches_live(case, d, &old, project.path(), &db);
        db.close();
        report.check(case, &format!("live@{d}:plan"), result);
    }
    report.finish(&format!("diff = live plan on {d}"));
}

#[test]
fn diff_statements_are_the_live_plans_on_sqlite() {
    live_cases(Dialect::Sqlite, &|dir| LiveDb::Sqlite(dir.join("dev.db")));
}

fn on_server(server: Server, d: Dialect) {
    let Some(base) = server.url() else { return };
    let probe = tempfile::tempdir().unwrap();
    let db = LiveDb::on_server(server, &base);
    std::fs::create_dir(probe.path().join("environments")).unwrap();
    std::fs::write(
        probe.path().join("environments/development.kdl"),
        format!("url \"{}\"\n", db.environment_url(probe.path())),
    )
    .unwrap();
    std::fs::write(probe.path().join("schema.kdl"), "").unwrap();
    let (_, _, stderr) = reconcile(probe.path(), &["plan"]);
    db.close();
    if stderr.contains("not available yet") {
        shout(&format!(
            "SKIPPED: diff = live plan on {server:?}: the live driver is not available yet"
        ));
        return;
    }
    live_cases(d, &|_| LiveDb::on_server(server, &base));
}

#[test]
fn diff_statements_are_the_live_plans_on_mariadb() {
    on_server(Server::Mysql, Dialect::Mysql);
}

#[test]
fn diff_statements_are_the_live_plans_on_postgres() {
    on_server(Server::Postgres, Dialect::Postgres);
}

#[test]
fn diff_exit_codes_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let table = "table t {\n    column id int primary-key=#true\n}\n";
    write_pair(d, table, table);
    let args = [
        "diff",
        "old.kdl",
        "new.kdl",
        "--dialect",
        "mysql",
        "--exit-code",
    ];
    let (status, stdout, _) = reconcile(d, &args);
    assert_eq!(status, 0, "{stdout}");
    assert!(stdout.contains("No changes"), "{stdout}");
    write_pair(d, "", table);
    let (status, stdout, _) = reconcile(d, &args);
    assert_eq!(status, 2, "{stdout}");
    assert!(stdout.contains("+ create table `t`"), "{stdout}");
    // A problem in either file is shown at its file, line and column; nothing is printed.
    write_pair(d, table, "table t {\n    column id nosuchtype\n}\n");
    let (status, stdout, stderr) = reconcile(d, &args);
    assert_eq!(status, 1);
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("new.kdl:2:"), "{stderr}");
    // The dialect's own rules apply: MySQL needs a string length.
    write_pair(d, "", "table t {\n    column name string\n}\n");
    let (status, _, stderr) = reconcile(d, &args);
    assert_eq!(status, 1);
    assert!(stderr.contains("new.kdl:2:"), "{stderr}");
    let (status, _, stderr) = reconcile(
        d,
        &["diff", "missing.kdl", "new.kdl", "--dialect", "sqlite"],
    );
    assert_eq!(status, 1);
    assert!(stderr.contains("missing.kdl"), "{stderr}");
    // No project and no database needed: this folder has neither.
    assert!(!d.join("schema.kdl").exists() && !d.join("environments").exists());
}
