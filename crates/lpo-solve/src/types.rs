//! The solve's public types: the plan it returns (allocations per class, the rows and tier
//! schedules measured on it, sizes and times), what ended the search, and why a solve gave no
//! plan.

use std::time::Duration;

/// A capacity or commitment row of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Capacity(usize),
    Commitment(usize),
}

/// How many orders of a class take option `option` (an index into the class's options)
/// priced in band `band`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alloc {
    pub option: u16,
    pub band: u8,
    pub count: u64,
}

/// What ended the search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Stop {
    /// Every combination of tier bands was solved or bounded within the gap.
    #[default]
    Proven,
    /// The time limit.
    TimeLimit,
    /// Every step was taken, but the plan is not proven within the gap (whole orders cost
    /// more than the relaxation's bound and the model is too large for one integer solve).
    Exhausted,
}

/// How the solve ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Proven optimal within the requested gap.
    Optimal,
    /// Stopped by the time limit with a feasible plan; the gap says how far from optimal it may be.
    TimeLimit,
    /// A feasible plan with its proven gap, above the requested one, after every step was
    /// taken.
    Feasible,
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
    /// Options kept after dominance, over all classes.
    pub class_options: usize,
    /// Variables of an unaggregated (per order) model over every quoted option and band.
    pub per_order_columns: u64,
    /// Largest master LP solved: columns and rows.
    pub columns: usize,
    pub rows: usize,
    pub integer_columns: usize,
    /// Tier band combinations, and how many were solved.
    pub combinations: usize,
    pub combinations_solved: usize,
    /// Time spent bounding combinations without an LP (bound.rs).
    pub bound_time: Duration,
    /// What ended the search.
    pub stop: Stop,
    /// Column-generation rounds over all combinations.
    pub iterations: usize,
    /// Solves run: (what, time).
    pub solves: Vec<(String, Duration)>,
    pub build_time: Duration,
    /// Orders of classes the relaxation split, placed by an integer solve.
    pub repaired_orders: u64,
    /// Whether the chosen combination's LP optimum was already integral.
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

/// Why a solve returned no plan.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SolveError {
    /// The constraints are proven unable to hold together; the reasons say which.
    #[error("the constraints cannot all hold: {}", .0.reasons.join("; "))]
    Infeasible(Infeasibility),
    /// The time limit ended the search before any plan was found (not a proof of anything).
    #[error(
        "no plan found: the time limit ended the search before any plan was found (the constraints are not proven infeasible)"
    )]
    TimeLimit,
    /// Fractions of orders meet every constraint, but no plan of whole orders was found.
    #[error(
        "no plan found: fractions of orders can meet every constraint, but the integer steps found no plan of whole orders (a capacity or commitment may sit between the sizes of the orders that could fill it); the constraints are not proven infeasible"
    )]
    NoIntegerPlan,
    /// HiGHS failed or gave an answer that cannot be used.
    #[error("solver failed: {0}")]
    Solver(String),
}
