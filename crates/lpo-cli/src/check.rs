//! `lpo check`: an independent checker of a plan. It shares only the engine's price function
//! with the optimiser: it reads the plan CSV itself, quotes every order again, matches each row
//! to one of the order's feasible options (at a discount its carrier's tier schedule allows),
//! compares every figure to the cent, and does its own accounting of every capacity,
//! commitment and tier band.

use std::collections::HashMap;
use std::path::PathBuf;

use lpo_config::orders::InputOrder;
use lpo_engine::constraints::{CapacityUnit, CommitmentUnit, TierKind};
use lpo_engine::{Constraints, Engine, Quote, QuoteRequest};
use lpo_model::{Bp, Cents, Date, QuoteOption, Strategy, parse_decimal};
use rayon::prelude::*;

use crate::{Cli, Failure, Outcome, date_or_today, exit, load_config, parse_date};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The orders CSV the plan was made from.
    #[arg(long, value_name = "FILE")]
    orders: PathBuf,
    /// The plan CSV to check.
    #[arg(long, value_name = "FILE")]
    plan: PathBuf,
    /// Constraints file or folder, instead of the manifest's.
    #[arg(long, value_name = "PATH")]
    constraints: Option<PathBuf>,
    /// Check without the constraints (a per-order plan).
    #[arg(long)]
    no_constraints: bool,
    /// Ship date for orders without one, as given to `lpo optimise`.
    #[arg(long, value_parser = parse_date)]
    date: Option<Date>,
    /// Show at most this many problems (all are counted).
    #[arg(long, default_value_t = 50)]
    max_problems: usize,
}

/// One plan row, as read.
struct PlanRow {
    line: u64,
    order_id: String,
    status: String,
    from: String,
    carrier: String,
    service: String,
    zone: String,
    chargeable_kg: String,
    money: [String; 5],
    eta_days: String,
}

/// The option a row was matched to: carrier, service, warehouse, band, parcels, grams, total.
#[derive(Clone)]
struct Placed {
    service: u32,
    warehouse: u16,
    carrier: u16,
    /// Tier bands whose prices the row matches (several when a discount rounds to nothing).
    bands: Vec<usize>,
    parcels: u64,
    grams: u64,
    total: Cents,
}

fn read_plan(data: &[u8]) -> Result<Vec<PlanRow>, String> {
    let data = lpo_config::line_ends::unify(data, lpo_config::line_ends::Syntax::Csv(b','));
    let mut rdr = csv::ReaderBuilder::new().from_reader(&*data);
    let headers = rdr.headers().map_err(|e| e.to_string())?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("the plan has no `{name}` column"))
    };
    let cols = [
        col("order_id")?,
        col("status")?,
        col("from")?,
        col("carrier")?,
        col("service")?,
        col("zone")?,
        col("chargeable_kg")?,
        col("base")?,
        col("surcharges")?,
        col("fuel")?,
        col("gst")?,
        col("total")?,
        col("eta_days")?,
    ];
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| e.to_string())?;
        let line = rec.position().map_or(0, |p| p.line());
        let g = |i: usize| rec.get(cols[i]).unwrap_or("").to_string();
        rows.push(PlanRow {
            line,
            order_id: g(0),
            status: g(1),
            from: g(2),
            carrier: g(3),
            service: g(4),
            zone: g(5),
            chargeable_kg: g(6),
            money: [g(7), g(8), g(9), g(10), g(11)],
            eta_days: g(12),
        });
    }
    Ok(rows)
}

fn kg_grams(s: &str) -> Option<u64> {
    parse_decimal(s, 3, false)
        .ok()
        .and_then(|g| u64::try_from(g).ok())
}

fn cents(s: &str) -> Option<Cents> {
    parse_decimal(s, 2, false).ok().map(Cents)
}

/// Checks one row against its order; the option it stands for, or what is wrong.
fn check_row(
    engine: &Engine,
    cons: &Constraints,
    input: &InputOrder,
    row: &PlanRow,
    req: &QuoteRequest,
    q: &mut Quote,
) -> Result<Option<Placed>, String> {
    let at = format!("plan line {} (order `{}`)", row.line, row.order_id);
    let quoted = match &input.order {
        Ok(order) => engine.quote_into(order, req, q).map(|_| order),
        Err(_) => {
            return if row.status == "rejected" {
                Ok(None)
            } else {
                Err(format!(
                    "{at}: the order's input is invalid, so it must be `rejected`, not `{}`",
                    row.status
                ))
            };
        }
    };
    let Ok(order) = quoted else {
        return if row.status == "rejected" {
            Ok(None)
        } else {
            Err(format!(
                "{at}: the order cannot be priced (unknown postcode or warehouse), so it must be `rejected`, not `{}`",
                row.status
            ))
        };
    };
    match row.status.as_str() {
        "rejected" => Err(format!("{at}: `rejected`, but the order is valid")),
        "unallocated" if q.options.is_empty() => Ok(None),
        "unallocated" => Err(format!(
            "{at}: `unallocated`, but it has {} feasible option(s)",
            q.options.len()
        )),
        "allocated" => {
            let Some(svc) = engine.service_by_ids(&row.carrier, &row.service) else {
                return Err(format!(
                    "{at}: unknown service `{}/{}`",
                    row.carrier, row.service
                ));
            };
            let Some(wh) = engine.warehouses.iter().position(|w| w.id == row.from) else {
                return Err(format!("{at}: unknown warehouse `{}`", row.from));
            };
            let Some(opt) = q
                .options
                .iter()
                .find(|o| o.service == svc && usize::from(o.warehouse) == wh)
            else {
                let why = q
                    .excluded
                    .iter()
                    .find(|e| e.service == svc && e.warehouse.map(usize::from) == Some(wh))
                    .map_or("it was not offered".to_string(), |e| {
                        format!("{}: {}", e.reason, e.detail)
                    });
                return Err(format!(
                    "{at}: {}/{} from {} is not a feasible option for this order ({why})",
                    row.carrier, row.service, row.from
                ));
            };
            let carrier = engine.service(svc).map_or(u16::MAX, |s| s.carrier);
            // The discounts the carrier's schedule allows: none, or one of its tiers.
            let mut discounts: Vec<(usize, Bp)> = vec![(0, Bp(0))];
            if let Some(t) = cons.tiers_of(carrier) {
                discounts.extend((1..t.bands()).map(|b| (b, t.discount(b))));
            }
            let want = row.money.each_ref().map(|m| cents(m));
            let matched: Vec<(usize, QuoteOption)> = discounts
                .iter()
                .filter_map(|&(band, d)| {
                    let o: QuoteOption = engine.discounted(q, opt, d);
                    let have = [o.base, o.surcharges, o.fuel, o.gst, o.total];
                    (want.iter().zip(have).all(|(w, h)| *w == Some(h))).then_some((band, o))
                })
                .collect();
            let bands: Vec<usize> = matched.iter().map(|(b, _)| *b).collect();
            let Some((_, o)) = matched.into_iter().next() else {
                let o = opt;
                return Err(format!(
                    "{at}: money does not re-price: plan says base {} surcharges {} fuel {} gst {} total {}, the rate card gives {} {} {} {} {} (or a tier discount of it)",
                    row.money[0],
                    row.money[1],
                    row.money[2],
                    row.money[3],
                    row.money[4],
                    o.base,
                    o.surcharges,
                    o.fuel,
                    o.gst,
                    o.total
                ));
            };
            if kg_grams(&row.chargeable_kg) != Some(o.chargeable_g) {
                return Err(format!(
                    "{at}: chargeable_kg {} but the rate card gives {} g",
                    row.chargeable_kg, o.chargeable_g
                ));
            }
            if row.zone != engine.zone_name(svc, o.zone) {
                return Err(format!(
                    "{at}: zone `{}` but the rate card gives `{}`",
                    row.zone,
                    engine.zone_name(svc, o.zone)
                ));
            }
            if row.eta_days.parse::<u8>().ok() != Some(o.eta_days) {
                return Err(format!(
                    "{at}: eta_days {} but the rate card gives {}",
                    row.eta_days, o.eta_days
                ));
            }
            Ok(Some(Placed {
                service: svc,
                warehouse: wh as u16,
                carrier,
                bands,
                parcels: order.parcels.len() as u64,
                grams: order.parcels.iter().map(|p| u64::from(p.weight_g)).sum(),
                total: o.total,
            }))
        }
        other => Err(format!(
            "{at}: status `{other}` is not allocated, unallocated or rejected"
        )),
    }
}

pub fn run(cli: &Cli, a: &Args) -> Outcome {
    let loaded = load_config(cli)?;
    let engine = &loaded.engine;
    let cons = if a.no_constraints {
        Constraints::default()
    } else {
        match &a.constraints {
            Some(p) => lpo_config::load_constraints(p, engine)
                .map(|(c, _)| c)
                .map_err(|d| {
                    crate::print_diagnostics(&d);
                    Failure::usage(format!("the constraints at {} have errors", p.display()))
                })?,
            None => loaded.constraints.clone(),
        }
    };
    let read = |p: &PathBuf| {
        std::fs::read(p).map_err(|e| Failure::io(format!("cannot read {}: {e}", p.display())))
    };
    let orders = crate::read_orders_file(&a.orders)?;
    let plan = read_plan(&read(&a.plan)?)
        .map_err(|e| Failure::usage(format!("{}: {e}", a.plan.display())))?;
    let req = QuoteRequest {
        strategy: Strategy::Cheapest,
        date: date_or_today(a.date),
        explain: false,
    };

    let mut problems: Vec<String> = Vec::new();
    // Every order once, in input order.
    let mut seen: HashMap<&str, u64> = HashMap::new();
    for r in &plan {
        if let Some(first) = seen.insert(r.order_id.as_str(), r.line) {
            problems.push(format!(
                "plan line {}: order `{}` again (first at line {first})",
                r.line, r.order_id
            ));
        }
    }
    let input_ids: HashMap<&str, ()> = orders.iter().map(|o| (o.id.as_str(), ())).collect();
    for o in &orders {
        if !seen.contains_key(o.id.as_str()) {
            problems.push(format!(
                "order `{}` (orders line {}) is missing from the plan",
                o.id, o.line
            ));
        }
    }
    for r in &plan {
        if !input_ids.contains_key(r.order_id.as_str()) {
            problems.push(format!(
                "plan line {}: order `{}` is not in the orders",
                r.line, r.order_id
            ));
        }
    }
    if problems.is_empty() {
        for (o, r) in orders.iter().zip(&plan) {
            if o.id != r.order_id {
                problems.push(format!(
                    "plan line {}: order `{}` where the input order has `{}`: the plan is not in input order",
                    r.line, r.order_id, o.id
                ));
                break;
            }
        }
    }
    let aligned = problems.is_empty();

    // Every row against its order.
    let mut placed: Vec<Placed> = Vec::new();
    let mut total = Cents::ZERO;
    if aligned {
        let results: Vec<Result<Option<Placed>, String>> = orders
            .par_iter()
            .zip(plan.par_iter())
            .map_init(Quote::default, |q, (o, r)| {
                check_row(engine, &cons, o, r, &req, q)
            })
            .collect();
        for r in results {
            match r {
                Ok(Some(p)) => {
                    total += p.total;
                    placed.push(p);
                }
                Ok(None) => {}
                Err(e) => problems.push(e),
            }
        }
        problems.extend(check_constraints(engine, &cons, &placed));
    }

    let shown = problems.len().min(a.max_problems);
    for p in &problems[..shown] {
        note!("error: {p}");
    }
    if problems.len() > shown {
        note!("… and {} more", problems.len() - shown);
    }
    let summary = format!(
        "{} orders, {} plan rows, {} allocated; re-priced total ${total}; {} constraint(s) checked",
        orders.len(),
        plan.len(),
        placed.len(),
        cons.len()
    );
    if problems.is_empty() {
        say!("ok: {summary}");
        Ok(exit::OK)
    } else {
        say!("FAILED: {} problem(s); {summary}", problems.len());
        Ok(exit::FAILURE)
    }
}

/// The checker's own accounting of every constraint over the matched rows.
fn check_constraints(engine: &Engine, cons: &Constraints, placed: &[Placed]) -> Vec<String> {
    let mut out = Vec::new();
    for c in &cons.capacities {
        let used: u64 = placed
            .iter()
            .filter(|p| {
                p.carrier == c.scope.carrier
                    && c.scope.service.is_none_or(|s| s == p.service)
                    && c.scope.warehouse.is_none_or(|w| w == p.warehouse)
            })
            .map(|p| match c.unit {
                CapacityUnit::Parcels => p.parcels,
                CapacityUnit::Grams => p.grams,
            })
            .sum();
        if used > c.limit {
            out.push(format!(
                "capacity `{}` ({}): {used} used, limit {}",
                c.id, c.origin, c.limit
            ));
        }
    }
    for m in cons.commitments.iter().filter(|m| m.penalty.is_none()) {
        let got: i64 = placed
            .iter()
            .filter(|p| p.carrier == m.carrier)
            .map(|p| match m.unit {
                CommitmentUnit::Parcels => p.parcels as i64,
                CommitmentUnit::Spend => p.total.0,
            })
            .sum();
        if got < m.min as i64 {
            out.push(format!(
                "commitment `{}` ({}): {got} delivered, at least {} promised",
                m.id, m.origin, m.min
            ));
        }
    }
    for t in &cons.tiers {
        let mine: Vec<&Placed> = placed.iter().filter(|p| p.carrier == t.carrier).collect();
        let volume: u64 = mine.iter().map(|p| p.parcels).sum();
        let carrier = engine
            .carriers
            .get(usize::from(t.carrier))
            .map_or("?", |c| c.id.as_str());
        let width = |b: usize| {
            if b + 1 < t.bands() {
                t.band_start(b + 1) - t.band_start(b)
            } else {
                u64::MAX
            }
        };
        match t.kind {
            TierKind::All => {
                let reached = (0..t.bands())
                    .rev()
                    .find(|&b| volume >= t.band_start(b))
                    .unwrap_or(0);
                let wrong = mine.iter().filter(|p| !p.bands.contains(&reached)).count();
                if wrong > 0 {
                    out.push(format!(
                        "tier schedule `{}` ({}): {carrier} has {volume} parcels, so every one is priced in tier {reached}, but {wrong} plan row(s) are not",
                        t.id, t.origin
                    ));
                }
            }
            TierKind::Beyond => {
                // Rows whose prices fit one band only count there; the others (a discount
                // that rounds to nothing) take the lowest of their bands with room.
                let mut bands = vec![0u64; t.bands()];
                for p in mine.iter().filter(|p| p.bands.len() == 1) {
                    bands[p.bands[0]] += p.parcels;
                }
                for p in mine.iter().filter(|p| p.bands.len() > 1) {
                    let b = p
                        .bands
                        .iter()
                        .copied()
                        .find(|&b| bands[b] + p.parcels <= width(b))
                        .unwrap_or(p.bands[p.bands.len() - 1]);
                    bands[b] += p.parcels;
                }
                for b in 0..t.bands() {
                    if bands[b] > width(b) {
                        out.push(format!(
                            "tier schedule `{}` ({}): band {b} holds {} parcels, its width is {}",
                            t.id,
                            t.origin,
                            bands[b],
                            width(b)
                        ));
                    }
                    if b > 0 && bands[b] > 0 && bands[b - 1] < width(b - 1) {
                        out.push(format!(
                            "tier schedule `{}` ({}): {} parcels discounted in band {b} while band {} holds only {} of its {}",
                            t.id,
                            t.origin,
                            bands[b],
                            b - 1,
                            bands[b - 1],
                            width(b - 1)
                        ));
                    }
                }
            }
        }
    }
    out
}
