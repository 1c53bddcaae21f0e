//! A value check's query: the values of one live column that a change would not keep.
//! The dialect spells the condition ([`super::SqlDialect::data_effect`]); the plan's
//! preflight ([`crate::plan::preflight`]) carries it; a driver counts it
//! ([`crate::database::Connection::count_lossy`]).

/// The values of one live column that would not survive a change of its definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lossy {
    /// The live table, quoted.
    pub table: String,
    /// An SQL condition over the live row, true for a value that would not survive.
    pub condition: String,
    /// The column's value as text, for the sample.
    pub text: String,
}

impl Lossy {
    /// `SELECT COUNT(*)` of the rows whose value would not survive.
    pub fn count_sql(&self) -> String {
        format!(
            "SELECT COUNT(*) FROM {} WHERE {}",
            self.table, self.condition
        )
    }

    /// One of those values, as text.
    pub fn sample_sql(&self) -> String {
        format!(
            "SELECT {} FROM {} WHERE {} LIMIT 1",
            self.text, self.table, self.condition
        )
    }
}
