//! The config loader, fed a whole configuration from bytes: the input is a bundle of files
//! (`lpo.yaml`, carrier YAML, rates, zones and areas CSV, GeoJSON, postcodes, rules and
//! constraints), written to a fresh folder and loaded. No panic, and every diagnostic names a
//! file of the bundle.
//!
//! The bundle: each file starts with a line `@@ PATH` (a relative path without `..`), followed by
//! its bytes up to the next such line. The seed corpus holds the bundled and the test configs in
//! this form (scripts/fuzz.sh writes them).
#![no_main]

use std::path::{Component, Path, PathBuf};

use libfuzzer_sys::fuzz_target;

fn folder() -> PathBuf {
    std::env::temp_dir().join(format!("lpo-fuzz-config-{}", std::process::id()))
}

/// The files of a bundle: (relative path, bytes). Paths that could leave the folder are skipped.
fn files(data: &[u8]) -> Vec<(PathBuf, &[u8])> {
    let mut out = Vec::new();
    let mut rest = data;
    while let Some(start) = rest.strip_prefix(b"@@ ") {
        let name_end = start
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(start.len());
        let (name, after) = start.split_at(name_end);
        let after = after.get(1..).unwrap_or(&[]);
        let body_end = (0..after.len())
            .find(|&i| after.get(i..).is_some_and(|s| s.starts_with(b"\n@@ ")))
            .map_or(after.len(), |i| i + 1);
        let (body, next) = after.split_at(body_end);
        rest = next;
        let Ok(name) = std::str::from_utf8(name) else {
            continue;
        };
        let p = Path::new(name.trim());
        let safe = !p.as_os_str().is_empty()
            && p.components().all(|c| matches!(c, Component::Normal(_)))
            && p.components().count() <= 4;
        if safe && out.len() < 64 {
            out.push((p.to_path_buf(), body));
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let root = folder();
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).expect("a temp folder");
    let written: Vec<String> = files(data)
        .into_iter()
        .filter_map(|(p, body)| {
            let at = root.join(&p);
            std::fs::create_dir_all(at.parent()?).ok()?;
            std::fs::write(&at, body).ok()?;
            Some(p.to_string_lossy().replace('\\', "/"))
        })
        .collect();
    let diags = match lpo_config::load(&root.join("lpo.yaml")) {
        Ok(loaded) => loaded.warnings,
        Err(d) => d,
    };
    for d in &diags {
        assert!(!d.file.is_empty(), "a diagnostic names no file: {d}");
        assert!(
            !d.file.starts_with('/') && !d.file.split('/').any(|c| c == ".."),
            "a diagnostic names a file outside the bundle: {d}"
        );
    }
    let _ = written;
});
