//! SQLite's one decision for a changed table: carry the changes out in place with
//! `ALTER TABLE`, or rebuild the table with the documented procedure (new table, copy the
//! rows, drop the old one, rename, recreate indexes, triggers and views). The caller runs a
//! rebuild with foreign keys off and checks them before committing.

use super::Sqlite;
use crate::change::TableChange;
use crate::dialect::{Rewrite, SqlDialect, Statement, sql};
use crate::schema::{DefaultValue, Table, Unmanaged};

/// The name a rebuilt table has until it replaces the old one.
pub fn rebuild_name(table: &str) -> String {
    format!("{table}__reconcile_new")
}

/// The statements that make `changes` to `table` in place, or `None` when one of them needs
/// a rebuild. This is the only place that decides.
pub fn in_place(d: &Sqlite, table: &str, changes: &[TableChange]) -> Option<Vec<Statement>> {
    let q = |s: &str| d.quote(s);
    let mut out = Vec::new();
    // Only an index build reads the rows; the other forms change the schema text alone.
    let catalog = |sql: String| d.statement(sql, Some(table));
    let build = |sql: String| d.statement(sql, Some(table)).scans(true);
    for change in changes {
        match change {
            TableChange::AddColumn(column) => {
                // `ALTER TABLE ADD COLUMN` takes only a constant default, and NOT NULL only
                // with one; a key or a rowid cannot be added.
                let constant = match &column.default {
                    Some(DefaultValue::Sql(_)) => false,
                    Some(_) => true,
                    None => column.nullable,
                };
                // A virtual generated column is computed when read, so any row takes it;
                // a stored one is written into every row: "cannot add a STORED column".
                let addable = match &column.generated {
                    Some(g) => !g.stored,
                    None => constant && !column.auto_increment,
                };
                if !addable {
                    return None;
                }
                let t = Table {
                    name: table.to_string(),
                    ..Table::default()
                };
                out.push(catalog(format!(
                    "ALTER TABLE {} ADD COLUMN {}",
                    q(table),
                    d.column_sql(&t, column)
                )));
            }
            TableChange::RenameColumn { from, to } => out.push(catalog(format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {}",
                q(table),
                q(from),
                q(to)
            ))),
            TableChange::CreateIndex(index) => out.push(build(sql::create_index(d, table, index))),
            // An inline `UNIQUE` has no name to drop: only a rebuild removes it.
            TableChange::DropIndex(index) if index.has_own_name() => {
                out.push(catalog(format!("DROP INDEX {}", q(&index.name))));
            }
            // SQLite cannot rename an index: drop it and create it under its new name.
            TableChange::RenameIndex { from, to } if from.has_own_name() => {
                out.push(catalog(format!("DROP INDEX {}", q(&from.name))));
                out.push(build(sql::create_index(d, table, to)));
            }
            TableChange::SetComment(_) => {}
            TableChange::RenameIndex { .. }
            | TableChange::RenameForeignKey { .. }
            | TableChange::DropIndex(_)
            | TableChange::DropColumn(_)
            | TableChange::AlterColumn { .. }
            | TableChange::AlterPrimaryKey { .. }
            | TableChange::AddForeignKey(_)
            | TableChange::DropForeignKey(_)
            | TableChange::AddCheck(_)
            | TableChange::DropCheck(_) => return None,
        }
    }
    Some(out)
}

/// The rebuild of `from` (live) into `to` (desired), which already carries `to`'s name
/// (a table rename runs before). Each column of `to` takes its data from the live column it
/// is renamed from or has the name of; added columns take their default.
pub fn statements(
    d: &Sqlite,
    from: &Table,
    to: &Table,
    changes: &[TableChange],
    dependents: &[Unmanaged],
) -> Vec<Statement> {
    rebuild_sql(d, from, to, changes, dependents)
        .into_iter()
        .map(|sql| {
            d.statement(sql, Some(&from.name))
                .rewrites(Rewrite::Recreate)
                .scans(true)
        })
        .collect()
}

/// The SQL of the rebuild (see [`statements`]).
fn rebuild_sql(
    d: &Sqlite,
    from: &Table,
    to: &Table,
    changes: &[TableChange],
    dependents: &[Unmanaged],
) -> Vec<String> {
    let q = |s: &str| d.quote(s);
    let temp = rebuild_name(&to.name);
    let views = || dependents.iter().filter(|u| u.kind == "view");
    let mut out: Vec<String> = views()
        .map(|v| format!("DROP VIEW {}", q(&v.name)))
        .collect();
    let inline_pk = to.columns.iter().any(|c| c.auto_increment);
    out.push(sql::create_table(
        d,
        &temp,
        &sql::table_elements(d, to, inline_pk),
        "",
    ));
    let copy: Vec<(String, String)> = to
        .columns
        .iter()
        .filter_map(|c| {
            let added = changes
                .iter()
                .any(|ch| matches!(ch, TableChange::AddColumn(a) if a.name == c.name));
            // The server computes a generated column; it takes no value.
            if added || c.generated.is_some() {
                return None;
            }
            let source = changes
                .iter()
                .find_map(|ch| match ch {
                    TableChange::RenameColumn { from, to } if *to == c.name => Some(from.clone()),
                    _ => None,
                })
                .unwrap_or_else(|| c.name.clone());
            let old = from.column(&source)?;
            let value = match (&c.default, old.nullable && !c.nullable) {
                (Some(default), true) => {
                    format!(
                        "COALESCE({}, {})",
                        q(&source),
                        d.default_sql(default, &c.ty)
                    )
                }
                _ => q(&source),
            };
            Some((q(&c.name), value))
        })
        .collect();
    if !copy.is_empty() {
        let (targets, sources): (Vec<String>, Vec<String>) = copy.into_iter().unzip();
        out.push(format!(
            "INSERT INTO {} ({}) SELECT {} FROM {}",
            q(&temp),
            targets.join(", "),
            sources.join(", "),
            q(&to.name)
        ));
    }
    out.push(format!("DROP TABLE {}", q(&to.name)));
    out.push(format!(
        "ALTER TABLE {} RENAME TO {}",
        q(&temp),
        q(&to.name)
    ));
    out.extend(to.indexes.iter().map(|i| sql::create_index(d, &to.name, i)));
    out.extend(
        dependents
            .iter()
            .filter(|u| u.kind != "view")
            .map(|u| u.sql.clone()),
    );
    out.extend(views().map(|v| v.sql.clone()));
    out
}
