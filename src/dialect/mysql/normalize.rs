//! The MySQL family's normalization, both directions: how `information_schema` spellings
//! read back into the model (`int(11)` and `int`, `tinyint(1)` as bool, defaults quoted by
//! MariaDB and bare in MySQL) and what a desired table becomes on the server.

use super::version::Server;
use crate::dialect::sql::sized_type;
use crate::dialect::{is_number, normalize_default, normalize_type};
use crate::schema::{DefaultValue, Type};

/// A column type as the catalog (`COLUMN_TYPE`) or a hint spells it.
pub fn parse_type(sql: &str) -> Type {
    let norm = normalize_type(sql);
    // MariaDB and MySQL before 8.0.19 report display widths: `int(11)`, `bigint(20)`.
    let no_width = |name: &str| {
        norm == name
            || norm
                .strip_prefix(name)
                .is_some_and(|r| r.starts_with('(') && r.ends_with(')') && !r.contains(','))
    };
    match norm.as_str() {
        "TINYINT(1)" | "BOOL" | "BOOLEAN" => Type::Bool,
        "FLOAT" => Type::Float,
        "DOUBLE" => Type::Double,
        "TEXT" => Type::Text,
        "LONGBLOB" => Type::Bytes,
        "DATE" => Type::Date,
        "TIME" => Type::Time,
        "DATETIME" => Type::DateTime,
        "TIMESTAMP" => Type::Timestamp,
        "CHAR(36)" => Type::Uuid,
        "JSON" => Type::Json,
        _ if no_width("SMALLINT") => Type::SmallInt,
        _ if no_width("INT") || no_width("INTEGER") => Type::Int,
        _ if no_width("BIGINT") => Type::BigInt,
        _ => sized_type(&norm, &["VARCHAR"], &["DECIMAL"]).unwrap_or(Type::Raw(norm)),
    }
}

/// A `COLUMN_DEFAULT` as `server` reports it, for a column of type `ty`. MariaDB quotes
/// string literals (`'it''s'`) and writes `current_timestamp()`; MySQL leaves literals bare
/// and marks expressions with `DEFAULT_GENERATED` in `EXTRA` (`generated`).
pub fn parse_default(server: &Server, sql: &str, ty: &Type, generated: bool) -> DefaultValue {
    let s = sql.trim();
    let keyword = s.trim_end_matches("()").to_ascii_uppercase();
    let value = if crate::dialect::is_sql_keyword_default(&keyword) {
        DefaultValue::Sql(keyword)
    } else if generated {
        DefaultValue::Sql(crate::diff::normalize_sql(s))
    } else if server.quotes_string_defaults() {
        match s.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
            Some(inner) => DefaultValue::String(inner.replace("''", "'").replace("\\\\", "\\")),
            None if is_number(s) => DefaultValue::Number(s.to_string()),
            None => DefaultValue::Sql(crate::diff::normalize_sql(s)),
        }
    } else if is_number(s) {
        DefaultValue::Number(s.to_string())
    } else {
        DefaultValue::String(s.to_string())
    };
    normalize_default(value, ty)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MARIADB: Server = Server {
        flavor: super::super::version::Flavor::Mariadb,
        version: (10, 11, 6),
    };

    /// Catalog rows as MySQL 9.7.4 and MariaDB 10.11 report the same DDL (tech-facts §6).
    #[test]
    fn both_spellings_read_the_same() {
        assert_eq!(parse_type("int(11)"), parse_type("int"));
        assert_eq!(parse_type("bigint(20)"), Type::BigInt);
        assert_eq!(parse_type("tinyint(1)"), Type::Bool);
        let text = Type::String { length: Some(20) };
        assert_eq!(
            parse_default(&MARIADB, "'it''s'", &text, false),
            parse_default(&Server::OFFLINE, "it's", &text, false)
        );
        assert_eq!(
            parse_default(&MARIADB, "current_timestamp()", &Type::DateTime, false),
            parse_default(&Server::OFFLINE, "CURRENT_TIMESTAMP", &Type::DateTime, true)
        );
        assert_eq!(
            parse_default(&MARIADB, "1", &Type::Bool, false),
            DefaultValue::Bool(true)
        );
        assert_eq!(
            parse_default(&Server::OFFLINE, "1.50", &Type::Double, false),
            DefaultValue::Number("1.50".into())
        );
    }
}
