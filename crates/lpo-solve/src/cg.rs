//! The day's batch as linear programs solved by column generation on HiGHS (built with good_lp).
//!
//! Tier discounts are the only thing that needs integer choices besides whole orders: a
//! carrier's band (`all`) or how many bands are full (`beyond`). They are enumerated as
//! *combinations*; for a fixed combination every price is known and the rest is an LP:
//!
//! ```text
//!   min  Σ score[k,j,b]·x[k,j,b]  + penalties
//!   s.t. Σ_(j,b) x[k,j,b] = count[k]            every order of class k placed
//!        capacity rows ≤, commitment rows ≥     (soft ones with a priced shortfall)
//!        all:    parcels of the carrier ≥ the band's threshold
//!        beyond: bands below the last one full, the last one within its width
//! ```
//!
//! Most orders never leave their cheapest option, so the LP is solved over a *pool* of columns
//! that grows: a class with one column in the pool is a constant, not a variable. After each
//! solve every column outside the pool is priced with the duals; those with a negative reduced
//! cost join, until none does — then the pool's optimum is the optimum over every column.
//! Hard rows get elastic slacks whose price starts low and rises (so the first duals are small
//! and only nearly indifferent orders join); a combination whose slacks stay positive at the
//! top price is infeasible.

use std::time::{Duration, Instant};

use good_lp::{Expression, ProblemVariables, SolverModel, solvers::highs::highs, variable};
use highs::HighsModelStatus;
use lpo_engine::constraints::{CapacityUnit, CommitmentUnit, TierKind};
use lpo_engine::{Constraints, Engine};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::Settings;
use crate::classes::{Batch, ClassOption};

/// Per tier schedule: the band (`all`) or the last band used (`beyond`).
pub(crate) type Combo = Vec<usize>;

/// Every combination of tier bands.
pub(crate) fn combos(cons: &Constraints) -> Vec<Combo> {
    let mut out: Vec<Combo> = vec![Vec::new()];
    for t in &cons.tiers {
        out = out
            .into_iter()
            .flat_map(|c| {
                (0..t.bands()).map(move |b| {
                    let mut c = c.clone();
                    c.push(b);
                    c
                })
            })
            .collect();
    }
    out
}

/// The bands (inclusive) an option of `carrier` may be priced in under `combo`.
pub(crate) fn allowed(cons: &Constraints, combo: &[usize], carrier: u16) -> (usize, usize) {
    match cons.tiers.iter().position(|t| t.carrier == carrier) {
        None => (0, 0),
        Some(t) => match cons.tiers[t].kind {
            TierKind::All => (combo[t], combo[t]),
            TierKind::Beyond => (0, combo[t]),
        },
    }
}

/// Every column a combination allows class `k`: each option in each band its carrier may be
/// priced in.
pub(crate) fn columns<'a>(
    cons: &'a Constraints,
    batch: &'a Batch,
    combo: &'a [usize],
    k: usize,
) -> impl Iterator<Item = Col> + 'a {
    batch
        .options_of(k)
        .iter()
        .enumerate()
        .flat_map(move |(j, o)| {
            let (lo, hi) = allowed(cons, combo, o.carrier);
            (lo..=hi.min(usize::from(o.bands) - 1)).map(move |b| Col {
                j: j as u16,
                b: b as u8,
            })
        })
}

/// A column of a class: its option (class-local index) and band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Col {
    pub(crate) j: u16,
    pub(crate) b: u8,
}

/// A class's columns in a model.
#[derive(Debug, Clone)]
pub(crate) enum Pool {
    /// Every order of the class on one column: a constant.
    Folded(Col),
    /// Fixed counts: constants.
    Fixed(Vec<(Col, u64)>),
    /// Variables.
    Free(Vec<Col>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sense {
    Le,
    Ge,
    Eq,
}

/// A row that couples orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowKind {
    Capacity(usize),
    Commitment(usize),
    /// `all` schedule: its carrier's parcels reach the chosen band's threshold.
    TierMin(usize),
    /// `all` schedule: and stay below the next band's threshold.
    TierMax(usize),
    /// `beyond` schedule: band b is full.
    TierFull(usize, usize),
    /// `beyond` schedule: the last band used stays within its width.
    TierCap(usize, usize),
}

#[derive(Debug, Clone)]
pub(crate) struct CRow {
    pub(crate) kind: RowKind,
    pub(crate) sense: Sense,
    pub(crate) rhs: f64,
    /// Soft commitment: price of a unit of shortfall.
    pub(crate) soft: Option<f64>,
    /// Parcel-equivalents per unit of this row, for the elastic price (a gram: 1/1000, a cent
    /// of spend: 1/100).
    pub(crate) scale: f64,
}

/// The coupling rows of a combination and which columns touch them.
pub(crate) struct Rows {
    pub(crate) rows: Vec<CRow>,
    warehouses: usize,
    /// Per (service, warehouse): capacity rows.
    caps_of: Vec<Vec<usize>>,
    /// Per carrier: commitment rows.
    commits_of: Vec<Vec<usize>>,
    /// Per carrier: (band, row) of tier rows.
    tiers_of: Vec<Vec<(usize, usize)>>,
}

pub(crate) fn coupling_rows(engine: &Engine, cons: &Constraints, combo: &[usize]) -> Rows {
    let warehouses = engine.warehouses.len().max(1);
    let mut rows = Vec::new();
    let mut caps_of = vec![Vec::new(); engine.services.len() * warehouses];
    let mut commits_of = vec![Vec::new(); engine.carriers.len()];
    let mut tiers_of = vec![Vec::new(); engine.carriers.len()];
    for (i, c) in cons.capacities.iter().enumerate() {
        let r = rows.len();
        rows.push(CRow {
            kind: RowKind::Capacity(i),
            sense: Sense::Le,
            rhs: c.limit as f64,
            soft: None,
            scale: match c.unit {
                CapacityUnit::Parcels => 1.0,
                CapacityUnit::Grams => 1e-3,
            },
        });
        for s in 0..engine.services.len() {
            for w in 0..warehouses {
                if c.scope.matches(engine, s as u32, w as u16) {
                    caps_of[s * warehouses + w].push(r);
                }
            }
        }
    }
    for (i, m) in cons.commitments.iter().enumerate() {
        let r = rows.len();
        rows.push(CRow {
            kind: RowKind::Commitment(i),
            sense: Sense::Ge,
            rhs: m.min as f64,
            soft: m.penalty.map(|p| crate::penalty_per_unit(m.unit, p.0)),
            scale: match m.unit {
                CommitmentUnit::Parcels => 1.0,
                CommitmentUnit::Spend => 1e-2,
            },
        });
        if let Some(v) = commits_of.get_mut(usize::from(m.carrier)) {
            v.push(r);
        }
    }
    for (ti, t) in cons.tiers.iter().enumerate() {
        let chosen = combo[ti];
        let carrier = usize::from(t.carrier);
        match t.kind {
            TierKind::All => {
                if chosen > 0 {
                    tiers_of[carrier].push((chosen, rows.len()));
                    rows.push(CRow {
                        kind: RowKind::TierMin(ti),
                        sense: Sense::Ge,
                        rhs: t.band_start(chosen) as f64,
                        soft: None,
                        scale: 1.0,
                    });
                }
                // The band is the highest one reached: the volume stays below the next.
                if chosen + 1 < t.bands() {
                    tiers_of[carrier].push((chosen, rows.len()));
                    rows.push(CRow {
                        kind: RowKind::TierMax(ti),
                        sense: Sense::Le,
                        rhs: (t.band_start(chosen + 1) - 1) as f64,
                        soft: None,
                        scale: 1.0,
                    });
                }
            }
            TierKind::Beyond => {
                for b in 0..=chosen {
                    let width = if b + 1 < t.bands() {
                        Some((t.band_start(b + 1) - t.band_start(b)) as f64)
                    } else {
                        None
                    };
                    let (kind, sense) = if b < chosen {
                        (RowKind::TierFull(ti, b), Sense::Eq)
                    } else {
                        (RowKind::TierCap(ti, b), Sense::Le)
                    };
                    if let Some(width) = width {
                        tiers_of[carrier].push((b, rows.len()));
                        rows.push(CRow {
                            kind,
                            sense,
                            rhs: width,
                            soft: None,
                            scale: 1.0,
                        });
                    }
                }
            }
        }
    }
    Rows {
        rows,
        warehouses,
        caps_of,
        commits_of,
        tiers_of,
    }
}

impl Rows {
    /// Calls `f(row, coefficient)` for every coupling row column (class k, option o, band b)
    /// has a coefficient in.
    #[inline]
    pub(crate) fn for_each(
        &self,
        cons: &Constraints,
        batch: &Batch,
        k: usize,
        o: &ClassOption,
        b: usize,
        mut f: impl FnMut(usize, f64),
    ) {
        let c = &batch.classes[k];
        let at = o.service as usize * self.warehouses + usize::from(o.warehouse);
        for &r in self.caps_of.get(at).map_or(&[][..], |v| v.as_slice()) {
            let RowKind::Capacity(i) = self.rows[r].kind else {
                continue;
            };
            f(
                r,
                match cons.capacities[i].unit {
                    CapacityUnit::Parcels => c.parcels as f64,
                    CapacityUnit::Grams => c.grams as f64,
                },
            );
        }
        let carrier = usize::from(o.carrier);
        for &r in self
            .commits_of
            .get(carrier)
            .map_or(&[][..], |v| v.as_slice())
        {
            let RowKind::Commitment(i) = self.rows[r].kind else {
                continue;
            };
            f(
                r,
                match cons.commitments[i].unit {
                    CommitmentUnit::Parcels => c.parcels as f64,
                    CommitmentUnit::Spend => batch.price(o, b).total.0 as f64,
                },
            );
        }
        for &(band, r) in self.tiers_of.get(carrier).map_or(&[][..], |v| v.as_slice()) {
            if band == b {
                f(r, c.parcels as f64);
            }
        }
    }
}

/// What a model minimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Objective {
    Cost,
    /// Options' ranks (tie-break among least-cost plans).
    Rank,
}

/// How a model is built.
pub(crate) struct Spec<'a> {
    pub(crate) objective: Objective,
    /// Price of a unit of elastic slack on hard rows (per parcel); `None`: no elastic slack.
    pub(crate) elastic: Option<f64>,
    pub(crate) integer: bool,
    /// Rows held at their bound (tie-break), by coupling row.
    pub(crate) tight: Option<&'a [bool]>,
    /// Soft shortfall variables that may move (tie-break), by coupling row.
    pub(crate) soft_free: Option<&'a [bool]>,
}

/// Member classes of a group and their columns in the group's column order.
type Members = Vec<(usize, Vec<Col>)>;

/// Free classes that are interchangeable in a model: their pool columns, in a canonical order,
/// touch the same rows with the same coefficients and differ in cost from their first column by
/// the same amounts (for the rank objective: have the same ranks). One set of variables serves
/// them all; the solution is shared out among them in class order.
pub(crate) struct Group {
    members: Members,
    /// HiGHS column of each group column.
    cols: Vec<usize>,
    /// HiGHS row of the group's assignment row.
    row: usize,
}

pub(crate) struct Master {
    pub(crate) model: highs::Model,
    groups: Vec<Group>,
    objective: Objective,
    /// HiGHS row of each coupling row.
    pub(crate) coupling: Vec<usize>,
    /// Elastic slack columns per coupling row.
    pub(crate) elastic: Vec<Vec<usize>>,
    /// Soft shortfall column per coupling row.
    pub(crate) soft: Vec<Option<usize>>,
    /// Cost of the constant (folded and fixed) classes, and of the free classes' first columns.
    pub(crate) constant_cost: f64,
    pub(crate) columns: usize,
    pub(crate) rows: usize,
    pub(crate) integer_columns: usize,
    /// Free classes, and how many groups they made.
    pub(crate) free_classes: usize,
}

fn score_of(batch: &Batch, k: usize, c: Col, objective: Objective) -> f64 {
    let o = &batch.options_of(k)[usize::from(c.j)];
    match objective {
        Objective::Cost => batch.price(o, usize::from(c.b)).score.0 as f64,
        Objective::Rank => f64::from(o.rank) * 8.0 + f64::from(c.b),
    }
}

/// A free class's columns in canonical order and its grouping key.
fn group_key(
    cons: &Constraints,
    batch: &Batch,
    rows: &Rows,
    k: usize,
    cols: &[Col],
    objective: Objective,
) -> (Vec<i64>, Vec<Col>) {
    let opts = batch.options_of(k);
    // Per column: (row footprint, objective) — footprints and objectives are integers.
    let mut described: Vec<(Vec<i64>, i64, Col)> = cols
        .iter()
        .map(|&c| {
            let mut foot = Vec::new();
            rows.for_each(
                cons,
                batch,
                k,
                &opts[usize::from(c.j)],
                usize::from(c.b),
                |r, a| {
                    foot.push(r as i64);
                    foot.push(a as i64);
                },
            );
            (foot, score_of(batch, k, c, objective) as i64, c)
        })
        .collect();
    described.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let base = match objective {
        Objective::Cost => described.first().map_or(0, |d| d.1),
        Objective::Rank => 0,
    };
    let mut key = vec![batch.classes[k].parcels as i64, described.len() as i64];
    for (foot, obj, _) in &described {
        key.push(foot.len() as i64);
        key.extend_from_slice(foot);
        key.push(obj - base);
    }
    (key, described.into_iter().map(|d| d.2).collect())
}

pub(crate) fn build(
    batch: &Batch,
    cons: &Constraints,
    rows: &Rows,
    pool: &[Pool],
    spec: &Spec<'_>,
) -> Result<Master, String> {
    let n_rows = rows.rows.len();
    let mut constant = vec![0.0f64; n_rows];
    let mut constant_cost = 0.0;
    // Group the free classes.
    let mut index: FxHashMap<Vec<i64>, usize> = FxHashMap::default();
    // Per group: its members (class, columns in the group's order) and their orders.
    let mut groups: Vec<(Members, u64)> = Vec::new();
    let mut free_classes = 0;
    for (k, p) in pool.iter().enumerate() {
        let count = batch.classes[k].count;
        let fixed: Vec<(Col, u64)> = match p {
            Pool::Folded(c) => vec![(*c, count)],
            Pool::Fixed(v) => v.clone(),
            Pool::Free(cols) => {
                free_classes += 1;
                let (key, ordered) = group_key(cons, batch, rows, k, cols, spec.objective);
                if spec.objective == Objective::Cost {
                    constant_cost += score_of(batch, k, ordered[0], Objective::Cost) * count as f64;
                }
                let g = *index.entry(key).or_insert_with(|| {
                    groups.push((Vec::new(), 0));
                    groups.len() - 1
                });
                groups[g].0.push((k, ordered));
                groups[g].1 += count;
                continue;
            }
        };
        for (c, n) in fixed {
            let o = &batch.options_of(k)[usize::from(c.j)];
            if spec.objective == Objective::Cost {
                constant_cost += score_of(batch, k, c, Objective::Cost) * n as f64;
            }
            rows.for_each(cons, batch, k, o, usize::from(c.b), |r, a| {
                constant[r] += a * n as f64;
            });
        }
    }
    let mut vars = ProblemVariables::new();
    let mut next = 0usize;
    let mut add = |vars: &mut ProblemVariables, def: good_lp::VariableDefinition| {
        let v = vars.add(def);
        next += 1;
        (v, next - 1)
    };
    let mut objective = Expression::default();
    let mut integer_columns = 0;
    let mut group_vars: Vec<Vec<(good_lp::Variable, usize)>> = Vec::with_capacity(groups.len());
    for (members, count) in &groups {
        let (k0, cols0) = &members[0];
        let base = match spec.objective {
            Objective::Cost => score_of(batch, *k0, cols0[0], Objective::Cost),
            Objective::Rank => 0.0,
        };
        let mut vs = Vec::with_capacity(cols0.len());
        for &c in cols0 {
            let def = variable().min(0.0).max(*count as f64);
            let def = if spec.integer {
                integer_columns += 1;
                def.integer()
            } else {
                def
            };
            let (v, i) = add(&mut vars, def);
            objective.add_mul(score_of(batch, *k0, c, spec.objective) - base, v);
            vs.push((v, i));
        }
        group_vars.push(vs);
    }
    // Slacks.
    let mut elastic: Vec<Vec<usize>> = vec![Vec::new(); n_rows];
    let mut elastic_vars: Vec<Vec<(good_lp::Variable, f64)>> = vec![Vec::new(); n_rows];
    let mut soft: Vec<Option<usize>> = vec![None; n_rows];
    let mut soft_vars: Vec<Option<good_lp::Variable>> = vec![None; n_rows];
    for (r, row) in rows.rows.iter().enumerate() {
        if let Some(p) = row.soft {
            let movable = spec.soft_free.is_none_or(|f| f[r]);
            let def = if movable {
                variable().min(0.0)
            } else {
                variable().min(0.0).max(0.0)
            };
            let (v, i) = add(&mut vars, def);
            if spec.objective == Objective::Cost {
                objective.add_mul(p, v);
            }
            soft[r] = Some(i);
            soft_vars[r] = Some(v);
        } else if let Some(price) = spec.elastic {
            let signs: &[f64] = match row.sense {
                Sense::Le => &[-1.0],
                Sense::Ge => &[1.0],
                Sense::Eq => &[1.0, -1.0],
            };
            for &sign in signs {
                let (v, i) = add(&mut vars, variable().min(0.0));
                objective.add_mul(price * row.scale, v);
                elastic[r].push(i);
                elastic_vars[r].push((v, sign));
            }
        }
    }
    if vars.is_empty() {
        // HiGHS has no answer for a model without columns; give it one that cannot move.
        add(&mut vars, variable().min(0.0).max(0.0));
    }
    let columns = vars.len();
    let mut problem = vars.minimise(objective).using(highs);
    let mut row_count = 0usize;
    let mut push = |p: &mut good_lp::solvers::highs::HighsProblem, c: good_lp::Constraint| {
        p.add_constraint(c);
        row_count += 1;
        row_count - 1
    };
    let mut group_rows = Vec::with_capacity(groups.len());
    for ((_, count), vs) in groups.iter().zip(&group_vars) {
        let mut e = Expression::with_capacity(vs.len());
        for (v, _) in vs {
            e.add_mul(1.0, *v);
        }
        group_rows.push(push(&mut problem, e.eq(*count as f64)));
    }
    // Coupling rows over the group columns (the first member's coefficients are everyone's).
    let mut exprs: Vec<Expression> = (0..n_rows).map(|_| Expression::default()).collect();
    for ((members, _), vs) in groups.iter().zip(&group_vars) {
        let (k0, cols0) = &members[0];
        let opts = batch.options_of(*k0);
        for (c, (v, _)) in cols0.iter().zip(vs) {
            rows.for_each(
                cons,
                batch,
                *k0,
                &opts[usize::from(c.j)],
                usize::from(c.b),
                |r, a| {
                    exprs[r].add_mul(a, *v);
                },
            );
        }
    }
    let mut coupling = Vec::with_capacity(n_rows);
    for (r, (row, mut e)) in rows.rows.iter().zip(exprs).enumerate() {
        if let Some(v) = soft_vars[r] {
            e.add_mul(1.0, v);
        }
        for (v, sign) in &elastic_vars[r] {
            e.add_mul(*sign, *v);
        }
        let rhs = row.rhs - constant[r];
        let tight = spec.tight.is_some_and(|t| t[r]);
        let c = match (row.sense, tight) {
            (Sense::Eq, _) | (_, true) => e.eq(rhs),
            (Sense::Le, false) => e.leq(rhs),
            (Sense::Ge, false) => e.geq(rhs),
        };
        coupling.push(push(&mut problem, c));
    }
    let rows_n = row_count;
    let model = problem.try_into_inner().map_err(|e| e.to_string())?;
    let groups = groups
        .into_iter()
        .zip(group_vars)
        .zip(group_rows)
        .map(|(((members, _), vs), row)| Group {
            members,
            cols: vs.into_iter().map(|(_, i)| i).collect(),
            row,
        })
        .collect();
    Ok(Master {
        model,
        groups,
        objective: spec.objective,
        coupling,
        elastic,
        soft,
        constant_cost,
        columns,
        rows: rows_n,
        integer_columns,
        free_classes,
    })
}

/// Free classes with their columns' values.
pub(crate) type FreeValues = Vec<(usize, Vec<(Col, f64)>)>;

/// One solved master.
pub(crate) struct Solved {
    pub(crate) status: HighsModelStatus,
    /// Objective including the constant classes.
    pub(crate) value: f64,
    /// Per free class: its columns and their values.
    pub(crate) values: FreeValues,
    /// Per free class: the dual of its assignment (cost objective only).
    pub(crate) assign: Vec<(usize, f64)>,
    /// Per coupling row.
    pub(crate) duals: Vec<f64>,
    /// Per coupling row: elastic slack in use (units of the row).
    pub(crate) slack: Vec<f64>,
    /// Per coupling row: soft shortfall and its reduced cost.
    pub(crate) soft: Vec<Option<(f64, f64)>>,
    /// A MIP's proven lower bound on the objective (constant classes included); NaN if none.
    pub(crate) bound: f64,
    pub(crate) time: Duration,
}

pub(crate) fn solve(
    batch: &Batch,
    m: Master,
    settings: &Settings,
    deadline: Instant,
) -> Result<Solved, String> {
    let is_mip = m.integer_columns > 0;
    // HiGHS sees only the free classes' costs above their first columns; the gap that matters
    // is of the whole plan, so a MIP may stop within half of it in absolute terms.
    let abs_gap = 0.5 * settings.rel_gap * m.constant_cost.abs();
    let r = crate::model::run(m.model, settings, deadline, is_mip.then_some(abs_gap))?;
    let has = !r.columns.is_empty();
    let col = |i: usize| if has { r.columns[i] } else { 0.0 };
    let dual = |i: usize| r.dual_rows.get(i).copied().unwrap_or(0.0);
    let mut values = Vec::new();
    let mut assign = Vec::new();
    for g in &m.groups {
        // Share each group column's value out among the members, in class order.
        let mut left: Vec<f64> = g.cols.iter().map(|&i| col(i).max(0.0)).collect();
        let u = dual(g.row);
        for (k, cols) in &g.members {
            let mut room = batch.classes[*k].count as f64;
            let mut v = Vec::with_capacity(cols.len());
            for (c, l) in cols.iter().zip(left.iter_mut()) {
                let take = l.min(room);
                *l -= take;
                room -= take;
                v.push((*c, take));
            }
            // Round-off: whatever is left of the class goes where the group has most left.
            if room > 1e-9
                && let Some((i, _)) = left.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1))
            {
                v[i].1 += room;
            }
            values.push((*k, v));
            if m.objective == Objective::Cost {
                // The group's costs are differences from each member's first column.
                let base = score_of(batch, *k, cols[0], Objective::Cost);
                assign.push((*k, u + base));
            }
        }
    }
    values.sort_by_key(|v| v.0);
    assign.sort_by_key(|a| a.0);
    Ok(Solved {
        status: r.status,
        value: r.objective + m.constant_cost,
        bound: r.bound + m.constant_cost,
        values,
        assign,
        duals: m.coupling.iter().map(|&i| dual(i)).collect(),
        slack: m
            .elastic
            .iter()
            .map(|cols| cols.iter().map(|&i| col(i)).sum())
            .collect(),
        soft: m
            .soft
            .iter()
            .map(|s| s.map(|i| (col(i), r.dual_columns.get(i).copied().unwrap_or(0.0))))
            .collect(),
        time: r.time,
    })
}

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

#[allow(clippy::too_many_arguments)]
/// Reduced costs at or below `threshold` of every allowed column, per class, with the class's
/// assignment dual (`u`): for a free class its row's dual, for a folded one the adjusted cost
/// of its column.
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

/// Whether a combination asks a tier carrier for more parcels than it can possibly get: all
/// the parcels that could go by it, or what its per-warehouse capacities allow, whichever is
/// less. `Some(shortfall)` when so.
pub(crate) fn out_of_reach(
    engine: &Engine,
    cons: &Constraints,
    batch: &Batch,
    combo: &[usize],
) -> Option<f64> {
    let mut short = 0.0;
    for (ti, t) in cons.tiers.iter().enumerate() {
        let need = t.band_start(combo[ti]);
        if need == 0 {
            continue;
        }
        let warehouses = engine.warehouses.len();
        let mut reach = 0u64;
        let mut per_wh = vec![0u64; warehouses];
        for k in 0..batch.classes.len() {
            let c = &batch.classes[k];
            let mut any = false;
            let mut seen = vec![false; warehouses];
            for o in batch
                .options_of(k)
                .iter()
                .filter(|o| o.carrier == t.carrier)
            {
                any = true;
                let w = usize::from(o.warehouse);
                if w < warehouses && !seen[w] {
                    seen[w] = true;
                    per_wh[w] += c.count * c.parcels;
                }
            }
            if any {
                reach += c.count * c.parcels;
            }
        }
        let parcels_cap = |scope_ok: &dyn Fn(&lpo_engine::constraints::Scope) -> bool| {
            cons.capacities
                .iter()
                .filter(|c| c.unit == CapacityUnit::Parcels && c.scope.service.is_none())
                .filter(|c| c.scope.carrier == t.carrier && scope_ok(&c.scope))
                .map(|c| c.limit)
                .min()
        };
        let mut by_wh = 0u64;
        for (w, n) in per_wh.iter().enumerate() {
            let cap = parcels_cap(&|s| s.warehouse == Some(w as u16)).unwrap_or(u64::MAX);
            by_wh = by_wh.saturating_add((*n).min(cap));
        }
        let all = parcels_cap(&|s| s.warehouse.is_none()).unwrap_or(u64::MAX);
        let most = reach.min(by_wh).min(all);
        if most < need {
            short += (need - most) as f64;
        }
    }
    (short > 0.0).then_some(short)
}

/// Per class, its columns whose adjusted cost under `duals` is within `delta` of its cheapest.
pub(crate) fn near_best(
    cons: &Constraints,
    batch: &Batch,
    rows: &Rows,
    combo: &[usize],
    duals: &[f64],
    delta: f64,
) -> Vec<Pool> {
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
    // At most MAX_FREE classes start free: the ones closest to indifferent.
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
            let best = cols.iter().map(|c| c.1).fold(f64::INFINITY, f64::min);
            let mut near: Vec<Col> = cols
                .iter()
                .filter(|c| c.1 <= best + delta)
                .map(|c| c.0)
                .collect();
            near.sort_unstable();
            match near.as_slice() {
                [one] => Pool::Folded(*one),
                [] => Pool::Folded(first_col(cons, batch, combo, k)),
                _ => Pool::Free(near),
            }
        })
        .collect()
}

/// The column of class `k`'s best-ranked option in the bands a combination allows.
pub(crate) fn first_col(cons: &Constraints, batch: &Batch, combo: &[usize], k: usize) -> Col {
    let o = &batch.options_of(k)[0];
    let (lo, _) = allowed(cons, combo, o.carrier);
    Col {
        j: 0,
        b: lo.min(usize::from(o.bands) - 1) as u8,
    }
}

/// Moves a pool to another combination: columns in bands it no longer allows go to the nearest
/// allowed band.
pub(crate) fn remap(
    cons: &Constraints,
    batch: &Batch,
    combo: &[usize],
    pool: &[Pool],
) -> Vec<Pool> {
    let fix = |k: usize, c: Col| {
        let o = &batch.options_of(k)[usize::from(c.j)];
        let (lo, hi) = allowed(cons, combo, o.carrier);
        let hi = hi.min(usize::from(o.bands) - 1);
        Col {
            j: c.j,
            b: usize::from(c.b).clamp(lo, hi.max(lo)) as u8,
        }
    };
    pool.iter()
        .enumerate()
        .map(|(k, p)| match p {
            Pool::Folded(c) => Pool::Folded(fix(k, *c)),
            Pool::Fixed(v) => Pool::Folded(fix(k, v[0].0)),
            Pool::Free(cols) => {
                let mut v: Vec<Col> = cols.iter().map(|c| fix(k, *c)).collect();
                v.sort_unstable();
                v.dedup();
                if v.len() == 1 {
                    Pool::Folded(v[0])
                } else {
                    Pool::Free(v)
                }
            }
        })
        .collect()
}

/// The LP optimum of one combination.
pub(crate) struct LpOptimum {
    pub(crate) value: f64,
    /// A proven lower bound on it (Lagrangian; equal to `value` when no column prices out).
    pub(crate) lower: f64,
    /// Elastic slack left per coupling row (all zero when the combination is feasible).
    pub(crate) slack: Vec<f64>,
    pub(crate) feasible: bool,
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
/// Batches with more classes first solve a sample of about SAMPLE_SIZE classes for duals.
const SAMPLE_ABOVE: usize = 6_000;
const SAMPLE_SIZE: usize = 3_000;
/// Batches with more classes sample in two steps.
const CASCADE_ABOVE: usize = 300_000;
/// Columns within this many cents of a class's cheapest (under the starting duals) start free.
const DELTA: f64 = 30.0;
/// Most classes that start free.
const MAX_FREE: usize = 300_000;
const ELASTIC_TOP: f64 = 5e7;
const RC_TOL: f64 = 1e-4;

/// Column generation for one combination, from `pool`.
#[allow(clippy::too_many_arguments)]
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
                        .map_or(0.0, |i| duals[i])
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
        pool = near_best(cons, batch, &rows, combo, duals, DELTA);
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
        crate::trace(|| {
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
                timed_out: !done,
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
