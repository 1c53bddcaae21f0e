//! SQLite: a file, types by affinity, and an `ALTER TABLE` that can add, rename and little
//! else; everything else is the documented table rebuild
//! (<https://www.sqlite.org/lang_altertable.html#otheralter>).

use super::sql::{self, normalize_type};
use super::{Dialect, SqlDialect};
use crate::change::Change;
use crate::schema::{Column, DefaultValue, Table, Type, Unmanaged};

pub struct Sqlite;

/// The name a rebuilt table has until it replaces the old one.
pub fn rebuild_name(table: &str) -> String {
    format!("{table}__reconcile_new")
}

/// Marks a sole `INTEGER` primary key as auto-increment: SQLite makes it an alias of the rowid
/// whether or not the schema says so, and that is what introspection reports.
fn normalize_rowid_alias(table: &mut Table) {
    if let [pk] = table.primary_key.as_slice() {
        if let Some(c) = table.columns.iter_mut().find(|c| c.name == *pk) {
            if Sqlite.type_sql(&c.ty) == "INTEGER" {
                c.auto_increment = true;
            }
        }
    }
    for c in &mut table.columns {
        if c.auto_increment {
            c.nullable = false;
            c.ty = Type::Int;
        }
    }
}

impl SqlDialect for Sqlite {
    fn dialect(&self) -> Dialect {
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
            Type::Raw(s) => s.clone(),
        }
    }

    fn column_type_sql(&self, column: &Column) -> String {
        if column.auto_increment {
            "INTEGER".into()
        } else {
            self.type_sql(&column.ty)
        }
    }

    fn parse_type(&self, sql: &str) -> Type {
        let norm = normalize_type(sql);
        let sized = |prefix: &str| -> Option<Vec<u32>> {
            let inner = norm
                .strip_prefix(prefix)?
                .strip_prefix('(')?
                .strip_suffix(')')?;
            inner.split(',').map(|p| p.trim().parse().ok()).collect()
        };
        match norm.as_str() {
            "BOOLEAN" => Type::Bool,
            "SMALLINT" => Type::SmallInt,
            "INTEGER" => Type::Int,
            "BIGINT" => Type::BigInt,
            "REAL" => Type::Float,
            "DOUBLE" => Type::Double,
            "TEXT" => Type::Text,
            "BLOB" => Type::Bytes,
            "DATE" => Type::Date,
            "TIME" => Type::Time,
            "DATETIME" => Type::DateTime,
            "TIMESTAMP" => Type::Timestamp,
            "CHAR(36)" => Type::Uuid,
            "JSON" => Type::Json,
            _ => match (sized("VARCHAR").as_deref(), sized("NUMERIC").as_deref()) {
                (Some([n]), _) => Type::String { length: Some(*n) },
                (_, Some([p, s])) => Type::Decimal {
                    precision: *p,
                    scale: *s,
                },
                _ => Type::Raw(norm),
            },
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
        if column.auto_increment {
            s.push_str(" PRIMARY KEY");
            return s;
        }
        if !column.nullable {
            s.push_str(" NOT NULL");
        }
        if let Some(d) = &column.default {
            s.push_str(" DEFAULT ");
            s.push_str(&self.default_sql(d, &column.ty));
        }
        if let Some(c) = &column.collate {
            s.push_str(" COLLATE ");
            s.push_str(&self.quote(c));
        }
        s
    }

    fn render(&self, change: &Change) -> Option<Vec<String>> {
        let q = |s: &str| self.quote(s);
        Some(match change {
            Change::CreateTable { table } => vec![self.create_table(table, &table.name)],
            Change::DropTable { table } => vec![format!("DROP TABLE {}", q(&table.name))],
            Change::RenameTable { from, to } => {
                vec![format!("ALTER TABLE {} RENAME TO {}", q(from), q(to))]
            }
            Change::AddColumn { table, column } => {
                let constant = match &column.default {
                    Some(DefaultValue::Sql(_)) => false,
                    Some(_) => true,
                    None => column.nullable,
                };
                if !constant || column.auto_increment {
                    return None;
                }
                let t = Table {
                    name: table.clone(),
                    ..Table::default()
                };
                vec![format!(
                    "ALTER TABLE {} ADD COLUMN {}",
                    q(table),
                    self.column_sql(&t, column)
                )]
            }
            Change::RenameColumn { table, from, to } => {
                vec![format!(
                    "ALTER TABLE {} RENAME COLUMN {} TO {}",
                    q(table),
                    q(from),
                    q(to)
                )]
            }
            Change::CreateIndex { table, index } => vec![sql::create_index(self, table, index)],
            Change::DropIndex { index, .. } => vec![format!("DROP INDEX {}", q(&index.name))],
            Change::SetTableComment { .. } => Vec::new(),
            Change::RebuildTable {
                from,
                to,
                copy,
                dependents,
                ..
            } => self.rebuild(from, to, copy, dependents),
            Change::DropColumn { .. }
            | Change::AlterColumn { .. }
            | Change::AlterPrimaryKey { .. }
            | Change::AddForeignKey { .. }
            | Change::DropForeignKey { .. }
            | Change::AddCheck { .. }
            | Change::DropCheck { .. } => return None,
        })
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

    fn normalize(&self, table: &mut Table) {
        normalize_rowid_alias(table);
    }
}

impl Sqlite {
    fn create_table(&self, table: &Table, name: &str) -> String {
        let inline_pk = table.columns.iter().any(|c| c.auto_increment);
        sql::create_table(self, name, &sql::table_elements(self, table, inline_pk), "")
    }

    /// The rebuild procedure's statements; the caller runs them with foreign keys off and
    /// checks `PRAGMA foreign_key_check` before committing.
    fn rebuild(
        &self,
        from: &Table,
        to: &Table,
        copy: &[(String, String)],
        dependents: &[Unmanaged],
    ) -> Vec<String> {
        let q = |s: &str| self.quote(s);
        let temp = rebuild_name(&to.name);
        let views = || dependents.iter().filter(|d| d.kind == "view");
        let mut out: Vec<String> = views()
            .map(|v| format!("DROP VIEW {}", q(&v.name)))
            .collect();
        out.push(self.create_table(to, &temp));
        if !copy.is_empty() {
            let targets: Vec<String> = copy.iter().map(|(new, _)| q(new)).collect();
            let sources: Vec<String> = copy
                .iter()
                .map(|(new, old)| match (to.column(new), from.column(old)) {
                    (Some(t), Some(f)) if !t.nullable && f.nullable => match &t.default {
                        Some(d) => format!("COALESCE({}, {})", q(old), self.default_sql(d, &t.ty)),
                        None => q(old),
                    },
                    _ => q(old),
                })
                .collect();
            out.push(format!(
                "INSERT INTO {} ({}) SELECT {} FROM {}",
                q(&temp),
                targets.join(", "),
                sources.join(", "),
                q(&from.name)
            ));
        }
        out.push(format!("DROP TABLE {}", q(&from.name)));
        out.push(format!(
            "ALTER TABLE {} RENAME TO {}",
            q(&temp),
            q(&to.name)
        ));
        out.extend(
            to.indexes
                .iter()
                .map(|i| sql::create_index(self, &to.name, i)),
        );
        out.extend(
            dependents
                .iter()
                .filter(|d| d.kind == "trigger")
                .map(|t| t.sql.clone()),
        );
        out.extend(views().map(|v| v.sql.clone()));
        out
    }
}
