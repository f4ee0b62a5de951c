//! The day's batch as linear programs solved by column generation on HiGHS (a live HiGHS model
//! per combination; the tie-breaks and integer steps built with good_lp).
//!
//! Tier discounts are the only thing that needs integer choices besides whole orders: a
//! carrier's band (`all`) or how many bands are full (`beyond`). They are enumerated as
//! *combinations*; for a fixed combination every price is known and the rest is an LP:
//!
//! ```text
//!   min  Σ score[k,j,b]·x[k,j,b]  + penalties
//!   s.t. Σ_(j,b) x[k,j,b] = count[k]            every order of class k placed
//!        capacity rows ≤, commitment rows ≥     (soft ones with a priced shortfall)
//!        all:    parcels of the carrier ≥ the band's threshold
//!        beyond: bands below the last one full, the last one within its width
//! ```
//!
//! Most orders never leave their cheapest option, so the LP is solved over a *pool* of columns
//! that grows: a class with one column in the pool is a constant, not a variable. After each
//! solve every column outside the pool is priced with the duals and each class's most negative
//! one joins, until the Lagrangian bound of the duals is within 30 % of the requested gap of
//! the LP value (when no column prices out, the pool's optimum is the optimum over every column).
//! Hard rows get elastic slacks whose price starts low and rises (so the first duals are small
//! and only nearly indifferent orders join); a combination whose slacks stay positive at the
//! top price is infeasible.
//!
//! - [`combos`]: the combinations of tier bands, and whether one is within reach at all;
//! - [`columns`]: the columns a combination allows each class, and pools of them;
//! - [`rows`]: the coupling rows of a combination and which columns touch them;
//! - [`live`]: a combination's master LP kept alive in HiGHS across the rounds;
//! - [`master`]: a master LP (or MIP) over a pool, built for HiGHS and solved (tie-breaks and
//!   integer steps);
//! - [`pricing`]: reduced costs of columns under a master's duals;
//! - [`lp`]: the column generation loop of one combination (on the live master);
//! - [`rebuilt`]: the same on a master rebuilt every round, for the largest batches;
//! - [`whole`]: a combination's LP optimum made whole orders.

pub(crate) mod columns;
pub(crate) mod combos;
pub(crate) mod live;
pub(crate) mod lp;
pub(crate) mod master;
pub(crate) mod pricing;
pub(crate) mod rebuilt;
pub(crate) mod rows;
pub(crate) mod whole;
