//! Limits on KDL text, enforced by a small scan before the `kdl` parser sees it.
//!
//! The parser (kdl 6.7) recurses once per nested block, once per nested `/* */` comment and
//! once per piece of a block comment (each `*`, each `/`, each run of other characters), once
//! per `/-` that follows another, and once per error it recovers from at the top level; and it
//! takes twice as long for each slashdashed block (`/- { ... }`) nested in another. A few
//! kilobytes of such text overflowed the stack (aborting the process) or ran for minutes.
//! The scan refuses text past the limits below, which keep the parser's stack under 1.5 MiB
//! (measured in `tests/hostile.rs` on a 2 MiB thread), and it cuts the text into top-level
//! nodes so that each is parsed on its own: recovering from an error then never recurses.
//!
//! The scan knows just enough KDL 2 to tell structure from text: quoted, raw and multi-line
//! strings, `//` and nested `/* */` comments, slashdash (`/-`), line continuations (`\`),
//! the block braces and the node terminators (newlines and `;`).

use std::ops::Range;

use crate::error::Problem;
use crate::schema::Span;

/// The deepest nesting of `{ }` blocks.
pub const MAX_NESTING: usize = 64;
/// The deepest nesting of `/* */` comments inside each other.
pub const MAX_COMMENT_NESTING: usize = 16;
/// The most `*` and `/` characters inside one `/* */` comment (nested ones included).
pub const MAX_COMMENT_MARKS: usize = 500;
/// The most slashdashed blocks (`/- { ... }`) in one top-level node, nested or not.
pub const MAX_SLASHDASHED_BLOCKS: usize = 2;

/// One top-level node of the text, with the comments and slashdashed nodes before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// The bytes of the segment, terminator included.
    pub range: Range<usize>,
    /// The node itself, from its name (or type annotation) to just before its terminator;
    /// `None` when the segment holds only comments and slashdashed nodes.
    pub node: Option<Range<usize>>,
    /// Whether a `/-` at the top level comments out a node of this segment.
    pub slashdash: bool,
}

/// Cuts `source` into top-level segments, or reports the first limit it breaks.
pub fn scan(source: &str) -> Result<Vec<Segment>, Problem> {
    let mut s = Scanner {
        src: source,
        i: 0,
        blocks: Vec::new(),
        top: Top::Idle,
        segment_start: 0,
        node_start: 0,
        line_comment_at: None,
        slashdash_at: None,
        slashdash_in_segment: false,
        continued: false,
        node_has_block: false,
        segments: Vec::new(),
    };
    if source.starts_with('\u{FEFF}') {
        s.i = '\u{FEFF}'.len_utf8();
        s.segment_start = s.i;
    }
    s.run()?;
    s.finish();
    for segment in &s.segments {
        let text = &source[segment.range.clone()];
        if let Some(at) = slashdashed_blocks(text).get(MAX_SLASHDASHED_BLOCKS) {
            let at = segment.range.start + at;
            return Err(Problem::new(
                format!(
                    "more than {MAX_SLASHDASHED_BLOCKS} slashdashed blocks (`/- {{ ... }}`) in one top-level node"
                ),
                Span::from(at..at + 2),
            )
            .label("commented-out block")
            .help("delete commented-out blocks, or comment them out with `//` lines"));
        }
    }
    Ok(s.segments)
}

/// Where `/-` is followed, past space, line breaks and comments, by `{`: a slashdashed
/// block as the parser may see it, also inside strings (after an error it may read them).
fn slashdashed_blocks(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices("/-") {
        if after_trivia(&text[at + 2..]).starts_with('{') {
            out.push(at);
        }
    }
    out
}

/// `text` after the space, line breaks, line continuations and comments it starts with.
fn after_trivia(mut text: &str) -> &str {
    loop {
        let trimmed =
            text.trim_start_matches(|c: char| is_space(c) || is_newline_start(c) || c == '\\');
        text = if let Some(comment) = trimmed.strip_prefix("//") {
            comment.find(is_newline_start).map_or("", |i| &comment[i..])
        } else if trimmed.starts_with("/*") {
            skip_block_comment(trimmed)
        } else {
            trimmed
        };
        if text.len() == trimmed.len() {
            return text;
        }
    }
}

/// `text` after the (nested) block comment it starts with.
fn skip_block_comment(text: &str) -> &str {
    let bytes = text.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1)) {
            (b'/', Some(b'*')) => {
                depth += 1;
                i += 2;
            }
            (b'*', Some(b'/')) => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return &text[i..];
                }
            }
            _ => i += 1,
        }
    }
    ""
}

/// Where the scan is among the top-level nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Top {
    /// Between nodes.
    Idle,
    /// After a top-level `/-`, before the node it comments out.
    AfterSlashdash,
    /// Inside a node that a top-level `/-` comments out.
    SlashdashedNode,
    /// Inside a node.
    Node,
}

struct Scanner<'a> {
    src: &'a str,
    i: usize,
    /// For each open block: whether a `/-` comments it out.
    blocks: Vec<bool>,
    top: Top,
    segment_start: usize,
    node_start: usize,
    /// Where a `//` comment started on the current line (the node ends before it).
    line_comment_at: Option<usize>,
    /// Where the last `/-` was, while nothing but space and comments followed it.
    slashdash_at: Option<usize>,
    slashdash_in_segment: bool,
    /// After a `\` (line continuation): the next newline does not end the node.
    continued: bool,
    /// Whether the current top-level node's block has closed.
    node_has_block: bool,
    segments: Vec<Segment>,
}

impl<'a> Scanner<'a> {
    fn rest(&self) -> &'a str {
        &self.src[self.i..]
    }

    fn run(&mut self) -> Result<(), Problem> {
        while let Some(c) = self.rest().chars().next() {
            let at = self.i;
            if let Some(len) = newline_len(self.rest()) {
                self.i += len;
                if self.continued {
                    self.continued = false;
                } else {
                    self.terminator(at, self.i);
                }
                continue;
            }
            if is_space(c) {
                self.i += c.len_utf8();
                continue;
            }
            let rest = self.rest();
            if rest.starts_with("//") {
                if self.blocks.is_empty() && !self.continued {
                    self.line_comment_at = Some(at);
                }
                self.i += rest.find(is_newline_start).unwrap_or(rest.len());
                continue;
            }
            if rest.starts_with("/*") {
                if !self.block_comment()? {
                    return Ok(());
                }
                continue;
            }
            if let Some(after) = rest.strip_prefix("/-") {
                if let Some(first) = self.slashdash_at {
                    return Err(Problem::new(
                        "`/-` cannot comment out another `/-`",
                        Span::from(first..at + 2),
                    )
                    .label("two slashdashes in a row")
                    .help("one `/-` comments out the node, value or block that follows it"));
                }
                if self.blocks.is_empty()
                    && self.top == Top::Node
                    && self.node_has_block
                    && !after_trivia(after).starts_with('{')
                {
                    // The parser takes this as a slashdashed node only at the end of the
                    // text, and the KDL grammar never: a node needs its terminator first.
                    return Err(Problem::new(
                        "a `/-` after a node's block needs a new line or `;` before it",
                        Span::from(at..at + 2),
                    )
                    .label("no line break before this `/-`")
                    .help("start the commented-out node on a line of its own"));
                }
                if self.blocks.is_empty() {
                    match self.top {
                        Top::Idle => {
                            self.top = Top::AfterSlashdash;
                            self.slashdash_in_segment = true;
                        }
                        Top::AfterSlashdash | Top::SlashdashedNode | Top::Node => {}
                    }
                }
                self.slashdash_at = Some(at);
                self.continued = false;
                self.i += 2;
                continue;
            }
            if c == '\\' {
                // A line continuation is space to the parser; `\` elsewhere is its error.
                self.continued = true;
                self.i += 1;
                continue;
            }
            self.token(at);
            match c {
                ';' => {
                    self.i += 1;
                    self.terminator(at, self.i);
                }
                '{' => {
                    self.open_block(at)?;
                    self.i += 1;
                }
                '}' => {
                    self.blocks.pop();
                    self.node_has_block |= self.blocks.is_empty();
                    self.i += 1;
                }
                '"' => {
                    if !self.quoted_string() {
                        return Ok(());
                    }
                }
                '#' => {
                    let hashes = rest.len() - rest.trim_start_matches('#').len();
                    if rest[hashes..].starts_with('"') {
                        if !self.raw_string(hashes) {
                            return Ok(());
                        }
                    } else {
                        self.i += hashes;
                    }
                }
                c => self.i += c.len_utf8(),
            }
        }
        Ok(())
    }

    /// Something that is not space, a comment or `/-` starts at `at`.
    fn token(&mut self, at: usize) {
        if self.blocks.is_empty() {
            match self.top {
                Top::Idle => {
                    self.top = Top::Node;
                    self.node_start = at;
                }
                Top::AfterSlashdash => self.top = Top::SlashdashedNode,
                Top::SlashdashedNode | Top::Node => {}
            }
        }
        if self.src[at..].starts_with('{') {
            return;
        }
        self.slashdash_at = None;
        self.continued = false;
    }

    fn open_block(&mut self, at: usize) -> Result<(), Problem> {
        let slashdashed = self.slashdash_at.take().is_some();
        self.continued = false;
        self.blocks.push(slashdashed);
        if self.blocks.len() > MAX_NESTING {
            return Err(Problem::new(
                format!("nesting deeper than {MAX_NESTING} levels"),
                Span::from(at..at + 1),
            )
            .label(format!("block {} levels deep", self.blocks.len()))
            .help("schema.kdl needs three levels of blocks (table, column, dialect hint); remove the extra `{`"));
        }
        Ok(())
    }

    /// A node terminator (newline or `;`) from `at` to `end`.
    fn terminator(&mut self, at: usize, end: usize) {
        let comment = self.line_comment_at.take();
        if !self.blocks.is_empty() {
            return;
        }
        self.node_has_block = false;
        match self.top {
            Top::Node => {
                let node_end = comment.unwrap_or(at);
                self.segments.push(Segment {
                    range: self.segment_start..end,
                    node: Some(self.node_start..node_end),
                    slashdash: self.slashdash_in_segment,
                });
                self.segment_start = end;
                self.slashdash_in_segment = false;
                self.top = Top::Idle;
            }
            Top::SlashdashedNode => self.top = Top::Idle,
            Top::AfterSlashdash | Top::Idle => {}
        }
    }

    /// The last segment, up to the end of the text.
    fn finish(&mut self) {
        let end = self.src.len();
        let node = (self.top == Top::Node)
            .then(|| self.node_start..self.line_comment_at.unwrap_or(end).max(self.node_start));
        if self.segment_start < end || node.is_some() {
            self.segments.push(Segment {
                range: self.segment_start..end,
                node,
                slashdash: self.slashdash_in_segment,
            });
        }
    }

    /// Skips a `/* */` comment, counting what the parser recurses on. `false` when the
    /// comment is not closed (the rest of the text is the comment).
    fn block_comment(&mut self) -> Result<bool, Problem> {
        let start = self.i;
        let mut depth = 0usize;
        let mut marks = 0usize;
        let bytes = self.src.as_bytes();
        while self.i < bytes.len() {
            match (bytes[self.i], bytes.get(self.i + 1)) {
                (b'/', Some(b'*')) => {
                    depth += 1;
                    marks += 2;
                    self.i += 2;
                    if depth > MAX_COMMENT_NESTING {
                        return Err(Problem::new(
                            format!(
                                "`/* */` comments nested deeper than {MAX_COMMENT_NESTING} levels"
                            ),
                            Span::from(self.i - 2..self.i),
                        )
                        .label("comment inside comments")
                        .help("use `//` line comments"));
                    }
                }
                (b'*', Some(b'/')) => {
                    depth -= 1;
                    marks += 2;
                    self.i += 2;
                    if depth == 0 {
                        return Ok(true);
                    }
                }
                (b'*' | b'/', _) => {
                    marks += 1;
                    self.i += 1;
                }
                _ => self.i += 1,
            }
            if marks > MAX_COMMENT_MARKS {
                return Err(Problem::new(
                    format!(
                        "a `/* */` comment with more than {MAX_COMMENT_MARKS} `*` and `/` characters"
                    ),
                    Span::from(start..start + 2),
                )
                .label("this comment")
                .help("use `//` line comments for long or decorated comments"));
            }
        }
        Ok(false)
    }

    /// Skips a `"..."` or `"""` multi-line string. `false` when it is not closed.
    fn quoted_string(&mut self) -> bool {
        let multiline =
            self.rest().starts_with("\"\"\"") && newline_len(&self.rest()[3..]).is_some();
        self.i += if multiline { 3 } else { 1 };
        while let Some(c) = self.rest().chars().next() {
            if c == '\\' {
                self.i += 1;
                match self.rest().chars().next() {
                    Some(n) if is_space(n) || newline_len(self.rest()).is_some() => {
                        while let Some(n) = self.rest().chars().next() {
                            match newline_len(self.rest()) {
                                Some(len) => self.i += len,
                                None if is_space(n) => self.i += n.len_utf8(),
                                None => break,
                            }
                        }
                    }
                    Some(n) => self.i += n.len_utf8(),
                    None => {}
                }
                continue;
            }
            if multiline {
                if self.rest().starts_with("\"\"\"") {
                    self.i += 3;
                    return true;
                }
            } else if c == '"' {
                self.i += 1;
                return true;
            } else if newline_len(self.rest()).is_some() {
                // Not allowed in a single-line string: the parser reports it; the string ends.
                return true;
            }
            self.i += c.len_utf8();
        }
        false
    }

    /// Skips a raw string of `hashes` `#`s. `false` when it is not closed.
    fn raw_string(&mut self, hashes: usize) -> bool {
        self.i += hashes;
        let multiline =
            self.rest().starts_with("\"\"\"") && newline_len(&self.rest()[3..]).is_some();
        self.i += if multiline { 3 } else { 1 };
        let close = format!(
            "{}{}",
            if multiline { "\"\"\"" } else { "\"" },
            "#".repeat(hashes)
        );
        while let Some(c) = self.rest().chars().next() {
            if self.rest().starts_with(&close) {
                self.i += close.len();
                return true;
            }
            if !multiline && newline_len(self.rest()).is_some() {
                return true;
            }
            self.i += c.len_utf8();
        }
        false
    }
}

/// The length of the KDL newline at the start of `s`, if there is one.
pub(crate) fn newline_len(s: &str) -> Option<usize> {
    if s.starts_with("\r\n") {
        return Some(2);
    }
    s.chars()
        .next()
        .filter(|c| {
            matches!(
                c,
                '\r' | '\n' | '\u{85}' | '\u{0B}' | '\u{0C}' | '\u{2028}' | '\u{2029}'
            )
        })
        .map(char::len_utf8)
}

fn is_newline_start(c: char) -> bool {
    newline_len(c.encode_utf8(&mut [0; 4])).is_some()
}

/// KDL's `unicode-space`.
fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | ' ' | '\u{A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(src: &str) -> Vec<&str> {
        scan(src)
            .unwrap()
            .into_iter()
            .map(|s| s.node.map_or("-", |n| &src[n]))
            .collect()
    }

    #[test]
    fn cuts_at_top_level_terminators() {
        assert_eq!(nodes("a 1\nb { c\n d }\n"), ["a 1", "b { c\n d }"]);
        assert_eq!(nodes("a; b"), ["a", "b"]);
        assert_eq!(nodes("a // x\nb"), ["a ", "b"]);
        assert_eq!(nodes("a \\\n  2\nb"), ["a \\\n  2", "b"]);
        assert_eq!(nodes("a \"x\ny\"\nb"), ["a \"x", "y\"", "b"]);
        assert_eq!(
            nodes("a \"\"\"\n}\n\"\"\"\nb"),
            ["a \"\"\"\n}\n\"\"\"", "b"]
        );
        assert_eq!(nodes("a ##\"x\"#}\"##\nb"), ["a ##\"x\"#}\"##", "b"]);
        assert_eq!(
            nodes("a #\"\"\"\n}\n\"\"\"#\nb"),
            ["a #\"\"\"\n}\n\"\"\"#", "b"]
        );
        assert_eq!(nodes("a /* } \n */ 1\nb"), ["a /* } \n */ 1", "b"]);
        assert_eq!(nodes("/- a {\n}\nb\n// end\n"), ["b", "-"]);
        assert_eq!(nodes("a \"\\\n  b\"\nc"), ["a \"\\\n  b\"", "c"]);
        assert_eq!(nodes("\u{FEFF}a"), ["a"]);
    }

    #[test]
    fn refuses_past_the_limits() {
        let deep = format!(
            "a {}{}",
            "{ b ".repeat(MAX_NESTING),
            "}".repeat(MAX_NESTING)
        );
        assert!(scan(&deep).is_ok());
        let deeper = format!("a {}", "{ b ".repeat(MAX_NESTING + 1));
        let p = scan(&deeper).unwrap_err();
        assert!(
            p.message.contains("nesting deeper than 64 levels"),
            "{}",
            p.message
        );
        assert_eq!(p.span.offset(), deeper.rfind('{').unwrap());
        // Braces in strings and comments do not count.
        let quoted = format!(
            "a \"{}\" #\"{}\"# /* {} */",
            "{".repeat(99),
            "{".repeat(99),
            "{".repeat(99)
        );
        assert!(scan(&quoted).is_ok());
        assert!(scan(&format!("/* {} */", "*".repeat(MAX_COMMENT_MARKS))).is_err());
        assert!(scan(&format!("/* {} */", "* ".repeat(MAX_COMMENT_MARKS - 4))).is_ok());
        assert!(scan(&"/* ".repeat(MAX_COMMENT_NESTING + 1)).is_err());
        assert!(scan("a /- /- 1").is_err());
        assert!(scan("a /- 1 /- 2").is_ok());
        assert!(scan("a /-{ b /-{ c } }").is_ok());
        assert!(scan("a /-{ b /-{ c /-{ } } }").is_err());
        assert!(scan("a /-{ } /- {} /- /* x */ \\\n {}").is_err());
        assert!(scan("a \"/-{ /-{ /-{\"").is_err());
        assert!(scan("a /-{ }\nb /-{ }\nc /-{ }").is_ok());
        assert!(scan("a {}/-b {}").is_err());
        assert!(scan("a {} /-{ }\n/-b {}").is_ok());
    }
}
