//! The vocabulary of changes: each variant is named after the SQL it becomes, and carries
//! enough of the model for every dialect to render it without looking anything up.

use crate::schema::{Check, Column, ForeignKey, Index, Table, Unmanaged};

/// One change to the database, as planned by the differ.
#[derive(Debug, Clone)]
pub enum Change {
    /// Creates the table with its columns, primary key, checks and the foreign keys in
    /// `table.foreign_keys` (the orderer moves keys out into [`Change::AddForeignKey`] to break
    /// cycles). Indexes are separate [`Change::CreateIndex`] changes.
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
    AddColumn {
        table: String,
        column: Column,
    },
    DropColumn {
        table: String,
        column: Column,
    },
    RenameColumn {
        table: String,
        from: String,
        to: String,
    },
    /// Changes type, nullability or default; `fill_nulls` sets existing NULLs to the new
    /// default first (the column becomes NOT NULL and has a default).
    AlterColumn {
        table: String,
        from: Column,
        to: Column,
        fill_nulls: bool,
    },
    AlterPrimaryKey {
        table: String,
        from: Vec<String>,
        to: Vec<String>,
    },
    CreateIndex {
        table: String,
        index: Index,
    },
    DropIndex {
        table: String,
        index: Index,
    },
    AddForeignKey {
        table: String,
        fk: ForeignKey,
    },
    DropForeignKey {
        table: String,
        fk: ForeignKey,
    },
    AddCheck {
        table: String,
        check: Check,
    },
    DropCheck {
        table: String,
        check: Check,
    },
    SetTableComment {
        table: String,
        comment: Option<String>,
    },
    /// Recreates a table whose change cannot be done in place (SQLite): new table, copy the
    /// rows, drop the old one, rename, recreate indexes. `copy` pairs each column of `to` that
    /// takes data with the column of `from` it is copied from.
    /// `dependents` are the views and triggers on the table, dropped and recreated around it;
    /// `reasons` describe the changes the rebuild stands for.
    RebuildTable {
        from: Table,
        to: Table,
        copy: Vec<(String, String)>,
        dependents: Vec<Unmanaged>,
        reasons: Vec<String>,
    },
}

impl Change {
    /// A stable, snake-case name for the kind of change (the JSON `kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            Change::CreateTable { .. } => "create_table",
            Change::DropTable { .. } => "drop_table",
            Change::RenameTable { .. } => "rename_table",
            Change::AddColumn { .. } => "add_column",
            Change::DropColumn { .. } => "drop_column",
            Change::RenameColumn { .. } => "rename_column",
            Change::AlterColumn { .. } => "alter_column",
            Change::AlterPrimaryKey { .. } => "alter_primary_key",
            Change::CreateIndex { .. } => "create_index",
            Change::DropIndex { .. } => "drop_index",
            Change::AddForeignKey { .. } => "add_foreign_key",
            Change::DropForeignKey { .. } => "drop_foreign_key",
            Change::AddCheck { .. } => "add_check",
            Change::DropCheck { .. } => "drop_check",
            Change::SetTableComment { .. } => "set_table_comment",
            Change::RebuildTable { .. } => "rebuild_table",
        }
    }

    /// The table the change belongs to (the new name for a rename).
    pub fn table(&self) -> &str {
        match self {
            Change::CreateTable { table } | Change::DropTable { table } => &table.name,
            Change::RenameTable { to, .. } => to,
            Change::RebuildTable { to, .. } => &to.name,
            Change::AddColumn { table, .. }
            | Change::DropColumn { table, .. }
            | Change::RenameColumn { table, .. }
            | Change::AlterColumn { table, .. }
            | Change::AlterPrimaryKey { table, .. }
            | Change::CreateIndex { table, .. }
            | Change::DropIndex { table, .. }
            | Change::AddForeignKey { table, .. }
            | Change::DropForeignKey { table, .. }
            | Change::AddCheck { table, .. }
            | Change::DropCheck { table, .. }
            | Change::SetTableComment { table, .. } => table,
        }
    }

    /// The name of the object the change is about, beyond its table (column, index, key...).
    pub fn object(&self) -> &str {
        match self {
            Change::CreateTable { .. }
            | Change::DropTable { .. }
            | Change::RebuildTable { .. }
            | Change::AlterPrimaryKey { .. }
            | Change::SetTableComment { .. } => "",
            Change::RenameTable { from, .. } => from,
            Change::AddColumn { column, .. } | Change::DropColumn { column, .. } => &column.name,
            Change::AlterColumn { to, .. } => &to.name,
            Change::RenameColumn { to, .. } => to,
            Change::CreateIndex { index, .. } | Change::DropIndex { index, .. } => &index.name,
            Change::AddForeignKey { fk, .. } | Change::DropForeignKey { fk, .. } => &fk.name,
            Change::AddCheck { check, .. } | Change::DropCheck { check, .. } => &check.name,
        }
    }

    /// Whether the change can lose or alter stored data (cli.md, "Destructive changes").
    pub fn is_destructive(&self) -> bool {
        match self {
            Change::DropTable { .. } | Change::DropColumn { .. } => true,
            Change::AlterColumn { from, to, .. } => !from.ty.widens_to(&to.ty),
            Change::RebuildTable { from, to, copy, .. } => {
                let lost = from
                    .columns
                    .iter()
                    .any(|f| !copy.iter().any(|(_, old)| *old == f.name));
                lost || copy
                    .iter()
                    .any(|(new, old)| match (to.column(new), from.column(old)) {
                        (Some(n), Some(o)) => !o.ty.widens_to(&n.ty),
                        _ => true,
                    })
            }
            Change::CreateTable { .. }
            | Change::RenameTable { .. }
            | Change::AddColumn { .. }
            | Change::RenameColumn { .. }
            | Change::AlterPrimaryKey { .. }
            | Change::CreateIndex { .. }
            | Change::DropIndex { .. }
            | Change::AddForeignKey { .. }
            | Change::DropForeignKey { .. }
            | Change::AddCheck { .. }
            | Change::DropCheck { .. }
            | Change::SetTableComment { .. } => false,
        }
    }

    /// One line for the text plan, without the leading marker.
    pub fn describe(&self) -> String {
        match self {
            Change::CreateTable { table } => format!("create table `{}`", table.name),
            Change::DropTable { table } => format!("drop table `{}`", table.name),
            Change::RenameTable { from, to } => format!("rename table `{from}` to `{to}`"),
            Change::AddColumn { table, column } => {
                format!("add column `{}` to `{table}`", column.name)
            }
            Change::DropColumn { table, column } => {
                format!("drop column `{}` from `{table}`", column.name)
            }
            Change::RenameColumn { table, from, to } => {
                format!("rename column `{from}` of `{table}` to `{to}`")
            }
            Change::AlterColumn {
                table, from, to, ..
            } => {
                format!(
                    "alter column `{}` of `{table}` ({})",
                    to.name,
                    column_delta(from, to)
                )
            }
            Change::AlterPrimaryKey { table, from, to } => format!(
                "change primary key of `{table}` from ({}) to ({})",
                from.join(", "),
                to.join(", ")
            ),
            Change::CreateIndex { table, index } => {
                format!("create index `{}` on `{table}`", index.name)
            }
            Change::DropIndex { table, index } => {
                format!("drop index `{}` on `{table}`", index.name)
            }
            Change::AddForeignKey { table, fk } => {
                format!("add foreign key `{}` on `{table}`", fk.name)
            }
            Change::DropForeignKey { table, fk } => {
                format!("drop foreign key `{}` on `{table}`", fk.name)
            }
            Change::AddCheck { table, check } => format!("add check `{}` on `{table}`", check.name),
            Change::DropCheck { table, check } => {
                format!("drop check `{}` on `{table}`", check.name)
            }
            Change::SetTableComment { table, .. } => format!("set comment of `{table}`"),
            Change::RebuildTable { to, reasons, .. } => {
                format!("rebuild table `{}`: {}", to.name, reasons.join("; "))
            }
        }
    }

    /// The text-plan marker: `+` create/add, `-` drop, `~` alter, `>` rename.
    pub fn marker(&self) -> char {
        match self {
            Change::CreateTable { .. }
            | Change::AddColumn { .. }
            | Change::CreateIndex { .. }
            | Change::AddForeignKey { .. }
            | Change::AddCheck { .. } => '+',
            Change::DropTable { .. }
            | Change::DropColumn { .. }
            | Change::DropIndex { .. }
            | Change::DropForeignKey { .. }
            | Change::DropCheck { .. } => '-',
            Change::RenameTable { .. } | Change::RenameColumn { .. } => '>',
            Change::AlterColumn { .. }
            | Change::AlterPrimaryKey { .. }
            | Change::SetTableComment { .. }
            | Change::RebuildTable { .. } => '~',
        }
    }
}

/// What differs between two versions of a column, e.g. `VARCHAR(100) -> VARCHAR(200), NOT NULL`.
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
        parts.push(
            if to.auto_increment {
                "auto-increment"
            } else {
                "no auto-increment"
            }
            .into(),
        );
    }
    if parts.is_empty() {
        parts.push("type spelling".to_string());
    }
    parts.join(", ")
}
