//! A project folder: `schema.kdl` and `environments/`. Loading the schema parses and
//! validates it in one go, so nothing downstream ever sees an invalid schema.

use std::path::{Path, PathBuf};

use crate::dialect::Dialect;
use crate::error::{Diagnostics, Error};
use crate::schema::Schema;
use crate::timings;

/// The schema file's name, as diagnostics show it.
pub const SCHEMA_FILE: &str = "schema.kdl";

/// Reads, parses and validates `schema.kdl` of the project at `root` against the rules of
/// `dialects`. Fails with every problem found.
pub fn load_schema(root: &Path, dialects: &[Dialect]) -> Result<Schema, Error> {
    let path: PathBuf = root.join(SCHEMA_FILE);
    if !path.is_file() {
        return Err(Error::NoSchema {
            path: root.to_path_buf(),
        });
    }
    let source = std::fs::read_to_string(&path).map_err(|source| Error::Read { path, source })?;
    schema_from_source(&source, dialects)
}

/// Parses and validates schema text (named `schema.kdl` in diagnostics).
pub fn schema_from_source(source: &str, dialects: &[Dialect]) -> Result<Schema, Error> {
    let (schema, mut problems) = timings::stage("parse", || crate::parse::parse(source));
    problems.extend(timings::stage("validate", || {
        crate::validate::validate(&schema, dialects)
    }));
    problems.sort_by_key(|p| p.span.offset());
    if problems.is_empty() {
        Ok(schema)
    } else {
        Err(Error::Source(Diagnostics::new(
            SCHEMA_FILE,
            source,
            problems,
        )))
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
