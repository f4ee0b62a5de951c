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

/// The repository root (where the bundled `lpo.yaml` is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The bundled configuration's engine, loaded once per test binary.
pub fn engine() -> &'static lpo_engine::Engine {
    static E: std::sync::OnceLock<lpo_engine::Engine> = std::sync::OnceLock::new();
    E.get_or_init(|| match lpo_config::load(&root().join("lpo.yaml")) {
        Ok(l) => l.engine,
        Err(d) => panic!("bundled config: {d:?}"),
    })
}

/// A cheapest-option quote request on 2026-11-26, the day the generated orders are for.
pub fn req() -> lpo_engine::QuoteRequest {
    lpo_engine::QuoteRequest {
        strategy: lpo_model::Strategy::Cheapest,
        date: lpo_model::Date::from_ymd(2026, 11, 26).unwrap_or_else(|| panic!("date")),
        explain: false,
    }
}

/// Runs the `lpo` binary in `cwd`.
pub fn lpo(args: &[&str], cwd: &Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_lpo"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap_or_else(|e| panic!("cannot run lpo: {e}"))
}

/// A path as a command-line argument.
pub fn path_str(p: &Path) -> &str {
    p.to_str().unwrap_or("")
}
