//! `POST /v1/optimise`: a batch, optionally under the day's global constraints, time-limited.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lpo_engine::QuoteRequest;
use lpo_format::output::PLAN_HEADER;
use lpo_model::Cents;
use lpo_plan::{
    GlobalOpts, Method, OrderStatus, PlanError, Silent, Solved, Timings, infeasible_message,
};
use lpo_solve::SolveError;

use super::batch::*;
use super::body::*;
use super::quote::*;
use crate::api::*;
use crate::problem::{FieldProblem, Problem};
use crate::state::App;
use lpo_model::ExitCode;

/// `POST /v1/optimise`: a batch, optionally under the day's global constraints, time-limited.
pub(crate) async fn optimise(
    State(app): State<Arc<App>>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    let params = parse_params(
        query,
        &[
            "strategy",
            "within_days",
            "date",
            "greedy",
            "global",
            "time_limit",
            "gap",
        ],
    )?;
    if params.greedy && params.global {
        return Err(Problem::field(
            "query.greedy",
            "give greedy or global, not both",
        ));
    }
    let max = app.settings.max_time_limit;
    let time_limit = params.time_limit.unwrap_or(max.min(30.0));
    if time_limit > max {
        return Err(Problem::field(
            "query.time_limit",
            format!("{time_limit} s is above this service's limit of {max} s"),
        ));
    }
    let kind = body_kind(&headers, true)?;
    let csv_out = wants_csv(&headers);
    // One optimisation at a time; taken before the body is read.
    let one = app.pool.optimise_slot(&app.metrics)?;
    let (bytes, _slot) = read_batch_body(&app, &headers, body).await?;
    let snap = app.snapshot();
    let date = params.date.unwrap_or_else(|| default_date(&app));
    let limit = app.settings.max_optimise_orders;
    let s = snap.clone();
    let out = app
        .pool
        .run(&app.metrics, move || -> Result<_, Problem> {
            // Held by the job itself: a client that goes away does not free it early.
            let _one = one;
            let started = Instant::now();
            let (orders, _, _) = batch_orders(kind, &bytes, limit)?;
            let engine = &s.engine;
            let method = Method::choose(params.greedy, params.global, &s.constraints);
            let global = method == Method::Global;
            let strategy = params.strategy();
            if !method.takes(&strategy) {
                return Err(Problem::field(
                    "query.strategy",
                    "global optimisation minimises cost: it takes strategy=cheapest only (or greedy=true to ignore the constraints)",
                ));
            }
            let req = QuoteRequest {
                strategy,
                date,
                explain: false,
            };
            let gap = params.gap.unwrap_or(0.01);
            let opts = GlobalOpts {
                time_limit,
                started,
                gap,
                solver_threads: 1,
                with_options: false,
            };
            let mut tm = Timings::default();
            let (done, report) = match lpo_plan::run_batch(
                method,
                &opts,
                engine,
                &s.constraints,
                &orders,
                &req,
                &mut tm,
                &Silent,
            ) {
                Ok(Solved::Plan { done, report }) => (done, report),
                Ok(Solved::Infeasible { reasons, .. }) => {
                    let mut p = Problem::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "infeasible",
                        "Global constraints infeasible",
                        infeasible_message(&reasons),
                    );
                    p.code = ExitCode::Infeasible.code();
                    p.errors = reasons
                        .into_iter()
                        .map(|message| FieldProblem::new("constraints", message))
                        .collect();
                    return Err(p);
                }
                // Time ran out, or no plan of whole orders was found: not proven infeasible,
                // so a retry with more time may succeed.
                Err(PlanError::Solve(e @ (SolveError::TimeLimit | SolveError::NoIntegerPlan))) => {
                    let mut p = Problem::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "not-finished",
                        "Optimisation not finished",
                        format!(
                            "{e}\n  = help: raise the `time_limit` query parameter (now {time_limit} s, at most {max} s) or `gap` (now {gap} %)"
                        ),
                    );
                    p.code = ExitCode::Failure.code();
                    return Err(p);
                }
                Err(e) => return Err(Problem::internal(e.to_string())),
            };
            let (mut allocated, mut unallocated, mut rejected, mut total) = (0, 0, 0, Cents::ZERO);
            let mut carriers: BTreeMap<String, u64> = BTreeMap::new();
            for st in done.iter().flat_map(|c| &c.statuses) {
                match *st {
                    OrderStatus::Allocated { carrier, total: t } => {
                        allocated += 1;
                        total += t;
                        let id = engine.carriers.get(usize::from(carrier)).map_or("?", |c| c.id.as_str());
                        *carriers.entry(id.to_string()).or_default() += 1;
                    }
                    OrderStatus::Unallocated => unallocated += 1,
                    OrderStatus::Rejected => rejected += 1,
                }
            }
            let mut plan = String::from(PLAN_HEADER);
            for c in &done {
                plan.push_str(&c.plan);
            }
            let exit_code = if unallocated + rejected > 0 { ExitCode::Partial.code() } else { ExitCode::Ok.code() };
            let resp = OptimiseResponse {
                config_version: s.version().to_string(),
                method: if global { "global" } else { "per_order" },
                exit_code,
                orders: orders.len(),
                allocated,
                unallocated,
                rejected,
                total_cents: total.0,
                plan: Vec::new(),
                report,
            };
            Ok((resp, plan, carriers))
        })
        .await?
        .map_err(|p| p.with_version(snap.version()))?;
    let (mut resp, plan, carriers) = out;
    app.metrics.quotes(carriers);
    let code = resp.exit_code;
    let mut r = if csv_out {
        let mut r = (StatusCode::OK, plan).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        if let Ok(v) = HeaderValue::from_str(snap.version()) {
            r.headers_mut().insert(VERSION_HEADER, v);
        }
        r
    } else {
        resp.plan = plan_rows(&plan)?;
        json_response(StatusCode::OK, encode(&resp)?, snap.version())
    };
    r.headers_mut()
        .insert(EXIT_CODE_HEADER, HeaderValue::from(u16::from(code)));
    Ok(r)
}

/// The plan CSV as objects (column → text value).
pub(crate) fn plan_rows(plan: &str) -> Result<Vec<BTreeMap<String, String>>, Problem> {
    let rows = lpo_format::plan::read_plan(plan.as_bytes())
        .map_err(|e| Problem::internal(format!("cannot read back the plan: {e}")))?;
    Ok(rows
        .iter()
        .map(|r| {
            r.columns()
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect())
}
