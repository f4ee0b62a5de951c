//! Rate tables: the CSV files of a service's prices, lane by lane (origin zone → destination
//! zone) and band by band. Reading one goes in steps: the columns the kind of table needs
//! ([`Loader::rate_columns`]), each row's cells ([`Loader::rate_cells`]) and band
//! ([`Loader::rate_band`]), each row added to its lane ([`Loader::rate_row`]), the bands of each
//! lane checked for gaps and overlaps ([`Loader::check_lanes`]), and the dense lane matrix
//! ([`lane_matrix`]).

use std::collections::{BTreeMap, HashMap};

use csv::StringRecord;
use lpo_engine::{Band, Lane, NONE_U16, NONE_U32, RateKind, RateTable, ZoneMap};
use lpo_format::line_ends::{Syntax, record_line};
use lpo_model::{Cents, parse_decimal};

use crate::diag::{Pos, did_you_mean};
use crate::files::TableDef;
use crate::loader::Loader;

/// A lane's rows while a rate table is read: eta, first line, (band, line) rows.
type LaneRows = (u8, u64, Vec<(Band, u64)>);

/// The zone written `*` in a rate table: every zone.
const WILDCARD: u16 = NONE_U16;

/// What every row of one rate table is read against.
struct Table<'a> {
    /// The table's path, relative to the root.
    file: &'a str,
    headers: &'a StringRecord,
    kind: RateKind,
    zones: &'a ZoneMap,
}

/// The cells of one rate table row, read and checked one by one; numbers are scaled integers
/// (grams, cents, mm³, metres).
struct RateCells {
    from: u16,
    to: u16,
    eta: i64,
    min_g: i64,
    max_g: i64,
    basic: i64,
    per_kg: i64,
    min_charge: i64,
    max_mm3: i64,
    min_m: i64,
    max_m: i64,
}

impl Loader {
    /// One rate table of a service: `None` when it cannot be read or a row is broken.
    pub(super) fn rate_table(
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
        if !self.rate_columns(&headers, &trel, kind) {
            return None;
        }
        let table = Table {
            file: &trel,
            headers: &headers,
            kind,
            zones,
        };
        // (from, to) → (eta, line, rows)
        let mut lanes: BTreeMap<(u16, u16), LaneRows> = BTreeMap::new();
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
            if !self.rate_row(&table, &mut lanes, &rec, line) {
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        self.check_lanes(&trel, kind, &lanes);
        let nz = zones.names.len();
        let (matrix, lanes) = lane_matrix(lanes, nz);
        Some(RateTable {
            from: t.from.map(|d| d.0),
            to: t.to.map(|d| d.0),
            zones: nz,
            matrix,
            lanes,
        })
    }

    /// Whether the header has every column a table of `kind` needs; reports missing and unknown
    /// columns.
    fn rate_columns(&mut self, headers: &StringRecord, trel: &str, kind: RateKind) -> bool {
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
                &Pos::at(trel, 1, 0),
                format!("rate table lacks column(s) {}", missing.join(", ")),
                Some(format!(
                    "a {kind:?} table has columns {}",
                    allowed.join(", ")
                )),
            );
            return false;
        }
        for (i, h) in headers.iter().enumerate() {
            if !allowed.contains(&h) {
                self.diags.error(
                    "csv-unknown-column",
                    &Pos::at(trel, 1, i as u64 + 1),
                    format!("unknown column `{h}`"),
                    did_you_mean(h, allowed.iter().copied()),
                );
            }
        }
        true
    }

    /// Adds one row to its lane; `false` when the row is broken (reported).
    fn rate_row(
        &mut self,
        table: &Table<'_>,
        lanes: &mut BTreeMap<(u16, u16), LaneRows>,
        rec: &StringRecord,
        line: u64,
    ) -> bool {
        let trel = table.file;
        let Some(cells) = self.rate_cells(table, rec, line) else {
            return false;
        };
        let Some((eta, band)) = self.rate_band(&cells, trel, line) else {
            return false;
        };
        let entry = lanes
            .entry((cells.from, cells.to))
            .or_insert((eta, line, Vec::new()));
        if entry.0 != eta {
            self.diags.error(
                "lane-eta-mismatch",
                &Pos::at(trel, line, 0),
                format!(
                    "eta_days {eta} differs from {} given for this lane at line {}",
                    entry.0, entry.1
                ),
                Some("every row of a lane has the same eta_days".into()),
            );
        }
        entry.2.push((band, line));
        true
    }

    /// The cells of one row: zones by name (or `*`) and non-negative decimals; `None` when one
    /// is wrong (reported).
    fn rate_cells(
        &mut self,
        table: &Table<'_>,
        rec: &StringRecord,
        line: u64,
    ) -> Option<RateCells> {
        let Table {
            file: trel,
            headers,
            kind,
            zones,
        } = *table;
        let col = |n: &str| headers.iter().position(|h| h == n);
        let mut cell_err = false;
        let zone = |l: &mut Loader, name: &str| -> Option<u16> {
            let i = col(name)?;
            let v = rec.get(i).unwrap_or("");
            if v == "*" {
                return Some(WILDCARD);
            }
            match zones.names.iter().position(|n| n == v) {
                Some(z) => Some(z as u16),
                None => {
                    l.diags.error(
                        "unknown-zone",
                        &Pos::at(trel, line, i as u64 + 1),
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
                        &Pos::at(trel, line, i as u64 + 1),
                        format!("{name}: `{v}` is negative"),
                        None,
                    );
                    cell_err = true;
                    None
                }
                Err(e) => {
                    l.diags.error(
                        "csv-invalid-cell",
                        &Pos::at(trel, line, i as u64 + 1),
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
            return None;
        };
        if cell_err {
            return None;
        }
        Some(RateCells {
            from,
            to,
            eta,
            min_g,
            max_g,
            basic,
            per_kg,
            min_charge,
            max_mm3,
            min_m,
            max_m,
        })
    }

    /// The eta and band of a row whose cells were read; `None` when the band is empty or the eta
    /// too large (reported). A band without any price is reported but kept.
    fn rate_band(&mut self, c: &RateCells, trel: &str, line: u64) -> Option<(u8, Band)> {
        if c.basic == 0 && c.per_kg == 0 && c.min_charge == 0 {
            self.diags.error(
                "lane-no-price",
                &Pos::at(trel, line, 0),
                "this band has no price (basic, per_kg and min_charge are all zero)",
                Some("give the band a basic price or a per-kg rate".into()),
            );
        }
        if c.max_g <= c.min_g || c.max_m <= c.min_m {
            self.diags.error(
                "band-empty",
                &Pos::at(trel, line, 0),
                "the band's upper bound is not above its lower bound",
                None,
            );
            return None;
        }
        let Ok(eta) = u8::try_from(c.eta) else {
            self.diags.error(
                "csv-invalid-cell",
                &Pos::at(trel, line, 0),
                "eta_days is too large",
                None,
            );
            return None;
        };
        let band = Band {
            min_g: c.min_g as u64,
            max_g: c.max_g as u64,
            max_mm3: c.max_mm3 as u64,
            min_m: c.min_m as u64,
            max_m: c.max_m as u64,
            basic: Cents(c.basic),
            per_kg: Cents(c.per_kg),
            min_charge: Cents(c.min_charge),
        };
        Some((eta, band))
    }

    /// Checks band continuity per lane (and per distance band).
    fn check_lanes(&mut self, trel: &str, kind: RateKind, lanes: &BTreeMap<(u16, u16), LaneRows>) {
        for rows in lanes.values() {
            match kind {
                RateKind::SizeTiers => {}
                RateKind::WeightBands => self.check_bands(
                    trel,
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
                    self.check_bands(trel, firsts, |b| (b.min_m, b.max_m), "km", 1000.0);
                    for v in by_dist.into_values() {
                        self.check_bands(trel, v, |b| (b.min_g, b.max_g), "kg", 1000.0);
                    }
                }
            }
        }
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
}

/// Dense lane matrix of `nz` zones with wildcard precedence: exact, (from,*), (*,to), (*,*).
/// Returns the matrix and the lanes it indexes.
fn lane_matrix(lanes: BTreeMap<(u16, u16), LaneRows>, nz: usize) -> (Vec<u32>, Vec<Lane>) {
    let wildcard = WILDCARD;
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
    (matrix, lane_vec)
}
