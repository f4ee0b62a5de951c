//! Broken configurations: each mutation of the small valid fixture must give its stable code at
//! the right file and line, and all problems of one config must come out in one run.

use std::fs;
use std::path::Path;

use lpo_config::{Diagnostic, Severity, load};

mod common;

use common::mutated;

fn errors_of(edits: &[(&str, &str, &str)]) -> Vec<Diagnostic> {
    let (_dir, manifest) = mutated(edits);
    match load(&manifest) {
        Ok(_) => panic!("config with {edits:?} loaded without error"),
        Err(d) => d
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .collect(),
    }
}

#[track_caller]
fn expect_one(edits: &[(&str, &str, &str)], code: &str, file: &str, line: u64) -> Diagnostic {
    let errs = errors_of(edits);
    let hit = errs
        .iter()
        .find(|d| d.code == code && d.file == file && d.line == line);
    match hit {
        Some(d) => d.clone(),
        None => panic!("expected {code} at {file}:{line}, got {errs:#?}"),
    }
}

#[test]
fn the_fixture_itself_is_valid() {
    let (_dir, manifest) = mutated(&[]);
    let loaded = load(&manifest).unwrap_or_else(|d| panic!("{d:#?}"));
    assert!(loaded.warnings.is_empty(), "{:#?}", loaded.warnings);
    assert_eq!(loaded.engine.services.len(), 2);
}

#[test]
fn unknown_field_names_the_closest_one() {
    let d = expect_one(
        &[("carriers/acme.yaml", "enabled: true", "enabeld: true")],
        "unknown-field",
        "carriers/acme.yaml",
        3,
    );
    assert_eq!(d.hint.as_deref(), Some("did you mean `enabled`?"));
}

#[test]
fn band_gap_and_overlap() {
    expect_one(
        &[(
            "carriers/rates/acme-road.csv",
            "SYD,SYD,1,5,30",
            "SYD,SYD,1,6,30",
        )],
        "band-gap",
        "carriers/rates/acme-road.csv",
        3,
    );
    expect_one(
        &[(
            "carriers/rates/acme-road.csv",
            "SYD,MEL,2,5,30",
            "SYD,MEL,2,4,30",
        )],
        "band-overlap",
        "carriers/rates/acme-road.csv",
        5,
    );
    expect_one(
        &[(
            "carriers/rates/acme-road.csv",
            "SYD,SYD,1,0,5",
            "SYD,SYD,1,1,5",
        )],
        "band-start",
        "carriers/rates/acme-road.csv",
        2,
    );
}

#[test]
fn unknown_zone_in_rates_suggests_a_fix() {
    let d = expect_one(
        &[(
            "carriers/rates/acme-road.csv",
            "SYD,MEL,2,0,5",
            "SYD,MLE,2,0,5",
        )],
        "unknown-zone",
        "carriers/rates/acme-road.csv",
        4,
    );
    assert_eq!(d.column, 2);
    assert_eq!(d.hint.as_deref(), Some("did you mean `MEL`?"));
}

#[test]
fn unknown_zone_and_service_in_yaml_point_at_the_value() {
    expect_one(
        &[("carriers/acme.yaml", "zones: [REMOTE]", "zones: [REMOET]")],
        "unknown-zone",
        "carriers/acme.yaml",
        20,
    );
    let d = expect_one(
        &[(
            "carriers/acme.yaml",
            "  - id: heavy\n",
            "  - id: heavy\n    services: [raod]\n",
        )],
        "unknown-service",
        "carriers/acme.yaml",
        11,
    );
    assert_eq!(d.hint.as_deref(), Some("did you mean `road`?"));
}

#[test]
fn unreadable_cells_and_missing_prices() {
    let d = expect_one(
        &[("carriers/rates/acme-road.csv", "8.00,0,", "8.0x,0,")],
        "csv-invalid-cell",
        "carriers/rates/acme-road.csv",
        2,
    );
    assert_eq!(d.column, 6);
    expect_one(
        &[("carriers/rates/acme-road.csv", "8.00,0,", "0,0,")],
        "lane-no-price",
        "carriers/rates/acme-road.csv",
        2,
    );
    expect_one(
        &[(
            "carriers/rates/acme-road.csv",
            "SYD,MEL,2,5,30,7.00",
            "SYD,MEL,3,5,30,7.00",
        )],
        "lane-eta-mismatch",
        "carriers/rates/acme-road.csv",
        5,
    );
}

#[test]
fn overlapping_zone_ranges() {
    expect_one(
        &[(
            "carriers/zones/acme.csv",
            "MEL,3000-3207,",
            "MEL,2200-3207,",
        )],
        "zone-overlap",
        "carriers/zones/acme.csv",
        4,
    );
    expect_one(
        &[("carriers/zones/acme.csv", "MEL,3000-3207,", "MEL,30x0,")],
        "invalid-postcode",
        "carriers/zones/acme.csv",
        3,
    );
}

#[test]
fn invalid_geojson() {
    let e = errors_of(&[(
        "carriers/geo/syd.geojson",
        "[150.5, -34.3]]]",
        "[150.6, -34.3]]]",
    )]);
    assert!(
        e.iter()
            .any(|d| d.code == "invalid-geojson" && d.file == "carriers/geo/syd.geojson"),
        "{e:#?}"
    );
    let e = errors_of(&[(
        "carriers/geo/syd.geojson",
        "{\"type\": \"Feature\"",
        "{\"type\": \"Feature\",,",
    )]);
    assert!(e.iter().any(|d| d.code == "invalid-geojson"), "{e:#?}");
    // A bow-tie (self-intersecting) polygon.
    let e = errors_of(&[(
        "carriers/geo/syd.geojson",
        "[151.5, -34.3], [151.5, -33.5]",
        "[151.5, -33.5], [151.5, -34.3]",
    )]);
    assert!(
        e.iter()
            .any(|d| d.code == "invalid-geojson" && d.message.contains("invalid polygon")),
        "{e:#?}"
    );
}

#[test]
fn yaml_abuse_is_refused_cleanly() {
    // Duplicate keys.
    expect_one(
        &[(
            "carriers/acme.yaml",
            "name: Acme Road\n",
            "name: Acme Road\nname: Acme\n",
        )],
        "duplicate-key",
        "carriers/acme.yaml",
        3,
    );
    // Tabs for indentation.
    let e = errors_of(&[(
        "carriers/acme.yaml",
        "  file: zones/acme.csv",
        "\tfile: zones/acme.csv",
    )]);
    assert!(
        e.iter()
            .any(|d| d.file == "carriers/acme.yaml" && d.code == "yaml-syntax"),
        "{e:#?}"
    );
    // A billion-laughs alias bomb must fail fast, not expand.
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let prev = (b'a' + i - 1) as char;
        let cur = (b'a' + i) as char;
        bomb.push_str(&format!("{cur}: &{cur} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
    }
    let (_dir, manifest) = mutated(&[]);
    let root = manifest.parent().map(Path::to_path_buf).unwrap_or_default();
    fs::write(root.join("carriers/bomb.yaml"), bomb).unwrap_or_else(|e| panic!("{e}"));
    let errs = load(&manifest).err().unwrap_or_default();
    assert!(
        errs.iter().any(|d| d.file == "carriers/bomb.yaml"),
        "{errs:#?}"
    );
    // Deep nesting.
    let deep = format!("carrier: {}x{}\n", "[".repeat(5000), "]".repeat(5000));
    fs::write(root.join("carriers/bomb.yaml"), deep).unwrap_or_else(|e| panic!("{e}"));
    let errs = load(&manifest).err().unwrap_or_default();
    assert!(
        errs.iter().any(|d| d.file == "carriers/bomb.yaml"),
        "{errs:#?}"
    );
    // Binary garbage.
    fs::write(
        root.join("carriers/bomb.yaml"),
        [0xff, 0xfe, 0x00, 0x9f, 0x92, 0x96],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let errs = load(&manifest).err().unwrap_or_default();
    assert!(
        errs.iter()
            .any(|d| d.file == "carriers/bomb.yaml" && d.code == "not-utf8"),
        "{errs:#?}"
    );
}

#[test]
fn paths_may_not_leave_the_config_root() {
    expect_one(
        &[(
            "carriers/acme.yaml",
            "file: zones/acme.csv",
            "file: ../../lpo.yaml",
        )],
        "path-outside-root",
        "carriers/acme.yaml",
        5,
    );
    expect_one(
        &[(
            "carriers/acme.yaml",
            "file: zones/acme.csv",
            "file: zones/nope.csv",
        )],
        "file-not-found",
        "carriers/acme.yaml",
        5,
    );
}

#[test]
fn surcharge_mistakes() {
    expect_one(
        &[(
            "carriers/acme.yaml",
            "amount: { fixed: 5.00 }",
            "amount: { fixed: 5.00, per_kg: 1 }",
        )],
        "amount-count",
        "carriers/acme.yaml",
        10,
    );
    expect_one(
        &[(
            "carriers/acme.yaml",
            "weight_kg: { over: 20 }",
            "weight_kg: { over: 20, under: 10 }",
        )],
        "contradictory-condition",
        "carriers/acme.yaml",
        14,
    );
    expect_one(
        &[(
            "carriers/acme.yaml",
            "amount: { fixed: 5.00 }",
            "amount: { pct_of_base: 5 }",
        )],
        "pct-needs-consignment",
        "carriers/acme.yaml",
        10,
    );
    let e = errors_of(&[(
        "carriers/acme.yaml",
        "amount: { fixed: 5.00 }",
        "amount: { fixed: 5.001 }",
    )]);
    assert!(
        e.iter().any(|d| d.code == "invalid-value" && d.line == 12),
        "{e:#?}"
    );
}

#[test]
fn every_problem_is_reported_in_one_run() {
    let errs = errors_of(&[
        ("carriers/acme.yaml", "zones: [REMOTE]", "zones: [REMOET]"),
        (
            "carriers/rates/acme-road.csv",
            "SYD,SYD,1,5,30",
            "SYD,SYD,1,6,30",
        ),
        (
            "carriers/rates/acme-road.csv",
            "SYD,MEL,2,0,5",
            "SYD,MLE,2,0,5",
        ),
        (
            "carriers/zones/acme.csv",
            "MEL,3000-3207,",
            "MEL,2200-3207,",
        ),
        ("carriers/zip.yaml", "name: Same Day", "nmae: Same Day"),
    ]);
    let mut codes: Vec<&str> = errs.iter().map(|d| d.code).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(
        codes,
        vec!["unknown-field", "unknown-zone", "zone-overlap"],
        "{errs:#?}"
    );
    // The rate table with the unknown zone is reported; its gap is found once the zone is fixed.
    let errs = errors_of(&[
        (
            "carriers/rates/acme-road.csv",
            "SYD,SYD,1,5,30",
            "SYD,SYD,1,6,30",
        ),
        (
            "carriers/zones/acme.csv",
            "MEL,3000-3207,",
            "MEL,2200-3207,",
        ),
        ("carriers/zip.yaml", "name: Same Day", "nmae: Same Day"),
    ]);
    let mut codes: Vec<&str> = errs.iter().map(|d| d.code).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(
        codes,
        vec!["band-gap", "unknown-field", "zone-overlap"],
        "{errs:#?}"
    );
}

#[test]
fn zones_without_a_rate_are_warned_about() {
    // Without the `SYD,*` row, orders from syd to NSW and REMOTE would all be `no_lane`.
    let (_dir, manifest) = mutated(&[(
        "carriers/rates/acme-road.csv",
        "SYD,*,4,0,30,12.00,1.00,15.00\n",
        "",
    )]);
    let loaded = load(&manifest).unwrap_or_else(|d| panic!("{d:#?}"));
    let w: Vec<&Diagnostic> = loaded
        .warnings
        .iter()
        .filter(|d| d.code == "lane-missing")
        .collect();
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(
        w[0].message,
        "acme/road has no rate from zone SYD (warehouse `syd`) to NSW, REMOTE"
    );
    assert_eq!((w[0].file.as_str(), w[0].line), ("carriers/acme.yaml", 22));
}

#[test]
fn blank_lines_in_a_csv_do_not_shift_the_reported_line() {
    // The bad cell is on line 4 of the file, after a blank line 3.
    let errs = errors_of(&[(
        "carriers/rates/acme-road.csv",
        "SYD,SYD,1,0,5,8.00,0,\n",
        "SYD,SYD,1,0,5,8.00,0,\n\nSYD,SYD,1,5,30,6.0x,0.50,\n",
    )]);
    assert!(
        errs.iter()
            .any(|d| d.code == "csv-invalid-cell" && d.line == 4),
        "{errs:#?}"
    );
}

#[test]
fn a_carrier_with_too_many_zones_is_refused_at_the_row() {
    // Four zones, then suburb overrides naming a new zone each: the 2,001st zone (`Z1996`) is
    // on line 6 + 1996 = 2002.
    let extra: String = (0..2000).map(|i| format!("\nZ{i},2880,SUB{i}")).collect();
    let replace = format!("REMOTE,2880,SILVERTON{extra}");
    let d = expect_one(
        &[("carriers/zones/acme.csv", "REMOTE,2880,SILVERTON", &replace)],
        "too-many-zones",
        "carriers/zones/acme.csv",
        2002,
    );
    assert!(d.message.contains("more than 2000 zones"), "{}", d.message);
}
