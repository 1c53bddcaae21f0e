//! Runs the plan's data checks ([`crate::plan::preflight`]) on a live connection, before any
//! statement. Where evaluating a value check's condition itself can fail on a value
//! (PostgreSQL's casts raise), the driver counts such a value as lost
//! ([`Connection::count_lossy`]).

use super::connection::Connection;
use crate::error::Error;
use crate::plan::preflight::{Check, Finding, SAMPLE_CHARS};

/// Runs `checks` on `conn`; every check gets a finding, zero rows included. A value check
/// that finds rows also fetches one of the values (a second query, only then).
pub async fn run<C: Connection>(conn: &mut C, checks: &[Check]) -> Result<Vec<Finding>, Error> {
    let mut out = Vec::with_capacity(checks.len());
    for check in checks {
        let (rows, sample) = match &check.lossy {
            Some(lossy) => conn.count_lossy(lossy).await?,
            None => (conn.count(&check.sql).await?, None),
        };
        out.push(Finding {
            check: check.clone(),
            rows,
            sample: sample.map(|s| shorten(&s)),
        });
    }
    Ok(out)
}

/// `s` cut to [`SAMPLE_CHARS`] characters, with `...` when cut.
fn shorten(s: &str) -> String {
    match s.char_indices().nth(SAMPLE_CHARS) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}
