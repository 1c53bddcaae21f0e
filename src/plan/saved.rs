//! Saved plans (`plan --out plan.json`, then `apply --plan plan.json`): Terraform's model
//! with no server of ours. The file is the plan's JSON format; apply reads back the
//! environment, the dialect, the statements and the fingerprint of the database's schema
//! the plan was made from, and the one orchestrator ([`crate::database::apply`]) refuses,
//! changing nothing, unless the plan it makes under the lock has that same fingerprint and
//! runs exactly those statements.
//!
//! The fingerprint is FNV-1a (64 bits) over the `Debug` rendering of the introspected schema
//! (tables in catalog order, every column, key, index, check, the views and their queries,
//! and the unmanaged triggers and ignored views), after ignored tables are left out. Vectors only, no hash maps, so the rendering
//! is canonical for one version of reconcile; a saved plan records that version and is
//! refused by any other.

use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;

use super::Plan;
use crate::error::{Diagnostics, Error, Problem};
use crate::schema::{Schema, Span};

/// The version of the JSON plan format; [`SavedPlan::load`] refuses any other.
pub const FORMAT_VERSION: u32 = 1;

/// The largest saved plan read.
pub const MAX_PLAN_BYTES: u64 = 256 << 20;

/// The fingerprint of a database's schema: `fnv1a64:` and 16 hex digits.
pub fn fingerprint(schema: &Schema) -> String {
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    let views: Vec<(&str, &str)> = schema
        .views
        .iter()
        .map(|v| (v.name.as_str(), v.sql.as_str()))
        .collect();
    let _ = write!(h, "{:?}|{views:?}|{:?}", schema.tables, schema.unmanaged);
    format!("fnv1a64:{:016x}", h.0)
}

/// FNV-1a, fed by `write!` so that the rendering is never held in memory whole.
struct Fnv(u64);

impl std::fmt::Write for Fnv {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        for b in s.bytes() {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        Ok(())
    }
}

/// A plan read back from its JSON file: what apply must find and run.
#[derive(Debug, Clone, Deserialize)]
pub struct SavedPlan {
    pub format_version: u32,
    pub reconcile_version: String,
    pub environment: String,
    pub dialect: String,
    /// `None` when the plan was made with no database; such a plan cannot be applied.
    pub fingerprint: Option<String>,
    /// The database the plan was made against (`host:port/database`, a file's path).
    #[serde(default)]
    pub target: Option<String>,
    pub statements: Vec<SavedStatement>,
}

/// One statement of a saved plan.
#[derive(Debug, Clone, Deserialize)]
pub struct SavedStatement {
    pub sql: String,
}

impl SavedPlan {
    /// Reads and checks the saved plan at `path`; a file that is not one is a diagnostic at
    /// its line and column.
    pub fn load(path: &Path) -> Result<SavedPlan, Error> {
        let text = crate::input::read_text(path, MAX_PLAN_BYTES)?;
        let file = path.display().to_string();
        let problem = |message: String, offset: usize, help: &str| {
            let p = Problem::new(message, Span::from(offset..offset))
                .label("here")
                .help(help.to_string());
            Error::Source(Diagnostics::new(file.clone(), &text, vec![p]))
        };
        let saved: SavedPlan = serde_json::from_str(&text).map_err(|e| {
            problem(
                format!("not a saved plan: {e}"),
                offset_of(&text, e.line(), e.column()),
                "write one with `reconcile plan --out FILE` (the JSON format)",
            )
        })?;
        if saved.format_version != FORMAT_VERSION {
            return Err(problem(
                format!(
                    "plan format version {} is not {FORMAT_VERSION}, the one this reconcile reads",
                    saved.format_version
                ),
                text.find("\"format_version\"").unwrap_or(0),
                "make the plan again with this version of reconcile",
            ));
        }
        if saved.reconcile_version != env!("CARGO_PKG_VERSION") {
            return Err(problem(
                format!(
                    "the plan was made by reconcile {}, this is {}",
                    saved.reconcile_version,
                    env!("CARGO_PKG_VERSION")
                ),
                text.find("\"reconcile_version\"").unwrap_or(0),
                "fingerprints are only comparable within one version; make the plan again",
            ));
        }
        if saved.fingerprint.is_none() {
            return Err(problem(
                "the plan was made with no database (`plan --dialect` or `diff`)".into(),
                text.find("\"fingerprint\"").unwrap_or(0),
                "save a plan of the environment itself: `reconcile plan --out FILE`",
            ));
        }
        Ok(saved)
    }

    /// Refuses the plan for another environment or database kind than `environment` on
    /// `dialect` (before any connection).
    pub fn check_target(&self, environment: &str, dialect: &str) -> Result<(), Error> {
        if self.environment != environment || self.dialect != dialect {
            return Err(Error::SavedPlanTarget {
                saved: format!("`{}` ({})", self.environment, self.dialect),
                target: format!("`{environment}` ({dialect})"),
            });
        }
        Ok(())
    }

    /// Refuses unless `plan`, made under the lock, starts from the same database schema and
    /// runs exactly the saved statements.
    pub fn check(&self, plan: &Plan) -> Result<(), Error> {
        self.check_target(&plan.environment, plan.dialect.name())?;
        if self.target != plan.target {
            let shown = |t: &Option<String>| t.clone().unwrap_or_else(|| "no database".into());
            return Err(Error::SavedPlanTarget {
                saved: format!("`{}` ({})", self.environment, shown(&self.target)),
                target: format!("`{}` ({})", plan.environment, shown(&plan.target)),
            });
        }
        if self.fingerprint != plan.fingerprint {
            return Err(Error::SavedPlanStale {
                saved: self.fingerprint.clone().unwrap_or_default(),
                now: plan.fingerprint.clone().unwrap_or_default(),
            });
        }
        let same = self
            .statements
            .iter()
            .map(|s| s.sql.as_str())
            .eq(plan.statements().map(|(_, s)| s.sql.as_str()));
        if !same {
            return Err(Error::SavedPlanDiffers {
                saved: self.statements.len(),
                now: plan.statements().count(),
            });
        }
        Ok(())
    }
}

/// The byte offset of 1-based `line` and `column` in `text` (serde_json's error position).
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let rest = text.get(start..).unwrap_or("");
    start
        + rest
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(rest.len(), |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(source: &str) -> Schema {
        let (schema, problems) = crate::parse::parse(source);
        assert!(problems.is_empty(), "{problems:?}");
        schema
    }

    #[test]
    fn the_fingerprint_is_stable_and_sees_every_change() {
        let a = schema("table t {\n    column id int primary-key=#true\n}\n");
        assert_eq!(fingerprint(&a), fingerprint(&a.clone()));
        assert_eq!(fingerprint(&a).len(), "fnv1a64:".len() + 16);
        let c = schema("table t {\n    column id bigint primary-key=#true\n}\n");
        assert_ne!(fingerprint(&a), fingerprint(&c));
        assert_ne!(fingerprint(&a), fingerprint(&Schema::default()));
    }

    #[test]
    fn json_positions_become_offsets() {
        let text = "{\n  \"a\": 1,\n  oops\n}\n";
        assert_eq!(&text[offset_of(text, 3, 3)..][..4], "oops");
        assert_eq!(offset_of(text, 1, 1), 0);
        assert_eq!(offset_of(text, 99, 99), text.len());
        assert_eq!(offset_of("é\nx", 2, 1), "é\n".len());
    }
}
