//! How MySQL and MariaDB carry out each `ALTER TABLE` action: instantly (the catalog only),
//! in place (the rows stay; an index is built, or the table rebuilt, while writes go on), or
//! by copying the table under a lock that blocks writes. Each `ALTER` names its algorithm
//! and lock, so that a server that cannot honour them refuses the statement instead of
//! silently copying the table; one table's instant actions go in an `ALTER` of their own when
//! folding them into a copy would make them copy too.
//!
//! The rules follow the servers' online-DDL tables
//! (<https://dev.mysql.com/doc/refman/9.0/en/innodb-online-ddl-operations.html>,
//! <https://mariadb.com/kb/en/innodb-online-ddl-operations-with-the-instant-alter-algorithm/>)
//! and were checked action by action on MariaDB 10.11 and MySQL 9.7 (the live cases run
//! every rendered `ALTER` on both). Where a rule is not certain for a server, the weaker
//! claim is made: a server accepts `INPLACE` for what it can do instantly, and `COPY` always.

use super::version::{Flavor, Server};
use crate::change::TableChange;
use crate::dialect::{Lock, Rewrite, Statement};
use crate::schema::{Column, DefaultValue, Table, Type};

/// How the server carries out an action, weakest first: an `ALTER` takes the strongest of
/// its actions'.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Algorithm {
    /// `ALGORITHM=INSTANT`: the catalog only.
    Instant,
    /// `ALGORITHM=INPLACE, LOCK=NONE`, the rows untouched (an index is built or dropped).
    InPlace,
    /// `ALGORITHM=INPLACE, LOCK=NONE`, the table rebuilt while writes go on.
    Rebuild,
    /// `ALGORITHM=COPY, LOCK=SHARED`: the table copied, writes blocked meanwhile.
    Copy,
}

/// One `ALTER TABLE` action and how it runs.
#[derive(Debug, Clone)]
pub struct Action {
    pub sql: String,
    pub algorithm: Algorithm,
    /// Whether it reads every row (an index build, a key's or a check's validation).
    pub scans: bool,
}

impl Algorithm {
    /// The clause that makes the server refuse rather than do it some other way.
    fn clause(self) -> &'static str {
        match self {
            Algorithm::Instant => "ALGORITHM=INSTANT",
            Algorithm::InPlace | Algorithm::Rebuild => "ALGORITHM=INPLACE, LOCK=NONE",
            Algorithm::Copy => "ALGORITHM=COPY, LOCK=SHARED",
        }
    }

    fn lock(self) -> Lock {
        match self {
            Algorithm::Instant => Lock::none("ALGORITHM=INSTANT"),
            Algorithm::InPlace | Algorithm::Rebuild => Lock::none("ALGORITHM=INPLACE, LOCK=NONE"),
            Algorithm::Copy => Lock::writes("ALGORITHM=COPY, LOCK=SHARED"),
        }
    }
}

/// How `server` carries out `change` on `live` (the table as it is), as the action `sql`.
pub fn action(server: &Server, live: &Table, change: &TableChange, sql: String) -> Action {
    let maria = server.flavor == Flavor::Mariadb;
    // What MariaDB does instantly and MySQL in place.
    let instant_on_maria = if maria {
        Algorithm::Instant
    } else {
        Algorithm::InPlace
    };
    // Another instant `ADD`/`DROP COLUMN` would pass the server's cap on row versions: in
    // place instead, which rebuilds the table and starts the count again.
    let versions_left = server
        .instant_row_versions_limit()
        .is_none_or(|limit| live.instant_row_versions < limit);
    let versioned = |a: Algorithm| {
        if a == Algorithm::Instant && !versions_left {
            Algorithm::Rebuild
        } else {
            a
        }
    };
    let (algorithm, scans) = match change {
        TableChange::AddColumn(column) => {
            let a = versioned(add_column(server, column));
            (a, column.auto_increment || a == Algorithm::Rebuild)
        }
        TableChange::DropColumn(column) => {
            // A column a generated column reads goes in the same statement as it.
            let read = live.columns.iter().any(|c| {
                c.generated
                    .as_ref()
                    .is_some_and(|g| crate::dialect::mentions(&g.expr, &column.name))
            });
            let indexed = read
                || live.primary_key.contains(&column.name)
                || live.indexes.iter().any(|i| i.uses_column(&column.name))
                || live
                    .foreign_keys
                    .iter()
                    .any(|k| k.columns.contains(&column.name));
            if server.instant_drop_column() && !indexed && versions_left {
                (Algorithm::Instant, false)
            } else {
                (Algorithm::Rebuild, true)
            }
        }
        TableChange::RenameColumn { .. } if server.instant_rename_column() => {
            (Algorithm::Instant, false)
        }
        TableChange::RenameColumn { .. } => (Algorithm::InPlace, false),
        TableChange::AlterColumn { from, to, .. } => {
            let a = alter_column(server, from, to);
            (a, a >= Algorithm::Rebuild)
        }
        TableChange::AlterPrimaryKey { to, .. } if to.is_empty() => (Algorithm::Copy, true),
        TableChange::AlterPrimaryKey { .. } => (Algorithm::Rebuild, true),
        // A functional key part is a hidden virtual column beside the index: MySQL 9.7 takes
        // the two only by a copy ("INPLACE ADD or DROP of virtual columns cannot be
        // combined with other ALTER TABLE actions").
        TableChange::CreateIndex(i) | TableChange::DropIndex(i) if !i.expressions.is_empty() => {
            (Algorithm::Copy, true)
        }
        TableChange::CreateIndex(_) => (Algorithm::InPlace, true),
        TableChange::DropIndex(_) => (Algorithm::InPlace, false),
        TableChange::RenameIndex { .. } if server.supports_rename_index() => {
            (instant_on_maria, false)
        }
        TableChange::RenameIndex { .. } => (Algorithm::InPlace, true),
        // Checked against the referenced rows, which in place needs `foreign_key_checks=0`.
        TableChange::AddForeignKey(_) | TableChange::RenameForeignKey { .. } => {
            (Algorithm::Copy, true)
        }
        TableChange::DropForeignKey(fk) if fk.implicit_index => (Algorithm::InPlace, false),
        TableChange::DropForeignKey(_) => (instant_on_maria, false),
        TableChange::AddCheck(_) => (Algorithm::Copy, true),
        TableChange::DropCheck(_) => (Algorithm::Instant, false),
        TableChange::SetComment(_) => (instant_on_maria, false),
    };
    Action {
        sql,
        algorithm,
        scans,
    }
}

/// A column added at the end: instant unless its rows need computed values (an
/// auto-increment, an expression default; MySQL also copies for a literal default written as
/// an expression, as TEXT and JSON need, and for a NOT NULL column without a default, whose
/// implicit value, a zero date say, strict mode refuses to store instantly).
fn add_column(server: &Server, column: &Column) -> Algorithm {
    let mysql = server.flavor == Flavor::Mysql;
    let expression = match &column.default {
        Some(DefaultValue::Sql(e)) => !super::is_bare_default(e),
        Some(_) => mysql && super::default_is_expression(&column.ty),
        None => mysql && !column.nullable,
    };
    // A stored generated column is computed into every row; a virtual one when read.
    let stored = column.generated.as_ref().is_some_and(|g| g.stored);
    if column.auto_increment || expression || stored {
        Algorithm::Copy
    } else {
        Algorithm::Instant
    }
}

/// A column's new definition: instant when only its default or comment changes; in place
/// for a longer varchar that keeps its length byte, and for a change of nullability (the
/// table is rebuilt); a copy for any other change of type, charset, collation or
/// auto-increment.
fn alter_column(server: &Server, from: &Column, to: &Column) -> Algorithm {
    let same_type = from.ty == to.ty && from.declared == to.declared;
    let same_text = from.charset == to.charset && from.collate == to.collate;
    let generated = from.generated.is_some() || to.generated.is_some();
    if from.auto_increment != to.auto_increment || !same_text || generated {
        return Algorithm::Copy;
    }
    let ty = if same_type {
        Algorithm::Instant
    } else if varchar_grows_in_place(&from.ty, &to.ty) {
        if server.flavor == Flavor::Mariadb {
            Algorithm::Instant
        } else {
            Algorithm::InPlace
        }
    } else {
        return Algorithm::Copy;
    };
    if from.nullable != to.nullable {
        ty.max(Algorithm::Rebuild)
    } else {
        ty
    }
}

/// Whether a varchar grows without changing how many bytes store its length (one below 256
/// bytes, two from 256): certain, whatever the charset, when both lengths are below 64
/// characters (4 bytes each at most) or the old one is 256 or more (1 byte each at least).
fn varchar_grows_in_place(from: &Type, to: &Type) -> bool {
    match (from, to) {
        (Type::String { length: Some(a) }, Type::String { length: Some(b) }) => {
            b >= a && (*b < 64 || *a >= 256)
        }
        _ => false,
    }
}

/// The statements of `actions` on `table` (live name `live`): one `ALTER` naming the
/// strongest algorithm among them, or two when instant actions would otherwise be carried
/// out by a rebuild or a copy: the instant ones first (a new column is there for the rest).
pub fn alter(quoted: &str, live: &str, actions: Vec<Action>) -> Vec<Statement> {
    let strongest = actions.iter().map(|a| a.algorithm).max();
    let Some(strongest) = strongest else {
        return Vec::new();
    };
    let (instant, rest): (Vec<Action>, Vec<Action>) = if strongest > Algorithm::InPlace {
        actions
            .into_iter()
            .partition(|a| a.algorithm == Algorithm::Instant)
    } else {
        (Vec::new(), actions)
    };
    [instant, rest]
        .into_iter()
        .filter(|group| !group.is_empty())
        .map(|group| {
            let algorithm = group
                .iter()
                .map(|a| a.algorithm)
                .max()
                .unwrap_or(Algorithm::Instant);
            let scans = group.iter().any(|a| a.scans);
            let sql: Vec<&str> = group.iter().map(|a| a.sql.as_str()).collect();
            Statement::new(
                format!(
                    "ALTER TABLE {quoted} {}, {}",
                    sql.join(", "),
                    algorithm.clause()
                ),
                Some(live),
                algorithm.lock(),
            )
            .rewrites(if algorithm >= Algorithm::Rebuild {
                Rewrite::Table
            } else {
                Rewrite::No
            })
            .scans(scans)
        })
        .collect()
}

/// The table and the actions of an `ALTER TABLE` rendered by [`alter`], without its
/// `ALGORITHM`/`LOCK` clause: what an online schema change tool (`pt-online-schema-change
/// --alter`) is given. `None` for any other statement.
pub fn split_alter(sql: &str) -> Option<(String, String)> {
    let rest = sql.strip_prefix("ALTER TABLE `")?;
    // The name ends at the first backtick that is not doubled.
    let mut name = String::new();
    let mut chars = rest.char_indices();
    let end = loop {
        let (i, c) = chars.next()?;
        if c == '`' {
            if rest[i + 1..].starts_with('`') {
                name.push('`');
                chars.next();
                continue;
            }
            break i + 1;
        }
        name.push(c);
    };
    let actions = rest[end..].strip_prefix(' ')?;
    let actions = match actions.rfind(", ALGORITHM=") {
        Some(at) => &actions[..at],
        None => actions,
    };
    Some((name, actions.to_string()))
}

/// Why `pt-online-schema-change` cannot carry out `sql`, or `None` when it can: it refuses
/// renames through `CHANGE COLUMN` and a dropped primary key by default, and recreates foreign
/// keys under new names (`_fk`), which the plan would then see as different.
pub fn hand_off_refusal(sql: &str) -> Option<&'static str> {
    let Some((_, actions)) = split_alter(sql) else {
        return Some("it is not an ALTER TABLE");
    };
    if actions.contains("CHANGE COLUMN ") {
        Some("it renames a column, which the tool refuses")
    } else if actions.contains("DROP PRIMARY KEY") {
        Some("it drops the primary key the tool copies by")
    } else if actions.contains("FOREIGN KEY ") {
        Some("it adds or drops a foreign key, which the tool recreates under another name")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(v: &str) -> Server {
        Server::parse(v).unwrap()
    }

    fn column(name: &str, ty: Type) -> Column {
        Column::new(name, ty)
    }

    /// The rules as MariaDB 10.11 and MySQL 9.7 answered them (each `ALTER` tried with
    /// `INSTANT`, then `INPLACE, LOCK=NONE`, then `COPY, LOCK=SHARED`).
    #[test]
    fn each_action_gets_the_algorithm_its_server_accepts() {
        let maria = server("10.11.19-MariaDB");
        let mysql = server("9.7.4");
        let old = server("8.0.19");
        let live = Table {
            name: "t".into(),
            columns: vec![column("b", Type::String { length: Some(50) })],
            indexes: vec![crate::schema::Index {
                name: "ib".into(),
                columns: vec!["b".into()],
                unique: false,
                predicate: None,
                span: (0..0).into(),
                column_spans: Vec::new(),
                descending: Vec::new(),
                expressions: Vec::new(),
                prefixes: Vec::new(),
                skipped: Vec::new(),
                generated_name: false,
                kind: crate::schema::IndexKind::Index,
            }],
            ..Default::default()
        };
        let of =
            |s: &Server, change: TableChange| action(s, &live, &change, String::new()).algorithm;
        let s = |n| Type::String { length: Some(n) };
        let alter = |from: Column, to: Column| TableChange::AlterColumn {
            from,
            to,
            fill_nulls: false,
        };
        // Dropping an indexed column rebuilds; an unindexed one is instant (MySQL 8.0.29+).
        let dropped = |name: &str| TableChange::DropColumn(column(name, Type::Int));
        assert_eq!(of(&maria, dropped("b")), Algorithm::Rebuild);
        assert_eq!(of(&mysql, dropped("n")), Algorithm::Instant);
        assert_eq!(of(&old, dropped("n")), Algorithm::Rebuild);
        // varchar(50) -> varchar(60) in utf8mb4 keeps its length byte on MariaDB; MySQL
        // does it in place; varchar(100) crosses 256 bytes: a copy.
        let grow = |n| alter(column("b", s(50)), column("b", s(n)));
        assert_eq!(of(&maria, grow(60)), Algorithm::Instant);
        assert_eq!(of(&mysql, grow(60)), Algorithm::InPlace);
        assert_eq!(of(&mysql, grow(100)), Algorithm::Copy);
        assert_eq!(
            of(
                &maria,
                alter(column("i", Type::Int), column("i", Type::BigInt))
            ),
            Algorithm::Copy
        );
        // A new default is instant; NULL -> NOT NULL rebuilds in place.
        let mut with_default = column("i", Type::Int);
        with_default.default = Some(DefaultValue::Number("3".into()));
        assert_eq!(
            of(&mysql, alter(column("i", Type::Int), with_default)),
            Algorithm::Instant
        );
        let mut optional = column("i", Type::Int);
        optional.nullable = true;
        assert_eq!(
            of(&maria, alter(optional, column("i", Type::Int))),
            Algorithm::Rebuild
        );
        // A literal default on TEXT is an expression: MySQL copies, MariaDB does not.
        let mut text = column("x", Type::Text);
        text.default = Some(DefaultValue::String("q".into()));
        assert_eq!(
            of(&mysql, TableChange::AddColumn(text.clone())),
            Algorithm::Copy
        );
        assert_eq!(of(&maria, TableChange::AddColumn(text)), Algorithm::Instant);
        let mut uuid = column("u", s(36));
        uuid.default = Some(DefaultValue::Sql("uuid()".into()));
        assert_eq!(of(&maria, TableChange::AddColumn(uuid)), Algorithm::Copy);
        assert!(
            varchar_grows_in_place(&s(300), &s(400)) && !varchar_grows_in_place(&s(63), &s(64))
        );
    }

    /// `INNODB_TABLES.TOTAL_ROW_VERSIONS` as the servers report it: MySQL 9.7.4 refused the
    /// 256th instant `ALTER` of a table (ERROR 4092) with 255 recorded; MySQL 8.0.29 to 9.0
    /// stop at 64 (its manual); MariaDB has no such count.
    #[test]
    fn instant_column_changes_stop_at_the_servers_cap_on_row_versions() {
        let add = TableChange::AddColumn(Column {
            nullable: true,
            ..column("c", Type::Int)
        });
        let drop = TableChange::DropColumn(column("d", Type::Int));
        let algorithm = |version: &str, versions: u32, change: &TableChange| {
            let live = Table {
                name: "t".into(),
                columns: vec![column("d", Type::Int)],
                instant_row_versions: versions,
                ..Table::default()
            };
            action(&server(version), &live, change, String::new()).algorithm
        };
        for change in [&add, &drop] {
            assert_eq!(algorithm("9.7.4", 254, change), Algorithm::Instant);
            assert_eq!(algorithm("9.7.4", 255, change), Algorithm::Rebuild);
            assert_eq!(algorithm("8.0.35", 63, change), Algorithm::Instant);
            assert_eq!(algorithm("8.0.35", 64, change), Algorithm::Rebuild);
            assert_eq!(
                algorithm("10.11.19-MariaDB", 300, change),
                Algorithm::Instant
            );
        }
        // Before 8.0.29 an instant column is added without a row version.
        assert_eq!(algorithm("8.0.19", 64, &add), Algorithm::Instant);
    }

    #[test]
    fn an_alter_splits_into_its_table_and_actions() {
        assert_eq!(
            split_alter(
                "ALTER TABLE `my``t` MODIFY COLUMN `q` BIGINT NOT NULL, ALGORITHM=COPY, LOCK=SHARED"
            ),
            Some((
                "my`t".to_string(),
                "MODIFY COLUMN `q` BIGINT NOT NULL".to_string()
            ))
        );
        assert_eq!(split_alter("RENAME TABLE `a` TO `b`"), None);
    }

    #[test]
    fn instant_actions_are_not_folded_into_a_copy() {
        let a = |sql: &str, algorithm| Action {
            sql: sql.into(),
            algorithm,
            scans: false,
        };
        let out = alter(
            "`t`",
            "t",
            vec![
                a("ADD COLUMN `c` INT NULL", Algorithm::Instant),
                a("MODIFY COLUMN `q` BIGINT NOT NULL", Algorithm::Copy),
                a("ADD INDEX `i` (`c`)", Algorithm::InPlace),
            ],
        );
        let sql: Vec<&str> = out.iter().map(|s| s.sql.as_str()).collect();
        assert_eq!(
            sql,
            [
                "ALTER TABLE `t` ADD COLUMN `c` INT NULL, ALGORITHM=INSTANT",
                "ALTER TABLE `t` MODIFY COLUMN `q` BIGINT NOT NULL, ADD INDEX `i` (`c`), ALGORITHM=COPY, LOCK=SHARED",
            ]
        );
        assert!(out[1].blocks_writes_while_working() && !out[0].blocks_writes_while_working());
        // An index build and an instant action stay together, in place.
        let out = alter(
            "`t`",
            "t",
            vec![
                a("ADD COLUMN `c` INT NULL", Algorithm::Instant),
                a("ADD INDEX `i` (`c`)", Algorithm::InPlace),
            ],
        );
        assert_eq!(out.len(), 1);
        assert!(out[0].sql.ends_with("ALGORITHM=INPLACE, LOCK=NONE"));
    }
}
