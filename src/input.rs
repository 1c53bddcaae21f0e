//! Reading the files a project names: regular files only, never more than a stated number
//! of bytes (`/dev/zero` or a named pipe cannot hang or exhaust the tool), UTF-8 text.

use std::io::Read;
use std::path::Path;

use crate::error::Error;

/// The text of the regular file at `path`; fails past `limit` bytes.
pub fn read_text(path: &Path, limit: u64) -> Result<String, Error> {
    let read_error = |source| Error::Read {
        path: path.to_path_buf(),
        source,
    };
    let not_a_file = || Error::NotAFile {
        path: path.to_path_buf(),
    };
    if !std::fs::metadata(path).map_err(read_error)?.is_file() {
        return Err(not_a_file());
    }
    let file = std::fs::File::open(path).map_err(read_error)?;
    if !file.metadata().map_err(read_error)?.is_file() {
        return Err(not_a_file());
    }
    read_stream(file, path, limit)
}

/// The text of a file given on the command line: `-` is standard input, and a pipe
/// (`<(git show main:schema.kdl)`, which the shell passes as `/dev/fd/N`) is read like a
/// regular file; both are cut off past `limit` bytes like [`read_text`].
pub fn read_argument(path: &Path, limit: u64) -> Result<String, Error> {
    use std::os::unix::fs::FileTypeExt;
    if path == Path::new("-") {
        return read_stream(std::io::stdin().lock(), Path::new("<stdin>"), limit);
    }
    let piped = std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo());
    if !piped {
        return read_text(path, limit);
    }
    let file = std::fs::File::open(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    read_stream(file, path, limit)
}

/// At most `limit` bytes of UTF-8 text from `stream`, named `path` in errors.
fn read_stream(stream: impl Read, path: &Path, limit: u64) -> Result<String, Error> {
    let read_error = |source| Error::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut bytes = Vec::new();
    stream
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > limit {
        return Err(Error::TooLarge {
            path: path.to_path_buf(),
            limit: size(limit),
        });
    }
    String::from_utf8(bytes)
        .map_err(|e| read_error(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
}

/// `bytes` as people write it: `16 MiB`, `64 KiB`, `100 bytes`.
pub fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_devices_and_big_files() {
        assert!(matches!(
            read_text(Path::new("/dev/zero"), 10),
            Err(Error::NotAFile { .. })
        ));
        let dir = std::env::temp_dir().join(format!("reconcile-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("f");
        std::fs::write(&file, "12345").unwrap();
        assert_eq!(read_text(&file, 5).unwrap(), "12345");
        assert!(matches!(read_text(&file, 4), Err(Error::TooLarge { .. })));
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(size(4 << 20), "4 MiB");
        assert_eq!(size(64 << 10), "64 KiB");
    }
}
