//! PostgreSQL's normalization, both directions: how `pg_catalog` spellings
//! (`character varying(20)`, `timestamp with time zone`, defaults with casts such as
//! `'x'::character varying`) read back into the model.

use crate::dialect::sql::sized_type;
use crate::dialect::{is_number, normalize_default, normalize_type};
use crate::schema::{DefaultValue, Type};

/// A column type as `format_type()` or a hint spells it.
pub fn parse_type(sql: &str) -> Type {
    let norm = normalize_type(sql);
    match norm.as_str() {
        "BOOLEAN" | "BOOL" => Type::Bool,
        "SMALLINT" | "INT2" => Type::SmallInt,
        "INTEGER" | "INT" | "INT4" => Type::Int,
        "BIGINT" | "INT8" => Type::BigInt,
        "REAL" | "FLOAT4" => Type::Float,
        "DOUBLE PRECISION" | "FLOAT8" => Type::Double,
        "TEXT" => Type::Text,
        "BYTEA" => Type::Bytes,
        "DATE" => Type::Date,
        "TIME" | "TIME WITHOUT TIME ZONE" => Type::Time,
        "TIMESTAMP" | "TIMESTAMP WITHOUT TIME ZONE" => Type::DateTime,
        "TIMESTAMPTZ" | "TIMESTAMP WITH TIME ZONE" => Type::Timestamp,
        "UUID" => Type::Uuid,
        "JSONB" => Type::Json,
        _ => sized_type(
            &norm,
            &["VARCHAR", "CHARACTER VARYING"],
            &["NUMERIC", "DECIMAL"],
        )
        .unwrap_or(Type::Raw(norm)),
    }
}

/// A default as `pg_get_expr()` prints it, for a column of type `ty`: a literal with its cast
/// (`'it''s'::text`, `'5'::integer`) reads as the literal.
pub fn parse_default(sql: &str, ty: &Type) -> DefaultValue {
    let s = sql.trim();
    let uncast = match s.rfind("::") {
        Some(i) if s.starts_with('\'') && s[..i].ends_with('\'') => &s[..i],
        _ => s,
    };
    let value = if let Some(inner) = uncast
        .strip_prefix('\'')
        .and_then(|r| r.strip_suffix('\''))
        .filter(|inner| !inner.replace("''", "").contains('\''))
    {
        DefaultValue::String(inner.replace("''", "'"))
    } else {
        match s.to_ascii_lowercase().as_str() {
            "true" => DefaultValue::Bool(true),
            "false" => DefaultValue::Bool(false),
            "now()" => DefaultValue::Sql("CURRENT_TIMESTAMP".into()),
            _ if is_number(s) => DefaultValue::Number(s.to_string()),
            _ => DefaultValue::Sql(crate::diff::normalize_sql(s)),
        }
    };
    normalize_default(value, ty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_spellings() {
        assert_eq!(
            parse_type("character varying(20)"),
            Type::String { length: Some(20) }
        );
        assert_eq!(parse_type("timestamp with time zone"), Type::Timestamp);
        assert_eq!(
            parse_default(
                "'it''s'::character varying",
                &Type::String { length: Some(9) }
            ),
            DefaultValue::String("it's".into())
        );
        assert_eq!(
            parse_default("'5'::integer", &Type::Int),
            DefaultValue::Number("5".into())
        );
        assert_eq!(
            parse_default("false", &Type::Bool),
            DefaultValue::Bool(false)
        );
        assert_eq!(
            parse_default("now()", &Type::Timestamp),
            DefaultValue::Sql("CURRENT_TIMESTAMP".into())
        );
    }
}
