//! A plan as a picture: one node per change, numbered in plan order, and one edge per "must
//! run before", labelled with its reason (the edges of the ordering graph, [`crate::order`]).
//! Graphviz (`dot -Tsvg`) and Mermaid (a `flowchart`) read the two renderings.

use std::fmt::Write as _;

use super::Plan;

impl Plan {
    /// The dependency graph in Graphviz's DOT language.
    pub fn dot(&self) -> String {
        let mut out = String::from("digraph plan {\n    rankdir=TB;\n    node [shape=box];\n");
        for (i, step) in self.steps.iter().enumerate() {
            let mut label = self.node_label(i);
            let mut style = String::new();
            if step.destructive {
                label.push_str("\n(destructive)");
                style.push_str(", color=red");
            }
            let _ = writeln!(out, "    n{i} [label={}{style}];", dot_string(&label));
        }
        for e in &self.dependencies() {
            let _ = writeln!(
                out,
                "    n{} -> n{} [label={}];",
                e.before,
                e.after,
                dot_string(&e.reason)
            );
        }
        out.push_str("}\n");
        out
    }

    /// The dependency graph as a Mermaid flowchart.
    pub fn mermaid(&self) -> String {
        let mut out = String::from("flowchart TD\n");
        for (i, step) in self.steps.iter().enumerate() {
            let mut label = self.node_label(i);
            if step.destructive {
                label.push_str(" (destructive)");
            }
            let _ = writeln!(out, "    n{i}[\"{}\"]", mermaid_text(&label));
        }
        for e in &self.dependencies() {
            let _ = writeln!(
                out,
                "    n{} -->|\"{}\"| n{}",
                e.before,
                mermaid_text(&e.reason),
                e.after
            );
        }
        out
    }

    /// `3. ~ alter table `users``: the step's number, marker and change.
    fn node_label(&self, i: usize) -> String {
        let step = &self.steps[i];
        format!(
            "{}. {} {}",
            i + 1,
            step.change.marker(),
            step.change.describe()
        )
    }
}

/// A DOT double-quoted string.
fn dot_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text inside a Mermaid `"..."` label: quotes and markup characters as entities, and
/// backticks (which start Mermaid's markdown strings) as plain quotes.
fn mermaid_text(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '`' => out.push('\''),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}
