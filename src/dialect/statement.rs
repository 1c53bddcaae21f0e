//! A statement and the facts of how it runs: when (with the plan's other statements, or
//! after the commit), whether a failure rolls it back, the lock it takes, whether it
//! rewrites or scans its table, and how big that table is. A dialect returns these from one
//! call ([`super::SqlDialect::statements`]); the orchestrator runs the phases, the plan
//! prints the facts, and the policy reads them. A new fact costs one dialect file.

use serde::Serialize;

/// One statement of a plan, with its facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    pub sql: String,
    pub phase: Phase,
    /// Whether a failure of the plan rolls it back (it runs inside the plan's transaction).
    pub transactional: bool,
    pub lock: Lock,
    pub rewrites: Rewrite,
    /// Whether it reads every row of its table (an index build, a validation, an `UPDATE`).
    pub scans: bool,
    /// The existing table it works on, whose size [`Statement::estimate`] is; `None` for a
    /// table the plan creates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// The table's size from the catalog, filled in by a live plan (`None` offline).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimate: Option<Estimate>,
}

/// When a statement runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Before the plan's transaction, one at a time, each committed as it runs
    /// (PostgreSQL's `ALTER TYPE ... ADD VALUE`, whose value the transaction could not
    /// use before a commit).
    BeforeTransaction,
    /// With the plan's statements, in order: inside the transaction where DDL is
    /// transactional, else one at a time.
    Main,
    /// After the transaction commits, one at a time, in plan order (PostgreSQL's
    /// `CREATE INDEX CONCURRENTLY` and `VALIDATE CONSTRAINT`, which must not hold the
    /// transaction's locks).
    AfterCommit,
}

/// The lock a statement takes, in the database's words, and what it keeps others from doing
/// while it holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Lock {
    /// `ACCESS EXCLUSIVE`, `LOCK=NONE`, `write lock`.
    pub name: &'static str,
    pub blocks: Blocks,
}

/// What other sessions cannot do while a lock is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Blocks {
    Nothing,
    Writes,
    ReadsAndWrites,
}

/// Whether a statement moves the table's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rewrite {
    /// The rows stay where they are (the catalog changes, or an index is built beside them).
    No,
    /// The server rewrites the table, rows and indexes (MySQL's table copy or rebuild,
    /// PostgreSQL's rewrite).
    Table,
    /// The statements create a new table, copy the rows and drop the old one (SQLite's
    /// rebuild): what the model cannot describe on the table would be lost.
    Recreate,
}

/// A table's size as the catalog estimates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Estimate {
    /// `None` where the catalog has no figure yet (a PostgreSQL table never analyzed).
    pub rows: Option<u64>,
    pub bytes: Option<u64>,
}

impl Lock {
    /// A lock that keeps nobody out.
    pub const fn none(name: &'static str) -> Lock {
        Lock {
            name,
            blocks: Blocks::Nothing,
        }
    }

    /// A lock that keeps writers out.
    pub const fn writes(name: &'static str) -> Lock {
        Lock {
            name,
            blocks: Blocks::Writes,
        }
    }

    /// A lock that keeps readers and writers out.
    pub const fn all(name: &'static str) -> Lock {
        Lock {
            name,
            blocks: Blocks::ReadsAndWrites,
        }
    }
}

impl Statement {
    /// `sql` on `table` (existing, or `None`), in the main phase, taking `lock`, moving no
    /// rows and scanning none; the builder methods below add what else is true.
    pub fn new(sql: impl Into<String>, table: Option<&str>, lock: Lock) -> Statement {
        Statement {
            sql: sql.into(),
            phase: Phase::Main,
            transactional: false,
            lock,
            rewrites: Rewrite::No,
            scans: false,
            table: table.map(str::to_string),
            estimate: None,
        }
    }

    /// Runs inside the plan's transaction.
    pub fn transactional(mut self, yes: bool) -> Statement {
        self.transactional = yes;
        self
    }

    /// Rewrites the table as `rewrite` says.
    pub fn rewrites(mut self, rewrite: Rewrite) -> Statement {
        self.rewrites = rewrite;
        self
    }

    /// Reads every row of the table.
    pub fn scans(mut self, yes: bool) -> Statement {
        self.scans = yes;
        self
    }

    /// Runs before the plan's transaction, committed on its own.
    pub fn before_transaction(mut self) -> Statement {
        self.phase = Phase::BeforeTransaction;
        self.transactional = false;
        self
    }

    /// Runs after the commit, outside any transaction.
    pub fn after_commit(mut self) -> Statement {
        self.phase = Phase::AfterCommit;
        self.transactional = false;
        self
    }

    /// Whether it holds a lock that blocks writers for as long as it works through the
    /// table's rows: what a production policy refuses on a big table.
    pub fn blocks_writes_while_working(&self) -> bool {
        self.lock.blocks >= Blocks::Writes && (self.rewrites != Rewrite::No || self.scans)
    }

    /// How it runs, for people: `instant`, `scans the table, writes allowed`, `copies the
    /// table (about 1.2 M rows, 340 MB), writes blocked`.
    pub fn cost(&self) -> String {
        let work = match (self.rewrites, self.scans) {
            (Rewrite::No, false) => "catalog only".to_string(),
            (Rewrite::No, true) => "reads the table".to_string(),
            (Rewrite::Table, _) => "rewrites the table".to_string(),
            (Rewrite::Recreate, _) => "recreates the table".to_string(),
        };
        let working = self.rewrites != Rewrite::No || self.scans;
        // The table's size matters where the statement works through its rows.
        let size = match (working, self.estimate) {
            (true, Some(e)) => e.text(),
            _ => String::new(),
        };
        let blocked = match (self.lock.blocks, working) {
            (Blocks::Nothing, _) => "reads and writes allowed",
            (Blocks::Writes, true) => "writes blocked",
            (Blocks::Writes, false) => "blocks writes briefly",
            (Blocks::ReadsAndWrites, true) => "reads and writes blocked",
            (Blocks::ReadsAndWrites, false) => "blocks reads and writes briefly",
        };
        format!("{}: {work}{size}, {blocked}", self.lock.name)
    }
}

impl Estimate {
    /// An estimate from the catalog's signed figures (a negative or missing one is unknown).
    pub fn from_catalog(rows: Option<i64>, bytes: Option<i64>) -> Estimate {
        Estimate {
            rows: rows.and_then(|r| u64::try_from(r).ok()),
            bytes: bytes.and_then(|b| u64::try_from(b).ok()),
        }
    }

    /// ` (about 1.2 M rows, 340 MB)`, ` (about 16.4 kB)`, or nothing without figures.
    fn text(&self) -> String {
        let parts: Vec<String> = [
            self.rows.map(|r| format!("{} rows", short(r as f64, ""))),
            self.bytes.map(|b| short(b as f64, "B")),
        ]
        .into_iter()
        .flatten()
        .collect();
        if parts.is_empty() {
            String::new()
        } else {
            format!(" (about {})", parts.join(", "))
        }
    }
}

/// `1.2 M`, `340 MB`, `12`: a count or size in three significant figures at most.
fn short(n: f64, unit: &str) -> String {
    let (scaled, prefix) = [(1e9, "G"), (1e6, "M"), (1e3, "k")]
        .into_iter()
        .find(|(f, _)| n >= *f)
        .map(|(f, p)| (n / f, p))
        .unwrap_or((n, ""));
    let number = if prefix.is_empty() || scaled >= 100.0 {
        format!("{scaled:.0}")
    } else {
        format!("{scaled:.1}")
    };
    match (prefix, unit) {
        ("", "") => number,
        _ => format!("{number} {prefix}{unit}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_read_as_the_plan_prints_them() {
        let copy = Statement {
            estimate: Some(Estimate {
                rows: Some(1_234_567),
                bytes: Some(340_000_000),
            }),
            ..Statement::new("ALTER TABLE t ...", Some("t"), Lock::writes("LOCK=SHARED"))
                .rewrites(Rewrite::Table)
        };
        assert_eq!(
            copy.cost(),
            "LOCK=SHARED: rewrites the table (about 1.2 M rows, 340 MB), writes blocked"
        );
        assert!(copy.blocks_writes_while_working());
        let brief = Statement::new(
            "ALTER TABLE t ADD c int",
            Some("t"),
            Lock::all("ACCESS EXCLUSIVE"),
        );
        assert_eq!(
            brief.cost(),
            "ACCESS EXCLUSIVE: catalog only, blocks reads and writes briefly"
        );
        assert!(!brief.blocks_writes_while_working());
        assert_eq!(short(12.0, ""), "12");
        assert_eq!(short(999.0, "B"), "999 B");
        assert_eq!(short(150_000.0, ""), "150 k");
    }
}
