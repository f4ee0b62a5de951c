//! The routes and the middleware that observes every request. Each route's handler lives in
//! the file named after it.

mod batch;
mod body;
mod head;
mod ops;
mod optimise;
mod quote;
mod quotes;
mod validate;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::api::*;
use crate::problem::Problem;
use crate::state::App;

/// The service's router: every route, the problem+json fallbacks and the observing middleware.
pub fn router(app: Arc<App>) -> Router {
    let mut r = Router::new()
        .route("/v1/quote", post(quote::quote))
        .route("/v1/quotes", post(quotes::quotes))
        .route("/v1/optimise", post(optimise::optimise))
        .route("/v1/validate", post(validate::validate))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(ops::openapi));
    if app.admin_enabled() {
        r = r.route("/admin/reload", post(ops::admin_reload));
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
    let limit = match route {
        "/v1/optimise" => app
            .settings
            .request_timeout
            .saturating_add(Duration::from_secs_f64(app.settings.max_time_limit)),
        // The child's wall-clock limit ends a validation with a 422 before this could.
        "/v1/validate" => app
            .settings
            .request_timeout
            .saturating_mul(2)
            .saturating_add(app.guards.validate.wall),
        // Reading the body has its own limit (408); this bounds the server's own work.
        _ => app.settings.request_timeout.saturating_mul(2),
    };
    let busy = app.metrics.enter() >= app.settings.max_in_flight as u64;
    let guard = InFlight(&app);
    let mut resp = if let Err(p) = head::check(&req) {
        p.into_response()
    } else if busy && route != "/healthz" && route != "/metrics" {
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
