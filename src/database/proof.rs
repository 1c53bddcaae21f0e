//! Proof before the target, where DDL is not transactional (MySQL, MariaDB): each statement
//! commits as it runs there, so a statement the server refuses midway would leave the plan
//! half done. Before the first statement reaches the target, the plan runs on a
//! structure-only copy of the tables it concerns (and the tables they reference), made in a
//! scratch from the server's own `CREATE TABLE` text; the copy must then match the schema.
//! A syntax error, a reserved word, a server limit (row size, key length, a default form the
//! server refuses) stops there, with nothing changed on the target. Where DDL is
//! transactional, the transaction and the check before the commit give the same guarantee.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use super::Connection;
use crate::change::Change;
use crate::error::Error;
use crate::plan::Plan;
use crate::schema::{Reads, Schema};

/// What a proof did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    /// The live tables copied into the scratch, by name.
    pub copied: Vec<String>,
    /// How many of the plan's statements ran on the copy.
    pub statements: usize,
    /// Where the copy was made ([`Connection::target`] of the scratch), dropped since.
    pub scratch: String,
    pub elapsed: Duration,
}

/// The tables a plan touches, under their live names where they exist, with the tables
/// their foreign keys reference (before and after).
fn concerned(plan: &Plan) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for step in &plan.steps {
        match &step.change {
            Change::CreateTable { table } | Change::DropTable { table } => {
                names.insert(table.name.clone());
                names.extend(table.foreign_keys.iter().map(|fk| fk.ref_table.clone()));
            }
            Change::RenameTable { from, .. } => {
                names.insert(from.clone());
            }
            Change::AlterTable { from, to, .. } => {
                names.insert(from.name.clone());
                for fk in from.foreign_keys.iter().chain(&to.foreign_keys) {
                    names.insert(fk.ref_table.clone());
                }
            }
            Change::CreateIndex { table, .. } => {
                names.insert(table.clone());
            }
            Change::AddForeignKey { table, fk } | Change::DropForeignKey { table, fk } => {
                names.insert(table.clone());
                names.insert(fk.ref_table.clone());
            }
            // A type's columns are in the tables whose alterations convert them.
            Change::CreateEnum { .. } | Change::DropEnum { .. } | Change::AlterEnum { .. } => {}
            // With what it reads: see [`with_views`].
            Change::CreateView { view, .. } | Change::DropView { view } => {
                names.insert(view.name.clone());
            }
        }
    }
    names
}

/// `names` with every table and view that a view among them reads, on either side, until
/// none is new: a view is copied with what it reads, and created over it.
fn with_views(mut names: BTreeSet<String>, live: &Schema, desired: &Schema) -> BTreeSet<String> {
    let views: Vec<(&crate::schema::View, Reads)> = (live.views.iter().chain(&desired.views))
        .map(|v| (v, v.read()))
        .collect();
    let all: BTreeSet<&str> = live
        .tables
        .iter()
        .map(|t| t.name.as_str())
        .chain(desired.tables.iter().map(|t| t.name.as_str()))
        .chain(views.iter().map(|(v, _)| v.name.as_str()))
        .collect();
    loop {
        let read: Vec<String> = views
            .iter()
            .filter(|(v, _)| names.contains(&v.name))
            .flat_map(|(v, read)| all.iter().filter(|n| **n != v.name && read.contains(n)))
            .map(|n| n.to_string())
            .filter(|n| !names.contains(n))
            .collect();
        if read.is_empty() {
            return names;
        }
        names.extend(read);
    }
}

/// Creates the live views among `names` in the scratch, each after the views it reads.
async fn copy_views<C: Connection>(
    scratch: &mut C,
    live: &Schema,
    names: &BTreeSet<String>,
    copied: &mut Vec<String>,
) -> Result<(), Error> {
    let mut left: Vec<(&crate::schema::View, Reads)> = live
        .views
        .iter()
        .filter(|v| names.contains(&v.name))
        .map(|v| (v, v.read()))
        .collect();
    while !left.is_empty() {
        let waits = |(v, read): &(&crate::schema::View, Reads)| {
            left.iter()
                .any(|(w, _)| w.name != v.name && read.contains(&w.name))
        };
        // A view that reads one still to come waits for it; a circle (which no server
        // accepts) goes in catalog order, and the server says what it refuses.
        let next = left.iter().position(|v| !waits(v)).unwrap_or(0);
        let (view, _) = left.remove(next);
        let create = Change::CreateView {
            view: view.clone(),
            replaces: None,
        };
        for statement in scratch.dialect().statements(&create) {
            scratch
                .execute(&statement.sql)
                .await
                .map_err(|source| Error::Database {
                    what: format!(
                        "cannot copy view `{}` into the scratch for the proof",
                        view.name
                    ),
                    source,
                })?;
        }
        copied.push(view.name.clone());
    }
    Ok(())
}

/// How a proof ended, short of a refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Proved(Proof),
    /// The server gave no scratch (the user may not create a database): the plan runs
    /// unproved, as it did before proofs. The reason, for a note.
    Unavailable(String),
}

/// Runs `plan` (made against `conn` for `desired`) on a copy in a scratch; fails with what
/// the server refused, or when the copy does not then match `desired`.
pub async fn prove<C: Connection>(
    conn: &mut C,
    environment: &str,
    desired: &Schema,
    plan: &Plan,
) -> Result<Outcome, Error> {
    let start = Instant::now();
    let mut scratch = match conn.open_scratch().await {
        Ok(scratch) => scratch,
        Err(e) => {
            return Ok(Outcome::Unavailable(crate::redact::mask_known(
                &e.to_string(),
            )));
        }
    };
    let place = scratch.target();
    let result = on_copy(conn, &mut scratch, environment, desired, plan).await;
    scratch.close_scratch().await;
    let (copied, statements) = result?;
    let elapsed = start.elapsed();
    crate::timings::record("proof", elapsed);
    Ok(Outcome::Proved(Proof {
        copied,
        statements,
        scratch: place,
        elapsed,
    }))
}

async fn on_copy<C: Connection>(
    conn: &mut C,
    scratch: &mut C,
    environment: &str,
    desired: &Schema,
    plan: &Plan,
) -> Result<(Vec<String>, usize), Error> {
    let mut names = concerned(plan);
    let has_views = plan.steps.iter().any(|s| {
        matches!(
            s.change,
            Change::CreateView { .. } | Change::DropView { .. }
        )
    });
    // The live views are copied from their catalog reading (a view's own `CREATE` text
    // names the live database); only a plan that changes views needs them.
    let live = if has_views {
        conn.introspect().await?
    } else {
        Schema::default()
    };
    names = with_views(names, &live, desired);
    // Keys may name tables that are not copied yet, or not at all (the schema's others).
    scratch
        .execute("SET FOREIGN_KEY_CHECKS = 0")
        .await
        .map_err(|source| Error::Database {
            what: "cannot set up the scratch for the proof".into(),
            source,
        })?;
    let mut copied = Vec::new();
    for name in names.iter().filter(|n| live.view(n).is_none()) {
        let Some(sql) = conn.structure_sql(name).await? else {
            continue;
        };
        scratch
            .execute(&sql)
            .await
            .map_err(|source| Error::Database {
                what: format!(
                    "cannot copy the structure of `{name}` into the scratch for the proof"
                ),
                source,
            })?;
        copied.push(name.clone());
    }
    copy_views(scratch, &live, &names, &mut copied).await?;
    let all: Vec<_> = plan.statements().collect();
    for (n, (step, statement)) in all.iter().enumerate() {
        if let Err(source) = scratch.execute(&statement.sql).await {
            return Err(Error::Refused {
                index: n + 1,
                total: all.len(),
                change: plan.steps[*step].change.describe(),
                sql: statement.sql.clone(),
                source,
            });
        }
    }
    // The copy holds the concerned tables only: the schema's others are not compared.
    let mut wanted = desired.clone();
    wanted.tables.retain(|t| {
        names.contains(&t.name) || t.renamed_from.as_ref().is_some_and(|r| names.contains(r))
    });
    wanted.views.retain(|v| names.contains(&v.name));
    let left = super::plan_uncounted(scratch, environment, &wanted).await?;
    if !left.is_empty() {
        return Err(Error::ProofDiverged {
            remaining: left.text(),
        });
    }
    Ok((copied, all.len()))
}
