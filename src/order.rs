//! Puts changes in an order the database accepts, deterministically.
//!
//! Each change states what it creates, needs, releases and drops; edges follow from those
//! facts (a creator runs before what needs it, a releaser before the drop, a drop before a
//! re-creation of the same name). Among changes that are ready, the smallest stable key goes
//! first, so the same input gives the same plan byte for byte. A cycle of foreign keys is
//! broken by moving the keys out of `CREATE TABLE` into later `ADD FOREIGN KEY` changes (or,
//! where keys can only be inline and need no target, by dropping the ordering edge).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use petgraph::Direction;
use petgraph::algo::tarjan_scc;
use petgraph::stable_graph::{NodeIndex, StableDiGraph};

use crate::change::{Change, TableChange, replaced_enum_name};
use crate::dialect::SqlDialect;
use crate::schema::{ForeignKey, Schema, Table, Type};

/// The desired tables by name.
type Desired<'a> = HashMap<&'a str, &'a Table>;

fn by_name(schema: &Schema) -> Desired<'_> {
    schema.tables.iter().map(|t| (t.name.as_str(), t)).collect()
}

/// A thing in the database that changes create, need or drop.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Object {
    /// A table or a view (they share one namespace).
    Table(String),
    /// The columns of a table as a view reads them: there once the table is created,
    /// renamed or altered.
    Columns(String),
    /// A table as the views that read it hold it: a view goes before the table goes, is
    /// renamed, or changes its columns.
    ReadByViews(String),
    Column(String, String),
    Index(String),
    /// The primary key of a table (a foreign key's target).
    PrimaryKey(String),
    ForeignKey(String),
    Check(String),
    /// A named enum type (PostgreSQL).
    Type(String),
}

impl std::fmt::Display for Object {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Object::Table(t) => write!(f, "table `{t}`"),
            Object::Columns(t) => write!(f, "the columns of `{t}`"),
            Object::ReadByViews(t) => write!(f, "`{t}` for its views"),
            Object::Column(t, c) => write!(f, "column `{t}.{c}`"),
            Object::Index(i) => write!(f, "index `{i}`"),
            Object::PrimaryKey(t) => write!(f, "the primary key of `{t}`"),
            Object::ForeignKey(k) => write!(f, "foreign key `{k}`"),
            Object::Check(c) => write!(f, "check `{c}`"),
            Object::Type(t) => write!(f, "enum `{t}`"),
        }
    }
}

/// Why one change must run before another: the object and what the changes do to it.
#[derive(Debug, Clone)]
struct Reason {
    verb: &'static str,
    object: Object,
}

/// One "must run before" edge of a plan, between steps in plan order (0-based).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Dependency {
    pub before: usize,
    pub after: usize,
    /// Why, e.g. "needs table `users`".
    pub reason: String,
}

/// What one change does to the objects of the database.
#[derive(Default)]
struct Facts {
    creates: Vec<Object>,
    needs: Vec<Object>,
    releases: Vec<Object>,
    drops: Vec<Object>,
}

/// The changes in an order the database accepts. `desired` tells which unique index a foreign
/// key relies on.
pub fn order(changes: Vec<Change>, desired: &Schema, d: &dyn SqlDialect) -> Vec<Change> {
    let desired = by_name(desired);
    let desired = &desired;
    let mut changes = changes;
    changes.sort_by_key(key);
    // Changes whose foreign keys stay inline but no longer order them (SQLite's cycles).
    let mut relaxed: HashSet<usize> = HashSet::new();
    // At most one round per change: every round moves or relaxes at least one foreign key.
    for _ in 0..=changes.len() {
        let graph = build(&changes, desired, &relaxed);
        match sort(&graph) {
            Ok(order) => {
                let mut slots: Vec<Option<Change>> = changes.into_iter().map(Some).collect();
                return order
                    .into_iter()
                    .filter_map(|i| slots[graph[i]].take())
                    .collect();
            }
            Err(cycles) => {
                let members: Vec<usize> = cycles.iter().flatten().map(|n| graph[*n]).collect();
                if d.foreign_key_target_must_exist() {
                    if !break_cycles(&mut changes, &members, d) {
                        break;
                    }
                } else {
                    // Relax every member (no short-circuit); stop when none was new.
                    let before = relaxed.len();
                    relaxed.extend(members.iter().copied());
                    if relaxed.len() == before {
                        break;
                    }
                }
            }
        }
    }
    // Unbreakable cycles cannot come from a valid schema; keep a stable order regardless.
    changes.sort_by_key(key);
    changes
}

/// The "must run before" edges between `changes`, given in plan order, each with its reason
/// (for the plan's picture and its JSON). Built from the same facts as [`order`], on the
/// final steps, so it stays right whatever a dialect did to the order afterwards; an edge
/// against plan order (one that a broken cycle no longer enforces) is left out.
pub fn dependencies<'a>(
    changes: impl IntoIterator<Item = &'a Change>,
    desired: &Schema,
) -> Vec<Dependency> {
    let changes: Vec<&Change> = changes.into_iter().collect();
    let desired = by_name(desired);
    let graph = build(&changes, &desired, &HashSet::new());
    let mut edges: Vec<Dependency> = graph
        .edge_indices()
        .filter_map(|e| {
            let (a, b) = graph.edge_endpoints(e)?;
            let why = &graph[e];
            Some(Dependency {
                before: graph[a],
                after: graph[b],
                reason: format!("{} {}", why.verb, why.object),
            })
        })
        .filter(|e| e.before < e.after)
        .collect();
    edges.sort_by_key(|e| (e.before, e.after));
    edges
}

fn build<C: std::borrow::Borrow<Change>>(
    changes: &[C],
    desired: &Desired,
    relaxed: &HashSet<usize>,
) -> StableDiGraph<usize, Reason> {
    let mut g = StableDiGraph::new();
    let nodes: Vec<NodeIndex> = (0..changes.len()).map(|i| g.add_node(i)).collect();
    let names = named(changes);
    let facts: Vec<Facts> = changes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut f = facts(c.borrow(), desired, relaxed.contains(&i));
            view_facts(c.borrow(), &names, &mut f);
            f
        })
        .collect();
    let mut creators: HashMap<&Object, Vec<usize>> = HashMap::new();
    let mut droppers: HashMap<&Object, Vec<usize>> = HashMap::new();
    for (i, f) in facts.iter().enumerate() {
        f.creates
            .iter()
            .for_each(|o| creators.entry(o).or_default().push(i));
        f.drops
            .iter()
            .for_each(|o| droppers.entry(o).or_default().push(i));
    }
    let mut edge = |a: usize, b: usize, verb: &'static str, o: &Object| {
        if a != b && !g.contains_edge(nodes[a], nodes[b]) {
            let reason = Reason {
                verb,
                object: o.clone(),
            };
            g.add_edge(nodes[a], nodes[b], reason);
        }
    };
    for (i, f) in facts.iter().enumerate() {
        for o in &f.needs {
            creators
                .get(o)
                .into_iter()
                .flatten()
                .for_each(|&c| edge(c, i, "needs", o));
        }
        for o in &f.releases {
            droppers
                .get(o)
                .into_iter()
                .flatten()
                .for_each(|&d| edge(i, d, "frees", o));
        }
        for o in &f.creates {
            droppers
                .get(o)
                .into_iter()
                .flatten()
                .for_each(|&d| edge(d, i, "drops, then re-creates", o));
        }
    }
    g
}

/// The tables and views that a plan's changes create, change or drop: what a view's
/// query may read that orders it.
fn named<C: std::borrow::Borrow<Change>>(changes: &[C]) -> HashSet<String> {
    let mut all = HashSet::new();
    for c in changes {
        let c = c.borrow();
        all.insert(c.table().to_string());
        match c {
            Change::RenameTable { from, .. } => {
                all.insert(from.clone());
            }
            Change::CreateView { view, .. } | Change::DropView { view } => {
                all.insert(view.name.clone());
            }
            _ => {}
        }
    }
    all.remove("");
    all
}

/// What a change means to the views around it: a view is created after what it reads has
/// its columns, and dropped before what it reads goes, is renamed or changes its columns.
/// `names` are the tables and views the plan touches ([`named`]).
fn view_facts(change: &Change, names: &HashSet<String>, f: &mut Facts) {
    let read = |view: &crate::schema::View| {
        let reads = view.read();
        let mut read: Vec<&String> = names
            .iter()
            .filter(|n| **n != view.name && reads.contains(n))
            .collect();
        read.sort();
        read.into_iter().cloned().collect::<Vec<String>>()
    };
    match change {
        Change::CreateView { view, .. } => {
            f.creates.push(table(&view.name));
            for n in read(view) {
                f.needs.push(Object::Columns(n.clone()));
                f.needs.push(table(&n));
            }
        }
        Change::DropView { view } => {
            f.drops.push(table(&view.name));
            for n in read(view) {
                f.releases.push(Object::ReadByViews(n.clone()));
                f.releases.push(table(&n));
            }
        }
        Change::CreateTable { table } => f.creates.push(Object::Columns(table.name.clone())),
        Change::DropTable { table } => f.drops.push(Object::ReadByViews(table.name.clone())),
        Change::RenameTable { from, to } => {
            f.drops.push(Object::ReadByViews(from.clone()));
            f.creates.push(Object::Columns(to.clone()));
        }
        Change::AlterTable {
            from, to, changes, ..
        } if changes.iter().any(TableChange::reaches_views) => {
            f.drops.push(Object::ReadByViews(from.name.clone()));
            f.drops.push(Object::ReadByViews(to.name.clone()));
            f.creates.push(Object::Columns(to.name.clone()));
        }
        _ => {}
    }
}

/// Kahn's algorithm over changes already sorted by [`key`], so that a node's weight (its
/// position) is its rank: among ready changes the smallest goes first.
fn sort(g: &StableDiGraph<usize, Reason>) -> Result<Vec<NodeIndex>, Vec<Vec<NodeIndex>>> {
    let mut indegree: HashMap<NodeIndex, usize> = g
        .node_indices()
        .map(|n| (n, g.neighbors_directed(n, Direction::Incoming).count()))
        .collect();
    let mut ready: BinaryHeap<Reverse<(usize, NodeIndex)>> = indegree
        .iter()
        .filter(|(_, d)| **d == 0)
        .map(|(n, _)| Reverse((g[*n], *n)))
        .collect();
    let mut out = Vec::with_capacity(g.node_count());
    while let Some(Reverse((_, n))) = ready.pop() {
        out.push(n);
        for m in g.neighbors_directed(n, Direction::Outgoing) {
            let d = indegree.get_mut(&m).expect("every node has an in-degree");
            *d -= 1;
            if *d == 0 {
                ready.push(Reverse((g[m], m)));
            }
        }
    }
    if out.len() == g.node_count() {
        return Ok(out);
    }
    Err(tarjan_scc(g).into_iter().filter(|c| c.len() > 1).collect())
}

/// For each of `changes` (in plan order), whether another change depends on an index or
/// primary key that it creates or drops: a foreign key on the new key, a name the other one
/// takes again. Such a change must finish in plan order, so a dialect builds its indexes in
/// the transaction rather than after the commit
/// ([`crate::dialect::SqlDialect::statements_depended_on`]).
pub fn depended_on(changes: &[Change], desired: &Schema) -> Vec<bool> {
    let desired = by_name(desired);
    let graph = build(changes, &desired, &HashSet::new());
    let mut out = vec![false; changes.len()];
    for e in graph.edge_indices() {
        let Some((a, _)) = graph.edge_endpoints(e) else {
            continue;
        };
        if matches!(graph[e].object, Object::Index(_) | Object::PrimaryKey(_)) {
            out[graph[a]] = true;
        }
    }
    out
}

/// The tie-breaking key: drops of keys first, then renames, creations, alterations, and
/// drops of tables last; within a kind, by table and object name.
fn key(change: &Change) -> (u8, String, String) {
    let rank = match change {
        Change::DropView { .. } | Change::DropForeignKey { .. } => 0,
        Change::RenameTable { .. } => 1,
        Change::CreateEnum { .. } | Change::AlterEnum { .. } => 2,
        Change::CreateTable { .. } => 3,
        Change::AlterTable { .. } => 4,
        Change::CreateIndex { .. } => 5,
        Change::AddForeignKey { .. } => 6,
        Change::DropTable { .. } => 7,
        Change::DropEnum { .. } => 8,
        Change::CreateView { .. } => 9,
    };
    (
        rank,
        change.table().to_string(),
        change.object().to_string(),
    )
}

/// What `change` creates, needs, releases and drops; a `relaxed` change's foreign keys
/// order nothing.
fn facts(change: &Change, desired: &Desired, relaxed: bool) -> Facts {
    let mut f = Facts::default();
    match change {
        Change::CreateTable { table: t } => {
            f.creates.push(table(&t.name));
            if !t.primary_key.is_empty() {
                f.creates.push(Object::PrimaryKey(t.name.clone()));
            }
            f.creates
                .extend(t.columns.iter().map(|c| column(&t.name, &c.name)));
            f.needs
                .extend(t.columns.iter().filter_map(|c| enum_type(&c.ty)));
            f.creates.extend(
                t.foreign_keys
                    .iter()
                    .map(|k| Object::ForeignKey(k.name.clone())),
            );
            f.creates
                .extend(t.checks.iter().map(|c| Object::Check(c.name.clone())));
            if !relaxed {
                for fk in t.foreign_keys.iter().filter(|k| k.ref_table != t.name) {
                    f.needs.extend(target(fk, desired));
                }
            }
        }
        Change::DropTable { table: t } => {
            f.drops.push(table(&t.name));
            if !t.primary_key.is_empty() {
                f.drops.push(Object::PrimaryKey(t.name.clone()));
            }
            f.drops
                .extend(t.columns.iter().map(|c| column(&t.name, &c.name)));
            f.releases
                .extend(t.columns.iter().flat_map(|c| enum_types_released(&c.ty)));
            f.drops
                .extend(t.indexes.iter().map(|i| Object::Index(i.name.clone())));
            f.drops.extend(
                t.foreign_keys
                    .iter()
                    .map(|k| Object::ForeignKey(k.name.clone())),
            );
            f.drops
                .extend(t.checks.iter().map(|c| Object::Check(c.name.clone())));
            if !relaxed {
                f.releases.extend(
                    t.foreign_keys
                        .iter()
                        .filter(|k| k.ref_table != t.name)
                        .map(|k| table(&k.ref_table)),
                );
            }
        }
        Change::RenameTable { from, to } => {
            f.drops.push(table(from));
            f.creates.push(table(to));
        }
        Change::AlterTable { to, changes, .. } => {
            f.needs.push(table(&to.name));
            for c in changes {
                table_change_facts(&to.name, c, desired, relaxed, &mut f);
            }
        }
        Change::CreateIndex { table: t, index } => {
            f.needs.push(table(t));
            f.needs.extend(index.column_parts().map(|c| column(t, c)));
            f.creates.push(Object::Index(index.name.clone()));
        }
        Change::AddForeignKey { table: t, fk } => {
            f.needs.push(table(t));
            f.needs.extend(fk.columns.iter().map(|c| column(t, c)));
            f.needs.extend(target(fk, desired));
            f.creates.push(Object::ForeignKey(fk.name.clone()));
        }
        Change::DropForeignKey { table: t, fk } => drop_foreign_key_facts(t, fk, &mut f),
        Change::CreateEnum { ty } => f.creates.push(Object::Type(ty.name.clone())),
        Change::DropEnum { ty } => f.drops.push(Object::Type(ty.name.clone())),
        // The type (new values, or its replacement) is there for the tables that use it;
        // the replaced type is dropped after.
        Change::AlterEnum { to, .. } => {
            f.creates.push(Object::Type(to.name.clone()));
            f.releases.push(Object::Type(replaced_enum_name(&to.name)));
        }
        // See [`view_facts`].
        Change::CreateView { .. } | Change::DropView { .. } => {}
    }
    f
}

/// The named enum type a column of type `ty` needs.
fn enum_type(ty: &Type) -> Option<Object> {
    match ty {
        Type::Enum { name, .. } if !name.is_empty() => Some(Object::Type(name.clone())),
        _ => None,
    }
}

/// The types a column of type `ty` stops using when it goes or changes: its enum, and
/// that enum under the name it has while it is replaced.
fn enum_types_released(ty: &Type) -> Vec<Object> {
    match ty {
        Type::Enum { name, .. } if !name.is_empty() => vec![
            Object::Type(name.clone()),
            Object::Type(replaced_enum_name(name)),
        ],
        _ => Vec::new(),
    }
}

fn table(t: &str) -> Object {
    Object::Table(t.to_string())
}

fn column(t: &str, c: &str) -> Object {
    Object::Column(t.to_string(), c.to_string())
}

fn drop_foreign_key_facts(t: &str, fk: &ForeignKey, f: &mut Facts) {
    f.needs.push(table(t));
    f.drops.push(Object::ForeignKey(fk.name.clone()));
    f.releases.push(table(&fk.ref_table));
    f.releases.extend(fk.columns.iter().map(|c| column(t, c)));
    f.releases
        .extend(fk.ref_columns.iter().map(|c| column(&fk.ref_table, c)));
}

/// The facts of one change inside an [`Change::AlterTable`] of table `t`.
fn table_change_facts(
    t: &str,
    change: &TableChange,
    desired: &Desired,
    relaxed: bool,
    f: &mut Facts,
) {
    match change {
        TableChange::AddColumn(c) => {
            f.creates.push(column(t, &c.name));
            f.needs.extend(enum_type(&c.ty));
        }
        TableChange::DropColumn(c) => {
            f.drops.push(column(t, &c.name));
            f.releases.extend(enum_types_released(&c.ty));
        }
        TableChange::AlterColumn { from, to, .. } => {
            f.needs.extend(enum_type(&to.ty));
            f.releases.extend(enum_types_released(&from.ty));
        }
        TableChange::RenameColumn { from, to } => {
            f.drops.push(column(t, from));
            f.creates.push(column(t, to));
        }
        TableChange::AlterPrimaryKey { from, to } => {
            let key = Object::PrimaryKey(t.to_string());
            if !from.is_empty() {
                f.drops.push(key.clone());
            }
            if !to.is_empty() {
                f.creates.push(key);
            }
        }
        TableChange::SetComment(_) => {}
        TableChange::CreateIndex(index) => f.creates.push(Object::Index(index.name.clone())),
        TableChange::DropIndex(index) => f.drops.push(Object::Index(index.name.clone())),
        TableChange::RenameIndex { from, to } => {
            f.drops.push(Object::Index(from.name.clone()));
            f.creates.push(Object::Index(to.name.clone()));
        }
        TableChange::RenameForeignKey { from, to } => {
            f.drops.push(Object::ForeignKey(from.name.clone()));
            f.creates.push(Object::ForeignKey(to.name.clone()));
        }
        TableChange::AddForeignKey(fk) => {
            f.creates.push(Object::ForeignKey(fk.name.clone()));
            if !relaxed && fk.ref_table != t {
                f.needs.extend(target(fk, desired));
            }
        }
        TableChange::DropForeignKey(fk) => {
            f.drops.push(Object::ForeignKey(fk.name.clone()));
            if !relaxed && fk.ref_table != t {
                f.releases.push(table(&fk.ref_table));
                f.releases
                    .extend(fk.ref_columns.iter().map(|c| column(&fk.ref_table, c)));
            }
        }
        TableChange::AddCheck(check) => f.creates.push(Object::Check(check.name.clone())),
        TableChange::DropCheck(check) => f.drops.push(Object::Check(check.name.clone())),
    }
}

/// What a foreign key needs of its target: the table, the columns, and the primary key or
/// unique index that makes them a key.
fn target(fk: &ForeignKey, desired: &Desired) -> Vec<Object> {
    let mut out = vec![Object::Table(fk.ref_table.clone())];
    out.extend(
        fk.ref_columns
            .iter()
            .map(|c| Object::Column(fk.ref_table.clone(), c.clone())),
    );
    if let Some(t) = desired.get(fk.ref_table.as_str()) {
        if t.primary_key == fk.ref_columns {
            out.push(Object::PrimaryKey(t.name.clone()));
            return out;
        }
        let unique = t
            .indexes
            .iter()
            .find(|i| i.unique && i.predicate.is_none() && i.columns == fk.ref_columns);
        out.extend(unique.map(|i| Object::Index(i.name.clone())));
    }
    out
}

/// Moves foreign keys between tables of a cycle out of `CREATE TABLE`, `DROP TABLE` and
/// table alterations, into changes of their own (adding after, dropping before). Returns
/// whether anything changed.
fn break_cycles(changes: &mut Vec<Change>, members: &[usize], d: &dyn SqlDialect) -> bool {
    if !d.can_add_foreign_key() {
        return false;
    }
    let tables: Vec<String> = members
        .iter()
        .map(|i| changes[*i].table().to_string())
        .collect();
    let mut extra = Vec::new();
    for &i in members {
        match &mut changes[i] {
            Change::CreateTable { table } => {
                extra.extend(take_keys_into(table, &tables).into_iter().map(|fk| {
                    Change::AddForeignKey {
                        table: table.name.clone(),
                        fk,
                    }
                }))
            }
            Change::DropTable { table } => {
                extra.extend(take_keys_into(table, &tables).into_iter().map(|fk| {
                    Change::DropForeignKey {
                        table: table.name.clone(),
                        fk,
                    }
                }))
            }
            Change::AlterTable { to, changes, .. } => {
                let crosses =
                    |fk: &ForeignKey| fk.ref_table != to.name && tables.contains(&fk.ref_table);
                let (moved, kept): (Vec<TableChange>, Vec<TableChange>) =
                    std::mem::take(changes).into_iter().partition(|c| match c {
                        TableChange::AddForeignKey(fk) | TableChange::DropForeignKey(fk) => {
                            crosses(fk)
                        }
                        _ => false,
                    });
                *changes = kept;
                extra.extend(moved.into_iter().filter_map(|c| match c {
                    TableChange::AddForeignKey(fk) => Some(Change::AddForeignKey {
                        table: to.name.clone(),
                        fk,
                    }),
                    TableChange::DropForeignKey(fk) => Some(Change::DropForeignKey {
                        table: to.name.clone(),
                        fk,
                    }),
                    _ => None,
                }));
            }
            Change::RenameTable { .. }
            | Change::CreateIndex { .. }
            | Change::AddForeignKey { .. }
            | Change::DropForeignKey { .. }
            | Change::CreateEnum { .. }
            | Change::DropEnum { .. }
            | Change::AlterEnum { .. }
            | Change::CreateView { .. }
            | Change::DropView { .. } => {}
        }
    }
    let changed = !extra.is_empty();
    // An alteration left with nothing to do is no change at all.
    changes.retain(|c| !matches!(c, Change::AlterTable { changes, .. } if changes.is_empty()));
    changes.extend(extra);
    changes.sort_by_key(key);
    changed
}

/// Removes and returns the foreign keys of `table` that point at another of `tables`.
fn take_keys_into(table: &mut Table, tables: &[String]) -> Vec<ForeignKey> {
    let (moved, kept) = std::mem::take(&mut table.foreign_keys)
        .into_iter()
        .partition(|fk| fk.ref_table != table.name && tables.contains(&fk.ref_table));
    table.foreign_keys = kept;
    moved
}
