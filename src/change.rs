//! The vocabulary of changes. Each variant is named after the SQL it becomes and carries
//! enough of the model for every dialect to render it without looking anything up.
//!
//! A table's own changes travel together in [`Change::AlterTable`], so that each dialect
//! decides how to carry them out as a whole (SQLite: in place or one rebuild; MySQL: one
//! `ALTER TABLE`; PostgreSQL: a multi-action `ALTER TABLE`). Only what orders across tables
//! stands alone: tables, the indexes of new tables, and foreign keys moved out of a table's
//! changes to break a cycle.

use crate::schema::{
    Action, Check, Column, DefaultValue, EnumType, ForeignKey, Index, Table, Type, Unmanaged, View,
};

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
    /// A named enum type (PostgreSQL), created before the tables that use it.
    CreateEnum {
        ty: EnumType,
    },
    /// A named enum type no column uses any more, dropped after them.
    DropEnum {
        ty: EnumType,
    },
    /// New values, or a new list, for a named enum type. Where values are only added
    /// ([`only_adds_values`]) they go into the type in place; otherwise the type is
    /// replaced: the live one renamed to [`replaced_enum_name`], a new one created, each
    /// column converted by its table's alteration, and the old one dropped by a
    /// [`Change::DropEnum`] after them.
    AlterEnum {
        from: EnumType,
        to: EnumType,
    },
    /// A view, created once the tables and views it reads have their new shape. `replaces`
    /// is the live view it takes the place of, where the database replaces a view in place
    /// ([`crate::dialect::SqlDialect::replaces_views`]); elsewhere a changed view is dropped
    /// first by a [`Change::DropView`].
    CreateView {
        view: View,
        replaces: Option<View>,
    },
    /// A view dropped before what it reads changes: because it goes, because its query
    /// changes, or because a table or view it reads changes its columns (it is created
    /// again after, by a [`Change::CreateView`]).
    DropView {
        view: View,
    },
}

/// Whether `to` holds every value of `from`, in the same order: the values can be added to
/// the live type where they stand, and no stored value or sort order changes.
pub fn only_adds_values(from: &[String], to: &[String]) -> bool {
    let mut rest = to.iter();
    from.iter().all(|v| rest.any(|w| w == v))
}

/// The name a replaced enum type has between its replacement's creation and its drop.
pub fn replaced_enum_name(name: &str) -> String {
    crate::schema::stable_shorten(&format!("{name}__reconcile_old"))
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
            Change::CreateEnum { .. } => "create_enum",
            Change::DropEnum { .. } => "drop_enum",
            Change::AlterEnum { .. } => "alter_enum",
            Change::CreateView { replaces: None, .. } => "create_view",
            Change::CreateView { .. } => "replace_view",
            Change::DropView { .. } => "drop_view",
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
            // Types are not in a table; a view is its own object.
            Change::CreateEnum { .. }
            | Change::DropEnum { .. }
            | Change::AlterEnum { .. }
            | Change::CreateView { .. }
            | Change::DropView { .. } => "",
        }
    }

    /// The name of the object the change is about, beyond its table (index, key...).
    pub fn object(&self) -> &str {
        match self {
            Change::CreateTable { .. } | Change::DropTable { .. } | Change::AlterTable { .. } => "",
            Change::RenameTable { from, .. } => from,
            Change::CreateIndex { index, .. } => &index.name,
            Change::AddForeignKey { fk, .. } | Change::DropForeignKey { fk, .. } => &fk.name,
            Change::CreateEnum { ty } | Change::DropEnum { ty } => &ty.name,
            Change::AlterEnum { to, .. } => &to.name,
            Change::CreateView { view, .. } | Change::DropView { view } => &view.name,
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
                let mut text = index_text(index);
                if let Some(at) = text.find(" (").or_else(|| text.find(" none")) {
                    text.insert_str(at, &format!(" on `{table}`"));
                }
                format!("create {text}")
            }
            Change::AddForeignKey { table, fk } => {
                format!(
                    "add foreign key `{}` on `{table}` {}",
                    fk.name,
                    foreign_key_text(fk)
                )
            }
            Change::DropForeignKey { table, fk } => {
                format!(
                    "drop foreign key `{}` on `{table}` {}",
                    fk.name,
                    foreign_key_text(fk)
                )
            }
            Change::CreateEnum { ty } => {
                format!(
                    "create enum `{}` ({})",
                    ty.name,
                    enum_values_text(&ty.values)
                )
            }
            Change::DropEnum { ty } => {
                format!("drop enum `{}` ({})", ty.name, enum_values_text(&ty.values))
            }
            Change::AlterEnum { from, to } => format!(
                "alter enum `{}`: ({}) -> ({})",
                to.name,
                enum_values_text(&from.values),
                enum_values_text(&to.values)
            ),
            Change::CreateView {
                view,
                replaces: None,
            } => format!("create view `{}`", view.name),
            Change::CreateView { view, .. } => format!("replace view `{}`", view.name),
            Change::DropView { view } => format!("drop view `{}`", view.name),
        }
    }

    /// The text-plan marker: `+` create/add, `-` drop, `~` alter, `>` rename.
    pub fn marker(&self) -> char {
        match self {
            Change::CreateTable { .. }
            | Change::CreateIndex { .. }
            | Change::AddForeignKey { .. }
            | Change::CreateEnum { .. }
            | Change::CreateView { replaces: None, .. } => '+',
            Change::DropTable { .. }
            | Change::DropForeignKey { .. }
            | Change::DropEnum { .. }
            | Change::DropView { .. } => '-',
            Change::RenameTable { .. } => '>',
            Change::AlterTable { .. } | Change::AlterEnum { .. } | Change::CreateView { .. } => '~',
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

/// An enum's values for a message: `'admin', 'member'`.
fn enum_values_text(values: &[String]) -> String {
    let quoted: Vec<String> = values
        .iter()
        .map(|v| format!("'{}'", v.replace('\'', "''")))
        .collect();
    quoted.join(", ")
}

impl TableChange {
    /// Whether the change may break a view that reads the table, which is then dropped
    /// before and created again after: all but the changes of indexes and comments, which
    /// neither change the columns a query sees nor make SQLite rebuild the table.
    pub fn reaches_views(&self) -> bool {
        !matches!(
            self,
            TableChange::CreateIndex(_)
                | TableChange::DropIndex(_)
                | TableChange::RenameIndex { .. }
                | TableChange::SetComment(_)
        )
    }

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

    /// One line for the text plan, without the leading marker: what changes, old -> new.
    pub fn describe(&self) -> String {
        match self {
            TableChange::AddColumn(c) => format!("add column {}", column_text(c)),
            TableChange::DropColumn(c) => format!("drop column {}", column_text(c)),
            TableChange::RenameColumn { from, to } => {
                format!("rename column `{from}` to `{to}`")
            }
            TableChange::AlterColumn { from, to, .. } => {
                format!("alter column `{}`: {}", to.name, column_delta(from, to))
            }
            TableChange::AlterPrimaryKey { from, to } => {
                format!("change primary key {} -> {}", columns(from), columns(to))
            }
            TableChange::CreateIndex(i) => format!("create {}", index_text(i)),
            TableChange::DropIndex(i) if i.has_own_name() => format!("drop {}", index_text(i)),
            TableChange::DropIndex(i) => {
                format!("drop unique constraint on {}", columns(&i.columns))
            }
            TableChange::RenameIndex { from, to } => {
                format!("rename index `{}` to `{}`", from.name, to.name)
            }
            TableChange::RenameForeignKey { from, to } => {
                format!("rename foreign key `{}` to `{}`", from.name, to.name)
            }
            TableChange::AddForeignKey(fk) => {
                format!("add foreign key `{}` {}", fk.name, foreign_key_text(fk))
            }
            TableChange::DropForeignKey(fk) => {
                format!("drop foreign key `{}` {}", fk.name, foreign_key_text(fk))
            }
            TableChange::AddCheck(c) => format!("add check `{}` ({})", c.name, c.expr),
            TableChange::DropCheck(c) if c.named => {
                format!("drop check `{}` ({})", c.name, c.expr)
            }
            TableChange::DropCheck(c) => format!("drop unnamed check ({})", c.expr),
            TableChange::SetComment(Some(c)) => format!("set comment {c:?}"),
            TableChange::SetComment(None) => "remove comment".into(),
        }
    }

    /// [`TableChange::describe`] with what only the live table `from` knows (the comment
    /// a `SetComment` replaces).
    pub fn describe_from(&self, from: &Table) -> String {
        match self {
            TableChange::SetComment(to) => format!(
                "comment {} -> {}",
                quoted_or_none(from.comment.as_deref()),
                quoted_or_none(to.as_deref())
            ),
            other => other.describe(),
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

/// What differs between two versions of a column, old -> new, e.g.
/// `type string(100) -> string(200); nullable -> not null; default none -> "x"`.
fn column_delta(from: &Column, to: &Column) -> String {
    let mut parts = Vec::new();
    match (&from.ty, &to.ty) {
        (Type::Enum { name, values: a }, Type::Enum { name: n, values: b })
            if name == n && !name.is_empty() && a != b =>
        {
            parts.push(format!(
                "type {name} ({}) -> {n} ({})",
                enum_values_text(a),
                enum_values_text(b)
            ));
        }
        (a, b) if a != b => parts.push(format!("type {a} -> {b}")),
        _ => {}
    }
    if from.nullable != to.nullable {
        parts.push(format!("{} -> {}", nullability(from), nullability(to)));
    }
    if from.default != to.default {
        parts.push(format!(
            "default {} -> {}",
            default_text(from.default.as_ref()),
            default_text(to.default.as_ref())
        ));
    }
    let generated = |c: &Column| c.generated.as_ref().map(generated_text);
    if generated(from) != generated(to) {
        let text = |c: &Column| generated(c).unwrap_or_else(|| "none".into());
        parts.push(format!("generated {} -> {}", text(from), text(to)));
    }
    let on_update = |c: &Column| c.on_update.as_ref().map(|(sql, _)| sql.clone());
    if on_update(from) != on_update(to) {
        let text = |c: &Column| on_update(c).unwrap_or_else(|| "none".into());
        parts.push(format!("on update {} -> {}", text(from), text(to)));
    }
    if from.auto_increment != to.auto_increment {
        let what = |on: bool| {
            if on {
                "auto-increment"
            } else {
                "no auto-increment"
            }
        };
        parts.push(format!(
            "{} -> {}",
            what(from.auto_increment),
            what(to.auto_increment)
        ));
    }
    if from.collate != to.collate {
        parts.push(format!(
            "collation {} -> {}",
            or_default(from.collate.as_deref()),
            or_default(to.collate.as_deref())
        ));
    }
    if from.charset != to.charset {
        parts.push(format!(
            "character set {} -> {}",
            or_default(from.charset.as_deref()),
            or_default(to.charset.as_deref())
        ));
    }
    if from.comment != to.comment {
        parts.push(format!(
            "comment {} -> {}",
            quoted_or_none(from.comment.as_deref()),
            quoted_or_none(to.comment.as_deref())
        ));
    }
    if parts.is_empty() {
        let spelling = |c: &Column| c.declared.clone().unwrap_or_else(|| c.ty.to_string());
        parts.push(format!(
            "type spelling {} -> {}",
            spelling(from),
            spelling(to)
        ));
    }
    parts.join("; ")
}

fn nullability(c: &Column) -> &'static str {
    if c.nullable { "nullable" } else { "not null" }
}

fn or_default(s: Option<&str>) -> String {
    s.map_or_else(|| "(database default)".to_string(), str::to_string)
}

fn quoted_or_none(s: Option<&str>) -> String {
    s.map_or_else(|| "none".to_string(), |s| format!("{s:?}"))
}

/// Whether one alteration of `table` adds a foreign key into the table itself next to a
/// unique index or primary key it creates, which the key may need: a database must have the
/// key before the foreign key (MySQL and MariaDB refuse, or MySQL 9.7 crashes, on both in
/// one `ALTER TABLE`; PostgreSQL cannot defer that index past the commit).
pub fn references_a_new_key_of_itself(table: &str, changes: &[TableChange]) -> bool {
    let keys = changes.iter().any(|c| {
        matches!(c, TableChange::CreateIndex(i) if i.unique)
            || matches!(c, TableChange::AlterPrimaryKey { to, .. } if !to.is_empty())
    });
    keys && changes
        .iter()
        .any(|c| matches!(c, TableChange::AddForeignKey(fk) if fk.ref_table == table))
}

/// A default as `schema.kdl` spells it: `#true`, `0`, `"text"`, `(sql)CURRENT_TIMESTAMP`;
/// `none` without one.
pub fn default_text(d: Option<&DefaultValue>) -> String {
    match d {
        None => "none".into(),
        Some(DefaultValue::Bool(b)) => format!("#{b}"),
        Some(DefaultValue::Number(n)) => n.clone(),
        Some(DefaultValue::String(s)) => format!("{s:?}"),
        Some(DefaultValue::Sql(e)) => format!("(sql){e}"),
    }
}

/// How a plan shows a generated column's expression: `stored (price * qty)`, spacing and
/// outer parentheses as the comparison ignores them.
fn generated_text(g: &crate::schema::Generated) -> String {
    let kind = if g.stored { "stored" } else { "virtual" };
    format!("{kind} ({})", crate::schema::normalize_sql(&g.expr))
}

/// A column as a plan lists it: `` `email` string(200), not null, default "x" ``.
pub fn column_text(c: &Column) -> String {
    let mut out = format!("`{}` {}", c.name, c.ty);
    // A type hint is shown as written, so that the plan shows every text that runs.
    if let Some(declared) = c
        .declared
        .as_ref()
        .filter(|d| !d.eq_ignore_ascii_case(&c.ty.to_string()))
    {
        out.push_str(&format!(" as {declared}"));
    }
    out.push_str(&format!(", {}", nullability(c)));
    if c.auto_increment {
        out.push_str(", auto-increment");
    }
    if c.default.is_some() {
        out.push_str(&format!(", default {}", default_text(c.default.as_ref())));
    }
    if let Some((sql, _)) = &c.on_update {
        out.push_str(&format!(", on update {sql}"));
    }
    if let Some(g) = &c.generated {
        out.push_str(&format!(", generated {}", generated_text(g)));
    }
    if let Some(collate) = &c.collate {
        out.push_str(&format!(", collation {collate}"));
    }
    if let Some(charset) = &c.charset {
        out.push_str(&format!(", character set {charset}"));
    }
    out
}

/// The columns of an index or key, `(a, b)`; `none` for no columns.
fn columns(cols: &[String]) -> String {
    if cols.is_empty() {
        return "none".into();
    }
    format!("({})", cols.join(", "))
}

/// An index as a plan shows it: `` index `ix_t_a` (a) ``, `` unique index `uq` (a, b) where ... ``.
pub fn index_text(i: &Index) -> String {
    let mut out = format!(
        "{}index `{}` {}",
        if i.unique { "unique " } else { "" },
        i.name,
        columns(&index_parts(i))
    );
    if let Some(p) = &i.predicate {
        out.push_str(&format!(" where {p}"));
    }
    out
}

/// An index's parts, a descending one followed by `desc`, an expression in parentheses, a
/// MySQL prefix as the server writes it: `created_at desc`, `(lower(email))`, `body(100)`.
fn index_parts(i: &Index) -> Vec<String> {
    let part = |(k, (c, descending, expression)): (usize, (&String, bool, bool))| {
        let prefix = i.prefix(k).map(|n| format!("({n})")).unwrap_or_default();
        match (descending, expression) {
            (_, true) => format!("({c})"),
            (true, false) => format!("{c}{prefix} desc"),
            (false, false) => format!("{c}{prefix}"),
        }
    };
    i.parts().enumerate().map(part).collect()
}

/// A foreign key as a plan shows it: `(owner_id) -> users(id) on delete cascade`.
pub fn foreign_key_text(fk: &ForeignKey) -> String {
    let mut out = format!(
        "{} -> `{}`{}",
        columns(&fk.columns),
        fk.ref_table,
        columns(&fk.ref_columns)
    );
    if fk.on_delete != Action::NoAction {
        out.push_str(&format!(" on delete {}", fk.on_delete.kdl()));
    }
    if fk.on_update != Action::NoAction {
        out.push_str(&format!(" on update {}", fk.on_update.kdl()));
    }
    out
}

/// What a created or dropped table holds, one line each (columns, key, foreign keys, checks),
/// each with its marker.
pub fn table_contents(t: &Table, marker: char) -> Vec<String> {
    let mut out: Vec<String> = t
        .columns
        .iter()
        .map(|c| format!("{marker} column {}", column_text(c)))
        .collect();
    if !t.primary_key.is_empty() {
        out.push(format!("{marker} primary key {}", columns(&t.primary_key)));
    }
    out.extend(t.foreign_keys.iter().map(|fk| {
        format!(
            "{marker} foreign key `{}` {}",
            fk.name,
            foreign_key_text(fk)
        )
    }));
    out.extend(
        t.checks
            .iter()
            .map(|c| format!("{marker} check `{}` ({})", c.name, c.expr)),
    );
    if let Some(comment) = &t.comment {
        out.push(format!("{marker} comment {comment:?}"));
    }
    let options: Vec<String> = [
        ("engine", &t.options.engine),
        ("charset", &t.options.charset),
        ("collate", &t.options.collate),
    ]
    .into_iter()
    .filter_map(|(k, v)| Some(format!("{k} {}", v.as_ref()?)))
    .collect();
    if !options.is_empty() {
        out.push(format!("{marker} options {}", options.join(", ")));
    }
    out
}
