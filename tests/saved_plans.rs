//! Saved plans, through the real binary: `plan --out plan.json`, then `apply --plan
//! plan.json` runs exactly those statements; after an out-of-band change to the database, a
//! change of `schema.kdl`, or with another environment, it is refused with nothing changed.
//! The fingerprint check lives in the one orchestrator, so the same steps run on every
//! database: SQLite always, MariaDB and PostgreSQL when their URLs are set and their
//! drivers answer `reconcile plan`.

mod common;

use std::path::Path;

use common::live::LiveDb;
use common::{Server, reconcile, shout};

const V1: &str =
    "table people {\n    column id int primary-key=#true\n    column name string length=50\n}\n";
const V2: &str = "table people {\n    column id int primary-key=#true\n    column name string length=100\n    column email string length=200 nullable=#true\n    index name\n}\n";
const V3: &str = "table people {\n    column id int primary-key=#true\n    column name string length=100\n    column email string length=200 nullable=#true\n    column age int nullable=#true\n    index name\n}\n";

/// `reconcile args` in `dir` must exit `status`; returns (stdout, stderr).
fn run(dir: &Path, args: &[&str], status: i32) -> (String, String) {
    let (got, stdout, stderr) = reconcile(dir, args);
    assert_eq!(
        got,
        status,
        "`reconcile {}`:\n{stdout}{stderr}",
        args.join(" ")
    );
    (stdout, stderr)
}

fn write(dir: &Path, file: &str, text: &str) {
    std::fs::write(dir.join(file), text).unwrap();
}

/// The statements a JSON plan file records.
fn statements(dir: &Path, file: &str) -> Vec<String> {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap();
    v["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["sql"].as_str().unwrap().to_string())
        .collect()
}

/// What the database holds, as `inspect` prints it.
fn inspected(dir: &Path) -> String {
    run(dir, &["inspect"], 0).0
}

/// Every saved-plan step on `db`, in a fresh project at `dir` whose environment names it.
fn saved_plans(dir: &Path, db: &LiveDb) {
    std::fs::create_dir_all(dir.join("environments")).unwrap();
    let url = db.environment_url(dir);
    write(
        dir,
        "environments/development.kdl",
        &format!("url \"{url}\"\ncreate-database #true\n"),
    );
    write(dir, "environments/other.kdl", &format!("url \"{url}\"\n"));
    write(dir, "schema.kdl", V1);
    run(dir, &["apply", "--yes"], 0);
    db.run(&["INSERT INTO people (id, name) VALUES (1, 'ann')".to_string()])
        .unwrap();

    // Saved, then applied exactly.
    write(dir, "schema.kdl", V2);
    let (stdout, stderr) = run(dir, &["plan", "--out", "plan.json"], 0);
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("alter table `people`"), "{stderr}");
    let saved = statements(dir, "plan.json");
    assert!(!saved.is_empty());
    let (shown, _) = run(dir, &["apply", "--plan", "plan.json", "--format", "sql"], 0);
    let ran: Vec<String> = shown
        .lines()
        .filter(|l| !l.starts_with("-- "))
        .collect::<Vec<_>>()
        .join("\n")
        .split(";\n")
        .map(|s| s.trim_end_matches(';').to_string())
        .filter(|s| !s.is_empty())
        .collect();
    assert_eq!(ran, saved, "apply ran other statements than the saved ones");
    run(dir, &["plan", "--exit-code"], 0);
    assert_eq!(
        db.rows("SELECT id, name FROM people").unwrap(),
        ["1|ann"],
        "rows kept"
    );

    // Applied twice: the database has changed since (it is the plan's own work): refused.
    let (_, stderr) = run(dir, &["apply", "--plan", "plan.json"], 1);
    assert!(
        stderr.contains("changed since the plan was saved"),
        "{stderr}"
    );

    // An out-of-band change after the review: refused, nothing changed.
    write(dir, "schema.kdl", V3);
    run(dir, &["plan", "--out", "v3.json"], 0);
    db.run(&["CREATE TABLE intruder (x INT)".to_string()])
        .unwrap();
    let before = inspected(dir);
    let (_, stderr) = run(dir, &["apply", "--plan", "v3.json"], 1);
    assert!(
        stderr.contains("changed since the plan was saved"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was changed"), "{stderr}");
    assert_eq!(
        inspected(dir),
        before,
        "a refused saved plan changed the database"
    );
    db.run(&["DROP TABLE intruder".to_string()]).unwrap();

    // Another environment, even on the same database: refused before connecting.
    let (_, stderr) = run(dir, &["--env", "other", "apply", "--plan", "v3.json"], 1);
    assert!(stderr.contains("is for `development`"), "{stderr}");

    // schema.kdl changed since the plan was saved: the statements differ, refused.
    write(
        dir,
        "schema.kdl",
        &V3.replace("column age int", "column age bigint"),
    );
    let before = inspected(dir);
    let (_, stderr) = run(dir, &["apply", "--plan", "v3.json"], 1);
    assert!(stderr.contains("schema.kdl changed"), "{stderr}");
    assert_eq!(inspected(dir), before);

    // Back to the reviewed schema: the saved plan still applies, exactly.
    write(dir, "schema.kdl", V3);
    run(dir, &["apply", "--plan", "v3.json"], 0);
    run(dir, &["plan", "--exit-code"], 0);
}

#[test]
fn saved_plans_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = LiveDb::Sqlite(dir.path().join("dev.db"));
    saved_plans(dir.path(), &db);
}

/// The same steps on a server, once its driver answers `reconcile plan`.
fn saved_plans_on(server: Server) {
    let Some(base) = server.url() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = LiveDb::on_server(server, &base);
    std::fs::create_dir_all(dir.path().join("environments")).unwrap();
    write(
        dir.path(),
        "environments/development.kdl",
        &format!("url \"{}\"\n", db.environment_url(dir.path())),
    );
    write(dir.path(), "schema.kdl", "");
    let (_, _, stderr) = reconcile(dir.path(), &["plan"]);
    if stderr.contains("not available yet") {
        shout(&format!(
            "SKIPPED: saved plans on {server:?}: the live driver is not available yet"
        ));
        db.close();
        return;
    }
    saved_plans(dir.path(), &db);
    db.close();
}

#[test]
fn saved_plans_on_mariadb() {
    saved_plans_on(Server::Mysql);
}

#[test]
fn saved_plans_on_postgres() {
    saved_plans_on(Server::Postgres);
}

#[test]
fn plans_that_cannot_be_applied_are_refused_with_their_place() {
    let dir = common::sqlite_project(V1);
    let d = dir.path();
    // Made with no database: nothing to compare the database with.
    run(
        d,
        &["plan", "--dialect", "sqlite", "--out", "offline.json"],
        0,
    );
    let (_, stderr) = run(d, &["apply", "--plan", "offline.json"], 1);
    assert!(stderr.contains("made with no database"), "{stderr}");
    // Not JSON, or not a plan: a diagnostic at its line and column.
    write(d, "broken.json", "{\n  \"format_version\": 1,\n  oops\n}\n");
    let (_, stderr) = run(d, &["apply", "--plan", "broken.json"], 1);
    assert!(stderr.contains("broken.json:3:3"), "{stderr}");
    write(d, "text.json", "Plan: 1 change\n");
    let (_, stderr) = run(d, &["apply", "--plan", "text.json"], 1);
    assert!(stderr.contains("not a saved plan"), "{stderr}");
    // Another format version.
    run(d, &["plan", "--out", "plan.json"], 0);
    let text = std::fs::read_to_string(d.join("plan.json")).unwrap();
    write(
        d,
        "v9.json",
        &text.replace("\"format_version\": 1", "\"format_version\": 9"),
    );
    let (_, stderr) = run(d, &["apply", "--plan", "v9.json"], 1);
    assert!(stderr.contains("plan format version 9"), "{stderr}");
    // A missing file.
    let (_, stderr) = run(d, &["apply", "--plan", "nowhere.json"], 1);
    assert!(stderr.contains("nowhere.json"), "{stderr}");
    // None of it touched the database: it was never created.
    assert!(!d.join("dev.db").exists());
}

#[test]
fn plan_out_writes_the_chosen_format() {
    let dir = common::sqlite_project(V1);
    let d = dir.path();
    run(d, &["plan", "--out", "plan.sql", "--format", "sql"], 0);
    let sql = std::fs::read_to_string(d.join("plan.sql")).unwrap();
    assert!(sql.contains("CREATE TABLE \"people\""), "{sql}");
    run(d, &["plan", "--out", "plan.json"], 0);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("plan.json")).unwrap()).unwrap();
    assert_eq!(json["format_version"], 1);
    assert_eq!(json["environment"], "development");
    assert!(
        json["fingerprint"]
            .as_str()
            .is_some_and(|f| f.starts_with("fnv1a64:"))
    );
}
