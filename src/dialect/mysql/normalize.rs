//! The MySQL family's normalization, both directions: how `information_schema` spellings
//! read back into the model (`int(11)` and `int`, `tinyint(1)` as bool, defaults quoted by
//! MariaDB and bare in MySQL) and what a desired table becomes on the server.

use std::collections::HashMap;

use super::version::Server;
use super::{DatabaseDefaults, Mysql};
use crate::dialect::sql::sized_type;
use crate::dialect::{is_number, normalize_default, normalize_type};
use crate::schema::{Action, DefaultValue, ForeignKey, Index, Table, Type};

/// A column type as the catalog (`COLUMN_TYPE`) or a hint spells it.
pub fn parse_type(sql: &str) -> Type {
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
pub fn desired_table(d: &Mysql, table: &mut Table) {
    for check in &mut table.checks {
        check.expr = expression(&check.expr);
    }
    for column in &mut table.columns {
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
    DefaultValue::Sql(canonical)
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

/// An SQL expression (CHECK clause, default) in one canonical form, whichever server
/// rewrote it: backticks gone from plain names, charset introducers (`_utf8mb4'a'`) gone,
/// `\'` inside literals written `''`, words outside literals in lower case (column names
/// are not case-sensitive here), no parentheses that change nothing (MySQL adds them
/// around every operation: `((a >= 0) and ((b + 1) < 5))`), `mod` as `%` (MariaDB prints
/// `%` as `MOD`), tokens separated by one space (none inside
/// parentheses, before a comma, around a dot, or between a word and its `(`), no outer
/// parentheses.
/// Both sides of a comparison go through it: the catalog's text and the schema's.
pub fn expression(sql: &str) -> String {
    let mut out = String::new();
    let mut previous: Option<Token> = None;
    for token in without_redundant_parentheses(tokens(sql)) {
        let glue = match (&previous, &token) {
            (Some(Token::Word(w)), Token::Punct('(')) => !is_logical(w),
            (None | Some(Token::Punct('(' | '.')), _) | (_, Token::Punct(')' | ',' | '.')) => true,
            _ => false,
        };
        if !glue {
            out.push(' ');
        }
        match &token {
            Token::Word(w) | Token::Operator(w) | Token::Literal(w) => out.push_str(w),
            Token::Punct(c) => out.push(*c),
        }
        previous = Some(token);
    }
    strip_outer_parentheses(&out)
}

/// How tightly an operator binds, loosest first (MySQL's operator precedence): an operand
/// is [`ATOM`], an operator this does not know [`UNKNOWN`].
const ATOM: u8 = u8::MAX;
const UNKNOWN: u8 = u8::MAX - 1;

/// The precedence of each token that is an operator (`None` for operands and punctuation):
/// `or`, `xor`, `||` 1; `and`, `&&` 2; prefix `not` 3; comparisons, `is`, `in`, `like` and
/// `between` (with its own `and`) 4; `|` 5; `&` 6; shifts 7; `+ -` 8; `* / % div` 9;
/// `^` 10; prefix `- + ~ !` 11 (the tokens read `a MOD 2` as `a % 2`).
fn precedences(tokens: &[Token]) -> Vec<Option<u8>> {
    let mut out: Vec<Option<u8>> = vec![None; tokens.len()];
    let mut betweens: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    for i in 0..tokens.len() {
        let prefix =
            i == 0 || matches!(tokens[i - 1], Token::Punct('(' | ',')) || out[i - 1].is_some();
        out[i] = match &tokens[i] {
            Token::Punct('(') => {
                depth += 1;
                None
            }
            Token::Punct(')') => {
                depth = depth.saturating_sub(1);
                betweens.retain(|&d| d <= depth);
                None
            }
            Token::Operator(op) if prefix => Some(match op.as_str() {
                "-" | "+" | "~" | "!" => 11,
                _ => UNKNOWN,
            }),
            Token::Operator(op) => Some(match op.as_str() {
                "||" => 1,
                "&&" => 2,
                "=" | "<>" | "!=" | "<" | ">" | "<=" | ">=" | "<=>" => 4,
                "|" => 5,
                "&" => 6,
                "<<" | ">>" => 7,
                "+" | "-" => 8,
                "*" | "/" | "%" => 9,
                "^" => 10,
                _ => UNKNOWN,
            }),
            Token::Word(w) => match w.as_str() {
                "or" | "xor" => Some(1),
                "and" if betweens.last() == Some(&depth) => {
                    betweens.pop();
                    Some(4)
                }
                "and" => Some(2),
                // `is not null`, `a not in (...)`: part of the comparison.
                "not"
                    if !prefix
                        || (i > 0 && matches!(&tokens[i - 1], Token::Word(w) if w == "is")) =>
                {
                    Some(4)
                }
                "not" => Some(3),
                "between" => {
                    betweens.push(depth);
                    Some(4)
                }
                "is" | "in" | "like" | "regexp" | "rlike" => Some(4),
                "div" => Some(9),
                _ => None,
            },
            _ => None,
        };
    }
    out
}

/// `tokens` without the parentheses that change nothing, wherever a server added them:
/// MySQL wraps every operation, `(((a * b) + 1) > c)`, `-(10)`, `-((a + b))`. A group goes
/// when what it holds binds tighter than the operator before it and at least as tightly as
/// the one after it (operators of one level group from the left). Function calls, `in (...)`
/// lists and groups next to an operator this does not know keep theirs.
fn without_redundant_parentheses(mut tokens: Vec<Token>) -> Vec<Token> {
    let boundary = |t: &Token| {
        matches!(t, Token::Punct('(' | ',' | ')'))
            || matches!(t, Token::Word(w) if matches!(w.as_str(), "case" | "when" | "then" | "else" | "end"))
    };
    'again: loop {
        let precedence = precedences(&tokens);
        let mut open: Vec<usize> = Vec::new();
        for i in 0..tokens.len() {
            match tokens[i] {
                Token::Punct('(') => open.push(i),
                Token::Punct(')') => {
                    let Some(start) = open.pop() else {
                        return tokens;
                    };
                    let before = start.checked_sub(1).map(|b| (&tokens[b], precedence[b]));
                    let call = match before {
                        Some((Token::Word(w), p)) => {
                            w == "in" || (p.is_none() && !boundary(&tokens[start - 1]))
                        }
                        _ => false,
                    };
                    if call {
                        continue;
                    }
                    let mut depth = 0usize;
                    let mut inner = ATOM;
                    for j in start + 1..i {
                        match tokens[j] {
                            Token::Punct('(') => depth += 1,
                            Token::Punct(')') => depth -= 1,
                            _ if depth == 0 => inner = inner.min(precedence[j].unwrap_or(ATOM)),
                            _ => {}
                        }
                    }
                    let outer = |t: Option<(&Token, Option<u8>)>| match t {
                        None => 0,
                        Some((t, _)) if boundary(t) => 0,
                        Some((_, Some(p))) => p,
                        Some((_, None)) => UNKNOWN,
                    };
                    let after = tokens.get(i + 1).map(|t| (t, precedence[i + 1]));
                    if inner > outer(before) && inner >= outer(after) {
                        tokens.remove(i);
                        tokens.remove(start);
                        continue 'again;
                    }
                }
                _ => {}
            }
        }
        return tokens;
    }
}

fn is_logical(word: &str) -> bool {
    matches!(word, "and" | "or" | "xor" | "not")
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// A name or keyword, lower case (a quoted name that needs its quotes keeps them).
    Word(String),
    /// A run of operator characters: `>=`, `<>`, `||`.
    Operator(String),
    /// A string literal with its quotes, `'` escaped as `''`.
    Literal(String),
    /// `(`, `)`, `,`, `.` or any other single character.
    Punct(char),
}

fn tokens(sql: &str) -> Vec<Token> {
    let chars: Vec<char> = sql.chars().collect();
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let mut literal = String::from('\'');
            i += 1;
            while i < chars.len() {
                match chars[i] {
                    '\\' if i + 1 < chars.len() => {
                        if chars[i + 1] == '\'' {
                            literal.push_str("''");
                        } else {
                            literal.push('\\');
                            literal.push(chars[i + 1]);
                        }
                        i += 2;
                    }
                    '\'' if chars.get(i + 1) == Some(&'\'') => {
                        literal.push_str("''");
                        i += 2;
                    }
                    '\'' => {
                        i += 1;
                        break;
                    }
                    other => {
                        literal.push(other);
                        i += 1;
                    }
                }
            }
            literal.push('\'');
            out.push(Token::Literal(literal));
        } else if c == '`' {
            let end = chars[i + 1..]
                .iter()
                .position(|&c| c == '`')
                .map_or(chars.len(), |p| i + 1 + p);
            let name: String = chars[(i + 1).min(end)..end].iter().collect();
            let plain = !name.is_empty()
                && name.chars().all(word)
                && !name.starts_with(|c: char| c.is_ascii_digit());
            out.push(Token::Word(if plain {
                name.to_lowercase()
            } else {
                format!("`{name}`")
            }));
            i = end + 1;
        } else if word(c) {
            let start = i;
            while i < chars.len() && word(chars[i]) {
                i += 1;
            }
            let token: String = chars[start..i].iter().collect();
            // `_utf8mb4'a'`: a charset introducer before a literal says nothing here.
            if !(token.starts_with('_') && chars.get(i) == Some(&'\'')) {
                let word = token.to_lowercase();
                // MariaDB prints some functions under their other name.
                let word = match word.as_str() {
                    "lcase" => "lower".to_string(),
                    "ucase" => "upper".to_string(),
                    _ => word,
                };
                let call = chars[i..].iter().find(|c| !c.is_whitespace()) == Some(&'(');
                if word == "mod" && !call {
                    // MariaDB prints `a % 2` as `a MOD 2`.
                    out.push(Token::Operator("%".into()));
                } else {
                    out.push(Token::Word(word));
                }
            }
        } else if "<>=!|&+-*/%^~".contains(c) {
            let start = i;
            while i < chars.len() && "<>=!|&+-*/%^~".contains(chars[i]) {
                i += 1;
            }
            out.push(Token::Operator(chars[start..i].iter().collect()));
        } else {
            out.push(Token::Punct(c));
            i += 1;
        }
    }
    out
}

fn strip_outer_parentheses(s: &str) -> String {
    let mut s = s.to_string();
    while s.starts_with('(') && s.ends_with(')') && balanced(&s[1..s.len() - 1]) {
        s = s[1..s.len() - 1].to_string();
    }
    s
}

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

/// MariaDB's check behind a `JSON` column: named after the column, `json_valid(column)`.
pub fn is_json_valid_check(clause: &str, name: &str) -> bool {
    expression(clause) == format!("json_valid({})", name.to_lowercase())
}

/// Whether `index` is the one the server made for `fk`: named after the key, over its
/// columns, not unique. It belongs to the key: it goes when the key goes, and neither the
/// catalog's side nor the schema's lists it as an index.
pub fn is_implicit_index(index: &Index, fk: &ForeignKey) -> bool {
    !index.unique && index.name == fk.name && index.columns == fk.columns
}

/// Character sets by one name: `utf8` is `utf8mb3` (MySQL 8.0.30+ and MariaDB 10.6+ report
/// the new name), in charset and collation names alike.
pub fn charset_name(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    match lower.strip_prefix("utf8") {
        Some("") => "utf8mb3".into(),
        Some(rest) if rest.starts_with('_') => format!("utf8mb3{rest}"),
        _ => lower,
    }
}

/// What a table inherits from its database, or a column from its table: a character set
/// and its collation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inherited {
    pub charset: String,
    pub collation: String,
}

impl Inherited {
    /// What a table of `database` gets when it names no charset or collation.
    pub fn database(database: &DatabaseDefaults) -> Inherited {
        Inherited {
            charset: charset_name(&database.charset),
            collation: charset_name(&database.collation),
        }
    }

    /// A child's charset and collation as written (either may be missing) in canonical
    /// form: each only where it differs from what the child would get without it. Returns
    /// (charset, collation, what the child has). One rule for both sides: the catalog's
    /// values and the schema's. `defaults` is each charset's default collation.
    pub fn child(
        &self,
        charset: Option<&str>,
        collation: Option<&str>,
        defaults: &HashMap<String, String>,
    ) -> (Option<String>, Option<String>, Inherited) {
        let collation = collation.map(charset_name);
        let charset = charset
            .map(charset_name)
            .or_else(|| collation.as_deref().map(charset_of))
            .unwrap_or_else(|| self.charset.clone());
        let expected = if charset == self.charset {
            self.collation.clone()
        } else {
            defaults
                .get(&charset)
                .map(|c| charset_name(c))
                .unwrap_or_default()
        };
        let collation = collation.unwrap_or_else(|| expected.clone());
        let shown_charset = (charset != self.charset).then(|| charset.clone());
        let shown_collation = (collation != expected).then(|| collation.clone());
        (
            shown_charset,
            shown_collation,
            Inherited { charset, collation },
        )
    }
}

/// The character set a collation belongs to (`utf8mb4_0900_ai_ci`: `utf8mb4`).
fn charset_of(collation: &str) -> String {
    collation.split('_').next().unwrap_or(collation).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MARIADB: Server = Server {
        flavor: super::super::version::Flavor::Mariadb,
        version: (10, 11, 6),
    };

    /// Catalog rows as MySQL 9.7.4 and MariaDB 10.11 report the same DDL (tech-facts §6).
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

    /// CHECK clauses as MariaDB 10.11 and MySQL 9.7 store `status IN ('a', 'b') AND qty >= 0`.
    #[test]
    fn check_text_reads_the_same_from_both_servers() {
        let written = expression("status IN ('a', 'b') AND qty >= 0");
        assert_eq!(written, "status in('a', 'b') and qty >= 0");
        assert_eq!(
            expression("`status` in ('a','b') and `qty` >= 0"),
            written,
            "MariaDB"
        );
        assert_eq!(
            expression("((`status` in (_utf8mb4'a',_utf8mb4'b')) and (`qty` >= 0))"),
            written,
            "MySQL adds parentheses around each operand"
        );
        assert_eq!(expression("x = 'It''s A'"), "x = 'It''s A'");
        assert_eq!(expression("x='It\\'s A'"), "x = 'It''s A'");
        assert_eq!(expression("`odd name` > 0"), "`odd name` > 0");
        assert_eq!(expression("lower( `t`.`name` )<>''"), "lower(t.name) <> ''");
        assert_eq!(expression("(a or b) and (c > 1)"), "(a or b) and c > 1");
        assert_eq!(expression("(a + b) * c > 0"), "(a + b) * c > 0");
        assert!(is_json_valid_check("json_valid(`doc`)", "doc"));
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
            assert_eq!(
                parse_default(&MYSQL9, catalog, &ty, generated, nullable),
                Some(normalize_default(want, &ty)),
                "{catalog}"
            );
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
        // Both servers: the values of an enum keep their case; the rest is upper case.
        assert_eq!(
            parse_type("enum('x','Y''z')"),
            Type::Raw("ENUM('x','Y''z')".into())
        );
        assert_eq!(parse_type("set('a','b')"), parse_type("SET( 'a', 'b' )"));
        assert_ne!(parse_type("enum('a')"), parse_type("enum('A')"));
    }

    /// `DATETIME(3) DEFAULT CURRENT_TIMESTAMP(3)`: MySQL 9.7.4 reports `CURRENT_TIMESTAMP(3)`,
    /// or `now(3)` when it was written as the expression `(current_timestamp(3))`; MariaDB
    /// `current_timestamp(3)`.
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

    #[test]
    fn charsets_are_shown_only_where_they_differ_from_what_is_inherited() {
        let defaults: HashMap<String, String> = [
            ("utf8mb4", "utf8mb4_general_ci"),
            ("latin1", "latin1_swedish_ci"),
            ("utf8mb3", "utf8mb3_general_ci"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let db = Inherited {
            charset: "utf8mb4".into(),
            collation: "utf8mb4_general_ci".into(),
        };
        let none = (None, None);
        let shown = |c: Option<&str>, k: Option<&str>| {
            let (a, b, _) = db.child(c, k, &defaults);
            (a, b)
        };
        assert_eq!(shown(None, Some("utf8mb4_general_ci")), none);
        assert_eq!(shown(Some("utf8mb4"), None), none);
        assert_eq!(
            shown(Some("latin1"), Some("latin1_swedish_ci")),
            (Some("latin1".into()), None)
        );
        assert_eq!(
            shown(None, Some("latin1_swedish_ci")),
            (Some("latin1".into()), None)
        );
        assert_eq!(
            shown(None, Some("utf8mb4_unicode_ci")),
            (None, Some("utf8mb4_unicode_ci".into()))
        );
        assert_eq!(shown(Some("utf8"), None), (Some("utf8mb3".into()), None));
    }
}
