//! One canonical form for the SQL expressions MySQL and MariaDB rewrite (CHECK clauses,
//! expression defaults), so that what a server stores and what schema.kdl says compare
//! equal: a small tokenizer, the parentheses that change nothing under MySQL's precedence
//! removed, and one way to space and case what is left.

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
    crate::dialect::sql::strip_outer_parentheses(&out).to_string()
}

/// The name every database knows for a function MariaDB prints under its other name
/// (`lcase` for `lower`); `word` in lower case.
pub fn common_name(word: &str) -> Option<&'static str> {
    match word {
        "lcase" => Some("lower"),
        "ucase" => Some("upper"),
        _ => None,
    }
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
                let word = common_name(&word).map_or(word, str::to_string);
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(expression("json_valid(`doc`)"), "json_valid(doc)");
    }
}
