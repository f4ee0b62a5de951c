//! Running a batch: the one place that decides between the per-order choice and the global day
//! plan ([`Method::choose`]), the batch itself ([`run_batch`]), the typed solver report
//! ([`report`]) and the what-if comparison of two configurations ([`compare`]).
//!
//! Everything here is a library: no flags, no terminal. Progress goes to a [`Progress`] the
//! caller supplies; the CLI draws bars with it, the HTTP service ignores it.

//!
//! Without the default feature `global` the crate is the per-order batch alone ([`batch`],
//! [`Method`], [`Progress`]), with no solver to build.

pub mod batch;
#[cfg(feature = "global")]
pub mod compare;
#[cfg(feature = "global")]
mod error;
#[cfg(feature = "global")]
pub mod global;
mod method;
mod progress;
#[cfg(feature = "global")]
pub mod report;
#[cfg(feature = "global")]
mod run;

pub use batch::{Chunk, OrderStatus, Timings, price_orders, unallocated_reason};
#[cfg(feature = "global")]
pub use error::PlanError;
#[cfg(feature = "global")]
pub use global::{GlobalOpts, Solved, infeasible_message};
pub use method::Method;
pub use progress::{Progress, Silent};
#[cfg(feature = "global")]
pub use report::{InfeasibleReport, SolverReport, dollars};
#[cfg(feature = "global")]
pub use run::run_batch;
