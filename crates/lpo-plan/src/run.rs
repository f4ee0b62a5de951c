//! Running a batch by its method.

use lpo_engine::{Constraints, Engine, QuoteRequest};
use lpo_format::orders::InputOrder;

use crate::batch::{Timings, price_orders};
use crate::error::PlanError;
use crate::global::{self, GlobalOpts, Solved};
use crate::method::Method;
use crate::progress::Progress;

/// Plans a batch by `method`: the per-order choice, or the global plan under `cons`. Phase
/// times are added to `tm`.
#[allow(clippy::too_many_arguments)]
pub fn run_batch(
    method: Method,
    opts: &GlobalOpts,
    engine: &Engine,
    cons: &Constraints,
    orders: &[InputOrder],
    req: &QuoteRequest,
    tm: &mut Timings,
    progress: &dyn Progress,
) -> Result<Solved, PlanError> {
    match method {
        Method::Global => global::run(opts, engine, cons, orders, req, tm, progress),
        Method::PerOrder => {
            let t = std::time::Instant::now();
            let done = price_orders(engine, orders, req, opts.with_options, progress);
            tm.price = t.elapsed();
            Ok(Solved::Plan { done, report: None })
        }
    }
}
