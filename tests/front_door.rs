//! The front door, through the real binary: `init` in an empty folder, the message in a
//! folder with no project, apply without a terminal, `apply --format sql`, completions,
//! every command's `--help` (pinned), and NO_COLOR.

mod common;

use std::path::Path;

use common::{reconcile, reconcile_with, settings, sqlite_project};

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn init_then_apply_then_plan_converges() {
    let dir = tempfile::tempdir().unwrap();
    let (status, _, stderr) = reconcile(dir.path(), &["init"]);
    assert_eq!(status, 0, "{stderr}");
    for file in [
        "schema.kdl",
        "environments/development.kdl",
        "environments/production.kdl",
        "config.env.example",
        ".gitignore",
    ] {
        assert!(dir.path().join(file).is_file(), "{file} missing:\n{stderr}");
    }
    assert!(
        read(dir.path(), ".gitignore")
            .lines()
            .any(|l| l == "config.env")
    );
    let production = read(dir.path(), "environments/production.kdl");
    for var in [
        "DB_USER",
        "DB_PASSWORD",
        "DB_HOST",
        "DB_PORT",
        "DB_DATABASE",
    ] {
        assert!(production.contains(&format!("${{{var}}}")), "{production}");
    }
    assert!(production.contains("url \"mysql://"), "{production}");
    // The new project is valid for every database its environments name.
    let (status, _, stderr) = reconcile(dir.path(), &["check"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(
        stderr.contains("mysql") && stderr.contains("sqlite"),
        "{stderr}"
    );
    let (status, _, stderr) = reconcile(dir.path(), &["apply"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(stderr.contains("create table `users`"), "{stderr}");
    let (status, stdout, stderr) = reconcile(dir.path(), &["plan", "--exit-code"]);
    assert_eq!(status, 0, "{stdout}{stderr}");
    assert!(stdout.contains("No changes"), "{stdout}");
}

#[test]
fn init_never_overwrites_a_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("schema.kdl"), "// mine\n").unwrap();
    std::fs::write(dir.path().join(".gitignore"), "/target").unwrap();
    let (status, _, stderr) = reconcile(dir.path(), &["init"]);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(read(dir.path(), "schema.kdl"), "// mine\n");
    assert!(stderr.contains("kept schema.kdl"), "{stderr}");
    assert!(
        stderr.contains("wrote environments/development.kdl"),
        "{stderr}"
    );
    let gitignore = read(dir.path(), ".gitignore");
    assert!(
        gitignore.starts_with("/target\nconfig.env\n"),
        "{gitignore}"
    );
    // A second init changes nothing at all.
    let before = read(dir.path(), "environments/production.kdl");
    std::fs::write(
        dir.path().join("environments/production.kdl"),
        "// edited\n",
    )
    .unwrap();
    let (status, _, stderr) = reconcile(dir.path(), &["init"]);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(
        read(dir.path(), "environments/production.kdl"),
        "// edited\n"
    );
    assert_ne!(before, "// edited\n");
    assert_eq!(read(dir.path(), ".gitignore"), gitignore);
    assert!(!stderr.contains("wrote"), "{stderr}");
}

#[test]
fn init_in_a_new_folder_with_project() {
    let dir = tempfile::tempdir().unwrap();
    let (status, _, stderr) = reconcile(dir.path(), &["--project", "db/main", "init"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(dir.path().join("db/main/schema.kdl").is_file());
    let (status, _, stderr) = reconcile(dir.path(), &["--project", "db/main", "apply"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(dir.path().join("db/main/dev.db").is_file());
}

#[test]
fn every_command_in_an_empty_folder_points_to_init() {
    let dir = tempfile::tempdir().unwrap();
    for command in [
        vec!["plan"],
        vec!["plan", "--dialect", "mysql"],
        vec!["apply", "--yes"],
        vec!["inspect"],
        vec!["check"],
        vec!["--env", "production", "plan"],
    ] {
        let (status, stdout, stderr) = reconcile(dir.path(), &command);
        assert_eq!(status, 1, "{command:?}: {stdout}{stderr}");
        assert!(
            stderr.contains("is not a reconcile project") && stderr.contains("reconcile init"),
            "{command:?}:\n{stderr}"
        );
        assert!(
            !stderr.contains("unknown environment"),
            "{command:?}:\n{stderr}"
        );
        assert!(stdout.is_empty(), "{command:?}: {stdout}");
    }
    // Nothing was created by those commands.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn apply_without_a_terminal_proceeds_and_says_so() {
    let dir = sqlite_project("table t {\n    column id int primary-key=#true\n}\n");
    // The harness gives the binary no standard input (not a terminal), and no --yes.
    let (status, _, stderr) = reconcile(dir.path(), &["apply"]);
    assert_eq!(status, 0, "{stderr}");
    let said: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("not a terminal"))
        .collect();
    assert_eq!(said.len(), 1, "{stderr}");
    assert!(said[0].contains("without asking"), "{stderr}");
    let summary = stderr
        .lines()
        .find(|l| l.starts_with("Applied "))
        .unwrap_or_else(|| panic!("no summary line:\n{stderr}"));
    assert!(
        summary.starts_with("Applied 1 change (1 statement) to `development` in ")
            && summary.ends_with(" s."),
        "{summary}"
    );
    // With --yes there is nothing to say.
    let (status, _, stderr) = reconcile(dir.path(), &["apply", "--yes"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(!stderr.contains("not a terminal"), "{stderr}");
}

/// The statements of a JSON plan, in order.
fn json_statements(json: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    v["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["sql"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn apply_format_sql_shows_exactly_the_statements_it_runs() {
    let dir = sqlite_project(
        "table t {\n    column id int primary-key=#true\n    column name string length=10\n}\n",
    );
    assert_eq!(reconcile(dir.path(), &["apply", "--yes"]).0, 0);
    std::fs::write(
        dir.path().join("schema.kdl"),
        "table t {\n    column id int primary-key=#true\n    column name string length=20\n    index name\n}\n",
    )
    .unwrap();
    let (status, json, stderr) = reconcile(dir.path(), &["plan", "--format", "json"]);
    assert_eq!(status, 0, "{stderr}");
    let planned = json_statements(&json);
    assert!(planned.len() > 1, "{json}");
    let (status, stdout, stderr) = reconcile(dir.path(), &["apply", "--yes", "--format", "sql"]);
    assert_eq!(status, 0, "{stderr}");
    let shown: String = stdout
        .lines()
        .filter(|l| !l.starts_with("-- "))
        .map(|l| format!("{l}\n"))
        .collect();
    let expected: String = planned.iter().map(|s| format!("{s};\n")).collect();
    assert_eq!(shown, expected);
    assert!(stdout.starts_with("-- in one transaction"), "{stdout}");
    assert!(stderr.contains("Applied 1 change"), "{stderr}");
    assert_eq!(reconcile(dir.path(), &["plan", "--exit-code"]).0, 0);
}

#[test]
fn completions_for_four_shells() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("bash", "_reconcile()"),
        ("zsh", "#compdef reconcile"),
        ("fish", "complete -c reconcile"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let (status, stdout, stderr) = reconcile(dir.path(), &["completions", shell]);
        assert_eq!(status, 0, "{shell}: {stderr}");
        assert!(stdout.contains(marker), "{shell}:\n{stdout}");
        for command in ["init", "plan", "apply", "diff", "inspect", "check"] {
            assert!(stdout.contains(command), "{shell} lacks `{command}`");
        }
    }
    let (status, _, stderr) = reconcile(dir.path(), &["completions", "tcsh"]);
    assert_eq!(status, 1, "{stderr}");
}

/// Every command's help has examples and an exit-status section; the texts are pinned.
#[test]
fn help_has_examples_and_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    for command in [
        "",
        "init",
        "plan",
        "apply",
        "inspect",
        "check",
        "diff",
        "completions",
    ] {
        let mut args: Vec<&str> = command.split_whitespace().collect();
        args.push("--help");
        let (status, stdout, stderr) = reconcile(dir.path(), &args);
        assert_eq!(status, 0, "{command}: {stderr}");
        assert!(stdout.contains("Examples:"), "{command}:\n{stdout}");
        assert!(stdout.contains("Exit status:"), "{command}:\n{stdout}");
        let name = if command.is_empty() {
            "help".to_string()
        } else {
            format!("help_{command}")
        };
        settings().bind(|| insta::assert_snapshot!(name, stdout));
    }
}

#[test]
fn no_color_wins_over_forced_colour() {
    let dir = sqlite_project("table t {\n    column id int primary-key=#true\n}\n");
    let forced = [("FORCE_COLOR", "1"), ("CLICOLOR_FORCE", "1")];
    // Without NO_COLOR the forced colour shows (so the check below can fail)...
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_reconcile"))
        .args(["plan", "--env", "nope"])
        .current_dir(dir.path())
        .env_remove("NO_COLOR")
        .envs(forced)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains('\u{1b}'));
    // ...and NO_COLOR turns it off, for our diagnostics and for clap's usage errors.
    for args in [vec!["plan", "--env", "nope"], vec!["plan", "--bogus"]] {
        let (status, stdout, stderr) = reconcile_with(dir.path(), &args, &forced);
        assert_eq!(status, 1);
        assert!(
            !stdout.contains('\u{1b}') && !stderr.contains('\u{1b}'),
            "{args:?}: {stderr:?}"
        );
    }
}

/// A server URL without `//host` is refused at its place before any connection: drivers
/// would fall back to a local server and read the rest, password included, as the database
/// name (and show it in messages).
#[test]
fn server_urls_without_a_host_are_refused_before_connecting() {
    let dir = sqlite_project("table t {\n    column id int primary-key=#true\n}\n");
    for url in [
        "mysql:app:Pw-9-secret@127.0.0.1:3306/app",
        "mariadb:/app:Pw-9-secret@127.0.0.1/app",
        "postgres:///app:Pw-9-secret@127.0.0.1/app",
        "postgresql://",
    ] {
        std::fs::write(
            dir.path().join("environments/x.kdl"),
            format!("url \"{url}\"\n"),
        )
        .unwrap();
        for command in [&["plan"][..], &["apply", "--yes"], &["inspect"]] {
            let mut args = vec!["--env", "x"];
            args.extend(command);
            let (status, stdout, stderr) = reconcile(dir.path(), &args);
            assert_eq!(status, 1, "{url} {command:?}: {stdout}{stderr}");
            assert!(
                stderr.contains("needs `//` and a host")
                    && stderr.contains("environments/x.kdl:1:5"),
                "{url} {command:?}:\n{stderr}"
            );
            assert!(
                !format!("{stdout}{stderr}").contains("Pw-9-secret"),
                "{stderr}"
            );
        }
    }
}
