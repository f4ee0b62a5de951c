//! Using the LPO libraries directly: load the bundled configuration and quote one parcel.
//!
//! `cargo run --example quote_one`

use std::path::Path;

use lpo_engine::QuoteRequest;
use lpo_model::{Date, Order, Parcel, Strategy};

fn main() {
    let manifest = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/lpo.yaml"));
    let loaded = match lpo_config::load(manifest) {
        Ok(l) => l,
        Err(diagnostics) => {
            for d in diagnostics {
                eprintln!("{d}");
            }
            std::process::exit(2);
        }
    };
    let engine = &loaded.engine;
    let mut order = Order::default();
    order.to.postcode = 4000;
    order.to.residential = true;
    order.parcels = vec![Parcel::new(3_200, 400, 300, 200)];
    let date = Date::from_ymd(2026, 11, 26).unwrap_or_else(Date::today_utc);
    let request = QuoteRequest {
        strategy: Strategy::Cheapest,
        date,
        explain: true,
    };
    match engine.quote(&order, &request) {
        Ok(quote) => {
            for o in &quote.options {
                let (carrier, service) = engine.service_ids(o.service);
                println!(
                    "{carrier}/{service} from {}: ${} in {} days",
                    engine.warehouse_id(o.warehouse),
                    o.total,
                    o.eta_days
                );
            }
            for e in &quote.excluded {
                let (carrier, service) = engine.service_ids(e.service);
                println!("excluded {carrier}/{service}: {} {}", e.reason, e.detail);
            }
        }
        Err(e) => eprintln!("cannot quote: {e}"),
    }
}
