//! A source file as a diagnostic shows it: only a window of text around each span, so that
//! one problem on a line of megabytes prints a few hundred bytes, not the line.

use miette::{MietteError, MietteSpanContents, NamedSource, SourceCode, SourceSpan, SpanContents};

/// How many bytes a snippet shows on either side of the span it underlines.
pub const WINDOW_BYTES: usize = 160;

/// The longest span a diagnostic underlines; a longer one is cut to its first line.
pub const MAX_SPAN_BYTES: usize = 2_000;

/// The most lines a diagnostic underlines; a span over more is cut to its first line.
pub const MAX_SPAN_LINES: usize = 12;

/// A named source text whose snippets are cut to [`WINDOW_BYTES`] around their span.
#[derive(Debug)]
pub struct Excerpt {
    source: NamedSource<String>,
}

impl Excerpt {
    /// `text`, shown as the file `name`.
    pub fn new(name: impl AsRef<str>, text: String) -> Self {
        Excerpt {
            source: NamedSource::new(name, text),
        }
    }

    /// The file name it is shown under.
    pub fn name(&self) -> &str {
        self.source.name()
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        self.source.inner()
    }

    /// `span` inside the text, and cut to its first line when it is longer than
    /// [`MAX_SPAN_BYTES`] or [`MAX_SPAN_LINES`] lines.
    pub fn fit(&self, span: SourceSpan) -> SourceSpan {
        let text = self.text();
        let start = floor_boundary(text, span.offset().min(text.len()));
        let end = floor_boundary(text, (span.offset() + span.len()).min(text.len())).max(start);
        let covered = &text[start..end];
        if covered.len() <= MAX_SPAN_BYTES && covered.lines().count() <= MAX_SPAN_LINES {
            return SourceSpan::from(start..end);
        }
        let first_line = covered.find(['\n', '\r']).unwrap_or(covered.len());
        let cut = floor_boundary(covered, first_line.min(WINDOW_BYTES));
        SourceSpan::from(start..start + cut)
    }
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let full = self.source.read_span(span, before, after)?;
        let text = self.text();
        let (s0, len) = (full.span().offset(), full.span().len());
        let lo = ceil_boundary(text, span.offset().saturating_sub(WINDOW_BYTES).max(s0));
        let hi = floor_boundary(
            text,
            (span.offset() + span.len() + WINDOW_BYTES).min(s0 + len),
        )
        .max(lo);
        if lo == s0 && hi == s0 + len {
            return Ok(full);
        }
        let skipped = &text.as_bytes()[s0..lo];
        let newlines = skipped.iter().filter(|b| **b == b'\n').count();
        let (line, column) = match skipped.iter().rposition(|b| *b == b'\n' || *b == b'\r') {
            Some(i) => (full.line() + newlines, skipped.len() - i - 1),
            None => (full.line(), full.column() + skipped.len()),
        };
        let lines = text.as_bytes()[lo..hi]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        Ok(Box::new(MietteSpanContents::new_named(
            self.source.name().to_string(),
            &text.as_bytes()[lo..hi],
            SourceSpan::from(lo..hi),
            line,
            column,
            lines,
        )))
    }
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_around_the_span() {
        let text = format!("a\n{}X{}\nb\n", "y".repeat(100_000), "z".repeat(100_000));
        let at = text.find('X').unwrap();
        let e = Excerpt::new("f", text.clone());
        let c = e.read_span(&SourceSpan::from(at..at + 1), 1, 1).unwrap();
        assert!(c.data().len() <= 2 * WINDOW_BYTES + 1);
        assert_eq!((c.line(), c.column()), (1, 100_000 - WINDOW_BYTES));
        let primary = e.read_span(&SourceSpan::from(at..at + 1), 0, 0).unwrap();
        assert_eq!((primary.line(), primary.column()), (1, 100_000));
        assert_eq!(e.fit(SourceSpan::from(0..text.len() + 9)).len(), 1);
    }
}
