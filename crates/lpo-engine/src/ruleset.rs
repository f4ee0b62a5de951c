//! Business rules as compiled data: the conditions ([`Pred`], [`Expr`]), the actions
//! ([`Action`], with their [`Targets`] and [`Settings`]) and the [`Rule`] that holds them. The
//! engine keeps them in [`crate::compiled::Engine::rules`]; evaluating and applying them is
//! [`crate::rules`]' job, which also re-exports every type here.

use geo::MultiPolygon;
use lpo_model::{AddressType, Bp, Cents, ServiceLevel, State};

use crate::range::Range;

/// An order-level or option-level test.
#[derive(Debug, Clone, PartialEq)]
pub enum Pred {
    /// Total dead weight of the consignment, grams.
    ConsignmentG(Range),
    /// Some parcel's dead weight, grams.
    AnyParcelG(Range),
    /// Some parcel's longest side, mm.
    AnyLongestMm(Range),
    /// Some parcel's volume, mm³.
    AnyVolumeMm3(Range),
    Parcels(Range),
    DeclaredCents(Range),
    DangerousGoods(bool),
    Signature(bool),
    Residential(bool),
    ServiceLevel(ServiceLevel),
    Channel(Vec<String>),
    Sku(Vec<String>),
    /// ISO weekdays (1 = Monday) of the ship date, as a bit set.
    Weekday(u8),
    /// Ship date in days since 1970-01-01, inclusive.
    ShipDate(Range),
    Postcodes(Vec<(u16, u16)>),
    State(Vec<State>),
    /// Upper-cased suburb names.
    Suburb(Vec<String>),
    AddressType(Vec<AddressType>),
    /// Destination point inside the area.
    InArea(Box<MultiPolygon<f64>>),
    // Option-level:
    Carrier(Vec<u16>),
    Service(Vec<u32>),
    /// (carrier, zone) pairs of the named zones.
    Zone(Vec<(u16, u16)>),
    /// Invoice total incl. GST, cents.
    PriceCents(Range),
    EtaDays(Range),
    From(Vec<u16>),
    /// Great-circle distance from the shipping warehouse to the destination, metres.
    DistanceM(Range),
}

impl Pred {
    /// Whether the test needs the candidate option.
    pub fn is_option_level(&self) -> bool {
        matches!(
            self,
            Pred::Carrier(_)
                | Pred::Service(_)
                | Pred::Zone(_)
                | Pred::PriceCents(_)
                | Pred::EtaDays(_)
                | Pred::From(_)
                | Pred::DistanceM(_)
        )
    }
}

/// A condition tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    True,
    Leaf(Pred),
    All(Vec<Expr>),
    Any(Vec<Expr>),
    Not(Box<Expr>),
}

impl Expr {
    pub fn is_option_level(&self) -> bool {
        match self {
            Expr::True => false,
            Expr::Leaf(p) => p.is_option_level(),
            Expr::All(v) | Expr::Any(v) => v.iter().any(Expr::is_option_level),
            Expr::Not(e) => e.is_option_level(),
        }
    }
}

/// Carriers and services an action applies to; empty means "the options the condition matched".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Targets {
    pub carriers: Vec<u16>,
    pub services: Vec<u32>,
}

impl Targets {
    pub fn is_empty(&self) -> bool {
        self.carriers.is_empty() && self.services.is_empty()
    }

    pub fn matches(&self, carrier: u16, service: u32) -> bool {
        self.carriers.contains(&carrier) || self.services.contains(&service)
    }
}

/// Order attributes a `set` rule can change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Settings {
    pub signature: Option<bool>,
    pub residential: Option<bool>,
    pub dangerous_goods: Option<bool>,
    pub service_level: Option<ServiceLevel>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Exclude(Targets),
    Require(Targets),
    /// Adds a fixed amount and/or a percentage of the option's invoice total to its score.
    Adjust {
        targets: Targets,
        amount: Cents,
        pct: Bp,
    },
    Prefer(Targets),
    Set(Settings),
    Disable(Targets),
}

/// A compiled rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: String,
    pub description: String,
    /// Shown to users when the rule excludes something.
    pub reason: Option<String>,
    /// Where it is defined, for explanations: `rules/10-address.yaml:12`.
    pub location: String,
    pub when: Expr,
    pub actions: Vec<Action>,
}
