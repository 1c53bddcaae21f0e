//! MySQL 8 and MariaDB: backtick quoting, `MODIFY COLUMN`, table options, and DDL that commits
//! as it goes (<https://dev.mysql.com/doc/refman/8.0/en/implicit-commit.html>). The server's
//! flavor and version travel with the dialect value; its quirks are predicates in
//! [`version`].

mod normalize;
pub mod rules;
pub mod version;

use super::sql::{self, clauses, quote_string};
use super::{Dialect, SqlDialect};
use crate::change::{Change, TableChange};
use crate::error::Problem;
use crate::schema::{Column, DefaultValue, Schema, Table, Type};
use version::Server;

/// The MySQL family, as one server of it.
pub struct Mysql {
    pub server: Server,
}

impl Mysql {
    /// The dialect of offline plans.
    pub const OFFLINE: Mysql = Mysql {
        server: Server::OFFLINE,
    };
}

impl SqlDialect for Mysql {
    fn id(&self) -> Dialect {
        Dialect::Mysql
    }

    fn server(&self) -> String {
        self.server.to_string()
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
        normalize::parse_type(sql)
    }

    fn parse_default(&self, sql: &str, ty: &Type) -> DefaultValue {
        normalize::parse_default(&self.server, sql, ty, false)
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

    fn render(&self, change: &Change) -> Vec<String> {
        let q = |s: &str| self.quote(s);
        match change {
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
            Change::AlterTable { to, changes, .. } => changes
                .iter()
                .flat_map(|c| self.table_change(&to.name, c))
                .collect(),
            Change::CreateIndex { table, index } => vec![sql::create_index(self, table, index)],
            Change::AddForeignKey { table, fk } => {
                self.table_change(table, &TableChange::AddForeignKey(fk.clone()))
            }
            Change::DropForeignKey { table, fk } => {
                self.table_change(table, &TableChange::DropForeignKey(fk.clone()))
            }
        }
    }

    fn script_wrapper(&self) -> (Vec<String>, Vec<String>) {
        (vec!["SET NAMES utf8mb4".into()], Vec::new())
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
        rules::check(self, schema)
    }
}

impl Mysql {
    /// The statements of one change to `table`, each its own `ALTER TABLE` for now.
    fn table_change(&self, table: &str, change: &TableChange) -> Vec<String> {
        let q = |s: &str| self.quote(s);
        let alter = |action: String| format!("ALTER TABLE {} {action}", q(table));
        let t = Table {
            name: table.to_string(),
            ..Table::default()
        };
        match change {
            TableChange::AddColumn(column) => {
                vec![alter(format!("ADD COLUMN {}", self.column_sql(&t, column)))]
            }
            TableChange::DropColumn(column) => {
                vec![alter(format!("DROP COLUMN {}", q(&column.name)))]
            }
            TableChange::RenameColumn { from, to } => {
                vec![alter(format!("RENAME COLUMN {} TO {}", q(from), q(to)))]
            }
            TableChange::AlterColumn { to, fill_nulls, .. } => {
                let mut out = Vec::new();
                if let (true, Some(d)) = (fill_nulls, &to.default) {
                    out.push(sql::fill_nulls(self, table, to, d));
                }
                out.push(alter(format!("MODIFY COLUMN {}", self.column_sql(&t, to))));
                out
            }
            TableChange::AlterPrimaryKey { from, to } => {
                let mut actions = Vec::new();
                if !from.is_empty() {
                    actions.push("DROP PRIMARY KEY".to_string());
                }
                if !to.is_empty() {
                    actions.push(format!("ADD PRIMARY KEY ({})", clauses::list(self, to)));
                }
                vec![alter(actions.join(", "))]
            }
            TableChange::CreateIndex(index) => vec![sql::create_index(self, table, index)],
            TableChange::DropIndex(index) => {
                vec![format!("DROP INDEX {} ON {}", q(&index.name), q(table))]
            }
            TableChange::RenameIndex { from, to } if self.server.supports_rename_index() => {
                vec![alter(format!(
                    "RENAME INDEX {} TO {}",
                    q(&from.name),
                    q(&to.name)
                ))]
            }
            TableChange::RenameIndex { from, to } => {
                let mut out = self.table_change(table, &TableChange::DropIndex(from.clone()));
                out.extend(self.table_change(table, &TableChange::CreateIndex(to.clone())));
                out
            }
            // A foreign key cannot be renamed on MySQL: drop it and add it again.
            TableChange::RenameForeignKey { from, to } => {
                let mut out = self.table_change(table, &TableChange::DropForeignKey(from.clone()));
                out.extend(self.table_change(table, &TableChange::AddForeignKey(to.clone())));
                out
            }
            TableChange::AddForeignKey(fk) => {
                vec![alter(format!("ADD {}", clauses::foreign_key(self, fk)))]
            }
            TableChange::DropForeignKey(fk) => {
                vec![alter(format!("DROP FOREIGN KEY {}", q(&fk.name)))]
            }
            TableChange::AddCheck(check) => {
                vec![alter(format!("ADD {}", clauses::check(self, check)))]
            }
            TableChange::DropCheck(check) => {
                vec![alter(format!("DROP CONSTRAINT {}", q(&check.name)))]
            }
            TableChange::SetComment(comment) => vec![alter(format!(
                "COMMENT = {}",
                quote_string(comment.as_deref().unwrap_or(""), true)
            ))],
        }
    }

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
