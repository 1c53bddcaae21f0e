//! Properties of the pure core: random valid schemas render on every dialect without panic
//! and in the same order every time; random bytes and mutated files never panic the parser.

mod common;

use common::arbitrary as gen_schema;
use proptest::prelude::*;
use reconcile::dialect::Dialect;
use reconcile::plan::Plan;
use reconcile::project::schema_from_source;

fn render_diagnostic(e: &reconcile::Error) -> String {
    let mut out = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .render_report(&mut out, e)
        .expect("diagnostics render");
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn random_schemas_render_deterministically(tables in gen_schema::schema()) {
        let source = gen_schema::to_kdl(&tables);
        for dialect in Dialect::ALL {
            match schema_from_source(&source, &[dialect]) {
                Ok(schema) => {
                    let first = Plan::offline(&schema, dialect).unwrap();
                    let second = Plan::offline(&schema, dialect).unwrap();
                    prop_assert_eq!(first.sql(), second.sql());
                    prop_assert_eq!(first.json(), second.json());
                    prop_assert!(!first.is_empty());
                }
                // MySQL's own rules may reject a random schema (an index on text, a long key);
                // SQLite and PostgreSQL accept every generated one.
                Err(e) => {
                    prop_assert_eq!(dialect, Dialect::Mysql, "{}\n{}", source, render_diagnostic(&e));
                }
            }
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let source = String::from_utf8_lossy(&bytes);
        if let Err(e) = schema_from_source(&source, &Dialect::ALL) {
            render_diagnostic(&e);
        }
    }

    #[test]
    fn mutated_files_never_panic(
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, "[a-z#=\"{}()\\\\ .\\n0-9-]{0,4}"), 1..6),
    ) {
        let mut source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/offline/spec_example.kdl")).unwrap();
        for (at, kind, text) in edits {
            let boundaries: Vec<usize> = (0..=source.len()).filter(|i| source.is_char_boundary(*i)).collect();
            let i = boundaries[at.index(boundaries.len())];
            let j = boundaries.iter().copied().find(|j| *j >= i + 3).unwrap_or(source.len());
            match kind {
                0 => source.insert_str(i, &text),
                1 => source.replace_range(i..j, ""),
                _ => source.replace_range(i..j, &text),
            }
        }
        for dialect in Dialect::ALL {
            match schema_from_source(&source, &[dialect]) {
                Ok(schema) => { let _ = Plan::offline(&schema, dialect); }
                Err(e) => { render_diagnostic(&e); }
            }
        }
    }
}
