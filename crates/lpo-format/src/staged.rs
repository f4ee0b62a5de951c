//! Writing output files all or nothing. Each file goes to a temporary file beside its target
//! (`.NAME.tmp-PID`), is flushed to disk, and only when every file of the run has been written
//! are they renamed over their targets: a failure (or a crash, or a kill) before that leaves
//! every target as it was. A temporary file left by a process that no longer runs (killed
//! mid-write) is removed the next time its target is written.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Files written but not yet in place. Dropped without [`Staged::commit`], it removes them.
#[derive(Debug, Default)]
pub struct Staged {
    /// (temporary file, target), in the order added.
    files: Vec<(PathBuf, PathBuf)>,
}

impl Staged {
    pub fn new() -> Staged {
        Staged::default()
    }

    /// Writes `parts` to a temporary file beside `path` and flushes it to disk.
    pub fn add(&mut self, path: &Path, parts: &[&[u8]]) -> std::io::Result<()> {
        let (dir, name) = dir_and_name(path);
        remove_stale_temps(dir, &name);
        let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        // Registered first, so that a failed write is removed too.
        self.files.push((tmp.clone(), path.to_path_buf()));
        let mut f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
        for p in parts {
            f.write_all(p)?;
        }
        let f = f.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()
    }

    /// Renames every file into place, in the order added.
    pub fn commit(mut self) -> std::io::Result<()> {
        for (tmp, target) in std::mem::take(&mut self.files) {
            std::fs::rename(&tmp, &target).inspect_err(|_| {
                let _ = std::fs::remove_file(&tmp);
            })?;
        }
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        for (tmp, _) in &self.files {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// Writes one file atomically: a [`Staged`] of one.
pub fn write_atomic(path: &Path, parts: &[&[u8]]) -> std::io::Result<()> {
    let mut s = Staged::new();
    s.add(path, parts)?;
    s.commit()
}

fn dir_and_name(path: &Path) -> (&Path, String) {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    (dir, name)
}

/// Removes `.NAME.tmp-PID` files in `dir` whose process is gone. Where running processes
/// cannot be told (no `/proc`), nothing is removed.
fn remove_stale_temps(dir: &Path, name: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let prefix = format!(".{name}.tmp-");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let file = e.file_name();
        let Some(pid) = file
            .to_str()
            .and_then(|f| f.strip_prefix(&prefix))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("lpo-staged-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("a temp folder");
        d
    }

    #[test]
    fn nothing_is_in_place_until_commit_and_a_failed_file_leaves_every_target_as_it_was() {
        let d = temp_dir("all");
        let plan = d.join("plan.csv");
        std::fs::write(&plan, b"old plan").expect("written");
        let mut s = Staged::new();
        s.add(&plan, &[b"new ", b"plan"]).expect("the plan stages");
        assert_eq!(std::fs::read(&plan).expect("read"), b"old plan");
        // The second file cannot be written: its folder does not exist.
        let bad = d.join("missing").join("options.csv");
        assert!(s.add(&bad, &[b"x"]).is_err());
        drop(s);
        assert_eq!(std::fs::read(&plan).expect("read"), b"old plan");
        let left: Vec<_> = std::fs::read_dir(&d).expect("listed").flatten().collect();
        assert_eq!(left.len(), 1, "temporary files were left: {left:?}");

        let mut s = Staged::new();
        s.add(&plan, &[b"new plan"]).expect("staged");
        s.add(&d.join("options.csv"), &[b"opts"]).expect("staged");
        s.commit().expect("committed");
        assert_eq!(std::fs::read(&plan).expect("read"), b"new plan");
        assert_eq!(std::fs::read(d.join("options.csv")).expect("read"), b"opts");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_temporary_file_of_a_dead_process_is_removed_and_a_live_ones_kept() {
        let d = temp_dir("stale");
        // No process has pid 4194305 (above Linux's pid_max); pid 1 always runs.
        let dead = d.join(".plan.csv.tmp-4194305");
        let live = d.join(".plan.csv.tmp-1");
        let other = d.join(".other.csv.tmp-4194305");
        for p in [&dead, &live, &other] {
            std::fs::write(p, b"half").expect("written");
        }
        write_atomic(&d.join("plan.csv"), &[b"plan"]).expect("written");
        assert!(!dead.exists(), "the dead process's file stays");
        assert!(live.exists(), "a running process's file was removed");
        assert!(other.exists(), "another target's file was removed");
        let _ = std::fs::remove_dir_all(&d);
    }
}
