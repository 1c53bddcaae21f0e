//! Dotenv files (`config.env`), read by a line parser of our own so that a bad line is
//! reported with its number, and values are taken exactly as written.
//!
//! A line is blank, a `#` comment, or `[export ]KEY=VALUE`: `KEY` is a letter or `_`
//! followed by letters, digits and `_`; spaces may surround `=`. `VALUE` is one of:
//! unquoted (trimmed, ending at a ` #` comment), `'single-quoted'` (taken literally), or
//! `"double-quoted"` (with the escapes `\n`, `\r`, `\t`, `\"`, `\\`, `\$`). A quoted value
//! ends on its own line, and only a comment may follow it. `${OTHER}` in a value is not
//! expanded. A later line for the same key wins.

use std::collections::HashMap;
use std::ops::Range;

/// The largest dotenv file read.
pub const MAX_DOTENV_BYTES: u64 = 1 << 20;

/// One line that is not valid dotenv syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// The line number, from 1.
    pub line: usize,
    /// The bytes of the text that are wrong.
    pub span: Range<usize>,
    pub message: String,
}

/// The variables of `text`, and every line that could not be read.
pub fn parse(text: &str) -> (HashMap<String, String>, Vec<LineError>) {
    let mut vars = HashMap::new();
    let mut errors = Vec::new();
    for (number, start, line) in lines(text) {
        match parse_line(line) {
            Ok(Some((key, value))) => {
                vars.insert(key, value);
            }
            Ok(None) => {}
            Err((at, message)) => errors.push(LineError {
                line: number,
                span: start + at.start..start + at.end,
                message,
            }),
        }
    }
    (vars, errors)
}

/// `text` with every value and comment replaced by `*` (byte for byte, so that offsets into
/// `text` stay valid), for showing a dotenv line in a diagnostic without its secrets.
pub fn masked(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for (_, start, line) in lines(text) {
        out.push_str(&text[done..start]);
        let keep = match parse_line(line) {
            Ok(Some(_)) => key_prefix(line).unwrap_or(0),
            Ok(None) | Err(_) => 0,
        };
        out.push_str(&line[..keep]);
        for c in line[keep..].chars() {
            if c.is_whitespace() || c == '#' {
                out.push(c);
            } else {
                out.extend(std::iter::repeat_n('*', c.len_utf8()));
            }
        }
        done = start + line.len();
    }
    out.push_str(&text[done..]);
    out
}

/// (number from 1, byte offset, text without the line break) of each line.
fn lines(text: &str) -> impl Iterator<Item = (usize, usize, &str)> {
    let mut offset = 0;
    text.split_inclusive('\n').enumerate().map(move |(i, raw)| {
        let start = offset;
        offset += raw.len();
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        (i + 1, start, line.strip_suffix('\r').unwrap_or(line))
    })
}

/// The length of `[export ]KEY=` at the start of `line`, if it has one.
fn key_prefix(line: &str) -> Option<usize> {
    let body = line.trim_start();
    let lead = line.len() - body.len();
    let body_after_export = body
        .strip_prefix("export")
        .filter(|r| r.starts_with([' ', '\t']))
        .map_or(body, str::trim_start);
    let eq = body_after_export.find('=')?;
    Some(lead + (body.len() - body_after_export.len()) + eq + 1)
}

type LineResult = Result<Option<(String, String)>, (Range<usize>, String)>;

fn parse_line(line: &str) -> LineResult {
    let body = line.trim_start();
    if body.is_empty() || body.starts_with('#') {
        return Ok(None);
    }
    let lead = line.len() - body.len();
    let Some(prefix) = key_prefix(line) else {
        return Err((lead..line.len(), "expected `KEY=value`".into()));
    };
    let key_start = lead
        + body
            .strip_prefix("export")
            .filter(|r| r.starts_with([' ', '\t']))
            .map_or(0, |r| body.len() - r.trim_start().len());
    let key = line[key_start..prefix - 1].trim_end();
    let valid = key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        let message = if key.is_empty() {
            "a line needs a name before `=`".to_string()
        } else {
            "not a variable name (letters, digits and `_`, not starting with a digit)".to_string()
        };
        return Err((key_start..prefix - 1, message));
    }
    let rest = &line[prefix..];
    let value_start = prefix + (rest.len() - rest.trim_start().len());
    let value = value(&line[value_start..])
        .map_err(|(at, m)| (value_start + at.start..value_start + at.end, m))?;
    Ok(Some((key.to_string(), value)))
}

fn value(text: &str) -> Result<String, (Range<usize>, String)> {
    let quote = match text.chars().next() {
        Some(q @ ('"' | '\'')) => q,
        _ => {
            let end = text
                .match_indices('#')
                .find(|(i, _)| text[..*i].ends_with([' ', '\t']))
                .map_or(text.len(), |(i, _)| i);
            return Ok(text[..end].trim_end().to_string());
        }
    };
    let mut out = String::new();
    let mut chars = text.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            c if c == quote => {
                let after = text[i + 1..].trim_start();
                if !after.is_empty() && !after.starts_with('#') {
                    let at = text.len() - after.len();
                    return Err((
                        at..text.len(),
                        "only a `#` comment may follow a quoted value".into(),
                    ));
                }
                return Ok(out);
            }
            '\\' if quote == '"' => match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, 'r')) => out.push('\r'),
                Some((_, 't')) => out.push('\t'),
                Some((_, e @ ('"' | '\\' | '$'))) => out.push(e),
                Some((_, other)) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    Err((
        0..1,
        format!("the value's {quote} is not closed on this line"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_syntax() {
        let text = "# c\n\nA=1\nexport B = two words # note\nC='x # y'\nD=\"a\\nb\\\"c\"\nE=\nF=${A}\r\nG=p#q\n";
        let (vars, errors) = parse(text);
        assert!(errors.is_empty(), "{errors:?}");
        let get = |k: &str| vars.get(k).map(String::as_str);
        assert_eq!(get("A"), Some("1"));
        assert_eq!(get("B"), Some("two words"));
        assert_eq!(get("C"), Some("x # y"));
        assert_eq!(get("D"), Some("a\nb\"c"));
        assert_eq!(get("E"), Some(""));
        assert_eq!(get("F"), Some("${A}"));
        assert_eq!(get("G"), Some("p#q"));
    }

    #[test]
    fn bad_lines_are_reported_by_number() {
        let text = "A=1\nDB_PASSWORD hunter2\n1X=2\nB=\"open\nC='x' y\n";
        let (vars, errors) = parse(text);
        assert_eq!(vars.len(), 1);
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 3, 4, 5]);
        assert_eq!(&text[errors[1].span.clone()], "1X");
        let m = masked(text);
        assert_eq!(m.len(), text.len());
        assert!(!m.contains("hunter2") && !m.contains("open"), "{m}");
        assert!(m.starts_with("A=*\n"), "{m}");
    }
}
