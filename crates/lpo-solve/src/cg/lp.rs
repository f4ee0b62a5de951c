//! Column generation for one combination: start from sampled or earlier duals, solve the master
//! over the pool, price every column outside it, add each class's most negative one, raise the
//! elastic price once the pool has converged, stop when the Lagrangian bound is close enough.

use std::time::{Duration, Instant};

use highs::HighsModelStatus;
use lpo_engine::{Constraints, Engine};

use super::columns::{Col, Pool, first_col};
use super::live::Live;
use super::pricing::{near_best, price};
use super::rows::{RowKind, Rows, coupling_rows};
use crate::classes::Batch;
use crate::model::Settings;

/// The LP optimum of one combination.
pub(crate) struct LpOptimum {
    pub(crate) value: f64,
    /// A proven lower bound on it (Lagrangian; equal to `value` when no column prices out).
    pub(crate) lower: f64,
    /// Elastic slack left per coupling row (all zero when the combination is feasible).
    pub(crate) slack: Vec<f64>,
    pub(crate) feasible: bool,
    /// No plan: the elastic slacks stayed in use at the top price after convergence.
    pub(crate) proven_infeasible: bool,
    pub(crate) pool: Vec<Pool>,
    /// Per free class of the final master: (class, [(column, value)]).
    pub(crate) free_values: Vec<(usize, Vec<(Col, f64)>)>,
    pub(crate) duals: Vec<f64>,
    /// What each dual is the dual of.
    pub(crate) kinds: Vec<RowKind>,
    pub(crate) soft: Vec<Option<(f64, f64)>>,
    pub(crate) assign: Vec<Option<f64>>,
    pub(crate) iterations: usize,
    pub(crate) columns: usize,
    pub(crate) rows: usize,
    pub(crate) solve_time: Duration,
    pub(crate) build_time: Duration,
    pub(crate) timed_out: bool,
}

/// Elastic prices per parcel: from a few dollars up to one that no order's move can beat.
const ELASTIC_START: f64 = 500.0;
/// Batches with more classes first solve a sample of a quarter of their classes (at least
/// SAMPLE_SIZE) for duals; the sample, if large, does the same, so that each level's duals start
/// the next one close (measured on 100,000-order families: a sample of a tenth, or one level of
/// 3,000 classes, left up to twice as many orders to move in the whole batch's first rounds).
const SAMPLE_ABOVE: usize = 6_000;
const SAMPLE_SIZE: usize = 3_000;
const SAMPLE_FACTOR: usize = 4;
/// Columns within this many cents of a class's cheapest (under the starting duals) start free
/// (columns are cheap to add to the live master, so the start can be narrow: 30 cents freed
/// more classes and was slower on 100,000-order families).
const DELTA: f64 = 5.0;

const ELASTIC_TOP: f64 = 5e7;
const RC_TOL: f64 = 1e-4;

/// Batches with more classes use the rebuilt master (`rebuilt.rs`; search.rs chooses).
pub(crate) const LIVE_MAX_CLASSES: usize = 300_000;

/// Most rounds of one combination's column generation; one that has not converged by then
/// ends unfinished with the Lagrangian bound of its last duals.
const MAX_ROUNDS: usize = 2_000;

/// Column generation for one combination, from `pool` (when no duals start it).
#[allow(clippy::too_many_arguments)]
#[expect(
    clippy::indexing_slicing,
    reason = "`assign` has one entry per class of `batch`, and the classes a solved master and the pricing name are classes of it"
)]
pub(crate) fn lp(
    engine: &Engine,
    cons: &Constraints,
    batch: &Batch,
    combo: &[usize],
    pool: Vec<Pool>,
    warm: Option<(&[RowKind], &[f64])>,
    settings: &Settings,
    deadline: Instant,
) -> Result<LpOptimum, String> {
    let rows = coupling_rows(engine, cons, combo);
    let kinds: Vec<RowKind> = rows.rows.iter().map(|r| r.kind).collect();
    // A previous combination's duals, matched to this one's rows by kind.
    let warm_duals: Option<Vec<f64>> = warm.map(|(kinds, duals)| {
        rows.rows
            .iter()
            .map(|r| {
                kinds
                    .iter()
                    .position(|k| *k == r.kind)
                    .and_then(|i| duals.get(i).copied())
                    .unwrap_or(0.0)
            })
            .collect()
    });
    // Duals to start from: for a large batch, those of a sample of its classes solved under
    // this combination (itself started from the previous combination's duals, through its own
    // sample when it is large); a small batch starts from the previous combination's duals, or
    // none.
    let start_duals: Option<Vec<f64>> = if batch.classes.len() > SAMPLE_ABOVE {
        let size = (batch.classes.len() / SAMPLE_FACTOR).max(SAMPLE_SIZE);
        let stride = batch.classes.len().div_ceil(size);
        let sample = batch.sample(stride);
        let start: Vec<Pool> = (0..sample.classes.len())
            .map(|k| Pool::Folded(first_col(cons, &sample, combo, k)))
            .collect();
        let sampled = lp(
            engine, cons, &sample, combo, start, warm, settings, deadline,
        )?;
        if sampled.timed_out {
            return Ok(unfinished(batch, &rows, kinds, pool, sampled.iterations));
        }
        Some(sampled.duals)
    } else {
        warm_duals
    };
    // Elastic prices per row and parcel: twice the row's starting dual (so that a row the
    // start cannot meet yet prices near its own dual, not at the batch's largest), at least
    // ELASTIC_START.
    let mut prices = vec![ELASTIC_START; rows.rows.len()];
    // Every class starts on its cheapest column under those duals, free to move to its
    // columns within DELTA of it.
    let (base, pools) = match &start_duals {
        Some(duals) => {
            for ((p, r), d) in prices.iter_mut().zip(&rows.rows).zip(duals) {
                *p = p.max(2.0 * d.abs() / r.scale.max(1e-12)).min(ELASTIC_TOP);
            }
            near_best(cons, batch, &rows, combo, duals, DELTA)
        }
        None => {
            let base = pool
                .iter()
                .enumerate()
                .map(|(k, p)| {
                    match p {
                        Pool::Folded(c) => Some(*c),
                        Pool::Free(v) => v.first().copied(),
                        Pool::Fixed(v) => v.first().map(|f| f.0),
                    }
                    .unwrap_or_else(|| first_col(cons, batch, combo, k))
                })
                .collect();
            (base, pool)
        }
    };
    let t = Instant::now();
    let mut live = Live::new(batch, cons, &rows, base, &pools, &prices);
    drop(pools);
    let mut build_time = t.elapsed();
    let mut iterations = 0;
    let mut solve_time = Duration::ZERO;
    loop {
        iterations += 1;
        let (columns, rows_n) = (live.columns(), live.rows());
        let s = live.solve(batch, cons, &rows, settings, deadline)?;
        solve_time += s.time;
        let timed_out = Instant::now() >= deadline;
        if s.status == HighsModelStatus::ReachedTimeLimit {
            // HiGHS's own time limit is what is left of ours: this combination is unfinished.
            let mut r = unfinished(batch, &rows, kinds, live.pools(), iterations);
            r.columns = columns;
            r.rows = rows_n;
            r.solve_time = solve_time;
            r.build_time = build_time;
            return Ok(r);
        }
        if s.status != HighsModelStatus::Optimal {
            return Err(format!("HiGHS ended the LP with status {:?}", s.status));
        }
        let mut assign: Vec<Option<f64>> = vec![None; batch.classes.len()];
        for (k, u) in &s.assign {
            assign[*k] = Some(*u);
        }
        let pool = live.pools();
        let mut found = price(cons, batch, &rows, combo, &pool, &s.duals, &assign, -RC_TOL);
        // Columns already in the pool can price a hair below zero from round-off.
        found.retain_mut(|(k, cols)| {
            cols.retain(|(c, _)| !live.has(*k, *c));
            !cols.is_empty()
        });
        crate::trace::trace(|| {
            format!(
                "cg: combo {combo:?} round {iterations}: {} columns x {} rows, value {:.2}, elastic from {:.0}, {} classes gain columns, {:?}",
                columns,
                rows_n,
                s.value,
                prices.iter().copied().fold(f64::INFINITY, f64::min),
                found.len(),
                s.time
            )
        });
        let slack_units: f64 = s
            .slack
            .iter()
            .zip(&rows.rows)
            .map(|(v, r)| v * r.scale)
            .sum();
        // The Lagrangian bound of these duals: the master's value plus every class's most
        // negative reduced cost times its count. When that is within a hair of the value, the
        // columns still pricing out are degenerate and cannot improve it.
        let below: f64 = found
            .iter()
            .map(|(k, cols)| {
                batch.classes[*k].count as f64 * cols.iter().map(|c| c.1).fold(0.0f64, f64::min)
            })
            .sum();
        // Columns that can improve the value by no more than 30 % of the gap asked for are
        // not worth another round (the bound stays the Lagrangian one, which is exact).
        let tail = (0.3 * settings.rel_gap).max(1e-7);
        let converged = found.is_empty() || -below <= tail * s.value.abs().max(1.0);
        let done = converged && (slack_units <= 1e-7 || prices.iter().all(|p| *p >= ELASTIC_TOP));
        let capped = iterations >= MAX_ROUNDS;
        if done || timed_out || capped {
            let elastic_cost: f64 = s
                .slack
                .iter()
                .zip(&rows.rows)
                .zip(&prices)
                .map(|((v, r), p)| v * p * r.scale)
                .sum();
            let feasible = slack_units <= 1e-7;
            return Ok(LpOptimum {
                lower: s.value - elastic_cost + below,
                value: s.value - elastic_cost,
                feasible,
                proven_infeasible: done && !feasible,
                slack: s.slack,
                pool,
                free_values: s.values,
                duals: s.duals,
                kinds,
                soft: s.soft,
                assign,
                iterations,
                columns,
                rows: rows_n,
                solve_time,
                build_time,
                timed_out: timed_out && !done,
            });
        }
        let t = Instant::now();
        for (k, cols) in found {
            // The most negative column only: the next duals will say whether more are needed.
            if let Some((c, _)) = cols.iter().min_by(|a, b| a.1.total_cmp(&b.1)) {
                live.add(batch, cons, &rows, k, *c);
            }
        }
        if converged {
            for p in &mut prices {
                *p = (*p * 100.0).min(ELASTIC_TOP);
            }
            live.set_elastic(&rows, &prices);
        }
        build_time += t.elapsed();
    }
}

/// A combination whose LP the time limit cut short: no value, no bound.
fn unfinished(
    batch: &Batch,
    rows: &Rows,
    kinds: Vec<RowKind>,
    pool: Vec<Pool>,
    iterations: usize,
) -> LpOptimum {
    LpOptimum {
        value: f64::INFINITY,
        lower: f64::NEG_INFINITY,
        slack: vec![0.0; rows.rows.len()],
        feasible: false,
        proven_infeasible: false,
        pool,
        free_values: Vec::new(),
        duals: vec![0.0; rows.rows.len()],
        kinds,
        soft: vec![None; rows.rows.len()],
        assign: vec![None; batch.classes.len()],
        iterations,
        columns: 0,
        rows: 0,
        solve_time: Duration::ZERO,
        build_time: Duration::ZERO,
        timed_out: true,
    }
}
