//! Engine time of quoting one order across every bundled service, and of loading the config.
//!
//! `cargo bench --bench quote`

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use lpo_engine::QuoteRequest;
use lpo_model::{Date, Order, Parcel, Strategy};

fn manifest() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/lpo.yaml"))
}

fn order(from: &[&str]) -> Order {
    let mut o = Order {
        id: "bench".into(),
        ..Order::default()
    };
    o.to.postcode = 3000;
    o.to.suburb = Some("MELBOURNE".into());
    o.to.residential = true;
    o.parcels = vec![Parcel::new(2500, 300, 200, 100)];
    o.from = from.iter().map(|s| s.to_string()).collect();
    o
}

fn bench(c: &mut Criterion) {
    let loaded = match lpo_config::load(manifest()) {
        Ok(l) => l,
        Err(d) => panic!("bundled config is invalid: {d:?}"),
    };
    let engine = &loaded.engine;
    let date = Date::from_ymd(2026, 11, 26).unwrap_or(Date::from_days(0));
    let req = QuoteRequest {
        strategy: Strategy::Cheapest,
        date,
        explain: false,
    };
    let one = order(&["syd"]);
    let three = order(&[]);
    c.bench_function("quote/1 parcel, 1 warehouse, all services", |b| {
        b.iter(|| black_box(engine.quote(black_box(&one), &req)))
    });
    c.bench_function("quote/1 parcel, 3 warehouses, all services", |b| {
        b.iter(|| black_box(engine.quote(black_box(&three), &req)))
    });
    let explain = QuoteRequest {
        explain: true,
        ..req
    };
    c.bench_function("quote/1 parcel, 1 warehouse, with explanations", |b| {
        b.iter(|| black_box(engine.quote(black_box(&one), &explain)))
    });
    let mut g = c.benchmark_group("config");
    g.sample_size(20);
    g.bench_function("load and index the bundled config", |b| {
        b.iter(|| black_box(lpo_config::load(manifest()).is_ok()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
