//! Global optimisation of a day's batch: every order gets one feasible option so that courier
//! capacities, volume commitments and tier discounts are respected and the total is least.
//!
//! The engine prices each order once; orders that look the same to the model are aggregated
//! into classes ([`classes`]); the classes are solved as one MIP on HiGHS ([`model`]); the
//! solution is turned back into a choice per order ([`assign`]), which the caller re-prices
//! exactly in cents.

pub mod classes;
pub mod model;

use std::time::{Duration, Instant};

use highs::HighsModelStatus;
use lpo_engine::constraints::{CapacityUnit, CommitmentUnit, TierKind};
use lpo_engine::{Constraints, Engine};

pub use classes::{Batch, Class, ClassOption, LocalClasses, merge, signature};
pub use model::{Row, Settings};

use model::{Fix, Mode as ModelMode, V, build, penalty_per_unit, run};

/// How many orders of a class take option `option` priced in band `band`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alloc {
    pub option: u16,
    pub band: u8,
    pub count: u64,
}

/// How the solve ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Proven optimal within the requested gap.
    Optimal,
    /// Stopped by the time limit with a feasible plan; the gap says how far from optimal it may be.
    TimeLimit,
}

/// One capacity or commitment after the solve, measured on the final (integer) plan.
#[derive(Debug, Clone)]
pub struct RowReport {
    pub row: Row,
    /// Parcels, grams or cents used (capacity) or delivered (commitment).
    pub activity: u64,
    /// The limit (capacity) or the minimum (commitment).
    pub bound: u64,
    /// At its limit (capacity) or minimum (commitment).
    pub binding: bool,
    /// Shortfall of a commitment (soft ones may fall short; hard ones never do).
    pub shortfall: u64,
    /// Change of the least cost, in cents, per one more unit of the bound (a parcel, a kg or a
    /// dollar): negative when raising the bound saves money. From the LP with the tier bands
    /// fixed; `None` when that LP could not be solved.
    pub shadow_cents: Option<f64>,
}

/// A tier schedule after the solve.
#[derive(Debug, Clone)]
pub struct TierReport {
    /// Parcels of the carrier priced in each band.
    pub band_parcels: Vec<u64>,
    /// The carrier's parcels in the plan.
    pub volume: u64,
}

/// Sizes and times, for the report.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub orders: u64,
    pub parcels: u64,
    pub classes: usize,
    /// Variables of an unaggregated (per order) model.
    pub per_order_columns: u64,
    pub columns: usize,
    pub rows: usize,
    pub integer_columns: usize,
    /// Solves run, in order: ("cost", "tie-break", "integer", "duals", …) and their time.
    pub solves: Vec<(&'static str, Duration)>,
    pub build_time: Duration,
    /// Orders whose counts came out fractional and were placed by the rounding repair.
    pub repaired_orders: u64,
    /// Whether the first (continuous) relaxation was already integral.
    pub relaxation_integral: bool,
}

/// The solved batch.
#[derive(Debug, Clone)]
pub struct Solution {
    pub status: Status,
    /// Per class, its allocations (counts sum to the class's count).
    pub alloc: Vec<Vec<Alloc>>,
    /// Exact objective of the plan: scores plus soft-commitment penalties, cents.
    pub objective_cents: f64,
    /// Best proven lower bound on the objective, cents.
    pub bound_cents: f64,
    /// (objective − bound) / objective.
    pub gap: f64,
    pub rows: Vec<RowReport>,
    pub tiers: Vec<TierReport>,
    pub stats: Stats,
}

/// Why the constraints cannot all hold, for people.
#[derive(Debug, Clone)]
pub struct Infeasibility {
    /// One sentence per constraint that would have to give, with by how much.
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum SolveError {
    Infeasible(Infeasibility),
    /// No feasible plan found within the time limit.
    NoSolution(String),
    Solver(String),
}

impl std::fmt::Display for SolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SolveError::Infeasible(i) => write!(
                f,
                "the constraints cannot all hold: {}",
                i.reasons.join("; ")
            ),
            SolveError::NoSolution(s) => write!(f, "no feasible plan found: {s}"),
            SolveError::Solver(s) => write!(f, "solver failed: {s}"),
        }
    }
}

impl std::error::Error for SolveError {}

const EPS: f64 = 1e-6;

/// The capacity and commitment rows of a model and the LP's row duals.
type Duals = (Vec<(Row, usize)>, Vec<f64>);

/// Solves the batch under the constraints.
pub fn solve(
    engine: &Engine,
    cons: &Constraints,
    batch: &Batch,
    settings: &Settings,
) -> Result<Solution, SolveError> {
    let deadline = Instant::now() + settings.time_limit;
    let mut stats = Stats {
        orders: batch.orders_in_model(),
        parcels: batch.parcels_in_model(),
        classes: batch.classes.len(),
        per_order_columns: batch.per_order_variables(),
        ..Stats::default()
    };

    // 1. Least cost, assignment continuous, tier bands binary.
    let t = Instant::now();
    let built = build(
        batch,
        cons,
        engine,
        ModelMode::Cost { integer: false },
        Fix::default(),
    )
    .map_err(SolveError::Solver)?;
    stats.build_time += t.elapsed();
    stats.columns = built.columns;
    stats.rows = built.row_count;
    stats.integer_columns = built.integer_columns;
    let is_mip = built.integer_columns > 0;
    let (x_vars, z_vars) = (built.x, built.z);
    let first = run(built.model, settings, deadline, is_mip).map_err(SolveError::Solver)?;
    stats.solves.push(("cost", first.time));
    match first.status {
        HighsModelStatus::Infeasible | HighsModelStatus::UnboundedOrInfeasible => {
            return Err(SolveError::Infeasible(explain_infeasible(
                engine, cons, batch, settings, deadline, false,
            )));
        }
        _ if first.columns.is_empty() => {
            return Err(SolveError::NoSolution(format!(
                "HiGHS stopped with status {:?} before finding a plan",
                first.status
            )));
        }
        _ => {}
    }
    let proven = matches!(first.status, HighsModelStatus::Optimal);
    let bound = first.bound;
    let mut columns = first.columns;

    // 2. Among least-cost plans, each order's best-ranked options: with the tier bands as
    //    chosen, the LP's reduced costs and duals say which columns and rows every optimal plan
    //    keeps at their bounds; hold those and minimise the ranks (the structure of the rows is
    //    unchanged, so an integral relaxation stays integral).
    if proven && Instant::now() < deadline {
        let fixed = bands_from(&z_vars, &columns);
        let t = Instant::now();
        let duals = build(
            batch,
            cons,
            engine,
            ModelMode::Duals,
            Fix {
                bands: Some(&fixed),
                ..Fix::default()
            },
        );
        stats.build_time += t.elapsed();
        if let Ok(d) = duals {
            let r = run(d.model, settings, deadline, false).map_err(SolveError::Solver)?;
            stats.solves.push(("optimal face", r.time));
            if r.status == HighsModelStatus::Optimal {
                const TOL: f64 = 1e-6;
                let zero: Vec<bool> = r.dual_columns.iter().map(|d| *d > TOL).collect();
                let tight: Vec<bool> = r.dual_rows.iter().map(|d| d.abs() > TOL).collect();
                let t = Instant::now();
                let tb = build(
                    batch,
                    cons,
                    engine,
                    ModelMode::TieBreak,
                    Fix {
                        bands: Some(&fixed),
                        zero_cols: Some(&zero),
                        tight_rows: Some(&tight),
                        ..Fix::default()
                    },
                );
                stats.build_time += t.elapsed();
                if let Ok(tb) = tb {
                    let short = tb.short;
                    let r = run(tb.model, settings, deadline, false).map_err(SolveError::Solver)?;
                    stats.solves.push(("tie-break", r.time));
                    if r.status == HighsModelStatus::Optimal
                        && !r.columns.is_empty()
                        && relaxed_cost(cons, batch, &x_vars, &short, &r.columns)
                            <= first.objective + 0.5
                    {
                        columns = r.columns;
                    }
                }
            }
        }
    }

    // 3. Integer counts: as solved, repaired, or re-solved with integer assignment.
    let fractional = |cols: &[f64]| {
        x_vars
            .iter()
            .flatten()
            .flatten()
            .any(|v| (cols[v.col] - cols[v.col].round()).abs() > EPS)
    };
    stats.relaxation_integral = !fractional(&columns);
    let bands_of = |cols: &[f64]| -> Vec<Vec<bool>> {
        z_vars
            .iter()
            .map(|zs| {
                zs.iter()
                    .map(|z| z.is_none_or(|z| cols[z.col] > 0.5))
                    .collect()
            })
            .collect()
    };
    let mut status = if proven {
        Status::Optimal
    } else {
        Status::TimeLimit
    };
    let mut bound = bound;
    let mut alloc = None;
    if stats.relaxation_integral {
        alloc = Some(read_alloc(&x_vars, &columns));
    } else {
        // Keep the classes that came out whole, and place the orders of the split ones with an
        // integer program over just those (a small one: few classes split).
        let fixed: Vec<Option<Vec<Vec<f64>>>> = x_vars
            .iter()
            .map(|xk| {
                let vals: Vec<Vec<f64>> = xk
                    .iter()
                    .map(|xj| xj.iter().map(|v| columns[v.col]).collect())
                    .collect();
                let whole = vals.iter().flatten().all(|v| (v - v.round()).abs() <= EPS);
                whole.then(|| {
                    vals.iter()
                        .map(|r| r.iter().map(|v| v.round()).collect())
                        .collect()
                })
            })
            .collect();
        stats.repaired_orders = batch
            .classes
            .iter()
            .zip(&fixed)
            .filter(|(_, f)| f.is_none())
            .map(|(c, _)| c.count)
            .sum();
        if Instant::now() < deadline {
            let t = Instant::now();
            let b = build(
                batch,
                cons,
                engine,
                ModelMode::Cost { integer: true },
                Fix {
                    x: Some(&fixed),
                    ..Fix::default()
                },
            )
            .map_err(SolveError::Solver)?;
            stats.build_time += t.elapsed();
            let xi = b.x;
            let r = run(b.model, settings, deadline, true).map_err(SolveError::Solver)?;
            stats.solves.push(("split classes", r.time));
            if !r.columns.is_empty() {
                alloc = Some(read_alloc(&xi, &r.columns));
            }
        }
        if alloc.is_none() {
            let (a, _) = repair(engine, cons, batch, &x_vars, &columns, &bands_of(&columns));
            alloc = a;
        }
    }
    let rounded_cost = alloc.as_ref().map(|a| objective(cons, batch, a));
    let needs_integer = match rounded_cost {
        None => true,
        Some(c) => !stats.relaxation_integral && gap(c, bound) > settings.rel_gap,
    };
    if needs_integer && Instant::now() < deadline {
        let t = Instant::now();
        let b = build(
            batch,
            cons,
            engine,
            ModelMode::Cost { integer: true },
            Fix::default(),
        )
        .map_err(SolveError::Solver)?;
        stats.build_time += t.elapsed();
        let xi = b.x;
        let r = run(b.model, settings, deadline, true).map_err(SolveError::Solver)?;
        stats.solves.push(("integer", r.time));
        if matches!(
            r.status,
            HighsModelStatus::Infeasible | HighsModelStatus::UnboundedOrInfeasible
        ) {
            // Fractions of orders could meet every constraint; whole orders cannot.
            return Err(SolveError::Infeasible(explain_infeasible(
                engine, cons, batch, settings, deadline, true,
            )));
        }
        if r.bound.is_finite() {
            bound = bound.max(r.bound);
        }
        if !r.columns.is_empty() {
            let a = read_alloc(&xi, &r.columns);
            let c = objective(cons, batch, &a);
            if rounded_cost.is_none_or(|rc| c < rc) {
                alloc = Some(a);
            }
        }
        if r.status != HighsModelStatus::Optimal {
            status = Status::TimeLimit;
        }
    }
    let Some(alloc) = alloc else {
        return Err(SolveError::NoSolution(
            "the relaxation was fractional and no integer plan was found in the time limit".into(),
        ));
    };
    let objective_cents = objective(cons, batch, &alloc);
    let bound_cents = bound.min(objective_cents);
    let g = gap(objective_cents, bound_cents);
    if g > settings.rel_gap {
        status = Status::TimeLimit;
    }

    // 4. Shadow prices: the LP with the final plan's tier bands fixed.
    let bands = band_usage(cons, batch, &alloc);
    let fixed: Vec<Vec<f64>> = cons
        .tiers
        .iter()
        .zip(&bands)
        .map(|(t, used)| {
            (0..t.bands())
                .map(|b| match t.kind {
                    TierKind::All => f64::from(u8::from(selected_all_band(t, used) == b)),
                    TierKind::Beyond => f64::from(u8::from(used[b] > 0)),
                })
                .collect()
        })
        .collect();
    let mut duals: Option<Duals> = None;
    if Instant::now() < deadline {
        let t = Instant::now();
        if let Ok(d) = build(
            batch,
            cons,
            engine,
            ModelMode::Duals,
            Fix {
                bands: Some(&fixed),
                ..Fix::default()
            },
        ) {
            stats.build_time += t.elapsed();
            let rows = d.rows;
            if let Ok(r) = run(d.model, settings, deadline, false) {
                stats.solves.push(("duals", r.time));
                if r.status == HighsModelStatus::Optimal {
                    duals = Some((rows, r.dual_rows));
                }
            }
        }
    }
    let _ = columns;
    let rows = row_reports(engine, cons, batch, &alloc, duals.as_ref());
    let tiers = cons
        .tiers
        .iter()
        .zip(bands)
        .map(|(_, band_parcels)| TierReport {
            volume: band_parcels.iter().sum(),
            band_parcels,
        })
        .collect();
    Ok(Solution {
        status,
        alloc,
        objective_cents,
        bound_cents,
        gap: g,
        rows,
        tiers,
        stats,
    })
}

/// Tier band values of a solution, rounded (per schedule, per band; 1 for bands with no binary
/// when used).
fn bands_from(z: &[Vec<Option<V>>], cols: &[f64]) -> Vec<Vec<f64>> {
    z.iter()
        .map(|zs| {
            zs.iter()
                .map(|z| z.map_or(1.0, |z| cols[z.col].round()))
                .collect()
        })
        .collect()
}

/// Cost of a (possibly fractional) solution: scores plus shortfall penalties.
fn relaxed_cost(
    cons: &Constraints,
    batch: &Batch,
    x: &[Vec<Vec<V>>],
    short: &[Option<V>],
    cols: &[f64],
) -> f64 {
    let mut c = 0.0;
    for (k, class) in batch.classes.iter().enumerate() {
        for (j, o) in class.options.iter().enumerate() {
            for (b, p) in o.bands.iter().enumerate() {
                c += p.score.0 as f64 * cols[x[k][j][b].col];
            }
        }
    }
    for (m, s) in cons.commitments.iter().zip(short) {
        if let (Some(p), Some(s)) = (m.penalty, s) {
            c += penalty_per_unit(m.unit, p.0) * cols[s.col];
        }
    }
    c
}

fn gap(objective: f64, bound: f64) -> f64 {
    if objective.abs() < 1e-9 {
        0.0
    } else {
        ((objective - bound) / objective.abs()).max(0.0)
    }
}

fn read_alloc(x: &[Vec<Vec<V>>], cols: &[f64]) -> Vec<Vec<Alloc>> {
    x.iter()
        .map(|xk| {
            let mut out = Vec::new();
            for (j, xj) in xk.iter().enumerate() {
                for (b, v) in xj.iter().enumerate() {
                    let n = cols[v.col].round().max(0.0) as u64;
                    if n > 0 {
                        out.push(Alloc {
                            option: j as u16,
                            band: b as u8,
                            count: n,
                        });
                    }
                }
            }
            out
        })
        .collect()
}

/// The band of an `all` schedule the plan is in: the one with parcels, else band 0.
fn selected_all_band(t: &lpo_engine::constraints::TierSchedule, used: &[u64]) -> usize {
    let _ = t;
    used.iter().position(|&n| n > 0).unwrap_or(0)
}

/// Parcels per band of every tier schedule in a plan.
pub fn band_usage(cons: &Constraints, batch: &Batch, alloc: &[Vec<Alloc>]) -> Vec<Vec<u64>> {
    cons.tiers
        .iter()
        .map(|t| {
            let mut used = vec![0u64; t.bands()];
            for (c, a) in batch.classes.iter().zip(alloc) {
                for a in a {
                    if c.options[usize::from(a.option)].carrier == t.carrier {
                        used[usize::from(a.band)] += a.count * c.parcels;
                    }
                }
            }
            used
        })
        .collect()
}

/// Exact objective of an integer plan: scores plus soft-commitment penalties, in cents.
pub fn objective(cons: &Constraints, batch: &Batch, alloc: &[Vec<Alloc>]) -> f64 {
    let mut total: i128 = 0;
    for (c, a) in batch.classes.iter().zip(alloc) {
        for a in a {
            let p = c.options[usize::from(a.option)].bands[usize::from(a.band)];
            total += i128::from(p.score.0) * i128::from(a.count);
        }
    }
    let mut pen = 0.0;
    for m in &cons.commitments {
        if let Some(p) = m.penalty {
            let got = commitment_activity(m, batch, alloc);
            let short = m.min.saturating_sub(got);
            pen += short as f64 * penalty_per_unit(m.unit, p.0);
        }
    }
    total as f64 + pen
}

fn commitment_activity(
    m: &lpo_engine::constraints::Commitment,
    batch: &Batch,
    alloc: &[Vec<Alloc>],
) -> u64 {
    let mut got: i128 = 0;
    for (c, a) in batch.classes.iter().zip(alloc) {
        for a in a {
            let o = &c.options[usize::from(a.option)];
            if o.carrier != m.carrier {
                continue;
            }
            got += match m.unit {
                CommitmentUnit::Parcels => i128::from(c.parcels * a.count),
                CommitmentUnit::Spend => {
                    i128::from(o.bands[usize::from(a.band)].total.0) * i128::from(a.count)
                }
            };
        }
    }
    u64::try_from(got.max(0)).unwrap_or(u64::MAX)
}

fn capacity_activity(
    engine: &Engine,
    cap: &lpo_engine::constraints::Capacity,
    batch: &Batch,
    alloc: &[Vec<Alloc>],
) -> u64 {
    let mut used = 0u64;
    for (c, a) in batch.classes.iter().zip(alloc) {
        for a in a {
            let o = &c.options[usize::from(a.option)];
            if cap.scope.matches(engine, o.service, o.warehouse) {
                used += a.count
                    * match cap.unit {
                        CapacityUnit::Parcels => c.parcels,
                        CapacityUnit::Grams => c.grams,
                    };
            }
        }
    }
    used
}

fn row_reports(
    engine: &Engine,
    cons: &Constraints,
    batch: &Batch,
    alloc: &[Vec<Alloc>],
    duals: Option<&Duals>,
) -> Vec<RowReport> {
    let shadow = |row: Row, per_unit: f64| {
        duals.and_then(|(rows, d)| {
            rows.iter()
                .find(|(r, _)| *r == row)
                .and_then(|(_, i)| d.get(*i))
                .map(|v| {
                    let v = v * per_unit;
                    if v.abs() < 1e-7 { 0.0 } else { v }
                })
        })
    };
    let mut out = Vec::new();
    for (i, cap) in cons.capacities.iter().enumerate() {
        let activity = capacity_activity(engine, cap, batch, alloc);
        // Grams in the model; report per kg.
        let unit = match cap.unit {
            CapacityUnit::Parcels => 1.0,
            CapacityUnit::Grams => 1000.0,
        };
        let slack_unit = match cap.unit {
            CapacityUnit::Parcels => 0,
            // Within one parcel's weight of the limit counts as binding for kilograms.
            CapacityUnit::Grams => 1000,
        };
        out.push(RowReport {
            row: Row::Capacity(i),
            activity,
            bound: cap.limit,
            binding: activity + slack_unit >= cap.limit,
            shortfall: 0,
            shadow_cents: shadow(Row::Capacity(i), unit),
        });
    }
    for (i, m) in cons.commitments.iter().enumerate() {
        let activity = commitment_activity(m, batch, alloc);
        let unit = match m.unit {
            CommitmentUnit::Parcels => 1.0,
            CommitmentUnit::Spend => 100.0,
        };
        out.push(RowReport {
            row: Row::Commitment(i),
            activity,
            bound: m.min,
            binding: activity <= m.min,
            shortfall: m.min.saturating_sub(activity),
            shadow_cents: shadow(Row::Commitment(i), unit),
        });
    }
    out
}

/// Checks an integer plan against every constraint; the first problem found, in words.
pub fn violation(
    engine: &Engine,
    cons: &Constraints,
    batch: &Batch,
    alloc: &[Vec<Alloc>],
) -> Option<String> {
    for (c, a) in batch.classes.iter().zip(alloc) {
        let n: u64 = a.iter().map(|a| a.count).sum();
        if n != c.count {
            return Some(format!("a class of {} orders has {n} placed", c.count));
        }
    }
    for cap in &cons.capacities {
        let used = capacity_activity(engine, cap, batch, alloc);
        if used > cap.limit {
            return Some(format!("capacity `{}`: {used} > {}", cap.id, cap.limit));
        }
    }
    for m in cons.commitments.iter().filter(|m| m.penalty.is_none()) {
        let got = commitment_activity(m, batch, alloc);
        if got < m.min {
            return Some(format!("commitment `{}`: {got} < {}", m.id, m.min));
        }
    }
    for (t, used) in cons.tiers.iter().zip(band_usage(cons, batch, alloc)) {
        let volume: u64 = used.iter().sum();
        let ok = match t.kind {
            TierKind::All => {
                let nonzero: Vec<usize> = (0..used.len()).filter(|&b| used[b] > 0).collect();
                nonzero.len() <= 1 && nonzero.iter().all(|&b| volume >= t.band_start(b))
            }
            TierKind::Beyond => (0..used.len()).all(|b| {
                let width_ok =
                    b + 1 >= used.len() || used[b] <= t.band_start(b + 1) - t.band_start(b);
                let below_full =
                    b == 0 || used[b] == 0 || used[b - 1] >= t.band_start(b) - t.band_start(b - 1);
                width_ok && below_full
            }),
        };
        if !ok {
            return Some(format!("tier schedule `{}`: bands {used:?}", t.id));
        }
    }
    None
}

/// Rounds a fractional solution: floors every count, then places the orders left over one by
/// one on their cheapest option that keeps every capacity and tier band within bounds. `None`
/// when that fails or breaks a hard commitment. Also returns how many orders it placed.
fn repair(
    engine: &Engine,
    cons: &Constraints,
    batch: &Batch,
    x: &[Vec<Vec<V>>],
    cols: &[f64],
    open_bands: &[Vec<bool>],
) -> (Option<Vec<Vec<Alloc>>>, u64) {
    let mut counts: Vec<Vec<Vec<u64>>> = x
        .iter()
        .map(|xk| {
            xk.iter()
                .map(|xj| {
                    xj.iter()
                        .map(|v| (cols[v.col] + EPS).floor().max(0.0) as u64)
                        .collect()
                })
                .collect()
        })
        .collect();
    let to_alloc = |counts: &Vec<Vec<Vec<u64>>>| -> Vec<Vec<Alloc>> {
        counts
            .iter()
            .map(|ck| {
                let mut v = Vec::new();
                for (j, cj) in ck.iter().enumerate() {
                    for (b, &n) in cj.iter().enumerate() {
                        if n > 0 {
                            v.push(Alloc {
                                option: j as u16,
                                band: b as u8,
                                count: n,
                            });
                        }
                    }
                }
                v
            })
            .collect()
    };
    let current = to_alloc(&counts);
    let mut cap_used: Vec<u64> = cons
        .capacities
        .iter()
        .map(|c| capacity_activity(engine, c, batch, &current))
        .collect();
    let mut band_used = band_usage(cons, batch, &current);
    let mut moved = 0u64;
    for (k, c) in batch.classes.iter().enumerate() {
        let placed: u64 = counts[k].iter().flatten().sum();
        for _ in placed..c.count {
            let mut cands: Vec<(i64, usize, usize)> = Vec::new();
            for (j, o) in c.options.iter().enumerate() {
                for (b, p) in o.bands.iter().enumerate() {
                    cands.push((p.score.0, j, b));
                }
            }
            cands.sort_unstable();
            let fits = |j: usize, b: usize, cap_used: &[u64], band_used: &[Vec<u64>]| {
                let o = &c.options[j];
                for (ci, cap) in cons.capacities.iter().enumerate() {
                    if cap.scope.matches(engine, o.service, o.warehouse) {
                        let w = match cap.unit {
                            CapacityUnit::Parcels => c.parcels,
                            CapacityUnit::Grams => c.grams,
                        };
                        if cap_used[ci] + w > cap.limit {
                            return false;
                        }
                    }
                }
                if let Some((ti, t)) = cons
                    .tiers
                    .iter()
                    .enumerate()
                    .find(|(_, t)| t.carrier == o.carrier)
                {
                    if !open_bands[ti][b] {
                        return false;
                    }
                    if t.kind == TierKind::Beyond
                        && b + 1 < t.bands()
                        && band_used[ti][b] + c.parcels > t.band_start(b + 1) - t.band_start(b)
                    {
                        return false;
                    }
                }
                true
            };
            let Some(&(_, j, b)) = cands
                .iter()
                .find(|&&(_, j, b)| fits(j, b, &cap_used, &band_used))
            else {
                return (None, moved);
            };
            counts[k][j][b] += 1;
            moved += 1;
            let o = &c.options[j];
            for (ci, cap) in cons.capacities.iter().enumerate() {
                if cap.scope.matches(engine, o.service, o.warehouse) {
                    cap_used[ci] += match cap.unit {
                        CapacityUnit::Parcels => c.parcels,
                        CapacityUnit::Grams => c.grams,
                    };
                }
            }
            if let Some(ti) = cons.tiers.iter().position(|t| t.carrier == o.carrier) {
                band_used[ti][b] += c.parcels;
            }
        }
    }
    let alloc = to_alloc(&counts);
    if violation(engine, cons, batch, &alloc).is_some() {
        return (None, moved);
    }
    (Some(alloc), moved)
}

/// Explains an infeasible batch: solves the model with every hard capacity and commitment made
/// elastic, and says which would have to give and by how much, with the plain counts behind it.
fn explain_infeasible(
    engine: &Engine,
    cons: &Constraints,
    batch: &Batch,
    settings: &Settings,
    deadline: Instant,
    integer: bool,
) -> Infeasibility {
    let mut reasons = Vec::new();
    let carrier = |c: u16| {
        engine
            .carriers
            .get(usize::from(c))
            .map_or("?", |c| c.id.as_str())
    };
    let deadline = deadline.max(Instant::now() + Duration::from_secs(5));
    let elastic = build(
        batch,
        cons,
        engine,
        ModelMode::Elastic { integer },
        Fix::default(),
    )
    .ok()
    .and_then(|b| {
        let (short, excess) = (b.short, b.excess);
        let r = run(b.model, settings, deadline, b.integer_columns > 0).ok()?;
        (!r.columns.is_empty()).then(|| {
            let val = |v: Option<V>| v.map_or(0.0, |v| r.columns[v.col]);
            (
                excess.iter().map(|v| val(*v)).collect::<Vec<_>>(),
                short.iter().map(|v| val(*v)).collect::<Vec<_>>(),
            )
        })
    });
    let (excess, short) = elastic.unwrap_or_default();
    for (i, cap) in cons.capacities.iter().enumerate() {
        // Parcels (or grams) that can go nowhere else.
        let must: u64 = batch
            .classes
            .iter()
            .filter(|c| {
                c.options
                    .iter()
                    .all(|o| cap.scope.matches(engine, o.service, o.warehouse))
            })
            .map(|c| {
                c.count
                    * match cap.unit {
                        CapacityUnit::Parcels => c.parcels,
                        CapacityUnit::Grams => c.grams,
                    }
            })
            .sum();
        let over = excess.get(i).copied().unwrap_or(0.0);
        let fmt = |n: f64| match cap.unit {
            CapacityUnit::Parcels => format!("{} parcels", group(n.round() as u64)),
            CapacityUnit::Grams => format!("{} kg", group((n / 1000.0).ceil() as u64)),
        };
        if must > cap.limit {
            reasons.push(format!(
                "capacity `{}` ({}) allows {}, but {} have no other feasible option",
                cap.id,
                cap.origin,
                fmt(cap.limit as f64),
                fmt(must as f64)
            ));
        } else if over > EPS {
            reasons.push(format!(
                "capacity `{}` ({}) allows {} and would need {} more to place every order under the other constraints",
                cap.id,
                cap.origin,
                fmt(cap.limit as f64),
                fmt(over)
            ));
        }
    }
    for (i, m) in cons.commitments.iter().enumerate() {
        if m.penalty.is_some() {
            continue;
        }
        let reach: u64 = batch
            .classes
            .iter()
            .filter_map(|c| {
                let best = c
                    .options
                    .iter()
                    .filter(|o| o.carrier == m.carrier)
                    .map(|o| match m.unit {
                        CommitmentUnit::Parcels => c.parcels,
                        CommitmentUnit::Spend => o
                            .bands
                            .iter()
                            .map(|b| b.total.0.max(0) as u64)
                            .max()
                            .unwrap_or(0),
                    })
                    .max()?;
                Some(best * c.count)
            })
            .sum();
        let orders: u64 = batch
            .classes
            .iter()
            .filter(|c| c.options.iter().any(|o| o.carrier == m.carrier))
            .map(|c| c.count)
            .sum();
        let fmt = |n: f64| match m.unit {
            CommitmentUnit::Parcels => format!("{} parcels", group(n.round() as u64)),
            CommitmentUnit::Spend => format!("${}", group((n / 100.0).ceil() as u64)),
        };
        let short_by = short.get(i).copied().unwrap_or(0.0);
        if reach < m.min {
            reasons.push(format!(
                "commitment `{}` ({}) needs {} to {}, but only {} orders of the batch ({}) can go by {}",
                m.id,
                m.origin,
                fmt(m.min as f64),
                carrier(m.carrier),
                group(orders),
                fmt(reach as f64),
                carrier(m.carrier)
            ));
        } else if short_by > EPS {
            reasons.push(format!(
                "commitment `{}` ({}) needs {} to {}; the capacities and the other commitments leave it {} short",
                m.id,
                m.origin,
                fmt(m.min as f64),
                carrier(m.carrier),
                fmt(short_by)
            ));
        }
    }
    if reasons.is_empty() {
        reasons.push(
            "the solver proved the constraints infeasible together, but no single capacity or commitment explains it"
                .into(),
        );
    }
    Infeasibility { reasons }
}

/// 12345 → "12,345".
pub fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Which option (index into the class's options, i.e. the order's ranked quote options) and
/// band each order takes: orders of a class take the class's allocations in input order.
pub fn assign(batch: &Batch, alloc: &[Vec<Alloc>]) -> Vec<Option<(u16, u8)>> {
    let mut cursor: Vec<(usize, u64)> = vec![(0, 0); batch.classes.len()];
    batch
        .order_class
        .iter()
        .map(|c| {
            let k = (*c)? as usize;
            let (i, used) = &mut cursor[k];
            let list = &alloc[k];
            while *i < list.len() && *used >= list[*i].count {
                *i += 1;
                *used = 0;
            }
            let a = list.get(*i)?;
            *used += 1;
            Some((a.option, a.band))
        })
        .collect()
}

/// The per-order choice (each class's best-ranked option), priced with the tier discounts its
/// volumes earn: for `beyond` schedules the discounted bands go to the orders they save most on.
pub fn greedy(cons: &Constraints, batch: &Batch) -> Vec<Vec<Alloc>> {
    let mut alloc: Vec<Vec<Alloc>> = batch
        .classes
        .iter()
        .map(|c| {
            vec![Alloc {
                option: 0,
                band: 0,
                count: c.count,
            }]
        })
        .collect();
    for t in &cons.tiers {
        let volume: u64 = batch
            .classes
            .iter()
            .filter(|c| c.options[0].carrier == t.carrier)
            .map(|c| c.count * c.parcels)
            .sum();
        let counts = t.band_counts(volume);
        match t.kind {
            TierKind::All => {
                let band = counts.iter().position(|&n| n > 0).unwrap_or(0) as u8;
                for (c, a) in batch.classes.iter().zip(alloc.iter_mut()) {
                    if c.options[0].carrier == t.carrier {
                        a[0].band = band;
                    }
                }
            }
            TierKind::Beyond => {
                // Deepest band first, to the classes with the most to save per parcel.
                let mut order: Vec<usize> = (0..batch.classes.len())
                    .filter(|&k| batch.classes[k].options[0].carrier == t.carrier)
                    .collect();
                let saving = |k: usize| {
                    let o = &batch.classes[k].options[0];
                    let last = o.bands.len() - 1;
                    (o.bands[0].total.0 - o.bands[last].total.0) as f64
                        / batch.classes[k].parcels.max(1) as f64
                };
                order.sort_by(|&a, &b| saving(b).total_cmp(&saving(a)).then(a.cmp(&b)));
                let mut room = counts.clone();
                let mut split: Vec<Vec<Alloc>> = vec![Vec::new(); batch.classes.len()];
                for &k in &order {
                    let c = &batch.classes[k];
                    let mut left = c.count;
                    for b in (0..t.bands()).rev() {
                        let fit = (room[b] / c.parcels.max(1)).min(left);
                        if fit > 0 {
                            split[k].push(Alloc {
                                option: 0,
                                band: b as u8,
                                count: fit,
                            });
                            room[b] -= fit * c.parcels;
                            left -= fit;
                        }
                    }
                    if left > 0 {
                        split[k].push(Alloc {
                            option: 0,
                            band: 0,
                            count: left,
                        });
                    }
                    split[k].sort_by_key(|a| a.band);
                }
                for k in order {
                    alloc[k] = std::mem::take(&mut split[k]);
                }
            }
        }
    }
    alloc
}
