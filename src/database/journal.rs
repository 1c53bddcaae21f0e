//! Where DDL is not transactional (MySQL commits every statement), the journal records what
//! ran, so that a failure reports exactly what is committed, what failed and what is left,
//! and a second apply can finish from wherever the first stopped.

use crate::error::{DriverError, Error};
use crate::plan::Plan;

/// The statements of a plan as they run.
#[derive(Debug, Default)]
pub struct Journal {
    applied: Vec<String>,
}

impl Journal {
    /// Records that `sql` ran and is committed.
    pub fn ran(&mut self, sql: &str) {
        self.applied.push(sql.to_string());
    }

    /// The error for `plan` stopping at statement `index` (0-based) with `source`.
    pub fn failed(self, plan: &Plan, index: usize, source: DriverError) -> Error {
        let all: Vec<_> = plan.statements().collect();
        let (step, statement) = all[index];
        Error::PartiallyApplied {
            applied: self.applied,
            change: plan.steps[step].change.describe(),
            sql: statement.sql.clone(),
            pending: all[index + 1..]
                .iter()
                .map(|(_, s)| s.sql.clone())
                .collect(),
            source,
        }
    }
}
