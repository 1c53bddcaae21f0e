//! MySQL 8 and MariaDB: backtick quoting, `MODIFY COLUMN`, table options, and DDL that commits
//! as it goes (<https://dev.mysql.com/doc/refman/8.0/en/implicit-commit.html>). The server's
//! flavor and version travel with the dialect value; its quirks are predicates in
//! [`version`].

pub mod charset;
pub mod expression;
pub mod normalize;
pub mod online;
pub mod rules;
mod sizes;
mod values;
pub mod version;

use std::collections::HashMap;

use super::sql::{self, clauses, quote_string};
use super::{DataEffect, Dialect, Lock, SqlDialect, Statement};
use crate::change::{Change, TableChange};
use crate::error::Problem;
use crate::schema::{Column, DefaultValue, ForeignKey, Schema, Table, Type};
use online::Action;
use version::Server;

/// The MySQL family, as one server of it.
pub struct Mysql {
    pub server: Server,
    /// Live: what the database gives a table that names no charset or collation.
    pub database: Option<DatabaseDefaults>,
}

/// A database's default character set and collation, and each charset's default collation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DatabaseDefaults {
    pub charset: String,
    pub collation: String,
    pub collations: HashMap<String, String>,
}

impl Mysql {
    /// The dialect of offline plans.
    pub const OFFLINE: Mysql = Mysql {
        server: Server::OFFLINE,
        database: None,
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

    fn replaces_views(&self) -> bool {
        true
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
            Type::Enum { values, .. } => sql::enum_sql(values, true),
        }
    }

    fn parse_type(&self, sql: &str) -> Type {
        normalize::parse_type(sql)
    }

    fn parse_default(&self, sql: &str, ty: &Type) -> DefaultValue {
        normalize::parse_default(&self.server, sql, ty, false, false)
            .unwrap_or_else(|| DefaultValue::Sql("NULL".into()))
    }

    fn normalize_desired(&self, table: &mut Table) {
        normalize::desired_table(self, table);
    }

    fn comparable_sql(&self, sql: &str) -> String {
        normalize::comparable(sql)
    }

    fn data_effect(&self, from: &Column, to: &Column) -> DataEffect {
        values::data_effect(self, from, to)
    }

    /// `MODIFY COLUMN` changes a stored column's expression, and turns a plain column into
    /// a stored one or back; both servers refuse it for a change to or from a virtual one
    /// ("Changing the STORED status").
    fn replaces_column(&self, from: &Column, to: &Column) -> bool {
        let stored = |c: &Column| c.generated.as_ref().map(|g| g.stored);
        stored(from) != stored(to) && [stored(from), stored(to)].contains(&Some(false))
    }

    fn text_sql(&self, expr: &str) -> String {
        format!("CAST({expr} AS CHAR)")
    }

    fn default_sql(&self, default: &DefaultValue, ty: &Type) -> String {
        let literal = sql::default_literal(default, true, ("1", "0"));
        let needs_expression = default_is_expression(ty);
        match default {
            DefaultValue::String(_) | DefaultValue::Number(_) | DefaultValue::Bool(_)
                if needs_expression =>
            {
                format!("({literal})")
            }
            // MySQL 8.0+ takes only `CURRENT_TIMESTAMP` (and `NULL`) bare; `CURRENT_DATE` and
            // `CURRENT_TIME` are expressions there, in parentheses. MariaDB takes both forms.
            DefaultValue::Sql(e) if !literal.starts_with('(') && !is_bare_default(e) => {
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
        if let Some(g) = &column.generated {
            s.push_str(&sql::generated_clause(g));
            // MariaDB takes no NULL or NOT NULL on a generated column (`normalize_desired`
            // leaves its generated columns nullable).
            if self.server.generated_not_null() && !column.nullable {
                s.push_str(" NOT NULL");
            }
        } else {
            // Explicit NULL: a TIMESTAMP column is otherwise NOT NULL on some servers.
            s.push_str(if column.nullable {
                " NULL"
            } else {
                " NOT NULL"
            });
        }
        if let Some(d) = &column.default {
            s.push_str(" DEFAULT ");
            s.push_str(&self.default_sql(d, &column.ty));
        }
        if let Some((sql, _)) = &column.on_update {
            s.push_str(" ON UPDATE ");
            s.push_str(sql);
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

    fn rebuild_sql(&self, table: &str) -> Option<String> {
        Some(format!("ALTER TABLE {} FORCE", self.quote(table)))
    }

    fn cast_sql(&self, expr: &str, to: &Type) -> Option<String> {
        // The targets both MySQL and MariaDB's `CAST` take.
        let target = match to {
            Type::Bool | Type::SmallInt | Type::Int | Type::BigInt => "SIGNED".to_string(),
            Type::Float | Type::Double => "DOUBLE".to_string(),
            Type::Decimal { precision, scale } => format!("DECIMAL({precision},{scale})"),
            Type::String { .. } | Type::Text | Type::Uuid | Type::Enum { .. } => "CHAR".to_string(),
            Type::Date => "DATE".to_string(),
            Type::Time => "TIME(6)".to_string(),
            Type::DateTime | Type::Timestamp => "DATETIME(6)".to_string(),
            Type::Bytes | Type::Json | Type::Raw(_) => return None,
        };
        Some(format!("CAST({expr} AS {target})"))
    }

    fn statements(&self, change: &Change) -> Vec<Statement> {
        let q = |s: &str| self.quote(s);
        // What changes only the catalog takes the table's metadata lock for a moment.
        let catalog = |sql: String, table: Option<&str>| {
            Statement::new(sql, table, Lock::all("metadata lock"))
        };
        let no_table = Table::default();
        match change {
            // No named enums here: an enum is its columns' type, and `resolve` leaves the
            // schema no enum types to create, alter or drop.
            Change::CreateEnum { .. } | Change::DropEnum { .. } | Change::AlterEnum { .. } => {
                Vec::new()
            }
            Change::CreateTable { table } => {
                let body = sql::table_elements(self, table, false);
                vec![catalog(
                    sql::create_table(self, &table.name, &body, &self.table_options(table)),
                    None,
                )]
            }
            Change::DropTable { table } => vec![catalog(
                format!("DROP TABLE {}", q(&table.name)),
                Some(&table.name),
            )],
            // A view made again around a change is replaced, never dropped (`replaces_views`).
            Change::CreateView { view, replaces } => vec![catalog(
                sql::create_view(self, view, replaces.is_some()),
                None,
            )],
            Change::DropView { view } => {
                vec![catalog(format!("DROP VIEW {}", q(&view.name)), None)]
            }
            Change::RenameTable { from, to } => vec![catalog(
                format!("RENAME TABLE {} TO {}", q(from), q(to)),
                Some(from),
            )],
            Change::AlterTable {
                from, to, changes, ..
            } => self.alter_table(from, &to.name, changes),
            // An index of a table the plan creates.
            Change::CreateIndex { table, index } => vec![
                Statement::new(
                    sql::create_index(self, table, index),
                    None,
                    Lock::none("metadata lock"),
                )
                .scans(true),
            ],
            Change::AddForeignKey { table, fk } => {
                self.alter_table(&no_table, table, &[TableChange::AddForeignKey(fk.clone())])
            }
            Change::DropForeignKey { table, fk } => {
                self.alter_table(&no_table, table, &[TableChange::DropForeignKey(fk.clone())])
            }
        }
    }

    fn script_wrapper(&self) -> (Vec<String>, Vec<String>) {
        (vec!["SET NAMES utf8mb4".into()], Vec::new())
    }

    fn transactional_ddl(&self) -> bool {
        false
    }

    fn foreign_keys_pin_column_types(&self) -> bool {
        true
    }

    fn indexes_foreign_keys(&self) -> bool {
        true
    }

    fn online_tool_refuses(&self, sql: &str) -> Option<&'static str> {
        online::hand_off_refusal(sql)
    }

    fn has_charsets(&self) -> bool {
        true
    }

    fn has_on_update(&self) -> bool {
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
    /// The statements that carry out `changes` to `from` (the live table; `table` is its
    /// desired name): `ALTER TABLE`s that fold the actions, each naming its algorithm (see
    /// [`online`]), after the `UPDATE`s that fill NULLs (and before those, the checks that
    /// go, which the filling default may break). A foreign key dropped and added again under
    /// the same name goes in an `ALTER TABLE` of its own first, since the server checks names
    /// before it drops. A foreign key into the table itself over a key the same alteration
    /// creates goes in an `ALTER TABLE` of its own after the key.
    fn alter_table(&self, from: &Table, table: &str, changes: &[TableChange]) -> Vec<Statement> {
        let q = |s: &str| self.quote(s);
        let live = if from.name.is_empty() {
            table
        } else {
            &from.name
        };
        let mut before = Vec::new();
        let mut first = Vec::new();
        let mut actions = Vec::new();
        let mut last = Vec::new();
        let keyed = crate::change::references_a_new_key_of_itself(table, changes);
        let added: Vec<&str> = changes
            .iter()
            .filter_map(|c| match c {
                TableChange::AddForeignKey(fk) => Some(fk.name.as_str()),
                TableChange::RenameForeignKey { to, .. } => Some(to.name.as_str()),
                _ => None,
            })
            .collect();
        // A column both renamed and changed is one `CHANGE COLUMN`.
        let changed_names: Vec<&str> = changes
            .iter()
            .filter_map(|c| match c {
                TableChange::AlterColumn { to, .. } => Some(to.name.as_str()),
                _ => None,
            })
            .collect();
        let renamed = |name: &str| {
            changes.iter().find_map(|c| match c {
                TableChange::RenameColumn { from, to } if to == name => Some(from.clone()),
                _ => None,
            })
        };
        // A check that goes must go before the NULLs are filled: the default may break it.
        let fills = changes.iter().any(|c| {
            matches!(c, TableChange::AlterColumn { to, fill_nulls: true, .. } if to.default.is_some())
        });
        let mut dropped_checks = Vec::new();
        let t = Table::default();
        for change in changes {
            match change {
                TableChange::DropCheck(_) if fills => {
                    dropped_checks.extend(self.actions(from, change))
                }
                TableChange::RenameColumn { to, .. } if changed_names.contains(&to.as_str()) => {}
                TableChange::AlterColumn {
                    from: old,
                    to,
                    fill_nulls,
                } => {
                    if let (true, Some(d)) = (fill_nulls, &to.default) {
                        let mut filling = to.clone();
                        filling.name = old.name.clone();
                        // The default must fit the column it fills: a new type first,
                        // still nullable, then the NULLs, then the whole definition.
                        if old.ty != to.ty {
                            filling.nullable = true;
                            let retype = TableChange::AlterColumn {
                                from: old.clone(),
                                to: filling.clone(),
                                fill_nulls: false,
                            };
                            let sql = format!("MODIFY COLUMN {}", self.column_sql(&t, &filling));
                            before.extend(online::alter(
                                &q(table),
                                live,
                                vec![online::action(&self.server, from, &retype, sql)],
                            ));
                        }
                        before.push(
                            Statement::new(
                                sql::fill_nulls(self, table, &filling, d),
                                Some(live),
                                Lock::none("row locks"),
                            )
                            .scans(true),
                        );
                    }
                    let definition = self.column_sql(&t, to);
                    let sql = match (self.replaces_column(old, to), renamed(&to.name)) {
                        (true, live) => format!(
                            "DROP COLUMN {}, ADD COLUMN {definition}",
                            q(live.as_deref().unwrap_or(&to.name))
                        ),
                        (false, Some(live)) => format!("CHANGE COLUMN {} {definition}", q(&live)),
                        (false, None) => format!("MODIFY COLUMN {definition}"),
                    };
                    actions.push(online::action(&self.server, from, change, sql));
                }
                // Added again over the same columns, the key keeps its index.
                TableChange::DropForeignKey(fk) if added.contains(&fk.name.as_str()) => {
                    let same_columns = changes.iter().any(|c| {
                        matches!(c, TableChange::AddForeignKey(a)
                            if a.name == fk.name && a.columns == fk.columns)
                    });
                    let kept = ForeignKey {
                        implicit_index: fk.implicit_index && !same_columns,
                        ..fk.clone()
                    };
                    first.extend(self.actions(from, &TableChange::DropForeignKey(kept)));
                }
                TableChange::RenameForeignKey { from: old, to }
                    if added.contains(&old.name.as_str()) =>
                {
                    first.extend(self.actions(from, &TableChange::DropForeignKey(old.clone())));
                    actions.extend(self.actions(from, &TableChange::AddForeignKey(to.clone())));
                }
                TableChange::AddForeignKey(fk) if keyed && fk.ref_table == table => {
                    last.extend(self.actions(from, change))
                }
                _ => actions.extend(self.actions(from, change)),
            }
        }
        let alter = |actions: Vec<Action>| online::alter(&q(table), live, actions);
        let mut out = alter(dropped_checks);
        out.extend(before);
        out.extend(alter(first));
        out.extend(alter(actions));
        out.extend(alter(last));
        out
    }

    /// The `ALTER TABLE` actions of one change to `live` (for [`Mysql::alter_table`]), each
    /// with how the server carries it out.
    fn actions(&self, live: &Table, change: &TableChange) -> Vec<Action> {
        self.action_sql(change)
            .into_iter()
            .map(|sql| online::action(&self.server, live, change, sql))
            .collect()
    }

    /// The SQL of the `ALTER TABLE` actions of one change.
    fn action_sql(&self, change: &TableChange) -> Vec<String> {
        let q = |s: &str| self.quote(s);
        let t = Table::default();
        match change {
            TableChange::AddColumn(column) => {
                vec![format!("ADD COLUMN {}", self.column_sql(&t, column))]
            }
            TableChange::DropColumn(column) => vec![format!("DROP COLUMN {}", q(&column.name))],
            TableChange::RenameColumn { from, to } => {
                vec![format!("RENAME COLUMN {} TO {}", q(from), q(to))]
            }
            TableChange::AlterColumn { to, .. } => {
                vec![format!("MODIFY COLUMN {}", self.column_sql(&t, to))]
            }
            TableChange::AlterPrimaryKey { from, to } => {
                let mut actions = Vec::new();
                if !from.is_empty() {
                    actions.push("DROP PRIMARY KEY".to_string());
                }
                if !to.is_empty() {
                    actions.push(format!("ADD PRIMARY KEY ({})", clauses::list(self, to)));
                }
                actions
            }
            TableChange::CreateIndex(index) => vec![format!(
                "ADD {}INDEX {} ({})",
                if index.unique { "UNIQUE " } else { "" },
                q(&index.name),
                clauses::index_parts(self, index)
            )],
            TableChange::DropIndex(index) => vec![format!("DROP INDEX {}", q(&index.name))],
            TableChange::RenameIndex { from, to } if self.server.supports_rename_index() => {
                vec![format!("RENAME INDEX {} TO {}", q(&from.name), q(&to.name))]
            }
            TableChange::RenameIndex { from, to } => {
                let mut out = self.action_sql(&TableChange::DropIndex(from.clone()));
                out.extend(self.action_sql(&TableChange::CreateIndex(to.clone())));
                out
            }
            // A foreign key cannot be renamed on MySQL: drop it and add it again.
            TableChange::RenameForeignKey { from, to } => {
                let mut out = self.action_sql(&TableChange::DropForeignKey(from.clone()));
                out.extend(self.action_sql(&TableChange::AddForeignKey(to.clone())));
                out
            }
            TableChange::AddForeignKey(fk) => {
                vec![format!("ADD {}", clauses::foreign_key(self, fk))]
            }
            // The index the server made for the key goes with it.
            TableChange::DropForeignKey(fk) if fk.implicit_index => vec![
                format!("DROP FOREIGN KEY {}", q(&fk.name)),
                format!("DROP INDEX {}", q(&fk.name)),
            ],
            TableChange::DropForeignKey(fk) => {
                vec![format!("DROP FOREIGN KEY {}", q(&fk.name))]
            }
            TableChange::AddCheck(check) => vec![format!("ADD {}", clauses::check(self, check))],
            TableChange::DropCheck(check) => {
                vec![format!("DROP CONSTRAINT {}", q(&check.name))]
            }
            TableChange::SetComment(comment) => vec![format!(
                "COMMENT = {}",
                quote_string(comment.as_deref().unwrap_or(""), true)
            )],
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

/// Whether MySQL 8 takes a literal default on a column of type `ty` only as an expression,
/// in parentheses (TEXT, BLOB and JSON).
fn default_is_expression(ty: &Type) -> bool {
    matches!(
        ty,
        Type::Text | Type::Json | Type::Bytes | Type::String { length: None }
    ) || matches!(ty, Type::Raw(r) if r.contains("TEXT") || r.contains("BLOB"))
}

/// Whether MySQL 8.0+ takes an SQL default without parentheses.
fn is_bare_default(expr: &str) -> bool {
    matches!(
        expr.trim().to_ascii_uppercase().as_str(),
        "CURRENT_TIMESTAMP" | "NULL"
    )
}
