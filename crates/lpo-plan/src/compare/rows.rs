//! A side's plan as rows: read back from the plan text a run wrote, or made straight from the
//! per-order choice (no text to write and read back).

use lpo_engine::{Engine, Quote, QuoteRequest};
use lpo_format::orders::InputOrder;
use lpo_format::plan::{PlanStatus, money_cents, read_plan_body};
use rayon::prelude::*;

use crate::batch::{Chunk, unallocated_reason};
use crate::error::PlanError;

/// One plan row, as `lpo optimise` writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanRow {
    pub status: RowStatus,
    pub from: String,
    pub carrier: String,
    pub service: String,
    pub zone: String,
    pub total: i64,
    pub reason: String,
    /// Price lines of the chosen option: base, surcharges, fuel, GST (cents).
    pub lines: [i64; 4],
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RowStatus {
    Allocated,
    #[default]
    Unallocated,
    Rejected,
}

impl PlanRow {
    pub fn allocated(&self) -> bool {
        self.status == RowStatus::Allocated
    }

    /// `carrier/service`.
    pub fn choice(&self) -> String {
        format!("{}/{}", self.carrier, self.service)
    }
}

/// The plan rows of a run's chunks, in input order.
pub fn plan_rows(done: &[Chunk]) -> Result<Vec<PlanRow>, PlanError> {
    let parts: Vec<Result<Vec<PlanRow>, PlanError>> = done
        .par_iter()
        .map(|c| {
            let recs = read_plan_body(c.plan.as_bytes())
                .map_err(|e| PlanError::Internal(format!("plan row: {e}")))?;
            let mut out = Vec::with_capacity(c.statuses.len());
            for r in recs {
                let cents = |s: &str| match money_cents(s) {
                    None => Ok(0),
                    Some(v) => v
                        .map(|c| c.0)
                        .map_err(|e| PlanError::Internal(format!("plan money `{s}`: {e}"))),
                };
                let [base, surcharges, fuel, gst, total] = r.money();
                out.push(PlanRow {
                    status: match r.status() {
                        Some(PlanStatus::Allocated) => RowStatus::Allocated,
                        Some(PlanStatus::Rejected) => RowStatus::Rejected,
                        _ => RowStatus::Unallocated,
                    },
                    from: r.from().to_string(),
                    carrier: r.carrier().to_string(),
                    service: r.service().to_string(),
                    zone: r.zone().to_string(),
                    total: cents(total)?,
                    lines: [cents(base)?, cents(surcharges)?, cents(fuel)?, cents(gst)?],
                    reason: r.reason().to_string(),
                });
            }
            Ok(out)
        })
        .collect();
    let mut rows = Vec::new();
    for p in parts {
        rows.extend(p?);
    }
    Ok(rows)
}

/// One order's plan row under the per-order choice: what `lpo optimise --greedy` writes.
pub fn per_order_row(
    engine: &Engine,
    input: &InputOrder,
    req: &QuoteRequest,
    q: &mut Quote,
) -> PlanRow {
    let order = match &input.order {
        Ok(o) => o,
        Err(errs) => {
            let reason: Vec<String> = errs.iter().map(|e| format!("invalid_input: {e}")).collect();
            return PlanRow {
                status: RowStatus::Rejected,
                reason: reason.join("; "),
                ..PlanRow::default()
            };
        }
    };
    if let Err(e) = engine.quote_into(order, req, q) {
        return PlanRow {
            status: RowStatus::Rejected,
            reason: format!("{}: {e}", e.code),
            ..PlanRow::default()
        };
    }
    match q.selected() {
        Some(best) => {
            let (carrier, service) = engine.service_ids(best.service);
            PlanRow {
                status: RowStatus::Allocated,
                from: engine.warehouse_id(best.warehouse).to_string(),
                carrier: carrier.to_string(),
                service: service.to_string(),
                zone: engine.zone_name(best.service, best.zone).to_string(),
                total: best.total.0,
                lines: [best.base.0, best.surcharges.0, best.fuel.0, best.gst.0],
                reason: String::new(),
            }
        }
        None => PlanRow {
            status: RowStatus::Unallocated,
            reason: unallocated_reason(engine, q),
            ..PlanRow::default()
        },
    }
}
