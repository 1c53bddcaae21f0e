//! The text of `schema.kdl` that reaches SQL as written: `(sql)` fragments (checks, defaults,
//! partial-index predicates), type hints and the names of engines, character sets and
//! collations. Each is checked before any connection, so that nothing written in the schema
//! can add a statement, end one early or comment the rest of it out:
//!
//! - a fragment must parse as exactly one expression with a real SQL parser for the dialect
//!   it runs on ([`sqlparser`]), and hold no comment (MySQL runs `/*! ... */`);
//! - a type hint must read as a type: words, numbers, quoted values and balanced
//!   parentheses, nothing that belongs to a column definition (`DEFAULT`, `NOT NULL`);
//! - an engine, character set or collation name is a plain name (PostgreSQL's collation is
//!   quoted when rendered, so any text without a quote character is fine there).

use sqlparser::dialect::{
    Dialect as ParserDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect,
};
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer, Whitespace};

use crate::dialect::Dialect;
use crate::error::Problem;
use crate::schema::{DefaultValue, Schema, Span};

/// Every problem in the SQL text of `schema` on the databases of `dialects` (hints only on
/// their own database).
pub fn check(schema: &Schema, dialects: &[Dialect]) -> Vec<Problem> {
    let mut out = Vec::new();
    for table in &schema.tables {
        for &d in dialects {
            for check in &table.checks {
                expression(d, &check.expr, "the check", check.span, &mut out);
            }
            for index in table.indexes.iter().filter(|i| !i.skipped.contains(&d)) {
                if let Some(p) = &index.predicate {
                    expression(d, p, "the index predicate (`where=`)", index.span, &mut out);
                }
                for (i, part) in index.columns.iter().enumerate() {
                    if index.is_expression(i) {
                        expression(
                            d,
                            part,
                            "the index expression",
                            index.part_span(i),
                            &mut out,
                        );
                    }
                }
            }
            for column in &table.columns {
                if let Some(DefaultValue::Sql(sql)) = &column.default {
                    expression(d, sql, "the default", column.span, &mut out);
                }
            }
        }
        let options = &table.options;
        for (what, value) in [
            ("engine", &options.engine),
            ("charset", &options.charset),
            ("collate", &options.collate),
        ] {
            if let Some(v) = value {
                name(Dialect::Mysql, what, v, table.span, &mut out);
            }
        }
        for column in &table.columns {
            for hint in &column.hints {
                let d = hint.dialect;
                if let Some((ty, span)) = &hint.ty {
                    type_hint(d, ty, *span, &mut out);
                }
                if let Some(c) = &hint.collate {
                    name(d, "collate", c, column.span, &mut out);
                }
                if let Some(c) = &hint.charset {
                    name(d, "charset", c, column.span, &mut out);
                }
                if let Some(DefaultValue::Sql(sql)) = &hint.default {
                    expression(d, sql, "the default", column.span, &mut out);
                }
            }
        }
    }
    for view in &schema.views {
        for &d in dialects {
            let own = view.hints.iter().find(|(h, _)| *h == d);
            let sql = own.map_or(view.sql.as_str(), |(_, q)| q.as_str());
            query(d, sql, &view.name, view.span, &mut out);
        }
    }
    out
}

/// The parser for `d`'s SQL.
fn parser_dialect(d: Dialect) -> &'static dyn ParserDialect {
    static SQLITE: SQLiteDialect = SQLiteDialect {};
    static MYSQL: MySqlDialect = MySqlDialect {};
    static POSTGRES: PostgreSqlDialect = PostgreSqlDialect {};
    match d {
        Dialect::Sqlite => &SQLITE,
        Dialect::Mysql => &MYSQL,
        Dialect::Postgres => &POSTGRES,
    }
}

/// Why `sql` is not exactly one expression of `d`, if it is not.
pub fn expression_error(d: Dialect, sql: &str) -> Option<String> {
    exactly_one(d, sql, "expression", |p| p.parse_expr().map(drop))
}

/// Why `sql` is not exactly one query of `d` (a view's `SELECT ...`), if it is not.
pub fn query_error(d: Dialect, sql: &str) -> Option<String> {
    exactly_one(d, sql, "query", |p| p.parse_query().map(drop))
}

/// Why `sql` is not exactly one `what` of `d` as `parse` reads one: a semicolon or a
/// comment, a parse error, or text after it.
fn exactly_one(
    d: Dialect,
    sql: &str,
    what: &str,
    parse: impl FnOnce(&mut Parser) -> Result<(), sqlparser::parser::ParserError>,
) -> Option<String> {
    let dialect = parser_dialect(d);
    if let Some(why) = forbidden_token(dialect, sql) {
        return Some(why);
    }
    let tokens = match Tokenizer::new(dialect, sql).tokenize_with_location() {
        Ok(tokens) => mysql_operators(d, tokens),
        Err(e) => return Some(clean(&e.to_string())),
    };
    let mut parser = Parser::new(dialect).with_tokens_with_locations(tokens);
    match parse(&mut parser).map(|()| parser.peek_token()) {
        Err(e) => Some(clean(&e.to_string())),
        Ok(next) if next.token != Token::EOF => Some(format!(
            "it goes on after the {what}, at `{}` (one {what} only)",
            next.token
        )),
        Ok(_) => None,
    }
}

fn query(d: Dialect, sql: &str, view: &str, span: Span, out: &mut Vec<Problem>) {
    if let Some(why) = query_error(d, sql) {
        out.push(
            Problem::new(
                format!("view `{view}`: `{}` is not one {d} query: {why}", excerpt(sql)),
                span,
            )
            .label("not one SQL query")
            .help(format!(
                "write a single {d} `SELECT`, without `;` or comments; for SQL that only one database reads, give that database its own query: `view {view} (sql)\"...\" {{ {} (sql)\"...\" }}`",
                d.name()
            )),
        );
    }
}

fn expression(d: Dialect, sql: &str, what: &str, span: Span, out: &mut Vec<Problem>) {
    if sql.trim().is_empty() {
        return; // the parser already says it is empty
    }
    if let Some(why) = expression_error(d, sql) {
        out.push(
            Problem::new(
                format!("{what} `{}` is not one {d} expression: {why}", excerpt(sql)),
                span,
            )
            .label("not one SQL expression")
            .help(format!(
                "write a single {d} expression, without `;` or comments; for SQL that only one database reads, use a dialect hint"
            )),
        );
    }
}

/// MySQL's `a MOD b` (as MariaDB's catalog spells `%`), which the parser does not know, as
/// `a % b`: the same expression, for parsing only (what runs is the text as written).
fn mysql_operators(d: Dialect, mut tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    if d != Dialect::Mysql {
        return tokens;
    }
    for i in 0..tokens.len() {
        let is_mod = matches!(&tokens[i].token,
            Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("mod"));
        let call = tokens[i + 1..]
            .iter()
            .find(|t| !matches!(t.token, Token::Whitespace(_)))
            .is_some_and(|t| t.token == Token::LParen);
        if is_mod && !call {
            tokens[i].token = Token::Mod;
        }
    }
    tokens
}

/// A semicolon or a comment: what could end a statement or hide the rest of it.
fn forbidden_token(dialect: &dyn ParserDialect, sql: &str) -> Option<String> {
    let tokens = match Tokenizer::new(dialect, sql).tokenize() {
        Ok(t) => t,
        Err(e) => return Some(clean(&e.to_string())),
    };
    tokens.iter().find_map(|t| match t {
        Token::SemiColon => Some("it holds `;`".to_string()),
        Token::Whitespace(
            Whitespace::SingleLineComment { .. } | Whitespace::MultiLineComment(_),
        ) => Some("it holds a comment".to_string()),
        _ => None,
    })
}

/// Words that belong to a column definition, not to its type.
const NOT_A_TYPE: &[&str] = &[
    "AFTER",
    "AS",
    "AUTO_INCREMENT",
    "AUTOINCREMENT",
    "CHECK",
    "COLLATE",
    "COMMENT",
    "CONSTRAINT",
    "DEFAULT",
    "FIRST",
    "GENERATED",
    "KEY",
    "NOT",
    "NULL",
    "ON",
    "PRIMARY",
    "REFERENCES",
    "UNIQUE",
];

/// Why `ty` does not read as a type of `d`, if it does not.
pub fn type_error(d: Dialect, ty: &str) -> Option<String> {
    let tokens = match Tokenizer::new(parser_dialect(d), ty).tokenize() {
        Ok(t) => t,
        Err(e) => return Some(clean(&e.to_string())),
    };
    let mut depth = 0usize;
    let mut words = 0usize;
    for t in &tokens {
        match t {
            Token::Whitespace(Whitespace::Space | Whitespace::Tab | Whitespace::Newline) => {}
            Token::Word(w) if depth == 0 && w.quote_style.is_none() => {
                let upper = w.value.to_ascii_uppercase();
                if NOT_A_TYPE.contains(&upper.as_str()) {
                    return Some(format!(
                        "`{}` belongs to the column, not to its type",
                        w.value
                    ));
                }
                words += 1;
            }
            Token::Word(_) | Token::Number(..) | Token::Period => {}
            Token::SingleQuotedString(_) if depth > 0 => {}
            Token::Comma if depth > 0 => {}
            Token::LParen => depth += 1,
            Token::RParen if depth > 0 => depth -= 1,
            Token::LBracket | Token::RBracket => {}
            other => return Some(format!("`{other}` has no place in a type")),
        }
    }
    if depth > 0 {
        return Some("a parenthesis is not closed".into());
    }
    (words == 0).then(|| "it names no type".into())
}

fn type_hint(d: Dialect, ty: &str, span: Span, out: &mut Vec<Problem>) {
    if let Some(why) = type_error(d, ty) {
        out.push(
            Problem::new(format!("the {d} type `{}` is not a type: {why}", excerpt(ty)), span)
                .label("not a type")
                .help("a type hint names the type only (`VARCHAR(191)`, `ENUM('a','b')`); nullability, defaults and collations have their own properties"),
        );
    }
}

/// Whether `value` is a plain name that `d` can take unquoted.
fn plain_name(d: Dialect, value: &str) -> bool {
    match d {
        Dialect::Postgres => !value.is_empty() && !value.contains(['"', '\0']),
        Dialect::Sqlite | Dialect::Mysql => {
            !value.is_empty()
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        }
    }
}

fn name(d: Dialect, what: &str, value: &str, span: Span, out: &mut Vec<Problem>) {
    if !plain_name(d, value) {
        out.push(
            Problem::new(
                format!("the {what} `{}` is not a {d} name", excerpt(value)),
                span,
            )
            .label(format!("`{what}=` takes a name"))
            .help(format!(
                "`{what}=` takes a name of letters, digits and `_`, such as `utf8mb4`, `utf8mb4_unicode_ci` or `InnoDB`"
            )),
        );
    }
}

/// At most 60 characters of `s`, for a message.
fn excerpt(s: &str) -> String {
    if s.chars().count() <= 60 {
        s.to_string()
    } else {
        format!("{}...", s.chars().take(57).collect::<String>())
    }
}

/// The parser's message without its `sql parser error: ` prefix.
fn clean(message: &str) -> String {
    message
        .trim_start_matches("sql parser error: ")
        .trim_start_matches("SQL tokenizer error: ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_expression_passes_on_every_dialect() {
        for d in Dialect::ALL {
            for sql in [
                "qty >= -100",
                "char_length(name) <= 5",
                "a IN (1, 2, 3) AND b IS NOT NULL",
                "CAST(x AS CHAR(10)) <> 'it''s'",
                "CURRENT_TIMESTAMP",
                "lower(email) LIKE '%@%'",
                "(price * qty) BETWEEN 0 AND 1000",
            ] {
                assert_eq!(expression_error(d, sql), None, "{d}: {sql}");
            }
        }
        assert_eq!(expression_error(Dialect::Mysql, "`order` >= -100"), None);
        assert_eq!(
            expression_error(Dialect::Mysql, "name REGEXP '^[a-z]+$'"),
            None
        );
        // As MariaDB stores them: `MOD`, `DIV`, backslash escapes.
        for sql in [
            "(`qty` + `price`) * 2 < 10000 and `price` MOD 2 = 1",
            "mod(`price`, 2) = 1 AND `qty` DIV 2 > 0",
            "`label` <> 'it\\'s hidden' and `label` not in ('x','y')",
        ] {
            assert_eq!(expression_error(Dialect::Mysql, sql), None, "{sql}");
        }
        assert_eq!(
            expression_error(Dialect::Postgres, "\"qty\"::numeric > 0"),
            None
        );
        assert_eq!(expression_error(Dialect::Sqlite, "name GLOB 'a*'"), None);
    }

    #[test]
    fn more_than_one_expression_is_refused() {
        for d in Dialect::ALL {
            for sql in [
                "a > 0); DROP TABLE users; --",
                "a > 0; DROP TABLE users",
                "a > 0 -- the rest of the line is gone",
                "a > 0 /*! , b INT */",
                "a > 0) , CHECK (b > 0",
                "a > 0 b",
                "",
            ] {
                assert!(expression_error(d, sql).is_some(), "{d}: {sql}");
            }
        }
    }

    #[test]
    fn types_read_as_types() {
        for ty in [
            "VARCHAR(191)",
            "ENUM('admin','member')",
            "int(10) unsigned zerofill",
            "DECIMAL(10, 2)",
            "timestamp(3) with time zone",
            "character varying(20)",
            "integer[]",
            "public.mood",
            "DOUBLE PRECISION",
            "varchar(20) CHARACTER SET latin1",
        ] {
            for d in Dialect::ALL {
                assert_eq!(type_error(d, ty), None, "{d}: {ty}");
            }
        }
        for ty in [
            "INT; DROP TABLE x",
            "INT NOT NULL",
            "INT DEFAULT 5",
            "INT, ADD COLUMN y INT",
            "INT) ENGINE=MyISAM (",
            "INT -- comment",
            "VARCHAR(10",
            "",
        ] {
            assert!(type_error(Dialect::Mysql, ty).is_some(), "{ty}");
        }
    }

    #[test]
    fn names_are_plain() {
        assert!(plain_name(Dialect::Mysql, "utf8mb4_0900_ai_ci"));
        assert!(plain_name(Dialect::Mysql, "InnoDB"));
        assert!(!plain_name(Dialect::Mysql, "InnoDB; DROP TABLE other"));
        assert!(!plain_name(Dialect::Mysql, "InnoDB COMMENT='x'"));
        assert!(plain_name(Dialect::Postgres, "en_US.utf8"));
        assert!(!plain_name(Dialect::Postgres, "C\" ; DROP"));
        assert!(!plain_name(Dialect::Sqlite, "NOCASE) , x"));
    }
}
