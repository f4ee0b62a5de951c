//! `lpo gen-orders`: realistic synthetic orders, the same for the same seed and count.
//!
//! Shaped like an Australian e-commerce day: destinations weighted towards the capitals' metro
//! areas, mostly single light parcels with a long tail of heavy and long ones, some PO boxes and
//! parcel lockers, express orders, dangerous goods, signatures and declared values, and a few
//! orders that name their warehouses.

use std::fmt::Write as _;
use std::path::PathBuf;

use lpo_engine::haversine_m;
use lpo_model::Date;

use crate::common::{Failure, Global, Outcome, load_config, parse_date};
use lpo_model::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many orders.
    #[arg(long)]
    count: usize,
    /// Random seed: the same seed and count give the same file.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where to write the orders: CSV, or Parquet with typed columns (`.parquet`, or
    /// `--format parquet`).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// csv or parquet; default: by the extension of `--out`.
    #[arg(long, value_name = "FORMAT", value_parser = crate::common::parse_format)]
    format: Option<lpo_arrow::Format>,
    /// Fill the ship_date column with this date (default: leave it empty).
    #[arg(long, value_parser = parse_date)]
    date: Option<Date>,
}

/// SplitMix64: small, fast, and the same on every platform and version.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn f(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f()
    }

    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() >> 32) as usize * n) >> 32
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.f() < p
    }
}

/// Capital-city centres: metro destinations are within 50 km of one.
const CAPITALS: [(f64, f64); 8] = [
    (-33.8688, 151.2093),
    (-37.8136, 144.9631),
    (-27.4698, 153.0251),
    (-34.9285, 138.6007),
    (-31.9523, 115.8613),
    (-42.8821, 147.3272),
    (-12.4634, 130.8456),
    (-35.2809, 149.1300),
];

fn weight_and_dims(rng: &mut Rng) -> (f64, [f64; 3]) {
    let r = rng.f();
    let kg = if r < 0.40 {
        rng.range(0.1, 1.0)
    } else if r < 0.75 {
        rng.range(1.0, 5.0)
    } else if r < 0.93 {
        rng.range(5.0, 20.0)
    } else if r < 0.98 {
        rng.range(20.0, 40.0)
    } else {
        rng.range(40.0, 120.0)
    };
    // Density 60–400 kg/m³ gives the volume; sides in a random aspect ratio.
    let density = rng.range(60.0, 400.0);
    let vol_cm3 = kg / density * 1e6;
    let (a, b) = (rng.range(1.0, 2.5), rng.range(1.0, 2.0));
    let h = (vol_cm3 / (a * b)).cbrt();
    let mut dims = [h * a * b.max(1.0), h * b, h];
    if rng.chance(0.03) {
        // Long items: rugs, rods, flat-packs.
        let long = rng.range(110.0, 260.0);
        let side = (vol_cm3 / long).sqrt().max(5.0);
        dims = [long, side, side];
    }
    (kg, dims.map(|d| d.max(2.0)))
}

pub fn run(cli: &Global, a: &Args) -> Outcome {
    let loaded = load_config(cli)?;
    let engine = &loaded.engine;
    // Postcodes with suburbs, weighted towards metro areas.
    let mut places: Vec<(u16, &str, &'static str)> = Vec::new();
    let mut weights: Vec<f64> = Vec::new();
    for (pc, info) in engine.postcodes.iter() {
        let metro = CAPITALS
            .iter()
            .any(|&c| haversine_m(c, (info.lat, info.lon)) < 50_000.0);
        // Each name once (4380 MINGOOLA is in two states: its first row's), in its own state.
        let all = engine.postcodes.suburbs_of(pc);
        let subs: Vec<_> = all
            .iter()
            .enumerate()
            .filter(|&(i, l)| !all.iter().take(i).any(|m| m.name == l.name))
            .map(|(_, l)| l)
            .collect();
        for l in &subs {
            places.push((pc, &l.name, l.state.as_str()));
            weights.push(if metro { 12.0 } else { 1.0 } / subs.len() as f64);
        }
    }
    if places.is_empty() {
        return Err(Failure::usage("the postcode table is empty"));
    }
    let mut cumulative = Vec::with_capacity(weights.len());
    let mut acc = 0.0;
    for w in &weights {
        acc += w;
        cumulative.push(acc);
    }
    let warehouses: Vec<&str> = engine.warehouses.iter().map(|w| w.id.as_str()).collect();
    let mut rng = Rng::new(a.seed);
    let mut out = String::with_capacity(a.count * 150);
    out.push_str("order_id,to_postcode,to_suburb,to_state,weight_kg,length_cm,width_cm,height_cm,from,address_type,residential,service_level,ship_date,declared_value,dangerous_goods,signature,channel,sku\n");
    let date = a.date.map(|d| d.to_string()).unwrap_or_default();
    let width = a.count.max(1).to_string().len().max(6);
    for i in 0..a.count {
        let x = rng.f() * acc;
        let pi = cumulative
            .partition_point(|&c| c <= x)
            .min(places.len() - 1);
        let Some(&(pc, suburb, state)) = places.get(pi) else {
            continue;
        };
        let parcels = match rng.f() {
            r if r < 0.85 => 1,
            r if r < 0.95 => 2,
            _ => 3 + rng.below(2),
        };
        let address = match rng.f() {
            r if r < 0.05 => "po_box",
            r if r < 0.08 => "parcel_locker",
            _ => "street",
        };
        let residential = if rng.chance(0.75) { "true" } else { "false" };
        let level = if rng.chance(0.12) {
            "express"
        } else {
            "standard"
        };
        let from = match rng.f() {
            r if r < 0.70 => String::new(),
            r if r < 0.90 => warehouses
                .get(rng.below(warehouses.len()))
                .copied()
                .unwrap_or("")
                .to_string(),
            _ => {
                let x = rng.below(warehouses.len());
                let y = (x + 1 + rng.below(warehouses.len().max(2) - 1)) % warehouses.len();
                let (x, y) = (x.min(y), x.max(y));
                if x == y {
                    warehouses.get(x).copied().unwrap_or("").to_string()
                } else {
                    format!(
                        "{}|{}",
                        warehouses.get(x).copied().unwrap_or(""),
                        warehouses.get(y).copied().unwrap_or("")
                    )
                }
            }
        };
        let declared = if rng.chance(0.6) {
            format!("{:.2}", (rng.range(3.0, 7.6)).exp())
        } else {
            String::new()
        };
        let dg = if rng.chance(0.02) { "true" } else { "false" };
        let sig = if rng.chance(0.10) { "true" } else { "false" };
        let channel = match rng.f() {
            r if r < 0.70 => "web",
            r if r < 0.85 => "ebay",
            _ => "amazon",
        };
        let suburb_cell = if rng.chance(0.8) { suburb } else { "" };
        let state_cell = if rng.chance(0.5) { state } else { "" };
        for _ in 0..parcels {
            let (kg, d) = weight_and_dims(&mut rng);
            let sku = format!("SKU-{:05}", rng.below(20_000));
            let _ = writeln!(
                out,
                "ORD-{i:0width$},{pc:04},{suburb_cell},{state_cell},{kg:.3},{:.1},{:.1},{:.1},{from},{address},{residential},{level},{date},{declared},{dg},{sig},{channel},{sku}",
                d[0], d[1], d[2]
            );
        }
    }
    let cannot =
        |e: &dyn std::fmt::Display| Failure::io(format!("cannot write {}: {e}", a.out.display()));
    let mut outputs = crate::outputs::Outputs::new();
    match lpo_arrow::Format::choose(a.format, &a.out) {
        lpo_arrow::Format::Csv => outputs.add(&a.out, &[out.as_bytes()])?,
        lpo_arrow::Format::Parquet => {
            let batch = lpo_arrow::table::from_csv(&lpo_arrow::table::ORDERS, out.as_bytes())
                .map_err(|e| cannot(&e))?;
            let bytes = lpo_arrow::parquet_file::parquet_bytes(&batch)
                .map_err(|e| Failure::io(e.to_string()))?;
            outputs.add(&a.out, &[&bytes])?;
        }
    }
    outputs.commit()?;
    if crate::outputs::is_stdout(&a.out) {
        note!("wrote {} orders to standard output", a.count);
    } else {
        note!("wrote {} orders to {}", a.count, a.out.display());
    }
    Ok(ExitCode::Ok)
}
