//! What only SQLite's `CREATE TABLE` and `CREATE INDEX` text tells: CHECK constraints
//! (named or not), column collations, generated columns' and index parts' expressions, and
//! table options the model cannot hold (`WITHOUT ROWID`, `STRICT`, `AUTOINCREMENT`). A small
//! tokenizer, not an SQL parser: it reads the statements SQLite keeps in `sqlite_schema`,
//! which SQLite itself has already parsed.

/// What a `CREATE TABLE` statement says beyond the pragmas.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CreateTable {
    /// `(name, expression)`; `name` is `None` for a bare `CHECK`.
    pub checks: Vec<(Option<String>, String)>,
    /// `(column, values)` for columns whose own check holds them to a list of strings.
    pub enums: Vec<(String, Vec<String>)>,
    /// `(column, collation)` for columns with `COLLATE`.
    pub collations: Vec<(String, String)>,
    /// `(column, expression)` for generated columns (`AS (expr)`).
    pub generated: Vec<(String, String)>,
    /// Options of the table the model cannot describe, as SQL keywords.
    pub options: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// A bare word or a quoted identifier (`"a b"`, `` `x` ``, `[y]`).
    Word(String, bool),
    /// A string literal, with its quotes.
    Literal(String),
    Punct(char),
}

impl Token {
    fn is_keyword(&self, keyword: &str) -> bool {
        matches!(self, Token::Word(w, false) if w.eq_ignore_ascii_case(keyword))
    }
}

/// Reads `sql`; a statement it cannot follow gives what was read so far.
pub fn read(sql: &str) -> CreateTable {
    let (tokens, spans) = tokenize(sql);
    let mut out = CreateTable::default();
    let Some(open) = tokens.iter().position(|t| *t == Token::Punct('(')) else {
        return out;
    };
    let Some(close) = matching(&tokens, open) else {
        return out;
    };
    let text = |from: usize, to: usize| -> String {
        match (spans.get(from), spans.get(to)) {
            (Some(a), Some(b)) if a.0 <= b.1 => sql[a.0..b.1].trim().to_string(),
            _ => String::new(),
        }
    };
    for (start, end) in elements(&tokens, open + 1, close) {
        read_element(&tokens[start..end], start, &text, &mut out);
    }
    let tail = &tokens[close + 1..];
    for (i, t) in tail.iter().enumerate() {
        if t.is_keyword("WITHOUT") && tail.get(i + 1).is_some_and(|n| n.is_keyword("ROWID")) {
            out.options.push("WITHOUT ROWID".into());
        }
        if t.is_keyword("STRICT") {
            out.options.push("STRICT".into());
        }
    }
    out
}

/// The query of a `CREATE VIEW name AS query` statement as written. `None` where the view
/// names its columns (`CREATE VIEW v(a, b) AS ...`), which the model cannot hold, or for a
/// statement it cannot follow.
pub fn view_query(sql: &str) -> Option<String> {
    let (tokens, spans) = tokenize(sql);
    let view = tokens.iter().position(|t| t.is_keyword("VIEW"))?;
    let at = tokens[view + 1..]
        .iter()
        .position(|t| t.is_keyword("AS") || *t == Token::Punct('('))?;
    let at = view + 1 + at;
    if tokens[at] == Token::Punct('(') {
        return None;
    }
    let start = spans.get(at + 1)?.0;
    Some(crate::schema::view_query(&sql[start..]))
}

/// The parts of a `CREATE INDEX` statement as written, each without its `ASC`/`DESC` and
/// `COLLATE`: `["lower(email)", "\"id\""]`. Empty for a statement it cannot follow.
pub fn index_parts(sql: &str) -> Vec<String> {
    let (tokens, spans) = tokenize(sql);
    let Some(open) = tokens.iter().position(|t| *t == Token::Punct('(')) else {
        return Vec::new();
    };
    let Some(close) = matching(&tokens, open) else {
        return Vec::new();
    };
    elements(&tokens, open + 1, close)
        .into_iter()
        .map(|(start, mut end)| {
            while end > start + 1 {
                let last = &tokens[end - 1];
                if last.is_keyword("ASC") || last.is_keyword("DESC") {
                    end -= 1;
                } else if end > start + 2 && tokens[end - 2].is_keyword("COLLATE") {
                    end -= 2;
                } else {
                    break;
                }
            }
            match (spans.get(start), spans.get(end - 1)) {
                (Some(a), Some(b)) if a.0 <= b.1 => sql[a.0..b.1].trim().to_string(),
                _ => String::new(),
            }
        })
        .collect()
}

/// One column definition or table constraint, `tokens` starting at index `base` overall.
fn read_element(
    tokens: &[Token],
    base: usize,
    text: &dyn Fn(usize, usize) -> String,
    out: &mut CreateTable,
) {
    let Some(first) = tokens.first() else {
        return;
    };
    let table_constraint = ["CONSTRAINT", "CHECK", "PRIMARY", "UNIQUE", "FOREIGN"]
        .iter()
        .any(|k| first.is_keyword(k));
    let column = match (first, table_constraint) {
        (Token::Word(name, _), false) => Some(name.clone()),
        _ => None,
    };
    let mut name: Option<String> = None;
    let mut i = usize::from(column.is_some());
    while i < tokens.len() {
        let t = &tokens[i];
        if t.is_keyword("CONSTRAINT")
            && let Some(Token::Word(n, _)) = tokens.get(i + 1)
        {
            name = Some(n.clone());
            i += 2;
            continue;
        }
        if t.is_keyword("CHECK")
            && tokens.get(i + 1) == Some(&Token::Punct('('))
            && let Some(close) = matching(tokens, i + 1)
        {
            let expr = text(base + i + 2, base + close - 1);
            // A column's own unnamed check over its values is its enum (as `reconcile`
            // writes one); any other check, a table's named one included, stays a check.
            match enum_check(&expr) {
                Some((of, values)) if name.is_none() && column.as_ref() == Some(&of) => {
                    out.enums.push((of, values));
                }
                _ => out.checks.push((name.take(), expr)),
            }
            i = close + 1;
            continue;
        }
        if t.is_keyword("COLLATE")
            && let (Some(c), Some(Token::Word(coll, _))) = (&column, tokens.get(i + 1))
        {
            out.collations.push((c.clone(), coll.clone()));
        }
        // `[GENERATED ALWAYS] AS (expr)`: the only `AS` outside parentheses of a column.
        if t.is_keyword("AS")
            && tokens.get(i + 1) == Some(&Token::Punct('('))
            && let (Some(c), Some(close)) = (&column, matching(tokens, i + 1))
        {
            out.generated
                .push((c.clone(), text(base + i + 2, base + close - 1)));
            i = close + 1;
            continue;
        }
        if t.is_keyword("AUTOINCREMENT") {
            out.options.push("AUTOINCREMENT".into());
        }
        if *t == Token::Punct('(') {
            i = matching(tokens, i).map_or(tokens.len(), |c| c + 1);
            continue;
        }
        if !t.is_keyword("CHECK") && !t.is_keyword("CONSTRAINT") {
            name = None;
        }
        i += 1;
    }
}

/// The `(start, end)` token ranges between top-level commas of `tokens[from..to]`.
fn elements(tokens: &[Token], from: usize, to: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = from;
    for (i, t) in tokens.iter().enumerate().take(to).skip(from) {
        match t {
            Token::Punct('(') => depth += 1,
            Token::Punct(')') => depth = depth.saturating_sub(1),
            Token::Punct(',') if depth == 0 => {
                out.push((start, i));
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push((start, to));
    out
}

/// The index of the `)` closing the `(` at `open`.
fn matching(tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        match t {
            Token::Punct('(') => depth += 1,
            Token::Punct(')') => {
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

/// Tokens and their byte spans; comments are skipped.
fn tokenize(sql: &str) -> (Vec<Token>, Vec<(usize, usize)>) {
    let bytes = sql.as_bytes();
    let mut tokens = Vec::new();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        match c {
            b if b.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = sql[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |e| i + 2 + e + 2);
                continue;
            }
            b'\'' | b'"' | b'`' | b'[' => {
                let close = if c == b'[' { b']' } else { c };
                let mut value = String::new();
                i += 1;
                let mut piece = i;
                loop {
                    match bytes.get(i) {
                        None => break,
                        Some(&b) if b == close => {
                            value.push_str(&sql[piece..i]);
                            if close != b']' && bytes.get(i + 1) == Some(&close) {
                                value.push(close as char);
                                i += 2;
                                piece = i;
                            } else {
                                i += 1;
                                break;
                            }
                        }
                        Some(_) => i += 1,
                    }
                }
                tokens.push(if c == b'\'' {
                    Token::Literal(sql[start..i].to_string())
                } else {
                    Token::Word(value, true)
                });
            }
            b if b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80 => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] >= 0x80)
                {
                    i += 1;
                }
                tokens.push(Token::Word(sql[start..i].to_string(), false));
            }
            _ => {
                // One character; stay on a char boundary.
                let ch = sql[i..].chars().next().unwrap_or(' ');
                i += ch.len_utf8();
                tokens.push(Token::Punct(ch));
            }
        }
        spans.push((start, i));
    }
    (tokens, spans)
}

/// The column and values of a check that holds one column to a list of strings,
/// `"role" IN ('admin', 'member')`.
pub fn enum_check(expr: &str) -> Option<(String, Vec<String>)> {
    let (tokens, _) = tokenize(expr);
    let (Some(Token::Word(column, _)), Some(keyword), Some(Token::Punct('('))) =
        (tokens.first(), tokens.get(1), tokens.get(2))
    else {
        return None;
    };
    if !keyword.is_keyword("IN") || tokens.last() != Some(&Token::Punct(')')) {
        return None;
    }
    let mut values = Vec::new();
    for (i, t) in tokens[3..tokens.len() - 1].iter().enumerate() {
        match (i % 2, t) {
            (0, Token::Literal(l)) if l.starts_with('\'') => {
                values.push(l[1..l.len() - 1].replace("''", "'"));
            }
            (1, Token::Punct(',')) => {}
            _ => return None,
        }
    }
    (!values.is_empty() && tokens.len() % 2 == 1).then(|| (column.clone(), values))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_statement_gives_its_query_as_written() {
        assert_eq!(
            view_query("CREATE VIEW \"Active Users\" AS SELECT id AS \"as\" FROM t;").as_deref(),
            Some("SELECT id AS \"as\" FROM t")
        );
        assert_eq!(
            view_query("create view if not exists [v] as\n  select 1").as_deref(),
            Some("select 1")
        );
        // Named columns are more than the model holds.
        assert_eq!(view_query("CREATE VIEW v(a, b) AS SELECT 1, 2"), None);
    }

    #[test]
    fn enum_checks_read_back_their_column_and_values() {
        assert_eq!(
            enum_check(r#""role" IN ('admin', 'it''s')"#),
            Some(("role".into(), vec!["admin".into(), "it's".into()]))
        );
        assert_eq!(
            enum_check("status in ('a','b')"),
            Some(("status".into(), vec!["a".into(), "b".into()]))
        );
        for other in [
            "role IN ('a', 'b') OR role IS NULL",
            "role IN (1, 2)",
            "lower(role) IN ('a')",
            "role IN ('a' 'b')",
            "role IN ()",
            "role = 'a'",
        ] {
            assert_eq!(enum_check(other), None, "{other}");
        }
    }

    #[test]
    fn checks_named_and_bare_collations_and_options() {
        let sql = r#"CREATE TABLE "t" (
  "a" INTEGER PRIMARY KEY AUTOINCREMENT,
  b TEXT COLLATE NOCASE CHECK (length(b) < 10), -- a comment, with (parens
  "c d" VARCHAR(5) CONSTRAINT "c_ok" CHECK ("c d" <> ')'),
  CONSTRAINT "pos" CHECK (a > 0 AND (a < 10)),
  CHECK (b <> 'x'),
  UNIQUE (b)
) STRICT"#;
        let t = read(sql);
        assert_eq!(
            t.checks,
            vec![
                (None, "length(b) < 10".to_string()),
                (Some("c_ok".to_string()), "\"c d\" <> ')'".to_string()),
                (Some("pos".to_string()), "a > 0 AND (a < 10)".to_string()),
                (None, "b <> 'x'".to_string()),
            ]
        );
        assert_eq!(t.collations, vec![("b".to_string(), "NOCASE".to_string())]);
        assert_eq!(
            t.options,
            vec!["AUTOINCREMENT".to_string(), "STRICT".to_string()]
        );
    }

    #[test]
    fn quoted_names_and_without_rowid() {
        let t = read(
            r#"CREATE TABLE [x] ("say ""hi""" TEXT COLLATE "BINARY", PRIMARY KEY ("say ""hi""")) WITHOUT ROWID"#,
        );
        assert_eq!(
            t.collations,
            vec![("say \"hi\"".to_string(), "BINARY".to_string())]
        );
        assert_eq!(t.options, vec!["WITHOUT ROWID".to_string()]);
        assert_eq!(read("garbage"), CreateTable::default());
    }
}
