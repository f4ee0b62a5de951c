//! Config files that cannot be read, or lead out of the config root: every one is an error
//! naming the file, never skipped, never read forever, never waited on.

// Test code asserts by panicking: the library-only denials of the workspace (clippy.toml)
// do not apply, here in its helpers as in its tests.
#![allow(clippy::panic, clippy::indexing_slicing)]

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use lpo_config::{Severity, discover, load};

mod support;

use support::{diagnostics, error_at, fifo, mini, render, root_of, symlink, write};

#[test]
fn the_edited_fixture_itself_is_valid() {
    let manifest = mini("valid");
    let loaded = load(&manifest).unwrap_or_else(|d| panic!("{}", render(&d)));
    assert_eq!(loaded.engine.rules.len(), 1);
    assert_eq!(loaded.constraints.len(), 1);
}

#[test]
fn a_dangling_symlink_among_the_rule_files_is_an_error() {
    let manifest = mini("dangling_rule");
    symlink(
        Path::new("20-gone.yaml"),
        &root_of(&manifest).join("rules/20-x.yaml"),
    );
    let d = diagnostics(&manifest);
    let e = error_at(&d, "file-not-found", "rules/20-x.yaml");
    assert!(
        e.message
            .contains("is a symbolic link to a file that does not exist"),
        "{e}"
    );
}

#[test]
fn a_fifo_among_the_rule_files_is_an_error_and_is_not_opened() {
    let manifest = mini("fifo_rule");
    fifo(&root_of(&manifest).join("rules/20-pipe.yaml"));
    let d = diagnostics(&manifest);
    let e = error_at(&d, "not-a-file", "rules/20-pipe.yaml");
    assert!(e.message.contains("not a regular file (a FIFO)"), "{e}");
}

#[test]
fn a_socket_among_the_carrier_files_is_an_error() {
    let manifest = mini("socket_carrier");
    let _socket =
        std::os::unix::net::UnixListener::bind(root_of(&manifest).join("carriers/sock.yaml"))
            .unwrap_or_else(|e| panic!("{e}"));
    let d = diagnostics(&manifest);
    let e = error_at(&d, "not-a-file", "carriers/sock.yaml");
    assert!(e.message.contains("(a socket)"), "{e}");
}

#[test]
fn a_rule_file_linked_to_dev_zero_is_refused_without_reading_it() {
    let manifest = mini("dev_zero_rule");
    symlink(
        Path::new("/dev/zero"),
        &root_of(&manifest).join("rules/20-zero.yaml"),
    );
    let d = diagnostics(&manifest);
    let e = error_at(&d, "not-a-file", "rules/20-zero.yaml");
    assert!(e.message.contains("(a character device)"), "{e}");
}

#[test]
fn a_symlink_loop_among_the_constraint_files_is_an_error() {
    let manifest = mini("loop_constraints");
    symlink(
        Path::new("loop.yaml"),
        &root_of(&manifest).join("constraints/loop.yaml"),
    );
    let d = diagnostics(&manifest);
    let e = error_at(&d, "io-error", "constraints/loop.yaml");
    assert!(
        e.message.contains("exists but cannot be read")
            && e.message.contains("Too many levels of symbolic links"),
        "{e}"
    );
}

#[test]
fn a_constraints_file_given_outside_the_manifest_that_loops_is_an_error() {
    let manifest = mini("loop_constraints_arg");
    let engine = load(&manifest)
        .unwrap_or_else(|d| panic!("{}", render(&d)))
        .engine;
    let dir = support::scratch("loop_constraints_arg_dir");
    symlink(Path::new("today.yaml"), &dir.join("today.yaml"));
    let d = match lpo_config::load_constraints(&dir, &engine) {
        Ok((c, _)) => panic!("loaded {} constraints", c.len()),
        Err(d) => d,
    };
    error_at(&d, "io-error", "today.yaml");
}

#[test]
fn a_listed_file_linked_out_of_the_root_is_refused() {
    let manifest = mini("outside_listed");
    let outside = support::scratch("outside_listed_target").join("rules.yaml");
    write(
        &outside,
        "rules:\n  - id: outside\n    description: d\n    exclude: { carriers: [acme] }\n",
    );
    let outside_constraints = outside.with_file_name("constraints.yaml");
    write(&outside_constraints, "tiers: []\n");
    let root = root_of(&manifest);
    symlink(&outside, &root.join("rules/20-outside.yaml"));
    symlink(&outside_constraints, &root.join("constraints/outside.yaml"));
    let d = diagnostics(&manifest);
    for file in ["rules/20-outside.yaml", "constraints/outside.yaml"] {
        let e = error_at(&d, "path-outside-root", file);
        assert!(e.message.contains("outside the config root"), "{e}");
    }
}

#[test]
fn a_listed_link_inside_the_root_is_read() {
    let manifest = mini("inside_listed");
    let root = root_of(&manifest);
    write(
        &root.join("shared/more.yaml"),
        "rules:\n  - id: more\n    description: d\n    exclude: { carriers: [acme] }\n",
    );
    symlink(
        Path::new("../shared/more.yaml"),
        &root.join("rules/20-more.yaml"),
    );
    let loaded = load(&manifest).unwrap_or_else(|d| panic!("{}", render(&d)));
    assert_eq!(loaded.engine.rules.len(), 2);
}

/// Loads `manifest` on a thread of its own: a load that blocks (on a FIFO) fails the test
/// instead of hanging it.
fn load_or_hang(manifest: &Path) -> Vec<lpo_config::Diagnostic> {
    let (tx, rx) = mpsc::channel();
    let m = manifest.to_path_buf();
    std::thread::spawn(move || {
        let _ = tx.send(diagnostics(&m));
    });
    rx.recv_timeout(Duration::from_secs(120))
        .unwrap_or_else(|_| panic!("loading {manifest:?} blocked"))
}

#[test]
fn a_referenced_file_that_is_a_fifo_is_refused_without_blocking() {
    let manifest = mini("fifo_referenced");
    let zones = root_of(&manifest).join("carriers/zones/acme.csv");
    std::fs::remove_file(&zones).unwrap_or_else(|e| panic!("{e}"));
    fifo(&zones);
    let d = load_or_hang(&manifest);
    let e = error_at(&d, "not-a-file", "carriers/zones/acme.csv");
    assert!(e.message.contains("(a FIFO)"), "{e}");
}

#[test]
fn a_manifest_that_is_a_folder_is_said_to_exist_but_not_be_readable() {
    let dir = support::scratch("manifest_folder");
    std::fs::create_dir_all(dir.join("lpo.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let d = diagnostics(&dir.join("lpo.yaml"));
    let e = error_at(&d, "not-a-file", "lpo.yaml");
    assert!(
        e.message
            .contains("`lpo.yaml` exists but is not a regular file (a directory)"),
        "{e}"
    );
}

#[test]
fn a_manifest_that_is_a_dangling_symlink_is_said_to_exist() {
    let dir = support::scratch("manifest_dangling");
    symlink(Path::new("prod.yaml"), &dir.join("lpo.yaml"));
    let d = diagnostics(&dir.join("lpo.yaml"));
    let e = error_at(&d, "file-not-found", "lpo.yaml");
    assert!(
        e.message
            .contains("`lpo.yaml` is a symbolic link to a file that does not exist"),
        "{e}"
    );
    assert!(e.message.contains("prod.yaml"), "{e}");
}

#[test]
fn a_missing_manifest_is_said_not_to_exist() {
    let dir = support::scratch("manifest_missing");
    let d = diagnostics(&dir.join("lpo.yaml"));
    let e = error_at(&d, "file-not-found", "lpo.yaml");
    assert!(e.message.contains("`lpo.yaml` does not exist"), "{e}");
}

#[test]
fn discover_stops_at_an_unreadable_manifest_instead_of_skipping_to_a_parent() {
    let dir = support::scratch("discover");
    write(&dir.join("lpo.yaml"), "postcodes: p.tsv\n");
    let dangling = dir.join("dangling");
    std::fs::create_dir_all(&dangling).unwrap_or_else(|e| panic!("{e}"));
    symlink(Path::new("gone.yaml"), &dangling.join("lpo.yaml"));
    let folder = dir.join("folder");
    std::fs::create_dir_all(folder.join("lpo.yaml/sub")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(discover(&dangling), Some(dangling.join("lpo.yaml")));
    assert_eq!(discover(&folder), Some(folder.join("lpo.yaml")));
    assert_eq!(discover(&dir.join("nothing")), Some(dir.join("lpo.yaml")));
}

#[test]
fn every_unreadable_file_is_named_and_fails_the_load() {
    // All of the above in one config: each is reported, none stops the others being found.
    let manifest = mini("all_at_once");
    let root = root_of(&manifest);
    symlink(Path::new("gone.yaml"), &root.join("rules/20-a.yaml"));
    fifo(&root.join("rules/20-b.yaml"));
    symlink(Path::new("/dev/zero"), &root.join("rules/20-c.yaml"));
    symlink(Path::new("loop.yaml"), &root.join("constraints/loop.yaml"));
    let d = load(&manifest).err().unwrap_or_default();
    let named: Vec<(&str, &str)> = d
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| (d.code, d.file.as_str()))
        .collect();
    assert_eq!(
        named,
        vec![
            ("io-error", "constraints/loop.yaml"),
            ("file-not-found", "rules/20-a.yaml"),
            ("not-a-file", "rules/20-b.yaml"),
            ("not-a-file", "rules/20-c.yaml"),
        ],
        "{}",
        render(&d)
    );
}
