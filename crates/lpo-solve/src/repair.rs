//! A first plan without any LP: the per-order choice repaired against the hard capacities and
//! commitments, then priced with the tier discounts its volumes earn.
//!
//! Each over-full capacity moves orders off its scope, cheapest move per unit freed first; each
//! hard commitment that falls short moves orders onto its carrier, cheapest move per unit gained
//! first. A move never overfills a capacity and never takes a hard commitment below its
//! minimum. Spend is counted at the carrier's deepest discount, so the discounts the final
//! volumes earn cannot take a commitment back below its minimum. A heuristic: when it cannot
//! repair a day it gives nothing, and the search goes on without a first plan.

use lpo_engine::constraints::{CapacityUnit, CommitmentUnit, TierKind};
use lpo_engine::{Constraints, Engine};

use crate::classes::{Batch, ClassOption};
use crate::plan::violation;
use crate::types::Alloc;

/// Passes over every hard constraint.
const PASSES: usize = 3;

/// Per class: (option index, orders) on it.
pub(crate) type Pick = Vec<Vec<(u16, u64)>>;

/// The per-order choice (each class's best-ranked option), priced with the tier discounts its
/// volumes earn: for `beyond` schedules the discounted bands go to the orders they save most on.
pub fn greedy(cons: &Constraints, batch: &Batch) -> Vec<Vec<Alloc>> {
    let pick: Pick = batch.classes.iter().map(|c| vec![(0, c.count)]).collect();
    with_bands(cons, batch, &pick)
}

/// The per-order choice repaired, or `None` when the repair left a constraint broken.
pub(crate) fn repaired(
    engine: &Engine,
    cons: &Constraints,
    batch: &Batch,
) -> Option<Vec<Vec<Alloc>>> {
    let mut r = Repair::new(engine, cons, batch);
    for _ in 0..PASSES {
        let mut moved = false;
        for i in 0..cons.capacities.len() {
            moved |= r.settle(Target::Capacity(i));
        }
        for (i, m) in cons.commitments.iter().enumerate() {
            if m.penalty.is_none() {
                moved |= r.settle(Target::Commitment(i));
            }
        }
        if !moved {
            break;
        }
    }
    let alloc = with_bands(cons, batch, &r.pick);
    violation(engine, cons, batch, &alloc)
        .is_none()
        .then_some(alloc)
}

struct Repair<'a> {
    engine: &'a Engine,
    cons: &'a Constraints,
    batch: &'a Batch,
    pick: Pick,
    /// Per capacity: parcels or grams used.
    used: Vec<u64>,
    /// Per commitment: parcels or cents (at the deepest discount) delivered.
    got: Vec<u64>,
}

impl<'a> Repair<'a> {
    fn new(engine: &'a Engine, cons: &'a Constraints, batch: &'a Batch) -> Repair<'a> {
        let pick: Pick = batch
            .classes
            .iter()
            .map(|c| vec![(0u16, c.count)])
            .collect();
        let mut r = Repair {
            engine,
            cons,
            batch,
            used: vec![0; cons.capacities.len()],
            got: vec![0; cons.commitments.len()],
            pick,
        };
        for (k, c) in batch.classes.iter().enumerate() {
            r.account(k, 0, c.count, true);
        }
        r
    }

    #[expect(
        clippy::indexing_slicing,
        reason = "k is a class of the batch and j one of its options (from `pick`, or below its options' count)"
    )]
    fn option(&self, k: usize, j: u16) -> &'a ClassOption {
        &self.batch.options_of(k)[usize::from(j)]
    }

    fn score(&self, k: usize, j: u16) -> f64 {
        self.batch.price(self.option(k, j), 0).score.0 as f64
    }

    /// What one order of class `k` on option `j` counts in capacity `i` (0 outside its scope).
    #[expect(
        clippy::indexing_slicing,
        reason = "i is a capacity of `cons` and k a class of the batch"
    )]
    fn cap_unit(&self, i: usize, k: usize, j: u16) -> u64 {
        let cap = &self.cons.capacities[i];
        let o = self.option(k, j);
        if !cap.scope.matches(self.engine, o.service, o.warehouse) {
            return 0;
        }
        let c = &self.batch.classes[k];
        match cap.unit {
            CapacityUnit::Parcels => c.parcels,
            CapacityUnit::Grams => c.grams,
        }
    }

    /// What one order of class `k` on option `j` counts toward commitment `i`.
    #[expect(
        clippy::indexing_slicing,
        reason = "i is a commitment of `cons` and k a class of the batch"
    )]
    fn commit_unit(&self, i: usize, k: usize, j: u16) -> u64 {
        let m = &self.cons.commitments[i];
        let o = self.option(k, j);
        if o.carrier != m.carrier {
            return 0;
        }
        match m.unit {
            CommitmentUnit::Parcels => self.batch.classes[k].parcels,
            CommitmentUnit::Spend => {
                let deepest = usize::from(o.bands).saturating_sub(1);
                self.batch.price(o, deepest).total.0.max(0) as u64
            }
        }
    }

    #[expect(
        clippy::indexing_slicing,
        reason = "`used` and `got` have one entry per capacity and per commitment, and i ranges over them"
    )]
    fn account(&mut self, k: usize, j: u16, n: u64, add: bool) {
        for i in 0..self.used.len() {
            let u = self.cap_unit(i, k, j) * n;
            self.used[i] = if add {
                self.used[i] + u
            } else {
                self.used[i] - u
            };
        }
        for i in 0..self.got.len() {
            let u = self.commit_unit(i, k, j) * n;
            self.got[i] = if add {
                self.got[i] + u
            } else {
                self.got[i] - u
            };
        }
    }

    /// Most orders of class `k` that may move from option `from` to `to` without overfilling a
    /// capacity or taking a hard commitment below its minimum (`want` at most).
    #[expect(
        clippy::indexing_slicing,
        reason = "`used` has one entry per capacity of `cons`, and i ranges over it; `got` one per commitment"
    )]
    fn room(&self, k: usize, from: u16, to: u16, want: u64) -> u64 {
        let mut most = want;
        for i in 0..self.used.len() {
            let add = self.cap_unit(i, k, to);
            let sub = self.cap_unit(i, k, from);
            if add > sub {
                let left = self.cons.capacities[i].limit.saturating_sub(self.used[i]);
                most = most.min(left / (add - sub));
            }
        }
        for (i, m) in self.cons.commitments.iter().enumerate() {
            if m.penalty.is_some() {
                continue;
            }
            let add = self.commit_unit(i, k, to);
            let sub = self.commit_unit(i, k, from);
            if sub > add {
                let spare = self.got[i].saturating_sub(m.min);
                most = most.min(spare / (sub - add));
            }
        }
        most
    }

    #[expect(
        clippy::indexing_slicing,
        reason = "`pick` has one entry per class of the batch, and k is one of them"
    )]
    fn shift(&mut self, k: usize, from: u16, to: u16, n: u64) {
        self.account(k, from, n, false);
        self.account(k, to, n, true);
        let list = &mut self.pick[k];
        if let Some(e) = list.iter_mut().find(|e| e.0 == from) {
            e.1 -= n;
        }
        match list.iter_mut().find(|e| e.0 == to) {
            Some(e) => e.1 += n,
            None => list.push((to, n)),
        }
        list.retain(|e| e.1 > 0);
        list.sort_unstable();
    }

    /// How far target `t` is from holding: parcels or grams over a capacity, or parcels or
    /// cents short of a commitment (0 when it holds).
    #[expect(
        clippy::indexing_slicing,
        reason = "a target is a capacity or commitment of `cons`, and `used` and `got` have one entry per capacity and per commitment"
    )]
    fn short(&self, t: Target) -> u64 {
        match t {
            Target::Capacity(i) => self.used[i].saturating_sub(self.cons.capacities[i].limit),
            Target::Commitment(i) => self.cons.commitments[i].min.saturating_sub(self.got[i]),
        }
    }

    /// What moving one order of class `k` from option `from` to `to` does for target `t`:
    /// units freed of a capacity, or gained toward a commitment (0 when it does not help).
    fn gain(&self, t: Target, k: usize, from: u16, to: u16) -> u64 {
        match t {
            Target::Capacity(i) => self
                .cap_unit(i, k, from)
                .saturating_sub(self.cap_unit(i, k, to)),
            Target::Commitment(i) => self
                .commit_unit(i, k, to)
                .saturating_sub(self.commit_unit(i, k, from)),
        }
    }

    /// Moves orders, cheapest move per unit first, until target `t` holds or no move is left;
    /// whether any moved.
    fn settle(&mut self, t: Target) -> bool {
        if self.short(t) == 0 {
            return false;
        }
        // (cost per unit, class, from, to)
        let mut moves: Vec<(f64, usize, u16, u16)> = Vec::new();
        for (k, pick) in self.pick.iter().enumerate() {
            for &(j, _) in pick {
                for to in 0..self.batch.options_of(k).len() as u16 {
                    let g = self.gain(t, k, j, to);
                    if g > 0 {
                        moves.push(((self.score(k, to) - self.score(k, j)) / g as f64, k, j, to));
                    }
                }
            }
        }
        moves.sort_by(|a, b| {
            a.0.total_cmp(&b.0)
                .then((a.1, a.2, a.3).cmp(&(b.1, b.2, b.3)))
        });
        let mut moved = false;
        for (_, k, from, to) in moves {
            let short = self.short(t);
            if short == 0 {
                break;
            }
            let have = self
                .pick
                .get(k)
                .and_then(|p| p.iter().find(|e| e.0 == from))
                .map_or(0, |e| e.1);
            let want = short.div_ceil(self.gain(t, k, from, to)).min(have);
            let n = self.room(k, from, to, want);
            if n > 0 {
                self.shift(k, from, to, n);
                moved = true;
            }
        }
        moved
    }
}

/// A hard constraint the repair drives to hold.
#[derive(Debug, Clone, Copy)]
enum Target {
    Capacity(usize),
    Commitment(usize),
}

/// A choice of options priced with the tier discounts its volumes earn: for `all` schedules the
/// band the carrier's volume reaches; for `beyond` schedules the discounted bands go to the
/// orders they save most on.
#[expect(
    clippy::indexing_slicing,
    reason = "pick has one entry per class of `batch` (as has `out`), each on options of its class; b is a band of the schedule, of which `room` has one entry per band"
)]
pub(crate) fn with_bands(cons: &Constraints, batch: &Batch, pick: &Pick) -> Vec<Vec<Alloc>> {
    let option = |k: usize, j: u16| batch.options_of(k)[usize::from(j)];
    // Per class: (option, band, count).
    let mut out: Vec<Vec<Alloc>> = pick
        .iter()
        .map(|p| {
            p.iter()
                .map(|&(j, n)| Alloc {
                    option: j,
                    band: 0,
                    count: n,
                })
                .collect()
        })
        .collect();
    for t in &cons.tiers {
        // (class, option, orders) on the schedule's carrier, in class order.
        let mine: Vec<(usize, u16, u64)> = pick
            .iter()
            .enumerate()
            .flat_map(|(k, p)| p.iter().map(move |&(j, n)| (k, j, n)))
            .filter(|&(k, j, _)| option(k, j).carrier == t.carrier)
            .collect();
        let volume: u64 = mine
            .iter()
            .map(|&(k, _, n)| n * batch.classes[k].parcels)
            .sum();
        let counts = t.band_counts(volume);
        let mut split: Vec<(usize, Alloc)> = Vec::new();
        match t.kind {
            TierKind::All => {
                let band = counts.iter().position(|&c| c > 0).unwrap_or(0) as u8;
                for &(k, j, n) in &mine {
                    split.push((
                        k,
                        Alloc {
                            option: j,
                            band,
                            count: n,
                        },
                    ));
                }
            }
            TierKind::Beyond => {
                let saving = |k: usize, j: u16| {
                    let o = option(k, j);
                    let last = usize::from(o.bands) - 1;
                    (batch.price(&o, 0).total.0 - batch.price(&o, last).total.0) as f64
                        / batch.classes[k].parcels.max(1) as f64
                };
                let mut order = mine.clone();
                order.sort_by(|a, b| {
                    saving(b.0, b.1)
                        .total_cmp(&saving(a.0, a.1))
                        .then((a.0, a.1).cmp(&(b.0, b.1)))
                });
                let mut room = counts.clone();
                for &(k, j, n) in &order {
                    let c = &batch.classes[k];
                    let mut left = n;
                    for b in (0..t.bands()).rev() {
                        let fit = (room[b] / c.parcels.max(1)).min(left);
                        if fit > 0 {
                            split.push((
                                k,
                                Alloc {
                                    option: j,
                                    band: b as u8,
                                    count: fit,
                                },
                            ));
                            room[b] -= fit * c.parcels;
                            left -= fit;
                        }
                    }
                    if left > 0 {
                        split.push((
                            k,
                            Alloc {
                                option: j,
                                band: 0,
                                count: left,
                            },
                        ));
                    }
                }
            }
        }
        for &(k, j, _) in &mine {
            out[k].retain(|a| a.option != j);
        }
        for (k, a) in split {
            out[k].push(a);
        }
    }
    for a in &mut out {
        a.sort_by_key(|a| (a.option, a.band));
    }
    out
}
