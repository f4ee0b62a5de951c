//! `lpo optimise` under global constraints: price every order, aggregate, solve the day as one
//! MIP, then re-price every order's chosen option exactly and write the plan and the report.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use lpo_config::orders::InputOrder;
use lpo_config::output::{push_allocated, push_unplaced, rule_ids, write_atomic};
use lpo_engine::constraints::{CapacityUnit, CommitmentUnit, TierKind};
use lpo_engine::{Constraints, Engine, Quote, QuoteRequest};
use lpo_model::Cents;
use lpo_solve::{
    Alloc, Batch, LocalClasses, Row, RowReport, Settings, Solution, SolveError, Status, group,
};
use rayon::prelude::*;
use serde_json::{Value, json};

use crate::Failure;
use crate::optimise::{
    Args, Chunk, Status as OrderStatus, Timings, progress, quote_or_reject, unallocated_reason,
};

const CHUNK: usize = 8192;

/// Dollars with two decimals and thousands separators: `$12,345.67`.
pub(crate) fn dollars(c: i64) -> String {
    let sign = if c < 0 { "-" } else { "" };
    let a = c.unsigned_abs();
    format!("{sign}${}.{:02}", group(a / 100), a % 100)
}

fn dollars_f(c: f64) -> String {
    dollars(c.round() as i64)
}

fn carrier_id(engine: &Engine, c: u16) -> &str {
    engine
        .carriers
        .get(usize::from(c))
        .map_or("?", |c| c.id.as_str())
}

/// "hunter/road at syd", "hunter at every warehouse".
fn scope_words(engine: &Engine, s: &lpo_engine::constraints::Scope) -> String {
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

/// Which options of its class an order may take and whether the choice moved because of
/// constraints: labels for the plan's `reason` column.
fn labels(
    engine: &Engine,
    cons: &Constraints,
    sol: &Solution,
    options: &[lpo_solve::ClassOption],
    rank: u16,
    band: usize,
) -> Vec<String> {
    let mut out = Vec::new();
    let Some(chosen) = options.iter().find(|o| o.rank == rank) else {
        return out;
    };
    if rank != 0 {
        let greedy = &options[0];
        for r in sol.rows.iter().filter(|r| r.binding) {
            match r.row {
                Row::Capacity(i) => {
                    let s = &cons.capacities[i].scope;
                    if s.matches(engine, greedy.service, greedy.warehouse)
                        || s.matches(engine, chosen.service, chosen.warehouse)
                    {
                        out.push(format!("capacity:{}", cons.capacities[i].id));
                    }
                }
                Row::Commitment(i) => {
                    let m = &cons.commitments[i];
                    if m.carrier == chosen.carrier || m.carrier == greedy.carrier {
                        out.push(format!("commitment:{}", m.id));
                    }
                }
            }
        }
        for (t, rep) in cons.tiers.iter().zip(&sol.tiers) {
            if (t.carrier == chosen.carrier || t.carrier == greedy.carrier)
                && rep.band_parcels.iter().skip(1).any(|&n| n > 0)
            {
                out.push(format!("tiers:{}", t.id));
            }
        }
        if out.is_empty() {
            out.push("global".into());
        }
    }
    if band > 0
        && let Some(t) = cons.tiers_of(chosen.carrier)
    {
        let label = format!("tiers:{}", t.id);
        if !out.contains(&label) {
            out.push(label);
        }
    }
    out
}

/// The solver settings of a global run (from `lpo optimise` flags or an HTTP request).
#[derive(Debug, Clone)]
pub(crate) struct GlobalOpts {
    pub(crate) quiet: bool,
    /// Wall-clock limit of the run, seconds, counted from `started`.
    pub(crate) time_limit: f64,
    /// When the run began (the time limit covers reading and pricing too).
    pub(crate) started: Instant,
    pub(crate) gap: f64,
    pub(crate) solver_threads: u32,
    pub(crate) with_options: bool,
}

impl GlobalOpts {
    pub(crate) fn of(a: &Args, started: Instant) -> GlobalOpts {
        GlobalOpts {
            quiet: a.quiet,
            time_limit: a.time_limit,
            started,
            gap: a.gap,
            solver_threads: a.solver_threads,
            with_options: a.options_out.is_some(),
        }
    }
}

/// The end of a global run: a plan with its report, or proof that no plan exists.
pub(crate) enum Solved {
    Plan { done: Vec<Chunk>, report: Value },
    Infeasible { reasons: Vec<String>, report: Value },
}

/// The message for an infeasible run (the reasons, and what to do).
pub(crate) fn infeasible_message(reasons: &[String]) -> String {
    let mut msg = String::from("the global constraints cannot all hold; no plan was written\n");
    for r in reasons {
        let _ = writeln!(msg, "  - {r}");
    }
    msg.push_str("  = help: raise a capacity, lower or soften a commitment (add `penalty:`), or run with --greedy to see the per-order choice");
    msg
}

/// Writing a plan takes about this share of the time pricing took.
const WRITE_SHARE: f64 = 0.3;

pub(crate) fn run(
    a: &GlobalOpts,
    engine: &Engine,
    cons: &Constraints,
    orders: &[InputOrder],
    req: &QuoteRequest,
    tm: &mut Timings,
) -> Result<Solved, Failure> {
    // 1. Price every order once and aggregate into classes.
    let t = Instant::now();
    let pb = progress(orders.len(), a.quiet, "pricing");
    let ctx = lpo_solve::SignatureContext::new(engine, cons);
    let runs: Vec<LocalClasses> = orders
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut local = LocalClasses::default();
            let mut q = Quote::default();
            let mut sig = Vec::new();
            for o in chunk {
                let before = match &o.order {
                    Ok(order) if engine.quote_into(order, req, &mut q).is_ok() => {
                        lpo_solve::signature(&ctx, engine, cons, order, &q, &mut sig)
                    }
                    _ => 0,
                };
                local.push(engine, (before > 0).then_some(sig.as_slice()), before);
            }
            pb.inc(chunk.len() as u64);
            local
        })
        .collect();
    pb.finish_and_clear();
    let batch = lpo_solve::merge(runs);
    tm.price = t.elapsed();
    if !a.quiet {
        note!(
            "global: {} orders in {} classes ({} columns before aggregation); solving…",
            group(batch.orders_in_model()),
            group(batch.classes.len() as u64),
            group(batch.per_order_variables())
        );
    }

    // 2. Solve.
    let t = Instant::now();
    // What is left of the run's limit, less what writing the plan will take (re-pricing each
    // order's choice costs a fraction of pricing every option at every band).
    let reserve = tm.price.mul_f64(WRITE_SHARE);
    let left = Duration::try_from_secs_f64(a.time_limit)
        .unwrap_or(Duration::MAX)
        .saturating_sub(a.started.elapsed())
        .saturating_sub(reserve);
    let settings = Settings {
        time_limit: left.max(Duration::from_millis(1)),
        rel_gap: (a.gap / 100.0).max(0.0),
        threads: a.solver_threads.max(1),
    };
    let solved = lpo_solve::solve(engine, cons, &batch, &settings);
    tm.solve = t.elapsed();
    let sol = match solved {
        Ok(s) => s,
        Err(SolveError::Infeasible(inf)) => {
            let report = json!({
                "status": "infeasible",
                "reasons": inf.reasons,
                "model": model_json(&batch, None),
            });
            return Ok(Solved::Infeasible {
                reasons: inf.reasons,
                report,
            });
        }
        Err(e) => {
            return Err(Failure::io(format!(
                "{e}\n  = help: raise --time-limit (now {} s) or --gap (now {} %)",
                a.time_limit, a.gap
            )));
        }
    };
    let choices = lpo_solve::assign(&batch, &sol.alloc);

    // 3. Re-price every order's choice exactly and write its plan row.
    let t = Instant::now();
    let with_options = a.with_options;
    let done: Vec<Chunk> = orders
        .par_chunks(CHUNK)
        .zip(choices.par_chunks(CHUNK))
        .zip(batch.order_class.par_chunks(CHUNK))
        .map(|((chunk, choices), classes)| {
            let mut out = Chunk {
                plan: String::with_capacity(chunk.len() * 96),
                ..Chunk::default()
            };
            let mut q = Quote::default();
            for ((o, choice), class) in chunk.iter().zip(choices).zip(classes) {
                let status = row(
                    engine,
                    cons,
                    &batch,
                    &sol,
                    o,
                    *choice,
                    *class,
                    req,
                    &mut q,
                    &mut out,
                    with_options,
                );
                out.statuses.push(status);
            }
            out
        })
        .collect();
    let t_write = t.elapsed();
    tm.price += t_write;

    // Re-priced totals must be what the model was solved with, to the cent.
    let plan_total: i64 = done
        .iter()
        .flat_map(|c| &c.statuses)
        .map(|s| match s {
            OrderStatus::Allocated { total, .. } => total.0,
            _ => 0,
        })
        .sum();
    let model_total = lpo_solve::invoice(&batch, &sol.alloc, false);
    if plan_total != model_total {
        return Err(Failure::io(format!(
            "internal error: the plan re-prices to {} but the model priced it at {}",
            dollars(plan_total),
            dollars(model_total)
        )));
    }

    let report = report_json(engine, cons, &batch, &sol, tm, plan_total);
    if !a.quiet {
        note!("{}", summary(engine, cons, &batch, &sol, &report));
    }
    Ok(Solved::Plan { done, report })
}

#[allow(clippy::too_many_arguments)]
fn row(
    engine: &Engine,
    cons: &Constraints,
    batch: &Batch,
    sol: &Solution,
    input: &InputOrder,
    choice: Option<(u16, u8)>,
    class: Option<u32>,
    req: &QuoteRequest,
    q: &mut Quote,
    out: &mut Chunk,
    with_options: bool,
) -> OrderStatus {
    if !quote_or_reject(engine, input, req, q, out, with_options) {
        return OrderStatus::Rejected;
    }
    let (Some((option, band)), Some(class)) = (choice, class) else {
        push_unplaced(
            &mut out.plan,
            &input.id,
            "unallocated",
            &unallocated_reason(engine, q),
            &q.warnings,
        );
        return OrderStatus::Unallocated;
    };
    let (option, band) = (usize::from(option), usize::from(band));
    let Some(base) = q.options.get(option) else {
        push_unplaced(
            &mut out.plan,
            &input.id,
            "unallocated",
            "internal: the order's options changed between pricing and writing",
            &q.warnings,
        );
        return OrderStatus::Unallocated;
    };
    let discount = cons
        .tiers_of(engine.service(base.service).map_or(u16::MAX, |s| s.carrier))
        .map_or(lpo_model::Bp(0), |t| t.discount(band));
    let chosen = engine.discounted(q, base, discount);
    let mut reason = rule_ids(engine, q);
    reason.extend(labels(
        engine,
        cons,
        sol,
        batch.options_of(class as usize),
        option as u16,
        band,
    ));
    push_allocated(
        &mut out.plan,
        engine,
        &input.id,
        &chosen,
        &reason.join(" "),
        &q.warnings,
    );
    OrderStatus::Allocated {
        carrier: engine.service(chosen.service).map_or(0, |s| s.carrier),
        total: chosen.total,
    }
}

pub(crate) fn write_report(path: &std::path::Path, report: &Value) -> Result<(), Failure> {
    let mut text = serde_json::to_string_pretty(report)
        .map_err(|e| Failure::io(format!("cannot encode the report: {e}")))?;
    text.push('\n');
    write_atomic(path, &[text.as_bytes()])
        .map_err(|e| Failure::io(format!("cannot write {}: {e}", path.display())))
}

fn model_json(batch: &Batch, sol: Option<&Solution>) -> Value {
    let mut v = json!({
        "orders": batch.orders_in_model(),
        "parcels": batch.parcels_in_model(),
        "columns_per_order_model": batch.per_order_variables(),
        "classes": batch.classes.len(),
        "class_options_after_dominance": batch.options.len(),
    });
    if let Some(s) = sol {
        v["tier_combinations"] = json!(s.stats.combinations);
        v["tier_combinations_solved"] = json!(s.stats.combinations_solved);
        v["column_generation_rounds"] = json!(s.stats.iterations);
        v["largest_lp_columns"] = json!(s.stats.columns);
        v["largest_lp_rows"] = json!(s.stats.rows);
        v["integer_columns"] = json!(s.stats.integer_columns);
        v["relaxation_integral"] = json!(s.stats.relaxation_integral);
        v["orders_in_split_classes"] = json!(s.stats.repaired_orders);
    }
    v
}

/// Per carrier: (parcels, invoice cents) of a plan.
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

fn report_json(
    engine: &Engine,
    cons: &Constraints,
    batch: &Batch,
    sol: &Solution,
    tm: &Timings,
    plan_total: i64,
) -> Value {
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
    let constraints: Vec<Value> = sol
        .rows
        .iter()
        .map(|r| {
            let (id, kind, words) = row_words(engine, cons, r);
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
            json!({
                "id": id,
                "kind": kind,
                "origin": origin,
                "unit": unit,
                "bound": r.bound,
                "used": r.activity,
                "binding": r.binding,
                "shortfall": r.shortfall,
                "shadow_price_cents_per_unit": r.shadow_cents.map(|s| (s * 100.0).round() / 100.0),
                "meaning": words,
            })
        })
        .collect();
    let tiers: Vec<Value> = cons
        .tiers
        .iter()
        .zip(&sol.tiers)
        .map(|(t, r)| {
            let reached = (0..t.bands())
                .rev()
                .find(|&b| r.band_parcels[b] > 0)
                .unwrap_or(0);
            json!({
                "id": t.id,
                "origin": t.origin,
                "carrier": carrier_id(engine, t.carrier),
                "applies": match t.kind { TierKind::All => "all", TierKind::Beyond => "beyond" },
                "volume_parcels": r.volume,
                "band_parcels": r.band_parcels,
                "reached_discount_pct": t.discount(reached).to_string().trim_end_matches('%'),
            })
        })
        .collect();
    let g = by_carrier(batch, &greedy);
    let p = by_carrier(batch, &sol.alloc);
    let mut carriers: Vec<u16> = g.keys().chain(p.keys()).copied().collect();
    carriers.sort_unstable();
    carriers.dedup();
    let carriers: Vec<Value> = carriers
        .iter()
        .map(|c| {
            let (gp, gc) = g.get(c).copied().unwrap_or_default();
            let (pp, pc) = p.get(c).copied().unwrap_or_default();
            json!({
                "carrier": carrier_id(engine, *c),
                "greedy_parcels": gp, "greedy_cents": gc,
                "plan_parcels": pp, "plan_cents": pc,
            })
        })
        .collect();
    let ms = |d: Duration| (d.as_secs_f64() * 1e5).round() / 100.0;
    json!({
        "status": match sol.status {
            Status::Optimal => "optimal",
            Status::TimeLimit => "time_limit",
            Status::Feasible => "feasible",
        },
        "objective_cents": (sol.objective_cents * 100.0).round() / 100.0,
        "bound_cents": (sol.bound_cents * 100.0).round() / 100.0,
        "gap_pct": sol.gap * 100.0,
        "stopped_by": match sol.stats.stop {
            lpo_solve::Stop::Proven => "gap",
            lpo_solve::Stop::TimeLimit => "time_limit",
            lpo_solve::Stop::Exhausted => "search_exhausted",
        },
        "time_ms": {
            "price_and_aggregate": ms(tm.price),
            "solve_total": ms(tm.solve),
            "model_build": ms(sol.stats.build_time),
            "bounds": ms(sol.stats.bound_time),
            "solves": sol.stats.solves.iter().map(|(n, d)| json!({"name": n, "ms": ms(*d)})).collect::<Vec<_>>(),
        },
        "model": model_json(batch, Some(sol)),
        "cost": {
            "plan_cents": plan_total,
            "plan_before_tier_discounts_cents": plan_list,
            "tier_savings_cents": plan_list - plan_total,
            "penalties_cents": (penalties * 100.0).round() / 100.0,
            "greedy_cents": greedy_total,
            "greedy_before_tier_discounts_cents": greedy_list,
            "greedy_breaks": greedy_violation,
            "plan_minus_greedy_cents": plan_total - greedy_total,
        },
        "constraints": constraints,
        "tiers": tiers,
        "carriers": carriers,
    })
}

fn summary(
    engine: &Engine,
    cons: &Constraints,
    batch: &Batch,
    sol: &Solution,
    report: &Value,
) -> String {
    let mut s = String::new();
    let status = match sol.status {
        Status::Optimal => "optimal",
        Status::TimeLimit => "stopped at the time limit with the best plan found",
        Status::Feasible => "a plan not proven within the gap (every step taken)",
    };
    let _ = writeln!(
        s,
        "global: {status}, gap {:.4} %, solved in {:.0} ms ({} solves)",
        sol.gap * 100.0,
        sol.stats
            .solves
            .iter()
            .map(|(_, d)| d.as_secs_f64())
            .sum::<f64>()
            * 1e3,
        sol.stats.solves.len()
    );
    let _ = writeln!(
        s,
        "model: {} orders in {} classes, {} options after dominance (per-order model: {} columns); {} of {} tier combination(s) solved (the others bounded), {} column-generation rounds, largest LP {} columns x {} rows{}",
        group(batch.orders_in_model()),
        group(batch.classes.len() as u64),
        group(batch.options.len() as u64),
        group(batch.per_order_variables()),
        sol.stats.combinations_solved,
        sol.stats.combinations,
        sol.stats.iterations,
        group(sol.stats.columns as u64),
        group(sol.stats.rows as u64),
        if sol.stats.repaired_orders > 0 {
            format!(
                "; {} order(s) placed by an integer solve of the classes the relaxation split",
                sol.stats.repaired_orders
            )
        } else {
            String::new()
        }
    );
    let c = &report["cost"];
    let n = |k: &str| c[k].as_i64().unwrap_or(0);
    let _ = writeln!(
        s,
        "cost: plan {} vs per-order cheapest {} ({}{}); tier discounts in the plan save {}",
        dollars(n("plan_cents")),
        dollars(n("greedy_cents")),
        if n("plan_minus_greedy_cents") >= 0 {
            "+"
        } else {
            ""
        },
        dollars(n("plan_minus_greedy_cents")),
        dollars(n("tier_savings_cents")),
    );
    if let Some(v) = c["greedy_breaks"].as_str() {
        let _ = writeln!(
            s,
            "      (the per-order choice breaks the constraints: {v})"
        );
    }
    for r in &sol.rows {
        let (id, kind, words) = row_words(engine, cons, r);
        let _ = writeln!(s, "  {kind:<10} {id:<24} {words}");
    }
    for (t, r) in cons.tiers.iter().zip(&sol.tiers) {
        let reached = (0..t.bands())
            .rev()
            .find(|&b| r.band_parcels[b] > 0)
            .unwrap_or(0);
        let _ = writeln!(
            s,
            "  {:<10} {:<24} {} parcels to {}: {} (bands {:?})",
            "tiers",
            t.id,
            group(r.volume),
            carrier_id(engine, t.carrier),
            if reached == 0 {
                "no tier reached".to_string()
            } else {
                format!("tier {reached} ({} off)", t.discount(reached))
            },
            r.band_parcels
        );
    }
    s.truncate(s.trim_end().len());
    let _ = Cents::ZERO;
    s
}
