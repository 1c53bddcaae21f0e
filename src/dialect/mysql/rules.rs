//! What MySQL and MariaDB refuse that the other databases accept, checked before anything
//! runs (each seen failing on MariaDB 10.11 or documented for MySQL 8).

use super::sizes::{self, MAX_ROW_BYTES};
use crate::dialect::{SqlDialect, resolve};
use crate::error::Problem;
use crate::schema::{Action, Column, Schema, Table, Type};

/// InnoDB's limit on the bytes of one index key (DYNAMIC row format).
const MAX_KEY_BYTES: u32 = 3072;

/// Every MySQL rule broken by `schema`; spans point into `schema.kdl`.
pub fn check(d: &dyn SqlDialect, schema: &Schema) -> Vec<Problem> {
    let resolved = resolve(schema, d);
    let mut out = Vec::new();
    for table in &resolved.tables {
        name_rules(table, &mut out);
    }
    enum_rules(schema, &mut out);
    for table in &resolved.tables {
        for column in &table.columns {
            if let Type::String { length: None } = column.ty {
                out.push(
                    Problem::new(
                        format!(
                            "`{}.{}` is a string without a length, which MySQL does not allow",
                            table.name, column.name
                        ),
                        column.type_span,
                    )
                    .label("MySQL needs a VARCHAR length")
                    .help(
                        "MySQL needs a length: add `length=N`, or a hint such as `mysql type=TEXT`",
                    ),
                );
            }
        }
        row_rules(d, table, &mut out);
        index_rules(d, table, &mut out);
        foreign_key_rules(table, &mut out);
        check_rules(table, &mut out);
    }
    out
}

/// Enum values MySQL cannot keep apart or as written: it strips trailing spaces from them,
/// and compares them under the column's collation, case-insensitive by default
/// (`ENUM('B','b')` is "duplicated value"; <https://dev.mysql.com/doc/refman/8.4/en/enum.html>).
fn enum_rules(schema: &Schema, out: &mut Vec<Problem>) {
    for e in &schema.enums {
        for (i, v) in e.values.iter().enumerate() {
            if v.ends_with(' ') {
                out.push(
                    Problem::new(
                        format!(
                            "enum `{}`: value `{v}` ends with a space, which MySQL strips",
                            e.name
                        ),
                        e.value_span(i),
                    )
                    .label("trailing space")
                    .help("remove the trailing space; the value would never read back as written"),
                );
            }
            let same = |w: &String| w.trim_end().to_lowercase() == v.trim_end().to_lowercase();
            if let Some(w) = e.values[..i].iter().find(|w| same(w) && *w != v) {
                out.push(
                    Problem::new(
                        format!("enum `{}`: values `{w}` and `{v}` are the same value to MySQL, which compares them without case", e.name),
                        e.value_span(i),
                    )
                    .label("same as an earlier value")
                    .help("give the values different names, not only different case"),
                );
            }
        }
    }
}

/// Names MySQL cannot store as written: identifiers are utf8mb3 (no character outside the
/// Basic Multilingual Plane: MySQL 9 stores an emoji as `?`, MariaDB refuses it), may not
/// end with a space (<https://dev.mysql.com/doc/refman/8.4/en/identifiers.html>). Their
/// length limit, 64 characters, is below the 63 bytes every dialect keeps to.
fn name_rules(table: &Table, out: &mut Vec<Problem>) {
    let mut names: Vec<(&str, &str, crate::schema::Span)> =
        vec![("table", &table.name, table.name_span)];
    names.extend(
        table
            .columns
            .iter()
            .map(|c| ("column", c.name.as_str(), c.name_span)),
    );
    names.extend(
        table
            .indexes
            .iter()
            .filter(|i| !i.generated_name)
            .map(|i| ("index", i.name.as_str(), i.span)),
    );
    names.extend(
        table
            .foreign_keys
            .iter()
            .filter(|f| !f.generated_name)
            .map(|f| ("foreign key", f.name.as_str(), f.span)),
    );
    names.extend(
        table
            .checks
            .iter()
            .filter(|c| c.named)
            .map(|c| ("check", c.name.as_str(), c.span)),
    );
    if let Some(pk) = &table.primary_key_name {
        names.push(("primary key", pk, table.span));
    }
    for (what, name, span) in names {
        let why = if let Some(c) = name.chars().find(|c| u32::from(*c) > 0xFFFF) {
            format!("`{c}` is outside the Basic Multilingual Plane, which MySQL names cannot hold")
        } else if name.ends_with(' ') {
            "it ends with a space, which MySQL names cannot".to_string()
        } else {
            continue;
        };
        out.push(
            Problem::new(format!("the {what} name `{name}` cannot be stored by MySQL: {why}"), span)
                .label("not a MySQL name")
                .help("rename it: letters, digits, `_` and most other characters are fine, emoji and other 4-byte characters are not"),
        );
    }
}

/// A row over [`MAX_ROW_BYTES`], which MySQL refuses whatever the engine ("Row size too
/// large"); the help names the columns that take the most.
fn row_rules(d: &dyn SqlDialect, table: &Table, out: &mut Vec<Problem>) {
    let bytes = sizes::table_row_bytes(table, |c| d.column_type_sql(c));
    if bytes <= MAX_ROW_BYTES {
        return;
    }
    let mut widest: Vec<(u32, &str)> = table
        .columns
        .iter()
        .map(|c| {
            let sql = d.column_type_sql(c);
            (
                sizes::row_bytes(&sql, sizes::bytes_per_char(table, c)),
                c.name.as_str(),
            )
        })
        .collect();
    widest.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    let named: Vec<String> = widest
        .iter()
        .take(3)
        .map(|(b, n)| format!("`{n}` {b}"))
        .collect();
    out.push(
        Problem::new(
            format!(
                "a row of `{}` is {bytes} bytes; MySQL allows at most 65,535 (the widest: {})",
                table.name,
                named.join(", ")
            ),
            table.name_span,
        )
        .label("row too large for MySQL")
        .help("a `string` counts 4 bytes per character in utf8mb4: make the long ones `text` (10 bytes in the row), or shorten their `length`"),
    );
}

fn index_rules(d: &dyn SqlDialect, table: &Table, out: &mut Vec<Problem>) {
    for index in &table.indexes {
        if index.predicate.is_some() {
            out.push(
                Problem::new(
                    format!(
                        "index `{}` is partial (`where=`), which MySQL does not support",
                        index.name
                    ),
                    index.span,
                )
                .label("partial index")
                .help("remove `where=`, or keep this schema for SQLite and PostgreSQL only"),
            );
        }
        let mut bytes = 0u32;
        for (i, name) in index.columns.iter().enumerate() {
            let Some(column) = table.column(name) else {
                continue;
            };
            let span = index.part_span(i);
            let prefix = index.prefix(i);
            match unindexable(d, column) {
                // A prefix of a text or bytes column is indexed.
                Some("text" | "bytes") if prefix.is_some() => {}
                Some(kind) => {
                    let prefix = if kind == "json" {
                        String::new()
                    } else {
                        format!(
                            ", or index its first characters: `index {name} {{ mysql length=100 }}`"
                        )
                    };
                    out.push(
                        Problem::new(format!("index `{}` covers `{name}`, a {kind} column, which MySQL cannot index", index.name), span)
                            .label(format!("a {kind} column"))
                            .help(format!("use `string length=N` for `{name}` or a hint such as `mysql type=\"VARCHAR(191)\"`{prefix}")),
                    );
                }
                None => {}
            }
            let sql = d.column_type_sql(column);
            let per_char = sizes::bytes_per_char(table, column);
            let whole = sizes::key_bytes(&sql, per_char);
            let part = match prefix {
                Some(p) if whole == 0 || p.saturating_mul(per_char) < whole => {
                    p.saturating_mul(per_char)
                }
                _ => whole,
            };
            bytes = bytes.saturating_add(part);
        }
        if bytes > MAX_KEY_BYTES {
            out.push(
                Problem::new(format!("index `{}` is {bytes} bytes long; MySQL allows at most {MAX_KEY_BYTES}", index.name), index.span)
                    .label("key too long")
                    .help("a `string` takes 4 bytes per character in utf8mb4: shorten the `length` of its columns"),
            );
        }
    }
}

/// `Some("text")` when the column's type cannot be an index key on MySQL.
fn unindexable(d: &dyn SqlDialect, column: &Column) -> Option<&'static str> {
    let sql = d.column_type_sql(column);
    if sql.contains("TEXT") {
        Some("text")
    } else if sql.contains("BLOB") {
        Some("bytes")
    } else if sql.contains("JSON") {
        Some("json")
    } else {
        None
    }
}

fn foreign_key_rules(table: &Table, out: &mut Vec<Problem>) {
    for fk in &table.foreign_keys {
        if fk.on_delete == Action::SetDefault || fk.on_update == Action::SetDefault {
            out.push(
                Problem::new(
                    format!(
                        "foreign key `{}` uses `set-default`, which InnoDB rejects",
                        fk.name
                    ),
                    fk.span,
                )
                .label("set-default")
                .help("use `restrict`, `cascade`, `set-null` or `no-action`"),
            );
        }
    }
}

fn check_rules(table: &Table, out: &mut Vec<Problem>) {
    for check in &table.checks {
        for column in &table.columns {
            if !mentions(&check.expr, &column.name) {
                continue;
            }
            let cascading = table.foreign_keys.iter().any(|fk| {
                fk.columns.contains(&column.name)
                    && [fk.on_delete, fk.on_update].iter().any(|a| {
                        matches!(a, Action::Cascade | Action::SetNull | Action::SetDefault)
                    })
            });
            let why = if column.auto_increment {
                "an auto-increment column"
            } else if cascading {
                "a column whose foreign key cascades or sets null/default"
            } else {
                continue;
            };
            out.push(
                Problem::new(
                    format!(
                        "check `{}` names `{}`, {why}, which MySQL does not allow",
                        check.name, column.name
                    ),
                    check.span,
                )
                .label("this check")
                .help("drop the column from the check, or change the foreign key's action"),
            );
        }
    }
}

pub use crate::schema::mentions;

#[cfg(test)]
mod tests {
    use super::mentions;

    #[test]
    fn mentions_whole_words_only() {
        assert!(mentions("price >= 0", "price"));
        assert!(mentions("`id` > 0", "id"));
        assert!(!mentions("paid > 0", "id"));
        assert!(!mentions("price_x > 0", "price"));
    }
}
