//! A project folder: `schema.kdl` and `environments/`. Loading the schema parses and
//! validates it in one go, so nothing downstream ever sees an invalid schema.

use std::path::{Path, PathBuf};

use crate::dialect::Dialect;
use crate::error::{Diagnostics, Error};
use crate::schema::Schema;
use crate::timings;

/// The schema file's name, as diagnostics show it.
pub const SCHEMA_FILE: &str = "schema.kdl";

/// The largest `schema.kdl` read; the benchmark's 10,000 tables take 4.8 MiB.
pub const MAX_SCHEMA_BYTES: u64 = 32 << 20;

/// Reads, parses and validates `schema.kdl` of the project at `root` against the rules of
/// `dialects`. Fails with every problem found.
pub fn load_schema(root: &Path, dialects: &[Dialect]) -> Result<Schema, Error> {
    let path: PathBuf = root.join(SCHEMA_FILE);
    if !path.exists() {
        return Err(Error::NoSchema {
            path: root.to_path_buf(),
        });
    }
    let source = crate::input::read_text(&path, MAX_SCHEMA_BYTES)?;
    schema_from_source(&source, dialects)
}

/// Parses and validates schema text (named `schema.kdl` in diagnostics); text longer than
/// [`MAX_SCHEMA_BYTES`] is refused unread.
pub fn schema_from_source(source: &str, dialects: &[Dialect]) -> Result<Schema, Error> {
    schema_from_named_source(SCHEMA_FILE, source, dialects)
}

/// Reads, parses and validates a schema file at any `path` (`reconcile diff`; `-` is
/// standard input, and a pipe from `<(...)` is read too); diagnostics name the file as
/// given.
pub fn load_schema_file(path: &Path, dialects: &[Dialect]) -> Result<Schema, Error> {
    let source = crate::input::read_argument(path, MAX_SCHEMA_BYTES)?;
    schema_from_named_source(&path.display().to_string(), &source, dialects)
}

/// [`schema_from_source`] for a file called `name` in diagnostics.
pub fn schema_from_named_source(
    name: &str,
    source: &str,
    dialects: &[Dialect],
) -> Result<Schema, Error> {
    if source.len() as u64 > MAX_SCHEMA_BYTES {
        let p = crate::error::Problem::new(
            format!(
                "{name} is larger than {}",
                crate::input::size(MAX_SCHEMA_BYTES)
            ),
            crate::schema::Span::from(0..0),
        )
        .label("too large");
        return Err(Error::Source(Diagnostics::new(name, source, vec![p])));
    }
    let (schema, mut problems) = timings::stage("parse", || crate::parse::parse(source));
    problems.extend(timings::stage("validate", || {
        crate::validate::validate(&schema, dialects)
    }));
    problems.sort_by_key(|p| p.span.offset());
    if problems.is_empty() {
        Ok(schema)
    } else {
        Err(Error::Source(Diagnostics::new(name, source, problems)))
    }
}

/// The dialects named by the project's environments (for `check`), or every dialect when
/// the project has no environment.
pub fn environment_dialects(root: &Path) -> Vec<Dialect> {
    let mut out: Vec<Dialect> = crate::environment::list(root)
        .iter()
        .filter_map(|name| crate::environment::declared_dialect(root, name))
        .collect();
    if out.is_empty() {
        out = Dialect::ALL.to_vec();
    }
    out.sort();
    out.dedup();
    out
}
