//! The three databases behind one trait. Shared code asks capability questions
//! (`can_add_foreign_key`, `transactional_ddl`) and never "which database is this?".
//!
//! Each module renders every [`Change`] with an exhaustive `match`; a change the database
//! cannot make in place renders as `None` and the differ turns it into a table rebuild.

mod mysql;
mod mysql_rules;
pub use mysql_rules::mentions;
mod postgres;
mod sql;
mod sqlite;

use std::fmt;

use crate::change::Change;
use crate::error::Problem;
use crate::schema::{Column, DefaultValue, Schema, Table, TableOptions, Type};

pub use sql::{is_sql_keyword_default, normalize_type, quote_string};

/// A database family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    Sqlite,
    Mysql,
    Postgres,
}

impl Dialect {
    /// Every dialect, in a fixed order.
    pub const ALL: [Dialect; 3] = [Dialect::Sqlite, Dialect::Mysql, Dialect::Postgres];

    /// The dialect called `name` in `schema.kdl` hints and on the command line.
    pub fn from_name(name: &str) -> Option<Dialect> {
        match name {
            "sqlite" => Some(Dialect::Sqlite),
            "mysql" => Some(Dialect::Mysql),
            "postgres" => Some(Dialect::Postgres),
            _ => None,
        }
    }

    /// The lower-case name used in hints, flags and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Mysql => "mysql",
            Dialect::Postgres => "postgres",
        }
    }

    /// The implementation of this dialect.
    pub fn sql(self) -> &'static dyn SqlDialect {
        match self {
            Dialect::Sqlite => &sqlite::Sqlite,
            Dialect::Mysql => &mysql::Mysql,
            Dialect::Postgres => &postgres::Postgres,
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What one database can do and how it spells it.
pub trait SqlDialect: Sync {
    /// Which dialect this is.
    fn dialect(&self) -> Dialect;

    /// An identifier, always quoted so that reserved words and mixed case work.
    fn quote(&self, ident: &str) -> String {
        format!("\"{}\"", ident.replace('"', "\"\""))
    }

    /// The SQL spelling of a portable type.
    fn type_sql(&self, ty: &Type) -> String;

    /// The type of `column` as created (SQLite spells an auto-increment key `INTEGER`).
    fn column_type_sql(&self, column: &Column) -> String {
        self.type_sql(&column.ty)
    }

    /// Reads a type as the catalog or a hint spells it; unknown types become [`Type::Raw`].
    fn parse_type(&self, sql: &str) -> Type;

    /// The SQL of a default value for a column of type `ty`.
    fn default_sql(&self, default: &DefaultValue, ty: &Type) -> String;

    /// The full definition of `column` inside `CREATE TABLE` or `ADD COLUMN`.
    fn column_sql(&self, table: &Table, column: &Column) -> String;

    /// The statements of `change`, or `None` when this database cannot make it in place.
    fn render(&self, change: &Change) -> Option<Vec<String>>;

    /// Whether a foreign key can be added to an existing table (else keys go inline).
    fn can_add_foreign_key(&self) -> bool {
        true
    }

    /// Whether a foreign key's target table must exist when the key is created.
    fn foreign_key_target_must_exist(&self) -> bool {
        true
    }

    /// Whether DDL runs inside a transaction that can be rolled back.
    fn transactional_ddl(&self) -> bool;

    /// Whether tables and columns carry comments.
    fn supports_comments(&self) -> bool {
        true
    }

    /// Whether tables and columns carry a character set and table options (MySQL).
    fn has_charsets(&self) -> bool {
        false
    }

    /// The largest `decimal` precision and scale this database accepts, if it has a limit.
    fn decimal_limits(&self) -> Option<(u32, u32)> {
        None
    }

    /// Whether the catalog reports foreign-key names (else keys match by their columns).
    fn reports_foreign_key_names(&self) -> bool {
        true
    }

    /// Adjusts a resolved table to what this database makes of it (SQLite's rowid alias).
    fn normalize(&self, _table: &mut Table) {}

    /// The rules of `schema.kdl` that only this database imposes.
    fn rules(&self, _schema: &Schema) -> Vec<Problem> {
        Vec::new()
    }
}

/// The schema as `dialect` sees it: hints for `dialect` folded in, other hints dropped,
/// and what the database cannot hold (comments, table options) removed.
pub fn resolve(schema: &Schema, dialect: Dialect) -> Schema {
    let d = dialect.sql();
    let mut out = schema.clone();
    for table in &mut out.tables {
        for column in &mut table.columns {
            for hint in std::mem::take(&mut column.hints)
                .into_iter()
                .filter(|h| h.dialect == dialect)
            {
                if let Some((ty, _)) = hint.ty {
                    column.ty = d.parse_type(&ty);
                }
                column.collate = hint.collate.or(column.collate.take());
                column.charset = hint.charset.or(column.charset.take());
                column.default = hint.default.or(column.default.take());
            }
            if !d.supports_comments() {
                column.comment = None;
            }
        }
        if !d.supports_comments() {
            table.comment = None;
        }
        if !d.has_charsets() {
            table.options = TableOptions::default();
            for column in &mut table.columns {
                column.charset = None;
            }
        }
        d.normalize(table);
    }
    out
}
