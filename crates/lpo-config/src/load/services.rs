//! A service of a carrier file: limits, pricing, cubic weight, rounding, dates and its dated rate
//! tables (read by `rate_table`).

use lpo_engine::{Cubic, Fuel, Limits, PricingUnit, RateKind, Service, ZoneMap};
use lpo_model::AddressType;

use crate::diag::Pos;
use crate::files::{Dec, PricingDef, RateKindDef, ServiceDef};
use crate::loader::Loader;

fn to_i64<const S: u32>(d: Option<Dec<S>>) -> Option<i64> {
    d.map(|d| d.0)
}

impl Loader {
    /// One service of a carrier file, with its rate tables.
    pub(super) fn service(
        &mut self,
        sd: &ServiceDef,
        rel: &str,
        ci: u16,
        zones: &ZoneMap,
        fuel: Fuel,
    ) -> Option<Service> {
        let pos = Pos::at(rel, sd.id.line, sd.id.column);
        let l = &sd.limits;
        let pos_u32 = |v: Option<i64>| v.and_then(|v| u32::try_from(v).ok());
        let limits = Limits {
            max_item_g: pos_u32(to_i64(l.max_item_kg)),
            max_length_mm: pos_u32(to_i64(l.max_length_cm)),
            max_volume_mm3: to_i64(l.max_volume_m3).and_then(|v| u64::try_from(v).ok()),
            max_consignment_g: to_i64(l.max_consignment_kg).and_then(|v| u64::try_from(v).ok()),
            max_items: l.max_items,
            address_types: l.address_types.as_ref().map_or_else(
                || vec![AddressType::Street],
                |v| v.iter().map(|&a| a.into()).collect(),
            ),
            dangerous_goods: l.dangerous_goods,
        };
        let rate_kind = match sd.rates.kind {
            RateKindDef::WeightBands => RateKind::WeightBands,
            RateKindDef::SizeTiers => RateKind::SizeTiers,
            RateKindDef::DistanceBands => RateKind::DistanceBands,
        };
        let pricing = match sd.pricing {
            PricingDef::Consignment => PricingUnit::Consignment,
            PricingDef::Item => PricingUnit::Item,
        };
        if rate_kind == RateKind::SizeTiers && pricing != PricingUnit::Item {
            self.diags.error(
                "size-tiers-need-item-pricing",
                &pos,
                format!("service `{}`: size tiers price each item", sd.id.value),
                Some("set `pricing: item`".into()),
            );
        }
        if let (Some(f), Some(t)) = (sd.effective_from, sd.effective_to)
            && f.0 > t.0
        {
            self.diags.error(
                "invalid-value",
                &pos,
                "effective_from is after effective_to",
                None,
            );
        }
        let cubic = sd.cubic.as_ref().map(|c| {
            if !(1..=10_000).contains(&c.factor.value) {
                self.diags.error(
                    "invalid-value",
                    &Pos::at(rel, c.factor.line, c.factor.column),
                    format!("cubic factor {} kg/m³ is outside 1–10000", c.factor.value),
                    Some("road services use 250, Hunter 333, air 200".into()),
                );
            }
            Cubic {
                factor: c.factor.value,
                above_g: c.above_kg.and_then(|k| u32::try_from(k.0).ok()),
            }
        });
        let round_up_g = match &sd.round_up_kg {
            Some(r) if r.value.0 <= 0 => {
                self.diags.error(
                    "invalid-value",
                    &Pos::at(rel, r.line, r.column),
                    "round_up_kg must be positive",
                    None,
                );
                0
            }
            Some(r) => u32::try_from(r.value.0).unwrap_or(0),
            None => 0,
        };
        let mut tables = Vec::new();
        for t in &sd.rates.tables {
            if let Some(table) = self.rate_table(t, rel, rate_kind, zones) {
                tables.push(table);
            }
        }
        if sd.rates.tables.is_empty() {
            self.diags.error(
                "no-rates",
                &pos,
                format!("service `{}` has no rate table", sd.id.value),
                None,
            );
        }
        tables.sort_by_key(|t| t.from);
        for w in tables.windows(2) {
            if let [a, b] = w
                && a.to.is_none_or(|t| b.from.is_none_or(|f| f <= t))
            {
                self.diags.error(
                    "table-overlap",
                    &pos,
                    format!("service `{}`: two rate tables cover the same dates", sd.id.value),
                    Some("give each table a `from`, and the older one a `to` before the newer one's `from`".into()),
                );
            }
        }
        Some(Service {
            id: sd.id.value.clone(),
            name: sd.name.clone(),
            carrier: ci,
            enabled: sd.enabled,
            level: sd.level.into(),
            effective_from: sd.effective_from.map(|d| d.0),
            effective_to: sd.effective_to.map(|d| d.0),
            cubic,
            round_up_g,
            pricing,
            limits,
            rate_kind,
            tables,
            surcharges: Vec::new(),
            fuel,
            disabled_by_rule: None,
        })
    }
}
