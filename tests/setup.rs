//! `scripts/setup`: it finds libclang the way clang-sys does (so `libclang-cpp.so.14`, which
//! llvm-14 ships, does not count), and when it cannot install what is missing it says what, and
//! how, instead of leaving bindgen to fail minutes into the build. Every case points
//! LIBCLANG_PATH at a folder of its own (clang-sys then searches only there) and never lets the
//! real apt-get run.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn script() -> PathBuf {
    Path::new(ROOT).join("scripts/setup")
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
}

/// Any 64-bit ELF file will do as a stand-in library: clang-sys checks the name and the ELF
/// class before loading. The test binary itself is one.
fn elf_as(dir: &Path, name: &str) {
    let me = std::env::current_exe().unwrap_or_else(|e| panic!("{e}"));
    std::fs::copy(me, dir.join(name)).unwrap_or_else(|e| panic!("{e}"));
}

fn run(libclang_dir: &Path, path_prefix: Option<&Path>, args: &[&str]) -> Output {
    let mut c = Command::new("bash");
    c.arg(script())
        .args(args)
        .env("LIBCLANG_PATH", libclang_dir);
    if let Some(p) = path_prefix {
        let path = std::env::var("PATH").unwrap_or_default();
        c.env("PATH", format!("{}:{path}", p.display()));
    }
    c.stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run scripts/setup: {e}"))
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Whether `--check` lists libclang as missing.
fn libclang_missing(o: &Output) -> bool {
    err(o).contains("  - libclang: ")
}

#[test]
fn libclang_cpp_is_not_libclang() {
    let d = tmp();
    elf_as(d.path(), "libclang-cpp.so.14");
    let o = run(d.path(), None, &["--check"]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(libclang_missing(&o), "{}", err(&o));
    assert!(
        err(&o).contains("libclang-cpp does not count"),
        "{}",
        err(&o)
    );
}

#[test]
fn every_name_clang_sys_loads_counts_but_only_as_a_64_bit_elf_file() {
    for name in [
        "libclang.so",
        "libclang-14.so",
        "libclang.so.1",
        "libclang-14.so.1",
    ] {
        let d = tmp();
        elf_as(d.path(), name);
        let o = run(d.path(), None, &["--check"]);
        assert!(!libclang_missing(&o), "{name}: {}", err(&o));
        // LIBCLANG_PATH may also name the file itself.
        let o = run(&d.path().join(name), None, &["--check"]);
        assert!(!libclang_missing(&o), "{name} as a file: {}", err(&o));
    }
    let d = tmp();
    std::fs::write(d.path().join("libclang.so.1"), "not a library")
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(d.path().join("libclang.a"), "\x7fELF\x02").unwrap_or_else(|e| panic!("{e}"));
    let o = run(d.path(), None, &["--check"]);
    assert!(libclang_missing(&o), "{}", err(&o));
}

/// A folder holding an `apt-get` that prints `says` on stderr and exits with `code`.
fn fake_apt(says: &str, code: i32) -> tempfile::TempDir {
    let d = tmp();
    let p = d.path().join("apt-get");
    std::fs::write(&p, format!("#!/bin/sh\necho '{says}' >&2\nexit {code}\n"))
        .unwrap_or_else(|e| panic!("{e}"));
    let st = Command::new("chmod")
        .arg("+x")
        .arg(&p)
        .status()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(st.success());
    d
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[test]
fn no_package_archive_is_a_clear_message_naming_what_is_missing() {
    if !is_root() {
        eprintln!("skipped: needs root (as a user without sudo the script stops before apt-get)");
        return;
    }
    let empty = tmp();
    let apt = fake_apt("E: Could not resolve the package archive", 100);
    let o = run(empty.path(), Some(apt.path()), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    let e = err(&o);
    assert!(e.contains("`apt-get update` failed"), "{e}");
    assert!(e.contains("  - libclang: "), "{e}");
    assert!(e.contains("libclang-dev"), "{e}");
}

#[test]
fn an_install_that_leaves_a_need_unmet_fails_naming_it() {
    if !is_root() {
        eprintln!("skipped: needs root (as a user without sudo the script stops before apt-get)");
        return;
    }
    let empty = tmp();
    // An apt-get that succeeds but installs nothing, as when a package lands elsewhere.
    let apt = fake_apt("ok", 0);
    let o = run(empty.path(), Some(apt.path()), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    let e = err(&o);
    assert!(e.contains("still missing after installing"), "{e}");
    assert!(e.contains("  - libclang: "), "{e}");
    // Only what is missing is asked for: with cmake present (cmake but no libclang), not cmake.
    let installing = e
        .lines()
        .find(|l| l.starts_with("scripts/setup: installing "))
        .unwrap_or_else(|| panic!("{e}"));
    assert!(installing.contains("libclang-dev"), "{installing}");
    let has_cmake = Command::new("cmake").arg("--version").output().is_ok();
    assert_eq!(installing.contains("cmake"), !has_cmake, "{installing}");
}

#[test]
fn without_root_or_sudo_it_names_the_packages_to_install() {
    if !is_root() || Command::new("setpriv").arg("--version").output().is_err() {
        eprintln!("skipped: needs root and setpriv to run the script as another user");
        return;
    }
    // The script and an empty LIBCLANG_PATH folder where user `nobody` can read them.
    let d = tmp();
    let st = Command::new("chmod")
        .arg("755")
        .arg(d.path())
        .status()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(st.success());
    let copy = d.path().join("setup");
    std::fs::copy(script(), &copy).unwrap_or_else(|e| panic!("{e}"));
    let empty = d.path().join("lib");
    std::fs::create_dir(&empty).unwrap_or_else(|e| panic!("{e}"));
    if Path::new("/usr/bin/sudo").exists() || Path::new("/bin/sudo").exists() {
        eprintln!("skipped: sudo is installed here");
        return;
    }
    let o = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "env"])
        .arg(format!("LIBCLANG_PATH={}", empty.display()))
        .arg("PATH=/usr/bin:/bin")
        .arg("bash")
        .arg(&copy)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    let e = err(&o);
    assert!(e.contains("not root, and no sudo here"), "{e}");
    assert!(
        e.contains("apt-get install -y --no-install-recommends") && e.contains("libclang-dev"),
        "{e}"
    );
}
