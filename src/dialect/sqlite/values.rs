//! What a column change does to the values SQLite stores. SQLite keeps values by storage
//! class, converted only by the new column's affinity when the rebuild copies them
//! (<https://www.sqlite.org/datatype3.html#type_affinity>). A declared-type change that
//! keeps every value as it is (`TIMESTAMP` to `DATETIME`, `INT` key to the rowid) is not
//! destructive here; one that converts values is, and the values that would not fit the new
//! type (`'abc'` or `'12.5'` into an `int`, a string over its new length) are counted by
//! preflight and refused.
//!
//! These rules are written by hand, not asked of the server as a round trip: SQLite's
//! `CAST` converts by storage class and never fails or truncates (`CAST('abc' AS INTEGER)`
//! is 0, a `VARCHAR(5)` holds any length), so a round trip through it would find nothing.
//! What the rules check is what the portable type promises: the value fits the new type as
//! the other databases would read it.

use super::Sqlite;
use crate::dialect::{DataEffect, SqlDialect};
use crate::schema::{Column, Type};

/// The effect of changing `from` (live) into `to` (desired) on SQLite.
pub fn data_effect(d: &Sqlite, from: &Column, to: &Column) -> DataEffect {
    let col = d.quote(&from.name);
    if !from.auto_increment && to.auto_increment {
        // The rowid holds integers only, and gives a NULL key a new value.
        return DataEffect::Checked {
            lossy: format!("{col} IS NULL OR typeof({col}) <> 'integer'"),
        };
    }
    if from.ty == to.ty || from.ty.widens_to(&to.ty) || same_values(&from.ty, &to.ty) {
        return DataEffect::Keeps;
    }
    DataEffect::Converts {
        lossy: misfits(&col, &to.ty),
    }
}

/// Whether SQLite stores and reads every value of `a` unchanged as `b`.
fn same_values(a: &Type, b: &Type) -> bool {
    use Type::{DateTime, Timestamp};
    matches!((a, b), (DateTime, Timestamp) | (Timestamp, DateTime))
}

/// A condition true for the stored values of `col` that would not fit `to` once copied.
fn misfits(col: &str, to: &Type) -> Option<String> {
    // A text survives into an integer only if it reads back as the same text.
    let as_integer = format!(
        "typeof({col}) = 'integer' OR (typeof({col}) = 'real' AND {col} = CAST({col} AS INTEGER)) \
         OR (typeof({col}) = 'text' AND CAST(CAST({col} AS INTEGER) AS TEXT) = {col})"
    );
    // A text reads as a number when it is a JSON number (`'1.50'`, `'-2'`, `'1e3'`; not
    // `'abc'`, `' 1'` or `'007'`), compared as a number afterwards: `'1.50'` is 1.5.
    // A REAL keeps 15 significant digits of a text and integers up to 2^53 exactly.
    let mantissa = format!(
        "CASE WHEN instr(lower({col}), 'e') > 0 THEN substr({col}, 1, instr(lower({col}), 'e') - 1) ELSE {col} END"
    );
    let as_real = format!(
        "typeof({col}) = 'real' \
         OR (typeof({col}) = 'integer' AND {col} BETWEEN -9007199254740992 AND 9007199254740992) \
         OR (typeof({col}) = 'text' AND CASE WHEN json_valid({col}) \
             THEN json_type({col}) IN ('integer', 'real') \
              AND length(rtrim(ltrim(replace(replace({mantissa}, '-', ''), '.', ''), '0'), '0')) <= 15 \
             ELSE 0 END)"
    );
    let range = |lo: i64, hi: i64| {
        format!(
            "{col} IS NOT NULL AND (NOT ({as_integer}) OR CAST({col} AS INTEGER) NOT BETWEEN {lo} AND {hi})"
        )
    };
    Some(match to {
        Type::Enum { values, .. } => format!(
            "{col} IS NOT NULL AND (typeof({col}) = 'blob' OR CAST({col} AS TEXT) NOT IN ({}))",
            values
                .iter()
                .map(|v| crate::dialect::quote_string(v, false))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Type::String { length: Some(n) } => {
            format!("{col} IS NOT NULL AND (typeof({col}) = 'blob' OR length({col}) > {n})")
        }
        Type::String { length: None } | Type::Text => {
            format!("{col} IS NOT NULL AND typeof({col}) = 'blob'")
        }
        Type::Bool => format!("{col} IS NOT NULL AND {col} NOT IN (0, 1)"),
        Type::SmallInt => range(-32_768, 32_767),
        Type::Int => range(-2_147_483_648, 2_147_483_647),
        Type::BigInt => format!("{col} IS NOT NULL AND NOT ({as_integer})"),
        Type::Float | Type::Double => format!("{col} IS NOT NULL AND NOT ({as_real})"),
        Type::Decimal { precision, scale } => format!(
            "{col} IS NOT NULL AND (NOT ({as_real}) OR round(CAST({col} AS REAL), {scale}) <> CAST({col} AS REAL) \
             OR abs(CAST({col} AS REAL)) >= 1e{})",
            precision - scale
        ),
        Type::Date => {
            format!("{col} IS NOT NULL AND (date({col}) IS NULL OR date({col}) <> {col})")
        }
        // A number reads as a julian day, but is no datetime anywhere else.
        Type::DateTime | Type::Timestamp => {
            format!("{col} IS NOT NULL AND (typeof({col}) <> 'text' OR datetime({col}) IS NULL)")
        }
        // A time of day only: a value with a date (text with a `-`, or a julian day number)
        // would lose it in the model, though SQLite keeps the text.
        Type::Time => format!(
            "{col} IS NOT NULL AND (typeof({col}) <> 'text' OR time({col}) IS NULL OR {col} LIKE '%-%')"
        ),
        // `JSON` has NUMERIC affinity: a text that reads as a number is stored as one (`'1.50'`
        // as 1.5, the same JSON number); a text that is not JSON at all does not fit.
        Type::Json => {
            format!("{col} IS NOT NULL AND (typeof({col}) = 'blob' OR NOT json_valid({col}))")
        }
        Type::Uuid => {
            format!("{col} IS NOT NULL AND (typeof({col}) = 'blob' OR length({col}) > 36)")
        }
        // Declared types SQLite does not check keep every value as stored.
        Type::Bytes | Type::Raw(_) => return None,
    })
}
