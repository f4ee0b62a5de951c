//! Where `lpo diff` gets its two configurations: the working tree, a folder, or a git revision
//! copied out of the object store into a temporary folder (only the files the manifest names,
//! when it can tell).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use lpo_plan::compare::Side;

use crate::common::Failure;

/// Which side of a diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Which {
    Base,
    Head,
}

impl Which {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Which::Base => "base",
            Which::Head => "head",
        }
    }
}

/// A side and the temporary folder its files were copied into (removed when dropped).
pub(crate) struct Checkout {
    pub(crate) side: Side,
    _tmp: Option<tempfile::TempDir>,
}

fn git(repo: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// The config tree of `rev` (the folder of the current manifest, at that revision) written
/// into a temporary folder; returns the folder and the commit's short hash.
/// Top-level folders and files the manifest text names (`carriers: data/carriers` → `data`).
/// Empty when it names none in the plain `key: path` form (then everything is read).
fn manifest_roots(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        if !matches!(
            key.trim(),
            "postcodes" | "warehouses" | "carriers" | "rules" | "constraints"
        ) || line.starts_with(char::is_whitespace)
        {
            continue;
        }
        let value = value.split(" #").next().unwrap_or("").trim();
        let value = value.trim_matches(|c| c == '"' || c == '\'');
        let first = value
            .trim_start_matches("./")
            .split('/')
            .next()
            .unwrap_or("");
        if first.is_empty() || first == ".." || first.starts_with('[') || first.starts_with('{') {
            return Vec::new();
        }
        out.push(first.to_string());
    }
    out
}

/// Copies the config tree at `rev` out of git. With `narrow`, only the manifest and the
/// top-level folders and files it names are read (the loader reads nothing else unless a file
/// climbs out of its folder, in which case the caller retries without `narrow`). Returns the
/// folder, the commit's short hash and whether the tree was narrowed.
fn checkout_free(
    manifest: &Path,
    rev: &str,
    which: Which,
    narrow: bool,
) -> Result<(tempfile::TempDir, String, bool), Failure> {
    let w = which.name();
    let dir = manifest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let dir = dir
        .canonicalize()
        .map_err(|e| Failure::io(format!("{w}: cannot read {}: {e}", dir.display())))?;
    if let Err(e) = Command::new("git").arg("--version").output() {
        return Err(Failure::io(format!(
            "{w}: `{rev}` is not a folder, and git is needed to read it as a revision: {e}"
        )));
    }
    let top = git(&dir, &["rev-parse", "--show-toplevel"]).map_err(|e| {
        Failure::usage(format!(
            "{w}: `{rev}` is not a folder, and {} is not in a git repository, so it cannot be a revision either ({e})",
            dir.display()
        ))
    })?;
    let top = PathBuf::from(String::from_utf8_lossy(&top).trim());
    let commit = git(
        &top,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .ok()
    .map(|o| String::from_utf8_lossy(&o).trim().to_string())
    .filter(|s| !s.is_empty())
    .ok_or_else(|| {
        Failure::usage(format!(
            "{w}: `{rev}` is neither a folder nor a revision of the git repository at {} \
                 (try `git log --oneline` or `git branch -a`)",
            top.display()
        ))
    })?;
    let top_canon = top.canonicalize().unwrap_or(top.clone());
    let prefix = dir.strip_prefix(&top_canon).map_err(|_| {
        Failure::io(format!(
            "{w}: {} is outside {}",
            dir.display(),
            top.display()
        ))
    })?;
    let prefix = prefix
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    let manifest_name = manifest
        .file_name()
        .map_or("lpo.yaml".to_string(), |n| n.to_string_lossy().into_owned());
    // Every blob under the config folder at that commit.
    let mut ls = vec!["ls-tree", "-r", "-z", "--full-tree", commit.as_str()];
    if !prefix.is_empty() {
        ls.push("--");
        ls.push(&prefix);
    }
    let listing = git(&top, &ls).map_err(|e| Failure::io(format!("{w}: git ls-tree: {e}")))?;
    let mut blobs: Vec<(String, String)> = Vec::new();
    for entry in listing.split(|&b| b == 0).filter(|e| !e.is_empty()) {
        let entry = String::from_utf8_lossy(entry);
        let Some((meta, path)) = entry.split_once('\t') else {
            continue;
        };
        let mut m = meta.split(' ');
        let (mode, kind, hash) = (
            m.next().unwrap_or(""),
            m.next().unwrap_or(""),
            m.next().unwrap_or(""),
        );
        // Regular files only: no submodules, and no symbolic links (they could point anywhere).
        if kind != "blob" || mode == "120000" {
            continue;
        }
        let rel = if prefix.is_empty() {
            path.to_string()
        } else {
            match path.strip_prefix(&format!("{prefix}/")) {
                Some(r) => r.to_string(),
                None => continue,
            }
        };
        blobs.push((hash.to_string(), rel));
    }
    let mut narrowed = false;
    if narrow
        && let Some((hash, _)) = blobs.iter().find(|(_, p)| *p == manifest_name)
        && let Ok(text) = git(&top, &["cat-file", "-p", hash.as_str()])
    {
        let roots = manifest_roots(&String::from_utf8_lossy(&text));
        if !roots.is_empty() {
            blobs.retain(|(_, p)| {
                *p == manifest_name
                    || roots.iter().any(|r| {
                        p == r
                            || p.strip_prefix(r.as_str())
                                .is_some_and(|rest| rest.starts_with('/'))
                    })
            });
            narrowed = true;
        }
    }
    if !blobs.iter().any(|(_, p)| *p == manifest_name) {
        return Err(Failure::usage(format!(
            "{w}: revision `{rev}` ({}) has no {}{manifest_name}",
            &commit[..commit.len().min(10)],
            if prefix.is_empty() {
                String::new()
            } else {
                format!("{prefix}/")
            }
        )));
    }
    // Read them all through one `git cat-file --batch`.
    let mut child = Command::new("git")
        .arg("-C")
        .arg(&top)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Failure::io(format!("cannot run git: {e}")))?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| Failure::io("git cat-file: no stdin"))?;
    let hashes: String = blobs.iter().map(|(h, _)| format!("{h}\n")).collect();
    let writer = std::thread::spawn(move || stdin.write_all(hashes.as_bytes()));
    let out = child
        .wait_with_output()
        .map_err(|e| Failure::io(format!("git cat-file: {e}")))?;
    let _ = writer.join();
    if !out.status.success() {
        return Err(Failure::io(format!(
            "{w}: git cat-file: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let tmp = tempfile::tempdir()
        .map_err(|e| Failure::io(format!("cannot make a temporary folder: {e}")))?;
    let mut data = out.stdout.as_slice();
    for (_, rel) in &blobs {
        // `<hash> blob <size>\n<content>\n`
        let nl = data
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| Failure::io("git cat-file: truncated output"))?;
        let header = String::from_utf8_lossy(data.get(..nl).unwrap_or_default()).to_string();
        let size: usize = header
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| Failure::io(format!("git cat-file: unexpected `{header}`")))?;
        let content = data
            .get(nl + 1..nl + 1 + size)
            .ok_or_else(|| Failure::io("git cat-file: truncated output"))?;
        data = data.get(nl + 2 + size..).unwrap_or(&[]);
        let to = tmp.path().join(rel);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Failure::io(format!("{}: {e}", parent.display())))?;
        }
        std::fs::write(&to, content).map_err(|e| Failure::io(format!("{}: {e}", to.display())))?;
    }
    let short = commit[..commit.len().min(10)].to_string();
    Ok((tmp, short, narrowed))
}

/// Loads one side; its diagnostics are printed tagged with the side.
pub(crate) fn load_side(
    cli_manifest: &Result<PathBuf, Failure>,
    spec: Option<&str>,
    which: Which,
) -> Result<Checkout, Failure> {
    let w = which.name();
    // The config in use is needed only for the working tree and for revisions (to find the
    // repository); two folders diff anywhere.
    let cli_manifest = || -> Result<&Path, Failure> {
        cli_manifest.as_deref().map_err(|f| Failure {
            code: f.code,
            message: format!("{w}: {}", f.message),
        })
    };
    let (manifest, label, tmp) = match spec {
        None => (
            cli_manifest()?.to_path_buf(),
            "working tree".to_string(),
            None,
        ),
        Some(s) => {
            let p = Path::new(s);
            if p.is_dir() {
                (p.join("lpo.yaml"), s.to_string(), None)
            } else if p.is_file() {
                (p.to_path_buf(), s.to_string(), None)
            } else {
                let name = cli_manifest()?
                    .file_name()
                    .map_or("lpo.yaml".into(), |n| n.to_string_lossy().into_owned());
                let (tmp, short, narrowed) = checkout_free(cli_manifest()?, s, which, true)?;
                let label = format!("{s} ({short})");
                let first = lpo_config::load(&tmp.path().join(&name));
                match first {
                    Ok(loaded) => {
                        return Ok(Checkout {
                            side: Side { label, loaded },
                            _tmp: Some(tmp),
                        });
                    }
                    // A file outside the folders the manifest names: read the whole tree.
                    Err(_) if narrowed => {
                        let (tmp, _, _) = checkout_free(cli_manifest()?, s, which, false)?;
                        (tmp.path().join(&name), label, Some(tmp))
                    }
                    Err(_) => (tmp.path().join(&name), label, Some(tmp)),
                }
            }
        }
    };
    if !manifest.is_file() {
        return Err(Failure::usage(format!(
            "{w}: {} does not exist",
            manifest.display()
        )));
    }
    match lpo_config::load(&manifest) {
        Ok(loaded) => Ok(Checkout {
            side: Side { label, loaded },
            _tmp: tmp,
        }),
        Err(diags) => {
            for d in &diags {
                note!("[{w}: {label}] {d}\n");
            }
            let errors = diags
                .iter()
                .filter(|d| d.severity == lpo_config::Severity::Error)
                .count();
            Err(Failure::usage(format!(
                "the {w} configuration ({label}) has {errors} error(s); no diff was made"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_roots_are_the_first_folders_named() {
        let text = "# comment\npostcodes: data/au.tsv   # GeoNames\nwarehouses: \"data/w.yaml\"\ncarriers: ./data/carriers\ngst_pct: 10\nrules: rules\nconstraints: constraints\n";
        assert_eq!(
            manifest_roots(text),
            ["data", "data", "data", "rules", "constraints"]
        );
        // Anything unusual: read the whole tree.
        assert!(manifest_roots("carriers: ../elsewhere\n").is_empty());
        assert!(manifest_roots("carriers: [a, b]\n").is_empty());
        assert!(manifest_roots("gst_pct: 10\n").is_empty());
    }
}
