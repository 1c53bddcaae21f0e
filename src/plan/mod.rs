//! A plan: the ordered changes, each with the statements it becomes. [`plan`] is the whole
//! pure pipeline (resolve → diff → order → render → judge), shared by the offline plan and
//! the live one; every statement keeps its cause, which drives the text, SQL and JSON
//! outputs, the destructive flags, preflight and the messages of a failed apply.

mod graph;
pub mod lint;
mod output;
pub mod preflight;
pub mod saved;

use crate::change::{Change, TableChange};
use crate::dialect::{Dialect, Phase, Rewrite, SqlDialect, Statement};
use crate::error::Error;
use crate::schema::Schema;
use crate::timings;

pub use crate::order::Dependency;
pub use preflight::{Check, Finding};
pub use saved::{SavedPlan, fingerprint};

/// One change and its statements, each with how it runs.
#[derive(Debug, Clone)]
pub struct Step {
    pub change: Change,
    pub statements: Vec<Statement>,
    /// Whether the change can lose or alter stored data on this database.
    pub destructive: bool,
    /// What makes it destructive, one description each (a drop, a converting type change).
    pub destructive_parts: Vec<String>,
}

impl Step {
    /// Whether the database carries it out by recreating the table (SQLite's rebuild).
    pub fn recreates_table(&self) -> bool {
        self.statements
            .iter()
            .any(|s| s.rewrites == Rewrite::Recreate)
    }
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
    /// What the lint rules found ([`lint`]), at the severities the environment sets once
    /// [`Plan::judge_lints`] has run (else each rule's default, warn); `off` ones removed.
    pub lints: Vec<lint::Lint>,
    /// The desired tables the server spelled (created in a scratch and read back, see
    /// [`crate::database::scratch`]) because the fast comparison found them different.
    pub spelled: Vec<String>,
    /// The live tables that another live table's foreign keys reference: what
    /// `pt-online-schema-change` cannot copy without rebuilding those keys.
    pub referenced: Vec<String>,
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
    let depended_on = crate::order::depended_on(&ordered, desired);
    let steps: Vec<Step> = timings::stage("render", || {
        ordered
            .into_iter()
            .zip(depended_on)
            .map(|(change, depended_on)| {
                let parts = destructive_parts(&change, d);
                let statements = if depended_on {
                    d.statements_depended_on(&change)
                } else {
                    d.statements(&change)
                };
                Step {
                    statements,
                    destructive: !parts.is_empty(),
                    destructive_parts: parts,
                    change,
                }
            })
            .collect()
    });
    let mut steps = steps;
    live_tables(&mut steps);
    for step in steps.iter().filter(|s| s.recreates_table()) {
        refuse_lossy_rebuild(&step.change)?;
    }
    let notes = after_commit_notes(&steps);
    let lints = timings::stage("lint", || lint::check(&steps, desired, d));
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
        lints,
        fingerprint: Some(timings::stage("fingerprint", || fingerprint(actual))),
        target: None,
        spelled: Vec::new(),
        referenced: referenced(actual),
        keys: keys_of(desired),
    })
}

/// Each statement's `table` as the database has it before the plan runs: `None` for a
/// table the plan creates (a foreign key moved out of a cycle names its new table), the live
/// name for one it renames; so that sizes, the policy's row counts and the lints only ever
/// look at tables that exist.
fn live_tables(steps: &mut [Step]) {
    let created: Vec<String> = steps
        .iter()
        .filter_map(|s| match &s.change {
            Change::CreateTable { table } => Some(table.name.clone()),
            _ => None,
        })
        .collect();
    let renamed: Vec<(String, String)> = steps
        .iter()
        .filter_map(|s| match &s.change {
            Change::RenameTable { from, to } => Some((to.clone(), from.clone())),
            _ => None,
        })
        .collect();
    for statement in steps.iter_mut().flat_map(|s| s.statements.iter_mut()) {
        let Some(table) = statement.table.take() else {
            continue;
        };
        statement.table = match renamed.iter().find(|(to, _)| *to == table) {
            Some((_, from)) => Some(from.clone()),
            None if created.contains(&table) => None,
            None => Some(table),
        };
    }
}

/// A note for each step with statements that run after the commit: they are not rolled
/// back with the rest, and what the next apply does if one fails.
fn after_commit_notes(steps: &[Step]) -> Vec<String> {
    steps
        .iter()
        .filter_map(|step| {
            let later: Vec<String> = step
                .statements
                .iter()
                .filter(|s| s.phase == Phase::AfterCommit)
                .map(|s| format!("`{}`", s.sql))
                .collect();
            (!later.is_empty()).then(|| {
                format!(
                    "{} runs {} after the transaction commits, one at a time, so that writes to the table go on meanwhile; if one fails, the next apply finds what it left undone (an unfinished index is invalid, an unvalidated constraint not yet valid) and does it again",
                    step.change.describe(),
                    later.join(", ")
                )
            })
        })
        .chain(steps.iter().filter_map(|step| {
            let early: Vec<String> = step
                .statements
                .iter()
                .filter(|s| s.phase == Phase::BeforeTransaction)
                .map(|s| format!("`{}`", s.sql))
                .collect();
            (!early.is_empty()).then(|| {
                format!(
                    "{} runs {} before the transaction, each committed on its own, because the transaction cannot use a value added to an enum before it is committed; if the transaction then fails, the values stay, and the next plan no longer lists them",
                    step.change.describe(),
                    early.join(", ")
                )
            })
        }))
        .collect()
}

/// The tables of `schema` that another table's foreign keys reference.
fn referenced(schema: &Schema) -> Vec<String> {
    let mut out: Vec<String> = schema
        .tables
        .iter()
        .flat_map(|t| {
            t.foreign_keys
                .iter()
                .filter(|k| k.ref_table != t.name)
                .map(|k| k.ref_table.clone())
        })
        .collect();
    out.sort();
    out.dedup();
    out
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
                // A generated column's values are its expression's: none are lost.
                TableChange::DropColumn(c) => c.generated.is_none(),
                TableChange::AlterColumn { from, to, .. } => {
                    crate::dialect::column_data_effect(d, from, to).is_destructive()
                }
                _ => false,
            })
            .map(|c| format!("`{}`: {}", to.name, c.describe()))
            .collect(),
        Change::CreateTable { .. }
        | Change::RenameTable { .. }
        | Change::CreateIndex { .. }
        | Change::AddForeignKey { .. }
        | Change::DropForeignKey { .. }
        | Change::CreateEnum { .. }
        | Change::AlterEnum { .. }
        // A type no column uses holds no data; the columns' own changes say what they lose.
        | Change::DropEnum { .. }
        // A view holds no rows of its own.
        | Change::CreateView { .. }
        | Change::DropView { .. } => Vec::new(),
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

    /// Every statement in the order apply runs them (phase by phase, plan order within
    /// each), with the index of the step it came from.
    pub fn statements(&self) -> impl Iterator<Item = (usize, &Statement)> {
        [Phase::BeforeTransaction, Phase::Main, Phase::AfterCommit]
            .into_iter()
            .flat_map(move |phase| {
                self.steps.iter().enumerate().flat_map(move |(i, s)| {
                    s.statements
                        .iter()
                        .filter(move |q| q.phase == phase)
                        .map(move |q| (i, q))
                })
            })
    }

    /// Whether two plans would run the same statements.
    pub fn same_statements(&self, other: &Plan) -> bool {
        self.statements()
            .map(|(_, s)| &s.sql)
            .eq(other.statements().map(|(_, s)| &s.sql))
    }

    /// Sets each lint to the severity `levels` gives its rule, dropping those turned off.
    pub fn judge_lints(&mut self, levels: &lint::Levels) {
        for l in &mut self.lints {
            l.severity = levels.of(l.code);
        }
        self.lints.retain(|l| l.severity != lint::Severity::Off);
    }

    /// The lints whose rule the environment denies: `apply` refuses, `plan --exit-code`
    /// exits 3.
    pub fn denied_lints(&self) -> impl Iterator<Item = &lint::Lint> {
        self.lints
            .iter()
            .filter(|l| l.severity == lint::Severity::Deny)
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
