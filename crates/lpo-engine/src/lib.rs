//! The LPO engine: compiled rate cards in lookup and spatial indexes, exact pricing, feasibility
//! checks with reason codes, and the per-order choice, for one order or a batch in parallel.
//!
//! The engine only ever sees compiled, validated input ([`Engine`] and the types in
//! [`compiled`]); reading files is `lpo-config`'s job.

pub mod compiled;
pub mod constraints;
mod price;
mod quote;
mod range;
pub mod rules;
mod ruleset;
pub mod spatial;

pub use compiled::*;
pub use constraints::Constraints;
pub use quote::{OrderError, Quote, QuoteRequest, rank};
pub use spatial::{PolygonIndex, WarehouseIndex, haversine_m};
