//! Keeps passwords out of every output: a database URL is only ever shown redacted, text
//! that may quote one is scrubbed, and an environment file is shown with its inline
//! passwords masked.
//!
//! A password is the part of a URL's userinfo after its first `:` (`scheme://user:PASSWORD@`,
//! also with one slash or none after the scheme, where the `url` crate sees no userinfo), or
//! the value of a query parameter named `password`, `pass`, `passwd`, `pwd` or ending in
//! `password`, in any case (`?sslpassword=...`).
//!
//! Beyond URLs, every secret value the tool comes to know (a URL's password, the value of a
//! variable that fills one or whose name says it is secret, a `password` line) is
//! remembered with [`learn`], and [`mask_known`] hides it, as written and percent-encoded,
//! wherever it appears in an output: a comment next to an error line, a misspelled setting,
//! a server's message. Values shorter than [`MIN_SECRET_CHARS`] are not remembered: masking
//! every `ab` in every message would hide the message, not the secret.

use std::fmt;
use std::ops::Range;
use std::sync::Mutex;

/// The shortest value [`learn`] remembers.
pub const MIN_SECRET_CHARS: usize = 4;

/// The secret values known so far, in every spelling, longest first.
static KNOWN: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Remembers `secret` so that [`mask_known`] hides it, and its percent-encoded spellings,
/// in every later output.
pub fn learn(secret: &str) {
    if secret.chars().count() < MIN_SECRET_CHARS {
        return;
    }
    let encoded: String = secret
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    let forms = [
        secret.to_string(),
        percent_decode(secret),
        lower_hex(&encoded),
        url::form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
        encoded,
    ];
    let mut known = KNOWN.lock().unwrap_or_else(|e| e.into_inner());
    for form in forms {
        // A `${NAME}` reference is not a secret, and stays readable.
        if form.chars().count() >= MIN_SECRET_CHARS
            && !form.contains("${")
            && !known.contains(&form)
        {
            known.push(form);
        }
    }
    known.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// `%2F` written `%2f`.
fn lower_hex(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut hex = 0;
    for c in encoded.chars() {
        if c == '%' {
            hex = 2;
            out.push(c);
        } else if hex > 0 {
            hex -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Remembers every password of `url` ([`learn`]).
pub fn learn_url(url: &str) {
    for r in password_ranges(url) {
        learn(&url[r]);
    }
    if let Some(p) = url::Url::parse(url)
        .ok()
        .and_then(|u| u.password().map(str::to_string))
    {
        learn(&p);
    }
}

/// Whether a setting or variable called `name` holds a secret (`DB_PASSWORD`, `api_token`).
pub fn secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["password", "passwd", "pass", "pwd", "secret", "token"]
        .iter()
        .any(|s| name.contains(s))
}

/// `text` with every known secret ([`learn`]) replaced by as many `*` as it has bytes, so
/// that spans, columns and carets in a diagnostic stay where they were.
pub fn mask_known(text: &str) -> String {
    let known = KNOWN.lock().unwrap_or_else(|e| e.into_inner());
    let mut out = text.to_string();
    for secret in known.iter() {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), &"*".repeat(secret.len()));
        }
    }
    out
}

/// `url` with every password replaced by `***`; unparseable input is not echoed at all.
pub fn redact_url(url: &str) -> String {
    let parsed = match url::Url::parse(url) {
        Ok(u) => u,
        Err(_) => return "<unparseable url>".to_string(),
    };
    if parsed.has_host() {
        let mut u = parsed;
        if u.password().is_some() {
            let _ = u.set_password(Some("***"));
        }
        let shown = u.as_str();
        replace_ranges(shown, &query_passwords(shown), "***")
    } else {
        replace_ranges(url, &password_ranges(url), "***")
    }
}

/// Replaces every password of `url` in `text` by `***`, as written and percent-decoded (for
/// database errors, which may quote the connection string).
pub fn scrub(text: &str, url: &str) -> String {
    let mut secrets: Vec<String> = password_ranges(url)
        .into_iter()
        .map(|r| url[r].to_string())
        .collect();
    if let Some(p) = url::Url::parse(url)
        .ok()
        .and_then(|u| u.password().map(str::to_string))
    {
        secrets.push(p);
    }
    let decoded: Vec<String> = secrets.iter().map(|s| percent_decode(s)).collect();
    secrets.extend(decoded);
    secrets.retain(|s| !s.is_empty());
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets.dedup();
    let mut out = text.to_string();
    for s in &secrets {
        out = out.replace(s.as_str(), "***");
    }
    out
}

/// `text` with every inline password of every URL in it (in strings and comments alike)
/// replaced by as many `*` as it has bytes, so that spans into `text` stay valid; `${NAME}`
/// references inside a password stay readable.
pub fn mask_inline_passwords(text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                let token = &text[s..i];
                let lead = token.len()
                    - token
                        .trim_start_matches(|c: char| !c.is_alphanumeric())
                        .len();
                for r in password_ranges(&token[lead..]) {
                    mask_keeping_references(text, s + lead + r.start..s + lead + r.end, &mut bytes);
                }
                start = None;
            }
            _ => {}
        }
    }
    // Only whole UTF-8 sequences were replaced, byte for byte, by ASCII.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Sets the bytes of `range` to `*`, except those of `${...}` references.
fn mask_keeping_references(text: &str, range: Range<usize>, bytes: &mut [u8]) {
    let source = text.as_bytes();
    let mut j = range.start;
    while j < range.end {
        let rest = &source[j..range.end];
        if rest.starts_with(b"${")
            && let Some(close) = rest.iter().position(|b| *b == b'}')
        {
            j += close + 1;
            continue;
        }
        bytes[j] = b'*';
        j += 1;
    }
}

/// The byte ranges of the passwords in `url` (one URL, possibly unparseable).
fn password_ranges(url: &str) -> Vec<Range<usize>> {
    let mut out = query_passwords(url);
    if let Some(at) = url.rfind('@') {
        let scheme_end = url
            .find(':')
            .filter(|&i| is_scheme(&url[..i]))
            .map_or(0, |i| i + 1);
        let slashes = url[scheme_end..].len() - url[scheme_end..].trim_start_matches('/').len();
        let info_start = scheme_end + slashes;
        if info_start < at {
            let info = &url[info_start..at];
            match info.find(':') {
                Some(colon) => out.push(info_start + colon + 1..at),
                // `scheme:/secret@host` or `user:secret@host`: no `//`, so nothing says
                // this is a user name; hide it.
                None if slashes < 2 && scheme_end > 0 => out.push(info_start..at),
                None => {}
            }
        }
    }
    out.retain(|r| !r.is_empty());
    out
}

/// The byte ranges of password-like query parameter values in `url`.
fn query_passwords(url: &str) -> Vec<Range<usize>> {
    let Some(q) = url.find('?') else {
        return Vec::new();
    };
    let end = url[q..].find(['#', '"', '\'']).map_or(url.len(), |i| q + i);
    let mut out = Vec::new();
    let mut pos = q + 1;
    for pair in url[q + 1..end].split(['&', ';']) {
        if let Some((key, value)) = pair.split_once('=') {
            let key = percent_decode(key).to_ascii_lowercase();
            let secret = matches!(key.as_str(), "password" | "pass" | "passwd" | "pwd")
                || key.ends_with("password");
            if secret {
                let v = pos + key_len(pair) + 1;
                out.push(v..v + value.len());
            }
        }
        pos += pair.len() + 1;
    }
    out
}

fn key_len(pair: &str) -> usize {
    pair.find('=').unwrap_or(pair.len())
}

fn is_scheme(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
}

/// `text` with each of `ranges` (sorted or not, possibly overlapping) replaced by `with`.
fn replace_ranges(text: &str, ranges: &[Range<usize>], with: &str) -> String {
    let mut ranges = ranges.to_vec();
    ranges.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for r in ranges {
        if r.start < done {
            done = done.max(r.end);
            continue;
        }
        out.push_str(&text[done..r.start]);
        out.push_str(with);
        done = r.end;
    }
    out.push_str(&text[done.min(text.len())..]);
    out
}

/// `%40` as `@`: a URL's user or password as the server knows it.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A database URL whose `Debug` and `Display` never show the password.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl(String);

impl SecretUrl {
    /// The URL; its passwords are remembered for [`mask_known`].
    pub fn new(url: String) -> Self {
        learn_url(&url);
        SecretUrl(url)
    }

    /// The real URL, for the database driver only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact_url(&self.0))
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretUrl({})", redact_url(&self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redact_url("mysql://app:s3cret@127.0.0.1:3307/app"),
            "mysql://app:***@127.0.0.1:3307/app"
        );
        assert_eq!(redact_url("sqlite://dev.db"), "sqlite://dev.db");
        assert_eq!(redact_url("not a url s3cret"), "<unparseable url>");
        let u = SecretUrl::new("postgres://u:p%40ss@h/db".into());
        assert!(!format!("{u} {u:?}").contains("p%40ss"));
        assert_eq!(
            scrub("failed for u:p@ss and p%40ss", u.expose()),
            "failed for u:*** and ***"
        );
    }

    #[test]
    fn every_url_form_is_redacted() {
        for (url, shown) in [
            ("postgres:/u:s3cret@h/x", "postgres:/u:***@h/x"),
            ("postgres:u:s3cret@h/x", "postgres:u:***@h/x"),
            ("postgres:/s3cret@h/x", "postgres:/***@h/x"),
            ("postgresql:///u:s3cret@h/x", "postgresql:///u:***@h/x"),
            (
                "mysql://u@h/db?password=s3cret",
                "mysql://u@h/db?password=***",
            ),
            (
                "mysql://u@h/db?ssl=1&PWD=s3cret&x=2",
                "mysql://u@h/db?ssl=1&PWD=***&x=2",
            ),
            (
                "postgres://u@h/db?sslpassword=s3cret",
                "postgres://u@h/db?sslpassword=***",
            ),
            (
                "postgres://u:a@h/db?Pass=s3cret",
                "postgres://u:***@h/db?Pass=***",
            ),
            ("mysql://u:s3/cret@h/db", "<unparseable url>"),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
        }
        assert_eq!(scrub("x s3cret y", "mysql://u@h/db?pass=s3cret"), "x *** y");
        assert_eq!(scrub("x s3cret y", "postgres:/u:s3cret@h/x"), "x *** y");
    }

    #[test]
    fn inline_passwords_are_masked_in_place() {
        let text = "url \"mysql://u:s3cret@h/db\"\n// old: postgres:/u:0ld@h?pwd=x1 and a:b@c\nurl \"mysql://u:${PW}@h/db\" x\n";
        let masked = mask_inline_passwords(text);
        assert_eq!(masked.len(), text.len());
        for secret in ["s3cret", "0ld", "x1", ":b@"] {
            assert!(!masked.contains(secret), "{secret}: {masked}");
        }
        assert!(masked.contains("mysql://u:${PW}@h/db"), "{masked}");
        assert!(masked.contains("mysql://u:******@h/db"), "{masked}");
    }
}
