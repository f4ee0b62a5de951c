//! Fuel levies of a carrier or a service: dated percentage series, by destination zone.

use lpo_engine::{Fuel, Series};
use lpo_model::{Bp, Date};

use crate::diag::Pos;
use crate::files::{FuelDef, FuelPoint, Sp};
use crate::loader::Loader;

impl Loader {
    /// A dated percentage series, oldest entry first.
    fn series(&mut self, points: &[Sp<FuelPoint>], rel: &str) -> Series {
        let mut out: Vec<(Date, Bp)> = Vec::new();
        for p in points {
            if out.last().is_some_and(|(d, _)| *d >= p.value.from.0) {
                self.diags.error(
                    "fuel-order",
                    &Pos::at(rel, p.line, p.column),
                    format!(
                        "fuel series entry {} is not after the one before it",
                        p.value.from.0
                    ),
                    Some("list fuel entries oldest first, one per date".into()),
                );
            }
            if p.value.pct.0 < 0 {
                self.diags.error(
                    "invalid-value",
                    &Pos::at(rel, p.line, p.column),
                    "negative fuel percentage",
                    None,
                );
            }
            out.push((p.value.from.0, Bp(p.value.pct.0)));
        }
        out.sort_by_key(|e| e.0);
        Series(out)
    }

    /// A fuel levy: its default series and its series for some zones.
    pub(super) fn fuel(
        &mut self,
        f: &FuelDef,
        rel: &str,
        zone_ref: &mut dyn FnMut(&mut Loader, &Sp<String>) -> Option<u16>,
    ) -> Fuel {
        let series = self.series(&f.series, rel);
        let mut by_zone = Vec::new();
        for bz in &f.by_zone {
            let zones = bz.zones.iter().filter_map(|z| zone_ref(self, z)).collect();
            by_zone.push((zones, self.series(&bz.series, rel)));
        }
        Fuel { series, by_zone }
    }
}
