//! Reading an input file whole within a size budget. A regular file larger than the budget is
//! refused before any of it is read; a stream (a pipe, a device such as `/dev/zero`, a file that
//! grows while it is read) is read in pieces and refused as soon as it passes the budget, so
//! memory never exceeds the budget plus one piece.

use std::io::Read;
use std::path::Path;

/// Why an input file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is {} MiB, above the input limit of {} MiB", mib(*size), mib(*limit))]
    TooLarge { path: String, size: u64, limit: u64 },
    #[error("{path} goes on past the input limit of {} MiB (is it a device or a pipe?)", mib(*limit))]
    Endless { path: String, limit: u64 },
}

fn mib(bytes: u64) -> String {
    let whole = bytes >> 20;
    if whole << 20 == bytes {
        whole.to_string()
    } else {
        format!("{:.1}", bytes as f64 / f64::from(1u32 << 20))
    }
}

/// The bytes of `path`, at most `limit` of them.
pub fn read_capped(path: &Path, limit: u64) -> Result<Vec<u8>, InputError> {
    let io = |source| InputError::Io {
        path: path.display().to_string(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if meta.is_file() && meta.len() > limit {
        return Err(InputError::TooLarge {
            path: path.display().to_string(),
            size: meta.len(),
            limit,
        });
    }
    let expected = if meta.is_file() { meta.len() } else { 0 };
    let mut data = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(io)?;
    if data.len() as u64 > limit {
        return Err(InputError::Endless {
            path: path.display().to_string(),
            limit,
        });
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_within_the_limit_reads_whole_and_one_above_it_is_refused_unread() {
        let dir = std::env::temp_dir().join(format!("lpo-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temp folder");
        let p = dir.join("ten.csv");
        std::fs::write(&p, b"0123456789").expect("written");
        assert_eq!(
            read_capped(&p, 10).expect("10 bytes fit in 10"),
            b"0123456789"
        );
        let e = read_capped(&p, 9).expect_err("10 bytes do not fit in 9");
        assert!(
            matches!(
                e,
                InputError::TooLarge {
                    size: 10,
                    limit: 9,
                    ..
                }
            ),
            "{e}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_endless_device_stops_at_the_limit() {
        let e = read_capped(Path::new("/dev/zero"), 3 << 20).expect_err("/dev/zero never ends");
        assert_eq!(
            e.to_string(),
            "/dev/zero goes on past the input limit of 3 MiB (is it a device or a pipe?)"
        );
    }
}
