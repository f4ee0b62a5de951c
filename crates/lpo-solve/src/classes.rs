//! What the model sees of each order, compactly.
//!
//! Two reductions, both exact:
//! - **Dominance.** Options of an order that touch exactly the same constraints (the same
//!   capacities, the same carrier's commitments and tier schedule) are interchangeable for the
//!   model but for their price, so only the cheapest of them is kept (at every tier band; all of
//!   them for a carrier with a spend commitment, whose spend depends on the price). Options of
//!   carriers no constraint names collapse into the single cheapest one.
//! - **Classes.** Orders whose remaining options, prices and measures are all the same are one
//!   class with a count.

use std::hash::{Hash, Hasher};

use lpo_engine::constraints::CommitmentUnit;
use lpo_engine::{Constraints, Engine, Quote};
use lpo_model::{Cents, Order};
use rustc_hash::FxHashMap;

/// An option of a class: a (warehouse, service) priced in each band of its carrier's tier
/// schedule (one band when the carrier has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassOption {
    pub service: u32,
    pub warehouse: u16,
    pub carrier: u16,
    /// Its index among the order's quoted options (0: the per-order choice).
    pub rank: u16,
    /// Number of bands.
    pub bands: u8,
    /// Where its band prices start in [`Batch::prices`].
    pub price_at: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BandPrice {
    /// Invoice total, cents.
    pub total: Cents,
    /// What is minimised: total plus rule adjustments, cents.
    pub score: Cents,
}

/// Orders that are interchangeable for the model.
#[derive(Debug, Clone)]
pub struct Class {
    /// How many orders.
    pub count: u64,
    /// Parcels per order.
    pub parcels: u64,
    /// Dead weight per order, grams.
    pub grams: u64,
    /// Where its options start in [`Batch::options`], and how many.
    pub option_at: u32,
    pub option_count: u16,
}

/// The classes of a batch and the class of every order (`None`: no feasible option, or not
/// valid; such orders are outside the model).
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub classes: Vec<Class>,
    pub options: Vec<ClassOption>,
    pub prices: Vec<BandPrice>,
    pub order_class: Vec<Option<u32>>,
    /// Quoted options of the orders in the model, before dominance (for the report).
    pub options_before: u64,
}

impl Batch {
    /// The options of class `k` (a class of this batch).
    #[expect(
        clippy::indexing_slicing,
        reason = "k is a class of this batch, and a class's options are the option_count entries from option_at that decode, merge and sample push together with it"
    )]
    pub fn options_of(&self, k: usize) -> &[ClassOption] {
        let c = &self.classes[k];
        &self.options[c.option_at as usize..c.option_at as usize + usize::from(c.option_count)]
    }

    /// The prices of option `o` (an option of this batch) in band `band` (one of its bands).
    #[expect(
        clippy::indexing_slicing,
        reason = "o is an option of this batch and band one of its bands: its prices are the `bands` entries from price_at that decode, merge and sample push together with it"
    )]
    pub fn price(&self, o: &ClassOption, band: usize) -> BandPrice {
        self.prices[o.price_at as usize + band]
    }

    pub fn orders_in_model(&self) -> u64 {
        self.classes.iter().map(|c| c.count).sum()
    }

    pub fn parcels_in_model(&self) -> u64 {
        self.classes.iter().map(|c| c.count * c.parcels).sum()
    }

    /// Every `stride`-th class, each standing for `stride` times its orders: a small batch
    /// whose LP duals approximate the whole batch's.
    #[expect(
        clippy::indexing_slicing,
        reason = "an option's prices are the `bands` entries from price_at, pushed together with it"
    )]
    pub fn sample(&self, stride: usize) -> Batch {
        let mut out = Batch::default();
        for (k, class) in self.classes.iter().enumerate().step_by(stride.max(1)) {
            let option_at = out.options.len() as u32;
            for o in self.options_of(k) {
                let price_at = out.prices.len() as u32;
                out.prices.extend_from_slice(
                    &self.prices[o.price_at as usize..o.price_at as usize + usize::from(o.bands)],
                );
                out.options.push(ClassOption { price_at, ..*o });
            }
            out.classes.push(Class {
                count: class.count * stride as u64,
                option_at,
                ..class.clone()
            });
        }
        out
    }

    /// Columns of a per-order model over every quoted option and band.
    pub fn per_order_variables(&self) -> u64 {
        self.options_before
    }
}

/// What dominance needs to know of a (service, warehouse), computed once per run.
#[derive(Debug, Clone)]
pub struct SignatureContext {
    warehouses: usize,
    /// Per service × warehouse: (capacities it counts in, as a bit set; its carrier if a
    /// commitment or tier schedule names it; whether a spend commitment does).
    per: Vec<(u128, u16, bool)>,
    /// Dominance needs the capacities in a 128-bit set.
    dominance: bool,
}

impl SignatureContext {
    pub fn new(engine: &Engine, cons: &Constraints) -> SignatureContext {
        let warehouses = engine.warehouses.len().max(1);
        let mut per = Vec::with_capacity(engine.services.len() * warehouses);
        for s in 0..engine.services.len() as u32 {
            let carrier = engine.service(s).map_or(u16::MAX, |x| x.carrier);
            let named = cons.tiers_of(carrier).is_some()
                || cons.commitments.iter().any(|m| m.carrier == carrier);
            let spend = cons
                .commitments
                .iter()
                .any(|m| m.carrier == carrier && m.unit == CommitmentUnit::Spend);
            for w in 0..warehouses as u16 {
                let mut caps = 0u128;
                for (i, c) in cons.capacities.iter().enumerate().take(128) {
                    if c.scope.matches(engine, s, w) {
                        caps |= 1 << i;
                    }
                }
                per.push((caps, if named { carrier } else { u16::MAX }, spend));
            }
        }
        SignatureContext {
            warehouses,
            per,
            dominance: cons.capacities.len() <= 128,
        }
    }
}

/// Builds the signature of a quoted order into `sig`: parcels, grams, then per kept option
/// (service, warehouse, rank, number of bands, then (total, score) per band). Returns the number
/// of quoted option-bands (for the report), 0 when the order has no feasible option.
#[expect(
    clippy::indexing_slicing,
    reason = "a quote's options are services and warehouses of the engine, for each of which SignatureContext::new made an entry of `per`; the other indices point into `sig` at entries this function pushed"
)]
pub fn signature(
    ctx: &SignatureContext,
    engine: &Engine,
    cons: &Constraints,
    order: &Order,
    q: &Quote,
    sig: &mut Vec<i64>,
) -> u64 {
    sig.clear();
    if q.options.is_empty() {
        return 0;
    }
    sig.push(order.parcels.len() as i64);
    sig.push(order.parcels.iter().map(|p| i64::from(p.weight_g)).sum());
    sig.push(0); // number of kept options, set below
    let mut before = 0u64;
    // Kept options: (group, where its prices start in `sig`, bands).
    let mut kept: Vec<((u128, u16), usize, usize)> = Vec::with_capacity(q.options.len());
    for (rank, o) in q.options.iter().enumerate() {
        let carrier = engine.service(o.service).map_or(u16::MAX, |s| s.carrier);
        let (caps, named, spend) =
            ctx.per[o.service as usize * ctx.warehouses + usize::from(o.warehouse)];
        let group = (caps, named);
        let at = sig.len();
        sig.extend([i64::from(o.service), i64::from(o.warehouse), rank as i64, 0]);
        let prices = sig.len();
        let bands = match cons.tiers_of(carrier) {
            None => {
                sig.extend([o.total.0, o.score.0]);
                1
            }
            Some(t) => {
                for b in 0..t.bands() {
                    let d = engine.discounted(q, o, t.discount(b));
                    sig.extend([d.total.0, d.score.0]);
                }
                t.bands()
            }
        };
        sig[at + 3] = bands as i64;
        before += bands as u64;
        // Options come best first: a later one of the same group is kept only if it is
        // cheaper in some band (or its spend counts).
        let dominated = !spend
            && ctx.dominance
            && kept.iter().any(|&(g, start, n)| {
                g == group
                    && n == bands
                    && (0..bands).all(|b| sig[start + 2 * b + 1] <= sig[prices + 2 * b + 1])
            });
        if dominated {
            sig.truncate(at);
        } else {
            kept.push((group, prices, bands));
        }
    }
    sig[2] = kept.len() as i64;
    before
}

/// A 128-bit fingerprint of a signature: SipHash and FxHash of its bytes.
fn fingerprint(sig: &[i64]) -> u128 {
    let mut a = std::collections::hash_map::DefaultHasher::new();
    sig.hash(&mut a);
    let mut b = rustc_hash::FxHasher::default();
    sig.hash(&mut b);
    (u128::from(a.finish()) << 64) | u128::from(b.finish())
}

/// Classes of one run of consecutive orders, numbered in first-seen order.
#[derive(Default)]
pub struct LocalClasses {
    index: FxHashMap<u128, u32>,
    batch: Batch,
    fingerprints: Vec<u128>,
}

impl LocalClasses {
    /// Records the next order of the run: its signature (`None`: outside the model) and how
    /// many option-bands it was quoted.
    #[expect(
        clippy::indexing_slicing,
        reason = "id is a class of this run: found in the index, or just pushed by decode"
    )]
    pub fn push(&mut self, engine: &Engine, sig: Option<&[i64]>, before: u64) {
        let Some(sig) = sig else {
            self.batch.order_class.push(None);
            return;
        };
        self.batch.options_before += before;
        let fp = fingerprint(sig);
        let id = match self.index.get(&fp) {
            Some(&id) => id,
            None => {
                let id = self.batch.classes.len() as u32;
                self.index.insert(fp, id);
                self.fingerprints.push(fp);
                decode(engine, sig, &mut self.batch);
                id
            }
        };
        self.batch.classes[id as usize].count += 1;
        self.batch.order_class.push(Some(id));
    }
}

/// Appends the class a signature describes (count 0) to `batch`.
fn decode(engine: &Engine, sig: &[i64], batch: &mut Batch) {
    let mut it = sig.iter().copied();
    let mut next = || it.next().unwrap_or(0);
    let parcels = next() as u64;
    let grams = next() as u64;
    let n = next() as usize;
    let option_at = batch.options.len() as u32;
    for _ in 0..n {
        let service = next() as u32;
        let warehouse = next() as u16;
        let rank = next() as u16;
        let bands = next() as u8;
        let price_at = batch.prices.len() as u32;
        for _ in 0..bands {
            let total = Cents(next());
            let score = Cents(next());
            batch.prices.push(BandPrice { total, score });
        }
        batch.options.push(ClassOption {
            service,
            warehouse,
            carrier: engine.service(service).map_or(u16::MAX, |s| s.carrier),
            rank,
            bands,
            price_at,
        });
    }
    batch.classes.push(Class {
        count: 0,
        parcels,
        grams,
        option_at,
        option_count: n as u16,
    });
}

/// Merges runs (in input order) into the batch; class ids are in order of first appearance, so
/// the model and the plan do not depend on how the orders were split among threads.
#[expect(
    clippy::indexing_slicing,
    reason = "an option's prices are the `bands` entries from price_at; id is a class of `out` (found or just pushed); a run's order_class holds ids of its own classes, each of which got a `remap` entry"
)]
pub fn merge(runs: Vec<LocalClasses>) -> Batch {
    let mut index: FxHashMap<u128, u32> = FxHashMap::default();
    let mut out = Batch::default();
    for run in runs {
        let mut remap = Vec::with_capacity(run.batch.classes.len());
        for (k, (fp, local)) in run.fingerprints.iter().zip(&run.batch.classes).enumerate() {
            let id = match index.get(fp) {
                Some(&id) => id,
                None => {
                    let id = out.classes.len() as u32;
                    index.insert(*fp, id);
                    let option_at = out.options.len() as u32;
                    for o in run.batch.options_of(k) {
                        let price_at = out.prices.len() as u32;
                        out.prices.extend_from_slice(
                            &run.batch.prices
                                [o.price_at as usize..o.price_at as usize + usize::from(o.bands)],
                        );
                        out.options.push(ClassOption { price_at, ..*o });
                    }
                    out.classes.push(Class {
                        count: 0,
                        option_at,
                        ..local.clone()
                    });
                    id
                }
            };
            out.classes[id as usize].count += local.count;
            remap.push(id);
        }
        out.options_before += run.batch.options_before;
        out.order_class.extend(
            run.batch
                .order_class
                .iter()
                .map(|o| o.map(|l| remap[l as usize])),
        );
    }
    out
}
