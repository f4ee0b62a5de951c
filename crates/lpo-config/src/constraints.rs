//! Constraint files (docs/constraints.md): a day's courier capacities, volume commitments and
//! tier discounts, read with positions and compiled against the loaded rate cards.

use std::collections::HashMap;
use std::path::Path;

use lpo_engine::Engine;
use lpo_engine::constraints::{
    Capacity, CapacityUnit, Commitment, CommitmentUnit, Constraints, Scope, Tier, TierKind,
    TierSchedule,
};
use lpo_model::{Bp, Cents};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::diag::{Diagnostic, Pos, did_you_mean};
use crate::files::{Dollars, Kg, Pct, Sp};
use crate::loader::Loader;
use crate::loader::values::valid_id;

/// A constraints file: any of the three lists.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConstraintsFile {
    /// At most so many parcels (or kg) a day for a carrier, optionally one service and one warehouse.
    #[serde(default)]
    pub capacities: Vec<CapacityDef>,
    /// At least so many parcels (or dollars) to a carrier over the batch; hard, or soft with a penalty.
    #[serde(default)]
    pub commitments: Vec<CommitmentDef>,
    /// Volume discounts: a carrier's base charge falls once its parcels in the batch reach a tier.
    #[serde(default)]
    pub tiers: Vec<TierScheduleDef>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CapacityDef {
    pub id: Sp<String>,
    pub carrier: Sp<String>,
    /// A service id of the carrier; default: all its services.
    #[serde(default)]
    pub service: Option<Sp<String>>,
    /// A warehouse id; default: all warehouses.
    #[serde(default)]
    pub from: Option<Sp<String>>,
    /// Parcels a day (give this or `max_kg`).
    #[serde(default)]
    pub max_parcels: Option<Sp<u64>>,
    /// Dead weight a day, kg (give this or `max_parcels`).
    #[serde(default)]
    pub max_kg: Option<Sp<Kg>>,
    /// Set false to keep the entry but not apply it.
    #[serde(default = "yes")]
    pub enabled: bool,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitmentDef {
    pub id: Sp<String>,
    pub carrier: Sp<String>,
    /// Parcels over the batch (give this or `min_spend`).
    #[serde(default)]
    pub min_parcels: Option<Sp<u64>>,
    /// Invoice spend incl. GST over the batch, AUD (give this or `min_parcels`).
    #[serde(default)]
    pub min_spend: Option<Sp<Dollars>>,
    /// Soft commitment: AUD per parcel short (or per dollar short for `min_spend`).
    /// Without it the commitment is hard.
    #[serde(default)]
    pub penalty: Option<Sp<Dollars>>,
    #[serde(default = "yes")]
    pub enabled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppliesDef {
    /// Every parcel of the carrier gets the highest tier reached.
    All,
    /// Only parcels beyond each threshold get that tier's discount.
    Beyond,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TierScheduleDef {
    pub id: Sp<String>,
    pub carrier: Sp<String>,
    pub applies: AppliesDef,
    pub tiers: Sp<Vec<TierDef>>,
    #[serde(default = "yes")]
    pub enabled: bool,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TierDef {
    /// The carrier's parcels in the batch from which the tier applies.
    pub from_parcels: Sp<u64>,
    /// Percent off the base (freight) charge.
    pub discount_pct: Sp<Pct>,
}

fn yes() -> bool {
    true
}

impl Loader {
    /// Reads the constraint files at `path` (a `.yaml` file or a folder of them, in name order),
    /// named at `from` for messages.
    pub(crate) fn constraints(
        &mut self,
        path: &Path,
        from: Option<(&str, &Sp<String>)>,
        engine: &Engine,
    ) -> Constraints {
        let paths = if path.is_dir() {
            let named = from
                .map(|(f, s)| (f.to_string(), s.clone()))
                .unwrap_or_else(|| {
                    (
                        self.rel(path),
                        Sp {
                            value: path.display().to_string(),
                            line: 0,
                            column: 0,
                        },
                    )
                });
            self.yaml_files(path, (&named.0, &named.1))
                .unwrap_or_default()
        } else {
            vec![path.to_path_buf()]
        };
        let mut out = Constraints::default();
        let mut ids: HashMap<String, String> = HashMap::new();
        for p in &paths {
            let Some((file, rel)) = self.yaml::<ConstraintsFile>(p) else {
                continue;
            };
            for c in file.capacities.iter().filter(|c| c.enabled) {
                if self.fresh_id(&c.id, &rel, &mut ids)
                    && let Some(c) = self.capacity(c, &rel, engine)
                {
                    out.capacities.push(c);
                }
            }
            for c in file.commitments.iter().filter(|c| c.enabled) {
                if self.fresh_id(&c.id, &rel, &mut ids)
                    && let Some(c) = self.commitment(c, &rel, engine)
                {
                    out.commitments.push(c);
                }
            }
            for t in file.tiers.iter().filter(|t| t.enabled) {
                if self.fresh_id(&t.id, &rel, &mut ids)
                    && let Some(t) = self.tier_schedule(t, &rel, engine)
                {
                    if let Some(other) = out.tiers.iter().find(|o| o.carrier == t.carrier) {
                        self.diags.error(
                            "duplicate-tiers",
                            &Pos::at(&rel, t_line(&t.origin), 0),
                            format!(
                                "carrier `{}` already has the tier schedule `{}` ({})",
                                carrier_id(engine, t.carrier),
                                other.id,
                                other.origin
                            ),
                            Some("a carrier has one tier schedule; put every tier in it".into()),
                        );
                        continue;
                    }
                    let combos: usize = out
                        .tiers
                        .iter()
                        .chain(std::iter::once(&t))
                        .map(|s| s.bands())
                        .product();
                    if combos > lpo_engine::constraints::MAX_TIER_COMBINATIONS {
                        self.diags.error(
                            "too-many-tier-combinations",
                            &Pos::at(&rel, t_line(&t.origin), 0),
                            format!(
                                "with tier schedule `{}` the schedules make {combos} combinations of bands; the global solver takes at most {}",
                                t.id,
                                lpo_engine::constraints::MAX_TIER_COMBINATIONS
                            ),
                            Some("each combination is one linear program: merge tiers, or use fewer schedules".into()),
                        );
                        continue;
                    }
                    out.tiers.push(t);
                }
            }
        }
        self.check_commitments_reachable(&out, engine);
        out
    }

    fn fresh_id(&mut self, id: &Sp<String>, rel: &str, ids: &mut HashMap<String, String>) -> bool {
        let pos = Pos::at(rel, id.line, id.column);
        if !valid_id(&id.value) {
            self.diags.error(
                "invalid-id",
                &pos,
                format!("constraint id `{}` is not a valid id", id.value),
                Some("ids are lowercase letters, digits and `_`, starting with a letter".into()),
            );
            return false;
        }
        let here = format!("{rel}:{}", id.line);
        if let Some(other) = ids.insert(id.value.clone(), here) {
            self.diags.error(
                "duplicate-id",
                &pos,
                format!("constraint `{}` is also defined at {other}", id.value),
                None,
            );
            return false;
        }
        true
    }

    fn carrier_ref(&mut self, c: &Sp<String>, rel: &str, engine: &Engine) -> Option<u16> {
        let found = engine.carriers.iter().position(|x| x.id == c.value);
        if found.is_none() {
            let ids: Vec<&str> = engine.carriers.iter().map(|x| x.id.as_str()).collect();
            self.diags.error(
                "unknown-carrier",
                &Pos::at(rel, c.line, c.column),
                format!("unknown carrier `{}`", c.value),
                did_you_mean(&c.value, ids.iter().copied())
                    .or_else(|| Some(format!("known carriers: {}", ids.join(", ")))),
            );
        }
        found.map(|i| i as u16)
    }

    fn capacity(&mut self, c: &CapacityDef, rel: &str, engine: &Engine) -> Option<Capacity> {
        let carrier = self.carrier_ref(&c.carrier, rel, engine);
        let service = match (&c.service, carrier) {
            (Some(s), Some(ci)) => {
                let cid = carrier_id(engine, ci);
                match engine.service_by_ids(cid, &s.value) {
                    Some(i) => Some(Some(i)),
                    None => {
                        let ids: Vec<&str> = engine
                            .services
                            .iter()
                            .filter(|x| x.carrier == ci)
                            .map(|x| x.id.as_str())
                            .collect();
                        self.diags.error(
                            "unknown-service",
                            &Pos::at(rel, s.line, s.column),
                            format!("carrier `{cid}` has no service `{}`", s.value),
                            did_you_mean(&s.value, ids.iter().copied())
                                .or_else(|| Some(format!("its services: {}", ids.join(", ")))),
                        );
                        None
                    }
                }
            }
            (Some(_), None) => None,
            (None, _) => Some(None),
        };
        let warehouse = match &c.from {
            Some(w) => match engine.warehouses.iter().position(|x| x.id == w.value) {
                Some(i) => Some(Some(i as u16)),
                None => {
                    let ids: Vec<&str> = engine.warehouses.iter().map(|x| x.id.as_str()).collect();
                    self.diags.error(
                        "unknown-warehouse",
                        &Pos::at(rel, w.line, w.column),
                        format!("unknown warehouse `{}`", w.value),
                        did_you_mean(&w.value, ids.iter().copied())
                            .or_else(|| Some(format!("known warehouses: {}", ids.join(", ")))),
                    );
                    None
                }
            },
            None => Some(None),
        };
        let at = Pos::at(rel, c.id.line, c.id.column);
        let (unit, limit) = match (&c.max_parcels, &c.max_kg) {
            (Some(n), None) => (CapacityUnit::Parcels, n.value),
            (None, Some(kg)) if kg.value.0 >= 0 => (CapacityUnit::Grams, kg.value.0 as u64),
            (None, Some(kg)) => {
                self.diags.error(
                    "invalid-value",
                    &Pos::at(rel, kg.line, kg.column),
                    "max_kg must not be negative",
                    None,
                );
                return None;
            }
            _ => {
                self.diags.error(
                    "capacity-unit",
                    &at,
                    format!(
                        "capacity `{}` needs exactly one of max_parcels and max_kg",
                        c.id.value
                    ),
                    None,
                );
                return None;
            }
        };
        let (carrier, service, warehouse) = (carrier?, service?, warehouse?);
        if let Some(w) = warehouse
            && engine
                .carriers
                .get(usize::from(carrier))
                .and_then(|c| c.origin_zone.get(usize::from(w)))
                .is_none_or(Option::is_none)
            && let Some(wd) = &c.from
        {
            self.diags.warning(
                "capacity-unused",
                &Pos::at(rel, wd.line, wd.column),
                format!(
                    "`{}` does not ship from `{}`: capacity `{}` never counts anything",
                    carrier_id(engine, carrier),
                    wd.value,
                    c.id.value
                ),
                None,
            );
        }
        Some(Capacity {
            id: c.id.value.clone(),
            origin: format!("{rel}:{}", c.id.line),
            scope: Scope {
                carrier,
                service,
                warehouse,
            },
            unit,
            limit,
        })
    }

    fn commitment(&mut self, c: &CommitmentDef, rel: &str, engine: &Engine) -> Option<Commitment> {
        let carrier = self.carrier_ref(&c.carrier, rel, engine);
        let at = Pos::at(rel, c.id.line, c.id.column);
        let (unit, min) = match (&c.min_parcels, &c.min_spend) {
            (Some(n), None) => (CommitmentUnit::Parcels, n.value),
            (None, Some(d)) if d.value.0 >= 0 => (CommitmentUnit::Spend, d.value.0 as u64),
            (None, Some(d)) => {
                self.diags.error(
                    "invalid-value",
                    &Pos::at(rel, d.line, d.column),
                    "min_spend must not be negative",
                    None,
                );
                return None;
            }
            _ => {
                self.diags.error(
                    "commitment-unit",
                    &at,
                    format!(
                        "commitment `{}` needs exactly one of min_parcels and min_spend",
                        c.id.value
                    ),
                    None,
                );
                return None;
            }
        };
        let penalty = match &c.penalty {
            Some(p) if p.value.0 < 0 => {
                self.diags.error(
                    "invalid-value",
                    &Pos::at(rel, p.line, p.column),
                    "penalty must not be negative",
                    Some("leave it out for a hard commitment".into()),
                );
                return None;
            }
            Some(p) => Some(Cents(p.value.0)),
            None => None,
        };
        Some(Commitment {
            id: c.id.value.clone(),
            origin: format!("{rel}:{}", c.id.line),
            carrier: carrier?,
            unit,
            min,
            penalty,
        })
    }

    fn tier_schedule(
        &mut self,
        t: &TierScheduleDef,
        rel: &str,
        engine: &Engine,
    ) -> Option<TierSchedule> {
        let carrier = self.carrier_ref(&t.carrier, rel, engine);
        let mut tiers: Vec<Tier> = Vec::new();
        let mut ok = true;
        if t.tiers.value.is_empty() {
            self.diags.error(
                "empty-tiers",
                &Pos::at(rel, t.tiers.line, t.tiers.column),
                format!("tier schedule `{}` has no tiers", t.id.value),
                None,
            );
            ok = false;
        }
        for d in &t.tiers.value {
            let pct = d.discount_pct.value.0;
            if !(0 < pct && pct < 10_000) {
                self.diags.error(
                    "invalid-value",
                    &Pos::at(rel, d.discount_pct.line, d.discount_pct.column),
                    format!(
                        "discount_pct must be above 0 and below 100, got {}",
                        Bp(pct)
                    ),
                    None,
                );
                ok = false;
            }
            if d.from_parcels.value == 0 {
                self.diags.error(
                    "invalid-value",
                    &Pos::at(rel, d.from_parcels.line, d.from_parcels.column),
                    "from_parcels must be at least 1 (the undiscounted band starts at 0)",
                    None,
                );
                ok = false;
            }
            if let Some(prev) = tiers.last() {
                if d.from_parcels.value <= prev.from_parcels {
                    self.diags.error(
                        "tiers-order",
                        &Pos::at(rel, d.from_parcels.line, d.from_parcels.column),
                        format!(
                            "from_parcels {} does not follow {}: tiers go in increasing order",
                            d.from_parcels.value, prev.from_parcels
                        ),
                        None,
                    );
                    ok = false;
                } else if pct <= prev.discount.0 {
                    self.diags.warning(
                        "tiers-discount",
                        &Pos::at(rel, d.discount_pct.line, d.discount_pct.column),
                        format!(
                            "discount {} is not above the previous tier's {}: reaching this tier saves nothing more",
                            Bp(pct),
                            prev.discount
                        ),
                        None,
                    );
                }
            }
            tiers.push(Tier {
                from_parcels: d.from_parcels.value,
                discount: Bp(pct),
            });
        }
        (ok).then_some(())?;
        Some(TierSchedule {
            id: t.id.value.clone(),
            origin: format!("{rel}:{}", t.id.line),
            carrier: carrier?,
            kind: match t.applies {
                AppliesDef::All => TierKind::All,
                AppliesDef::Beyond => TierKind::Beyond,
            },
            tiers,
        })
    }

    /// A hard commitment to a carrier that has no enabled service can never be met.
    fn check_commitments_reachable(&mut self, c: &Constraints, engine: &Engine) {
        for m in &c.commitments {
            let usable = engine
                .services
                .iter()
                .any(|s| s.carrier == m.carrier && s.enabled)
                && engine
                    .carriers
                    .get(usize::from(m.carrier))
                    .is_some_and(|c| c.enabled);
            if !usable && m.min > 0 {
                let (file, line) = m.origin.rsplit_once(':').unwrap_or((&m.origin, "0"));
                let pos = Pos::at(file, line.parse().unwrap_or(0), 0);
                let msg = format!(
                    "commitment `{}`: carrier `{}` has no enabled service",
                    m.id,
                    carrier_id(engine, m.carrier)
                );
                if m.penalty.is_some() {
                    self.diags
                        .warning("commitment-unreachable", &pos, msg, None);
                } else {
                    self.diags.error(
                        "commitment-unreachable",
                        &pos,
                        msg + ": every batch would be infeasible",
                        None,
                    );
                }
            }
        }
    }
}

/// The id of a carrier index found by `carrier_ref` (so always one of the engine's).
fn carrier_id(engine: &Engine, carrier: u16) -> &str {
    engine
        .carriers
        .get(usize::from(carrier))
        .map_or("?", |c| c.id.as_str())
}

fn t_line(origin: &str) -> u64 {
    origin
        .rsplit_once(':')
        .and_then(|(_, l)| l.parse().ok())
        .unwrap_or(0)
}

/// Reads constraint files given outside the manifest (`--constraints PATH`, a file or a folder)
/// against a loaded configuration. Positions are relative to the folder that holds them.
pub fn load_constraints(
    path: &Path,
    engine: &Engine,
) -> Result<(Constraints, Vec<Diagnostic>), Vec<Diagnostic>> {
    let anchor = if path.is_dir() {
        path.join("lpo.yaml")
    } else {
        path.to_path_buf()
    };
    let mut l = Loader::new(&anchor);
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let c = l.constraints(&path, None, engine);
    let diags = std::mem::take(&mut l.diags);
    if diags.has_errors() {
        Err(diags.sorted())
    } else {
        Ok((c, diags.sorted()))
    }
}
