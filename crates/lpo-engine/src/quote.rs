//! Quoting an order: every (warehouse, service) priced or excluded with a reason, then ranked.

use std::fmt;

use lpo_model::{
    Cents, Date, Exclusion, Line, Order, QuoteOption, ReasonCode, ServiceLevel, Strategy,
};
use rayon::prelude::*;

use crate::compiled::{DefaultFrom, Engine, RateKind, Service};
use crate::price::{Ctx, Prep, kg, prepare, price};
use crate::spatial::haversine_m;

/// How to quote.
#[derive(Debug, Clone, Copy)]
pub struct QuoteRequest {
    pub strategy: Strategy,
    /// Ship date for orders that carry none.
    pub date: Date,
    /// Fill in human-readable details for exclusions (costs a little time).
    pub explain: bool,
}

/// An order the engine cannot quote at all (as opposed to one no service can take).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderError {
    /// The order field at fault, as named in the orders CSV.
    pub field: &'static str,
    pub code: &'static str,
    pub message: String,
}

impl fmt::Display for OrderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for OrderError {}

/// The answer for one order.
#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    pub date: Date,
    /// Warehouses considered.
    pub warehouses: Vec<u16>,
    /// Feasible options, best first under the strategy.
    pub options: Vec<QuoteOption>,
    /// Every (warehouse, service) that could not take the order.
    pub excluded: Vec<Exclusion>,
    /// The destination's zone for each carrier (`None`: not served).
    pub dest_zones: Vec<Option<u16>>,
    /// Surcharge lines (surcharge index, amount) of every option; an option's
    /// `surcharge_lines` is its range in here.
    pub surcharge_lines: Vec<(u32, Cents)>,
    prep: Prep,
}

impl Default for Quote {
    fn default() -> Quote {
        Quote {
            date: Date::from_days(0),
            warehouses: Vec::new(),
            options: Vec::new(),
            excluded: Vec::new(),
            dest_zones: Vec::new(),
            surcharge_lines: Vec::new(),
            prep: Prep::default(),
        }
    }
}

impl Quote {
    pub fn selected(&self) -> Option<&QuoteOption> {
        self.options.first()
    }

    /// Invoice lines of an option in order: base, each surcharge, fuel, GST. They sum to its total.
    pub fn lines<'a>(&'a self, o: &'a QuoteOption) -> impl Iterator<Item = (Line, Cents)> + 'a {
        let surcharges = self
            .surcharge_lines
            .get(o.surcharge_lines.start as usize..o.surcharge_lines.end as usize);
        std::iter::once((Line::Base, o.base))
            .chain(
                surcharges
                    .unwrap_or(&[])
                    .iter()
                    .map(|&(i, c)| (Line::Surcharge(i), c)),
            )
            .chain([(Line::Fuel, o.fuel), (Line::Gst, o.gst)])
    }
}

fn limit_failure(svc: &Service, order: &Order, explain: bool) -> Option<(ReasonCode, String)> {
    let l = &svc.limits;
    let d = |f: &dyn Fn() -> String| if explain { f() } else { String::new() };
    if let Some(max) = l.max_items
        && order.parcels.len() > max as usize
    {
        return Some((
            ReasonCode::TooManyItems,
            d(&|| format!("{} items, limit {max}", order.parcels.len())),
        ));
    }
    for (i, p) in order.parcels.iter().enumerate() {
        let n = i + 1;
        if let Some(max) = l.max_item_g
            && p.weight_g > max
        {
            return Some((
                ReasonCode::TooHeavy,
                d(&|| {
                    format!(
                        "item {n} is {}, limit {}",
                        kg(p.weight_g.into()),
                        kg(max.into())
                    )
                }),
            ));
        }
        if let Some(max) = l.max_length_mm
            && p.longest_mm() > max
        {
            return Some((
                ReasonCode::TooLong,
                d(&|| {
                    format!(
                        "item {n} is {} cm long, limit {} cm",
                        p.longest_mm() as f64 / 10.0,
                        max as f64 / 10.0
                    )
                }),
            ));
        }
        if let Some(max) = l.max_volume_mm3
            && p.volume_mm3() > max
        {
            return Some((
                ReasonCode::TooBig,
                d(&|| {
                    format!(
                        "item {n} is {:.4} m³, limit {:.4} m³",
                        p.volume_mm3() as f64 / 1e9,
                        max as f64 / 1e9
                    )
                }),
            ));
        }
    }
    if let Some(max) = l.max_consignment_g
        && order.total_weight_g() > max
    {
        return Some((
            ReasonCode::ConsignmentTooHeavy,
            d(&|| {
                format!(
                    "consignment is {}, limit {}",
                    kg(order.total_weight_g()),
                    kg(max)
                )
            }),
        ));
    }
    if !l.address_types.contains(&order.to.address_type) {
        return Some((
            ReasonCode::AddressType,
            d(&|| format!("does not deliver to {} addresses", order.to.address_type)),
        ));
    }
    if order.dangerous_goods && !l.dangerous_goods {
        return Some((
            ReasonCode::DangerousGoods,
            d(&|| "does not carry dangerous goods".to_string()),
        ));
    }
    None
}

/// Ranks options best first: by the strategy's key, then score, days, carrier id, service id and
/// warehouse id (service and warehouse indices follow id order), so the result is a total order.
pub fn rank(options: &mut [QuoteOption], strategy: Strategy) {
    // (score, days, service, warehouse) packed into one integer, most significant first.
    let tie = |o: &QuoteOption| -> u128 {
        let score = (o.score.0 as u64) ^ (1 << 63); // order-preserving for negative scores
        (u128::from(score) << 64)
            | (u128::from(o.eta_days) << 56)
            | (u128::from(o.service) << 16)
            | u128::from(o.warehouse)
    };
    match strategy {
        Strategy::Cheapest => options.sort_unstable_by_key(tie),
        Strategy::Fastest => options.sort_unstable_by_key(|o| (o.eta_days, tie(o))),
        Strategy::BestValue { within_days } => {
            let fastest = options.iter().map(|o| o.eta_days).min().unwrap_or(0);
            let limit = fastest.saturating_add(within_days);
            options.sort_unstable_by_key(|o| (o.eta_days > limit, tie(o)));
        }
    }
}

impl Engine {
    /// Checks what the engine must know of an order before quoting it: the destination postcode
    /// (and its state, when given) and the named warehouses. Returns the warehouses to consider.
    pub fn resolve(&self, order: &Order) -> Result<Vec<u16>, OrderError> {
        let mut out = Vec::new();
        self.resolve_into(order, &mut out)?;
        Ok(out)
    }

    fn resolve_into(&self, order: &Order, out: &mut Vec<u16>) -> Result<(), OrderError> {
        out.clear();
        let to = &order.to;
        let info = self.postcodes.get(to.postcode).ok_or_else(|| OrderError {
            field: "to_postcode",
            code: "unknown_postcode",
            message: format!(
                "`{:04}` is not an Australian postcode in the postcode table",
                to.postcode
            ),
        })?;
        if let Some(st) = to.state
            && st != info.state
        {
            return Err(OrderError {
                field: "to_state",
                code: "state_mismatch",
                message: format!("postcode {:04} is in {}, not {st}", to.postcode, info.state),
            });
        }
        if order.parcels.is_empty() {
            return Err(OrderError {
                field: "parcels",
                code: "no_parcels",
                message: "the order has no parcels".into(),
            });
        }
        if order.from.is_empty() {
            match &self.default_from {
                DefaultFrom::Warehouses(w) => out.extend_from_slice(w),
                DefaultFrom::Nearest => {
                    let (lat, lon) = self
                        .destination_point(order)
                        .unwrap_or((info.lat, info.lon));
                    out.extend(self.warehouse_index.nearest(lat, lon));
                }
            }
            return Ok(());
        }
        for id in &order.from {
            let w = self.warehouse_by_id(id).ok_or_else(|| OrderError {
                field: "from",
                code: "unknown_warehouse",
                message: format!(
                    "unknown warehouse `{id}` (known: {})",
                    self.warehouses
                        .iter()
                        .map(|w| w.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })?;
            if !out.contains(&w) {
                out.push(w);
            }
        }
        out.sort_unstable();
        Ok(())
    }

    /// The destination point: exact coordinates, else the suburb's, else the postcode centroid.
    pub fn destination_point(&self, order: &Order) -> Option<(f64, f64)> {
        let to = &order.to;
        to.point
            .or_else(|| {
                to.suburb
                    .as_deref()
                    .and_then(|s| self.postcodes.suburb_point(to.postcode, s))
            })
            .or_else(|| self.postcodes.get(to.postcode).map(|p| (p.lat, p.lon)))
    }

    /// Prices `order` on every service from every candidate warehouse.
    pub fn quote(&self, order: &Order, req: &QuoteRequest) -> Result<Quote, OrderError> {
        let mut q = Quote::default();
        self.quote_into(order, req, &mut q)?;
        Ok(q)
    }

    /// Like [`Engine::quote`], reusing the buffers of `q` (for batches).
    pub fn quote_into(
        &self,
        order: &Order,
        req: &QuoteRequest,
        q: &mut Quote,
    ) -> Result<(), OrderError> {
        q.options.clear();
        q.excluded.clear();
        q.dest_zones.clear();
        q.surcharge_lines.clear();
        self.resolve_into(order, &mut q.warehouses)?;
        let date = order.ship_date.unwrap_or(req.date);
        q.date = date;
        let ctx = Ctx {
            order,
            date,
            explain: req.explain,
        };
        let point = self.destination_point(order);
        q.dest_zones.extend(self.carriers.iter().map(|c| {
            c.zones
                .zone_of(order.to.postcode, order.to.suburb.as_deref(), point)
        }));
        let Quote {
            warehouses,
            options,
            excluded,
            dest_zones,
            surcharge_lines,
            prep,
            ..
        } = q;
        let d = |f: &dyn Fn() -> String| if req.explain { f() } else { String::new() };
        let mut exclude =
            |service: u32, warehouse: Option<u16>, reason: ReasonCode, detail: String| {
                excluded.push(Exclusion {
                    service,
                    warehouse,
                    reason,
                    detail,
                });
            };
        for (si, svc) in self.services.iter().enumerate() {
            let service = si as u32;
            let Some(carrier) = self.carriers.get(usize::from(svc.carrier)) else {
                continue;
            };
            if !carrier.enabled {
                exclude(
                    service,
                    None,
                    ReasonCode::CarrierDisabled,
                    d(&|| format!("carrier `{}` is switched off", carrier.id)),
                );
                continue;
            }
            if !svc.enabled {
                exclude(
                    service,
                    None,
                    ReasonCode::ServiceDisabled,
                    d(&|| format!("service `{}` is switched off", svc.id)),
                );
                continue;
            }
            if svc.effective_from.is_some_and(|f| date < f)
                || svc.effective_to.is_some_and(|t| date > t)
            {
                exclude(
                    service,
                    None,
                    ReasonCode::NotEffective,
                    d(&|| format!("not offered on {date}")),
                );
                continue;
            }
            if order.service_level == ServiceLevel::Express && svc.level != ServiceLevel::Express {
                exclude(
                    service,
                    None,
                    ReasonCode::ServiceLevel,
                    d(&|| "order needs an express service".into()),
                );
                continue;
            }
            if let Some((code, detail)) = limit_failure(svc, order, req.explain) {
                exclude(service, None, code, detail);
                continue;
            }
            let Some(zone) = dest_zones.get(usize::from(svc.carrier)).copied().flatten() else {
                exclude(
                    service,
                    None,
                    ReasonCode::DestinationNotServiced,
                    d(&|| {
                        format!(
                            "{} does not serve postcode {:04}",
                            carrier.name, order.to.postcode
                        )
                    }),
                );
                continue;
            };
            let Some(table) = svc.tables.iter().find(|t| t.covers(date)) else {
                exclude(
                    service,
                    None,
                    ReasonCode::NotEffective,
                    d(&|| format!("no rate table covers {date}")),
                );
                continue;
            };
            prepare(self, svc, &ctx, zone, prep);
            for &w in warehouses.iter() {
                let Some(origin) = carrier.origin_zone.get(usize::from(w)).copied().flatten()
                else {
                    exclude(
                        service,
                        Some(w),
                        ReasonCode::OriginNotServiced,
                        d(&|| {
                            format!(
                                "{} does not collect from warehouse `{}`",
                                carrier.name,
                                self.warehouse_id(w)
                            )
                        }),
                    );
                    continue;
                };
                let Some(lane) = table.lane(origin, zone) else {
                    exclude(
                        service,
                        Some(w),
                        ReasonCode::NoLane,
                        d(&|| {
                            format!(
                                "no rate from zone {} to zone {}",
                                carrier.zones.name(origin),
                                carrier.zones.name(zone)
                            )
                        }),
                    );
                    continue;
                };
                let distance_m = if svc.rate_kind == RateKind::DistanceBands {
                    let wh = self.warehouses.get(usize::from(w));
                    match (wh, point) {
                        (Some(wh), Some(p)) => {
                            Some(haversine_m((wh.lat, wh.lon), p).round() as u64)
                        }
                        _ => None,
                    }
                } else {
                    None
                };
                match price(
                    svc,
                    prep,
                    lane,
                    &ctx,
                    self.gst,
                    (service, w, zone),
                    distance_m,
                    surcharge_lines,
                ) {
                    Ok(o) => options.push(o),
                    Err((code, detail)) => exclude(service, Some(w), code, detail),
                }
            }
        }
        rank(options, req.strategy);
        Ok(())
    }

    /// Quotes many orders in parallel; results come back in input order and do not depend on the
    /// number of threads.
    pub fn quote_batch(
        &self,
        orders: &[Order],
        req: &QuoteRequest,
    ) -> Vec<Result<Quote, OrderError>> {
        orders.par_iter().map(|o| self.quote(o, req)).collect()
    }
}
