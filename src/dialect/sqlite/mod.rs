//! SQLite: a file, types by affinity, and an `ALTER TABLE` that can add, rename and little
//! else; everything else is the documented table rebuild
//! (<https://www.sqlite.org/lang_altertable.html#otheralter>), decided in one place:
//! [`rebuild::in_place`].

mod normalize;
mod rebuild;
mod values;

pub use normalize::is_rowid_alias;
pub use rebuild::rebuild_name;

use super::sql::{self, quote_string};
use super::{DataEffect, Dialect, Lock, SqlDialect, Statement};
use crate::change::Change;
use crate::schema::{Column, DefaultValue, Table, Type};

/// SQLite 3.35 or later (sqlx bundles 3.51).
pub struct Sqlite;

impl SqlDialect for Sqlite {
    fn id(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn type_sql(&self, ty: &Type) -> String {
        match ty {
            Type::Bool => "BOOLEAN".into(),
            Type::SmallInt => "SMALLINT".into(),
            Type::Int => "INTEGER".into(),
            Type::BigInt => "BIGINT".into(),
            Type::Float => "REAL".into(),
            Type::Double => "DOUBLE".into(),
            Type::Decimal { precision, scale } => format!("NUMERIC({precision},{scale})"),
            Type::String { length: Some(n) } => format!("VARCHAR({n})"),
            Type::String { length: None } | Type::Text => "TEXT".into(),
            Type::Bytes => "BLOB".into(),
            Type::Date => "DATE".into(),
            Type::Time => "TIME".into(),
            Type::DateTime => "DATETIME".into(),
            Type::Timestamp => "TIMESTAMP".into(),
            Type::Uuid => "CHAR(36)".into(),
            Type::Json => "JSON".into(),
            // The values are the column's own check (`column_sql`).
            Type::Enum { .. } => "TEXT".into(),
            Type::Raw(s) => s.clone(),
        }
    }

    fn column_type_sql(&self, column: &Column) -> String {
        match &column.declared {
            _ if column.auto_increment => "INTEGER".into(),
            Some(declared) => declared.clone(),
            None => self.type_sql(&column.ty),
        }
    }

    fn default_sql(&self, default: &DefaultValue, _ty: &Type) -> String {
        sql::default_literal(default, false, ("TRUE", "FALSE"))
    }

    fn column_sql(&self, _table: &Table, column: &Column) -> String {
        let mut s = format!(
            "{} {}",
            self.quote(&column.name),
            self.column_type_sql(column)
        );
        if let Some(g) = &column.generated {
            s.push_str(&sql::generated_clause(g));
        }
        if column.auto_increment {
            s.push_str(" PRIMARY KEY");
        } else {
            if !column.nullable {
                s.push_str(" NOT NULL");
            }
            if let Some(d) = &column.default {
                s.push_str(" DEFAULT ");
                s.push_str(&self.default_sql(d, &column.ty));
            }
        }
        if let Some(c) = &column.collate {
            s.push_str(" COLLATE ");
            s.push_str(&self.quote(c));
        }
        if let Type::Enum { values, .. } = &column.ty {
            s.push_str(&format!(
                " CHECK ({})",
                enum_check(&self.quote(&column.name), values)
            ));
        }
        s
    }

    fn statements(&self, change: &Change) -> Vec<Statement> {
        let q = |s: &str| self.quote(s);
        match change {
            // No named enums here: an enum is its columns' type, and `resolve` leaves the
            // schema no enum types to create, alter or drop.
            Change::CreateEnum { .. } | Change::DropEnum { .. } | Change::AlterEnum { .. } => {
                Vec::new()
            }
            Change::CreateTable { table } => {
                vec![self.statement(self.create_table(table, &table.name), None)]
            }
            Change::CreateView { view, replaces } => {
                vec![self.statement(sql::create_view(self, view, replaces.is_some()), None)]
            }
            Change::DropView { view } => {
                vec![self.statement(format!("DROP VIEW {}", q(&view.name)), None)]
            }
            Change::DropTable { table } => {
                vec![self.statement(format!("DROP TABLE {}", q(&table.name)), Some(&table.name))]
            }
            Change::RenameTable { from, to } => vec![self.statement(
                format!("ALTER TABLE {} RENAME TO {}", q(from), q(to)),
                Some(from),
            )],
            Change::AlterTable {
                from,
                to,
                changes,
                dependents,
            } => match rebuild::in_place(self, &to.name, changes) {
                Some(statements) => statements,
                None => rebuild::statements(self, from, to, changes, dependents),
            },
            // An index of a table the plan creates.
            Change::CreateIndex { table, index } => {
                vec![self.statement(sql::create_index(self, table, index), None)]
            }
            // Never planned: SQLite keeps foreign keys inline and does not check their
            // targets, so the orderer relaxes cycles instead of moving keys out.
            Change::AddForeignKey { .. } | Change::DropForeignKey { .. } => Vec::new(),
        }
    }

    /// Foreign keys off around one transaction (a rebuild must not cascade), and a foreign
    /// key check that fails the script before `COMMIT` (run it with `sqlite3 -bail`).
    fn script_wrapper(&self) -> (Vec<String>, Vec<String>) {
        (
            vec!["PRAGMA foreign_keys = OFF".into(), "BEGIN".into()],
            vec![
                "CREATE TEMP TABLE reconcile_foreign_key_check (violations INTEGER CHECK (violations = 0))".into(),
                "INSERT INTO reconcile_foreign_key_check SELECT count(*) FROM pragma_foreign_key_check".into(),
                "DROP TABLE temp.reconcile_foreign_key_check".into(),
                "COMMIT".into(),
                "PRAGMA foreign_keys = ON".into(),
            ],
        )
    }

    fn data_effect(&self, from: &Column, to: &Column) -> DataEffect {
        values::data_effect(self, from, to)
    }

    /// A blob as its SQL literal (`X'00FF'`): its bytes need not be text.
    fn text_sql(&self, expr: &str) -> String {
        format!(
            "CASE WHEN typeof({expr}) = 'blob' THEN quote({expr}) ELSE CAST({expr} AS TEXT) END"
        )
    }

    fn parse_type(&self, sql: &str) -> Type {
        normalize::parse_type(sql)
    }

    fn parse_default(&self, sql: &str, ty: &Type) -> DefaultValue {
        normalize::parse_default(sql, ty)
    }

    fn normalize_desired(&self, table: &mut Table) {
        normalize::desired_table(table);
    }

    fn can_add_foreign_key(&self) -> bool {
        false
    }

    fn foreign_key_target_must_exist(&self) -> bool {
        false
    }

    fn transactional_ddl(&self) -> bool {
        true
    }

    fn supports_comments(&self) -> bool {
        false
    }

    fn reports_foreign_key_names(&self) -> bool {
        false
    }

    /// An enum is text held by a check: it sorts as text.
    fn enums_sort_by_position(&self) -> bool {
        false
    }
}

impl Sqlite {
    /// `sql` on `table`, in the plan's transaction, under the database's write lock (one
    /// writer at a time; readers go on in WAL mode).
    fn statement(&self, sql: String, table: Option<&str>) -> Statement {
        Statement::new(sql, table, Lock::writes("write lock")).transactional(true)
    }

    fn create_table(&self, table: &Table, name: &str) -> String {
        let inline_pk = table.columns.iter().any(|c| c.auto_increment);
        sql::create_table(self, name, &sql::table_elements(self, table, inline_pk), "")
    }
}

/// The check that holds an enum column to its values: `"role" IN ('admin', 'member')`, as
/// the catalog reads it back ([`crate::database::sqlite`]).
pub fn enum_check(column: &str, values: &[String]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| quote_string(v, false)).collect();
    format!("{column} IN ({})", quoted.join(", "))
}
