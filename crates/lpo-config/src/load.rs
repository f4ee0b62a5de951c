//! Loading a config root: reading every file with positions, validating, and compiling into an
//! [`Engine`]. Problems are collected, never thrown at the first one, and nothing is returned
//! when there is an error: a broken configuration is never loaded silently or half-applied.

use std::collections::{BTreeMap, HashMap};

use rustc_hash::FxHashMap;
use std::path::{Component, Path, PathBuf};

use geo::{LineString, MultiPolygon, Polygon, Validation};
use lpo_engine::{
    Amount, Band, Carrier, Cond, Cubic, DefaultFrom, Engine, Fuel, ItemMeasure, Lane, Limits,
    NONE_U16, NONE_U32, POSTCODES, Per, PolygonIndex, PostcodeIndex, PricingUnit, Range, RateKind,
    RateTable, Series, Service, Surcharge, Warehouse, WarehouseIndex, ZoneMap,
};
use lpo_model::{AddressType, Bp, Cents, Date, State, parse_decimal};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::diag::{Diagnostic, Diagnostics, Pos, did_you_mean};
use crate::files::*;
use lpo_format::line_ends::{Syntax, record_line};

/// A lane's rows while a rate table is read: eta, first line, (band, line) rows.
type LaneRows = (u8, u64, Vec<(Band, u64)>);

/// A positioned range condition on a decimal with `S` decimals.
type SpRange<const S: u32> = Sp<RangeDef<Dec<S>>>;

/// The engine range of a positioned range condition.
pub(crate) fn range_of<const S: u32>(r: &Sp<RangeDef<Dec<S>>>) -> Range {
    Range {
        over: r.value.over.map(|d| d.0),
        at_least: r.value.at_least.map(|d| d.0),
        under: r.value.under.map(|d| d.0),
        up_to: r.value.up_to.map(|d| d.0),
    }
}

/// Most zones one carrier may define.
pub const MAX_ZONES: usize = 2000;

/// Largest configuration file read, in bytes.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// One configuration file as it was read.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    /// Path relative to the root, `/`-separated.
    pub path: String,
    pub bytes: Vec<u8>,
}

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
    pub cases: Vec<crate::rules::Case>,
    /// The day's global constraints named by the manifest (empty when it names none).
    pub constraints: lpo_engine::Constraints,
}

/// Finds `lpo.yaml` in `start` or the nearest folder above it, the way cargo finds `Cargo.toml`.
pub fn discover(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|d| d.join("lpo.yaml"))
        .find(|p| p.is_file())
}

/// Loads and compiles the configuration whose manifest is `manifest`. On any error, returns every
/// diagnostic (errors and warnings), sorted.
pub fn load(manifest: &Path) -> Result<Loaded, Vec<Diagnostic>> {
    let mut l = Loader::new(manifest);
    let engine = l.run(manifest);
    match engine {
        Some(engine) if !l.diags.has_errors() => Ok(Loaded {
            engine,
            warnings: l.diags.sorted(),
            root: l.root,
            files: l.files,
            cases: l.cases,
            constraints: l.constraints,
        }),
        _ => Err(l.diags.sorted()),
    }
}

pub(crate) struct Loader {
    pub(crate) root: PathBuf,
    pub(crate) diags: Diagnostics,
    hasher: Sha256,
    files: Vec<ConfigFile>,
    cases: Vec<crate::rules::Case>,
    constraints: lpo_engine::Constraints,
}

/// Ids: lowercase ASCII letters, digits and `_`, starting with a letter.
pub(crate) fn valid_id(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn parse_postcode(s: &str) -> Option<u16> {
    let s = s.trim();
    (s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// `"2000"` or `"2000-2234"` → inclusive range.
pub(crate) fn parse_postcode_range(s: &str) -> Option<(u16, u16)> {
    match s.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (parse_postcode(a)?, parse_postcode(b)?);
            (a <= b).then_some((a, b))
        }
        None => parse_postcode(s).map(|p| (p, p)),
    }
}

fn to_i64<const S: u32>(d: Option<Dec<S>>) -> Option<i64> {
    d.map(|d| d.0)
}

impl Loader {
    pub(crate) fn new(manifest: &Path) -> Loader {
        let dir = manifest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let root = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        Loader {
            root,
            diags: Diagnostics::default(),
            hasher: Sha256::new(),
            cases: Vec::new(),
            constraints: lpo_engine::Constraints::default(),
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
    pub(crate) fn read(&mut self, path: &Path, syntax: Syntax) -> Option<String> {
        let rel = self.rel(path);
        let pos = Pos::file(&rel);
        match std::fs::metadata(path) {
            Ok(m) if m.len() > MAX_FILE_BYTES => {
                self.diags.error(
                    "file-too-large",
                    &pos,
                    format!("file is {} bytes, the limit is {MAX_FILE_BYTES}", m.len()),
                    None,
                );
                return None;
            }
            Err(e) => {
                self.diags
                    .error("io-error", &pos, format!("cannot read: {e}"), None);
                return None;
            }
            _ => {}
        }
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                self.diags
                    .error("io-error", &pos, format!("cannot read: {e}"), None);
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

    /// The `*.yaml`/`*.yml` files of a folder named at `named_at`, in name order.
    pub(crate) fn yaml_files(
        &mut self,
        dir: &Path,
        named_at: (&str, &Sp<String>),
    ) -> Option<Vec<PathBuf>> {
        match std::fs::read_dir(dir) {
            Ok(rd) => {
                let mut paths: Vec<PathBuf> = rd
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| {
                        p.extension().is_some_and(|x| x == "yaml" || x == "yml") && p.is_file()
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

    /// Postcodes and ranges (`"0800"`, `"6000-6999"`) of a condition, each bad one reported.
    pub(crate) fn postcode_ranges(&mut self, rel: &str, ps: &[Sp<String>]) -> Vec<(u16, u16)> {
        let mut v = Vec::new();
        for p in ps {
            match parse_postcode_range(&p.value) {
                Some(r) => v.push(r),
                None => self.diags.error(
                    "invalid-postcode",
                    &Pos::at(rel, p.line, p.column),
                    format!("`{}` is not a postcode or a range of postcodes", p.value),
                    Some("write \"0800\" or \"6000-6999\", quoted".into()),
                ),
            }
        }
        v
    }

    /// Reports a range that gives no bound (`empty-condition`) or that no value satisfies
    /// (`contradictory-condition`); `subject` names the surcharge or rule.
    pub(crate) fn check_range(&mut self, subject: &str, name: &str, r: Range, pos: Pos) -> Range {
        if r == Range::default() {
            self.diags.error(
                "empty-condition",
                &pos,
                format!("{subject}: `{name}` gives no bound"),
                Some("use over, at_least, under or up_to".into()),
            );
        } else if r.is_empty() {
            self.diags.error(
                "contradictory-condition",
                &pos,
                format!("{subject}: `{name}` can never hold"),
                Some("check the bounds: the lower bound is above the upper".into()),
            );
        }
        r
    }

    pub(crate) fn yaml<T: DeserializeOwned>(&mut self, path: &Path) -> Option<(T, String)> {
        let text = self.read(path, Syntax::Text)?;
        let rel = self.rel(path);
        match serde_saphyr::from_str::<T>(&text) {
            Ok(v) => Some((v, rel)),
            Err(e) => {
                let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
                let msg = e.without_snippet().to_string();
                let msg = strip_location(msg.lines().next().unwrap_or("")).to_string();
                // The parser's advice about its own options means nothing to a user.
                let msg = match msg.split_once(", set DuplicateKeyPolicy") {
                    Some((head, _)) => {
                        head.replace("duplicate mapping key: ", "duplicate key `") + "`"
                    }
                    None => msg,
                };
                let (code, hint) = classify_yaml_error(&msg);
                self.diags
                    .error(code, &Pos::at(&rel, line, column), msg, hint);
                None
            }
        }
    }

    fn run(&mut self, manifest: &Path) -> Option<Engine> {
        let manifest = manifest
            .canonicalize()
            .unwrap_or_else(|_| manifest.to_path_buf());
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
        let version: String = self
            .hasher
            .clone()
            .finalize()
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect();
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
        if let Some(rules) = &m.rules
            && let Some(dir) = self.resolve(&mrel, rules)
        {
            self.cases = self.rules(&dir, (&mrel, rules), &mut engine);
        }
        if let Some(c) = &m.constraints
            && let Some(path) = self.resolve(&mrel, c)
        {
            self.constraints = self.constraints(&path, Some((&mrel, c)), &engine);
        }
        // The version covers every file read, rule files included.
        engine.version = self
            .hasher
            .clone()
            .finalize()
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect();
        Some(engine)
    }

    fn postcodes(&mut self, path: &Path) -> Option<PostcodeIndex> {
        let text = self.read(path, Syntax::Csv(b'\t'))?;
        let rel = self.rel(path);
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(b'\t')
            .flexible(true)
            .from_reader(text.as_bytes());
        let headers = match rdr.headers() {
            Ok(h) => h.clone(),
            Err(e) => {
                self.diags
                    .error("csv-syntax", &Pos::file(&rel), e.to_string(), None);
                return None;
            }
        };
        let col = |name: &str| headers.iter().position(|h| h == name);
        let (Some(pc), Some(place), Some(state), Some(lat), Some(lon)) = (
            col("postal_code"),
            col("place_name"),
            col("admin_code1"),
            col("latitude"),
            col("longitude"),
        ) else {
            self.diags.error(
                "csv-missing-column",
                &Pos::at(&rel, 1, 0),
                "the postcode table needs columns postal_code, place_name, admin_code1, latitude, longitude",
                Some("use the GeoNames AU postal-code table (see data/README.md)".into()),
            );
            return None;
        };
        let mut rows = Vec::new();
        for rec in rdr.records() {
            let rec = match rec {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    self.diags
                        .error("csv-syntax", &Pos::at(&rel, line, 0), e.to_string(), None);
                    continue;
                }
            };
            let line = rec
                .position()
                .map_or(0, |p| record_line(text.as_bytes(), p));
            let get = |i: usize| rec.get(i).unwrap_or("");
            let parsed = (
                parse_postcode(get(pc)),
                get(state).parse::<State>(),
                get(lat).trim().parse::<f64>(),
                get(lon).trim().parse::<f64>(),
            );
            match parsed {
                (Some(p), Ok(s), Ok(la), Ok(lo))
                    if (-90.0..=90.0).contains(&la) && (-180.0..=180.0).contains(&lo) =>
                {
                    rows.push((p, get(place).trim().to_uppercase(), s, la, lo));
                }
                _ => self.diags.error(
                    "csv-invalid-cell",
                    &Pos::at(&rel, line, 0),
                    format!(
                        "row has an invalid postcode, state or coordinate: `{}` `{}` `{}` `{}`",
                        get(pc),
                        get(state),
                        get(lat),
                        get(lon)
                    ),
                    None,
                ),
            }
        }
        Some(PostcodeIndex::new(&rows))
    }

    fn warehouses(
        &mut self,
        (wf, rel): (WarehousesFile, String),
        postcodes: &PostcodeIndex,
    ) -> Option<(Vec<Warehouse>, DefaultFrom)> {
        let mut out: Vec<Warehouse> = Vec::new();
        for w in &wf.warehouses {
            let pos = Pos::at(&rel, w.id.line, w.id.column);
            if !valid_id(&w.id.value) || w.id.value == "nearest" {
                self.diags.error(
                    "invalid-id",
                    &pos,
                    format!("warehouse id `{}` is not a valid id", w.id.value),
                    Some("ids are lowercase letters, digits and `_`, starting with a letter; `nearest` is reserved".into()),
                );
            }
            if out.iter().any(|o| o.id == w.id.value) {
                self.diags.error(
                    "duplicate-id",
                    &pos,
                    format!("warehouse `{}` is defined twice", w.id.value),
                    None,
                );
                continue;
            }
            let ppos = Pos::at(&rel, w.postcode.line, w.postcode.column);
            let Some(pc) = parse_postcode(&w.postcode.value) else {
                self.diags.error(
                    "invalid-postcode",
                    &ppos,
                    format!("`{}` is not a 4-digit postcode", w.postcode.value),
                    Some("quote postcodes in YAML (\"0800\") to keep leading zeros".into()),
                );
                continue;
            };
            if postcodes.get(pc).is_none() {
                self.diags.error(
                    "unknown-postcode",
                    &ppos,
                    format!("postcode {pc:04} is not in the postcode table"),
                    None,
                );
            }
            if !(-90.0..=90.0).contains(&w.lat) || !(-180.0..=180.0).contains(&w.lon) {
                self.diags.error(
                    "invalid-value",
                    &pos,
                    format!("warehouse `{}` has an invalid lat/lon", w.id.value),
                    None,
                );
            }
            out.push(Warehouse {
                id: w.id.value.clone(),
                name: w.name.clone(),
                postcode: pc,
                lat: w.lat,
                lon: w.lon,
            });
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        if out.is_empty() {
            self.diags.error(
                "no-warehouses",
                &Pos::file(&rel),
                "no warehouses are defined",
                None,
            );
        }
        let default_from = if wf.default_from.len() == 1
            && wf
                .default_from
                .first()
                .is_some_and(|d| d.value == "nearest")
        {
            DefaultFrom::Nearest
        } else {
            let mut list = Vec::new();
            for d in &wf.default_from {
                match out.iter().position(|w| w.id == d.value) {
                    Some(i) => list.push(i as u16),
                    None => self.diags.error(
                        "unknown-warehouse",
                        &Pos::at(&rel, d.line, d.column),
                        format!("unknown warehouse `{}` in default_from", d.value),
                        did_you_mean(
                            &d.value,
                            out.iter().map(|w| w.id.as_str()).chain(["nearest"]),
                        ),
                    ),
                }
            }
            list.sort_unstable();
            list.dedup();
            if list.is_empty() {
                self.diags.error(
                    "no-warehouses",
                    &Pos::file(&rel),
                    "default_from names no warehouse",
                    Some("list warehouse ids, or `nearest` alone".into()),
                );
            }
            DefaultFrom::Warehouses(list)
        };
        Some((out, default_from))
    }

    #[allow(clippy::too_many_arguments)]
    fn carrier(
        &mut self,
        cf: &CarrierFile,
        rel: &str,
        ci: u16,
        warehouses: &[Warehouse],
        postcodes: &PostcodeIndex,
        services: &mut Vec<Service>,
        surcharges: &mut Vec<Surcharge>,
    ) -> Option<Carrier> {
        let zones = self.zones(cf, rel)?;
        let zone_ref = |l: &mut Loader, z: &Sp<String>| -> Option<u16> {
            match zones.names.iter().position(|n| *n == z.value) {
                Some(i) => Some(i as u16),
                None => {
                    l.diags.error(
                        "unknown-zone",
                        &Pos::at(rel, z.line, z.column),
                        format!("carrier `{}` has no zone `{}`", cf.carrier.value, z.value),
                        did_you_mean(&z.value, zones.names.iter().map(String::as_str)),
                    );
                    None
                }
            }
        };
        let carrier_fuel = cf
            .fuel
            .as_ref()
            .map(|f| self.fuel(f, rel, &mut |l, z| zone_ref(l, z)))
            .unwrap_or_default();

        // Services, sorted by id.
        let mut defs: Vec<&ServiceDef> = cf.services.iter().collect();
        defs.sort_by(|a, b| a.id.value.cmp(&b.id.value));
        let first = services.len();
        let mut ids: Vec<&str> = Vec::new();
        for sd in defs {
            let pos = Pos::at(rel, sd.id.line, sd.id.column);
            if !valid_id(&sd.id.value) {
                self.diags.error(
                    "invalid-id",
                    &pos,
                    format!("service id `{}` is not a valid id", sd.id.value),
                    None,
                );
            }
            if ids.contains(&sd.id.value.as_str()) {
                self.diags.error(
                    "duplicate-id",
                    &pos,
                    format!("service `{}` is defined twice", sd.id.value),
                    None,
                );
                continue;
            }
            ids.push(&sd.id.value);
            let fuel = match &sd.fuel {
                Some(f) => self.fuel(f, rel, &mut |l, z| zone_ref(l, z)),
                None => carrier_fuel.clone(),
            };
            if let Some(s) = self.service(sd, rel, ci, &zones, fuel) {
                services.push(s);
            }
        }
        if cf.services.is_empty() {
            self.diags.error(
                "no-services",
                &Pos::file(rel),
                format!("carrier `{}` has no services", cf.carrier.value),
                None,
            );
        }

        // Surcharges.
        for sc in &cf.surcharges {
            let pos = Pos::at(rel, sc.id.line, sc.id.column);
            let targets: Vec<usize> = match &sc.services {
                None => (first..services.len()).collect(),
                Some(list) => list
                    .iter()
                    .filter_map(|s| {
                        let found = services
                            .get(first..)
                            .and_then(|v| v.iter().position(|x| x.id == s.value));
                        if found.is_none() {
                            self.diags.error(
                                "unknown-service",
                                &Pos::at(rel, s.line, s.column),
                                format!(
                                    "carrier `{}` has no service `{}`",
                                    cf.carrier.value, s.value
                                ),
                                did_you_mean(&s.value, ids.iter().copied()),
                            );
                        }
                        found.map(|i| i + first)
                    })
                    .collect(),
            };
            let Some(s) = self.surcharge(sc, rel, ci, &mut |l, z| zone_ref(l, z)) else {
                continue;
            };
            if s.per != Per::Consignment && matches!(s.amount, Amount::PctOfBase(_)) {
                self.diags.error(
                    "pct-needs-consignment",
                    &pos,
                    format!(
                        "surcharge `{}`: pct_of_base is a share of the whole base charge",
                        sc.id.value
                    ),
                    Some("use `per: consignment` with pct_of_base".into()),
                );
            }
            let si = surcharges.len() as u32;
            surcharges.push(s);
            for t in targets {
                if let Some(svc) = services.get_mut(t) {
                    svc.surcharges.push(si);
                }
            }
        }

        let origin_zone = warehouses
            .iter()
            .map(|w| zones.zone_of(w.postcode, None, Some((w.lat, w.lon))))
            .collect::<Vec<_>>();
        self.missing_lanes(
            cf,
            rel,
            &zones,
            warehouses,
            &origin_zone,
            services.get(first..).unwrap_or(&[]),
        );
        let _ = postcodes;
        Some(Carrier {
            id: cf.carrier.value.clone(),
            name: cf.name.clone(),
            enabled: cf.enabled,
            zones,
            origin_zone,
        })
    }

    /// Warns about destination zones (zoned by postcode or suburb) that a service has no rate to
    /// from a warehouse's zone: orders there will be `no_lane`. Distance-priced services serve
    /// only their own areas and are left out.
    fn missing_lanes(
        &mut self,
        cf: &CarrierFile,
        rel: &str,
        zones: &ZoneMap,
        warehouses: &[Warehouse],
        origin_zone: &[Option<u16>],
        services: &[Service],
    ) {
        let mut served: Vec<u16> = zones
            .by_postcode
            .iter()
            .copied()
            .filter(|&z| z != NONE_U16)
            .collect();
        served.extend(zones.by_suburb.values().flatten().map(|(_, z)| *z));
        served.sort_unstable();
        served.dedup();
        for svc in services
            .iter()
            .filter(|s| s.rate_kind != RateKind::DistanceBands)
        {
            let Some(table) = svc.tables.last() else {
                continue;
            };
            for (w, origin) in warehouses.iter().zip(origin_zone) {
                let Some(origin) = *origin else { continue };
                let missing: Vec<&str> = served
                    .iter()
                    .filter(|&&z| table.lane(origin, z).is_none())
                    .map(|&z| zones.name(z))
                    .collect();
                if missing.is_empty() {
                    continue;
                }
                let pos = cf
                    .services
                    .iter()
                    .find(|d| d.id.value == svc.id)
                    .map_or(Pos::file(rel), |d| Pos::at(rel, d.id.line, d.id.column));
                let shown: Vec<&str> = missing.iter().take(6).copied().collect();
                let more = if missing.len() > shown.len() {
                    format!(" and {} more", missing.len() - shown.len())
                } else {
                    String::new()
                };
                self.diags.warning(
                    "lane-missing",
                    &pos,
                    format!(
                        "{}/{} has no rate from zone {} (warehouse `{}`) to {}{more}",
                        cf.carrier.value,
                        svc.id,
                        zones.name(origin),
                        w.id,
                        shown.join(", ")
                    ),
                    Some("add lanes (or a `*` row) to the rate table, or accept that these orders get `no_lane`".into()),
                );
            }
        }
    }

    fn zones(&mut self, cf: &CarrierFile, rel: &str) -> Option<ZoneMap> {
        let mut names: Vec<String> = Vec::new();
        // `None` once a carrier has MAX_ZONES zones: zone indexes are u16, and rate tables hold
        // a zone-by-zone grid.
        let mut intern = |n: &str| -> Option<u16> {
            match names.iter().position(|x| x == n) {
                Some(i) => u16::try_from(i).ok(),
                None if names.len() >= MAX_ZONES => None,
                None => {
                    names.push(n.to_string());
                    u16::try_from(names.len() - 1).ok()
                }
            }
        };
        let too_many = |l: &mut Loader, pos: &Pos| {
            l.diags.error(
                "too-many-zones",
                pos,
                format!(
                    "carrier `{}` has more than {MAX_ZONES} zones",
                    cf.carrier.value
                ),
                Some("zones group postcodes; give a postcode range or suburb override per row, reusing zone names".into()),
            );
        };
        let mut by_postcode = vec![NONE_U16; POSTCODES];
        let mut by_suburb: FxHashMap<u16, Vec<(Box<str>, u16)>> = FxHashMap::default();
        if let Some(file) = &cf.zones.file {
            let path = self.resolve(rel, file)?;
            let text = self.read(&path, Syntax::Csv(b','))?;
            let zrel = self.rel(&path);
            let mut ranges: Vec<(u16, u16, u16, u64)> = Vec::new();
            let mut singles: BTreeMap<u16, (u16, u64)> = BTreeMap::new();
            let mut rdr = csv::ReaderBuilder::new()
                .trim(csv::Trim::All)
                .from_reader(text.as_bytes());
            let headers = rdr.headers().cloned().unwrap_or_default();
            let col = |n: &str| headers.iter().position(|h| h == n);
            let (Some(zc), Some(pc)) = (col("zone"), col("postcodes")) else {
                self.diags.error(
                    "csv-missing-column",
                    &Pos::at(&zrel, 1, 0),
                    "a zone table needs columns zone, postcodes (and optionally suburb)",
                    None,
                );
                return None;
            };
            let sc = col("suburb");
            for (i, h) in headers.iter().enumerate() {
                if ![Some(i)].contains(&Some(zc)) && i != pc && Some(i) != sc {
                    self.diags.error(
                        "csv-unknown-column",
                        &Pos::at(&zrel, 1, i as u64 + 1),
                        format!("unknown column `{h}`"),
                        did_you_mean(h, ["zone", "postcodes", "suburb"]),
                    );
                }
            }
            for rec in rdr.records() {
                let rec = match rec {
                    Ok(r) => r,
                    Err(e) => {
                        let line = e.position().map_or(0, |p| p.line());
                        self.diags.error(
                            "csv-syntax",
                            &Pos::at(&zrel, line, 0),
                            e.to_string(),
                            None,
                        );
                        continue;
                    }
                };
                let line = rec
                    .position()
                    .map_or(0, |p| record_line(text.as_bytes(), p));
                let zone = rec.get(zc).unwrap_or("");
                let spec = rec.get(pc).unwrap_or("");
                let suburb = sc.and_then(|c| rec.get(c)).unwrap_or("");
                if zone.is_empty() {
                    self.diags.error(
                        "csv-invalid-cell",
                        &Pos::at(&zrel, line, zc as u64 + 1),
                        "empty zone",
                        None,
                    );
                    continue;
                }
                let Some((lo, hi)) = parse_postcode_range(spec) else {
                    self.diags.error(
                        "invalid-postcode",
                        &Pos::at(&zrel, line, pc as u64 + 1),
                        format!("`{spec}` is not a postcode or a range of postcodes"),
                        Some("write `0800` or `2000-2234` (4 digits, low-high)".into()),
                    );
                    continue;
                };
                let Some(z) = intern(zone) else {
                    too_many(self, &Pos::at(&zrel, line, 1));
                    return None;
                };
                if !suburb.is_empty() {
                    if lo != hi {
                        self.diags.error(
                            "invalid-postcode",
                            &Pos::at(&zrel, line, pc as u64 + 1),
                            "a suburb override takes a single postcode, not a range",
                            None,
                        );
                        continue;
                    }
                    let list = by_suburb.entry(lo).or_default();
                    let name = suburb.to_uppercase();
                    if list.iter().any(|(n, _)| **n == *name) {
                        self.diags.error(
                            "zone-overlap",
                            &Pos::at(&zrel, line, 0),
                            format!("{suburb} {lo:04} is listed twice"),
                            None,
                        );
                    }
                    list.push((name.into_boxed_str(), z));
                } else if lo == hi {
                    if let Some((_, first)) = singles.insert(lo, (z, line)) {
                        self.diags.error(
                            "zone-overlap",
                            &Pos::at(&zrel, line, pc as u64 + 1),
                            format!("postcode {lo:04} is already zoned at line {first}"),
                            None,
                        );
                    }
                } else {
                    ranges.push((lo, hi, z, line));
                }
            }
            ranges.sort_unstable();
            for w in ranges.windows(2) {
                if let [a, b] = w
                    && b.0 <= a.1
                {
                    self.diags.error(
                        "zone-overlap",
                        &Pos::at(&zrel, b.3, pc as u64 + 1),
                        format!("range {:04}-{:04} overlaps {:04}-{:04} at line {}", b.0, b.1, a.0, a.1, a.3),
                        Some("ranges of one carrier may not overlap; a single postcode row may override a range".into()),
                    );
                }
            }
            for &(lo, hi, z, _) in &ranges {
                for p in lo..=hi {
                    if let Some(slot) = by_postcode.get_mut(usize::from(p)) {
                        *slot = z;
                    }
                }
            }
            for (&p, &(z, _)) in &singles {
                if let Some(slot) = by_postcode.get_mut(usize::from(p)) {
                    *slot = z;
                }
            }
        }
        let mut polys = Vec::new();
        for pd in &cf.zones.polygons {
            let Some(path) = self.resolve(rel, &pd.file) else {
                continue;
            };
            let Some(mp) = self.geojson(&path) else {
                continue;
            };
            let Some(z) = intern(&pd.zone.value) else {
                too_many(self, &Pos::at(rel, pd.zone.line, pd.zone.column));
                return None;
            };
            polys.push((mp, z));
        }
        if cf.zones.file.is_none() && cf.zones.polygons.is_empty() {
            self.diags.error(
                "no-zones",
                &Pos::file(rel),
                format!("carrier `{}` defines no zones", cf.carrier.value),
                Some("give `zones.file` (a postcode table) or `zones.polygons`".into()),
            );
        }
        Some(ZoneMap {
            names,
            by_postcode,
            by_suburb,
            polygons: PolygonIndex::new(polys),
        })
    }

    pub(crate) fn geojson(&mut self, path: &Path) -> Option<MultiPolygon<f64>> {
        let text = self.read(path, Syntax::Text)?;
        let rel = self.rel(path);
        let bad = |l: &mut Loader, msg: String| {
            l.diags.error(
                "invalid-geojson",
                &Pos::file(&rel),
                msg,
                Some("give a GeoJSON Polygon or MultiPolygon (or a Feature/FeatureCollection of them), lon/lat order, closed rings".into()),
            );
        };
        let gj: geojson::GeoJson = match text.parse() {
            Ok(g) => g,
            Err(e) => {
                bad(self, format!("not valid GeoJSON: {e}"));
                return None;
            }
        };
        let geoms: Vec<geojson::Geometry> = match gj {
            geojson::GeoJson::Geometry(g) => vec![g],
            geojson::GeoJson::Feature(f) => f.geometry.into_iter().collect(),
            geojson::GeoJson::FeatureCollection(fc) => {
                fc.features.into_iter().filter_map(|f| f.geometry).collect()
            }
        };
        let mut polygons = Vec::new();
        for g in geoms {
            let rings_list = match g.value {
                geojson::GeometryValue::Polygon { coordinates } => vec![coordinates],
                geojson::GeometryValue::MultiPolygon { coordinates } => coordinates,
                other => {
                    bad(self, format!("{} is not an area", other.type_name()));
                    return None;
                }
            };
            for rings in rings_list {
                let mut ls = Vec::new();
                for ring in rings {
                    let pts: Vec<(f64, f64)> = ring
                        .iter()
                        .map(|p| {
                            (
                                p.as_slice().first().copied().unwrap_or(f64::NAN),
                                p.as_slice().get(1).copied().unwrap_or(f64::NAN),
                            )
                        })
                        .collect();
                    if pts.len() < 4 || pts.first() != pts.last() {
                        bad(self, "a polygon ring needs at least 4 positions and must end where it starts".into());
                        return None;
                    }
                    if pts.iter().any(|&(x, y)| {
                        !(-180.0..=180.0).contains(&x) || !(-90.0..=90.0).contains(&y)
                    }) {
                        bad(self, "a position is not a valid longitude/latitude".into());
                        return None;
                    }
                    ls.push(LineString::from(pts));
                }
                let mut it = ls.into_iter();
                let Some(exterior) = it.next() else {
                    bad(self, "a polygon has no rings".into());
                    return None;
                };
                polygons.push(Polygon::new(exterior, it.collect()));
            }
        }
        if polygons.is_empty() {
            bad(self, "no polygon found".into());
            return None;
        }
        let mp = MultiPolygon::new(polygons);
        if let Err(e) = mp.check_validation() {
            bad(self, format!("invalid polygon: {e}"));
            return None;
        }
        Some(mp)
    }

    fn series(&mut self, points: &[Sp<FuelPoint>], rel: &str) -> Series {
        let mut out: Vec<(Date, Bp)> = Vec::new();
        for p in points {
            if out.last().is_some_and(|(d, _)| *d >= p.value.from.0) {
                self.diags.error(
                    "fuel-order",
                    &Pos::at(rel, p.line, p.column),
                    format!(
                        "fuel series entry {} is not after the one before it",
                        p.value.from.0
                    ),
                    Some("list fuel entries oldest first, one per date".into()),
                );
            }
            if p.value.pct.0 < 0 {
                self.diags.error(
                    "invalid-value",
                    &Pos::at(rel, p.line, p.column),
                    "negative fuel percentage",
                    None,
                );
            }
            out.push((p.value.from.0, Bp(p.value.pct.0)));
        }
        out.sort_by_key(|e| e.0);
        Series(out)
    }

    fn fuel(
        &mut self,
        f: &FuelDef,
        rel: &str,
        zone_ref: &mut dyn FnMut(&mut Loader, &Sp<String>) -> Option<u16>,
    ) -> Fuel {
        let series = self.series(&f.series, rel);
        let mut by_zone = Vec::new();
        for bz in &f.by_zone {
            let zones = bz.zones.iter().filter_map(|z| zone_ref(self, z)).collect();
            by_zone.push((zones, self.series(&bz.series, rel)));
        }
        Fuel { series, by_zone }
    }

    fn service(
        &mut self,
        sd: &ServiceDef,
        rel: &str,
        ci: u16,
        zones: &ZoneMap,
        fuel: Fuel,
    ) -> Option<Service> {
        let pos = Pos::at(rel, sd.id.line, sd.id.column);
        let l = &sd.limits;
        let pos_u32 = |v: Option<i64>| v.and_then(|v| u32::try_from(v).ok());
        let limits = Limits {
            max_item_g: pos_u32(to_i64(l.max_item_kg)),
            max_length_mm: pos_u32(to_i64(l.max_length_cm)),
            max_volume_mm3: to_i64(l.max_volume_m3).and_then(|v| u64::try_from(v).ok()),
            max_consignment_g: to_i64(l.max_consignment_kg).and_then(|v| u64::try_from(v).ok()),
            max_items: l.max_items,
            address_types: l.address_types.as_ref().map_or_else(
                || vec![AddressType::Street],
                |v| v.iter().map(|&a| a.into()).collect(),
            ),
            dangerous_goods: l.dangerous_goods,
        };
        let rate_kind = match sd.rates.kind {
            RateKindDef::WeightBands => RateKind::WeightBands,
            RateKindDef::SizeTiers => RateKind::SizeTiers,
            RateKindDef::DistanceBands => RateKind::DistanceBands,
        };
        let pricing = match sd.pricing {
            PricingDef::Consignment => PricingUnit::Consignment,
            PricingDef::Item => PricingUnit::Item,
        };
        if rate_kind == RateKind::SizeTiers && pricing != PricingUnit::Item {
            self.diags.error(
                "size-tiers-need-item-pricing",
                &pos,
                format!("service `{}`: size tiers price each item", sd.id.value),
                Some("set `pricing: item`".into()),
            );
        }
        if let (Some(f), Some(t)) = (sd.effective_from, sd.effective_to)
            && f.0 > t.0
        {
            self.diags.error(
                "invalid-value",
                &pos,
                "effective_from is after effective_to",
                None,
            );
        }
        let cubic = sd.cubic.as_ref().map(|c| {
            if !(1..=10_000).contains(&c.factor.value) {
                self.diags.error(
                    "invalid-value",
                    &Pos::at(rel, c.factor.line, c.factor.column),
                    format!("cubic factor {} kg/m³ is outside 1–10000", c.factor.value),
                    Some("road services use 250, Hunter 333, air 200".into()),
                );
            }
            Cubic {
                factor: c.factor.value,
                above_g: c.above_kg.and_then(|k| u32::try_from(k.0).ok()),
            }
        });
        let round_up_g = match &sd.round_up_kg {
            Some(r) if r.value.0 <= 0 => {
                self.diags.error(
                    "invalid-value",
                    &Pos::at(rel, r.line, r.column),
                    "round_up_kg must be positive",
                    None,
                );
                0
            }
            Some(r) => u32::try_from(r.value.0).unwrap_or(0),
            None => 0,
        };
        let mut tables = Vec::new();
        for t in &sd.rates.tables {
            if let Some(table) = self.rate_table(t, rel, rate_kind, zones) {
                tables.push(table);
            }
        }
        if sd.rates.tables.is_empty() {
            self.diags.error(
                "no-rates",
                &pos,
                format!("service `{}` has no rate table", sd.id.value),
                None,
            );
        }
        tables.sort_by_key(|t| t.from);
        for w in tables.windows(2) {
            if let [a, b] = w
                && a.to.is_none_or(|t| b.from.is_none_or(|f| f <= t))
            {
                self.diags.error(
                    "table-overlap",
                    &pos,
                    format!("service `{}`: two rate tables cover the same dates", sd.id.value),
                    Some("give each table a `from`, and the older one a `to` before the newer one's `from`".into()),
                );
            }
        }
        Some(Service {
            id: sd.id.value.clone(),
            name: sd.name.clone(),
            carrier: ci,
            enabled: sd.enabled,
            level: sd.level.into(),
            effective_from: sd.effective_from.map(|d| d.0),
            effective_to: sd.effective_to.map(|d| d.0),
            cubic,
            round_up_g,
            pricing,
            limits,
            rate_kind,
            tables,
            surcharges: Vec::new(),
            fuel,
            disabled_by_rule: None,
        })
    }

    fn rate_table(
        &mut self,
        t: &TableDef,
        rel: &str,
        kind: RateKind,
        zones: &ZoneMap,
    ) -> Option<RateTable> {
        let path = self.resolve(rel, &t.file)?;
        let text = self.read(&path, Syntax::Csv(b','))?;
        let trel = self.rel(&path);
        let mut rdr = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = rdr.headers().cloned().unwrap_or_default();
        let col = |n: &str| headers.iter().position(|h| h == n);
        let mut required = vec!["from", "to", "eta_days", "min_kg", "max_kg", "basic"];
        let mut allowed = vec![
            "from",
            "to",
            "eta_days",
            "min_kg",
            "max_kg",
            "basic",
            "per_kg",
            "min_charge",
        ];
        match kind {
            RateKind::SizeTiers => {
                required.push("max_litres");
                allowed.push("max_litres");
            }
            RateKind::DistanceBands => {
                required.extend(["min_km", "max_km"]);
                allowed.extend(["min_km", "max_km"]);
            }
            RateKind::WeightBands => {}
        }
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|c| col(c).is_none())
            .collect();
        if !missing.is_empty() {
            self.diags.error(
                "csv-missing-column",
                &Pos::at(&trel, 1, 0),
                format!("rate table lacks column(s) {}", missing.join(", ")),
                Some(format!(
                    "a {kind:?} table has columns {}",
                    allowed.join(", ")
                )),
            );
            return None;
        }
        for (i, h) in headers.iter().enumerate() {
            if !allowed.contains(&h) {
                self.diags.error(
                    "csv-unknown-column",
                    &Pos::at(&trel, 1, i as u64 + 1),
                    format!("unknown column `{h}`"),
                    did_you_mean(h, allowed.iter().copied()),
                );
            }
        }
        // (from, to) → (eta, line, rows)
        let mut lanes: BTreeMap<(u16, u16), LaneRows> = BTreeMap::new();
        let wildcard = NONE_U16;
        let mut ok = true;
        for rec in rdr.records() {
            let rec = match rec {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    self.diags
                        .error("csv-syntax", &Pos::at(&trel, line, 0), e.to_string(), None);
                    ok = false;
                    continue;
                }
            };
            let line = rec
                .position()
                .map_or(0, |p| record_line(text.as_bytes(), p));
            let mut cell_err = false;
            let zone = |l: &mut Loader, name: &str| -> Option<u16> {
                let i = col(name)?;
                let v = rec.get(i).unwrap_or("");
                if v == "*" {
                    return Some(wildcard);
                }
                match zones.names.iter().position(|n| n == v) {
                    Some(z) => Some(z as u16),
                    None => {
                        l.diags.error(
                            "unknown-zone",
                            &Pos::at(&trel, line, i as u64 + 1),
                            format!("unknown zone `{v}`"),
                            did_you_mean(v, zones.names.iter().map(String::as_str)).or_else(|| {
                                Some(
                                    "zones come from the carrier's zone table and polygons, or `*`"
                                        .into(),
                                )
                            }),
                        );
                        None
                    }
                }
            };
            let (from, to) = (zone(self, "from"), zone(self, "to"));
            let mut num = |l: &mut Loader, name: &str, scale: u32, required: bool| -> Option<i64> {
                let i = col(name)?;
                let v = rec.get(i).unwrap_or("");
                if v.is_empty() && !required {
                    return Some(0);
                }
                match parse_decimal(v, scale, false) {
                    Ok(n) if n >= 0 => Some(n),
                    Ok(_) => {
                        l.diags.error(
                            "csv-invalid-cell",
                            &Pos::at(&trel, line, i as u64 + 1),
                            format!("{name}: `{v}` is negative"),
                            None,
                        );
                        cell_err = true;
                        None
                    }
                    Err(e) => {
                        l.diags.error(
                            "csv-invalid-cell",
                            &Pos::at(&trel, line, i as u64 + 1),
                            format!("{name}: `{v}` {e}"),
                            None,
                        );
                        cell_err = true;
                        None
                    }
                }
            };
            let eta = num(self, "eta_days", 0, true);
            let min_g = num(self, "min_kg", 3, true);
            let max_g = num(self, "max_kg", 3, true);
            let basic = num(self, "basic", 2, true);
            let per_kg = num(self, "per_kg", 2, false).unwrap_or(0);
            let min_charge = num(self, "min_charge", 2, false).unwrap_or(0);
            let max_mm3 = if kind == RateKind::SizeTiers {
                num(self, "max_litres", 6, true)
            } else {
                Some(i64::MAX)
            };
            let (min_m, max_m) = if kind == RateKind::DistanceBands {
                (num(self, "min_km", 3, true), num(self, "max_km", 3, true))
            } else {
                (Some(0), Some(i64::MAX))
            };
            let (
                Some(from),
                Some(to),
                Some(eta),
                Some(min_g),
                Some(max_g),
                Some(basic),
                Some(max_mm3),
                Some(min_m),
                Some(max_m),
            ) = (from, to, eta, min_g, max_g, basic, max_mm3, min_m, max_m)
            else {
                ok = false;
                continue;
            };
            if cell_err {
                ok = false;
                continue;
            }
            if basic == 0 && per_kg == 0 && min_charge == 0 {
                self.diags.error(
                    "lane-no-price",
                    &Pos::at(&trel, line, 0),
                    "this band has no price (basic, per_kg and min_charge are all zero)",
                    Some("give the band a basic price or a per-kg rate".into()),
                );
            }
            if max_g <= min_g || max_m <= min_m {
                self.diags.error(
                    "band-empty",
                    &Pos::at(&trel, line, 0),
                    "the band's upper bound is not above its lower bound",
                    None,
                );
                ok = false;
                continue;
            }
            let Ok(eta) = u8::try_from(eta) else {
                self.diags.error(
                    "csv-invalid-cell",
                    &Pos::at(&trel, line, 0),
                    "eta_days is too large",
                    None,
                );
                ok = false;
                continue;
            };
            let band = Band {
                min_g: min_g as u64,
                max_g: max_g as u64,
                max_mm3: max_mm3 as u64,
                min_m: min_m as u64,
                max_m: max_m as u64,
                basic: Cents(basic),
                per_kg: Cents(per_kg),
                min_charge: Cents(min_charge),
            };
            let entry = lanes.entry((from, to)).or_insert((eta, line, Vec::new()));
            if entry.0 != eta {
                self.diags.error(
                    "lane-eta-mismatch",
                    &Pos::at(&trel, line, 0),
                    format!(
                        "eta_days {eta} differs from {} given for this lane at line {}",
                        entry.0, entry.1
                    ),
                    Some("every row of a lane has the same eta_days".into()),
                );
            }
            entry.2.push((band, line));
        }
        if !ok {
            return None;
        }
        // Check band continuity per lane (and per distance band).
        for rows in lanes.values() {
            match kind {
                RateKind::SizeTiers => {}
                RateKind::WeightBands => self.check_bands(
                    &trel,
                    rows.2.iter().collect(),
                    |b| (b.min_g, b.max_g),
                    "kg",
                    1000.0,
                ),
                RateKind::DistanceBands => {
                    let mut by_dist: BTreeMap<(u64, u64), Vec<&(Band, u64)>> = BTreeMap::new();
                    for r in &rows.2 {
                        by_dist.entry((r.0.min_m, r.0.max_m)).or_default().push(r);
                    }
                    let firsts: Vec<&(Band, u64)> = by_dist
                        .values()
                        .filter_map(|v| v.first().copied())
                        .collect();
                    self.check_bands(&trel, firsts, |b| (b.min_m, b.max_m), "km", 1000.0);
                    for v in by_dist.into_values() {
                        self.check_bands(&trel, v, |b| (b.min_g, b.max_g), "kg", 1000.0);
                    }
                }
            }
        }
        // Dense lane matrix with wildcard precedence: exact, (from,*), (*,to), (*,*).
        let nz = zones.names.len();
        let mut lane_vec = Vec::new();
        let mut index: HashMap<(u16, u16), u32> = HashMap::new();
        for (key, (eta, _, rows)) in lanes {
            index.insert(key, lane_vec.len() as u32);
            lane_vec.push(Lane {
                eta_days: eta,
                bands: rows.into_iter().map(|r| r.0).collect(),
            });
        }
        let mut matrix = vec![NONE_U32; nz * nz];
        for o in 0..nz as u16 {
            for d in 0..nz as u16 {
                let hit = [(o, d), (o, wildcard), (wildcard, d), (wildcard, wildcard)]
                    .iter()
                    .find_map(|k| index.get(k).copied());
                if let (Some(h), Some(slot)) =
                    (hit, matrix.get_mut(usize::from(o) * nz + usize::from(d)))
                {
                    *slot = h;
                }
            }
        }
        Some(RateTable {
            from: t.from.map(|d| d.0),
            to: t.to.map(|d| d.0),
            zones: nz,
            matrix,
            lanes: lane_vec,
        })
    }

    /// Bands sorted by lower bound must start at 0 and touch.
    fn check_bands(
        &mut self,
        file: &str,
        mut rows: Vec<&(Band, u64)>,
        key: impl Fn(&Band) -> (u64, u64),
        unit: &str,
        div: f64,
    ) {
        rows.sort_by_key(|r| key(&r.0));
        let fmt = |v: u64| format!("{} {unit}", v as f64 / div);
        let mut prev: Option<(u64, u64)> = None;
        for r in rows {
            let (lo, hi) = key(&r.0);
            let pos = Pos::at(file, r.1, 0);
            match prev {
                None if lo != 0 => self.diags.error(
                    "band-start",
                    &pos,
                    format!("the first band starts at {}, not 0", fmt(lo)),
                    Some(format!("start the lowest band at 0 {unit}")),
                ),
                Some((_, phi)) if lo > phi => self.diags.error(
                    "band-gap",
                    &pos,
                    format!(
                        "gap between {} and {}: no price for weights or distances in between",
                        fmt(phi),
                        fmt(lo)
                    ),
                    Some("each band's lower bound is the previous band's upper bound".into()),
                ),
                Some((_, phi)) if lo < phi => self.diags.error(
                    "band-overlap",
                    &pos,
                    format!(
                        "band {}–{} overlaps the band ending at {}",
                        fmt(lo),
                        fmt(hi),
                        fmt(phi)
                    ),
                    Some("each band's lower bound is the previous band's upper bound".into()),
                ),
                _ => {}
            }
            prev = Some((lo, hi));
        }
    }

    fn surcharge(
        &mut self,
        sc: &SurchargeDef,
        rel: &str,
        ci: u16,
        zone_ref: &mut dyn FnMut(&mut Loader, &Sp<String>) -> Option<u16>,
    ) -> Option<Surcharge> {
        let pos = Pos::at(rel, sc.id.line, sc.id.column);
        if !valid_id(&sc.id.value) {
            self.diags.error(
                "invalid-id",
                &pos,
                format!("surcharge id `{}` is not a valid id", sc.id.value),
                None,
            );
        }
        let a = &sc.amount;
        let amounts: Vec<Amount> = [
            a.fixed.map(|d| Amount::Fixed(Cents(d.0))),
            a.pct_of_base.map(|d| Amount::PctOfBase(Bp(d.0))),
            a.per_kg.map(|d| Amount::PerKg(Cents(d.0))),
            a.per_value.as_ref().map(|p| Amount::PerValue {
                free: Cents(p.free.0),
                step: Cents(p.step.0),
                amount: Cents(p.amount.0),
            }),
        ]
        .into_iter()
        .flatten()
        .collect();
        let amount = match amounts.as_slice() {
            [one] => *one,
            _ => {
                self.diags.error(
                    "amount-count",
                    &pos,
                    format!(
                        "surcharge `{}` needs exactly one amount, found {}",
                        sc.id.value,
                        amounts.len()
                    ),
                    Some("give one of fixed, pct_of_base, per_kg, per_value".into()),
                );
                return None;
            }
        };
        if let Amount::PerValue { step, .. } = amount
            && step.0 <= 0
        {
            self.diags.error(
                "invalid-value",
                &pos,
                "per_value.step must be positive",
                None,
            );
        }
        let per = match sc.per {
            PerDef::Item => Per::Item,
            PerDef::Consignment => Per::Consignment,
            PerDef::LargestItem => Per::LargestItem,
        };
        let all = match &sc.when {
            Some(c) => self.conds(c, rel, &sc.id.value, zone_ref)?,
            None => Vec::new(),
        };
        let mut any = Vec::new();
        for c in &sc.when_any {
            let set = self.conds(c, rel, &sc.id.value, zone_ref)?;
            if set.is_empty() {
                self.diags.error(
                    "empty-condition",
                    &pos,
                    format!(
                        "surcharge `{}`: a when_any entry has no condition (it would always match)",
                        sc.id.value
                    ),
                    None,
                );
            }
            any.push(set);
        }
        Some(Surcharge {
            id: sc.id.value.clone(),
            carrier: ci,
            per,
            amount,
            fuel_bearing: sc.fuel,
            all,
            any,
        })
    }

    fn conds(
        &mut self,
        c: &CondDef,
        rel: &str,
        id: &str,
        zone_ref: &mut dyn FnMut(&mut Loader, &Sp<String>) -> Option<u16>,
    ) -> Option<Vec<Cond>> {
        let mut out = Vec::new();
        let subject = format!("surcharge `{id}`");
        let items: [(&str, &Option<SpRange<3>>, ItemMeasure); 2] = [
            ("weight_kg", &c.weight_kg, ItemMeasure::WeightG),
            ("cubic_kg", &c.cubic_kg, ItemMeasure::CubicG),
        ];
        for (name, r, m) in items {
            if let Some(r) = r {
                let rg = range_of(r);
                out.push(Cond::Item(
                    m,
                    self.check_range(&subject, name, rg, Pos::at(rel, r.line, r.column)),
                ));
            }
        }
        let lens: [(&str, &Option<SpRange<1>>, ItemMeasure); 4] = [
            ("longest_cm", &c.longest_cm, ItemMeasure::LongestMm),
            ("middle_cm", &c.middle_cm, ItemMeasure::MiddleMm),
            ("shortest_cm", &c.shortest_cm, ItemMeasure::ShortestMm),
            ("girth_cm", &c.girth_cm, ItemMeasure::GirthMm),
        ];
        for (name, r, m) in lens {
            if let Some(r) = r {
                let rg = range_of(r);
                out.push(Cond::Item(
                    m,
                    self.check_range(&subject, name, rg, Pos::at(rel, r.line, r.column)),
                ));
            }
        }
        if let Some(r) = &c.volume_m3 {
            let rg = range_of(r);
            out.push(Cond::Item(
                ItemMeasure::VolumeMm3,
                self.check_range(&subject, "volume_m3", rg, Pos::at(rel, r.line, r.column)),
            ));
        }
        if let Some(b) = &c.exceeds_cm {
            let mut sides = [b[0].0, b[1].0, b[2].0].map(|v| u32::try_from(v).unwrap_or(u32::MAX));
            sides.sort_unstable_by(|a, b| b.cmp(a));
            out.push(Cond::ExceedsBox(sides));
        }
        if let Some(r) = &c.consignment_kg {
            let rg = range_of(r);
            out.push(Cond::ConsignmentG(self.check_range(
                &subject,
                "consignment_kg",
                rg,
                Pos::at(rel, r.line, r.column),
            )));
        }
        if let Some(r) = &c.items {
            let rg = range_of(r);
            out.push(Cond::Items(self.check_range(
                &subject,
                "items",
                rg,
                Pos::at(rel, r.line, r.column),
            )));
        }
        if let Some(r) = &c.declared_value {
            let rg = range_of(r);
            out.push(Cond::DeclaredCents(self.check_range(
                &subject,
                "declared_value",
                rg,
                Pos::at(rel, r.line, r.column),
            )));
        }
        if let Some(v) = &c.address_types {
            out.push(Cond::AddressTypes(v.iter().map(|&a| a.into()).collect()));
        }
        if let Some(b) = c.residential {
            out.push(Cond::Residential(b));
        }
        if let Some(b) = c.signature {
            out.push(Cond::Signature(b));
        }
        if let Some(b) = c.dangerous_goods {
            out.push(Cond::DangerousGoods(b));
        }
        if let Some(l) = c.service_level {
            out.push(Cond::ServiceLevel(l.into()));
        }
        if let Some(zs) = &c.zones {
            let v: Vec<u16> = zs.iter().filter_map(|z| zone_ref(self, z)).collect();
            out.push(Cond::Zones(v));
        }
        if let Some(ps) = &c.postcodes {
            out.push(Cond::Postcodes(self.postcode_ranges(rel, ps)));
        }
        if let Some(f) = &c.destinations {
            let path = self.resolve(rel, f)?;
            let text = self.read(&path, Syntax::Csv(b','))?;
            let drel = self.rel(&path);
            let mut map: FxHashMap<u16, Vec<Box<str>>> = FxHashMap::default();
            let mut rdr = csv::ReaderBuilder::new()
                .trim(csv::Trim::All)
                .from_reader(text.as_bytes());
            let headers = rdr.headers().cloned().unwrap_or_default();
            let (Some(pc), sc) = (
                headers.iter().position(|h| h == "postcode"),
                headers.iter().position(|h| h == "suburb"),
            ) else {
                self.diags.error(
                    "csv-missing-column",
                    &Pos::at(&drel, 1, 0),
                    "a destinations list needs a postcode column (and optionally suburb)",
                    None,
                );
                return None;
            };
            for rec in rdr.records() {
                let rec = match rec {
                    Ok(r) => r,
                    Err(e) => {
                        let line = e.position().map_or(0, |p| p.line());
                        self.diags.error(
                            "csv-syntax",
                            &Pos::at(&drel, line, 0),
                            e.to_string(),
                            None,
                        );
                        continue;
                    }
                };
                let line = rec
                    .position()
                    .map_or(0, |p| record_line(text.as_bytes(), p));
                let Some(p) = rec.get(pc).and_then(parse_postcode) else {
                    self.diags.error(
                        "invalid-postcode",
                        &Pos::at(&drel, line, pc as u64 + 1),
                        format!("`{}` is not a 4-digit postcode", rec.get(pc).unwrap_or("")),
                        None,
                    );
                    continue;
                };
                let suburb = sc.and_then(|i| rec.get(i)).unwrap_or("").to_uppercase();
                let list = map.entry(p).or_default();
                if suburb.is_empty() {
                    list.clear();
                    list.push("".into());
                } else if !list.iter().any(|s| s.is_empty()) {
                    list.push(suburb.into_boxed_str());
                }
            }
            // An empty name stands for the whole postcode.
            for v in map.values_mut() {
                if v.iter().any(|s| s.is_empty()) {
                    v.clear();
                }
            }
            out.push(Cond::Destinations(map));
        }
        Some(out)
    }
}

/// Strips the parser's own " at line N, column M" suffix: the diagnostic carries the position.
fn strip_location(msg: &str) -> &str {
    match msg.rfind(" at line ") {
        Some(i) if msg[i..].contains("column") => &msg[..i],
        _ => msg,
    }
}

/// The field names a serde "unknown field `x`, expected one of a, b" message offers.
fn expected_names(msg: &str) -> Vec<String> {
    let Some((_, rest)) = msg.split_once("expected one of ") else {
        return Vec::new();
    };
    rest.split(", ")
        .map(|s| s.trim_matches(|c| c == '`' || c == ' ').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn classify_yaml_error(msg: &str) -> (&'static str, Option<String>) {
    let lower = msg.to_lowercase();
    let first_tick = || msg.split('`').nth(1).unwrap_or("").to_string();
    if lower.contains("unknown field") || lower.contains("unknown variant") {
        let names = expected_names(msg);
        let hint = did_you_mean(&first_tick(), names.iter().map(String::as_str)).or_else(|| {
            (!names.is_empty()).then(|| format!("expected one of {}", names.join(", ")))
        });
        (
            if lower.contains("unknown field") {
                "unknown-field"
            } else {
                "invalid-value"
            },
            hint,
        )
    } else if lower.contains("missing field") {
        ("missing-field", None)
    } else if lower.contains("duplicate") {
        (
            "duplicate-key",
            Some("each key may appear once in a mapping".into()),
        )
    } else if lower.contains("budget")
        || lower.contains("alias")
        || lower.contains("recursion")
        || lower.contains("depth")
        || lower.contains("nesting")
    {
        (
            "yaml-too-complex",
            Some("the file nests too deeply or expands too many aliases".into()),
        )
    } else if lower.contains("invalid type")
        || lower.contains("invalid value")
        || lower.contains("decimal")
        || lower.contains("date")
        || lower.contains("not a number")
        || lower.contains("too large")
        || lower.contains("finite")
    {
        ("invalid-value", None)
    } else {
        ("yaml-syntax", None)
    }
}
