//! `lpo quote`: one order, every service, ranked, with the reasons for every exclusion.

use std::path::PathBuf;

use lpo_engine::{Engine, Quote, QuoteRequest};
use lpo_format::output::{kg_str, quote_json};
use lpo_format::request::QuoteRequestJson;
use lpo_model::{
    AddressType, Cents, Date, Line, Order, Parcel, ServiceLevel, State, Strategy, parse_decimal,
};

use crate::common::{Failure, Global, Outcome, date_or_today, load_config, parse_date};
use lpo_model::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub order: OrderArgs,
    /// Print the contract's quote JSON.
    #[arg(long)]
    json: bool,
}

/// An order given on the command line, or as a quote request JSON file.
#[derive(Debug, clap::Args)]
pub struct OrderArgs {
    /// A quote request JSON file (see docs/formats.md); `-` reads standard input.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["to_postcode", "weight_kg"])]
    input: Option<PathBuf>,
    /// Destination postcode (4 digits).
    #[arg(long)]
    to_postcode: Option<String>,
    #[arg(long)]
    to_suburb: Option<String>,
    #[arg(long)]
    to_state: Option<State>,
    /// Dead weight of a parcel in kg; repeat with --dims-cm for several parcels.
    #[arg(long)]
    weight_kg: Vec<String>,
    /// Parcel dimensions LxWxH in cm, one per --weight-kg.
    #[arg(long, value_name = "LxWxH")]
    dims_cm: Vec<String>,
    /// Candidate warehouses, comma-separated; default: the configured default.
    #[arg(long, value_delimiter = ',')]
    from: Vec<String>,
    #[arg(long, default_value = "street")]
    address_type: AddressType,
    /// Business address (residential is the default).
    #[arg(long)]
    business: bool,
    #[arg(long, default_value = "standard")]
    service_level: ServiceLevel,
    /// Ship date (YYYY-MM-DD); default today.
    #[arg(long, value_parser = parse_date)]
    date: Option<Date>,
    /// Declared value in AUD.
    #[arg(long)]
    declared_value: Option<String>,
    #[arg(long)]
    dangerous_goods: bool,
    #[arg(long)]
    signature: bool,
    /// cheapest, fastest or best_value.
    #[arg(long, default_value = "cheapest")]
    strategy: Strategy,
    /// best_value: how many days slower than the fastest an option may be.
    #[arg(long, default_value_t = 1)]
    within_days: u8,
}

fn parse_dims(s: &str) -> Result<(u32, u32, u32), String> {
    let parts: Vec<&str> = s.split(['x', 'X', '×']).collect();
    let [l, w, h] = parts.as_slice() else {
        return Err(format!("--dims-cm `{s}` is not LxWxH"));
    };
    let cm = |v: &str| match parse_decimal(v, 1, true) {
        Ok(n) if n > 0 && n <= 20_000 => u32::try_from(n).map_err(|e| e.to_string()),
        _ => Err(format!(
            "--dims-cm `{s}`: `{v}` is not a positive length in cm"
        )),
    };
    Ok((cm(l)?, cm(w)?, cm(h)?))
}

fn order_from_flags(a: &OrderArgs) -> Result<Order, Failure> {
    if a.to_postcode.is_none() || a.weight_kg.is_empty() {
        return Err(Failure::usage(
            "give --to-postcode, --weight-kg and --dims-cm, or --input FILE",
        ));
    }
    let pc = a.to_postcode.as_deref().unwrap_or("").trim();
    if pc.len() != 4 || !pc.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Failure::usage(format!(
            "--to-postcode `{pc}` is not a 4-digit postcode"
        )));
    }
    if a.dims_cm.len() != a.weight_kg.len() {
        return Err(Failure::usage(format!(
            "give one --dims-cm per --weight-kg ({} weights, {} dimensions)",
            a.weight_kg.len(),
            a.dims_cm.len()
        )));
    }
    let mut parcels = Vec::new();
    for (w, d) in a.weight_kg.iter().zip(&a.dims_cm) {
        let g = match parse_decimal(w, 3, true) {
            Ok(g) if g > 0 && g <= 10_000_000 => g as u32,
            _ => {
                return Err(Failure::usage(format!(
                    "--weight-kg `{w}` is not a positive weight in kg"
                )));
            }
        };
        let (l, wd, h) = parse_dims(d).map_err(Failure::usage)?;
        parcels.push(Parcel::new(g, l, wd, h));
    }
    let mut o = Order {
        id: "quote".into(),
        parcels,
        from: a.from.clone(),
        ..Order::default()
    };
    o.to.postcode = pc.parse().unwrap_or(0);
    o.to.suburb = a.to_suburb.as_ref().map(|s| s.trim().to_uppercase());
    o.to.state = a.to_state;
    o.to.address_type = a.address_type;
    o.to.residential = !a.business;
    o.service_level = a.service_level;
    o.ship_date = a.date;
    o.declared_value = match &a.declared_value {
        Some(v) => match parse_decimal(v, 2, true) {
            Ok(c) if (0..=lpo_format::orders::MAX_DECLARED_CENTS).contains(&c) => Some(Cents(c)),
            _ => {
                return Err(Failure::usage(format!(
                    "--declared-value `{v}` is not an amount in AUD"
                )));
            }
        },
        None => None,
    };
    o.dangerous_goods = a.dangerous_goods;
    o.signature = a.signature;
    Ok(o)
}

impl OrderArgs {
    /// The order, the strategy and whether the request asked for explanations.
    pub fn read(&self) -> Result<(Order, Strategy, bool), Failure> {
        let a = self;
        let (order, strategy, explain) = match &a.input {
            Some(path) => {
                let text = if path.as_os_str() == "-" {
                    std::io::read_to_string(std::io::stdin())
                        .map_err(|e| Failure::io(format!("cannot read stdin: {e}")))?
                } else {
                    std::fs::read_to_string(path)
                        .map_err(|e| Failure::io(format!("cannot read {}: {e}", path.display())))?
                };
                let req: QuoteRequestJson = serde_json::from_str(&text)
                    .map_err(|e| Failure::usage(format!("{}: {e}", path.display())))?;
                let (o, s, explain) = req
                    .into_order()
                    .map_err(|e| Failure::usage(format!("{}: {e}", path.display())))?;
                (o, s.unwrap_or(a.strategy), explain)
            }
            None => (order_from_flags(a)?, a.strategy, true),
        };
        Ok((
            order,
            crate::common::with_within_days(strategy, a.within_days),
            explain,
        ))
    }

    /// The strategy given by flags.
    pub fn strategy(&self) -> Strategy {
        crate::common::with_within_days(self.strategy, self.within_days)
    }

    /// `--date`, else today.
    pub fn date(&self) -> Date {
        date_or_today(self.date)
    }
}

pub fn run(cli: &Global, a: &Args) -> Outcome {
    let (order, strategy, _) = a.order.read()?;
    let loaded = load_config(cli)?;
    let engine = &loaded.engine;
    let req = QuoteRequest {
        strategy,
        date: a.order.date(),
        // The CLI always fills in why services were excluded; `explain` only matters to callers
        // that count microseconds (the batch optimiser, the HTTP service).
        explain: true,
    };
    let quote = engine
        .quote(&order, &req)
        .map_err(|e| Failure::usage(e.to_string()))?;
    if a.json {
        let j = quote_json(engine, &quote);
        say!(
            "{}",
            serde_json::to_string_pretty(&j).map_err(|e| Failure::io(e.to_string()))?
        );
    } else {
        print_human(engine, &order, &quote);
    }
    Ok(if quote.options.is_empty() {
        ExitCode::Partial
    } else {
        ExitCode::Ok
    })
}

fn print_human(engine: &Engine, order: &Order, q: &Quote) {
    let to = &order.to;
    let state = engine
        .destination_state(order)
        .map(|s| s.as_str())
        .unwrap_or("");
    say!(
        "{} parcel(s), {} kg, to {:04}{} {state} ({}), ship date {}; config {}",
        order.parcels.len(),
        kg_str(order.total_weight_g()),
        to.postcode,
        to.suburb
            .as_deref()
            .map(|s| format!(" {s}"))
            .unwrap_or_default(),
        to.address_type,
        q.date,
        engine.version
    );
    for w in &q.warnings {
        say!("warning: {w}");
    }
    if q.options.is_empty() {
        say!("\nNo service can take this order.");
    } else {
        say!(
            "\n  {:<3} {:<32} {:<5} {:<14} {:>7} {:>4} {:>8} {:>8} {:>7} {:>7} {:>9}",
            "#",
            "carrier/service",
            "from",
            "zone",
            "kg",
            "days",
            "base",
            "surch.",
            "fuel",
            "gst",
            "total"
        );
        for (i, o) in q.options.iter().enumerate() {
            let (c, s) = engine.service_ids(o.service);
            say!(
                "  {:<3} {:<32} {:<5} {:<14} {:>7} {:>4} {:>8} {:>8} {:>7} {:>7} {:>9}",
                i + 1,
                format!("{c}/{s}"),
                engine.warehouse_id(o.warehouse),
                engine.zone_name(o.service, o.zone),
                kg_str(o.chargeable_g),
                o.eta_days,
                o.base.to_string(),
                o.surcharges.to_string(),
                o.fuel.to_string(),
                o.gst.to_string(),
                o.total.to_string()
            );
            for (line, amt) in q.lines(o) {
                let Line::Surcharge(si) = line else { continue };
                say!(
                    "  {:<3}   + {:<30} {:>60}",
                    "",
                    engine.surcharge_id(si),
                    amt.to_string()
                );
            }
        }
        if let Some(best) = q.selected() {
            let (c, s) = engine.service_ids(best.service);
            say!(
                "\nSelected: {c}/{s} from {} at ${} incl. GST.",
                engine.warehouse_id(best.warehouse),
                best.total
            );
        }
    }
    if !q.excluded.is_empty() {
        say!("\nExcluded:");
        for e in &q.excluded {
            let (c, s) = engine.service_ids(e.service);
            let from = e
                .warehouse
                .map(|w| format!(" from {}", engine.warehouse_id(w)))
                .unwrap_or_default();
            say!(
                "  {:<32} {:<24} {}{from}",
                format!("{c}/{s}"),
                e.reason.as_str(),
                e.detail
            );
        }
    }
}
