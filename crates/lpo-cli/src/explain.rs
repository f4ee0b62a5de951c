//! `lpo explain`: why an order got its service, and why every other service lost.

use std::path::PathBuf;

use lpo_engine::rules::Effect;
use lpo_engine::{Engine, Quote, QuoteRequest};
use lpo_model::Line;
use serde_json::json;

use crate::common::{Failure, Global, Outcome, load_config};
use crate::quote::OrderArgs;
use lpo_model::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    order: OrderArgs,
    /// Explain an order of this orders CSV (with --order-id) instead of one given by flags.
    #[arg(long, value_name = "FILE", requires = "order_id")]
    orders: Option<PathBuf>,
    /// The order to explain in --orders.
    #[arg(long, requires = "orders")]
    order_id: Option<String>,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

fn effect_words(e: Effect) -> String {
    match e {
        Effect::Set => "set order attributes".into(),
        Effect::Disabled => "switched off".into(),
        Effect::Excluded => "excluded".into(),
        Effect::NotRequired => "excluded (not among the required)".into(),
        Effect::Adjusted(c) => format!("adjusted the score by {}", lpo_model::Cents(c)),
        Effect::Preferred => "preferred".into(),
    }
}

/// The rule trace of a quote, one line per hit.
pub fn trace_lines(engine: &Engine, q: &Quote) -> Vec<String> {
    q.trace
        .iter()
        .filter_map(|h| {
            let r = engine.rules.get(h.rule as usize)?;
            let on = match (h.service, h.warehouse) {
                (Some(s), w) => {
                    let (c, s) = engine.service_ids(s);
                    let from = w
                        .map(|w| format!(" from {}", engine.warehouse_id(w)))
                        .unwrap_or_default();
                    let price = h.total.map(|t| format!(" (${t})")).unwrap_or_default();
                    format!(" {c}/{s}{from}{price}")
                }
                _ => String::new(),
            };
            Some(format!(
                "rule `{}` ({}) {}{on}",
                r.id,
                r.location,
                effect_words(h.effect)
            ))
        })
        .collect()
}

pub fn run(cli: &Global, a: &Args) -> Outcome {
    let loaded = load_config(cli)?;
    let engine = &loaded.engine;
    let (order, strategy, _) = match (&a.orders, &a.order_id) {
        (Some(path), Some(id)) => {
            let orders = crate::common::read_orders_file(cli, path, None)?;
            let found = orders
                .into_iter()
                .find(|o| o.id == *id)
                .ok_or_else(|| Failure::usage(format!("no order `{id}` in {}", path.display())))?;
            let order = found.order.map_err(|errs| {
                let msgs: Vec<String> = errs.iter().map(ToString::to_string).collect();
                Failure::usage(format!("order `{id}` is rejected: {}", msgs.join("; ")))
            })?;
            (order, a.order.strategy(), true)
        }
        _ => a.order.read()?,
    };
    let req = QuoteRequest {
        strategy,
        date: a.order.date(),
        explain: true,
    };
    let q = engine
        .quote(&order, &req)
        .map_err(|e| Failure::usage(e.to_string()))?;
    let best = q.selected();
    let deciding: Vec<String> = q
        .deciding_rules()
        .into_iter()
        .filter_map(|r| engine.rules.get(r as usize))
        .map(|r| format!("{} ({})", r.id, r.location))
        .collect();
    if a.json {
        let options: Vec<_> = q
            .options
            .iter()
            .map(|o| {
                let (c, s) = engine.service_ids(o.service);
                json!({
                    "carrier": c, "service": s, "from": engine.warehouse_id(o.warehouse),
                    "zone": engine.zone_name(o.service, o.zone), "eta_days": o.eta_days,
                    "total_cents": o.total.0, "score_cents": o.score.0,
                    "behind_cents": best.map_or(0, |b| o.score.0 - b.score.0),
                })
            })
            .collect();
        let excluded: Vec<_> = q
            .excluded
            .iter()
            .map(|e| {
                let (c, s) = engine.service_ids(e.service);
                let rule = e.rule.and_then(|r| engine.rules.get(r as usize));
                json!({
                    "carrier": c, "service": s, "from": e.warehouse.map(|w| engine.warehouse_id(w)),
                    "reason_code": e.reason.as_str(), "detail": e.detail,
                    "rule": rule.map(|r| r.id.as_str()), "rule_location": rule.map(|r| r.location.as_str()),
                })
            })
            .collect();
        let out = json!({
            "config_version": engine.version,
            "ship_date": q.date.to_string(),
            "options": options,
            "excluded": excluded,
            "deciding_rules": deciding,
            "trace": trace_lines(engine, &q),
        });
        say!(
            "{}",
            serde_json::to_string_pretty(&out).map_err(|e| Failure::io(e.to_string()))?
        );
        return Ok(if best.is_some() {
            ExitCode::Ok
        } else {
            ExitCode::Partial
        });
    }
    match best {
        Some(b) => {
            let (c, s) = engine.service_ids(b.service);
            say!(
                "Chosen: {c}/{s} from {} to zone {}: ${} incl. GST in {} day(s)",
                engine.warehouse_id(b.warehouse),
                engine.zone_name(b.service, b.zone),
                b.total,
                b.eta_days
            );
            let lines: Vec<String> = q
                .lines(b)
                .map(|(l, c)| match l {
                    Line::Base => format!("base {c}"),
                    Line::Surcharge(i) => format!("{} {c}", engine.surcharge_id(i)),
                    Line::Fuel => format!("fuel {c}"),
                    Line::Gst => format!("gst {c}"),
                })
                .collect();
            say!("  {}", lines.join(", "));
            if b.score != b.total {
                say!(
                    "  score {} (rule adjustments {})",
                    b.score,
                    b.score - b.total
                );
            }
        }
        None => say!("No service can take this order."),
    }
    if !deciding.is_empty() {
        say!("Decided by rules: {}", deciding.join(", "));
    }
    say!("\nWhy not the others:");
    for o in q.options.iter().skip(1) {
        let (c, s) = engine.service_ids(o.service);
        let name = format!("{c}/{s} from {}", engine.warehouse_id(o.warehouse));
        let why = match best {
            Some(b) if o.score > b.score => format!(
                "costs {} more (score {} vs {})",
                o.score - b.score,
                o.score,
                b.score
            ),
            Some(b) if o.eta_days > b.eta_days && o.score == b.score => {
                "same score, slower".to_string()
            }
            Some(_) => "lost the tie-break (preference, days, then carrier/service id)".to_string(),
            None => String::new(),
        };
        say!("  {name:<40} {why}");
    }
    for e in &q.excluded {
        let (c, s) = engine.service_ids(e.service);
        let from = e
            .warehouse
            .map(|w| format!(" from {}", engine.warehouse_id(w)))
            .unwrap_or_default();
        let would = q
            .trace
            .iter()
            .find(|h| {
                e.rule == Some(h.rule) && h.service == Some(e.service) && h.warehouse == e.warehouse
            })
            .and_then(|h| h.total)
            .map(|t| format!(" (would cost ${t})"))
            .unwrap_or_default();
        say!(
            "  {:<40} {}: {}{would}",
            format!("{c}/{s}{from}"),
            e.reason,
            e.detail
        );
    }
    let trace = trace_lines(engine, &q);
    if !trace.is_empty() {
        say!("\nRule trace:");
        for t in trace {
            say!("  {t}");
        }
    }
    Ok(if best.is_some() {
        ExitCode::Ok
    } else {
        ExitCode::Partial
    })
}
