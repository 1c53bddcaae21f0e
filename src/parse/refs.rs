//! The small reference syntax inside property values: `users.id` and `users(id, tenant_id)`,
//! with SQL-style double quotes around names that hold `.`, `(`, `)`, `,` or spaces.

/// Reads `TABLE.COLUMN`.
pub fn column_ref(s: &str) -> Option<(String, String)> {
    let mut p = Cursor { s, i: 0 };
    let table = p.name()?;
    p.expect('.')?;
    let column = p.name()?;
    p.end().then_some((table, column))
}

/// Reads `TABLE(COLUMN, ...)`.
pub fn table_ref(s: &str) -> Option<(String, Vec<String>)> {
    let mut p = Cursor { s, i: 0 };
    let table = p.name()?;
    p.expect('(')?;
    let mut columns = vec![p.name()?];
    while p.peek() == Some(',') {
        p.expect(',')?;
        columns.push(p.name()?);
    }
    p.expect(')')?;
    p.end().then_some((table, columns))
}

struct Cursor<'a> {
    s: &'a str,
    i: usize,
}

impl Cursor<'_> {
    fn skip_space(&mut self) {
        while self.s[self.i..].starts_with(char::is_whitespace) {
            self.i += self.s[self.i..].chars().next().map_or(1, char::len_utf8);
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_space();
        self.s[self.i..].chars().next()
    }

    fn expect(&mut self, c: char) -> Option<()> {
        (self.peek()? == c).then(|| self.i += c.len_utf8())
    }

    fn end(&mut self) -> bool {
        self.peek().is_none()
    }

    fn name(&mut self) -> Option<String> {
        if self.peek()? == '"' {
            self.i += 1;
            let mut out = String::new();
            loop {
                let c = self.s[self.i..].chars().next()?;
                self.i += c.len_utf8();
                if c == '"' {
                    if self.s[self.i..].starts_with('"') {
                        self.i += 1;
                        out.push('"');
                    } else {
                        return (!out.is_empty()).then_some(out);
                    }
                } else {
                    out.push(c);
                }
            }
        }
        let rest = &self.s[self.i..];
        let end = rest
            .find(|c: char| ".(),\"".contains(c) || c.is_whitespace())
            .unwrap_or(rest.len());
        self.i += end;
        (end > 0).then(|| rest[..end].to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        assert_eq!(column_ref("users.id"), Some(("users".into(), "id".into())));
        assert_eq!(
            column_ref(r#""line items".id"#),
            Some(("line items".into(), "id".into()))
        );
        assert_eq!(
            column_ref(r#""a.b"."c""d""#),
            Some(("a.b".into(), "c\"d".into()))
        );
        assert_eq!(column_ref("users"), None);
        assert_eq!(column_ref("users.id.x"), None);
        assert_eq!(
            table_ref("users(id)"),
            Some(("users".into(), vec!["id".into()]))
        );
        assert_eq!(
            table_ref(r#"t ( a , "b c" )"#),
            Some(("t".into(), vec!["a".into(), "b c".into()]))
        );
        assert_eq!(table_ref("users(id"), None);
        assert_eq!(table_ref("users()"), None);
    }
}
