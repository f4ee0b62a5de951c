//! The manifest (`lpo.yaml`), finding it, and the whole load: the postcode table, the warehouses
//! and every carrier file compiled into the engine, then the rule files and the constraints.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use lpo_engine::{Constraints, Engine, WarehouseIndex};
use lpo_model::Bp;

use crate::diag::{Diagnostic, Pos};
use crate::files::{CarrierFile, ManifestFile, WarehousesFile};
use crate::loader::values::valid_id;
use crate::loader::{ConfigFile, Loader};
use crate::rules::Case;

/// A loaded, compiled configuration and the warnings found on the way.
#[derive(Debug)]
pub struct Loaded {
    pub engine: Engine,
    pub warnings: Vec<Diagnostic>,
    /// The config root (folder of `lpo.yaml`).
    pub root: PathBuf,
    /// Files read, in reading order, with the bytes that were loaded and hashed into the
    /// version (so callers never need to read them again, or risk reading newer ones).
    pub files: Vec<ConfigFile>,
    /// Example cases carried by the rule files, for `lpo test`.
    pub cases: Vec<Case>,
    /// The day's global constraints named by the manifest (empty when it names none).
    pub constraints: Constraints,
}

/// Finds `lpo.yaml` in `start` or the nearest folder above it, the way cargo finds `Cargo.toml`.
/// An `lpo.yaml` that is there but cannot be read (a folder, a broken link, no permission) is
/// found all the same, for [`load`] to say why, rather than one further up being used instead.
pub fn discover(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|d| d.join("lpo.yaml"))
        .find(|p| p.symlink_metadata().is_ok())
}

/// Loads and compiles the configuration whose manifest is `manifest`. On any error, returns every
/// diagnostic (errors and warnings), sorted.
pub fn load(manifest: &Path) -> Result<Loaded, Vec<Diagnostic>> {
    let mut l = Loader::new(manifest);
    let compiled = l.run(manifest);
    match compiled {
        Some((engine, cases, constraints)) if !l.diags.has_errors() => Ok(Loaded {
            engine,
            warnings: l.diags.sorted(),
            root: l.root,
            files: l.files,
            cases,
            constraints,
        }),
        _ => Err(l.diags.sorted()),
    }
}

impl Loader {
    /// Reads the manifest and everything it names; the engine, the rule cases and the
    /// constraints, unless something needed for the engine could not be read.
    fn run(&mut self, manifest: &Path) -> Option<(Engine, Vec<Case>, Constraints)> {
        // When it cannot be resolved (a broken link), still named as a file of the root.
        let manifest = manifest.canonicalize().unwrap_or_else(|_| {
            manifest
                .file_name()
                .map_or_else(|| manifest.to_path_buf(), |n| self.root.join(n))
        });
        let (m, mrel): (ManifestFile, String) = self.yaml(&manifest)?;
        let gst = m.gst_pct.map_or(Bp(1000), |p| Bp(p.0));
        let postcodes = self
            .resolve(&mrel, &m.postcodes)
            .and_then(|p| self.postcodes(&p));
        let warehouses = self
            .resolve(&mrel, &m.warehouses)
            .and_then(|p| self.yaml::<WarehousesFile>(&p));
        let carriers_dir = self.resolve(&mrel, &m.carriers);
        let postcodes = postcodes?;
        let (warehouses, default_from) = self.warehouses(warehouses?, &postcodes)?;
        let dir = carriers_dir?;
        let paths = self.yaml_files(&dir, (&mrel, &m.carriers))?;
        if paths.is_empty() {
            let pos = Pos::at(&mrel, m.carriers.line, m.carriers.column);
            self.diags.error(
                "no-carriers",
                &pos,
                format!("no *.yaml carrier files in `{}`", m.carriers.value),
                None,
            );
        }
        let mut parsed = Vec::new();
        for p in &paths {
            if let Some(c) = self.yaml::<CarrierFile>(p) {
                parsed.push(c);
            }
        }
        parsed.sort_by(|a, b| a.0.carrier.value.cmp(&b.0.carrier.value));
        let mut carriers = Vec::new();
        let mut services = Vec::new();
        let mut surcharges = Vec::new();
        let mut seen: HashMap<String, String> = HashMap::new();
        for (cf, rel) in &parsed {
            let id = &cf.carrier;
            let pos = Pos::at(rel, id.line, id.column);
            if !valid_id(&id.value) {
                self.diags.error(
                    "invalid-id",
                    &pos,
                    format!("carrier id `{}` is not a valid id", id.value),
                    Some(
                        "ids are lowercase letters, digits and `_`, starting with a letter".into(),
                    ),
                );
            }
            if let Some(other) = seen.insert(id.value.clone(), rel.clone()) {
                self.diags.error(
                    "duplicate-id",
                    &pos,
                    format!("carrier `{}` is also defined in {other}", id.value),
                    None,
                );
                continue;
            }
            let ci = carriers.len() as u16;
            if let Some(c) = self.carrier(
                cf,
                rel,
                ci,
                &warehouses,
                &postcodes,
                &mut services,
                &mut surcharges,
            ) {
                carriers.push(c);
            }
        }
        let version = self.version();
        let points: Vec<(f64, f64)> = warehouses.iter().map(|w| (w.lat, w.lon)).collect();
        let mut engine = Engine {
            version,
            gst,
            postcodes,
            warehouse_index: WarehouseIndex::new(&points),
            warehouses,
            default_from,
            carriers,
            services,
            surcharges,
            rules: Vec::new(),
            rules_use_distance: false,
            rules_by_service: Vec::new(),
            setting_rules: Vec::new(),
        };
        let mut cases = Vec::new();
        if let Some(rules) = &m.rules
            && let Some(dir) = self.resolve(&mrel, rules)
        {
            cases = self.rules(&dir, (&mrel, rules), &mut engine);
        }
        let mut constraints = Constraints::default();
        if let Some(c) = &m.constraints
            && let Some(path) = self.resolve(&mrel, c)
        {
            constraints = self.constraints(&path, Some((&mrel, c)), &engine);
        }
        // The version covers every file read, rule files included.
        engine.version = self.version();
        Some((engine, cases, constraints))
    }
}
