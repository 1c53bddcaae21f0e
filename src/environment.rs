//! `environments/NAME.kdl`: where one environment's database is. `${VAR}` and
//! `${VAR:-fallback}` take values from the process environment, then from a dotenv file;
//! a missing variable is reported by name, file and line, never with a value. Values are
//! substituted once, as they are: a value that itself holds `${` is an error, not expanded.
//!
//! Each setting is given at most once, with exactly one value and nothing else; every
//! deviation is a problem at its place. Diagnostics show the file with its inline passwords
//! masked ([`crate::redact::mask_inline_passwords`]).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use kdl::{KdlNode, KdlValue};

use crate::dialect::Dialect;
use crate::dotenv::{self, MAX_DOTENV_BYTES};
use crate::error::{Diagnostics, Error, Problem};
use crate::excerpt::Excerpt;
use crate::redact::{SecretUrl, mask_inline_passwords, mask_known};
use crate::schema::Span;

/// The environment used when neither `--env` nor `RECONCILE_ENV` names one.
pub const DEFAULT_ENVIRONMENT: &str = "development";

/// The dotenv file read when the environment names none (if it exists).
pub const DEFAULT_DOTENV: &str = "config.env";

/// The largest environment file read.
pub const MAX_ENVIRONMENT_BYTES: u64 = 64 << 10;

const SETTINGS: [&str; 15] = [
    "url",
    "scratch-url",
    "user",
    "password",
    "create-database",
    "dotenv",
    "allow-destructive",
    "lock-timeout",
    "statement-lock-timeout",
    "statement-lock-retries",
    "connect-timeout",
    "concurrent-indexes",
    "max-blocking-rows",
    "online-schema-change",
    "lint",
];

/// Seconds a statement of a plan waits for a table lock held by another session, unless the
/// environment says otherwise (`statement-lock-timeout`).
pub const DEFAULT_STATEMENT_LOCK_TIMEOUT: u64 = 5;

/// How many times a statement that gave up waiting for a table's lock is tried again,
/// unless the environment says otherwise (`statement-lock-retries`).
pub const DEFAULT_STATEMENT_LOCK_RETRIES: u32 = 3;

/// Seconds a connection to a database server may take, unless the environment says
/// otherwise (`connect-timeout`).
pub const DEFAULT_CONNECT_TIMEOUT: u64 = 10;

/// One environment, resolved: variables substituted, dialect chosen by the URL's scheme.
#[derive(Debug, Clone)]
pub struct Environment {
    pub name: String,
    pub url: SecretUrl,
    pub dialect: Dialect,
    pub allow_destructive: bool,
    /// Seconds `apply` waits for another apply's lock.
    pub lock_timeout: u64,
    /// Seconds each statement of a plan waits for a lock on a table that application
    /// traffic holds, before apply fails (PostgreSQL `lock_timeout`).
    pub statement_lock_timeout: u64,
    /// How many times a statement that gave up waiting for its lock is tried again, after
    /// 1 s, 2 s, 4 s ... (`statement-lock-retries`).
    pub statement_lock_retries: u32,
    /// Seconds connecting to the server (and its first answers) may take before the
    /// command fails naming the host.
    pub connect_timeout: u64,
    /// Indexes and primary keys of existing tables are built `CONCURRENTLY`, and indexes
    /// dropped so, after the transaction (PostgreSQL; on unless `concurrent-indexes #false`).
    pub concurrent_indexes: bool,
    /// `apply` may create the database when it does not exist (`create-database #true`).
    pub create_database: bool,
    /// The online schema change tool that carries out, on MySQL and MariaDB, a statement
    /// `max-blocking-rows` would refuse (`online-schema-change "pt-online-schema-change"`).
    pub online_schema_change: Option<String>,
    /// The severity of each lint rule the file names (`lint RULE deny|warn|off`).
    pub lints: crate::plan::lint::Levels,
    /// `apply` refuses a statement that blocks writes while it works through a table's rows
    /// (a table copy, a validation under a write lock) on a table of more rows than this
    /// (`max-blocking-rows`); `None`: no limit.
    pub max_blocking_rows: Option<u64>,
    /// Where the server spells and proves the desired schema when the user may not create a
    /// database or schema of their own (`scratch-url`): an empty MySQL database, or a
    /// PostgreSQL database to open the scratch schema in. Same family as `url`.
    pub scratch_url: Option<SecretUrl>,
    /// What reading the file noticed, for a line on standard error (a SQLAlchemy driver
    /// dropped from the scheme).
    pub notes: Vec<String>,
}

impl Environment {
    /// The environment file, relative to the project folder.
    pub fn file(&self) -> String {
        format!("environments/{}.kdl", self.name)
    }

    /// The database as messages show it: a SQLite file's absolute path, a server URL with
    /// its password masked.
    pub fn shown(&self, root: &Path) -> String {
        match self.dialect {
            Dialect::Sqlite => crate::target::sqlite_file(self.url.expose(), root)
                .map_or_else(|_| self.url.to_string(), |file| file.shown()),
            _ => self.url.to_string(),
        }
    }
}

/// The names of the environments of the project at `root`, sorted.
pub fn list(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root.join("environments"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".kdl")
                .map(str::to_string)
        })
        .collect();
    names.sort();
    names
}

/// Loads `environments/NAME.kdl` of the project at `root`, reading variables from `vars`
/// (the process environment) and then the dotenv file.
pub fn load(
    root: &Path,
    name: &str,
    vars: &dyn Fn(&str) -> Option<String>,
) -> Result<Environment, Error> {
    let path = root.join("environments").join(format!("{name}.kdl"));
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !plain || !path.exists() {
        return Err(Error::UnknownEnvironment {
            name: name.to_string(),
            known: list(root),
            chosen_by: String::new(),
        });
    }
    let source = crate::input::read_text(&path, MAX_ENVIRONMENT_BYTES)?;
    from_source(root, name, &source, vars)
}

/// Resolves `source` as the text of `environments/NAME.kdl` of the project at `root` (the
/// dotenv file is still read from `root`); [`load`] reads the file and calls this.
pub fn from_source(
    root: &Path,
    name: &str,
    source: &str,
    vars: &dyn Fn(&str) -> Option<String>,
) -> Result<Environment, Error> {
    let file = format!("environments/{name}.kdl");
    parse(root, name, source, vars).map_err(|problems| {
        // Problems that are all in the dotenv file are headed with its name.
        let first = problems.first().and_then(Problem::elsewhere);
        let header = match first {
            Some(other) if problems.iter().all(|p| p.elsewhere() == Some(other)) => {
                other.to_string()
            }
            _ => file,
        };
        Error::Source(Diagnostics::new(
            header,
            &mask_inline_passwords(&mask_known(source)),
            problems,
        ))
    })
}

/// The settings as written, before variables are substituted.
#[derive(Default)]
struct Settings {
    url: Option<(String, Span)>,
    /// Whether a `url` node was written, even one with a problem.
    url_given: bool,
    scratch_url: Option<(String, Span)>,
    dotenv: Option<(String, Span)>,
    allow_destructive: bool,
    lock_timeout: Option<u64>,
    statement_lock_timeout: Option<u64>,
    statement_lock_retries: Option<u32>,
    connect_timeout: Option<u64>,
    concurrent_indexes: Option<bool>,
    create_database: bool,
    max_blocking_rows: Option<u64>,
    online_schema_change: Option<(String, Span)>,
    lints: crate::plan::lint::Levels,
    user: Option<(String, Span)>,
    password: Option<(String, Span)>,
}

fn parse(
    root: &Path,
    name: &str,
    source: &str,
    vars: &dyn Fn(&str) -> Option<String>,
) -> Result<Environment, Vec<Problem>> {
    let doc = crate::parse::kdl_document(source)?;
    learn_secrets(doc.nodes());
    let mut problems = Vec::new();
    let settings = settings(doc.nodes(), source, &mut problems);
    let dotenv_vars = match &settings.dotenv {
        Some((file, span)) => read_dotenv(root, file, *span, &mut problems),
        None if root.join(DEFAULT_DOTENV).exists() => {
            read_dotenv(root, DEFAULT_DOTENV, Span::from(0..0), &mut problems)
        }
        None => HashMap::new(),
    };
    for (name, value) in &dotenv_vars {
        if crate::redact::secret_name(name) {
            crate::redact::learn(value);
        }
    }
    let lookup = |var: &str| {
        let value = vars(var).or_else(|| dotenv_vars.get(var).cloned());
        if let Some(v) = value.as_deref().filter(|_| crate::redact::secret_name(var)) {
            crate::redact::learn(v);
        }
        value
    };
    let Some((raw, span)) = settings.url else {
        if settings.url_given {
            return Err(problems);
        }
        problems.push(
            Problem::new(
                "the environment has no `url`",
                Span::from(0..source.len().min(1)),
            )
            .label("url missing")
            .help("add a line such as `url \"sqlite://dev.db\"`"),
        );
        return Err(problems);
    };
    let mut used = Vec::new();
    let url = substitute(&raw, span, source, &lookup, &mut used, &mut problems);
    let (url, driver) = crate::target::without_driver(&url);
    let mut notes = Vec::new();
    if let Some(driver) = driver {
        notes.push(format!(
            "environments/{name}.kdl: the url names the SQLAlchemy driver `{driver}`; reconcile connects with its own driver and reads the url without `+{driver}`"
        ));
    }
    let dialect = dialect_of(&url);
    if dialect.is_none() && problems.is_empty() {
        let scheme = crate::target::scheme(&url).map_or_else(String::new, |s| format!(" (`{s}:`)"));
        problems.push(
            Problem::new(format!("the url's scheme{scheme} names no supported database"), span)
                .label("unknown scheme")
                .help("use sqlite://, mysql://, mariadb://, postgres:// or postgresql:// (SQLAlchemy's `+driver` part may stay)"),
        );
    }
    let mut url = url;
    match dialect {
        Some(Dialect::Sqlite) if problems.is_empty() => {
            for (setting, given) in [("user", &settings.user), ("password", &settings.password)] {
                if let Some((_, at)) = given {
                    problems.push(
                        Problem::new(format!("a SQLite database takes no `{setting}`"), *at)
                            .label("not used")
                            .help("remove it, or point `url` at a server"),
                    );
                }
            }
            if let Err(why) = crate::target::sqlite_file(&url, root) {
                problems.push(Problem::new(why, span).label("not a file in reach").help(
                    "`sqlite:///dev.db` is `dev.db` in the project folder; `sqlite:////srv/app/dev.db` is an absolute path",
                ));
            }
        }
        Some(Dialect::Mysql | Dialect::Postgres) if problems.is_empty() => {
            let user = credential(&settings.user, source, &lookup, &mut used, &mut problems);
            let password = credential(
                &settings.password,
                source,
                &lookup,
                &mut used,
                &mut problems,
            );
            if let Some(password) = &password {
                crate::redact::learn(password);
            }
            if !names_a_host(&url) {
                // Without `//host`, drivers fall back to a local server and read the rest
                // (password included) as the database's name, which messages would then show.
                problems.push(
                    Problem::new("a server url needs `//` and a host after its scheme", span)
                        .label("no host")
                        .help("write `mysql://user:${DB_PASSWORD}@host:3306/app` or `postgres://user:${DB_PASSWORD}@host:5432/app`"),
                );
            } else if problems.is_empty() {
                if let Some(why) = crate::target::server_url_problem(&url) {
                    problems.push(unparsed_url(&why, &used, span));
                } else if user.is_some() || password.is_some() {
                    match crate::target::with_credentials(
                        &url,
                        user.as_deref(),
                        password.as_deref(),
                    ) {
                        Ok(with) => url = with,
                        Err(why) => {
                            let at = settings.user.as_ref().or(settings.password.as_ref());
                            problems.push(
                                Problem::new(why, at.map_or(span, |(_, s)| *s))
                                    .label("given twice"),
                            );
                        }
                    }
                }
            }
        }
        _ => {}
    }
    crate::redact::learn_url(&url);
    let scratch_url = settings.scratch_url.as_ref().and_then(|(raw, at)| {
        let scratch = substitute(raw, *at, source, &lookup, &mut used, &mut problems);
        let (scratch, _) = crate::target::without_driver(&scratch);
        crate::redact::learn_url(&scratch);
        let problem = match (dialect, dialect_of(&scratch)) {
            (Some(Dialect::Sqlite), _) => Some((
                "a SQLite environment takes no `scratch-url`",
                "its scratch is a database in memory; remove the line",
            )),
            (Some(family), Some(of)) if family == of && names_a_host(&scratch) => None,
            (Some(Dialect::Mysql), _) => Some((
                "`scratch-url` must name a MySQL or MariaDB database, as `url` does",
                "write `scratch-url \"mysql://user:${DB_PASSWORD}@host:3306/app_scratch\"`, an empty database the user may create tables in",
            )),
            _ => Some((
                "`scratch-url` must name a PostgreSQL database, as `url` does",
                "write `scratch-url \"postgres://user:${DB_PASSWORD}@host:5432/app_scratch\"`, a database the user may create a schema in",
            )),
        };
        match problem {
            Some((what, help)) => {
                problems.push(Problem::new(what, *at).label("scratch-url").help(help));
                None
            }
            None => Some(SecretUrl::new(scratch)),
        }
    });
    if let (Some((_, at)), Some(Dialect::Sqlite | Dialect::Postgres)) =
        (&settings.online_schema_change, dialect)
    {
        problems.push(
            Problem::new("`online-schema-change` is for MySQL and MariaDB", *at)
                .label("online-schema-change")
                .help("this database runs the plan in one transaction; for big PostgreSQL tables, see `concurrent-indexes` and docs/safety.md"),
        );
    }
    match (dialect, problems.is_empty()) {
        (Some(dialect), true) => Ok(Environment {
            name: name.to_string(),
            url: SecretUrl::new(url),
            dialect,
            allow_destructive: settings.allow_destructive,
            lock_timeout: settings.lock_timeout.unwrap_or(30),
            statement_lock_timeout: settings
                .statement_lock_timeout
                .unwrap_or(DEFAULT_STATEMENT_LOCK_TIMEOUT),
            statement_lock_retries: settings
                .statement_lock_retries
                .unwrap_or(DEFAULT_STATEMENT_LOCK_RETRIES),
            connect_timeout: settings.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            concurrent_indexes: settings.concurrent_indexes.unwrap_or(true),
            max_blocking_rows: settings.max_blocking_rows,
            online_schema_change: settings.online_schema_change.map(|(tool, _)| tool),
            lints: settings.lints,
            create_database: settings.create_database,
            scratch_url,
            notes,
        }),
        _ => Err(problems),
    }
}

/// Remembers the passwords the file holds as written: in a URL, or on a line whose name says
/// it is secret (`password "..."`, a setting that does not exist but must not be printed).
fn learn_secrets(nodes: &[KdlNode]) {
    for node in nodes {
        let secret = crate::redact::secret_name(node.name().value());
        for e in node.entries() {
            if let Some(s) = e.value().as_string() {
                crate::redact::learn_url(s);
                if secret
                    || e.name()
                        .is_some_and(|n| crate::redact::secret_name(n.value()))
                {
                    crate::redact::learn(s);
                }
            }
        }
    }
}

/// Reads every node as a setting; a setting twice, an unknown one, a missing or extra
/// value, a property, a type annotation or a block is a problem.
fn settings(nodes: &[KdlNode], source: &str, problems: &mut Vec<Problem>) -> Settings {
    let mut out = Settings::default();
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for node in nodes {
        let key = node.name().value();
        if !SETTINGS.contains(&key) {
            let p = Problem::new(format!("unknown setting `{key}`"), node.name().span())
                .label("unknown setting");
            problems.push(match crate::parse::did_you_mean(key, &SETTINGS) {
                Some(s) => p.help(format!("did you mean `{s}`?")),
                None => p.help(format!("settings: {}", SETTINGS.join(", "))),
            });
            continue;
        }
        if key == "lint" {
            lint_level(node, problems, &mut out.lints);
            continue;
        }
        if let Some(first) = seen.insert(key, node.name().span()) {
            let line = line_of(source, first.offset());
            problems.push(
                Problem::new(format!("`{key}` is set twice"), node.name().span())
                    .label("second setting")
                    .help(format!("it is already set on line {line}; keep one")),
            );
            continue;
        }
        out.url_given |= key == "url";
        let Some(value) = one_value(node, problems) else {
            continue;
        };
        let want = match key {
            "url" | "scratch-url" | "dotenv" | "user" | "password" | "online-schema-change" => {
                "a string"
            }
            "allow-destructive" | "concurrent-indexes" | "create-database" => "`#true` or `#false`",
            "connect-timeout" => "a whole number of seconds from 1 to 86400",
            "max-blocking-rows" => "a whole number of rows, 0 or more",
            "statement-lock-retries" => "a whole number of retries from 0 to 100",
            _ => "a whole number of seconds from 0 to 86400",
        };
        let span = value.span();
        match (key, value.value()) {
            ("url", KdlValue::String(s)) => {
                if let Some(p) = unquoted_url(s, span, source) {
                    problems.push(p);
                } else {
                    out.url = Some((s.clone(), span));
                }
            }
            ("scratch-url", KdlValue::String(s)) => {
                if let Some(p) = unquoted_url(s, span, source) {
                    problems.push(p);
                } else {
                    out.scratch_url = Some((s.clone(), span));
                }
            }
            ("dotenv", KdlValue::String(s)) => out.dotenv = Some((s.clone(), span)),
            ("online-schema-change", KdlValue::String(s)) => {
                out.online_schema_change = Some((s.clone(), span));
            }
            ("user", KdlValue::String(s)) => out.user = Some((s.clone(), span)),
            ("password", KdlValue::String(s)) => out.password = Some((s.clone(), span)),
            ("create-database", KdlValue::Bool(b)) => out.create_database = *b,
            ("allow-destructive", KdlValue::Bool(b)) => out.allow_destructive = *b,
            ("concurrent-indexes", KdlValue::Bool(b)) => out.concurrent_indexes = Some(*b),
            ("lock-timeout", KdlValue::Integer(n)) if (0..=86_400).contains(n) => {
                out.lock_timeout = u64::try_from(*n).ok();
            }
            ("statement-lock-timeout", KdlValue::Integer(n)) if (0..=86_400).contains(n) => {
                out.statement_lock_timeout = u64::try_from(*n).ok();
            }
            ("statement-lock-retries", KdlValue::Integer(n)) if (0..=100).contains(n) => {
                out.statement_lock_retries = u32::try_from(*n).ok();
            }
            ("max-blocking-rows", KdlValue::Integer(n)) if *n >= 0 => {
                out.max_blocking_rows = u64::try_from(*n).ok();
            }
            ("connect-timeout", KdlValue::Integer(n)) if (1..=86_400).contains(n) => {
                out.connect_timeout = u64::try_from(*n).ok();
            }
            _ => problems
                .push(Problem::new(format!("`{key}` takes {want}"), span).label("wrong value")),
        }
    }
    out
}

/// `lint RULE SEVERITY` (a rule's code or name; `deny`, `warn` or `off`), which may be given
/// once per rule.
fn lint_level(node: &KdlNode, problems: &mut Vec<Problem>, levels: &mut crate::plan::lint::Levels) {
    use crate::plan::lint::{RULES, Severity, rule};
    let values: Vec<&kdl::KdlEntry> = node.entries().iter().collect();
    let usage = "write `lint RULE deny`, `warn` or `off`, RULE a code (`RC102`) or a name (`table-rewrite`)";
    let [name, level] = values.as_slice() else {
        problems.push(
            Problem::new(
                "`lint` takes two values: a rule and a severity",
                node.name().span(),
            )
            .label("lint")
            .help(usage),
        );
        return;
    };
    let text = |e: &kdl::KdlEntry| e.value().as_string().map(str::to_string);
    let Some(found) = text(name).as_deref().and_then(rule) else {
        let names: Vec<&str> = RULES.iter().map(|r| r.name).collect();
        let p = Problem::new("unknown lint rule", name.span()).label("not a rule");
        problems.push(
            match text(name).and_then(|n| crate::parse::did_you_mean(&n, &names)) {
                Some(s) => p.help(format!(
                    "did you mean `{s}`? (docs/lints.md lists every rule)"
                )),
                None => p.help("docs/lints.md lists every rule, with its code and name"),
            },
        );
        return;
    };
    let Some(severity) = text(level).as_deref().and_then(Severity::parse) else {
        problems.push(
            Problem::new("a lint's severity is `deny`, `warn` or `off`", level.span())
                .label("not a severity")
                .help(usage),
        );
        return;
    };
    levels.0.push((found.code, severity));
}

/// The only argument of a setting; problems for anything else on the node.
fn one_value<'n>(node: &'n KdlNode, problems: &mut Vec<Problem>) -> Option<&'n kdl::KdlEntry> {
    let key = node.name().value();
    if let Some(ty) = node.ty() {
        problems.push(
            Problem::new(format!("`{key}` takes no type annotation"), ty.span())
                .label("annotation"),
        );
    }
    if let Some(children) = node.children() {
        problems.push(
            Problem::new(format!("`{key}` takes no block"), children.span())
                .label("unexpected block"),
        );
    }
    let mut value = None;
    for e in node.entries() {
        if let Some(prop) = e.name() {
            problems.push(
                Problem::new(
                    format!("`{key}` takes no properties, not `{}`", prop.value()),
                    e.span(),
                )
                .label("property")
                .help(format!("write one value: `{key} VALUE`")),
            );
        } else if value.is_some() {
            problems.push(
                Problem::new(format!("`{key}` takes one value"), e.span())
                    .label("extra value")
                    .help("quote a value that holds spaces"),
            );
        } else {
            if let Some(ty) = e.ty() {
                problems.push(
                    Problem::new(format!("`{key}` takes a plain value"), ty.span())
                        .label("annotation"),
                );
            }
            value = Some(e);
        }
    }
    if value.is_none() {
        problems.push(
            Problem::new(format!("`{key}` needs a value"), node.name().span()).label("no value"),
        );
    }
    value
}

/// `url sqlite://x.db` unquoted: KDL reads `//x.db` as a comment and the value as `sqlite:`.
fn unquoted_url(value: &str, span: Span, source: &str) -> Option<Problem> {
    let written = source.get(span.offset()..span.offset() + span.len())?;
    let after = source.get(span.offset() + span.len()..)?;
    let cut = !written.starts_with(['"', '#'])
        && value.ends_with(':')
        && after.trim_start_matches([' ', '\t']).starts_with("//");
    if !cut {
        return None;
    }
    let end = span.offset() + span.len() + after.find(['\n', '\r']).unwrap_or(after.len());
    Some(
        Problem::new(
            "the url is not quoted, so KDL reads everything from `//` on as a comment",
            Span::from(span.offset()..end),
        )
        .label(format!("read as `{value}` and a comment"))
        .help(format!(
            "put the whole URL in double quotes: `url \"{value}//...\"`"
        )),
    )
}

/// The 1-based line of byte `offset` in `source`.
fn line_of(source: &str, offset: usize) -> usize {
    source.as_bytes()[..offset.min(source.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// The variables of the dotenv file `file` (relative to `root`); problems point at `span`
/// (the `dotenv` setting) or, for a bad line, into the file shown with its values masked.
fn read_dotenv(
    root: &Path,
    file: &str,
    span: Span,
    problems: &mut Vec<Problem>,
) -> HashMap<String, String> {
    let text = match crate::input::read_text(&root.join(file), MAX_DOTENV_BYTES) {
        Ok(text) => text,
        Err(e) => {
            let why = match e {
                Error::NotAFile { .. } => "it is not a regular file".to_string(),
                Error::TooLarge { limit, .. } => format!("it is larger than {limit}"),
                Error::Read { source, .. } => source.to_string(),
                other => other.to_string(),
            };
            problems.push(
                Problem::new(format!("cannot read dotenv file `{file}`: {why}"), span)
                    .label("dotenv file"),
            );
            return HashMap::new();
        }
    };
    let (vars, errors) = dotenv::parse(&text);
    if !errors.is_empty() {
        let shown = Arc::new(Excerpt::new(file, dotenv::masked(&text)));
        for e in errors {
            problems.push(
                Problem::new(format!("{file} line {}: {}", e.line, e.message), Span::from(e.span))
                    .label("not read")
                    .help("dotenv lines are `KEY=value`, `export KEY=value` or `# comment`; values are shown masked")
                    .in_source(shown.clone()),
            );
        }
    }
    vars
}

/// Whether a server URL has `//` and a non-empty authority after its scheme.
fn names_a_host(url: &str) -> bool {
    let Some((_, rest)) = url.split_once(':') else {
        return false;
    };
    rest.strip_prefix("//")
        .is_some_and(|r| !r.starts_with(['/', '?', '#']) && !r.is_empty())
}

/// The dialect a URL's scheme names.
pub fn dialect_of(url: &str) -> Option<Dialect> {
    Dialect::from_scheme(url.split_once(':')?.0)
}

/// Replaces `${VAR}` and `${VAR:-fallback}` in `raw` once, adding each variable whose value
/// was used to `used`; problems point at the reference.
fn substitute(
    raw: &str,
    span: Span,
    source: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    used: &mut Vec<String>,
    problems: &mut Vec<Problem>,
) -> String {
    let mut out = String::new();
    let mut rest = raw;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            problems.push(
                Problem::new(
                    "unclosed `${` in the url",
                    locate(source, span, &rest[start..]),
                )
                .label("missing `}`"),
            );
            return out;
        };
        let reference = &after[..end];
        let at = locate(source, span, &format!("${{{reference}}}"));
        let (var, fallback) = match reference.split_once(":-") {
            Some((v, f)) => (v, Some(f)),
            None => (reference, None),
        };
        let named = var.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !named {
            problems.push(
                Problem::new(format!("`${{{reference}}}` does not name a variable"), at)
                    .label("not a variable name")
                    .help("variable names are letters, digits and `_`: `${DB_PASSWORD}`"),
            );
        } else if fallback.is_some_and(|f| f.contains("${")) {
            problems.push(
                Problem::new(format!("the fallback of `{var}` holds another `${{`"), at)
                    .label("nested reference")
                    .help("a fallback is plain text; references are not nested"),
            );
        } else {
            match (lookup(var), fallback) {
                (Some(value), _) if value.contains("${") => problems.push(
                    Problem::new(format!("the value of `{var}` holds `${{`"), at)
                        .label("value not used")
                        .help("values are used as they are, never expanded again; set the final value"),
                ),
                (Some(value), _) => {
                    used.push(var.to_string());
                    out.push_str(&value);
                }
                (None, Some(f)) => out.push_str(f),
                (None, None) => problems.push(
                    Problem::new(format!("variable `{var}` has no value"), at)
                        .label("not set")
                        .help(format!("set `{var}` in the environment or in {DEFAULT_DOTENV}, or give a fallback: `${{{var}:-value}}`")),
                ),
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The value of a `user` or `password` setting, its variables substituted (it is then
/// percent-encoded into the url, so it may hold any character).
fn credential(
    given: &Option<(String, Span)>,
    source: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    used: &mut Vec<String>,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    let (raw, span) = given.as_ref()?;
    Some(substitute(raw, *span, source, lookup, used, problems))
}

/// A server url that does not parse once its variables are substituted: the problem names
/// the variables (never their values) and how to write a value that needs no encoding.
fn unparsed_url(why: &str, used: &[String], span: Span) -> Problem {
    let from = match used {
        [] => String::new(),
        vars => format!(
            " after substituting {}",
            vars.iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Problem::new(format!("the url does not parse{from}: {why}"), span)
        .label("not a valid url")
        .help("a value with `@ : / # ? %` must be percent-encoded in a url (`@` is `%40`); or give the credentials as their own settings, which reconcile encodes: `user \"${DB_USER}\"` and `password \"${DB_PASSWORD}\"`")
}

/// The span of `needle` inside the entry at `span`, or the entry's span.
fn locate(source: &str, span: Span, needle: &str) -> Span {
    let start = span.offset();
    source
        .get(start..start + span.len())
        .and_then(|text| text.find(needle))
        .map_or(span, |i| Span::from(start + i..start + i + needle.len()))
}

/// The dialect an environment file names by its url's scheme, without substituting variables
/// (for `check`, which must not need credentials).
pub fn declared_dialect(root: &Path, name: &str) -> Option<Dialect> {
    let path = root.join("environments").join(format!("{name}.kdl"));
    let source = crate::input::read_text(&path, MAX_ENVIRONMENT_BYTES).ok()?;
    let doc = crate::parse::kdl_document(&source).ok()?;
    let url = doc.get("url")?.entry(0usize)?.value().as_string()?;
    dialect_of(&crate::target::without_driver(url).0)
}
