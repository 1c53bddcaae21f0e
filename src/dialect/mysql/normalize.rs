//! The MySQL family's normalization, both directions: how `information_schema` spellings
//! read back into the model (`int(11)` and `int`, `tinyint(1)` as bool, defaults quoted by
//! MariaDB and bare in MySQL) and what a desired table becomes on the server.

use super::Mysql;
pub use super::charset::{Inherited, charset_name};
pub use super::expression::expression;
use super::version::Server;
use crate::dialect::sql::sized_type;
use crate::dialect::{is_number, normalize_default, normalize_type};
use crate::schema::{Action, DefaultValue, ForeignKey, Index, Table, Type};

/// A column type as the catalog (`COLUMN_TYPE`) or a hint spells it.
pub fn parse_type(sql: &str) -> Type {
    if let Some(values) = crate::dialect::sql::enum_values(sql, true) {
        return Type::Enum {
            name: String::new(),
            values,
        };
    }
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
        _ => sized_type(&norm, &["VARCHAR"], &["DECIMAL"])
            .unwrap_or_else(|| Type::Raw(without_integer_width(&with_literals_of(sql, &norm)))),
    }
}

/// `norm` (a type in upper case) with its string literals as `sql` spells them: the
/// values of `ENUM('a','b')` and `SET(...)` are data, whose case matters.
fn with_literals_of(sql: &str, norm: &str) -> String {
    let literals = |s: &str| -> Vec<String> {
        let mut out = Vec::new();
        let mut current: Option<String> = None;
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            match (&mut current, c) {
                (None, '\'') => current = Some(String::new()),
                (Some(l), '\'') if chars.peek() == Some(&'\'') => {
                    chars.next();
                    l.push_str("''");
                }
                (Some(_), '\'') => out.extend(current.take()),
                (Some(l), '\\') => {
                    l.push('\\');
                    l.extend(chars.next());
                }
                (Some(l), c) => l.push(c),
                (None, _) => {}
            }
        }
        out
    };
    let (written, upper) = (literals(sql), literals(norm));
    if written.is_empty() || written.len() != upper.len() {
        return norm.to_string();
    }
    let mut out = norm.to_string();
    let mut from = 0;
    for (w, u) in written.iter().zip(&upper) {
        let quoted = format!("'{u}'");
        let Some(at) = out[from..].find(&quoted).map(|p| p + from) else {
            return norm.to_string();
        };
        out.replace_range(at..at + quoted.len(), &format!("'{w}'"));
        from = at + w.len() + 2;
    }
    out
}

/// `BIGINT(20) UNSIGNED` as `BIGINT UNSIGNED`: display widths say nothing about values
/// (MySQL 8.0.19 stopped reporting them); `TINYINT(1)` keeps its width, which means bool.
fn without_integer_width(norm: &str) -> String {
    for name in [
        "TINYINT",
        "SMALLINT",
        "MEDIUMINT",
        "BIGINT",
        "INTEGER",
        "INT",
    ] {
        if let Some(rest) = norm.strip_prefix(name)
            && let Some(rest) = rest.strip_prefix('(')
            && let Some(close) = rest.find(')')
            && rest[..close].bytes().all(|b| b.is_ascii_digit())
            && !(name == "TINYINT" && &rest[..close] == "1")
        {
            return format!("{name}{}", &rest[close + 1..]);
        }
    }
    norm.to_string()
}

/// A desired table as the server will hold it, so that it compares equal to the table read
/// back: expressions and defaults in canonical form, `RESTRICT` as `NO ACTION` (the same in
/// InnoDB, and MariaDB reports an unspecified action as `RESTRICT`), no index that the
/// server makes for a foreign key anyway, and charsets and collations only where they
/// differ from what the table or column inherits (live, where the database's are known).
/// Whether MySQL indexes the first `length` characters of `column` (bytes of a binary one):
/// a text or bytes type, or a string type longer than that. The server refuses a prefix of
/// any other, and of a string no longer than it, which is then indexed whole.
pub fn prefixed(d: &Mysql, column: &crate::schema::Column, length: u32) -> bool {
    let sql = crate::dialect::SqlDialect::column_type_sql(d, column);
    let (name, args) = super::sizes::parts(&sql);
    match name.as_str() {
        "CHAR" | "VARCHAR" | "BINARY" | "VARBINARY" => args.first().is_some_and(|n| *n > length),
        _ => name.ends_with("TEXT") || name.ends_with("BLOB"),
    }
}

pub fn desired_table(d: &Mysql, table: &mut Table) {
    for column in &mut table.columns {
        if let Some((sql, _)) = &mut column.on_update {
            *sql = on_update(sql);
        }
        if column.generated.is_some() && !d.server.generated_not_null() {
            column.nullable = true;
        }
        match (&column.default, &column.ty) {
            (Some(DefaultValue::Sql(sql)), _) => {
                column.default = Some(normalize_default(expression_default(sql), &column.ty));
            }
            // The catalog prints a decimal default with its scale: `1.5` is `1.50`.
            (Some(DefaultValue::Number(n)), Type::Decimal { scale, .. }) => {
                column.default = Some(DefaultValue::Number(with_scale(n, *scale)));
            }
            _ => {}
        }
    }
    for fk in &mut table.foreign_keys {
        fk.on_delete = same_action(fk.on_delete);
        fk.on_update = same_action(fk.on_update);
    }
    // `mysql length=N` prefixes the parts that hold more characters or bytes; others are
    // whole.
    for i in 0..table.indexes.len() {
        let index = &table.indexes[i];
        let prefixes = (0..index.columns.len())
            .map(|k| {
                let column = table
                    .column(&index.columns[k])
                    .filter(|_| !index.is_expression(k));
                index
                    .prefix(k)
                    .filter(|n| column.is_some_and(|c| prefixed(d, c, *n)))
            })
            .collect();
        table.indexes[i].prefixes = Index::prefixes(prefixes);
    }
    let Table {
        indexes,
        foreign_keys,
        primary_key,
        ..
    } = table;
    indexes.retain(|i| !foreign_keys.iter().any(|fk| is_implicit_index(i, fk)));
    // Without an index that starts with its columns, the server makes one for the key.
    for fk in foreign_keys.iter_mut() {
        let starts = |columns: &[String]| columns.starts_with(&fk.columns);
        fk.implicit_index = !starts(primary_key) && !indexes.iter().any(|i| starts(&i.columns));
    }
    let Some(database) = &d.database else {
        return;
    };
    let (charset, collate, inherited) = Inherited::database(database).child(
        table.options.charset.as_deref(),
        table.options.collate.as_deref(),
        &database.collations,
    );
    table.options.charset = charset;
    table.options.collate = collate;
    for column in &mut table.columns {
        if !has_charset(&column.ty) {
            column.charset = None;
            column.collate = None;
            continue;
        }
        let (charset, collate, _) = inherited.child(
            column.charset.as_deref(),
            column.collate.as_deref(),
            &database.collations,
        );
        column.charset = charset;
        column.collate = collate;
    }
}

/// `n` with `scale` digits after the point, when it has fewer (`1.5`, 2: `1.50`).
fn with_scale(n: &str, scale: u32) -> String {
    let scale = scale as usize;
    let (whole, fraction) = n.split_once('.').unwrap_or((n, ""));
    if scale == 0 || fraction.len() >= scale {
        return n.to_string();
    }
    format!("{whole}.{fraction:0<scale$}")
}

/// Whether values of `ty` have a character set on MySQL (JSON is always `utf8mb4_bin`).
fn has_charset(ty: &Type) -> bool {
    match ty {
        Type::String { .. } | Type::Text | Type::Uuid => true,
        Type::Raw(r) => {
            let r = r.to_ascii_uppercase();
            ["CHAR", "TEXT", "ENUM", "SET"]
                .iter()
                .any(|t| r.contains(t))
                && !r.contains("BINARY")
        }
        _ => false,
    }
}

/// `RESTRICT` and `NO ACTION` are one action in InnoDB.
pub fn same_action(action: Action) -> Action {
    match action {
        Action::Restrict => Action::NoAction,
        other => other,
    }
}

/// A `COLUMN_DEFAULT` as `server` reports it, for a column of type `ty`, or `None` for no
/// default. MariaDB quotes string literals (`'it''s'`), writes `current_timestamp()` and
/// reports a nullable column without a default as the bare word `NULL`; MySQL leaves
/// literals bare and marks expressions with `DEFAULT_GENERATED` in `EXTRA` (`generated`),
/// writing the literals inside them with charset introducers (`_utf8mb4\'a\'`).
pub fn parse_default(
    server: &Server,
    sql: &str,
    ty: &Type,
    generated: bool,
    nullable: bool,
) -> Option<DefaultValue> {
    let s = sql.trim();
    if server.quotes_string_defaults() && nullable && s.eq_ignore_ascii_case("NULL") {
        return None;
    }
    let value = if generated && !server.quotes_string_defaults() {
        expression_default(&catalog_sql(server, s))
    } else if generated || server.quotes_string_defaults() {
        expression_default(s)
    } else if is_number(s) {
        DefaultValue::Number(s.to_string())
    } else {
        DefaultValue::String(s.to_string())
    };
    Some(normalize_default(value, ty))
}

/// An `ON UPDATE` expression in canonical form, as both servers' spellings read
/// (`current_timestamp(6)`, `now(6)` and `CURRENT_TIMESTAMP(6)` are one).
pub fn on_update(sql: &str) -> String {
    match expression_default(sql) {
        DefaultValue::Sql(canonical) => canonical,
        _ => sql.trim().to_string(),
    }
}

/// The `ON UPDATE` expression in a column's `EXTRA`, in canonical form: MySQL writes
/// `DEFAULT_GENERATED on update CURRENT_TIMESTAMP(6)`, MariaDB `on update current_timestamp(6)`.
pub fn on_update_of_extra(extra: &str) -> Option<String> {
    let lower = extra.to_ascii_lowercase();
    let at = lower.find("on update ")? + "on update ".len();
    extra[at..].split_whitespace().next().map(on_update)
}

/// SQL text as `server`'s catalog stores it (an expression default, a CHECK clause) as it
/// was written: MySQL escapes each quote and backslash, `_utf8mb4\'it\\\'s\'` for
/// `_utf8mb4'it\'s'`.
pub fn catalog_sql(server: &Server, text: &str) -> String {
    if !server.escapes_catalog_sql() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

/// An expression from the catalog (a generated column's `GENERATION_EXPRESSION`, a
/// functional key part, a `CHECK_CLAUSE`) as schema.kdl can say it: unescaped
/// ([`catalog_sql`]), and with the functions MariaDB stores under their other name
/// (`lcase`, `ucase`) under the name every database knows, and without MySQL's charset
/// introducers (`_utf8mb4'X'`, the connection's charset when the column was made), so that
/// the SQLite development database takes what `inspect` printed. Literals and quoted names
/// are left as they are.
pub fn portable_expression(server: &Server, text: &str) -> String {
    let text = catalog_sql(server, text);
    let mut out = String::with_capacity(text.len());
    let mut quote: Option<char> = None;
    let mut rest = text.as_str();
    while let Some(c) = rest.chars().next() {
        let word_start = quote.is_none()
            && (c.is_alphabetic() || c == '_')
            && !out.ends_with(|p: char| p.is_alphanumeric() || p == '_');
        if word_start {
            let end = rest
                .find(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
                .unwrap_or(rest.len());
            let word = &rest[..end];
            let call = rest[end..].trim_start().starts_with('(');
            let introducer = word.starts_with('_') && rest[end..].starts_with('\'');
            let common = call
                .then(|| super::expression::common_name(&word.to_ascii_lowercase()))
                .flatten();
            out.push_str(match common {
                _ if introducer => "",
                Some(name) => name,
                None => word,
            });
            rest = &rest[end..];
            continue;
        }
        match (quote, c) {
            (None, '\'' | '"' | '`') => quote = Some(c),
            (Some(q), _) if q == c => quote = None,
            // `'it\'s'`: an escaped quote does not end the literal; it is written `''`,
            // which every database reads (a backslash is MySQL's alone).
            (Some(q), '\\') => {
                let escaped: String = rest.chars().take(2).collect();
                if escaped.ends_with(q) {
                    out.push(q);
                    out.push(q);
                } else {
                    out.push_str(&escaped);
                }
                rest = &rest[escaped.len()..];
                continue;
            }
            _ => {}
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// A default written as SQL (MariaDB's `COLUMN_DEFAULT`, MySQL's generated defaults, and a
/// desired `(sql)` default): a lone literal is that literal, `now()` and
/// `current_timestamp()` are `CURRENT_TIMESTAMP`, anything else an expression in canonical
/// form ([`expression`]).
pub fn expression_default(sql: &str) -> DefaultValue {
    let canonical = expression(sql);
    let keyword = canonical
        .strip_suffix("()")
        .unwrap_or(&canonical)
        .to_ascii_uppercase();
    // `now(3)` (MySQL's spelling of `CURRENT_TIMESTAMP(3)` written as an expression).
    let keyword = match keyword.split_once('(') {
        Some(("NOW" | "LOCALTIMESTAMP" | "LOCALTIME", precision)) => {
            format!("CURRENT_TIMESTAMP({precision}")
        }
        _ => keyword,
    };
    if let Some(precision) = keyword.strip_prefix("CURRENT_TIMESTAMP(")
        && let Some(digits) = precision.strip_suffix(')')
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        return DefaultValue::Sql(keyword);
    }
    let keyword = match keyword.as_str() {
        "NOW" | "LOCALTIMESTAMP" | "LOCALTIME" => "CURRENT_TIMESTAMP".to_string(),
        "CURDATE" => "CURRENT_DATE".to_string(),
        "CURTIME" => "CURRENT_TIME".to_string(),
        _ => keyword,
    };
    if crate::dialect::is_sql_keyword_default(&keyword) {
        return DefaultValue::Sql(keyword);
    }
    if let Some(inner) = single_string_literal(&canonical) {
        return DefaultValue::String(inner);
    }
    if is_number(&canonical) {
        return DefaultValue::Number(canonical);
    }
    // A negative number: `-3` (MariaDB's `COLUMN_DEFAULT`), `-(3)` (MySQL), canonical `- 3`.
    if let Some(n) = canonical.strip_prefix("- ")
        && is_number(n)
    {
        return DefaultValue::Number(format!("-{n}"));
    }
    // An expression runs as written; it compares through [`comparable`].
    DefaultValue::Sql(sql.trim().to_string())
}

/// The form two spellings of one expression share on MySQL and MariaDB, for comparing
/// only: the canonical token form ([`expression`]: no backticks, introducers or redundant
/// parentheses), with `length` read as `octet_length` (synonyms; MariaDB stores the one
/// for the other) and the time keywords as `CURRENT_TIMESTAMP`, `CURRENT_DATE`,
/// `CURRENT_TIME`.
pub fn comparable(sql: &str) -> String {
    let canonical = match expression_default(sql) {
        DefaultValue::Sql(s) if crate::dialect::is_sql_keyword_default(&s) => s,
        _ => expression(sql),
    };
    let mut out = String::with_capacity(canonical.len() + 8);
    let mut rest = canonical.as_str();
    while let Some(i) = rest.find("length(") {
        let before = rest[..i].chars().next_back();
        out.push_str(&rest[..i]);
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            out.push_str("length(");
        } else {
            out.push_str("octet_length(");
        }
        rest = &rest[i + "length(".len()..];
    }
    out.push_str(rest);
    out
}

/// The text of `s` when it is exactly one string literal (`'it''s'`).
fn single_string_literal(s: &str) -> Option<String> {
    let inner = s.strip_prefix('\'')?.strip_suffix('\'')?;
    let mut out = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' if chars.peek() == Some(&'\'') => {
                chars.next();
                out.push('\'');
            }
            '\'' => return None,
            '\\' => out.push(chars.next()?),
            c => out.push(c),
        }
    }
    Some(out)
}

/// MariaDB's check behind a `JSON` column: named after the column, `json_valid(column)`.
pub fn is_json_valid_check(clause: &str, name: &str) -> bool {
    let column = format!("`{}`", name.replace('`', "``"));
    expression(clause) == expression(&format!("json_valid({column})"))
}

/// Whether `index` is the one the server made for `fk`: named after the key, over its
/// columns, not unique. It belongs to the key: it goes when the key goes, and neither the
/// catalog's side nor the schema's lists it as an index.
pub fn is_implicit_index(index: &Index, fk: &ForeignKey) -> bool {
    !index.unique && index.name == fk.name && index.columns == fk.columns
}

#[cfg(test)]
mod tests {
    use super::*;

    const MARIADB: Server = Server {
        flavor: super::super::version::Flavor::Mariadb,
        version: (10, 11, 6),
    };

    /// `GENERATION_EXPRESSION` as MySQL 9.7.4 (escaped, with introducers and parentheses)
    /// and MariaDB 10.11 (as written, backticked) report the same generated columns; each
    /// compares equal to the expression as a user writes it.
    #[test]
    fn generated_expressions_read_the_same_from_both_servers() {
        let rows = [
            (MYSQL9, "(`price` * `qty`)", "price * qty"),
            (MARIADB, "`price` * `qty`", "price * qty"),
            (MYSQL9, "(`price` + 1)", "price + 1"),
            (MARIADB, "`price` + 1", "price + 1"),
            (
                MYSQL9,
                "lower(concat(`name`,_utf8mb4\\'X\\'))",
                "lower(concat(name, 'X'))",
            ),
        ];
        for (server, catalog, written) in rows {
            assert_eq!(
                comparable(&catalog_sql(&server, catalog)),
                comparable(written),
                "{server}: {catalog}"
            );
        }
        assert_eq!(
            comparable(&catalog_sql(&MARIADB, "lcase(`name`)")),
            comparable("lower(name)")
        );
        // `inspect` prints MariaDB's renamed functions under their common name, and leaves
        // literals and quoted names alone.
        assert_eq!(
            portable_expression(&MARIADB, "concat(lcase(`lcase`),'ucase(x)',ucase (`b`))"),
            "concat(lower(`lcase`),'ucase(x)',upper (`b`))"
        );
        assert_eq!(
            portable_expression(&MYSQL9, "lower(concat(`name`,_utf8mb4\\'X\\'))"),
            "lower(concat(`name`,'X'))"
        );
        assert_eq!(
            portable_expression(
                &MYSQL9,
                "concat(_utf8mb4\\'it\\\\\\'s ucase(\\',ucase(`a`))"
            ),
            "concat('it''s ucase(',upper(`a`))"
        );
        assert_eq!(
            comparable(&catalog_sql(&MYSQL9, "(`price` * -(2))")),
            comparable("price * -2")
        );
    }

    /// Catalog rows as MySQL 9.7.4 and MariaDB 10.11 report the same DDL (tech-facts §6).
    #[test]
    fn on_update_reads_the_same_from_both_servers() {
        // `COLUMNS.EXTRA` as MySQL 9.7 and MariaDB 11 record it.
        for (extra, want) in [
            (
                "DEFAULT_GENERATED on update CURRENT_TIMESTAMP",
                Some("CURRENT_TIMESTAMP"),
            ),
            (
                "on update CURRENT_TIMESTAMP(3)",
                Some("CURRENT_TIMESTAMP(3)"),
            ),
            ("on update current_timestamp()", Some("CURRENT_TIMESTAMP")),
            (
                "on update current_timestamp(6)",
                Some("CURRENT_TIMESTAMP(6)"),
            ),
            ("DEFAULT_GENERATED", None),
            ("auto_increment", None),
            ("", None),
        ] {
            assert_eq!(on_update_of_extra(extra).as_deref(), want, "{extra}");
        }
        // What a user writes reads as the server's spelling.
        assert_eq!(on_update("now()"), "CURRENT_TIMESTAMP");
        assert_eq!(on_update("localtimestamp(6)"), "CURRENT_TIMESTAMP(6)");
        assert_eq!(on_update(" current_timestamp "), "CURRENT_TIMESTAMP");
    }

    #[test]
    fn both_spellings_read_the_same() {
        assert_eq!(parse_type("int(11)"), parse_type("int"));
        assert_eq!(parse_type("bigint(20)"), Type::BigInt);
        assert_eq!(parse_type("tinyint(1)"), Type::Bool);
        let text = Type::String { length: Some(20) };
        assert_eq!(
            parse_default(&MARIADB, "'it''s'", &text, false, true),
            parse_default(&Server::OFFLINE, "it's", &text, false, true)
        );
        assert_eq!(
            parse_default(
                &MARIADB,
                "current_timestamp()",
                &Type::DateTime,
                false,
                false
            ),
            parse_default(
                &Server::OFFLINE,
                "CURRENT_TIMESTAMP",
                &Type::DateTime,
                true,
                false
            )
        );
        assert_eq!(
            parse_default(&MARIADB, "1", &Type::Bool, false, false),
            Some(DefaultValue::Bool(true))
        );
        assert_eq!(
            parse_default(&Server::OFFLINE, "1.50", &Type::Double, false, false),
            Some(DefaultValue::Number("1.50".into()))
        );
        // An enum's value `-1`: MySQL prints it bare, MariaDB quoted.
        let role = Type::Enum {
            name: String::new(),
            values: vec!["-1".into()],
        };
        assert_eq!(
            parse_default(&Server::OFFLINE, "-1", &role, false, false),
            Some(DefaultValue::String("-1".into()))
        );
        assert_eq!(
            parse_default(&MARIADB, "'-1'", &role, false, false),
            Some(DefaultValue::String("-1".into()))
        );
        // MariaDB: a nullable column without a default; the quoted word is a string.
        assert_eq!(parse_default(&MARIADB, "NULL", &text, false, true), None);
        assert_eq!(
            parse_default(&MARIADB, "'NULL'", &text, false, true),
            Some(DefaultValue::String("NULL".into()))
        );
        // MySQL 8: a literal default on TEXT is an expression with an introducer.
        assert_eq!(
            parse_default(
                &Server::OFFLINE,
                "_utf8mb4\\'it\\\\\\'s\\'",
                &Type::Text,
                true,
                true
            ),
            Some(DefaultValue::String("it's".into()))
        );
        assert_eq!(
            parse_default(&Server::OFFLINE, "now()", &Type::DateTime, true, false),
            Some(DefaultValue::Sql("CURRENT_TIMESTAMP".into()))
        );
    }

    const MYSQL9: Server = Server {
        flavor: super::super::version::Flavor::Mysql,
        version: (9, 7, 4),
    };

    /// `information_schema.CHECK_CONSTRAINTS.CHECK_CLAUSE` as MySQL 9.7.4 and MariaDB
    /// 10.11.19 stored the same `CHECK (...)` (recorded from the real servers), each read
    /// as [`super::super::inspect`] reads it, and the clause as written in `schema.kdl`.
    #[test]
    fn mysql9_check_clauses_read_as_written() {
        let rows: [(&str, &str, &str); 12] = [
            ("qty >= 0", "(`qty` >= 0)", "`qty` >= 0"),
            ("s <> 'x'", r"(`s` <> _utf8mb4\'x\')", "`s` <> 'x'"),
            (
                "s IN ('a', 'b', 'it''s') AND n >= 0",
                r"((`s` in (_utf8mb4\'a\',_utf8mb4\'b\',_utf8mb4\'it\\\'s\')) and (`n` >= 0))",
                r"`s` in ('a','b','it\'s') and `n` >= 0",
            ),
            (
                "a * b + 1 > c",
                "(((`a` * `b`) + 1) > `c`)",
                "`a` * `b` + 1 > `c`",
            ),
            (
                "a - (b + c) >= 0",
                "((`a` - (`b` + `c`)) >= 0)",
                "`a` - (`b` + `c`) >= 0",
            ),
            (
                "(a + b) * c < 100",
                "(((`a` + `b`) * `c`) < 100)",
                "(`a` + `b`) * `c` < 100",
            ),
            (
                "a BETWEEN b + 1 AND c * 2",
                "(`a` between (`b` + 1) and (`c` * 2))",
                "`a` between `b` + 1 and `c` * 2",
            ),
            (
                "a > -b AND -(a + b) < 5",
                "((`a` > -(`b`)) and (-((`a` + `b`)) < 5))",
                "`a` > -`b` and -(`a` + `b`) < 5",
            ),
            (
                "a IN (1, 2) OR s IS NOT NULL",
                "((`a` in (1,2)) or (`s` is not null))",
                "`a` in (1,2) or `s` is not null",
            ),
            (
                "char_length(s) > 2 AND a % 2 = 0",
                "((char_length(`s`) > 2) and ((`a` % 2) = 0))",
                "char_length(`s`) > 2 and `a` MOD 2 = 0",
            ),
            (
                "a / b * c > 0 AND a - b - c > 0",
                "((((`a` / `b`) * `c`) > 0) and (((`a` - `b`) - `c`) > 0))",
                "`a` / `b` * `c` > 0 and `a` - `b` - `c` > 0",
            ),
            (
                "neg BETWEEN -10 AND 10 OR neg IS NULL",
                "((`neg` between -(10) and 10) or (`neg` is null))",
                "`neg` between -10 and 10 or `neg` is null",
            ),
        ];
        for (written, mysql, mariadb) in rows {
            let want = expression(written);
            assert_eq!(
                expression(&catalog_sql(&MYSQL9, mysql)),
                want,
                "MySQL 9: {mysql}"
            );
            assert_eq!(
                expression(&catalog_sql(&MARIADB, mariadb)),
                want,
                "MariaDB: {mariadb}"
            );
        }
        // The groups that matter stay.
        assert_eq!(expression("a - (b + c) >= 0"), "a - (b + c) >= 0");
        assert_eq!(expression("(a + b) * c < 100"), "(a + b) * c < 100");
        assert_eq!(expression("-(a + b) < 5"), "- (a + b) < 5");
        assert_eq!(expression("not (a or b)"), "not (a or b)");
        assert_eq!(expression("(a or b) and c"), "(a or b) and c");
        assert_eq!(expression("a in (1)"), "a in(1)");
        assert_eq!(expression("mod(a, 2) = 0"), "mod(a, 2) = 0");
    }

    /// `COLUMN_DEFAULT` and `EXTRA` as MySQL 9.7.4 reported them over a utf8mb4 session
    /// (recorded), against what the schema says.
    #[test]
    fn mysql9_column_defaults_read_as_written() {
        let text = Type::String { length: Some(20) };
        let decimal = Type::Decimal {
            precision: 5,
            scale: 2,
        };
        // (COLUMN_DEFAULT, DEFAULT_GENERATED in EXTRA, type, nullable, the default)
        let rows: [(&str, bool, Type, bool, DefaultValue); 13] = [
            (
                "it's",
                false,
                text.clone(),
                true,
                DefaultValue::String("it's".into()),
            ),
            (
                "",
                false,
                text.clone(),
                false,
                DefaultValue::String(String::new()),
            ),
            (
                "5",
                false,
                Type::Int,
                true,
                DefaultValue::Number("5".into()),
            ),
            (
                "-3",
                false,
                Type::Int,
                true,
                DefaultValue::Number("-3".into()),
            ),
            (
                "1.50",
                false,
                decimal,
                true,
                DefaultValue::Number("1.50".into()),
            ),
            ("1", false, Type::Bool, false, DefaultValue::Bool(true)),
            ("0", false, Type::Bool, false, DefaultValue::Bool(false)),
            (
                "CURRENT_TIMESTAMP",
                true,
                Type::DateTime,
                true,
                DefaultValue::Sql("CURRENT_TIMESTAMP".into()),
            ),
            (
                "uuid()",
                true,
                Type::Uuid,
                true,
                DefaultValue::Sql("uuid()".into()),
            ),
            (
                r"_utf8mb4\'a\\\'b\'",
                true,
                Type::Text,
                true,
                DefaultValue::String("a'b".into()),
            ),
            (
                r"concat(_utf8mb4\'a\',_utf8mb4\'b\')",
                true,
                Type::String { length: Some(40) },
                true,
                DefaultValue::Sql("concat('a', 'b')".into()),
            ),
            (
                "json_array()",
                true,
                Type::Json,
                true,
                DefaultValue::Sql("json_array()".into()),
            ),
            (
                "(1 + 2)",
                true,
                Type::Int,
                true,
                DefaultValue::Sql("1 + 2".into()),
            ),
        ];
        for (catalog, generated, ty, nullable, want) in rows {
            let read = parse_default(&MYSQL9, catalog, &ty, generated, nullable);
            let want = normalize_default(want, &ty);
            match (&read, &want) {
                // An expression reads back as the server spells it, and compares by meaning.
                (Some(DefaultValue::Sql(r)), DefaultValue::Sql(w)) => {
                    assert_eq!(comparable(r), comparable(w), "{catalog}");
                }
                _ => assert_eq!(read, Some(want), "{catalog}"),
            }
        }
        // MariaDB's spellings of the same: quoted literals, a negative number bare.
        assert_eq!(
            parse_default(&MARIADB, "-3", &Type::Int, false, true),
            Some(DefaultValue::Number("-3".into()))
        );
        assert_eq!(
            parse_default(&MARIADB, "'a''b'", &Type::Text, false, true),
            Some(DefaultValue::String("a'b".into()))
        );
    }

    /// `COLUMN_TYPE` as MySQL 9.7.4 reports it: no display widths but `tinyint(1)`, `json`.
    #[test]
    fn mysql9_column_types_read_as_written() {
        assert_eq!(parse_type("int"), Type::Int);
        assert_eq!(parse_type("bigint"), Type::BigInt);
        assert_eq!(parse_type("smallint"), Type::SmallInt);
        assert_eq!(parse_type("tinyint(1)"), Type::Bool);
        assert_eq!(parse_type("json"), Type::Json);
        assert_eq!(parse_type("char(36)"), Type::Uuid);
        assert_eq!(
            parse_type("decimal(5,2)"),
            Type::Decimal {
                precision: 5,
                scale: 2
            }
        );
        assert_eq!(parse_type("varchar(20)"), Type::String { length: Some(20) });
        assert_eq!(
            parse_type("bigint unsigned"),
            parse_type("bigint(20) unsigned")
        );
        assert_eq!(
            parse_type("bigint unsigned"),
            Type::Raw("BIGINT UNSIGNED".into())
        );
        // Both servers: an enum's values as written, quotes and backslashes unescaped.
        assert_eq!(
            parse_type("enum('x','Y''z','a\\\\b')"),
            Type::Enum {
                name: String::new(),
                values: vec!["x".into(), "Y'z".into(), "a\\b".into()],
            }
        );
        assert_eq!(parse_type("set('a','b')"), parse_type("SET( 'a', 'b' )"));
        assert_ne!(parse_type("enum('a')"), parse_type("enum('A')"));
    }

    /// `DATETIME(3) DEFAULT CURRENT_TIMESTAMP(3)`: MySQL 9.7.4 reports `CURRENT_TIMESTAMP(3)`,
    /// or `now(3)` when it was written as the expression `(current_timestamp(3))`; MariaDB
    /// `current_timestamp(3)`.
    /// What runs is the user's text; the comparison sees through the server's respelling.
    #[test]
    fn expressions_compare_by_meaning_and_keep_their_text() {
        for (written, stored) in [
            ("`order` >= -100", "(`order` >= -(100))"),
            (
                "`key` > 0 AND `index` < 5",
                "((`key` > 0) and (`index` < 5))",
            ),
            ("length(name) > 0", "octet_length(`name`) > 0"),
            ("char_length(name) <= 5", "(char_length(`name`) <= 5)"),
        ] {
            assert_eq!(comparable(written), comparable(stored), "{written}");
        }
        assert_ne!(
            comparable("char_length(name) > 0"),
            comparable("octet_length(name) > 0")
        );
        assert_eq!(
            expression_default("`order` + 1"),
            DefaultValue::Sql("`order` + 1".into())
        );
    }

    #[test]
    fn fractional_current_timestamp_reads_as_one_default() {
        let ty = Type::Raw("DATETIME(3)".into());
        let want = DefaultValue::Sql("CURRENT_TIMESTAMP(3)".into());
        let read = |server: &Server, catalog: &str, generated: bool| {
            parse_default(server, catalog, &ty, generated, true)
        };
        assert_eq!(
            read(&MYSQL9, "CURRENT_TIMESTAMP(3)", true),
            Some(want.clone())
        );
        assert_eq!(read(&MYSQL9, "now(3)", true), Some(want.clone()));
        assert_eq!(
            read(&MARIADB, "current_timestamp(3)", false),
            Some(want.clone())
        );
        assert_eq!(expression_default("current_timestamp( 3 )"), want);
    }
}
