//! `environments/NAME.kdl`: where one environment's database is. `${VAR}` and
//! `${VAR:-fallback}` take values from the process environment, then from a dotenv file;
//! a missing variable is reported by name, file and line, never with a value.

use std::collections::HashMap;
use std::path::Path;

use kdl::KdlDocument;

use crate::dialect::Dialect;
use crate::error::{Diagnostics, Error, Problem};
use crate::redact::SecretUrl;
use crate::schema::Span;

/// The environment used when neither `--env` nor `RECONCILE_ENV` names one.
pub const DEFAULT_ENVIRONMENT: &str = "development";

/// One environment, resolved: variables substituted, dialect chosen by the URL's scheme.
#[derive(Debug, Clone)]
pub struct Environment {
    pub name: String,
    pub url: SecretUrl,
    pub dialect: Dialect,
    pub allow_destructive: bool,
    /// Seconds `apply` waits for another apply's lock.
    pub lock_timeout: u64,
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
    if !plain || !path.is_file() {
        return Err(Error::UnknownEnvironment {
            name: name.to_string(),
            known: list(root),
        });
    }
    let source = std::fs::read_to_string(&path).map_err(|source| Error::Read {
        path: path.clone(),
        source,
    })?;
    let file = format!("environments/{name}.kdl");
    parse(root, name, &source, vars)
        .map_err(|problems| Error::Source(Diagnostics::new(file, &source, problems)))
}

fn parse(
    root: &Path,
    name: &str,
    source: &str,
    vars: &dyn Fn(&str) -> Option<String>,
) -> Result<Environment, Vec<Problem>> {
    let doc = KdlDocument::parse(source).map_err(|e| {
        e.diagnostics
            .into_iter()
            .map(|d| {
                Problem::new(d.message.unwrap_or_else(|| "invalid KDL".into()), d.span)
                    .label(d.label.unwrap_or_else(|| "here".into()))
            })
            .collect::<Vec<_>>()
    })?;
    let mut problems = Vec::new();
    let mut url = None;
    let mut dotenv = None;
    let mut allow_destructive = false;
    let mut lock_timeout = 30;
    for node in doc.nodes() {
        let key = node.name().value();
        let first = node.entry(0usize);
        match (key, first.map(|e| e.value())) {
            ("url", Some(kdl::KdlValue::String(s))) => {
                url = Some((s.clone(), first.map_or(node.span(), |e| e.span())))
            }
            ("dotenv", Some(kdl::KdlValue::String(s))) => dotenv = Some((s.clone(), node.span())),
            ("allow-destructive", Some(kdl::KdlValue::Bool(b))) => allow_destructive = *b,
            ("lock-timeout", Some(kdl::KdlValue::Integer(n))) if (0..=86_400).contains(n) => {
                lock_timeout = *n as u64
            }
            ("url" | "dotenv" | "allow-destructive" | "lock-timeout", _) => {
                let want = match key {
                    "url" | "dotenv" => "a string",
                    "allow-destructive" => "`#true` or `#false`",
                    _ => "a number of seconds",
                };
                problems.push(
                    Problem::new(format!("`{key}` takes {want}"), node.span()).label("wrong value"),
                );
            }
            (other, _) => {
                let known = ["url", "dotenv", "allow-destructive", "lock-timeout"];
                let p = Problem::new(format!("unknown setting `{other}`"), node.name().span())
                    .label("unknown setting");
                problems.push(match crate::parse::did_you_mean(other, &known) {
                    Some(s) => p.help(format!("did you mean `{s}`?")),
                    None => p.help(format!("settings: {}", known.join(", "))),
                });
            }
        }
    }
    let dotenv_vars = match &dotenv {
        Some((file, span)) => match read_dotenv(&root.join(file)) {
            Ok(v) => v,
            Err(why) => {
                problems.push(
                    Problem::new(format!("cannot read dotenv file `{file}`: {why}"), *span)
                        .label("dotenv file"),
                );
                HashMap::new()
            }
        },
        None => read_dotenv(&root.join("config.env")).unwrap_or_default(),
    };
    let lookup = |var: &str| vars(var).or_else(|| dotenv_vars.get(var).cloned());
    let Some((raw, span)) = url else {
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
    let url = substitute(&raw, span, source, &lookup, &mut problems);
    let dialect = dialect_of(&url);
    if dialect.is_none() && problems.is_empty() {
        problems.push(
            Problem::new("the url's scheme names no supported database", span)
                .label("unknown scheme")
                .help("use sqlite://, mysql://, mariadb://, postgres:// or postgresql://"),
        );
    }
    match (dialect, problems.is_empty()) {
        (Some(dialect), true) => Ok(Environment {
            name: name.to_string(),
            url: SecretUrl::new(url),
            dialect,
            allow_destructive,
            lock_timeout,
        }),
        _ => Err(problems),
    }
}

fn read_dotenv(path: &Path) -> Result<HashMap<String, String>, String> {
    let iter = dotenvy::from_path_iter(path).map_err(|e| e.to_string())?;
    iter.map(|item| item.map_err(|e| e.to_string())).collect()
}

/// The dialect a URL's scheme names.
pub fn dialect_of(url: &str) -> Option<Dialect> {
    let scheme = url.split_once(':')?.0;
    match scheme {
        "sqlite" => Some(Dialect::Sqlite),
        "mysql" | "mariadb" => Some(Dialect::Mysql),
        "postgres" | "postgresql" => Some(Dialect::Postgres),
        _ => None,
    }
}

/// Replaces `${VAR}` and `${VAR:-fallback}` in `raw`; problems point at the reference.
fn substitute(
    raw: &str,
    span: Span,
    source: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    problems: &mut Vec<Problem>,
) -> String {
    let mut out = String::new();
    let mut rest = raw;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            problems.push(Problem::new("unclosed `${` in the url", span).label("missing `}`"));
            return out;
        };
        let reference = &after[..end];
        let (var, fallback) = match reference.split_once(":-") {
            Some((v, f)) => (v, Some(f)),
            None => (reference, None),
        };
        match (lookup(var), fallback) {
            (Some(value), _) => out.push_str(&value),
            (None, Some(f)) => out.push_str(f),
            (None, None) => problems.push(
                Problem::new(format!("variable `{var}` has no value"), locate(source, span, &format!("${{{reference}}}")))
                    .label("not set")
                    .help(format!("set `{var}` in the environment or in config.env, or give a fallback: `${{{var}:-value}}`")),
            ),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
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
    let source =
        std::fs::read_to_string(root.join("environments").join(format!("{name}.kdl"))).ok()?;
    let doc = KdlDocument::parse(&source).ok()?;
    dialect_of(doc.get("url")?.entry(0usize)?.value().as_string()?)
}
