//! LPO domain types shared by every crate: exact money, weights and lengths, calendar dates,
//! orders and the quotes the engine returns. Nothing here does I/O.
//!
//! Units are integers everywhere: money in cents ([`Cents`]), weight in grams, lengths in
//! millimetres, percentages in basis points (1/100 of a percent). Floating point appears only in
//! coordinates.

mod date;
mod decimal;
mod exit;
mod money;
mod order;
mod quote;

pub use date::{Date, DateError};
pub use decimal::{DecimalError, div_round_half_away, div_round_half_away_i64, parse_decimal};
pub use exit::ExitCode;
pub use money::{Bp, Cents};
pub use order::{AddressType, Destination, Order, Parcel, ServiceLevel, State, postcode_str};
pub use quote::{Exclusion, Line, QuoteOption, ReasonCode, Strategy};
