//! From a combination's LP optimum to whole orders: a tie-break LP among the least-cost
//! solutions, then integer programs over the classes left split (widened step by step, up to
//! every class when the model is small enough).

use std::time::Instant;

use highs::HighsModelStatus;
use lpo_engine::{Constraints, Engine};

use super::columns::{Col, Pool, columns};
use super::lp::LpOptimum;
use super::master::{FreeValues, Objective, Spec, build, solve};
use super::pricing::{price, reduced_costs};
use super::rows::{Rows, coupling_rows};
use crate::classes::Batch;
use crate::model::Settings;
use crate::plan::{gap, objective, violation};
use crate::types::{Alloc, SolveError, Stats};

/// Column values this close to zero (or to a whole number) count as such.
const EPS: f64 = 1e-6;

/// Reduced costs this close to zero count as zero.
const RC_TOL: f64 = 1e-6;

/// From a combination's LP optimum to whole orders: first, among the least-cost solutions,
/// each class's best-ranked options (columns with a zero reduced cost, rows with a dual held at
/// their bound, then the ranks minimised); then the classes left split are placed by an
/// integer program with every other class fixed. Gives the plan found, and HiGHS's proven
/// lower bound on the combination when every class was made integer (NaN otherwise).
#[allow(clippy::too_many_arguments)]
#[expect(
    clippy::indexing_slicing,
    reason = "values, tb_pool, split, split_pool (so wider), opt.pool and opt.assign have one entry per class of `batch`, the pricing and `near` name classes of it, and take is at most near.len()"
)]
pub(crate) fn whole_orders(
    engine: &Engine,
    cons: &Constraints,
    batch: &Batch,
    combo: &[usize],
    opt: &LpOptimum,
    settings: &Settings,
    deadline: Instant,
    stats: &mut Stats,
) -> Result<Rounded, SolveError> {
    let rows = coupling_rows(engine, cons, combo);
    // Values of the LP optimum per class: folded classes whole on their column.
    let mut values = class_values(batch, &opt.pool, &opt.free_values);

    // Tie-break.
    let face = price(
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
        let m = build(
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
        let s = solve(batch, m, settings, deadline).map_err(SolveError::Solver)?;
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
    let all_cols = |k: usize| -> Vec<Col> { columns(cons, batch, combo, k).collect() };
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
                    let rc =
                        reduced_costs(cons, batch, &rows, &opt.duals, k, &unused, opt.assign[k]?)
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
#[expect(
    clippy::indexing_slicing,
    reason = "the pool has one entry per class of `batch`, and a solved master's values name classes of it"
)]
fn integer(
    engine: &Engine,
    cons: &Constraints,
    batch: &Batch,
    rows: &Rows,
    pool: &[Pool],
    settings: &Settings,
    deadline: Instant,
    stats: &mut Stats,
    what: &str,
) -> Result<Rounded, SolveError> {
    let t = Instant::now();
    let m = build(
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
    let s = solve(batch, m, settings, step).map_err(SolveError::Solver)?;
    stats.solves.push((what.to_string(), s.time));
    if matches!(
        s.status,
        HighsModelStatus::Infeasible | HighsModelStatus::UnboundedOrInfeasible
    ) || (free_classes > 0 && s.value.is_nan())
    {
        crate::trace::trace(|| format!("{what}: HiGHS status {:?}", s.status));
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
        crate::trace::trace(|| format!("{what}: the integer plan breaks {v}"));
        return Ok((None, s.bound));
    }
    Ok((Some(alloc), s.bound))
}

/// Every class's column values in a solution: folded classes whole on their column, free ones
/// as solved.
#[expect(
    clippy::indexing_slicing,
    reason = "the pool has one entry per class of `batch`, and `free` names classes of it"
)]
fn class_values(batch: &Batch, pool: &[Pool], free: &FreeValues) -> Vec<Vec<(Col, f64)>> {
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

#[expect(
    clippy::indexing_slicing,
    reason = "a class's columns are options of it"
)]
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
