//! Fuzzing the readers of user files with mutated copies of real ones: every fixture and
//! `schema.kdl` for the schema parser and validator, the environment files and dotenv
//! samples for the environment reader. No input panics or aborts, every diagnostic renders
//! (and stays short), and the node-by-node KDL parse agrees with one whole-document parse.
//!
//! The case count is a budget, not a timer: `RECONCILE_FUZZ_CASES` (default 96 per
//! property, for CI on two cores); run `RECONCILE_FUZZ_CASES=5000 cargo test --test fuzz`
//! locally for a longer search. An abort (a stack overflow) ends the process before proptest
//! can print the input: `RECONCILE_FUZZ_LOG=FILE` writes each input to FILE first.

mod common;

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use reconcile::dialect::Dialect;
use reconcile::error::MAX_SHOWN_PROBLEMS;
use reconcile::project::schema_from_source;

fn cases() -> u32 {
    std::env::var("RECONCILE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(96)
}

/// Every `.kdl` file under `tests/fixtures`, and the project's own `schema.kdl`.
fn schema_corpus() -> Vec<String> {
    fn walk(dir: &Path, out: &mut Vec<String>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "kdl") {
                out.push(std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    let root = common::project_root();
    let mut out = Vec::new();
    walk(&root.join("tests/fixtures"), &mut out);
    out.push(std::fs::read_to_string(root.join("schema.kdl")).unwrap());
    out
}

fn environment_corpus() -> Vec<String> {
    let root = common::project_root();
    let mut out: Vec<String> = ["development", "production"]
        .iter()
        .map(|n| std::fs::read_to_string(root.join(format!("environments/{n}.kdl"))).unwrap())
        .collect();
    out.push("url \"postgres://u:${DB_PASSWORD}@127.0.0.1:1/db?sslmode=disable\"\ndotenv \"secrets.env\"\nallow-destructive #true\nlock-timeout 5\n".into());
    out.push(
        "url \"mysql://app@h/db?password=${DB_PASSWORD}\" // note\n/- url \"sqlite://x.db\"\n"
            .into(),
    );
    out
}

fn dotenv_corpus() -> Vec<String> {
    let root = common::project_root();
    vec![
        std::fs::read_to_string(root.join("config.env.example")).unwrap(),
        "# c\nexport A=1\nB = 'two words' # x\nC=\"a\\\"b\\n\"\nD=\n".into(),
    ]
}

/// Text that means something to KDL or dotenv, for insertions.
const TOKENS: &[&str] = &[
    "{", "}", "(", ")", "\"", "\"\"\"\n", "#\"", "\"#", "/*", "*/", "//", "/-", "\\", ";", "=",
    "\n", " ", "#true", "${", "${X}", "\u{0}", "\u{202e}", "\u{feff}", "1a", "\r\n", "'",
    "export ", "table", "column", "x", "é",
];

#[derive(Debug, Clone)]
enum Edit {
    Insert(prop::sample::Index, usize),
    Delete(prop::sample::Index, usize),
    Replace(prop::sample::Index, usize, usize),
    /// Repeats a short piece of the text many times (deep nesting, long runs).
    Repeat(prop::sample::Index, usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let token = 0..TOKENS.len();
    prop_oneof![
        (any::<prop::sample::Index>(), token.clone()).prop_map(|(i, t)| Edit::Insert(i, t)),
        (any::<prop::sample::Index>(), 1usize..12).prop_map(|(i, n)| Edit::Delete(i, n)),
        (any::<prop::sample::Index>(), 1usize..6, token)
            .prop_map(|(i, n, t)| Edit::Replace(i, n, t)),
        (any::<prop::sample::Index>(), 1usize..8, 2usize..400)
            .prop_map(|(i, n, k)| Edit::Repeat(i, n, k)),
    ]
}

/// `text` after `edits`, each at a character boundary.
fn mutate(text: &str, edits: &[Edit]) -> String {
    let mut s = text.to_string();
    for e in edits {
        let bounds: Vec<usize> = (0..=s.len()).filter(|i| s.is_char_boundary(*i)).collect();
        let at = |i: &prop::sample::Index| bounds[i.index(bounds.len())];
        let after = |from: usize, n: usize| {
            bounds
                .iter()
                .copied()
                .find(|b| *b >= from + n)
                .unwrap_or(s.len())
        };
        match e {
            Edit::Insert(i, t) => s.insert_str(at(i), TOKENS[*t]),
            Edit::Delete(i, n) => {
                let from = at(i);
                let to = after(from, *n);
                s.replace_range(from..to, "");
            }
            Edit::Replace(i, n, t) => {
                let from = at(i);
                let to = after(from, *n);
                s.replace_range(from..to, TOKENS[*t]);
            }
            Edit::Repeat(i, n, k) => {
                let from = at(i);
                let to = after(from, *n);
                let piece = s[from..to].repeat(*k);
                s.insert_str(to, &piece);
            }
        }
    }
    s
}

/// Writes `text` to `RECONCILE_FUZZ_LOG`, if set, before it is tried.
fn log(text: &str) {
    if let Ok(path) = std::env::var("RECONCILE_FUZZ_LOG") {
        let _ = std::fs::write(path, text);
    }
}

fn render(e: &reconcile::Error) -> String {
    let mut out = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .render_report(&mut out, e)
        .expect("diagnostics render");
    if let reconcile::Error::Source(d) = e {
        assert_eq!(d.locations().len(), d.problems().len());
    }
    assert!(
        out.matches("Error:").count() <= MAX_SHOWN_PROBLEMS,
        "too many shown"
    );
    assert!(out.len() < 2_000_000, "{} bytes of diagnostics", out.len());
    out
}

/// Nodes, entries and every span, depth first: what the schema reader looks at.
fn shape(doc: &kdl::KdlDocument) -> Vec<String> {
    fn node(n: &kdl::KdlNode, out: &mut Vec<String>) {
        out.push(format!(
            "{}@{:?} ty={:?}",
            n.name().value(),
            (n.span(), n.name().span()),
            n.ty().map(|t| (t.value().to_string(), t.span()))
        ));
        for e in n.entries() {
            out.push(format!(
                "  {:?}={:?}@{:?} ty={:?}",
                e.name().map(|k| (k.value().to_string(), k.span())),
                e.value(),
                e.span(),
                e.ty().map(|t| (t.value().to_string(), t.span()))
            ));
        }
        for c in n.children().map(|d| d.nodes()).unwrap_or(&[]) {
            node(c, out);
        }
        out.push("}".into());
    }
    let mut out = Vec::new();
    for n in doc.nodes() {
        node(n, &mut out);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_schemas_never_panic(
        file in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..8),
    ) {
        let corpus = schema_corpus();
        let source = mutate(&corpus[file.index(corpus.len())], &edits);
        log(&source);
        match schema_from_source(&source, &Dialect::ALL) {
            Ok(_) => {}
            Err(e) => { render(&e); }
        }
        // The node-by-node parse reads what one whole-document parse reads. (The whole
        // parse recurses once per error and may read strings as blocks after one, so it
        // runs on a large stack and is only asked about small invalid texts.)
        let ours = reconcile::parse::kdl_document(&source);
        let small = source.len() < 1500 && reconcile::parse::limits::scan(&source).is_ok();
        if ours.is_ok() || small {
            let text = source.clone();
            let whole = std::thread::Builder::new()
                .stack_size(64 << 20)
                .spawn(move || kdl::KdlDocument::parse(&text))
                .unwrap()
                .join()
                .unwrap();
            match (&ours, whole) {
                (Ok(doc), Ok(whole)) => prop_assert_eq!(shape(doc), shape(&whole), "{}", source),
                (Ok(_), Err(_)) => prop_assert!(false, "only the node-wise parse accepts:\n{source:?}"),
                (Err(_), Ok(_)) => prop_assert!(false, "only the whole parse accepts:\n{source:?}"),
                (Err(_), Err(_)) => {}
            }
        }
    }

    #[test]
    fn mutated_environments_never_panic(
        file in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..8),
    ) {
        let corpus = environment_corpus();
        let source = mutate(&corpus[file.index(corpus.len())], &edits);
        log(&source);
        let root = tempfile::tempdir().unwrap();
        let vars = |name: &str| match name {
            "DB_PASSWORD" => Some("fuzz-S3CRET-pw".to_string()),
            "DB_USER" | "DB_DATABASE" => Some("app".to_string()),
            _ => None,
        };
        if let Err(e) = reconcile::environment::from_source(root.path(), "fuzz", &source, &vars) {
            let shown = render(&e);
            prop_assert!(!shown.contains("fuzz-S3CRET-pw"), "{shown}");
        }
    }

    #[test]
    fn mutated_dotenv_files_never_panic(
        file in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..8),
    ) {
        let corpus = dotenv_corpus();
        let text = mutate(&corpus[file.index(corpus.len())], &edits);
        let (_, errors) = reconcile::dotenv::parse(&text);
        let masked = reconcile::dotenv::masked(&text);
        prop_assert_eq!(masked.len(), text.len());
        for e in errors {
            prop_assert!(e.span.end <= text.len() && text.is_char_boundary(e.span.start) && text.is_char_boundary(e.span.end));
        }
    }
}
