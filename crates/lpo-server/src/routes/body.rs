//! Reading request bodies within their limits, and writing JSON answers.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use serde::Serialize;

use crate::api::*;
use crate::problem::{Problem, json_problem};
use crate::state::App;

/// The body, refused once it passes `limit` bytes (at once when `Content-Length` says so), and
/// answered 408 when the client does not send it within the request timeout.
pub(crate) async fn read_body(
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
pub(crate) async fn read_batch_body(
    app: &App,
    headers: &HeaderMap,
    body: Body,
) -> Result<(Bytes, tokio::sync::OwnedSemaphorePermit), Problem> {
    let slot = app.pool.body_slot(&app.metrics)?;
    let bytes = read_body(app, headers, body, app.settings.max_batch_body).await?;
    Ok((bytes, slot))
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyKind {
    Json,
    Csv,
}

/// JSON (no Content-Type is taken as JSON), or CSV where the route takes it.
pub(crate) fn body_kind(headers: &HeaderMap, csv_too: bool) -> Result<BodyKind, Problem> {
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
pub(crate) fn wants_csv(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/csv"))
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
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

pub(crate) fn json_response(status: StatusCode, body: Vec<u8>, version: &str) -> Response {
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

pub(crate) fn encode<T: Serialize>(v: &T) -> Result<Vec<u8>, Problem> {
    serde_json::to_vec(v).map_err(|e| Problem::internal(format!("cannot encode the answer: {e}")))
}

/// Runs request work on the HTTP thread, turning a panic into a 500 problem.
pub(crate) fn caught<T>(f: impl FnOnce() -> Result<T, Problem>) -> Result<T, Problem> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(Problem::internal(
            "the request's handler panicked; this is a bug",
        ))
    })
}
