//! Capacities that another capacity implies: same unit, a scope that holds inside the other's,
//! and a limit no tighter. Such a capacity can never be the one that binds, so the solve leaves
//! it out (a day's file may list thousands of capacities over a few hundred scopes), and its
//! report is measured on the plan afterwards, with a shadow price of zero.

use lpo_engine::constraints::{Capacity, Scope};
use lpo_engine::{Constraints, Engine};

use crate::classes::Batch;
use crate::plan::capacity_report;
use crate::types::{Row, Solution};

/// A day's constraints without the capacities that others imply.
#[derive(Debug, Clone)]
pub struct Reduced {
    /// What the solve runs on: every commitment and tier schedule, and the capacities kept.
    pub cons: Constraints,
    /// Per kept capacity, its index among the original ones.
    kept: Vec<usize>,
    /// How many capacities the original constraints have.
    original: usize,
}

/// Whether every parcel `inner` counts, `outer` counts too.
fn holds_in(inner: &Scope, outer: &Scope) -> bool {
    inner.carrier == outer.carrier
        && outer.service.is_none_or(|s| inner.service == Some(s))
        && outer.warehouse.is_none_or(|w| inner.warehouse == Some(w))
}

/// Whether capacity `a` (the `i`th) makes `b` (the `j`th) redundant: `b` holds whenever `a`
/// does. Of two with the same scope, unit and limit, the first is kept.
fn implies(a: &Capacity, i: usize, b: &Capacity, j: usize) -> bool {
    i != j
        && a.unit == b.unit
        && holds_in(&b.scope, &a.scope)
        && a.limit <= b.limit
        && (a.limit < b.limit || a.scope != b.scope || i < j)
}

/// `cons` without its implied capacities (`None` when none is). Implication is a strict order
/// (a cycle would need equal scopes and limits, which the first of them breaks), so every
/// capacity left out is implied by one that is kept.
pub fn reduce(cons: &Constraints) -> Option<Reduced> {
    let caps = &cons.capacities;
    let kept: Vec<usize> = (0..caps.len())
        .filter(|&j| {
            !caps
                .iter()
                .enumerate()
                .any(|(i, a)| caps.get(j).is_some_and(|b| implies(a, i, b, j)))
        })
        .collect();
    if kept.len() == caps.len() {
        return None;
    }
    let capacities = kept.iter().filter_map(|&i| caps.get(i).cloned()).collect();
    Some(Reduced {
        cons: Constraints {
            capacities,
            commitments: cons.commitments.clone(),
            tiers: cons.tiers.clone(),
        },
        kept,
        original: caps.len(),
    })
}

impl Reduced {
    /// How many capacities the solve leaves out.
    pub fn left_out(&self) -> usize {
        self.original - self.kept.len()
    }

    /// Turns a solution of the reduced constraints into one of `original` (the constraints
    /// [`reduce`] was given): a row report per original capacity, in their order, the kept
    /// ones as solved and the others measured on the plan, at a shadow price of zero when the
    /// solve had shadow prices.
    pub fn restore(
        &self,
        engine: &Engine,
        original: &Constraints,
        batch: &Batch,
        sol: &mut Solution,
    ) {
        let had_shadow = sol.rows.iter().any(|r| r.shadow_cents.is_some());
        let mut solved = std::mem::take(&mut sol.rows).into_iter();
        let mut rows = Vec::with_capacity(original.capacities.len() + original.commitments.len());
        let mut next_kept = self.kept.iter().copied().peekable();
        for (i, cap) in original.capacities.iter().enumerate() {
            if next_kept.next_if_eq(&i).is_some()
                && let Some(mut r) = solved.next()
            {
                r.row = Row::Capacity(i);
                rows.push(r);
            } else {
                let shadow = had_shadow.then_some(0.0);
                rows.push(capacity_report(engine, cap, i, batch, &sol.alloc, shadow));
            }
        }
        // The commitments follow the capacities, in the same order.
        rows.extend(solved);
        sol.rows = rows;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lpo_engine::constraints::CapacityUnit;

    fn cap(
        id: &str,
        carrier: u16,
        service: Option<u32>,
        from: Option<u16>,
        limit: u64,
    ) -> Capacity {
        Capacity {
            id: id.into(),
            origin: format!("test:{id}"),
            scope: Scope {
                carrier,
                service,
                warehouse: from,
            },
            unit: CapacityUnit::Parcels,
            limit,
        }
    }

    fn ids(cons: &Constraints) -> Vec<String> {
        match reduce(cons) {
            Some(r) => r.cons.capacities.iter().map(|c| c.id.clone()).collect(),
            None => cons.capacities.iter().map(|c| c.id.clone()).collect(),
        }
    }

    #[test]
    fn a_capacity_inside_a_tighter_one_is_left_out() {
        let cons = Constraints {
            capacities: vec![
                cap("wide", 1, None, None, 100),
                // Inside `wide` with a looser limit: implied.
                cap("syd", 1, None, Some(0), 150),
                // Inside `wide` but tighter: binds first, kept.
                cap("mel", 1, None, Some(1), 40),
                // Another carrier: kept.
                cap("other", 2, None, None, 500),
                // The same as `mel`: the first is kept.
                cap("mel-again", 1, None, Some(1), 40),
                // Inside `mel` (one service from mel), looser: implied.
                cap("mel-road", 1, Some(7), Some(1), 45),
                // Wider than `wide` is not possible; a service-wide one is inside `wide`.
                cap("road", 1, Some(7), None, 100),
            ],
            commitments: Vec::new(),
            tiers: Vec::new(),
        };
        assert_eq!(ids(&cons), vec!["wide", "mel", "other"]);
        let r = reduce(&cons).expect("some are implied");
        assert_eq!(r.left_out(), 4);
        assert_eq!(r.kept, vec![0, 2, 3]);
    }

    #[test]
    fn units_do_not_imply_each_other() {
        let mut kg = cap("kg", 1, None, None, 10);
        kg.unit = CapacityUnit::Grams;
        let cons = Constraints {
            capacities: vec![kg, cap("parcels", 1, None, None, 10_000)],
            commitments: Vec::new(),
            tiers: Vec::new(),
        };
        assert!(reduce(&cons).is_none());
    }

    /// Brute force over small random sets: a capacity is left out exactly when some kept one
    /// implies it, and every one left out holds whenever the kept ones hold, on every
    /// assignment of parcels to (service, warehouse) cells with at most 3 parcels per cell.
    #[test]
    fn what_is_left_out_holds_whenever_what_is_kept_holds() {
        let mut seed = 12345u64;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        let cells: Vec<(u32, u16)> = (0..2).flat_map(|s| (0..2).map(move |w| (s, w))).collect();
        for _ in 0..300 {
            let n = 1 + next(5) as usize;
            let caps: Vec<Capacity> = (0..n)
                .map(|i| {
                    let service = (next(2) == 0).then(|| next(2) as u32);
                    let from = (next(2) == 0).then(|| next(2) as u16);
                    cap(&format!("c{i}"), 0, service, from, next(7))
                })
                .collect();
            let cons = Constraints {
                capacities: caps.clone(),
                commitments: Vec::new(),
                tiers: Vec::new(),
            };
            let kept: Vec<usize> = reduce(&cons).map_or((0..n).collect(), |r| r.kept);
            let used = |c: &Capacity, load: &[u64]| -> u64 {
                cells
                    .iter()
                    .zip(load)
                    .filter(|((s, w), _)| {
                        c.scope.service.is_none_or(|x| x == *s)
                            && c.scope.warehouse.is_none_or(|x| x == *w)
                    })
                    .map(|(_, l)| *l)
                    .sum()
            };
            let mut load = vec![0u64; cells.len()];
            loop {
                let kept_hold = kept.iter().all(|&i| used(&caps[i], &load) <= caps[i].limit);
                if kept_hold {
                    for c in &caps {
                        assert!(
                            used(c, &load) <= c.limit,
                            "{caps:?} kept {kept:?} load {load:?}"
                        );
                    }
                }
                // The next assignment, counting in base 4.
                let mut d = 0;
                while d < load.len() && load[d] == 3 {
                    load[d] = 0;
                    d += 1;
                }
                if d == load.len() {
                    break;
                }
                load[d] += 1;
            }
            // Nothing kept is implied by another kept one, so none could be left out.
            for &j in &kept {
                for &i in &kept {
                    assert!(!implies(&caps[i], i, &caps[j], j), "{caps:?} kept {kept:?}");
                }
            }
        }
    }
}
