//! `POST /v1/quote`: one order, the contract's quote JSON.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use lpo_engine::{OrderError, QuoteRequest};
use lpo_format::output::quote_json;
use lpo_format::request::QuoteRequestJson;
use lpo_model::{Date, Order, Strategy};

use super::body::*;
use crate::problem::Problem;
use crate::state::{App, Snapshot};

/// Where an engine error's field lives in the quote request JSON.
pub(crate) fn json_field(csv_column: &str) -> &str {
    match csv_column {
        "to_postcode" => "to.postcode",
        "to_suburb" => "to.suburb",
        "to_state" => "to.state",
        "to_lat" => "to.lat",
        "to_lon" => "to.lon",
        "address_type" => "to.address_type",
        "residential" => "to.residential",
        "weight_kg" | "length_cm" | "width_cm" | "height_cm" => "parcels",
        other => other,
    }
}

pub(crate) fn order_problem(e: &OrderError) -> Problem {
    let mut p = Problem::field(json_field(e.field), format!("{} ({})", e.message, e.code));
    p.title = "Order cannot be quoted".into();
    p
}

/// The ship date for requests without one.
pub(crate) fn default_date(app: &App) -> Date {
    app.settings.date.unwrap_or_else(Date::today_utc)
}

pub(crate) fn strategy_or_default(s: Option<Strategy>) -> Strategy {
    s.unwrap_or(Strategy::Cheapest)
}

/// Prices one order into the contract's quote JSON bytes, counting the selected carrier.
pub(crate) fn quote_bytes(
    app: &App,
    snap: &Snapshot,
    order: &Order,
    req: &QuoteRequest,
) -> Result<Vec<u8>, Problem> {
    let q = snap
        .engine
        .quote(order, req)
        .map_err(|e| order_problem(&e))?;
    let j = quote_json(&snap.engine, &q);
    app.metrics
        .quote(j.selected.as_ref().map_or("none", |s| s.carrier));
    encode(&j)
}

/// `POST /v1/quote`: one order, the contract's quote JSON.
pub(crate) async fn quote(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    body_kind(&headers, false)?;
    let bytes = read_body(&app, &headers, body, app.settings.max_quote_body).await?;
    if bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b != b'{')
    {
        return Err(Problem::field(
            "body",
            "expected a JSON object (one quote request); send many orders to /v1/quotes",
        ));
    }
    // Parsing and pricing on this thread: a panic here (a bug) is answered 500, not a reset.
    let (order, strategy, explain) = caught(|| {
        let req: QuoteRequestJson = parse_json(&bytes)?;
        req.into_order()
            .map_err(|e| Problem::field(e.field, e.message))
    })?;
    let qreq = QuoteRequest {
        strategy: strategy_or_default(strategy),
        date: default_date(&app),
        explain,
    };
    let snap = app.snapshot();
    let body = if order.parcels.len() <= app.settings.inline_max_parcels {
        caught(|| quote_bytes(&app, &snap, &order, &qreq))
    } else {
        let (a, s) = (app.clone(), snap.clone());
        app.pool
            .run(&app.metrics, move || quote_bytes(&a, &s, &order, &qreq))
            .await?
    }
    .map_err(|p| p.with_version(snap.version()))?;
    Ok(json_response(StatusCode::OK, body, snap.version()))
}
