//! The quote request JSON (`POST /v1/quote`, `lpo quote --input`): no panic in parsing, in the
//! checks that turn it into an order, or in pricing that order with the bundled configuration;
//! the answer serialises, every option's lines add up to its total, and the selected option is
//! one of the priced ones.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use lpo_engine::{Engine, QuoteRequest};
use lpo_format::output::quote_json;
use lpo_format::request::QuoteRequestJson;
use lpo_model::{Date, Strategy};

static ENGINE: LazyLock<Engine> = LazyLock::new(|| {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../lpo.yaml");
    lpo_config::load(std::path::Path::new(manifest))
        .expect("the bundled configuration loads")
        .engine
});

fuzz_target!(|data: &[u8]| {
    let Ok(req) = serde_json::from_slice::<QuoteRequestJson>(data) else {
        return;
    };
    let Ok((order, strategy, explain)) = req.into_order() else {
        return;
    };
    let qreq = QuoteRequest {
        strategy: strategy.unwrap_or(Strategy::Cheapest),
        date: "2026-11-26".parse::<Date>().expect("a date"),
        explain,
    };
    let Ok(q) = ENGINE.quote(&order, &qreq) else {
        return;
    };
    let j = quote_json(&ENGINE, &q);
    serde_json::to_vec(&j).expect("the quote answer serialises");
    for o in &j.options {
        let sum: i64 = o.lines.iter().map(|l| l.amount_cents).sum();
        assert_eq!(sum, o.total_cents, "price lines do not add up to the total");
    }
    if let Some(sel) = &j.selected {
        assert!(
            j.options
                .iter()
                .any(|o| (o.carrier, o.service, o.from) == (sel.carrier, sel.service, sel.from)),
            "the selected service is not among the options"
        );
    }
});
