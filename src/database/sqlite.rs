//! SQLite, live: introspection from `sqlite_schema` and the `pragma_*` table functions, and
//! apply on one connection with foreign keys off, `BEGIN IMMEDIATE`, preflight checks,
//! `PRAGMA foreign_key_check` and commit (<https://www.sqlite.org/lang_altertable.html>).

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{AssertSqlSafe, Connection, Executor, Row};

use crate::change::Change;
use crate::dialect::Dialect;
use crate::error::Error;
use crate::plan::Plan;
use crate::redact::redact_url;
use crate::schema::{
    Action, Check, Column, DefaultValue, ForeignKey, Index, Schema, Table, Type, Unmanaged,
};

pub struct Sqlite {
    conn: SqliteConnection,
}

const TABLES: &str = "SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
const COLUMNS: &str = "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_xinfo(?) WHERE hidden = 0 ORDER BY cid";
const INDEXES: &str = "SELECT l.name, l.\"unique\", l.origin, s.sql FROM pragma_index_list(?) l LEFT JOIN sqlite_schema s ON s.type = 'index' AND s.name = l.name ORDER BY l.name";
const INDEX_COLUMNS: &str = "SELECT name FROM pragma_index_info(?) ORDER BY seqno";
const FOREIGN_KEYS: &str = "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq";
const UNMANAGED: &str = "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE type IN ('view', 'trigger') AND sql IS NOT NULL ORDER BY type, name";

fn introspect_error(e: sqlx::Error) -> Error {
    Error::Introspect {
        message: e.to_string(),
    }
}

fn apply_error(e: sqlx::Error) -> Error {
    Error::Apply {
        message: e.to_string(),
    }
}

impl Sqlite {
    /// Opens (creating if missing) the file of a `sqlite://PATH` URL, relative to `root`.
    pub async fn open(url: &str, root: &Path, lock_timeout: u64) -> Result<Sqlite, Error> {
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let full = if path == ":memory:" || Path::new(path).is_absolute() {
            path.to_string()
        } else {
            root.join(path).display().to_string()
        };
        let connect_error = |e: sqlx::Error| Error::Connect {
            url: redact_url(url),
            message: e.to_string(),
        };
        let spec = if query.is_empty() {
            format!("sqlite://{full}")
        } else {
            format!("sqlite://{full}?{query}")
        };
        let options = SqliteConnectOptions::from_str(&spec)
            .map_err(connect_error)?
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(lock_timeout));
        let conn = SqliteConnection::connect_with(&options)
            .await
            .map_err(connect_error)?;
        Ok(Sqlite { conn })
    }

    /// Every table, with columns, keys, indexes and checks, plus the views and triggers.
    pub async fn introspect(&mut self) -> Result<Schema, Error> {
        let rows = sqlx::query(TABLES)
            .fetch_all(&mut self.conn)
            .await
            .map_err(introspect_error)?;
        let mut schema = Schema::default();
        for row in rows {
            let name: String = row.get(0);
            let sql: Option<String> = row.get(1);
            let table = self.table(&name, sql.as_deref().unwrap_or("")).await?;
            schema.tables.push(table);
        }
        resolve_implicit_targets(&mut schema);
        for row in sqlx::query(UNMANAGED)
            .fetch_all(&mut self.conn)
            .await
            .map_err(introspect_error)?
        {
            schema.unmanaged.push(Unmanaged {
                kind: row.get(0),
                name: row.get(1),
                table: row.get(2),
                sql: row.get(3),
            });
        }
        Ok(schema)
    }

    async fn table(&mut self, name: &str, create_sql: &str) -> Result<Table, Error> {
        let d = Dialect::Sqlite.sql();
        let mut table = Table {
            name: name.to_string(),
            ..Table::default()
        };
        let mut pk: Vec<(i64, String)> = Vec::new();
        for row in sqlx::query(COLUMNS)
            .bind(name)
            .fetch_all(&mut self.conn)
            .await
            .map_err(introspect_error)?
        {
            let column_name: String = row.get(0);
            let ty: String = row.get(1);
            let mut c = Column::new(column_name.clone(), d.parse_type(&ty));
            c.nullable = row.get::<i64, _>(2) == 0;
            c.default = row.get::<Option<String>, _>(3).map(|s| parse_default(&s));
            let position: i64 = row.get(4);
            if position > 0 {
                pk.push((position, column_name));
            }
            table.columns.push(c);
        }
        pk.sort();
        table.primary_key = pk.into_iter().map(|(_, c)| c).collect();
        if let [only] = table.primary_key.as_slice() {
            if let Some(c) = table.columns.iter_mut().find(|c| c.name == *only) {
                if d.column_type_sql(c) == "INTEGER" {
                    c.auto_increment = true;
                    c.nullable = false;
                }
            }
        }
        for row in sqlx::query(INDEXES)
            .bind(name)
            .fetch_all(&mut self.conn)
            .await
            .map_err(introspect_error)?
        {
            let index_name: String = row.get(0);
            let origin: String = row.get(2);
            if origin == "pk" {
                continue;
            }
            let cols: Vec<Option<String>> = sqlx::query_scalar(INDEX_COLUMNS)
                .bind(&index_name)
                .fetch_all(&mut self.conn)
                .await
                .map_err(introspect_error)?;
            // An index on an expression has no column name: the language cannot describe it.
            let Some(columns) = cols.into_iter().collect::<Option<Vec<String>>>() else {
                continue;
            };
            let sql: Option<String> = row.get(3);
            table.indexes.push(Index {
                name: index_name,
                columns,
                unique: row.get::<i64, _>(1) == 1,
                predicate: sql.as_deref().and_then(index_predicate),
                span: (0..0).into(),
                column_spans: Vec::new(),
                generated_name: false,
            });
        }
        let mut keys: Vec<(i64, ForeignKey)> = Vec::new();
        for row in sqlx::query(FOREIGN_KEYS)
            .bind(name)
            .fetch_all(&mut self.conn)
            .await
            .map_err(introspect_error)?
        {
            let id: i64 = row.get(0);
            let (target, from, to): (String, String, Option<String>) =
                (row.get(1), row.get(2), row.get(3));
            match keys.last_mut() {
                Some((last, fk)) if *last == id => {
                    fk.columns.push(from);
                    fk.ref_columns.extend(to);
                }
                _ => keys.push((
                    id,
                    ForeignKey {
                        name: String::new(),
                        columns: vec![from],
                        ref_table: target,
                        ref_columns: to.into_iter().collect(),
                        on_update: Action::from_sql(&row.get::<String, _>(4)).unwrap_or_default(),
                        on_delete: Action::from_sql(&row.get::<String, _>(5)).unwrap_or_default(),
                        span: (0..0).into(),
                        column_spans: Vec::new(),
                        references_span: (0..0).into(),
                        generated_name: true,
                    },
                )),
            }
        }
        // pragma_foreign_key_list numbers keys from the last declared one.
        keys.reverse();
        for (_, mut fk) in keys {
            fk.name = crate::schema::fk_name(name, &fk.columns, &fk.ref_table);
            table.foreign_keys.push(fk);
        }
        table.checks = named_checks(create_sql);
        Ok(table)
    }

    /// Runs `plan` in one `BEGIN IMMEDIATE` transaction with foreign keys off; checks them
    /// before committing. Any failure rolls everything back.
    pub async fn apply(&mut self, plan: &Plan, lock_timeout: u64) -> Result<(), Error> {
        self.conn
            .execute("PRAGMA foreign_keys = OFF")
            .await
            .map_err(apply_error)?;
        let result = self.apply_in_transaction(plan, lock_timeout).await;
        let restore = self
            .conn
            .execute("PRAGMA foreign_keys = ON")
            .await
            .map_err(apply_error);
        result.and(restore.map(|_| ()))
    }

    async fn apply_in_transaction(&mut self, plan: &Plan, lock_timeout: u64) -> Result<(), Error> {
        if let Err(e) = self.conn.execute("BEGIN IMMEDIATE").await {
            return Err(Error::Refused {
                reason: format!("could not lock the database within {lock_timeout} s: {e}"),
                help: Some("another apply may be running; try again when it has finished".into()),
            });
        }
        let result = self.run_steps(plan).await;
        match result {
            Ok(()) => self
                .conn
                .execute("COMMIT")
                .await
                .map(|_| ())
                .map_err(apply_error),
            Err(e) => {
                let _ = self.conn.execute("ROLLBACK").await;
                Err(e)
            }
        }
    }

    async fn run_steps(&mut self, plan: &Plan) -> Result<(), Error> {
        let refusals = self.preflight(plan).await?;
        if !refusals.is_empty() {
            return Err(Error::Refused {
                reason: format!("stored data would be lost or rejected; nothing was changed:\n{}", refusals.join("\n")),
                help: Some("fix the data first (or give the column a default); reconcile never decides to lose data".into()),
            });
        }
        let total = plan.statements().count();
        for (n, (step, sql)) in plan.statements().enumerate() {
            if let Err(e) = self.conn.execute(AssertSqlSafe(sql.to_string())).await {
                return Err(Error::Statement {
                    index: n + 1,
                    total,
                    change: plan.steps[step].change.describe(),
                    sql: sql.to_string(),
                    message: e.to_string(),
                });
            }
        }
        let violations: Vec<(String, i64, String)> =
            sqlx::query_as("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check")
                .fetch_all(&mut self.conn)
                .await
                .unwrap_or_default();
        if let Some((table, rowid, parent)) = violations.first() {
            return Err(Error::Refused {
                reason: format!(
                    "{} row(s) would break foreign keys (first: rowid {rowid} of `{table}` has no parent in `{parent}`); nothing was changed",
                    violations.len()
                ),
                help: Some("delete or fix the orphan rows first".into()),
            });
        }
        Ok(())
    }

    /// What the plan would do to stored rows that it must not: one line per refusal.
    async fn preflight(&mut self, plan: &Plan) -> Result<Vec<String>, Error> {
        let mut out = Vec::new();
        for step in &plan.steps {
            for (what, query) in guards(&step.change) {
                let count: i64 = sqlx::query_scalar(AssertSqlSafe(query))
                    .fetch_one(&mut self.conn)
                    .await
                    .map_err(apply_error)?;
                if count > 0 {
                    out.push(format!("  {what}: {count} row(s)"));
                }
            }
        }
        Ok(out)
    }
}

/// The checks one change needs before it runs: (what would go wrong, a query counting the
/// rows it would go wrong for).
fn guards(change: &Change) -> Vec<(String, String)> {
    let d = Dialect::Sqlite.sql();
    let q = |s: &str| d.quote(s);
    let mut out = Vec::new();
    let count = |table: &str, condition: String| {
        format!("SELECT COUNT(*) FROM {} WHERE {condition}", q(table))
    };
    match change {
        Change::AddColumn { table, column } if !column.nullable && column.default.is_none() => {
            out.push((
                format!(
                    "`{table}` has rows, and the new NOT NULL column `{}` has no default",
                    column.name
                ),
                count(table, "1".into()),
            ));
        }
        Change::RebuildTable { from, to, copy, .. } => {
            for c in &to.columns {
                match copy
                    .iter()
                    .find(|(new, _)| *new == c.name)
                    .and_then(|(_, old)| from.column(old))
                {
                    None if !c.nullable && c.default.is_none() && !c.auto_increment => out.push((
                        format!(
                            "`{}` has rows, and the new NOT NULL column `{}` has no default",
                            to.name, c.name
                        ),
                        count(&from.name, "1".into()),
                    )),
                    None => {}
                    Some(old) => {
                        if old.nullable && !c.nullable && c.default.is_none() {
                            out.push((
                                format!(
                                    "`{}.{}` becomes NOT NULL without a default but holds NULLs",
                                    to.name, c.name
                                ),
                                count(&from.name, format!("{} IS NULL", q(&old.name))),
                            ));
                        }
                        if let Some(condition) = lossy(&q(&old.name), &old.ty, &c.ty) {
                            out.push((
                                format!(
                                    "`{}.{}` ({} -> {}) would change stored values",
                                    to.name, c.name, old.ty, c.ty
                                ),
                                count(&from.name, condition),
                            ));
                        }
                    }
                }
            }
        }
        _ => {}
    }
    out
}

/// A condition true for the values of `col` that converting `from` to `to` would truncate,
/// round or reject; `None` when the conversion keeps every value.
fn lossy(col: &str, from: &Type, to: &Type) -> Option<String> {
    if from.widens_to(to) {
        return None;
    }
    let range = |lo: i64, hi: i64| {
        format!(
            "{col} IS NOT NULL AND (typeof({col}) <> 'integer' OR {col} NOT BETWEEN {lo} AND {hi})"
        )
    };
    Some(match to {
        Type::String { length: Some(n) } => format!("length({col}) > {n}"),
        Type::String { length: None } | Type::Text => {
            format!("{col} IS NOT NULL AND typeof({col}) NOT IN ('text', 'integer', 'real')")
        }
        Type::Bool => format!("{col} IS NOT NULL AND {col} NOT IN (0, 1)"),
        Type::SmallInt => range(-32768, 32767),
        Type::Int => range(-2_147_483_648, 2_147_483_647),
        Type::BigInt => range(i64::MIN, i64::MAX),
        Type::Decimal { precision, scale } => format!(
            "{col} IS NOT NULL AND (typeof({col}) NOT IN ('integer', 'real') OR round({col}, {scale}) <> {col} OR abs({col}) >= 1e{})",
            precision - scale
        ),
        Type::Float | Type::Double => {
            format!("{col} IS NOT NULL AND typeof({col}) NOT IN ('integer', 'real')")
        }
        Type::Date => {
            format!("{col} IS NOT NULL AND (date({col}) IS NULL OR date({col}) <> {col})")
        }
        Type::DateTime | Type::Timestamp => {
            format!("{col} IS NOT NULL AND datetime({col}) IS NULL")
        }
        Type::Time | Type::Uuid | Type::Json | Type::Bytes | Type::Raw(_) => {
            // SQLite keeps values as stored; a declared type it does not check changes nothing.
            return None;
        }
    })
}

/// A default as SQLite reports it (`'it''s'`, `12`, `TRUE`, `CURRENT_TIMESTAMP`).
fn parse_default(sql: &str) -> DefaultValue {
    let s = sql.trim();
    if let Some(inner) = s.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        if !inner.replace("''", "").contains('\'') {
            return DefaultValue::String(inner.replace("''", "'"));
        }
    }
    match s.to_ascii_uppercase().as_str() {
        "TRUE" => DefaultValue::Bool(true),
        "FALSE" => DefaultValue::Bool(false),
        _ if s.parse::<f64>().is_ok() && !s.starts_with('+') => DefaultValue::Number(s.to_string()),
        _ => DefaultValue::Sql(crate::diff::normalize_sql(s)),
    }
}

/// Foreign keys written `REFERENCES t` point at the parent's primary key.
fn resolve_implicit_targets(schema: &mut Schema) {
    let keys: Vec<(String, Vec<String>)> = schema
        .tables
        .iter()
        .map(|t| (t.name.clone(), t.primary_key.clone()))
        .collect();
    for fk in schema
        .tables
        .iter_mut()
        .flat_map(|t| t.foreign_keys.iter_mut())
    {
        if fk.ref_columns.is_empty() {
            fk.ref_columns = keys
                .iter()
                .find(|(t, _)| *t == fk.ref_table)
                .map(|(_, pk)| pk.clone())
                .unwrap_or_default();
        }
    }
}

/// The `WHERE` clause of a `CREATE INDEX` statement.
fn index_predicate(sql: &str) -> Option<String> {
    let (_, after) = split_top_level_parens(sql)?;
    let rest = after.trim_start();
    let keyword = rest.get(..5)?;
    keyword
        .eq_ignore_ascii_case("WHERE")
        .then(|| rest[5..].trim().to_string())
}

/// The text up to the first top-level parenthesised group and the text after it.
fn split_top_level_parens(sql: &str) -> Option<(&str, &str)> {
    let open = sql.find('(')?;
    let close = matching_paren(sql, open)?;
    Some((&sql[..open], &sql[close + 1..]))
}

/// The index of the `)` that closes the `(` at `open`, skipping quoted text.
fn matching_paren(sql: &str, open: usize) -> Option<usize> {
    let mut depth = 0;
    let mut quote: Option<char> = None;
    for (i, c) in sql.char_indices().skip_while(|(i, _)| *i < open) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The `CONSTRAINT name CHECK (expr)` clauses of a `CREATE TABLE` statement.
fn named_checks(sql: &str) -> Vec<Check> {
    let mut out = Vec::new();
    let upper = sql.to_ascii_uppercase();
    let mut from = 0;
    while let Some(at) = upper[from..].find("CONSTRAINT").map(|i| i + from) {
        from = at + "CONSTRAINT".len();
        let rest = &sql[from..];
        let Some((name, after_name)) = identifier(rest.trim_start()) else {
            continue;
        };
        let after_name = after_name.trim_start();
        if !after_name
            .get(..5)
            .is_some_and(|k| k.eq_ignore_ascii_case("CHECK"))
        {
            continue;
        }
        let open_at = sql.len() - after_name.len() + after_name.find('(').unwrap_or(0);
        if let Some(close) = matching_paren(sql, open_at) {
            out.push(Check {
                name,
                expr: sql[open_at + 1..close].trim().to_string(),
                span: (0..0).into(),
            });
            from = close;
        }
    }
    out
}

/// A quoted or bare identifier at the start of `s`, and the rest.
fn identifier(s: &str) -> Option<(String, &str)> {
    let first = s.chars().next()?;
    if let Some(close) = match first {
        '"' => Some('"'),
        '`' => Some('`'),
        '[' => Some(']'),
        _ => None,
    } {
        let mut name = String::new();
        let mut chars = s[1..].char_indices();
        while let Some((i, c)) = chars.next() {
            if c == close {
                if s[1 + i + 1..].starts_with(close) && close != ']' {
                    name.push(c);
                    chars.next();
                } else {
                    return Some((name, &s[1 + i + 1..]));
                }
            } else {
                name.push(c);
            }
        }
        return None;
    }
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    (end > 0).then(|| (s[..end].to_string(), &s[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_are_read_from_create_table() {
        let sql = r#"CREATE TABLE "t" ("a" INTEGER, CONSTRAINT "pos" CHECK (a > 0 AND (a < 10)), CONSTRAINT "say ""hi""" CHECK (b <> ')'))"#;
        let checks = named_checks(sql);
        assert_eq!(checks.len(), 2);
        assert_eq!(
            (checks[0].name.as_str(), checks[0].expr.as_str()),
            ("pos", "a > 0 AND (a < 10)")
        );
        assert_eq!(
            (checks[1].name.as_str(), checks[1].expr.as_str()),
            ("say \"hi\"", "b <> ')'")
        );
    }

    #[test]
    fn partial_index_predicates() {
        assert_eq!(
            index_predicate(r#"CREATE INDEX "i" ON "t" ("a") WHERE a IS NOT NULL"#).as_deref(),
            Some("a IS NOT NULL")
        );
        assert_eq!(index_predicate(r#"CREATE INDEX "i" ON "t" ("a")"#), None);
    }

    #[test]
    fn defaults_as_sqlite_reports_them() {
        assert_eq!(
            parse_default("'it''s'"),
            DefaultValue::String("it's".into())
        );
        assert_eq!(parse_default("TRUE"), DefaultValue::Bool(true));
        assert_eq!(parse_default("-1.5"), DefaultValue::Number("-1.5".into()));
        assert_eq!(
            parse_default("CURRENT_TIMESTAMP"),
            DefaultValue::Sql("CURRENT_TIMESTAMP".into())
        );
    }
}
