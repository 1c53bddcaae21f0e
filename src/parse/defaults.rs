//! The rules on a `default=` that need only its column's type, checked where the default is
//! read so that the problem points at the default itself.

use crate::error::Problem;
use crate::schema::{DefaultValue, Span, Type};

/// The SQL words for "now" that a user may write as a plain string by mistake, with the
/// portable expression to suggest.
const NOW_WORDS: [(&str, &str); 7] = [
    ("CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP"),
    ("CURRENT_TIMESTAMP()", "CURRENT_TIMESTAMP"),
    ("NOW()", "CURRENT_TIMESTAMP"),
    ("LOCALTIMESTAMP", "CURRENT_TIMESTAMP"),
    ("CURRENT_DATE", "CURRENT_DATE"),
    ("CURRENT_TIME", "CURRENT_TIME"),
    ("LOCALTIME", "CURRENT_TIME"),
];

/// Problems of `default` (written at `span`) on a column of type `ty`.
pub(super) fn check(ty: &Type, default: &DefaultValue, span: Span, problems: &mut Vec<Problem>) {
    let DefaultValue::String(text) = default else {
        return;
    };
    let temporal = matches!(
        ty,
        Type::Date | Type::Time | Type::DateTime | Type::Timestamp
    );
    let word: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    if let Some((_, sql)) = NOW_WORDS
        .iter()
        .find(|(w, _)| *w == word)
        .filter(|_| temporal)
    {
        problems.push(
            Problem::new(
                format!("`default` is the text \"{text}\", not the time of the insert"),
                span,
            )
            .label("a plain string")
            .help(format!("did you mean `(sql){sql}`?")),
        );
    }
    if let Type::String {
        length: Some(length),
    } = ty
    {
        let chars = text.chars().count();
        if chars > *length as usize {
            problems.push(
                Problem::new(
                    format!("the default is {chars} characters long; the column holds {length}"),
                    span,
                )
                .label("longer than `length`")
                .help("shorten the default or raise `length`"),
            );
        }
    }
}
