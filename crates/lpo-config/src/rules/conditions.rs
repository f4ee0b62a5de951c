//! Rule conditions: a `when` mapping compiled into an engine condition tree, with its ranges,
//! names and areas checked; empty and contradictory conditions are reported.

use lpo_engine::Range;
use lpo_engine::rules::{Expr, Pred};
use lpo_model::State;

use super::names::Names;
use crate::diag::{Pos, did_you_mean};
use crate::files::{StateDef, WhenDef};
use crate::loader::Loader;
use crate::loader::values::range_of;

impl Loader {
    /// The condition of a `when` mapping (at `at`) of rule `id`; `None` when it names a file that
    /// cannot be read.
    pub(super) fn expr(
        &mut self,
        w: &WhenDef,
        rel: &str,
        at: (u64, u64),
        id: &str,
        names: &Names<'_>,
    ) -> Option<Expr> {
        let mut parts: Vec<Expr> = Vec::new();
        let mut leaf = |p: Pred| parts.push(Expr::Leaf(p));
        let pos = |l: u64, c: u64| Pos::at(rel, l, c);
        let subject = format!("rule `{id}`");
        if let Some(r) = &w.weight_kg {
            leaf(Pred::ConsignmentG(self.check_range(
                &subject,
                "weight_kg",
                range_of(r),
                pos(r.line, r.column),
            )));
        }
        if let Some(r) = &w.parcel_weight_kg {
            leaf(Pred::AnyParcelG(self.check_range(
                &subject,
                "parcel_weight_kg",
                range_of(r),
                pos(r.line, r.column),
            )));
        }
        if let Some(r) = &w.longest_cm {
            leaf(Pred::AnyLongestMm(self.check_range(
                &subject,
                "longest_cm",
                range_of(r),
                pos(r.line, r.column),
            )));
        }
        if let Some(r) = &w.volume_m3 {
            leaf(Pred::AnyVolumeMm3(self.check_range(
                &subject,
                "volume_m3",
                range_of(r),
                pos(r.line, r.column),
            )));
        }
        if let Some(r) = &w.parcels {
            leaf(Pred::Parcels(self.check_range(
                &subject,
                "parcels",
                range_of(r),
                pos(r.line, r.column),
            )));
        }
        if let Some(r) = &w.declared_value {
            leaf(Pred::DeclaredCents(self.check_range(
                &subject,
                "declared_value",
                range_of(r),
                pos(r.line, r.column),
            )));
        }
        if let Some(b) = w.dangerous_goods {
            leaf(Pred::DangerousGoods(b));
        }
        if let Some(b) = w.signature {
            leaf(Pred::Signature(b));
        }
        if let Some(b) = w.residential {
            leaf(Pred::Residential(b));
        }
        if let Some(l) = w.service_level {
            leaf(Pred::ServiceLevel(l.into()));
        }
        if let Some(v) = &w.channel {
            leaf(Pred::Channel(v.clone()));
        }
        if let Some(v) = &w.sku {
            leaf(Pred::Sku(v.clone()));
        }
        if let Some(v) = &w.weekday {
            let mask = v.iter().fold(0u8, |m, d| m | (1 << (*d as u8)));
            leaf(Pred::Weekday(mask));
        }
        if let Some(d) = &w.ship_date {
            let r = Range {
                at_least: d.value.from.map(|x| i64::from(x.0.days())),
                up_to: d.value.to.map(|x| i64::from(x.0.days())),
                ..Range::default()
            };
            leaf(Pred::ShipDate(self.check_range(
                &subject,
                "ship_date",
                r,
                pos(d.line, d.column),
            )));
        }
        if let Some(v) = &w.state {
            let states = v
                .iter()
                .map(|s| match s {
                    StateDef::Nsw => State::Nsw,
                    StateDef::Vic => State::Vic,
                    StateDef::Qld => State::Qld,
                    StateDef::Sa => State::Sa,
                    StateDef::Wa => State::Wa,
                    StateDef::Tas => State::Tas,
                    StateDef::Nt => State::Nt,
                    StateDef::Act => State::Act,
                })
                .collect();
            leaf(Pred::State(states));
        }
        if let Some(v) = &w.suburb {
            leaf(Pred::Suburb(v.iter().map(|s| s.to_uppercase()).collect()));
        }
        if let Some(v) = &w.address_type {
            leaf(Pred::AddressType(v.iter().map(|&a| a.into()).collect()));
        }
        if let Some(r) = &w.distance_km {
            leaf(Pred::DistanceM(self.check_range(
                &subject,
                "distance_km",
                range_of(r),
                pos(r.line, r.column),
            )));
        }
        if let Some(r) = &w.price {
            leaf(Pred::PriceCents(self.check_range(
                &subject,
                "price",
                range_of(r),
                pos(r.line, r.column),
            )));
        }
        if let Some(r) = &w.eta_days {
            leaf(Pred::EtaDays(self.check_range(
                &subject,
                "eta_days",
                range_of(r),
                pos(r.line, r.column),
            )));
        }
        if let Some(ps) = &w.postcodes {
            let v = self.postcode_ranges(rel, ps);
            parts.push(Expr::Leaf(Pred::Postcodes(v)));
        }
        if let Some(a) = &w.in_area {
            let path = self.resolve(rel, a)?;
            let mp = self.geojson(&path)?;
            parts.push(Expr::Leaf(Pred::InArea(Box::new(mp))));
        }
        if let Some(cs) = &w.carrier {
            let mut v = Vec::new();
            for c in cs {
                match names.carrier(&c.value) {
                    Some(i) => v.push(i),
                    None => self.unknown_carrier(c, rel, names),
                }
            }
            parts.push(Expr::Leaf(Pred::Carrier(v)));
        }
        if let Some(ss) = &w.service {
            let mut v = Vec::new();
            for s in ss {
                match names.service(&s.value) {
                    Some(i) => v.push(i),
                    None => self.unknown_service(s, rel, names),
                }
            }
            parts.push(Expr::Leaf(Pred::Service(v)));
        }
        if let Some(zs) = &w.zone {
            let mut v = Vec::new();
            for z in zs {
                let found = names.zone(&z.value);
                if found.is_empty() {
                    self.diags.error(
                        "unknown-zone",
                        &pos(z.line, z.column),
                        format!("no carrier has a zone `{}`", z.value),
                        did_you_mean(&z.value, names.zone_names()),
                    );
                }
                v.extend(found);
            }
            parts.push(Expr::Leaf(Pred::Zone(v)));
        }
        if let Some(ws) = &w.from {
            let mut v = Vec::new();
            for x in ws {
                match names.engine.warehouse_by_id(&x.value) {
                    Some(i) => v.push(i),
                    None => self.diags.error(
                        "unknown-warehouse",
                        &pos(x.line, x.column),
                        format!("unknown warehouse `{}`", x.value),
                        did_you_mean(
                            &x.value,
                            names.engine.warehouses.iter().map(|w| w.id.as_str()),
                        ),
                    ),
                }
            }
            parts.push(Expr::Leaf(Pred::From(v)));
        }
        for sub in &w.all {
            if is_empty_when(&sub.value) {
                self.diags.error(
                    "empty-condition",
                    &pos(sub.line, sub.column),
                    format!("rule `{id}`: an `all` entry is empty"),
                    None,
                );
            }
            parts.push(self.expr(&sub.value, rel, (sub.line, sub.column), id, names)?);
        }
        if !w.any.is_empty() {
            let mut alts = Vec::new();
            for sub in &w.any {
                if is_empty_when(&sub.value) {
                    self.diags.error(
                        "empty-condition",
                        &pos(sub.line, sub.column),
                        format!("rule `{id}`: an `any` entry is empty (it would always match)"),
                        None,
                    );
                }
                alts.push(self.expr(&sub.value, rel, (sub.line, sub.column), id, names)?);
            }
            parts.push(Expr::Any(alts));
        }
        if let Some(n) = &w.not {
            parts.push(Expr::Not(Box::new(self.expr(
                &n.value,
                rel,
                (n.line, n.column),
                id,
                names,
            )?)));
        }
        if let Some(msg) = contradiction(&parts) {
            self.diags.error(
                "contradictory-condition",
                &pos(at.0, at.1),
                format!("rule `{id}`: {msg}, so the condition can never hold"),
                Some(
                    "the keys of one mapping and the entries of `all` must all hold together"
                        .into(),
                ),
            );
        }
        Some(match parts.len() {
            0 => Expr::True,
            1 => parts.pop().unwrap_or(Expr::True),
            _ => Expr::All(parts),
        })
    }
}

/// Whether a `when` mapping tests nothing.
pub(super) fn is_empty_when(w: &WhenDef) -> bool {
    w.all.is_empty()
        && w.any.is_empty()
        && w.not.is_none()
        && w.weight_kg.is_none()
        && w.parcel_weight_kg.is_none()
        && w.longest_cm.is_none()
        && w.volume_m3.is_none()
        && w.parcels.is_none()
        && w.declared_value.is_none()
        && w.dangerous_goods.is_none()
        && w.signature.is_none()
        && w.residential.is_none()
        && w.service_level.is_none()
        && w.channel.is_none()
        && w.sku.is_none()
        && w.weekday.is_none()
        && w.ship_date.is_none()
        && w.postcodes.is_none()
        && w.state.is_none()
        && w.suburb.is_none()
        && w.address_type.is_none()
        && w.in_area.is_none()
        && w.distance_km.is_none()
        && w.carrier.is_none()
        && w.service.is_none()
        && w.zone.is_none()
        && w.price.is_none()
        && w.eta_days.is_none()
        && w.from.is_none()
}

/// Two tests of one conjunction that cannot both hold: disjoint lists of the same kind, or
/// opposite flags. Looks through nested `all`s.
fn contradiction(parts: &[Expr]) -> Option<String> {
    fn leaves<'a>(parts: &'a [Expr], out: &mut Vec<&'a Pred>) {
        for p in parts {
            match p {
                Expr::Leaf(l) => out.push(l),
                Expr::All(v) => leaves(v, out),
                _ => {}
            }
        }
    }
    fn disjoint<T: PartialEq>(a: &[T], b: &[T]) -> bool {
        !a.iter().any(|x| b.contains(x))
    }
    let mut ls = Vec::new();
    leaves(parts, &mut ls);
    for (i, a) in ls.iter().enumerate() {
        for b in ls.iter().skip(i + 1) {
            let clash = match (a, b) {
                (Pred::State(x), Pred::State(y)) => {
                    disjoint(x, y).then_some("two `state` tests share no state")
                }
                (Pred::AddressType(x), Pred::AddressType(y)) => {
                    disjoint(x, y).then_some("two `address_type` tests share no type")
                }
                (Pred::Carrier(x), Pred::Carrier(y)) => {
                    disjoint(x, y).then_some("two `carrier` tests share no carrier")
                }
                (Pred::Service(x), Pred::Service(y)) => {
                    disjoint(x, y).then_some("two `service` tests share no service")
                }
                (Pred::From(x), Pred::From(y)) => {
                    disjoint(x, y).then_some("two `from` tests share no warehouse")
                }
                (Pred::ServiceLevel(x), Pred::ServiceLevel(y)) => {
                    (x != y).then_some("`service_level` is tested for two values")
                }
                (Pred::DangerousGoods(x), Pred::DangerousGoods(y)) => {
                    (x != y).then_some("`dangerous_goods` is both true and false")
                }
                (Pred::Signature(x), Pred::Signature(y)) => {
                    (x != y).then_some("`signature` is both true and false")
                }
                (Pred::Residential(x), Pred::Residential(y)) => {
                    (x != y).then_some("`residential` is both true and false")
                }
                _ => None,
            };
            if let Some(m) = clash {
                return Some(m.to_string());
            }
        }
    }
    None
}
