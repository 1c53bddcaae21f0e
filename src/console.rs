//! What the commands print. Every line goes through [`crate::redact::mask_known`], and a
//! closed stream (`reconcile apply 2>&1 | head -5`, `2>&-`) is ignored instead of panicking
//! the way `println!` and `eprintln!` do: the command's work and its exit status stand.

use std::io::Write;

/// Writes `text` as it is to standard output.
pub fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(crate::redact::mask_known(text).as_bytes());
    let _ = stdout.flush();
}

/// Writes `text` as it is to standard error.
pub fn err(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(crate::redact::mask_known(text).as_bytes());
    let _ = stderr.flush();
}

/// Writes `line` and a newline to standard error.
pub fn line(line: &str) {
    err(&format!("{line}\n"));
}
