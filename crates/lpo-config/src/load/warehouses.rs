//! The warehouses file: where parcels ship from, and the default for orders that name none.

use lpo_engine::{DefaultFrom, PostcodeIndex, Warehouse};

use crate::diag::{Pos, did_you_mean};
use crate::files::WarehousesFile;
use crate::loader::Loader;
use crate::loader::values::{parse_postcode, valid_id};

impl Loader {
    /// The warehouses file: warehouses sorted by id, and where orders ship from by default.
    pub(super) fn warehouses(
        &mut self,
        (wf, rel): (WarehousesFile, String),
        postcodes: &PostcodeIndex,
    ) -> Option<(Vec<Warehouse>, DefaultFrom)> {
        let mut out: Vec<Warehouse> = Vec::new();
        for w in &wf.warehouses {
            let pos = Pos::at(&rel, w.id.line, w.id.column);
            if !valid_id(&w.id.value) || w.id.value == "nearest" {
                self.diags.error(
                    "invalid-id",
                    &pos,
                    format!("warehouse id `{}` is not a valid id", w.id.value),
                    Some("ids are lowercase letters, digits and `_`, starting with a letter; `nearest` is reserved".into()),
                );
            }
            if out.iter().any(|o| o.id == w.id.value) {
                self.diags.error(
                    "duplicate-id",
                    &pos,
                    format!("warehouse `{}` is defined twice", w.id.value),
                    None,
                );
                continue;
            }
            let ppos = Pos::at(&rel, w.postcode.line, w.postcode.column);
            let Some(pc) = parse_postcode(&w.postcode.value) else {
                self.diags.error(
                    "invalid-postcode",
                    &ppos,
                    format!("`{}` is not a 4-digit postcode", w.postcode.value),
                    Some("quote postcodes in YAML (\"0800\") to keep leading zeros".into()),
                );
                continue;
            };
            if postcodes.get(pc).is_none() {
                self.diags.error(
                    "unknown-postcode",
                    &ppos,
                    format!("postcode {pc:04} is not in the postcode table"),
                    None,
                );
            }
            if !(-90.0..=90.0).contains(&w.lat) || !(-180.0..=180.0).contains(&w.lon) {
                self.diags.error(
                    "invalid-value",
                    &pos,
                    format!("warehouse `{}` has an invalid lat/lon", w.id.value),
                    None,
                );
            }
            out.push(Warehouse {
                id: w.id.value.clone(),
                name: w.name.clone(),
                postcode: pc,
                lat: w.lat,
                lon: w.lon,
            });
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        if out.is_empty() {
            self.diags.error(
                "no-warehouses",
                &Pos::file(&rel),
                "no warehouses are defined",
                None,
            );
        }
        let default_from = if wf.default_from.len() == 1
            && wf
                .default_from
                .first()
                .is_some_and(|d| d.value == "nearest")
        {
            DefaultFrom::Nearest
        } else {
            let mut list = Vec::new();
            for d in &wf.default_from {
                match out.iter().position(|w| w.id == d.value) {
                    Some(i) => list.push(i as u16),
                    None => self.diags.error(
                        "unknown-warehouse",
                        &Pos::at(&rel, d.line, d.column),
                        format!("unknown warehouse `{}` in default_from", d.value),
                        did_you_mean(
                            &d.value,
                            out.iter().map(|w| w.id.as_str()).chain(["nearest"]),
                        ),
                    ),
                }
            }
            list.sort_unstable();
            list.dedup();
            if list.is_empty() {
                self.diags.error(
                    "no-warehouses",
                    &Pos::file(&rel),
                    "default_from names no warehouse",
                    Some("list warehouse ids, or `nearest` alone".into()),
                );
            }
            DefaultFrom::Warehouses(list)
        };
        Some((out, default_from))
    }
}
