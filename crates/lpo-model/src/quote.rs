//! What the engine answers for an order: ranked options and excluded services.
//!
//! Options refer to services, warehouses and zones by index into the compiled configuration, so
//! that pricing a batch allocates no strings; the engine turns indices back into ids.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::money::Cents;

/// Stable reason codes for a service that cannot take an order. Listed in `docs/reason-codes.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    CarrierDisabled,
    ServiceDisabled,
    NotEffective,
    ServiceLevel,
    OriginNotServiced,
    DestinationNotServiced,
    NoLane,
    TooHeavy,
    TooLong,
    TooBig,
    ConsignmentTooHeavy,
    TooManyItems,
    AddressType,
    DangerousGoods,
    NoRateBand,
    TooFar,
    /// A business rule switched the carrier or service off.
    DisabledByRule,
    /// A business rule excluded the option.
    ExcludedByRule,
    /// A business rule required other carriers or services.
    NotRequiredByRule,
}

impl ReasonCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCode::CarrierDisabled => "carrier_disabled",
            ReasonCode::ServiceDisabled => "service_disabled",
            ReasonCode::NotEffective => "not_effective",
            ReasonCode::ServiceLevel => "service_level",
            ReasonCode::OriginNotServiced => "origin_not_serviced",
            ReasonCode::DestinationNotServiced => "destination_not_serviced",
            ReasonCode::NoLane => "no_lane",
            ReasonCode::TooHeavy => "too_heavy",
            ReasonCode::TooLong => "too_long",
            ReasonCode::TooBig => "too_big",
            ReasonCode::ConsignmentTooHeavy => "consignment_too_heavy",
            ReasonCode::TooManyItems => "too_many_items",
            ReasonCode::AddressType => "address_type",
            ReasonCode::DangerousGoods => "dangerous_goods",
            ReasonCode::NoRateBand => "no_rate_band",
            ReasonCode::TooFar => "too_far",
            ReasonCode::DisabledByRule => "disabled_by_rule",
            ReasonCode::ExcludedByRule => "excluded_by_rule",
            ReasonCode::NotRequiredByRule => "not_required_by_rule",
        }
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How options are ranked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Lowest score (price), then fewest days.
    #[default]
    Cheapest,
    /// Fewest days, then lowest score.
    Fastest,
    /// Cheapest among the options at most `within_days` slower than the fastest.
    BestValue { within_days: u8 },
}

impl FromStr for Strategy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "cheapest" => Ok(Strategy::Cheapest),
            "fastest" => Ok(Strategy::Fastest),
            "best_value" => Ok(Strategy::BestValue { within_days: 1 }),
            other => Err(format!(
                "`{other}` is not one of cheapest, fastest, best_value"
            )),
        }
    }
}

/// One invoice line of an option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    Base,
    /// A surcharge, by index into the compiled surcharge table.
    Surcharge(u32),
    Fuel,
    Gst,
}

/// A feasible (warehouse, service) for an order, priced to the cent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteOption {
    /// Index of the service in the compiled configuration.
    pub service: u32,
    /// Index of the shipping warehouse.
    pub warehouse: u16,
    /// Index of the destination zone within the carrier's zones.
    pub zone: u16,
    /// Chargeable weight of the priced units, after cubic weight and rounding, in grams.
    pub chargeable_g: u64,
    pub eta_days: u8,
    pub base: Cents,
    /// Sum of the surcharge lines.
    pub surcharges: Cents,
    /// Where this option's surcharge lines (surcharge index, amount) are in the quote's list of
    /// lines; see `Quote::lines` in the engine.
    pub surcharge_lines: std::ops::Range<u32>,
    pub fuel: Cents,
    pub gst: Cents,
    /// Invoice total including GST: base + surcharges + fuel + gst.
    pub total: Cents,
    /// What selection minimises: the total plus rule adjustments (equal to `total` without rules).
    pub score: Cents,
    /// Tie-break among equal scores: the index of the first `prefer` rule that chose this option
    /// (lower wins); `u32::MAX` when none did.
    pub preference: u32,
}

/// A (warehouse, service) that cannot take the order, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exclusion {
    pub service: u32,
    /// The warehouse the check failed for; `None` when it failed for every warehouse alike.
    pub warehouse: Option<u16>,
    pub reason: ReasonCode,
    pub detail: String,
    /// The business rule that excluded it (index into the engine's rules), if one did.
    pub rule: Option<u32>,
}
