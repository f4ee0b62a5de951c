//! Running a batch: the one place that decides between the per-order choice and the global day
//! plan ([`Method::choose`]), the batch itself ([`run_batch`]), the typed solver report
//! ([`report`]) and the what-if comparison of two configurations ([`compare`]).
//!
//! Everything here is a library: no flags, no terminal. Progress goes to a [`Progress`] the
//! caller supplies; the CLI draws bars with it, the HTTP service ignores it.

pub mod batch;
pub mod compare;
pub mod global;
pub mod report;

use lpo_engine::{Constraints, Engine, QuoteRequest};
use lpo_format::orders::InputOrder;
use lpo_model::Strategy;
use lpo_solve::SolveError;

pub use batch::{Chunk, OrderStatus, Timings, price_orders, unallocated_reason};
pub use global::{GlobalOpts, Solved, infeasible_message};
pub use report::{InfeasibleReport, SolverReport, dollars};

/// Where a long batch reports its progress. Every method has a default that does nothing.
pub trait Progress: Sync {
    /// A phase over `len` orders begins (`what`: `pricing`).
    fn start(&self, what: &str, len: usize) {
        let _ = (what, len);
    }
    /// `n` more orders of the phase are done.
    fn advance(&self, n: usize) {
        let _ = n;
    }
    /// The phase is over.
    fn finish(&self) {}
    /// A line worth showing a person while the run goes on.
    fn message(&self, line: &str) {
        let _ = line;
    }
}

/// A [`Progress`] that reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {}

/// How a batch is planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Each order's own best option (`--greedy`, or no constraints).
    PerOrder,
    /// The day as one model under the global constraints.
    Global,
}

impl Method {
    /// The one place the choice is made: global when the day has constraints or `global` is
    /// asked for, unless `greedy` asks for the per-order choice.
    pub fn choose(greedy: bool, global: bool, cons: &Constraints) -> Method {
        if !greedy && (global || !cons.is_empty()) {
            Method::Global
        } else {
            Method::PerOrder
        }
    }

    /// `per_order` or `global`, as reports and the HTTP service name it.
    pub fn name(self) -> &'static str {
        match self {
            Method::PerOrder => "per_order",
            Method::Global => "global",
        }
    }

    /// Whether the method can plan under `strategy`: the global plan minimises cost, so it
    /// takes `cheapest` only.
    pub fn takes(self, strategy: &Strategy) -> bool {
        self == Method::PerOrder || matches!(strategy, Strategy::Cheapest)
    }
}

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

/// Plans a batch by `method`: the per-order choice, or the global plan under `cons`. Phase
/// times are added to `tm`.
#[allow(clippy::too_many_arguments)]
pub fn run_batch(
    method: Method,
    opts: &GlobalOpts,
    engine: &Engine,
    cons: &Constraints,
    orders: &[InputOrder],
    req: &QuoteRequest,
    tm: &mut Timings,
    progress: &dyn Progress,
) -> Result<Solved, PlanError> {
    match method {
        Method::Global => global::run(opts, engine, cons, orders, req, tm, progress),
        Method::PerOrder => {
            let t = std::time::Instant::now();
            let done = price_orders(engine, orders, req, opts.with_options, progress);
            tm.price = t.elapsed();
            Ok(Solved::Plan { done, report: None })
        }
    }
}
