//! Running a batch: the one place that decides between the per-order choice and the global day
//! plan ([`Method::choose`]), the batch itself ([`run_batch`]), the typed solver report
//! ([`report`]) and the what-if comparison of two configurations ([`compare`]).
//!
//! Everything here is a library: no flags, no terminal. Progress goes to a [`Progress`] the
//! caller supplies; the CLI draws bars with it, the HTTP service ignores it.

pub mod batch;
pub mod compare;
mod error;
pub mod global;
mod method;
mod progress;
pub mod report;
mod run;

pub use batch::{Chunk, OrderStatus, Timings, price_orders, unallocated_reason};
pub use error::PlanError;
pub use global::{GlobalOpts, Solved, infeasible_message};
pub use method::Method;
pub use progress::{Progress, Silent};
pub use report::{InfeasibleReport, SolverReport, dollars};
pub use run::run_batch;
