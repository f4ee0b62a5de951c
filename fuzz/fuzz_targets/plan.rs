//! The plan reader `lpo check` uses: no panic, and a plan it read, written again field by field,
//! reads back as the same records.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lpo_format::plan::{PLAN_COLUMNS, money_cents, read_plan};

fuzz_target!(|data: &[u8]| {
    let Ok(rows) = read_plan(data) else {
        return;
    };
    for r in &rows {
        let _ = r.status();
        for m in r.money() {
            let _ = money_cents(m);
        }
    }
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record(PLAN_COLUMNS)
        .expect("a Vec takes the header");
    for r in &rows {
        w.write_record(r.columns().map(|(_, v)| v))
            .expect("a Vec takes a row");
    }
    let text = w.into_inner().expect("a Vec flushes");
    if rows.is_empty() {
        return;
    }
    let again = read_plan(&text).expect("a plan written from read records reads");
    assert_eq!(
        again.len(),
        rows.len(),
        "records went missing in a write and a read"
    );
    for (a, b) in rows.iter().zip(&again) {
        assert!(
            a.columns().eq(b.columns()),
            "a record changed in a write and a read"
        );
    }
});
