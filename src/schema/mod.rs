//! The portable model: one description of a database schema, produced both by parsing
//! `schema.kdl` and by introspecting a live database, so that the differ compares like with like.
//!
//! Spans point into `schema.kdl` for parsed values and are empty for introspected ones; they
//! never take part in comparisons.

mod dialect;
mod names;
mod types;

pub use dialect::Dialect;
pub use names::{fk_name, index_name, stable_shorten};
pub use types::Type;

use miette::SourceSpan;

/// A byte range in the schema file; `(0, 0)` for values that did not come from a file.
pub type Span = SourceSpan;

/// The whole desired (or actual) state of one database.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    pub tables: Vec<Table>,
    /// Glob patterns of tables the tool never creates, alters or drops.
    pub ignore: Vec<String>,
    /// Triggers, routines, ignored views and other objects the language does not describe
    /// (introspected only).
    pub unmanaged: Vec<Unmanaged>,
    /// Views: as declared in the file, and as the live database defines them.
    pub views: Vec<View>,
    /// Named enum types: as declared in the file, and on the live side PostgreSQL's
    /// `CREATE TYPE ... AS ENUM` (a database without named enums has none after
    /// [`crate::dialect::resolve`]; its columns carry their values).
    pub enums: Vec<EnumType>,
}

/// `enum NAME { value A; value B }`: a named list of strings, in order.
#[derive(Debug, Clone)]
pub struct EnumType {
    pub name: String,
    pub values: Vec<String>,
    /// The whole declaration, its name, and each value (empty when not parsed).
    pub span: Span,
    pub name_span: Span,
    pub value_spans: Vec<Span>,
}

impl PartialEq for EnumType {
    /// Spans never take part in comparisons.
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.values == other.values
    }
}

impl EnumType {
    /// An enum read from a database or made by the tool: no source to point at.
    pub fn unparsed(name: String, values: Vec<String>) -> EnumType {
        EnumType {
            name,
            values,
            span: (0..0).into(),
            name_span: (0..0).into(),
            value_spans: Vec::new(),
        }
    }

    /// Where the `i`th value is written, or the enum's name when it was not parsed.
    pub fn value_span(&self, i: usize) -> Span {
        self.value_spans.get(i).copied().unwrap_or(self.name_span)
    }

    /// The column type that holds one of these values.
    pub fn ty(&self) -> Type {
        Type::Enum {
            name: self.name.clone(),
            values: self.values.clone(),
        }
    }
}

/// `view NAME (sql)"SELECT ..."`: a named query. The text is the user's (the dialect's own
/// where a hint gives one) on the desired side, and the database's reading of it on the live
/// side: what a server keeps is its own spelling (PostgreSQL `pg_get_viewdef`, MySQL
/// `VIEW_DEFINITION`), so a difference of text is settled by the server, in a scratch.
#[derive(Debug, Clone)]
pub struct View {
    pub name: String,
    /// The query (`SELECT ...`), without `CREATE VIEW ... AS` and without a final `;`.
    pub sql: String,
    /// A database's own text of the query (`postgres (sql)"..."`), before
    /// [`crate::dialect::resolve`] picks one into `sql`.
    pub hints: Vec<(Dialect, String)>,
    pub span: Span,
    pub name_span: Span,
}

impl PartialEq for View {
    /// Spans never take part in comparisons; the query is compared as [`normalize_sql`]
    /// spells it (the fast check: a server's respelling is settled by the scratch).
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && normalize_sql(&self.sql) == normalize_sql(&other.sql)
    }
}

impl View {
    /// A view read from a database: no source to point at.
    pub fn unparsed(name: String, sql: String) -> View {
        View {
            name,
            sql,
            hints: Vec::new(),
            span: (0..0).into(),
            name_span: (0..0).into(),
        }
    }

    /// What the query reads, parsed once: ask it of many names with [`Reads::contains`].
    pub fn read(&self) -> Reads {
        match relations(&self.sql) {
            Some(relations) => Reads::Relations(relations),
            None => Reads::Words(self.sql.to_lowercase()),
        }
    }

    /// Whether the query reads `name`, for one question ([`View::read`] for many).
    pub fn reads(&self, name: &str) -> bool {
        self.read().contains(name)
    }
}

/// The tables and views a view's query reads ([`View::read`]).
#[derive(Debug, Clone)]
pub enum Reads {
    /// The relations an SQL parser finds in it (`FROM`, `JOIN`, subqueries), each the last
    /// part of its name with whether it is quoted.
    Relations(Vec<(String, bool)>),
    /// The query, lower-cased, where no parser reads it.
    Words(String),
}

impl Reads {
    /// Whether `name` is read: a quoted relation exactly, a bare one ignoring case. Where no
    /// parser read the query, whether it holds the name as a whole word: a name read more
    /// often than it is costs only a view made again.
    pub fn contains(&self, name: &str) -> bool {
        match self {
            Reads::Relations(read) => read.iter().any(|(n, quoted)| match quoted {
                true => n == name,
                false => n.to_lowercase() == name.to_lowercase(),
            }),
            Reads::Words(query) => mentions(query, &name.to_lowercase()),
        }
    }

    /// The names of the relations, as written (none where no parser read the query).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        let relations = match self {
            Reads::Relations(read) => read.as_slice(),
            Reads::Words(_) => &[],
        };
        relations.iter().map(|(n, _)| n.as_str())
    }
}

/// The relations `query` reads, each the last part of its name with whether it is quoted;
/// `None` where no dialect's parser reads it.
fn relations(query: &str) -> Option<Vec<(String, bool)>> {
    use sqlparser::ast::{ObjectNamePart, visit_relations};
    use sqlparser::dialect::{
        Dialect as ParserDialect, GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect,
    };
    use sqlparser::parser::Parser;
    let dialects: [&dyn ParserDialect; 4] = [
        &GenericDialect {},
        &MySqlDialect {},
        &PostgreSqlDialect {},
        &SQLiteDialect {},
    ];
    let parsed = dialects.iter().find_map(|d| {
        let mut parser = Parser::new(*d).try_with_sql(query).ok()?;
        parser.parse_query().ok()
    })?;
    let mut out = Vec::new();
    let _ = visit_relations(&parsed, |name| {
        if let Some(ObjectNamePart::Identifier(ident)) = name.0.last() {
            out.push((ident.value.clone(), ident.quote_style.is_some()));
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    Some(out)
}

/// A view's query as a database keeps it, without the trailing `;` and surrounding space
/// that PostgreSQL's `pg_get_viewdef` adds.
pub fn view_query(sql: &str) -> String {
    sql.trim().trim_end_matches(';').trim_end().to_string()
}

/// An object the tool leaves alone, except to recreate it around a table rebuild.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmanaged {
    /// `view`, `trigger`, `index` (an index on expressions, which the language cannot
    /// describe), or a routine: `function`, `procedure` (PostgreSQL also `aggregate`,
    /// `window function`).
    pub kind: String,
    /// A PostgreSQL routine's name carries its argument types: `touch(integer)`.
    pub name: String,
    /// The table a trigger belongs to (a view's own name; empty for a routine).
    pub table: String,
    /// The statement that creates it, as the database keeps it (empty for a routine, which
    /// nothing recreates).
    pub sql: String,
}

impl Schema {
    /// The table called `name`, if any.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// The view called `name`, if any.
    pub fn view(&self, name: &str) -> Option<&View> {
        self.views.iter().find(|v| v.name == name)
    }

    /// The enum type called `name`, if any.
    pub fn enum_type(&self, name: &str) -> Option<&EnumType> {
        self.enums.iter().find(|e| e.name == name)
    }

    /// Whether `name` matches one of the `ignore` patterns.
    pub fn is_ignored(&self, name: &str) -> bool {
        self.ignore.iter().any(|p| glob_match(p, name))
    }
}

#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub renamed_from: Option<String>,
    pub columns: Vec<Column>,
    /// Primary-key columns in key order; empty when the table has none.
    pub primary_key: Vec<String>,
    /// The primary key's constraint name as the catalog reports it (`None`: the database's
    /// default, or a database that does not name it).
    pub primary_key_name: Option<String>,
    pub indexes: Vec<Index>,
    pub foreign_keys: Vec<ForeignKey>,
    pub checks: Vec<Check>,
    pub comment: Option<String>,
    /// MySQL table options (`mysql engine=... charset=... collate=...`).
    pub options: TableOptions,
    /// What the live table holds that the model cannot describe (a generated column, a
    /// `WITHOUT ROWID` option...): a change that would recreate the table is refused, naming
    /// these, instead of silently losing them.
    pub unmodeled: Vec<String>,
    /// MySQL 8.0.29+: the row versions that instant `ADD`/`DROP COLUMN`s left on the live
    /// table (`INNODB_TABLES.TOTAL_ROW_VERSIONS`), which the server caps; 0 elsewhere.
    pub instant_row_versions: u32,
    pub span: Span,
    pub name_span: Span,
}

impl std::default::Default for Table {
    fn default() -> Self {
        Table {
            name: String::new(),
            renamed_from: None,
            columns: Vec::new(),
            primary_key: Vec::new(),
            primary_key_name: None,
            indexes: Vec::new(),
            foreign_keys: Vec::new(),
            checks: Vec::new(),
            comment: None,
            options: TableOptions::default(),
            unmodeled: Vec::new(),
            instant_row_versions: 0,
            span: Span::from(0..0),
            name_span: Span::from(0..0),
        }
    }
}

impl Table {
    /// The column called `name`, if any.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The auto-increment column, if the table has one.
    pub fn auto_increment_column(&self) -> Option<&Column> {
        self.columns.iter().find(|c| c.auto_increment)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableOptions {
    pub engine: Option<String>,
    pub charset: Option<String>,
    pub collate: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub ty: Type,
    /// The exact type spelling to create the column with, when it matters beyond `ty`: a
    /// hint's `type=` as written, or a catalog spelling that `ty` alone would not recreate
    /// (SQLite's `INT` key, which is not the rowid). Never compared.
    pub declared: Option<String>,
    pub nullable: bool,
    pub default: Option<DefaultValue>,
    pub auto_increment: bool,
    /// MySQL's `ON UPDATE CURRENT_TIMESTAMP`: the SQL the server sets the column to whenever
    /// a row changes, and where it is written (empty when not parsed).
    pub on_update: Option<(String, Span)>,
    /// A generated column's expression: the server computes every value.
    pub generated: Option<Generated>,
    pub renamed_from: Option<String>,
    pub comment: Option<String>,
    pub collate: Option<String>,
    pub charset: Option<String>,
    /// Per-dialect overrides, folded into the fields above by [`crate::dialect::resolve`].
    pub hints: Vec<ColumnHint>,
    pub span: Span,
    pub name_span: Span,
    pub type_span: Span,
}

impl Column {
    /// A NOT NULL column of type `ty` with nothing else set.
    pub fn new(name: impl Into<String>, ty: Type) -> Self {
        Column {
            name: name.into(),
            ty,
            declared: None,
            nullable: false,
            default: None,
            auto_increment: false,
            on_update: None,
            generated: None,
            renamed_from: None,
            comment: None,
            collate: None,
            charset: None,
            hints: Vec::new(),
            span: Span::from(0..0),
            name_span: Span::from(0..0),
            type_span: Span::from(0..0),
        }
    }

    /// Whether the server gives each row the column's value itself: an auto-increment or a
    /// generated column (existing rows need no default for it).
    pub fn is_computed(&self) -> bool {
        self.auto_increment || self.generated.is_some()
    }
}

/// How a generated column computes its values: `generated=(sql)"price * qty"`, kept on
/// disk (`stored=#true`) or computed when read.
#[derive(Debug, Clone)]
pub struct Generated {
    pub expr: String,
    pub stored: bool,
    /// Where the expression is written (empty when read from a catalog).
    pub span: Span,
}

impl Generated {
    /// A generated column as a catalog reads it: no place in a file.
    pub fn read(expr: String, stored: bool) -> Self {
        Generated {
            expr,
            stored,
            span: Span::from(0..0),
        }
    }
}

/// A dialect-specific override of a column (`mysql type=MEDIUMTEXT`).
#[derive(Debug, Clone)]
pub struct ColumnHint {
    pub dialect: Dialect,
    pub ty: Option<(String, Span)>,
    pub collate: Option<String>,
    pub charset: Option<String>,
    pub default: Option<DefaultValue>,
    pub on_update: Option<(String, Span)>,
    pub generated: Option<(String, Span)>,
}

/// SQL text made comparable: single spaces, no outer parentheses.
pub fn normalize_sql(sql: &str) -> String {
    let s = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    strip_outer_parentheses(&s).to_string()
}

/// `sql` without the parentheses that enclose all of it (`((a > 0))`: `a > 0`), trimmed.
pub fn strip_outer_parentheses(sql: &str) -> &str {
    let mut s = sql.trim();
    while s.starts_with('(') && s.ends_with(')') && balanced(&s[1..s.len() - 1]) {
        s = s[1..s.len() - 1].trim();
    }
    s
}

/// Whether every `(` of `s` is closed, and never before it opens.
fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    for c in s.chars() {
        depth += match c {
            '(' => 1,
            ')' => -1,
            _ => 0,
        };
        if depth < 0 {
            return false;
        }
    }
    depth == 0
}

/// Whether `expr` mentions `name` as a whole word (bare or quoted).
pub fn mentions(expr: &str, name: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    expr.match_indices(name).any(|(i, _)| {
        let before = expr[..i].chars().next_back();
        let after = expr[i + name.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

/// Whether `text` is a plain decimal number: an optional `-`, digits, and at most one `.`
/// with digits after it (`0`, `-3`, `2.50`).
pub fn plain_decimal(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    !whole.is_empty()
        && !fraction.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// The value of a plain decimal, as text that is equal for equal values: no leading zeros,
/// no trailing zeros after the point, no `-0` (`2.50` and `02.5` are `2.5`). `None` for
/// text that is not a plain decimal.
pub fn decimal_value(text: &str) -> Option<String> {
    if !plain_decimal(text) {
        return None;
    }
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let whole = whole.trim_start_matches('0');
    let fraction = fraction.trim_end_matches('0');
    let magnitude = match (whole.is_empty(), fraction.is_empty()) {
        (true, true) => return Some("0".into()),
        (_, true) => whole.to_string(),
        (true, false) => format!("0.{fraction}"),
        (false, false) => format!("{whole}.{fraction}"),
    };
    Some(if negative {
        format!("-{magnitude}")
    } else {
        magnitude
    })
}

/// A column default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefaultValue {
    Bool(bool),
    /// A number as written (`0`, `1.50`, `-3`).
    Number(String),
    String(String),
    /// An SQL expression passed through as written (`CURRENT_TIMESTAMP`).
    Sql(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    pub name: String,
    /// The parts: a column's name, or for a part that [`Index::is_expression`] the SQL of
    /// the expression (`lower(email)`).
    pub columns: Vec<String>,
    pub unique: bool,
    /// The predicate of a partial index, as written.
    pub predicate: Option<String>,
    pub span: Span,
    /// One span per entry of `columns`.
    pub column_spans: Vec<Span>,
    /// Which parts are descending, one entry per column; empty when every part is
    /// ascending (the only form it takes then, so that equal indexes compare equal: see
    /// [`Index::directions`]).
    pub descending: Vec<bool>,
    /// Which parts are expressions, one entry per part; empty when none is (as
    /// `descending`).
    pub expressions: Vec<bool>,
    /// MySQL: how many leading characters (bytes of a binary column) of each part the index
    /// holds (`title(20)`), one entry per part; empty when every part is whole. Parsed from
    /// the index's `mysql length=N` hint (every column part, until
    /// [`crate::dialect::resolve`] keeps those of string, text and bytes columns on MySQL
    /// and clears it elsewhere); read from `STATISTICS.SUB_PART`.
    pub prefixes: Vec<Option<u32>>,
    /// The databases whose schema leaves the index out (`postgres skip=#true`): an index
    /// one server cannot hold (MariaDB has no index over an expression). Emptied by
    /// [`crate::dialect::resolve`], which drops the index on those databases.
    pub skipped: Vec<Dialect>,
    /// Whether `name` was generated rather than written by the user.
    pub generated_name: bool,
    pub kind: IndexKind,
}

/// How the database holds a unique key. Both kinds compare equal; the kind decides how a
/// drop is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IndexKind {
    /// `CREATE [UNIQUE] INDEX`.
    #[default]
    Index,
    /// A `UNIQUE` table constraint. `named` is false where the database gives it no name of
    /// its own (SQLite's inline `UNIQUE`, `sqlite_autoindex_*`): it is then matched by its
    /// definition, and its catalog name is never shown.
    UniqueConstraint { named: bool },
    /// An index the database keeps but does not use (PostgreSQL: a failed
    /// `CREATE INDEX CONCURRENTLY` leaves one behind, `indisvalid` false): it matches nothing,
    /// so a plan drops it and builds it again.
    Invalid,
}

impl IndexKind {
    /// Whether the database uses the index (it can match a desired one).
    pub fn is_usable(self) -> bool {
        self != IndexKind::Invalid
    }
}

impl Index {
    /// `descending` in its one form: empty unless a part is descending.
    pub fn directions(descending: Vec<bool>) -> Vec<bool> {
        if descending.contains(&true) {
            descending
        } else {
            Vec::new()
        }
    }

    /// `prefixes` in its one form: empty unless a part has a prefix.
    pub fn prefixes(prefixes: Vec<Option<u32>>) -> Vec<Option<u32>> {
        if prefixes.iter().any(Option::is_some) {
            prefixes
        } else {
            Vec::new()
        }
    }

    /// The prefix length of part `i`, if it holds only one.
    pub fn prefix(&self, i: usize) -> Option<u32> {
        self.prefixes.get(i).copied().flatten()
    }

    /// Where part `i` is written in schema.kdl (the index's span when unknown).
    pub fn part_span(&self, i: usize) -> Span {
        self.column_spans.get(i).copied().unwrap_or(self.span)
    }

    /// Whether part `i` is an expression rather than a column.
    pub fn is_expression(&self, i: usize) -> bool {
        self.expressions.get(i).copied().unwrap_or(false)
    }

    /// The names of the columns the index has as parts (not those its expressions read).
    pub fn column_parts(&self) -> impl Iterator<Item = &String> {
        self.columns
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.is_expression(*i))
            .map(|(_, c)| c)
    }

    /// Whether the index has `column` as a part, or reads it in an expression part or its
    /// predicate (a database drops such an index with the column).
    pub fn uses_column(&self, column: &str) -> bool {
        let part = self.columns.iter().enumerate().any(|(i, c)| {
            if self.is_expression(i) {
                mentions(c, column)
            } else {
                c == column
            }
        });
        part || self
            .predicate
            .as_deref()
            .is_some_and(|p| mentions(p, column))
    }

    /// Each part (a column's name, or an expression's SQL) with whether it is descending
    /// and whether it is an expression.
    pub fn parts(&self) -> impl Iterator<Item = (&String, bool, bool)> {
        let descending = |i: usize| self.descending.get(i).copied().unwrap_or(false);
        self.columns
            .iter()
            .enumerate()
            .map(move |(i, c)| (c, descending(i), self.is_expression(i)))
    }

    /// Whether the catalog gave this index a name of its own (else it matches by definition).
    pub fn has_own_name(&self) -> bool {
        !matches!(self.kind, IndexKind::UniqueConstraint { named: false })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Action {
    #[default]
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl Action {
    /// The spelling used in `schema.kdl`.
    pub const KDL_NAMES: [(&'static str, Action); 5] = [
        ("no-action", Action::NoAction),
        ("restrict", Action::Restrict),
        ("cascade", Action::Cascade),
        ("set-null", Action::SetNull),
        ("set-default", Action::SetDefault),
    ];

    /// The SQL keywords of this action.
    pub fn sql(self) -> &'static str {
        match self {
            Action::NoAction => "NO ACTION",
            Action::Restrict => "RESTRICT",
            Action::Cascade => "CASCADE",
            Action::SetNull => "SET NULL",
            Action::SetDefault => "SET DEFAULT",
        }
    }

    /// The spelling used in `schema.kdl`.
    pub fn kdl(self) -> &'static str {
        Self::KDL_NAMES
            .iter()
            .find(|(_, a)| *a == self)
            .map(|(n, _)| *n)
            .unwrap_or("no-action")
    }

    /// Parses an SQL action (`SET NULL`, `cascade`), as catalogs report them.
    pub fn from_sql(s: &str) -> Option<Action> {
        let s = s.trim().to_ascii_uppercase().replace('_', " ");
        [
            Action::NoAction,
            Action::Restrict,
            Action::Cascade,
            Action::SetNull,
            Action::SetDefault,
        ]
        .into_iter()
        .find(|a| a.sql() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    pub name: String,
    pub columns: Vec<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    pub on_delete: Action,
    pub on_update: Action,
    pub span: Span,
    pub column_spans: Vec<Span>,
    pub references_span: Span,
    pub generated_name: bool,
    /// MySQL, live: the server made an index of the key's name for it, which the key owns
    /// (it is not listed among the table's indexes, and goes when the key goes).
    pub implicit_index: bool,
    /// False for a live key added `NOT VALID` whose rows were never validated (PostgreSQL,
    /// after a `VALIDATE CONSTRAINT` that failed): it matches no desired key.
    pub validated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: String,
    pub expr: String,
    /// False for a live check the database keeps without a name (SQLite's bare `CHECK`): it
    /// is matched by its expression, and `name` is a generated stand-in.
    pub named: bool,
    /// False for a live check added `NOT VALID` whose rows were never validated
    /// (PostgreSQL): it matches no desired check.
    pub validated: bool,
    pub span: Span,
}

/// Matches `name` against a glob with `*` (any run) and `?` (any one character), in time
/// proportional to the product of their lengths at worst (a pattern of many `*` against a
/// long name must not take exponential time).
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    // The last `*` seen, and where in `name` its run currently ends.
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some(c) if *c == '?' || *c == n[ni] => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("tmp_*", "tmp_x"));
        assert!(glob_match("tmp_*", "tmp_"));
        assert!(!glob_match("tmp_*", "xtmp_"));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("a?c", "ac"));
        assert!(glob_match("alembic_version", "alembic_version"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a*b*c", "aXbYbZc"));
        assert!(!glob_match("a*b*c", "aXbYbZ"));
        assert!(glob_match("*?", "x"));
        assert!(!glob_match("*?", ""));
        let stars = format!("{}b", "*a".repeat(40));
        assert!(!glob_match(&stars, &"a".repeat(200)));
        assert!(glob_match(&stars, &format!("{}b", "a".repeat(200))));
    }

    #[test]
    fn actions_round_trip() {
        for (_, a) in Action::KDL_NAMES {
            assert_eq!(Action::from_sql(a.sql()), Some(a));
        }
        assert_eq!(Action::from_sql("set_null"), Some(Action::SetNull));
    }

    #[test]
    fn a_view_reads_the_relations_of_its_query_only() {
        let view = |sql: &str| View::unparsed("v".into(), sql.into());
        // A keyword as a name, a join, a subquery, a quoted name.
        let q = view(
            "SELECT m.id FROM metrics m JOIN \"Order\" o ON o.id = m.id \
             WHERE m.id IN (SELECT id FROM status) AND m.kind <> 'logs'",
        );
        for name in ["metrics", "METRICS", "Order", "status"] {
            assert!(q.reads(name), "{name}");
        }
        // A literal, a column, a quoted name in another case are not read.
        for name in ["logs", "kind", "order", "id"] {
            assert!(!q.reads(name), "{name}");
        }
        // MySQL's spelling.
        let q = view("select `users`.`id` AS `id` from `users` where `users`.`is_active` <> 0");
        assert!(q.reads("users") && !q.reads("id"));
        // What no parser reads falls back to the words: it may read more, never less.
        let q = view("SELECT id FROM t WHERE (x = 1");
        assert!(q.reads("t") && q.reads("x"));
    }
}
