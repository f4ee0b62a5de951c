//! `POST /v1/quotes`: many orders, per-order results in request order.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use lpo_engine::{Quote, QuoteRequest};
use lpo_format::output::quote_json;
use rayon::prelude::*;

use super::batch::*;
use super::body::*;
use super::quote::*;
use crate::api::*;
use crate::echo;
use crate::problem::{FieldProblem, Problem};
use crate::state::App;
use lpo_model::ExitCode;

/// `POST /v1/quotes`: many orders (JSON array or orders CSV), per-order results in order.
#[expect(
    clippy::indexing_slicing,
    reason = "strategies and explains hold one entry per order of the batch (batch_orders builds the three together)"
)]
pub(crate) async fn quotes(
    State(app): State<Arc<App>>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    let params = parse_params(query, &["strategy", "within_days", "explain", "date"])?;
    let kind = body_kind(&headers, true)?;
    let (bytes, _slot) = read_batch_body(&app, &headers, body).await?;
    let snap = app.snapshot();
    let limit = app.settings.max_batch_orders;
    let date = params.date.unwrap_or_else(|| default_date(&app));
    let s = snap.clone();
    let (resp, carriers) = app
        .pool
        .run(&app.metrics, move || -> Result<_, Problem> {
            let (orders, strategies, explains) = batch_orders(kind, &bytes, limit)?;
            let csv = kind == BodyKind::Csv;
            let results: Vec<(QuotesItem, Option<String>)> = orders
                .par_iter()
                .enumerate()
                .map_init(Quote::default, |q, (i, input)| {
                    let req = QuoteRequest {
                        strategy: strategies[i].unwrap_or_else(|| params.strategy()),
                        date,
                        explain: params.explain || explains[i],
                    };
                    let item = |status, quote, errors| {
                        let item = QuotesItem {
                            index: i,
                            order_id: echo::clip(&input.id, echo::ID_BYTES).into_owned(),
                            status,
                            quote,
                            errors,
                        };
                        (item, None)
                    };
                    match &input.order {
                        Err(errs) => item("rejected", None, reject_errors(errs, csv)),
                        Ok(order) => match s.engine.quote_into(order, &req, q) {
                            Err(e) => {
                                let field = if csv {
                                    let mut lines: Vec<String> =
                                        input.lines().take(10).map(|l| l.to_string()).collect();
                                    if input.rows() > 10 {
                                        lines.push("…".into());
                                    }
                                    format!("line {}, {}", lines.join(" "), e.field)
                                } else {
                                    format!("[{i}].{}", json_field(e.field))
                                };
                                let msg = format!("{} ({})", e.message, e.code);
                                item("rejected", None, vec![FieldProblem::new(field, msg)])
                            }
                            Ok(()) => {
                                let j = quote_json(&s.engine, q);
                                let status = if j.selected.is_some() {
                                    "quoted"
                                } else {
                                    "unallocated"
                                };
                                let carrier = j
                                    .selected
                                    .as_ref()
                                    .map_or("none", |c| c.carrier)
                                    .to_string();
                                let raw = serde_json::value::to_raw_value(&j).ok();
                                let (it, _) = item(status, raw, Vec::new());
                                (it, Some(carrier))
                            }
                        },
                    }
                })
                .collect();
            let mut carriers: BTreeMap<String, u64> = BTreeMap::new();
            let (mut quoted, mut unallocated, mut rejected) = (0, 0, 0);
            let mut items = Vec::with_capacity(results.len());
            for (r, carrier) in results {
                match r.status {
                    "quoted" => quoted += 1,
                    "unallocated" => unallocated += 1,
                    _ => rejected += 1,
                }
                if let Some(c) = carrier {
                    *carriers.entry(c).or_default() += 1;
                }
                items.push(r);
            }
            let results = items;
            let resp = QuotesResponse {
                config_version: s.version().to_string(),
                orders: results.len(),
                quoted,
                unallocated,
                rejected,
                exit_code: if unallocated + rejected > 0 {
                    ExitCode::Partial.code()
                } else {
                    ExitCode::Ok.code()
                },
                results,
            };
            Ok((resp, carriers))
        })
        .await?
        .map_err(|p| p.with_version(snap.version()))?;
    app.metrics.quotes(carriers);
    let code = resp.exit_code;
    let mut r = json_response(StatusCode::OK, encode(&resp)?, snap.version());
    r.headers_mut()
        .insert(EXIT_CODE_HEADER, HeaderValue::from(u16::from(code)));
    Ok(r)
}
