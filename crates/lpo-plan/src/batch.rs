//! The per-order choice over a batch: every order priced in parallel chunks, its plan row (and
//! options rows) written as it goes, in input order.

use std::collections::BTreeMap;

use lpo_engine::{Engine, Quote, QuoteRequest};
use lpo_format::orders::InputOrder;
use lpo_format::output::{push_allocated, push_options, push_unplaced, rule_ids};
use lpo_model::{Cents, ReasonCode};
use rayon::prelude::*;

use crate::progress::Progress;

/// Orders per parallel chunk.
pub(crate) const CHUNK: usize = 8192;

/// What became of one order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderStatus {
    Allocated { carrier: u16, total: Cents },
    Unallocated,
    Rejected,
}

/// The written plan (and options) text of a run of orders, and each order's status.
#[derive(Debug, Default)]
pub struct Chunk {
    /// Plan CSV rows, without the header.
    pub plan: String,
    /// Options CSV rows, without the header (empty unless options were asked for).
    pub options: String,
    /// One status per order of the chunk.
    pub statuses: Vec<OrderStatus>,
}

/// Times of the phases of a run, for the summary and the solver report.
#[derive(Debug, Default, Clone)]
pub struct Timings {
    pub config: std::time::Duration,
    pub read: std::time::Duration,
    pub price: std::time::Duration,
    pub solve: std::time::Duration,
    pub write: std::time::Duration,
}

/// The `reason` of an `unallocated` row: every exclusion code with the services it struck.
pub fn unallocated_reason(engine: &Engine, q: &Quote) -> String {
    let mut by_code: BTreeMap<(ReasonCode, Option<u32>), Vec<String>> = BTreeMap::new();
    for e in &q.excluded {
        let (c, s) = engine.service_ids(e.service);
        let name = format!("{c}/{s}");
        let list = by_code.entry((e.reason, e.rule)).or_default();
        if !list.contains(&name) {
            list.push(name);
        }
    }
    let parts: Vec<String> = by_code
        .into_iter()
        .map(
            |((code, rule), services)| match rule.and_then(|r| engine.rules.get(r as usize)) {
                Some(r) => format!("{code} by rule {} ({})", r.id, services.join(" ")),
                None => format!("{code} ({})", services.join(" ")),
            },
        )
        .collect();
    format!("no_feasible_service: {}", parts.join("; "))
}

/// Quotes one order into `q`, appending its options rows when asked. An invalid or unpriceable
/// order gets its `rejected` plan row instead, and `false` comes back.
pub(crate) fn quote_or_reject(
    engine: &Engine,
    input: &InputOrder,
    req: &QuoteRequest,
    q: &mut Quote,
    out: &mut Chunk,
    with_options: bool,
) -> bool {
    let order = match &input.order {
        Ok(order) => order,
        Err(errs) => {
            let reason: Vec<String> = errs.iter().map(|e| format!("invalid_input: {e}")).collect();
            push_unplaced(
                &mut out.plan,
                &input.id,
                "rejected",
                &reason.join("; "),
                &[],
            );
            return false;
        }
    };
    if let Err(e) = engine.quote_into(order, req, q) {
        let lines: Vec<String> = input.lines().map(|l| l.to_string()).collect();
        push_unplaced(
            &mut out.plan,
            &input.id,
            "rejected",
            &format!("{}: line {}, {e}", e.code, lines.join(" ")),
            &[],
        );
        return false;
    }
    if with_options {
        push_options(&mut out.options, engine, &input.id, &q.options);
    }
    true
}

/// Prices one order and appends its plan row (and options rows) to the chunk's buffers.
fn process(
    engine: &Engine,
    input: &InputOrder,
    req: &QuoteRequest,
    q: &mut Quote,
    out: &mut Chunk,
    with_options: bool,
) -> OrderStatus {
    if !quote_or_reject(engine, input, req, q, out, with_options) {
        return OrderStatus::Rejected;
    }
    match q.selected() {
        Some(best) => {
            let rules = rule_ids(engine, q);
            push_allocated(
                &mut out.plan,
                engine,
                &input.id,
                best,
                &rules.join(" "),
                &q.warnings,
            );
            let carrier = engine.service(best.service).map_or(0, |s| s.carrier);
            OrderStatus::Allocated {
                carrier,
                total: best.total,
            }
        }
        None => {
            push_unplaced(
                &mut out.plan,
                &input.id,
                "unallocated",
                &unallocated_reason(engine, q),
                &q.warnings,
            );
            OrderStatus::Unallocated
        }
    }
}

/// The per-order choice for every order, in parallel chunks (in input order).
pub fn price_orders(
    engine: &Engine,
    orders: &[InputOrder],
    req: &QuoteRequest,
    with_options: bool,
    progress: &dyn Progress,
) -> Vec<Chunk> {
    progress.start("pricing", orders.len());
    let done: Vec<Chunk> = orders
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut out = Chunk {
                plan: String::with_capacity(chunk.len() * 96),
                ..Chunk::default()
            };
            let mut q = Quote::default();
            for o in chunk {
                let status = process(engine, o, req, &mut q, &mut out, with_options);
                out.statuses.push(status);
            }
            progress.advance(chunk.len());
            out
        })
        .collect();
    progress.finish();
    done
}
