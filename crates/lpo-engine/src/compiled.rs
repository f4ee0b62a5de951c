//! The compiled configuration: ids interned to indices, postcodes in flat arrays, lanes in dense
//! matrices. Built by `lpo-config` after validation; read-only and shared across threads.

use rustc_hash::FxHashMap as HashMap;

use lpo_model::{AddressType, Bp, Cents, Date, ServiceLevel, State};

pub use crate::range::Range;
use crate::ruleset::Rule;
use crate::spatial::{PolygonIndex, WarehouseIndex};

/// "No zone" / "no lane" marker in the dense tables.
pub const NONE_U16: u16 = u16::MAX;
pub const NONE_U32: u32 = u32::MAX;

/// Number of four-digit postcodes (0000–9999).
pub const POSTCODES: usize = 10_000;

/// What is known of a postcode: its state and centroid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PostcodeInfo {
    /// The state of the postcode's first row in the table (its main state).
    pub state: State,
    /// Every state its localities lie in: several for postcodes across a border (2620 is ACT
    /// and NSW, which includes Queanbeyan).
    pub states: States,
    pub lat: f64,
    pub lon: f64,
}

/// A set of states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct States(u8);

impl States {
    fn bit(s: State) -> u8 {
        1 << (s as u8)
    }

    pub fn insert(&mut self, s: State) {
        self.0 |= States::bit(s);
    }

    pub fn contains(self, s: State) -> bool {
        self.0 & States::bit(s) != 0
    }

    /// In the order of [`State::ALL`].
    pub fn iter(self) -> impl Iterator<Item = State> {
        State::ALL.into_iter().filter(move |&s| self.contains(s))
    }
}

impl std::fmt::Display for States {
    /// `VIC`, `NSW or ACT`, `SA, WA or NT` (in the order of [`State::ALL`]).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.iter().map(State::as_str).collect();
        match names.split_last() {
            None => Ok(()),
            Some((last, [])) => f.write_str(last),
            Some((last, rest)) => write!(f, "{} or {last}", rest.join(", ")),
        }
    }
}

/// A locality of a postcode.
#[derive(Debug, Clone, PartialEq)]
pub struct Locality {
    /// Upper-cased name.
    pub name: Box<str>,
    /// (lat, lon).
    pub point: (f64, f64),
    pub state: State,
}

/// Localities of one postcode.
pub type Localities = Vec<Locality>;

/// O(1) postcode lookups and suburb centroids.
#[derive(Debug, Clone)]
pub struct PostcodeIndex {
    by_code: Vec<Option<PostcodeInfo>>,
    /// Localities per postcode.
    suburbs: HashMap<u16, Localities>,
}

impl PostcodeIndex {
    /// From (postcode, upper-cased locality, state, lat, lon) rows; a postcode's centroid is the
    /// mean of its rows' coordinates. A name that appears twice in one postcode and state is
    /// kept once (its first row); in two states (4380 MINGOOLA is in NSW and QLD), once each.
    pub fn new(rows: &[(u16, String, State, f64, f64)]) -> PostcodeIndex {
        let mut sums: Vec<(f64, f64, u32, Option<State>, States)> =
            vec![(0.0, 0.0, 0, None, States::default()); POSTCODES];
        let mut suburbs: HashMap<u16, Localities> = HashMap::default();
        for (pc, name, state, lat, lon) in rows {
            if let Some(s) = sums.get_mut(usize::from(*pc)) {
                s.0 += lat;
                s.1 += lon;
                s.2 += 1;
                s.3.get_or_insert(*state);
                s.4.insert(*state);
            }
            let list = suburbs.entry(*pc).or_default();
            if !list.iter().any(|l| *l.name == **name && l.state == *state) {
                list.push(Locality {
                    name: name.clone().into_boxed_str(),
                    point: (*lat, *lon),
                    state: *state,
                });
            }
        }
        let by_code = sums
            .into_iter()
            .map(|(la, lo, n, st, states)| {
                st.map(|state| PostcodeInfo {
                    state,
                    states,
                    lat: la / f64::from(n),
                    lon: lo / f64::from(n),
                })
            })
            .collect();
        PostcodeIndex { by_code, suburbs }
    }

    pub fn get(&self, postcode: u16) -> Option<&PostcodeInfo> {
        self.by_code
            .get(usize::from(postcode))
            .and_then(Option::as_ref)
    }

    /// A locality of a postcode by name (compared upper-cased). When the name stands in two
    /// states, the one in `state` if given, else the first.
    pub fn locality(&self, postcode: u16, suburb: &str, state: Option<State>) -> Option<&Locality> {
        let mut named = self
            .suburbs
            .get(&postcode)?
            .iter()
            .filter(|l| l.name.eq_ignore_ascii_case(suburb));
        let first = named.next()?;
        if state.is_none_or(|s| s == first.state) {
            return Some(first);
        }
        Some(named.find(|l| Some(l.state) == state).unwrap_or(first))
    }

    /// Every (postcode, info) known, in postcode order.
    pub fn iter(&self) -> impl Iterator<Item = (u16, &PostcodeInfo)> {
        self.by_code
            .iter()
            .enumerate()
            .filter_map(|(i, p)| Some((u16::try_from(i).ok()?, p.as_ref()?)))
    }

    pub fn suburbs_of(&self, postcode: u16) -> &[Locality] {
        self.suburbs.get(&postcode).map_or(&[], Vec::as_slice)
    }
}

/// A carrier's zones: suburb overrides, then polygons, then postcodes (exact over ranges, resolved
/// at compile time into one flat array).
#[derive(Debug, Clone)]
pub struct ZoneMap {
    pub names: Vec<String>,
    /// Zone per postcode, `NONE_U16` when not serviced. Length [`POSTCODES`].
    pub by_postcode: Vec<u16>,
    /// Suburb + postcode overrides: upper-cased suburb and zone, per postcode.
    pub by_suburb: HashMap<u16, Vec<(Box<str>, u16)>>,
    pub polygons: PolygonIndex,
}

impl ZoneMap {
    /// The zone of a place, or `None` when the carrier does not serve it.
    pub fn zone_of(
        &self,
        postcode: u16,
        suburb: Option<&str>,
        point: Option<(f64, f64)>,
    ) -> Option<u16> {
        if let (Some(s), false) = (suburb, self.by_suburb.is_empty())
            && let Some(z) = self
                .by_suburb
                .get(&postcode)
                .and_then(|l| l.iter().find(|(n, _)| n.eq_ignore_ascii_case(s)))
        {
            return Some(z.1);
        }
        if !self.polygons.is_empty()
            && let Some((lat, lon)) = point
            && let Some(z) = self.polygons.locate(lat, lon)
        {
            return Some(z);
        }
        match self.by_postcode.get(usize::from(postcode)) {
            Some(&z) if z != NONE_U16 => Some(z),
            _ => None,
        }
    }

    pub fn name(&self, zone: u16) -> &str {
        self.names
            .get(usize::from(zone))
            .map_or("?", String::as_str)
    }
}

/// A dated percentage series; the entry with the latest `from` on or before a date applies.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series(pub Vec<(Date, Bp)>);

impl Series {
    /// Percentage in force on `date` (entries sorted by date), zero before the first.
    #[inline]
    pub fn at(&self, date: Date) -> Bp {
        let i = self.0.partition_point(|(d, _)| *d <= date);
        i.checked_sub(1)
            .and_then(|i| self.0.get(i))
            .map_or(Bp(0), |e| e.1)
    }
}

/// A fuel levy: a default series and series for some destination zones.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fuel {
    pub series: Series,
    /// (zones, series): the first whose zones contain the destination zone wins.
    pub by_zone: Vec<(Vec<u16>, Series)>,
}

impl Fuel {
    #[inline]
    pub fn pct(&self, date: Date, zone: u16) -> Bp {
        self.by_zone
            .iter()
            .find(|(zones, _)| zones.contains(&zone))
            .map_or(&self.series, |(_, s)| s)
            .at(date)
    }
}

/// Per-item measures a condition can test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemMeasure {
    /// Dead weight, grams.
    WeightG,
    LongestMm,
    MiddleMm,
    ShortestMm,
    GirthMm,
    VolumeMm3,
    /// Cubic weight with the service's factor, grams.
    CubicG,
}

/// A compiled surcharge condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    Item(ItemMeasure, Range),
    /// Sorted sides (mm) of a box the item must not fit in.
    ExceedsBox([u32; 3]),
    ConsignmentG(Range),
    Items(Range),
    DeclaredCents(Range),
    AddressTypes(Vec<AddressType>),
    Residential(bool),
    Signature(bool),
    DangerousGoods(bool),
    ServiceLevel(ServiceLevel),
    Zones(Vec<u16>),
    /// Inclusive postcode ranges.
    Postcodes(Vec<(u16, u16)>),
    /// Postcode → suburbs (upper-cased; an empty list means the whole postcode).
    Destinations(HashMap<u16, Vec<Box<str>>>),
}

impl Cond {
    pub fn is_item_level(&self) -> bool {
        matches!(self, Cond::Item(..) | Cond::ExceedsBox(_))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Per {
    Item,
    Consignment,
    LargestItem,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amount {
    Fixed(Cents),
    PctOfBase(Bp),
    /// Cents per chargeable kg.
    PerKg(Cents),
    /// Extra cover: `ceil((declared − free) / step) × amount` above `free`.
    PerValue {
        free: Cents,
        step: Cents,
        amount: Cents,
    },
}

/// A conditional fee.
#[derive(Debug, Clone, PartialEq)]
pub struct Surcharge {
    pub id: String,
    pub carrier: u16,
    pub per: Per,
    pub amount: Amount,
    pub fuel_bearing: bool,
    /// Every one must hold.
    pub all: Vec<Cond>,
    /// When not empty, at least one of these sets must hold in full.
    pub any: Vec<Vec<Cond>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PricingUnit {
    Consignment,
    Item,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateKind {
    WeightBands,
    SizeTiers,
    DistanceBands,
}

/// Cubic weight rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cubic {
    /// kg per m³.
    pub factor: u32,
    /// Only items heavier than this (dead, grams) are cubed.
    pub above_g: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub max_item_g: Option<u32>,
    pub max_length_mm: Option<u32>,
    pub max_volume_mm3: Option<u64>,
    pub max_consignment_g: Option<u64>,
    pub max_items: Option<u32>,
    pub address_types: Vec<AddressType>,
    pub dangerous_goods: bool,
}

/// One rate row: a weight band (and distance band or size tier) with its price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Band {
    /// Over this chargeable weight (grams)…
    pub min_g: u64,
    /// …up to and including this.
    pub max_g: u64,
    /// Size tiers: the tier's volume limit in mm³ (`u64::MAX` otherwise).
    pub max_mm3: u64,
    /// Distance bands in metres: over `min_m` (or from 0 when `min_m` is 0) up to `max_m`.
    pub min_m: u64,
    pub max_m: u64,
    pub basic: Cents,
    /// Cents per chargeable kg.
    pub per_kg: Cents,
    pub min_charge: Cents,
}

/// A lane (origin zone → destination zone) of a rate table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lane {
    pub eta_days: u8,
    pub bands: Vec<Band>,
}

/// A dated rate table with a dense origin × destination lane matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateTable {
    pub from: Option<Date>,
    pub to: Option<Date>,
    /// Number of carrier zones; `matrix[o * zones + d]` is the lane index or `NONE_U32`.
    pub zones: usize,
    pub matrix: Vec<u32>,
    pub lanes: Vec<Lane>,
}

impl RateTable {
    #[inline]
    pub fn lane(&self, origin: u16, dest: u16) -> Option<&Lane> {
        let i = usize::from(origin) * self.zones + usize::from(dest);
        match self.matrix.get(i) {
            Some(&l) if l != NONE_U32 => self.lanes.get(l as usize),
            _ => None,
        }
    }

    #[inline]
    pub fn covers(&self, date: Date) -> bool {
        self.from.is_none_or(|f| f <= date) && self.to.is_none_or(|t| date <= t)
    }
}

/// A carrier service, ready to price.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub id: String,
    pub name: String,
    pub carrier: u16,
    pub enabled: bool,
    pub level: ServiceLevel,
    pub effective_from: Option<Date>,
    pub effective_to: Option<Date>,
    pub cubic: Option<Cubic>,
    /// Chargeable weight rounded up to a multiple of this many grams (0: no rounding).
    pub round_up_g: u32,
    pub pricing: PricingUnit,
    pub limits: Limits,
    pub rate_kind: RateKind,
    pub tables: Vec<RateTable>,
    /// Indices into [`Engine::surcharges`].
    pub surcharges: Vec<u32>,
    pub fuel: Fuel,
    /// The `disable` rule that switches this service off, if any.
    pub disabled_by_rule: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct Carrier {
    pub id: String,
    pub name: String,
    pub enabled: bool,
    pub zones: ZoneMap,
    /// Origin zone of each warehouse for this carrier (`None`: cannot ship from there).
    pub origin_zone: Vec<Option<u16>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Warehouse {
    pub id: String,
    pub name: String,
    pub postcode: u16,
    pub lat: f64,
    pub lon: f64,
}

/// What an order that names no warehouse may ship from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefaultFrom {
    Warehouses(Vec<u16>),
    Nearest,
}

/// The whole compiled configuration.
#[derive(Debug, Clone)]
pub struct Engine {
    /// A hash of every configuration byte that went into this engine.
    pub version: String,
    pub gst: Bp,
    pub postcodes: PostcodeIndex,
    /// Sorted by id.
    pub warehouses: Vec<Warehouse>,
    pub warehouse_index: WarehouseIndex,
    pub default_from: DefaultFrom,
    /// Sorted by id.
    pub carriers: Vec<Carrier>,
    /// Sorted by (carrier id, service id), so index order is the tie-break order.
    pub services: Vec<Service>,
    pub surcharges: Vec<Surcharge>,
    /// Business rules in evaluation order.
    pub rules: Vec<Rule>,
    /// Whether any rule tests the distance from the warehouse (then it is computed for every option).
    pub rules_use_distance: bool,
    /// Per service, the rules that could act on its options (see [`Engine::set_rules`]).
    pub rules_by_service: Vec<Vec<u32>>,
    /// Rules with a `set` action, in rule order.
    pub setting_rules: Vec<u32>,
}

impl Engine {
    pub fn carrier_of(&self, service: u32) -> Option<&Carrier> {
        let s = self.services.get(service as usize)?;
        self.carriers.get(usize::from(s.carrier))
    }

    pub fn service(&self, service: u32) -> Option<&Service> {
        self.services.get(service as usize)
    }

    pub fn warehouse_id(&self, w: u16) -> &str {
        self.warehouses
            .get(usize::from(w))
            .map_or("?", |w| w.id.as_str())
    }

    pub fn warehouse_by_id(&self, id: &str) -> Option<u16> {
        self.warehouses
            .iter()
            .position(|w| w.id == id)
            .and_then(|i| u16::try_from(i).ok())
    }

    /// (carrier id, service id) of a service index.
    pub fn service_ids(&self, service: u32) -> (&str, &str) {
        match (self.carrier_of(service), self.service(service)) {
            (Some(c), Some(s)) => (c.id.as_str(), s.id.as_str()),
            _ => ("?", "?"),
        }
    }

    pub fn zone_name(&self, service: u32, zone: u16) -> &str {
        self.carrier_of(service).map_or("?", |c| c.zones.name(zone))
    }

    pub fn surcharge_id(&self, surcharge: u32) -> &str {
        self.surcharges
            .get(surcharge as usize)
            .map_or("?", |s| s.id.as_str())
    }

    /// Index of a service by carrier id and service id.
    pub fn service_by_ids(&self, carrier: &str, service: &str) -> Option<u32> {
        let i = self.services.iter().position(|s| {
            s.id == service
                && self
                    .carriers
                    .get(usize::from(s.carrier))
                    .is_some_and(|c| c.id == carrier)
        })?;
        u32::try_from(i).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_picks_latest_on_or_before() {
        let d = |s: &str| s.parse::<Date>().unwrap_or(Date::from_days(0));
        let s = Series(vec![(d("2026-07-01"), Bp(790)), (d("2026-11-01"), Bp(840))]);
        assert_eq!(s.at(d("2026-06-30")), Bp(0));
        assert_eq!(s.at(d("2026-07-01")), Bp(790));
        assert_eq!(s.at(d("2026-10-31")), Bp(790));
        assert_eq!(s.at(d("2026-11-01")), Bp(840));
    }
}
