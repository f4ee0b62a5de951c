//! Business rules, compiled: conditions over the order and the candidate option, and actions that
//! exclude, require, adjust the selection score, prefer, set order attributes or switch carriers
//! off. The evaluation order is documented in `docs/rules.md`:
//!
//! 1. `set` rules, in rule order, each seeing the order as changed by the ones before;
//! 2. `disable` rules switch services off before pricing;
//! 3. every service is priced;
//! 4. for each priced option, rules in order: `exclude` and `require` remove it (the first rule to
//!    remove it is the one reported), `adjust` adds to its score, `prefer` marks it for ties;
//! 5. options are ranked by score, then preference, then the usual tie-breaks.

use geo::{Contains, Point};
use lpo_model::{Cents, Order, QuoteOption, State};

use crate::compiled::{Engine, Service};
pub use crate::ruleset::{Action, Expr, Pred, Rule, Settings, Targets};

/// What a rule did to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Set,
    Disabled,
    Excluded,
    NotRequired,
    /// Score change in cents.
    Adjusted(i64),
    Preferred,
}

/// One entry of the rule trace of a quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub rule: u32,
    pub effect: Effect,
    /// The option it applied to, when it applied to one.
    pub service: Option<u32>,
    pub warehouse: Option<u16>,
    /// The option's invoice total, when it was priced.
    pub total: Option<Cents>,
}

/// What the rules may look at for one order (and, for option-level tests, one option).
pub struct Subject<'a> {
    pub order: &'a Order,
    pub date_days: i32,
    pub point: Option<(f64, f64)>,
    pub state: Option<State>,
}

/// The candidate option under test.
pub struct Candidate {
    pub carrier: u16,
    pub service: u32,
    pub zone: u16,
    pub total: Cents,
    pub eta_days: u8,
    pub warehouse: u16,
    /// Great-circle metres from the warehouse to the destination, worked out only when a rule
    /// asks (distance-priced services set it up front).
    pub distance_m: std::cell::OnceCell<Option<u64>>,
    /// Warehouse and destination points, for working the distance out.
    pub points: Option<((f64, f64), (f64, f64))>,
}

fn i(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl Pred {
    /// `None` when the test needs an option and none is given.
    fn eval(&self, s: &Subject<'_>, c: Option<&Candidate>) -> Option<bool> {
        let o = s.order;
        let parcels = &o.parcels;
        Some(match self {
            Pred::ConsignmentG(r) => r.contains(i(o.total_weight_g())),
            Pred::AnyParcelG(r) => parcels.iter().any(|p| r.contains(i64::from(p.weight_g))),
            Pred::AnyLongestMm(r) => parcels
                .iter()
                .any(|p| r.contains(i64::from(p.longest_mm()))),
            Pred::AnyVolumeMm3(r) => parcels.iter().any(|p| r.contains(i(p.volume_mm3()))),
            Pred::Parcels(r) => r.contains(parcels.len() as i64),
            Pred::DeclaredCents(r) => r.contains(o.declared_value.map_or(0, |c| c.0)),
            Pred::DangerousGoods(b) => o.dangerous_goods == *b,
            Pred::Signature(b) => o.signature == *b,
            Pred::Residential(b) => o.to.residential == *b,
            Pred::ServiceLevel(l) => o.service_level == *l,
            Pred::Channel(v) => o
                .channel
                .as_deref()
                .is_some_and(|ch| v.iter().any(|x| x.eq_ignore_ascii_case(ch))),
            Pred::Sku(v) => o.skus().any(|sku| v.iter().any(|x| x == sku)),
            Pred::Weekday(mask) => {
                let wd = lpo_model::Date::from_days(s.date_days).weekday();
                mask & (1 << (wd - 1)) != 0
            }
            Pred::ShipDate(r) => r.contains(i64::from(s.date_days)),
            Pred::Postcodes(v) => v.iter().any(|&(a, b)| (a..=b).contains(&o.to.postcode)),
            Pred::State(v) => s.state.is_some_and(|st| v.contains(&st)),
            Pred::Suburb(v) => {
                o.to.suburb
                    .as_deref()
                    .is_some_and(|sub| v.iter().any(|x| x.eq_ignore_ascii_case(sub)))
            }
            Pred::AddressType(v) => v.contains(&o.to.address_type),
            Pred::InArea(mp) => s
                .point
                .is_some_and(|(lat, lon)| mp.contains(&Point::new(lon, lat))),
            Pred::Carrier(v) => v.contains(&c?.carrier),
            Pred::Service(v) => v.contains(&c?.service),
            Pred::Zone(v) => {
                let c = c?;
                v.contains(&(c.carrier, c.zone))
            }
            Pred::PriceCents(r) => r.contains(c?.total.0),
            Pred::EtaDays(r) => r.contains(i64::from(c?.eta_days)),
            Pred::From(v) => v.contains(&c?.warehouse),
            Pred::DistanceM(r) => {
                let c = c?;
                let d = c.distance_m.get_or_init(|| {
                    c.points
                        .map(|(a, b)| crate::spatial::haversine_m(a, b).round() as u64)
                });
                d.is_some_and(|d| r.contains(i(d)))
            }
        })
    }
}

impl Expr {
    /// What can be known of the condition from an option's carrier and service alone: `Some(false)`
    /// when no option of that service can ever match, so the rule need not be tried on it.
    pub fn static_match(&self, carrier: u16, service: u32) -> Option<bool> {
        match self {
            Expr::True => Some(true),
            Expr::Leaf(Pred::Carrier(v)) => Some(v.contains(&carrier)),
            Expr::Leaf(Pred::Service(v)) => Some(v.contains(&service)),
            Expr::Leaf(Pred::Zone(v)) => (!v.iter().any(|&(c, _)| c == carrier)).then_some(false),
            Expr::Leaf(_) => None,
            Expr::All(v) => {
                let parts: Vec<Option<bool>> =
                    v.iter().map(|e| e.static_match(carrier, service)).collect();
                if parts.contains(&Some(false)) {
                    Some(false)
                } else if parts.iter().all(|p| *p == Some(true)) {
                    Some(true)
                } else {
                    None
                }
            }
            Expr::Any(v) => {
                let parts: Vec<Option<bool>> =
                    v.iter().map(|e| e.static_match(carrier, service)).collect();
                if parts.contains(&Some(true)) {
                    Some(true)
                } else if parts.iter().all(|p| *p == Some(false)) {
                    Some(false)
                } else {
                    None
                }
            }
            Expr::Not(e) => e.static_match(carrier, service).map(|b| !b),
        }
    }

    /// Three-valued: `None` when the answer depends on an option that was not given.
    pub fn eval(&self, s: &Subject<'_>, c: Option<&Candidate>) -> Option<bool> {
        match self {
            Expr::True => Some(true),
            Expr::Leaf(p) => p.eval(s, c),
            Expr::All(v) => {
                let mut unknown = false;
                for e in v {
                    match e.eval(s, c) {
                        Some(false) => return Some(false),
                        None => unknown = true,
                        Some(true) => {}
                    }
                }
                if unknown { None } else { Some(true) }
            }
            Expr::Any(v) => {
                let mut unknown = false;
                for e in v {
                    match e.eval(s, c) {
                        Some(true) => return Some(true),
                        None => unknown = true,
                        Some(false) => {}
                    }
                }
                if unknown { None } else { Some(false) }
            }
            Expr::Not(e) => e.eval(s, c).map(|b| !b),
        }
    }
}

/// Applies `set` rules to a copy of the order; returns it when any rule changed something.
pub(crate) fn apply_sets(engine: &Engine, s: &Subject<'_>, trace: &mut Vec<Hit>) -> Option<Order> {
    let mut changed: Option<Order> = None;
    for &ri in &engine.setting_rules {
        let Some(rule) = engine.rules.get(ri as usize) else {
            continue;
        };
        for a in &rule.actions {
            let Action::Set(set) = a else { continue };
            let current = changed.as_ref().unwrap_or(s.order);
            let subject = Subject {
                order: current,
                date_days: s.date_days,
                point: s.point,
                state: s.state,
            };
            if rule.when.eval(&subject, None) != Some(true) {
                continue;
            }
            let mut o = current.clone();
            if let Some(v) = set.signature {
                o.signature = v;
            }
            if let Some(v) = set.residential {
                o.to.residential = v;
            }
            if let Some(v) = set.dangerous_goods {
                o.dangerous_goods = v;
            }
            if let Some(v) = set.service_level {
                o.service_level = v;
            }
            trace.push(Hit {
                rule: ri,
                effect: Effect::Set,
                service: None,
                warehouse: None,
                total: None,
            });
            changed = Some(o);
        }
    }
    changed
}

/// Decides, for every rule, whether its condition holds for the order regardless of the option
/// (`Some`), or depends on it (`None`). Kept per order so options only test what they must.
/// Per rule, for one order: 0 = cannot act on any option, 1 = its condition holds whatever the
/// option, 2 = it depends on the option.
pub(crate) fn order_pass(engine: &Engine, s: &Subject<'_>, out: &mut Vec<u8>) {
    out.clear();
    out.extend(engine.rules.iter().map(|r| {
        if !r.acts_on_options() {
            return 0;
        }
        match r.when.eval(s, None) {
            Some(false) => 0,
            Some(true) => 1,
            None => 2,
        }
    }));
}

impl Rule {
    /// Whether the rule has an action that acts on priced options.
    pub fn acts_on_options(&self) -> bool {
        self.actions.iter().any(|a| {
            matches!(
                a,
                Action::Exclude(_) | Action::Require(_) | Action::Adjust { .. } | Action::Prefer(_)
            )
        })
    }
}

impl Action {
    /// Whether this action could do anything to an option of `carrier`/`service`.
    pub fn could_apply(&self, carrier: u16, service: u32) -> bool {
        let targeted = |t: &Targets| t.is_empty() || t.matches(carrier, service);
        match self {
            Action::Exclude(t) | Action::Prefer(t) => targeted(t),
            Action::Adjust { targets, .. } => targeted(targets),
            Action::Require(t) => !t.matches(carrier, service),
            Action::Set(_) | Action::Disable(_) => false,
        }
    }
}

/// Installing rules builds the indexes their evaluation needs, so it lives here rather than in
/// [`crate::compiled`], which only holds the rules as data.
impl Engine {
    /// Drops every business rule, leaving the rate cards alone (for comparisons and tests).
    pub fn clear_rules(&mut self) {
        self.set_rules(Vec::new());
    }

    /// Installs business rules and the indexes built from them: which services `disable` rules
    /// switch off, which rules can act on each service, whether distances are needed.
    pub fn set_rules(&mut self, rules: Vec<Rule>) {
        for (si, s) in self.services.iter_mut().enumerate() {
            s.disabled_by_rule = disabled_by(&rules, s.carrier, si as u32);
        }
        self.rules_by_service = index_by_service(&rules, &self.services);
        self.rules_use_distance = rules.iter().any(|r| uses_distance(&r.when));
        self.setting_rules = rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.actions.iter().any(|a| matches!(a, Action::Set(_))))
            .map(|(i, _)| i as u32)
            .collect();
        self.rules = rules;
    }
}

/// For every service, the rules that could act on its options, in rule order.
pub fn index_by_service(rules: &[Rule], services: &[Service]) -> Vec<Vec<u32>> {
    services
        .iter()
        .enumerate()
        .map(|(si, svc)| {
            rules
                .iter()
                .enumerate()
                .filter(|(_, r)| {
                    r.actions
                        .iter()
                        .any(|a| a.could_apply(svc.carrier, si as u32))
                        && r.when.static_match(svc.carrier, si as u32) != Some(false)
                })
                .map(|(ri, _)| ri as u32)
                .collect()
        })
        .collect()
}

/// Whether a `disable` rule switches this service off; returns the rule.
pub fn disabled_by(rules: &[Rule], carrier: u16, service: u32) -> Option<u32> {
    rules
        .iter()
        .position(|r| {
            r.actions
                .iter()
                .any(|a| matches!(a, Action::Disable(t) if t.matches(carrier, service)))
        })
        .map(|i| i as u32)
}

/// Applies exclude/require/adjust/prefer rules to one priced option. Returns the excluding rule
/// and whether it was a `require`, or `None` when the option stays (possibly with a new score).
pub(crate) fn apply_to_option(
    engine: &Engine,
    s: &Subject<'_>,
    order_pass: &[u8],
    cand: &Candidate,
    opt: &mut QuoteOption,
    trace: &mut Vec<Hit>,
    explain: bool,
) -> Option<(u32, bool)> {
    let candidates = engine
        .rules_by_service
        .get(cand.service as usize)
        .map_or(&[][..], Vec::as_slice);
    for &ri in candidates {
        let ri = ri as usize;
        let Some(rule) = engine.rules.get(ri) else {
            continue;
        };
        let pass = match order_pass.get(ri) {
            Some(1) => true,
            Some(2) => rule.when.eval(s, Some(cand)) == Some(true),
            _ => continue,
        };
        if !pass {
            continue;
        }
        let hit = |effect| Hit {
            rule: ri as u32,
            effect,
            service: Some(cand.service),
            warehouse: Some(cand.warehouse),
            total: Some(cand.total),
        };
        for a in &rule.actions {
            let targeted = |t: &Targets| t.is_empty() || t.matches(cand.carrier, cand.service);
            match a {
                Action::Exclude(t) if pass && targeted(t) => {
                    trace.push(hit(Effect::Excluded));
                    return Some((ri as u32, false));
                }
                Action::Require(t) if pass && !t.matches(cand.carrier, cand.service) => {
                    trace.push(hit(Effect::NotRequired));
                    return Some((ri as u32, true));
                }
                Action::Adjust {
                    targets,
                    amount,
                    pct,
                } if pass && targeted(targets) => {
                    let delta = *amount + cand.total.pct(*pct);
                    opt.score += delta;
                    trace.push(hit(Effect::Adjusted(delta.0)));
                }
                Action::Prefer(t) if pass && targeted(t) && opt.preference == u32::MAX => {
                    // The option keeps its preference; the trace only records it for explanations.
                    opt.preference = ri as u32;
                    if explain {
                        trace.push(hit(Effect::Preferred));
                    }
                }
                _ => {}
            }
        }
    }
    None
}

/// Whether a condition tests the distance from the warehouse.
pub fn uses_distance(e: &Expr) -> bool {
    match e {
        Expr::Leaf(Pred::DistanceM(_)) => true,
        Expr::All(v) | Expr::Any(v) => v.iter().any(uses_distance),
        Expr::Not(e) => uses_distance(e),
        _ => false,
    }
}
