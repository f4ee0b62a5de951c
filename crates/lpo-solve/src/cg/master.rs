//! A master model over a pool: interchangeable free classes grouped into one set of variables,
//! constant classes folded into the right-hand sides, soft and elastic slacks; built for HiGHS
//! through good_lp, solved, and the group solutions shared out among the classes.

use std::time::{Duration, Instant};

use good_lp::{Expression, ProblemVariables, SolverModel, solvers::highs::highs, variable};
use highs::HighsModelStatus;
use lpo_engine::Constraints;
use rustc_hash::FxHashMap;

use super::columns::{Col, Pool};
use super::rows::{Rows, Sense};
use crate::classes::Batch;
use crate::model::Settings;

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

#[expect(
    clippy::indexing_slicing,
    reason = "a column of class k is one of its options (columns() and first_col() make them from options_of)"
)]
fn score_of(batch: &Batch, k: usize, c: Col, objective: Objective) -> f64 {
    let o = &batch.options_of(k)[usize::from(c.j)];
    match objective {
        Objective::Cost => batch.price(o, usize::from(c.b)).score.0 as f64,
        Objective::Rank => f64::from(o.rank) * 8.0 + f64::from(c.b),
    }
}

/// A free class's columns in canonical order and its grouping key.
#[expect(
    clippy::indexing_slicing,
    reason = "k is a class of `batch` and its columns are options of it"
)]
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

#[expect(
    clippy::indexing_slicing,
    reason = "the pool has one entry per class of `batch`, whose columns are options of the class; no Free pool (so no group's member list or columns) is empty; g is a group just found or pushed; r is a coupling row of `rows` (for_each gives only those), and every per-row vector here, spec.tight and spec.soft_free have one entry per coupling row"
)]
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

#[expect(
    clippy::indexing_slicing,
    reason = "a group's members are classes of `batch`, each with the group's columns (no Free pool is empty), so `v` has an entry for every index of `left`"
)]
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
    // No column values (no solution): every column reads 0.
    let col = |i: usize| r.columns.get(i).copied().unwrap_or(0.0);
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
