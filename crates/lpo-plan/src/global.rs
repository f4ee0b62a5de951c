//! A batch under the day's global constraints: price every order, aggregate into classes,
//! solve the day with `lpo-solve`, then re-price every order's chosen option exactly and write
//! its plan row. The re-priced total must equal the model's, to the cent.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use lpo_engine::{Constraints, Engine, Quote, QuoteRequest};
use lpo_format::orders::InputOrder;
use lpo_format::output::{push_allocated, push_unplaced, rule_ids};
use lpo_solve::{Batch, LocalClasses, Row, Settings, Solution, SolveError, group};
use rayon::prelude::*;

use crate::batch::{CHUNK, Chunk, OrderStatus, Timings, quote_or_reject, unallocated_reason};
use crate::error::PlanError;
use crate::progress::Progress;
use crate::report::{InfeasibleReport, SolverReport, dollars, model_report, solver_report};

/// The solver settings of a global run (from `lpo optimise` flags or an HTTP request).
#[derive(Debug, Clone)]
pub struct GlobalOpts {
    /// Wall-clock limit of the run, seconds, counted from `started`.
    pub time_limit: f64,
    /// When the run began (the time limit covers reading and pricing too).
    pub started: Instant,
    /// Stop once the plan is proven within this percentage of optimal.
    pub gap: f64,
    /// HiGHS threads.
    pub solver_threads: u32,
    /// Write the options rows too.
    pub with_options: bool,
}

/// The end of a batch: a plan (with the solver's report when it was global), or proof that
/// the global constraints cannot all hold.
#[derive(Debug)]
pub enum Solved {
    Plan {
        done: Vec<Chunk>,
        report: Option<Box<SolverReport>>,
    },
    Infeasible {
        reasons: Vec<String>,
        report: InfeasibleReport,
    },
}

/// The message for an infeasible run (the reasons, and what to do).
pub fn infeasible_message(reasons: &[String]) -> String {
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
    progress: &dyn Progress,
) -> Result<Solved, PlanError> {
    // 1. Price every order once and aggregate into classes.
    let t = Instant::now();
    progress.start("pricing", orders.len());
    // Capacities that others imply stay out of the model; their reports are measured on the
    // plan afterwards.
    let reduced = lpo_solve::reduce(cons);
    let original = cons;
    let cons = reduced.as_ref().map_or(cons, |r| &r.cons);
    if let Some(r) = &reduced {
        progress.message(&format!(
            "global: {} of {} capacities are implied by another (same unit, a scope inside it, a limit no tighter) and left out of the model",
            group(r.left_out() as u64),
            group(original.capacities.len() as u64)
        ));
    }
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
            progress.advance(chunk.len());
            local
        })
        .collect();
    progress.finish();
    let batch = lpo_solve::merge(runs);
    tm.price = t.elapsed();
    progress.message(&format!(
        "global: {} orders in {} classes ({} columns before aggregation); solving…",
        group(batch.orders_in_model()),
        group(batch.classes.len() as u64),
        group(batch.per_order_variables())
    ));

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
        Ok(mut s) => {
            if let Some(r) = &reduced {
                r.restore(engine, original, &batch, &mut s);
            }
            s
        }
        Err(SolveError::Infeasible(inf)) => {
            let report = InfeasibleReport {
                model: model_report(&batch, None),
                reasons: inf.reasons.clone(),
                status: "infeasible",
            };
            return Ok(Solved::Infeasible {
                reasons: inf.reasons,
                report,
            });
        }
        Err(error) => {
            return Err(PlanError::Solve(error));
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
                    original,
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
        return Err(PlanError::Internal(format!(
            "the plan re-prices to {} but the model priced it at {}",
            dollars(plan_total),
            dollars(model_total)
        )));
    }

    let report = solver_report(engine, original, &batch, &sol, tm, plan_total);
    Ok(Solved::Plan {
        done,
        report: Some(Box::new(report)),
    })
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

/// Which options of its class an order may take and whether the choice moved because of
/// constraints: labels for the plan's `reason` column.
#[expect(
    clippy::indexing_slicing,
    reason = "a row report indexes the constraints it was solved with (cons), and a class has at least its rank-0 option"
)]
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
