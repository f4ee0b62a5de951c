//! Quoting an order: every (warehouse, service) priced or excluded with a reason, then ranked.

use std::fmt;

use lpo_model::{
    Bp, Cents, Date, Exclusion, Line, Order, QuoteOption, ReasonCode, ServiceLevel, State, Strategy,
};
use rayon::prelude::*;

use crate::compiled::{DefaultFrom, Engine, Locality, RateKind, Service};
use crate::price::{Ctx, Prep, kg, prepare, price};
use crate::rules::{self, Candidate, Subject};
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
    /// The strategy the options are ranked by.
    pub strategy: Strategy,
    /// Warehouses considered.
    pub warehouses: Vec<u16>,
    /// Feasible options, best first under the strategy.
    pub options: Vec<QuoteOption>,
    /// Every (warehouse, service) that could not take the order.
    pub excluded: Vec<Exclusion>,
    /// Surcharge lines (surcharge index, amount) of every option; an option's
    /// `surcharge_lines` is its range in here.
    pub surcharge_lines: Vec<(u32, Cents)>,
    /// What each business rule did, in the order it happened.
    pub trace: Vec<rules::Hit>,
    /// What the destination left uncertain (see `address_warnings`).
    pub warnings: Vec<String>,
    prep: Prep,
    /// The destination's zone per carrier, looked up when a service of the carrier first needs it
    /// (outer `None`: not looked up yet; inner `None`: not served).
    dest_zones: Vec<Option<Option<u16>>>,
    rule_pass: Vec<u8>,
    distances: Vec<Option<Option<u64>>>,
}

impl Default for Quote {
    fn default() -> Quote {
        Quote {
            date: Date::from_days(0),
            strategy: Strategy::Cheapest,
            warehouses: Vec::new(),
            options: Vec::new(),
            excluded: Vec::new(),
            dest_zones: Vec::new(),
            surcharge_lines: Vec::new(),
            trace: Vec::new(),
            warnings: Vec::new(),
            prep: Prep::default(),
            rule_pass: Vec::new(),
            distances: Vec::new(),
        }
    }
}

impl Quote {
    pub fn selected(&self) -> Option<&QuoteOption> {
        self.options.first()
    }

    /// The rules that changed the outcome, in the order they acted: rules that set order
    /// attributes, removed or penalised an option at most as dear as the selected one, adjusted or
    /// preferred the selected option; when nothing was selected, every rule that removed an option.
    pub fn deciding_rules(&self) -> Vec<u32> {
        let sel = self.selected();
        let is_selected = |h: &rules::Hit| {
            sel.is_some_and(|s| h.service == Some(s.service) && h.warehouse == Some(s.warehouse))
        };
        let mut out = Vec::new();
        for h in &self.trace {
            let decisive = match h.effect {
                rules::Effect::Set => true,
                rules::Effect::Disabled => false,
                rules::Effect::Excluded | rules::Effect::NotRequired => match sel {
                    None => true,
                    Some(s) => h.total.is_some_and(|t| t <= s.total),
                },
                rules::Effect::Adjusted(d) => {
                    d != 0
                        && (is_selected(h)
                            || sel.is_some_and(|s| h.total.is_some_and(|t| t <= s.total)))
                }
                // A preference only decides when another option had the same score.
                // Preferences are read off the selected option below.
                rules::Effect::Preferred => false,
            };
            if decisive && !out.contains(&h.rule) {
                out.push(h.rule);
            }
        }
        // A preference decides when the runner-up ranked equal on everything before preference.
        if let (Some(s), Some(second)) = (sel, self.options.get(1))
            && s.preference != u32::MAX
            && second.preference > s.preference
            && rank_key_before_preference(self.strategy, &self.options, s)
                == rank_key_before_preference(self.strategy, &self.options, second)
            && !out.contains(&s.preference)
        {
            out.push(s.preference);
        }
        // With nothing selected, every rule that removed a service counts, switch-offs included.
        if sel.is_none() {
            for r in self.excluded.iter().filter_map(|e| e.rule) {
                if !out.contains(&r) {
                    out.push(r);
                }
            }
        }
        out
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

/// The part of an option's ranking key that comes before the preference.
fn rank_key_before_preference(
    strategy: Strategy,
    options: &[QuoteOption],
    o: &QuoteOption,
) -> (bool, u8, Cents) {
    match strategy {
        Strategy::Cheapest => (false, 0, o.score),
        Strategy::Fastest => (false, o.eta_days, o.score),
        Strategy::BestValue { within_days } => {
            let fastest = options.iter().map(|x| x.eta_days).min().unwrap_or(0);
            (o.eta_days > fastest.saturating_add(within_days), 0, o.score)
        }
    }
}

/// Ranks options best first: by the strategy's key, then score, preference, days, carrier id,
/// service id and warehouse id (service and warehouse indices follow id order), so the result is
/// a total order.
pub fn rank(options: &mut [QuoteOption], strategy: Strategy) {
    // Score, then the preference of `prefer` rules, then days, service and warehouse.
    let tie = |o: &QuoteOption| (o.score, o.preference, o.eta_days, o.service, o.warehouse);
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

/// Where an order goes: its locality in the postcode table (when it names a suburb the table
/// knows in its postcode), and the point and state that pricing and rules use.
struct Destination<'e> {
    locality: Option<&'e Locality>,
    point: Option<(f64, f64)>,
    state: Option<State>,
}

/// What an order's destination leaves uncertain, for the plan's `warnings` column and the quote
/// JSON: a suburb the postcode table does not know in its postcode (so suburb-level zones,
/// surcharges and rules cannot match it), or a state that its known suburb contradicts.
fn address_warnings(order: &Order, locality: Option<&Locality>) -> Vec<String> {
    let to = &order.to;
    let Some(suburb) = to.suburb.as_deref() else {
        return Vec::new();
    };
    match locality {
        None => vec![format!(
            "unknown_suburb: `{suburb}` is not a locality of {:04} in the postcode table; {}, and suburb-level zones, surcharges and rules cannot match it",
            to.postcode,
            if to.point.is_some() {
                "located by the given coordinates"
            } else {
                "located at the postcode's centroid"
            }
        )],
        Some(l) => match to.state {
            Some(st) if st != l.state => vec![format!(
                "state_from_suburb: {suburb} {:04} is in {}, not {st}; {} used",
                to.postcode, l.state, l.state
            )],
            _ => Vec::new(),
        },
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
            && !info.states.contains(st)
        {
            return Err(OrderError {
                field: "to_state",
                code: "state_mismatch",
                message: format!(
                    "postcode {:04} is in {}, not {st}",
                    to.postcode, info.states
                ),
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

    /// The destination's locality in the postcode table, when the order names a suburb that the
    /// table knows in its postcode.
    pub fn destination_locality(&self, order: &Order) -> Option<&Locality> {
        let to = &order.to;
        self.postcodes
            .locality(to.postcode, to.suburb.as_deref()?, to.state)
    }

    /// Where an order goes, with its locality looked up once.
    fn destination(&self, order: &Order) -> Destination<'_> {
        let to = &order.to;
        let locality = self.destination_locality(order);
        let main = self.postcodes.get(to.postcode);
        Destination {
            locality,
            point: to
                .point
                .or(locality.map(|l| l.point))
                .or(main.map(|p| (p.lat, p.lon))),
            state: locality
                .map(|l| l.state)
                .or(to.state)
                .or(main.map(|p| p.state)),
        }
    }

    /// The destination point: exact coordinates, else the suburb's, else the postcode centroid.
    pub fn destination_point(&self, order: &Order) -> Option<(f64, f64)> {
        self.destination(order).point
    }

    /// The destination's state, as rules see it: the suburb's when the table knows it, else the
    /// state the order gives (one its postcode spans), else the postcode's main state.
    pub fn destination_state(&self, order: &Order) -> Option<State> {
        self.destination(order).state
    }

    /// Prices `order` on every service from every candidate warehouse.
    /// `opt` (an option of `q`) with `discount` off its base (freight) charge: surcharges stay as
    /// they are, fuel is recomputed on the discounted base plus the fuel-bearing surcharges, then
    /// GST, each rounded to the cent as in pricing. The score moves by the same amount as the
    /// total. A zero discount returns the option unchanged.
    pub fn discounted(&self, q: &Quote, opt: &QuoteOption, discount: Bp) -> QuoteOption {
        if discount.0 == 0 {
            return opt.clone();
        }
        let Some(svc) = self.service(opt.service) else {
            return opt.clone();
        };
        let base = opt.base - opt.base.pct(discount);
        let bearing: Cents = q
            .surcharge_lines
            .get(opt.surcharge_lines.start as usize..opt.surcharge_lines.end as usize)
            .unwrap_or(&[])
            .iter()
            .filter(|(si, _)| {
                self.surcharges
                    .get(*si as usize)
                    .is_some_and(|s| s.fuel_bearing)
            })
            .map(|&(_, amount)| amount)
            .sum();
        let fuel = (base + bearing).pct(svc.fuel.pct(q.date, opt.zone));
        let gst = (base + opt.surcharges + fuel).pct(self.gst);
        let total = base + opt.surcharges + fuel + gst;
        QuoteOption {
            base,
            fuel,
            gst,
            total,
            score: opt.score - (opt.total - total),
            ..opt.clone()
        }
    }

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
        q.trace.clear();
        q.warnings.clear();
        self.resolve_into(order, &mut q.warehouses)?;
        let date = order.ship_date.unwrap_or(req.date);
        q.date = date;
        q.strategy = req.strategy;
        let Destination {
            locality,
            point,
            state,
        } = self.destination(order);
        q.warnings = address_warnings(order, locality);
        // Rules that set order attributes act before anything is priced.
        let changed = if self.rules.is_empty() {
            None
        } else {
            let s = Subject {
                order,
                date_days: date.days(),
                point,
                state,
            };
            rules::apply_sets(self, &s, &mut q.trace)
        };
        let order = changed.as_ref().unwrap_or(order);
        let subject = Subject {
            order,
            date_days: date.days(),
            point,
            state,
        };
        if !self.rules.is_empty() {
            rules::order_pass(self, &subject, &mut q.rule_pass);
        }
        let ctx = Ctx {
            order,
            date,
            explain: req.explain,
        };
        q.dest_zones.resize(self.carriers.len(), None);

        let Quote {
            warehouses,
            options,
            excluded,
            dest_zones,
            surcharge_lines,
            prep,
            trace,
            rule_pass,
            distances,
            ..
        } = q;
        distances.clear();
        if self
            .services
            .iter()
            .any(|s| s.rate_kind == RateKind::DistanceBands)
        {
            distances.resize(self.warehouses.len(), None);
        }
        let d = |f: &dyn Fn() -> String| if req.explain { f() } else { String::new() };
        let mut exclude_by = |service: u32,
                              warehouse: Option<u16>,
                              reason: ReasonCode,
                              detail: String,
                              rule: Option<u32>| {
            excluded.push(Exclusion {
                service,
                warehouse,
                reason,
                detail,
                rule,
            });
        };
        let rule_detail = |ri: u32| {
            if req.explain {
                self.rules.get(ri as usize).map_or(String::new(), |r| {
                    format!(
                        "rule `{}` ({}): {}",
                        r.id,
                        r.location,
                        r.reason.as_deref().unwrap_or(&r.description)
                    )
                })
            } else {
                String::new()
            }
        };
        for (si, svc) in self.services.iter().enumerate() {
            let service = si as u32;
            let Some(carrier) = self.carriers.get(usize::from(svc.carrier)) else {
                continue;
            };
            if !carrier.enabled {
                exclude_by(
                    service,
                    None,
                    ReasonCode::CarrierDisabled,
                    d(&|| format!("carrier `{}` is switched off", carrier.id)),
                    None,
                );
                continue;
            }
            if let Some(ri) = svc.disabled_by_rule {
                if req.explain {
                    trace.push(rules::Hit {
                        rule: ri,
                        effect: rules::Effect::Disabled,
                        service: Some(service),
                        warehouse: None,
                        total: None,
                    });
                }
                exclude_by(
                    service,
                    None,
                    ReasonCode::DisabledByRule,
                    rule_detail(ri),
                    Some(ri),
                );
                continue;
            }
            if !svc.enabled {
                exclude_by(
                    service,
                    None,
                    ReasonCode::ServiceDisabled,
                    d(&|| format!("service `{}` is switched off", svc.id)),
                    None,
                );
                continue;
            }
            if svc.effective_from.is_some_and(|f| date < f)
                || svc.effective_to.is_some_and(|t| date > t)
            {
                exclude_by(
                    service,
                    None,
                    ReasonCode::NotEffective,
                    d(&|| format!("not offered on {date}")),
                    None,
                );
                continue;
            }
            if order.service_level == ServiceLevel::Express && svc.level != ServiceLevel::Express {
                exclude_by(
                    service,
                    None,
                    ReasonCode::ServiceLevel,
                    d(&|| "order needs an express service".into()),
                    None,
                );
                continue;
            }
            if let Some((code, detail)) = limit_failure(svc, order, req.explain) {
                exclude_by(service, None, code, detail, None);
                continue;
            }
            let zone = match dest_zones.get_mut(usize::from(svc.carrier)) {
                Some(Some(z)) => *z,
                Some(slot) => {
                    let z =
                        carrier
                            .zones
                            .zone_of(order.to.postcode, order.to.suburb.as_deref(), point);
                    *slot = Some(z);
                    z
                }
                None => None,
            };
            let Some(zone) = zone else {
                exclude_by(
                    service,
                    None,
                    ReasonCode::DestinationNotServiced,
                    d(&|| {
                        format!(
                            "{} does not serve postcode {:04}",
                            carrier.name, order.to.postcode
                        )
                    }),
                    None,
                );
                continue;
            };
            let Some(table) = svc.tables.iter().find(|t| t.covers(date)) else {
                exclude_by(
                    service,
                    None,
                    ReasonCode::NotEffective,
                    d(&|| format!("no rate table covers {date}")),
                    None,
                );
                continue;
            };
            prepare(self, svc, &ctx, zone, prep);
            for &w in warehouses.iter() {
                let Some(origin) = carrier.origin_zone.get(usize::from(w)).copied().flatten()
                else {
                    exclude_by(
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
                        None,
                    );
                    continue;
                };
                let Some(lane) = table.lane(origin, zone) else {
                    exclude_by(
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
                        None,
                    );
                    continue;
                };
                // Warehouse to destination, computed once per warehouse and order, when needed.
                let distance_m = if svc.rate_kind == RateKind::DistanceBands {
                    match distances.get(usize::from(w)).copied().flatten() {
                        Some(d) => d,
                        None => {
                            let d = match (self.warehouses.get(usize::from(w)), point) {
                                (Some(wh), Some(p)) => {
                                    Some(haversine_m((wh.lat, wh.lon), p).round() as u64)
                                }
                                _ => None,
                            };
                            if let Some(slot) = distances.get_mut(usize::from(w)) {
                                *slot = Some(d);
                            }
                            d
                        }
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
                    distance_m.filter(|_| svc.rate_kind == RateKind::DistanceBands),
                    surcharge_lines,
                ) {
                    Ok(mut o) => {
                        if !self.rules.is_empty() {
                            let cand = Candidate {
                                carrier: svc.carrier,
                                service,
                                zone,
                                total: o.total,
                                eta_days: o.eta_days,
                                warehouse: w,
                                distance_m: distance_m
                                    .map(Some)
                                    .map(std::cell::OnceCell::from)
                                    .unwrap_or_default(),
                                points: self
                                    .warehouses
                                    .get(usize::from(w))
                                    .zip(point)
                                    .map(|(wh, p)| ((wh.lat, wh.lon), p)),
                            };
                            if let Some((ri, required)) = rules::apply_to_option(
                                self,
                                &subject,
                                rule_pass,
                                &cand,
                                &mut o,
                                trace,
                                req.explain,
                            ) {
                                let code = if required {
                                    ReasonCode::NotRequiredByRule
                                } else {
                                    ReasonCode::ExcludedByRule
                                };
                                exclude_by(service, Some(w), code, rule_detail(ri), Some(ri));
                                continue;
                            }
                        }
                        options.push(o);
                    }
                    Err((code, detail)) => exclude_by(service, Some(w), code, detail, None),
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
