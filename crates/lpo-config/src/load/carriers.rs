//! A carrier file: the carrier, its services (see `services`) and surcharges (see
//! `surcharges`), with the zones (see `zones`) and fuel levies (see `fuel`) they refer to; and a
//! warning for lanes the rate tables leave out.

use lpo_engine::{
    Amount, Carrier, NONE_U16, Per, PostcodeIndex, RateKind, Service, Surcharge, Warehouse, ZoneMap,
};

use crate::diag::{Pos, did_you_mean};
use crate::files::{CarrierFile, ServiceDef, Sp};
use crate::loader::Loader;
use crate::loader::values::valid_id;

impl Loader {
    /// One carrier file: its zones, services, surcharges and fuel levies. Services and surcharges
    /// are appended to the engine-wide lists.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn carrier(
        &mut self,
        cf: &CarrierFile,
        rel: &str,
        ci: u16,
        warehouses: &[Warehouse],
        postcodes: &PostcodeIndex,
        services: &mut Vec<Service>,
        surcharges: &mut Vec<Surcharge>,
    ) -> Option<Carrier> {
        let zones = self.zones(cf, rel)?;
        let zone_ref = |l: &mut Loader, z: &Sp<String>| -> Option<u16> {
            match zones.names.iter().position(|n| *n == z.value) {
                Some(i) => Some(i as u16),
                None => {
                    l.diags.error(
                        "unknown-zone",
                        &Pos::at(rel, z.line, z.column),
                        format!("carrier `{}` has no zone `{}`", cf.carrier.value, z.value),
                        did_you_mean(&z.value, zones.names.iter().map(String::as_str)),
                    );
                    None
                }
            }
        };
        let carrier_fuel = cf
            .fuel
            .as_ref()
            .map(|f| self.fuel(f, rel, &mut |l, z| zone_ref(l, z)))
            .unwrap_or_default();

        // Services, sorted by id.
        let mut defs: Vec<&ServiceDef> = cf.services.iter().collect();
        defs.sort_by(|a, b| a.id.value.cmp(&b.id.value));
        let first = services.len();
        let mut ids: Vec<&str> = Vec::new();
        for sd in defs {
            let pos = Pos::at(rel, sd.id.line, sd.id.column);
            if !valid_id(&sd.id.value) {
                self.diags.error(
                    "invalid-id",
                    &pos,
                    format!("service id `{}` is not a valid id", sd.id.value),
                    None,
                );
            }
            if ids.contains(&sd.id.value.as_str()) {
                self.diags.error(
                    "duplicate-id",
                    &pos,
                    format!("service `{}` is defined twice", sd.id.value),
                    None,
                );
                continue;
            }
            ids.push(&sd.id.value);
            let fuel = match &sd.fuel {
                Some(f) => self.fuel(f, rel, &mut |l, z| zone_ref(l, z)),
                None => carrier_fuel.clone(),
            };
            if let Some(s) = self.service(sd, rel, ci, &zones, fuel) {
                services.push(s);
            }
        }
        if cf.services.is_empty() {
            self.diags.error(
                "no-services",
                &Pos::file(rel),
                format!("carrier `{}` has no services", cf.carrier.value),
                None,
            );
        }

        // Surcharges.
        for sc in &cf.surcharges {
            let pos = Pos::at(rel, sc.id.line, sc.id.column);
            let targets: Vec<usize> = match &sc.services {
                None => (first..services.len()).collect(),
                Some(list) => list
                    .iter()
                    .filter_map(|s| {
                        let found = services
                            .get(first..)
                            .and_then(|v| v.iter().position(|x| x.id == s.value));
                        if found.is_none() {
                            self.diags.error(
                                "unknown-service",
                                &Pos::at(rel, s.line, s.column),
                                format!(
                                    "carrier `{}` has no service `{}`",
                                    cf.carrier.value, s.value
                                ),
                                did_you_mean(&s.value, ids.iter().copied()),
                            );
                        }
                        found.map(|i| i + first)
                    })
                    .collect(),
            };
            let Some(s) = self.surcharge(sc, rel, ci, &mut |l, z| zone_ref(l, z)) else {
                continue;
            };
            if s.per != Per::Consignment && matches!(s.amount, Amount::PctOfBase(_)) {
                self.diags.error(
                    "pct-needs-consignment",
                    &pos,
                    format!(
                        "surcharge `{}`: pct_of_base is a share of the whole base charge",
                        sc.id.value
                    ),
                    Some("use `per: consignment` with pct_of_base".into()),
                );
            }
            let si = surcharges.len() as u32;
            surcharges.push(s);
            for t in targets {
                if let Some(svc) = services.get_mut(t) {
                    svc.surcharges.push(si);
                }
            }
        }

        let origin_zone = warehouses
            .iter()
            .map(|w| zones.zone_of(w.postcode, None, Some((w.lat, w.lon))))
            .collect::<Vec<_>>();
        self.missing_lanes(
            cf,
            rel,
            &zones,
            warehouses,
            &origin_zone,
            services.get(first..).unwrap_or(&[]),
        );
        let _ = postcodes;
        Some(Carrier {
            id: cf.carrier.value.clone(),
            name: cf.name.clone(),
            enabled: cf.enabled,
            zones,
            origin_zone,
        })
    }

    /// Warns about destination zones (zoned by postcode or suburb) that a service has no rate to
    /// from a warehouse's zone: orders there will be `no_lane`. Distance-priced services serve
    /// only their own areas and are left out.
    fn missing_lanes(
        &mut self,
        cf: &CarrierFile,
        rel: &str,
        zones: &ZoneMap,
        warehouses: &[Warehouse],
        origin_zone: &[Option<u16>],
        services: &[Service],
    ) {
        let mut served: Vec<u16> = zones
            .by_postcode
            .iter()
            .copied()
            .filter(|&z| z != NONE_U16)
            .collect();
        served.extend(zones.by_suburb.values().flatten().map(|(_, z)| *z));
        served.sort_unstable();
        served.dedup();
        for svc in services
            .iter()
            .filter(|s| s.rate_kind != RateKind::DistanceBands)
        {
            let Some(table) = svc.tables.last() else {
                continue;
            };
            for (w, origin) in warehouses.iter().zip(origin_zone) {
                let Some(origin) = *origin else { continue };
                let missing: Vec<&str> = served
                    .iter()
                    .filter(|&&z| table.lane(origin, z).is_none())
                    .map(|&z| zones.name(z))
                    .collect();
                if missing.is_empty() {
                    continue;
                }
                let pos = cf
                    .services
                    .iter()
                    .find(|d| d.id.value == svc.id)
                    .map_or(Pos::file(rel), |d| Pos::at(rel, d.id.line, d.id.column));
                let shown: Vec<&str> = missing.iter().take(6).copied().collect();
                let more = if missing.len() > shown.len() {
                    format!(" and {} more", missing.len() - shown.len())
                } else {
                    String::new()
                };
                self.diags.warning(
                    "lane-missing",
                    &pos,
                    format!(
                        "{}/{} has no rate from zone {} (warehouse `{}`) to {}{more}",
                        cf.carrier.value,
                        svc.id,
                        zones.name(origin),
                        w.id,
                        shown.join(", ")
                    ),
                    Some("add lanes (or a `*` row) to the rate table, or accept that these orders get `no_lane`".into()),
                );
            }
        }
    }
}
