//! Compares the live schema with the desired one and lists the changes between them.
//!
//! Both sides are in one dialect's terms (the desired schema resolved with
//! [`crate::dialect::resolve`], the live one introspected), and values are compared as that
//! dialect spells them, so that a database the tool created reads back as equal. Changes the
//! dialect cannot make in place turn the table's changes into one [`Change::RebuildTable`].

use std::collections::HashSet;

use crate::change::Change;
use crate::dialect::{Dialect, SqlDialect};
use crate::error::Error;
use crate::schema::{Column, ForeignKey, Index, Schema, Table, Unmanaged};

/// The changes that turn `actual` into `desired` on `dialect`, unordered.
///
/// Fails when a `renamed-from` hint is ambiguous: both the old and the new name exist.
pub fn diff(actual: &Schema, desired: &Schema, dialect: Dialect) -> Result<Vec<Change>, Error> {
    let d = dialect.sql();
    let mut changes = Vec::new();
    let mut matched: HashSet<&str> = HashSet::new();
    for want in &desired.tables {
        let old = want.renamed_from.as_deref().and_then(|o| actual.table(o));
        let have = match (actual.table(&want.name), old) {
            (Some(_), Some(old)) => {
                return Err(ambiguous_rename(
                    "table",
                    &old.name,
                    &want.name,
                    &format!("both tables `{}` and `{}` exist", old.name, want.name),
                ));
            }
            (Some(have), None) => have,
            (None, Some(old)) => {
                changes.push(Change::RenameTable {
                    from: old.name.clone(),
                    to: want.name.clone(),
                });
                old
            }
            (None, None) => {
                create_table(want, &mut changes);
                continue;
            }
        };
        matched.insert(&have.name);
        let renamed = Table {
            name: want.name.clone(),
            ..have.clone()
        };
        let dependents: Vec<Unmanaged> = actual
            .unmanaged
            .iter()
            .filter(|u| {
                u.table == have.name
                    || (u.kind == "view" && crate::dialect::mentions(&u.sql, &have.name))
            })
            .cloned()
            .collect();
        changes.extend(table_changes(d, &renamed, want, dependents)?);
    }
    for table in &actual.tables {
        if !matched.contains(table.name.as_str()) && !desired.is_ignored(&table.name) {
            changes.push(Change::DropTable {
                table: table.clone(),
            });
        }
    }
    Ok(changes)
}

fn ambiguous_rename(what: &str, old: &str, new: &str, why: &str) -> Error {
    Error::Refused {
        reason: format!("{what} `{new}` says `renamed-from={old}`, but {why}"),
        help: Some(format!(
            "if the rename is done, remove `renamed-from`; otherwise drop or rename one of them by hand: reconcile never guesses which {what} holds the data"
        )),
    }
}

fn create_table(want: &Table, changes: &mut Vec<Change>) {
    changes.push(Change::CreateTable {
        table: Table {
            indexes: Vec::new(),
            ..want.clone()
        },
    });
    for index in &want.indexes {
        changes.push(Change::CreateIndex {
            table: want.name.clone(),
            index: index.clone(),
        });
    }
}

/// The changes to one table that exists on both sides (`have` already carries `want`'s name).
fn table_changes(
    d: &dyn SqlDialect,
    have: &Table,
    want: &Table,
    dependents: Vec<Unmanaged>,
) -> Result<Vec<Change>, Error> {
    let t = &want.name;
    let mut changes = Vec::new();
    // (desired column, live column it takes its data from)
    let mut copy: Vec<(String, String)> = Vec::new();
    let mut kept: HashSet<&str> = HashSet::new();
    for c in &want.columns {
        let old = c.renamed_from.as_deref().and_then(|o| have.column(o));
        let live = match (have.column(&c.name), old) {
            (Some(_), Some(old)) => {
                return Err(ambiguous_rename(
                    "column",
                    &old.name,
                    &format!("{t}.{}", c.name),
                    &format!("both columns exist in `{t}`"),
                ));
            }
            (Some(live), None) => live,
            (None, Some(old)) => {
                changes.push(Change::RenameColumn {
                    table: t.clone(),
                    from: old.name.clone(),
                    to: c.name.clone(),
                });
                old
            }
            (None, None) => {
                changes.push(Change::AddColumn {
                    table: t.clone(),
                    column: c.clone(),
                });
                continue;
            }
        };
        kept.insert(&live.name);
        copy.push((c.name.clone(), live.name.clone()));
        if !same_column(d, live, c) {
            let fill_nulls = live.nullable && !c.nullable && c.default.is_some();
            let from = Column {
                name: c.name.clone(),
                ..live.clone()
            };
            changes.push(Change::AlterColumn {
                table: t.clone(),
                from,
                to: c.clone(),
                fill_nulls,
            });
        }
    }
    for c in &have.columns {
        if !kept.contains(c.name.as_str()) {
            changes.push(Change::DropColumn {
                table: t.clone(),
                column: c.clone(),
            });
        }
    }
    let rename = |name: &String| {
        copy.iter()
            .find(|(_, old)| old == name)
            .map_or(name.clone(), |(new, _)| new.clone())
    };
    let have_pk: Vec<String> = have.primary_key.iter().map(rename).collect();
    if have_pk != want.primary_key {
        changes.push(Change::AlterPrimaryKey {
            table: t.clone(),
            from: have_pk,
            to: want.primary_key.clone(),
        });
    }
    index_changes(have, want, &rename, &mut changes);
    // The live keys with their columns under their new names, paired with the keys as they are.
    let have_fks: Vec<(ForeignKey, &ForeignKey)> = have
        .foreign_keys
        .iter()
        .map(|fk| {
            (
                ForeignKey {
                    columns: fk.columns.iter().map(rename).collect(),
                    ..fk.clone()
                },
                fk,
            )
        })
        .collect();
    for (now, fk) in &have_fks {
        if !want
            .foreign_keys
            .iter()
            .any(|w| same_foreign_key(d, now, w))
        {
            changes.push(Change::DropForeignKey {
                table: t.clone(),
                fk: (*fk).clone(),
            });
        }
    }
    for fk in &want.foreign_keys {
        if !have_fks.iter().any(|(now, _)| same_foreign_key(d, now, fk)) {
            changes.push(Change::AddForeignKey {
                table: t.clone(),
                fk: fk.clone(),
            });
        }
    }
    for check in &have.checks {
        if !want
            .checks
            .iter()
            .any(|w| w.name == check.name && same_sql(&w.expr, &check.expr))
        {
            changes.push(Change::DropCheck {
                table: t.clone(),
                check: check.clone(),
            });
        }
    }
    for check in &want.checks {
        if !have
            .checks
            .iter()
            .any(|h| h.name == check.name && same_sql(&h.expr, &check.expr))
        {
            changes.push(Change::AddCheck {
                table: t.clone(),
                check: check.clone(),
            });
        }
    }
    if have.comment != want.comment {
        changes.push(Change::SetTableComment {
            table: t.clone(),
            comment: want.comment.clone(),
        });
    }
    let in_place = changes.iter().all(|c| d.render(c).is_some());
    if in_place {
        return Ok(changes);
    }
    let reasons = changes.iter().map(Change::describe).collect();
    Ok(vec![Change::RebuildTable {
        from: have.clone(),
        to: want.clone(),
        copy,
        dependents,
        reasons,
    }])
}

fn index_changes(
    have: &Table,
    want: &Table,
    rename: &dyn Fn(&String) -> String,
    changes: &mut Vec<Change>,
) {
    let t = &want.name;
    let same = |a: &Index, b: &Index| {
        a.name == b.name
            && a.columns == b.columns
            && a.unique == b.unique
            && a.predicate.as_deref().map(normalize_sql)
                == b.predicate.as_deref().map(normalize_sql)
    };
    // The live indexes with their columns under their new names, paired with them as they are.
    let have_indexes: Vec<(Index, &Index)> = have
        .indexes
        .iter()
        .map(|i| {
            (
                Index {
                    columns: i.columns.iter().map(rename).collect(),
                    ..i.clone()
                },
                i,
            )
        })
        .collect();
    for (now, index) in &have_indexes {
        if !want.indexes.iter().any(|w| same(now, w)) {
            changes.push(Change::DropIndex {
                table: t.clone(),
                index: (*index).clone(),
            });
        }
    }
    for index in &want.indexes {
        if !have_indexes.iter().any(|(now, _)| same(now, index)) {
            changes.push(Change::CreateIndex {
                table: t.clone(),
                index: index.clone(),
            });
        }
    }
}

/// Whether two versions of a column are the same as `d` would create them.
pub fn same_column(d: &dyn SqlDialect, a: &Column, b: &Column) -> bool {
    let default = |c: &Column| {
        c.default
            .as_ref()
            .map(|v| normalize_sql(&d.default_sql(v, &c.ty)))
    };
    crate::dialect::normalize_type(&d.column_type_sql(a))
        == crate::dialect::normalize_type(&d.column_type_sql(b))
        && a.nullable == b.nullable
        && a.auto_increment == b.auto_increment
        && default(a) == default(b)
        && a.collate == b.collate
        && a.charset == b.charset
        && a.comment == b.comment
}

fn same_foreign_key(d: &dyn SqlDialect, a: &ForeignKey, b: &ForeignKey) -> bool {
    (a.name == b.name || !d.reports_foreign_key_names())
        && a.columns == b.columns
        && a.ref_table == b.ref_table
        && a.ref_columns == b.ref_columns
        && a.on_delete == b.on_delete
        && a.on_update == b.on_update
}

fn same_sql(a: &str, b: &str) -> bool {
    normalize_sql(a) == normalize_sql(b)
}

/// SQL text made comparable: single spaces, no outer parentheses.
pub fn normalize_sql(sql: &str) -> String {
    let mut s = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    while s.starts_with('(') && s.ends_with(')') && balanced(&s[1..s.len() - 1]) {
        s = s[1..s.len() - 1].trim().to_string();
    }
    s
}

fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    for c in s.chars() {
        depth += match c {
            '(' => 1,
            ')' => -1,
            _ => 0,
        };
        if depth < 0 {
            return false;
        }
    }
    depth == 0
}

#[cfg(test)]
mod tests {
    use super::normalize_sql;

    #[test]
    fn sql_normalization() {
        assert_eq!(normalize_sql("((a  >  0))"), "a > 0");
        assert_eq!(normalize_sql("(a) AND (b)"), "(a) AND (b)");
    }
}
