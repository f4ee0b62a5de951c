//! Opening a configuration file: [`read_config_file`] is the one way every file of a config is
//! read (through `Loader::read`, which reports an [`OpenError`] as a diagnostic). What
//! the path leads to is checked before it is opened (it must exist, be a regular file and lie
//! inside the config root), so that nothing waits on a FIFO or reads a device, and the reading
//! stops at [`MAX_FILE_BYTES`] whatever the file's size said.

use std::fs::{self, File, FileType};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Largest configuration file read, in bytes.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Why a config file was not read.
#[derive(Debug)]
pub(super) enum OpenError {
    /// Nothing at the path.
    NotFound,
    /// A symbolic link to nothing; the link's target as written.
    Dangling(PathBuf),
    /// Something that is not a regular file: what it is ("a directory", "a FIFO", …).
    NotAFile(&'static str),
    /// A file (through a symbolic link) outside the config root; where it really is.
    OutsideRoot(PathBuf),
    /// Over the limit: its size when known before reading.
    TooLarge(Option<u64>),
    /// The path cannot be looked at (a folder on the way that cannot be searched, or is a file).
    Unreachable(io::Error),
    /// It is there, but the system refused: a loop of symbolic links, no permission, a read
    /// error.
    Io(io::Error),
}

impl OpenError {
    /// The diagnostic's message, for the file `rel` (relative to the root).
    pub(super) fn message(&self, rel: &str) -> String {
        match self {
            OpenError::NotFound => format!("`{rel}` does not exist"),
            OpenError::Dangling(to) => format!(
                "`{rel}` is a symbolic link to a file that does not exist (`{}`)",
                to.display()
            ),
            OpenError::NotAFile(kind) => {
                format!("`{rel}` exists but is not a regular file ({kind})")
            }
            OpenError::OutsideRoot(to) => format!(
                "`{rel}` is a symbolic link to `{}`, outside the config root",
                to.display()
            ),
            OpenError::TooLarge(Some(n)) => {
                format!("file is {n} bytes, the limit is {MAX_FILE_BYTES}")
            }
            OpenError::TooLarge(None) => {
                format!("file is over the limit of {MAX_FILE_BYTES} bytes")
            }
            OpenError::Unreachable(e) => format!("cannot read `{rel}`: {e}"),
            OpenError::Io(e) => format!("`{rel}` exists but cannot be read: {e}"),
        }
    }

    pub(super) fn hint(&self) -> Option<String> {
        match self {
            OpenError::NotAFile(_) => {
                Some("config files are regular files; remove or rename this one".into())
            }
            OpenError::OutsideRoot(_) => Some(
                "config files may only refer to files inside the folder that holds lpo.yaml".into(),
            ),
            _ => None,
        }
    }
}

/// The bytes of the config file at `path`, which must be a regular file inside `root`
/// (`root` canonical).
pub(super) fn read_config_file(path: &Path, root: &Path) -> Result<Vec<u8>, OpenError> {
    let link = fs::symlink_metadata(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => OpenError::NotFound,
        _ => OpenError::Unreachable(e),
    })?;
    let real = fs::canonicalize(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound if link.is_symlink() => {
            OpenError::Dangling(fs::read_link(path).unwrap_or_default())
        }
        _ => OpenError::Io(e),
    })?;
    let meta = fs::metadata(&real).map_err(OpenError::Io)?;
    if !meta.is_file() {
        return Err(OpenError::NotAFile(kind(meta.file_type())));
    }
    if !real.starts_with(root) {
        return Err(OpenError::OutsideRoot(real));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(OpenError::TooLarge(Some(meta.len())));
    }
    let file = File::open(&real).map_err(OpenError::Io)?;
    // What was opened may not be what was looked at, if the path changed in between.
    let opened = file.metadata().map_err(OpenError::Io)?;
    if !opened.is_file() {
        return Err(OpenError::NotAFile(kind(opened.file_type())));
    }
    read_at_most(file, MAX_FILE_BYTES, opened.len())
}

/// Everything `r` gives, refused once it gives more than `limit` bytes; `size` is how much it
/// is expected to give.
fn read_at_most(r: impl Read, limit: u64, size: u64) -> Result<Vec<u8>, OpenError> {
    let mut bytes = Vec::with_capacity(usize::try_from(size.min(limit)).unwrap_or(0));
    r.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(OpenError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(OpenError::TooLarge(None));
    }
    Ok(bytes)
}

/// What a file that is not a regular file is, for messages.
fn kind(t: FileType) -> &'static str {
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
    }
    "an unknown kind of file"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_reader_stops_at_the_limit() {
        let r = read_at_most(io::repeat(b'x'), 1000, 0);
        assert!(matches!(r, Err(OpenError::TooLarge(None))), "{r:?}");
        let r = read_at_most(&b"12345"[..], 5, 5);
        assert!(matches!(r.as_deref(), Ok(b"12345")), "{r:?}");
        let r = read_at_most(&b"123456"[..], 5, 0);
        assert!(matches!(r, Err(OpenError::TooLarge(None))), "{r:?}");
    }
}
