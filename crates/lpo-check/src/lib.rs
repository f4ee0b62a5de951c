//! The independent checker of a plan: `lpo check`, and the oracle of the property tests. It
//! shares only the engine's price function with the optimiser, and depends on the engine and the
//! formats alone (never on `lpo-solve` or `lpo-plan`; Cargo enforces it). It quotes every order
//! again, matches each plan row to one of the order's feasible options (at a discount its
//! carrier's tier schedule allows), compares every figure to the cent, and does its own
//! accounting of every capacity, commitment and tier band.

use std::collections::HashMap;

use lpo_engine::constraints::{CapacityUnit, CommitmentUnit, TierKind};
use lpo_engine::{Constraints, Engine, Quote, QuoteRequest};
use lpo_format::orders::InputOrder;
use lpo_format::plan::PlanRecord;
use lpo_model::{Bp, Cents, QuoteOption, parse_decimal};
use rayon::prelude::*;

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
    row: &PlanRecord,
    req: &QuoteRequest,
    q: &mut Quote,
) -> Result<Option<Placed>, String> {
    let at = format!("plan line {} (order `{}`)", row.line, row.order_id());
    let quoted = match &input.order {
        Ok(order) => engine.quote_into(order, req, q).map(|_| order),
        Err(_) => {
            return if row.status_text() == "rejected" {
                Ok(None)
            } else {
                Err(format!(
                    "{at}: the order's input is invalid, so it must be `rejected`, not `{}`",
                    row.status_text()
                ))
            };
        }
    };
    let Ok(order) = quoted else {
        return if row.status_text() == "rejected" {
            Ok(None)
        } else {
            Err(format!(
                "{at}: the order cannot be priced (unknown postcode or warehouse), so it must be `rejected`, not `{}`",
                row.status_text()
            ))
        };
    };
    match row.status_text() {
        "rejected" => Err(format!("{at}: `rejected`, but the order is valid")),
        "unallocated" if q.options.is_empty() => Ok(None),
        "unallocated" => Err(format!(
            "{at}: `unallocated`, but it has {} feasible option(s)",
            q.options.len()
        )),
        "allocated" => {
            let Some(svc) = engine.service_by_ids(row.carrier(), row.service()) else {
                return Err(format!(
                    "{at}: unknown service `{}/{}`",
                    row.carrier(),
                    row.service()
                ));
            };
            let Some(wh) = engine.warehouses.iter().position(|w| w.id == row.from()) else {
                return Err(format!("{at}: unknown warehouse `{}`", row.from()));
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
                    row.carrier(),
                    row.service(),
                    row.from()
                ));
            };
            let carrier = engine.service(svc).map_or(u16::MAX, |s| s.carrier);
            // The discounts the carrier's schedule allows: none, or one of its tiers.
            let mut discounts: Vec<(usize, Bp)> = vec![(0, Bp(0))];
            if let Some(t) = cons.tiers_of(carrier) {
                discounts.extend((1..t.bands()).map(|b| (b, t.discount(b))));
            }
            let want = row.money().map(cents);
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
                    row.money()[0],
                    row.money()[1],
                    row.money()[2],
                    row.money()[3],
                    row.money()[4],
                    o.base,
                    o.surcharges,
                    o.fuel,
                    o.gst,
                    o.total
                ));
            };
            if kg_grams(row.chargeable_kg()) != Some(o.chargeable_g) {
                return Err(format!(
                    "{at}: chargeable_kg {} but the rate card gives {} g",
                    row.chargeable_kg(),
                    o.chargeable_g
                ));
            }
            if row.zone() != engine.zone_name(svc, o.zone) {
                return Err(format!(
                    "{at}: zone `{}` but the rate card gives `{}`",
                    row.zone(),
                    engine.zone_name(svc, o.zone)
                ));
            }
            if row.eta_days().parse::<u8>().ok() != Some(o.eta_days) {
                return Err(format!(
                    "{at}: eta_days {} but the rate card gives {}",
                    row.eta_days(),
                    o.eta_days
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

/// What the checker found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    /// Everything wrong with the plan, each naming the plan line or constraint; empty when the
    /// plan is right.
    pub problems: Vec<String>,
    /// Orders in the orders file.
    pub orders: usize,
    /// Rows in the plan.
    pub rows: usize,
    /// Rows matched to an allocated option.
    pub allocated: usize,
    /// The plan's total, re-priced by the checker.
    pub total: Cents,
    /// Constraints checked.
    pub constraints: usize,
}

impl CheckReport {
    /// Whether the plan passed.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// One line: counts and the re-priced total.
    pub fn summary(&self) -> String {
        format!(
            "{} orders, {} plan rows, {} allocated; re-priced total ${}; {} constraint(s) checked",
            self.orders, self.rows, self.allocated, self.total, self.constraints
        )
    }
}

/// Checks `plan` against `orders` (as read from the orders file, rejected rows included) under
/// `cons`: every order exactly once and in input order, every row one of its order's feasible
/// options priced to the cent, and every capacity, hard commitment and tier band kept.
pub fn check_plan(
    engine: &Engine,
    cons: &Constraints,
    orders: &[InputOrder],
    plan: &[PlanRecord],
    req: &QuoteRequest,
) -> CheckReport {
    let mut problems: Vec<String> = Vec::new();
    // Every order once, in input order.
    let mut seen: HashMap<&str, u64> = HashMap::new();
    for r in plan {
        if let Some(first) = seen.insert(r.order_id(), r.line) {
            problems.push(format!(
                "plan line {}: order `{}` again (first at line {first})",
                r.line,
                r.order_id()
            ));
        }
    }
    let input_ids: HashMap<&str, ()> = orders.iter().map(|o| (o.id.as_str(), ())).collect();
    for o in orders {
        if !seen.contains_key(o.id.as_str()) {
            problems.push(format!(
                "order `{}` (orders line {}) is missing from the plan",
                o.id, o.line
            ));
        }
    }
    for r in plan {
        if !input_ids.contains_key(r.order_id()) {
            problems.push(format!(
                "plan line {}: order `{}` is not in the orders",
                r.line,
                r.order_id()
            ));
        }
    }
    if problems.is_empty() {
        for (o, r) in orders.iter().zip(plan) {
            if o.id != r.order_id() {
                problems.push(format!(
                    "plan line {}: order `{}` where the input order has `{}`: the plan is not in input order",
                    r.line, r.order_id(), o.id
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
                check_row(engine, cons, o, r, req, q)
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
        problems.extend(check_constraints(engine, cons, &placed));
    }

    CheckReport {
        orders: orders.len(),
        rows: plan.len(),
        allocated: placed.len(),
        total,
        constraints: cons.len(),
        problems,
    }
}

/// The checker's own accounting of every constraint over the matched rows.
#[expect(
    clippy::indexing_slicing,
    reason = "band indices are below t.bands(): a matched row's bands come from 0..t.bands(), and `bands` has t.bands() entries"
)]
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
