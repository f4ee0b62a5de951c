//! The coupling rows of a combination (capacities, commitments, tier bands) and which columns
//! touch them with what coefficient.

use lpo_engine::constraints::{CapacityUnit, CommitmentUnit, TierKind};
use lpo_engine::{Constraints, Engine};

use crate::classes::{Batch, ClassOption};
use crate::plan::penalty_per_unit;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sense {
    Le,
    Ge,
    Eq,
}

/// A row that couples orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowKind {
    Capacity(usize),
    Commitment(usize),
    /// `all` schedule: its carrier's parcels reach the chosen band's threshold.
    TierMin(usize),
    /// `all` schedule: and stay below the next band's threshold.
    TierMax(usize),
    /// `beyond` schedule: band b is full.
    TierFull(usize, usize),
    /// `beyond` schedule: the last band used stays within its width.
    TierCap(usize, usize),
}

#[derive(Debug, Clone)]
pub(crate) struct CRow {
    pub(crate) kind: RowKind,
    pub(crate) sense: Sense,
    pub(crate) rhs: f64,
    /// Soft commitment: price of a unit of shortfall.
    pub(crate) soft: Option<f64>,
    /// Parcel-equivalents per unit of this row, for the elastic price (a gram: 1/1000, a cent
    /// of spend: 1/100).
    pub(crate) scale: f64,
}

/// The coupling rows of a combination and which columns touch them.
pub(crate) struct Rows {
    pub(crate) rows: Vec<CRow>,
    warehouses: usize,
    /// Per (service, warehouse): capacity rows.
    caps_of: Vec<Vec<usize>>,
    /// Per carrier: commitment rows.
    commits_of: Vec<Vec<usize>>,
    /// Per carrier: (band, row) of tier rows.
    tiers_of: Vec<Vec<(usize, usize)>>,
}

/// The coupling rows of a combination: capacities, then commitments, then tier rows.
#[expect(
    clippy::indexing_slicing,
    reason = "caps_of has an entry per (service, warehouse) of the engine, and s and w range over them; combo has a band per tier schedule; a schedule's carrier is an engine carrier (lpo-config resolves it by position in engine.carriers), and tiers_of has one entry per engine carrier"
)]
pub(crate) fn coupling_rows(engine: &Engine, cons: &Constraints, combo: &[usize]) -> Rows {
    let warehouses = engine.warehouses.len().max(1);
    let mut rows = Vec::new();
    let mut caps_of = vec![Vec::new(); engine.services.len() * warehouses];
    let mut commits_of = vec![Vec::new(); engine.carriers.len()];
    let mut tiers_of = vec![Vec::new(); engine.carriers.len()];
    for (i, c) in cons.capacities.iter().enumerate() {
        let r = rows.len();
        rows.push(CRow {
            kind: RowKind::Capacity(i),
            sense: Sense::Le,
            rhs: c.limit as f64,
            soft: None,
            scale: match c.unit {
                CapacityUnit::Parcels => 1.0,
                CapacityUnit::Grams => 1e-3,
            },
        });
        for s in 0..engine.services.len() {
            for w in 0..warehouses {
                if c.scope.matches(engine, s as u32, w as u16) {
                    caps_of[s * warehouses + w].push(r);
                }
            }
        }
    }
    for (i, m) in cons.commitments.iter().enumerate() {
        let r = rows.len();
        rows.push(CRow {
            kind: RowKind::Commitment(i),
            sense: Sense::Ge,
            rhs: m.min as f64,
            soft: m.penalty.map(|p| penalty_per_unit(m.unit, p.0)),
            scale: match m.unit {
                CommitmentUnit::Parcels => 1.0,
                CommitmentUnit::Spend => 1e-2,
            },
        });
        if let Some(v) = commits_of.get_mut(usize::from(m.carrier)) {
            v.push(r);
        }
    }
    for (ti, t) in cons.tiers.iter().enumerate() {
        let chosen = combo[ti];
        let carrier = usize::from(t.carrier);
        match t.kind {
            TierKind::All => {
                if chosen > 0 {
                    tiers_of[carrier].push((chosen, rows.len()));
                    rows.push(CRow {
                        kind: RowKind::TierMin(ti),
                        sense: Sense::Ge,
                        rhs: t.band_start(chosen) as f64,
                        soft: None,
                        scale: 1.0,
                    });
                }
                // The band is the highest one reached: the volume stays below the next.
                if chosen + 1 < t.bands() {
                    tiers_of[carrier].push((chosen, rows.len()));
                    rows.push(CRow {
                        kind: RowKind::TierMax(ti),
                        sense: Sense::Le,
                        rhs: (t.band_start(chosen + 1) - 1) as f64,
                        soft: None,
                        scale: 1.0,
                    });
                }
            }
            TierKind::Beyond => {
                for b in 0..=chosen {
                    let width = if b + 1 < t.bands() {
                        Some((t.band_start(b + 1) - t.band_start(b)) as f64)
                    } else {
                        None
                    };
                    let (kind, sense) = if b < chosen {
                        (RowKind::TierFull(ti, b), Sense::Eq)
                    } else {
                        (RowKind::TierCap(ti, b), Sense::Le)
                    };
                    if let Some(width) = width {
                        tiers_of[carrier].push((b, rows.len()));
                        rows.push(CRow {
                            kind,
                            sense,
                            rhs: width,
                            soft: None,
                            scale: 1.0,
                        });
                    }
                }
            }
        }
    }
    Rows {
        rows,
        warehouses,
        caps_of,
        commits_of,
        tiers_of,
    }
}

impl Rows {
    /// Calls `f(row, coefficient)` for every coupling row column (class k, option o, band b)
    /// has a coefficient in.
    #[inline]
    #[expect(
        clippy::indexing_slicing,
        reason = "k is a class of `batch`; caps_of and commits_of hold rows of self.rows, and a Capacity(i) or Commitment(i) row was made from cons.capacities[i] or cons.commitments[i] of the same constraints"
    )]
    pub(crate) fn for_each(
        &self,
        cons: &Constraints,
        batch: &Batch,
        k: usize,
        o: &ClassOption,
        b: usize,
        mut f: impl FnMut(usize, f64),
    ) {
        let c = &batch.classes[k];
        let at = o.service as usize * self.warehouses + usize::from(o.warehouse);
        for &r in self.caps_of.get(at).map_or(&[][..], |v| v.as_slice()) {
            let RowKind::Capacity(i) = self.rows[r].kind else {
                continue;
            };
            f(
                r,
                match cons.capacities[i].unit {
                    CapacityUnit::Parcels => c.parcels as f64,
                    CapacityUnit::Grams => c.grams as f64,
                },
            );
        }
        let carrier = usize::from(o.carrier);
        for &r in self
            .commits_of
            .get(carrier)
            .map_or(&[][..], |v| v.as_slice())
        {
            let RowKind::Commitment(i) = self.rows[r].kind else {
                continue;
            };
            f(
                r,
                match cons.commitments[i].unit {
                    CommitmentUnit::Parcels => c.parcels as f64,
                    CommitmentUnit::Spend => batch.price(o, b).total.0 as f64,
                },
            );
        }
        for &(band, r) in self.tiers_of.get(carrier).map_or(&[][..], |v| v.as_slice()) {
            if band == b {
                f(r, c.parcels as f64);
            }
        }
    }
}
