//! Where a command goes, through the real binary: SQLite URLs as SQLAlchemy writes them,
//! SQLAlchemy's `+driver` schemes, credentials as their own settings, databases created only
//! when told, the target named in every plan and prompt, `--yes` off a terminal, closed
//! streams, `check` of every environment file, and `diff` from standard input or a pipe.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::live::block_on;
use common::{Server, TempDb, reconcile, reconcile_with, sqlite_project, unique_name};

const SCHEMA: &str = "table users {\n    column id bigint primary-key=#true\n    column email string length=200\n}\n";

fn write(dir: &Path, file: &str, text: &str) {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The folder as the binary prints it (tempdirs may sit behind a symlink).
fn absolute(dir: &Path, file: &str) -> String {
    std::path::absolute(dir.join(file))
        .unwrap()
        .display()
        .to_string()
}

#[test]
fn sqlalchemy_sqlite_urls_are_relative_to_the_project() {
    for (url, file) in [
        ("sqlite:///app.db", "app.db"),
        ("sqlite://app.db", "app.db"),
        ("sqlite+aiosqlite:///data/app.db", "data/app.db"),
    ] {
        let dir = sqlite_project(SCHEMA);
        std::fs::create_dir_all(dir.path().join("data")).unwrap();
        write(
            dir.path(),
            "environments/development.kdl",
            &format!("url \"{url}\"\ncreate-database #true\n"),
        );
        let (status, _, stderr) = reconcile(dir.path(), &["apply"]);
        assert_eq!(status, 0, "{url}: {stderr}");
        assert!(dir.path().join(file).is_file(), "{url}: no {file}");
        let shown = absolute(dir.path(), file);
        assert!(
            stderr.contains(&format!("Apply to `development` ({shown})")),
            "{url}: the target is not named:\n{stderr}"
        );
        let (status, stdout, stderr) = reconcile(dir.path(), &["plan", "--exit-code"]);
        assert_eq!(status, 0, "{url}: {stdout}{stderr}");
        assert!(
            stderr.contains(&format!("Plan for `development` ({shown}):")),
            "{stderr}"
        );
    }
    // Four slashes: an absolute path, anywhere.
    let elsewhere = tempfile::tempdir().unwrap();
    let db = elsewhere.path().join("abs.db");
    let dir = sqlite_project(SCHEMA);
    write(
        dir.path(),
        "environments/development.kdl",
        &format!(
            "url \"sqlite:///{}\"\ncreate-database #true\n",
            db.display()
        ),
    );
    let (status, _, stderr) = reconcile(dir.path(), &["apply"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(db.is_file(), "{stderr}");
}

#[test]
fn a_relative_path_outside_the_project_is_refused() {
    let dir = sqlite_project(SCHEMA);
    for url in ["sqlite://../x.db", "sqlite:///data/../../x.db"] {
        write(
            dir.path(),
            "environments/development.kdl",
            &format!("url \"{url}\"\ncreate-database #true\n"),
        );
        for args in [&["plan"][..], &["apply"], &["check"]] {
            let (status, stdout, stderr) = reconcile(dir.path(), args);
            assert_eq!(status, 1, "{url} {args:?}: {stdout}{stderr}");
            assert!(
                stderr.contains("environments/development.kdl:1:5")
                    && stderr.contains("leaves the project folder")
                    && stderr.contains("sqlite:////"),
                "{url} {args:?}:\n{stderr}"
            );
        }
        assert!(!dir.path().parent().unwrap().join("x.db").exists());
    }
}

#[test]
fn apply_creates_no_sqlite_file_unless_told() {
    let dir = sqlite_project(SCHEMA);
    write(
        dir.path(),
        "environments/development.kdl",
        "url \"sqlite:///dev.db\"\n",
    );
    let (status, stdout, stderr) = reconcile(dir.path(), &["plan"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(
        stderr.contains("does not exist yet") && stderr.contains("--create-database"),
        "plan says what apply would do:\n{stderr}"
    );
    assert!(
        !stdout.contains("Note:"),
        "notes go to standard error: {stdout}"
    );
    let (status, _, stderr) = reconcile(dir.path(), &["apply"]);
    assert_eq!(status, 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "the SQLite file {} does not exist; nothing was changed",
            absolute(dir.path(), "dev.db")
        )) && stderr.contains("environments/development.kdl"),
        "{stderr}"
    );
    assert!(!dir.path().join("dev.db").exists());
    let (status, stdout, stderr) = reconcile(
        dir.path(),
        &["apply", "--create-database", "--format", "json"],
    );
    assert_eq!(status, 0, "{stderr}");
    assert!(stderr.contains("Created the SQLite file"), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["created_database"], true, "{report:#}");
    assert_eq!(report["result"]["status"], "applied", "{report:#}");
    let (status, stdout, stderr) = reconcile(dir.path(), &["apply", "--format", "json"]);
    assert_eq!(status, 0, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["created_database"], false, "{report:#}");
}

/// A mistyped database name on a server is refused, naming the database and the server,
/// and nothing is created; `--create-database` creates it.
#[test]
fn apply_creates_no_server_database_unless_told() {
    for server in [Server::Mysql, Server::Postgres, Server::Mysql8] {
        let Some(base) = server.url() else { continue };
        // The test database exists only to have somewhere to check from; the target is
        // another name on the same server.
        let probe = block_on(TempDb::create(server, &base));
        let missing = unique_name("missing");
        let dir = sqlite_project(SCHEMA);
        write(
            dir.path(),
            "environments/production.kdl",
            &format!("url \"{base}/{missing}\"\n"),
        );
        let (status, _, stderr) = reconcile(dir.path(), &["--env", "production", "apply", "--yes"]);
        assert_eq!(status, 1, "{server:?}: {stderr}");
        assert!(
            stderr.contains(&format!("the database `{missing}` on 127.0.0.1:"))
                && stderr.contains("does not exist; nothing was changed")
                && stderr.contains("environments/production.kdl"),
            "{server:?}:\n{stderr}"
        );
        let (status, _, stderr) = reconcile(
            dir.path(),
            &["--env", "production", "apply", "--yes", "--create-database"],
        );
        assert_eq!(status, 0, "{server:?}: {stderr}");
        assert!(stderr.contains("Created the database"), "{stderr}");
        let (status, stdout, stderr) =
            reconcile(dir.path(), &["--env", "production", "plan", "--exit-code"]);
        assert_eq!(status, 0, "{server:?}: {stdout}{stderr}");
        let drop = match server {
            Server::Postgres => format!("DROP DATABASE {missing} WITH (FORCE)"),
            _ => format!("DROP DATABASE {missing}"),
        };
        block_on(probe.execute_all(&[drop])).unwrap();
        block_on(probe.drop_now());
    }
}

#[test]
fn off_a_terminal_only_development_applies_unasked() {
    let dir = sqlite_project(SCHEMA);
    write(
        dir.path(),
        "environments/production.kdl",
        "url \"sqlite:///prod.db\"\ncreate-database #true\n",
    );
    // `reconcile` runs with standard input not a terminal (a pipe from the test).
    let (status, _, stderr) = reconcile(dir.path(), &["apply"]);
    assert_eq!(status, 0, "development applies unasked: {stderr}");
    assert!(
        stderr.contains("applying to `development` without asking"),
        "{stderr}"
    );
    let (status, _, stderr) =
        reconcile_with(dir.path(), &["apply"], &[("RECONCILE_ENV", "production")]);
    assert_eq!(status, 1, "{stderr}");
    assert!(
        stderr.contains("cannot ask before changing `production` (from RECONCILE_ENV)")
            && stderr.contains("--yes"),
        "{stderr}"
    );
    assert!(!dir.path().join("prod.db").exists(), "nothing was changed");
    let (status, _, stderr) = reconcile(dir.path(), &["--env", "production", "apply", "--yes"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(dir.path().join("prod.db").exists(), "{stderr}");
}

#[test]
fn an_unknown_environment_says_what_named_it() {
    let dir = sqlite_project(SCHEMA);
    let (status, _, stderr) = reconcile_with(dir.path(), &["plan"], &[("RECONCILE_ENV", "nope")]);
    assert_eq!(status, 1);
    assert!(
        stderr.contains("unknown environment `nope` (from RECONCILE_ENV)")
            && stderr.contains("development"),
        "{stderr}"
    );
    let (status, _, stderr) = reconcile(dir.path(), &["--env", "nope", "plan"]);
    assert_eq!(status, 1);
    assert!(
        stderr.contains("unknown environment `nope`") && !stderr.contains("RECONCILE_ENV"),
        "{stderr}"
    );
}

/// Every write goes through streams that may be closed: apply commits, exits 0, and the
/// next plan is empty, whether standard error is a closed pipe (`| head`) or closed (`2>&-`).
#[test]
fn a_closed_standard_error_never_panics() {
    let dir = sqlite_project(SCHEMA);
    let binary = env!("CARGO_BIN_EXE_reconcile");
    let mut schema = SCHEMA.to_string();
    for i in 0..5 {
        schema.push_str(&format!(
            "table t{i} {{\n    column id int primary-key=#true\n}}\n"
        ));
        write(dir.path(), "schema.kdl", &schema);
        let mut child = Command::new(binary)
            .args(["apply", "--format", "sql"])
            .current_dir(dir.path())
            .env_remove("RECONCILE_ENV")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Both pipes closed before the binary writes a byte.
        drop(child.stdout.take());
        drop(child.stderr.take());
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "run {i}: {status:?}");
        let (status, stdout, stderr) = reconcile(dir.path(), &["plan", "--exit-code"]);
        assert_eq!(status, 0, "run {i} did not converge: {stdout}{stderr}");
    }
    for (script, expected) in [
        (format!("{binary} apply 2>&-"), 0),
        (format!("{binary} apply 2>&1 | head -c 1 >/dev/null"), 0),
        (format!("{binary} --env nope plan 2>&-"), 1),
    ] {
        let status = Command::new("bash")
            .args(["-c", &format!("set -o pipefail; {script}; echo $? >status")])
            .current_dir(dir.path())
            .env_remove("RECONCILE_ENV")
            .status()
            .unwrap();
        assert!(status.success(), "{script}");
        let code = std::fs::read_to_string(dir.path().join("status")).unwrap();
        // `head` closing the pipe early may make bash report 141 (SIGPIPE) for the writer
        // only if it died of the signal; reconcile ignores SIGPIPE, so it never does.
        assert_eq!(code.trim(), expected.to_string(), "{script}");
    }
}

#[test]
fn sqlalchemy_driver_schemes_are_read_without_the_driver() {
    let dir = sqlite_project(SCHEMA);
    for url in [
        "mysql+aiomysql://app:${DB_PASSWORD}@db.internal:3306/shop",
        "mysql+pymysql://app:${DB_PASSWORD}@db.internal/shop",
        "postgresql+psycopg://app:${DB_PASSWORD}@db.internal/shop",
        "postgresql+asyncpg://app@db.internal:5432/shop",
    ] {
        write(
            dir.path(),
            "environments/x.kdl",
            &format!("url \"{url}\"\n"),
        );
        let (status, _, stderr) = reconcile_with(dir.path(), &["check"], &[("DB_PASSWORD", "pw")]);
        assert_eq!(status, 0, "{url}: {stderr}");
        assert!(
            stderr.contains("environments/x.kdl is valid"),
            "{url}: {stderr}"
        );
    }
    write(
        dir.path(),
        "environments/x.kdl",
        "url \"oracle+cx_oracle://app@db/shop\"\n",
    );
    let (status, _, stderr) = reconcile(dir.path(), &["--env", "x", "plan"]);
    assert_eq!(status, 1);
    assert!(
        stderr.contains("scheme (`oracle:`) names no supported database")
            && stderr.contains("environments/x.kdl:1:5"),
        "the unknown scheme is named: {stderr}"
    );
}

/// Live: a SQLAlchemy URL with a `+driver`, and credentials with every character that a URL
/// would need encoded, given as their own settings: plan, apply and plan converge.
#[test]
fn credentials_as_settings_need_no_encoding() {
    let Some(base) = Server::Mysql.url() else {
        return;
    };
    let db = block_on(TempDb::create(Server::Mysql, &base));
    let user = unique_name("u");
    let password = "p@ss:w/rd#1?%x ü";
    block_on(common::exec_on_server(
        Server::Mysql,
        &base,
        &[
            format!("CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'"),
            format!("GRANT ALL ON `{}`.* TO '{user}'@'%'", db.name),
        ],
    ))
    .unwrap();
    let host = url::Url::parse(&base).unwrap();
    let authority = format!(
        "{}:{}",
        host.host_str().unwrap(),
        host.port().unwrap_or(3306)
    );
    let dir = sqlite_project(SCHEMA);
    write(
        dir.path(),
        "environments/production.kdl",
        &format!(
            "url \"mysql+aiomysql://${{DB_HOST}}/{}\"\nuser \"${{DB_USER}}\"\npassword \"${{DB_PASSWORD}}\"\n",
            db.name
        ),
    );
    let vars = [
        ("DB_HOST", authority.as_str()),
        ("DB_USER", user.as_str()),
        ("DB_PASSWORD", password),
    ];
    let run = |args: &[&str]| {
        let mut all = vec!["--env", "production"];
        all.extend(args);
        let (status, stdout, stderr) = reconcile_with(dir.path(), &all, &vars);
        assert!(
            !stdout.contains(password) && !stderr.contains(password),
            "the password is shown: {stdout}{stderr}"
        );
        (status, stdout, stderr)
    };
    let (status, _, stderr) = run(&["apply", "--yes"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(
        stderr.contains("SQLAlchemy driver `aiomysql`") && stderr.contains(&user),
        "{stderr}"
    );
    let (status, stdout, stderr) = run(&["plan", "--exit-code"]);
    assert_eq!(status, 0, "{stdout}{stderr}");
    block_on(common::exec_on_server(
        Server::Mysql,
        &base,
        &[format!("DROP USER '{user}'@'%'")],
    ))
    .unwrap();
    block_on(db.drop_now());
}

/// A URL that breaks once substituted (a `/` in a password, a letter in a port) names the
/// file, the setting and the variables, never their values, and says how to fix it.
#[test]
fn a_url_that_does_not_parse_names_its_variables() {
    let dir = sqlite_project(SCHEMA);
    write(
        dir.path(),
        "environments/production.kdl",
        "url \"mysql://app:${DB_PASSWORD}@db.internal:${DB_PORT}/shop\"\n",
    );
    for (password, port) in [("pa/ss#wd-Secret9", "3306"), ("plain-Secret9", "33o8")] {
        let (status, stdout, stderr) = reconcile_with(
            dir.path(),
            &["--env", "production", "plan"],
            &[("DB_PASSWORD", password), ("DB_PORT", port)],
        );
        assert_eq!(status, 1, "{stdout}{stderr}");
        assert!(
            stderr.contains("environments/production.kdl:1:5")
                && stderr
                    .contains("the url does not parse after substituting `DB_PASSWORD`, `DB_PORT`")
                && stderr.contains("percent-encoded")
                && stderr.contains("password \"${DB_PASSWORD}\""),
            "{stderr}"
        );
        assert!(
            !stderr.contains("Secret9") && !stderr.contains("33o8"),
            "{stderr}"
        );
    }
}

#[test]
fn check_validates_every_environment_file() {
    let dir = sqlite_project(SCHEMA);
    let (status, _, stderr) = reconcile(dir.path(), &["check"]);
    assert_eq!(status, 0, "{stderr}");
    for (text, expected) in [
        ("url sqlite://x.db\n", "is not quoted"),
        (
            "url \"sqlite://x.db\"\nlock-timout 5\n",
            "did you mean `lock-timeout`?",
        ),
        (
            "url \"mysql://app:${NO_SUCH_VAR_9}@h/db\"\n",
            "`NO_SUCH_VAR_9` has no value",
        ),
    ] {
        write(dir.path(), "environments/staging.kdl", text);
        let (status, _, stderr) = reconcile(dir.path(), &["check"]);
        assert_eq!(status, 1, "{text}: {stderr}");
        assert!(
            stderr.contains(expected) && stderr.contains("environments/staging.kdl:"),
            "{text}: {stderr}"
        );
    }
    // Variables that the example file gives are enough: CI has no credentials.
    write(
        dir.path(),
        "environments/staging.kdl",
        "url \"mysql://${DB_HOST}/app\"\nuser \"${DB_USER}\"\npassword \"${DB_PASSWORD}\"\n",
    );
    write(
        dir.path(),
        "config.env.example",
        "DB_HOST=db\nDB_USER=app\nDB_PASSWORD=x\n",
    );
    let (status, _, stderr) = reconcile(dir.path(), &["check"]);
    assert_eq!(status, 0, "{stderr}");
}

#[test]
fn a_dotenv_problem_is_headed_with_the_dotenv_file() {
    let dir = sqlite_project(SCHEMA);
    write(
        dir.path(),
        "environments/production.kdl",
        "url \"mysql://app:${DB_PASSWORD}@db/shop\"\n",
    );
    write(
        dir.path(),
        "config.env",
        "DB_PASSWORD=x\nthis is not a line\n",
    );
    let (status, _, stderr) = reconcile(dir.path(), &["--env", "production", "plan"]);
    assert_eq!(status, 1);
    assert!(stderr.contains("config.env has a problem"), "{stderr}");
}

#[test]
fn diff_reads_standard_input_and_pipes() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "old.kdl",
        "table users {\n    column id bigint primary-key=#true\n}\n",
    );
    write(dir.path(), "new.kdl", SCHEMA);
    let binary = env!("CARGO_BIN_EXE_reconcile");
    let run = |script: &str| {
        let out = Command::new("bash")
            .args(["-c", script])
            .current_dir(dir.path())
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let expected = run(&format!("{binary} diff old.kdl new.kdl --dialect sqlite")).1;
    assert!(expected.contains("add column `email`"), "{expected}");
    for script in [
        format!("{binary} diff - new.kdl --dialect sqlite < old.kdl"),
        format!("{binary} diff <(cat old.kdl) new.kdl --dialect sqlite"),
    ] {
        let (status, stdout, stderr) = run(&script);
        assert_eq!(status, Some(0), "{script}: {stderr}");
        assert_eq!(stdout, expected, "{script}");
    }
    let (status, stdout, _) = run(&format!("{binary} diff new.kdl new.kdl --dialect mysql"));
    assert_eq!(status, Some(0));
    assert_eq!(stdout, "No changes: the two schemas match.\n");
    let (status, _, stderr) = run(&format!("{binary} diff - - --dialect mysql </dev/null"));
    assert_eq!(status, Some(1));
    assert!(stderr.contains("only one of OLD and NEW"), "{stderr}");
}

#[test]
fn an_empty_schema_says_it_declares_no_tables() {
    let dir = sqlite_project(SCHEMA);
    let (status, _, stderr) = reconcile(dir.path(), &["apply"]);
    assert_eq!(status, 0, "{stderr}");
    write(dir.path(), "schema.kdl", "");
    let (status, _, stderr) = reconcile(dir.path(), &["plan"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(stderr.contains("schema.kdl declares no tables"), "{stderr}");
}

#[test]
fn the_postgres_script_runs_in_one_transaction() {
    let dir = sqlite_project(SCHEMA);
    let (status, stdout, stderr) = reconcile(
        dir.path(),
        &["plan", "--dialect", "postgres", "--format", "sql"],
    );
    assert_eq!(status, 0, "{stderr}");
    assert!(
        stdout.starts_with("BEGIN;\n") && stdout.ends_with("COMMIT;\n"),
        "{stdout}"
    );
}

/// `plan --format json` and `apply --format json` write the plan's keys in the same order.
#[test]
fn plan_and_apply_json_keep_one_key_order() {
    let dir = sqlite_project(SCHEMA);
    let keys = |text: &str| -> Vec<String> {
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        value.as_object().unwrap().keys().cloned().collect()
    };
    let (_, plan, _) = reconcile(dir.path(), &["plan", "--format", "json"]);
    let (status, apply, stderr) = reconcile(dir.path(), &["apply", "--format", "json"]);
    assert_eq!(status, 0, "{stderr}");
    let plan = keys(&plan);
    let apply = keys(&apply);
    assert_eq!(plan.first().map(String::as_str), Some("format_version"));
    assert_eq!(apply[..plan.len()], plan[..], "{apply:?}");
}

/// A destructive drop shows what it discards: the rows of a dropped table and the values
/// (non-NULL) of a dropped column, counted on the live database, in the plan and in the
/// refusal; the count informs, the destructive gate decides.
#[test]
fn a_drop_shows_the_rows_it_discards() {
    let dir = sqlite_project(
        "table t {\n    column id int primary-key=#true\n    column a string length=10 nullable=#true\n}\ntable u {\n    column id int primary-key=#true\n}\n",
    );
    let (status, _, stderr) = reconcile(dir.path(), &["apply"]);
    assert_eq!(status, 0, "{stderr}");
    common::sqlite::exec(
        &dir.path().join("dev.db"),
        "INSERT INTO t VALUES (1, 'x'), (2, NULL), (3, 'y');
         INSERT INTO u VALUES (1), (2), (3), (4);",
    );
    write(
        dir.path(),
        "schema.kdl",
        "table t {\n    column id int primary-key=#true\n}\n",
    );
    let (status, plan, stderr) = reconcile(dir.path(), &["plan"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(
        plan.contains("! dropping `t.a` discards its values: 2 row(s)")
            && plan.contains("! dropping `u` discards its rows: 4 row(s)")
            && plan.contains("Plan: 2 changes, 2 destructive.\n"),
        "{plan}"
    );
    let (_, json, _) = reconcile(dir.path(), &["plan", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let counted: Vec<(i64, bool)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rows"].as_i64().unwrap(),
                f["blocking"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(counted, [(2, false), (4, false)]);
    let (status, _, stderr) = reconcile(dir.path(), &["apply"]);
    assert_eq!(status, 1);
    assert!(
        stderr.contains("dropping `u` discards its rows: 4 row(s)"),
        "{stderr}"
    );
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--allow-destructive"]);
    assert_eq!(status, 0, "{stderr}");
    let rows = common::sqlite::rows(&dir.path().join("dev.db"), "SELECT id FROM t ORDER BY id");
    assert_eq!(rows, ["1", "2", "3"]);
}

/// A cause is printed once: under its error (miette's `╰─▶`), not also in its sentence.
#[test]
fn a_cause_is_printed_once() {
    let dir = sqlite_project(SCHEMA);
    let (status, _, stderr) = reconcile(
        dir.path(),
        &["diff", "missing.kdl", "schema.kdl", "--dialect", "mysql"],
    );
    assert_eq!(status, 1);
    assert!(stderr.contains("cannot read `missing.kdl`"), "{stderr}");
    assert_eq!(
        stderr.matches("No such file or directory").count(),
        1,
        "{stderr}"
    );
    let (status, _, stderr) = reconcile(dir.path(), &["plan", "--out", "no/such/dir/plan.json"]);
    assert_eq!(status, 1);
    assert_eq!(
        stderr.matches("No such file or directory").count(),
        1,
        "{stderr}"
    );
}

/// A saved plan refused because the database moved on says why, and never that nothing is
/// to be done ("No changes" is for a plan that ran).
#[test]
fn a_refused_saved_plan_does_not_say_no_changes() {
    let dir = sqlite_project(SCHEMA);
    let (status, _, stderr) = reconcile(dir.path(), &["plan", "--out", "plan.json"]);
    assert_eq!(status, 0, "{stderr}");
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--plan", "plan.json"]);
    assert_eq!(status, 0, "{stderr}");
    let (status, stdout, stderr) = reconcile(dir.path(), &["apply", "--plan", "plan.json"]);
    assert_eq!(status, 1, "{stderr}");
    assert!(
        stderr.contains("changed since the plan was saved"),
        "{stderr}"
    );
    assert!(
        !format!("{stdout}{stderr}").contains("No changes"),
        "{stdout}{stderr}"
    );
}
