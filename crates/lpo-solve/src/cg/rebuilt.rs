//! Column generation for one combination on a master rebuilt through good_lp and solved from
//! scratch every round: the method for batches of more than `lp::LIVE_MAX_CLASSES` classes,
//! where the live master (`live.rs`) was measured slower (the committed 1,000,000-order
//! benchmark: 20 s rebuilt, over the 60 s limit live). Start from sampled or earlier duals,
//! solve the master over the pool, price every column outside it, add each class's most
//! negative one, raise the elastic price once the pool has converged, stop when the Lagrangian
//! bound is close enough.

use std::time::{Duration, Instant};

use highs::HighsModelStatus;
use lpo_engine::{Constraints, Engine};

use super::columns::{Col, Pool, first_col};
use super::lp::LpOptimum;
use super::master::{Objective, Spec, build, solve};
use super::pricing::{near_best, price};
use super::rows::{RowKind, coupling_rows};
use crate::classes::Batch;
use crate::model::Settings;

/// Elastic prices per parcel: from a few dollars up to one that no order's move can beat.
const ELASTIC_START: f64 = 500.0;
/// Batches with more classes first solve a sample of about SAMPLE_SIZE classes for duals.
const SAMPLE_ABOVE: usize = 6_000;
const SAMPLE_SIZE: usize = 3_000;
/// Batches with more classes sample in two steps.
const CASCADE_ABOVE: usize = 300_000;
/// Columns within this many cents of a class's cheapest (under the starting duals) start free.
const DELTA: f64 = 30.0;

const ELASTIC_TOP: f64 = 5e7;
const RC_TOL: f64 = 1e-4;

/// Column generation for one combination, from `pool`.
#[allow(clippy::too_many_arguments)]
#[expect(
    clippy::indexing_slicing,
    reason = "`pool` and `assign` have one entry per class of `batch`, and the classes a solved master and the pricing name are classes of it"
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
    // Duals to start from: a previous combination's, or those of a sample of the classes.
    let sampled;
    let warm: Option<Vec<f64>> = match warm {
        Some((kinds, duals)) => Some(
            rows.rows
                .iter()
                .map(|r| {
                    kinds
                        .iter()
                        .position(|k| *k == r.kind)
                        .and_then(|i| duals.get(i).copied())
                        .unwrap_or(0.0)
                })
                .collect(),
        ),
        None if batch.classes.len() > SAMPLE_ABOVE => {
            // Very large batches go through an intermediate sample of a tenth of the classes,
            // itself started from a small one: each level's duals start the next one close.
            let size = if batch.classes.len() > CASCADE_ABOVE {
                batch.classes.len() / 10
            } else {
                SAMPLE_SIZE
            };
            let stride = batch.classes.len().div_ceil(size);
            let sample = batch.sample(stride);
            let start: Vec<Pool> = (0..sample.classes.len())
                .map(|k| Pool::Folded(first_col(cons, &sample, combo, k)))
                .collect();
            sampled = lp(
                engine, cons, &sample, combo, start, None, settings, deadline,
            )?;
            Some(sampled.duals.clone())
        }
        None => None,
    };
    let mut price_level = ELASTIC_START;
    let mut pool = pool;
    if let Some(duals) = &warm {
        // Every class on its columns within DELTA of its cheapest under those duals (smaller
        // than a previous combination's pool, and as good a start).
        pool = near_best(cons, batch, &rows, combo, duals, DELTA).1;
        let top = rows
            .rows
            .iter()
            .zip(duals)
            .map(|(r, d)| d.abs() / r.scale.max(1e-12))
            .fold(0.0f64, f64::max);
        price_level = price_level.max(4.0 * top).min(ELASTIC_TOP);
    }
    let mut iterations = 0;
    let (mut solve_time, mut build_time) = (Duration::ZERO, Duration::ZERO);
    loop {
        iterations += 1;
        let t = Instant::now();
        let m = build(
            batch,
            cons,
            &rows,
            &pool,
            &Spec {
                objective: Objective::Cost,
                elastic: Some(price_level),
                integer: false,
                tight: None,
                soft_free: None,
            },
        )?;
        build_time += t.elapsed();
        let (columns, rows_n) = (m.columns, m.rows);
        let s = solve(batch, m, settings, deadline)?;
        solve_time += s.time;
        let timed_out = Instant::now() >= deadline;
        if s.status == HighsModelStatus::ReachedTimeLimit {
            // HiGHS's own time limit is what is left of ours: this combination is unfinished.
            return Ok(LpOptimum {
                value: f64::INFINITY,
                lower: f64::NEG_INFINITY,
                slack: vec![0.0; rows.rows.len()],
                feasible: false,
                proven_infeasible: false,
                pool,
                free_values: Vec::new(),
                duals: vec![0.0; rows.rows.len()],
                kinds: rows.rows.iter().map(|r| r.kind).collect(),
                soft: vec![None; rows.rows.len()],
                assign: vec![None; batch.classes.len()],
                iterations,
                columns,
                rows: rows_n,
                solve_time,
                build_time,
                timed_out: true,
            });
        }
        if s.status != HighsModelStatus::Optimal {
            return Err(format!("HiGHS ended the LP with status {:?}", s.status));
        }
        let mut assign: Vec<Option<f64>> = vec![None; batch.classes.len()];
        for (k, u) in &s.assign {
            assign[*k] = Some(*u);
        }
        let mut found = price(cons, batch, &rows, combo, &pool, &s.duals, &assign, -RC_TOL);
        // Columns already in the pool can price a hair below zero from round-off.
        found.retain_mut(|(k, cols)| {
            let have: &[Col] = match &pool[*k] {
                Pool::Folded(c) => std::slice::from_ref(c),
                Pool::Free(v) => v,
                Pool::Fixed(_) => &[],
            };
            cols.retain(|(c, _)| !have.contains(c));
            !cols.is_empty()
        });
        crate::trace::trace(|| {
            format!(
                "cg: combo {combo:?} round {iterations}: {} columns x {} rows, value {:.2}, elastic {price_level}, {} classes gain columns",
                columns,
                rows_n,
                s.value,
                found.len()
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
        let done = converged && (slack_units <= 1e-7 || price_level >= ELASTIC_TOP);
        if done || timed_out || iterations > 500 {
            let free_values = s.values.clone();
            let elastic_cost: f64 = s
                .slack
                .iter()
                .zip(&rows.rows)
                .map(|(v, r)| v * price_level * r.scale)
                .sum();
            return Ok(LpOptimum {
                lower: s.value - elastic_cost + below,
                value: s.value - elastic_cost,
                feasible: slack_units <= 1e-7,
                proven_infeasible: done && slack_units > 1e-7,
                slack: s.slack,
                pool,
                free_values,
                duals: s.duals,
                kinds: rows.rows.iter().map(|r| r.kind).collect(),
                soft: s.soft,
                assign,
                iterations,
                columns,
                rows: rows_n,
                solve_time,
                build_time,
                timed_out: !done && timed_out,
            });
        }
        for (k, cols) in found {
            let mut have: Vec<Col> = match &pool[k] {
                Pool::Folded(c) => vec![*c],
                Pool::Free(v) => v.clone(),
                Pool::Fixed(_) => continue,
            };
            // The most negative column only: the next duals will say whether more are needed.
            if let Some((c, _)) = cols.iter().min_by(|a, b| a.1.total_cmp(&b.1)) {
                have.push(*c);
            }
            have.sort_unstable();
            pool[k] = Pool::Free(have);
        }
        if converged {
            price_level *= 100.0;
        }
    }
}
