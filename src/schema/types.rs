//! The portable column types and which changes between them only widen.

use std::fmt;

/// A column type as `schema.kdl` names it, or a dialect's own type passed through as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    Bool,
    SmallInt,
    Int,
    BigInt,
    Float,
    Double,
    Decimal {
        precision: u32,
        scale: u32,
    },
    /// `string`; without a length it is TEXT where the dialect allows it.
    String {
        length: Option<u32>,
    },
    Text,
    Bytes,
    Date,
    Time,
    DateTime,
    Timestamp,
    Uuid,
    Json,
    /// A dialect-specific type from a hint or from the catalog, upper-cased.
    Raw(String),
    /// One of a fixed list of strings, in their order (`enum role { value admin }`). `name`
    /// is the enum's: PostgreSQL's type, empty where the database has no named enums
    /// (MySQL's `ENUM(...)`, SQLite's check), which is how both sides of a comparison
    /// read there.
    Enum {
        name: String,
        values: Vec<String>,
    },
}

impl Type {
    /// The portable type names accepted in `schema.kdl`.
    pub const NAMES: [&'static str; 16] = [
        "bool",
        "smallint",
        "int",
        "bigint",
        "float",
        "double",
        "decimal",
        "string",
        "text",
        "bytes",
        "date",
        "time",
        "datetime",
        "timestamp",
        "uuid",
        "json",
    ];

    /// The type for a portable name; `decimal` and `string` get their sizes later.
    pub fn from_name(name: &str) -> Option<Type> {
        Some(match name {
            "bool" => Type::Bool,
            "smallint" => Type::SmallInt,
            "int" => Type::Int,
            "bigint" => Type::BigInt,
            "float" => Type::Float,
            "double" => Type::Double,
            "decimal" => Type::Decimal {
                precision: 10,
                scale: 0,
            },
            "string" => Type::String { length: None },
            "text" => Type::Text,
            "bytes" => Type::Bytes,
            "date" => Type::Date,
            "time" => Type::Time,
            "datetime" => Type::DateTime,
            "timestamp" => Type::Timestamp,
            "uuid" => Type::Uuid,
            "json" => Type::Json,
            _ => return None,
        })
    }

    /// Whether the type holds whole numbers (and so may auto-increment).
    pub fn is_integer(&self) -> bool {
        matches!(self, Type::SmallInt | Type::Int | Type::BigInt)
    }

    /// Whether the type holds numbers (whose defaults compare by value).
    pub fn is_numeric(&self) -> bool {
        self.is_integer() || matches!(self, Type::Float | Type::Double | Type::Decimal { .. })
    }

    /// Whether a change from `self` to `to` keeps every value it can hold (cli.md's widening list).
    pub fn widens_to(&self, to: &Type) -> bool {
        use Type::*;
        let rank = |t: &Type| match t {
            SmallInt => Some(0),
            Int => Some(1),
            BigInt => Some(2),
            _ => None,
        };
        match (self, to) {
            (a, b) if a == b => true,
            (String { length: Some(a) }, String { length: b }) => b.is_none_or(|b| b >= *a),
            (String { .. }, Text) => true,
            (Float, Double) | (Date, DateTime) => true,
            (
                Decimal {
                    precision: p,
                    scale: s,
                },
                Decimal {
                    precision: p2,
                    scale: s2,
                },
            ) => s2 >= s && p2.saturating_sub(*s2) >= p.saturating_sub(*s),
            // Every value stays; only a reordering would change what sorts first.
            (Enum { values: a, .. }, Enum { values: b, .. }) => a.iter().all(|v| b.contains(v)),
            _ => matches!((rank(self), rank(to)), (Some(a), Some(b)) if b >= a),
        }
    }

    /// The values of an enum, in order; empty for every other type.
    pub fn enum_values(&self) -> &[String] {
        match self {
            Type::Enum { values, .. } => values,
            _ => &[],
        }
    }
}

impl fmt::Display for Type {
    /// The `schema.kdl` spelling, for messages and `inspect`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Bool => f.write_str("bool"),
            Type::SmallInt => f.write_str("smallint"),
            Type::Int => f.write_str("int"),
            Type::BigInt => f.write_str("bigint"),
            Type::Float => f.write_str("float"),
            Type::Double => f.write_str("double"),
            Type::Decimal { precision, scale } => write!(f, "decimal({precision},{scale})"),
            Type::String { length: Some(n) } => write!(f, "string({n})"),
            Type::String { length: None } => f.write_str("string"),
            Type::Text => f.write_str("text"),
            Type::Bytes => f.write_str("bytes"),
            Type::Date => f.write_str("date"),
            Type::Time => f.write_str("time"),
            Type::DateTime => f.write_str("datetime"),
            Type::Timestamp => f.write_str("timestamp"),
            Type::Uuid => f.write_str("uuid"),
            Type::Json => f.write_str("json"),
            Type::Raw(s) => f.write_str(s),
            Type::Enum { name, .. } if !name.is_empty() => f.write_str(name),
            Type::Enum { values, .. } => write!(f, "enum({})", values.join(", ")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Type::*;

    #[test]
    fn widening_follows_the_cli_contract() {
        assert!(String { length: Some(10) }.widens_to(&String { length: Some(20) }));
        assert!(!String { length: Some(20) }.widens_to(&String { length: Some(10) }));
        assert!(String { length: Some(20) }.widens_to(&Text));
        assert!(SmallInt.widens_to(&BigInt));
        assert!(!BigInt.widens_to(&Int));
        assert!(Float.widens_to(&Double));
        assert!(Date.widens_to(&DateTime));
        assert!(!DateTime.widens_to(&Timestamp));
        assert!(
            Decimal {
                precision: 10,
                scale: 2
            }
            .widens_to(&Decimal {
                precision: 12,
                scale: 4
            })
        );
        assert!(
            !Decimal {
                precision: 10,
                scale: 2
            }
            .widens_to(&Decimal {
                precision: 11,
                scale: 4
            })
        );
        assert!(!Text.widens_to(&Int));
    }
}
