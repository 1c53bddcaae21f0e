//! What changing a column's type does to the values PostgreSQL stores. The plan converts
//! with `ALTER ... TYPE new USING "c"::new`, and an explicit cast rounds (`1.25` into
//! `numeric(5,1)` is `1.3`), cuts (`varchar(5)` keeps five characters), drops the time of
//! day or reads `5` as `true`, all without a word; or it raises a data exception (`22003`
//! out of range, `22P02` invalid text). So the server decides: a value survives when the
//! cast and the cast back give the stored value again (`("c"::new)::old IS NOT DISTINCT
//! FROM "c"`), and a cast that raises counts as a lost value (the driver then checks row by
//! row, [`per_row`]).
//!
//! What "the same value" means is decided in the domain a user reads the value in:
//!
//! - text into a number is compared as a number: `'1.50'` into `numeric(5,1)` is `1.5`, the
//!   same number, kept; `'1.55'` is `1.6`, lost; `' 12'` into `int` is 12, kept;
//! - text into a `date` or `timestamp` is compared as an instant (`timestamptz`):
//!   `'2024-01-02'` kept, `'2024-01-02 10:00'` into a date lost (the time of day), a zone
//!   that `timestamp` would drop lost;
//! - text into a `time` must be the time's own text, with or without seconds (`time` reads
//!   `'2024-01-02 10:00'` as 10:00);
//! - text into `bool`, `timestamptz`, `uuid`, `jsonb` or `bytea` is kept when the server
//!   reads it at all (`'yes'` is `true`; `jsonb` respells whitespace and key order, and
//!   keeps the last of duplicate keys; an upper-case uuid is printed in lower case);
//! - a float target is read back through its text (`real`'s and `double precision`'s output
//!   is the shortest that reads back exactly), because PostgreSQL's float-to-numeric cast
//!   keeps only 6 or 15 digits;
//! - into text, the text must be the stored value's own text, whole (`false` cut to
//!   `fal` would still read as `false`);
//! - otherwise the value goes back to the old type and must equal the stored one.
//!
//! Hand-written rules stay where no round trip can be spelled: `time` has no cast back to a
//! timestamp, so every non-NULL value loses its date; a pair with no cast at all (`date`
//! into `time`, `smallint` into `bool`) fails in the statement whatever the rows, and gets
//! no count.

use super::Postgres;
use crate::dialect::{DataEffect, SqlDialect};
use crate::dialect::{Lossy, quote_string};
use crate::schema::{Column, Type};

/// The effect of changing `from` (live) into `to` (desired) on PostgreSQL.
pub fn data_effect(d: &Postgres, from: &Column, to: &Column) -> DataEffect {
    if from.ty.widens_to(&to.ty) {
        return DataEffect::Keeps;
    }
    let col = d.quote(&from.name);
    if let Type::Enum { values, .. } = &to.ty {
        // A label that is not one of the values fails the statement's cast.
        let list: Vec<String> = values.iter().map(|v| quote_string(v, false)).collect();
        return DataEffect::Converts {
            lossy: Some(format!(
                "{col} IS NOT NULL AND {col}::text NOT IN ({})",
                list.join(", ")
            )),
        };
    }
    // An enum casts to text only: the statement converts its label (`USING "c"::text::new`),
    // and so does the check.
    let (col, a) = match &from.ty {
        Type::Enum { .. } => (format!("{col}::text"), &Type::Text),
        other => (col, other),
    };
    let b = &to.ty;
    if matches!(a, Type::Raw(_)) || matches!(b, Type::Raw(_)) || !castable(a, b) {
        // A type the model does not know, or a pair PostgreSQL has no cast for: the
        // statement itself fails (and rolls back), whatever the rows hold.
        return DataEffect::Converts { lossy: None };
    }
    let old = d.column_type_sql(&Column {
        ty: a.clone(),
        declared: None,
        ..from.clone()
    });
    let new = d.column_type_sql(to);
    // Exactly the conversion the statement runs (`USING "c"::new`).
    let forward = format!("{col}::{new}");
    let lost = if textual(b) {
        // Into text, the text must stay whole: `false` cut to `fal` still reads as false.
        format!("({forward})::text IS DISTINCT FROM {col}::text")
    } else if textual(a) {
        match b {
            Type::Float | Type::Double => {
                format!("({forward})::text::numeric IS DISTINCT FROM {col}::numeric")
            }
            _ if number(b) => format!("({forward})::numeric IS DISTINCT FROM {col}::numeric"),
            // A zone in the text is read, and an instant compared: a `timestamp` or `date`
            // that drops the zone or the time of day is lost.
            Type::Date | Type::DateTime => {
                format!("({forward})::timestamptz IS DISTINCT FROM {col}::timestamptz")
            }
            // A time must be the text's own spelling (with or without seconds): `time` reads
            // `'2024-01-02 10:00'` as 10:00 and drops a zone.
            Type::Time => format!(
                "({forward})::text IS DISTINCT FROM {col} AND ({forward})::text IS DISTINCT FROM {col} || ':00'"
            ),
            // Kept when the server reads it at all: only a conversion error counts.
            _ => format!("({forward}) IS NULL"),
        }
    } else if matches!(b, Type::Time) {
        // `time` has no cast back to a timestamp: every value loses its date.
        "TRUE".to_string()
    } else if matches!(a, Type::Json) {
        // A number or boolean read out of `jsonb` has no cast back; `to_jsonb` is it.
        format!("to_jsonb({forward}) IS DISTINCT FROM {col}")
    } else if matches!(b, Type::Float | Type::Double) && matches!(a, Type::Decimal { .. })
        || matches!(b, Type::Float | Type::Double) && a.is_integer()
    {
        format!("({forward})::text::numeric IS DISTINCT FROM {col}")
    } else {
        format!("({forward})::{old} IS DISTINCT FROM {col}")
    };
    DataEffect::Converts {
        lossy: Some(format!("{col} IS NOT NULL AND {lost}")),
    }
}

fn textual(t: &Type) -> bool {
    matches!(t, Type::String { .. } | Type::Text)
}

fn number(t: &Type) -> bool {
    t.is_integer() || matches!(t, Type::Float | Type::Double | Type::Decimal { .. })
}

/// Whether PostgreSQL 15 has a cast from `a` to `b` (`pg_cast`, plus the text I/O casts
/// every type has), read from the server's catalog for the portable types.
fn castable(a: &Type, b: &Type) -> bool {
    use Type::*;
    textual(a)
        || textual(b)
        || (number(a) && number(b))
        || matches!(
            (a, b),
            (Int, Bool)
                | (Bool, Int)
                | (Date, DateTime | Timestamp)
                | (DateTime | Timestamp, Date | Time | DateTime | Timestamp)
        )
        || (matches!(a, Json) && (number(b) || matches!(b, Bool)))
}

/// The result of [`per_row`]: the count and the first lost value, as text.
pub const PER_ROW_RESULT: &str = "SELECT current_setting('reconcile.lost_rows'), \
     current_setting('reconcile.lost_sample')";

/// A `DO` block that checks `lossy` row by row, each in its own subtransaction, counting a
/// row whose condition raises a data exception as lost; it leaves the count and the first
/// lost value in the session settings [`PER_ROW_RESULT`] reads. Only reads, so it runs in
/// `plan`'s read-only session too.
pub fn per_row(lossy: &Lossy) -> String {
    let body = format!(
        "DECLARE n bigint := 0; s text; r record; \
         BEGIN \
           FOR r IN SELECT ctid AS id, {text} AS v FROM {table} LOOP \
             BEGIN \
               PERFORM 1 FROM {table} WHERE ctid = r.id AND ({condition}); \
               IF FOUND THEN n := n + 1; s := coalesce(s, r.v); END IF; \
             EXCEPTION WHEN data_exception THEN n := n + 1; s := coalesce(s, r.v); \
             END; \
           END LOOP; \
           PERFORM set_config('reconcile.lost_rows', n::text, false), \
                   set_config('reconcile.lost_sample', coalesce(s, ''), false); \
         END",
        text = lossy.text,
        table = lossy.table,
        condition = lossy.condition,
    );
    // A dollar-quote tag the body does not contain (names are the user's).
    let tag = (0..)
        .map(|n| format!("$reconcile{n}$"))
        .find(|t| !body.contains(t.as_str()))
        .expect("a free tag");
    format!("DO {tag} {body} {tag}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lossy(a: Type, b: Type) -> Option<String> {
        data_effect(
            &Postgres::OFFLINE,
            &Column::new("c", a),
            &Column::new("c", b),
        )
        .lossy()
        .map(str::to_string)
    }

    #[test]
    fn widening_needs_no_query_and_a_missing_cast_gets_no_count() {
        assert_eq!(lossy(Type::Int, Type::BigInt), None);
        assert_eq!(lossy(Type::String { length: Some(5) }, Type::Text), None);
        assert_eq!(lossy(Type::Date, Type::Time), None);
        assert_eq!(lossy(Type::SmallInt, Type::Bool), None);
    }

    #[test]
    fn conversions_are_round_trips() {
        assert_eq!(
            lossy(
                Type::String { length: Some(50) },
                Type::String { length: Some(5) }
            )
            .unwrap(),
            "\"c\" IS NOT NULL AND (\"c\"::VARCHAR(5))::text IS DISTINCT FROM \"c\"::text"
        );
        assert_eq!(
            lossy(Type::Int, Type::Bool).unwrap(),
            "\"c\" IS NOT NULL AND (\"c\"::BOOLEAN)::INTEGER IS DISTINCT FROM \"c\""
        );
        assert_eq!(
            lossy(Type::DateTime, Type::Time).unwrap(),
            "\"c\" IS NOT NULL AND TRUE"
        );
    }

    #[test]
    fn the_per_row_block_picks_a_tag_the_names_do_not_hold() {
        let l = Lossy {
            table: "\"$reconcile0$\"".into(),
            condition: "TRUE".into(),
            text: "\"c\"::text".into(),
        };
        let sql = per_row(&l);
        assert!(sql.starts_with("DO $reconcile1$ "), "{sql}");
        assert!(sql.ends_with(" $reconcile1$"), "{sql}");
    }
}
