//! Aggregation: orders whose feasible options, prices (at every tier band) and measures are the
//! same are interchangeable, so the model has one group of variables per class of such orders
//! instead of one per order.

use lpo_engine::{Constraints, Engine, Quote};
use lpo_model::{Cents, Order};
use rustc_hash::FxHashMap;

/// One option of a class: a (warehouse, service) with its price in each band of its carrier's
/// tier schedule (one band when the carrier has none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassOption {
    pub service: u32,
    pub warehouse: u16,
    pub carrier: u16,
    /// Invoice total and score (what is minimised) per band, in cents.
    pub bands: Vec<BandPrice>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BandPrice {
    pub total: Cents,
    pub score: Cents,
}

/// Orders that are interchangeable for the model.
#[derive(Debug, Clone)]
pub struct Class {
    /// How many orders.
    pub count: u64,
    /// Parcels per order.
    pub parcels: u64,
    /// Dead weight per order, grams (0 unless some capacity counts kilograms).
    pub grams: u64,
    /// In the order the engine ranks them (index 0 is the per-order choice).
    pub options: Vec<ClassOption>,
}

/// The classes of a batch and the class of every order (`None`: no feasible option, or not
/// valid; such orders are outside the model).
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub classes: Vec<Class>,
    pub order_class: Vec<Option<u32>>,
}

impl Batch {
    pub fn orders_in_model(&self) -> u64 {
        self.classes.iter().map(|c| c.count).sum()
    }

    pub fn parcels_in_model(&self) -> u64 {
        self.classes.iter().map(|c| c.count * c.parcels).sum()
    }

    /// Variables of the per-order model this batch stands for (one per order, option and band).
    pub fn per_order_variables(&self) -> u64 {
        self.classes
            .iter()
            .map(|c| c.count * c.options.iter().map(|o| o.bands.len() as u64).sum::<u64>())
            .sum()
    }
}

/// The class signature of a quoted order: everything the model sees of it, as integers.
/// Returns false (and leaves `sig` empty) when the order has no feasible option.
pub fn signature(
    engine: &Engine,
    constraints: &Constraints,
    order: &Order,
    q: &Quote,
    sig: &mut Vec<i64>,
) -> bool {
    sig.clear();
    if q.options.is_empty() {
        return false;
    }
    sig.push(order.parcels.len() as i64);
    sig.push(if constraints.uses_weight() {
        order.parcels.iter().map(|p| p.weight_g as i64).sum()
    } else {
        0
    });
    sig.push(q.options.len() as i64);
    for o in &q.options {
        sig.push(i64::from(o.service));
        sig.push(i64::from(o.warehouse));
        let carrier = engine.service(o.service).map_or(u16::MAX, |s| s.carrier);
        match constraints.tiers_of(carrier) {
            None => {
                sig.push(o.total.0);
                sig.push(o.score.0);
            }
            Some(t) => {
                for b in 0..t.bands() {
                    let d = engine.discounted(q, o, t.discount(b));
                    sig.push(d.total.0);
                    sig.push(d.score.0);
                }
            }
        }
    }
    true
}

/// Decodes a signature written by [`signature`].
fn decode(engine: &Engine, constraints: &Constraints, sig: &[i64], count: u64) -> Class {
    let mut it = sig.iter().copied();
    let mut next = || it.next().unwrap_or(0);
    let parcels = next() as u64;
    let grams = next() as u64;
    let n = next() as usize;
    let mut options = Vec::with_capacity(n);
    for _ in 0..n {
        let service = next() as u32;
        let warehouse = next() as u16;
        let carrier = engine.service(service).map_or(u16::MAX, |s| s.carrier);
        let bands = constraints.tiers_of(carrier).map_or(1, |t| t.bands());
        let bands = (0..bands)
            .map(|_| BandPrice {
                total: Cents(next()),
                score: Cents(next()),
            })
            .collect();
        options.push(ClassOption {
            service,
            warehouse,
            carrier,
            bands,
        });
    }
    Class {
        count,
        parcels,
        grams,
        options,
    }
}

/// Classes of one run of consecutive orders, numbered in first-seen order.
#[derive(Default)]
pub struct LocalClasses {
    index: FxHashMap<Box<[i64]>, u32>,
    sigs: Vec<(Box<[i64]>, u64)>,
    /// Per order of the run: its local class.
    orders: Vec<Option<u32>>,
}

impl LocalClasses {
    /// Records the next order of the run (`None`: outside the model).
    pub fn push(&mut self, sig: Option<&[i64]>) {
        let Some(sig) = sig else {
            self.orders.push(None);
            return;
        };
        let id = match self.index.get(sig) {
            Some(&id) => id,
            None => {
                let id = self.sigs.len() as u32;
                self.index.insert(sig.into(), id);
                self.sigs.push((sig.into(), 0));
                id
            }
        };
        self.sigs[id as usize].1 += 1;
        self.orders.push(Some(id));
    }
}

/// Merges runs (in input order) into the batch; class ids are in order of first appearance, so
/// the model and the plan do not depend on how the orders were split among threads.
pub fn merge(engine: &Engine, constraints: &Constraints, runs: Vec<LocalClasses>) -> Batch {
    let mut index: FxHashMap<Box<[i64]>, u32> = FxHashMap::default();
    let mut sigs: Vec<(Box<[i64]>, u64)> = Vec::new();
    let mut order_class = Vec::new();
    for run in runs {
        let mut remap = Vec::with_capacity(run.sigs.len());
        for (sig, n) in run.sigs {
            let id = match index.get(&sig) {
                Some(&id) => id,
                None => {
                    let id = sigs.len() as u32;
                    index.insert(sig.clone(), id);
                    sigs.push((sig, 0));
                    id
                }
            };
            sigs[id as usize].1 += n;
            remap.push(id);
        }
        order_class.extend(run.orders.iter().map(|o| o.map(|l| remap[l as usize])));
    }
    let classes = sigs
        .iter()
        .map(|(sig, n)| decode(engine, constraints, sig, *n))
        .collect();
    Batch {
        classes,
        order_class,
    }
}
