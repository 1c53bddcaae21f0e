//! SQLite's catalog, read into the portable model in a fixed number of queries whatever the
//! number of tables: each `pragma_*` table function is joined to `sqlite_schema`, so one
//! query reads every table's columns, one every index, one every index column, one every
//! foreign key (<https://www.sqlite.org/pragma.html#pragfunc>). What only the `CREATE TABLE`
//! text says (checks, collations) comes from [`super::create_sql`].

use std::collections::HashMap;

use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::create_sql;
use crate::dialect::SqlDialect;
use crate::dialect::sqlite::{Sqlite, is_rowid_alias};
use crate::schema::{
    Action, Check, Column, ForeignKey, Generated, Index, IndexKind, Schema, Table, Type, Unmanaged,
    View,
};

/// Every object but SQLite's own: the tables the tool manages, the text of their indexes,
/// and the views and triggers it leaves alone.
const OBJECTS: &str = "SELECT type, name, tbl_name, sql FROM sqlite_schema \
    WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name";

const COLUMNS: &str = "SELECT m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk, p.hidden \
    FROM sqlite_schema m JOIN pragma_table_xinfo(m.name) p \
    WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY m.name, p.cid";

const INDEXES: &str = "SELECT m.name, l.name, l.\"unique\", l.origin \
    FROM sqlite_schema m JOIN pragma_index_list(m.name) l \
    WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY m.name, l.name";

const INDEX_COLUMNS: &str = "SELECT m.name, l.name, i.cid, i.name, i.\"desc\" \
    FROM sqlite_schema m JOIN pragma_index_list(m.name) l JOIN pragma_index_xinfo(l.name) i \
    WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND i.key = 1 \
    ORDER BY m.name, l.name, i.seqno";

const FOREIGN_KEYS: &str = "SELECT m.name, f.id, f.\"table\", f.\"from\", f.\"to\", f.on_update, f.on_delete \
    FROM sqlite_schema m JOIN pragma_foreign_key_list(m.name) f \
    WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY m.name, f.id, f.seq";

/// Every catalog query, in the order [`read`] takes their rows.
pub const QUERIES: [&str; 5] = [OBJECTS, COLUMNS, INDEXES, INDEX_COLUMNS, FOREIGN_KEYS];

/// The schema from the rows of [`QUERIES`], in order.
pub fn read(rows: [Vec<SqliteRow>; 5]) -> Schema {
    let [objects, columns, indexes, index_columns, foreign_keys] = rows;
    let mut schema = Schema::default();
    let mut position: HashMap<String, usize> = HashMap::new();
    let mut create: Vec<create_sql::CreateTable> = Vec::new();
    let mut index_sql: HashMap<String, String> = HashMap::new();
    for row in &objects {
        let (kind, name, table): (String, String, String) = (row.get(0), row.get(1), row.get(2));
        let sql: Option<String> = row.get(3);
        let sql = match (kind.as_str(), sql) {
            ("table", sql) => sql.unwrap_or_default(),
            ("index", Some(sql)) => {
                index_sql.insert(name, sql);
                continue;
            }
            ("view", Some(sql)) => {
                match create_sql::view_query(&sql) {
                    Some(query) => schema.views.push(View::unparsed(name, query)),
                    // A view that names its columns is left alone.
                    None => schema.unmanaged.push(Unmanaged {
                        kind,
                        name,
                        table,
                        sql,
                    }),
                }
                continue;
            }
            ("trigger", Some(sql)) => {
                schema.unmanaged.push(Unmanaged {
                    kind,
                    name,
                    table,
                    sql,
                });
                continue;
            }
            _ => continue,
        };
        position.insert(name.clone(), schema.tables.len());
        create.push(create_sql::read(&sql));
        schema.tables.push(Table {
            name,
            ..Table::default()
        });
    }
    let mut declared: HashMap<(usize, String), String> = HashMap::new();
    let mut keys: Vec<Vec<(i64, String)>> = vec![Vec::new(); schema.tables.len()];
    for row in &columns {
        let Some(&t) = position.get(&row.get::<String, _>(0)) else {
            continue;
        };
        let name: String = row.get(1);
        let ty: String = row.get(2);
        // 2 and 3: a virtual and a stored generated column; 1: a virtual table's hidden one.
        let hidden: i64 = row.get(6);
        let expr = create[t]
            .generated
            .iter()
            .find(|(c, _)| *c == name)
            .map(|(_, e)| e.clone());
        let generated = match (hidden, expr) {
            (0, _) => None,
            (2 | 3, Some(expr)) => Some(Generated::read(expr, hidden == 3)),
            _ => {
                schema.tables[t]
                    .unmodeled
                    .push(format!("hidden column `{name}`"));
                continue;
            }
        };
        let d = &Sqlite;
        let parsed = d.parse_type(&ty);
        let mut c = Column::new(name.clone(), parsed.clone());
        c.generated = generated;
        c.nullable = row.get::<i64, _>(3) == 0;
        c.default = row
            .get::<Option<String>, _>(4)
            .map(|s| d.parse_default(&s, &parsed));
        let pk: i64 = row.get(5);
        if pk > 0 {
            keys[t].push((pk, name.clone()));
        }
        declared.insert((t, name), ty);
        schema.tables[t].columns.push(c);
    }
    for (t, mut pk) in keys.into_iter().enumerate() {
        pk.sort();
        let table = &mut schema.tables[t];
        table.primary_key = pk.into_iter().map(|(_, c)| c).collect();
        let key = table.primary_key.clone();
        for c in &mut table.columns {
            let ty = declared
                .get(&(t, c.name.clone()))
                .map_or("", String::as_str);
            if is_rowid_alias(ty, &key, &c.name) {
                c.auto_increment = true;
                c.nullable = false;
            } else if is_rowid_alias(&Sqlite.type_sql(&c.ty), &key, &c.name) {
                // `INT` and the like: the same type, but not the rowid `INTEGER` would make.
                c.declared = Some(ty.to_string());
            }
        }
    }
    read_indexes(
        &mut schema,
        &position,
        &indexes,
        &index_columns,
        &mut index_sql,
    );
    read_foreign_keys(&mut schema, &position, &foreign_keys);
    for (t, create) in create.into_iter().enumerate() {
        let table = &mut schema.tables[t];
        let mut unnamed = 0;
        for (name, expr) in create.checks {
            let named = name.is_some();
            let name = name.unwrap_or_else(|| {
                unnamed += 1;
                format!("ck_{}_{unnamed}", table.name)
            });
            table.checks.push(Check {
                name,
                expr,
                named,
                validated: true,
                span: (0..0).into(),
            });
        }
        for (column, values) in create.enums {
            if let Some(c) = table.columns.iter_mut().find(|c| c.name == column) {
                c.ty = Type::Enum {
                    name: String::new(),
                    values,
                };
            }
        }
        for (column, collation) in create.collations {
            if let Some(c) = table.columns.iter_mut().find(|c| c.name == column) {
                c.collate = Some(collation);
            }
        }
        table
            .unmodeled
            .extend(create.options.into_iter().map(|o| format!("`{o}`")));
    }
    schema
}

fn read_indexes(
    schema: &mut Schema,
    position: &HashMap<String, usize>,
    indexes: &[SqliteRow],
    index_columns: &[SqliteRow],
    index_sql: &mut HashMap<String, String>,
) {
    // (table, index) -> its columns (`None` for a part on an expression), and which are
    // descending.
    type Parts = (Vec<Option<String>>, Vec<bool>);
    let mut parts: HashMap<(String, String), Parts> = HashMap::new();
    for row in index_columns {
        let cid: i64 = row.get(2);
        let name: Option<String> = row.get(3);
        let entry = parts.entry((row.get(0), row.get(1))).or_default();
        entry.0.push(if cid < 0 { None } else { name });
        entry.1.push(row.get::<i64, _>(4) == 1);
    }
    for row in indexes {
        let table: String = row.get(0);
        let Some(&t) = position.get(&table) else {
            continue;
        };
        let name: String = row.get(1);
        let origin: String = row.get(3);
        if origin == "pk" {
            continue;
        }
        let sql = index_sql.remove(&name);
        let (columns, descending) = parts
            .remove(&(table.clone(), name.clone()))
            .unwrap_or_default();
        // A part on an expression is read from the statement as written.
        let written = sql
            .as_deref()
            .map(create_sql::index_parts)
            .unwrap_or_default();
        let expressions: Vec<bool> = columns.iter().map(Option::is_none).collect();
        let columns: Option<Vec<String>> = (columns.into_iter().enumerate())
            .map(|(k, c)| c.or_else(|| written.get(k).filter(|e| !e.is_empty()).cloned()))
            .collect();
        let descending_expression = (expressions.iter().zip(&descending)).any(|(e, d)| *e && *d);
        let (Some(columns), false) = (columns, descending_expression) else {
            // The language cannot describe it; keep it as it is.
            if let Some(sql) = sql {
                schema.unmanaged.push(Unmanaged {
                    kind: "index".into(),
                    name,
                    table,
                    sql,
                });
            }
            continue;
        };
        let kind = if origin == "u" {
            IndexKind::UniqueConstraint { named: false }
        } else {
            IndexKind::Index
        };
        schema.tables[t].indexes.push(Index {
            name,
            columns,
            unique: row.get::<i64, _>(2) == 1,
            predicate: sql.as_deref().and_then(index_predicate),
            span: (0..0).into(),
            column_spans: Vec::new(),
            descending: Index::directions(descending),
            expressions: Index::directions(expressions),
            prefixes: Vec::new(),
            skipped: Vec::new(),
            generated_name: false,
            kind,
        });
    }
}

fn read_foreign_keys(schema: &mut Schema, position: &HashMap<String, usize>, rows: &[SqliteRow]) {
    let mut last: Option<(usize, i64)> = None;
    let mut per_table: Vec<Vec<ForeignKey>> = vec![Vec::new(); schema.tables.len()];
    for row in rows {
        let Some(&t) = position.get(&row.get::<String, _>(0)) else {
            continue;
        };
        let id: i64 = row.get(1);
        let (target, from, to): (String, String, Option<String>) =
            (row.get(2), row.get(3), row.get(4));
        if last == Some((t, id)) {
            if let Some(fk) = per_table[t].last_mut() {
                fk.columns.push(from);
                fk.ref_columns.extend(to);
            }
            continue;
        }
        last = Some((t, id));
        per_table[t].push(ForeignKey {
            name: String::new(),
            columns: vec![from],
            ref_table: target,
            ref_columns: to.into_iter().collect(),
            on_update: Action::from_sql(&row.get::<String, _>(5)).unwrap_or_default(),
            on_delete: Action::from_sql(&row.get::<String, _>(6)).unwrap_or_default(),
            span: (0..0).into(),
            column_spans: Vec::new(),
            references_span: (0..0).into(),
            generated_name: true,
            implicit_index: false,
            validated: true,
        });
    }
    let primary_keys: HashMap<String, Vec<String>> = schema
        .tables
        .iter()
        .map(|t| (t.name.clone(), t.primary_key.clone()))
        .collect();
    for (t, mut keys) in per_table.into_iter().enumerate() {
        // pragma_foreign_key_list numbers keys from the last declared one.
        keys.reverse();
        let table = &mut schema.tables[t];
        for mut fk in keys {
            fk.name = crate::schema::fk_name(&table.name, &fk.columns, &fk.ref_table);
            // `REFERENCES t` without columns means the parent's primary key.
            if fk.ref_columns.is_empty() {
                fk.ref_columns = primary_keys.get(&fk.ref_table).cloned().unwrap_or_default();
            }
            table.foreign_keys.push(fk);
        }
    }
}

/// The `WHERE` clause of a `CREATE INDEX` statement.
fn index_predicate(sql: &str) -> Option<String> {
    let upper = sql.to_ascii_uppercase();
    // The predicate follows the column list's closing parenthesis.
    let open = sql.find('(')?;
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut close = None;
    for (i, c) in sql.char_indices().skip_while(|(i, _)| *i < open) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth == 0 {
                    close = Some(i);
                    break;
                }
            }
            _ => {}
        }
    }
    let rest = &sql[close? + 1..];
    let rest_upper = &upper[close? + 1..];
    let at = rest_upper.find("WHERE")?;
    Some(rest[at + 5..].trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::index_predicate;

    #[test]
    fn partial_index_predicates() {
        assert_eq!(
            index_predicate(r#"CREATE INDEX "i" ON "t" ("a") WHERE a IS NOT NULL"#).as_deref(),
            Some("a IS NOT NULL")
        );
        assert_eq!(index_predicate(r#"CREATE INDEX "i" ON "t" ("a")"#), None);
    }
}
