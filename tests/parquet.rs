//! Parquet in and out of the `lpo` binary: a Parquet orders file gives the plan its CSV gives,
//! a Parquet plan and options table hold exactly what the CSV ones say, outputs are
//! byte-identical run to run, and a bad Parquet file is a clear error, never a panic.

mod common;
use common::{lpo, root};
use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use lpo_arrow::parquet_file::{read_parquet, write_parquet};
use lpo_arrow::table::{self, Kind};

fn s(p: &Path) -> &str {
    p.to_str().unwrap_or("")
}

fn run(args: &[&str]) -> std::process::Output {
    lpo(args, &root())
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The orders CSV as a Parquet file: every column text (as Spark reads a CSV), or with LPO's
/// typed columns.
fn to_parquet(csv: &Path, out: &Path, typed: bool) {
    let text = std::fs::read(csv).unwrap_or_else(|e| panic!("{csv:?}: {e}"));
    let known: &[table::Column] = if typed { &table::ORDERS } else { &[] };
    let batch = table::from_csv(known, &text).unwrap_or_else(|e| panic!("{csv:?}: {e}"));
    write_parquet(out, &batch).unwrap_or_else(|e| panic!("{e}"));
}

/// The rows of a CSV file, header included, as text fields.
fn csv_rows(p: &Path) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(p)
        .unwrap_or_else(|e| panic!("{p:?}: {e}"));
    r.records()
        .map(|r| {
            r.unwrap_or_else(|e| panic!("{e}"))
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect()
}

/// A Parquet table of `cols` as text rows, header first, as LPO's CSV writes them.
fn parquet_rows(p: &Path, cols: &[table::Column]) -> Vec<Vec<String>> {
    let batches = read_parquet(p).unwrap_or_else(|e| panic!("{e}"));
    let mut rows = vec![cols.iter().map(|c| c.name.to_string()).collect::<Vec<_>>()];
    for b in &batches {
        table::check_types(cols, b).unwrap_or_else(|e| panic!("{p:?}: {e}"));
        rows.extend(table::text_rows(cols, b).unwrap_or_else(|e| panic!("{e}")));
    }
    rows
}

#[test]
fn parquet_orders_give_the_csv_plan_and_parquet_outputs_say_what_the_csv_says() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path();
    let date = ["--greedy", "--date", "2026-11-26", "-q"];
    let csv_run = |orders: &Path, out: &Path, opts: &Path| {
        let o = run(&[
            &[
                "optimise",
                "--orders",
                s(orders),
                "--out",
                s(out),
                "--options-out",
                s(opts),
            ][..],
            &date[..],
        ]
        .concat());
        assert!(matches!(o.status.code(), Some(0 | 3)), "{}", stderr(&o));
    };
    // As text (how Spark reads a CSV), the file with bad rows, consignments, a warehouse list
    // and an unallocatable order; typed, the sample (typed columns cannot hold `1.5kg`).
    for (file, typed) in [("orders-with-errors.csv", false), ("orders.csv", true)] {
        let orders = root().join("examples").join(file);
        csv_run(&orders, &d.join("plan.csv"), &d.join("options.csv"));
        let pq = d.join(format!("orders-{typed}.parquet"));
        to_parquet(&orders, &pq, typed);
        // Parquet in, CSV out: the same bytes as from the CSV.
        csv_run(&pq, &d.join("from-pq.csv"), &d.join("from-pq-options.csv"));
        assert_eq!(
            std::fs::read(d.join("from-pq.csv")).ok(),
            std::fs::read(d.join("plan.csv")).ok(),
            "{file}"
        );
        assert_eq!(
            std::fs::read(d.join("from-pq-options.csv")).ok(),
            std::fs::read(d.join("options.csv")).ok()
        );
        // Parquet out: typed columns that say what the CSV says.
        csv_run(&pq, &d.join("plan.parquet"), &d.join("options.parquet"));
        assert_eq!(
            parquet_rows(&d.join("plan.parquet"), &table::PLAN),
            csv_rows(&d.join("plan.csv"))
        );
        assert_eq!(
            parquet_rows(&d.join("options.parquet"), &table::OPTIONS),
            csv_rows(&d.join("options.csv"))
        );
    }
    // The same inputs write the same Parquet bytes.
    let first = std::fs::read(d.join("plan.parquet")).ok();
    let pq = d.join("orders-true.parquet");
    csv_run(&pq, &d.join("plan.parquet"), &d.join("options.parquet"));
    assert_eq!(std::fs::read(d.join("plan.parquet")).ok(), first);
    // `--format parquet` overrides the extension.
    let o = run(&[
        &[
            "optimise",
            "--orders",
            s(&pq),
            "--out",
            s(&d.join("plan.out")),
        ][..],
        &["--format", "parquet"][..],
        &date[..],
    ]
    .concat());
    assert!(matches!(o.status.code(), Some(0 | 3)), "{}", stderr(&o));
    assert_eq!(std::fs::read(d.join("plan.out")).ok(), first);
    // `lpo check` reads the Parquet plan.
    let o = run(&[
        "check",
        "--no-constraints",
        "--date",
        "2026-11-26",
        "--orders",
        s(&pq),
        "--plan",
        s(&d.join("plan.parquet")),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn gen_orders_writes_typed_parquet_holding_the_csv_values() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (csv, pq) = (dir.path().join("o.csv"), dir.path().join("o.parquet"));
    for out in [&csv, &pq] {
        let o = run(&[
            "gen-orders",
            "--count",
            "300",
            "--seed",
            "5",
            "--date",
            "2026-11-26",
            "--out",
            s(out),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let batches = read_parquet(&pq).unwrap_or_else(|e| panic!("{e}"));
    let schema = batches
        .first()
        .map(|b| b.schema())
        .unwrap_or_else(|| panic!("no batch"));
    let ty = |n: &str| {
        schema
            .field_with_name(n)
            .map(|f| f.data_type().clone())
            .ok()
    };
    assert_eq!(ty("weight_kg"), Some(DataType::Decimal128(12, 3)));
    assert_eq!(ty("ship_date"), Some(DataType::Date32));
    assert_eq!(ty("residential"), Some(DataType::Boolean));
    assert_eq!(ty("to_postcode"), Some(DataType::Utf8));
    // Read back as text, the typed file holds the CSV's values (`0.29` kg reads as `0.290`: the
    // same decimal, rendered at the column's scale).
    let want = csv_rows(&csv);
    let header = want.first().cloned().unwrap_or_default();
    let cols: Vec<table::Column> = header
        .iter()
        .map(|n| {
            *table::ORDERS
                .iter()
                .find(|c| c.name == n)
                .unwrap_or_else(|| panic!("{n} is an orders column"))
        })
        .collect();
    let mut got = Vec::new();
    for b in &batches {
        got.extend(table::text_rows(&cols, b).unwrap_or_else(|e| panic!("{e}")));
    }
    assert_eq!(got.len() + 1, want.len());
    for (g, w) in got.iter().zip(want.iter().skip(1)) {
        for ((v, w), c) in g.iter().zip(w).zip(&cols) {
            let scale = match c.kind {
                Kind::Decimal { scale, .. } => Some(u32::from(scale)),
                Kind::Money => Some(2),
                _ => None,
            };
            match scale {
                Some(s) if !w.is_empty() => {
                    assert_eq!(
                        lpo_model::parse_decimal(v, s, false).ok(),
                        lpo_model::parse_decimal(w, s, false).ok(),
                        "{}: {v} vs {w}",
                        c.name
                    );
                }
                _ => assert_eq!(v, w, "{}", c.name),
            }
        }
    }
}

#[test]
fn bad_parquet_files_are_clear_errors_naming_the_column_or_the_file() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path();
    let optimise = |orders: &Path| {
        run(&[
            "optimise",
            "--greedy",
            "--orders",
            s(orders),
            "--out",
            s(&d.join("p.csv")),
            "-q",
        ])
    };
    let strings = |v: &[&str]| -> ArrayRef { Arc::new(StringArray::from(v.to_vec())) };
    let write = |name: &str, cols: Vec<(&str, ArrayRef)>| {
        let fields: Vec<Field> = cols
            .iter()
            .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
            .collect();
        let batch = RecordBatch::try_new(
            Arc::new(Schema::new(fields)),
            cols.into_iter().map(|(_, a)| a).collect(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let p = d.join(name);
        write_parquet(&p, &batch).unwrap_or_else(|e| panic!("{e}"));
        p
    };
    // A missing column: exit 2, naming it.
    let p = write(
        "missing.parquet",
        vec![
            ("order_id", strings(&["A"])),
            ("to_postcode", strings(&["2000"])),
        ],
    );
    let o = optimise(&p);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("lacks required column(s): weight_kg, length_cm, width_cm, height_cm"),
        "{}",
        stderr(&o)
    );
    // A column of a type that holds no order field: exit 2, naming it.
    let list: ArrayRef = Arc::new(arrow_array::ListArray::new_null(
        Arc::new(Field::new("item", DataType::Utf8, true)),
        1,
    ));
    let p = write(
        "list.parquet",
        vec![
            ("order_id", strings(&["A"])),
            ("to_postcode", strings(&["2000"])),
            ("weight_kg", strings(&["1"])),
            ("length_cm", list),
            ("width_cm", strings(&["1"])),
            ("height_cm", strings(&["1"])),
        ],
    );
    let o = optimise(&p);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("column `length_cm` has type List"),
        "{}",
        stderr(&o)
    );
    // Damaged files: exit 1 with a message naming the file, no panic.
    let good = write(
        "good.parquet",
        vec![
            ("order_id", strings(&["A", "B"])),
            ("to_postcode", strings(&["2000", "3000"])),
            ("weight_kg", strings(&["1", "2"])),
            ("length_cm", strings(&["10", "10"])),
            ("width_cm", strings(&["10", "10"])),
            ("height_cm", strings(&["10", "10"])),
        ],
    );
    let bytes = std::fs::read(&good).unwrap_or_else(|e| panic!("{e}"));
    let mut cases: Vec<(String, Vec<u8>)> = vec![
        ("empty".into(), Vec::new()),
        ("text".into(), b"order_id,to_postcode\nA,2000\n".to_vec()),
        (
            "truncated".into(),
            bytes.get(..bytes.len() / 2).unwrap_or(&[]).to_vec(),
        ),
    ];
    // Every byte of the footer flipped in turn, where the damage is hardest to notice.
    for i in bytes.len().saturating_sub(40)..bytes.len() - 4 {
        let mut b = bytes.clone();
        if let Some(x) = b.get_mut(i) {
            *x ^= 0xA5;
        }
        cases.push((format!("flip{i}"), b));
    }
    for (name, b) in cases {
        let p = d.join(format!("{name}.parquet"));
        std::fs::write(&p, b).unwrap_or_else(|e| panic!("{e}"));
        let o = optimise(&p);
        let err = stderr(&o);
        assert!(!err.contains("panicked"), "{name}: {err}");
        // A flipped byte may leave a readable file (a statistic, say): then the run is normal.
        match o.status.code() {
            Some(1) => assert!(err.contains(&format!("{name}.parquet")), "{name}: {err}"),
            Some(0 | 2 | 3) if name.starts_with("flip") => {}
            c => panic!("{name}: exit {c:?}: {err}"),
        }
    }
}
