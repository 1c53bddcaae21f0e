//! The bytes a MySQL column takes in the server's row-size count and in an index key, from
//! the type the column is created with (its SQL spelling, so hints and raw types count too).
//!
//! The row-size figures are MySQL's storage requirements
//! (<https://dev.mysql.com/doc/refman/8.4/en/storage-requirements.html>), checked at the
//! boundary on MariaDB 10.11 and MySQL 9.7 (`tests/mysql_limits.rs`): a `VARCHAR(n)` counts
//! its largest byte length plus one or two length bytes, a TEXT, BLOB or JSON column 9 to 12
//! bytes (its pointer), a nullable column one bit. A type this file does not know counts
//! nothing, so that a total is never above what the server counts: `check` refuses only a
//! row the server would refuse.

use crate::schema::{Column, Table};

/// MySQL's limit on the bytes of one row, whatever the storage engine.
pub const MAX_ROW_BYTES: u32 = 65_535;

/// The bytes one character of `column` can take: its own character set, else its
/// collation's, else the table's, else utf8mb4 (MySQL 8's default, and what Debian's
/// MariaDB is configured with). An unknown character set counts one byte.
pub fn bytes_per_char(table: &Table, column: &Column) -> u32 {
    let named = column
        .charset
        .clone()
        .or_else(|| column.collate.as_deref().map(charset_of))
        .or_else(|| table.options.charset.clone())
        .or_else(|| table.options.collate.as_deref().map(charset_of));
    match named {
        None => 4,
        Some(c) => match c.to_ascii_lowercase().as_str() {
            "utf8mb4" | "utf16" | "utf16le" | "utf32" | "gb18030" => 4,
            "utf8" | "utf8mb3" | "ujis" | "eucjpms" => 3,
            "ucs2" | "big5" | "gbk" | "gb2312" | "sjis" | "cp932" | "euckr" => 2,
            _ => 1,
        },
    }
}

/// The character set a collation belongs to (`latin1_swedish_ci`: `latin1`).
fn charset_of(collation: &str) -> String {
    collation.split('_').next().unwrap_or(collation).to_string()
}

/// A type's SQL spelling taken apart: `VARCHAR(20) CHARACTER SET latin1` is `VARCHAR` and
/// `[20]`.
pub(super) fn parts(sql: &str) -> (String, Vec<u32>) {
    let sql = sql.trim().to_ascii_uppercase();
    let name_end = sql
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(sql.len());
    let name = sql[..name_end].to_string();
    let args = sql[name_end..]
        .trim_start()
        .strip_prefix('(')
        .and_then(|rest| rest.split_once(')'))
        .map(|(inside, _)| {
            inside
                .split(',')
                .filter_map(|a| a.trim().parse().ok())
                .collect()
        })
        .unwrap_or_default();
    (name, args)
}

/// The bytes of a `DECIMAL(precision, scale)`: nine digits in four bytes, on each side of
/// the point, the leftover digits in one to four.
fn decimal_bytes(precision: u32, scale: u32) -> u32 {
    let digits = |n: u32| (n / 9) * 4 + [0, 1, 1, 2, 2, 3, 3, 4, 4][(n % 9) as usize];
    digits(precision.saturating_sub(scale)) + digits(scale)
}

/// The bytes of fractional seconds of precision `fsp`.
fn fraction_bytes(fsp: Option<&u32>) -> u32 {
    fsp.map_or(0, |p| p.div_ceil(2))
}

/// The bytes `column` counts towards [`MAX_ROW_BYTES`], its NULL bit aside; `sql` is its
/// type as created.
pub fn row_bytes(sql: &str, bytes_per_char: u32) -> u32 {
    let (name, args) = parts(sql);
    let first = args.first().copied();
    let variable = |max: u32| max + if max > 255 { 2 } else { 1 };
    match name.as_str() {
        "TINYINT" | "BOOL" | "BOOLEAN" | "YEAR" => 1,
        "SMALLINT" => 2,
        "MEDIUMINT" | "DATE" => 3,
        "INT" | "INTEGER" => 4,
        "BIGINT" | "DOUBLE" | "REAL" => 8,
        "FLOAT" => match first {
            Some(p) if p > 24 => 8,
            _ => 4,
        },
        "DECIMAL" | "NUMERIC" | "DEC" | "FIXED" => {
            decimal_bytes(first.unwrap_or(10), args.get(1).copied().unwrap_or(0))
        }
        "BIT" => first.unwrap_or(1).div_ceil(8),
        "TIME" => 3 + fraction_bytes(args.first()),
        "DATETIME" => 5 + fraction_bytes(args.first()),
        "TIMESTAMP" => 4 + fraction_bytes(args.first()),
        "CHAR" => first.unwrap_or(1).saturating_mul(bytes_per_char),
        "BINARY" => first.unwrap_or(1),
        "VARCHAR" => variable(first.unwrap_or(0).saturating_mul(bytes_per_char)),
        "VARBINARY" => variable(first.unwrap_or(0)),
        "TINYTEXT" | "TINYBLOB" => 9,
        "TEXT" | "BLOB" => 10,
        "MEDIUMTEXT" | "MEDIUMBLOB" => 11,
        "LONGTEXT" | "LONGBLOB" | "JSON" => 12,
        "UUID" | "INET6" => 16,
        "INET4" => 4,
        _ => 0,
    }
}

/// The bytes `column` adds to an index key on it (strings at their largest byte length; a
/// type that cannot be a key, or an unknown one, counts nothing).
pub fn key_bytes(sql: &str, bytes_per_char: u32) -> u32 {
    let (name, args) = parts(sql);
    match name.as_str() {
        "VARCHAR" | "CHAR" => args
            .first()
            .copied()
            .unwrap_or(1)
            .saturating_mul(bytes_per_char),
        "VARBINARY" | "BINARY" => args.first().copied().unwrap_or(1),
        "TEXT" | "TINYTEXT" | "MEDIUMTEXT" | "LONGTEXT" | "BLOB" | "TINYBLOB" | "MEDIUMBLOB"
        | "LONGBLOB" | "JSON" => 0,
        _ => row_bytes(sql, bytes_per_char),
    }
}

/// The bytes `table`'s row counts on MySQL: each column's [`row_bytes`] and a bit per
/// nullable column. `sql_of` gives a column's type as created.
pub fn table_row_bytes(table: &Table, sql_of: impl Fn(&Column) -> String) -> u32 {
    let columns: u32 = table
        .columns
        .iter()
        .map(|c| row_bytes(&sql_of(c), bytes_per_char(table, c)))
        .fold(0, u32::saturating_add);
    let nullable = table.columns.iter().filter(|c| c.nullable).count() as u32;
    columns.saturating_add(nullable.div_ceil(8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_count_what_the_server_counts() {
        assert_eq!(row_bytes("VARCHAR(16383)", 4), 65_534);
        assert_eq!(row_bytes("VARCHAR(63)", 4), 253);
        assert_eq!(row_bytes("VARCHAR(64)", 4), 258);
        assert_eq!(row_bytes("varchar(20) character set latin1", 1), 21);
        assert_eq!(row_bytes("DECIMAL(10,2)", 4), 5);
        assert_eq!(row_bytes("DECIMAL(65,30)", 4), 30);
        assert_eq!(row_bytes("DATETIME(6)", 4), 8);
        assert_eq!(row_bytes("TEXT", 4), 10);
        assert_eq!(row_bytes("TINYINT(1)", 4), 1);
        assert_eq!(row_bytes("GEOMETRY", 4), 0);
        assert_eq!(key_bytes("VARCHAR(768)", 4), 3072);
        assert_eq!(key_bytes("TEXT", 4), 0);
        assert_eq!(key_bytes("BIGINT", 4), 8);
    }
}
