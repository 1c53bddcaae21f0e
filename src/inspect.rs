//! Prints a schema as a `schema.kdl` document (`reconcile inspect`), to adopt an existing
//! database. The schema is printed as the catalog holds it, before any normalization, so
//! that parsing the output and planning against the same database gives an empty plan.

use std::fmt::Write as _;

use crate::dialect::Dialect;
use crate::schema::{Action, DefaultValue, Schema, Type};

/// The table Alembic keeps its revision in; `inspect` ignores it.
const ALEMBIC_VERSION: &str = "alembic_version";

/// `schema` in the language of `schema.kdl`.
pub fn to_kdl(schema: &Schema, dialect: Dialect) -> String {
    let mut out = String::new();
    for u in &schema.unmanaged {
        let _ = writeln!(
            out,
            "// not described by the language, left alone: {} {}",
            u.kind,
            // Quoted and escaped: a name with a line break cannot end the comment.
            s(&u.name)
        );
    }
    // Alembic's revision table is the migration tool's, not the application's.
    if schema.table(ALEMBIC_VERSION).is_some() {
        let _ = writeln!(out, "ignore {ALEMBIC_VERSION}\n");
    }
    let enums = enum_names(schema);
    for (name, values) in &enums {
        let _ = writeln!(out, "enum {} {{", s(name));
        for v in values {
            let _ = writeln!(out, "    value {}", s(v));
        }
        out.push_str("}\n\n");
    }
    for t in schema.tables.iter().filter(|t| t.name != ALEMBIC_VERSION) {
        let _ = writeln!(out, "table {} {{", s(&t.name));
        if let Some(comment) = &t.comment {
            let _ = writeln!(out, "    comment {}", s(comment));
        }
        let o = &t.options;
        let options: String = [
            ("engine", &o.engine),
            ("charset", &o.charset),
            ("collate", &o.collate),
        ]
        .iter()
        .filter_map(|(key, value)| value.as_ref().map(|v| format!(" {key}={}", s(v))))
        .collect();
        if !options.is_empty() {
            let _ = writeln!(out, "    {dialect}{options}");
        }
        for c in &t.columns {
            let _ = write!(
                out,
                "    column {} {}",
                s(&c.name),
                match &c.ty {
                    Type::Enum { name, .. } if !name.is_empty() => s(name),
                    Type::Enum { values, .. } => s(enums
                        .iter()
                        .find(|(_, v)| v == values)
                        .map_or("text", |(name, _)| name.as_str())),
                    _ => ty(&key_type(schema, &t.name, c)),
                }
            );
            if c.nullable {
                out.push_str(" nullable=#true");
            }
            if t.primary_key.len() == 1 && t.primary_key[0] == c.name {
                out.push_str(" primary-key=#true");
            }
            if c.auto_increment {
                out.push_str(" auto-increment=#true");
            }
            match &c.default {
                Some(DefaultValue::Bool(b)) => {
                    let _ = write!(out, " default=#{b}");
                }
                Some(DefaultValue::Number(n)) => {
                    let _ = write!(out, " default={n}");
                }
                Some(DefaultValue::String(v)) => {
                    let _ = write!(out, " default={}", s(v));
                }
                Some(DefaultValue::Sql(e)) => {
                    let _ = write!(out, " default=(sql){}", s(e));
                }
                None => {}
            }
            if let Some(g) = &c.generated {
                let _ = write!(out, " generated=(sql){}", s(&g.expr));
                if g.stored {
                    out.push_str(" stored=#true");
                }
            }
            if let Some(comment) = &c.comment {
                let _ = write!(out, " comment={}", s(comment));
            }
            let mut hint = String::new();
            match (&c.declared, &c.ty) {
                (Some(declared), _) | (None, Type::Raw(declared)) => {
                    let _ = write!(hint, " type={}", s(declared));
                }
                _ => {}
            }
            if let Some(collate) = &c.collate {
                let _ = write!(hint, " collate={}", s(collate));
            }
            if let Some(charset) = &c.charset {
                let _ = write!(hint, " charset={}", s(charset));
            }
            // A hint: the other databases have no `ON UPDATE` (docs/language.md).
            if let Some((sql, _)) = &c.on_update {
                let _ = write!(hint, " on-update=(sql){}", s(sql));
            }
            if !hint.is_empty() {
                let _ = write!(out, " {{\n        {dialect}{hint}\n    }}");
            }
            out.push('\n');
        }
        if t.primary_key.len() > 1 {
            let cols: Vec<String> = t.primary_key.iter().map(|c| s(c)).collect();
            let _ = writeln!(out, "    primary-key {}", cols.join(" "));
        }
        for i in &t.indexes {
            let part = |(c, descending, expression): (&String, bool, bool)| {
                let annotation = match (expression, descending) {
                    (true, _) => "(sql)",
                    (false, true) => "(desc)",
                    (false, false) => "",
                };
                format!("{annotation}{}", s(c))
            };
            let cols: Vec<String> = i.parts().map(part).collect();
            let _ = write!(out, "    index {}", cols.join(" "));
            if i.unique {
                out.push_str(" unique=#true");
            }
            // A key with no name of its own matches by its columns; its catalog name is
            // internal (`sqlite_autoindex_*`) and never shown.
            if i.has_own_name() {
                let _ = write!(out, " name={}", s(&i.name));
            }
            if let Some(p) = &i.predicate {
                let _ = write!(out, " where={}", s(p));
            }
            // MySQL's prefixes, all of one length (the catalog reader keeps no other).
            if let Some(n) = i.prefixes.iter().flatten().next() {
                let _ = write!(out, " {{\n        {dialect} length={n}\n    }}");
            }
            out.push('\n');
        }
        for fk in &t.foreign_keys {
            let cols: Vec<String> = fk.columns.iter().map(|c| s(c)).collect();
            let refs: Vec<String> = fk.ref_columns.iter().map(|c| sql_name(c)).collect();
            let target = format!("{}({})", sql_name(&fk.ref_table), refs.join(", "));
            let _ = write!(
                out,
                "    foreign-key {} references={}",
                cols.join(" "),
                s(&target)
            );
            // A name the database gave the key (not the one reconcile would generate).
            if !fk.name.is_empty()
                && fk.name != crate::schema::fk_name(&t.name, &fk.columns, &fk.ref_table)
            {
                let _ = write!(out, " name={}", s(&fk.name));
            }
            for (key, action) in [("on-delete", fk.on_delete), ("on-update", fk.on_update)] {
                if action != Action::NoAction {
                    let _ = write!(out, " {key}={}", action.kdl());
                }
            }
            out.push('\n');
        }
        for c in &t.checks {
            let _ = writeln!(out, "    check {} {}", s(&c.name), s(&c.expr));
        }
        out.push_str("}\n\n");
    }
    for v in &schema.views {
        let _ = writeln!(out, "view {} (sql){}\n", s(&v.name), s(&v.sql));
    }
    out
}

/// A KDL string, always quoted, that reads back as exactly `text`: quotes and backslashes
/// are escaped, and so is every character that is not plain visible text (line breaks, tabs,
/// control characters, Unicode direction controls, the byte-order mark), so that a name in
/// the database can neither break the document nor hide or reorder what the reader sees.
fn s(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control()
                || matches!(
                    c,
                    '\u{200E}'..='\u{200F}'
                        | '\u{202A}'..='\u{202E}'
                        | '\u{2066}'..='\u{2069}'
                        | '\u{2028}'..='\u{2029}'
                        | '\u{FEFF}'
                ) =>
            {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The enums to declare, each with its name and values: the database's named types, then
/// one for each other list of values its columns hold, named after the first such column
/// (`role`, else `users_role`, ...), never after a portable type.
fn enum_names(schema: &Schema) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = schema
        .enums
        .iter()
        .map(|e| (e.name.clone(), e.values.clone()))
        .collect();
    for t in &schema.tables {
        for c in &t.columns {
            let Type::Enum { name, values } = &c.ty else {
                continue;
            };
            if out
                .iter()
                .any(|(n, v)| v == values && (name.is_empty() || n == name))
            {
                continue;
            }
            // Free: not a portable type, not a table (PostgreSQL's row types share the
            // namespace), not an enum already named, and within the length limit.
            let taken = |n: &str| {
                Type::from_name(n).is_some()
                    || schema.table(n).is_some()
                    || n.len() > crate::validate::MAX_NAME_BYTES
                    || out.iter().any(|(o, _)| o == n)
            };
            let numbered = |i: usize| {
                let long = format!("{}_{}_{i}", t.name, c.name);
                if long.len() > crate::validate::MAX_NAME_BYTES {
                    format!("enum_{i}")
                } else {
                    long
                }
            };
            let mut candidates = [c.name.clone(), format!("{}_{}", t.name, c.name)]
                .into_iter()
                .chain((2..).map(numbered));
            let Some(name) = candidates.find(|n| !taken(n)) else {
                continue;
            };
            out.push((name, values.clone()));
        }
    }
    out
}

fn sql_name(name: &str) -> String {
    if name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// The type to print for `column` of `table`: its own, except for an auto-increment key
/// that the catalog cannot tell apart (SQLite's rowid is `INTEGER` for `int` and `bigint`
/// alike), which takes the one integer type of the columns that reference it, so that the
/// printed foreign keys join columns of the same type.
fn key_type(schema: &Schema, table: &str, column: &crate::schema::Column) -> Type {
    if !column.auto_increment {
        return column.ty.clone();
    }
    let mut referencing = schema.tables.iter().flat_map(|t| {
        t.foreign_keys
            .iter()
            .filter(|fk| fk.ref_table == table && fk.ref_columns == [column.name.clone()])
            .filter_map(|fk| t.column(&fk.columns[0]).map(|c| c.ty.clone()))
    });
    match referencing.next() {
        Some(first) if first.is_integer() && referencing.all(|t| t == first) => first,
        _ => column.ty.clone(),
    }
}

fn ty(t: &Type) -> String {
    match t {
        Type::Decimal { precision, scale } => {
            format!("decimal precision={precision} scale={scale}")
        }
        Type::String { length: Some(n) } => format!("string length={n}"),
        Type::Raw(_) => "text".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::s;
    use proptest::prelude::*;

    fn read_back(text: &str) -> String {
        let doc = kdl::KdlDocument::parse(&format!("n {}", s(text)))
            .unwrap_or_else(|e| panic!("{text:?} as {}: {e:?}", s(text)));
        let value = doc.nodes()[0].entries()[0]
            .value()
            .as_string()
            .map(str::to_string);
        value.unwrap_or_default()
    }

    #[test]
    fn awkward_strings_read_back() {
        for text in [
            "",
            "a\"b",
            "back\\slash",
            "line\nbreak",
            "cr\r",
            "tab\t",
            "nul\0",
            "\u{7f}\u{85}\u{b}\u{c}",
            "bidi \u{202E}evil\u{202C} \u{2066}\u{2069} \u{200E}\u{200F}",
            "\u{2028}\u{2029}\u{FEFF}",
            "\\u{41}",
            "#\"raw\"#",
            "\"\"\"",
            "日本語 ✓",
        ] {
            assert_eq!(read_back(text), text);
            let shown = s(text);
            assert!(
                !shown
                    .chars()
                    .any(|c| c.is_control() || ('\u{202A}'..='\u{202E}').contains(&c)),
                "{shown:?}"
            );
        }
    }

    proptest! {
        #[test]
        fn any_string_reads_back(text in any::<String>()) {
            prop_assert_eq!(read_back(&text), text);
        }

        #[test]
        fn control_heavy_strings_read_back(text in "[\\x00-\\x1f\\x7f\"\\\\\u{2028}\u{202a}-\u{202e}\u{2066}-\u{2069}a ]{0,20}") {
            prop_assert_eq!(read_back(&text), text);
        }
    }
}
