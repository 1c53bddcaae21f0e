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
            .unwrap_or_else(|| Type::Raw(without_integer_width(&norm))),
    }
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
        // MySQL escapes the quotes of a default expression: `_utf8mb4\'a\'`.
        expression_default(
            &s.replace("\\\\", "\u{0}")
                .replace("\\'", "'")
                .replace('\u{0}', "\\"),
        )
    } else if generated || server.quotes_string_defaults() {
        expression_default(s)
    } else if is_number(s) {
        DefaultValue::Number(s.to_string())
    } else {
        DefaultValue::String(s.to_string())
    };
    Some(normalize_default(value, ty))
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
/// are not case-sensitive here), no parentheses around a lone comparison (MySQL adds
/// them: `((a >= 0) and (b < 5))`), tokens separated by one space (none inside
/// parentheses, before a comma, around a dot, or between a word and its `(`), no outer
/// parentheses.
/// Both sides of a comparison go through it: the catalog's text and the schema's.
pub fn expression(sql: &str) -> String {
    let mut out = String::new();
    let mut previous: Option<Token> = None;
    for token in without_grouped_comparisons(tokens(sql)) {
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

/// `tokens` without the parentheses around a comparison that is an operand of a logical
/// operator: `(a >= 0) and b` is `a >= 0 and b` (a comparison binds tighter than `and`,
/// `or`, `xor` and `not`, and looser than arithmetic). Function calls and `in (...)` lists
/// keep theirs.
fn without_grouped_comparisons(mut tokens: Vec<Token>) -> Vec<Token> {
    const COMPARISONS: [&str; 9] = ["=", "<>", "!=", "<", ">", "<=", ">=", "<=>", "like"];
    const LOGICAL: [&str; 5] = ["and", "or", "xor", "not", "&&"];
    let is = |t: &Token, words: &[&str]| match t {
        Token::Word(w) | Token::Operator(w) => words.contains(&w.as_str()) || w == "||",
        _ => false,
    };
    loop {
        let mut removed = false;
        let mut open: Vec<usize> = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            match tokens[i] {
                Token::Punct('(') => open.push(i),
                Token::Punct(')') => {
                    let Some(start) = open.pop() else {
                        return tokens;
                    };
                    let call = start > 0
                        && matches!(&tokens[start - 1], Token::Word(w) if !LOGICAL.contains(&w.as_str()));
                    let inner = &tokens[start + 1..i];
                    let mut depth = 0;
                    let (mut comparison, mut logical) = (false, false);
                    for t in inner {
                        match t {
                            Token::Punct('(') => depth += 1,
                            Token::Punct(')') => depth -= 1,
                            t if depth == 0 && is(t, &LOGICAL) => logical = true,
                            t if depth == 0 && is(t, &COMPARISONS) => comparison = true,
                            Token::Word(w)
                                if depth == 0 && matches!(w.as_str(), "in" | "is" | "between") =>
                            {
                                comparison = true
                            }
                            _ => {}
                        }
                    }
                    if !call && comparison && !logical {
                        tokens.remove(i);
                        tokens.remove(start);
                        removed = true;
                        break;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        if !removed {
            return tokens;
        }
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
                out.push(Token::Word(word));
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
