//! The day's batch as one mixed-integer program, built with good_lp and solved by HiGHS.
//!
//! Variables: `x[k][j][b]` ≥ 0, how many orders of class k ship with option j priced in band b
//! of its carrier's tier schedule (continuous: with count capacities the relaxation is integral
//! in practice, and any fraction left is repaired or re-solved with integers); one binary per tier
//! band; one shortfall variable per soft commitment.
//!
//! Rows: every order of a class is placed; capacities; commitments; for `all` tiers, exactly one
//! band per carrier and a band used only when the volume reaches it; for `beyond` tiers, each
//! band holds at most its width and is used only once the band below is full.
//!
//! Objective: the sum of scores (invoice totals plus rule adjustments, after tier discounts) plus
//! shortfall penalties. Ties are broken in a second solve that keeps the optimal cost and prefers
//! each order's better-ranked options, so that a batch no constraint binds gets exactly the
//! per-order choice, and the plan does not depend on how the solver happened to break ties.

use std::time::{Duration, Instant};

use good_lp::{
    Expression, ProblemVariables, SolverModel, Variable, solvers::highs::highs, variable,
};
use highs::HighsModelStatus;
use lpo_engine::Constraints;
use lpo_engine::constraints::{CapacityUnit, CommitmentUnit, TierKind};

use crate::classes::Batch;

/// How to solve.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Wall-clock budget for all solves together.
    pub time_limit: Duration,
    /// Relative gap at which the MIP may stop (0.0001 = 0.01 %).
    pub rel_gap: f64,
    /// HiGHS threads. HiGHS's scheduler is process-wide: use the same value for every solve of
    /// a process.
    pub threads: u32,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            time_limit: Duration::from_secs(60),
            rel_gap: 1e-4,
            threads: 1,
        }
    }
}

/// What the model was asked to do.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Mode {
    /// Minimise cost; `integer` makes the x variables integer.
    Cost { integer: bool },
    /// Minimise the options' ranks; built with the columns and rows that keep it on the least
    /// cost's optimal face held (see [`Fix`]).
    TieBreak,
    /// Minimise cost with the tier bands fixed, as a pure LP (for shadow prices).
    Duals,
    /// Minimise how far the hard constraints must be relaxed (for infeasibility); `integer`
    /// when the relaxation was feasible but whole orders are not.
    Elastic { integer: bool },
}

/// A model variable and its column in HiGHS.
#[derive(Debug, Clone, Copy)]
pub(crate) struct V {
    pub(crate) var: Variable,
    pub(crate) col: usize,
}

/// Adds variables, remembering their columns (good_lp adds columns in order).
struct Vars<'a> {
    vars: ProblemVariables,
    next: usize,
    zero: Option<&'a [bool]>,
}

impl Vars<'_> {
    fn add(&mut self, def: good_lp::VariableDefinition) -> V {
        let held = self
            .zero
            .and_then(|z| z.get(self.next))
            .copied()
            .unwrap_or(false);
        let def = if held {
            variable().min(0.0).max(0.0)
        } else {
            def
        };
        let var = self.vars.add(def);
        self.next += 1;
        V {
            var,
            col: self.next - 1,
        }
    }
}

/// A constraint row of interest and where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Capacity(usize),
    Commitment(usize),
}

pub(crate) struct Built {
    pub(crate) model: highs::Model,
    /// Column of `x[k][j][b]`: `first_x[k] + offsets`.
    pub(crate) x: Vec<Vec<Vec<V>>>,
    /// Per tier schedule, one binary per band (`None` for bands with no binary).
    pub(crate) z: Vec<Vec<Option<V>>>,
    /// Per commitment: shortfall variable (soft commitments, or elastic mode).
    pub(crate) short: Vec<Option<V>>,
    /// Per capacity: excess variable (elastic mode only).
    pub(crate) excess: Vec<Option<V>>,
    /// Row index of each capacity and commitment row.
    pub(crate) rows: Vec<(Row, usize)>,
    pub(crate) columns: usize,
    pub(crate) row_count: usize,
    pub(crate) integer_columns: usize,
}

/// Weight of a class in a capacity: parcels or grams per order.
fn cap_weight(unit: CapacityUnit, parcels: u64, grams: u64) -> f64 {
    match unit {
        CapacityUnit::Parcels => parcels as f64,
        CapacityUnit::Grams => grams as f64,
    }
}

/// Penalty per unit of a commitment's shortfall variable (parcels, or cents of spend), cents.
pub(crate) fn penalty_per_unit(unit: CommitmentUnit, penalty_cents: i64) -> f64 {
    match unit {
        CommitmentUnit::Parcels => penalty_cents as f64,
        // The penalty is per dollar short; the shortfall is counted in cents.
        CommitmentUnit::Spend => penalty_cents as f64 / 100.0,
    }
}

/// Parcels that could use a carrier at all (big-M of its tier rows).
fn carrier_reach(batch: &Batch, carrier: u16) -> f64 {
    batch
        .classes
        .iter()
        .filter(|c| c.options.iter().any(|o| o.carrier == carrier))
        .map(|c| (c.count * c.parcels) as f64)
        .sum()
}

/// What to hold fixed when building a model.
#[derive(Default, Clone, Copy)]
pub(crate) struct Fix<'a> {
    /// Tier band binaries fixed at these values (per schedule, per band).
    pub(crate) bands: Option<&'a [Vec<f64>]>,
    /// Per class: its counts fixed at these values (`None`: free).
    pub(crate) x: Option<&'a [Option<Vec<Vec<f64>>>]>,
    /// Columns held at zero, by column.
    pub(crate) zero_cols: Option<&'a [bool]>,
    /// Inequality rows turned into equalities at their bound, by row.
    pub(crate) tight_rows: Option<&'a [bool]>,
}

/// Adds rows, counting them, turning the ones `tight` names into equalities.
struct Rows<'a> {
    problem: good_lp::solvers::highs::HighsProblem,
    count: usize,
    tight: Option<&'a [bool]>,
}

impl Rows<'_> {
    fn tight(&self) -> bool {
        self.tight
            .and_then(|t| t.get(self.count))
            .copied()
            .unwrap_or(false)
    }

    fn push(&mut self, c: good_lp::Constraint) -> usize {
        self.problem.add_constraint(c);
        self.count += 1;
        self.count - 1
    }

    fn le(&mut self, e: Expression, rhs: f64) -> usize {
        let c = if self.tight() { e.eq(rhs) } else { e.leq(rhs) };
        self.push(c)
    }

    fn ge(&mut self, e: Expression, rhs: f64) -> usize {
        let c = if self.tight() { e.eq(rhs) } else { e.geq(rhs) };
        self.push(c)
    }

    fn eq(&mut self, e: Expression, rhs: f64) -> usize {
        self.push(e.eq(rhs))
    }
}

pub(crate) fn build(
    batch: &Batch,
    cons: &Constraints,
    engine: &lpo_engine::Engine,
    mode: Mode,
    fix: Fix<'_>,
) -> Result<Built, String> {
    let (fixed_bands, fixed_x) = (fix.bands, fix.x);
    let mut vars = Vars {
        vars: ProblemVariables::new(),
        next: 0,
        zero: fix.zero_cols,
    };
    let integer_x = matches!(
        mode,
        Mode::Cost { integer: true } | Mode::Elastic { integer: true }
    );
    let mut integer_columns = 0;
    let x: Vec<Vec<Vec<V>>> = batch
        .classes
        .iter()
        .enumerate()
        .map(|(k, c)| {
            c.options
                .iter()
                .enumerate()
                .map(|(j, o)| {
                    o.bands
                        .iter()
                        .enumerate()
                        .map(|(b, _)| {
                            let def = variable().min(0.0).max(c.count as f64);
                            if let Some(v) = fixed_x.and_then(|f| f[k].as_ref()) {
                                let v = v[j][b];
                                vars.add(variable().min(v).max(v))
                            } else if integer_x {
                                integer_columns += 1;
                                vars.add(def.integer())
                            } else {
                                vars.add(def)
                            }
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
    // Tier bands.
    let mut z: Vec<Vec<Option<V>>> = Vec::new();
    for (ti, t) in cons.tiers.iter().enumerate() {
        let mut zs = Vec::new();
        for b in 0..t.bands() {
            let needs = match t.kind {
                TierKind::All => true,
                TierKind::Beyond => b > 0,
            };
            if !needs {
                zs.push(None);
                continue;
            }
            let v = match fixed_bands {
                Some(f) => {
                    let v = f[ti][b];
                    vars.add(variable().min(v).max(v))
                }
                None => {
                    integer_columns += 1;
                    vars.add(variable().binary())
                }
            };
            zs.push(Some(v));
        }
        z.push(zs);
    }
    let elastic = matches!(mode, Mode::Elastic { .. });
    let short: Vec<Option<V>> = cons
        .commitments
        .iter()
        .map(|m| (m.penalty.is_some() || elastic).then(|| vars.add(variable().min(0.0))))
        .collect();
    let excess: Vec<Option<V>> = cons
        .capacities
        .iter()
        .map(|_| elastic.then(|| vars.add(variable().min(0.0))))
        .collect();

    // Objective.
    let mut cost = Expression::with_capacity(vars.next);
    for (k, c) in batch.classes.iter().enumerate() {
        for (j, o) in c.options.iter().enumerate() {
            for (b, p) in o.bands.iter().enumerate() {
                cost.add_mul(p.score.0 as f64, x[k][j][b].var);
            }
        }
    }
    for (m, s) in cons.commitments.iter().zip(&short) {
        if let (Some(s), Some(p)) = (s, m.penalty) {
            cost.add_mul(penalty_per_unit(m.unit, p.0), s.var);
        }
    }
    let objective = match mode {
        Mode::Cost { .. } | Mode::Duals => cost.clone(),
        Mode::TieBreak => {
            let mut e = Expression::with_capacity(vars.next);
            for xk in &x {
                for (j, xj) in xk.iter().enumerate() {
                    for (b, v) in xj.iter().enumerate() {
                        // Better-ranked options first; within one, lower bands (a tier is
                        // only entered when it pays).
                        e.add_mul((j * 8 + b) as f64, v.var);
                    }
                }
            }
            e
        }
        Mode::Elastic { .. } => {
            let mut e = Expression::with_capacity(8);
            for (m, s) in cons.commitments.iter().zip(&short) {
                if m.penalty.is_none()
                    && let Some(s) = s
                {
                    let scale = match m.unit {
                        CommitmentUnit::Parcels => 1.0,
                        CommitmentUnit::Spend => 0.01,
                    };
                    e.add_mul(scale, s.var);
                }
            }
            for (cap, v) in cons.capacities.iter().zip(&excess) {
                if let Some(v) = v {
                    let scale = match cap.unit {
                        CapacityUnit::Parcels => 1.0,
                        CapacityUnit::Grams => 0.001,
                    };
                    e.add_mul(scale, v.var);
                }
            }
            e
        }
    };
    let columns = vars.next;
    let mut problem = Rows {
        problem: vars.vars.minimise(objective).using(highs),
        count: 0,
        tight: fix.tight_rows,
    };
    let mut rows = Vec::new();

    // Every order of a class is placed.
    for (k, c) in batch.classes.iter().enumerate() {
        let mut e = Expression::with_capacity(c.options.len());
        for xj in &x[k] {
            for v in xj {
                e.add_mul(1.0, v.var);
            }
        }
        problem.eq(e, c.count as f64);
    }
    // Capacities.
    for (ci, cap) in cons.capacities.iter().enumerate() {
        let mut e = Expression::default();
        for (k, c) in batch.classes.iter().enumerate() {
            let w = cap_weight(cap.unit, c.parcels, c.grams);
            for (j, o) in c.options.iter().enumerate() {
                if cap.scope.matches(engine, o.service, o.warehouse) {
                    for v in &x[k][j] {
                        e.add_mul(w, v.var);
                    }
                }
            }
        }
        if let Some(v) = excess[ci] {
            e.add_mul(-1.0, v.var);
        }
        let r = problem.le(e, cap.limit as f64);
        rows.push((Row::Capacity(ci), r));
    }
    // Commitments.
    for (mi, m) in cons.commitments.iter().enumerate() {
        let mut e = Expression::default();
        for (k, c) in batch.classes.iter().enumerate() {
            for (j, o) in c.options.iter().enumerate() {
                if o.carrier != m.carrier {
                    continue;
                }
                for (b, v) in x[k][j].iter().enumerate() {
                    let w = match m.unit {
                        CommitmentUnit::Parcels => c.parcels as f64,
                        CommitmentUnit::Spend => o.bands[b].total.0 as f64,
                    };
                    e.add_mul(w, v.var);
                }
            }
        }
        if let Some(s) = short[mi] {
            e.add_mul(1.0, s.var);
        }
        let r = problem.ge(e, m.min as f64);
        rows.push((Row::Commitment(mi), r));
    }
    // Tiers.
    for (ti, t) in cons.tiers.iter().enumerate() {
        let big_m = carrier_reach(batch, t.carrier);
        // Parcels of the carrier priced in each band.
        let volume = |b: usize| {
            let mut e = Expression::default();
            for (k, c) in batch.classes.iter().enumerate() {
                for (j, o) in c.options.iter().enumerate() {
                    if o.carrier == t.carrier {
                        e.add_mul(c.parcels as f64, x[k][j][b].var);
                    }
                }
            }
            e
        };
        match t.kind {
            TierKind::All => {
                let mut one = Expression::default();
                for (b, zb) in z[ti].iter().enumerate() {
                    let Some(zb) = zb else { continue };
                    one.add_mul(1.0, zb.var);
                    let mut upper = volume(b);
                    upper.add_mul(-big_m, zb.var);
                    problem.le(upper, 0.0);
                    if b > 0 {
                        let mut lower = volume(b);
                        lower.add_mul(-(t.band_start(b) as f64), zb.var);
                        problem.ge(lower, 0.0);
                    }
                }
                problem.eq(one, 1.0);
            }
            TierKind::Beyond => {
                for (b, zb) in z[ti].iter().enumerate() {
                    if b + 1 < t.bands() {
                        let width = (t.band_start(b + 1) - t.band_start(b)) as f64;
                        problem.le(volume(b), width);
                    }
                    if let Some(zb) = zb {
                        let mut upper = volume(b);
                        upper.add_mul(-big_m, zb.var);
                        problem.le(upper, 0.0);
                        let below = (t.band_start(b) - t.band_start(b - 1)) as f64;
                        let mut full = volume(b - 1);
                        full.add_mul(-below, zb.var);
                        problem.ge(full, 0.0);
                    }
                }
            }
        }
    }
    let row_count = problem.count;
    let model = problem
        .problem
        .try_into_inner()
        .map_err(|e| e.to_string())?;
    Ok(Built {
        model,
        x,
        z,
        short,
        excess,
        rows,
        columns,
        row_count,
        integer_columns,
    })
}

/// What one HiGHS run gave.
pub(crate) struct Run {
    pub(crate) status: HighsModelStatus,
    pub(crate) columns: Vec<f64>,
    pub(crate) dual_rows: Vec<f64>,
    /// Reduced costs.
    pub(crate) dual_columns: Vec<f64>,
    pub(crate) objective: f64,
    /// Best proven lower bound on the objective (the objective itself for an LP).
    pub(crate) bound: f64,
    pub(crate) time: Duration,
}

pub(crate) fn run(
    mut model: highs::Model,
    settings: &Settings,
    deadline: Instant,
    is_mip: bool,
) -> Result<Run, String> {
    model.make_quiet();
    let left = deadline.saturating_duration_since(Instant::now());
    let set = |m: &mut highs::Model, k: &str, v: f64| {
        m.try_set_option(k, v)
            .map_err(|e| format!("HiGHS option {k}: {e:?}"))
    };
    set(&mut model, "time_limit", left.as_secs_f64().max(0.001))?;
    if is_mip {
        set(&mut model, "mip_rel_gap", settings.rel_gap)?;
    }
    model
        .try_set_option("threads", settings.threads.max(1) as i32)
        .map_err(|e| format!("HiGHS option threads: {e:?}"))?;
    let t = Instant::now();
    let solved = model
        .try_solve()
        .map_err(|e| format!("HiGHS failed: {e:?}"))?;
    let time = t.elapsed();
    let status = solved.status();
    let has_solution = solved.primal_solution_status() == highs::HighsSolutionStatus::Feasible;
    let sol = solved.get_solution();
    let objective = if has_solution {
        solved.objective_value()
    } else {
        f64::NAN
    };
    let bound = if is_mip {
        solved
            .double_info_value(c"mip_dual_bound")
            .unwrap_or(f64::NEG_INFINITY)
    } else {
        objective
    };
    Ok(Run {
        status,
        columns: if has_solution {
            sol.columns().to_vec()
        } else {
            Vec::new()
        },
        dual_rows: sol.dual_rows().to_vec(),
        dual_columns: sol.dual_columns().to_vec(),
        objective,
        bound,
        time,
    })
}
