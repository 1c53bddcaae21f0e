//! KDL text into a [`KdlDocument`], safely: the text is checked against [`super::limits`]
//! and each top-level node is parsed on its own (the `kdl` crate recurses once for every
//! error it recovers from between top-level nodes), then the nodes' spans are moved back to
//! where they are in the whole text. Every file the tool reads as KDL goes through here.
//!
//! After an error inside a node the parser may read the rest of a string as nodes, blocks
//! and comments that the limits never saw. So the parse runs on a thread of its own whose
//! stack is bounded from above by counting every character that could make the parser
//! recurse ([`stack_bound`]); a node whose bound passes [`MAX_PARSE_STACK`] is refused.

use kdl::{KdlDiagnostic, KdlDocument, KdlEntry, KdlError, KdlNode};

use super::limits::{Segment, scan};
use crate::error::Problem;
use crate::schema::Span;

/// The most stack the parse may reserve; a top-level node that could need more is refused.
pub const MAX_PARSE_STACK: usize = 1 << 30;

/// The document in `source`, or every syntax problem found (spans into `source`).
pub fn kdl_document(source: &str) -> Result<KdlDocument, Vec<Problem>> {
    let mut doc = KdlDocument::new();
    let problems = each_node(source, |node| doc.nodes_mut().push(node));
    if problems.is_empty() {
        Ok(doc)
    } else {
        Err(problems)
    }
}

/// Hands each top-level node of `source` to `on_node`, in order, as soon as it is parsed,
/// so that a large file never holds more than one node's document (the `kdl` crate's nodes
/// keep their formatting and take about 26 KiB per table). Returns every syntax problem
/// found (spans into `source`); when there are any, what `on_node` got is incomplete.
pub fn each_node(source: &str, on_node: impl FnMut(KdlNode) + Send) -> Vec<Problem> {
    let segments = match scan(source) {
        Ok(segments) => segments,
        Err(p) => return vec![p],
    };
    let mut problems = Vec::new();
    let mut stack = 0;
    let segments: Vec<Segment> = segments
        .into_iter()
        .filter(|s| {
            let need = stack_bound(&source[s.range.clone()]);
            if need > MAX_PARSE_STACK {
                let at = s.node.as_ref().map_or(s.range.start, |n| n.start);
                problems.push(
                    Problem::new(
                        "this node holds too many `{`, `/`, `*` and `/-` to be parsed safely",
                        Span::from(at..at),
                    )
                    .label("here")
                    .help("split the node, or remove the characters that repeat"),
                );
                return false;
            }
            stack = stack.max(need);
            true
        })
        .collect();
    let parsed = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("kdl".into())
            .stack_size(stack)
            .spawn_scoped(scope, || parse_segments(source, segments, on_node))
            .map(|thread| thread.join())
    });
    let found = match parsed {
        Ok(Ok(found)) => found,
        Ok(Err(_)) => return vec![whole_file("the KDL parser failed on this text")],
        Err(e) => {
            return vec![whole_file(&format!(
                "cannot start the KDL parser with {} MiB of stack: {e}",
                stack >> 20
            ))];
        }
    };
    problems.extend(found);
    problems.sort_by_key(|p| p.span.offset());
    problems
}

fn whole_file(message: &str) -> Problem {
    Problem::new(message, Span::from(0..0)).label("this file")
}

/// Stack reserved for the parse besides what [`stack_bound`] counts.
const BASE_STACK: usize = 2 << 20;

/// An upper bound on the stack the `kdl` parser needs for `text`, whatever it makes of it:
/// every `{` may open a block, every `/*` a comment, every `*` and `/` a piece of one, every
/// `/-` a slashdash that another follows. Each is priced at about twice the frame measured
/// for it (7 KiB, 4 KiB, 0.8 KiB, 5 KiB on a debug build).
fn stack_bound(text: &str) -> usize {
    let (mut blocks, mut comments, mut pieces, mut slashdashes) = (0usize, 0usize, 1usize, 0usize);
    let bytes = text.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        match b {
            b'{' => blocks += 1,
            b'*' => pieces += 2,
            b'/' => {
                pieces += 2;
                match bytes.get(i + 1) {
                    Some(b'*') => comments += 1,
                    Some(b'-') => slashdashes += 1,
                    _ => {}
                }
            }
            _ => {}
        }
    }
    BASE_STACK
        .saturating_add(blocks.saturating_mul(16 << 10))
        .saturating_add(comments.saturating_mul(8 << 10))
        .saturating_add(pieces.saturating_mul(1536))
        .saturating_add(slashdashes.saturating_mul(10 << 10))
}

/// Parses each segment, handing its node (spans into `source`) to `on_node`; the problems
/// found.
fn parse_segments(
    source: &str,
    segments: Vec<Segment>,
    mut on_node: impl FnMut(KdlNode),
) -> Vec<Problem> {
    let mut problems = Vec::new();
    for Segment {
        range,
        node,
        slashdash,
    } in segments
    {
        let text = &source[range.clone()];
        let at = range.start;
        let parsed = match (node, slashdash) {
            (Some(node_range), _) => KdlNode::parse(text).map(|mut n| {
                shift_node(&mut n, at);
                n.set_span(Span::from(node_range));
                Some(n)
            }),
            // Only slashdashed nodes: a throwaway node after them keeps the parse node-wise.
            (None, true) => KdlNode::parse(&format!("{text}\n\n_")).map(|_| None),
            (None, false) => KdlDocument::parse(text).map(|_| None),
        };
        match parsed {
            Ok(Some(n)) => on_node(n),
            Ok(None) => {}
            Err(e) => problems.extend(problems_of(e, at, source)),
        }
    }
    problems
}

fn problems_of(e: KdlError, at: usize, source: &str) -> impl Iterator<Item = Problem> + '_ {
    e.diagnostics
        .into_iter()
        .map(move |d| problem_of(d, at, source))
}

/// One parser diagnostic as a problem, its span moved by `at` and kept inside `source`.
fn problem_of(d: KdlDiagnostic, at: usize, source: &str) -> Problem {
    let start = (at + d.span.offset()).min(source.len());
    let end = (start + d.span.len()).min(source.len());
    let span = Span::from(start..end);
    let text = source.get(start..end).unwrap_or("").trim();
    let next = source.get(start..).and_then(|s| s.chars().next());
    let (message, label) = match (d.message, next) {
        (Some(m), _) => (m, d.label.unwrap_or_else(|| "here".into())),
        (None, Some('}')) => ("`}` closes no block".into(), "no block is open here".into()),
        (None, Some(c)) if !c.is_whitespace() => (
            format!("unexpected `{}`", c.escape_debug()),
            "the node cannot go on here".into(),
        ),
        (None, _) => ("invalid KDL".into(), "here".into()),
    };
    let help = match text {
        "true" | "false" | "null" => Some(format!("KDL 2 spells it `#{text}`")),
        _ => d.help,
    };
    let p = Problem::new(message, span).label(label);
    match help {
        Some(h) => p.help(h),
        None => p,
    }
}

fn shift(span: Span, by: usize) -> Span {
    Span::from(span.offset() + by..span.offset() + by + span.len())
}

fn shift_node(n: &mut KdlNode, by: usize) {
    n.set_span(shift(n.span(), by));
    let name = n.name_mut();
    name.set_span(shift(name.span(), by));
    if let Some(ty) = n.ty_mut() {
        ty.set_span(shift(ty.span(), by));
    }
    for e in n.entries_mut() {
        shift_entry(e, by);
    }
    if let Some(children) = n.children_mut() {
        children.set_span(shift(children.span(), by));
        for child in children.nodes_mut() {
            shift_node(child, by);
        }
    }
}

fn shift_entry(e: &mut KdlEntry, by: usize) {
    e.set_span(shift(e.span(), by));
    if let Some(name) = e.name_mut() {
        name.set_span(shift(name.span(), by));
    }
    if let Some(ty) = e.ty_mut() {
        ty.set_span(shift(ty.span(), by));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every span of `doc`, depth first.
    fn spans(doc: &KdlDocument) -> Vec<(usize, usize)> {
        fn node(n: &KdlNode, out: &mut Vec<(usize, usize)>) {
            for s in [n.span(), n.name().span()]
                .into_iter()
                .chain(n.ty().map(|t| t.span()))
            {
                out.push((s.offset(), s.len()));
            }
            for e in n.entries() {
                for s in [e.span()]
                    .into_iter()
                    .chain(e.name().map(|k| k.span()))
                    .chain(e.ty().map(|t| t.span()))
                {
                    out.push((s.offset(), s.len()));
                }
            }
            for c in n.children().map(|d| d.nodes()).unwrap_or(&[]) {
                node(c, out);
            }
        }
        let mut out = Vec::new();
        for n in doc.nodes() {
            node(n, &mut out);
        }
        out
    }

    #[test]
    fn same_document_and_spans_as_one_parse() {
        let src = "// lead\n/- kdl-version 2\ntable users { /* x */\n    column id int primary-key=#true \\\n   default=(sql)\"1\"\n}\n\ntable (t)b { column \"a b\" string; }  // tail\n/- gone 1\nc 2 ;d\n";
        let whole = KdlDocument::parse(src).unwrap();
        let ours = kdl_document(src).unwrap();
        assert_eq!(spans(&ours), spans(&whole));
        let names =
            |d: &KdlDocument| -> Vec<String> { d.nodes().iter().map(|n| n.to_string()).collect() };
        assert_eq!(names(&ours).len(), names(&whole).len());
    }

    #[test]
    fn errors_point_into_the_whole_text() {
        let src = "a 1\nb )\nc {\n";
        let problems = kdl_document(src).unwrap_err();
        assert_eq!(problems[0].span.offset(), 6);
        assert_eq!(problems[0].message, "unexpected `)`");
        assert!(
            problems.iter().any(|p| p.span.offset() == 10),
            "{problems:?}"
        );
    }
}
