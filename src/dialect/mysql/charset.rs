//! Character sets and collations as a table inherits them from its database and a column
//! from its table: one rule, used on both sides (the catalog's values and the schema's), that
//! shows each only where it differs from what would be inherited.

use std::collections::HashMap;

use super::DatabaseDefaults;

/// Character sets by one name: `utf8` is `utf8mb3` (MySQL 8.0.30+ and MariaDB 10.6+ report
/// the new name), in charset and collation names alike.
pub fn charset_name(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    match lower.strip_prefix("utf8") {
        Some("") => "utf8mb3".into(),
        Some(rest) if rest.starts_with('_') => format!("utf8mb3{rest}"),
        _ => lower,
    }
}

/// What a table inherits from its database, or a column from its table: a character set
/// and its collation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inherited {
    pub charset: String,
    pub collation: String,
}

impl Inherited {
    /// What a table of `database` gets when it names no charset or collation.
    pub fn database(database: &DatabaseDefaults) -> Inherited {
        Inherited {
            charset: charset_name(&database.charset),
            collation: charset_name(&database.collation),
        }
    }

    /// A child's charset and collation as written (either may be missing) in canonical
    /// form: each only where it differs from what the child would get without it. Returns
    /// (charset, collation, what the child has). One rule for both sides: the catalog's
    /// values and the schema's. `defaults` is each charset's default collation.
    pub fn child(
        &self,
        charset: Option<&str>,
        collation: Option<&str>,
        defaults: &HashMap<String, String>,
    ) -> (Option<String>, Option<String>, Inherited) {
        let collation = collation.map(charset_name);
        let charset = charset
            .map(charset_name)
            .or_else(|| collation.as_deref().map(charset_of))
            .unwrap_or_else(|| self.charset.clone());
        let expected = if charset == self.charset {
            self.collation.clone()
        } else {
            defaults
                .get(&charset)
                .map(|c| charset_name(c))
                .unwrap_or_default()
        };
        let collation = collation.unwrap_or_else(|| expected.clone());
        let shown_charset = (charset != self.charset).then(|| charset.clone());
        let shown_collation = (collation != expected).then(|| collation.clone());
        (
            shown_charset,
            shown_collation,
            Inherited { charset, collation },
        )
    }
}

/// The character set a collation belongs to (`utf8mb4_0900_ai_ci`: `utf8mb4`).
fn charset_of(collation: &str) -> String {
    collation.split('_').next().unwrap_or(collation).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charsets_are_shown_only_where_they_differ_from_what_is_inherited() {
        let defaults: HashMap<String, String> = [
            ("utf8mb4", "utf8mb4_general_ci"),
            ("latin1", "latin1_swedish_ci"),
            ("utf8mb3", "utf8mb3_general_ci"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let db = Inherited {
            charset: "utf8mb4".into(),
            collation: "utf8mb4_general_ci".into(),
        };
        let none = (None, None);
        let shown = |c: Option<&str>, k: Option<&str>| {
            let (a, b, _) = db.child(c, k, &defaults);
            (a, b)
        };
        assert_eq!(shown(None, Some("utf8mb4_general_ci")), none);
        assert_eq!(shown(Some("utf8mb4"), None), none);
        assert_eq!(
            shown(Some("latin1"), Some("latin1_swedish_ci")),
            (Some("latin1".into()), None)
        );
        assert_eq!(
            shown(None, Some("latin1_swedish_ci")),
            (Some("latin1".into()), None)
        );
        assert_eq!(
            shown(None, Some("utf8mb4_unicode_ci")),
            (None, Some("utf8mb4_unicode_ci".into()))
        );
        assert_eq!(shown(Some("utf8"), None), (Some("utf8mb3".into()), None));
    }
}
