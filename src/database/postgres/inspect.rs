//! PostgreSQL's catalog, read into the portable model in a fixed number of queries whatever
//! the number of tables: one query per kind of object (tables, columns, constraints,
//! indexes, triggers) over the whole schema, each row typed.
//!
//! The schema is `current_schema()`: the first schema of the connection's `search_path`
//! that exists (`public` unless the URL sets `?options=-csearch_path=NAME`). The catalog's
//! `"char"` columns are read as `::text` and `int2vector`s as `int2[]`
//! (<https://www.postgresql.org/docs/15/catalogs.html>).

use std::collections::HashMap;

use crate::dialect::SqlDialect;
use crate::dialect::postgres::{Postgres, normalize};
use crate::schema::{
    Action, Check, Column, EnumType, ForeignKey, Generated, Index, IndexKind, Schema, Table, Type,
    Unmanaged, View, view_query,
};

/// Tables, views and materialized views of the schema, with their comments.
const TABLES: &str = "SELECT c.relname::text, c.relkind::text, obj_description(c.oid, 'pg_class'), \
    CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END \
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm') \
    ORDER BY c.relname";

/// (name, relkind, comment, view definition)
type TableRow = (String, String, Option<String>, Option<String>);

/// Every column of every table: type as `format_type` spells it, default as `pg_get_expr`
/// prints it, identity and generated kinds, whether a `serial` sequence is owned by it, the
/// comment, and a collation other than its type's.
const COLUMNS: &str = "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), \
    a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text, \
    EXISTS (SELECT 1 FROM pg_depend dep JOIN pg_class s ON s.oid = dep.objid AND s.relkind = 'S' \
        WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass \
        AND dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum AND dep.deptype = 'a'), \
    col_description(c.oid, a.attnum), \
    CASE WHEN a.attcollation <> t.typcollation THEN co.collname::text END, \
    CASE WHEN t.typtype = 'e' THEN t.typname::text END, \
    ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) \
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
    JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid \
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
    LEFT JOIN pg_collation co ON co.oid = a.attcollation \
    WHERE n.nspname = current_schema() AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped \
    ORDER BY c.relname, a.attnum";

/// (table, column, type, not null, default, identity, generated, serial, comment, collation,
/// enum type's name, its values in order)
type ColumnRow = (
    String,
    String,
    String,
    bool,
    Option<String>,
    String,
    String,
    bool,
    Option<String>,
    Option<String>,
    Option<String>,
    Vec<String>,
);

/// Primary keys, unique constraints, foreign keys, checks and exclusion constraints, with
/// their columns in key order.
const CONSTRAINTS: &str = "SELECT c.relname::text, k.conname::text, k.contype::text, \
    ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(n, o) \
        JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.o), \
    f.relname::text, fn.nspname::text, \
    ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(n, o) \
        JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.o), \
    k.confupdtype::text, k.confdeltype::text, pg_get_constraintdef(k.oid, true), \
    k.condeferrable, k.convalidated \
    FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid \
    JOIN pg_namespace n ON n.oid = c.relnamespace \
    LEFT JOIN pg_class f ON f.oid = k.confrelid LEFT JOIN pg_namespace fn ON fn.oid = f.relnamespace \
    WHERE n.nspname = current_schema() AND c.relkind = 'r' \
    ORDER BY c.relname, k.conname";

/// (table, name, type, columns, referenced table, its schema, referenced columns,
/// on update, on delete, definition, deferrable, validated)
type ConstraintRow = (
    String,
    String,
    String,
    Vec<String>,
    Option<String>,
    Option<String>,
    Vec<String>,
    String,
    String,
    String,
    bool,
    bool,
);

/// Indexes that no constraint owns: their columns (NULL for an expression), key and INCLUDE
/// counts, sort options, predicate, access method, validity, full definition, whether a
/// part has a collation of its own, and each key part as the server prints it (an
/// expression's SQL).
const INDEXES: &str = "SELECT c.relname::text, i.relname::text, x.indisunique, x.indisvalid, am.amname::text, \
    ARRAY(SELECT a.attname::text FROM unnest(x.indkey::int2[]) WITH ORDINALITY u(n, o) \
        LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = u.n ORDER BY u.o), \
    x.indnkeyatts::int4, x.indnatts::int4, \
    ARRAY(SELECT o::int4 FROM unnest(x.indoption::int2[]) WITH ORDINALITY u(o, n) ORDER BY n), \
    pg_get_expr(x.indpred, x.indrelid), pg_get_indexdef(x.indexrelid), \
    EXISTS (SELECT 1 FROM unnest(x.indcollation::oid[]) WITH ORDINALITY u(coll, o) \
        JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = (x.indkey::int2[])[u.o - 1] \
        WHERE u.coll <> 0 AND u.coll <> a.attcollation), \
    ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true) FROM generate_series(1, x.indnkeyatts) k ORDER BY k) \
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid \
    JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am am ON am.oid = i.relam \
    WHERE n.nspname = current_schema() AND c.relkind = 'r' \
    AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid \
        AND k.conrelid = x.indrelid AND k.contype IN ('p', 'u', 'x')) \
    ORDER BY c.relname, i.relname";

/// (table, index, unique, valid, method, columns, key columns, all columns, ascending with
/// nulls last, predicate, definition, non-default collation, key parts as printed)
type IndexRow = (
    String,
    String,
    bool,
    bool,
    String,
    Vec<Option<String>>,
    i32,
    i32,
    Vec<i32>,
    Option<String>,
    String,
    bool,
    Vec<String>,
);

/// The enum types of the schema, each value in the type's order.
const ENUMS: &str = "SELECT t.typname::text, e.enumlabel::text \
    FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace \
    WHERE n.nspname = current_schema() ORDER BY t.typname, e.enumsortorder";

/// (type, value)
type EnumRow = (String, String);

/// Triggers the user made (not those behind foreign keys).
const TRIGGERS: &str = "SELECT c.relname::text, g.tgname::text, pg_get_triggerdef(g.oid) \
    FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
    WHERE n.nspname = current_schema() AND NOT g.tgisinternal ORDER BY c.relname, g.tgname";

/// (table, trigger, definition)
type TriggerRow = (String, String, String);

/// The functions and procedures the user made (not those an extension owns), listed as
/// left alone: the language does not describe them, and no change drops or recreates one.
const ROUTINES: &str = "SELECT p.proname::text, \
    CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' \
    WHEN 'w' THEN 'window function' ELSE 'function' END, \
    pg_get_function_identity_arguments(p.oid) \
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
    WHERE n.nspname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_depend d \
    WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e') \
    ORDER BY 1, 3";

/// (name, kind, identity arguments)
type RoutineRow = (String, String, String);

/// How many queries [`Rows`] takes: the same for one table or ten thousand.
pub const QUERIES: usize = 7;

/// The rows of every catalog query, in the order they run.
#[derive(Default)]
pub struct Rows {
    pub tables: Vec<TableRow>,
    pub columns: Vec<ColumnRow>,
    pub constraints: Vec<ConstraintRow>,
    pub indexes: Vec<IndexRow>,
    pub triggers: Vec<TriggerRow>,
    pub enums: Vec<EnumRow>,
    pub routines: Vec<RoutineRow>,
}

impl Rows {
    /// Runs the catalog queries on `conn`.
    pub async fn fetch(conn: &mut sqlx::PgConnection) -> Result<Rows, sqlx::Error> {
        Ok(Rows {
            tables: sqlx::query_as(TABLES).fetch_all(&mut *conn).await?,
            columns: sqlx::query_as(COLUMNS).fetch_all(&mut *conn).await?,
            constraints: sqlx::query_as(CONSTRAINTS).fetch_all(&mut *conn).await?,
            indexes: sqlx::query_as(INDEXES).fetch_all(&mut *conn).await?,
            triggers: sqlx::query_as(TRIGGERS).fetch_all(&mut *conn).await?,
            enums: sqlx::query_as(ENUMS).fetch_all(&mut *conn).await?,
            routines: sqlx::query_as(ROUTINES).fetch_all(&mut *conn).await?,
        })
    }
}

/// Every catalog query, for a benchmark that runs them with `psql`.
pub const ALL: [&str; QUERIES] = [
    TABLES,
    COLUMNS,
    CONSTRAINTS,
    INDEXES,
    TRIGGERS,
    ENUMS,
    ROUTINES,
];

/// The schema from the catalog rows.
pub fn read(rows: Rows) -> Schema {
    let d = &Postgres::OFFLINE;
    let mut schema = Schema::default();
    let mut position: HashMap<String, usize> = HashMap::new();
    for (name, kind, comment, view) in rows.tables {
        match kind.as_str() {
            "r" => {
                position.insert(name.clone(), schema.tables.len());
                schema.tables.push(Table {
                    name,
                    comment,
                    ..Table::default()
                });
            }
            "v" => {
                let query = view_query(&view.unwrap_or_default());
                schema.views.push(View::unparsed(name, query));
            }
            "m" => {
                let sql = format!(
                    "CREATE MATERIALIZED VIEW {} AS {}",
                    d.quote(&name),
                    view_query(&view.unwrap_or_default())
                );
                schema.unmanaged.push(Unmanaged {
                    kind: "materialized view".into(),
                    table: name.clone(),
                    name,
                    sql,
                });
            }
            _ => schema.unmanaged.push(Unmanaged {
                kind: "partitioned table".into(),
                table: name.clone(),
                name,
                sql: String::new(),
            }),
        }
    }
    read_columns(&mut schema, &position, rows.columns);
    read_constraints(&mut schema, &position, rows.constraints);
    read_indexes(&mut schema, &position, rows.indexes);
    for (name, value) in rows.enums {
        match schema.enums.last_mut() {
            Some(e) if e.name == name => e.values.push(value),
            _ => schema.enums.push(EnumType::unparsed(name, vec![value])),
        }
    }
    for (table, name, def) in rows.triggers {
        schema.unmanaged.push(Unmanaged {
            kind: "trigger".into(),
            name,
            table,
            sql: def,
        });
    }
    for (name, kind, arguments) in rows.routines {
        schema.unmanaged.push(Unmanaged {
            kind,
            name: format!("{name}({arguments})"),
            table: String::new(),
            sql: String::new(),
        });
    }
    schema
}

/// Columns: identity and owned `serial` sequences are auto-increment; a stored generated
/// column (`attgenerated = 's'`) keeps its expression where a default would be.
fn read_columns(schema: &mut Schema, position: &HashMap<String, usize>, columns: Vec<ColumnRow>) {
    let d = &Postgres::OFFLINE;
    for row in columns {
        let (
            table,
            name,
            ty,
            not_null,
            default,
            identity,
            generated,
            serial,
            comment,
            collate,
            enum_name,
            enum_values,
        ) = row;
        let Some(&t) = position.get(&table) else {
            continue;
        };
        let generated = match (generated.as_str(), &default) {
            ("", _) => None,
            ("s", Some(expr)) => Some(Generated::read(expr.clone(), true)),
            _ => {
                schema.tables[t]
                    .unmodeled
                    .push(format!("generated column `{name}`"));
                continue;
            }
        };
        let parsed = match enum_name {
            Some(name) => Type::Enum {
                name,
                values: enum_values,
            },
            None => d.parse_type(&ty),
        };
        let mut c = Column::new(name, parsed.clone());
        c.nullable = !not_null;
        c.comment = comment;
        c.collate = collate;
        let nextval = default
            .as_deref()
            .is_some_and(|s| s.starts_with("nextval("));
        if generated.is_some() {
            c.generated = generated;
        } else if !identity.is_empty() || (serial && nextval) {
            c.auto_increment = true;
        } else {
            c.default = default.map(|s| d.parse_default(&s, &parsed));
        }
        if let (Type::Raw(_), true) = (&c.ty, ty.contains('"')) {
            // A type named with quotes (a mixed-case enum) is kept as spelled.
            c.declared = Some(ty);
        }
        schema.tables[t].columns.push(c);
    }
}

/// Primary keys (with their real names), unique constraints, foreign keys and checks.
fn read_constraints(
    schema: &mut Schema,
    position: &HashMap<String, usize>,
    constraints: Vec<ConstraintRow>,
) {
    for row in constraints {
        let (table, name, kind, columns, target, _schema, ref_columns, upd, del, def, _, validated) =
            row;
        let Some(&t) = position.get(&table) else {
            continue;
        };
        let table = &mut schema.tables[t];
        match kind.as_str() {
            "p" => {
                table.primary_key = columns;
                table.primary_key_name = Some(name);
            }
            "u" => table.indexes.push(Index {
                name,
                columns,
                unique: true,
                predicate: None,
                span: (0..0).into(),
                column_spans: Vec::new(),
                descending: Vec::new(),
                expressions: Vec::new(),
                prefixes: Vec::new(),
                skipped: Vec::new(),
                generated_name: false,
                kind: IndexKind::UniqueConstraint { named: true },
            }),
            "f" => {
                table.foreign_keys.push(ForeignKey {
                    name,
                    columns,
                    ref_table: target.unwrap_or_default(),
                    ref_columns,
                    on_update: action(&upd),
                    on_delete: action(&del),
                    span: (0..0).into(),
                    column_spans: Vec::new(),
                    references_span: (0..0).into(),
                    generated_name: false,
                    implicit_index: false,
                    validated,
                });
            }
            "c" => {
                let expr = def
                    .strip_prefix("CHECK ")
                    .unwrap_or(&def)
                    .trim_end_matches(" NOT VALID")
                    .trim_end_matches(" NO INHERIT");
                table.checks.push(Check {
                    name,
                    expr: normalize::read_expr(expr),
                    named: true,
                    validated,
                    span: (0..0).into(),
                });
            }
            _ => table.unmodeled.push(format!("constraint `{name}` ({def})")),
        }
    }
}

/// Plain btree indexes on columns (an invalid one as [`IndexKind::Invalid`]); the others are
/// left alone.
fn read_indexes(schema: &mut Schema, position: &HashMap<String, usize>, indexes: Vec<IndexRow>) {
    for row in indexes {
        let (
            table,
            name,
            unique,
            valid,
            method,
            columns,
            keys,
            all,
            options,
            predicate,
            def,
            collated,
            printed,
        ) = row;
        let Some(&t) = position.get(&table) else {
            continue;
        };
        // An expression part is the server's text of it (`lower((email)::text)`).
        let expressions: Vec<bool> = columns.iter().map(Option::is_none).collect();
        let plain: Option<Vec<String>> = (columns.into_iter().enumerate())
            .map(|(k, c)| c.or_else(|| printed.get(k).cloned()))
            .collect();
        // `indoption` per part: 0 ascending, 3 `DESC` (whose NULLs come first); any other
        // (`NULLS FIRST` on an ascending part, `DESC NULLS LAST`) the language cannot say.
        let sorted = (options.iter().enumerate())
            .all(|(k, o)| *o == 0 || (*o == 3 && !expressions.get(k).copied().unwrap_or(false)));
        let descending = Index::directions(options.iter().map(|o| *o == 3).collect());
        let simple = method == "btree" && keys == all && sorted && !collated;
        match plain {
            Some(columns) if simple || !valid => schema.tables[t].indexes.push(Index {
                name,
                columns,
                unique,
                predicate: predicate.map(|p| normalize::read_expr(&p)),
                span: (0..0).into(),
                column_spans: Vec::new(),
                descending,
                expressions: Index::directions(expressions),
                prefixes: Vec::new(),
                skipped: Vec::new(),
                generated_name: false,
                kind: if valid {
                    IndexKind::Index
                } else {
                    IndexKind::Invalid
                },
            }),
            // Expressions, `NULLS FIRST`/`LAST`, INCLUDE, other methods: left as they are.
            _ => schema.unmanaged.push(Unmanaged {
                kind: "index".into(),
                name,
                table,
                sql: def,
            }),
        }
    }
}

/// A foreign-key action from `confupdtype` / `confdeltype`.
fn action(code: &str) -> Action {
    match code {
        "r" => Action::Restrict,
        "c" => Action::Cascade,
        "n" => Action::SetNull,
        "d" => Action::SetDefault,
        _ => Action::NoAction,
    }
}
