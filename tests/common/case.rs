//! The data-driven cases of `tests/cases/<name>/`, one folder each (see
//! `tests/cases/README.md` for the format), and the [`Report`] that collects what each run
//! of each case found, so that one failing case never hides the others and a case marked
//! `KNOWN_BUG` is reported loudly instead of failing the suite.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use reconcile::dialect::Dialect;

/// One case folder, checked for well-formedness when loaded.
#[derive(Debug)]
pub struct Case {
    pub name: String,
    pub dir: PathBuf,
    /// The dialects the case is for (default: all three).
    pub dialects: Vec<Dialect>,
    /// Apply must refuse without `--allow-destructive`, then succeed with it.
    pub destructive: bool,
    /// Apply must fail even with the flag, with this text on standard error, leaving the
    /// schema and the rows as they were.
    pub refused: Option<String>,
    /// Whether preflight sees the refusal coming, so that `plan` already reports it
    /// (`refused "..." preflight=#false`: only the database's own check rejects a statement).
    pub preflight: bool,
    /// What `KNOWN_BUG` marks: the checks that fail because of a bug in `src/`.
    pub known_bug: Option<KnownBug>,
}

/// The contents of a case's `KNOWN_BUG` file: `affects: label, label` on the first line,
/// then the description of the bug.
#[derive(Debug)]
pub struct KnownBug {
    pub affects: BTreeSet<String>,
    pub description: String,
}

/// A case's `expect.txt`: a query, then the rows it must return.
#[derive(Debug)]
pub struct Expect {
    pub query: String,
    pub rows: Vec<String>,
}

/// The steps of a live run, in order (the `STEP` of a `live@D:STEP` label).
pub const LIVE_STEPS: [&str; 8] = [
    "build",
    "plan",
    "apply",
    "converged",
    "idempotent",
    "foreign_keys",
    "rows",
    "inspect",
];

/// Every file name a case folder may hold.
fn allowed(file: &str) -> bool {
    let per_dialect = |stem: &str, ext: &str| {
        Dialect::ALL
            .iter()
            .any(|d| file == format!("{stem}.{d}.{ext}"))
    };
    matches!(
        file,
        "current.kdl" | "desired.kdl" | "rows.sql" | "expect.txt" | "case.kdl" | "KNOWN_BUG"
    ) || per_dialect("current", "sql")
        || per_dialect("rows", "sql")
        || per_dialect("expect", "txt")
}

/// The folder that holds the cases.
pub fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases")
}

/// Every case, sorted by name, or, while working on some, those whose names hold
/// `RECONCILE_TEST_CASES` (a development aid: the snapshot-ownership test then fails).
/// Panics, naming the folder, on a malformed case.
pub fn cases() -> Vec<Case> {
    let only = std::env::var("RECONCILE_TEST_CASES").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("tests/cases")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().contains(&only))
        })
        .collect();
    dirs.sort();
    dirs.iter().map(|d| Case::load(d)).collect()
}

impl Case {
    fn load(dir: &Path) -> Case {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let fail = |why: String| -> ! { panic!("tests/cases/{name}: {why}") };
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let file = entry.file_name().to_string_lossy().into_owned();
            if !allowed(&file) {
                fail(format!("unknown file `{file}` (see tests/cases/README.md)"));
            }
        }
        for required in ["desired.kdl", "expect.txt"] {
            if !dir.join(required).is_file() {
                fail(format!("`{required}` is missing"));
            }
        }
        let mut case = Case {
            name: name.clone(),
            dir: dir.to_path_buf(),
            dialects: Dialect::ALL.to_vec(),
            destructive: false,
            refused: None,
            preflight: true,
            known_bug: None,
        };
        if let Some(meta) = case.read("case.kdl") {
            case.read_meta(&meta)
                .unwrap_or_else(|e| fail(format!("case.kdl: {e}")));
        }
        if let Some(text) = case.read("KNOWN_BUG") {
            let bug = KnownBug::parse(&text).unwrap_or_else(|e| fail(e));
            if let Some(label) = bug.affects.iter().find(|l| !case.has_check(l)) {
                fail(format!(
                    "KNOWN_BUG names `{label}`, which is not a check of this case"
                ));
            }
            case.known_bug = Some(bug);
        }
        let hand_made: Vec<Dialect> = Dialect::ALL
            .into_iter()
            .filter(|d| dir.join(format!("current.{d}.sql")).is_file())
            .collect();
        if !hand_made.is_empty() {
            if dir.join("current.kdl").is_file() {
                fail("both `current.kdl` and hand-made `current.<dialect>.sql`".into());
            }
            if let Some(d) = case.dialects.iter().find(|d| !hand_made.contains(d)) {
                fail(format!(
                    "starts from hand-made SQL but has no `current.{d}.sql` (name its dialects in case.kdl)"
                ));
            }
        }
        if case.destructive && case.refused.is_some() {
            fail("`destructive` and `refused` exclude each other".into());
        }
        for d in &case.dialects {
            case.expect(*d)
                .unwrap_or_else(|e| fail(format!("expect for {d}: {e}")));
        }
        case
    }

    fn read_meta(&mut self, text: &str) -> Result<(), String> {
        let doc: kdl::KdlDocument = text.parse().map_err(|e| format!("{e:?}"))?;
        for node in doc.nodes() {
            let args: Vec<&kdl::KdlValue> = node
                .entries()
                .iter()
                .filter(|e| e.name().is_none())
                .map(|e| e.value())
                .collect();
            match node.name().value() {
                "dialects" => {
                    self.dialects = args
                        .iter()
                        .map(|v| {
                            v.as_string()
                                .and_then(Dialect::from_name)
                                .ok_or_else(|| format!("unknown dialect {v}"))
                        })
                        .collect::<Result<_, _>>()?;
                    self.dialects.sort();
                    if self.dialects.is_empty() {
                        return Err("`dialects` names none".into());
                    }
                }
                "destructive" => {
                    self.destructive = !matches!(args[..], [v] if v.as_bool() == Some(false))
                }
                "refused" => {
                    match args[..] {
                        [v] if v.as_string().is_some() => {
                            self.refused = v.as_string().map(str::to_string);
                        }
                        _ => return Err("`refused` takes the text apply prints".into()),
                    }
                    for e in node.entries().iter().filter(|e| e.name().is_some()) {
                        match (e.name().unwrap().value(), e.value().as_bool()) {
                            ("preflight", Some(b)) => self.preflight = b,
                            (other, _) => return Err(format!("`refused` has no `{other}`")),
                        }
                    }
                }
                other => return Err(format!("unknown node `{other}`")),
            }
        }
        Ok(())
    }

    /// The text of one file of the case, if it exists.
    pub fn read(&self, file: &str) -> Option<String> {
        std::fs::read_to_string(self.dir.join(file)).ok()
    }

    /// The schema the case starts from, written in `schema.kdl` (None: hand-made or empty).
    pub fn current_kdl(&self) -> Option<String> {
        self.read("current.kdl")
    }

    /// The hand-made SQL the database starts from on `d`.
    pub fn current_sql(&self, d: Dialect) -> Option<String> {
        self.read(&format!("current.{d}.sql"))
    }

    /// The rows loaded once the current schema exists, on `d`.
    pub fn rows(&self, d: Dialect) -> Option<String> {
        self.read(&format!("rows.{d}.sql"))
            .or_else(|| self.read("rows.sql"))
    }

    /// The schema the case applies.
    pub fn desired(&self) -> String {
        self.read("desired.kdl").expect("desired.kdl")
    }

    /// The query and rows expected on `d` after apply (or, when refused, unchanged).
    pub fn expect(&self, d: Dialect) -> Result<Expect, String> {
        let text = self
            .read(&format!("expect.{d}.txt"))
            .or_else(|| self.read("expect.txt"))
            .ok_or("no expect.txt")?;
        let mut lines = text.lines();
        let query = lines
            .next()
            .filter(|q| !q.trim().is_empty())
            .ok_or("the first line must be a query")?
            .to_string();
        Ok(Expect {
            query,
            rows: lines.map(str::to_string).collect(),
        })
    }

    /// Whether `label` names a check this case runs: `offline@D`, `sql@D` or
    /// `live@D:STEP`, for a dialect `D` of the case.
    fn has_check(&self, label: &str) -> bool {
        let (kind, rest) = label.split_once('@').unwrap_or((label, ""));
        let (dialect, step) = match rest.split_once(':') {
            Some((d, s)) => (d, Some(s)),
            None => (rest, None),
        };
        let dialect_ok = Dialect::from_name(dialect).is_some_and(|d| self.dialects.contains(&d));
        dialect_ok
            && match (kind, step) {
                ("offline" | "sql", None) => true,
                ("live", Some(step)) => LIVE_STEPS.contains(&step),
                _ => false,
            }
    }

    /// Whether `KNOWN_BUG` marks the check `label` of this case.
    pub fn known(&self, label: &str) -> bool {
        self.known_bug
            .as_ref()
            .is_some_and(|b| b.affects.contains(label))
    }
}

impl KnownBug {
    fn parse(text: &str) -> Result<KnownBug, String> {
        let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
        let list = first
            .strip_prefix("affects:")
            .ok_or("KNOWN_BUG: the first line must be `affects: label, label`")?;
        let affects: BTreeSet<String> = list
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        if affects.is_empty() || rest.trim().is_empty() {
            return Err("KNOWN_BUG: name the affected checks and describe the bug".into());
        }
        Ok(KnownBug {
            affects,
            description: rest.trim().to_string(),
        })
    }
}

/// What the runs of one test found: failures fail the test at the end; checks that a
/// `KNOWN_BUG` marks are shouted instead; a marked check that passes is a failure too (the
/// marker is stale).
#[derive(Default)]
pub struct Report {
    failures: Vec<String>,
    known: Vec<String>,
    pub checks: usize,
}

impl Report {
    /// Records check `label` of `case`; returns whether it passed, so that a run can stop at
    /// its first failed step.
    pub fn check(&mut self, case: &Case, label: &str, result: Result<(), String>) -> bool {
        self.checks += 1;
        match (result, case.known(label)) {
            (Ok(()), false) => true,
            (Ok(()), true) => {
                self.failures.push(format!(
                    "{} [{label}]: marked in KNOWN_BUG but passes now; remove it from `affects:`",
                    case.name
                ));
                true
            }
            (Err(e), false) => {
                self.failures.push(format!("{} [{label}]: {e}", case.name));
                false
            }
            (Err(e), true) => {
                let bug = case.known_bug.as_ref().unwrap();
                self.known.push(format!(
                    "KNOWN BUG {} [{label}]: {}\n    failed with: {}",
                    case.name,
                    bug.description.lines().next().unwrap_or(""),
                    e.lines().take(3).collect::<Vec<_>>().join("\n    ")
                ));
                false
            }
        }
    }

    /// Shouts the known bugs, then fails with every failure.
    pub fn finish(self, what: &str) {
        for k in &self.known {
            super::shout(k);
        }
        if !self.failures.is_empty() {
            panic!(
                "{what}: {} of {} checks failed:\n\n{}",
                self.failures.len(),
                self.checks,
                self.failures.join("\n\n")
            );
        }
        let _ = writeln!(
            std::io::stderr(),
            "{what}: {} checks passed, {} known bug(s)",
            self.checks - self.known.len(),
            self.known.len()
        );
    }
}
