//! `plan --format dot` and `--format mermaid`: one node per change, one edge per "must run
//! before" with its reason. Every case's plan on every dialect is rendered by Graphviz
//! (`dot -Tsvg`) where it is installed; without it the test says so loudly, and fails when
//! `RECONCILE_TEST_REQUIRE_GRAPHVIZ=1` (as `.ci/run` sets once it has installed it).

mod common;

use std::io::Write as _;
use std::process::{Command, Stdio};

use common::case::cases;
use common::{reconcile, settings, shout, sqlite_project};
use reconcile::plan::Plan;
use reconcile::project::schema_from_source;

/// Renders `dot` source with Graphviz; `None` when `dot` is not installed.
fn graphviz(source: &str) -> Option<Result<String, String>> {
    let mut child = match Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => return Some(Err(e.to_string())),
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(source.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    Some(if out.status.success() && stderr.is_empty() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!("dot failed ({}): {stderr}\n{source}", out.status))
    })
}

/// Every plan of every case (from its KDL current schema) on every dialect it names.
fn all_plans() -> Vec<(String, Plan)> {
    let mut out = Vec::new();
    for case in cases() {
        let current: String = case.current_kdl().unwrap_or_default();
        for &d in &case.dialects {
            if case.current_kdl().is_none() && case.current_sql(d).is_some() {
                continue;
            }
            let parse = |s: &str| schema_from_source(s, &[d]).unwrap();
            let plan = Plan::between(&parse(&current), &parse(&case.desired()), d).unwrap();
            out.push((format!("{}@{d}", case.name), plan));
        }
    }
    out
}

#[test]
fn every_plan_renders_with_graphviz() {
    let plans = all_plans();
    assert!(plans.len() > 100);
    let mut rendered = 0;
    for (name, plan) in &plans {
        let dot = plan.dot();
        // The structure, with or without Graphviz: a node per change, an edge per dependency.
        assert_eq!(
            dot.matches(" [label=").count(),
            plan.steps.len() + plan.dependencies().len(),
            "{name}:\n{dot}"
        );
        for dep in &plan.dependencies() {
            assert!(
                dep.before < dep.after,
                "{name}: an edge against plan order: {dep:?}"
            );
            let edge = format!("    n{} -> n{} [label=", dep.before, dep.after);
            assert!(dot.contains(&edge), "{name}: {edge} missing:\n{dot}");
        }
        match graphviz(&dot) {
            None => break,
            Some(Ok(svg)) => {
                assert!(svg.contains("<svg"), "{name}: {svg}");
                // Each node's text reaches the picture (Graphviz escapes `<`, `>` and `&`).
                assert_eq!(
                    svg.matches("class=\"node\"").count(),
                    plan.steps.len(),
                    "{name}"
                );
                assert_eq!(
                    svg.matches("class=\"edge\"").count(),
                    plan.dependencies().len(),
                    "{name}"
                );
                rendered += 1;
            }
            Some(Err(e)) => panic!("{name}: {e}"),
        }
    }
    if rendered == 0 {
        let message = "Graphviz `dot` is not installed: plan pictures were checked for structure only, NOT rendered (apt-get install graphviz)";
        if std::env::var("RECONCILE_TEST_REQUIRE_GRAPHVIZ").is_ok_and(|v| v == "1") {
            panic!("{message}");
        }
        shout(&format!("SKIPPED: {message}"));
    } else {
        assert_eq!(rendered, plans.len());
    }
}

#[test]
fn the_graph_explains_the_order() {
    // `pets` needs `owners` (its foreign key) and the index of `pets` needs the table: both
    // edges are in the picture with their reasons.
    let dir = sqlite_project(
        "table owners {\n    column id int primary-key=#true\n}\n\
         table pets {\n    column id int primary-key=#true\n    column owner_id int references=owners.id\n    index owner_id\n}\n",
    );
    let (status, dot, stderr) = reconcile(dir.path(), &["plan", "--format", "dot"]);
    assert_eq!(status, 0, "{stderr}");
    let (status, mermaid, stderr) = reconcile(dir.path(), &["plan", "--format", "mermaid"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(dot.contains("needs table `owners`"), "{dot}");
    assert!(dot.contains("needs table `pets`"), "{dot}");
    assert!(mermaid.starts_with("flowchart TD\n"), "{mermaid}");
    assert!(
        mermaid.contains("-->|\"needs table 'owners'\"|"),
        "{mermaid}"
    );
    settings().bind(|| {
        insta::assert_snapshot!("graph_dot", dot);
        insta::assert_snapshot!("graph_mermaid", mermaid);
    });
    if let Some(svg) = graphviz(&dot) {
        let svg = svg.unwrap();
        assert!(svg.contains("needs table `owners`"), "{svg}");
    }
}
