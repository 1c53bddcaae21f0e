//! SQLite's normalization, both directions, in one place: what a desired table becomes in
//! SQLite (the rowid key), and how SQLite's catalog spellings read back into the model
//! (type aliases such as `INT`, `DECIMAL(12, 2)` or `FLOAT`, which other tools write, and
//! defaults such as `1` on a `BOOLEAN` column, which is how SQLAlchemy writes `true`).

use crate::dialect::sql::sized_type;
use crate::dialect::{SqlDialect, is_number, normalize_default, normalize_type};
use crate::schema::{Column, DefaultValue, Table, Type};

/// Whether a column declared `declared` is SQLite's rowid alias in a table whose primary
/// key is `primary_key`: only the exact type name `INTEGER` on a sole key column is
/// (<https://www.sqlite.org/lang_createtable.html#rowid>). This is the rowid rule; the
/// desired side ([`desired_table`]) and introspection both use it.
pub fn is_rowid_alias(declared: &str, primary_key: &[String], column: &str) -> bool {
    declared.trim().eq_ignore_ascii_case("INTEGER")
        && matches!(primary_key, [only] if only == column)
}

/// A desired table as SQLite will hold it: a sole primary key that renders `INTEGER` (an
/// `int`, or any auto-increment key) is the rowid, auto-increment and NOT NULL.
pub fn desired_table(table: &mut Table) {
    let pk = table.primary_key.clone();
    for c in &mut table.columns {
        let declared = super::Sqlite.column_type_sql(c);
        if is_rowid_alias(&declared, &pk, &c.name) {
            rowid(c);
        }
    }
}

/// Marks `column` as the rowid: an auto-increment, NOT NULL integer.
pub fn rowid(column: &mut Column) {
    column.auto_increment = true;
    column.nullable = false;
    column.ty = Type::Int;
}

/// A declared type as SQLite keeps it, read into the model. Spellings with the same meaning
/// read the same (`INT` and `INTEGER`, `NUMERIC` and `DECIMAL`, `REAL` and `FLOAT`).
pub fn parse_type(sql: &str) -> Type {
    let norm = normalize_type(sql);
    match norm.as_str() {
        "BOOLEAN" | "BOOL" => Type::Bool,
        "SMALLINT" | "INT2" => Type::SmallInt,
        "INTEGER" | "INT" | "INT4" => Type::Int,
        "BIGINT" | "INT8" => Type::BigInt,
        "REAL" | "FLOAT" | "FLOAT4" => Type::Float,
        "DOUBLE" | "DOUBLE PRECISION" | "FLOAT8" => Type::Double,
        "TEXT" | "CLOB" => Type::Text,
        "BLOB" => Type::Bytes,
        "DATE" => Type::Date,
        "TIME" => Type::Time,
        "DATETIME" => Type::DateTime,
        "TIMESTAMP" => Type::Timestamp,
        "CHAR(36)" => Type::Uuid,
        "JSON" => Type::Json,
        _ => sized_type(
            &norm,
            &["VARCHAR", "CHARACTER VARYING"],
            &["NUMERIC", "DECIMAL"],
        )
        .unwrap_or(Type::Raw(norm)),
    }
}

/// A default as SQLite reports it (`'it''s'`, `12`, `TRUE`, `(CURRENT_TIMESTAMP)`), read for
/// a column of type `ty`.
pub fn parse_default(sql: &str, ty: &Type) -> DefaultValue {
    let s = sql.trim();
    // A default names no column, so SQLite reads `"abc"` there as the string 'abc'.
    let quoted = |q: char| {
        s.strip_prefix(q)
            .and_then(|r| r.strip_suffix(q))
            .filter(|inner| !inner.replace(&format!("{q}{q}"), "").contains(q))
            .map(|inner| inner.replace(&format!("{q}{q}"), &q.to_string()))
    };
    let value = if let Some(text) = quoted('\'').or_else(|| quoted('"')) {
        DefaultValue::String(text)
    } else {
        match s.to_ascii_uppercase().as_str() {
            "TRUE" => DefaultValue::Bool(true),
            "FALSE" => DefaultValue::Bool(false),
            _ if is_number(s) => DefaultValue::Number(s.to_string()),
            _ => DefaultValue::Sql(crate::dialect::sql::normalize_sql(s)),
        }
    };
    normalize_default(value, ty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_with_one_meaning_read_the_same() {
        assert_eq!(parse_type("INT"), Type::Int);
        assert_eq!(parse_type("integer"), Type::Int);
        assert_eq!(
            parse_type("decimal(12, 2)"),
            Type::Decimal {
                precision: 12,
                scale: 2
            }
        );
        assert_eq!(parse_type("NUMERIC(12,2)"), parse_type("DECIMAL(12,2)"));
        assert_eq!(parse_type("FLOAT"), Type::Float);
        assert_eq!(
            parse_type("varchar( 20 )"),
            Type::String { length: Some(20) }
        );
        assert_eq!(parse_type("CHAR(32)"), Type::Raw("CHAR(32)".into()));
    }

    #[test]
    fn defaults_as_sqlite_reports_them() {
        assert_eq!(
            parse_default("'it''s'", &Type::Text),
            DefaultValue::String("it's".into())
        );
        assert_eq!(parse_default("TRUE", &Type::Bool), DefaultValue::Bool(true));
        assert_eq!(
            parse_default("\"a\"\"b\"", &Type::Text),
            DefaultValue::String("a\"b".into())
        );
        assert_eq!(parse_default("1", &Type::Bool), DefaultValue::Bool(true));
        assert_eq!(parse_default("'0'", &Type::Bool), DefaultValue::Bool(false));
        assert_eq!(
            parse_default("-1.5", &Type::Double),
            DefaultValue::Number("-1.5".into())
        );
        assert_eq!(
            parse_default("(CURRENT_TIMESTAMP)", &Type::DateTime),
            DefaultValue::Sql("CURRENT_TIMESTAMP".into())
        );
    }

    #[test]
    fn only_integer_is_the_rowid() {
        let pk = ["id".to_string()];
        assert!(is_rowid_alias("INTEGER", &pk, "id"));
        assert!(is_rowid_alias("integer", &pk, "id"));
        assert!(!is_rowid_alias("INT", &pk, "id"));
        assert!(!is_rowid_alias("BIGINT", &pk, "id"));
        assert!(!is_rowid_alias("INTEGER", &["id".into(), "x".into()], "id"));
    }
}
