//! Pricing columns under a master's duals: adjusted and reduced costs, the columns that price
//! out, and the columns near a class's cheapest that start a pool.

use lpo_engine::Constraints;
use rayon::prelude::*;

use super::columns::{Col, Pool, columns, first_col};
use super::rows::Rows;
use crate::classes::{Batch, ClassOption};

/// Most classes that start free.
const MAX_FREE: usize = 300_000;

/// Reduced costs of some columns of class `k` whose assignment dual is `u`.
pub(crate) fn reduced_costs(
    cons: &Constraints,
    batch: &Batch,
    rows: &Rows,
    duals: &[f64],
    k: usize,
    cols: &[Col],
    u: f64,
) -> Vec<f64> {
    cols.iter()
        .map(|c| {
            adjusted(
                cons,
                batch,
                rows,
                duals,
                k,
                usize::from(c.j),
                usize::from(c.b),
            ) - u
        })
        .collect()
}

/// Adjusted cost of a column under row duals: score − Σ dual·coefficient.
#[inline]
#[expect(
    clippy::indexing_slicing,
    reason = "j is an option of class k (the column of a pool or of columns())"
)]
fn adjusted(
    cons: &Constraints,
    batch: &Batch,
    rows: &Rows,
    duals: &[f64],
    k: usize,
    j: usize,
    b: usize,
) -> f64 {
    adjusted_by(cons, batch, rows, duals, k, &batch.options_of(k)[j], b)
}

/// [`adjusted`] of option `o` of class `k`.
#[inline]
#[expect(
    clippy::indexing_slicing,
    reason = "`duals` has one entry per coupling row of `rows` (a master's duals over them, or prices made row by row for them), and for_each gives only rows of `rows`"
)]
pub(crate) fn adjusted_by(
    cons: &Constraints,
    batch: &Batch,
    rows: &Rows,
    duals: &[f64],
    k: usize,
    o: &ClassOption,
    b: usize,
) -> f64 {
    let mut a = batch.price(o, b).score.0 as f64;
    rows.for_each(cons, batch, k, o, b, |r, coef| a -= duals[r] * coef);
    a
}

/// Reduced costs at or below `threshold` of every allowed column, per class, with the class's
/// assignment dual (`u`): for a free class its row's dual, for a folded one the adjusted cost
/// of its column.
#[allow(clippy::too_many_arguments)]
#[expect(
    clippy::indexing_slicing,
    reason = "`pool` and `assign` have one entry per class of `batch`"
)]
pub(crate) fn price(
    cons: &Constraints,
    batch: &Batch,
    rows: &Rows,
    combo: &[usize],
    pool: &[Pool],
    duals: &[f64],
    assign: &[Option<f64>],
    threshold: f64,
) -> Vec<(usize, Vec<(Col, f64)>)> {
    (0..batch.classes.len())
        .into_par_iter()
        .with_min_len(1024)
        .filter_map(|k| {
            let u = match (&pool[k], assign[k]) {
                (_, Some(u)) => u,
                (Pool::Folded(c), None) => adjusted(
                    cons,
                    batch,
                    rows,
                    duals,
                    k,
                    usize::from(c.j),
                    usize::from(c.b),
                ),
                _ => return None,
            };
            let found: Vec<(Col, f64)> = columns(cons, batch, combo, k)
                .map(|c| {
                    (
                        c,
                        adjusted(
                            cons,
                            batch,
                            rows,
                            duals,
                            k,
                            usize::from(c.j),
                            usize::from(c.b),
                        ) - u,
                    )
                })
                .filter(|(_, rc)| *rc <= threshold)
                .collect();
            (!found.is_empty()).then_some((k, found))
        })
        .collect()
}

/// Per class, its cheapest column under `duals` (its base) and its columns whose adjusted cost
/// is within `delta` of it (at most MAX_FREE classes get more than the base: the ones closest
/// to indifferent).
pub(crate) fn near_best(
    cons: &Constraints,
    batch: &Batch,
    rows: &Rows,
    combo: &[usize],
    duals: &[f64],
    delta: f64,
) -> (Vec<Col>, Vec<Pool>) {
    let adjusted_cols = |k: usize| -> Vec<(Col, f64)> {
        columns(cons, batch, combo, k)
            .map(|c| {
                (
                    c,
                    adjusted(
                        cons,
                        batch,
                        rows,
                        duals,
                        k,
                        usize::from(c.j),
                        usize::from(c.b),
                    ),
                )
            })
            .collect()
    };
    let mut gaps: Vec<f64> = (0..batch.classes.len())
        .into_par_iter()
        .with_min_len(1024)
        .map(|k| {
            let cols = adjusted_cols(k);
            let (mut a, mut b) = (f64::INFINITY, f64::INFINITY);
            for (_, v) in cols {
                if v < a {
                    b = a;
                    a = v;
                } else if v < b {
                    b = v;
                }
            }
            b - a
        })
        .collect();
    let delta = if gaps.len() > MAX_FREE {
        let (_, nth, _) = gaps.select_nth_unstable_by(MAX_FREE, f64::total_cmp);
        delta.min(*nth)
    } else {
        delta
    };
    (0..batch.classes.len())
        .into_par_iter()
        .with_min_len(1024)
        .map(|k| {
            let cols = adjusted_cols(k);
            // The first of the cheapest (columns come in a fixed order).
            let base = cols
                .iter()
                .fold(None, |m: Option<(Col, f64)>, &(c, v)| match m {
                    Some((_, best)) if best <= v => m,
                    _ => Some((c, v)),
                });
            let Some((base, best)) = base else {
                let c = first_col(cons, batch, combo, k);
                return (c, Pool::Folded(c));
            };
            let mut near: Vec<Col> = cols
                .iter()
                .filter(|c| c.1 <= best + delta)
                .map(|c| c.0)
                .collect();
            near.sort_unstable();
            match near.as_slice() {
                [_] | [] => (base, Pool::Folded(base)),
                _ => (base, Pool::Free(near)),
            }
        })
        .unzip()
}
