//! Pricing one order on one service from one warehouse, exactly, in cents.
//! The arithmetic follows `docs/rate-cards.md` ("How a price is computed") step by step.

use lpo_model::{
    Bp, Cents, Order, Parcel, QuoteOption, ReasonCode, div_round_half_away, div_round_half_away_i64,
};

use crate::compiled::{
    Amount, Band, Cond, Engine, ItemMeasure, Lane, Per, PricingUnit, RateKind, Service,
};

/// Where the order goes and what was resolved for it, shared by every service.
pub(crate) struct Ctx<'a> {
    pub order: &'a Order,
    pub date: lpo_model::Date,
    pub explain: bool,
}

/// Why an option could not be priced.
pub(crate) type Fail = (ReasonCode, String);

/// Cubic weight of an item in grams, rounded up to the gram: L×W×H (m³) × factor (kg/m³).
pub(crate) fn cubic_g(p: &Parcel, factor: u32) -> u64 {
    (p.volume_mm3() * u64::from(factor)).div_ceil(1_000_000)
}

/// Chargeable weight of one item on a service, before the service's rounding.
pub(crate) fn item_chargeable_g(svc: &Service, p: &Parcel) -> u64 {
    let dead = u64::from(p.weight_g);
    if svc.rate_kind == RateKind::SizeTiers {
        return dead;
    }
    match svc.cubic {
        Some(c) if c.above_g.is_none_or(|a| p.weight_g > a) => dead.max(cubic_g(p, c.factor)),
        _ => dead,
    }
}

fn round_up(g: u64, step: u32) -> u64 {
    if step == 0 {
        g
    } else {
        g.div_ceil(u64::from(step)) * u64::from(step)
    }
}

/// Formats grams as kg without trailing zeros: 27500 → "27.5 kg".
pub(crate) fn kg(g: u64) -> String {
    let s = format!("{}.{:03}", g / 1000, g % 1000);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s} kg")
}

/// `cents × grams / 1000`, rounded half away from zero.
fn mul_div_1000(cents: i64, g: u64) -> i64 {
    match i64::try_from(g).ok().and_then(|g| cents.checked_mul(g)) {
        Some(n) => div_round_half_away_i64(n, 1000),
        None => div_round_half_away(i128::from(cents) * i128::from(g), 1000),
    }
}

fn unit_price(band: &Band, g: u64) -> Cents {
    let per_kg = mul_div_1000(band.per_kg.0, g);
    Cents(band.basic.0 + per_kg).max(band.min_charge)
}

fn find_band(lane: &Lane, g: u64, distance_m: Option<u64>) -> Result<&Band, Fail> {
    let in_distance = |b: &Band| {
        distance_m.is_none_or(|d| (d > b.min_m || (b.min_m == 0 && d == 0)) && d <= b.max_m)
    };
    if let Some(d) = distance_m
        && !lane.bands.iter().any(&in_distance)
    {
        let max = lane.bands.iter().map(|b| b.max_m).max().unwrap_or(0);
        return Err((
            ReasonCode::TooFar,
            format!(
                "{:.1} km from the warehouse, the rate card stops at {:.1} km",
                d as f64 / 1000.0,
                max as f64 / 1000.0
            ),
        ));
    }
    lane.bands
        .iter()
        .find(|b| in_distance(b) && g > b.min_g && g <= b.max_g)
        .ok_or_else(|| {
            let max = lane
                .bands
                .iter()
                .filter(|b| in_distance(b))
                .map(|b| b.max_g)
                .max()
                .unwrap_or(0);
            (
                ReasonCode::NoRateBand,
                format!("chargeable {}, the rate card stops at {}", kg(g), kg(max)),
            )
        })
}

fn measure(svc: &Service, p: &Parcel, m: ItemMeasure) -> i64 {
    let v: u64 = match m {
        ItemMeasure::WeightG => u64::from(p.weight_g),
        ItemMeasure::LongestMm => u64::from(p.dims_mm[0]),
        ItemMeasure::MiddleMm => u64::from(p.dims_mm[1]),
        ItemMeasure::ShortestMm => u64::from(p.dims_mm[2]),
        ItemMeasure::GirthMm => u64::from(p.girth_mm()),
        ItemMeasure::VolumeMm3 => p.volume_mm3(),
        ItemMeasure::CubicG => svc.cubic.map_or(0, |c| cubic_g(p, c.factor)),
    };
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn holds(c: &Cond, svc: &Service, ctx: &Ctx<'_>, zone: u16, item: &Parcel) -> bool {
    let o = ctx.order;
    match c {
        Cond::Item(m, r) => r.contains(measure(svc, item, *m)),
        Cond::ExceedsBox(b) => item.dims_mm.iter().zip(b).any(|(d, b)| d > b),
        Cond::ConsignmentG(r) => r.contains(i64::try_from(o.total_weight_g()).unwrap_or(i64::MAX)),
        Cond::Items(r) => r.contains(o.parcels.len() as i64),
        Cond::DeclaredCents(r) => r.contains(o.declared_value.map_or(0, |c| c.0)),
        Cond::AddressTypes(v) => v.contains(&o.to.address_type),
        Cond::Residential(b) => o.to.residential == *b,
        Cond::Signature(b) => o.signature == *b,
        Cond::DangerousGoods(b) => o.dangerous_goods == *b,
        Cond::ServiceLevel(l) => o.service_level == *l,
        Cond::Zones(z) => z.contains(&zone),
        Cond::Postcodes(r) => r.iter().any(|&(a, b)| (a..=b).contains(&o.to.postcode)),
        Cond::Destinations(m) => m.get(&o.to.postcode).is_some_and(|subs| {
            subs.is_empty()
                || o.to
                    .suburb
                    .as_deref()
                    .is_some_and(|s| subs.iter().any(|x| x.eq_ignore_ascii_case(s)))
        }),
    }
}

/// A surcharge line as far as it can be worked out before the lane is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pending {
    Fixed(Cents),
    PctOfBase(Bp),
}

/// What pricing an order on one service needs, whatever the warehouse: chargeable weights and
/// the surcharges that apply. Reused across orders (its vectors keep their capacity).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Prep {
    /// Chargeable grams of each priced unit (one per item, or one for the consignment).
    pub units: Vec<u64>,
    /// Total chargeable grams (the sum of `units`).
    pub chargeable_g: u64,
    /// (surcharge index, amount, fuel-bearing), in surcharge order.
    pub surcharges: Vec<(u32, Pending, bool)>,
}

/// Fills `prep` for `order` on `svc` (step 1 and the lane-independent part of step 3).
pub(crate) fn prepare(engine: &Engine, svc: &Service, ctx: &Ctx<'_>, zone: u16, prep: &mut Prep) {
    let order = ctx.order;
    let parcels = &order.parcels;
    prep.units.clear();
    prep.surcharges.clear();
    match (svc.rate_kind, svc.pricing) {
        (RateKind::SizeTiers, _) => prep
            .units
            .extend(parcels.iter().map(|p| u64::from(p.weight_g))),
        (_, PricingUnit::Consignment) => {
            prep.units.push(round_up(
                parcels.iter().map(|p| item_chargeable_g(svc, p)).sum(),
                svc.round_up_g,
            ));
        }
        (_, PricingUnit::Item) => {
            prep.units.extend(
                parcels
                    .iter()
                    .map(|p| round_up(item_chargeable_g(svc, p), svc.round_up_g)),
            );
        }
    }
    prep.chargeable_g = prep.units.iter().sum();
    let chargeable_g = prep.chargeable_g;
    for &si in &svc.surcharges {
        let Some(s) = engine.surcharges.get(si as usize) else {
            continue;
        };
        let applies = |p: &Parcel| {
            s.all.iter().all(|c| holds(c, svc, ctx, zone, p))
                && (s.any.is_empty()
                    || s.any
                        .iter()
                        .any(|set| set.iter().all(|c| holds(c, svc, ctx, zone, p))))
        };
        let amount_for = |unit_g: u64| -> Pending {
            match s.amount {
                Amount::Fixed(c) => Pending::Fixed(c),
                Amount::PctOfBase(bp) => Pending::PctOfBase(bp),
                Amount::PerKg(c) => Pending::Fixed(Cents(mul_div_1000(c.0, unit_g))),
                Amount::PerValue { free, step, amount } => {
                    let declared = order.declared_value.unwrap_or(Cents::ZERO);
                    if declared <= free || step.0 <= 0 {
                        Pending::Fixed(Cents::ZERO)
                    } else {
                        let steps = (declared.0 - free.0 + step.0 - 1) / step.0;
                        Pending::Fixed(Cents(steps.saturating_mul(amount.0)))
                    }
                }
            }
        };
        // An item's chargeable weight; rounded only where items are priced one by one (with
        // consignment pricing the rounding applies to the consignment, not to each item).
        let item_g = |p: &Parcel| match svc.pricing {
            PricingUnit::Item => round_up(item_chargeable_g(svc, p), svc.round_up_g),
            PricingUnit::Consignment => item_chargeable_g(svc, p),
        };
        let pending = match s.per {
            Per::Item => {
                // Per-item amounts are fixed or per kg (pct_of_base is consignment-only).
                let sum: i64 = parcels
                    .iter()
                    .filter(|p| applies(p))
                    .map(|p| match amount_for(item_g(p)) {
                        Pending::Fixed(c) => c.0,
                        Pending::PctOfBase(_) => 0,
                    })
                    .sum();
                Pending::Fixed(Cents(sum))
            }
            Per::Consignment => {
                if parcels.iter().any(applies) {
                    amount_for(chargeable_g)
                } else {
                    Pending::Fixed(Cents::ZERO)
                }
            }
            Per::LargestItem => {
                let largest = parcels.iter().max_by(|a, b| {
                    a.weight_g
                        .cmp(&b.weight_g)
                        .then(a.volume_mm3().cmp(&b.volume_mm3()))
                        .then(b.dims_mm.cmp(&a.dims_mm))
                });
                match largest {
                    Some(p) if applies(p) => amount_for(item_g(p)),
                    _ => Pending::Fixed(Cents::ZERO),
                }
            }
        };
        if pending != Pending::Fixed(Cents::ZERO) && pending != Pending::PctOfBase(Bp(0)) {
            prep.surcharges.push((si, pending, s.fuel_bearing));
        }
    }
}

/// Prices a prepared order along `lane` from `warehouse` (steps 2–6); surcharge lines are
/// appended to `lines` and the option refers to them by range.
#[allow(clippy::too_many_arguments)]
pub(crate) fn price(
    svc: &Service,
    prep: &Prep,
    lane: &Lane,
    ctx: &Ctx<'_>,
    gst: Bp,
    key: (u32, u16, u16),
    distance_m: Option<u64>,
    lines: &mut Vec<(u32, Cents)>,
) -> Result<QuoteOption, Fail> {
    let (service, warehouse, zone) = key;
    // 2. Base.
    let mut base = Cents::ZERO;
    if svc.rate_kind == RateKind::SizeTiers {
        for (i, p) in ctx.order.parcels.iter().enumerate() {
            let g = u64::from(p.weight_g);
            let vol = p.volume_mm3();
            let tier = lane
                .bands
                .iter()
                .find(|b| g <= b.max_g && vol <= b.max_mm3)
                .ok_or_else(|| {
                    let detail = if ctx.explain {
                        format!(
                            "item {} ({}, {:.1} L) fits no size tier",
                            i + 1,
                            kg(g),
                            vol as f64 / 1e6
                        )
                    } else {
                        String::new()
                    };
                    (ReasonCode::NoRateBand, detail)
                })?;
            base += unit_price(tier, g);
        }
    } else {
        for &g in &prep.units {
            base += unit_price(find_band(lane, g, distance_m)?, g);
        }
    }
    // 3. Surcharge lines.
    let start = lines.len() as u32;
    let mut surcharges = Cents::ZERO;
    let mut fuel_bearing = base;
    for &(si, pending, fuel) in &prep.surcharges {
        let amount = match pending {
            Pending::Fixed(c) => c,
            Pending::PctOfBase(bp) => base.pct(bp),
        };
        if amount == Cents::ZERO {
            continue;
        }
        lines.push((si, amount));
        surcharges += amount;
        if fuel {
            fuel_bearing += amount;
        }
    }
    // 4–6. Fuel, GST, total.
    let fuel = fuel_bearing.pct(svc.fuel.pct(ctx.date, zone));
    let gst = (base + surcharges + fuel).pct(gst);
    let total = base + surcharges + fuel + gst;
    Ok(QuoteOption {
        service,
        warehouse,
        zone,
        chargeable_g: prep.chargeable_g,
        eta_days: lane.eta_days,
        base,
        surcharges,
        surcharge_lines: start..lines.len() as u32,
        fuel,
        gst,
        total,
        score: total,
        preference: u32::MAX,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cubic_weight_rounds_up_to_the_gram() {
        // 30×30×30 cm = 0.027 m³ × 250 = 6.75 kg.
        let p = Parcel::new(1000, 300, 300, 300);
        assert_eq!(cubic_g(&p, 250), 6750);
        // 10.1×10×10 cm = 0.00101 m³ × 333 = 0.33633 kg → 337 g (rounded up).
        let p = Parcel::new(100, 101, 100, 100);
        assert_eq!(cubic_g(&p, 333), 337);
    }

    #[test]
    fn kg_formatting() {
        assert_eq!(kg(27_500), "27.5 kg");
        assert_eq!(kg(25_000), "25 kg");
        assert_eq!(kg(250), "0.25 kg");
    }
}
