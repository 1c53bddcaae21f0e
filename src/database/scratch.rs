//! The server spells the desired schema. The fast comparison of the differ reads checks,
//! defaults, types and predicates through each dialect's hand-written rules; where it finds
//! a desired object different from the catalog's, the server has the last word: the desired
//! table is created in a scratch ([`Connection::open_scratch`]) and read back through the
//! same introspection, and the differ compares catalog with catalog
//! ([`crate::diff::diff_spelled`]). A view whose query reads differently from the
//! catalog's (PostgreSQL and MySQL keep their own spelling of a query) is made there too,
//! over bare copies of the desired tables and views it reads. A no-op plan never opens a
//! scratch.
//!
//! What runs on the target is still the desired object as written; the scratch only
//! decides whether it differs. A desired table the server refuses in the scratch stops the
//! plan before anything runs on the target.

use super::Connection;
use crate::change::{Change, TableChange};
use crate::error::Error;
use crate::schema::{EnumType, Index, Reads, Schema, Table, Type, View};

/// What the server made of the desired tables whose fast comparison disagreed.
pub(crate) enum Spelling {
    /// No table needed it.
    NotNeeded,
    /// The scratch's readings of those tables: as created, and where a rebuild spells them
    /// again ([`crate::dialect::SqlDialect::rebuild_sql`]) after one.
    Read(Vec<Schema>),
    /// The server gave no scratch; the fast comparison stands. The reason, for a note.
    Unavailable(String),
}

/// A name for a scratch database or schema, unique to this run and recognisable as
/// reconcile's (so that leftovers can be found): `reconcile_scratch_` and 16 hex digits.
pub(crate) fn name() -> String {
    use std::hash::BuildHasher;
    let seed = (std::process::id(), std::time::SystemTime::now());
    let n = std::collections::hash_map::RandomState::new().hash_one(seed);
    format!("reconcile_scratch_{n:016x}")
}

/// Whether a change may be the fast comparison's mistake: it turns on how the server spells
/// a type, a default, a check or a predicate.
fn turns_on_spelling(change: &TableChange) -> bool {
    match change {
        TableChange::AlterColumn { .. } | TableChange::AddCheck(_) | TableChange::DropCheck(_) => {
            true
        }
        TableChange::CreateIndex(i) | TableChange::DropIndex(i) => spelled_by_server(i),
        TableChange::RenameIndex { from, to } => spelled_by_server(from) || spelled_by_server(to),
        TableChange::AddColumn(_)
        | TableChange::DropColumn(_)
        | TableChange::RenameColumn { .. }
        | TableChange::AlterPrimaryKey { .. }
        | TableChange::AddForeignKey(_)
        | TableChange::DropForeignKey(_)
        | TableChange::RenameForeignKey { .. }
        | TableChange::SetComment(_) => false,
    }
}

/// Whether the server decides how an index reads back: its predicate, its expressions, and
/// the parts a MySQL prefix leaves whole (a prefix as long as the column).
fn spelled_by_server(index: &Index) -> bool {
    index.predicate.is_some() || !index.expressions.is_empty() || !index.prefixes.is_empty()
}

/// The desired tables of `changes` whose differences may be the fast comparison's mistake.
fn disputed(changes: &[Change]) -> Vec<&Table> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::AlterTable { to, changes, .. } if changes.iter().any(turns_on_spelling) => {
                Some(to)
            }
            _ => None,
        })
        .collect()
}

/// The desired views of `changes` made again with another query: the server keeps its own
/// spelling of a query, so the difference may be one of spelling only.
fn disputed_views(changes: &[Change]) -> Vec<&View> {
    let dropped: Vec<&View> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropView { view } => Some(view),
            _ => None,
        })
        .collect();
    changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateView { view, replaces } => Some((view, replaces.as_ref())),
            _ => None,
        })
        .filter(|(want, replaced)| {
            let mut live = dropped.iter().copied().chain(*replaced);
            live.any(|have| have.name == want.name && have != *want)
        })
        .map(|(want, _)| want)
        .collect()
}

/// The desired tables and views that `views` read, directly or through another view, each
/// view after the views it reads, and `views` last: what the scratch needs to make them.
fn read_by<'a>(views: &[&'a View], desired: &'a Schema) -> (Vec<&'a Table>, Vec<&'a View>) {
    // What each desired view reads, by position in `desired.views`.
    let reads: Vec<Reads> = desired.views.iter().map(View::read).collect();
    // Depth first over positions; a view met again on its own path (a circle no server
    // accepts) is left where it was first met.
    fn visit(
        i: usize,
        desired: &Schema,
        reads: &[Reads],
        path: &mut Vec<usize>,
        ordered: &mut Vec<usize>,
    ) {
        if path.contains(&i) || ordered.contains(&i) {
            return;
        }
        path.push(i);
        for (k, other) in desired.views.iter().enumerate() {
            if k != i && reads[i].contains(&other.name) {
                visit(k, desired, reads, path, ordered);
            }
        }
        path.pop();
        ordered.push(i);
    }
    let mut ordered: Vec<usize> = Vec::new();
    for view in views {
        if let Some(i) = desired.views.iter().position(|v| v.name == view.name) {
            visit(i, desired, &reads, &mut Vec::new(), &mut ordered);
        }
    }
    let tables = desired
        .tables
        .iter()
        .filter(|t| ordered.iter().any(|&i| reads[i].contains(&t.name)))
        .collect();
    (
        tables,
        ordered.into_iter().map(|i| &desired.views[i]).collect(),
    )
}

/// Asks the server how it spells the desired tables and views that `changes` disputes;
/// `desired` is resolved for the connection's dialect. Fails when the server refuses one
/// of them.
pub(crate) async fn spell<C: Connection>(
    conn: &mut C,
    changes: &[Change],
    desired: &Schema,
) -> Result<Spelling, Error> {
    let mut tables = disputed(changes);
    let (read, views) = read_by(&disputed_views(changes), desired);
    for table in read {
        if !tables.iter().any(|t| t.name == table.name) {
            tables.push(table);
        }
    }
    if tables.is_empty() && views.is_empty() {
        return Ok(Spelling::NotNeeded);
    }
    // What the views read beyond the desired schema (an ignored table), as the live
    // database holds it, where the scratch cannot see the target (MySQL's own database).
    let mut copies: Vec<(String, String)> = Vec::new();
    let reads: Vec<Reads> = views.iter().map(|v| v.read()).collect();
    for name in reads.iter().flat_map(Reads::names) {
        let known = desired.table(name).is_some() || desired.view(name).is_some();
        if known || copies.iter().any(|(n, _)| n == name) {
            continue;
        }
        if let Some(sql) = conn.structure_sql(name).await? {
            if copies.is_empty() {
                // The copy's keys may name tables the scratch does not hold.
                copies.push((name.to_string(), "SET FOREIGN_KEY_CHECKS = 0".into()));
            }
            copies.push((name.to_string(), sql));
        }
    }
    let mut scratch = match conn.open_scratch().await {
        Ok(scratch) => scratch,
        Err(e) => {
            return Ok(Spelling::Unavailable(crate::redact::mask_known(
                &e.to_string(),
            )));
        }
    };
    let result = create_and_read(&mut scratch, &tables, copies, &views).await;
    scratch.close_scratch().await;
    result.map(Spelling::Read)
}

/// Creates `tables` in the scratch and reads them back. Where any later DDL on a table makes
/// the server spell its checks again ([`crate::dialect::SqlDialect::rebuild_sql`]: MySQL
/// 9 flattens `a and (b and c)` once a table is altered), the tables are read as created,
/// then again after their indexes and a rebuild: a live table may hold either spelling.
async fn create_and_read<C: Connection>(
    scratch: &mut C,
    tables: &[&Table],
    copies: Vec<(String, String)>,
    views: &[&View],
) -> Result<Vec<Schema>, Error> {
    let respells = tables
        .iter()
        .all(|t| scratch.dialect().rebuild_sql(&t.name).is_some());
    let run = |table: &Table, sql: String| ("table", table.name.clone(), sql);
    let mut first = Vec::new();
    let mut later = Vec::new();
    // The named enum types the tables use come first (PostgreSQL).
    let mut types: Vec<EnumType> = Vec::new();
    for table in tables {
        for column in &table.columns {
            if let Type::Enum { name, values } = &column.ty
                && !name.is_empty()
                && !types.iter().any(|t| &t.name == name)
            {
                types.push(EnumType::unparsed(name.clone(), values.clone()));
                let create = Change::CreateEnum {
                    ty: types[types.len() - 1].clone(),
                };
                let sql = scratch.dialect().statements(&create).into_iter();
                first.extend(sql.map(|s| run(table, s.sql)));
            }
        }
    }
    for table in tables {
        let (create, indexes) = statements(scratch, table);
        first.extend(create.into_iter().map(|sql| run(table, sql)));
        if respells {
            later.extend(indexes.into_iter().map(|sql| run(table, sql)));
            later.extend(
                scratch
                    .dialect()
                    .rebuild_sql(&table.name)
                    .map(|sql| run(table, sql)),
            );
        } else {
            first.extend(indexes.into_iter().map(|sql| run(table, sql)));
        }
    }
    first.extend(copies.into_iter().map(|(name, sql)| ("table", name, sql)));
    for view in views {
        let create = Change::CreateView {
            view: (*view).clone(),
            replaces: None,
        };
        let sql = scratch.dialect().statements(&create).into_iter();
        first.extend(sql.map(|s| ("view", view.name.clone(), s.sql)));
    }
    execute_all(scratch, first).await?;
    let created = scratch.introspect().await?;
    if !respells {
        return Ok(vec![created]);
    }
    execute_all(scratch, later).await?;
    let rebuilt = scratch.introspect().await?;
    Ok(vec![created, rebuilt])
}

/// Runs each (kind, name, statement) in order; a refusal names the table or view.
async fn execute_all<C: Connection>(
    scratch: &mut C,
    statements: Vec<(&'static str, String, String)>,
) -> Result<(), Error> {
    for (kind, table, sql) in statements {
        if let Err(source) = scratch.execute(&sql).await {
            return Err(Error::ServerRefuses {
                kind,
                table,
                sql,
                source,
            });
        }
    }
    Ok(())
}

/// The statements that create `table` as the plan would, without its foreign keys (the
/// tables they name are not in the scratch, and the server does not respell a key): the
/// table's, then its indexes'.
fn statements<C: Connection>(scratch: &C, table: &Table) -> (Vec<String>, Vec<String>) {
    let d = scratch.dialect();
    let bare = Table {
        foreign_keys: Vec::new(),
        indexes: Vec::new(),
        ..(*table).clone()
    };
    let sql = |change: Change| d.statements(&change).into_iter().map(|s| s.sql);
    let create = sql(Change::CreateTable { table: bare }).collect();
    let indexes = table
        .indexes
        .iter()
        .flat_map(|index| {
            sql(Change::CreateIndex {
                table: table.name.clone(),
                index: index.clone(),
            })
        })
        .collect();
    (create, indexes)
}
