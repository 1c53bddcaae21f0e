//! A plan: the ordered changes, each with the statements it becomes. Every statement keeps
//! its cause, which drives the text, SQL and JSON outputs, the destructive flags and the
//! messages of a failed apply.

use std::fmt::Write as _;

use serde::Serialize;

use crate::change::Change;
use crate::dialect::{self, Dialect};
use crate::error::Error;
use crate::schema::Schema;

/// One change and its statements.
#[derive(Debug, Clone)]
pub struct Step {
    pub change: Change,
    pub statements: Vec<String>,
}

impl Step {
    /// Whether the step can lose or alter stored data.
    pub fn is_destructive(&self) -> bool {
        self.change.is_destructive()
    }
}

/// The ordered steps that make a database match a schema.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The environment the plan is for (`offline` for `plan --dialect`).
    pub environment: String,
    pub dialect: Dialect,
    pub steps: Vec<Step>,
    /// Objects in the database that the schema does not describe and the plan leaves alone.
    pub unmanaged: Vec<String>,
}

/// The format of a printed plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Sql,
    Json,
}

impl Plan {
    /// Orders `changes` and renders each one for `dialect`.
    ///
    /// Fails only on a change the dialect cannot render, which the differ never produces.
    pub fn new(
        environment: &str,
        dialect: Dialect,
        changes: Vec<Change>,
        desired: &Schema,
    ) -> Result<Plan, Error> {
        let d = dialect.sql();
        let steps = crate::order::order(changes, desired, dialect)
            .into_iter()
            .map(|change| match d.render(&change) {
                Some(statements) => Ok(Step { change, statements }),
                None => Err(Error::Usage(format!(
                    "internal error: {dialect} cannot {} in place and no rebuild was planned",
                    change.describe()
                ))),
            })
            .collect::<Result<_, _>>()?;
        Ok(Plan {
            environment: environment.to_string(),
            dialect,
            steps,
            unmanaged: Vec::new(),
        })
    }

    /// The plan that creates `schema` in an empty database (`plan --dialect`).
    pub fn offline(schema: &Schema, dialect: Dialect) -> Result<Plan, Error> {
        let desired = dialect::resolve(schema, dialect);
        let changes = crate::diff::diff(&Schema::default(), &desired, dialect)?;
        Plan::new("offline", dialect, changes, &desired)
    }

    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The steps that can lose or alter stored data.
    pub fn destructive(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(|s| s.is_destructive())
    }

    /// Every statement in order, with the index of the step it came from.
    pub fn statements(&self) -> impl Iterator<Item = (usize, &str)> {
        self.steps
            .iter()
            .enumerate()
            .flat_map(|(i, s)| s.statements.iter().map(move |q| (i, q.as_str())))
    }

    /// The plan printed in `format`.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Text => self.text(),
            Format::Sql => self.sql(),
            Format::Json => self.json(),
        }
    }

    /// One line per change, then a count; "No changes" when converged.
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
            out.push_str("No changes: the database matches schema.kdl.\n");
            return out;
        }
        for step in &self.steps {
            let flag = if step.is_destructive() {
                "  (destructive)"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "{} {}{flag}",
                step.change.marker(),
                step.change.describe()
            );
        }
        let n = self.steps.len();
        let destructive = self.destructive().count();
        let _ = writeln!(
            out,
            "Plan: {n} change{}, {destructive} destructive.",
            if n == 1 { "" } else { "s" }
        );
        out
    }

    /// Every statement, each ending with `;` and a newline, under a comment naming its change.
    pub fn sql(&self) -> String {
        let mut out = String::new();
        for step in self.steps.iter().filter(|s| !s.statements.is_empty()) {
            let flag = if step.is_destructive() {
                " (destructive)"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "-- {} {}{flag}",
                step.change.marker(),
                step.change.describe()
            );
            for statement in &step.statements {
                let _ = writeln!(out, "{statement};");
            }
        }
        out
    }

    /// One JSON object: environment, dialect and the changes in plan order.
    pub fn json(&self) -> String {
        #[derive(Serialize)]
        struct Json<'a> {
            environment: &'a str,
            dialect: Dialect,
            changes: Vec<JsonChange<'a>>,
        }
        #[derive(Serialize)]
        struct JsonChange<'a> {
            kind: &'static str,
            table: &'a str,
            description: String,
            destructive: bool,
            sql: &'a [String],
        }
        let json = Json {
            environment: &self.environment,
            dialect: self.dialect,
            changes: self
                .steps
                .iter()
                .map(|s| JsonChange {
                    kind: s.change.kind(),
                    table: s.change.table(),
                    description: s.change.describe(),
                    destructive: s.is_destructive(),
                    sql: &s.statements,
                })
                .collect(),
        };
        let mut s = serde_json::to_string_pretty(&json).unwrap_or_else(|_| "{}".to_string());
        s.push('\n');
        s
    }
}
