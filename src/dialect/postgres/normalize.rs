//! PostgreSQL's normalization, both directions: how `pg_catalog` spellings
//! (`character varying(20)`, `timestamp with time zone`, defaults with casts such as
//! `'x'::character varying`) read back into the model.

use crate::dialect::sql::sized_type;
use crate::dialect::{is_number, normalize_default, normalize_type};
use crate::schema::{DefaultValue, Type};

/// A column type as `format_type()` or a hint spells it.
pub fn parse_type(sql: &str) -> Type {
    let norm = normalize_type(sql);
    match norm.as_str() {
        "BOOLEAN" | "BOOL" => Type::Bool,
        "SMALLINT" | "INT2" => Type::SmallInt,
        "INTEGER" | "INT" | "INT4" => Type::Int,
        "BIGINT" | "INT8" => Type::BigInt,
        "REAL" | "FLOAT4" => Type::Float,
        "DOUBLE PRECISION" | "FLOAT8" => Type::Double,
        "TEXT" => Type::Text,
        "BYTEA" => Type::Bytes,
        "DATE" => Type::Date,
        "TIME" | "TIME WITHOUT TIME ZONE" => Type::Time,
        "TIMESTAMP" | "TIMESTAMP WITHOUT TIME ZONE" => Type::DateTime,
        "TIMESTAMPTZ" | "TIMESTAMP WITH TIME ZONE" => Type::Timestamp,
        "UUID" => Type::Uuid,
        "JSONB" => Type::Json,
        _ => sized_type(
            &norm,
            &["VARCHAR", "CHARACTER VARYING"],
            &["NUMERIC", "DECIMAL"],
        )
        .unwrap_or(Type::Raw(norm)),
    }
}

/// A default as `pg_get_expr()` prints it, for a column of type `ty`: a literal with its cast
/// (`'it''s'::text`, `'5'::integer`) reads as the literal.
pub fn parse_default(sql: &str, ty: &Type) -> DefaultValue {
    let s = sql.trim();
    let uncast = match s.rfind("::") {
        Some(i) if s.starts_with('\'') && s[..i].ends_with('\'') => &s[..i],
        _ => s,
    };
    let value = if let Some(inner) = uncast
        .strip_prefix('\'')
        .and_then(|r| r.strip_suffix('\''))
        .filter(|inner| !inner.replace("''", "").contains('\''))
    {
        DefaultValue::String(inner.replace("''", "'"))
    } else {
        match s.to_ascii_lowercase().as_str() {
            "true" => DefaultValue::Bool(true),
            "false" => DefaultValue::Bool(false),
            "now()" => DefaultValue::Sql("CURRENT_TIMESTAMP".into()),
            _ if is_number(s) => DefaultValue::Number(s.to_string()),
            _ => DefaultValue::Sql(read_expr(s)),
        }
    };
    normalize_default(value, ty)
}

/// The casts PostgreSQL adds when it stores a literal or a column of a string type; reading
/// them back without them gives the same value (`'a'::text`, `(name)::character varying`).
const STRING_CASTS: [&str; 5] = ["TEXT", "CHARACTER VARYING", "VARCHAR", "BPCHAR", "NAME"];

/// The numeric types of `'-1'::integer`, PostgreSQL's spelling of a negative constant.
const NUMBER_CASTS: [&str; 5] = [
    "INTEGER",
    "BIGINT",
    "SMALLINT",
    "NUMERIC",
    "DOUBLE PRECISION",
];

/// One token of an SQL expression.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// A word or a number, upper-cased (unquoted names fold case in PostgreSQL).
    Word(String),
    /// A quoted identifier or a string literal, exactly as written with its quotes.
    Quoted(String),
    /// An operator or punctuation.
    Symbol(String),
}

fn tokens(sql: &str) -> Vec<Token> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' || c == '"' {
            let start = i;
            i += 1;
            while i < chars.len() {
                if chars[i] == c {
                    if chars.get(i + 1) == Some(&c) {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i = (i + 1).min(chars.len());
            out.push(Token::Quoted(chars[start..i].iter().collect()));
        } else if c.is_alphanumeric()
            || c == '_'
            || c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)
        {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric()
                    || chars[i] == '_'
                    || chars[i] == '.'
                    || chars[i] == '$')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            out.push(Token::Word(word.to_uppercase()));
        } else if "()[],".contains(c) {
            out.push(Token::Symbol(c.to_string()));
            i += 1;
        } else {
            let start = i;
            while i < chars.len() && "+-*/<>=~!@#%^&|`?:".contains(chars[i]) {
                i += 1;
            }
            if i == start {
                i += 1;
            }
            out.push(Token::Symbol(chars[start..i].iter().collect()));
        }
    }
    out
}

fn is(t: Option<&Token>, s: &str) -> bool {
    matches!(t, Some(Token::Symbol(x)) | Some(Token::Word(x)) if x == s)
}

/// The index of the `)` that closes the `(` at `open`.
fn closing(t: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, tok) in t.iter().enumerate().skip(open) {
        if is(Some(tok), "(") || is(Some(tok), "[") {
            depth += 1;
        } else if is(Some(tok), ")") || is(Some(tok), "]") {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// The comparison operators: every arithmetic or other operator binds tighter
/// (<https://www.postgresql.org/docs/15/sql-syntax-lexical.html#SQL-PRECEDENCE>).
const COMPARISONS: [&str; 7] = ["<", ">", "=", "<=", ">=", "<>", "!="];

/// Whether `t` (the inside of a group) has a comparison, or something that binds as loosely
/// or looser (`IS`, `IN`, `LIKE`, `BETWEEN`...), at its top level.
fn has_comparison(t: &[Token]) -> bool {
    let mut depth = 0i32;
    t.iter().any(|tok| match tok {
        Token::Symbol(s) if s == "(" || s == "[" => {
            depth += 1;
            false
        }
        Token::Symbol(s) if s == ")" || s == "]" => {
            depth -= 1;
            false
        }
        Token::Symbol(s) => depth == 0 && COMPARISONS.contains(&s.as_str()),
        Token::Word(w) => {
            depth == 0
                && matches!(
                    w.as_str(),
                    "IS" | "IN" | "LIKE" | "ILIKE" | "SIMILAR" | "BETWEEN" | "NOT" | "AND" | "OR"
                )
        }
        Token::Quoted(_) => false,
    })
}

fn is_comparison(t: Option<&Token>) -> bool {
    matches!(t, Some(Token::Symbol(s)) if COMPARISONS.contains(&s.as_str()))
}

/// Whether `t` (the inside of a group) has a boolean connective at its top level.
fn has_connective(t: &[Token]) -> bool {
    let mut depth = 0i32;
    for (i, tok) in t.iter().enumerate() {
        match tok {
            Token::Symbol(s) if s == "(" || s == "[" => depth += 1,
            Token::Symbol(s) if s == ")" || s == "]" => depth -= 1,
            Token::Word(w) if depth == 0 && (w == "AND" || w == "OR") => return true,
            // A boolean NOT starts the group or follows a connective (not `IS NOT`, `NOT IN`).
            Token::Word(w)
                if depth == 0
                    && w == "NOT"
                    && (i == 0 || is(t.get(i - 1), "AND") || is(t.get(i - 1), "OR")) =>
            {
                return true;
            }
            _ => {}
        }
    }
    false
}

/// Removes the casts PostgreSQL adds to string literals and columns, and reads
/// `'-1'::integer` as `-1`.
fn drop_casts(t: Vec<Token>) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::with_capacity(t.len());
    let mut i = 0;
    while i < t.len() {
        if is(t.get(i), "::") {
            // The type: one or more words, then maybe `(n)` and `[]`.
            let word = |k: usize| match t.get(k) {
                Some(Token::Word(w)) => w.as_str(),
                _ => "",
            };
            let two = format!("{} {}", word(i + 1), word(i + 2));
            let (name, mut j) = if two == "CHARACTER VARYING" || two == "DOUBLE PRECISION" {
                (two, i + 3)
            } else {
                (word(i + 1).to_string(), i + 2)
            };
            if is(t.get(j), "(")
                && let Some(c) = closing(&t, j)
            {
                j = c + 1;
            }
            let array = is(t.get(j), "[") && is(t.get(j + 1), "]");
            if array {
                j += 2;
            }
            let number = matches!(out.last(), Some(Token::Quoted(q)) if q.starts_with('\'') && crate::dialect::is_number(&q[1..q.len() - 1]));
            if STRING_CASTS.contains(&name.as_str()) {
                i = j;
                continue;
            }
            if number && !array && NUMBER_CASTS.contains(&name.as_str()) {
                if let Some(Token::Quoted(q)) = out.pop() {
                    // As the tokenizer reads `-1`: a sign, then the number.
                    let n = &q[1..q.len() - 1];
                    if let Some(digits) = n.strip_prefix('-') {
                        out.push(Token::Symbol("-".into()));
                        out.push(Token::Word(digits.to_string()));
                    } else {
                        out.push(Token::Word(n.to_string()));
                    }
                }
                i = j;
                continue;
            }
        }
        out.push(t[i].clone());
        i += 1;
    }
    out
}

/// `x IN (a, b)` as PostgreSQL stores it: `x = ANY (ARRAY[a, b])` (`NOT IN`: `<> ALL`).
fn rewrite_in(t: Vec<Token>) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::with_capacity(t.len());
    let mut i = 0;
    while i < t.len() {
        if is(t.get(i), "IN")
            && is(t.get(i + 1), "(")
            && !is(t.get(i + 2), "SELECT")
            && let Some(close) = closing(&t, i + 1)
        {
            let negated = is(out.last(), "NOT");
            if negated {
                out.pop();
            }
            let sym = |s: &str| Token::Symbol(s.to_string());
            out.push(sym(if negated { "<>" } else { "=" }));
            out.push(Token::Word(if negated { "ALL" } else { "ANY" }.into()));
            out.push(sym("("));
            out.push(Token::Word("ARRAY".into()));
            out.push(sym("["));
            out.extend(t[i + 2..close].iter().cloned());
            out.push(sym("]"));
            out.push(sym(")"));
            i = close + 1;
            continue;
        }
        if is(t.get(i), "BETWEEN")
            && matches!(out.last(), Some(Token::Word(_) | Token::Quoted(_)))
            && let Some(between) = between(&t, i)
        {
            let negated = is(out.last(), "NOT");
            if negated {
                out.pop();
            }
            if let Some(x @ (Token::Word(_) | Token::Quoted(_))) = out.last().cloned() {
                out.pop();
                let sym = |s: &str| Token::Symbol(s.to_string());
                let (low, high, joint) = if negated {
                    ("<", ">", "OR")
                } else {
                    (">=", "<=", "AND")
                };
                if negated {
                    out.push(sym("("));
                }
                out.push(x.clone());
                out.push(sym(low));
                out.extend(between.low.iter().cloned());
                out.push(Token::Word(joint.into()));
                out.push(x);
                out.push(sym(high));
                out.extend(between.high.iter().cloned());
                if negated {
                    out.push(sym(")"));
                }
                i = between.end;
                continue;
            }
            // Not a simple operand: left as written.
            if negated {
                out.push(Token::Word("NOT".into()));
            }
        }
        let word = |s: &str| Token::Symbol(s.to_string());
        match &t[i] {
            Token::Word(w) if w == "LIKE" || w == "ILIKE" => {
                let op = if w == "LIKE" { "~~" } else { "~~*" };
                if is(out.last(), "NOT") {
                    out.pop();
                    out.push(word(&format!("!{op}")));
                } else {
                    out.push(word(op));
                }
            }
            Token::Symbol(s) if s == "!=" => out.push(word("<>")),
            other => out.push(other.clone()),
        }
        i += 1;
    }
    out
}

/// The bounds of `x BETWEEN low AND high`, whose `BETWEEN` is at `at`: `low` up to the
/// `AND`, `high` one token (with its sign), and where the expression ends.
struct Between {
    low: Vec<Token>,
    high: Vec<Token>,
    end: usize,
}

fn between(t: &[Token], at: usize) -> Option<Between> {
    let and = (at + 1..t.len()).find(|&k| is(t.get(k), "AND"))?;
    let low = t[at + 1..and].to_vec();
    let sign = usize::from(is(t.get(and + 1), "-") || is(t.get(and + 1), "+"));
    let end = and + 2 + sign;
    let high = t.get(and + 1..end)?.to_vec();
    let simple = |part: &[Token]| {
        part.iter().all(|tok| {
            matches!(tok, Token::Word(_) | Token::Quoted(_))
                || is(Some(tok), "-")
                || is(Some(tok), "+")
        })
    };
    (!low.is_empty() && simple(&low) && simple(&high)).then_some(Between { low, high, end })
}

/// Removes the parentheses that cannot change the meaning: around a single token, doubled,
/// around the whole expression, and around an operand of `AND`/`OR`/`NOT` that has no
/// connective of its own (every other operator binds tighter).
fn drop_parentheses(mut t: Vec<Token>) -> Vec<Token> {
    loop {
        let mut changed = false;
        let mut i = 0;
        while i < t.len() {
            if !is(t.get(i), "(") {
                i += 1;
                continue;
            }
            let Some(close) = closing(&t, i) else { break };
            let inner = &t[i + 1..close];
            // A call's or a list's parentheses stay: `lower(x)`, `ANY (ARRAY[...])`, `IN (...)`.
            let call = i > 0
                && (matches!(&t[i - 1], Token::Word(w) if !matches!(w.as_str(), "AND" | "OR" | "NOT" | "WHEN" | "THEN" | "ELSE" | "CASE"))
                    || matches!(&t[i - 1], Token::Quoted(q) if q.starts_with('"')));
            let before_ok = i == 0
                || is(t.get(i - 1), "AND")
                || is(t.get(i - 1), "OR")
                || is(t.get(i - 1), "NOT")
                || is(t.get(i - 1), "(")
                || is(t.get(i - 1), ",");
            let after_ok = close + 1 == t.len()
                || is(t.get(close + 1), "AND")
                || is(t.get(close + 1), "OR")
                || is(t.get(close + 1), ")")
                || is(t.get(close + 1), ",");
            let single = inner.len() == 1;
            let doubled = is(inner.first(), "(") && closing(&t, i + 1) == Some(close - 1);
            let whole = i == 0 && close + 1 == t.len();
            let operand = before_ok && after_ok && !has_connective(inner) && !inner.is_empty();
            // An arithmetic operand of a comparison: `(a * b) > (- c)` reads `a * b > - c`.
            let arithmetic = (before_ok || is_comparison(t.get(i.wrapping_sub(1))))
                && (after_ok || is_comparison(t.get(close + 1)))
                && !has_comparison(inner)
                && !inner.is_empty();
            let operand = operand || arithmetic;
            if !call && (single || doubled || whole || operand) {
                t.remove(close);
                t.remove(i);
                changed = true;
                continue;
            }
            i += 1;
        }
        if !changed {
            return t;
        }
    }
}

/// The form in which two spellings of one expression compare equal on PostgreSQL: the
/// expression as written in `schema.kdl` (`status IN ('a', 'b')`) and as `pg_get_expr` or
/// `pg_get_constraintdef` print it back (`((status)::text = ANY ((ARRAY['a'::character
/// varying, 'b'::character varying])::text[]))`). Only for comparing: never rendered.
pub fn comparable_expr(sql: &str) -> String {
    let t = drop_parentheses(rewrite_in(drop_casts(tokens(sql))));
    let mut out = String::new();
    for tok in &t {
        let text = match tok {
            // `"index"` and `index` name one column (PostgreSQL folds bare names to lower
            // case, and prints reserved ones quoted).
            Token::Quoted(s) if plain_quoted_name(s) => &s[1..s.len() - 1].to_ascii_uppercase(),
            Token::Word(s) | Token::Quoted(s) | Token::Symbol(s) => s,
        };
        if !out.is_empty()
            && !out.ends_with(['(', '['])
            && !matches!(text.as_str(), ")" | "]" | ",")
        {
            out.push(' ');
        }
        out.push_str(text);
    }
    out
}

/// Whether `s` is a double-quoted name that reads the same bare: lower case, digits, `_`.
fn plain_quoted_name(s: &str) -> bool {
    s.len() > 2
        && s.starts_with('"')
        && s.ends_with('"')
        && s[1..s.len() - 1]
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// An expression as PostgreSQL prints it, made readable and still valid: the casts it adds to
/// string literals and columns removed (`lower('A'::text)` reads `lower('A')`).
pub fn read_expr(sql: &str) -> String {
    // Re-spell from the source text: only the cast spans go.
    let casts = string_cast_spans(sql);
    let mut out = String::with_capacity(sql.len());
    let mut last = 0;
    for (start, end) in casts {
        out.push_str(&sql[last..start]);
        last = end;
    }
    out.push_str(&sql[last..]);
    crate::dialect::sql::normalize_sql(&out)
}

/// The byte ranges of `::text`, `::character varying` (and the like) right after a string
/// literal in `sql`.
fn string_cast_spans(sql: &str) -> Vec<(usize, usize)> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut quote: Option<u8> = None;
    // Where the last string literal ended.
    let mut literal_end = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q && bytes.get(i + 1) == Some(&q) => i += 1,
            Some(q) if b == q => {
                quote = None;
                if q == b'\'' {
                    literal_end = Some(i + 1);
                }
            }
            Some(_) => {}
            None if b == b'\'' || b == b'"' => quote = Some(b),
            None if literal_end == Some(i) && sql[i..].starts_with("::") => {
                let lower = sql[i + 2..].to_ascii_lowercase();
                let found = ["character varying", "text", "bpchar", "varchar"]
                    .iter()
                    .find(|name| {
                        lower.starts_with(*name)
                            && !lower[name.len()..]
                                .starts_with(|c: char| c.is_alphanumeric() || "_([".contains(c))
                    });
                if let Some(name) = found {
                    out.push((i, i + 2 + name.len()));
                    i += 2 + name.len();
                    continue;
                }
            }
            None => {}
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_spellings() {
        assert_eq!(
            parse_type("character varying(20)"),
            Type::String { length: Some(20) }
        );
        assert_eq!(parse_type("timestamp with time zone"), Type::Timestamp);
        assert_eq!(
            parse_default(
                "'it''s'::character varying",
                &Type::String { length: Some(9) }
            ),
            DefaultValue::String("it's".into())
        );
        assert_eq!(
            parse_default("'5'::integer", &Type::Int),
            DefaultValue::Number("5".into())
        );
        assert_eq!(
            parse_default("false", &Type::Bool),
            DefaultValue::Bool(false)
        );
        assert_eq!(
            parse_default("now()", &Type::Timestamp),
            DefaultValue::Sql("CURRENT_TIMESTAMP".into())
        );
        assert_eq!(
            parse_default("lower('ABC'::text)", &Type::Text),
            DefaultValue::Sql("lower('ABC')".into())
        );
    }

    #[test]
    fn expressions_compare_as_postgresql_prints_them() {
        let same = |written: &str, printed: &str| {
            assert_eq!(
                comparable_expr(written),
                comparable_expr(printed),
                "{written} / {printed}"
            )
        };
        same(
            "status IN ('a', 'b')",
            "((status)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))",
        );
        same("n in (1,2)", "(n = ANY (ARRAY[1, 2]))");
        same(
            "qty >= 0",
            "CHECK ((qty >= 0))".trim_start_matches("CHECK "),
        );
        same("a > 0 and b > 0", "((a > 0) AND (b > 0))");
        // Reserved words quoted by the user, bare (or still quoted) as printed.
        same(
            "\"index\" BETWEEN -32768 AND 100 AND \"to\" < 0",
            "((index >= '-32768'::integer) AND (index <= 100) AND (\"to\" < 0))",
        );
        same(
            "length(\"key\") > 0 AND \"key\" <> 'references'",
            "((length((key)::text) > 0) AND ((key)::text <> 'references'::text))",
        );
        assert_ne!(comparable_expr("\"Key\" > 0"), comparable_expr("key > 0"));
        same("b IS NOT NULL", "(b IS NOT NULL)");
        same("qty > -1", "(qty > '-1'::integer)");
        same("name LIKE 'a%'", "((name)::text ~~ 'a%'::text)");
        same("a != 1", "(a <> 1)");
        same(
            "qty > -1 AND qty != 1000",
            "qty > '-1'::integer AND qty <> 1000",
        );
        same(
            "qty BETWEEN -10 AND 1000",
            "qty >= '-10'::integer AND qty <= 1000",
        );
        same(
            "qty NOT BETWEEN 1 AND 5 AND price > 0",
            "((qty < 1 OR qty > 5) AND price > 0)",
        );
        same(
            "qty * price + 1 > -(qty + 1)",
            "((qty * price + 1) > (- (qty + 1)))",
        );
        same(
            "(qty + price) * 2 < 10000 AND price % 2 = 1",
            "(((qty + price) * 2) < 10000 AND (price % 2) = 1)",
        );
        same(
            "label <> 'it''s hidden' AND label NOT IN ('x', 'y')",
            "(label::text <> 'it''s hidden'::text AND (label::text <> ALL (ARRAY['x'::character varying, 'y'::character varying]::text[])))",
        );
        assert_ne!(
            comparable_expr("(a IS NULL) = b"),
            comparable_expr("a IS NULL = b")
        );
        same(
            "status IN ('new', 'old') and id > -1",
            "((status::text = ANY (ARRAY['new'::character varying, 'old'::character varying]::text[])) AND id > '-1'::integer)",
        );
        assert_ne!(
            comparable_expr("(a OR b) AND c"),
            comparable_expr("a OR (b AND c)")
        );
        assert_ne!(
            comparable_expr("(a + b) * c > 0"),
            comparable_expr("a + b * c > 0")
        );
        assert_ne!(comparable_expr("qty >= 0"), comparable_expr("qty >= 1"));
        assert_ne!(comparable_expr("a = 'x'"), comparable_expr("a = 'X'"));
    }

    #[test]
    fn printed_expressions_lose_only_the_casts_on_string_literals() {
        assert_eq!(
            read_expr(
                "((status)::text = ANY ((ARRAY['a'::character varying, 'it''s'::text])::text[]))"
            ),
            "(status)::text = ANY ((ARRAY['a', 'it''s'])::text[])"
        );
        assert_eq!(read_expr("length((n)::text) > 0"), "length((n)::text) > 0");
        assert_eq!(read_expr("'::text'::text"), "'::text'");
    }
}
