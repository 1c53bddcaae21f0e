//! A reader over one KDL node that hands out its arguments and properties by name, checks
//! their kinds, and reports what was left unread (typos) with a "did you mean".

use kdl::{KdlEntry, KdlNode, KdlValue};

use crate::error::Problem;
use crate::schema::{DefaultValue, Span};

/// An argument's text and span, with its type annotation and that annotation's span.
pub type Annotated = (String, Span, Option<(String, Span)>);

/// Reads one node; every problem found goes to `problems`.
pub struct NodeReader<'a> {
    pub node: &'a KdlNode,
    used: Vec<bool>,
    next_arg: usize,
}

impl<'a> NodeReader<'a> {
    pub fn new(node: &'a KdlNode) -> Self {
        NodeReader {
            node,
            used: vec![false; node.entries().len()],
            next_arg: 0,
        }
    }

    /// The node's name.
    pub fn name(&self) -> &'a str {
        self.node.name().value()
    }

    /// The span of the node's name.
    pub fn name_span(&self) -> Span {
        self.node.name().span()
    }

    /// The next unread argument.
    pub fn arg(&mut self) -> Option<&'a KdlEntry> {
        let entries = self.node.entries();
        while self.next_arg < entries.len() {
            let i = self.next_arg;
            self.next_arg += 1;
            if entries[i].name().is_none() {
                self.used[i] = true;
                return Some(&entries[i]);
            }
        }
        None
    }

    /// The next argument as a string, or a problem naming `what` it should have been.
    pub fn string_arg(
        &mut self,
        what: &str,
        problems: &mut Vec<Problem>,
    ) -> Option<(String, Span)> {
        let node_span = self.name_span();
        let name = self.name();
        match self.arg() {
            Some(e) => match e.value().as_string() {
                Some(s) => Some((no_nul(s, e.span(), problems), e.span())),
                None => {
                    problems.push(
                        Problem::new(format!("`{name}` needs {what} here, a string"), e.span())
                            .label("not a string"),
                    );
                    None
                }
            },
            None => {
                problems.push(
                    Problem::new(format!("`{name}` needs {what}"), node_span)
                        .label(format!("{what} missing")),
                );
                None
            }
        }
    }

    /// Every remaining argument as a string; an annotation on one (`(desc)id`) is a problem,
    /// never silently dropped.
    pub fn rest_strings(&mut self, problems: &mut Vec<Problem>) -> Vec<(String, Span)> {
        let node = self.name();
        let mut out = Vec::new();
        for (s, span, annotation) in self.rest_annotated_strings(problems) {
            if let Some((ty, ty_span)) = annotation {
                let p = Problem::new(
                    format!("`({ty})` has no meaning on the names of `{node}`"),
                    ty_span,
                )
                .label("annotation");
                problems.push(if ty == "desc" || ty == "asc" {
                    p.help("a sort order belongs to an `index` part: `index (desc)created_at`")
                } else {
                    p.help("remove it")
                });
            }
            out.push((s, span));
        }
        out
    }

    /// Every remaining argument as a string, with its type annotation (`(desc)created_at`).
    pub fn rest_annotated_strings(&mut self, problems: &mut Vec<Problem>) -> Vec<Annotated> {
        let mut out = Vec::new();
        while let Some(e) = self.arg() {
            match e.value().as_string() {
                Some(s) => out.push((
                    no_nul(s, e.span(), problems),
                    e.span(),
                    e.ty().map(|t| (t.value().to_string(), t.span())),
                )),
                None => problems.push(
                    Problem::new("expected a name (a string)", e.span()).label("not a string"),
                ),
            }
        }
        out
    }

    /// The last property called `key`, marking every property of that name as read.
    pub fn prop(&mut self, key: &str) -> Option<&'a KdlEntry> {
        let mut found = None;
        for (i, e) in self.node.entries().iter().enumerate() {
            if e.name().is_some_and(|n| n.value() == key) {
                self.used[i] = true;
                found = Some(e);
            }
        }
        found
    }

    /// A boolean property; absent means `false`.
    pub fn bool_prop(&mut self, key: &str, problems: &mut Vec<Problem>) -> bool {
        let Some(e) = self.prop(key) else {
            return false;
        };
        match e.value() {
            KdlValue::Bool(b) => *b,
            _ => {
                problems.push(
                    Problem::new(format!("`{key}` takes `#true` or `#false`"), e.span())
                        .label("not a boolean")
                        .help(format!(
                            "write `{key}=#true` (KDL 2 booleans start with `#`)"
                        )),
                );
                false
            }
        }
    }

    /// A string property (bare identifiers are strings).
    pub fn string_prop(
        &mut self,
        key: &str,
        problems: &mut Vec<Problem>,
    ) -> Option<(String, Span)> {
        let e = self.prop(key)?;
        match e.value().as_string() {
            Some(s) => Some((no_nul(s, e.span(), problems), e.span())),
            None => {
                problems.push(
                    Problem::new(format!("`{key}` takes a string"), e.span()).label("not a string"),
                );
                None
            }
        }
    }

    /// A whole-number property of at least `min` (0 or 1).
    pub fn count_prop(
        &mut self,
        key: &str,
        min: u32,
        problems: &mut Vec<Problem>,
    ) -> Option<(u32, Span)> {
        let e = self.prop(key)?;
        match e
            .value()
            .as_integer()
            .and_then(|i| u32::try_from(i).ok())
            .filter(|i| *i >= min)
        {
            Some(n) => Some((n, e.span())),
            None => {
                let kind = if min > 0 { "positive" } else { "non-negative" };
                problems.push(
                    Problem::new(format!("`{key}` takes a {kind} whole number"), e.span())
                        .label(format!("not a {kind} integer")),
                );
                None
            }
        }
    }

    /// Whether the property called `key` is annotated (`key=(sql)...`), without reading it.
    pub fn is_annotated(&self, key: &str) -> bool {
        let mut last = self.node.entries().iter().rev();
        last.find(|e| e.name().is_some_and(|n| n.value() == key))
            .is_some_and(|e| e.ty().is_some())
    }

    /// A property that only an SQL expression can be: `key=(sql)"EXPR"`; `example` is one
    /// for the help of a mistake.
    pub fn sql_prop(
        &mut self,
        key: &str,
        example: &str,
        problems: &mut Vec<Problem>,
    ) -> Option<(String, Span)> {
        let e = self.prop(key)?;
        let span = e.span();
        match (e.ty().map(|t| t.value()), e.value().as_string()) {
            (Some("sql"), Some(s)) if !s.trim().is_empty() => {
                Some((no_nul(s, span, problems), span))
            }
            _ => {
                problems.push(
                    Problem::new(format!("`{key}` takes an SQL expression"), span)
                        .label("not `(sql)\"...\"`")
                        .help(format!("for example `{key}=(sql){example}`")),
                );
                None
            }
        }
    }

    /// A `default=` value: a literal, or `(sql)"EXPR"` for an SQL expression.
    pub fn default_prop(&mut self, problems: &mut Vec<Problem>) -> Option<(DefaultValue, Span)> {
        let e = self.prop("default")?;
        let span = e.span();
        if let Some(ty) = e.ty() {
            return match (ty.value(), e.value().as_string()) {
                ("sql", Some(s)) if !s.trim().is_empty() => {
                    Some((DefaultValue::Sql(no_nul(s, span, problems)), span))
                }
                ("sql", _) => {
                    problems.push(
                        Problem::new("an SQL default must be a non-empty string", span)
                            .label("here"),
                    );
                    None
                }
                (other, _) => {
                    problems.push(
                        Problem::new(format!("unknown value annotation `({other})`"), ty.span())
                            .label("unknown annotation")
                            .help("only `(sql)` is known: `default=(sql)CURRENT_TIMESTAMP`"),
                    );
                    None
                }
            };
        }
        // A plain decimal keeps its spelling (`2.50` is not `2.5` to a string's eyes, and
        // the database keeps what it was given); `1e3`, `0x10` or `1_000` are read as KDL
        // reads them.
        let written = e
            .format()
            .map(|f| f.value_repr.clone())
            .filter(|r| crate::schema::plain_decimal(r));
        let value = match e.value() {
            KdlValue::Bool(b) => DefaultValue::Bool(*b),
            KdlValue::Integer(i) => DefaultValue::Number(written.unwrap_or_else(|| i.to_string())),
            KdlValue::Float(f) if f.is_finite() => {
                DefaultValue::Number(written.unwrap_or_else(|| format_float(*f)))
            }
            KdlValue::String(s) => DefaultValue::String(no_nul(s, span, problems)),
            KdlValue::Float(_) | KdlValue::Null => {
                problems.push(
                    Problem::new("a default must be a boolean, a finite number, a string or `(sql)\"EXPR\"`", span)
                        .label("not a default")
                        .help("a column without `default=` has none; NULL is allowed with `nullable=#true`"),
                );
                return None;
            }
        };
        Some((value, span))
    }

    /// Reports every property not read, suggesting the closest of `known`.
    pub fn finish(self, known: &[&str], problems: &mut Vec<Problem>) {
        let node = self.name();
        for (i, e) in self.node.entries().iter().enumerate() {
            if self.used[i] {
                continue;
            }
            match e.name() {
                Some(key) => {
                    let mut p = Problem::new(
                        format!("unknown property `{}` on `{node}`", key.value()),
                        key.span(),
                    )
                    .label("unknown property");
                    p = match did_you_mean(key.value(), known) {
                        Some(s) => p.help(format!("did you mean `{s}`?")),
                        None => p.help(format!("`{node}` takes: {}", known.join(", "))),
                    };
                    problems.push(p);
                }
                None => problems.push(
                    Problem::new(format!("`{node}` takes no more arguments"), e.span())
                        .label("unexpected argument"),
                ),
            }
        }
    }
}

/// `s` as an owned string; a NUL character in it is a problem at `span` (no database keeps
/// one in a name, and C-based clients cut the text there).
pub fn no_nul(s: &str, span: Span, problems: &mut Vec<Problem>) -> String {
    if s.contains('\0') {
        problems.push(
            Problem::new(
                "a NUL character (`\\u{0}`) is not allowed in a name or text",
                span,
            )
            .label("holds `\\u{0}`")
            .help("remove the `\\u{0}` escape"),
        );
    }
    s.to_string()
}

/// A float as the user would write it (`1.5`, `2.0`).
fn format_float(f: f64) -> String {
    let s = f.to_string();
    if s.contains('.') || s.contains('e') {
        s
    } else {
        format!("{s}.0")
    }
}

/// The candidate closest to `word`, if it is close enough to be a typo.
pub fn did_you_mean<'k>(word: &str, candidates: &[&'k str]) -> Option<&'k str> {
    candidates
        .iter()
        .map(|c| (levenshtein(word, c), *c))
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(1))
        .min()
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The child nodes of `node` (none when it has no block).
pub fn children(node: &KdlNode) -> &[KdlNode] {
    node.children().map(|d| d.nodes()).unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("lenght", &["length", "nullable"]),
            Some("length")
        );
        assert_eq!(
            did_you_mean("nulable", &["length", "nullable"]),
            Some("nullable")
        );
        assert_eq!(did_you_mean("zzz", &["length", "nullable"]), None);
    }
}
