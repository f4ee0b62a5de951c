//! Orders: a destination, one or more parcels, and the shipper's options.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::money::Cents;

/// The kind of delivery address; carriers accept different ones.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum AddressType {
    #[default]
    Street,
    PoBox,
    ParcelLocker,
}

impl AddressType {
    pub const ALL: [AddressType; 3] = [
        AddressType::Street,
        AddressType::PoBox,
        AddressType::ParcelLocker,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AddressType::Street => "street",
            AddressType::PoBox => "po_box",
            AddressType::ParcelLocker => "parcel_locker",
        }
    }
}

impl FromStr for AddressType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        AddressType::ALL
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("`{s}` is not one of street, po_box, parcel_locker"))
    }
}

impl fmt::Display for AddressType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How fast the customer asked for the order to arrive.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ServiceLevel {
    #[default]
    Standard,
    Express,
}

impl ServiceLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceLevel::Standard => "standard",
            ServiceLevel::Express => "express",
        }
    }
}

impl FromStr for ServiceLevel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "standard" => Ok(ServiceLevel::Standard),
            "express" => Ok(ServiceLevel::Express),
            _ => Err(format!("`{s}` is not one of standard, express")),
        }
    }
}

/// Australian states and territories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum State {
    Nsw,
    Vic,
    Qld,
    Sa,
    Wa,
    Tas,
    Nt,
    Act,
}

impl State {
    pub const ALL: [State; 8] = [
        State::Nsw,
        State::Vic,
        State::Qld,
        State::Sa,
        State::Wa,
        State::Tas,
        State::Nt,
        State::Act,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Nsw => "NSW",
            State::Vic => "VIC",
            State::Qld => "QLD",
            State::Sa => "SA",
            State::Wa => "WA",
            State::Tas => "TAS",
            State::Nt => "NT",
            State::Act => "ACT",
        }
    }
}

impl FromStr for State {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        State::ALL
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("`{s}` is not one of NSW, VIC, QLD, SA, WA, TAS, NT, ACT"))
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One physical item. Dimensions are kept sorted, longest first, so "longest side",
/// "girth" and box-fit checks do not depend on how the sender listed them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Parcel {
    /// Dead weight in grams.
    pub weight_g: u32,
    /// Sides in millimetres, longest first.
    pub dims_mm: [u32; 3],
}

impl Parcel {
    pub fn new(weight_g: u32, l_mm: u32, w_mm: u32, h_mm: u32) -> Parcel {
        let mut dims_mm = [l_mm, w_mm, h_mm];
        dims_mm.sort_unstable_by(|a, b| b.cmp(a));
        Parcel { weight_g, dims_mm }
    }

    #[inline]
    pub fn longest_mm(&self) -> u32 {
        self.dims_mm[0]
    }

    /// Volume in cubic millimetres.
    #[inline]
    pub fn volume_mm3(&self) -> u64 {
        self.dims_mm.iter().map(|&d| u64::from(d)).product()
    }

    /// Girth: twice the sum of the two shorter sides, in millimetres.
    #[inline]
    pub fn girth_mm(&self) -> u32 {
        2 * (self.dims_mm[1] + self.dims_mm[2])
    }
}

/// Where the order goes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Destination {
    /// Four-digit postcode as a number (`0800` is 800).
    pub postcode: u16,
    /// Locality, upper-cased, when given.
    pub suburb: Option<String>,
    pub state: Option<State>,
    /// Exact latitude and longitude when given; otherwise the suburb or postcode centroid is used.
    pub point: Option<(f64, f64)>,
    pub address_type: AddressType,
    pub residential: bool,
}

/// One order (consignment): every parcel goes together on one service from one warehouse.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Order {
    pub id: String,
    pub to: Destination,
    pub parcels: Vec<Parcel>,
    /// Candidate warehouse ids; empty means the configured default.
    pub from: Vec<String>,
    pub service_level: ServiceLevel,
    pub ship_date: Option<Date>,
    pub declared_value: Option<Cents>,
    pub dangerous_goods: bool,
    pub signature: bool,
    /// Sales channel (web, ebay, …); shared, since a batch has only a few.
    pub channel: Option<std::sync::Arc<str>>,
    /// SKUs separated by `|`, as in the orders CSV; see [`Order::skus`].
    pub skus: String,
}

impl Order {
    #[inline]
    pub fn total_weight_g(&self) -> u64 {
        self.parcels.iter().map(|p| u64::from(p.weight_g)).sum()
    }

    /// The order's SKUs.
    pub fn skus(&self) -> impl Iterator<Item = &str> {
        self.skus
            .split('|')
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }
}

/// Formats a postcode with its leading zeros.
pub fn postcode_str(postcode: u16) -> String {
    format!("{postcode:04}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parcel_sorts_sides() {
        let p = Parcel::new(1000, 100, 300, 200);
        assert_eq!(p.dims_mm, [300, 200, 100]);
        assert_eq!(p.girth_mm(), 600);
        assert_eq!(p.volume_mm3(), 6_000_000);
    }

    #[test]
    fn enums_parse_case_insensitively() {
        assert_eq!("PO_BOX".parse::<AddressType>(), Ok(AddressType::PoBox));
        assert_eq!("vic".parse::<State>(), Ok(State::Vic));
        assert!("VICTORIA".parse::<State>().is_err());
        assert_eq!("Express".parse::<ServiceLevel>(), Ok(ServiceLevel::Express));
    }
}
