//! Helpers of the `config_hardening_*` tests: copies of the repository's mini fixture
//! (`tests/fixtures/mini`) in a folder of their own, edited, then loaded.
#![allow(dead_code)]
// Test code asserts by panicking: the library-only denials of the workspace (clippy.toml)
// do not apply, here in its helpers as in its tests.
#![allow(clippy::panic, clippy::indexing_slicing)]

use std::fs;
use std::path::{Path, PathBuf};

use lpo_config::{Diagnostic, Severity};

/// The mini fixture of the workspace's top-level tests.
pub const MINI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/mini");

/// A folder for one test, emptied: `name` must be unique among the tests of the crate.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("config_hardening")
        .join(name);
    if fs::symlink_metadata(&dir).is_ok() {
        fs::remove_dir_all(&dir).unwrap_or_else(|e| panic!("{dir:?}: {e}"));
    }
    fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{dir:?}: {e}"));
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap_or_else(|e| panic!("{to:?}: {e}"));
    for entry in fs::read_dir(from)
        .unwrap_or_else(|e| panic!("{from:?}: {e}"))
        .flatten()
    {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

/// A copy of the mini fixture in `scratch(name)/config`, with a `rules` folder and a
/// `constraints` folder (each named by the manifest, each holding one valid file); returns the
/// manifest.
pub fn mini(name: &str) -> PathBuf {
    let root = scratch(name).join("config");
    copy_dir(Path::new(MINI), &root);
    edit(
        &root.join("lpo.yaml"),
        "gst_pct: 10\n",
        "gst_pct: 10\nrules: rules\nconstraints: constraints\n",
    );
    write(
        &root.join("rules/10-base.yaml"),
        "rules:\n  - id: no_zip\n    description: d\n    exclude: { carriers: [zip] }\n",
    );
    write(
        &root.join("constraints/daily.yaml"),
        "capacities:\n  - { id: acme_cap, carrier: acme, max_parcels: 100 }\n",
    );
    root.join("lpo.yaml")
}

/// The folder of a manifest.
pub fn root_of(manifest: &Path) -> PathBuf {
    manifest.parent().map(Path::to_path_buf).unwrap_or_default()
}

pub fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{parent:?}: {e}"));
    }
    fs::write(path, text).unwrap_or_else(|e| panic!("{path:?}: {e}"));
}

/// Replaces the first `find` in the file at `path` by `replace`.
pub fn edit(path: &Path, find: &str, replace: &str) {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    assert!(text.contains(find), "{path:?} does not contain {find:?}");
    write(path, &text.replacen(find, replace, 1));
}

/// A symbolic link at `link` to `target` (written as given: relative to the link's folder).
pub fn symlink(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link)
        .unwrap_or_else(|e| panic!("{link:?} -> {target:?}: {e}"));
}

/// A FIFO (named pipe) at `path`.
pub fn fifo(path: &Path) {
    let out = std::process::Command::new("mkfifo")
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("cannot run mkfifo: {e}"));
    assert!(out.status.success(), "mkfifo {path:?}: {out:?}");
}

/// The diagnostics of loading `manifest`, whether or not it loaded.
pub fn diagnostics(manifest: &Path) -> Vec<Diagnostic> {
    match lpo_config::load(manifest) {
        Ok(l) => l.warnings,
        Err(d) => d,
    }
}

pub fn render(d: &[Diagnostic]) -> String {
    d.iter().map(|d| format!("{d}\n")).collect()
}

/// The one error with `code` at `file`, failing with every diagnostic otherwise.
#[track_caller]
pub fn error_at<'a>(d: &'a [Diagnostic], code: &str, file: &str) -> &'a Diagnostic {
    let hits: Vec<&Diagnostic> = d
        .iter()
        .filter(|d| d.severity == Severity::Error && d.code == code && d.file == file)
        .collect();
    match hits.as_slice() {
        [one] => one,
        _ => panic!("expected one {code} error at {file}, got:\n{}", render(d)),
    }
}
