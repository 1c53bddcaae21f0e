//! A plan printed for people (text), for the database's own client (SQL) and for programs
//! (JSON). Each line keeps its cause: a step, its table changes, and what preflight found.

use std::fmt::Write as _;

use serde::Serialize;

use super::{Plan, Step};
use crate::dialect::Dialect;

impl Plan {
    /// One line per change (table changes indented below), findings under their change,
    /// then a count; "No changes" when converged.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for note in &self.notes {
            let _ = writeln!(out, "Note: {note}");
        }
        if !self.unmanaged.is_empty() {
            let _ = writeln!(
                out,
                "Left alone (not described by schema.kdl): {}",
                self.unmanaged.join(", ")
            );
        }
        if self.is_empty() {
            out.push_str("No changes: the database matches schema.kdl.\n");
            return out;
        }
        for (i, step) in self.steps.iter().enumerate() {
            let _ = writeln!(
                out,
                "{} {}{}{}{}",
                step.change.marker(),
                step.change.describe(),
                if step.recreates_table {
                    " (rebuilt)"
                } else {
                    ""
                },
                if step.after_commit {
                    " (after commit, concurrently)"
                } else {
                    ""
                },
                if step.destructive {
                    "  (destructive)"
                } else {
                    ""
                }
            );
            for c in step.change.table_changes() {
                let _ = writeln!(out, "    {} {}", c.marker(), c.describe());
            }
            for f in self
                .findings
                .iter()
                .filter(|f| f.check.step == i && f.rows > 0)
            {
                let _ = writeln!(out, "    ! {}", f.describe());
            }
        }
        let n = self.steps.len();
        let destructive = self.destructive().count();
        let blocked = self.blocking_findings().count();
        let _ = write!(
            out,
            "Plan: {n} change{}, {destructive} destructive",
            if n == 1 { "" } else { "s" }
        );
        if blocked > 0 {
            let _ = write!(
                out,
                "; apply will refuse: {blocked} data check{} failed",
                if blocked == 1 { "" } else { "s" }
            );
        }
        out.push_str(".\n");
        out
    }

    /// A script the database's own client runs as-is: every statement, each ending with `;`
    /// and a newline, under a comment naming its change, inside the dialect's wrapper.
    pub fn sql(&self) -> String {
        let mut out = String::new();
        if self.statements().next().is_none() {
            return out;
        }
        let (before, after) = self.dialect.sql().script_wrapper();
        for statement in &before {
            let _ = writeln!(out, "{statement};");
        }
        let mut committed = false;
        for step in self.steps.iter().filter(|s| !s.statements.is_empty()) {
            if step.after_commit && !committed {
                committed = true;
                for statement in &after {
                    let _ = writeln!(out, "{statement};");
                }
                out.push_str("-- after the commit: CREATE INDEX CONCURRENTLY cannot run inside a transaction\n");
            }
            let _ = writeln!(
                out,
                "-- {} {}{}",
                step.change.marker(),
                step.change.describe(),
                if step.destructive {
                    " (destructive)"
                } else {
                    ""
                }
            );
            for statement in &step.statements {
                let _ = writeln!(out, "{statement};");
            }
        }
        if !committed {
            for statement in &after {
                let _ = writeln!(out, "{statement};");
            }
        }
        out
    }

    /// One JSON object: environment, dialect, the changes in plan order, and the findings.
    pub fn json(&self) -> String {
        #[derive(Serialize)]
        struct Json<'a> {
            environment: &'a str,
            dialect: Dialect,
            changes: Vec<JsonChange<'a>>,
            findings: Vec<JsonFinding>,
        }
        #[derive(Serialize)]
        struct JsonChange<'a> {
            kind: &'static str,
            table: &'a str,
            description: String,
            destructive: bool,
            #[serde(skip_serializing_if = "std::ops::Not::not")]
            after_commit: bool,
            #[serde(skip_serializing_if = "Vec::is_empty")]
            changes: Vec<JsonTableChange>,
            sql: &'a [String],
        }
        #[derive(Serialize)]
        struct JsonTableChange {
            kind: &'static str,
            description: String,
        }
        #[derive(Serialize)]
        struct JsonFinding {
            change: usize,
            table: String,
            description: String,
            rows: i64,
        }
        fn change(s: &Step) -> JsonChange<'_> {
            JsonChange {
                kind: s.change.kind(),
                table: s.change.table(),
                description: s.change.describe(),
                destructive: s.destructive,
                after_commit: s.after_commit,
                changes: s
                    .change
                    .table_changes()
                    .iter()
                    .map(|c| JsonTableChange {
                        kind: c.kind(),
                        description: c.describe(),
                    })
                    .collect(),
                sql: &s.statements,
            }
        }
        let json = Json {
            environment: &self.environment,
            dialect: self.dialect,
            changes: self.steps.iter().map(change).collect(),
            findings: self
                .findings
                .iter()
                .map(|f| JsonFinding {
                    change: f.check.step,
                    table: f.check.table.clone(),
                    description: f.check.describe(),
                    rows: f.rows,
                })
                .collect(),
        };
        let mut s = serde_json::to_string_pretty(&json).unwrap_or_else(|_| "{}".to_string());
        s.push('\n');
        s
    }
}
