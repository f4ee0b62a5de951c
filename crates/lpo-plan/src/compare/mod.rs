//! The what-if comparison: the same orders planned under two configurations, and what changed
//! — totals, moves between services, orders that became unallocated or allocated, volume and
//! cost by carrier and zone, and the rules and rate lines responsible. `lpo diff` renders it
//! (text, Markdown, JSON, HTML); where the sides come from (folders, git) is the CLI's business.

mod cause;
mod model;
mod rows;

use std::collections::BTreeMap;

use lpo_config::Loaded;
use lpo_engine::{Quote, QuoteRequest};
use lpo_format::orders::InputOrder;
use rayon::prelude::*;

pub use model::{
    Change, Diff, FileChange, Group, Lost, OrderChange, SideSummary, Volume, money, signed,
};
pub use rows::{PlanRow, RowStatus, per_order_row, plan_rows};

use crate::batch::Timings;
use crate::error::PlanError;
use crate::global::{GlobalOpts, Solved};
use crate::method::Method;
use crate::progress::Silent;
use crate::report::SolverReport;
use crate::run::run_batch;
use cause::{cause, changed_files};

/// A configuration to compare, and what to call it in every output (a folder, `working tree`,
/// or a revision with its commit).
pub struct Side {
    pub label: String,
    pub loaded: Loaded,
}

/// What one side's run produced.
pub struct SideRun {
    pub method: Method,
    pub rows: Vec<PlanRow>,
    pub report: Option<Box<SolverReport>>,
}

/// Why a side produced no rows.
#[derive(Debug)]
pub enum SideError {
    /// The side's global constraints cannot all hold: the reasons.
    Infeasible(Vec<String>),
    /// The side's batch failed.
    Plan(PlanError),
}

/// Runs one side over the orders by `method` (the caller has checked that it takes the
/// request's strategy).
pub fn run_side(
    method: Method,
    opts: &GlobalOpts,
    side: &Side,
    orders: &[InputOrder],
    req: &QuoteRequest,
) -> Result<SideRun, SideError> {
    let engine = &side.loaded.engine;
    let cons = &side.loaded.constraints;
    if method == Method::PerOrder {
        // The per-order choice, straight into rows (no plan text to write and read back).
        let rows = orders
            .par_iter()
            .map_init(Quote::default, |q, o| per_order_row(engine, o, req, q))
            .collect();
        return Ok(SideRun {
            method,
            rows,
            report: None,
        });
    }
    let mut tm = Timings::default();
    match run_batch(method, opts, engine, cons, orders, req, &mut tm, &Silent) {
        Ok(Solved::Plan { done, report }) => Ok(SideRun {
            method,
            rows: plan_rows(&done).map_err(SideError::Plan)?,
            report,
        }),
        Ok(Solved::Infeasible { reasons, .. }) => Err(SideError::Infeasible(reasons)),
        Err(e) => Err(SideError::Plan(e)),
    }
}

fn summary(side: &Side, run: &SideRun) -> SideSummary {
    let mut s = SideSummary {
        label: side.label.clone(),
        config_version: side.loaded.engine.version.clone(),
        method: run.method.name(),
        total_cents: 0,
        allocated: 0,
        unallocated: 0,
        rejected: 0,
    };
    for r in &run.rows {
        match r.status {
            RowStatus::Allocated => {
                s.allocated += 1;
                s.total_cents += r.total;
            }
            RowStatus::Unallocated => s.unallocated += 1,
            RowStatus::Rejected => s.rejected += 1,
        }
    }
    s
}

/// Compares two runs over the same orders.
#[expect(
    clippy::indexing_slicing,
    reason = "both runs hold one row per order: run_side makes the rows from the same orders, in order"
)]
pub fn compare(
    base: &Side,
    head: &Side,
    rb: &SideRun,
    rh: &SideRun,
    orders: &[InputOrder],
    req: &QuoteRequest,
) -> Diff {
    let (eb, eh) = (&base.loaded.engine, &head.loaded.engine);
    let global = rb.method == Method::Global || rh.method == Method::Global;
    let mut changes: Vec<OrderChange> = orders
        .par_iter()
        .enumerate()
        .map_init(
            || (Quote::default(), Quote::default()),
            |(qb, qh), (i, o)| -> Option<OrderChange> {
                let (b, h) = (&rb.rows[i], &rh.rows[i]);
                use RowStatus::*;
                let change = match (b.status, h.status) {
                    (Allocated, Allocated)
                        if (&b.from, &b.carrier, &b.service)
                            != (&h.from, &h.carrier, &h.service) =>
                    {
                        Change::Moved
                    }
                    (Allocated, Allocated) if b.total != h.total => Change::Repriced,
                    (Allocated, Unallocated) => Change::NewlyUnallocated,
                    (Unallocated, Allocated) => Change::NewlyAllocated,
                    (Rejected, Rejected) => return None,
                    (Rejected, _) => Change::RejectedOnBaseOnly,
                    (_, Rejected) => Change::RejectedOnHeadOnly,
                    _ => return None,
                };
                let (key, words) = match (&o.order, change) {
                    (_, Change::RejectedOnBaseOnly) => {
                        ("rejected on base only".to_string(), b.reason.clone())
                    }
                    (_, Change::RejectedOnHeadOnly) => {
                        ("rejected on head only".to_string(), h.reason.clone())
                    }
                    // Same option, another price, and only the plan's lines moved: the rows say
                    // which (surcharge changes are re-quoted below, to name the surcharge).
                    (_, Change::Repriced) if b.lines[1] == h.lines[1] => {
                        let names = ["base", "surcharges", "fuel", "gst"];
                        let (mut keys, mut words) = (Vec::new(), Vec::new());
                        for (k, name) in names.iter().enumerate() {
                            let d = h.lines[k] - b.lines[k];
                            if d != 0 {
                                keys.push(*name);
                                words.push(format!("{name} {}", signed(d)));
                            }
                        }
                        (
                            format!("{} repriced ({})", b.choice(), keys.join(", ")),
                            format!("{} from {}: {}", b.choice(), b.from, words.join(", ")),
                        )
                    }
                    (Ok(order), _) => {
                        // Reason codes and rule ids are enough to attribute: no explain strings.
                        match (eb.quote_into(order, req, qb), eh.quote_into(order, req, qh)) {
                            (Ok(()), Ok(())) => cause(eb, eh, qb, qh, b, h, global),
                            _ => ("order error".to_string(), String::new()),
                        }
                    }
                    (Err(_), _) => ("order error".to_string(), String::new()),
                };
                let (bc, hc) = (
                    if b.allocated() { b.total } else { 0 },
                    if h.allocated() { h.total } else { 0 },
                );
                Some(OrderChange {
                    order_id: o.id.to_string(),
                    change,
                    base: b
                        .allocated()
                        .then(|| format!("{} from {}", b.choice(), b.from)),
                    head: h
                        .allocated()
                        .then(|| format!("{} from {}", h.choice(), h.from)),
                    base_cents: bc,
                    head_cents: hc,
                    delta_cents: hc - bc,
                    cause: words,
                    cause_key: key,
                    index: i,
                })
            },
        )
        .flatten()
        .collect();
    changes.sort_by(|a, b| {
        b.delta_cents
            .abs()
            .cmp(&a.delta_cents.abs())
            .then(a.index.cmp(&b.index))
    });

    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut moves: BTreeMap<String, (u64, i64)> = BTreeMap::new();
    let mut causes: BTreeMap<String, (u64, i64)> = BTreeMap::new();
    for c in &changes {
        *counts.entry(c.change.name().to_string()).or_default() += 1;
        if c.change == Change::Moved {
            let (b, h) = (&rb.rows[c.index], &rh.rows[c.index]);
            let key = if b.from == h.from {
                format!("{} → {}", b.choice(), h.choice())
            } else {
                format!(
                    "{} from {} → {} from {}",
                    b.choice(),
                    b.from,
                    h.choice(),
                    h.from
                )
            };
            let e = moves.entry(key).or_default();
            e.0 += 1;
            e.1 += c.delta_cents;
        }
        let e = causes.entry(c.cause_key.clone()).or_default();
        e.0 += 1;
        e.1 += c.delta_cents;
    }
    let groups = |m: BTreeMap<String, (u64, i64)>| {
        let mut v: Vec<Group> = m
            .into_iter()
            .map(|(key, (orders, delta_cents))| Group {
                key,
                orders,
                delta_cents,
            })
            .collect();
        v.sort_by(|a, b| {
            b.delta_cents
                .abs()
                .cmp(&a.delta_cents.abs())
                .then(b.orders.cmp(&a.orders))
                .then(a.key.cmp(&b.key))
        });
        v
    };

    let mut by_carrier: BTreeMap<String, Volume> = BTreeMap::new();
    let mut by_zone: BTreeMap<String, Volume> = BTreeMap::new();
    let mut parcels_total = 0u64;
    for (i, o) in orders.iter().enumerate() {
        let parcels = o.rows() as u64;
        parcels_total += parcels;
        for (row, is_base) in [(&rb.rows[i], true), (&rh.rows[i], false)] {
            if !row.allocated() {
                continue;
            }
            for (map, key) in [
                (&mut by_carrier, row.carrier.clone()),
                (&mut by_zone, format!("{}/{}", row.carrier, row.zone)),
            ] {
                let v = map.entry(key).or_default();
                if is_base {
                    v.base_parcels += parcels;
                    v.base_cents += row.total;
                } else {
                    v.head_parcels += parcels;
                    v.head_cents += row.total;
                }
            }
        }
    }
    let (sb, sh) = (summary(base, rb), summary(head, rh));
    let (mut like, mut dropped, mut added) = (0i64, Lost::default(), Lost::default());
    for c in &changes {
        match c.change {
            Change::Moved | Change::Repriced => like += c.delta_cents,
            _ if c.base_cents > 0 && c.head_cents == 0 => {
                dropped.orders += 1;
                dropped.cents += c.base_cents;
            }
            _ if c.head_cents > 0 && c.base_cents == 0 => {
                added.orders += 1;
                added.cents += c.head_cents;
            }
            _ => {}
        }
    }
    let mut warnings = Vec::new();
    if dropped.orders > 0 {
        warnings.push(format!(
            "{} order(s) allocated on base are not allocated on head; they cost {} on base, and the head total leaves them out",
            dropped.orders,
            money(dropped.cents)
        ));
    }
    if added.orders > 0 {
        warnings.push(format!(
            "{} order(s) allocated on head were not allocated on base; they cost {} on head",
            added.orders,
            money(added.cents)
        ));
    }
    for (name, run) in [("base", rb), ("head", rh)] {
        if let Some(r) = &run.report
            && r.status != lpo_solve::Status::Optimal
        {
            warnings.push(format!(
                "{name}: the solver's plan is not proven optimal (status {}, gap {:.3} %), and some moves may be the solver's rather than the change's (raise --time-limit)",
                crate::report::status_name(r.status),
                // As the JSON has it: a gap that is not finite is `null` there.
                if r.gap_pct.is_finite() { r.gap_pct } else { f64::NAN }
            ));
        }
    }
    Diff {
        orders: orders.len() as u64,
        parcels: parcels_total,
        delta_cents: sh.total_cents - sb.total_cents,
        like_for_like_cents: like,
        dropped,
        added,
        warnings,
        base: sb,
        head: sh,
        counts,
        moves: groups(moves),
        causes: groups(causes),
        by_carrier,
        by_zone,
        changed_files: changed_files(&base.loaded, &head.loaded),
        changes,
    }
}
