//! A plan: the ordered changes, each with the statements it becomes. [`plan`] is the whole
//! pure pipeline (resolve → diff → order → render → judge), shared by the offline plan and
//! the live one; every statement keeps its cause, which drives the text, SQL and JSON
//! outputs, the destructive flags, preflight and the messages of a failed apply.

mod graph;
mod output;
pub mod preflight;
pub mod saved;

use crate::change::{Change, TableChange};
use crate::dialect::{Dialect, SqlDialect};
use crate::error::Error;
use crate::schema::Schema;
use crate::timings;

pub use crate::order::Dependency;
pub use preflight::{Check, Finding};
pub use saved::{SavedPlan, fingerprint};

/// One change and its statements.
#[derive(Debug, Clone)]
pub struct Step {
    pub change: Change,
    pub statements: Vec<String>,
    /// Whether the change can lose or alter stored data on this database.
    pub destructive: bool,
    /// What makes it destructive, one description each (a drop, a converting type change).
    pub destructive_parts: Vec<String>,
    /// Whether the database carries it out by recreating the table (SQLite).
    pub recreates_table: bool,
    /// Whether its statements run after the transaction commits, one at a time
    /// (PostgreSQL's `CREATE INDEX CONCURRENTLY`); such steps come last.
    pub after_commit: bool,
}

/// The ordered steps that make a database match a schema.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The environment the plan is for (`offline` for `plan --dialect`).
    pub environment: String,
    pub dialect: Dialect,
    pub steps: Vec<Step>,
    /// The data checks apply runs before any statement, in the live names.
    pub checks: Vec<Check>,
    /// What the checks found on the live database (empty offline).
    pub findings: Vec<Finding>,
    /// Objects in the database that the schema does not describe and the plan leaves alone.
    pub unmanaged: Vec<String>,
    /// Facts worth a line above the plan (`dev.db does not exist yet`).
    pub notes: Vec<String>,
    /// The fingerprint of the database's schema the plan was made from ([`fingerprint`]);
    /// `None` for a plan made with no database (`plan --dialect`, `diff`).
    pub fingerprint: Option<String>,
    /// The database the plan was made against, without user or password
    /// ([`crate::database::Connection::target`]); `None` with no database.
    pub target: Option<String>,
    /// The desired tables the server spelled (created in a scratch and read back, see
    /// [`crate::database::scratch`]) because the fast comparison found them different.
    pub spelled: Vec<String>,
    /// The keys of the desired tables (primary keys and unique indexes, nothing else): what
    /// [`Plan::dependencies`] needs to see which index a foreign key relies on.
    keys: Schema,
}

/// The format of a printed plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per change, old -> new, for people.
    Text,
    /// The statements, runnable by the database's own client.
    Sql,
    /// One JSON object (documented in docs/reference.md); what `apply --plan` reads.
    Json,
    /// The dependency graph of the changes, for Graphviz.
    Dot,
    /// The dependency graph of the changes, as a Mermaid flowchart.
    Mermaid,
}

/// The plan that turns `actual` (in the database's terms) into `desired` (as parsed from
/// `schema.kdl`) on `d`.
///
/// Fails on an ambiguous rename, and when a table would have to be recreated but holds what
/// the model cannot describe (it would be lost).
pub fn plan(
    environment: &str,
    actual: &Schema,
    desired: &Schema,
    d: &dyn SqlDialect,
) -> Result<Plan, Error> {
    let desired = timings::stage("diff", || crate::dialect::resolve(desired, d));
    let changes = timings::stage("diff", || crate::diff::diff(actual, &desired, d))?;
    from_changes(environment, actual, &desired, changes, d)
}

/// The plan of `changes`, the differences between `actual` and `desired` (already
/// resolved for `d`, see [`crate::dialect::resolve`]): ordered, rendered and judged.
///
/// Fails when a table would have to be recreated but holds what the model cannot describe.
pub fn from_changes(
    environment: &str,
    actual: &Schema,
    desired: &Schema,
    changes: Vec<Change>,
    d: &dyn SqlDialect,
) -> Result<Plan, Error> {
    let ordered = timings::stage("order", || crate::order::order(changes, desired, d));
    let (ordered, later) = if d.builds_indexes_after_commit() {
        split_index_builds(ordered)
    } else {
        (ordered, Vec::new())
    };
    let mut notes = Vec::new();
    let steps: Vec<Step> = timings::stage("render", || {
        let now = ordered.into_iter().map(|change| (change, false));
        now.chain(later.into_iter().map(|change| (change, true)))
            .map(|(change, after_commit)| {
                let parts = destructive_parts(&change, d);
                if after_commit {
                    notes.push(format!(
                        "{} runs after the transaction commits, with CREATE INDEX CONCURRENTLY (writes to the table go on meanwhile); if it fails, the next apply drops the unfinished index and builds it again",
                        change.describe()
                    ));
                }
                Step {
                    statements: if after_commit {
                        d.render_after_commit(&change)
                    } else {
                        d.render(&change)
                    },
                    destructive: !parts.is_empty(),
                    destructive_parts: parts,
                    recreates_table: d.recreates_table(&change),
                    after_commit,
                    change,
                }
            })
            .collect()
    });
    for step in steps.iter().filter(|s| s.recreates_table) {
        refuse_lossy_rebuild(&step.change)?;
    }
    let checks = preflight::checks(&steps, d);
    Ok(Plan {
        environment: environment.to_string(),
        dialect: d.id(),
        steps,
        checks,
        findings: Vec::new(),
        unmanaged: actual
            .unmanaged
            .iter()
            .map(|u| format!("{} `{}`", u.kind, u.name))
            .collect(),
        notes,
        fingerprint: Some(timings::stage("fingerprint", || fingerprint(actual))),
        target: None,
        spelled: Vec::new(),
        keys: keys_of(desired),
    })
}

/// Moves the new indexes of existing tables out of their table's changes, to be built after
/// the commit; returns (the changes, the index builds).
fn split_index_builds(ordered: Vec<Change>) -> (Vec<Change>, Vec<Change>) {
    let mut later = Vec::new();
    let mut now = Vec::with_capacity(ordered.len());
    for change in ordered {
        match change {
            Change::AlterTable {
                from,
                to,
                changes,
                dependents,
            } => {
                let (builds, rest): (Vec<TableChange>, Vec<TableChange>) = changes
                    .into_iter()
                    .partition(|c| matches!(c, TableChange::CreateIndex(_)));
                later.extend(builds.into_iter().filter_map(|c| match c {
                    TableChange::CreateIndex(index) => Some(Change::CreateIndex {
                        table: to.name.clone(),
                        index,
                    }),
                    _ => None,
                }));
                if !rest.is_empty() {
                    now.push(Change::AlterTable {
                        from,
                        to,
                        changes: rest,
                        dependents,
                    });
                }
            }
            other => now.push(other),
        }
    }
    (now, later)
}

/// The tables of `schema` with their primary keys and non-partial unique indexes only.
fn keys_of(schema: &Schema) -> Schema {
    let tables = schema
        .tables
        .iter()
        .map(|t| crate::schema::Table {
            name: t.name.clone(),
            primary_key: t.primary_key.clone(),
            indexes: t
                .indexes
                .iter()
                .filter(|i| i.unique && i.predicate.is_none())
                .cloned()
                .collect(),
            ..Default::default()
        })
        .collect();
    Schema {
        tables,
        ..Default::default()
    }
}

/// What in `change` can lose or alter stored data on `d` (cli.md, "Destructive changes").
fn destructive_parts(change: &Change, d: &dyn SqlDialect) -> Vec<String> {
    match change {
        Change::DropTable { .. } => vec![change.describe()],
        Change::AlterTable { to, changes, .. } => changes
            .iter()
            .filter(|c| match c {
                TableChange::DropColumn(_) => true,
                TableChange::AlterColumn { from, to, .. } => {
                    d.data_effect(from, to).is_destructive()
                }
                _ => false,
            })
            .map(|c| format!("`{}`: {}", to.name, c.describe()))
            .collect(),
        Change::CreateTable { .. }
        | Change::RenameTable { .. }
        | Change::CreateIndex { .. }
        | Change::AddForeignKey { .. }
        | Change::DropForeignKey { .. } => Vec::new(),
    }
}

/// Refuses to recreate a table that holds what the model cannot describe.
fn refuse_lossy_rebuild(change: &Change) -> Result<(), Error> {
    let Change::AlterTable { from, to, .. } = change else {
        return Ok(());
    };
    if from.unmodeled.is_empty() {
        return Ok(());
    }
    Err(Error::Unsupported {
        what: format!(
            "changing table `{}` means recreating it, which would lose what schema.kdl cannot describe: {}",
            to.name,
            from.unmodeled.join(", ")
        ),
        help: "make this change by hand, or leave the table as it is (add it to `ignore`)".into(),
    })
}

impl Plan {
    /// The plan that creates `schema` in an empty database (`plan --dialect`).
    pub fn offline(schema: &Schema, dialect: Dialect) -> Result<Plan, Error> {
        let mut plan = plan("offline", &Schema::default(), schema, dialect.sql())?;
        plan.fingerprint = None;
        Ok(plan)
    }

    /// The plan from `current` to `desired`, both as parsed from `schema.kdl`, with no
    /// database: `current` stands for the database it would create on `dialect`. Every
    /// ALTER path of every dialect can be seen, and snapshot-tested, without a server.
    pub fn between(current: &Schema, desired: &Schema, dialect: Dialect) -> Result<Plan, Error> {
        let d = dialect.sql();
        let mut plan = plan("offline", &crate::dialect::resolve(current, d), desired, d)?;
        plan.fingerprint = None;
        Ok(plan)
    }

    /// Why each step runs after another: the edges of the ordering graph between steps, with
    /// their reasons (computed when asked: only the JSON and the pictures show them).
    pub fn dependencies(&self) -> Vec<Dependency> {
        timings::stage("dependencies", || {
            crate::order::dependencies(self.steps.iter().map(|s| &s.change), &self.keys)
        })
    }

    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The steps that can lose or alter stored data.
    pub fn destructive(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(|s| s.destructive)
    }

    /// Every statement in order, with the index of the step it came from.
    pub fn statements(&self) -> impl Iterator<Item = (usize, &str)> {
        self.steps
            .iter()
            .enumerate()
            .flat_map(|(i, s)| s.statements.iter().map(move |q| (i, q.as_str())))
    }

    /// Whether two plans would run the same statements.
    pub fn same_statements(&self, other: &Plan) -> bool {
        self.statements()
            .map(|(_, s)| s)
            .eq(other.statements().map(|(_, s)| s))
    }

    /// The findings that stop apply (rows that would be lost or rejected).
    pub fn blocking_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.blocks())
    }

    /// The plan printed in `format`.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Text => self.text(),
            Format::Sql => self.sql(),
            Format::Json => self.json(),
            Format::Dot => self.dot(),
            Format::Mermaid => self.mermaid(),
        }
    }
}
