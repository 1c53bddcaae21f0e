//! Schemas as users write them, for the randomized convergence test: names that are each
//! dialect's reserved words, mixed case, with spaces, dashes and non-ASCII letters; every
//! portable type with and without its size, and enums (shared by name, values changed
//! between applies); defaults in several spellings; MySQL's `ON UPDATE` on date-and-time
//! columns, as a hint, in several spellings; ascending and descending index parts; checks and
//! partial-index predicates with quoted names, negative numbers, casts, functions, string
//! and number comparisons; MySQL prefix lengths on indexes, and indexes one database skips
//! (`skip=#true`); views over a table (columns, filters, aliases, aggregates) and
//! views over those. A schema renders as schema.kdl for one dialect (the SQL inside a
//! check is written the way that database's users write it: its quotes, its casts).
//!
//! The generator is not shaped around what reconcile handles: what a database refuses is a
//! valid outcome of the test (refused by `check`, or by preflight or the server with nothing
//! changed), never a reason to leave a spelling out.

use proptest::prelude::*;
use reconcile::dialect::Dialect;

/// Table and column names: reserved words of one database or another, mixed case, names
/// that need quoting, non-ASCII.
pub const NAMES: [&str; 24] = [
    "order",
    "group",
    "select",
    "key",
    "check",
    "index",
    "references",
    "to",
    "from",
    "user",
    "desc",
    "Limit",
    "default",
    "Users",
    "createdAt",
    "line items",
    "e-mail",
    "café",
    "数量",
    "naïve",
    "qty",
    "name",
    "value",
    "x1",
];

/// A portable type, with its size where it has one.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    Bool,
    SmallInt,
    Int,
    BigInt,
    Float,
    Double,
    Decimal(Option<(u32, u32)>),
    Str(Option<u32>),
    Text,
    Bytes,
    Date,
    Time,
    DateTime,
    Timestamp,
    Uuid,
    Json,
    /// One of [`ENUM_NAMES`] (by position), with its values: every column of one name in a
    /// schema holds the same values ([`unify_enums`]).
    Enum(usize, Vec<String>),
}

/// The enums' names: reserved words, mixed case, non-ASCII, a space.
pub const ENUM_NAMES: [&str; 5] = ["role", "Status", "select", "état", "kind of"];

/// Enum values as users write them: reserved words, mixed case, a quote, non-ASCII, a
/// space, a number, the empty string (no two equal but for case or trailing spaces: MySQL
/// cannot keep those, and `check` says so, tests/fixtures/invalid).
const ENUM_VALUES: [&str; 10] = [
    "admin", "member", "Guest", "it's", "ünï", "select", "a b", "x1", "-1", "",
];

/// Every column of an enum name takes the values of the first one; the enums in order of
/// first use, for their declarations.
pub fn unify_enums(tables: &mut [Tab]) -> Vec<(usize, Vec<String>)> {
    let mut seen: Vec<(usize, Vec<String>)> = Vec::new();
    for c in tables.iter_mut().flat_map(|t| t.columns.iter_mut()) {
        if let Ty::Enum(name, values) = &mut c.ty {
            match seen.iter().find(|(n, _)| n == name) {
                Some((_, v)) => *values = v.clone(),
                None => seen.push((*name, values.clone())),
            }
        }
    }
    seen
}

impl Ty {
    fn kdl(&self) -> String {
        match self {
            Ty::Bool => "bool".into(),
            Ty::SmallInt => "smallint".into(),
            Ty::Int => "int".into(),
            Ty::BigInt => "bigint".into(),
            Ty::Float => "float".into(),
            Ty::Double => "double".into(),
            Ty::Decimal(None) => "decimal precision=10".into(),
            Ty::Decimal(Some((p, s))) => format!("decimal precision={p} scale={s}"),
            Ty::Str(None) => "string".into(),
            Ty::Str(Some(n)) => format!("string length={n}"),
            Ty::Text => "text".into(),
            Ty::Bytes => "bytes".into(),
            Ty::Date => "date".into(),
            Ty::Time => "time".into(),
            Ty::DateTime => "datetime".into(),
            Ty::Timestamp => "timestamp".into(),
            Ty::Uuid => "uuid".into(),
            Ty::Json => "json".into(),
            Ty::Enum(name, _) => kdl_string(ENUM_NAMES[*name]),
        }
    }

    fn is_integer(&self) -> bool {
        matches!(self, Ty::SmallInt | Ty::Int | Ty::BigInt)
    }

    fn is_number(&self) -> bool {
        self.is_integer() || matches!(self, Ty::Float | Ty::Double | Ty::Decimal(_))
    }

    fn is_string(&self) -> bool {
        matches!(self, Ty::Str(_) | Ty::Text)
    }

    /// Spellings of a default of this type, as schema.kdl properties.
    fn defaults(&self) -> Vec<String> {
        match self {
            Ty::Bool => vec!["#true".into(), "#false".into()],
            Ty::SmallInt => vec![
                "0".into(),
                "-5".into(),
                "-32768".into(),
                "(sql)\"-1\"".into(),
                "(sql)\"(1 + 2)\"".into(),
            ],
            Ty::Int | Ty::BigInt => vec![
                "0".into(),
                "-100".into(),
                "42".into(),
                "(sql)\"0\"".into(),
                "(sql)\"-7\"".into(),
            ],
            Ty::Float | Ty::Double => vec![
                "0".into(),
                "1.5".into(),
                "-2.25".into(),
                "(sql)\"0.0\"".into(),
            ],
            Ty::Decimal(_) => vec![
                "0".into(),
                "0.00".into(),
                "-1.5".into(),
                "(sql)\"2.50\"".into(),
            ],
            Ty::Str(_) | Ty::Text => vec![
                "\"x\"".into(),
                "\"\"".into(),
                "\"it's\"".into(),
                "\"a b \"".into(),
                "\"line\\nnext\\ttab\\r\"".into(),
                "member".into(),
                "\"ünï\"".into(),
                "(sql)\"'lit'\"".into(),
                "(sql)\"lower('ABC')\"".into(),
            ],
            Ty::Date => vec!["\"2020-01-01\"".into(), "(sql)CURRENT_DATE".into()],
            Ty::Time => vec!["\"10:00:00\"".into()],
            Ty::DateTime | Ty::Timestamp => {
                vec![
                    "(sql)CURRENT_TIMESTAMP".into(),
                    "\"2020-01-01 10:00:00\"".into(),
                ]
            }
            Ty::Uuid => vec!["\"00000000-0000-0000-0000-000000000000\"".into()],
            Ty::Json | Ty::Bytes => Vec::new(),
            Ty::Enum(_, values) => values.iter().map(|v| kdl_string(v)).collect(),
        }
    }

    /// An SQL literal of this type for row `seed` (fits every size this generator makes).
    pub fn value(&self, seed: u32, d: Dialect) -> String {
        match self {
            Ty::Bool => match d {
                Dialect::Postgres => if seed.is_multiple_of(2) {
                    "TRUE"
                } else {
                    "FALSE"
                }
                .into(),
                _ => format!("{}", seed % 2),
            },
            Ty::SmallInt | Ty::Int | Ty::BigInt => format!("{}", seed as i64 % 200 - 100),
            Ty::Float | Ty::Double => format!("{}.5", seed % 100),
            Ty::Decimal(_) => format!("{}.25", seed % 100),
            Ty::Str(Some(n)) => format!(
                "'{}'",
                "ab'c"
                    .repeat(4)
                    .chars()
                    .take((seed % (*n + 1)).min(*n) as usize)
                    .collect::<String>()
                    .replace('\'', "''")
            ),
            Ty::Str(None) | Ty::Text => format!("'t{seed} ü'"),
            Ty::Bytes => match d {
                Dialect::Postgres => "'\\x0102'::bytea".into(),
                _ => "X'0102'".into(),
            },
            Ty::Date => format!("'2021-0{}-1{}'", 1 + seed % 9, seed % 10),
            Ty::Time => format!("'1{}:30:00'", seed % 10),
            Ty::DateTime | Ty::Timestamp => format!("'2021-01-0{} 10:00:00'", 1 + seed % 9),
            Ty::Uuid => format!("'00000000-0000-0000-0000-{:012}'", seed),
            Ty::Json => format!("'{{\"n\": {seed}}}'"),
            Ty::Enum(_, values) => format!(
                "'{}'",
                values[seed as usize % values.len()].replace('\'', "''")
            ),
        }
    }
}

pub fn ty() -> impl Strategy<Value = Ty> {
    prop_oneof![
        Just(Ty::Bool),
        Just(Ty::SmallInt),
        Just(Ty::Int),
        Just(Ty::BigInt),
        Just(Ty::Float),
        Just(Ty::Double),
        prop::option::of((4u32..20, 0u32..4)).prop_map(Ty::Decimal),
        prop::option::weighted(0.85, 1u32..400).prop_map(Ty::Str),
        Just(Ty::Text),
        Just(Ty::Bytes),
        Just(Ty::Date),
        Just(Ty::Time),
        Just(Ty::DateTime),
        Just(Ty::Timestamp),
        Just(Ty::Uuid),
        Just(Ty::Json),
        (0..ENUM_NAMES.len(), enum_values()).prop_map(|(n, v)| Ty::Enum(n, v)),
    ]
}

/// One to five values, in any order.
fn enum_values() -> impl Strategy<Value = Vec<String>> {
    (Just(ENUM_VALUES.to_vec()).prop_shuffle(), 1usize..6)
        .prop_map(|(values, n)| values[..n].iter().map(|v| v.to_string()).collect())
}

#[derive(Debug, Clone)]
pub struct Col {
    pub name: String,
    pub ty: Ty,
    pub nullable: bool,
    /// Which of the type's default spellings, if any (an index into [`Ty::defaults`]).
    pub default: Option<usize>,
    /// Which spelling of MySQL's `ON UPDATE`, if any (an index into [`ON_UPDATE`]); a
    /// MySQL hint, written only on a date-and-time column.
    pub on_update: Option<usize>,
    /// Whether the column is generated, and from what.
    pub generated: Option<Gen>,
}

/// A generated column's expression over another column of its table.
#[derive(Debug, Clone, PartialEq)]
pub struct Gen {
    /// The column it reads, by position in its table.
    pub source: usize,
    /// Which expression (see [`generated_sql`]).
    pub form: u8,
    /// `stored=#true` (always on PostgreSQL, which keeps no virtual ones).
    pub stored: bool,
}

fn gen_() -> impl Strategy<Value = Gen> {
    (0usize..8, any::<u8>(), any::<bool>()).prop_map(|(source, form, stored)| Gen {
        source,
        form,
        stored,
    })
}

/// `on-update=` as users write it; the last one the server refuses on a `TIMESTAMP` of no
/// fractional precision.
const ON_UPDATE: [&str; 5] = [
    "(sql)CURRENT_TIMESTAMP",
    "(sql)\"now()\"",
    "(sql)\"current_timestamp()\"",
    "(sql)LOCALTIMESTAMP",
    "(sql)\"CURRENT_TIMESTAMP(6)\"",
];

/// A condition over one column, written as that database's users write it.
#[derive(Debug, Clone)]
pub struct Cond {
    /// The column, by position in its table.
    pub column: usize,
    /// Which form (see [`cond_sql`]).
    pub form: u8,
    /// Whether to quote a name that needs no quotes (users do both).
    pub quote_always: bool,
    pub negate: bool,
}

#[derive(Debug, Clone)]
pub struct Idx {
    pub columns: Vec<usize>,
    pub unique: bool,
    pub predicate: Option<Cond>,
    /// Which parts are written `(desc)`; and whether `desc=#true` makes them all so.
    pub descending: Vec<bool>,
    pub all_descending: bool,
    /// Whether the first part is an expression over its column, and which (see
    /// [`to_kdl`]).
    pub expression: Option<u8>,
    /// MySQL's prefix length (`mysql length=N`), which the other databases leave out.
    pub prefix: Option<u32>,
    /// The database whose schema leaves the index out (`sqlite skip=#true`), by its
    /// position in `["sqlite", "mysql", "postgres"]`.
    pub skip: Option<u8>,
}

#[derive(Debug, Clone)]
pub struct Tab {
    pub name: String,
    pub columns: Vec<Col>,
    /// Conditions joined with AND into one check each.
    pub checks: Vec<Vec<Cond>>,
    pub indexes: Vec<Idx>,
    /// A view over the table, named `v_<table>` (see [`view_sql`]).
    pub view: Option<Vw>,
}

/// A view over one table as users write one: some of its columns, maybe a filter, maybe an
/// alias or an aggregate; and maybe a second view over the first.
#[derive(Debug, Clone)]
pub struct Vw {
    /// The columns it selects besides `id`, by position in its table.
    pub columns: Vec<usize>,
    pub filter: Option<Cond>,
    /// Which form (see [`view_sql`]).
    pub form: u8,
    /// Whether a second view, `w_<table>`, counts the rows of the first.
    pub nested: bool,
}

fn vw() -> impl Strategy<Value = Vw> {
    (
        prop::collection::vec(0usize..8, 0..3),
        prop::option::weighted(0.5, cond()),
        any::<u8>(),
        prop::bool::weighted(0.3),
    )
        .prop_map(|(columns, filter, form, nested)| Vw {
            columns,
            filter,
            form,
            nested,
        })
}

/// The views of `t`'s [`Vw`] for `d`: `(name, query)`, the first view first.
pub fn view_sql(t: &Tab, d: Dialect) -> Vec<(String, String)> {
    let Some(v) = &t.view else {
        return Vec::new();
    };
    let form = v.form % 3;
    let table = name_in_sql(&t.name, d, form == 0);
    let mut columns = vec![name_in_sql("id", d, form == 0)];
    for c in &v.columns {
        if let Some(col) = t.columns.get(*c % t.columns.len().max(1)) {
            let n = name_in_sql(&col.name, d, form == 0);
            if !columns.contains(&n) {
                columns.push(n);
            }
        }
    }
    let filter = v
        .filter
        .as_ref()
        .and_then(|c| cond_sql(t, c, d))
        .map(|c| format!(" WHERE {c}"))
        .unwrap_or_default();
    let first = match form {
        0 => format!("SELECT {} FROM {table}{filter}", columns.join(", ")),
        // An alias, with every column read through it.
        1 => {
            let through: Vec<String> = columns.iter().map(|c| format!("x.{c}")).collect();
            format!("SELECT {} FROM {table} AS x{filter}", through.join(", "))
        }
        _ => format!(
            "SELECT count(*) AS n, max({}) AS top, -1 AS minus_one FROM {table}{filter}",
            columns[columns.len() - 1]
        ),
    };
    let name = format!("v_{}", t.name);
    let mut out = vec![(name.clone(), first)];
    if v.nested {
        out.push((
            format!("w_{}", t.name),
            format!("SELECT count(*) AS n FROM {}", name_in_sql(&name, d, false)),
        ));
    }
    out
}

fn cond() -> impl Strategy<Value = Cond> {
    (
        0usize..8,
        any::<u8>(),
        any::<bool>(),
        prop::bool::weighted(0.15),
    )
        .prop_map(|(column, form, quote_always, negate)| Cond {
            column,
            form,
            quote_always,
            negate,
        })
}

fn col() -> impl Strategy<Value = Col> {
    (
        0..NAMES.len(),
        ty(),
        any::<bool>(),
        prop::option::of(0usize..9),
        prop::option::weighted(0.3, 0..ON_UPDATE.len()),
        prop::option::weighted(0.2, gen_()),
    )
        .prop_map(|(n, ty, nullable, default, on_update, generated)| Col {
            name: NAMES[n].to_string(),
            ty,
            nullable,
            default,
            on_update,
            generated,
        })
}

fn idx() -> impl Strategy<Value = Idx> {
    (
        prop::collection::vec(0usize..8, 1..3),
        prop::bool::weighted(0.3),
        prop::option::weighted(0.2, cond()),
        prop::collection::vec(prop::bool::weighted(0.25), 2),
        prop::bool::weighted(0.1),
        prop::option::weighted(0.15, any::<u8>()),
        prop::option::weighted(0.15, prop_oneof![1u32..40, 40u32..400]),
        prop::option::weighted(0.1, 0u8..3),
    )
        .prop_map(
            |(columns, unique, predicate, descending, all_descending, expression, prefix, skip)| {
                Idx {
                    columns,
                    unique,
                    predicate,
                    descending,
                    all_descending,
                    expression,
                    prefix,
                    skip,
                }
            },
        )
}

pub fn table() -> impl Strategy<Value = Tab> {
    (
        0..NAMES.len(),
        prop::collection::vec(col(), 0..6),
        prop::collection::vec(prop::collection::vec(cond(), 1..3), 0..3),
        prop::collection::vec(idx(), 0..3),
        prop::option::weighted(0.3, vw()),
    )
        .prop_map(|(n, cols, checks, indexes, view)| {
            let mut columns: Vec<Col> = Vec::new();
            for c in cols {
                if c.name != "id" && !columns.iter().any(|x| x.name == c.name) {
                    columns.push(c);
                }
            }
            Tab {
                name: NAMES[n].to_string(),
                columns,
                checks,
                indexes,
                view,
            }
        })
}

/// One to three tables with distinct names.
pub fn schema() -> impl Strategy<Value = Vec<Tab>> {
    prop::collection::vec(table(), 1..4).prop_map(|tables| {
        let mut out: Vec<Tab> = Vec::new();
        for t in tables {
            if !out.iter().any(|x| x.name == t.name) {
                out.push(t);
            }
        }
        unify_enums(&mut out);
        out
    })
}

/// One edit a user makes to a schema between two applies.
#[derive(Debug, Clone)]
pub enum Edit {
    Retype(usize, usize, Ty),
    ToggleNull(usize, usize),
    Default(usize, usize, Option<usize>),
    OnUpdate(usize, usize, Option<usize>),
    Generated(usize, usize, Option<Gen>),
    AddColumn(usize, Col),
    DropColumn(usize, usize),
    Checks(usize, Vec<Vec<Cond>>),
    Indexes(usize, Vec<Idx>),
    AddTable(Tab),
    DropTable(usize),
    /// New values for every column of one enum name.
    EnumValues(usize, Vec<String>),
    /// A new view over a table, or none.
    View(usize, Option<Vw>),
}

pub fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let edit = prop_oneof![
        3 => (0usize..4, 0usize..8, ty()).prop_map(|(t, c, ty)| Edit::Retype(t, c, ty)),
        2 => (0usize..4, 0usize..8).prop_map(|(t, c)| Edit::ToggleNull(t, c)),
        2 => (0usize..4, 0usize..8, prop::option::of(0usize..9)).prop_map(|(t, c, d)| Edit::Default(t, c, d)),
        1 => (0usize..4, 0usize..8, prop::option::of(0..ON_UPDATE.len())).prop_map(|(t, c, o)| Edit::OnUpdate(t, c, o)),
        1 => (0usize..4, 0usize..8, prop::option::of(gen_())).prop_map(|(t, c, g)| Edit::Generated(t, c, g)),
        2 => (0usize..4, col()).prop_map(|(t, c)| Edit::AddColumn(t, c)),
        1 => (0usize..4, 0usize..8).prop_map(|(t, c)| Edit::DropColumn(t, c)),
        2 => (0usize..4, prop::collection::vec(prop::collection::vec(cond(), 1..3), 0..3)).prop_map(|(t, c)| Edit::Checks(t, c)),
        2 => (0usize..4, prop::collection::vec(idx(), 0..3)).prop_map(|(t, i)| Edit::Indexes(t, i)),
        1 => table().prop_map(Edit::AddTable),
        1 => (0usize..4).prop_map(Edit::DropTable),
        2 => (0..ENUM_NAMES.len(), enum_values()).prop_map(|(n, v)| Edit::EnumValues(n, v)),
        1 => (0usize..4, prop::option::of(vw())).prop_map(|(t, v)| Edit::View(t, v)),
    ];
    prop::collection::vec(edit, 1..4)
}

/// `tables` with `edits` made (edits naming what is not there do nothing).
pub fn edited(tables: &[Tab], edits: &[Edit]) -> Vec<Tab> {
    let mut out = tables.to_vec();
    for e in edits {
        let n = out.len();
        match e.clone() {
            Edit::Retype(t, c, ty) => {
                if let Some(col) = out.get_mut(t % n.max(1)).and_then(|t| t.columns.get_mut(c)) {
                    col.ty = ty;
                }
            }
            Edit::ToggleNull(t, c) => {
                if let Some(col) = out.get_mut(t % n.max(1)).and_then(|t| t.columns.get_mut(c)) {
                    col.nullable = !col.nullable;
                }
            }
            Edit::Default(t, c, d) => {
                if let Some(col) = out.get_mut(t % n.max(1)).and_then(|t| t.columns.get_mut(c)) {
                    col.default = d;
                }
            }
            Edit::OnUpdate(t, c, o) => {
                if let Some(col) = out.get_mut(t % n.max(1)).and_then(|t| t.columns.get_mut(c)) {
                    col.on_update = o;
                }
            }
            Edit::Generated(t, c, g) => {
                if let Some(col) = out.get_mut(t % n.max(1)).and_then(|t| t.columns.get_mut(c)) {
                    col.generated = g;
                }
            }
            Edit::AddColumn(t, c) => {
                if let Some(table) = out.get_mut(t % n.max(1))
                    && !table.columns.iter().any(|x| x.name == c.name)
                {
                    table.columns.push(c);
                }
            }
            Edit::DropColumn(t, c) => {
                if let Some(table) = out.get_mut(t % n.max(1))
                    && c < table.columns.len()
                {
                    table.columns.remove(c);
                }
            }
            Edit::Checks(t, checks) => {
                if let Some(table) = out.get_mut(t % n.max(1)) {
                    table.checks = checks;
                }
            }
            Edit::Indexes(t, indexes) => {
                if let Some(table) = out.get_mut(t % n.max(1)) {
                    table.indexes = indexes;
                }
            }
            Edit::AddTable(t) => {
                if !out.iter().any(|x| x.name == t.name) {
                    out.push(t);
                }
            }
            Edit::DropTable(t) => {
                if n > 1 {
                    out.remove(t % n);
                }
            }
            Edit::View(t, view) => {
                if let Some(table) = out.get_mut(t % n.max(1)) {
                    table.view = view;
                }
            }
            Edit::EnumValues(name, values) => {
                for c in out.iter_mut().flat_map(|t| t.columns.iter_mut()) {
                    if let Ty::Enum(n, v) = &mut c.ty
                        && *n == name
                    {
                        *v = values.clone();
                    }
                }
            }
        }
    }
    unify_enums(&mut out);
    out
}

/// Whether `name` needs quotes in `d`'s SQL: anything but a lower-case ASCII word that is
/// not reserved there (PostgreSQL folds unquoted names to lower case).
fn needs_quotes(name: &str, d: Dialect) -> bool {
    const RESERVED: [&str; 14] = [
        "order",
        "group",
        "select",
        "key",
        "check",
        "index",
        "references",
        "to",
        "from",
        "user",
        "desc",
        "limit",
        "default",
        "value",
    ];
    let plain = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    let folded_differently = d == Dialect::Postgres && name.chars().any(|c| c.is_uppercase());
    !plain || folded_differently || RESERVED.contains(&name.to_ascii_lowercase().as_str())
}

/// `name` quoted as `d`'s users quote it.
pub fn quote(name: &str, d: Dialect) -> String {
    match d {
        Dialect::Mysql => format!("`{}`", name.replace('`', "``")),
        _ => format!("\"{}\"", name.replace('"', "\"\"")),
    }
}

fn name_in_sql(name: &str, d: Dialect, always: bool) -> String {
    if always || needs_quotes(name, d) {
        quote(name, d)
    } else {
        name.to_string()
    }
}

/// The condition as SQL for `d`, or `None` when the form has nothing to say about the
/// column's type (a boolean, bytes, JSON).
pub fn cond_sql(t: &Tab, c: &Cond, d: Dialect) -> Option<String> {
    let col = t.columns.get(c.column % t.columns.len().max(1))?;
    let n = name_in_sql(&col.name, d, c.quote_always);
    let length = match d {
        Dialect::Sqlite => "length",
        _ => ["length", "char_length"][c.form as usize % 2],
    };
    let sql = if col.ty.is_integer() {
        let cast = match d {
            Dialect::Mysql => format!("CAST({n} AS SIGNED)"),
            Dialect::Postgres => format!("{n}::integer"),
            Dialect::Sqlite => format!("CAST({n} AS INTEGER)"),
        };
        match c.form % 6 {
            0 => format!("{n} >= -100"),
            1 => format!("{n} <> -7"),
            2 => format!("abs({n}) < 1000"),
            3 => format!("{cast} > -32768"),
            4 => format!("{n} BETWEEN -100 AND 100"),
            _ => format!("({n} % 2 = 0 OR {n} < 0)"),
        }
    } else if col.ty.is_number() {
        match c.form % 4 {
            0 => format!("{n} >= -1.5"),
            1 => format!("{n} <> 0"),
            2 => format!("{n} * 2 < 1000"),
            _ => format!("CAST({n} AS DECIMAL(10, 2)) >= -100"),
        }
    } else if col.ty.is_string() {
        match c.form % 6 {
            0 => format!("{length}({n}) > 0"),
            1 => format!("{n} <> ''"),
            2 => format!("lower({n}) <> 'forbidden'"),
            3 => format!("{n} IN ('a', 'b', 'it''s')"),
            4 => format!("{n} LIKE 'a%'"),
            _ => format!("{length}({n}) <= 50"),
        }
    } else {
        match col.ty {
            Ty::Date => format!("{n} >= '2000-01-01'"),
            Ty::DateTime | Ty::Timestamp => format!("{n} > '2000-01-01 00:00:00'"),
            _ => return None,
        }
    };
    Some(if c.negate {
        format!("NOT ({sql})")
    } else {
        sql
    })
}

/// A generated column's expression for `d`, as users write one over another column of the
/// table whose type suits the column's own (`price * 2`, `lower(name)`), or `None` when the
/// column is plain: not generated, or no expression of that form fits.
pub fn generated_sql(t: &Tab, c: &Col, d: Dialect) -> Option<String> {
    let g = c.generated.as_ref()?;
    // The first column from `g.source` on whose type suits the column's.
    let suits = |s: &Col| {
        s.name != c.name
            && s.generated.is_none()
            && ((c.ty.is_integer() && s.ty.is_integer())
                || (c.ty.is_number() && !c.ty.is_integer() && s.ty.is_number())
                || (c.ty.is_string() && s.ty.is_string()))
    };
    let count = t.columns.len();
    let source = (0..count)
        .map(|k| &t.columns[(g.source + k) % count])
        .find(|s| suits(s))?;
    let n = name_in_sql(&source.name, d, g.form % 3 == 0);
    let sql = if c.ty.is_integer() && source.ty.is_integer() {
        match g.form % 6 {
            0 => format!("{n} * 2"),
            1 => format!("{n} + 1"),
            2 => format!("-{n}"),
            3 => format!("abs({n})"),
            4 => match d {
                Dialect::Mysql => format!("CAST({n} AS SIGNED) - 7"),
                Dialect::Postgres => format!("{n}::integer - 7"),
                Dialect::Sqlite => format!("CAST({n} AS INTEGER) - 7"),
            },
            _ => format!("({n} - 3) * -1"),
        }
    } else if c.ty.is_number() && !c.ty.is_integer() && source.ty.is_number() {
        format!("{n} * 2")
    } else if c.ty.is_string() && source.ty.is_string() {
        match g.form % 3 {
            0 => format!("lower({n})"),
            1 => format!("upper({n})"),
            _ => format!("trim({n})"),
        }
    } else {
        return None;
    };
    Some(sql)
}

/// A KDL string literal of `text`.
fn kdl_string(text: &str) -> String {
    let mut out = String::from("\"");
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The tables as schema.kdl text for `d`. Every table has an `id int` primary key.
pub fn to_kdl(tables: &[Tab], d: Dialect) -> String {
    let mut out = String::new();
    for (name, values) in unify_enums(&mut tables.to_vec()) {
        let values: Vec<String> = values.iter().map(|v| kdl_string(v)).collect();
        out.push_str(&format!(
            "enum {} {}\n",
            kdl_string(ENUM_NAMES[name]),
            values.join(" ")
        ));
    }
    for t in tables {
        out.push_str(&format!(
            "table {} {{\n    column id int primary-key=#true\n",
            kdl_string(&t.name)
        ));
        for c in &t.columns {
            out.push_str(&format!(
                "    column {} {}",
                kdl_string(&c.name),
                c.ty.kdl()
            ));
            if c.nullable {
                out.push_str(" nullable=#true");
            }
            if let Some(expr) = generated_sql(t, c, d) {
                out.push_str(&format!(" generated=(sql){}", kdl_string(&expr)));
                let stored = c.generated.as_ref().is_some_and(|g| g.stored);
                if stored || d == Dialect::Postgres {
                    out.push_str(" stored=#true");
                }
                out.push('\n');
                continue;
            }
            let defaults = c.ty.defaults();
            if let Some(i) = c.default
                && !defaults.is_empty()
            {
                out.push_str(&format!(" default={}", defaults[i % defaults.len()]));
            }
            if let (Some(i), Ty::DateTime | Ty::Timestamp) = (c.on_update, &c.ty) {
                out.push_str(&format!(
                    " {{\n        mysql on-update={}\n    }}",
                    ON_UPDATE[i]
                ));
            }
            out.push('\n');
        }
        for (i, conds) in t.checks.iter().enumerate() {
            let parts: Vec<String> = conds.iter().filter_map(|c| cond_sql(t, c, d)).collect();
            if !parts.is_empty() {
                out.push_str(&format!(
                    "    check {} {}\n",
                    kdl_string(&format!("ck_{}_{i}", t.name)),
                    kdl_string(&parts.join(" AND "))
                ));
            }
        }
        for (i, idx) in t.indexes.iter().enumerate() {
            let mut cols: Vec<&str> = Vec::new();
            for c in &idx.columns {
                if let Some(col) = t.columns.get(*c % t.columns.len().max(1))
                    && !cols.contains(&col.name.as_str())
                {
                    cols.push(&col.name);
                }
            }
            if cols.is_empty() {
                continue;
            }
            // The first part over an expression, as users index one: `lower(email)`.
            let expression = |c: &str| -> Option<String> {
                let form = idx.expression?;
                let col = t.columns.iter().find(|x| x.name == c)?;
                let n = name_in_sql(c, d, form % 2 == 0);
                if col.ty.is_string() {
                    Some(format!("{}({n})", ["lower", "upper"][form as usize % 2]))
                } else if col.ty.is_number() {
                    Some(format!("abs({n})"))
                } else {
                    None
                }
            };
            let part = |(n, c): (usize, &&str)| {
                if let (0, Some(e)) = (n, expression(c)) {
                    return format!("(sql){}", kdl_string(&e));
                }
                let desc = idx.descending.get(n).copied().unwrap_or(false);
                format!("{}{}", if desc { "(desc)" } else { "" }, kdl_string(c))
            };
            let names: Vec<String> = cols.iter().enumerate().map(part).collect();
            out.push_str(&format!(
                "    index {} name={}",
                names.join(" "),
                kdl_string(&format!("ix_{}_{i}", t.name))
            ));
            if idx.unique {
                out.push_str(" unique=#true");
            }
            if idx.all_descending {
                out.push_str(" desc=#true");
            }
            if let Some(p) = idx.predicate.as_ref().and_then(|p| cond_sql(t, p, d)) {
                out.push_str(&format!(" where={}", kdl_string(&p)));
            }
            let mut hints = Vec::new();
            if let Some(n) = idx.prefix {
                hints.push(format!("mysql length={n}"));
            }
            if let Some(at) = idx.skip {
                let database = ["sqlite", "mysql", "postgres"][usize::from(at) % 3];
                hints.push(format!("{database} skip=#true"));
            }
            if !hints.is_empty() {
                out.push_str(" {\n");
                for hint in hints {
                    out.push_str(&format!("        {hint}\n"));
                }
                out.push_str("    }");
            }
            out.push('\n');
        }
        out.push_str("}\n");
        for (name, query) in view_sql(t, d) {
            out.push_str(&format!(
                "view {} (sql){}\n",
                kdl_string(&name),
                kdl_string(&query)
            ));
        }
    }
    out
}

/// The `INSERT` of row `row` (ids from 1) into `t`, with some nullable columns NULL.
pub fn insert(t: &Tab, row: u32, seed: u32, d: Dialect) -> String {
    let mut names = vec![quote("id", d)];
    let mut values = vec![row.to_string()];
    for (k, c) in t.columns.iter().enumerate() {
        // The server computes a generated column.
        if generated_sql(t, c, d).is_some() {
            continue;
        }
        names.push(quote(&c.name, d));
        let null = c.nullable && (seed + k as u32).is_multiple_of(3);
        values.push(if null {
            "NULL".into()
        } else {
            c.ty.value(seed.wrapping_mul(k as u32 + 7).wrapping_add(row), d)
        });
    }
    format!(
        "INSERT INTO {} ({}) VALUES ({})",
        quote(&t.name, d),
        names.join(", "),
        values.join(", ")
    )
}
