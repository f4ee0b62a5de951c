//! Hand-computed prices on the bundled sample configuration (`lpo.yaml` → `data/`).
//!
//! Every expected figure below is worked out in its comment from the rate-card rows, following
//! "How a price is computed" in `docs/rate-cards.md`: chargeable weight (cubic, round-up), base
//! (`basic + per_kg × kg`, then the minimum charge), one line per surcharge, fuel on the base and
//! the fuel-bearing surcharges, GST 10 % of everything, each line rounded to the cent with halves
//! away from zero. None of them was copied from the program's output. Money is in cents.
//!
//! These tests are about the rate cards, so the business rules in `rules/` are switched off here
//! (`Engine::clear_rules`); `tests/rules.rs` covers them.
//!
//! Unless a test says otherwise, orders ship from `syd` (Moorebank, postcode 2170, -33.9406,
//! 150.9282, data/warehouses.yaml) on 2026-11-26, to a street address, not residential.

use std::path::Path;
use std::sync::OnceLock;

use lpo_config::Loaded;
use lpo_engine::{Engine, Quote, QuoteRequest};
use lpo_model::{AddressType, Cents, Date, Line, Order, Parcel, QuoteOption, ReasonCode, Strategy};

const SHIP: &str = "2026-11-26";

fn engine() -> &'static Engine {
    static LOADED: OnceLock<Loaded> = OnceLock::new();
    &LOADED
        .get_or_init(|| {
            let manifest = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/lpo.yaml"));
            let mut loaded = lpo_config::load(manifest).unwrap_or_else(|d| panic!("{d:#?}"));
            loaded.engine.clear_rules();
            loaded
        })
        .engine
}

fn date(s: &str) -> Date {
    s.parse()
        .unwrap_or_else(|e| panic!("bad date {s:?}: {e:?}"))
}

/// A parcel: dead weight in grams, sides in centimetres.
fn parcel(g: u32, l_cm: u32, w_cm: u32, h_cm: u32) -> Parcel {
    Parcel::new(g, l_cm * 10, w_cm * 10, h_cm * 10)
}

/// An order from `syd` on [`SHIP`] to a street address, not residential.
fn order(postcode: u16, suburb: Option<&str>, parcels: Vec<Parcel>) -> Order {
    let mut o = Order {
        id: format!("test-{postcode:04}"),
        parcels,
        from: vec!["syd".into()],
        ship_date: Some(date(SHIP)),
        ..Order::default()
    };
    o.to.postcode = postcode;
    o.to.suburb = suburb.map(str::to_string);
    o.to.residential = false;
    o.to.address_type = AddressType::Street;
    o
}

fn quote(o: &Order) -> Quote {
    let req = QuoteRequest {
        strategy: Strategy::Cheapest,
        date: o.ship_date.unwrap_or_else(|| date(SHIP)),
        explain: true,
    };
    engine()
        .quote(o, &req)
        .unwrap_or_else(|e| panic!("order {} cannot be quoted: {e}", o.id))
}

/// What a priced option must look like.
struct Expect<'a> {
    /// Destination zone of the carrier.
    zone: &'a str,
    chargeable_g: u64,
    eta_days: u8,
    /// Invoice lines in order: `base`, `surcharge:<id>` (in the carrier file's order), `fuel`,
    /// `gst`, in cents. Surcharge lines not listed must not appear.
    lines: &'a [(&'a str, i64)],
    total: i64,
}

/// The option of `carrier`/`service` from `from`, and its invoice lines by name.
fn price(o: &Order, carrier: &str, service: &str, from: &str) -> (QuoteOption, Vec<(String, i64)>) {
    let e = engine();
    let q = quote(o);
    let s = e
        .service_by_ids(carrier, service)
        .unwrap_or_else(|| panic!("no service {carrier}/{service}"));
    let Some(opt) = q
        .options
        .iter()
        .find(|x| x.service == s && e.warehouse_id(x.warehouse) == from)
    else {
        let why: Vec<_> = q
            .excluded
            .iter()
            .filter(|x| x.service == s)
            .map(|x| format!("{}: {}", x.reason, x.detail))
            .collect();
        panic!(
            "{carrier}/{service} from {from} not offered for {}: {why:?}",
            o.id
        );
    };
    let lines = q
        .lines(opt)
        .map(|(l, c)| {
            let name = match l {
                Line::Base => "base".to_string(),
                Line::Surcharge(i) => format!("surcharge:{}", e.surcharge_id(i)),
                Line::Fuel => "fuel".to_string(),
                Line::Gst => "gst".to_string(),
            };
            (name, c.0)
        })
        .collect();
    (opt.clone(), lines)
}

#[track_caller]
fn check(o: &Order, carrier: &str, service: &str, x: &Expect<'_>) {
    let e = engine();
    let (opt, lines) = price(o, carrier, service, "syd");
    let what = format!("{carrier}/{service} for order {}", o.id);
    let want: Vec<(String, i64)> = x.lines.iter().map(|(n, c)| (n.to_string(), *c)).collect();
    assert_eq!(lines, want, "{what}: invoice lines");
    assert_eq!(e.zone_name(opt.service, opt.zone), x.zone, "{what}: zone");
    assert_eq!(opt.chargeable_g, x.chargeable_g, "{what}: chargeable grams");
    assert_eq!(opt.eta_days, x.eta_days, "{what}: eta days");
    let line = |n: &str| want.iter().find(|(m, _)| m == n).map_or(0, |l| l.1);
    let surcharges: i64 = want
        .iter()
        .filter(|(n, _)| n.starts_with("surcharge:"))
        .map(|l| l.1)
        .sum();
    assert_eq!(opt.base, Cents(line("base")), "{what}: base");
    assert_eq!(opt.surcharges, Cents(surcharges), "{what}: surcharges");
    assert_eq!(opt.fuel, Cents(line("fuel")), "{what}: fuel");
    assert_eq!(opt.gst, Cents(line("gst")), "{what}: gst");
    assert_eq!(opt.total, Cents(x.total), "{what}: total");
    let sum: i64 = want.iter().map(|l| l.1).sum();
    assert_eq!(
        sum, x.total,
        "{what}: the expected lines must add up to the expected total"
    );
}

/// Reasons `carrier`/`service` was excluded for (any warehouse).
fn exclusions(q: &Quote, carrier: &str, service: &str) -> Vec<ReasonCode> {
    let s = engine()
        .service_by_ids(carrier, service)
        .unwrap_or_else(|| panic!("no service {carrier}/{service}"));
    q.excluded
        .iter()
        .filter(|x| x.service == s)
        .map(|x| x.reason)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// StarTrack (data/carriers/startrack.yaml): cubic factor 250, round_up_kg 1, consignment pricing.
// Zones (zones/startrack.csv): `SYD_METRO,1000-2263,` (origin syd 2170, and 2000),
// `MEL_METRO,3000-3229,`, `BNE_METRO,4000-4309,`.
// Fuel: carrier series `{ from: 2026-11-01, pct: 8.40 }` → 8.4 % on 2026-11-26.
// ---------------------------------------------------------------------------------------------

/// The worked example of docs/rate-cards.md, which must hold on the sample card.
#[test]
fn worked_example_startrack_cubic_weight_rounded_up_to_whole_kg() {
    // One item 30×30×30 cm, 4.2 kg, to 3000 (MEL_METRO).
    // Cubic: 0.3 × 0.3 × 0.3 = 0.027 m³ × 250 = 6.75 kg > 4.2 kg dead → 6750 g;
    // round_up_kg 1 → 7 kg = 7000 g.
    // rates/startrack-road-express-2026-07-01.csv: `SYD_METRO,MEL_METRO,2,5,10,9.80,0.62,9.50`
    // base = 9.80 + 0.62 × 7 = 9.80 + 4.34 = 14.14 (≥ min 9.50)
    // fuel = 14.14 × 8.4 % = 1.18776 → 1.19
    // gst  = (14.14 + 1.19) × 10 % = 15.33 × 0.1 = 1.533 → 1.53
    // total = 14.14 + 1.19 + 1.53 = 16.86 (the doc's figure)
    let o = order(3000, None, vec![parcel(4200, 30, 30, 30)]);
    check(
        &o,
        "startrack",
        "road_express",
        &Expect {
            zone: "MEL_METRO",
            chargeable_g: 7000,
            eta_days: 2,
            lines: &[("base", 1414), ("fuel", 119), ("gst", 153)],
            total: 1686,
        },
    );
}

#[test]
fn startrack_min_charge_lifts_a_light_metro_parcel() {
    // One item 20×15×10 cm, 1 kg, to 2000 (SYD_METRO).
    // Cubic: 0.2 × 0.15 × 0.1 = 0.003 m³ × 250 = 0.75 kg < 1 kg dead → 1000 g; round-up → 1 kg.
    // rates/startrack-road-express-2026-07-01.csv: `SYD_METRO,SYD_METRO,1,0,5,6.90,0.34,9.50`
    // band price = 6.90 + 0.34 × 1 = 7.24 < min_charge 9.50 → base 9.50
    // fuel = 9.50 × 8.4 % = 0.798 → 0.80
    // gst  = (9.50 + 0.80) × 10 % = 1.03
    // total = 9.50 + 0.80 + 1.03 = 11.33
    let o = order(2000, None, vec![parcel(1000, 20, 15, 10)]);
    check(
        &o,
        "startrack",
        "road_express",
        &Expect {
            zone: "SYD_METRO",
            chargeable_g: 1000,
            eta_days: 1,
            lines: &[("base", 950), ("fuel", 80), ("gst", 103)],
            total: 1133,
        },
    );
}

#[test]
fn startrack_po_box_surcharge_bears_fuel() {
    // One item 30×20×10 cm, 2.5 kg, to a PO box in 4001 (BNE_METRO: `BNE_METRO,4000-4309,`).
    // road_express limits: `address_types: [street, po_box]` → accepted.
    // Cubic: 0.3 × 0.2 × 0.1 = 0.006 m³ × 250 = 1.5 kg < 2.5 kg dead → 2500 g; round-up → 3 kg.
    // rates/startrack-road-express-2026-07-01.csv: `SYD_METRO,BNE_METRO,2,0,5,8.97,0.83,9.50`
    // base = 8.97 + 0.83 × 3 = 8.97 + 2.49 = 11.46 (≥ 9.50)
    // startrack.yaml `po_box`: per consignment, `fixed: 8.50`, when `address_types: [po_box]`;
    //   no `fuel:` key → fuel-bearing (default true).
    // fuel = (11.46 + 8.50) × 8.4 % = 19.96 × 0.084 = 1.67664 → 1.68
    // gst  = (11.46 + 8.50 + 1.68) × 10 % = 21.64 × 0.1 = 2.164 → 2.16
    // total = 21.64 + 2.16 = 23.80
    let mut o = order(4001, None, vec![parcel(2500, 30, 20, 10)]);
    o.to.address_type = AddressType::PoBox;
    check(
        &o,
        "startrack",
        "road_express",
        &Expect {
            zone: "BNE_METRO",
            chargeable_g: 3000,
            eta_days: 2,
            lines: &[
                ("base", 1146),
                ("surcharge:po_box", 850),
                ("fuel", 168),
                ("gst", 216),
            ],
            total: 2380,
        },
    );
}

#[test]
fn startrack_manual_handling_and_length_band_on_a_long_item() {
    // One item 160×50×40 cm, 18 kg, to 3000 (MEL_METRO).
    // Cubic: 1.6 × 0.5 × 0.4 = 0.32 m³ × 250 = 80 kg > 18 kg → 80000 g; round-up → 80 kg.
    // rates/startrack-road-express-2026-07-01.csv: `SYD_METRO,MEL_METRO,2,50,1000,14.40,0.45,9.50`
    // base = 14.40 + 0.45 × 80 = 14.40 + 36.00 = 50.40
    // startrack.yaml surcharges (all fuel-bearing):
    //   manual_handling `fixed: 14.00`, when weight_kg up_to 32 (18 ✓), when_any
    //     `exceeds_cm: [117, 60, 60]` (sorted 160,50,40: 160 > 117 ✓) → 14.00
    //   heavy_item: weight over 32 → no
    //   length_150 `fixed: 20.00`, longest_cm at_least 150 under 200 (160 ✓) → 20.00
    //   length_200 / length_300: no
    // fuel = (50.40 + 14.00 + 20.00) × 8.4 % = 84.40 × 0.084 = 7.0896 → 7.09
    // gst  = (84.40 + 7.09) × 10 % = 91.49 × 0.1 = 9.149 → 9.15
    // total = 84.40 + 7.09 + 9.15 = 100.64
    let o = order(3000, None, vec![parcel(18_000, 160, 50, 40)]);
    check(
        &o,
        "startrack",
        "road_express",
        &Expect {
            zone: "MEL_METRO",
            chargeable_g: 80_000,
            eta_days: 2,
            lines: &[
                ("base", 5040),
                ("surcharge:manual_handling", 1400),
                ("surcharge:length_150", 2000),
                ("fuel", 709),
                ("gst", 915),
            ],
            total: 10_064,
        },
    );
}

// ---------------------------------------------------------------------------------------------
// TNT (data/carriers/tnt.yaml): cubic 250, no round-up, consignment pricing.
// Zones (zones/tnt.csv): `SYD,1000-2263,` (origin), `MEL,3000-3207,`.
// Fuel: `{ from: 2026-11-01, pct: 17.05 }`.
// ---------------------------------------------------------------------------------------------

#[test]
fn tnt_heavy_residential_item_pays_manual_handling_residential_and_heavy_residential() {
    // One item 60×40×40 cm, 35 kg, to a residential street address in 3000 (MEL).
    // Cubic: 0.6 × 0.4 × 0.4 = 0.096 m³ × 250 = 24 kg < 35 kg → 35000 g.
    // rates/tnt-road-express-2026-07-01.csv: `SYD,MEL,2,30,1000,14.55,0.45`
    // base = 14.55 + 0.45 × 35 = 14.55 + 15.75 = 30.30
    // tnt.yaml surcharges (all fuel-bearing):
    //   manual_handling `fixed: 16.50` per item, when_any weight_kg over 30 (35 ✓) → 16.50
    //   residential `fixed: 5.00` per consignment, residential: true → 5.00
    //   heavy_residential `fixed: 63.00`, residential + consignment_kg at_least 30 under 100 → 63.00
    //   heavy_residential_100: consignment_kg at_least 100 → no
    // fuel = (30.30 + 16.50 + 5.00 + 63.00) × 17.05 % = 114.80 × 0.1705 = 19.5734 → 19.57
    // gst  = (114.80 + 19.57) × 10 % = 134.37 × 0.1 = 13.437 → 13.44
    // total = 114.80 + 19.57 + 13.44 = 147.81
    let mut o = order(3000, None, vec![parcel(35_000, 60, 40, 40)]);
    o.to.residential = true;
    check(
        &o,
        "tnt",
        "road_express",
        &Expect {
            zone: "MEL",
            chargeable_g: 35_000,
            eta_days: 2,
            lines: &[
                ("base", 3030),
                ("surcharge:manual_handling", 1650),
                ("surcharge:residential", 500),
                ("surcharge:heavy_residential", 6300),
                ("fuel", 1957),
                ("gst", 1344),
            ],
            total: 14_781,
        },
    );
}

// ---------------------------------------------------------------------------------------------
// CouriersPlease (data/carriers/couriersplease.yaml): cubic 250, `pricing: item`.
// Zones (zones/couriersplease.csv): `SYD,1000-2263,` (origin), `MEL,3000-3207,`.
// Fuel: `{ from: 2026-11-01, pct: 13.85 }`.
// ---------------------------------------------------------------------------------------------

#[test]
fn couriersplease_prices_each_item_and_charges_length_and_oversize_per_item() {
    // Two items to 3000 (MEL), each priced alone (pricing: item):
    //  A: 155×40×20 cm, 8 kg. Cubic 1.55 × 0.4 × 0.2 = 0.124 m³ × 250 = 31 kg > 8 → 31000 g.
    //     rates/couriersplease-road-2026-07-01.csv `SYD,MEL,2,25,40,11.17,0.72`
    //     → 11.17 + 0.72 × 31 = 11.17 + 22.32 = 33.49
    //  B: 110×30×20 cm, 5 kg. Cubic 1.1 × 0.3 × 0.2 = 0.066 m³ × 250 = 16.5 kg > 5 → 16500 g.
    //     `SYD,MEL,2,15,20,25.30,0.00` → 25.30
    // base = 33.49 + 25.30 = 58.79; chargeable = 31000 + 16500 = 47500 g
    // couriersplease.yaml surcharges (fuel-bearing), one line each summed over items:
    //   length `fixed: 15.00` per item, longest_cm at_least 105: A 155 ✓, B 110 ✓ → 30.00
    //   oversize `fixed: 75.00` per item, when_any volume_m3 over 0.1 / longest_cm over 150:
    //     A (0.124 m³, 155 cm) ✓; B (0.066 m³, 110 cm) ✗ → 75.00
    // fuel = (58.79 + 30.00 + 75.00) × 13.85 % = 163.79 × 0.1385 = 22.684915 → 22.68
    // gst  = (163.79 + 22.68) × 10 % = 186.47 × 0.1 = 18.647 → 18.65
    // total = 163.79 + 22.68 + 18.65 = 205.12
    let o = order(
        3000,
        None,
        vec![parcel(8000, 155, 40, 20), parcel(5000, 110, 30, 20)],
    );
    check(
        &o,
        "couriersplease",
        "road",
        &Expect {
            zone: "MEL",
            chargeable_g: 47_500,
            eta_days: 2,
            lines: &[
                ("base", 5879),
                ("surcharge:length", 3000),
                ("surcharge:oversize", 7500),
                ("fuel", 2268),
                ("gst", 1865),
            ],
            total: 20_512,
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Aramex satchel (data/carriers/aramex.yaml, `kind: size_tiers`, `pricing: item`, no cubic).
// rates/aramex-satchel-2026-07-01.csv (file order):
//   `*,*,3,0,0.5,2,5.40,0.00`  `*,*,3,0,1,4,6.60,0.00`  `*,*,3,0,3,12,10.90,0.00`
//   `*,*,3,0,5,20,14.90,0.00`
// Zones (zones/aramex.csv): `MEL,3000-3229,`. Fuel: `{ from: 2026-11-01, pct: 16.60 }`.
// ---------------------------------------------------------------------------------------------

#[test]
fn aramex_satchel_takes_the_first_size_tier_fitting_weight_and_litres() {
    // Two items to 3000 (MEL):
    //  A: 20×15×10 cm = 3 L, 0.3 kg: tier 0.5 kg/2 L fits the weight but not 3 L;
    //     tier 1 kg/4 L fits both → 6.60
    //  B: 30×20×15 cm = 9 L, 2 kg: 0.5 kg and 1 kg tiers too light; 3 kg/12 L fits → 10.90
    // base = 6.60 + 10.90 = 17.50; chargeable = dead weights 300 + 2000 = 2300 g (no cubic)
    // fuel = 17.50 × 16.6 % = 2.905 → 2.91 (half a cent rounds away from zero)
    // gst  = (17.50 + 2.91) × 10 % = 20.41 × 0.1 = 2.041 → 2.04
    // total = 17.50 + 2.91 + 2.04 = 22.45
    let o = order(
        3000,
        None,
        vec![parcel(300, 20, 15, 10), parcel(2000, 30, 20, 15)],
    );
    check(
        &o,
        "aramex",
        "satchel",
        &Expect {
            zone: "MEL",
            chargeable_g: 2300,
            eta_days: 3,
            lines: &[("base", 1750), ("fuel", 291), ("gst", 204)],
            total: 2245,
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Australia Post Parcel Post (data/carriers/auspost.yaml): `cubic: { factor: 250, above_kg: 1 }`,
// consignment pricing, no round-up. Zones (zones/auspost.csv): `SYD_METRO,1000-2234,` (origin),
// `MEL_METRO,3000-3207,`. Fuel: `{ from: 2023-01-01, pct: 11.50 }`,
// `{ from: 2026-07-01, pct: 10.40 }`, `{ from: 2026-11-01, pct: 10.95 }`.
// Tables: 2025-07-01..2026-06-30 and from 2026-07-01.
// ---------------------------------------------------------------------------------------------

#[test]
fn auspost_parcel_post_basic_plus_per_kg_on_cubic_weight() {
    // One item 40×30×20 cm, 3.2 kg, to 3000 (MEL_METRO).
    // Dead 3.2 kg > above_kg 1 → cubed: 0.4 × 0.3 × 0.2 = 0.024 m³ × 250 = 6 kg > 3.2 → 6000 g.
    // rates/auspost-parcel-post-2026-07-01.csv: `SYD_METRO,MEL_METRO,3,5,1000,9.93,0.67`
    // base = 9.93 + 0.67 × 6 = 9.93 + 4.02 = 13.95
    // fuel = 13.95 × 10.95 % = 1.527525 → 1.53
    // gst  = (13.95 + 1.53) × 10 % = 15.48 × 0.1 = 1.548 → 1.55
    // total = 13.95 + 1.53 + 1.55 = 17.03
    let o = order(3000, None, vec![parcel(3200, 40, 30, 20)]);
    check(
        &o,
        "auspost",
        "parcel_post",
        &Expect {
            zone: "MEL_METRO",
            chargeable_g: 6000,
            eta_days: 3,
            lines: &[("base", 1395), ("fuel", 153), ("gst", 155)],
            total: 1703,
        },
    );
}

#[test]
fn auspost_parcel_of_1kg_or_less_is_not_cubed() {
    // The same 40×30×20 cm box (cubic 6 kg) weighing 0.9 kg: dead 0.9 ≤ above_kg 1 → not cubed,
    // chargeable 900 g.
    // rates/auspost-parcel-post-2026-07-01.csv: `SYD_METRO,MEL_METRO,3,0.5,1,10.30,0.00`
    // base = 10.30 (flat)
    // fuel = 10.30 × 10.95 % = 1.12785 → 1.13
    // gst  = (10.30 + 1.13) × 10 % = 11.43 × 0.1 = 1.143 → 1.14
    // total = 10.30 + 1.13 + 1.14 = 12.57
    let o = order(3000, None, vec![parcel(900, 40, 30, 20)]);
    check(
        &o,
        "auspost",
        "parcel_post",
        &Expect {
            zone: "MEL_METRO",
            chargeable_g: 900,
            eta_days: 3,
            lines: &[("base", 1030), ("fuel", 113), ("gst", 114)],
            total: 1257,
        },
    );
}

#[test]
fn auspost_before_1_july_2026_uses_the_2025_table_and_fuel() {
    // As auspost_parcel_post_basic_plus_per_kg_on_cubic_weight (6 kg chargeable), shipped
    // 2026-06-15: table `{ from: 2025-07-01, to: 2026-06-30 }`, fuel `{ from: 2023-01-01, pct: 11.50 }`.
    // rates/auspost-parcel-post-2025-07-01.csv: `SYD_METRO,MEL_METRO,3,5,1000,9.57,0.64`
    // base = 9.57 + 0.64 × 6 = 9.57 + 3.84 = 13.41
    // fuel = 13.41 × 11.5 % = 1.54215 → 1.54
    // gst  = (13.41 + 1.54) × 10 % = 14.95 × 0.1 = 1.495 → 1.50 (half a cent away from zero)
    // total = 13.41 + 1.54 + 1.50 = 16.45
    let mut o = order(3000, None, vec![parcel(3200, 40, 30, 20)]);
    o.ship_date = Some(date("2026-06-15"));
    check(
        &o,
        "auspost",
        "parcel_post",
        &Expect {
            zone: "MEL_METRO",
            chargeable_g: 6000,
            eta_days: 3,
            lines: &[("base", 1341), ("fuel", 154), ("gst", 150)],
            total: 1645,
        },
    );
}

#[test]
fn auspost_signature_and_extra_cover_bear_no_fuel() {
    // As auspost_parcel_post_basic_plus_per_kg_on_cubic_weight (base 13.95), with signature and a
    // declared value of $250.
    // auspost.yaml: signature `fixed: 2.95`, `fuel: false` → 2.95
    //   extra_cover `per_value: { free: 100.00, step: 100.00, amount: 2.50 }`, `fuel: false`:
    //   ceil((250 − 100) / 100) = ceil(1.5) = 2 × 2.50 → 5.00
    // fuel = 13.95 (base only) × 10.95 % = 1.527525 → 1.53
    // gst  = (13.95 + 2.95 + 5.00 + 1.53) × 10 % = 23.43 × 0.1 = 2.343 → 2.34
    // total = 23.43 + 2.34 = 25.77
    let mut o = order(3000, None, vec![parcel(3200, 40, 30, 20)]);
    o.signature = true;
    o.declared_value = Some(Cents(25_000));
    check(
        &o,
        "auspost",
        "parcel_post",
        &Expect {
            zone: "MEL_METRO",
            chargeable_g: 6000,
            eta_days: 3,
            lines: &[
                ("base", 1395),
                ("surcharge:signature", 295),
                ("surcharge:extra_cover", 500),
                ("fuel", 153),
                ("gst", 234),
            ],
            total: 2577,
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Hunter Express (data/carriers/hunter.yaml): cubic factor 333, consignment pricing, no round-up.
// Zones (zones/hunter.csv): `SYD_METRO,1000-2339,` (origin), `MEL_METRO,3000-3207,`,
// `WA_METRO,6000-6199,`. Fuel: series `{ from: 2026-07-01, pct: 22.00 }`; by_zone
// `[WA_METRO, WA_REGIONAL, ONFORWARD]` → `{ from: 2026-07-01, pct: 29.00 }`.
// ---------------------------------------------------------------------------------------------

/// Two items, one cubed and one at dead weight, priced as one consignment.
fn hunter_consignment(postcode: u16) -> Order {
    // A: 40×40×30 cm, 12 kg: 0.4 × 0.4 × 0.3 = 0.048 m³ × 333 = 15.984 kg > 12 → 15984 g
    // B: 50×30×20 cm, 20 kg: 0.5 × 0.3 × 0.2 = 0.03 m³ × 333 = 9.99 kg < 20 → 20000 g
    // consignment chargeable = 15984 + 20000 = 35984 g = 35.984 kg
    order(
        postcode,
        None,
        vec![parcel(12_000, 40, 40, 30), parcel(20_000, 50, 30, 20)],
    )
}

#[test]
fn hunter_multi_parcel_consignment_to_perth_pays_the_wa_fuel_rate() {
    // To 6000 (WA_METRO). rates/hunter-road-2026-07-01.csv `SYD_METRO,WA_METRO,5,25,100,20.97,0.75,12.50`
    // base = 20.97 + 0.75 × 35.984 = 20.97 + 26.988 = 47.958 → 47.96
    // fuel (by_zone WA_METRO) = 47.96 × 29 % = 13.9084 → 13.91
    // gst  = (47.96 + 13.91) × 10 % = 61.87 × 0.1 = 6.187 → 6.19
    // total = 47.96 + 13.91 + 6.19 = 68.06
    check(
        &hunter_consignment(6000),
        "hunter",
        "road",
        &Expect {
            zone: "WA_METRO",
            chargeable_g: 35_984,
            eta_days: 5,
            lines: &[("base", 4796), ("fuel", 1391), ("gst", 619)],
            total: 6806,
        },
    );
}

#[test]
fn hunter_same_consignment_to_melbourne_pays_the_default_fuel_rate() {
    // To 3000 (MEL_METRO). `SYD_METRO,MEL_METRO,2,25,100,13.72,0.28,12.50`
    // base = 13.72 + 0.28 × 35.984 = 13.72 + 10.07552 = 23.79552 → 23.80
    // fuel (default series) = 23.80 × 22 % = 5.236 → 5.24
    // gst  = (23.80 + 5.24) × 10 % = 29.04 × 0.1 = 2.904 → 2.90
    // total = 23.80 + 5.24 + 2.90 = 31.94
    check(
        &hunter_consignment(3000),
        "hunter",
        "road",
        &Expect {
            zone: "MEL_METRO",
            chargeable_g: 35_984,
            eta_days: 2,
            lines: &[("base", 2380), ("fuel", 524), ("gst", 290)],
            total: 3194,
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Team Global Express Standard Parcels (data/carriers/tge.yaml): cubic 250, consignment pricing,
// no round-up. Zones (zones/tge.csv): `NSW_METRO,1000-2339,` (origin), `NSW_COUNTRY,2340-2490,`,
// `NSW_COUNTRY,2787-2999,`. Fuel (carrier series, no service override on standard_parcels):
// `{ from: 2026-11-01, pct: 9.12 }`. Regional area surcharges (per consignment, fuel-bearing):
// regional_area_1 `fixed: 26.00` (areas/tge-regional-area-1.csv), regional_area_2 `fixed: 51.50`
// (areas/tge-regional-area-2.csv), regional_area_3 `fixed: 77.50`.
// ---------------------------------------------------------------------------------------------

#[test]
fn tge_regional_area_1_for_a_whole_listed_postcode() {
    // One item 30×25×20 cm, 4 kg, to 2350 (Armidale; no suburb given).
    // areas/tge-regional-area-1.csv: `2350,` (empty suburb = the whole postcode) → 26.00;
    // 2350 is in neither other list.
    // Cubic: 0.3 × 0.25 × 0.2 = 0.015 m³ × 250 = 3.75 kg < 4 → 4000 g.
    // rates/tge-standard-parcels-2026-07-01.csv: `NSW_METRO,NSW_COUNTRY,2,3,10,11.11,0.41,10.50`
    // base = 11.11 + 0.41 × 4 = 11.11 + 1.64 = 12.75
    // fuel = (12.75 + 26.00) × 9.12 % = 38.75 × 0.0912 = 3.534 → 3.53
    // gst  = (38.75 + 3.53) × 10 % = 42.28 × 0.1 = 4.228 → 4.23
    // total = 38.75 + 3.53 + 4.23 = 46.51
    let o = order(2350, None, vec![parcel(4000, 30, 25, 20)]);
    check(
        &o,
        "tge",
        "standard_parcels",
        &Expect {
            zone: "NSW_COUNTRY",
            chargeable_g: 4000,
            eta_days: 2,
            lines: &[
                ("base", 1275),
                ("surcharge:regional_area_1", 2600),
                ("fuel", 353),
                ("gst", 423),
            ],
            total: 4651,
        },
    );
}

#[test]
fn tge_regional_area_tier_follows_the_suburb_within_a_postcode() {
    // One item 40×30×30 cm, 7.5 kg, to postcode 2840, which the lists split by suburb:
    //   areas/tge-regional-area-1.csv has `2840,BOURKE`; areas/tge-regional-area-2.csv has
    //   `2840,WANAARING`.
    // Cubic: 0.4 × 0.3 × 0.3 = 0.036 m³ × 250 = 9 kg > 7.5 → 9000 g.
    // `NSW_METRO,NSW_COUNTRY,2,3,10,11.11,0.41,10.50` → base = 11.11 + 0.41 × 9 = 11.11 + 3.69 = 14.80
    //
    // WANAARING: regional_area_2 51.50
    // fuel = (14.80 + 51.50) × 9.12 % = 66.30 × 0.0912 = 6.04656 → 6.05
    // gst  = (66.30 + 6.05) × 10 % = 72.35 × 0.1 = 7.235 → 7.24 (half a cent away from zero)
    // total = 66.30 + 6.05 + 7.24 = 79.59
    let o = order(2840, Some("WANAARING"), vec![parcel(7500, 40, 30, 30)]);
    check(
        &o,
        "tge",
        "standard_parcels",
        &Expect {
            zone: "NSW_COUNTRY",
            chargeable_g: 9000,
            eta_days: 2,
            lines: &[
                ("base", 1480),
                ("surcharge:regional_area_2", 5150),
                ("fuel", 605),
                ("gst", 724),
            ],
            total: 7959,
        },
    );
    // BOURKE: regional_area_1 26.00
    // fuel = (14.80 + 26.00) × 9.12 % = 40.80 × 0.0912 = 3.72096 → 3.72
    // gst  = (40.80 + 3.72) × 10 % = 44.52 × 0.1 = 4.452 → 4.45
    // total = 40.80 + 3.72 + 4.45 = 48.97
    let o = order(2840, Some("BOURKE"), vec![parcel(7500, 40, 30, 30)]);
    check(
        &o,
        "tge",
        "standard_parcels",
        &Expect {
            zone: "NSW_COUNTRY",
            chargeable_g: 9000,
            eta_days: 2,
            lines: &[
                ("base", 1480),
                ("surcharge:regional_area_1", 2600),
                ("fuel", 372),
                ("gst", 445),
            ],
            total: 4897,
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Zoom2u Same Day (data/carriers/zoom2u.yaml): zones only from GeoJSON polygons
// (zones/zoom2u.csv is header-only), `kind: distance_bands`, no cubic, fuel 0 %
// (`{ from: 2026-07-01, pct: 0.00 }`). Distance = haversine, R = 6 371 008.8 m, rounded to whole
// metres, from the warehouse (syd: -33.9406, 150.9282) to the destination point.
// rates/zoom2u-same-day-2026-07-01.csv, SYD_METRO→SYD_METRO, 0-5 kg rows:
//   `…,0,0,5,0,10,11.50,0.00`  `…,0,0,5,10,25,16.90,0.00`  `…,0,0,5,25,50,27.90,0.00`
// The syd warehouse is inside geo/syd-metro.geojson, so its origin zone is SYD_METRO.
// ---------------------------------------------------------------------------------------------

#[test]
fn zoom2u_same_day_polygon_zone_and_distance_band_from_postcode_centroid() {
    // To 2000, no suburb: the point is the mean of its 8 rows in data/au-postcodes-geonames.tsv:
    //   Barangaroo -33.8641 151.2017, Dawes Point -33.8563 151.2060, Haymarket -33.8797 151.2055,
    //   Millers Point -33.8609 151.2037, Parliament House -33.8651 151.2053,
    //   Sydney -33.8718 151.2002, Sydney South -33.8699 151.2025, The Rocks -33.8608 151.2072
    //   → lat = -270.9286 / 8 = -33.866075, lon = 1209.6321 / 8 = 151.2040125.
    // Inside geo/syd-metro.geojson (its east edge runs (151.2591,-33.9536)–(151.2807,-33.8721)–
    // (151.3283,-33.6435), all east of 151.204 at that latitude) → zone SYD_METRO.
    // Haversine: Δφ = 0.074525° = 0.00130071 rad, Δλ = 0.2758125° = 0.00481384 rad;
    //   h = sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2) = 4.2296e-7 + 3.99077e-6 = 4.41373e-6
    //   d = 2R asin(√h) = 2 × 6371008.8 × 0.00210089 = 26 769.56 m → 26 770 m = 26.77 km,
    //   over 25 and up to 50 km.
    // One item 30×20×20 cm, 3 kg (no cubic) → 3000 g, 0-5 kg: `SYD_METRO,SYD_METRO,0,0,5,25,50,27.90,0.00`
    // base = 27.90; fuel = 0 %; gst = 2.79; total = 30.69
    let o = order(2000, None, vec![parcel(3000, 30, 20, 20)]);
    check(
        &o,
        "zoom2u",
        "same_day",
        &Expect {
            zone: "SYD_METRO",
            chargeable_g: 3000,
            eta_days: 0,
            lines: &[("base", 2790), ("fuel", 0), ("gst", 279)],
            total: 3069,
        },
    );

    // To 2200 (Bankstown): mean of its 7 rows (Bankstown -33.918 151.0329, Bankstown Aerodrome
    //   -33.9201 150.9909, Bankstown North -33.9224 151.0231, Bankstown Square -33.9224 151.0231,
    //   Condell Park -33.9239 151.0123, Manahan -33.9224 151.0231, Mount Lewis -33.9175 151.0483)
    //   = (-237.4467 / 7, 1057.1537 / 7) = (-33.920957, 151.021957).
    // Δφ = 0.0196429° = 0.00034283 rad, Δλ = 0.0937571° = 0.00163637 rad;
    //   h = 2.9384e-8 + 4.60849e-7 = 4.90233e-7; d = 2R asin(√h) = 8 921.53 m → 8 922 m: 0-10 km.
    // `SYD_METRO,SYD_METRO,0,0,5,0,10,11.50,0.00` → base 11.50; gst 1.15; total 12.65
    let o = order(2200, None, vec![parcel(3000, 30, 20, 20)]);
    check(
        &o,
        "zoom2u",
        "same_day",
        &Expect {
            zone: "SYD_METRO",
            chargeable_g: 3000,
            eta_days: 0,
            lines: &[("base", 1150), ("fuel", 0), ("gst", 115)],
            total: 1265,
        },
    );
}

#[test]
fn zoom2u_distance_band_max_is_inclusive_and_min_exclusive() {
    // A point due north of the syd warehouse (same longitude) at exactly d metres: the
    // haversine reduces to R × Δφ, so Δφ = d / R. The points are inside the SYD polygon
    // (Parramatta, 2150, at about -33.82 151.00 is inside it too).
    let north = |d: f64| (-33.9406 + (d / 6_371_008.8f64).to_degrees(), 150.9282);
    // 10 000 m (Δφ = 0.0899320°) → 10.000 km: in `0,10` (max inclusive) → 11.50, gst 1.15 → 12.65
    let mut o = order(2170, None, vec![parcel(3000, 30, 20, 20)]);
    o.to.point = Some(north(10_000.0));
    check(
        &o,
        "zoom2u",
        "same_day",
        &Expect {
            zone: "SYD_METRO",
            chargeable_g: 3000,
            eta_days: 0,
            lines: &[("base", 1150), ("fuel", 0), ("gst", 115)],
            total: 1265,
        },
    );
    // 10 001 m → 10.001 km: over 10 (min exclusive) → `0,5,10,25,16.90` → 16.90, gst 1.69 → 18.59
    o.to.point = Some(north(10_001.0));
    check(
        &o,
        "zoom2u",
        "same_day",
        &Expect {
            zone: "SYD_METRO",
            chargeable_g: 3000,
            eta_days: 0,
            lines: &[("base", 1690), ("fuel", 0), ("gst", 169)],
            total: 1859,
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Orders a service cannot take, with the reason code.
// ---------------------------------------------------------------------------------------------

#[test]
fn infeasible_orders_get_the_right_reason_code() {
    // 30 kg item: auspost.yaml `max_item_kg: 22` on both services → too_heavy.
    let q = quote(&order(3000, None, vec![parcel(30_000, 50, 40, 30)]));
    assert_eq!(
        exclusions(&q, "auspost", "parcel_post"),
        [ReasonCode::TooHeavy]
    );
    assert_eq!(
        exclusions(&q, "auspost", "express_post"),
        [ReasonCode::TooHeavy]
    );

    // PO box: couriersplease.yaml `address_types: [street]` → address_type; StarTrack takes it.
    let mut o = order(2000, None, vec![parcel(1000, 20, 15, 10)]);
    o.to.address_type = AddressType::PoBox;
    let q = quote(&o);
    assert_eq!(
        exclusions(&q, "couriersplease", "road"),
        [ReasonCode::AddressType]
    );
    assert!(exclusions(&q, "startrack", "road_express").is_empty());

    // 2250 (Gosford): its centroid (-33.3819, 151.2705) is outside every Zoom2u polygon
    // (syd-metro.geojson's northern edge runs (151.3227,-33.5911)–(151.006,-33.3069)) and
    // zoom2u has no postcode rows → destination_not_serviced.
    let q = quote(&order(2250, None, vec![parcel(1000, 20, 15, 10)]));
    assert_eq!(
        exclusions(&q, "zoom2u", "same_day"),
        [ReasonCode::DestinationNotServiced]
    );
}
