//! A password never appears in any output: every command, run by the real binary, on every
//! way a password can reach it (inline in any URL form, as a query parameter, from
//! `config.env`, from the process environment) and on every failure reachable without a
//! server (bad environment file, missing variable, unknown setting, bad scheme, an
//! unreachable MySQL or PostgreSQL on 127.0.0.1 port 1). Only the password's absence and the
//! exit status are asserted, so the messages may change as the live drivers arrive.

mod common;

use common::{reconcile_with, sqlite_project};

const PASSWORD: &str = "Hunter2-S3cret-Pw";

const SCHEMA: &str = "table users {\n    column id bigint primary-key=#true auto-increment=#true\n    column email string length=200\n}\n";

struct Case {
    name: &'static str,
    /// `environments/target.kdl`.
    environment: String,
    config_env: Option<String>,
    vars: Vec<(&'static str, &'static str)>,
}

/// The cases whose environment file is valid (`check` passes): only their server is missing.
const VALID: &[&str] = &[
    "mysql inline",
    "mariadb inline",
    "postgres inline",
    "postgresql inline",
    "query password",
    "query pwd",
    "query pass",
    "query sslpassword",
    "from config.env",
    "from the process environment",
    "query password from a variable",
    "scratch-url inline",
];

fn case(name: &'static str, environment: &str) -> Case {
    Case {
        name,
        environment: environment.replace("{PW}", PASSWORD),
        config_env: None,
        vars: Vec::new(),
    }
}

fn cases() -> Vec<Case> {
    let mut out = vec![
        case("mysql inline", "url \"mysql://app:{PW}@127.0.0.1:1/app\"\n"),
        case(
            "mariadb inline",
            "url \"mariadb://app:{PW}@127.0.0.1:1/app\"\n",
        ),
        case(
            "postgres inline",
            "url \"postgres://app:{PW}@127.0.0.1:1/app\"\n",
        ),
        case(
            "postgresql inline",
            "url \"postgresql://app:{PW}@127.0.0.1:1/app?sslmode=disable\"\n",
        ),
        case("one slash", "url \"postgres:/app:{PW}@127.0.0.1:1/app\"\n"),
        case("no slash", "url \"mysql:app:{PW}@127.0.0.1:1/app\"\n"),
        case(
            "three slashes",
            "url \"postgres:///app:{PW}@127.0.0.1:1/app\"\n",
        ),
        case(
            "query password",
            "url \"mysql://app@127.0.0.1:1/app?password={PW}\"\n",
        ),
        case(
            "query pwd",
            "url \"mysql://app@127.0.0.1:1/app?ssl-mode=DISABLED&PWD={PW}\"\n",
        ),
        case(
            "query pass",
            "url \"postgres://app@127.0.0.1:1/app?Pass={PW}\"\n",
        ),
        case(
            "query sslpassword",
            "url \"postgres://app@127.0.0.1:1/app?sslpassword={PW}\"\n",
        ),
        case(
            "unparseable",
            "url \"mysql://app:{PW}/x@127.0.0.1:1/app\"\n",
        ),
        case(
            "unknown setting",
            "url \"mysql://app:{PW}@127.0.0.1:1/app\"\nlock-timout 5\n",
        ),
        case(
            "syntax error",
            "url \"mysql://app:{PW}@127.0.0.1:1/app\" (\n",
        ),
        case(
            "missing variable",
            "url \"mysql://app:{PW}@${MISSING_HOST_FOR_TEST}/app\"\n",
        ),
        case("bad scheme", "url \"oracle://app:{PW}@127.0.0.1:1/app\"\n"),
        case(
            "scratch-url inline",
            "url \"mysql://app@127.0.0.1:1/app\"\nscratch-url \"mysql://app:{PW}@127.0.0.1:1/app_scratch\"\n",
        ),
        case(
            "scratch-url of another family",
            "url \"postgres://app:{PW}@127.0.0.1:1/app\"\nscratch-url \"mysql://app:{PW}@127.0.0.1:1/s\"\n",
        ),
        case(
            "scratch-url for sqlite",
            "url \"sqlite://dev.db\"\nscratch-url \"mysql://app:{PW}@127.0.0.1:1/s\"\n",
        ),
        case("unquoted url", "url mysql://app:{PW}@127.0.0.1:1/app\n"),
        case(
            "url twice",
            "url \"mysql://app:{PW}@127.0.0.1:1/app\"\nurl \"postgres://x@h/db\"\n",
        ),
        case(
            "extra value",
            "url \"mysql://app:{PW}@127.0.0.1:1/app\" \"x\"\n",
        ),
        case(
            "property",
            "url \"mysql://app:{PW}@127.0.0.1:1/app\" timeout=5\n",
        ),
        case(
            "in a comment",
            "// old: mysql://app:{PW}@old-host/app\nurl \"sqlite://dev.db\"\nbogus 1\n",
        ),
        case(
            "raw string",
            "url #\"mysql://app:{PW}@127.0.0.1:1/app\"#\nbogus 1\n",
        ),
    ];
    let from_variable = "url \"mysql://app:${DB_PASSWORD}@127.0.0.1:1/app\"\n";
    let mut c = case("from config.env", from_variable);
    c.config_env = Some(format!("DB_USER=app\nDB_PASSWORD={PASSWORD}\n"));
    out.push(c);
    let mut c = case("from the process environment", from_variable);
    c.vars = vec![("DB_PASSWORD", PASSWORD)];
    out.push(c);
    let mut c = case(
        "query password from a variable",
        "url \"postgres://app@127.0.0.1:1/app?password=${DB_PASSWORD}\"\n",
    );
    c.vars = vec![("DB_PASSWORD", PASSWORD)];
    out.push(c);
    let mut c = case(
        "bad config.env line",
        "url \"mysql://app:${DB_PASSWORD:-x}@127.0.0.1:1/app\"\n",
    );
    c.config_env = Some(format!("DB_PASSWORD {PASSWORD}\n"));
    out.push(c);
    let mut c = case("config.env value with a reference", from_variable);
    c.config_env = Some(format!("DB_PASSWORD={PASSWORD}${{X}}\n"));
    out.push(c);
    let mut c = case("variable with a bad dotenv", from_variable);
    c.environment.push_str("dotenv \"missing.env\"\n");
    c.vars = vec![("DB_PASSWORD", PASSWORD)];
    out.push(c);
    out
}

fn commands() -> Vec<Vec<&'static str>> {
    vec![
        vec!["plan"],
        vec!["plan", "--format", "sql"],
        vec!["plan", "--format", "json"],
        vec!["plan", "--exit-code"],
        vec!["apply", "--yes"],
        vec!["apply", "--yes", "--allow-destructive"],
        vec!["inspect"],
        vec!["check"],
        vec!["plan", "--out", "saved.json"],
        vec!["apply", "--plan", "saved.json"],
        vec!["plan", "--format", "dot"],
        vec!["plan", "--format", "mermaid"],
        vec!["apply", "--yes", "--format", "sql"],
        vec!["apply", "--yes", "--format", "json"],
    ]
}

/// Every file a command may have written in the project (a saved plan) is free of `secret`.
fn files_hold_no(dir: &std::path::Path, secret: &str) {
    for file in ["saved.json"] {
        if let Ok(text) = std::fs::read_to_string(dir.join(file)) {
            assert!(!text.contains(secret), "{file} holds the password:\n{text}");
        }
    }
}

#[test]
fn the_password_never_appears() {
    for c in cases() {
        let dir = sqlite_project(SCHEMA);
        std::fs::write(dir.path().join("environments/target.kdl"), &c.environment).unwrap();
        if let Some(text) = &c.config_env {
            std::fs::write(dir.path().join("config.env"), text).unwrap();
        }
        for command in commands() {
            let mut args = vec!["--env", "target"];
            args.extend(&command);
            let (status, stdout, stderr) = reconcile_with(dir.path(), &args, &c.vars);
            let shown = format!("{stdout}{stderr}");
            assert!(
                !shown.contains(PASSWORD),
                "{}: {command:?} printed the password:\n{shown}",
                c.name
            );
            files_hold_no(dir.path(), PASSWORD);
            // `check` validates the environment files; nothing else reaches a server here.
            let expected_ok = command == ["check"] && VALID.contains(&c.name);
            assert_eq!(
                status == 0,
                expected_ok,
                "{}: {command:?} exited {status}:\n{shown}",
                c.name
            );
        }
    }
}

/// Another environment holds a password; the default one (SQLite) works and never shows it,
/// and `check`, which reads every environment's dialect, does not either.
#[test]
fn another_environments_password_never_appears() {
    let dir = sqlite_project(SCHEMA);
    std::fs::write(
        dir.path().join("environments/production.kdl"),
        format!("url \"mysql://app:{PASSWORD}@127.0.0.1:1/app\"\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("config.env"),
        format!("DB_PASSWORD={PASSWORD}\n"),
    )
    .unwrap();
    for command in commands() {
        let (status, stdout, stderr) = reconcile_with(dir.path(), &command, &[]);
        let shown = format!("{stdout}{stderr}");
        assert!(!shown.contains(PASSWORD), "{command:?}:\n{shown}");
        files_hold_no(dir.path(), PASSWORD);
        let expected = if command.contains(&"--exit-code") {
            2
        } else {
            0
        };
        assert_eq!(status, expected, "{command:?}:\n{shown}");
    }
}

#[test]
fn percent_encoded_passwords_never_appear_either_way() {
    let dir = sqlite_project(SCHEMA);
    std::fs::write(
        dir.path().join("environments/target.kdl"),
        "url \"postgres://app:Zz9%40Qq7-pw@127.0.0.1:1/app\"\nbogus 1\n",
    )
    .unwrap();
    for command in commands() {
        let mut args = vec!["--env", "target"];
        args.extend(&command);
        let (_, stdout, stderr) = reconcile_with(dir.path(), &args, &[]);
        let shown = format!("{stdout}{stderr}");
        assert!(
            !shown.contains("Zz9%40Qq7-pw") && !shown.contains("Zz9@Qq7-pw"),
            "{command:?}:\n{shown}"
        );
        files_hold_no(dir.path(), "Zz9%40Qq7-pw");
        files_hold_no(dir.path(), "Zz9@Qq7-pw");
    }
}
