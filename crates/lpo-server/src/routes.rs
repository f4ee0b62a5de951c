//! The routes, their handlers and the middleware that observes every request.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{MatchedPath, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::BodyExt;
use lpo_engine::{OrderError, Quote, QuoteRequest};
use lpo_format::orders::{InputOrder, RowError, read_orders};
use lpo_format::output::{PLAN_HEADER, QuoteJson, quote_json};
use lpo_format::request::QuoteRequestJson;
use lpo_model::{Cents, Date, Order, Strategy};
use lpo_plan::{
    GlobalOpts, Method, OrderStatus, PlanError, Silent, Solved, SolverReport, Timings,
    infeasible_message,
};
use lpo_solve::SolveError;
use rayon::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::problem::{FieldProblem, Problem, json_problem};
use super::state::{App, Snapshot};
use crate::validate_child::ChildOutcome;
use lpo_model::ExitCode;

/// The header that names the configuration a response was computed with.
pub const VERSION_HEADER: &str = "lpo-config-version";
/// The header that carries the CLI exit code of a batch answer.
pub const EXIT_CODE_HEADER: &str = "lpo-exit-code";

/// The service's router: every route, the problem+json fallbacks and the observing middleware.
pub fn router(app: Arc<App>) -> Router {
    let mut r = Router::new()
        .route("/v1/quote", post(quote))
        .route("/v1/quotes", post(quotes))
        .route("/v1/optimise", post(optimise))
        .route("/v1/validate", post(validate))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi));
    if app.admin_enabled() {
        r = r.route("/admin/reload", post(admin_reload));
    }
    r.fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(app.clone(), observe))
        .with_state(app)
}

/// Route label for metrics and logs (a fixed set, so label cardinality stays bounded).
fn route_label(matched: Option<&str>) -> &'static str {
    match matched {
        Some("/v1/quote") => "/v1/quote",
        Some("/v1/quotes") => "/v1/quotes",
        Some("/v1/optimise") => "/v1/optimise",
        Some("/v1/validate") => "/v1/validate",
        Some("/healthz") => "/healthz",
        Some("/readyz") => "/readyz",
        Some("/metrics") => "/metrics",
        Some("/openapi.json") => "/openapi.json",
        Some("/admin/reload") => "/admin/reload",
        _ => "unmatched",
    }
}

/// A caller's request id is kept when it is short printable ASCII; otherwise one is made.
fn usable_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_graphic())
}

/// Counts `in flight` down even when the client goes away mid-request.
struct InFlight<'a>(&'a App);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.metrics.leave();
    }
}

/// Every request: an id, a time limit, metrics, a log line, and problem bodies completed with
/// the request id and config version.
async fn observe(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = route_label(
        req.extensions()
            .get::<MatchedPath>()
            .map(MatchedPath::as_str),
    );
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|s| usable_id(s))
        .map_or_else(|| app.request_id(), str::to_string);
    let method = req.method().clone();
    let limit = if route == "/v1/optimise" {
        app.settings
            .request_timeout
            .saturating_add(Duration::from_secs_f64(app.settings.max_time_limit))
    } else {
        // Reading the body has its own limit (408); this bounds the server's own work.
        app.settings.request_timeout.saturating_mul(2)
    };
    let busy = app.metrics.enter() >= app.settings.max_in_flight as u64;
    let guard = InFlight(&app);
    let mut resp = if busy && route != "/healthz" && route != "/metrics" {
        app.metrics.busy();
        Problem::busy("too many requests in flight").into_response()
    } else {
        match tokio::time::timeout(limit, next.run(req)).await {
            Ok(r) => r,
            Err(_) => Problem::timeout(limit.as_secs_f64()).into_response(),
        }
    };
    drop(guard);
    if let Some(mut p) = resp.extensions_mut().remove::<Problem>() {
        p.request_id = Some(id.clone());
        let version = p
            .config_version
            .get_or_insert_with(|| app.snapshot().version().to_string());
        if let Ok(v) = HeaderValue::from_str(version) {
            resp.headers_mut().insert(VERSION_HEADER, v);
        }
        *resp.body_mut() = Body::from(serde_json::to_vec(&p).unwrap_or_default());
        resp.headers_mut().remove(header::CONTENT_LENGTH);
    }
    let h = resp.headers_mut();
    if app.draining() {
        h.insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        h.insert("x-request-id", v);
    }
    if !h.contains_key(VERSION_HEADER)
        && let Ok(v) = HeaderValue::from_str(app.snapshot().version())
    {
        h.insert(VERSION_HEADER, v);
    }
    let status = resp.status().as_u16();
    let took = start.elapsed();
    app.metrics.observe(route, status, took);
    if status >= 500 {
        tracing::warn!(request_id = %id, %method, route, status, micros = took.as_micros() as u64, "request failed");
    } else {
        tracing::debug!(request_id = %id, %method, route, status, micros = took.as_micros() as u64, "request");
    }
    resp
}

async fn not_found(req: Request) -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "not-found",
        "Not found",
        format!("no route {}; see GET /openapi.json", req.uri().path()),
    )
}

async fn method_not_allowed(req: Request) -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "Method not allowed",
        format!(
            "{} is not allowed on {}; see GET /openapi.json",
            req.method(),
            req.uri().path()
        ),
    )
}

/// The body, refused once it passes `limit` bytes (at once when `Content-Length` says so), and
/// answered 408 when the client does not send it within the request timeout.
async fn read_body(
    app: &App,
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Bytes, Problem> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(Problem::too_large(limit));
    }
    let t = app.settings.request_timeout;
    match tokio::time::timeout(t, http_body_util::Limited::new(body, limit).collect()).await {
        Err(_) => Err(Problem::slow_client(t.as_secs_f64())),
        Ok(Ok(c)) => Ok(c.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(Problem::too_large(limit)),
        Ok(Err(e)) => Err(Problem::malformed(format!("cannot read the body: {e}"))),
    }
}

/// A batch body: read only with one of a few body slots, so that many large uploads at once
/// cannot exhaust memory (503 when none is free).
async fn read_batch_body(
    app: &App,
    headers: &HeaderMap,
    body: Body,
) -> Result<(Bytes, tokio::sync::OwnedSemaphorePermit), Problem> {
    let slot = app.pool.body_slot(&app.metrics)?;
    let bytes = read_body(app, headers, body, app.settings.max_batch_body).await?;
    Ok((bytes, slot))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Json,
    Csv,
}

/// JSON (no Content-Type is taken as JSON), or CSV where the route takes it.
fn body_kind(headers: &HeaderMap, csv_too: bool) -> Result<BodyKind, Problem> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("?"))
        .unwrap_or("");
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "" | "application/json" => Ok(BodyKind::Json),
        m if m.ends_with("+json") => Ok(BodyKind::Json),
        "text/csv" | "application/csv" if csv_too => Ok(BodyKind::Csv),
        _ => Err(Problem::media_type(
            ct,
            if csv_too {
                "application/json or text/csv"
            } else {
                "application/json"
            },
        )),
    }
}

/// Whether the client asked for CSV back.
fn wants_csv(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/csv"))
}

fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let v = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        // A wrong field in a body that is not JSON at all: report the syntax first.
        match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
            Err(syntax) => Problem::malformed(format!("the body is not valid JSON: {syntax}")),
            Ok(_) => json_problem(e),
        }
    })?;
    de.end()
        .map_err(|e| Problem::malformed(format!("the body is not valid JSON: {e}")))?;
    Ok(v)
}

fn json_response(status: StatusCode, body: Vec<u8>, version: &str) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(v) = HeaderValue::from_str(version) {
        h.insert(VERSION_HEADER, v);
    }
    r
}

fn encode<T: Serialize>(v: &T) -> Result<Vec<u8>, Problem> {
    serde_json::to_vec(v).map_err(|e| Problem::internal(format!("cannot encode the answer: {e}")))
}

/// Where an engine error's field lives in the quote request JSON.
fn json_field(csv_column: &str) -> &str {
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

fn order_problem(e: &OrderError) -> Problem {
    let mut p = Problem::field(json_field(e.field), format!("{} ({})", e.message, e.code));
    p.title = "Order cannot be quoted".into();
    p
}

/// The ship date for requests without one.
fn default_date(app: &App) -> Date {
    app.settings.date.unwrap_or_else(Date::today_utc)
}

fn strategy_or_default(s: Option<Strategy>) -> Strategy {
    s.unwrap_or(Strategy::Cheapest)
}

/// Prices one order into the contract's quote JSON bytes, counting the selected carrier.
fn quote_bytes(
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
async fn quote(
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

/// Runs request work on the HTTP thread, turning a panic into a 500 problem.
fn caught<T>(f: impl FnOnce() -> Result<T, Problem>) -> Result<T, Problem> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(Problem::internal(
            "the request's handler panicked; this is a bug",
        ))
    })
}

/// Query parameters of the batch routes, checked by hand so that an unknown or bad one is named.
#[derive(Debug, Default)]
struct BatchParams {
    strategy: Option<Strategy>,
    within_days: Option<u8>,
    explain: bool,
    date: Option<Date>,
    greedy: bool,
    global: bool,
    time_limit: Option<f64>,
    gap: Option<f64>,
}

fn parse_bool(field: &str, v: &str) -> Result<bool, Problem> {
    match v {
        "true" | "1" | "" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(Problem::field(field, format!("`{v}` is not true or false"))),
    }
}

fn parse_params(
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
    allowed: &[&str],
) -> Result<BatchParams, Problem> {
    let Query(pairs) = q.map_err(|e| Problem::field("query", e.body_text()))?;
    let mut p = BatchParams::default();
    for (k, v) in pairs {
        let field = format!("query.{k}");
        if !allowed.contains(&k.as_str()) {
            return Err(Problem::field(
                field,
                format!("unknown parameter; this route takes {}", allowed.join(", ")),
            ));
        }
        match k.as_str() {
            "strategy" => {
                p.strategy = Some(
                    v.parse::<Strategy>()
                        .map_err(|m| Problem::field(field, m))?,
                );
            }
            "within_days" => {
                p.within_days = Some(v.parse::<u8>().map_err(|_| {
                    Problem::field(field, format!("`{v}` is not a number of days (0-255)"))
                })?);
            }
            "explain" => p.explain = parse_bool(&field, &v)?,
            "greedy" => p.greedy = parse_bool(&field, &v)?,
            "global" => p.global = parse_bool(&field, &v)?,
            "date" => {
                p.date = Some(
                    v.parse::<Date>()
                        .map_err(|e| Problem::field(field, e.to_string()))?,
                );
            }
            "time_limit" | "gap" => {
                let x: f64 = v
                    .parse()
                    .ok()
                    .filter(|x: &f64| x.is_finite() && *x > 0.0)
                    .ok_or_else(|| {
                        Problem::field(&field, format!("`{v}` is not a positive number"))
                    })?;
                if k == "gap" {
                    p.gap = Some(x);
                } else {
                    p.time_limit = Some(x);
                }
            }
            _ => {}
        }
    }
    Ok(p)
}

impl BatchParams {
    fn strategy(&self) -> Strategy {
        match self.strategy {
            Some(Strategy::BestValue { within_days }) => Strategy::BestValue {
                within_days: self.within_days.unwrap_or(within_days),
            },
            s => strategy_or_default(s),
        }
    }
}

/// The elements of a JSON array, unparsed; more than `limit` is refused while reading, so a
/// huge array of tiny elements never becomes a huge vector.
fn raw_array(bytes: &[u8], limit: usize) -> Result<Vec<&serde_json::value::RawValue>, Problem> {
    use serde::de::{DeserializeSeed, Error as _, SeqAccess, Visitor};
    struct Limited(usize);
    impl<'de> Visitor<'de> for Limited {
        type Value = Vec<&'de serde_json::value::RawValue>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(f, "an array of quote requests")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut v = Vec::new();
            while let Some(x) = seq.next_element()? {
                if v.len() == self.0 {
                    return Err(A::Error::custom(format!(
                        "more than {} orders in one request",
                        self.0
                    )));
                }
                v.push(x);
            }
            Ok(v)
        }
    }
    impl<'de> DeserializeSeed<'de> for Limited {
        type Value = Vec<&'de serde_json::value::RawValue>;
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_seq(self)
        }
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|e| Problem::malformed(format!("the body is not UTF-8: {e}")))?;
    let mut de = serde_json::Deserializer::from_str(text);
    match Limited(limit)
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v))
    {
        Ok(v) => Ok(v),
        Err(e) if e.is_data() && e.to_string().starts_with("more than") => Err(Problem::field(
            "body",
            format!("{}; the limit is {limit}", strip_at(&e.to_string())),
        )),
        Err(e) if e.is_data() => Err(Problem::field(
            "body",
            "expected a JSON array of quote requests",
        )),
        Err(e) => Err(Problem::malformed(format!(
            "the body is not valid JSON: {e}"
        ))),
    }
}

fn strip_at(s: &str) -> &str {
    s.rfind(" at line ").map_or(s, |i| &s[..i])
}

/// A batch's orders, with each JSON order's own strategy and `explain` (CSV orders have none).
type BatchOrders = (Vec<InputOrder>, Vec<Option<Strategy>>, Vec<bool>);

/// The orders of a batch body: the orders CSV, or a JSON array of quote requests. Each JSON
/// element that fails becomes a rejected order (field paths start `[i]`), like a bad CSV row.
fn batch_orders(kind: BodyKind, bytes: &[u8], limit: usize) -> Result<BatchOrders, Problem> {
    match kind {
        BodyKind::Csv => {
            let orders = read_orders(bytes).map_err(|e| match e {
                lpo_format::orders::OrdersError::Csv { line, message } => {
                    Problem::field(format!("line {line}"), message)
                }
                other => Problem::field("body", other.to_string()),
            })?;
            if orders.len() > limit {
                return Err(too_many(orders.len(), limit));
            }
            let mut orders = orders;
            for o in &mut orders {
                if o.rows() > MAX_PARCELS && o.order.is_ok() {
                    o.order = Err(vec![RowError {
                        line: o.line,
                        field: "order_id".into(),
                        message: format!(
                            "{} parcels in one order; the limit is {MAX_PARCELS}",
                            o.rows()
                        ),
                    }]);
                }
            }
            let n = orders.len();
            Ok((orders, vec![None; n], vec![false; n]))
        }
        BodyKind::Json => {
            let items = raw_array(bytes, limit)?;
            let mut orders = Vec::with_capacity(items.len());
            let mut strategies = Vec::with_capacity(items.len());
            let mut explains = Vec::with_capacity(items.len());
            for (i, v) in items.into_iter().enumerate() {
                let line = i as u64 + 1;
                let mut de = serde_json::Deserializer::from_str(v.get());
                let parsed = serde_path_to_error::deserialize::<_, QuoteRequestJson>(&mut de)
                    .map_err(|e| {
                        let p = json_problem(e);
                        p.errors
                            .into_iter()
                            .map(|f| (f.field, f.message))
                            .collect::<Vec<_>>()
                    })
                    .and_then(|r| r.into_order().map_err(|e| vec![(e.field, e.message)]));
                let (id, order) = match parsed {
                    Ok((mut o, s, explain)) => {
                        if o.id.is_empty() {
                            o.id = line.to_string();
                        }
                        strategies.push(s);
                        explains.push(explain);
                        (o.id.to_string(), Ok(o))
                    }
                    Err(errs) => {
                        strategies.push(None);
                        explains.push(false);
                        let errs = errs
                            .into_iter()
                            .map(|(f, m)| RowError {
                                line,
                                field: format!("[{i}].{f}"),
                                message: m,
                            })
                            .collect();
                        (line.to_string(), Err(errs))
                    }
                };
                orders.push(InputOrder {
                    id,
                    line,
                    more_lines: Vec::new(),
                    order,
                });
            }
            Ok((orders, strategies, explains))
        }
    }
}

/// Most parcels in one order (as for a JSON quote request).
const MAX_PARCELS: usize = 1000;

fn too_many(n: usize, limit: usize) -> Problem {
    Problem::field(
        "body",
        format!("{n} orders in one request; the limit is {limit}"),
    )
}

/// One order's answer in a `/v1/quotes` response.
#[derive(Debug, Serialize, JsonSchema)]
pub struct QuotesItem {
    /// Position in the request (0-based).
    pub index: usize,
    pub order_id: String,
    /// `quoted` (a service was selected), `unallocated` (no service can take it) or `rejected`
    /// (the order is invalid; see `errors`).
    pub status: &'static str,
    /// The quote, as `POST /v1/quote` answers it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<QuoteJson<'static>>")]
    pub quote: Option<Box<serde_json::value::RawValue>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// `POST /v1/quotes` answer: one item per order, in request order.
#[derive(Debug, Serialize, JsonSchema)]
pub struct QuotesResponse {
    pub config_version: String,
    pub orders: usize,
    pub quoted: usize,
    pub unallocated: usize,
    pub rejected: usize,
    /// The CLI's exit code for the same batch: 0, or 3 when an order was rejected or unallocated.
    pub exit_code: u8,
    pub results: Vec<QuotesItem>,
}

fn reject_errors(errs: &[RowError], csv: bool) -> Vec<FieldProblem> {
    errs.iter()
        .map(|e| FieldProblem {
            field: if csv {
                format!("line {}, {}", e.line, e.field)
            } else {
                e.field.clone()
            },
            message: e.message.clone(),
        })
        .collect()
}

/// `POST /v1/quotes`: many orders (JSON array or orders CSV), per-order results in order.
async fn quotes(
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
                            order_id: input.id.clone(),
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
                                item(
                                    "rejected",
                                    None,
                                    vec![FieldProblem {
                                        field,
                                        message: msg,
                                    }],
                                )
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

/// `POST /v1/optimise` answer (JSON; `Accept: text/csv` gets the plan CSV alone).
#[derive(Debug, Serialize, JsonSchema)]
pub struct OptimiseResponse {
    pub config_version: String,
    /// `per_order` (each order's own best option) or `global` (the day solved under the
    /// configured constraints).
    pub method: &'static str,
    /// The CLI's exit code for the same run: 0, or 3 when an order was rejected or unallocated.
    pub exit_code: u8,
    pub orders: usize,
    pub allocated: usize,
    pub unallocated: usize,
    pub rejected: usize,
    pub total_cents: i64,
    /// The plan rows, with the plan CSV's columns and its exact text values.
    pub plan: Vec<BTreeMap<String, String>>,
    /// The global solver's report (as `lpo optimise --report`), for global runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<serde_json::Value>")]
    pub report: Option<Box<SolverReport>>,
}

/// `POST /v1/optimise`: a batch, optionally under the day's global constraints, time-limited.
async fn optimise(
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
                        .map(|message| FieldProblem {
                            field: "constraints".into(),
                            message,
                        })
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
fn plan_rows(plan: &str) -> Result<Vec<BTreeMap<String, String>>, Problem> {
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

/// `POST /v1/validate` body: a config bundle.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateRequest {
    /// Files by path relative to the config root (`/`-separated), with their text; `lpo.yaml`
    /// is the manifest.
    pub files: BTreeMap<String, String>,
    /// Start from the files of the configuration being served and lay these over them (to
    /// check a change to one rule file, send just that file).
    #[serde(default)]
    pub overlay: bool,
    /// Fail on warnings too (like `lpo validate --deny-warnings`).
    #[serde(default)]
    pub deny_warnings: bool,
}

/// `POST /v1/validate` answer: `lpo validate --format json`, plus the exit code and the
/// version being served.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ValidateResponse {
    pub ok: bool,
    pub errors: usize,
    pub warnings: usize,
    #[schemars(with = "Vec<lpo_config::Diagnostic>")]
    pub diagnostics: serde_json::Value,
    /// Counts of what the bundle loaded (absent when it did not load).
    pub summary: Option<serde_json::Value>,
    /// The CLI's exit code for the same check: 0 clean, 2 invalid.
    pub exit_code: u8,
    /// The configuration this service is serving (not the bundle's).
    pub config_version: String,
}

/// A bundle path: relative, `/`-separated, no `.` or `..` parts.
fn bundle_path(p: &str) -> Result<std::path::PathBuf, Problem> {
    let bad = |why: &str| Problem::field(format!("files.{p}"), why.to_string());
    if p.is_empty() || p.len() > 512 {
        return Err(bad("a path of 1 to 512 characters is needed"));
    }
    if p.starts_with('/') || p.contains('\\') || p.contains('\0') || p.contains(':') {
        return Err(bad("paths are relative to the config root and use `/`"));
    }
    let mut out = std::path::PathBuf::new();
    for part in p.split('/') {
        if part.is_empty() || part == "." || part == ".." {
            return Err(bad("paths may not contain empty, `.` or `..` parts"));
        }
        out.push(part);
    }
    Ok(out)
}

async fn validate(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    body_kind(&headers, false)?;
    let (bytes, _slot) = read_batch_body(&app, &headers, body).await?;
    let req: ValidateRequest = parse_json(&bytes)?;
    if req.files.len() > 5000 {
        return Err(Problem::field("files", "more than 5000 files"));
    }
    let mut paths = Vec::with_capacity(req.files.len());
    for p in req.files.keys() {
        paths.push(bundle_path(p)?);
    }
    let snap = app.snapshot();
    let s = snap.clone();
    let exe = match &app.settings.validate_exe {
        Some(p) => p.clone(),
        None => std::env::current_exe().map_err(|e| {
            Problem::internal(format!("cannot find the service's own executable: {e}"))
        })?,
    };
    let v = app
        .pool
        .run(&app.metrics, move || -> Result<_, Problem> {
            let io = |e: std::io::Error| Problem::internal(format!("cannot stage the bundle: {e}"));
            let dir = tempfile::tempdir().map_err(io)?;
            if req.overlay {
                for f in &s.files {
                    let to = dir.path().join(&f.path);
                    if let Some(parent) = to.parent() {
                        std::fs::create_dir_all(parent).map_err(io)?;
                    }
                    std::fs::write(&to, &f.bytes).map_err(io)?;
                }
            }
            for ((name, text), rel) in req.files.iter().zip(&paths) {
                let to = dir.path().join(rel);
                let bad = |e: std::io::Error| {
                    Problem::field(
                        format!("files.{name}"),
                        format!("cannot be written into the bundle: {e}"),
                    )
                };
                if let Some(parent) = to.parent() {
                    std::fs::create_dir_all(parent).map_err(bad)?;
                }
                std::fs::write(&to, text).map_err(bad)?;
            }
            let manifest = dir.path().join("lpo.yaml");
            if !manifest.is_file() {
                return Err(Problem::field(
                    "files",
                    "the bundle has no lpo.yaml at its root (send it, or set overlay: true)",
                ));
            }
            validate_in_child(&exe, &manifest, req.deny_warnings)
        })
        .await?
        .map_err(|p| p.with_version(snap.version()))?;
    let failed = v["ok"] != serde_json::Value::Bool(true);
    let resp = ValidateResponse {
        ok: !failed,
        errors: v["errors"].as_u64().unwrap_or(0) as usize,
        warnings: v["warnings"].as_u64().unwrap_or(0) as usize,
        diagnostics: v["diagnostics"].clone(),
        summary: Some(v["summary"].clone()).filter(|x| !x.is_null()),
        exit_code: if failed {
            ExitCode::Invalid.code()
        } else {
            ExitCode::Ok.code()
        },
        config_version: snap.version().to_string(),
    };
    let code = resp.exit_code;
    let mut r = json_response(StatusCode::OK, encode(&resp)?, snap.version());
    r.headers_mut()
        .insert(EXIT_CODE_HEADER, HeaderValue::from(u16::from(code)));
    Ok(r)
}

/// Validates a staged bundle in a child process under memory and CPU limits
/// ([`crate::validate_child`]).
fn validate_in_child(
    exe: &std::path::Path,
    manifest: &std::path::Path,
    deny_warnings: bool,
) -> Result<serde_json::Value, Problem> {
    let (mem, cpu) = crate::validate_child::LIMITS;
    match crate::validate_child::validate_in_child(exe, manifest, deny_warnings) {
        Ok(ChildOutcome::Answer(v)) => Ok(v),
        Ok(ChildOutcome::OverLimits) => Err(Problem::field(
            "files",
            format!(
                "the bundle could not be validated within this service's limits ({} GiB of memory, {cpu} s of CPU)",
                mem >> 30
            ),
        )),
        Err(e) => Err(Problem::internal(format!("cannot run the validator: {e}"))),
    }
}

/// `GET /healthz` and `GET /readyz` answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Health {
    /// `alive` (healthz) or `ready` (readyz).
    pub status: &'static str,
    pub config_version: String,
}

async fn healthz(State(app): State<Arc<App>>) -> Response {
    let snap = app.snapshot();
    let h = Health {
        status: "alive",
        config_version: snap.version().to_string(),
    };
    json_response(
        StatusCode::OK,
        serde_json::to_vec(&h).unwrap_or_default(),
        snap.version(),
    )
}

async fn readyz(State(app): State<Arc<App>>) -> Result<Response, Problem> {
    if app.draining() {
        let mut p = Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not-ready",
            "Not ready",
            "the service is shutting down",
        );
        p.retry_after = Some(1);
        return Err(p);
    }
    let snap = app.snapshot();
    let h = Health {
        status: "ready",
        config_version: snap.version().to_string(),
    };
    Ok(json_response(StatusCode::OK, encode(&h)?, snap.version()))
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    let snap = app.snapshot();
    let text = app
        .metrics
        .render(snap.version(), snap.loaded_at, app.pool.in_use());
    let mut r = (StatusCode::OK, text).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    r
}

async fn openapi() -> Response {
    let mut r = (StatusCode::OK, super::openapi::document_bytes()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

async fn admin_reload(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim());
    if !token.is_some_and(|t| app.admin_token_matches(t)) {
        return Err(Problem::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Unauthorized",
            "admin routes need `Authorization: Bearer <token>` with the token the service was started with",
        ));
    }
    // In its own task: a client that goes away does not abandon a reload half done.
    let a = app.clone();
    let r = tokio::spawn(async move { a.reload("http").await })
        .await
        .map_err(|e| Problem::internal(format!("the reload failed: {e}")))??;
    Ok(json_response(
        StatusCode::OK,
        encode(&r)?,
        &r.config_version,
    ))
}
