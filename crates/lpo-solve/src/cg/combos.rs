//! Combinations of tier bands: every one of them, the bands each lets a carrier's options be
//! priced in, and a counting check that a combination's volumes can be reached at all.

use lpo_engine::constraints::{CapacityUnit, TierKind};
use lpo_engine::{Constraints, Engine};

use crate::classes::Batch;

/// Per tier schedule: the band (`all`) or the last band used (`beyond`).
pub(crate) type Combo = Vec<usize>;

/// Every combination of tier bands.
pub(crate) fn combos(cons: &Constraints) -> Vec<Combo> {
    let mut out: Vec<Combo> = vec![Vec::new()];
    for t in &cons.tiers {
        out = out
            .into_iter()
            .flat_map(|c| {
                (0..t.bands()).map(move |b| {
                    let mut c = c.clone();
                    c.push(b);
                    c
                })
            })
            .collect();
    }
    out
}

/// The bands (inclusive) an option of `carrier` may be priced in under `combo`.
pub(crate) fn allowed(cons: &Constraints, combo: &[usize], carrier: u16) -> (usize, usize) {
    match cons
        .tiers
        .iter()
        .zip(combo)
        .find(|(t, _)| t.carrier == carrier)
    {
        None => (0, 0),
        Some((t, &c)) => match t.kind {
            TierKind::All => (c, c),
            TierKind::Beyond => (0, c),
        },
    }
}

/// Whether a combination asks a tier carrier for more parcels than it can possibly get: all
/// the parcels that could go by it, or what its per-warehouse capacities allow, whichever is
/// less. `Some(shortfall)` when so.
pub(crate) fn out_of_reach(
    engine: &Engine,
    cons: &Constraints,
    batch: &Batch,
    combo: &[usize],
) -> Option<f64> {
    let mut short = 0.0;
    for (t, &chosen) in cons.tiers.iter().zip(combo) {
        let need = t.band_start(chosen);
        if need == 0 {
            continue;
        }
        let warehouses = engine.warehouses.len();
        let mut reach = 0u64;
        let mut per_wh = vec![0u64; warehouses];
        for (k, c) in batch.classes.iter().enumerate() {
            let mut any = false;
            let mut seen = vec![false; warehouses];
            for o in batch
                .options_of(k)
                .iter()
                .filter(|o| o.carrier == t.carrier)
            {
                any = true;
                let w = usize::from(o.warehouse);
                if let (Some(done), Some(n)) = (seen.get_mut(w), per_wh.get_mut(w))
                    && !*done
                {
                    *done = true;
                    *n += c.count * c.parcels;
                }
            }
            if any {
                reach += c.count * c.parcels;
            }
        }
        let parcels_cap = |scope_ok: &dyn Fn(&lpo_engine::constraints::Scope) -> bool| {
            cons.capacities
                .iter()
                .filter(|c| c.unit == CapacityUnit::Parcels && c.scope.service.is_none())
                .filter(|c| c.scope.carrier == t.carrier && scope_ok(&c.scope))
                .map(|c| c.limit)
                .min()
        };
        let mut by_wh = 0u64;
        for (w, n) in per_wh.iter().enumerate() {
            let cap = parcels_cap(&|s| s.warehouse == Some(w as u16)).unwrap_or(u64::MAX);
            by_wh = by_wh.saturating_add((*n).min(cap));
        }
        let all = parcels_cap(&|s| s.warehouse.is_none()).unwrap_or(u64::MAX);
        let most = reach.min(by_wh).min(all);
        if most < need {
            short += (need - most) as f64;
        }
    }
    (short > 0.0).then_some(short)
}
