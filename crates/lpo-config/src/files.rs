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
        true
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
