//! The search: a first plan from the per-order choice (repaired when it breaks a hard
//! constraint), a Lagrangian bound per combination of tier bands, then best first over the
//! combinations: sharpen the least bound, solve its LP by column generation, make the least LP
//! whole orders, until every open bound is within the gap of the best plan.

use std::time::{Duration, Instant};

use lpo_engine::{Constraints, Engine};

use crate::cg::columns::Pool;
use crate::cg::lp::LpOptimum;
use crate::cg::whole::whole_orders;
use crate::cg::{columns, combos, lp, rebuilt, rows};
use crate::classes::Batch;
use crate::explain::{counted_reasons, explain_infeasible};
use crate::model::Settings;
use crate::plan::{band_usage, gap, objective, row_reports, tier_reports, violation};
use crate::repair::greedy;
use crate::types::{Alloc, Infeasibility, Solution, SolveError, Stats, Status, Stop};
use crate::{bound, repair};

/// Classes × combinations up to which every combination's bound is sharpened at once.
const EAGER_BOUNDS: usize = 20_000_000;
/// Most tier band combinations solved (the product of every schedule's bands); validation
/// refuses more.
pub const MAX_COMBINATIONS: usize = lpo_engine::constraints::MAX_TIER_COMBINATIONS;

/// Solves the batch under the constraints.
#[expect(
    clippy::indexing_slicing,
    reason = "combination indices (natural, ci, c) are positions in `combos`, and lb, refined, lp_of and open have one entry per combination; si was recorded as solved.len() just before that optimum was pushed onto `solved`"
)]
pub fn solve(
    engine: &Engine,
    cons: &Constraints,
    batch: &Batch,
    settings: &Settings,
) -> Result<Solution, SolveError> {
    let deadline = Instant::now() + settings.time_limit;
    let combos = combos::combos(cons);
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

    crate::trace::trace(|| {
        format!(
            "search: {} classes, {} combinations",
            batch.classes.len(),
            combos.len()
        )
    });
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
    let rows0 = rows::coupling_rows(engine, cons, &vec![0; cons.tiers.len()]);
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
    crate::trace::trace(|| {
        format!(
            "search: first plan {:?}, flat bounds in {:?}",
            best.as_ref().map(|b| b.value),
            t.elapsed()
        )
    });
    let mut pool: Vec<Pool> = (0..batch.classes.len())
        .map(|k| Pool::Folded(columns::first_col(cons, batch, &combos[natural], k)))
        .collect();
    let mut solved: Vec<(usize, LpOptimum)> = Vec::new();
    let mut stop = Stop::Proven;
    // A combination whose LP ended neither feasible nor proven infeasible (its rounds ran out).
    let mut unresolved = false;
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
            crate::trace::trace(|| {
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
        if combos::out_of_reach(engine, cons, batch, combo).is_some() {
            lb[ci] = f64::INFINITY;
            stats
                .solves
                .push((format!("bands {combo:?}: out of reach"), Duration::ZERO));
            continue;
        }
        let start = columns::remap(cons, batch, combo, &pool);
        // Duals of the last feasible combination start this one (an infeasible one's are
        // inflated by its elastic prices).
        let warm = solved
            .iter()
            .rev()
            .find(|(_, r)| r.feasible)
            .map(|(_, r): &(usize, LpOptimum)| (r.kinds.as_slice(), r.duals.as_slice()));
        // The live master up to LIVE_MAX_CLASSES classes, the rebuilt one above (cg/rebuilt.rs).
        let column_generation = if batch.classes.len() > lp::LIVE_MAX_CLASSES {
            rebuilt::lp
        } else {
            lp::lp
        };
        let r = column_generation(engine, cons, batch, combo, start, warm, settings, deadline)
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
        lb[ci] = if r.feasible || !r.proven_infeasible {
            // A feasible LP, or one whose rounds ran out before its slacks were proven
            // needed or not: its Lagrangian bound holds either way.
            lb[ci].max(r.lower)
        } else {
            f64::INFINITY
        };
        if !r.feasible && !r.proven_infeasible {
            unresolved = true;
        }
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
            crate::trace::trace(|| {
                format!("search: bounds from the first duals in {:?}", t.elapsed())
            });
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
        if stop == Stop::Proven && lower == f64::INFINITY && !unresolved {
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
