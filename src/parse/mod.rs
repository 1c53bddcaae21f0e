//! `schema.kdl` (KDL 2.0) into the portable [`Schema`]. Parsing never stops at the first
//! problem: everything it can read is kept, every problem is reported.

mod defaults;
mod document;
pub mod limits;
mod node;
mod refs;

use kdl::KdlNode;

pub use document::kdl_document;
pub use node::did_you_mean;
pub use refs::{column_ref, table_ref};

use crate::dialect::Dialect;
use crate::error::Problem;
use crate::schema::{
    Action, Check, Column, ColumnHint, EnumType, ForeignKey, Generated, Index, IndexKind, Schema,
    Span, Table, Type, View,
};
use node::{NodeReader, children};

const TOP_NODES: &[&str] = &["table", "view", "enum", "ignore"];
const TABLE_NODES: &[&str] = &[
    "column",
    "primary-key",
    "index",
    "foreign-key",
    "check",
    "comment",
    "sqlite",
    "mysql",
    "postgres",
];
const COLUMN_PROPS: &[&str] = &[
    "nullable",
    "default",
    "primary-key",
    "auto-increment",
    "unique",
    "references",
    "on-delete",
    "on-update",
    "length",
    "precision",
    "scale",
    "renamed-from",
    "comment",
    "generated",
    "stored",
];
const HINT_PROPS: &[&str] = &[
    "type",
    "collate",
    "charset",
    "default",
    "on-update",
    "generated",
];
const DIALECTS: &[&str] = &["sqlite", "mysql", "postgres"];
const GENERATED_EXAMPLE: &str = "\"price * qty\"";

/// Parses `source`; returns what could be read and every problem found on the way.
pub fn parse(source: &str) -> (Schema, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut schema = Schema::default();
    // Each node is read into the model as soon as it is parsed, and then dropped.
    let syntax = document::each_node(source, |node| top_node(&node, &mut schema, &mut problems));
    if !syntax.is_empty() {
        return (Schema::default(), syntax);
    }
    resolve_types(&mut schema, &mut problems);
    (schema, problems)
}

/// Gives each column whose type is no portable name the enum of that name, declared
/// anywhere in the file; the rest are unknown types.
fn resolve_types(schema: &mut Schema, problems: &mut Vec<Problem>) {
    let enums = std::mem::take(&mut schema.enums);
    let mut known: Vec<&str> = Type::NAMES.to_vec();
    known.extend(enums.iter().map(|e| e.name.as_str()));
    for column in schema.tables.iter_mut().flat_map(|t| t.columns.iter_mut()) {
        let Type::Raw(name) = &column.ty else {
            continue;
        };
        if let Some(e) = enums.iter().find(|e| &e.name == name) {
            column.ty = e.ty();
            continue;
        }
        let p =
            Problem::new(format!("unknown type `{name}`"), column.type_span).label("unknown type");
        problems.push(match did_you_mean(name, &known) {
            Some(s) => p.help(format!("did you mean `{s}`?")),
            None => p.help(format!(
                "portable types: {}; an `enum NAME {{ value A; value B }}` declares another; for a database's own type use a hint, e.g. `mysql type=\"MEDIUMTEXT\"`",
                Type::NAMES.join(", ")
            )),
        });
    }
    schema.enums = enums;
}

/// `enum NAME VALUE... { value VALUE; ... }`: the values as arguments, or as children.
fn enum_type(node: &KdlNode, schema: &Schema, problems: &mut Vec<Problem>) -> Option<EnumType> {
    let mut r = NodeReader::new(node);
    let (name, name_span) = r.string_arg("an enum name", problems)?;
    let mut values = r.rest_strings(problems);
    r.finish(&[], problems);
    for child in children(node) {
        if child.name().value() != "value" {
            problems.push(unknown_node(
                child,
                child.name().value(),
                "in an enum",
                &["value"],
            ));
            continue;
        }
        let mut r = NodeReader::new(child);
        if let Some(v) = r.string_arg("a value", problems) {
            values.push(v);
        }
        r.finish(&[], problems);
    }
    if Type::from_name(&name).is_some() {
        problems.push(
            Problem::new(
                format!("`{name}` is a portable type, not a name for an enum"),
                name_span,
            )
            .label("taken by a type")
            .help("give the enum another name, e.g. `user_role`"),
        );
    }
    if schema.enum_type(&name).is_some() {
        problems.push(
            Problem::new(format!("enum `{name}` is declared twice"), name_span)
                .label("second declaration"),
        );
    }
    if values.is_empty() {
        problems.push(
            Problem::new(format!("enum `{name}` has no values"), name_span)
                .label("no values")
                .help("for example `enum role { value admin; value member }`"),
        );
    }
    for (i, (value, span)) in values.iter().enumerate() {
        if values[..i].iter().any(|(v, _)| v == value) {
            problems.push(
                Problem::new(
                    format!("enum `{name}` has the value `{value}` twice"),
                    *span,
                )
                .label("given again"),
            );
        }
    }
    let (values, value_spans) = values.into_iter().unzip();
    Some(EnumType {
        name,
        values,
        span: node.span(),
        name_span,
        value_spans,
    })
}

/// `view NAME (sql)"SELECT ..." { postgres (sql)"SELECT ..." }`: the query, and a
/// database's own text of it.
fn view(node: &KdlNode, problems: &mut Vec<Problem>) -> Option<View> {
    let mut r = NodeReader::new(node);
    let (name, name_span) = r.string_arg("a view name", problems)?;
    let sql = query_arg(&mut r, problems);
    r.finish(&[], problems);
    let mut hints = Vec::new();
    for child in children(node) {
        let Some(d) = Dialect::from_name(child.name().value()) else {
            problems.push(unknown_node(
                child,
                child.name().value(),
                "in a view",
                DIALECTS,
            ));
            continue;
        };
        let mut r = NodeReader::new(child);
        let hint = query_arg(&mut r, problems);
        r.finish(&[], problems);
        if hints.iter().any(|(seen, _)| *seen == d) {
            problems.push(
                Problem::new(
                    format!("view `{name}` has a second `{d}` query"),
                    child.span(),
                )
                .label("given again"),
            );
        }
        hints.extend(hint.map(|q| (d, q)));
    }
    Some(View {
        name,
        sql: sql?,
        hints,
        span: node.span(),
        name_span,
    })
}

/// The next argument as a view's query: `(sql)"SELECT ..."`.
fn query_arg(r: &mut NodeReader, problems: &mut Vec<Problem>) -> Option<String> {
    let node = r.name();
    let span = r.name_span();
    let Some(e) = r.arg() else {
        problems.push(
            Problem::new(format!("`{node}` needs a query"), span)
                .label("query missing")
                .help("for example `view active_users (sql)\"SELECT id, email FROM users WHERE active\"`"),
        );
        return None;
    };
    match (e.ty().map(|t| t.value()), e.value().as_string()) {
        (Some("sql"), Some(q)) if !q.trim().is_empty() => Some(node::no_nul(q, e.span(), problems)),
        _ => {
            problems.push(
                Problem::new("a view's query is `(sql)\"SELECT ...\"`", e.span())
                    .label("not `(sql)\"...\"`")
                    .help("for example `view active_users (sql)\"SELECT id, email FROM users WHERE active\"`"),
            );
            None
        }
    }
}

/// Reads one top-level node into `schema`.
fn top_node(node: &KdlNode, schema: &mut Schema, problems: &mut Vec<Problem>) {
    match node.name().value() {
        "table" => {
            if let Some(t) = table(node, problems) {
                schema.tables.push(t);
            }
        }
        "view" => {
            if let Some(v) = view(node, problems) {
                schema.views.push(v);
            }
        }
        "enum" => {
            if let Some(e) = enum_type(node, schema, problems) {
                schema.enums.push(e);
            }
        }
        "ignore" => {
            let mut r = NodeReader::new(node);
            let patterns = r.rest_strings(problems);
            if patterns.is_empty() {
                problems.push(
                    Problem::new(
                        "`ignore` needs at least one table name or pattern",
                        r.name_span(),
                    )
                    .label("nothing to ignore"),
                );
            }
            schema.ignore.extend(patterns.into_iter().map(|(p, _)| p));
            r.finish(&[], problems);
        }
        other => problems.push(unknown_node(node, other, "at the top level", TOP_NODES)),
    }
}

fn unknown_node(node: &KdlNode, name: &str, place: &str, known: &[&str]) -> Problem {
    let p = Problem::new(format!("unknown node `{name}` {place}"), node.name().span())
        .label("unknown node");
    match did_you_mean(name, known) {
        Some(s) => p.help(format!("did you mean `{s}`?")),
        None => p.help(format!("expected one of: {}", known.join(", "))),
    }
}

fn table(node: &KdlNode, problems: &mut Vec<Problem>) -> Option<Table> {
    let mut r = NodeReader::new(node);
    let (name, name_span) = r.string_arg("a table name", problems)?;
    let renamed_from = r.string_prop("renamed-from", problems).map(|(s, _)| s);
    r.finish(&["renamed-from"], problems);
    let mut t = Table {
        name,
        renamed_from,
        span: node.span(),
        name_span,
        ..Table::default()
    };
    for child in children(node) {
        match child.name().value() {
            "column" => column(&mut t, child, problems),
            "primary-key" => {
                let mut r = NodeReader::new(child);
                let cols = r.rest_strings(problems);
                r.finish(&[], problems);
                repeated(&cols, "the primary key", problems);
                if cols.is_empty() {
                    problems.push(
                        Problem::new("`primary-key` needs at least one column", child.span())
                            .label("no columns"),
                    );
                } else if !t.primary_key.is_empty() {
                    problems.push(more_than_one_primary_key(&t.name, child.span()));
                } else {
                    t.primary_key = cols.into_iter().map(|(c, _)| c).collect();
                }
            }
            "index" => index(&mut t, child, problems),
            "foreign-key" => foreign_key(&mut t, child, problems),
            "check" => {
                let mut r = NodeReader::new(child);
                let name = r.string_arg("a check name", problems);
                let expr = name
                    .as_ref()
                    .and_then(|_| r.string_arg("an SQL expression", problems));
                r.finish(&[], problems);
                if let Some((_, span)) = expr.as_ref().filter(|(e, _)| e.trim().is_empty()) {
                    problems.push(empty_sql("a check", *span));
                }
                if let (Some((name, _)), Some((expr, _))) = (name, expr) {
                    t.checks.push(Check {
                        name,
                        expr,
                        named: true,
                        validated: true,
                        span: child.span(),
                    });
                }
            }
            "comment" => {
                let mut r = NodeReader::new(child);
                t.comment = r.string_arg("the comment text", problems).map(|(s, _)| s);
                r.finish(&[], problems);
            }
            "mysql" => {
                let mut r = NodeReader::new(child);
                t.options.engine = r.string_prop("engine", problems).map(|(s, _)| s);
                t.options.charset = r.string_prop("charset", problems).map(|(s, _)| s);
                t.options.collate = r.string_prop("collate", problems).map(|(s, _)| s);
                r.finish(&["engine", "charset", "collate"], problems);
            }
            "sqlite" | "postgres" => NodeReader::new(child).finish(&[], problems),
            other => problems.push(unknown_node(
                child,
                other,
                &format!("in table `{}`", t.name),
                TABLE_NODES,
            )),
        }
        if let Some(grandchild) = children(child)
            .first()
            .filter(|_| !["column", "index"].contains(&child.name().value()))
        {
            problems.push(
                Problem::new(
                    format!("`{}` takes no block", child.name().value()),
                    grandchild.span(),
                )
                .label("unexpected block"),
            );
        }
    }
    Some(t)
}

/// A problem for each column named again in one list (`primary-key a a`).
fn repeated(columns: &[(String, Span)], what: &str, problems: &mut Vec<Problem>) {
    for (i, (name, span)) in columns.iter().enumerate() {
        if columns[..i].iter().any(|(n, _)| n == name) {
            problems.push(
                Problem::new(format!("{what} names `{name}` twice"), *span)
                    .label("named again")
                    .help("name each column once"),
            );
        }
    }
}

/// An SQL expression (a check, a partial index's predicate) that is empty.
fn empty_sql(what: &str, span: Span) -> Problem {
    Problem::new(
        format!("{what} needs an SQL expression, not an empty string"),
        span,
    )
    .label("empty")
    .help("write the condition, e.g. `\"price >= 0\"`, or remove it")
}

pub(crate) fn more_than_one_primary_key(table: &str, span: Span) -> Problem {
    Problem::new(
        format!("table `{table}` has more than one primary key"),
        span,
    )
    .label("second primary key")
    .help("list every key column in one `primary-key COL...` node")
}

fn column(t: &mut Table, node: &KdlNode, problems: &mut Vec<Problem>) {
    let mut r = NodeReader::new(node);
    let Some((name, name_span)) = r.string_arg("a column name", problems) else {
        return;
    };
    let Some((type_name, type_span)) = r.string_arg("a type", problems) else {
        return;
    };
    // Not a portable name: an enum declared in the file, or an unknown type
    // (`resolve_types`, once the whole file is read).
    let ty = Type::from_name(&type_name);
    let length = r.count_prop("length", 1, problems);
    let precision = r.count_prop("precision", 1, problems);
    let scale = r.count_prop("scale", 0, problems);
    let ty = match ty {
        Some(Type::String { .. }) => Type::String {
            length: length.map(|(n, _)| n),
        },
        Some(Type::Decimal { .. }) => {
            let precision = precision.map(|(p, _)| p);
            if precision.is_none() {
                problems.push(
                    Problem::new(
                        "`decimal` needs `precision=P` (and usually `scale=S`)",
                        type_span,
                    )
                    .label("no precision")
                    .help("for example `decimal precision=10 scale=2`"),
                );
            }
            let (p, s) = (precision.unwrap_or(10), scale.map_or(0, |(s, _)| s));
            if s > p {
                problems.push(
                    Problem::new(
                        format!("`scale` ({s}) is larger than `precision` ({p})"),
                        scale.map_or(type_span, |(_, sp)| sp),
                    )
                    .label("scale too large"),
                );
            }
            Type::Decimal {
                precision: p,
                scale: s,
            }
        }
        Some(other) => other,
        None => Type::Raw(type_name.clone()),
    };
    for (prop, value, allowed) in [
        ("length", length.map(|(_, s)| s), "string"),
        ("precision", precision.map(|(_, s)| s), "decimal"),
        ("scale", scale.map(|(_, s)| s), "decimal"),
    ] {
        if let Some(span) =
            value.filter(|_| type_name != allowed && Type::from_name(&type_name).is_some())
        {
            problems.push(
                Problem::new(
                    format!("`{prop}` applies to `{allowed}`, not to `{type_name}`"),
                    span,
                )
                .label("not for this type"),
            );
        }
    }
    let mut c = Column::new(name.clone(), ty);
    c.span = node.span();
    c.name_span = name_span;
    c.type_span = type_span;
    c.nullable = r.bool_prop("nullable", problems);
    c.default = r.default_prop(problems).map(|(d, span)| {
        defaults::check(&c.ty, &d, span, problems);
        d
    });
    c.auto_increment = r.bool_prop("auto-increment", problems);
    let stored_span = r.prop("stored").map(|e| e.span());
    let stored = r.bool_prop("stored", problems);
    c.generated = r
        .sql_prop("generated", GENERATED_EXAMPLE, problems)
        .map(|(expr, span)| Generated { expr, stored, span });
    if let (Some(span), None) = (stored_span, &c.generated) {
        problems.push(
            Problem::new("`stored` applies to a generated column", span)
                .label("no `generated=` on this column")
                .help("for example `generated=(sql)\"price * qty\" stored=#true`"),
        );
    }
    c.renamed_from = r.string_prop("renamed-from", problems).map(|(s, _)| s);
    c.comment = r.string_prop("comment", problems).map(|(s, _)| s);
    if r.bool_prop("primary-key", problems) {
        if t.primary_key.is_empty() {
            t.primary_key = vec![name.clone()];
        } else {
            problems.push(more_than_one_primary_key(
                &t.name,
                r.prop("primary-key").map_or(node.span(), |e| e.span()),
            ));
        }
    }
    if r.bool_prop("unique", problems) {
        let columns = vec![name.clone()];
        t.indexes.push(Index {
            name: crate::schema::index_name(&t.name, &columns, true),
            columns,
            unique: true,
            predicate: None,
            span: r.prop("unique").map_or(node.span(), |e| e.span()),
            column_spans: vec![name_span],
            descending: Vec::new(),
            expressions: Vec::new(),
            prefixes: Vec::new(),
            skipped: Vec::new(),
            generated_name: true,
            kind: IndexKind::Index,
        });
    }
    let on_delete = action(&mut r, "on-delete", problems);
    // `on-update=(sql)CURRENT_TIMESTAMP` is the column's; a bare action is the foreign key's.
    let on_update = if r.is_annotated("on-update") {
        c.on_update = r.sql_prop("on-update", "CURRENT_TIMESTAMP", problems);
        None
    } else {
        action(&mut r, "on-update", problems)
    };
    match r.string_prop("references", problems) {
        Some((target, span)) => match column_ref(&target) {
            Some((ref_table, ref_column)) => {
                let columns = vec![name.clone()];
                t.foreign_keys.push(ForeignKey {
                    name: crate::schema::fk_name(&t.name, &columns, &ref_table),
                    columns,
                    ref_table,
                    ref_columns: vec![ref_column],
                    on_delete: on_delete.map_or(Action::NoAction, |(a, _)| a),
                    on_update: on_update.map_or(Action::NoAction, |(a, _)| a),
                    span,
                    column_spans: vec![name_span],
                    references_span: span,
                    generated_name: true,
                    implicit_index: false,
                    validated: true,
                });
            }
            None => problems.push(
                Problem::new(format!("`references` must be `TABLE.COLUMN`, not `{target}`"), span)
                    .label("not TABLE.COLUMN")
                    .help("for example `references=users.id`; quote names with dots or spaces: `references=#\"\"line items\".id\"#`"),
            ),
        },
        None => {
            for (key, a) in [("on-delete", on_delete), ("on-update", on_update)] {
                if let Some((_, span)) = a {
                    problems.push(Problem::new(format!("`{key}` needs `references=` on the same column"), span).label("no foreign key here"));
                }
            }
        }
    }
    r.finish(COLUMN_PROPS, problems);
    for hint in children(node) {
        let hint_name = hint.name().value();
        let Some(dialect) = Dialect::from_name(hint_name) else {
            problems.push(unknown_node(
                hint,
                hint_name,
                &format!("in column `{name}` (expected a dialect hint)"),
                DIALECTS,
            ));
            continue;
        };
        let mut r = NodeReader::new(hint);
        let ty = r.string_prop("type", problems);
        let collate = r.string_prop("collate", problems).map(|(s, _)| s);
        let charset = r.string_prop("charset", problems);
        if let (Some((_, span)), false) = (&charset, dialect.sql().has_charsets()) {
            problems.push(
                Problem::new(
                    format!("`charset` is a MySQL hint; {dialect} has none"),
                    *span,
                )
                .label("not for this dialect"),
            );
        }
        let default = r.default_prop(problems).map(|(d, span)| {
            if ty.is_none() {
                defaults::check(&c.ty, &d, span, problems);
            }
            d
        });
        let on_update = r.sql_prop("on-update", "CURRENT_TIMESTAMP", problems);
        if let (Some((_, span)), false) = (&on_update, dialect.sql().has_on_update()) {
            problems.push(
                Problem::new(
                    format!("`on-update` is a MySQL hint; {dialect} has none"),
                    *span,
                )
                .label("not for this dialect")
                .help("on this database the application sets the column when it writes the row"),
            );
        }
        let generated = r.sql_prop("generated", GENERATED_EXAMPLE, problems);
        if let (Some((_, span)), None) = (&generated, &c.generated) {
            problems.push(
                Problem::new(
                    format!("a {dialect} `generated=` replaces the expression of a generated column"),
                    *span,
                )
                .label("the column is not generated")
                .help("declare `generated=(sql)\"...\"` on the column itself; a hint only spells it for one database"),
            );
        }
        r.finish(HINT_PROPS, problems);
        c.hints.push(ColumnHint {
            dialect,
            ty,
            collate,
            charset: charset.map(|(s, _)| s),
            default,
            on_update,
            generated,
        });
    }
    t.columns.push(c);
}

fn action(
    r: &mut NodeReader<'_>,
    key: &str,
    problems: &mut Vec<Problem>,
) -> Option<(Action, Span)> {
    let (value, span) = r.string_prop(key, problems)?;
    match Action::KDL_NAMES.iter().find(|(n, _)| *n == value) {
        Some((_, a)) => Some((*a, span)),
        None => {
            let names: Vec<&str> = Action::KDL_NAMES.iter().map(|(n, _)| *n).collect();
            let p = Problem::new(format!("unknown referential action `{value}`"), span)
                .label("unknown action");
            problems.push(match did_you_mean(&value, &names) {
                Some(s) => p.help(format!("did you mean `{s}`?")),
                None if key == "on-update" => p.help(format!(
                    "actions: {}; for MySQL's `ON UPDATE` of the column itself, an SQL expression: `on-update=(sql){value}`",
                    names.join(", ")
                )),
                None => p.help(format!("actions: {}", names.join(", "))),
            });
            None
        }
    }
}

fn index(t: &mut Table, node: &KdlNode, problems: &mut Vec<Problem>) {
    let mut r = NodeReader::new(node);
    let mut cols = Vec::new();
    let mut descending = Vec::new();
    let mut expressions = Vec::new();
    for (column, span, annotation) in r.rest_annotated_strings(problems) {
        let sql = matches!(&annotation, Some((a, _)) if a == "sql");
        if sql && column.trim().is_empty() {
            problems.push(
                Problem::new("an index part `(sql)` needs an SQL expression", span)
                    .label("empty")
                    .help("for example `(sql)\"lower(email)\"`"),
            );
        }
        expressions.push(sql);
        descending.push(match annotation {
            None => false,
            Some((a, _)) if a == "asc" || a == "sql" => false,
            Some((a, _)) if a == "desc" => true,
            Some((other, span)) => {
                problems.push(
                    Problem::new(format!("unknown index part annotation `({other})`"), span)
                        .label("unknown annotation")
                        .help(format!("`(desc){column}` for a descending part, `(asc)` (the default) for an ascending one, `(sql)\"lower(email)\"` for an expression")),
                );
                false
            }
        });
        cols.push((column, span));
    }
    let unique = r.bool_prop("unique", problems);
    let name = r.string_prop("name", problems);
    let predicate = r.string_prop("where", problems).map(|(s, span)| {
        if s.trim().is_empty() {
            problems.push(empty_sql("`where=`", span));
        }
        s
    });
    let desc_span = r.prop("desc").map(|e| e.span());
    if r.bool_prop("desc", problems) {
        descending.iter_mut().for_each(|d| *d = true);
        if let (Some(span), true) = (desc_span, expressions.contains(&true)) {
            problems.push(
                Problem::new("an expression part of an index is ascending", span)
                    .label("`desc` over an expression")
                    .help("a descending expression part is not modeled yet; mark the column parts `(desc)` one by one"),
            );
        }
    }
    r.finish(&["unique", "name", "where", "desc"], problems);
    let (prefix, skipped) = index_hints(node, problems);
    repeated(&cols, "the index", problems);
    if cols.is_empty() {
        problems.push(
            Problem::new("`index` needs at least one column", node.span()).label("no columns"),
        );
        return;
    }
    let (columns, column_spans): (Vec<String>, Vec<Span>) = cols.into_iter().unzip();
    let generated_name = name.is_none();
    if let (Some(at), true) = (expressions.iter().position(|e| *e), generated_name) {
        problems.push(
            Problem::new(
                "an index over an expression needs `name=`",
                column_spans[at],
            )
            .label("an expression")
            .help("for example `index (sql)\"lower(email)\" name=ix_users_email_lower`"),
        );
    }
    let name = name.map_or_else(
        || crate::schema::index_name(&t.name, &columns, unique),
        |(n, _)| n,
    );
    let prefixes = expressions.iter().map(|e| prefix.filter(|_| !e)).collect();
    t.indexes.push(Index {
        name,
        columns,
        unique,
        predicate,
        span: node.span(),
        column_spans,
        descending: Index::directions(descending),
        expressions: Index::directions(expressions),
        prefixes: Index::prefixes(prefixes),
        skipped,
        generated_name,
        kind: IndexKind::Index,
    });
}

/// An index's children, one per dialect: `mysql length=N`, the prefix MySQL indexes of each
/// column part (every part that is a string, text or bytes column), and `skip=#true` on any
/// dialect, which leaves the index out of that database's schema.
fn index_hints(node: &KdlNode, problems: &mut Vec<Problem>) -> (Option<u32>, Vec<Dialect>) {
    let mut prefix = None;
    let mut skipped = Vec::new();
    let mut seen = Vec::new();
    for child in children(node) {
        let name = child.name().value();
        let Some(dialect) = Dialect::from_name(name) else {
            problems.push(unknown_node(
                child,
                name,
                "in an index",
                &["mysql", "postgres", "sqlite"],
            ));
            continue;
        };
        if seen.contains(&dialect) {
            problems.push(
                Problem::new(
                    format!("`{name}` is given twice in the index"),
                    child.span(),
                )
                .label("second hint")
                .help(format!("write one `{name}` node with all its properties")),
            );
            continue;
        }
        seen.push(dialect);
        let mut r = NodeReader::new(child);
        let skip = r.bool_prop("skip", problems);
        let given = dialect == Dialect::Mysql && r.prop("length").is_some();
        let length = given.then(|| r.count_prop("length", 1, problems)).flatten();
        let allowed: &[&str] = if dialect == Dialect::Mysql {
            &["length", "skip"]
        } else {
            &["skip"]
        };
        r.finish(allowed, problems);
        if skip {
            skipped.push(dialect);
            if given {
                problems.push(
                    Problem::new("an index skipped on MySQL takes no `length=`", child.span())
                        .label("skipped and given a length")
                        .help("remove one: `skip=#true` leaves the index out of MySQL's schema"),
                );
            }
            continue;
        }
        match length {
            Some((n, _)) => prefix = Some(n),
            // Whatever was written has its own error (or is `skip=#false`).
            None if !child.entries().is_empty() => {}
            None if dialect != Dialect::Mysql => problems.push(
                Problem::new(format!("`{name}` in an index takes `skip=#true`"), child.span())
                    .label("says nothing")
                    .help(format!("`{name} skip=#true` leaves the index out of that database's schema; remove the line otherwise")),
            ),
            None => problems.push(
                Problem::new("`mysql` in an index takes `length=N` or `skip=#true`", child.span())
                    .label("no length")
                    .help("for example `index body { mysql length=100 }`: MySQL indexes the first 100 characters of `body`"),
            ),
        }
    }
    if Dialect::ALL.iter().all(|d| skipped.contains(d)) {
        problems.push(
            Problem::new("the index is skipped on every database", node.span())
                .label("skipped everywhere")
                .help("remove the index, or keep it on one database at least"),
        );
    }
    (prefix, skipped)
}

fn foreign_key(t: &mut Table, node: &KdlNode, problems: &mut Vec<Problem>) {
    let mut r = NodeReader::new(node);
    let cols = r.rest_strings(problems);
    let target = r.string_prop("references", problems);
    let name = r.string_prop("name", problems);
    let on_delete = action(&mut r, "on-delete", problems);
    let on_update = action(&mut r, "on-update", problems);
    r.finish(&["references", "name", "on-delete", "on-update"], problems);
    repeated(&cols, "the foreign key", problems);
    if cols.is_empty() {
        problems.push(
            Problem::new("`foreign-key` needs at least one column", node.span())
                .label("no columns"),
        );
        return;
    }
    let Some((target, references_span)) = target else {
        problems.push(
            Problem::new(
                "`foreign-key` needs `references=\"TABLE(COLUMN, ...)\"`",
                node.span(),
            )
            .label("no target"),
        );
        return;
    };
    let Some((ref_table, ref_columns)) = table_ref(&target) else {
        problems.push(
            Problem::new(
                format!("`references` must be `TABLE(COLUMN, ...)`, not `{target}`"),
                references_span,
            )
            .label("not TABLE(COLUMN, ...)")
            .help("for example `references=\"users(id)\"`"),
        );
        return;
    };
    let targets: Vec<(String, Span)> = ref_columns
        .iter()
        .map(|c| (c.clone(), references_span))
        .collect();
    repeated(&targets, "the referenced key", problems);
    let (columns, column_spans): (Vec<String>, Vec<Span>) = cols.into_iter().unzip();
    let generated_name = name.is_none();
    let name = name.map_or_else(
        || crate::schema::fk_name(&t.name, &columns, &ref_table),
        |(n, _)| n,
    );
    t.foreign_keys.push(ForeignKey {
        name,
        columns,
        ref_table,
        ref_columns,
        on_delete: on_delete.map_or(Action::NoAction, |(a, _)| a),
        on_update: on_update.map_or(Action::NoAction, |(a, _)| a),
        span: node.span(),
        column_spans,
        references_span,
        generated_name,
        implicit_index: false,
        validated: true,
    });
}
