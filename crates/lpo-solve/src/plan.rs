//! Measuring an integer plan (allocations per class): its exact cost, its invoice, what it puts
//! in every capacity, commitment and tier band, the first constraint it breaks, the reports
//! of its rows and schedules, and the option and band of every order.

use lpo_engine::constraints::{CapacityUnit, CommitmentUnit, TierKind};
use lpo_engine::{Constraints, Engine};

use crate::classes::Batch;
use crate::types::{Alloc, Row, RowReport, TierReport};

/// Penalty per unit of a commitment's shortfall (parcels, or cents of spend), in cents.
pub(crate) fn penalty_per_unit(unit: CommitmentUnit, penalty_cents: i64) -> f64 {
    match unit {
        CommitmentUnit::Parcels => penalty_cents as f64,
        // The penalty is per dollar short; the shortfall is counted in cents.
        CommitmentUnit::Spend => penalty_cents as f64 / 100.0,
    }
}

/// Parcels per band of every tier schedule in a plan.
#[expect(
    clippy::indexing_slicing,
    reason = "alloc is a plan of `batch`: one entry per class, each allocation on an option of its class in one of its bands (a schedule carrier's options have every band of the schedule)"
)]
pub fn band_usage(cons: &Constraints, batch: &Batch, alloc: &[Vec<Alloc>]) -> Vec<Vec<u64>> {
    cons.tiers
        .iter()
        .map(|t| {
            let mut used = vec![0u64; t.bands()];
            for (k, a) in alloc.iter().enumerate() {
                let c = &batch.classes[k];
                for a in a {
                    if batch.options_of(k)[usize::from(a.option)].carrier == t.carrier {
                        used[usize::from(a.band)] += a.count * c.parcels;
                    }
                }
            }
            used
        })
        .collect()
}

pub(crate) fn tier_reports(
    cons: &Constraints,
    batch: &Batch,
    alloc: &[Vec<Alloc>],
) -> Vec<TierReport> {
    band_usage(cons, batch, alloc)
        .into_iter()
        .map(|band_parcels| TierReport {
            volume: band_parcels.iter().sum(),
            band_parcels,
        })
        .collect()
}

/// Exact objective of an integer plan: scores plus soft-commitment penalties, in cents.
#[expect(
    clippy::indexing_slicing,
    reason = "alloc is a plan of `batch`: one entry per class, each allocation on an option of its class in one of its bands"
)]
pub fn objective(cons: &Constraints, batch: &Batch, alloc: &[Vec<Alloc>]) -> f64 {
    let mut total: i128 = 0;
    for (k, a) in alloc.iter().enumerate() {
        for a in a {
            let p = batch.price(
                &batch.options_of(k)[usize::from(a.option)],
                usize::from(a.band),
            );
            total += i128::from(p.score.0) * i128::from(a.count);
        }
    }
    let mut pen = 0.0;
    for m in &cons.commitments {
        if let Some(p) = m.penalty {
            let got = commitment_activity(m, batch, alloc);
            let short = m.min.saturating_sub(got);
            pen += short as f64 * penalty_per_unit(m.unit, p.0);
        }
    }
    total as f64 + pen
}

/// Invoice total of an integer plan, cents; `band0`: as if no tier discount applied.
#[expect(
    clippy::indexing_slicing,
    reason = "alloc is a plan of `batch`: one entry per class, each allocation on an option of its class in one of its bands"
)]
pub fn invoice(batch: &Batch, alloc: &[Vec<Alloc>], band0: bool) -> i64 {
    let mut total = 0i64;
    for (k, a) in alloc.iter().enumerate() {
        for a in a {
            let o = &batch.options_of(k)[usize::from(a.option)];
            let b = if band0 { 0 } else { usize::from(a.band) };
            total += batch.price(o, b).total.0 * a.count as i64;
        }
    }
    total
}

#[expect(
    clippy::indexing_slicing,
    reason = "alloc is a plan of `batch`: one entry per class, each allocation on an option of its class in one of its bands"
)]
fn commitment_activity(
    m: &lpo_engine::constraints::Commitment,
    batch: &Batch,
    alloc: &[Vec<Alloc>],
) -> u64 {
    let mut got: i128 = 0;
    for (k, a) in alloc.iter().enumerate() {
        let c = &batch.classes[k];
        for a in a {
            let o = &batch.options_of(k)[usize::from(a.option)];
            if o.carrier != m.carrier {
                continue;
            }
            got += match m.unit {
                CommitmentUnit::Parcels => i128::from(c.parcels * a.count),
                CommitmentUnit::Spend => {
                    i128::from(batch.price(o, usize::from(a.band)).total.0) * i128::from(a.count)
                }
            };
        }
    }
    u64::try_from(got.max(0)).unwrap_or(u64::MAX)
}

#[expect(
    clippy::indexing_slicing,
    reason = "alloc is a plan of `batch`: one entry per class, each allocation on an option of its class in one of its bands"
)]
fn capacity_activity(
    engine: &Engine,
    cap: &lpo_engine::constraints::Capacity,
    batch: &Batch,
    alloc: &[Vec<Alloc>],
) -> u64 {
    let mut used = 0u64;
    for (k, a) in alloc.iter().enumerate() {
        let c = &batch.classes[k];
        for a in a {
            let o = &batch.options_of(k)[usize::from(a.option)];
            if cap.scope.matches(engine, o.service, o.warehouse) {
                used += a.count
                    * match cap.unit {
                        CapacityUnit::Parcels => c.parcels,
                        CapacityUnit::Grams => c.grams,
                    };
            }
        }
    }
    used
}

/// Capacity `cap` (the `i`th of its constraints) measured on the plan, with its shadow price.
pub(crate) fn capacity_report(
    engine: &Engine,
    cap: &lpo_engine::constraints::Capacity,
    i: usize,
    batch: &Batch,
    alloc: &[Vec<Alloc>],
    shadow_cents: Option<f64>,
) -> RowReport {
    let activity = capacity_activity(engine, cap, batch, alloc);
    // Within a kilogram of the limit counts as full for a weight capacity.
    let near = match cap.unit {
        CapacityUnit::Parcels => 0,
        CapacityUnit::Grams => 1000,
    };
    RowReport {
        row: Row::Capacity(i),
        activity,
        bound: cap.limit,
        binding: activity + near >= cap.limit,
        shortfall: 0,
        shadow_cents,
    }
}

/// Capacity and commitment rows measured on the plan, with the LP's shadow prices. Coupling
/// rows list capacities first, then commitments (see `cg::rows::coupling_rows`).
pub(crate) fn row_reports(
    engine: &Engine,
    cons: &Constraints,
    batch: &Batch,
    alloc: &[Vec<Alloc>],
    duals: Option<&[f64]>,
) -> Vec<RowReport> {
    let shadow = |row: usize, per_unit: f64| {
        duals.and_then(|d| d.get(row)).map(|v| {
            let v = v * per_unit;
            if v.abs() < 1e-7 { 0.0 } else { v }
        })
    };
    let mut out = Vec::new();
    for (i, cap) in cons.capacities.iter().enumerate() {
        let unit = match cap.unit {
            CapacityUnit::Parcels => 1.0,
            CapacityUnit::Grams => 1000.0,
        };
        out.push(capacity_report(
            engine,
            cap,
            i,
            batch,
            alloc,
            shadow(i, unit),
        ));
    }
    for (i, m) in cons.commitments.iter().enumerate() {
        let activity = commitment_activity(m, batch, alloc);
        let unit = match m.unit {
            CommitmentUnit::Parcels => 1.0,
            CommitmentUnit::Spend => 100.0,
        };
        out.push(RowReport {
            row: Row::Commitment(i),
            activity,
            bound: m.min,
            binding: activity <= m.min,
            shortfall: m.min.saturating_sub(activity),
            shadow_cents: shadow(cons.capacities.len() + i, unit),
        });
    }
    out
}

/// Checks an integer plan against every constraint; the first problem found, in words.
#[expect(
    clippy::indexing_slicing,
    reason = "`used` has an entry per band of the schedule (at least one); reached and b are bands of it, and b − 1 is read only when b > 0"
)]
pub fn violation(
    engine: &Engine,
    cons: &Constraints,
    batch: &Batch,
    alloc: &[Vec<Alloc>],
) -> Option<String> {
    for (c, a) in batch.classes.iter().zip(alloc) {
        let n: u64 = a.iter().map(|a| a.count).sum();
        if n != c.count {
            return Some(format!("a class of {} orders has {n} placed", c.count));
        }
    }
    for cap in &cons.capacities {
        let used = capacity_activity(engine, cap, batch, alloc);
        if used > cap.limit {
            return Some(format!("capacity `{}`: {used} > {}", cap.id, cap.limit));
        }
    }
    for m in cons.commitments.iter().filter(|m| m.penalty.is_none()) {
        let got = commitment_activity(m, batch, alloc);
        if got < m.min {
            return Some(format!("commitment `{}`: {got} < {}", m.id, m.min));
        }
    }
    for (t, used) in cons.tiers.iter().zip(band_usage(cons, batch, alloc)) {
        let volume: u64 = used.iter().sum();
        let ok = match t.kind {
            TierKind::All => {
                // Every parcel in the highest band the volume reaches.
                let reached = (0..used.len())
                    .rev()
                    .find(|&b| volume >= t.band_start(b))
                    .unwrap_or(0);
                used[reached] == volume
            }
            TierKind::Beyond => (0..used.len()).all(|b| {
                let width_ok =
                    b + 1 >= used.len() || used[b] <= t.band_start(b + 1) - t.band_start(b);
                let below_full =
                    b == 0 || used[b] == 0 || used[b - 1] >= t.band_start(b) - t.band_start(b - 1);
                width_ok && below_full
            }),
        };
        if !ok {
            return Some(format!("tier schedule `{}`: bands {used:?}", t.id));
        }
    }
    None
}

/// Which quoted option (its index among the order's ranked options) and band each order
/// takes: orders of a class take the class's allocations in input order.
#[expect(
    clippy::indexing_slicing,
    reason = "alloc is a plan of `batch`: one entry per class, each allocation on an option of its class in one of its bands; order_class holds classes of `batch`, and `cursor` has one entry per class"
)]
pub fn assign(batch: &Batch, alloc: &[Vec<Alloc>]) -> Vec<Option<(u16, u8)>> {
    let mut cursor: Vec<(usize, u64)> = vec![(0, 0); batch.classes.len()];
    batch
        .order_class
        .iter()
        .map(|c| {
            let k = (*c)? as usize;
            let (i, used) = &mut cursor[k];
            let list = &alloc[k];
            while list.get(*i).is_some_and(|a| *used >= a.count) {
                *i += 1;
                *used = 0;
            }
            let a = list.get(*i)?;
            *used += 1;
            Some((batch.options_of(k)[usize::from(a.option)].rank, a.band))
        })
        .collect()
}

pub(crate) fn gap(objective: f64, bound: f64) -> f64 {
    if !bound.is_finite() {
        return f64::INFINITY;
    }
    if objective.abs() < 1e-9 {
        0.0
    } else {
        ((objective - bound) / objective.abs()).max(0.0)
    }
}
