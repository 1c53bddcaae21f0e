//! Compares the live schema with the desired one and lists the changes between them.
//!
//! Both sides are in one dialect's terms: the desired schema resolved and normalized with
//! [`crate::dialect::resolve`], the live one read back through the dialect's catalog rules.
//! So the comparison is structural (`==` on the model), and the differ never renders SQL
//! or asks which database it is; only [`SqlDialect`] capability questions.

use std::collections::{HashMap, HashSet};

use crate::change::{Change, TableChange, only_adds_values, replaced_enum_name};
use crate::dialect::{SqlDialect, mentions};
use crate::error::Error;
use crate::schema::{
    Check, Column, DefaultValue, EnumType, ForeignKey, Index, Schema, Table, Type, Unmanaged, View,
};

/// The changes that turn `actual` into `desired` on `d`, unordered.
///
/// Fails when a `renamed-from` hint is ambiguous: both the old and the new name exist.
pub fn diff(actual: &Schema, desired: &Schema, d: &dyn SqlDialect) -> Result<Vec<Change>, Error> {
    diff_spelled(actual, desired, &[], d)
}

/// [`diff`], where `spelled` holds the server's own readings of some desired tables (created
/// in a scratch and introspected, see [`crate::database::scratch`]): a live object equal to
/// the server's spelling of its desired counterpart is unchanged, whatever the fast
/// comparison says. Where the server spells a table again once it is altered, there is a
/// reading of each kind, and a live table that matches either is unchanged. What a change
/// carries is always the desired object, as written.
pub fn diff_spelled(
    actual: &Schema,
    desired: &Schema,
    spelled: &[Schema],
    d: &dyn SqlDialect,
) -> Result<Vec<Change>, Error> {
    let live: HashMap<&str, &Table> = actual.tables.iter().map(|t| (t.name.as_str(), t)).collect();
    let renames = Renames::of(&live, desired);
    let mut changes = Vec::new();
    let mut matched: HashSet<&str> = HashSet::new();
    for want in &desired.tables {
        let old = want
            .renamed_from
            .as_deref()
            .and_then(|o| live.get(o).copied());
        let have = match (live.get(want.name.as_str()).copied(), old) {
            (Some(_), Some(old)) => {
                return Err(Error::AmbiguousRename {
                    what: "table",
                    old: old.name.clone(),
                    new: want.name.clone(),
                });
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
        let mut readings = spelled.iter().map(|s| s.table(&want.name));
        let mut table_changes = table_changes(d, have, want, readings.next().flatten(), &renames)?;
        for reading in readings {
            if table_changes.is_empty() {
                break;
            }
            let again = self::table_changes(d, have, want, reading, &renames)?;
            if again.is_empty() {
                table_changes = again;
            }
        }
        if !table_changes.is_empty() {
            let dependents: Vec<Unmanaged> = actual
                .unmanaged
                .iter()
                .filter(|u| {
                    u.table == have.name || (u.kind == "view" && mentions(&u.sql, &have.name))
                })
                .cloned()
                .collect();
            changes.push(Change::AlterTable {
                from: have.clone(),
                to: want.clone(),
                changes: table_changes,
                dependents,
            });
        }
    }
    for table in &actual.tables {
        if !matched.contains(table.name.as_str()) && !desired.is_ignored(&table.name) {
            changes.push(Change::DropTable {
                table: table.clone(),
            });
        }
    }
    if d.foreign_keys_pin_column_types() {
        unpin_foreign_keys(&mut changes);
    }
    enum_changes(actual, desired, &mut changes);
    view_changes(actual, desired, spelled, d, &mut changes);
    Ok(changes)
}

/// The views to create, drop, or drop and create again (replace, where the database keeps a
/// view in place: [`SqlDialect::replaces_views`]): a view whose query changes, and a
/// view that reads a table that goes, is renamed or changes its columns
/// ([`TableChange::reaches_views`]), or reads a view made again (a server keeps a view's
/// columns as they were when it was made, and PostgreSQL refuses to change a column a view
/// reads). A query is the same where the fast comparison or a server's spelling
/// (`spelled`) says so.
fn view_changes(
    actual: &Schema,
    desired: &Schema,
    spelled: &[Schema],
    d: &dyn SqlDialect,
    changes: &mut Vec<Change>,
) {
    let mut reached: HashSet<&str> = HashSet::new();
    for change in changes.iter() {
        match change {
            Change::DropTable { table } => {
                reached.insert(&table.name);
            }
            Change::RenameTable { from, .. } => {
                reached.insert(from);
            }
            Change::AlterTable { from, changes, .. }
                if changes.iter().any(TableChange::reaches_views) =>
            {
                reached.insert(&from.name);
            }
            _ => {}
        }
    }
    let same = |have: &View, want: &View| {
        have == want
            || spelled
                .iter()
                .any(|s| s.view(&want.name).is_some_and(|read| read == have))
    };
    let mut again: Vec<(&View, Option<&View>)> = Vec::new();
    for have in &actual.views {
        match desired.view(&have.name) {
            None if desired.is_ignored(&have.name) => {}
            None => again.push((have, None)),
            Some(want) if !same(have, want) => again.push((have, Some(want))),
            Some(_) => {}
        }
    }
    reached.extend(again.iter().map(|(have, _)| have.name.as_str()));
    // Whatever reads what is made again is made again, until nothing new is reached.
    let reads: Vec<(&View, crate::schema::Reads)> =
        actual.views.iter().map(|v| (v, v.read())).collect();
    loop {
        let more: Vec<(&View, Option<&View>)> = reads
            .iter()
            .filter(|(have, _)| !reached.contains(have.name.as_str()))
            .filter(|(_, read)| reached.iter().any(|r| read.contains(r)))
            .filter_map(|(have, _)| desired.view(&have.name).map(|want| (*have, Some(want))))
            .collect();
        if more.is_empty() {
            break;
        }
        reached.extend(more.iter().map(|(have, _)| have.name.as_str()));
        again.extend(more);
    }
    for (have, want) in again {
        match want {
            Some(want) if d.replaces_views() => changes.push(Change::CreateView {
                view: want.clone(),
                replaces: Some(have.clone()),
            }),
            _ => {
                changes.push(Change::DropView { view: have.clone() });
                changes.extend(want.map(|w| Change::CreateView {
                    view: w.clone(),
                    replaces: None,
                }));
            }
        }
    }
    for want in &desired.views {
        if actual.view(&want.name).is_none() {
            changes.push(Change::CreateView {
                view: want.clone(),
                replaces: None,
            });
        }
    }
}

/// The named enum types to create, change or drop (only where enums are named; elsewhere
/// both sides hold none). A type whose values change other than by additions in place is
/// replaced, and its old self dropped after the columns are converted.
fn enum_changes(actual: &Schema, desired: &Schema, changes: &mut Vec<Change>) {
    for want in &desired.enums {
        match actual.enum_type(&want.name) {
            None => changes.push(Change::CreateEnum { ty: want.clone() }),
            Some(have) if have.values == want.values => {}
            Some(have) => {
                changes.push(Change::AlterEnum {
                    from: have.clone(),
                    to: want.clone(),
                });
                if !only_adds_values(&have.values, &want.values) {
                    changes.push(Change::DropEnum {
                        ty: EnumType {
                            name: replaced_enum_name(&have.name),
                            ..have.clone()
                        },
                    });
                }
            }
        }
    }
    // A type that a table the tool leaves alone uses stays with it.
    let kept = |name: &str| {
        actual.tables.iter().any(|t| {
            desired.is_ignored(&t.name)
                && t.columns
                    .iter()
                    .any(|c| matches!(&c.ty, Type::Enum { name: n, .. } if n == name))
        })
    };
    for have in &actual.enums {
        if desired.enum_type(&have.name).is_none() && !kept(&have.name) {
            changes.push(Change::DropEnum { ty: have.clone() });
        }
    }
}

/// Where a foreign key forbids changing the type of its columns on either side (MySQL),
/// every key over a column that changes type (kept, renamed, added or dropped) is dropped
/// first and added last, around the alterations of both tables.
fn unpin_foreign_keys(changes: &mut Vec<Change>) {
    let retyped: HashSet<(String, String)> = changes
        .iter()
        .filter_map(|c| match c {
            Change::AlterTable { to, changes, .. } => Some((to, changes)),
            _ => None,
        })
        .flat_map(|(table, changes)| {
            changes.iter().filter_map(|tc| match tc {
                TableChange::AlterColumn { from, to, .. } if from.ty != to.ty => {
                    Some((table.name.clone(), to.name.clone()))
                }
                _ => None,
            })
        })
        .collect();
    if retyped.is_empty() {
        return;
    }
    let pinned = |table: &str, fk: &ForeignKey| {
        fk.columns
            .iter()
            .any(|c| retyped.contains(&(table.to_string(), c.clone())))
            || fk
                .ref_columns
                .iter()
                .any(|c| retyped.contains(&(fk.ref_table.clone(), c.clone())))
    };
    // Added again over the same columns, a key keeps the index the server made for it.
    let kept_index = |fk: &ForeignKey, again: &ForeignKey| ForeignKey {
        implicit_index: fk.implicit_index && fk.columns != again.columns,
        ..fk.clone()
    };
    let mut around: Vec<(String, Option<ForeignKey>, Option<ForeignKey>)> = Vec::new();
    for change in changes.iter_mut() {
        let Change::AlterTable {
            from,
            to,
            changes: mine,
            ..
        } = change
        else {
            continue;
        };
        // A renamed table's keys are left where they are (their names move with it).
        if from.name != to.name {
            continue;
        }
        let table = to.name.clone();
        mine.retain(|tc| {
            let moved = match tc {
                TableChange::AddForeignKey(fk) if pinned(&table, fk) => (None, Some(fk.clone())),
                TableChange::DropForeignKey(fk) if pinned(&table, fk) => (Some(fk.clone()), None),
                // The index named after the old key goes with it.
                TableChange::RenameForeignKey { from, to } if pinned(&table, to) => {
                    (Some(from.clone()), Some(to.clone()))
                }
                _ => return true,
            };
            around.push((table.clone(), moved.0, moved.1));
            false
        });
        for fk in &to.foreign_keys {
            let Some(live) = from.foreign_keys.iter().find(|k| k.name == fk.name) else {
                continue;
            };
            let touched = around.iter().any(|(t, d, a)| {
                t == &table
                    && [d, a]
                        .iter()
                        .any(|k| k.as_ref().is_some_and(|k| k.name == fk.name))
            });
            if !touched && pinned(&table, fk) {
                around.push((table.clone(), Some(kept_index(live, fk)), Some(fk.clone())));
            }
        }
    }
    changes.retain(|c| !matches!(c, Change::AlterTable { changes, .. } if changes.is_empty()));
    for (table, drop, add) in around {
        if let Some(fk) = drop {
            changes.push(Change::DropForeignKey {
                table: table.clone(),
                fk,
            });
        }
        if let Some(fk) = add {
            changes.push(Change::AddForeignKey { table, fk });
        }
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

/// The tables and columns the desired schema renames (`renamed-from` naming a live object
/// whose new name is free). Every database points foreign keys at the new names itself.
#[derive(Default)]
struct Renames {
    /// live table name -> desired name
    tables: HashMap<String, String>,
    /// desired table name -> (live column name -> desired name)
    columns: HashMap<String, HashMap<String, String>>,
}

impl Renames {
    fn of(live: &HashMap<&str, &Table>, desired: &Schema) -> Renames {
        let mut out = Renames::default();
        for want in &desired.tables {
            let have = match want.renamed_from.as_deref() {
                Some(old) if !live.contains_key(want.name.as_str()) && live.contains_key(old) => {
                    out.tables.insert(old.to_string(), want.name.clone());
                    live[old]
                }
                _ => match live.get(want.name.as_str()) {
                    Some(have) => have,
                    None => continue,
                },
            };
            for c in &want.columns {
                if let Some(old) = c.renamed_from.as_deref()
                    && have.column(&c.name).is_none()
                    && have.column(old).is_some()
                {
                    out.columns
                        .entry(want.name.clone())
                        .or_default()
                        .insert(old.to_string(), c.name.clone());
                }
            }
        }
        out
    }

    /// `fk` of the live table, with the table and columns it references under their new
    /// names.
    fn target(&self, fk: &ForeignKey) -> ForeignKey {
        let table = self
            .tables
            .get(&fk.ref_table)
            .cloned()
            .unwrap_or_else(|| fk.ref_table.clone());
        let columns = self.columns.get(&table);
        ForeignKey {
            ref_columns: fk
                .ref_columns
                .iter()
                .map(|c| {
                    columns
                        .and_then(|m| m.get(c))
                        .cloned()
                        .unwrap_or_else(|| c.clone())
                })
                .collect(),
            ref_table: table,
            ..fk.clone()
        }
    }
}

/// The changes to one table that exists on both sides, in table-change rank order; within a
/// rank, column changes in file order, then the other objects by name (so that the order is
/// the same whether the live side was introspected or parsed: catalogs list indexes, keys
/// and checks in their own order).
fn table_changes(
    d: &dyn SqlDialect,
    have: &Table,
    want: &Table,
    spelled: Option<&Table>,
    renames: &Renames,
) -> Result<Vec<TableChange>, Error> {
    let mut changes = Vec::new();
    // live column name -> desired column name
    let mut renamed: HashMap<&str, &str> = HashMap::new();
    for c in &want.columns {
        let old = c.renamed_from.as_deref().and_then(|o| have.column(o));
        let live = match (have.column(&c.name), old) {
            (Some(_), Some(old)) => {
                return Err(Error::AmbiguousRename {
                    what: "column",
                    old: format!("{}.{}", want.name, old.name),
                    new: format!("{}.{}", want.name, c.name),
                });
            }
            (Some(live), None) => live,
            (None, Some(old)) => {
                changes.push(TableChange::RenameColumn {
                    from: old.name.clone(),
                    to: c.name.clone(),
                });
                old
            }
            (None, None) => {
                changes.push(TableChange::AddColumn(c.clone()));
                continue;
            }
        };
        renamed.insert(&live.name, &c.name);
        let spelled_same = || {
            spelled
                .and_then(|t| t.column(&c.name))
                .is_some_and(|s| same_column(d, live, s))
        };
        if !same_column(d, live, c) && !spelled_same() {
            changes.push(TableChange::AlterColumn {
                from: live.clone(),
                to: c.clone(),
                fill_nulls: live.nullable && !c.nullable && c.default.is_some(),
            });
        }
    }
    // Generated columns go first: a server refuses to drop a column one of them reads.
    let (generated, plain): (Vec<&Column>, Vec<&Column>) =
        have.columns.iter().partition(|c| c.generated.is_some());
    for c in generated.into_iter().chain(plain) {
        if !renamed.contains_key(c.name.as_str()) {
            changes.push(TableChange::DropColumn(c.clone()));
        }
    }
    let rename = |name: &String| -> String {
        renamed
            .get(name.as_str())
            .map_or_else(|| name.clone(), |n| n.to_string())
    };
    let have_pk: Vec<String> = have.primary_key.iter().map(rename).collect();
    if have_pk != want.primary_key {
        changes.push(TableChange::AlterPrimaryKey {
            from: have.primary_key.clone(),
            to: want.primary_key.clone(),
        });
    }
    index_changes(d, have, want, spelled, &rename, &mut changes);
    foreign_key_changes(d, have, want, &rename, renames, &mut changes);
    check_changes(d, have, want, spelled, &mut changes);
    if have.comment != want.comment {
        changes.push(TableChange::SetComment(want.comment.clone()));
    }
    remake_with_replaced_columns(d, have, want, &mut changes);
    changes.sort_by(|a, b| {
        let key = |c: &TableChange| {
            let column = matches!(
                c,
                TableChange::AddColumn(_)
                    | TableChange::DropColumn(_)
                    | TableChange::RenameColumn { .. }
                    | TableChange::AlterColumn { .. }
            );
            (
                c.rank(),
                !column,
                if column { "" } else { c.object() }.to_string(),
            )
        };
        key(a).cmp(&key(b))
    });
    Ok(changes)
}

/// The indexes, checks and foreign keys over a column that the database drops and adds
/// again ([`SqlDialect::replaces_column`]) go with it: each is dropped before, and made
/// again after, unless `changes` already does.
fn remake_with_replaced_columns(
    d: &dyn SqlDialect,
    have: &Table,
    want: &Table,
    changes: &mut Vec<TableChange>,
) {
    let replaced: Vec<String> = changes
        .iter()
        .filter_map(|c| match c {
            TableChange::AlterColumn { from, to, .. } if d.replaces_column(from, to) => {
                Some(to.name.clone())
            }
            _ => None,
        })
        .collect();
    if replaced.is_empty() {
        return;
    }
    let over = |columns: &[String]| columns.iter().any(|c| replaced.contains(c));
    let reads = |expr: &str| replaced.iter().any(|c| mentions(expr, c));
    let mut more = Vec::new();
    for w in want
        .indexes
        .iter()
        .filter(|i| replaced.iter().any(|c| i.uses_column(c)))
    {
        let made = changes
            .iter()
            .any(|c| matches!(c, TableChange::CreateIndex(i) | TableChange::RenameIndex { to: i, .. } if i.name == w.name));
        if let (false, Some(live)) = (made, have.indexes.iter().find(|i| i.name == w.name)) {
            more.push(TableChange::DropIndex(live.clone()));
            more.push(TableChange::CreateIndex(w.clone()));
        }
    }
    for w in want.checks.iter().filter(|c| reads(&c.expr)) {
        let made = changes
            .iter()
            .any(|c| matches!(c, TableChange::AddCheck(k) if k.name == w.name));
        if let (false, Some(live)) = (made, have.checks.iter().find(|c| c.name == w.name)) {
            more.push(TableChange::DropCheck(live.clone()));
            more.push(TableChange::AddCheck(w.clone()));
        }
    }
    for w in want.foreign_keys.iter().filter(|k| over(&k.columns)) {
        let made = changes.iter().any(|c| {
            matches!(c, TableChange::AddForeignKey(k) | TableChange::RenameForeignKey { to: k, .. } if k.name == w.name)
        });
        if let (false, Some(live)) = (made, have.foreign_keys.iter().find(|k| k.name == w.name)) {
            more.push(TableChange::DropForeignKey(live.clone()));
            more.push(TableChange::AddForeignKey(w.clone()));
        }
    }
    changes.extend(more);
}

/// Pairs live objects (their columns under their new names) with desired ones by `same`;
/// each object on either side is used at most once.
fn pair<'a, L, W>(
    live: &'a [L],
    want: &'a [W],
    same: impl Fn(&L, &W) -> bool,
) -> (Vec<&'a L>, Vec<&'a W>) {
    let mut taken = vec![false; want.len()];
    let mut unmatched_live = Vec::new();
    for l in live {
        match (0..want.len()).find(|&i| !taken[i] && same(l, &want[i])) {
            Some(i) => taken[i] = true,
            None => unmatched_live.push(l),
        }
    }
    let unmatched_want = want
        .iter()
        .zip(&taken)
        .filter(|(_, t)| !**t)
        .map(|(w, _)| w)
        .collect();
    (unmatched_live, unmatched_want)
}

fn index_changes(
    d: &dyn SqlDialect,
    have: &Table,
    want: &Table,
    spelled: Option<&Table>,
    rename: &dyn Fn(&String) -> String,
    changes: &mut Vec<TableChange>,
) {
    let moved: Vec<Index> = have
        .indexes
        .iter()
        .map(|i| Index {
            // An expression is the server's to rewrite when a column it reads is renamed.
            columns: (i.columns.iter().enumerate())
                .map(|(k, c)| {
                    if i.is_expression(k) {
                        c.clone()
                    } else {
                        rename(c)
                    }
                })
                .collect(),
            ..i.clone()
        })
        .collect();
    // Columns by name, expressions by meaning.
    let same_parts = |l: &Index, w: &Index| {
        l.expressions == w.expressions
            && l.columns.len() == w.columns.len()
            && (l.columns.iter().zip(&w.columns).enumerate()).all(|(k, (a, b))| {
                if l.is_expression(k) {
                    d.comparable_sql(a) == d.comparable_sql(b)
                } else {
                    a == b
                }
            })
    };
    let same_as = |l: &Index, w: &Index| {
        same_parts(l, w)
            && l.descending == w.descending
            && l.prefixes == w.prefixes
            && l.unique == w.unique
            && l.kind.is_usable()
            && l.predicate.as_deref().map(|p| d.comparable_sql(p))
                == w.predicate.as_deref().map(|p| d.comparable_sql(p))
    };
    let same = |l: &Index, w: &Index| {
        same_as(l, w)
            || spelled
                .and_then(|t| t.indexes.iter().find(|s| s.name == w.name))
                .is_some_and(|s| {
                    same_as(
                        l,
                        &Index {
                            // The server's spelling of the expressions, the desired names.
                            columns: (w.columns.iter().enumerate())
                                .map(|(k, c)| match s.columns.get(k) {
                                    Some(e) if w.is_expression(k) => e.clone(),
                                    _ => c.clone(),
                                })
                                .collect(),
                            ..s.clone()
                        },
                    )
                })
    };
    let (gone, new) = pair(&moved, &want.indexes, |l, w| {
        (l.name == w.name || !l.has_own_name()) && same(l, w)
    });
    // What is left with the same definition under another name is a rename, unless that
    // name is still held by a live index (two indexes exchanging definitions): renames
    // would collide, so both are dropped and created again.
    let taken = |name: &str| have.indexes.iter().any(|i| i.name == name);
    let mut created: Vec<&Index> = new;
    for index in gone {
        let original = have
            .indexes
            .iter()
            .find(|i| i.name == index.name)
            .unwrap_or(index);
        match created
            .iter()
            .position(|w| index.has_own_name() && !taken(&w.name) && same(index, w))
        {
            Some(i) => changes.push(TableChange::RenameIndex {
                from: original.clone(),
                to: created.remove(i).clone(),
            }),
            None => changes.push(TableChange::DropIndex(original.clone())),
        }
    }
    changes.extend(created.into_iter().cloned().map(TableChange::CreateIndex));
}

fn foreign_key_changes(
    d: &dyn SqlDialect,
    have: &Table,
    want: &Table,
    rename: &dyn Fn(&String) -> String,
    renames: &Renames,
    changes: &mut Vec<TableChange>,
) {
    let moved: Vec<ForeignKey> = have
        .foreign_keys
        .iter()
        .map(|fk| ForeignKey {
            columns: fk.columns.iter().map(rename).collect(),
            ..renames.target(fk)
        })
        .collect();
    let same = |l: &ForeignKey, w: &ForeignKey| {
        l.columns == w.columns
            && l.ref_table == w.ref_table
            && l.ref_columns == w.ref_columns
            && l.on_delete == w.on_delete
            && l.on_update == w.on_update
            && l.validated == w.validated
    };
    let (gone, new) = pair(&moved, &want.foreign_keys, |l, w| {
        (l.name == w.name || !d.reports_foreign_key_names()) && same(l, w)
    });
    let mut added: Vec<&ForeignKey> = new;
    for fk in gone {
        let original = have
            .foreign_keys
            .iter()
            .find(|k| k.name == fk.name)
            .unwrap_or(fk);
        match added.iter().position(|w| same(fk, w)) {
            Some(i) => changes.push(TableChange::RenameForeignKey {
                from: original.clone(),
                to: added.remove(i).clone(),
            }),
            None => changes.push(TableChange::DropForeignKey(original.clone())),
        }
    }
    changes.extend(added.into_iter().cloned().map(TableChange::AddForeignKey));
}

fn check_changes(
    d: &dyn SqlDialect,
    have: &Table,
    want: &Table,
    spelled: Option<&Table>,
    changes: &mut Vec<TableChange>,
) {
    let same = |x: &str, y: &str| d.comparable_sql(x) == d.comparable_sql(y);
    // The server's reading of a desired check: by name, or by place where the server keeps
    // checks without their names (SQLite's bare `CHECK`).
    let spelling = |w: &Check| -> Option<&Check> {
        let t = spelled?;
        t.checks
            .iter()
            .find(|s| s.named && s.name == w.name)
            .or_else(|| {
                let at = want.checks.iter().position(|c| c.name == w.name)?;
                (t.checks.len() == want.checks.len())
                    .then(|| &t.checks[at])
                    .filter(|s| !s.named)
            })
    };
    let (gone, new) = pair(&have.checks, &want.checks, |l: &Check, w: &Check| {
        (l.name == w.name || !l.named)
            && l.validated == w.validated
            && (same(&l.expr, &w.expr) || spelling(w).is_some_and(|s| same(&l.expr, &s.expr)))
    });
    changes.extend(gone.into_iter().cloned().map(TableChange::DropCheck));
    changes.extend(new.into_iter().cloned().map(TableChange::AddCheck));
}

/// Whether two versions of a column are the same, both in the database's terms.
/// Whether a live column of type `a` already has type `b`. Where enums are named types, a
/// column keeps its type while the type gains values in place ([`Change::AlterEnum`]);
/// any other change of the list replaces the type, and the column is converted.
fn same_type(d: &dyn SqlDialect, a: &Type, b: &Type) -> bool {
    match (a, b) {
        (Type::Enum { name, values }, Type::Enum { name: n, values: v }) if d.named_enums() => {
            name == n && only_adds_values(values, v)
        }
        _ => a == b,
    }
}

pub fn same_column(d: &dyn SqlDialect, a: &Column, b: &Column) -> bool {
    let same_name = |x: &Option<String>, y: &Option<String>| match (x, y) {
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        (None, None) => true,
        _ => false,
    };
    same_type(d, &a.ty, &b.ty)
        && a.nullable == b.nullable
        && a.auto_increment == b.auto_increment
        && crate::dialect::same_generated(d, a, b)
        && (same_default(d, a.default.as_ref(), b.default.as_ref())
            || (a.ty.is_numeric() && same_number(a.default.as_ref(), b.default.as_ref())))
        && same_default(
            d,
            on_update_default(&a.on_update).as_ref(),
            on_update_default(&b.on_update).as_ref(),
        )
        && same_name(&a.collate, &b.collate)
        && same_name(&a.charset, &b.charset)
        && a.comment == b.comment
}

/// An `ON UPDATE` expression, to compare as an SQL default is.
fn on_update_default(on_update: &Option<(String, crate::schema::Span)>) -> Option<DefaultValue> {
    on_update
        .as_ref()
        .map(|(s, _)| DefaultValue::Sql(s.clone()))
}

/// Defaults compare as values; SQL expressions by their text with spacing and outer
/// parentheses ignored (and case, for a bare keyword such as `CURRENT_TIMESTAMP`).
fn same_default(d: &dyn SqlDialect, a: Option<&DefaultValue>, b: Option<&DefaultValue>) -> bool {
    match (a, b) {
        (Some(DefaultValue::Sql(x)), Some(DefaultValue::Sql(y))) => {
            let (x, y) = (d.comparable_sql(x), d.comparable_sql(y));
            x == y || (crate::dialect::is_sql_keyword_default(&x) && x.eq_ignore_ascii_case(&y))
        }
        (a, b) => a == b,
    }
}

/// Whether two defaults of a number column are the same number (`0` and `0.00`, `2.5` and
/// `2.50`), written as numbers or as SQL.
fn same_number(a: Option<&DefaultValue>, b: Option<&DefaultValue>) -> bool {
    let value = |v: Option<&DefaultValue>| match v? {
        DefaultValue::Number(n) | DefaultValue::Sql(n) => {
            crate::schema::decimal_value(crate::dialect::sql::strip_outer_parentheses(n.trim()))
        }
        DefaultValue::Bool(_) | DefaultValue::String(_) => None,
    };
    matches!((value(a), value(b)), (Some(x), Some(y)) if x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_defaults_compare_by_value() {
        let n = |s: &str| DefaultValue::Number(s.into());
        assert!(same_number(Some(&n("0")), Some(&n("0.00"))));
        assert!(same_number(
            Some(&n("2.50")),
            Some(&DefaultValue::Sql("(2.5)".into()))
        ));
        assert!(same_number(Some(&n("-0.0")), Some(&n("0"))));
        assert!(!same_number(Some(&n("2.5")), Some(&n("25"))));
        assert!(!same_number(Some(&n("-1")), Some(&n("1"))));
        assert!(!same_number(None, Some(&n("0"))));
        assert_eq!(
            crate::schema::decimal_value("007.500").as_deref(),
            Some("7.5")
        );
        assert_eq!(crate::schema::decimal_value("1e3"), None);
    }

    #[test]
    fn keyword_defaults_ignore_case_and_parentheses() {
        let now = |s: &str| DefaultValue::Sql(s.into());
        let d = crate::dialect::Dialect::Sqlite.sql();
        assert!(same_default(
            d,
            Some(&now("(CURRENT_TIMESTAMP)")),
            Some(&now("current_timestamp"))
        ));
        assert!(!same_default(
            d,
            Some(&now("lower('A')")),
            Some(&now("lower('a')"))
        ));
    }
}
