//! Small SQL spelling helpers shared by the dialects.

use crate::schema::{DefaultValue, Type};
pub use crate::schema::{normalize_sql, strip_outer_parentheses};

/// A string literal in single quotes, with `'` doubled (and, when `backslash` is set, `\`
/// doubled too, for MySQL's default SQL mode).
pub fn quote_string(s: &str, backslash: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' if backslash => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A type as catalogs and users spell it, made comparable: upper case, single spaces, no
/// spaces inside parentheses (`varchar( 20 )` becomes `VARCHAR(20)`).
pub fn normalize_type(sql: &str) -> String {
    let words = sql
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_uppercase();
    words
        .replace(" (", "(")
        .replace(", ", ",")
        .replace(" ,", ",")
        .replace("( ", "(")
        .replace(" )", ")")
}

/// The sized portable type a normalized spelling names: `VARCHAR(20)` (under one of
/// `strings`) or `NUMERIC(12,2)` (under one of `decimals`); `None` for anything else.
pub(crate) fn sized_type(norm: &str, strings: &[&str], decimals: &[&str]) -> Option<Type> {
    let sizes = |names: &[&str]| -> Option<Vec<u32>> {
        names.iter().find_map(|name| {
            let inner = norm
                .strip_prefix(name)?
                .strip_prefix('(')?
                .strip_suffix(')')?;
            inner.split(',').map(|p| p.trim().parse().ok()).collect()
        })
    };
    match (sizes(strings).as_deref(), sizes(decimals).as_deref()) {
        (Some([n]), _) => Some(Type::String { length: Some(*n) }),
        (_, Some([p, s])) => Some(Type::Decimal {
            precision: *p,
            scale: *s,
        }),
        _ => None,
    }
}

/// Whether an SQL default is a keyword every dialect accepts bare (`CURRENT_TIMESTAMP`).
pub fn is_sql_keyword_default(expr: &str) -> bool {
    matches!(
        expr.trim().to_ascii_uppercase().as_str(),
        "CURRENT_TIMESTAMP" | "CURRENT_DATE" | "CURRENT_TIME" | "NULL"
    )
}

/// A default as most dialects spell it; `bool` is how the dialect spells true and false.
pub(crate) fn default_literal(
    default: &DefaultValue,
    backslash: bool,
    bool_sql: (&str, &str),
) -> String {
    match default {
        DefaultValue::Bool(true) => bool_sql.0.to_string(),
        DefaultValue::Bool(false) => bool_sql.1.to_string(),
        DefaultValue::Number(n) => n.clone(),
        DefaultValue::String(s) => quote_string(s, backslash),
        DefaultValue::Sql(e) if is_sql_keyword_default(e) => e.trim().to_string(),
        DefaultValue::Sql(e) => format!("({})", e.trim()),
    }
}

/// ` GENERATED ALWAYS AS (expr) STORED` (or `VIRTUAL`), the clause of a generated column,
/// the same on every dialect that has it.
pub fn generated_clause(g: &crate::schema::Generated) -> String {
    let kind = if g.stored { "STORED" } else { "VIRTUAL" };
    format!(" GENERATED ALWAYS AS ({}) {kind}", g.expr.trim())
}

/// `UPDATE t SET c = default WHERE c IS NULL`, run before a column becomes NOT NULL.
pub(crate) fn fill_nulls(
    d: &dyn super::SqlDialect,
    table: &str,
    column: &crate::schema::Column,
    default: &DefaultValue,
) -> String {
    let c = d.quote(&column.name);
    format!(
        "UPDATE {} SET {c} = {} WHERE {c} IS NULL",
        d.quote(table),
        d.default_sql(default, &column.ty)
    )
}

/// `PRIMARY KEY (...)`, `CONSTRAINT ... CHECK (...)` and `CONSTRAINT ... FOREIGN KEY ...`
/// clauses, shared by `CREATE TABLE` on every dialect.
pub(crate) mod clauses {
    use crate::dialect::SqlDialect;
    use crate::schema::{Action, Check, ForeignKey};

    pub fn list(d: &dyn SqlDialect, names: &[String]) -> String {
        names
            .iter()
            .map(|n| d.quote(n))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// An index's parts: `"a", "b" DESC`.
    pub fn index_parts(d: &dyn SqlDialect, index: &crate::schema::Index) -> String {
        // An expression in parentheses, as every dialect takes it (MySQL's functional key
        // part must have them).
        let part = |(i, (n, descending, expression)): (usize, (&String, bool, bool))| {
            let direction = if descending { " DESC" } else { "" };
            let prefix = index
                .prefix(i)
                .map(|p| format!("({p})"))
                .unwrap_or_default();
            if expression {
                format!("({}){direction}", n.trim())
            } else {
                format!("{}{prefix}{direction}", d.quote(n))
            }
        };
        index
            .parts()
            .enumerate()
            .map(part)
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn check(d: &dyn SqlDialect, check: &Check) -> String {
        format!("CONSTRAINT {} CHECK ({})", d.quote(&check.name), check.expr)
    }

    pub fn foreign_key(d: &dyn SqlDialect, fk: &ForeignKey) -> String {
        let mut s = format!(
            "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
            d.quote(&fk.name),
            list(d, &fk.columns),
            d.quote(&fk.ref_table),
            list(d, &fk.ref_columns)
        );
        if fk.on_delete != Action::NoAction {
            s.push_str(" ON DELETE ");
            s.push_str(fk.on_delete.sql());
        }
        if fk.on_update != Action::NoAction {
            s.push_str(" ON UPDATE ");
            s.push_str(fk.on_update.sql());
        }
        s
    }
}

/// The parts inside `CREATE TABLE (...)`: columns, then the primary key (unless a column
/// carries it inline), checks and foreign keys.
pub(crate) fn table_elements(
    d: &dyn super::SqlDialect,
    table: &crate::schema::Table,
    inline_primary_key: bool,
) -> Vec<String> {
    let mut parts: Vec<String> = table
        .columns
        .iter()
        .map(|c| d.column_sql(table, c))
        .collect();
    if !table.primary_key.is_empty() && !inline_primary_key {
        parts.push(format!(
            "PRIMARY KEY ({})",
            clauses::list(d, &table.primary_key)
        ));
    }
    parts.extend(table.checks.iter().map(|c| clauses::check(d, c)));
    parts.extend(
        table
            .foreign_keys
            .iter()
            .map(|fk| clauses::foreign_key(d, fk)),
    );
    parts
}

/// `CREATE VIEW name AS query` (`CREATE OR REPLACE VIEW` where it `replaces` one): the
/// query as the user wrote it.
pub(crate) fn create_view(
    d: &dyn super::SqlDialect,
    view: &crate::schema::View,
    replaces: bool,
) -> String {
    let or_replace = if replaces { " OR REPLACE" } else { "" };
    format!(
        "CREATE{or_replace} VIEW {} AS {}",
        d.quote(&view.name),
        view.sql.trim()
    )
}

/// `CREATE TABLE name (\n  a,\n  b\n)` followed by `suffix`.
pub(crate) fn create_table(
    d: &dyn super::SqlDialect,
    name: &str,
    elements: &[String],
    suffix: &str,
) -> String {
    format!(
        "CREATE TABLE {} (\n  {}\n){suffix}",
        d.quote(name),
        elements.join(",\n  ")
    )
}

/// `CREATE [UNIQUE] INDEX name ON table (cols) [WHERE predicate]`.
pub(crate) fn create_index(
    d: &dyn super::SqlDialect,
    table: &str,
    index: &crate::schema::Index,
) -> String {
    let mut s = format!(
        "CREATE {}INDEX {} ON {} ({})",
        if index.unique { "UNIQUE " } else { "" },
        d.quote(&index.name),
        d.quote(table),
        clauses::index_parts(d, index)
    );
    if let Some(p) = &index.predicate {
        s.push_str(" WHERE ");
        s.push_str(p);
    }
    s
}

/// The values of `ENUM('a','b')` as a catalog spells it (any case; `''` for a quote, and
/// `\\` escapes when `backslash` is set, as MySQL prints them), or `None` for any other type.
pub fn enum_values(sql: &str, backslash: bool) -> Option<Vec<String>> {
    let rest = sql.trim();
    let rest = rest
        .get(..4)
        .filter(|head| head.eq_ignore_ascii_case("enum"))
        .map(|_| rest[4..].trim_start())?;
    let mut chars = rest
        .strip_prefix('(')?
        .strip_suffix(')')?
        .chars()
        .peekable();
    let mut values = Vec::new();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.next()? != '\'' {
            return None;
        }
        let mut value = String::new();
        loop {
            match chars.next()? {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    value.push('\'');
                }
                '\'' => break,
                '\\' if backslash => value.push(chars.next()?),
                c => value.push(c),
            }
        }
        values.push(value);
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.next() {
            None => return Some(values),
            Some(',') => {}
            Some(_) => return None,
        }
    }
}

/// `ENUM('a','b')`: the SQL of an enum's values, each quoted.
pub fn enum_sql(values: &[String], backslash: bool) -> String {
    let quoted: Vec<String> = values.iter().map(|v| quote_string(v, backslash)).collect();
    format!("ENUM({})", quoted.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_normalization() {
        assert_eq!(normalize_sql("((a  >  0))"), "a > 0");
        assert_eq!(normalize_sql("(a) AND (b)"), "(a) AND (b)");
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(quote_string("it's", false), "'it''s'");
        assert_eq!(quote_string(r"a\b", false), r"'a\b'");
        assert_eq!(quote_string(r"a\b'", true), r"'a\\b'''");
    }
}
