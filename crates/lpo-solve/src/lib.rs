//! Global optimisation of a day's batch: every order gets one feasible option so that courier
//! capacities, volume commitments and tier discounts are respected and the total is least.
//!
//! The engine prices each order once, on every feasible option and at every tier band of its
//! carrier. Then ([`solve`]):
//!
//! 0. **Redundant capacities.** A capacity that another one implies (same unit, a scope inside
//!    the other's, a limit no tighter) is left out of the model by the caller ([`reduce`]) and
//!    measured on the plan afterwards ([`Reduced::restore`]).
//! 1. **Classes.** Options of an order that touch the same constraints are reduced to the
//!    cheapest (all of them for a carrier with a spend commitment), and orders whose kept
//!    options, prices and measures are identical form a class with a count ([`classes`]); the
//!    model places classes, not orders.
//! 2. **Counting.** A hard minimum above all that can go by its carrier, or a capacity below
//!    what can go nowhere else, proves the day infeasible before any LP (`explain`).
//! 3. **Combinations.** Tier discounts are the only integer choice besides whole orders: each
//!    combination of tier bands (per `all` schedule its band, per `beyond` schedule how many
//!    bands are full) fixes every price, and the rest is a linear program. Every combination
//!    gets a Lagrangian lower bound without an LP (`bound`).
//! 4. **A first plan.** The per-order choice ([`greedy`]) when it breaks nothing, else the
//!    per-order choice repaired against the hard capacities and commitments (`repair`).
//! 5. **Best first** over the combinations (`search`): the one with the least open bound has
//!    its bound sharpened, or its LP solved by column generation on HiGHS through good_lp
//!    (`cg`), or, when its LP bound is the least left, its optimum made whole orders by a
//!    tie-break LP and a small MIP over the classes left split (`cg::whole`); until every open
//!    bound is within the gap of the best plan, or time runs out.
//!
//! The plan is a choice per class ([`Alloc`]); [`assign`] turns it back into a choice per
//! order, which the caller re-prices exactly in cents.
//!
//! Modules depend on each other one way only: `classes`, `model` (HiGHS runs and
//! [`Settings`]), `types` (the public results) and `trace` use no other module of the crate;
//! `plan` (measures of an integer plan) uses `classes` and `types`; `repair` and `redundant`
//! use those and `plan`; `cg` uses `classes`, `model`, `plan`, `trace` and `types`; `bound` and `explain` use
//! `cg`; `search` uses them all. This root only declares the modules and re-exports.

mod bound;
mod cg;
pub mod classes;
mod explain;
mod model;
mod plan;
mod redundant;
mod repair;
mod search;
mod trace;
mod types;

pub use classes::{
    BandPrice, Batch, Class, ClassOption, LocalClasses, SignatureContext, merge, signature,
};
pub use explain::group;
pub use model::Settings;
pub use plan::{assign, band_usage, invoice, objective, violation};
pub use redundant::{Reduced, reduce};
pub use repair::greedy;
pub use search::{MAX_COMBINATIONS, solve};
pub use types::{
    Alloc, Infeasibility, Row, RowReport, Solution, SolveError, Stats, Status, Stop, TierReport,
};
