//! What changing a column's type does to the values MySQL and MariaDB store. `MODIFY
//! COLUMN` converts every value; the strict session turns a value that does not fit into an
//! error (a string too long, a text that is not a number), but some conversions are only
//! notes, even in strict mode, and change values silently: a decimal's scale rounds
//! (`1.25` into `DECIMAL(5,1)` is `1.3`, and so is the text `'1.25'`), a `DATETIME` into a
//! `DATE` drops the time of day, a `DOUBLE` into a `FLOAT` keeps 24 bits of mantissa.
//! Preflight counts both kinds first, so that apply refuses before a statement runs.
//!
//! The server decides, with a round trip where `CAST` can spell one: the value converted
//! and converted back must be the stored one (`NOT (CAST(CAST(c AS new) AS old) <=> c)`).
//! A `CAST` in a `SELECT` warns instead of failing (MySQL 9 raises on a `FLOAT` out of
//! range, so that case is decided before the cast). What counts as "the same value" follows
//! the user's reading: text into a number is compared as a number (`'1.50'` into
//! `DECIMAL(5,1)` is `1.5`, kept; `'1.55'` is `1.6`, lost), text into a date as a datetime.
//!
//! Hand-written rules stay where `CAST` has no target for the new type: there is no
//! `SMALLINT`, `INT` or `TIMESTAMP` target (integer ranges and the `TIMESTAMP` range,
//! 1970 to 2038, are written out), no way back from a `TIME` to a date (a date or datetime
//! into a `TIME` loses every date), and text length and JSON validity are read directly.
//! CAST targets, checked on MariaDB 10.11 and MySQL 9.7: `CHAR(n)`, `DATE`, `DATETIME`,
//! `TIME`, `DECIMAL(p,s)`, `DOUBLE`, `FLOAT`, `SIGNED`, `UNSIGNED` (MySQL also `JSON`).

use super::Mysql;
use crate::dialect::{DataEffect, SqlDialect, quote_string};
use crate::schema::{Column, Type};

pub fn data_effect(d: &Mysql, from: &Column, to: &Column) -> DataEffect {
    if from.ty == to.ty || from.ty.widens_to(&to.ty) {
        return DataEffect::Keeps;
    }
    let col = d.quote(&from.name);
    DataEffect::Converts {
        lossy: misfits(&col, &from.ty, &to.ty),
    }
}

/// The `CAST` target that holds every value of `ty` as it is, if there is one.
fn cast_target(ty: &Type) -> Option<String> {
    Some(match ty {
        Type::Bool | Type::SmallInt | Type::Int | Type::BigInt => "SIGNED".into(),
        Type::Float => "FLOAT".into(),
        Type::Double => "DOUBLE".into(),
        Type::Decimal { precision, scale } => format!("DECIMAL({precision},{scale})"),
        Type::Date => "DATE".into(),
        Type::DateTime | Type::Timestamp => "DATETIME".into(),
        Type::Time => "TIME".into(),
        _ => return None,
    })
}

/// The largest magnitude a `FLOAT` holds; MySQL 9 raises on a larger one in a `CAST`.
const FLOAT_MAX: &str = "3.4028234663852886e38";

/// True for a text `col` that is no datetime, or one whose fraction of a second a
/// `DATETIME` (whole seconds) would round away.
fn text_datetime(col: &str) -> String {
    format!(
        "(CAST({col} AS DATETIME) IS NULL OR NOT (CAST({col} AS DATETIME) <=> CAST({col} AS DATETIME(6))))"
    )
}

/// An SQL condition, true for the values of `col` (now `from`) that `to` cannot hold.
fn misfits(col: &str, from: &Type, to: &Type) -> Option<String> {
    if let Type::Enum { values, .. } = to {
        // Compared byte for byte: under a case-insensitive collation `MODIFY` would store
        // `'Admin'` as the enum's `'admin'`, another value.
        let list: Vec<String> = values.iter().map(|v| quote_string(v, true)).collect();
        return Some(format!(
            "{col} IS NOT NULL AND CAST({col} AS BINARY) NOT IN ({})",
            list.join(", ")
        ));
    }
    // An enum is its label as text, but its index as a number or a date.
    if matches!(from, Type::Enum { .. }) && !matches!(to, Type::String { .. } | Type::Text) {
        return Some(format!("{col} IS NOT NULL"));
    }
    let textual = matches!(
        from,
        Type::String { .. } | Type::Text | Type::Uuid | Type::Json | Type::Enum { .. }
    );
    let temporal = matches!(
        from,
        Type::Date | Type::DateTime | Type::Timestamp | Type::Time
    );
    let integer = format!("CAST({col} AS CHAR) NOT REGEXP '^-?[0-9]+$'");
    let decimal = format!("CAST({col} AS CHAR) NOT REGEXP '^-?[0-9]+(\\\\.[0-9]+)?$'");
    // A text with a non-zero digit after the first `scale` of its fraction rounds.
    let rounds =
        |scale: u32| format!("CAST({col} AS CHAR) REGEXP '\\\\.[0-9]{{{scale}}}[0-9]*[1-9]'");
    // The widest reference, `DECIMAL(65,30)`, holds 35 digits before the point and 30
    // after: a text beyond that cannot be compared through it, and counts as lost.
    let beyond_reference = format!(
        "({} OR CAST({col} AS CHAR) REGEXP '^-?[0-9]{{36}}')",
        rounds(30)
    );
    // No SMALLINT or INT target: the range is written out, the fraction checked by ROUND.
    let range = |lo: &str, hi: &str| {
        if textual {
            format!(
                "{col} IS NOT NULL AND ({integer} OR CAST({col} AS DECIMAL(65,0)) NOT BETWEEN {lo} AND {hi})"
            )
        } else {
            format!(
                "{col} IS NOT NULL AND ({col} <> ROUND({col}) OR {col} NOT BETWEEN {lo} AND {hi})"
            )
        }
    };
    // Converted to `target` and back to the old type, the value must be the stored one.
    let round_trip = |target: &str| {
        let back = cast_target(from)?;
        Some(format!(
            "{col} IS NOT NULL AND NOT (CAST(CAST({col} AS {target}) AS {back}) <=> {col})"
        ))
    };
    // Text into a number: compared as numbers, through the number's own text (the
    // shortest that reads back). `guard` decides first where the cast itself would raise.
    let text_number = |target: &str, guard: Option<&str>| {
        let lost = format!(
            "NOT (CAST(CAST(CAST({col} AS {target}) AS CHAR) AS DECIMAL(65,30)) <=> CAST({col} AS DECIMAL(65,30)))"
        );
        let lost = match guard {
            Some(g) => format!("CASE WHEN {g} THEN TRUE ELSE {lost} END"),
            None => lost,
        };
        format!("{col} IS NOT NULL AND ({decimal} OR {beyond_reference} OR {lost})")
    };
    let number = matches!(
        from,
        Type::Bool
            | Type::SmallInt
            | Type::Int
            | Type::BigInt
            | Type::Float
            | Type::Double
            | Type::Decimal { .. }
    );
    let into_number = matches!(
        to,
        Type::Bool
            | Type::SmallInt
            | Type::Int
            | Type::BigInt
            | Type::Float
            | Type::Double
            | Type::Decimal { .. }
    );
    let into_temporal = matches!(
        to,
        Type::Date | Type::DateTime | Type::Timestamp | Type::Time
    );
    // `MODIFY` reads a date as a number (`20240102`) and a number as a date; a time gets
    // today's date. None of it is the stored value: every one is lost.
    if (temporal && into_number)
        || (number && into_temporal)
        || (matches!(from, Type::Time) && into_temporal)
    {
        return Some(format!("{col} IS NOT NULL"));
    }
    Some(match to {
        // Text stays text; a number or a date is spelled by `CAST ... AS CHAR` as by
        // `MODIFY`: the length is the round trip.
        Type::String { length: Some(n) } => {
            format!("{col} IS NOT NULL AND CHAR_LENGTH(CAST({col} AS CHAR)) > {n}")
        }
        Type::Uuid => format!("{col} IS NOT NULL AND CHAR_LENGTH(CAST({col} AS CHAR)) > 36"),
        Type::Json if textual => format!("{col} IS NOT NULL AND NOT JSON_VALID({col})"),
        // Text compares with numbers as a number (`'x' = 0`): compare text with text.
        Type::Bool if textual => {
            format!("{col} IS NOT NULL AND CAST({col} AS CHAR) NOT IN ('0', '1')")
        }
        Type::Bool => format!("{col} IS NOT NULL AND {col} NOT IN (0, 1)"),
        // A value that is not a date casts to NULL (with a warning, in a SELECT), as the
        // strict session refuses it in `MODIFY COLUMN`; a time of day is dropped.
        Type::Date if !temporal => format!(
            "{col} IS NOT NULL AND (CAST({col} AS DATE) IS NULL \
             OR NOT (CAST(CAST({col} AS DATE) AS DATETIME) <=> CAST({col} AS DATETIME)))"
        ),
        Type::Date => round_trip("DATE")?,
        // No cast back from a time to a date: every date is lost.
        Type::Time if temporal => format!("{col} IS NOT NULL"),
        // A text into a time must be the time's own text (`'10'` would be `00:00:10`).
        Type::Time => format!(
            "{col} IS NOT NULL AND NOT (CAST(CAST({col} AS TIME(6)) AS CHAR) <=> {col} \
             OR CAST(CAST({col} AS TIME) AS CHAR) <=> {col})"
        ),
        // No TIMESTAMP target: its range (seconds 1 to 2^31-1 since 1970 UTC) is written
        // out; `UNIX_TIMESTAMP` reads the value in the session's time zone, as `MODIFY`
        // does, and is NULL (MariaDB) or 0 (MySQL) outside its own range.
        Type::Timestamp => {
            let valid = if temporal {
                String::new()
            } else {
                format!("{} OR ", text_datetime(col))
            };
            format!(
                "{col} IS NOT NULL AND ({valid}COALESCE(UNIX_TIMESTAMP({col}), 0) NOT BETWEEN 1 AND 2147483647)"
            )
        }
        Type::DateTime if !temporal => format!("{col} IS NOT NULL AND {}", text_datetime(col)),
        Type::DateTime => round_trip("DATETIME")?,
        Type::SmallInt => range("-32768", "32767"),
        Type::Int => range("-2147483648", "2147483647"),
        Type::BigInt => range("-9223372036854775808", "9223372036854775807"),
        Type::Float if textual => text_number(
            "FLOAT",
            Some(&format!("ABS(CAST({col} AS DOUBLE)) > {FLOAT_MAX}")),
        ),
        Type::Double if textual => text_number("DOUBLE", None),
        Type::Decimal { precision, scale } if textual => format!(
            "{col} IS NOT NULL AND ({decimal} OR {} OR ABS(CAST({col} AS DECIMAL(65,30))) >= 1e{} \
             OR NOT (CAST({col} AS DECIMAL({precision},{scale})) <=> CAST({col} AS DECIMAL(65,30))))",
            rounds(*scale),
            precision - scale
        ),
        // Kept bit for bit is not enough: the server prints a FLOAT with six significant
        // digits (`-1000001` reads back as `-1000000`, on MySQL 9 and MariaDB alike), and
        // that text is the value an application reading it gets.
        Type::Float if !temporal => format!(
            "{col} IS NOT NULL AND CASE WHEN ABS({col}) > {FLOAT_MAX} THEN TRUE \
             ELSE NOT (CAST(CAST({col} AS FLOAT) AS {back}) <=> {col}) \
             OR NOT (CAST(CAST(CAST({col} AS FLOAT) AS CHAR) AS DECIMAL(65,30)) <=> CAST({col} AS DECIMAL(65,30))) END",
            back = cast_target(from)?
        ),
        Type::Double if !temporal => round_trip("DOUBLE")?,
        Type::Decimal { precision, scale } if !temporal => format!(
            "{col} IS NOT NULL AND (ABS({col}) >= 1e{} OR NOT (CAST({col} AS DECIMAL({precision},{scale})) <=> {col}))",
            precision - scale
        ),
        _ => return None,
    })
}
