//! Bad input gets a diagnostic naming the file, line and column, exit status 1, and never
//! touches a database. Each case's rendered message is snapshotted.

mod common;

use common::{fixtures, reconcile, settings, sqlite_project};

/// `reconcile check` on each invalid schema; `// check: mysql` picks the dialect's rules.
#[test]
fn invalid_schemas() {
    let cases = fixtures("invalid");
    assert!(cases.len() >= 15, "only {} cases", cases.len());
    for (name, source) in cases {
        let dir = sqlite_project(&source);
        let dialect = source
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("// check: "))
            .unwrap_or("sqlite");
        let (status, stdout, stderr) =
            reconcile(dir.path(), &["check", "--dialect", dialect.trim()]);
        assert_eq!(status, 1, "{name}: {stderr}");
        assert!(stdout.is_empty(), "{name}: {stdout}");
        assert!(
            has_location(&stderr, "schema.kdl"),
            "{name}: no schema.kdl:LINE:COL in\n{stderr}"
        );
        // Bad input never touches the database: plan and apply fail on the schema, before
        // connecting (a MySQL or PostgreSQL case gets an environment whose server does not
        // exist).
        let server_url = match dialect.trim() {
            "mysql" => Some("mysql://u:pw@127.0.0.1:1/db"),
            "postgres" => Some("postgres://u:pw@127.0.0.1:1/db"),
            _ => None,
        };
        if let Some(url) = server_url {
            std::fs::write(
                dir.path().join("environments/development.kdl"),
                format!("url \"{url}\"\n"),
            )
            .unwrap();
        }
        for command in [&["plan"][..], &["apply", "--yes"][..]] {
            let (status, _, stderr) = reconcile(dir.path(), command);
            assert_eq!(status, 1, "{name}: {command:?}");
            assert!(
                has_location(&stderr, "schema.kdl"),
                "{name}: {command:?} did not fail on the schema:\n{stderr}"
            );
        }
        assert!(
            !dir.path().join("dev.db").exists(),
            "{name}: a database was created"
        );
        settings().bind(|| insta::assert_snapshot!(format!("diagnostic_{name}"), stderr));
    }
}

fn has_location(text: &str, file: &str) -> bool {
    text.match_indices(&format!("{file}:")).any(|(i, m)| {
        let rest = &text[i + m.len()..];
        let mut parts = rest.splitn(3, ':');
        let line = parts.next().unwrap_or("");
        let col: String = parts
            .next()
            .unwrap_or("")
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        !line.is_empty() && line.chars().all(|c| c.is_ascii_digit()) && !col.is_empty()
    })
}

const SCHEMA: &str = "table t {\n    column id int primary-key=#true\n}\n";

#[test]
fn bad_environment_files() {
    let cases = [
        (
            "env_unknown_setting",
            "url \"sqlite://x.db\"\nlock-timout 5\n",
        ),
        ("env_syntax", "url \"sqlite://x.db\n"),
        ("env_bad_scheme", "url \"oracle://x\"\n"),
    ];
    for (name, text) in cases {
        let dir = sqlite_project(SCHEMA);
        std::fs::write(dir.path().join("environments/staging.kdl"), text).unwrap();
        let (status, _, stderr) = reconcile(dir.path(), &["--env", "staging", "plan"]);
        assert_eq!(status, 1, "{name}");
        assert!(
            has_location(&stderr, "environments/staging.kdl"),
            "{name}: {stderr}"
        );
        settings().bind(|| insta::assert_snapshot!(format!("diagnostic_{name}"), stderr));
    }
}

#[test]
fn missing_variable_names_it_but_no_value() {
    let dir = sqlite_project(SCHEMA);
    std::fs::write(
        dir.path().join("environments/production.kdl"),
        "url \"mysql://app:${DB_PASSWORD}@${DB_HOST_FOR_TEST_ONLY}:3306/app\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("config.env"),
        "DB_PASSWORD=hunter2-secret\n",
    )
    .unwrap();
    let (status, stdout, stderr) = reconcile(dir.path(), &["--env", "production", "plan"]);
    assert_eq!(status, 1);
    assert!(stderr.contains("DB_HOST_FOR_TEST_ONLY"), "{stderr}");
    assert!(
        !stderr.contains("hunter2") && !stdout.contains("hunter2"),
        "{stderr}"
    );
    assert!(
        has_location(&stderr, "environments/production.kdl"),
        "{stderr}"
    );
    settings().bind(|| insta::assert_snapshot!("diagnostic_env_missing_variable", stderr));
}

#[test]
fn unknown_environment_lists_the_known_ones() {
    let dir = sqlite_project(SCHEMA);
    let (status, _, stderr) = reconcile(dir.path(), &["--env", "prod", "plan"]);
    assert_eq!(status, 1);
    assert!(stderr.contains("development"), "{stderr}");
    settings().bind(|| insta::assert_snapshot!("diagnostic_env_unknown", stderr));
}

#[test]
fn usage_errors_exit_1_and_help_exits_0() {
    let dir = sqlite_project(SCHEMA);
    assert_eq!(reconcile(dir.path(), &["plan", "--format", "yaml"]).0, 1);
    assert_eq!(reconcile(dir.path(), &["frobnicate"]).0, 1);
    let (status, stdout, _) = reconcile(dir.path(), &["plan", "--help"]);
    assert_eq!(status, 0);
    assert!(stdout.contains("--exit-code"), "{stdout}");
}

#[test]
fn password_never_printed_on_connection_failure() {
    let dir = sqlite_project(SCHEMA);
    std::fs::write(
        dir.path().join("environments/production.kdl"),
        "url \"postgres://app:hunter2@127.0.0.1:1/app\"\n",
    )
    .unwrap();
    let (status, stdout, stderr) = reconcile(dir.path(), &["--env", "production", "plan"]);
    assert_eq!(status, 1);
    assert!(
        !stderr.contains("hunter2") && !stdout.contains("hunter2"),
        "{stderr}"
    );
}
