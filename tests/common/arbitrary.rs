//! proptest strategies: random valid schemas written as schema.kdl text.

use proptest::prelude::*;

/// A column type as written in schema.kdl, and a strategy for literal values of it.
#[derive(Debug, Clone, PartialEq)]
pub enum ColType {
    Int,
    BigInt,
    Str(u32),
    Text,
    Bool,
    Decimal(u32, u32),
    Date,
    DateTime,
    Double,
}

impl ColType {
    pub fn kdl(&self) -> String {
        match self {
            ColType::Int => "int".into(),
            ColType::BigInt => "bigint".into(),
            ColType::Str(n) => format!("string length={n}"),
            ColType::Text => "text".into(),
            ColType::Bool => "bool".into(),
            ColType::Decimal(p, s) => format!("decimal precision={p} scale={s}"),
            ColType::Date => "date".into(),
            ColType::DateTime => "datetime".into(),
            ColType::Double => "double".into(),
        }
    }

    /// A KDL default literal that fits the type (and a string column's length).
    pub fn default_kdl(&self) -> String {
        match self {
            ColType::Int | ColType::BigInt | ColType::Decimal(..) | ColType::Double => "0".into(),
            ColType::Str(n) if *n < 4 => "\"'\"".into(),
            ColType::Str(_) | ColType::Text => "\"it's\"".into(),
            ColType::Bool => "#true".into(),
            ColType::Date => "\"2020-01-01\"".into(),
            ColType::DateTime => "(sql)CURRENT_TIMESTAMP".into(),
        }
    }

    /// An SQL literal for a row value of this type, from a seed.
    pub fn value_sql(&self, seed: u32) -> String {
        match self {
            ColType::Int | ColType::BigInt => format!("{}", seed % 1000),
            ColType::Str(n) => format!("'{}'", "x".repeat((seed % (*n).max(1)) as usize)),
            ColType::Text => format!("'t''{seed}'"),
            ColType::Bool => format!("{}", seed % 2),
            ColType::Decimal(p, s) => {
                let whole = 10u64.pow((p - s).min(6)) as u32;
                format!("{}", seed % whole.max(1))
            }
            ColType::Date => format!("'2021-0{}-1{}'", 1 + seed % 9, seed % 10),
            ColType::DateTime => format!("'2021-01-0{} 10:00:00'", 1 + seed % 9),
            ColType::Double => format!("{}.5", seed % 100),
        }
    }
}

pub fn col_type() -> impl Strategy<Value = ColType> {
    prop_oneof![
        Just(ColType::Int),
        Just(ColType::BigInt),
        (1u32..300).prop_map(ColType::Str),
        Just(ColType::Text),
        Just(ColType::Bool),
        (4u32..12, 0u32..4).prop_map(|(p, s)| ColType::Decimal(p, s)),
        Just(ColType::Date),
        Just(ColType::DateTime),
        Just(ColType::Double),
    ]
}

#[derive(Debug, Clone)]
pub struct Col {
    pub name: String,
    pub ty: ColType,
    pub nullable: bool,
    pub default: bool,
    pub indexed: bool,
}

#[derive(Debug, Clone)]
pub struct Tab {
    pub name: String,
    pub columns: Vec<Col>,
    /// Index of an earlier table this one references, if any.
    pub references: Option<usize>,
}

const TABLE_NAMES: [&str; 5] = ["users", "order", "Items", "line items", "group"];
const COLUMN_NAMES: [&str; 6] = ["a", "Select", "c d", "e", "from", "f"];

fn column() -> impl Strategy<Value = Col> {
    (
        0..COLUMN_NAMES.len(),
        col_type(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(n, ty, nullable, default, indexed)| Col {
            name: COLUMN_NAMES[n].to_string(),
            ty,
            nullable,
            default,
            indexed,
        })
}

fn table(name: &'static str) -> impl Strategy<Value = Tab> {
    (
        prop::collection::vec(column(), 0..5),
        prop::option::of(0usize..4),
    )
        .prop_map(move |(cols, references)| {
            let mut columns: Vec<Col> = Vec::new();
            for c in cols {
                if !columns.iter().any(|x| x.name == c.name) {
                    columns.push(c);
                }
            }
            Tab {
                name: name.to_string(),
                columns,
                references,
            }
        })
}

/// One to four tables with distinct names.
pub fn schema() -> impl Strategy<Value = Vec<Tab>> {
    (1usize..=4).prop_flat_map(|n| {
        let tables: Vec<_> = TABLE_NAMES[..n].iter().map(|name| table(name)).collect();
        tables
    })
}

fn q(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\\\""))
}

/// The tables as schema.kdl text. Every table has `id bigint` auto-increment key; a
/// reference becomes a nullable `ref_id` column.
pub fn to_kdl(tables: &[Tab]) -> String {
    let mut out = String::new();
    for (i, t) in tables.iter().enumerate() {
        out.push_str(&format!(
            "table {} {{\n    column id bigint primary-key=#true auto-increment=#true\n",
            q(&t.name)
        ));
        for c in &t.columns {
            out.push_str(&format!("    column {} {}", q(&c.name), c.ty.kdl()));
            if c.nullable {
                out.push_str(" nullable=#true");
            }
            if c.default {
                out.push_str(&format!(" default={}", c.ty.default_kdl()));
            }
            out.push('\n');
            if c.indexed {
                out.push_str(&format!("    index {}\n", q(&c.name)));
            }
        }
        if let Some(r) = t.references.filter(|r| *r < i) {
            let target = &tables[r].name;
            let sql_name = if target.contains(' ') {
                format!("\\\"{target}\\\"")
            } else {
                target.clone()
            };
            out.push_str(&format!("    column ref_id bigint nullable=#true references=\"{sql_name}.id\" on-delete=cascade\n"));
        }
        out.push_str("}\n");
    }
    out
}

/// The `INSERT`s of one row per seed into every table of `tables` (ids from 1), with some
/// nullable columns NULL; `quote` quotes a name, `value` writes a literal of a type.
pub fn inserts(
    tables: &[Tab],
    seeds: &[u32],
    quote: fn(&str) -> String,
    value: &dyn Fn(&ColType, u32) -> String,
) -> Vec<String> {
    let mut statements = Vec::new();
    for t in tables {
        for (i, seed) in seeds.iter().enumerate() {
            let mut names = vec![quote("id")];
            let mut values = vec![(i + 1).to_string()];
            for (k, col) in t.columns.iter().enumerate() {
                names.push(quote(&col.name));
                let null = col.nullable && (seed + k as u32).is_multiple_of(3);
                values.push(if null {
                    "NULL".into()
                } else {
                    value(&col.ty, seed.wrapping_mul(k as u32 + 7))
                });
            }
            statements.push(format!(
                "INSERT INTO {} ({}) VALUES ({})",
                quote(&t.name),
                names.join(", "),
                values.join(", ")
            ));
        }
    }
    statements
}

/// Applies `schema` with destructive changes allowed, as the property tests do.
pub fn apply(
    session: &mut reconcile::database::Session,
    schema: &reconcile::schema::Schema,
) -> Result<reconcile::plan::Plan, reconcile::Error> {
    let options = reconcile::database::apply::Options {
        environment: "test",
        allow_destructive: true,
        max_blocking_rows: None,
        lints: &Default::default(),
        lock_timeout: std::time::Duration::from_secs(5),
        lock_retries: 3,
        online_schema_change: None,
        approved: None,
        saved: None,
    };
    session.apply(schema, &options, &mut reconcile::database::apply::Quiet)
}

/// The type of `table.column` in `schema` (which must have it).
pub fn column_type(
    schema: &reconcile::schema::Schema,
    table: &str,
    column: &str,
) -> reconcile::schema::Type {
    schema
        .table(table)
        .and_then(|t| t.column(column))
        .map(|c| c.ty.clone())
        .unwrap_or_else(|| panic!("no column `{table}.{column}`"))
}
