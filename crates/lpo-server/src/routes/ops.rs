//! Operations routes: health, readiness, metrics, the OpenAPI document, admin reload.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::body::*;
use crate::api::*;
use crate::problem::Problem;
use crate::state::App;

pub(crate) async fn healthz(State(app): State<Arc<App>>) -> Response {
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

pub(crate) async fn readyz(State(app): State<Arc<App>>) -> Result<Response, Problem> {
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

pub(crate) async fn metrics(State(app): State<Arc<App>>) -> Response {
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

pub(crate) async fn openapi(State(app): State<Arc<App>>) -> Response {
    let snap = app.snapshot();
    let doc = snap.openapi(|| crate::openapi::served(&app, &snap));
    let mut r = (StatusCode::OK, doc).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

pub(crate) async fn admin_reload(
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
