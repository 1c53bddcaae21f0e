//! The docs are tested like code:
//!
//! - every ```` ```sh ```` block of the README and of `docs/*.md` runs, in order, one page
//!   per fresh folder (with `reconcile` on `PATH`, no terminal, `bash -e`), and the page's
//!   whole output is a snapshot (`docs_<page>`), so a reader sees what the docs show;
//! - no `reconcile` command appears in any other kind of block (a `console` block is shown,
//!   not run, and is for `cargo` and `git` only);
//! - every `kdl` block is valid: an environment file resolves, a schema validates for the
//!   dialects its `// dialects:` first line names (all three otherwise);
//! - every test that `docs/safety.md` names exists.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{Server, TempDb, fixture_dialects, project_root, settings, shout};

/// One fenced block of a Markdown file.
struct Block {
    file: String,
    line: usize,
    info: String,
    text: String,
}

/// The README and every page of `docs/`, as paths relative to the project root.
fn pages() -> Vec<String> {
    let mut out = vec!["README.md".to_string()];
    let mut docs: Vec<String> = std::fs::read_dir(project_root().join("docs"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".md"))
        .map(|f| format!("docs/{f}"))
        .collect();
    docs.sort();
    out.extend(docs);
    out
}

fn blocks(file: &str) -> Vec<Block> {
    let text = std::fs::read_to_string(project_root().join(file)).unwrap();
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    for (i, line) in text.lines().enumerate() {
        let fence = line.trim_start().starts_with("```");
        match (&mut open, fence) {
            (None, true) => {
                open = Some(Block {
                    file: file.to_string(),
                    line: i + 1,
                    info: line.trim_start().trim_start_matches('`').trim().to_string(),
                    text: String::new(),
                })
            }
            (Some(_), true) => out.push(open.take().unwrap()),
            (Some(b), false) => {
                b.text.push_str(line);
                b.text.push('\n');
            }
            (None, false) => {}
        }
    }
    assert!(open.is_none(), "{file}: a fenced block is never closed");
    out
}

/// What a page's examples start from (the database Alembic managed, for the Alembic page).
fn setup(page: &str, dir: &Path) {
    if page == "docs/alembic.md" {
        let db = dir.join("app.db");
        common::sqlite::exec(
            &db,
            include_str!("fixtures/sqlalchemy/create_all.sqlite.sql"),
        );
        common::sqlite::exec(
            &db,
            "INSERT INTO alembic_version VALUES ('4f2e1c');
             INSERT INTO users (email, hashed_password) VALUES ('a@x', 'h1'), ('b@x', 'h2');",
        );
        std::fs::write(dir.join("alembic.ini"), "[alembic]\n").unwrap();
    }
}

/// `s` with the characters that regexes treat specially escaped.
fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$".contains(c);
            special
                .then_some('\\')
                .into_iter()
                .chain(std::iter::once(c))
        })
        .collect()
}

/// A folder holding `reconcile`, to put first on `PATH`.
fn bin_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_reconcile"),
        dir.path().join("reconcile"),
    )
    .unwrap();
    dir
}

/// The variables of `environments/production.kdl` (as `init` writes it) for a throwaway
/// database on the MariaDB/MySQL test server, when there is one.
fn production(db: &TempDb) -> Vec<(String, String)> {
    let url = url::Url::parse(&db.url).expect("the test server's url");
    vec![
        ("DB_USER".into(), url.username().to_string()),
        (
            "DB_PASSWORD".into(),
            url.password().unwrap_or("").to_string(),
        ),
        (
            "DB_HOST".into(),
            url.host_str().unwrap_or("127.0.0.1").to_string(),
        ),
        ("DB_PORT".into(), url.port().unwrap_or(3306).to_string()),
        ("DB_DATABASE".into(), db.name.clone()),
    ]
}

/// Whether an example reaches a server: `--env production` or `--env staging` (both as
/// `init` writes them: MySQL, from the `DB_*` variables).
fn needs_server(example: &str) -> bool {
    example.contains("--env production") || example.contains("--env staging")
}

#[test]
fn every_shell_example_runs() {
    // Examples that need a server run against a database of the MySQL test server, one
    // fresh database per page.
    let server = Server::Mysql.url();
    let bin = bin_dir();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut ran = 0;
    for page in pages() {
        let all: Vec<Block> = blocks(&page)
            .into_iter()
            .filter(|b| b.info == "sh")
            .collect();
        let uses_server = server.is_some() && all.iter().any(|b| needs_server(&b.text));
        let sh: Vec<Block> = all
            .into_iter()
            .filter(|b| {
                let skipped = needs_server(&b.text) && server.is_none();
                if skipped {
                    shout(&format!(
                        "SKIPPED: the example at {}:{} needs a MySQL server (RECONCILE_TEST_MYSQL_URL)",
                        b.file, b.line
                    ));
                }
                !skipped
            })
            .collect();
        if sh.is_empty() {
            continue;
        }
        let db = server
            .as_deref()
            .filter(|_| uses_server)
            .map(|base| common::live::block_on(TempDb::create(Server::Mysql, base)));
        let vars = db.as_ref().map(production).unwrap_or_default();
        let dir = tempfile::tempdir().unwrap();
        setup(&page, dir.path());
        // One stream, in order, as a reader at a terminal would see it.
        let mut script = String::from("set -euo pipefail\nexec 2>&1\n");
        for b in &sh {
            script.push_str(&format!("echo '### {}:{}'\n{}", b.file, b.line, b.text));
            ran += b
                .text
                .lines()
                .filter(|l| l.starts_with("reconcile "))
                .count();
        }
        let out = Command::new("bash")
            .args(["-c", &script])
            .current_dir(dir.path())
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            .env_remove("RECONCILE_ENV")
            // A commit needs an author, as on a CI runner.
            .env("GIT_AUTHOR_NAME", "docs")
            .env("GIT_AUTHOR_EMAIL", "docs@example.com")
            .env("GIT_COMMITTER_NAME", "docs")
            .env("GIT_COMMITTER_EMAIL", "docs@example.com")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .envs(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .output()
            .expect("bash");
        let shown = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{page}: the examples failed ({}):\n{shown}",
            out.status
        );
        let name = format!(
            "docs_{}",
            Path::new(&page).file_stem().unwrap().to_string_lossy()
        );
        let mut s = settings();
        s.add_filter(r"in \d+\.\d\d s\.", "in [elapsed] s.");
        if let Some(db) = &db {
            s.add_filter(&regex_escape(&db.name), "[database]");
        }
        // A page whose examples reached the server has a snapshot of its own.
        let name = if uses_server {
            format!("{name}_with_server")
        } else {
            name
        };
        s.bind(|| insta::assert_snapshot!(name, shown));
        if let Some(db) = db {
            common::live::block_on(db.drop_now());
        }
    }
    assert!(ran >= 15, "only {ran} reconcile commands ran");
}

#[test]
fn reconcile_commands_appear_only_in_blocks_that_run() {
    for page in pages() {
        // A workflow (`yaml`) is checked against the `sh` blocks instead.
        for b in blocks(&page)
            .iter()
            .filter(|b| b.info != "sh" && b.info != "yaml")
        {
            for (i, line) in b.text.lines().enumerate() {
                let l = line.trim_start().trim_start_matches("$ ");
                assert!(
                    !l.starts_with("reconcile ") && !l.starts_with("cargo run"),
                    "{}:{}: `{line}` is in a `{}` block, which the docs test does not run; use `sh`",
                    b.file,
                    b.line + i + 1,
                    b.info
                );
            }
        }
    }
}

/// The `reconcile` command lines of a `yaml` block (a CI workflow's `run:` steps).
fn workflow_commands(yaml: &str) -> Vec<String> {
    yaml.lines()
        .map(|l| l.trim_start().trim_start_matches("run:").trim_start())
        .filter(|l| l.starts_with("reconcile "))
        .map(str::to_string)
        .collect()
}

/// A workflow recipe runs no command that the docs test does not: each of its `reconcile`
/// lines is a line of one of the page's `sh` blocks, word for word.
#[test]
fn every_workflow_command_is_run_by_the_docs_test() {
    let mut checked = 0;
    for page in pages() {
        let blocks = blocks(&page);
        let run: Vec<&str> = blocks
            .iter()
            .filter(|b| b.info == "sh")
            .flat_map(|b| b.text.lines())
            .collect();
        for b in blocks.iter().filter(|b| b.info == "yaml") {
            for command in workflow_commands(&b.text) {
                assert!(
                    run.contains(&command.as_str()),
                    "{}:{}: the workflow runs `{command}`, which no `sh` block of the page runs",
                    b.file,
                    b.line
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 3, "only {checked} workflow commands checked");
}

#[test]
fn kdl_examples_are_valid() {
    let root = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for page in pages() {
        for b in blocks(&page).iter().filter(|b| b.info == "kdl") {
            let place = format!("{}:{}", b.file, b.line);
            if b.text.lines().any(|l| l.starts_with("url ")) {
                let vars = |_: &str| Some("1".to_string());
                reconcile::environment::from_source(root.path(), "example", &b.text, &vars)
                    .unwrap_or_else(|e| panic!("{place}: {:?}", miette::Report::new(e)));
            } else {
                let dialects = fixture_dialects(&b.text);
                reconcile::project::schema_from_source(&b.text, &dialects)
                    .unwrap_or_else(|e| panic!("{place}: {:?}", miette::Report::new(e)));
            }
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} kdl examples");
}

#[test]
fn the_tests_safety_md_names_exist() {
    let safety = std::fs::read_to_string(project_root().join("docs/safety.md")).unwrap();
    // The integration tests, and the unit tests of the library (a driver's own checks).
    let mut sources = String::new();
    let mut folders = vec![project_root().join("tests"), project_root().join("src")];
    while let Some(folder) = folders.pop() {
        for e in std::fs::read_dir(&folder).unwrap().flatten() {
            let p: PathBuf = e.path();
            if p.is_dir() && p.starts_with(project_root().join("src")) {
                folders.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                sources.push_str(&std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    let cases = project_root().join("tests/cases");
    let mut named = 0;
    for (i, part) in safety.split('`').enumerate() {
        // Odd parts are inside backticks.
        let ident = i % 2 == 1
            && part.contains('_')
            && part
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !ident {
            continue;
        }
        named += 1;
        let exists = sources.contains(&format!("fn {part}("))
            || sources.contains(&format!("async fn {part}("))
            || cases.join(part).is_dir();
        assert!(
            exists,
            "docs/safety.md names `{part}`, which is no test and no case"
        );
    }
    assert!(named >= 30, "only {named} tests named");
    // And every file it names exists.
    for word in safety.split(['`', ' ', '\n', '(', ')', ',']) {
        if (word.starts_with("tests/") || word.starts_with("src/")) && word.ends_with(".rs") {
            assert!(project_root().join(word).is_file(), "{word} does not exist");
        }
    }
}
