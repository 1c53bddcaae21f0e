//! A plan printed for people (text), for the database's own client (SQL) and for programs
//! (JSON). Each line keeps its cause: a step, its table changes, and what preflight found.

use std::fmt::Write as _;

use serde::Serialize;

use super::{Plan, Step};
use crate::change::{Change, TableChange, column_text, table_contents};
use crate::dialect::{Dialect, Phase, Statement};

/// A table change of `step`, old -> new.
fn describe(step: &Step, c: &TableChange) -> String {
    match &step.change {
        Change::AlterTable { from, .. } => c.describe_from(from),
        _ => c.describe(),
    }
}

/// How the step's statements on existing tables run, one line per run of statements alike:
/// `runs: ALGORITHM=INSTANT: catalog only, reads and writes allowed`.
fn costs(step: &Step) -> Vec<String> {
    let mut lines: Vec<(String, usize)> = Vec::new();
    for s in step.statements.iter().filter(|s| s.table.is_some()) {
        let when = match s.phase {
            Phase::BeforeTransaction => "runs before the transaction",
            Phase::Main => "runs",
            Phase::AfterCommit => "runs after the commit",
        };
        let line = format!("{when}: {}", s.cost());
        match lines.last_mut() {
            Some((last, n)) if *last == line => *n += 1,
            _ => lines.push((line, 1)),
        }
    }
    lines
        .into_iter()
        .map(|(line, n)| match n {
            1 => line,
            n => format!("{line} ({n} statements)"),
        })
        .collect()
}

/// What a created table will hold, or a dropped one held, one line each with its marker.
fn contents(step: &Step) -> Vec<String> {
    match &step.change {
        Change::CreateTable { table } => table_contents(table, '+'),
        Change::DropTable { table } => table_contents(table, '-'),
        _ => Vec::new(),
    }
}

impl Plan {
    /// The plan's notes, one `Note:` line each: printed on standard error, apart from the
    /// plan itself.
    pub fn notes_text(&self) -> String {
        self.notes.iter().map(|n| format!("Note: {n}\n")).collect()
    }

    /// One line per change (table changes indented below), findings under their change,
    /// then a count; "No changes" when converged.
    pub fn text(&self) -> String {
        let mut out = String::new();
        if !self.unmanaged.is_empty() {
            let _ = writeln!(
                out,
                "Left alone (not described by schema.kdl): {}",
                self.unmanaged.join(", ")
            );
        }
        if self.is_empty() {
            out.push_str(match self.target {
                Some(_) => "No changes: the database matches schema.kdl.\n",
                None => "No changes: the two schemas match.\n",
            });
            return out;
        }
        for (i, step) in self.steps.iter().enumerate() {
            let _ = writeln!(
                out,
                "{} {}{}{}",
                step.change.marker(),
                step.change.describe(),
                if step.recreates_table() {
                    " (rebuilt)"
                } else {
                    ""
                },
                if step.destructive {
                    "  (destructive)"
                } else {
                    ""
                }
            );
            for line in contents(step) {
                let _ = writeln!(out, "    {line}");
            }
            for c in step.change.table_changes() {
                let _ = writeln!(out, "    {} {}", c.marker(), describe(step, c));
            }
            for line in costs(step) {
                let _ = writeln!(out, "    {line}");
            }
            for f in self.findings.iter().filter(|f| f.check.step == i) {
                if f.rows > 0 {
                    let _ = writeln!(out, "    ! {}", f.describe());
                } else if let Some(nothing) = f.check.nothing_found() {
                    let _ = writeln!(out, "    checked: {nothing}");
                } else {
                    let _ = writeln!(out, "    checked, none found: {}", f.check.describe());
                }
            }
        }
        for l in &self.lints {
            let _ = writeln!(out, "lint: {}", l.text());
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
        let denied = self.denied_lints().count();
        if denied > 0 {
            let _ = write!(
                out,
                "; apply will refuse: {denied} lint{} denied by the environment",
                if denied == 1 { "" } else { "s" }
            );
        }
        out.push_str(".\n");
        out
    }

    /// A script the database's own client runs as-is: every statement, each ending with `;`
    /// and a newline, under a comment naming its change, inside the dialect's wrapper; the
    /// statements that run after the commit follow the wrapper's end, as apply runs them.
    pub fn sql(&self) -> String {
        let mut out = String::new();
        if self.statements().next().is_none() {
            return out;
        }
        let (before, after) = self.dialect.sql().script_wrapper();
        if self
            .statements()
            .any(|(_, s)| s.phase == Phase::BeforeTransaction)
        {
            out.push_str("-- before the transaction, one at a time: the transaction can use what these add only once they are committed\n");
            self.phase_sql(Phase::BeforeTransaction, &mut out);
        }
        for statement in &before {
            let _ = writeln!(out, "{statement};");
        }
        self.phase_sql(Phase::Main, &mut out);
        for statement in &after {
            let _ = writeln!(out, "{statement};");
        }
        if self
            .statements()
            .any(|(_, s)| s.phase == Phase::AfterCommit)
        {
            out.push_str("-- after the commit, one at a time: these cannot run inside a transaction, or would hold its locks\n");
            self.phase_sql(Phase::AfterCommit, &mut out);
        }
        out
    }

    /// The statements of `phase`, each step's under a comment naming its change.
    pub(crate) fn phase_sql(&self, phase: Phase, out: &mut String) {
        for (i, step) in self.steps.iter().enumerate() {
            let mine: Vec<&Statement> = step
                .statements
                .iter()
                .filter(|s| s.phase == phase)
                .collect();
            if mine.is_empty() {
                continue;
            }
            let _ = writeln!(
                out,
                "-- {}. {} {}{}",
                i + 1,
                step.change.marker(),
                step.change.describe(),
                if step.destructive {
                    " (destructive)"
                } else {
                    ""
                }
            );
            for statement in mine {
                let _ = writeln!(out, "{};", statement.sql);
            }
        }
    }

    /// One JSON object (docs/reference.md, "The JSON plan"): the format version, the
    /// environment, the fingerprint of the database's schema, the changes in plan order with
    /// their details, every statement with its facts, the findings, and the dependencies.
    /// `apply --plan` reads it back ([`super::SavedPlan`]).
    pub fn json(&self) -> String {
        #[derive(Serialize)]
        struct Json<'a> {
            format_version: u32,
            reconcile_version: &'static str,
            environment: &'a str,
            dialect: Dialect,
            fingerprint: Option<&'a str>,
            /// The database, without user or password; absent with no database.
            #[serde(skip_serializing_if = "Option::is_none")]
            target: Option<&'a str>,
            /// Whether every statement runs in one transaction (rolled back on a failure).
            transactional: bool,
            summary: Summary,
            changes: Vec<JsonChange<'a>>,
            statements: Vec<JsonStatement<'a>>,
            findings: Vec<JsonFinding>,
            lints: &'a [super::lint::Lint],
            dependencies: Vec<super::Dependency>,
            unmanaged: &'a [String],
            notes: &'a [String],
        }
        #[derive(Serialize)]
        struct Summary {
            changes: usize,
            destructive: usize,
            statements: usize,
            blocking_findings: usize,
        }
        #[derive(Serialize)]
        struct JsonChange<'a> {
            kind: &'static str,
            table: &'a str,
            description: String,
            destructive: bool,
            #[serde(skip_serializing_if = "<[String]>::is_empty")]
            destructive_parts: &'a [String],
            rebuilt: bool,
            #[serde(skip_serializing_if = "Vec::is_empty")]
            contents: Vec<String>,
            #[serde(skip_serializing_if = "std::ops::Not::not")]
            after_commit: bool,
            #[serde(skip_serializing_if = "Vec::is_empty")]
            changes: Vec<JsonTableChange>,
            sql: Vec<&'a str>,
        }
        #[derive(Serialize)]
        struct JsonTableChange {
            kind: &'static str,
            description: String,
            #[serde(skip_serializing_if = "Option::is_none")]
            from: Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            to: Option<String>,
        }
        #[derive(Serialize)]
        struct JsonStatement<'a> {
            index: usize,
            change: usize,
            sql: &'a str,
            destructive: bool,
            rebuilt: bool,
            phase: Phase,
            transactional: bool,
            lock: &'a crate::dialect::Lock,
            rewrites: crate::dialect::Rewrite,
            scans: bool,
            /// What the text plan says of it (`ALGORITHM=INSTANT: catalog only, ...`).
            cost: String,
            #[serde(skip_serializing_if = "Option::is_none")]
            table: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            estimate: Option<crate::dialect::Estimate>,
        }
        #[derive(Serialize)]
        struct JsonFinding {
            change: usize,
            table: String,
            description: String,
            rows: i64,
            blocking: bool,
            /// One of the values found, as text.
            #[serde(skip_serializing_if = "Option::is_none")]
            sample: Option<String>,
        }
        fn table_change(s: &Step, c: &TableChange) -> JsonTableChange {
            let (from, to) = match c {
                TableChange::AlterColumn { from, to, .. } => {
                    (Some(column_text(from)), Some(column_text(to)))
                }
                _ => (None, None),
            };
            JsonTableChange {
                kind: c.kind(),
                description: describe(s, c),
                from,
                to,
            }
        }
        fn change(s: &Step) -> JsonChange<'_> {
            JsonChange {
                kind: s.change.kind(),
                table: s.change.table(),
                description: s.change.describe(),
                destructive: s.destructive,
                destructive_parts: &s.destructive_parts,
                rebuilt: s.recreates_table(),
                contents: contents(s)
                    .into_iter()
                    .map(|l| l.get(2..).unwrap_or("").to_string())
                    .collect(),
                after_commit: s.statements.iter().any(|q| q.phase == Phase::AfterCommit),
                changes: s
                    .change
                    .table_changes()
                    .iter()
                    .map(|c| table_change(s, c))
                    .collect(),
                sql: s.statements.iter().map(|q| q.sql.as_str()).collect(),
            }
        }
        let statements: Vec<JsonStatement> = self
            .statements()
            .enumerate()
            .map(|(n, (step, s))| JsonStatement {
                index: n + 1,
                change: step,
                sql: &s.sql,
                destructive: self.steps[step].destructive,
                rebuilt: self.steps[step].recreates_table(),
                phase: s.phase,
                transactional: s.transactional,
                lock: &s.lock,
                rewrites: s.rewrites,
                scans: s.scans,
                cost: s.cost(),
                table: s.table.as_deref(),
                estimate: s.estimate,
            })
            .collect();
        let json = Json {
            format_version: super::saved::FORMAT_VERSION,
            reconcile_version: env!("CARGO_PKG_VERSION"),
            environment: &self.environment,
            dialect: self.dialect,
            fingerprint: self.fingerprint.as_deref(),
            target: self.target.as_deref(),
            transactional: self.dialect.sql().transactional_ddl(),
            summary: Summary {
                changes: self.steps.len(),
                destructive: self.destructive().count(),
                statements: statements.len(),
                blocking_findings: self.blocking_findings().count(),
            },
            changes: self.steps.iter().map(change).collect(),
            statements,
            findings: self
                .findings
                .iter()
                .map(|f| JsonFinding {
                    change: f.check.step,
                    table: f.check.table.clone(),
                    description: f.check.describe(),
                    rows: f.rows,
                    blocking: f.blocks(),
                    sample: f.sample.clone(),
                })
                .collect(),
            lints: &self.lints,
            dependencies: self.dependencies(),
            unmanaged: &self.unmanaged,
            notes: &self.notes,
        };
        let mut s = serde_json::to_string_pretty(&json).unwrap_or_else(|_| "{}".to_string());
        s.push('\n');
        s
    }
}
