//! What changing a column's type does to the values MySQL and MariaDB store. The session
//! runs in strict mode, so a value that does not fit is an error, never a silent
//! truncation; preflight counts those values first with the conditions below, so that
//! apply refuses before a statement runs.

use super::Mysql;
use crate::dialect::{DataEffect, SqlDialect};
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

/// An SQL condition, true for the values of `col` (now `from`) that `to` cannot hold.
fn misfits(col: &str, from: &Type, to: &Type) -> Option<String> {
    let textual = matches!(
        from,
        Type::String { .. } | Type::Text | Type::Uuid | Type::Json
    );
    let integer = format!("CAST({col} AS CHAR) NOT REGEXP '^-?[0-9]+$'");
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
    Some(match to {
        Type::String { length: Some(n) } => {
            format!("{col} IS NOT NULL AND CHAR_LENGTH(CAST({col} AS CHAR)) > {n}")
        }
        Type::Uuid => format!("{col} IS NOT NULL AND CHAR_LENGTH(CAST({col} AS CHAR)) > 36"),
        Type::Bool => format!("{col} IS NOT NULL AND {col} NOT IN (0, 1)"),
        Type::SmallInt => range("-32768", "32767"),
        Type::Int => range("-2147483648", "2147483647"),
        Type::BigInt => range("-9223372036854775808", "9223372036854775807"),
        Type::Float | Type::Double | Type::Decimal { .. } if textual => format!(
            "{col} IS NOT NULL AND CAST({col} AS CHAR) NOT REGEXP '^-?[0-9]+(\\\\.[0-9]+)?$'"
        ),
        Type::Decimal { precision, scale } => format!(
            "{col} IS NOT NULL AND ({col} <> ROUND({col}, {scale}) OR ABS({col}) >= 1e{})",
            precision - scale
        ),
        _ => return None,
    })
}
