//! `reconcile init`: the files of a new project, each written only where no file of that name
//! exists yet (an existing file is kept as it is and reported), and `config.env` added to
//! `.gitignore` so that credentials never reach the repository.

use std::path::Path;

use crate::error::Error;

/// What `init` did, file by file (paths relative to the project folder).
#[derive(Debug, Default)]
pub struct Report {
    /// Files written.
    pub written: Vec<String>,
    /// Files that already existed and were left as they were.
    pub kept: Vec<String>,
    /// Lines added to `.gitignore` (which is created when missing).
    pub ignored: Vec<String>,
}

const SCHEMA: &str = r#"// schema.kdl: the whole desired state of the database. There are no revision files:
// `reconcile plan` compares this file with the database and prints the changes,
// `reconcile apply` makes them. The language: docs/language.md in reconcile's repository.

// Tables in the database that reconcile never creates, alters or drops (globs allowed).
ignore alembic_version

table users {
    // Columns are NOT NULL unless `nullable=#true`.
    column id bigint primary-key=#true auto-increment=#true
    column email string length=200 unique=#true
    column name string length=100 nullable=#true
    column is_active bool default=#true
    column created_at datetime default=(sql)CURRENT_TIMESTAMP
}

// table posts {
//     column id bigint primary-key=#true auto-increment=#true
//     column author_id bigint references=users.id on-delete=cascade
//     column title string length=200
//     column body text nullable=#true
//     index author_id
// }
"#;

const DEVELOPMENT: &str = r#"// The development environment (the default): a local SQLite file, no server, no secrets.
// `sqlite:///dev.db` is relative to the project folder (as in SQLAlchemy);
// `sqlite:////srv/app/dev.db` is an absolute path.
url "sqlite:///dev.db"

// `reconcile apply` creates the file when it does not exist.
create-database #true
"#;

const PRODUCTION: &str = r#"// The production environment: `reconcile plan --env production`.
// Credentials never live in this file: each ${NAME} comes from the process environment,
// else from config.env (copy config.env.example; git ignores config.env).
url "mysql://${DB_HOST}:${DB_PORT}/${DB_DATABASE}"
// Given as their own settings, user and password need no percent-encoding.
user "${DB_USER}"
password "${DB_PASSWORD}"

// Seconds `apply` waits for another apply's lock.
lock-timeout 30
"#;

const CONFIG_EXAMPLE: &str = r#"# Copy to config.env (which git ignores) and fill in; the process environment wins over it.
DB_USER=app
DB_PASSWORD=change-me
DB_HOST=127.0.0.1
DB_PORT=3306
DB_DATABASE=app
"#;

/// The lines `init` makes sure `.gitignore` has.
const IGNORED: [&str; 2] = ["config.env", "dev.db*"];

/// Writes the files of a new project into `root` (created if missing); never overwrites.
pub fn init(root: &Path) -> Result<Report, Error> {
    let mut report = Report::default();
    create_dir(root)?;
    create_dir(&root.join("environments"))?;
    let files = [
        ("schema.kdl", SCHEMA),
        ("environments/development.kdl", DEVELOPMENT),
        ("environments/production.kdl", PRODUCTION),
        ("config.env.example", CONFIG_EXAMPLE),
    ];
    for (name, text) in files {
        let path = root.join(name);
        if path.exists() {
            report.kept.push(name.to_string());
            continue;
        }
        write_new(&path, text)?;
        report.written.push(name.to_string());
    }
    let gitignore = root.join(".gitignore");
    let existing = match std::fs::read_to_string(&gitignore) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(Error::Read {
                path: gitignore,
                source,
            });
        }
    };
    let missing: Vec<&str> = IGNORED
        .into_iter()
        .filter(|line| !existing.lines().any(|l| l.trim() == *line))
        .collect();
    if !missing.is_empty() {
        let mut text = existing.clone();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        for line in &missing {
            text.push_str(line);
            text.push('\n');
        }
        std::fs::write(&gitignore, text).map_err(|source| Error::Write {
            path: gitignore.clone(),
            source,
        })?;
        report.ignored = missing.iter().map(|s| s.to_string()).collect();
    }
    Ok(report)
}

fn create_dir(path: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(path).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes `text` to `path`, failing (rather than overwriting) if it appeared meanwhile.
fn write_new(path: &Path, text: &str) -> Result<(), Error> {
    use std::io::Write as _;
    let fail = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(fail)?;
    file.write_all(text.as_bytes()).map_err(fail)
}

/// Whether `root` holds a project (a `schema.kdl` or an `environments/` folder).
pub fn is_project(root: &Path) -> bool {
    root.join(crate::project::SCHEMA_FILE).exists() || root.join("environments").is_dir()
}
