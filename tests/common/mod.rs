//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

pub const MINI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mini");

pub fn copy_dir(from: &Path, to: &Path) {
    for entry in fs::read_dir(from)
        .unwrap_or_else(|e| panic!("{from:?}: {e}"))
        .flatten()
    {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            fs::create_dir_all(&target).unwrap_or_else(|e| panic!("{e}"));
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

/// A copy of the mini fixture with `edits` applied: (file, text to find, replacement).
pub fn mutated(edits: &[(&str, &str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path().join("config");
    fs::create_dir_all(&root).unwrap_or_else(|e| panic!("{e}"));
    copy_dir(Path::new(MINI), &root);
    for (file, find, replace) in edits {
        let p = root.join(file);
        let text = fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p:?}: {e}"));
        assert!(text.contains(find), "{file} does not contain {find:?}");
        fs::write(&p, text.replacen(find, replace, 1)).unwrap_or_else(|e| panic!("{e}"));
    }
    let manifest = root.join("lpo.yaml");
    (dir, manifest)
}

/// A copy of the bundled configuration (the repository's `lpo.yaml` with its `data`, `rules` and
/// `constraints`) in a temporary folder, for tests that edit it; returns the copy's manifest.
pub fn config_copy() -> (tempfile::TempDir, PathBuf) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for sub in ["data", "rules", "constraints"] {
        let to = dir.path().join(sub);
        fs::create_dir_all(&to).unwrap_or_else(|e| panic!("{e}"));
        copy_dir(&root.join(sub), &to);
    }
    fs::copy(root.join("lpo.yaml"), dir.path().join("lpo.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let manifest = dir.path().join("lpo.yaml");
    (dir, manifest)
}
