//! Where an environment's URL points, read the way SQLAlchemy users already write it:
//! `sqlite:///relative.db` and `sqlite:////absolute.db`, schemes with a `+driver`, and a
//! user and password given raw in their own settings and percent-encoded here.
//!
//! Pure functions over text (no I/O but [`std::path::absolute`]); an error is a sentence for
//! the caller to turn into a diagnostic at the setting's place. No message built here quotes
//! a server URL, which may hold a password. SQLAlchemy's reading of URLs:
//! <https://docs.sqlalchemy.org/en/20/core/engines.html#database-urls>.

use std::path::{Component, Path, PathBuf};

/// The scheme of `url`, the text before its first `:`, when it is a valid URL scheme
/// (RFC 3986: a letter, then letters, digits, `+`, `-` or `.`; and `_`, which SQLAlchemy's
/// driver names hold, as in `oracle+cx_oracle:`), or `None`. A substituted
/// password (`p@ss:word`) is not one, so an error may quote what this returns.
pub fn scheme(url: &str) -> Option<&str> {
    let (scheme, _) = url.split_once(':')?;
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.' | '_'));
    valid.then_some(scheme)
}

/// `url` with the SQLAlchemy driver taken out of its scheme (`mysql+aiomysql://h/db` is
/// `mysql://h/db`), and the driver (`aiomysql`) when there was one. A `url` whose text
/// before `:` is no valid [`scheme`] comes back as it is, with `None`.
pub fn without_driver(url: &str) -> (String, Option<String>) {
    match scheme(url).and_then(|scheme| scheme.split_once('+')) {
        Some((base, driver)) => {
            let rest = &url[base.len() + 1 + driver.len()..];
            (format!("{base}{rest}"), Some(driver.to_string()))
        }
        None => (url.to_string(), None),
    }
}

/// The database a `sqlite:` URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqliteFile {
    /// A file: the project folder joined with a relative path, or an absolute path.
    Path(PathBuf),
    /// `:memory:`, a database that lives as long as its connection.
    Memory,
}

impl SqliteFile {
    /// The file's absolute path as messages show it (the path as it is when it cannot be
    /// made absolute), or `:memory:`.
    pub fn shown(&self) -> String {
        match self {
            SqliteFile::Path(path) => std::path::absolute(path)
                .unwrap_or_else(|_| path.clone())
                .display()
                .to_string(),
            SqliteFile::Memory => ":memory:".into(),
        }
    }
}

/// The file a `sqlite:` URL (without its `+driver`) names, as SQLAlchemy reads it:
/// `sqlite:///dev.db`, `sqlite://dev.db` and `sqlite:dev.db` are `dev.db` in the project
/// folder `root`; `sqlite:////srv/app/dev.db` is an absolute path; `sqlite://:memory:`,
/// `sqlite::memory:` and `sqlite:///:memory:` are [`SqliteFile::Memory`]. The path is taken
/// literally (no percent-decoding: `%2e%2e` is a file name). Fails when the URL names no
/// file, has options (`?...`), or has a relative path that leaves `root` through `..`,
/// which must be written absolute so that no file outside the project is reached unseen.
pub fn sqlite_file(url: &str, root: &Path) -> Result<SqliteFile, String> {
    let Some(rest) = url.strip_prefix("sqlite:") else {
        return Err("the url is not a `sqlite:` url".into());
    };
    let path = match rest.strip_prefix("//") {
        // Four slashes: `/` starts an absolute path.
        Some(after) if after.starts_with("//") => &after[1..],
        // Three slashes, as SQLAlchemy writes a relative path, or two.
        Some(after) => after.strip_prefix('/').unwrap_or(after),
        None => rest,
    };
    if path.contains('?') {
        return Err(
            "the SQLite url has options (`?...`), which reconcile does not take: it must name only a file"
                .into(),
        );
    }
    if path.is_empty() || path == "/" {
        return Err("the SQLite url names no file".into());
    }
    if path == ":memory:" {
        return Ok(SqliteFile::Memory);
    }
    let path = Path::new(path);
    if path.is_absolute() {
        return Ok(SqliteFile::Path(path.to_path_buf()));
    }
    let joined = root.join(path);
    if path.components().any(|part| part == Component::ParentDir) {
        let absolute = normalized(&std::path::absolute(&joined).unwrap_or(joined));
        return Err(format!(
            "`{url}` leaves the project folder; write the absolute path with four slashes: `sqlite:///{}`",
            absolute.display()
        ));
    }
    Ok(SqliteFile::Path(joined))
}

/// `path` with `.` and `..` resolved by its text alone (`..` drops the part before it).
fn normalized(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The server URL `url` (`scheme://[userinfo@]host[:port]/db[?query]`) with `user` and
/// `password`, as the user wrote them in their own settings, percent-encoded into its
/// userinfo. Each may be in the URL or in its setting, not both; a `password` needs a user
/// in one of them; `url` needs `//` after its scheme. Without either setting, `url` comes
/// back as it is.
pub fn with_credentials(
    url: &str,
    user: Option<&str>,
    password: Option<&str>,
) -> Result<String, String> {
    let Some(start) = url.find("://").map(|i| i + "://".len()) else {
        return Err("the url needs `//` and a host after its scheme".into());
    };
    if user.is_none() && password.is_none() {
        return Ok(url.to_string());
    }
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    let authority = &url[start..end];
    let (userinfo, host) = match authority.rfind('@') {
        Some(at) => (&authority[..at], &authority[at + 1..]),
        None => ("", authority),
    };
    let (url_user, url_password) = match userinfo.split_once(':') {
        Some((user, password)) => (user, Some(password).filter(|p| !p.is_empty())),
        None => (userinfo, None),
    };
    if !url_user.is_empty() && user.is_some() {
        return Err("the url names a user and so does the `user` setting; keep one".into());
    }
    if url_password.is_some() && password.is_some() {
        return Err("the url holds a password and so does the `password` setting; keep one".into());
    }
    let user = user.map_or_else(|| url_user.to_string(), encode_userinfo);
    if password.is_some() && user.is_empty() {
        return Err("a `password` needs a user: set `user` or write it in the url".into());
    }
    let password = password
        .map(encode_userinfo)
        .or(url_password.map(str::to_string));
    let userinfo = match password {
        Some(password) => format!("{user}:{password}@"),
        None if user.is_empty() => String::new(),
        None => format!("{user}@"),
    };
    Ok(format!("{}{userinfo}{host}{}", &url[..start], &url[end..]))
}

/// `raw` with every byte that is not an RFC 3986 unreserved character (a letter, a digit,
/// `-`, `.`, `_`, `~`) written `%XX`: `%` too, which the `url` crate would keep as it is.
fn encode_userinfo(raw: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xF)]));
        }
    }
    out
}

/// Why the server URL `url`, its variables substituted, is not one a driver can use (the
/// `url` crate's reason, such as `invalid port number`, or `it names no host`), or `None`
/// when it parses and names a host. The reason never holds any part of `url`, which may
/// hold a password.
pub fn server_url_problem(url: &str) -> Option<String> {
    match url::Url::parse(url) {
        Ok(parsed) if parsed.host_str().is_some_and(|host| !host.is_empty()) => None,
        Ok(_) => Some("it names no host".into()),
        Err(why) => Some(why.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(url: &str) -> Result<SqliteFile, String> {
        sqlite_file(url, Path::new("/proj"))
    }

    fn path(p: &str) -> Result<SqliteFile, String> {
        Ok(SqliteFile::Path(PathBuf::from(p)))
    }

    #[test]
    fn a_scheme_is_what_rfc_3986_allows_and_sqlalchemy_driver_names() {
        assert_eq!(scheme("mysql+aiomysql://h"), Some("mysql+aiomysql"));
        assert_eq!(scheme("sqlite:dev.db"), Some("sqlite"));
        assert_eq!(scheme("a1+b-c.d://h"), Some("a1+b-c.d"));
        assert_eq!(scheme("p@ss:x"), None);
        assert_eq!(scheme("9x://h"), None);
        assert_eq!(scheme("+x://h"), None);
        assert_eq!(scheme("oracle+cx_oracle://h"), Some("oracle+cx_oracle"));
        assert_eq!(scheme("my pass:word@h"), None);
        assert_eq!(scheme("://h"), None);
        assert_eq!(scheme("no colon"), None);
    }

    #[test]
    fn drivers_are_dropped_from_sqlalchemy_schemes() {
        for (url, plain, driver) in [
            ("mysql+aiomysql://h/db", "mysql://h/db", "aiomysql"),
            ("mysql+pymysql://u:p@h/db", "mysql://u:p@h/db", "pymysql"),
            ("postgresql+psycopg://h/db", "postgresql://h/db", "psycopg"),
            ("postgresql+asyncpg://h/db", "postgresql://h/db", "asyncpg"),
            (
                "sqlite+aiosqlite:///dev.db",
                "sqlite:///dev.db",
                "aiosqlite",
            ),
            (
                "mariadb+mariadbconnector://h/db",
                "mariadb://h/db",
                "mariadbconnector",
            ),
        ] {
            let expected = (plain.to_string(), Some(driver.to_string()));
            assert_eq!(without_driver(url), expected, "{url}");
        }
        for unchanged in ["mysql://h/db", "p@ss:word", "p@ss+w:rd", "no scheme"] {
            assert_eq!(without_driver(unchanged), (unchanged.to_string(), None));
        }
    }

    #[test]
    fn sqlite_urls_mean_what_they_mean_in_sqlalchemy() {
        assert_eq!(file("sqlite://dev.db"), path("/proj/dev.db"));
        assert_eq!(file("sqlite:///dev.db"), path("/proj/dev.db"));
        assert_eq!(file("sqlite:dev.db"), path("/proj/dev.db"));
        assert_eq!(file("sqlite:///data/dev.db"), path("/proj/data/dev.db"));
        assert_eq!(file("sqlite:////abs/dir/x.db"), path("/abs/dir/x.db"));
        assert_eq!(file("sqlite:////abs/../x.db"), path("/abs/../x.db"));
    }

    #[test]
    fn sqlite_paths_are_taken_literally() {
        assert_eq!(file("sqlite://%2e%2e/x.db"), path("/proj/%2e%2e/x.db"));
        assert_eq!(file("sqlite:///a%20b.db"), path("/proj/a%20b.db"));
    }

    #[test]
    fn sqlite_memory_has_three_spellings() {
        for memory in ["sqlite://:memory:", "sqlite::memory:", "sqlite:///:memory:"] {
            assert_eq!(file(memory), Ok(SqliteFile::Memory), "{memory}");
        }
        assert_eq!(SqliteFile::Memory.shown(), ":memory:");
    }

    #[test]
    fn a_sqlite_file_is_shown_by_its_absolute_path() {
        assert_eq!(file("sqlite:///dev.db").unwrap().shown(), "/proj/dev.db");
        let relative = sqlite_file("sqlite:///dev.db", Path::new("proj")).unwrap();
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(
            relative.shown(),
            cwd.join("proj/dev.db").display().to_string()
        );
    }

    #[test]
    fn a_sqlite_url_that_leaves_the_project_must_be_written_absolute() {
        for url in ["sqlite://../x.db", "sqlite:///data/../../x.db", "sqlite:.."] {
            let e = file(url).unwrap_err();
            assert!(
                e.starts_with(&format!("`{url}` leaves the project folder")),
                "{e}"
            );
        }
        let e = file("sqlite://../x.db").unwrap_err();
        assert_eq!(
            e,
            "`sqlite://../x.db` leaves the project folder; write the absolute path with four slashes: `sqlite:////x.db`"
        );
        let root = Path::new("/home/me/app");
        let e = sqlite_file("sqlite:///data/../../x.db", root).unwrap_err();
        assert!(
            e.ends_with("four slashes: `sqlite:////home/me/x.db`"),
            "{e}"
        );
        let e = sqlite_file("sqlite://a/./../../up/x.db", root).unwrap_err();
        assert!(e.ends_with("`sqlite:////home/me/up/x.db`"), "{e}");
    }

    #[test]
    fn a_relative_root_is_made_absolute_in_the_suggestion() {
        let e = sqlite_file("sqlite://../x.db", Path::new("proj/app")).unwrap_err();
        let cwd = std::env::current_dir().unwrap();
        let suggested = format!("`sqlite:///{}`", cwd.join("proj/x.db").display());
        assert!(e.ends_with(&suggested), "{e}");
    }

    #[test]
    fn a_sqlite_url_with_options_or_no_file_is_refused() {
        for url in ["sqlite://", "sqlite:///", "sqlite:////", "sqlite:"] {
            assert_eq!(
                file(url),
                Err("the SQLite url names no file".into()),
                "{url}"
            );
        }
        for url in [
            "sqlite://dev.db?mode=ro",
            "sqlite:///dev.db?cache=shared",
            "sqlite://:memory:?cache=shared",
            "sqlite://?mode=memory",
        ] {
            let e = file(url).unwrap_err();
            assert!(
                e.contains("options (`?...`)") && e.contains("only a file"),
                "{e}"
            );
            assert!(!e.contains("mode") && !e.contains("cache"), "{e}");
        }
        assert!(file("mysql://h/db").is_err());
    }

    /// `%XX` decoded, as a driver reads a URL's userinfo.
    fn percent_decoded(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn credentials_are_percent_encoded_into_the_url() {
        assert_eq!(
            with_credentials("mysql://db:3306/shop", Some("app"), Some("p@ss:w/rd#1?%x"))
                .as_deref(),
            Ok("mysql://app:p%40ss%3Aw%2Frd%231%3F%25x@db:3306/shop")
        );
        assert_eq!(
            with_credentials("mysql://app@db/shop", None, Some("s3 cret")).as_deref(),
            Ok("mysql://app:s3%20cret@db/shop")
        );
        assert_eq!(
            with_credentials("mysql://db/shop", Some("ü"), None).as_deref(),
            Ok("mysql://%C3%BC@db/shop")
        );
        assert_eq!(
            with_credentials("postgres://db", Some("a-b.c_d~e"), None).as_deref(),
            Ok("postgres://a-b.c_d~e@db")
        );
        assert_eq!(
            with_credentials("mysql://:pw@db/shop", Some("app"), None).as_deref(),
            Ok("mysql://app:pw@db/shop")
        );
    }

    #[test]
    fn encoded_credentials_parse_back_to_what_was_given() {
        let every_special = "p@ss:w/rd#1?%x [a]b&c=d+e;f,g!h$i'j(k)l*m\"n<o>p\\q^r`s{t}u|v";
        for password in [every_special, "pässwörd", "%41", "日本", " "] {
            let user = "us@r:näme/";
            let url = with_credentials(
                "postgres://db:5432/shop?sslmode=disable#x",
                Some(user),
                Some(password),
            )
            .unwrap();
            let parsed = url::Url::parse(&url).unwrap();
            assert_eq!(parsed.host_str(), Some("db"), "{url}");
            assert_eq!(parsed.port(), Some(5432), "{url}");
            assert_eq!(parsed.path(), "/shop", "{url}");
            assert_eq!(parsed.query(), Some("sslmode=disable"), "{url}");
            assert_eq!(percent_decoded(parsed.username()), user, "{url}");
            assert_eq!(
                percent_decoded(parsed.password().unwrap()),
                password,
                "{url}"
            );
            assert!(url.is_ascii(), "{url}");
        }
    }

    #[test]
    fn the_last_at_sign_ends_the_userinfo() {
        assert_eq!(
            with_credentials("mysql://app@x@db/shop", None, Some("pw")).as_deref(),
            Ok("mysql://app@x:pw@db/shop")
        );
    }

    #[test]
    fn credentials_given_twice_or_without_a_user_are_refused() {
        assert_eq!(
            with_credentials("mysql://app@db/shop", Some("other"), None),
            Err("the url names a user and so does the `user` setting; keep one".into())
        );
        assert_eq!(
            with_credentials("mysql://app:pw@db/shop", None, Some("x")),
            Err("the url holds a password and so does the `password` setting; keep one".into())
        );
        let needs_a_user =
            Err("a `password` needs a user: set `user` or write it in the url".into());
        assert_eq!(
            with_credentials("mysql://db/shop", None, Some("x")),
            needs_a_user
        );
        assert_eq!(
            with_credentials("mysql://@db/shop", None, Some("x")),
            needs_a_user
        );
        assert!(with_credentials("mysql:db", Some("u"), None).is_err());
        assert!(with_credentials("mysql:/db", None, None).is_err());
    }

    #[test]
    fn without_settings_the_url_is_unchanged() {
        for url in [
            "mysql://db/shop",
            "mysql://:pw@db/shop",
            "postgres://u:p%40@h:1/d?x=y",
        ] {
            assert_eq!(with_credentials(url, None, None).as_deref(), Ok(url));
        }
    }

    #[test]
    fn a_broken_server_url_is_explained_without_its_text() {
        for url in ["mysql://u:p@host:33o8/db", "mysql://u:p/w@host/db"] {
            let why = server_url_problem(url).unwrap();
            assert_eq!(why, "invalid port number", "{url}");
            assert!(!why.contains("33o8") && !why.contains("p/w"), "{why}");
        }
        for url in ["mysql:db", "postgres:///db"] {
            assert_eq!(
                server_url_problem(url).as_deref(),
                Some("it names no host"),
                "{url}"
            );
        }
        assert!(server_url_problem("mysql://u:secret@[::1/db").is_some());
    }

    #[test]
    fn a_good_server_url_has_no_problem() {
        for url in [
            "mysql://u:p%2Fw@host:3306/db",
            "mariadb://db/shop",
            "postgres://h/db",
            "postgresql://app:pw@[::1]:5432/shop?sslmode=disable",
        ] {
            assert_eq!(server_url_problem(url), None, "{url}");
        }
    }
}
