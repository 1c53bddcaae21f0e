//! The rules a parsed schema must satisfy before any database is touched ("Validation" in the
//! language reference). Every broken rule becomes a [`Problem`] pointing into `schema.kdl`.

mod fragments;

use std::collections::HashMap;

use crate::dialect::Dialect;
use crate::error::Problem;
use crate::schema::{Action, Column, DefaultValue, ForeignKey, Schema, Table, Type};

/// The longest name a user may write (PostgreSQL cuts longer names silently).
pub(crate) const MAX_NAME_BYTES: usize = 63;

/// Every rule `schema` breaks, in file order, checking the rules of each of `dialects`.
pub fn validate(schema: &Schema, dialects: &[Dialect]) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut tables: HashMap<&str, &Table> = HashMap::new();
    for t in &schema.tables {
        if tables.insert(&t.name, t).is_some() {
            out.push(
                Problem::new(format!("table `{}` is declared twice", t.name), t.name_span)
                    .label("second declaration"),
            );
        }
        if schema.is_ignored(&t.name) {
            out.push(
                Problem::new(
                    format!(
                        "table `{}` is declared and also matched by `ignore`",
                        t.name
                    ),
                    t.name_span,
                )
                .label("ignored table")
                .help("remove the table or narrow the `ignore` pattern"),
            );
        }
        if let Some(old) = &t.renamed_from
            && schema.table(old).is_some()
        {
            out.push(
                Problem::new(
                    format!(
                        "table `{}` is renamed from `{old}`, which is also declared",
                        t.name
                    ),
                    t.span,
                )
                .label("renamed-from")
                .help(
                    "remove `renamed-from` once the rename is done, or the old table's declaration",
                ),
            );
        }
        long_name(&t.name, t.name_span, "table", &mut out);
        table_rules(schema, t, dialects, &mut out);
    }
    for e in &schema.enums {
        long_name(&e.name, e.name_span, "enum", &mut out);
        if schema.table(&e.name).is_some() {
            // PostgreSQL: a table's row type already holds the name.
            out.push(
                Problem::new(format!("enum `{}` has the name of a table", e.name), e.name_span)
                    .label("name taken")
                    .help("PostgreSQL keeps types and tables in one namespace: give the enum another name"),
            );
        }
        // PostgreSQL's limit on a label, the smallest of the three (MySQL: 255 characters).
        let long = e
            .values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.len() > MAX_NAME_BYTES);
        for (i, v) in long {
            out.push(
                Problem::new(
                    format!(
                        "enum `{}`: value `{v}` is {} bytes long; the limit is {MAX_NAME_BYTES}",
                        e.name,
                        v.len()
                    ),
                    e.value_span(i),
                )
                .label("value too long"),
            );
        }
    }
    view_rules(schema, &mut out);
    names_unique_in_schema(schema, &mut out);
    out.extend(fragments::check(schema, dialects));
    for d in dialects {
        decimal_limits(schema, *d, &mut out);
        out.extend(d.sql().rules(schema));
    }
    out.sort_by_key(|p| (p.span.offset(), p.message.clone()));
    out.dedup_by(|a, b| a.span == b.span && a.message == b.message);
    out
}

fn long_name(name: &str, span: crate::schema::Span, what: &str, out: &mut Vec<Problem>) {
    if name.len() > MAX_NAME_BYTES {
        out.push(
            Problem::new(
                format!(
                    "{what} name `{name}` is {} bytes long; the limit is {MAX_NAME_BYTES}",
                    name.len()
                ),
                span,
            )
            .label("name too long"),
        );
    }
    if name.is_empty() {
        out.push(Problem::new(format!("a {what} name cannot be empty"), span).label("empty name"));
    }
}

fn table_rules(schema: &Schema, t: &Table, dialects: &[Dialect], out: &mut Vec<Problem>) {
    let mut seen: HashMap<&str, &Column> = HashMap::new();
    for c in &t.columns {
        if seen.insert(&c.name, c).is_some() {
            out.push(
                Problem::new(
                    format!("column `{}` is declared twice in `{}`", c.name, t.name),
                    c.name_span,
                )
                .label("second declaration"),
            );
        }
        long_name(&c.name, c.name_span, "column", out);
        if let Some(old) = &c.renamed_from
            && t.column(old).is_some()
        {
            out.push(
                Problem::new(
                    format!(
                        "column `{}` is renamed from `{old}`, which is also declared",
                        c.name
                    ),
                    c.span,
                )
                .label("renamed-from")
                .help("remove `renamed-from` once the rename is done, or the old column"),
            );
        }
        column_rules(t, c, out);
        on_update_rules(c, dialects, out);
        generated_rules(t, c, dialects, out);
    }
    let known = || {
        t.columns
            .iter()
            .map(|c| format!("`{}`", c.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let missing = |col: &str, span, what: &str| {
        let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        let p = Problem::new(
            format!(
                "{what} names `{col}`, which is not a column of `{}`",
                t.name
            ),
            span,
        )
        .label("no such column");
        match crate::parse::did_you_mean(col, &names) {
            Some(s) => p.help(format!("did you mean `{s}`?")),
            None => p.help(format!("columns of `{}`: {}", t.name, known())),
        }
    };
    for pk in &t.primary_key {
        if t.column(pk).is_none() {
            out.push(missing(pk, t.span, "the primary key"));
        }
    }
    for ix in &t.indexes {
        for (i, col) in ix.columns.iter().enumerate() {
            if !ix.is_expression(i) && t.column(col).is_none() {
                out.push(missing(
                    col,
                    ix.part_span(i),
                    &format!("index `{}`", ix.name),
                ));
            }
        }
    }
    for fk in &t.foreign_keys {
        for (i, col) in fk.columns.iter().enumerate() {
            if t.column(col).is_none() {
                out.push(missing(
                    col,
                    fk.column_spans.get(i).copied().unwrap_or(fk.span),
                    &format!("foreign key `{}`", fk.name),
                ));
            }
        }
        foreign_key_rules(schema, t, fk, out);
    }
}

fn column_rules(t: &Table, c: &Column, out: &mut Vec<Problem>) {
    if c.auto_increment {
        let sole_key = t.primary_key.len() == 1 && t.primary_key[0] == c.name;
        if !c.ty.is_integer() {
            out.push(
                Problem::new(
                    format!(
                        "`{}` is auto-increment but its type `{}` is not an integer",
                        c.name, c.ty
                    ),
                    c.type_span,
                )
                .label("not an integer")
                .help("use `int` or `bigint`"),
            );
        } else if !sole_key {
            out.push(
                Problem::new(
                    format!(
                        "`{}` is auto-increment but is not the sole primary key of `{}`",
                        c.name, t.name
                    ),
                    c.span,
                )
                .label("auto-increment")
                .help("add `primary-key=#true` to this column, and no other primary key"),
            );
        }
        if has_default(c) {
            out.push(
                Problem::new(
                    format!(
                        "`{}` is auto-increment and has a default; it can have only one",
                        c.name
                    ),
                    c.span,
                )
                .label("default and auto-increment")
                .help("the database generates the value; remove `default=` (also from hints)"),
            );
        }
    } else if c.ty == Type::Int
        && t.primary_key.len() == 1
        && t.primary_key[0] == c.name
        && has_default(c)
    {
        out.push(
            Problem::new(
                format!(
                    "`{}` is the sole `int` primary key of `{}` and has a default",
                    c.name, t.name
                ),
                c.span,
            )
            .label("default on an `int` key")
            .help("on SQLite this column is the rowid, which takes no default (it would never converge); remove `default=`, or make the key `bigint`"),
        );
    }
    if let (Some(DefaultValue::String(v) | DefaultValue::Number(v)), Type::Enum { name, values }) =
        (&c.default, &c.ty)
        && !values.contains(v)
    {
        out.push(
            Problem::new(
                format!(
                    "default `{v}` of `{}` is not a value of enum `{name}`",
                    c.name
                ),
                c.span,
            )
            .label("not a value")
            .help(format!("its values: {}", values.join(", "))),
        );
    } else if let Some(d) = &c.default {
        let fits = match (d, &c.ty) {
            (_, Type::Raw(_)) | (DefaultValue::Sql(_), _) => true,
            (DefaultValue::Bool(_), Type::Enum { .. }) => false,
            (_, Type::Bytes) => false,
            (DefaultValue::Bool(_), ty) => *ty == Type::Bool,
            (DefaultValue::Number(n), ty) => {
                ty.is_integer() && !n.contains('.')
                    || matches!(ty, Type::Float | Type::Double | Type::Decimal { .. })
                    || (*ty == Type::Bool && (n == "0" || n == "1"))
            }
            (DefaultValue::String(_), ty) => {
                !ty.is_integer()
                    && !matches!(
                        ty,
                        Type::Bool | Type::Float | Type::Double | Type::Decimal { .. }
                    )
            }
        };
        if !fits {
            let help = if c.ty == Type::Bytes {
                "a `bytes` column cannot have a literal default; use `(sql)\"...\"` if the database allows an expression"
            } else {
                "write the default in the column's type, e.g. `default=0`, `default=#true` or `default=\"text\"`"
            };
            out.push(
                Problem::new(
                    format!("default of `{}` does not fit its type `{}`", c.name, c.ty),
                    c.span,
                )
                .label("default")
                .help(help),
            );
        }
    }
}

/// `on-update=(sql)...` (MySQL's `ON UPDATE`) only on a date-and-time column, and written
/// portably only when every database of the project is MySQL: SQLite and PostgreSQL have no
/// such clause (docs/language.md, "On-update timestamps").
fn on_update_rules(c: &Column, dialects: &[Dialect], out: &mut Vec<Problem>) {
    let dated = matches!(c.ty, Type::DateTime | Type::Timestamp | Type::Raw(_));
    let portable = c.on_update.iter().map(|(_, span)| (span, dated));
    // A hint with a type of its own is checked by the server.
    let hinted = c.hints.iter().filter_map(|h| {
        let (_, span) = h.on_update.as_ref()?;
        Some((span, dated || h.ty.is_some()))
    });
    for (span, _) in portable.chain(hinted).filter(|(_, fits)| !fits) {
        out.push(
            Problem::new(
                format!(
                    "`on-update` applies to `timestamp` and `datetime` columns, not to `{}`",
                    c.ty
                ),
                *span,
            )
            .label("not a date and time"),
        );
    }
    let Some((_, span)) = &c.on_update else {
        return;
    };
    for d in dialects.iter().filter(|d| !d.sql().has_on_update()) {
        out.push(
            Problem::new(format!("`on-update` is MySQL's; {d} has no `ON UPDATE` for a column"), *span)
                .label(format!("not on {d}"))
                .help(format!(
                    "write it as a MySQL hint, which {d} leaves out: `column {} {} {{ mysql on-update=(sql)CURRENT_TIMESTAMP }}`; on {d} the application sets the column (SQLAlchemy's `onupdate=`)",
                    c.name, c.ty
                )),
        );
    }
}

/// A generated column computes every value: no default, auto-increment or `on-update` of
/// its own, no key, and stored where a database keeps no virtual columns (PostgreSQL 12
/// to 17).
fn generated_rules(t: &Table, c: &Column, dialects: &[Dialect], out: &mut Vec<Problem>) {
    let Some(g) = &c.generated else {
        return;
    };
    let computed = |what: &str| {
        Problem::new(
            format!("generated column `{}` cannot also have {what}", c.name),
            g.span,
        )
        .label("its values are this expression's")
    };
    if has_default(c) {
        out.push(computed("a default").help("remove `default=`; the expression gives every value"));
    }
    if c.auto_increment {
        out.push(computed("`auto-increment`"));
    }
    if c.on_update.is_some() || c.hints.iter().any(|h| h.on_update.is_some()) {
        out.push(computed("`on-update`"));
    }
    if t.primary_key.contains(&c.name) {
        out.push(
            computed("a place in the primary key")
                .help("SQLite and MariaDB refuse a generated column in a primary key; index it with `unique=#true` instead"),
        );
    }
    if g.stored {
        return;
    }
    for d in dialects.iter().filter(|d| !d.sql().has_virtual_columns()) {
        out.push(
            Problem::new(
                format!("{d} keeps no virtual generated columns"),
                g.span,
            )
            .label(format!("virtual, not on {d}"))
            .help("write `stored=#true`: the values are then computed when a row is written, on every database"),
        );
    }
}

/// Whether the column has a default, in any dialect.
fn has_default(c: &Column) -> bool {
    c.default.is_some() || c.hints.iter().any(|h| h.default.is_some())
}

/// `decimal` precision and scale within what `dialect` accepts (unless a hint gives the
/// column a type of its own there).
fn decimal_limits(schema: &Schema, dialect: Dialect, out: &mut Vec<Problem>) {
    let Some((max_precision, max_scale)) = dialect.sql().decimal_limits() else {
        return;
    };
    for t in &schema.tables {
        for c in &t.columns {
            let Type::Decimal { precision, scale } = c.ty else {
                continue;
            };
            if c.hints
                .iter()
                .any(|h| h.dialect == dialect && h.ty.is_some())
            {
                continue;
            }
            for (what, value, max) in [
                ("precision", precision, max_precision),
                ("scale", scale, max_scale),
            ] {
                if value > max {
                    out.push(
                        Problem::new(
                            format!(
                                "`{}.{}` has {what} {value}; {dialect} allows at most {max}",
                                t.name, c.name
                            ),
                            c.type_span,
                        )
                        .label(format!("{what} too large for {dialect}"))
                        .help(format!(
                            "lower `{what}=`, or give {dialect} a type of its own with a hint"
                        )),
                    );
                }
            }
        }
    }
}

fn foreign_key_rules(schema: &Schema, t: &Table, fk: &ForeignKey, out: &mut Vec<Problem>) {
    for (key, action) in [("on-delete", fk.on_delete), ("on-update", fk.on_update)] {
        if action != Action::SetNull {
            continue;
        }
        for col in &fk.columns {
            if t.column(col).is_some_and(|c| !c.nullable) {
                out.push(
                    Problem::new(
                        format!(
                            "foreign key `{}` has `{key}=set-null` but `{col}` is NOT NULL",
                            fk.name
                        ),
                        fk.span,
                    )
                    .label("set-null on a NOT NULL column")
                    .help(format!(
                        "add `nullable=#true` to `{col}`, or choose another action"
                    )),
                );
            }
        }
    }
    let Some(target) = schema.table(&fk.ref_table) else {
        if !schema.is_ignored(&fk.ref_table) {
            let names: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
            let p = Problem::new(
                format!(
                    "foreign key `{}` references table `{}`, which is not declared",
                    fk.name, fk.ref_table
                ),
                fk.references_span,
            )
            .label("no such table");
            out.push(match crate::parse::did_you_mean(&fk.ref_table, &names) {
                Some(s) => p.help(format!("did you mean `{s}`?")),
                None => p.help("declare the table in schema.kdl"),
            });
        }
        return;
    };
    if fk.columns.len() != fk.ref_columns.len() {
        out.push(
            Problem::new(
                format!(
                    "foreign key `{}` has {} columns but references {}",
                    fk.name,
                    fk.columns.len(),
                    fk.ref_columns.len()
                ),
                fk.span,
            )
            .label("column count differs"),
        );
        return;
    }
    let mut all_exist = true;
    for rc in &fk.ref_columns {
        if target.column(rc).is_none() {
            all_exist = false;
            out.push(
                Problem::new(
                    format!(
                        "foreign key `{}` references `{}.{rc}`, which is not a column",
                        fk.name, target.name
                    ),
                    fk.references_span,
                )
                .label("no such column"),
            );
        }
    }
    if !all_exist {
        return;
    }
    let keys: Vec<_> = target
        .indexes
        .iter()
        .filter(|i| i.unique && i.predicate.is_none() && i.columns == fk.ref_columns)
        .collect();
    // The key must be there on every database the foreign key is.
    let everywhere = keys.iter().any(|i| i.skipped.is_empty());
    let help = match keys.first() {
        Some(i) if !everywhere => format!(
            "index `{}` is skipped on {}: remove `skip=#true`, or reference the primary key",
            i.name,
            i.skipped.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")
        ),
        _ => "reference the primary key, or add a unique index on exactly these columns in this order".to_string(),
    };
    if target.primary_key != fk.ref_columns && !everywhere {
        out.push(
            Problem::new(format!("foreign key `{}` references ({}) of `{}`, which is neither its primary key nor a unique index", fk.name, fk.ref_columns.join(", "), target.name), fk.references_span)
                .label("not a key")
                .help(help),
        );
    }
    for (col, rc) in fk.columns.iter().zip(&fk.ref_columns) {
        if let (Some(a), Some(b)) = (t.column(col), target.column(rc))
            && a.ty != b.ty
        {
            out.push(
                Problem::new(
                    format!(
                        "foreign key `{}`: `{col}` is `{}` but `{}.{rc}` is `{}`",
                        fk.name, a.ty, target.name, b.ty
                    ),
                    fk.span,
                )
                .label("types differ")
                .help(format!(
                    "give `{col}` the type `{}` (MySQL rejects keys between different types)",
                    b.ty
                )),
            );
        }
    }
}

/// A view's name is its own: no other view or table has it (ignoring case, as MySQL on a
/// case-insensitive file system would), and no `ignore` pattern matches it.
fn view_rules(schema: &Schema, out: &mut Vec<Problem>) {
    for (i, v) in schema.views.iter().enumerate() {
        long_name(&v.name, v.name_span, "view", out);
        let same = |other: &str| other.to_lowercase() == v.name.to_lowercase();
        if schema.tables.iter().any(|t| same(&t.name)) {
            out.push(
                Problem::new(
                    format!("view `{}` has the name of a table", v.name),
                    v.name_span,
                )
                .label("name taken")
                .help("tables and views share one namespace: give the view another name"),
            );
        }
        if schema.views[..i].iter().any(|w| same(&w.name)) {
            out.push(
                Problem::new(format!("view `{}` is declared twice", v.name), v.name_span)
                    .label("second declaration"),
            );
        }
        if schema.is_ignored(&v.name) {
            out.push(
                Problem::new(
                    format!("view `{}` is declared and also matched by `ignore`", v.name),
                    v.name_span,
                )
                .label("ignored view")
                .help("remove the view or narrow the `ignore` pattern"),
            );
        }
    }
}

/// Index, foreign-key and check names are unique in the whole schema, ignoring case.
fn names_unique_in_schema(schema: &Schema, out: &mut Vec<Problem>) {
    let mut seen: HashMap<String, &str> = HashMap::new();
    for t in &schema.tables {
        let named = t
            .indexes
            .iter()
            .map(|i| (&i.name, i.span, i.generated_name, "index"))
            .chain(
                t.foreign_keys
                    .iter()
                    .map(|f| (&f.name, f.span, f.generated_name, "foreign key")),
            )
            .chain(t.checks.iter().map(|c| (&c.name, c.span, false, "check")));
        for (name, span, generated, what) in named {
            if !generated {
                long_name(name, span, what, out);
            }
            if let Some(first) = seen.insert(name.to_lowercase(), what) {
                let p = Problem::new(
                    format!("{what} name `{name}` is already used by another {first}"),
                    span,
                )
                .label("duplicate name");
                out.push(if generated { p.help("give one of them a name with `name=`") } else { p.help("names of indexes, keys and checks are unique in the whole schema, ignoring case") });
            }
        }
    }
}
