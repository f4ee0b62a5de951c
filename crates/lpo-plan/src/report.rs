//! The global solver's report (`lpo optimise --report FILE.json`, the `report` of HTTP
//! `/v1/optimise`): typed, and serialised by serde into the JSON shape docs/constraints.md
//! documents. Fields are declared in alphabetical order, the order the JSON has always had.

use std::collections::BTreeMap;
use std::time::Duration;

use lpo_engine::constraints::{CapacityUnit, CommitmentUnit, Scope, TierKind};
use lpo_engine::{Constraints, Engine};
use lpo_solve::{Alloc, Batch, Row, RowReport, Solution, Status, Stop, group};
use serde::Serialize;

use crate::batch::Timings;

/// The report of a global run that found a plan.
#[derive(Debug, Clone, Serialize)]
pub struct SolverReport {
    pub bound_cents: f64,
    pub carriers: Vec<CarrierReport>,
    pub constraints: Vec<ConstraintReport>,
    pub cost: CostReport,
    pub gap_pct: f64,
    pub model: ModelReport,
    pub objective_cents: f64,
    /// How the solve ended; in the JSON `optimal`, `time_limit` or `feasible`.
    #[serde(serialize_with = "serialize_status")]
    pub status: Status,
    /// What ended the search: `gap`, `time_limit` or `search_exhausted`.
    pub stopped_by: &'static str,
    pub tiers: Vec<TierReportJson>,
    pub time_ms: TimeReport,
    /// Total solve time, for renderers (the JSON lists each solve).
    #[serde(skip)]
    pub solves_total: Duration,
}

/// The report of a global run whose constraints are proven unable to hold together.
#[derive(Debug, Clone, Serialize)]
pub struct InfeasibleReport {
    pub model: ModelReport,
    pub reasons: Vec<String>,
    /// Always `infeasible`.
    pub status: &'static str,
}

/// The size of the model.
#[derive(Debug, Clone, Serialize)]
pub struct ModelReport {
    pub class_options_after_dominance: usize,
    pub classes: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column_generation_rounds: Option<usize>,
    pub columns_per_order_model: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integer_columns: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub largest_lp_columns: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub largest_lp_rows: Option<usize>,
    pub orders: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orders_in_split_classes: Option<u64>,
    pub parcels: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relaxation_integral: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier_combinations: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier_combinations_solved: Option<usize>,
}

/// Per carrier: the per-order choice against the plan.
#[derive(Debug, Clone, Serialize)]
pub struct CarrierReport {
    pub carrier: String,
    pub greedy_cents: i64,
    pub greedy_parcels: u64,
    pub plan_cents: i64,
    pub plan_parcels: u64,
}

/// One capacity or commitment row.
#[derive(Debug, Clone, Serialize)]
pub struct ConstraintReport {
    pub binding: bool,
    pub bound: u64,
    pub id: String,
    /// `capacity` or `commitment`.
    pub kind: &'static str,
    /// The figures in words.
    pub meaning: String,
    pub origin: String,
    pub shadow_price_cents_per_unit: Option<f64>,
    pub shortfall: u64,
    /// `parcels`, `grams` or `cents`.
    pub unit: &'static str,
    pub used: u64,
}

/// The plan's cost against the per-order choice.
#[derive(Debug, Clone, Serialize)]
pub struct CostReport {
    pub greedy_before_tier_discounts_cents: i64,
    /// What the per-order choice breaks, if anything.
    pub greedy_breaks: Option<String>,
    pub greedy_cents: i64,
    pub penalties_cents: f64,
    pub plan_before_tier_discounts_cents: i64,
    pub plan_cents: i64,
    pub plan_minus_greedy_cents: i64,
    pub tier_savings_cents: i64,
}

/// One tier schedule: the volume and where it fell.
#[derive(Debug, Clone, Serialize)]
pub struct TierReportJson {
    /// `all` or `beyond`.
    pub applies: &'static str,
    pub band_parcels: Vec<u64>,
    pub carrier: String,
    pub id: String,
    pub origin: String,
    pub reached_discount_pct: String,
    pub volume_parcels: u64,
    /// The highest band holding parcels (not in the JSON).
    #[serde(skip)]
    pub reached: usize,
    /// That band's discount, as the schedule writes it (`5%`; not in the JSON).
    #[serde(skip)]
    pub reached_discount: String,
}

/// Phase times, milliseconds to two decimals.
#[derive(Debug, Clone, Serialize)]
pub struct TimeReport {
    pub bounds: f64,
    pub model_build: f64,
    pub price_and_aggregate: f64,
    pub solve_total: f64,
    pub solves: Vec<SolveTime>,
}

/// One solve.
#[derive(Debug, Clone, Serialize)]
pub struct SolveTime {
    pub ms: f64,
    pub name: String,
}

/// A solve status as the report names it.
pub fn status_name(s: Status) -> &'static str {
    match s {
        Status::Optimal => "optimal",
        Status::TimeLimit => "time_limit",
        Status::Feasible => "feasible",
    }
}

fn serialize_status<S: serde::Serializer>(s: &Status, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(status_name(*s))
}

/// Dollars with two decimals and thousands separators: `$12,345.67`.
pub fn dollars(c: i64) -> String {
    let sign = if c < 0 { "-" } else { "" };
    let a = c.unsigned_abs();
    format!("{sign}${}.{:02}", group(a / 100), a % 100)
}

fn dollars_f(c: f64) -> String {
    dollars(c.round() as i64)
}

pub(crate) fn carrier_id(engine: &Engine, c: u16) -> &str {
    engine
        .carriers
        .get(usize::from(c))
        .map_or("?", |c| c.id.as_str())
}

/// "hunter/road at syd", "hunter at every warehouse".
fn scope_words(engine: &Engine, s: &Scope) -> String {
    let mut out = carrier_id(engine, s.carrier).to_string();
    if let Some(svc) = s.service {
        out = format!("{out}/{}", engine.service_ids(svc).1);
    }
    match s.warehouse {
        Some(w) => format!("{out} at {}", engine.warehouse_id(w)),
        None => format!("{out} at every warehouse"),
    }
}

/// The constraint's id, kind and what its figures mean, in words.
#[expect(
    clippy::indexing_slicing,
    reason = "a row report indexes the constraints it was solved with (cons)"
)]
fn row_words(engine: &Engine, cons: &Constraints, r: &RowReport) -> (String, &'static str, String) {
    match r.row {
        Row::Capacity(i) => {
            let c = &cons.capacities[i];
            let (used, limit, unit) = match c.unit {
                CapacityUnit::Parcels => (group(r.activity), group(r.bound), "parcel"),
                CapacityUnit::Grams => (
                    format!("{:.1}", r.activity as f64 / 1000.0),
                    format!("{:.1}", r.bound as f64 / 1000.0),
                    "kg",
                ),
            };
            let scope = scope_words(engine, &c.scope);
            let words = match r.shadow_cents {
                _ if !r.binding => format!("{used}/{limit} {unit}s of {scope}: not binding"),
                Some(s) if s < -0.5 => format!(
                    "{used}/{limit} {unit}s of {scope}: binding; one more {unit} of capacity would save {}",
                    dollars_f(-s)
                ),
                Some(_) => format!(
                    "{used}/{limit} {unit}s of {scope}: full, but one more {unit} would save nothing (the next option costs the same)"
                ),
                None => format!("{used}/{limit} {unit}s of {scope}: full"),
            };
            (c.id.clone(), "capacity", words)
        }
        Row::Commitment(i) => {
            let m = &cons.commitments[i];
            let carrier = carrier_id(engine, m.carrier);
            let (got, min, unit) = match m.unit {
                CommitmentUnit::Parcels => (
                    format!("{} parcels", group(r.activity)),
                    format!("{} parcels", group(r.bound)),
                    "parcel",
                ),
                CommitmentUnit::Spend => (
                    dollars(r.activity as i64),
                    dollars(r.bound as i64),
                    "dollar",
                ),
            };
            let kind = if m.penalty.is_some() { "soft" } else { "hard" };
            let words = if r.shortfall > 0 {
                format!(
                    "{got} of {min} to {carrier} ({kind}): {} short, penalty paid",
                    match m.unit {
                        CommitmentUnit::Parcels => format!("{} parcels", group(r.shortfall)),
                        CommitmentUnit::Spend => dollars(r.shortfall as i64),
                    }
                )
            } else {
                match r.shadow_cents {
                    _ if !r.binding => {
                        format!("{got} of {min} to {carrier} ({kind}): met with room to spare")
                    }
                    Some(s) if s > 0.5 => format!(
                        "{got} of {min} to {carrier} ({kind}): binding; each {unit} of it costs {} (one {unit} less would save that)",
                        dollars_f(s)
                    ),
                    _ => format!(
                        "{got} of {min} to {carrier} ({kind}): met exactly, at no extra cost"
                    ),
                }
            };
            (m.id.clone(), "commitment", words)
        }
    }
}

/// The size of the model, with the solve's figures when there was one.
pub(crate) fn model_report(batch: &Batch, sol: Option<&Solution>) -> ModelReport {
    ModelReport {
        class_options_after_dominance: batch.options.len(),
        classes: batch.classes.len(),
        column_generation_rounds: sol.map(|s| s.stats.iterations),
        columns_per_order_model: batch.per_order_variables(),
        integer_columns: sol.map(|s| s.stats.integer_columns),
        largest_lp_columns: sol.map(|s| s.stats.columns),
        largest_lp_rows: sol.map(|s| s.stats.rows),
        orders: batch.orders_in_model(),
        orders_in_split_classes: sol.map(|s| s.stats.repaired_orders),
        parcels: batch.parcels_in_model(),
        relaxation_integral: sol.map(|s| s.stats.relaxation_integral),
        tier_combinations: sol.map(|s| s.stats.combinations),
        tier_combinations_solved: sol.map(|s| s.stats.combinations_solved),
    }
}

/// Per carrier: (parcels, invoice cents) of a plan.
#[expect(
    clippy::indexing_slicing,
    reason = "the allocation has one entry per class of the batch, and each names an option of its class"
)]
fn by_carrier(batch: &Batch, alloc: &[Vec<Alloc>]) -> BTreeMap<u16, (u64, i64)> {
    let mut m: BTreeMap<u16, (u64, i64)> = BTreeMap::new();
    for (k, a) in alloc.iter().enumerate() {
        let c = &batch.classes[k];
        for a in a {
            let o = &batch.options_of(k)[usize::from(a.option)];
            let e = m.entry(o.carrier).or_default();
            e.0 += c.parcels * a.count;
            e.1 += batch.price(o, usize::from(a.band)).total.0 * a.count as i64;
        }
    }
    m
}

/// Rounds to two decimals, the precision of every figure of the report.
fn cents2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The report of a solved batch whose plan re-priced to `plan_total`.
#[expect(
    clippy::indexing_slicing,
    reason = "the solution was solved on this batch and cons: allocations name options of their class, row reports index cons, tier reports have one band count per band"
)]
pub(crate) fn solver_report(
    engine: &Engine,
    cons: &Constraints,
    batch: &Batch,
    sol: &Solution,
    tm: &Timings,
    plan_total: i64,
) -> SolverReport {
    let greedy = lpo_solve::greedy(cons, batch);
    let greedy_total = lpo_solve::invoice(batch, &greedy, false);
    let greedy_list = lpo_solve::invoice(batch, &greedy, true);
    let plan_list = lpo_solve::invoice(batch, &sol.alloc, true);
    let greedy_violation = lpo_solve::violation(engine, cons, batch, &greedy);
    let scores: f64 = sol
        .alloc
        .iter()
        .enumerate()
        .flat_map(|(k, a)| {
            a.iter().map(move |a| {
                let o = &batch.options_of(k)[usize::from(a.option)];
                batch.price(o, usize::from(a.band)).score.0 as f64 * a.count as f64
            })
        })
        .sum();
    let penalties = sol.objective_cents - scores;
    let constraints = sol
        .rows
        .iter()
        .map(|r| {
            let (id, kind, meaning) = row_words(engine, cons, r);
            let (origin, unit) = match r.row {
                Row::Capacity(i) => (
                    cons.capacities[i].origin.clone(),
                    match cons.capacities[i].unit {
                        CapacityUnit::Parcels => "parcels",
                        CapacityUnit::Grams => "grams",
                    },
                ),
                Row::Commitment(i) => (
                    cons.commitments[i].origin.clone(),
                    match cons.commitments[i].unit {
                        CommitmentUnit::Parcels => "parcels",
                        CommitmentUnit::Spend => "cents",
                    },
                ),
            };
            ConstraintReport {
                binding: r.binding,
                bound: r.bound,
                id,
                kind,
                meaning,
                origin,
                shadow_price_cents_per_unit: r.shadow_cents.map(cents2),
                shortfall: r.shortfall,
                unit,
                used: r.activity,
            }
        })
        .collect();
    let tiers = cons
        .tiers
        .iter()
        .zip(&sol.tiers)
        .map(|(t, r)| {
            let reached = (0..t.bands())
                .rev()
                .find(|&b| r.band_parcels[b] > 0)
                .unwrap_or(0);
            let discount = t.discount(reached).to_string();
            TierReportJson {
                applies: match t.kind {
                    TierKind::All => "all",
                    TierKind::Beyond => "beyond",
                },
                band_parcels: r.band_parcels.clone(),
                carrier: carrier_id(engine, t.carrier).to_string(),
                id: t.id.clone(),
                origin: t.origin.clone(),
                reached_discount_pct: discount.trim_end_matches('%').to_string(),
                volume_parcels: r.volume,
                reached,
                reached_discount: discount,
            }
        })
        .collect();
    let g = by_carrier(batch, &greedy);
    let p = by_carrier(batch, &sol.alloc);
    let mut carriers: Vec<u16> = g.keys().chain(p.keys()).copied().collect();
    carriers.sort_unstable();
    carriers.dedup();
    let carriers = carriers
        .iter()
        .map(|c| {
            let (gp, gc) = g.get(c).copied().unwrap_or_default();
            let (pp, pc) = p.get(c).copied().unwrap_or_default();
            CarrierReport {
                carrier: carrier_id(engine, *c).to_string(),
                greedy_cents: gc,
                greedy_parcels: gp,
                plan_cents: pc,
                plan_parcels: pp,
            }
        })
        .collect();
    let ms = |d: Duration| (d.as_secs_f64() * 1e5).round() / 100.0;
    SolverReport {
        bound_cents: cents2(sol.bound_cents),
        carriers,
        constraints,
        cost: CostReport {
            greedy_before_tier_discounts_cents: greedy_list,
            greedy_breaks: greedy_violation,
            greedy_cents: greedy_total,
            penalties_cents: cents2(penalties),
            plan_before_tier_discounts_cents: plan_list,
            plan_cents: plan_total,
            plan_minus_greedy_cents: plan_total - greedy_total,
            tier_savings_cents: plan_list - plan_total,
        },
        gap_pct: sol.gap * 100.0,
        model: model_report(batch, Some(sol)),
        objective_cents: cents2(sol.objective_cents),
        status: sol.status,
        stopped_by: match sol.stats.stop {
            Stop::Proven => "gap",
            Stop::TimeLimit => "time_limit",
            Stop::Exhausted => "search_exhausted",
        },
        tiers,
        time_ms: TimeReport {
            bounds: ms(sol.stats.bound_time),
            model_build: ms(sol.stats.build_time),
            price_and_aggregate: ms(tm.price),
            solve_total: ms(tm.solve),
            solves: sol
                .stats
                .solves
                .iter()
                .map(|(n, d)| SolveTime {
                    ms: ms(*d),
                    name: n.clone(),
                })
                .collect(),
        },
        solves_total: sol.stats.solves.iter().map(|(_, d)| *d).sum(),
    }
}

/// A report as the pretty-printed JSON written to `--report FILE.json`, with its final newline.
pub fn to_json_text<T: Serialize>(report: &T) -> Result<String, serde_json::Error> {
    let mut text = serde_json::to_string_pretty(report)?;
    text.push('\n');
    Ok(text)
}
