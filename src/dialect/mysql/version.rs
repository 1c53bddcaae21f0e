//! The MySQL family's server quirks as named predicates, in one place. A live driver builds
//! [`Server`] from `SELECT VERSION()`; offline plans use [`Server::OFFLINE`], whose SQL both
//! MySQL 8.0.19+ and MariaDB 10.5+ accept.

use std::fmt;

/// Which server of the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Mysql,
    Mariadb,
}

/// A server flavor and its `major.minor.patch` version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Server {
    pub flavor: Flavor,
    pub version: (u32, u32, u32),
}

impl Server {
    /// The server offline plans are written for.
    pub const OFFLINE: Server = Server {
        flavor: Flavor::Mysql,
        version: (8, 0, 19),
    };

    /// Reads `SELECT VERSION()`: `10.11.6-MariaDB-0+deb12u1`, `8.0.36`, `9.7.4`.
    pub fn parse(version: &str) -> Option<Server> {
        let flavor = if version.to_ascii_lowercase().contains("mariadb") {
            Flavor::Mariadb
        } else {
            Flavor::Mysql
        };
        let numbers = version.split(['-', '+', ' ']).next()?;
        let mut parts = numbers.split('.').map(|p| p.parse::<u32>().ok());
        let major = parts.next()??;
        let minor = parts.next().flatten().unwrap_or(0);
        let patch = parts.next().flatten().unwrap_or(0);
        Some(Server {
            flavor,
            version: (major, minor, patch),
        })
    }

    fn at_least(&self, flavor: Flavor, version: (u32, u32, u32)) -> bool {
        self.flavor == flavor && self.version >= version
    }

    /// `ALTER TABLE ... RENAME COLUMN` (MariaDB 10.5, MySQL 8.0).
    pub fn supports_rename_column(&self) -> bool {
        self.at_least(Flavor::Mariadb, (10, 5, 2)) || self.at_least(Flavor::Mysql, (8, 0, 0))
    }

    /// `ALTER TABLE ... RENAME INDEX` (MariaDB 10.5.2, MySQL 5.7).
    pub fn supports_rename_index(&self) -> bool {
        self.at_least(Flavor::Mariadb, (10, 5, 2)) || self.at_least(Flavor::Mysql, (5, 7, 0))
    }

    /// `DROP COLUMN` with `ALGORITHM=INSTANT` (MariaDB 10.4, MySQL 8.0.29), for a column in
    /// no index.
    pub fn instant_drop_column(&self) -> bool {
        self.at_least(Flavor::Mariadb, (10, 4, 0)) || self.at_least(Flavor::Mysql, (8, 0, 29))
    }

    /// How many row versions instant `ADD`/`DROP COLUMN`s may leave on a table before the
    /// server refuses another (ERROR 4092, "Maximum row versions reached"): 64 on MySQL
    /// 8.0.29 to 9.0, 255 from 9.1 (probed on 9.7.4: the 256th instant `ALTER` fails);
    /// `None` where there is no such cap (MariaDB, older MySQL).
    pub fn instant_row_versions_limit(&self) -> Option<u32> {
        if self.at_least(Flavor::Mysql, (9, 1, 0)) {
            Some(255)
        } else if self.at_least(Flavor::Mysql, (8, 0, 29)) {
            Some(64)
        } else {
            None
        }
    }

    /// `RENAME COLUMN` with `ALGORITHM=INSTANT` (MariaDB 10.5.2, where `RENAME COLUMN`
    /// came; MySQL 8.0.28).
    pub fn instant_rename_column(&self) -> bool {
        self.at_least(Flavor::Mariadb, (10, 5, 2)) || self.at_least(Flavor::Mysql, (8, 0, 28))
    }

    /// CHECK constraints are enforced rather than parsed and ignored (MariaDB 10.2.1,
    /// MySQL 8.0.16).
    pub fn checks_enforced(&self) -> bool {
        self.at_least(Flavor::Mariadb, (10, 2, 1)) || self.at_least(Flavor::Mysql, (8, 0, 16))
    }

    /// `JSON` is an alias of `LONGTEXT` with a `json_valid` check (MariaDB).
    pub fn json_is_longtext(&self) -> bool {
        self.flavor == Flavor::Mariadb
    }

    /// Expression defaults such as `DEFAULT (uuid())` (MariaDB 10.2.1, MySQL 8.0.13).
    pub fn default_expressions_allowed(&self) -> bool {
        self.at_least(Flavor::Mariadb, (10, 2, 1)) || self.at_least(Flavor::Mysql, (8, 0, 13))
    }

    /// The catalog reports integer display widths, `int(11)` (MariaDB; MySQL before 8.0.19).
    pub fn reports_integer_widths(&self) -> bool {
        self.flavor == Flavor::Mariadb || self.version < (8, 0, 19)
    }

    /// The catalog's SQL text (expression defaults in `COLUMN_DEFAULT`, `CHECK_CLAUSE`) has
    /// every quote and backslash escaped with a backslash: `(`s` <> _utf8mb4\'x\')` (MySQL 8,
    /// seen on 9.7.4; MariaDB stores the text as written).
    pub fn escapes_catalog_sql(&self) -> bool {
        self.flavor == Flavor::Mysql
    }

    /// Whether a generated column can be NOT NULL: MySQL's can; MariaDB takes neither `NULL`
    /// nor `NOT NULL` after `GENERATED ALWAYS AS (...)` (seen on 10.11). An offline plan is
    /// written for both servers, so in MariaDB's form.
    pub fn generated_not_null(&self) -> bool {
        self.flavor == Flavor::Mysql && *self != Server::OFFLINE
    }

    /// A string default reads back quoted, `'abc'`, from `COLUMN_DEFAULT` (MariaDB 10.2.7+).
    pub fn quotes_string_defaults(&self) -> bool {
        self.at_least(Flavor::Mariadb, (10, 2, 7))
    }
}

impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (a, b, c) = self.version;
        let name = match self.flavor {
            Flavor::Mysql => "MySQL",
            Flavor::Mariadb => "MariaDB",
        };
        write!(f, "{name} {a}.{b}.{c}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_as_servers_report_them() {
        let maria = Server::parse("10.11.6-MariaDB-0+deb12u1").unwrap();
        assert_eq!(
            (maria.flavor, maria.version),
            (Flavor::Mariadb, (10, 11, 6))
        );
        assert!(maria.supports_rename_column() && maria.json_is_longtext());
        assert!(maria.reports_integer_widths() && maria.quotes_string_defaults());
        let mysql = Server::parse("9.7.4").unwrap();
        assert_eq!((mysql.flavor, mysql.version), (Flavor::Mysql, (9, 7, 4)));
        assert!(!mysql.json_is_longtext() && !mysql.reports_integer_widths());
        let old = Server::parse("8.0.18-log").unwrap();
        assert!(old.reports_integer_widths() && old.checks_enforced());
        assert!(
            !Server::parse("10.4.1-MariaDB")
                .unwrap()
                .supports_rename_column()
        );
        assert_eq!(Server::parse("garbage"), None);
    }
}
