//! Columns (an option of a class in a band) and pools of them: the columns a combination allows,
//! where a class starts, and a pool moved to another combination.

use lpo_engine::Constraints;

use super::combos::allowed;
use crate::classes::Batch;

/// Every column a combination allows class `k`: each option in each band its carrier may be
/// priced in.
pub(crate) fn columns<'a>(
    cons: &'a Constraints,
    batch: &'a Batch,
    combo: &'a [usize],
    k: usize,
) -> impl Iterator<Item = Col> + 'a {
    batch
        .options_of(k)
        .iter()
        .enumerate()
        .flat_map(move |(j, o)| {
            let (lo, hi) = allowed(cons, combo, o.carrier);
            (lo..=hi.min(usize::from(o.bands) - 1)).map(move |b| Col {
                j: j as u16,
                b: b as u8,
            })
        })
}

/// A column of a class: its option (class-local index) and band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Col {
    pub(crate) j: u16,
    pub(crate) b: u8,
}

/// A class's columns in a model.
#[derive(Debug, Clone)]
pub(crate) enum Pool {
    /// Every order of the class on one column: a constant.
    Folded(Col),
    /// Fixed counts: constants.
    Fixed(Vec<(Col, u64)>),
    /// Variables.
    Free(Vec<Col>),
}

/// The column of class `k`'s best-ranked option in the bands a combination allows.
#[expect(
    clippy::indexing_slicing,
    reason = "every class has an option: an order without one stays outside the model, and the first of an order's options is never dominated"
)]
pub(crate) fn first_col(cons: &Constraints, batch: &Batch, combo: &[usize], k: usize) -> Col {
    let o = &batch.options_of(k)[0];
    let (lo, _) = allowed(cons, combo, o.carrier);
    Col {
        j: 0,
        b: lo.min(usize::from(o.bands) - 1) as u8,
    }
}

/// Moves a pool to another combination: columns in bands it no longer allows go to the nearest
/// allowed band.
#[expect(
    clippy::indexing_slicing,
    reason = "a pool's columns are options of its class, and no Fixed or Free pool is empty (so neither is a Free one after dedup)"
)]
pub(crate) fn remap(
    cons: &Constraints,
    batch: &Batch,
    combo: &[usize],
    pool: &[Pool],
) -> Vec<Pool> {
    let fix = |k: usize, c: Col| {
        let o = &batch.options_of(k)[usize::from(c.j)];
        let (lo, hi) = allowed(cons, combo, o.carrier);
        let hi = hi.min(usize::from(o.bands) - 1);
        Col {
            j: c.j,
            b: usize::from(c.b).clamp(lo, hi.max(lo)) as u8,
        }
    };
    pool.iter()
        .enumerate()
        .map(|(k, p)| match p {
            Pool::Folded(c) => Pool::Folded(fix(k, *c)),
            Pool::Fixed(v) => Pool::Folded(fix(k, v[0].0)),
            Pool::Free(cols) => {
                let mut v: Vec<Col> = cols.iter().map(|c| fix(k, *c)).collect();
                v.sort_unstable();
                v.dedup();
                if v.len() == 1 {
                    Pool::Folded(v[0])
                } else {
                    Pool::Free(v)
                }
            }
        })
        .collect()
}
