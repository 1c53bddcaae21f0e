//! Deterministic names for indexes and foreign keys that the user did not name.

/// The longest generated name; past it, names are shortened with a hash.
const MAX_NAME: usize = 63;
/// How many bytes of a long name are kept before `_` and the hash.
const KEPT: usize = 54;

/// `ix_<table>_<cols>` or, for a unique index, `uq_<table>_<cols>`.
pub fn index_name(table: &str, columns: &[String], unique: bool) -> String {
    let prefix = if unique { "uq" } else { "ix" };
    generated(prefix, table, columns, None)
}

/// `fk_<table>_<cols>_<reftable>`.
pub fn fk_name(table: &str, columns: &[String], ref_table: &str) -> String {
    generated("fk", table, columns, Some(ref_table))
}

fn generated(prefix: &str, table: &str, columns: &[String], suffix: Option<&str>) -> String {
    let mut parts = vec![prefix, table];
    parts.extend(columns.iter().map(String::as_str));
    parts.extend(suffix);
    let full: String = parts
        .join("_")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    stable_shorten(&full)
}

/// Returns `name` unchanged when it fits in 63 bytes, else at most its first 54 bytes (whole
/// characters), `_` and eight hex digits of a stable hash of the whole name.
pub fn stable_shorten(name: &str) -> String {
    if name.len() <= MAX_NAME {
        return name.to_string();
    }
    let kept = (0..=KEPT)
        .rev()
        .find(|&i| name.is_char_boundary(i))
        .unwrap_or(0);
    format!("{}_{:08x}", &name[..kept], fnv1a(name.as_bytes()))
}

/// 32-bit FNV-1a: tiny, stable across platforms and releases, good enough to tell names apart.
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(c: &[&str]) -> Vec<String> {
        c.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn short_names_are_plain() {
        assert_eq!(
            index_name("items", &cols(&["title"]), false),
            "ix_items_title"
        );
        assert_eq!(
            index_name("users", &cols(&["email"]), true),
            "uq_users_email"
        );
        assert_eq!(
            fk_name("items", &cols(&["owner_id"]), "users"),
            "fk_items_owner_id_users"
        );
        assert_eq!(
            index_name("line items", &cols(&["Ünit"]), false),
            "ix_line_items__nit"
        );
    }

    #[test]
    fn long_names_are_cut_with_a_stable_hash() {
        let long = cols(&[
            "a_very_long_column_name_number_one",
            "another_long_column_name",
        ]);
        let name = index_name("some_table_with_a_long_name", &long, false);
        assert_eq!(name.len(), 63);
        assert_eq!(
            name,
            "ix_some_table_with_a_long_name_a_very_long_column_name_aa7124ba"
        );
        let other = index_name(
            "some_table_with_a_long_name",
            &cols(&["a_very_long_column_name_number_one", "x"]),
            false,
        );
        assert_ne!(name, other);
    }
}
