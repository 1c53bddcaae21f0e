//! Data checks that run before any statement: each counts the rows that would make a change
//! fail or lose data, in the names the database has *before* the plan runs. Which values a
//! type change keeps is the dialect's [`crate::dialect::SqlDialect::data_effect`], so the
//! destructive flag and these checks never disagree. `plan` runs them too and shows what
//! they found, so it never promises what `apply` will refuse.
//!
//! This module builds the checks from the steps (pure: SQL text, no connection); the live
//! engine runs them ([`crate::database::preflight::run`]) and each becomes a [`Finding`]. A
//! value check ([`Lossy`]) is a condition over one live column, decided by the server; a
//! finding keeps one of the values it found, as text, so that the message shows what would
//! be lost.

use std::collections::{HashMap, HashSet};

use super::Step;
use crate::change::{Change, TableChange};
pub use crate::dialect::Lossy;
use crate::dialect::SqlDialect;
use crate::schema::{DefaultValue, ForeignKey, Table, Type};

/// One data check of one step.
#[derive(Debug, Clone)]
pub struct Check {
    /// The index of the step in the plan.
    pub step: usize,
    /// The table as the plan calls it (its new name).
    pub table: String,
    pub kind: CheckKind,
    /// `SELECT COUNT(*) ...` over the live table, in live names.
    pub sql: String,
    /// For a value check: the column and condition, so that the driver can also fetch a
    /// sample, and count value by value where the set-based count fails.
    pub lossy: Option<Lossy>,
}

/// What a check looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckKind {
    /// Rows in a table that gains a NOT NULL column without a default.
    NewNotNullColumn { column: String },
    /// NULLs in a column that becomes NOT NULL without a default to fill them.
    NullsIntoNotNull { column: String },
    /// Values that would not survive a change of the column's definition.
    ValuesWouldNotFit {
        column: String,
        from: Type,
        to: Type,
    },
    /// Duplicates under a new unique index.
    Duplicates { index: String },
    /// Duplicates under a unique index that a column's NULLs, set to its new default,
    /// would make.
    FilledDuplicates { column: String, index: String },
    /// Duplicates under a new primary key.
    KeyDuplicates { columns: Vec<String> },
    /// Rows a new CHECK rejects.
    CheckViolated { check: String },
    /// Rows whose values a new foreign key finds no parent for.
    Orphans { key: String, parent: String },
    /// The rows (of a dropped table) or the values (of a dropped column, its non-NULL
    /// ones) that a destructive drop discards. A count to show, never a refusal: the
    /// destructive gate (`--allow-destructive`) decides.
    Dropped { column: Option<String> },
}

/// A check and the number of rows it found.
#[derive(Debug, Clone)]
pub struct Finding {
    pub check: Check,
    pub rows: i64,
    /// For a value check that found rows: one of the values, as text (at most
    /// [`SAMPLE_CHARS`] characters).
    pub sample: Option<String>,
}

/// The longest sample a finding keeps, in characters.
pub const SAMPLE_CHARS: usize = 60;

impl Check {
    /// What would go wrong, without the count.
    pub fn describe(&self) -> String {
        let t = &self.table;
        match &self.kind {
            CheckKind::NewNotNullColumn { column } => {
                format!("`{t}` has rows, and the new NOT NULL column `{column}` has no default")
            }
            CheckKind::NullsIntoNotNull { column } => {
                format!("`{t}.{column}` becomes NOT NULL without a default but holds NULLs")
            }
            CheckKind::ValuesWouldNotFit { column, from, to } => {
                format!("`{t}.{column}` ({from} -> {to}) would change stored values")
            }
            CheckKind::Duplicates { index } => {
                format!("the new unique index `{index}` on `{t}` has duplicate values")
            }
            CheckKind::FilledDuplicates { column, index } => format!(
                "the NULLs of `{t}.{column}`, set to its new default, would be duplicates under the unique index `{index}`"
            ),
            CheckKind::KeyDuplicates { columns } => format!(
                "the new primary key ({}) of `{t}` has duplicate values",
                columns.join(", ")
            ),
            CheckKind::CheckViolated { check } => {
                format!("the new check `{check}` on `{t}` rejects stored rows")
            }
            CheckKind::Orphans { key, parent } => {
                format!("the new foreign key `{key}` on `{t}` finds no parent in `{parent}`")
            }
            CheckKind::Dropped { column: None } => format!("dropping `{t}` discards its rows"),
            CheckKind::Dropped { column: Some(c) } => {
                format!("dropping `{t}.{c}` discards its values")
            }
        }
    }

    /// What a check that found no rows says, where that is not "none found": a drop's.
    pub fn nothing_found(&self) -> Option<String> {
        let t = &self.table;
        match &self.kind {
            CheckKind::Dropped { column: None } => Some(format!("`{t}` holds no rows")),
            CheckKind::Dropped { column: Some(c) } => {
                Some(format!("`{t}.{c}` holds no values (only NULLs or no rows)"))
            }
            _ => None,
        }
    }

    /// Whether rows found by this check stop apply (a drop's count only informs).
    pub fn blocks(&self) -> bool {
        !matches!(self.kind, CheckKind::Dropped { .. })
    }
}

impl Finding {
    /// Whether this finding stops apply: rows found by a check that [`Check::blocks`].
    pub fn blocks(&self) -> bool {
        self.rows > 0 && self.check.blocks()
    }

    /// What would go wrong, with the count and a sample where there is one:
    /// `...would change stored values: 3 row(s), e.g. 'abcdefgh'`.
    pub fn describe(&self) -> String {
        let mut out = format!("{}: {} row(s)", self.check.describe(), self.rows);
        if let Some(sample) = &self.sample {
            out.push_str(&format!(", e.g. '{}'", sample.replace('\'', "''")));
        }
        out
    }
}

/// The checks of every step of a plan, for dialect `d`.
pub fn checks(steps: &[Step], d: &dyn SqlDialect) -> Vec<Check> {
    let parents = Parents::of(steps);
    let mut out = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        match &step.change {
            Change::AlterTable {
                from, to, changes, ..
            } => table_checks(i, from, &to.name, changes, &parents, d, &mut out),
            Change::DropTable { table } => out.push(Check {
                step: i,
                table: table.name.clone(),
                kind: CheckKind::Dropped { column: None },
                sql: format!("SELECT COUNT(*) FROM {}", d.quote(&table.name)),
                lossy: None,
            }),
            _ => {}
        }
    }
    out
}

/// How the tables a new foreign key may point at are called before the plan runs.
struct Parents<'a> {
    /// Tables the plan creates: they have no rows yet.
    created: HashSet<&'a str>,
    /// new table name -> live name
    renamed: HashMap<&'a str, &'a str>,
    /// (new table name, new column name) -> live column name
    columns: HashMap<(&'a str, &'a str), &'a str>,
}

impl<'a> Parents<'a> {
    fn of(steps: &'a [Step]) -> Parents<'a> {
        let mut out = Parents {
            created: HashSet::new(),
            renamed: HashMap::new(),
            columns: HashMap::new(),
        };
        for step in steps {
            match &step.change {
                Change::CreateTable { table } => {
                    out.created.insert(&table.name);
                }
                Change::RenameTable { from, to } => {
                    out.renamed.insert(to, from);
                }
                Change::AlterTable { to, changes, .. } => {
                    for c in changes {
                        if let TableChange::RenameColumn { from, to: new } = c {
                            out.columns.insert((&to.name, new), from);
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// The parent of `fk` in live names, or `None` when the plan creates it.
    fn live(&self, fk: &ForeignKey) -> Option<(String, Vec<String>)> {
        let table = fk.ref_table.as_str();
        if self.created.contains(table) {
            return None;
        }
        let columns = fk
            .ref_columns
            .iter()
            .map(|c| {
                self.columns
                    .get(&(table, c.as_str()))
                    .map_or_else(|| c.clone(), |l| l.to_string())
            })
            .collect();
        Some((
            self.renamed.get(table).unwrap_or(&table).to_string(),
            columns,
        ))
    }
}

fn table_checks(
    step: usize,
    from: &Table,
    table: &str,
    changes: &[TableChange],
    parents: &Parents<'_>,
    d: &dyn SqlDialect,
    out: &mut Vec<Check>,
) {
    let q = |s: &str| d.quote(s);
    let count =
        |condition: &str| format!("SELECT COUNT(*) FROM {} WHERE {condition}", q(&from.name));
    // desired column name -> live column name
    let mut live: HashMap<&str, &str> = from
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.name.as_str()))
        .collect();
    for c in changes {
        if let TableChange::RenameColumn { from, to } = c {
            live.remove(from.as_str());
            live.insert(to, from);
        }
    }
    // A statement refused for the rows it meets after an earlier one committed leaves the
    // plan half done (MySQL commits statement by statement; PostgreSQL validates new checks
    // after the commit); so the rows are also counted as they will be, a new column holding
    // what every existing row gets: its literal default, or NULL. Not for a new column whose
    // value is computed per row (an auto-increment, an SQL default).
    let added: HashMap<&str, Option<String>> = changes
        .iter()
        .filter_map(|c| match c {
            TableChange::AddColumn(a) => {
                let value = match &a.default {
                    _ if a.is_computed() => None,
                    None if a.nullable => Some("NULL".to_string()),
                    Some(v) if !matches!(v, DefaultValue::Sql(_)) => Some(d.default_sql(v, &a.ty)),
                    _ => None,
                };
                Some((a.name.as_str(), value))
            }
            _ => None,
        })
        .collect();
    // The new columns' types, by name.
    let new_types: HashMap<&str, &Type> = changes
        .iter()
        .filter_map(|c| match c {
            TableChange::AddColumn(a) => Some((a.name.as_str(), &a.ty)),
            _ => None,
        })
        .collect();
    // The columns whose NULLs are set to their new default first, by desired name, with
    // the default's SQL: they hold it where they held NULL.
    let filled: HashMap<&str, String> = changes
        .iter()
        .filter_map(|c| match c {
            TableChange::AlterColumn {
                to,
                fill_nulls: true,
                ..
            } => to
                .default
                .as_ref()
                .map(|v| (to.name.as_str(), d.default_sql(v, &to.ty))),
            _ => None,
        })
        .collect();
    // The columns whose type changes, by desired name, with their new type.
    let retyped: HashMap<&str, &Type> = changes
        .iter()
        .filter_map(|c| match c {
            TableChange::AlterColumn { from, to, .. } if from.ty != to.ty => {
                Some((to.name.as_str(), &to.ty))
            }
            _ => None,
        })
        .collect();
    // An enum's values compare as text; its type may not exist before the plan runs
    // (PostgreSQL's `CREATE TYPE` comes with it).
    let as_cast = |ty: &Type| match ty {
        Type::Enum { .. } => Type::Text,
        other => other.clone(),
    };
    // The rows of the table as changed, for `columns` (desired names): a derived table over
    // the live one, or `None` when a column's values are not known before it exists.
    let changed_rows = |columns: &[&str]| -> Option<String> {
        // The default fills the NULLs of the value in its new type.
        let filling = |c: &str, value: String| match filled.get(c) {
            Some(default) => format!("COALESCE({value}, {default})"),
            None => value,
        };
        let select = columns
            .iter()
            .map(|c| match (live.get(c), added.get(c), retyped.get(c)) {
                (Some(l), _, Some(ty)) => {
                    // Where the database has no cast to say it (SQLite), a filled column's
                    // values are counted as stored, with the default where they are NULL.
                    let cast = d
                        .cast_sql(&q(l), &as_cast(ty))
                        .or_else(|| filled.contains_key(c).then(|| q(l)))?;
                    Some(format!("{} AS {}", filling(c, cast), q(c)))
                }
                (Some(l), _, None) => Some(format!("{} AS {}", filling(c, q(l)), q(c))),
                // Typed where the dialect can say so: PostgreSQL reads a bare NULL as text.
                (None, Some(Some(value)), _) => {
                    let ty = new_types.get(c).copied();
                    let value = ty
                        .and_then(|ty| d.cast_sql(value, &as_cast(ty)))
                        .unwrap_or_else(|| value.clone());
                    Some(format!("{value} AS {}", q(c)))
                }
                _ => None,
            })
            .collect::<Option<Vec<String>>>()?;
        Some(format!(
            "(SELECT {} FROM {}) AS changed",
            select.join(", "),
            q(&from.name)
        ))
    };
    // `SELECT COUNT(*)` of the groups of duplicate values of `columns` (desired names), or
    // `None` when one of them has no known value before it exists.
    // `prefixes`: the characters of each column that a MySQL index holds (empty: whole).
    let duplicates = |columns: &[String], prefixes: &[Option<u32>]| -> Option<String> {
        let as_they_are = !columns.iter().any(|c| filled.contains_key(c.as_str()));
        let (source, cols) = match columns
            .iter()
            .map(|c| live.get(c.as_str()).map(|l| q(l)))
            .collect::<Option<Vec<String>>>()
            .filter(|_| as_they_are)
        {
            Some(cols) => (q(&from.name), cols),
            None => {
                let names: Vec<&str> = columns.iter().map(String::as_str).collect();
                (changed_rows(&names)?, names.iter().map(|c| q(c)).collect())
            }
        };
        let not_null: Vec<String> = cols.iter().map(|c| format!("{c} IS NOT NULL")).collect();
        let cols: Vec<String> = (cols.into_iter().enumerate())
            .map(|(k, c)| match prefixes.get(k).copied().flatten() {
                Some(n) => format!("LEFT({c}, {n})"),
                None => c,
            })
            .collect();
        Some(format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM {source} WHERE {} GROUP BY {} HAVING COUNT(*) > 1) AS duplicates",
            not_null.join(" AND "),
            cols.join(", ")
        ))
    };
    let mut push = |kind: CheckKind, sql: String, lossy: Option<Lossy>| {
        out.push(Check {
            step,
            table: table.to_string(),
            kind,
            sql,
            lossy,
        })
    };
    for change in changes {
        match change {
            // A generated column's values are its expression's: nothing to lose.
            TableChange::DropColumn(c) if c.generated.is_none() => push(
                CheckKind::Dropped {
                    column: Some(c.name.clone()),
                },
                count(&format!("{} IS NOT NULL", q(&c.name))),
                None,
            ),
            TableChange::AddColumn(c) if !c.nullable && c.default.is_none() && !c.is_computed() => {
                push(
                    CheckKind::NewNotNullColumn {
                        column: c.name.clone(),
                    },
                    count("1 = 1"),
                    None,
                );
            }
            TableChange::AlterColumn {
                from: old,
                to,
                fill_nulls,
            } => {
                if old.nullable && !to.nullable && to.default.is_none() && to.generated.is_none() {
                    push(
                        CheckKind::NullsIntoNotNull {
                            column: to.name.clone(),
                        },
                        count(&format!("{} IS NULL", q(&old.name))),
                        None,
                    );
                }
                if let Some(condition) = crate::dialect::column_data_effect(d, old, to).lossy() {
                    let lossy = Lossy {
                        table: q(&from.name),
                        condition: condition.to_string(),
                        text: d.text_sql(&q(&old.name)),
                    };
                    push(
                        CheckKind::ValuesWouldNotFit {
                            column: to.name.clone(),
                            from: old.ty.clone(),
                            to: to.ty.clone(),
                        },
                        lossy.count_sql(),
                        Some(lossy),
                    );
                }
                // A kept unique index over a column whose NULLs become its default: those rows
                // all get one value (MySQL would fail the `UPDATE` after earlier statements).
                if *fill_nulls {
                    let dropped = |name: &str| {
                        changes
                            .iter()
                            .any(|c| matches!(c, TableChange::DropIndex(i) if i.name == name))
                    };
                    let desired_name = |l: &String| {
                        live.iter()
                            .find(|(_, have)| **have == l.as_str())
                            .map(|(want, _)| want.to_string())
                    };
                    for index in &from.indexes {
                        let kept = index.unique
                            && index.predicate.is_none()
                            && index.expressions.is_empty()
                            && !dropped(&index.name);
                        let columns: Option<Vec<String>> =
                            index.columns.iter().map(desired_name).collect();
                        let Some(columns) = columns.filter(|c| kept && c.contains(&to.name)) else {
                            continue;
                        };
                        if let Some(sql) = duplicates(&columns, &index.prefixes) {
                            push(
                                CheckKind::FilledDuplicates {
                                    column: to.name.clone(),
                                    index: index.name.clone(),
                                },
                                sql,
                                None,
                            );
                        }
                    }
                }
            }
            // Over an expression, the statement itself reports duplicates (and fails whole).
            TableChange::CreateIndex(index)
                if index.unique && index.predicate.is_none() && index.expressions.is_empty() =>
            {
                // A new column: the statement itself reports duplicates.
                if let Some(sql) = duplicates(&index.columns, &index.prefixes) {
                    push(
                        CheckKind::Duplicates {
                            index: index.name.clone(),
                        },
                        sql,
                        None,
                    );
                }
            }
            TableChange::AlterPrimaryKey { to, .. } if !to.is_empty() => {
                if let Some(sql) = duplicates(to, &[]) {
                    push(
                        CheckKind::KeyDuplicates {
                            columns: to.clone(),
                        },
                        sql,
                        None,
                    );
                }
            }
            TableChange::AddForeignKey(fk) => {
                let Some(cols) = fk
                    .columns
                    .iter()
                    .map(|c| live.get(c.as_str()).map(|l| q(l)))
                    .collect::<Option<Vec<String>>>()
                else {
                    continue; // a new column holds only its default
                };
                let present: Vec<String> =
                    cols.iter().map(|c| format!("c.{c} IS NOT NULL")).collect();
                let orphan = match parents.live(fk) {
                    Some((parent, ref_cols)) => {
                        let joins: Vec<String> = cols
                            .iter()
                            .zip(&ref_cols)
                            .map(|(c, r)| format!("p.{} = c.{c}", q(r)))
                            .collect();
                        format!(
                            " AND NOT EXISTS (SELECT 1 FROM {} AS p WHERE {})",
                            q(&parent),
                            joins.join(" AND ")
                        )
                    }
                    None => String::new(),
                };
                push(
                    CheckKind::Orphans {
                        key: fk.name.clone(),
                        parent: fk.ref_table.clone(),
                    },
                    format!(
                        "SELECT COUNT(*) FROM {} AS c WHERE {}{orphan}",
                        q(&from.name),
                        present.join(" AND ")
                    ),
                    None,
                );
            }
            // A check over columns that keep their names and types reads the same on the
            // live table. Over a column that changes type, the count would ask another
            // question (PostgreSQL refuses `text >= integer`); where DDL is transactional
            // the server checks the rows itself when it adds the check, inside the
            // transaction (PostgreSQL validates such a check there, not after the commit),
            // and a refusal there changes nothing. Where it is not (MySQL), the live values
            // are counted cast to the new type: the type change keeps them, or preflight's
            // value check refuses it first. Over a new column, the rows as changed are
            // counted (above).
            TableChange::AddCheck(check)
                if !d.transactional_ddl()
                    || !crate::dialect::retypes_a_column_of(&check.expr, changes) =>
            {
                let new_columns: Vec<&str> = changes
                    .iter()
                    .filter_map(|c| match c {
                        TableChange::AddColumn(a) => Some(a.name.as_str()),
                        _ => None,
                    })
                    .collect();
                let mentioned: Vec<&str> = live
                    .keys()
                    .chain(&new_columns)
                    .copied()
                    .filter(|c| crate::dialect::mentions(&check.expr, c))
                    .collect();
                let unchanged = mentioned.iter().all(|c| {
                    live.get(c) == Some(c) && !retyped.contains_key(c) && !new_columns.contains(c)
                });
                let sql = if unchanged {
                    count(&format!("NOT ({})", check.expr))
                } else {
                    match changed_rows(&mentioned) {
                        Some(rows) if !mentioned.is_empty() => {
                            format!("SELECT COUNT(*) FROM {rows} WHERE NOT ({})", check.expr)
                        }
                        _ => continue,
                    }
                };
                push(
                    CheckKind::CheckViolated {
                        check: check.name.clone(),
                    },
                    sql,
                    None,
                );
            }
            _ => {}
        }
    }
}
