//! MySQL 8 and MariaDB: backtick quoting, `MODIFY COLUMN`, table options, and DDL that commits
//! as it goes (<https://dev.mysql.com/doc/refman/8.0/en/implicit-commit.html>).

use super::sql::{self, clauses, normalize_type, quote_string};
use super::{Dialect, SqlDialect};
use crate::change::Change;
use crate::error::Problem;
use crate::schema::{Column, DefaultValue, Schema, Table, Type};

pub struct Mysql;

impl SqlDialect for Mysql {
    fn dialect(&self) -> Dialect {
        Dialect::Mysql
    }

    fn quote(&self, ident: &str) -> String {
        format!("`{}`", ident.replace('`', "``"))
    }

    fn type_sql(&self, ty: &Type) -> String {
        match ty {
            Type::Bool => "TINYINT(1)".into(),
            Type::SmallInt => "SMALLINT".into(),
            Type::Int => "INT".into(),
            Type::BigInt => "BIGINT".into(),
            Type::Float => "FLOAT".into(),
            Type::Double => "DOUBLE".into(),
            Type::Decimal { precision, scale } => format!("DECIMAL({precision},{scale})"),
            Type::String { length: Some(n) } => format!("VARCHAR({n})"),
            // Rejected by validation (MySQL needs a length); TEXT keeps rendering total.
            Type::String { length: None } | Type::Text => "TEXT".into(),
            Type::Bytes => "LONGBLOB".into(),
            Type::Date => "DATE".into(),
            Type::Time => "TIME".into(),
            Type::DateTime => "DATETIME".into(),
            Type::Timestamp => "TIMESTAMP".into(),
            Type::Uuid => "CHAR(36)".into(),
            Type::Json => "JSON".into(),
            Type::Raw(s) => s.clone(),
        }
    }

    fn parse_type(&self, sql: &str) -> Type {
        let norm = normalize_type(sql);
        // MariaDB and MySQL before 8.0.19 report display widths: `int(11)`, `bigint(20)`.
        let no_width = |name: &str| {
            norm == name
                || norm
                    .strip_prefix(name)
                    .is_some_and(|r| r.starts_with('(') && r.ends_with(')') && !r.contains(','))
        };
        let sized = |prefix: &str| -> Option<Vec<u32>> {
            let inner = norm
                .strip_prefix(prefix)?
                .strip_prefix('(')?
                .strip_suffix(')')?;
            inner.split(',').map(|p| p.trim().parse().ok()).collect()
        };
        match norm.as_str() {
            "TINYINT(1)" | "BOOL" | "BOOLEAN" => Type::Bool,
            "FLOAT" => Type::Float,
            "DOUBLE" => Type::Double,
            "TEXT" => Type::Text,
            "LONGBLOB" => Type::Bytes,
            "DATE" => Type::Date,
            "TIME" => Type::Time,
            "DATETIME" => Type::DateTime,
            "TIMESTAMP" => Type::Timestamp,
            "CHAR(36)" => Type::Uuid,
            "JSON" => Type::Json,
            _ if no_width("SMALLINT") => Type::SmallInt,
            _ if no_width("INT") || no_width("INTEGER") => Type::Int,
            _ if no_width("BIGINT") => Type::BigInt,
            _ => match (sized("VARCHAR").as_deref(), sized("DECIMAL").as_deref()) {
                (Some([n]), _) => Type::String { length: Some(*n) },
                (_, Some([p, s])) => Type::Decimal {
                    precision: *p,
                    scale: *s,
                },
                _ => Type::Raw(norm),
            },
        }
    }

    fn default_sql(&self, default: &DefaultValue, ty: &Type) -> String {
        let literal = sql::default_literal(default, true, ("1", "0"));
        // MySQL 8 accepts a literal default on TEXT, BLOB and JSON only as an expression.
        let needs_expression = matches!(
            ty,
            Type::Text | Type::Json | Type::Bytes | Type::String { length: None }
        ) || matches!(ty, Type::Raw(r) if r.contains("TEXT") || r.contains("BLOB"));
        match default {
            DefaultValue::String(_) | DefaultValue::Number(_) | DefaultValue::Bool(_)
                if needs_expression =>
            {
                format!("({literal})")
            }
            _ => literal,
        }
    }

    fn column_sql(&self, _table: &Table, column: &Column) -> String {
        let mut s = format!(
            "{} {}",
            self.quote(&column.name),
            self.column_type_sql(column)
        );
        if let Some(c) = &column.charset {
            s.push_str(" CHARACTER SET ");
            s.push_str(c);
        }
        if let Some(c) = &column.collate {
            s.push_str(" COLLATE ");
            s.push_str(c);
        }
        // Explicit NULL: a TIMESTAMP column is otherwise NOT NULL on some servers.
        s.push_str(if column.nullable {
            " NULL"
        } else {
            " NOT NULL"
        });
        if let Some(d) = &column.default {
            s.push_str(" DEFAULT ");
            s.push_str(&self.default_sql(d, &column.ty));
        }
        if column.auto_increment {
            s.push_str(" AUTO_INCREMENT");
        }
        if let Some(c) = &column.comment {
            s.push_str(" COMMENT ");
            s.push_str(&quote_string(c, true));
        }
        s
    }

    fn render(&self, change: &Change) -> Option<Vec<String>> {
        let q = |s: &str| self.quote(s);
        Some(match change {
            Change::CreateTable { table } => {
                let body = sql::table_elements(self, table, false);
                vec![sql::create_table(
                    self,
                    &table.name,
                    &body,
                    &self.table_options(table),
                )]
            }
            Change::DropTable { table } => vec![format!("DROP TABLE {}", q(&table.name))],
            Change::RenameTable { from, to } => {
                vec![format!("RENAME TABLE {} TO {}", q(from), q(to))]
            }
            Change::AddColumn { table, column } => {
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
            Change::DropColumn { table, column } => {
                vec![format!(
                    "ALTER TABLE {} DROP COLUMN {}",
                    q(table),
                    q(&column.name)
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
            Change::AlterColumn {
                table,
                to,
                fill_nulls,
                ..
            } => {
                let t = Table {
                    name: table.clone(),
                    ..Table::default()
                };
                let mut out = Vec::new();
                if let (true, Some(d)) = (fill_nulls, &to.default) {
                    out.push(sql::fill_nulls(self, table, to, d));
                }
                out.push(format!(
                    "ALTER TABLE {} MODIFY COLUMN {}",
                    q(table),
                    self.column_sql(&t, to)
                ));
                out
            }
            Change::AlterPrimaryKey { table, from, to } => {
                let mut actions = Vec::new();
                if !from.is_empty() {
                    actions.push("DROP PRIMARY KEY".to_string());
                }
                if !to.is_empty() {
                    actions.push(format!("ADD PRIMARY KEY ({})", clauses::list(self, to)));
                }
                vec![format!("ALTER TABLE {} {}", q(table), actions.join(", "))]
            }
            Change::CreateIndex { table, index } => vec![sql::create_index(self, table, index)],
            Change::DropIndex { table, index } => {
                vec![format!("DROP INDEX {} ON {}", q(&index.name), q(table))]
            }
            Change::AddForeignKey { table, fk } => {
                vec![format!(
                    "ALTER TABLE {} ADD {}",
                    q(table),
                    clauses::foreign_key(self, fk)
                )]
            }
            Change::DropForeignKey { table, fk } => {
                vec![format!(
                    "ALTER TABLE {} DROP FOREIGN KEY {}",
                    q(table),
                    q(&fk.name)
                )]
            }
            Change::AddCheck { table, check } => {
                vec![format!(
                    "ALTER TABLE {} ADD {}",
                    q(table),
                    clauses::check(self, check)
                )]
            }
            Change::DropCheck { table, check } => {
                vec![format!(
                    "ALTER TABLE {} DROP CONSTRAINT {}",
                    q(table),
                    q(&check.name)
                )]
            }
            Change::SetTableComment { table, comment } => vec![format!(
                "ALTER TABLE {} COMMENT = {}",
                q(table),
                quote_string(comment.as_deref().unwrap_or(""), true)
            )],
            Change::RebuildTable { .. } => return None,
        })
    }

    fn transactional_ddl(&self) -> bool {
        false
    }

    fn has_charsets(&self) -> bool {
        true
    }

    /// <https://dev.mysql.com/doc/refman/8.0/en/fixed-point-types.html>
    fn decimal_limits(&self) -> Option<(u32, u32)> {
        Some((65, 30))
    }

    fn rules(&self, schema: &Schema) -> Vec<Problem> {
        super::mysql_rules::check(self, schema)
    }
}

impl Mysql {
    /// ` ENGINE=... DEFAULT CHARSET=... COLLATE=... COMMENT='...'`, or nothing.
    fn table_options(&self, table: &Table) -> String {
        let o = &table.options;
        let mut s = String::new();
        if let Some(e) = &o.engine {
            s.push_str(&format!(" ENGINE={e}"));
        }
        if let Some(c) = &o.charset {
            s.push_str(&format!(" DEFAULT CHARSET={c}"));
        }
        if let Some(c) = &o.collate {
            s.push_str(&format!(" COLLATE={c}"));
        }
        if let Some(c) = &table.comment {
            s.push_str(&format!(" COMMENT={}", quote_string(c, true)));
        }
        s
    }
}
