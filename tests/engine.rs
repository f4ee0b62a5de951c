//! Engine behaviour on the small test configuration (`tests/fixtures/mini`), whose figures are
//! round enough to check by hand, and properties over the bundled configuration.
//!
//! The mini card (carriers/acme.yaml, rates/acme-road.csv): cubic 250 kg/m³, rounded up to whole
//! kg, consignment pricing, fuel 10 % from 2026-07-01, GST 10 %; surcharges `heavy` $5 per item
//! over 20 kg (fuel-bearing) and `remote` $20 per consignment to zone REMOTE (not fuel-bearing).
//!
//! ```text
//! SYD,SYD,1,0,5,8.00,0,          SYD,MEL,2,0,5,10.00,0,
//! SYD,SYD,1,5,30,6.00,0.50,      SYD,MEL,2,5,30,7.00,0.80,
//! SYD,*,4,0,30,12.00,1.00,15.00  (min charge $15)   MEL,*,2,0,30,9.00,1.00,
//! ```
//! Zones: SYD 2000-2234, MEL 3000-3207, NSW 2235-2999, REMOTE = SILVERTON 2880 (suburb override).
//! zip/same_day: polygon SYD_METRO (lon 150.5–151.5, lat −34.3…−33.5), $15 up to 10 km, $25 over
//! 10 up to 40 km from the warehouse, no fuel; express.

mod common;

use std::path::Path;

use lpo_config::load;
use lpo_engine::{Engine, QuoteRequest};
use lpo_model::{AddressType, Cents, Date, Order, Parcel, ReasonCode, ServiceLevel, Strategy};
use proptest::prelude::*;
use proptest::strategy::{Strategy as PropStrategy, ValueTree};

fn date(s: &str) -> Date {
    s.parse().unwrap_or_else(|e| panic!("{e}"))
}

fn engine_with(edits: &[(&str, &str, &str)]) -> Engine {
    let (_dir, manifest) = common::mutated(edits);
    load(&manifest).unwrap_or_else(|d| panic!("{d:#?}")).engine
}

fn order(postcode: u16, suburb: Option<&str>, parcels: &[(u32, u32, u32, u32)]) -> Order {
    let mut o = Order::default();
    o.to.postcode = postcode;
    o.to.suburb = suburb.map(str::to_string);
    o.to.residential = true;
    o.parcels = parcels
        .iter()
        .map(|&(g, l, w, h)| Parcel::new(g, l, w, h))
        .collect();
    o
}

fn req() -> QuoteRequest {
    QuoteRequest {
        strategy: Strategy::Cheapest,
        date: date("2026-11-26"),
        explain: true,
    }
}

/// (base, surcharges, fuel, gst, total) in cents of `carrier/service`'s option, and its zone.
fn priced(engine: &Engine, o: &Order, carrier: &str, service: &str) -> ([i64; 5], String) {
    let q = engine.quote(o, &req()).unwrap_or_else(|e| panic!("{e}"));
    let s = engine
        .service_by_ids(carrier, service)
        .unwrap_or_else(|| panic!("no {carrier}/{service}"));
    let opt = q
        .options
        .iter()
        .find(|x| x.service == s)
        .unwrap_or_else(|| panic!("{carrier}/{service} infeasible: {:#?}", q.excluded));
    let lines: i64 = q.lines(opt).map(|(_, c)| c.0).sum();
    assert_eq!(lines, opt.total.0, "lines sum to the total");
    (
        [
            opt.base.0,
            opt.surcharges.0,
            opt.fuel.0,
            opt.gst.0,
            opt.total.0,
        ],
        engine.zone_name(opt.service, opt.zone).to_string(),
    )
}

fn excluded(engine: &Engine, o: &Order, carrier: &str, service: &str) -> ReasonCode {
    let q = engine.quote(o, &req()).unwrap_or_else(|e| panic!("{e}"));
    let s = engine
        .service_by_ids(carrier, service)
        .unwrap_or_else(|| panic!("no {carrier}/{service}"));
    q.excluded
        .iter()
        .find(|e| e.service == s)
        .map(|e| e.reason)
        .unwrap_or_else(|| panic!("{carrier}/{service} was not excluded"))
}

#[test]
fn flat_band_fuel_and_gst() {
    // 2 kg, 10 cm cube to 2000 (SYD): cubic 0.001 m³ × 250 = 0.25 kg < 2 kg; 2 kg is in 0–5: $8.00.
    // Fuel 10 % × 8.00 = 0.80; GST 10 % × 8.80 = 0.88; total 9.68.
    let e = engine_with(&[]);
    assert_eq!(
        priced(
            &e,
            &order(2000, None, &[(2000, 100, 100, 100)]),
            "acme",
            "road"
        ),
        ([800, 0, 80, 88, 968], "SYD".into())
    );
}

#[test]
fn cubic_weight_beats_dead_weight() {
    // 2 kg in 40×40×40 cm: 0.064 m³ × 250 = 16 kg chargeable; band 5–30: 6.00 + 0.50 × 16 = 14.00.
    // Fuel 1.40; GST 10 % × 15.40 = 1.54; total 16.94.
    let e = engine_with(&[]);
    assert_eq!(
        priced(
            &e,
            &order(2000, None, &[(2000, 400, 400, 400)]),
            "acme",
            "road"
        )
        .0,
        [1400, 0, 140, 154, 1694]
    );
}

#[test]
fn weight_rounds_up_to_whole_kg() {
    // 5.2 kg → 6 kg (round_up_kg 1); band 5–30 to MEL: 7.00 + 0.80 × 6 = 11.80.
    // Fuel 1.18; GST 10 % × 12.98 = 1.298 → 1.30; total 14.28.
    let e = engine_with(&[]);
    assert_eq!(
        priced(
            &e,
            &order(3000, None, &[(5200, 100, 100, 100)]),
            "acme",
            "road"
        ),
        ([1180, 0, 118, 130, 1428], "MEL".into())
    );
}

#[test]
fn minimum_charge_applies() {
    // 1 kg to Broken Hill 2880 (zone NSW, lane SYD,*): 12.00 + 1.00 × 1 = 13.00 < min 15.00 → 15.00.
    // Fuel 1.50; GST 10 % × 16.50 = 1.65; total 18.15.
    let e = engine_with(&[]);
    assert_eq!(
        priced(
            &e,
            &order(2880, Some("BROKEN HILL"), &[(1000, 100, 100, 100)]),
            "acme",
            "road"
        ),
        ([1500, 0, 150, 165, 1815], "NSW".into())
    );
}

#[test]
fn suburb_override_and_remote_surcharge_without_fuel() {
    // Silverton shares 2880 with Broken Hill but is zone REMOTE: lane SYD,* again, 3 kg:
    // 12.00 + 3.00 = 15.00 (= the minimum). Remote $20.00 per consignment, not fuel-bearing:
    // fuel 10 % × 15.00 = 1.50; GST 10 % × (15.00 + 20.00 + 1.50) = 3.65; total 40.15.
    let e = engine_with(&[]);
    let o = order(2880, Some("Silverton"), &[(3000, 100, 100, 100)]);
    assert_eq!(
        priced(&e, &o, "acme", "road"),
        ([1500, 2000, 150, 365, 4015], "REMOTE".into())
    );
}

#[test]
fn per_item_surcharge_is_fuel_bearing() {
    // Two items to MEL: 25 kg (heavy: over 20 kg → $5) and 3 kg. Consignment 28 kg; band 5–30:
    // 7.00 + 0.80 × 28 = 29.40. Fuel 10 % × (29.40 + 5.00) = 3.44; GST 10 % × 37.84 = 3.784 → 3.78;
    // total 41.62.
    let e = engine_with(&[]);
    let o = order(
        3000,
        None,
        &[(25_000, 100, 100, 100), (3000, 100, 100, 100)],
    );
    assert_eq!(
        priced(&e, &o, "acme", "road").0,
        [2940, 500, 344, 378, 4162]
    );
}

#[test]
fn distance_band_inside_the_polygon() {
    // 2000's centroid (−33.8688, 151.2093) is ~27 km from syd (−33.9406, 150.9282): band 10–40 km,
    // $25.00; no fuel series → 0; GST 2.50; total 27.50. Zone from the polygon.
    let mut o = order(2000, None, &[(2000, 100, 100, 100)]);
    o.service_level = ServiceLevel::Express;
    let e = engine_with(&[]);
    assert_eq!(
        priced(&e, &o, "zip", "same_day"),
        ([2500, 0, 0, 250, 2750], "SYD_METRO".into())
    );
    // An exact point 5 km from the warehouse takes the first band: $15.00 + GST 1.50.
    o.to.point = Some((-33.9406 + 0.045, 150.9282));
    assert_eq!(priced(&e, &o, "zip", "same_day").0, [1500, 0, 0, 150, 1650]);
    // Inside the polygon but beyond 40 km: too far. Outside it: not serviced.
    o.to.point = Some((-33.52, 151.49));
    assert_eq!(excluded(&e, &o, "zip", "same_day"), ReasonCode::TooFar);
    o.to.point = None;
    o.to.postcode = 3000;
    assert_eq!(
        excluded(&e, &o, "zip", "same_day"),
        ReasonCode::DestinationNotServiced
    );
}

#[test]
fn limits_and_address_types_exclude_with_reasons() {
    let e = engine_with(&[]);
    assert_eq!(
        excluded(
            &e,
            &order(2000, None, &[(31_000, 100, 100, 100)]),
            "acme",
            "road"
        ),
        ReasonCode::TooHeavy
    );
    let mut o = order(2000, None, &[(1000, 100, 100, 100)]);
    o.to.address_type = AddressType::ParcelLocker;
    assert_eq!(excluded(&e, &o, "acme", "road"), ReasonCode::AddressType);
    o.to.address_type = AddressType::PoBox;
    assert!(
        priced(&e, &o, "acme", "road").0[4] > 0,
        "acme takes PO boxes"
    );
    o.dangerous_goods = true;
    assert_eq!(excluded(&e, &o, "acme", "road"), ReasonCode::DangerousGoods);
    // Express orders need an express service.
    let mut o = order(2000, None, &[(1000, 100, 100, 100)]);
    o.service_level = ServiceLevel::Express;
    assert_eq!(excluded(&e, &o, "acme", "road"), ReasonCode::ServiceLevel);
    // No zone for Perth.
    assert_eq!(
        excluded(
            &e,
            &order(6000, None, &[(1000, 100, 100, 100)]),
            "acme",
            "road"
        ),
        ReasonCode::DestinationNotServiced
    );
}

#[test]
fn kill_switch_reallocates() {
    let o = order(2000, None, &[(2000, 100, 100, 100)]);
    let on = engine_with(&[]);
    let q = on.quote(&o, &req()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        q.selected().map(|s| on.service_ids(s.service)),
        Some(("acme", "road"))
    );
    let off = engine_with(&[("carriers/acme.yaml", "enabled: true", "enabled: false")]);
    let q = off.quote(&o, &req()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        q.selected().map(|s| off.service_ids(s.service)),
        Some(("zip", "same_day"))
    );
    assert_eq!(
        excluded(&off, &o, "acme", "road"),
        ReasonCode::CarrierDisabled
    );
    let svc_off = engine_with(&[(
        "carriers/acme.yaml",
        "    name: Road\n",
        "    name: Road\n    enabled: false\n",
    )]);
    assert_eq!(
        excluded(&svc_off, &o, "acme", "road"),
        ReasonCode::ServiceDisabled
    );
}

#[test]
fn dated_tables_and_fuel_follow_the_ship_date() {
    // An older table at other prices, written beside the fixture copy.
    let (dir, manifest) = common::mutated(&[(
        "carriers/acme.yaml",
        "        - { from: 2026-07-01, file: rates/acme-road.csv }",
        "        - { from: 2026-07-01, file: rates/acme-road.csv }\n        - { from: 2026-01-01, to: 2026-06-30, file: rates/acme-old.csv }",
    )]);
    let root = manifest.parent().map(Path::to_path_buf).unwrap_or_default();
    std::fs::write(
        root.join("carriers/rates/acme-old.csv"),
        "from,to,eta_days,min_kg,max_kg,basic,per_kg\n*,*,3,0,30,7.00,0\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let e = load(&manifest).unwrap_or_else(|d| panic!("{d:#?}")).engine;
    let mut o = order(2000, None, &[(2000, 100, 100, 100)]);
    // June: old table ($7.00) and no fuel yet (series starts 2026-07-01): GST 0.70 → 7.70.
    o.ship_date = Some(date("2026-06-30"));
    assert_eq!(priced(&e, &o, "acme", "road").0, [700, 0, 0, 70, 770]);
    // July: the new table and 10 % fuel → 9.68 as above.
    o.ship_date = Some(date("2026-07-01"));
    assert_eq!(priced(&e, &o, "acme", "road").0, [800, 0, 80, 88, 968]);
    // Before every table: not effective.
    o.ship_date = Some(date("2025-12-31"));
    assert_eq!(excluded(&e, &o, "acme", "road"), ReasonCode::NotEffective);
    drop(dir);
}

#[test]
fn default_warehouses_and_nearest() {
    // default_from [syd]: only syd is considered.
    let e = engine_with(&[]);
    let o = order(3000, None, &[(2000, 100, 100, 100)]);
    let q = e.quote(&o, &req()).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(
        q.warehouses
            .iter()
            .map(|&w| e.warehouse_id(w))
            .collect::<Vec<_>>(),
        vec!["syd"]
    );
    // `nearest`: Melbourne orders ship from mel, Sydney orders from syd.
    let e = engine_with(&[(
        "warehouses.yaml",
        "default_from: [syd]",
        "default_from: [nearest]",
    )]);
    for (pc, want) in [(3000, "mel"), (2000, "syd")] {
        let q = e
            .quote(&order(pc, None, &[(2000, 100, 100, 100)]), &req())
            .unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(
            q.warehouses
                .iter()
                .map(|&w| e.warehouse_id(w))
                .collect::<Vec<_>>(),
            vec![want]
        );
    }
    // An order naming warehouses uses exactly those; an unknown one is an order error.
    let mut o = order(3000, None, &[(2000, 100, 100, 100)]);
    o.from = vec!["mel".into(), "syd".into()];
    let q = e.quote(&o, &req()).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(q.warehouses.len(), 2);
    o.from = vec!["per".into()];
    assert!(
        e.quote(&o, &req())
            .is_err_and(|err| err.code == "unknown_warehouse" && err.field == "from")
    );
}

#[test]
fn strategies_rank_differently() {
    // Express to 2000: acme is excluded (standard), so quote a standard order: acme $9.68 in 1 day,
    // zip $27.50 in 0 days.
    let e = engine_with(&[]);
    let o = order(2000, None, &[(2000, 100, 100, 100)]);
    let pick = |strategy| {
        let q = e
            .quote(&o, &QuoteRequest { strategy, ..req() })
            .unwrap_or_else(|err| panic!("{err}"));
        q.options
            .iter()
            .map(|x| e.service_ids(x.service).0)
            .collect::<Vec<_>>()
    };
    assert_eq!(pick(Strategy::Cheapest), vec!["acme", "zip"]);
    assert_eq!(pick(Strategy::Fastest), vec!["zip", "acme"]);
    assert_eq!(
        pick(Strategy::BestValue { within_days: 1 }),
        vec!["acme", "zip"]
    );
    assert_eq!(
        pick(Strategy::BestValue { within_days: 0 }),
        vec!["zip", "acme"]
    );
}

fn bundled() -> &'static Engine {
    use std::sync::OnceLock;
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| {
        load(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/lpo.yaml")))
            .unwrap_or_else(|d| panic!("{d:#?}"))
            .engine
    })
}

fn arb_order() -> impl PropStrategy<Value = Order> {
    let postcodes: Vec<u16> = bundled().postcodes.iter().map(|(p, _)| p).collect();
    (
        prop::sample::select(postcodes),
        prop::collection::vec((1u32..80_000, 10u32..2_500, 10u32..1_200, 10u32..800), 1..4),
        0usize..3,
        any::<bool>(),
        any::<bool>(),
        prop::sample::subsequence(vec!["bne", "mel", "syd"], 0..=3),
        0i64..300_000,
    )
        .prop_map(|(pc, parcels, addr, express, dg, from, declared)| {
            let mut o = order(pc, None, &[]);
            o.parcels = parcels
                .into_iter()
                .map(|(g, l, w, h)| Parcel::new(g, l, w, h))
                .collect();
            o.to.address_type = AddressType::ALL[addr];
            o.service_level = if express {
                ServiceLevel::Express
            } else {
                ServiceLevel::Standard
            };
            o.dangerous_goods = dg;
            o.from = from.into_iter().map(str::to_string).collect();
            o.declared_value = Some(Cents(declared));
            o
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Every (service, warehouse) is either priced or excluded with a reason, never both, never
    /// neither; lines add up; options are sorted; the batch path gives the same answer.
    #[test]
    fn every_service_is_priced_or_explained(o in arb_order()) {
        let e = bundled();
        let q = e.quote(&o, &req()).unwrap_or_else(|err| panic!("{err}"));
        for si in 0..e.services.len() as u32 {
            for &w in &q.warehouses {
                let priced = q.options.iter().filter(|x| x.service == si && x.warehouse == w).count();
                let why = q.excluded.iter().filter(|x| x.service == si && x.warehouse.is_none_or(|x| x == w)).count();
                prop_assert_eq!(priced + why, 1, "service {:?} from {}", e.service_ids(si), e.warehouse_id(w));
            }
        }
        for x in &q.options {
            let sum: i64 = q.lines(x).map(|(_, c)| c.0).sum();
            prop_assert_eq!(sum, x.total.0);
            prop_assert_eq!(x.base + x.surcharges + x.fuel + x.gst, x.total);
            prop_assert!(x.base.0 > 0 && x.fuel.0 >= 0 && x.gst.0 >= 0);
        }
        for pair in q.options.windows(2) {
            prop_assert!(pair[0].score <= pair[1].score);
        }
        let batch = e.quote_batch(std::slice::from_ref(&o), &req());
        prop_assert_eq!(batch.first().and_then(|r| r.as_ref().ok()), Some(&q));
    }
}

#[test]
fn batches_do_not_depend_on_thread_count() {
    let e = bundled();
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let orders: Vec<Order> = (0..400)
        .map(|_| {
            arb_order()
                .new_tree(&mut runner)
                .map(|t| t.current())
                .unwrap_or_default()
        })
        .collect();
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap_or_else(|err| panic!("{err}"));
        pool.install(|| e.quote_batch(&orders, &req()))
    };
    assert_eq!(run(1), run(2));
}

#[test]
fn per_kg_item_surcharges_use_unrounded_items_when_the_consignment_is_priced() {
    // acme prices the consignment and rounds it up to whole kg; a $1.00/kg per-item surcharge on
    // two 0.3 kg items charges 0.3 + 0.3 kg = $0.60 (not 1 kg + 1 kg). Base: 0.6 kg → 1 kg, band
    // 0–5 = $8.00. Fuel 10 % × 8.60 = 0.86; GST 10 % × 9.46 = 0.946 → 0.95; total 10.41.
    let e = engine_with(&[(
        "carriers/acme.yaml",
        "  - id: remote\n",
        "  - id: handling\n    per: item\n    amount: { per_kg: 1.00 }\n  - id: remote\n",
    )]);
    let o = order(2000, None, &[(300, 100, 100, 100), (300, 100, 100, 100)]);
    assert_eq!(priced(&e, &o, "acme", "road").0, [800, 60, 86, 95, 1041]);
}
