//! Lower bounds on a combination of tier bands without solving its LP.
//!
//! For row prices `y` of the capacities and commitments (signed as HiGHS signs duals: ≤ rows
//! non-positive, ≥ rows non-negative, a soft row no more than its penalty) and a price `ν` per
//! tier schedule on the carrier's volume, the Lagrangian
//!
//! ```text
//!   L(y, ν) = Σ_k count[k] · min over the combination's columns of (score − y·a − ν·parcels)
//!             + y·b + Σ_t ν_t · (ν_t ≥ 0 ? lo_t : hi_t)
//! ```
//!
//! is at most the combination's optimum, whole orders or not: every plan of the combination
//! places each order on one of its columns and keeps each schedule's volume within
//! `[lo_t, hi_t]` (the band's threshold up to the next one's). Which `y` is used does not
//! matter for validity; the duals of a solved combination make it tight. For each schedule the
//! best `ν` given the others is found exactly: `L` is concave and piecewise linear in `ν`, with
//! a breakpoint per class where it changes carrier.
//!
//! A class's least adjusted cost per (schedule, band) is tabled once per `y`, so bounding a
//! combination costs a pass over the classes, not a pricing of every column.

use lpo_engine::Constraints;
use lpo_engine::constraints::TierKind;
use rayon::prelude::*;

use crate::cg::Rows;
use crate::classes::Batch;

/// Classes per chunk of a parallel pass; sums are added chunk by chunk in order, so a bound
/// does not depend on how many threads computed it.
const CHUNK: usize = 4096;

/// Per class: the least adjusted cost of a column of a carrier without a schedule, then per
/// schedule and band the least adjusted cost of the schedule carrier's options (for `beyond`:
/// over the bands up to that one, which the combination allows together).
pub(crate) struct Tables {
    width: usize,
    /// Where each schedule's bands start in a class's row of `least`.
    at: Vec<usize>,
    least: Vec<f64>,
    /// `y·b` of the capacity and commitment rows.
    constant: f64,
}

impl Tables {
    /// The tables for row prices `y` (capacities, then commitments; missing ones count 0).
    pub(crate) fn new(cons: &Constraints, batch: &Batch, rows: &Rows, y: &[f64]) -> Tables {
        let mut at = Vec::with_capacity(cons.tiers.len());
        let mut width = 1;
        for t in &cons.tiers {
            at.push(width);
            width += t.bands();
        }
        let schedule_of = |carrier: u16| cons.tiers.iter().position(|t| t.carrier == carrier);
        let duals = valid_prices(rows, y);
        let constant: f64 = rows.rows.iter().zip(&duals).map(|(r, d)| d * r.rhs).sum();
        let mut least = vec![f64::INFINITY; batch.classes.len() * width];
        least
            .par_chunks_mut(width * CHUNK)
            .enumerate()
            .for_each(|(ci, chunk)| {
                for (i, row) in chunk.chunks_mut(width).enumerate() {
                    let k = ci * CHUNK + i;
                    for o in batch.options_of(k) {
                        match schedule_of(o.carrier) {
                            None => {
                                let a = crate::cg::adjusted_by(cons, batch, rows, &duals, k, o, 0);
                                row[0] = row[0].min(a);
                            }
                            Some(t) => {
                                for b in 0..usize::from(o.bands).min(cons.tiers[t].bands()) {
                                    let a =
                                        crate::cg::adjusted_by(cons, batch, rows, &duals, k, o, b);
                                    let cell = &mut row[at[t] + b];
                                    *cell = cell.min(a);
                                }
                            }
                        }
                    }
                    for (t, s) in cons.tiers.iter().enumerate() {
                        if s.kind == TierKind::Beyond {
                            for b in 1..s.bands() {
                                row[at[t] + b] = row[at[t] + b].min(row[at[t] + b - 1]);
                            }
                        }
                    }
                }
            });
        Tables {
            width,
            at,
            least,
            constant,
        }
    }

    /// A lower bound on the combination's optimum: `L(y, ν)` with each schedule's `ν` improved
    /// in turn. `f64::INFINITY` when no plan of the combination exists (a schedule's volume
    /// cannot reach its band, or cannot stay below the next).
    pub(crate) fn bound(&self, cons: &Constraints, batch: &Batch, combo: &[usize]) -> f64 {
        let window: Vec<(f64, f64)> = cons
            .tiers
            .iter()
            .zip(combo)
            .map(|(t, &c)| {
                let lo = t.band_start(c) as f64;
                let hi = if c + 1 >= t.bands() {
                    f64::INFINITY
                } else {
                    match t.kind {
                        TierKind::All => (t.band_start(c + 1) - 1) as f64,
                        TierKind::Beyond => t.band_start(c + 1) as f64,
                    }
                };
                (lo, hi)
            })
            .collect();
        let mut nu = vec![0.0f64; cons.tiers.len()];
        let mut value = self.lagrangian(batch, combo, &nu, &window);
        for _round in 0..2 {
            let mut moved = false;
            for t in 0..cons.tiers.len() {
                match self.best_nu(batch, combo, &nu, t, window[t]) {
                    None => return f64::INFINITY,
                    Some(v) if v != nu[t] => {
                        nu[t] = v;
                        moved = true;
                    }
                    Some(_) => {}
                }
            }
            if !moved {
                break;
            }
            value = value.max(self.lagrangian(batch, combo, &nu, &window));
        }
        // Round-off of the sums: a bound a hair low is still a bound.
        value - 1e-9 * value.abs() - 1e-6
    }

    /// `L(y, 0)`: the bound without volume prices (a pass over the classes).
    pub(crate) fn bound_flat(&self, batch: &Batch, combo: &[usize]) -> f64 {
        let nu = vec![0.0; combo.len()];
        let window = vec![(0.0, 0.0); combo.len()];
        let value = self.lagrangian(batch, combo, &nu, &window);
        value - 1e-9 * value.abs() - 1e-6
    }

    fn row(&self, k: usize) -> &[f64] {
        &self.least[k * self.width..(k + 1) * self.width]
    }

    /// Class `k`'s least cost under `ν`, apart from schedule `skip`'s columns.
    fn best_except(
        &self,
        batch: &Batch,
        combo: &[usize],
        nu: &[f64],
        k: usize,
        skip: usize,
    ) -> f64 {
        let row = self.row(k);
        let p = batch.classes[k].parcels as f64;
        let mut best = row[0];
        for (t, &c) in combo.iter().enumerate() {
            if t != skip {
                best = best.min(row[self.at[t] + c] - nu[t] * p);
            }
        }
        best
    }

    fn lagrangian(&self, batch: &Batch, combo: &[usize], nu: &[f64], window: &[(f64, f64)]) -> f64 {
        let n = batch.classes.len();
        let parts: Vec<f64> = (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map(|ci| {
                (ci * CHUNK..n.min((ci + 1) * CHUNK))
                    .map(|k| {
                        let best = self.best_except(batch, combo, nu, k, usize::MAX);
                        batch.classes[k].count as f64 * best
                    })
                    .sum::<f64>()
            })
            .collect();
        let tiers: f64 = nu
            .iter()
            .zip(window)
            .map(|(&n, &(lo, hi))| if n >= 0.0 { n * lo } else { n * hi })
            .sum();
        parts.iter().sum::<f64>() + self.constant + tiers
    }

    /// The best `ν_t` given the other schedules' (exact: `L` is concave in it, with a
    /// breakpoint per class). `None`: the volume can never be brought within the window.
    fn best_nu(
        &self,
        batch: &Batch,
        combo: &[usize],
        nu: &[f64],
        t: usize,
        (lo, hi): (f64, f64),
    ) -> Option<f64> {
        let col = self.at[t] + combo[t];
        // Per class that can use the schedule's carrier: (breakpoint, parcels): it takes the
        // carrier once ν exceeds the breakpoint (−∞: it has nothing else).
        let n = batch.classes.len();
        let mut points: Vec<(f64, f64)> = (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .flat_map_iter(|ci| {
                (ci * CHUNK..n.min((ci + 1) * CHUNK)).filter_map(|k| {
                    let mine = self.row(k)[col];
                    if !mine.is_finite() {
                        return None;
                    }
                    let c = &batch.classes[k];
                    let p = c.parcels.max(1) as f64;
                    let other = self.best_except(batch, combo, nu, k, t);
                    Some(((mine - other) / p, (c.count * c.parcels) as f64))
                })
            })
            .collect();
        points.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let total: f64 = points.iter().map(|p| p.1).sum();
        let fixed: f64 = points
            .iter()
            .take_while(|p| p.0 == f64::NEG_INFINITY)
            .map(|p| p.1)
            .sum();
        if total < lo || fixed > hi {
            return None;
        }
        // Volume just above ν = 0 (classes exactly indifferent join) and just below (they
        // leave): the slopes of L on either side of 0 are lo − above and hi − below.
        let above: f64 = points.iter().take_while(|p| p.0 <= 0.0).map(|p| p.1).sum();
        let below: f64 = points.iter().take_while(|p| p.0 < 0.0).map(|p| p.1).sum();
        if above < lo {
            // Raise ν until enough classes join: the maximum is at the breakpoint where the
            // volume reaches lo.
            let mut v = above;
            for p in points.iter().skip_while(|p| p.0 <= 0.0) {
                v += p.1;
                if v >= lo {
                    return Some(p.0);
                }
            }
            return None;
        }
        if below > hi {
            // Lower ν until enough classes leave.
            let mut v = below;
            for p in points.iter().rev().skip_while(|p| p.0 >= 0.0) {
                v -= p.1;
                if v <= hi {
                    return Some(p.0);
                }
            }
            return None;
        }
        Some(0.0)
    }
}

/// Row prices a Lagrangian may use: the capacity and commitment rows' signs enforced (a soft
/// commitment's no more than its penalty), every tier row 0.
fn valid_prices(rows: &Rows, y: &[f64]) -> Vec<f64> {
    use crate::cg::{RowKind, Sense};
    rows.rows
        .iter()
        .enumerate()
        .map(|(r, row)| {
            let v = y.get(r).copied().unwrap_or(0.0);
            if !v.is_finite() {
                return 0.0;
            }
            match (row.kind, row.sense) {
                (RowKind::Capacity(_), _) => v.min(0.0),
                (RowKind::Commitment(_), _) => {
                    let v = v.max(0.0);
                    row.soft.map_or(v, |p| v.min(p))
                }
                (_, Sense::Le | Sense::Ge | Sense::Eq) => 0.0,
            }
        })
        .collect()
}
