//! `POST /v1/validate`: a config bundle checked in a child process under limits.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;

use super::body::*;
use crate::api::*;
use crate::problem::Problem;
use crate::state::App;
use crate::validate_child::{ChildLimits, ChildOutcome};
use lpo_model::ExitCode;

/// A bundle path: relative, `/`-separated, no `.` or `..` parts.
pub(crate) fn bundle_path(p: &str) -> Result<std::path::PathBuf, Problem> {
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

pub(crate) async fn validate(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    body_kind(&headers, false)?;
    // One validation at a time; taken before the body is read.
    let one = app.pool.validate_slot(&app.metrics)?;
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
    let limits = app.guards.validate;
    let v = app
        .pool
        .run(&app.metrics, move || -> Result<_, Problem> {
            // Held by the job itself: a client that goes away does not free it early.
            let _one = one;
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
            validate_in_child(&exe, &manifest, req.deny_warnings, &limits)
        })
        .await?
        .map_err(|p| p.with_version(snap.version()))?;
    let field = |k: &str| v.get(k).cloned().unwrap_or(serde_json::Value::Null);
    let failed = field("ok") != serde_json::Value::Bool(true);
    let resp = ValidateResponse {
        ok: !failed,
        errors: field("errors").as_u64().unwrap_or(0) as usize,
        warnings: field("warnings").as_u64().unwrap_or(0) as usize,
        diagnostics: field("diagnostics"),
        summary: Some(field("summary")).filter(|x| !x.is_null()),
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

/// Validates a staged bundle in a child process under memory, CPU and wall-clock limits
/// ([`crate::validate_child`]): a bundle that exhausts one is a 422 naming it.
pub(crate) fn validate_in_child(
    exe: &std::path::Path,
    manifest: &std::path::Path,
    deny_warnings: bool,
    limits: &ChildLimits,
) -> Result<serde_json::Value, Problem> {
    match crate::validate_child::validate_in_child(exe, manifest, deny_warnings, limits) {
        Ok(ChildOutcome::Answer(v)) => Ok(v),
        Ok(ChildOutcome::OverLimit(limit)) => Err(Problem::validation_limit(limit, limits)),
        Err(e) => Err(Problem::internal(e.to_string())),
    }
}
