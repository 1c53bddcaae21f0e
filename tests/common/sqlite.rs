//! SQLite files for tests: run SQL on one, read rows back as text.

use std::path::Path;

use sqlx::{AssertSqlSafe, Connection, Row};

use super::live::block_on as block;

/// Runs the statements of `sql` on the file at `path`, creating it if missing.
pub fn exec(path: &Path, sql: &str) {
    block(async {
        let mut c =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", path.display()))
                .await
                .unwrap();
        sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
            .execute(&mut c)
            .await
            .unwrap_or_else(|e| panic!("{e}\n{sql}"));
    })
}

/// Every row of `query`, columns joined with `|`, NULL as `NULL`.
pub fn rows(path: &Path, query: &str) -> Vec<String> {
    block(async {
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        let rows = sqlx::query(AssertSqlSafe(query.to_string()))
            .fetch_all(&mut c)
            .await
            .unwrap_or_else(|e| panic!("{e}\n{query}"));
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| text(r, i))
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect()
    })
}

/// One value as text, whatever its storage class.
pub fn text(row: &sqlx::sqlite::SqliteRow, i: usize) -> String {
    if let Ok(v) = row.try_get::<Option<String>, _>(i) {
        return v.unwrap_or_else(|| "NULL".into());
    }
    if let Ok(v) = row.try_get::<i64, _>(i) {
        return v.to_string();
    }
    row.try_get::<f64, _>(i)
        .map_or_else(|_| "?".into(), |v| v.to_string())
}

/// The schema of the file: every `sqlite_schema` row, to compare before and after.
pub fn schema(path: &Path) -> Vec<String> {
    rows(
        path,
        "SELECT type, name, sql FROM sqlite_schema ORDER BY type, name",
    )
}
