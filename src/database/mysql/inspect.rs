//! The MySQL family's catalog, read from `information_schema` into the portable model in a
//! fixed number of queries whatever the number of tables: one per kind of object, for the
//! whole database. How each server spells what it stores (display widths, quoted defaults,
//! rewritten CHECK text, inherited charsets, JSON as `longtext`) is read back by the rules
//! of [`crate::dialect::mysql::normalize`].
//!
//! `information_schema` columns are binary strings on some servers, so text is decoded
//! without sqlx's type check (it is UTF-8 either way) and numbers are cast in SQL.

use std::collections::HashMap;

use sqlx::Row;
use sqlx::mysql::MySqlRow;

use crate::dialect::SqlDialect;
use crate::dialect::mysql::Mysql;
use crate::dialect::mysql::normalize::{self, Inherited};
use crate::dialect::mysql::version::{Flavor, Server};
use crate::schema::{
    Action, Check, Column, ForeignKey, Generated, Index, IndexKind, Schema, Table, TableOptions,
    Type, Unmanaged, View,
};

// Every query reads one `information_schema` table: MariaDB plans a join of two of them by
// opening every database on the server for the second ("Scanned all databases" in `EXPLAIN`),
// so the rows are joined here instead, and the cost of a plan does not grow with the other
// databases the server holds.

/// Tables and views.
const TABLES: &str = "SELECT TABLE_NAME, TABLE_TYPE, ENGINE, TABLE_COLLATION, TABLE_COMMENT \
    FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME";

/// MySQL 8.0.29+: the row versions instant column changes left on each table, which the
/// server caps ([`Server::instant_row_versions_limit`]). `INNODB_TABLES` needs the `PROCESS`
/// privilege, so this query is read apart, and a user without it reads none. It names a
/// table `database/table` in the server's file-name encoding: the same text for names of
/// ASCII letters, digits and underscores; other names match no table here (docs/safety.md).
pub const ROW_VERSIONS: &str = "SELECT SUBSTRING_INDEX(NAME, '/', -1), \
    CAST(TOTAL_ROW_VERSIONS AS SIGNED) FROM information_schema.INNODB_TABLES \
    WHERE SUBSTRING_INDEX(NAME, '/', 1) = DATABASE() AND TOTAL_ROW_VERSIONS > 0";

/// What each view is defined as, and the database's name, which the definition writes
/// before each table ([`unqualified`]).
const VIEWS: &str = "SELECT TABLE_NAME, VIEW_DEFINITION, TABLE_SCHEMA \
    FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME";

const COLUMNS: &str = "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, \
    EXTRA, CHARACTER_SET_NAME, COLLATION_NAME, COLUMN_COMMENT, GENERATION_EXPRESSION \
    FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
    ORDER BY TABLE_NAME, ORDINAL_POSITION";

/// Index parts; MySQL 8 has functional parts (`EXPRESSION`), MariaDB does not.
fn statistics(server: &Server) -> String {
    let expression = match server.flavor {
        Flavor::Mysql => "EXPRESSION",
        Flavor::Mariadb => "NULL",
    };
    format!(
        "SELECT TABLE_NAME, INDEX_NAME, CAST(NON_UNIQUE AS SIGNED), COLUMN_NAME, \
         CAST(SUB_PART AS SIGNED), COLLATION, {expression}, INDEX_TYPE \
         FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
         ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"
    )
}

/// CHECK constraints: MariaDB names their table; MySQL only through `TABLE_CONSTRAINTS`.
fn checks(server: &Server) -> &'static str {
    match server.flavor {
        Flavor::Mariadb => {
            "SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE \
             FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() \
             ORDER BY TABLE_NAME, CONSTRAINT_NAME"
        }
        Flavor::Mysql => {
            "SELECT tc.TABLE_NAME, tc.CONSTRAINT_NAME, cc.CHECK_CLAUSE \
             FROM information_schema.TABLE_CONSTRAINTS tc JOIN information_schema.CHECK_CONSTRAINTS cc \
             ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME \
             WHERE tc.TABLE_SCHEMA = DATABASE() AND tc.CONSTRAINT_TYPE = 'CHECK' \
             ORDER BY tc.TABLE_NAME, tc.CONSTRAINT_NAME"
        }
    }
}

/// The columns of each foreign key, in order.
const KEY_COLUMNS: &str = "SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, \
    REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME \
    FROM information_schema.KEY_COLUMN_USAGE \
    WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL \
    ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION";

/// The actions of each foreign key.
const KEY_ACTIONS: &str = "SELECT TABLE_NAME, CONSTRAINT_NAME, UPDATE_RULE, DELETE_RULE \
    FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()";

/// Triggers, by the schema of their table (MariaDB scans every database for
/// `TRIGGER_SCHEMA`, not for `EVENT_OBJECT_SCHEMA`).
const TRIGGERS: &str = "SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, \
    EVENT_MANIPULATION, ACTION_STATEMENT \
    FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = DATABASE() \
    ORDER BY TRIGGER_NAME";

/// Stored functions and procedures, listed as left alone: the language does not describe
/// them, and no change drops or recreates one.
const ROUTINES: &str = "SELECT ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES \
    WHERE ROUTINE_SCHEMA = DATABASE() ORDER BY ROUTINE_NAME, ROUTINE_TYPE";

/// Every catalog query for `server`, in the order [`read`] takes their rows.
pub fn queries(server: &Server) -> Vec<String> {
    vec![
        TABLES.to_string(),
        VIEWS.to_string(),
        COLUMNS.to_string(),
        statistics(server),
        checks(server).to_string(),
        KEY_COLUMNS.to_string(),
        KEY_ACTIONS.to_string(),
        TRIGGERS.to_string(),
        ROUTINES.to_string(),
    ]
}

/// Text at `i`, NULL as `None`.
fn text(row: &MySqlRow, i: usize) -> Option<String> {
    row.try_get_unchecked::<Option<String>, _>(i).ok().flatten()
}

fn text_or_empty(row: &MySqlRow, i: usize) -> String {
    text(row, i).unwrap_or_default()
}

/// A view's definition without the database's name before its tables and columns
/// (`` `shop`.`users`.`id` `` as `` `users`.`id` ``), which the server writes into
/// `VIEW_DEFINITION`: the same query reads the same in a scratch database. Text in string
/// literals is kept.
pub fn unqualified(definition: &str, quoted_database: &str) -> String {
    let prefix = format!("{quoted_database}.");
    let mut out = String::with_capacity(definition.len());
    let mut rest = definition;
    let mut in_literal = false;
    while let Some(c) = rest.chars().next() {
        let len = if in_literal {
            // An escaped character (`\'`) does not end the literal.
            match c {
                '\\' => 1 + rest[1..].chars().next().map_or(0, char::len_utf8),
                '\'' => {
                    in_literal = false;
                    1
                }
                _ => c.len_utf8(),
            }
        } else if rest.starts_with(&prefix) {
            // Once: what follows is the table's name, even where it is the database's.
            rest = &rest[prefix.len()..];
            if !rest.starts_with('`') {
                continue;
            }
            quoted_name_len(rest)
        } else if c == '`' {
            // A quoted name is copied whole (a doubled quote stays in it).
            quoted_name_len(rest)
        } else {
            in_literal = c == '\'';
            c.len_utf8()
        };
        out.push_str(&rest[..len]);
        rest = &rest[len..];
    }
    out
}

/// The length of the `` `quoted` `` name at the start of `s`, its quotes included.
fn quoted_name_len(s: &str) -> usize {
    let mut i = 1;
    while let Some(at) = s[i..].find('`') {
        i += at + 1;
        if !s[i..].starts_with('`') {
            return i;
        }
        i += 1;
    }
    s.len()
}

fn number(row: &MySqlRow, i: usize) -> Option<i64> {
    row.try_get_unchecked::<Option<i64>, _>(i).ok().flatten()
}

/// The schema from the rows of [`queries`], in order, as `d`'s server reports it.
pub fn read(d: &Mysql, rows: Vec<Vec<MySqlRow>>) -> Schema {
    let [
        tables,
        views,
        columns,
        statistics,
        checks,
        key_columns,
        key_actions,
        triggers,
        routines,
    ]: [Vec<MySqlRow>; 9] = rows
        .try_into()
        .unwrap_or_else(|_| unreachable!("nine catalog queries"));
    let definitions: HashMap<String, String> = views
        .iter()
        .map(|r| {
            let database = d.quote(&text_or_empty(r, 2));
            let query = unqualified(&text_or_empty(r, 1), &database);
            let query = normalize::portable_expression(&d.server, &query);
            (text_or_empty(r, 0), query)
        })
        .collect();
    let database = d.database.clone().unwrap_or_default();
    let charset_defaults = &database.collations;
    let top = Inherited::database(&database);
    let mut schema = Schema::default();
    let mut position: HashMap<String, usize> = HashMap::new();
    let mut inherited: Vec<Inherited> = Vec::new();
    for row in &tables {
        let name = text_or_empty(row, 0);
        if text(row, 1).as_deref() == Some("VIEW") {
            let query = definitions.get(&name).cloned().unwrap_or_default();
            schema.views.push(View::unparsed(name, query));
            continue;
        }
        let collation = text(row, 3);
        let (charset, collate, effective) = top.child(None, collation.as_deref(), charset_defaults);
        let comment = text(row, 4).filter(|c| !c.is_empty());
        position.insert(name.clone(), schema.tables.len());
        inherited.push(effective);
        schema.tables.push(Table {
            name,
            comment,
            options: TableOptions {
                // InnoDB is what every supported server makes by default.
                engine: text(row, 2).filter(|e| !e.eq_ignore_ascii_case("InnoDB")),
                charset,
                collate,
            },
            ..Table::default()
        });
    }
    // MariaDB keeps JSON as `longtext` with a `json_valid` check named after the column.
    let json_checks: Vec<(String, String)> = checks
        .iter()
        .filter(|r| normalize::is_json_valid_check(&text_or_empty(r, 2), &text_or_empty(r, 1)))
        .map(|r| (text_or_empty(r, 0), text_or_empty(r, 1)))
        .collect();
    for row in &columns {
        let Some(&t) = position.get(&text_or_empty(row, 0)) else {
            continue;
        };
        let name = text_or_empty(row, 1);
        let column_type = text_or_empty(row, 2);
        let extra = text_or_empty(row, 5).to_ascii_lowercase();
        // `STORED GENERATED` or `VIRTUAL GENERATED` (MariaDB's `PERSISTENT` reads as stored);
        // `DEFAULT_GENERATED` is MySQL's mark of an expression default.
        let generated = match (extra.split_whitespace().next(), text(row, 9)) {
            (Some(kind @ ("stored" | "virtual")), Some(expr)) if extra.contains(" generated") => {
                let expr = normalize::portable_expression(&d.server, &expr);
                Some(Generated::read(expr, kind == "stored"))
            }
            _ if extra.contains("generated") && !extra.contains("default_generated") => {
                schema.tables[t]
                    .unmodeled
                    .push(format!("generated column `{name}`"));
                continue;
            }
            _ => None,
        };
        let table = &schema.tables[t];
        let json = d.server.json_is_longtext()
            && column_type.eq_ignore_ascii_case("longtext")
            && json_checks.contains(&(table.name.clone(), name.clone()));
        let ty = if json {
            Type::Json
        } else {
            d.parse_type(&column_type)
        };
        let mut c = Column::new(name.clone(), ty.clone());
        c.nullable = text(row, 3).as_deref() == Some("YES");
        c.auto_increment = extra.contains("auto_increment");
        c.generated = generated;
        c.default = text(row, 4)
            .filter(|_| c.generated.is_none())
            .and_then(|s| {
                normalize::parse_default(
                    &d.server,
                    &s,
                    &ty,
                    extra.contains("default_generated"),
                    c.nullable,
                )
            });
        c.on_update = normalize::on_update_of_extra(&extra).map(|sql| (sql, (0..0).into()));
        if !json {
            let (charset, collate, _) = inherited[t].child(
                text(row, 6).as_deref(),
                text(row, 7).as_deref(),
                charset_defaults,
            );
            c.charset = charset;
            c.collate = collate;
        }
        c.comment = text(row, 8).filter(|s| !s.is_empty());
        schema.tables[t].columns.push(c);
    }
    read_indexes(d, &mut schema, &position, &statistics);
    read_foreign_keys(&mut schema, &position, &key_columns, &key_actions);
    for row in &checks {
        let Some(&t) = position.get(&text_or_empty(row, 0)) else {
            continue;
        };
        let name = text_or_empty(row, 1);
        let table = &mut schema.tables[t];
        if json_checks.contains(&(table.name.clone(), name.clone())) {
            continue;
        }
        table.checks.push(Check {
            name,
            expr: crate::dialect::sql::strip_outer_parentheses(&normalize::portable_expression(
                &d.server,
                &text_or_empty(row, 2),
            ))
            .to_string(),
            named: true,
            validated: true,
            span: (0..0).into(),
        });
    }
    for row in &triggers {
        let (name, table) = (text_or_empty(row, 0), text_or_empty(row, 1));
        let sql = format!(
            "CREATE TRIGGER {} {} {} ON {} FOR EACH ROW {}",
            d.quote(&name),
            text_or_empty(row, 2),
            text_or_empty(row, 3),
            d.quote(&table),
            text_or_empty(row, 4)
        );
        schema.unmanaged.push(Unmanaged {
            kind: "trigger".into(),
            name,
            table,
            sql,
        });
    }
    for row in &routines {
        schema.unmanaged.push(Unmanaged {
            kind: text_or_empty(row, 1).to_ascii_lowercase(),
            name: text_or_empty(row, 0),
            table: String::new(),
            sql: String::new(),
        });
    }
    schema
}

/// The primary key and the indexes, with the index the server made for a foreign key
/// (named after the key, over its columns) left to the key itself.
fn read_indexes(
    d: &Mysql,
    schema: &mut Schema,
    position: &HashMap<String, usize>,
    rows: &[MySqlRow],
) {
    // (table, name, unique, parts, which are descending, which are expressions, the prefix
    // of each, what makes it unmodeled)
    type Parts = (
        usize,
        String,
        bool,
        Vec<String>,
        Vec<bool>,
        Vec<bool>,
        Vec<Option<u32>>,
        Option<String>,
    );
    let mut parts: Vec<Parts> = Vec::new();
    for row in rows {
        let Some(&t) = position.get(&text_or_empty(row, 0)) else {
            continue;
        };
        let name = text_or_empty(row, 1);
        let unique = number(row, 2) == Some(0);
        // A functional key part (MySQL 8.0.13+) has its `EXPRESSION` and no column.
        let expression = text(row, 6).map(|e| normalize::portable_expression(&d.server, &e));
        let is_expression = expression.is_some();
        let part = text(row, 3).or(expression);
        let descending = text(row, 5).as_deref() == Some("D");
        let prefix = number(row, 4).and_then(|n| u32::try_from(n).ok());
        // `FULLTEXT` and `SPATIAL` are other kinds of index (a spatial one reports a
        // `SUB_PART` of 32, which is no prefix).
        let kind = text(row, 7).unwrap_or_default();
        let odd = if !matches!(kind.as_str(), "BTREE" | "HASH" | "") {
            Some(format!("a {kind} index"))
        } else if part.is_none() || (is_expression && descending) {
            Some("a functional index".to_string())
        } else {
            None
        };
        match parts.last_mut() {
            Some(last) if last.0 == t && last.1 == name => {
                last.3.extend(part);
                last.4.push(descending);
                last.5.push(is_expression);
                last.6.push(prefix);
                last.7 = last.7.take().or(odd);
            }
            _ => parts.push((
                t,
                name,
                unique,
                part.into_iter().collect(),
                vec![descending],
                vec![is_expression],
                vec![prefix],
                odd,
            )),
        }
    }
    for (t, name, unique, columns, descending, expressions, prefixes, mut odd) in parts {
        let table = &mut schema.tables[t];
        // The language gives an index one prefix length (`mysql length=N`).
        // and `mysql length=N` shortens every part that is longer: a part kept whole that
        // the hint would shorten cannot be written either.
        let mut lengths: Vec<u32> = prefixes.iter().flatten().copied().collect();
        lengths.dedup();
        let whole_but_long = lengths.first().is_some_and(|n| {
            (columns.iter().enumerate()).any(|(k, c)| {
                let whole = prefixes.get(k).copied().flatten().is_none();
                let column = table.column(c).filter(|_| whole && !expressions[k]);
                column.is_some_and(|c| normalize::prefixed(d, c, *n))
            })
        });
        if lengths.len() > 1 || whole_but_long {
            odd = odd.or(Some("an index over prefixes of different lengths".into()));
        }
        if let Some(odd) = odd {
            table.unmodeled.push(format!("{odd} `{name}`"));
            continue;
        }
        let descending = Index::directions(descending);
        let expressions = Index::directions(expressions);
        let prefixes = Index::prefixes(prefixes);
        if name == "PRIMARY" && !prefixes.is_empty() {
            table
                .unmodeled
                .push("a primary key over column prefixes".into());
            continue;
        }
        if name == "PRIMARY" && !expressions.is_empty() {
            table
                .unmodeled
                .push("a primary key over an expression".into());
            continue;
        }
        if name == "PRIMARY" {
            // The model's primary key has no direction.
            if descending.is_empty() {
                table.primary_key = columns;
            } else {
                table.unmodeled.push("a descending primary key".into());
            }
            continue;
        }
        table.indexes.push(Index {
            name,
            columns,
            unique,
            predicate: None,
            span: (0..0).into(),
            column_spans: Vec::new(),
            descending,
            expressions,
            prefixes,
            skipped: Vec::new(),
            generated_name: false,
            kind: IndexKind::Index,
        });
    }
}

/// Foreign keys from their columns and, by table and name, their actions.
fn read_foreign_keys(
    schema: &mut Schema,
    position: &HashMap<String, usize>,
    rows: &[MySqlRow],
    actions: &[MySqlRow],
) {
    let actions: HashMap<(String, String), (String, String)> = actions
        .iter()
        .map(|r| {
            let key = (text_or_empty(r, 0), text_or_empty(r, 1));
            (key, (text_or_empty(r, 2), text_or_empty(r, 3)))
        })
        .collect();
    for row in rows {
        let Some(&t) = position.get(&text_or_empty(row, 0)) else {
            continue;
        };
        let name = text_or_empty(row, 1);
        let table = &mut schema.tables[t];
        let (column, ref_column) = (text_or_empty(row, 2), text_or_empty(row, 4));
        let (on_update, on_delete) = actions
            .get(&(table.name.clone(), name.clone()))
            .cloned()
            .unwrap_or_default();
        if let Some(fk) = table.foreign_keys.last_mut().filter(|fk| fk.name == name) {
            fk.columns.push(column);
            fk.ref_columns.push(ref_column);
            continue;
        }
        table.foreign_keys.push(ForeignKey {
            name,
            columns: vec![column],
            ref_table: text_or_empty(row, 3),
            ref_columns: vec![ref_column],
            on_update: normalize::same_action(action(&on_update)),
            on_delete: normalize::same_action(action(&on_delete)),
            span: (0..0).into(),
            column_spans: Vec::new(),
            references_span: (0..0).into(),
            generated_name: false,
            implicit_index: false,
            validated: true,
        });
    }
    for table in &mut schema.tables {
        let Table {
            indexes,
            foreign_keys,
            ..
        } = table;
        for fk in foreign_keys.iter_mut() {
            if let Some(i) = indexes
                .iter()
                .position(|i| normalize::is_implicit_index(i, fk))
            {
                indexes.remove(i);
                fk.implicit_index = true;
            }
        }
    }
}

/// Sets each table's row versions from the rows of [`ROW_VERSIONS`].
pub fn read_row_versions(schema: &mut Schema, rows: &[MySqlRow]) {
    for row in rows {
        let name = text_or_empty(row, 0);
        let versions = number(row, 1).and_then(|n| u32::try_from(n).ok());
        if let (Some(table), Some(versions)) =
            (schema.tables.iter_mut().find(|t| t.name == name), versions)
        {
            table.instant_row_versions = versions;
        }
    }
}

fn action(rule: &str) -> Action {
    match rule.to_ascii_uppercase().as_str() {
        "CASCADE" => Action::Cascade,
        "SET NULL" => Action::SetNull,
        "SET DEFAULT" => Action::SetDefault,
        "RESTRICT" => Action::Restrict,
        _ => Action::NoAction,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `VIEW_DEFINITION` as MariaDB 10.11 and MySQL 9.7 recorded it for
    /// `SELECT id, email FROM users WHERE active AND email LIKE 'a%' AND `Order` > -1` in
    /// database `vt`: the database's name goes, wherever it stands; a literal or a quoted
    /// name that holds it stays.
    #[test]
    fn a_view_definition_loses_the_database_name_only() {
        let mariadb = "select `vt`.`users`.`id` AS `id`,`vt`.`users`.`email` AS `email` from `vt`.`users` where `vt`.`users`.`active` <> 0 and `vt`.`users`.`email` like 'a%' and `vt`.`users`.`Order` > -1";
        assert_eq!(
            unqualified(mariadb, "`vt`"),
            "select `users`.`id` AS `id`,`users`.`email` AS `email` from `users` where `users`.`active` <> 0 and `users`.`email` like 'a%' and `users`.`Order` > -1"
        );
        let mysql = "select `vt`.`v1`.`id` AS `id`,`vt`.`v1`.`email` AS `email` from `vt`.`v1` where (`vt`.`v1`.`id` > 0)";
        assert_eq!(
            unqualified(mysql, "`vt`"),
            "select `v1`.`id` AS `id`,`v1`.`email` AS `email` from `v1` where (`v1`.`id` > 0)"
        );
        // A table named as the database (`vt`.`vt`.`id`) keeps its name.
        assert_eq!(
            unqualified("select `vt`.`vt`.`id` AS `id` from `vt`.`vt`", "`vt`"),
            "select `vt`.`id` AS `id` from `vt`"
        );
        let kept = r"select '`vt`.x' AS `a`,'it\'s `vt`.' AS `b`,`x``vt``.` AS `c` from `vt`.`t`";
        assert_eq!(
            unqualified(kept, "`vt`"),
            r"select '`vt`.x' AS `a`,'it\'s `vt`.' AS `b`,`x``vt``.` AS `c` from `t`"
        );
    }

    /// The benchmark's floor runs exactly these queries (on MariaDB).
    #[test]
    fn the_benchmark_runs_the_same_catalog_queries() {
        let file = include_str!("../../../bench/catalog.mysql.sql");
        let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let in_file: Vec<String> = file
            .lines()
            .filter(|l| !l.starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n")
            .split(';')
            .map(squash)
            .filter(|s| !s.is_empty())
            .collect();
        let mariadb = Server::parse("10.11.6-MariaDB").unwrap();
        let in_code: Vec<String> = queries(&mariadb).iter().map(|q| squash(q)).collect();
        assert_eq!(in_file, in_code);
    }
}
