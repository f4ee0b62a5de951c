//! A combination's master LP kept alive in HiGHS across column-generation rounds.
//!
//! Each class has a *base* column (its cheapest under the duals the combination starts from).
//! The model holds the batch on its bases as constants and, as variables, only *moves*: `x` of
//! class `k`'s orders from its base to column `c`, at cost `score(c) − score(base)` and with
//! coefficients `a(c) − a(base)` in the coupling rows, under a row `Σ_c x[k,c] ≤ count[k]`
//! (what stays on the base is `count[k] − Σ x`). Every move starts at zero, so the all-slack
//! basis is the batch on its bases, and the simplex pivots only the orders that leave them.
//! A round adds columns (and a class's row the first time it gets one) to the model that was
//! solved; HiGHS starts from the basis it had, so a round costs the pivots of what changed
//! rather than a solve from scratch (whose pivots grow with the free classes and each costs a
//! pass over the dense coupling rows: the rebuilt masters took minutes at 100,000 orders).
//!
//! With `x[k,base] = count[k] − Σ x`, the dual `u[k]` of a class's assignment is its base's
//! adjusted cost plus the dual `w[k] ≤ 0` of its row, and a column's reduced cost is the same
//! as in the plain assignment model.

use std::time::{Duration, Instant};

use highs::{ColProblem, HighsModelStatus, Model};

use super::columns::{Col, Pool};
use super::pricing::adjusted_by;
use super::rows::{Rows, Sense};
use crate::classes::Batch;
use crate::model::Settings;
use lpo_engine::Constraints;

/// A HiGHS column of the model.
#[derive(Clone, Copy)]
enum Var {
    /// Class `k` moved from its base to `c`.
    Move(u32, Col),
    /// Elastic slack on coupling row `r` (and its price per unit of the row is `scale`).
    Elastic(u32),
    /// Soft shortfall on coupling row `r`.
    Soft(u32),
    /// A column that cannot move: HiGHS has no answer for a model without columns.
    Still,
}

pub(crate) struct Live {
    /// Between solves; `None` only while HiGHS runs (or after it failed).
    model: Option<Model>,
    /// Per class: its base column.
    base: Vec<Col>,
    /// Per class: its row's index among the model's rows, once it has one.
    class_row: Vec<Option<(highs::Row, u32)>>,
    /// Per class: the columns it may move to (its pool beside the base).
    moves: Vec<Vec<Col>>,
    coupling: Vec<highs::Row>,
    vars: Vec<Var>,
    /// Elastic columns with their coupling row, to re-price.
    elastic: Vec<(highs::Col, usize)>,
    rows_n: usize,
    /// Cost of every class on its base.
    constant_cost: f64,
    /// Wall time of every solve of the model so far (what HiGHS's time limit counts).
    highs_time: Duration,
}

/// One solved round of the live master.
pub(crate) struct Round {
    pub(crate) status: HighsModelStatus,
    /// Objective including the classes on their bases (and the elastic cost).
    pub(crate) value: f64,
    /// Per class with moves: (class, [(column, orders)]) base included.
    pub(crate) values: Vec<(usize, Vec<(Col, f64)>)>,
    /// Per class with moves: its assignment dual.
    pub(crate) assign: Vec<(usize, f64)>,
    /// Per coupling row.
    pub(crate) duals: Vec<f64>,
    pub(crate) slack: Vec<f64>,
    pub(crate) soft: Vec<Option<(f64, f64)>>,
    pub(crate) time: Duration,
}

impl Live {
    /// The model of every class on `base`, free to move to the other columns of its pool, with
    /// elastic slacks at `price` per parcel on each hard row.
    #[expect(
        clippy::indexing_slicing,
        reason = "base and pools have one entry per class of `batch`, and a pool's columns are options of its class; for_each gives rows of `rows`, for which `constant`, `coupling` and `price` have an entry"
    )]
    pub(crate) fn new(
        batch: &Batch,
        cons: &Constraints,
        rows: &Rows,
        base: Vec<Col>,
        pools: &[Pool],
        price: &[f64],
    ) -> Live {
        let n_rows = rows.rows.len();
        let mut constant = vec![0.0f64; n_rows];
        let mut constant_cost = 0.0;
        for (k, c) in base.iter().enumerate() {
            let n = batch.classes[k].count as f64;
            let o = &batch.options_of(k)[usize::from(c.j)];
            constant_cost += batch.price(o, usize::from(c.b)).score.0 as f64 * n;
            rows.for_each(cons, batch, k, o, usize::from(c.b), |r, a| {
                constant[r] += a * n;
            });
        }
        let mut model = ColProblem::default().optimise(highs::Sense::Minimise);
        let coupling: Vec<highs::Row> = rows
            .rows
            .iter()
            .zip(&constant)
            .map(|(row, c)| {
                let rhs = row.rhs - c;
                match row.sense {
                    Sense::Le => model.add_row(..=rhs, []),
                    Sense::Ge => model.add_row(rhs.., []),
                    Sense::Eq => model.add_row(rhs..=rhs, []),
                }
            })
            .collect();
        let mut vars = Vec::new();
        let mut elastic = Vec::new();
        for (r, row) in rows.rows.iter().enumerate() {
            if let Some(p) = row.soft {
                model.add_col(p, 0.0.., [(coupling[r], 1.0)]);
                vars.push(Var::Soft(r as u32));
            } else {
                let signs: &[f64] = match row.sense {
                    Sense::Le => &[-1.0],
                    Sense::Ge => &[1.0],
                    Sense::Eq => &[1.0, -1.0],
                };
                for &sign in signs {
                    let c = model.add_col(price[r] * row.scale, 0.0.., [(coupling[r], sign)]);
                    elastic.push((c, r));
                    vars.push(Var::Elastic(r as u32));
                }
            }
        }
        if vars.is_empty() {
            model.add_col(0.0, 0.0..=0.0, []);
            vars.push(Var::Still);
        }
        let mut live = Live {
            model: Some(model),
            class_row: vec![None; base.len()],
            moves: vec![Vec::new(); base.len()],
            base,
            coupling,
            vars,
            elastic,
            rows_n: n_rows,
            constant_cost,
            highs_time: Duration::ZERO,
        };
        for (k, p) in pools.iter().enumerate() {
            if let Pool::Free(cols) = p {
                for &c in cols {
                    live.add(batch, cons, rows, k, c);
                }
            }
        }
        live
    }

    pub(crate) fn columns(&self) -> usize {
        self.vars.len()
    }

    pub(crate) fn rows(&self) -> usize {
        self.rows_n
    }

    /// Whether class `k` may take column `c` (its base or one of its moves).
    #[expect(clippy::indexing_slicing, reason = "k is a class of the model")]
    pub(crate) fn has(&self, k: usize, c: Col) -> bool {
        self.base[k] == c || self.moves[k].contains(&c)
    }

    /// Lets class `k` move to column `c` (nothing when it already may).
    #[expect(
        clippy::indexing_slicing,
        reason = "k is a class of `batch` (the model has one entry per class) and c one of its columns; for_each gives rows of `rows`, for which `coupling` has an entry"
    )]
    pub(crate) fn add(&mut self, batch: &Batch, cons: &Constraints, rows: &Rows, k: usize, c: Col) {
        if self.has(k, c) {
            return;
        }
        let Some(model) = self.model.as_mut() else {
            return;
        };
        let count = batch.classes[k].count as f64;
        let row = match self.class_row[k] {
            Some((r, _)) => r,
            None => {
                let r = model.add_row(..=count, []);
                self.class_row[k] = Some((r, self.rows_n as u32));
                self.rows_n += 1;
                r
            }
        };
        let opts = batch.options_of(k);
        let b = self.base[k];
        let (ob, oc) = (&opts[usize::from(b.j)], &opts[usize::from(c.j)]);
        let cost = (batch.price(oc, usize::from(c.b)).score.0
            - batch.price(ob, usize::from(b.b)).score.0) as f64;
        let mut coef = vec![0.0f64; self.coupling.len()];
        rows.for_each(cons, batch, k, oc, usize::from(c.b), |r, a| coef[r] += a);
        rows.for_each(cons, batch, k, ob, usize::from(b.b), |r, a| coef[r] -= a);
        let mut factors = vec![(row, 1.0)];
        factors.extend(
            coef.iter()
                .zip(&self.coupling)
                .filter(|(a, _)| **a != 0.0)
                .map(|(a, r)| (*r, *a)),
        );
        model.add_col(cost, 0.0.., factors);
        self.vars.push(Var::Move(k as u32, c));
        self.moves[k].push(c);
    }

    /// Prices the elastic slacks at `price` per parcel of each row.
    #[expect(
        clippy::indexing_slicing,
        reason = "an elastic column's row is a coupling row of `rows`, and `price` has an entry per coupling row"
    )]
    pub(crate) fn set_elastic(&mut self, rows: &Rows, price: &[f64]) {
        if let Some(model) = self.model.as_mut() {
            for &(c, r) in &self.elastic {
                model.change_column_cost(c, price[r] * rows.rows[r].scale);
            }
        }
    }

    /// The classes' pools: a class with moves is free on its base and moves, the others are
    /// folded on their base.
    #[expect(
        clippy::indexing_slicing,
        reason = "moves has one entry per class, as base does"
    )]
    pub(crate) fn pools(&self) -> Vec<Pool> {
        self.base
            .iter()
            .enumerate()
            .map(|(k, &b)| {
                if self.moves[k].is_empty() {
                    Pool::Folded(b)
                } else {
                    let mut v = Vec::with_capacity(self.moves[k].len() + 1);
                    v.push(b);
                    v.extend_from_slice(&self.moves[k]);
                    v.sort_unstable();
                    Pool::Free(v)
                }
            })
            .collect()
    }

    /// Solves the model from the basis of its last solve.
    #[expect(
        clippy::indexing_slicing,
        reason = "a Move names a class of `batch` and one of its columns; Elastic and Soft name coupling rows, for which slack, soft and duals have an entry; a class row's index is a row of the model"
    )]
    pub(crate) fn solve(
        &mut self,
        batch: &Batch,
        cons: &Constraints,
        rows: &Rows,
        settings: &Settings,
        deadline: Instant,
    ) -> Result<Round, String> {
        let mut model = self
            .model
            .take()
            .ok_or("the live master was lost by an earlier failure")?;
        crate::model::prepare(&mut model, settings, deadline, None)?;
        // HiGHS (1.x) holds its time limit against the run time of every solve of the model
        // so far, not of this one: what is left of ours is counted on top of the time spent.
        let left = deadline.saturating_duration_since(Instant::now());
        model
            .try_set_option(
                "time_limit",
                (self.highs_time + left).as_secs_f64().max(0.001),
            )
            .map_err(|e| format!("HiGHS option time_limit: {e:?}"))?;
        // Primal simplex: after columns are added (or the elastic price rises) the last basis
        // is still primal feasible (measured: 10-40 % faster than HiGHS's default choice).
        model
            .try_set_option("simplex_strategy", 4)
            .map_err(|e| format!("HiGHS option simplex_strategy: {e:?}"))?;
        let t = Instant::now();
        let solved = model
            .try_solve()
            .map_err(|e| format!("HiGHS failed: {e:?}"))?;
        let run = crate::model::read(&solved, t.elapsed(), false);
        self.highs_time += run.time;
        self.model = Some(Model::from(solved));
        let col = |i: usize| run.columns.get(i).copied().unwrap_or(0.0);
        let dual = |i: usize| run.dual_rows.get(i).copied().unwrap_or(0.0);
        let n = self.coupling.len();
        let duals: Vec<f64> = (0..n).map(dual).collect();
        let mut slack = vec![0.0; n];
        let mut soft = vec![None; n];
        let mut moved: Vec<(usize, Col, f64)> = Vec::new();
        for (i, v) in self.vars.iter().enumerate() {
            match *v {
                Var::Elastic(r) => slack[r as usize] += col(i),
                Var::Soft(r) => {
                    soft[r as usize] =
                        Some((col(i), run.dual_columns.get(i).copied().unwrap_or(0.0)));
                }
                Var::Move(k, c) => moved.push((k as usize, c, col(i).max(0.0))),
                Var::Still => {}
            }
        }
        moved.sort_by_key(|m| (m.0, m.1));
        let mut values: Vec<(usize, Vec<(Col, f64)>)> = Vec::new();
        let mut assign = Vec::new();
        let mut i = 0;
        while i < moved.len() {
            let k = moved[i].0;
            let count = batch.classes[k].count as f64;
            let mut v = vec![(self.base[k], 0.0)];
            let mut out = 0.0;
            while i < moved.len() && moved[i].0 == k {
                let take = moved[i].2.min(count - out).max(0.0);
                out += take;
                v.push((moved[i].1, take));
                i += 1;
            }
            v[0].1 = (count - out).max(0.0);
            values.push((k, v));
            let w = self.class_row[k].map_or(0.0, |(_, at)| dual(at as usize));
            let o = &batch.options_of(k)[usize::from(self.base[k].j)];
            assign.push((
                k,
                adjusted_by(cons, batch, rows, &duals, k, o, usize::from(self.base[k].b)) + w,
            ));
        }
        Ok(Round {
            status: run.status,
            value: run.objective + self.constant_cost,
            values,
            assign,
            duals,
            slack,
            soft,
            time: run.time,
        })
    }
}
