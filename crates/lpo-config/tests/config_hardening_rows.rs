//! Rows repeated in the CSV tables of a config (destination lists, zone tables, the postcode
//! table): each repeat is a `duplicate-row` warning naming its line and the first one, at most
//! 20 of them listed one by one and the rest counted in one more warning. A row repeated
//! 200,000 times is read in one pass: checked against everything before it, it would take
//! minutes.

// Test code asserts by panicking: the library-only denials of the workspace (clippy.toml)
// do not apply, here in its helpers as in its tests.
#![allow(clippy::panic, clippy::indexing_slicing)]

use std::path::Path;

use lpo_config::{Diagnostic, Severity, load};

mod support;

use support::{edit, mini, render, root_of, write};

/// Rows of a table: its header, `row` once, then `row` again `repeats` times.
fn repeated(header: &str, row: &str, repeats: usize) -> String {
    let mut s = format!("{header}\n{row}\n");
    for _ in 0..repeats {
        s.push_str(row);
        s.push('\n');
    }
    s
}

/// The warnings of a configuration that must load.
fn warnings(manifest: &Path) -> Vec<Diagnostic> {
    let loaded = load(manifest).unwrap_or_else(|d| panic!("{}", render(&d)));
    loaded.warnings
}

/// The `duplicate-row` warnings of `file` are 20 listed repeats (lines 3 to 22, each naming
/// line 2) and one counting the other `repeats - 20`.
#[track_caller]
fn assert_capped(w: &[Diagnostic], file: &str, repeats: usize) {
    let dup: Vec<&Diagnostic> = w
        .iter()
        .filter(|d| d.code == "duplicate-row" && d.file == file)
        .collect();
    assert_eq!(dup.len(), 21, "{}", render(w));
    for (i, d) in dup.iter().take(20).enumerate() {
        assert_eq!(d.severity, Severity::Warning, "{d}");
        assert_eq!(d.line, i as u64 + 3, "{d}");
        assert!(d.message.contains("repeats line 2"), "{d}");
    }
    let more = dup[20];
    assert_eq!(more.line, 23, "{more}");
    assert!(
        more.message.contains(&format!("and {} more", repeats - 20)),
        "{more}"
    );
}

/// The mini fixture with a `remote_area` surcharge on acme whose destinations are `csv`.
fn with_destinations(name: &str, csv: &str) -> std::path::PathBuf {
    let manifest = mini(name);
    let root = root_of(&manifest);
    edit(
        &root.join("carriers/acme.yaml"),
        "services:\n",
        "  - id: remote_area\n    per: consignment\n    amount: { fixed: 7.00 }\n    when:\n      destinations: areas/remote.csv\nservices:\n",
    );
    write(&root.join("carriers/areas/remote.csv"), csv);
    manifest
}

#[test]
fn a_destination_row_repeated_200_000_times_is_read_once_and_warned_about() {
    let csv = repeated("postcode,suburb", "2880,SILVERTON", 200_000);
    let manifest = with_destinations("destinations_repeated", &csv);
    assert_capped(&warnings(&manifest), "carriers/areas/remote.csv", 200_000);
}

#[test]
fn a_destination_row_repeated_in_another_case_is_the_same_row() {
    let manifest = with_destinations(
        "destinations_case",
        "postcode,suburb\n2880,SILVERTON\n2880,Broken Hill\n2880, silverton\n0800,\n0800,\n",
    );
    let w = warnings(&manifest);
    let dup: Vec<(u64, &str)> = w
        .iter()
        .filter(|d| d.code == "duplicate-row")
        .map(|d| (d.line, d.message.as_str()))
        .collect();
    assert_eq!(
        dup,
        vec![
            (4, "this row repeats line 2"),
            (6, "this row repeats line 5"),
        ],
        "{}",
        render(&w)
    );
}

#[test]
fn distinct_destination_rows_are_not_warned_about() {
    let mut csv = String::from("postcode,suburb\n");
    for i in 0..50_000 {
        csv.push_str(&format!("2880,PLACE {i}\n"));
    }
    let manifest = with_destinations("destinations_distinct", &csv);
    let w = warnings(&manifest);
    assert!(
        w.iter().all(|d| d.code != "duplicate-row"),
        "{}",
        render(&w)
    );
}

#[test]
fn a_zone_row_repeated_200_000_times_is_warned_about_not_an_overlap() {
    for (name, row) in [
        ("zones_repeated_range", "MEL,3000-3207,"),
        ("zones_repeated_suburb", "REMOTE,2880,SILVERTON"),
    ] {
        let manifest = mini(name);
        let zones = root_of(&manifest).join("carriers/zones/acme.csv");
        let rows = std::fs::read_to_string(&zones).unwrap_or_else(|e| panic!("{e}"));
        // The row moved to line 2, then repeated.
        let others: String = rows
            .lines()
            .skip(1)
            .filter(|l| *l != row)
            .map(|l| format!("{l}\n"))
            .collect();
        let csv = repeated("zone,postcodes,suburb", row, 200_000) + &others;
        write(&zones, &csv);
        assert_capped(&warnings(&manifest), "carriers/zones/acme.csv", 200_000);
    }
}

#[test]
fn conflicting_zone_rows_are_still_errors() {
    let manifest = mini("zones_conflicting");
    let zones = root_of(&manifest).join("carriers/zones/acme.csv");
    edit(
        &zones,
        "REMOTE,2880,SILVERTON",
        "REMOTE,2880,SILVERTON\nNSW,2880,SILVERTON\nREMOTE,0800,\nNSW,0800,\nSYD,3000-3207,",
    );
    let d = load(&manifest).err().unwrap_or_default();
    let overlaps: Vec<u64> = d
        .iter()
        .filter(|d| d.code == "zone-overlap" && d.severity == Severity::Error)
        .map(|d| d.line)
        .collect();
    assert_eq!(overlaps, vec![3, 6, 8], "{}", render(&d));
    let dup: Vec<u64> = d
        .iter()
        .filter(|d| d.code == "duplicate-row")
        .map(|d| d.line)
        .collect();
    assert!(dup.is_empty(), "{}", render(&d));
}

#[test]
fn a_postcode_row_repeated_200_000_times_is_warned_about() {
    let manifest = mini("postcodes_repeated");
    let table = root_of(&manifest).join("postcodes.tsv");
    let rows = std::fs::read_to_string(&table).unwrap_or_else(|e| panic!("{e}"));
    let mut lines = rows.lines();
    let header = lines.next().unwrap_or_default();
    let first = lines.next().unwrap_or_default().to_string();
    let rest: String = lines.map(|l| format!("{l}\n")).collect();
    write(&table, &(repeated(header, &first, 200_000) + &rest));
    assert_capped(&warnings(&manifest), "postcodes.tsv", 200_000);
}
