//! The three databases behind one trait. Shared code asks capability questions
//! (`can_add_foreign_key`, `transactional_ddl`, `data_effect`) and never "which database is
//! this?"; the identity enum [`Dialect`] only names a family.
//!
//! A dialect is a value: the offline default ([`Dialect::sql`]) or what a live driver builds
//! from the server it connected to (a MySQL flavor and version). Each module renders every
//! [`Change`] with an exhaustive `match`, and holds its normalization rules, both directions,
//! in its `normalize.rs`.

mod lossy;
pub mod mysql;
pub mod postgres;
pub(crate) mod sql;
pub mod sqlite;
mod statement;

pub use crate::schema::Dialect;
pub use lossy::Lossy;
pub use mysql::rules::mentions;
pub use sql::{is_sql_keyword_default, normalize_type, quote_string};
pub use statement::{Blocks, Estimate, Lock, Phase, Rewrite, Statement};

use crate::change::{Change, TableChange};
use crate::error::Problem;
use crate::schema::{Column, DefaultValue, Schema, Table, TableOptions, Type};

impl Dialect {
    /// The default implementation of this dialect, for offline plans and validation (MySQL:
    /// SQL that both MySQL 8 and MariaDB 10.5+ accept).
    pub fn sql(self) -> &'static dyn SqlDialect {
        static SQLITE: sqlite::Sqlite = sqlite::Sqlite;
        static MYSQL: mysql::Mysql = mysql::Mysql::OFFLINE;
        static POSTGRES: postgres::Postgres = postgres::Postgres::OFFLINE;
        match self {
            Dialect::Sqlite => &SQLITE,
            Dialect::Mysql => &MYSQL,
            Dialect::Postgres => &POSTGRES,
        }
    }
}

/// What changing a column's definition does to the values already stored in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataEffect {
    /// Every stored value stays exactly as it is: not destructive.
    Keeps,
    /// Values are kept, but the new definition cannot hold some values (SQLite's rowid takes
    /// integers only): not destructive; `lossy` (as below) is counted by preflight.
    Checked { lossy: String },
    /// Stored values are converted or reinterpreted: destructive. `lossy` is an SQL condition
    /// over the live column (quoted name in place) that is true for the values that would
    /// not survive the conversion, decided by the server where it can be (a round trip:
    /// converted and back, the same value?); preflight counts them and refuses when there
    /// are any. `None` when the database cannot tell, or fails the conversion whatever the
    /// rows hold (the conversion is still destructive).
    Converts { lossy: Option<String> },
}

/// What one database can do and how it spells it.
pub trait SqlDialect: Sync {
    /// Which family this is (for JSON and messages; never for branching in shared code).
    fn id(&self) -> Dialect;

    /// The server this dialect value describes, for messages (`MariaDB 10.11.6`).
    fn server(&self) -> String {
        self.id().to_string()
    }

    /// An identifier, always quoted so that reserved words and mixed case work.
    fn quote(&self, ident: &str) -> String {
        format!("\"{}\"", ident.replace('"', "\"\""))
    }

    /// The SQL spelling of a portable type.
    fn type_sql(&self, ty: &Type) -> String;

    /// The type of `column` as created: its declared spelling, else its type's.
    fn column_type_sql(&self, column: &Column) -> String {
        column
            .declared
            .clone()
            .unwrap_or_else(|| self.type_sql(&column.ty))
    }

    /// The SQL of a default value for a column of type `ty`.
    fn default_sql(&self, default: &DefaultValue, ty: &Type) -> String;

    /// The full definition of `column` inside `CREATE TABLE` or `ADD COLUMN`.
    fn column_sql(&self, table: &Table, column: &Column) -> String;

    /// The statements of `change`, in order, each with how it runs: its phase, its lock,
    /// whether it rewrites or scans its table. The one call that renders a change.
    fn statements(&self, change: &Change) -> Vec<Statement>;

    /// [`SqlDialect::statements`] for a change that another change of the plan depends on
    /// ([`crate::order::depended_on`]: a foreign key on the index it builds, a name it
    /// frees): the indexes it creates or drops stay in plan order rather than after the
    /// commit. Validations may still follow the commit; nothing depends on them.
    fn statements_depended_on(&self, change: &Change) -> Vec<Statement> {
        self.statements(change)
    }

    /// Statements that wrap a whole `--format sql` script so that it runs as-is in the
    /// database's own client (SQLite: foreign keys off, one transaction, the key check).
    fn script_wrapper(&self) -> (Vec<String>, Vec<String>) {
        (Vec::new(), Vec::new())
    }

    /// What changing column `from` (live) into `to` (desired) does to stored values.
    fn data_effect(&self, from: &Column, to: &Column) -> DataEffect {
        if from.ty.widens_to(&to.ty) {
            DataEffect::Keeps
        } else {
            DataEffect::Converts { lossy: None }
        }
    }

    /// Whether a view stays in place while what it reads changes, and is given its new
    /// query (or its columns again) with `CREATE OR REPLACE VIEW` after (MySQL, whose views
    /// bind to nothing): no moment without the view. Elsewhere a view is dropped before and
    /// created after, in the transaction.
    fn replaces_views(&self) -> bool {
        false
    }

    /// Whether a generated column can be virtual, computed when read.
    fn has_virtual_columns(&self) -> bool {
        true
    }

    /// Whether this database changes column `from` (live) into `to` (desired) by dropping it
    /// and adding it again, where a generated column's expression or storage cannot change
    /// in place. Its indexes, checks and foreign keys go with it, so the differ makes them
    /// again ([`crate::diff`]); the values a generated column held are its expression's.
    fn replaces_column(&self, _from: &Column, _to: &Column) -> bool {
        false
    }

    /// `expr` (a live column) as a value of `to`, for counting what a new check meets after
    /// the column's type changes, or `None` when the database has no such cast (preflight
    /// counts the rows as the change leaves them).
    fn cast_sql(&self, _expr: &str, _to: &Type) -> Option<String> {
        None
    }

    /// A statement that rebuilds `table` as it is, where a rebuild makes the server spell
    /// its checks and defaults again from its own text, which can read differently (MySQL 9
    /// flattens `a and (b and c)`): the scratch reads a desired table both ways.
    fn rebuild_sql(&self, _table: &str) -> Option<String> {
        None
    }

    /// `expr` as text, for showing a stored value (a preflight sample).
    fn text_sql(&self, expr: &str) -> String {
        format!("CAST({expr} AS TEXT)")
    }

    /// Reads a type as the catalog or a hint spells it; unknown types become [`Type::Raw`].
    fn parse_type(&self, sql: &str) -> Type;

    /// Reads a default as the catalog spells it, for a column of type `ty`.
    fn parse_default(&self, sql: &str, ty: &Type) -> DefaultValue;

    /// Adjusts a resolved desired table to what this database makes of it, so that it
    /// compares equal to the table read back after creation (SQLite's rowid key).
    fn normalize_desired(&self, _table: &mut Table) {}

    /// Whether a foreign key can be added to an existing table (else keys go inline).
    fn can_add_foreign_key(&self) -> bool {
        true
    }

    /// Whether the database indexes a foreign key's columns itself when no index begins
    /// with them (MySQL's InnoDB).
    fn indexes_foreign_keys(&self) -> bool {
        false
    }

    /// Why an online schema change tool (`pt-online-schema-change`) cannot carry out `sql`
    /// instead of the database, or `None` when it can. Only MySQL has such tools.
    fn online_tool_refuses(&self, _sql: &str) -> Option<&'static str> {
        Some("only MySQL and MariaDB hand statements to an online schema change tool")
    }

    /// Whether a foreign key's target table must exist when the key is created.
    fn foreign_key_target_must_exist(&self) -> bool {
        true
    }

    /// Whether a foreign key forbids changing the type of the columns on either side while
    /// it exists (MySQL: "Cannot change column ... used in a foreign key constraint").
    fn foreign_keys_pin_column_types(&self) -> bool {
        false
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

    /// Whether a column can take `ON UPDATE expr`, set by the server when its row changes
    /// (MySQL).
    fn has_on_update(&self) -> bool {
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

    /// An SQL expression (a check, a partial-index predicate, a default) in the form that
    /// two spellings of it share on this database, for comparing only (never rendered).
    fn comparable_sql(&self, sql: &str) -> String {
        sql::normalize_sql(sql)
    }

    /// The rules of `schema.kdl` that only this database imposes.
    fn rules(&self, _schema: &Schema) -> Vec<Problem> {
        Vec::new()
    }

    /// Whether an enum is a type of its own, named and shared by its columns (PostgreSQL's
    /// `CREATE TYPE ... AS ENUM`), rather than each column's list of values.
    fn named_enums(&self) -> bool {
        false
    }

    /// Whether an enum column sorts and compares by the position of its values (MySQL,
    /// PostgreSQL), not by their text.
    fn enums_sort_by_position(&self) -> bool {
        true
    }
}

/// The schema as `d` sees it: hints for `d` folded in, other hints dropped, what the
/// database cannot hold (comments, table options) removed, and each table normalized to what
/// the database makes of it.
pub fn resolve(schema: &Schema, d: &dyn SqlDialect) -> Schema {
    let dialect = d.id();
    let mut out = schema.clone();
    if !d.named_enums() {
        out.enums.clear();
    }
    for table in &mut out.tables {
        for column in &mut table.columns {
            for hint in std::mem::take(&mut column.hints)
                .into_iter()
                .filter(|h| h.dialect == dialect)
            {
                if let Some((ty, _)) = hint.ty {
                    column.ty = d.parse_type(&ty);
                    column.declared = Some(ty);
                }
                column.collate = hint.collate.or(column.collate.take());
                column.charset = hint.charset.or(column.charset.take());
                column.default = hint.default.or(column.default.take());
                column.on_update = hint.on_update.or(column.on_update.take());
                if let (Some((expr, span)), Some(g)) = (hint.generated, &mut column.generated) {
                    (g.expr, g.span) = (expr, span);
                }
            }
            if !d.supports_comments() {
                column.comment = None;
            }
            column.default = column
                .default
                .take()
                .map(|v| normalize_default(v, &column.ty));
            if let (Type::Enum { name, .. }, false) = (&mut column.ty, d.named_enums()) {
                // The values are the column's: the database keeps no name to compare.
                name.clear();
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
        table.indexes.retain(|i| !i.skipped.contains(&dialect));
        table.indexes.iter_mut().for_each(|i| i.skipped.clear());
        if dialect != Dialect::Mysql {
            // `mysql length=N` is MySQL's alone.
            table.indexes.iter_mut().for_each(|i| i.prefixes.clear());
        }
        d.normalize_desired(table);
    }
    for view in &mut out.views {
        if let Some((_, sql)) = view.hints.iter().find(|(h, _)| *h == dialect) {
            view.sql = sql.clone();
        }
        view.hints.clear();
    }
    out
}

/// A default in its canonical form for a column of type `ty`, the same on both sides of a
/// comparison: `0`/`1` on a `bool` column are booleans; a numeric literal written as a string
/// on a numeric column is a number.
pub fn normalize_default(default: DefaultValue, ty: &Type) -> DefaultValue {
    let numeric =
        ty.is_integer() || matches!(ty, Type::Float | Type::Double | Type::Decimal { .. });
    match default {
        DefaultValue::Number(n) | DefaultValue::String(n) if *ty == Type::Bool && n == "1" => {
            DefaultValue::Bool(true)
        }
        DefaultValue::Number(n) | DefaultValue::String(n) if *ty == Type::Bool && n == "0" => {
            DefaultValue::Bool(false)
        }
        DefaultValue::String(s) if numeric && is_number(&s) => DefaultValue::Number(s),
        // MySQL's catalog prints the value `-1` of an enum bare, as it prints a number.
        DefaultValue::Number(n) if matches!(ty, Type::Enum { .. }) => DefaultValue::String(n),
        other => other,
    }
}

/// Whether two generated-column definitions are the same: both plain, or the same storage
/// and the same expression in the database's terms.
pub fn same_generated(d: &dyn SqlDialect, a: &Column, b: &Column) -> bool {
    match (&a.generated, &b.generated) {
        (None, None) => true,
        (Some(x), Some(y)) => {
            x.stored == y.stored && d.comparable_sql(&x.expr) == d.comparable_sql(&y.expr)
        }
        _ => false,
    }
}

/// What changing column `from` into `to` does to its stored values on `d`: a generated
/// column's values are its expression's, so a new expression loses none, while a plain
/// column that becomes generated gives its values up for the expression's.
pub fn column_data_effect(d: &dyn SqlDialect, from: &Column, to: &Column) -> DataEffect {
    match (&from.generated, &to.generated) {
        (Some(_), Some(_)) => DataEffect::Keeps,
        (None, Some(_)) => DataEffect::Converts { lossy: None },
        // Dropped and added again, a plain column starts empty.
        (Some(_), None) if d.replaces_column(from, to) => DataEffect::Converts { lossy: None },
        _ => d.data_effect(from, to),
    }
}

/// Whether one of `changes` gives a column that `expr` mentions another type.
pub fn retypes_a_column_of(expr: &str, changes: &[TableChange]) -> bool {
    changes.iter().any(|c| {
        matches!(c, TableChange::AlterColumn { from, to, .. }
            if from.ty != to.ty && mentions(expr, &to.name))
    })
}

/// Whether `s` is a plain decimal number (`-1`, `2.50`), as catalogs print numeric defaults.
pub fn is_number(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let frac = parts.next();
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

impl DataEffect {
    /// Whether the change can alter stored values (cli.md, "Destructive changes").
    pub fn is_destructive(&self) -> bool {
        matches!(self, DataEffect::Converts { .. })
    }

    /// The condition for values that would not survive, if the database can tell.
    pub fn lossy(&self) -> Option<&str> {
        match self {
            DataEffect::Keeps | DataEffect::Converts { lossy: None } => None,
            DataEffect::Checked { lossy } | DataEffect::Converts { lossy: Some(lossy) } => {
                Some(lossy)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every portable type reads back as itself from its own spelling, on every dialect.
    #[test]
    fn types_round_trip_through_their_spelling() {
        let portable = [
            Type::Bool,
            Type::SmallInt,
            Type::Int,
            Type::BigInt,
            Type::Float,
            Type::Double,
            Type::Decimal {
                precision: 12,
                scale: 2,
            },
            Type::String { length: Some(200) },
            Type::Text,
            Type::Bytes,
            Type::Date,
            Type::Time,
            Type::DateTime,
            Type::Timestamp,
            Type::Uuid,
            Type::Json,
        ];
        for dialect in Dialect::ALL {
            let d = dialect.sql();
            for ty in &portable {
                assert_eq!(&d.parse_type(&d.type_sql(ty)), ty, "{dialect}: {ty}");
                let lower = d.type_sql(ty).to_lowercase();
                assert_eq!(&d.parse_type(&lower), ty, "{dialect}: {lower}");
            }
        }
    }

    /// A widening keeps every value on every dialect: no preflight query.
    #[test]
    fn widening_changes_are_free_of_queries() {
        let pairs = [
            (Type::SmallInt, Type::Int),
            (Type::Int, Type::BigInt),
            (Type::Float, Type::Double),
            (Type::Date, Type::DateTime),
            (
                Type::String { length: Some(5) },
                Type::String { length: Some(50) },
            ),
            (Type::String { length: Some(5) }, Type::Text),
            (
                Type::Decimal {
                    precision: 5,
                    scale: 2,
                },
                Type::Decimal {
                    precision: 8,
                    scale: 3,
                },
            ),
        ];
        for dialect in Dialect::ALL {
            for (a, b) in &pairs {
                let effect = dialect
                    .sql()
                    .data_effect(&Column::new("c", a.clone()), &Column::new("c", b.clone()));
                assert_eq!(effect, DataEffect::Keeps, "{dialect}: {a} -> {b}");
            }
        }
    }

    #[test]
    fn defaults_have_one_canonical_form() {
        let b = |v| normalize_default(v, &Type::Bool);
        assert_eq!(
            b(DefaultValue::Number("1".into())),
            DefaultValue::Bool(true)
        );
        assert_eq!(
            b(DefaultValue::String("0".into())),
            DefaultValue::Bool(false)
        );
        assert_eq!(
            normalize_default(DefaultValue::String("2.50".into()), &Type::Double),
            DefaultValue::Number("2.50".into())
        );
        assert_eq!(
            normalize_default(DefaultValue::String("2.50".into()), &Type::Text),
            DefaultValue::String("2.50".into())
        );
        assert!(is_number("-12") && is_number("0.5") && !is_number("1e3") && !is_number("1."));
    }
}
