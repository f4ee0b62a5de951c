//! Why a batch produced no plan.

use lpo_solve::SolveError;

/// Why a batch produced no plan (an infeasible day is not an error: see [`Solved`]).
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The solver stopped without a plan: time ran out first, no plan of whole orders was
    /// found, or HiGHS failed.
    #[error("{0}")]
    Solve(SolveError),
    /// The re-priced plan disagrees with the model: a bug, never the input's fault.
    #[error("internal error: {0}")]
    Internal(String),
}
