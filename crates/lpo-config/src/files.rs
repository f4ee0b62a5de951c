//! The shapes of the configuration files, as read from YAML. Every struct denies unknown fields;
//! values that other parts refer to keep their position ([`Sp`]) so that a later check can point
//! at the exact line. The JSON Schemas in `docs/schema/` are generated from these types.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use lpo_model::{AddressType, Date, ServiceLevel, parse_decimal};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

/// A value with the line and column it was read at.
#[derive(Debug, Clone, PartialEq)]
pub struct Sp<T> {
    pub value: T,
    pub line: u64,
    pub column: u64,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Sp<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = serde_saphyr::Spanned::<T>::deserialize(d)?;
        Ok(Sp {
            value: s.value,
            line: s.referenced.line(),
            column: s.referenced.column(),
        })
    }
}

impl<T: JsonSchema> JsonSchema for Sp<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        T::json_schema(g)
    }
}

/// An exact decimal read from a YAML number or string, scaled by `10^SCALE`
/// (`Dec<2>` for dollars → cents, `Dec<3>` for kg → grams).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dec<const SCALE: u32>(pub i64);

impl<'de, const SCALE: u32> Deserialize<'de> for Dec<SCALE> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<const S: u32>;
        impl<const S: u32> Visitor<'_> for V<S> {
            type Value = Dec<S>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a decimal number with at most {S} decimal places")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Dec<S>, E> {
                v.checked_mul(10i64.pow(S))
                    .map(Dec)
                    .ok_or_else(|| E::custom("number too large"))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Dec<S>, E> {
                let v = i64::try_from(v).map_err(|_| E::custom("number too large"))?;
                self.visit_i64(v)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Dec<S>, E> {
                if !v.is_finite() {
                    return Err(E::custom("expected a finite number"));
                }
                // `Display` for f64 prints the shortest text that reads back as the same number,
                // i.e. what was written in the file.
                self.visit_str(&v.to_string())
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Dec<S>, E> {
                parse_decimal(v, S, false)
                    .map(Dec)
                    .map_err(|e| E::custom(format!("`{v}` {e}")))
            }
        }
        d.deserialize_any(V::<SCALE>)
    }
}

impl<const SCALE: u32> JsonSchema for Dec<SCALE> {
    fn schema_name() -> Cow<'static, str> {
        Cow::Owned(format!("Decimal{SCALE}"))
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": format!("A decimal number with at most {SCALE} decimal places (number or string)"),
            "type": ["number", "string"]
        })
    }
}

/// Dollars (→ cents).
pub type Dollars = Dec<2>;
/// Percent with two decimals (→ basis points).
pub type Pct = Dec<2>;
/// Kilograms (→ grams).
pub type Kg = Dec<3>;
/// Centimetres (→ millimetres).
pub type Cm = Dec<1>;
/// Cubic metres (→ cubic millimetres).
pub type M3 = Dec<9>;

/// A `YYYY-MM-DD` date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Day(pub Date);

impl JsonSchema for Day {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("Date")
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$" })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AddressTypeDef {
    Street,
    PoBox,
    ParcelLocker,
}

impl From<AddressTypeDef> for AddressType {
    fn from(a: AddressTypeDef) -> AddressType {
        match a {
            AddressTypeDef::Street => AddressType::Street,
            AddressTypeDef::PoBox => AddressType::PoBox,
            AddressTypeDef::ParcelLocker => AddressType::ParcelLocker,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LevelDef {
    Standard,
    Express,
}

impl From<LevelDef> for ServiceLevel {
    fn from(l: LevelDef) -> ServiceLevel {
        match l {
            LevelDef::Standard => ServiceLevel::Standard,
            LevelDef::Express => ServiceLevel::Express,
        }
    }
}

fn yes() -> bool {
    true
}

/// `lpo.yaml`: where everything else lives.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManifestFile {
    /// GeoNames postcode table (TSV).
    pub postcodes: Sp<String>,
    /// Warehouses file (YAML).
    pub warehouses: Sp<String>,
    /// Folder of carrier files: every `*.yaml` in it, in name order.
    pub carriers: Sp<String>,
    /// GST percentage (default 10).
    #[serde(default)]
    pub gst_pct: Option<Pct>,
    /// Folder of rule files: every `*.yaml` in it, in name order (optional).
    #[serde(default)]
    pub rules: Option<Sp<String>>,
    /// The day's global constraints (docs/constraints.md): a `*.yaml` file or a folder of them
    /// (optional).
    #[serde(default)]
    pub constraints: Option<Sp<String>>,
}

/// The warehouses file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WarehousesFile {
    /// Warehouses an order that names none may ship from; `nearest` picks the closest one.
    pub default_from: Vec<Sp<String>>,
    pub warehouses: Vec<WarehouseDef>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WarehouseDef {
    pub id: Sp<String>,
    pub name: String,
    /// Four-digit postcode, quoted (`"0800"`).
    pub postcode: Sp<String>,
    pub lat: f64,
    pub lon: f64,
}

/// One carrier: zones, fuel, surcharges and services.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CarrierFile {
    pub carrier: Sp<String>,
    pub name: String,
    /// Kill switch: `false` switches every service of the carrier off.
    #[serde(default = "yes")]
    pub enabled: bool,
    pub zones: ZonesDef,
    #[serde(default)]
    pub fuel: Option<FuelDef>,
    #[serde(default)]
    pub surcharges: Vec<SurchargeDef>,
    pub services: Vec<ServiceDef>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ZonesDef {
    /// CSV with columns zone, postcodes, suburb.
    #[serde(default)]
    pub file: Option<Sp<String>>,
    /// GeoJSON areas, first match wins.
    #[serde(default)]
    pub polygons: Vec<PolygonDef>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolygonDef {
    pub zone: Sp<String>,
    pub file: Sp<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FuelDef {
    pub series: Vec<Sp<FuelPoint>>,
    #[serde(default)]
    pub by_zone: Vec<FuelByZone>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FuelPoint {
    pub from: Day,
    pub pct: Pct,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FuelByZone {
    pub zones: Vec<Sp<String>>,
    pub series: Vec<Sp<FuelPoint>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PricingDef {
    Consignment,
    Item,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RateKindDef {
    WeightBands,
    SizeTiers,
    DistanceBands,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceDef {
    pub id: Sp<String>,
    pub name: String,
    pub level: LevelDef,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub effective_from: Option<Day>,
    #[serde(default)]
    pub effective_to: Option<Day>,
    #[serde(default)]
    pub cubic: Option<CubicDef>,
    #[serde(default)]
    pub round_up_kg: Option<Sp<Kg>>,
    pub pricing: PricingDef,
    pub limits: LimitsDef,
    pub rates: RatesDef,
    #[serde(default)]
    pub fuel: Option<FuelDef>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CubicDef {
    /// kg per m³ (250 road, 333 Hunter, 200 air).
    pub factor: Sp<u32>,
    /// Only items heavier than this are cubed.
    #[serde(default)]
    pub above_kg: Option<Kg>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitsDef {
    #[serde(default)]
    pub max_item_kg: Option<Kg>,
    #[serde(default)]
    pub max_length_cm: Option<Cm>,
    #[serde(default)]
    pub max_volume_m3: Option<M3>,
    #[serde(default)]
    pub max_consignment_kg: Option<Kg>,
    #[serde(default)]
    pub max_items: Option<u32>,
    /// Default: street only.
    #[serde(default)]
    pub address_types: Option<Vec<AddressTypeDef>>,
    #[serde(default)]
    pub dangerous_goods: bool,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RatesDef {
    pub kind: RateKindDef,
    pub tables: Vec<TableDef>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TableDef {
    #[serde(default)]
    pub from: Option<Day>,
    #[serde(default)]
    pub to: Option<Day>,
    pub file: Sp<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PerDef {
    Item,
    Consignment,
    LargestItem,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SurchargeDef {
    pub id: Sp<String>,
    /// Services it applies to; default every service of the carrier.
    #[serde(default)]
    pub services: Option<Vec<Sp<String>>>,
    pub per: PerDef,
    pub amount: AmountDef,
    /// Whether fuel applies to it.
    #[serde(default = "yes")]
    pub fuel: bool,
    #[serde(default)]
    pub when: Option<CondDef>,
    #[serde(default)]
    pub when_any: Vec<CondDef>,
}

/// Exactly one of the fields.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AmountDef {
    #[serde(default)]
    pub fixed: Option<Dollars>,
    #[serde(default)]
    pub pct_of_base: Option<Pct>,
    #[serde(default)]
    pub per_kg: Option<Dollars>,
    #[serde(default)]
    pub per_value: Option<PerValueDef>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PerValueDef {
    pub free: Dollars,
    pub step: Dollars,
    pub amount: Dollars,
}

/// A range: any of `over` (>), `at_least` (≥), `under` (<), `up_to` (≤).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct RangeDef<T> {
    #[serde(default)]
    pub over: Option<T>,
    #[serde(default)]
    pub at_least: Option<T>,
    #[serde(default)]
    pub under: Option<T>,
    #[serde(default)]
    pub up_to: Option<T>,
    #[serde(skip)]
    #[schemars(skip)]
    pub _unit: PhantomData<T>,
}

/// Surcharge conditions, all of which must hold.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CondDef {
    #[serde(default)]
    pub weight_kg: Option<Sp<RangeDef<Kg>>>,
    #[serde(default)]
    pub longest_cm: Option<Sp<RangeDef<Cm>>>,
    #[serde(default)]
    pub middle_cm: Option<Sp<RangeDef<Cm>>>,
    #[serde(default)]
    pub shortest_cm: Option<Sp<RangeDef<Cm>>>,
    #[serde(default)]
    pub girth_cm: Option<Sp<RangeDef<Cm>>>,
    #[serde(default)]
    pub volume_m3: Option<Sp<RangeDef<M3>>>,
    #[serde(default)]
    pub cubic_kg: Option<Sp<RangeDef<Kg>>>,
    /// The item does not fit a box of these sides (cm).
    #[serde(default)]
    pub exceeds_cm: Option<[Cm; 3]>,
    #[serde(default)]
    pub consignment_kg: Option<Sp<RangeDef<Kg>>>,
    #[serde(default)]
    pub items: Option<Sp<RangeDef<Dec<0>>>>,
    #[serde(default)]
    pub declared_value: Option<Sp<RangeDef<Dollars>>>,
    #[serde(default)]
    pub address_types: Option<Vec<AddressTypeDef>>,
    #[serde(default)]
    pub residential: Option<bool>,
    #[serde(default)]
    pub signature: Option<bool>,
    #[serde(default)]
    pub dangerous_goods: Option<bool>,
    #[serde(default)]
    pub service_level: Option<LevelDef>,
    #[serde(default)]
    pub zones: Option<Vec<Sp<String>>>,
    /// `"0800"` or `"0800-0899"`.
    #[serde(default)]
    pub postcodes: Option<Vec<Sp<String>>>,
    /// CSV with columns postcode, suburb.
    #[serde(default)]
    pub destinations: Option<Sp<String>>,
}

/// A rule file: rules in evaluation order, and example cases that test them.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RulesFile {
    #[serde(default)]
    pub rules: Vec<RuleDef>,
    /// Example orders with the outcome the rules must produce (`lpo test`).
    #[serde(default)]
    pub cases: Vec<CaseDef>,
}

/// A business rule: a condition and one or more actions.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    /// Unique across all rule files: lowercase letters, digits, `-` and `_`.
    pub id: Sp<String>,
    /// What the rule is for, in words.
    pub description: String,
    /// `false` keeps the rule in the file but out of force.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// When the rule applies; absent means always.
    #[serde(default)]
    pub when: Option<Sp<WhenDef>>,
    /// Shown to users when the rule excludes a service.
    #[serde(default)]
    pub reason: Option<String>,
    /// Exclude these carriers/services (or, without targets, the options the condition matched).
    #[serde(default)]
    pub exclude: Option<Sp<TargetsDef>>,
    /// Only these carriers/services may ship the order.
    #[serde(default)]
    pub require: Option<Sp<TargetsDef>>,
    /// Add to the selection score (not the invoice): a fixed amount and/or a percentage of the price.
    #[serde(default)]
    pub adjust: Option<Sp<AdjustDef>>,
    /// Break ties in favour of these carriers/services.
    #[serde(default)]
    pub prefer: Option<Sp<TargetsDef>>,
    /// Change order attributes before pricing.
    #[serde(default)]
    pub set: Option<Sp<SetDef>>,
    /// Switch carriers/services off entirely (kill switch); takes no condition.
    #[serde(default)]
    pub disable: Option<Sp<TargetsDef>>,
}

/// Carriers (`hunter`) and services (`tnt/overnight`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetsDef {
    #[serde(default)]
    pub carriers: Vec<Sp<String>>,
    /// `carrier/service`.
    #[serde(default)]
    pub services: Vec<Sp<String>>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustDef {
    /// Dollars added to the score (negative to favour).
    #[serde(default)]
    pub amount: Option<Dollars>,
    /// Percentage of the option's invoice total added to the score.
    #[serde(default)]
    pub pct: Option<Pct>,
    /// Limit the adjustment to these carriers …
    #[serde(default)]
    pub carriers: Vec<Sp<String>>,
    /// … or services.
    #[serde(default)]
    pub services: Vec<Sp<String>>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetDef {
    #[serde(default)]
    pub signature: Option<bool>,
    #[serde(default)]
    pub residential: Option<bool>,
    #[serde(default)]
    pub dangerous_goods: Option<bool>,
    #[serde(default)]
    pub service_level: Option<LevelDef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum WeekdayDef {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum StateDef {
    Nsw,
    Vic,
    Qld,
    Sa,
    Wa,
    Tas,
    Nt,
    Act,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DateRangeDef {
    #[serde(default)]
    pub from: Option<Day>,
    #[serde(default)]
    pub to: Option<Day>,
}

/// A rule condition: every key of one mapping must hold; `all`, `any` and `not` combine mappings.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WhenDef {
    #[serde(default)]
    pub all: Vec<Sp<WhenDef>>,
    #[serde(default)]
    pub any: Vec<Sp<WhenDef>>,
    #[serde(default)]
    pub not: Option<Box<Sp<WhenDef>>>,
    /// Total dead weight of the order, kg.
    #[serde(default)]
    pub weight_kg: Option<Sp<RangeDef<Kg>>>,
    /// Some parcel's dead weight, kg.
    #[serde(default)]
    pub parcel_weight_kg: Option<Sp<RangeDef<Kg>>>,
    /// Some parcel's longest side, cm.
    #[serde(default)]
    pub longest_cm: Option<Sp<RangeDef<Cm>>>,
    /// Some parcel's volume, m³.
    #[serde(default)]
    pub volume_m3: Option<Sp<RangeDef<M3>>>,
    /// Number of parcels.
    #[serde(default)]
    pub parcels: Option<Sp<RangeDef<Dec<0>>>>,
    /// Declared value, AUD.
    #[serde(default)]
    pub declared_value: Option<Sp<RangeDef<Dollars>>>,
    #[serde(default)]
    pub dangerous_goods: Option<bool>,
    #[serde(default)]
    pub signature: Option<bool>,
    #[serde(default)]
    pub residential: Option<bool>,
    #[serde(default)]
    pub service_level: Option<LevelDef>,
    /// Sales channel is one of these.
    #[serde(default)]
    pub channel: Option<Vec<String>>,
    /// Some SKU of the order is one of these.
    #[serde(default)]
    pub sku: Option<Vec<String>>,
    /// Ship date falls on one of these days.
    #[serde(default)]
    pub weekday: Option<Vec<WeekdayDef>>,
    /// Ship date within these dates (inclusive).
    #[serde(default)]
    pub ship_date: Option<Sp<DateRangeDef>>,
    /// Destination postcode or range: `"0800"`, `"6000-6999"`.
    #[serde(default)]
    pub postcodes: Option<Vec<Sp<String>>>,
    #[serde(default)]
    pub state: Option<Vec<StateDef>>,
    #[serde(default)]
    pub suburb: Option<Vec<String>>,
    #[serde(default)]
    pub address_type: Option<Vec<AddressTypeDef>>,
    /// Destination inside this GeoJSON area (a file inside the config root).
    #[serde(default)]
    pub in_area: Option<Sp<String>>,
    /// Candidate option: great-circle km from its warehouse to the destination.
    #[serde(default)]
    pub distance_km: Option<Sp<RangeDef<Kg>>>,
    /// Candidate option: its carrier is one of these.
    #[serde(default)]
    pub carrier: Option<Vec<Sp<String>>>,
    /// Candidate option: its service (`carrier/service`) is one of these.
    #[serde(default)]
    pub service: Option<Vec<Sp<String>>>,
    /// Candidate option: its destination zone is one of these (zone names of any carrier).
    #[serde(default)]
    pub zone: Option<Vec<Sp<String>>>,
    /// Candidate option: invoice total incl. GST, AUD.
    #[serde(default)]
    pub price: Option<Sp<RangeDef<Dollars>>>,
    /// Candidate option: business days in transit.
    #[serde(default)]
    pub eta_days: Option<Sp<RangeDef<Dec<0>>>>,
    /// Candidate option: ships from one of these warehouses.
    #[serde(default)]
    pub from: Option<Vec<Sp<String>>>,
}

/// An example order and what the rules must make of it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseDef {
    pub name: Sp<String>,
    /// The order, in the quote request format (docs/formats.md).
    #[schemars(with = "serde_json::Value")]
    pub order: lpo_format::request::QuoteRequestJson,
    /// Ship date for the case (default: the order's, else 2026-11-26 so that cases never depend on today).
    #[serde(default)]
    pub date: Option<Day>,
    pub expect: ExpectDef,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectDef {
    /// The selected carrier.
    #[serde(default)]
    pub carrier: Option<Sp<String>>,
    /// The selected service (id within the carrier).
    #[serde(default)]
    pub service: Option<Sp<String>>,
    /// The selected warehouse.
    #[serde(default)]
    pub from: Option<String>,
    /// A rule that must have decided the outcome.
    #[serde(default)]
    pub rule: Option<Sp<String>>,
    /// Services that must be excluded, and by which rule.
    #[serde(default)]
    pub excluded: Vec<ExpectExcludedDef>,
    /// No service may take the order.
    #[serde(default)]
    pub unallocated: bool,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectExcludedDef {
    pub carrier: Sp<String>,
    /// Default: every service of the carrier.
    #[serde(default)]
    pub service: Option<String>,
    #[serde(default)]
    pub rule: Option<Sp<String>>,
}
