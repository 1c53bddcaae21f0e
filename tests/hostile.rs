//! Hostile input: text built to overflow the KDL parser's stack, to run it for minutes, or
//! to flood the terminal gets one short diagnostic and exit status 1, on a 2 MiB thread (as
//! tests run) and in the binary (the main thread), for schema.kdl and environment files.

mod common;

use std::time::Instant;

use common::{reconcile, settings, sqlite_project};
use reconcile::dialect::Dialect;
use reconcile::error::MAX_SHOWN_PROBLEMS;
use reconcile::parse::limits::{
    MAX_COMMENT_MARKS, MAX_COMMENT_NESTING, MAX_NESTING, MAX_SLASHDASHED_BLOCKS,
};
use reconcile::project::schema_from_source;

/// The stack a test thread gets by default, and the smallest any caller should use.
const TEST_STACK: usize = 2 << 20;

/// Runs `f` on a fresh thread with a 2 MiB stack (an overflow aborts the whole test binary).
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(TEST_STACK)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("no panic")
}

/// Valid KDL at every limit at once: 64 nested blocks, the two innermost slashdashed, a
/// slashdashed node at each level, and at the bottom 16 nested comments holding
/// [`MAX_COMMENT_MARKS`] `*` and `/` characters, one piece each.
fn at_the_limits() -> String {
    let plain = MAX_NESTING - MAX_SLASHDASHED_BLOCKS;
    let mut s = String::from("table t ");
    for i in 0..plain {
        s.push_str(&format!("{{\n/- x{i} 1\nn{i} "));
    }
    for i in 0..MAX_SLASHDASHED_BLOCKS {
        s.push_str(&format!("/-{{\ns{i} "));
    }
    let stars = MAX_COMMENT_MARKS - 4 * MAX_COMMENT_NESTING;
    s.push_str(&"/* ".repeat(MAX_COMMENT_NESTING));
    s.push_str(&"* ".repeat(stars));
    s.push_str(&"*/ ".repeat(MAX_COMMENT_NESTING));
    s.push_str(&"\n}".repeat(MAX_NESTING));
    s.push('\n');
    s
}

#[test]
fn kdl_itself_fits_a_2_mib_stack_at_the_limits() {
    let text = at_the_limits();
    assert!(
        reconcile::parse::limits::scan(&text).is_ok(),
        "the text must be within the limits"
    );
    // The unguarded parser, whole document and single node, on the smallest stack.
    let t = text.clone();
    let (whole, node) = on_small_stack(move || {
        (
            kdl::KdlDocument::parse(&t).is_ok(),
            kdl::KdlNode::parse(&t).is_ok(),
        )
    });
    assert!(whole && node, "kdl rejected valid text at the limits");
    // Our parse and validation on the same stack: unknown nodes, reported, no crash.
    let problems = on_small_stack(move || render(&text).1);
    assert!(problems > 0);
}

#[test]
fn kdl_itself_fits_the_main_thread_at_the_limits() {
    let dir = sqlite_project(&at_the_limits());
    let (status, _, stderr) = reconcile(dir.path(), &["check", "--dialect", "sqlite"]);
    assert_eq!(status, 1, "{stderr}");
    assert!(stderr.contains("unknown node"), "{stderr}");
}

/// Text that once overflowed the stack, ran for minutes or printed megabytes.
fn hostile() -> Vec<(&'static str, String)> {
    vec![
        ("deep blocks", format!("table t {}", "{ a ".repeat(1300))),
        (
            "deep closed blocks",
            format!("a {}{}", "{ a ".repeat(5000), "}".repeat(5000)),
        ),
        ("open parens", "(".repeat(3000)),
        ("node then parens", "a (".repeat(3000)),
        ("stray braces", "}".repeat(30_000)),
        ("bad closers", "a )".repeat(30_000)),
        ("bad equals", format!("a {}", "= ".repeat(30_000))),
        ("types", format!("a {}", "(t) ".repeat(30_000))),
        ("bad numbers", format!("a {}", "1a ".repeat(3000))),
        ("starry comment", format!("/* {} */", "*".repeat(100_000))),
        ("nested comments", "/* ".repeat(2000)),
        ("slashdash chain", format!("a {} 1", "/- ".repeat(5000))),
        (
            "slashdashed blocks",
            format!("a {}{}", "/-{ a ".repeat(30), "}".repeat(30)),
        ),
        (
            "slashdashed blocks with values",
            format!("a {}", "1 /-{ a ".repeat(30)),
        ),
        (
            "a long line",
            format!(
                "table t {{\n column x int {} nullable=true\n}}",
                "y".repeat(1_000_000)
            ),
        ),
        ("an open string", format!("a \"{}", "x".repeat(1_000_000))),
        ("many lines of junk", "a )\n".repeat(30_000)),
        (
            "stars in an ignore pattern",
            format!(
                "ignore \"{}b\"\ntable {} {{\n    column id bigint primary-key=#true\n}}\n",
                "*a".repeat(40),
                "a".repeat(300)
            ),
        ),
        // After an error the parser reads on inside the string: blocks our scan never saw.
        (
            "blocks after a bad character in a string",
            format!("a \"\u{202e}{}\"", "{D".repeat(5000)),
        ),
        (
            "blocks after a bad number",
            format!("a 1x\"{}\"", "{ a ".repeat(5000)),
        ),
        (
            "slashdashed blocks after a bad escape",
            format!("a \"\\q{}\"", "/-{ a ".repeat(30)),
        ),
    ]
}

/// The diagnostics of `text` as the terminal would show them, and how many problems.
fn render(text: &str) -> (String, usize) {
    match schema_from_source(text, &Dialect::ALL) {
        Ok(_) => (String::new(), 0),
        Err(e) => {
            let count = match &e {
                reconcile::Error::Source(d) => d.problems().len(),
                _ => 1,
            };
            let mut out = String::new();
            miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
                .render_report(&mut out, &e)
                .expect("diagnostics render");
            (out, count)
        }
    }
}

#[test]
fn hostile_schemas_get_a_short_diagnostic_on_a_small_stack() {
    for (name, text) in hostile() {
        let started = Instant::now();
        let (out, problems) = on_small_stack(move || render(&text));
        assert!(problems > 0, "{name}: accepted");
        let shown = out.matches("Error:").count();
        assert!(
            shown <= MAX_SHOWN_PROBLEMS,
            "{name}: {shown} problems shown"
        );
        assert!(
            out.len() < 200_000,
            "{name}: {} bytes of diagnostics",
            out.len()
        );
        // Not a timed assertion: a report for whoever wonders where the time goes.
        eprintln!(
            "{name}: {problems} problems, {} bytes, {:?}",
            out.len(),
            started.elapsed()
        );
    }
}

#[test]
fn hostile_files_exit_1_in_the_binary() {
    for (name, text) in hostile() {
        let dir = sqlite_project(&text);
        let (status, stdout, stderr) = reconcile(dir.path(), &["check"]);
        assert_eq!(status, 1, "{name}: {}", &stderr[..stderr.len().min(2000)]);
        assert!(stdout.is_empty(), "{name}");
        assert!(stderr.len() < 200_000, "{name}: {} bytes", stderr.len());
        // The same text as an environment file.
        let dir = sqlite_project("table t {\n    column id int primary-key=#true\n}\n");
        std::fs::write(dir.path().join("environments/development.kdl"), &text).unwrap();
        let (status, _, stderr) = reconcile(dir.path(), &["plan"]);
        assert_eq!(status, 1, "{name}: environment file");
        assert!(stderr.len() < 200_000, "{name}: {} bytes", stderr.len());
        assert!(!dir.path().join("dev.db").exists(), "{name}");
    }
}

#[test]
fn too_deep_nesting_is_reported_where_it_starts() {
    let text = format!("table t {}", "{ a ".repeat(1300));
    let dir = sqlite_project(&text);
    let (status, _, stderr) = reconcile(dir.path(), &["check"]);
    assert_eq!(status, 1);
    assert!(stderr.contains("nesting deeper than 64 levels"), "{stderr}");
    assert!(stderr.contains("schema.kdl:1:265"), "{stderr}");
    settings().bind(|| insta::assert_snapshot!("diagnostic_nesting_too_deep", stderr));
}

#[test]
fn many_problems_show_the_first_50_and_count_the_rest() {
    let text = format!("a {}", "1a ".repeat(3000));
    let dir = sqlite_project(&text);
    let (status, _, stderr) = reconcile(dir.path(), &["check"]);
    assert_eq!(status, 1);
    assert!(stderr.contains("schema.kdl has 3000 problems"), "{stderr}");
    assert_eq!(stderr.matches("Error:").count(), 50);
    assert!(
        stderr
            .trim_end()
            .ends_with("2950 more problems in schema.kdl not shown (the first 50 are above)"),
        "{}",
        &stderr[stderr.len().saturating_sub(500)..]
    );
}

#[test]
fn files_past_the_size_limits_are_refused() {
    let big = format!("// {}\n", "x".repeat(33 << 20));
    let dir = sqlite_project(&big);
    let (status, _, stderr) = reconcile(dir.path(), &["check"]);
    assert_eq!(status, 1);
    assert!(stderr.contains("is larger than 32 MiB"), "{stderr}");
    let dir = sqlite_project("table t {\n    column id int primary-key=#true\n}\n");
    std::fs::write(
        dir.path().join("environments/development.kdl"),
        format!("url \"sqlite://dev.db\"\n// {}\n", "x".repeat(70_000)),
    )
    .unwrap();
    let (status, _, stderr) = reconcile(dir.path(), &["plan"]);
    assert_eq!(status, 1);
    assert!(stderr.contains("is larger than 64 KiB"), "{stderr}");
}
