//! The [`Loader`] every kind of configuration file is read with: it resolves paths inside the
//! config root, reads files whole (recording their bytes for the version hash), parses YAML with
//! positions and collects the diagnostics. Problems are collected, never thrown at the first one.
//!
//! The loader knows no kind of file; `crate::load` (manifest, postcodes, warehouses, carriers),
//! `crate::rules` and `crate::constraints` each add the reading of theirs in an `impl Loader`
//! block, and share the values of [`values`] and the areas of [`areas`].

use std::path::{Component, Path, PathBuf};

use lpo_format::line_ends::Syntax;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::diag::{Diagnostics, Pos};
use crate::files::Sp;

pub(crate) mod areas;
mod open;
pub(crate) mod repeats;
pub(crate) mod values;
mod yaml_error;

pub use open::MAX_FILE_BYTES;
use open::OpenError;

/// One configuration file as it was read.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    /// Path relative to the root, `/`-separated.
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Reads the files of one config root and collects what is wrong with them.
pub(crate) struct Loader {
    pub(crate) root: PathBuf,
    pub(crate) diags: Diagnostics,
    hasher: Sha256,
    /// Files read, in reading order, with their bytes.
    pub(crate) files: Vec<ConfigFile>,
}

impl Loader {
    pub(crate) fn new(manifest: &Path) -> Loader {
        // A manifest that is a symbolic link is read where it is: the files it names are there.
        let real = manifest
            .canonicalize()
            .unwrap_or_else(|_| manifest.to_path_buf());
        let dir = real
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let root = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        Loader {
            root,
            diags: Diagnostics::default(),
            hasher: Sha256::new(),
            files: Vec::new(),
        }
    }

    pub(crate) fn rel(&self, p: &Path) -> String {
        let r = p.strip_prefix(&self.root).unwrap_or(p);
        r.components()
            .filter_map(|c| match c {
                Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    /// Resolves a path written in `from_file` (relative to the root), refusing anything outside the root.
    pub(crate) fn resolve(&mut self, from_file: &str, sp: &Sp<String>) -> Option<PathBuf> {
        let pos = Pos::at(from_file, sp.line, sp.column);
        let base = self.root.join(from_file);
        let dir = base.parent().unwrap_or(&self.root);
        let joined = dir.join(&sp.value);
        // Lexically first (`..` must not climb out), then for real (symbolic links).
        let mut lexical = PathBuf::new();
        for c in joined.components() {
            match c {
                Component::ParentDir => {
                    lexical.pop();
                }
                Component::CurDir => {}
                other => lexical.push(other),
            }
        }
        let outside = !lexical.starts_with(&self.root);
        match joined.canonicalize() {
            _ if outside => {
                self.diags.error(
                    "path-outside-root",
                    &pos,
                    format!("`{}` is outside the config root", sp.value),
                    Some("config files may only refer to files inside the folder that holds lpo.yaml".into()),
                );
                None
            }
            Ok(p) if p.starts_with(&self.root) => Some(p),
            Ok(_) => {
                self.diags.error(
                    "path-outside-root",
                    &pos,
                    format!("`{}` is outside the config root", sp.value),
                    Some("config files may only refer to files inside the folder that holds lpo.yaml".into()),
                );
                None
            }
            Err(e) => {
                self.diags.error(
                    "file-not-found",
                    &pos,
                    format!("cannot open `{}`: {e}", sp.value),
                    Some(format!("paths are relative to the folder of {from_file}")),
                );
                None
            }
        }
    }

    /// Reads a config file whole, recording its bytes for the version hash. Lone-CR line ends
    /// come back as LF, so every reader counts lines alike; the hash is of the bytes as read.
    /// Every file of a config is read here, through [`open::read_config_file`]'s checks.
    pub(crate) fn read(&mut self, path: &Path, syntax: Syntax) -> Option<String> {
        let rel = self.rel(path);
        let bytes = match open::read_config_file(path, &self.root) {
            Ok(b) => b,
            Err(e) => {
                self.refused(&rel, &e);
                return None;
            }
        };
        self.hasher.update(rel.as_bytes());
        self.hasher.update([0]);
        self.hasher.update(&bytes);
        let text = lpo_format::line_ends::unify(&bytes, syntax).into_owned();
        self.files.push(ConfigFile {
            path: rel.clone(),
            bytes,
        });
        match String::from_utf8(text) {
            Ok(s) => Some(s),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                let line = e
                    .as_bytes()
                    .get(..at)
                    .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
                    + 1;
                self.diags.error(
                    "not-utf8",
                    &Pos::at(&rel, line as u64, 0),
                    "file is not UTF-8 text",
                    Some("config files are UTF-8 text; is this a binary file?".into()),
                );
                None
            }
        }
    }

    /// The `*.yaml`/`*.yml` entries of a folder named at `named_at`, in name order: every one,
    /// file or not, for `read` to read or refuse.
    pub(crate) fn yaml_files(
        &mut self,
        dir: &Path,
        named_at: (&str, &Sp<String>),
    ) -> Option<Vec<PathBuf>> {
        match std::fs::read_dir(dir) {
            Ok(rd) => {
                // Whatever each is (a link, a FIFO, a folder), `read` says why it cannot be
                // read: none is skipped silently. Hidden names (`.#x.yaml`, an editor's lock
                // link; `.x.yaml`) are not config files, as in git and most tools.
                let mut paths: Vec<PathBuf> = rd
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
                    .filter(|p| {
                        !p.file_name()
                            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                    })
                    .collect();
                paths.sort();
                Some(paths)
            }
            Err(e) => {
                let (file, sp) = named_at;
                let pos = Pos::at(file, sp.line, sp.column);
                self.diags.error(
                    "io-error",
                    &pos,
                    format!("cannot list `{}`: {e}", sp.value),
                    None,
                );
                None
            }
        }
    }

    /// The configuration version: the first 8 bytes, in hex, of the hash of every file read so
    /// far (its path and bytes).
    pub(crate) fn version(&self) -> String {
        self.hasher
            .clone()
            .finalize()
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    pub(crate) fn yaml<T: DeserializeOwned>(&mut self, path: &Path) -> Option<(T, String)> {
        let text = self.read(path, Syntax::Text)?;
        let rel = self.rel(path);
        match serde_saphyr::from_str::<T>(&text) {
            Ok(v) => Some((v, rel)),
            Err(e) => {
                let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
                let msg = e.without_snippet().to_string();
                let msg = yaml_error::strip_location(msg.lines().next().unwrap_or("")).to_string();
                // The parser's advice about its own options means nothing to a user.
                let msg = match msg.split_once(", set DuplicateKeyPolicy") {
                    Some((head, _)) => {
                        head.replace("duplicate mapping key: ", "duplicate key `") + "`"
                    }
                    None => msg,
                };
                let (code, hint) = yaml_error::classify_yaml_error(&msg);
                let msg = yaml_error::expected_scalar(&msg).unwrap_or(msg);
                self.diags
                    .error(code, &Pos::at(&rel, line, column), msg, hint);
                None
            }
        }
    }
}

impl Loader {
    /// Reports why the config file `rel` was not read.
    fn refused(&mut self, rel: &str, e: &OpenError) {
        let (pos, msg, hint) = (Pos::file(rel), e.message(rel), e.hint());
        let d = &mut self.diags;
        match e {
            OpenError::NotFound | OpenError::Dangling(_) => {
                d.error("file-not-found", &pos, msg, hint);
            }
            OpenError::NotAFile(_) => d.error("not-a-file", &pos, msg, hint),
            OpenError::OutsideRoot(_) => d.error("path-outside-root", &pos, msg, hint),
            OpenError::TooLarge(_) => d.error("file-too-large", &pos, msg, hint),
            OpenError::Unreachable(_) | OpenError::Io(_) => {
                d.error("io-error", &pos, msg, hint);
            }
        }
    }
}
