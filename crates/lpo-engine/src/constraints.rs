//! Compiled global constraints for a day's batch: capacities, commitments and tier discounts.
//! Read and validated by `lpo-config`; solved by `lpo-solve`; verified by `lpo check`.

use lpo_model::{Bp, Cents};

use crate::compiled::Engine;

/// Which options a capacity counts: a carrier, optionally one of its services and one warehouse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    pub carrier: u16,
    pub service: Option<u32>,
    pub warehouse: Option<u16>,
}

impl Scope {
    /// Whether shipping with `service` from `warehouse` falls in this scope.
    pub fn matches(&self, engine: &Engine, service: u32, warehouse: u16) -> bool {
        engine
            .service(service)
            .is_some_and(|s| s.carrier == self.carrier)
            && self.service.is_none_or(|s| s == service)
            && self.warehouse.is_none_or(|w| w == warehouse)
    }
}

/// What a capacity counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapacityUnit {
    Parcels,
    /// Dead weight of the parcels, in grams.
    Grams,
}

/// At most `limit` parcels (or grams) a day in `scope`.
#[derive(Debug, Clone)]
pub struct Capacity {
    pub id: String,
    /// `file:line` of its definition.
    pub origin: String,
    pub scope: Scope,
    pub unit: CapacityUnit,
    pub limit: u64,
}

/// What a commitment counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitmentUnit {
    Parcels,
    /// Invoice totals (incl. GST), in cents.
    Spend,
}

/// At least `min` parcels (or cents of spend) to a carrier over the batch.
#[derive(Debug, Clone)]
pub struct Commitment {
    pub id: String,
    pub origin: String,
    pub carrier: u16,
    pub unit: CommitmentUnit,
    pub min: u64,
    /// Soft commitments cost this much per parcel short (parcels) or per dollar short (spend);
    /// `None`: hard.
    pub penalty: Option<Cents>,
}

/// How a tier's discount applies once the carrier's volume reaches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TierKind {
    /// Every parcel of the carrier gets the discount of the highest tier reached.
    All,
    /// Only the parcels beyond each threshold get that tier's discount (like tax brackets).
    Beyond,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tier {
    /// The carrier's parcels in the batch from which this tier applies.
    pub from_parcels: u64,
    /// Off the base (freight) charge.
    pub discount: Bp,
}

/// Most combinations of tier bands (the product over the schedules of their bands) a day's
/// constraints may make: each is a linear program the global solver may have to solve.
pub const MAX_TIER_COMBINATIONS: usize = 256;

/// A carrier's volume discount schedule. `tiers` are in increasing order of `from_parcels`;
/// band 0 (no discount) is implicit.
#[derive(Debug, Clone)]
pub struct TierSchedule {
    pub id: String,
    pub origin: String,
    pub carrier: u16,
    pub kind: TierKind,
    pub tiers: Vec<Tier>,
}

impl TierSchedule {
    /// Discount of band `b` (0: none).
    pub fn discount(&self, band: usize) -> Bp {
        band.checked_sub(1)
            .and_then(|i| self.tiers.get(i))
            .map_or(Bp(0), |t| t.discount)
    }

    /// Number of bands, the undiscounted one included.
    pub fn bands(&self) -> usize {
        self.tiers.len() + 1
    }

    /// First parcel (0-based) of band `b`.
    pub fn band_start(&self, band: usize) -> u64 {
        band.checked_sub(1)
            .and_then(|i| self.tiers.get(i))
            .map_or(0, |t| t.from_parcels)
    }

    /// How many of a carrier's `volume` parcels each band holds: for `all`, every parcel is in
    /// the highest band reached; for `beyond`, band b holds the parcels from its threshold to the
    /// next one.
    pub fn band_counts(&self, volume: u64) -> Vec<u64> {
        let mut counts = vec![0; self.bands()];
        match self.kind {
            TierKind::All => {
                let band = (0..self.bands())
                    .rev()
                    .find(|&b| volume >= self.band_start(b))
                    .unwrap_or(0);
                if let Some(c) = counts.get_mut(band) {
                    *c = volume;
                }
            }
            TierKind::Beyond => {
                for (b, c) in counts.iter_mut().enumerate() {
                    let start = self.band_start(b);
                    let end = if b + 1 < self.bands() {
                        self.band_start(b + 1)
                    } else {
                        u64::MAX
                    };
                    *c = volume.clamp(start, end) - start;
                }
            }
        }
        counts
    }
}

/// The constraints of a day's batch. Empty: the per-order choice is optimal.
#[derive(Debug, Clone, Default)]
pub struct Constraints {
    pub capacities: Vec<Capacity>,
    pub commitments: Vec<Commitment>,
    pub tiers: Vec<TierSchedule>,
}

impl Constraints {
    pub fn is_empty(&self) -> bool {
        self.capacities.is_empty() && self.commitments.is_empty() && self.tiers.is_empty()
    }

    /// The tier schedule of a carrier (at most one per carrier).
    pub fn tiers_of(&self, carrier: u16) -> Option<&TierSchedule> {
        self.tiers.iter().find(|t| t.carrier == carrier)
    }

    /// Whether some capacity counts kilograms (the model then needs each order's weight).
    pub fn uses_weight(&self) -> bool {
        self.capacities
            .iter()
            .any(|c| c.unit == CapacityUnit::Grams)
    }

    /// Number of constraints of every kind.
    pub fn len(&self) -> usize {
        self.capacities.len() + self.commitments.len() + self.tiers.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(kind: TierKind) -> TierSchedule {
        TierSchedule {
            id: "t".into(),
            origin: String::new(),
            carrier: 0,
            kind,
            tiers: vec![
                Tier {
                    from_parcels: 10,
                    discount: Bp(300),
                },
                Tier {
                    from_parcels: 20,
                    discount: Bp(500),
                },
            ],
        }
    }

    #[test]
    fn band_counts_follow_the_definition() {
        let all = schedule(TierKind::All);
        assert_eq!(all.band_counts(0), vec![0, 0, 0]);
        assert_eq!(all.band_counts(9), vec![9, 0, 0]);
        assert_eq!(all.band_counts(10), vec![0, 10, 0]);
        assert_eq!(all.band_counts(25), vec![0, 0, 25]);
        let beyond = schedule(TierKind::Beyond);
        assert_eq!(beyond.band_counts(9), vec![9, 0, 0]);
        assert_eq!(beyond.band_counts(10), vec![10, 0, 0]);
        assert_eq!(beyond.band_counts(15), vec![10, 5, 0]);
        assert_eq!(beyond.band_counts(25), vec![10, 10, 5]);
        for v in 0..40 {
            assert_eq!(beyond.band_counts(v).iter().sum::<u64>(), v);
            assert_eq!(all.band_counts(v).iter().sum::<u64>(), v);
        }
        assert_eq!(all.discount(0), Bp(0));
        assert_eq!(all.discount(2), Bp(500));
    }
}
