//! A carrier's zones: its zone table (CSV: postcodes, postcode ranges and suburb overrides) and
//! its zones drawn as GeoJSON polygons.

use std::collections::BTreeMap;

use lpo_engine::{NONE_U16, POSTCODES, PolygonIndex, ZoneMap};
use lpo_format::line_ends::{Syntax, record_line};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::diag::{Pos, did_you_mean};
use crate::files::CarrierFile;
use crate::loader::Loader;
use crate::loader::repeats::Repeats;
use crate::loader::values::parse_postcode_range;

/// Most zones one carrier may define.
pub const MAX_ZONES: usize = 2000;

impl Loader {
    /// The zones of a carrier file: its zone table (postcodes, ranges and suburb overrides) and
    /// its polygons.
    pub(super) fn zones(&mut self, cf: &CarrierFile, rel: &str) -> Option<ZoneMap> {
        let mut names: Vec<String> = Vec::new();
        let mut index: FxHashMap<String, u16> = FxHashMap::default();
        // `None` once a carrier has MAX_ZONES zones: zone indexes are u16, and rate tables hold
        // a zone-by-zone grid.
        let mut intern = |n: &str| -> Option<u16> {
            if let Some(&i) = index.get(n) {
                return Some(i);
            }
            if names.len() >= MAX_ZONES {
                return None;
            }
            let i = u16::try_from(names.len()).ok()?;
            names.push(n.to_string());
            index.insert(n.to_string(), i);
            Some(i)
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
            // Suburb overrides (postcode, name) seen, for the same suburb given twice.
            let mut overridden: FxHashSet<(u16, Box<str>)> = FxHashSet::default();
            // Rows by (zone, low, high, suburb): the same row again is only a warning.
            let mut repeats = Repeats::new(&zrel);
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
                if !suburb.is_empty() && lo != hi {
                    self.diags.error(
                        "invalid-postcode",
                        &Pos::at(&zrel, line, pc as u64 + 1),
                        "a suburb override takes a single postcode, not a range",
                        None,
                    );
                    continue;
                }
                let name: Box<str> = suburb.to_uppercase().into();
                if repeats.repeats(&mut self.diags, (z, lo, hi, name.clone()), line) {
                    continue;
                }
                if !suburb.is_empty() {
                    if !overridden.insert((lo, name.clone())) {
                        self.diags.error(
                            "zone-overlap",
                            &Pos::at(&zrel, line, 0),
                            format!("{suburb} {lo:04} is listed twice"),
                            None,
                        );
                    }
                    by_suburb.entry(lo).or_default().push((name, z));
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
            repeats.finish(&mut self.diags);
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
            // Each postcode is set once, by the first range (in order) that holds it: where
            // ranges overlap, which is an error above, the later ones are not gone through.
            let mut next = 0usize;
            for &(lo, hi, z, _) in &ranges {
                let from = next.max(usize::from(lo));
                for slot in by_postcode.iter_mut().take(usize::from(hi) + 1).skip(from) {
                    *slot = z;
                }
                next = next.max(usize::from(hi) + 1);
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
}
