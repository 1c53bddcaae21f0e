//! Which database family a schema, an environment or a plan is for. It lives with the model,
//! which names a dialect (`column ... mysql { ... }`); what a dialect *does* lives in
//! [`crate::dialect`], which re-exports this enum.

use std::fmt;

/// A database family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    Sqlite,
    Mysql,
    Postgres,
}

impl Dialect {
    /// Every dialect, in a fixed order.
    pub const ALL: [Dialect; 3] = [Dialect::Sqlite, Dialect::Mysql, Dialect::Postgres];

    /// The dialect called `name` in `schema.kdl` hints and on the command line.
    pub fn from_name(name: &str) -> Option<Dialect> {
        Dialect::ALL.into_iter().find(|d| d.name() == name)
    }

    /// The dialect a URL scheme names (`mariadb` and `postgresql` are aliases).
    pub fn from_scheme(scheme: &str) -> Option<Dialect> {
        match scheme {
            "sqlite" => Some(Dialect::Sqlite),
            "mysql" | "mariadb" => Some(Dialect::Mysql),
            "postgres" | "postgresql" => Some(Dialect::Postgres),
            _ => None,
        }
    }

    /// The lower-case name used in hints, flags and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Mysql => "mysql",
            Dialect::Postgres => "postgres",
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
