//! Engine time of quoting one order across every bundled service — without rules, with the
//! bundled rules, and with 1,000 generated rules — and of loading the config.
//!
//! `cargo bench --bench quote`

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use lpo_engine::rules::{Action, Expr, Pred, Rule, Targets};
use lpo_engine::{Engine, QuoteRequest, Range};
use lpo_model::{Bp, Cents, Date, Order, Parcel, Strategy};

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

/// 1,000 rules of the shapes analysts write: postcode-range exclusions, weight-band penalties,
/// carrier/state surcharges on the score, and zone preferences, spread over the carriers.
fn generated_rules(engine: &Engine) -> Vec<Rule> {
    let carriers = engine.carriers.len() as u16;
    (0..1000u32)
        .map(|i| {
            let carrier = (i % u32::from(carriers)) as u16;
            let lo = 800 + (i * 7) % 9000;
            let (when, action) = match i % 4 {
                0 => (
                    Expr::Leaf(Pred::Postcodes(vec![(lo as u16, (lo + 40) as u16)])),
                    Action::Exclude(Targets {
                        carriers: vec![carrier],
                        services: vec![],
                    }),
                ),
                1 => (
                    Expr::Leaf(Pred::ConsignmentG(Range {
                        over: Some(i64::from(i) * 37),
                        ..Range::default()
                    })),
                    Action::Adjust {
                        targets: Targets {
                            carriers: vec![carrier],
                            services: vec![],
                        },
                        amount: Cents(50),
                        pct: Bp(0),
                    },
                ),
                2 => (
                    Expr::All(vec![
                        Expr::Leaf(Pred::Carrier(vec![carrier])),
                        Expr::Leaf(Pred::PriceCents(Range {
                            over: Some(i64::from(i) * 10),
                            ..Range::default()
                        })),
                    ]),
                    Action::Adjust {
                        targets: Targets::default(),
                        amount: Cents(0),
                        pct: Bp(100),
                    },
                ),
                _ => (
                    Expr::Any(vec![
                        Expr::Leaf(Pred::Postcodes(vec![(lo as u16, (lo + 5) as u16)])),
                        Expr::Not(Box::new(Expr::Leaf(Pred::Residential(true)))),
                    ]),
                    Action::Prefer(Targets {
                        carriers: vec![carrier],
                        services: vec![],
                    }),
                ),
            };
            Rule {
                id: format!("gen-{i}"),
                description: "generated".into(),
                reason: None,
                location: format!("bench:{i}"),
                when,
                actions: vec![action],
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let loaded = match lpo_config::load(manifest()) {
        Ok(l) => l,
        Err(d) => panic!("bundled config is invalid: {d:?}"),
    };
    let with_rules = &loaded.engine;
    let mut no_rules = with_rules.clone();
    no_rules.clear_rules();
    let mut many = no_rules.clone();
    let generated = generated_rules(&many);
    many.set_rules(generated);
    let date = Date::from_ymd(2026, 11, 26).unwrap_or(Date::from_days(0));
    let req = QuoteRequest {
        strategy: Strategy::Cheapest,
        date,
        explain: false,
    };
    let one = order(&["syd"]);
    let three = order(&[]);
    let mut g = c.benchmark_group("quote");
    g.bench_function("1 parcel, 1 warehouse, no rules", |b| {
        b.iter(|| black_box(no_rules.quote(black_box(&one), &req)))
    });
    g.bench_function("1 parcel, 1 warehouse, bundled rules", |b| {
        b.iter(|| black_box(with_rules.quote(black_box(&one), &req)))
    });
    g.bench_function("1 parcel, 1 warehouse, 1000 generated rules", |b| {
        b.iter(|| black_box(many.quote(black_box(&one), &req)))
    });
    g.bench_function("1 parcel, 3 warehouses, bundled rules", |b| {
        b.iter(|| black_box(with_rules.quote(black_box(&three), &req)))
    });
    let explain = QuoteRequest {
        explain: true,
        ..req
    };
    g.bench_function("1 parcel, 1 warehouse, bundled rules, explanations", |b| {
        b.iter(|| black_box(with_rules.quote(black_box(&one), &explain)))
    });
    g.finish();
    let mut g = c.benchmark_group("config");
    g.sample_size(20);
    g.bench_function("load, validate and index the bundled config", |b| {
        b.iter(|| black_box(lpo_config::load(manifest()).is_ok()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
