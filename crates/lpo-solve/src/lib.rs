//! Global optimisation of a day's batch: every order gets one feasible option so that courier
//! capacities, volume commitments and tier discounts are respected and the total is least.
//!
//! The engine prices each order once; orders that look the same to the model are aggregated
//! into classes ([`classes`]); the classes are solved as one MIP on HiGHS ([`model`]); the
//! solution is turned back into a choice per order ([`assign`]), which the caller re-prices
//! exactly in cents.

mod bound;
mod cg;
pub mod classes;
mod model;
mod repair;

use std::time::{Duration, Instant};

use highs::HighsModelStatus;
use lpo_engine::constraints::{CapacityUnit, CommitmentUnit, TierKind};
use lpo_engine::{Constraints, Engine};

pub use classes::{
    BandPrice, Batch, Class, ClassOption, LocalClasses, SignatureContext, merge, signature,
};
pub use model::Settings;

use cg::{Col, LpOptimum, Objective, Pool, Spec};

/// A capacity or commitment row of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Capacity(usize),
    Commitment(usize),
}

/// Penalty per unit of a commitment's shortfall (parcels, or cents of spend), in cents.
pub(crate) fn penalty_per_unit(unit: CommitmentUnit, penalty_cents: i64) -> f64 {
    match unit {
        CommitmentUnit::Parcels => penalty_cents as f64,
        // The penalty is per dollar short; the shortfall is counted in cents.
        CommitmentUnit::Spend => penalty_cents as f64 / 100.0,
    }
}

/// How many orders of a class take option `option` (an index into the class's options)
/// priced in band `band`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alloc {
    pub option: u16,
    pub band: u8,
    pub count: u64,
}

/// What ended the search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Stop {
    /// Every combination of tier bands was solved or bounded within the gap.
    #[default]
    Proven,
    /// The time limit.
    TimeLimit,
    /// Every step was taken, but the plan is not proven within the gap (whole orders cost
    /// more than the relaxation's bound and the model is too large for one integer solve).
    Exhausted,
}

/// How the solve ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Proven optimal within the requested gap.
    Optimal,
    /// Stopped by the time limit with a feasible plan; the gap says how far from optimal it may be.
    TimeLimit,
    /// A feasible plan with its proven gap, above the requested one, after every step was
    /// taken.
    Feasible,
}

/// One capacity or commitment after the solve, measured on the final (integer) plan.
#[derive(Debug, Clone)]
pub struct RowReport {
    pub row: Row,
    /// Parcels, grams or cents used (capacity) or delivered (commitment).
    pub activity: u64,
    /// The limit (capacity) or the minimum (commitment).
    pub bound: u64,
    /// At its limit (capacity) or minimum (commitment).
    pub binding: bool,
    /// Shortfall of a commitment (soft ones may fall short; hard ones never do).
    pub shortfall: u64,
    /// Change of the least cost, in cents, per one more unit of the bound (a parcel, a kg or a
    /// dollar): negative when raising the bound saves money. From the LP with the tier bands
    /// fixed; `None` when that LP could not be solved.
    pub shadow_cents: Option<f64>,
}

/// A tier schedule after the solve.
#[derive(Debug, Clone)]
pub struct TierReport {
    /// Parcels of the carrier priced in each band.
    pub band_parcels: Vec<u64>,
    /// The carrier's parcels in the plan.
    pub volume: u64,
}

/// Sizes and times, for the report.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub orders: u64,
    pub parcels: u64,
    pub classes: usize,
    /// Options kept after dominance, over all classes.
    pub class_options: usize,
    /// Variables of an unaggregated (per order) model over every quoted option and band.
    pub per_order_columns: u64,
    /// Largest master LP solved: columns and rows.
    pub columns: usize,
    pub rows: usize,
    pub integer_columns: usize,
    /// Tier band combinations, and how many were solved.
    pub combinations: usize,
    pub combinations_solved: usize,
    /// Time spent bounding combinations without an LP (bound.rs).
    pub bound_time: Duration,
    /// What ended the search.
    pub stop: Stop,
    /// Column-generation rounds over all combinations.
    pub iterations: usize,
    /// Solves run: (what, time).
    pub solves: Vec<(String, Duration)>,
    pub build_time: Duration,
    /// Orders of classes the relaxation split, placed by an integer solve.
    pub repaired_orders: u64,
    /// Whether the chosen combination's LP optimum was already integral.
    pub relaxation_integral: bool,
}

/// The solved batch.
#[derive(Debug, Clone)]
pub struct Solution {
    pub status: Status,
    /// Per class, its allocations (counts sum to the class's count).
    pub alloc: Vec<Vec<Alloc>>,
    /// Exact objective of the plan: scores plus soft-commitment penalties, cents.
    pub objective_cents: f64,
    /// Best proven lower bound on the objective, cents.
    pub bound_cents: f64,
    /// (objective − bound) / objective.
    pub gap: f64,
    pub rows: Vec<RowReport>,
    pub tiers: Vec<TierReport>,
    pub stats: Stats,
}

/// Why the constraints cannot all hold, for people.
#[derive(Debug, Clone)]
pub struct Infeasibility {
    /// One sentence per constraint that would have to give, with by how much.
    pub reasons: Vec<String>,
}

/// Why a solve returned no plan.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SolveError {
    /// The constraints are proven unable to hold together; the reasons say which.
    #[error("the constraints cannot all hold: {}", .0.reasons.join("; "))]
    Infeasible(Infeasibility),
    /// The time limit ended the search before any plan was found (not a proof of anything).
    #[error(
        "no plan found: the time limit ended the search before any plan was found (the constraints are not proven infeasible)"
    )]
    TimeLimit,
    /// Fractions of orders meet every constraint, but no plan of whole orders was found.
    #[error(
        "no plan found: fractions of orders can meet every constraint, but the integer steps found no plan of whole orders (a capacity or commitment may sit between the sizes of the orders that could fill it); the constraints are not proven infeasible"
    )]
    NoIntegerPlan,
    /// HiGHS failed or gave an answer that cannot be used.
    #[error("solver failed: {0}")]
    Solver(String),
}

/// With `LPO_TRACE_CG` set, writes a line of the solver's progress to stderr (a closed stderr
/// drops it: tracing never changes a run's outcome).
pub(crate) fn trace(line: impl FnOnce() -> String) {
    if std::env::var_os("LPO_TRACE_CG").is_some() {
        use std::io::Write;
        let _ = writeln!(std::io::stderr().lock(), "{}", line());
    }
}

const EPS: f64 = 1e-6;
/// Reduced costs this close to zero count as zero.
const RC_TOL: f64 = 1e-6;
/// Classes × combinations up to which every combination's bound is sharpened at once.
const EAGER_BOUNDS: usize = 20_000_000;
/// Most tier band combinations solved (the product of every schedule's bands); validation
/// refuses more.
pub const MAX_COMBINATIONS: usize = lpo_engine::constraints::MAX_TIER_COMBINATIONS;

/// Solves the batch under the constraints.
pub fn solve(
    engine: &Engine,
    cons: &Constraints,
    batch: &Batch,
    settings: &Settings,
) -> Result<Solution, SolveError> {
    let deadline = Instant::now() + settings.time_limit;
    let combos = cg::combos(cons);
    let mut stats = Stats {
        orders: batch.orders_in_model(),
        parcels: batch.parcels_in_model(),
        classes: batch.classes.len(),
        class_options: batch.options.len(),
        per_order_columns: batch.per_order_variables(),
        combinations: combos.len(),
        ..Stats::default()
    };
    if combos.len() > MAX_COMBINATIONS {
        return Err(SolveError::Solver(format!(
            "the tier schedules make {} combinations of bands; at most {MAX_COMBINATIONS} are solved",
            combos.len()
        )));
    }
    if batch.classes.is_empty() {
        // Nothing to place: every capacity holds, and a hard commitment holds only if it asks
        // for nothing (soft ones pay their penalty in full).
        if cons
            .commitments
            .iter()
            .any(|m| m.penalty.is_none() && m.min > 0)
        {
            return Err(SolveError::Infeasible(explain_infeasible(
                engine, cons, batch, None,
            )));
        }
        return Ok(Solution {
            status: Status::Optimal,
            alloc: Vec::new(),
            objective_cents: 0.0,
            bound_cents: 0.0,
            gap: 0.0,
            rows: row_reports(engine, cons, batch, &[], None),
            tiers: tier_reports(cons, batch, &[]),
            stats,
        });
    }

    // Contradictions plain from counting (a minimum above all that can go by its carrier, a
    // capacity below what can go nowhere else) need no LP.
    let counted = counted_reasons(engine, cons, batch, None);
    if !counted.is_empty() {
        return Err(SolveError::Infeasible(Infeasibility { reasons: counted }));
    }

    let greedy_alloc = greedy(cons, batch);
    let natural = natural_combo(cons, batch, &greedy_alloc, &combos);
    // The per-order choice is the first plan when it breaks nothing; else the per-order choice
    // repaired against the hard capacities and commitments, when that works (repair.rs).
    let first = if violation(engine, cons, batch, &greedy_alloc).is_none() {
        Some(greedy_alloc)
    } else {
        repair::repaired(engine, cons, batch)
    };
    let mut best: Option<Incumbent> = first.map(|alloc| Incumbent {
        value: objective(cons, batch, &alloc),
        alloc,
        combo: None,
    });

    // 1. Every combination gets a lower bound without an LP (bound.rs); then, from the
    //    combination the per-order choice lands in and on in order of bound, each one's LP is
    //    solved by column generation and its optimum made whole orders, until every remaining
    //    bound is within the gap of the best plan.
    let rows0 = cg::coupling_rows(engine, cons, &vec![0; cons.tiers.len()]);
    let t = Instant::now();
    let mut tables = bound::Tables::new(cons, batch, &rows0, &[]);
    let mut lb: Vec<f64> = combos
        .iter()
        .map(|c| tables.bound_flat(cons, batch, c))
        .collect();
    let mut refined = vec![false; combos.len()];
    // Per combination: its LP optimum (an index into `solved`) once solved; it stays open,
    // with the LP's bound, until its turn comes to be made whole orders.
    let mut lp_of: Vec<Option<usize>> = vec![None; combos.len()];
    let mut open = vec![true; combos.len()];
    stats.bound_time += t.elapsed();
    let mut pool: Vec<Pool> = (0..batch.classes.len())
        .map(|k| Pool::Folded(cg::first_col(cons, batch, &combos[natural], k)))
        .collect();
    let mut solved: Vec<(usize, LpOptimum)> = Vec::new();
    let mut stop = Stop::Proven;
    let tol = |v: f64| settings.rel_gap.max(0.0) * v.abs();
    let mut next = Some(natural);
    loop {
        let (ci, least) = match next.take() {
            Some(c) => (c, false),
            None => match (0..combos.len())
                .filter(|&c| open[c])
                .min_by(|&a, &b| lb[a].total_cmp(&lb[b]).then(a.cmp(&b)))
            {
                Some(c) => (c, true),
                None => break,
            },
        };
        // A first plan from the per-order choice or its repair prunes combinations, but the
        // per-order choice's combination is still solved and the least LP still made whole
        // orders (that plan keeps each order's best-ranked option among least-cost plans, and
        // carries the LP's shadow prices).
        if let Some(b) = &best
            && lb[ci] >= b.value - tol(b.value)
            && !(b.combo.is_none() && (lp_of[ci].is_some() || !least))
        {
            if least {
                // The least bound left is within the gap: every open combination is done.
                break;
            }
            // The per-order choice's combination cannot do better; the others may.
            open[ci] = false;
            continue;
        }
        if Instant::now() >= deadline {
            stop = Stop::TimeLimit;
            break;
        }
        let combo = &combos[ci];
        if let Some(si) = lp_of[ci] {
            // Its LP bound is the least left: make it whole orders.
            open[ci] = false;
            let r = &solved[si].1;
            let (found, proven) = whole_orders(
                engine, cons, batch, combo, r, settings, deadline, &mut stats,
            )?;
            if proven.is_finite() {
                lb[ci] = lb[ci].max(proven - 1e-9 * proven.abs());
            } else if proven == f64::INFINITY {
                lb[ci] = f64::INFINITY;
            }
            crate::trace(|| {
                format!(
                    "whole orders, bands {combo:?}: LP {:.2} (bound {:.2}), plan {:?}",
                    r.value,
                    r.lower,
                    found.as_ref().map(|a| objective(cons, batch, a))
                )
            });
            if let Some(alloc) = found {
                let v = objective(cons, batch, &alloc);
                // On equal cost, a plan from an LP (with its duals) replaces the per-order one.
                if best
                    .as_ref()
                    .is_none_or(|b| v < b.value || (v <= b.value && b.combo.is_none()))
                {
                    best = Some(Incumbent {
                        value: v,
                        alloc,
                        combo: Some(ci),
                    });
                }
            }
            continue;
        }
        if !refined[ci] && !solved.is_empty() {
            // Sharpen the bound (the window prices) before paying for an LP.
            let t = Instant::now();
            lb[ci] = lb[ci].max(tables.bound(cons, batch, combo));
            refined[ci] = true;
            stats.bound_time += t.elapsed();
            if !lb[ci].is_finite() {
                open[ci] = false;
                stats
                    .solves
                    .push((format!("bands {combo:?}: out of reach"), Duration::ZERO));
            }
            continue;
        }
        open[ci] = false;
        if cg::out_of_reach(engine, cons, batch, combo).is_some() {
            lb[ci] = f64::INFINITY;
            stats
                .solves
                .push((format!("bands {combo:?}: out of reach"), Duration::ZERO));
            continue;
        }
        let start = cg::remap(cons, batch, combo, &pool);
        // Duals of the last feasible combination start this one (an infeasible one's are
        // inflated by its elastic prices).
        let warm = solved
            .iter()
            .rev()
            .find(|(_, r)| r.feasible)
            .map(|(_, r): &(usize, LpOptimum)| (r.kinds.as_slice(), r.duals.as_slice()));
        let r = cg::lp(engine, cons, batch, combo, start, warm, settings, deadline)
            .map_err(SolveError::Solver)?;
        stats.iterations += r.iterations;
        stats.columns = stats.columns.max(r.columns);
        stats.rows = stats.rows.max(r.rows);
        stats.build_time += r.build_time;
        stats.solves.push((
            format!("LP, bands {combo:?}, {} rounds", r.iterations),
            r.solve_time,
        ));
        stats.combinations_solved += 1;
        if r.timed_out {
            if r.lower.is_finite() {
                lb[ci] = lb[ci].max(r.lower);
            }
            stop = Stop::TimeLimit;
            solved.push((ci, r));
            break;
        }
        lb[ci] = if r.feasible {
            lb[ci].max(r.lower)
        } else {
            f64::INFINITY
        };
        if solved.is_empty() && r.feasible {
            // The first duals make every other combination's bound sharper.
            let t = Instant::now();
            tables = bound::Tables::new(cons, batch, &rows0, &r.duals);
            // Small batches sharpen every bound now (the gap is then honest even if time runs
            // out); large ones when a combination comes up.
            let eager = batch.classes.len() * combos.len() <= EAGER_BOUNDS;
            for (c, combo) in combos.iter().enumerate() {
                if open[c] {
                    lb[c] = lb[c].max(if eager {
                        tables.bound(cons, batch, combo)
                    } else {
                        tables.bound_flat(cons, batch, combo)
                    });
                    refined[c] = eager;
                    if !lb[c].is_finite() {
                        open[c] = false;
                    }
                }
            }
            stats.bound_time += t.elapsed();
        }
        pool = r.pool.clone();
        if r.feasible {
            // Made whole orders when its bound is the least left, or at once while there is no
            // plan yet (a plan in hand is what a time limit can still return).
            open[ci] = true;
            lp_of[ci] = Some(solved.len());
            if best.is_none() {
                next = Some(ci);
            }
        }
        solved.push((ci, r));
    }
    // Every combination's bound holds whether or not it was solved.
    let lower = lb.iter().copied().fold(f64::INFINITY, f64::min);
    let Some(best) = best else {
        if stop == Stop::Proven && lower == f64::INFINITY {
            // The combination that needs the least relaxing tells which constraints give.
            let least = solved
                .iter()
                .min_by(|a, b| slack_size(&a.1).total_cmp(&slack_size(&b.1)))
                .map(|(_, r)| r);
            return Err(SolveError::Infeasible(explain_infeasible(
                engine, cons, batch, least,
            )));
        }
        if stop == Stop::TimeLimit {
            return Err(SolveError::TimeLimit);
        }
        // The relaxation has plans but no whole-order plan was found: not a proof.
        return Err(SolveError::NoIntegerPlan);
    };
    let bound_cents = lower.min(best.value);
    let g = gap(best.value, bound_cents);
    let (status, why) = if g <= settings.rel_gap.max(1e-9) {
        (Status::Optimal, Stop::Proven)
    } else if stop == Stop::TimeLimit {
        (Status::TimeLimit, Stop::TimeLimit)
    } else {
        (Status::Feasible, Stop::Exhausted)
    };
    stats.stop = why;
    let duals = best.combo.and_then(|ci| {
        solved
            .iter()
            .find(|(c, _)| *c == ci)
            .map(|(_, r)| r.duals.as_slice())
    });
    Ok(Solution {
        status,
        rows: row_reports(engine, cons, batch, &best.alloc, duals),
        tiers: tier_reports(cons, batch, &best.alloc),
        alloc: best.alloc,
        objective_cents: best.value,
        bound_cents,
        gap: g,
        stats,
    })
}

/// The best plan found so far.
struct Incumbent {
    value: f64,
    alloc: Vec<Vec<Alloc>>,
    /// The combination whose LP it came from (`None`: the per-order choice).
    combo: Option<usize>,
}

/// The combination of bands the per-order choice's volumes fall in.
fn natural_combo(
    cons: &Constraints,
    batch: &Batch,
    greedy: &[Vec<Alloc>],
    combos: &[Vec<usize>],
) -> usize {
    let want: Vec<usize> = band_usage(cons, batch, greedy)
        .iter()
        .map(|used| used.iter().rposition(|&n| n > 0).unwrap_or(0))
        .collect();
    combos.iter().position(|c| *c == want).unwrap_or(0)
}

fn slack_size(r: &LpOptimum) -> f64 {
    r.slack.iter().sum()
}

/// From a combination's LP optimum to whole orders: first, among the least-cost solutions,
/// each class's best-ranked options (columns with a zero reduced cost, rows with a dual held at
/// their bound, then the ranks minimised); then the classes left split are placed by an
/// integer program with every other class fixed. Gives the plan found, and HiGHS's proven
/// lower bound on the combination when every class was made integer (NaN otherwise).
#[allow(clippy::too_many_arguments)]
fn whole_orders(
    engine: &Engine,
    cons: &Constraints,
    batch: &Batch,
    combo: &[usize],
    opt: &LpOptimum,
    settings: &Settings,
    deadline: Instant,
    stats: &mut Stats,
) -> Result<Rounded, SolveError> {
    let rows = cg::coupling_rows(engine, cons, combo);
    // Values of the LP optimum per class: folded classes whole on their column.
    let mut values = class_values(batch, &opt.pool, &opt.free_values);

    // Tie-break.
    let face = cg::price(
        cons,
        batch,
        &rows,
        combo,
        &opt.pool,
        &opt.duals,
        &opt.assign,
        RC_TOL,
    );
    // Every class starts on the columns its LP optimum uses.
    let mut tb_pool: Vec<Pool> = values
        .iter()
        .map(|v| {
            let used: Vec<Col> = v
                .iter()
                .filter(|(_, x)| *x > EPS)
                .map(|(c, _)| *c)
                .collect();
            match used.as_slice() {
                [one] => Pool::Folded(*one),
                [] => Pool::Folded(Col { j: 0, b: 0 }),
                _ => Pool::Free(used),
            }
        })
        .collect();
    let mut any_free = tb_pool.iter().any(|p| matches!(p, Pool::Free(_)));
    for (k, cols) in face {
        let mut cs: Vec<Col> = cols.into_iter().map(|(c, _)| c).collect();
        for (c, v) in &values[k] {
            if *v > EPS && !cs.contains(c) {
                cs.push(*c);
            }
        }
        cs.sort_unstable();
        if cs.len() > 1 {
            any_free = true;
            tb_pool[k] = Pool::Free(cs);
        } else if let Some(c) = cs.first() {
            tb_pool[k] = Pool::Folded(*c);
        }
    }
    if any_free && Instant::now() < deadline {
        let tight: Vec<bool> = opt.duals.iter().map(|d| d.abs() > RC_TOL).collect();
        let soft_free: Vec<bool> = opt
            .soft
            .iter()
            .map(|s| s.is_none_or(|(_, rc)| rc.abs() <= RC_TOL))
            .collect();
        let t = Instant::now();
        let m = cg::build(
            batch,
            cons,
            &rows,
            &tb_pool,
            &Spec {
                objective: Objective::Rank,
                elastic: None,
                integer: false,
                tight: Some(&tight),
                soft_free: Some(&soft_free),
            },
        )
        .map_err(SolveError::Solver)?;
        stats.build_time += t.elapsed();
        let s = cg::solve(batch, m, settings, deadline).map_err(SolveError::Solver)?;
        stats.solves.push(("tie-break".into(), s.time));
        if s.status == HighsModelStatus::Optimal {
            let tb_values = class_values(batch, &tb_pool, &s.values);
            // Keep it only if it costs what the optimum costs, penalties included.
            let penalties = |soft: &[Option<(f64, f64)>]| -> f64 {
                rows.rows
                    .iter()
                    .zip(soft)
                    .map(|(r, s)| r.soft.unwrap_or(0.0) * s.map_or(0.0, |(v, _)| v))
                    .sum()
            };
            if relaxed_cost(batch, &tb_values) + penalties(&s.soft)
                <= relaxed_cost(batch, &values) + penalties(&opt.soft) + 0.5
            {
                values = tb_values;
            }
        }
    }

    // Whole orders.
    let split: Vec<bool> = values
        .iter()
        .map(|v| v.iter().any(|(_, x)| (x - x.round()).abs() > EPS))
        .collect();
    stats.relaxation_integral = !split.iter().any(|&s| s);
    stats.repaired_orders = batch
        .classes
        .iter()
        .zip(&split)
        .filter(|(_, s)| **s)
        .map(|(c, _)| c.count)
        .sum();
    if stats.relaxation_integral {
        return Ok((Some(values.iter().map(|v| to_alloc(v)).collect()), f64::NAN));
    }
    let mut combo_bound = f64::NAN;
    // The split classes get every column their combination allows; the others keep their
    // counts. If that is not within the gap of the LP optimum, and the whole model is small
    // enough, every class gets every column.
    let all_cols = |k: usize| -> Vec<Col> { cg::columns(cons, batch, combo, k).collect() };
    let split_pool: Vec<Pool> = values
        .iter()
        .enumerate()
        .map(|(k, v)| {
            if split[k] {
                Pool::Free(all_cols(k))
            } else {
                Pool::Fixed(
                    v.iter()
                        .filter(|(_, x)| x.round() >= 1.0)
                        .map(|(c, x)| (*c, x.round() as u64))
                        .collect(),
                )
            }
        })
        .collect();
    let (mut found, _) = integer(
        engine,
        cons,
        batch,
        &rows,
        &split_pool,
        settings,
        deadline,
        stats,
        "split classes (integer)",
    )?;
    // Within the gap of the combination's proven bound (the LP value may sit a little above it
    // when column generation stopped in its tail).
    let good = |a: &Option<Vec<Vec<Alloc>>>| {
        a.as_ref().is_some_and(|a| {
            gap(objective(cons, batch, a), opt.lower.min(opt.value)) <= settings.rel_gap
        })
    };
    if !good(&found) {
        // Widen step by step: the classes the LP left free that are closest to moving (the
        // smallest reduced cost of a column they do not use) keep their pool columns, as
        // integers too; first a few thousand, then ten times more, then all of them.
        let mut near: Vec<(f64, usize)> = (0..batch.classes.len())
            .filter(|&k| !split[k])
            .filter_map(|k| match &opt.pool[k] {
                Pool::Free(cs) => {
                    let used: Vec<Col> = values[k]
                        .iter()
                        .filter(|(_, x)| *x > EPS)
                        .map(|(c, _)| *c)
                        .collect();
                    let unused: Vec<Col> =
                        cs.iter().filter(|c| !used.contains(c)).copied().collect();
                    let rc = cg::reduced_costs(
                        cons,
                        batch,
                        &rows,
                        &opt.duals,
                        k,
                        &unused,
                        opt.assign[k]?,
                    )
                    .into_iter()
                    .fold(f64::INFINITY, f64::min);
                    Some((rc, k))
                }
                _ => None,
            })
            .collect();
        near.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut size = WIDEN_FIRST;
        loop {
            if Instant::now() >= deadline {
                break;
            }
            let take = size.min(near.len());
            let mut wider = split_pool.clone();
            for &(_, k) in &near[..take] {
                if let Pool::Free(cs) = &opt.pool[k] {
                    wider[k] = Pool::Free(cs.clone());
                }
            }
            let what = format!("split classes and {take} nearly indifferent ones (integer)");
            let (wide, _) = integer(
                engine, cons, batch, &rows, &wider, settings, deadline, stats, &what,
            )?;
            let better = match (&wide, &found) {
                (Some(w), Some(f)) => objective(cons, batch, w) < objective(cons, batch, f),
                (Some(_), None) => true,
                _ => false,
            };
            if better {
                found = wide;
            }
            if good(&found) || take == near.len() {
                break;
            }
            size *= 10;
        }
    }
    let full_columns: usize = (0..batch.classes.len()).map(|k| all_cols(k).len()).sum();
    if !good(&found) && full_columns <= FULL_MIP_COLUMNS && Instant::now() < deadline {
        let full: Vec<Pool> = (0..batch.classes.len())
            .map(|k| Pool::Free(all_cols(k)))
            .collect();
        let (whole, proven) = integer(
            engine,
            cons,
            batch,
            &rows,
            &full,
            settings,
            deadline,
            stats,
            "every class (integer)",
        )?;
        // Every class over every column: HiGHS's dual bound bounds the combination.
        if !proven.is_nan() {
            combo_bound = proven;
        }
        let better = match (&whole, &found) {
            (Some(w), Some(f)) => objective(cons, batch, w) < objective(cons, batch, f),
            (Some(_), None) => true,
            _ => false,
        };
        if better {
            found = whole;
        }
    }
    Ok((found, combo_bound))
}

/// An integer step's plan (if it found one) and its proven lower bound on the combination
/// (NaN when it proves none; infinite when the combination has no plan of whole orders).
type Rounded = (Option<Vec<Vec<Alloc>>>, f64);

/// Largest model given to HiGHS with every class integer over every column.
const FULL_MIP_COLUMNS: usize = 200_000;
/// Nearly indifferent classes freed in the first widening of the integer step.
const WIDEN_FIRST: usize = 2_000;

/// An integer solve over a pool: free classes integer, the others constant.
#[allow(clippy::too_many_arguments)]
fn integer(
    engine: &Engine,
    cons: &Constraints,
    batch: &Batch,
    rows: &cg::Rows,
    pool: &[Pool],
    settings: &Settings,
    deadline: Instant,
    stats: &mut Stats,
    what: &str,
) -> Result<Rounded, SolveError> {
    let t = Instant::now();
    let m = cg::build(
        batch,
        cons,
        rows,
        pool,
        &Spec {
            objective: Objective::Cost,
            elastic: None,
            integer: true,
            tight: None,
            soft_free: None,
        },
    )
    .map_err(SolveError::Solver)?;
    stats.build_time += t.elapsed();
    stats.integer_columns = stats.integer_columns.max(m.integer_columns);
    let free_classes = m.free_classes;
    // One integer step may take half of what is left: a plan found late still leaves time to
    // bound the other combinations.
    let now = Instant::now();
    let step = now + deadline.saturating_duration_since(now) / 2;
    let s = cg::solve(batch, m, settings, step).map_err(SolveError::Solver)?;
    stats.solves.push((what.to_string(), s.time));
    if matches!(
        s.status,
        HighsModelStatus::Infeasible | HighsModelStatus::UnboundedOrInfeasible
    ) || (free_classes > 0 && s.value.is_nan())
    {
        crate::trace(|| format!("{what}: HiGHS status {:?}", s.status));
        let proven = if s.status == HighsModelStatus::Infeasible {
            f64::INFINITY
        } else {
            f64::NAN
        };
        return Ok((None, proven));
    }
    let mut alloc: Vec<Vec<Alloc>> = pool
        .iter()
        .enumerate()
        .map(|(k, p)| match p {
            Pool::Fixed(f) => f
                .iter()
                .map(|(c, n)| Alloc {
                    option: c.j,
                    band: c.b,
                    count: *n,
                })
                .collect(),
            Pool::Folded(c) => vec![Alloc {
                option: c.j,
                band: c.b,
                count: batch.classes[k].count,
            }],
            Pool::Free(_) => Vec::new(),
        })
        .collect();
    for (k, v) in &s.values {
        alloc[*k] = to_alloc(v);
    }
    if let Some(v) = violation(engine, cons, batch, &alloc) {
        crate::trace(|| format!("{what}: the integer plan breaks {v}"));
        return Ok((None, s.bound));
    }
    Ok((Some(alloc), s.bound))
}

/// Every class's column values in a solution: folded classes whole on their column, free ones
/// as solved.
fn class_values(batch: &Batch, pool: &[Pool], free: &cg::FreeValues) -> Vec<Vec<(Col, f64)>> {
    let mut values: Vec<Vec<(Col, f64)>> = pool
        .iter()
        .enumerate()
        .map(|(k, p)| match p {
            Pool::Folded(c) => vec![(*c, batch.classes[k].count as f64)],
            _ => Vec::new(),
        })
        .collect();
    for (k, v) in free {
        values[*k] = v.clone();
    }
    values
}

fn to_alloc(v: &[(Col, f64)]) -> Vec<Alloc> {
    let mut out: Vec<Alloc> = v
        .iter()
        .filter(|(_, x)| x.round() >= 1.0)
        .map(|(c, x)| Alloc {
            option: c.j,
            band: c.b,
            count: x.round() as u64,
        })
        .collect();
    out.sort_by_key(|a| (a.option, a.band));
    out
}

fn relaxed_cost(batch: &Batch, values: &[Vec<(Col, f64)>]) -> f64 {
    values
        .iter()
        .enumerate()
        .map(|(k, v)| {
            let opts = batch.options_of(k);
            v.iter()
                .map(|(c, x)| {
                    batch
                        .price(&opts[usize::from(c.j)], usize::from(c.b))
                        .score
                        .0 as f64
                        * x
                })
                .sum::<f64>()
        })
        .sum()
}

fn gap(objective: f64, bound: f64) -> f64 {
    if !bound.is_finite() {
        return f64::INFINITY;
    }
    if objective.abs() < 1e-9 {
        0.0
    } else {
        ((objective - bound) / objective.abs()).max(0.0)
    }
}

/// Parcels per band of every tier schedule in a plan.
pub fn band_usage(cons: &Constraints, batch: &Batch, alloc: &[Vec<Alloc>]) -> Vec<Vec<u64>> {
    cons.tiers
        .iter()
        .map(|t| {
            let mut used = vec![0u64; t.bands()];
            for (k, a) in alloc.iter().enumerate() {
                let c = &batch.classes[k];
                for a in a {
                    if batch.options_of(k)[usize::from(a.option)].carrier == t.carrier {
                        used[usize::from(a.band)] += a.count * c.parcels;
                    }
                }
            }
            used
        })
        .collect()
}

fn tier_reports(cons: &Constraints, batch: &Batch, alloc: &[Vec<Alloc>]) -> Vec<TierReport> {
    band_usage(cons, batch, alloc)
        .into_iter()
        .map(|band_parcels| TierReport {
            volume: band_parcels.iter().sum(),
            band_parcels,
        })
        .collect()
}

/// Exact objective of an integer plan: scores plus soft-commitment penalties, in cents.
pub fn objective(cons: &Constraints, batch: &Batch, alloc: &[Vec<Alloc>]) -> f64 {
    let mut total: i128 = 0;
    for (k, a) in alloc.iter().enumerate() {
        for a in a {
            let p = batch.price(
                &batch.options_of(k)[usize::from(a.option)],
                usize::from(a.band),
            );
            total += i128::from(p.score.0) * i128::from(a.count);
        }
    }
    let mut pen = 0.0;
    for m in &cons.commitments {
        if let Some(p) = m.penalty {
            let got = commitment_activity(m, batch, alloc);
            let short = m.min.saturating_sub(got);
            pen += short as f64 * penalty_per_unit(m.unit, p.0);
        }
    }
    total as f64 + pen
}

/// Invoice total of an integer plan, cents; `band0`: as if no tier discount applied.
pub fn invoice(batch: &Batch, alloc: &[Vec<Alloc>], band0: bool) -> i64 {
    let mut total = 0i64;
    for (k, a) in alloc.iter().enumerate() {
        for a in a {
            let o = &batch.options_of(k)[usize::from(a.option)];
            let b = if band0 { 0 } else { usize::from(a.band) };
            total += batch.price(o, b).total.0 * a.count as i64;
        }
    }
    total
}

fn commitment_activity(
    m: &lpo_engine::constraints::Commitment,
    batch: &Batch,
    alloc: &[Vec<Alloc>],
) -> u64 {
    let mut got: i128 = 0;
    for (k, a) in alloc.iter().enumerate() {
        let c = &batch.classes[k];
        for a in a {
            let o = &batch.options_of(k)[usize::from(a.option)];
            if o.carrier != m.carrier {
                continue;
            }
            got += match m.unit {
                CommitmentUnit::Parcels => i128::from(c.parcels * a.count),
                CommitmentUnit::Spend => {
                    i128::from(batch.price(o, usize::from(a.band)).total.0) * i128::from(a.count)
                }
            };
        }
    }
    u64::try_from(got.max(0)).unwrap_or(u64::MAX)
}

fn capacity_activity(
    engine: &Engine,
    cap: &lpo_engine::constraints::Capacity,
    batch: &Batch,
    alloc: &[Vec<Alloc>],
) -> u64 {
    let mut used = 0u64;
    for (k, a) in alloc.iter().enumerate() {
        let c = &batch.classes[k];
        for a in a {
            let o = &batch.options_of(k)[usize::from(a.option)];
            if cap.scope.matches(engine, o.service, o.warehouse) {
                used += a.count
                    * match cap.unit {
                        CapacityUnit::Parcels => c.parcels,
                        CapacityUnit::Grams => c.grams,
                    };
            }
        }
    }
    used
}

/// Capacity and commitment rows measured on the plan, with the LP's shadow prices. Coupling
/// rows list capacities first, then commitments (see `cg::coupling_rows`).
fn row_reports(
    engine: &Engine,
    cons: &Constraints,
    batch: &Batch,
    alloc: &[Vec<Alloc>],
    duals: Option<&[f64]>,
) -> Vec<RowReport> {
    let shadow = |row: usize, per_unit: f64| {
        duals.and_then(|d| d.get(row)).map(|v| {
            let v = v * per_unit;
            if v.abs() < 1e-7 { 0.0 } else { v }
        })
    };
    let mut out = Vec::new();
    for (i, cap) in cons.capacities.iter().enumerate() {
        let activity = capacity_activity(engine, cap, batch, alloc);
        let (unit, near) = match cap.unit {
            CapacityUnit::Parcels => (1.0, 0),
            // Within a kilogram of the limit counts as full for a weight capacity.
            CapacityUnit::Grams => (1000.0, 1000),
        };
        out.push(RowReport {
            row: Row::Capacity(i),
            activity,
            bound: cap.limit,
            binding: activity + near >= cap.limit,
            shortfall: 0,
            shadow_cents: shadow(i, unit),
        });
    }
    for (i, m) in cons.commitments.iter().enumerate() {
        let activity = commitment_activity(m, batch, alloc);
        let unit = match m.unit {
            CommitmentUnit::Parcels => 1.0,
            CommitmentUnit::Spend => 100.0,
        };
        out.push(RowReport {
            row: Row::Commitment(i),
            activity,
            bound: m.min,
            binding: activity <= m.min,
            shortfall: m.min.saturating_sub(activity),
            shadow_cents: shadow(cons.capacities.len() + i, unit),
        });
    }
    out
}

/// Checks an integer plan against every constraint; the first problem found, in words.
pub fn violation(
    engine: &Engine,
    cons: &Constraints,
    batch: &Batch,
    alloc: &[Vec<Alloc>],
) -> Option<String> {
    for (c, a) in batch.classes.iter().zip(alloc) {
        let n: u64 = a.iter().map(|a| a.count).sum();
        if n != c.count {
            return Some(format!("a class of {} orders has {n} placed", c.count));
        }
    }
    for cap in &cons.capacities {
        let used = capacity_activity(engine, cap, batch, alloc);
        if used > cap.limit {
            return Some(format!("capacity `{}`: {used} > {}", cap.id, cap.limit));
        }
    }
    for m in cons.commitments.iter().filter(|m| m.penalty.is_none()) {
        let got = commitment_activity(m, batch, alloc);
        if got < m.min {
            return Some(format!("commitment `{}`: {got} < {}", m.id, m.min));
        }
    }
    for (t, used) in cons.tiers.iter().zip(band_usage(cons, batch, alloc)) {
        let volume: u64 = used.iter().sum();
        let ok = match t.kind {
            TierKind::All => {
                // Every parcel in the highest band the volume reaches.
                let reached = (0..used.len())
                    .rev()
                    .find(|&b| volume >= t.band_start(b))
                    .unwrap_or(0);
                used[reached] == volume
            }
            TierKind::Beyond => (0..used.len()).all(|b| {
                let width_ok =
                    b + 1 >= used.len() || used[b] <= t.band_start(b + 1) - t.band_start(b);
                let below_full =
                    b == 0 || used[b] == 0 || used[b - 1] >= t.band_start(b) - t.band_start(b - 1);
                width_ok && below_full
            }),
        };
        if !ok {
            return Some(format!("tier schedule `{}`: bands {used:?}", t.id));
        }
    }
    None
}

/// Explains an infeasible batch from the combination of tier bands that needed the least
/// relaxing: which capacities and commitments would have to give and by how much, with the
/// plain counts behind them.
fn explain_infeasible(
    engine: &Engine,
    cons: &Constraints,
    batch: &Batch,
    least: Option<&LpOptimum>,
) -> Infeasibility {
    let mut reasons = counted_reasons(engine, cons, batch, least);
    if reasons.is_empty() {
        reasons.push(
            "no plan meets every constraint, but no single capacity or commitment explains it"
                .into(),
        );
    }
    Infeasibility { reasons }
}

/// The capacities and commitments that cannot hold, with the counts that prove it: a capacity
/// below what can go nowhere else, a hard minimum above all that can go by its carrier, and,
/// given a combination's LP, the rows its elastic slacks had to relax.
fn counted_reasons(
    engine: &Engine,
    cons: &Constraints,
    batch: &Batch,
    least: Option<&LpOptimum>,
) -> Vec<String> {
    let mut reasons = Vec::new();
    let carrier = |c: u16| {
        engine
            .carriers
            .get(usize::from(c))
            .map_or("?", |c| c.id.as_str())
    };
    let slack = |r: usize| least.and_then(|l| l.slack.get(r).copied()).unwrap_or(0.0);
    for (i, cap) in cons.capacities.iter().enumerate() {
        // Parcels (or grams) that can go nowhere else.
        let must: u64 = (0..batch.classes.len())
            .filter(|&k| {
                batch
                    .options_of(k)
                    .iter()
                    .all(|o| cap.scope.matches(engine, o.service, o.warehouse))
            })
            .map(|k| {
                let c = &batch.classes[k];
                c.count
                    * match cap.unit {
                        CapacityUnit::Parcels => c.parcels,
                        CapacityUnit::Grams => c.grams,
                    }
            })
            .sum();
        let over = slack(i);
        let fmt = |n: f64| match cap.unit {
            CapacityUnit::Parcels => format!("{} parcels", group(n.round() as u64)),
            CapacityUnit::Grams => format!("{} kg", group((n / 1000.0).ceil() as u64)),
        };
        if must > cap.limit {
            reasons.push(format!(
                "capacity `{}` ({}) allows {}, but {} have no other feasible option",
                cap.id,
                cap.origin,
                fmt(cap.limit as f64),
                fmt(must as f64)
            ));
        } else if over > EPS {
            reasons.push(format!(
                "capacity `{}` ({}) allows {} and would need {} more to place every order under the other constraints",
                cap.id,
                cap.origin,
                fmt(cap.limit as f64),
                fmt(over)
            ));
        }
    }
    for (i, m) in cons.commitments.iter().enumerate() {
        if m.penalty.is_some() {
            continue;
        }
        let reach: u64 = (0..batch.classes.len())
            .filter_map(|k| {
                let c = &batch.classes[k];
                let best = batch
                    .options_of(k)
                    .iter()
                    .filter(|o| o.carrier == m.carrier)
                    .map(|o| match m.unit {
                        CommitmentUnit::Parcels => c.parcels,
                        CommitmentUnit::Spend => (0..usize::from(o.bands))
                            .map(|b| batch.price(o, b).total.0.max(0) as u64)
                            .max()
                            .unwrap_or(0),
                    })
                    .max()?;
                Some(best * c.count)
            })
            .sum();
        let orders: u64 = (0..batch.classes.len())
            .filter(|&k| batch.options_of(k).iter().any(|o| o.carrier == m.carrier))
            .map(|k| batch.classes[k].count)
            .sum();
        let fmt = |n: f64| match m.unit {
            CommitmentUnit::Parcels => format!("{} parcels", group(n.round() as u64)),
            CommitmentUnit::Spend => format!("${}", group((n / 100.0).ceil() as u64)),
        };
        let short_by = slack(cons.capacities.len() + i);
        if reach < m.min {
            reasons.push(format!(
                "commitment `{}` ({}) needs {} to {}, but only {} orders of the batch ({}) can go by {}",
                m.id,
                m.origin,
                fmt(m.min as f64),
                carrier(m.carrier),
                group(orders),
                fmt(reach as f64),
                carrier(m.carrier)
            ));
        } else if short_by > EPS {
            reasons.push(format!(
                "commitment `{}` ({}) needs {} to {}; the capacities and the other commitments leave it {} short",
                m.id,
                m.origin,
                fmt(m.min as f64),
                carrier(m.carrier),
                fmt(short_by)
            ));
        }
    }
    reasons
}

/// 12345 → "12,345".
pub fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Which quoted option (its index among the order's ranked options) and band each order
/// takes: orders of a class take the class's allocations in input order.
pub fn assign(batch: &Batch, alloc: &[Vec<Alloc>]) -> Vec<Option<(u16, u8)>> {
    let mut cursor: Vec<(usize, u64)> = vec![(0, 0); batch.classes.len()];
    batch
        .order_class
        .iter()
        .map(|c| {
            let k = (*c)? as usize;
            let (i, used) = &mut cursor[k];
            let list = &alloc[k];
            while *i < list.len() && *used >= list[*i].count {
                *i += 1;
                *used = 0;
            }
            let a = list.get(*i)?;
            *used += 1;
            Some((batch.options_of(k)[usize::from(a.option)].rank, a.band))
        })
        .collect()
}

/// The per-order choice (each class's best-ranked option), priced with the tier discounts its
/// volumes earn: for `beyond` schedules the discounted bands go to the orders they save most on.
pub fn greedy(cons: &Constraints, batch: &Batch) -> Vec<Vec<Alloc>> {
    let pick: repair::Pick = batch.classes.iter().map(|c| vec![(0, c.count)]).collect();
    repair::with_bands(cons, batch, &pick)
}
