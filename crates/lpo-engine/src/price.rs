//! Pricing one order on one service from one warehouse, exactly, in cents.
//! The arithmetic follows `docs/rate-cards.md` ("How a price is computed") step by step.

use lpo_model::{Cents, Order, Parcel, QuoteOption, ReasonCode, div_round_half_away};

use crate::compiled::{Amount, Band, Cond, Engine, ItemMeasure, Lane, Per, PricingUnit, RateKind, Service};

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
    if step == 0 { g } else { g.div_ceil(u64::from(step)) * u64::from(step) }
}

/// Formats grams as kg without trailing zeros: 27500 → "27.5 kg".
pub(crate) fn kg(g: u64) -> String {
    let s = format!("{}.{:03}", g / 1000, g % 1000);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s} kg")
}

fn unit_price(band: &Band, g: u64) -> Cents {
    let per_kg = div_round_half_away(i128::from(band.per_kg.0) * i128::from(g), 1000);
    Cents(band.basic.0 + per_kg).max(band.min_charge)
}

fn find_band(lane: &Lane, g: u64, distance_m: Option<u64>) -> Result<&Band, Fail> {
    let in_distance = |b: &Band| {
        distance_m.is_none_or(|d| (d > b.min_m || (b.min_m == 0 && d == 0)) && d <= b.max_m)
    };
    if let Some(d) = distance_m
        && !lane.bands.iter().any(|b| in_distance(b))
    {
        let max = lane.bands.iter().map(|b| b.max_m).max().unwrap_or(0);
        return Err((
            ReasonCode::TooFar,
            format!("{:.1} km from the warehouse, the rate card stops at {:.1} km", d as f64 / 1000.0, max as f64 / 1000.0),
        ));
    }
    lane.bands
        .iter()
        .find(|b| in_distance(b) && g > b.min_g && g <= b.max_g)
        .ok_or_else(|| {
            let max = lane.bands.iter().filter(|b| in_distance(b)).map(|b| b.max_g).max().unwrap_or(0);
            (ReasonCode::NoRateBand, format!("chargeable {}, the rate card stops at {}", kg(g), kg(max)))
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
            subs.is_empty() || o.to.suburb.as_deref().is_some_and(|s| subs.iter().any(|x| x.eq_ignore_ascii_case(s)))
        }),
    }
}

/// Prices one order on `svc` (index `service`) along `lane`; `distance_m` is set for
/// distance-priced services.
#[allow(clippy::too_many_arguments)]
pub(crate) fn price(
    engine: &Engine,
    service: u32,
    svc: &Service,
    lane: &Lane,
    ctx: &Ctx<'_>,
    warehouse: u16,
    zone: u16,
    distance_m: Option<u64>,
) -> Result<QuoteOption, Fail> {
    let order = ctx.order;
    let parcels = &order.parcels;
    // 1–2. Chargeable weight and base.
    let (base, chargeable_g) = match (svc.rate_kind, svc.pricing) {
        (RateKind::SizeTiers, _) => {
            let mut base = Cents::ZERO;
            let mut total_g = 0;
            for (i, p) in parcels.iter().enumerate() {
                let g = u64::from(p.weight_g);
                let vol = p.volume_mm3();
                let tier = lane.bands.iter().find(|b| g <= b.max_g && vol <= b.max_mm3).ok_or_else(|| {
                    (
                        ReasonCode::NoRateBand,
                        if ctx.explain {
                            format!("item {} ({}, {:.1} L) fits no size tier", i + 1, kg(g), vol as f64 / 1e6)
                        } else {
                            String::new()
                        },
                    )
                })?;
                base += unit_price(tier, g);
                total_g += g;
            }
            (base, total_g)
        }
        (_, PricingUnit::Consignment) => {
            let g = round_up(parcels.iter().map(|p| item_chargeable_g(svc, p)).sum(), svc.round_up_g);
            (unit_price(find_band(lane, g, distance_m)?, g), g)
        }
        (_, PricingUnit::Item) => {
            let mut base = Cents::ZERO;
            let mut total_g = 0;
            for p in parcels {
                let g = round_up(item_chargeable_g(svc, p), svc.round_up_g);
                base += unit_price(find_band(lane, g, distance_m)?, g);
                total_g += g;
            }
            (base, total_g)
        }
    };

    // 3. Surcharges, one line each.
    let mut surcharges = Vec::new();
    let mut fuel_bearing = base;
    for &si in &svc.surcharges {
        let Some(s) = engine.surcharges.get(si as usize) else { continue };
        let applies = |p: &Parcel| {
            s.all.iter().all(|c| holds(c, svc, ctx, zone, p))
                && (s.any.is_empty() || s.any.iter().any(|set| set.iter().all(|c| holds(c, svc, ctx, zone, p))))
        };
        let amount_for = |unit_g: u64| -> Cents {
            match s.amount {
                Amount::Fixed(c) => c,
                Amount::PctOfBase(bp) => base.pct(bp),
                Amount::PerKg(c) => Cents(div_round_half_away(i128::from(c.0) * i128::from(unit_g), 1000)),
                Amount::PerValue { free, step, amount } => {
                    let declared = order.declared_value.unwrap_or(Cents::ZERO);
                    if declared <= free || step.0 <= 0 {
                        Cents::ZERO
                    } else {
                        let steps = (declared.0 - free.0 + step.0 - 1) / step.0;
                        Cents(steps * amount.0)
                    }
                }
            }
        };
        let line: Cents = match s.per {
            Per::Item => parcels
                .iter()
                .filter(|p| applies(p))
                .map(|p| amount_for(round_up(item_chargeable_g(svc, p), svc.round_up_g)))
                .sum(),
            Per::Consignment => {
                if parcels.iter().any(applies) { amount_for(chargeable_g) } else { Cents::ZERO }
            }
            Per::LargestItem => {
                let largest = parcels.iter().max_by(|a, b| {
                    a.weight_g.cmp(&b.weight_g).then(a.volume_mm3().cmp(&b.volume_mm3())).then(b.dims_mm.cmp(&a.dims_mm))
                });
                match largest {
                    Some(p) if applies(p) => amount_for(round_up(item_chargeable_g(svc, p), svc.round_up_g)),
                    _ => Cents::ZERO,
                }
            }
        };
        if line != Cents::ZERO {
            if s.fuel_bearing {
                fuel_bearing += line;
            }
            surcharges.push((si, line));
        }
    }
    let surcharge_total: Cents = surcharges.iter().map(|&(_, c)| c).sum();

    // 4–6. Fuel, GST, total.
    let fuel = fuel_bearing.pct(svc.fuel.pct(ctx.date, zone));
    let gst = (base + surcharge_total + fuel).pct(engine.gst);
    let total = base + surcharge_total + fuel + gst;
    Ok(QuoteOption {
        service,
        warehouse,
        zone,
        chargeable_g,
        eta_days: lane.eta_days,
        base,
        surcharges,
        fuel,
        gst,
        total,
        score: total,
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
