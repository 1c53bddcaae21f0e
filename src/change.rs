//! The vocabulary of changes. Each variant is named after the SQL it becomes and carries
//! enough of the model for every dialect to render it without looking anything up.
//!
//! A table's own changes travel together in [`Change::AlterTable`], so that each dialect
//! decides how to carry them out as a whole (SQLite: in place or one rebuild; MySQL: one
//! `ALTER TABLE`; PostgreSQL: a multi-action `ALTER TABLE`). Only what orders across tables
//! stands alone: tables, the indexes of new tables, and foreign keys moved out of a table's
//! changes to break a cycle.

use crate::schema::{Check, Column, ForeignKey, Index, Table, Unmanaged};

/// One change to the database, as planned by the differ.
// Changes carry whole tables so that every dialect renders without lookups; a plan holds
// few of them, so their size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Change {
    /// Creates the table with its columns, primary key, checks and the foreign keys in
    /// `table.foreign_keys` (the orderer may move keys out into [`Change::AddForeignKey`] to
    /// break cycles). Its indexes are separate [`Change::CreateIndex`] changes.
    CreateTable {
        table: Table,
    },
    DropTable {
        table: Table,
    },
    RenameTable {
        from: String,
        to: String,
    },
    /// The changes to one table that exists on both sides. `from` is the live table under
    /// its live names (what preflight checks read), `to` the desired table; renames of the
    /// table itself run before, as [`Change::RenameTable`]. `dependents` are the views,
    /// triggers and expression indexes that read the table, which a rebuild recreates.
    AlterTable {
        from: Table,
        to: Table,
        changes: Vec<TableChange>,
        dependents: Vec<Unmanaged>,
    },
    /// An index of a table this plan creates.
    CreateIndex {
        table: String,
        index: Index,
    },
    /// A foreign key added after its tables exist (a cycle was broken).
    AddForeignKey {
        table: String,
        fk: ForeignKey,
    },
    /// A foreign key dropped before its tables change (a cycle was broken).
    DropForeignKey {
        table: String,
        fk: ForeignKey,
    },
}

/// One change inside [`Change::AlterTable`].
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum TableChange {
    AddColumn(Column),
    DropColumn(Column),
    RenameColumn {
        from: String,
        to: String,
    },
    /// Changes type, nullability, default, auto-increment, collation or comment. `from` is the
    /// live column under its live name. `fill_nulls` sets existing NULLs to the new default
    /// first (the column becomes NOT NULL and has a default).
    AlterColumn {
        from: Column,
        to: Column,
        fill_nulls: bool,
    },
    AlterPrimaryKey {
        from: Vec<String>,
        to: Vec<String>,
    },
    CreateIndex(Index),
    DropIndex(Index),
    /// Gives an index (or unique constraint) a new name; its definition is unchanged (its
    /// generated name followed a renamed table or column).
    RenameIndex {
        from: Index,
        to: Index,
    },
    AddForeignKey(ForeignKey),
    DropForeignKey(ForeignKey),
    /// Gives a foreign key a new name; its definition is unchanged.
    RenameForeignKey {
        from: ForeignKey,
        to: ForeignKey,
    },
    AddCheck(Check),
    DropCheck(Check),
    SetComment(Option<String>),
}

impl Change {
    /// A stable, snake-case name for the kind of change (the JSON `kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            Change::CreateTable { .. } => "create_table",
            Change::DropTable { .. } => "drop_table",
            Change::RenameTable { .. } => "rename_table",
            Change::AlterTable { .. } => "alter_table",
            Change::CreateIndex { .. } => "create_index",
            Change::AddForeignKey { .. } => "add_foreign_key",
            Change::DropForeignKey { .. } => "drop_foreign_key",
        }
    }

    /// The table the change belongs to (the new name for a rename).
    pub fn table(&self) -> &str {
        match self {
            Change::CreateTable { table } | Change::DropTable { table } => &table.name,
            Change::RenameTable { to, .. } => to,
            Change::AlterTable { to, .. } => &to.name,
            Change::CreateIndex { table, .. }
            | Change::AddForeignKey { table, .. }
            | Change::DropForeignKey { table, .. } => table,
        }
    }

    /// The name of the object the change is about, beyond its table (index, key...).
    pub fn object(&self) -> &str {
        match self {
            Change::CreateTable { .. } | Change::DropTable { .. } | Change::AlterTable { .. } => "",
            Change::RenameTable { from, .. } => from,
            Change::CreateIndex { index, .. } => &index.name,
            Change::AddForeignKey { fk, .. } | Change::DropForeignKey { fk, .. } => &fk.name,
        }
    }

    /// One line for the text plan, without the leading marker.
    pub fn describe(&self) -> String {
        match self {
            Change::CreateTable { table } => format!("create table `{}`", table.name),
            Change::DropTable { table } => format!("drop table `{}`", table.name),
            Change::RenameTable { from, to } => format!("rename table `{from}` to `{to}`"),
            Change::AlterTable { to, .. } => format!("alter table `{}`", to.name),
            Change::CreateIndex { table, index } => {
                format!("create index `{}` on `{table}`", index.name)
            }
            Change::AddForeignKey { table, fk } => {
                format!("add foreign key `{}` on `{table}`", fk.name)
            }
            Change::DropForeignKey { table, fk } => {
                format!("drop foreign key `{}` on `{table}`", fk.name)
            }
        }
    }

    /// The text-plan marker: `+` create/add, `-` drop, `~` alter, `>` rename.
    pub fn marker(&self) -> char {
        match self {
            Change::CreateTable { .. }
            | Change::CreateIndex { .. }
            | Change::AddForeignKey { .. } => '+',
            Change::DropTable { .. } | Change::DropForeignKey { .. } => '-',
            Change::RenameTable { .. } => '>',
            Change::AlterTable { .. } => '~',
        }
    }

    /// The table changes of an [`Change::AlterTable`]; none for any other change.
    pub fn table_changes(&self) -> &[TableChange] {
        match self {
            Change::AlterTable { changes, .. } => changes,
            _ => &[],
        }
    }
}

impl TableChange {
    /// A stable, snake-case name for the kind of change (the JSON `kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            TableChange::AddColumn(_) => "add_column",
            TableChange::DropColumn(_) => "drop_column",
            TableChange::RenameColumn { .. } => "rename_column",
            TableChange::AlterColumn { .. } => "alter_column",
            TableChange::AlterPrimaryKey { .. } => "alter_primary_key",
            TableChange::CreateIndex(_) => "create_index",
            TableChange::DropIndex(_) => "drop_index",
            TableChange::RenameIndex { .. } => "rename_index",
            TableChange::AddForeignKey(_) => "add_foreign_key",
            TableChange::DropForeignKey(_) => "drop_foreign_key",
            TableChange::RenameForeignKey { .. } => "rename_foreign_key",
            TableChange::AddCheck(_) => "add_check",
            TableChange::DropCheck(_) => "drop_check",
            TableChange::SetComment(_) => "set_comment",
        }
    }

    /// Where the change runs among its table's changes: drops of what may depend on a column
    /// first, then renames, additions and alterations, then what depends on the new columns,
    /// and dropped columns last.
    pub fn rank(&self) -> u8 {
        match self {
            TableChange::DropForeignKey(_) => 0,
            TableChange::DropIndex(_) => 1,
            TableChange::DropCheck(_) => 2,
            TableChange::RenameColumn { .. }
            | TableChange::RenameIndex { .. }
            | TableChange::RenameForeignKey { .. } => 3,
            TableChange::AddColumn(_) => 4,
            TableChange::AlterColumn { .. } => 5,
            TableChange::AlterPrimaryKey { .. } => 6,
            TableChange::CreateIndex(_) => 7,
            TableChange::AddForeignKey(_) => 8,
            TableChange::AddCheck(_) => 9,
            TableChange::SetComment(_) => 10,
            TableChange::DropColumn(_) => 11,
        }
    }

    /// The name of the object the change is about (column, index, key, check).
    pub fn object(&self) -> &str {
        match self {
            TableChange::AddColumn(c) | TableChange::DropColumn(c) => &c.name,
            TableChange::RenameColumn { to, .. } => to,
            TableChange::AlterColumn { to, .. } => &to.name,
            TableChange::AlterPrimaryKey { .. } | TableChange::SetComment(_) => "",
            TableChange::CreateIndex(i) | TableChange::DropIndex(i) => &i.name,
            TableChange::RenameIndex { to, .. } => &to.name,
            TableChange::AddForeignKey(fk) | TableChange::DropForeignKey(fk) => &fk.name,
            TableChange::RenameForeignKey { to, .. } => &to.name,
            TableChange::AddCheck(c) | TableChange::DropCheck(c) => &c.name,
        }
    }

    /// One line for the text plan, without the leading marker.
    pub fn describe(&self) -> String {
        match self {
            TableChange::AddColumn(c) => format!("add column `{}`", c.name),
            TableChange::DropColumn(c) => format!("drop column `{}`", c.name),
            TableChange::RenameColumn { from, to } => {
                format!("rename column `{from}` to `{to}`")
            }
            TableChange::AlterColumn { from, to, .. } => {
                format!("alter column `{}` ({})", to.name, column_delta(from, to))
            }
            TableChange::AlterPrimaryKey { from, to } => format!(
                "change primary key from ({}) to ({})",
                from.join(", "),
                to.join(", ")
            ),
            TableChange::CreateIndex(i) => format!("create index `{}`", i.name),
            TableChange::DropIndex(i) if i.has_own_name() => format!("drop index `{}`", i.name),
            TableChange::DropIndex(i) => {
                format!("drop unique constraint on ({})", i.columns.join(", "))
            }
            TableChange::RenameIndex { from, to } => {
                format!("rename index `{}` to `{}`", from.name, to.name)
            }
            TableChange::RenameForeignKey { from, to } => {
                format!("rename foreign key `{}` to `{}`", from.name, to.name)
            }
            TableChange::AddForeignKey(fk) => format!("add foreign key `{}`", fk.name),
            TableChange::DropForeignKey(fk) => format!("drop foreign key `{}`", fk.name),
            TableChange::AddCheck(c) => format!("add check `{}`", c.name),
            TableChange::DropCheck(c) if c.named => format!("drop check `{}`", c.name),
            TableChange::DropCheck(c) => format!("drop unnamed check ({})", c.expr),
            TableChange::SetComment(Some(_)) => "set comment".into(),
            TableChange::SetComment(None) => "remove comment".into(),
        }
    }

    /// The text-plan marker: `+` create/add, `-` drop, `~` alter, `>` rename.
    pub fn marker(&self) -> char {
        match self {
            TableChange::AddColumn(_)
            | TableChange::CreateIndex(_)
            | TableChange::AddForeignKey(_)
            | TableChange::AddCheck(_) => '+',
            TableChange::DropColumn(_)
            | TableChange::DropIndex(_)
            | TableChange::DropForeignKey(_)
            | TableChange::DropCheck(_) => '-',
            TableChange::RenameColumn { .. }
            | TableChange::RenameIndex { .. }
            | TableChange::RenameForeignKey { .. } => '>',
            TableChange::AlterColumn { .. }
            | TableChange::AlterPrimaryKey { .. }
            | TableChange::SetComment(_) => '~',
        }
    }
}

/// What differs between two versions of a column, e.g. `string(100) -> string(200), not null`.
fn column_delta(from: &Column, to: &Column) -> String {
    let mut parts = Vec::new();
    if from.ty != to.ty {
        parts.push(format!("{} -> {}", from.ty, to.ty));
    }
    if from.nullable != to.nullable {
        parts.push(if to.nullable { "nullable" } else { "not null" }.to_string());
    }
    if from.default != to.default {
        parts.push(match &to.default {
            Some(_) => "default".to_string(),
            None => "no default".to_string(),
        });
    }
    if from.auto_increment != to.auto_increment {
        let what = if to.auto_increment {
            "auto-increment"
        } else {
            "no auto-increment"
        };
        parts.push(what.into());
    }
    if from.collate != to.collate {
        parts.push("collation".into());
    }
    if from.charset != to.charset {
        parts.push("character set".into());
    }
    if from.comment != to.comment {
        parts.push("comment".into());
    }
    if parts.is_empty() {
        parts.push("type spelling".to_string());
    }
    parts.join(", ")
}
