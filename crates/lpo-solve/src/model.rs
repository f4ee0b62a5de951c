//! Running HiGHS with LPO's settings and reading back what it found.

use std::time::{Duration, Instant};

use highs::HighsModelStatus;

/// How to solve.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Wall-clock budget for all solves together.
    pub time_limit: Duration,
    /// Relative gap at which the search may stop (0.0001 = 0.01 %).
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

/// What one HiGHS run gave.
pub(crate) struct Run {
    pub(crate) status: HighsModelStatus,
    pub(crate) columns: Vec<f64>,
    pub(crate) dual_rows: Vec<f64>,
    /// Reduced costs.
    pub(crate) dual_columns: Vec<f64>,
    pub(crate) objective: f64,
    /// A MIP's proven lower bound (HiGHS's dual bound); NaN for an LP or when unknown.
    pub(crate) bound: f64,
    pub(crate) time: Duration,
}

pub(crate) fn run(
    mut model: highs::Model,
    settings: &Settings,
    deadline: Instant,
    mip_abs_gap: Option<f64>,
) -> Result<Run, String> {
    prepare(&mut model, settings, deadline, mip_abs_gap)?;
    let t = Instant::now();
    let solved = model
        .try_solve()
        .map_err(|e| format!("HiGHS failed: {e:?}"))?;
    Ok(read(&solved, t.elapsed(), mip_abs_gap.is_some()))
}

/// Sets LPO's options on a model about to be solved: quiet, what is left of the time, the
/// gap (a MIP), no presolve (an LP), the threads.
pub(crate) fn prepare(
    model: &mut highs::Model,
    settings: &Settings,
    deadline: Instant,
    mip_abs_gap: Option<f64>,
) -> Result<(), String> {
    model.make_quiet();
    let left = deadline.saturating_duration_since(Instant::now());
    let set = |m: &mut highs::Model, k: &str, v: f64| {
        m.try_set_option(k, v)
            .map_err(|e| format!("HiGHS option {k}: {e:?}"))
    };
    set(model, "time_limit", left.as_secs_f64().max(0.001))?;
    if let Some(abs) = mip_abs_gap {
        set(model, "mip_rel_gap", settings.rel_gap)?;
        set(model, "mip_abs_gap", abs.max(1e-6))?;
    }
    if mip_abs_gap.is_none() {
        // The masters are assignment rows plus a few coupling rows: presolve finds little to
        // remove in them, and on large ones it took most of a minute that simplex does not
        // need (measured on 100,000-order families: one LP 58 s with it, 1.5 s without).
        model
            .try_set_option("presolve", "off")
            .map_err(|e| format!("HiGHS option presolve: {e:?}"))?;
    }
    model
        .try_set_option("threads", settings.threads.max(1) as i32)
        .map_err(|e| format!("HiGHS option threads: {e:?}"))
}

/// What a solved model holds: its status, and its solution when it has one.
pub(crate) fn read(solved: &highs::SolvedModel, time: Duration, is_mip: bool) -> Run {
    let status = solved.status();
    // Only ask for the solution's status when there can be one: the bindings panic on the
    // "no status" HiGHS reports for some of the others.
    let may_have = matches!(
        status,
        HighsModelStatus::Optimal
            | HighsModelStatus::ReachedTimeLimit
            | HighsModelStatus::ReachedIterationLimit
            | HighsModelStatus::ReachedSolutionLimit
            | HighsModelStatus::ReachedInterrupt
            | HighsModelStatus::ObjectiveBound
            | HighsModelStatus::ObjectiveTarget
    );
    let has_solution =
        may_have && solved.primal_solution_status() == highs::HighsSolutionStatus::Feasible;
    let sol = solved.get_solution();
    let objective = if has_solution {
        solved.objective_value()
    } else {
        f64::NAN
    };
    let bound = if is_mip {
        solved
            .double_info_value(c"mip_dual_bound")
            .unwrap_or(f64::NAN)
    } else {
        f64::NAN
    };
    Run {
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
    }
}
