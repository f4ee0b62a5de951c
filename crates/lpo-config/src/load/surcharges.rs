//! Surcharges of a carrier file: conditional fees and their conditions (a destination list
//! condition reads its CSV with `destinations`).

use lpo_engine::{Amount, Cond, ItemMeasure, Per, Surcharge};
use lpo_model::{Bp, Cents};

use crate::diag::Pos;
use crate::files::{CondDef, Dec, PerDef, RangeDef, Sp, SurchargeDef};
use crate::loader::Loader;
use crate::loader::values::{range_of, valid_id};

/// A positioned range condition on a decimal with `S` decimals.
type SpRange<const S: u32> = Sp<RangeDef<Dec<S>>>;

impl Loader {
    /// One surcharge of a carrier file: its amount, what it is charged per, and its conditions.
    pub(super) fn surcharge(
        &mut self,
        sc: &SurchargeDef,
        rel: &str,
        ci: u16,
        zone_ref: &mut dyn FnMut(&mut Loader, &Sp<String>) -> Option<u16>,
    ) -> Option<Surcharge> {
        let pos = Pos::at(rel, sc.id.line, sc.id.column);
        if !valid_id(&sc.id.value) {
            self.diags.error(
                "invalid-id",
                &pos,
                format!("surcharge id `{}` is not a valid id", sc.id.value),
                None,
            );
        }
        let a = &sc.amount;
        let amounts: Vec<Amount> = [
            a.fixed.map(|d| Amount::Fixed(Cents(d.0))),
            a.pct_of_base.map(|d| Amount::PctOfBase(Bp(d.0))),
            a.per_kg.map(|d| Amount::PerKg(Cents(d.0))),
            a.per_value.as_ref().map(|p| Amount::PerValue {
                free: Cents(p.free.0),
                step: Cents(p.step.0),
                amount: Cents(p.amount.0),
            }),
        ]
        .into_iter()
        .flatten()
        .collect();
        let amount = match amounts.as_slice() {
            [one] => *one,
            _ => {
                self.diags.error(
                    "amount-count",
                    &pos,
                    format!(
                        "surcharge `{}` needs exactly one amount, found {}",
                        sc.id.value,
                        amounts.len()
                    ),
                    Some("give one of fixed, pct_of_base, per_kg, per_value".into()),
                );
                return None;
            }
        };
        if let Amount::PerValue { step, .. } = amount
            && step.0 <= 0
        {
            self.diags.error(
                "invalid-value",
                &pos,
                "per_value.step must be positive",
                None,
            );
        }
        let per = match sc.per {
            PerDef::Item => Per::Item,
            PerDef::Consignment => Per::Consignment,
            PerDef::LargestItem => Per::LargestItem,
        };
        let all = match &sc.when {
            Some(c) => self.conds(c, rel, &sc.id.value, zone_ref)?,
            None => Vec::new(),
        };
        let mut any = Vec::new();
        for c in &sc.when_any {
            let set = self.conds(c, rel, &sc.id.value, zone_ref)?;
            if set.is_empty() {
                self.diags.error(
                    "empty-condition",
                    &pos,
                    format!(
                        "surcharge `{}`: a when_any entry has no condition (it would always match)",
                        sc.id.value
                    ),
                    None,
                );
            }
            any.push(set);
        }
        Some(Surcharge {
            id: sc.id.value.clone(),
            carrier: ci,
            per,
            amount,
            fuel_bearing: sc.fuel,
            all,
            any,
        })
    }

    /// The conditions of one `when` (or one `when_any` entry) of a surcharge.
    fn conds(
        &mut self,
        c: &CondDef,
        rel: &str,
        id: &str,
        zone_ref: &mut dyn FnMut(&mut Loader, &Sp<String>) -> Option<u16>,
    ) -> Option<Vec<Cond>> {
        let mut out = Vec::new();
        let subject = format!("surcharge `{id}`");
        let items: [(&str, &Option<SpRange<3>>, ItemMeasure); 2] = [
            ("weight_kg", &c.weight_kg, ItemMeasure::WeightG),
            ("cubic_kg", &c.cubic_kg, ItemMeasure::CubicG),
        ];
        for (name, r, m) in items {
            if let Some(r) = r {
                let rg = range_of(r);
                out.push(Cond::Item(
                    m,
                    self.check_range(&subject, name, rg, Pos::at(rel, r.line, r.column)),
                ));
            }
        }
        let lens: [(&str, &Option<SpRange<1>>, ItemMeasure); 4] = [
            ("longest_cm", &c.longest_cm, ItemMeasure::LongestMm),
            ("middle_cm", &c.middle_cm, ItemMeasure::MiddleMm),
            ("shortest_cm", &c.shortest_cm, ItemMeasure::ShortestMm),
            ("girth_cm", &c.girth_cm, ItemMeasure::GirthMm),
        ];
        for (name, r, m) in lens {
            if let Some(r) = r {
                let rg = range_of(r);
                out.push(Cond::Item(
                    m,
                    self.check_range(&subject, name, rg, Pos::at(rel, r.line, r.column)),
                ));
            }
        }
        if let Some(r) = &c.volume_m3 {
            let rg = range_of(r);
            out.push(Cond::Item(
                ItemMeasure::VolumeMm3,
                self.check_range(&subject, "volume_m3", rg, Pos::at(rel, r.line, r.column)),
            ));
        }
        if let Some(b) = &c.exceeds_cm {
            let mut sides = [b[0].0, b[1].0, b[2].0].map(|v| u32::try_from(v).unwrap_or(u32::MAX));
            sides.sort_unstable_by(|a, b| b.cmp(a));
            out.push(Cond::ExceedsBox(sides));
        }
        if let Some(r) = &c.consignment_kg {
            let rg = range_of(r);
            out.push(Cond::ConsignmentG(self.check_range(
                &subject,
                "consignment_kg",
                rg,
                Pos::at(rel, r.line, r.column),
            )));
        }
        if let Some(r) = &c.items {
            let rg = range_of(r);
            out.push(Cond::Items(self.check_range(
                &subject,
                "items",
                rg,
                Pos::at(rel, r.line, r.column),
            )));
        }
        if let Some(r) = &c.declared_value {
            let rg = range_of(r);
            out.push(Cond::DeclaredCents(self.check_range(
                &subject,
                "declared_value",
                rg,
                Pos::at(rel, r.line, r.column),
            )));
        }
        if let Some(v) = &c.address_types {
            out.push(Cond::AddressTypes(v.iter().map(|&a| a.into()).collect()));
        }
        if let Some(b) = c.residential {
            out.push(Cond::Residential(b));
        }
        if let Some(b) = c.signature {
            out.push(Cond::Signature(b));
        }
        if let Some(b) = c.dangerous_goods {
            out.push(Cond::DangerousGoods(b));
        }
        if let Some(l) = c.service_level {
            out.push(Cond::ServiceLevel(l.into()));
        }
        if let Some(zs) = &c.zones {
            let v: Vec<u16> = zs.iter().filter_map(|z| zone_ref(self, z)).collect();
            out.push(Cond::Zones(v));
        }
        if let Some(ps) = &c.postcodes {
            out.push(Cond::Postcodes(self.postcode_ranges(rel, ps)));
        }
        if let Some(f) = &c.destinations {
            out.push(Cond::Destinations(self.destinations(rel, f)?));
        }
        Some(out)
    }
}
