//! Lints: rules with stable codes over the plan we generate and the schema it reaches, for
//! what is legal but hurts a running application (a table copy, a rename its code still
//! uses, a foreign key with no index). Each rule warns by default; an environment file sets
//! a rule to `deny` (then `plan --exit-code` and `apply` fail with exit status 3, nothing
//! changed) or `off`. Every rule is documented, with an example and the fix, in
//! docs/lints.md.

use serde::Serialize;

use super::Step;
use crate::change::{Change, TableChange};
use crate::dialect::{Rewrite, SqlDialect, Statement};
use crate::schema::{Check, DefaultValue, ForeignKey, Schema, Table, Type};

/// One rule: its stable code, its name (either names it in an environment file) and what it
/// guards against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    pub summary: &'static str,
}

/// What a rule does when it finds something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Off,
    Warn,
    Deny,
}

/// What a rule found: in the plan's step `step`, or in the desired schema (`None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lint {
    pub code: &'static str,
    pub rule: &'static str,
    pub severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<usize>,
    pub message: String,
}

macro_rules! rules {
    ($($id:ident = $code:literal $name:literal $summary:literal;)*) => {
        $(const $id: Rule = Rule { code: $code, name: $name, summary: $summary };)*
        /// Every rule, in code order.
        pub const RULES: &[Rule] = &[$($id),*];
    };
}

rules! {
    DESTRUCTIVE_DROP = "RC101" "destructive-drop" "a table or a column is dropped, and its data with it";
    TABLE_REWRITE = "RC102" "table-rewrite" "a statement copies, rebuilds or rewrites an existing table";
    INDEX_BLOCKS_WRITES = "RC103" "index-blocks-writes" "an index is built on an existing table while writes wait (PostgreSQL without CONCURRENTLY, SQLite)";
    CONSTRAINT_BLOCKS_WRITES = "RC104" "constraint-blocks-writes" "a check or foreign key is validated over an existing table's rows while writes wait (without NOT VALID)";
    NOT_NULL_OVER_ROWS = "RC105" "not-null-over-rows" "an existing table's column becomes NOT NULL, or gains one without a default";
    VOLATILE_DEFAULT = "RC106" "volatile-default" "a column added to an existing table takes a default computed per row";
    RENAME = "RC107" "rename" "a table or column is renamed: running application code still uses the old name";
    MISSING_PRIMARY_KEY = "RC108" "missing-primary-key" "a table has no primary key";
    RESERVED_WORD = "RC109" "reserved-word" "a table or column is named with an SQL reserved word";
    REDUNDANT_INDEX = "RC110" "redundant-index" "an index's columns begin another index or the primary key";
    FOREIGN_KEY_WITHOUT_INDEX = "RC111" "foreign-key-without-index" "a foreign key's columns begin no index (deletes and updates of the parent scan the child)";
    REBUILD_WITH_TRIGGERS = "RC112" "rebuild-with-triggers" "SQLite rebuilds a table that has triggers (dropped and created again around the copy)";
    ENUM_REORDERED = "RC113" "enum-reordered" "an enum's values change order, and so does every sort and comparison by the column (MySQL, PostgreSQL)";
}

/// The severities an environment file sets (`lint RULE deny|warn|off`); every other rule
/// warns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Levels(pub Vec<(&'static str, Severity)>);

impl Levels {
    /// The severity of the rule with `code`.
    pub fn of(&self, code: &str) -> Severity {
        self.0
            .iter()
            .rev()
            .find(|(c, _)| *c == code)
            .map_or(Severity::Warn, |(_, s)| *s)
    }
}

impl Severity {
    /// Reads `deny`, `warn` or `off`.
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "deny" => Some(Severity::Deny),
            "warn" => Some(Severity::Warn),
            "off" => Some(Severity::Off),
            _ => None,
        }
    }
}

/// The rule with this code or name.
pub fn rule(code_or_name: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
}

/// Words that SQL (the standard, MySQL, PostgreSQL or SQLite) reserves: a name among them
/// must be quoted wherever it is written by hand.
const RESERVED: &[&str] = &[
    "all",
    "alter",
    "analyze",
    "and",
    "as",
    "asc",
    "between",
    "both",
    "by",
    "case",
    "check",
    "column",
    "constraint",
    "create",
    "cross",
    "current_date",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "delete",
    "desc",
    "distinct",
    "drop",
    "else",
    "end",
    "except",
    "exists",
    "false",
    "fetch",
    "for",
    "foreign",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "in",
    "index",
    "inner",
    "insert",
    "intersect",
    "interval",
    "into",
    "is",
    "join",
    "key",
    "leading",
    "left",
    "like",
    "limit",
    "lock",
    "natural",
    "not",
    "null",
    "offset",
    "on",
    "or",
    "order",
    "outer",
    "over",
    "partition",
    "primary",
    "range",
    "rank",
    "references",
    "right",
    "row",
    "rows",
    "select",
    "set",
    "table",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "update",
    "user",
    "using",
    "values",
    "when",
    "where",
    "window",
    "with",
];

/// What the rules find in `steps` (the plan on `d`) and in the tables of `desired` (the
/// schema resolved for `d`) that the plan creates or alters, each at its rule's default
/// severity (warn). A table the plan leaves alone is not linted again.
pub fn check(steps: &[Step], desired: &Schema, d: &dyn SqlDialect) -> Vec<Lint> {
    let mut out = Vec::new();
    let mut found = |rule: &Rule, step: Option<usize>, message: String| {
        out.push(Lint {
            code: rule.code,
            rule: rule.name,
            severity: Severity::Warn,
            step,
            message,
        })
    };
    for (i, step) in steps.iter().enumerate() {
        for (rule, message) in step_lints(step, d) {
            found(rule, Some(i), message);
        }
    }
    let touched = |name: &str| {
        steps.iter().any(|s| match &s.change {
            Change::CreateTable { table } => table.name == name,
            Change::AlterTable { to, .. } => to.name == name,
            _ => false,
        })
    };
    for table in desired.tables.iter().filter(|t| touched(&t.name)) {
        for (rule, message) in table_lints(table, d) {
            found(rule, None, message);
        }
    }
    out
}

/// Whether two enums hold values they share in a different order.
fn reorders(from: &Type, to: &Type) -> bool {
    let (a, b) = (from.enum_values(), to.enum_values());
    let kept = |list: &[String], other: &[String]| -> Vec<String> {
        list.iter().filter(|v| other.contains(v)).cloned().collect()
    };
    matches!((from, to), (Type::Enum { .. }, Type::Enum { .. })) && kept(a, b) != kept(b, a)
}

/// What the plan's rules find in one step.
fn step_lints(step: &Step, d: &dyn SqlDialect) -> Vec<(&'static Rule, String)> {
    let mut out = Vec::new();
    let change = &step.change;
    let table = change.table();
    // Statements on an existing table that hold writes back while they go through its rows.
    let blocking: Vec<&Statement> = step
        .statements
        .iter()
        .filter(|s| s.table.is_some() && s.blocks_writes_while_working())
        .collect();
    // Whether one of those statements is the one that builds or validates `name` (a step's
    // other statements may block while this one does not).
    let blocks = |name: &str, building: bool| {
        let quoted = d.quote(name);
        blocking.iter().any(|s| {
            s.sql.contains(&quoted) && (!building || (s.scans && s.rewrites == Rewrite::No))
        })
    };
    if let Change::DropTable { .. } = change {
        out.push((
            &DESTRUCTIVE_DROP,
            format!("table `{table}` is dropped with its rows"),
        ));
    }
    if let Change::RenameTable { from, to } = change {
        out.push((
            &RENAME,
            format!("table `{from}` becomes `{to}`: deploy code that reads both first"),
        ));
    }
    if let Some(s) = step
        .statements
        .iter()
        .find(|s| s.table.is_some() && s.rewrites != Rewrite::No)
    {
        out.push((&TABLE_REWRITE, format!("`{table}`: {}", s.cost())));
    }
    let adds_key = matches!(change, Change::AddForeignKey { .. });
    for c in change.table_changes() {
        match c {
            TableChange::DropColumn(column) if column.generated.is_none() => out.push((
                &DESTRUCTIVE_DROP,
                format!("column `{table}`.`{}` is dropped with its values", column.name),
            )),
            TableChange::RenameColumn { from, to } => out.push((
                &RENAME,
                format!("column `{table}`.`{from}` becomes `{to}`: deploy code that reads both first"),
            )),
            TableChange::AddColumn(column) => {
                if !column.nullable && column.default.is_none() && !column.is_computed() {
                    out.push((
                        &NOT_NULL_OVER_ROWS,
                        format!("new column `{table}`.`{}` is NOT NULL without a default: running code that inserts rows without it fails", column.name),
                    ));
                }
                // Computed per row where the database writes every row for it (the
                // dialect decides: PostgreSQL's `now()` is evaluated once).
                if let Some(DefaultValue::Sql(e)) = &column.default
                    && !crate::dialect::is_sql_keyword_default(e)
                    && step.statements.iter().any(|s| s.rewrites != Rewrite::No)
                {
                    out.push((
                        &VOLATILE_DEFAULT,
                        format!("new column `{table}`.`{}` defaults to `{e}`, computed for every existing row", column.name),
                    ));
                }
            }
            TableChange::AlterColumn { from, to, .. }
                if d.enums_sort_by_position() && reorders(&from.ty, &to.ty) =>
            {
                out.push((
                    &ENUM_REORDERED,
                    format!("column `{table}`.`{}`: its values sort in a new order ({}), so `ORDER BY` and `<` on it change meaning", to.name, to.ty.enum_values().join(", ")),
                ))
            }
            TableChange::AlterColumn { from, to, .. } if from.nullable && !to.nullable => out
                .push((
                    &NOT_NULL_OVER_ROWS,
                    format!("column `{table}`.`{}` becomes NOT NULL: every row is checked, and running code that writes NULL fails", to.name),
                )),
            // A build that holds writes back, not a rewrite beside it (that is RC102).
            TableChange::CreateIndex(index) if blocks(&index.name, true) =>
            {
                out.push((
                &INDEX_BLOCKS_WRITES,
                    format!("index `{}` on `{table}` is built while writes wait", index.name),
                ))
            }
            TableChange::AddCheck(Check { name, .. })
            | TableChange::AddForeignKey(ForeignKey { name, .. })
                if blocks(name, false) =>
            {
                out.push((
                    &CONSTRAINT_BLOCKS_WRITES,
                    format!("`{table}`: {} validates its rows while writes wait", c.describe()),
                ));
            }
            _ => {}
        }
    }
    if adds_key && !blocking.is_empty() {
        out.push((
            &CONSTRAINT_BLOCKS_WRITES,
            format!(
                "`{table}`: {} validates its rows while writes wait",
                change.describe()
            ),
        ));
    }
    if let Change::AlterTable { dependents, .. } = change
        && step.recreates_table()
        && dependents.iter().any(|u| u.kind == "trigger")
    {
        out.push((
            &REBUILD_WITH_TRIGGERS,
            format!("`{table}` is rebuilt: its triggers are dropped and created again, and do not fire for the copied rows"),
        ));
    }
    out
}

/// What the schema's rules find in one desired table.
fn table_lints(table: &Table, d: &dyn SqlDialect) -> Vec<(&'static Rule, String)> {
    let mut out = Vec::new();
    let name = &table.name;
    if table.primary_key.is_empty() {
        out.push((
            &MISSING_PRIMARY_KEY,
            format!("table `{name}` has no primary key"),
        ));
    }
    let reserved = |n: &str| RESERVED.contains(&n.to_ascii_lowercase().as_str());
    if reserved(name) {
        out.push((&RESERVED_WORD, format!("table `{name}`")));
    }
    for column in table.columns.iter().filter(|c| reserved(&c.name)) {
        out.push((&RESERVED_WORD, format!("column `{name}`.`{}`", column.name)));
    }
    let begins = |longer: &[String], shorter: &[String]| {
        !shorter.is_empty() && longer.len() >= shorter.len() && longer[..shorter.len()] == *shorter
    };
    for (i, index) in table.indexes.iter().enumerate() {
        if index.unique || index.predicate.is_some() {
            continue;
        }
        let covered = begins(&table.primary_key, &index.columns)
            || table.indexes.iter().enumerate().any(|(j, other)| {
                j != i
                    && other.predicate.is_none()
                    && begins(&other.columns, &index.columns)
                    && (other.columns.len() > index.columns.len() || j < i)
            });
        if covered {
            out.push((
                &REDUNDANT_INDEX,
                format!(
                    "index `{}` on `{name}` ({})",
                    index.name,
                    index.columns.join(", ")
                ),
            ));
        }
    }
    if !d.indexes_foreign_keys() {
        for fk in &table.foreign_keys {
            let indexed = begins(&table.primary_key, &fk.columns)
                || table
                    .indexes
                    .iter()
                    .any(|i| i.predicate.is_none() && begins(&i.columns, &fk.columns));
            if !indexed {
                out.push((
                    &FOREIGN_KEY_WITHOUT_INDEX,
                    format!(
                        "foreign key `{}` on `{name}` ({})",
                        fk.name,
                        fk.columns.join(", ")
                    ),
                ));
            }
        }
    }
    out
}

impl Lint {
    /// `warn RC102 table-rewrite: ...`, as the text plan prints it.
    pub fn text(&self) -> String {
        let level = match self.severity {
            Severity::Off => "off",
            Severity::Warn => "warn",
            Severity::Deny => "deny",
        };
        format!("{level} {} {}: {}", self.code, self.rule, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::Dialect;
    use crate::plan::Plan;

    fn parse(source: &str) -> Schema {
        let (schema, problems) = crate::parse::parse(source);
        assert!(problems.is_empty(), "{problems:?}\n{source}");
        schema
    }

    /// The codes the plan from `current` to `desired` on `d` finds.
    fn codes(current: &str, desired: &str, d: Dialect) -> Vec<&'static str> {
        let plan = Plan::between(&parse(current), &parse(desired), d).unwrap();
        let mut out: Vec<&str> = plan.lints.iter().map(|l| l.code).collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    const BASE: &str = "table stock {\n    column id int primary-key=#true\n    column qty int\n    column note string length=20 nullable=#true\n}\n";

    fn with(extra: &str) -> String {
        BASE.replace("\n}\n", &format!("\n{extra}\n}}\n"))
    }

    #[test]
    fn every_rule_has_a_unique_code_and_name_and_a_docs_entry() {
        let docs = include_str!("../../docs/lints.md");
        for (i, r) in RULES.iter().enumerate() {
            assert_eq!(r.code, format!("RC{}", 101 + i), "codes are in order");
            assert!(RULES.iter().filter(|o| o.name == r.name).count() == 1);
            assert!(
                docs.contains(&format!("## {} `{}`", r.code, r.name)),
                "{}",
                r.code
            );
            assert_eq!(rule(r.name), Some(r));
            assert_eq!(rule(&r.code.to_lowercase()), Some(r));
        }
    }

    #[test]
    fn destructive_drops_and_renames() {
        let dropped = BASE.replace("    column note string length=20 nullable=#true\n", "");
        assert!(codes(BASE, &dropped, Dialect::Postgres).contains(&"RC101"));
        assert!(codes(BASE, "", Dialect::Mysql).contains(&"RC101"));
        let renamed = BASE.replace("column note", "column remark renamed-from=note");
        assert!(codes(BASE, &renamed, Dialect::Postgres).contains(&"RC107"));
        let table = BASE.replace("table stock {", "table goods renamed-from=stock {");
        assert!(codes(BASE, &table, Dialect::Sqlite).contains(&"RC107"));
    }

    #[test]
    fn rewrites_and_blocking_builds_per_database() {
        let retyped = BASE.replace("column qty int", "column qty bigint");
        // MySQL copies, PostgreSQL rewrites, SQLite rebuilds.
        for d in Dialect::ALL {
            assert!(codes(BASE, &retyped, d).contains(&"RC102"), "{d}");
        }
        // An index: SQLite blocks writes; MySQL builds it in place; PostgreSQL builds it
        // CONCURRENTLY, unless a foreign key added in the same plan needs it first.
        let indexed = with("    index qty");
        assert!(codes(BASE, &indexed, Dialect::Sqlite).contains(&"RC103"));
        assert!(!codes(BASE, &indexed, Dialect::Mysql).contains(&"RC103"));
        assert!(!codes(BASE, &indexed, Dialect::Postgres).contains(&"RC103"));
        let needed = with("    index qty unique=#true")
            + "table moves {\n    column id int primary-key=#true\n    column qty int references=stock.qty\n}\n";
        assert!(codes(BASE, &needed, Dialect::Postgres).contains(&"RC103"));
        // A check: MySQL copies to validate it; PostgreSQL adds it NOT VALID.
        let checked = with("    check qty_positive \"qty > 0\"");
        assert!(codes(BASE, &checked, Dialect::Mysql).contains(&"RC104"));
        assert!(!codes(BASE, &checked, Dialect::Postgres).contains(&"RC104"));
    }

    #[test]
    fn columns_that_running_code_trips_on() {
        let required = BASE.replace(
            "column note string length=20 nullable=#true",
            "column note string length=20",
        );
        assert!(codes(BASE, &required, Dialect::Postgres).contains(&"RC105"));
        let added = with("    column code string length=8");
        assert!(codes(BASE, &added, Dialect::Mysql).contains(&"RC105"));
        let stamped = with("    column seen string length=36 default=(sql)\"gen_random_uuid()\"");
        assert!(codes(BASE, &stamped, Dialect::Postgres).contains(&"RC106"));
        let now = with("    column at datetime default=(sql)CURRENT_TIMESTAMP");
        assert!(!codes(BASE, &now, Dialect::Postgres).contains(&"RC106"));
        // PostgreSQL evaluates `now()` once for the statement: no row is written for it.
        let once = with("    column at datetime default=(sql)\"now()\"");
        assert!(!codes(BASE, &once, Dialect::Postgres).contains(&"RC106"));
    }

    #[test]
    fn schema_rules() {
        let keyless = "table log {\n    column at datetime\n}\n";
        assert!(codes("", keyless, Dialect::Sqlite).contains(&"RC108"));
        let reserved = "table \"order\" {\n    column id int primary-key=#true\n    column \"select\" int\n}\n";
        let plan = Plan::between(&Schema::default(), &parse(reserved), Dialect::Mysql).unwrap();
        let found: Vec<&str> = plan
            .lints
            .iter()
            .filter(|l| l.code == "RC109")
            .map(|l| l.message.as_str())
            .collect();
        assert_eq!(found, ["table `order`", "column `order`.`select`"]);
        let redundant = "table t {\n    column id int primary-key=#true\n    column a int\n    column b int\n    index a\n    index a b\n}\n";
        assert!(codes("", redundant, Dialect::Postgres).contains(&"RC110"));
        let fk = "table p {\n    column id int primary-key=#true\n}\ntable c {\n    column id int primary-key=#true\n    column p_id int references=p.id\n}\n";
        // MySQL indexes a foreign key's columns itself; PostgreSQL and SQLite do not.
        assert!(codes("", fk, Dialect::Postgres).contains(&"RC111"));
        assert!(!codes("", fk, Dialect::Mysql).contains(&"RC111"));
        let indexed = fk.replace("references=p.id\n", "references=p.id\n    index p_id\n");
        assert!(!codes("", &indexed, Dialect::Postgres).contains(&"RC111"));
    }
}
