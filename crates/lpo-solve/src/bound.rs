//! Lower bounds on a combination of tier bands without solving its LP.
//!
//! A combination fixes, per tier schedule, which bands its carrier's parcels may be priced in
//! and how many parcels each such band holds: for `all`, the band's parcels lie in
//! `[threshold, next threshold − 1]`; for `beyond`, every band below the last one used holds
//! exactly its width and the last one at most its width. Call each such band a *window* `e`
//! with its parcels `P_e ∈ [lo_e, hi_e]`. For row prices `y` of the capacities and commitments
//! (signed as HiGHS signs duals: ≤ rows non-positive, ≥ rows non-negative, a soft row no more
//! than its penalty) and a price `ν_e` per window, the Lagrangian
//!
//! ```text
//!   L(y, ν) = Σ_k count[k] · min over the combination's columns of (score − y·a − ν_e·parcels)
//!             + y·b + Σ_e ν_e · (ν_e ≥ 0 ? lo_e : hi_e)
//! ```
//!
//! is at most the combination's optimum, whole orders or not: every plan of the combination
//! places each order on one of its columns and keeps every window's parcels within it. Which
//! `y` is used does not matter for validity; the duals of a solved combination make it tight.
//! For each window the best `ν_e` given the others is found exactly: `L` is concave and
//! piecewise linear in `ν_e`, with a breakpoint per class where it moves into or out of the
//! window.
//!
//! A class's least adjusted cost per (schedule, band) is tabled once per `y`, so bounding a
//! combination costs a pass over the classes, not a pricing of every column.

use lpo_engine::Constraints;
use lpo_engine::constraints::TierKind;
use rayon::prelude::*;

use crate::cg::pricing::adjusted_by;
use crate::cg::rows::Rows;
use crate::classes::Batch;

/// Classes per chunk of a parallel pass; sums are added chunk by chunk in order, so a bound
/// does not depend on how many threads computed it.
const CHUNK: usize = 4096;
/// Rounds of improving every window's price in turn.
const ROUNDS: usize = 3;

/// Per class: the least adjusted cost of a column of a carrier without a schedule, then per
/// schedule and band the least adjusted cost of the schedule carrier's options in that band.
pub(crate) struct Tables {
    width: usize,
    /// Where each schedule's bands start in a class's row of `least`.
    at: Vec<usize>,
    least: Vec<f64>,
    /// `y·b` of the capacity and commitment rows.
    constant: f64,
}

/// A band a combination prices a schedule's parcels in, with the parcels it must hold.
#[derive(Debug, Clone, Copy)]
struct Window {
    /// Where its least costs are in a class's row of the tables.
    col: usize,
    lo: f64,
    hi: f64,
}

/// The windows of a combination.
fn windows(cons: &Constraints, at: &[usize], combo: &[usize]) -> Vec<Window> {
    let mut out = Vec::new();
    for ((t, &c), &first) in cons.tiers.iter().zip(combo).zip(at) {
        let start = |b: usize| t.band_start(b) as f64;
        let last = c + 1 >= t.bands();
        match t.kind {
            TierKind::All => out.push(Window {
                col: first + c,
                lo: start(c),
                hi: if last {
                    f64::INFINITY
                } else {
                    start(c + 1) - 1.0
                },
            }),
            TierKind::Beyond => {
                for b in 0..=c {
                    let width = if b + 1 < t.bands() {
                        start(b + 1) - start(b)
                    } else {
                        f64::INFINITY
                    };
                    out.push(Window {
                        col: first + b,
                        lo: if b < c { width } else { 0.0 },
                        hi: width,
                    });
                }
            }
        }
    }
    out
}

impl Tables {
    /// The tables for row prices `y` (capacities, then commitments; missing ones count 0).
    #[expect(
        clippy::indexing_slicing,
        reason = "each row of `least` has `width` cells: cell 0, then the bands of schedule t from at[t]; t is a position in cons.tiers and b below that schedule's bands"
    )]
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
                                let a = adjusted_by(cons, batch, rows, &duals, k, o, 0);
                                row[0] = row[0].min(a);
                            }
                            Some(t) => {
                                for b in 0..usize::from(o.bands).min(cons.tiers[t].bands()) {
                                    let a = adjusted_by(cons, batch, rows, &duals, k, o, b);
                                    let cell = &mut row[at[t] + b];
                                    *cell = cell.min(a);
                                }
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

    /// A lower bound on the combination's optimum, `L(y, ν)` with every window's `ν` improved
    /// in turn. `f64::INFINITY` when no plan of the combination exists (a window that cannot be
    /// filled, or cannot be kept below its top).
    #[expect(
        clippy::indexing_slicing,
        reason = "e ranges over the windows, and `nu` has one price per window"
    )]
    pub(crate) fn bound(&self, cons: &Constraints, batch: &Batch, combo: &[usize]) -> f64 {
        let win = windows(cons, &self.at, combo);
        let mut nu = vec![0.0f64; win.len()];
        let mut value = self.lagrangian(batch, &win, &nu);
        for _round in 0..ROUNDS {
            let mut moved = false;
            for e in 0..win.len() {
                match self.best_nu(batch, &win, &nu, e) {
                    None => return f64::INFINITY,
                    Some(v) if v != nu[e] => {
                        nu[e] = v;
                        moved = true;
                    }
                    Some(_) => {}
                }
            }
            if !moved {
                break;
            }
            value = value.max(self.lagrangian(batch, &win, &nu));
        }
        // Round-off of the sums: a bound a hair low is still a bound.
        margin(value)
    }

    /// `L(y, 0)`: the bound without window prices (a pass over the classes).
    pub(crate) fn bound_flat(&self, cons: &Constraints, batch: &Batch, combo: &[usize]) -> f64 {
        let win = windows(cons, &self.at, combo);
        let nu = vec![0.0; win.len()];
        margin(self.lagrangian(batch, &win, &nu))
    }

    #[expect(
        clippy::indexing_slicing,
        reason = "`least` has `width` cells per class of the batch the tables were built for, and k is one of its classes"
    )]
    fn row(&self, k: usize) -> &[f64] {
        &self.least[k * self.width..(k + 1) * self.width]
    }

    /// Class `k`'s least cost under `ν`, apart from window `skip`'s columns.
    #[expect(
        clippy::indexing_slicing,
        reason = "k is a class of the batch; a window's column is a cell of a row of the tables (windows() places it by `at`), and `nu` has one price per window"
    )]
    fn best_except(&self, batch: &Batch, win: &[Window], nu: &[f64], k: usize, skip: usize) -> f64 {
        let row = self.row(k);
        let p = batch.classes[k].parcels as f64;
        let mut best = row[0];
        for (e, w) in win.iter().enumerate() {
            if e != skip {
                best = best.min(row[w.col] - nu[e] * p);
            }
        }
        best
    }

    fn lagrangian(&self, batch: &Batch, win: &[Window], nu: &[f64]) -> f64 {
        let parts: Vec<f64> = batch
            .classes
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(ci, chunk)| {
                chunk
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let best = self.best_except(batch, win, nu, ci * CHUNK + i, usize::MAX);
                        c.count as f64 * best
                    })
                    .sum::<f64>()
            })
            .collect();
        let windows: f64 = nu
            .iter()
            .zip(win)
            .map(|(&n, w)| if n >= 0.0 { n * w.lo } else { n * w.hi })
            .sum();
        parts.iter().sum::<f64>() + self.constant + windows
    }

    /// The best `ν_e` given the other windows' (exact: `L` is concave in it, with a breakpoint
    /// per class). `None`: the window can never be brought within its bounds.
    #[expect(
        clippy::indexing_slicing,
        reason = "e is a window of `win` (bound() loops over them); k is a class of the batch and a window's column a cell of its row"
    )]
    fn best_nu(&self, batch: &Batch, win: &[Window], nu: &[f64], e: usize) -> Option<f64> {
        let (col, lo, hi) = (win[e].col, win[e].lo, win[e].hi);
        let n = batch.classes.len();
        // Per class that can use the window: (breakpoint, parcels): it takes the window once ν
        // exceeds the breakpoint (−∞: it has nothing else).
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
                    let other = self.best_except(batch, win, nu, k, e);
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

/// A bound a hair lower, for the round-off of its sums (an infinite one stays infinite).
fn margin(value: f64) -> f64 {
    if value.is_finite() {
        value - 1e-9 * value.abs() - 1e-6
    } else {
        value
    }
}

/// Row prices a Lagrangian may use: the capacity and commitment rows' signs enforced (a soft
/// commitment's no more than its penalty), every tier row 0.
fn valid_prices(rows: &Rows, y: &[f64]) -> Vec<f64> {
    use crate::cg::rows::{RowKind, Sense};
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
